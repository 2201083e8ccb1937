/* test_store_walbuf.c - the WAL write-gathering VFS (src/store/walbuf.c).
 * Its file against a model (plain pwrite/pread) under random operations: overlapping rewrites,
 * reads of gathered ranges, partial frames, truncation, the WAL's restart at offset 0, commit
 * frames; the real file always holds the model's bytes after a commit frame's page, a sync, a
 * truncate and a close. Then SQLite on it: commits are one write each, other connections see
 * every commit at once, a copy of the files taken after a commit (what kill -9 leaves) opens with
 * every committed row, with synchronous FULL and NORMAL, through checkpoints and WAL restarts and
 * a transaction larger than the page cache that rewrites its own frames. SQLite only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

#define FSIZE 200000

typedef struct fx {
    char dir[64], db[128], wal[140];
} fx;

static int setup(void **state)
{
    fx *x = calloc(1, sizeof(*x));
    snprintf(x->dir, sizeof(x->dir), "/tmp/og-walbuf-XXXXXX");
    if (!mkdtemp(x->dir))
        return -1;
    snprintf(x->db, sizeof(x->db), "%s/t.db", x->dir);
    snprintf(x->wal, sizeof(x->wal), "%s-wal", x->db);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
    (void)system(cmd);
    free(x);
    return 0;
}

/* The whole real file equals the model's first size bytes. */
#define same_on_disk(p, m, s) same_on_disk_at(p, m, s, __LINE__)
static void same_on_disk_at(const char *path, const uint8_t *model, int64_t size, int line)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    if (sb.st_size != size)
        fail_msg("line %d: the file has %lld bytes, not %lld", line, (long long)sb.st_size,
                 (long long)size);
    uint8_t *got = malloc((size_t)size + 1);
    assert_int_equal(pread(fd, got, (size_t)size, 0), size);
    assert_memory_equal(got, model, (size_t)size);
    free(got);
    close(fd);
}

static sqlite3_file *wal_open(sqlite3_vfs *vfs, const char *path)
{
    sqlite3_file *f = calloc(1, (size_t)vfs->szOsFile);
    int out = 0;
    assert_int_equal(vfs->xOpen(vfs, path, f,
                                SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out),
                     SQLITE_OK);
    return f;
}

static void wal_close(sqlite3_file *f)
{
    assert_int_equal(f->pMethods->xClose(f), SQLITE_OK);
    free(f);
}

/* A random write: mostly frame-shaped, continuing the last one, sometimes anywhere. */
static void random_write(uint8_t *data, int *amt, int64_t *off, int64_t last_end, int64_t size)
{
    int r = rand() % 10;
    *amt = r < 4 ? 24 : r < 7 ? 4096 : r < 8 ? 32 : 1 + rand() % 9000;
    if (*amt == 32 && rand() % 2)
        *off = 0;
    else if (rand() % 4)
        *off = last_end;
    else
        *off = rand() % (size + 1);
    if (*off + *amt > FSIZE)
        *off = FSIZE - *amt;
    for (int i = 0; i < *amt; i++)
        data[i] = (uint8_t)rand();
    if (*amt == 24 && rand() % 3 == 0)
        memset(data + 4, 0, 4); /* not a commit frame */
}

static void model_run(fx *x, unsigned seed);

static void test_walbuf__file_matches_a_model(void **state)
{
    for (unsigned seed = 23; seed < 27; seed++)
        model_run(*state, seed);
}

static void model_run(fx *x, unsigned seed)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(og_store__walbuf_vfs());
    assert_non_null(vfs);
    close(open(x->db, O_CREAT | O_RDWR, 0600));
    uint8_t *model = calloc(1, FSIZE), *data = malloc(FSIZE), *got = malloc(FSIZE);
    int64_t size = 0, last_end = 0, page_due = -1;
    srand(seed);
    unlink(x->wal);
    sqlite3_file *f = wal_open(vfs, x->wal);
    for (int op = 0; op < 20000; op++) {
        int r = rand() % 100, amt;
        int64_t off;
        if (r < 70) {
            random_write(data, &amt, &off, last_end, size);
            assert_int_equal(f->pMethods->xWrite(f, data, amt, off), SQLITE_OK);
            memcpy(model + off, data, (size_t)amt);
            if (off + amt > size)
                size = off + amt;
            last_end = off + amt;
            if (off == page_due) /* a commit frame is whole: it is in the file */
                same_on_disk(x->wal, model, size);
            page_due = amt == 24 && (data[4] | data[5] | data[6] | data[7]) ? off + 24 : -1;
        } else if (r < 85) {
            off = rand() % (size + 1);
            amt = 1 + rand() % 9000;
            memset(got, 0xa5, (size_t)amt);
            int rc = f->pMethods->xRead(f, got, amt, off);
            int64_t have = size - off < amt ? size - off : amt;
            assert_int_equal(rc, have == amt ? SQLITE_OK : SQLITE_IOERR_SHORT_READ);
            assert_memory_equal(got, model + off, (size_t)have);
        } else if (r < 90) {
            sqlite3_int64 sz = -1;
            assert_int_equal(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
            assert_int_equal(sz, size);
        } else if (r < 95) {
            assert_int_equal(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
            same_on_disk(x->wal, model, size);
        } else if (r < 98) {
            int64_t to = rand() % (size + 1);
            assert_int_equal(f->pMethods->xTruncate(f, to), SQLITE_OK);
            memset(model + to, 0, (size_t)(FSIZE - to));
            size = to;
            same_on_disk(x->wal, model, size);
        } else {
            wal_close(f);
            same_on_disk(x->wal, model, size);
            f = wal_open(vfs, x->wal);
            page_due = -1;
        }
    }
    wal_close(f);
    same_on_disk(x->wal, model, size);
    free(model);
    free(data);
    free(got);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t count_rows(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*), sum(length(v)) FROM t", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static sqlite3 *db_open(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    return db;
}

/* What kill -9 right now leaves: the database and WAL files as they are, copied and opened. */
static int64_t rows_after_a_kill(fx *x)
{
    char cmd[1024], copy[160];
    snprintf(copy, sizeof(copy), "%s/copy.db", x->dir);
    snprintf(cmd, sizeof(cmd), "rm -f %s*; cp %s %s; cp %s %s-wal", copy, x->db, copy, x->wal,
             copy);
    assert_int_equal(system(cmd), 0);
    sqlite3 *db = db_open(copy, NULL);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    int64_t n = count_rows(db);
    sqlite3_close(db);
    return n;
}

static void commits(fx *x, const char *sync)
{
    sqlite3 *w = db_open(x->db, og_store__walbuf_vfs()), *r = db_open(x->db, NULL);
    char sql[256];
    long in0, out0, in1, out1;
    snprintf(sql, sizeof(sql),
             "PRAGMA synchronous=%s; PRAGMA wal_autocheckpoint=50;"
             " CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v BLOB);"
             " CREATE INDEX IF NOT EXISTS t_v ON t(v)",
             sync);
    exec_ok(w, sql);
    int64_t base = count_rows(w);
    og_store__walbuf_stats(&in0, &out0);
    for (int i = 0; i < 300; i++) {
        exec_ok(w, "BEGIN IMMEDIATE");
        for (int k = 0; k < 8; k++)
            exec_ok(w, "INSERT INTO t(v) VALUES (randomblob(300))");
        exec_ok(w, "COMMIT");
        /* another connection sees the commit at once; so does a crash */
        assert_int_equal(count_rows(r), base + 8 * (i + 1));
        if (i % 50 == 7)
            assert_int_equal(rows_after_a_kill(x), base + 8 * (i + 1));
    }
    og_store__walbuf_stats(&in1, &out1);
    /* several frames a commit, each two writes; given as one write a commit, and one for the
     * WAL's header when it starts over after a checkpoint (every few commits here) */
    fprintf(stderr, "synchronous=%s: %ld writes made to the WAL, %ld given to the file\n", sync,
            in1 - in0, out1 - out0);
    assert_true(in1 - in0 >= 300 * 4);
    assert_true(out1 - out0 <= 300 + 300 / 2);
    sqlite3_close(r);
    sqlite3_close(w);
}

static void test_walbuf__one_write_per_commit_seen_at_once(void **state)
{
    commits(*state, "FULL");
    commits(*state, "NORMAL");
}

/* A transaction larger than the page cache spills frames, then writes some pages again (their
 * frames rewritten in place, the checksums after them rewritten at the commit). */
static void test_walbuf__large_transaction_rewriting_frames(void **state)
{
    fx *x = *state;
    sqlite3 *w = db_open(x->db, og_store__walbuf_vfs()), *r = db_open(x->db, NULL);
    exec_ok(w, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=10;"
               " CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    for (int round = 0; round < 3; round++) {
        exec_ok(w, "BEGIN IMMEDIATE");
        for (int k = 0; k < 400; k++)
            exec_ok(w, "INSERT INTO t(v) VALUES (randomblob(200))");
        exec_ok(w, "UPDATE t SET v = randomblob(210) WHERE k % 7 = 0");
        exec_ok(w, "UPDATE t SET v = randomblob(190) WHERE k % 5 = 0");
        exec_ok(w, "COMMIT");
        assert_int_equal(count_rows(r), 400 * (round + 1));
        assert_int_equal(rows_after_a_kill(x), 400 * (round + 1));
    }
    exec_ok(w, "BEGIN IMMEDIATE; DELETE FROM t; ROLLBACK");
    assert_int_equal(count_rows(r), 1200);
    assert_int_equal(rows_after_a_kill(x), 1200);
    exec_ok(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_int_equal(rows_after_a_kill(x), 1200);
    sqlite3_close(r);
    sqlite3_close(w);
}

int main(void)
{
    const char *be = getenv("OG_TEST_BACKEND");
    if (be && strcmp(be, "pg") == 0) {
        fprintf(stderr, "SKIP: SQLite's VFS\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walbuf__file_matches_a_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walbuf__one_write_per_commit_seen_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_walbuf__large_transaction_rewriting_frames, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
