#!/usr/bin/env bash
# acme_bench.sh OPSGATE [BENCH_BIN] - ACME issuance throughput of opsgate against lego and certbot
# (Debian packages) on the same Pebble (Debian `pebble`, started by tests/integration/acme/lib.sh)
# in the same run: 50 certificates one after the other, then 200 by 16 parallel processes, each
# certificate for its own name; then the server row: OG_BENCH_ACME_SRV (default the sequential
# count) of opsgate's plans made due and renewed by one running `opsgate serve` (renew-due, the
# renewer's function; see 1b below). Prints one markdown table (rates and each client's CPU
# seconds per certificate) and the aim lines, for the server row and for the CLI row: >= 8x lego's
# sequential rate and <= 1/3 of lego's client CPU per certificate.
#
# Pebble runs with PEBBLE_VA_NOSLEEP=1, PEBBLE_VA_ALWAYS_VALID=1 and PEBBLE_WFE_NONCEREJECT=0 for
# all three clients: 16 processes cannot all answer the VA on Pebble's one http-01 port, so the
# challenge is accepted without a connection to the client's responder (every client still starts
# one, on its own loopback port). Real validation is covered by tests/integration/test_acme*.sh.
# Timed: issuance only. Each client's ACME account exists beforehand (opsgate: `acme account
# create`; lego and certbot: one untimed warm-up certificate per --path / config dir).
# Environment: OG_BENCH_ACME_SEQ (50), OG_BENCH_ACME_PAR (200), OG_BENCH_ACME_CONC (16),
# OG_BENCH_ACME_BUDGET (60): seconds after which a run starts no more certificates (certbot, a
# Python process per certificate, can hit it; the table then says so and the rate is from the
# certificates issued until then). KEEP=1 keeps the work folder with every client's log.
# OG_BENCH_ACME_ONLY=server runs only what the server row needs and is compared with: opsgate's
# sequential CLI row (it issues the plans the server renews), the server row and lego's sequential
# row (no parallel rows, no certbot). OG_BENCH_ACME_PERF=FILE records the server during its
# renewals with `perf record -g` into FILE (the CPU figure then includes perf's overhead).
#
# CPU: each worker is a subshell that forks nothing but the client invocations (timeout + client;
# the budget check reads $EPOCHSECONDS), so the children's user+system seconds it reports with the
# `times` builtin are the client's own CPU (getrusage RUSAGE_CHILDREN). Pebble is started by
# acme_start, not by a worker, so its CPU is not counted. The table's "client CPU s/cert" is that
# sum over the workers of a run divided by the certificates issued; the machine's load average at
# each run's end is printed, since rates move with load and CPU seconds much less.
set -uo pipefail
OPSGATE=$1
here=$(cd "$(dirname "$0")" && pwd)
SEQ=${OG_BENCH_ACME_SEQ:-50}
PAR=${OG_BENCH_ACME_PAR:-200}
CONC=${OG_BENCH_ACME_CONC:-16}
BUDGET=${OG_BENCH_ACME_BUDGET:-60}
ONLY=${OG_BENCH_ACME_ONLY:-}
case "$ONLY" in ""|server) ;; *) echo "OG_BENCH_ACME_ONLY: only 'server' is known" >&2; exit 2 ;; esac
STEP_TIMEOUT=60          # seconds one client invocation may take
export OPSGATE

skip_table() {
  echo "| benchmark | result |"; echo "|---|---|"
  echo "| acme issuance | skipped: $1 |"
  exit 0
}

# the helpers of the ACME integration tests (not edited here): free_port, wait_port, acme_start...
. "$here/../tests/integration/acme/lib.sh"
why=$( (acme_need) 2>&1 >/dev/null ) || skip_table "$(tr '\n' ' ' <<<"$why" | sed 's/^SKIP: //; s/ *$//')"

# acme_start installs `trap acme_cleanup EXIT`: wrap acme_cleanup so that the workers started
# here are stopped first (by PID: each worker's children, then the worker).
eval "lib_acme_cleanup() $(declare -f acme_cleanup | tail -n +2)"
WORKERS=""
DONE=""
SRV_PID=""
acme_cleanup() {
  local p
  for p in $WORKERS; do
    pkill -TERM -P "$p" 2>/dev/null
    kill "$p" 2>/dev/null
  done
  for p in $WORKERS; do wait "$p" 2>/dev/null; done
  WORKERS=""
  [ -n "$SRV_PID" ] && { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; SRV_PID=""; }
  [ -z "$DONE" ] && { echo "| benchmark | result |"; echo "|---|---|";
                      echo "| acme issuance | aborted (Pebble did not start or the run was interrupted) |"; }
  lib_acme_cleanup
}
trap 'exit 130' INT TERM

export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0
startlog=$(mktemp)
acme_start 2>"$startlog"     # PEBBLE_VA_NOSLEEP=1 is set by acme_start itself
rm -f "$startlog"
B=$WORK/bench
mkdir -p "$B"
# listeners for the clients' http-01 responders: below the ephemeral range, one per worker
PBASE=$(bash "$here/../tests/integration/certs/ports.sh" $((CONC + 1))) || exit 1

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 1e-9; printf "%.2f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# ---- one certificate per client; NAME PORT DIR (DIR: lego --path / certbot dirs) ----
issue_opsgate() {
  timeout "$STEP_TIMEOUT" "$OPSGATE" cert issue --tenant bench --name "$1" --challenge http-01 \
    --http-listen "127.0.0.1:$2" --timeout 30s >/dev/null 2>>"$3.err"
}
issue_lego() {
  LEGO_CA_CERTIFICATES=$PEBBLE_CA timeout "$STEP_TIMEOUT" lego --path "$3" --server "$PEBBLE_DIR" \
    --email x@example.test --domains "$1" --http --http.port "127.0.0.1:$2" --accept-tos run \
    >>"$3.log" 2>&1
}
issue_certbot() {
  REQUESTS_CA_BUNDLE=$PEBBLE_CA timeout "$STEP_TIMEOUT" certbot certonly --standalone \
    --server "$PEBBLE_DIR" --non-interactive --agree-tos --no-eff-email -m x@example.test -d "$1" \
    --config-dir "$3/config" --work-dir "$3/work" --logs-dir "$3/logs" \
    --http-01-address 127.0.0.1 --http-01-port "$2" >>"$3.log" 2>&1
}

# worker CLIENT PREFIX FIRST COUNT PORT DIR OKFILE: issue COUNT certificates one after the other,
# starting none after the deadline (DEADLINE, epoch seconds)
# Run it in a subshell: OKFILE gets "issued failed cpu-seconds", the last being the user+system
# CPU of the subshell's children, i.e. of the client invocations only (see the header).
worker() {
  local c=$1 pre=$2 first=$3 n=$4 port=$5 dir=$6 okf=$7 i ok=0 bad=0
  for ((i = first; i < first + n; i++)); do
    [ "$EPOCHSECONDS" -ge "$DEADLINE" ] && break
    if "issue_$c" "$pre-$i.example.test" "$port" "$dir"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
  done
  times > "$okf.times"     # the builtin in this shell: a forked `times` would see no children
  echo "$ok $bad $(child_cpu < "$okf.times")" > "$okf"
}

# the second line of `times` (children: "0m1.250s 0m0.310s") as seconds user+system
child_cpu() {
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]);
       t += a[1] * 60 + a[2] } printf "%.3f", t }'
}

# warm_up CLIENT DIR PORT NAME: the untimed first certificate that registers the account
warm_up() { "issue_$1" "$4" "$3" "$2"; }

# sequential CLIENT PREFIX FIRST COUNT: one process, one certificate after the other;
# sets RES="issued failed seconds"
sequential() {
  local c=$1 pre=$2 first=$3 n=$4 t0 t1
  t0=$(now); DEADLINE=$(( EPOCHSECONDS + BUDGET ))
  (worker "$c" "$pre" "$first" "$n" "$PBASE" "$B/$c-seq" "$B/$c-seq.ok")
  t1=$(now)
  local o f cpu
  read -r o f cpu < "$B/$c-seq.ok" || { o=0; f=0; cpu=0; }
  RES="$o $f $(secs "$t0" "$t1") $cpu"
}

# parallel CLIENT PREFIX COUNT: CONC processes, each its share of COUNT; sets RES as sequential
parallel() {
  local c=$1 pre=$2 n=$3 w share first=0 t0 t1 ok=0 bad=0 o f cpu tcpu=0
  t0=$(now); DEADLINE=$(( EPOCHSECONDS + BUDGET ))
  WORKERS=""
  for ((w = 0; w < CONC; w++)); do
    share=$(( n / CONC + (w < n % CONC ? 1 : 0) ))
    worker "$c" "$pre" "$first" "$share" $((PBASE + 1 + w)) "$B/$c-par$w" "$B/$c-par$w.ok" &
    WORKERS="$WORKERS $!"
    first=$((first + share))
  done
  for w in $WORKERS; do wait "$w"; done
  WORKERS=""
  t1=$(now)
  for ((w = 0; w < CONC; w++)); do
    read -r o f cpu < "$B/$c-par$w.ok" || { o=0; f=0; cpu=0; }
    ok=$((ok + o)); bad=$((bad + f))
    tcpu=$(awk -v a="$tcpu" -v b="${cpu:-0}" 'BEGIN { printf "%.3f", a + b }')
  done
  RES="$ok $bad $(secs "$t0" "$t1") $tcpu"
}

# warm up CONC+1 directories of a peer in parallel (sequential dir + one per worker)
warm_peer() {
  local c=$1 w pids="" bad=0
  warm_up "$c" "$B/$c-seq" "$PBASE" "$c-warm-seq.example.test" || bad=1
  [ -n "$ONLY" ] && return $bad     # no parallel run: its directories are not needed
  for ((w = 0; w < CONC; w++)); do
    warm_up "$c" "$B/$c-par$w" $((PBASE + 1 + w)) "$c-warm-$w.example.test" &
    pids="$pids $!"
  done
  WORKERS=$pids
  for w in $pids; do wait "$w" || bad=1; done
  WORKERS=""
  return $bad
}

first_error() {  # CLIENT: the first error line of its logs, for the table
  cat "$B/$1"-*.err "$B/$1"-*.log 2>/dev/null | grep -m1 -i 'error\|fail\|could not' | head -c 160 | tr '|\n' '  '
}
declare -A R_OK R_S R_RATE R_NOTE R_N R_CPU R_LOAD
loadavg() { cut -d' ' -f1 /proc/loadavg; }
record() {  # CLIENT MODE REQUESTED "issued failed seconds cpu-seconds"
  local k="$1/$2" ok fails s cpu
  read -r ok fails s cpu <<<"$4"
  R_N[$k]=$3; R_OK[$k]=$ok; R_S[$k]=$s; R_RATE[$k]=$(rate "$ok" "$s"); R_NOTE[$k]=""
  R_CPU[$k]=$(awk -v c="${cpu:-0}" -v n="$ok" 'BEGIN { if (n > 0) printf "%.4f", c / n; else print "-" }')
  R_LOAD[$k]=$(loadavg)
  [ "$fails" -gt 0 ] && R_NOTE[$k]="$fails failed: $(first_error "$1")"
  if [ $((ok + fails)) -lt "$3" ]; then
    R_NOTE[$k]="${R_NOTE[$k]:+${R_NOTE[$k]}; }stopped at the ${BUDGET}s budget after $((ok + fails)) of $3: certs/s extrapolated from those"
  fi
}
unavailable_one() {  # CLIENT MODE why
  R_N[$1/$2]=-; R_OK[$1/$2]=-; R_S[$1/$2]=-; R_RATE[$1/$2]=-; R_NOTE[$1/$2]=$3
  R_CPU[$1/$2]=-; R_LOAD[$1/$2]=-
}
unavailable() {  # CLIENT why
  local m
  for m in sequential parallel; do
    R_N[$1/$m]=-; R_OK[$1/$m]=-; R_S[$1/$m]=-; R_RATE[$1/$m]=-; R_NOTE[$1/$m]=$2
    R_CPU[$1/$m]=-; R_LOAD[$1/$m]=-
  done
}

# ---- 1) opsgate: one tenant, one account ----
"$OPSGATE" tenant create bench >/dev/null
if "$OPSGATE" acme account create --tenant bench --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" \
     --email x@example.test >/dev/null 2>"$B/opsgate-account.err"; then
  sequential opsgate o-seq 0 "$SEQ"; record opsgate sequential "$SEQ" "$RES"
  [ -z "$ONLY" ] && { parallel opsgate o-par "$PAR"; record opsgate parallel "$PAR" "$RES"; }
else
  unavailable opsgate "account create failed: $(head -c 200 "$B/opsgate-account.err" | tr '\n|' '  ')"
fi

# ---- 1b) opsgate server: renewals. SRV plans of the runs above are made due (SQL behind
# opsgate's back, as tests/integration/test_acme_ari.sh does), one `opsgate serve` is started,
# and POST /api/v1/tenants/bench/acme/renew-due runs og_acme_renew_due() in that process: the
# same function the server's renewer runs every minute, each plan through the certs.renew gate
# (L1: order, record, audit, certs.renewed event). Client CPU = the server's utime+stime
# (/proc/PID/stat, all its threads) from just before the request to just after its answer. ----
proc_cpu() {  # PID: user+system seconds of the process so far (fields 14 and 15 after "(comm)")
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  awk -v t="$(getconf CLK_TCK)" '{ printf "%.3f", ($12 + $13) / t }' <<<"${st##*) }"
}
server_renewals() {  # N: sets RES as sequential does
  local n=$1 tok url="" i cpu0 cpu1 t0 t1 out ok bad
  RES="0 0 0 0"
  "$OPSGATE" user add --tenant bench bench-renewer --role tenant-admin >/dev/null 2>"$B/srv.err" &&
    tok=$("$OPSGATE" token create --tenant bench --user bench-renewer 2>>"$B/srv.err") ||
    { SRV_NOTE="setup failed: $(head -c 160 "$B/srv.err" | tr '\n|' '  ')"; return 1; }
  sqlite3 -batch "$OPSGATE_DATA/opsgate.db" "UPDATE acme_plans SET renew_at_us = 0 WHERE id IN
    (SELECT id FROM acme_plans ORDER BY renew_at_us, id LIMIT $n)" 2>>"$B/srv.err" ||
    { SRV_NOTE="making plans due failed: $(head -c 160 "$B/srv.err" | tr '\n|' '  ')"; return 1; }
  rm -f "$B/srv.port"
  "$OPSGATE" serve --listen 127.0.0.1:0 --port-file "$B/srv.port" >"$B/server.log" 2>&1 &
  SRV_PID=$!
  for ((i = 0; i < 100; i++)); do
    [ -s "$B/srv.port" ] && url="http://127.0.0.1:$(cat "$B/srv.port")" &&
      curl -fsS --max-time 2 "$url/healthz" >/dev/null 2>&1 && break
    url=""
    sleep 0.1
  done
  [ -n "$url" ] || { SRV_NOTE="opsgate serve did not start: $(tail -c 160 "$B/server.log" | tr '\n|' '  ')"; return 1; }
  sleep 1      # let the start settle (its first scheduled jobs run a minute later)
  local perf_pid=""
  if [ -n "${OG_BENCH_ACME_PERF:-}" ]; then
    perf record -q -g -p "$SRV_PID" -o "$OG_BENCH_ACME_PERF" 2>"$B/perf.err" &
    perf_pid=$!
    sleep 0.5
  fi
  cpu0=$(proc_cpu "$SRV_PID"); t0=$(now)
  out=$(curl -sS --max-time 900 -X POST -H "Authorization: Bearer $tok" \
          "$url/api/v1/tenants/bench/acme/renew-due" 2>&1)
  t1=$(now); cpu1=$(proc_cpu "$SRV_PID")
  [ -n "$perf_pid" ] && { kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null; }
  kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; SRV_PID=""
  ok=$(jq -r '.renewed // empty' <<<"$out" 2>/dev/null); bad=$(jq -r '.failed // empty' <<<"$out" 2>/dev/null)
  [ -n "$ok" ] && [ -n "$bad" ] || { SRV_NOTE="renew-due answered: $(head -c 160 <<<"$out" | tr '\n|' '  ')"; return 1; }
  [ "$bad" -gt 0 ] && SRV_NOTE="$bad failed: $(grep -m1 -i 'error\|fail' "$B/server.log" | head -c 160 | tr '|\n' '  ')"
  RES="$ok $bad $(secs "$t0" "$t1") $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.3f", b - a }')"
}
SRV=${OG_BENCH_ACME_SRV:-$SEQ}
SRV_NOTE=""
if [ "${R_OK[opsgate/sequential]:-0}" = - ] || ! command -v sqlite3 >/dev/null; then
  unavailable_one opsgate server "${R_NOTE[opsgate/sequential]:-sqlite3 is not installed}"
elif server_renewals "$SRV"; then
  record opsgate server "$SRV" "$RES"
  [ -n "$SRV_NOTE" ] && R_NOTE[opsgate/server]=$SRV_NOTE
else
  unavailable_one opsgate server "$SRV_NOTE"
fi

# ---- 2) lego ----
if ! command -v lego >/dev/null; then
  unavailable lego "not installed (scripts/deps.sh test)"
elif ! warm_peer lego; then
  unavailable lego "warm-up issuance failed: $(first_error lego)"
else
  sequential lego l-seq 0 "$SEQ"; record lego sequential "$SEQ" "$RES"
  [ -z "$ONLY" ] && { parallel lego l-par "$PAR"; record lego parallel "$PAR" "$RES"; }
fi

# ---- 3) certbot ----
if [ -n "$ONLY" ]; then
  :
elif ! command -v certbot >/dev/null; then
  unavailable certbot "not installed (scripts/deps.sh test)"
elif ! warm_peer certbot; then
  unavailable certbot "warm-up issuance failed: $(first_error certbot)"
else
  sequential certbot c-seq 0 "$SEQ"; record certbot sequential "$SEQ" "$RES"
  parallel certbot c-par "$PAR"; record certbot parallel "$PAR" "$RES"
fi

# ---- process start: CPU of `CMD --version` per run (no ACME work), as the floor of the per-
# certificate figure; opsgate's is mostly the dynamic loader mapping and relocating its libraries
start_cpu() {  # CMD...: CPU seconds per run of CMD --version, over 20 runs
  (for ((i = 0; i < 20; i++)); do "$@" --version >/dev/null 2>&1; done
   times > "$B/start.times")
  awk -v c="$(child_cpu < "$B/start.times")" 'BEGIN { printf "%.4f", c / 20 }'
}
START_OG=$(start_cpu "$OPSGATE")
NLIBS_OG=$(ldd "$OPSGATE" 2>/dev/null | grep -c '=>')
START_LEGO=-
command -v lego >/dev/null && START_LEGO=$(start_cpu lego)

# ---- table ----
DONE=1
cpus=$(nproc 2>/dev/null || echo "?")
echo "| client | mode | certificates | seconds | certs/s | opsgate/peer | client CPU s/cert | peer/opsgate CPU | load | note |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for c in opsgate lego certbot; do
  for m in sequential parallel server; do
    k="$c/$m"
    [ -n "${R_N[$k]:-}" ] || continue
    mode=$m; [ "$m" = parallel ] && mode="$CONC parallel processes"
    [ "$m" = sequential ] && [ "$c" = opsgate ] && mode="CLI, sequential (a process per certificate)"
    [ "$m" = parallel ] && [ "$c" = opsgate ] && mode="CLI, $CONC parallel processes"
    [ "$m" = server ] && mode="server: renewals (one \`opsgate serve\`, sequential)"
    cnt=${R_OK[$k]}; [ "${R_N[$k]}" != - ] && [ "${R_OK[$k]}" != "${R_N[$k]}" ] && cnt="${R_OK[$k]}/${R_N[$k]}"
    r="-"; [ "$c" != opsgate ] && r=$(ratio "${R_RATE[opsgate/$m]}" "${R_RATE[$k]}")
    rc="-"; [ "$c" != opsgate ] && rc=$(ratio "${R_CPU[$k]}" "${R_CPU[opsgate/$m]}")
    # the server row against lego's sequential run (one certificate after the other, too)
    [ "$m" = server ] && r="$(ratio "${R_RATE[$k]}" "${R_RATE[lego/sequential]}") (vs lego seq)" &&
      rc="$(ratio "${R_CPU[lego/sequential]}" "${R_CPU[$k]}") (lego seq)"
    echo "| $c | $mode | $cnt | ${R_S[$k]} | ${R_RATE[$k]} | $r | ${R_CPU[$k]} | $rc | ${R_LOAD[$k]} | ${R_NOTE[$k]} |"
  done
done
echo
echo "Pebble $(dpkg-query -W -f='${Version}' pebble 2>/dev/null) on 127.0.0.1 with PEBBLE_VA_NOSLEEP=1, PEBBLE_VA_ALWAYS_VALID=1 (challenges accepted without a connection, for all three clients alike; real validation: tests/integration/test_acme.sh), PEBBLE_WFE_NONCEREJECT=0; lego $(dpkg-query -W -f='${Version}' lego 2>/dev/null || echo -), certbot $(dpkg-query -W -f='${Version}' certbot 2>/dev/null || echo -); ECDSA P-256 keys (every client's default); accounts registered before timing; $cpus CPUs; client CPU = user+system seconds of the client processes (timeout + client), Pebble excluded; load = 1-minute load average at the end of the run."
echo "Process start alone (\`--version\`, CPU s per run): opsgate $START_OG ($NLIBS_OG shared libraries), lego $START_LEGO."
# aim LABEL VALUE OP LIMIT: one aim line, PASS/FAIL, or "not measured" when VALUE is "-"
aim() {
  if [ "$2" = - ]; then
    echo "Aim: $1: not measured (a run it compares did not run)."
  elif awk -v a="$2" -v b="$4" "BEGIN { exit !(a $3 b) }"; then
    echo "Aim: $1: PASS ($2)."
  else
    echo "Aim: $1: FAIL ($2)."
  fi
}
# each opsgate row that issues one certificate after the other, against lego's sequential run:
# the server's renewals (the product's path) and the CLI (a process per certificate)
aim "opsgate server renewals >= 8x lego's sequential rate" \
  "$(ratio "${R_RATE[opsgate/server]}" "${R_RATE[lego/sequential]}")" ">=" 8
# client CPU per certificate <= 1/3 of lego's: lego's CPU over opsgate's >= 3
aim "opsgate server renewals: client CPU per certificate <= 1/3 of lego's (lego/opsgate CPU >= 3)" \
  "$(ratio "${R_CPU[lego/sequential]}" "${R_CPU[opsgate/server]}")" ">=" 3
aim "opsgate CLI >= 8x lego sequentially" \
  "$(ratio "${R_RATE[opsgate/sequential]}" "${R_RATE[lego/sequential]}")" ">=" 8
aim "opsgate CLI: client CPU per certificate <= 1/3 of lego's, sequentially (lego/opsgate CPU >= 3)" \
  "$(ratio "${R_CPU[lego/sequential]}" "${R_CPU[opsgate/sequential]}")" ">=" 3
