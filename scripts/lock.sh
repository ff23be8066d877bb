#!/usr/bin/env bash
# Refresh the baked project's constraints.txt: bake with the oldest Python choice (once per
# observability answer), run the bake's own `make lock` (uv, universal: every platform and
# Python from that one up), and keep the result with the project's name templated. Pins that
# still fit are kept; pass UPGRADE=1 for the newest versions: bash scripts/lock.sh UPGRADE=1
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tools=$repo/.venv/bin
lock='{{cookiecutter.project_slug}}/constraints.txt'
[ -x "$tools/uv" ] || { echo "error: run scripts/test.sh once first (it installs uv into .venv)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
oldest=$("$tools/python" -c '
import json, sys
versions = json.load(open(sys.argv[1]))["python_version"]
print(min(versions, key=lambda version: tuple(map(int, version.split(".")))))' "$repo/cookiecutter.json")
# Each observability answer installs its own packages: lock each, then merge them into one
# template whose `{% if %}` blocks render each answer's own lock.
answers=$("$tools/python" -c '
import json, sys
print(*json.load(open(sys.argv[1]))["observability"])' "$repo/cookiecutter.json")
locks=()
for answer in $answers; do
    "$tools/cookiecutter" --no-input -o "$scratch/$answer" "$repo" project_name=lock-refresh \
        python_version="$oldest" observability="$answer" >/dev/null
    make --no-print-directory -C "$scratch/$answer/lock-refresh" lock BIN="$tools" "$@"
    locks+=("$answer=$scratch/$answer/lock-refresh/constraints.txt")
done
"$tools/python" "$repo/scripts/merge_locks.py" observability "${locks[@]}" |
    sed 's/\block-refresh (pyproject.toml)/{{ cookiecutter.project_slug }} (pyproject.toml)/' \
    >"$repo/$lock"
echo "Wrote $lock"
