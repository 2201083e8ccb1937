#!/usr/bin/env bash
# test_audit_kill.sh - kill -9 during a burst of audited commits: four writers add users in a
# loop (each `user add` one transaction: the user and its audit record), and every few tenths of a
# second one of the writers' opsgate processes is SIGKILLed wherever it is (inside a commit, while
# its WAL frames are being gathered and written: src/store/walbuf.c). After the rounds every
# acknowledged user (exit 0) exists, with its `user.add` record, and `opsgate audit verify` passes
# on the data folder and on a copy of it taken while writers run (what a kill of every process
# leaves). OG_KILL_ROUNDS=N changes the number of kills (default 12).
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed (scripts/deps.sh test)" >&2; exit 77; }

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
workers=()
stop_workers() { local p; for p in "${workers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; workers=(); }
trap 'stop_workers; og_cleanup' EXIT

og_init "$D" >/dev/null || { bad "init"; og_done; }
og tenant create acme >/dev/null || { bad "tenant create"; og_done; }

ACK="$OG_TMP/acks"
STOP="$OG_TMP/stop"
: >"$ACK"
# writer W: adds users wW-1, wW-2, ... until $STOP exists; an acknowledged one is noted
writer() {
  local w=$1 i=0
  while [ ! -e "$STOP" ]; do
    i=$((i + 1))
    if og user add --tenant acme "w$w-$i" --role engineer >/dev/null 2>&1; then
      echo "w$w-$i" >>"$ACK"
    fi
  done
}
for w in 1 2 3 4; do writer "$w" & workers+=($!); done

ROUNDS=${OG_KILL_ROUNDS:-12}
killed=0
for r in $(seq 1 "$ROUNDS"); do
  sleep "0.$((RANDOM % 4 + 1))"
  w=${workers[$((RANDOM % 4))]}
  # the writer's running opsgate (a child of that subshell alone)
  for p in $(pgrep -P "$w" 2>/dev/null); do kill -9 "$p" 2>/dev/null && killed=$((killed + 1)); done
  if [ "$r" -eq $((ROUNDS / 2)) ]; then
    # a copy of the files as they are while the writers run: what killing them all leaves
    mkdir -p "$OG_TMP/copy" && cp -a "$D/." "$OG_TMP/copy/" 2>/dev/null
  fi
done
touch "$STOP"
stop_workers
echo "audit kill: $killed opsgate processes killed, $(wc -l <"$ACK") users acknowledged"
[ "$killed" -gt 0 ] && ok || bad "no opsgate process was killed"

if out=$(og audit verify 2>&1); then ok; else bad "audit verify after the kills: $out"; fi
users=$(og user list --tenant acme --json) || bad "user list"
missing=0
while read -r u; do
  jq -e --arg u "$u" '[.users[] | select(.name == $u)] | length == 1' <<<"$users" \
    >/dev/null || { missing=$((missing + 1)); echo "lost: $u" >&2; }
done <"$ACK"
[ "$missing" -eq 0 ] && ok || bad "$missing acknowledged users lost"
# the user.add records, 1000 at a time
records=0 after=0
while page=$(og audit list --tenant acme --action user.add --json --limit 1000 --after "$after"); do
  n=$(jq '.records | length' <<<"$page")
  [ "${n:-0}" -gt 0 ] || break
  records=$((records + n)) after=$(jq '.records[-1].seq' <<<"$page")
done
[ "${records:-0}" -ge "$(wc -l <"$ACK")" ] && ok ||
  bad "user.add records: ${records:-none} for $(wc -l <"$ACK") acknowledged users"

if [ -d "$OG_TMP/copy" ] && [ "${OG_IT_BACKEND:-}" != pg ]; then
  if out=$("$OPSGATE" --data "$OG_TMP/copy" audit verify 2>&1); then ok; else
    bad "audit verify of the copy taken while writing: $out"
  fi
fi
og_done
