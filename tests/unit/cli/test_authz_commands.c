/* test_authz_commands.c - every subcommand of the live command table (og_cli_commands) has a line
 * in tests/authz/cli_matrix.txt, every line names a subcommand that exists, and the lines marked
 * `local` are exactly the subcommands flagged OG_CLI_LOCAL (which refuse --as). */
#include "og_test.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 512

typedef struct {
    char key[128]; /* "acme account create", without a ":variant" */
    char kind[16]; /* data, local or offline */
    int used;
} matrix_line;

static int is_kind(const char *w)
{
    return !strcmp(w, "data") || !strcmp(w, "local") || !strcmp(w, "offline");
}

/* read_matrix: the command words and kind of every non-comment line of FILE; -1 when it cannot
 * be read, -2 for a line without a kind. */
static int read_matrix(const char *file, matrix_line *lines, size_t cap)
{
    FILE *f = fopen(file, "r");
    char buf[1024];
    int n = 0, bad = 0;
    if (!f)
        return -1;
    while (fgets(buf, sizeof(buf), f) && (size_t)n < cap) {
        char *hash = strchr(buf, '#'), *save = NULL, *w;
        matrix_line *l = &lines[n];
        if (hash)
            *hash = '\0';
        memset(l, 0, sizeof(*l));
        for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
            if (is_kind(w)) {
                snprintf(l->kind, sizeof(l->kind), "%s", w);
                break;
            }
            if (l->key[0])
                strncat(l->key, " ", sizeof(l->key) - strlen(l->key) - 1);
            strncat(l->key, w, sizeof(l->key) - strlen(l->key) - 1);
        }
        if (!l->key[0])
            continue;
        if (!l->kind[0]) {
            fprintf(stderr, "%s: '%s' has no kind (data, local or offline)\n", file, l->key);
            bad = 1;
        }
        char *colon = strchr(l->key, ':');
        if (colon)
            *colon = '\0';
        n++;
    }
    fclose(f);
    return bad ? -2 : n;
}

/* One subcommand: its lines must exist and agree with its OG_CLI_LOCAL flag. */
static int check_sub(const char *key, const og_cli_sub *s, matrix_line *lines, int n,
                     const char *file)
{
    int found = 0, problems = 0;
    for (int j = 0; j < n; j++) {
        if (strcmp(lines[j].key, key) != 0)
            continue;
        lines[j].used++;
        found = 1;
        if ((strcmp(lines[j].kind, "local") == 0) != ((s->flags & OG_CLI_LOCAL) != 0)) {
            fprintf(stderr, "%s: '%s' is %s, but the command %s OG_CLI_LOCAL\n", file, key,
                    lines[j].kind, s->flags & OG_CLI_LOCAL ? "is flagged" : "is not flagged");
            problems++;
        }
    }
    if (!found) {
        fprintf(stderr, "command `opsgate %s` has no line in %s\n", key, file);
        problems++;
    }
    return problems;
}

static int check_command(const og_command *c, matrix_line *lines, int n, const char *file)
{
    char key[160];
    int problems = 0;
    for (const og_cli_sub *s = c->subs; s->name || s->run; s++) {
        if (s->name)
            snprintf(key, sizeof(key), "%s %s", c->name, s->name);
        else
            snprintf(key, sizeof(key), "%s", c->name);
        problems += check_sub(key, s, lines, n, file);
    }
    for (size_t g = 0; c->groups && c->groups[g]; g++)
        problems += check_command(c->groups[g], lines, n, file);
    return problems;
}

/* check: subcommands without a line, lines without a subcommand and wrong kinds; each printed. */
static int check(const og_command *const *commands, const char *file)
{
    static matrix_line lines[MAX_LINES];
    int n = read_matrix(file, lines, MAX_LINES), problems = 0;
    if (n < 0) {
        fprintf(stderr, "cannot read %s\n", file);
        return 1;
    }
    for (size_t i = 0; commands[i]; i++)
        problems += check_command(commands[i], lines, n, file);
    for (int j = 0; j < n; j++) {
        if (!lines[j].used) {
            fprintf(stderr, "%s: '%s' names no command\n", file, lines[j].key);
            problems++;
        }
    }
    return problems;
}

static char *matrix_file(void)
{
    const char *src = getenv("OG_SOURCE_DIR");
    static char path[4096];
    snprintf(path, sizeof(path), "%s/tests/authz/cli_matrix.txt", src ? src : ".");
    return path;
}

static void test_authz_commands__every_subcommand_has_a_line(void **state)
{
    (void)state;
    assert_int_equal(check(og_cli_commands, matrix_file()), 0);
}

/* The test of the test: a copy of the matrix without its first line, with a line for a command
 * that does not exist and with `serve` marked `data` must give three problems. */
static void test_authz_commands__a_missing_stale_or_unmarked_line_is_caught(void **state)
{
    (void)state;
    char tmp[] = "/tmp/og-cli-authz-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w"), *in = fopen(matrix_file(), "r");
    char buf[1024];
    int dropped = 0, serve = 0;
    assert_non_null(out);
    assert_non_null(in);
    while (fgets(buf, sizeof(buf), in)) {
        if (!dropped && buf[0] != '#' && buf[0] != '\n') {
            dropped = 1;
            continue;
        }
        if (!strncmp(buf, "serve ", 6)) {
            char *k = strstr(buf, " local ");
            assert_non_null(k);
            memcpy(k, " data  ", 7);
            serve = 1;
        }
        fputs(buf, out);
    }
    fputs("tenant frobnicate  data  ok ok ok ok ok ok ok ok ok ok\n", out);
    fclose(in);
    fclose(out);
    assert_true(serve);
    assert_int_equal(check(og_cli_commands, tmp), 3);
    remove(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_commands__every_subcommand_has_a_line),
        cmocka_unit_test(test_authz_commands__a_missing_stale_or_unmarked_line_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
