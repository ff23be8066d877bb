#!/bin/sh
# Container entrypoint: wait for the database and apply migrations under a lock, so that
# replicas starting together migrate once (unless RUN_MIGRATIONS is off), then replace this
# shell with the command, so that it receives the container's signals.
set -eu

case "$(printf '%s' "${RUN_MIGRATIONS:-1}" | tr '[:upper:]' '[:lower:]')" in
    0 | false | no | off) ;;
    *) {{ cookiecutter.project_slug }} migrate ;;
esac

exec "$@"
