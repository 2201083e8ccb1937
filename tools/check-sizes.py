#!/usr/bin/env python3
"""check-sizes.py - the size rules of docs/conventions.md: no function over 120 lines (80 in the
CLI, src/cli/), no file over 800 lines, in src/. Generated files (src/docgen/builtin_data.c) are
exempt. A function is counted from the line that opens its signature (a line starting in column 0
with a name and '(' that is not a declaration or an initializer) to its closing '}' in column 0.

Usage: tools/check-sizes.py [SRC_DIR]   exit 1 and one line per violation when a rule is broken.
"""
import os
import re
import sys

FUNC_MAX, CLI_FUNC_MAX, FILE_MAX = 120, 80, 800
GENERATED = {"builtin_data.c"}
SIGNATURE = re.compile(r"^[A-Za-z_].*\(")


def functions(lines):
    start = None
    for i, line in enumerate(lines, 1):
        if SIGNATURE.match(line) and not line.rstrip().endswith(";") and "=" not in line:
            start = i
        elif line.startswith("}") and start is not None:
            yield start, i - start + 1
            start = None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    bad = []
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(".c") or name in GENERATED:
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            if len(lines) - 1 > FILE_MAX:
                bad.append(f"{path}: {len(lines) - 1} lines (at most {FILE_MAX})")
            limit = CLI_FUNC_MAX if os.sep + "cli" + os.sep in path + os.sep else FUNC_MAX
            for start, n in functions(lines):
                if n > limit:
                    bad.append(f"{path}:{start}: function of {n} lines (at most {limit})")
    for b in bad:
        print(b)
    if bad:
        print(f"check-sizes: {len(bad)} violation(s)", file=sys.stderr)
        return 1
    print("check-sizes: every file and function within its limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
