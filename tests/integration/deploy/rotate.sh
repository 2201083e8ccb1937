# rotate.sh - the zero-downtime check shared by test_deploy_rotation_*.sh (source after lib.sh).
#   rotation_certs N                  leaves r0..rN imported; FP[i] their fingerprints
#   rotate_under_load TARGET PORT N   N deploys r1..rN to TARGET while the load client hammers
#                                     127.0.0.1:PORT (SNI localhost) with fresh connections; then
#                                     checks zero failed requests, and that no connection started
#                                     after rotation i was verified saw a certificate older than r_i
#                                     (one started during rotation i may still see r_{i-1}; one may
#                                     see a newer certificate that arrived before it ended).
declare -a FP
rotation_certs() {
  local i
  for i in $(seq 0 "$1"); do leaf "r$i"; import "r$i"; FP[$i]=$(fp "$P/r$i.crt"); done
}
rotate_under_load() {
  local target=$1 port=$2 n=$3 i s v
  build_loadclient
  rm -f "$T/stop" "$T/requests" "$T/rotations"
  echo "0 0 ${FP[0]}" > "$T/rotations"
  "$T/loadclient" 127.0.0.1 "$port" localhost 4 "$T/stop" 100 "$T/requests" &
  local lc=$!
  _bg_pids+=("$lc")
  sleep 0.3   # let the load start; nothing below depends on its timing
  for i in $(seq 1 "$n"); do
    s=$(date +%s%6N)
    if cert_deploy_wired; then out=$(og cert deploy --tenant acme "${FP[$i]}" --target "$target" 2>"$T/err")
    else out=$(og target deploy --tenant acme "$target" --cert "${FP[$i]}" 2>"$T/err"); fi
    local rc=$?
    v=$(date +%s%6N)
    if [ "$rc" -ne 0 ]; then bad "rotation $i to $target: exit $rc: $(cat "$T/err")"; break; fi
    echo "$s $v ${FP[$i]}" >> "$T/rotations"
    sleep 0.2   # traffic after each verified rotation, for the check below
  done
  touch "$T/stop"
  wait "$lc"
  [ -s "$T/requests" ] || { bad "the load client wrote nothing"; return; }
  # A connection sees the certificate of the moment its handshake is answered, somewhere
  # between its start and its end: it may see the certificate current at its start (the one
  # before when it started during a rotation) or any newer one that arrived before it ended.
  # Older than that after a verified rotation is stale; anything else is unexpected.
  awk -v rot="$T/rotations" '
    BEGIN { n = 0; while ((getline line < rot) > 0) { split(line, f, " "); S[n] = f[1]; V[n] = f[2]; F[n] = f[3]; I[f[3]] = n; n++ } }
    function at(t,   j) { for (j = n - 1; j > 0; j--) if (t >= S[j]) return j; return 0 }
    { total++
      if ($3 != 1) { failed++; if (failed <= 5) print "failed request: " $0 > "/dev/stderr"; next }
      ks = at($1); ke = at($2); verified = $1 >= V[ks]
      lo = verified ? ks : (ks > 0 ? ks - 1 : 0)
      if (verified) after++; else during++
      j = ($4 in I) ? I[$4] : -1
      if (j >= 0 && j < lo) { if (verified) { stale++; if (stale <= 5) print "stale after rotation " ks ": " $0 > "/dev/stderr" } else odd++ }
      else if (j < 0 || j > ke) { odd++; if (odd <= 5) print "unexpected certificate (rotation " ks "): " $0 > "/dev/stderr" }
    }
    END { printf "%d %d %d %d %d %d\n", total, failed + 0, stale + 0, odd + 0, after + 0, during + 0 }
' "$T/requests" > "$T/verdict"
  read -r total failed stale odd after during < "$T/verdict"
  echo "$target: $n rotations, $total requests ($after after a verified rotation, $during during one), $failed failed, $stale stale"
  [ "$(wc -l < "$T/rotations")" -eq $((n + 1)) ] && ok || bad "$target: not all $n rotations ran"
  [ "$total" -ge 200 ] && ok || bad "$target: only $total requests under load"
  eq "$failed" 0 "$target: failed requests under load"
  eq "$stale" 0 "$target: connections after a verified rotation that saw an older certificate"
  eq "$odd" 0 "$target: connections that saw a certificate not current during their lifetime"
}
