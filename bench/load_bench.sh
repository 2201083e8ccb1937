#!/usr/bin/env bash
# load_bench.sh - `make bench`'s mixed load on `opsgate serve`: for BENCH_LOAD_SECONDS (60) six
# Debian wrk clients run at once, one per route class, each paced by bench/load.lua's delay():
#   read      artifact list, artifact content, certificate list, whoami   4 conns, 20 ms pause
#   write     artifact puts of small text (new versions of 50 names)       2 conns, 50 ms
#   search    full-text search                                            1 conn, 100 ms
#   generate  a SOW in Markdown from the sample project                   1 conn, 500 ms
#   scan      a synchronous certificate scan of a local nginx             1 conn, 1000 ms
#   health    /healthz                                                    1 conn, 100 ms
# and the server's RSS (VmRSS of /proc/PID/status) is sampled every second. Prints p50/p95/p99
# per class, errors (connect, read, write, timeout, non-2xx), the RSS series, and the issue's
# aims with PASS/MISS: 0 errors, p99 of reads < 20 ms, p99 of /healthz < 50 ms, RSS growth over
# the last 40 s (or the last 2/3 of a shorter run) < 5%. Then 10 s of connection abuse
# (tests/integration/abuse/client.py) with the worst /healthz answer against 50 ms.
# Usage: OPSGATE=build/opsgate [BENCH_LOAD_SECONDS=10] [BENCH_LOAD_CLASSES="read write"] \
#          [BENCH_LOAD_SERVER_LOG=FILE (keep the server's stderr)] \
#          [BENCH_LOAD_SERVE_ARGS="--db-cache 2000" (more serve options)] bash bench/load_bench.sh
# The machine's load (load average, CPU pressure) is printed with the results: on a shared
# machine the tail latencies follow it more than anything in opsgate.
set -uo pipefail
: "${OPSGATE:=build/opsgate}"
SECS=${BENCH_LOAD_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command -v wrk >/dev/null || { echo "| load | skipped: wrk is not installed (scripts/test-deps.sh) |"; exit 0; }
command -v jq >/dev/null || { echo "| load | skipped: jq is not installed |"; exit 0; }
# The connection-abuse phase holds 2100 sockets on each side.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
T=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-load.XXXXXX")
spid="" samp=""
cleanup() {
  [ -n "$samp" ] && kill "$samp" 2>/dev/null
  [ -n "$spid" ] && { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
  bash "$root/tests/integration/certs/nginx.sh" stop "$T/nginx" 2>/dev/null
  [ -n "${BENCH_LOAD_SERVER_LOG:-}" ] && cp "$T/server.log" "$BENCH_LOAD_SERVER_LOG" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
die() { echo "load_bench: $*" >&2; [ -f "$T/server.log" ] && tail -5 "$T/server.log" >&2; exit 1; }
D=$T/data
og() { "$OPSGATE" --data "$D" "$@"; }

# ---- data: a tenant, users, a project with 20 small artifacts, a certificate
og init >/dev/null 2>&1 || die "opsgate init"
og tenant create acme >/dev/null || die "tenant create"
og user add --tenant acme ada --role tenant-admin >/dev/null || die "user ada"
og user add --tenant acme pam --role project-manager >/dev/null || die "user pam"
ada=$(og token create --tenant acme --user ada --json | jq -r .token)
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og --as pam project create --tenant acme northwind "Northwind M365" >/dev/null || die "project"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
  -keyout "$T/nginx.key" -out "$T/nginx.crt" 2>/dev/null || die "openssl req"
og cert import --tenant acme "$T/nginx.crt" >/dev/null || die "cert import"

# ---- a local nginx to scan
nport=$(bash "$root/tests/integration/certs/ports.sh" 1) || die "no free port"
cat > "$T/servers.conf" <<CONF
server { listen 127.0.0.1:$nport ssl; ssl_certificate $T/nginx.crt; ssl_certificate_key $T/nginx.key; return 200 "ok\n"; }
CONF
bash "$root/tests/integration/certs/nginx.sh" start "$T/nginx" "$T/servers.conf" >/dev/null 2>&1 ||
  { echo "| load | skipped: nginx did not start (scripts/test-deps.sh installs nginx-light) |"; exit 0; }

# ---- the server
# shellcheck disable=SC2086 # BENCH_LOAD_SERVE_ARGS is a list of options
"$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$T/port" ${BENCH_LOAD_SERVE_ARGS:-} \
  >"$T/server.log" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -s "$T/port" ] && curl -fs "http://127.0.0.1:$(cat "$T/port")/healthz" >/dev/null && break; sleep 0.1; done
PORT=$(cat "$T/port" 2>/dev/null) || die "serve did not start"
URL=http://127.0.0.1:$PORT
for i in $(seq 0 19); do
  curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $pam" -H 'Content-Type: text/plain' \
    --data-binary "seed $i quarterly firewall review for northwind" \
    "$URL/api/v1/projects/northwind/artifacts/seed-$i.txt" || die "seed upload $i"
done
jq -c '{kind:"sow", format:"md", data:.}' "$root/tests/data/projects/northwind-m365.json" > "$T/generate.json"
echo "{\"targets\":[\"127.0.0.1:$nport\"],\"timeout_ms\":2000}" > "$T/scan.json"
# Every class answers 2xx once before the run (a setup error is not a load error).
for c in "GET /api/v1/whoami $pam" "GET /api/v1/tenants/acme/certs $ada" \
         "GET /api/v1/artifacts/search?q=firewall $pam"; do
  set -- $c
  curl -fs -o /dev/null -X "$1" -H "Authorization: Bearer $3" "$URL$2" || die "setup: $1 $2"
done
curl -fs -o /dev/null -X POST -H "Authorization: Bearer $pam" -H 'Content-Type: application/json' \
  --data-binary @"$T/generate.json" "$URL/api/v1/projects/northwind/generate" || die "setup: generate"
curl -fs -o "$T/scan.out" -X POST -H "Authorization: Bearer $ada" -H 'Content-Type: application/json' \
  --data-binary @"$T/scan.json" "$URL/api/v1/tenants/acme/certs/scan" || die "setup: scan"

# ---- the run
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
psi_before=$(awk '/^some/ { print $5 }' /proc/pressure/cpu 2>/dev/null)
( i=0; while kill -0 "$spid" 2>/dev/null; do
    echo "$i $(awk '/^VmRSS/ { print $2 }' "/proc/$spid/status" 2>/dev/null)"; i=$((i + 1)); sleep 1
  done ) > "$T/rss" &
samp=$!
classes=(read:4:20 write:2:50 search:1:100 generate:1:500 scan:1:1000 health:1:100)
# BENCH_LOAD_CLASSES="read health" runs only those (to find which class an RSS growth follows).
if [ -n "${BENCH_LOAD_CLASSES:-}" ]; then
  sel=()
  for spec in "${classes[@]}"; do
    case " $BENCH_LOAD_CLASSES " in *" ${spec%%:*} "*) sel+=("$spec") ;; esac
  done
  classes=("${sel[@]}")
fi
pids=()
for spec in "${classes[@]}"; do
  IFS=: read -r cls conns pause <<<"$spec"
  body=""
  [ "$cls" = generate ] && body=$T/generate.json
  [ "$cls" = scan ] && body=$T/scan.json
  LOAD_CLASS=$cls LOAD_DELAY_MS=$pause LOAD_TOKEN=$pam LOAD_ADMIN_TOKEN=$ada LOAD_BODY=$body \
    wrk -t1 -c"$conns" -d"${SECS}s" --timeout 10s -s "$here/load.lua" "$URL" >"$T/wrk.$cls" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
kill "$samp" 2>/dev/null; wait "$samp" 2>/dev/null; samp=""
kill -0 "$spid" 2>/dev/null || die "the server died during the run"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
psi_after=$(awk '/^some/ { print $5 }' /proc/pressure/cpu 2>/dev/null)
psi_us() { echo "${1#total=}"; }
psi_pct=""
if [ -n "$psi_before" ] && [ -n "$psi_after" ]; then
  psi_pct=$(awk -v a="$(psi_us "$psi_before")" -v b="$(psi_us "$psi_after")" -v s="$SECS" \
    'BEGIN { p = (b - a) / (s * 1e6) * 100; printf "%.0f", (p > 100 ? 100 : p) }')
fi
db_kb=$(du -sk "$D"/*.db* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
# Connection abuse (tests/integration/abuse/client.py, as in test_http_abuse.sh): 50 slow-header,
# 50 slow-body and 2000 idle connections from 127.0.0.2 while /healthz is probed from 127.0.0.1.
abuse=""
if command -v python3 >/dev/null && [ "$(ulimit -n)" -ge 4200 ]; then
  abuse=$(python3 "$root/tests/integration/abuse/client.py" "$PORT" --idle 2000 --slow-headers 50 \
    --slow-bodies 50 --seconds 10 --deadline 2 2>/dev/null)
fi

# ---- the tables
echo "mixed load, ${SECS} s, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), closed loop paced by delay()"
echo "machine: $(nproc) CPUs, load average $load_before before, $load_after after;" \
  "some task waited for a CPU ${psi_pct:-?}% of the run (/proc/pressure/cpu); database $((db_kb / 1024)) MiB at the end"
echo
echo "| route class | conns x pause | offered max req/s | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
errors=0
for spec in "${classes[@]}"; do
  IFS=: read -r cls conns pause <<<"$spec"
  r=$(grep '^RESULT' "$T/wrk.$cls")
  if [ -z "$r" ]; then
    echo "| $cls | ${conns} x ${pause} ms | - | - | - | - | - | - | - | wrk failed: $(tail -1 "$T/wrk.$cls") |"
    errors=$((errors + 1)); continue
  fi
  read -r _ _ req err p50 p95 p99 max dur <<<"$r"
  errors=$((errors + err))
  eval "p99_$cls=$p99"
  awk -v c="$cls" -v cp="$conns x $pause ms" -v off="$(( conns * 1000 / pause ))" -v n="$req" \
      -v d="$dur" -v a="$p50" -v b="$p95" -v e="$p99" -v m="$max" -v er="$err" \
    'BEGIN { printf "| %s | %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %d |\n", c, cp, off, n, n / (d / 1e6), a, b, e, m, er }'
done
echo
# RSS: the window is the last 40 s (the last 2/3 of a shorter run).
win=$(( SECS * 2 / 3 )); [ "$win" -gt 40 ] && win=40
read -r first_kb start_kb end_kb max_kb n <<<"$(awk -v s="$SECS" -v w="$win" '
  $2 != "" { if (!f) f = $2; if ($1 <= s) { kb[$1] = $2; last = $1 } }
  END { st = last - w; if (st < 0) st = 0; mx = 0
        for (i = st; i <= last; i++) if (kb[i] > mx) mx = kb[i]
        print f, kb[st], kb[last], mx, last + 1 }' "$T/rss")"
growth=$(awk -v a="$start_kb" -v m="$max_kb" 'BEGIN { printf "%.1f", (a > 0 ? (m - a) * 100 / a : 0) }')
echo "RSS of opsgate serve, sampled every second ($n samples, KiB): $(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$T/rss")"
echo
pf() { awk -v v="$1" -v lim="$2" 'BEGIN { print ((v != "" && v + 0 < lim + 0) ? "PASS" : "MISS") }'; }
echo "| aim | target | measured | result |"
echo "|---|---|---|---|"
echo "| errors, all classes | 0 | $errors | $([ "$errors" -eq 0 ] && echo PASS || echo MISS) |"
echo "| p99 of reads | < 20 ms | ${p99_read:-?} ms | $(pf "${p99_read:-}" 20) |"
echo "| p99 of /healthz under load | < 50 ms | ${p99_health:-?} ms | $(pf "${p99_health:-}" 50) |"
if [ -n "$abuse" ]; then
  ab() { jq -r "$1" <<<"$abuse"; }
  echo "| /healthz under connection abuse (2000 idle + 100 slow, one address), worst of $(ab .probes) | < 50 ms | $(ab .worst_ms) ms (p50 $(ab .p50_ms), p99 $(ab .p99_ms); $(ab .probe_failures) failed; $(ab .held) attacking connections held) | $([ "$(ab .probe_failures)" = 0 ] && pf "$(ab .worst_ms)" 50 || echo MISS) |"
else
  echo "| /healthz under connection abuse | < 50 ms | not run (python3 or ulimit -n 4200 missing) | MISS |"
fi
echo "| RSS growth over the last ${win} s | < 5% | ${growth}% ($((start_kb / 1024)) -> max $((max_kb / 1024)) MiB; start of run $((first_kb / 1024)) MiB) | $(pf "$growth" 5) |"
exit 0
