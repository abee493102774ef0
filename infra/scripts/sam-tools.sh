#!/usr/bin/env bash
# aws-sam-cli pins its own boto3: it lives in a tool venv of its own, never in the project's.
set -euo pipefail
dir=${1:-.tools/sam}
python3 -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --upgrade pip
"$dir/bin/python" -m pip install --quiet aws-sam-cli cfn-lint
touch "$dir/.installed"
