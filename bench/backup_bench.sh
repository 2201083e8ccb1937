#!/usr/bin/env bash
# backup_bench.sh - `make bench`'s backup and restore (issue 24): an installation filled over HTTP
# with BENCH_BACKUP_MB (1024) MB of artifacts in BENCH_BACKUP_VERSIONS (10000) versions (100
# artifacts; one version in ten 9x the size of the others, so that about half the bytes are
# object files over 256 KiB and half sealed rows in the database; every content distinct, so
# nothing is stored once for two versions), then in the same run:
#   opsgate backup    --to FILE of the served folder        MB/s of the data folder's bytes
#   tar | zstd -3     of the same folder (the limit of reading, compressing and writing it)
#   opsgate restore   --from FILE into a new folder (hashes, key, audit verify included)
#   zstd -d | tar -x  of the tar | zstd archive (and again followed by `sync -f`: a restore is
#                     durable before it answers, tar is not)
#   opsgate backup verify FILE
# with each one's wall time, MB/s and peak RSS (GNU time), the ratio opsgate / tar | zstd (the
# issue's aim: >= 0.8) and the machine's load. BENCH_BACKUP_MB may list several sizes
# ("128 1024", versions scaled alike) to show peak RSS flat in the data size.
# Usage: OPSGATE=build/opsgate [BENCH_BACKUP_MB="1024"] [BENCH_BACKUP_VERSIONS=10000]
#        bash bench/backup_bench.sh
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
SIZES=${BENCH_BACKUP_MB:-1024}
VERSIONS=${BENCH_BACKUP_VERSIONS:-10000}
for t in curl jq zstd tar /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "| backup | skipped: $t is not installed |"; exit 0; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-bench-backup.XXXXXX")
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

# fill DATA with mb MB in n versions through a server; prints nothing
fill() {
  local D=$1 mb=$2 n=$3 small big i port tok
  "$OPSGATE" --data "$D" init >/dev/null 2>&1 || return 1
  "$OPSGATE" --data "$D" tenant create acme >/dev/null || return 1
  "$OPSGATE" --data "$D" user add --tenant acme eve --role project-manager >/dev/null || return 1
  "$OPSGATE" --data "$D" project create --tenant acme fw "Firewall" >/dev/null || return 1
  tok=$("$OPSGATE" --data "$D" token create --tenant acme --user eve --json | jq -r .token)
  # n/10 big versions of 9 units and 9n/10 small ones of 1 unit: 18n/10 units in all
  small=$((mb * 1048576 * 10 / (18 * n)))
  big=$((small * 9))
  head -c "$big" /dev/urandom >"$W/big.block"
  head -c "$small" /dev/urandom >"$W/small.block"
  rm -f "$W/port"
  "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$W/port" >"$W/serve.log" 2>&1 &
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

# run WHAT COMMAND...: wall seconds and peak RSS (KiB) into $secs $rss
measure() {
  /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
    echo "failed: $* $(cat "$W/err")" >&2
    return 1
  }
  read -r secs rss <"$W/time"
}

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }'; }

echo "| data | versions | step | seconds | MB/s | peak RSS MiB | vs tar+zstd |"
echo "|---|---|---|---|---|---|---|"
for mb in $SIZES; do
  n=$((VERSIONS * mb / ${SIZES##* }))
  [ "$n" -ge 10 ] || n=10
  D="$W/data-$mb"
  fill "$D" "$mb" "$n" || { echo "| $mb MB | $n | fill failed: $(tail -3 "$W/serve.log") | | | | |"; continue; }
  bytes=$(du -sb "$D" | cut -f1)
  measure "$OPSGATE" --data "$D" backup --to "$W/b.tar.zst" || continue
  b_s=$secs b_rss=$rss
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""
  measure sh -c "tar -cf - -C '$D' . | zstd -3 -q -o '$W/t.tar.zst'" || continue
  t_s=$secs t_rss=$rss
  measure "$OPSGATE" backup verify "$W/b.tar.zst" || continue
  v_s=$secs v_rss=$rss
  measure "$OPSGATE" --data "$W/r-$mb" restore --from "$W/b.tar.zst" --master-key "$D/master.key" || continue
  r_s=$secs r_rss=$rss
  mkdir -p "$W/x-$mb"
  measure sh -c "zstd -d -q -c '$W/t.tar.zst' | tar -xf - -C '$W/x-$mb'" || continue
  x_s=$secs x_rss=$rss
  # the same, made durable as a restore is before it answers (syncfs of the folder's file system)
  rm -rf "$W/x-$mb"; mkdir -p "$W/x-$mb"
  measure sh -c "zstd -d -q -c '$W/t.tar.zst' | tar -xf - -C '$W/x-$mb' && sync -f '$W/x-$mb'" || continue
  xs_s=$secs xs_rss=$rss
  rb=$(mbps "$bytes" "$b_s") tb=$(mbps "$bytes" "$t_s") rr=$(mbps "$bytes" "$r_s") xr=$(mbps "$bytes" "$x_s")
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
  mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
  echo "| $((bytes / 1048576)) MiB | $n | opsgate backup | $b_s | $rb | $(mib "$b_rss") | $(ratio "$rb" "$tb") |"
  echo "| | | tar \\| zstd -3 | $t_s | $tb | $(mib "$t_rss") | 1 |"
  echo "| | | opsgate backup verify | $v_s | $(mbps "$bytes" "$v_s") | $(mib "$v_rss") | |"
  echo "| | | opsgate restore | $r_s | $rr | $(mib "$r_rss") | $(ratio "$rr" "$xr") |"
  echo "| | | zstd -d \\| tar -x | $x_s | $xr | $(mib "$x_rss") | 1 |"
  echo "| | | zstd -d \\| tar -x; sync -f | $xs_s | $(mbps "$bytes" "$xs_s") | $(mib "$xs_rss") | $(ratio "$rr" "$(mbps "$bytes" "$xs_s")") (restore vs this) |"
  echo "| | | archive: $(($(stat -c %s "$W/b.tar.zst") / 1048576)) MiB, tar+zstd $(($(stat -c %s "$W/t.tar.zst") / 1048576)) MiB | | | | |"
  rm -rf "$D" "$W/r-$mb" "$W/x-$mb" "$W/b.tar.zst" "$W/t.tar.zst"
done
echo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
