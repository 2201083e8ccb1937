#!/usr/bin/env bash
# test_deploy_nginx.sh - certs.deploy against a real nginx on loopback: a verified deploy (chain,
# modes, previous files kept), a failing `nginx -t` that swaps nothing, a verification failure
# that rolls back on its own (recorded), and a human's override that serves the previous
# certificate again.
. "$(dirname "$0")/deploy/lib.sh"
need_nginx
pki_init
leaf a; leaf b; leaf c; leaf weak 90 rsa:1024
og_setup
for n in a b c weak; do import $n; done

# The tenant's webhook: the L1 review and the rollback notification must reach it, signed.
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v cc >/dev/null || { echo "SKIP: no C compiler for the webhook receiver"; exit 77; }
cc -O1 -o "$T/og_recv" "$SRC/tests/support/receivers/og_recv.c" -lcrypto || { echo "FAIL: receiver build"; exit 1; }
printf 'a-webhook-secret-of-some-length\n' > "$T/secret"
"$T/og_recv" webhook --port-file "$T/hook.port" --secret-file "$T/secret" --log "$T/hook.log" &
_bg_pids+=($!)
for _ in $(seq 100); do [ -s "$T/hook.port" ] && break; sleep 0.1; done
run 0 "allow loopback egress" og notify egress allow 127.0.0.0/8   # the receiver's range
run 0 "webhook channel" og notify add --tenant acme webhook "http://127.0.0.1:$(cat "$T/hook.port")/hook" --secret-file "$T/secret"

base=$(free_ports 2) || exit 1
site=$base other=$((base + 1))
L=$T/live
mkdir -p "$L" "$T/nginx"
cat "$P/a.crt" "$P/int.crt" > "$L/site.crt"; cp "$P/a.key" "$L/site.key"; chmod 600 "$L/site.key"
# `other` keeps serving a static copy of a: an endpoint that never sees a deploy.
cp "$L/site.crt" "$T/static.crt"; cp "$L/site.key" "$T/static.key"
cat > "$T/servers.conf" <<CONF
server {
  listen 127.0.0.1:$site ssl;
  ssl_certificate $L/site.crt;
  ssl_certificate_key $L/site.key;
  return 200 "site\n";
}
server {
  listen 127.0.0.1:$other ssl;
  ssl_certificate $T/static.crt;
  ssl_certificate_key $T/static.key;
  return 200 "other\n";
}
CONF
nginx_up "$T/nginx" "$T/servers.conf"
wait_served 127.0.0.1 $site localhost "$(fp "$P/a.crt")" || bad "nginx serves a at start"

common=(--type nginx --nginx-conf "$T/nginx/nginx.conf" --nginx-prefix "$T/nginx"
        --cert-path "$L/site.crt" --key-path "$L/site.key")
run 0 "target add site" og target add --tenant acme site "${common[@]}" --endpoint "127.0.0.1:$site/localhost"
run 0 "target add wrong" og target add --tenant acme wrong "${common[@]}" \
  --endpoint "127.0.0.1:$other/localhost" --verify-timeout 5s
run 2 "target add without endpoint" og target add --tenant acme x --type nginx --nginx-conf /etc/nginx/nginx.conf --cert-path /a --key-path /b
run 2 "bad endpoint is a usage error" og target add --tenant acme y "${common[@]}" --endpoint "127.0.0.1:99999"
contains "$err" "opsgate: bad endpoint '127.0.0.1:99999'" "bad endpoint named"
run 1 "duplicate target" og target add --tenant acme site "${common[@]}" --endpoint "127.0.0.1:$site"
contains "$err" "already exists" "duplicate named"

deploy() {  # CERT TARGET [extra]
  if cert_deploy_wired; then og cert deploy --tenant acme "$1" --target "$2" "${@:3}"
  else og target deploy --tenant acme "$2" --cert "$1" "${@:3}"; fi
}

FA=$(fp "$P/a.crt") FB=$(fp "$P/b.crt") FC=$(fp "$P/c.crt")
# ---- verification fails (the endpoint serves something else): automatic rollback, recorded
run 1 "deploy c to wrong fails verification" deploy "$FC" wrong --json
eq "$(jq -r .result.status <<<"$out")" rolled-back "status rolled-back"
contains "$err" "serves" "the mismatch is explained"
contains "$err" "the previous certificate is served again" "the restore is reported"
eq "$(served 127.0.0.1 $site localhost)" "$FA" "site serves a again after the rollback"
eq "$(fp "$L/site.crt")" "$FA" "files restored"
rb=$(jq -r .result.rollback_audit_seq <<<"$out") sw=$(jq -r .result.swap_audit_seq <<<"$out")
og audit list --tenant acme --json > "$T/audit.json" 2>/dev/null || og audit list acme --json > "$T/audit.json"
rec=$(jq -c --argjson s "$rb" '(if type=="array" then . else .records end) | .[] | select(.seq==$s)' "$T/audit.json")
eq "$(jq -r .action <<<"$rec")" certs.deploy.rollback "rollback recorded"
eq "$(jq -r .rollback_of <<<"$rec")" "$sw" "rollback_of points at the failed swap"
ev=$(og events list --tenant acme --json | jq -r '[.events[] | select(.type=="certs.deploy.rolled_back")] | length')
[ "$ev" -ge 1 ] && ok || bad "a certs.deploy.rolled_back event for the tenant's channels (got $ev)"
eq "$(og target list --tenant acme --json | jq -r '.targets[] | select(.name=="wrong") | .last_deploy.state')" \
  rolled-back "target list shows the rollback"

run 0 "deliver notifications" og events run
grep -q "^ok .*certs.deploy.rolled_back" "$T/hook.log" && ok || bad "rollback notification not accepted by the webhook: $(cat "$T/hook.log")"
grep -q "^ok .*gate.review" "$T/hook.log" && ok || bad "L1 review notification not accepted by the webhook: $(cat "$T/hook.log")"

# ---- a verified deploy
run 0 "deploy b to site" deploy "${FB:0:16}" site --json
eq "$(jq -r .result.status <<<"$out")" verified "status after deploy of b"
eq "$(jq -r .level <<<"$out")" L1 "certs.deploy is L1 by default"
eq "$(jq -r .state <<<"$out")" review "an L1 review item is open"
eq "$(jq -r .result.previous_fingerprint <<<"$out")" "$FA" "previous fingerprint recorded"
eq "$(served 127.0.0.1 $site localhost)" "$FB" "site serves b right after the command"
n=$(timeout 5 openssl s_client -connect 127.0.0.1:$site -servername localhost -showcerts </dev/null 2>/dev/null | grep -c "BEGIN CERTIFICATE")
eq "$n" 2 "leaf and intermediate served (chain built from the inventory, root left out)"
eq "$(stat -c %a "$L/site.key")" 600 "key mode 0600"
eq "$(stat -c %a "$L/site.crt")" 644 "certificate mode 0644"
eq "$(fp "$L/site.crt.og-prev")" "$FA" "previous certificate kept as .og-prev"
[ ! -e "$T/nginx/nginx.conf.og-test" ] && [ ! -e "$L/site.crt.og-new" ] && ok || bad "no staging leftovers"
gate_b=$(jq -r .gate_id <<<"$out")

# ---- nginx -t fails (an RSA-1024 key at security level 2): nothing swapped, a clear error
before=$(md5sum "$L/site.crt" "$L/site.key")
run 1 "deploy weak fails" deploy "$(fp "$P/weak.crt")" site
contains "$err" "nginx -t rejected the new certificate (nothing was swapped)" "nginx -t failure explained"
contains "$err" "key too small" "nginx's own reason passed on"
eq "$(md5sum "$L/site.crt" "$L/site.key")" "$before" "live files untouched after nginx -t failed"
eq "$(served 127.0.0.1 $site localhost)" "$FB" "site still serves b"
[ ! -e "$L/site.crt.og-new" ] && ok || bad "staged files removed after nginx -t failed"
st=$(og gate list --tenant acme --json | jq -r '[.gates[] | select(.kind=="certs.deploy")][0] | .outcome')
eq "$st" failed "the failed deploy is a failed gate item"

# ---- a human overrides the verified L1 deploy of b: a is served again
run 0 "reviewer" og user add --tenant acme rev --role tenant-admin
run 0 "override" og --as rev gate override "$gate_b" --note "wrong certificate"
eq "$(served 127.0.0.1 $site localhost)" "$FA" "site serves a again after the override"
eq "$(og gate show "$gate_b" --json | jq -r .outcome)" overridden "gate item overridden"
eq "$(og target list --tenant acme --json | jq -r '.targets[] | select(.name=="site") | .last_deploy | "\(.state) \(.fingerprint)"')" \
  "restored $FA" "target list shows the restoration: what the target holds"
run 0 "audit verify" og audit verify
done_tests
