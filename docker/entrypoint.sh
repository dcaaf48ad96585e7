#!/bin/sh
# Start the service the production way: migrate, then gunicorn.
# Migrations are idempotent; with several app containers the first one applies
# them and the others find nothing to do (Alembic takes a lock on PostgreSQL).
set -eu
comments db upgrade
exec gunicorn "comments:create_app()" \
    --bind "${COMMENTS_BIND:-0.0.0.0:8000}" \
    --workers "${COMMENTS_WORKERS:-4}" \
    --access-logfile - \
    "$@"
