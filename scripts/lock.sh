#!/usr/bin/env bash
# Refresh the baked project's constraints.txt: bake with the oldest Python choice, run the
# bake's own `make lock` (uv, universal: every platform and Python from that one up), and keep
# the result with the project's name templated. Pins that still fit are kept; pass UPGRADE=1
# for the newest versions: bash scripts/lock.sh UPGRADE=1
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
"$tools/cookiecutter" --no-input -o "$scratch" "$repo" project_name=lock-refresh \
    python_version="$oldest" >/dev/null
make --no-print-directory -C "$scratch/lock-refresh" lock BIN="$tools" "$@"
sed 's/\block-refresh (pyproject.toml)/{{ cookiecutter.project_slug }} (pyproject.toml)/' \
    "$scratch/lock-refresh/constraints.txt" >"$repo/$lock"
echo "Wrote $lock"
