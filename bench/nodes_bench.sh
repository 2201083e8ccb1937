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
# Capped nodes: two more PostgreSQL rows (1 node, 2 nodes; artifact versions only) where every
# node runs under a CPU cap of its own, BENCH_NODE_CPU (0.25) CPUs each (a cgroup per node: v1
# cpu.cfs_quota_us / cpu.cfs_period_us, or v2 cpu.max), as if each node had its own small
# machine: the nodes are then the bound and the database and the load client have CPU left, so
# their 2 / 1 ratio says whether the nodes scale out. Each capped row gives the share of the
# cgroup's periods in which its nodes were throttled. Without a writable cpu controller the rows
# say "skipped" and why. BENCH_NODES_SHARES=N (unset: no change) puts the whole benchmark (the
# database, the nodes, the load clients) in a cgroup of cpu.shares N (v1) / cpu.weight N (v2), for
# a run on a machine others use (1024 is one ordinary process's weight).
# BENCH_NODES_ROWS picks the rows: any of sqlite, postgres, capped (default: all three).
# Usage: OPSGATE=build/opsgate [BENCH_NODES_SECONDS=10] [BENCH_NODES_CONNS=16]
#        [BENCH_NODES_TENANTS=8] [BENCH_NODES_SERVE_ARGS="--threads 4"] [BENCH_NODE_CPU=0.25]
#        [BENCH_NODES_ROWS="sqlite postgres capped"] [BENCH_NODES_SHARES=8192]
#        bash bench/nodes_bench.sh
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
SECS=${BENCH_NODES_SECONDS:-10}
CONNS=${BENCH_NODES_CONNS:-16}
NT=${BENCH_NODES_TENANTS:-8}
NODE_CPU=${BENCH_NODE_CPU:-0.25}
ROWS=" ${BENCH_NODES_ROWS:-sqlite postgres capped} "
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
  cg_remove
  rm -rf "$T"
}
trap cleanup EXIT
die() { echo "nodes_bench: $*" >&2; exit 1; }

# CPU caps. CG is this run's cgroup (the nodes' groups are CG/n1, CG/n2, ...), CG_V its version
# (1 or 2); CG_WHY says why there is none. Only what this script made is removed.
CG="" CG_V="" CG_WHY="" CG_PERIOD=100000 CG_QUOTA=0
cg_setup() {
  local v1=/sys/fs/cgroup/cpu mnt rel
  CG_QUOTA=$(awk -v c="$NODE_CPU" -v p=$CG_PERIOD 'BEGIN { q = int(c * p); print (c ~ /^[0-9]*\.?[0-9]+$/ && q >= 1000) ? q : 0 }')
  [ "$CG_QUOTA" -gt 0 ] || { CG_WHY="BENCH_NODE_CPU=$NODE_CPU is not a CPU count of at least 0.01"; return 1; }
  if [ -f "$v1/cpu.cfs_quota_us" ]; then
    rel=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)
    CG_HOME=$v1${rel%/}
    if mkdir "$CG_HOME/opsgate-bench.$$" 2>/dev/null; then
      CG=$CG_HOME/opsgate-bench.$$ CG_V=1
      return 0
    fi
    CG_WHY="cgroup v1 cpu controller at $v1 is not writable (run as root)"
  fi
  mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
  if [ -n "$mnt" ]; then
    rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
    # a new group beside ours: ours holds processes, so it cannot hand controllers down
    local parent=$mnt${rel%/*}
    [ "$rel" = / ] && parent=$mnt
    if ! grep -qw cpu "$parent/cgroup.controllers" 2>/dev/null; then
      CG_WHY="${CG_WHY:+$CG_WHY; }cgroup v2 at $mnt has no cpu controller for $parent"
    elif ! grep -qw cpu "$parent/cgroup.subtree_control" 2>/dev/null &&
      ! echo +cpu >"$parent/cgroup.subtree_control" 2>/dev/null; then
      CG_WHY="${CG_WHY:+$CG_WHY; }cannot enable the cpu controller in $parent (cgroup v2)"
    elif ! mkdir "$parent/opsgate-bench.$$" 2>/dev/null ||
      ! echo +cpu >"$parent/opsgate-bench.$$/cgroup.subtree_control" 2>/dev/null; then
      rmdir "$parent/opsgate-bench.$$" 2>/dev/null
      CG_WHY="${CG_WHY:+$CG_WHY; }cannot make a cgroup with the cpu controller in $parent (cgroup v2)"
    else
      CG=$parent/opsgate-bench.$$ CG_V=2 CG_HOME=$mnt${rel%/}
      return 0
    fi
  fi
  [ -n "$CG_WHY" ] || CG_WHY="no cgroup cpu controller is mounted"
  return 1
}
# cg_node NAME: a capped group for a node; prints its path
cg_node() {
  local g=$CG/$1
  mkdir -p "$g" || return 1
  if [ "$CG_V" = 1 ]; then
    echo "$CG_PERIOD" >"$g/cpu.cfs_period_us" && echo "$CG_QUOTA" >"$g/cpu.cfs_quota_us" || return 1
  else
    echo "$CG_QUOTA $CG_PERIOD" >"$g/cpu.max" || return 1
  fi
  echo "$g"
}
# cg_throttled GROUP...: "periods throttled" summed over the groups' cpu.stat
cg_throttled() {
  local g
  for g in "$@"; do cat "$g/cpu.stat"; done |
    awk '$1 == "nr_periods" { p += $2 } $1 == "nr_throttled" { t += $2 } END { print p + 0, t + 0 }'
}
# Everything of this run in a group of raised weight, when asked (BENCH_NODES_SHARES)
cg_boost() {
  [ -n "${BENCH_NODES_SHARES:-}" ] && [ -n "$CG" ] || return 0
  if [ "$CG_V" = 1 ]; then echo "$BENCH_NODES_SHARES" >"$CG/cpu.shares"
  else
    mkdir -p "$CG/run" && echo "$BENCH_NODES_SHARES" >"$CG/cpu.weight" && CG_SELF=$CG/run
  fi || die "cannot set the benchmark's cgroup weight to $BENCH_NODES_SHARES"
  echo $$ >"${CG_SELF:-$CG}/cgroup.procs" || die "cannot move the benchmark into $CG"
}
cg_remove() {
  [ -n "$CG" ] || return 0
  local g p
  # back to where we came from, then the (empty) groups go
  if [ -n "${CG_HOME:-}" ]; then
    for p in $(cat "$CG"/cgroup.procs "$CG"/*/cgroup.procs 2>/dev/null); do
      echo "$p" >"$CG_HOME/cgroup.procs" 2>/dev/null
    done
  fi
  for g in "$CG"/*/; do [ -d "$g" ] && rmdir "$g" 2>/dev/null; done
  rmdir "$CG" 2>/dev/null
}
CG_SELF="" CG_HOME=""
cg_setup && cg_boost

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

# serve DATA KEYS NAME [CGROUP]: start a node (in CGROUP from its first instruction, when given);
# its URL in SERVE_URL
serve() {
  local data=$1 keys=$2 name=$3 grp=${4:-} pf="$T/port.$3"
  # shellcheck disable=SC2086 # BENCH_NODES_SERVE_ARGS is a list of options
  sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 1; shift; exec "$@"' sh "$grp" \
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
  rm -f "$T"/wrk."$class".* # an earlier row's, with more nodes, would be counted in
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

# run_capped DATA KEYS NODES: artifact versions with every node under its CPU cap (a row of
# caprows: nodes, the put figures, the share of its nodes' cgroup periods that were throttled)
caprows=()
run_capped() {
  local data=$1 keys=$2 nodes=$3 k g urls=() groups=() put p0 t0 p1 t1
  for k in $(seq 1 "$nodes"); do
    g=$(cg_node "n$nodes-$k") || die "cannot make the cgroup of capped node $k in $CG"
    groups+=("$g")
    serve "$data" "$keys" "capped$nodes-$k" "$g"
    urls+=("$SERVE_URL")
  done
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer ${PAMS%%,*}" -H 'Content-Type: text/markdown' \
    --data-binary 'warm-up' "${urls[0]}/api/v1/projects/p/artifacts/warm.md" || die "warm-up on capped nodes"
  read -r p0 t0 < <(cg_throttled "${groups[@]}")
  put=$(wrk_class put "${urls[@]}")
  read -r p1 t1 < <(cg_throttled "${groups[@]}")
  stop_nodes
  for g in "${groups[@]}"; do rmdir "$g" 2>/dev/null; done
  caprows+=("$nodes|$put|$(awk -v p=$((p1 - p0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", (p > 0 ? t * 100 / p : 0) }')")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
psi0=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null)
t_start=$(date +%s)
PGRUN=0
if [[ $ROWS == *" sqlite "* ]]; then
  install "$T/sqlite" ""
  run sqlite "$T/sqlite" "" "$T/sqlite/opsgate.db" 1
fi
if [ -n "$pgurl" ]; then
  PGRUN=1
  if [[ $ROWS == *" postgres "* ]]; then
    u1=$(pg_db bench1)
    install "$u1" "$T/keys1"
    run postgres "$u1" "$T/keys1" "$u1" 1
    u2=$(pg_db bench2)
    install "$u2" "$T/keys2"
    run postgres "$u2" "$T/keys2" "$u2" 2
  fi
  if [[ $ROWS == *" capped "* ]] && [ -n "$CG" ]; then
    u3=$(pg_db bench3)
    install "$u3" "$T/keys3"
    run_capped "$u3" "$T/keys3" 1
    u4=$(pg_db bench4)
    install "$u4" "$T/keys4"
    run_capped "$u4" "$T/keys4" 2
  fi
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
if [[ $ROWS == *" capped "* ]] && [ -n "$pgurl" ]; then
  echo "capped nodes: PostgreSQL, every node in a cgroup of its own capped at $NODE_CPU CPU"
  echo "(${CG_V:+cgroup v$CG_V, }quota $CG_QUOTA us per $CG_PERIOD us), artifact versions only, as above otherwise;"
  echo "throttled: the share of the nodes' cgroup periods in which a node used its whole quota."
  echo
  echo "| backend | nodes | CPU cap per node | artifact versions/s | errors | p50/p99 ms | CPU ms per version: database / nodes | nodes throttled | CPUs busy |"
  echo "|---|---:|---:|---:|---:|---|---|---:|---:|"
  if [ -z "$CG" ]; then
    echo "| postgres, capped nodes | 1, 2 | skipped: $CG_WHY | | | | | | |"
  fi
  for r in "${caprows[@]}"; do
    IFS='|' read -r nodes put thr <<<"$r"
    read -r pr pe pp50 pp99 ppg pnd pbusy <<<"$put"
    echo "| postgres, capped | $nodes | $NODE_CPU CPU | $pr | $pe | $pp50/$pp99 | $ppg / $pnd | $thr% | $pbusy% |"
    V[capped.$nodes.put]=$pr V[capped.$nodes.busy]=$pbusy
  done
  echo
fi
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v r="$1" 'BEGIN { print (r == "-") ? "not measured" : (r + 0 >= 1.6) ? "PASS" : "FAIL" }'; }
if [ -n "$pgurl" ]; then
  echo "| ratio | artifact versions | gate requests | gate decisions | audit appends | aim: 2 nodes >= 1.6x one node for artifact versions |"
  echo "|---|---:|---:|---:|---:|---|"
  if [[ $ROWS == *" postgres "* ]]; then
    r=$(ratio "${V[postgres.2.put]}" "${V[postgres.1.put]}")
    echo "| PostgreSQL, 2 nodes / 1 node, uncapped: the nodes, the database and the load clients share the machine's CPUs | $r |" \
      "$(ratio "${V[postgres.2.req]}" "${V[postgres.1.req]}") | $(ratio "${V[postgres.2.ack]}" "${V[postgres.1.ack]}") |" \
      "$(ratio "${V[postgres.2.aud]}" "${V[postgres.1.aud]}") | $(verdict "$r") |"
  fi
  if [[ $ROWS == *" capped "* ]]; then
    r=$(ratio "${V[capped.2.put]:-}" "${V[capped.1.put]:-}")
    echo "| PostgreSQL, 2 nodes / 1 node, each node capped at $NODE_CPU CPU (CPUs busy ${V[capped.1.busy]:--}% / ${V[capped.2.busy]:--}%) | $r | - | - | - |" \
      "$(if [ -n "$CG" ]; then verdict "$r"; else echo "skipped: $CG_WHY"; fi) |"
  fi
  if [[ $ROWS == *" postgres "* && $ROWS == *" sqlite "* ]]; then
    echo "| PostgreSQL 1 node / SQLite | $(ratio "${V[postgres.1.put]}" "${V[sqlite.1.put]}") |" \
      "$(ratio "${V[postgres.1.req]}" "${V[sqlite.1.req]}") | $(ratio "${V[postgres.1.ack]}" "${V[sqlite.1.ack]}") |" \
      "$(ratio "${V[postgres.1.aud]}" "${V[sqlite.1.aud]}") | |"
  fi
fi
exit 0
