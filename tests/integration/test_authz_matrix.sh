#!/usr/bin/env bash
# test_authz_matrix.sh - every route of the authorization matrix (tests/authz/matrix.txt) as every
# role, another tenant's object vs a missing one, no/revoked/expired token; docs/api.md's
# permission matrix is up to date; and the test of the test: a loosened cell is caught.
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in python3 openssl; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done
M="$SRC/tests/authz/matrix.txt"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
# The matrix sends revoked, expired and missing tokens to every route on purpose, hundreds of
# failed authentications from one address: the failure limit (test_auth_throttle.sh) is off here.
og_serve "$D" --auth-fail-limit 0 || exit 1

# --- the matrix, against the live server (the observed matrix is kept for the test of the test)
if python3 "$SRC/tests/authz/authz_matrix.py" "$OG_URL" "$admin" "$M" --record "$OG_TMP/observed.txt"; then
  ok
else
  bad "the server's answers differ from $M (see FAIL lines above)"
fi
python3 "$SRC/tests/authz/matrix.py" compare "$M" "$OG_TMP/observed.txt" >/dev/null
expect_rc() { if [ "$2" = "$1" ]; then ok; else bad "$3: exit $2, want $1"; fi; }
expect_rc 0 $? "the observed matrix matches the file"

# --- the test of the test: a client-viewer allowed to delete a user (403 loosened to 204) and
# a tenant-admin reading another tenant's object (404 loosened to 200) must both be reported.
sed -E '/^DELETE +\/api\/v1\/tenants\/\{tenant\}\/users\/\{user\} /{s/ 403( +[-0-9|ok]+ +[-0-9|ok]+ +[-0-9|ok]+ +[-0-9|ok]+ +[-0-9|ok]+)$/ 204\1/}' \
  "$M" >"$OG_TMP/loosened.txt"
if cmp -s "$M" "$OG_TMP/loosened.txt"; then bad "planting the loosened cell changed nothing"; fi
out=$(python3 "$SRC/tests/authz/matrix.py" compare "$OG_TMP/loosened.txt" "$OG_TMP/observed.txt")
expect_rc 1 $? "a loosened client-viewer cell is caught"
case "$out" in *"DELETE /api/v1/tenants/{tenant}/users/{user}: client-viewer answers 403"*) ok ;;
  *) bad "the loosened cell is not named: $out" ;; esac
out=$(python3 "$SRC/tests/authz/authz_matrix.py" --selftest 2>&1)
expect_rc 0 $? "a cross-tenant answer that differs from a missing one is caught: $out"

# --- docs/api.md's permission matrix is generated from the file
if python3 "$SRC/tools/authz-doc.py" --check "$M" "$SRC/docs/api.md"; then ok; else
  bad "docs/api.md is out of date: run tools/authz-doc.py tests/authz/matrix.txt docs/api.md"
fi
og_done
