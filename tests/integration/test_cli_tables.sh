#!/usr/bin/env bash
# test_cli_tables.sh - text tables align whatever the width of their values: every listing, fed
# names far longer than any fixed column (and CJK text, two columns a character), starts each
# column of each row where the header starts it (offsets counted in display width).
set -uo pipefail
: "${OPSGATE:?set OPSGATE to the opsgate binary}"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/opsgate-tables.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$T/data
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
og() { "$OPSGATE" --data "$D" "$@"; }
quiet() { og "$@" >/dev/null 2>"$T/err" || bad "setup: opsgate $*: $(cat "$T/err")"; }

# aligned WHAT MINROWS [RIGHT-ALIGNED HEADER...] < table: the header's columns start after two
# spaces; in every row the two display columns before each header column start are blank, and
# every cell of a left-aligned column starts exactly there (a right-aligned one ends where its
# column ends). At least MINROWS rows.
cat >"$T/aligned.py" <<'PY'
import sys, unicodedata
what, minrows, right = sys.argv[1], int(sys.argv[2]), set(sys.argv[3:])
def cells(line):
    out = []  # one display cell per entry
    for ch in line:
        if unicodedata.combining(ch):
            continue
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        out.append(ch)
        if w == 2:
            out.append("")  # the second half of a wide character
    return out
lines = [l for l in sys.stdin.read().split("\n") if l]
if not lines:
    print(f"{what}: no output"); sys.exit(1)
head = cells(lines[0])
starts, names, i = [0], [], 0
while i < len(head):
    if head[i] == " " and i + 1 < len(head) and head[i + 1] == " ":
        j = i
        while j < len(head) and head[j] == " ":
            j += 1
        starts.append(j); i = j
    else:
        i += 1
text = "".join(lines[0])
for k, s in enumerate(starts):
    e = starts[k + 1] - 2 if k + 1 < len(starts) else len(head)
    names.append("".join(head[s:e]).strip())
problems = []
if len(lines) - 1 < minrows:
    problems.append(f"{len(lines) - 1} rows, want at least {minrows}")
for n, line in enumerate(lines[1:], 1):
    row = cells(line)
    for k, s in enumerate(starts):
        end = starts[k + 1] - 2 if k + 1 < len(starts) else None
        if k and len(row) > s and row[s - 2:s] != [" ", " "]:
            problems.append(f"row {n}: no column gap before {names[k]} at {s}: {line!r}")
            continue
        if names[k] in right:
            if end is not None and len(row) > end and row[end - 1] == " ":
                problems.append(f"row {n}: {names[k]} does not end at {end}: {line!r}")
        elif len(row) > s and row[s] == " " and (end is None or "".join(row[s:end]).strip()):
            problems.append(f"row {n}: {names[k]} does not start at {s}: {line!r}")
if problems:
    print(f"{what}: header {lines[0]!r}"); print("\n".join(problems[:5])); sys.exit(1)
PY
# table WHAT MINROWS [RIGHT...] -- CMD...: run opsgate CMD and check its table ($pre lines before
# the table and $post after it are left out)
pre=0 post=0
table() {
  local what=$1 min=$2 right=()
  shift 2
  while [ "$1" != "--" ]; do right+=("$1"); shift; done
  shift
  if ! og "$@" >"$T/out" 2>"$T/err"; then bad "$what: opsgate $*: $(cat "$T/err")"; return; fi
  if tail -n +$((pre + 1)) "$T/out" | head -n -"$post" |
    python3 "$T/aligned.py" "$what" "$min" "${right[@]}" >"$T/why"; then ok
  else bad "$(cat "$T/why")"; echo "--- output:" >&2; cat "$T/out" >&2; fi
}

L=$(printf 'x%.0s' $(seq 1 60))                   # 60 characters: wider than any fixed column
TEN=t-$L                                          # 62: a tenant and user name may have 63
"$OPSGATE" --data "$D" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
quiet tenant create "$TEN"
quiet tenant create b
quiet user add --tenant "$TEN" "u-$L" --role tenant-admin
quiet user add --tenant "$TEN" ed --role engineer
quiet token create --tenant "$TEN" --user "u-$L"
quiet token create --tenant "$TEN" --user ed
quiet project create --tenant "$TEN" "p-${L:0:40}" "项目名称很长的项目 $L"
quiet project create --tenant "$TEN" p2 short
quiet access grant --tenant "$TEN" --project p2 --user ed --right write
printf 'hello\n' >"$T/a.md"
quiet artifact put --tenant "$TEN" --project "p-${L:0:40}" --name "n-$L$L.md" -m "第一版 $L" "$T/a.md"
printf 'hello again\n' >"$T/a.md"
quiet artifact put --tenant "$TEN" --project "p-${L:0:40}" --name "n-$L$L.md" -m short "$T/a.md"
quiet artifact put --tenant "$TEN" --project p2 --name b.md "$T/a.md"
quiet artifact retention set --tenant "$TEN" --kind other --keep 36500d
quiet artifact retention set --tenant "$TEN" --kind sow --keep 7d
printf '# {{project.name}}\n' >"$T/t.md"
quiet template put --tenant "$TEN" "tpl-$L.md" "$T/t.md" -m "模板 $L"
printf '# {{project.name}} again\n' >"$T/t.md"
quiet template put --tenant "$TEN" "tpl-$L.md" "$T/t.md" -m again --force
quiet hold set --tenant "$TEN" --project "p-${L:0:40}" --name "n-$L$L.md" --reason "诉讼保留 $L"
quiet hold set --tenant "$TEN" --project p2 --reason short
printf '0123456789abcdef0123\n' >"$T/secret"
quiet notify add --tenant "$TEN" webhook "https://hooks-$L.example.com/very/long/path/$L" \
  --secret-file "$T/secret" --events 'certs.*,gate.review,gate.approval'
quiet notify add --tenant "$TEN" webhook https://h.example.com/ --secret-file "$T/secret"
quiet notify egress allow 10.0.0.0/8 --note "the PSA and the mail relay, $L"
quiet notify egress allow 2001:db8:aaaa:bbbb:cccc:dddd:eeee:0/112
chan=$(og notify list --tenant "$TEN" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["channels"][0]["id"])')

table "tenant list" 2 -- tenant list
table "user list" 2 -- user list --tenant "$TEN"
table "token list" 2 -- token list --tenant "$TEN"
table "project list" 2 -- project list --tenant "$TEN"
table "access report" 2 -- access report --tenant "$TEN"
table "artifact list" 2 VER SIZE -- artifact list --tenant "$TEN"
table "artifact log" 2 SIZE -- artifact log --tenant "$TEN" --project "p-${L:0:40}" --name "n-$L$L.md"
table "artifact retention list" 2 "KEEP DAYS" -- artifact retention list --tenant "$TEN"
table "template list" 1 -- template list --tenant "$TEN"
table "template log" 2 -- template log --tenant "$TEN" "tpl-$L.md"
table "hold list" 2 -- hold list --tenant "$TEN"
table "notify list" 2 -- notify list --tenant "$TEN"
post=1 table "notify show" 1 -- notify show --tenant "$TEN" "$chan"
table "notify egress list" 2 -- notify egress list
pre=1 post=1 table "audit list" 5 SEQ -- audit list --tenant "$TEN" --limit 5

echo "$passes checks passed, $fails failed"
[ "$fails" -eq 0 ]
