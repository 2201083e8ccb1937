#!/usr/bin/env bash
# test_cert_discovery.sh - discovered scan targets end to end: the tenant's discovery policy
# (cert discovery show|set), discovered devices (cert targets), a schedule of @discovered that
# scans each active device with its class's ports and records what it serves, and a retired
# device that is no longer scanned while its certificate stays in the inventory with its last
# sighting. The devices are written as the RMM glue writes them (cert_discovered rows; the
# glue itself is unit-tested in tests/unit/connector/test_connector_devices.c).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
for t in openssl; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed" >&2; exit 77; }
done

D=$OG_TMP/data
og() { "$OPSGATE" --data "$D" "$@"; }
pids=()
stop_servers() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
trap 'stop_servers; og_cleanup' EXIT

eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }

# ---- two TLS servers on the same port of two loopback addresses
mkcert() { # NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=$1" -keyout "$OG_TMP/$1.key" -out "$OG_TMP/$1.crt" 2>/dev/null
}
serve() { # ADDR NAME
  openssl s_server -quiet -accept "$1:$PORT" -cert "$OG_TMP/$2.crt" -key "$OG_TMP/$2.key" \
    -naccept 1000 </dev/null >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/$1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "FAIL: openssl s_server on $1:$PORT did not start" >&2; exit 1
}
for n in d1.test d2.test d2new.test; do mkcert "$n" || { echo "FAIL: openssl req" >&2; exit 1; }; done
PORT=$(bash "$here/certs/ports.sh" 1) || exit 1
serve 127.0.0.1 d1.test
serve 127.0.0.2 d2.test

TOKEN=$(og_init "$D") || { echo "FAIL: init" >&2; exit 1; }
og tenant create acme >/dev/null || { echo "FAIL: tenant" >&2; exit 1; }
og tenant create globex >/dev/null || { echo "FAIL: tenant" >&2; exit 1; }
ACME=$(og_sql "$D" "SELECT id FROM tenants WHERE name = 'acme'")
GLOBEX=$(og_sql "$D" "SELECT id FROM tenants WHERE name = 'globex'")

# ---- the policy
out=$(og cert discovery show --tenant acme)
case "$out" in *"server       443,8443,636,993,995,465,587,3389 (default)"*) ok ;; *) bad "defaults: $out" ;; esac
og cert discovery set --tenant acme --class server --ports "$PORT" >/dev/null || bad "discovery set"
eq "$(og --json cert discovery show --tenant acme | jq -r .classes.server)" "$PORT" "server ports"
og cert discovery set --tenant acme --class printer --ports 443 >/dev/null 2>"$OG_TMP/err"
eq "$?" 1 "an unknown class is refused"
grep -q "printer" "$OG_TMP/err" && ok || bad "the error names the class: $(cat "$OG_TMP/err")"
og cert discovery set --tenant acme --class server --ports 99999 >/dev/null 2>&1
eq "$?" 1 "a bad port is refused"
eq "$(og --json cert discovery show --tenant acme | jq -r .classes.server)" "$PORT" "unchanged"
eq "$(og_sql "$D" "SELECT COUNT(*) FROM audit_record WHERE action = 'certs.discovery.set'")" 1 "audited"

# ---- devices as the RMM glue records them: two servers of acme, one of globex on d1's address
ins() { # TENANT ID NAME ADDR CLASS
  og_sql "$D" "INSERT INTO cert_discovered (tenant_id, source, remote_id, name, device_class,
    addresses, first_seen, last_seen) VALUES ('$1', 'connector:test', '$2', '$3', '$5',
    '[\"$4\"]', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
}
ins "$ACME" N1 srv1 127.0.0.1 server
ins "$ACME" N2 srv2 127.0.0.2 server
ins "$ACME" N3 pc3 127.0.0.3 workstation
ins "$GLOBEX" G1 gsrv 127.0.0.1 server
T=$(og --json cert targets --tenant acme)
eq "$(jq '.targets | length' <<<"$T")" 3 "three targets"
eq "$(jq -r '.targets[] | select(.remote_id == "N1") | .ports' <<<"$T")" "$PORT" "server ports"
eq "$(jq -r '.targets[] | select(.remote_id == "N3") | .ports' <<<"$T")" "" "workstations: none"
out=$(og cert targets --tenant acme)
case "$out" in *srv1*127.0.0.1*"$PORT"*) ok ;; *) bad "targets text: $out" ;; esac

# ---- a schedule of @discovered scans them
SID=$(og --json cert schedule --tenant acme --every 1h @discovered | jq -r '.id // empty')
[ -n "$SID" ] || SID=$(og --json cert schedule --tenant acme --list | jq -r '.schedules[0].id')
[ -n "$SID" ] && ok || bad "schedule added"
og cert schedule --run-due >/dev/null 2>"$OG_TMP/err" || bad "run-due: $(cat "$OG_TMP/err")"
L=$(og --json cert list --tenant acme)
eq "$(jq '[.certs[] | select(.subject | test("d1.test|d2.test"))] | length' <<<"$L")" 2 "both found"
R=$(og --json cert schedule --tenant acme --list | jq -c '.schedules[0].last_result')
eq "$(jq -r .endpoints <<<"$R")" 2 "two endpoints (the workstation has no ports)"
eq "$(jq -r .ok <<<"$R")" 2 "both answered"
# globex's device was not scanned for acme, nor is globex's inventory touched
eq "$(og --json cert list --tenant globex | jq '.certs | length')" 0 "globex untouched"
d2_seen=$(jq -r '.certs[] | select(.subject | test("d2.test")) | .last_seen' <<<"$L")

# ---- N2 retires (the RMM deleted it); its server now serves another certificate
og_sql "$D" "UPDATE cert_discovered SET retired_at = '2026-12-02T00:00:00Z' WHERE remote_id = 'N2'"
kill "${pids[1]}" 2>/dev/null; wait "${pids[1]}" 2>/dev/null
serve 127.0.0.2 d2new.test
eq "$(og --json cert targets --tenant acme | jq '.targets | length')" 2 "active targets"
eq "$(og --json cert targets --tenant acme --all | jq '.targets | length')" 3 "--all lists the retired"
sleep 1
og_sql "$D" "UPDATE cert_schedules SET next_run_us = 0 WHERE id = '$SID'"
og cert schedule --run-due >/dev/null 2>"$OG_TMP/err" || bad "run-due 2: $(cat "$OG_TMP/err")"
L=$(og --json cert list --tenant acme)
eq "$(jq '[.certs[] | select(.subject | test("d2new.test"))] | length' <<<"$L")" 0 "the retired device was not scanned"
eq "$(jq -r '.certs[] | select(.subject | test("d2.test")) | .last_seen' <<<"$L")" "$d2_seen" "its certificate stays with its last sighting"
R=$(og --json cert schedule --tenant acme --list | jq -c '.schedules[0].last_result')
eq "$(jq -r .endpoints <<<"$R")" 1 "one endpoint"

# ---- nothing discovered any more: the run is done, with no endpoint
og_sql "$D" "UPDATE cert_discovered SET retired_at = '2026-12-02T00:00:00Z' WHERE tenant_id = '$ACME'"
og_sql "$D" "UPDATE cert_schedules SET next_run_us = 0 WHERE id = '$SID'"
og cert schedule --run-due >/dev/null 2>&1 || bad "run-due 3"
R=$(og --json cert schedule --tenant acme --list | jq -c '.schedules[0].last_result')
eq "$(jq -r .status <<<"$R")/$(jq -r .endpoints <<<"$R")" "done/0" "an empty run"

# ---- the same over HTTP
og_serve "$D" || exit 1
api GET /api/v1/tenants/acme/certs/discovery "$TOKEN"
expect_status 200 "GET discovery"
expect_jq .classes.server "$PORT" "GET discovery: server ports"
api PUT /api/v1/tenants/acme/certs/discovery "$TOKEN" '{"class": "printer", "ports": "443"}'
expect_error 400 invalid "PUT discovery: unknown class"
api PUT /api/v1/tenants/acme/certs/discovery "$TOKEN" '{"class": "server"}'
expect_error 400 invalid "PUT discovery: no ports"
api PUT /api/v1/tenants/acme/certs/discovery "$TOKEN" '{"class": "workstation", "ports": "3389"}'
expect_status 200 "PUT discovery"
expect_jq .classes.workstation 3389 "PUT discovery: set"
api PUT /api/v1/tenants/acme/certs/discovery "$TOKEN" '{"class": "server", "ports": null}'
expect_jq .classes.server 443,8443,636,993,995,465,587,3389 "PUT discovery: back to the default"
api GET "/api/v1/tenants/acme/certs/targets?all=1" "$TOKEN"
expect_jq '.targets | length' 3 "GET targets?all=1"
api GET /api/v1/tenants/globex/certs/targets "$TOKEN"
expect_jq '.targets[0].name' gsrv "GET globex's targets"
og_stop
og_done
