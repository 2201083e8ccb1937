"""cli_matrix.py - read and write tests/authz/cli_matrix.txt, the CLI's authorization matrix.

One line per subcommand (or per mode of one, `gate policy:set`): its words, its KIND (`data`: acts
for someone on the data folder; `local`: acts as the local operator only and refuses --as;
`offline`: reads no data folder), then one cell per column of COLUMNS. A cell is an outcome class
(CLASSES), alternatives (`ok|fail`) or `-` (not asked). Lines starting with # are comments.
"""
import re

ROLES = ["platform-admin", "tenant-admin", "project-manager", "engineer", "auditor", "client-viewer"]
COLUMNS = ["local"] + ROLES + ["other", "missing", "disabled"]
HEADS = ["LOCAL", "PA", "TA", "PM", "EN", "AU", "CV", "OTHER", "MISS", "DISAB"]
KINDS = ("data", "local", "offline")
# ok: exit 0; usage: exit 2; exit 1 split by the message: denied (a role, right, assignment or
# state refuses the actor), notfound (the thing does not exist for the actor), fail (anything
# else: the actor may, the operation failed: a conflict, bad input, an unreachable server).
CLASSES = ("ok", "denied", "notfound", "fail", "usage")


class Line:
    def __init__(self, key, kind, cells, lineno):
        self.key, self.kind, self.cells, self.lineno = key, kind, cells, lineno


def load(path):
    lines, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            raw = raw.split("#", 1)[0].strip()
            if not raw:
                continue
            parts = raw.split()
            k = next((i for i, p in enumerate(parts) if p in KINDS), None)
            if k is None or k == 0:
                raise SystemExit("%s:%d: no KIND (%s)" % (path, n, ", ".join(KINDS)))
            key, kind, cells = " ".join(parts[:k]), parts[k], parts[k + 1:]
            if len(cells) != len(COLUMNS):
                raise SystemExit("%s:%d: %d cells, want %d (%s)"
                                 % (path, n, len(cells), len(COLUMNS), " ".join(HEADS)))
            for cell in cells:
                if cell != "-" and not all(c in CLASSES for c in cell.split("|")):
                    raise SystemExit("%s:%d: bad cell '%s' (%s, a|b or -)"
                                     % (path, n, cell, ", ".join(CLASSES)))
            line = Line(key, kind, dict(zip(COLUMNS, cells)), n)
            if kind == "local":
                for col in ROLES + ["disabled"]:
                    if line.cells[col] != "usage":
                        raise SystemExit("%s:%d: %s acts as the local operator only: --as must be "
                                         "refused (usage) in column %s" % (path, n, key, col))
            if key in seen:
                raise SystemExit("%s:%d: %s listed twice" % (path, n, key))
            seen.add(key)
            lines.append(line)
    return lines


def cell_matches(cell, got):
    if cell == "-" or got == "-":
        return cell == got
    return got in cell.split("|")


def fmt_row(key, kind, cells):
    return ("%-26s %-8s %s" % (key, kind, " ".join("%-8s" % c for c in cells))).rstrip()


def write(out, lines, observed):
    with open(out, "w", encoding="utf-8") as f:
        f.write(fmt_row("#COMMAND", "KIND", HEADS) + "\n")
        for ln in lines:
            got = observed.get(ln.key)
            cells = [got[c] for c in COLUMNS] if got else [ln.cells[c] for c in COLUMNS]
            f.write(fmt_row(ln.key, ln.kind, cells) + "\n")


def compare(expected, observed):
    """The cells of EXPECTED that OBSERVED does not meet."""
    want = {ln.key: ln for ln in load(expected)}
    got = {ln.key: ln for ln in load(observed)}
    diffs = []
    for key in sorted(set(want) | set(got)):
        if key not in want or key not in got:
            diffs.append("%s: only in %s" % (key, expected if key in want else observed))
            continue
        for col in COLUMNS:
            if not cell_matches(want[key].cells[col], got[key].cells[col]):
                diffs.append("%s: %s answers %s, %s says %s"
                             % (key, col, got[key].cells[col], expected, want[key].cells[col]))
    return diffs


DENIED = re.compile(r"needs the|needs a platform|does not allow|\(you are |separation of duties|"
                    r"is assigned to|was escalated|you have |is disabled|is removed|is suspended|"
                    r"and cannot |needs --as|runs only when|may not ")
NOTFOUND = re.compile(r"not found|no such|does not exist|unknown (project|artifact|tenant|user)|"
                      r"^opsgate: no [A-Za-z ]+ '|has no stored versions")


def classify(rc, stderr):
    if rc == 0:
        return "ok"
    if rc == 2:
        return "usage"
    if rc != 1:
        return "rc%d" % rc
    if DENIED.search(stderr):
        return "denied"
    if NOTFOUND.search(stderr):
        return "notfound"
    return "fail"


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 4 or sys.argv[1] != "compare":
        sys.exit("usage: cli_matrix.py compare EXPECTED OBSERVED")
    d = compare(sys.argv[2], sys.argv[3])
    for x in d:
        print("DIFF: " + x)
    sys.exit(1 if d else 0)
