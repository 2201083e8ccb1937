#!/usr/bin/env bash
# test_governance_data.sh - data that must not be lost (issue 12): a tenant under a legal hold or
# with artifacts under retention cannot be deleted (CLI and HTTP, the refusal names what blocks
# it); clearing a legal hold needs tenant-admin or platform-admin, not a project admin grant;
# a generated document's data snapshot cannot be deleted on its own, goes with its document and
# comes back with `artifact undelete` (CLI and HTTP); every file of the data folder is 0600
# (after init, writes and while serve runs, WAL and shared memory included); stale interrupted
# uploads (objects/<tenant>/tmp/*.part) are removed when serve starts, those a running upload
# holds (flock) are kept.
. "$(dirname "$0")/lib.sh"

umask 022 # what a default shell gives: files must not depend on the operator's umask
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
tok=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }

# expect_rc WANT WHAT CMD...: run CMD, check its exit status; stdout in $OG_TMP/out, stderr in
# $OG_TMP/err
expect_rc() {
  local want=$1 what=$2; shift 2
  "$@" >"$OG_TMP/out" 2>"$OG_TMP/err"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want ($(head -c 400 "$OG_TMP/err"))"; fi
}
expect_grep() {   # PATTERN FILE WHAT
  if grep -qF -- "$1" "$2"; then ok; else bad "$3: '$1' not in $(head -c 600 "$2")"; fi
}
expect_nogrep() { # PATTERN FILE WHAT
  if grep -qF -- "$1" "$2"; then bad "$3: '$1' found in $(head -c 600 "$2")"; else ok; fi
}
# files of the data folder that group or others may read or write
loose_files() { find "$D" -type f -perm /077 -printf '%m %p\n'; }

expect_rc 0 "tenant acme" og tenant create acme
expect_rc 0 "tenant globex" og tenant create globex
expect_rc 0 "ada" og user add --tenant acme ada --role tenant-admin
expect_rc 0 "eve" og user add --tenant acme eve --role engineer
expect_rc 0 "aud" og user add --tenant acme aud --role auditor
expect_rc 0 "project fw" og project create --tenant acme fw "Firewall"
A=(--tenant acme --project fw)
printf '# SOW\n\nScope: firewall\n' >"$OG_TMP/sow.md"
expect_rc 0 "put sow.md" og --as eve artifact put "${A[@]}" --name sow.md --kind sow "$OG_TMP/sow.md"

# ---- 1. a tenant under a legal hold cannot be deleted ----
expect_rc 0 "hold the project" og --as ada hold set "${A[@]}" --reason "litigation 2026-17"
expect_rc 1 "tenant delete under a project hold is refused" og tenant delete acme --yes
expect_grep "litigation 2026-17" "$OG_TMP/err" "the refusal names the hold's reason"
expect_grep "project 'fw'" "$OG_TMP/err" "the refusal names the held project"
expect_grep "hold clear" "$OG_TMP/err" "the refusal says how to clear it"
expect_rc 0 "tenant blockers" og tenant blockers acme --json
if jq -e '.blockers | length == 1 and .[0].type == "hold" and .[0].project == "fw" and .[0].module == "artifacts"' "$OG_TMP/out" >/dev/null; then
  ok; else bad "tenant blockers lists the hold: $(head -c 400 "$OG_TMP/out")"; fi
expect_rc 1 "a tenant-admin cannot list what blocks deleting the tenant" og --as ada tenant blockers acme
expect_rc 0 "the tenant is still there" og tenant show acme
expect_rc 0 "its data is still readable" og artifact get "${A[@]}" --name sow.md -o "$OG_TMP/got.md"
if cmp -s "$OG_TMP/sow.md" "$OG_TMP/got.md"; then ok; else bad "sow.md survived intact"; fi
# an admin grant on the project is not enough to clear a legal hold
expect_rc 0 "eve gets an admin grant" og access grant "${A[@]}" --user eve --right admin
expect_rc 1 "an engineer with an admin grant cannot clear a legal hold" \
  og --as eve hold clear "${A[@]}" --reason "not mine to clear"
expect_grep "tenant-admin" "$OG_TMP/err" "the denial names the role needed"
expect_rc 0 "a platform admin clears the hold" og hold clear "${A[@]}" --reason "case closed"
expect_rc 0 "audit list" og audit list --tenant acme --action hold.clear --json
if jq -e '.records | length == 1 and .[0].analysis.reason == "case closed" and
           (.[0].actor | startswith("local:"))' "$OG_TMP/out" >/dev/null 2>&1; then ok; else
  bad "hold.clear is audited with its reason and actor: $(head -c 400 "$OG_TMP/out")"; fi
# a hold on one artifact blocks it too
expect_rc 0 "hold the artifact" og --as ada hold set "${A[@]}" --name sow.md --reason "audit 2026"
expect_rc 1 "tenant delete under an artifact hold is refused" og tenant delete acme --yes
expect_grep "sow.md" "$OG_TMP/err" "the refusal names the held artifact"
expect_grep "audit 2026" "$OG_TMP/err" "the refusal names the artifact hold's reason"
expect_rc 0 "a tenant-admin clears it" og --as ada hold clear "${A[@]}" --name sow.md --reason "done"
# retention: SOWs kept 7 years; a live SOW's clock has not even started
expect_rc 0 "retention for sow" og --as ada artifact retention set --tenant acme --kind sow --keep 7y
expect_rc 1 "tenant delete with artifacts under retention is refused" og tenant delete acme --yes
expect_grep "retention" "$OG_TMP/err" "the refusal names retention"
expect_grep "sow.md" "$OG_TMP/err" "the refusal names the retained artifact"
expect_rc 0 "retention off" og --as ada artifact retention set --tenant acme --kind sow --keep 0

# ---- 2. a generated document's data snapshot is part of it ----
expect_rc 0 "project northwind" og project create --tenant acme northwind "Northwind M365"
N=(--tenant acme --project northwind)
expect_rc 0 "generate sow" og --as eve generate sow "${N[@]}" --input "$P/northwind-m365.json" -o "$OG_TMP/gen.md"
expect_rc 1 "the data snapshot cannot be deleted on its own" \
  og --as eve artifact delete "${N[@]}" --name sow.data.json
expect_grep "sow.md" "$OG_TMP/err" "the refusal names the document it belongs to"
expect_rc 0 "the snapshot is still there" og artifact get "${N[@]}" --name sow.data.json -o "$OG_TMP/snap.json"
expect_rc 0 "deleting the document" og --as eve artifact delete "${N[@]}" --name sow.md
expect_rc 0 "list --deleted" og artifact list "${N[@]}" --deleted --json
if jq -e '[.artifacts[] | select(.deleted_at != null) | .name] | sort == ["sow.data.json", "sow.md"]' "$OG_TMP/out" >/dev/null; then
  ok; else bad "the snapshot went with its document: $(cat "$OG_TMP/out")"; fi
expect_rc 1 "an auditor cannot undelete" og --as aud artifact undelete "${N[@]}" --name sow.md
expect_rc 0 "undelete the document" og --as eve artifact undelete "${N[@]}" --name sow.md
expect_grep "undeleted" "$OG_TMP/out" "undelete says so"
expect_rc 0 "the snapshot came back with it" og artifact get "${N[@]}" --name sow.data.json -o "$OG_TMP/snap2.json"
if cmp -s "$OG_TMP/snap.json" "$OG_TMP/snap2.json"; then ok; else bad "the snapshot is unchanged"; fi
expect_rc 1 "undelete of a live artifact" og --as eve artifact undelete "${N[@]}" --name sow.md
expect_grep "not deleted" "$OG_TMP/err" "undelete of a live artifact says so"
expect_rc 0 "a change order against the SOW still works" \
  og --as eve generate change-order "${N[@]}" --input "$P/northwind-m365-co1.json" -o "$OG_TMP/co.md"
expect_rc 0 "the SOW regenerates" og --as eve generate sow "${N[@]}" --input "$P/northwind-m365.json" -o "$OG_TMP/gen2.md"
expect_rc 0 "audit of the undelete" og audit list --tenant acme --action artifact.undelete --json
if jq -e '.records | length == 2 and ([.[].actor] | all(endswith("as user:eve"))) and
           ([.[] | .analysis.with // empty] | length == 1)' "$OG_TMP/out" >/dev/null 2>&1; then ok; else
  bad "document and snapshot undeletes are audited, the snapshot's naming its document: $(head -c 600 "$OG_TMP/out")"; fi
# a deleted artifact's purge is refused while its document exists (it goes with it)
expect_rc 0 "delete the change order" og --as eve artifact delete "${N[@]}" --name change-order-CO-001.md
expect_rc 1 "its snapshot cannot be purged on its own" \
  og artifact purge "${N[@]}" --name change-order-CO-001.data.json
expect_grep "change-order-CO-001.md" "$OG_TMP/err" "the purge refusal names the document"
expect_rc 0 "purging the document purges its snapshot" og artifact purge "${N[@]}" --name change-order-CO-001.md
expect_rc 1 "the snapshot is gone too" og artifact undelete "${N[@]}" --name change-order-CO-001.data.json
expect_grep "not found" "$OG_TMP/err" "the purged snapshot does not exist"

# ---- 3. file modes and stale uploads; HTTP ----
acme_id=$(og tenant show acme --json | jq -r .id)
tmpd="$D/objects/$acme_id/tmp"
mkdir -p "$tmpd"
printf 'ciphertext of an interrupted upload' >"$tmpd/stale.part"
touch -d '3 hours ago' "$tmpd/stale.part"
printf 'an upload still running' >"$tmpd/fresh.part"
printf 'a killed upload, no writer left' >"$tmpd/orphan.part"
# a running upload holds an flock on its file until the rename (docs/ops.md): hold one
flock "$tmpd/fresh.part" sleep 60 &
holder=$!
printf 'not ours' >"$tmpd/keep.txt"
touch -d '3 hours ago' "$tmpd/keep.txt"
loose=$(loose_files | grep -v "/tmp/" || true)
[ -z "$loose" ] && ok || bad "after init and CLI writes, files others can read: $loose"

og_serve "$D" || exit 1
[ -e "$tmpd/stale.part" ] && bad "serve start removes a stale .part file" || ok
[ -e "$tmpd/fresh.part" ] && ok || bad "serve start keeps a .part file a running upload holds"
[ -e "$tmpd/orphan.part" ] && bad "serve start removes a fresh .part file no upload holds" || ok
[ -e "$tmpd/keep.txt" ] && ok || bad "serve start removes only .part files"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
rm -f "$tmpd/fresh.part" "$tmpd/keep.txt"

expect_rc 0 "hold again" og --as ada hold set "${A[@]}" --reason "regulator 42"
api DELETE /api/v1/tenants/acme "$tok"
expect_error 409 conflict "HTTP tenant delete under a hold"
expect_jq '.error.message | contains("regulator 42")' true "the HTTP refusal names the hold"
api GET /api/v1/tenants/acme/delete-blockers "$tok"
expect_status 200 "HTTP delete-blockers"
expect_jq '.blockers[0].reason' "regulator 42" "HTTP delete-blockers names the hold"
expect_rc 0 "clear it" og hold clear "${A[@]}" --reason "closed"
expect_rc 0 "retention for SOWs again" og --as ada artifact retention set --tenant acme --kind sow --keep 30d
api DELETE /api/v1/tenants/acme "$tok"
expect_error 409 conflict "HTTP tenant delete with artifacts under retention"
expect_jq '.error.message | contains("retention")' true "the HTTP refusal names retention"
expect_rc 0 "retention off again" og --as ada artifact retention set --tenant acme --kind sow --keep 0

api POST /api/v1/tenants/acme/users/eve/tokens "$tok" '{}'
eve=$(printf '%s' "$body" | jq -r .token)
api GET /api/v1/tenants/acme/delete-blockers "$eve"
expect_error 403 forbidden "a tenant user cannot list what blocks deleting the tenant"
api DELETE "/api/v1/projects/fw/artifacts/sow.md" "$eve"
expect_status 204 "HTTP delete"
api POST "/api/v1/projects/fw/artifacts/sow.md/undelete" "$eve"
expect_status 200 "HTTP undelete"
expect_jq '.name' sow.md "HTTP undelete answers the artifact"
expect_jq '.deleted_at' null "the undeleted artifact is live"
api POST "/api/v1/projects/fw/artifacts/sow.md/undelete" "$eve"
expect_error 409 conflict "HTTP undelete of a live artifact"
api POST "/api/v1/projects/northwind/artifacts/sow.data.json/undelete" "$eve"
expect_error 409 conflict "HTTP undelete of a live snapshot"
api DELETE "/api/v1/projects/northwind/artifacts/sow.data.json" "$eve"
expect_error 409 conflict "HTTP delete of a data snapshot on its own"
expect_jq '.error.message | contains("sow.md")' true "the HTTP refusal names the document"
api POST "/api/v1/projects/fw/artifacts/nope.md/undelete" "$eve"
expect_error 404 not_found "HTTP undelete of an unknown artifact"

# writes while the server runs: WAL and shared memory exist now and must be private too
head -c 400000 /dev/urandom >"$OG_TMP/big.bin"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $eve" \
  --data-binary @"$OG_TMP/big.bin" "$OG_URL/api/v1/projects/fw/artifacts/big.bin")
expect_status 201 "HTTP put of a large artifact"
[ -e "$D/opsgate.db-wal" ] && ok || bad "the WAL exists while serve runs"
loose=$(loose_files)
[ -z "$loose" ] && ok || bad "while serve runs, files others can read: $loose"
og_stop
loose=$(loose_files)
[ -z "$loose" ] && ok || bad "after serve stopped, files others can read: $loose"

# the blockers gone, the tenant can be deleted
expect_rc 0 "tenant delete once nothing blocks it" og tenant delete acme --yes
expect_rc 1 "acme is gone" og tenant show acme

# an existing database created loose (by an older opsgate) is tightened when opened
chmod 0644 "$D/opsgate.db"
expect_rc 0 "open an older loose database" og tenant list
loose=$(loose_files)
[ -z "$loose" ] && ok || bad "opening tightens an existing loose database: $loose"

og_done
