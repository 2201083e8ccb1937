#!/usr/bin/env bash
# run-demo.sh - `make run`: start opsgate on its embedded default (SQLite in a data folder) with a
# demo tenant, and say where to look.
# Usage: scripts/run-demo.sh OPSGATE_BINARY DATA_DIR LISTEN_ADDR
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
  # A project with a statement of work generated from the sample project data.
  sample="$(dirname "$0")/../tests/data/projects/northwind-m365.json"
  if [ -f "$sample" ]; then
    "$bin" --data "$data" project create --tenant demo nw-m365 "Northwind Microsoft 365 migration" >/dev/null
    "$bin" --data "$data" generate sow --tenant demo --project nw-m365 --input "$sample" --format md >/dev/null
    "$bin" --data "$data" generate sow --tenant demo --project nw-m365 --input "$sample" --format pdf >/dev/null
  fi
fi
token=$(cat "$tokfile" 2>/dev/null || echo "(token file missing: create one with opsgate token create --user admin)")

cat <<MSG
opsgate is starting on http://$listen  (data folder: $data)

  health:      curl http://$listen/healthz
  metrics:     curl http://$listen/metrics
  who am I:    curl -H "Authorization: Bearer $token" http://$listen/api/v1/whoami
  tenants:     curl -H "Authorization: Bearer $token" http://$listen/api/v1/tenants
  CLI:         $bin --data $data tenant list
               $bin --data $data artifact list --tenant demo
               $bin --data $data artifact get --tenant demo --project nw-m365 --name sow.md
               $bin --data $data audit verify
               $bin --data $data help

The platform-admin token above is kept in $tokfile (mode 0600) for this demo only.
Stop with Ctrl-C.
MSG
exec "$bin" --data "$data" serve --listen "$listen" --metrics-open
