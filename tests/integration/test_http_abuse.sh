#!/usr/bin/env bash
# test_http_abuse.sh - connection abuse against opsgate serve: 2000 idle connections, slow headers
# (slowloris: one header byte per second) and slow bodies (one body byte per second), all from one
# source address (127.0.0.2), while /healthz is probed from 127.0.0.1 every 0.2 s: every probe
# must answer 200 within 2 s (a generous deadline; the 50 ms aim is in `make bench`). The
# per-address connection limit keeps the attackers' slots bounded, the global cap closes
# connections beyond it at once, idle connections are closed after --idle-timeout, and the server
# serves normally afterwards.
# Tricklers that keep sending (the request deadline) are in test_http_trickle.sh.
# Test of the test: the same attack against a server started without the protection
# (--max-connections-per-ip 0, a 3600 s idle timeout) must make the probe fail.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
CLIENT="$(dirname "$0")/abuse/client.py"
# 2000 client sockets here, as many on the server's side (same user): raise the soft limit.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 4200 ] || { echo "SKIP: cannot open 4200 files (ulimit -Hn $(ulimit -Hn))"; exit 77; }
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
  { echo "SKIP: cannot bind 127.0.0.2 (loopback is not 127.0.0.0/8)"; exit 77; }

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
port() { echo "${OG_URL##*:}"; }
jqv() { jq -r "$1" <<<"$res"; }

# ---- protected: the defaults (512 connections, 128 per address, 60 s idle timeout)
og_serve "$D" || exit 1
res=$(python3 "$CLIENT" "$(port)" --idle 2000 --slow-headers 50 --slow-bodies 50 --seconds 6)
echo "defaults, 50 slow-header + 50 slow-body + 2000 idle from one address: $res"
[ "$(jqv .probes)" -ge 5 ] && ok || bad "the probe ran ($res)"
[ "$(jqv .probe_failures)" = 0 ] && ok || bad "/healthz failed or took over 2 s under attack: $res"
[ "$(jqv .held_1s)" -le 128 ] && ok || bad "at most 128 attacking connections held (1 s in): $res"
[ "$(jqv .held)" -le 128 ] && ok || bad "at most 128 attacking connections held (at the end): $res"
[ "$(jqv .closed_by_server)" -ge 1972 ] && ok || bad "connections beyond the limit are closed: $res"
# A slow client that keeps sending is not idle: libmicrohttpd's idle timeout never closes it;
# the per-address limit bounds how many, the request deadline (test_http_trickle.sh) how long.
api GET /api/v1/whoami "$admin"
expect_status 200 "whoami after the attack"
kill -0 "$OG_SERVER_PID" 2>/dev/null && ok || bad "the server survived"
og_stop
eq_status() { [ "$OG_SERVER_STATUS" = "$1" ] && ok || bad "$2: status $OG_SERVER_STATUS"; }
eq_status 0 "clean stop after the attack"

# ---- the global cap: beyond it connections are closed at once (the probe too: all slots are
# taken), and the idle timeout frees the slots
og_serve "$D" --max-connections 30 --idle-timeout 3 || exit 1
res=$(python3 "$CLIENT" "$(port)" --idle 40 --src 127.0.0.4 --seconds 0.5 --deadline 2)
echo "--max-connections 30, 40 idle: $res"
[ "$(jqv .held_1s)" = 30 ] && ok || bad "30 connections held at the cap: $res"
[ "$(jqv .closed_by_server)" = 10 ] && ok || bad "the 10 beyond the cap are closed at once: $res"
res=$(python3 "$CLIENT" "$(port)" --idle 20 --src 127.0.0.3 --wait-closed 6)
echo "--idle-timeout 3, 20 idle connections after 6 s: $res"
[ "$(jqv .opened)" = 20 ] && ok || bad "20 idle connections opened: $res"
[ "$(jqv .closed)" = 20 ] && ok || bad "idle connections closed after the idle timeout: $res"
api GET /healthz
expect_status 200 "/healthz once the idle ones timed out"
og_stop

# ---- test of the test: the same attack against a server without the protection
og_serve "$D" --max-connections-per-ip 0 --idle-timeout 3600 || exit 1
res=$(python3 "$CLIENT" "$(port)" --idle 2000 --slow-headers 50 --slow-bodies 50 --seconds 3)
echo "unprotected (--max-connections-per-ip 0, --idle-timeout 3600): $res"
[ "$(jqv .probe_failures)" -ge 1 ] && ok ||
  bad "the check must catch an unprotected server (probe never failed): $res"
og_stop
og_done
