#!/usr/bin/env bash
# test_lifecycle.sh - users and projects over their lifetime, on the CLI and over HTTP: disable
# (401 at once), enable, set-role, remove (a tombstone whose name is not reused), the last
# tenant-admin; project rename and archive (read-only, hidden from the list); each role's rights,
# other tenants' objects answered like missing ones, the audit records; exit statuses (2 only for
# usage errors); serve naming the address it could not bind.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
# expect_rc CODE WHAT -- command...: exit status; stderr in $err, stdout in $out
expect_rc() {
  local want=$1 what=$2; shift 3
  out=$("$@" 2>"$OG_TMP/err"); local got=$?; err=$(cat "$OG_TMP/err")
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err"; fi
}
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
audited() { # TENANT ACTION WHAT: the tenant's chain has a record of ACTION
  if og audit list --tenant "$1" --json | jq -e --arg a "$2" 'any(.records[]; .action == $a)' >/dev/null
  then ok; else bad "$3: no $2 record"; fi
}

og tenant create acme >/dev/null && og tenant create globex >/dev/null || exit 1
for u in "acme ada tenant-admin" "acme pam project-manager" "acme eve engineer" \
         "acme aud auditor" "globex gus tenant-admin"; do
  set -- $u
  og user add --tenant "$1" "$2" --role "$3" >/dev/null || bad "user add $2"
done

# ---- exit statuses: 2 only when the command line itself is wrong
expect_rc 1 "a tenant that does not exist" -- og user list --tenant nosuch
contains "$err" "nosuch" "the missing tenant is named"
expect_rc 1 "a tenant that does not exist (project)" -- og project list --tenant nosuch
expect_rc 1 "a tenant that does not exist (disable)" -- og user disable --tenant nosuch eve
expect_rc 1 "a user that does not exist" -- og user disable --tenant acme ghost
contains "$err" "ghost" "the missing user is named"
expect_rc 2 "an unknown option" -- og user disable --tenant acme eve --force
contains "$err" "--force" "the unknown option is named"
expect_rc 2 "an unknown option (project)" -- og project archive --tenant acme fw --colour
expect_rc 2 "a missing argument" -- og user disable --tenant acme
expect_rc 2 "a missing --role" -- og user set-role --tenant acme eve
expect_rc 2 "a missing --tenant for a tenant role" -- og user add bob --role engineer
contains "$err" "--tenant" "the missing option is named"
expect_rc 2 "a missing NAME" -- og project rename --tenant acme fw
expect_rc 2 "a missing --tenant" -- og project archive fw
expect_rc 2 "an unknown subcommand" -- og user freeze --tenant acme eve

# ---- CLI: users
expect_rc 1 "an engineer cannot disable users" -- og --as eve user disable --tenant acme aud
contains "$err" "engineer" "the denial names the role"
expect_rc 1 "--as names a user of the command's tenant" -- og --as gus user disable --tenant acme eve
contains "$err" "gus" "the unknown --as user is named"
expect_rc 0 "a tenant-admin disables eve" -- og --as ada user disable --tenant acme eve --json
[ "$(printf '%s' "$out" | jq -r .state)" = disabled ] && ok || bad "disable shows the state: $out"
expect_rc 1 "--as refuses a disabled user" -- og --as eve user list --tenant acme
contains "$err" "disabled" "--as says why"
expect_rc 1 "no token for a disabled user" -- og token create --tenant acme --user eve
expect_rc 0 "list shows the state" -- og user list --tenant acme
contains "$out" "disabled" "list shows disabled"
expect_rc 0 "enable" -- og --as ada user enable --tenant acme eve
expect_rc 0 "--as works again" -- og --as eve user show --tenant acme eve
expect_rc 0 "set-role" -- og --as ada user set-role --tenant acme eve --role auditor --json
[ "$(printf '%s' "$out" | jq -r .role)" = auditor ] && ok || bad "set-role shows the role: $out"
expect_rc 1 "the new role applies at once" -- og --as eve project create --tenant acme x1 X
expect_rc 1 "nobody is raised to platform-admin" -- og user set-role --tenant acme eve --role platform-admin
contains "$err" "platform-admin" "the refusal names the role"
og user set-role --tenant acme eve --role engineer >/dev/null || bad "back to engineer"
expect_rc 1 "the last tenant-admin cannot demote itself" -- og --as ada user set-role --tenant acme ada --role engineer
contains "$err" "last active tenant-admin" "the refusal says why"
expect_rc 1 "nor disable itself" -- og --as ada user disable --tenant acme ada
expect_rc 1 "nor remove itself" -- og --as ada user remove --tenant acme ada
og user add --tenant acme tmp --role engineer >/dev/null || bad "add tmp"
expect_rc 0 "remove" -- og --as ada user remove --tenant acme tmp
expect_rc 0 "list" -- og user list --tenant acme --json
[ "$(printf '%s' "$out" | jq '[.users[].name] | index("tmp")')" = null ] && ok || bad "a removed user is listed: $out"
expect_rc 0 "show finds a removed user" -- og user show --tenant acme tmp --json
[ "$(printf '%s' "$out" | jq -r .state)" = removed ] && ok || bad "show of a removed user: $out"
expect_rc 1 "a removed user's name is not reused" -- og user add --tenant acme tmp --role engineer
contains "$err" "removed" "the refusal says why"
expect_rc 1 "a removed user cannot be made a reviewer" -- og gate policy assign --tenant acme artifacts tmp
contains "$err" "removed" "the refusal names the state"
expect_rc 1 "removal is final" -- og user enable --tenant acme tmp
for a in user.disable user.enable user.role user.remove; do audited acme "$a" "CLI $a"; done

# ---- CLI: projects
og --as pam project create --tenant acme fw "Firewall migration" >/dev/null || bad "create fw"
og --as pam project create --tenant acme m365 "M365 move" >/dev/null || bad "create m365"
printf 'hello\n' >"$OG_TMP/a.md"; printf 'hello again\n' >"$OG_TMP/b.md"
og --as eve artifact put --tenant acme --project fw --name a.md "$OG_TMP/a.md" >/dev/null || bad "put a.md"
expect_rc 1 "an engineer cannot rename" -- og --as eve project rename --tenant acme fw "X"
contains "$err" "project-manager" "the denial names who may"
expect_rc 1 "an auditor cannot archive" -- og --as aud project archive --tenant acme fw
expect_rc 0 "a project-manager renames" -- og --as pam project rename --tenant acme fw "Firewall refresh" --json
[ "$(printf '%s' "$out" | jq -r '.key + "|" + .name')" = "fw|Firewall refresh" ] && ok || bad "rename keeps the key: $out"
expect_rc 0 "a tenant-admin archives" -- og --as ada project archive --tenant acme fw
expect_rc 1 "archived: no new version" -- og --as eve artifact put --tenant acme --project fw --name a.md "$OG_TMP/a.md"
contains "$err" "archived" "the refusal says why"
expect_rc 1 "archived: no state change" -- og --as eve artifact set-state --tenant acme --project fw --name a.md in-review
expect_rc 1 "archived: no generate" -- og --as pam generate sow --tenant acme --project fw
contains "$err" "archived" "generate says why"
expect_rc 0 "archived: still readable" -- og --as eve artifact get --tenant acme --project fw --name a.md -o "$OG_TMP/got.md"
expect_rc 0 "list" -- og project list --tenant acme --json
[ "$(printf '%s' "$out" | jq -c '[.projects[].key]')" = '["m365"]' ] && ok || bad "list hides archived: $out"
expect_rc 0 "list --all" -- og project list --tenant acme --all
contains "$out" "(archived)" "list --all marks archived"
expect_rc 1 "archive twice" -- og project archive --tenant acme fw
expect_rc 0 "unarchive" -- og --as pam project unarchive --tenant acme fw
expect_rc 0 "writable again" -- og --as eve artifact put --tenant acme --project fw --name a.md "$OG_TMP/b.md" -m again
for a in project.rename project.archive project.unarchive; do audited acme "$a" "CLI $a"; done

# a change waiting for approval when its project is archived does not run on approval
og gate policy set --tenant acme artifacts.set-state L2 >/dev/null || bad "set-state L2"
expect_rc 0 "a pending move" -- og --as eve artifact set-state --tenant acme --project fw --name a.md in-review --json
gid=$(printf '%s' "$out" | jq -r '.gate.gate_id // .gate_id // .id // empty')
[ -n "$gid" ] && ok || bad "no gate id in: $out"
og --as ada project archive --tenant acme fw >/dev/null || bad "archive with a pending move"
expect_rc 1 "approval after archiving is refused" -- og --as pam gate approve "$gid"
contains "$err" "archived" "the refusal names the archive"
og --as pam project unarchive --tenant acme fw >/dev/null || bad "unarchive again"
og gate policy set --tenant acme artifacts.set-state L0 >/dev/null || bad "set-state back to L0"

# ---- HTTP
og_serve "$D" || exit 1
token() { # TENANT USER: a fresh token made by the platform admin
  api POST "/api/v1/tenants/$1/users/$2/tokens" "$admin" '{"ttl":"1h"}'
  [ "$code" = 201 ] || bad "token for $2@$1: $code $body"
  printf '%s' "$body" | jq -r .token
}
ada=$(token acme ada); eve=$(token acme eve); pam=$(token acme pam); aud=$(token acme aud)
gus=$(token globex gus)
api GET /api/v1/whoami "$eve"
expect_status 200 "eve's token works"

# who may
api POST /api/v1/tenants/acme/users/aud/disable "$eve"
expect_error 403 forbidden "an engineer cannot disable"
api PUT /api/v1/tenants/acme/users/aud/role "$pam" '{"role":"engineer"}'
expect_error 403 forbidden "a project-manager cannot change roles"
# another tenant's user answers exactly like a missing tenant
api POST /api/v1/tenants/nosuch/users/eve/disable "$gus"
ref_code=$code; ref_msg=$(printf '%s' "$body" | jq -r .error.message | sed 's/nosuch/T/')
api POST /api/v1/tenants/acme/users/eve/disable "$gus"
msg=$(printf '%s' "$body" | jq -r .error.message | sed 's/acme/T/')
[ "$code" = 404 ] && [ "$ref_code" = 404 ] && [ "$msg" = "$ref_msg" ] && ok ||
  bad "cross-tenant disable differs from a missing tenant: $code $body vs $ref_code $ref_msg"
api DELETE /api/v1/tenants/acme/users/eve "$gus"
expect_error 404 not_found "cross-tenant remove"
api PUT /api/v1/tenants/acme/users/eve/role "$gus" '{"role":"auditor"}'
expect_error 404 not_found "cross-tenant set-role"

# disable: 401 at once, enable does not bring the token back
api POST /api/v1/tenants/acme/users/eve/disable "$ada"
expect_status 200 "a tenant-admin disables eve"
expect_jq .state disabled "the reply shows the state"
api GET /api/v1/whoami "$eve"
expect_error 401 unauthorized "a disabled user's token is refused"
expect_jq .error.message "user 'eve' is disabled" "the 401 says why"
api POST /api/v1/tenants/acme/users/eve/disable "$ada"
expect_status 409 "disable twice"
api POST /api/v1/tenants/acme/users/eve/enable "$ada"
expect_status 200 "enable"
expect_jq .state active "active again"
api GET /api/v1/whoami "$eve"
expect_status 401 "the revoked token stays revoked"
eve=$(token acme eve)
api GET /api/v1/whoami "$eve"
expect_status 200 "a fresh token works"

# set-role applies at once
api PUT /api/v1/tenants/acme/users/eve/role "$ada" '{"role":"wizard"}'
expect_error 400 invalid "an unknown role"
api PUT /api/v1/tenants/acme/users/eve/role "$ada" '{"role":"platform-admin"}'
expect_status 400 "nobody is raised to platform-admin"
api PUT /api/v1/tenants/acme/users/eve/role "$ada" '{"role":"auditor"}'
expect_status 200 "set-role"
expect_jq .role auditor "the reply shows the role"
api GET /api/v1/whoami "$eve"
expect_status 401 "set-role revokes the tokens"
eve=$(token acme eve)
api GET /api/v1/whoami "$eve"
expect_jq .role auditor "the new role at once"
api PUT /api/v1/tenants/acme/users/ada/role "$ada" '{"role":"engineer"}'
expect_error 409 conflict "the last tenant-admin cannot demote itself"

# remove
api POST /api/v1/tenants/acme/users "$ada" '{"name":"tmp2","role":"engineer"}'
expect_status 201 "add tmp2"
tmp2=$(token acme tmp2)
api DELETE /api/v1/tenants/acme/users/tmp2 "$ada"
expect_status 204 "remove"
api GET /api/v1/whoami "$tmp2"
expect_status 401 "a removed user's token is refused"
api GET /api/v1/tenants/acme/users "$ada"
expect_jq '[.users[].name] | index("tmp2")' null "a removed user is not listed"
api GET /api/v1/tenants/acme/users/tmp2 "$ada"
expect_jq .state removed "but is still found by name"
api POST /api/v1/tenants/acme/users "$ada" '{"name":"tmp2","role":"engineer"}'
expect_status 409 "its name is not reused"

# projects
api PATCH /api/v1/projects/m365 "$eve" '{"name":"x"}'
expect_error 403 forbidden "an auditor cannot rename"
api PATCH /api/v1/projects/m365 "$pam" '{"name":"M365 tenant move"}'
expect_status 200 "a project-manager renames"
expect_jq '.key + "|" + .name' "m365|M365 tenant move" "the key stays"
api PATCH /api/v1/projects/m365 "$pam" '{"name":"x","key":"y"}'
expect_error 400 invalid "only the name changes"
api PATCH /api/v1/projects/m365 "$gus" '{"name":"x"}'
expect_error 404 not_found "another tenant's project"
api POST /api/v1/projects/nosuch/archive "$pam"
ref_body=$body
api POST /api/v1/projects/m365/archive "$gus"
a=$(printf '%s' "$ref_body" | jq -r .error.message | sed 's/nosuch/K/')
b=$(printf '%s' "$body" | jq -r .error.message | sed 's/m365/K/')
[ "$code" = 404 ] && [ "$a" = "$b" ] && ok || bad "cross-tenant archive differs from a missing project: $body vs $ref_body"
api POST /api/v1/projects/m365/archive "$eve"
expect_status 403 "an auditor cannot archive"
api POST /api/v1/projects/m365/archive "$pam"
expect_status 200 "archive"
expect_jq .archived true "the reply says archived"
api PUT "/api/v1/projects/m365/artifacts/b.md" "$pam" 'hello'
expect_error 409 conflict "archived: no new version"
api POST /api/v1/projects/m365/generate "$pam" '{"kind":"sow"}'
expect_status 409 "archived: no generate"
api GET /api/v1/projects "$pam"
expect_jq '[.projects[].key] | index("m365")' null "the list hides archived"
api GET "/api/v1/projects?all=1" "$pam"
expect_jq '[.projects[] | select(.key == "m365") | .archived] | .[0]' true "?all=1 shows it"
api POST /api/v1/projects/m365/unarchive "$ada"
expect_status 200 "unarchive"
expect_jq .archived false "no longer archived"
api PUT "/api/v1/projects/m365/artifacts/b.md" "$pam" 'hello'
expect_status 201 "writable again"

# ---- serve names the address it could not bind
port=${OG_URL##*:}
# (a node name of its own: the running server's default name is refused before the port)
expect_rc 1 "serve on a busy port" -- og serve --node second --listen "127.0.0.1:$port"
[ "$err" = "opsgate: cannot listen on 127.0.0.1:$port: Address already in use" ] && ok ||
  bad "serve's bind error: '$err'"

og_done
