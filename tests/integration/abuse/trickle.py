#!/usr/bin/env python3
"""trickle.py - slow clients against opsgate serve's request deadline, for test_http_abuse.sh.
Prints one JSON object of what it saw; the test asserts on it.

  trickle.py PORT headers --every S --max S   request headers, one byte every S seconds
  trickle.py PORT body --every S --max S      whole headers, then the body one byte every S s
  trickle.py PORT keepalive --idle S          a request, S silent seconds, a second request
  trickle.py PORT upload --path P --token T --bytes N --seconds S
                                               a PUT of N bytes spread evenly over S seconds

headers/body report "closed_after" (seconds from the first byte until the server closed the
connection; null if it was still open after --max) and "sent" (bytes); keepalive reports both
statuses; upload reports the status and the seconds it took."""
import argparse, json, socket, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("mode", choices=["headers", "body", "keepalive", "upload"])
ap.add_argument("--every", type=float, default=1.0)
ap.add_argument("--max", type=float, default=30.0)
ap.add_argument("--idle", type=float, default=3.0)
ap.add_argument("--path", default="/healthz")
ap.add_argument("--token", default="")
ap.add_argument("--bytes", type=int, default=0)
ap.add_argument("--seconds", type=float, default=5.0)
a = ap.parse_args()


def connect():
    s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed(s):
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


def read_reply(s):
    """The status of one reply (reads headers and a Content-Length body), or None."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1])


def trickle(prefix, feed):
    s = connect()
    start = time.monotonic()
    sent = 0
    if prefix:
        s.sendall(prefix)
        sent += len(prefix)
    for b in feed:
        if time.monotonic() - start > a.max:
            return {"closed_after": None, "sent": sent}
        try:
            s.sendall(bytes([b]))
            sent += 1
        except OSError:
            break
        # Wait for the next byte's time, noticing a close meanwhile.
        until = time.monotonic() + a.every
        while time.monotonic() < until:
            if closed(s):
                return {"closed_after": round(time.monotonic() - start, 2), "sent": sent}
            time.sleep(0.05)
    return {"closed_after": round(time.monotonic() - start, 2), "sent": sent}


if a.mode == "headers":
    out = trickle(b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000)
elif a.mode == "body":
    out = trickle(b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 100000\r\n\r\n", b" " * 100000)
elif a.mode == "keepalive":
    s = connect()
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    s.sendall(req)
    first = read_reply(s)
    time.sleep(a.idle)
    second = None
    try:
        s.sendall(req)
        second = read_reply(s)
    except OSError:
        pass
    out = {"first": first, "second": second}
else:
    s = connect()
    start = time.monotonic()
    s.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
               % (a.path, a.token, a.bytes)).encode())
    piece, sent, status = 16384, 0, None
    block = b"x" * piece
    try:
        while sent < a.bytes:
            n = min(piece, a.bytes - sent)
            s.sendall(block[:n])
            sent += n
            # Even pacing: sent bytes by now = bytes x elapsed / seconds.
            ahead = start + a.seconds * sent / a.bytes - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        status = read_reply(s)
    except OSError as e:
        print("upload: %s" % e, file=sys.stderr)
    out = {"status": status, "sent": sent, "seconds": round(time.monotonic() - start, 2)}
print(json.dumps(out))
