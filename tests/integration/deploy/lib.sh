# lib.sh - shared by tests/integration/test_deploy*.sh: a temp folder, a data folder with a tenant,
# a test PKI made with the openssl CLI (never committed), nginx (through the certs tests'
# nginx.sh and ports.sh) and HAProxy on loopback as the current user, all stopped by the trap.
#
# Source it:  . "$(dirname "$0")/deploy/lib.sh"
#   need_nginx / need_haproxy     exit 77 with a message when the package is missing
#   pki_init; leaf NAME [DAYS] [KEYSPEC]   $P/NAME.crt, .key, .bundle (leaf+int+root+key)
#   fp FILE                       SHA-256 fingerprint (lower-case hex) of a PEM certificate
#   served HOST PORT SNI          fingerprint served there ("" when nothing answers)
#   wait_served HOST PORT SNI FP  poll (5 s deadline) until FP is served
#   import NAME                   cert import of NAME.bundle into tenant acme
#   nginx_up DIR BODY_FILE / haproxy_up DIR CFG_FILE   (stopped on exit)
set -uo pipefail
: "${OPSGATE:?path to the opsgate binary}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CERTS_H=$here/certs
DEPLOY_H=$here/deploy
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-deploy.XXXXXX")
D=$T/data
P=$T/pki
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
HAPROXY=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
_nginx_dirs=()
_haproxy_pids=()
_bg_pids=()
deploy_cleanup() {
  for p in "${_bg_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for d in "${_nginx_dirs[@]}"; do bash "$CERTS_H/nginx.sh" stop "$d" 2>/dev/null; done
  for p in "${_haproxy_pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "${_watchdog:-}" ]; then kill "$_watchdog" 2>/dev/null; wait "$_watchdog" 2>/dev/null; fi
  rm -rf "$T"
}
trap deploy_cleanup EXIT
trap 'exit 130' INT TERM
# A hung test fails instead of stalling CTest.
( sleep "${OG_TEST_TIMEOUT:-170}" </dev/null >/dev/null 2>&1 & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s
  echo "FAIL: test timed out after ${OG_TEST_TIMEOUT:-170}s" >&2; kill -TERM $$ ) &
_watchdog=$!

fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
eq()  { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
done_tests() { echo "$passes checks passed, $fails failed"; [ "$fails" -eq 0 ] || exit 1; exit 0; }
# run WANT WHAT CMD...: run, keep stdout in $out and stderr in $err, check the exit code
run() {
  local want=$1 what=$2; shift 2
  out=$("$@" 2>"$T/err"); local got=$?; err=$(cat "$T/err")
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err; stdout: $out"; fi
}
og() { "$OPSGATE" --data "$D" "$@"; }

need_nginx() { [ -x "$NGINX" ] || { echo "SKIP: nginx is not installed (scripts/test-deps.sh installs nginx-light)"; exit 77; }; }
need_haproxy() { [ -x "$HAPROXY" ] || { echo "SKIP: haproxy is not installed (scripts/test-deps.sh installs it)"; exit 77; }; }

# Security level 2 for every OpenSSL user here (opsgate, nginx -t, nginx, HAProxy): the same on
# any machine, and an RSA-1024 certificate is refused when a server loads it.
export OPENSSL_CONF=$T/openssl.cnf
cat > "$OPENSSL_CONF" <<'CNF'
openssl_conf = init
[init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
CipherString = DEFAULT:@SECLEVEL=2
CNF

pki_init() {
  mkdir -p "$P"
  cat > "$P/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:site.test, IP:127.0.0.1
CNF
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/root.key" \
    -out "$P/root.crt" -days 3650 -subj "/CN=deploy test root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/int.key" \
    -out "$P/int.csr" -subj "/CN=deploy test intermediate" 2>/dev/null &&
  openssl x509 -req -in "$P/int.csr" -CA "$P/root.crt" -CAkey "$P/root.key" -CAcreateserial \
    -out "$P/int.crt" -days 1825 -extfile "$P/ext.cnf" -extensions ca 2>/dev/null ||
    { echo "FAIL: cannot make the test CA"; exit 1; }
}
# leaf NAME [DAYS] [KEYSPEC]: a leaf signed by the intermediate (EC P-256 unless KEYSPEC says
# e.g. rsa:1024); NAME.bundle is what `cert import` gets (leaf, intermediate, root, key).
leaf() {
  local name=$1 days=${2:-90} spec=${3:-ec}
  local args=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [ "$spec" != ec ] && args=(-newkey "$spec")
  OPENSSL_CONF=/dev/null openssl req -new "${args[@]}" -nodes -keyout "$P/$name.key" \
    -out "$P/$name.csr" -subj "/CN=$name.site.test" 2>/dev/null &&
  OPENSSL_CONF=/dev/null openssl x509 -req -in "$P/$name.csr" -CA "$P/int.crt" -CAkey "$P/int.key" \
    -CAcreateserial -out "$P/$name.crt" -days "$days" -extfile "$P/ext.cnf" -extensions leaf \
    2>/dev/null || { echo "FAIL: cannot make leaf $name"; exit 1; }
  cat "$P/$name.crt" "$P/int.crt" "$P/root.crt" "$P/$name.key" > "$P/$name.bundle"
}
fp() { openssl x509 -in "$1" -outform der 2>/dev/null | sha256sum | cut -c1-64; }
served() {
  timeout 5 openssl s_client -connect "$1:$2" -servername "$3" </dev/null 2>/dev/null |
    openssl x509 -outform der 2>/dev/null | sha256sum | cut -c1-64 | grep -v '^e3b0c442'
}
wait_served() {
  local i
  for i in $(seq 50); do [ "$(served "$1" "$2" "$3")" = "$4" ] && return 0; sleep 0.1; done
  return 1
}
og_setup() {
  og init >/dev/null 2>&1 || { echo "FAIL: opsgate init"; exit 1; }
  og tenant create acme >/dev/null || { echo "FAIL: tenant create"; exit 1; }
}
import() { og cert import --tenant acme "$P/$1.bundle" >/dev/null || bad "cert import $1"; }

nginx_up() {   # DIR BODY_FILE
  _nginx_dirs+=("$1")
  bash "$CERTS_H/nginx.sh" start "$1" "$2" || { echo "FAIL: nginx did not start"; exit 1; }
}
haproxy_up() {  # DIR CFG_FILE
  "$HAPROXY" -q -D -f "$2" -p "$1/haproxy.pid" >"$1/start.log" 2>&1 ||
    { cat "$1/start.log" >&2; echo "FAIL: haproxy did not start"; exit 1; }
  local i
  for i in $(seq 50); do [ -s "$1/haproxy.pid" ] && break; sleep 0.1; done
  _haproxy_pids+=("$(head -n1 "$1/haproxy.pid")")
}
free_ports() { bash "$CERTS_H/ports.sh" "$1"; }
# The load client, built with cc from tests/integration/deploy/loadclient.c.
build_loadclient() {
  command -v cc >/dev/null || { echo "SKIP: no C compiler for the load client"; exit 77; }
  cc -O2 -o "$T/loadclient" "$DEPLOY_H/loadclient.c" -lssl -lcrypto -lpthread ||
    { echo "FAIL: cannot build the load client"; exit 1; }
}
# `cert deploy` once cmd_cert.c dispatches to it, else the same through `target deploy`.
cert_deploy_wired() {
  local o
  if [ -z "${_wired:-}" ]; then
    o=$(og cert deploy 2>&1)
    case "$o" in *"unknown subcommand"*) _wired=no ;; *) _wired=yes ;; esac
  fi
  [ "$_wired" = yes ]
}
