#!/usr/bin/env bash
# test_lazy_libs.sh - libxml2, libarchive and liblinear (and ICU and libstdc++ under them) are
# loaded only by what uses them (util.h, "system libraries only some commands need"): the binary
# links none of them (ldd), a certificate command maps none (LD_DEBUG=files) while a backup maps
# libarchive, an HTML upload libxml2 and model training liblinear; and with one of them missing
# (OPSGATE_TEST_LAZYLIB_MISSING) that path fails with a message naming the library and its Debian
# package, while the rest works.
. "$(dirname "$0")/lib.sh"
command -v ldd >/dev/null 2>&1 || { echo "SKIP: ldd is not installed (libc-bin)" >&2; exit 77; }
: "${OG_BUILD_DIR:?set OG_BUILD_DIR to the build folder}"
BIN=$OG_BUILD_DIR/opsgate
LAZY='lib(xml2|archive|linear|icuuc|icudata|stdc\+\+|blas)\.so'
D=$OG_TMP/data
og() { "$OPSGATE" --data "$D" "$@"; }
# maps FILE: the shared objects a run (LD_DEBUG=files output in FILE) opened
maps() { sed -n 's/.*file=\([^ ]*\) .*\[0\];  needed by.*/\1/p; s/.*file=\([^ ]*\) .*dynamically loaded by.*/\1/p' "$1" | sort -u; }
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in: $(head -c 400 "$1")"; fi; }

# ---- the binary links none of them ----
ldd "$BIN" >"$OG_TMP/ldd" 2>&1 || bad "ldd $BIN failed: $(cat "$OG_TMP/ldd")"
if grep -qE "$LAZY" "$OG_TMP/ldd"; then
  bad "the binary still links $(grep -E "$LAZY" "$OG_TMP/ldd" | tr '\n' ' ')"
else
  ok
fi
echo "the binary needs $(grep -c '=>' "$OG_TMP/ldd") shared objects"

og_init "$D" >/dev/null || exit 1
og tenant create acme >/dev/null || exit 1
og project create --tenant acme nw "Northwind" >/dev/null || exit 1

# ---- a certificate command maps none of them ----
if LD_DEBUG=files "$BIN" --data "$D" cert list --tenant acme >/dev/null 2>"$OG_TMP/cert.ld"; then ok; else
  bad "cert list: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/cert.ld" | head -3)"
fi
maps "$OG_TMP/cert.ld" >"$OG_TMP/cert.maps"
if grep -qE "$LAZY" "$OG_TMP/cert.maps"; then
  bad "cert list mapped $(grep -E "$LAZY" "$OG_TMP/cert.maps" | tr '\n' ' ')"
else ok; fi

# ---- libarchive: a backup loads it; missing, the backup names it and nothing is written ----
if LD_DEBUG=files "$BIN" --data "$D" backup --to "$OG_TMP/b1.tar.zst" >/dev/null 2>"$OG_TMP/bk.ld"; then ok; else
  bad "backup: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/bk.ld" | head -3)"
fi
maps "$OG_TMP/bk.ld" >"$OG_TMP/bk.maps"
if grep -qF libarchive.so.13 "$OG_TMP/bk.maps"; then ok; else bad "a backup did not load libarchive"; fi
if "$OPSGATE" backup verify "$OG_TMP/b1.tar.zst" >/dev/null 2>"$OG_TMP/err"; then ok; else bad "verify: $(cat "$OG_TMP/err")"; fi
export OPSGATE_TEST_LAZYLIB_MISSING=libarchive.so.13
if og backup --to "$OG_TMP/b2.tar.zst" >/dev/null 2>"$OG_TMP/err"; then
  bad "a backup was made without libarchive"
else
  has "$OG_TMP/err" "libarchive.so.13, which backups, restores and tenant exports need" "backup"
  has "$OG_TMP/err" "libarchive13" "backup names the package"
fi
if [ -e "$OG_TMP/b2.tar.zst" ]; then bad "the failed backup left $OG_TMP/b2.tar.zst"; else ok; fi
if "$OPSGATE" backup verify "$OG_TMP/b1.tar.zst" >/dev/null 2>"$OG_TMP/err"; then
  bad "a backup was verified without libarchive"
else has "$OG_TMP/err" "libarchive.so.13" "verify"; fi
if og cert list --tenant acme >/dev/null 2>"$OG_TMP/err"; then ok; else bad "cert list without libarchive: $(cat "$OG_TMP/err")"; fi
unset OPSGATE_TEST_LAZYLIB_MISSING

# ---- libxml2: an HTML upload reads its text through it; missing, the upload names it ----
printf '<html><body><h1>Runbook</h1><p>Restart the service.</p></body></html>\n' >"$OG_TMP/r.html"
if LD_DEBUG=files "$BIN" --data "$D" artifact put "$OG_TMP/r.html" --tenant acme --project nw \
  --name r.html >/dev/null 2>"$OG_TMP/put.ld"; then ok; else
  bad "put HTML: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/put.ld" | head -3)"
fi
maps "$OG_TMP/put.ld" >"$OG_TMP/put.maps"
if grep -qF libxml2.so.2 "$OG_TMP/put.maps"; then ok; else bad "an HTML upload did not load libxml2"; fi
if OPSGATE_TEST_LAZYLIB_MISSING=libxml2.so.2 og artifact put "$OG_TMP/r.html" --tenant acme \
  --project nw --name r2.html >/dev/null 2>"$OG_TMP/err"; then
  bad "an HTML document was stored unread without libxml2"
else
  has "$OG_TMP/err" "libxml2.so.2, which reading HTML and DOCX documents need" "HTML upload"
fi
printf '# Runbook\n\nRestart the service.\n' >"$OG_TMP/r.md"
if OPSGATE_TEST_LAZYLIB_MISSING=libxml2.so.2 og artifact put "$OG_TMP/r.md" --tenant acme \
  --project nw --name r.md >/dev/null 2>"$OG_TMP/err"; then ok; else bad "Markdown without libxml2: $(cat "$OG_TMP/err")"; fi

# ---- liblinear: training loads it; missing, training names it ----
og user add --tenant acme ada --role tenant-admin >/dev/null || exit 1
og gate policy set platform.note L1 --tenant acme >/dev/null || exit 1
for i in 1 2 3 4 5 6 7 8 9; do
  g=$(og gate request platform.note --tenant acme --params "{\"text\":\"n$i\"}" --json | jq -r .gate_id)
  if [ $((i % 3)) -eq 0 ]; then d=override; else d=ack; fi
  og --as ada gate "$d" "$g" >/dev/null 2>&1 || bad "gate $d $g"
done
if OPSGATE_TEST_LAZYLIB_MISSING=liblinear.so.4 og model train --kind platform.note >/dev/null 2>"$OG_TMP/err"; then
  bad "a model was trained without liblinear"
else
  has "$OG_TMP/err" "liblinear.so.4, which training the inference models need" "train"
fi
if LD_DEBUG=files "$BIN" --data "$D" model train --kind platform.note >/dev/null 2>"$OG_TMP/train.ld"; then ok; else
  bad "train: $(grep -v 'file=\|^ *[0-9]*:\s*$' "$OG_TMP/train.ld" | head -3)"
fi
maps "$OG_TMP/train.ld" >"$OG_TMP/train.maps"
if grep -qF liblinear.so.4 "$OG_TMP/train.maps"; then ok; else bad "training did not load liblinear"; fi
og_done
