#!/usr/bin/env bash
# bench.sh - `make bench`: run every benchmark executable (BUILD/bench_*) and print their tables.
# Benchmarks compare against peers and physical limits measured in the same run; see docs/ops.md.
set -uo pipefail
build=${1:-build}
shopt -s nullglob
benches=("$build"/bench_*)
if [ ${#benches[@]} -eq 0 ]; then
  echo "| benchmark | result |"
  echo "|---|---|"
  echo "| (none yet) | - |"
  exit 0
fi
status=0
for b in "${benches[@]}"; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || status=1
  echo
done
# Script benchmarks that drive real servers: certificate rotation on nginx, HAProxy and opsgate's
# own listener against plain reload / runtime-API references.
for s in tests/integration/deploy/bench.sh; do
  [ -f "$s" ] || continue
  echo "== $s"
  OPSGATE="$build/opsgate" bash "$s" || status=1
  echo
done
# The connector sync: full and incremental pulls of 2,500..10,000 projects from the HaloPSA
# simulator (BENCH_CONN_SIZES).
echo "== bench/connector_bench.sh"
OPSGATE="$build/opsgate" bash bench/connector_bench.sh || status=1
echo
# SQLite vs PostgreSQL, one node vs two: artifact versions, gate requests and decisions, durable
# audit appends per second (BENCH_NODES_SECONDS, 10; docs/ops.md "Backends and nodes").
echo "== bench/nodes_bench.sh"
OPSGATE="$build/opsgate" bash bench/nodes_bench.sh || status=1
echo
# Backup and restore of 1 GiB in 10,000 versions beside tar | zstd of the same folder, with peak
# RSS (BENCH_BACKUP_MB, 1024; BENCH_BACKUP_VERSIONS, 10000; docs/ops.md "Benchmarks").
echo "== bench/backup_bench.sh"
OPSGATE="$build/opsgate" bash bench/backup_bench.sh || status=1
echo
# The mixed load on opsgate serve (wrk, one client per route class; BENCH_LOAD_SECONDS, 60).
echo "== bench/load_bench.sh"
OPSGATE="$build/opsgate" bash bench/load_bench.sh || status=1
echo
exit $status
