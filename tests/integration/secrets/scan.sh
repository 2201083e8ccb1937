# scan.sh - find secrets in outputs and files: sourced by test_secrets_leak.sh.
#
# A secret is given as bytes (a file). Its forms are the bytes themselves, their hex (lower and
# upper case) and their base64 and base64url at each of the three alignments a secret can have
# inside a longer base64 text (the groups that mix in neighbouring bytes are cut off). A file
# holds the secret when any form occurs in its text, or the hex form in its hex dump (raw bytes
# anywhere in a binary file such as the SQLite database).
#
#   secret_forms BYTESFILE OUTFILE    write the forms, one a line
#   scan_prepare FILE...              the files to search (their hex dumps made once)
#   scan_hits FORMS                   print the prepared files holding any form

secret_forms() {
  local f=$1 out=$2 k b64
  : >"$out"
  # Text forms only for printable secrets (a raw binary secret has no text form of its own):
  # every byte printable, no newline. Not grep: on binary data it may take a NUL byte for a line's
  # end and call an empty or printable piece of a random key a printable line.
  if [ -s "$f" ] && [ "$(LC_ALL=C tr -d '[:print:]' <"$f" | wc -c)" = 0 ]; then
    cat "$f" >>"$out"; echo >>"$out"
  fi
  od -An -v -tx1 "$f" | tr -d ' \n' >>"$out"; echo >>"$out"
  od -An -v -tx1 "$f" | tr -d ' \n' | tr a-f A-F >>"$out"; echo >>"$out"
  for k in 0 1 2; do
    b64=$({ head -c "$k" /dev/zero; cat "$f"; } | base64 -w0)
    # Drop the first group when it mixes in the padding bytes, and the last group always.
    [ "$k" -gt 0 ] && b64=${b64:4}
    b64=${b64:0:$(( (${#b64} / 4 - 1) * 4 ))}
    [ ${#b64} -ge 12 ] || continue
    printf '%s\n' "$b64" >>"$out"
    printf '%s\n' "$b64" | tr '+/' '-_' >>"$out"
  done
  sort -u -o "$out" "$out"
  sed -i '/^$/d' "$out"
}

# scan_prepare FILE...: hex dumps of the files into $SCAN_CACHE (file N's is N.hex, listed in
# $SCAN_CACHE/index as "N.hex<TAB>FILE"); scan_hits then searches the files so prepared.
scan_prepare() {
  local f i=0
  : >"$SCAN_CACHE/index"
  for f in "$@"; do
    i=$((i + 1))
    od -An -v -tx1 "$f" | tr -d ' \n' >"$SCAN_CACHE/$i.hex"
    printf '%s\t%s\n' "$i.hex" "$f" >>"$SCAN_CACHE/index"
  done
}

# scan_hits FORMS: the prepared files holding any form, one a line ("(raw bytes)" when only the
# hex dump holds it).
scan_hits() {
  local forms=$1 hexform files=()
  mapfile -t files < <(cut -f2 "$SCAN_CACHE/index")
  [ "${#files[@]}" -gt 0 ] || return 0
  LC_ALL=C grep -a -l -F -f "$forms" -- "${files[@]}" 2>/dev/null
  hexform=$(LC_ALL=C grep -a -x '[0-9a-f]\{24,\}' "$forms" | head -1)
  [ -n "$hexform" ] || return 0
  (cd "$SCAN_CACHE" && grep -l -F -- "$hexform" $(cut -f1 index) 2>/dev/null) |
    while read -r h; do printf '%s (raw bytes)\n' "$(grep -P "^\Q$h\E\t" "$SCAN_CACHE/index" | cut -f2)"; done
}
