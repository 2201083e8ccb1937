#!/usr/bin/env bash
# test_deploy_file.sh - the file deployer: certificate, chain, full chain and key written
# atomically with their modes (and owner as root), previous files kept, the reload command and
# its timeout, an automatic rollback when the reload fails, and an override.
. "$(dirname "$0")/deploy/lib.sh"
pki_init
leaf a; leaf b; leaf c
og_setup
for n in a b c; do import $n; done
FA=$(fp "$P/a.crt") FB=$(fp "$P/b.crt") FC=$(fp "$P/c.crt")
O=$T/out
mkdir -p "$O"
deploy() {
  if cert_deploy_wired; then og cert deploy --tenant acme "$1" --target "$2" "${@:3}"
  else og target deploy --tenant acme "$2" --cert "$1" "${@:3}"; fi
}
# The reload command fails (or hangs) when certificate c is in place, and counts its runs.
cat > "$T/reload.sh" <<SH
#!/bin/sh
echo run >> "$O/reloads"
if openssl x509 -in "$O/cert.pem" -noout -subject | grep -q "c.site.test"; then
  [ "\${1:-}" = hang ] && exec sleep 10
  echo "service refused the certificate" >&2; exit 3
fi
exit 0
SH
chmod +x "$T/reload.sh"
owner=(); [ "$(id -u)" -eq 0 ] && owner=(--owner nobody)
run 0 "target add files" og target add --tenant acme files --type file --cert-path "$O/cert.pem" \
  --chain-path "$O/chain.pem" --fullchain-path "$O/full.pem" --key-path "$O/key.pem" \
  --reload-cmd "$T/reload.sh" "${owner[@]}"
run 0 "target add hang" og target add --tenant acme hang --type file --cert-path "$O/cert.pem" \
  --key-path "$O/key.pem" --reload-cmd "$T/reload.sh hang" --reload-timeout 1s
run 2 "file target needs a key path" og target add --tenant acme x --type file --cert-path /a
contains "$err" "key_path" "missing key path named"
run 2 "relative path refused" og target add --tenant acme x --type file --cert-path rel.pem --key-path /k
contains "$err" "rel.pem" "bad path named"
run 2 "bad duration" og target add --tenant acme x --type file --cert-path /a --key-path /k --verify-timeout soon
contains "$err" "'soon'" "bad duration named"

t_before=$(date +%s%6N)
run 0 "deploy a" deploy "$FA" files --json
t_after=$(date +%s%6N)
eq "$(jq -r .result.status <<<"$out")" verified "verified by reading the files back"
# the moment the files were swapped, which the rotation benchmark times from
swap_at=$(jq -r '.result.swap_started_at_us // 0' <<<"$out")
[ "$swap_at" -gt "$t_before" ] && [ "$swap_at" -lt "$t_after" ] && ok ||
  bad "swap_started_at_us $swap_at is not inside the command ($t_before..$t_after)"
eq "$(fp "$O/cert.pem")" "$FA" "cert.pem holds a"
eq "$(grep -c BEGIN "$O/cert.pem")" 1 "cert.pem: the leaf alone"
eq "$(fp "$O/chain.pem")" "$(fp "$P/int.crt")" "chain.pem: the intermediate"
eq "$(grep -c BEGIN "$O/full.pem")" 2 "full.pem: leaf and intermediate"
eq "$(stat -c %a "$O/key.pem")" 600 "key 0600"
eq "$(stat -c %a "$O/cert.pem") $(stat -c %a "$O/chain.pem") $(stat -c %a "$O/full.pem")" "644 644 644" "certificates 0644"
cmp -s <(openssl pkey -in "$O/key.pem" -pubout 2>/dev/null) <(openssl x509 -in "$P/a.crt" -pubkey -noout) && ok || bad "key.pem is a's key"
if [ "$(id -u)" -eq 0 ]; then eq "$(stat -c %U "$O/key.pem")" nobody "owner applied as root"; fi
eq "$(wc -l < "$O/reloads")" 1 "reload command ran once"

run 0 "deploy b" deploy "$FB" files --json
gate_b=$(jq -r .gate_id <<<"$out")
eq "$(fp "$O/cert.pem")" "$FB" "cert.pem holds b"
eq "$(fp "$O/cert.pem.og-prev")" "$FA" "previous cert.pem kept"
cmp -s "$O/key.pem.og-prev" "$P/a.key" && ok || bad "previous key kept"
eq "$(stat -c %a "$O/key.pem.og-prev")" 600 "previous key stays 0600"

# ---- the reload command fails with c in place: the files of b come back, recorded
run 1 "deploy c, reload fails" deploy "$FC" files --json
eq "$(jq -r .result.status <<<"$out")" rolled-back "rolled back"
contains "$err" "exit status 3" "the reload failure is named"
contains "$err" "service refused the certificate" "its output passed on"
eq "$(fp "$O/cert.pem")" "$FB" "b restored"
cmp -s <(openssl pkey -in "$O/key.pem" -pubout 2>/dev/null) <(openssl x509 -in "$P/b.crt" -pubkey -noout) && ok || bad "b's key restored"

# ---- the reload command hangs: killed at the timeout, rolled back
start=$(date +%s)
run 1 "deploy c, reload hangs" deploy "$FC" hang --json
contains "$err" "timed out after 1000 ms" "timeout named"
[ $(( $(date +%s) - start )) -lt 8 ] && ok || bad "the hanging reload was killed at its timeout"
eq "$(fp "$O/cert.pem")" "$FB" "b restored after the timeout"

# ---- override of b's deploy: a again
run 0 "reviewer" og user add --tenant acme rev --role tenant-admin
run 0 "override b" og --as rev gate override "$gate_b"
eq "$(fp "$O/cert.pem")" "$FA" "a restored by the override"
run 1 "a second override is refused by the gate" og --as rev gate override "$gate_b"
run 0 "target list --json" og target list --tenant acme --json
eq "$(jq -r '.targets | map(.name) | join(",")' <<<"$out")" "files,hang" "targets listed"
run 0 "target remove" og target remove --tenant acme hang
run 1 "unknown target" deploy "$FA" hang
contains "$err" "no deploy target 'hang'" "unknown target named"
run 1 "unknown certificate" deploy ffff00 files
contains "$err" "ffff00" "unknown certificate named"
# ---- roles: the operator sets targets up; a tenant user deploys to them
run 0 "user ada" og user add --tenant acme ada --role tenant-admin
run 1 "a tenant admin cannot add a target" og --as ada target add --tenant acme mine --type file \
  --cert-path "$O/x.pem" --key-path "$O/x.key" --reload-cmd "touch /tmp/owned"
contains "$err" "platform admin" "the refusal says who may"
run 0 "a tenant admin deploys to an existing target" og --as ada target deploy --tenant acme files --cert "$FB"
eq "$(fp "$O/cert.pem")" "$FB" "deployed by ada"
# ---- the one ID (issue 22): a unique prefix, with colons, as cert show/renew/revoke take it
pre=$(sed -E 's/(..)/\1:/g; s/:$//' <<<"${FA:0:12}")
run 0 "deploy a by a colon prefix" deploy "$pre" files --json
eq "$(jq -r .result.status <<<"$out")" verified "deployed by prefix"
eq "$(jq -r .result.fingerprint <<<"$out")" "$FA" "the prefix resolved to a"
eq "$(fp "$O/cert.pem")" "$FA" "cert.pem holds a again"
run 1 "a prefix of no certificate" deploy 0000000000000000 files
contains "$err" "0000000000000000" "the unmatched prefix named"
run 1 "an ID of no known form" deploy not-an-id files
contains "$err" "neither a certificate fingerprint" "the forms an ID may take named"
run 1 "a prefix shorter than 8 digits is no ID" deploy "${FA:0:7}" files
contains "$err" "at least 8 hex digits" "the minimum named"
eq "$(fp "$O/cert.pem")" "$FA" "refused IDs changed nothing"
run 0 "audit verify" og audit verify
done_tests
