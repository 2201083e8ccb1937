/* completion.c - `opsgate completion bash|zsh`: shell completion generated from the command tables
 * (og_cli_commands), so that every command, subcommand and option the parser knows completes. */
#include "cli/cli.h"
#include "cli/shell.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words of a positional spec that lists its choices ("sow|change-order|runbook|closure"):
 * the first word of args when it is made of [a-z0-9-] and '|' only, with '|' as space, in buf;
 * "" otherwise. */
static const char *choices(const og_cli_sub *s, char *buf, size_t size)
{
    size_t n = 0;
    bool bar = false;
    buf[0] = '\0';
    if (!s->args)
        return buf;
    for (const char *p = s->args; *p && *p != ' ' && n + 1 < size; p++) {
        if (*p == '|')
            bar = true;
        else if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
            return buf[0] = '\0', buf;
        buf[n++] = *p == '|' ? ' ' : *p;
    }
    buf[n] = '\0';
    if (!bar)
        buf[0] = '\0';
    return buf;
}

/* True when an option's value names a file or folder (completed as paths). */
static bool value_is_path(const og_cli_opt *o)
{
    return o->value && (strstr(o->value, "FILE") || strstr(o->value, "DIR") ||
                        strstr(o->value, "PATH") || strstr(o->value, "PEM"));
}

/* Every option of s as bash words: "--tenant --project -o"; hidden options are left out. */
static void bash_opts(FILE *f, const og_cli_sub *s, int which)
{
    const char *sep = "";
    for (const og_cli_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        if (which == 1 && !o->value)
            continue;
        if (which == 2 && !value_is_path(o))
            continue;
        fprintf(f, "%s--%s", sep, o->name);
        sep = " ";
        if (o->short_name) /* -o takes its value as --output does */
            fprintf(f, " -%c", o->short_name);
    }
}

static void bash_sub(FILE *f, const char *key, const og_cli_sub *s)
{
    char buf[256];
    fprintf(f, "_opsgate_opts[%s]='", key);
    bash_opts(f, s, 0);
    fprintf(f, "'\n_opsgate_vals[%s]='", key);
    bash_opts(f, s, 1);
    fprintf(f, "'\n_opsgate_files[%s]='", key);
    bash_opts(f, s, 2);
    fprintf(f, "'\n_opsgate_args[%s]='%s'\n", key, choices(s, buf, sizeof(buf)));
}

/* The tables of command c (named path: "cert", "acme account"), recursively for its groups. */
static void bash_command(FILE *f, const og_command *c)
{
    const char *sep = "";
    char key[160];
    if (!c->subs[0].name && !c->groups) {
        snprintf(key, sizeof(key), "'%s'", c->name);
        bash_sub(f, key, &c->subs[0]);
        return;
    }
    fprintf(f, "_opsgate_subs['%s']='", c->name);
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++, sep = " ")
        fprintf(f, "%s%s", sep, s->name);
    for (size_t g = 0; c->groups && c->groups[g]; g++, sep = " ")
        fprintf(f, "%s%s", sep, c->groups[g]->name + strlen(c->name) + 1);
    fputs("'\n", f);
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++) {
        snprintf(key, sizeof(key), "'%s %s'", c->name, s->name);
        bash_sub(f, key, s);
    }
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        bash_command(f, c->groups[g]);
}

static const char *const bash_body =
    "_opsgate() {\n"
    "    local cur=${COMP_WORDS[COMP_CWORD]} prev='' path='' w i skip=0\n"
    "    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    "    COMPREPLY=()\n"
    "    for (( i = 1; i < COMP_CWORD; i++ )); do\n"
    "        w=${COMP_WORDS[i]}\n"
    "        if (( skip )); then skip=0; continue; fi\n"
    "        case $w in\n"
    "            --data|--as) skip=1; continue ;;\n"
    "            --*=*|--json|--help|-h) continue ;;\n"
    "            -*) [[ -n $path && \" ${_opsgate_vals[$path]} \" == *\" $w \"* ]] && skip=1\n"
    "                continue ;;\n"
    "        esac\n"
    "        if [[ -z $path ]]; then\n"
    "            [[ \" $_opsgate_commands \" == *\" $w \"* ]] && path=$w\n"
    "        elif [[ -n ${_opsgate_subs[$path]+x} && \" ${_opsgate_subs[$path]} \" == *\" $w \"* "
    "]]; then\n"
    "            path=\"$path $w\"\n"
    "        fi\n"
    "    done\n"
    "    case $prev in\n"
    "        --data) COMPREPLY=($(compgen -d -- \"$cur\")); return 0 ;;\n"
    "        --as) return 0 ;;\n"
    "    esac\n"
    "    if [[ $prev == -* && -n $path && \" ${_opsgate_vals[$path]} \" == *\" $prev \"* ]]; "
    "then\n"
    "        [[ \" ${_opsgate_files[$path]} \" == *\" $prev \"* ]] &&\n"
    "            COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "        return 0\n"
    "    fi\n"
    "    if [[ $cur == -* ]]; then\n"
    "        local opts='--data --as --json --help'\n"
    "        [[ -n $path ]] && opts=\"${_opsgate_opts[$path]} $opts\"\n"
    "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
    "    elif [[ -z $path ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$_opsgate_commands help version\" -- \"$cur\"))\n"
    "    elif [[ -n ${_opsgate_subs[$path]+x} ]]; then\n"
    "        COMPREPLY=($(compgen -W \"${_opsgate_subs[$path]}\" -- \"$cur\"))\n"
    "    elif [[ -n ${_opsgate_args[$path]} ]]; then\n"
    "        COMPREPLY=($(compgen -W \"${_opsgate_args[$path]}\" -- \"$cur\"))\n"
    "    else\n"
    "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "    fi\n"
    "    return 0\n"
    "}\n"
    "complete -o filenames -F _opsgate opsgate\n";

static void completion_bash(FILE *f)
{
    fprintf(f,
            "# bash completion for opsgate %s, generated from its command tables by\n"
            "# `opsgate completion bash`. Source it, or install it as\n"
            "# /usr/share/bash-completion/completions/opsgate.\n",
            OG_VERSION);
    fputs("declare -gA _opsgate_subs=() _opsgate_opts=() _opsgate_vals=() _opsgate_files=() "
          "_opsgate_args=()\n_opsgate_commands='",
          f);
    for (size_t i = 0; og_cli_commands[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", og_cli_commands[i]->name);
    fputs("'\n", f);
    for (size_t i = 0; og_cli_commands[i]; i++)
        bash_command(f, og_cli_commands[i]);
    fputs(bash_body, f);
}

/* ---- zsh ---- */

/* A zsh single-quoted "word:description" item: ':' in the word escaped, quotes doubled out. */
static void zsh_item(FILE *f, const char *word, char shortc, const char *desc)
{
    fputs(" '", f);
    if (shortc)
        fprintf(f, "-%c", shortc);
    else
        for (const char *p = word; *p; p++)
            fprintf(f, "%s%c", *p == ':' ? "\\" : "", *p);
    fputc(':', f);
    for (const char *p = desc ? desc : ""; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

static void zsh_sub(FILE *f, const char *key, const og_cli_sub *s)
{
    char buf[256], name[96];
    fprintf(f, "_opsgate_opts[%s]=(", key);
    for (const og_cli_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        snprintf(name, sizeof(name), "--%s", o->name);
        zsh_item(f, name, 0, o->help);
        if (o->short_name)
            zsh_item(f, NULL, o->short_name, o->help);
    }
    fprintf(f, ")\n_opsgate_vals[%s]=' ", key);
    for (const og_cli_opt *o = s->opts; o && o->name; o++)
        if (o->value && !(o->flags & OG_CLI_HIDDEN)) {
            fprintf(f, "--%s ", o->name);
            if (o->short_name)
                fprintf(f, "-%c ", o->short_name);
        }
    fprintf(f, "'\n_opsgate_files[%s]=' ", key);
    for (const og_cli_opt *o = s->opts; o && o->name; o++)
        if (value_is_path(o) && !(o->flags & OG_CLI_HIDDEN)) {
            fprintf(f, "--%s ", o->name);
            if (o->short_name)
                fprintf(f, "-%c ", o->short_name);
        }
    fprintf(f, "'\n_opsgate_args[%s]='%s'\n", key, choices(s, buf, sizeof(buf)));
}

static void zsh_command(FILE *f, const og_command *c)
{
    char key[160];
    if (!c->subs[0].name && !c->groups) {
        snprintf(key, sizeof(key), "'%s'", c->name);
        zsh_sub(f, key, &c->subs[0]);
        return;
    }
    fprintf(f, "_opsgate_subs['%s']=(", c->name);
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++)
        zsh_item(f, s->name, 0, s->summary);
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        zsh_item(f, c->groups[g]->name + strlen(c->name) + 1, 0, c->groups[g]->summary);
    fputs(")\n", f);
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++) {
        snprintf(key, sizeof(key), "'%s %s'", c->name, s->name);
        zsh_sub(f, key, s);
    }
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        zsh_command(f, c->groups[g]);
}

/* zsh keeps arrays out of associative arrays: each table is a string holding the quoted words
 * of the array, expanded with ${(Q)${(z)...}}. */
static const char *const zsh_body =
    "_opsgate() {\n"
    "    local path_='' w i skip=0 cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
    "    local -a items\n"
    "    for (( i = 2; i < CURRENT; i++ )); do\n"
    "        w=${words[i]}\n"
    "        if (( skip )); then skip=0; continue; fi\n"
    "        case $w in\n"
    "            --data|--as) skip=1; continue ;;\n"
    "            --*=*|--json|--help|-h) continue ;;\n"
    "            -*) [[ -n $path_ && ${_opsgate_vals[$path_]} == *\" $w \"* ]] && skip=1\n"
    "                continue ;;\n"
    "        esac\n"
    "        if [[ -z $path_ ]]; then\n"
    "            (( ${+_opsgate_cmds[$w]} )) && path_=$w\n"
    "        elif (( ${+_opsgate_subs[$path_]} )); then\n"
    "            items=(${(Q)${(z)_opsgate_subs[$path_]}})\n"
    "            (( ${items[(I)${w}:*]} )) && path_=\"$path_ $w\"\n"
    "        fi\n"
    "    done\n"
    "    case $prev in\n"
    "        --data) _files -/; return ;;\n"
    "        --as) return 1 ;;\n"
    "    esac\n"
    "    if [[ $prev == -* && -n $path_ && ${_opsgate_vals[$path_]} == *\" $prev \"* ]]; then\n"
    "        [[ ${_opsgate_files[$path_]} == *\" $prev \"* ]] && _files\n"
    "        return\n"
    "    fi\n"
    "    if [[ $cur == -* ]]; then\n"
    "        items=('--data:the data folder' '--as:act as this user' '--json:print JSON'\n"
    "               '--help:print help')\n"
    "        [[ -n $path_ ]] && items=(${(Q)${(z)_opsgate_opts[$path_]}} $items)\n"
    "        _describe -t options option items\n"
    "    elif [[ -z $path_ ]]; then\n"
    "        items=(); for w in ${(k)_opsgate_cmds}; do items+=(\"$w:${_opsgate_cmds[$w]}\"); "
    "done\n"
    "        _describe -t commands command items\n"
    "    elif (( ${+_opsgate_subs[$path_]} )); then\n"
    "        items=(${(Q)${(z)_opsgate_subs[$path_]}})\n"
    "        _describe -t subcommands subcommand items\n"
    "    elif [[ -n ${_opsgate_args[$path_]} ]]; then\n"
    "        items=(${=_opsgate_args[$path_]})\n"
    "        compadd -a items\n"
    "    else\n"
    "        _files\n"
    "    fi\n"
    "}\n"
    "\n"
    "if [[ $funcstack[1] == _opsgate ]]; then\n"
    "    _opsgate \"$@\"\n"
    "else\n"
    "    compdef _opsgate opsgate\n"
    "fi\n";

static void completion_zsh(FILE *f)
{
    fprintf(f,
            "#compdef opsgate\n"
            "# zsh completion for opsgate %s, generated from its command tables by\n"
            "# `opsgate completion zsh`. Install it as _opsgate in a folder of $fpath.\n",
            OG_VERSION);
    fputs("typeset -gA _opsgate_cmds _opsgate_subs _opsgate_opts _opsgate_vals _opsgate_files "
          "_opsgate_args\n_opsgate_cmds=(",
          f);
    for (size_t i = 0; og_cli_commands[i]; i++) {
        fprintf(f, "\n    %s '", og_cli_commands[i]->name);
        for (const char *p = og_cli_commands[i]->summary; *p; p++)
            fputs(*p == '\'' ? "'\\''" : (char[]){*p, 0}, f);
        fputc('\'', f);
    }
    fputs("\n)\n", f);
    /* The arrays as strings: quote them once more for (z)/(Q) splitting. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    for (size_t i = 0; og_cli_commands[i]; i++)
        zsh_command(m, og_cli_commands[i]);
    fclose(m);
    /* zsh takes quotes in a subscript literally: each line "name['key']=VALUE" is written as
     * "name+=('key' VALUE)", and an array VALUE "( 'a:b' 'c:d')" as one double-quoted string
     * (no '"', '$', '`' or '\\' occurs in the tables' words, but each is escaped all the same). */
    for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *lb = strchr(line, '['), *eq = strstr(line, "]=");
        if (!lb || !eq || eq < lb) {
            fprintf(f, "%s\n", line);
            continue;
        }
        const char *val = eq + 2;
        size_t vlen = strlen(val);
        fprintf(f, "%.*s+=(%.*s ", (int)(lb - line), line, (int)(eq - lb - 1), lb + 1);
        if (vlen >= 2 && val[0] == '(' && val[vlen - 1] == ')') {
            fputc('"', f);
            for (size_t k = 1; k + 1 < vlen; k++) {
                if (strchr("\"$`\\", val[k]))
                    fputc('\\', f);
                fputc(val[k], f);
            }
            fputs("\")\n", f);
        } else {
            fprintf(f, "%s)\n", val);
        }
    }
    free(buf);
    fputs(zsh_body, f);
}

int og_cli_completion(FILE *f, const char *shell)
{
    if (strcmp(shell, "bash") == 0)
        completion_bash(f);
    else if (strcmp(shell, "zsh") == 0)
        completion_zsh(f);
    else
        return -1;
    return 0;
}

static const char *const about =
    "Prints a completion script for the shell, generated from the command tables: every\n"
    "command, subcommand and option completes, file options complete paths, and positional\n"
    "choices (generate's document kinds) complete by name. `make install` installs both:\n"
    "bash:  source <(opsgate completion bash)   (or share/bash-completion/completions/opsgate)\n"
    "zsh:   opsgate completion zsh > ~/.zfunc/_opsgate   (a folder of $fpath; then compinit)\n";

static int run(og_cli *cli, const og_cli_args *a)
{
    (void)cli;
    if (og_cli_completion(stdout, a->pos[0]) < 0)
        return og_cli_bad(a, "unknown shell '%s' (bash or zsh)", a->pos[0]);
    return fflush(stdout) == 0 ? OG_EXIT_OK : OG_EXIT_FAIL;
}

static const og_cli_sub subs[] = {
    {NULL, "bash|zsh", 1, 1, NULL, "print a shell completion script", run},
    {0},
};

const og_command og_cmd_completion = {
    .name = "completion",
    .summary = "print a bash or zsh completion script",
    .about = about,
    .subs = subs,
};
