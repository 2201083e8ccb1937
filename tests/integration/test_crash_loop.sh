#!/usr/bin/env bash
# test_crash_loop.sh - kill -9 loop: 20 rounds, each SIGKILLs `opsgate serve` at a random moment
# while concurrent clients upload artifacts (small ones kept in the database, large ones spilled
# to a temporary file; four writers of small versions to artifacts of their own, whose commits the
# server shares), generate documents, request and approve gates, import certificates and
# have gate events delivered to a webhook receiver. After each kill the server restarts on the
# same data folder and the checker asserts: every acknowledged write (a 2xx the client received
# before the kill) is there with its content hash, `opsgate audit verify` passes, every gate item
# has its audit record and every acknowledged approval its decision record, no
# interrupted upload left a objects/<tenant>/tmp/*.part file behind. At the end every event was
# delivered at least once and the receiver, which dedups by the X-Opsgate-Event idempotency key,
# accepted each exactly once.
#
# The seed is printed; replay a failure with OG_CRASH_SEED=N. OG_CRASH_ROUNDS=N changes the count,
# OG_CRASH_KEEP=DIR keeps a copy of the data folder.
# The checker is itself tested at the end (a test of the test): on a copy of the data folder with
# a planted fault (object files deleted, a stray .part file, an audit record deleted) it must fail.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
for t in cc openssl sqlite3 sha256sum; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done
og_recv_build

SEED=${OG_CRASH_SEED:-$(($(date +%s%N) / 1000 % 32768))}
ROUNDS=${OG_CRASH_ROUNDS:-20}
echo "crash loop: seed $SEED (replay: OG_CRASH_SEED=$SEED), $ROUNDS rounds"
RANDOM=$SEED

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
recv_pid=""; workers=()
stop_workers() { local p; for p in "${workers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; workers=(); }
trap 'stop_workers; [ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null; og_cleanup' EXIT
export OPSGATE_EVENTS_BACKOFF=1s OPSGATE_EVENTS_BACKOFF_MAX=1s OPSGATE_EVENTS_MAX_ATTEMPTS=1000

admin=$(og_init "$D") || exit 1
og tenant create acme >/dev/null || { bad "tenant create"; og_done; }
og user add --tenant acme pam --role project-manager >/dev/null &&
  og user add --tenant acme eve --role engineer >/dev/null &&
  og user add --tenant acme ada --role tenant-admin >/dev/null || bad "users"
tok() { og token create --tenant acme --user "$1" --json | jq -r .token; }
pam=$(tok pam); eve=$(tok eve); ada=$(tok ada)
og project create fw "Firewall" --tenant acme >/dev/null || bad "project"
og gate policy set --tenant acme platform.note L2 >/dev/null || bad "policy"
TID=$(og tenant list --json | jq -r '.tenants[] | select(.name=="acme") | .id')

printf 'crash-loop-webhook-secret-0123456789\n' >"$OG_TMP/secret"
"$RECV" webhook --port-file "$OG_TMP/hook.port" --secret-file "$OG_TMP/secret" \
  --log "$OG_TMP/hook.log" &
recv_pid=$!
for _ in $(seq 1 100); do [ -s "$OG_TMP/hook.port" ] && break; sleep 0.1; done
og notify egress allow 127.0.0.0/8 >/dev/null || bad "egress"
og notify add --tenant acme webhook "http://127.0.0.1:$(cat "$OG_TMP/hook.port")/hook" \
  --secret-file "$OG_TMP/secret" >/dev/null || bad "notify add"

# Payloads: small uploads (inline in the database) and 1 MiB of random bytes (spilled to a
# temporary file, then an object file); certificates, one per import; a generate request.
mkdir -p "$OG_TMP/pay" "$OG_TMP/certs"
for i in 0 1 2 3; do head -c $((200 + i * 500)) /dev/urandom >"$OG_TMP/pay/$i"; done
for i in 4 5 6 7; do head -c 1048576 /dev/urandom >"$OG_TMP/pay/$i"; done
for i in $(seq 0 19); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=c$i.crash.test" -keyout "$OG_TMP/certs/$i.key" -out "$OG_TMP/certs/$i.crt" 2>/dev/null
  cat "$OG_TMP/certs/$i.crt" "$OG_TMP/certs/$i.key" >"$OG_TMP/certs/$i.pem"
done
jq -cn --slurpfile d "$OG_SOURCE_DIR/tests/data/projects/northwind-m365.json" \
  '{kind:"sow", format:"md", data:$d[0]}' >"$OG_TMP/gen.json"

ACK="$OG_TMP/acks"   # one line per acknowledged write: KIND FIELDS...
: >"$ACK"
STOP="$OG_TMP/stop"

# c METHOD PATH TOKEN [curl data args...]: prints "CODE" and leaves the body in $out
c() {
  local m=$1 p=$2 t=$3 out=$4; shift 4
  curl -sS --max-time 10 -X "$m" -o "$out" -w '%{http_code}' -H "Authorization: Bearer $t" \
    "$@" "$URL$p" 2>/dev/null || true
}
w_artifacts() {   # uploads of known content; 5 names, so versions pile up
  local n=0 f code o="$OG_TMP/w.art.$1"
  while [ ! -e "$STOP" ]; do
    f=$(((n * 7 + $1) % 8)); n=$((n + 1))
    # worker 1 sends at 1 MiB/s, so a kill often lands in the middle of a large one (a .part
    # file); worker 0 at full speed, so large ones are acknowledged too
    code=$(c PUT "/api/v1/projects/fw/artifacts/a$(((n + $1) % 5)).bin" "$pam" "$o" \
      --limit-rate "$([ "$1" = 1 ] && echo 1M || echo 1G)" --data-binary @"$OG_TMP/pay/$f")
    case $code in 2*) echo "art a$(((n + $1) % 5)).bin $(jq -r .version "$o") $(sha256sum <"$OG_TMP/pay/$f" | cut -d' ' -f1)" >>"$ACK" ;; 000) break ;; esac
  done
}
w_small() {       # small versions of its own artifact, new content each time, at full speed:
  # with several at once their commits are shared (group commit, og_store_group_commit)
  local n=0 code f="$OG_TMP/small.$1" o="$OG_TMP/w.small.$1"
  while [ ! -e "$STOP" ]; do
    n=$((n + 1)); printf '# notes %s\n\nrevision %s of writer %s, %s\n' "$1" "$n" "$1" "$RANDOM" >"$f"
    code=$(c PUT "/api/v1/projects/fw/artifacts/notes-$1.md" "$pam" "$o" --data-binary @"$f")
    case $code in 2*) echo "art notes-$1.md $(jq -r .version "$o") $(sha256sum <"$f" | cut -d' ' -f1)" >>"$ACK" ;; 000) break ;; esac
  done
}
w_generate() {
  local code o="$OG_TMP/w.gen"
  while [ ! -e "$STOP" ]; do
    code=$(c POST /api/v1/projects/fw/generate "$pam" "$o" -H 'Content-Type: application/json' --data-binary @"$OG_TMP/gen.json")
    case $code in 2*) echo "gen $(jq -r '.artifact + " " + (.version|tostring) + " " + (.sha256 // "-")' "$o")" >>"$ACK" ;; 000) break ;; esac
  done
}
w_gates() {       # eve requests an L2 note, ada approves it
  local code id o="$OG_TMP/w.gate"
  while [ ! -e "$STOP" ]; do
    code=$(c POST /api/v1/tenants/acme/gates "$eve" "$o" -H 'Content-Type: application/json' \
      --data-binary "{\"kind\":\"platform.note\",\"params\":{\"text\":\"n$RANDOM\"}}")
    case $code in 2*) ;; 000) break ;; *) continue ;; esac
    id=$(jq -r .gate_id "$o"); echo "gate $id" >>"$ACK"
    code=$(c POST "/api/v1/gates/$id/approve" "$ada" "$o")
    case $code in 2*) echo "approve $id" >>"$ACK" ;; 000) break ;; esac
  done
}
w_certs() {
  local code i o="$OG_TMP/w.cert"
  while [ ! -e "$STOP" ]; do
    i=$(cat "$OG_TMP/certs/next" 2>/dev/null || echo 0); echo $(((i + 1) % 20)) >"$OG_TMP/certs/next"
    code=$(c POST "/api/v1/tenants/acme/certs/import?name=c$i.pem" "$ada" "$o" --data-binary @"$OG_TMP/certs/$i.pem")
    case $code in 2*) echo "cert $(jq -r .fingerprint "$o")" >>"$ACK" ;; 000) break ;; esac
  done
}

# ---- the checker: reports into $cfail; run against the live server at $URL on data folder $1
cfail=0
cbad() { echo "CHECK: $*" >&2; cfail=$((cfail + 1)); }
audit_all() {    # DATA: the tenant's whole chain as {"records":[...]}, 1000 records a page
  local after=0 n
  : >"$OG_TMP/audit.pages"
  while :; do
    "$OPSGATE" --data "$1" audit list --tenant acme --after "$after" --limit 1000 --json \
      >"$OG_TMP/audit.page" 2>/dev/null || return 1
    n=$(jq '.records | length' "$OG_TMP/audit.page")
    [ "$after" = 0 ] && [ "$n" -lt 1000 ] && { cat "$OG_TMP/audit.page"; return 0; }
    jq -c '.records[]' "$OG_TMP/audit.page" >>"$OG_TMP/audit.pages"
    [ "$n" -lt 1000 ] && break
    after=$(jq '.records[-1].seq' "$OG_TMP/audit.page")
  done
  jq -s '{records: .}' "$OG_TMP/audit.pages"
}
check_data() {   # DATA ACKFILE FROM-LINE
  local dd=$1 acks=$2 from=$3 kind a b h got parts
  parts=$(find "$dd/objects" -path '*/tmp/*.part' 2>/dev/null | wc -l)
  [ "$parts" = 0 ] || cbad "$parts temporary upload file(s) left after the restart"
  "$OPSGATE" --data "$dd" audit verify >"$OG_TMP/verify.out" 2>&1 ||
    cbad "audit verify: $(tail -n 3 "$OG_TMP/verify.out")"
  audit_all "$dd" >"$OG_TMP/audit.json" || cbad "audit list failed"
  "$OPSGATE" --data "$dd" gate list --tenant acme --json >"$OG_TMP/gates.json" 2>/dev/null || cbad "gate list failed"
  # every gate item has its audit record: the one its audit_seq names, with its gate fields (a
  # gate.request naming the item, or the auto-executed action itself)
  got=$(jq -r --slurpfile a "$OG_TMP/audit.json" '
    (reduce $a[0].records[] as $r ({}; .[$r.seq | tostring] = $r)) as $by
    | .gates[] | . as $g | $by[$g.audit_seq | tostring] as $r
    | select($r == null or $r.gate == null
             or ($r.action == "gate.request" and $r.target.id != $g.id)) | $g.id' \
    "$OG_TMP/gates.json" 2>&1)
  [ -z "$got" ] || cbad "gate item(s) without their audit record: $(echo $got)"
  curl -sS --max-time 10 -H "Authorization: Bearer $ada" "$URL/api/v1/tenants/acme/certs" >"$OG_TMP/certs.json"
  tail -n +"$from" "$acks" >"$OG_TMP/acks.now"
  grep -E '^(art|gen) ' "$OG_TMP/acks.now" | while read -r kind a b h; do
    got=$(curl -sS --max-time 10 -H "Authorization: Bearer $pam" \
      "$URL/api/v1/projects/fw/artifacts/$a/content?version=$b" | sha256sum | cut -d' ' -f1)
    if [ "$h" = - ]; then   # no hash in the reply: present and not empty
      [ "$got" != e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ] ||
        echo "acknowledged $kind $a v$b is missing"
    else
      [ "$got" = "$h" ] || echo "acknowledged $kind $a v$b: content sha256 $got, want $h"
    fi
  done >"$OG_TMP/ackfail"
  # gates, approvals (the item approved and its decision's audit record) and certificates at once
  jq -rn --rawfile acks "$OG_TMP/acks.now" --slurpfile g "$OG_TMP/gates.json" \
    --slurpfile a "$OG_TMP/audit.json" --slurpfile c "$OG_TMP/certs.json" '
    ($g[0].gates | map({key: .id, value: .}) | from_entries) as $gates
    | ([$c[0] | .. | objects | .fingerprint? | strings]) as $fps
    | ($acks | split("\n")[] | split(" ")) as [$k, $x]
    | if $k == "gate" then select($gates[$x] == null) | "acknowledged gate item \($x) is missing"
      elif $k == "approve" then
        select(($gates[$x].outcome != "approved")
               or ([$a[0].records[] | select(.target.id == $x and .gate.decision == "approved")]
                   | length) != 1)
        | "acknowledged approval of \($x): not approved or without its one audit record"
      elif $k == "cert" then select($fps | index([$x]) | not) | "acknowledged certificate \($x) is missing"
      else empty end' >>"$OG_TMP/ackfail" 2>&1
  [ -s "$OG_TMP/ackfail" ] && cbad "$(head -n 5 "$OG_TMP/ackfail") ($(wc -l <"$OG_TMP/ackfail") in all)"
  return 0
}

# The default node name is the same at every start of this installation on this host, and a
# restarted node finds its killed process gone: it takes back its name and its running deliveries
# at once, not when their lease runs out (docs/ops.md "Several nodes").
start() { og_serve "$1" >/dev/null || return 1; URL=$OG_URL; }
start "$D" || { bad "first start"; og_done; }
from=1; t0=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$STOP"
  w_artifacts 0 & workers+=($!)
  w_artifacts 1 & workers+=($!)
  for k in 0 1 2 3; do w_small "$k" & workers+=($!); done
  w_generate & workers+=($!)
  w_gates & workers+=($!)
  w_certs & workers+=($!)
  delay=$((300 + RANDOM % 1200))
  sleep "$((delay / 1000)).$(printf '%03d' "$((delay % 1000))")"
  # the server's shared commits so far (this process's: the counters start at each restart)
  curl -sS --max-time 5 -H "Authorization: Bearer $admin" "$URL/metrics" 2>/dev/null |
    sed -n 's/^opsgate_store_group_\(commits\|members\)_total{[^}]*} \([0-9]*\)$/\1 \2/p' >>"$OG_TMP/group"
  kill -9 "$OG_SERVER_PID"; wait "$OG_SERVER_PID" 2>/dev/null; OG_SERVER_PID=""
  touch "$STOP"; tk=$(date +%s%N)
  for p in "${workers[@]}"; do wait "$p" 2>/dev/null; done; workers=(); tw=$(date +%s%N)
  parts=$(find "$D/objects" -path '*/tmp/*.part' 2>/dev/null | wc -l)
  start "$D" || { bad "round $round: restart failed"; break; }
  ts=$(date +%s%N); cfail=0
  check_data "$D" "$ACK" "$from"; tc=$(date +%s%N)
  [ "$cfail" = 0 ] && ok || bad "round $round (killed after ${delay} ms, $parts .part before restart): $cfail check(s) failed"
  echo "round $round: killed after ${delay} ms, $(($(wc -l <"$ACK") - from + 1)) acknowledged writes, $parts .part file(s) swept (workers $(((tw - tk) / 1000000)) ms, restart $(((ts - tw) / 1000000)) ms, check $(((tc - ts) / 1000000)) ms)"
  from=$(($(wc -l <"$ACK") + 1))
done
for k in art gen gate approve cert; do
  n=$(grep -c "^$k " "$ACK"); [ "$n" -gt 0 ] && ok || bad "no acknowledged '$k' write in $ROUNDS rounds"
done
n=$(grep -c '^art notes-' "$ACK"); [ "$n" -gt 0 ] && ok || bad "no acknowledged small version"
# versions were killed while sharing commits: more members than commits in the rounds' servers
gc=$(awk '$1 == "commits" { s += $2 } END { print s + 0 }' "$OG_TMP/group")
gm=$(awk '$1 == "members" { s += $2 } END { print s + 0 }' "$OG_TMP/group")
[ "$gm" -gt "$gc" ] && ok || bad "no commit was shared: $gm members in $gc commits"
echo "group commit: $gm transactions in $gc commits before the kills, $n small versions acknowledged"

# OG_CRASH_KEEP=DIR keeps a copy of the data folder and the acknowledgements, to look into a failure
[ -n "${OG_CRASH_KEEP:-}" ] && rm -rf "$OG_CRASH_KEEP" && cp -a "$D" "$OG_CRASH_KEEP" && cp "$ACK" "$OG_CRASH_KEEP/acks.txt"

# the whole history once more, then the events: all delivered, each accepted once
cfail=0; check_data "$D" "$ACK" 1
[ "$cfail" = 0 ] && ok || bad "final check: $cfail failed"
for _ in $(seq 1 150); do
  left=$(og events list --tenant acme --json | jq '[.events[] | select(.handler=="notify" and .state!="done")] | length')
  [ "$left" = 0 ] && break; sleep 0.2
done
[ "$left" = 0 ] && ok || bad "$left notify deliveries not done"
og events list --tenant acme --json | jq -r '.events[] | select(.handler=="notify") | .id' | sort -u >"$OG_TMP/ev.ids"
[ -s "$OG_TMP/ev.ids" ] && ok || bad "no notify events at all"
grep -E '^(ok|dup) ' "$OG_TMP/hook.log" | awk '{print $2}' | sort -u >"$OG_TMP/got.ids"
missing=$(comm -23 "$OG_TMP/ev.ids" "$OG_TMP/got.ids" | wc -l)
[ "$missing" = 0 ] && ok || bad "$missing event(s) never reached the receiver"
dups=$(grep '^ok ' "$OG_TMP/hook.log" | awk '{print $2}' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && ok || bad "the receiver accepted $dups event(s) twice despite the idempotency key"
echo "events: $(wc -l <"$OG_TMP/ev.ids") delivered, $(grep -c '^dup ' "$OG_TMP/hook.log") redelivery(ies) deduplicated"
og_stop TERM

# ---- a test of the test: the checker must fail on planted faults (copies of the data folder)
plant() {   # NAME: copy, plant, start, check; the checker must fail
  local cp="$OG_TMP/plant.$1"
  rm -rf "$cp"; cp -a "$D" "$cp"
  case $1 in
    objects) find "$cp/objects/$TID" -mindepth 2 -path '*/tmp' -prune -o -type f -print | xargs rm -f ;;
    audit) sqlite3 "$cp/opsgate.db" "DROP TRIGGER audit_record_no_delete;
      DELETE FROM audit_record WHERE seq = (SELECT max(seq) FROM audit_record WHERE action = 'gate.request');" ;;
  esac
  start "$cp" || { bad "plant $1: start"; return; }
  [ "$1" = part ] && mkdir -p "$cp/objects/$TID/tmp" && : >"$cp/objects/$TID/tmp/planted.part"
  cfail=0; check_data "$cp" "$OG_TMP/plant.acks" 1 2>"$OG_TMP/plant.err"
  [ "$cfail" -gt 0 ] && ok || bad "the checker missed a planted fault: $1"
  og_stop TERM
}
big=$(find "$D/objects/$TID" -mindepth 2 -path '*/tmp' -prune -o -type f -print | wc -l)
[ "$big" -gt 0 ] && ok || bad "no object file was written (no large upload acknowledged)"
# a few acknowledged writes of each kind, large uploads among them, keep the plants quick
for f in 4 5 6 7; do grep " $(sha256sum <"$OG_TMP/pay/$f" | cut -d' ' -f1)\$" "$ACK" | tail -n 1; done >"$OG_TMP/plant.acks"
for k in gen gate approve cert; do grep "^$k " "$ACK" | tail -n 2; done >>"$OG_TMP/plant.acks"
plant objects
plant part
plant audit
echo "took $(($(date +%s) - t0)) s"
og_done
