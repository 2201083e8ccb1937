#!/usr/bin/env bash
# test_http_templates.sh - the template routes (issue 22, src/http/templates_api.c), one server:
# list and get fall back to the built-ins; a put is checked as `template put` checks it (refused
# with its problems named, nothing stored, unless forced), versioned, and read back by version;
# a built-in partial is overridden by its name; an engineer cannot create the templates project
# (a project-manager's first put does), an auditor cannot store, a client-viewer does not see the
# tenant's versions (it reads the built-in); globex's admin gets 404 for acme's templates (also where the library would
# fall back to a built-in); template-check reports parse errors and missing names, storing
# nothing.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q tenant create globex
for u in pam:project-manager eve:engineer aud:auditor cv:client-viewer; do
  q user add --tenant acme "${u%%:*}" --role "${u#*:}"
done
q user add --tenant globex gus --role tenant-admin
tok() { og token create --tenant "$1" --user "$2" 2>/dev/null; }
pam=$(tok acme pam); eve=$(tok acme eve); aud=$(tok acme aud); cv=$(tok acme cv); gus=$(tok globex gus)
og_serve "$D" || exit 1
T=/api/v1/tenants/acme/templates

api GET $T "$eve"
expect_jq '.templates | map(select(.name == "sow")) | .[0].source' builtin "sow is the built-in"
api GET $T/sow "$eve"
expect_jq .ref sow@builtin "get falls back to the built-in"
grep -q "{{" <<<"$(jq -r .source <<<"$body")" && ok || bad "the built-in's source: $body"
api GET $T/sow/versions "$eve"
expect_error 404 not_found "a built-in never overridden has no versions"
api GET $T/sow "$gus"
expect_error 404 not_found "globex's admin: acme's built-in fallback"
api PUT $T/sow "$eve" '{"source": "# SOW for {{client.name}}\n"}'
expect_error 403 forbidden "an engineer cannot create the templates project"

api PUT $T/sow "$eve" '{"source": "# SOW for {{client.nmae}}\n"}'
expect_error 400 invalid "a template naming what the data lacks is refused"
grep -q "client.nmae" <<<"$body" && grep -q '"force": true' <<<"$(jq -r .error.message <<<"$body")" && ok ||
  bad "the refusal names the problem and the way to force it: $body"
api GET $T/sow "$eve"
expect_jq .ref sow@builtin "nothing was stored"
api PUT $T/sow "$eve" '{"source": "# SOW {{#x"}'
expect_error 400 invalid "a template that does not parse"
api PUT $T/sow "$pam" '{"source": "# SOW for {{client.nmae}}\n", "force": true, "message": "forced"}'
expect_status 201 "forced: stored with warnings (the project-manager's put makes the project)"
expect_jq .version 1 "version 1"
expect_jq '.problems | length > 0' true "the warnings come back"
api PUT $T/sow "$eve" '{"source": "# SOW for {{client.name}}\n", "message": "fixed"}'
expect_status 201 "an engineer stores a clean template"
expect_jq .version 2 "version 2"
expect_header Location "$T/sow\\?version=2" "Location names the version"
api GET "$T/sow?version=1" "$aud"
expect_jq .source "# SOW for {{client.nmae}}" "version 1 read back by an auditor"
api GET $T/sow "$eve"
expect_jq .ref sow@2 "the latest is version 2"
api GET $T/sow/versions "$aud"
expect_jq '.versions | length' 2 "two versions"
api GET "$T/sow?version=0" "$eve"
expect_error 400 invalid "version 0"
api PUT $T/sow "$aud" '{"source": "# SOW\n"}'
expect_error 403 forbidden "an auditor cannot store a template"
api GET $T/sow "$cv"
expect_jq .ref sow@builtin "a client-viewer does not see the tenant's template (the built-in)"
api GET $T/sow/versions "$cv"
expect_error 404 not_found "nor its versions"
api GET $T/sow "$gus"
expect_error 404 not_found "globex's admin: acme's template"
other=$body
api GET /api/v1/tenants/nosuch/templates/sow "$gus"
[ "${other/tenants\/acme/tenants/X}" = "${body/tenants\/nosuch/tenants/X}" ] && ok || bad "another tenant answers like a missing one"
api PUT $T/sow "$gus" '{"source": "# SOW\n"}'
expect_error 404 not_found "globex's admin cannot store into acme"

# ---- a built-in partial ----
api PUT $T/terms "$eve" '{"source": "Terms of {{provider.name}}\n"}'
expect_status 201 "an engineer overrides the terms partial"
api GET $T/terms "$eve"
expect_jq .ref terms@1 "read back"
api GET $T "$eve"
expect_jq '.templates | map(select(.name == "terms")) | .[0].source' tenant "listed as the tenant's"

# ---- check, offline ----
api POST /api/v1/template-check "$cv" '{"name": "runbook", "source": "# {{#x"}'
expect_status 200 "a check answers"
expect_jq .ok false "a parse error is a problem"
expect_jq '.problems[0].line' 1 "with its line"
api POST /api/v1/template-check "$cv" '{"name": "runbook", "source": "# {{project.nmae}}\n"}'
expect_jq '.problems | map(.name) | join(",")' project.nmae "a missing name is reported"
api POST /api/v1/template-check "$cv" '{"name": "runbook", "source": "# {{project.name}}\n"}'
expect_jq .ok true "a clean template"
api POST /api/v1/template-check "$cv" '{"name": "runbook", "source": "x", "kind": "novel"}'
expect_error 400 invalid "an unknown kind"
api POST /api/v1/template-check "" '{"name": "runbook", "source": "x"}'
expect_status 401 "a token is needed"
og_done
