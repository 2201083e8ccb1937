"""matrix.py - read and write tests/authz/matrix.txt, the authorization matrix.

One line per route: METHOD PATH, then one cell per column of COLUMNS. A cell is an exact status
(`403`), alternatives (`200|409`), `ok` (allowed: any status but 401, 403, 404 and 5xx, for an
outcome that is not cheap to pin down) or `-` (not asked: the public routes have no
tenant to ask about). Lines starting with # are comments.
"""
import re

ROLES = ["platform-admin", "tenant-admin", "project-manager", "engineer", "auditor", "client-viewer"]
COLUMNS = ROLES + ["other", "missing", "none", "revoked", "expired"]
HEADS = ["PA", "TA", "PM", "EN", "AU", "CV", "OTHER", "MISS", "NONE", "REVOK", "EXPIR"]


class Route:
    def __init__(self, method, path, cells, lineno):
        self.method, self.path, self.cells, self.lineno = method, path, cells, lineno
        self.key = method + " " + path


def load(path):
    routes, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2 + len(COLUMNS):
                raise SystemExit("%s:%d: %d fields, want %d (METHOD PATH %s)"
                                 % (path, n, len(parts), 2 + len(COLUMNS), " ".join(HEADS)))
            for cell in parts[2:]:
                if not re.fullmatch(r"ok|-|[1-5][0-9][0-9](\|[1-5][0-9][0-9])*", cell):
                    raise SystemExit("%s:%d: bad cell '%s'" % (path, n, cell))
            r = Route(parts[0], parts[1], dict(zip(COLUMNS, parts[2:])), n)
            if r.key in seen:
                raise SystemExit("%s:%d: %s listed twice" % (path, n, r.key))
            seen.add(r.key)
            routes.append(r)
    return routes


def cell_matches(cell, status):
    if cell == "-":
        return status == "-"
    if status == "-":
        return False
    if cell == "ok":
        return status not in (401, 403, 404) and status < 500
    return str(status) in cell.split("|")


def fmt_row(method, path, cells):
    return ("%-7s %-58s %s" % (method, path, " ".join("%-5s" % c for c in cells))).rstrip()


def write(out, routes, observed):
    with open(out, "w", encoding="utf-8") as f:
        f.write(fmt_row("#METHOD", "PATH", HEADS) + "\n")
        for r in routes:
            got = observed.get(r.key)
            cells = [str(got[c]) for c in COLUMNS] if got else [r.cells[c] for c in COLUMNS]
            f.write(fmt_row(r.method, r.path, cells) + "\n")


def compare(expected, observed):
    """Differences between two matrix files: the cells of EXPECTED that OBSERVED does not meet."""
    want = {r.key: r for r in load(expected)}
    got = {r.key: r for r in load(observed)}
    diffs = []
    for key in sorted(set(want) | set(got)):
        if key not in want or key not in got:
            diffs.append("%s: only in %s" % (key, expected if key in want else observed))
            continue
        for col in COLUMNS:
            g = got[key].cells[col]
            g = int(g) if g.isdigit() else g
            if not cell_matches(want[key].cells[col], g):
                diffs.append("%s: %s answers %s, %s says %s"
                             % (key, col, g, expected, want[key].cells[col]))
    return diffs


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 4 or sys.argv[1] != "compare":
        sys.exit("usage: matrix.py compare EXPECTED OBSERVED")
    d = compare(sys.argv[2], sys.argv[3])
    for line in d:
        print("DIFF: " + line)
    sys.exit(1 if d else 0)
