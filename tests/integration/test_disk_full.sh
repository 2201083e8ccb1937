#!/usr/bin/env bash
# test_disk_full.sh - writes that fail for lack of space: opsgate runs under a file-size limit
# (`prlimit --fsize`, RLIMIT_FSIZE: needs no root), so a write past it fails with EFBIG as it
# would with ENOSPC on a full disk. The CLI exits 1 naming the problem, HTTP answers 507 with a
# JSON error, the process is not killed (SIGXFSZ), nothing is half-written (audit verify passes,
# every artifact version reads back, no temporary file is left) and the server keeps serving.
#
# A test of the test at the end: the checker must fail on a copy of the data folder with a stray
# .part file, and on one with an object file deleted.
. "$(dirname "$0")/lib.sh"
command -v prlimit >/dev/null 2>&1 || { echo "SKIP: prlimit is not installed (util-linux)" >&2; exit 77; }

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
admin=$(og_init "$D") || exit 1
og tenant create acme >/dev/null || bad "tenant"
og user add --tenant acme pam --role project-manager >/dev/null || bad "user"
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og project create fw "Firewall" --tenant acme >/dev/null || bad "project"
head -c 1048576 /dev/urandom >"$OG_TMP/one"     # spilled to a file: an object file
head -c 3000000 /dev/urandom >"$OG_TMP/big"     # over the limit below
head -c 1000 /dev/urandom >"$OG_TMP/small"
head -c 1000 /dev/urandom >"$OG_TMP/small2"
og artifact put "$OG_TMP/one" --tenant acme --project fw --name one.bin >/dev/null || bad "put one"
og artifact put "$OG_TMP/small" --tenant acme --project fw --name small.bin >/dev/null || bad "put small"
LIMIT=2000000   # bytes a file may grow to: the database is well under it, the big upload over

# check_clean DATA URL: reports into $cfail
cfail=0
cbad() { echo "CHECK: $*" >&2; cfail=$((cfail + 1)); }
check_clean() {
  local dd=$1 url=$2 parts name v want got
  parts=$(find "$dd/objects" -path '*/tmp/*.part' | wc -l)
  [ "$parts" = 0 ] || cbad "$parts temporary file(s) left in objects/*/tmp"
  "$OPSGATE" --data "$dd" audit verify >"$OG_TMP/verify" 2>&1 || cbad "audit verify: $(cat "$OG_TMP/verify")"
  # every version of every artifact reads back with its hash: no version without its object
  curl -sS -H "Authorization: Bearer $pam" "$url/api/v1/projects/fw/artifacts" >"$OG_TMP/list"
  for name in $(jq -r '.artifacts[].name' "$OG_TMP/list"); do
    curl -sS -H "Authorization: Bearer $pam" "$url/api/v1/projects/fw/artifacts/$name/versions" |
      jq -r '.versions[] | "\(.version) \(.sha256)"' | while read -r v want; do
        got=$(curl -sS -H "Authorization: Bearer $pam" \
          "$url/api/v1/projects/fw/artifacts/$name/content?version=$v" | sha256sum | cut -d' ' -f1)
        [ "$got" = "$want" ] || echo "$name v$v: content sha256 $got, want $want"
      done
  done >"$OG_TMP/bad"
  [ -s "$OG_TMP/bad" ] && cbad "$(cat "$OG_TMP/bad")"
  [ "$(jq -r '[.artifacts[].name] | sort | join(",")' "$OG_TMP/list")" = "one.bin,small.bin" ] ||
    cbad "artifacts: $(jq -c '[.artifacts[].name]' "$OG_TMP/list")"
  return 0
}

# --- the CLI: an upload past the limit
prlimit --fsize=$LIMIT "$OPSGATE" --data "$D" artifact put "$OG_TMP/big" --tenant acme --project fw \
  --name big.bin >/dev/null 2>"$OG_TMP/err"
rc=$?
[ "$rc" = 1 ] && ok || bad "CLI upload past the file-size limit: exit $rc (153 = killed by SIGXFSZ), $(cat "$OG_TMP/err")"
grep -qiE 'file too large|no space' "$OG_TMP/err" && ok || bad "the CLI error names the problem: $(cat "$OG_TMP/err")"
# --- the CLI: a database write past the limit (the write-ahead log may not grow past 4 KiB)
prlimit --fsize=4096 "$OPSGATE" --data "$D" artifact put "$OG_TMP/small" --tenant acme --project fw \
  --name tiny.bin >/dev/null 2>"$OG_TMP/err"
rc=$?
[ "$rc" = 1 ] && ok || bad "CLI database write past the limit: exit $rc, $(cat "$OG_TMP/err")"
grep -qiE 'database|too large|full|space' "$OG_TMP/err" && ok || bad "the database error names the problem: $(cat "$OG_TMP/err")"

# --- HTTP: the server under the limit
portfile="$OG_TMP/port"
OG_SERVER_LOG="$OG_TMP/server.log"
prlimit --fsize=$LIMIT "$OPSGATE" --data "$D" serve --listen 127.0.0.1:0 --port-file "$portfile" \
  >"$OG_SERVER_LOG" 2>&1 &
OG_SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$portfile" ] && break; sleep 0.1; done
OG_URL="http://127.0.0.1:$(cat "$portfile")"
for _ in $(seq 1 50); do curl -fsS "$OG_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
code=$(curl -sS --max-time 60 -X PUT -o "$OG_TMP/body" -w '%{http_code}' -H "Authorization: Bearer $pam" \
  --data-binary @"$OG_TMP/big" "$OG_URL/api/v1/projects/fw/artifacts/big.bin" 2>/dev/null)
body=$(cat "$OG_TMP/body")
expect_error 507 insufficient_storage "an upload past the limit"
expect_jq '.error.message | test("storage")' true "the message names the problem"
case $body in *"$D"* | *.part*) bad "the reply shows a server path: $body" ;; *) ok ;; esac
kill -0 "$OG_SERVER_PID" 2>/dev/null && ok || bad "the server died (SIGXFSZ?)"
grep -q "File too large" "$OG_SERVER_LOG" && ok || bad "the server log has the cause"
api GET /healthz
expect_status 200 "health after the failure"
code=$(curl -sS -o "$OG_TMP/got" -w '%{http_code}' -H "Authorization: Bearer $pam" \
  "$OG_URL/api/v1/projects/fw/artifacts/one.bin/content")
[ "$code" = 200 ] && cmp -s "$OG_TMP/got" "$OG_TMP/one" && ok || bad "a read after the failure: $code"
cfail=0; check_clean "$D" "$OG_URL"
[ "$cfail" = 0 ] && ok || bad "$cfail check(s) failed: something half-written"
# a write that fits still works
code=$(curl -sS -X PUT -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $pam" \
  --data-binary @"$OG_TMP/small2" "$OG_URL/api/v1/projects/fw/artifacts/small.bin")
[ "$code" = 201 ] || [ "$code" = 200 ] && ok || bad "a small write after the failure: $code"
og_stop TERM
[ "$OG_SERVER_STATUS" = 0 ] && ok || bad "serve exit $OG_SERVER_STATUS"

# --- a test of the test: the checker must fail on planted faults
plant() {
  local cp="$OG_TMP/plant.$1" tid
  rm -rf "$cp"; cp -a "$D" "$cp"
  tid=$(ls "$cp/objects" | head -n 1)
  case $1 in
    object) find "$cp/objects/$tid" -mindepth 2 -path '*/tmp' -prune -o -type f -print | xargs rm -f ;;
  esac
  og_serve "$cp" || { bad "plant $1: start"; return; }
  # after the start, whose sweep would remove it
  [ "$1" = part ] && mkdir -p "$cp/objects/$tid/tmp" && : >"$cp/objects/$tid/tmp/planted.part"
  cfail=0; check_clean "$cp" "$OG_URL" 2>/dev/null
  [ "$cfail" -gt 0 ] && ok || bad "the checker missed a planted fault: $1"
  og_stop TERM
}
plant part
plant object
og_done
