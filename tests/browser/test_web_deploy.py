"""The web client in AWS: the template's optional part, and the upload to its bucket (under moto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from infra.web_deploy import DeployError, _origin, client_config, upload, upload_origins, with_connect_policy

OUTPUTS = {
    "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com",
    "UserPoolClientId": "client-123",
    "WebUrl": "https://d111.cloudfront.net/",
    "WebBucketName": "cme-web",
    "WebDistributionId": "E123",
    "AuthDomainUrl": "https://cme-x.auth.us-east-1.amazoncognito.com",
}


def test_the_web_client_is_an_optional_part_of_the_template() -> None:
    template = tpl.load()
    assert template["Parameters"]["WebClient"]["Default"] == "false"
    resources = tpl.resources(template)
    web = {
        "WebBucket",
        "WebBucketPolicy",
        "WebOriginAccessControl",
        "WebSecurityHeaders",
        "WebDistribution",
        "AuthDomain",
        # The verify page and the credential issuer's documents under the distribution's URL.
        "VerifyPageFunction",
        "CredentialsEdgeFunction",
        "CredentialsEdgeFunctionLogs",
        "CredentialsEdgeFunctionErrorsAlarm",
        "CredentialsFunctionUrl",
        "CredentialsFunctionUrlPermission",
        "CredentialsFunctionInvokePermission",
        "CredentialsOriginAccessControl",
    }
    assert {name for name, r in resources.items() if r.get("Condition") == "WebClientEnabled"} == web
    bucket = resources["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviours} == {"redirect-to-https"}
    assert all("ResponseHeadersPolicyId" in b for b in behaviours)
    assert all("OriginAccessControlId" in origin for origin in config["Origins"])
    headers = resources["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert {"ContentSecurityPolicy", "ContentTypeOptions", "FrameOptions", "StrictTransportSecurity"} <= set(
        headers
    )
    client = resources["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False
    # The hosted UI's code flow, back to the distribution only (no localhost in production).
    assert repr(client["AllowedOAuthFlows"]) == "!If ['WebClientEnabled', ['code'], !Ref 'AWS::NoValue']"
    for key in ("CallbackURLs", "LogoutURLs"):
        urls = repr(client[key])
        assert "WebClientEnabled" in urls and "WebDistribution.DomainName" in urls and "AWS::NoValue" in urls
    assert "localhost" not in repr(client)
    outputs = template["Outputs"]
    assert {k for k in OUTPUTS if outputs.get(k, {}).get("Condition") == "WebClientEnabled"} == {
        "WebUrl",
        "WebBucketName",
        "WebDistributionId",
        "AuthDomainUrl",
    }


def test_client_config_for_cognito() -> None:
    config = client_config(OUTPUTS)
    assert config["auth"] == "cognito"
    assert config["api_base_url"] == OUTPUTS["ApiUrl"]
    assert config["cognito"]["redirect_uri"] == OUTPUTS["WebUrl"]
    assert config["cognito"]["client_id"] == "client-123"
    with pytest.raises(DeployError, match="WebClient=true"):
        client_config({k: v for k, v in OUTPUTS.items() if k != "WebUrl"})


def test_upload_puts_every_file_with_its_type_and_removes_stale_ones(aws: Any, tmp_path: Path) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="cme-web")
    s3.put_object(Bucket="cme-web", Key="js/old.js", Body=b"gone")
    keys = upload(s3, "cme-web", client_config(OUTPUTS))
    assert "index.html" in keys and "js/app.js" in keys and "config.json" in keys
    stored = {o["Key"] for o in s3.list_objects_v2(Bucket="cme-web")["Contents"]}
    assert stored == set(keys)
    index = s3.get_object(Bucket="cme-web", Key="index.html")
    assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
    script = s3.get_object(Bucket="cme-web", Key="js/app.js")
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    # Modules under fixed names: every file is revalidated (ETag), so old and new never mix.
    for key in keys:
        assert s3.get_object(Bucket="cme-web", Key=key)["CacheControl"] == "no-cache", key
    config = json.loads(s3.get_object(Bucket="cme-web", Key="config.json")["Body"].read())
    assert config["cognito"]["domain"] == OUTPUTS["AuthDomainUrl"]
    # The uploaded page may call this stack's API and hosted UI only (CloudFront allows the region's).
    page = index["Body"].read().decode()
    api, auth = _origin(OUTPUTS["ApiUrl"]), _origin(OUTPUTS["AuthDomainUrl"])
    assert f'<meta http-equiv="Content-Security-Policy" content="connect-src \'self\' {api} {auth}">' in page
    assert page.count("Content-Security-Policy") == 1


def test_the_page_may_put_files_to_the_upload_bucket_only() -> None:
    outputs = {
        "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com",
        "UploadBucketName": "cme-uploads",
    }
    assert upload_origins(outputs) == [
        "https://cme-uploads.s3.amazonaws.com",
        "https://cme-uploads.s3.eu-west-1.amazonaws.com",
    ]
    assert upload_origins({"ApiUrl": outputs["ApiUrl"]}) == []
    page = with_connect_policy(b'<meta charset="utf-8">', client_config(OUTPUTS), upload_origins(outputs))
    assert b"https://cme-uploads.s3.eu-west-1.amazonaws.com" in page
