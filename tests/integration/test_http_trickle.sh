#!/usr/bin/env bash
# test_http_trickle.sh - the whole-request deadline of opsgate serve against tricklers
# (abuse/trickle.py): clients sending their headers, or their body, one byte every 0.5 s (which
# libmicrohttpd's idle timeout never closes: it restarts with every byte) are cut off by
# --request-timeout 2 within the deadline + 3 s, while /healthz keeps answering every probe within
# 2 s; a kept-alive connection silent for longer than the deadline is still served, and a
# legitimate slow upload of 3 MB over 4 s (twice the deadline) succeeds.
# Test of the test: a trickler against a server without the deadline (--request-timeout 0) is
# never cut, not even by a 1 s idle timeout.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
TRICKLE="$(dirname "$0")/abuse/trickle.py"

D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
port() { echo "${OG_URL##*:}"; }
jqv() { jq -r "$1" <<<"$res"; }
og() { "$OPSGATE" --data "$D" "$@"; }

# ---- tricklers, a kept-alive connection and a slow upload under the deadline
og tenant create acme >/dev/null && og user add --tenant acme pam --role project-manager >/dev/null &&
  og --as pam project create --tenant acme northwind "Northwind" >/dev/null || bad "setup"
pam=$(og token create --tenant acme --user pam --json | jq -r .token)
og_serve "$D" --request-timeout 2 --idle-timeout 30 || exit 1
clients=()
for i in 1 2 3 4 5; do
  python3 "$TRICKLE" "$(port)" headers --every 0.5 --max 20 >"$OG_TMP/th.$i" & clients+=($!)
  python3 "$TRICKLE" "$(port)" body --every 0.5 --max 20 >"$OG_TMP/tb.$i" & clients+=($!)
done
python3 "$TRICKLE" "$(port)" keepalive --idle 3.5 >"$OG_TMP/keep" & clients+=($!)
python3 "$TRICKLE" "$(port)" upload --path /api/v1/projects/northwind/artifacts/slow.bin \
  --token "$pam" --bytes 3000000 --seconds 4 >"$OG_TMP/upload" & clients+=($!)
probes=0 probe_fail=0
for _ in $(seq 12); do
  curl -fsS -o /dev/null --max-time 2 "$OG_URL/healthz" 2>/dev/null || probe_fail=$((probe_fail + 1))
  probes=$((probes + 1)); sleep 0.3
done
wait "${clients[@]}"
[ "$probe_fail" = 0 ] && ok || bad "/healthz failed $probe_fail of $probes times while tricklers ran"
for f in "$OG_TMP"/th.* "$OG_TMP"/tb.*; do
  res=$(cat "$f"); echo "trickler $(basename "$f"): $res"
  after=$(jqv .closed_after)
  [ "$after" != null ] && awk -v t="$after" 'BEGIN { exit !(t >= 1.5 && t <= 5) }' && ok ||
    bad "a trickler is cut off after the 2 s deadline, within 3 s of slack: $res"
done
res=$(cat "$OG_TMP/keep"); echo "kept alive, silent 3.5 s: $res"
[ "$(jqv .second)" = 200 ] && ok || bad "a kept-alive connection silent past the deadline is served: $res"
res=$(cat "$OG_TMP/upload"); echo "3 MB over 4 s: $res"
[ "$(jqv .status)" = 201 ] && ok || bad "a slow legitimate upload succeeds: $res"
grep -q "took over the request deadline" "$OG_SERVER_LOG" && ok || bad "the cut is logged"
og_stop

# ---- test of the test: a trickler against a server without the deadline is never cut (the idle
# timeout restarts with each byte)
og_serve "$D" --request-timeout 0 --idle-timeout 1 || exit 1
res=$(python3 "$TRICKLE" "$(port)" headers --every 0.5 --max 3)
echo "no deadline (--request-timeout 0, --idle-timeout 1), header trickler for 3 s: $res"
[ "$(jqv .closed_after)" = null ] && ok || bad "the check must catch a server without the deadline: $res"
og_stop

og_done
