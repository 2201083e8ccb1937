/* manpage.c - man pages generated from the command tables: opsgate(1) and opsgate-<command>(1)
 * for every command of og_cli_commands, written by the hidden `opsgate __manpages DIR` that the
 * build runs (CMakeLists.txt) and `make install` installs. */
#include "cli/cli.h"
#include "cli/shell.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Text for roff: backslash as \e, '-' as \- (a minus, so options copy and search as typed),
 * non-ASCII UTF-8 as \[uXXXX], and a leading '.' or '\'' guarded with \&. */
static void roff_text(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    if (p < end && (*p == '.' || *p == '\''))
        fputs("\\&", f);
    while (p < end) {
        if (*p == '\\') {
            fputs("\\e", f);
        } else if (*p == '-') {
            fputs("\\-", f);
        } else if (*p < 0x80) {
            fputc(*p, f);
        } else {
            unsigned cp = 0;
            int n = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
            cp = *p & (0x3f >> n);
            for (int i = 0; i < n && p + 1 < end; i++)
                cp = (cp << 6) | (*++p & 0x3f);
            fprintf(f, "\\[u%04X]", cp);
        }
        p++;
    }
}

static void roff_line(FILE *f, const char *s)
{
    roff_text(f, s, strlen(s));
    fputc('\n', f);
}

/* The about text: paragraphs at blank lines; a paragraph with an indented line (a list, an
 * example) keeps its lines as they are (.nf), any other is filled. */
static void roff_about(FILE *f, const char *about)
{
    const char *p = about;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool keep = p[0] == ' ' || memmem(p, len, "\n ", 2) != NULL;
        fputs(keep ? ".PP\n.nf\n" : ".PP\n", f);
        for (const char *line = p; line < p + len;) {
            const char *nl = memchr(line, '\n', (size_t)(p + len - line));
            size_t ll = nl ? (size_t)(nl - line) : (size_t)(p + len - line);
            if (ll) {
                roff_text(f, line, ll);
                fputc('\n', f);
            }
            line += ll + 1;
        }
        if (keep)
            fputs(".fi\n", f);
        p += len;
        while (*p == '\n')
            p++;
    }
}

static void synopsis(FILE *f, const og_command *c, const og_cli_sub *s)
{
    fputs(".B opsgate\n", f);
    fprintf(f, ".B \"");
    roff_text(f, c->name, strlen(c->name));
    if (s->name) {
        fputc(' ', f);
        roff_text(f, s->name, strlen(s->name));
    }
    fputs("\"\n", f);
    if (s->args) {
        fputs(".I \"", f);
        roff_text(f, s->args, strlen(s->args));
        fputs("\"\n", f);
    }
    for (const og_cli_opt *o = s->opts; o && o->name; o++) {
        bool req = o->flags & OG_CLI_REQUIRED;
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        fputs(req ? ".RB \"\" \"\\-\\-" : ".RB [ \"\\-\\-", f);
        roff_text(f, o->name, strlen(o->name));
        fputc('"', f);
        if (o->value) {
            fputs(" \" \\fI", f);
            roff_text(f, o->value, strlen(o->value));
            fputs("\\fR\"", f);
        }
        fprintf(f, "%s%s\n", req ? "" : " ]", o->flags & OG_CLI_REPEAT ? " ..." : "");
    }
    fputs(".br\n", f);
}

static void options(FILE *f, const og_cli_sub *s)
{
    for (const og_cli_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        fputs(".TP\n.B ", f);
        if (o->short_name)
            fprintf(f, "\\-%c, ", o->short_name);
        fputs("\\-\\-", f);
        roff_text(f, o->name, strlen(o->name));
        if (o->value) {
            fputs(" \\fI", f);
            roff_text(f, o->value, strlen(o->value));
            fputs("\\fR", f);
        }
        fputc('\n', f);
        roff_line(f, o->help ? o->help : "");
        if (o->flags & (OG_CLI_REQUIRED | OG_CLI_REPEAT))
            fprintf(f, "(%s%s%s)\n", o->flags & OG_CLI_REQUIRED ? "required" : "",
                    (o->flags & OG_CLI_REQUIRED) && (o->flags & OG_CLI_REPEAT) ? "; " : "",
                    o->flags & OG_CLI_REPEAT ? "may be repeated" : "");
    }
}

static void sub_section(FILE *f, const og_command *c, const og_cli_sub *s)
{
    fputs(".SS \"opsgate ", f);
    roff_text(f, c->name, strlen(c->name));
    fputc(' ', f);
    roff_text(f, s->name, strlen(s->name));
    fputs("\"\n", f);
    synopsis(f, c, s);
    if (s->summary && *s->summary) { /* a sentence, as --help prints it */
        size_t n = strlen(s->summary);
        fprintf(f, ".PP\n%s%c", strchr(".'", s->summary[0]) ? "\\&" : "",
                toupper((unsigned char)s->summary[0]));
        roff_text(f, s->summary + 1, n - 1);
        fputs(s->summary[n - 1] == '.' ? "\n" : ".\n", f);
    }
    if (s->flags & OG_CLI_LOCAL)
        fputs("Acts as the local operator only: \\-\\-as is refused.\n", f);
    if (s->opts && s->opts[0].name) {
        fputs(".RS\n", f);
        options(f, s);
        fputs(".RE\n", f);
    }
}

static void page_header(FILE *f, const char *title, const char *name, const char *summary)
{
    fputs(".\\\" Generated by `opsgate __manpages` from the command tables: do not edit.\n", f);
    fprintf(f, ".TH \"%s\" 1 \"\" \"opsgate %s\" \"opsgate manual\"\n.SH NAME\n", title,
            OG_VERSION);
    roff_text(f, name, strlen(name));
    fputs(" \\- ", f);
    roff_line(f, summary);
}

static const char *const global_opts =
    ".SH GLOBAL OPTIONS\n"
    "Accepted anywhere on the command line, before a lone \\-\\-.\n"
    ".TP\n.BI \\-\\-data \" DIR\"\n"
    "The data folder (default: $OPSGATE_DATA, else ./opsgate\\-data).\n"
    ".TP\n.B \\-\\-json\n"
    "Print results as JSON, in the shapes the HTTP API returns.\n"
    ".TP\n.BI \\-\\-as \" USER\"\n"
    "Act as USER of the command's tenant (\\-\\-tenant), or as a platform admin, with that\n"
    "user's rights; recorded in the audit trail as local:<you> as user:USER.\n"
    ".TP\n.BR \\-h \", \" \\-\\-help\n"
    "Print the help of the command or subcommand.\n";

static void command_page(FILE *f, const og_command *c)
{
    char title[96];
    snprintf(title, sizeof(title), "OPSGATE-%s", c->name);
    for (char *p = title; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    snprintf(title + 64, 32, "opsgate-%s", c->name);
    page_header(f, title, title + 64, c->summary);
    fputs(".SH SYNOPSIS\n", f);
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++)
        synopsis(f, c, s);
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        for (const og_cli_sub *s = c->groups[g]->subs; s->name || s->run; s++)
            synopsis(f, c->groups[g], s);
    if (c->about) {
        fputs(".SH DESCRIPTION\n", f);
        roff_about(f, c->about);
    }
    if (c->subs[0].name || c->groups) {
        fputs(".SH SUBCOMMANDS\n", f);
        for (const og_cli_sub *s = c->subs; s->name || s->run; s++)
            sub_section(f, c, s);
        for (size_t g = 0; c->groups && c->groups[g]; g++) {
            if (c->groups[g]->about) {
                fputs(".SS \"", f);
                roff_text(f, c->groups[g]->name, strlen(c->groups[g]->name));
                fputs("\"\n", f);
                roff_about(f, c->groups[g]->about);
            }
            for (const og_cli_sub *s = c->groups[g]->subs; s->name || s->run; s++)
                sub_section(f, c->groups[g], s);
        }
    } else if (c->subs[0].opts && c->subs[0].opts[0].name) {
        fputs(".SH OPTIONS\n", f);
        options(f, &c->subs[0]);
        if (c->subs[0].flags & OG_CLI_LOCAL)
            fputs(".PP\nActs as the local operator only: \\-\\-as is refused.\n", f);
    }
    fputs(global_opts, f);
    fputs(".SH EXIT STATUS\n0 success; 1 the operation failed; 2 usage error.\n"
          ".SH SEE ALSO\n.BR opsgate (1)\n",
          f);
}

static const char *const main_page =
    ".SH SYNOPSIS\n"
    ".B opsgate\n"
    ".RB [ \\-\\-data\n.IR DIR ]\n"
    ".RB [ \\-\\-as\n.IR USER ]\n"
    ".RB [ \\-\\-json ]\n"
    ".I COMMAND\n"
    ".RI [ ARGS ...]\n"
    ".SH DESCRIPTION\n"
    "opsgate manages MSP clients' project artifacts and TLS certificates, tenant by tenant,\n"
    "with human\\-in\\-the\\-loop gates and a tamper\\-evident audit trail.\n"
    "Each command has a page of its own,\n"
    ".BR opsgate\\-COMMAND (1),\n"
    "and prints its help with \\-\\-help.\n";

static void opsgate_page(FILE *f)
{
    page_header(f, "OPSGATE", "opsgate",
                "MSP artifact repository and TLS certificate manager with human gates");
    fputs(main_page, f);
    fputs(".SH COMMANDS\n", f);
    for (size_t i = 0; og_cli_commands[i]; i++) {
        fprintf(f, ".TP\n.BR opsgate\\-%s (1)\n", og_cli_commands[i]->name);
        roff_line(f, og_cli_commands[i]->summary);
    }
    fputs(".TP\n.B help \\fR[\\fICOMMAND\\fR]\nPrint the list of commands, or a command's help.\n"
          ".TP\n.B version\nPrint the version.\n",
          f);
    fputs(global_opts, f);
    fputs(".SH EXIT STATUS\n"
          "0 success; 1 the operation failed or a check found a problem (a tenant, user or\n"
          "project that does not exist is 1); 2 usage error: an unknown command, subcommand or\n"
          "option, a missing or extra argument, or an option value of the wrong form.\n"
          ".SH ENVIRONMENT\n.TP\n.B OPSGATE_DATA\nThe data folder when \\-\\-data is not given.\n"
          ".SH SEE ALSO\n",
          f);
    for (size_t i = 0; og_cli_commands[i]; i++)
        fprintf(f, ".BR opsgate\\-%s (1)%s\n", og_cli_commands[i]->name,
                og_cli_commands[i + 1] ? "," : "");
}

static int write_page(const char *dir, const char *name, const og_command *c)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.1", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "opsgate: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (c)
        command_page(f, c);
    else
        opsgate_page(f);
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "opsgate: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

int og_cli_manpages(const char *dir)
{
    char name[96];
    if (write_page(dir, "opsgate", NULL) < 0)
        return -1;
    for (size_t i = 0; og_cli_commands[i]; i++) {
        snprintf(name, sizeof(name), "opsgate-%s", og_cli_commands[i]->name);
        if (write_page(dir, name, og_cli_commands[i]) < 0)
            return -1;
    }
    return 0;
}
