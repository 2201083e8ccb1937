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

og_cleanup() {
  if [ -n "$OG_SERVER_PID" ] && kill -0 "$OG_SERVER_PID" 2>/dev/null; then
    kill -KILL "$OG_SERVER_PID" 2>/dev/null
    wait "$OG_SERVER_PID" 2>/dev/null
  fi
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

ok()  { og_passes=$((og_passes + 1)); }
bad() { echo "FAIL: $*" >&2; og_fails=$((og_fails + 1)); }

og_done() {
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
og_init() {
  local out
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
