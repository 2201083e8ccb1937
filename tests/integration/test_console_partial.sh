#!/usr/bin/env bash
# test_console_partial.sh - htmx partial updates in a real browser (tests/console/partial_test.mjs):
# an L2 approval decided from its inbox card swaps that card in place (no navigation, the address
# unchanged), a refusal (the requester approving) says why in the card and changes nothing; the
# audit page's filter and "Older records" swap the table and keep the address in step; artifact
# search results swap in; without JavaScript the same forms work as plain pages; no CSP violation.
# Over HTTP: the decision with HX-Request answers the card fragment with the console's headers.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-200}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
og_console_need jq

D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q user add --tenant acme ada --role tenant-admin
q user add --tenant acme eve --role engineer
tok_ada=$(og token create --tenant acme --user ada 2>/dev/null)
tok_eve=$(og token create --tenant acme --user eve 2>/dev/null)
q --as ada gate policy set --tenant acme platform.note L2
gate() { og --as eve gate request --tenant acme platform.note --params "{\"text\":\"$1\"}" --json | jq -r .gate_id; }
g1=$(gate one); g2=$(gate two); g3=$(gate three); g4=$(gate four)
for g in "$g1" "$g2" "$g3" "$g4"; do [ -n "$g" ] && [ "$g" != null ] && ok || bad "gate item made"; done
q project create --tenant acme fw "Firewall migration"
printf '# SOW\n\nScope: firewall cutover on the edge\n' >"$OG_TMP/sow.md"
q --as eve artifact put --tenant acme --project fw --name "SOW v2" --kind sow "$OG_TMP/sow.md"
og_serve "$D" || exit 1

# --- over HTTP: HX-Request gets the card fragment, with the console's headers
H="$OG_TMP/h"
req() { code=$(curl -s -o "$OG_TMP/b" -D "$H" -w '%{http_code}' "$@"); }
hdr() { tr -d '\r' <"$H" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
req --data-urlencode "token=$tok_ada" "$OG_URL/console/sign-in"
c=$(hdr set-cookie | cut -d';' -f1)
req -H "Cookie: $c" "$OG_URL/console/inbox"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$OG_TMP/b" | head -n 1 | sed 's/.*value="//; s/"$//')
grep -q "hx-post=\"/console/tenants/acme/gates/$g4/approve\"" "$OG_TMP/b" && ok || bad "the inbox card's buttons post with htmx"
req -H "Cookie: $c" -H "HX-Request: true" -H "X-CSRF-Token: $csrf" -X POST "$OG_URL/console/tenants/acme/gates/$g4/approve"
[ "$code" = 200 ] && ok || bad "the decision with HX-Request: $code $(head -c 300 "$OG_TMP/b")"
if grep -q "<li class=\"card decided\" id=\"g-$g4\">" "$OG_TMP/b" && ! grep -q '<html' "$OG_TMP/b"; then ok; else
  bad "not the card fragment: $(head -c 300 "$OG_TMP/b")"; fi
grep -q 'Approved' "$OG_TMP/b" && ok || bad "the card says what happened: $(cat "$OG_TMP/b")"
case "$(hdr content-security-policy)" in *"default-src 'self'"*) ok ;; *) bad "the fragment lacks the CSP" ;; esac
[ "$(hdr cache-control)" = no-store ] && ok || bad "the fragment is no-store"
req -H "Cookie: $c" -H "HX-Request: true" -X POST "$OG_URL/console/tenants/acme/gates/$g3/approve"
[ "$code" = 403 ] && ok || bad "an htmx decision without the CSRF token: $code"
if grep -q 'class="flash error hx-error" role="alert">Not allowed: ' "$OG_TMP/b" && ! grep -q '<html' "$OG_TMP/b"; then ok; else
  bad "an htmx refusal is its reason alone: $(head -c 300 "$OG_TMP/b")"; fi
[ "$(hdr hx-reswap)" = afterbegin ] && [ "$(hdr hx-reselect)" = .hx-error ] && ok || bad "the refusal goes where the person acted"
req -H "Cookie: $c" -X POST "$OG_URL/console/tenants/acme/gates/$g3/approve"
grep -q '<html' "$OG_TMP/b" && [ -z "$(hdr hx-reswap)" ] && ok || bad "without HX-Request a refusal is the error page"
[ "$(og gate show "$g3" --json | jq -r .state)" = pending ] && ok || bad "the refused decision changed nothing"
# a swap asked for after the session ended: htmx is told to load the sign-in page as a whole
# (HX-Redirect), not to follow a 303 and put the sign-in page inside the audit table
req -H "HX-Request: true" "$OG_URL/console/tenants/acme/audit?action=x"
[ "$code" = 200 ] && [ "$(hdr hx-redirect)" = "/console/sign-in?next=/console/tenants/acme/audit" ] &&
  [ -z "$(hdr location)" ] && [ ! -s "$OG_TMP/b" ] && ok ||
  bad "an htmx GET without a session: $code, HX-Redirect '$(hdr hx-redirect)', Location '$(hdr location)'"
req "$OG_URL/console/tenants/acme/audit"
[ "$code" = 303 ] && [ -z "$(hdr hx-redirect)" ] && ok || bad "without HX-Request it stays a 303: $code"

og_console_run partial_test.mjs 150 "the partial updates' browser test" TOKEN_ADA="$tok_ada" \
  TOKEN_EVE="$tok_eve" G1="$g1" G2="$g2" G3="$g3"
# what the browser did, as the library sees it
[ "$(og gate show "$g1" --json | jq -r .state)" != pending ] && ok || bad "g1 was approved in place"
[ "$(og gate show "$g2" --json | jq -r .state)" != pending ] && ok || bad "g2 was approved without JavaScript"
[ "$(og gate show "$g3" --json | jq -r .state)" = pending ] && ok || bad "g3 stays pending (refused to its requester)"
og_done
