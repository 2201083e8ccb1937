#!/usr/bin/env python3
"""ari_proxy.py - a loopback HTTPS front for Pebble 2.4 (which has no ARI) that adds RFC 9773
renewalInfo: /dir gains "renewalInfo", /renewal-info/<CertID> answers the window read from a JSON
file ({"start": RFC3339, "end": RFC3339, "retry_after": seconds}), everything else is passed to
Pebble unchanged with the client's Host header, so the URLs Pebble builds point back here.
Every renewalInfo CertID and every newOrder payload is logged, one JSON object a line, and so are
each client connection ({"connection": 1}) and each directory fetch ({"dir": 1}).
Rate limits: while RATELIMIT_FILE ({"count": N, "retry_after": S}) has count > 0, a newOrder is
answered 429 urn:ietf:params:acme:error:rateLimited with Retry-After S, and count goes down.

usage: ari_proxy.py PORT PEBBLE_HOSTPORT CERT KEY CAFILE WINDOW_FILE LOG_FILE [RATELIMIT_FILE]
"""
import base64, http.client, http.server, json, os, socketserver, ssl, sys, threading

port, upstream, cert, key, cafile, window_file, log_file = sys.argv[1:8]
ratelimit_file = sys.argv[8] if len(sys.argv) > 8 else None
lock = threading.Lock()


def rate_limited():
    """True (and count down) while the rate-limit file says so."""
    if not ratelimit_file or not os.path.exists(ratelimit_file):
        return None
    with lock:
        r = json.load(open(ratelimit_file))
        if r.get("count", 0) <= 0:
            return None
        r["count"] -= 1
        json.dump(r, open(ratelimit_file, "w"))
        return r["retry_after"]
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


def log(obj):
    with open(log_file, "a") as f:
        f.write(json.dumps(obj) + "\n")


def b64url_json(s):
    s += "=" * (-len(s) % 4)
    return json.loads(base64.urlsafe_b64decode(s) or b"null")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):  # one handler per client connection
        super().setup()
        log({"connection": 1})

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if self.command == "POST" and self.path.startswith("/order-plz") and body:
            ra = rate_limited()
            if ra is not None:
                log({"rateLimited": ra})
                problem = json.dumps({"type": "urn:ietf:params:acme:error:rateLimited",
                                      "detail": "too many new orders", "status": 429})
                return self.reply(429, problem.encode(),
                                  [("Content-Type", "application/problem+json"),
                                   ("Retry-After", str(ra))])
            log({"newOrder": b64url_json(json.loads(body)["payload"])})
        ctx = ssl.create_default_context(cafile=cafile)
        c = http.client.HTTPSConnection(upstream, context=ctx, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        if self.command == "GET" and self.path == "/dir":
            log({"dir": 1})
            d = json.loads(data)
            d["renewalInfo"] = "https://%s/renewal-info" % self.headers["Host"]
            data = json.dumps(d).encode()
        out = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP]
        self.reply(r.status, data, out)

    def do_GET(self):
        if self.path.startswith("/renewal-info/"):
            cert_id = self.path[len("/renewal-info/"):]
            log({"renewalInfo": cert_id})
            w = json.load(open(window_file))
            body = json.dumps({"suggestedWindow": {"start": w["start"], "end": w["end"]}})
            return self.reply(200, body.encode(), [("Content-Type", "application/json"),
                                                   ("Retry-After", str(w["retry_after"]))])
        self.forward()

    do_HEAD = forward
    do_POST = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", int(port)), Handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
srv.socket = tls.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
