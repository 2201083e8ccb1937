#!/usr/bin/env bash
# test_brand.sh - the provider's brand on documents: `opsgate brand set|show|clear` for the
# installation and per tenant (field by field override), who may change which, logos decoded and
# refused with the reason (size, pixels, not an image, DOCTYPE, outside references), audit
# records, the HTTP routes (/api/v1/brand, /api/v1/tenants/{t}/brand), and the brand in the PDF
# (cover, running header, Author, the logo embedded), reproducible and in the provenance.
. "$(dirname "$0")/lib.sh"
for t in pdftotext pdfinfo pdfimages; do
  command -v $t >/dev/null 2>&1 || { echo "SKIP: $t is not installed (poppler-utils)" >&2; exit 77; }
done

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$SRC/tests/data/projects
D=$OG_TMP/data
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null && og tenant create beta >/dev/null || exit 1
og user add --tenant acme ada --role tenant-admin >/dev/null
og user add --tenant acme eve --role engineer >/dev/null
og user add --tenant beta bob --role tenant-admin >/dev/null
og project create --tenant acme nw "Northwind" >/dev/null && og project create --tenant beta nw "Northwind" >/dev/null

# expect_rc WANT WHAT CMD...: run CMD, check its exit status; stderr kept in $OG_TMP/err
expect_rc() {
  local want=$1 what=$2; shift 2
  "$@" >"$OG_TMP/out" 2>"$OG_TMP/err"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want ($(head -c 300 "$OG_TMP/err"))"; fi
}
err_has() { grep -qF -- "$1" "$OG_TMP/err" && ok || bad "$2: '$1' not in: $(head -c 300 "$OG_TMP/err")"; }

# ---- logos: a PNG, an SVG, and files that must be refused
python3 - "$OG_TMP" <<'EOF'
import struct, sys, zlib
d = sys.argv[1]
def png(w, h, px):
    raw = b''.join(b'\0' + px * w for _ in range(h))
    c = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + c(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0)) + \
        c(b'IDAT', zlib.compress(raw)) + c(b'IEND', b'')
open(d + '/logo.png', 'wb').write(png(120, 40, bytes([0, 170, 85, 255])))
p = png(8, 8, bytes([1, 2, 3, 255]))
open(d + '/wide.png', 'wb').write(p[:16] + struct.pack('>II', 100000, 100000) + p[24:])
open(d + '/big.png', 'wb').write(png(8, 8, bytes([1, 2, 3, 255])) + b'\0' * (600 * 1024))
open(d + '/broken.png', 'wb').write(p[:40] + b'garbage' * 10)
open(d + '/text.png', 'wb').write(b'just some text, not an image\n')
open(d + '/logo.svg', 'w').write('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48">'
    '<rect width="48" height="48" rx="10" fill="#00aa55"/><circle cx="24" cy="24" r="12" fill="#fff"/></svg>')
open(d + '/entity.svg', 'w').write('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aa">]>'
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">&a;</svg>')
open(d + '/outside.svg', 'w').write('<svg xmlns="http://www.w3.org/2000/svg" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
    '<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>')
EOF

# ---- the installation's brand (the local operator is platform-admin)
expect_rc 0 "show without a brand" og brand show --json
jq -e '.name == null and .logo == null and .scope == "installation"' "$OG_TMP/out" >/dev/null && ok || bad "empty brand: $(cat "$OG_TMP/out")"
expect_rc 0 "set the installation's brand" og brand set --name "Bluefin Managed Services GmbH" \
  --address 'Hafenstrasse 12\n20457 Hamburg' --color '#0a5' --logo "$OG_TMP/logo.svg"
expect_rc 0 "show" og brand show --json
jq -e '.name == "Bluefin Managed Services GmbH" and .address == "Hafenstrasse 12\n20457 Hamburg"
       and .color == "#00aa55" and .logo.media_type == "image/svg+xml" and .sources.logo == "installation"' \
  "$OG_TMP/out" >/dev/null && ok || bad "installation brand: $(cat "$OG_TMP/out")"
expect_rc 0 "show (text)" og brand show
grep -qF "color    #00aa55  (installation)" "$OG_TMP/out" && ok || bad "text show: $(cat "$OG_TMP/out")"

# ---- bad input: refused with the reason, nothing changed
for c in "wide.png:at most 2048x2048 pixels" "big.png:over the limit of 524288 bytes" \
         "broken.png:the PNG does not decode" "text.png:not a PNG or SVG file" \
         "entity.svg:DOCTYPE or entities" "outside.svg:refers to a file or URL outside itself"; do
  expect_rc 1 "logo ${c%%:*}" og brand set --logo "$OG_TMP/${c%%:*}"
  err_has "${c#*:}" "logo ${c%%:*}"
done
expect_rc 1 "bad colour" og brand set --color 'green'
err_has "color: 'green' is not a colour (#rgb or #rrggbb" "bad colour"
expect_rc 1 "control characters in the name" og brand set --name "$(printf 'a\tb')"
expect_rc 2 "set without fields" og brand set
expect_rc 2 "show takes no fields" og brand show --name x
expect_rc 0 "still the SVG" og brand show --json
jq -e '.logo.media_type == "image/svg+xml" and .color == "#00aa55"' "$OG_TMP/out" >/dev/null && ok || bad "a refused change changed the brand"

# ---- a tenant's override, field by field; who may change which
expect_rc 1 "an engineer may not brand the tenant" og --as eve brand set --tenant acme --color '#a05'
err_has "needs the tenant-admin role (you are engineer)" "engineer"
expect_rc 0 "the tenant-admin brands the tenant" og --as ada brand set --tenant acme --color '#a05' --logo "$OG_TMP/logo.png"
expect_rc 1 "another tenant's admin sees no such tenant" og --as bob brand set --tenant acme --color '#000'
expect_rc 0 "tenant show" og --as eve brand show --tenant acme --json
jq -e '.name == "Bluefin Managed Services GmbH" and .sources.name == "installation"
       and .color == "#aa0055" and .sources.color == "tenant" and .logo.media_type == "image/png"
       and .own.color == "#aa0055" and .own.name == null' "$OG_TMP/out" >/dev/null && ok || bad "tenant override: $(cat "$OG_TMP/out")"

# ---- audited, in the scope's chain
expect_rc 0 "audit (tenant)" og audit list --tenant acme --action docgen.brand.set --json
jq -e '[.. | objects | select(.action? == "docgen.brand.set")] | length == 1' "$OG_TMP/out" >/dev/null && ok || bad "tenant brand audit: $(head -c 400 "$OG_TMP/out")"
expect_rc 0 "audit (platform)" og audit list --action docgen.brand.set --json
jq -e '[.. | objects | select(.action? == "docgen.brand.set")] | length >= 1' "$OG_TMP/out" >/dev/null && ok || bad "installation brand audit"

# ---- the brand in the documents: acme with its override (PNG), beta with the installation's
jq 'del(.provider)' "$P/northwind-m365.json" >"$OG_TMP/noprov.json"   # the brand names the provider
expect_rc 0 "acme sow pdf" og generate sow --tenant acme --project nw --format pdf --input "$OG_TMP/noprov.json" -o "$OG_TMP/acme.pdf" --json
jq -e '.brand_sha256 | length == 64' "$OG_TMP/out" >/dev/null && ok || bad "provenance without the brand: $(cat "$OG_TMP/out")"
expect_rc 0 "beta sow pdf" og generate sow --tenant beta --project nw --format pdf --input "$OG_TMP/noprov.json" -o "$OG_TMP/beta.pdf"
for t in acme beta; do
  grep -q "^Author: *Bluefin Managed Services GmbH$" <<<"$(pdfinfo "$OG_TMP/$t.pdf")" && ok || bad "$t Author"
  pdftotext -layout "$OG_TMP/$t.pdf" - | tr -s ' ' >"$OG_TMP/$t.txt"
  grep -qF "Bluefin Managed Services GmbH Northwind Logistics AG · SOW-2026-014" "$OG_TMP/$t.txt" && ok || bad "$t running header"
  grep -qF "20457 Hamburg" "$OG_TMP/$t.txt" && ok || bad "$t cover address"
done
# the PNG logo is embedded once (cover and every header draw the same image); the SVG is vectors
n=$(pdfimages -list "$OG_TMP/acme.pdf" | awk 'NR > 2 && $4 == 120 && $5 == 40' | wc -l)
[ "$n" -ge 1 ] && ok || bad "acme: the 120x40 PNG logo is not in the PDF"
[ "$(pdfimages -list "$OG_TMP/acme.pdf" | awk 'NR > 2 { print $11 }' | sort -u | wc -l)" = 1 ] && ok ||
  bad "acme: the logo is embedded more than once: $(pdfimages -list "$OG_TMP/acme.pdf")"
[ "$(pdfimages -list "$OG_TMP/beta.pdf" | awk 'NR > 2' | wc -l)" = 0 ] && ok || bad "beta: a raster image in the PDF of an SVG logo"
# reproducible with a brand; a new brand makes a new version
expect_rc 0 "regenerate" og generate sow --tenant acme --project nw --format pdf --input "$OG_TMP/noprov.json" -o "$OG_TMP/acme2.pdf"
cmp -s "$OG_TMP/acme.pdf" "$OG_TMP/acme2.pdf" && ok || bad "regenerated branded PDF differs"
err_has "unchanged: sow.pdf version 1" "regenerate"
expect_rc 0 "rebrand" og --as ada brand set --tenant acme --color '#333'
expect_rc 0 "generate after the rebrand" og generate sow --tenant acme --project nw --format pdf --input "$OG_TMP/noprov.json" -o "$OG_TMP/acme3.pdf"
err_has "stored sow.pdf version 2" "rebrand makes a new version"
# without any brand the data must name the provider
expect_rc 0 "clear acme" og --as ada brand clear --tenant acme
expect_rc 1 "clear acme again" og --as ada brand clear --tenant acme
err_has "has no brand of its own" "clear again"
expect_rc 0 "clear installation" og brand clear
expect_rc 1 "no brand, no provider" og generate sow --tenant acme --project nw --dry-run --input "$OG_TMP/noprov.json"
err_has "provider: missing" "no provider"

# ---- HTTP
og_serve "$D" || exit 1
ada=$(og token create --tenant acme --user ada --json | jq -r .token)
eve=$(og token create --tenant acme --user eve --json | jq -r .token)
bob=$(og token create --tenant beta --user bob --json | jq -r .token)
logo=$(base64 -w0 "$OG_TMP/logo.png")
api PUT /api/v1/brand "$admin" '{"name":"Bluefin MSP","color":"#0a5"}'
expect_status 200 "PUT installation brand"
expect_jq .name "Bluefin MSP" "PUT replies with the brand"
api PUT /api/v1/brand "$ada" '{"name":"x"}'
expect_status 403 "a tenant-admin may not brand the installation"
expect_jq .error.message "changing the installation's brand needs the platform-admin role (you are tenant-admin); a tenant-admin sets the brand of its own tenant" "why"
api GET /api/v1/brand "$eve"
expect_status 200 "any user reads the installation's brand"
api PUT /api/v1/tenants/acme/brand "$ada" "{\"logo\":\"$logo\",\"accent\":\"#123456\"}"
expect_status 200 "PUT tenant brand"
expect_jq .logo.media_type "image/png" "tenant logo"
expect_jq .sources.name "installation" "name inherited"
api PUT /api/v1/tenants/acme/brand "$eve" '{"color":"#000"}'
expect_status 403 "an engineer may not brand the tenant"
api PUT /api/v1/tenants/acme/brand "$bob" '{"color":"#000"}'
expect_status 404 "another tenant's admin"
api GET /api/v1/tenants/acme/brand "$bob"
expect_status 404 "another tenant's brand is not found"
api PUT /api/v1/tenants/acme/brand "$ada" '{"logo":"%%%"}'
expect_status 400 "logo not base64"
api PUT /api/v1/tenants/acme/brand "$ada" "{\"logo\":\"$(printf 'hello' | base64)\"}"
expect_status 400 "logo not an image"
expect_jq .error.message "logo: not a PNG or SVG file" "the reason"
api PUT /api/v1/tenants/acme/brand "$ada" '{"colour":"#000"}'
expect_status 400 "unknown field"
api PUT /api/v1/tenants/acme/brand "$ada" '{"accent":""}'
expect_status 200 "remove a field"
expect_jq '.accent' "null" "accent removed"
api DELETE /api/v1/tenants/acme/brand "$ada"
expect_status 204 "DELETE tenant brand"
api DELETE /api/v1/tenants/acme/brand "$ada"
expect_status 404 "DELETE again"
og_done
