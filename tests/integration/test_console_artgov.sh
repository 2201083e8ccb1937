#!/usr/bin/env bash
# test_console_artgov.sh - the artifact governance of the console (docs/console.md): an L2 publish
# whose gate item shows the version to publish against the last published one, side by side
# (version 3 against 1: version 2 was never published), approved by a second user; legal holds
# placed and released from the pages (a delete over the API refused while held); a grant that
# lets a client-viewer see the project, then revoked; buttons only for the roles that may use them
# (og_artifact_may), and a forged POST by one that may not is 403 with nothing changed; bad input
# 400 with nothing changed; another tenant's URLs 404 word for word like missing ones. Over plain
# HTTP first, then in a real browser (tests/console/artgov_test.mjs): the same flows by hand,
# screenshots at 1280 and 390 px (artgov-*), axe.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-360}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed" >&2; exit 77; }
D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q tenant create globex
for u in tia:tenant-admin pam:project-manager eve:engineer aud:auditor cli:client-viewer \
         cleo:client-viewer; do
  q user add --tenant acme "${u%%:*}" --role "${u#*:}"
done
q user add --tenant globex bob --role tenant-admin
tok() { og token create --tenant "$1" --user "$2" 2>/dev/null; }
tok_tia=$(tok acme tia); tok_pam=$(tok acme pam); tok_aud=$(tok acme aud)
tok_cli=$(tok acme cli); tok_cleo=$(tok acme cleo); tok_bob=$(tok globex bob)
A=(--tenant acme --project web)
q project create web "Web site" --tenant acme
q project create gx "Globex site" --tenant globex
q access grant --tenant acme --project web --user cli --right read
# notes.md: version 1 published (L0), versions 2 and 3 written since; pam asks to publish 3 (L2)
printf 'alpha\npublished line\nomega\n' >"$OG_TMP/v1.md"
printf 'alpha\nsecond draft\nomega\n' >"$OG_TMP/v2.md"
printf 'alpha\nthird text to publish\nomega\n' >"$OG_TMP/v3.md"
q --as eve artifact put "${A[@]}" --name notes.md "$OG_TMP/v1.md"
q --as eve artifact set-state "${A[@]}" --name notes.md in-review
q --as pam artifact set-state "${A[@]}" --name notes.md approved
q --as pam artifact set-state "${A[@]}" --name notes.md published
q --as pam artifact set-state "${A[@]}" --name notes.md draft
q --as eve artifact put "${A[@]}" --name notes.md "$OG_TMP/v2.md"
q --as eve artifact put "${A[@]}" --name notes.md "$OG_TMP/v3.md"
q --as eve artifact set-state "${A[@]}" --name notes.md in-review
q --as pam artifact set-state "${A[@]}" --name notes.md approved
q --as tia gate policy set --tenant acme artifacts.publish.other L2
gate=$(og --as pam artifact set-state "${A[@]}" --name notes.md published --json | jq -r .gate_id)
[ -n "$gate" ] && [ "$gate" != null ] && ok || { bad "the publish is gated"; og_done; }
# first.md: one version, its publish also waits (nothing to compare it with)
q --as eve artifact put "${A[@]}" --name first.md "$OG_TMP/v1.md"
q --as eve artifact set-state "${A[@]}" --name first.md in-review
q --as pam artifact set-state "${A[@]}" --name first.md approved
gate1=$(og --as pam artifact set-state "${A[@]}" --name first.md published --json | jq -r .gate_id)
# old.md and held.md: for the holds
q --as eve artifact put "${A[@]}" --name old.md "$OG_TMP/v1.md"
q --as eve artifact put "${A[@]}" --name held.md "$OG_TMP/v1.md"
og_serve "$D" || exit 1

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
declare -A csrfs
post() { # cookie path form...: the session's CSRF token added (read once per session)
  local c=$1 p=$2; shift 2
  [ -n "${csrfs[$c]:-}" ] || csrfs[$c]=$(curl -s -b "$c" "$OG_URL/console" |
    grep -o 'name="csrf" value="[^"]*"' | head -n 1 | cut -d'"' -f4)
  local args=(-b "$c" -H "Origin: $OG_URL" --data-urlencode "csrf=${csrfs[$c]}")
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  req "${args[@]}" "$OG_URL$p"
}
holds() { og hold list --tenant acme --json 2>/dev/null | jq -c "[.holds[] | [.project, (.artifact // \"\")]]"; }
c_tia=$(signin "$tok_tia"); c_pam=$(signin "$tok_pam"); c_aud=$(signin "$tok_aud")
c_cli=$(signin "$tok_cli"); c_cleo=$(signin "$tok_cleo"); c_bob=$(signin "$tok_bob")
P=/console/tenants/acme/projects/web
G=/console/tenants/acme/gates

# --- 1. the diff inside the gate item: version 3 against 1, the last published
req -b "$c_tia" "$OG_URL$G/$gate"; want 200 "$code" "the publish item's page"
has 'against version 1</span>\|against version 1, the last published' "the item compares with the last published version"
has 'class="line removed">.*removed: </span><code>published line</code>' "the published line, removed, on the left"
has 'class="line added">.*added: </span><code>third text to publish</code>' "the line to publish, added, on the right"
hasnt 'second draft' "version 2 (never published) is not the base"
has '<h2>Risk</h2>' "the item shows the inference step's risk"
has 'no model of artifacts.publish' "and says no model has been trained yet"
f=$(og gate show "$gate" --json | jq -c .inference.features)
[ "$(jq -r '.diff_bytes > 0 and .lines_added > 0' <<<"$f")" = true ] && ok ||
  bad "the publish's features measure its diff: $f"
has "diff?from=1&amp;to=3" "a link to the comparison's own page"
req -b "$c_pam" "$OG_URL$G/$gate"; want 200 "$code" "the requester's view of the item"
has 'added: </span><code>third text to publish</code>' "the requester sees what they asked to publish"
req -b "$c_tia" "$OG_URL$G/$gate1"; want 200 "$code" "a first version's item"
has 'its first' "a first version says there is nothing to compare"
req -b "$c_tia" "$OG_URL/console/inbox"; want 200 "$code" "the inbox"
has "gates/$gate#changes" "the inbox links to the item's differences"
hasnt 'third text to publish' "the inbox stays light: no diff rows"

# --- 3. buttons only for the roles that may use them
req -b "$c_tia" "$OG_URL$P"; has 'Place a legal hold' "tenant-admin: hold form on the project"
has 'Grant access' "tenant-admin: grant form"
req -b "$c_pam" "$OG_URL$P"; want 200 "$code" "project-manager: project page"
hasnt 'Place a legal hold' "project-manager: no hold form (needs admin)"; hasnt 'Grant access' "project-manager: no grant form"
req -b "$c_pam" "$OG_URL$P/artifacts/old.md"; has 'Move to in-review' "project-manager: lifecycle buttons"
hasnt 'Place a legal hold' "project-manager: no hold form on the artifact"
for c in "$c_aud" "$c_cli"; do
  [ "$c" = "$c_aud" ] && who=auditor || who=client-viewer
  req -b "$c" "$OG_URL$P"; want 200 "$code" "$who: project page"
  hasnt 'Place a legal hold' "$who: no hold form"; hasnt 'Grant access' "$who: no grant form"
  hasnt 'Revoke' "$who: no revoke button"
done
req -b "$c_aud" "$OG_URL$P/artifacts/old.md"; want 200 "$code" "auditor: artifact page"
hasnt 'name="state"' "auditor: no lifecycle buttons"; hasnt 'Place a legal hold' "auditor: no hold form"
# forged POSTs: 403 with the library's words, nothing changed
before=$(holds)
post "$c_aud" "$P/holds" reason=forged; want 403 "$code" "an auditor's forged hold"
has 'needs the admin right on project' "... with the library's message"
post "$c_cli" "$P/holds" reason=forged artifact=old.md; want 403 "$code" "a client-viewer's forged hold"
post "$c_pam" "$P/holds" reason=forged; want 403 "$code" "a project-manager's forged hold"
post "$c_cli" "$P/grants" user=cli right=admin; want 403 "$code" "a client-viewer's forged grant"
post "$c_aud" "$P/grants" user=cleo right=read; want 403 "$code" "an auditor's forged grant"
want "$before" "$(holds)" "no hold was placed by a forged POST"
if og access report --tenant acme --json 2>/dev/null | jq -e '[.entries[] | select(.user == "cleo")] | length == 0' >/dev/null; then ok
else bad "a forged grant gave cleo access"; fi
# without the CSRF token: 403 (console rule), nothing changed
req -b "$c_tia" -H "Origin: $OG_URL" --data "reason=x" "$OG_URL$P/holds"; want 403 "$code" "a hold without CSRF"

# --- 2. holds: placed and released from the page; a delete refused while held
post "$c_tia" "$P/holds" reason='case <b>7</b>' artifact=held.md; want 303 "$code" "place a hold on held.md"
want "$P/artifacts/held.md?done=hold-set" "$(hdr location)" "back to the artifact's page"
req -b "$c_tia" "$OG_URL$P/artifacts/held.md?done=hold-set"; has 'The legal hold is placed.' "the page says so"
has 'case &lt;b&gt;7&lt;/b&gt;' "the reason, escaped"; has 'Release this hold' "a release button"
api DELETE /api/v1/projects/web/artifacts/held.md "$tok_tia"; want 409 "$code" "a delete while held"
post "$c_tia" "$P/holds" reason=again artifact=held.md; want 409 "$code" "a second hold: the library's 409"
has 'already under a legal hold' "... with its message"
post "$c_tia" "$P/holds/release" reason=settled artifact=held.md; want 303 "$code" "release the hold"
want "$P/artifacts/held.md?done=hold-cleared" "$(hdr location)" "back to the artifact's page"
api DELETE /api/v1/projects/web/artifacts/held.md "$tok_tia"; want 204 "$code" "the delete once released"
post "$c_tia" "$P/holds" reason='whole project'; want 303 "$code" "a hold on the project"
want "$P?done=hold-set" "$(hdr location)" "back to the project's page"
req -b "$c_tia" "$OG_URL$P"; has 'Held (the project)' "the project page shows the hold"
req -b "$c_tia" "$OG_URL$P/artifacts/old.md"; has 'Held (the project)' "an artifact's page shows its project's hold"
n=$(grep -c 'name="artifact"' "$OG_TMP/b")
want 1 "$n" "on an artifact's page only the place form names the artifact (the project's hold's release does not)"
post "$c_tia" "$P/holds/release" reason=done; want 303 "$code" "release the project's hold"
want '[]' "$(holds)" "no hold left"
# bad input: 400, nothing changed
post "$c_tia" "$P/holds" reason=; want 400 "$code" "a hold without a reason"
has "form field .*reason.* is required" "... names the field"
post "$c_tia" "$P/holds" reason=x artifact=nosuch.md; want 404 "$code" "a hold on a missing artifact"
want '[]' "$(holds)" "bad hold requests placed nothing"

# --- grants: cleo sees the project once granted, not after the revoke
req -b "$c_cleo" "$OG_URL/console/tenants/acme/projects"; hasnt '>web</a>\|projects/web"' "cleo sees no project before"
post "$c_tia" "$P/grants" user=cleo right=read until=2099-01-31; want 303 "$code" "grant cleo read"
want "$P?done=granted" "$(hdr location)" "back to the project's page"
req -b "$c_tia" "$OG_URL$P?done=granted"; has 'The grant is saved.' "the page says so"; has '<td>cleo</td>' "the grant is listed"
req -b "$c_cleo" "$OG_URL/console/tenants/acme/projects"; has 'projects/web"' "cleo sees the project once granted"
post "$c_tia" "$P/grants" user=cleo right=write; want 400 "$code" "write for a client-viewer: the library's 400"
has 'only the read right' "... with its message"
post "$c_tia" "$P/grants" user=cleo right=bogus; want 400 "$code" "a bad right"
post "$c_tia" "$P/grants" user='../x' right=read; want 400 "$code" "a bad user name"
post "$c_tia" "$P/grants" user=cleo right=read until=tomorrow; want 400 "$code" "a bad date"
has "form field .*until" "... names the field"
post "$c_tia" "$P/grants" user=nobody right=read; want 404 "$code" "a user that does not exist"
post "$c_tia" "$P/grants/revoke" user=cleo; want 303 "$code" "revoke cleo's grant"
want "$P?done=revoked" "$(hdr location)" "back to the project's page"
req -b "$c_cleo" "$OG_URL$P"; want 404 "$code" "cleo no longer sees the project"
post "$c_tia" "$P/grants/revoke" user=cleo; want 404 "$code" "revoking a grant that is gone"

# --- another tenant's URLs: 404 word for word like missing ones
for p in holds holds/release grants grants/revoke; do
  post "$c_bob" "$P/$p" reason=x user=cleo right=read; want 404 "$code" "globex on acme's $p"
  cp "$OG_TMP/b" "$OG_TMP/other"
  post "$c_bob" "/console/tenants/globex/projects/nosuch/$p" reason=x user=cleo right=read
  want 404 "$code" "a missing project's $p"
  if cmp -s "$OG_TMP/b" "$OG_TMP/other"; then ok; else bad "$p: another tenant's answer differs from a missing one's"; fi
done
req -b "$c_bob" "$OG_URL$G/$gate"; want 404 "$code" "globex on acme's gate item"
want '[]' "$(holds)" "nothing placed by another tenant"

# --- the browser
if ! "$SRC/scripts/console-test.sh" --install >"$OG_TMP/install.log" 2>&1 ||
   ! command -v chromium >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "note: the browser part is skipped: chromium or node cannot be installed" >&2
  og_done
fi
q --as eve artifact put "${A[@]}" --name browser.md "$OG_TMP/v1.md"
og_console_run artgov_test.mjs 200 "the browser test" TOKEN_TIA="$tok_tia" TOKEN_AUD="$tok_aud" \
  TOKEN_CLEO="$tok_cleo" GATE="$gate"
# the browser approved the publish as tia, after pam could not: the CLI sees it published
if og artifact show "${A[@]}" --name notes.md --json 2>/dev/null | jq -e '.state == "published"' >/dev/null; then ok
else bad "notes.md is not published after the browser's approval"; fi
og_done
