# lib.sh - start Pebble and pebble-challtestsrv on loopback for the ACME integration tests.
# Source it, then call acme_start [eab] after setting env (PEBBLE_VA_ALWAYS_VALID, ...;
# PEBBLE_DNS=host:port points Pebble's DNS at another server than challtestsrv).
# The data folder it makes ($OPSGATE_DATA) allows egress to 127.0.0.0/8 (the CA is on loopback).
# Sets: WORK, PEBBLE_DIR (directory URL), PEBBLE_CA (TLS trust anchor of Pebble's API),
# PEBBLE_MGMT (management URL), CTS_MGMT (challtestsrv management URL), HTTP_PORT (where Pebble's
# VA connects for http-01: run the responder there), TLS_PORT (the same for tls-alpn-01), DNS_PORT.
# Exits 77 when pebble is not installed (scripts/test-deps.sh installs it).

acme_need() {
  for b in pebble pebble-challtestsrv openssl curl jq; do
    if ! command -v "$b" >/dev/null 2>&1; then
      echo "SKIP: $b is not installed (run scripts/test-deps.sh)" >&2
      exit 77
    fi
  done
  [ -n "${OPSGATE:-}" ] && [ -x "$OPSGATE" ] || { echo "OPSGATE must name the binary" >&2; exit 1; }
  # the commands are wired into the CLI by src/cli/commands.c and cmd_cert.c (see docs/acme.md)
  if ! "$OPSGATE" acme --help >/dev/null 2>&1 ||
     grep -q "unknown subcommand" <<<"$("$OPSGATE" cert issue 2>&1)"; then
    echo "SKIP: this opsgate has no 'acme' command or 'cert issue' yet (not wired)" >&2
    exit 77
  fi
  if ! grep -q "certs.renew" <<<"$("$OPSGATE" gate kinds 2>/dev/null)"; then
    echo "SKIP: action kind certs.renew is not registered in the CLI (og_acme_register_kinds)" >&2
    exit 77
  fi
}

# A port free now, picked below the kernel's ephemeral range (32768+): the port is bound later by
# another process, and a port-0 bind or an outgoing connection of a parallel test could otherwise
# take it in between (seen as "Address already in use" for http-01).
free_port() {
  python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
'
}

acme_cleanup() {
  for p in ${ACME_PIDS:-}; do kill "$p" 2>/dev/null || true; done
  for p in ${ACME_PIDS:-}; do wait "$p" 2>/dev/null || true; done
  [ -n "${WORK:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$WORK"
}

wait_port() {  # host port seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do
    (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1:$2" >&2
  return 1
}

acme_start() {
  local eab=${1:-}
  WORK=$(mktemp -d)
  ACME_PIDS=""
  trap acme_cleanup EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$WORK/pebble.key" -out "$WORK/pebble.pem" 2>/dev/null
  PEBBLE_CA="$WORK/pebble.pem"
  local port mport dport cport
  port=$(free_port); mport=$(free_port); dport=$(free_port); cport=$(free_port)
  HTTP_PORT=$(free_port); DNS_PORT=$dport; TLS_PORT=$(free_port)
  local eabcfg='"externalAccountBindingRequired": false'
  if [ "$eab" = eab ]; then
    eabcfg='"externalAccountBindingRequired": true, "externalAccountMACKeys": {"kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W", "kid-2": "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH"}'
  fi
  cat > "$WORK/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$mport",
 "certificate": "$WORK/pebble.pem", "privateKey": "$WORK/pebble.key",
 "httpPort": $HTTP_PORT, "tlsPort": $TLS_PORT, "ocspResponderURL": "", $eabcfg}}
JSON
  pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" -dns01 "127.0.0.1:$dport" \
    -management "127.0.0.1:$cport" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
    >"$WORK/challtestsrv.log" 2>&1 &
  ACME_PIDS="$ACME_PIDS $!"
  PEBBLE_VA_NOSLEEP=1 pebble -config "$WORK/pebble.json" -dnsserver "${PEBBLE_DNS:-127.0.0.1:$dport}" \
    >"$WORK/pebble.log" 2>&1 &
  ACME_PIDS="$ACME_PIDS $!"
  wait_port 127.0.0.1 "$cport" 10 && wait_port 127.0.0.1 "$port" 10 || {
    cat "$WORK"/*.log >&2; exit 1; }
  PEBBLE_DIR="https://127.0.0.1:$port/dir"
  PEBBLE_MGMT="https://127.0.0.1:$mport"
  CTS_MGMT="http://127.0.0.1:$cport"
  export OPSGATE_DATA="$WORK/data"
  "$OPSGATE" init --data "$OPSGATE_DATA" >/dev/null
  # The ACME client is held to the egress policy: Pebble listens on loopback, which a
  # platform-admin allows here as for a CA on the MSP's own network (docs/ops.md, "Egress").
  "$OPSGATE" notify egress allow 127.0.0.0/8 --note "Pebble on loopback" --data "$OPSGATE_DATA" \
    >/dev/null
}

fail() { echo "FAIL: $*" >&2; [ -n "${WORK:-}" ] && tail -n 20 "$WORK/pebble.log" >&2; exit 1; }
