#!/usr/bin/env bash
# test_audit_oscal.sh - the OSCAL export of `opsgate audit export` validates with ajv-cli against
# the NIST OSCAL 1.1.2 assessment-results schema (../shared/spec/oscal), with and without records.
set -uo pipefail
: "${OPSGATE:?set OPSGATE to the opsgate binary}"
src="${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-oscal.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
D="$tmp/data"
og() { "$OPSGATE" --data "$D" "$@"; }
set -e
og init >/dev/null 2>&1
og tenant create acme >/dev/null
og user add --tenant acme alice --role engineer >/dev/null
og user add --tenant acme "bob" --role auditor >/dev/null
og token create --tenant acme --user alice >/dev/null 2>&1
og audit checkpoint >/dev/null
og user add --tenant acme carol --role engineer >/dev/null   # after the checkpoint
og audit export --tenant acme --format oscal >"$tmp/acme.json"
og audit export --format oscal >"$tmp/platform.json"
og audit export --tenant acme --format oscal --since 2999-01-01 >"$tmp/empty.json"
set +e
n=$(jq '."assessment-results".results[0].observations | length' "$tmp/acme.json")
# the record opening acme's chain, alice, bob, alice's token, carol
[ "$n" = "5" ] || { echo "FAIL: expected 5 observations, got $n" >&2; exit 1; }
jq -e '."assessment-results"."back-matter".resources[] | select(.base64.filename == "checkpoint.json")' \
  "$tmp/acme.json" >/dev/null || { echo "FAIL: no checkpoint in back-matter" >&2; exit 1; }
jq -e '[."assessment-results".results[0].observations[].props[] | select(.name == "record-hash")] | length == 5' \
  "$tmp/acme.json" >/dev/null || { echo "FAIL: observations lack record-hash props" >&2; exit 1; }
"$src/scripts/oscal-validate.sh" "$tmp/acme.json" "$tmp/platform.json" "$tmp/empty.json"
rc=$?
if [ $rc -eq 77 ]; then exit 77; fi
# the validator must reject what the schema forbids, or the check proves nothing
jq '."assessment-results".results[0].observations[0].methods = []' "$tmp/acme.json" >"$tmp/broken.json"
if "$src/scripts/oscal-validate.sh" "$tmp/broken.json" >/dev/null 2>&1; then
  echo "FAIL: the validator accepted a document with an empty methods array" >&2
  exit 1
fi
[ $rc -eq 0 ] && echo "OSCAL exports valid" || echo "FAIL: OSCAL export does not validate" >&2
exit $rc
