#!/usr/bin/env bash
# make-fixture.sh COMMIT [NAME] - write the upgrade fixture tests/data/upgrade/NAME/ with the
# opsgate of an older COMMIT of this repository (NAME defaults to DATE-SHORTHASH of the commit).
#
# It builds COMMIT's binary in a temporary git worktree (ccache, `JOBS` jobs, default 2, -O0: only
# the data it writes matters), runs a scripted scenario with it on a fresh data folder (tenants,
# users, projects, artifact versions - one object over 256 KiB, which lands in a file - restore,
# locks, grants, holds, retention, generated documents, certificate import, schedules, gate policy
# and items, channels, targets, a crypto-shredded tenant, an audit checkpoint and proof) and
# stores what that binary left, compactly:
#
#   COMMIT            the commit (hash, date, subject) the fixture was written by
#   schema.tsv        module TAB schema version, from the og_schema table
#   db.sql.zst        `sqlite3 .dump` of opsgate.db (zstd)
#   files.tar.zst     every other file of the data folder: master.key, objects/, ... (zstd)
#   artifacts.tsv     tenant TAB project TAB name TAB version TAB sha256, every artifact version,
#                     the SHA-256 read back through that binary (`artifact get`)
#   proof.json        `audit prove --tenant acme --seq 3` and pubkey.pem, when that binary has them
#   scenario.log      which scenario steps ran, which ones that commit's CLI did not have
#
# tests/integration/test_upgrade_history.sh opens each fixture with the current binary.
# OG_FIXTURE_BINARY=PATH uses a binary already built from COMMIT instead of building one (say, the
# build of a fresh checkout of COMMIT); the script cannot check that it is COMMIT's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || {
  echo "usage: $0 COMMIT [NAME]" >&2
  exit 2
}
for t in git cmake ninja sqlite3 zstd jq openssl sha256sum tar; do
  command -v "$t" >/dev/null || {
    echo "make-fixture: $t is needed" >&2
    exit 1
  }
done
commit=$(git -C "$root" rev-parse --verify "$1^{commit}")
short=${commit:0:7}
day=$(TZ=UTC git -C "$root" show -s --format=%cd --date=format-local:%Y-%m-%d "$commit")
name=${2:-$day-$short}
out=$here/$name
work=$(mktemp -d "${TMPDIR:-/tmp}/og-fixture.XXXXXX")
wt=$work/src
cleanup() {
  [ ! -d "$wt" ] || git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${OG_FIXTURE_BINARY:-}" ]; then
  bin=$OG_FIXTURE_BINARY
else
  git -C "$root" worktree add --detach "$wt" "$commit" >/dev/null
  # The console's assets come from npm (web/node_modules); the lock file rarely changes, so an
  # installed copy of this checkout's is linked when there is one.
  if [ -f "$wt/web/package.json" ] && [ -d "$root/web/node_modules" ]; then
    ln -s "$root/web/node_modules" "$wt/web/node_modules"
  fi
  cmake -S "$wt" -B "$wt/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build "$wt/build" --target opsgate -j "${JOBS:-2}"
  bin=$wt/build/opsgate
fi

D=$work/data
mkdir -p "$work/in"
log=$work/scenario.log
: >"$log"
og() { "$bin" --data "$D" "$@"; }
# step WHAT COMMAND...: run it; a failure (a command or option that commit did not have yet) is
# noted in scenario.log and the scenario goes on. must: the same, but a failure ends the script.
step() {
  local what=$1
  shift
  if "$@" >"$work/out" 2>"$work/err"; then
    echo "ran      $what" >>"$log"
    return 0
  fi
  echo "skipped  $what: $(head -n1 "$work/err")" >>"$log"
  return 1
}
must() {
  step "$@" || {
    echo "make-fixture: $1 failed with $commit's opsgate:" >&2
    cat "$work/err" >&2
    exit 1
  }
}

# ---- the scenario ----
must "init" og init
must "tenant acme" og tenant create acme
must "tenant globex" og tenant create globex
step "user pm" og user add --tenant acme pm --role project-manager || true
step "user admin2" og user add --tenant acme admin2 --role tenant-admin || true
step "user auditor" og user add --tenant globex aud --role auditor || true
step "token" og token create --tenant acme --user pm || true
must "project fw" og project create --tenant acme fw "Firewall refresh"
must "project mig" og project create --tenant globex mig "Mail migration"

A=(--tenant acme --project fw)
printf '# Statement of work\n\nScope: firewall cutover for the head office.\n' >"$work/in/sow1.md"
printf '# Statement of work\n\nScope: firewall cutover, both offices.\nPrice: 12 400.50 EUR\n' \
  >"$work/in/sow2.md"
printf '# Runbook\n\n1. Drain traffic.\n2. Swap the pair.\n3. Verify.\n' >"$work/in/runbook.md"
# Over 256 KiB once compressed and sealed (so an object file, not a row): deterministic noise.
head -c 276000 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
  -iv 00000000000000000000000000000000 >"$work/in/big.bin"
printf 'not so big any more\n' >"$work/in/small.txt"
must "put sow v1" og artifact put "${A[@]}" --name sow.md --kind sow -m "first draft" "$work/in/sow1.md"
must "put sow v2" og artifact put "${A[@]}" --name sow.md --kind sow -m "both offices" "$work/in/sow2.md"
must "put big v1" og artifact put "${A[@]}" --name big.bin "$work/in/big.bin"
must "put big v2" og artifact put "${A[@]}" --name big.bin "$work/in/small.txt"
must "put runbook" og artifact put "${A[@]}" --name runbook.md --kind runbook "$work/in/runbook.md"
must "put globex notes" og artifact put --tenant globex --project mig --name notes.txt \
  "$work/in/small.txt"
step "restore sow v1" og artifact restore "${A[@]}" --name sow.md --version 1 -m "back" || true
step "metadata" og artifact metadata "${A[@]}" --name runbook.md '{"owner":"ops"}' || true
step "lock" og artifact lock "${A[@]}" --name big.bin --ttl 2h || true
step "grant" og access grant "${A[@]}" --user pm --right write || true
must "put globex old" og artifact put --tenant globex --project mig --name old.txt \
  "$work/in/sow1.md"
step "artifact delete" og artifact delete --tenant globex --project mig --name old.txt || true
step "hold" og hold set --tenant globex --project mig --reason "litigation" || true
step "retention" og artifact retention set --tenant acme --kind sow --keep 7y || true

# Documents generated from the project data of that commit's own tests.
if git -C "$root" show "$commit:tests/data/projects/northwind-m365.json" >"$work/in/nw.json" 2>/dev/null; then
  must "project northwind" og project create --tenant acme northwind "Northwind M365"
  step "generate sow" og generate sow --tenant acme --project northwind --input "$work/in/nw.json" || true
  step "generate runbook html" og generate runbook --tenant acme --project northwind \
    --input "$work/in/nw.json" --format html || true
fi

# Certificates: a CA, a leaf with its key (imported as a bundle) and a lone certificate.
C=$work/in
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=Fixture CA" -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=www.acme.example" \
  -keyout "$C/leaf.key" -out "$C/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:www.acme.example,DNS:acme.example\n' >"$C/ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -set_serial 4242 \
  -days 20 -extfile "$C/ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/leaf.key" >"$C/bundle.pem"
step "cert import bundle" og cert import --tenant acme "$C/bundle.pem" ||
  must "cert import" og cert import --tenant acme "$C/leaf.pem"
step "cert import ca" og cert import --tenant globex "$C/ca.pem" || true
step "cert policy" og cert policy --tenant acme --thresholds 30,14,7,1 || true
step "cert schedule" og cert schedule --tenant acme --every 6h www.acme.example --ports 443 || true
step "cert check-expiry" og cert check-expiry --tenant acme || true
step "target" og target add --tenant acme web --type file --cert-path "$work/t/cert.pem" \
  --key-path "$work/t/key.pem" || true
printf 'fixture-webhook-secret-0123456789\n' >"$work/in/hook.secret"
step "notify webhook" og notify add --tenant acme webhook https://hooks.acme.example/opsgate \
  --secret-file "$work/in/hook.secret" || true

# Gates: publishing a SOW or a runbook at L2 waits for a second person; the SOW's request is
# approved, the runbook's left pending.
step "gate policy sow" og gate policy set --tenant acme artifacts.publish.sow L2 || true
step "gate policy runbook" og gate policy set --tenant acme artifacts.publish.runbook L2 || true
step "gate timeout" og gate policy set --tenant acme --approval-timeout 720h || true
for n in sow.md runbook.md; do
  step "review $n" og artifact set-state "${A[@]}" --name "$n" in-review || true
  step "approve $n" og --as admin2 artifact set-state "${A[@]}" --name "$n" approved ||
    step "approve $n (local)" og artifact set-state "${A[@]}" --name "$n" approved || true
  step "publish $n (pending)" og --as pm artifact set-state "${A[@]}" --name "$n" published ||
    step "publish $n (pending, local)" og artifact set-state "${A[@]}" --name "$n" published || true
done
if step "gate list" og gate list --tenant acme --json; then
  id=$(jq -r '[.. | objects | select(.state? == "pending") | .id][0] // empty' "$work/out")
  [ -z "$id" ] || step "gate approve" og --as admin2 gate approve "$id" --tenant acme --note ok ||
    step "gate approve (old)" og --as admin2 gate approve "$id" --note ok || true
fi

# A tenant deleted (its key destroyed) before the upgrade.
must "tenant gone" og tenant create gone
must "project gone" og project create --tenant gone p "Gone"
must "put gone" og artifact put --tenant gone --project p --name x.txt "$work/in/small.txt"
step "tenant delete" og tenant delete gone --yes || true

must "audit checkpoint" og audit checkpoint
must "audit verify" og audit verify

# ---- what the binary left ----
rm -rf "$out.new"
mkdir -p "$out.new"
TZ=UTC git -C "$root" show -s --format='%H %cd %s' --date=format-local:%Y-%m-%dT%H:%MZ "$commit" \
  >"$out.new/COMMIT"
if step "audit prove" og audit prove --tenant acme --seq 3; then
  cp "$work/out" "$out.new/proof.json"
  must "audit pubkey" og audit pubkey
  cp "$work/out" "$out.new/pubkey.pem"
fi
: >"$out.new/artifacts.tsv"
for t in acme globex; do
  must "list $t" og artifact list --tenant "$t" --json
  jq -r '(if type == "array" then . else .artifacts end)[] | [.project, .name] | @tsv' "$work/out" >"$work/list"
  while IFS=$'\t' read -r p n; do
    must "log $t/$p/$n" og artifact log --tenant "$t" --project "$p" --name "$n" --json
    for v in $(jq -r '(if type == "array" then . else .versions end)[].version' "$work/out"); do
      must "get $t/$p/$n@$v" og artifact get --tenant "$t" --project "$p" --name "$n" \
        --version "$v" -o "$work/got"
      printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$p" "$n" "$v" "$(sha256sum <"$work/got" | cut -c1-64)" \
        >>"$out.new/artifacts.tsv"
    done
  done <"$work/list"
done
sort -o "$out.new/artifacts.tsv" "$out.new/artifacts.tsv"
grep -q "big.bin	1" "$out.new/artifacts.tsv" || {
  echo "make-fixture: no big.bin version 1 read back" >&2
  exit 1
}
sqlite3 "$D/opsgate.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 -separator $'\t' "$D/opsgate.db" "SELECT module, version FROM og_schema ORDER BY module" \
  >"$out.new/schema.tsv"
sqlite3 "$D/opsgate.db" .dump | zstd -q -19 >"$out.new/db.sql.zst"
[ -n "$(find "$D" -path "$D/objects/*" -type f)" ] || {
  echo "make-fixture: the big object was not written to a file" >&2
  exit 1
}
tar -C "$D" --exclude='./opsgate.db*' --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime=@0 -cf - . | zstd -q -19 >"$out.new/files.tar.zst"
cp "$log" "$out.new/scenario.log"
rm -rf "$out"
mv "$out.new" "$out"
echo "make-fixture: $out ($(du -sh "$out" | cut -f1)), schema:"
tr '\t' '=' <"$out/schema.tsv" | tr '\n' ' '
echo
