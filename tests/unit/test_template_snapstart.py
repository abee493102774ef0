"""SnapStart in template.yaml: every API function runs published versions through an alias, with
SnapStart on unless the SnapStart parameter turns it off, and a deploy always moves the alias to a
version that has the function's current code, layers and settings."""

from __future__ import annotations

import re
from typing import Any

from infra import template as tpl

API_ENTRY_POINTS = {(f.code_uri, f.handler) for f in tpl.functions().values() if f.routes}
# The API functions: those with HTTP API routes, and CredentialsEdgeFunction (the same code behind
# CloudFront's function URL).
API_FUNCTIONS = sorted(
    name for name, f in tpl.functions().items() if (f.code_uri, f.handler) in API_ENTRY_POINTS
)


def props(name: str) -> dict[str, Any]:
    return dict(tpl.resources()[name]["Properties"])


def parameters_in(value: Any) -> set[str]:
    """The template parameters a value depends on (through !Ref, !Sub and the conditions of !If)."""
    template = tpl.load()
    names = set(template.get("Parameters") or {})
    found: set[str] = set()
    if tpl.is_tag(value):
        if value.name == "Ref" and value.value in names:
            found.add(str(value.value))
        elif value.name == "Sub":
            text = value.value[0] if isinstance(value.value, list) else value.value
            found |= {n for n in re.findall(r"\$\{([A-Za-z0-9]+)\}", str(text)) if n in names}
        elif value.name == "If":
            condition, *branches = value.value
            found |= parameters_in(template["Conditions"][condition])
            found |= parameters_in(branches)
        else:
            found |= parameters_in(value.value)
    elif isinstance(value, dict):
        for item in value.values():
            found |= parameters_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= parameters_in(item)
    return found


def test_the_api_functions_are_the_ones_with_snapstart() -> None:
    assert len(API_FUNCTIONS) >= 7, API_FUNCTIONS
    assert {name for name, f in tpl.functions().items() if f.snap_start} == set(API_FUNCTIONS)


def test_a_parameter_turns_snapstart_off() -> None:
    template = tpl.load()
    parameter = template["Parameters"]["SnapStart"]
    assert parameter["Default"] == "Enabled"
    assert set(parameter["AllowedValues"]) == {"Enabled", "Disabled"}
    condition = template["Conditions"]["SnapStartEnabled"]
    assert condition.name == "Equals"
    ref, value = condition.value
    assert tpl.tag_target(ref) == ("Ref", "SnapStart", None) and value == "Enabled"
    for name in API_FUNCTIONS:
        apply_on = props(name)["SnapStart"]["ApplyOn"]
        assert apply_on.name == "If", name
        assert apply_on.value == ["SnapStartEnabled", "PublishedVersions", "None"], name


def test_api_functions_are_invoked_through_an_alias_of_published_versions() -> None:
    for name in API_FUNCTIONS:
        p = props(name)
        assert p["AutoPublishAlias"] == "live", name
        # Never Delete: a version Lambda hands back unchanged would be the live one (docs/deploy.md).
        assert p["VersionDeletionPolicy"] == "Retain", name


def test_every_deploy_that_changes_what_a_function_runs_publishes_a_version() -> None:
    """SAM names a new version after the function's properties as written (intrinsics unresolved):
    layers count only with PublishLambdaVersion, and parameters only through VersionDescription,
    whose change replaces the version. Without these, the alias would keep serving old code."""
    globals_env = tpl.load()["Globals"]["Function"]["Environment"]
    for name in API_FUNCTIONS:
        p = props(name)
        assert p["AutoPublishAliasAllProperties"] is True, name
        layers = [*tpl.load()["Globals"]["Function"]["Layers"], *(p.get("Layers") or [])]
        for layer in layers:
            layer_id = tpl.tag_target(layer)[1]
            assert props(layer_id)["PublishLambdaVersion"] is True, (name, layer_id)
        read = parameters_in([globals_env, p.get("Environment") or {}, p["SnapStart"]])
        assert "SnapStart" in read and "LogLevel" in read, read
        described = parameters_in(p["VersionDescription"])
        assert read <= described, f"{name}: a change of {sorted(read - described)} would publish no version"
        # And nothing else: with the same code and configuration, Lambda publishes nothing new and
        # hands back the last version, so a parameter named there must change what the function runs.
        assert described <= read, f"{name}: {sorted(described - read)} change nothing the function runs"


def test_the_function_url_and_its_permissions_name_the_alias() -> None:
    snap = set(API_FUNCTIONS)
    checked = 0
    for kind, key in (("AWS::Lambda::Url", "TargetFunctionArn"), ("AWS::Lambda::Permission", "FunctionName")):
        for logical_id, resource in tpl.of_type(kind).items():
            target = resource["Properties"][key]
            tag, target_id, _ = tpl.tag_target(target)
            function = target_id.split(".")[0]
            if function in snap:
                assert (tag, target_id) == ("Ref", f"{function}.Alias"), logical_id
                checked += 1
    assert checked >= 3
