#!/usr/bin/env bash
# test_tenant_key_datakey.sh - `opsgate tenant key rotate --data-key` (issue 20): a tenant with many
# sealed items (200 artifact versions, objects in files and inline, a notification channel, a
# connector, an imported certificate key) gets a new data-key version; the re-seal is killed with
# kill -9 mid-way, once in the CLI's --wait and once in `serve`'s background job, and resumed:
# every item opens with its content unchanged, none is left under the old version, the old version
# is destroyed, `audit verify` passes and the OSCAL export carries the custody events. A tenant
# under a `file` KEK rotates too, and another tenant is untouched throughout.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300} # 200 versions re-sealed twice, with kills, on a busy CI
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed" >&2; exit 77; }
src="${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"

N=${OG_DATAKEY_N:-200}
M=$(( N / 4 )) # artifacts, four versions each
D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
DB=$(ls "$D"/*.db | head -n 1)
og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
og project create --tenant acme fw "Firewall" >/dev/null || bad "project"
og project create --tenant globex gw "Gateway" >/dev/null || bad "globex project"

# --- many sealed items (through the API: one process, quicker than a CLI call per version)
og user add --tenant acme eve --role engineer >/dev/null || bad "user"
eve=$(og token create --tenant acme --user eve --json | jq -r .token)
export OPSGATE_JOBS_EVERY=1h # no background re-seal until part 2
og_serve "$D" || exit 1
put() { # NAME FILE
  code=$(curl -sS --max-time 30 -X PUT -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $eve" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$2" \
    "$OG_URL/api/v1/projects/fw/artifacts/$1") || code=curl-failed
  [ "$code" = 201 ] || [ "$code" = 200 ] || bad "put $1: $code"
}
mkdir -p "$OG_TMP/docs"
for i in $(seq 1 "$N"); do
  printf 'document %d, version of artifact a%d\n' "$i" $((i % M)) >"$OG_TMP/docs/v"
  put "a$((i % M)).md" "$OG_TMP/docs/v"
done
for i in 1 2 3; do # incompressible and over the inline limit: object files
  head -c 400000 /dev/urandom >"$OG_TMP/docs/big$i.bin"
  put "big$i.bin" "$OG_TMP/docs/big$i.bin"
done
og_stop
printf 'globex doc\n' | og artifact put --tenant globex --project gw --name g.md - >/dev/null ||
  bad "globex put"
printf 'hmac-key-0123456789\n' >"$OG_TMP/secret"
og notify add --tenant acme webhook https://hooks.example.com/acme/x --secret-file "$OG_TMP/secret" \
  >/dev/null || bad "notify channel"
printf '{"username":"api@acme.example","secret":"s3cret","integration_code":"ABC"}\n' \
  >"$OG_TMP/creds.json"
og connector add psa --tenant acme --kind autotask --base-url https://psa.example.com \
  --credentials-file "$OG_TMP/creds.json" >/dev/null 2>"$OG_TMP/conn.err" ||
  bad "connector: $(cat "$OG_TMP/conn.err")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=shop.acme.example \
  -days 30 -keyout "$OG_TMP/shop.key" -out "$OG_TMP/shop.crt" 2>/dev/null
cat "$OG_TMP/shop.crt" "$OG_TMP/shop.key" >"$OG_TMP/bundle.pem"
og cert import --tenant acme "$OG_TMP/bundle.pem" >/dev/null || bad "cert import with key"

# Every artifact's latest content (through a server started for it: quicker than a CLI call each).
snapshot() {
  local n
  og_serve "$D" || return 1
  for n in $(seq 0 $((M - 1))) big1.bin big2.bin big3.bin; do
    case $n in big*) ;; *) n="a$n.md" ;; esac
    curl -fsS --max-time 30 -H "Authorization: Bearer $eve" \
      "$OG_URL/api/v1/projects/fw/artifacts/$n/content" | sha256sum || echo "failed $n"
  done
  og_stop
}
snapshot >"$OG_TMP/before" 2>"$OG_TMP/snap.err" || bad "snapshot: $(cat "$OG_TMP/snap.err")"
[ "$(sort -u "$OG_TMP/before" | wc -l)" -ge $((M + 3)) ] && ! grep -q failed "$OG_TMP/before" &&
  ok || bad "snapshot: $(head -5 "$OG_TMP/before")"
same_content() {
  if snapshot >"$OG_TMP/after" 2>"$OG_TMP/snap.err" && cmp -s "$OG_TMP/before" "$OG_TMP/after"
  then ok; else bad "$1: content differs or fails: $(head -c 300 "$OG_TMP/snap.err")"; fi
}
# Items still under data-key version V (4 bytes after the format byte 0x02), or of format 0x01.
tid=$(og --json tenant show acme | jq -r .id)
under() {
  local v; v=$(printf '02%08X' "$1")
  sqlite3 "$DB" "SELECT
    (SELECT count(*) FROM art_versions WHERE tenant_id='$tid' AND hex(substr(sealed,1,5)) IN ('$v'))
  + (SELECT count(*) FROM art_artifacts WHERE tenant_id='$tid' AND hex(substr(sealed,1,5)) IN ('$v'))
  + (SELECT count(*) FROM art_objects WHERE tenant_id='$tid' AND inline IS NOT NULL AND hex(substr(inline,1,5)) IN ('$v'))
  + (SELECT count(*) FROM notify_channels WHERE tenant_id='$tid' AND hex(substr(secret,1,5)) IN ('$v'))
  + (SELECT count(*) FROM connectors WHERE tenant_id='$tid' AND hex(substr(secret,1,5)) IN ('$v'))
  + (SELECT count(*) FROM cert_keys WHERE tenant_id='$tid' AND hex(substr(sealed,1,5)) IN ('$v'))"
}
files_under() {
  local v f n=0; v=$(printf '02%08x' "$1")
  for f in $(find "$D/objects/$tid" -path '*/tmp' -prune -o -type f -print); do
    [ "$(head -c 5 "$f" | xxd -p)" = "$v" ] && n=$((n + 1))
  done
  echo "$n"
}
[ "$(files_under 1)" -ge 3 ] && ok || bad "the big objects are not files under version 1"
[ "$(under 1)" -gt "$N" ] && ok || bad "items under version 1 before: $(under 1)"
show() { og --json tenant key show --tenant acme; }

# --- 1. CLI --wait, killed with -9 part way, then resumed
export OPSGATE_RESEAL_BATCH=4
"$OPSGATE" --data "$D" tenant key rotate --tenant acme --data-key --wait >/dev/null 2>&1 &
pid=$! # the opsgate process itself (a shell function would put a subshell in between)
for i in $(seq 1 200); do
  d=$(show | jq '[.data_key.progress[]?.done] | add // 0')
  [ "${d:-0}" -ge 20 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
show >"$OG_TMP/mid.json"
[ "$(jq -r .data_key.state "$OG_TMP/mid.json")" = re-sealing ] && ok ||
  bad "not interrupted mid-way: $(cat "$OG_TMP/mid.json")"
[ "$(jq -r .data_key.data_key_version "$OG_TMP/mid.json")" = 2 ] && ok || bad "version 2 mid-way"
same_content "mid-way, after kill -9"
og tenant key show --tenant acme | grep -q "re-seal artifacts" && ok || bad "show prints progress"
if og tenant key rotate --tenant acme --data-key 2>"$OG_TMP/err"; then
  bad "a second rotation started while one is unfinished"
else grep -q "not finished" "$OG_TMP/err" && ok || bad "conflict message: $(cat "$OG_TMP/err")"; fi
og tenant key rotate --tenant acme --data-key --wait >"$OG_TMP/out" 2>&1 ||
  bad "resume: $(cat "$OG_TMP/out")"
show >"$OG_TMP/end.json"
jq -e '.data_key.state == "idle" and .data_key.data_key_version == 2 and
  .data_key.oldest_kept_version == 2' "$OG_TMP/end.json" >/dev/null && ok ||
  bad "after resume: $(cat "$OG_TMP/end.json")"
same_content "after the CLI's resumed rotation"
[ "$(under 1)" = 0 ] && [ "$(files_under 1)" = 0 ] && ok ||
  bad "items left under version 1: $(under 1) rows, $(files_under 1) files"
[ "$(under 2)" -gt "$N" ] && [ "$(files_under 2)" -ge 3 ] && ok || bad "items under version 2"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM crypto_data_key_old")" = 0 ] && ok ||
  bad "the old data-key version is still kept"
og notify list --tenant acme | grep -q hooks.example.com && ok || bad "channel listed"
og connector show psa --tenant acme >/dev/null 2>"$OG_TMP/err" && ok ||
  bad "connector readable: $(cat "$OG_TMP/err")"
og audit verify >"$OG_TMP/verify" 2>&1 && ok || bad "audit verify: $(cat "$OG_TMP/verify")"
for a in tenant.key.datakey.begin tenant.key.datakey.progress tenant.key.datakey.done; do
  og audit list --tenant acme --action "$a" --limit 1000 --json >"$OG_TMP/audit.json" 2>/dev/null
  jq -e --arg a "$a" '[.. | objects | select(.action? == $a)] | length >= 1' "$OG_TMP/audit.json" \
    >/dev/null && ok || bad "no $a record"
done

# --- 2. serve's background job, killed with -9 part way, then restarted
export OPSGATE_JOBS_EVERY=1s
og_serve "$D" || exit 1
og tenant key rotate --tenant acme --data-key >"$OG_TMP/out" 2>&1 || bad "rotate: $(cat "$OG_TMP/out")"
grep -q "background" "$OG_TMP/out" && ok || bad "rotate says the background job re-seals"
for i in $(seq 1 400); do
  d=$(show | jq '[.data_key.progress[]?.done] | add // 0')
  [ "${d:-0}" -ge 20 ] && break
  sleep 0.05
done
og_stop KILL
[ "$(show | jq -r .data_key.state)" = re-sealing ] && ok || bad "server not interrupted mid-way"
export OPSGATE_JOBS_EVERY=1h
same_content "after the server's kill -9"
export OPSGATE_JOBS_EVERY=1s
og_serve "$D" || exit 1
for i in $(seq 1 600); do
  [ "$(show | jq -r .data_key.state)" = idle ] && break
  sleep 0.1
done
[ "$(show | jq -r '.data_key.state + " " + (.data_key.data_key_version|tostring)')" = "idle 3" ] &&
  ok || bad "background rotation did not finish: $(show)"
og_stop
export OPSGATE_JOBS_EVERY=1h
same_content "after the background rotation"
[ "$(under 2)" = 0 ] && [ "$(files_under 2)" = 0 ] && [ "$(under 3)" -gt "$N" ] && ok ||
  bad "items left under version 2: $(under 2) rows, $(files_under 2) files"
og audit verify >"$OG_TMP/verify" 2>&1 && ok || bad "audit verify: $(cat "$OG_TMP/verify")"
unset OPSGATE_JOBS_EVERY

# --- 3. a tenant under its own key file; another tenant untouched
KEY="$OG_TMP/client/globex.key"
mkdir -p "$OG_TMP/client" && head -c 32 /dev/urandom >"$KEY" && chmod 600 "$KEY"
og tenant key set --tenant globex --provider file --key-file "$KEY" >/dev/null || bad "globex file"
og tenant key rotate --tenant globex --data-key --wait >/dev/null 2>"$OG_TMP/err" ||
  bad "globex rotate: $(cat "$OG_TMP/err")"
[ "$(og --json tenant key show --tenant globex | jq -r '.provider + " " + (.data_key.data_key_version|tostring)')" \
  = "file 2" ] && ok || bad "globex under file, data key 2"
[ "$(og artifact get --tenant globex --project gw --name g.md)" = "globex doc" ] && ok ||
  bad "globex content after its rotation"
mv "$KEY" "$KEY.away"
if og artifact get --tenant globex --project gw --name g.md >/dev/null 2>&1; then
  bad "globex readable without its key file"
else ok; fi
mv "$KEY.away" "$KEY"
[ "$(og --json tenant key show --tenant acme | jq -r .data_key.data_key_version)" = 3 ] && ok ||
  bad "acme untouched by globex's rotation"

# --- 4. the custody events in the OSCAL export
og audit export --tenant acme --format oscal >"$OG_TMP/acme-oscal.json" || bad "oscal export"
OBS='."assessment-results".results[0].observations'
jq -e "[$OBS[] | select(any(.props[]; .name == \"key-custody-event\" and .value == \"datakey.begin\"))
  | select(any(.props[]; .name == \"kek-provider\" and .value == \"master\"))
  | select(any(.props[]; .name == \"to-data-key-version\" and .value == \"2\"))
  | select(.origins[0].actors[0].type == \"party\")] | length == 1" "$OG_TMP/acme-oscal.json" \
  >/dev/null && ok || bad "no datakey.begin custody observation with provider and version"
jq -e "[$OBS[] | select(any(.props[]; .name == \"key-custody-event\" and .value == \"datakey.done\"))]
  | length == 2" "$OG_TMP/acme-oscal.json" >/dev/null && ok || bad "two datakey.done observations"
og audit export --tenant globex --format oscal >"$OG_TMP/globex-oscal.json" || bad "globex oscal"
jq -e "[$OBS[] | select(any(.props[]; .name == \"key-custody-event\" and .value == \"set\"))
  | select(any(.props[]; .name == \"to-kek-provider\" and .value == \"file\"))
  | select(any(.props[]; .name == \"to-key-file\"))] | length == 1" "$OG_TMP/globex-oscal.json" \
  >/dev/null && ok || bad "globex's key set as custody evidence"
"$src/scripts/oscal-validate.sh" "$OG_TMP/acme-oscal.json" "$OG_TMP/globex-oscal.json" \
  >"$OG_TMP/val" 2>&1
rc=$?
if [ $rc = 0 ]; then ok; elif [ $rc = 77 ]; then echo "note: OSCAL validator unavailable" >&2
else bad "OSCAL export does not validate: $(tail -5 "$OG_TMP/val")"; fi

og_done
