#!/usr/bin/env bash
# test_serve_jobs.sh - the server's periodic jobs: signed audit checkpoints appear on their own,
# and `serve --check` validates without serving.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
"$OPSGATE" --data "$D" tenant create acme >/dev/null || bad "tenant create"

"$OPSGATE" --data "$D" serve --check --listen 127.0.0.1:0 2>"$OG_TMP/err" && ok ||
  bad "serve --check on a good folder: $(cat "$OG_TMP/err")"
"$OPSGATE" --data "$OG_TMP/nope" serve --check 2>"$OG_TMP/err"
[ $? = 1 ] && grep -q "$OG_TMP/nope" "$OG_TMP/err" && ok || bad "serve --check names a missing folder"
"$OPSGATE" --data "$D" serve --checkpoint-every soon 2>"$OG_TMP/err"
[ $? = 2 ] && grep -q "soon" "$OG_TMP/err" && ok || bad "bad --checkpoint-every is a usage error"

# No checkpoint yet: verify still passes, prove has nothing to prove against.
"$OPSGATE" --data "$D" audit prove --tenant acme --seq 1 >/dev/null 2>&1 && bad "prove before any checkpoint"

og_serve "$D" --checkpoint-every 1s || exit 1
api POST /api/v1/tenants "$admin" '{"name":"globex"}'
expect_status 201 "tenant create over HTTP"
api POST /api/v1/tenants/globex/users "$admin" '{"name":"ann","role":"engineer"}'
expect_status 201 "user add over HTTP (the first record of globex's own chain)"
found=0
for i in $(seq 1 50); do
  if "$OPSGATE" --data "$D" audit prove --tenant globex --seq 1 >"$OG_TMP/proof.json" 2>/dev/null; then
    found=1; break
  fi
  sleep 0.2
done
[ "$found" = 1 ] && ok || bad "the server signed no checkpoint for tenant globex within 10s"
"$OPSGATE" --data "$D" audit pubkey >"$OG_TMP/pub.pem"
"$OPSGATE" audit verify-proof "$OG_TMP/proof.json" --pubkey "$OG_TMP/pub.pem" >/dev/null 2>&1 && ok ||
  bad "the server's checkpoint proof does not verify offline"
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "exit status $OG_SERVER_STATUS"
"$OPSGATE" --data "$D" audit verify >/dev/null 2>"$OG_TMP/err" && ok || bad "verify after serving: $(cat "$OG_TMP/err")"
og_done
