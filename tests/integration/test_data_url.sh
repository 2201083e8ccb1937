#!/usr/bin/env bash
# test_data_url.sh - a PostgreSQL URL given as the data location (--data or OPSGATE_DATA) is an
# installation in that database, its master key in a key folder (--keys or OPSGATE_KEYS): init
# makes it (the key folder 0700, master.key 0600) and refuses a database that holds one already;
# every command opens it; a missing key folder is refused clearly; no folder named after the URL
# ever appears in the working directory, and no message repeats the URL (it may hold a password).
# Runs on the suite's PostgreSQL (through tests/support/pg_run.sh); skipped without one.
. "$(dirname "$0")/lib.sh"
og_pg_need

work="$OG_TMP/work"
mkdir -p "$work"
cd "$work" || exit 1
nothing_made() { # WHAT: the working directory is still empty
  if [ -z "$(ls -A "$work")" ]; then ok; else bad "$1: created $(ls -A "$work")"; fi
}
no_secret() { # WHAT TEXT
  if grep -q "s3cret" <<<"$2"; then bad "$1: the password is in the message: $2"; else ok; fi
}
check_refused() { # WHAT PATTERN COMMAND...
  local what=$1 pat=$2 out rc
  shift 2
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc = 1 ]; then ok; else bad "$what: exit $rc, want 1 ($out)"; fi
  if grep -q -- "$pat" <<<"$out"; then ok; else bad "$what: message: $out"; fi
  no_secret "$what" "$out"
  nothing_made "$what"
}

url=$(og_pg_newdb) || { bad "cannot make a database"; og_done; }
# the password is ignored by the suite's trust authentication: it only has to stay unsaid
case "$url" in
  *\?*) purl="$url&password=s3cret" ;;
  *) purl="$url?password=s3cret" ;;
esac

# 1. without a key folder: refused, naming --keys, creating nothing (every URL form)
for d in "$purl" "postgresql://u:s3cret@db.example/opsgate" \
         "postgres://u:s3cret@h1,h2/opsgate?target_session_attrs=read-write" \
         "libpq:host=/run/pg dbname=opsgate password=s3cret"; do
  check_refused "init $d without --keys" "--keys DIR or OPSGATE_KEYS" "$OPSGATE" --data "$d" init
done
check_refused "OPSGATE_DATA tenant list without keys" "--keys" \
  env OPSGATE_DATA="$purl" "$OPSGATE" tenant list
check_refused "serve --check without keys" "--keys" "$OPSGATE" --data "$purl" serve --check
check_refused "serve without keys" "--keys" "$OPSGATE" --data "$purl" serve --listen 127.0.0.1:0
# a server that cannot be reached: refused before anything is made, the key folder included
check_refused "init on an unreachable server" "PostgreSQL" \
  "$OPSGATE" --data "postgresql://u:s3cret@127.0.0.1:1/opsgate" --keys "$work/k0" init
# a database that holds no installation is not one (and is left alone)
check_refused "tenant list before init" "holds no opsgate installation" \
  "$OPSGATE" --data "$purl" --keys "$OG_TMP/keys" tenant list
[ -e "$OG_TMP/keys" ] && bad "tenant list made the key folder" || ok

# 2. init: the database gets the installation, the key folder the master key
out=$("$OPSGATE" --data "$purl" --keys "$OG_TMP/keys" init 2>"$OG_TMP/init.err")
rc=$?
[ $rc = 0 ] && ok || bad "init on PostgreSQL: exit $rc: $(cat "$OG_TMP/init.err")"
tok=$(printf '%s\n' "$out" | grep '^og_' | tail -n 1)
[ -n "$tok" ] && ok || bad "init printed no token: $out"
no_secret "init" "$(cat "$OG_TMP/init.err")"
nothing_made "init"
[ "$(stat -c %a "$OG_TMP/keys")" = 700 ] && ok || bad "key folder mode $(stat -c %a "$OG_TMP/keys")"
[ "$(stat -c %a "$OG_TMP/keys/master.key" 2>/dev/null)" = 600 ] && ok || bad "no master.key 0600"
[ "$(ls -A "$OG_TMP/keys")" = master.key ] && ok || bad "key folder holds $(ls -A "$OG_TMP/keys")"
# init again: refused, whatever the key folder
check_refused "init twice" "already holds an opsgate installation" \
  "$OPSGATE" --data "$purl" --keys "$OG_TMP/keys2" init
[ -e "$OG_TMP/keys2" ] && bad "the refused init made a key folder" || ok

# 3. every command opens it, with --keys or OPSGATE_KEYS
out=$("$OPSGATE" --data "$purl" --keys "$OG_TMP/keys" tenant create acme 2>&1) && ok ||
  bad "tenant create: $out"
out=$(OPSGATE_DATA="$purl" OPSGATE_KEYS="$OG_TMP/keys" "$OPSGATE" tenant list 2>&1)
grep -q acme <<<"$out" && ok || bad "tenant list by the environment: $out"
out=$("$OPSGATE" --data="$purl" --keys="$OG_TMP/keys" audit verify 2>&1) && ok ||
  bad "audit verify: $out"
# the wrong key folder (no master key there) is refused
check_refused "the wrong key folder" "master key" \
  "$OPSGATE" --data "$purl" --keys "$work" tenant list
out=$("$OPSGATE" --data "$purl" --keys "$OG_TMP/keys" serve --check 2>&1) && ok ||
  bad "serve --check: $out"
no_secret "serve --check" "$out"
og_serve "$purl" --keys "$OG_TMP/keys" && ok || bad "serve did not start"
api GET /api/v1/tenants "$tok"
expect_status 200 "tenants over HTTP"
expect_jq '.tenants[0].name' acme "the tenant made by the CLI"
og_stop
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "serve stopped with $OG_SERVER_STATUS"
no_secret "serve's log" "$(cat "$OG_SERVER_LOG")"
nothing_made "serve"

# 4. a folder still works, and a folder whose name merely contains a colon is still a folder
out=$("$OPSGATE" --data "$OG_TMP/data:1" init 2>&1) && ok || bad "init in a folder: $out"
[ -f "$OG_TMP/data:1/opsgate.db" ] && [ -f "$OG_TMP/data:1/master.key" ] && ok ||
  bad "the folder lacks its database or key"
og_done
