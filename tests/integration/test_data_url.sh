#!/usr/bin/env bash
# test_data_url.sh - a PostgreSQL URL given as the data location (--data or OPSGATE_DATA) is never
# taken for a folder name: every command that opens the data refuses it with a message saying
# what is not there yet, creates nothing (no folder "postgresql:" in the working directory) and
# never repeats the URL (it may hold a password).
. "$(dirname "$0")/lib.sh"

cd "$OG_TMP" || exit 1
check_refused() { # WHAT COMMAND...
  local what=$1
  shift
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc = 1 ]; then ok; else bad "$what: exit $rc, want 1 ($out)"; fi
  if grep -q "PostgreSQL URL" <<<"$out"; then ok; else bad "$what: message: $out"; fi
  if grep -q "s3cret" <<<"$out"; then bad "$what: the password is in the message: $out"; else ok; fi
  if [ -z "$(ls -A "$OG_TMP")" ]; then ok; else bad "$what: created $(ls -A "$OG_TMP")"; fi
}

check_refused "init --data postgresql://" "$OPSGATE" --data "postgresql://u:s3cret@db.example/opsgate" init
check_refused "init --data=postgres://" "$OPSGATE" --data="postgres://u:s3cret@h1,h2/opsgate?target_session_attrs=read-write" init
check_refused "init --data libpq:" "$OPSGATE" --data "libpq:host=/run/pg dbname=opsgate password=s3cret" init
check_refused "OPSGATE_DATA tenant list" env OPSGATE_DATA="postgresql:///opsgate?password=s3cret" "$OPSGATE" tenant list
check_refused "serve --check" "$OPSGATE" --data "postgresql://u:s3cret@db.example/opsgate" serve --check
check_refused "serve" "$OPSGATE" --data "postgresql://u:s3cret@db.example/opsgate" serve --listen 127.0.0.1:0
# a folder still works, and a folder whose name merely contains a colon is still a folder
out=$("$OPSGATE" --data "$OG_TMP/data:1" init 2>&1) && ok || bad "init in a folder: $out"
[ -d "$OG_TMP/data:1" ] && ok || bad "no folder data:1"
og_done
