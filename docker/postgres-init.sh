#!/usr/bin/env bash
# Mounted into /docker-entrypoint-initdb.d by docker-compose.yml: the postgres image runs it once,
# on an empty data volume. Role names and passwords come from the container's environment.
set -euo pipefail

psql --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
    --set owner_user="${STAFFWELL_OWNER_USER:-staffwell_owner}" \
    --set owner_password="${STAFFWELL_OWNER_PASSWORD:?STAFFWELL_OWNER_PASSWORD is not set}" \
    --set app_user="${STAFFWELL_APP_USER:-staffwell_app}" \
    --set app_password="${STAFFWELL_APP_PASSWORD:?STAFFWELL_APP_PASSWORD is not set}" \
    --set database="${STAFFWELL_DATABASE:-staffwell}" \
    --file "${STAFFWELL_INIT_SQL:-/staffwell/postgres-init.sql}"
