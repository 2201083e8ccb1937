#!/usr/bin/env bash
# test_audit_oscal.sh - the OSCAL export of `opsgate audit export` validates with ajv-cli against
# the NIST OSCAL 1.1.2 assessment-results schema (../shared/spec/oscal), with and without records,
# and names the tenant, the actors and the targets (user, artifact, certificate) next to their ids.
set -uo pipefail
: "${OPSGATE:?set OPSGATE to the opsgate binary}"
src="${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
for t in jq openssl; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
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
# names next to ids: a user acting, an artifact (sealed name, resolved), a certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=shop.acme.example \
  -addext subjectAltName=DNS:shop.acme.example,DNS:www.acme.example -days 30 \
  -keyout "$tmp/shop.key" -out "$tmp/shop.crt" 2>/dev/null
og project create --tenant acme fw "Firewall refresh" >/dev/null
echo "scope" >"$tmp/sow.md"
og --as alice artifact put --tenant acme --project fw --name sow.md "$tmp/sow.md" >/dev/null
og cert import --tenant acme "$tmp/shop.crt" >/dev/null
og audit export --tenant acme --format oscal >"$tmp/named.json"
set +e
AR='."assessment-results"'
jq -e "$AR.metadata.title | test(\"tenant acme \\\\(id \")" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: metadata title does not name the tenant: $(jq "$AR.metadata.title" "$tmp/named.json")" >&2; exit 1; }
jq -e "[$AR.metadata.props[] | select(.name == \"tenant-name\" and .value == \"acme\")] | length == 1" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: no tenant-name in metadata" >&2; exit 1; }
jq -e "$AR.results[0].observations | all(.title | startswith(\"acme: \"))" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: observation titles do not name the tenant" >&2; exit 1; }
jq -e "$AR.results[0].observations | all([.props[] | select(.name == \"tenant-name\" and .value == \"acme\")] | length == 1)" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: an observation lacks the tenant-name prop" >&2; exit 1; }
jq -e "[$AR.results[0].observations[].subjects[0].title] | any(test(\"^artifact fw/sow.md \\\\(id .*\\\\) of tenant acme\"))" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: no subject names the artifact" >&2; exit 1; }
jq -e "[$AR.results[0].observations[].subjects[0].title] | any(test(\"^certificate CN=shop.acme.example \\\\(SANs shop.acme.example, www.acme.example\\\\)\"))" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: no subject names the certificate" >&2; exit 1; }
jq -e "[$AR.results[0].observations[] | select([.props[] | select(.name == \"action\" and .value == \"artifact.put\")] | length == 1) | .props[] | select(.name == \"actor-user-id\")] | length == 1" "$tmp/named.json" >/dev/null ||
  { echo "FAIL: alice's artifact.put does not carry her user id" >&2; exit 1; }
n=$(jq '."assessment-results".results[0].observations | length' "$tmp/acme.json")
# the record opening acme's chain, alice, bob, alice's token, carol
[ "$n" = "5" ] || { echo "FAIL: expected 5 observations, got $n" >&2; exit 1; }
jq -e '."assessment-results"."back-matter".resources[] | select(.base64.filename == "checkpoint.json")' \
  "$tmp/acme.json" >/dev/null || { echo "FAIL: no checkpoint in back-matter" >&2; exit 1; }
jq -e '[."assessment-results".results[0].observations[].props[] | select(.name == "record-hash")] | length == 5' \
  "$tmp/acme.json" >/dev/null || { echo "FAIL: observations lack record-hash props" >&2; exit 1; }
"$src/scripts/oscal-validate.sh" "$tmp/acme.json" "$tmp/platform.json" "$tmp/empty.json" "$tmp/named.json"
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
