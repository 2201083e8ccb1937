#!/usr/bin/env bash
# test_artifacts.sh - the artifact repository through the CLI: projects, put/get/log/diff/restore,
# locks, lifecycle through the gates, client viewers, other tenants, holds, retention, search,
# the access report, exit codes and errors naming the value, and no plaintext at rest.
set -uo pipefail
: "${OPSGATE:?path to the opsgate binary}"
command -v jq >/dev/null || { echo "jq missing: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); }
bad()  { echo "FAIL: $*" >&2; fails=$((fails+1)); }
# expect CODE DESCRIPTION -- command...   (stdout in $out, stderr in $err)
expect() {
  local want=$1 what=$2; shift 3
  out=$("$@" 2>"$tmp/err"); local got=$?; err=$(cat "$tmp/err")
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err"; fi
}
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }

D="$tmp/data"
og() { "$OPSGATE" --data "$D" "$@"; }
A=(--tenant acme --project fw)

expect 0 "init" -- og init
for t in acme globex; do expect 0 "tenant $t" -- og tenant create $t; done
expect 0 "ada" -- og user add --tenant acme ada --role tenant-admin
expect 0 "pam" -- og user add --tenant acme pam --role project-manager
expect 0 "eve" -- og user add --tenant acme eve --role engineer
expect 0 "ed"  -- og user add --tenant acme ed --role engineer
expect 0 "aud" -- og user add --tenant acme aud --role auditor
expect 0 "cli" -- og user add --tenant acme cli --role client-viewer
expect 0 "gus" -- og user add --tenant globex gus --role tenant-admin

# --- projects
expect 0 "pm creates a project" -- og --as pam project create --tenant acme fw "Firewall migration"
expect 1 "engineer cannot create projects" -- og --as eve project create --tenant acme x "X"
contains "$err" "engineer" "denial names the role"
expect 2 "bad project key" -- og project create --tenant acme "Bad Key" "x"
contains "$err" "Bad Key" "bad key is named"
expect 1 "duplicate project" -- og project create --tenant acme fw "again"
expect 0 "project list --json" -- og project list --tenant acme --json
[ "$(printf '%s' "$out" | jq -r '.projects[0].key')" = fw ] && ok || bad "project list: $out"

# --- put, get, log, diff, restore
printf '# SOW\n\nScope: firewall cutover\nFee: 10k\n' > "$tmp/sow.md"
expect 0 "put a new artifact" -- og --as eve artifact put "${A[@]}" --name sow.md --kind sow -m "first draft" "$tmp/sow.md"
contains "$out" "version 1" "put prints the version"
printf '# SOW\n\nScope: firewall and VPN cutover\nFee: 12k\n' | expect 0 "put from stdin" -- og --as eve artifact put "${A[@]}" --name sow.md -m "VPN added" -
expect 0 "get v1 to a file" -- og artifact get "${A[@]}" --name sow.md --version 1 -o "$tmp/v1.md"
cmp -s "$tmp/sow.md" "$tmp/v1.md" && ok || bad "get v1 returns the first version"
expect 0 "get latest" -- og artifact get "${A[@]}" --name sow.md
contains "$out" "VPN" "latest has the second version"
expect 0 "log --json" -- og artifact log "${A[@]}" --name sow.md --json
[ "$(printf '%s' "$out" | jq '.versions | length')" = 2 ] && ok || bad "log has 2 versions: $out"
[ "$(printf '%s' "$out" | jq -r '.versions[1].sha256')" = "$(sha256sum "$tmp/sow.md" | cut -d' ' -f1)" ] && ok || bad "log has the SHA-256 of v1"
[ "$(printf '%s' "$out" | jq -r '.versions[0].media_type')" = "text/markdown" ] && ok || bad "media type by extension"
expect 0 "diff" -- og artifact diff "${A[@]}" --name sow.md --from 1 --to 2
contains "$out" "-Scope: firewall cutover" "diff shows the removed line"
contains "$out" "+Scope: firewall and VPN cutover" "diff shows the added line"
contains "$out" "@@ -1,4 +1,4 @@" "diff has a hunk header"
expect 0 "restore" -- og artifact restore "${A[@]}" --name sow.md --version 1
contains "$out" "version 3" "restore makes version 3"
expect 0 "get after restore" -- og artifact get "${A[@]}" --name sow.md
[ "$out" = "$(cat "$tmp/sow.md")" ] && ok || bad "restored content equals v1"
head -c 300000 /dev/urandom > "$tmp/blob.bin"
expect 0 "put binary" -- og artifact put "${A[@]}" --name diagram.bin "$tmp/blob.bin"
expect 0 "get binary" -- og artifact get "${A[@]}" --name diagram.bin -o "$tmp/blob.out"
cmp -s "$tmp/blob.bin" "$tmp/blob.out" && ok || bad "binary round trip"
head -c 1000 /dev/urandom >> "$tmp/blob.bin"
expect 0 "put binary v2" -- og artifact put "${A[@]}" --name diagram.bin "$tmp/blob.bin"
expect 0 "binary diff" -- og artifact diff "${A[@]}" --name diagram.bin --from 1 --to 2
contains "$out" "Binary versions differ" "binary diff is a note"

# --- bad input everywhere: usage errors exit 2, failures exit 1, the value is named
expect 2 "bad kind" -- og artifact put "${A[@]}" --name x --kind memo "$tmp/sow.md"
contains "$err" "memo" "bad kind is named"
expect 2 "bad version" -- og artifact get "${A[@]}" --name sow.md --version abc
contains "$err" "abc" "bad version is named"
expect 2 "version 0" -- og artifact get "${A[@]}" --name sow.md --version 0
expect 1 "missing version" -- og artifact get "${A[@]}" --name sow.md --version 99
contains "$err" "99" "missing version is named"
expect 1 "missing file" -- og artifact put "${A[@]}" --name x "$tmp/nope.md"
contains "$err" "$tmp/nope.md" "missing file is named"
expect 1 "unknown project" -- og artifact put --tenant acme --project nope --name x "$tmp/sow.md"
contains "$err" "nope" "unknown project is named"
expect 1 "unknown artifact" -- og artifact get "${A[@]}" --name ghost.md
contains "$err" "ghost.md" "unknown artifact is named"
expect 2 "bad state" -- og artifact set-state "${A[@]}" --name sow.md finished
contains "$err" "finished" "bad state is named"
expect 1 "bad transition" -- og artifact set-state "${A[@]}" --name sow.md published
contains "$err" "from draft to published" "bad transition names both states"
expect 2 "missing --name" -- og artifact get --tenant acme --project fw
expect 2 "unknown subcommand" -- og artifact frob
expect 1 "bad metadata" -- og artifact put "${A[@]}" --name m.md --metadata '{"a":' "$tmp/sow.md"
contains "$err" "metadata" "bad metadata is named"
expect 1 "unchanged content" -- og artifact put "${A[@]}" --name sow.md "$tmp/sow.md"
contains "$err" "identical" "unchanged put explains"
expect 0 "get -o is not left behind on failure" -- true
og artifact get "${A[@]}" --name ghost.md -o "$tmp/ghost.out" 2>/dev/null
[ ! -e "$tmp/ghost.out" ] && ok || bad "a failed get left $tmp/ghost.out"

# --- locks
expect 0 "eve locks" -- og --as eve artifact lock "${A[@]}" --name sow.md --ttl 1h
printf 'ed was here\n' > "$tmp/ed.md"
expect 1 "ed cannot put while eve holds the lock" -- og --as ed artifact put "${A[@]}" --name sow.md "$tmp/ed.md"
contains "$err" "user:eve" "lock conflict names the holder"
expect 1 "ed cannot unlock" -- og --as ed artifact unlock "${A[@]}" --name sow.md
expect 1 "ed cannot break it" -- og --as ed artifact unlock "${A[@]}" --name sow.md --force
expect 0 "tenant-admin breaks it" -- og --as ada artifact unlock "${A[@]}" --name sow.md --force
expect 0 "audit has the break" -- og audit list --tenant acme --action artifact.lock.break --json
[ "$(printf '%s' "$out" | jq 'if type=="array" then length else (.records|length) end')" = 1 ] && ok || bad "lock break audited: $out"
expect 0 "ed can put now" -- og --as ed artifact put "${A[@]}" --name sow.md "$tmp/ed.md"

# --- lifecycle through the gates: publishing SOWs needs approval in acme
expect 0 "in-review" -- og --as pam artifact set-state "${A[@]}" --name sow.md in-review
expect 0 "approved" -- og --as pam artifact set-state "${A[@]}" --name sow.md approved
expect 0 "policy: SOW publishing at L2" -- og --as ada gate policy set --tenant acme artifacts.publish.sow L2
expect 0 "publish is pending" -- og --as pam artifact set-state "${A[@]}" --name sow.md published --json
[ "$(printf '%s' "$out" | jq -r .state)" = pending ] && ok || bad "publish pending: $out"
gate=$(printf '%s' "$out" | jq -r .gate_id)
expect 0 "still approved" -- og artifact show "${A[@]}" --name sow.md --json
[ "$(printf '%s' "$out" | jq -r .state)" = approved ] && ok || bad "state stays approved: $out"
expect 0 "ada approves" -- og --as ada gate approve "$gate"
expect 0 "now published" -- og artifact show "${A[@]}" --name sow.md --json
[ "$(printf '%s' "$out" | jq -r .state)" = published ] && ok || bad "published after approval: $out"
expect 0 "show as text" -- og artifact show "${A[@]}" --name sow.md
contains "$out" "state     published" "show prints the state"
expect 1 "no new versions once published" -- og artifact put "${A[@]}" --name sow.md "$tmp/sow.md"
contains "$err" "published" "put on published explains"

# --- rights of every role
expect 1 "auditor cannot put" -- og --as aud artifact put "${A[@]}" --name a.md "$tmp/sow.md"
contains "$err" "write" "auditor denial names the right"
expect 0 "auditor reads" -- og --as aud artifact get "${A[@]}" --name sow.md
expect 1 "engineer cannot grant" -- og --as eve access grant "${A[@]}" --user cli --right read
expect 1 "pm cannot hold" -- og --as pam hold set "${A[@]}" --reason x
expect 1 "engineer cannot purge" -- og --as eve artifact purge "${A[@]}" --name sow.md
expect 1 "engineer cannot read the access report" -- og --as eve access report --tenant acme
expect 2 "bad right" -- og access grant "${A[@]}" --user cli --right own
contains "$err" "own" "bad right is named"
expect 2 "bad --until" -- og access grant "${A[@]}" --user cli --right read --until someday
contains "$err" "someday" "bad date is named"

# --- client viewer: published artifacts of granted projects, everything else 404
expect 1 "viewer without grant" -- og --as cli artifact get "${A[@]}" --name sow.md
contains "$err" "not found" "viewer without grant gets not found"
expect 1 "viewer cannot be granted write" -- og access grant "${A[@]}" --user cli --right write
expect 0 "grant read" -- og --as ada access grant "${A[@]}" --user cli --right read --until 2099-01-01
expect 0 "viewer gets the published SOW" -- og --as cli artifact get "${A[@]}" --name sow.md
expect 1 "viewer: draft is not found" -- og --as cli artifact get "${A[@]}" --name diagram.bin
contains "$err" "not found" "draft is 404 for the viewer"
expect 1 "viewer: old version is not found" -- og --as cli artifact get "${A[@]}" --name sow.md --version 1
expect 0 "viewer list" -- og --as cli artifact list --tenant acme --json
[ "$(printf '%s' "$out" | jq -r '[.artifacts[].name]|join(",")')" = sow.md ] && ok || bad "viewer lists published only: $out"
expect 0 "access report" -- og --as aud access report --tenant acme --json
printf '%s' "$out" | jq -e '.entries[] | select(.user=="cli" and .project=="fw" and .right=="read" and (.via|startswith("grant read until")))' >/dev/null && ok || bad "report shows the viewer's grant: $out"
printf '%s' "$out" | jq -e '.entries[] | select(.user=="eve" and .right=="write" and .via=="role engineer")' >/dev/null && ok || bad "report shows the engineer's role: $out"
expect 0 "revoke" -- og --as ada access revoke "${A[@]}" --user cli
expect 1 "viewer after revoke" -- og --as cli artifact get "${A[@]}" --name sow.md

# --- other tenants: 404
expect 1 "globex admin cannot see acme's project" -- og --as gus artifact get "${A[@]}" --name sow.md
contains "$err" "not found" "cross-tenant is not found"
expect 1 "globex admin cannot list acme" -- og --as gus artifact list --tenant acme

# --- holds, delete, retention, purge
expect 0 "hold the project" -- og --as ada hold set "${A[@]}" --reason "dispute 2026-04"
expect 1 "delete under hold" -- og --as eve artifact delete "${A[@]}" --name diagram.bin
contains "$err" "dispute 2026-04" "hold names its reason"
expect 2 "hold needs a reason" -- og --as ada hold clear "${A[@]}"
expect 0 "hold list" -- og hold list --tenant acme --json
[ "$(printf '%s' "$out" | jq -r '.holds[0].set_by')" = "local:$(id -un) as user:ada" ] && ok || bad "hold records who: $out"
expect 0 "clear the hold" -- og --as ada hold clear "${A[@]}" --reason "settled"
expect 0 "delete" -- og --as eve artifact delete "${A[@]}" --name diagram.bin
expect 0 "retention: other kept 1 year" -- og --as ada artifact retention set --tenant acme --kind other --keep 1y
expect 2 "bad retention period" -- og --as ada artifact retention set --tenant acme --kind other --keep forever
contains "$err" "forever" "bad period is named"
expect 1 "purge under retention" -- og --as ada artifact purge "${A[@]}" --name diagram.bin
contains "$err" "retention until" "purge refusal says until when"
expect 0 "hold the artifact" -- og --as ada hold set "${A[@]}" --name diagram.bin --reason "audit"
expect 0 "retention off" -- og --as ada artifact retention set --tenant acme --kind other --keep 0
expect 1 "purge under artifact hold" -- og --as ada artifact purge "${A[@]}" --name diagram.bin
contains "$err" "legal hold" "purge refusal names the hold"
expect 0 "clear" -- og --as ada hold clear "${A[@]}" --name diagram.bin --reason "done"
expect 0 "purge" -- og --as ada artifact purge "${A[@]}" --name diagram.bin
expect 1 "purged is gone" -- og artifact show "${A[@]}" --name diagram.bin

# --- search
printf 'Runbook: move the quokkaswitch uplinks to port-channel 7\n' > "$tmp/rb.md"
expect 0 "put runbook" -- og artifact put "${A[@]}" --name "core cutover" --kind runbook --metadata '{"site":"Zanzibar"}' "$tmp/rb.md"
expect 0 "search text" -- og artifact search --tenant acme quokkaswitch --json
[ "$(printf '%s' "$out" | jq -r '.results[0].name')" = "core cutover" ] && ok || bad "search finds by text: $out"
contains "$(printf '%s' "$out" | jq -r '.results[0].snippet')" "**quokkaswitch**" "snippet marks the match"
expect 0 "search metadata" -- og artifact search --tenant acme zanzibar --json
[ "$(printf '%s' "$out" | jq '.results | length')" = 1 ] && ok || bad "search finds by metadata: $out"
expect 0 "viewer search sees nothing unpublished" -- og --as cli artifact search --tenant acme quokkaswitch --json
[ "$(printf '%s' "$out" | jq '.results | length')" = 0 ] && ok || bad "viewer search: $out"
expect 1 "search another tenant" -- og --as gus artifact search --tenant acme quokkaswitch

# --- nothing readable at rest: content, names, metadata, messages
for word in quokkaswitch Zanzibar "firewall and VPN" "VPN added" "core cutover"; do
  if grep -r -a -l -F "$word" "$D" >/dev/null 2>&1; then bad "plaintext '$word' found under $D: $(grep -r -a -l -F "$word" "$D")"; else ok; fi
done

echo "test_artifacts: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
