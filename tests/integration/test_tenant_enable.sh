#!/usr/bin/env bash
# test_tenant_enable.sh - enabling a process area for a tenant over the CLI and HTTP: what it
# provisions and keeps, one audit record, idempotent, disable keeps policies, who may (engineer
# denied, another tenant's is 404 / not found), a bad area names the valid ones.
. "$(dirname "$0")/lib.sh"

d="$OG_TMP/data"
ptok=$(og_init "$d") || exit 1
og() { "$OPSGATE" --data "$d" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null
og user add --tenant acme ada --role tenant-admin >/dev/null
og user add --tenant acme eve --role engineer >/dev/null
og user add --tenant globex gil --role tenant-admin >/dev/null
tok() { og --json token create --tenant "$1" --user "$2" --ttl 1h | jq -r .token; }

# ---- CLI ----
og gate policy set certs.deploy L2 --tenant acme >/dev/null
out=$(og --as ada --json tenant enable --tenant acme certs) && ok || bad "CLI enable as tenant-admin: $out"
[ "$(jq -r '.provisioned.gate_policies.set[].kind' <<<"$out" | grep -cx certs.renew)" = 1 ] && ok ||
  bad "certs.renew not set: $out"
[ "$(jq -r '.provisioned.gate_policies.kept[] | "\(.kind) \(.level)"' <<<"$out")" = "certs.deploy L2" ] &&
  ok || bad "the admin's certs.deploy L2 not kept: $out"
[ "$(jq -r .provisioned.notifications.state <<<"$out")" = pending ] && ok || bad "rules not pending: $out"
txt=$(og --as ada tenant enable --tenant acme certs)
grep -q "already enabled" <<<"$txt" && grep -q "kept (already chosen): certs.deploy L2" <<<"$txt" &&
  ok || bad "second enable text: $txt"
[ "$(og --json audit list --tenant acme --action tenant.area.enable | jq '.records | length')" = 1 ] &&
  ok || bad "not one tenant.area.enable record"
[ "$(og --json gate policy show --tenant acme | jq -r '.kinds[] | select(.kind=="certs.deploy") | .level')" = L2 ] &&
  ok || bad "certs.deploy level changed"
# rules pending, a channel added: enabling again adds them, once, audited; then nothing changes
printf '0123456789abcdef0123\n' >"$OG_TMP/secret"
og notify add --tenant acme webhook https://hooks.example.test/a --secret-file "$OG_TMP/secret" \
  --events gate.task >/dev/null ||
  bad "notify add"
out=$(og --as ada --json tenant enable --tenant acme certs) && ok || bad "enable again: $out"
[ "$(jq -r '.completed | join(",")' <<<"$out")" = notifications ] &&
  [ "$(jq -r .provisioned.notifications.state <<<"$out")" = added ] && ok ||
  bad "pending rules not completed: $out"
txt=$(og --as ada tenant enable --tenant acme certs)
grep -q "already enabled (nothing changed)" <<<"$txt" && ok || bad "third enable text: $txt"
[ "$(og --json audit list --tenant acme --action tenant.area.complete | jq '.records | length')" = 1 ] &&
  ok || bad "not one tenant.area.complete record"
err=$(og --as eve tenant enable --tenant acme artifacts 2>&1); rc=$?
[ $rc = 1 ] && grep -q "tenant-admin" <<<"$err" && ok || bad "engineer enable: rc $rc $err"
err=$(og --as gil tenant enable --tenant acme artifacts 2>&1); rc=$?
[ $rc = 1 ] && grep -q "not found" <<<"$err" && ok || bad "other tenant's admin: rc $rc $err"
err=$(og tenant enable --tenant acme dns 2>&1); rc=$?
[ $rc = 2 ] && grep -q "valid: certs, artifacts" <<<"$err" && ok || bad "bad area: rc $rc $err"
out=$(og --as eve --json tenant areas --tenant acme)
[ "$(jq -r '.areas[] | select(.area=="certs") | .dashboard | join(",")' <<<"$out")" = "overview,certificates,inbox" ] &&
  ok || bad "engineer's certs dashboard: $out"
txt=$(og --as ada tenant disable --tenant acme certs)
grep -q "stay as they are" <<<"$txt" && ok || bad "disable text: $txt"
[ "$(og --json gate policy show --tenant acme | jq -r '.kinds[] | select(.kind=="certs.renew") | .source')" != default ] &&
  ok || bad "disable dropped the certs.renew policy"

# ---- HTTP ----
atok=$(tok acme ada); etok=$(tok acme eve); gtok=$(tok globex gil)
og_serve "$d" || exit 1
api POST /api/v1/tenants/acme/areas/artifacts "$etok"
expect_error 403 forbidden "engineer enables over HTTP"
api POST /api/v1/tenants/acme/areas/artifacts "$gtok"
expect_status 404 "another tenant's admin enables"
api GET /api/v1/tenants/acme/areas "$gtok"
expect_status 404 "another tenant's admin lists"
api POST /api/v1/tenants/acme/areas/dns "$atok"
expect_status 400 "a bad area"
expect_jq '.error.message | test("certs, artifacts")' true "the bad area's message names the valid ones"
api POST /api/v1/tenants/acme/areas/artifacts "$atok"
expect_status 200 "tenant-admin enables artifacts"
expect_jq '.already_enabled' false "first enable"
expect_jq '.provisioned.dashboard["client-viewer"] | join(",")' "artifacts:published" "client-viewer page"
api POST /api/v1/tenants/acme/areas/artifacts "$ptok"
expect_status 200 "platform-admin enables again"
expect_jq '.already_enabled' true "second enable is a no-op"
api GET /api/v1/tenants/acme/areas "$etok"
expect_status 200 "engineer lists areas"
expect_jq '[.areas[] | "\(.area)=\(.state)"] | join(",")' "certs=disabled,artifacts=enabled" "states"
api DELETE /api/v1/tenants/acme/areas/artifacts "$etok"
expect_status 403 "engineer disables"
api DELETE /api/v1/tenants/acme/areas/artifacts "$atok"
expect_status 200 "tenant-admin disables"
expect_jq '.kept | test("stay")' true "disable says what stays"
og_stop
[ "$(og --json audit list --tenant acme --action tenant.area.enable | jq '.records | length')" = 2 ] &&
  ok || bad "want two tenant.area.enable records (certs, artifacts)"
og_done
