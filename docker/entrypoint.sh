#!/bin/sh
# Start the service the production way: migrate, then gunicorn.
# Migrations are idempotent; with several app containers the first one applies
# them and the others wait for it, then find nothing to do (migrations/env.py
# holds a PostgreSQL advisory lock while it migrates).
set -eu
if [ -z "${COMMENTS_SECRET_KEY:-}" ]; then
    echo "comments: set COMMENTS_SECRET_KEY to a long random string, the same on every host" >&2
    exit 1
fi
comments db upgrade
exec gunicorn "comments:create_app()" \
    --bind "${COMMENTS_BIND:-0.0.0.0:8000}" \
    --workers "${COMMENTS_WORKERS:-4}" \
    --access-logfile - \
    "$@"
