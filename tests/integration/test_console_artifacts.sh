#!/usr/bin/env bash
# test_console_artifacts.sh - the console's artifact pages (docs/console.md): made with the CLI, a
# project with an artifact of two text versions, one whose name holds <script>, and a published
# one. Over plain HTTP: the projects, the project, the artifact and its versions, the diff (the
# changed line on both sides), a download (the same bytes, attachment, no-store), search, the
# lifecycle form (CSRF required; a publish gated at L2 becomes a pending gate item the page names),
# a client-viewer seeing only the published artifact, another tenant's session getting the 404
# word for word like a missing page. Then in a real browser (tests/console/artifacts_test.mjs):
# the same pages, keyboard and screenshots at 1280 and 390 px, axe, the <script> name inert.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create globex >/dev/null || exit 1
og user add --tenant acme pm --role project-manager >/dev/null || exit 1
og user add --tenant acme cv --role client-viewer >/dev/null || exit 1
og user add --tenant globex bob --role engineer >/dev/null || exit 1
og project create web "Web site" --tenant acme >/dev/null || exit 1
og project create gx "Globex site" --tenant globex >/dev/null || exit 1
printf 'alpha\nbeta\ngamma\n' >"$OG_TMP/v1.md"
printf 'alpha\nBETA changed\ngamma\n' >"$OG_TMP/v2.md"
put() { og artifact put "$1" --tenant acme --project web --name "$2" --message "$3" >/dev/null; }
put "$OG_TMP/v1.md" notes.md first && put "$OG_TMP/v2.md" notes.md second || exit 1
put "$OG_TMP/v1.md" '<script>alert(1).md' markup || exit 1
put "$OG_TMP/v1.md" public.md shown || exit 1
og artifact set-state in-review --tenant acme --project web --name notes.md >/dev/null || exit 1
og access grant --tenant acme --project web --user cv --right read >/dev/null || exit 1
og hold set --tenant acme --project web --name notes.md --reason 'case <b>42</b>' >/dev/null || exit 1
tok_pm=$(og token create --tenant acme --user pm 2>/dev/null)
tok_cv=$(og token create --tenant acme --user cv 2>/dev/null)
tok_b=$(og token create --tenant globex --user bob 2>/dev/null)
# public.md published by the project-manager (the author may not approve their own version)
for s in in-review approved published; do
  og artifact set-state $s --tenant acme --project web --name public.md >/dev/null 2>&1
done
og_serve "$D" || exit 1
# the author (local:root) may not approve: pm does, over the API, then the policy gates publish
api POST /api/v1/projects/web/artifacts/public.md/state "$tok_pm" '{"state":"approved"}' >/dev/null
api POST /api/v1/projects/web/artifacts/public.md/state "$tok_pm" '{"state":"published"}' >/dev/null
og gate policy set artifacts.publish.other L2 --tenant acme >/dev/null || exit 1

H="$OG_TMP/h"
req() { code=$(curl -s -o "$OG_TMP/b" -D "$H" -w '%{http_code}' "$@"); }
hdr() { tr -d '\r' <"$H" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
want() { if [ "$2" = "$1" ]; then ok; else bad "$3: got '$2', want '$1'"; fi; }
has() { if grep -q -- "$1" "$OG_TMP/b"; then ok; else bad "$2: the page lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$OG_TMP/b"; then bad "$2: the page has '$1'"; else ok; fi; }
signin() {
  curl -s -o /dev/null -D "$H" -H "Origin: $OG_URL" --data-urlencode "token=$1" \
    "$OG_URL/console/sign-in"
  hdr set-cookie | cut -d';' -f1
}
c=$(signin "$tok_pm"); cv=$(signin "$tok_cv"); cb=$(signin "$tok_b")
P="$OG_URL/console/tenants/acme/projects"
A="$P/web/artifacts"

# --- projects, project, artifact
req -b "$c" "$OG_URL/console/projects"; want 303 "$code" "the Artifacts link"
want /console/tenants/acme/projects "$(hdr location)" "... goes to the own tenant's projects"
req -b "$c" "$P"; want 200 "$code" "projects"; has 'href="/console/tenants/acme/projects/web"' "projects"
req -b "$c" "$P/web"; want 200 "$code" "project"; has '>notes.md</a>' "the project lists notes.md"
has '&lt;script&gt;alert(1).md' "a <script> name is escaped"; hasnt '<script>alert' "no markup from a name"
has '%3Cscript%3Ealert%281%29.md' "the <script> artifact's link is percent-encoded"
req -b "$c" "$A/notes.md"; want 200 "$code" "artifact"
has '<td>second</td>' "version 2's message"; has '<td>first</td>' "version 1's message"
has 'notes.md/content?version=1' "a download link"
has 'Held (this artifact) since' "the legal hold is shown"; has 'case &lt;b&gt;42&lt;/b&gt;' "with its reason, escaped"
want no-store "$(hdr cache-control)" "pages are no-store"

# --- diff: the changed line on both sides, marked in words too
req -b "$c" "$A/notes.md/diff?from=1&to=2"; want 200 "$code" "diff"
if grep -q 'class="line removed">.*removed: </span><code>beta</code>' "$OG_TMP/b" &&
   grep -q 'class="line added">.*added: </span><code>BETA changed</code>' "$OG_TMP/b"; then ok
else bad "the diff lacks the changed line on both sides"; fi
req -b "$c" "$A/notes.md/diff?from=1&to=x"; want 400 "$code" "a diff with a bad version"
printf '\x00\x01\x02binary' >"$OG_TMP/bin"
og artifact put "$OG_TMP/bin" --tenant acme --project web --name blob.bin --type application/octet-stream >/dev/null
printf '\x00\x01\x03binary' >"$OG_TMP/bin"
og artifact put "$OG_TMP/bin" --tenant acme --project web --name blob.bin --type application/octet-stream >/dev/null
req -b "$c" "$A/blob.bin/diff"; want 200 "$code" "binary diff"; has 'This content is binary' "binary: a clear message"

# --- download: the same bytes, an attachment, no-store, the media type
req -b "$c" "$A/notes.md/content?version=1"; want 200 "$code" "download"
if cmp -s "$OG_TMP/b" "$OG_TMP/v1.md"; then ok; else bad "the download's bytes differ from version 1"; fi
want 'attachment; filename="notes.md"; filename*=UTF-8'"''"'notes.md' "$(hdr content-disposition)" "Content-Disposition"
want no-store "$(hdr cache-control)" "download Cache-Control"; want text/markdown "$(hdr content-type)" "download type"
req -b "$c" "$A/%3Cscript%3Ealert%281%29.md/content"
want 'attachment; filename="_script_alert_1_.md"; filename*=UTF-8'"''"'%3Cscript%3Ealert%281%29.md' \
  "$(hdr content-disposition)" "a download's file name is made safe"

# --- search
req -b "$c" "$OG_URL/console/tenants/acme/search?q=beta"; want 200 "$code" "search"
has '>notes.md</a>' "search finds notes.md"

# --- lifecycle: CSRF required; a gated publish is pending with its gate item named
csrf=$(curl -s -b "$c" "$A/notes.md" | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | cut -d'"' -f4)
req -b "$c" -H "Origin: $OG_URL" --data "state=approved" "$A/notes.md/state"; want 403 "$code" "a state POST without CSRF"
req -b "$c" -H "Origin: $OG_URL" --data "csrf=$csrf&state=approved" "$A/notes.md/state"
want 303 "$code" "approve"; want "/console/tenants/acme/projects/web/artifacts/notes.md?changed=approved" "$(hdr location)" "approved"
req -b "$c" -H "Origin: $OG_URL" --data "csrf=$csrf&state=published" "$A/notes.md/state"
want 303 "$code" "publish at L2"
gate=$(hdr location | sed -n 's/.*?pending=//p')
if [ -n "$gate" ] && og gate show "$gate" --json 2>/dev/null | jq -e '.state == "pending"' >/dev/null; then ok
else bad "a gated publish did not leave a pending gate item ($gate)"; fi
req -b "$c" "$A/notes.md?pending=$gate"; has "gate item <code>$gate</code>" "the page names the gate item"
req -b "$c" -H "Origin: $OG_URL" --data "csrf=$csrf&state=bogus" "$A/notes.md/state"; want 400 "$code" "a bad state"
# a 200-byte name percent-encodes past a Location's room: the redirect goes to the project
long=$(printf 'é%.0s' $(seq 1 100))
og artifact put "$OG_TMP/v1.md" --tenant acme --project web --name "$long" >/dev/null || exit 1
enc=$(printf '%%C3%%A9%.0s' $(seq 1 100))
req -b "$c" "$A/$enc"; want 200 "$code" "a 200-byte name's page"
req -b "$c" -H "Origin: $OG_URL" --data "csrf=$csrf&state=archived" "$A/$enc/state"
want 303 "$code" "archive a 200-byte name"; want /console/tenants/acme/projects/web "$(hdr location)" "... back to the project"

# --- a client-viewer: the published artifact, nothing else
req -b "$cv" "$P/web"; want 200 "$code" "client-viewer project"
has '>public.md</a>' "the client-viewer sees public.md"; hasnt '>notes.md</a>' "the client-viewer sees no draft"
req -b "$cv" "$A/notes.md"; want 404 "$code" "client-viewer on an unpublished artifact"
req -b "$cv" "$A/public.md"; want 200 "$code" "client-viewer on the published artifact"
hasnt 'name="state"' "no lifecycle buttons for a client-viewer"
hasnt 'Show differences' "no diff form for a client-viewer (the library never diffs for one)"
req -b "$cv" "$A/public.md/diff"; want 404 "$code" "client-viewer diff, as the API"
req -b "$cv" "$OG_URL/console/tenants/acme/search?q=alpha"; has '>public.md</a>' "client-viewer search"
hasnt '>notes.md</a>' "client-viewer search shows no draft"

# --- another tenant's session: 404 word for word like a missing page
req -b "$cb" "$A/notes.md"; want 404 "$code" "globex on acme's artifact"; cp "$OG_TMP/b" "$OG_TMP/other"
req -b "$cb" "$OG_URL/console/tenants/globex/projects/gx/artifacts/notes.md"; want 404 "$code" "a missing artifact"
if cmp -s "$OG_TMP/b" "$OG_TMP/other"; then ok; else bad "another tenant's artifact answers unlike a missing one"; fi
req -b "$cb" "$A/notes.md/content?version=1"; want 404 "$code" "globex downloading acme's artifact"
req -b "$cb" "$OG_URL/console/tenants/acme/search?q=beta"; want 404 "$code" "globex searching acme"

# --- a platform-admin chooses the tenant in the switcher
cp=$(signin "$admin")
req -b "$cp" "$OG_URL/console/projects"; want 200 "$code" "a platform-admin without a tenant"
has 'Choose a tenant' "a platform-admin is asked to choose a tenant"
req -b "$cp" "$OG_URL/console/projects?tenant=acme"; want 303 "$code" "the switcher on Artifacts"
want /console/tenants/acme/projects "$(hdr location)" "... goes to acme's projects"
req -b "$cp" "$P/web"; want 200 "$code" "a platform-admin on acme's project"
has '<option value="acme" selected>acme</option>' "the switcher shows acme"
has 'action="/console/projects"' "the switcher stays on Artifacts"

# --- the browser
if ! "$SRC/scripts/console-test.sh" --install >"$OG_TMP/install.log" 2>&1 ||
   ! command -v chromium >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "note: the browser part is skipped: chromium or node cannot be installed" >&2
  og_done
fi
og_console_run artifacts_test.mjs 120 "the browser test" TOKEN_PM="$tok_pm" TOKEN_CV="$tok_cv" \
  TOKEN_B="$tok_b" V1="$OG_TMP/v1.md"
og_done
