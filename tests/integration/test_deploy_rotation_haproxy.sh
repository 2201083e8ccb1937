#!/usr/bin/env bash
# test_deploy_rotation_haproxy.sh - zero downtime on HAProxy: 20 rotations over the runtime API
# under continuous HTTPS load, zero failed requests, no older certificate after verification.
. "$(dirname "$0")/deploy/lib.sh"
. "$(dirname "$0")/deploy/rotate.sh"
need_haproxy
pki_init
og_setup
rotation_certs 20
port=$(free_ports 1) || exit 1
H=$T/haproxy L=$T/live
mkdir -p "$H" "$L"
cat "$P/r0.crt" "$P/int.crt" "$P/r0.key" > "$L/site.pem"
cat > "$H/haproxy.cfg" <<CFG
global
  stats socket $H/admin.sock mode 600 level admin
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend site
  bind 127.0.0.1:$port ssl crt $L/site.pem
  http-request return status 200 content-type text/plain string "ok"
CFG
haproxy_up "$H" "$H/haproxy.cfg"
wait_served 127.0.0.1 "$port" localhost "${FP[0]}" || bad "haproxy serves r0 at start"
run 0 "target add" og target add --tenant acme lb --type haproxy --socket "$H/admin.sock" \
  --cert-path "$L/site.pem" --endpoint "127.0.0.1:$port/localhost"
rotate_under_load lb "$port" 20
eq "$(served 127.0.0.1 "$port" localhost)" "${FP[20]}" "haproxy serves the last certificate"
done_tests
