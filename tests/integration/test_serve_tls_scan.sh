#!/usr/bin/env bash
# test_serve_tls_scan.sh - opsgate's own HTTPS listener (serve --tls-cert-id) scanned with Debian
# sslscan: TLS 1.2 and 1.3 only (no SSLv2, SSLv3, TLS 1.0, TLS 1.1) and no weak cipher suite.
# Policy (Mozilla "intermediate"): every TLS 1.2 suite must have forward secrecy (ECDHE or DHE)
# and an AEAD cipher (AES-GCM, ChaCha20-Poly1305 or AES-CCM with its full 16-byte tag); that rules out NULL, EXPORT, RC4, DES,
# 3DES, anonymous (ADH/AECDH), static-RSA key exchange and every CBC suite (CBC-SHA1 included:
# MAC-then-encrypt with HMAC-SHA1 is the Lucky13/POODLE family). TLS 1.3 suites are all AEAD.
# The test of the test: the same checker scans an `openssl s_server -tls1` offering weak suites
# (started by this test) and must name what is wrong.
. "$(dirname "$0")/deploy/lib.sh"
command -v sslscan >/dev/null ||
  { echo "SKIP: sslscan is not installed (scripts/test-deps.sh installs it)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

# tls_violations SCANFILE: one line per violation of the policy in sslscan's output, none if clean.
tls_violations() {
  awk '
    /^(SSLv2|SSLv3|TLSv1\.0|TLSv1\.1)[ \t]+enabled/ { print "protocol " $1 " enabled" }
    /^TLSv1\.[23][ \t]+enabled/ { modern = 1 }
    /^(Preferred|Accepted)[ \t]/ {
      n++; proto = $2; bits = $3; name = $5
      if (bits + 0 < 128) print "cipher " name " (" proto "): " bits "-bit"
      if (proto == "TLSv1.3") next
      if (name ~ /NULL|EXP|RC4|DES|ADH|AECDH|anon|MD5|PSK|SRP/) print "cipher " name " (" proto "): weak"
      else if (name !~ /^(ECDHE|DHE)-/) print "cipher " name " (" proto "): no forward secrecy"
      else if (name !~ /GCM|CHACHA20-POLY1305|CCM$/) print "cipher " name " (" proto "): not AEAD (CBC)"
    }
    END {
      if (!modern) print "neither TLS 1.2 nor TLS 1.3 is enabled"
      if (!n) print "no cipher suite accepted (scan failed?)"
    }' "$1"
}
scan() {  # HOST:PORT OUTFILE
  sslscan --no-colour --no-check-certificate --no-heartbleed --no-compression --no-groups \
    --sni-name=localhost "$1" >"$2" 2>&1
}

pki_init
leaf a
og_setup
import a
FA=$(fp "$P/a.crt")

# ---- the real listener
portfile=$T/port
"$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$portfile" \
  --tls-cert-id "${FA:0:12}" --tls-tenant acme >"$T/server.log" 2>&1 &
spid=$!
_bg_pids+=("$spid")
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
PORT=$(cat "$portfile" 2>/dev/null)
[ -n "$PORT" ] || { cat "$T/server.log" >&2; echo "FAIL: serve --tls-cert-id did not start"; exit 1; }
for _ in $(seq 50); do
  curl -fsS --max-time 5 --cacert "$P/root.crt" "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
scan "127.0.0.1:$PORT" "$T/scan.txt"
v=$(tls_violations "$T/scan.txt")
if [ -z "$v" ]; then ok; else bad "opsgate's TLS listener violates the policy:
$v"; fi
grep -E '^(SSLv|TLSv)' "$T/scan.txt"
grep -E '^(Preferred|Accepted)' "$T/scan.txt"
contains "$(cat "$T/scan.txt")" "TLSv1.2   enabled" "TLS 1.2 is offered"
contains "$(cat "$T/scan.txt")" "TLSv1.3   enabled" "TLS 1.3 is offered"
curl -fsS --max-time 5 --cacert "$P/root.crt" "https://127.0.0.1:$PORT/healthz" >/dev/null &&
  ok || bad "/healthz over HTTPS after the scan"
# A TLS 1.1 client is refused by the handshake (independent of sslscan's parsing).
out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 \
  -cipher 'DEFAULT:@SECLEVEL=0' 2>&1)
case "$out" in *"BEGIN CERTIFICATE"*|*"New, TLSv1.1"*) bad "a TLS 1.1 handshake succeeded" ;; *) ok ;; esac

# ---- test of the test: a deliberately weak listener is reported
wport=$(free_ports 1)
openssl s_server -accept "127.0.0.1:$wport" -cert "$P/a.crt" -key "$P/a.key" -tls1 \
  -cipher 'ALL:NULL:@SECLEVEL=0' -quiet >"$T/weak.log" 2>&1 </dev/null &
_bg_pids+=("$!")
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$wport") 2>/dev/null && break; sleep 0.1; done
scan "127.0.0.1:$wport" "$T/weak.txt"
w=$(tls_violations "$T/weak.txt")
contains "$w" "protocol TLSv1.0 enabled" "the checker reports TLS 1.0 on the weak listener"
contains "$w" "neither TLS 1.2 nor TLS 1.3" "the checker reports the missing TLS 1.2+"
contains "$w" "NULL-SHA (TLSv1.0): weak" "the checker reports NULL ciphers"
contains "$w" "ECDHE-ECDSA-AES128-SHA (TLSv1.0): not AEAD" "the checker reports CBC-SHA1"
contains "$w" "ADH-" "the checker reports anonymous suites"
done_tests
