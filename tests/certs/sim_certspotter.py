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
included) at every request, so a test changes it between polls. An entry with "precert_of" (a PEM
certificate file) is that certificate's issuance as Cert Spotter reports one logged only as a
precertificate: tbs_sha256 is the certificate's TBS hash (RFC 6962 3.2: its TBSCertificate, which
a precertificate shares once the poison is removed; the file must embed no SCT list), cert_sha256
the precertificate's own digest (here of "precert:" + the TBS: never the certificate's), the
validity the certificate's; the entry's other fields are kept. Every request is appended to
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


def der_item(data, at):
    """(start of content, end) of the DER item at `at`."""
    n = data[at + 1]
    if n < 0x80:
        return at + 2, at + 2 + n
    k = n & 0x7F
    ln = int.from_bytes(data[at + 2:at + 2 + k], "big")
    return at + 2 + k, at + 2 + k + ln


def precert_issuance(iss):
    """iss with the TBS hash, a precertificate's digest and the validity of its "precert_of"."""
    import base64
    import hashlib
    import re
    import subprocess
    pem = open(iss["precert_of"]).read()
    b64 = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END", pem, re.S).group(1)
    der = base64.b64decode("".join(b64.split()))
    sct_oid = bytes.fromhex("060a2b06010401d679020402")
    if sct_oid in der:
        raise ValueError("precert_of: the certificate embeds SCTs; the simulator cannot strip them")
    body, _ = der_item(der, 0)        # Certificate ::= SEQUENCE { tbsCertificate, ... }
    _, tbs_end = der_item(der, body)  # the TBSCertificate, header included
    tbs = der[body:tbs_end]
    out = {k: v for k, v in iss.items() if k != "precert_of"}
    out["tbs_sha256"] = hashlib.sha256(tbs).hexdigest()
    out["cert_sha256"] = hashlib.sha256(b"precert:" + tbs).hexdigest()
    dates = subprocess.run(["openssl", "x509", "-noout", "-startdate", "-enddate", "-dateopt",
                            "iso_8601"], input=pem, capture_output=True, text=True,
                           check=True).stdout
    for line in dates.splitlines():
        k, v = line.split("=", 1)
        v = v.strip().replace(" ", "T")
        out["not_before" if k == "notBefore" else "not_after"] = v
    return out


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
        feed = [precert_issuance(i) if "precert_of" in i else i for i in feed]
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
