#!/usr/bin/env bash
# test_cli.sh - the CLI conventions: init, exit codes, errors naming values, --json, --as, help.
set -uo pipefail
: "${OPSGATE:?path to the opsgate binary}"
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

# --- init
expect 0 "init" -- og init
token=$out
case "$token" in og_*) ok ;; *) bad "init prints a token, got '$token'" ;; esac
[ "$(stat -c %a "$D")" = 700 ] && ok || bad "data folder mode $(stat -c %a "$D")"
[ "$(stat -c %a "$D/master.key")" = 600 ] && ok || bad "master key mode"
before=$(cd "$D" && ls -la --time-style=full-iso | md5sum)
expect 1 "second init refuses" -- og init
contains "$err" "$D" "second init names the folder"
contains "$err" "opsgate: " "errors start with opsgate:"
after=$(cd "$D" && ls -la --time-style=full-iso | md5sum)
[ "$before" = "$after" ] && ok || bad "second init changed the folder"

# --- data folder from the environment, and a missing one
OPSGATE_DATA="$D" expect 0 "OPSGATE_DATA is used" -- "$OPSGATE" tenant list
expect 1 "missing data folder" -- "$OPSGATE" --data "$tmp/nope" tenant list
contains "$err" "$tmp/nope" "missing folder is named"

# --- usage errors exit 2 and name the value
expect 2 "no command" -- "$OPSGATE"
expect 2 "unknown command" -- og frobnicate
contains "$err" "frobnicate" "unknown command is named"
expect 2 "unknown subcommand" -- og tenant explode
contains "$err" "explode" "unknown subcommand is named"
expect 2 "unknown option" -- og tenant list --colour
contains "$err" "--colour" "unknown option is named"
expect 2 "bad role" -- og user add --tenant acme bob --role wizard
contains "$err" "wizard" "bad role is named"
expect 2 "bad ttl" -- og token create --user admin --ttl 5parsecs
contains "$err" "5parsecs" "bad ttl is named"
expect 2 "--data without value" -- "$OPSGATE" --data
expect 2 "delete without --yes" -- og tenant delete acme

# --- tenants and users
expect 0 "tenant create" -- og tenant create acme
expect 0 "tenant create 2" -- og tenant create globex
expect 1 "duplicate tenant" -- og tenant create acme
contains "$err" "acme" "duplicate tenant is named"
expect 1 "bad tenant name" -- og tenant create "Not Valid"
contains "$err" "Not Valid" "bad tenant name is named"
expect 0 "tenant list --json" -- og tenant list --json
[ "$(printf '%s' "$out" | jq '.tenants | length')" = 2 ] && ok || bad "tenant list --json has 2 tenants: $out"
expect 0 "tenant show --json" -- og tenant show acme --json
[ "$(printf '%s' "$out" | jq -r .state)" = active ] && ok || bad "tenant show state"
expect 0 "user add" -- og user add --tenant acme alice --role tenant-admin
expect 0 "user add engineer" -- og user add --tenant acme eve --role engineer
expect 0 "user add globex" -- og user add --tenant globex bob --role engineer
expect 0 "user list --json" -- og user list --tenant acme --json
[ "$(printf '%s' "$out" | jq -r '[.users[].name] | sort | join(",")')" = "alice,eve" ] && ok || bad "user list: $out"
expect 1 "user of unknown tenant" -- og user add --tenant nosuch x --role engineer
contains "$err" "nosuch" "unknown tenant is named"

# --- --as acts with the user's rights
expect 1 "--as engineer cannot add users" -- og --as eve user add --tenant acme zed --role engineer
contains "$err" "engineer" "denial names the role"
expect 0 "--as tenant-admin can add users" -- og --as alice user add --tenant acme zed --role engineer
expect 1 "--as needs an existing user" -- og --as ghost user list --tenant acme
contains "$err" "ghost" "unknown --as user is named"
expect 1 "--as user cannot see another tenant" -- og --as alice user list --tenant globex
contains "$err" "not found" "other tenant is not found"

# --- tokens
expect 0 "token create --json" -- og token create --tenant acme --user eve --ttl 1d --json
tid=$(printf '%s' "$out" | jq -r .id)
expect 0 "token list" -- og token list --tenant acme --json
[ "$(printf '%s' "$out" | jq -r --arg id "$tid" '.tokens[] | select(.id==$id) | .state')" = active ] && ok || bad "token listed active"
expect 0 "token revoke" -- og token revoke "$tid"
expect 1 "token revoke twice" -- og token revoke "$tid"
expect 1 "token revoke unknown" -- og token revoke 00000000-0000-4000-8000-000000000000
contains "$err" "00000000-0000-4000-8000-000000000000" "unknown token is named"

# --- suspend, delete
expect 0 "suspend" -- og tenant suspend globex
expect 0 "show suspended" -- og tenant show globex --json
[ "$(printf '%s' "$out" | jq -r .state)" = suspended ] && ok || bad "suspended state"
expect 0 "resume" -- og tenant resume globex
expect 0 "delete" -- og tenant delete globex --yes
expect 1 "deleted is gone" -- og tenant show globex

# --- every process knows every action kind (registered at start-up, not lazily by one module)
expect 0 "gate kinds" -- "$OPSGATE" gate kinds --json
for k in platform.note artifacts.publish.sow artifacts.generate certs.renew certs.deploy; do
  [ "$(printf '%s' "$out" | jq -r --arg k "$k" '[.kinds[] | select(.name==$k)] | length')" = 1 ] && ok ||
    bad "gate kinds lists $k"
done

# --- --data is the data folder wherever it stands, after generate and template too; their
# project data file is --input
expect 0 "project for generate" -- og project create --tenant acme p1 "Project one"
expect 0 "generate --input FILE.json" -- og generate sow --tenant acme --project p1 \
  --input "$OG_SOURCE_DIR/tests/data/projects/northwind-m365.json" --format md -o "$tmp/sow.md"
contains "$(head -1 "$tmp/sow.md")" "Statement of Work" "the SOW came from the --input file"
expect 0 "generate with --data DIR after the command" -- "$OPSGATE" generate sow --tenant acme \
  --project p1 --data "$D" --input "$OG_SOURCE_DIR/tests/data/projects/northwind-m365.json" \
  --dry-run -o "$tmp/sow2.md"
contains "$(head -1 "$tmp/sow2.md")" "Statement of Work" "generate used the --data folder"
expect 1 "generate --data FILE.json is a data folder" -- "$OPSGATE" generate sow --tenant acme \
  --project p1 --data "$OG_SOURCE_DIR/tests/data/projects/northwind-m365.json" --dry-run
contains "$err" "northwind-m365.json" "the bad data folder is named"
printf 'Hello.\n' >"$tmp/hello.mustache"
expect 0 "template check with --data DIR after the command" -- "$OPSGATE" template check \
  "$tmp/hello.mustache" --data "$D"
expect 0 "init --data DIR after the command" -- "$OPSGATE" init --data "$tmp/second"
[ -e "$tmp/second/opsgate.db" ] && ok || bad "init --data after the command made no folder"

# --- help for every command
expect 0 "help" -- "$OPSGATE" help
for c in $(printf '%s\n' "$out" | awk '/^Commands:/{f=1;next} f && /^  [a-z]/{print $1}'); do
  expect 0 "$c --help" -- "$OPSGATE" "$c" --help
  contains "$out" "usage: opsgate $c" "$c --help shows its usage"
done

# --- a database from a newer opsgate is refused
if command -v sqlite3 >/dev/null; then
  sqlite3 "$D/opsgate.db" "UPDATE og_schema SET version = 99 WHERE module = 'tenant'"
  expect 1 "newer schema refused" -- og tenant list
  contains "$err" "newer" "newer schema message"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
