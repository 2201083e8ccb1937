#!/usr/bin/env bash
# test_certs.sh - certificate inventory against real servers: nginx on loopback serving one
# generated certificate per finding, plus a closed port, a plain-HTTP listener and a listener that
# accepts and never answers. Every finding, target kind and result kind is checked.
set -uo pipefail
: "${OPSGATE:?path to the opsgate binary}"
here=$(cd "$(dirname "$0")" && pwd)
H=$here/certs
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ]; then
  echo "SKIP: nginx is not installed (scripts/test-deps.sh installs nginx-light)"
  exit 77
fi
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v perl >/dev/null || { echo "SKIP: perl is not installed"; exit 77; }

tmp=$(mktemp -d)
hang_pid=""
cleanup() {
  bash "$H/nginx.sh" stop "$tmp/nginx" 2>/dev/null
  [ -n "$hang_pid" ] && kill "$hang_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fails=0; passes=0
ok()   { passes=$((passes+1)); }
bad()  { echo "FAIL: $*" >&2; fails=$((fails+1)); }
expect() {
  local want=$1 what=$2; shift 3
  out=$("$@" 2>"$tmp/err"); local got=$?; err=$(cat "$tmp/err")
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err"; fi
}
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
lacks()    { case "$1" in *"$2"*) bad "$3: '$2' found in output" ;; *) ok ;; esac; }
eq()       { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }

D="$tmp/data"
og() { "$OPSGATE" --data "$D" "$@"; }

# ---- PKI and servers
bash "$H/make_certs.sh" "$tmp/pki" || { echo "FAIL: cannot generate certificates"; exit 1; }
P=$tmp/pki
names=(good ecdsa expired expiring wronghost selfsigned incomplete weak sha1 long untrusted)
base=$(bash "$H/ports.sh" $(( ${#names[@]} + 3 ))) || exit 1
declare -A port
i=0
: > "$tmp/servers.conf"
for n in "${names[@]}"; do
  port[$n]=$((base + i)); i=$((i + 1))
  cat >> "$tmp/servers.conf" <<CONF
server {
  listen 127.0.0.1:${port[$n]} ssl;
  ssl_certificate $P/$n.chain;
  ssl_certificate_key $P/$n.key;
  ssl_ciphers DEFAULT:@SECLEVEL=0;
  return 200 "$n\n";
}
CONF
done
port[http]=$((base + i)); port[closed]=$((base + i + 1)); port[hang]=$((base + i + 2))
cat >> "$tmp/servers.conf" <<CONF
server { listen 127.0.0.1:${port[http]}; return 200 "plain\n"; }
CONF
OPENSSL_CONF=$P/openssl.cnf bash "$H/nginx.sh" start "$tmp/nginx" "$tmp/servers.conf"
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -ne 0 ] && { echo "FAIL: nginx did not start"; exit 1; }
# accepts and never answers
perl -MIO::Socket::INET -e '
  my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Listen => 64,
                                ReuseAddr => 1) or die "listen: $!";
  my @keep; while (my $c = $s->accept) { push @keep, $c } ' "${port[hang]}" &
hang_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/${port[good]}") 2>/dev/null && break; sleep 0.1; done

# ---- set-up
expect 0 "init" -- og init
expect 0 "tenant" -- og tenant create acme
expect 0 "tenant 2" -- og tenant create globex
expect 0 "engineer" -- og user add --tenant acme eve --role engineer
expect 0 "auditor" -- og user add --tenant acme aud --role auditor
expect 0 "trust the test root for acme" -- og cert policy --tenant acme --ca-bundle "$P/bundle.pem"
contains "$out" "tenant-bundle" "policy shows the tenant bundle"
# fixed-day thresholds: the expiry checks below are about a 5-day certificate crossing 30, 14
# and 7 days (by default they are scaled to its lifetime: 30 days of 90 is 1.7 of its 5)
expect 0 "fixed-day thresholds" -- og cert policy --tenant acme --lifetime-share off
contains "$out" "lifetime share: off" "policy shows fixed days"
expect 2 "bad thresholds" -- og cert policy --tenant acme --thresholds 30,abc
contains "$err" "30,abc" "bad thresholds are named"
expect 1 "a bundle without CA" -- og cert policy --tenant acme --ca-bundle "$P/good.key"
contains "$err" "good.key" "bad bundle is named"

# ---- the scan: every endpoint kind in one run
targets=()
for n in "${names[@]}" http closed hang; do targets+=("localhost:${port[$n]}"); done
targets+=("nonexistent.invalid:443")
expect 0 "scan" -- og cert scan --tenant acme --timeout 1500 --json "${targets[@]}"
scan=$out
[ -z "$err" ] && ok || bad "a piped scan writes nothing on stderr: $err"
echo "$scan" | jq -e . >/dev/null && ok || bad "scan --json is one JSON document"
eq "$(echo "$scan" | jq '.results | length')" "$(( ${#targets[@]} ))" "one result per target"
st()  { echo "$scan" | jq -r --arg t "localhost:${port[$1]}" '.results[] | select(.target == $t) | .status'; }
fin() { echo "$scan" | jq -r --arg t "localhost:${port[$1]}" '.results[] | select(.target == $t) | .findings | join(",")'; }
for n in "${names[@]}"; do eq "$(st "$n")" ok "$n endpoint is scanned"; done
eq "$(fin good)" "" "good certificate has no finding"
eq "$(fin ecdsa)" "" "ECDSA certificate has no finding"
contains "$(fin expired)" "expired" "expired"
contains "$(fin expiring)" "expiring" "expiring in 5 days"
lacks "$(fin expiring)" "expired" "expiring is not expired"
eq "$(fin wronghost)" "hostname-mismatch" "wrong host"
contains "$(fin selfsigned)" "self-signed" "self-signed"
contains "$(fin selfsigned)" "untrusted-chain" "self-signed is untrusted"
eq "$(fin incomplete)" "incomplete-chain" "incomplete chain (completable from the bundle)"
eq "$(fin weak)" "weak-key" "RSA-1024"
eq "$(fin sha1)" "sha1-signature" "SHA-1 signature"
eq "$(fin long)" "long-validity" "400 days is beyond the CA/B Forum maximum"
eq "$(fin untrusted)" "untrusted-chain" "unknown root"
eq "$(st http)" "not-tls" "plain HTTP listener"
eq "$(st closed)" "refused" "closed port"
eq "$(st hang)" "timeout" "listener that never answers"
eq "$(echo "$scan" | jq -r '.results[] | select(.target == "nonexistent.invalid:443") | .status')" \
  unreachable "a name that does not resolve"
eq "$(echo "$scan" | jq -r '.results[] | select(.status == "timeout") | .elapsed_ms < 3000')" true \
  "the silent listener is cut at the timeout"
eq "$(echo "$scan" | jq -r '.by_status.ok')" "${#names[@]}" "summary counts ok"
eq "$(echo "$scan" | jq -r '.by_status.timeout')" 1 "summary counts timeouts"

# the inventory: deduplicated, with chains, SANs, key details, AIA/CRL, sightings
expect 0 "list" -- og cert list --tenant acme --json
list=$(echo "$out" | jq .certs)
# 11 leaves + intermediate + the unrelated root served with its leaf
eq "$(echo "$list" | jq length)" 13 "one row per distinct certificate"
good_fp=$(echo "$scan" | jq -r --arg t "localhost:${port[good]}" '.results[] | select(.target == $t) | .fingerprint')
expect 0 "show by fingerprint" -- og cert show --tenant acme "$good_fp" --json
show=$out
eq "$(echo "$show" | jq -r .key.type)/$(echo "$show" | jq -r .key.bits)" "RSA/2048" "key type and size"
contains "$(echo "$show" | jq -c .sans)" "DNS:localhost" "SANs"
contains "$(echo "$show" | jq -c .sans)" "IP:127.0.0.1" "IP SANs"
eq "$(echo "$show" | jq -r '.ocsp[0]')" "http://ocsp.test.invalid/" "AIA OCSP URL"
eq "$(echo "$show" | jq -r '.ca_issuers[0]')" "http://ca.test.invalid/int.crt" "AIA caIssuers URL"
eq "$(echo "$show" | jq -r '.crl[0]')" "http://crl.test.invalid/int.crl" "CRL URL"
eq "$(echo "$show" | jq -r .issuer)" "CN=opsgate test intermediate" "issuer"
eq "$(echo "$show" | jq -r .signature_algorithm)" "sha256WithRSAEncryption" "signature algorithm"
eq "$(echo "$show" | jq -r .ca)" false "CA flag"
eq "$(echo "$show" | jq -r '.sightings[0].kind')" endpoint "sighting kind"
eq "$(echo "$show" | jq -r '.sightings[0].location')" "localhost:${port[good]}" "sighting location"
eq "$(echo "$show" | jq -r '.sightings[0].sni')" "localhost" "sighting SNI"
eq "$(echo "$show" | jq -r '.sightings[0].chain | length')" 2 "the chain as served"
openssl_fp=$(openssl x509 -in "$P/good.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
eq "$good_fp" "$openssl_fp" "fingerprint is the SHA-256 of the DER"
ecdsa_fp=$(echo "$scan" | jq -r --arg t "localhost:${port[ecdsa]}" '.results[] | select(.target == $t) | .fingerprint')
expect 0 "show ECDSA" -- og cert show --tenant acme "${ecdsa_fp:0:12}" --json
eq "$(echo "$out" | jq -r .key.type)/$(echo "$out" | jq -r .key.curve)" "EC/prime256v1" "ECDSA key"
expect 0 "show text" -- og cert show --tenant acme "${good_fp:0:10}"
contains "$out" "CN=good.test" "show prints the subject"
int_fp=$(openssl x509 -in "$P/int.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect 0 "intermediate is in the inventory" -- og cert show --tenant acme "$int_fp" --json
eq "$(echo "$out" | jq -r .ca)" true "intermediate is a CA"
eq "$(echo "$out" | jq -r '.sightings[0].kind')" chain "intermediate was seen in chains"

# ambiguous and unknown ids
amb=$(echo "$list" | jq -r '.[].fingerprint[0:1]' | sort | uniq -d | head -n 1)
if [ -n "$amb" ]; then
  expect 1 "ambiguous prefix" -- og cert show --tenant acme "$amb"
  contains "$err" "ambiguous" "ambiguous prefix is a clear error"
  contains "$err" "'$amb'" "ambiguous prefix is named"
fi
expect 1 "unknown id" -- og cert show --tenant acme ffffffffffff0000
contains "$err" "ffffffffffff0000" "unknown id is named"
expect 1 "bad id" -- og cert show --tenant acme not-hex
contains "$err" "not-hex" "bad id is named"
expect 1 "other tenant sees nothing" -- og cert show --tenant globex "$good_fp"

# filters
expect 0 "list --expiring 10d" -- og cert list --tenant acme --expiring 10d --json
eq "$(echo "$out" | jq -r '[.certs[].subject] | sort | join(",")')" "CN=expired.test,CN=expiring.test" \
  "--expiring lists those within the window, expired included"
expect 0 "list --finding weak-key" -- og cert list --tenant acme --finding weak-key --json
eq "$(echo "$out" | jq -r '.certs[].subject')" "CN=weak.test" "--finding"
expect 0 "list --finding hostname-mismatch" -- og cert list --tenant acme --finding hostname-mismatch --json
eq "$(echo "$out" | jq -r '.certs[].subject')" "CN=wronghost.test" "hostname-mismatch is kept per sighting"
expect 0 "list text" -- og cert list --tenant acme
contains "$out" "CN=weak.test" "list prints subjects"
expect 2 "bad --expiring" -- og cert list --tenant acme --expiring soon
contains "$err" "soon" "bad --expiring is named"
expect 2 "bad --finding" -- og cert list --tenant acme --finding ugly
contains "$err" "ugly" "bad --finding is named"

# audit: one record per scan, with counts
expect 0 "audit list" -- og audit list --tenant acme --action certs.scan --json
eq "$(echo "$out" | jq '[.. | objects | select(.action? == "certs.scan")] | length')" 1 "one audit record per scan"
contains "$out" "\"timeout\"" "scan audit record holds the counts"

# expiry alerts: one per certificate and crossing, never repeated
expect 0 "expiring alerts recorded" -- og cert show --tenant acme "$(echo "$scan" | jq -r --arg t "localhost:${port[expiring]}" '.results[] | select(.target == $t) | .fingerprint')" --json
eq "$(echo "$out" | jq -c '[.alerts[].threshold_days]')" "[30,14,7]" "5 days left crossed 30, 14 and 7"
eq "$(echo "$out" | jq -r '[.alerts[].event_id] | unique | length')" 1 "one event for that crossing"
expect 0 "check-expiry again" -- og cert check-expiry --tenant acme
contains "$out" "0 expiry alerts" "alerts are never repeated"
expect 0 "rescan" -- og cert scan --tenant acme --timeout 1500 "localhost:${port[expiring]}" "localhost:${port[expired]}"
expect 0 "check-expiry after rescan" -- og cert check-expiry --tenant acme
contains "$out" "0 expiry alerts" "a rescan raises nothing new"
expect 0 "tighter policy" -- og cert policy --tenant acme --thresholds 30,14,7,6,1
expect 0 "check-expiry after a new threshold" -- og cert check-expiry --tenant acme
contains "$out" "1 expiry alert" "a newly crossed threshold raises exactly one alert"

# ---- --ca-bundle adds to the system trust store, --ca-bundle-only replaces it. The "system
# store" here is SSL_CERT_FILE (OpenSSL's own override) holding the unrelated root, so the
# untrusted.test endpoint is trusted by the system store and not by the tenant's bundle.
expect 0 "bundle that adds" -- og cert policy --tenant globex --ca-bundle "$P/bundle.pem"
expect 0 "scan with system + bundle" -- env SSL_CERT_FILE="$P/other.crt" "$OPSGATE" --data "$D" \
  cert scan --tenant globex --timeout 1500 --json "localhost:${port[untrusted]}" "localhost:${port[good]}"
tr_fin() { echo "$out" | jq -r --arg t "localhost:${port[$1]}" '.results[] | select(.target == $t) | .findings | join(",")'; }
eq "$(tr_fin untrusted)" "" "--ca-bundle keeps the system store's roots"
eq "$(tr_fin good)" "" "--ca-bundle adds the bundle's root"
expect 0 "bundle that replaces" -- og cert policy --tenant globex --ca-bundle-only "$P/bundle.pem"
expect 0 "scan with the bundle only" -- env SSL_CERT_FILE="$P/other.crt" "$OPSGATE" --data "$D" \
  cert scan --tenant globex --timeout 1500 --json "localhost:${port[untrusted]}" "localhost:${port[good]}"
eq "$(tr_fin untrusted)" "untrusted-chain" "--ca-bundle-only drops the system store"
eq "$(tr_fin good)" "" "--ca-bundle-only trusts the bundle's root"

# ---- target kinds: host (port list), CIDR, @FILE
expect 0 "host with --ports" -- og cert scan --tenant acme --json --timeout 1500 \
  --ports "${port[good]},${port[closed]}" localhost
eq "$(echo "$out" | jq -r '[.results[].status] | sort | join(",")')" "ok,refused" "a host covers every port of --ports"
expect 0 "default ports" -- og cert scan --tenant acme --json --timeout 500 127.0.0.3
eq "$(echo "$out" | jq -r '[.results[].port] | sort | join(",")')" "443,465,636,993,995,8443" "default ports"
expect 0 "CIDR" -- og cert scan --tenant acme --json --timeout 1500 --ports "${port[good]}" 127.0.0.0/30
eq "$(echo "$out" | jq -r '.results | length')" 4 "a /30 is four endpoints"
eq "$(echo "$out" | jq -r '[.results[] | select(.status == "ok") | .address] | join(",")')" "127.0.0.1" "CIDR finds the listener"
eq "$(echo "$out" | jq -r '.results[] | select(.status == "ok") | .findings | join(",")')" "" \
  "an IP target matches the IP SAN"
printf '# endpoints\nlocalhost:%s\n\n127.0.0.1:%s  # weak\n' "${port[ecdsa]}" "${port[weak]}" > "$tmp/targets.txt"
expect 0 "@FILE" -- og cert scan --tenant acme --json --timeout 1500 "@$tmp/targets.txt"
eq "$(echo "$out" | jq -r '[.results[].status] | join(",")')" "ok,ok" "@FILE targets"
expect 0 "--sni" -- og cert scan --tenant acme --json --timeout 1500 --sni wrong.example "127.0.0.1:${port[wronghost]}"
eq "$(echo "$out" | jq -r '.results[0].findings | join(",")')" "" "--sni sets the name checked"
eq "$(echo "$out" | jq -r '.results[0].sni')" "wrong.example" "--sni is sent"

# progress: on a terminal only
expect 0 "piped scan" -- og cert scan --tenant acme --timeout 1500 "localhost:${port[good]}"
eq "$err" "" "no progress when stderr is not a terminal"
if command -v script >/dev/null; then
  tty_out=$(script -qec "$OPSGATE --data $D cert scan --tenant acme --timeout 1500 localhost:${port[good]} localhost:${port[hang]} >/dev/null" /dev/null 2>&1)
  contains "$tty_out" "endpoints" "progress on a terminal"
fi

# ---- bad input: usage errors naming the value
expect 2 "no target" -- og cert scan --tenant acme
expect 2 "bad port in target" -- og cert scan --tenant acme localhost:99999
contains "$err" "localhost:99999" "bad target port is named"
expect 2 "bad host" -- og cert scan --tenant acme 'bad_host!:443'
contains "$err" "bad_host!" "bad host is named"
expect 2 "CIDR too large" -- og cert scan --tenant acme 10.0.0.0/8
contains "$err" "10.0.0.0/8" "large CIDR is named"
contains "$err" "/16" "large CIDR names the cap"
expect 2 "bad CIDR" -- og cert scan --tenant acme 10.0.0.0/33
contains "$err" "10.0.0.0/33" "bad CIDR is named"
expect 2 "bad --ports" -- og cert scan --tenant acme --ports 443,0 localhost
contains "$err" "443,0" "bad port list is named"
expect 2 "bad --timeout" -- og cert scan --tenant acme --timeout never localhost
contains "$err" "never" "bad timeout is named"
expect 2 "bad --concurrency" -- og cert scan --tenant acme --concurrency 0 localhost
contains "$err" "'0'" "bad concurrency is named"
printf 'localhost:443\nno good:1\n' > "$tmp/bad-targets.txt"
expect 2 "bad line in @FILE" -- og cert scan --tenant acme "@$tmp/bad-targets.txt"
contains "$err" "line 2" "bad target file line is named"
expect 1 "missing @FILE" -- og cert scan --tenant acme "@$tmp/nope.txt"
contains "$err" "nope.txt" "missing target file is named"
expect 2 "unknown subcommand" -- og cert frob --tenant acme
expect 2 "no tenant" -- og cert list
expect 1 "unknown tenant" -- og cert list --tenant nosuch
contains "$err" "nosuch" "unknown tenant is named"

# ---- roles
expect 0 "engineer may scan" -- og --as eve cert scan --tenant acme --timeout 1500 "localhost:${port[good]}"
expect 1 "auditor may not scan" -- og --as aud cert scan --tenant acme --timeout 1500 "localhost:${port[good]}"
expect 0 "auditor may list" -- og --as aud cert list --tenant acme
expect 1 "engineer of acme sees no globex" -- og --as eve cert list --tenant globex

# ---- files: PEM, DER, PKCS#12 with and without a password, garbage
F=$tmp/files
mkdir -p "$F/sub/deeper"
cp "$P/good.chain" "$F/site.pem"
openssl x509 -in "$P/ecdsa.crt" -outform DER -out "$F/sub/ecdsa.der"
openssl pkcs12 -export -in "$P/weak.crt" -inkey "$P/weak.key" -passout pass:secret -out "$F/sub/locked.p12" 2>/dev/null
openssl pkcs12 -export -in "$P/sha1.crt" -inkey "$P/sha1.key" -passout pass: -out "$F/sub/deeper/open.pfx" 2>/dev/null
head -c 2000 /dev/urandom > "$F/sub/garbage.crt"
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n' > "$F/broken.pem"
echo "just notes" > "$F/README.txt"
ln -s /etc "$F/link-to-etc"
expect 1 "scan-files reports invalid files" -- og cert scan-files --tenant acme "$F" --json
files=$out
fst() { echo "$files" | jq -r --arg p "$(realpath "$F")/$1" '.files[] | select(.path == $p) | .status'; }
eq "$(fst site.pem)" ok "PEM file"
eq "$(echo "$files" | jq -r --arg p "$(realpath "$F")/site.pem" '.files[] | select(.path == $p) | .certs')" 2 "PEM bundle holds two certificates"
eq "$(fst sub/ecdsa.der)" ok "DER file"
eq "$(fst sub/locked.p12)" needs-password "PKCS#12 with a password is listed"
eq "$(fst sub/deeper/open.pfx)" ok "PKCS#12 without a password is read"
eq "$(fst sub/garbage.crt)" invalid "garbage with a certificate extension"
eq "$(fst broken.pem)" invalid "malformed PEM"
eq "$(echo "$files" | jq -r '.files[] | select(.path | endswith("README.txt")) | .status')" "" "other files are skipped"
eq "$(echo "$files" | jq -r '[.files[] | select(.path | contains("link-to-etc"))] | length')" 0 "symlinks are not followed"
expect 1 "scan-files text names the bad files" -- og cert scan-files --tenant acme "$F"
contains "$err" "garbage.crt" "garbage file is named"
contains "$err" "broken.pem" "malformed PEM file is named"
contains "$err" "line 2" "malformed PEM names the line"
contains "$out" "needs a password" "locked bundle is listed"
expect 1 "scan-files missing path" -- og cert scan-files --tenant acme "$tmp/nowhere"
contains "$err" "$tmp/nowhere" "missing path is named"
sha1_fp=$(openssl x509 -in "$P/sha1.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect 0 "file sighting" -- og cert show --tenant acme "$sha1_fp" --json
contains "$(echo "$out" | jq -c '[.sightings[].kind]')" "file" "file sightings are recorded"

# ---- import: certificates and a sealed key
cat "$P/good.crt" "$P/good.key" "$P/int.crt" > "$tmp/bundle.pem"
expect 0 "import" -- og cert import --tenant acme "$tmp/bundle.pem" --json
eq "$(echo "$out" | jq -r .keys)" 1 "the key is sealed"
lacks "$out" "PRIVATE KEY" "import never prints the key"
expect 0 "show after import" -- og cert show --tenant acme "$good_fp" --json
eq "$(echo "$out" | jq -r .private_key)" true "show says a key is held"
lacks "$out" "PRIVATE KEY" "show never prints the key"
contains "$(echo "$out" | jq -c '[.sightings[].kind]')" "import" "import sightings are recorded"
keyline=$(sed -n 2p "$P/good.key")
if grep -rqF -- "$keyline" "$D"; then bad "the private key is in the data folder in plaintext"; else ok; fi
expect 0 "import audited" -- og audit list --tenant acme --action certs.import --json
lacks "$out" "PRIVATE KEY" "audit holds no key"
sed '3s/./#/' "$P/good.crt" > "$tmp/malformed.pem"
expect 1 "malformed PEM import" -- og cert import --tenant acme "$tmp/malformed.pem"
contains "$err" "malformed.pem" "malformed import names the file"
contains "$err" "line 3" "malformed import names the line"
head -n 5 "$P/good.crt" > "$tmp/truncated.pem"
expect 1 "truncated PEM import" -- og cert import --tenant acme "$tmp/truncated.pem"
contains "$err" "no END line" "truncated PEM is explained"
expect 1 "no certificate" -- og cert import --tenant acme "$P/good.key"
contains "$err" "no PEM certificate" "a key alone is refused"

# ---- schedules
expect 0 "schedule" -- og cert schedule --tenant acme --every 6h --timeout 1500 "localhost:${port[good]}" "localhost:${port[closed]}"
sched=$out
expect 2 "schedule too often" -- og cert schedule --tenant acme --every 1m localhost
contains "$err" "1m" "bad --every is named"
expect 2 "schedule bad target" -- og cert schedule --tenant acme --every 6h 10.0.0.0/8
expect 0 "run due" -- og cert schedule --run-due
contains "$out" "ran 1 " "the due schedule runs"
expect 0 "run due again" -- og cert schedule --run-due
contains "$out" "ran 0 " "a schedule runs once per period"
expect 0 "schedule list" -- og cert schedule --tenant acme --list --json
eq "$(echo "$out" | jq -r '.schedules[0].last_result.status')" done "the run is recorded on the schedule"
eq "$(echo "$out" | jq -r '.schedules[0].last_result.ok')" 1 "the run's counts"
expect 0 "schedule delete" -- og cert schedule --tenant acme --delete "$sched"
expect 1 "schedule delete again" -- og cert schedule --tenant acme --delete "$sched"
contains "$err" "$sched" "unknown schedule is named"

echo "test_certs: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
