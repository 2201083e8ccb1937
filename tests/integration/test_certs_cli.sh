#!/usr/bin/env bash
# test_certs_cli.sh - the certificate commands as a person uses them: import of DER and PKCS#12
# (passwords from a file), a key that matches no certificate, aligned tables with where each
# certificate was seen and time left that is never rounded down, one line for closed ports,
# schedules shown as durations, the all-tenants view and its denial, --ca-bundle vs
# --ca-bundle-only. No server needed: closed ports on loopback are the scan targets.
set -uo pipefail
: "${OPSGATE:?path to the opsgate binary}"
here=$(cd "$(dirname "$0")" && pwd)
H=$here/certs
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fails=0; passes=0
ok()   { passes=$((passes+1)); }
bad()  { echo "FAIL: $*" >&2; fails=$((fails+1)); }
expect() {
  local want=$1 what=$2; shift 3
  out=$("$@" 2>"$tmp/err"); local got=$?; err=$(cat "$tmp/err")
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err"; fi
}
contains() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
lacks()    { case "$1" in *"$2"*) bad "$3: '$2' found in: $1" ;; *) ok ;; esac; }
eq()       { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }

D="$tmp/data"
og() { "$OPSGATE" --data "$D" "$@"; }
bash "$H/make_certs.sh" "$tmp/pki" || { echo "FAIL: cannot generate certificates"; exit 1; }
P=$tmp/pki
export OPENSSL_CONF=$P/openssl.cnf   # the test PKI has an RSA-1024 key

expect 0 "init" -- og init
expect 0 "tenant acme" -- og tenant create acme
expect 0 "tenant globex" -- og tenant create globex
expect 0 "engineer" -- og user add --tenant acme eve --role engineer
expect 0 "tenant admin" -- og user add --tenant acme ada --role tenant-admin

# ---- import: a key that matches no certificate
cat "$P/good.crt" "$P/weak.key" > "$tmp/mismatch.pem"
expect 1 "a key of another certificate is refused" -- og cert import --tenant acme "$tmp/mismatch.pem"
contains "$err" "mismatch.pem" "the file is named"
contains "$err" "matches no certificate" "the mismatch is said"
contains "$err" "CN=good.test" "the certificate is named"
contains "$err" "line 2" "the key's line is named"
key_spki=$(openssl pkey -in "$P/weak.key" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-16)
crt_spki=$(openssl x509 -in "$P/good.crt" -pubkey -noout | openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -c1-16)
contains "$err" "$key_spki" "the key's public key hash is given (as openssl computes it)"
contains "$err" "$crt_spki" "the certificate's public key hash is given"
expect 0 "list after the refused import" -- og cert list --tenant acme --json
eq "$(echo "$out" | jq '.certs | length')" 0 "nothing was stored"
cat "$P/good.crt" "$P/good.key" "$P/int.crt" > "$tmp/good-bundle.pem"
expect 0 "a matching key is imported" -- og cert import --tenant acme "$tmp/good-bundle.pem" --json
eq "$(echo "$out" | jq -r .keys)" 1 "the matching key is sealed"

# ---- import: DER and PKCS#12 with --password-file
openssl x509 -in "$P/long.crt" -outform DER -out "$tmp/long.der"
expect 0 "import DER" -- og cert import --tenant acme "$tmp/long.der" --json
eq "$(echo "$out" | jq -r .kind)/$(echo "$out" | jq -r .certs)" "der/1" "a DER certificate"
openssl pkcs12 -export -in "$P/ecdsa.crt" -inkey "$P/ecdsa.key" -certfile "$P/int.crt" \
  -passout pass:'pa ss:word' -out "$tmp/site.p12" 2>/dev/null || bad "openssl pkcs12"
printf 'pa ss:word\n' > "$tmp/pw"
printf 'wrong\n' > "$tmp/badpw"
expect 1 "PKCS#12 without a password" -- og cert import --tenant acme "$tmp/site.p12"
contains "$err" "needs a password" "a locked bundle says so"
contains "$err" "--password-file" "and how to give one"
expect 1 "PKCS#12 with a wrong password" -- og cert import --tenant acme "$tmp/site.p12" --password-file "$tmp/badpw"
contains "$err" "does not open" "a wrong password says so"
lacks "$err" "wrong" "the password is never echoed"
expect 0 "PKCS#12 with --password-file" -- og cert import --tenant acme "$tmp/site.p12" --password-file "$tmp/pw" --json
eq "$(echo "$out" | jq -r .kind)/$(echo "$out" | jq -r .certs)/$(echo "$out" | jq -r .keys)" \
  "pkcs12/2/1" "certificate, chain and key from the bundle"
ecdsa_fp=$(echo "$out" | jq -r .fingerprint)
expect 0 "show the PKCS#12 certificate" -- og cert show --tenant acme "$ecdsa_fp" --json
eq "$(echo "$out" | jq -r .private_key)" true "its key is held"
expect 1 "missing password file" -- og cert import --tenant acme "$tmp/site.p12" --password-file "$tmp/nope"
contains "$err" "$tmp/nope" "a missing password file is named"
expect 2 "no --password option on argv" -- og cert import --tenant acme "$tmp/site.p12" --password "pa ss:word"
lacks "$err" "pa ss:word" "a password on argv is never echoed"
contains "$err" "--password-file" "it says where the password goes"
expect 0 "import --help" -- og cert import --help
lacks "$out" "--password PW" "the refused --password is not offered in help"

# ---- scan-files: --password-file for bundles
mkdir -p "$tmp/files"
cp "$tmp/site.p12" "$tmp/files/locked.p12"
expect 0 "scan-files without the password" -- og cert scan-files --tenant acme "$tmp/files" --json
eq "$(echo "$out" | jq -r '.files[0].status')" needs-password "the bundle is listed"
expect 0 "scan-files text" -- og cert scan-files --tenant acme "$tmp/files"
contains "$out" "--password-file" "the text says how to open it"
expect 0 "scan-files with --password-file" -- og cert scan-files --tenant acme "$tmp/files" --password-file "$tmp/pw" --json
eq "$(echo "$out" | jq -r '.files[0].status')/$(echo "$out" | jq -r '.files[0].certs')" "ok/2" "the bundle is opened"
expect 0 "the file sighting is recorded" -- og cert show --tenant acme "$ecdsa_fp" --json
contains "$(echo "$out" | jq -c '[.sightings[].location]')" "$(realpath "$tmp/files")/locked.p12" "file sighting"

# ---- list: where each certificate was seen, time left, alignment
cp "$P/expiring.crt" "$tmp/copy-one.pem"; cp "$P/expiring.crt" "$tmp/copy-two.pem"
expect 0 "import a 5-day certificate" -- og cert import --tenant acme "$tmp/copy-one.pem"
expect 0 "import it again from elsewhere" -- og cert import --tenant acme "$tmp/copy-two.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=a-very-long-common-name-for-alignment.corp.northwind.example/O=Northwind Traders International" \
  -keyout "$tmp/long.key" -out "$tmp/longname.pem" 2>/dev/null || bad "openssl req"
expect 0 "import a long subject" -- og cert import --tenant acme "$tmp/longname.pem"
expect 0 "list --json" -- og cert list --tenant acme --json
exp_row=$(echo "$out" | jq -c '.certs[] | select(.subject == "CN=expiring.test")')
eq "$(echo "$exp_row" | jq -r .days_left)" 5 "a fresh 5-day certificate has 5 days left, not 4"
eq "$(echo "$exp_row" | jq -r .expires_in)" 5d "and reads 5d"
eq "$(echo "$exp_row" | jq -r .sightings)" 2 "two sightings"
expect 0 "list text" -- og cert list --tenant acme
list=$out
header=$(printf '%s\n' "$list" | head -n 1)
contains "$header" "SEEN AT" "a SEEN AT column"
contains "$header" "LEFT" "a LEFT column"
exp_line=$(printf '%s\n' "$list" | grep 'CN=expiring.test')
contains "$exp_line" " 5d " "LEFT shows 5d"
contains "$exp_line" "import:$tmp/copy-" "SEEN AT shows where"
contains "$exp_line" "+1 more" "and how many other places"
lacks "$list" "21600s" "no seconds anywhere"
# every row's SEEN AT starts where the header's does, whatever the subject's width
pre=${header%%SEEN AT*}; col=${#pre}
while IFS= read -r line; do
  rest=${line:$col}
  case "$rest" in import:*|/*) ok ;; *) bad "SEEN AT is not aligned at column $col: '$line'" ;; esac
done < <(printf '%s\n' "$list" | tail -n +2)
grep -q ' $' <<<"$list" && bad "lines end in spaces" || ok

# ---- scan: closed ports on one line
base=$(bash "$H/ports.sh" 3) || exit 1
ports="$base,$((base + 1)),$((base + 2))"
expect 0 "scan closed ports" -- og cert scan --tenant acme --timeout 1000 --ports "$ports" localhost nonexistent.invalid:443
contains "$out" "3 endpoints refused" "one summary line for the closed ports"
contains "$out" "--verbose" "the line says how to see each"
lacks "$out" "localhost:$base" "closed ports are not listed one by one"
contains "$out" "nonexistent.invalid:443" "a name that does not resolve is still listed"
eq "$(printf '%s\n' "$out" | grep -c 'Connection refused')" 0 "no per-port refusal lines"
expect 0 "scan --verbose" -- og cert scan --tenant acme --timeout 1000 --ports "$ports" localhost --verbose
eq "$(printf '%s\n' "$out" | grep -c '^localhost:.* refused ')" 3 "--verbose lists each closed port"
lacks "$out" "use --verbose" "no summary line with --verbose"
expect 0 "scan --json" -- og cert scan --tenant acme --timeout 1000 --ports "$ports" localhost --json
eq "$(echo "$out" | jq '.results | length')" 3 "JSON has every result"

# ---- schedules as durations
expect 0 "schedule 6h" -- og cert schedule --tenant acme --every 6h "localhost:$base"
expect 0 "schedule 1d12h" -- og cert schedule --tenant acme --every 1d12h "localhost:$base"
expect 0 "schedule 21600s" -- og cert schedule --tenant acme --every 21600s "localhost:$base"
expect 2 "schedule bad duration" -- og cert schedule --tenant acme --every 12h1d localhost
contains "$err" "12h1d" "a bad duration is named"
expect 0 "schedule list" -- og cert schedule --tenant acme --list
contains "$out" "EVERY" "a table"
eq "$(printf '%s\n' "$out" | grep -c '  6h  ')" 2 "6h and 21600s both read 6h"
eq "$(printf '%s\n' "$out" | grep -c '  1d12h  ')" 1 "36 hours read 1d12h"
lacks "$out" "21600" "no seconds in text"
lacks "$out" "129600" "no seconds in text"
expect 0 "schedule list --json" -- og cert schedule --tenant acme --list --json
eq "$(echo "$out" | jq -r '[.schedules[] | "\(.every_s)=\(.every)"] | join(",")')" "21600=6h,129600=1d12h,21600=6h" \
  "JSON keeps seconds and adds the duration"

# ---- every tenant at once
cp "$P/expired.crt" "$tmp/globex-expired.pem"
expect 0 "a globex certificate" -- og cert import --tenant globex "$tmp/globex-expired.pem"
expect 0 "list --all-tenants" -- og cert list --all-tenants --expiring 30d --json
all=$(echo "$out" | jq .certs)
eq "$(echo "$all" | jq -r '.[0].tenant')/$(echo "$all" | jq -r '.[0].subject')" "globex/CN=expired.test" \
  "soonest first, across tenants"
eq "$(echo "$all" | jq -r '[.[].tenant] | unique | join(",")')" "acme,globex" "both tenants"
eq "$(echo "$all" | jq -r '[.[] | select(.tenant_id | length == 36)] | length')" "$(echo "$all" | jq length)" \
  "each row has its tenant id"
eq "$(echo "$all" | jq -r '[.[].seconds_left] | . == sort')" true "sorted by expiry"
eq "$(echo "$all" | jq -r '[.[] | select(.days_left > 30)] | length')" 0 "--expiring applies"
expect 0 "list --all-tenants text" -- og cert list --all-tenants
contains "$(printf '%s\n' "$out" | head -n 1)" "TENANT" "a TENANT column"
contains "$(printf '%s\n' "$out" | sed -n 2p)" "globex" "rows name the tenant"
expect 1 "a tenant admin may not" -- og --as ada cert list --all-tenants --tenant acme
contains "$err" "platform-admin" "the denial says who may"
expect 1 "an engineer may not" -- og --as eve cert list --all-tenants --tenant acme
expect 2 "--tenant without --as" -- og cert list --all-tenants --tenant acme
expect 2 "bad --expiring" -- og cert list --all-tenants --expiring soon
contains "$err" "soon" "a bad --expiring is named"

# ---- --ca-bundle adds to the system store, --ca-bundle-only replaces it
expect 0 "--ca-bundle" -- og cert policy --tenant acme --ca-bundle "$P/bundle.pem" --json
eq "$(echo "$out" | jq -r .trust)" "system+tenant-bundle" "a bundle adds to the system store"
expect 0 "--ca-bundle with an intermediate only" -- og cert policy --tenant acme --ca-bundle "$P/int.crt"
contains "$out" "system+tenant-bundle" "intermediates alone may add"
expect 1 "--ca-bundle-only needs an anchor" -- og cert policy --tenant acme --ca-bundle-only "$P/int.crt"
contains "$err" "self-signed" "a replacing bundle needs a root"
contains "$err" "int.crt" "the bundle is named"
expect 0 "--ca-bundle-only" -- og cert policy --tenant acme --ca-bundle-only "$P/bundle.pem"
contains "$out" "tenant-bundle-only" "the bundle replaces the system store"
expect 0 "thresholds keep the mode" -- og cert policy --tenant acme --thresholds 20,5
contains "$out" "tenant-bundle-only" "the trust mode is kept"
expect 2 "both bundle options" -- og cert policy --tenant acme --ca-bundle "$P/bundle.pem" --ca-bundle-only "$P/bundle.pem"
expect 0 "--system-trust" -- og cert policy --tenant acme --system-trust
contains "$out" "trust: system" "back to the system store"

echo "test_certs_cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
