#!/usr/bin/env bash
# ports.sh N - print the first port of N consecutive free loopback TCP ports, below the kernel's
# ephemeral range (32768 and up by default), where client sockets would collide with listeners.
set -euo pipefail
n=${1:-1}
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 200); do
  span=$(( 32000 - 10000 - n ))
  [ "$span" -gt 0 ] || { echo "ports.sh: $n ports is too many" >&2; exit 1; }
  base=$(( 10000 + (RANDOM * 32768 + RANDOM) % span ))
  ok=1
  # checking every port of a large range is slow; check both ends and a sample
  for p in $base $((base + n - 1)) $((base + n / 2)); do free "$p" || { ok=0; break; }; done
  if [ "$ok" = 1 ] && ! ss -Htan "sport >= :$base and sport < :$((base + n))" 2>/dev/null | grep -q .; then
    echo "$base"; exit 0
  fi
done
echo "ports.sh: no free range of $n ports" >&2
exit 1
