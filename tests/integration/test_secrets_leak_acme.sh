#!/usr/bin/env bash
# test_secrets_leak_acme.sh - the ACME secrets of test_secrets_leak.sh, on accounts that really
# exist (Pebble requiring External Account Binding): the account key file adopted with --key-file,
# a generated account key after a key rollover, the EAB MAC key (from a file, or the command
# line). Creates, lists, shows, a refused
# create, the audit trail and its exports; then every output and every file of the data folder is
# searched for each secret in clear, hex and base64 (secrets/scan.sh). Test of the test: the EAB
# key id (not secret, recorded) must be found by the same scan.
set -uo pipefail
. "$(dirname "$0")/acme/lib.sh"
. "$(dirname "$0")/secrets/scan.sh"
acme_need
export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0
acme_start eab
O=$OPSGATE
S="$WORK/secrets"; OUT="$WORK/out"; K="$WORK/keys"; SCAN_CACHE="$WORK/cache"
mkdir -p "$S" "$OUT" "$K" "$SCAN_CACHE"
fails=0
n=0
run() { local name=$1; shift; n=$((n + 1)); "$O" "$@" >"$OUT/$n-$name.out" 2>"$OUT/$n-$name.err"; }
pem_secret() { local der="$WORK/der.$RANDOM" len
  sed -n '/-----BEGIN.*PRIVATE KEY-----/,/-----END/p' "$2" | grep -v -- ----- | base64 -d >"$der"
  len=$(stat -c %s "$der"); tail -c +$((len / 2 - 15)) "$der" | head -c 32 >"$S/$1"; }

"$O" tenant create t1 >/dev/null
KEY1=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W  # Pebble's kid-1 MAC key
KEY2=b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH  # kid-2's
printf '%s' "$KEY1" >"$S/eab-kid-1"; printf '%s' "$KEY2" >"$S/eab-kid-2"
printf '%s' "$KEY1" | tr '_-' '/+' | base64 -d >"$S/eab-kid-1.raw" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt >"$K/acct.pem"
pem_secret account-key "$K/acct.pem"

run create-wrong acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" \
  --eab-kid kid-1 --eab-hmac-key "$KEY2" --key-file "$K/acct.pem"
# The right key from a file: a command line is readable by every local user (ps, /proc).
printf '%s\n' "$KEY1" >"$K/eab-1"
run create acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" \
  --eab-kid kid-1 --eab-hmac-key-file "$K/eab-1" --key-file "$K/acct.pem"
A=$(tail -1 "$OUT/$n-create.out")
[ -n "$A" ] || { cat "$OUT/$n-create.err" >&2; fail "the account was not created"; }
run create-again acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" \
  --eab-kid kid-1 --eab-hmac-key "$KEY1" --key-file "$K/acct.pem"
run create2 acme account create --tenant t1 --directory "$PEBBLE_DIR" --ca-file "$PEBBLE_CA" \
  --eab-kid kid-2 --eab-hmac-key "$KEY2"
run rollover acme account rollover "$A" --tenant t1
run list acme account list --tenant t1
run list-json --json acme account list --tenant t1
run show --json acme account show "$A" --tenant t1
run audit --json audit list --tenant t1
for f in oscal jsonl csv; do run "export-$f" audit export --tenant t1 --format "$f"; done

mapfile -t files < <(find "$OUT" "$OPSGATE_DATA" -type f ! -path "$OPSGATE_DATA/master.key" | sort)
scan_prepare "${files[@]}"
for s in "$S"/*; do
  secret_forms "$s" "$WORK/forms"
  hits=$(scan_hits "$WORK/forms")
  if [ -n "$hits" ]; then
    echo "FAIL: secret '$(basename "$s")' leaked into: $(printf '%s' "$hits" | sed "s|$WORK/||g" | tr '\n' ' ')" >&2
    fails=$((fails + 1))
  fi
done
# the test of the test: the key id is recorded (not secret) and must be found
printf 'kid-1' >"$WORK/kid"; printf '%s\n' kid-1 >"$WORK/forms"
grep -q "$OPSGATE_DATA/" <<<"$(scan_hits "$WORK/forms")" ||
  { echo "FAIL: test of the test: the EAB key id was not found in the data folder" >&2; fails=$((fails + 1)); }
grep -q "$OUT/" <<<"$(scan_hits "$WORK/forms")" ||
  { echo "FAIL: test of the test: the EAB key id was not found in any output" >&2; fails=$((fails + 1)); }
[ "$fails" = 0 ] || exit 1
echo "test_secrets_leak_acme: ok ($(ls "$S" | wc -l) secrets, ${#files[@]} files)"
