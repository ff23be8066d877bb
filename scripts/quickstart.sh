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

# A taken port would fail only after the bake and the install, behind a "Serving" line: check
# it first, with the same socket options as gunicorn's (SO_REUSEADDR).
bind=${BIND:-127.0.0.1:8000}
if [ "${bind#unix:}" = "$bind" ]; then
    host=${bind%:*} port=${bind##*:}
    if ! python3 -c '
import socket, sys
host, port = sys.argv[1].strip("[]"), int(sys.argv[2])
family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
with socket.socket(family, socket.SOCK_STREAM) as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind((host, port))' "$host" "$port" 2>/dev/null; then
        echo "error: port $port on $host is in use; choose another: BIND=$host:$((port + 1)) bash scripts/quickstart.sh" >&2
        exit 1
    fi
fi

if [ ! -x "$tools/bin/cookiecutter" ]; then
    quietly python3 -m venv "$tools"
    quietly "$tools/bin/pip" install --disable-pip-version-check -r "$repo/tests/requirements.txt"
fi
# The bake prints its next steps, whose venv command names a Python that suits the project
# (the post-generation hook looks for one); this script does those steps instead of showing them.
# It bakes into a scratch folder beside the project: a project already there may hold the
# user's edits, which a re-bake over it would overwrite. A user who runs this again expects
# their server back, edits included, so it is kept and served as it is, with one line saying
# so and how to start over; only a missing project is replaced by the fresh bake.
fresh=$(mktemp -d "$out/.quickstart-XXXXXX")
trap 'rm -rf "$fresh"' EXIT
steps=$("$tools/bin/cookiecutter" --no-input -o "$fresh" "$repo" 2>&1) ||
    { printf '%s\n' "$steps" >&2; exit 1; }
if grep "is needed" <<<"$steps" >&2; then exit 1; fi
project=$out/todo-api
if [ ! -e "$project" ]; then
    mv "$fresh/todo-api" "$project"
elif ! diff -rq -X <(sed -e '/^#/d' -e '/^$/d' -e 's,/$,,' "$fresh/todo-api/.gitignore") \
    "$fresh/todo-api" "$project" >/dev/null 2>&1; then
    echo "Kept $project as it is: it differs from a fresh bake (to re-bake, move it away and run this again)"
fi
rm -rf "$fresh"  # gunicorn replaces this shell below, so the EXIT trap would not run
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
