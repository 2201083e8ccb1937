#!/usr/bin/env bash
# test_secrets_leak.sh - secrets never appear in outputs, logs, errors, metrics, exports or in
# clear in the data folder. Unique markers are planted in every secret the product takes (API
# tokens, webhook URLs and secrets, SMTP credentials, imported private keys and their PKCS#12/PEM
# passwords, ACME account keys and EAB MAC keys, the audit signing key file, the master key); the
# product is driven over the CLI and HTTP (creates, lists, shows, errors on purpose, audit lists
# and exports in every format, /metrics, serve's access log and stderr); then every output and
# every file under the data folder (the SQLite database included) is searched for each secret in
# clear, hex and base64 (tests/integration/secrets/scan.sh). Channel hosts are under .invalid
# (RFC 6761): deliveries are attempted and fail, and nothing leaves the machine.
# Test of the test: a marker planted in a field that is not secret (a project name) must be found
# by the same scan in the outputs and the database; otherwise the scan is blind and the test fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/secrets/scan.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed (scripts/deps.sh test)" >&2; exit 77; }

D="$OG_TMP/data"
S="$OG_TMP/secrets"   # each secret as bytes, one file each (outside everything scanned)
OUT="$OG_TMP/out"     # every output the product gave, one file per command or request
SHOWN="$OG_TMP/shown" # the outputs that show a secret once by design (init, token create)
K="$OG_TMP/keys"      # key and password files given to the product (outside the data folder)
SCAN_CACHE="$OG_TMP/cache"
mkdir -p "$S" "$OUT" "$SHOWN" "$K" "$SCAN_CACHE"
export OPSGATE_DATA="$D"
n=0

# A marker: a unique printable secret NAME, saved in $S/NAME and printed.
marker() { local m; m="MK${1//[^A-Za-z0-9]/}x$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s' "$m" >"$S/$1"; printf '%s' "$m"; }
# run NAME CMD...: run the CLI, stdout and stderr kept in $OUT (an error is fine: errors are
# outputs too).
run() { local name=$1; shift; n=$((n + 1)); "$OPSGATE" "$@" >"$OUT/$n-$name.out" 2>"$OUT/$n-$name.err"; }
# req NAME METHOD PATH TOKEN [BODY]: an HTTP request; body and headers kept in $OUT.
req() { n=$((n + 1)); api "$2" "$3" "${4:-}" "${5:-}"
  printf '%s\n' "$body" >"$OUT/$n-$1.body"; cp "$OG_TMP/headers" "$OUT/$n-$1.headers"; }
# The bytes of a PEM body (DER) into $S/NAME: the middle 32 bytes, where the key material is.
pem_secret() { local der="$OG_TMP/der.$RANDOM"
  sed -n '/-----BEGIN.*PRIVATE KEY-----/,/-----END/p' "$2" | grep -v -- ----- | base64 -d >"$der"
  local len; len=$(stat -c %s "$der")
  tail -c +$((len / 2 - 15)) "$der" | head -c 32 >"$S/$1"; }

# ---- the installation: master key, audit signing key file, the admin token
"$OPSGATE" --data "$D" init --audit-key "$K/audit.pem" >"$SHOWN/init.out" 2>"$SHOWN/init.err" ||
  { cat "$SHOWN/init.err"; exit 1; }
admin=$(sed -n '/^og_/p' "$SHOWN/init.out" | tail -1)
printf '%s' "${admin:40}" >"$S/token-admin"
cp "$D/master.key" "$S/master-key"
pem_secret audit-key "$K/audit.pem"
export OPSGATE_AUDIT_KEY="$K/audit.pem"

run tenant tenant create acme
run user user add eve --role engineer --tenant acme
"$OPSGATE" token create --tenant acme --user eve >"$SHOWN/token.out" 2>&1
eve=$(sed -n '/^og_/p' "$SHOWN/token.out" | tail -1)
printf '%s' "${eve:40}" >"$S/token-eve"

# ---- notification channels: webhook URL credentials, path and query, secret; SMTP credentials
wh_user=$(marker wh-user); wh_pass=$(marker wh-pass); wh_path=$(marker wh-path)
wh_query=$(marker wh-query); wh_secret=$(marker wh-secret)
sm_user=$(marker smtp-user); sm_pass=$(marker smtp-pass)
printf '%s\n' "$wh_secret" >"$K/wh-secret"
# the webhook URL off the command line: from a file, and from stdin
printf '%s\n' "https://$wh_user:$wh_pass@hooks.invalid/$wh_path?k=$wh_query" >"$K/wh-url"
run notify-add notify add webhook --url-file "$K/wh-url" \
  --tenant acme --secret-file "$K/wh-secret" --events 'certs.*'
wh_id=$(tail -1 "$OUT/$n-notify-add.out")
[ "${#wh_id}" = 36 ] && ok || bad "webhook from --url-file: $(cat "$OUT/$n-notify-add.err")"
n=$((n + 1))
printf '%s\n' "https://hooks.invalid/$wh_path/p?k=$wh_query" | "$OPSGATE" notify add webhook \
  --url-file - --platform --secret-file "$K/wh-secret" >"$OUT/$n-notify-add-platform.out" \
  2>"$OUT/$n-notify-add-platform.err"
grep -Eq '^[0-9a-f-]{36}$' "$OUT/$n-notify-add-platform.out" && ok ||
  bad "webhook from --url-file -: $(cat "$OUT/$n-notify-add-platform.err")"
# the URL as an argument still works, with a warning (the marker is a throwaway one)
run notify-add-argv notify add webhook "https://hooks.invalid/argv-form" --tenant acme \
  --secret-file "$K/wh-secret"
grep -q "warning: a webhook URL on the command line" "$OUT/$n-notify-add-argv.err" && ok ||
  bad "no warning for a webhook URL on the command line: $(cat "$OUT/$n-notify-add-argv.err")"
printf '%s\n' "smtps://$sm_user:$sm_pass@mail.invalid:465" >"$K/smtp"  # off the command line
run notify-add-email notify add email ops@example.com --tenant acme --smtp-file "$K/smtp" \
  --from noc@example.com
em_id=$(tail -1 "$OUT/$n-notify-add-email.out")
[ "${#em_id}" = 36 ] && ok || bad "email channel from --smtp-file: $(cat "$OUT/$n-notify-add-email.err")"
run notify-add-email2 notify add email noc@example.com --tenant acme \
  --smtp "smtp://$sm_user:$sm_pass@mail.invalid:25"
# errors on purpose: bad scheme, refused address, a space, a short secret, bad SMTP URLs
printf '%s\n' "ftp://$wh_user:$wh_pass@hooks.invalid/$wh_path?k=$wh_query" >"$K/notify-bad-scheme.url"
run notify-bad-scheme notify add webhook --url-file "$K/notify-bad-scheme.url" --tenant acme --secret-file "$K/wh-secret"
printf '%s\n' "https://$wh_user:$wh_pass@127.0.0.1/$wh_path?k=$wh_query" >"$K/notify-loopback.url"
run notify-loopback notify add webhook --url-file "$K/notify-loopback.url" --tenant acme --secret-file "$K/wh-secret"
printf '%s\n' "https://$wh_user:$wh_pass@hooks.invalid/$wh_path x?k=$wh_query" >"$K/notify-space.url"
run notify-space notify add webhook --url-file "$K/notify-space.url" --tenant acme --secret-file "$K/wh-secret"
printf '%s\n' "https://$wh_user:$wh_pass@/$wh_path?k=$wh_query" >"$K/notify-nohost.url"
run notify-nohost notify add webhook --url-file "$K/notify-nohost.url" --tenant acme --secret-file "$K/wh-secret"
short=$(marker wh-short); short=${short:0:14}; printf '%s' "$short" >"$S/wh-short"
printf '%s\n' "$short" >"$K/short"
run notify-short notify add webhook "https://hooks.invalid/x" --tenant acme --secret-file "$K/short"
run smtp-scheme notify add email ops@example.com --tenant acme --smtp "smtpx://$sm_user:$sm_pass@mail.invalid:25"
run smtp-port notify add email ops@example.com --tenant acme --smtp "smtp://$sm_user:$sm_pass@mail.invalid:99999"
run smtp-loop notify add email ops@example.com --tenant acme --smtp "smtp://$sm_user:$sm_pass@127.0.0.1:25"
run notify-list notify list --tenant acme
run notify-list-json --json notify list --tenant acme
run notify-list-platform --json notify list --platform
run notify-show notify show "$wh_id" --tenant acme
run notify-show-json --json notify show "$em_id" --tenant acme
run notify-events notify set-events "$wh_id" 'gate.*' --tenant acme

# ---- certificates: a private key in a PEM bundle, an encrypted PEM key, a PKCS#12 bundle
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/leaf.key" \
  -out "$K/leaf.crt" -days 30 -subj /CN=leak.example.test >/dev/null 2>&1
cat "$K/leaf.crt" "$K/leaf.key" >"$K/bundle.pem"
pem_secret cert-key "$K/leaf.key"
run cert-import cert import "$K/bundle.pem" --tenant acme
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/p12.key" \
  -out "$K/p12.crt" -days 30 -subj /CN=p12.example.test >/dev/null 2>&1
pem_secret p12-key "$K/p12.key"
p12_pass=$(marker p12-pass); printf '%s\n' "$p12_pass" >"$K/p12.pass"
openssl pkcs12 -export -inkey "$K/p12.key" -in "$K/p12.crt" -out "$K/b.p12" \
  -passout "file:$K/p12.pass" >/dev/null 2>&1
wrong=$(marker wrong-pass); printf '%s\n' "$wrong" >"$K/wrong.pass"
run p12-wrong cert import "$K/b.p12" --tenant acme --password-file "$K/wrong.pass"
run p12-none cert import "$K/b.p12" --tenant acme
run p12-import cert import "$K/b.p12" --tenant acme --password-file "$K/p12.pass"
run p12-scan cert scan-files "$K/b.p12" --tenant acme --password-file "$K/wrong.pass"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/enc.key" \
  -out "$K/enc.crt" -days 30 -subj /CN=enc.example.test >/dev/null 2>&1
pem_secret enc-key "$K/enc.key"
pem_pass=$(marker pem-pass); printf '%s\n' "$pem_pass" >"$K/pem.pass"
openssl pkcs8 -topk8 -in "$K/enc.key" -out "$K/enc.p8" -passout "file:$K/pem.pass" >/dev/null 2>&1
cat "$K/enc.crt" "$K/enc.p8" >"$K/enc-bundle.pem"
run pem-wrong cert import "$K/enc-bundle.pem" --tenant acme --password-file "$K/wrong.pass"
run pem-import cert import "$K/enc-bundle.pem" --tenant acme --password-file "$K/pem.pass"
run cert-list cert list --tenant acme
run cert-list-json --json cert list --tenant acme
for id in $("$OPSGATE" --json cert list --tenant acme 2>/dev/null | jq -r '.. | objects | .id? // empty' | sort -u); do
  run cert-show --json cert show "$id" --tenant acme
done

# ---- ACME: an account key file and an EAB MAC key, against a CA that does not answer
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt >"$K/acct.pem"
pem_secret acme-key "$K/acct.pem"
eab=$(marker eab-hmac)  # letters and digits: valid base64url
run acme-create acme account create --tenant acme --directory http://127.0.0.1:9/dir \
  --eab-kid kid-1 --eab-hmac-key "$eab" --key-file "$K/acct.pem"
run acme-create2 acme account create --tenant acme --directory http://127.0.0.1:9/dir \
  --eab-kid kid-1 --eab-hmac-key "$eab"
run acme-bad-eab acme account create --tenant acme --directory http://127.0.0.1:9/dir \
  --eab-kid kid-1 --eab-hmac-key "$eab!"
run acme-list --json acme account list --tenant acme

# ---- the test of the test: a name that is not secret, to be found by the same scan
planted=$(marker planted-project-name)
run project project create web "$planted" --tenant acme
mv "$S/planted-project-name" "$OG_TMP/planted"

# ---- the API: lists, shows, creates with secrets in the body, errors on purpose, bad tokens
og_serve "$D" --access-log --metrics-open || exit 1
req whoami GET /api/v1/whoami "$admin"
req notify-list GET /api/v1/tenants/acme/notify-channels "$admin"
req notify-get GET "/api/v1/tenants/acme/notify-channels/$wh_id" "$admin"
req notify-get-em GET "/api/v1/tenants/acme/notify-channels/$em_id" "$admin"
req notify-platform GET /api/v1/notify-channels "$admin"
h_path=$(marker http-wh-path); h_secret=$(marker http-wh-secret); h_pass=$(marker http-smtp-pass)
req notify-add POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"webhook\",\"url\":\"https://u:$h_pass@hooks.invalid/$h_path\",\"secret\":\"$h_secret\"}"
req notify-add-bad POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"webhook\",\"url\":\"gopher://u:$h_pass@hooks.invalid/$h_path\",\"secret\":\"$h_secret\"}"
req notify-add-loop POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"webhook\",\"url\":\"https://u:$h_pass@127.0.0.1/$h_path\",\"secret\":\"$h_secret\"}"
req notify-add-short POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"webhook\",\"url\":\"https://hooks.invalid/$h_path\",\"secret\":\"${h_secret:0:10}\"}"
req smtp-add POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"email\",\"address\":\"a@example.com\",\"smtp\":\"smtp://u:$h_pass@mail.invalid:25\"}"
req smtp-bad POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"email\",\"address\":\"a@example.com\",\"smtp\":\"smtp://u:$h_pass@mail.invalid:0\"}"
req smtp-badjson POST /api/v1/tenants/acme/notify-channels "$admin" \
  "{\"type\":\"email\",\"address\":\"a@example.com\",\"smtp\":\"smtp://u:$h_pass@mail.invalid:25\",}"
req notify-list2 GET /api/v1/tenants/acme/notify-channels "$admin"
req certs GET /api/v1/tenants/acme/certs "$admin"
req certs-all GET /api/v1/certificates "$admin"
req cert-import POST /api/v1/tenants/acme/certs/import "$admin" "@$K/bundle.pem"
h_key="$K/http.key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$h_key" \
  -out "$K/http.crt" -days 30 -subj /CN=http.example.test >/dev/null 2>&1
pem_secret http-cert-key "$h_key"
cat "$K/http.crt" "$h_key" >"$K/http-bundle.pem"
req cert-import2 POST /api/v1/tenants/acme/certs/import "$admin" "@$K/http-bundle.pem"
cat "$h_key" >"$K/key-only.pem"
req cert-import-keyonly POST /api/v1/tenants/acme/certs/import "$admin" "@$K/key-only.pem"
head -c 300 "$K/http-bundle.pem" >"$K/broken.pem"; tail -c 200 "$h_key" >>"$K/broken.pem"
req cert-import-broken POST /api/v1/tenants/acme/certs/import "$admin" "@$K/broken.pem"
bt=$(marker bad-token)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; bt=${bt:0:43}  # base64url, 32 bytes
printf '%s' "$bt" >"$S/bad-token"
bad_tok="og_00000000-0000-4000-8000-000000000000_$bt"
req bad-token GET /api/v1/whoami "$bad_tok"
req bad-token-short GET /api/v1/whoami "$(cat "$S/bad-token")"
req wrong-secret GET /api/v1/whoami "${admin:0:40}$(cat "$S/bad-token")"
req eve GET /api/v1/whoami "$eve"
req eve-denied GET /api/v1/tenants/acme/notify-channels "$eve"
req tokens GET /api/v1/tenants/acme/tokens "$admin"
req token-new POST /api/v1/tenants/acme/users/eve/tokens "$admin" '{}'
mv "$OUT/$n-token-new.body" "$SHOWN/token-new.body"   # shown once by design
printf '%s' "$(jq -r .token "$SHOWN/token-new.body" | cut -c41-)" >"$S/token-http"
req token-http GET /api/v1/whoami "$(jq -r .token "$SHOWN/token-new.body")"
req audit GET "/api/v1/audit?limit=1000" "$admin"
req audit-acme GET "/api/v1/audit?tenant=acme&limit=1000" "$admin"
for f in oscal jsonl csv; do
  req "export-$f" GET "/api/v1/audit/export?format=$f" "$admin"
  req "export-acme-$f" GET "/api/v1/audit/export?tenant=acme&format=$f" "$admin"
done
req metrics GET /metrics
og_stop
cp "$OG_SERVER_LOG" "$OUT/server.log"

# ---- the CLI's reads after all that
run audit-list --json audit list --limit 1000
run audit-list-acme --json audit list --tenant acme --limit 1000
run audit-list-text audit list --tenant acme --limit 1000
for f in oscal jsonl csv; do
  run "audit-export-$f" audit export --format "$f"
  run "audit-export-acme-$f" audit export --tenant acme --format "$f"
done
run audit-checkpoint audit checkpoint
run audit-verify audit verify
run token-list --json token list --tenant acme
run notify-list-end --json notify list --tenant acme
run events --json events list --tenant acme

# ---- the scan: every output and every file of the data folder but master.key
mapfile -t files < <(find "$OUT" "$D" -type f ! -path "$D/master.key" | sort)
[ "${#files[@]}" -gt 60 ] && ok || bad "only ${#files[@]} outputs and files to scan"
scan_prepare "${files[@]}"
for s in "$S"/*; do
  name=$(basename "$s")
  secret_forms "$s" "$OG_TMP/forms"
  hits=$(scan_hits "$OG_TMP/forms")
  if [ -z "$hits" ]; then ok; else
    bad "secret '$name' leaked into: $(printf '%s' "$hits" | sed "s|$OG_TMP/||g" | tr '\n' ' ')"
  fi
done
# the test of the test: the planted name must be found, in the outputs and in the database
secret_forms "$OG_TMP/planted" "$OG_TMP/forms"
hits=$(scan_hits "$OG_TMP/forms")
grep -q "$OUT/" <<<"$hits" && ok || bad "test of the test: the planted name was not found in any output"
grep -q "$D/" <<<"$hits" && ok || bad "test of the test: the planted name was not found in the data folder"
# ... and a secret's raw bytes in a binary file are found (the hex scan), not only its text
P="$OG_TMP/planted-files"; mkdir -p "$P"
{ head -c 101 /dev/urandom; cat "$S/cert-key"; head -c 100 /dev/urandom; } >"$P/raw.bin"
base64 -w0 <"$P/raw.bin" >"$P/b64.txt"
scan_prepare "$P/raw.bin" "$P/b64.txt"
secret_forms "$S/cert-key" "$OG_TMP/forms"
hits=$(scan_hits "$OG_TMP/forms")
grep -q "raw.bin (raw bytes)" <<<"$hits" && ok || bad "test of the test: raw key bytes in a binary file are not found"
grep -q "b64.txt" <<<"$hits" && ok || bad "test of the test: key bytes inside base64 are not found"
og_done
