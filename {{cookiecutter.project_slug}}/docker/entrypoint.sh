#!/bin/sh
# Container entrypoint: apply database migrations (unless RUN_MIGRATIONS is off), then
# replace this shell with the command, so that it receives the container's signals.
set -eu

case "$(printf '%s' "${RUN_MIGRATIONS:-1}" | tr '[:upper:]' '[:lower:]')" in
    0 | false | no | off) ;;
    *) alembic upgrade head ;;
esac

exec "$@"
