"""The credentials' wiring, read from template.yaml: public routes, the signing key's policy, where
PUBLIC_BASE_URL points, and the browser/program split at /verify/{code} (the local stack's and
CloudFront's, which must agree)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from infra.localstack.web import prefers_html

BROWSERS = {
    "chrome": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "safari": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
PROGRAMS = {
    "none": "",
    "curl": "*/*",
    "json": "application/json",
    "json preferred": "application/json, text/html;q=0.5",
    "html refused": "text/html;q=0, */*",
    "jwt": "application/vc+jwt",
}


def test_every_route_of_the_credentials_function_is_public() -> None:
    """Its app lets every request through without a token (`all_public`: CloudFront's function URL
    events name no route); tests/integration/test_routes_declared_once.py holds its routes to the
    template's."""
    for name in ("CredentialsFunction", "CredentialsEdgeFunction"):
        function = tpl.functions()[name]
        assert all(route.public for route in function.routes), name
    assert tpl.functions()["CredentialsEdgeFunction"].routes == ()
    assert (
        tpl.functions()["CredentialsEdgeFunction"].code_uri == tpl.functions()["CredentialsFunction"].code_uri
    )


def test_only_the_certificate_worker_may_sign() -> None:
    key = tpl.resources()["CredentialsKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    statements = key["KeyPolicy"]["Statement"]
    signers = [s for s in statements if "kms:Sign" in s["Action"]]
    assert len(signers) == 1
    assert tpl.tag_target(signers[0]["Principal"]["AWS"]) == (
        "GetAtt",
        "CertificateWorkerFunctionRole",
        "Arn",
    )
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        # No wildcard, and no grant: nothing could hand signing to another principal.
        assert not any("*" in a for a in actions) and "kms:CreateGrant" not in actions
    env = tpl.functions()["CertificateWorkerFunction"].environment
    assert tpl.tag_target(env["CREDENTIALS_KEY_ID"]) == ("Ref", "CredentialsKey", None)
    for name, function in tpl.functions().items():
        if name != "CertificateWorkerFunction":
            assert "CREDENTIALS_KEY_ID" not in function.environment, name


def test_public_base_url_is_the_web_clients_url_with_the_web_client() -> None:
    value = tpl.functions()["CertificateWorkerFunction"].environment["PUBLIC_BASE_URL"]
    condition, _custom, otherwise = value.value
    assert condition == "HasPublicBaseUrl"
    web_condition, web_url, api_url = otherwise.value
    assert web_condition == "WebClientEnabled"
    assert "WebDistribution.DomainName" in web_url.value and "HttpApi" in api_url.value
    behaviours = tpl.resources()["WebDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    routed = {b["PathPattern"]: b["TargetOriginId"] for b in behaviours}
    for path in ("/verify/*", "/issuer", "/.well-known/jwks.json", "/credentials/status/*"):
        assert routed[path] == "credentials-function", path


@pytest.mark.parametrize("accept", [*BROWSERS.values()], ids=list(BROWSERS))
def test_browsers_get_the_page(accept: str) -> None:
    assert prefers_html(accept)


@pytest.mark.parametrize("accept", [*PROGRAMS.values()], ids=list(PROGRAMS))
def test_programs_get_json(accept: str) -> None:
    assert not prefers_html(accept)


def _cloudfront_decisions(tmp_path: Path, cases: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Run template.yaml's VerifyPageFunction in node, with a stand-in for the `cloudfront` module."""
    code = tpl.resources()["VerifyPageFunction"]["Properties"]["FunctionCode"]
    module = tmp_path / "node_modules" / "cloudfront"
    module.mkdir(parents=True)
    (module / "package.json").write_text(
        json.dumps({"name": "cloudfront", "type": "module", "main": "index.js"})
    )
    (module / "index.js").write_text(
        "export default { selectRequestOriginById(id) { globalThis.selected = id; } };\n"
    )
    (tmp_path / "package.json").write_text(json.dumps({"type": "module"}))
    (tmp_path / "function.js").write_text(code + "\nexport { handler };\n")
    (tmp_path / "run.js").write_text(
        "import { handler } from './function.js';\n"
        f"const cases = {json.dumps(cases)};\n"
        "const out = cases.map(([uri, accept]) => {\n"
        "  globalThis.selected = null;\n"
        "  const headers = accept ? { accept: { value: accept } } : {};\n"
        "  const request = handler({ request: { uri, headers } });\n"
        "  return { uri: request.uri, origin: globalThis.selected };\n"
        "});\n"
        "console.log(JSON.stringify(out));\n"
    )
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(  # noqa: S603 - node on our own files
        [node, "run.js"], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(done.stdout))


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed: CloudFront's function not run"
)
def test_cloudfront_decides_as_the_local_stack_does(tmp_path: Path) -> None:
    paths = ["/verify/K7QX-9M2F-T4PA-W8RZ", "/verify/K7QX/credential", "/verify/", "/issuer"]
    accepts = [*BROWSERS.values(), *PROGRAMS.values()]
    cases = [(path, accept) for path in paths for accept in accepts]

    decisions = _cloudfront_decisions(tmp_path, cases)

    for (path, accept), decision in zip(cases, decisions, strict=True):
        page = path.count("/") == 2 and path != "/verify/" and prefers_html(accept)
        expected = {"uri": "/verify.html", "origin": "web-bucket"} if page else {"uri": path, "origin": None}
        assert decision == expected, (path, accept)
