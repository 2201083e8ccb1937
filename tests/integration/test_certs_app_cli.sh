#!/usr/bin/env bash
# test_certs_app_cli.sh - cloud app credentials end to end short of Microsoft Graph: a stand-in for
# the msgraph connector (og_app_seed, tests/certs/app_seed.c) syncs them, then the CLI and the HTTP
# API show them in the same lists (the kind filter, the fleet), `cert show app:...`, the expiry
# alert and /metrics; a bad kind is a usage error (CLI) or 400 (HTTP); no secret value anywhere.
. "$(dirname "$0")/lib.sh"
: "${OG_BUILD_DIR:?the build folder (og_app_seed)}"
SEED=$OG_BUILD_DIR/og_app_seed
[ -x "$SEED" ] || { echo "SKIP: $SEED is not built" >&2; exit 77; }

D=$OG_TMP/data
og() { "$OPSGATE" --data "$D" "$@"; }
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
lacks()    { case "$1" in *"$2"*) bad "$3: '$2' found in: $1" ;; *) ok ;; esac; }
SRC=connector:11111111-2222-4333-8444-555555555555

tok=$(og_init "$D") || exit 1
LOC=$(og_location "$D") || exit 1   # og_app_seed opens it itself (its key folder is $D)
og tenant create acme >/dev/null && og tenant create globex >/dev/null || { bad "tenants"; og_done; }

now=$(date +%s)
cat >"$OG_TMP/creds.json" <<JSON
[{"key_id": "k-secret-1", "object_id": "obj-1", "object_type": "application", "app_id": "app-1",
  "app_name": "Payroll sync", "type": "secret", "name": "ci-2025", "hint": "Xyz",
  "thumbprint": "", "start": $((now - 100 * 86400)), "end": $((now + 10 * 86400 + 43200))},
 {"key_id": "k-cert-1", "object_id": "sp-2", "object_type": "servicePrincipal", "app_id": "app-1",
  "app_name": "Payroll sync", "type": "certificate", "name": "saml-signing", "hint": "",
  "thumbprint": "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678", "end": $((now + 400 * 86400))}]
JSON
out=$(OPSGATE_KEYS=$D "$SEED" "$LOC" acme "$SRC" "$OG_TMP/creds.json" 2>&1) && ok || bad "seed: $out"
[ "$(printf '%s' "$out" | jq '.added | length')" = 2 ] && ok || bad "seed added: $out"
# the same again changes nothing
out=$(OPSGATE_KEYS=$D "$SEED" "$LOC" acme "$SRC" "$OG_TMP/creds.json" 2>&1)
[ "$(printf '%s' "$out" | jq '(.added + .updated + .removed) | length')" = 0 ] && ok ||
  bad "second seed: $out"
# a bad entry is refused naming it; nothing written
printf '[{"key_id": "", "object_id": "o", "object_type": "application", "type": "secret", "end": %s}]' "$now" \
  >"$OG_TMP/bad.json"
out=$(OPSGATE_KEYS=$D "$SEED" "$LOC" acme "$SRC" "$OG_TMP/bad.json" 2>&1) && bad "bad entry accepted" ||
  contains "$out" "app credential 1 (object o" "bad entry named"

# ---- the CLI
out=$(og cert list --tenant acme 2>&1) && ok || bad "cert list: $out"
contains "$out" "app 'Payroll sync' secret 'ci-2025'" "label as SUBJECT"
contains "$out" "$SRC" "source as SEEN AT"
contains "$out" "expiring" "finding"
out=$(og cert list --tenant acme --kind app-credential 2>&1) && ok || bad "--kind: $out"
head=$(printf '%s\n' "$out" | head -n 1)
for col in ID APP CREDENTIAL TYPE HINT EXPIRES LEFT FINDINGS; do contains "$head" "$col" "header $col"; done
row=$(printf '%s\n' "$out" | sed -n 2p)
contains "$row" "Payroll sync" "app column"
contains "$row" "ci-2025" "credential column"
contains "$row" "10d 12h" "left column"
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] && ok || bad "two rows: $out"
out=$(og cert list --tenant acme --kind x509 2>&1)
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && ok || bad "--kind x509 lists no app credential: $out"
og cert list --tenant acme --kind bogus >/dev/null 2>"$OG_TMP/err"; rc=$?
[ "$rc" = 2 ] && ok || bad "--kind bogus: exit $rc"
contains "$(cat "$OG_TMP/err")" "unknown kind 'bogus'" "--kind bogus names it"
out=$(og cert list --all-tenants --kind app-credential --expiring 30d 2>&1) && ok || bad "fleet: $out"
contains "$out" "TENANT" "fleet tenant column"
[ "$(printf '%s\n' "$out" | wc -l)" = 2 ] && ok || bad "fleet: one expiring: $out"
json=$(og cert list --tenant acme --json --kind app-credential)
id=$(printf '%s' "$json" | jq -r '.certs[0].id')
case "$id" in app:*) ok ;; *) bad "id: $id" ;; esac
[ "$(printf '%s' "$json" | jq -r '.certs[0].kind')" = app-credential ] && ok || bad "kind in JSON"
out=$(og cert show --tenant acme "${id:0:16}" 2>&1) && ok || bad "show: $out"
contains "$out" "Xyz" "show: hint"
contains "$out" "k-secret-1" "show: key id"
out=$(og cert show --tenant globex "$id" 2>&1) && bad "globex sees acme's: $out" || ok
# the alert: one certs.expiring at 14 days, then none
out=$(og cert check-expiry --tenant acme 2>&1)
contains "$out" "1 expiry alert raised" "alert"
out=$(og cert check-expiry --tenant acme 2>&1)
contains "$out" "0 expiry alerts raised" "no second alert"
out=$(og cert show --tenant acme "$id" --json)
[ "$(printf '%s' "$out" | jq '[.alerts[].threshold_days] | join(",")' -r)" = "30,14" ] && ok ||
  bad "alerted 30 and 14: $out"
out=$(og cert deploy --tenant acme "$id" --target nosuch 2>&1) && bad "deployed an app credential" || ok
contains "$out" "is a cloud app credential, not a certificate" "deploy refused"

# ---- HTTP
og_serve "$D" || { bad "serve"; og_done; }
api GET "/api/v1/tenants/acme/certs?kind=app-credential" "$tok"
expect_status 200 "list by kind"
expect_jq '.certs | length' 2 "two app credentials"
expect_jq '.certs[0].label' "app 'Payroll sync' secret 'ci-2025'" "label"
api GET "/api/v1/tenants/acme/certs?kind=x509" "$tok"
expect_jq '.certs | length' 0 "no certificate"
api GET "/api/v1/tenants/acme/certs?kind=bogus" "$tok"
expect_error 400 invalid "bad kind"
api GET "/api/v1/certificates?kind=app-credential&finding=expiring" "$tok"
expect_jq '.certs | length' 1 "fleet, expiring"
expect_jq '.certs[0].tenant' acme "fleet names the tenant"
api GET "/api/v1/tenants/acme/certs/$id" "$tok"
expect_status 200 "show by id"
expect_jq '.name' ci-2025 "show: name"
api GET /metrics "$tok"
grep -q '^opsgate_certs{node="[^"]*",tenant="acme",kind="app-credential",bucket="30d"} 1' <<<"$body" &&
  ok || bad "metrics: $(printf '%s\n' "$body" | grep opsgate_certs)"
og_stop

# ---- never a secret: only the hint's characters are anywhere in the data folder
if grep -rqa "Xyz8Q" "$D"; then bad "more than the hint is stored"; else ok; fi
og_done
