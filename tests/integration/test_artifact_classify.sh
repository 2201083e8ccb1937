#!/usr/bin/env bash
# test_artifact_classify.sh - artifact indexing through the CLI and HTTP: an upload (Markdown,
# and a PDF docgen made) gets the classifier's proposal, shown by `artifact show` and the
# artifact's JSON; `artifact classify` and POST .../classify record people's corrections, an
# auditor may not; `model train` fits the document model from them and the next upload gets
# the kind it learned; corrected totals and dates are kept; bad input gets a clear error.
. "$(dirname "$0")/lib.sh"
D="$OG_TMP/data"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
jqis() { local got; got=$(printf '%s' "$1" | jq -r "$2" 2>/dev/null); [ "$got" = "$3" ] && ok || bad "$4: $2 is '$got', want '$3'"; }
trap og_cleanup EXIT

admin=$(og_init "$D") || exit 1
run 0 "tenant" -- og tenant create acme
run 0 "engineer" -- og user add --tenant acme eve --role engineer
run 0 "auditor" -- og user add --tenant acme aud --role auditor
run 0 "project" -- og project create nw "Northwind M365" --tenant acme

sow() { printf '# Statement of Work %s\n\nClient: Quagga Freight\n\n## Scope\nThe scope of work covers the migration. Deliverables are accepted in writing.\n\n## Fees\nFees are invoiced monthly; payment terms are thirty days.\n\nTotal: $%s,000.00\n' "$1" "$1"; }
runbook() { printf '# Runbook %s\n\n## Prerequisites\nAdministrative access and a maintenance window.\n\n## Procedure\nStep 1: stop the service. Step 2: run the backup command and verify the checksum.\n\n## Rollback\nRestore the previous configuration and restart the service.\n' "$1"; }

sow 1 >"$OG_TMP/s1.md"
run 0 "put" -- og artifact put "$OG_TMP/s1.md" --tenant acme --project nw --name s1.md
run 0 "show" -- og artifact show --tenant acme --project nw --name s1.md
has "$out" "proposed  other (proposed, model no model yet)" "no model yet: other"
has "$out" "client -, project -, total USD 1000.00" "the total by rule"
run 0 "show json" -- og artifact show --tenant acme --project nw --name s1.md --json
jqis "$out" .latest_version.proposal.of_version 1 "the version read"
run 1 "an auditor may not correct" -- og --as aud artifact classify --tenant acme --project nw --name s1.md --kind sow
has "$err" "write" "denied names the right"
run 1 "unknown kind" -- og artifact classify --tenant acme --project nw --name s1.md --kind invoice
has "$err" "unknown document kind 'invoice'" "bad kind named"
run 0 "classify" -- og --as eve artifact classify --tenant acme --project nw --name s1.md --kind sow --client "Quagga Freight"
has "$out" "classified as sow" "classify says what"
run 0 "show after" -- og artifact show --tenant acme --project nw --name s1.md
has "$out" "proposed  sow (confirmed, model no model yet) by" "the correction is shown"
run 0 "correct the metadata" -- og artifact classify --tenant acme --project nw --name s1.md --kind sow --total '12.500,00 EUR' --date 2026-03-02
run 0 "show the metadata" -- og artifact show --tenant acme --project nw --name s1.md
has "$out" "total EUR 12500.00, date 2026-03-02" "the corrected total and date"
run 1 "a total that is no amount" -- og artifact classify --tenant acme --project nw --name s1.md --kind sow --total lots
has "$err" "no amount" "bad total named"
run 1 "a date that is no day" -- og artifact classify --tenant acme --project nw --name s1.md --kind sow --date 2026-02-30x
has "$err" "no YYYY-MM-DD" "bad date named"

for i in 2 3 4; do
  sow $i >"$OG_TMP/s$i.md"; runbook $i >"$OG_TMP/r$i.md"
  run 0 "put s$i" -- og artifact put "$OG_TMP/s$i.md" --tenant acme --project nw --name "s$i.md"
  run 0 "put r$i" -- og artifact put "$OG_TMP/r$i.md" --tenant acme --project nw --name "r$i.md"
  run 0 "classify s$i" -- og artifact classify --tenant acme --project nw --name "s$i.md" --kind sow
done

# HTTP: the artifact's JSON carries the proposal; POST .../classify corrects it
og_serve "$D" || exit 1
tok=$(og token create --tenant acme --user eve --json | jq -r .token)
api GET "/api/v1/projects/nw/artifacts/r2.md" "$tok"
expect_status 200 "artifact JSON"
expect_jq .latest_version.proposal.kind other "proposed before any runbook label"
for i in 2 3 4; do
  api POST "/api/v1/projects/nw/artifacts/r$i.md/classify" "$tok" '{"kind":"runbook"}'
  expect_status 200 "classify r$i over HTTP"
done
expect_jq .latest_version.proposal.kind runbook "the answer is the corrected artifact"
api POST "/api/v1/projects/nw/artifacts/r2.md/classify" "$tok" '{"kind":"runbook","extra":1}'
expect_status 400 "an unknown field"
api POST "/api/v1/projects/nw/artifacts/r2.md/classify" "$tok" '{"kind":7}'
expect_status 400 "a kind that is no string"
api POST "/api/v1/projects/nw/artifacts/r2.md/classify" "$tok" '{"kind":"runbook","date":"March"}'
expect_status 400 "a date that is no day"
api POST "/api/v1/projects/nw/artifacts/r2.md/classify" "$tok" '{"kind":"runbook","total":"$1,200.50","date":"2026-01-31"}'
expect_status 200 "metadata corrected over HTTP"
expect_jq .latest_version.proposal.total 1200.50 "the total as the classifier writes it"
expect_jq .latest_version.proposal.date 2026-01-31 "the date corrected"
og_stop

run 0 "train" -- og model train --kind artifacts.doc-kind --json
jqis "$out" '.models[0].examples' 7 "seven labelled documents"
runbook 9 >"$OG_TMP/r9.md"
run 0 "put r9" -- og artifact put "$OG_TMP/r9.md" --tenant acme --project nw --name r9.md
run 0 "show r9" -- og artifact show --tenant acme --project nw --name r9.md --json
jqis "$out" .latest_version.proposal.kind runbook "learned from the corrections"
jqis "$out" .latest_version.proposal.model v1 "the model version"

# a PDF docgen makes is read through poppler
run 0 "generate" -- og generate sow --tenant acme --project nw --format pdf --input "$SRC/tests/data/projects/northwind-m365.json" --json
pdf=$(jq -r .artifact <<<"$out")
run 0 "show pdf" -- og artifact show --tenant acme --project nw --name "$pdf" --json
jqis "$out" .latest_version.proposal.model v1 "the PDF has a proposal"
jqis "$out" '.latest_version.proposal.dates | length > 0' true "the PDF's dates"
og_done
