#!/usr/bin/env bash
# test_generate.sh - `opsgate generate` and `opsgate template` end to end: the four kinds from the
# sample project in Markdown and HTML, stored as artifact versions with provenance, byte-identical
# regeneration, a change order against the stored SOW, field-naming errors that store nothing,
# usage errors (exit 2), and a tenant override of one partial. PDF: test_generate_pdf.sh.
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || { echo "tenant create failed" >&2; exit 1; }
og project create --tenant acme northwind "Northwind M365" >/dev/null || exit 1
G=(generate --tenant acme --project northwind)

# expect_rc WANT WHAT CMD...: run CMD, check its exit status; stderr kept in $OG_TMP/err
expect_rc() {
  local want=$1 what=$2; shift 2
  "$@" >"$OG_TMP/out" 2>"$OG_TMP/err"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want ($(head -c 300 "$OG_TMP/err"))"; fi
}
expect_grep() {   # PATTERN FILE WHAT
  if grep -qF -- "$1" "$2"; then ok; else bad "$3: '$1' not in $2"; fi
}

# ---- the four kinds in md and html ----
expect_rc 0 "sow md" og "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/sow.md"
expect_grep "**Total fees: EUR 18,366.25** for 144.75 hours." "$OG_TMP/sow.md" "sow total"
expect_grep "| P3 Files and endpoints | | 50.25 | 6,236.25 |" "$OG_TMP/sow.md" "sow phase total"
expect_grep "## 12. Signatures" "$OG_TMP/sow.md" "sow sign-off section"
expect_grep "stored sow.md version 1" "$OG_TMP/err" "sow stored"
expect_rc 0 "sow html" og "${G[@]}" sow --input "$P/northwind-m365.json" --format html -o "$OG_TMP/sow.html"
expect_grep "<td class=\"r\"><strong>18,366.25</strong></td>" "$OG_TMP/sow.html" "sow html total"
expect_grep "<h2>9. Fees</h2>" "$OG_TMP/sow.html" "sow html heading"
expect_rc 0 "runbook md" og "${G[@]}" runbook --input "$P/northwind-m365.json" -o "$OG_TMP/runbook.md"
expect_grep "### 6.1 Switch MX to Exchange Online" "$OG_TMP/runbook.md" "runbook procedure"
expect_grep "Run: \`Get-MigrationBatch | ft Identity,Status\`" "$OG_TMP/runbook.md" "runbook command verbatim"
expect_grep "| CN=mail.northwind.example |" "$OG_TMP/runbook.md" "runbook certificates"
expect_grep "## 7. Escalation" "$OG_TMP/runbook.md" "runbook escalation"
expect_rc 0 "runbook html" og "${G[@]}" runbook --input "$P/northwind-m365.json" --format html -o "$OG_TMP/runbook.html"
expect_grep "<code>Get-MigrationBatch | ft Identity,Status</code>" "$OG_TMP/runbook.html" "runbook html code"
# the closure comes from the data after CO-001, measured against sow.md@1 plus CO-001
expect_rc 0 "closure md" og "${G[@]}" closure --input "$P/northwind-m365-co1.json" -o "$OG_TMP/closure.md"
expect_grep "variance EUR +836.25 (+4.2%)" "$OG_TMP/closure.md" "closure budget variance"
expect_grep "| Original budget (SOW-2026-014) | 18,366.25 |" "$OG_TMP/closure.md" "closure original budget"
expect_grep "| **Revised budget** | **20,036.25** |" "$OG_TMP/closure.md" "closure revised budget"
expect_grep "Schedule variance against the plan: **Zero (0) days**." "$OG_TMP/closure.md" "closure schedule variance"
if grep -q "| T4.3 |" "$OG_TMP/closure.md"; then bad "the task CO-001 removed is in the closure"; else ok; fi
expect_grep "## 9. Lessons learned" "$OG_TMP/closure.md" "closure lessons"
expect_rc 0 "closure html" og "${G[@]}" closure --input "$P/northwind-m365-co1.json" --format html -o "$OG_TMP/closure.html"
expect_grep "<h2>4. Cost performance</h2>" "$OG_TMP/closure.html" "closure html heading"
expect_grep "<p class=\"line\">Signature</p>" "$OG_TMP/closure.html" "closure html signature block"
expect_grep "<p>Name: Jonas Berger<br>Title: Head of IT</p>" "$OG_TMP/closure.html" "closure html signatory"

# ---- change order against the stored SOW (change.baseline = sow.md@1) ----
expect_rc 0 "change order md" og "${G[@]}" change-order --input "$P/northwind-m365-co1.json" -o "$OG_TMP/co.md"
expect_grep "| **Revised contract sum** | **156.75** | **20,036.25** |" "$OG_TMP/co.md" "co revised sum"
expect_grep "| T3.5 | Data loss prevention policies for finance |" "$OG_TMP/co.md" "co added task"
expect_grep "| T4.3 | Two end-user training sessions |" "$OG_TMP/co.md" "co removed task"
expect_grep "Schedule impact: **+7 days**" "$OG_TMP/co.md" "co schedule impact"
expect_grep "stored change-order-CO-001.md version 1" "$OG_TMP/err" "co stored"
expect_rc 0 "change order html" og "${G[@]}" change-order --input "$P/northwind-m365-co1.json" --format html -o "$OG_TMP/co.html"
expect_grep "<td><strong>Revised contract sum</strong></td>" "$OG_TMP/co.html" "co html"

# ---- byte-identical regeneration (md and html); no duplicate version ----
for f in md html; do
  expect_rc 0 "regenerate $f" og "${G[@]}" sow --input "$P/northwind-m365.json" --format $f -o "$OG_TMP/sow2.$f"
  if cmp -s "$OG_TMP/sow.$f" "$OG_TMP/sow2.$f"; then ok; else bad "regenerated sow.$f differs"; fi
  expect_grep "unchanged: sow.$f version 1" "$OG_TMP/err" "regenerate $f keeps version 1"
done
# the stored version is the generated document, with provenance in the log
expect_rc 0 "artifact get" og artifact get --tenant acme --project northwind --name sow.md -o "$OG_TMP/got.md"
if cmp -s "$OG_TMP/sow.md" "$OG_TMP/got.md"; then ok; else bad "stored sow.md differs from the output"; fi
expect_rc 0 "generate --json" og "${G[@]}" sow --input "$P/northwind-m365.json" --json
if jq -e '.template == "sow@builtin" and (.data_sha256 | length == 64) and .opsgate != null and .version == 1' "$OG_TMP/out" >/dev/null; then ok; else bad "provenance JSON: $(cat "$OG_TMP/out")"; fi
expect_rc 0 "artifact log" og artifact log --tenant acme --project northwind --name sow.md --json
if jq -e '.versions[0].message | fromjson | .data_sha256 | length == 64' "$OG_TMP/out" >/dev/null; then ok; else bad "provenance not in the version message"; fi

# ---- errors: field named, nothing stored; exit 1 ----
jq 'del(.phases[1].tasks[0].rate)' "$P/northwind-m365.json" >"$OG_TMP/bad.json"
expect_rc 1 "missing rate (closure)" og "${G[@]}" closure --input "$OG_TMP/bad.json"
# a runbook does not use the task plan: the same data is fine for it
expect_rc 0 "runbook ignores the plan" og "${G[@]}" runbook --input "$OG_TMP/bad.json" --dry-run
expect_grep "dry run, nothing stored" "$OG_TMP/err" "dry run says so"
expect_rc 1 "missing rate (sow)" og "${G[@]}" sow --input "$OG_TMP/bad.json" --format html
expect_grep "phases[1].tasks[0].rate: missing" "$OG_TMP/err" "missing field named"
jq '.phases[0].tasks[0].hours = 7.5' "$P/northwind-m365.json" >"$OG_TMP/real.json"
expect_rc 1 "float hours" og "${G[@]}" sow --input "$OG_TMP/real.json"
expect_grep "phases[0].tasks[0].hours" "$OG_TMP/err" "float field named"
jq '.change.baseline = "sow.md@7"' "$P/northwind-m365-co1.json" >"$OG_TMP/co-bad.json"
expect_rc 1 "unknown baseline" og "${G[@]}" change-order --input "$OG_TMP/co-bad.json"
expect_grep "no version 7 of 'sow.md'" "$OG_TMP/err" "unknown baseline named"
expect_rc 0 "artifact log after errors" og artifact log --tenant acme --project northwind --name sow.html --json
if [ "$(jq '.versions | length' "$OG_TMP/out")" = 1 ]; then ok; else bad "bad data added a version of sow.html"; fi
expect_rc 1 "unknown project" og generate sow --tenant acme --project nope --input "$P/northwind-m365.json"
# usage errors: exit 2
expect_rc 2 "unknown kind" og generate invoice --tenant acme --project northwind
expect_grep "invoice" "$OG_TMP/err" "unknown kind named"
expect_rc 2 "unknown format" og "${G[@]}" sow --format odt
expect_grep "odt" "$OG_TMP/err" "unknown format named"
expect_rc 2 "missing --project" og generate sow --tenant acme
expect_rc 0 "generate --help" og generate --help

# ---- templates: override one partial, check, list, log, get ----
printf '### Terms\n\nBluefin standard terms v2 for {{client.name}}.\n' >"$OG_TMP/terms.mustache"
expect_rc 0 "template put" og template put --tenant acme terms "$OG_TMP/terms.mustache" -m "our terms"
expect_grep "terms@1" "$OG_TMP/out" "template put prints the version"
printf '{{#phases}}\n' >"$OG_TMP/broken.mustache"
expect_rc 1 "template put broken" og template put --tenant acme sow "$OG_TMP/broken.mustache"
expect_grep "1:1" "$OG_TMP/err" "broken template position"
expect_rc 0 "template list" og template list --tenant acme --json
if jq -e '[.templates[] | select(.name == "terms" and .source == "tenant")] | length == 1' "$OG_TMP/out" >/dev/null \
   && jq -e '[.templates[] | select(.name == "sow" and .source == "builtin")] | length == 1' "$OG_TMP/out" >/dev/null; then ok; else bad "template list: $(cat "$OG_TMP/out")"; fi
expect_rc 0 "template log" og template log --tenant acme terms
expect_grep "our terms" "$OG_TMP/out" "template log message"
expect_rc 0 "template get builtin" og template get --tenant acme signoff
expect_grep '```signatures' "$OG_TMP/out" "built-in partial source"
expect_rc 0 "sow with override" og "${G[@]}" sow --input "$P/northwind-m365.json" -o "$OG_TMP/sow3.md" --json
expect_grep "Bluefin standard terms v2 for Northwind Logistics AG." "$OG_TMP/sow3.md" "overridden partial used"
if jq -e '.partials | index("terms@1") != null and index("signoff@builtin") != null' "$OG_TMP/out" >/dev/null; then ok; else bad "partials provenance: $(cat "$OG_TMP/out")"; fi
expect_rc 1 "template check syntax" og template check "$OG_TMP/broken.mustache"
expect_grep "broken.mustache:1:1:" "$OG_TMP/err" "check names file:line:col"
printf '{{client.nam}} {{totals.amount}}\n' >"$OG_TMP/sow.check.mustache"
expect_rc 1 "template check missing name" og template check "$OG_TMP/sow.check.mustache" --input "$P/northwind-m365.json"
expect_grep "sow.check.mustache:1:1: error: 'client.nam'" "$OG_TMP/err" "missing variable reported"
expect_grep "1 problem (generate would fail)" "$OG_TMP/out" "check counts the problems"
expect_rc 0 "template check builtin" og template check "$SRC/src/docgen/builtin/closure.mustache" --input "$P/northwind-m365-co1.json"
expect_grep "ok" "$OG_TMP/out" "built-in closure template checks clean"
# without --input: the sample project shipped with opsgate; every built-in is clean against it
for k in sow change-order runbook closure header terms assumptions signoff; do
  expect_rc 0 "template check builtin $k" og template check "$SRC/src/docgen/builtin/$k.mustache"
done

# ---- strict templates: a typo fails generate; put refuses it, --force stores it ----
# (in a tenant of their own: the runbook overrides below must not reach acme's documents)
og tenant create beta >/dev/null && og project create --tenant beta p1 "P1" >/dev/null || bad "tenant beta"
GB=(generate --tenant beta --project p1)
printf '# {{title}}\n\nPrepared for {{client.nmae}}.\n' >"$OG_TMP/runbook.typo.mustache"
expect_rc 1 "check a typo" og template check "$OG_TMP/runbook.typo.mustache"
expect_grep "runbook.typo.mustache:3:14: error: 'client.nmae' is not in the data of a runbook" "$OG_TMP/err" "check names file, line, column and name"
expect_rc 1 "put refuses a typo" og template put --tenant beta runbook "$OG_TMP/runbook.typo.mustache"
expect_grep "runbook.typo.mustache:3:14: error: 'client.nmae'" "$OG_TMP/err" "put lists the problem"
expect_grep "store it anyway with --force" "$OG_TMP/err" "put says how to force"
expect_rc 0 "nothing stored" og template list --tenant beta --json
if jq -e '[.templates[] | select(.name == "runbook" and .source == "builtin")] | length == 1' "$OG_TMP/out" >/dev/null; then ok; else bad "a refused template was stored"; fi
expect_rc 0 "put --force" og template put --tenant beta runbook "$OG_TMP/runbook.typo.mustache" --force
expect_grep "runbook@1" "$OG_TMP/out" "forced put stores version 1"
expect_grep "warning: 'client.nmae'" "$OG_TMP/err" "forced put warns"
expect_rc 1 "generate with the typo" og "${GB[@]}" runbook --input "$P/northwind-m365.json" --dry-run
expect_grep "template runbook@1:3:14: 'client.nmae' is not in the data" "$OG_TMP/err" "generate names template, line and variable"
# marked optional it is fine; a section over a missing name needs no marker
printf '{{! optional: client.nmae }}\n# {{title}}\n\nPrepared for {{client.nmae}}.{{#client.vat_id}} VAT {{client.vat_id}}{{/client.vat_id}}\n' >"$OG_TMP/runbook.opt.mustache"
expect_rc 0 "put an optional name" og template put --tenant beta runbook "$OG_TMP/runbook.opt.mustache"
expect_grep "runbook@2" "$OG_TMP/out" "optional names pass the check"
expect_rc 0 "generate with an optional name" og "${GB[@]}" runbook --input "$P/northwind-m365.json" --dry-run
expect_grep "Prepared for ." "$OG_TMP/out" "a missing optional name renders as nothing"
# put checks against given data too
jq 'del(.client.address)' "$P/northwind-m365.json" >"$OG_TMP/noaddr.json"
printf '{{client.address}} {{client.nmae2}}\n' >"$OG_TMP/addr.mustache"
expect_rc 1 "put --input" og template put --tenant beta letter "$OG_TMP/addr.mustache" --kind sow --input "$OG_TMP/noaddr.json"
expect_grep "'client.nmae2' is not in the given data of a sow" "$OG_TMP/err" "put names the given data"

# ---- runbook certificates from the tenant's inventory ("certificates": "inventory") ----
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OG_TMP/k.pem" \
    -out "$OG_TMP/fs01.pem" -days 90 -subj "/CN=fs01.corp.northwind.example" \
    -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OG_TMP/k2.pem" \
    -out "$OG_TMP/other.pem" -days 90 -subj "/CN=unrelated.example.org" \
    -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
  expect_rc 0 "cert import" og cert import --tenant acme "$OG_TMP/fs01.pem"
  expect_rc 0 "cert import other" og cert import --tenant acme "$OG_TMP/other.pem"
  jq '.runbook.certificates = "inventory"' "$P/northwind-m365.json" >"$OG_TMP/rb-inv.json"
  expect_rc 0 "runbook from inventory" og "${G[@]}" runbook --input "$OG_TMP/rb-inv.json" --dry-run
  expect_grep "| CN=fs01.corp.northwind.example |" "$OG_TMP/out" "inventory certificate of a system"
  if grep -q "unrelated.example.org" "$OG_TMP/out"; then bad "a certificate of no system is listed"; else ok; fi
fi

# ---- the project's stored data (artifact project.json) when --input is not given ----
expect_rc 1 "no stored data" og "${G[@]}" closure
expect_grep "project.json" "$OG_TMP/err" "missing stored data named"
expect_grep "pass the data with --input FILE.json" "$OG_TMP/err" "the CLI says how to give data"
expect_rc 0 "put project.json" og artifact put --tenant acme --project northwind --name project.json "$P/northwind-m365-co1.json"
expect_rc 0 "closure from stored data" og "${G[@]}" closure -o "$OG_TMP/closure2.md"
if cmp -s "$OG_TMP/closure.md" "$OG_TMP/closure2.md"; then ok; else bad "closure from stored data differs"; fi

# ---- rights: an auditor may not generate; a project manager may ----
og user add --tenant acme audrey --role auditor >/dev/null
og user add --tenant acme pam --role project-manager >/dev/null
expect_rc 1 "auditor generate" og --as audrey "${G[@]}" runbook --input "$P/northwind-m365.json" --format html
expect_rc 0 "pm generate" og --as pam "${G[@]}" runbook --input "$P/northwind-m365.json" --format pdf -o "$OG_TMP/rb.pdf"

# ---- audit: each generation recorded as artifacts.generate ----
expect_rc 0 "audit list" og audit list --tenant acme --action artifacts.generate --json
if jq -e '[.. | objects | select(.action? == "artifacts.generate")] | length >= 8' "$OG_TMP/out" >/dev/null; then ok; else bad "audit records of artifacts.generate missing"; fi
og_done
