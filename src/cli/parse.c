/* parse.c - the one command-line parser and help printer, driven by the command tables. */
#include "cli/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const og_cli_opt *opt_by_name(const og_cli_sub *sub, const char *name, size_t len)
{
    for (const og_cli_opt *o = sub->opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const og_cli_opt *opt_by_short(const og_cli_sub *sub, char c)
{
    for (const og_cli_opt *o = sub->opts; o && o->name; o++)
        if (o->short_name && o->short_name == c)
            return o;
    return NULL;
}

const char *og_cli_where(const og_cli_args *a, char *buf, size_t size)
{
    if (a->sub && a->sub->name)
        snprintf(buf, size, "%s %s", a->cmd->name, a->sub->name);
    else
        snprintf(buf, size, "%s", a->cmd->name);
    return buf;
}

int og_cli_bad(const og_cli_args *a, const char *fmt, ...)
{
    char where[96];
    va_list ap;
    fputs("opsgate: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `opsgate %s --help`)\n", og_cli_where(a, where, sizeof(where)));
    return OG_EXIT_USAGE;
}

const char *og_cli_get(const og_cli_args *a, const char *name)
{
    for (int i = a->nvals - 1; i >= 0; i--)
        if (strcmp(a->vals[i].opt->name, name) == 0)
            return a->vals[i].value;
    return NULL;
}

bool og_cli_has(const og_cli_args *a, const char *name)
{
    return og_cli_get(a, name) != NULL;
}

int og_cli_count(const og_cli_args *a, const char *name)
{
    int n = 0;
    for (int i = 0; i < a->nvals; i++)
        n += strcmp(a->vals[i].opt->name, name) == 0;
    return n;
}

const char *og_cli_nth(const og_cli_args *a, const char *name, int nth)
{
    for (int i = 0; i < a->nvals; i++)
        if (strcmp(a->vals[i].opt->name, name) == 0 && nth-- == 0)
            return a->vals[i].value;
    return NULL;
}

/* ---- help ---- */

#define USAGE_WIDTH 96

/* Append one word of a usage line, wrapping before it when the line would pass USAGE_WIDTH;
 * continuation lines are indented under the first option. */
static void usage_word(FILE *f, const char *word, int *col, int indent)
{
    int len = (int)strlen(word);
    if (*col + 1 + len > USAGE_WIDTH && *col > indent) {
        fprintf(f, "\n%*s", indent, "");
        *col = indent;
    } else {
        fputc(' ', f);
        (*col)++;
    }
    fputs(word, f);
    *col += len;
}

static void print_usage_line(FILE *f, const og_command *c, const og_cli_sub *sub, bool first)
{
    char word[160];
    int col = fprintf(f, "%s opsgate %s", first ? "usage:" : "      ", c->name);
    if (sub->name)
        col += fprintf(f, " %s", sub->name);
    if (sub->args)
        col += fprintf(f, " %s", sub->args);
    int indent = col + 1 > USAGE_WIDTH / 2 ? 14 : col + 1;
    for (const og_cli_opt *o = sub->opts; o && o->name; o++) {
        bool req = o->flags & OG_CLI_REQUIRED;
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        snprintf(word, sizeof(word), "%s--%s%s%s%s%s", req ? "" : "[", o->name, o->value ? " " : "",
                 o->value ? o->value : "", req ? "" : "]", o->flags & OG_CLI_REPEAT ? "..." : "");
        usage_word(f, word, &col, indent);
    }
    fputc('\n', f);
}

static void print_options(FILE *f, const og_cli_sub *sub)
{
    int width = 0;
    for (const og_cli_opt *o = sub->opts; o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        int w = (int)strlen(o->name) + 2 + (o->value ? (int)strlen(o->value) + 1 : 0) +
                (o->short_name ? 4 : 0);
        if (w > width)
            width = w;
    }
    if (!sub->opts || !sub->opts[0].name)
        return;
    fputs("\nOptions:\n", f);
    for (const og_cli_opt *o = sub->opts; o && o->name; o++) {
        char lhs[128];
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        if (o->short_name)
            snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->short_name, o->name, o->value ? " " : "",
                     o->value ? o->value : "");
        else
            snprintf(lhs, sizeof(lhs), "--%s%s%s", o->name, o->value ? " " : "",
                     o->value ? o->value : "");
        fprintf(f, "  %-*s  %s\n", width, lhs, o->help ? o->help : "");
    }
}

/* The word that names group g of command c: "account" for "acme account". */
static const char *group_word(const og_command *c, const og_command *g)
{
    return g->name + strlen(c->name) + 1;
}

/* True when c has subcommands (its own or in groups), false for a command that is one. */
static bool has_subs(const og_command *c)
{
    return c->subs[0].name || c->groups;
}

void og_cli_print_help(FILE *f, const og_command *c, const og_cli_sub *sub)
{
    bool first = true;
    if (sub) {
        print_usage_line(f, c, sub, true);
        if (sub->summary && *sub->summary)
            fprintf(f, "\n%c%s%s\n", toupper((unsigned char)sub->summary[0]), sub->summary + 1,
                    sub->summary[strlen(sub->summary) - 1] == '.' ? "" : ".");
        print_options(f, sub);
        if (sub->flags & OG_CLI_LOCAL)
            fputs("\nActs as the local operator only: --as USER is refused.\n", f);
        fputs("\nGlobal options: --data DIR, --as USER, --json (see `opsgate help`).\n", f);
        if (sub->name)
            fprintf(f, "More: `opsgate %s --help`.\n", c->name);
        else if (c->about)
            fprintf(f, "\n%s", c->about);
        return;
    }
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++, first = false)
        print_usage_line(f, c, s, first);
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        for (const og_cli_sub *s = c->groups[g]->subs; s->name || s->run; s++, first = false)
            print_usage_line(f, c->groups[g], s, first);
    if (c->about)
        fprintf(f, "\n%s", c->about);
    if (has_subs(c)) {
        fputs("\nSubcommands:\n", f);
        for (const og_cli_sub *s = c->subs; s->name || s->run; s++)
            fprintf(f, "  %-12s %s\n", s->name, s->summary ? s->summary : "");
        for (size_t g = 0; c->groups && c->groups[g]; g++)
            fprintf(f, "  %-12s %s\n", group_word(c, c->groups[g]), c->groups[g]->summary);
        fprintf(f, "\nRun `opsgate %s SUBCOMMAND --help` for its options.\n", c->name);
    } else {
        print_options(f, &c->subs[0]);
        if (c->subs[0].flags & OG_CLI_LOCAL)
            fputs("\nActs as the local operator only: --as USER is refused.\n", f);
    }
}

/* ---- parsing ---- */

static void list_subs(const og_command *c, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (const og_cli_sub *s = c->subs; (s->name || s->run) && n < size; s++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", s->name);
    for (size_t g = 0; c->groups && c->groups[g] && n < size; g++)
        n +=
            (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", group_word(c, c->groups[g]));
}

static const og_command *find_group(const og_command *c, const char *word)
{
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        if (strcmp(group_word(c, c->groups[g]), word) == 0)
            return c->groups[g];
    return NULL;
}

static const og_cli_sub *find_sub(const og_command *c, const char *name)
{
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++)
        if (s->name && strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* Take one option at argv[*i] into a (a long "--name[=value]" or a short "-x [value]"). */
static int take_option(og_cli_args *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const og_cli_opt *o;
    const char *value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (!(o = opt_by_name(a->sub, name, len)))
            return og_cli_bad(a, "unknown option '%.*s'", (int)(len + 2), arg);
        if (eq) {
            if (!o->value)
                return og_cli_bad(a, "--%s takes no value", o->name);
            value = eq + 1;
        }
    } else {
        if (arg[2] != '\0' || !(o = opt_by_short(a->sub, arg[1])))
            return og_cli_bad(a, "unknown option '%s'", arg);
    }
    if (o->value && !value) {
        if (*i + 1 >= argc)
            return og_cli_bad(a, "--%s needs a value (%s)", o->name, o->value);
        value = argv[++*i];
    }
    if (!(o->flags & OG_CLI_REPEAT) && og_cli_has(a, o->name))
        return og_cli_bad(a, "--%s given twice", o->name);
    a->vals[a->nvals].opt = o;
    a->vals[a->nvals].value = o->value ? value : "";
    a->nvals++;
    return 0;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

/* Options and positionals of argv[first..argc), in any order; "--" ends the options. */
static int parse_args(og_cli_args *a, int argc, char **argv, int first)
{
    bool options = true;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (options && strcmp(arg, "--") == 0) {
            options = false;
        } else if (options && arg[0] == '-' && arg[1] != '\0') {
            int rc = take_option(a, argc, argv, &i);
            if (rc)
                return rc;
        } else {
            a->pos[a->npos++] = argv[i];
        }
    }
    a->pos[a->npos] = NULL;
    return 0;
}

static int check_args(og_cli_args *a)
{
    char where[96];
    const og_cli_sub *sub = a->sub;
    if (a->npos < sub->min_args)
        return og_cli_bad(a, "missing %s", sub->args ? sub->args : "argument");
    if (sub->max_args >= 0 && a->npos > sub->max_args)
        return og_cli_bad(a, "unexpected argument '%s'", a->pos[sub->max_args]);
    for (const og_cli_opt *o = sub->opts; o && o->name; o++)
        if ((o->flags & OG_CLI_REQUIRED) && !og_cli_has(a, o->name))
            return og_cli_bad(a, "%s needs --%s", og_cli_where(a, where, sizeof(where)), o->name);
    return 0;
}

int og_cli_dispatch(og_cli *cli, const og_command *c, int argc, char **argv)
{
    og_cli_args a = {.cmd = c};
    int first = 1, rc;
    char names[256];
    if (has_subs(c)) {
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            if (argc >= 2) {
                og_cli_print_help(stdout, c, NULL);
                return OG_EXIT_OK;
            }
            list_subs(c, names, sizeof(names));
            return og_cli_usage(c->name, "missing subcommand (%s)", names);
        }
        const og_command *group = find_group(c, argv[1]);
        if (group)
            return og_cli_dispatch(cli, group, argc - 1, argv + 1);
        if (!(a.sub = find_sub(c, argv[1]))) {
            list_subs(c, names, sizeof(names));
            return og_cli_usage(c->name, "unknown subcommand '%s' (%s)", argv[1], names);
        }
        first = 2;
    } else {
        a.sub = &c->subs[0];
    }
    if (wants_help(argc, argv)) {
        og_cli_print_help(stdout, c, has_subs(c) ? a.sub : NULL);
        return OG_EXIT_OK;
    }
    if ((a.sub->flags & OG_CLI_LOCAL) && cli->as_user)
        return og_cli_bad(&a, "--as does not apply: `opsgate %s` acts as the local operator only",
                          og_cli_where(&a, names, sizeof(names)));
    a.vals = calloc((size_t)argc + 1, sizeof(*a.vals));
    a.pos = calloc((size_t)argc + 1, sizeof(*a.pos));
    if (!a.vals || !a.pos) {
        rc = og_cli_usage(NULL, "out of memory");
        goto cleanup;
    }
    if ((rc = parse_args(&a, argc, argv, first)) || (rc = check_args(&a)))
        goto cleanup;
    rc = a.sub->run(cli, &a);
cleanup:
    free(a.vals);
    free(a.pos);
    return rc;
}
