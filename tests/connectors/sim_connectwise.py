#!/usr/bin/env python3
"""sim_connectwise.py - a stateful ConnectWise PSA (Manage) simulator for the connector tests.

Speaks the shapes of ../shared/spec/connectors/connectwise/openapi-subset.yaml under
/v4_6_release/apis/3.0 (companies, projects, phases, project tickets, system documents) and is
run behind Prism's proxy so its answers are checked against that document too. Python 3, stdlib.

    sim_connectwise.py --port-file FILE [--projects N] [--private-key KEY] [--client-id GUID]

Credentials: Basic "acme+pubKEY:<private key>" and clientId on every call (401 otherwise).
Admin endpoints (no auth), JSON bodies:
  POST /_sim/config   {"projects": N, "storm": N (next N calls answer 429 Retry-After: 1),
                       "malformed": true (next project list is cut JSON), "huge": true (next
                       project list is 20 MB), "loop": true (project pages never end),
                       "slow": seconds, "redirect": URL (next call answers 302 there),
                       "public": "http://host:port" (origin written into Link headers),
                       "signing_key": KEY}
  POST /_sim/touch    {"project": ID, "budgetHours": 12.5, "name": ...} -> lastUpdated moves
  POST /_sim/touch-ticket {"ticket": ID, "budgetHours": 3}
  GET  /_sim/stats    {"requests": N, "paths": {...}, "documents": [...], "tickets": [...]}
  POST /_sim/reset-stats
"""
import argparse
import base64
import datetime
import json
import re
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import sim_common as sc  # noqa: E402

PREFIX = "/v4_6_release/apis/3.0"
CT = "application/vnd.connectwise.com+json; version=2025.1"
BASE_TIME = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)


def stamp(minutes):
    return (BASE_TIME + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.clock = 0
        self.cfg = {"storm": 0, "malformed": False, "huge": False, "loop": False, "slow": 0,
                    "redirect": "", "public": "", "signing_key": "sim-signing-key-123",
                    "private_key": args.private_key}
        self.requests = 0
        self.paths = {}
        self.documents = []
        self.opened = []
        self.generate(args.projects)

    def generate(self, n):
        self.companies = [{"id": c, "identifier": "Co%d" % c, "name": "Company %d" % c,
                           "status": {"id": 1, "name": "Active"}, "_info": {"lastUpdated": stamp(0)}}
                          for c in range(1, 6)]
        self.projects, self.phases, self.tickets = {}, {}, {}
        for i in range(1, n + 1):
            co = self.companies[i % 5]
            self.projects[i] = {
                "id": i, "name": "Project %d" % i, "billingMethod": "ActualRates",
                "board": {"id": 1, "name": "Professional Services"},
                "company": {"id": co["id"], "identifier": co["identifier"], "name": co["name"]},
                "contact": {"id": 10, "name": "Carl Client"},
                "manager": {"id": 1, "identifier": "jdoe", "name": "Jane Doe"},
                "status": {"id": 1, "name": "Open"}, "closedFlag": False,
                "estimatedStart": "2026-04-01T00:00:00Z", "estimatedEnd": "2026-06-30T00:00:00Z",
                "budgetHours": 40.5, "actualHours": 0.3, "billingAmount": 6075.25,
                "_info": {"lastUpdated": stamp(0)}}
            self.phases[i] = [
                {"id": i * 10 + 1, "projectId": i, "description": "Design", "hourlyRate": 145.5,
                 "scheduledStart": "2026-04-01T00:00:00Z", "scheduledEnd": "2026-04-30T00:00:00Z",
                 "budgetHours": 20, "_info": {"lastUpdated": stamp(0)}},
                {"id": i * 10 + 2, "projectId": i, "description": "Build", "hourlyRate": 160,
                 "scheduledStart": "2026-05-01T00:00:00Z", "scheduledEnd": "2026-06-30T00:00:00Z",
                 "budgetHours": 20.5, "_info": {"lastUpdated": stamp(0)}}]
            tl = []
            for k, (ph, hours, booked) in enumerate([(0, 7.5, 6.25), (1, 0.1, 0), (1, 12.9999, 13.5)]):
                p = self.phases[i][ph]
                tl.append({"id": i * 100 + k, "summary": "Task %d.%d" % (i, k),
                           "project": {"id": i, "name": "Project %d" % i},
                           "phase": {"id": p["id"], "name": p["description"]},
                           "company": {"id": co["id"], "identifier": co["identifier"], "name": co["name"]},
                           "workRole": {"id": 3, "name": "Engineer"}, "budgetHours": hours,
                           "actualHours": booked, "closedFlag": False,
                           "_info": {"lastUpdated": stamp(0)}})
            if i % 10 == 3:  # a ticket of a phase the project no longer lists
                tl.append({"id": i * 100 + 9, "summary": "Leftover %d" % i,
                           "project": {"id": i, "name": "Project %d" % i},
                           "phase": {"id": 999999, "name": "Old phase"}, "budgetHours": 2,
                           "_info": {"lastUpdated": stamp(0)}})
            self.tickets[i] = tl

    def tick(self):
        self.clock += 1
        return stamp(self.clock)


def page_params(q):
    size = int(q.get("pageSize", ["25"])[0])
    size = max(1, min(size, 1000))
    page = int(q.get("page", ["1"])[0])
    page_id = q.get("pageId", [None])[0]
    return size, page, (int(page_id) if page_id is not None else None)


def cond_filter(cond):
    """A predicate over records for the conditions this adaptor sends."""
    if not cond:
        return lambda r: True
    m = re.fullmatch(r"lastUpdated\s*>\s*\[([0-9TZ:.-]+)\]", cond)
    if m:
        t = m.group(1)
        return lambda r: r.get("_info", {}).get("lastUpdated", "") > t
    m = re.fullmatch(r"(project/id|id)\s+in\s+\(([0-9,\s-]+)\)", cond)
    if m:
        ids = {int(x) for x in m.group(2).split(",") if x.strip()}
        if m.group(1) == "id":
            return lambda r: r["id"] in ids
        return lambda r: r.get("project", {}).get("id") in ids
    m = re.fullmatch(r"project/id\s*=\s*(-?[0-9]+)", cond)
    if m:
        pid = int(m.group(1))
        return lambda r: r.get("project", {}).get("id") == pid
    raise ValueError("unsupported conditions: " + cond)


def make_handler(st):
    class H(sc.Handler):
        content_type = CT
        type_on_empty = True

        def authed(self):
            want = "acme+pubKEY:" + st.cfg["private_key"]
            h = self.headers.get("Authorization", "")
            ok = False
            if h.startswith("Basic "):
                try:
                    ok = base64.b64decode(h[6:]).decode() == want
                except Exception:
                    ok = False
            if ok and self.headers.get("clientId") == st.args.client_id:
                return True
            self.send(401, {"code": "Unauthorized",
                             "message": "Authentication failed: invalid member keys for company acme."})
            return False

        def link(self, path, q, **repl):
            q = dict(q)
            for k, v in repl.items():
                q[k] = [str(v)]
            origin = st.cfg["public"] or ("http://" + self.headers.get("Host", "127.0.0.1"))
            return '<%s%s?%s>; rel="next"' % (origin, path, urllib.parse.urlencode(q, doseq=True))

        def listing(self, path, q, records):
            size, page, page_id = page_params(q)
            records = sorted(records, key=lambda r: r["id"])
            fwd = self.headers.get("pagination-type", "").lower() == "forward-only"
            if fwd:
                if page_id is not None:
                    records = [r for r in records if r["id"] > page_id]
                chunk = records[:size]
                more = len(records) > size
                hdr = {"Link": self.link(path, q, pageId=chunk[-1]["id"])} if more else {}
            else:
                chunk = records[(page - 1) * size: page * size]
                more = len(records) > page * size
                hdr = {"Link": self.link(path, q, page=page + 1)} if more else {}
            self.send(200, chunk, headers=hdr)

        def route(self, method):
            u = urllib.parse.urlsplit(self.path)
            path, q = u.path, urllib.parse.parse_qs(u.query, keep_blank_values=True)
            if path.startswith("/_sim/"):
                return self.admin(method, path)
            with st.lock:
                st.requests += 1
                key = method + " " + re.sub(r"/-?\d+", "/{id}", path)
                st.paths[key] = st.paths.get(key, 0) + 1
                slow, redirect = st.cfg["slow"], st.cfg["redirect"]
                storm = sc.counter_take(st.cfg, "storm")
                if redirect:
                    st.cfg["redirect"] = ""
            if slow:
                time.sleep(slow)
            if redirect:
                return self.send(302, {"message": "moved"}, headers={"Location": redirect})
            if storm:
                return self.send(429, {"code": "TooManyRequests", "message": "Slow down"},
                                  headers={"Retry-After": "1"})
            if path.startswith("/cb/keys/"):  # callback signing keys (not in the document)
                return self.send(200, {"signing_key": st.cfg["signing_key"]}, ct="application/json")
            if not path.startswith(PREFIX):
                return self.send(404, {"code": "NotFound", "message": "no such path"})
            if not self.authed():
                return
            rel = path[len(PREFIX):]
            try:
                return self.api(method, rel, path, q)
            except ValueError as e:
                return self.send(400, {"code": "InvalidObject", "message": str(e)})

        def api(self, method, rel, path, q):
            cond = q.get("conditions", [""])[0]
            with st.lock:
                if method == "GET" and rel == "/company/companies":
                    return self.listing(path, q, [r for r in st.companies if cond_filter(cond)(r)])
                if method == "GET" and rel == "/project/projects":
                    if st.cfg["malformed"]:
                        st.cfg["malformed"] = False
                        return self.send(200, raw=b'[{"id": 1, "name": "cut')
                    if st.cfg["huge"]:
                        st.cfg["huge"] = False
                        p = dict(st.projects[1])
                        p["description"] = "x" * (20 << 20)
                        return self.send(200, [p])
                    recs = [p for p in st.projects.values() if cond_filter(cond)(p)]
                    if st.cfg["loop"]:
                        size, page, _ = page_params(q)
                        recs = sorted(recs, key=lambda r: r["id"])[:size]
                        return self.send(200, recs, headers={"Link": self.link(path, q, page=page + 1)})
                    return self.listing(path, q, recs)
                m = re.fullmatch(r"/project/projects/(-?\d+)", rel)
                if method == "GET" and m:
                    p = st.projects.get(int(m.group(1)))
                    if not p:
                        return self.send(404, {"code": "NotFound", "message": "Project not found"})
                    return self.send(200, p)
                m = re.fullmatch(r"/project/projects/(-?\d+)/phases", rel)
                if method == "GET" and m:
                    return self.listing(path, q, st.phases.get(int(m.group(1)), []))
                if method == "GET" and rel == "/project/tickets":
                    f = cond_filter(cond)
                    return self.listing(path, q, [t for tl in st.tickets.values() for t in tl if f(t)])
                if method == "POST" and rel == "/project/tickets":
                    t = json.loads(self.read_body() or b"{}")
                    if not t.get("summary") or not isinstance(t.get("phase"), dict):
                        return self.send(400, {"code": "InvalidObject", "message": "summary and phase are required"})
                    t["id"] = 900000 + len(st.opened)
                    t["status"] = {"id": 1, "name": "New"}
                    t.pop("initialDescription", None)
                    t["_info"] = {"lastUpdated": st.tick()}
                    st.opened.append(t)
                    return self.send(201, t)
                m = re.fullmatch(r"/project/tickets/(-?\d+)", rel)
                if m and method == "PATCH":
                    ops = json.loads(self.read_body() or b"[]")
                    for t in st.opened:
                        if t["id"] == int(m.group(1)):
                            for op in ops:
                                if op.get("path") == "status":
                                    t["status"] = op.get("value")
                            return self.send(200, t)
                    return self.send(404, {"code": "NotFound", "message": "Ticket not found"})
                if method == "POST" and rel == "/system/documents":
                    return self.upload()
                if method == "GET" and rel == "/system/documents":
                    rt, rid = q.get("recordType", [""])[0], q.get("recordId", [""])[0]
                    docs = [d for d in st.documents if d["recordType"] == rt and str(d["recordId"]) == rid]
                    return self.listing(path, q, [d["info"] for d in docs])
            return self.send(404, {"code": "NotFound", "message": "no such path"})

        def upload(self):
            ctype = self.headers.get("Content-Type", "")
            m = re.match(r"multipart/form-data;\s*boundary=(\S+)", ctype)
            if not m:
                return self.send(400, {"code": "InvalidObject", "message": "multipart expected"})
            b = ("--" + m.group(1)).encode()
            fields, fname = {}, ""
            for part in self.read_body().split(b)[1:]:
                if part.startswith(b"--"):
                    break
                head, _, data = part[2:].partition(b"\r\n\r\n")
                data = data[:-2]
                hm = re.search(rb'name="([^"]*)"(?:; filename="([^"]*)")?', head)
                if hm:
                    fields[hm.group(1).decode()] = data
                    if hm.group(2) is not None:
                        fname = hm.group(2).decode()
            for k in ("recordType", "recordId", "title", "file"):
                if k not in fields:
                    return self.send(400, {"code": "InvalidObject", "message": "missing " + k})
            info = {"id": 5000 + len(st.documents), "title": fields["title"].decode(),
                    "fileName": fname, "size": len(fields["file"]),
                    "_info": {"lastUpdated": st.tick()}}
            st.documents.append({"recordType": fields["recordType"].decode(),
                                 "recordId": int(fields["recordId"]), "info": info,
                                 "data": fields["file"].decode("latin-1")})
            return self.send(201, info)

        def admin(self, method, path):
            body = json.loads(self.read_body() or b"{}") if method == "POST" else {}
            with st.lock:
                if path == "/_sim/config":
                    if "projects" in body:
                        st.generate(int(body.pop("projects")))
                    st.cfg.update(body)
                elif path == "/_sim/touch":
                    p = st.projects[int(body["project"])]
                    for k, v in body.items():
                        if k != "project":
                            p[k] = v
                    p["_info"] = {"lastUpdated": st.tick()}
                elif path == "/_sim/touch-ticket":
                    for tl in st.tickets.values():
                        for t in tl:
                            if t["id"] == int(body["ticket"]):
                                for k, v in body.items():
                                    if k != "ticket":
                                        t[k] = v
                                t["_info"] = {"lastUpdated": st.tick()}
                elif path == "/_sim/reset-stats":
                    st.requests, st.paths = 0, {}
                elif path != "/_sim/stats":
                    return self.send(404, {"message": "no such admin path"}, ct="application/json")
                out = {"requests": st.requests, "paths": st.paths, "clock": stamp(st.clock),
                       "documents": [{"recordType": d["recordType"], "recordId": d["recordId"],
                                      "title": d["info"]["title"], "fileName": d["info"]["fileName"],
                                      "data": d["data"][:200]} for d in st.documents],
                       "tickets": st.opened}
            return self.send(200, out, ct="application/json")

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--projects", type=int, default=30)
    ap.add_argument("--private-key", default="PRIVMARKERsecret")
    ap.add_argument("--client-id", default="11111111-2222-3333-4444-555555555555")
    args = ap.parse_args()
    st = State(args)
    sc.serve_one(make_handler(st), args.port_file)


if __name__ == "__main__":
    main()
