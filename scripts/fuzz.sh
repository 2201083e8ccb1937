#!/usr/bin/env bash
# fuzz.sh - run the libFuzzer targets (fuzz/<module>/fuzz_*.c) for as long as asked.
#
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]
#   SECONDS  per target (default 60; FUZZ_SECONDS in the environment also works)
#   TARGET   fuzz_name, fuzz_dec, ... (default: every target)
# A target's dictionary fuzz/<module>/<target>.dict is used when there is one.
# New interesting inputs go to BUILD_DIR/fuzz/<target>-new/ (not the repository). A crash leaves
# BUILD_DIR/fuzz/<target>-crash-<sha1>: fix the bug, then copy the file into
# fuzz/<module>/corpus/<target>/ so the suite replays it for good.
set -euo pipefail
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}
shift
seconds=${1:-${FUZZ_SECONDS:-60}}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in "$root"/fuzz/*/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi
failed=()
printf '%-22s %10s %8s %8s %s\n' TARGET RUNS EXEC/S CORPUS RESULT
for t in "${targets[@]}"; do
  src=$(ls "$root"/fuzz/*/"$t".c 2>/dev/null | head -n 1)
  if [ -z "$src" ] || [ ! -x "$build/fuzz/$t" ]; then
    echo "fuzz.sh: no target $t (built in $build/fuzz?)" >&2
    exit 2
  fi
  corpus="$(dirname "$src")/corpus/$t"
  dict=()
  [ -f "$(dirname "$src")/$t.dict" ] && dict=(-dict="$(dirname "$src")/$t.dict")
  mkdir -p "$build/fuzz/$t-new"
  log="$build/fuzz/$t.log"
  if "$build/fuzz/$t" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
      -artifact_prefix="$build/fuzz/$t-" "${dict[@]}" "$build/fuzz/$t-new" "$corpus" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log)"
    failed+=("$t")
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -n 1 || true)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o '[0-9]* second' | grep -o '[0-9]*' | tail -n 1 || true)
  rate=-
  [ -n "$runs" ] && [ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=$((runs / secs))
  ncorpus=$(ls "$build/fuzz/$t-new" | wc -l)
  printf '%-22s %10s %8s %8s %s\n' "$t" "${runs:--}" "$rate" "$ncorpus" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
