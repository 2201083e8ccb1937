#!/usr/bin/env python3
"""sim_ninjaone.py - a stateful NinjaOne (Public API 2.0) simulator for the connector tests.

Two listeners in one process:
  * the API (--port, 0 = any): /v2/organizations, /v2/devices, /v2/devices-detailed with the
    `pageSize`/`after` cursor (ids above `after`, ascending), answering NinjaOne's documented
    shapes (a JSON array), bearer tokens from the front; an admin endpoint /_sim/...;
  * the front (--front-port): the OAuth server (POST /ws/oauth/token, client credentials, scope
    "monitoring management") and a pass-through of everything else to --upstream (a Prism proxy
    in front of the API, or a Prism mock), so the adaptor sees one NinjaOne host while Prism
    checks every API request and answer against NinjaOne's document.
Ports are written to --port-file as "API FRONT" once both listen. Standard library only.

Admin (POST JSON to the API port):
  /_sim/seed {"orgs": N, "devices": N}   fresh data (device i in org (i-1)%orgs+1)
  /_sim/add {"organizationId": N, "nodeClass": ..., "dnsName": ...}  a new device (-> {"id"})
  /_sim/delete {"id": N}                 the device is gone
  /_sim/touch {"id": N, ...fields}       change a device, lastUpdate = now
  /_sim/fault {"kind": ..., "count": N}  next N API answers: "429" (retry_after), "slow"
                (seconds), "malformed", "huge" (mb), "redirect", "expire" (tokens die: 401),
                "loop" (the same page whatever the cursor), "endless" (new ids forever), "500"
  /_sim/front {"direct": true|false}     the front passes API calls straight to the simulator
  /_sim/clear                            forget queued faults and request counts
  /_sim/stats (GET)                      {"requests": {path: n}, "tokens": n, "scopes": [...]}
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {}
CLASSES = ["WINDOWS_SERVER", "WINDOWS_WORKSTATION", "LINUX_SERVER", "MAC", "NMS_SWITCH",
           "VMWARE_VM_HOST", "LINUX_WORKSTATION", "APPLE_IOS", "NMS_FIREWALL", "HYPERV_VMM_GUEST"]
T0 = 1767600000.25  # 2026-01-05T08:00:00.25Z


def device(i, org, cls=None, **kw):
    cls = cls or CLASSES[(i - 1) % len(CLASSES)]
    d = {"id": i, "uid": str(uuid.UUID(int=i)), "organizationId": org, "locationId": org * 10,
         "nodeClass": cls, "nodeRoleId": 1, "policyId": 2, "approvalStatus": "APPROVED",
         "offline": i % 7 == 0, "displayName": "Device %d" % i, "systemName": "HOST-%05d" % i,
         "dnsName": "host-%05d.org%d.example" % (i, org), "netbiosName": "HOST-%05d" % i,
         "created": T0 - 86400, "lastContact": T0 + i, "lastUpdate": T0 + 0.5,
         "ipAddresses": ["10.%d.%d.%d" % (org, i // 250, i % 250 + 1), "fe80::%x" % i],
         "macAddresses": ["00:11:22:33:%02x:%02x" % (i // 256 % 256, i % 256)],
         "publicIP": "203.0.113.%d" % (org % 250 + 1), "tags": [], "notes": []}
    d.update(kw)
    return d


def reset(orgs=3, devices=3):
    st = {"orgs": {}, "devices": {}, "tokens": {}, "token_count": 0, "scopes": [],
          "requests": {}, "faults": [], "next_id": 100000,
          "client_id": STATE.get("client_id", "og-client"),
          "client_secret": STATE.get("client_secret", "og-secret"),
          "token_ttl": STATE.get("token_ttl", 3600)}
    for o in range(1, orgs + 1):
        st["orgs"][o] = {"id": o, "name": "Org %d" % o, "description": "Client %d" % o,
                         "nodeApprovalMode": "AUTOMATIC"}
    for i in range(1, devices + 1):
        st["devices"][i] = device(i, (i - 1) % orgs + 1)
    STATE.clear()
    STATE.update(st)


def cursor_page(items, q):
    size = int(q.get("pageSize", ["1000"])[0] or 1000)
    after = int(q.get("after", ["0"])[0] or 0)
    return [r for r in items if r["id"] > after][:size]


class API(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=None, raw=False):
        data = body if raw else json.dumps(body).encode()
        self.send_response(status)
        hs = dict(headers or {})
        if "Content-Type" not in hs and data:
            hs["Content-Type"] = "application/json"
        for k, v in hs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        return json.loads(data.decode() or "{}")

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def authed(self):
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        exp = STATE["tokens"].get(tok)
        return exp is not None and exp > time.time()

    def fault(self, path, q):
        """Consume one queued fault for this API request; True when it answered."""
        if not STATE["faults"]:
            return False
        f = STATE["faults"][0]
        kind = f["kind"]
        if kind in ("loop", "endless"):
            if not path.startswith("/v2/devices"):
                return False
            size = int(q.get("pageSize", ["1000"])[0] or 1000)
            after = int(q.get("after", ["0"])[0] or 0)
            base = 900000 if kind == "loop" else max(after, 900000)
            self.send(200, [device(base + 1 + i, 1) for i in range(size)])
            return True
        f["count"] -= 1
        if f["count"] <= 0:
            STATE["faults"].pop(0)
        if kind == "429":
            self.send(429, b"", {"Retry-After": str(f.get("retry_after", 1))}, raw=True)
        elif kind == "500":
            self.send(500, b"", raw=True)
        elif kind == "slow":
            return float(f.get("seconds", 5))  # slept outside the lock
        elif kind == "malformed":
            self.send(200, b'[{"id": 1, "nodeClass": "WINDOWS_SERV', raw=True)
        elif kind == "huge":
            blob = "x" * int(float(f.get("mb", 20)) * 1024 * 1024)
            self.send(200, [device(1, 1, notes=[{"text": blob}])])
        elif kind == "expire":  # the token dies mid-pull, as NinjaOne's do after expires_in
            STATE["tokens"] = {}
            self.send(401, b"", raw=True)
        elif kind == "redirect":
            self.send(302, b"", {"Location": "http://elsewhere.example:8080/v2/devices"},
                      raw=True)
        else:
            return False
        return True

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        path = u.path
        if path.startswith("/_sim/"):
            return self.admin(method, path)
        with LOCK:
            STATE["requests"][path] = STATE["requests"].get(path, 0) + 1
            if not self.authed():
                return self.send(401, b"", raw=True)
            answered = self.fault(path, q)
        if answered is True:
            return
        if answered:
            time.sleep(answered)
        if method != "GET":
            return self.send(405, {"resultCode": "FAILURE", "errorMessage": "not here"})
        with LOCK:
            if path == "/v2/organizations":
                items = sorted(STATE["orgs"].values(), key=lambda r: r["id"])
                return self.send(200, cursor_page(items, q))
            if path in ("/v2/devices", "/v2/devices-detailed"):
                items = sorted(STATE["devices"].values(), key=lambda r: r["id"])
                if path == "/v2/devices":
                    keep = ("id", "organizationId", "locationId", "nodeClass", "offline",
                            "displayName", "systemName", "dnsName", "created", "lastContact",
                            "lastUpdate", "approvalStatus", "uid", "nodeRoleId", "policyId")
                    items = [{k: v for k, v in d.items() if k in keep} for d in items]
                return self.send(200, cursor_page(items, q))
        return self.send(404, {"resultCode": "FAILURE", "errorMessage": "no route"})

    def admin(self, method, path):
        body = self.body_json() if method == "POST" else None
        with LOCK:
            if path == "/_sim/seed":
                b = body or {}
                reset(b.get("orgs", 3), b.get("devices", 3))
                STATE["token_ttl"] = b.get("token_ttl", 3600)
                return self.send(200, {"ok": True})
            if path == "/_sim/add":
                STATE["next_id"] += 1
                i = STATE["next_id"]
                kw = {k: v for k, v in body.items() if k not in ("organizationId", "nodeClass")}
                d = device(i, body.get("organizationId", 1), body.get("nodeClass"), **kw)
                d["lastUpdate"] = time.time()
                STATE["devices"][i] = d
                return self.send(200, {"id": i})
            if path == "/_sim/delete":
                STATE["devices"].pop(body["id"], None)
                return self.send(200, {"ok": True})
            if path == "/_sim/touch":
                d = STATE["devices"][body["id"]]
                d.update({k: v for k, v in body.items() if k != "id"})
                d["lastUpdate"] = time.time()
                return self.send(200, d)
            if path == "/_sim/fault":
                STATE["faults"].append(dict(body, count=body.get("count", 1)))
                return self.send(200, {"ok": True})
            if path == "/_sim/clear":
                STATE["faults"] = []
                STATE["requests"] = {}
                return self.send(200, {"ok": True})
            if path == "/_sim/front":
                Front.direct = bool(body.get("direct"))
                return self.send(200, {"ok": True})
            if path == "/_sim/stats":
                return self.send(200, {"requests": STATE["requests"],
                                       "tokens": STATE["token_count"],
                                       "scopes": STATE["scopes"]})
        return self.send(404, {"errorMessage": "no admin route"})


class Front(API):
    """The OAuth server, and a pass-through of the API to the upstream (Prism)."""
    upstream = None
    api_port = None
    direct = False

    def route(self, method):
        if urllib.parse.urlsplit(self.path).path == "/ws/oauth/token" and method == "POST":
            return self.token()
        return self.forward(method)

    def token(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        get = lambda k: form.get(k, [""])[0]
        with LOCK:
            STATE["scopes"].append(get("scope"))
            if self.headers.get("Content-Type", "").split(";")[0] != \
                    "application/x-www-form-urlencoded" or \
                    get("grant_type") != "client_credentials":
                return self.send(400, {"error": "unsupported_grant_type",
                                       "error_description": "grant_type must be "
                                       "client_credentials"})
            if get("client_id") != STATE["client_id"] or \
                    get("client_secret") != STATE["client_secret"]:
                return self.send(401, {"error": "invalid_client",
                                       "error_description": "Invalid client credentials "
                                       "(NINJA-AUTH-2231)"})
            if sorted(get("scope").split()) != ["management", "monitoring"]:
                return self.send(400, {"error": "invalid_scope",
                                       "error_description": "scope not granted"})
            tok = uuid.uuid4().hex
            STATE["tokens"][tok] = time.time() + STATE["token_ttl"]
            STATE["token_count"] += 1
            return self.send(200, {"access_token": tok, "token_type": "Bearer",
                                   "expires_in": STATE["token_ttl"],
                                   "scope": "monitoring management"})

    def forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        up = urllib.parse.urlsplit(self.upstream)
        host, port = (("127.0.0.1", Front.api_port) if Front.direct else (up.hostname, up.port))
        conn = http.client.HTTPConnection(host, port, timeout=120)
        hs = {k: v for k, v in self.headers.items()
              if k.lower() not in ("host", "connection", "content-length")}
        try:
            conn.request(method, self.path, body=data, headers=hs)
            r = conn.getresponse()
            body = r.read()
        except OSError as e:
            return self.send(502, {"errorMessage": "front: upstream failed: %s" % e})
        finally:
            conn.close()
        out = {k: v for k, v in r.getheaders()
               if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                    "keep-alive")}
        return self.send(r.status, body, out, raw=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--front-port", type=int, default=0)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-id", default="og-client")
    ap.add_argument("--client-secret", default="og-secret")
    a = ap.parse_args()
    STATE.update({"client_id": a.client_id, "client_secret": a.client_secret})
    reset()
    Front.upstream = a.upstream
    api = ThreadingHTTPServer(("127.0.0.1", a.port), API)
    front = ThreadingHTTPServer(("127.0.0.1", a.front_port), Front)
    api.daemon_threads = front.daemon_threads = True
    Front.api_port = api.server_address[1]
    threading.Thread(target=front.serve_forever, daemon=True).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (api.server_address[1], front.server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)
    api.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
