#!/usr/bin/env bash
# demo-certs.sh - `make demo-certs`: watch a certificate get renewed and deployed end to end, on
# this machine, with real servers on loopback: nginx serves a certificate that expires in 5 days,
# opsgate's scheduled scan finds it, the expiry alert renews it from Pebble (a test ACME CA), the
# new certificate is deployed to nginx under HTTPS load and verified, the L1 notifications reach a
# webhook receiver, the audit trail verifies; then a deploy that fails verification rolls back.
# It is the flow of tests/integration/test_e2e_certs.sh, narrated (OG_E2E_DEMO=1); everything
# stays up until Ctrl-C, then it is all stopped and removed.
# Usage: scripts/demo-certs.sh OPSGATE_BINARY
set -euo pipefail
bin=${1:?usage: scripts/demo-certs.sh OPSGATE_BINARY}
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$bin" ] || { echo "demo-certs: $bin is not built (make build)" >&2; exit 1; }
missing=""
for b in nginx pebble pebble-challtestsrv openssl curl jq sqlite3 cc; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing="$missing $b"
done
if [ -n "$missing" ]; then
  echo "demo-certs: missing:$missing (scripts/test-deps.sh installs them)" >&2
  exit 1
fi
cat <<MSG
opsgate certificate demo: nginx, Pebble, a webhook receiver and opsgate serve start on loopback
in a temporary folder. Each step says what happens and where to look. Ctrl-C stops everything.
MSG
export OPSGATE
OPSGATE=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export OG_E2E_DEMO=1 OG_SOURCE_DIR="$here"
set +e
bash "$here/tests/integration/test_e2e_certs.sh"
rc=$?
# 130: stopped with Ctrl-C, the normal end of the demo
[ "$rc" -eq 130 ] && rc=0
[ "$rc" -eq 77 ] && echo "demo-certs: skipped (see above for what is missing)" >&2
exit "$rc"
