#!/usr/bin/env bash
# test_generate_approval.sh - `generate` at L2: the document is kept with the gate item (sealed
# with the tenant's key) and stored when another user approves, days later if need be; a
# rejected request stores nothing, and the kept document is dropped once the item is decided.
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || { echo "tenant create failed" >&2; exit 1; }
og user add --tenant acme ada --role tenant-admin >/dev/null || exit 1
og user add --tenant acme pam --role project-manager >/dev/null || exit 1
og project create --tenant acme northwind "Northwind M365" >/dev/null || exit 1
og gate policy set --tenant acme artifacts.generate L2 >/dev/null || exit 1
G=(generate --tenant acme --project northwind)

# what the document will be (a dry run stores nothing and asks no gate)
og --as pam "${G[@]}" sow --input "$P/northwind-m365.json" --dry-run -o "$OG_TMP/sow.md" 2>/dev/null && ok || bad "dry run failed"

# generate at L2: waits, stores nothing yet, says so
og --as pam "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/l2.md" 2>"$OG_TMP/err"
rc=$?
[ "$rc" -ne 0 ] && grep -q "needs approval: gate item" "$OG_TMP/err" && ok || bad "L2 generate did not wait: rc $rc $(cat "$OG_TMP/err")"
if og artifact get --tenant acme --project northwind --name sow.md -o "$OG_TMP/none.md" 2>/dev/null; then
  bad "the document was stored before approval"; else ok; fi
GID=$(og gate list --tenant acme --state pending --json | jq -r '.gates[0].id')
[ -n "$GID" ] && [ "$GID" != null ] && ok || bad "no pending gate item"
# the document is not in the item's params (plain text) nor in the database in the clear
og gate show "$GID" --json | jq -e '.params | has("staged") | not' >/dev/null && ok || bad "params carry a staging token"
if grep -qaF "Total fees: EUR 18,366.25" "$D/opsgate.db" "$D"/opsgate.db-wal 2>/dev/null; then
  bad "the staged document is in the database in plain text"; else ok; fi

# the requester cannot approve; another user can, and the document is stored then
if og --as pam gate approve "$GID" >/dev/null 2>&1; then bad "the requester approved"; else ok; fi
og --as ada gate approve "$GID" >"$OG_TMP/out" 2>"$OG_TMP/err" && ok || bad "approve failed: $(cat "$OG_TMP/err")"
og artifact get --tenant acme --project northwind --name sow.md -o "$OG_TMP/got.md" && ok || bad "no document after approval"
grep -qF "**Total fees: EUR 18,366.25** for 144.75 hours." "$OG_TMP/got.md" && ok || bad "stored document content"
cmp -s "$OG_TMP/got.md" "$OG_TMP/sow.md" && ok || bad "stored document differs from the one generated"
og gate show "$GID" --json | jq -e '.outcome == "approved" and .result.version == 1 and .result.data_version == 1' >/dev/null &&
  ok || bad "gate item result: $(og gate show "$GID" --json | jq -c '{outcome, result, error}')"

# rejected: nothing stored, the kept document dropped
og --as pam "${G[@]}" runbook --input "$P/northwind-m365.json" -o "$OG_TMP/rb.md" 2>/dev/null
GID2=$(og gate list --tenant acme --state pending --json | jq -r '.gates[0].id')
og --as ada gate reject "$GID2" >/dev/null 2>&1 && ok || bad "reject failed"
if og artifact get --tenant acme --project northwind --name runbook.md -o "$OG_TMP/rb2.md" 2>/dev/null; then
  bad "a rejected document was stored"; else ok; fi
[ "$(sqlite3 "$D/opsgate.db" "SELECT count(*) FROM gate_items WHERE staged IS NOT NULL" 2>/dev/null || echo 0)" = 0 ] && ok ||
  bad "decided items still keep their staged input"
og_done
