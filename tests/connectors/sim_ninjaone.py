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
import sys
import threading
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import sim_common as sc  # noqa: E402

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
    return sc.after_slice(items, sc.qint(q, "after", 0), sc.qint(q, "pageSize", 1000))


class API(sc.Handler):
    def fault(self, path, q):
        """Consume one queued fault for this API request; True when it answered."""
        f = sc.fault_peek(STATE)
        if not f:
            return False
        kind = f["kind"]
        if kind in ("loop", "endless"):
            if not path.startswith("/v2/devices"):
                return False
            size = sc.qint(q, "pageSize", 1000)
            after = sc.qint(q, "after", 0)
            base = 900000 if kind == "loop" else max(after, 900000)
            self.send(200, [device(base + 1 + i, 1) for i in range(size)])
            return True
        sc.fault_take(STATE)
        # the token dies mid-pull (expire), as NinjaOne's do after expires_in
        return sc.fault_answer(
            self, f, STATE, malformed=b'[{"id": 1, "nodeClass": "WINDOWS_SERV',
            huge=lambda blob: [device(1, 1, notes=[{"text": blob}])],
            redirect="http://elsewhere.example:8080/v2/devices")

    def route(self, method):
        got = self.api_begin(method, LOCK, STATE)
        if not got:
            return
        path, q = got
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
        body = self.body_json({}) if method == "POST" else None
        with LOCK:
            if sc.admin_common(self, path, body, STATE, Front):
                return
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
            if path == "/_sim/stats":
                return self.send(200, {"requests": STATE["requests"],
                                       "tokens": STATE["token_count"],
                                       "scopes": STATE["scopes"]})
        return self.send(404, {"errorMessage": "no admin route"})


class Front(sc.Front, API):
    """The OAuth server, and a pass-through of the API to the upstream (Prism)."""
    token_path = "/ws/oauth/token"
    error_key = "errorMessage"

    def token(self):
        form, get = self.read_form()
        with LOCK:
            STATE["scopes"].append(get("scope"))
            if not self.form_type_ok() or get("grant_type") != "client_credentials":
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
            tok = sc.token_issue(STATE)
            return self.send(200, {"access_token": tok, "token_type": "Bearer",
                                   "expires_in": STATE["token_ttl"],
                                   "scope": "monitoring management"})


def main():
    a = sc.pair_args("og-client").parse_args()
    STATE.update({"client_id": a.client_id, "client_secret": a.client_secret})
    reset()
    sc.serve_pair(API, Front, a)


if __name__ == "__main__":
    sys.exit(main())
