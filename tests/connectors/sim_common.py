"""sim_common.py - the server scaffolding the connector simulators (sim_*.py) share.

  * Handler: a JSON request handler (send, request bodies and forms, every method routed to
    route(method)); a simulator sets content_type / type_on_empty to its vendor's habits.
  * Bearer tokens kept in a simulator's state dict (tokens, token_count, token_ttl).
  * A queue of faults (state["faults"]: 429 storms, 500, slow, malformed, huge, expire,
    redirect) answered the same way by every simulator, with the vendor's own bodies.
  * The admin endpoints every fronted simulator has (/_sim/fault, /_sim/clear, /_sim/front).
  * Front: the vendor's OAuth server on its own port, passing everything else to the upstream
    (a Prism proxy or mock) or, when direct, straight to the simulator's API.
  * Paging helpers and serving with a port file ("API [FRONT]" once listening).
Standard library only.
"""
import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls
    content_type = "application/json"
    type_on_empty = False  # a Content-Type on an empty answer too (never on a 204)

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj=None, headers=None, raw=None, ct=None):
        """Answer obj as JSON, or raw bytes; headers win over the default Content-Type."""
        data = raw if raw is not None else (b"" if obj is None else json.dumps(obj).encode())
        self.send_response(status)
        hs = dict(headers or {})
        if "Content-Type" not in hs and (data or (self.type_on_empty and status != 204)):
            hs["Content-Type"] = ct or self.content_type
        for k, v in hs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def body_json(self, empty=None):
        data = self.read_body()
        return json.loads(data.decode()) if data else empty

    def read_form(self):
        """The form of a POST: (fields, get) where get(name) is its first value or ""."""
        form = urllib.parse.parse_qs(self.read_body().decode())
        return form, lambda k: form.get(k, [""])[0]

    def form_type_ok(self):
        return self.headers.get("Content-Type", "").split(";")[0] == \
            "application/x-www-form-urlencoded"

    def route(self, method):
        self.send(404, {"message": "no route"})

    def api_begin(self, method, lock, state):
        """The start of an API request of a bearer-token simulator: /_sim/... to self.admin,
        the request counted, the bearer checked (401 with no body), a queued fault answered
        (self.fault(path, q), slept outside the lock when slow). (path, query) to go on, or
        None when it was answered."""
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        path = u.path
        if path.startswith("/_sim/"):
            self.admin(method, path)
            return None
        with lock:
            count_request(state, path)
            if not bearer_ok(self.headers, state):
                self.send(401, raw=b"")
                return None
            answered = self.fault(path, q)
        if answered is True:
            return None
        if answered:
            time.sleep(answered)
        return path, q

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def do_PUT(self):
        self.route("PUT")


# ---- bearer tokens ----

def token_issue(state):
    """A new bearer token living state["token_ttl"] seconds."""
    tok = uuid.uuid4().hex
    state["tokens"][tok] = time.time() + state["token_ttl"]
    state["token_count"] += 1
    return tok


def bearer_ok(headers, state):
    auth = headers.get("Authorization") or ""
    tok = auth[7:] if auth.startswith("Bearer ") else None
    exp = state["tokens"].get(tok)
    return exp is not None and exp > time.time()


# ---- faults ----

def fault_peek(state):
    return state["faults"][0] if state["faults"] else None


def fault_take(state):
    """Consume one answer of the first queued fault; the fault, or None."""
    if not state["faults"]:
        return None
    f = state["faults"][0]
    f["count"] -= 1
    if f["count"] <= 0:
        state["faults"].pop(0)
    return f


def fault_answer(h, f, state, msg=None, malformed=b"", huge=None, redirect=""):
    """Answer the common fault f. msg(text) is the vendor's error body (None: empty bodies),
    huge(blob) the record list of a huge answer, redirect the Location of a redirect. True when
    answered, the seconds to sleep (outside the lock) for "slow", False for another kind."""
    kind = f["kind"]
    body = (lambda text: {"obj": msg(text)}) if msg else (lambda text: {"raw": b""})
    if kind == "429":
        h.send(429, headers={"Retry-After": str(f.get("retry_after", 1))},
               **body("Too many requests"))
    elif kind == "500":
        h.send(500, **body("Internal error"))
    elif kind == "slow":
        return float(f.get("seconds", 5))
    elif kind == "malformed":
        h.send(200, raw=malformed)
    elif kind == "huge":
        h.send(200, huge("x" * int(float(f.get("mb", 20)) * 1024 * 1024)))
    elif kind == "expire":  # the token dies mid-pull
        state["tokens"] = {}
        h.send(401, **body("Authorization has been denied for this request."))
    elif kind == "redirect":
        h.send(302, headers={"Location": redirect}, **body("moved"))
    else:
        return False
    return True


def counter_take(d, key):
    """A countdown fault (d[key] answers left, e.g. a 429 storm): True, and one fewer, while
    any is left."""
    if d.get(key, 0) > 0:
        d[key] -= 1
        return True
    return False


def admin_common(h, path, body, state, front):
    """/_sim/fault, /_sim/clear, /_sim/front (call with the lock held); True when answered."""
    if path == "/_sim/fault":
        state["faults"].append(dict(body, count=body.get("count", 1)))
    elif path == "/_sim/clear":
        state["faults"] = []
        state["requests"] = {}
    elif path == "/_sim/front":  # hostile answers Prism would rewrite go around it
        front.direct = bool(body.get("direct"))
    else:
        return False
    h.send(200, {"ok": True})
    return True


def count_request(state, path):
    state["requests"][path] = state["requests"].get(path, 0) + 1


# ---- paging ----

def qint(q, name, default):
    """An integer query parameter (parse_qs's dict), default when absent or empty."""
    return int(q.get(name, [str(default)])[0] or default)


def page_slice(items, no, size, first=0):
    """Page `no` (counted from `first`) of `size` items."""
    return items[(no - first) * size:(no - first + 1) * size]


def after_slice(items, after, size, key="id"):
    """The first `size` items whose key is above `after` (a cursor)."""
    return [r for r in items if r[key] > after][:size]


# ---- the front: the OAuth server, the rest passed on ----

class Front(Handler):
    """Answers POST token_path with token(); everything else goes to the upstream (Prism), or
    straight to the simulator's API when direct. A simulator's Front derives from this and its
    API class (class Front(sim_common.Front, API)) so it answers as the API does."""
    token_path = "/token"
    error_key = "message"  # the vendor's error field, for a failed pass-through
    upstream = None
    api_port = None
    front_port = None
    direct = False

    def route(self, method):
        if urllib.parse.urlsplit(self.path).path == self.token_path and method == "POST":
            return self.token()
        return self.forward(method)

    def token(self):
        self.send(404, {self.error_key: "no token endpoint"})

    def forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        up = urllib.parse.urlsplit(self.upstream)
        cls = type(self)
        host, port = (("127.0.0.1", cls.api_port) if cls.direct else (up.hostname, up.port))
        conn = http.client.HTTPConnection(host, port, timeout=120)
        hs = {k: v for k, v in self.headers.items()
              if k.lower() not in ("host", "connection", "content-length")}
        try:
            conn.request(method, self.path, body=data, headers=hs)
            r = conn.getresponse()
            body = r.read()
        except OSError as e:
            return self.send(502, {self.error_key: "front: upstream failed: %s" % e})
        finally:
            conn.close()
        out = {k: v for k, v in r.getheaders()
               if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                    "keep-alive")}
        return self.send(r.status, headers=out, raw=body)


# ---- serving ----

def pair_args(client_id):
    """The command line of a fronted simulator (add options, then parse_args)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--front-port", type=int, default=0)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-id", default=client_id)
    ap.add_argument("--client-secret", default="og-secret")
    return ap


def write_port_file(path, *ports):
    with open(path + ".tmp", "w") as f:
        f.write(" ".join("%d" % p for p in ports) + "\n")
    os.replace(path + ".tmp", path)


def serve_pair(api_cls, front_cls, a):
    """Serve the API on a.port and the front on a.front_port (front_cls.upstream =
    a.upstream), write "API FRONT" to a.port_file, run until killed."""
    front_cls.upstream = a.upstream
    api = ThreadingHTTPServer(("127.0.0.1", a.port), api_cls)
    front = ThreadingHTTPServer(("127.0.0.1", a.front_port), front_cls)
    api.daemon_threads = front.daemon_threads = True
    front_cls.api_port = api.server_address[1]
    front_cls.front_port = front.server_address[1]
    threading.Thread(target=front.serve_forever, daemon=True).start()
    write_port_file(a.port_file, api.server_address[1], front.server_address[1])
    api.serve_forever()


def serve_one(handler_cls, port_file, port=0):
    """Serve one listener, write its port to port_file, run until killed."""
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
    srv.daemon_threads = True
    write_port_file(port_file, srv.server_address[1])
    srv.serve_forever()
