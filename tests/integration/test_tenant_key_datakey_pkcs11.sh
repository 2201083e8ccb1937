#!/usr/bin/env bash
# test_tenant_key_datakey_pkcs11.sh - `tenant key rotate --data-key` for a tenant whose KEK is an
# AES key in a PKCS#11 token (SoftHSM2, initialised here; issue 20): the new data-key version is
# wrapped inside the token, everything re-sealed opens, nothing is left under the old version, and
# with a wrong PIN the rotation is refused for that tenant only, changing nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys_lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed" >&2; exit 77; }

keys_softhsm_token acme-kek

D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
DB=$(ls "$D"/*.db | head -n 1)
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
og project create --tenant acme fw "Firewall" >/dev/null || bad "project"
for i in $(seq 1 20); do
  printf 'doc %d\n' "$i" | og artifact put --tenant acme --project fw --name "d$((i % 5)).md" - \
    >/dev/null || bad "put $i"
done
head -c 300000 /dev/urandom >"$OG_TMP/big.bin"
og artifact put --tenant acme --project fw --name big.bin "$OG_TMP/big.bin" >/dev/null || bad "big"
og tenant key set --tenant acme --provider pkcs11 --pkcs11-uri 'pkcs11:token=og-it;object=acme-kek' \
  --pkcs11-module "$MODULE" --pin-file "$PIN" >/dev/null || bad "key set pkcs11"
snap() { for n in 0 1 2 3 4; do og artifact get --tenant acme --project fw --name "d$n.md"; done
  og artifact get --tenant acme --project fw --name big.bin | sha256sum; }
snap >"$OG_TMP/before" || bad "snapshot"

# A wrong PIN: refused, nothing changes, the other tenant is not concerned.
printf '9999\n' >"$PIN"
if og tenant key rotate --tenant acme --data-key --wait 2>"$OG_TMP/err"; then
  bad "rotated with a wrong PIN"
else grep -qi "pin" "$OG_TMP/err" && ok || bad "wrong-PIN message: $(cat "$OG_TMP/err")"; fi
[ "$(og --json tenant key show --tenant acme 2>/dev/null | jq -r .data_key.data_key_version)" = 1 ] \
  && ok || bad "data key version changed by a refused rotation"
og tenant key rotate --tenant globex --data-key --wait >/dev/null 2>&1 && ok || bad "globex rotates"
printf '1234\n' >"$PIN"

og tenant key rotate --tenant acme --data-key --wait >"$OG_TMP/out" 2>&1 ||
  bad "rotate under pkcs11: $(cat "$OG_TMP/out")"
og --json tenant key show --tenant acme >"$OG_TMP/show.json"
jq -e '.provider == "pkcs11" and .data_key.data_key_version == 2 and .data_key.state == "idle"' \
  "$OG_TMP/show.json" >/dev/null && ok || bad "show: $(cat "$OG_TMP/show.json")"
snap >"$OG_TMP/after" && cmp -s "$OG_TMP/before" "$OG_TMP/after" && ok || bad "content differs"
tid=$(og --json tenant show acme | jq -r .id)
[ "$(sqlite3 "$DB" "SELECT count(*) FROM art_versions WHERE tenant_id='$tid' AND hex(substr(sealed,1,5)) <> '0200000002'")" = 0 ] \
  && ok || bad "versions left under the old data key"
n=0; for f in $(find "$D/objects/$tid" -path '*/tmp' -prune -o -type f -print); do
  [ "$(head -c 5 "$f" | xxd -p)" = 0200000002 ] || n=$((n + 1)); done
[ "$n" = 0 ] && ok || bad "$n object files left under the old data key"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM crypto_data_key_old")" = 0 ] && ok || bad "old version kept"
og audit verify >/dev/null 2>&1 && ok || bad "audit verify"
og_done
