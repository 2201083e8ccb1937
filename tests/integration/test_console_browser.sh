#!/usr/bin/env bash
# test_console_browser.sh - the web console in a real browser (tests/console/console_test.mjs):
# Playwright drives Debian's chromium headless against `opsgate serve` on loopback. Sign in with a
# token, the expiring certificate imported by the CLI in the fleet and on its page, filters and
# sorting, the overview's chart, CSRF-less and cross-origin POSTs refused, tenant B's session 404
# on tenant A's certificate, a <script> subject rendered inert, sign-out and the old cookie
# refused; screenshots of each page at 1280 and 390 px in $OG_BUILD_DIR/console-screenshots/;
# axe-core finds no serious or critical violation on any page.
# About 50 s on an idle machine; the margins are for a loaded one.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# The tools are installed by scripts/test-deps.sh (make check); only a machine where they cannot
# be installed skips, saying why.
og_console_need openssl

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || exit 1
og user add --tenant acme eve --role engineer >/dev/null || exit 1
og user add --tenant globex bob --role engineer >/dev/null || exit 1
tok_a=$(og token create --tenant acme --user eve 2>/dev/null)
tok_b=$(og token create --tenant globex --user bob 2>/dev/null)
# A certificate expiring in 5 days whose subject carries markup, imported with the CLI.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 5 \
  -subj '/CN=x<script>alert(1)<\/script>.example' -keyout "$OG_TMP/a.key" -out "$OG_TMP/a.pem" \
  >/dev/null 2>&1 || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
  -subj '/CN=globex.example' -keyout "$OG_TMP/b.key" -out "$OG_TMP/b.pem" >/dev/null 2>&1 || exit 1
og cert import --tenant acme "$OG_TMP/a.pem" >/dev/null || exit 1
og cert import --tenant globex "$OG_TMP/b.pem" >/dev/null || exit 1
fp_a=$(og cert list --tenant acme --json | jq -r '.certs[0].fingerprint')
og_serve "$D" || exit 1

og_console_run console_test.mjs 180 "the browser test" TOKEN_A="$tok_a" TOKEN_B="$tok_b" \
  TOKEN_PA="$admin" TENANT_A=acme FP_A="$fp_a"
og_done
