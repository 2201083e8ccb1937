#!/usr/bin/env bash
# test_backup.sh - `opsgate backup`, `backup verify` and `restore` round-trip a data folder with
# two tenants, artifacts over 256 KiB (object files) in several versions, small ones in the
# database, and a certificate, taken while the server runs and keeps writing: every version reads
# back byte-identical, `audit verify` passes, a proof made before the backup verifies against the
# restored installation's key and is the same proof there. With --include-keys the key comes back
# with the passphrase (a wrong one restores nothing). A changed or cut archive fails verify;
# kill -9 during a backup leaves no archive that verifies (and the next backup removes its
# temporary files); a disk found full (prlimit --fsize) fails backup and restore cleanly.
export OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"

og_cli_start "$OG_TMP/data"
for t in acme globex; do
  run 0 "tenant $t" og tenant create $t
  run 0 "project $t" og project create --tenant $t fw "Firewall $t"
  for v in 1 2 3; do
    head -c $((300000 + v * 100000)) /dev/urandom >"$OG_TMP/$t-big-$v"
    printf '# SOW %s v%s\n\nScope: cutover.\n' "$t" "$v" >"$OG_TMP/$t-sow-$v.md"
    run 0 "put big $t v$v" og artifact put --tenant $t --project fw --name big.bin "$OG_TMP/$t-big-$v"
    run 0 "put sow $t v$v" og artifact put --tenant $t --project fw --name sow.md --kind sow "$OG_TMP/$t-sow-$v.md"
  done
done
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$OG_TMP/c.key" -out "$OG_TMP/c.pem" -days 30 \
  -subj /CN=vpn.acme.example -addext subjectAltName=DNS:vpn.acme.example >/dev/null 2>&1
run 0 "cert import" og cert import "$OG_TMP/c.pem" --tenant acme
run 0 "checkpoint" og audit checkpoint
run 0 "prove before" og audit prove --tenant acme --seq 3 --json
echo "$out" >"$OG_TMP/proof.json"
run 0 "pubkey" og audit pubkey
echo "$out" >"$OG_TMP/pub.pem"
nobj=$(find "$D/objects" -type f | wc -l)
[ "$nobj" -ge 6 ] && ok || bad "artifacts over 256 KiB are object files ($nobj)"

# --- while the server runs and a client keeps writing
og_serve "$D" || { bad "serve"; og_done; }
(for i in $(seq 1 40); do
  curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $tok" \
    -X POST "$OG_URL/api/v1/tenants" -H 'Content-Type: application/json' -d "{\"name\":\"w$i\"}"
done) >"$OG_TMP/writes" &
wpid=$!
run 0 "backup while serving" og backup --to "$OG_TMP/b1.tar.zst" --json
wait $wpid
[ "$(jq -r .objects <<<"$out")" -ge 6 ] && ok || bad "objects in the backup: $out"
[ "$(jq -r .keys_included <<<"$out")" = false ] && ok || bad "no key by default: $out"
bad_writes=$(grep -vc '^201$' "$OG_TMP/writes")
[ "$bad_writes" = 0 ] && ok || bad "the server kept taking writes during the backup: $(sort "$OG_TMP/writes" | uniq -c)"
api GET /api/v1/whoami "$tok"
expect_status 200 "the server serves after the backup"
og_stop
[ "$(stat -c %a "$OG_TMP/b1.tar.zst")" = 600 ] && ok || bad "archive mode"
left=$(ls -A "$OG_TMP")
grep -q '^\.b1\.tar\.zst\.' <<<"$left" && bad "temporary files left: $left" || ok
[ -z "$(ls -A "$D/backup-staging" 2>/dev/null)" ] && ok || bad "staging left in the data folder"

run 0 "verify" "$OPSGATE" backup verify "$OG_TMP/b1.tar.zst" --json
[ "$(jq -r .format <<<"$out")" = opsgate-backup ] && ok || bad "manifest format: $out"
[ "$(jq -r '.schemas.audit' <<<"$out")" -ge 1 ] && ok || bad "schema versions: $out"
[ "$(jq -r '[.audit_chains[] | select(.checkpoint != null)] | length' <<<"$out")" -ge 3 ] && ok ||
  bad "chains with checkpoints: $out"
tar --zstd -tf "$OG_TMP/b1.tar.zst" >"$OG_TMP/list" && ok || bad "a plain tar + zstd archive"
[ "$(tail -1 "$OG_TMP/list")" = MANIFEST.json ] && ok || bad "manifest last: $(tail -1 "$OG_TMP/list")"
grep -q master.key "$OG_TMP/list" && bad "a key in a backup made without keys" || ok

# --- restore with the key kept apart
R="$OG_TMP/restored"
run 1 "restore without a key" "$OPSGATE" --data "$R" restore --from "$OG_TMP/b1.tar.zst" </dev/null
[ ! -e "$R" ] && ok || bad "a refused restore made the folder"
run 0 "restore" "$OPSGATE" --data "$R" restore --from "$OG_TMP/b1.tar.zst" --master-key "$D/master.key"
grep -q "audit trail verifies" <<<"$out" && ok || bad "restore says it verified: $out"
grep -q "records up to seq" <<<"$out" && ok || bad "restore says what it covers: $out"
r() { "$OPSGATE" --data "$R" "$@"; }
run 0 "verify restored" r audit verify
# the database went into the archive page by page while the client wrote: a sound SQLite file
if command -v sqlite3 >/dev/null 2>&1; then
  [ "$(sqlite3 "$R/opsgate.db" 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity_check of the restored database"
  tar --zstd -xOf "$OG_TMP/b1.tar.zst" opsgate.db >"$OG_TMP/archived.db"
  [ "$(sqlite3 "$OG_TMP/archived.db" 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity_check of the archived database"
else
  echo "SKIP: integrity_check needs the sqlite3 command" >&2
fi
for t in acme globex; do
  for v in 1 2 3; do
    run 0 "get $t big v$v" r artifact get --tenant $t --project fw --name big.bin --version $v -o "$OG_TMP/o"
    cmp -s "$OG_TMP/o" "$OG_TMP/$t-big-$v" && ok || bad "$t big.bin v$v differs after restore"
    run 0 "get $t sow v$v" r artifact get --tenant $t --project fw --name sow.md --version $v -o "$OG_TMP/o"
    cmp -s "$OG_TMP/o" "$OG_TMP/$t-sow-$v.md" && ok || bad "$t sow.md v$v differs after restore"
  done
done
run 0 "certs restored" r cert list --tenant acme --json
[ "$(jq -r '.certs | length' <<<"$out")" = 1 ] && ok || bad "the certificate: $out"
r audit pubkey >"$OG_TMP/pub2.pem"
cmp -s "$OG_TMP/pub.pem" "$OG_TMP/pub2.pem" && ok || bad "the same audit key"
run 0 "old proof verifies" r audit verify-proof "$OG_TMP/proof.json" --pubkey "$OG_TMP/pub2.pem"
run 0 "prove after" r audit prove --tenant acme --seq 3 --json
[ "$(jq -S . <<<"$out")" = "$(jq -S . "$OG_TMP/proof.json")" ] && ok || bad "the same proof after restore"
run 1 "restore into an existing folder" "$OPSGATE" --data "$R" restore --from "$OG_TMP/b1.tar.zst" --master-key "$D/master.key"
grep -q "exists" <<<"$err" && ok || bad "names the reason: $err"
run 1 "another installation's key" "$OPSGATE" --data "$OG_TMP/r-wrong" restore --from "$OG_TMP/b1.tar.zst" \
  --master-key "$OG_TMP/restored/master.key.nosuch"
head -c 32 /dev/urandom >"$OG_TMP/other.key"; chmod 600 "$OG_TMP/other.key"
run 1 "a wrong master key" "$OPSGATE" --data "$OG_TMP/r-wrong" restore --from "$OG_TMP/b1.tar.zst" --master-key "$OG_TMP/other.key"
grep -q "another installation" <<<"$err" && ok || bad "names a wrong key: $err"
[ ! -e "$OG_TMP/r-wrong" ] && [ -z "$(ls -A "$OG_TMP" | grep '\.r-wrong\.restore-')" ] && ok || bad "a failed restore left files"

# --- with the key inside, under a passphrase
printf 'correct horse battery staple\n' >"$OG_TMP/pass"; chmod 600 "$OG_TMP/pass"
printf 'not the passphrase at all\n' >"$OG_TMP/wrong"; chmod 600 "$OG_TMP/wrong"
run 2 "a passphrase on the command line is not an option" og backup --to "$OG_TMP/x" --include-keys --passphrase secret
chmod 644 "$OG_TMP/pass"
run 1 "a passphrase file others may read" og backup --to "$OG_TMP/b2.tar.zst" --include-keys --passphrase-file "$OG_TMP/pass"
chmod 600 "$OG_TMP/pass"
run 0 "backup with keys" og backup --to "$OG_TMP/b2.tar.zst" --include-keys --passphrase-file "$OG_TMP/pass"
tar --zstd -xOf "$OG_TMP/b2.tar.zst" keys/master.key.sealed >"$OG_TMP/sealed"
[ "$(stat -c %s "$OG_TMP/sealed")" = 84 ] && ok || bad "the sealed key entry: $(stat -c %s "$OG_TMP/sealed") bytes"
grep -qF "$(xxd -p "$D/master.key" | tr -d '\n')" <(xxd -p "$OG_TMP/b2.tar.zst" | tr -d '\n') &&
  bad "the raw key is in the archive" || ok
run 1 "restore with a wrong passphrase" "$OPSGATE" --data "$OG_TMP/r2" restore --from "$OG_TMP/b2.tar.zst" --passphrase-file "$OG_TMP/wrong"
grep -q "passphrase" <<<"$err" && ok || bad "names the passphrase: $err"
[ ! -e "$OG_TMP/r2" ] && ok || bad "a wrong passphrase made the folder"
run 0 "restore with the passphrase" "$OPSGATE" --data "$OG_TMP/r2" restore --from "$OG_TMP/b2.tar.zst" --passphrase-file "$OG_TMP/pass"
cmp -s "$D/master.key" "$OG_TMP/r2/master.key" && ok || bad "the key came back"
[ "$(stat -c %a "$OG_TMP/r2/master.key")" = 600 ] && ok || bad "restored key mode"

# --- changed and cut archives
cp "$OG_TMP/b1.tar.zst" "$OG_TMP/changed"
size=$(stat -c %s "$OG_TMP/changed")
printf '\x55' | dd of="$OG_TMP/changed" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run 1 "verify a changed archive" "$OPSGATE" backup verify "$OG_TMP/changed"
head -c $((size * 3 / 4)) "$OG_TMP/b1.tar.zst" >"$OG_TMP/cut"
run 1 "verify a cut archive" "$OPSGATE" backup verify "$OG_TMP/cut"
run 1 "restore a cut archive" "$OPSGATE" --data "$OG_TMP/r3" restore --from "$OG_TMP/cut" --master-key "$D/master.key"
[ ! -e "$OG_TMP/r3" ] && ok || bad "a cut archive was restored"
run 1 "backup over an existing file" og backup --to "$OG_TMP/b1.tar.zst"
run 2 "verify needs its file" "$OPSGATE" backup verify

# --- kill -9 in the middle: no archive that verifies, the next backup sweeps
for i in $(seq 1 8); do head -c 8000000 /dev/urandom >"$OG_TMP/bulk"
  og artifact put --tenant globex --project fw --name "bulk$i.bin" "$OG_TMP/bulk" >/dev/null || bad "bulk $i"; done
og_serve "$D" || { bad "serve"; og_done; }
killed=0
for try in 1 2 3 4 5; do
  "$OPSGATE" --data "$D" backup --to "$OG_TMP/k$try.tar.zst" >/dev/null 2>&1 &
  bpid=$!
  for _ in $(seq 1 400); do
    p=$(ls "$OG_TMP"/.k$try.tar.zst.partial-* 2>/dev/null | head -1)
    [ -n "$p" ] && [ "$(stat -c %s "$p" 2>/dev/null || echo 0)" -gt 1000000 ] && break
    sleep 0.01
  done
  kill -KILL $bpid 2>/dev/null && killed=1
  wait $bpid 2>/dev/null
  [ "$killed" = 1 ] && [ ! -e "$OG_TMP/k$try.tar.zst" ] && break
  killed=0
done
[ "$killed" = 1 ] && ok || bad "could not kill a backup in the middle"
[ ! -e "$OG_TMP/k$try.tar.zst" ] && ok || bad "a killed backup left its archive"
left=$(ls "$OG_TMP"/.k$try.tar.zst.* 2>/dev/null | wc -l)
[ "$left" -ge 1 ] && ok || bad "the killed backup's temporary file is where the next one finds it"
for p in "$OG_TMP"/.k$try.tar.zst.partial-*; do
  [ -e "$p" ] || continue
  "$OPSGATE" backup verify "$p" >/dev/null 2>&1 && bad "a killed backup's file verifies" || ok
done
api GET /api/v1/whoami "$tok"
expect_status 200 "the server serves after the kill"
run 0 "the next backup" og backup --to "$OG_TMP/k$try.tar.zst"
[ "$(ls -A "$OG_TMP" | grep -c "^\.k$try\.tar\.zst\.")" = 0 ] && ok || bad "stale temporary files kept"
[ -z "$(ls -A "$D/backup-staging" 2>/dev/null)" ] && ok || bad "stale staging kept: $(ls -A "$D/backup-staging")"
og_stop

# --- tenant export: a client's data in open formats, audited
run 0 "user" og user add --tenant acme pam --role project-manager
run 1 "a project manager may not export" og --as pam tenant export --tenant acme --to "$OG_TMP/e0.tar.zst"
[ ! -e "$OG_TMP/e0.tar.zst" ] && ok || bad "a refused export wrote a file"
run 0 "tenant export" og tenant export --tenant acme --to "$OG_TMP/e1.tar.zst" --json
[ "$(jq -r .counts.versions <<<"$out")" = 6 ] && ok || bad "six versions exported: $out"
[ "$(jq -r .counts.private_keys <<<"$out")" = 0 ] && ok || bad "no keys unless asked: $out"
X="$OG_TMP/x1"; mkdir -p "$X"
tar --zstd -xf "$OG_TMP/e1.tar.zst" -C "$X" && ok || bad "the export is a plain tar + zstd archive"
(cd "$X" && jq -r '.files[] | "\(.sha256)  \(.path)"' MANIFEST.json | sha256sum -c --quiet) && ok ||
  bad "the export's files match their manifest"
for v in 1 2 3; do
  f=$(jq -r --arg v "$v" '.[].artifacts[] | select(.name == "big.bin") | .versions[] | select(.version == ($v | tonumber)) | .file' "$X/artifacts/index.json")
  cmp -s "$X/$f" "$OG_TMP/acme-big-$v" && ok || bad "exported big.bin v$v differs ($f)"
done
grep -rq globex "$X" && bad "another tenant's data in the export" || ok
ls "$X"/certificates/*.pem >/dev/null 2>&1 && ok || bad "the certificate as PEM"
ls "$X"/certificates/*.key.pem >/dev/null 2>&1 && bad "a private key without --private-keys" || ok
[ "$(wc -l <"$X/audit/records.jsonl")" -ge 7 ] && ok || bad "the audit chain"
jq -c '.[0]' "$X/audit/proofs.json" >"$OG_TMP/xproof.json"
run 0 "an exported proof verifies with the exported key" og audit verify-proof "$OG_TMP/xproof.json" --pubkey "$X/audit/pubkey.pem"
run 0 "the export is audited" og audit list --tenant acme --action tenant.export --json
[ "$(jq -r '.records | length' <<<"$out")" = 1 ] && ok || bad "one tenant.export record: $out"
cp "$OG_TMP/c.pem" "$OG_TMP/bundle.pem"; cat "$OG_TMP/c.key" >>"$OG_TMP/bundle.pem"
run 0 "import with its key" og cert import "$OG_TMP/bundle.pem" --tenant acme
run 0 "export with keys" og tenant export --tenant acme --to "$OG_TMP/e2.tar.zst" --private-keys
list2=$(tar --zstd -tf "$OG_TMP/e2.tar.zst")
grep -q 'certificates/.*\.key\.pem' <<<"$list2" && ok || bad "the key with --private-keys"
run 1 "export over a file" og tenant export --tenant acme --to "$OG_TMP/e2.tar.zst"

# --- disk full (a file-size limit: writes fail with EFBIG as with ENOSPC)
if command -v prlimit >/dev/null 2>&1; then
  prlimit --fsize=2000000 "$OPSGATE" --data "$D" backup --to "$OG_TMP/full.tar.zst" >/dev/null 2>"$OG_TMP/err"
  rc=$?
  [ "$rc" = 1 ] && ok || bad "backup on a full disk: exit $rc $(cat "$OG_TMP/err")"
  grep -qiE 'too large|no space' "$OG_TMP/err" && ok || bad "names the problem: $(cat "$OG_TMP/err")"
  [ ! -e "$OG_TMP/full.tar.zst" ] && [ "$(ls -A "$OG_TMP" | grep -c '^\.full\.tar\.zst\.')" = 0 ] && ok ||
    bad "a failed backup left files"
  # a limit inside the database's entry (streamed after the object files)
  dbz=$(tar --zstd -xOf "$OG_TMP/b1.tar.zst" opsgate.db | zstd -1 -q -c | wc -c)
  lim=$(tar --zstd -tvf "$OG_TMP/b1.tar.zst" | awk -v z="$dbz" '$6 == "opsgate.db" { print before + int(z / 2); exit } { before += $3 + 1024 }')
  prlimit --fsize="$lim" "$OPSGATE" --data "$D" backup --to "$OG_TMP/full.tar.zst" >/dev/null 2>"$OG_TMP/err"
  rc=$?
  [ "$rc" = 1 ] && ok || bad "backup on a full disk in the database: exit $rc $(cat "$OG_TMP/err")"
  grep -qiE 'too large|no space' "$OG_TMP/err" && ok || bad "names the problem: $(cat "$OG_TMP/err")"
  [ ! -e "$OG_TMP/full.tar.zst" ] && [ "$(ls -A "$OG_TMP" | grep -c '^\.full\.tar\.zst\.')" = 0 ] && ok ||
    bad "a failed backup left files"
  prlimit --fsize=400000 "$OPSGATE" --data "$OG_TMP/r4" restore --from "$OG_TMP/b1.tar.zst" \
    --master-key "$D/master.key" >/dev/null 2>"$OG_TMP/err"
  rc=$?
  [ "$rc" = 1 ] && ok || bad "restore on a full disk: exit $rc $(cat "$OG_TMP/err")"
  grep -qiE 'too large|no space' "$OG_TMP/err" && ok || bad "names the problem: $(cat "$OG_TMP/err")"
  [ ! -e "$OG_TMP/r4" ] && [ "$(ls -A "$OG_TMP" | grep -c '^\.r4\.restore-')" = 0 ] && ok ||
    bad "a failed restore left files"
  run 0 "audit verify after the failures" og audit verify
fi
og_done
