#!/usr/bin/env bash
# test_deploy_rotation_opsgate.sh - zero downtime on opsgate's own HTTPS listener: 20 rotations
# through a target of type opsgate under continuous HTTPS load (fresh connections to /healthz),
# zero failed requests, no older certificate after verification, and never a restart.
. "$(dirname "$0")/deploy/lib.sh"
. "$(dirname "$0")/deploy/rotate.sh"
pki_init
og_setup
rotation_certs 20
port=$(free_ports 1) || exit 1
"$OPSGATE" --data "$D" serve --listen "127.0.0.1:$port" --tls-cert-id "${FP[0]}" \
  --tls-tenant acme >"$T/server.log" 2>&1 &
spid=$!
_bg_pids+=("$spid")
wait_served 127.0.0.1 "$port" localhost "${FP[0]}" ||
  { cat "$T/server.log" >&2; echo "FAIL: opsgate serve --tls-cert-id did not serve r0"; exit 1; }
run 0 "target add" og target add --tenant acme self --type opsgate \
  --endpoint "127.0.0.1:$port/localhost"
export LOADCLIENT_PATH=/healthz
rotate_under_load self "$port" 20
eq "$(served 127.0.0.1 "$port" localhost)" "${FP[20]}" "the listener serves the last certificate"
kill -0 "$spid" 2>/dev/null && ok || bad "the server ran through every rotation"
eq "$(grep -c 'now serving' "$T/server.log")" 20 "20 swaps logged by one server process"
kill -TERM "$spid"; wait "$spid"
eq "$?" 0 "clean exit after the rotations"
done_tests
