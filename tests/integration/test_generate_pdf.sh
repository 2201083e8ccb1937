#!/usr/bin/env bash
# test_generate_pdf.sh - the four kinds as PDF (cairo + pango), read back with pdftotext,
# pdftotext -bbox, pdfinfo and pdffonts: a cover (provider, title, client, number, date, revision,
# vertically balanced), a running header with the provider, client and document number (a long
# legal name cut short above the rule), "Page N of M", section headings and totals, a signature
# block kept on one page, no hyphen inserted into host names or headers, 9-digit amounts on one
# line, CJK text in a Noto CJK font, reproducible bytes. Skips (77) without poppler-utils.
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
has sow "Client Northwind Logistics AG"           # cover
has sow "Document SOW-2026-014"
has sow "Revision 1"
has sow "Bluefin Managed Services GmbH Northwind Logistics AG · SOW-2026-014"     # running header
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
has change-order "Northwind Logistics AG · CO-001"
has change-order "Date 2026-12-14"                 # its own date on the cover, not the SOW's
has change-order "5. Cost impact"
has change-order "Revised contract sum 156.75 20,036.25"
has change-order "This change order (CO-001) +12 +1,670.00"
has change-order "Schedule impact: +7 days."

gen runbook "$P/northwind-m365.json"
has runbook "Document RB-2026-014"
has runbook "Date 2026-12-10"
has runbook "6.1 Switch MX to Exchange Online"
has runbook "Get-MigrationBatch | ft Identity,Status"
has runbook "7. Escalation"
has runbook "CN=mail.northwind.example"

# the closure comes from the data after CO-001, against the SOW (sow.md@1) and CO-001
gen closure "$P/northwind-m365-co1.json"
has closure "Project Closure Report"
has closure "Document PCR-2026-014"
has closure "4. Cost performance"
has closure "Original budget (SOW-2026-014) 18,366.25"
has closure "Change order CO-001 +1,670.00"
has closure "Revised budget 20,036.25"
has closure "Total 156.75 163 +6.25 20,036.25 20,872.50 +836.25"
has closure "Schedule variance against the plan: Zero (0) days."
has closure "9. Lessons learned"
for k in sow change-order runbook closure; do   # the author is the provider, not the client
  grep -q "^Author: *Bluefin Managed Services GmbH$" <<<"$(pdfinfo "$OG_TMP/$k.pdf")" && ok ||
    bad "$k.pdf Author: $(pdfinfo "$OG_TMP/$k.pdf" | grep Author)"
done

# ---- the cover: not two-thirds empty. The title sits between a third and three fifths down
# the page; the provider's address is at its foot.
pdftotext -bbox -f 1 -l 1 "$OG_TMP/sow.pdf" "$OG_TMP/cover.html"
ty=$(grep -m1 '>Statement</word>' "$OG_TMP/cover.html" | sed -E 's/.*yMin="([0-9.]+)".*/\1/')
ay=$(grep -m1 '>Hafenstrasse</word>' "$OG_TMP/cover.html" | sed -E 's/.*yMin="([0-9.]+)".*/\1/')
awk -v t="${ty:-0}" -v a="${ay:-0}" 'BEGIN { exit !(t > 842 / 3 && t < 842 * 3 / 5 && a > 700) }' &&
  ok || bad "cover layout: title at y=$ty, address at y=$ay"

# ---- the signature block: each party's name, title, a signature line and a date line
has sow "Client Provider"
has sow "Northwind Logistics AG Bluefin Managed Services GmbH"
has sow "Signature Signature"
has sow "Name: Jonas Berger Name: Dana Whitfield"
has sow "Title: Head of IT Title: Project manager"
has sow "Date Date"
# kept on one page wherever the page break falls: rows pushed in before it (28 to 39 more
# contacts, about 17 pt each, carry it over the foot of a page in the sample) move the
# block down step by step over a page break; the parties, lines and captions stay together
pad_ok=0
for n in $(seq 28 39); do
  jq --argjson n $n '.contacts += [range($n) | {side: "client", name: "Extra contact \(.)", role: "Staff"}]' \
    "$P/northwind-m365.json" >"$OG_TMP/pad.json"
  og "${G[@]}" sow --dry-run --input "$OG_TMP/pad.json" -o "$OG_TMP/pad.pdf" 2>/dev/null || { bad "pad $n"; continue; }
  pdftotext -layout "$OG_TMP/pad.pdf" - | tr -s ' ' | awk -v n=$n 'BEGIN { RS = "\f" }
    /Northwind Logistics AG Bluefin Managed Services GmbH/ { a = NR }
    /Signature Signature/ { b = NR } /Name: Jonas Berger/ { c = NR } /Date Date/ { d = NR }
    END { if (!(a && a == b && b == c && c == d)) { print "pad " n ": block on pages " a " " b " " c " " d; exit 1 } }' \
    || { bad "signature block split over pages"; continue; }
  # and nothing runs into the foot of a page (the footer "Page N of M" starts at y = 801)
  pdftotext -bbox "$OG_TMP/pad.pdf" - | grep -oE 'yMin="[0-9.]+" xMax="[0-9.]+" yMax="[0-9.]+">[^<]*' |
    awk -F'"' '$6 > 781 && $2 < 795 { print; b = 1 } END { exit b }' >"$OG_TMP/foot.txt" &&
    pad_ok=$((pad_ok + 1)) || bad "pad $n: text below the bottom margin: $(head -3 "$OG_TMP/foot.txt")"
done
[ $pad_ok = 12 ] && ok || bad "signature block kept together in $pad_ok of 12 layouts"

# ---- no hyphen inserted: host names and table heads read whole
for h in ex01.corp.northwind.example fs01.corp.northwind.example aadc01.corp.northwind.example; do
  has runbook "$h"
done
grep -q "Amou-\|ex-$\|exa-$" "$OG_TMP/change-order.txt" "$OG_TMP/runbook.txt" && bad "a hyphen was inserted" || ok
jq '.runbook.systems[0].host = "mailrelay01.datacenter-frankfurt.corp.northwind.example"
    | .runbook.systems[0].location = "Bremen DC rack 3, row B, unit 17"' "$P/northwind-m365.json" >"$OG_TMP/host.json"
og "${G[@]}" runbook --dry-run --input "$OG_TMP/host.json" -o "$OG_TMP/host.pdf" 2>/dev/null || bad "long host"
pdftotext -layout "$OG_TMP/host.pdf" - | tr -s ' ' >"$OG_TMP/host.txt"
grep -qF "mailrelay01.datacenter-frankfurt.corp.northwind.example" "$OG_TMP/host.txt" && ok ||
  bad "a 55-character host name is broken: $(grep -F mailrelay "$OG_TMP/host.txt")"

# ---- amounts never wrap: 9- and 10-digit amounts stay on one line in the SOW and the closure
jq '.phases[].tasks[].rate = "8000000.00"' "$P/northwind-m365.json" >"$OG_TMP/big.json"
jq '.phases[].tasks[].rate = "8000000.00" | del(.closure.baseline, .closure.change_orders)' \
  "$P/northwind-m365-co1.json" >"$OG_TMP/bigc.json"
for k in sow:big closure:bigc; do
  kind=${k%%:*}
  og "${G[@]}" "$kind" --dry-run --input "$OG_TMP/${k##*:}.json" -o "$OG_TMP/big.pdf" 2>"$OG_TMP/err" || bad "$kind big: $(cat "$OG_TMP/err")"
  og generate --tenant acme --project northwind "$kind" --dry-run --input "$OG_TMP/${k##*:}.json" -o "$OG_TMP/big.md" 2>/dev/null
  pdftotext -layout "$OG_TMP/big.pdf" - >"$OG_TMP/big.txt"
  amounts=$(grep -oE '[+-]?[0-9]{1,3}(,[0-9]{3}){2,}\.[0-9]{2}' "$OG_TMP/big.md" | sort -u)
  [ "$(echo "$amounts" | wc -l)" -ge 10 ] && ok || bad "$kind: few 9-digit amounts to check"
  missing=0
  for a in $amounts; do grep -qF -- "$a" "$OG_TMP/big.txt" || { missing=$((missing + 1)); echo "  wrapped: $a" >&2; }; done
  [ $missing = 0 ] && ok || bad "$kind: $missing amounts are not on one line"
done

# ---- a long legal name in the running header: cut short, above the rule, the two sides apart
long="Northwind Logistics und Lagerhaltung Aktiengesellschaft fuer Norddeutschland, Skandinavien und das Baltikum, Zweigniederlassung Bremen"
jq --arg n "$long" '.client.name = $n | .provider.name = "Bluefin Managed Services GmbH, Niederlassung Hamburg-Altona, Geschaeftsbereich Infrastruktur"' \
  "$P/northwind-m365.json" >"$OG_TMP/long.json"
og "${G[@]}" sow --dry-run --input "$OG_TMP/long.json" -o "$OG_TMP/long.pdf" 2>/dev/null || bad "long names"
pdftotext -bbox -f 2 -l 2 "$OG_TMP/long.pdf" - | grep '<word' |
  sed -E 's/.*xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">(.*)<\/word>/\1 \2 \3 \4 \5/' |
  awk '$2 < 50' | sort -n >"$OG_TMP/head.txt"
# (an ellipsized run extracts whole, in one box ending where the ellipsis is drawn)
awk 'BEGIN { bad = 0 } { if ($4 > 44 || $3 > 595.276 - 56 + 0.5) bad = 1; if (NR > 1 && $1 < px) bad = 1; px = $3 }
     END { exit !(NR > 3 && !bad) }' "$OG_TMP/head.txt" && ok ||
  bad "running header crosses the rule or the margin, or overlaps: $(cat "$OG_TMP/head.txt")"
grep -q ' SOW-2026-014$' "$OG_TMP/head.txt" && ok || bad "the document number is cut from the running header"

# ---- CJK and other scripts: a fallback font, the characters extract back
jq '.client.name = "北風物流株式会社" | .project.name = "Microsoft 365 移行 — Миграция — Μετάβαση"' \
  "$P/northwind-m365.json" >"$OG_TMP/cjk.json"
og "${G[@]}" sow --dry-run --input "$OG_TMP/cjk.json" -o "$OG_TMP/cjk.pdf" 2>/dev/null || bad "cjk"
grep -q "NotoSansCJK" <<<"$(pdffonts "$OG_TMP/cjk.pdf")" && ok || bad "no Noto CJK font embedded: $(pdffonts "$OG_TMP/cjk.pdf")"
pdftotext "$OG_TMP/cjk.pdf" - >"$OG_TMP/cjk.txt"
for w in "北風物流株式会社" "移行" "Миграция" "Μετάβαση"; do
  grep -qF "$w" "$OG_TMP/cjk.txt" && ok || bad "'$w' does not extract from the PDF"
done

# the PDF is reproducible too: its dates come from the data
og "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/sow2.pdf" 2>"$OG_TMP/err"
if cmp -s "$OG_TMP/sow.pdf" "$OG_TMP/sow2.pdf"; then ok; else bad "regenerated sow.pdf differs"; fi
og_done
