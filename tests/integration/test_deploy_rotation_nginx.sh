#!/usr/bin/env bash
# test_deploy_rotation_nginx.sh - zero downtime on nginx: 20 rotations under continuous HTTPS
# load (fresh connections from a C client the test builds), zero failed requests, and no
# connection started after a verified rotation gets an older certificate.
. "$(dirname "$0")/deploy/lib.sh"
. "$(dirname "$0")/deploy/rotate.sh"
need_nginx
pki_init
og_setup
rotation_certs 20
port=$(free_ports 1) || exit 1
L=$T/live
mkdir -p "$L" "$T/nginx"
cat "$P/r0.crt" "$P/int.crt" > "$L/site.crt"; cp "$P/r0.key" "$L/site.key"
cat > "$T/servers.conf" <<CONF
server {
  listen 127.0.0.1:$port ssl;
  ssl_certificate $L/site.crt;
  ssl_certificate_key $L/site.key;
  return 200 "ok\n";
}
CONF
nginx_up "$T/nginx" "$T/servers.conf"
wait_served 127.0.0.1 "$port" localhost "${FP[0]}" || bad "nginx serves r0 at start"
run 0 "target add" og target add --tenant acme web --type nginx --nginx-conf "$T/nginx/nginx.conf" \
  --nginx-prefix "$T/nginx" --cert-path "$L/site.crt" --key-path "$L/site.key" \
  --endpoint "127.0.0.1:$port/localhost"
rotate_under_load web "$port" 20
eq "$(served 127.0.0.1 "$port" localhost)" "${FP[20]}" "nginx serves the last certificate"
done_tests
