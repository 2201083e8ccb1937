/* test_store_snapshot.c - og_store_snapshot, the database copy of `opsgate backup`: the copy is
 * the database as it was when hold ran, whatever other connections write during the copy; hold
 * sees that same snapshot; a PostgreSQL URL and a file with contents are refused.
 * og_store_snapshot_stream gives the same bytes to a sink, in order, in bounded pieces, with
 * writers going on; a sink's error ends it with that error. SQLite only
 * (OG_SQLITE_ONLY in CMakeLists.txt: the PostgreSQL backend makes no snapshot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsgate/error.h"
#include "opsgate/store.h"

#define ROWS 200 /* of 100 KB each: several backup steps of 4096 pages */

typedef struct snap {
    char dir[256], url[300], dest[300];
    og_store *s, *writer;
    int64_t held_rows;
    int writes_during_copy, steps;
} snap;

static int64_t count(og_store *s)
{
    og_stmt *st = NULL;
    int64_t n = -1;
    if (og_stmt_prepare(&st, s, "SELECT count(*) FROM snaptest") == 0 && og_stmt_step(st) == OG_ROW)
        n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static int hold(og_store *view, void *arg)
{
    snap *x = arg;
    x->held_rows = count(view);
    return 0;
}

/* Called between copy steps: another connection commits a row each time. */
static void during(int64_t done, int64_t total, void *arg)
{
    snap *x = arg;
    assert_true(done <= total);
    x->steps++;
    if (og_store_exec(x->writer, "INSERT INTO snaptest (n, b) VALUES (-1, randomblob(10))") == 0)
        x->writes_during_copy++;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)f;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state)
{
    snap *x = calloc(1, sizeof(*x));
    const char *be = getenv("OG_TEST_BACKEND");
    if (be && strcmp(be, "pg") == 0) {
        free(x);
        return -1;
    }
    snprintf(x->dir, sizeof(x->dir), "%s/og-snap-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->url, sizeof(x->url), "%s/opsgate.db", x->dir);
    snprintf(x->dest, sizeof(x->dest), "%s/copy.db", x->dir);
    assert_int_equal(og_store_open(&x->s, x->url, 1), 0);
    assert_int_equal(og_store_exec(x->s, "CREATE TABLE snaptest (n INTEGER, b BLOB)"), 0);
    assert_int_equal(og_store_exec(x->s, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                                         " FROM c WHERE i < 200) INSERT INTO snaptest SELECT i,"
                                         " randomblob(100000) FROM c"),
                     0);
    assert_int_equal(og_store_open(&x->writer, x->url, 0), 0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    snap *x = *state;
    og_store_close(x->s);
    og_store_close(x->writer);
    nftw(x->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    free(x);
    return 0;
}

static void test_snapshot__is_the_database_as_hold_saw_it(void **state)
{
    snap *x = *state;
    og_store *copy = NULL;
    struct stat sb;
    int rc = og_store_snapshot(x->url, x->dest, hold, x, during, x);
    if (rc)
        print_error("%s\n", og_error_last());
    assert_int_equal(rc, 0);
    assert_int_equal(x->held_rows, ROWS);
    assert_true(x->steps >= 2);
    assert_true(x->writes_during_copy >= 2); /* writers were not blocked by the copy */
    assert_int_equal(count(x->s), ROWS + x->writes_during_copy);
    assert_int_equal(stat(x->dest, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(og_store_open(&copy, x->dest, 0), 0);
    assert_int_equal(count(copy), ROWS); /* nothing written after hold */
    og_store_close(copy);
}

static void test_snapshot__unreachable_postgres_and_a_file_with_contents(void **state)
{
    snap *x = *state;
    FILE *f;
    /* a PostgreSQL snapshot (tests/integration/test_backup_pg.sh) needs its server */
    assert_int_equal(og_store_snapshot("postgresql://127.0.0.1:1/none?connect_timeout=2", x->dest,
                                       NULL, NULL, NULL, NULL),
                     OG_EBUSY);
    assert_non_null(strstr(og_error_last(), "cannot connect"));
    f = fopen(x->dest, "w");
    assert_non_null(f);
    fputs("keep me", f);
    fclose(f);
    assert_int_equal(og_store_snapshot(x->url, x->dest, NULL, NULL, NULL, NULL), OG_EEXISTS);
    assert_int_equal(
        og_store_snapshot("postgresql://127.0.0.1:1/none", x->dest, NULL, NULL, NULL, NULL),
        OG_EEXISTS);
    f = fopen(x->dest, "r");
    char buf[16] = "";
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "keep me"); /* not touched */
}

/* A sink that writes into a file (and fails at its fail-th piece when fail > 0). */
typedef struct filesink {
    FILE *f;
    int begun, pieces, fail;
    int64_t size, got;
    size_t largest;
} filesink;

static int fs_begin(void *arg, int64_t size)
{
    filesink *k = arg;
    assert_int_equal(k->begun, 0);
    assert_int_equal(k->pieces, 0);
    k->begun = 1;
    k->size = size;
    return 0;
}

static int fs_data(void *arg, const void *buf, size_t len)
{
    filesink *k = arg;
    assert_int_equal(k->begun, 1);
    k->pieces++;
    if (len > k->largest)
        k->largest = len;
    if (k->fail && k->pieces == k->fail)
        return og_error_set(OG_ENOSPACE, "the sink is full (test)");
    assert_int_equal(fwrite(buf, 1, len, k->f), len);
    k->got += (int64_t)len;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int64_t integrity_ok(const char *path)
{
    og_store *copy = NULL;
    og_stmt *st = NULL;
    int ok = 0;
    assert_int_equal(og_store_open(&copy, path, 0), 0);
    assert_int_equal(og_stmt_prepare(&st, copy, "PRAGMA integrity_check"), 0);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    ok = strcmp(og_stmt_col_text(st, 0), "ok") == 0;
    og_stmt_free(st);
    int64_t n = ok ? count(copy) : -1;
    og_store_close(copy);
    return n;
}

static void test_snapshot_stream__same_bytes_with_writers_going_on(void **state)
{
    snap *x = *state;
    char streamed[320];
    filesink k = {0};
    og_store_snapshot_sink sink = {fs_begin, fs_data, &k};
    size_t alen, blen;
    snprintf(streamed, sizeof(streamed), "%s/streamed.db", x->dir);
    /* with no writer, the stream is the file og_store_snapshot writes, byte for byte */
    assert_int_equal(og_store_snapshot(x->url, x->dest, NULL, NULL, NULL, NULL), 0);
    assert_non_null(k.f = fopen(streamed, "wb"));
    int rc = og_store_snapshot_stream(x->url, hold, x, &sink, NULL, NULL);
    if (rc)
        print_error("%s\n", og_error_last());
    assert_int_equal(rc, 0);
    fclose(k.f);
    assert_int_equal(k.got, k.size);
    assert_true(k.largest <= 1024 * 1024);
    assert_true(k.pieces >= 10); /* 20 MB in pieces: never the whole in memory */
    char *a = slurp(x->dest, &alen), *b = slurp(streamed, &blen);
    assert_int_equal(alen, blen);
    assert_int_equal(blen, (size_t)k.size);
    assert_memory_equal(a, b, alen);
    free(a);
    free(b);
    /* a writer commits between pieces: the stream is the database as hold saw it */
    memset(&k, 0, sizeof(k));
    unlink(streamed);
    assert_non_null(k.f = fopen(streamed, "wb"));
    x->writes_during_copy = 0;
    assert_int_equal(og_store_snapshot_stream(x->url, hold, x, &sink, during, x), 0);
    fclose(k.f);
    assert_int_equal(x->held_rows, ROWS);
    assert_true(x->writes_during_copy >= 10); /* writers were not blocked by the copy */
    assert_int_equal(count(x->s), ROWS + x->writes_during_copy);
    assert_int_equal(integrity_ok(streamed), ROWS); /* nothing written after hold */
}

static void test_snapshot_stream__sink_error_ends_it(void **state)
{
    snap *x = *state;
    filesink k = {.fail = 3};
    og_store_snapshot_sink sink = {fs_begin, fs_data, &k};
    assert_non_null(k.f = fopen("/dev/null", "wb"));
    assert_int_equal(og_store_snapshot_stream(x->url, NULL, NULL, &sink, NULL, NULL), OG_ENOSPACE);
    assert_string_equal(og_error_last(), "the sink is full (test)");
    fclose(k.f);
    assert_int_equal(k.pieces, 3); /* nothing after the failure */
    /* the database is as it was, and writable */
    assert_int_equal(og_store_exec(x->writer, "INSERT INTO snaptest (n) VALUES (-2)"), 0);
    assert_int_equal(count(x->s), ROWS + 1);
    assert_int_equal(
        og_store_snapshot_stream("postgresql://127.0.0.1:1/none", NULL, NULL, &sink, NULL, NULL),
        OG_EINVAL);
}

int main(void)
{
    const char *be = getenv("OG_TEST_BACKEND");
    if (be && strcmp(be, "pg") == 0) {
        fprintf(stderr,
                "SKIP: its snapshot is PostgreSQL's (tests/integration/test_backup_pg.sh)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot__is_the_database_as_hold_saw_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_snapshot__unreachable_postgres_and_a_file_with_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_stream__same_bytes_with_writers_going_on,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_stream__sink_error_ends_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
