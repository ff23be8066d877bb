#!/usr/bin/env bash
# Refresh the baked project's constraints.txt: bake with the oldest Python choice (once per
# combination of observability and background_jobs answers), run the bake's own `make lock` (uv, universal: every platform and
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
# Each observability and each background_jobs answer installs its own packages: lock each
# combination, then merge them into one template whose `{% if %}` blocks render each
# combination's own lock.
combinations=$("$tools/python" -c '
import itertools, json, sys
choices = json.load(open(sys.argv[1]))
for answers in itertools.product(choices["observability"], choices["background_jobs"]):
    print(",".join(answers))' "$repo/cookiecutter.json")
locks=()
for answers in $combinations; do
    IFS=, read -r observability background_jobs <<<"$answers"
    "$tools/cookiecutter" --no-input -o "$scratch/$answers" "$repo" project_name=lock-refresh \
        python_version="$oldest" observability="$observability" \
        background_jobs="$background_jobs" >/dev/null
    make --no-print-directory -C "$scratch/$answers/lock-refresh" lock BIN="$tools" "$@"
    locks+=("$answers=$scratch/$answers/lock-refresh/constraints.txt")
done
"$tools/python" "$repo/scripts/merge_locks.py" observability,background_jobs "${locks[@]}" |
    sed 's/\block-refresh (pyproject.toml)/{{ cookiecutter.project_slug }} (pyproject.toml)/' \
    >"$repo/$lock"
echo "Wrote $lock"
