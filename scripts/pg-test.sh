#!/usr/bin/env bash
# pg-test.sh - a throw-away PostgreSQL server for the tests and benchmarks: Debian's postgresql-15,
# initdb in a folder the caller names, listening only on a Unix socket in that folder, owned by a
# non-root user (initdb refuses root), trust authentication for the one role `opsgate`.
#
#   scripts/pg-test.sh --install       install postgresql-15 (and pg_auto_failover) and make the
#                                      system user opsgate-pg when running as root; idempotent
#   scripts/pg-test.sh start DIR       initdb DIR/data (unless there), start the server, print the
#                                      libpq URL of database `opsgate` on one line
#   scripts/pg-test.sh url DIR         print that URL again
#   scripts/pg-test.sh stop DIR        stop it (fast shutdown); a no-op when it is not running
#   scripts/pg-test.sh kill DIR        SIGKILL the postmaster (a crash, for failover tests)
#
# Exit 77 (the tests' "skipped") when PostgreSQL 15 is not installed and cannot be.
# The port only names the socket file (.s.PGSQL.PORT); nothing listens on TCP.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=opsgate-pg

die() { echo "pg-test.sh: $*" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PGUSER_OS" -- "$@"
  else
    "$@"
  fi
}

install() {
  if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_autoctl" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "SKIP: PostgreSQL 15 is not installed (run scripts/deps.sh test as root)" >&2
      exit 77
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 \
      postgresql-15-auto-failover >/dev/null || {
      echo "SKIP: could not install postgresql-15 from Debian's archive" >&2; exit 77; }
  fi
  if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  fi
}

need() {
  [ -x "$PGBIN/initdb" ] || { echo "SKIP: PostgreSQL 15 is not installed (scripts/pg-test.sh --install)" >&2; exit 77; }
  if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    echo "SKIP: no system user $PGUSER_OS (scripts/pg-test.sh --install makes it)" >&2
    exit 77
  fi
}

url_of() {
  local dir=$1
  [ -f "$dir/port" ] || die "no server was started in $dir"
  echo "postgresql:///opsgate?host=$dir&port=$(cat "$dir/port")&user=opsgate"
}

start() {
  local dir=$1
  need
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    chown "$PGUSER_OS" "$dir"
    # The server's user must reach the folder through its parents (mktemp makes them 0700).
    local p
    p=$(dirname "$dir")
    while [ "$p" != / ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$dir/data" -U opsgate --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  local port
  port=$(( 20000 + RANDOM % 20000 ))
  while [ -e "$dir/.s.PGSQL.$port" ]; do port=$(( port + 1 )); done
  echo "$port" >"$dir/port"
  [ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$dir/port"
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port \
        -c shared_buffers=32MB -c max_connections=200 -c fsync=on" start >/dev/null ||
    { cat "$dir/server.log" >&2; die "the server did not start"; }
  if ! "$PGBIN/psql" -X -q -h "$dir" -p "$port" -U opsgate -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'opsgate'" | grep -q 1; then
    "$PGBIN/createdb" -h "$dir" -p "$port" -U opsgate opsgate
  fi
  url_of "$dir"
}

stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

crash() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || die "no server runs in $dir"
  kill -KILL "$(head -1 "$dir/data/postmaster.pid")"
}

case "${1:-}" in
  --install) install ;;
  start) [ $# = 2 ] || die "usage: start DIR"; start "$2" ;;
  url) [ $# = 2 ] || die "usage: url DIR"; url_of "$2" ;;
  stop) [ $# = 2 ] || die "usage: stop DIR"; stop "$2" ;;
  kill) [ $# = 2 ] || die "usage: kill DIR"; crash "$2" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
