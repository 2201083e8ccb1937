# connector_lib.sh - what the connector tests (test_connector_*.sh) share; source it after
# lib.sh. Where the sources, the vendors' documents, the driver and Prism are; skips (exit 77)
# when one is missing; background processes (simulators, Prism) stopped at exit; free ports;
# waiting for a port file or an HTTP port; a fronted simulator (API + front) and Prism's mock and
# proxy started; Prism's violation lines; the check/has/sect helpers of the tests' outcomes; the
# fault checks every fronted adaptor meets the same way (slow server, endless pages, wrong
# credentials, huge/malformed/redirected answers) and the end-to-end part's start.

CONN_SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CONN_SHARED=${OG_SHARED_DIR:-$CONN_SRC/../shared}
CONN_DRV=${OG_BUILD_DIR:-$CONN_SRC/build}/og_conn_driver
CONN_PRISM=$CONN_SRC/tools/node/node_modules/.bin/prism
CONN_START_S=$(date +%s)

# ---- skips ----
conn_need_tools() { # TOOL...
  local need
  for need in "$@"; do
    command -v "$need" >/dev/null 2>&1 || { echo "SKIP: $need is not installed" >&2; exit 77; }
  done
}
conn_need_driver() {
  [ -x "$CONN_DRV" ] || { echo "SKIP: $CONN_DRV is not built" >&2; exit 77; }
}
conn_need_spec() { # VENDOR FILE WHO: ../shared/spec/connectors/VENDOR/FILE
  [ -f "$CONN_SHARED/spec/connectors/$1/$2" ] ||
    { echo "SKIP: $3's API description is missing ($CONN_SHARED/spec/connectors/$1)" >&2; exit 77; }
}
conn_need_prism() {
  [ -x "$CONN_PRISM" ] || { echo "SKIP: Prism is not installed (scripts/test-deps.sh)" >&2; exit 77; }
}
# everything a test of a fronted simulator behind Prism needs: python3, node, the driver, the
# vendor's document, Prism
conn_need() { # VENDOR FILE WHO
  conn_need_tools python3 node
  conn_need_driver
  conn_need_spec "$@"
  conn_need_prism
}

# ---- background processes ----
CONN_PIDS=""
conn_cleanup() {
  local p
  for p in $CONN_PIDS; do kill "$p" 2>/dev/null; done
  for p in $CONN_PIDS; do wait "$p" 2>/dev/null; done
  og_cleanup
}
trap conn_cleanup EXIT
conn_bg() { # COMMAND...: run in the background (redirect the call), stopped at exit; pid in $!
  "$@" &
  CONN_PIDS="$CONN_PIDS $!"
}

# ---- ports ----
free_port() {
  python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
'
}
wait_file() { for _ in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_http() { # PORT SECONDS
  for _ in $(seq 1 $(($2 * 4))); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.25
  done
  return 1
}

# ---- simulators and Prism ----
# conn_sim VENDOR NAME UPSTREAM_PORT [SIM OPTIONS...]: start tests/connectors/sim_VENDOR.py (an
# API and a front passing to Prism on UPSTREAM_PORT); sets NAME_API and NAME_FRONT (ports)
conn_sim() {
  local vendor=$1 name=$2 upstream=$3 api front
  shift 3
  conn_bg python3 "$CONN_SRC/tests/connectors/sim_$vendor.py" --upstream "http://127.0.0.1:$upstream" \
    --port-file "$OG_TMP/$name.ports" "$@" >"$OG_TMP/$name.log" 2>&1
  wait_file "$OG_TMP/$name.ports" ||
    { echo "FAIL: simulator $name did not start" >&2; cat "$OG_TMP/$name.log" >&2; exit 1; }
  read -r api front <"$OG_TMP/$name.ports"
  eval "${name}_API=$api ${name}_FRONT=$front"
}
# conn_prism mock|proxy VENDOR PORT [UPSTREAM_URL]: Prism from the vendor's document (a proxy
# with --errors), its log in $OG_TMP/mock.log or proxy.log; fails the test when it does not start
conn_prism() {
  local mode=$1 vendor=$2 port=$3
  if [ "$mode" = mock ]; then
    conn_bg "$CONN_SRC/scripts/connector-mock.sh" mock "$vendor" "$port" >"$OG_TMP/mock.log" 2>&1
  else
    conn_bg "$CONN_SRC/scripts/connector-mock.sh" proxy "$vendor" "$port" "$4" --errors \
      >"$OG_TMP/proxy.log" 2>&1
  fi
}
# conn_prism_wait PORT MODE: 0 once Prism's own log says it listens on PORT (a port answering is
# not enough: it may be another test's server), 1 when the port was taken (EADDRINUSE); fails the
# test when Prism neither starts nor fails within 200 s
conn_prism_wait() {
  local log="$OG_TMP/$2.log"
  for _ in $(seq 1 800); do
    grep -q "Prism is listening on http://127.0.0.1:$1" "$log" 2>/dev/null && return 0
    grep -q "EADDRINUSE" "$log" 2>/dev/null && return 1
    sleep 0.25
  done
  echo "FAIL: Prism $2 did not start" >&2
  tail "$log" >&2
  exit 1
}
# conn_pair VENDOR [SIM OPTIONS...]: simulator M in front of a Prism mock of the vendor's document
# and simulator P in front of a Prism proxy (--errors) of its own API, both Prisms up; sets
# MOCK_PORT, PROXY_PORT, M_API, M_FRONT, P_API, P_FRONT. free_port cannot reserve a port until
# Prism binds it (seconds later): when another process took one meanwhile, everything this call
# started is stopped and started again on new ports (three tries). With CONN_SIM set, the
# simulators are started by that function instead (called as CONN_SIM NAME UPSTREAM_PORT).
conn_pair() {
  local vendor=$1 try before p up
  shift
  for try in 1 2 3; do
    before=$CONN_PIDS
    MOCK_PORT=$(free_port)
    PROXY_PORT=$(free_port)
    if [ -n "${CONN_SIM:-}" ]; then
      "$CONN_SIM" M "$MOCK_PORT"
      "$CONN_SIM" P "$PROXY_PORT"
    else
      conn_sim "$vendor" M "$MOCK_PORT" "$@"
      conn_sim "$vendor" P "$PROXY_PORT" "$@"
    fi
    conn_prism mock "$vendor" "$MOCK_PORT"
    conn_prism proxy "$vendor" "$PROXY_PORT" "http://127.0.0.1:$P_API"
    up=1
    conn_prism_wait "$MOCK_PORT" mock || up=0
    conn_prism_wait "$PROXY_PORT" proxy || up=0
    if [ "$up" = 1 ]; then
      echo "Prism up after $(($(date +%s) - CONN_START_S))s"
      return 0
    fi
    echo "a port was taken before Prism bound it (try $try): starting again" >&2
    for p in ${CONN_PIDS#"$before"}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    CONN_PIDS=$before
    rm -f "$OG_TMP/M.ports" "$OG_TMP/P.ports"
  done
  echo "FAIL: Prism found no free port in three tries" >&2
  exit 1
}
# Prism's log lines of a request it refused (REQ_RE: the API's requests, e.g. "get /v2")
prism_rejects() { # LOG REQ_RE
  grep -E "Violation: request|UNPROCESSABLE_ENTITY|\[HTTP SERVER\] $2.*(✖|error)" "$1"
}
# the proxy's log lines of an answer of the simulator that violates the document (a status the
# document does not list is no violation of the simulator's shapes)
prism_answer_violations() { # LOG
  grep "Violation: response" "$1" | grep -v "Unable to match the returned status code"
}

# ---- the driver and the simulator's admin ----
n=0
# run BASE OPTS OP ARGS...: og_conn_driver for $CONN_KIND with $OG_TMP/creds.json; sets out
# (stdout file), err (stderr file), rc, reqs, pages
run() {
  n=$((n + 1))
  local base=$1 opts=$2
  shift 2
  out="$OG_TMP/out.$n" err="$OG_TMP/err.$n"
  "$CONN_DRV" "$CONN_KIND" "$base" "$OG_TMP/creds.json" "$opts" "$@" >"$out" 2>"$err"
  rc=$?
  reqs=$(tail -n 1 "$err" | jq -r '.requests // empty' 2>/dev/null)
  pages=$(tail -n 1 "$err" | jq -r '.pages // empty' 2>/dev/null)
}
# conn_og ARGS...: opsgate on the data folder $D (stdin passed on); sets out, err (files), rc
conn_og() {
  n=$((n + 1))
  out="$OG_TMP/out.$n" err="$OG_TMP/err.$n"
  "$OPSGATE" --data "$D" "$@" >"$out" 2>"$err"
  rc=$?
}
# simpost NAME [JSON]: POST to the simulator's admin endpoint $SIM/_sim/NAME, its answer printed
simpost() { curl -s -X POST "$SIM/_sim/$1" -d "${2:-{\}}"; }

# ---- outcomes ----
check() { # RESULT WHAT: ok when RESULT is 0, else bad naming WHAT with the last rc and stderr
  if [ "$1" = 0 ]; then ok; else bad "$2 (rc=$rc: $(head -c 600 "$err"))"; fi
}
has() { grep -q -- "$2" "$1"; }
sect() { echo "[$(($(date +%s) - CONN_START_S))s] $*"; }

# ---- faults every fronted adaptor meets the same way ----
# The checks below drive the adaptor at $PB (the simulator's front behind the Prism proxy) with
# $OG_TMP/opts.json and its creds.json, through run; each ends with the simulator's faults cleared.

# conn_check_slow OP PATH: a server slower than timeout_s (1 s) times out within 3 s, naming the
# request GET PATH of operation OP.
conn_check_slow() {
  local t0 t1
  simpost fault '{"kind": "slow", "seconds": 4}' >/dev/null
  echo '{"timeout_s": 1, "max_attempts": 1}' >"$OG_TMP/opts_slow.json"
  t0=$(date +%s)
  run "$PB" "$OG_TMP/opts_slow.json" "$1"
  t1=$(date +%s)
  simpost clear >/dev/null
  check "$([ "$rc" = 1 ] && has "$err" "GET $2" && [ $((t1 - t0)) -le 3 ] && echo 0 || echo 1)" "a slow server times out"
}

# conn_check_pages OPTS OP WHAT [FAULT_FIELDS]: a page that repeats the previous one (WHAT names
# it) and pages that never end (max_pages 5 of 10) are both refused; FAULT_FIELDS (", \"count\":
# 1") are added to both faults.
conn_check_pages() {
  local opts=$1 op=$2 what=$3 extra=${4:-}
  simpost fault "{\"kind\": \"loop\"$extra}" >/dev/null
  run "$PB" "$opts" "$op"
  simpost clear >/dev/null
  check "$([ "$rc" = 1 ] && has "$err" "repeats the previous page" && echo 0 || echo 1)" "$what"
  echo '{"max_pages": 5, "page_size": 10}' >"$OG_TMP/opts_pages.json"
  simpost fault "{\"kind\": \"endless\"$extra}" >/dev/null
  run "$PB" "$OG_TMP/opts_pages.json" "$op"
  simpost clear >/dev/null
  check "$([ "$rc" = 1 ] && has "$err" "more than 5 pages" && [ "$pages" = 6 ] && echo 0 || echo 1)" "endless pages stop at max_pages"
}

# conn_check_wrong_creds FIELD MESSAGE: creds.json with FIELD set to a wrong secret is refused as
# unauthorized, the connector driver named and the vendor's MESSAGE quoted, the secret not shown.
conn_check_wrong_creds() {
  jq --arg f "$1" '.[$f] = "wrong-secret"' "$OG_TMP/creds.json" >"$OG_TMP/bad.json"
  n=$((n + 1)); out="$OG_TMP/out.$n" err="$OG_TMP/err.$n"
  "$CONN_DRV" "$CONN_KIND" "$PB" "$OG_TMP/bad.json" "$OG_TMP/opts.json" test >"$out" 2>"$err"
  rc=$?
  check "$([ "$rc" = 1 ] && has "$err" "connector driver ($CONN_KIND)" && has "$err" "$2" && has "$err" "(unauthorized)" && ! has "$err" "wrong-secret" && echo 0 || echo 1)" "wrong credentials"
}

# conn_check_direct OP PATH: faults Prism's proxy would rewrite, from the simulator straight to the
# adaptor (/_sim/front direct, off again after): for operation OP (request GET PATH) a 20 MB
# answer, malformed JSON and a redirect to another host are refused and nothing is yielded.
conn_check_direct() {
  local op=$1 path=$2
  simpost front '{"direct": true}' >/dev/null
  simpost fault '{"kind": "huge", "mb": 20}' >/dev/null
  run "$PB" "$OG_TMP/opts.json" "$op"
  check "$([ "$rc" = 1 ] && has "$err" "connector driver ($CONN_KIND): GET $path: the answer is over" && has "$err" "(too_large)" && [ ! -s "$out" ] && echo 0 || echo 1)" "a 20 MB answer"
  simpost fault '{"kind": "malformed"}' >/dev/null
  run "$PB" "$OG_TMP/opts.json" "$op"
  check "$([ "$rc" = 1 ] && has "$err" "GET $path: the answer is not JSON" && [ ! -s "$out" ] && echo 0 || echo 1)" "malformed JSON"
  simpost fault '{"kind": "redirect"}' >/dev/null
  run "$PB" "$OG_TMP/opts.json" "$op"
  check "$([ "$rc" = 1 ] && has "$err" "a redirect to http://elsewhere.example:8080" && has "$err" "not followed" && [ ! -s "$out" ] && echo 0 || echo 1)" "redirect to another host"
  simpost front '{"direct": false}' >/dev/null
}

# conn_e2e_start NAME ACCOUNT: the end-to-end part's start: an installation in D=$OG_TMP/data (og
# the CLI on it) with tenant acme and loopback egress allowed; the registry adds connector NAME of
# kind $CONN_KIND to acme (credentials from stdin), and its test names ACCOUNT.
conn_e2e_start() {
  D="$OG_TMP/data"
  og() { "$OPSGATE" --data "$D" "$@"; }
  og init >/dev/null 2>&1 && og tenant create acme >/dev/null && og notify egress allow 127.0.0.0/8 >/dev/null ||
    bad "e2e: init, tenant, egress"
  conn_og connector add "$1" --tenant acme --kind "$CONN_KIND" --base-url "$PB" --credentials-file - \
    <"$OG_TMP/creds.json"
  check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "e2e: connector add"
  conn_og connector test "$1" --tenant acme --json
  check "$([ "$rc" = 0 ] && [ "$(jq -r '.ok' "$out")" = true ] && [ "$(jq -r '.account' "$out")" = "$2" ] && echo 0 || echo 1)" "e2e: connector test"
}
