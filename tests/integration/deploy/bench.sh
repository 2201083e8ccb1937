#!/usr/bin/env bash
# bench.sh - issue 9's benchmark: certificate rotations under continuous HTTPS load on nginx and
# HAProxy, opsgate (`cert deploy`, verified) beside the plain references (write + mv +
# `nginx -s reload`; `set ssl cert` + `commit ssl cert` by hand). Per way: rotations per minute,
# failed requests, the time from the start of a swap until every new connection gets the new
# certificate (mean and worst; opsgate's swap starts at the moment its deployer reports, after
# staging and `nginx -t`; a reference's at its command's start), the command's own time, and
# connections that got the old certificate after the swap was reported done. Prints a markdown table. Not part of ctest (timing, not correctness).
#   OPSGATE=build/opsgate bash tests/integration/deploy/bench.sh [ROTATIONS]
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-600}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rotate.sh"
N=${1:-20}
pki_init
og_setup
rotation_certs "$N"
build_loadclient
cc -O2 -o "$T/hapcli" "$DEPLOY_H/hapcli.c" || { echo "FAIL: cannot build hapcli"; exit 1; }

# phase NAME PORT CMD...: N rotations by CMD i (i = 1..N) under load; one table row.
phase() {
  local name=$1 port=$2; shift 2
  local i s v lc
  rm -f "$T/stop" "$T/requests"
  # the certificate served now, as rotation 0
  echo "0 0 $(served 127.0.0.1 "$port" localhost)" > "$T/rotations"
  "$T/loadclient" 127.0.0.1 "$port" localhost 4 "$T/stop" 300 "$T/requests" &
  lc=$!; _bg_pids+=("$lc")
  sleep 0.3
  local t0=$(date +%s%6N)
  for i in $(seq 1 "$N"); do
    rm -f "$T/swapat"
    s=$(date +%s%6N)
    "$@" "$i" >/dev/null 2>"$T/err" || { echo "FAIL: $name rotation $i: $(cat "$T/err")" >&2; break; }
    v=$(date +%s%6N)
    # The swap starts where the way says it does (opsgate reports the moment its deployer renames
    # the files or sends `set ssl cert`; staging and `nginx -t` come before it); else at the
    # command's start. The command's own time stays in its column.
    sw=$s; [ -s "$T/swapat" ] && sw=$(cat "$T/swapat")
    echo "$sw $v ${FP[$i]} $s" >> "$T/rotations"
    sleep 0.2
  done
  local t1=$(date +%s%6N)
  touch "$T/stop"; wait "$lc"
  awk -v rot="$T/rotations" -v name="$name" -v span="$((t1 - t0))" '
    BEGIN { n = 0; while ((getline l < rot) > 0) { split(l, f, " "); S[n] = f[1]; V[n] = f[2]; F[n] = f[3]; C[n] = (f[4] != "" ? f[4] : f[1]); I[f[3]] = n; n++ } }
    { total++; if ($3 != 1) { failed++; next }
      k = 0; for (j = n - 1; j >= 0; j--) if ($1 >= S[j]) { k = j; break }
      if (k == 0) next
      if (($4 in I) && I[$4] < k) { lag = $1 - S[k]; if (lag > last[k]) last[k] = lag; if ($1 >= V[k]) stale++ } }
    END { sum = 0; worst = 0
      for (j = 1; j < n; j++) { sum += last[j]; if (last[j] > worst) worst = last[j]; cmd += V[j] - C[j] }
      printf "| %s | %d | %.0f | %d | %d | %.0f | %.0f | %.0f | %d |\n", name, n - 1,
        (n - 1) * 60e6 / span, total, failed + 0, sum / (n - 1) / 1000, worst / 1000,
        cmd / (n - 1) / 1000, stale + 0 }' "$T/requests"
}

# og_deploy_timed TARGET I: deploy rotation I's certificate; its swap moment goes to $T/swapat.
og_deploy_timed() {
  local out
  out=$(og target deploy --tenant acme "$1" --cert "${FP[$2]}" --json) || return 1
  printf '%s' "$out" | jq -r '.result.swap_started_at_us // empty' > "$T/swapat"
}
echo "| way | rotations | rotations/min | requests | failed | swap to all-new, mean ms | worst ms | command ms | stale after done |"
echo "|---|---|---|---|---|---|---|---|---|"

if [ -x "$NGINX" ]; then
  port=$(free_ports 1) || exit 1
  L=$T/live; mkdir -p "$L" "$T/nginx"
  cat "$P/r0.crt" "$P/int.crt" > "$L/site.crt"; cp "$P/r0.key" "$L/site.key"
  printf 'server {\n listen 127.0.0.1:%s ssl;\n ssl_certificate %s;\n ssl_certificate_key %s;\n return 200 "ok\\n";\n}\n' \
    "$port" "$L/site.crt" "$L/site.key" > "$T/servers.conf"
  nginx_up "$T/nginx" "$T/servers.conf"
  og target add --tenant acme web --type nginx --nginx-conf "$T/nginx/nginx.conf" --nginx-prefix "$T/nginx" \
    --cert-path "$L/site.crt" --key-path "$L/site.key" --endpoint "127.0.0.1:$port/localhost" >/dev/null
  ref_nginx() {
    cat "$P/r$1.crt" "$P/int.crt" > "$L/site.crt.tmp"; cp "$P/r$1.key" "$L/site.key.tmp"
    mv "$L/site.crt.tmp" "$L/site.crt"; mv "$L/site.key.tmp" "$L/site.key"
    "$NGINX" -s reload -c "$T/nginx/nginx.conf" -p "$T/nginx" -e stderr
  }
  og_nginx() { og_deploy_timed web "$1"; }
  phase "nginx: mv + nginx -s reload" "$port" ref_nginx
  phase "nginx: opsgate cert deploy" "$port" og_nginx
fi
if [ -x "$HAPROXY" ]; then
  port=$(free_ports 1) || exit 1
  H=$T/haproxy; mkdir -p "$H"
  cat "$P/r0.crt" "$P/int.crt" "$P/r0.key" > "$H/site.pem"
  printf 'global\n stats socket %s mode 600 level admin\ndefaults\n mode http\n timeout connect 5s\n timeout client 10s\n timeout server 10s\nfrontend site\n bind 127.0.0.1:%s ssl crt %s\n http-request return status 200 content-type text/plain string ok\n' \
    "$H/admin.sock" "$port" "$H/site.pem" > "$H/haproxy.cfg"
  haproxy_up "$H" "$H/haproxy.cfg"
  og target add --tenant acme lb --type haproxy --socket "$H/admin.sock" --cert-path "$H/site.pem" \
    --endpoint "127.0.0.1:$port/localhost" >/dev/null
  ref_haproxy() {
    { printf 'set ssl cert %s <<\n' "$H/site.pem"; cat "$P/r$1.crt" "$P/int.crt" "$P/r$1.key" | grep -v '^$'; echo; } |
      "$T/hapcli" "$H/admin.sock" | grep -q "Transaction" &&
    printf 'commit ssl cert %s\n' "$H/site.pem" | "$T/hapcli" "$H/admin.sock" | grep -q "Success"
  }
  og_haproxy() { og_deploy_timed lb "$1"; }
  phase "HAProxy: set + commit ssl cert" "$port" ref_haproxy
  phase "HAProxy: opsgate cert deploy" "$port" og_haproxy
fi
