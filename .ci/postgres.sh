#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 server on the loopback address for the PostgreSQL tests, and
# print the environment that points the project at it (eval "$(bash .ci/postgres.sh)").
#
# Idempotent: a cluster already initialised is reused, a server already running is left alone.
# The cluster lives outside the repository (default /var/tmp/salesops-pg-<port>); its superuser
# password is generated once and kept beside it (mode 600), never in the repo or the log.
# Usage: pg_env="$(bash .ci/postgres.sh)" && eval "$pg_env"   (fails loudly if the server cannot start)
#
#   SALESOPS_PG_PORT   port to listen on (default 55432)
#   SALESOPS_PG_ROOT   folder for data, socket, log and password (default /var/tmp/salesops-pg-<port>)
#                      (as root, the server runs as user postgres: the folder's parents must let it in)
set -euo pipefail

PORT="${SALESOPS_PG_PORT:-55432}"
ROOT="${SALESOPS_PG_ROOT:-/var/tmp/salesops-pg-$PORT}"
BIN="${SALESOPS_PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="$ROOT/data"
SOCKETS="$ROOT/sockets"
PWFILE="$ROOT/superuser.password"
LOG="$ROOT/server.log"
SUPERUSER=salesops_admin

if [ ! -x "$BIN/pg_ctl" ]; then
    # The machine image ships PostgreSQL 15; a bare machine gets it from Debian.
    echo "PostgreSQL binaries not found in $BIN; installing postgresql-15 with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi

# The server refuses to run as root: as root, run it as the `postgres` system user.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$ROOT" --shell /usr/sbin/nologin postgres
    as_server_user() { runuser -u postgres -- "$@"; }
    OWNER=postgres
else
    as_server_user() { "$@"; }
    OWNER="$(id -un)"
fi

mkdir -p "$ROOT" "$SOCKETS"
chmod 700 "$ROOT"
if [ ! -s "$PWFILE" ]; then
    (umask 077; python3 -c "import secrets; print(secrets.token_urlsafe(24))" > "$PWFILE")
fi
chown -R "$OWNER" "$ROOT"

if [ ! -s "$DATA/PG_VERSION" ]; then
    as_server_user "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --pwfile="$PWFILE" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
fi

if ! as_server_user "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_server_user "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-p $PORT -k $SOCKETS -c listen_addresses=127.0.0.1" start >&2
fi

cat <<EOF
export SALESOPS_PG_HOST=127.0.0.1
export SALESOPS_PG_PORT=$PORT
export SALESOPS_PG_USER=$SUPERUSER
export SALESOPS_PG_PASSWORD="\$(cat $PWFILE)"
export SALESOPS_PG_DBNAME=postgres
EOF
