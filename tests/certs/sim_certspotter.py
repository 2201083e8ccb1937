#!/usr/bin/env python3
"""sim_certspotter.py - a simulator of the SSLMate Cert Spotter API's issuances endpoint, in the
shape its documentation gives (https://sslmate.com/help/reference/ct_search_api_v1):

  GET /v1/issuances?domain=D&include_subdomains=true|false&expand=dns_names&expand=issuer
      [&after=ID]
  Authorization: Bearer KEY

answers a JSON array of issuances {id, tbs_sha256, cert_sha256, pubkey_sha256, not_before,
not_after, revoked, dns_names (with expand=dns_names), issuer {friendly_name, name,
pubkey_sha256, caa_domains} (with expand=issuer)}, in ascending id order, the ids above `after`,
at most --page-size of them; 401 without the key, 400 without a domain, and 429 with Retry-After
for the first --rate-limit requests. A name matches the domain when it is the domain, or (with
include_subdomains=true) below it; a wildcard "*.x" counts as x's subdomain.

The feed is read from --feed (a JSON array of issuances with every field, dns_names and issuer
included) at every request, so a test changes it between polls. Every request is appended to
--log as one JSON line {path, query, auth, status}. The port is written to --port-file.
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ARGS = None
LOCK = threading.Lock()
STATE = {"requests": 0}


def covers(domain, name, subdomains):
    name = name.lower()
    if name.startswith("*."):
        name = name[2:]
        return name == domain or name.endswith("." + domain) if subdomains else False
    return name == domain or (subdomains and name.endswith("." + domain))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet
        pass

    def answer(self, status, body, headers=None, q=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        with LOCK, open(ARGS.log, "a") as f:
            u = urlparse(self.path)
            f.write(json.dumps({"path": u.path, "query": q if q is not None else {},
                                "auth": self.headers.get("Authorization", ""),
                                "status": status}) + "\n")

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        with LOCK:
            STATE["requests"] += 1
            n = STATE["requests"]
        if u.path != "/v1/issuances":
            return self.answer(404, {"code": "not_found", "message": "no such endpoint"}, q=q)
        if self.headers.get("Authorization") != "Bearer " + ARGS.key:
            return self.answer(401, {"code": "unauthorized",
                                     "message": "Missing or invalid API key"}, q=q)
        if n <= ARGS.rate_limit:
            return self.answer(429, {"code": "rate_limited", "message": "Rate limit exceeded"},
                               {"Retry-After": "1"}, q=q)
        domain = (q.get("domain") or [""])[0].lower()
        if not domain:
            return self.answer(400, {"code": "invalid_domain", "message": "domain is missing"},
                               q=q)
        subdomains = (q.get("include_subdomains") or ["false"])[0] == "true"
        expand = set(q.get("expand", []))
        after = int((q.get("after") or ["0"])[0])
        with open(ARGS.feed) as f:
            feed = json.load(f)
        out = []
        for iss in sorted(feed, key=lambda i: int(i["id"])):
            if int(iss["id"]) <= after:
                continue
            if not any(covers(domain, n, subdomains) for n in iss["dns_names"]):
                continue
            e = {k: v for k, v in iss.items() if k not in ("dns_names", "issuer")}
            if "dns_names" in expand:
                e["dns_names"] = iss["dns_names"]
            if "issuer" in expand:
                e["issuer"] = iss["issuer"]
            out.append(e)
            if len(out) >= ARGS.page_size:
                break
        return self.answer(200, out, q=q)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--feed", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--rate-limit", type=int, default=0)
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
