#!/usr/bin/env bash
# test_modules.sh - the PDF stack is loaded only when a PDF is made or read: the binary needs no
# cairo, pango, librsvg, poppler or glib (ldd); a Markdown document maps none of them while a PDF
# maps cairo and pango and a PDF upload poppler (LD_DEBUG=files); each module exports only its
# table and calls back only into what src/modules.exports lists, which the binary exports (a
# generated PDF is also indexed as it is stored, so it maps poppler as well); a
# missing module (OPSGATE_MODULE_DIR naming an empty folder) or a broken one fails PDF output, a
# logo check and a PDF upload with a message naming it, while Markdown still works; and
# `cmake --install` to another prefix puts the modules where the installed binary finds them.
. "$(dirname "$0")/lib.sh"
for t in nm ldd; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (binutils, libc-bin)" >&2; exit 77; }
done
: "${OG_BUILD_DIR:?set OG_BUILD_DIR to the build folder}"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=$OG_BUILD_DIR/opsgate
P=$SRC/tests/data/projects
HEAVY='lib(cairo|pango|pangocairo|rsvg-2|poppler|poppler-glib|glib-2\.0|gobject-2\.0|fontconfig|harfbuzz)\.so'

# ---- the binary links none of the PDF stack ----
ldd "$BIN" >"$OG_TMP/ldd" 2>&1 || bad "ldd $BIN failed: $(cat "$OG_TMP/ldd")"
if grep -qE "$HEAVY" "$OG_TMP/ldd"; then
  bad "the binary still links the PDF stack: $(grep -E "$HEAVY" "$OG_TMP/ldd" | tr '\n' ' ')"
else
  ok
fi
n=$(grep -c '=>' "$OG_TMP/ldd")
echo "the binary needs $n shared objects"

# ---- the modules' interface: one table each, callbacks only to what the binary exports ----
want=$(grep '^og_' "$SRC/src/modules.exports" | sort)
nm -D --defined-only "$BIN" | awk '{print $3}' | grep '^og_' | sort >"$OG_TMP/bin.exp"
if [ "$(cat "$OG_TMP/bin.exp")" = "$want" ]; then ok; else
  bad "the binary exports $(tr '\n' ' ' <"$OG_TMP/bin.exp"), want exactly src/modules.exports"
fi
for m in pdf:og_docgen__pdf_module pdftext:og_infer__pdftext_module; do
  so=$OG_BUILD_DIR/opsgate-${m%%:*}.so
  if [ ! -f "$so" ]; then bad "$so was not built"; continue; fi
  defs=$(nm -D --defined-only "$so" | awk '$2 != "A" {print $3}' | grep -v '^_' | tr '\n' ' ')
  if [ "$defs" = "${m#*:} " ]; then ok; else bad "$so exports '$defs', want only ${m#*:}"; fi
  nm -D --undefined-only "$so" | awk '{print $2}' | grep '^og_' | sort >"$OG_TMP/und"
  extra=$(comm -23 "$OG_TMP/und" <(printf '%s\n' "$want"))
  if [ -s "$OG_TMP/und" ] && [ -z "$extra" ]; then ok; else
    bad "$so calls $(tr '\n' ' ' <<<"$extra")which src/modules.exports does not list (or nothing)"
  fi
  deps=$(ldd "$so")
  if grep -qE 'lib(cairo|poppler)' <<<"$deps"; then ok; else bad "$so does not link its library"; fi
done

# ---- what a run maps: Markdown nothing of the stack, PDF the renderer, a PDF upload poppler ----
D=$OG_TMP/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1
og project create --tenant acme nw "Northwind" >/dev/null || exit 1
G=(generate --tenant acme --project nw sow --input "$P/northwind-m365.json")
# maps FILE: the shared objects a run (LD_DEBUG=files output in FILE) opened
maps() { sed -n 's/.*file=\([^ ]*\) .*\[0\];  needed by.*/\1/p; s/.*file=\([^ ]*\) .*dynamically loaded by.*/\1/p' "$1" | sort -u; }
if LD_DEBUG=files "$BIN" --data "$D" "${G[@]}" -o "$OG_TMP/sow.md" 2>"$OG_TMP/md.ld"; then ok; else
  bad "generate md: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/md.ld" | head -3)"
fi
maps "$OG_TMP/md.ld" >"$OG_TMP/md.maps"
if grep -qE "$HEAVY|opsgate-pdf" "$OG_TMP/md.maps"; then
  bad "a Markdown document mapped $(grep -E "$HEAVY|opsgate-pdf" "$OG_TMP/md.maps" | tr '\n' ' ')"
else ok; fi
if LD_DEBUG=files "$BIN" --data "$D" "${G[@]}" --format pdf -o "$OG_TMP/sow.pdf" 2>"$OG_TMP/pdf.ld"; then ok; else
  bad "generate pdf: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/pdf.ld" | head -3)"
fi
if [ "$(head -c 5 "$OG_TMP/sow.pdf" 2>/dev/null)" = "%PDF-" ]; then ok; else bad "sow.pdf is not a PDF"; fi
maps "$OG_TMP/pdf.ld" >"$OG_TMP/pdf.maps"
for lib in opsgate-pdf.so libcairo.so libpangocairo-1.0.so; do
  if grep -qF "$lib" "$OG_TMP/pdf.maps"; then ok; else bad "a PDF did not load $lib"; fi
done
if LD_DEBUG=files "$BIN" --data "$D" artifact put "$OG_TMP/sow.pdf" --tenant acme --project nw \
  --name up.pdf 2>"$OG_TMP/put.ld" >/dev/null; then ok; else bad "put a PDF: $(grep -v 'file=' "$OG_TMP/put.ld" | head -3)"; fi
maps "$OG_TMP/put.ld" >"$OG_TMP/put.maps"
if grep -qF opsgate-pdftext.so "$OG_TMP/put.maps" && grep -qF libpoppler "$OG_TMP/put.maps"; then
  ok
else
  bad "a PDF upload did not read it through opsgate-pdftext.so"
fi
og artifact show --tenant acme --project nw --name up.pdf --json >"$OG_TMP/show.json" 2>&1
if jq -e '.latest_version.proposal.dates | length > 0' "$OG_TMP/show.json" >/dev/null 2>&1; then ok; else
  bad "the uploaded PDF has no proposal read from its text: $(head -c 300 "$OG_TMP/show.json")"
fi

# ---- a missing or broken module: PDF fails with its name, the rest works ----
mkdir -p "$OG_TMP/empty" "$OG_TMP/broken"
printf 'not a shared object\n' >"$OG_TMP/broken/opsgate-pdf.so"
for dir in empty broken; do
  export OPSGATE_MODULE_DIR=$OG_TMP/$dir
  if og "${G[@]}" --format pdf -o "$OG_TMP/x.pdf" 2>"$OG_TMP/err"; then
    bad "$dir: a PDF was made without the module"
  elif grep -q "opsgate-pdf.so" "$OG_TMP/err" && grep -qF "$OG_TMP/$dir" "$OG_TMP/err"; then
    ok
  else
    bad "$dir: the error does not name the module and where it looked: $(cat "$OG_TMP/err")"
  fi
  if [ "$dir" = empty ] && ! grep -q "is not installed" "$OG_TMP/err"; then bad "empty: $(cat "$OG_TMP/err")"; fi
  if [ "$dir" = broken ] && ! grep -q "does not load" "$OG_TMP/err"; then bad "broken: $(cat "$OG_TMP/err")"; fi
  if og "${G[@]}" -o "$OG_TMP/again.md" 2>"$OG_TMP/err"; then ok; else bad "$dir: Markdown failed: $(cat "$OG_TMP/err")"; fi
  unset OPSGATE_MODULE_DIR
done
printf '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n' >"$OG_TMP/logo.svg"
if OPSGATE_MODULE_DIR=$OG_TMP/empty og brand set --logo "$OG_TMP/logo.svg" 2>"$OG_TMP/err"; then
  bad "a logo was checked without the module"
elif grep -q "checking a logo: opsgate-pdf.so" "$OG_TMP/err"; then ok; else bad "logo: $(cat "$OG_TMP/err")"; fi
if OPSGATE_MODULE_DIR=$OG_TMP/empty og artifact put "$OG_TMP/sow.pdf" --tenant acme --project nw \
  --name up2.pdf 2>"$OG_TMP/err" >/dev/null; then
  bad "a PDF was stored unread without the text module"
elif grep -q "opsgate-pdftext.so" "$OG_TMP/err"; then ok; else bad "pdftext: $(cat "$OG_TMP/err")"; fi
if og artifact show --tenant acme --project nw --name up2.pdf >/dev/null 2>&1; then
  bad "the refused upload was stored"
else ok; fi
if og brand set --logo "$OG_TMP/logo.svg" >/dev/null 2>"$OG_TMP/err"; then ok; else bad "logo with the module: $(cat "$OG_TMP/err")"; fi

# ---- installed elsewhere: the binary finds its modules relative to itself ----
if command -v cmake >/dev/null 2>&1; then
  stage=$OG_TMP/stage
  if DESTDIR=$stage cmake --install "$OG_BUILD_DIR" --prefix /opt/og >"$OG_TMP/inst" 2>&1; then ok; else
    bad "cmake --install: $(tail -n 3 "$OG_TMP/inst")"
  fi
  so=$(find "$stage/opt/og" -name opsgate-pdf.so -path '*/opsgate/*' | head -n 1)
  if [ -n "$so" ] && [ -f "$(dirname "$so")/opsgate-pdftext.so" ]; then ok; else bad "no modules under $stage/opt/og"; fi
  if LD_DEBUG=files "$stage/opt/og/bin/opsgate" --data "$D" "${G[@]}" --format pdf \
    -o "$OG_TMP/inst.pdf" 2>"$OG_TMP/inst.ld" && [ "$(head -c 5 "$OG_TMP/inst.pdf")" = "%PDF-" ]; then
    ok
  else
    bad "the installed binary's PDF: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/inst.ld" | head -3)"
  fi
  loaded=$(maps "$OG_TMP/inst.ld" | grep opsgate-pdf.so | xargs -r realpath -m)
  if grep -qx "$so" <<<"$loaded"; then ok; else
    bad "the installed binary did not load $so: $(maps "$OG_TMP/inst.ld" | grep opsgate-pdf)"
  fi
else
  echo "cmake is not installed: the install layout is not checked"
fi
og_done
