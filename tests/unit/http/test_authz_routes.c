/* test_authz_routes.c - every route of the live route table has a line in tests/authz/matrix.txt,
 * and every line of the matrix names a route that exists. */
#include "og_test.h"
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 512

typedef struct {
    char method[16];
    char path[256];
    int used;
} matrix_line;

/* read_matrix: METHOD and PATH of every non-comment line of FILE; -1 when it cannot be read. */
static int read_matrix(const char *file, matrix_line *lines, size_t cap)
{
    FILE *f = fopen(file, "r");
    char buf[1024];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(buf, sizeof(buf), f) && (size_t)n < cap) {
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        if (sscanf(buf, "%15s %255s", lines[n].method, lines[n].path) == 2) {
            lines[n].used = 0;
            n++;
        }
    }
    fclose(f);
    return n;
}

/* check: the number of routes without a line plus lines without a route; each printed. */
static int check(const og_http_route *routes, size_t nroutes, const char *file)
{
    static matrix_line lines[MAX_LINES];
    int n = read_matrix(file, lines, MAX_LINES), problems = 0;
    if (n < 0) {
        fprintf(stderr, "cannot read %s\n", file);
        return 1;
    }
    for (size_t i = 0; i < nroutes; i++) {
        int found = 0;
        for (int j = 0; j < n; j++) {
            if (!strcmp(lines[j].method, routes[i].method) &&
                !strcmp(lines[j].path, routes[i].pattern)) {
                lines[j].used++;
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "route %s %s has no line in %s\n", routes[i].method, routes[i].pattern,
                    file);
            problems++;
        }
    }
    for (int j = 0; j < n; j++) {
        if (lines[j].used != 1) {
            fprintf(stderr, "%s: %s %s %s\n", file, lines[j].method, lines[j].path,
                    lines[j].used ? "listed twice" : "names no route");
            problems++;
        }
    }
    return problems;
}

static char *matrix_file(void)
{
    const char *src = getenv("OG_SOURCE_DIR");
    static char path[4096];
    snprintf(path, sizeof(path), "%s/tests/authz/matrix.txt", src ? src : ".");
    return path;
}

static void test_authz_routes__every_route_has_exactly_one_line(void **state)
{
    (void)state;
    assert_int_equal(check(og_http__routes, og_http__nroutes, matrix_file()), 0);
}

/* The test of the test: a copy of the matrix without its first route line and with a line for a
 * route that does not exist must give two problems. */
static void test_authz_routes__a_missing_or_stale_line_is_caught(void **state)
{
    (void)state;
    char tmp[] = "/tmp/og-authz-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w"), *in = fopen(matrix_file(), "r");
    char buf[1024];
    int dropped = 0;
    assert_non_null(out);
    assert_non_null(in);
    while (fgets(buf, sizeof(buf), in)) {
        if (!dropped && buf[0] != '#' && buf[0] != '\n') {
            dropped = 1;
            continue;
        }
        fputs(buf, out);
    }
    fputs("GET /api/v1/no-such-route 200 200 200 200 200 200 - - 401 401 401\n", out);
    fclose(in);
    fclose(out);
    assert_int_equal(check(og_http__routes, og_http__nroutes, tmp), 2);
    remove(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_routes__every_route_has_exactly_one_line),
        cmocka_unit_test(test_authz_routes__a_missing_or_stale_line_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
