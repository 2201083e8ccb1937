#!/usr/bin/env bash
# bench_certs.sh OPSGATE BENCH_BIN - discover 200 and 2,000 loopback TLS endpoints (RSA-2048 and
# ECDSA P-256) with opsgate, nmap --script ssl-cert and blackbox_exporter, and measure the
# machine's handshake capacity against the same nginx with four parallel `openssl s_time -new`.
# Prints one markdown table. Peers that are not installed are marked so in the table.
set -uo pipefail
OPSGATE=$1 BENCH=$2
here=$(cd "$(dirname "$0")" && pwd)
H=$here/../tests/integration/certs
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ]; then
  echo "| benchmark | result |"; echo "|---|---|"
  echo "| cert scan | skipped: nginx not installed (scripts/test-deps.sh) |"
  exit 0
fi
SIZES=${OG_BENCH_CERT_SIZES:-"200 2000"}
MAX=2000
tmp=$(mktemp -d)
bb_pid=""
cleanup() {
  bash "$H/nginx.sh" stop "$tmp/nginx" 2>/dev/null
  [ -n "$bb_pid" ] && kill "$bb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 1e-9; printf "%.0f", n / d }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "-" || b == "-") print "-"; else printf "%.2f", a / b }'; }

# certificates: one RSA-2048 and one ECDSA P-256, each served on MAX ports
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/rsa.key" -out "$tmp/rsa.crt" -days 90 \
  -subj /CN=bench-rsa -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ecdsa.key" \
  -out "$tmp/ecdsa.crt" -days 90 -subj /CN=bench-ecdsa -addext subjectAltName=IP:127.0.0.1 2>/dev/null
base=$(bash "$H/ports.sh" $((2 * MAX))) || exit 1
declare -A first=([rsa]=$base [ecdsa]=$((base + MAX)))
: > "$tmp/servers.conf"
for k in rsa ecdsa; do
  {
    echo "server {"
    for i in $(seq 0 $((MAX - 1))); do echo "  listen 127.0.0.1:$((first[$k] + i)) ssl;"; done
    echo "  ssl_certificate $tmp/$k.crt; ssl_certificate_key $tmp/$k.key; return 200 ok;"
    echo "}"
  } >> "$tmp/servers.conf"
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bash "$H/nginx.sh" start "$tmp/nginx" "$tmp/servers.conf" || exit 1
sleep 0.5

D=$tmp/data
"$OPSGATE" --data "$D" init >/dev/null 2>&1
"$OPSGATE" --data "$D" tenant create bench >/dev/null

# capacity: four parallel s_time clients for 5 s against one listener
capacity() {
  local p=$1 total=0 secs=5
  for c in 1 2 3 4; do
    openssl s_time -connect "127.0.0.1:$p" -new -time "$secs" > "$tmp/stime.$c" 2>/dev/null &
  done
  wait
  for c in 1 2 3 4; do
    n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$tmp/stime.$c" | head -n 1)
    total=$((total + ${n:-0}))
  done
  awk -v n="$total" -v s="$secs" 'BEGIN { printf "%.0f", n / s }'
}

# blackbox_exporter, if installed
BB=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter || true)
bb_port=""
if [ -n "$BB" ]; then
  cat > "$tmp/bb.yml" <<'YML'
modules:
  tls:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      tls_config:
        insecure_skip_verify: true
YML
  bb_port=$(bash "$H/ports.sh" 1)
  "$BB" --config.file="$tmp/bb.yml" --web.listen-address="127.0.0.1:$bb_port" >"$tmp/bb.log" 2>&1 &
  bb_pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$bb_port/metrics" >/dev/null 2>&1 && break; sleep 0.1; done
fi

rows=()
for k in rsa ecdsa; do
  cap=$(capacity "${first[$k]}")
  for n in $SIZES; do
    seq "${first[$k]}" $((first[$k] + n - 1)) | sed 's/^/127.0.0.1:/' > "$tmp/targets"
    # opsgate
    t0=$(now)
    "$BENCH" --rss "$tmp/rss" "$OPSGATE" --data "$D" cert scan --tenant bench --json --timeout 5000 \
      "@$tmp/targets" > "$tmp/scan.json" 2>"$tmp/scan.err"
    t1=$(now)
    okn=$(jq -r '.summary.ok' "$tmp/scan.json" 2>/dev/null || echo 0)
    og=$(rate "$okn" "$t0" "$t1")
    rss=$(( $(cat "$tmp/rss" 2>/dev/null || echo 0) / 1024 ))
    # nmap
    nm="-"; nmn=0
    if command -v nmap >/dev/null; then
      t0=$(now)
      nmap -Pn -n -p "${first[$k]}-$((first[$k] + n - 1))" --script ssl-cert 127.0.0.1 -oX "$tmp/nmap.xml" >/dev/null 2>&1
      t1=$(now)
      nmn=$(grep -c 'id="ssl-cert"' "$tmp/nmap.xml" 2>/dev/null || echo 0)
      nm=$(rate "$nmn" "$t0" "$t1")
    fi
    # blackbox_exporter: one probe per endpoint, 64 in parallel
    bb="-"; bbn=0
    if [ -n "$bb_port" ]; then
      t0=$(now)
      sed "s|^|http://127.0.0.1:$bb_port/probe?module=tls\&target=|" "$tmp/targets" |
        xargs -P 64 -n 1 curl -s > "$tmp/bb.out" 2>/dev/null
      t1=$(now)
      bbn=$(grep -c '^probe_success 1' "$tmp/bb.out" || echo 0)
      bb=$(rate "$bbn" "$t0" "$t1")
    fi
    rows+=("| $n | $k | $okn/$n | $og | $rss MiB | $nm ($nmn) | $bb ($bbn) | $cap | $(ratio "$og" "$nm") | $(ratio "$og" "$bb") | $(ratio "$og" "$cap") |")
  done
done
echo "| endpoints | key | opsgate found | opsgate /s | opsgate peak RSS | nmap ssl-cert /s (found) | blackbox_exporter /s (found) | handshake capacity /s (4x s_time) | vs nmap | vs blackbox | vs capacity |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
command -v nmap >/dev/null || echo "| nmap | not installed (scripts/test-deps.sh) |"
[ -n "$BB" ] || echo "| blackbox_exporter | not installed (scripts/test-deps.sh) |"
