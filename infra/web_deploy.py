"""`python -m infra.web_deploy --stack-name STACK`: upload the web client to a stack deployed with WebClient=true.

Reads the stack's outputs, writes `config.json` (the HTTP API's URL, Cognito hosted UI domain, app
client id, redirect URI = the distribution's URL), uploads every file of `web/` with its
Content-Type and `Cache-Control: no-cache`, deletes files no longer in `web/`, and invalidates the
distribution's cache. No build step: the files are uploaded as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from infra.localstack.web import CONFIG_PATH, WEB_ROOT, web_assets

REQUIRED_OUTPUTS = (
    "ApiUrl",
    "UserPoolClientId",
    "WebUrl",
    "WebBucketName",
    "WebDistributionId",
    "AuthDomainUrl",
)
# Every file is revalidated on every load (cheap: S3 and CloudFront answer 304 to a matching ETag).
# The ES modules have fixed names (no build step, no hashes in names), so caching any of them for a
# while would let a browser run old modules with new ones after a deploy.
FRESH_CACHE = "no-cache"


class DeployError(Exception):
    """The stack cannot take the web client (the message says why)."""


def client_config(outputs: Mapping[str, str]) -> dict[str, Any]:
    """The runtime config of the client in AWS (the local stack serves its own: auth `local`)."""
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
    if missing:
        raise DeployError(
            f"the stack has no output {', '.join(missing)}: deploy it with --parameter-overrides WebClient=true"
        )
    web_url = outputs["WebUrl"]
    return {
        "api_base_url": outputs["ApiUrl"].rstrip("/"),
        "auth": "cognito",
        "cognito": {
            "domain": outputs["AuthDomainUrl"].rstrip("/"),
            "client_id": outputs["UserPoolClientId"],
            "redirect_uri": web_url,
            "logout_uri": web_url,
            "scopes": "openid email profile",
        },
    }


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def upload_origins(outputs: Mapping[str, str]) -> list[str]:
    """Where the client PUTs certificate files of external credit: the upload bucket, as presigned
    URLs name it (global and regional virtual-hosted names; the region is the API's)."""
    bucket = outputs.get("UploadBucketName")
    if not bucket:
        return []
    host = urlsplit(outputs["ApiUrl"]).netloc  # {api}.execute-api.{region}.{suffix}
    region, suffix = host.split(".execute-api.", 1)[1].split(".", 1)
    return [f"https://{bucket}.s3.{suffix}", f"https://{bucket}.s3.{region}.{suffix}"]


def with_connect_policy(index_html: bytes, config: dict[str, Any], extra: list[str] | None = None) -> bytes:
    """index.html with a CSP <meta> that lets it call this stack's API and hosted UI only (and, in
    `extra`, the upload bucket the client PUTs files to).

    CloudFront's header policy cannot name the API (a dependency cycle, see template.yaml), so it
    allows any API of the region; browsers enforce every policy a page has, so this one narrows it.
    """
    sources = [
        "'self'",
        _origin(config["api_base_url"]),
        _origin(config["cognito"]["domain"]),
        *(extra or []),
    ]
    meta = f'<meta http-equiv="Content-Security-Policy" content="connect-src {" ".join(sources)}">'
    text = index_html.decode("utf-8")
    anchor = '<meta charset="utf-8">'
    if anchor not in text:
        raise DeployError(f"web/index.html has no {anchor} to put the connect-src policy after")
    return text.replace(anchor, f"{anchor}\n  {meta}", 1).encode("utf-8")


def upload(
    s3: Any, bucket: str, config: dict[str, Any], root: Path = WEB_ROOT, connect: list[str] | None = None
) -> list[str]:
    """Put every asset and config.json into `bucket`; delete what is no longer in `root`. The keys put.
    `connect`: origins beyond the API and hosted UI that the page may connect to."""
    keys: list[str] = []
    for key, path, content_type in web_assets(root):
        if key == CONFIG_PATH.lstrip("/"):
            continue  # a local file of that name never replaces the stack's config
        body = path.read_bytes()
        if key == "index.html":
            body = with_connect_policy(body, config, connect)
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            CacheControl=FRESH_CACHE,
        )
        keys.append(key)
    s3.put_object(
        Bucket=bucket,
        Key=CONFIG_PATH.lstrip("/"),
        Body=json.dumps(config, indent=2).encode(),
        ContentType="application/json",
        CacheControl=FRESH_CACHE,
    )
    keys.append(CONFIG_PATH.lstrip("/"))
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale += [{"Key": o["Key"]} for o in page.get("Contents", []) if o["Key"] not in keys]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000], "Quiet": True})
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.web_deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True, help="the SAM stack deployed with WebClient=true")
    parser.add_argument("--region", default=None, help="AWS region (default: the environment's)")
    args = parser.parse_args(argv)

    import boto3

    session = boto3.session.Session(region_name=args.region)
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
        config = client_config(outputs)
    except DeployError as exc:
        print(f"web_deploy: {exc}", file=sys.stderr)
        return 1
    keys = upload(session.client("s3"), outputs["WebBucketName"], config, connect=upload_origins(outputs))
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"web-{time.time_ns()}",
        },
    )
    print(f"uploaded {len(keys)} files to s3://{outputs['WebBucketName']}; open {outputs['WebUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
