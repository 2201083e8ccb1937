#!/usr/bin/env bash
# nodes_bench.sh - `make bench`'s backends and nodes (issue 19): durable writes per second of
# `opsgate serve` on SQLite (a data folder), on PostgreSQL with one node, and on PostgreSQL with
# two nodes on the same database, in the same run, each on a fresh installation with
# BENCH_NODES_TENANTS (8) tenants:
#   artifact versions   PUT of a new version (one of 20 artifacts per tenant), wrk, closed loop,
#                       BENCH_NODES_CONNS (16) connections in all (split over the nodes), every
#                       request for the next tenant in turn; BENCH_NODES_SECONDS (10) s
#   gate requests       POST .../gates, an L1 platform.note: the action runs, a review opens
#   gate decisions      POST /api/v1/gates/{id}/ack of every review the requests opened, by the
#                       tenant's tenant-admin, curl --parallel with the same connections
#   audit appends       og_audit_append_durable (the group-commit writer for standalone
#                       records) from 8 threads, in one process per node (bench_audit --load),
#                       each thread its own chain
# Only 2xx answers count; anything else is reported as errors. PostgreSQL is a throw-away
# server (scripts/pg-test.sh: Unix socket, fsync on, synchronous_commit on, shared_buffers
# 32 MB). Prints the table, the ratios (2 nodes / 1 node, the issue's aim 2 nodes >= 1.6x one
# node for artifact versions; PostgreSQL / SQLite), and the machine's load.
# Usage: OPSGATE=build/opsgate [BENCH_NODES_SECONDS=10] [BENCH_NODES_CONNS=16]
#        [BENCH_NODES_TENANTS=8] [BENCH_NODES_SERVE_ARGS="--threads 4"] bash bench/nodes_bench.sh
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
SECS=${BENCH_NODES_SECONDS:-10}
CONNS=${BENCH_NODES_CONNS:-16}
NT=${BENCH_NODES_TENANTS:-8}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=$(cd "$(dirname "$OPSGATE")" && pwd)
for t in wrk jq curl; do
  command -v "$t" >/dev/null || { echo "| nodes | skipped: $t is not installed (scripts/test-deps.sh) |"; exit 0; }
done
[ -x "$BUILD/bench_audit" ] || { echo "| nodes | skipped: $BUILD/bench_audit is not built |"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-nodes.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  bash "$root/scripts/pg-test.sh" stop "$T/pg" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
die() { echo "nodes_bench: $*" >&2; exit 1; }

pgurl=""
if pgurl=$(bash "$root/scripts/pg-test.sh" start "$T/pg" 2>"$T/pg.err"); then :; else
  echo "| nodes | PostgreSQL part skipped: $(tail -1 "$T/pg.err") |"
  pgurl=""
fi
pg_db() { # NAME: a fresh database, prints its URL
  psql -qtAX -v ON_ERROR_STOP=1 "$pgurl" \
    -c "CREATE DATABASE $1 TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
    die "createdb $1"
  sed -E "s#^postgresql:///[^?]*#postgresql:///$1#" <<<"$pgurl"
}

# install DATA KEYS: init, NT tenants t0.. each with project p, project-manager pam, tenant-admin
# ada, platform.note at L1; sets PAMS and ADAS (comma-separated tokens, tenant order)
install() {
  local data=$1 keys=$2 i
  og() { "$OPSGATE" --data "$data" ${keys:+--keys "$keys"} "$@"; }
  og init >/dev/null 2>&1 || die "init $data"
  PAMS="" ADAS=""
  for i in $(seq 0 $((NT - 1))); do
    og tenant create "t$i" >/dev/null || die "tenant t$i"
    og user add --tenant "t$i" pam --role project-manager >/dev/null || die "user pam"
    og user add --tenant "t$i" ada --role tenant-admin >/dev/null || die "user ada"
    og --as pam project create --tenant "t$i" p "Bench" >/dev/null || die "project"
    og gate policy set platform.note L1 --tenant "t$i" >/dev/null || die "gate policy"
    PAMS+="${PAMS:+,}$(og token create --tenant "t$i" --user pam --json | jq -r .token)"
    ADAS+="${ADAS:+,}$(og token create --tenant "t$i" --user ada --json | jq -r .token)"
  done
}

# serve DATA KEYS NAME: start a node; its URL in SERVE_URL
serve() {
  local data=$1 keys=$2 name=$3 pf="$T/port.$3"
  # shellcheck disable=SC2086 # BENCH_NODES_SERVE_ARGS is a list of options
  "$OPSGATE" --data "$data" ${keys:+--keys "$keys"} serve --listen 127.0.0.1:0 --port-file "$pf" \
    --node "$name" --max-connections-per-ip 1024 ${BENCH_NODES_SERVE_ARGS:-} \
    >"$T/serve.$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    [ -s "$pf" ] && curl -fs "http://127.0.0.1:$(cat "$pf")/healthz" >/dev/null && break
    sleep 0.1
  done
  [ -s "$pf" ] || die "node $name did not start: $(tail -3 "$T/serve.$name.log")"
  SERVE_URL="http://127.0.0.1:$(cat "$pf")"
}
stop_nodes() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
}

# CPU time (clock ticks) of processes, of this run's PostgreSQL server (postmaster and
# backends), and the machine's busy and total ticks (/proc/stat)
ticks() { local p t s=0; for p in "$@"; do t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null); s=$((s + ${t:-0})); done; echo $s; }
pg_ticks() {
  [ "$PGRUN" = 1 ] || { echo 0; return; }
  local pm; pm=$(head -1 "$T/pg/data/postmaster.pid")
  # shellcheck disable=SC2046 # one pid a word
  ticks "$pm" $(pgrep -P "$pm")
}
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
PGRUN=0

# wrk_class CLASS URL...: CONNS connections split over the URLs; prints "ok/s errors p50 p99
# pg_ms node_ms busy%": CPU ms of PostgreSQL and of the nodes per 2xx answer, the machine's
# CPUs busy (everyone's) during the run
wrk_class() {
  local class=$1 k=0 u per pg0 nd0 pg1 nd1 b0 a0 b1 a1; shift
  per=$((CONNS / $#))
  pg0=$(pg_ticks); nd0=$(ticks "${pids[@]}"); read -r b0 a0 < <(cpu_ticks)
  for u in "$@"; do
    NODES_CLASS=$class NODES_TOKENS=$PAMS NODES_TAG=$k \
      wrk -t1 -c"$per" -d"${SECS}s" --timeout 20s -s "$here/nodes.lua" "$u" >"$T/wrk.$class.$k" 2>&1 &
    k=$((k + 1))
  done
  wait_jobs
  pg1=$(pg_ticks); nd1=$(ticks "${pids[@]}"); read -r b1 a1 < <(cpu_ticks)
  awk -v hz="$(getconf CLK_TCK)" -v pg=$((pg1 - pg0)) -v nd=$((nd1 - nd0)) -v busy=$((b1 - b0)) -v all=$((a1 - a0)) \
    '/^RESULT/ { n += $2; e += $3; if ($4 > d) d = $4; if ($5 > p50) p50 = $5; if ($6 > p99) p99 = $6 }
     END { ok = n - e; if (ok < 1) ok = 1
           printf "%.1f %d %.1f %.1f %.2f %.2f %.0f\n", (n - e) / (d / 1e6), e, p50, p99,
             pg * 1000 / hz / ok, nd * 1000 / hz / ok, (all > 0 ? busy * 100 / all : 0) }' "$T"/wrk."$class".*
}
wait_jobs() { local j; for j in $(jobs -rp); do case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" ;; esac; done; }

# acks URL...: acknowledge every open review, the tenants' items dealt over the URLs in turn;
# prints "ok/s errors count"
acks() {
  local i id tok k=0 n=0 t0 t1 u
  local -a urls=("$@") adas
  IFS=, read -r -a adas <<<"$ADAS"
  : >"$T/ack.cfg"
  for i in $(seq 0 $((NT - 1))); do
    tok=${adas[$i]}
    curl -fsS -H "Authorization: Bearer $tok" \
      "${urls[0]}/api/v1/tenants/t$i/gates?state=review&limit=1000" >"$T/reviews" || die "list reviews"
    for id in $(jq -r '.gates[].id' "$T/reviews"); do
      u=${urls[$((k % ${#urls[@]}))]}; k=$((k + 1))
      [ $n -gt 0 ] && echo next >>"$T/ack.cfg"
      printf 'url = "%s/api/v1/gates/%s/ack"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
        "$u" "$id" "$tok" >>"$T/ack.cfg"
      n=$((n + 1))
    done
  done
  [ $n -gt 0 ] || { echo "0 0 0"; return; }
  t0=$(date +%s.%N)
  curl -sS --parallel --parallel-max "$CONNS" --config "$T/ack.cfg" >"$T/ack.codes" 2>/dev/null
  t1=$(date +%s.%N)
  awk -v t0="$t0" -v t1="$t1" -v n="$n" '/^2/ { ok++ } END { printf "%.1f %d %d\n", ok / (t1 - t0), n - ok, n }' "$T/ack.codes"
}

# audit_load URL NODES: 8 threads in all, in NODES processes; prints appends/s
audit_load() {
  local url=$1 nodes=$2 k
  for k in $(seq 1 "$nodes"); do
    "$BUILD/bench_audit" --load "$url" $((8 / nodes)) "$SECS" "n$k" >"$T/audit.$k" 2>&1 &
  done
  wait_jobs
  awk 'NF == 2 { n += $1; if ($2 > d) d = $2 } END { printf "%.1f\n", n / d }' "$T"/audit.*
}

# run LABEL DATA KEYS AUDIT_URL NODES: one row
rows=()
run() {
  local label=$1 data=$2 keys=$3 aurl=$4 nodes=$5 k urls=() put req ack aud
  for k in $(seq 1 "$nodes"); do
    serve "$data" "$keys" "$label-$k"
    urls+=("$SERVE_URL")
  done
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer ${PAMS%%,*}" -H 'Content-Type: text/markdown' \
    --data-binary 'warm-up' "${urls[0]}/api/v1/projects/p/artifacts/warm.md" || die "warm-up on $label"
  put=$(wrk_class put "${urls[@]}")
  req=$(wrk_class request "${urls[@]}")
  ack=$(acks "${urls[@]}")
  stop_nodes
  aud=$(audit_load "$aurl" "$nodes")
  rows+=("$label|$nodes|$put|$req|$ack|$aud")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
psi0=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null)
t_start=$(date +%s)
install "$T/sqlite" ""
PGRUN=0
run sqlite "$T/sqlite" "" "$T/sqlite/opsgate.db" 1
if [ -n "$pgurl" ]; then
  PGRUN=1
  u1=$(pg_db bench1)
  install "$u1" "$T/keys1"
  run postgres "$u1" "$T/keys1" "$u1" 1
  u2=$(pg_db bench2)
  install "$u2" "$T/keys2"
  run postgres "$u2" "$T/keys2" "$u2" 2
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
psi1=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null)
psi_pct=$(awk -v a="${psi0:-0}" -v b="${psi1:-0}" -v s="$(( $(date +%s) - t_start ))" \
  'BEGIN { p = (b - a) / (s * 1e6) * 100; printf "%.0f", (p > 100 ? 100 : p) }')

echo "backends and nodes: $NT tenants, $CONNS connections in all, ${SECS} s per write class, durable commits"
echo "machine: $(nproc) CPUs shared by the database server, the nodes and the load clients (wrk, curl,"
echo "bench_audit); load average $load_before before, $load_after after; some task waited for a CPU"
echo "${psi_pct}% of the run (/proc/pressure/cpu). Figures are per second, 2xx answers only; serve options:"
echo "${BENCH_NODES_SERVE_ARGS:-none} (--threads defaults to the CPUs: $(nproc) requests at once per node)."
echo "CPU ms per version: the CPU time PostgreSQL (postmaster and backends) and the nodes spent during"
echo "the artifact run, per version written; CPUs busy: the whole machine's, everyone's work included."
echo
echo "| backend | nodes | artifact versions/s | gate requests (L1 note)/s | gate decisions (L1 ack)/s | durable audit appends/s | errors (put/request/ack) | p50/p99 ms (put) | CPU ms per version: database / nodes | CPUs busy (put) |"
echo "|---|---:|---:|---:|---:|---:|---|---|---|---:|"
declare -A V
for r in "${rows[@]}"; do
  IFS='|' read -r label nodes put req ack aud <<<"$r"
  read -r pr pe pp50 pp99 ppg pnd pbusy <<<"$put"
  read -r rr re _ _ _ _ _ <<<"$req"
  read -r ar ae an <<<"$ack"
  [ "$label" = sqlite ] && ppg="(in the node)"
  echo "| $label | $nodes | $pr | $rr | $ar (of $an) | $aud | $pe/$re/$ae | $pp50/$pp99 | $ppg / $pnd | $pbusy% |"
  V[$label.$nodes.put]=$pr V[$label.$nodes.req]=$rr V[$label.$nodes.ack]=$ar V[$label.$nodes.aud]=$aud
done
echo
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
if [ -n "$pgurl" ]; then
  r=$(ratio "${V[postgres.2.put]}" "${V[postgres.1.put]}")
  echo "| ratio | artifact versions | gate requests | gate decisions | audit appends | aim |"
  echo "|---|---:|---:|---:|---:|---|"
  echo "| PostgreSQL, 2 nodes / 1 node | $r | $(ratio "${V[postgres.2.req]}" "${V[postgres.1.req]}") |" \
    "$(ratio "${V[postgres.2.ack]}" "${V[postgres.1.ack]}") | $(ratio "${V[postgres.2.aud]}" "${V[postgres.1.aud]}") |" \
    "artifact versions >= 1.6: $(awk -v r="$r" 'BEGIN { print (r != "-" && r + 0 >= 1.6) ? "PASS" : "MISS" }') |"
  echo "| PostgreSQL 1 node / SQLite | $(ratio "${V[postgres.1.put]}" "${V[sqlite.1.put]}") |" \
    "$(ratio "${V[postgres.1.req]}" "${V[sqlite.1.req]}") | $(ratio "${V[postgres.1.ack]}" "${V[sqlite.1.ack]}") |" \
    "$(ratio "${V[postgres.1.aud]}" "${V[sqlite.1.aud]}") | |"
fi
exit 0
