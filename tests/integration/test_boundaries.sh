#!/usr/bin/env bash
# test_boundaries.sh - the modules keep to their public headers: tools/check-boundaries.py passes
# on the tree, and fails (exit 1, naming the rule) on a copy of src/ and include/ with one planted
# violation of each kind: another module's *_internal.h, SQL on another module's table, two
# public headers including each other, a cycle between modules, an outside library used outside
# its owner. Then tools/check-sizes.py: no function over 120 lines (80 in the CLI), no file over
# 800, checked on the tree and on planted long ones. Needs python3 only; runs in a second.
set -uo pipefail
src="${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed" >&2; exit 77; }
check="$src/tools/check-boundaries.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-bound.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; failed=1; }

# ---- the tree itself: no violation ----
out=$(python3 "$check" "$src" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q ", 0 violation(s)" <<<"$out"; then
  ok "the tree keeps its boundaries"
else
  bad "the tree has violations (exit $rc):"; printf '%s\n' "$out"
fi

# ---- a copy of the tree with one change at a time: exit 1, one violation of the rule ----
mkdir -p "$tmp/t"
cp -r "$src/src" "$src/include" "$tmp/t/"
# plant NAME RULE PATTERN FILE LINE...: append the lines to FILE (relative to the copy), check,
# then put FILE back
plant() {
  local name=$1 rule=$2 pattern=$3 file=$4
  shift 4
  cp "$tmp/t/$file" "$tmp/saved"
  printf '%s\n' "$@" >>"$tmp/t/$file"
  out=$(python3 "$check" "$tmp/t" 2>&1); rc=$?
  cp "$tmp/saved" "$tmp/t/$file"
  if [ $rc -ne 1 ]; then
    bad "$name: exit $rc, want 1: $out"
  elif ! grep -qE "^$rule: .*$pattern" <<<"$out"; then
    bad "$name: no '$rule' violation matching '$pattern' in: $out"
  elif ! grep -q ", 1 violation(s)" <<<"$out"; then
    bad "$name: more than the planted violation: $out"
  else
    ok "$name: $(grep -E "^$rule: " <<<"$out" | head -1)"
  fi
}

plant "another module's internal header" internal \
  "src/certs/x509.c:[0-9]+: module certs includes deploy/deploy_internal.h" \
  src/certs/x509.c '#include "deploy/deploy_internal.h"'
plant "SQL on another module's table" table \
  "src/notify/render.c:[0-9]+: module notify runs SQL on table cert_keys of module certs" \
  src/notify/render.c \
  'static const char *planted_sql = "SELECT sealed FROM cert_keys WHERE tenant_id = ?";'
plant "headers that include each other" header \
  "headers include each other: opsgate/certs.h -> opsgate/deploy.h -> opsgate/certs.h" \
  include/opsgate/certs.h '#include "opsgate/deploy.h"'
plant "a cycle between modules" cycle \
  "modules depend on each other: acme -> certs .*; certs -> acme \(src/certs/expiry.c:[0-9]+\)" \
  src/certs/expiry.c '#include "opsgate/acme.h"'
plant "libcurl outside its owner" library \
  "src/deploy/probe.c:[0-9]+: module deploy uses libcurl .* which module netclient owns" \
  src/deploy/probe.c '#include <curl/curl.h>'
plant "OpenSSL EVP outside crypto" library \
  "src/notify/render.c:[0-9]+: module notify uses OpenSSL EVP \(EVP_MD_CTX_new\)" \
  src/notify/render.c 'static void *planted(void) { return EVP_MD_CTX_new(); }'
# acme's keys, JWS and CSRs go through crypto.h: EVP in acme is a violation again
plant "OpenSSL EVP in acme" library \
  "src/acme/acme_jws.c:[0-9]+: module acme uses OpenSSL EVP" \
  src/acme/acme_jws.c '#include <openssl/evp.h>'

# SQL on another module's table is a dependency too: deploy naming acme's table closes a cycle
# (acme uses deploy.h), reported with the table
printf '%s\n' 'static const char *q = "SELECT id FROM acme_plan_targets WHERE target = ?";' \
  >>"$tmp/t/src/deploy/target.c"
out=$(python3 "$check" "$tmp/t" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "^table: src/deploy/target.c" <<<"$out" &&
  grep -q "^cycle: " <<<"$out" && ok "SQL on acme's table from deploy: table and cycle" ||
  bad "SQL cycle: $out"

# ---- sizes: no function over 120 lines (80 in the CLI), no file over 800 ----
sizes="$src/tools/check-sizes.py"
out=$(python3 "$sizes" "$src/src" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "every function and file is within its size limit" ||
  { bad "size limits (exit $rc):"; printf '%s
' "$out"; }
long_fn() { # NAME LINES: a function of LINES lines
  printf 'int %s(void)\n{\n' "$1"; for ((i = 0; i < $2 - 4; i++)); do printf '    (void)0;\n'; done
  printf '    return 0;\n}\n'
}
long_fn planted_long 121 >>"$tmp/t/src/gate/list.c"
long_fn planted_cli 81 >>"$tmp/t/src/cli/cmd_token.c"
out=$(python3 "$sizes" "$tmp/t/src" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "gate/list.c:.*function of 121 lines (at most 120)" <<<"$out" &&
  grep -q "cli/cmd_token.c:.*function of 81 lines (at most 80)" <<<"$out" &&
  ok "a planted 121-line function and an 81-line CLI function are caught" ||
  bad "planted long functions: exit $rc: $out"
long_fn planted_many 100 >>"$tmp/t/src/gate/list.c"; long_fn more 100 >>"$tmp/t/src/gate/list.c"
long_fn more2 100 >>"$tmp/t/src/gate/list.c"; long_fn more3 100 >>"$tmp/t/src/gate/list.c"
out=$(python3 "$sizes" "$tmp/t/src" 2>&1)
grep -q "gate/list.c: [0-9]* lines (at most 800)" <<<"$out" && ok "a planted 800+ line file is caught" ||
  bad "planted long file: $out"

# a usage error is 2, not a pass
python3 "$check" "$tmp/nowhere" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "a folder without src/ is a usage error" || bad "usage error exit $rc"

exit $failed
