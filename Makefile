# One entry point for everything: each target bootstraps what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS := .tools/sam
PORT ?= 3000
PYTEST_ARGS ?=
# The SAM CLI sends usage telemetry unless told not to: never from this project's targets.
export SAM_CLI_TELEMETRY := 0

.PHONY: run test test-unit test-slow lint fmt build validate bench openapi audit clean system-deps fuzz load screens samples fonts

$(STAMP): pyproject.toml layers/cme/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else "Python 3.11 to 3.13 is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests need: chromium for the browser tests, poppler-utils (pdftoppm) for
# looking at certificates as images. Installs once; a no-op when they are present.
system-deps:
	@bash infra/scripts/system-deps.sh

# The whole service on 127.0.0.1:$(PORT), each function in worker processes of its own (up to the number
# of CPUs per function). RUN_ARGS: more options of the stack (docs/local-stack.md), e.g.
# RUN_ARGS="--no-seed --schedule-scale 60" or RUN_ARGS="--concurrency 4".
RUN_ARGS ?=
run: $(STAMP)
	$(BIN)/python -m infra.localstack --port $(PORT) $(RUN_ARGS)

# Everything but the size-scaling runs (pyproject deselects `slow`): what CI runs (.ci/run). The pure
# unit tests run first, with boto3, botocore, moto and pynamodb made unimportable (seconds).
test: test-unit system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q -p tests.pure -p no:cacheprovider tests/unit

# The size-scaling runs only: a 5,000-credit claim, a 1,000-topic certificate, a claim at API.md's maxima
# (minutes under moto).
test-slow: $(STAMP) system-deps
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

# The browser tests, writing their screenshots into docs/screens/ (commit the PNGs).
screens: $(STAMP) system-deps
	CME_SCREENSHOTS=docs/screens $(BIN)/python -m pytest -m browser -p no:cacheprovider tests/browser $(PYTEST_ARGS)

# A certificate for a name in each script the fonts cover, as PNG in docs/certificate-samples/ (commit them).
samples: $(STAMP) system-deps
	$(BIN)/python docs/certificate-samples/render_samples.py

# The shipped font files (layers/reportlab/cme_fonts/), rebuilt from Debian's packages: see docs/certificates.md.
fonts: $(STAMP)
	rm -rf .fonts-src && mkdir -p .fonts-src
	cd .fonts-src && apt-get download fonts-noto-core fonts-droid-fallback && for deb in *.deb; do dpkg-deb -x "$$deb" .; done
	cd layers/reportlab && ../../$(BIN)/python -m cme_fonts._make ../../.fonts-src
	rm -rf .fonts-src

# Deeper fuzzing than make test's bounded run: many more schemathesis examples per operation.
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	CME_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -m fuzz -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy layers/cme functions infra tests bench

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(TOOLS)/.installed:
	bash infra/scripts/sam-tools.sh $(TOOLS)

validate: $(TOOLS)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/sam validate --lint --region us-east-1

build: $(TOOLS)/.installed
	bash infra/scripts/sam-build.sh $(TOOLS)

bench: $(STAMP)
	$(BIN)/python -m bench

# A bounded load run, 50 learners of mixed traffic, on a fresh local stack with 1, 2 and 4 worker
# processes per function: requests/s, cold starts, function and queue time per route, errors, audit
# (docs/performance.md). LOAD_ARGS: --requests N --learners N --workers 1,2 ...
LOAD_ARGS ?=
load: $(STAMP)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

openapi: $(STAMP)
	$(BIN)/python -m cme_ledger.api.openapi > docs/openapi.json

audit: $(STAMP)
	$(BIN)/cme audit

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache
