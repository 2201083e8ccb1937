#!/usr/bin/env bash
# test_generate_pdf.sh - the four kinds as PDF (cairo + pango), read back with pdftotext: title
# page, running header with client and document number, "Page N of M", section headings and
# totals. Skips (77) without pdftotext (poppler-utils; scripts/test-deps.sh installs it).
. "$(dirname "$0")/lib.sh"
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "SKIP: pdftotext is not installed (poppler-utils)" >&2
  exit 77
fi

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1
og project create --tenant acme northwind "Northwind M365" >/dev/null || exit 1
G=(generate --tenant acme --project northwind --format pdf)

# gen KIND DATA: generate KIND as PDF into $OG_TMP/KIND.pdf and its text into $OG_TMP/KIND.txt
gen() {
  if ! og "${G[@]}" "$1" --input "$2" -o "$OG_TMP/$1.pdf" 2>"$OG_TMP/err"; then
    bad "$1 pdf: $(cat "$OG_TMP/err")"; return
  fi
  ok
  if [ "$(head -c 5 "$OG_TMP/$1.pdf")" = "%PDF-" ]; then ok; else bad "$1.pdf is not a PDF"; fi
  # -layout keeps table rows on one line; squeeze runs of spaces for matching
  pdftotext -layout "$OG_TMP/$1.pdf" - | tr -s ' ' >"$OG_TMP/$1.txt" || bad "pdftotext $1"
}
has() {   # KIND TEXT
  if grep -qF -- "$2" "$OG_TMP/$1.txt"; then ok; else bad "$1.pdf: '$2' not found"; fi
}

gen sow "$P/northwind-m365.json"
has sow "Statement of Work"
has sow "Client: Northwind Logistics AG"          # title page
has sow "Northwind Logistics AG SOW-2026-014"     # running header
has sow "Page 1 of "
has sow "9. Fees"
has sow "12. Signatures"
has sow "Total 16 144.75 18,366.25"
has sow "Total fees: EUR 18,366.25 for 144.75 hours."
has sow "P3 Files and endpoints 50.25 6,236.25"
pages=$(grep -c "Page [0-9]* of " "$OG_TMP/sow.txt")
last=$(grep -o "Page [0-9]* of [0-9]*" "$OG_TMP/sow.txt" | tail -n 1)
if [ "$pages" -ge 3 ] && [ "$last" = "Page $pages of $pages" ]; then ok; else bad "page numbers: $pages pages, last '$last'"; fi

# the change order's baseline is sow.md@1
og generate --tenant acme --project northwind sow --input "$P/northwind-m365.json" -o "$OG_TMP/sow.md" 2>"$OG_TMP/err" || bad "sow.md for the baseline"
gen change-order "$P/northwind-m365-co1.json"
has change-order "Change Order"
has change-order "Northwind Logistics AG CO-001"
has change-order "5. Cost impact"
has change-order "Revised contract sum 156.75 20,036.25"
has change-order "This change order (CO-001) +12 +1,670.00"
has change-order "Schedule impact: +7 days."

gen runbook "$P/northwind-m365.json"
has runbook "6.1 Switch MX to Exchange Online"
has runbook "Get-MigrationBatch | ft Identity,Status"
has runbook "7. Escalation"
has runbook "CN=mail.northwind.example"

gen closure "$P/northwind-m365.json"
has closure "Project Closure Report"
has closure "4. Cost performance"
has closure "Total 144.75 153 +8.25 18,366.25 19,387.50 +1,021.25"
has closure "Schedule variance: +7 days."
has closure "9. Lessons learned"

# the PDF is reproducible too: its dates come from the data
og "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/sow2.pdf" 2>"$OG_TMP/err"
if cmp -s "$OG_TMP/sow.pdf" "$OG_TMP/sow2.pdf"; then ok; else bad "regenerated sow.pdf differs"; fi
og_done
