"""Creates the table(s), bucket, queues and KMS keys of template.yaml on a moto backend, and names them.

Used by the local stack (against moto's server) and by the tests (under moto's mock_aws), so
neither can drift from the template.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra import template as tpl

REGION = "us-east-1"
# The reminders' sender on the local stack: an SES identity created in moto at start.
LOCAL_REMINDER_SENDER = "reminders@cme.local"


@dataclass
class Stack:
    """The local names of the template's resources, and each function's resolved environment."""

    prefix: str
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    buckets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> {url, arn, name}
    secrets: dict[str, str] = field(default_factory=dict)  # logical id -> secret value
    keys: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> {id, arn}
    public_base_url: str = ""

    def lookup(self, value: Any) -> str:
        kind, logical_id, attribute = tpl.tag_target(value)
        if kind == "If":
            # Only PublicBaseUrl is conditional; locally it is the gateway's own URL.
            return self.public_base_url
        if logical_id in self.tables:
            return self.tables[logical_id]
        if logical_id in self.buckets:
            return self.buckets[logical_id]
        if logical_id in self.queues:
            queue = self.queues[logical_id]
            return {
                None: queue["url"],
                "QueueUrl": queue["url"],
                "Arn": queue["arn"],
                "QueueName": queue["name"],
            }[attribute]
        if logical_id in self.secrets:
            return f"local-secret:{logical_id}"
        if logical_id in self.keys:
            return self.keys[logical_id]["arn" if attribute == "Arn" else "id"]
        if logical_id == "LogLevel":
            return "INFO"
        if logical_id == "PublicBaseUrl":
            return self.public_base_url
        if logical_id == "ReminderSender":
            return LOCAL_REMINDER_SENDER
        raise KeyError(f"cannot resolve {value!r} locally")

    def environment(self, function: tpl.Function) -> dict[str, str]:
        env = tpl.resolve_environment(function.environment, self.lookup)
        # The cursor key comes from Secrets Manager in AWS; locally it is a per-process secret.
        if "CURSOR_SECRET_ARN" in env and self.secrets:
            env["CURSOR_SECRET"] = next(iter(self.secrets.values()))
            env["CURSOR_SECRET_ARN"] = ""
        return env

    def shared_environment(self) -> dict[str, str]:
        """The union of every function's environment (they share one process locally)."""
        merged: dict[str, str] = {}
        for function in tpl.functions().values():
            merged.update(self.environment(function))
        return merged


def provision(prefix: str = "cme-local", endpoint_url: str | None = None, public_base_url: str = "") -> Stack:
    """Create every table, bucket and queue of the template; returns their local names."""
    stack = Stack(prefix=prefix, public_base_url=public_base_url)
    kwargs: dict[str, Any] = {"region_name": REGION}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    dynamodb = boto3.client("dynamodb", **kwargs)
    s3 = boto3.client("s3", **kwargs)
    sqs = boto3.client("sqs", **kwargs)

    for logical_id, definition in tpl.table_definitions().items():
        name = f"{prefix}-{logical_id}"
        dynamodb.create_table(TableName=name, **definition)
        ttl = tpl.ttl_attribute(logical_id)
        if ttl:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )
        stack.tables[logical_id] = name

    for logical_id in tpl.of_type("AWS::S3::Bucket"):
        name = f"{prefix}-{logical_id}".lower()
        s3.create_bucket(Bucket=name)
        props = tpl.resources()[logical_id].get("Properties") or {}
        if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        stack.buckets[logical_id] = name

    queues = tpl.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: their ARNs go into the redrive policies of the others.
    ordered = sorted(queues, key=lambda q: "RedrivePolicy" in (queues[q].get("Properties") or {}))
    for logical_id in ordered:
        props = queues[logical_id].get("Properties") or {}
        attributes: dict[str, str] = {}
        if "VisibilityTimeout" in props:
            attributes["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            _, target, _ = tpl.tag_target(policy["deadLetterTargetArn"])
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": stack.queues[target]["arn"],
                    "maxReceiveCount": int(policy["maxReceiveCount"]),
                }
            )
        name = f"{prefix}-{logical_id}"
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        stack.queues[logical_id] = {"url": url, "arn": arn, "name": name}

    for logical_id, name in stack.buckets.items():
        props = tpl.resources()[logical_id].get("Properties") or {}
        cors = _cors_rules(props.get("CorsConfiguration"))
        if cors:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors})  # type: ignore[typeddict-item]
        notifications = _queue_notifications(props.get("NotificationConfiguration"), stack)
        if notifications:
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={"QueueConfigurations": notifications},  # type: ignore[typeddict-item]
            )

    # The reminders' sender, verified (moto's SES sends only from known identities).
    boto3.client("sesv2", **kwargs).create_email_identity(EmailIdentity=LOCAL_REMINDER_SENDER)

    for logical_id in tpl.of_type("AWS::SecretsManager::Secret"):
        stack.secrets[logical_id] = secrets.token_urlsafe(32)

    kms = boto3.client("kms", **kwargs)
    for logical_id, resource in tpl.of_type("AWS::KMS::Key").items():
        props = resource.get("Properties") or {}
        # The key policy names IAM roles that do not exist locally; moto's own default policy stands.
        spec: dict[str, Any] = {
            "KeySpec": str(props.get("KeySpec", "SYMMETRIC_DEFAULT")),
            "KeyUsage": str(props.get("KeyUsage", "ENCRYPT_DECRYPT")),
            "Description": str(props.get("Description", logical_id)),
        }
        created = kms.create_key(**spec)["KeyMetadata"]
        stack.keys[logical_id] = {"id": created["KeyId"], "arn": created["Arn"]}
    for resource in tpl.of_type("AWS::KMS::Alias").values():
        props = resource.get("Properties") or {}
        _, target, _ = tpl.tag_target(props["TargetKeyId"])
        alias = props["AliasName"]
        name = alias if isinstance(alias, str) else f"alias/{prefix}-{target}"
        kms.create_alias(AliasName=name, TargetKeyId=stack.keys[target]["id"])
    return stack


def _cors_rules(config: Any) -> list[dict[str, Any]]:
    """A bucket's CorsConfiguration as S3's PutBucketCors takes it (the browser's PUT of an upload)."""
    rules = []
    for rule in (config or {}).get("CorsRules") or []:
        converted: dict[str, Any] = {
            "AllowedMethods": list(rule["AllowedMethods"]),
            "AllowedOrigins": list(rule["AllowedOrigins"]),
        }
        if "AllowedHeaders" in rule:
            converted["AllowedHeaders"] = list(rule["AllowedHeaders"])
        if "ExposedHeaders" in rule:
            converted["ExposeHeaders"] = list(rule["ExposedHeaders"])
        if "MaxAge" in rule:
            converted["MaxAgeSeconds"] = int(rule["MaxAge"])
        rules.append(converted)
    return rules


def _queue_notifications(config: Any, stack: Stack) -> list[dict[str, Any]]:
    """A bucket's queue notifications with the local queues' ARNs: moto then sends S3's events to the
    queue, and the local stack's poller delivers them to the function subscribed to it, as in AWS."""
    found = []
    for entry in (config or {}).get("QueueConfigurations") or []:
        _, queue_id, _ = tpl.tag_target(entry["Queue"])
        converted: dict[str, Any] = {"QueueArn": stack.queues[queue_id]["arn"], "Events": [entry["Event"]]}
        rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        if rules:
            converted["Filter"] = {
                "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
            }
        found.append(converted)
    return found
