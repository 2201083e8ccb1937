#!/usr/bin/env bash
# test_generate_docx.sh - `generate --format docx` (src/docgen/docx.c): a real Office Open XML
# package (parts, heading styles, tables with right-aligned money, header, footer with PAGE and
# NUMPAGES fields, document properties) read back with python's zipfile, with pandoc (docx ->
# plain text holds every heading, table cell and amount) and converted by LibreOffice headless to
# PDF and text; byte-identical regeneration (also under another time zone); over HTTP with the
# right Content-Type. Skips (77) without pandoc or LibreOffice (scripts/deps.sh test).
. "$(dirname "$0")/lib.sh"
for t in pandoc soffice pdftotext python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done
OG_TEST_TIMEOUT=300

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
tok=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1
og project create --tenant acme northwind "Northwind M365" >/dev/null || exit 1
G=(generate --tenant acme --project northwind --format docx)

# gen KIND DATA: KIND as DOCX into $OG_TMP/KIND.docx, pandoc's plain text into $OG_TMP/KIND.txt
gen() {
  if ! og "${G[@]}" "$1" --input "$2" -o "$OG_TMP/$1.docx" 2>"$OG_TMP/err"; then
    bad "$1 docx: $(cat "$OG_TMP/err")"; return
  fi
  ok
  [ "$(head -c 4 "$OG_TMP/$1.docx" | od -An -tx1 | tr -d ' ')" = 504b0304 ] && ok ||
    bad "$1.docx is not a zip"
  pandoc -f docx -t plain --wrap=none "$OG_TMP/$1.docx" -o "$OG_TMP/$1.txt" 2>"$OG_TMP/err" && ok ||
    bad "pandoc cannot read $1.docx: $(cat "$OG_TMP/err")"
}
has() {   # KIND TEXT: pandoc's text of KIND holds TEXT
  grep -qF -- "$2" "$OG_TMP/$1.txt" && ok || bad "$1.docx (pandoc): '$2' not found"
}

gen sow "$P/northwind-m365.json"
has sow "Statement of Work"
has sow "Northwind Logistics AG"
has sow "SOW-2026-014"
has sow "9. Fees"
has sow "12. Signatures"
has sow "P3 Files and endpoints"
has sow "6,236.25"
has sow "18,366.25"
has sow "Total fees: EUR 18,366.25 for 144.75 hours."
# pandoc sees real headings and a real table, not paragraphs that look like them
pandoc -f docx -t markdown "$OG_TMP/sow.docx" -o "$OG_TMP/sow.pmd"
grep -qE "^#{1,3} 9\. Fees" "$OG_TMP/sow.pmd" && ok || bad "pandoc: '9. Fees' is not a heading"
pandoc -f docx -t html "$OG_TMP/sow.docx" -o "$OG_TMP/sow.html"
grep -q "<table" "$OG_TMP/sow.html" && ok || bad "pandoc: no table in sow.docx"
grep -q "<td>6,236.25</td>\|<td style=\"text-align: right;\">6,236.25</td>" "$OG_TMP/sow.html" &&
  ok || bad "pandoc: 6,236.25 is not a table cell"

# the package itself: parts, styles, right-aligned money, header/footer fields, properties, and
# the fixed entry times and order that make it reproducible
python3 - "$OG_TMP/sow.docx" >"$OG_TMP/zipcheck" 2>&1 <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
want = ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
        "word/document.xml", "word/_rels/document.xml.rels", "word/styles.xml",
        "word/settings.xml", "word/header1.xml", "word/footer1.xml"]
problems = []
if names != want:
    problems.append("parts: %s" % names)
for i in z.infolist():
    if i.date_time != (1980, 1, 1, 0, 0, 0):
        problems.append("%s: time %s" % (i.filename, i.date_time))
    if i.compress_type != zipfile.ZIP_DEFLATED:
        problems.append("%s: not deflated" % i.filename)
r = lambda n: z.read(n).decode()
import xml.dom.minidom
for n in names:
    try:
        xml.dom.minidom.parseString(z.read(n))
    except Exception as e:
        problems.append("%s is not well-formed XML: %s" % (n, e))
styles, doc = r("word/styles.xml"), r("word/document.xml")
for s in ("Heading1", "Heading2", "Heading3", "Title", "TableGrid"):
    if 'w:styleId="%s"' % s not in styles:
        problems.append("styles.xml lacks %s" % s)
for s in ("Heading1", "Heading2"):
    if '<w:pStyle w:val="%s"/>' % s not in doc:
        problems.append("document.xml uses no %s" % s)
# the cell holding 6,236.25 is right-aligned
m = re.search(r'<w:p><w:pPr><w:pStyle w:val="TableText"/><w:jc w:val="right"/></w:pPr>'
              r'(?:(?!</w:p>).)*6,236\.25', doc)
if not m:
    problems.append("6,236.25 is not in a right-aligned cell")
if "<w:tblHeader/>" not in doc:
    problems.append("no repeated table header row")
foot, head = r("word/footer1.xml"), r("word/header1.xml")
for f in (" PAGE ", " NUMPAGES "):
    if f not in foot:
        problems.append("footer lacks the%sfield" % f)
if "Northwind Logistics AG" not in head or "SOW-2026-014" not in head:
    problems.append("header lacks client and number: %s" % head[-200:])
core = r("docProps/core.xml")
for s in ("<dc:title>Statement of Work</dc:title>", "<dc:creator>Bluefin Managed Services GmbH</dc:creator>",
          "<cp:keywords>SOW-2026-014</cp:keywords>", ">2026-"):
    if s not in core:
        problems.append("core.xml lacks %s" % s)
rels = r("word/_rels/document.xml.rels")
if "header1.xml" not in rels or "footer1.xml" not in rels:
    problems.append("document.xml.rels lacks header/footer")
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
[ $? -eq 0 ] && ok || bad "sow.docx package: $(cat "$OG_TMP/zipcheck")"

# byte-identical: again, and again in another time zone
og "${G[@]}" sow --input "$P/northwind-m365.json" --dry-run -o "$OG_TMP/sow2.docx" 2>/dev/null
TZ=Pacific/Kiritimati og "${G[@]}" sow --input "$P/northwind-m365.json" --dry-run \
  -o "$OG_TMP/sow3.docx" 2>/dev/null
cmp -s "$OG_TMP/sow.docx" "$OG_TMP/sow2.docx" && ok || bad "regenerated sow.docx differs"
cmp -s "$OG_TMP/sow.docx" "$OG_TMP/sow3.docx" && ok || bad "sow.docx differs under another TZ"
og "${G[@]}" sow --input "$P/northwind-m365.json" -o /dev/null 2>"$OG_TMP/err"
grep -q "unchanged: sow.docx version 1" "$OG_TMP/err" && ok ||
  bad "the same data again stores no new version: $(cat "$OG_TMP/err")"

# the other kinds
og generate --tenant acme --project northwind sow --input "$P/northwind-m365.json" -o /dev/null 2>/dev/null
gen change-order "$P/northwind-m365-co1.json"
has change-order "Change Order"
has change-order "20,036.25"
gen runbook "$P/northwind-m365.json"
has runbook "6.1 Switch MX to Exchange Online"
has runbook "Get-MigrationBatch | ft Identity,Status"
gen closure "$P/northwind-m365-co1.json"
has closure "Project Closure Report"
has closure "20,872.50"

# LibreOffice opens it: to PDF (page numbers from the footer's fields) and to text
lo="$OG_TMP/lo"
mkdir -p "$lo/out"
for fmt in pdf "txt:Text (encoded):UTF8"; do
  timeout 180 soffice -env:UserInstallation=file://"$lo/profile" --headless --norestore \
    --convert-to "$fmt" --outdir "$lo/out" "$OG_TMP/sow.docx" >"$lo/log" 2>&1 ||
    bad "soffice --convert-to $fmt failed: $(tail -3 "$lo/log")"
done
if [ -s "$lo/out/sow.pdf" ]; then
  ok
  pdftotext -layout "$lo/out/sow.pdf" - | tr -s ' ' >"$lo/sow.pdf.txt"
  pages=$(pdfinfo "$lo/out/sow.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
  grep -q "Page 1 of $pages" "$lo/sow.pdf.txt" && ok || bad "LibreOffice PDF: no 'Page 1 of $pages'"
  grep -q "Page $pages of $pages" "$lo/sow.pdf.txt" && ok || bad "LibreOffice PDF: no 'Page $pages of $pages'"
  for t in "9. Fees" "P3 Files and endpoints" "6,236.25" "18,366.25" "SOW-2026-014"; do
    grep -qF -- "$t" "$lo/sow.pdf.txt" && ok || bad "LibreOffice PDF lacks '$t'"
  done
else
  bad "LibreOffice made no PDF of sow.docx"
fi
if [ -s "$lo/out/sow.txt" ]; then
  for t in "Statement of Work" "9. Fees" "6,236.25" "Total fees: EUR 18,366.25"; do
    grep -qF -- "$t" "$lo/out/sow.txt" && ok || bad "LibreOffice text lacks '$t'"
  done
else
  bad "LibreOffice made no text of sow.docx"
fi

# HTTP: format=docx, the document with ?download=1 and its media type
og_serve "$D" || exit 1
jq -cn --slurpfile d "$P/northwind-m365.json" '{kind:"sow", format:"docx", data:$d[0]}' >"$OG_TMP/req.json"
code=$(curl -sS --max-time 60 -o "$OG_TMP/http.docx" -D "$OG_TMP/headers" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
  --data-binary @"$OG_TMP/req.json" "$OG_URL/api/v1/projects/northwind/generate?tenant=acme&download=1")
[ "$code" = 201 ] || [ "$code" = 200 ] && ok || bad "HTTP generate docx: $code $(head -c 300 "$OG_TMP/http.docx")"
expect_header Content-Type "application/vnd.openxmlformats-officedocument.wordprocessingml.document" \
  "HTTP sends the DOCX media type"
cmp -s "$OG_TMP/sow.docx" "$OG_TMP/http.docx" && ok || bad "the HTTP DOCX differs from the CLI's"
api POST "/api/v1/projects/northwind/generate?tenant=acme" "$tok" '{"kind":"sow","format":"odt"}'
expect_status 400 "an unknown format"
expect_jq .error.message "format: unknown format 'odt' (md, html, pdf, docx)" "the error lists docx" ||
  true

og_done
