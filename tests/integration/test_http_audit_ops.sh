#!/usr/bin/env bash
# test_http_audit_ops.sh - the audit check routes (issue 22, src/http/audit_ops_api.c), one server:
# verify reports an intact chain (a platform token: every chain), and a tampered record as
# "intact": false naming it; only a platform-admin signs checkpoints; a proof is 404 until a
# checkpoint covers the record, then verifies offline with `opsgate audit verify-proof` against
# the public key GET /api/v1/audit/pubkey gives; roles as the CLI's, another tenant 404.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
og_fixture "$D"
og_serve "$D" --checkpoint-every never || exit 1

api GET /api/v1/audit/verify "$aud"
expect_status 200 "an auditor verifies the tenant's chain"
expect_jq .intact true "intact"
expect_jq .chains 1 "one chain"
api GET /api/v1/audit/verify "$admin"
expect_jq '.intact and .chains >= 3' true "a platform token verifies every chain"
api GET /api/v1/audit/verify "$eve"
expect_error 403 forbidden "an engineer cannot verify"
api GET "/api/v1/audit/verify?tenant=acme" "$gus"
expect_error 404 not_found "globex's admin: acme's chain"

api GET "/api/v1/audit/proof?seq=1" "$aud"
expect_error 404 not_found "no checkpoint covers the record yet"
api GET "/api/v1/audit/proof?seq=x" "$aud"
expect_error 400 invalid "a bad seq"
api GET /api/v1/audit/proof "$aud"
expect_error 400 invalid "seq is required"

api POST /api/v1/audit/checkpoints "$ada"
expect_error 403 forbidden "a tenant-admin cannot sign checkpoints"
api POST /api/v1/audit/checkpoints "$admin"
expect_status 200 "a platform-admin signs every chain that grew"
expect_jq '.checkpoints_made >= 3' true "acme, globex and the platform"
q user add --tenant acme late --role engineer
api POST "/api/v1/audit/checkpoints?tenant=acme" "$admin"
expect_status 201 "a platform-admin signs acme's chain"
expect_header Location "/api/v1/audit/checkpoint\\?tenant=$(og tenant show acme --json | jq -r .id)" "Location: the chain's latest checkpoint"
expect_jq .tree_size "$(og audit list --tenant acme --json | jq '.records | length')" "the checkpoint covers the chain"

api GET "/api/v1/audit/proof?seq=2" "$aud"
expect_status 200 "the auditor gets a proof"
printf '%s' "$body" >"$OG_TMP/proof.json"
api GET "/api/v1/audit/proof?seq=2&tenant=acme" "$gus"
expect_error 404 not_found "globex's admin: a proof of acme's chain"
api GET /api/v1/audit/pubkey "$eve"
expect_jq .algorithm ed25519 "the public key"
jq -r .pem <<<"$body" >"$OG_TMP/pub.pem"
if "$OPSGATE" audit verify-proof "$OG_TMP/proof.json" --pubkey "$OG_TMP/pub.pem" >"$OG_TMP/vp" 2>&1; then ok
else bad "the proof verifies offline: $(cat "$OG_TMP/vp")"; fi

# a record changed behind opsgate's back: verify reports it, still 200
acme_id=$(og tenant show acme --json | jq -r .id)
on=""
[ "${OG_IT_BACKEND:-}" = pg ] && on=" ON audit_record"
og_sql "$D" "DROP TRIGGER IF EXISTS audit_record_no_update$on;
  UPDATE audit_record SET action = 'tenant.forged' WHERE chain = '$acme_id' AND seq = 2;" ||
  bad "tampering with the trail"
api GET /api/v1/audit/verify "$aud"
expect_status 200 "a broken trail is a report"
expect_jq .intact false "not intact"
expect_jq .problem.seq 2 "the record is named"
og_done
