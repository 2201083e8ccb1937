#!/usr/bin/env bash
# run-demo.sh - `make run`: start opsgate on its embedded default (SQLite in a data folder) with a
# demo tenant, and say where to look.
# Usage: scripts/run-demo.sh OPSGATE_BINARY DATA_DIR LISTEN_ADDR
# With OPSGATE_DEMO_SETUP_ONLY=1 it sets the data folder up and exits without serving
# (tests/integration/test_documents_consistency.sh checks the demo's documents that way).
set -euo pipefail
bin=${1:?opsgate binary}
data=${2:?data folder}
listen=${3:-127.0.0.1:8700}
tokfile="$data/.demo-admin-token"

if [ ! -e "$data/opsgate.db" ]; then
  echo "make run: creating data folder $data" >&2
  token=$("$bin" --data "$data" init 2>/dev/null)
  ( umask 077; printf '%s\n' "$token" > "$tokfile" )
  "$bin" --data "$data" tenant create demo >/dev/null
  "$bin" --data "$data" user add --tenant demo alice --role tenant-admin >/dev/null
  "$bin" --data "$data" user add --tenant demo eve --role engineer >/dev/null
  "$bin" --data "$data" user add --tenant demo carol --role auditor >/dev/null
  # Both process areas, as a tenant-admin would: default gate policies, notification rules
  # (pending: the demo tenant has no channel) and the dashboards (opsgate tenant areas).
  "$bin" --data "$data" tenant enable --tenant demo certs >/dev/null
  "$bin" --data "$data" tenant enable --tenant demo artifacts >/dev/null
  # The provider's brand, and a project with the four documents generated from the sample
  # project data: the SOW (sow.md@1 is the baseline of the change order and the closure) and
  # the runbook from the data as sold, change order CO-001 and the closure from the data after it.
  projects="$(dirname "$0")/../tests/data/projects"
  sample="$projects/northwind-m365.json"
  after="$projects/northwind-m365-co1.json"
  if [ -f "$sample" ] && [ -f "$after" ]; then
    "$bin" --data "$data" brand set --name "Bluefin Managed Services GmbH" \
      --address 'Hafenstrasse 12\n20457 Hamburg, Germany' --color '#1f3b5c' 2>/dev/null
    "$bin" --data "$data" project create --tenant demo nw-m365 "Northwind Microsoft 365 migration" >/dev/null
    g=(generate --tenant demo --project nw-m365)
    for f in md pdf; do
      "$bin" --data "$data" "${g[@]}" sow --input "$sample" --format $f >/dev/null
      "$bin" --data "$data" "${g[@]}" runbook --input "$sample" --format $f >/dev/null
      "$bin" --data "$data" "${g[@]}" change-order --input "$after" --format $f >/dev/null
      "$bin" --data "$data" "${g[@]}" closure --input "$after" --format $f >/dev/null
    done
  fi
fi
if [ "${OPSGATE_DEMO_SETUP_ONLY:-}" = 1 ]; then
  exit 0
fi
token=$(cat "$tokfile" 2>/dev/null || echo "(token file missing: create one with opsgate token create --user admin)")

cat <<MSG
opsgate is starting on http://$listen  (data folder: $data)

  console:     http://$listen/console  (sign in with the token below; docs/console.md)
  health:      curl http://$listen/healthz
  metrics:     curl http://$listen/metrics
  who am I:    curl -H "Authorization: Bearer $token" http://$listen/api/v1/whoami
  tenants:     curl -H "Authorization: Bearer $token" http://$listen/api/v1/tenants
  CLI:         $bin --data $data tenant list
               $bin --data $data artifact list --tenant demo
               $bin --data $data artifact get --tenant demo --project nw-m365 --name sow.md
               (also sow.pdf, change-order-CO-001.pdf, runbook.pdf, closure.pdf)
               $bin --data $data audit verify
               $bin --data $data help

The platform-admin token above is kept in $tokfile (mode 0600) for this demo only.
Stop with Ctrl-C.
MSG
exec "$bin" --data "$data" serve --listen "$listen" --metrics-open
