#!/usr/bin/env bash
# sam build without a container, then bytecode. Usage: sam-build.sh [TOOL_VENV] [extra sam build args...]
# (SAM_BUILD_DIR: where to build, default .aws-sam/build)
#
# Needs the Lambda runtime's Python (3.13) on PATH: SAM builds with it. A pyenv shim named
# python3.13 can exist without working (3.13 installed but not selected), so the check runs it.
#
# The functions and layers are arm64. Built on an x86_64 host without a container, SAM's pip
# builder still asks pip for aarch64 manylinux wheels (--platform), so the result is right for
# arm64 as long as every binary dependency publishes such a wheel; a package with only an sdist
# would be compiled for the host and fail. --use-container is the fallback (docs/deploy.md).
set -euo pipefail
export SAM_CLI_TELEMETRY=0  # no usage telemetry from the SAM CLI, whoever runs this
dir=${1:-.tools/sam}
shift $(( $# > 0 ? 1 : 0 ))

if ! python3.13 -c 'import sys' >/dev/null 2>&1; then
  prefix=""
  if command -v pyenv >/dev/null 2>&1; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
    prefix=$(pyenv prefix "${version:-3.13.0}" 2>/dev/null || true)
  fi
  if [[ -n "$prefix" && -x "$prefix/bin/python3.13" ]]; then
    export PATH="$prefix/bin:$PATH"
  else
    echo "python3.13 is needed on PATH for sam build (the Lambda runtime)" >&2
    exit 1
  fi
fi

host=$(uname -m)
if [[ "$host" != "aarch64" && "$host" != "arm64" ]]; then
  echo "sam-build: $host host, arm64 target: dependencies come from aarch64 wheels (no container)" >&2
fi
build_dir=${SAM_BUILD_DIR:-.aws-sam/build}
"$dir/bin/sam" build --region us-east-1 --build-dir "$build_dir" "$@"

# Bytecode for every module of every function and layer, compiled by the runtime's Python. SAM's
# builder ships sources only (it leaves out *.pyc), and Lambda's /var/task and /opt are read-only,
# so without this each cold start compiles every module it imports: botocore, pydantic, Powertools
# and this project, several times the import itself (docs/performance.md). unchecked-hash: the
# .pyc is used as it is, whatever file times the deployment zip keeps.
python3.13 -m compileall -q -f -j 0 --invalidation-mode unchecked-hash "$build_dir" >/dev/null
