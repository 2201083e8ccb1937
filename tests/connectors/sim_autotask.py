#!/usr/bin/env python3
"""sim_autotask.py - a stateful Datto Autotask PSA REST v1.0 simulator for the connector tests.

Speaks the shapes of ../shared/spec/connectors/autotask/openapi-subset.yaml (the tests run it
behind Prism in proxy mode, which checks every answer against that document): ZoneInformation,
Projects (query, item, Phases, Tasks, Attachments), Companies (query, item), Tickets (create,
patch, item). Paths are accepted with or without the /ATServicesRest prefix.

Usage: sim_autotask.py --port-file FILE [--public-url URL]
  --public-url: the base URL the zone lookup answers (default: this server's own), e.g. the
  Prism proxy in front of it, so every later request goes through Prism too.

Admin (never behind Prism):
  POST /_sim/seed    {"projects": N, "companies": N, "phases": N, "tasks": N}  (replaces all)
  POST /_sim/touch   {"id": P, "estimatedTime": 12.5, ...}  changes project P (stamp moves on)
  POST /_sim/task    {"project": P, "id": T, "estimatedHours": 9}  changes a task (stamp moves)
  POST /_sim/mode    {"storm429": K, "retry_after": S, "malformed": K, "loop": true|"vary",
                      "huge": bool, "slow": seconds, "redirect": URL, "zone_url": URL,
                      "page_size_cap": N, "next_base": URL, "post_fail": K, "reverse": bool,
                      "creds": {...}}
  GET  /_sim/state   {"requests": N, "by_path": {...}, "attachments": [...], "tickets": {...}}
  POST /_sim/reset_counts
Credentials (headers UserName, Secret, ApiIntegrationCode) default to the values in CREDS below.
"""
import argparse
import base64
import json
import re
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import sim_common as sc  # noqa: E402

CREDS = {"username": "api@example.test", "secret": "AT-SECRET-MARKER-7731",
         "integration_code": "AT-INTEG-MARKER-5519"}
PREFIX = "/ATServicesRest"

lock = threading.Lock()
S = {}


def stamp(n):
    """The n-th tick of the simulator's clock as Autotask writes it (UTC, milliseconds, Z)."""
    t = 1767225600 + n  # 2026-01-01T00:00:00Z
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (n % 1000)


def reset_state():
    S.clear()
    S.update({"clock": 1000, "companies": {}, "projects": {}, "phases": {}, "tasks": {},
              "attachments": [], "tickets": {}, "next_id": 900000, "requests": 0,
              "by_path": {}, "mode": {}, "creds": dict(CREDS), "public_url": S.get("public_url")})


def tick():
    S["clock"] += 1
    return stamp(S["clock"])


def seed(spec):
    pub = S.get("public_url")
    reset_state()
    S["public_url"] = pub
    nc = int(spec.get("companies", 3))
    for i in range(1, nc + 1):
        S["companies"][i] = {"id": i, "companyName": "Client %d GmbH" % i, "isActive": True,
                             "companyType": 1, "lastActivityDate": stamp(10)}
    nph, nt = int(spec.get("phases", 2)), int(spec.get("tasks", 2))
    tid = 50000
    for p in range(1, int(spec.get("projects", 3)) + 1):
        pid = 1000 + p
        S["projects"][pid] = {
            "id": pid, "projectName": "Project %d" % p, "projectNumber": "P2026.%04d" % p,
            "companyID": 1 + (p % nc), "status": 1, "projectType": 5,
            "startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-06-30T00:00:00Z",
            "estimatedTime": 40.5, "actualHours": 0.1 + 0.2,  # 0.30000000000000004 on the wire
            "originalEstimatedRevenue": 12000.1, "changeOrdersRevenue": 0.2,
            "projectLeadResourceID": 29682885, "lastActivityDateTime": stamp(100 + p)}
        phases = []
        tasks = []
        for h in range(1, nph + 1):
            phid = pid * 10 + h
            phases.append({"id": phid, "projectID": pid, "title": "Phase %d" % h,
                           "startDate": "2026-02-0%dT00:00:00Z" % h,
                           "dueDate": "2026-03-0%dT00:00:00Z" % h, "estimatedHours": 16,
                           "lastActivityDateTime": stamp(100 + p)})
            for t in range(1, nt + 1):
                tid += 1
                tasks.append({"id": tid, "projectID": pid, "phaseID": phid,
                              "title": "Task %d.%d" % (h, t), "estimatedHours": 7.5,
                              "hoursToBeScheduled": 7.5, "status": 1,
                              "assignedResourceRoleID": 29683464,
                              "lastActivityDateTime": stamp(100 + p)})
        if nt:
            tid += 1
            tasks.append({"id": tid, "projectID": pid, "title": "Unphased task",
                          "estimatedHours": 2, "status": 1,
                          "lastActivityDateTime": stamp(100 + p)})
        S["phases"][pid] = phases
        S["tasks"][pid] = tasks
    S["clock"] = 100 + int(spec.get("projects", 3)) + 1


def field_of(rec, name):
    for k, v in rec.items():
        if k.lower() == name.lower():
            return v
    return None


def match(rec, flt):
    for f in flt:
        op = str(f.get("op", "")).lower()
        if op in ("and", "or"):
            subs = [match(rec, [x]) for x in f.get("items", [])]
            if (op == "and" and not all(subs)) or (op == "or" and not any(subs)):
                return False
            continue
        v = field_of(rec, f.get("field", ""))
        want = f.get("value")
        if op == "exist":
            if v is None:
                return False
        elif op == "eq":
            if v != want:
                return False
        elif op in ("gt", "gte", "lt"):
            if v is None:
                return False
            if isinstance(v, str) and isinstance(want, str):  # Autotask's date-times compare as times
                a, b = v.rstrip("Z"), want.rstrip("Z")
            else:
                a, b = v, want
            if op == "gt" and not a > b:
                return False
            if op == "gte" and not a >= b:
                return False
            if op == "lt" and not a < b:
                return False
        else:
            raise ValueError("unknown filter op %r" % op)
    return True


class H(sc.Handler):
    content_type = "application/json; charset=utf-8"

    def base(self):
        return (S["mode"].get("zone_url") or S.get("public_url") or
                "http://127.0.0.1:%d%s" % (self.server.server_port, PREFIX))

    # ---- admin ----
    def admin(self, method, path):
        with lock:
            if path == "/_sim/state":
                return self.send(200, {"requests": S["requests"], "by_path": S["by_path"],
                                       "attachments": [{k: a[k] for k in a if k != "data"} | {"size": len(base64.b64decode(a["data"]))}
                                                       for a in S["attachments"]],
                                       "tickets": S["tickets"], "projects": len(S["projects"])})
            req = self.body_json({}) if method == "POST" else {}
            if path == "/_sim/seed":
                seed(req)
            elif path == "/_sim/touch":
                p = S["projects"][int(req.pop("id"))]
                p.update(req)
                p["lastActivityDateTime"] = tick()
            elif path == "/_sim/task":
                pid, tid = int(req.pop("project")), int(req.pop("id"))
                for t in S["tasks"][pid]:
                    if t["id"] == tid:
                        t.update(req)
                        t["lastActivityDateTime"] = tick()
                # Autotask moves the project's activity stamp with its tasks' activity
                S["projects"][pid]["lastActivityDateTime"] = tick()
            elif path == "/_sim/mode":
                if "creds" in req:
                    S["creds"] = dict(CREDS) | req.pop("creds")
                S["mode"].update(req)
            elif path == "/_sim/reset_counts":
                S["requests"] = 0
                S["by_path"] = {}
            else:
                return self.send(404, {"errors": ["no such admin path"]})
            return self.send(200, {"ok": True})

    # ---- the API ----
    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        if path.startswith("/_sim/"):
            return self.admin(method, path)
        if path.startswith(PREFIX):
            path = path[len(PREFIX):]
        q = urllib.parse.parse_qs(u.query)
        with lock:
            S["requests"] += 1
            key = method + " " + re.sub(r"/\d+", "/{id}", path)
            S["by_path"][key] = S["by_path"].get(key, 0) + 1
            mode = S["mode"]
            if mode.get("slow"):
                delay = float(mode["slow"])
            else:
                delay = 0
        if delay:
            time.sleep(delay)
        with lock:
            mode = S["mode"]
            if sc.counter_take(mode, "storm429"):
                return self.send(429, {"errors": ["Request limit exceeded: slow down"]},
                                 headers={"Retry-After": str(mode.get("retry_after", 1))})
            if mode.get("redirect"):
                return self.send(302, None, headers={"Location": mode["redirect"]})
            h = self.headers
            c = S["creds"]
            if (h.get("UserName") != c["username"] or h.get("Secret") != c["secret"] or
                    h.get("ApiIntegrationCode") != c["integration_code"]):
                return self.send(401, {"errors": ["The user name, secret or API integration code is not valid"]})
            if path != "/V1.0/ZoneInformation" and sc.counter_take(mode, "malformed"):
                return self.send(200, raw=b'{"items": [{"id": 1, "projectName": "cut')
            try:
                return self.api(method, path, q)
            except (KeyError, ValueError) as e:
                return self.send(500, {"errors": ["simulator: %s" % e]})

    def page(self, entity, records, query):
        flt = query.get("filter") or []
        size = int(query.get("MaxRecords") or query.get("maxRecords") or 500)
        size = max(1, min(size, 500, int(S["mode"].get("page_size_cap", 500))))
        rows = sorted((r for r in records if match(r, flt)), key=lambda r: r["id"])
        items = rows[:size]
        pd = {"count": len(items), "requestCount": size}
        if S["mode"].get("loop") and entity == "Projects":
            q2 = dict(query)
            if S["mode"]["loop"] == "vary":  # a new link every time: only max_pages stops it
                q2["_n"] = int(q2.get("_n", 0)) + 1
            pd["nextPageUrl"] = "%s/V1.0/%s/query?search=%s" % (
                self.base(), entity, urllib.parse.quote(json.dumps(q2, separators=(",", ":"))))
        elif len(rows) > size and S["mode"].get("next_base"):
            pd["nextPageUrl"] = "%s/V1.0/%s/query?search=%s" % (
                S["mode"]["next_base"], entity, urllib.parse.quote(json.dumps(query)))
        elif len(rows) > size:
            q2 = dict(query)
            base_flt = [f for f in flt if not (f.get("field") == "id" and f.get("op") == "gt")]
            q2["filter"] = base_flt + [{"op": "gt", "field": "id", "value": items[-1]["id"]}]
            pd["nextPageUrl"] = "%s/V1.0/%s/query?search=%s" % (
                self.base(), entity, urllib.parse.quote(json.dumps(q2, separators=(",", ":"))))
        inc = query.get("IncludeFields") or query.get("includeFields")
        if inc:
            items = [{k: v for k, v in r.items() if k in inc} for r in items]
        if S["mode"].get("huge") and entity == "Projects":
            items = [dict(items[0], description="x" * (20 << 20))] + items[1:] if items else items
        return self.send(200, {"items": items, "pageDetails": pd})

    def api(self, method, path, q):
        m = re.fullmatch(r"/V1\.0/(\w+)(?:/(\d+))?(?:/(\w+))?(?:/(\d+))?", path)
        if path == "/V1.0/ZoneInformation" and method == "GET":
            if q.get("user", [""])[0].lower() != S["creds"]["username"].lower():
                return self.send(404, {"errors": ["no zone for this user"]})
            url = S["mode"].get("zone_url") or self.base()
            return self.send(200, {"zoneName": "Simulated Zone 1", "url": url + "/",
                                   "webUrl": "https://ww1.autotask.net/", "ci": 1})
        if not m:
            return self.send(404, {"errors": ["no such path"]})
        entity, rid, child, cid = m.groups()
        table = {"Projects": S["projects"], "Companies": S["companies"], "Tickets": S["tickets"]}
        if entity not in table:
            return self.send(404, {"errors": ["no such entity"]})
        if rid == "query" or (rid is None and child is None and path.endswith("/query")):
            pass
        if path.endswith("/query"):
            if method == "GET":
                query = json.loads(q["search"][0])
            else:
                query = self.body_json({})
            return self.page(entity, list(table[entity].values()), query)
        if rid and not child and method == "GET":
            rec = table[entity].get(int(rid))
            if rec is None:
                return self.send(404, {"errors": ["%s %s not found" % (entity, rid)]})
            return self.send(200, {"item": rec})
        if entity == "Projects" and rid and child in ("Phases", "Tasks") and method == "GET":
            pid = int(rid)
            if pid not in S["projects"]:
                return self.send(404, {"errors": ["project %s not found" % rid]})
            recs = (S["phases"] if child == "Phases" else S["tasks"]).get(pid, [])
            if S["mode"].get("reverse"):  # Autotask promises no order
                recs = list(reversed(recs))
            return self.send(200, {"items": recs, "pageDetails": {"count": len(recs), "requestCount": 500}})
        if entity == "Projects" and rid and child == "Attachments" and method == "POST":
            a = self.body_json({})
            if int(rid) not in S["projects"]:
                return self.send(404, {"errors": ["project %s not found" % rid]})
            for k in ("attachmentType", "title", "fullPath", "data", "publish"):
                if k not in a:
                    return self.send(400, {"errors": ["%s is required" % k]})
            if a["attachmentType"] != "FILE_ATTACHMENT":
                return self.send(400, {"errors": ["attachmentType must be FILE_ATTACHMENT"]})
            base64.b64decode(a["data"], validate=True)
            S["next_id"] += 1
            a.update({"id": S["next_id"], "parentID": int(rid), "projectID": int(rid),
                      "attachDate": tick()})
            S["attachments"].append(a)
            if S["mode"].get("post_fail", 0) > 0:  # created, then the answer is lost in a 500
                S["mode"]["post_fail"] -= 1
                return self.send(500, {"errors": ["Internal error after the attachment was saved"]})
            return self.send(200, {"itemId": S["next_id"]})
        if entity == "Tickets" and method == "POST" and not rid:
            t = self.body_json({})
            for k in ("companyID", "title", "status", "priority"):
                if k not in t:
                    return self.send(400, {"errors": ["%s is required" % k]})
            if int(t["companyID"]) not in S["companies"]:
                return self.send(400, {"errors": ["companyID %s does not exist" % t["companyID"]]})
            S["next_id"] += 1
            t.update({"id": S["next_id"], "ticketNumber": "T20260101.%04d" % (S["next_id"] % 10000),
                      "createDate": tick()})
            S["tickets"][S["next_id"]] = t
            return self.send(200, {"itemId": S["next_id"]})
        if entity == "Tickets" and method == "PATCH" and not rid:
            t = self.body_json({})
            cur = S["tickets"].get(int(t.get("id", 0)))
            if cur is None:
                return self.send(404, {"errors": ["ticket %s not found" % t.get("id")]})
            cur.update(t)
            cur["lastActivityDate"] = tick()
            return self.send(200, {"itemId": cur["id"]})
        return self.send(404, {"errors": ["not simulated: %s %s" % (method, path)]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--public-url")
    a = ap.parse_args()
    reset_state()
    S["public_url"] = a.public_url
    seed({})
    sc.serve_one(H, a.port_file)


if __name__ == "__main__":
    main()
