#!/usr/bin/env python3
"""sim_msgraph.py - a stateful Microsoft Graph (v1.0) simulator for the msgraph connector tests.

Three listeners in one process:
  * the API (--port): /v1.0/organization, /v1.0/applications, /v1.0/servicePrincipals (each
    with $select and $top, pages along @odata.nextLink with a $skiptoken), and Intune's
    /v1.0/deviceManagement/managedDevices, in Graph's documented shapes, bearer tokens from the
    login listener; an admin endpoint /_sim/...;
  * the front: a pass-through of everything to --upstream (a Prism proxy in front of the API, or
    a Prism mock), or straight to the API (/_sim/front {"direct": true}), so the adaptor sees one
    Graph host while Prism checks every request and answer; and Entra's token endpoint, as the
    login listener has it (the adaptor sends a token request only to Entra's public login host
    or to the Graph base's own origin);
  * a login listener of its own: POST /{tenant}/oauth2/v2.0/token, client credentials with a
    client secret or a client assertion (a JWT checked as Entra does: x5t#S256 of the registered
    certificate, the signature with openssl, aud, iss, sub, exp), scope
    https://graph.microsoft.com/.default. Entra's token endpoint is not part of Graph's document.
Ports are written to --port-file as "API FRONT LOGIN" once all listen. Standard library only
(the assertion's signature is checked with the openssl command).

Admin (POST JSON to the API port):
  /_sim/seed {"apps": N, "sps": N, "devices": N, "org_id": GUID, "intune": bool,
              "token_ttl": s}               fresh data
  /_sim/cred {"op": "add"|"change"|"remove", "app": N, ...}  a credential of application N
  /_sim/fault {"kind": ..., "count": N}  next N API answers: "429" (retry_after), "malformed",
               "huge" (mb), "expire" (tokens die: 401), "endless" (nextLink forever),
               "secret_text" (credentials carry a secretText, as a hostile server would),
               "bad_keyid" (a credential without its keyId)
  /_sim/grant {"intune": bool}           the app is (not) granted Intune's devices (403)
  /_sim/front {"direct": true|false}
  /_sim/clear                            forget queued faults and counts
  /_sim/stats (GET) {"requests", "tokens", "scopes", "selects", "grants", "asserted"}
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {}
CFG = {}
SELECT = ["id", "appId", "displayName", "passwordCredentials", "keyCredentials"]
DAY = 86400
OSES = ["Windows", "Windows Server 2022", "macOS", "iOS", "Android", "Linux"]


def guid(kind, i):
    return str(uuid.UUID(int=(kind << 64) | i))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def password(app, n, days, **kw):
    c = {"@odata.type": "#microsoft.graph.passwordCredential", "customKeyIdentifier": None,
         "displayName": "secret %d.%d" % (app, n), "endDateTime": iso(STATE["t0"] + days * DAY),
         "hint": "q%dX" % (app % 10), "keyId": guid(3, app * 100 + n), "secretText": None,
         "startDateTime": iso(STATE["t0"] - 30 * DAY)}
    c.update(kw)
    return c


def keycred(app, n, days, **kw):
    c = {"@odata.type": "#microsoft.graph.keyCredential",
         "customKeyIdentifier": base64.b64encode(hashlib.sha1(b"cert%d" % app).digest()).decode(),
         "displayName": "CN=app%d.example" % app, "endDateTime": iso(STATE["t0"] + days * DAY),
         "key": None, "keyId": guid(4, app * 100 + n), "startDateTime": iso(STATE["t0"] - DAY),
         "type": "AsymmetricX509Cert", "usage": "Verify"}
    c.update(kw)
    return c


def reset(b):
    st = {"t0": int(time.time()), "apps": {}, "sps": {}, "devices": {}, "tokens": {},
          "token_count": 0, "scopes": [], "selects": [], "grants": [], "asserted": [],
          "requests": {}, "faults": [], "org_id": b.get("org_id", CFG["org_id"]),
          "intune": b.get("intune", True), "token_ttl": b.get("token_ttl", 3600)}
    STATE.clear()
    STATE.update(st)
    for i in range(1, b.get("apps", 3) + 1):
        # app 1's secret expires in 10 days, app 2's expired 5 days ago, the others in a year
        days = 10 if i == 1 else -5 if i == 2 else 365 + i
        a = {"@odata.type": "#microsoft.graph.application", "id": guid(1, i), "appId": guid(2, i),
             "displayName": "App %d" % i, "passwordCredentials": [password(i, 1, days)],
             "keyCredentials": [keycred(i, 1, 200 + i)] if i % 3 == 0 else []}
        STATE["apps"][i] = a
    for i in range(1, b.get("sps", 2) + 1):
        STATE["sps"][i] = {"@odata.type": "#microsoft.graph.servicePrincipal",
                           "id": guid(5, i), "appId": guid(6, i), "displayName": "SP %d" % i,
                           "passwordCredentials": [],
                           "keyCredentials": [keycred(1000 + i, 1, 400)]}
    for i in range(1, b.get("devices", 4) + 1):
        STATE["devices"][i] = {
            "@odata.type": "#microsoft.graph.managedDevice", "id": guid(7, i),
            "deviceName": "PC-%04d" % i, "operatingSystem": OSES[(i - 1) % len(OSES)],
            "osVersion": "10.0.%d" % i, "complianceState": "compliant" if i % 2 else "noncompliant",
            "managedDeviceOwnerType": "company", "lastSyncDateTime": iso(STATE["t0"] - i * 60)}


def org():
    return {"@odata.type": "#microsoft.graph.organization", "id": STATE["org_id"],
            "displayName": "Contoso Ltd",
            "verifiedDomains": [{"@odata.type": "#microsoft.graph.verifiedDomain",
                                 "name": "contoso.onmicrosoft.com", "isDefault": True,
                                 "isInitial": True, "type": "Managed",
                                 "capabilities": "Email, OfficeCommunicationsOnlineAutoDiscover"}]}


def graph_error(code, message):
    return {"error": {"code": code, "message": message}}


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
        if not STATE["faults"]:
            return False
        f = STATE["faults"][0]
        kind = f["kind"]
        if kind in ("secret_text", "endless", "bad_keyid"):
            return False  # shapes the listing itself
        f["count"] -= 1
        if f["count"] <= 0:
            STATE["faults"].pop(0)
        if kind == "429":
            self.send(429, graph_error("TooManyRequests", "Too many requests, retry later."),
                      {"Retry-After": str(f.get("retry_after", 1))})
        elif kind == "malformed":
            self.send(200, b'{"value": [{"id": "1", "passwordCredentials": [{"keyId', raw=True)
        elif kind == "huge":
            blob = "x" * int(float(f.get("mb", 20)) * 1024 * 1024)
            self.send(200, {"value": [dict(STATE["apps"][1], notes=blob)]})
        elif kind == "expire":
            STATE["tokens"] = {}
            self.send(401, graph_error("InvalidAuthenticationToken",
                                       "Access token has expired or is not yet valid."))
        else:
            return False
        return True

    def listing(self, path, items, q):
        kinds = [f["kind"] for f in STATE["faults"]]
        top = int(q.get("$top", ["100"])[0] or 100)
        skip = int(q.get("$skiptoken", ["0"])[0] or 0)
        page = items[skip:skip + top]
        if "secret_text" in kinds:
            page = json.loads(json.dumps(page))
            for o in page:
                for c in o.get("passwordCredentials", []):
                    c["secretText"] = "LEAKED-secretText-%s" % c["keyId"][-4:]
        if "bad_keyid" in kinds and page and page[0].get("passwordCredentials"):
            page = json.loads(json.dumps(page))
            page[0]["passwordCredentials"][0]["keyId"] = None
        out = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x", "value": page}
        endless = "endless" in kinds
        if skip + top < len(items) or endless:
            nq = dict((k, v[0]) for k, v in q.items())
            nq["$skiptoken"] = str(skip + top)
            out["@odata.nextLink"] = "http://127.0.0.1:%d%s?%s" % (
                Front.port, path, urllib.parse.urlencode(nq, safe="$,"))
            if endless and skip + top >= len(items):
                out["value"] = []
        return self.send(200, out)

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        path = u.path
        if path.startswith("/_sim/"):
            return self.admin(method, path)
        with LOCK:
            STATE["requests"][path] = STATE["requests"].get(path, 0) + 1
            if "$select" in q:
                STATE["selects"].append(q["$select"][0])
            if not self.authed():
                return self.send(401, graph_error("InvalidAuthenticationToken",
                                                  "Access token is empty."))
            if self.fault(path, q):
                return
            if method != "GET":
                return self.send(405, graph_error("Request_BadRequest", "not here"))
            if path == "/v1.0/organization":
                return self.send(200, {"value": [org()]})
            if path in ("/v1.0/applications", "/v1.0/servicePrincipals"):
                sel = q.get("$select", [""])[0].split(",")
                if sorted(sel) != sorted(SELECT):
                    return self.send(400, graph_error("Request_BadRequest",
                                                      "unexpected $select %s" % sel))
                src = STATE["apps"] if path == "/v1.0/applications" else STATE["sps"]
                items = [src[k] for k in sorted(src)]
                return self.listing(path, items, q)
            if path == "/v1.0/deviceManagement/managedDevices":
                if not STATE["intune"]:
                    return self.send(403, graph_error(
                        "Forbidden", "Application is not authorized to perform this operation. "
                        "Application must have one of the following scopes: "
                        "DeviceManagementManagedDevices.Read.All"))
                items = [STATE["devices"][k] for k in sorted(STATE["devices"])]
                return self.listing(path, items, q)
        return self.send(404, graph_error("Request_ResourceNotFound", "no route"))

    def admin(self, method, path):
        body = self.body_json() if method == "POST" else None
        with LOCK:
            if path == "/_sim/seed":
                reset(body or {})
                return self.send(200, {"ok": True})
            if path == "/_sim/cred":
                a = STATE["apps"][body["app"]]
                pw = a["passwordCredentials"]
                if body["op"] == "add":
                    c = password(body["app"], len(pw) + 1, body.get("days", 30))
                    pw.append(c)
                    return self.send(200, c)
                if body["op"] == "change":
                    pw[0]["endDateTime"] = iso(STATE["t0"] + body.get("days", 60) * DAY)
                    pw[0]["displayName"] = body.get("name", pw[0]["displayName"])
                    return self.send(200, pw[0])
                if body["op"] == "remove":
                    return self.send(200, pw.pop(body.get("index", 0)))
            if path == "/_sim/grant":
                STATE["intune"] = bool(body.get("intune"))
                return self.send(200, {"ok": True})
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
                return self.send(200, {k: STATE[k] for k in (
                    "requests", "scopes", "selects", "grants", "asserted")} |
                    {"tokens": STATE["token_count"]})
        return self.send(404, {"error": "no admin route"})


def verify_assertion(jwt, aud):
    """Entra's checks of a client assertion; an error text, or None when it is good."""
    try:
        h64, c64, s64 = jwt.split(".")
        head, claims = json.loads(b64url_dec(h64)), json.loads(b64url_dec(c64))
    except ValueError as e:
        return "AADSTS50027: JWT token is invalid or malformed (%s)." % e
    if head.get("alg") not in ("PS256", "RS256") or head.get("typ") != "JWT":
        return "AADSTS5002730: Invalid JWT token. Unsupported key for the signing algorithm."
    if head.get("x5t#S256") != CFG["x5t_s256"]:
        return "AADSTS700027: The certificate with identifier used to sign the client assertion " \
               "is not registered on application."
    now = time.time()
    if claims.get("aud") != aud or claims.get("iss") != CFG["client_id"] or \
            claims.get("sub") != CFG["client_id"] or not claims.get("jti") or \
            not (claims.get("nbf", now + 999) <= now + 60 < claims.get("exp", 0) + 60):
        return "AADSTS700024: Client assertion is not within its valid time range or claims " \
               "are wrong (aud %s)." % claims.get("aud")
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "in"), "w").write(h64 + "." + c64)
        open(os.path.join(d, "sig"), "wb").write(b64url_dec(s64))
        cmd = ["openssl", "dgst", "-sha256", "-verify", CFG["pubkey"], "-signature",
               os.path.join(d, "sig")]
        if head["alg"] == "PS256":
            cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
        r = subprocess.run(cmd + [os.path.join(d, "in")], capture_output=True)
        if r.returncode != 0:
            return "AADSTS7000274: Invalid JWT token. The signature does not verify."
    STATE["asserted"].append(head["alg"])
    return None


class Login(API):
    """Entra's token endpoint for the tenant."""
    port = None

    def route(self, method):
        path = urllib.parse.urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        get = lambda k: form.get(k, [""])[0]
        tenant = path.split("/")[1] if path.count("/") == 4 else ""
        with LOCK:
            if method != "POST" or path != "/%s/oauth2/v2.0/token" % tenant or \
                    tenant not in (CFG["org_id"], "contoso.onmicrosoft.com"):
                return self.send(400, {"error": "invalid_request", "error_description":
                                       "AADSTS90002: Tenant '%s' not found." % tenant[:40]})
            if self.headers.get("Authorization"):
                return self.send(400, {"error": "invalid_request",
                                       "error_description": "a token request carries no bearer"})
            STATE["scopes"].append(get("scope"))
            STATE["grants"].append(sorted(form.keys()))
            if get("grant_type") != "client_credentials" or \
                    self.headers.get("Content-Type", "").split(";")[0] != \
                    "application/x-www-form-urlencoded":
                return self.send(400, {"error": "unsupported_grant_type",
                                       "error_description": "AADSTS70003: unsupported grant"})
            if get("scope") != "https://graph.microsoft.com/.default":
                return self.send(400, {"error": "invalid_scope",
                                       "error_description": "AADSTS70011: invalid scope"})
            if get("client_id") != CFG["client_id"]:
                return self.send(400, {"error": "unauthorized_client", "error_description":
                                       "AADSTS700016: Application not found in the directory."})
            if "client_assertion" in form:
                aud = "http://127.0.0.1:%d%s" % (self.server.server_address[1], path)
                err = None
                if get("client_assertion_type") != \
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                    err = "AADSTS700025: wrong client_assertion_type."
                err = err or verify_assertion(get("client_assertion"), aud)
                if err:
                    return self.send(401, {"error": "invalid_client", "error_description": err})
            elif get("client_secret") != CFG["client_secret"]:
                return self.send(401, {
                    "error": "invalid_client", "error_codes": [7000215],
                    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure "
                    "the secret being sent in the request is the client secret value, not the "
                    "client secret ID, for a secret added to app '%s'." % CFG["client_id"]})
            tok = uuid.uuid4().hex
            STATE["tokens"][tok] = time.time() + STATE["token_ttl"]
            STATE["token_count"] += 1
            return self.send(200, {"token_type": "Bearer", "expires_in": STATE["token_ttl"],
                                   "ext_expires_in": STATE["token_ttl"], "access_token": tok})


class Front(API):
    """A pass-through of Graph calls to the upstream (Prism) or straight to the API."""
    upstream = None
    api_port = None
    port = None
    direct = False

    def route(self, method):
        if method == "POST" and urllib.parse.urlsplit(self.path).path.endswith(
                "/oauth2/v2.0/token"):
            return Login.route(self, method)  # Entra's endpoint, outside Graph's document
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
            return self.send(502, graph_error("BadGateway", "front: upstream failed: %s" % e))
        finally:
            conn.close()
        out = {k: v for k, v in r.getheaders()
               if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                    "keep-alive")}
        return self.send(r.status, body, out, raw=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-id", default="0f6f5d4e-3c2b-4a19-8877-665544332211")
    ap.add_argument("--client-secret", default="og-secret")
    ap.add_argument("--org-id", default="2b1e8c5a-9d3f-4e6a-b7c8-d9e0f1a2b3c4")
    ap.add_argument("--cert", help="the PEM certificate registered on the app")
    a = ap.parse_args()
    CFG.update({"client_id": a.client_id, "client_secret": a.client_secret,
                "org_id": a.org_id, "x5t_s256": None})
    if a.cert:
        pem = open(a.cert).read()
        der = base64.b64decode("".join(l for l in pem.splitlines() if l and "-----" not in l))
        CFG["x5t_s256"] = b64url(hashlib.sha256(der).digest())
        CFG["pubkey"] = a.port_file + ".pub.pem"
        subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", a.cert, "-out",
                        CFG["pubkey"]], check=True)
    reset({})
    Front.upstream = a.upstream
    api = ThreadingHTTPServer(("127.0.0.1", 0), API)
    front = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    login = ThreadingHTTPServer(("127.0.0.1", 0), Login)
    for s in (api, front, login):
        s.daemon_threads = True
    Front.api_port = api.server_address[1]
    Front.port = front.server_address[1]
    Login.port = login.server_address[1]
    threading.Thread(target=front.serve_forever, daemon=True).start()
    threading.Thread(target=login.serve_forever, daemon=True).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d %d %d\n" % (api.server_address[1], front.server_address[1],
                                login.server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)
    api.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
