#!/usr/bin/env python3
"""sim_dattormm.py - a stateful Datto RMM (API v2) simulator for the connector tests.

Two listeners in one process:
  * the API (--port, 0 = any): /api/v2/account/sites and /api/v2/account/devices paged with
    `max`/`page` (0-based) and pageDetails {count, totalCount, prevPageUrl, nextPageUrl}, the
    next-page link absolute on the front's address (as Datto's is on the platform's host), bearer
    tokens from the front; an admin endpoint /_sim/...;
  * the front (--front-port): the OAuth server (POST /auth/oauth/token, the password grant with
    Basic public-client:public) and a pass-through of everything else to --upstream (a Prism
    proxy in front of the API, or a Prism mock), so the adaptor sees one Datto platform while
    Prism checks every API request and answer against Datto's document.
Ports are written to --port-file as "API FRONT" once both listen. Standard library only.

Admin (POST JSON to the API port):
  /_sim/seed {"sites": N, "devices": N}   fresh data (device i in site (i-1)%sites+1)
  /_sim/add {"siteId": N, "category": ..., "hostname": ...}  a new device (-> {"uid"})
  /_sim/delete {"uid": U, "flag": bool}   the device is gone (flag: listed with deleted=true)
  /_sim/fault {"kind": ..., "count": N}   next N API answers: "429" (retry_after), "slow"
                (seconds), "malformed", "huge" (mb), "redirect", "expire" (tokens die: 401),
                "loop" (nextPageUrl points to the same page), "endless" (pages forever),
                "offhost" (nextPageUrl on another host), "500"
  /_sim/front {"direct": true|false}      the front passes API calls straight to the simulator
  /_sim/clear                             forget queued faults and request counts
  /_sim/stats (GET)                       {"requests": {path: n}, "tokens": n}
"""
import base64
import sys
import threading
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import sim_common as sc  # noqa: E402

LOCK = threading.Lock()
STATE = {}
TYPES = [("Server", "Server"), ("Desktop", "Desktop"), ("Laptop", "Laptop"),
         ("Network Device", "Switch"), ("ESXi Host", "ESXi Host"), ("Printer", "Printer"),
         ("Mobile Device", "Phone")]


def site_uid(n):
    return "%08x-0000-4000-8000-%012x" % (n, n)


def device(i, site, cat=None, **kw):
    cat, typ = (cat, cat) if cat else TYPES[(i - 1) % len(TYPES)]
    d = {"id": i, "uid": "dev-%06d-%s" % (i, uuid.UUID(int=i).hex[:8]), "siteId": site,
         "siteUid": site_uid(site), "siteName": "Site %d" % site,
         "deviceType": {"category": cat, "type": typ}, "hostname": "HOST-%05d" % i,
         "intIpAddress": "10.%d.%d.%d" % (site, i // 250, i % 250 + 1),
         "extIpAddress": "198.51.100.%d" % (site % 250 + 1), "operatingSystem": "Windows",
         "domain": "corp%d.example" % site if i % 2 else "WORKGROUP", "online": i % 5 != 0,
         "deleted": False, "suspended": False, "deviceClass": "device",
         "lastSeen": "2026-01-05T08:00:00Z", "creationDate": "2025-12-01T00:00:00Z",
         "snmpEnabled": False, "a64Bit": True, "rebootRequired": False}
    d.update(kw)
    return d


def reset(sites=3, devices=3):
    st = {"sites": {}, "devices": {}, "tokens": {}, "token_count": 0, "requests": {},
          "faults": [], "next_id": 100000,
          "client_id": STATE.get("client_id", "og-key"),
          "client_secret": STATE.get("client_secret", "og-secret"),
          "token_ttl": STATE.get("token_ttl", 359999)}
    for n in range(1, sites + 1):
        st["sites"][n] = {"id": n, "uid": site_uid(n), "accountUid": "acct-1",
                          "name": "Site %d" % n, "description": "Client %d" % n,
                          "onDemand": False, "splashtopAutoInstall": False}
    for i in range(1, devices + 1):
        st["devices"][i] = device(i, (i - 1) % sites + 1)
    STATE.clear()
    STATE.update(st)


def page_body(items, q, key, path, front):
    size = sc.qint(q, "max", 250)
    no = sc.qint(q, "page", 0)
    chunk = sc.page_slice(items, no, size)
    pd = {"count": len(chunk), "totalCount": len(items)}
    link = "http://127.0.0.1:%d%s?max=%d&page=%%d" % (front, path, size)
    if no > 0:
        pd["prevPageUrl"] = link % (no - 1)
    if (no + 1) * size < len(items):
        pd["nextPageUrl"] = link % (no + 1)
    return {"pageDetails": pd, key: chunk}


class API(sc.Handler):
    def fault(self, path, q):
        """Consume one queued fault for this API request; True when it answered."""
        f = sc.fault_peek(STATE)
        if not f:
            return False
        kind = f["kind"]
        if kind in ("loop", "endless", "offhost"):
            if path != "/api/v2/account/devices":
                return False
            size = sc.qint(q, "max", 250)
            no = sc.qint(q, "page", 0)
            host = ("http://elsewhere.example:8080" if kind == "offhost"
                    else "http://127.0.0.1:%d" % Front.front_port)
            nxt = no if kind == "loop" else no + 1
            pd = {"count": size, "totalCount": 10 ** 9,
                  "nextPageUrl": "%s%s?max=%d&page=%d" % (host, path, size, nxt)}
            devs = [device(900000 + no * size + k, 1) for k in range(size)]
            self.send(200, {"pageDetails": pd, "devices": devs})
            return True
        sc.fault_take(STATE)
        # the token dies mid-pull (expire), as a revoked Datto token does
        return sc.fault_answer(
            self, f, STATE,
            malformed=b'{"pageDetails": {"count": 1}, "devices": [{"uid": "x',
            huge=lambda blob: {"pageDetails": {"count": 1},
                               "devices": [device(1, 1, description=blob)]},
            redirect="http://elsewhere.example:8080/api/v2/account/devices")

    def route(self, method):
        got = self.api_begin(method, LOCK, STATE)
        if not got:
            return
        path, q = got
        if method != "GET":
            return self.send(405, {"error": "Method Not Allowed", "message": "not here"})
        with LOCK:
            if path == "/api/v2/account/sites":
                items = sorted(STATE["sites"].values(), key=lambda r: r["id"])
                return self.send(200, page_body(items, q, "sites", path, Front.front_port))
            if path == "/api/v2/account/devices":
                items = sorted(STATE["devices"].values(), key=lambda r: r["id"])
                return self.send(200, page_body(items, q, "devices", path, Front.front_port))
        return self.send(404, {"error": "Not Found", "message": "no route"})

    def admin(self, method, path):
        body = self.body_json({}) if method == "POST" else None
        with LOCK:
            if sc.admin_common(self, path, body, STATE, Front):
                return
            if path == "/_sim/seed":
                b = body or {}
                reset(b.get("sites", 3), b.get("devices", 3))
                return self.send(200, {"ok": True})
            if path == "/_sim/add":
                STATE["next_id"] += 1
                i = STATE["next_id"]
                kw = {k: v for k, v in body.items() if k not in ("siteId", "category")}
                d = device(i, body.get("siteId", 1), body.get("category"), **kw)
                STATE["devices"][i] = d
                return self.send(200, {"uid": d["uid"]})
            if path == "/_sim/delete":
                for i, d in list(STATE["devices"].items()):
                    if d["uid"] == body["uid"]:
                        if body.get("flag"):
                            d["deleted"] = True
                        else:
                            del STATE["devices"][i]
                return self.send(200, {"ok": True})
            if path == "/_sim/stats":
                return self.send(200, {"requests": STATE["requests"],
                                       "tokens": STATE["token_count"]})
        return self.send(404, {"message": "no admin route"})


class Front(sc.Front, API):
    """The OAuth server, and a pass-through of the API to the upstream (Prism)."""
    token_path = "/auth/oauth/token"

    def token(self):
        form, get = self.read_form()
        basic = "Basic " + base64.b64encode(b"public-client:public").decode()
        with LOCK:
            if self.headers.get("Authorization") != basic:
                return self.send(401, {"error": "unauthorized",
                                       "error_description": "Full authentication is required"})
            if not self.form_type_ok() or get("grant_type") != "password":
                return self.send(400, {"error": "unsupported_grant_type",
                                       "error_description": "Unsupported grant type"})
            if get("username") != STATE["client_id"] or \
                    get("password") != STATE["client_secret"]:
                return self.send(400, {"error": "invalid_grant",
                                       "error_description": "Bad credentials (DATTO-4410)"})
            tok = sc.token_issue(STATE)
            return self.send(200, {"access_token": tok, "token_type": "bearer",
                                   "expires_in": STATE["token_ttl"], "scope": "default"})


def main():
    a = sc.pair_args("og-key").parse_args()
    STATE.update({"client_id": a.client_id, "client_secret": a.client_secret})
    reset()
    sc.serve_pair(API, Front, a)


if __name__ == "__main__":
    sys.exit(main())
