/* test_shell.c - the completion scripts and man pages cover the command tables: every command,
 * subcommand and (visible) option of og_cli_commands appears in `opsgate completion bash`, in
 * `opsgate completion zsh` and in the man page of its command (src/cli/completion.c, manpage.c). */
#include "og_test.h"
#include "cli/cli.h"
#include "cli/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *completion(const char *shell)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(og_cli_completion(f, shell), 0);
    fclose(f);
    return buf;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    if (!f)
        return NULL;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* The value of table `name[key]` in script s (up to the end of its line), or NULL. */
static char *table_line(const char *s, const char *name, const char *key, char *out, size_t size)
{
    char head[256];
    if (strstr(s, "#compdef")) /* zsh: name+=('key' VALUE) */
        snprintf(head, sizeof(head), "%s+=('%s' ", name, key);
    else
        snprintf(head, sizeof(head), "%s['%s']=", name, key);
    const char *p = strstr(s, head);
    if (!p)
        return NULL;
    p += strlen(head);
    const char *nl = strchr(p, '\n');
    snprintf(out, size, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
    return out;
}

typedef struct {
    const char *bash, *zsh, *man; /* man: the page of the top-level command */
    int problems;
} docs;

static void miss(docs *d, const char *where, const char *what, const char *key)
{
    fprintf(stderr, "%s lacks %s of `opsgate %s`\n", where, what, key);
    d->problems++;
}

/* The man page's section of one subcommand: from its .SS to the next .SS or .SH. */
static char *man_section(const char *man, const char *key, char *out, size_t size)
{
    char head[256];
    size_t n = (size_t)snprintf(head, sizeof(head), ".SS \"opsgate ");
    for (const char *k = key; *k && n + 8 < sizeof(head); k++) /* '-' is \- in roff */
        n += (size_t)snprintf(head + n, sizeof(head) - n, *k == '-' ? "\\-" : "%c", *k);
    snprintf(head + n, sizeof(head) - n, "\"\n");
    const char *p = strstr(man, head);
    if (!p)
        return NULL;
    const char *end = strstr(p + 1, "\n.S");
    snprintf(out, size, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
    return out;
}

static void check_sub(docs *d, const char *key, const og_cli_sub *s, bool own_section)
{
    static char line[8192], sec[16384];
    char word[200], roff[160];
    const char *b = table_line(d->bash, "_opsgate_opts", key, line, sizeof(line));
    if (!b)
        miss(d, "bash completion", "the options table", key);
    for (const og_cli_opt *o = s->opts; b && o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        snprintf(word, sizeof(word), "--%s", o->name);
        char pad[210];
        snprintf(pad, sizeof(pad), " %s ", word);
        char padded[8200];
        snprintf(padded, sizeof(padded), " %.*s ", (int)strlen(line) - 2, line + 1);
        if (!strstr(padded, pad))
            miss(d, "bash completion", word, key);
    }
    const char *z = table_line(d->zsh, "_opsgate_opts", key, line, sizeof(line));
    if (!z)
        miss(d, "zsh completion", "the options table", key);
    for (const og_cli_opt *o = s->opts; z && o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        snprintf(word, sizeof(word), "'--%s:", o->name);
        if (!strstr(line, word))
            miss(d, "zsh completion", word, key);
    }
    const char *m = own_section ? man_section(d->man, key, sec, sizeof(sec)) : d->man;
    if (!m) {
        miss(d, "man page", "the section", key);
        return;
    }
    for (const og_cli_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & OG_CLI_HIDDEN)
            continue;
        size_t n = 0;
        for (const char *q = "--"; *q; q++)
            n += (size_t)snprintf(roff + n, sizeof(roff) - n, "\\-");
        for (const char *q = o->name; *q && n + 3 < sizeof(roff); q++)
            n += (size_t)snprintf(roff + n, sizeof(roff) - n, *q == '-' ? "\\-" : "%c", *q);
        snprintf(word, sizeof(word), "%s\n", roff); /* the .TP tag ends the line or has a value */
        if (!strstr(m, word) && !(snprintf(word, sizeof(word), "%s \\fI", roff), strstr(m, word)))
            miss(d, "man page", roff, key);
    }
}

static void check_command(docs *d, const og_command *c)
{
    char key[160], line[4096];
    if (!c->subs[0].name && !c->groups) {
        check_sub(d, c->name, &c->subs[0], false);
        return;
    }
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++) {
        snprintf(key, sizeof(key), "%s %s", c->name, s->name);
        if (!table_line(d->bash, "_opsgate_subs", c->name, line, sizeof(line)) ||
            !strstr(line, s->name))
            miss(d, "bash completion", "the subcommand", key);
        if (!table_line(d->zsh, "_opsgate_subs", c->name, line, sizeof(line)) ||
            !strstr(line, s->name))
            miss(d, "zsh completion", "the subcommand", key);
        check_sub(d, key, s, true);
    }
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        check_command(d, c->groups[g]);
}

static void test_shell__every_command_and_option_is_in_completion_and_man(void **state)
{
    (void)state;
    char *dir = og_test_tmpdir(), path[4096];
    docs d = {.bash = completion("bash"), .zsh = completion("zsh")};
    assert_int_equal(og_cli_manpages(dir), 0);
    snprintf(path, sizeof(path), "%s/opsgate.1", dir);
    char *main_page = slurp(path);
    assert_non_null(main_page);
    /* "'init serve ... completion'" as "'init ... completion ": each command followed by ' '. */
    char cmds[2048];
    const char *list = strstr(d.bash, "_opsgate_commands='");
    assert_non_null(list);
    snprintf(cmds, sizeof(cmds), " %.*s ", (int)strcspn(list + 19, "'"), list + 19);
    for (size_t i = 0; og_cli_commands[i]; i++) {
        const og_command *c = og_cli_commands[i];
        char word[128];
        snprintf(word, sizeof(word), " %s ", c->name);
        if (!strstr(cmds, word))
            miss(&d, "bash completion", "the command", c->name);
        snprintf(word, sizeof(word), "\n    %s '", c->name);
        if (!strstr(d.zsh, word))
            miss(&d, "zsh completion", "the command", c->name);
        snprintf(word, sizeof(word), ".BR opsgate\\-%s (1)", c->name);
        if (!strstr(main_page, word))
            miss(&d, "opsgate(1)", "the command", c->name);
        snprintf(path, sizeof(path), "%s/opsgate-%s.1", dir, c->name);
        char *man = slurp(path);
        if (!man) {
            miss(&d, path, "the page", c->name);
            continue;
        }
        d.man = man;
        check_command(&d, c);
        free(man);
    }
    assert_int_equal(d.problems, 0);
    free(main_page);
    free((char *)d.bash);
    free((char *)d.zsh);
    og_test_rmrf(dir);
    free(dir);
}

/* The test of the test: a script without an option is caught. */
static void test_shell__a_missing_option_is_caught(void **state)
{
    (void)state;
    char *bash = completion("bash"), *zsh = completion("zsh");
    docs d = {.bash = bash, .zsh = zsh, .man = ""};
    char *p = strstr(bash, "_opsgate_opts['token create']=");
    assert_non_null(p);
    char *t = strstr(p, "--tenant");
    assert_non_null(t);
    memcpy(t, "--xxxxxx", 8);
    static const og_cli_opt opts[] = {OG_CLI_OPT_TENANT, {0}};
    og_cli_sub s = {.name = "create", .opts = opts};
    check_sub(&d, "token create", &s, false);
    assert_int_equal(d.problems, 2); /* bash, and the empty man page */
    free(bash);
    free(zsh);
}

static void test_shell__unknown_shell_is_refused(void **state)
{
    (void)state;
    assert_int_equal(og_cli_completion(stdout, "fish"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shell__every_command_and_option_is_in_completion_and_man),
        cmocka_unit_test(test_shell__a_missing_option_is_caught),
        cmocka_unit_test(test_shell__unknown_shell_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
