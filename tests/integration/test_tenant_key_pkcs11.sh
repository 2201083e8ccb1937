#!/usr/bin/env bash
# test_tenant_key_pkcs11.sh - a tenant's data key under an AES-256 key inside a PKCS#11 token
# (SoftHSM2, initialised here in a temp folder; issue 20): `tenant key set --provider pkcs11`,
# artifacts through `opsgate serve` before and after, a restarted server finds the token from the
# store; a wrong PIN fails that tenant with 503 naming it, another tenant serves; a missing object
# or a wrong PIN (or a PIN file others may read) at set time is refused with a clear error,
# changing nothing; the token removed while serving fails acme with a clear 503 once its cached
# key expires, globex serves, and acme recovers when the token is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys_lib.sh"

keys_softhsm_token acme-kek
URI='pkcs11:token=og-it;object=acme-kek'

keys_tenants
set_hsm() { og tenant key set --tenant acme --provider pkcs11 --pkcs11-uri "$1" \
  --pkcs11-module "$MODULE" --pin-file "$2"; }

og_serve "$D" || exit 1
api POST /api/v1/projects "$pam" '{"key":"fw","name":"Firewall"}'; expect_status 201 "acme project"
api POST /api/v1/projects "$gus" '{"key":"gw","name":"Gateway"}'; expect_status 201 "globex project"
put "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 201 "acme upload under master"
put "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 201 "globex upload"

# --- refusals at set time change nothing
if set_hsm 'pkcs11:token=og-it;object=nosuch' "$PIN" 2>"$OG_TMP/err"; then bad "missing object accepted"
else grep -q "no secret key object matches" "$OG_TMP/err" && ok || bad "missing object: $(cat "$OG_TMP/err")"; fi
printf '9999\n' >"$OG_TMP/badpin"; chmod 644 "$OG_TMP/badpin"
if set_hsm "$URI" "$OG_TMP/badpin" 2>"$OG_TMP/err"; then bad "a PIN file others may read accepted"
else grep -q "group or others may read it" "$OG_TMP/err" && ok || bad "0644 PIN: $(cat "$OG_TMP/err")"; fi
chmod 600 "$OG_TMP/badpin"
if set_hsm "$URI" "$OG_TMP/badpin" 2>"$OG_TMP/err"; then bad "wrong PIN accepted"
else grep -q "PIN incorrect" "$OG_TMP/err" && ok || bad "wrong PIN: $(cat "$OG_TMP/err")"; fi
[ "$(og --json tenant key show --tenant acme | jq -r .provider)" = master ] && ok || bad "still master"

# --- set: old data readable, new data under the token's key; the PIN is not stored
set_hsm "$URI" "$PIN" >/dev/null || bad "key set pkcs11"
og --json tenant key show --tenant acme >"$OG_TMP/show.json"
[ "$(jq -r '[.provider, .pkcs11_uri, .pin_file] | join(" ")' "$OG_TMP/show.json")" = "pkcs11 $URI $PIN" ] \
  && ok || bad "key show: $(cat "$OG_TMP/show.json")"
if grep -q 1234 <<<"$(sqlite3 "$D/opsgate.db" "SELECT kek_config FROM crypto_data_key")"; then
  bad "the PIN is stored"; else ok; fi
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 200 "acme read after the move"
same_doc "acme read after the move"
put "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 201 "acme upload under the HSM key"

# --- a restarted server finds the token; then with a wrong PIN: acme 503, globex serves
og_stop; og_serve "$D" || exit 1
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 200 "acme read after a restart"
same_doc "acme read after a restart"
og_stop
printf '9999\n' >"$PIN"
og_serve "$D" || exit 1
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 503 "acme with a wrong PIN"
printf '%s' "$body" | jq -e '.error.message | test("PIN incorrect")' >/dev/null && ok \
  || bad "wrong PIN message: $body"
fetch "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 200 "globex serves"
same_doc "globex serves"
printf '1234\n' >"$PIN"
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 200 "acme back with the right PIN"
same_doc "acme back"
og_stop

# --- the token removed while the server runs (its folder taken away): once the cached key expires
# (--key-cache-ttl 1s), acme fails with a clear 503, globex serves; the token back, acme serves.
og_serve "$D" --key-cache-ttl 1s || exit 1
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 200 "acme before the token goes"
mv "$OG_TMP/tokens" "$OG_TMP/tokens.away"; mkdir "$OG_TMP/tokens"
sleep 1.5
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 503 "acme with its token removed"
printf '%s' "$body" | jq -e '.error.message | test("pkcs11:token=og-it")' >/dev/null && ok \
  || bad "token removed message: $body"
fetch "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 200 "globex serves without acme's token"
rmdir "$OG_TMP/tokens"; mv "$OG_TMP/tokens.away" "$OG_TMP/tokens"
sleep 1.1 # the module is re-initialised to look for its token again at most once a second
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md; expect_status 200 "acme with its token back"
same_doc "acme with its token back"
og_stop
og_done
