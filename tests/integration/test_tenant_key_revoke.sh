#!/usr/bin/env bash
# test_tenant_key_revoke.sh - revoking a tenant's key (issue 20): `tenant key revoke` while the
# server runs locks the tenant at once (every API request 423 with a clear JSON message, the
# console an HTML page saying so, the CLI exits 1 naming it, the scheduler skips it), another tenant
# serves, nothing is deleted; `tenant key restore` brings it back only with the key that wraps the
# data key (a wrong key file or a missing one is refused, the tenant stays revoked). Who may:
# tenant-admin or platform-admin; both audited. Also: a tenant under file whose key file is
# removed answers 423 (the client withdrew its key) while others serve, and serves again as soon
# as the file is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keys_lib.sh"

keys_tenants tia tenant-admin
audited() {
  grep -q "\"$1\"" <<<"$(og audit list --tenant acme --json 2>/dev/null)" && ok || bad "$1 audited"
}

og_serve "$D" || exit 1
api POST /api/v1/projects "$pam" '{"key":"fw","name":"Firewall"}'; expect_status 201 "acme project"
api POST /api/v1/projects "$gus" '{"key":"gw","name":"Gateway"}'; expect_status 201 "globex project"
put "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 201 "acme upload"
put "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 201 "globex upload"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 200 "acme read (key cached)"
H="$OG_TMP/h"
cookie=$(curl -s -o /dev/null -D "$H" -H "Origin: $OG_URL" --data-urlencode "token=$pam" \
  "$OG_URL/console/sign-in"; tr -d '\r' <"$H" | grep -i '^set-cookie:' | head -n 1 \
  | cut -d' ' -f2- | cut -d';' -f1)
[ -n "$cookie" ] && ok || bad "console sign-in"
og cert schedule --tenant acme --every 1h 127.0.0.1:9 >/dev/null 2>&1 || bad "a schedule"

# --- who may revoke: not an engineer; the tenant-admin may
if og --as eve tenant key revoke --tenant acme 2>"$OG_TMP/err"; then bad "an engineer revoked"
else grep -q "tenant-admin or platform-admin" "$OG_TMP/err" && ok || bad "engineer: $(cat "$OG_TMP/err")"; fi
og --as tia tenant key revoke --tenant acme >"$OG_TMP/out" 2>&1 || bad "revoke: $(cat "$OG_TMP/out")"
grep -q "revoked" "$OG_TMP/out" && ok || bad "revoke says so: $(cat "$OG_TMP/out")"
audited tenant.key.revoke
[ "$(og --json tenant key show --tenant acme | jq -r '.revoked_at | length > 0')" = true ] && ok \
  || bad "key show names revoked_at"
if og --as tia tenant key revoke --tenant acme 2>"$OG_TMP/err"; then bad "revoked twice"
else grep -q "already revoked" "$OG_TMP/err" && ok || bad "twice: $(cat "$OG_TMP/err")"; fi

# --- the running server refuses acme at once (its cached key notwithstanding), globex serves
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 423 "acme read after revoke"
expect_jq '.error.code' locked "423 code"
printf '%s' "$body" | jq -e '.error.message | test("revoked at .*nothing was deleted")' >/dev/null \
  && ok || bad "423 message: $body"
api GET /api/v1/projects "$pam"; expect_error 423 locked "acme listing projects"
put "$eve" /api/v1/projects/fw/artifacts/new.md; expect_status 423 "acme upload after revoke"
fetch "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 200 "globex serves"
same_doc "globex serves"
code=$(curl -s -o "$OG_TMP/page" -w '%{http_code}' -H "Cookie: $cookie" "$OG_URL/console")
[ "$code" = 423 ] && ok || bad "console: status $code, want 423"
grep -q "locked" "$OG_TMP/page" && grep -q "revoked" "$OG_TMP/page" && grep -qi "<html" "$OG_TMP/page" \
  && ok || bad "console page says the data is locked: $(head -c 300 "$OG_TMP/page")"
# the CLI: exit 1 with a clear message
if og artifact get --tenant acme --project fw --name sow.md >/dev/null 2>"$OG_TMP/err"; then
  bad "the CLI read a revoked tenant's artifact"
else grep -q "was revoked at" "$OG_TMP/err" && ok || bad "CLI message: $(cat "$OG_TMP/err")"; fi
# the scheduler skips the tenant, recording why
og cert schedule --run-due >/dev/null 2>"$OG_TMP/err" || bad "run-due: $(cat "$OG_TMP/err")"
sched=$(og --json cert schedule --tenant acme --list)
grep -q '"skipped"' <<<"$sched" && ok || bad "schedule skipped: $sched"
grep -q "skipping schedule" "$OG_TMP/err" && ok || bad "skip logged: $(cat "$OG_TMP/err")"

# --- restore (tenant-admin, the stored key): everything back, nothing lost
if og --as eve tenant key restore --tenant acme 2>/dev/null; then bad "an engineer restored"; else ok; fi
og --as tia tenant key restore --tenant acme >/dev/null 2>"$OG_TMP/err" || bad "restore: $(cat "$OG_TMP/err")"
audited tenant.key.restore
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 200 "acme after restore"
same_doc "acme after restore"

# --- under the client's key file: restore needs that key
KEY="$OG_TMP/client/acme.key"; mkdir -p "$OG_TMP/client"
head -c 32 /dev/urandom >"$KEY" && chmod 600 "$KEY" && cp -p "$KEY" "$OG_TMP/client/keep.key"
og tenant key set --tenant acme --provider file --key-file "$KEY" >/dev/null || bad "key set file"
# A tenant under file whose key file is removed: 423 (the client's key withdrawn), others serve,
# back with it (no restart, no restore).
rm "$KEY"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 423 "acme without its key file"
printf '%s' "$body" | jq -e '.error.message | test("is missing: the client.s key is withdrawn")' \
  >/dev/null && ok || bad "423 message: $body"
fetch "$gus" /api/v1/projects/gw/artifacts/sow.md; expect_status 200 "globex serves meanwhile"
cp -p "$OG_TMP/client/keep.key" "$KEY"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 200 "acme with its key file back"
og tenant key revoke --tenant acme >/dev/null || bad "revoke under file"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 423 "revoked beats available"
head -c 32 /dev/urandom >"$KEY"
if og tenant key restore --tenant acme 2>"$OG_TMP/err"; then bad "restored with a wrong key"
else grep -q "does not unwrap it (it stays revoked)" "$OG_TMP/err" && ok || bad "wrong key: $(cat "$OG_TMP/err")"; fi
rm "$KEY"
if og tenant key restore --tenant acme 2>"$OG_TMP/err"; then bad "restored without a key"
else grep -q "not available" "$OG_TMP/err" && ok || bad "no key: $(cat "$OG_TMP/err")"; fi
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 423 "still revoked"
# the key brought back elsewhere: platform-admin only, then restored and kept there
if og --as tia tenant key restore --tenant acme --provider file \
  --key-file "$OG_TMP/client/keep.key" 2>"$OG_TMP/err"; then bad "a tenant-admin chose a path"
else grep -q "platform-admin" "$OG_TMP/err" && ok || bad "path by TA: $(cat "$OG_TMP/err")"; fi
og tenant key restore --tenant acme --provider file --key-file "$OG_TMP/client/keep.key" \
  >/dev/null 2>"$OG_TMP/err" || bad "restore elsewhere: $(cat "$OG_TMP/err")"
[ "$(og --json tenant key show --tenant acme | jq -r .key_file)" = "$OG_TMP/client/keep.key" ] \
  && ok || bad "the new key location kept"
fetch "$eve" /api/v1/projects/fw/artifacts/sow.md; expect_status 200 "acme restored under file"
same_doc "acme restored under file"
og_stop

# --- scheduled jobs skip a locked tenant up front, counted in /metrics: acme's connector is due
# at every run, but with its key file withdrawn, then also revoked, no sync starts
printf '{"username":"api@acme.example","secret":"s3cret","integration_code":"ABC"}\n' \
  >"$OG_TMP/creds.json"
og connector add psa --tenant acme --kind autotask --base-url https://psa.example.com \
  --credentials-file "$OG_TMP/creds.json" >/dev/null 2>"$OG_TMP/err" || bad "connector: $(cat "$OG_TMP/err")"
mv "$OG_TMP/client/keep.key" "$OG_TMP/client/keep.away"
skipped() { # REASON: polls /metrics (up to 10 s) for a skipped connector sync of that reason
  local i
  for i in $(seq 1 50); do
    curl -sS --max-time 5 "$OG_URL/metrics" >"$OG_TMP/metrics" 2>/dev/null || true
    grep -Eq "^opsgate_jobs_skipped_total\{[^}]*job=\"connector.sync\",reason=\"$1\"[^}]*\} [1-9]" \
      "$OG_TMP/metrics" && return 0
    sleep 0.2
  done
  return 1
}
OPSGATE_JOBS_EVERY=1s og_serve "$D" --metrics-open || exit 1
skipped key_withdrawn && ok || bad "withdrawn: no skip counted: $(grep jobs_skipped "$OG_TMP/metrics")"
og tenant key revoke --tenant acme >/dev/null || bad "revoke for the jobs" # no key needed
skipped key_revoked && ok || bad "revoked: no skip counted: $(grep jobs_skipped "$OG_TMP/metrics")"
og_stop
if grep -q "opsgate: connector:" "$OG_SERVER_LOG"; then bad "a sync hit the lock: $(cat "$OG_SERVER_LOG")"
else ok; fi
og_done
