#!/usr/bin/env bash
# test_documents_consistency.sh - the four documents of the shipped sample tell the same story:
# the SOW's total is the closure's original budget, CO-001's cost impact is the closure's line for
# CO-001, the revised budget is the original plus the change orders (and the change order's
# revised contract sum), the tasks CO-001 removed are not in the closure and the task it added is.
# Checked on the PDFs (pdftotext) generated from tests/data/projects, and on the PDFs the demo
# (`make run`, scripts/run-demo.sh) stores. Each document also carries its own number and date.
. "$(dirname "$0")/lib.sh"
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "SKIP: pdftotext is not installed (poppler-utils)" >&2
  exit 77
fi

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects

# cents "20,036.25" -> 2003625; "+1,670.00" -> 167000 (exact: no floating point)
cents() { local v=${1//,/}; v=${v#+}; local neg=""; [ "${v#-}" != "$v" ] && neg=- && v=${v#-}
  local i=${v%.*} f=${v#*.}; [ "$f" = "$v" ] && f=00; echo "$neg$((10#$i * 100 + 10#$f))"; }
# first match of an extended regex's group 1 in a text file
pick() { sed -nE "s/.*$2.*/\\1/p" "$1" | head -n 1; }
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: '$2' vs '$3'"; fi; }
AMT='([+-]?[0-9][0-9,]*\.[0-9]{2})'

# check DIR: DIR holds sow.pdf, co.pdf, runbook.pdf, closure.pdf (and their .txt)
check() {
  local d=$1 what=$2
  for k in sow co runbook closure; do
    pdftotext -layout "$d/$k.pdf" - | tr -s ' ' >"$d/$k.txt" || bad "$what: pdftotext $k"
  done
  local sow_total co_orig co_this co_rev cl_orig cl_co cl_rev cl_list
  sow_total=$(pick "$d/sow.txt" "Total fees: EUR $AMT")
  co_orig=$(pick "$d/co.txt" "Original contract sum [0-9.]+ $AMT")
  co_this=$(pick "$d/co.txt" "This change order \(CO-001\) [+-]?[0-9.]+ $AMT")
  co_rev=$(pick "$d/co.txt" "Revised contract sum [0-9.]+ $AMT")
  cl_orig=$(pick "$d/closure.txt" "Original budget \([A-Z0-9-]+\) $AMT")
  cl_co=$(pick "$d/closure.txt" "Change order CO-001 $AMT")
  cl_rev=$(pick "$d/closure.txt" "Revised budget $AMT")
  cl_list=$(pick "$d/closure.txt" "^CO-001 .* $AMT approved")
  for v in sow_total co_orig co_this co_rev cl_orig cl_co cl_rev cl_list; do
    [ -n "${!v}" ] && ok || bad "$what: $v not found in the documents"
  done
  eq "$what: SOW total = the change order's original contract sum" "$sow_total" "$co_orig"
  eq "$what: SOW total = the closure's original budget" "$sow_total" "$cl_orig"
  eq "$what: CO-001's cost impact = the closure's CO-001 budget line" "$co_this" "$cl_co"
  eq "$what: CO-001's cost impact = the closure's list of change orders" "$co_this" "$cl_list"
  eq "$what: the closure's revised budget = the change order's revised contract sum" "$cl_rev" "$co_rev"
  eq "$what: revised budget = original + change orders" \
    "$(cents "$cl_rev")" "$(( $(cents "$cl_orig") + $(cents "$cl_co") ))"
  # tasks: the ones CO-001 removed are not in the closure; the ones it added are
  local removed added
  removed=$(sed -n '/^Removed tasks/,/^Changed tasks/p' "$d/co.txt" | grep -oE '^ ?T[0-9]+\.[0-9]+' | tr -d ' ')
  added=$(sed -n '/^Added tasks/,/^Removed tasks/p' "$d/co.txt" | grep -oE '^ ?T[0-9]+\.[0-9]+' | tr -d ' ')
  [ -n "$removed" ] && [ -n "$added" ] && ok || bad "$what: no added/removed tasks found in CO-001"
  for t in $removed; do
    grep -qE "^ ?$t " "$d/closure.txt" && bad "$what: task $t (removed by CO-001) is in the closure" || ok
  done
  for t in $added; do
    grep -qE "^ ?$t " "$d/closure.txt" && ok || bad "$what: task $t (added by CO-001) is not in the closure"
  done
  # each kind its own identity: number and date on the cover and in the PDF's metadata
  local k num date
  for k in "sow SOW-2026-014 2026-11-02" "co CO-001 2026-12-14" "runbook RB-2026-014 2026-12-10" \
           "closure PCR-2026-014 2027-02-19"; do
    set -- $k
    grep -qE "^ ?Document $2\$" "$d/$1.txt" && ok || bad "$what: $1's cover does not name $2"
    grep -qE "^ ?Date $3\$" "$d/$1.txt" && ok || bad "$what: $1's cover is not dated $3"
    date=$(pdfinfo "$d/$1.pdf" | sed -n 's/^CreationDate: *//p')
    [ "$(date -u -d "$date" +%F 2>/dev/null)" = "$3" ] && ok || bad "$what: $1's PDF CreationDate '$date', want $3"
    pdfinfo "$d/$1.pdf" | grep -q "^Author: *Bluefin Managed Services GmbH\$" && ok ||
      bad "$what: $1's PDF Author is not the provider: $(pdfinfo "$d/$1.pdf" | grep Author)"
  done
  grep -q "2026-11-02" "$d/co.txt" && bad "$what: the change order shows the SOW's date" || ok
}

# ---- the sample, through the CLI ----
D=$OG_TMP/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1
og project create --tenant acme northwind "Northwind M365" >/dev/null || exit 1
G=(generate --tenant acme --project northwind)
mkdir -p "$OG_TMP/s"
# sow.md@1 is the baseline the change order and the closure name
og "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/s/sow.md" 2>"$OG_TMP/err" || bad "sow md: $(cat "$OG_TMP/err")"
og "${G[@]}" sow --format pdf --input "$P/northwind-m365.json" -o "$OG_TMP/s/sow.pdf" 2>"$OG_TMP/err" || bad "sow: $(cat "$OG_TMP/err")"
og "${G[@]}" runbook --format pdf --input "$P/northwind-m365.json" -o "$OG_TMP/s/runbook.pdf" 2>"$OG_TMP/err" || bad "runbook: $(cat "$OG_TMP/err")"
og "${G[@]}" change-order --format pdf --input "$P/northwind-m365-co1.json" -o "$OG_TMP/s/co.pdf" 2>"$OG_TMP/err" || bad "co: $(cat "$OG_TMP/err")"
og "${G[@]}" closure --format pdf --input "$P/northwind-m365-co1.json" -o "$OG_TMP/s/closure.pdf" 2>"$OG_TMP/err" || bad "closure: $(cat "$OG_TMP/err")"
check "$OG_TMP/s" "sample"

# the closure takes CO-001's amount from the generated change order: left out it is filled in,
# and a different one is refused naming both
jq 'del(.closure.change_orders[0].amount)' "$P/northwind-m365-co1.json" >"$OG_TMP/noamt.json"
og "${G[@]}" closure --dry-run --input "$OG_TMP/noamt.json" -o "$OG_TMP/noamt.md" 2>"$OG_TMP/err" &&
  grep -qF "| Change order CO-001 | +1,670.00 |" "$OG_TMP/noamt.md" && ok ||
  bad "closure without CO-001's amount: $(cat "$OG_TMP/err")"
jq '.closure.change_orders[0].amount = "1450.00"' "$P/northwind-m365-co1.json" >"$OG_TMP/wrong.json"
og "${G[@]}" closure --dry-run --input "$OG_TMP/wrong.json" -o /dev/null 2>"$OG_TMP/err" &&
  bad "a closure with CO-001 at 1,450.00 was accepted"
grep -qF "closure.change_orders[0].amount: 1,450.00, but change order CO-001 as generated (change-order-CO-001.data.json version 1) is +1,670.00" "$OG_TMP/err" && ok ||
  bad "wrong CO amount error: $(cat "$OG_TMP/err")"

# ---- the demo's documents (scripts/run-demo.sh, set up without serving) ----
OPSGATE_DEMO_SETUP_ONLY=1 timeout 120 bash "$SRC/scripts/run-demo.sh" "$OPSGATE" "$OG_TMP/demo" 127.0.0.1:0 \
  >"$OG_TMP/demo.out" 2>&1 || bad "run-demo.sh: $(tail -5 "$OG_TMP/demo.out")"
mkdir -p "$OG_TMP/d"
for a in sow.pdf:sow runbook.pdf:runbook change-order-CO-001.pdf:co closure.pdf:closure; do
  "$OPSGATE" --data "$OG_TMP/demo" artifact get --tenant demo --project nw-m365 --name "${a%%:*}" \
    -o "$OG_TMP/d/${a##*:}.pdf" 2>"$OG_TMP/err" && ok || bad "demo ${a%%:*}: $(cat "$OG_TMP/err")"
done
check "$OG_TMP/d" "demo"
og_done
