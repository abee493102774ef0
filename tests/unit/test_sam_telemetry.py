"""`make validate`, `make build` and the SAM tool install run the SAM CLI with telemetry off (issue 13).

The targets run against stand-in tools (a `sam`, `cfn-lint` and `python` that only record how they
were called), so nothing is installed or sent anywhere.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from infra.template import ROOT

RECORDER = """#!/usr/bin/env bash
echo "$(basename "$0") $1 telemetry=${SAM_CLI_TELEMETRY-unset}" >> "$CALLS"
"""
# A python that sam-tools.sh accepts: `-c ...` succeeds, `-m venv DIR` makes DIR with recording
# tools, and DIR's own python takes `-m pip install ...` as done.
FAKE_PYTHON = """#!/usr/bin/env bash
if [[ "$1" == "-m" && "$2" == "venv" ]]; then
  mkdir -p "$3/bin"
  for tool in sam cfn-lint; do cp "$RECORDER_FILE" "$3/bin/$tool"; chmod +x "$3/bin/$tool"; done
  cp "$0" "$3/bin/python"
fi
exit 0
"""


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def stand_ins(tmp_path: Path) -> dict[str, str]:
    """The environment for make: stand-in tools first on PATH, telemetry not set by the caller."""
    recorder = executable(tmp_path / "recorder", RECORDER)
    bin_dir = tmp_path / "bin"
    executable(
        bin_dir / "python3.13", "#!/usr/bin/env bash\nexit 0\n"
    )  # the Lambda runtime sam build asks for
    python = executable(bin_dir / "fake-python", FAKE_PYTHON)
    env = {k: v for k, v in os.environ.items() if k != "SAM_CLI_TELEMETRY"}
    env.update(
        PATH=f"{bin_dir}:{env.get('PATH', '')}",
        CALLS=str(tmp_path / "calls.txt"),
        RECORDER_FILE=str(recorder),
        PYTHON=str(python),
    )
    return env


def make(target: str, tools: Path, env: dict[str, str]) -> list[str]:
    """Run `make TARGET TOOLS=tools`; the SAM tools' calls it made (name, first argument, telemetry)."""
    done = subprocess.run(  # noqa: S603 - make and our own targets, no shell
        ["make", "--no-print-directory", target, f"TOOLS={tools}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"make {target}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    calls = Path(env["CALLS"])
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def test_installing_the_tools_then_validating_keeps_telemetry_off(
    tmp_path: Path, stand_ins: dict[str, str]
) -> None:
    calls = make("validate", tmp_path / "tools", stand_ins)  # no tools yet: sam-tools.sh installs them
    assert "sam --version telemetry=0" in calls  # the install's own check
    assert "sam validate telemetry=0" in calls
    assert [c for c in calls if c.startswith("sam ") and not c.endswith("telemetry=0")] == []


def test_build_keeps_telemetry_off(tmp_path: Path, stand_ins: dict[str, str]) -> None:
    make("validate", tmp_path / "tools", stand_ins)  # installs the stand-ins
    Path(stand_ins["CALLS"]).unlink()
    calls = make("build", tmp_path / "tools", stand_ins)
    assert calls == ["sam build telemetry=0"]
