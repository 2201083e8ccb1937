#!/usr/bin/env bash
# test_authz_cli.sh - every subcommand of the CLI authorization matrix (tests/authz/cli_matrix.txt)
# as the local operator, as every role with --as and as a disabled user; another tenant's objects
# answer like missing ones; the local-operator-only commands refuse --as on the real binary;
# docs/ops.md's CLI permission matrix is up to date; and the tests of the test: a loosened cell
# (the local operator recording an L3 outcome alone, a client-viewer removing a user, an
# engineer removing a connector) is caught,
# and so is a cross-tenant answer that differs from a missing one.
# (tests/unit/cli/test_authz_commands.c checks that every subcommand has a line.)
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in python3 openssl; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done
DRIVER=${OG_BUILD_DIR:-$(dirname "$OPSGATE")}/og_cli_driver
[ -x "$DRIVER" ] || { echo "FAIL: $DRIVER is not built (CMakeLists.txt: og_cli_driver)" >&2; exit 1; }
M="$SRC/tests/authz/cli_matrix.txt"
expect_rc() { if [ "$2" = "$1" ]; then ok; else bad "$3: exit $2, want $1"; fi; }

# --- the matrix (the observed matrix is kept for the test of the test)
if python3 "$SRC/tests/authz/cli_authz_matrix.py" "$DRIVER" "$M" "$OG_TMP/work" \
  --record "$OG_TMP/observed.txt"; then
  ok
else
  bad "the CLI's answers differ from $M (see FAIL lines above)"
fi
python3 "$SRC/tests/authz/cli_matrix.py" compare "$M" "$OG_TMP/observed.txt" >/dev/null
expect_rc 0 $? "the observed matrix matches the file"

# --- the real binary: --as is refused by the local-operator-only commands, and a decision needs
# a person (the matrix runs the same entry point in one process: og_cli_driver)
D="$OG_TMP/data"
og_init "$D" >/dev/null || exit 1
"$OPSGATE" --data "$D" tenant create acme >/dev/null
"$OPSGATE" --data "$D" user add en --tenant acme --role engineer >/dev/null
for cmd in "serve --check" "events work"; do
  # shellcheck disable=SC2086
  err=$("$OPSGATE" --data "$D" --as en $cmd 2>&1 >/dev/null </dev/null)
  expect_rc 2 $? "opsgate --as en $cmd"
  case "$err" in *"acts as the local operator only"*) ok ;; *) bad "$cmd: not refused as local-only: $err" ;; esac
done
err=$("$OPSGATE" --data "$OG_TMP/new" --as en init 2>&1 >/dev/null)
expect_rc 2 $? "opsgate --as en init"
case "$err" in *"acts as the local operator only"*) ok ;; *) bad "init: not refused as local-only: $err" ;; esac
[ -e "$OG_TMP/new" ] && bad "init --as created a data folder" || ok
"$OPSGATE" --data "$D" gate policy set platform.note L3 --tenant acme >/dev/null
id=$("$OPSGATE" --data "$D" --json gate request platform.note --tenant acme --params '{"text":"t"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["gate_id"])')
err=$("$OPSGATE" --data "$D" gate done "$id" 2>&1 >/dev/null)
expect_rc 2 $? "gate done without --as"
case "$err" in *"--as USER"*) ok ;; *) bad "gate done without --as does not name --as: $err" ;; esac

# --- the tests of the test: loosened cells must be reported (the gate hole this suite closed:
# the local operator recording an L3 task's outcome alone; a client-viewer removing a user)
sed -E -e '/^gate done /s/^(gate done +data +)usage /\1ok    /' \
  -e '/^user remove /s/ denied( +[a-z|-]+ +[a-z|-]+ +[a-z|-]+)( *#.*)?$/ ok    \1/' \
  -e '/^connector remove /s/^(connector remove +data +([a-z|-]+ +){4})denied /\1ok     /' \
  "$M" >"$OG_TMP/loosened.txt"
if cmp -s "$M" "$OG_TMP/loosened.txt"; then bad "planting the loosened cells changed nothing"; fi
out=$(python3 "$SRC/tests/authz/cli_matrix.py" compare "$OG_TMP/loosened.txt" "$OG_TMP/observed.txt")
expect_rc 1 $? "loosened cells are caught"
case "$out" in *"gate done: local answers usage"*) ok ;; *) bad "the loosened gate done cell is not named: $out" ;; esac
case "$out" in *"user remove: client-viewer answers denied"*) ok ;; *) bad "the loosened user remove cell is not named: $out" ;; esac
case "$out" in *"connector remove: engineer answers denied"*) ok ;; *) bad "the loosened connector remove cell is not named: $out" ;; esac
out=$(python3 "$SRC/tests/authz/cli_authz_matrix.py" --selftest 2>&1)
expect_rc 0 $? "a cross-tenant answer that differs from a missing one is caught: $out"

# --- docs/ops.md's CLI permission matrix is generated from the file
if python3 "$SRC/tools/authz-doc.py" --cli --check "$M" "$SRC/docs/ops.md"; then ok; else
  bad "docs/ops.md is out of date: run tools/authz-doc.py --cli tests/authz/cli_matrix.txt docs/ops.md"
fi
og_done
