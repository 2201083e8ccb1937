#!/usr/bin/env bash
# test_console_http.sh - the web console over plain HTTP (no browser): redirects and next=, the
# session cookie's attributes, security and cache headers, embedded assets (ETag, 304, gzip),
# login CSRF and CSRF refusals, the sign-in limit, another tenant's page, and the audit records of
# sign-in, refusal, sign-out and expiry.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || exit 1
og user add --tenant acme eve --role engineer >/dev/null || exit 1
og user add --tenant globex bob --role engineer >/dev/null || exit 1
tok=$(og token create --tenant acme --user eve 2>/dev/null)
tok_b=$(og token create --tenant globex --user bob 2>/dev/null)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 20 -subj '/CN=a.example' \
  -keyout "$OG_TMP/a.key" -out "$OG_TMP/a.pem" >/dev/null 2>&1 || exit 1
og cert import --tenant acme "$OG_TMP/a.pem" >/dev/null || exit 1
fp=$(og cert list --tenant acme --json | jq -r '.certs[0].fingerprint')
og_serve "$D" --auth-fail-limit 3 --session-idle 1m || exit 1

H="$OG_TMP/h"
# req ARGS...: curl with headers in $H; sets $code.
req() { code=$(curl -s -o "$OG_TMP/b" -D "$H" -w '%{http_code}' "$@"); }
hdr() { tr -d '\r' <"$H" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
want() { if [ "$2" = "$1" ]; then ok; else bad "$3: got '$2', want '$1'"; fi; }
has() { if grep -q -- "$1" <<<"$2"; then ok; else bad "$3: '$2' lacks '$1'"; fi; }

# --- not signed in
req "$OG_URL/"; want 303 "$code" "/"; want /console "$(hdr location)" "/ goes to the console"
req "$OG_URL/console/certificates"; want 303 "$code" "a page without a session"
want "/console/sign-in?next=/console/certificates" "$(hdr location)" "... goes to sign-in with next="
req "$OG_URL/console/sign-in"; want 200 "$code" "the sign-in page"
has "default-src 'self'" "$(hdr content-security-policy)" "CSP"
has "frame-ancestors 'none'" "$(hdr content-security-policy)" "no framing"
want same-origin "$(hdr referrer-policy)" "Referrer-Policy"
want nosniff "$(hdr x-content-type-options)" "nosniff"
want no-store "$(hdr cache-control)" "pages are not cached"
if grep -q '<script>[^<]' "$OG_TMP/b" || grep -qi ' style=\| on[a-z]*=' "$OG_TMP/b"; then
  bad "the sign-in page has inline script or style"; else ok; fi
req "$OG_URL/console/nosuch"; want 404 "$code" "an unknown console page"
has "text/html" "$(hdr content-type)" "... as an HTML page"

# --- assets: long cache, ETag, 304, gzip
req "$OG_URL/console/assets/htmx.min.js"; want 200 "$code" "htmx"
has "immutable" "$(hdr cache-control)" "assets are cached"; etag=$(hdr etag)
has '"' "$etag" "an ETag"
req -H "If-None-Match: $etag" "$OG_URL/console/assets/htmx.min.js"; want 304 "$code" "If-None-Match"
req -H "Accept-Encoding: gzip" "$OG_URL/console/assets/uPlot.min.js"; want gzip "$(hdr content-encoding)" "gzip"
if gzip -t "$OG_TMP/b" 2>/dev/null; then ok; else bad "the gzip body is not gzip"; fi
req "$OG_URL/console/assets/..%2fopsgate.db"; want 404 "$code" "no path out of the assets"

# --- sign-in: cookie attributes, next= stays on this site, login CSRF refused
form=(--data-urlencode "token=$tok")
req -H "Origin: http://evil.example" "${form[@]}" "$OG_URL/console/sign-in"
want 403 "$code" "a sign-in posted from another origin (login CSRF)"
req -H "Sec-Fetch-Site: cross-site" "${form[@]}" "$OG_URL/console/sign-in"; want 403 "$code" "Sec-Fetch-Site: cross-site"
for n in "https://evil.example/" "//evil.example/console" "/console\\@evil" "/consolex" "/console/%0d%0aX: y"; do
  req "${form[@]}" --data-urlencode "next=$n" "$OG_URL/console/sign-in"
  want /console "$(hdr location)" "next=$n is not followed"
done
req "${form[@]}" --data-urlencode "next=/console/certificates?days=7" "$OG_URL/console/sign-in"
want 303 "$code" "sign-in"; want "/console/certificates?days=7" "$(hdr location)" "a console next= is followed"
cookie=$(hdr set-cookie)
has "HttpOnly" "$cookie" "HttpOnly"; has "SameSite=Strict" "$cookie" "SameSite=Strict"; has "Path=/" "$cookie" "Path=/"
if grep -q Secure <<<"$cookie"; then bad "Secure over plain HTTP"; else ok; fi
c=$(printf '%s' "$cookie" | cut -d';' -f1)
# a session id chosen by the client is never taken (no fixation): the cookie is always new
req -H "Cookie: og_session=00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  "${form[@]}" "$OG_URL/console/sign-in"
if [ "$(hdr set-cookie | cut -d';' -f1)" != "og_session=00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ]; then ok; else bad "a client-chosen session was kept"; fi

req -H "Cookie: $c" "$OG_URL/console/certificates"; want 200 "$code" "the fleet with the session"
has "a.example" "$(cat "$OG_TMP/b")" "... lists the certificate"
# the fleet is paged (100 rows a page, the library sorts): past the end nothing, a bad page 400
req -H "Cookie: $c" "$OG_URL/console/certificates?sort=subject&dir=desc&page=2"; want 200 "$code" "a second page"
has "No certificate matches" "$(cat "$OG_TMP/b")" "... past the end is empty"
has "Previous page" "$(cat "$OG_TMP/b")" "... and links back"
req -H "Cookie: $c" "$OG_URL/console/certificates?page=0"; want 400 "$code" "page 0"
# the inbox pages each group (25 items; ?group=&page=): a bad group or page is 400
req -H "Cookie: $c" "$OG_URL/console/inbox?group=reviews&page=2"; want 200 "$code" "an inbox page"
req -H "Cookie: $c" "$OG_URL/console/inbox?group=nope"; want 400 "$code" "an unknown inbox group"
req -H "Cookie: $c" "$OG_URL/console/inbox?page=0"; want 400 "$code" "inbox page 0"
req -H "Cookie: $c" "$OG_URL/console/tenants/acme/certificates/$fp"; want 200 "$code" "its page"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$OG_TMP/b" | head -n 1 | sed 's/.*value="//; s/"$//')
[ -n "$csrf" ] && ok || bad "no CSRF token in the page"
# the bearer token is no console credential, and the cookie no API credential
req -H "Authorization: Bearer $tok" "$OG_URL/console"; want 303 "$code" "a bearer token on a console page"
req -H "Cookie: $c" "$OG_URL/api/v1/whoami"; want 401 "$code" "the session cookie on the API"

# --- tenant B: another tenant's console URL is 404, like a missing one
req "${form[@]/$tok/$tok_b}" "$OG_URL/console/sign-in"; cb=$(hdr set-cookie | cut -d';' -f1)
req -H "Cookie: $cb" "$OG_URL/console/tenants/acme/certificates/$fp"; want 404 "$code" "tenant B on tenant A's certificate"
cp "$OG_TMP/b" "$OG_TMP/other"
req -H "Cookie: $cb" "$OG_URL/console/tenants/nosuch/certificates/$fp"; want 404 "$code" "a missing tenant"
if cmp -s "$OG_TMP/other" "$OG_TMP/b"; then ok; else bad "another tenant's page differs from a missing one"; fi

# --- errors on console paths are the console's HTML error page, never the API's JSON
# (h-core: 405 with Allow, 413, 400 before routing, 404; each with the console's headers)
console_error() { # STATUS WHAT: the last reply is the console's error page with that status
  want "$1" "$code" "$2"
  has "text/html" "$(hdr content-type)" "$2: an HTML page"
  has "default-src 'self'" "$(hdr content-security-policy)" "$2: the console's CSP"
  want DENY "$(hdr x-frame-options)" "$2: X-Frame-Options"
  want no-store "$(hdr cache-control)" "$2: not cached"
  if grep -q '{"error"' "$OG_TMP/b" || ! grep -q '<main id="main"' "$OG_TMP/b"; then
    bad "$2: not the console's page: $(head -c 200 "$OG_TMP/b")"; else ok; fi
}
req -H "Cookie: $c" --data "csrf=$csrf" "$OG_URL/console/certificates"
console_error 405 "POST on a GET-only console page"; has GET "$(hdr allow)" "... with Allow"
req -X DELETE "$OG_URL/console/sign-in"; console_error 405 "DELETE on the sign-in page, not signed in"
has "POST" "$(hdr allow)" "... Allow names GET and POST"
req -H "Cookie: $c" -H "Content-Length: 99999999999" --data "csrf=$csrf" "$OG_URL/console/sign-out"
console_error 413 "a console body over the limit"
req -H "Cookie: $c" "$OG_URL/console/a%00b"; console_error 400 "a console path with %00"
req -H "Cookie: $c" "$OG_URL/console/nosuch"; console_error 404 "an unknown console page, signed in"
req -X POST "$OG_URL/api/v1/whoami"; want 405 "$code" "the API keeps its JSON 405"
has "application/json" "$(hdr content-type)" "... as JSON"
# pages gzip-compressed when the client takes it; the CSRF token masked anew in every response
# (BREACH), each masked token valid
tok_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
req -H "Cookie: $c" "$OG_URL/console/certificates"; cp "$OG_TMP/b" "$OG_TMP/plain.html"
want "" "$(hdr content-encoding)" "no gzip unless asked"; m1=$(tok_of "$OG_TMP/plain.html")
req -H "Cookie: $c" -H "Accept-Encoding: gzip, deflate" "$OG_URL/console/certificates"
want gzip "$(hdr content-encoding)" "a page gzip-compressed"; has "Accept-Encoding" "$(hdr vary)" "Vary: Accept-Encoding"
if gzip -dc "$OG_TMP/b" >"$OG_TMP/gz.html" 2>/dev/null; then ok; else bad "the gzip page does not decode"; fi
m2=$(tok_of "$OG_TMP/gz.html")
if [ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ]; then ok; else bad "two renders carry the same CSRF bytes: '$m1' '$m2'"; fi
[ "${#m1}" = 86 ] && ok || bad "a masked token is mask and token (86 characters): ${#m1}"
if diff <(sed "s/$m1/TOKEN/g" "$OG_TMP/plain.html") <(sed "s/$m2/TOKEN/g" "$OG_TMP/gz.html") >/dev/null; then ok
else bad "the gzip page decodes to another page: $(diff <(sed "s/$m1/TOKEN/g" "$OG_TMP/plain.html") <(sed "s/$m2/TOKEN/g" "$OG_TMP/gz.html") | head -n 5)"; fi
req -H "Cookie: $c" -H "Accept-Encoding: gzip;q=0, br" "$OG_URL/console/certificates"
want "" "$(hdr content-encoding)" "gzip;q=0 is a refusal"
# both masked tokens pass the CSRF check (the decision then finds no item: 404, not 403)
nog=/console/tenants/acme/gates/00000000-0000-4000-8000-000000000000/approve
for m in "$m1" "$m2"; do req -H "Cookie: $c" --data-urlencode "csrf=$m" "$OG_URL$nog"; want 404 "$code" "a masked token validates"; done
req -H "Cookie: $c" -H "X-CSRF-Token: $m2" -X POST "$OG_URL$nog"; want 404 "$code" "... in the header too"
flip=$(printf '%s' "$m1" | sed 's/^./A/; t; s/^/A/'); [ "$flip" = "$m1" ] && flip="B${m1#?}"
req -H "Cookie: $c" --data-urlencode "csrf=$flip" "$OG_URL$nog"; want 403 "$code" "a changed mask does not"
req -H "Cookie: $cb" --data-urlencode "csrf=$m1" "$OG_URL$nog"; want 403 "$code" "another session's token does not"

# --- CSRF: a state-changing request needs the session's token
req -H "Cookie: $c" -X POST "$OG_URL/console/sign-out"; want 403 "$code" "sign-out without the CSRF token"
req -H "Cookie: $c" --data "csrf=${csrf}x" "$OG_URL/console/sign-out"; want 403 "$code" "a wrong CSRF token"
req -H "Cookie: $c" -H "X-CSRF-Token: $csrf" -X POST "$OG_URL/console/sign-out"; want 303 "$code" "sign-out with the header"
has "Max-Age=0" "$(hdr set-cookie)" "the cookie is cleared"
req -H "Cookie: $c" "$OG_URL/console"; want 303 "$code" "the old cookie after sign-out"
req -H "Cookie: $c" --data "csrf=$csrf" "$OG_URL/console/sign-out"; want 401 "$code" "the old cookie's POST"

# --- the sign-in limit (--auth-fail-limit 3): then 429 with Retry-After, even for a good token
for i in 1 2 3; do req --data "token=og_wrong$i" "$OG_URL/console/sign-in"; done
want 401 "$code" "a bad token"
req "${form[@]}" "$OG_URL/console/sign-in"; want 429 "$code" "the fourth attempt"
has "[0-9]" "$(hdr retry-after)" "Retry-After"

# --- the audit trail
acme_list=$(og audit list --tenant acme --json)
plat=$(og audit list --json)
for a in session.create session.revoke; do
  n=$(printf '%s' "$acme_list" | jq --arg a "$a" '[.records[] | select(.action == $a)] | length')
  if [ "$n" -ge 1 ]; then ok; else bad "no $a record in acme's chain"; fi
done
n=$(printf '%s' "$plat" | jq '[.records[] | select(.action == "session.refused")] | length')
if [ "$n" -ge 3 ]; then ok; else bad "refused sign-ins: $n records, want 3"; fi
# the secret: what follows og_<uuid>_ (base64url, which may itself hold `_`)
secret=${tok:40}
[ "${#secret}" -ge 40 ] && ok || bad "the token's secret part: '${secret}'"
if grep -qF -- "$secret" <<<"$acme_list$plat"; then bad "a token secret in the audit trail"; else ok; fi

# --- over HTTPS: the cookie is __Host- prefixed and Secure, pages send HSTS
og_stop
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 20 -subj '/CN=localhost' \
  -keyout "$OG_TMP/t.key" -out "$OG_TMP/t.pem" >/dev/null 2>&1 || exit 1
cat "$OG_TMP/t.pem" "$OG_TMP/t.key" >"$OG_TMP/tls.pem"
og cert import --tenant acme "$OG_TMP/tls.pem" >/dev/null || exit 1
tfp=$(openssl x509 -in "$OG_TMP/t.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
"$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$OG_TMP/tport" \
  --tls-cert-id "$tfp" --tls-tenant acme >"$OG_TMP/tls.log" 2>&1 &
OG_SERVER_PID=$!  # lib.sh's cleanup stops it
for _ in $(seq 100); do [ -s "$OG_TMP/tport" ] && break; sleep 0.1; done
TU="https://127.0.0.1:$(cat "$OG_TMP/tport")"
for _ in $(seq 50); do curl -sk --max-time 2 "$TU/healthz" >/dev/null && break; sleep 0.1; done
req -k "${form[@]}" "$TU/console/sign-in"; want 303 "$code" "sign-in over HTTPS"
tc=$(hdr set-cookie)
has "__Host-og_session=" "$tc" "the __Host- cookie"; has "Secure" "$tc" "Secure over HTTPS"
has "max-age" "$(hdr strict-transport-security)" "HSTS"
req -k -H "Cookie: $(printf '%s' "$tc" | cut -d';' -f1)" "$TU/console"; want 200 "$code" "the __Host- cookie works"
req -k -H "Cookie: og_session=${tc#*=}" "$TU/console"; want 303 "$code" "the plain name is not read over HTTPS"
og_done
