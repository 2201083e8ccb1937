#!/usr/bin/env python3
"""cli_authz_matrix.py - run every subcommand of the CLI authorization matrix as every role.

Usage: cli_authz_matrix.py DRIVER MATRIX WORKDIR [--record OUT]

DRIVER is og_cli_driver (tests/authz/cli_driver.c, built next to opsgate): it runs opsgate's
command lines in one process, through the binary's own entry point (og_cli_main).

Builds a fixture data folder in WORKDIR (tenants acme, every role's own, and globex; a user of
each role in acme, a platform admin, a disabled engineer; projects, artifacts, gate items of each
level, tokens, channels, certificates, schedules, a deploy target, templates), then for every line
of MATRIX runs the subcommand (ARGS) in a fresh copy of that folder per column: as the local
operator (no --as), with --as a user of each role, with --as a disabled user; and as every tenant
role on another tenant's object and on a missing one, which must answer byte-for-byte alike
(exit code, stdout and stderr, with the ids and names blanked), both naming the other tenant
(--tenant globex against --tenant nosuch) and naming its objects from the actor's own tenant
(globex's gate item against no such item). Each outcome is classified (cli_matrix.CLASSES) and
compared with MATRIX. Exit 0 when everything matches, 1 otherwise (each difference printed).
--record writes the observed matrix to OUT (tests/integration/test_authz_cli.sh compares it with a
loosened copy of MATRIX: the test of the test).
"""
import atexit
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_matrix as mx  # noqa: E402

MISSING_UUID = "00000000-0000-4000-8000-000000000000"
MISSING_FP = "0" * 64
TENANT_ROLES = mx.ROLES[1:]
AS_USER = {"platform-admin": "padm", "tenant-admin": "ta", "project-manager": "pm",
           "engineer": "en", "auditor": "au", "client-viewer": "cv", "disabled": "dis"}
# A command that names no tenant takes --as from the platform admins: there the disabled user is
# a disabled platform admin.
AS_PLATFORM_DISABLED = "pdis"
EQ_ROLES = TENANT_ROLES  # every tenant role: another tenant's object answers like a missing one
# The Autotask simulator (tests/connectors/sim_autotask.py) the connectors of the fixture call:
# its credentials, and its base URL once started ({SIM} in ARGS).
AT_CREDS = {"username": "api@example.test", "secret": "AT-SECRET-MARKER-7731",
            "integration_code": "AT-INTEG-MARKER-5519"}
SIM = {"url": None, "proc": None}

# The command line of each matrix line: {X} are the fixture's objects (own, another tenant's or
# missing ones, FIXTURE below), {F} the fixture files, {R} a word unique to the column.
ARGS = {
    "init": "init",
    "serve": "serve --check",
    "migrate": "migrate --from ./nosuch --to postgresql://127.0.0.1:1/none --keys ./keys",
    "backup": "backup --to {F}/backup-{R}.tar.zst",
    "restore": "restore --from {F}/nosuch.tar.zst --master-key {F}/nosuch.key",
    "tenant create": "tenant create t{R}",
    "tenant list": "tenant list",
    "tenant show": "tenant show {T}",
    "tenant suspend": "tenant suspend {T}",
    "tenant resume": "tenant resume {T}",
    "tenant delete": "tenant delete {T} --yes",
    "tenant blockers": "tenant blockers {T}",
    "tenant enable": "tenant enable certs --tenant {T}",
    "tenant export": "tenant export --tenant {T} --to {F}/export-{R}-{T}.tar.zst",
    "tenant disable": "tenant disable certs --tenant {T}",
    "tenant areas": "tenant areas --tenant {T}",
    "tenant key:show": "tenant key show --tenant {T}",
    "tenant key:set": "tenant key set --tenant {T} --provider file --key-file {F}/cmk.key",
    "tenant key:rotate": "tenant key rotate --tenant {T} --provider file --key-file {F}/cmk.key",
    "tenant key:revoke": "tenant key revoke --tenant {T}",
    "tenant key:restore": "tenant key restore --tenant {T}",
    "user add": "user add n{R} --tenant {T} --role engineer",
    "user list": "user list --tenant {T}",
    "user show": "user show {U} --tenant {T}",
    "user disable": "user disable {U} --tenant {T}",
    "user enable": "user enable {U} --tenant {T}",
    "user remove": "user remove {U} --tenant {T}",
    "user set-role": "user set-role {U} --tenant {T} --role auditor",
    "token create": "token create --tenant {T} --user {U} --ttl 1h",
    "token list": "token list --tenant {T}",
    "token revoke": "token revoke {TOK} --tenant {T}",
    "audit verify": "audit verify --tenant {T}",
    "audit checkpoint": "audit checkpoint --tenant {T} --audit-key {F}/audit.key",
    "audit pubkey": "audit pubkey",
    "audit prove": "audit prove --tenant {T} --seq 1",
    "audit verify-proof": "audit verify-proof {F}/proof.json --pubkey {F}/audit.pub",
    "audit export": "audit export --tenant {T} --format jsonl",
    "audit list": "audit list --tenant {T}",
    "audit consistency": "audit consistency --tenant {T} --from 0",
    "audit witness": "audit witness list",
    "gate list": "gate list --tenant {T}",
    "gate show": "gate show {G2A} --tenant {T}",
    "gate approve": "gate approve {G2A} --tenant {T} --note m",
    "gate reject": "gate reject {G2B} --tenant {T} --note m",
    "gate ack": "gate ack {G1A} --tenant {T}",
    "gate override": "gate override {G1B} --tenant {T}",
    "gate escalate": "gate escalate {G1C} --tenant {T}",
    "gate done": "gate done {G3A} --tenant {T}",
    "gate failed": "gate failed {G3B} --tenant {T}",
    "gate request": "gate request platform.note --tenant {T} --params '{{\"text\":\"m\"}}'",
    "gate kinds": "gate kinds",
    "gate policy:show": "gate policy show --tenant {T}",
    "gate policy:set": "gate policy set platform.note L3 --tenant {T}",
    "gate policy:assign": "gate policy assign platform {U} --tenant {T}",
    "gate expire": "gate expire",
    "model train": "model train --kind platform.note",
    "model list": "model list",
    "model policy:show": "model policy --tenant {T}",
    "model policy:set": "model policy --tenant {T} --kind platform.note --threshold 0.9",
    "model report": "model report --tenant {T}",
    "events list": "events list --tenant {T}",
    "events retry": "events retry {EV} --tenant {T}",
    "events run": "events run",
    "events work": "events work",
    "notify add": "notify add webhook --url-file {F}/url --secret-file {F}/secret --tenant {T}",
    "notify add:platform": "notify add webhook --url-file {F}/url --secret-file {F}/secret --platform"
                           " --tenant {T}",
    "notify list": "notify list --tenant {T}",
    "notify show": "notify show {CH} --tenant {T}",
    "notify set-events": "notify set-events {CH} certs.* --tenant {T}",
    "notify test": "notify test {CH} --tenant {T}",
    "notify remove": "notify remove {CH} --tenant {T}",
    "notify events": "notify events",
    "notify egress:allow": "notify egress allow 10.99.0.0/16 --note m --tenant {T}",
    "notify egress:list": "notify egress list --tenant {T}",
    "notify egress:remove": "notify egress remove 10.98.0.0/16 --tenant {T}",
    "cert scan": "cert scan 127.0.0.1:1 --tenant {T} --timeout 200",
    "cert scan-files": "cert scan-files {F}/c2.pem --tenant {T}",
    "cert import": "cert import {F}/c3.pem --tenant {T}",
    "cert list": "cert list --tenant {T}",
    "cert show": "cert show {CERT} --tenant {T}",
    "cert policy:show": "cert policy --tenant {T}",
    "cert policy:set": "cert policy --tenant {T} --thresholds 30,14,7,1",
    "cert discovery:show": "cert discovery show --tenant {T}",
    "cert discovery:set": "cert discovery set --tenant {T} --class server --ports 443",
    "cert targets": "cert targets --tenant {T}",
    "cert schedule:add": "cert schedule 127.0.0.1:1 --tenant {T} --every 6h",
    "cert schedule:list": "cert schedule --list --tenant {T}",
    "cert schedule:delete": "cert schedule --delete {SCH} --tenant {T}",
    "cert schedule:run-due": "cert schedule --run-due --tenant {T} --timeout 200",
    "cert check-expiry": "cert check-expiry --tenant {T}",
    "cert validity-report": "cert validity-report --tenant {T}",
    "cert request": "cert request --tenant {T} --name n{R} --san n{R}.example",
    "cert request:list": "cert request list --tenant {T}",
    "cert request:show": "cert request show {REQ} --tenant {T}",
    "cert request:cancel": "cert request cancel {REQ} --tenant {T}",
    "cert alerts:list": "cert alerts list --tenant {T}",
    "cert alerts:ack": "cert alerts ack %s --tenant {T}" % MISSING_UUID,
    "cert alerts:snooze": "cert alerts snooze %s --tenant {T} --for 1d" % MISSING_UUID,
    "cert calendar:export": "cert calendar export --tenant {T}",
    "cert calendar:token-create": "cert calendar token-create --tenant {T} --label r{R}",
    "cert calendar:token-list": "cert calendar token-list --tenant {T}",
    "cert calendar:token-revoke": "cert calendar token-revoke %s --tenant {T}" % MISSING_UUID,
    "cert watch add": "cert watch add w{R}.example --tenant {T}",
    "cert watch list": "cert watch list --tenant {T}",
    "cert watch remove": "cert watch remove {WATCH} --tenant {T}",
    "cert watch poll": "cert watch poll --tenant {T}",
    "cert watch findings": "cert watch findings --tenant {T}",
    "cert watch expect": "cert watch expect {FIND} --tenant {T}",
    "cert watch incident": "cert watch incident {FIND} --tenant {T}",
    "cert watch expected": "cert watch expected --tenant {T}",
    "cert watch source:show": "cert watch source show --tenant {T}",
    "cert watch source:set": "cert watch source set --tenant {T} --base-url https://ct.invalid",
    "cert issue": "cert issue --tenant {T} --name m.example.com --challenge http-01"
                  " --http-listen 127.0.0.1:1 --timeout 1s",
    "cert renew": "cert renew {CERT} --tenant {T}",
    "cert revoke": "cert revoke {CERT} --tenant {T}",
    "cert plans": "cert plans --tenant {T}",
    "cert deploy": "cert deploy {CERT} --tenant {T} --target {TGT}",
    "target add": "target add n{R} --tenant {T} --type file --cert-path {F}/out/n{R}.pem"
                  " --key-path {F}/out/n{R}.key",
    "target list": "target list --tenant {T}",
    "target remove": "target remove {TGT} --tenant {T}",
    "target deploy": "target deploy {TGT} --tenant {T} --cert {CERT}",
    "acme account create": "acme account create --tenant {T} --directory https://127.0.0.1:1/dir",
    "acme account list": "acme account list --tenant {T}",
    "acme account show": "acme account show {ACC} --tenant {T}",
    "acme account rollover": "acme account rollover {ACC} --tenant {T}",
    "project create": "project create n{R} New --tenant {T}",
    "project list": "project list --tenant {T}",
    "project show": "project show {P} --tenant {T}",
    "project rename": "project rename {P} Renamed --tenant {T}",
    "project archive": "project archive {P2} --tenant {T}",
    "project unarchive": "project unarchive {P2} --tenant {T}",
    "artifact put": "artifact put {F}/doc.md --tenant {T} --project {P} --name n{R}.md",
    "artifact get": "artifact get --tenant {T} --project {P} --name {N}",
    "artifact list": "artifact list --tenant {T} --project {P}",
    "artifact show": "artifact show --tenant {T} --project {P} --name {N}",
    "artifact log": "artifact log --tenant {T} --project {P} --name {N}",
    "artifact diff": "artifact diff --tenant {T} --project {P} --name {N} --from 1 --to 1",
    "artifact restore": "artifact restore --tenant {T} --project {P} --name {N} --version 1",
    "artifact lock": "artifact lock --tenant {T} --project {P} --name {N} --ttl 1h",
    "artifact unlock": "artifact unlock --tenant {T} --project {P} --name {N}",
    "artifact set-state": "artifact set-state in-review --tenant {T} --project {P} --name {N}",
    "artifact metadata": "artifact metadata '{{\"owner\":\"m\"}}' --tenant {T} --project {P}"
                         " --name {N}",
    "artifact classify": "artifact classify --tenant {T} --project {P} --name {N} --kind runbook",
    "artifact delete": "artifact delete --tenant {T} --project {P} --name {N2}",
    "artifact undelete": "artifact undelete --tenant {T} --project {P} --name {N2}",
    "artifact purge": "artifact purge --tenant {T} --project {P} --name {N2}",
    "artifact search": "artifact search doc --tenant {T}",
    "artifact retention:set": "artifact retention set --tenant {T} --kind closure --keep 7y",
    "artifact retention:list": "artifact retention list --tenant {T}",
    "access grant": "access grant --tenant {T} --project {P} --user {U} --right read",
    "access revoke": "access revoke --tenant {T} --project {P} --user {UG}",
    "access report": "access report --tenant {T}",
    "hold set": "hold set --tenant {T} --project {P3} --reason m",
    "hold clear": "hold clear --tenant {T} --project {P3} --reason m",
    "hold list": "hold list --tenant {T}",
    "template list": "template list --tenant {T}",
    "template put": "template put custom {F}/tpl.mustache --tenant {T} --force",
    "template get": "template get {TPL} --tenant {T}",
    "template log": "template log {TPL} --tenant {T}",
    "template check": "template check {F}/tpl.mustache",
    "generate": "generate runbook --tenant {T} --project {P} --input {F}/project.json",
    "brand show": "brand show --tenant {T}",
    "brand set": "brand set --tenant {T} --name Tenant",
    "brand set:installation": "brand set --name Provider",
    "brand clear": "brand clear --tenant {T}",
    "completion": "completion bash",
    # connectors: {SIM} the Autotask simulator's base URL (on loopback, allowed by the fixture)
    "connector kinds": "connector kinds",
    "connector add": "connector add n{R} --tenant {T} --kind autotask --base-url {SIM}"
                     " --credentials-file {F}/at.json",
    "connector add:platform": "connector add p{R} --kind autotask --base-url {SIM}"
                              " --credentials-file {F}/at.json",
    "connector update": "connector update {CONN} --tenant {T} --option page_size=50",
    "connector list": "connector list --tenant {T}",
    "connector show": "connector show {CONN} --tenant {T}",
    "connector test": "connector test {CONN} --tenant {T}",
    "connector sync": "connector sync {CONN} --tenant {T}",
    "connector sync-log": "connector sync-log {CONNID} --tenant {T}",
    "connector map": "connector map {CONN} --company 2 --tenant {T}",
    "connector map:platform": "connector map {PCONN} --company 3 --tenant {T}",
    "connector unmap": "connector unmap {CONN} --company 1 --tenant {T}",
    "connector companies": "connector companies {CONNID} --tenant {T}",
    "connector remove": "connector remove {CONN} --tenant {T}",
}

# Run after all others, in this order: what destroys or freezes the fixture's objects.
LATE = ["gate policy:set", "artifact unlock", "artifact delete", "artifact undelete",
        "artifact purge", "project archive", "project unarchive", "hold clear", "access revoke",
        "notify remove", "connector unmap", "connector remove", "cert schedule:delete", "target remove", "token revoke", "user disable",
        "user enable", "user set-role", "user remove", "tenant suspend", "tenant resume",
        "tenant delete"]
# Each late line after the one it undoes: hold clear after hold set, which is early.


class Driver:
    """One og_cli_driver process (tests/authz/cli_driver.c): command lines in, outcomes out."""

    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, encoding="utf-8")

    def run(self, data, argv, as_user=None):
        cmd = ["--data", data] + (["--as", as_user] if as_user else []) + argv
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            sys.exit("og_cli_driver ended on: opsgate %s" % " ".join(cmd))
        r = json.loads(line)
        return r["rc"], r["out"].encode(), r["err"].encode()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class Fixture:
    """The fixture data folder, built by the local operator; own/other/missing: {X} values."""

    def __init__(self, driver, work):
        self.driver, self.work = driver, work
        self.data = os.path.join(work, "fixture")
        self.files = os.path.join(work, "files")
        os.makedirs(os.path.join(self.files, "out"), exist_ok=True)
        self.own, self.other = {}, {}
        self.missing = {"T": "nosuch", "P": "nosuch", "P2": "nosuch", "P3": "nosuch",
                        "N": "nosuch.md", "N2": "nosuch.md", "U": "nosuch", "UG": "nosuch",
                        "TGT": "nosuch", "TPL": "nosuch", "CERT": MISSING_FP,
                        "CONN": "nosuch", "PCONN": "nosuch"}
        for k in ("CONNID", "TOK", "G2A", "G2B", "G1A", "G1B", "G1C", "G3A", "G3B", "EV", "CH", "SCH", "ACC",
                  "REQ", "WATCH", "FIND"):
            self.missing[k] = MISSING_UUID

    def og(self, *argv, as_user=None, want=0):
        rc, out, err = self.driver.run(self.data, list(argv), as_user)
        if rc != want:
            sys.exit("fixture: opsgate %s: exit %d, want %d: %s"
                     % (" ".join(argv), rc, want, err.decode(errors="replace")))
        return out.decode()

    def ogj(self, *argv, **kw):
        return json.loads(self.og("--json", *argv, **kw))

    def file(self, name, data):
        with open(os.path.join(self.files, name), "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)

    def pem(self, name, cn):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + cn, "-days", "30",
                        "-keyout", os.path.join(self.files, name + ".key"),
                        "-out", os.path.join(self.files, name + ".pem")],
                       check=True, capture_output=True)

    def build(self):
        F = self.files
        self.og("init", "--audit-key", F + "/audit.key")
        self.file("doc.md", "# doc\n")
        self.file("cmk.key", os.urandom(32))
        os.chmod(os.path.join(F, "cmk.key"), 0o600)
        self.file("secret", "s3cret-matrix-0123456789\n")
        self.file("url", "https://hooks.invalid/matrix\n")
        self.file("tpl.mustache", "# {{project.name}}\n")
        src = os.environ.get("OG_SOURCE_DIR",
                             os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
        shutil.copy(os.path.join(src, "tests", "data", "projects", "northwind-m365.json"),
                    F + "/project.json")
        for n, cn in (("c1", "acme.example.com"), ("c2", "files.example.com"),
                      ("c3", "import.example.com"), ("g1", "globex.example.com")):
            self.pem(n, cn)
        with open(F + "/audit.pub", "w") as f:
            f.write(self.og("audit", "pubkey"))
        for name in ("padm", "pdis"):
            self.og("user", "add", name, "--role", "platform-admin")
        self.og("user", "disable", "pdis")
        for t in ("acme", "globex"):
            self.og("tenant", "create", t)
        for name, role in (("ta", "tenant-admin"), ("pm", "project-manager"), ("en", "engineer"),
                           ("au", "auditor"), ("cv", "client-viewer"), ("dis", "engineer"),
                           ("v", "engineer")):
            self.og("user", "add", name, "--tenant", "acme", "--role", role)
        self.og("user", "disable", "dis", "--tenant", "acme")
        self.og("notify", "egress", "allow", "10.98.0.0/16")
        # a connector's credentials: every field of the kind, from its catalogue
        kinds = self.ogj("connector", "kinds")["kinds"]
        fields = next(k["fields"] for k in kinds if k["kind"] == "halopsa")
        self.file("creds.json", json.dumps({f["name"]: "matrix-" + f["name"] for f in fields}))
        for name, role in (("gta", "tenant-admin"), ("gv", "engineer")):
            self.og("user", "add", name, "--tenant", "globex", "--role", role)
        self.objects("acme", "a", "v", "cv", self.own)
        self.objects("globex", "g", "gv", "gv", self.other)
        self.connectors()
        # the client-viewer's read grant on the project (access revoke removes it)
        self.og("audit", "checkpoint", "--audit-key", F + "/audit.key")
        with open(F + "/proof.json", "w") as f:
            f.write(self.og("audit", "prove", "--tenant", "acme", "--seq", "1"))

    def connectors(self):
        """A connector in each tenant (aconn, gconn: company 1 mapped to it) and a platform one
        (pconn), all of the Autotask simulator on loopback, which a platform-admin allows."""
        F = self.files
        self.og("notify", "egress", "allow", "127.0.0.1/32")
        self.file("at.json", json.dumps(AT_CREDS))
        for t, o, name in (("acme", self.own, "aconn"), ("globex", self.other, "gconn")):
            c = self.ogj("connector", "add", name, "--tenant", t, "--kind", "autotask",
                         "--base-url", SIM["url"], "--credentials-file", F + "/at.json")
            o["CONN"], o["CONNID"] = name, c["id"]
            self.og("connector", "map", name, "--company", "1", "--tenant", t)
        self.og("connector", "add", "pconn", "--kind", "autotask", "--base-url", SIM["url"],
                "--credentials-file", F + "/at.json")
        self.own["PCONN"] = self.other["PCONN"] = "pconn"

    def objects(self, t, p, victim, grantee, o):
        """One set of objects in tenant T (projects and names prefixed by P) into O."""
        F = self.files
        o.update({"T": t, "P": p + "p", "P2": p + "p2", "P3": p + "p3", "N": "doc.md",
                  "N2": "del.md", "U": victim, "UG": grantee, "TPL": "tpl" + p})
        for key in (o["P"], o["P2"], o["P3"]):
            self.og("project", "create", key, "Project " + key, "--tenant", t)
        # doc.md has two versions (restore takes the first back), del.md one
        for name, src in (("doc.md", "tpl.mustache"), ("doc.md", "doc.md"), ("del.md", "doc.md")):
            self.og("artifact", "put", F + "/" + src, "--tenant", t, "--project", o["P"],
                    "--name", name)
        self.og("access", "grant", "--tenant", t, "--project", o["P"], "--user", grantee,
                "--right", "read")
        o["TOK"] = self.ogj("token", "create", "--tenant", t, "--user", victim, "--ttl", "1h")["id"]
        # gate items: the engineer (en; gv in globex) is the area's assignee of L1 reviews and
        # L3 tasks; the local operator asks, so that every role may be the second pair of eyes
        self.og("gate", "policy", "assign", "platform", "en" if t == "acme" else "gv", "--tenant", t)
        for level, names in (("L1", ("G1A", "G1B", "G1C")), ("L3", ("G3A", "G3B")),
                             ("L2", ("G2A", "G2B"))):
            self.og("gate", "policy", "set", "platform.note", level, "--tenant", t)
            for n in names:
                o[n] = self.ogj("gate", "request", "platform.note", "--tenant", t,
                                "--params", '{"text":"matrix"}')["gate_id"]
        self.og("template", "put", o["TPL"], F + "/tpl.mustache", "--tenant", t, "--force")
        o["CH"] = self.ogj("notify", "add", "webhook", "--url-file", F + "/url", "--secret-file",
                           F + "/secret", "--tenant", t)["id"]
        # with its key, so that deploy has something to write
        with open(F + "/bundle-%s.pem" % p, "w") as f:
            for part in ("pem", "key"):
                with open(F + "/%s.%s" % ("c1" if t == "acme" else "g1", part)) as k:
                    f.write(k.read())
        self.og("cert", "import", F + "/bundle-%s.pem" % p, "--tenant", t)
        o["CERT"] = self.ogj("cert", "list", "--tenant", t)["certs"][0]["fingerprint"]
        o["SCH"] = self.ogj("cert", "schedule", "127.0.0.1:1", "--tenant", t,
                            "--every", "6h")["id"]
        o["WATCH"] = self.ogj("cert", "watch", "add", "ct-%s.example" % p, "--tenant", t)["id"]
        o["FIND"] = MISSING_UUID  # no CT source in the fixture: no finding exists
        o["REQ"] = self.ogj("cert", "request", "--tenant", t, "--name", "fx",
                            "--san", "fx.example")["id"]
        o["TGT"] = "web"
        self.og("target", "add", "web", "--tenant", t, "--type", "file", "--cert-path",
                "%s/out/%s.pem" % (F, t), "--key-path", "%s/out/%s.key" % (F, t))
        ev = self.ogj("events", "list", "--tenant", t)["events"]
        o["EV"] = ev[0]["id"] if ev else MISSING_UUID
        o["ACC"] = MISSING_UUID  # no ACME account without a CA: show and rollover find none


def argv_for(key, values, files, tag):
    text = ARGS[key]
    for k in sorted(values, key=len, reverse=True):
        text = text.replace("{" + k + "}", values[k])
    text = text.replace("{F}", files).replace("{R}", tag).replace("{SIM}", SIM["url"] or "")
    text = text.replace("{{", "{").replace("}}", "}")
    return shlex.split(text)


def blank(raw, values):
    s = raw.decode("utf-8", "replace")
    vals = set()
    for v in values:
        vals.add(v)
        if re.fullmatch(r"[0-9a-f-]{36}|[0-9a-f]{64}", v):
            vals.add(v[:8])
    for v in sorted(vals, key=len, reverse=True):
        if v:
            s = s.replace(v, "<X>")
    return s


def same_answer(a, b, values):
    return a[0] == b[0] and blank(a[1], values) == blank(b[1], values) and \
        blank(a[2], values) == blank(b[2], values)


def selftest():
    """The test of the test for the cross-tenant comparison: planted answers that leak."""
    vals = ["gp", "nosuch"]
    same = ((1, b"", b"opsgate: project 'gp' not found\n"),
            (1, b"", b"opsgate: project 'nosuch' not found\n"))
    leaks = [((1, b"", b"opsgate: the engineer role does not allow reading gp\n"),
              (1, b"", b"opsgate: project 'nosuch' not found\n")),
             ((1, b"", b"opsgate: project 'gp' not found (in tenant globex)\n"),
              (1, b"", b"opsgate: project 'nosuch' not found\n")),
             ((0, b"gp\n", b""), (1, b"", b"opsgate: project 'nosuch' not found\n"))]
    if not same_answer(*same, vals):
        return "equal answers reported as different"
    for a, b in leaks:
        if same_answer(a, b, vals):
            return "a leaking answer was not caught: %r" % ((a, b),)
    if classify_selftest():
        return classify_selftest()
    return None


def classify_selftest():
    cases = [(0, "", "ok"), (2, "opsgate: unknown option", "usage"),
             (1, "opsgate: the auditor role does not allow changing tenant data", "denied"),
             (1, "opsgate: project 'x' not found", "notfound"),
             (1, "opsgate: --as: user 'dis' is disabled", "denied"),
             (1, "opsgate: gate item x is already decided (approved): cannot ack it", "fail")]
    for rc, err, want in cases:
        if mx.classify(rc, err) != want:
            return "classify(%d, %r) is %s, want %s" % (rc, err, mx.classify(rc, err), want)
    return None


def column_job(fx, lines, col, driver_path):
    """Every line in a fresh copy of the fixture as COL: {key: class}, and failures."""
    data = os.path.join(fx.work, "col-" + col)
    shutil.copytree(fx.data, data)
    tag = re.sub(r"[^a-z]", "", col)[:6]
    got = {}
    drv = Driver(driver_path)
    # the deploy target writes files: one folder per column (the columns run side by side)
    out = os.path.join(fx.files, "out", tag)
    os.makedirs(out, exist_ok=True)
    for argv in (["target", "remove", fx.own["TGT"], "--tenant", fx.own["T"]],
                 ["target", "add", fx.own["TGT"], "--tenant", fx.own["T"], "--type", "file",
                  "--cert-path", out + "/web.pem", "--key-path", out + "/web.key"]):
        if drv.run(data, argv)[0] != 0:
            sys.exit("fixture for %s: opsgate %s failed" % (col, " ".join(argv)))
    for ln in lines:
        if ln.cells[col] == "-":
            got[ln.key] = "-"
            continue
        user = AS_USER.get(col)
        if col == "disabled" and "{T}" not in ARGS[ln.key]:
            user = AS_PLATFORM_DISABLED
        rc, out, err = drv.run(data, argv_for(ln.key, fx.own, fx.files, tag), user)
        got[ln.key] = mx.classify(rc, err.decode("utf-8", "replace"))
        if os.environ.get("AUTHZ_TRACE"):
            with open(os.environ["AUTHZ_TRACE"], "a", encoding="utf-8") as f:
                f.write("%s %s %d %s\n" % (col, ln.key, rc, err[:300].decode(errors="replace")))
    drv.close()
    shutil.rmtree(data, ignore_errors=True)
    return col, got, []


def cross_job(fx, lines, role, driver_path):
    """As ROLE: another tenant's objects against missing ones, by naming the other tenant and by
    naming its objects from the own tenant; the first pair's classes for the table."""
    user = AS_USER[role]
    got_o, got_m, fails = {}, {}, []
    drv = Driver(driver_path)
    foreign = dict(fx.other, T=fx.own["T"])
    inner = dict(fx.missing, T=fx.own["T"])
    for ln in lines:
        keys = set(re.findall(r"\{([A-Z0-9]+)\}", ARGS[ln.key])) - {"F", "R", "SIM"}
        if ln.kind != "data" or not keys:
            got_o[ln.key] = got_m[ln.key] = "-"
            continue
        pairs = [("another tenant", fx.other, fx.missing)]
        if keys - {"T"}:
            pairs.append(("another tenant's object named in the own tenant", foreign, inner))
        for what, a, b in pairs:
            ra = drv.run(fx.data, argv_for(ln.key, a, fx.files, "x"), user)
            rb = drv.run(fx.data, argv_for(ln.key, b, fx.files, "x"), user)
            vals = [a[k] for k in keys if k in a] + [b[k] for k in keys if k in b]
            if what == "another tenant":
                got_o[ln.key] = mx.classify(ra[0], ra[2].decode("utf-8", "replace"))
                got_m[ln.key] = mx.classify(rb[0], rb[2].decode("utf-8", "replace"))
            if not same_answer(ra, rb, vals):
                fails.append("%s as %s: %s answers %d %r, a missing one %d %r"
                             % (ln.key, role, what, ra[0], ra[2][:200], rb[0], rb[2][:200]))
            elif ra[0] == 0:
                fails.append("%s as %s: %s succeeds" % (ln.key, role, what))
    drv.close()
    return role, (got_o, got_m), fails


def start_simulator(work):
    """The Autotask simulator on loopback (port 0), stopped when this script ends."""
    src = os.path.dirname(os.path.abspath(__file__))
    port_file = os.path.join(work, "sim.port")
    os.makedirs(work, exist_ok=True)
    log = open(os.path.join(work, "sim.log"), "w")
    SIM["proc"] = subprocess.Popen([sys.executable, os.path.join(src, "..", "connectors",
                                                                 "sim_autotask.py"),
                                    "--port-file", port_file], stdout=log, stderr=log)
    atexit.register(stop_simulator)
    for _ in range(300):
        if os.path.exists(port_file):
            with open(port_file) as f:
                SIM["url"] = "http://127.0.0.1:%s/ATServicesRest" % f.read().strip()
            return
        if SIM["proc"].poll() is not None:
            break
        time.sleep(0.1)
    sys.exit("the Autotask simulator did not start (%s)" % os.path.join(work, "sim.log"))


def stop_simulator():
    p = SIM["proc"]
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


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
    driver_path, matrix_path, work = args
    t0 = time.time()
    lines = mx.load(matrix_path)
    fails = ["%s: no command line in ARGS (cli_authz_matrix.py)" % ln.key
             for ln in lines if ln.key not in ARGS]
    if fails:
        print("\n".join("FAIL: " + f for f in fails), file=sys.stderr)
        return 1
    early = [ln for ln in lines if ln.key not in LATE]
    lines = early + sorted((ln for ln in lines if ln.key in LATE), key=lambda ln: LATE.index(ln.key))
    start_simulator(work)
    drv = Driver(driver_path)
    fx = Fixture(drv, work)
    fx.build()
    drv.close()
    observed = {ln.key: {} for ln in lines}
    cols = ["local"] + mx.ROLES + ["disabled"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("AUTHZ_JOBS", "2"))) as ex:
        jobs = [ex.submit(column_job, fx, lines, c, driver_path) for c in cols]
        jobs += [ex.submit(cross_job, fx, lines, r, driver_path) for r in EQ_ROLES]
        for j in concurrent.futures.as_completed(jobs):
            col, got, f = j.result()
            fails += f
            if isinstance(got, tuple):
                if col == "tenant-admin":
                    for key in got[0]:
                        observed[key]["other"], observed[key]["missing"] = got[0][key], got[1][key]
                continue
            for key, cls in got.items():
                observed[key][col] = cls
    for ln in lines:
        got = observed[ln.key]
        for col in mx.COLUMNS:
            got.setdefault(col, "-")
            if not mx.cell_matches(ln.cells[col], got[col]):
                fails.append("%s: %s answers %s, the matrix says %s"
                             % (ln.key, col, got[col], ln.cells[col]))
    if record:
        mx.write(record, sorted(lines, key=lambda ln: ln.lineno), observed)
    for f in fails:
        print("FAIL: " + f, file=sys.stderr)
    print("cli authz matrix: %d commands, %d differences, %.1fs" % (len(lines), len(fails),
                                                                     time.time() - t0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
