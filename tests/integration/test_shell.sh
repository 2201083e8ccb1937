#!/usr/bin/env bash
# test_shell.sh - `opsgate completion bash|zsh` and the man pages, generated from the command
# tables (src/cli/completion.c, src/cli/manpage.c): bash and zsh accept the scripts, bash
# completion completes commands, subcommands, options, choices and file names (driven through
# COMP_WORDS as bash's completion does), zsh splits the tables as the function expects, man(1)
# renders every page without a groff warning, and `make install` (cmake --install) puts the
# binary, the pages and both scripts under the prefix. That every command and option of the
# tables is in both: tests/unit/cli/test_shell.c.
. "$(dirname "$0")/lib.sh"

for t in zsh groff man; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done

bash_c="$OG_TMP/opsgate.bash"
zsh_c="$OG_TMP/_opsgate"
"$OPSGATE" completion bash >"$bash_c" && ok || bad "completion bash failed"
"$OPSGATE" completion zsh >"$zsh_c" && ok || bad "completion zsh failed"
"$OPSGATE" completion fish >/dev/null 2>"$OG_TMP/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown shell 'fish' (bash or zsh)" "$OG_TMP/err" && ok ||
  bad "completion fish: want exit 2 naming the shell, got $rc: $(cat "$OG_TMP/err")"

bash -n "$bash_c" && ok || bad "bash -n rejects the bash completion"
zsh -n "$zsh_c" && ok || bad "zsh -n rejects the zsh completion"

# complete WORDS...: what bash completion offers for the last word, one per line, sorted.
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _opsgate opsgate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$bash_c" "$@"
}
# expect_completion WANT WORDS...: WANT (space-separated, sorted) is exactly what is offered.
expect_completion() {
  local want=$1; shift
  local got
  got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$want" ] && ok || bad "complete '$*': want '$want', got '$got'"
}
# expect_offers WORD WORDS...: WORD is among what is offered.
expect_offers() {
  local want=$1; shift
  grep -qx -- "$want" <<<"$(complete_words "$@")" && ok || bad "complete '$*': '$want' not offered"
}

expect_completion "cert completion connector" opsgate c
expect_completion "scan scan-files schedule" opsgate cert sc
expect_completion "scan scan-files schedule" opsgate --data /tmp/x --json cert sc
expect_offers "--starttls" opsgate cert scan --tenant acme --st
expect_completion "--ports" opsgate cert scan host --po
expect_completion "create" opsgate acme account cr
expect_completion "sow" opsgate generate s
expect_completion "change-order closure" opsgate generate c
expect_completion "bash" opsgate completion b
expect_offers "--tenant" opsgate token create --
expect_offers "--json" opsgate token create --
expect_offers "-o" opsgate generate sow --tenant t -
# an option's value: nothing for --tenant T, paths for a FILE
expect_completion "" opsgate generate sow --tenant ""
mkdir -p "$OG_TMP/in" && : >"$OG_TMP/in/project.json"
expect_completion "$OG_TMP/in/project.json" opsgate generate sow --input "$OG_TMP/in/pro"
expect_completion "$OG_TMP/in" opsgate --data "$OG_TMP/i"
# a value taken by an option is not a command: `--data cert` does not enter `cert`
expect_completion "create" opsgate --data cert token cr

# zsh: the tables split into the items _describe takes ("name:description", quotes intact).
items=$(zsh -fc 'compdef() { :; }; source "$1"
  items=(${(Q)${(z)_opsgate_subs[cert]}}); print -rl -- $items
  items=(${(Q)${(z)_opsgate_opts[token create]}}); print -rl -- $items' _ "$zsh_c")
grep -qx "scan:scan TLS endpoints now" <<<"$items" && ok ||
  bad "zsh: _opsgate_subs[cert] lacks 'scan:scan TLS endpoints now': $(echo "$items" | head -5)"
grep -q "^--tenant:" <<<"$items" && ok || bad "zsh: _opsgate_opts[token create] lacks --tenant"
zsh -fc 'compdef() { :; }; source "$1"; (( ${+_opsgate_cmds[generate]} ))' _ "$zsh_c" && ok ||
  bad "zsh: _opsgate_cmds lacks generate"

# Man pages: one per command of `opsgate help` and opsgate(1); groff and man(1) warn about none.
man_dir="$OG_TMP/man1"
mkdir -p "$man_dir"
"$OPSGATE" __manpages "$man_dir" && ok || bad "__manpages failed"
commands=$("$OPSGATE" help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$commands" ] && ok || bad "no commands in opsgate help"
for c in $commands; do
  [ -f "$man_dir/opsgate-$c.1" ] && ok || bad "no man page opsgate-$c.1"
done
n=0
for page in "$man_dir"/*.1; do
  n=$((n + 1))
  warn=$(groff -man -ww -z -Tutf8 "$page" 2>&1)
  [ -z "$warn" ] && ok || bad "groff -ww warns on $(basename "$page"): $warn"
  out=$(MANWIDTH=100 MANPAGER=cat PAGER=cat man --warnings=w -l "$page" 2>"$OG_TMP/manerr")
  [ -s "$OG_TMP/manerr" ] && bad "man -l $(basename "$page") warns: $(head -3 "$OG_TMP/manerr")"
  grep -q "^NAME" <<<"$out" && grep -q "^SEE ALSO" <<<"$out" && ok ||
    bad "man -l $(basename "$page") renders no NAME/SEE ALSO"
done
[ "$n" -eq $(( $(echo "$commands" | wc -w) + 1 )) ] && ok || bad "$n pages for $(echo "$commands" | wc -w) commands"
cert_page=$(MANWIDTH=200 MANPAGER=cat man -l "$man_dir/opsgate-cert.1" 2>/dev/null)
grep -q -- "--starttls PROTO" <<<"$cert_page" && ok || bad "opsgate-cert(1) lacks --starttls PROTO"
grep -q "opsgate cert scan" <<<"$cert_page" && ok || bad "opsgate-cert(1) lacks its scan section"

# The build generated the same files, and installs them under the prefix.
if [ -n "${OG_BUILD_DIR:-}" ] && [ -d "$OG_BUILD_DIR/shell" ]; then
  cmp -s "$bash_c" "$OG_BUILD_DIR/shell/opsgate.bash" && ok || bad "build/shell/opsgate.bash is stale"
  diff -r "$man_dir" "$OG_BUILD_DIR/shell/man1" >/dev/null && ok || bad "build/shell/man1 is stale"
  prefix="$OG_TMP/prefix"
  cmake --install "$OG_BUILD_DIR" --prefix "$prefix" >"$OG_TMP/install.log" 2>&1 && ok ||
    bad "cmake --install failed: $(tail -3 "$OG_TMP/install.log")"
  for f in bin/opsgate share/man/man1/opsgate.1 share/man/man1/opsgate-cert.1 \
           share/bash-completion/completions/opsgate share/zsh/site-functions/_opsgate; do
    [ -f "$prefix/$f" ] && ok || bad "make install did not install $f"
  done
  grep -q -- "--format" <<<"$(MANPAGER=cat man -M "$prefix/share/man" opsgate-generate 2>/dev/null)" && ok ||
    bad "man -M PREFIX/share/man opsgate-generate does not show the page"
else
  echo "note: OG_BUILD_DIR not set: the build's files and make install are not checked" >&2
fi

og_done
