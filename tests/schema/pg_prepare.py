#!/usr/bin/env python3
"""pg_prepare.py - prepare on PostgreSQL the module SQL that SQLite ran (tests/schema/sql_trace.c).

Usage: pg_prepare.py TRACE PSQL URL SOURCE_DIR

Each distinct SELECT/INSERT/UPDATE/DELETE/WITH of TRACE is prepared on URL (a database holding
every module's PostgreSQL schema) after the store's parameter translation (?NNN -> $NNN, ? -> the
next number, as SQLite numbers them); psql's \\gdesc reports the result columns. A statement fails
when PostgreSQL refuses it or when a result column is a boolean or a numeric (module SQL returns
integers: SQLite's comparisons give 0/1, SUM of integers an integer). Left out: SQL the tests
themselves wrote (its text is in a tests/ source), FTS5's own statements on its shadow tables, the
store's bookkeeping (og_schema), and what docs/postgres.md "Portable SQL" lists as having no
portable form (KNOWN below). Prints one line per failure; exit 1 when any.
"""
import os
import re
import subprocess
import sys

# No portable form: behind the store (docs/postgres.md, "Left").
KNOWN = [
    re.compile(r"\bart_fts MATCH\b"),  # artifact search (FTS5 query and BM25 rank)
    # the search row replaced in one statement (an upsert on PostgreSQL, og_sql_dialects)
    re.compile(r"^\s*INSERT OR REPLACE INTO art_fts\b"),
    re.compile(r"\bsqlite_master\b"),  # audit verify's trigger check
    # search's ranking in C reads FTS5's shadow tables (src/artifacts/rank.c, SQLite only)
    re.compile(r"\bart_fts_(data|content)\b"),
    # FTS5's own: it evaluates the rank function's arguments ('bm25(10.0, 4.0, 1.0)') this way
    re.compile(r"^\s*SELECT\s+[0-9.]+(\s*,\s*[0-9.]+)*\s*$"),
]


def test_literals(src):
    """Every string literal (adjacent ones joined) of the C sources under tests/."""
    out = set()
    lit = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
    for root, _, files in os.walk(os.path.join(src, "tests")):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            text = open(os.path.join(root, f), errors="replace").read()
            runs, end = [], -1
            for m in lit.finditer(text):
                if runs and text[end:m.start()].strip() == "":
                    runs[-1] += m.group(1)
                else:
                    runs.append(m.group(1))
                end = m.end()
            out.update(r.replace('\\"', '"') for r in runs if len(r) > 12)
    return out


def translate(sql):
    """? and ?NNN to $n outside string literals, as SQLite numbers them; SQLite's planner hint
    INDEXED BY name dropped (src/store/pgsql.c does both)."""
    top = [0]

    def rep(m):
        if m.group(1):
            top[0] = max(top[0], int(m.group(1)))
            return "$" + m.group(1)
        top[0] += 1
        return "$" + str(top[0])

    parts = re.split(r"('(?:[^']|'')*')", sql)
    hint = re.compile(r"(?<![\w$])INDEXED\s+BY\s+[A-Za-z_]\w*(?![\w$])", re.I)
    return "".join(p if i % 2 else re.sub(r"\?(\d*)", rep, hint.sub("", p)) for i, p in enumerate(parts))


def main():
    trace, psql, url, src = sys.argv[1:5]
    tests = test_literals(src)
    stmts = sorted(set(line.rstrip("\n") for line in open(trace, errors="replace")))
    todo = []
    for sql in stmts:
        if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", sql, re.I):
            continue
        if "'main'." in sql or re.search(r"\bog_schema\b", sql):
            continue
        if any(k.search(sql) for k in KNOWN) or any(sql.strip() in t for t in tests):
            continue
        todo.append(sql)
    # One session: each statement described (\gdesc prepares it), then a marker saying how.
    script = "".join("%s \\gdesc\n\\if :ERROR\n\\echo @@ERR %d :LAST_ERROR_MESSAGE\n"
                     "\\else\n\\echo @@OK %d\n\\endif\n" % (translate(q), i, i)
                     for i, q in enumerate(todo))
    r = subprocess.run([psql, "-X", "-q", "-At", url], input=script, capture_output=True,
                       text=True)
    failures, cols, seen = [], [], 0
    for line in r.stdout.splitlines():
        m = re.match(r"@@(OK|ERR) (\d+) ?(.*)$", line)
        if not m:
            cols.append(line)
            continue
        seen += 1
        sql = todo[int(m.group(2))]
        bad = [c.rsplit("|", 1)[0] for c in cols if re.search(r"\|(boolean|numeric)$", c)]
        if m.group(1) == "ERR":
            failures.append("%s :: %s" % (m.group(3), sql))
        elif bad:
            failures.append("boolean or numeric result column (%s) :: %s" % (",".join(bad), sql))
        cols = []
    if seen != len(todo):
        failures.append("psql described %d of %d statements: %s" % (seen, len(todo), r.stderr))
    checked = len(todo)
    for f in failures:
        print(f)
    print("%d module statements prepared on PostgreSQL, %d refused" % (checked, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
