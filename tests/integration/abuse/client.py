#!/usr/bin/env python3
"""client.py - hostile connections against opsgate serve for test_http_abuse.sh, with a /healthz
probe throughout. Prints one JSON object of what it saw; the test asserts on it.

  client.py PORT --idle N --slow-headers N --slow-bodies N --src ADDR --seconds S
  client.py PORT --idle N --src ADDR --wait-closed SECONDS   (idle timeout: all closed by then?)

Attacking connections are bound to --src (e.g. 127.0.0.2); the probe comes from 127.0.0.1, as a
separate client would. A probe failing or taking over --deadline seconds counts as a failure."""
import argparse, json, socket, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("--idle", type=int, default=0)
ap.add_argument("--slow-headers", type=int, default=0)
ap.add_argument("--slow-bodies", type=int, default=0)
ap.add_argument("--src", default="127.0.0.2")
ap.add_argument("--seconds", type=float, default=5)
ap.add_argument("--deadline", type=float, default=2.0)
ap.add_argument("--wait-closed", type=float, default=0)
a = ap.parse_args()


def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", a.port))
    return s


def is_closed(s):
    """True when the server closed (or reset) the connection."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


conns, failed_connect = [], 0
# The slow ones first: with a per-address limit they take slots, and the idle ones fill the rest.
for kind, n in (("header", a.slow_headers), ("body", a.slow_bodies), ("idle", a.idle)):
    for _ in range(n):
        try:
            conns.append((kind, connect()))
        except OSError:
            failed_connect += 1

# Slow writers: one byte per second per connection, a request that never completes.
feeds = {
    "header": b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 4000,
    "body": b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n" + b" " * 100000,
}
stop = threading.Event()
write_errors = [0]


def slow_writer():
    pos = 0
    while not stop.is_set():
        for kind, s in conns:
            if kind in feeds:
                try:
                    s.send(feeds[kind][pos:pos + 1])
                except OSError:
                    write_errors[0] += 1
        pos += 1
        stop.wait(1.0)


probes, probe_fail, worst, fail_why, times = 0, 0, 0.0, [], []


def probe():
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", a.port), timeout=a.deadline)
        s.settimeout(a.deadline)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        ok = data.startswith(b"HTTP/1.1 200")
        why = "" if ok else "answer %r" % data[:40]
    except OSError as e:
        ok, why = False, str(e) or type(e).__name__
    dt = time.monotonic() - t0
    if dt > a.deadline:
        ok, why = False, "took %.2fs" % dt
    return ok, dt, why


if a.wait_closed:
    time.sleep(a.wait_closed)
    closed = sum(1 for _, s in conns if is_closed(s))
    print(json.dumps({"opened": len(conns), "closed": closed, "failed_connect": failed_connect}))
    raise SystemExit(0)

w = threading.Thread(target=slow_writer, daemon=True)
w.start()
time.sleep(1)
held_1s = sum(1 for _, s in conns if not is_closed(s))
end = time.monotonic() + a.seconds
while time.monotonic() < end:
    ok, dt, why = probe()
    probes += 1
    worst = max(worst, dt)
    times.append(dt)
    if not ok:
        probe_fail += 1
        if len(fail_why) < 3:
            fail_why.append(why)
    time.sleep(0.2)
stop.set()
closed = sum(1 for _, s in conns if is_closed(s))
print(json.dumps({
    "opened": len(conns), "failed_connect": failed_connect, "closed_by_server": closed,
    "held_1s": held_1s, "held": len(conns) - closed,
    "slow_held": sum(1 for k, s in conns if k != "idle" and not is_closed(s)), "probes": probes, "probe_failures": probe_fail,
    "worst_ms": round(worst * 1000, 1), "why": fail_why,
    "p50_ms": round(sorted(times)[len(times) // 2] * 1000, 2) if times else None,
    "p99_ms": round(sorted(times)[min(len(times) - 1, len(times) * 99 // 100)] * 1000, 2)
    if times else None,
}))
