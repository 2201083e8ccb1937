#!/usr/bin/env python3
"""sim_halopsa.py - a stateful HaloPSA (Halo API v2) simulator for the connector tests.

Two listeners in one process:
  * the API (--port, 0 = any): /api/Projects[/{id}], /api/Client, /api/Attachment, /api/Tickets
    answering Halo's documented shapes ({"record_count": N, "projects"|"tickets"|"clients"|
    "attachments": [...]}, a record for GET /{id}, the record created for a POST of an array),
    with bearer tokens from the front, and an admin endpoint /_sim/... (state and faults);
    (with --auth-on-api also POST /auth/token, so a client needs no front: the benchmark);
  * the front (--front-port): the Halo authorisation server (POST /auth/token, client
    credentials) and a pass-through of everything else to --upstream (a Prism proxy in front of
    the API, or a Prism mock), so the adaptor sees one Halo instance while Prism checks every
    API request and answer against Halo's document.
Ports are written to --port-file as "API FRONT" once both listen. Standard library only.

Admin (POST JSON to the API port):
  /_sim/seed {"clients": N, "projects": N, "tasks_every": K, "tasks": T, "spread": S}  fresh
                                        data (spread: project p last updated p*S s into 2025;
                                        0, the default: all at 2026-01-05T09:00:00.000Z)
  /_sim/touch {"id": N, ...fields}      change a record (project or task), bumps last_update
  /_sim/touch {"ids": [N, ...], ...}    the same for many projects at once (the benchmark)
  /_sim/fault {"kind": ..., "count": N, ...} next N API answers: "429" (retry_after), "slow"
                (seconds), "malformed", "huge" (mb), "redirect", "expire" (tokens die: 401), "loop" (same page forever),
                "endless" (new ids forever), "500"
  /_sim/expire                          every issued token stops working (401)
  /_sim/front {"direct": true|false}    the front passes API calls straight to the simulator
                                        (Prism's proxy follows redirects and turns a malformed
                                        body into its own 500: those faults go around it)
  /_sim/clear                           forget queued faults and request counts
  /_sim/stats (GET)                     {"requests": {path: n}, "tokens": n, "attachments": [...],
                                         "tickets": {...}}
"""
import base64
import datetime
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import sim_common as sc  # noqa: E402

LOCK = threading.Lock()
STATE = {}


def now_stamp():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def reset(clients=3, projects=3, tasks_every=1, tasks=3, spread=0):
    st = {"clients": {}, "projects": {}, "tasks": {}, "by_parent": {}, "attachments": [],
          "tickets": {},
          "tokens": {}, "token_count": 0, "requests": {}, "faults": [], "next_id": 100000,
          "client_id": STATE.get("client_id", "og-client"),
          "client_secret": STATE.get("client_secret", "og-secret"),
          "token_ttl": STATE.get("token_ttl", 3600)}
    stamp = "2026-01-05T09:00:00.000Z"
    for c in range(1, clients + 1):
        st["clients"][c] = {"id": c, "name": "Client %d" % c, "inactive": False}
    t0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    for p in range(1, projects + 1):
        if spread:  # project p last updated p * spread seconds into 2025
            stamp = (t0 + datetime.timedelta(seconds=p * spread)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z")
        cid = (p - 1) % clients + 1
        with_tasks = tasks_every > 0 and (p - 1) % tasks_every == 0
        st["projects"][p] = {
            "id": p, "summary": "Project %d" % p, "details": "Rollout %d" % p,
            "client_id": cid, "client_name": "Client %d" % cid, "status_id": 2,
            "status_name": "In Progress", "tickettype_id": 5, "is_project": True,
            "agent_name": "Alice Agent", "user_name": "Carol Client",
            "user_email": "carol@client%d.example" % cid,
            "startdate": "2026-02-01T00:00:00", "targetdate": "2026-03-31T00:00:00",
            "deadlinedate": "1900-01-01T00:00:00", "last_update": stamp,
            "projecttimebudget": 40.5, "projecttimeactual": 12.25, "projectmoneybudget": 5400.1,
            "child_count": tasks if with_tasks else 0}
        if with_tasks:
            for k in range(tasks):
                tid = 10000 + p * 10 + k
                ms = 1 + (k % 2)
                st["tasks"][tid] = {
                    "id": tid, "parent_id": p, "summary": "Task %d.%d" % (p, k),
                    "estimate": [7.5, 0.1, 0.2][k % 3], "milestone_id": p * 10 + ms,
                    "milestone_name": "Phase %d" % ms,
                    "milestone_startdate": "2026-0%d-01T00:00:00" % (1 + ms),
                    "milestone_enddate": "2026-0%d-28T00:00:00" % (1 + ms),
                    "status_id": 1, "last_update": stamp}
                st["by_parent"].setdefault(p, []).append(st["tasks"][tid])  # ids ascending
    STATE.clear()
    STATE.update(st)


def page(items, q, key):
    pag = q.get("pageinate", ["false"])[0].lower() == "true"
    size = sc.qint(q, "page_size", 50)
    no = sc.qint(q, "page_no", 1)
    total = len(items)
    if pag:
        items = sc.page_slice(items, no, size, first=1)
    body = {"record_count": total, key: items}
    if pag:
        body.update({"page_no": no, "page_size": size})
    return body


class API(sc.Handler):
    content_type = "application/json; charset=utf-8"
    type_on_empty = True
    auth_here = False  # --auth-on-api

    def authed(self):
        return sc.bearer_ok(self.headers, STATE)

    def fault(self):
        """Consume one queued fault for this API request; True when it answered."""
        f = sc.fault_take(STATE)
        if not f:
            return False
        # the token dies mid-pull (expire), as Halo's do after expires_in
        return sc.fault_answer(
            self, f, STATE, msg=lambda text: {"message": text},
            malformed=b'{"record_count": 3, "projects": [{"id": 1, "summ',
            huge=lambda blob: {"record_count": 1, "projects": [{"id": 1, "details": blob}]},
            redirect="http://elsewhere.example:8080/api/Projects")

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        path = u.path
        if path.startswith("/_sim/"):
            return self.admin(method, path)
        if API.auth_here and path == "/auth/token" and method == "POST":
            return Front.token(self)
        with LOCK:
            sc.count_request(STATE, path)
        if not self.authed():
            return self.send(401, {"message": "Authorization has been denied for this request."})
        with LOCK:
            f = sc.fault_peek(STATE)
            if f and f["kind"] in ("loop", "endless") and path == "/api/Projects":
                no = sc.qint(q, "page_no", 1)
                size = sc.qint(q, "page_size", 50)
                base = 1 if f["kind"] == "loop" else (no - 1) * size + 1
                recs = [{"id": 900000 + base + i, "summary": "Loop", "child_count": 0}
                        for i in range(size)]
                return self.send(200, {"record_count": 10 ** 9, "projects": recs})
            answered = self.fault()
        if answered is True:
            return
        if answered:
            time.sleep(answered)
        try:
            if method == "GET":
                return self.get(path, q)
            return self.post(path, self.body_json())
        except (ValueError, KeyError, TypeError) as e:
            return self.send(400, {"message": "bad request: %s" % e})

    def get(self, path, q):
        with LOCK:
            if path == "/api/Client":
                items = sorted(STATE["clients"].values(), key=lambda r: r["id"])
                return self.send(200, page(items, q, "clients"))
            if path == "/api/Projects" and "parent_id" in q:
                pid = int(q["parent_id"][0])
                items = STATE["by_parent"].get(pid, [])  # the seeded tasks, in id order
                return self.send(200, page(items, q, "tickets"))
            if path == "/api/Projects":
                since = q.get("lastupdatefromdate", [None])[0]
                items = sorted(STATE["projects"].values(), key=lambda r: r["id"])
                if since:
                    items = [p for p in items if p["last_update"] >= since]
                return self.send(200, page(items, q, "projects"))
            if path.startswith("/api/Projects/"):
                rec = STATE["projects"].get(int(path.rsplit("/", 1)[1]))
                if not rec:
                    return self.send(404, {"message": "Ticket not found"})
                return self.send(200, rec)
            if path == "/api/Attachment":
                tid = int(q.get("ticket_id", ["0"])[0])
                items = [a for a in STATE["attachments"] if a["ticket_id"] == tid]
                return self.send(200, {"record_count": len(items), "attachments": items})
        return self.send(404, {"message": "no route"})

    def post(self, path, body):
        if not isinstance(body, list) or not body or not isinstance(body[0], dict):
            return self.send(400, {"message": "expected a JSON array of records"})
        rec = body[0]
        with LOCK:
            STATE["next_id"] += 1
            nid = STATE["next_id"]
            if path == "/api/Attachment":
                tid = rec.get("ticket_id")
                if tid not in STATE["projects"] and tid not in STATE["tickets"]:
                    return self.send(400, {"message": "Ticket %s not found" % tid})
                data = base64.b64decode(rec.get("data_base64") or "")
                att = {"id": nid, "ticket_id": tid, "filename": rec.get("filename"),
                       "note": rec.get("note"), "filesize": len(data),
                       "content_type": rec.get("content_type")}
                STATE["attachments"].append(att)
                return self.send(200, att)
            if path in ("/api/Tickets", "/api/Projects"):
                if rec.get("id"):
                    t = STATE["tickets"].get(rec["id"])
                    if not t:
                        return self.send(400, {"message": "Ticket %s not found" % rec["id"]})
                    if rec.get("action_note"):
                        t.setdefault("actions", []).append(
                            {"note": rec["action_note"], "outcome": rec.get("action_outcome")})
                    if "status_id" in rec:
                        t["status_id"] = rec["status_id"]
                    return self.send(200, t)
                if rec.get("client_id") not in STATE["clients"]:
                    return self.send(400, {"message": "Client %s not found" %
                                           rec.get("client_id")})
                t = {"id": nid, "client_id": rec["client_id"], "summary": rec.get("summary"),
                     "details": rec.get("details"), "status_id": 1,
                     "tickettype_id": rec.get("tickettype_id"),
                     "priority_id": rec.get("priority_id")}
                STATE["tickets"][nid] = t
                return self.send(201 if path == "/api/Tickets" else 200, t)
        return self.send(404, {"message": "no route"})

    def admin(self, method, path):
        body = self.body_json() if method == "POST" else None
        with LOCK:
            if sc.admin_common(self, path, body, STATE, Front):
                return
            if path == "/_sim/seed":
                b = body or {}
                STATE["client_id"] = b.get("client_id", STATE.get("client_id"))
                reset(b.get("clients", 3), b.get("projects", 3), b.get("tasks_every", 1),
                      b.get("tasks", 3), b.get("spread", 0))
                STATE["token_ttl"] = b.get("token_ttl", 3600)
                return self.send(200, {"ok": True})
            if path == "/_sim/touch" and "ids" in body:
                stamp = now_stamp()
                for rid in body["ids"]:
                    STATE["projects"][rid].update({k: v for k, v in body.items() if k != "ids"})
                    STATE["projects"][rid]["last_update"] = stamp
                return self.send(200, {"ok": True, "touched": len(body["ids"])})
            if path == "/_sim/touch":
                rid = body["id"]
                rec = STATE["projects"].get(rid) or STATE["tasks"].get(rid)
                rec.update({k: v for k, v in body.items() if k != "id"})
                rec["last_update"] = now_stamp()
                if rid in STATE["tasks"]:  # Halo bumps the project with its task
                    STATE["projects"][rec["parent_id"]]["last_update"] = rec["last_update"]
                return self.send(200, rec)
            if path == "/_sim/expire":
                STATE["tokens"] = {}
                return self.send(200, {"ok": True})
            if path == "/_sim/stats":
                return self.send(200, {"requests": STATE["requests"],
                                       "tokens": STATE["token_count"],
                                       "attachments": STATE["attachments"],
                                       "tickets": STATE["tickets"]})
        return self.send(404, {"message": "no admin route"})


class Front(sc.Front, API):
    """The authorisation server, and a pass-through of the API to the upstream (Prism)."""
    token_path = "/auth/token"

    def token(self):
        form, get = self.read_form()
        with LOCK:
            STATE.setdefault("token_forms", []).append(sorted(form.keys()))
            if not self.form_type_ok() or get("grant_type") != "client_credentials" or \
                    get("scope") != "all":
                return self.send(400, {"error": "unsupported_grant_type",
                                       "error_description": "grant_type must be "
                                       "client_credentials"})
            if get("client_id") != STATE["client_id"] or \
                    get("client_secret") != STATE["client_secret"]:
                return self.send(400, {"error": "invalid_client",
                                       "error_description": "The client credentials are "
                                       "invalid (HALO-AUTH-4711)"})
            tok = sc.token_issue(STATE)
            return self.send(200, {"access_token": tok, "token_type": "Bearer",
                                   "expires_in": STATE["token_ttl"], "scope": "all"})


def main():
    ap = sc.pair_args("og-client")
    ap.add_argument("--auth-on-api", action="store_true",
                    help="the API port answers POST /auth/token too (the benchmark: no front)")
    a = ap.parse_args()
    API.auth_here = a.auth_on_api
    STATE.update({"client_id": a.client_id, "client_secret": a.client_secret})
    reset()
    sc.serve_pair(API, Front, a)


if __name__ == "__main__":
    sys.exit(main())
