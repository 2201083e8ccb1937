# lib.sh - shared helpers for integration tests that drive `opsgate serve` over HTTP.
#
# Source it from a test:  . "$(dirname "$0")/lib.sh"
# It needs $OPSGATE (the binary), skips (exit 77) without curl or jq, makes $OG_TMP (removed on
# exit), and kills any server it started when the test exits, however it exits. Every wait is
# bounded, and the whole test is killed after $OG_TEST_TIMEOUT seconds (default 120).
#
#   tok=$(og_init DIR)                  init a data folder, print its platform-admin token
#   og_serve DIR [serve options...]     start a server on a free loopback port; sets OG_URL,
#                                       OG_SERVER_PID, OG_SERVER_LOG
#   og_stop [SIGNAL]                    signal it (TERM) and wait; sets OG_SERVER_STATUS
#   api METHOD PATH [TOKEN] [BODY]      one request; sets $code, $body (and $OG_TMP/headers)
#   expect_status WANT WHAT             check $code
#   expect_jq FILTER WANT WHAT          check `jq -r FILTER` of $body
#   expect_header NAME REGEX WHAT       check a response header of the last request
#   og_done                             print the tally and exit 0, or 1 if anything failed
#   url=$(og_pg_newdb)                  a fresh database on the suite's PostgreSQL (dropped at
#                                       exit); skips (77) without one (og_pg_need)
#   og_fixture DIR [SPEC...]            the common start: init DIR (platform-admin token in
#                                       $admin), og/q helpers, tenants, users and their tokens
#   og_location DIR                     what $OPSGATE makes of `--data DIR` (DIR, or its URL on PG)
#   og_sql DIR SQL                      SQL on DIR's database, either backend (rows |-separated)
#   og_cli_start DIR                    the CLI tests' start: D=DIR initialized (token in $tok),
#                                       og (the CLI on $D)
#   og_console_need [TOOL...]           the browser tests' start: SRC set, chromium and node
#                                       installed, TOOLs there; else skips (77)
#   og_console_run SCRIPT SECS WHAT [N=V...]  tests/console/SCRIPT in node against the server
#                                       (OG_URL, OUT=$out, CHROMIUM, NODE_PATH, N=V): ok or bad
#   og_dated_ca CN                      a test CA in $OG_TMP/ca* signing with chosen dates:
#                                       og_dated_ca_sign CSR OUT START END
#   og_recv_build                       the test receivers built as $RECV (else skips, 77)
#   run WANT WHAT [--] COMMAND...       COMMAND's exit status must be WANT (else bad, naming WHAT
#                                       and its stderr); its stdout in $out, its stderr in $err
#
# OG_OPENAPI_CHECK=1 (CMake sets it for the tests listed in OG_IT_OPENAPI): every server the test
# starts logs its API replies (OG_OPENAPI_LOG, src/http/openapi.c), and og_done validates them
# against the OpenAPI document ($OG_BUILD_DIR/openapi.json, tools/openapi-check.js): a reply the
# document does not describe fails the test, naming the operation, status and JSON pointer.
#
# OG_IT_BACKEND=pg (CMake registers some tests a second time so, as integration_NAME_pg, through
# tests/support/pg_run.sh, which sets OPSGATE_TEST_PG) runs the test on PostgreSQL unchanged:
# $OPSGATE becomes a wrapper that turns every `--data DIR` (and OPSGATE_DATA) under $OG_TMP into
# a database of its own on the suite's server, made at first use, with DIR as its key folder
# (`--keys DIR`). So the test's "data folder" holds the master key and nothing else.
set -uo pipefail
: "${OPSGATE:?set OPSGATE to the opsgate binary}"

for _t in curl jq; do
  if ! command -v "$_t" >/dev/null 2>&1; then
    echo "SKIP: $_t is not installed (scripts/deps.sh test installs it)" >&2
    exit 77
  fi
done

OG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-it.XXXXXX")
OG_SERVER_PID=""
OG_SERVER_LOG=""
OG_SERVER_STATUS=""
OG_URL=""
og_fails=0
og_passes=0
code=""
body=""
if [ -n "${OG_OPENAPI_CHECK:-}" ]; then
  OG_OPENAPI_LOG="$OG_TMP/openapi.jsonl"
  export OG_OPENAPI_LOG
fi

og_cleanup() {
  if [ -n "$OG_SERVER_PID" ] && kill -0 "$OG_SERVER_PID" 2>/dev/null; then
    kill -KILL "$OG_SERVER_PID" 2>/dev/null
    wait "$OG_SERVER_PID" 2>/dev/null
  fi
  og_pg_dropall
  if [ -n "${og_watchdog_pid:-}" ]; then
    kill "$og_watchdog_pid" 2>/dev/null
    wait "$og_watchdog_pid" 2>/dev/null
  fi
  rm -rf "$OG_TMP"
}
trap og_cleanup EXIT
trap 'exit 130' INT TERM

# A watchdog: a hung test fails instead of stalling CTest until its own timeout.
# Its sleep is killed with it, so no stray process keeps CTest's output pipe open.
(
  sleep "${OG_TEST_TIMEOUT:-120}" </dev/null >/dev/null 2>&1 &
  og_sleep_pid=$!
  trap 'kill "$og_sleep_pid" 2>/dev/null; exit 0' TERM
  wait "$og_sleep_pid"
  echo "FAIL: test timed out after ${OG_TEST_TIMEOUT:-120}s" >&2
  kill -TERM $$
) &
og_watchdog_pid=$!

# ---- PostgreSQL ----
og_pg_need() {
  if [ -z "${OPSGATE_TEST_PG:-}" ]; then
    echo "SKIP: no PostgreSQL for the test (OPSGATE_TEST_PG; run it through ctest)" >&2
    exit 77
  fi
  command -v psql >/dev/null 2>&1 || { echo "SKIP: psql is not installed" >&2; exit 77; }
}

# og_pg_url_of DB: the suite's URL naming database DB instead.
og_pg_url_of() {
  case "$OPSGATE_TEST_PG" in
    libpq:*) printf '%s dbname=%s\n' "$OPSGATE_TEST_PG" "$1" ;;
    *) printf '%s\n' "$OPSGATE_TEST_PG" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$1#" ;;
  esac
}

# psql on the suite's server (libpq: URLs as key=value strings)
og_psql() {
  local conn=${OPSGATE_TEST_PG#libpq:}
  psql -qtAX -v ON_ERROR_STOP=1 "$conn" "$@"
}

og_pg_seq=0
# og_pg_newdb: make a fresh database (C collation, as docs/postgres.md asks) and print its URL.
og_pg_newdb() {
  og_pg_need
  og_pg_seq=$((og_pg_seq + 1))
  local db="og_it_$$_${og_pg_seq}_$RANDOM"
  og_psql -c "CREATE DATABASE $db TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
    return 1
  echo "$db" >>"$OG_TMP/.pg-dbs"
  og_pg_url_of "$db"
}

# og_pg_map DIR: the database a data folder DIR stands for under OG_IT_BACKEND=pg, made at first
# use (the wrapper below and og_location use it); prints its URL.
og_pg_map() {
  local dir=$1 db
  db="og_it_$(printf '%s' "$dir" | md5sum | cut -c1-16)"
  mkdir -p "$OG_TMP/.pg-made"
  if [ ! -e "$OG_TMP/.pg-made/$db" ]; then
    og_psql -c "CREATE DATABASE $db TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
      return 1
    echo "$db" >>"$OG_TMP/.pg-dbs"
    : >"$OG_TMP/.pg-made/$db"
  fi
  og_pg_url_of "$db"
}

# og_pg_template: the run's installation template on the suite's server, "DB KEYHEX TOKEN": an
# `opsgate init` made once per binary by the first test that needs it (as the unit tests'
# og_test_pg_install does), its master key and platform-admin token in the database's comment.
# Concurrent first tests each build one; the first rename wins, the others drop theirs.
# tests/support/pg_fixture.sh drops the templates (og_tpl_*) when a run starts.
og_pg_template() {
  local tpl build keys out token hex row
  tpl="og_tpl_it_$(stat -c '%s %Y %i' "$OG_REAL_OPSGATE" | md5sum | cut -c1-12)"
  row=$(og_psql -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database
                    WHERE datname = '$tpl'") || return 1
  if [ -z "$row" ]; then
    build="${tpl}_b$$"
    keys="$OG_TMP/.tpl-keys"
    rm -rf "$keys"
    og_psql -c "CREATE DATABASE $build TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
      return 1
    if out=$("$OG_REAL_OPSGATE" --data "$(og_pg_url_of "$build")" --keys "$keys" init 2>&1); then
      token=$(printf '%s\n' "$out" | sed -n '/^og_/p' | tail -n 1)
      hex=$(od -An -vtx1 "$keys/master.key" | tr -d ' \n')
      og_psql -c "COMMENT ON DATABASE $build IS '$hex $token'" \
        -c "ALTER DATABASE $build WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" >/dev/null &&
        og_psql -c "ALTER DATABASE $build RENAME TO $tpl" >/dev/null 2>&1
    else
      echo "building the PostgreSQL installation template: $out" >&2
    fi
    og_psql -c "ALTER DATABASE $build IS_TEMPLATE false" \
      -c "DROP DATABASE IF EXISTS $build WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$keys"
    row=$(og_psql -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database
                      WHERE datname = '$tpl'") || return 1
    [ -n "$row" ] || return 1
  fi
  printf '%s %s\n' "$tpl" "$row"
}

# og_pg_init DIR: og_init on PostgreSQL: DIR's database a copy of the run's template, DIR its key
# folder with the template's master key; prints the template's platform-admin token.
og_pg_init() {
  local dir=$1 tpl hex token db
  read -r tpl hex token <<<"$(og_pg_template)" && [ -n "$token" ] || return 1
  db="og_it_$(printf '%s' "$dir" | md5sum | cut -c1-16)"
  og_psql -c "CREATE DATABASE $db TEMPLATE $tpl" >/dev/null || return 1
  echo "$db" >>"$OG_TMP/.pg-dbs"
  mkdir -p "$OG_TMP/.pg-made" && : >"$OG_TMP/.pg-made/$db"
  mkdir -m 0700 "$dir" || return 1
  (umask 077 && printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$dir/master.key") || return 1
  printf '%s\n' "$token"
}

# og_pg_dropall: drop the test's databases when it ends. PostgreSQL 15's DROP DATABASE waits for
# a checkpoint (a second or more while other tests write), so the drops run detached, after the
# test has reported; the fixture's next start drops what a stopped server left (og_it_*).
og_pg_dropall() {
  [ -f "$OG_TMP/.pg-dbs" ] || return 0
  local dbs
  dbs=$(sort -u "$OG_TMP/.pg-dbs")
  (
    for db in $dbs; do
      og_psql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    done
  ) </dev/null >/dev/null 2>&1 &
  disown 2>/dev/null || true
}

# On PostgreSQL ($OG_IT_BACKEND=pg): $OPSGATE becomes the wrapper described at the top.
if [ "${OG_IT_BACKEND:-}" = pg ]; then
  og_pg_need
  OG_REAL_OPSGATE=$OPSGATE
  OPSGATE="$OG_TMP/.opsgate-pg"
  export OG_REAL_OPSGATE OG_TMP
  export -f og_pg_need og_pg_url_of og_psql og_pg_map
  cat >"$OPSGATE" <<'WRAP'
#!/usr/bin/env bash
# --data DIR (under $OG_TMP) -> a database of its own, DIR its key folder
set -uo pipefail
map() { og_pg_map "$1" || exit 1; }
under_tmp() { case "$1" in "$OG_TMP"/*) return 0 ;; esac; return 1; }
args=() keys="" seen=0 i=0 n=$#
argv=("$@")
while [ $i -lt $n ]; do
  a=${argv[$i]}
  if [ "$a" = -- ]; then args+=("${argv[@]:$i}"); break; fi
  if [ "$a" = --data ] && [ $((i + 1)) -lt $n ] && under_tmp "${argv[$((i + 1))]}"; then
    keys=${argv[$((i + 1))]}; args+=(--data "$(map "$keys")"); seen=1; i=$((i + 2)); continue
  fi
  case "$a" in
    --data=*) if under_tmp "${a#--data=}"; then
                keys=${a#--data=}; args+=(--data "$(map "$keys")"); seen=1; i=$((i + 1)); continue
              fi ;;
  esac
  args+=("$a"); i=$((i + 1))
done
if [ $seen = 0 ] && [ -n "${OPSGATE_DATA:-}" ] && under_tmp "$OPSGATE_DATA"; then
  keys=$OPSGATE_DATA
  OPSGATE_DATA=$(map "$keys"); export OPSGATE_DATA
fi
if [ -n "$keys" ] && [ -z "${OPSGATE_KEYS:-}" ]; then
  OPSGATE_KEYS=$keys; export OPSGATE_KEYS
fi
exec "$OG_REAL_OPSGATE" "${args[@]}"
WRAP
  chmod +x "$OPSGATE"
fi

ok()  { og_passes=$((og_passes + 1)); }
bad() { echo "FAIL: $*" >&2; og_fails=$((og_fails + 1)); }

# og_openapi_check: validate the replies logged so far (OG_OPENAPI_CHECK) against the document.
og_openapi_check() {
  [ -n "${OG_OPENAPI_CHECK:-}" ] && [ -n "${OG_OPENAPI_LOG:-}" ] || return 0
  [ -s "$OG_OPENAPI_LOG" ] || { bad "OG_OPENAPI_CHECK is set but no server logged a reply"; return 0; }
  local src=${OG_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  local doc=${OG_OPENAPI_DOC:-${OG_BUILD_DIR:-}/openapi.json} out
  if out=$(node "$src/tools/openapi-check.js" "$doc" "$OG_OPENAPI_LOG" 2>&1); then
    ok
    tail -n 1 <<<"$out"
  else
    bad "replies that the OpenAPI document does not describe:"
    head -n 40 <<<"$out" >&2
  fi
}

og_done() {
  og_openapi_check
  echo "$og_passes checks passed, $og_fails failed"
  if [ "$og_fails" -ne 0 ]; then
    if [ -n "$OG_SERVER_LOG" ] && [ -f "$OG_SERVER_LOG" ]; then
      echo "--- server log:" >&2
      tail -n 40 "$OG_SERVER_LOG" >&2
    fi
    exit 1
  fi
  exit 0
}

# og_init DIR: create a data folder; print the platform-admin token (init prints it once on
# stdout, alone on a line; a "token: " prefix is accepted too).
# On PostgreSQL a new DIR under $OG_TMP is a copy of the run's installation template (og_pg_init;
# OG_IT_PG_TEMPLATE=0: a real init each time): init costs seconds there, the copy a fraction.
og_init() {
  local out
  if [ "${OG_IT_BACKEND:-}" = pg ] && [ "${OG_IT_PG_TEMPLATE:-1}" != 0 ] && [ ! -e "$1" ] &&
    [ ! -e "$OG_TMP/.pg-made/og_it_$(printf '%s' "$1" | md5sum | cut -c1-16)" ]; then
    case "$1" in "$OG_TMP"/*) og_pg_init "$1"; return ;; esac
  fi
  if ! out=$("$OPSGATE" --data "$1" init 2>"$OG_TMP/init.err"); then
    echo "opsgate init failed: $(cat "$OG_TMP/init.err")" >&2
    return 1
  fi
  printf '%s\n' "$out" | sed -n 's/^token: //; /^og_/p' | tail -n 1
}

# og_serve DIR [serve options...]: start the server on 127.0.0.1 port 0, wait for /healthz.
og_serve() {
  local dir=$1; shift
  local portfile="$OG_TMP/port.$RANDOM"
  OG_SERVER_LOG="$OG_TMP/server.$RANDOM.log"
  rm -f "$portfile"
  "$OPSGATE" --data "$dir" serve --listen 127.0.0.1:0 --port-file "$portfile" "$@" \
    >"$OG_SERVER_LOG" 2>&1 &
  OG_SERVER_PID=$!
  local i
  for i in $(seq 1 100); do
    if [ -s "$portfile" ]; then
      OG_URL="http://127.0.0.1:$(cat "$portfile")"
      if curl -fsS --max-time 2 "$OG_URL/healthz" >/dev/null 2>&1; then
        return 0
      fi
    fi
    if ! kill -0 "$OG_SERVER_PID" 2>/dev/null; then
      echo "opsgate serve exited early:" >&2
      cat "$OG_SERVER_LOG" >&2
      OG_SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "opsgate serve did not become healthy in 10s:" >&2
  cat "$OG_SERVER_LOG" >&2
  return 1
}

# og_stop [SIGNAL]: send SIGNAL (default TERM), wait up to 20s; OG_SERVER_STATUS = exit status,
# or "timeout" (then the server is killed).
og_stop() {
  local sig=${1:-TERM} i
  [ -n "$OG_SERVER_PID" ] || return 0
  kill -s "$sig" "$OG_SERVER_PID" 2>/dev/null
  for i in $(seq 1 200); do
    if ! kill -0 "$OG_SERVER_PID" 2>/dev/null; then
      wait "$OG_SERVER_PID"
      OG_SERVER_STATUS=$?
      OG_SERVER_PID=""
      return 0
    fi
    sleep 0.1
  done
  kill -KILL "$OG_SERVER_PID" 2>/dev/null
  wait "$OG_SERVER_PID" 2>/dev/null
  OG_SERVER_PID=""
  OG_SERVER_STATUS=timeout
}

# api METHOD PATH [TOKEN] [BODY]: BODY is sent as-is (use @FILE for a file). Empty TOKEN = none.
api() {
  local method=$1 path=$2 token=${3:-} data=${4:-}
  local args=(-sS --max-time 30 -X "$method" -o "$OG_TMP/body" -D "$OG_TMP/headers"
              -w '%{http_code}')
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  code=$(curl "${args[@]}" "$OG_URL$path" 2>"$OG_TMP/curl.err") || code="curl-failed:$(cat "$OG_TMP/curl.err")"
  body=$(cat "$OG_TMP/body" 2>/dev/null)
}

expect_status() {
  if [ "$code" = "$1" ]; then ok; else bad "$2: status $code, want $1; body: $body"; fi
}

expect_jq() {
  local got
  got=$(printf '%s' "$body" | jq -r "$1" 2>/dev/null) || got="(not JSON: $body)"
  if [ "$got" = "$2" ]; then ok; else bad "$3: $1 is '$got', want '$2'; body: $body"; fi
}

expect_header() {
  if grep -qiE "^$1: $2" "$OG_TMP/headers"; then ok; else
    bad "$3: header $1 does not match '$2'; headers: $(tr -d '\r' <"$OG_TMP/headers" | tr '\n' '|')"
  fi
}

# expect_error STATUS CODE WHAT: an error reply of the documented shape.
expect_error() {
  expect_status "$1" "$3"
  expect_jq '.error.code' "$2" "$3 (error code)"
  expect_jq '.error.message | type' string "$3 (error message)"
  expect_jq 'keys | join(",")' error "$3 (only an error member)"
}

# og_location DIR: the location `$OPSGATE --data DIR` opens: DIR itself, or on PostgreSQL
# (OG_IT_BACKEND=pg) the URL of DIR's database, made at first use. For test programs that open an
# installation themselves (with OPSGATE_KEYS=DIR on PostgreSQL).
og_location() {
  if [ "${OG_IT_BACKEND:-}" = pg ]; then og_pg_map "$1"; else printf '%s\n' "$1"; fi
}

# og_sql DIR SQL: run SQL on the database of data folder DIR behind opsgate's back (sqlite3 on
# DIR/opsgate.db, psql on DIR's database on PostgreSQL); rows on stdout, columns |-separated.
# Exit status non-zero when the SQL fails. Skips the test (77) when the client is missing.
og_sql() {
  local dir=$1 sql=$2
  if [ "${OG_IT_BACKEND:-}" = pg ]; then
    local url
    url=$(og_pg_map "$dir") || return 1
    psql -qtAX -v ON_ERROR_STOP=1 "${url#libpq:}" -c "$sql"
  else
    command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed" >&2; exit 77; }
    sqlite3 -batch "$dir/opsgate.db" "$sql"
  fi
}

# og_dated_ca CN: a test CA (EC P-256, subject CN) in $OG_TMP/ca* whose `openssl ca` signs CSRs
# with the dates the test chooses (og_dated_ca_sign); the CSR's extensions are copied.
og_dated_ca() {
  local c="$OG_TMP/ca"
  mkdir -p "$c/new" && : >"$c/index.txt" && echo 1000 >"$c/serial"
  cat >"$c.cnf" <<EOF
[ca]
default_ca = d
[d]
dir = $c
database = $c/index.txt
new_certs_dir = $c/new
serial = $c/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = copy
[p]
countryName = optional
organizationName = optional
commonName = supplied
EOF
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$c.key" \
    -out "$c.pem" -subj "/CN=$1" -days 3650 2>/dev/null || bad "the CA"
}
# og_dated_ca_sign CSR OUT START END: OUT signed by og_dated_ca's CA for CSR, valid from START to
# END (YYYYMMDDHHMMSSZ); exit status non-zero on failure, openssl's message in $OG_TMP/ca.err.
og_dated_ca_sign() {
  openssl ca -batch -config "$OG_TMP/ca.cnf" -cert "$OG_TMP/ca.pem" -keyfile "$OG_TMP/ca.key" \
    -notext -in "$1" -out "$2" -startdate "$3" -enddate "$4" >/dev/null 2>"$OG_TMP/ca.err"
}

# og_recv_build: the test receivers (tests/support/receivers/og_recv.c: a signed-webhook and an
# SMTP receiver) built as $RECV; without a C compiler, or when the build fails, the test skips.
og_recv_build() {
  local src=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
  command -v cc >/dev/null 2>&1 || { echo "SKIP: no C compiler for the test receivers" >&2; exit 77; }
  RECV="$OG_TMP/og_recv"
  cc -O1 -o "$RECV" "$src/tests/support/receivers/og_recv.c" -lcrypto ||
    { echo "SKIP: cannot build the test receivers" >&2; exit 77; }
}

# run WANT WHAT [--] COMMAND...: exit status WANT wanted; stdout in $out, stderr in $err.
run() {
  local want=$1 what=$2
  shift 2
  [ "${1:-}" != -- ] || shift
  out=$("$@" 2>"$OG_TMP/err")
  local rc=$?
  err=$(cat "$OG_TMP/err")
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want; stderr: $err"; fi
}

# og_cli_start DIR: the CLI tests' common start (test_backup, test_migrate): the installation
# D=DIR made, its platform-admin token in $tok, og the CLI on it. A failed init ends the test.
og_cli_start() {
  D=$1
  og() { "$OPSGATE" --data "$D" "$@"; }
  tok=$(og_init "$D") || { bad "init"; og_done; }
}

# og_fixture DIR [SPEC...]: the HTTP and certificate tests' common start. Makes the installation
# DIR with its platform-admin token in $admin; defines og (the CLI on DIR) and q (a setup step:
# on failure the test fails there and ends); then for each SPEC, TENANT or TENANT/USER:ROLE, makes
# the tenant (once) and the user, and a token of the user in the variable named USER. No SPEC:
# acme with ada (tenant-admin), eve (engineer) and aud (auditor); globex with gus (tenant-admin).
# The server is started by the test (og_serve "$D" [options]) when its setup is done.
og_fixture() {
  OG_FIXTURE_DIR=$1
  shift
  [ $# -gt 0 ] || set -- acme/ada:tenant-admin acme/eve:engineer acme/aud:auditor \
    globex/gus:tenant-admin
  admin=$(og_init "$OG_FIXTURE_DIR") || { echo "FAIL: opsgate init" >&2; exit 1; }
  og() { "$OPSGATE" --data "$OG_FIXTURE_DIR" "$@"; }
  q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
  local spec tenant user role made=" " t
  for spec in "$@"; do
    tenant=${spec%%/*}
    case " $made " in *" $tenant "*) ;; *) q tenant create "$tenant"; made+="$tenant " ;; esac
    [ "$spec" != "$tenant" ] || continue
    user=${spec#*/}; role=${user#*:}; user=${user%%:*}
    q user add --tenant "$tenant" "$user" --role "$role"
    t=$(og token create --tenant "$tenant" --user "$user" 2>"$OG_TMP/err") && [ -n "$t" ] ||
      { bad "setup: a token of $user: $(cat "$OG_TMP/err")"; og_done; }
    printf -v "$user" '%s' "$t"
  done
}

# ---- the console's browser tests ----
# og_console_need [TOOL...]: the browser tests' common start. SRC is the source tree (set here
# when unset); chromium and the tools of tests/console are installed (scripts/console-test.sh
# --install), and node, chromium and each TOOL must be on PATH; else the test skips (77) saying
# why.
og_console_need() {
  SRC=${SRC:-${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}
  if ! "$SRC/scripts/console-test.sh" --install >"$OG_TMP/install.log" 2>&1; then
    echo "SKIP: chromium or node cannot be installed: $(tail -n 3 "$OG_TMP/install.log")" >&2
    exit 77
  fi
  local t
  for t in node chromium "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
  done
}

# og_console_run SCRIPT SECONDS WHAT [NAME=VALUE...]: run tests/console/SCRIPT in node for at
# most SECONDS against the server og_serve started, with OG_URL, OUT (the screenshots' folder,
# $OG_BUILD_DIR/console-screenshots, also in $out), CHROMIUM, NODE_PATH and the NAME=VALUEs in
# its environment: ok when it passes, else bad "WHAT failed" with the server log's tail.
og_console_run() {
  local script=$1 seconds=$2 what=$3
  shift 3
  out="${OG_BUILD_DIR:-$OG_TMP}/console-screenshots"
  if env OG_URL="$OG_URL" OUT="$out" CHROMIUM="$(command -v chromium)" \
     NODE_PATH="$SRC/tests/console/node_modules" "$@" \
     timeout "$seconds" node "$SRC/tests/console/$script"; then
    ok
  else
    bad "$what failed (FAIL lines above; screenshots in $out)"
    tail -n 20 "$OG_SERVER_LOG" >&2
  fi
}
