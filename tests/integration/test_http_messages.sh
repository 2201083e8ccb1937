#!/usr/bin/env bash
# test_http_messages.sh - messages name the face they are read on: the same refusals provoked over
# HTTP and on the command line, the HTTP replies (and what HTTP shows of a gate's failure) name no
# CLI option or command, while the CLI still gives its hint.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
cli_err=""
# cli WANT WHAT CMD...: run opsgate, keep stderr in $cli_err, check the exit status
cli() {
  local want=$1 what=$2 got
  shift 2
  og "$@" >"$OG_TMP/cli.out" 2>"$OG_TMP/cli.err"
  got=$?
  cli_err=$(cat "$OG_TMP/cli.err")
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $cli_err"; fi
}
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
# no_cli_words TEXT WHAT: TEXT names no CLI option (--x) and no opsgate command line
no_cli_words() {
  if grep -qE '(^|[^-a-zA-Z0-9])--[a-z]|`opsgate|opsgate (access|acme|artifact|audit|cert|events|gate|generate|hold|init|notify|project|serve|target|template|tenant|token|user) ' <<<"$1"; then
    bad "$2: the HTTP reply names a CLI option or command: $1"
  else ok; fi
}

og tenant create acme >/dev/null || bad "tenant create"
og user add --tenant acme ada --role tenant-admin >/dev/null || bad "user ada"
og user add --tenant acme bob --role tenant-admin >/dev/null || bad "user bob"
bob=$(og token create --tenant acme --user bob 2>/dev/null | grep -o 'og_[^ ]*' | head -n 1)
[ -n "$bob" ] || bad "token for bob"

# A certificate without its key, a file target and L2 for deploys: the deploy approved over HTTP
# fails for want of the key.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OG_TMP/k.pem" \
  -out "$OG_TMP/c.pem" -subj /CN=x.test -days 30 >/dev/null 2>&1 || bad "openssl"
og cert import --tenant acme "$OG_TMP/c.pem" >/dev/null || bad "cert import"
fp=$(openssl x509 -in "$OG_TMP/c.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
og target add --tenant acme files --type file --cert-path "$OG_TMP/out.pem" \
  --key-path "$OG_TMP/out.key" >/dev/null || bad "target add"
og gate policy set --tenant acme certs.deploy L2 >/dev/null || bad "deploys at L2"
cli 0 "deploy waits for an approval" --as ada cert deploy --tenant acme "${fp:0:16}" --target files
gate=$(og gate list --tenant acme --json | jq -r '.gates[] | select(.kind == "certs.deploy") | .id' | head -n 1)

og_serve "$D" || exit 1

# ---- users: a platform-admin belongs to no tenant
api POST /api/v1/tenants/acme/users "$admin" '{"name":"root2","role":"platform-admin"}'
expect_status 400 "a platform-admin is not added to a tenant"
has "$body" "belongs to no tenant" "the rule is named"
no_cli_words "$body" "user add platform-admin"
cli 1 "the same on the CLI" user add --tenant acme root2 --role platform-admin
has "$cli_err" "without --tenant" "the CLI names its option"

api PUT /api/v1/tenants/acme/users/ada/role "$admin" '{"role":"platform-admin"}'
expect_status 400 "nobody is raised to platform-admin"
no_cli_words "$body" "set-role platform-admin"
cli 1 "the same on the CLI" user set-role --tenant acme ada --role platform-admin
has "$cli_err" "opsgate user add NAME --role platform-admin" "the CLI names its command"

# ---- notify: the egress policy refuses a loopback webhook
api POST /api/v1/tenants/acme/notify-channels "$admin" \
  '{"type":"webhook","url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef0"}'
expect_status 403 "a loopback webhook is refused"
has "$body" "127.0.0.0/8" "the range is named"
has "$body" "only a platform-admin allows a range" "HTTP's own hint"
no_cli_words "$body" "egress refusal"
printf '0123456789abcdef0' >"$OG_TMP/secret"
cli 1 "the same on the CLI" notify add --tenant acme webhook http://127.0.0.1:9/hook \
  --secret-file "$OG_TMP/secret"
has "$cli_err" "opsgate notify egress allow 127.0.0.0/8" "the CLI names the command that allows it"

# ---- gates: a kind the general request does not take names the route that does
api POST /api/v1/tenants/acme/gates "$bob" '{"kind":"gate.policy.lower","params":{}}'
expect_status 403 "gate.policy.lower is not requested directly"
has "$body" "PUT /api/v1/tenants/{tenant}/gate-policy/{kind}" "the route is named"
no_cli_words "$body" "not requestable"
cli 1 "the same on the CLI" --as bob gate request --tenant acme gate.policy.lower
has "$cli_err" "opsgate gate policy set" "the CLI names its command"
case "$cli_err" in *"/api/v1"*) bad "the CLI message names an HTTP route: $cli_err" ;; *) ok ;; esac

# ---- audit: an export range upside down
api GET "/api/v1/audit/export?format=jsonl&since=2026-02-01&until=2026-01-01" "$admin"
expect_status 400 "since after until"
has "$body" "is after" "the rule is named"
no_cli_words "$body" "export range"

# ---- deploy: approved over HTTP, it fails; what HTTP shows of the failure names no command
api POST "/api/v1/gates/$gate/approve" "$bob" '{}'
no_cli_words "$body" "approving the deploy"
# the gate item exists and is now failed: not a 404 about the path, but 409 with what happened
expect_status 409 "an approval whose action fails for want of the key"
expect_jq .error.code conflict "the approval's failure is a conflict"
has "$body" "gate item $gate: 'approve' ran its action, which failed" "the reply says what happened"
has "$body" "has no private key" "the action's error is named"
expect_jq .gate.outcome failed "the reply carries the item's outcome"
expect_jq .gate.id "$gate" "the reply carries the item"
case "$body" in *"not found"*) bad "the approval reply says not found: $body" ;; *) ok ;; esac
api GET "/api/v1/gates/$gate" "$bob"
expect_status 200 "the deploy's gate"
expect_jq .outcome failed "the deploy failed"
has "$body" "has no private key" "the failure is named"
no_cli_words "$body" "the deploy's failure"

# ---- CLI-only checks keep their options: deploy targets, --as, the data folder
cli 2 "a haproxy target without --socket" target add --tenant acme h --type haproxy \
  --cert-path /tmp/x.pem --endpoint 127.0.0.1:1
has "$cli_err" "--socket" "the CLI names --socket"
cli 1 "--as a user that does not exist" --as nobody tenant list
has "$cli_err" "--as" "the CLI names --as"
cli 1 "no data folder" --data "$OG_TMP/nothing" tenant list
if [ "${OG_IT_BACKEND:-}" = pg ]; then  # the folder became a database without an installation
  has "$cli_err" "holds no opsgate installation" "the CLI says what is missing"
  has "$cli_err" "opsgate init --data URL --keys DIR" "the CLI says how to make one"
else
  has "$cli_err" "opsgate init --data $OG_TMP/nothing" "the CLI says how to make one"
fi

og_done
