#!/usr/bin/env bash
# pg-failover.sh - a throw-away pg_auto_failover formation for the failover tests: Debian's
# postgresql-15 and postgresql-15-auto-failover, a monitor and two data nodes (primary and
# secondary, synchronous replication: the formation's replication quorum), each in a folder under
# DIR, listening on loopback TCP ports chosen free at start, owned by a non-root user (the
# opsgate-pg system user of scripts/pg-test.sh when run as root), trust authentication on
# loopback only.
#
#   scripts/pg-failover.sh start DIR         make and start the formation; prints the multi-host
#                                            libpq URL of database `opsgate` (role `opsgate`,
#                                            target_session_attrs=read-write) when the primary
#                                            and its synchronous secondary are ready
#   scripts/pg-failover.sh url DIR           print that URL again
#   scripts/pg-failover.sh primary DIR       print the port of the node that is primary now
#   scripts/pg-failover.sh kill-primary DIR  SIGKILL the primary's postmaster (a crash); prints
#                                            the port it had
#   scripts/pg-failover.sh wait-primary DIR OLDPORT [SECONDS]
#                                            wait until another node is primary and takes
#                                            writes; prints its port
#   scripts/pg-failover.sh stop DIR          stop every process of the formation
#
# Exit 77 (the tests' "skipped") when PostgreSQL 15 or pg_auto_failover is not installed.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=opsgate-pg
export PATH="$PGBIN:$PATH"
# the formation's superuser: the operating-system user that owns it (initdb's default)
if [ "$(id -u)" = 0 ]; then SUPER=$PGUSER_OS; else SUPER=$(id -un); fi

die() { echo "pg-failover.sh: $*" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PGUSER_OS" -- env PATH="$PATH" HOME="$DIR" PG_REGRESS_SOCK_DIR="$DIR/sock" "$@"
  else
    env HOME="$DIR" PG_REGRESS_SOCK_DIR="$DIR/sock" "$@"
  fi
}

need() {
  [ -x "$PGBIN/initdb" ] || { echo "SKIP: PostgreSQL 15 is not installed (scripts/pg-test.sh --install)" >&2; exit 77; }
  command -v pg_autoctl >/dev/null || { echo "SKIP: pg_auto_failover is not installed (scripts/pg-test.sh --install)" >&2; exit 77; }
  if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    echo "SKIP: no system user $PGUSER_OS (scripts/pg-test.sh --install makes it)" >&2
    exit 77
  fi
}

free_ports() { # N: N free loopback TCP ports
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

psql_at() { # PORT DB SQL
  as_owner psql -X -q -At -h 127.0.0.1 -p "$1" -U "${4:-opsgate}" -d "$2" -c "$3"
}

monitor_url() { echo "postgres://autoctl_node@127.0.0.1:$(cat "$DIR/ports/monitor")/pg_auto_failover?sslmode=disable"; }

url() {
  [ -f "$DIR/ports/n1" ] || die "no formation was started in $DIR"
  echo "postgresql://127.0.0.1:$(cat "$DIR/ports/n1"),127.0.0.1:$(cat "$DIR/ports/n2")/opsgate?user=opsgate&target_session_attrs=read-write&connect_timeout=2"
}

# The port of the node whose server answers as a primary that takes writes, or nothing.
primary() {
  local n p
  for n in n1 n2; do
    p=$(cat "$DIR/ports/$n")
    if [ "$(psql_at "$p" postgres "SELECT pg_is_in_recovery()" "$SUPER" 2>/dev/null)" = f ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Wait until the formation says the primary has a synchronous secondary (states primary and
# secondary on the monitor) and the primary takes writes.
wait_ready() {
  local i
  for i in $(seq 1 240); do
    local states
    states=$(psql_at "$(cat "$DIR/ports/monitor")" pg_auto_failover \
      "SELECT string_agg(reportedstate::text || '/' || goalstate::text, ' ' ORDER BY nodeid) FROM pgautofailover.node" autoctl_node 2>/dev/null || true)
    case "$states" in
      *primary/primary*secondary/secondary* | *secondary/secondary*primary/primary*)
        primary >/dev/null && return 0 ;;
    esac
    sleep 0.5
  done
  die "the formation did not become ready (states: ${states:-none}; logs in $DIR/*.log)"
}

start_node() { # NAME PORT
  local name=$1 port=$2
  as_owner bash -c "nohup pg_autoctl create postgres --pgdata '$DIR/$name' --pgport $port \
    --hostname 127.0.0.1 --listen 127.0.0.1 --pghost '$DIR/sock' --name $name --auth trust --no-ssl --pgctl '$PGBIN/pg_ctl' \
    --monitor '$(monitor_url)' --run > '$DIR/$name.log' 2>&1 & echo \$! > '$DIR/$name.pid'"
}

start() {
  need
  [ -e "$DIR/ports" ] && die "$DIR already holds a formation"
  mkdir -p "$DIR/ports" "$DIR/sock"
  [ "$(id -u)" = 0 ] && chown -R "$PGUSER_OS" "$DIR"
  chmod 0700 "$DIR"
  read -r pm p1 p2 < <(free_ports 3)
  echo "$pm" > "$DIR/ports/monitor"; echo "$p1" > "$DIR/ports/n1"; echo "$p2" > "$DIR/ports/n2"
  [ "$(id -u)" = 0 ] && chown -R "$PGUSER_OS" "$DIR"
  as_owner bash -c "nohup pg_autoctl create monitor --pgdata '$DIR/monitor' --pgport $pm \
    --hostname 127.0.0.1 --auth trust --no-ssl --pgctl '$PGBIN/pg_ctl' --run \
    > '$DIR/monitor.log' 2>&1 & echo \$! > '$DIR/monitor.pid'"
  local i
  for i in $(seq 1 120); do
    psql_at "$pm" pg_auto_failover "SELECT 1" autoctl_node >/dev/null 2>&1 && break
    sleep 0.5
  done
  start_node n1 "$p1"
  # the second node joins once the first is the primary (single), as pg_autoctl expects
  for i in $(seq 1 240); do
    primary >/dev/null && break
    sleep 0.5
  done
  primary >/dev/null || die "the first node did not become primary (see $DIR/n1.log)"
  start_node n2 "$p2"
  wait_ready
  local pp
  pp=$(primary)
  psql_at "$pp" postgres "CREATE ROLE opsgate LOGIN" "$SUPER" >/dev/null
  psql_at "$pp" postgres "CREATE DATABASE opsgate OWNER opsgate" "$SUPER" >/dev/null
  url
}

kill_primary() {
  local p n
  p=$(primary) || die "no primary to kill"
  for n in n1 n2; do
    [ "$(cat "$DIR/ports/$n")" = "$p" ] || continue
    kill -KILL "$(head -n 1 "$DIR/$n/postmaster.pid")"
  done
  echo "$p"
}

wait_primary() { # OLDPORT SECONDS
  local old=$1 limit=${2:-120} i p
  for i in $(seq 1 $((limit * 2))); do
    p=$(primary 2>/dev/null || true)
    if [ -n "$p" ] && [ "$p" != "$old" ] &&
       psql_at "$p" opsgate "CREATE TEMP TABLE og_failover_probe (x int)" >/dev/null 2>&1; then
      echo "$p"
      return 0
    fi
    sleep 0.5
  done
  die "no other node became primary within ${limit}s (see $DIR/*.log)"
}

stop() {
  local f pid
  for f in n2 n1 monitor; do
    [ -f "$DIR/$f.pid" ] || continue
    pid=$(cat "$DIR/$f.pid")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in n2 n1 monitor; do
    [ -f "$DIR/$f.pid" ] || continue
    pid=$(cat "$DIR/$f.pid")
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    # a postmaster left behind by a killed supervisor
    if [ -f "$DIR/$f/postmaster.pid" ]; then
      kill -KILL "$(head -n 1 "$DIR/$f/postmaster.pid")" 2>/dev/null || true
    fi
  done
}

cmd=${1:-}
DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || die "usage: pg-failover.sh start|url|primary|kill-primary|wait-primary|stop DIR"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
case "$cmd" in
  start) start ;;
  url) url ;;
  primary) primary ;;
  kill-primary) kill_primary ;;
  wait-primary) wait_primary "${3:?old port}" "${4:-120}" ;;
  stop) stop ;;
  *) die "unknown command '$cmd'" ;;
esac
