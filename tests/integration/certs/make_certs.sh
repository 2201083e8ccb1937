#!/usr/bin/env bash
# make_certs.sh DIR - generate the test PKI with the openssl CLI: a root and an intermediate CA,
# and one leaf per finding the scanner must report. Nothing here is ever committed: every run
# makes fresh keys in DIR.
set -euo pipefail
D=$1
mkdir -p "$D"
cd "$D"
# Debian's openssl.cnf refuses weak keys and SHA-1 at security level 2; the test needs them.
cat > openssl.cnf <<'CNF'
openssl_conf = init
[init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
CipherString = DEFAULT:@SECLEVEL=0
CNF
export OPENSSL_CONF=$D/openssl.cnf

q() { "$@" >/dev/null 2>&1 || { echo "make_certs: failed: $*" >&2; "$@"; exit 1; }; }

cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${ENV::SAN}
authorityInfoAccess = OCSP;URI:http://ocsp.test.invalid/,caIssuers;URI:http://ca.test.invalid/int.crt
crlDistributionPoints = URI:http://crl.test.invalid/int.crl
CNF
export SAN="DNS:localhost"

# Root and intermediate
q openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 3650 \
  -subj "/CN=opsgate test root" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=opsgate test intermediate"
q openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -out int.crt \
  -days 1825 -extfile ext.cnf -extensions ca
# An unrelated root, for a chain nobody trusts
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 3650 \
  -subj "/CN=some other root" -addext "basicConstraints=critical,CA:TRUE"

# leaf NAME KEYSPEC DAYS SAN [extra x509 args...]: NAME.key, NAME.crt (leaf), NAME.chain (leaf+int)
leaf() {
  local name=$1 key=$2 days=$3 san=$4; shift 4
  q openssl req -new -newkey "$key" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name.test"
  SAN=$san q openssl x509 -req -in "$name.csr" -CA int.crt -CAkey int.key -CAcreateserial \
    -out "$name.crt" -days "$days" -extfile ext.cnf -extensions leaf "$@"
  cat "$name.crt" int.crt > "$name.chain"
}
leaf good rsa:2048 90 "DNS:localhost,IP:127.0.0.1"
leaf ecdsa ec:<(openssl ecparam -name prime256v1) 90 "DNS:localhost,IP:127.0.0.1"
leaf expiring rsa:2048 5 "DNS:localhost,IP:127.0.0.1"
leaf wronghost rsa:2048 90 "DNS:wrong.example"
leaf incomplete rsa:2048 90 "DNS:localhost,IP:127.0.0.1"
leaf weak rsa:1024 90 "DNS:localhost,IP:127.0.0.1"
leaf sha1 rsa:2048 90 "DNS:localhost,IP:127.0.0.1" -sha1
leaf long rsa:2048 400 "DNS:localhost,IP:127.0.0.1"

# Expired: `openssl ca` is the CLI way to pick both validity dates.
mkdir -p ca/new
: > ca/index.txt
echo 1000 > ca/serial
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = $D/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $D/int.crt
private_key = $D/int.key
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[leaf]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:localhost, IP:127.0.0.1
CNF
q openssl req -new -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj "/CN=expired.test"
q openssl ca -batch -config ca.cnf -extensions leaf -in expired.csr -out expired.pem \
  -startdate 20240101000000Z -enddate 20240301000000Z -notext
openssl x509 -in expired.pem -out expired.crt
cat expired.crt int.crt > expired.chain

# Self-signed leaf, and a leaf of the unrelated root (served with that root)
q openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.crt -days 90 \
  -subj "/CN=selfsigned.test" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
cp selfsigned.crt selfsigned.chain
q openssl req -new -newkey rsa:2048 -nodes -keyout untrusted.key -out untrusted.csr -subj "/CN=untrusted.test"
SAN="DNS:localhost,IP:127.0.0.1" q openssl x509 -req -in untrusted.csr -CA other.crt -CAkey other.key \
  -CAcreateserial -out untrusted.crt -days 90 -extfile ext.cnf -extensions leaf
cat untrusted.crt other.crt > untrusted.chain
# incomplete: the leaf alone, without its intermediate
cp incomplete.crt incomplete.chain
# the tenant's CA bundle: the root as anchor, the intermediate to complete chains
cat root.crt int.crt > bundle.pem
rm -f ./*.csr
