#!/usr/bin/env bash
# test_cert_validity.sh - the SC-081 validity report through the CLI and the HTTP API, with
# certificates issued by `openssl ca` with chosen dates (a 150-day one renewed by hand that the
# 100-day step of 2027-03-15 hits, a 90-day one it does not, a 398-day one already over its
# issue date's 200, an expired one), and certificates named by fingerprint prefix for renew and
# revoke (at least 8 hex digits; an inventory certificate no ACME plan issued is named so).
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed" >&2; exit 77; }
T=$OG_TMP
D=$T/data
og_fixture "$D" acme

# a CA whose `openssl ca` takes the dates we choose
og_dated_ca "Validity Test CA"
# issue NAME START END: a certificate for NAME.example from START to END (YYYYMMDDHHMMSSZ)
issue() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
    -out "$T/$1.csr" -subj "/CN=$1.example" 2>/dev/null &&
    og_dated_ca_sign "$T/$1.csr" "$T/$1.pem" "$2" "$3" ||
    bad "issuing $1"
  og cert import --tenant acme "$T/$1.pem" >/dev/null 2>"$T/err" || bad "import $1: $(cat "$T/err")"
}
fp() { openssl x509 -in "$T/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
issue manual 20260801000000Z 20261228235959Z   # 150 days
issue short  20261101000000Z 20270129235959Z   # 90 days
issue long   20260601000000Z 20270702235959Z   # 397 days: over 200
issue gone   20260401000000Z 20260928235959Z   # expired by 2026-12-01

# ---- the CLI
rep=$(og cert validity-report --tenant acme --at 2026-12-01 --json 2>"$T/err") || bad "report: $(cat "$T/err")"
[ "$(jq -r .next.from <<<"$rep")" = 2027-03-15T00:00:00.000000Z ] && [ "$(jq -r .next.max_days <<<"$rep")" = 100 ] &&
  ok || bad "next step: $(jq -c .next <<<"$rep")"
[ "$(jq -r .current.max_days <<<"$rep")" = 200 ] && ok || bad "current: $(jq -c .current <<<"$rep")"
[ "$(jq -r .count <<<"$rep")" = 2 ] && [ "$(jq -r .manual <<<"$rep")" = 2 ] && ok || bad "counts: $rep"
row() { jq -r --arg f "$1" ".certs[] | select(.fingerprint == \$f) | $2" <<<"$rep"; }
[ "$(row "$(fp manual)" .validity_days)" = 150 ] && [ "$(row "$(fp manual)" .renewal)" = manual ] && ok ||
  bad "the 150-day certificate: $(row "$(fp manual)" .)"
[ "$(row "$(fp manual)" .hit_on | cut -c1-10)" = 2027-05-27 ] && ok || bad "hit_on: $(row "$(fp manual)" .hit_on)"
[ "$(row "$(fp long)" '.findings[0]')" = long-validity ] && ok || bad "the 397-day certificate: $(row "$(fp long)" .)"
[ -z "$(row "$(fp short)" .fingerprint)" ] && [ -z "$(row "$(fp gone)" .fingerprint)" ] && ok ||
  bad "the 90-day or the expired certificate is listed"
# the long-validity finding in the inventory, by its own issue date
og cert list --tenant acme --finding long-validity --json >"$T/list.json" 2>/dev/null
[ "$(jq -r '.certs | length' "$T/list.json")" = 1 ] && [ "$(jq -r '.certs[0].fingerprint' "$T/list.json")" = "$(fp long)" ] &&
  ok || bad "--finding long-validity: $(cat "$T/list.json")"
txt=$(og cert validity-report --tenant acme --at 2026-12-01 2>&1) || bad "report text: $txt"
grep -q "next step: 100 days for certificates issued from 2027-03-15" <<<"$txt" && ok || bad "text: $txt"
grep -q "manual.example .* 150d .* manual .* 2026-12-28 .* 2027-05-27 .* 100d .* 3 -> 4" <<<"$txt" && ok ||
  bad "text row: $txt"
grep -q "^2 certificates hit, 2 renewed by hand" <<<"$txt" && ok || bad "text summary: $txt"
txt=$(og cert validity-report --tenant acme --at 2030-01-01 2>&1)
grep -q "no further SC-081 step" <<<"$txt" && ok || bad "after the last step: $txt"
og cert validity-report --tenant acme --at yesterday >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q "bad --at 'yesterday'" "$T/err" && ok || bad "--at yesterday: exit $rc: $(cat "$T/err")"

# ---- one certificate ID: renew and revoke take an inventory fingerprint or a prefix of 8+
og cert renew --tenant acme "$(fp manual | cut -c1-10)" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "no ACME renewal plan for certificate .* it is in the inventory, but no plan issued it" "$T/err" && ok ||
  bad "renew by prefix: exit $rc: $(cat "$T/err")"
og cert revoke --tenant acme "$(fp manual)" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "no plan issued it" "$T/err" && ok ||
  bad "revoke by fingerprint: exit $rc: $(cat "$T/err")"
og cert renew --tenant acme "$(fp manual | cut -c1-6)" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "no ACME certificate" "$T/err" && ok ||
  bad "renew by a 6-digit prefix (no plan id either): exit $rc: $(cat "$T/err")"

# ---- the HTTP API: the same report
og_serve "$D" || exit 1
api GET "/api/v1/tenants/acme/certs/validity-report?at=2026-12-01" "$admin"
expect_status 200 "validity-report"
expect_jq .count 2 "validity-report count"
expect_jq '.certs[0].hit_on[0:10]' 2027-05-27 "validity-report hit_on"
api GET "/api/v1/tenants/acme/certs/validity-report?at=soon" "$admin"
expect_status 400 "validity-report ?at=soon"
expect_jq '.error.message | test("query parameter .at.: bad time .soon.")' true "?at=soon is named"
api GET "/api/v1/tenants/acme/certs/validity-report" "$admin"
expect_status 200 "validity-report now"
og_done
