#!/usr/bin/env bash
# test_pg_failover.sh - failover without loss: a pg_auto_failover formation (monitor, primary,
# synchronous secondary, on loopback, scripts/pg-failover.sh), two `opsgate serve` nodes on its
# multi-host URL taking continuous writes from three load clients: two write artifact versions
# (each with its audit records), one per node; the third makes gate decisions, an L1
# platform.note requested on node 1 and acknowledged on node 2. The primary's postmaster is
# killed with SIGKILL. After the failover every write and every decision acknowledged to a client
# is there, `audit verify` passes, the clients saw only 503 with Retry-After in between, and both
# nodes serve again without a restart. Skipped without PostgreSQL 15 and pg_auto_failover.
. "$(dirname "$0")/lib.sh"
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-500}

# the formation's folder belongs to the non-root user that runs PostgreSQL: outside $OG_TMP
# (mode 0700, root's when run as root), made by the script
F="${TMPDIR:-/tmp}/og-pgf.$$.$RANDOM"
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PGF="$SRC/scripts/pg-failover.sh"
url=$("$PGF" start "$F" 2>"$OG_TMP/pgf.err")
rc=$?
[ $rc = 77 ] && { cat "$OG_TMP/pgf.err" >&2; exit 77; }
[ $rc = 0 ] || { cat "$OG_TMP/pgf.err" >&2; bad "the formation did not start"; og_done; }
stop_formation() { "$PGF" stop "$F" >/dev/null 2>&1; rm -rf "$F"; }
trap 'stop_formation; og_cleanup' EXIT

K="$OG_TMP/keys"
export OPSGATE_KEYS="$K"
og() { "$OPSGATE" --data "$url" "$@"; }
tok=$(og_init "$url") || { bad "init on the formation"; og_done; }
og tenant create acme >/dev/null && ok || bad "tenant"
og user add --tenant acme pam --role project-manager >/dev/null && ok || bad "user"
og project create --tenant acme fw "Failover" >/dev/null && ok || bad "project"
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og user add --tenant acme ada --role tenant-admin >/dev/null && ok || bad "user ada"
ada=$(og token create --tenant acme --user ada --json | jq -r .token)
og gate policy set platform.note L1 --tenant acme >/dev/null && ok || bad "platform.note at L1"

# two nodes
og_serve "$url" --node n1 || { bad "node 1"; og_done; }
U1=$OG_URL; P1=$OG_SERVER_PID
og_serve "$url" --node n2 || { bad "node 2"; og_done; }
U2=$OG_URL; P2=$OG_SERVER_PID
trap 'kill $P1 $P2 2>/dev/null; stop_formation; og_cleanup' EXIT

# load client C on node U: writes version C-i of artifact C.md; each answer is logged as
# "name code retry-after"
load() { # C URL
  local c=$1 u=$2 i=0 code ra
  while [ ! -e "$OG_TMP/stop" ]; do
    i=$((i + 1))
    printf 'version %s-%d\n' "$c" "$i" >"$OG_TMP/doc.$c"
    code=$(curl -sS --max-time 20 -X PUT -o /dev/null -D "$OG_TMP/h.$c" -w '%{http_code}' \
      -H "Authorization: Bearer $pam" -H 'Content-Type: text/markdown' \
      --data-binary @"$OG_TMP/doc.$c" "$u/api/v1/projects/fw/artifacts/$c.md" \
      2>/dev/null) || code=curl-failed
    ra=$(tr -d '\r' <"$OG_TMP/h.$c" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
    echo "$c-$i $code ${ra:--}" >>"$OG_TMP/log.$c"
    sleep 0.05
  done
}
# gate client: requests an L1 note on node 1 (201: done, a review opened), acknowledges it on
# node 2 (200); each answer logged as "g-i code retry-after id" for the request and "ack-i code
# retry-after id" for the decision
gates() {
  local i=0 code ra id
  while [ ! -e "$OG_TMP/stop" ]; do
    i=$((i + 1))
    code=$(curl -sS --max-time 20 -X POST -o "$OG_TMP/g.body" -D "$OG_TMP/h.g" -w '%{http_code}' \
      -H "Authorization: Bearer $pam" -H 'Content-Type: application/json' \
      --data "{\"kind\":\"platform.note\",\"params\":{\"text\":\"g-$i\"}}" \
      "$U1/api/v1/tenants/acme/gates" 2>/dev/null) || code=curl-failed
    ra=$(tr -d '\r' <"$OG_TMP/h.g" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
    id=$(jq -r '.gate_id // "-"' "$OG_TMP/g.body" 2>/dev/null) || id=-
    echo "g-$i $code ${ra:--} $id" >>"$OG_TMP/log.g"
    if [ "$code" = 201 ]; then
      code=$(curl -sS --max-time 20 -X POST -o /dev/null -D "$OG_TMP/h.g" -w '%{http_code}' \
        -H "Authorization: Bearer $ada" "$U2/api/v1/gates/$id/ack" 2>/dev/null) || code=curl-failed
      ra=$(tr -d '\r' <"$OG_TMP/h.g" | sed -n 's/^[Rr]etry-[Aa]fter: //p')
      echo "ack-$i $code ${ra:--} $id" >>"$OG_TMP/log.g"
    fi
    sleep 0.05
  done
}
load a "$U1" &
LA=$!
load b "$U2" &
LB=$!
gates &
LG=$!
sleep 6
old=$("$PGF" kill-primary "$F") && ok || bad "kill the primary"
new=$("$PGF" wait-primary "$F" "$old" 120) && ok || bad "no failover"
sleep 8
touch "$OG_TMP/stop"
wait $LA $LB $LG

# what the clients saw: 201 (acknowledged), or 503 with Retry-After; nothing else (the gate
# client's acks: 200 or 503)
cat "$OG_TMP/log.a" "$OG_TMP/log.b" >"$OG_TMP/log"
acked=$(awk '$2 == 201' "$OG_TMP/log" | wc -l)
busy=$(awk '$2 == 503' "$OG_TMP/log" | wc -l)
other=$(awk '$2 != 201 && $2 != 503' "$OG_TMP/log")
no_ra=$(awk '$2 == 503 && $3 == "-"' "$OG_TMP/log")
echo "writes acknowledged: $acked; refused with 503: $busy"
[ "$acked" -gt 20 ] && ok || bad "too few writes acknowledged ($acked)"
[ -z "$other" ] && ok || bad "answers other than 201 or 503: $(head -5 <<<"$other")"
[ -z "$no_ra" ] && ok || bad "503 without Retry-After: $(head -3 <<<"$no_ra")"
awk '$2 == 201' "$OG_TMP/log.a" | tail -n 1 | grep -q . && ok || bad "client a wrote nothing"
# after the failover both clients got writes through again
for c in a b; do
  last=$(tail -n 1 "$OG_TMP/log.$c" | awk '{print $2}')
  [ "$last" = 201 ] && ok || bad "client $c's last write after the failover: $last"
done

# every acknowledged version is there, with its content, in order
for c in a b; do
  want=$(awk '$2 == 201' "$OG_TMP/log.$c" | wc -l)
  got=$(og artifact log --tenant acme --project fw --name "$c.md" --json | jq '.versions | length')
  [ "$got" -ge "$want" ] && ok || bad "$c.md has $got versions, $want were acknowledged"
  og artifact get --tenant acme --project fw --name "$c.md" -o "$OG_TMP/last.$c" && ok ||
    bad "get $c.md"
  lastack=$(awk '$2 == 201 {n=$1} END {print n}' "$OG_TMP/log.$c")
  # the newest version is the last acknowledged one, or a later write whose answer was lost
  v=$(cat "$OG_TMP/last.$c")
  lastn=${lastack#"$c"-}
  vn=${v#"version $c-"}
  [ "$vn" -ge "$lastn" ] 2>/dev/null && ok || bad "$c.md's newest is '$v', the last acknowledged $lastack"
done
# gate decisions: every request answered 201 is an item, every ack answered 200 is in its item
greq=$(awk '$1 ~ /^g-/ && $2 == 201' "$OG_TMP/log.g" | wc -l)
gack=$(awk '$1 ~ /^ack-/ && $2 == 200' "$OG_TMP/log.g" | wc -l)
gother=$(awk '($1 ~ /^g-/ && $2 != 201 && $2 != 503) || ($1 ~ /^ack-/ && $2 != 200 && $2 != 503)' "$OG_TMP/log.g")
gno_ra=$(awk '$2 == 503 && $3 == "-"' "$OG_TMP/log.g")
echo "gate requests acknowledged: $greq; decisions acknowledged: $gack"
[ "$gack" -gt 5 ] && ok || bad "too few gate decisions acknowledged ($gack)"
[ -z "$gother" ] && ok || bad "gate answers other than 201/200 or 503: $(head -5 <<<"$gother")"
[ -z "$gno_ra" ] && ok || bad "gate 503 without Retry-After: $(head -3 <<<"$gno_ra")"
last=$(tail -n 1 "$OG_TMP/log.g" | awk '{print $2}')
case "$last" in 200 | 201) ok ;; *) bad "the gate client's last answer after the failover: $last" ;; esac
missing=0
for id in $(awk '$1 ~ /^ack-/ && $2 == 200 { print $4 }' "$OG_TMP/log.g"); do
  OG_URL=$U1
  api GET "/api/v1/gates/$id" "$ada"
  d=$(jq -r '[.state, (.decisions | map(.decision) | last)] | join(" ")' <<<"$body" 2>/dev/null)
  [ "$d" = "done acknowledged" ] || { missing=$((missing + 1)); echo "gate $id: $code $d" >&2; }
done
[ "$missing" = 0 ] && ok || bad "$missing acknowledged gate decisions are not recorded"
lost=0
for id in $(awk '$1 ~ /^g-/ && $2 == 201 { print $4 }' "$OG_TMP/log.g"); do
  OG_URL=$U2
  api GET "/api/v1/gates/$id" "$ada"
  [ "$code" = 200 ] || lost=$((lost + 1))
done
[ "$lost" = 0 ] && ok || bad "$lost acknowledged gate requests are not there"
og audit verify >/dev/null 2>"$OG_TMP/verify.err" && ok || bad "audit verify: $(cat "$OG_TMP/verify.err")"

# both nodes serve without a restart
for u in "$U1" "$U2"; do
  OG_URL=$u
  api GET /healthz
  expect_status 200 "$u healthy after the failover"
  api GET /api/v1/projects/fw/artifacts "$pam"
  expect_status 200 "$u serves after the failover"
done
kill -0 "$P1" 2>/dev/null && kill -0 "$P2" 2>/dev/null && ok || bad "a node exited"
og_done
