"""`make build` ships bytecode: SAM's builder leaves every .pyc out and Lambda's code directories are
read-only, so without it each cold start would compile every module it imports.

The build script runs against a stand-in `sam` (which records its arguments and writes one module
into the build directory) and a `python3.13` that is this interpreter, so the compile step is real.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

from infra.template import ROOT

FAKE_SAM = """#!/usr/bin/env bash
echo "$@" > "$CALLS"
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--build-dir" ]]; then mkdir -p "$2/SomeFunction"; echo 'VALUE = 42' > "$2/SomeFunction/app.py"; fi
  shift
done
"""


def executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_the_build_compiles_every_module_with_unchecked_hashes(tmp_path: Path) -> None:
    tools, bin_dir, build = tmp_path / "tools", tmp_path / "bin", tmp_path / "build"
    executable(tools / "bin" / "sam", FAKE_SAM)
    executable(bin_dir / "python3.13", f'#!/usr/bin/env bash\nexec "{sys.executable}" "$@"\n')
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        "CALLS": str(tmp_path / "calls.txt"),
        "SAM_BUILD_DIR": str(build),
    }
    done = subprocess.run(  # noqa: S603 - our own script
        ["bash", str(ROOT / "infra/scripts/sam-build.sh"), str(tools)],  # noqa: S607
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"--build-dir {build}" in (tmp_path / "calls.txt").read_text(encoding="utf-8")

    compiled = Path(importlib.util.cache_from_source(str(build / "SomeFunction" / "app.py")))
    header = compiled.read_bytes()[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER
    # PEP 552 flags: bit 0 set = hash-based, bit 1 clear = the source is never checked against it.
    assert int.from_bytes(header[4:8], "little") == 0b01
