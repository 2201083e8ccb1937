#!/usr/bin/env bash
# test_tenant_key_file.sh - a tenant's data key under the client's own key file (issue 20):
# `tenant key set --provider file` while `opsgate serve` runs, artifacts still readable (no data
# re-encrypted), a restarted server finds the key file, and with the file taken away (the client
# withdrew its key) the tenant's requests answer 423 naming the key file while another tenant keeps
# serving; a file too open answers 503; putting the file back restores access, nothing lost. Bad
# key files are refused, changing nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys_lib.sh"

keys_tenants
KEY="$OG_TMP/client/acme.key"
mkdir -p "$OG_TMP/client" && head -c 32 /dev/urandom >"$KEY" && chmod 600 "$KEY"

og_serve "$D" || exit 1
api POST /api/v1/projects "$pam" '{"key":"fw","name":"Firewall"}'
expect_status 201 "acme project"
api POST /api/v1/projects "$gus" '{"key":"gw","name":"Gateway"}'
expect_status 201 "globex project"
put "$eve" /api/v1/projects/fw/artifacts/sow.md
expect_status 201 "acme upload under master"
put "$gus" /api/v1/projects/gw/artifacts/sow.md
expect_status 201 "globex upload under master"

# --- refused key files change nothing
chmod 644 "$KEY"
if og tenant key set --tenant acme --provider file --key-file "$KEY" 2>"$OG_TMP/err"; then
  bad "a 0644 key file was accepted"
else grep -q "wider than 0600" "$OG_TMP/err" && ok || bad "0644 message: $(cat "$OG_TMP/err")"; fi
chmod 600 "$KEY"
if og tenant key set --tenant acme --provider file --key-file key.rel 2>"$OG_TMP/err"; then
  bad "a relative key file was accepted"
else grep -q "must be absolute" "$OG_TMP/err" && ok || bad "relative: $(cat "$OG_TMP/err")"; fi
[ "$(og --json tenant key show --tenant acme | jq -r .provider)" = master ] && ok || bad "still master"
if og --as eve tenant key set --tenant acme --provider file --key-file "$KEY" 2>"$OG_TMP/err"; then
  bad "an engineer moved the key"
else grep -q "platform-admin" "$OG_TMP/err" && ok || bad "engineer: $(cat "$OG_TMP/err")"; fi

# --- set while serving: old data stays readable, new data is written under the client's key
og tenant key set --tenant acme --provider file --key-file "$KEY" >/dev/null || bad "key set file"
og --json tenant key show --tenant acme >"$OG_TMP/show.json"
[ "$(jq -r '.provider + " " + (.key_version|tostring) + " " + .key_file' "$OG_TMP/show.json")" \
  = "file 1 $KEY" ] && ok || bad "key show: $(cat "$OG_TMP/show.json")"
og audit list --tenant acme --json | jq -e '[.[] | select(.action == "tenant.key.set")]
  | length == 1' >/dev/null 2>&1 || grep -q tenant.key.set <<<"$(og audit list --tenant acme)" \
  && ok || bad "tenant.key.set audited"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md
expect_status 200 "acme download after the move"; same_doc "acme download after the move"
put "$eve" /api/v1/projects/fw/artifacts/plan.md
expect_status 201 "acme upload under the key file"

# --- a restarted server finds the key file from the store
og_stop
og_serve "$D" || exit 1
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md
expect_status 200 "acme download after a restart"; same_doc "acme download after a restart"

# --- the key file taken away: the client withdrew its key. acme is locked (423, every route,
# a clear message), globex serves; the file back, acme serves at once (no restart, no restore)
mv "$KEY" "$KEY.away"
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md
expect_status 423 "acme download without its key file"
printf '%s' "$body" | jq -e '.error.message | test("key file .* is missing: the client.s key is withdrawn; restore it to serve this tenant")' \
  >/dev/null && ok || bad "423 message: $body"
api GET /api/v1/projects "$eve"
expect_status 423 "acme: any route without its key file"
put "$eve" /api/v1/projects/fw/artifacts/new.md
expect_status 423 "acme upload without its key file"
fetch "$gus" /api/v1/projects/gw/artifacts/sow.md
expect_status 200 "globex still serves"; same_doc "globex still serves"
put "$gus" /api/v1/projects/gw/artifacts/more.md
expect_status 201 "globex still writes"
if og tenant key set --tenant acme --provider master 2>"$OG_TMP/err"; then
  bad "moved back to master without the client's key"
else grep -q "withdrawn" "$OG_TMP/err" && ok || bad "no fallback: $(cat "$OG_TMP/err")"; fi
# found too open at use: the operator's configuration, 503 naming the mode
mv "$KEY.away" "$KEY" && chmod 644 "$KEY"
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md
expect_status 503 "acme with a key file too open"
printf '%s' "$body" | jq -e '.error.message | test("permissions 0644, wider than 0600")' \
  >/dev/null && ok || bad "mode message: $body"
chmod 600 "$KEY"

# --- the file back: everything readable, nothing lost
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md
expect_status 200 "acme readable again"; same_doc "acme readable again"
# --- rotate to a new key file: version 2, the old file no longer needed
KEY2="$OG_TMP/client/acme-2.key"
head -c 32 /dev/urandom >"$KEY2" && chmod 600 "$KEY2"
og tenant key rotate --tenant acme --provider file --key-file "$KEY2" >/dev/null || bad "rotate"
[ "$(og --json tenant key show --tenant acme | jq -r '.key_version')" = 2 ] && ok || bad "version 2"
rm "$KEY"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md
expect_status 200 "acme readable after rotation"; same_doc "acme readable after rotation"
og tenant key set --tenant acme --provider master >/dev/null || bad "key set master"
rm "$KEY2"
fetch "$eve" /api/v1/projects/fw/artifacts/plan.md
expect_status 200 "acme on master needs no key file"; same_doc "acme on master"
og_stop
og_done
