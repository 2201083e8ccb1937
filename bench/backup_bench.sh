#!/usr/bin/env bash
# backup_bench.sh - `make bench`'s backup and restore (issue 24): an installation filled over HTTP
# with BENCH_BACKUP_MB (1024) MB of artifacts in BENCH_BACKUP_VERSIONS (10000) versions (100
# artifacts; one version in ten 9x the size of the others, so that about half the bytes are
# object files over 256 KiB and half sealed rows in the database; every content distinct, so
# nothing is stored once for two versions), then in the same run:
#   opsgate backup    --to FILE of the served folder        MB/s of the data folder's bytes
#   tar | zstd -3     of the same folder (the limit of reading, compressing and writing it)
#   tar | zstd -3 > F; sync F DIR  the same made durable as a backup is before it answers: an
#                     fsync of the file and of its folder (not `sync -f`, a syncfs that also
#                     writes whatever else is dirty on the file system): the limit the aim is
#                     held against
#   opsgate restore   --from FILE into a new folder (hashes, key, audit verify included), and the
#                     same without its check (opening the installation and `audit verify`, timed
#                     by the restore itself: "check_seconds" of --json): the data written, the
#                     part tar does too
#   zstd -d | tar -x  of the tar | zstd archive (and again followed by `sync -f`: a restore is
#                     durable before it answers, tar is not)
#   opsgate backup verify FILE
# with each one's wall time, CPU time (user + system, children included), MB/s and peak RSS (GNU
# time), the ratios opsgate / tar | zstd, plain and durable (the issue's aim: >= 0.8 of the
# durable one; PASS or FAIL beside the backup's and the restore's durable ratio) and the
# machine's load. BENCH_BACKUP_MB may list several sizes ("128 1024", versions scaled alike) to
# show peak RSS flat in the data size. BENCH_BACKUP_RUNS (3) runs backup and the two tar | zstd
# rows that many times, interleaved, on the same data, after a `sync` of the fill's writes; each
# measured row after the same unmeasured preparation (prep: the output of its previous run
# removed, the folder read once, so that each side finds it in the page cache); each step's row
# is the median of its runs, with the fastest and slowest wall time, and the ratios are of the
# medians.
# BENCH_BACKUP_PG (1) does the same for a PostgreSQL installation (scripts/pg-test.sh starts a
# throw-away server; skipped when it cannot): BENCH_BACKUP_PG_MB (256) MB filled over HTTP into a
# database (versions scaled as above; pg_dump -Fc compresses with zlib at some 2 MB/s here),
# then `opsgate --data postgresql://... backup`, `pg_dump -Fc` (its own compression) and
# `pg_dump | zstd -3`, each to a file made durable with `sync F DIR` like the backup, MB/s of the
# database's size (pg_database_size), and `backup verify`; BENCH_BACKUP_PG_RUNS (1) times in a
# row (pg_dump -Fc alone takes minutes).
# Usage: OPSGATE=build/opsgate [BENCH_BACKUP_MB="1024"] [BENCH_BACKUP_VERSIONS=10000]
#        [BENCH_BACKUP_RUNS=3] [BENCH_BACKUP_PG=1] [BENCH_BACKUP_PG_MB=256] [BENCH_BACKUP_PG_RUNS=1]
#        bash bench/backup_bench.sh
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
SIZES=${BENCH_BACKUP_MB:-1024}
VERSIONS=${BENCH_BACKUP_VERSIONS:-10000}
RUNS=${BENCH_BACKUP_RUNS:-3}
PG=${BENCH_BACKUP_PG:-1}
PG_MB=${BENCH_BACKUP_PG_MB:-256}
PG_RUNS=${BENCH_BACKUP_PG_RUNS:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
for t in curl jq zstd tar /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "| backup | skipped: $t is not installed |"; exit 0; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-bench-backup.XXXXXX")
spid=""
pgdir=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  wait 2>/dev/null
  [ -n "$pgdir" ] && bash "$root/scripts/pg-test.sh" stop "$pgdir" >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT

# fill DATA [KEYS] with mb MB in n versions through a server (left running: $spid); prints
# nothing. DATA is a folder or a PostgreSQL URL (then KEYS is its key folder).
fill() {
  local D=$1 mb=$2 n=$3 K=${4:-} small big i port tok
  og() { "$OPSGATE" --data "$D" ${K:+--keys "$K"} "$@"; }
  og init >/dev/null 2>&1 || return 1
  og tenant create acme >/dev/null || return 1
  og user add --tenant acme eve --role project-manager >/dev/null || return 1
  og project create --tenant acme fw "Firewall" >/dev/null || return 1
  tok=$(og token create --tenant acme --user eve --json | jq -r .token)
  # n/10 big versions of 9 units and 9n/10 small ones of 1 unit: 18n/10 units in all
  small=$((mb * 1048576 * 10 / (18 * n)))
  big=$((small * 9))
  head -c "$big" /dev/urandom >"$W/big.block"
  head -c "$small" /dev/urandom >"$W/small.block"
  rm -f "$W/port"
  # not through og(): $! must be the server itself, not a subshell around it
  "$OPSGATE" --data "$D" ${K:+--keys "$K"} serve --listen 127.0.0.1:0 --port-file "$W/port" >"$W/serve.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 100); do
    [ -s "$W/port" ] && curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$W/port")/healthz" 2>/dev/null && break
    sleep 0.1
  done
  port=$(cat "$W/port")
  for ((start = 0; start < n; start += 500)); do
    : >"$W/curl.cfg"
    for ((i = start; i < start + 500 && i < n; i++)); do
      { printf 'version %d of a %d-version bench\n' "$i" "$n"
        if ((i % 10 == 0)); then cat "$W/big.block"; else cat "$W/small.block"; fi; } >"$W/v$i"
      printf 'url = "http://127.0.0.1:%s/api/v1/projects/fw/artifacts/a%d.bin"\nupload-file = "%s/v%d"\noutput = "/dev/null"\n' \
        "$port" $((i % 100)) "$W" "$i" >>"$W/curl.cfg"
    done
    curl -sS -K "$W/curl.cfg" -H "Authorization: Bearer $tok" -w '%{http_code}\n' >"$W/codes" || return 1
    if grep -qv '^201$' "$W/codes"; then echo "fill: $(sort "$W/codes" | uniq -c)" >&2; return 1; fi
    rm -f "$W"/v*
  done
}

# run COMMAND...: wall seconds, peak RSS (KiB) and CPU seconds (user + system, waited-for
# children included) into $secs $rss $cpu; its output in $W/out
measure() {
  local u s
  /usr/bin/time -f '%e %M %U %S' -o "$W/time" "$@" >"$W/out" 2>"$W/err" || {
    echo "failed: $* $(cat "$W/err")" >&2
    return 1
  }
  read -r secs rss u s <"$W/time"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

# The same state before every measured row: the output it writes removed (the previous run's)
# and the folder DIR read once (its files in the page cache for each side alike).
prep() {
  rm -f "$2"
  tar -cf - -C "$1" . >/dev/null
}

# "SECS CPU RSS" lines: the median of each column (the middle run; the lower middle of an even
# count), then the fastest and slowest wall time
median() {
  printf '%s\n' "$@" | awk '{ s[NR] = $1; c[NR] = $2; r[NR] = $3 }
    function med(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((n + 1) / 2)]
    }
    END { n = NR; lo = s[1]; hi = s[1]; for (i = 1; i <= n; i++) { if (s[i] < lo) lo = s[i]; if (s[i] > hi) hi = s[i] }
          printf "%s %s %s %s %s\n", med(s, n), med(c, n), med(r, n), lo, hi }'
}

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# the ratio a / b and PASS or FAIL against the aim (0.8)
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { r = (b > 0 ? a / b : 0); printf "%.2f %s", r, (r >= 0.8 ? "PASS" : "FAIL") }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "| data | versions | step | seconds | CPU s | MB/s | peak RSS MiB | vs tar \| zstd | vs tar \| zstd; sync |"
echo "|---|---|---|---|---|---|---|---|---|"
for mb in $SIZES; do
  n=$((VERSIONS * mb / ${SIZES##* }))
  [ "$n" -ge 10 ] || n=10
  D="$W/data-$mb"
  fill "$D" "$mb" "$n" || { echo "| $mb MB | $n | fill failed: $(tail -3 "$W/serve.log") | | | | | | |"; continue; }
  bytes=$(du -sb "$D" | cut -f1)
  label="$((bytes / 1048576)) MiB"
  # the fill's writes on the disk before any row: none of them pays for another's writeback
  sync
  B=() T=() TS=()
  for ((run = 1; run <= RUNS; run++)); do
    # interleaved; each row after the same unmeasured preparation (prep)
    prep "$D" "$W/b.tar.zst"
    measure "$OPSGATE" --data "$D" backup --to "$W/b.tar.zst" || continue 2
    B+=("$secs $cpu $rss")
    prep "$D" "$W/t.tar.zst"
    measure sh -c "tar -cf - -C '$D' . | zstd -3 -q -o '$W/t.tar.zst'" || continue 2
    T+=("$secs $cpu $rss")
    prep "$D" "$W/t.tar.zst"
    measure sh -c "tar -cf - -C '$D' . | zstd -3 -q -o '$W/t.tar.zst' && sync '$W/t.tar.zst' '$W'" || continue 2
    TS+=("$secs $cpu $rss")
  done
  # medians (and the spread) of each step's runs; the ratios are of the medians
  read -r b_s b_cpu b_rss b_min b_max < <(median "${B[@]}")
  read -r t_s t_cpu t_rss t_min t_max < <(median "${T[@]}")
  read -r ts_s ts_cpu ts_rss ts_min ts_max < <(median "${TS[@]}")
  rb=$(mbps "$bytes" "$b_s") tb=$(mbps "$bytes" "$t_s") tsb=$(mbps "$bytes" "$ts_s")
  echo "| $label | $n | opsgate backup ($b_min-$b_max s) | $b_s | $b_cpu | $rb | $(mib "$b_rss") | $(ratio "$rb" "$tb") | $(verdict "$rb" "$tsb") |"
  echo "| | | tar \| zstd -3 ($t_min-$t_max s) | $t_s | $t_cpu | $tb | $(mib "$t_rss") | 1 | |"
  echo "| | | tar \| zstd -3 > F; sync F DIR ($ts_min-$ts_max s) | $ts_s | $ts_cpu | $tsb | $(mib "$ts_rss") | | 1 |"
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""
  measure "$OPSGATE" backup verify "$W/b.tar.zst" || continue
  v_s=$secs v_rss=$rss v_cpu=$cpu
  measure "$OPSGATE" --data "$W/r-$mb" restore --json --from "$W/b.tar.zst" --master-key "$D/master.key" || continue
  r_s=$secs r_rss=$rss r_cpu=$cpu
  # without the check: the restore's own clock of it, off the wall time
  r_check=$(jq -r '.check_seconds // 0 | . * 100 | round / 100' "$W/out")
  rd_s=$(awk -v a="$r_s" -v b="$r_check" 'BEGIN { printf "%.2f", a - b }')
  mkdir -p "$W/x-$mb"
  measure sh -c "zstd -d -q -c '$W/t.tar.zst' | tar -xf - -C '$W/x-$mb'" || continue
  x_s=$secs x_rss=$rss x_cpu=$cpu
  # the same, made durable as a restore is before it answers (syncfs of the folder's file system)
  rm -rf "$W/x-$mb"; mkdir -p "$W/x-$mb"
  measure sh -c "zstd -d -q -c '$W/t.tar.zst' | tar -xf - -C '$W/x-$mb' && sync -f '$W/x-$mb'" || continue
  xs_s=$secs xs_rss=$rss xs_cpu=$cpu
  rr=$(mbps "$bytes" "$r_s") rdr=$(mbps "$bytes" "$rd_s") xr=$(mbps "$bytes" "$x_s") xsr=$(mbps "$bytes" "$xs_s")
  echo "| | | opsgate backup verify | $v_s | $v_cpu | $(mbps "$bytes" "$v_s") | $(mib "$v_rss") | | |"
  echo "| | | opsgate restore | $r_s | $r_cpu | $rr | $(mib "$r_rss") | $(ratio "$rr" "$xr") (vs zstd -d \| tar -x) | $(ratio "$rr" "$xsr") (vs the same; sync) |"
  echo "| | | opsgate restore without its check ($r_check s: open, audit verify) | $rd_s | | $rdr | | $(ratio "$rdr" "$xr") | $(verdict "$rdr" "$xsr") |"
  echo "| | | zstd -d \| tar -x | $x_s | $x_cpu | $xr | $(mib "$x_rss") | 1 | |"
  echo "| | | zstd -d \| tar -x; sync -f | $xs_s | $xs_cpu | $xsr | $(mib "$xs_rss") | | 1 |"
  echo "| | | archive: $(($(stat -c %s "$W/b.tar.zst") / 1048576)) MiB, tar+zstd $(($(stat -c %s "$W/t.tar.zst") / 1048576)) MiB | | | | | | |"
  rm -rf "$D" "$W/r-$mb" "$W/x-$mb" "$W/b.tar.zst" "$W/t.tar.zst"
done

# PostgreSQL: the first size, into a database of a throw-away server
pg_part() {
  local mb=$PG_MB n url bytes K="$W/pgkeys" dmb r
  n=$((VERSIONS * mb / ${SIZES##* }))
  [ "$n" -ge 10 ] || n=10
  command -v pg_dump >/dev/null || { echo "| postgres | skipped: pg_dump is not installed | | | | | | | |"; return 0; }
  pgdir="$W/pg"
  if ! url=$(bash "$root/scripts/pg-test.sh" start "$pgdir" 2>"$W/pg.err"); then
    echo "| postgres | skipped: $(tail -1 "$W/pg.err") | | | | | | | |"
    pgdir=""
    return 0
  fi
  fill "$url" "$mb" "$n" "$K" || { echo "| postgres | fill failed: $(tail -3 "$W/serve.log") | | | | | | | |"; return 0; }
  bytes=$(psql -qtAX "$url" -c "SELECT pg_database_size(current_database())")
  echo
  echo "| PostgreSQL database | versions | step | seconds | CPU s | MB/s | peak RSS MiB | file MiB | vs pg_dump -Fc; sync F DIR |"
  echo "|---|---|---|---|---|---|---|---|---|"
  label="$((bytes / 1048576)) MiB"
  # row STEP SECS CPU RSS FILE (against pg_dump -Fc's MB/s in $dmb)
  row() {
    local m; m=$(mbps "$bytes" "$2")
    echo "| $label | $n | $1 | $2 | $3 | $m | $(mib "$4") | $(($(stat -c %s "$5") / 1048576)) | $(ratio "$m" "$dmb") |"
    label="" n=""
  }
  for ((run = 1; run <= PG_RUNS; run++)); do
    rm -f "$W/pb.tar.zst" "$W/pd.dump" "$W/pz.sql.zst"
    measure "$OPSGATE" --data "$url" --keys "$K" backup --to "$W/pb.tar.zst" || return 0
    local b_s=$secs b_cpu=$cpu b_rss=$rss
    measure sh -c "pg_dump -Fc -f '$W/pd.dump' '$url' && sync '$W/pd.dump' '$W'" || return 0
    local d_s=$secs d_cpu=$cpu d_rss=$rss
    measure sh -c "pg_dump '$url' | zstd -3 -q -o '$W/pz.sql.zst' && sync '$W/pz.sql.zst' '$W'" || return 0
    dmb=$(mbps "$bytes" "$d_s")
    r=""; [ "$PG_RUNS" -gt 1 ] && r=" (run $run)"
    row "opsgate backup$r" "$b_s" "$b_cpu" "$b_rss" "$W/pb.tar.zst"
    row "pg_dump -Fc; sync F DIR" "$d_s" "$d_cpu" "$d_rss" "$W/pd.dump"
    row "pg_dump \\| zstd -3; sync F DIR" "$secs" "$cpu" "$rss" "$W/pz.sql.zst"
  done
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""
  measure "$OPSGATE" backup verify "$W/pb.tar.zst" || return 0
  echo "| | | opsgate backup verify | $secs | $cpu | $(mbps "$bytes" "$secs") | $(mib "$rss") | | |"
}
[ "$PG" = 1 ] && pg_part
echo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
