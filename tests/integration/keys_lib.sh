# keys_lib.sh - what the tenant-key tests (issue 20) share: a SoftHSM2 token made in $OG_TMP, and
# the two-tenant fixture (acme with eve/pam, globex with gus, a one-line document) with its upload
# and download helpers. Sourced after lib.sh.

MODULE=/usr/lib/softhsm/libsofthsm2.so

# keys_softhsm_token OBJECT: a fresh token "og-it" (user PIN 1234 in $PIN, mode 0600) holding an
# AES-256 key named OBJECT; exits the test when SoftHSM2 is missing.
keys_softhsm_token() {
  [ -r "$MODULE" ] || { echo "FAIL: SoftHSM2 is not installed (scripts/deps.sh test)" >&2; exit 1; }
  export SOFTHSM2_CONF="$OG_TMP/softhsm2.conf"
  mkdir -p "$OG_TMP/tokens"
  printf 'directories.tokendir = %s\nobjects.store.backend = file\n' "$OG_TMP/tokens" >"$SOFTHSM2_CONF"
  softhsm2-util --init-token --free --label og-it --pin 1234 --so-pin 5678 >/dev/null ||
    bad "init token"
  local keygen=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}/og_p11_keygen
  "$keygen" "$MODULE" og-it "$1" 1234 || bad "generate the AES key in the token"
  PIN="$OG_TMP/pin"
  printf '1234\n' >"$PIN"
  chmod 600 "$PIN"
}

# keys_tenants [EXTRA-ACME-USER ROLE]...: data folder $D with tenants acme (eve engineer, pam
# project-manager) and globex (gus project-manager), their tokens in $eve $pam $gus, og() bound to
# $D, and $OG_TMP/doc.md; extra acme users are added before the tokens are made.
keys_tenants() {
  D="$OG_TMP/data"
  og_init "$D" >/dev/null || exit 1
  og() { "$OPSGATE" --data "$D" "$@"; }
  og tenant create acme >/dev/null && og tenant create globex >/dev/null || bad "tenants"
  while [ $# -ge 2 ]; do
    og user add --tenant acme "$1" --role "$2" >/dev/null || bad "user $1"
    shift 2
  done
  og user add --tenant acme eve --role engineer >/dev/null
  og user add --tenant acme pam --role project-manager >/dev/null
  og user add --tenant globex gus --role project-manager >/dev/null
  eve=$(keys_token acme eve)
  pam=$(keys_token acme pam)
  gus=$(keys_token globex gus)
  printf '# statement of work\n' >"$OG_TMP/doc.md"
}

keys_token() { og token create --tenant "$1" --user "$2" --json | jq -r .token; }

# put TOKEN PATH: upload doc.md; sets $code and $body.
put() {
  code=$(curl -sS --max-time 30 -X PUT -o "$OG_TMP/body" -w '%{http_code}' \
    -H "Authorization: Bearer $1" -H 'Content-Type: text/markdown' \
    --data-binary @"$OG_TMP/doc.md" "$OG_URL$2" 2>"$OG_TMP/curl.err") || code=curl-failed
  body=$(cat "$OG_TMP/body" 2>/dev/null)
}

# fetch TOKEN PATH: download PATH/content into $OG_TMP/got; sets $code and $body.
fetch() {
  code=$(curl -sS --max-time 30 -o "$OG_TMP/got" -w '%{http_code}' \
    -H "Authorization: Bearer $1" "$OG_URL$2/content" 2>"$OG_TMP/curl.err") || code=curl-failed
  body=$(cat "$OG_TMP/got" 2>/dev/null)
}

same_doc() { if cmp -s "$OG_TMP/got" "$OG_TMP/doc.md"; then ok; else bad "$1: content differs"; fi; }
