#!/usr/bin/env bash
# Run the template's whole test suite: test tools in ./.venv, then pytest on every core.
# Needs Python 3.11-3.13, PostgreSQL's server binaries, wrk and Chromium (Debian: apt-get install
# postgresql wrk chromium);
# the tests start their own throwaway PostgreSQL unless TEMPLATE_TEST_POSTGRES_URL names one.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
[ -x .venv-checkov/bin/python ] || .venv/bin/uv venv --quiet -p .venv/bin/python .venv-checkov
.venv/bin/uv pip install --quiet --compile-bytecode -p .venv-checkov -r tests/requirements-checkov.txt
exec .venv/bin/pytest -n auto "$@"
