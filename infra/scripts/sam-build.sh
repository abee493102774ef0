#!/usr/bin/env bash
# sam build without a container needs the Lambda runtime's Python (3.13) on PATH.
set -euo pipefail
dir=${1:-.tools/sam}
if ! command -v python3.13 >/dev/null 2>&1; then
  if command -v pyenv >/dev/null 2>&1 && prefix=$(pyenv prefix 3.13.0 2>/dev/null); then
    export PATH="$prefix/bin:$PATH"
  else
    echo "python3.13 is needed on PATH for sam build (the Lambda runtime)" >&2
    exit 1
  fi
fi
export SAM_CLI_TELEMETRY=0
"$dir/bin/sam" build --region us-east-1 "$@"
