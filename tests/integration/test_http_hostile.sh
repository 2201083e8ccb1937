#!/usr/bin/env bash
# test_http_hostile.sh - hostile input over HTTP and the CLI: %00 and invalid UTF-8 in paths and
# query strings, invisible format characters (U+202E) in names, and request framing (conflicting
# Content-Length, unknown or misplaced transfer codings, Transfer-Encoding with Content-Length,
# chunked bodies, a huge chunk extension). Each is answered at once (never a hang), with a JSON error where
# opsgate answers, and nothing is stored.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || bad "tenant"
og user add --tenant acme pam --role project-manager >/dev/null || bad "user pam"
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og --as pam project create --tenant acme fw "Firewall migration" >/dev/null || bad "project"
og_serve "$D" || exit 1
PORT=${OG_URL##*:}
A=/api/v1/projects/fw/artifacts

# raw WHAT: send $OG_TMP/req as is over bash's /dev/tcp and read until the server closes, at
# most 5 s (every request here ends with the server closing: "Connection: close" or a framing
# error). Sets $code (the status, or "hang"), $conn ("closed"), $body.
raw() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3; cat "$2" >&3 2>/dev/null; cat <&3' \
    _ "$PORT" "$OG_TMP/req" >"$OG_TMP/resp" 2>/dev/null
  local rc=$?
  conn=closed
  code=$(head -n 1 "$OG_TMP/resp" | cut -d' ' -f2)
  body=$(awk 'f { print } /^\r$/ { f = 1 }' "$OG_TMP/resp")
  if [ "$rc" -eq 124 ]; then
    code=hang; conn=open
    bad "$1: no answer within 5 s"
  elif [ -z "$code" ]; then
    bad "$1: no reply (exit $rc)"
  else
    ok
  fi
}
# req METHOD TARGET [EXTRA-HEADER-LINES] [BODY]: write a raw HTTP/1.1 request with pam's token
req() {
  printf '%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%b\r\n%s' \
    "$1" "$2" "$pam" "${3:-}" "${4:-}" >"$OG_TMP/req"
}
says() { case "$body" in *"$1"*) ok ;; *) bad "$2: '$1' not in: $body" ;; esac; }

# --- %00 in the path: refused, never truncated (the path used to route as /api/v1/whoami)
req GET '/api/v1/whoami%00' 'Connection: close\r\n'
raw "whoami%00"
expect_error 400 invalid "%00 at the end of a path"
says "NUL" "the message names NUL"
req PUT "$A/report%00.exe?kind=other" 'Content-Length: 2\r\nConnection: close\r\n' 'hi'
raw "report%00.exe"
expect_error 400 invalid "%00 inside an artifact name"
api GET "$A/report" "$pam"
expect_error 404 not_found "no artifact 'report' was stored from report%00.exe"
req GET '/api/v1/whoami?x=a%00b' 'Connection: close\r\n'
raw "query %00"
expect_error 400 invalid "%00 in a query value"
says "'x'" "the message names the query parameter"

# --- invalid UTF-8 (percent-encoded or raw) in paths and queries: 400 naming the problem
req PUT "$A/report%FF.pdf?kind=other" 'Content-Length: 2\r\nConnection: close\r\n' 'hi'
raw "artifact name %FF"
expect_error 400 invalid "invalid UTF-8 in an artifact name (was a 500)"
says "UTF-8" "the message says UTF-8"
says "0xFF" "the message names the byte"
printf 'GET /api/v1/projects/fw\xc0\xaf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
  "$pam" >"$OG_TMP/req"
raw "raw overlong in the path"
expect_error 400 invalid "an overlong sequence in the path"
req GET "/api/v1/artifacts/search?q=%ED%A0%80" 'Connection: close\r\n'
raw "surrogate in a query"
expect_error 400 invalid "an encoded surrogate in a query value"
req GET '/api/v1/whoami%0a' 'Connection: close\r\n'
raw "control character in the path"
expect_error 400 invalid "a newline in the path"

# --- format characters in names (U+202E RIGHT-TO-LEFT OVERRIDE, U+200B, U+FEFF): the library
api PUT "$A/report%E2%80%AEfdp.exe?kind=other" "$pam" '{}'
expect_error 400 invalid "U+202E in an artifact name over HTTP"
says "U+202E" "the message names the code point"
says "artifact name" "the message names the field"
api GET "$A" "$pam"
expect_jq '.artifacts | length' 0 "nothing was stored"
api POST /api/v1/projects "$pam" '{"key":"p2","name":"Pay\u200broll"}'
expect_error 400 invalid "U+200B in a project name"
says "U+200B" "the project name message names the code point"
api POST /api/v1/projects "$pam" '{"key":"p3","name":"\ufeffBOM"}'
expect_error 400 invalid "U+FEFF in a project name"

# --- the same through the CLI
printf 'x' >"$OG_TMP/f"
out=$(og --as pam artifact put --tenant acme --project fw --name $'report\xe2\x80\xaefdp.exe' \
  --kind other "$OG_TMP/f" 2>&1); rc=$?
[ "$rc" -eq 1 ] && ok || bad "CLI U+202E: exit $rc, want 1: $out"
case "$out" in *"U+202E"*) ok ;; *) bad "CLI U+202E names the code point: $out" ;; esac
out=$(og --as pam artifact put --tenant acme --project fw --name $'report\xff.pdf' \
  --kind other "$OG_TMP/f" 2>&1); rc=$?
[ "$rc" -eq 1 ] && ok || bad "CLI invalid UTF-8: exit $rc, want 1: $out"
case "$out" in *"UTF-8"*) ok ;; *) bad "CLI invalid UTF-8 is named: $out" ;; esac
out=$(og --as pam project create --tenant acme p4 $'Pay\xe2\x80\xaeroll' 2>&1); rc=$?
[ "$rc" -eq 1 ] && ok || bad "CLI project name with U+202E: exit $rc, want 1: $out"
case "$out" in *"project name"*"U+202E"*) ok ;; *) bad "CLI project name error names field and code point: $out" ;; esac
[ "$(og artifact list --tenant acme --project fw --json | jq ".artifacts | length")" = 0 ] && ok ||
  bad "the CLI stored an artifact with a bad name"

# --- framing: two different Content-Length headers
req POST /api/v1/projects 'Content-Type: application/json\r\nContent-Length: 26\r\nContent-Length: 27\r\nConnection: close\r\n' \
  '{"key":"cl","name":"CL"} '
raw "two Content-Length"
expect_error 400 invalid "two different Content-Length headers"
says "Content-Length" "the message names the header"
[ "$conn" = closed ] && ok || bad "the connection is closed after a framing error ($conn)"
api GET /api/v1/projects/cl "$pam"
expect_status 404 "nothing was created by the ambiguous request"
req POST /api/v1/projects 'Content-Type: application/json\r\nContent-Length: 24\r\nContent-Length: 24\r\nConnection: close\r\n' \
  '{"key":"cl","name":"CL"}'
raw "two equal Content-Length"
expect_status 201 "two equal Content-Length headers are one length (RFC 9110 8.6)"

# --- framing: transfer codings
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: xchunked\r\n' \
  '{"key":"x1","name":"X"}'
raw "xchunked"
expect_error 501 not_implemented "an unknown transfer coding (was a hang)"
says "xchunked" "the coding is named"
[ "$conn" = closed ] && ok || bad "closed after xchunked ($conn)"
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n' \
  $'17\r\n{"key":"x2","name":"X"}\r\n0\r\n\r\n'
raw "chunked, identity"
expect_error 400 invalid "chunked not the final coding (was a hang)"
says "final" "the message says chunked must be final"
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n' \
  $'17\r\n{"key":"x3","name":"X"}\r\n0\r\n\r\n'
raw "gzip, chunked"
expect_error 501 not_implemented "a coding opsgate does not decode"
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n' \
  $'17\r\n{"key":"x4","name":"X"}\r\n0\r\n\r\n'
raw "chunked twice"
expect_error 400 invalid "chunked applied twice"
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 23\r\n' \
  $'17\r\n{"key":"x5","name":"X"}\r\n0\r\n\r\n'
raw "Transfer-Encoding and Content-Length"
expect_error 400 invalid "Transfer-Encoding with Content-Length (request smuggling)"
printf 'POST /api/v1/projects HTTP/1.0\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n17\r\n{"key":"x6","name":"X"}\r\n0\r\n\r\n' \
  "$pam" >"$OG_TMP/req"
raw "HTTP/1.0 chunked"
expect_error 400 invalid "Transfer-Encoding in an HTTP/1.0 request"
for k in x1 x2 x3 x4 x5 x6; do
  api GET /api/v1/projects/$k "$pam"
  expect_status 404 "nothing was created by framing case $k"
done

# --- chunked request bodies are refused (411, JSON) before any of the body is read: the body
# must come with Content-Length. The answer comes at once and the connection is closed.
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n' \
  $'17\r\n{"key":"c0","name":"C"}\r\n0\r\n\r\n'
raw "chunked POST"
expect_error 411 length_required "a chunked POST"
says "Content-Length" "the message says to send Content-Length"
grep -qi '^Content-Type: application/json' "$OG_TMP/resp" && ok ||
  bad "411 is application/json: $(tr -d '\r' <"$OG_TMP/resp" | head -n 8 | tr '\n' '|')"
[ "$conn" = closed ] && ok || bad "closed after a chunked POST ($conn)"
req POST /api/v1/projects 'Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n' \
  $'17;ext="v"\r\n{"key":"c1","name":"C"}\r\n0\r\n\r\n'
raw "chunked with a short extension"
expect_error 411 length_required "a chunked body with a short extension (any case)"
req PUT "$A/up.txt?kind=other" 'Transfer-Encoding: chunked\r\n' $'2\r\nhi\r\n0\r\n\r\n'
raw "chunked streamed upload"
expect_error 411 length_required "a chunked artifact upload (a streamed route)"

# --- a 100 KB chunk extension: the chunk-size line is longer than libmicrohttpd's connection
# buffer, and libmicrohttpd 0.9.75 used to answer it itself with a 500 and an HTML body. The 411
# goes out before the body is parsed, so the line never reaches its parser.
{
  printf 'POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n' "$pam"
  printf 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n17;'
  head -c 102400 /dev/zero | tr '\0' a
  printf '\r\n{"key":"c2","name":"C"}\r\n0\r\n\r\n'
} >"$OG_TMP/req"
raw "100 KB chunk extension"
expect_error 411 length_required "a 100 KB chunk extension (was libmicrohttpd's 500 with HTML)"
grep -qi '^Content-Type: application/json' "$OG_TMP/resp" && ok || bad "the 100 KB extension's reply is JSON"
[ "$conn" = closed ] && ok || bad "closed after a 100 KB chunk extension ($conn)"
for k in c0 c1 c2; do
  api GET /api/v1/projects/$k "$pam"
  expect_status 404 "nothing was created by chunked case $k"
done
api GET "$A/up.txt" "$pam"
expect_error 404 not_found "nothing was stored by the chunked upload"
api GET /healthz
expect_status 200 "the server still answers"

og_done
