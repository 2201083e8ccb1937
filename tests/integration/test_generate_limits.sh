#!/usr/bin/env bash
# test_generate_limits.sh - hostile project data against PDF generation: a 100 KB unbroken name is
# refused with the field and its limit (CLI exit 1, HTTP 400) and nothing is stored; words as long
# as the limits allow still render (and extract as the same text); OPSGATE_PDF_DEADLINE fails a
# render that takes too long (HTTP 413, nothing stored); two renders at once overlap in time
# (rendering is not serialized) and give the same bytes as the CLI. Speed figures are not
# asserted (see the commit and docs/project-data.md), only limits, errors and overlap.
. "$(dirname "$0")/lib.sh"
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "SKIP: pdftotext is not installed (poppler-utils)" >&2
  exit 77
fi

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || bad "tenant"
og user add --tenant acme pam --role project-manager >/dev/null
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og project create --tenant acme northwind "Northwind M365" >/dev/null || bad "project"
G=(generate --tenant acme --project northwind --format pdf)

# word N [CHAR]: N copies of CHAR (default W), no spaces
word() { head -c "$1" /dev/zero | tr '\0' "${2:-W}"; }
# with FILE JQ-ARGS...: the sample with a jq edit, written to FILE
with() { local f=$1; shift; jq "$@" "$P/northwind-m365.json" > "$f"; }

# --- over the limits: refused naming the field and the limit; nothing stored
with "$OG_TMP/name100k.json" --arg w "$(word 100000 X)" '.client.name = $w'
if og "${G[@]}" sow --input "$OG_TMP/name100k.json" -o "$OG_TMP/x.pdf" 2>"$OG_TMP/err"; then
  bad "CLI: a 100 KB client name was accepted"
else
  grep -qF "opsgate: client.name: 100000 characters, over the limit of 200" "$OG_TMP/err" && ok ||
    bad "CLI: the error names the field and the limit: $(head -c 300 "$OG_TMP/err")"
fi
with "$OG_TMP/task100k.json" --arg w "$(word 100000 Y)" '.phases[0].tasks[0].name = $w'
og "${G[@]}" sow --input "$OG_TMP/task100k.json" -o "$OG_TMP/x.pdf" 2>"$OG_TMP/err" &&
  bad "CLI: a 100 KB task name was accepted"
grep -qF "phases[0].tasks[0].name: 100000 characters, over the limit of 200" "$OG_TMP/err" && ok ||
  bad "CLI: the task's path is named: $(head -c 300 "$OG_TMP/err")"
with "$OG_TMP/desc.json" --arg w "$(word 10001)" '.environment = $w'
og "${G[@]}" sow --input "$OG_TMP/desc.json" -o "$OG_TMP/x.pdf" 2>"$OG_TMP/err" &&
  bad "CLI: a 10,001-character description was accepted"
grep -qF "environment: 10001 characters, over the limit of 10000" "$OG_TMP/err" && ok ||
  bad "CLI: prose limit: $(head -c 300 "$OG_TMP/err")"
[ "$(og artifact list --tenant acme --project northwind --json 2>/dev/null | jq '.artifacts | length')" = 0 ] &&
  ok || bad "nothing is stored after refused data"

og_serve "$D" --threads 2 || exit 1
GEN=/api/v1/projects/northwind/generate
# req FILE [EXTRA-JSON]: a PDF SOW request body with the project data of FILE
req() {
  jq -cn --slurpfile d "$1" --argjson x "${2:-{\}}" '{kind:"sow", format:"pdf", data:$d[0]} + $x' \
    > "$OG_TMP/req.json"
}
req "$OG_TMP/name100k.json"
api POST "$GEN" "$pam" @"$OG_TMP/req.json"
expect_error 400 invalid "HTTP: a 100 KB client name"
expect_jq '.error.message' "client.name: 100000 characters, over the limit of 200" \
  "HTTP: the message names the field and the limit"
api GET /api/v1/projects/northwind/artifacts/sow.pdf "$pam"
expect_error 404 not_found "HTTP: nothing stored"

# --- as long as the limits allow: renders, and the long word extracts as itself
long=$(word 10000)
with "$OG_TMP/long.json" --arg w "$long" --arg n "$(word 200 N)" \
  '.environment = $w | .client.name = $n | .phases[0].tasks[0].name = $n |
   .assumptions = [$w, $w, $w, $w, $w, $w]'
req "$OG_TMP/long.json"
api POST "$GEN" "$pam" @"$OG_TMP/req.json"
expect_status 201 "HTTP: 10,000-character words and 200-character names render and are stored"
code=$(curl -sS --max-time 60 -o "$OG_TMP/long.pdf" -w '%{http_code}' -H "Authorization: Bearer $pam" \
  "$OG_URL/api/v1/projects/northwind/artifacts/sow.pdf/content")
[ "$code" = 200 ] && ok || bad "download the long PDF: $code"
# seven 10,000-character words (one paragraph, six list items), each taller than a page: every
# character is on a page (none fall off its foot) and extracts as itself (the zero-width break
# opportunities are not text)
pdftotext "$OG_TMP/long.pdf" "$OG_TMP/long.txt" || bad "pdftotext"
n=$(sed 's/^[^W]* //; s/ *$//' "$OG_TMP/long.txt" | grep -x 'W\+' | tr -d '\n' | wc -c)
[ "$n" = 70000 ] && ok || bad "the long words extract whole: $n of 70000 characters"
grep -q $'\xe2\x80\x8b' "$OG_TMP/long.txt" && bad "a zero-width space in the extracted text" || ok

# a table row taller than a page (a 10,000-character comment in the closure's objectives table)
# goes on over pages instead of being cut off at the foot of one
# (the closure is in the data after CO-001; its baseline SOW is not stored in this project)
jq --arg w "$long" '.closure.objectives[0].comment = $w | del(.closure.baseline)' \
  "$P/northwind-m365-co1.json" >"$OG_TMP/cell.json"
og "${G[@]}" closure --input "$OG_TMP/cell.json" --dry-run -o "$OG_TMP/cell.pdf" 2>"$OG_TMP/err" ||
  bad "closure with a long table cell: $(cat "$OG_TMP/err")"
pdftotext "$OG_TMP/cell.pdf" "$OG_TMP/cell.txt" || bad "pdftotext cell"
n=$(sed 's/^[^W]* //; s/ *$//' "$OG_TMP/cell.txt" | grep -x 'W\+' | tr -d '\n' | wc -c)
[ "$n" = 10000 ] && ok || bad "the long table cell extracts whole: $n of 10000 characters"

# --- two renders at once (2 server threads) overlap and match the CLI's bytes
og_stop TERM
# a deadline far above any machine's render time: this part checks overlap, not the limit
OPSGATE_PDF_DEADLINE=300 OPSGATE_TEST_PDF_TRACE=1 og_serve "$D" --threads 2 || exit 1
# renders long enough (12 words of 10,000 characters) that "both started before either ended"
# has a wide margin when they run at the same time
jq --arg w "$long" '.assumptions += [$w, $w, $w, $w, $w, $w]' "$OG_TMP/long.json" > "$OG_TMP/heavy.json"
req "$OG_TMP/heavy.json" '{"dry_run":true}'
render() {
  curl -sS --max-time 60 -o "$OG_TMP/c$1.pdf" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $pam" -H 'Content-Type: application/json' \
    --data-binary @"$OG_TMP/req.json" "$OG_URL$GEN?download=1" > "$OG_TMP/c$1.code"
}
# Both requests are sent together: each connection has its own server thread (a pool thread
# that accepted both used to run them one after the other).
render 1 & r1=$!
render 2 & r2=$!
wait "$r1" "$r2"
[ "$(cat "$OG_TMP/c1.code") $(cat "$OG_TMP/c2.code")" = "200 200" ] && ok ||
  bad "two renders at once: $(cat "$OG_TMP/c1.code") $(cat "$OG_TMP/c2.code")"
og "${G[@]}" sow --input "$OG_TMP/heavy.json" --dry-run -o "$OG_TMP/cli.pdf" 2>/dev/null ||
  bad "CLI render of the long data"
cmp -s "$OG_TMP/c1.pdf" "$OG_TMP/c2.pdf" && cmp -s "$OG_TMP/c1.pdf" "$OG_TMP/cli.pdf" && ok ||
  bad "both server threads give the CLI's bytes"
# both layouts started before either ended: they ran at the same time
starts=$(grep -o 'pdf layout start [0-9]*' "$OG_SERVER_LOG" | awk '{print $4}' | sort -n)
ends=$(grep -o 'pdf layout end [0-9]*' "$OG_SERVER_LOG" | awk '{print $4}' | sort -n)
if [ "$(echo "$starts" | wc -w)" = 2 ] && [ "$(echo "$ends" | wc -w)" = 2 ] &&
   [ "$(echo "$starts" | tail -n 1)" -lt "$(echo "$ends" | head -n 1)" ]; then ok; else
  bad "the two renders did not overlap: starts $(echo $starts), ends $(echo $ends)"
fi
og_stop TERM

# --- a render over OPSGATE_PDF_DEADLINE fails (413) and stores nothing; Markdown is not bound
OPSGATE_PDF_DEADLINE=0.000001 og_serve "$D" || exit 1
with "$OG_TMP/rev.json" '.document.revision = "9"'
req "$OG_TMP/rev.json"
api POST "$GEN" "$pam" @"$OG_TMP/req.json"
expect_error 413 too_large "HTTP: past the layout deadline"
expect_jq '.error.message | test("OPSGATE_PDF_DEADLINE")' true "HTTP: the message names the setting"
api GET /api/v1/projects/northwind/artifacts/sow.pdf/versions "$pam"
expect_jq '.versions | length' 1 "HTTP: no new version after the deadline"
jq -cn --slurpfile d "$OG_TMP/rev.json" '{kind:"sow", format:"md", data:$d[0]}' > "$OG_TMP/req.json"
api POST "$GEN" "$pam" @"$OG_TMP/req.json"
expect_status 201 "HTTP: Markdown is not bound by the PDF deadline"
og_stop TERM
OPSGATE_PDF_DEADLINE=0.000001 og "${G[@]}" sow --input "$OG_TMP/rev.json" -o "$OG_TMP/x.pdf" \
  2>"$OG_TMP/err" && bad "CLI: past the deadline succeeded"
grep -qE "^opsgate: .*OPSGATE_PDF_DEADLINE" "$OG_TMP/err" && ok ||
  bad "CLI: deadline error: $(head -c 300 "$OG_TMP/err")"
og_done
