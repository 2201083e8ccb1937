#!/usr/bin/env python3
"""authz_matrix.py - drive every route of the authorization matrix against a running server.

Usage: authz_matrix.py URL ADMIN_TOKEN MATRIX [--record OUT]

URL is an `opsgate serve` on an empty data folder initialised with ADMIN_TOKEN (the
platform-admin token). The script builds fixtures (tenants acme and globex, a user of each role,
per-role throwaway objects), then for every route of MATRIX sends the request as each role on its
own tenant's object, as a tenant-admin on another tenant's object and on a missing one, and with
no token, a revoked and an expired token; it compares every status with MATRIX and checks that
another tenant's object answers byte-for-byte like a missing one (the ids and names in the path
blanked). Exit 0 when everything matches, 1 otherwise (each difference printed). --record writes
the observed matrix to OUT as well (tests/integration/test_authz_matrix.sh compares it with a
planted, loosened copy of MATRIX: the test of the test).
"""
import base64
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix as mx  # noqa: E402

ROLES = mx.ROLES
TENANT_ROLES = ROLES[1:]
MISSING_UUID = "00000000-0000-4000-8000-000000000000"

# Routes whose allowed outcome destroys or freezes the object: run after all others, in this
# order (within a route roles go from the least to the most privileged; most of these objects are
# per role anyway).
LATE = [
    "POST /api/v1/gates/{id}/{decision}",
    "POST /console/tenants/{tenant}/gates/{id}/{decision}",
    "POST /api/v1/projects/{key}/archive",
    "POST /api/v1/projects/{key}/unarchive",
    "DELETE /api/v1/projects/{key}/artifacts/{name}/lock",
    "DELETE /api/v1/projects/{key}/holds",
    "DELETE /api/v1/projects/{key}/artifacts/{name}",
    "POST /api/v1/projects/{key}/artifacts/{name}/undelete",
    "POST /api/v1/projects/{key}/artifacts/{name}/purge",
    "DELETE /api/v1/projects/{key}/grants/{user}",
    "DELETE /api/v1/tenants/{tenant}/notify-channels/{id}",
    "DELETE /api/v1/notify-channels/{id}",
    "DELETE /api/v1/connectors/{connector}",
    "DELETE /api/v1/tenants/{tenant}/certs/schedules/{id}",
    "DELETE /api/v1/tenants/{tenant}/deploy-targets/{target}",
    "DELETE /api/v1/tenants/{tenant}/certs/requests/{id}",
    "DELETE /api/v1/tenants/{tenant}/gate-assignees/{area}",
    "DELETE /api/v1/tokens/{id}",
    "DELETE /api/v1/audit/witnesses/{id}",
    "POST /api/v1/tenants/{tenant}/users/{user}/disable",
    "POST /api/v1/tenants/{tenant}/users/{user}/enable",
    "PUT /api/v1/tenants/{tenant}/users/{user}/role",
    "DELETE /api/v1/tenants/{tenant}/users/{user}",
    "POST /api/v1/tenants/{tenant}/suspend",
    "POST /api/v1/tenants/{tenant}/resume",
    "DELETE /api/v1/tenants/{tenant}",
]

# Request bodies: a valid request where one is cheap, so that an allowed role gets a 2xx.
BODIES = {
    "POST /api/v1/tenants": lambda r: {"name": "t-" + r},
    "POST /api/v1/tenants/{tenant}/users": lambda r: {"name": "n-" + r, "role": "engineer"},
    "PUT /api/v1/tenants/{tenant}/users/{user}/role": lambda r: {"role": "auditor"},
    "POST /api/v1/tenants/{tenant}/users/{user}/tokens": lambda r: {"ttl": "1h"},
    "POST /api/v1/tenants/{tenant}/gates": lambda r: {"kind": "platform.note", "params": {"text": "matrix"}},
    "POST /api/v1/gates/{id}/{decision}": lambda r: {"note": "matrix"},
    "PUT /api/v1/tenants/{tenant}/gate-policy/{kind}": lambda r: {"level": "L0"},
    "PUT /api/v1/tenants/{tenant}/model-policy/{kind}": lambda r: {"threshold": 0.9},
    "POST /console/tenants/{tenant}/gate-policy/{kind}": lambda r: {"level": "L2"},  # as it is: the API's rows above rely on it
    "POST /console/tenants/{tenant}/projects/{key}/holds": lambda r: {"reason": "matrix"},
    "POST /console/tenants/{tenant}/projects/{key}/holds/release": lambda r: {"reason": "matrix done"},
    "POST /console/tenants/{tenant}/projects/{key}/grants": lambda r: {"user": "en", "right": "read"},
    "POST /console/tenants/{tenant}/projects/{key}/grants/revoke": lambda r: {"user": "en"},
    "PUT /api/v1/tenants/{tenant}/gate-settings": lambda r: {"approval_timeout": "4h"},
    "PUT /api/v1/tenants/{tenant}/gate-assignees/{area}": lambda r: {"user": "en"},
    "POST /api/v1/tenants/{tenant}/notify-channels":
        lambda r: {"type": "webhook", "url": "https://hooks.invalid/x", "secret": "s3cret-matrix-0123456789", "events": ["gate.*"]},
    "PUT /api/v1/tenants/{tenant}/notify-channels/{id}/events": lambda r: {"events": ["certs.*"]},
    "POST /api/v1/notify-channels":
        lambda r: {"type": "webhook", "url": "https://hooks.invalid/p", "secret": "s3cret-matrix-0123456789", "events": ["gate.*"]},
    "PUT /api/v1/notify-channels/{id}/events": lambda r: {"events": ["certs.*"]},
    "PUT /api/v1/tenants/{tenant}/certs/policy": lambda r: {"thresholds": [30, 14, 7, 1]},
    "PUT /api/v1/tenants/{tenant}/certs/discovery": lambda r: {"class": "server", "ports": "443"},
    "POST /api/v1/tenants/{tenant}/certs/schedules":
        lambda r: {"every": "6h", "targets": ["127.0.0.1:1"]},
    "POST /api/v1/tenants/{tenant}/certs/scan": lambda r: {"targets": ["127.0.0.1:1"]},
    "POST /api/v1/tenants/{tenant}/certs/requests":
        lambda r: {"name": "new-" + r, "names": ["new.example"]},
    "POST /api/v1/tenants/{tenant}/certs/watches": lambda r: {"domain": "w-" + r + ".example"},
    "POST /api/v1/tenants/{tenant}/certs/ct-findings/{id}/expect": lambda r: {"note": "matrix"},
    "POST /api/v1/tenants/{tenant}/certs/ct-findings/{id}/incident": lambda r: {"note": "matrix"},
    "PUT /api/v1/tenants/{tenant}/certs/ct-source":
        lambda r: {"base_url": "https://ct.invalid", "key": "matrix-key",
                   "options": {"max_attempts": 1, "timeout_s": 3}},
    "POST /api/v1/projects": lambda r: {"key": "n" + r, "name": "new " + r},
    "PATCH /api/v1/projects/{key}": lambda r: {"name": "renamed by " + r},
    "POST /api/v1/projects/{key}/generate": lambda r: {"kind": "runbook"},
    "PUT /api/v1/brand": lambda r: {"name": "Provider"},
    "PUT /api/v1/tenants/{tenant}/brand": lambda r: {"name": "Tenant brand"},
    "POST /api/v1/projects/{key}/holds": lambda r: {"reason": "matrix"},
    "DELETE /api/v1/projects/{key}/holds": lambda r: {"reason": "matrix done"},
    "PUT /api/v1/projects/{key}/grants/{user}": lambda r: {"right": "read"},
    "POST /api/v1/projects/{key}/artifacts/{name}/restore": lambda r: {"version": 1},
    "POST /api/v1/projects/{key}/artifacts/{name}/lock": lambda r: {"ttl": "1h"},
    "POST /api/v1/projects/{key}/artifacts/{name}/state": lambda r: {"state": "in-review"},
    "PUT /api/v1/projects/{key}/artifacts/{name}/metadata": lambda r: {"owner": r},
    "POST /api/v1/projects/{key}/artifacts/{name}/classify": lambda r: {"kind": "runbook"},
    "PUT /api/v1/retention/{kind}": lambda r: {"keep": "7y"},
    "POST /api/v1/connectors": lambda r: dict(CONNECTOR, name="n" + r),
    "PATCH /api/v1/connectors/{connector}": lambda r: {"options": {"page_size": 50}},
    "POST /console/tenants/{tenant}/notify-channels":
        lambda r: {"type": "webhook", "url": "https://hooks.invalid/c", "secret": "s3cret-matrix-0123456789", "events": "gate.*"},
    "POST /console/tenants/{tenant}/connectors": lambda r: dict(
        {"cred_" + k: v for k, v in CONNECTOR["credentials"].items()},
        name="cn" + r, kind=CONNECTOR["kind"], base_url=CONNECTOR["base_url"]),
}
BODIES.update({
    "POST /api/v1/tenants/{tenant}/certs/alerts/{id}/snooze": lambda r: {"for": "1d"},
    "POST /console/tenants/{tenant}/alerts/{id}/snooze":  # a datetime-local field, UTC
        lambda r: {"until": time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 86400))},
    "POST /api/v1/tenants/{tenant}/certs/calendar-tokens": lambda r: {"label": "matrix " + r},
})
BODIES.update({
    "POST /api/v1/tenants/{tenant}/acme/accounts": lambda r: {"directory": "https://acme.invalid/dir"},
    "POST /api/v1/tenants/{tenant}/acme/plans":
        lambda r: {"names": ["m.example.test"], "challenge": "http-01", "http_listen": "127.0.0.1:1"},
    "POST /api/v1/tenants/{tenant}/acme/plans/{id}/revoke": lambda r: {"reason": "superseded"},
    "PUT /api/v1/tenants/{tenant}/acme/plans/{id}/targets": lambda r: {"targets": []},
    "POST /api/v1/tenants/{tenant}/deploy-targets":
        lambda r: {"name": "dn-" + r, "type": "file",
                   "config": {"cert_path": "/nonexistent/og-matrix/c.pem", "key_path": "/nonexistent/og-matrix/c.key"}},
    "POST /api/v1/tenants/{tenant}/deploy-targets/{target}/deploy": lambda r: {"cert": PEM_FP[0]},
    "PUT /api/v1/tenants/{tenant}/templates/{name}": lambda r: {"source": "# SOW by " + r + "\n"},
    "POST /api/v1/notify-egress": lambda r: {"range": "198.51.100.0/24", "note": "matrix"},
    "POST /api/v1/template-check": lambda r: {"name": "runbook", "source": "# {{project.name}}\n"},
})


def witness_vkey(name):
    """A C2SP verifier key (Ed25519 note key, type 0x01) named NAME: the key bytes are made from
    the name, its hash as the signed-note spec has it (only its form is checked when added)."""
    raw = b"\x01" + hashlib.sha256(name.encode()).digest()
    h = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    return "%s+%s+%s" % (name, h, base64.b64encode(raw).decode())


BODIES["POST /api/v1/audit/witnesses"] = lambda r: {"url": "https://w.invalid/" + r,
                                                    "key": witness_vkey("matrix.test/" + r)}
PEM_FP = []  # the fingerprint of the imported certificate (the deploy route's body)
# A connector's body: kind, base URL and credentials built from the kind's own fields (set by
# the fixtures from /api/v1/connector-kinds); one attempt per request, short timeouts.
CONNECTOR = {"kind": "halopsa", "base_url": "https://psa.invalid", "credentials": {},
             "options": {"max_attempts": 1, "timeout_s": 3}}
PEM = []  # the certificate the import route sends (made with the fixtures)
RAW_BODIES = {"PUT /api/v1/projects/{key}/artifacts/{name}": lambda r: b"# doc\nby " + r.encode() + b"\n",
              "POST /api/v1/tenants/{tenant}/certs/import": lambda r: PEM[0]}
# Routes that take the tenant from the token: a platform token names it in the query.
PA_TENANT_QUERY = ("/api/v1/projects", "/api/v1/holds", "/api/v1/access-report",
                   "/api/v1/artifacts/search", "/api/v1/retention", "/api/v1/connectors")
# Run before each role's own request: puts back what the previous role's allowed request removed.
PREP = {"DELETE /api/v1/tenants/{tenant}/brand":
        lambda c, a: c.ok(200, "PUT", "/api/v1/tenants/acme/brand", a, {"name": "Tenant brand"})}
# Public routes: no tenant's object, so no other-tenant or missing-object column.
PUBLIC_PATHS = ("/healthz", "/metrics", "/_test", "/console/assets/", "/console/sign-in",
                "/api/v1/openapi.json")
QUERIES = {"GET /api/v1/projects/{key}/artifacts/{name}/diff": "?from=1&to=1",
           "GET /api/v1/artifacts/search": "?q=doc",
           "GET /api/v1/audit/export": "?format=jsonl",
           "GET /api/v1/audit/proof": "?seq=1",
           "GET /api/v1/audit/checkpoints/{chain}/consistency": "?from=1"}


def is_console(path):
    return path == "/" or path.startswith("/console")


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None
        self.count = 0
        self.sessions = {}  # token -> (cookie, csrf) of a console session signed in with it

    def session(self, token):
        """The console session signed in with TOKEN (made once; None when the sign-in fails)."""
        if token not in self.sessions:
            st, _, hdrs = self.raw("POST", "/console/sign-in", form={"token": token})
            cookie = None
            for k, v in hdrs:
                if k.lower() == "set-cookie" and v.startswith("og_session="):
                    cookie = v.split(";")[0]
            csrf = ""
            if st == 303 and cookie:
                _, page, _ = self.raw("GET", "/console", cookie=cookie)
                m = re.search(rb'name="csrf" value="([^"]+)"', page)
                csrf = m.group(1).decode() if m else ""
            self.sessions[token] = (cookie, csrf) if cookie else None
        return self.sessions[token]

    def req(self, method, path, token=None, body=None):
        if not is_console(path):
            return self.api(method, path, token, body)
        # The console: the token signs in (the sign-in form), then its session cookie is the
        # credential, with the session's CSRF token in every POST form.
        if method == "POST" and path.split("?")[0] == "/console/sign-in":
            st, raw, _ = self.raw(method, path, form={"token": token} if token else {})
            return st, raw
        s = self.session(token) if token else None
        form = {"csrf": s[1]} if s and method == "POST" else ({} if method == "POST" else None)
        if form is not None and isinstance(body, dict):
            form.update(body)  # a console form's fields (BODIES), beside the CSRF token
        st, raw, _ = self.raw(method, path, cookie=s[0] if s else None, form=form)
        if path.split("?")[0] == "/console/sign-out":
            self.sessions.pop(token, None)
        return st, raw

    def raw(self, method, path, cookie=None, form=None):
        headers = {}
        data = None
        if cookie:
            headers["Cookie"] = cookie
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = "http://%s:%d" % (self.host, self.port)
        return self.send(method, path, headers, data)

    def api(self, method, path, token=None, body=None, probe=False):
        headers = {}
        if probe:  # a deliberate extra query argument: tools/openapi-check.js skips that rule
            headers["X-OG-Test-Probe"] = "query"
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
            headers["Content-Type"] = "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        st, raw, _ = self.send(method, path, headers, data, token)
        return st, raw

    def send(self, method, path, headers, data, token=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                self.count += 1
                if os.environ.get("AUTHZ_TRACE"):
                    with open(os.environ["AUTHZ_TRACE"], "a", encoding="utf-8") as f:
                        f.write("%s %s %s %d %s\n" % (method, path, (token or "")[:12], resp.status,
                                                      raw[:300].decode("utf-8", "replace")))
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, raw, resp.getheaders()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def ok(self, want, method, path, token, body=None):
        st, raw = self.req(method, path, token, body)
        if st != want:
            sys.exit("fixture %s %s: %d, want %d: %s" % (method, path, st, want, raw[:300]))
        return json.loads(raw) if raw else {}


def self_signed_pem(cn):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + cn, "-days", "30",
                        "-keyout", d + "/k.pem", "-out", d + "/c.pem"],
                       check=True, capture_output=True)
        with open(d + "/c.pem", "rb") as f:
            return f.read()


class Fixtures:
    """Objects per tenant: acme (the roles' own tenant) and globex (another tenant)."""

    def __init__(self, c, admin):
        self.c, self.admin = c, admin
        self.tok = {"pa": admin}
        self.own = {}      # role -> {param: value}
        self.other = {}    # param -> value (globex)
        self.build()

    def token(self, tenant, user, ttl="1h"):
        b = self.c.ok(201, "POST", "/api/v1/tenants/%s/users/%s/tokens" % (tenant, user),
                      self.admin, {"ttl": ttl})
        return b["token"], b["id"]

    def build(self):
        c, a = self.c, self.admin
        for t in ("acme", "globex"):
            c.ok(201, "POST", "/api/v1/tenants", a, {"name": t})
        names = dict(zip(TENANT_ROLES, ("ta", "pm", "en", "au", "cv")))
        for role, n in names.items():
            c.ok(201, "POST", "/api/v1/tenants/acme/users", a, {"name": n, "role": role})
            self.tok[n] = self.token("acme", n)[0]
        c.ok(201, "POST", "/api/v1/tenants/globex/users", a, {"name": "gta", "role": "tenant-admin"})
        gta = self.token("globex", "gta")[0]
        c.ok(201, "POST", "/api/v1/tenants/globex/users", a, {"name": "gv", "role": "engineer"})
        # revoked and expired tokens of the engineer
        self.revoked, rid = self.token("acme", "en")
        c.session(self.revoked)  # a console session of each, made while the token still works
        c.ok(204, "DELETE", "/api/v1/tokens/" + rid, a)
        self.expired = self.token("acme", "en", "1s")[0]
        c.session(self.expired)
        self.expired_at = time.time() + 1.5
        pem = self_signed_pem("matrix.example.com")
        PEM.append(pem)
        for k in c.ok(200, "GET", "/api/v1/connector-kinds", a)["kinds"]:
            if k["kind"] == CONNECTOR["kind"]:
                CONNECTOR["credentials"] = {f["name"]: "matrix-" + f["name"] for f in k["fields"]}
                if "auth_url" in CONNECTOR["credentials"]:  # must be on the base URL's host
                    CONNECTOR["credentials"]["auth_url"] = CONNECTOR["base_url"] + "/auth"
        for t in ("acme", "globex"):  # gate items stay pending until decided
            c.ok(200, "PUT", "/api/v1/tenants/%s/gate-policy/platform.note" % t, a, {"level": "L2"})

        def tenant_objects(tenant, tadmin, suffix, prefix):
            """One set of objects in TENANT; keys and names carry SUFFIX (a role or 'g')."""
            o = {"tenant": tenant, "chain": c.ok(200, "GET", "/api/v1/tenants/" + tenant, a)["id"]}
            user = "v%s-%s" % (prefix, suffix)
            c.ok(201, "POST", "/api/v1/tenants/%s/users" % tenant, a, {"name": user, "role": "engineer"})
            o["user"] = user
            o["token_id"] = self.token(tenant, user)[1]
            key = "%s%s" % (prefix, suffix)
            c.ok(201, "POST", "/api/v1/projects", tadmin, {"key": key, "name": "p " + suffix})
            o["key"] = key
            c.ok(201, "PUT", "/api/v1/projects/%s/artifacts/doc.md" % key, tadmin, b"# doc\n")
            o["name"] = "doc.md"
            g = c.ok(202, "POST", "/api/v1/tenants/%s/gates" % tenant, a,
                     {"kind": "platform.note", "params": {"text": "matrix"}})
            o["gate"] = g.get("gate_id") or g.get("id")
            ch = c.ok(201, "POST", "/api/v1/tenants/%s/notify-channels" % tenant, a,
                      {"type": "webhook", "url": "https://h.invalid/" + suffix, "secret": "s3cret-matrix-0123456789", "events": ["gate.*"]})
            o["channel"] = ch["id"]
            s = c.ok(201, "POST", "/api/v1/tenants/%s/certs/schedules" % tenant, a,
                     {"every": "6h", "targets": ["127.0.0.1:1"]})
            o["schedule"] = s["id"]
            o["watch"] = c.ok(201, "POST", "/api/v1/tenants/%s/certs/watches" % tenant, a,
                              {"domain": "ct-%s%s.example" % (prefix, suffix)})["id"]
            o["certreq"] = c.ok(201, "POST", "/api/v1/tenants/%s/certs/requests" % tenant, a,
                                {"name": "req-%s%s" % (prefix, suffix),
                                 "names": ["req.example"]})["id"]
            cn = c.ok(201, "POST", "/api/v1/connectors?tenant=%s" % tenant, a,
                      dict(CONNECTOR, name="conn-%s%s" % (prefix, suffix)))
            o["connector"], o["connector_id"] = cn["name"], cn["id"]
            # the console's remove forms take their own channel and connector (the API's
            # DELETE lines remove the ones above)
            o["cchannel"] = c.ok(201, "POST", "/api/v1/tenants/%s/notify-channels" % tenant, a,
                                 {"type": "webhook", "url": "https://h.invalid/c" + suffix,
                                  "secret": "s3cret-matrix-0123456789", "events": ["gate.*"]})["id"]
            o["cconnector"] = c.ok(201, "POST", "/api/v1/connectors?tenant=%s" % tenant, a,
                                   dict(CONNECTOR, name="cconn-%s%s" % (prefix, suffix)))["name"]
            # a witness of the tenant's chain (platform-admins register and remove them)
            o["witness"] = c.ok(201, "POST", "/api/v1/audit/witnesses", a, {
                "url": "https://w.invalid/%s%s" % (prefix, suffix), "tenant": tenant,
                "key": witness_vkey("fixture.test/%s%s" % (prefix, suffix))})["id"]
            o["target"] = "dt-%s%s" % (prefix, suffix)
            c.ok(201, "POST", "/api/v1/tenants/%s/deploy-targets" % tenant, a,
                 {"name": o["target"], "type": "file",
                  "config": {"cert_path": "/nonexistent/og-matrix/%s.pem" % o["target"],
                             "key_path": "/nonexistent/og-matrix/%s.key" % o["target"]}})
            return o

        for role, n in [("platform-admin", "pa")] + list(names.items()):
            self.own[role] = tenant_objects("acme", self.tok["ta"], n, "a")
        self.other = tenant_objects("globex", gta, "g", "g")
        # the client-viewer sees what it is granted: read on its own project (a client's view),
        # and a published document in it (an unpublished one is invisible to it: test_http_artifacts)
        c.ok(200, "PUT", "/api/v1/projects/acv/grants/cv", self.tok["ta"], {"right": "read"})
        for who, state in (("ta", "in-review"), ("pm", "approved"), ("pm", "published")):
            c.ok(200, "POST", "/api/v1/projects/acv/artifacts/doc.md/state", self.tok[who],
                 {"state": state})
        # shared objects: a certificate per tenant, a platform channel per role, events
        c.ok(201, "POST", "/api/v1/tenants/acme/certs/import?name=m.pem", a, pem)
        c.ok(201, "POST", "/api/v1/tenants/globex/certs/import?name=m.pem", a,
             self_signed_pem("other.example.com"))
        cert = {}
        for t in ("acme", "globex"):
            cert[t] = c.ok(200, "GET", "/api/v1/tenants/%s/certs" % t, a)["certs"][0]["fingerprint"]
        for role in ROLES:
            self.own[role]["cert"] = cert["acme"]
            ch = c.ok(201, "POST", "/api/v1/notify-channels", a,
                      {"type": "webhook", "url": "https://p.invalid/" + role, "secret": "s3cret-matrix-0123456789", "events": ["gate.*"]})
            self.own[role]["pchannel"] = ch["id"]
        self.other["cert"] = cert["globex"]
        PEM_FP.append(cert["acme"])
        # acme's templates project, which an engineer's first template put could not create
        c.ok(201, "PUT", "/api/v1/tenants/acme/templates/matrix-custom", self.tok["ta"],
             {"source": "custom\n", "kind": "runbook"})
        self.other["pchannel"] = c.ok(201, "POST", "/api/v1/notify-channels", a, {
            "type": "webhook", "url": "https://p.invalid/o", "secret": "s3cret-matrix-0123456789",
            "events": ["gate.*"]})["id"]
        ev = c.ok(200, "GET", "/api/v1/events?tenant=acme", a).get("events", [])
        gev = c.ok(200, "GET", "/api/v1/events?tenant=globex", a).get("events", [])
        for role in ROLES:
            self.own[role]["event"] = ev[0]["id"] if ev else MISSING_UUID
        self.other["event"] = gev[0]["id"] if gev else MISSING_UUID
        self.role_token = {"platform-admin": a}
        for role, n in names.items():
            self.role_token[role] = self.tok[n]


def subst(path, o, missing=False, inner=False):
    """PATH with its parameters from the object set O; MISSING: the object itself absent (its
    tenant, when the path names one); INNER: the last object of the path absent, its containers (tenant, project) those of O."""
    def obj_id(prefix):
        if "/tokens/" in prefix:
            return o["token_id"]
        if "/gates/" in prefix:
            return o["gate"]
        if "/events/" in prefix:
            return o["event"]
        if "/schedules/" in prefix:
            return o["schedule"]
        if prefix.startswith("/api/v1/audit/witnesses/"):
            return o["witness"]
        if "/acme/accounts/" in prefix or "/acme/plans/" in prefix:
            return MISSING_UUID  # no ACME account or plan without a CA: every one is missing
        if "/requests/" in prefix:
            return o["certreq"]
        if "/watches/" in prefix:
            return o["watch"]
        if "/ct-findings/" in prefix:
            return MISSING_UUID  # no CT source in the fixture: no finding exists
        if "/alerts/" in prefix or "/calendar-tokens/" in prefix:
            return MISSING_UUID  # no alert (nothing is wrong) and no calendar token in the fixture
        if "/certs/" in prefix or "/certificates/" in prefix:
            return o["cert"]
        if prefix.startswith("/api/v1/connectors/"):
            return o["connector_id"]
        if prefix.startswith("/api/v1/notify-channels"):
            return o["pchannel"]
        if "/notify-channels/" in prefix:
            return o["cchannel" if console_remove else "channel"]
        raise KeyError(prefix)

    console_remove = path.startswith("/console/") and path.endswith("/remove")
    objs = re.findall(r"\{(tenant|user|id|key|name|connector|company|target|chain)\}", path)
    last = objs[-1] if objs else None
    out, used = "", []
    for part in re.split(r"(\{[a-z]+\})", path):
        if not part.startswith("{"):
            out += part
            continue
        p = part[1:-1]
        if p == "id":
            v = obj_id(out)
            if missing or (inner and p == last):
                v = "0" * 64 if v == o.get("cert") else MISSING_UUID
        elif p == "decision":
            v = "approve"
        elif p == "kind":
            v = "platform.note" if ("gate-policy" in out or "model-policy" in out) else "runbook"
        elif p == "area":
            v = "certs" if "/areas/" in out else "platform"
        elif p == "tenant":
            v = "nosuch" if missing or (inner and p == last) else o["tenant"]
        elif p == "chain":  # an audit chain: its tenant's id
            v = MISSING_UUID if missing or (inner and p == last) else o["chain"]
        elif inner and p == last:
            v = "nosuch" if p != "name" else "nosuch.md"
        elif p == "key":
            v = "nosuch" if missing and "{tenant}" not in path else o["key"]
        elif p == "connector":
            v = "nosuch" if missing else o["cconnector" if console_remove else "connector"]
        elif p == "company":
            v = "c1"
        elif p == "address":
            v = "198.51.100.0"  # the range the POST line allowed
        elif p == "prefix":
            v = "24"
        elif p == "target":
            v = "nosuch" if missing else o["target"]
        elif p == "name" and "/templates/" in out:
            v = "sow"
        elif p == "name" and out.startswith("/console/assets/"):
            v = "console.css"
        else:
            v = o[p]
        if v not in ("approve", "platform.note", "runbook", "platform", "certs", "acme",
                     "198.51.100.0", "24"):
            used.append(v)
        out += v
    return out, used


def blank(raw, values):
    s = raw.decode("utf-8", "replace")
    for v in sorted(set(values), key=len, reverse=True):
        if v:
            s = s.replace(v, "<X>")
    return s


def answers_differ(so, bo, sm, bm, values):
    """Another tenant's answer (SO, BO) differs from the missing object's (SM, BM), VALUES (the
    ids and names of the two paths) blanked."""
    return so != sm or blank(bo, values) != blank(bm, values)


def selftest():
    """The test of the test for the cross-tenant comparison: planted answers that leak."""
    same = (404, b'{"error":{"code":"not_found","message":"no project GLG"}}',
            404, b'{"error":{"code":"not_found","message":"no project NOSUCH"}}')
    leaks = [(403, b'{"error":{"code":"forbidden","message":"no right on GLG"}}',
              404, b'{"error":{"code":"not_found","message":"no project NOSUCH"}}'),
             (404, b'{"error":{"code":"not_found","message":"project GLG is not yours"}}',
              404, b'{"error":{"code":"not_found","message":"no project NOSUCH"}}'),
             (404, b'{"error":{"code":"not_found","message":"no project GLG (tenant globex)"}}',
              404, b'{"error":{"code":"not_found","message":"no project NOSUCH"}}')]
    vals = ["GLG", "NOSUCH"]
    if answers_differ(*same, vals):
        return "equal answers reported as different"
    for leak in leaks:
        if not answers_differ(*leak, vals):
            return "a leaking answer was not caught: %r" % (leak,)
    return None


def main():
    args = sys.argv[1:]
    if args == ["--selftest"]:
        err = selftest()
        print(err or "selftest: ok")
        return 1 if err else 0
    record = None
    if "--record" in args:
        i = args.index("--record")
        record = args[i + 1]
        del args[i:i + 2]
    url, admin, matrix_path = args
    routes = mx.load(matrix_path)
    c = Client(url)
    t0 = time.time()
    fx = Fixtures(c, admin)
    order = [r for r in routes if r.key not in LATE]
    order += sorted((r for r in routes if r.key in LATE), key=lambda r: LATE.index(r.key))
    fails = []
    observed = {}
    waited = False
    for r in order:
        got = {}
        method, path = r.method, r.path
        q = QUERIES.get(r.key, "")

        def body_for(role):
            if r.key in RAW_BODIES:
                return RAW_BODIES[r.key](role.split("-")[0][:2])
            if r.key in BODIES:
                return BODIES[r.key](role.replace("-", "")[:6])
            return None

        # another tenant's object and a missing one, as every tenant role: same bytes
        if re.search(r"\{(tenant|user|id|key|name|connector|target|chain)\}", path) and \
                not path.startswith(PUBLIC_PATHS):
            for role in TENANT_ROLES:
                tok = fx.role_token[role]
                po, used_o = subst(path, fx.other)
                pm, used_m = subst(path, fx.own[role], missing=True)
                pi, used_i = subst(path, fx.other, inner=True)
                so, bo = c.req(method, po + q, tok, body_for(role))
                sm, bm = c.req(method, pm + q, tok, body_for(role))
                si, bi = c.req(method, pi + q, tok, body_for(role)) if pi != po else (so, bo)
                if role == "tenant-admin":
                    got["other"], got["missing"] = so, sm
                vals = used_o + used_m + used_i
                if answers_differ(so, bo, sm, bm, vals):
                    fails.append("%s as %s: another tenant's object answers %d %s, a missing one %d %s"
                                 % (r.key, role, so, bo[:200], sm, bm[:200]))
                if answers_differ(so, bo, si, bi, vals):
                    fails.append("%s as %s: another tenant's object answers %d %s, a missing object of"
                                 " that tenant %d %s" % (r.key, role, so, bo[:200], si, bi[:200]))
        elif not path.startswith(PUBLIC_PATHS) and path != "/":
            # no object in the path: another tenant named in the query, as a platform token would
            for role in TENANT_ROLES:
                tok = fx.role_token[role]
                sep = "&" if q else "?"
                ask = c.req if is_console(path) else \
                    (lambda m, pth, t, b: c.api(m, pth, t, b, probe=True))
                so, bo = ask(method, path + q + sep + "tenant=globex", tok, body_for(role))
                sm, bm = ask(method, path + q + sep + "tenant=nosuch", tok, body_for(role))
                if role == "tenant-admin":
                    got["other"], got["missing"] = so, sm
                if answers_differ(so, bo, sm, bm, ["globex", "nosuch"]):
                    fails.append("%s?tenant= as %s: another tenant answers %d %s, a missing one %d %s"
                                 % (r.key, role, so, bo[:200], sm, bm[:200]))
        else:
            got["other"] = got["missing"] = "-"
        p_own, _ = subst(path, fx.own["engineer"]) if "{" in path else (path, [])
        got["none"] = c.req(method, p_own + q, None, body_for("engineer"))[0]
        got["revoked"] = c.req(method, p_own + q, fx.revoked, body_for("engineer"))[0]
        if not waited:
            time.sleep(max(0.0, fx.expired_at - time.time()))
            waited = True
        got["expired"] = c.req(method, p_own + q, fx.expired, body_for("engineer"))[0]
        # each role on its own tenant's object, least privileged first
        for role in reversed(ROLES):
            p, _ = subst(path, fx.own[role]) if "{" in path else (path, [])
            pq = q
            if role == "platform-admin" and path.startswith(PA_TENANT_QUERY):
                pq = (q + "&" if q else "?") + "tenant=acme"
            if r.key in PREP:
                PREP[r.key](c, admin)
            got[role] = c.req(method, p + pq, fx.role_token[role], body_for(role))[0]
        observed[r.key] = got
        for col in mx.COLUMNS:
            if not mx.cell_matches(r.cells[col], got[col]):
                fails.append("%s: %s answers %s, the matrix says %s"
                             % (r.key, col, got[col], r.cells[col]))
    if record:
        mx.write(record, routes, observed)
    for f in fails:
        print("FAIL: " + f, file=sys.stderr)
    print("authz matrix: %d routes, %d requests, %d differences, %.1fs"
          % (len(routes), c.count, len(fails), time.time() - t0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
