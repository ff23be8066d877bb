#!/usr/bin/env bash
# Bake the template with its defaults and serve the new project on embedded SQLite.
# Usage: bash scripts/quickstart.sh [output-dir]   (default ./build; BIND defaults to 127.0.0.1:8000)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/build}" && cd "${1:-$repo/build}" && pwd)
tools=$repo/.venv

# Run a command showing nothing, unless it fails.
quietly() {
    local output
    if ! output=$("$@" 2>&1); then
        printf '%s\n' "$output" >&2
        return 1
    fi
}

if [ ! -x "$tools/bin/cookiecutter" ]; then
    quietly python3 -m venv "$tools"
    quietly "$tools/bin/pip" install --disable-pip-version-check -r "$repo/tests/requirements.txt"
fi
# The bake prints its next steps, whose venv command names a Python that suits the project
# (the post-generation hook looks for one); this script does those steps instead of showing them.
steps=$("$tools/bin/cookiecutter" --no-input --overwrite-if-exists -o "$out" "$repo" 2>&1) ||
    { printf '%s\n' "$steps" >&2; exit 1; }
if grep "is needed" <<<"$steps" >&2; then exit 1; fi
project=$out/todo-api
cd "$project"

if [ ! -x .venv/bin/gunicorn ]; then
    # "<venv command> && source .venv/bin/activate"; the hook quotes what needs it.
    venv=$(sed -n 's/^ *\(.*\) && source \.venv\/bin\/activate$/\1/p' <<<"$steps")
    quietly eval "$venv"
    quietly .venv/bin/pip install --disable-pip-version-check -c constraints.txt -e ".[dev]"
fi
quietly .venv/bin/alembic upgrade head
export BIND=${BIND:-127.0.0.1:8000}
echo "Serving $project on http://$BIND/docs (Ctrl-C stops it)"
exec .venv/bin/gunicorn -c gunicorn_conf.py
