#!/usr/bin/env bash
# aws-sam-cli pins its own boto3: it lives in a tool venv of its own, never in the project's.
# Usage: sam-tools.sh [DIR]   (default .tools/sam; `make validate` / `make build` call it)
# SAM_CLI_VERSION overrides the pinned version. cfn-lint comes in the range that SAM accepts.
set -euo pipefail
export SAM_CLI_TELEMETRY=0  # no usage telemetry from the SAM CLI, whoever runs this
dir=${1:-.tools/sam}
version=${SAM_CLI_VERSION:-1.170.0}

# aws-sam-cli needs Python 3.10 or later; take the first interpreter that qualifies.
python=""
for candidate in "${PYTHON:-python3}" python3 python3.13 python3.12 python3.11 python3.10; do
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "sam-tools: Python 3.10 or later is needed for aws-sam-cli" >&2
  exit 1
fi

rm -f "$dir/.installed"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --upgrade pip
"$dir/bin/python" -m pip install --quiet "aws-sam-cli==$version" cfn-lint
"$dir/bin/sam" --version >/dev/null
"$dir/bin/cfn-lint" --version >/dev/null
touch "$dir/.installed"
