#!/usr/bin/env bash
# test_deploy_haproxy.sh - certs.deploy against a real HAProxy on loopback: set/commit ssl cert
# over the stats socket with the file written too (a restart keeps it), a refused transaction
# that swaps nothing, a verification failure rolled back on its own, and an override.
. "$(dirname "$0")/deploy/lib.sh"
need_haproxy
pki_init
leaf a; leaf b; leaf c
og_setup
for n in a b c; do import $n; done
FA=$(fp "$P/a.crt") FB=$(fp "$P/b.crt") FC=$(fp "$P/c.crt")

base=$(free_ports 2) || exit 1
site=$base other=$((base + 1))
H=$T/haproxy L=$T/live
mkdir -p "$H" "$L"
cat "$P/a.crt" "$P/int.crt" "$P/a.key" > "$L/site.pem"; chmod 600 "$L/site.pem"
cp "$L/site.pem" "$T/static.pem"
cat > "$H/haproxy.cfg" <<CFG
global
  stats socket $H/admin.sock mode 600 level admin
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend site
  bind 127.0.0.1:$site ssl crt $L/site.pem
  http-request return status 200 content-type text/plain string "site"
frontend other
  bind 127.0.0.1:$other ssl crt $T/static.pem
  http-request return status 200 content-type text/plain string "other"
CFG
haproxy_up "$H" "$H/haproxy.cfg"
wait_served 127.0.0.1 $site localhost "$FA" || bad "haproxy serves a at start"

run 0 "target add site" og target add --tenant acme site --type haproxy --socket "$H/admin.sock" \
  --cert-path "$L/site.pem" --endpoint "127.0.0.1:$site/localhost"
run 0 "target add wrong" og target add --tenant acme wrong --type haproxy --socket "$H/admin.sock" \
  --cert-path "$L/site.pem" --endpoint "127.0.0.1:$other/localhost" --verify-timeout 2s
run 0 "target add unknown file" og target add --tenant acme nofile --type haproxy --socket "$H/admin.sock" \
  --cert-path "$T/not-loaded.pem" --endpoint "127.0.0.1:$site/localhost"
run 2 "haproxy target needs --socket" og target add --tenant acme x --type haproxy --cert-path /a \
  --endpoint 127.0.0.1:1
contains "$err" "socket" "missing socket named"
deploy() {
  if cert_deploy_wired; then og cert deploy --tenant acme "$1" --target "$2" "${@:3}"
  else og target deploy --tenant acme "$2" --cert "$1" "${@:3}"; fi
}

# ---- verification fails: rolled back through the runtime API, recorded
run 1 "deploy c to wrong" deploy "$FC" wrong --json
eq "$(jq -r .result.status <<<"$out")" rolled-back "status rolled-back"
eq "$(served 127.0.0.1 $site localhost)" "$FA" "site serves a again after the rollback"
rec=$(og audit list --tenant acme --json | jq -c '(if type=="array" then . else .records end) | map(select(.action=="certs.deploy.rollback")) | last')
[ "$(jq -r .rollback_of <<<"$rec")" -gt 0 ] 2>/dev/null && ok || bad "rollback record with rollback_of: $rec"

# ---- a verified deploy, no reload: the file follows so a restart keeps it
run 0 "deploy b to site" deploy "${FB:0:20}" site --json
eq "$(jq -r .result.status <<<"$out")" verified "status verified"
gate_b=$(jq -r .gate_id <<<"$out")
eq "$(served 127.0.0.1 $site localhost)" "$FB" "site serves b"
eq "$(fp "$L/site.pem")" "$FB" "the crt file on disk holds b"
eq "$(stat -c %a "$L/site.pem")" 600 "bundle with the key: mode 0600"
grep -q "PRIVATE KEY" "$L/site.pem" && ok || bad "the crt file holds the key"
eq "$(fp "$L/site.pem.og-prev")" "$FA" "previous bundle kept"
n=$(timeout 5 openssl s_client -connect 127.0.0.1:$site -servername localhost -showcerts </dev/null 2>/dev/null | grep -c "BEGIN CERTIFICATE")
eq "$n" 2 "leaf and intermediate served"

# ---- HAProxy refuses the transaction (a file it never loaded): nothing swapped
run 1 "deploy to a crt HAProxy does not know" deploy "$FC" nofile
contains "$err" "HAProxy refused the new certificate" "refusal explained"
contains "$err" "nothing was swapped" "nothing swapped"
[ ! -e "$T/not-loaded.pem" ] && ok || bad "no file written after a refused transaction"
eq "$(served 127.0.0.1 $site localhost)" "$FB" "site still serves b"

# ---- override: a again, in memory and on disk
run 0 "reviewer" og user add --tenant acme rev --role tenant-admin
run 0 "override" og --as rev gate override "$gate_b" --note "roll back"
eq "$(served 127.0.0.1 $site localhost)" "$FA" "site serves a after the override"
eq "$(fp "$L/site.pem")" "$FA" "the crt file holds a again"

# ---- the file on disk is what a restart loads
run 0 "deploy b again" deploy "$FB" site
hp=$(head -n1 "$H/haproxy.pid"); kill "$hp"
for _ in $(seq 100); do kill -0 "$hp" 2>/dev/null || break; sleep 0.05; done
haproxy_up "$H" "$H/haproxy.cfg"
wait_served 127.0.0.1 $site localhost "$FB" && ok || bad "after a restart HAProxy serves b from the file"
run 0 "audit verify" og audit verify
done_tests
