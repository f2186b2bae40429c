#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (127.0.0.1:5432) for the replica tests and CI.
#
#   scripts/pg_replica.sh start [PORT] [DIR]   # idempotent: reuses a running replica on PORT
#   scripts/pg_replica.sh stop  [PORT] [DIR]   # immediate shutdown, DIR removed
#
# start prints the replica's URL on its last line. It takes a base backup with pg_basebackup -R
# (the replica follows the primary by streaming) into DIR (default /tmp/nashra-replica-PORT) and
# starts it on PORT (default 5433) with pg_ctl. Run as root (the server files then belong to
# `postgres`, commands run through `su postgres`) or as the postgres user. When the primary's
# pg_hba.conf has no replication entry for 127.0.0.1, root adds `host replication all
# 127.0.0.1/32 trust` and reloads it. Exit status 3: PostgreSQL tools missing (tests skip).
set -euo pipefail

ACTION="${1:-start}"
PORT="${2:-5433}"
DIR="${3:-/tmp/nashra-replica-$PORT}"
PRIMARY_HOST="${NASHRA_REPLICA_PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${NASHRA_REPLICA_PRIMARY_PORT:-5432}"

as_pg() {  # run a command as the server's owner
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

for tool in psql pg_isready; do
  command -v "$tool" >/dev/null 2>&1 || { echo "pg_replica: $tool not found" >&2; exit 3; }
done
major="$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc 'SHOW server_version_num' 2>/dev/null | cut -c1-2)" \
  || { echo "pg_replica: primary $PRIMARY_HOST:$PRIMARY_PORT not reachable" >&2; exit 3; }
BIN="/usr/lib/postgresql/$major/bin"
[ -x "$BIN/pg_ctl" ] || BIN="$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")"
for tool in pg_ctl pg_basebackup; do
  [ -x "$BIN/$tool" ] || { echo "pg_replica: $tool ($major) not found" >&2; exit 3; }
done

url="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"

if [ "$ACTION" = stop ]; then
  if [ -f "$DIR/postmaster.pid" ]; then as_pg "'$BIN/pg_ctl' -D '$DIR' -m immediate -w stop" >/dev/null || true; fi
  rm -rf "$DIR"
  exit 0
fi
[ "$ACTION" = start ] || { echo "usage: $0 start|stop [PORT] [DIR]" >&2; exit 2; }

# Already running and following a primary: nothing to do.
if pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
  if [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()' postgres)" = t ]; then
    echo "$url"; exit 0
  fi
  echo "pg_replica: port $PORT answers but is not a replica" >&2; exit 1
fi

# The primary must accept replication connections from loopback.
psql_primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc "$1" postgres; }
rules="$(psql_primary "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND (address = '127.0.0.1' OR type = 'local' OR address = 'all')")"
if [ "$rules" = 0 ]; then
  hba="$(psql_primary 'SHOW hba_file')"
  if [ "$(id -u)" != 0 ] || [ ! -w "$hba" ]; then
    echo "pg_replica: add 'host replication all 127.0.0.1/32 trust' to $hba" >&2; exit 3
  fi
  printf '\n# added by nashra scripts/pg_replica.sh for the replica tests\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
  psql_primary 'SELECT pg_reload_conf()' >/dev/null
fi

# A stale directory (a replica killed by a test, a crashed run) is replaced.
if [ -f "$DIR/postmaster.pid" ]; then as_pg "'$BIN/pg_ctl' -D '$DIR' -m immediate -w stop" >/dev/null 2>&1 || true; fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
chmod 700 "$DIR"
as_pg "'$BIN/pg_basebackup' -h '$PRIMARY_HOST' -p '$PRIMARY_PORT' -U postgres -D '$DIR' -R -X stream -c fast -N"
# Debian keeps the configuration outside the data directory: give the replica its own.
as_pg "cat > '$DIR/postgresql.conf'" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
hot_standby_feedback = on
max_connections = 100
shared_buffers = 32MB
ssl = off
logging_collector = off
EOF
as_pg "cat > '$DIR/pg_hba.conf'" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
as_pg "touch '$DIR/pg_ident.conf'"
as_pg "'$BIN/pg_ctl' -D '$DIR' -l '$DIR/server.log' -w -t 60 start" >/dev/null
echo "$url"
