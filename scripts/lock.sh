#!/usr/bin/env bash
# Refresh the baked project's constraints.txt: bake once per combination of the answers that
# change the lock, run that bake's own `make lock` (uv, universal: every platform and every
# Python from the bake's python_version up), and keep the result with the project's name
# templated, so `make lock` on any fresh bake rewrites its constraints.txt byte for byte. Pins
# that still fit are kept; pass UPGRADE=1 for the newest versions: bash scripts/lock.sh UPGRADE=1
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tools=$repo/.venv/bin
lock='{{cookiecutter.project_slug}}/constraints.txt'
[ -x "$tools/uv" ] || { echo "error: run scripts/test.sh once first (it installs uv into .venv)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# These options' answers change the lock: python_version the markers `make lock` writes
# (`--python-version`: a 3.11 lock carries entries and markers for 3.11 that a 3.12 one drops),
# the others the packages installed. Lock each combination of their answers, then merge the
# locks into one template whose `{% if %}` blocks render each combination's own lock.
options=python_version,observability,admin,background_jobs
combinations=$("$tools/python" -c '
import itertools, json, sys
choices = json.load(open(sys.argv[1]))
options = sys.argv[2].split(",")
for combination in itertools.product(*(choices[option] for option in options)):
    print(",".join(combination))' "$repo/cookiecutter.json" "$options")
locks=()
for combination in $combinations; do
    IFS=, read -r -a answers <<<"$combination"
    IFS=, read -r -a names <<<"$options"
    settings=()
    for i in "${!names[@]}"; do settings+=("${names[$i]}=${answers[$i]}"); done
    "$tools/cookiecutter" --no-input -o "$scratch/$combination" "$repo" project_name=lock-refresh \
        "${settings[@]}" >/dev/null
    make --no-print-directory -C "$scratch/$combination/lock-refresh" lock BIN="$tools" "$@"
    locks+=("$combination=$scratch/$combination/lock-refresh/constraints.txt")
done
"$tools/python" "$repo/scripts/merge_locks.py" "$options" "${locks[@]}" |
    sed 's/\block-refresh (pyproject.toml)/{{ cookiecutter.project_slug }} (pyproject.toml)/' \
    >"$repo/$lock"
echo "Wrote $lock"
