#!/usr/bin/env python3
"""check-boundaries.py - do opsgate's modules keep to their public headers?

Checks the rules of docs/architecture.md ("Rules the modules keep") over a source tree:

  internal   a file of module A includes module B's *_internal.h (or any header under src/B/)
  table      SQL in module A names a table declared in module B's schema.c
  header     a public header includes, directly or not, a header that includes it back
  cycle      modules depend on each other in a cycle (A includes B's public header, B includes
             A's, possibly through others). The spine headers every module may use (error,
             util, context, store, sys/*) are not modules for this purpose.
  library    a module uses an outside library another module owns (libcurl: netclient; OpenSSL's
             EVP: crypto; SQLite and libpq: store; libmicrohttpd: http), unless it is listed
             below as a known user with its reason.

Usage: check-boundaries.py [ROOT]   (ROOT defaults to the repository holding this script)
Prints one line per violation, "RULE: file:line: message", and exits 1 if there is any, 0 if
none, 2 on a usage error.
"""
import os
import re
import sys

# Headers that are vocabulary for everybody, not modules with their own tables.
SPINE = {"error", "util", "context", "store"}
# Front ends and start-up: they may use every module's public header, and nothing may use them.
FRONTS = {"cli", "http", "app"}
# Where a module's public header has another name than its folder.
HEADER_OF = {"egress": "notify"}  # egress.h: the notify module's outbound address policy

# Outside libraries, how their use shows, and the modules that may use them: the owner, and
# known users with the reason (docs/architecture.md names them).
LIBRARIES = [
    ("libcurl", re.compile(r"^\s*#\s*include\s*<curl/", re.M), {"netclient": "owner"}),
    ("OpenSSL EVP", re.compile(r"^\s*#\s*include\s*<openssl/evp\.h>|\bEVP_[A-Za-z0-9_]+", re.M),
     {"crypto": "owner",
      "certs": "X.509 and TLS: the keys of certificates"}),
    ("SQLite", re.compile(r"^\s*#\s*include\s*<sqlite3\.h>", re.M), {"store": "owner"}),
    ("libpq", re.compile(r"^\s*#\s*include\s*<libpq-fe\.h>", re.M), {"store": "owner"}),
    ("libmicrohttpd", re.compile(r"^\s*#\s*include\s*<microhttpd\.h>", re.M), {"http": "owner"}),
    ("liblinear", re.compile(r"^\s*#\s*include\s*<linear\.h>", re.M), {"infer": "owner"}),
    ("libarchive", re.compile(r"^\s*#\s*include\s*<archive(_entry)?\.h>", re.M),
     {"backup": "owner"}),
]

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
CREATE_RE = re.compile(
    r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.I)
STRING_RE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
SQL_WORD_RE = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO|CREATE|DROP|ALTER)\b")


TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|/\*.*?(?:\*/|\Z)|//[^\n]*', re.S)
BLANK_RE = re.compile(r"[^\n]")


def strip_comments(text):
    """Blank out C comments, keeping line numbers (strings and characters are left alone)."""
    def blank(m):
        t = m.group(0)
        return BLANK_RE.sub(" ", t) if t.startswith("/") else t
    return TOKEN_RE.sub(blank, text)


def sql_strings(text):
    """(line, sql) for each run of adjacent string literals that reads as SQL."""
    runs, cur, cur_line, last_end = [], [], 0, -1
    for m in STRING_RE.finditer(text):
        gap = text[last_end:m.start()] if last_end >= 0 else None
        if cur and gap is not None and gap.strip() == "":
            cur.append(m.group(1))
        else:
            if cur:
                runs.append((cur_line, "".join(cur)))
            cur, cur_line = [m.group(1)], text.count("\n", 0, m.start()) + 1
        last_end = m.end()
    if cur:
        runs.append((cur_line, "".join(cur)))
    return [(ln, s) for ln, s in runs if SQL_WORD_RE.search(s)]


class Tree:
    def __init__(self, root):
        self.root = root
        self.src = os.path.join(root, "src")
        self.inc = os.path.join(root, "include", "opsgate")
        self.modules = sorted(d for d in os.listdir(self.src)
                              if os.path.isdir(os.path.join(self.src, d)))
        self.files = {}  # module -> [paths]
        for m in self.modules:
            paths = []
            for dirpath, _, names in os.walk(os.path.join(self.src, m)):
                paths += [os.path.join(dirpath, f) for f in names if f.endswith((".c", ".h"))]
            self.files[m] = sorted(paths)
        self.text = {}

    def read(self, path):
        if path not in self.text:
            with open(path, encoding="utf-8", errors="replace") as f:
                self.text[path] = strip_comments(f.read())
        return self.text[path]

    def rel(self, path):
        return os.path.relpath(path, self.root)

    def header_module(self, name):
        """'opsgate/certs.h' -> 'certs'; None for spine, sys/ and unknown headers."""
        if not name.startswith("opsgate/") or "/sys/" in name or name.count("/") != 1:
            return None
        base = name[len("opsgate/"):-2]
        base = HEADER_OF.get(base, base)
        return None if base in SPINE else base


def check_internal(t, report):
    for m in t.modules:
        for path in t.files[m]:
            for mm in INCLUDE_RE.finditer(t.read(path)):
                inc = mm.group(1)
                owner = inc.split("/")[0] if "/" in inc else None
                if owner in t.modules and owner != m and not inc.startswith("opsgate/"):
                    line = t.read(path).count("\n", 0, mm.start()) + 1
                    report("internal", f"{t.rel(path)}:{line}",
                           f"module {m} includes {inc}, an internal header of module {owner}")


def declared_tables(t):
    tables = {}
    for m in t.modules:
        for path in t.files[m]:
            if not os.path.basename(path).startswith("schema") and "schema" not in path:
                continue
            for ln, sql in sql_strings(t.read(path)):
                for name in CREATE_RE.findall(sql):
                    tables.setdefault(name.lower(), (m, f"{t.rel(path)}:{ln}"))
    return tables


def check_tables(t, report, edges):
    tables = declared_tables(t)
    if not tables:
        return
    # A table is named where SQL reads or writes it; a foreign key (REFERENCES tenants) declares a
    # relation to the spine and is allowed. Column names that equal a table name do not count.
    word = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+("
                      + "|".join(sorted(map(re.escape, tables), key=len, reverse=True))
                      + r")\b", re.I)
    for m in t.modules:
        if m == "store":   # the store runs every module's schema steps
            continue
        for path in t.files[m]:
            for ln, sql in sql_strings(t.read(path)):
                for name in sorted(set(n.lower() for n in word.findall(sql))):
                    owner, where = tables[name]
                    if owner != m:
                        edges.setdefault((m, owner), f"{t.rel(path)}:{ln} (SQL)")
                        report("table", f"{t.rel(path)}:{ln}",
                               f"module {m} runs SQL on table {name} of module {owner} "
                               f"(declared at {where})")


def header_graph(t):
    g = {}
    for f in sorted(os.listdir(t.inc)):
        if f.endswith(".h"):
            path = os.path.join(t.inc, f)
            g[f"opsgate/{f}"] = [i for i in INCLUDE_RE.findall(t.read(path))
                                 if i.startswith("opsgate/")]
    return g


def find_cycles(graph):
    """Each elementary cycle once, as a list of nodes (Tarjan's SCCs, then one cycle per SCC)."""
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                sccs.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    cycles = []
    for comp in sccs:
        members = set(comp)
        start = comp[0]
        # a shortest path back to start inside the component names the cycle
        prev, frontier, seen = {}, [start], {start}
        found = None
        while frontier and not found:
            nxt = []
            for v in frontier:
                for w in sorted(graph.get(v, ())):
                    if w == start:
                        found = v
                        break
                    if w in members and w not in seen:
                        seen.add(w)
                        prev[w] = v
                        nxt.append(w)
                if found:
                    break
            frontier = nxt
        path = [found]
        while path[-1] != start:
            path.append(prev[path[-1]])
        cycles.append(list(reversed(path)) + [start])
    return cycles


def check_headers(t, report):
    for cyc in find_cycles(header_graph(t)):
        report("header", f"include/{cyc[0]}", "headers include each other: " + " -> ".join(cyc))


def check_module_cycles(t, report, edges):
    graph, where = {}, dict(edges)
    for m in t.modules:
        if m in FRONTS:
            continue
        deps = set()
        for path in t.files[m]:
            text = t.read(path)
            for mm in INCLUDE_RE.finditer(text):
                dep = t.header_module(mm.group(1))
                if dep and dep != m:
                    deps.add(dep)
                    where.setdefault((m, dep), f"{t.rel(path)}:{text.count(chr(10), 0, mm.start()) + 1}")
                if dep in FRONTS:
                    report("cycle", f"{t.rel(path)}", f"module {m} includes front end {dep}")
        deps |= {b for (a, b) in edges if a == m}
        graph[m] = sorted(deps)
    for cyc in find_cycles(graph):
        steps = [f"{a} -> {b} ({where.get((a, b), '?')})" for a, b in zip(cyc, cyc[1:])]
        report("cycle", where.get((cyc[0], cyc[1]), cyc[0]),
               "modules depend on each other: " + "; ".join(steps))


def check_libraries(t, report):
    for m in t.modules:
        for path in t.files[m]:
            text = t.read(path)
            for name, pattern, users in LIBRARIES:
                if m in users:
                    continue
                hit = pattern.search(text)
                if hit:
                    owner = next(u for u, why in users.items() if why == "owner")
                    line = text.count("\n", 0, hit.start()) + 1
                    report("library", f"{t.rel(path)}:{line}",
                           f"module {m} uses {name} ({hit.group(0).strip()}), which module "
                           f"{owner} owns")


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip(), file=sys.stderr if len(argv) > 2 else sys.stdout)
        return 2 if len(argv) > 2 else 0
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(root, "src")) or not os.path.isdir(os.path.join(root, "include", "opsgate")):
        print(f"check-boundaries: {root} has no src/ and include/opsgate/", file=sys.stderr)
        return 2
    t = Tree(root)
    found = []

    def report(rule, where, msg):
        found.append(f"{rule}: {where}: {msg}")

    check_internal(t, report)
    edges = {}   # (module, module) -> where: SQL on another module's table is a dependency too
    check_tables(t, report, edges)
    check_headers(t, report)
    check_module_cycles(t, report, edges)
    check_libraries(t, report)
    for line in found:
        print(line)
    print(f"check-boundaries: {len(t.modules)} modules, {len(found)} violation(s)",
          file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
