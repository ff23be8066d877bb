#!/usr/bin/env bash
# Bake the template with its defaults and serve the new project on embedded SQLite.
# Usage: bash scripts/quickstart.sh [output-dir]   (default ./build; BIND defaults to 127.0.0.1:8000)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/build}" && cd "${1:-$repo/build}" && pwd)
tools=$repo/.venv

if [ ! -x "$tools/bin/cookiecutter" ]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check -r "$repo/tests/requirements.txt"
fi
"$tools/bin/cookiecutter" --no-input --overwrite-if-exists -o "$out" "$repo"
project=$out/todo-api
cd "$project"

# The interpreter the bake asks for: python3.X on PATH, else pyenv's build of it.
want=$(sed -n 's/^requires-python = ">=\(.*\)"$/\1/p' pyproject.toml)
python=""
for candidate in "python$want" "$(pyenv root 2>/dev/null)"/versions/"$want".*/bin/python3; do
    if "$candidate" -c "" >/dev/null 2>&1; then python=$candidate; fi
done
if [ -z "$python" ]; then
    echo "error: Python $want is needed (the project's requires-python); install it first" >&2
    exit 1
fi

if [ ! -x .venv/bin/gunicorn ]; then
    "$python" -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
fi
.venv/bin/alembic upgrade head
echo "Serving $project on http://${BIND:-127.0.0.1:8000}/docs (Ctrl-C stops it)"
BIND=${BIND:-127.0.0.1:8000} exec .venv/bin/gunicorn -c gunicorn_conf.py todo_api.main:app
