/* test_artifacts_group.c - versions added by several threads at once, each on its own connection,
 * share commits (og_store_group_commit): every version is there with its content and its own
 * audit record, a version refused in a batch (unchanged content) fails alone, large objects
 * (files) go through batches too; an object file put in place by a transaction that is undone
 * goes back to its temporary name, so the same bytes commit again (a version re-run). */
#include "og_test.h"
#include "artifacts/artifacts_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITERS  6
#define VERSIONS 8
#define BIG      (400 * 1024) /* random bytes: sealed past the inline limit, so a file */

/* Version v of writer w's artifact: text, or random bytes for the writer of large ones. */
static size_t content(int w, int v, uint8_t *buf, size_t cap)
{
    if (w == WRITERS - 1) {
        uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(v + 1);
        for (size_t i = 0; i < BIG && i < cap; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        return BIG;
    }
    return (size_t)snprintf((char *)buf, cap, "# Runbook %d\n\nversion %d of writer %d: cut over\n",
                            w, v, w);
}

typedef struct writer {
    og_test_env *env;
    pthread_barrier_t *ready; /* each wrote its first version (its keys and artifact exist) */
    pthread_barrier_t *go;    /* the writer lock is held elsewhere: the rest at once */
    int id;
    int rc[VERSIONS];
    int unchanged_rc; /* the same content again: refused inside its batch */
    char unchanged_msg[160];
} writer;

static void *writer_run(void *arg)
{
    writer *w = arg;
    og_ctx c = w->env->ctx;
    char name[32];
    uint8_t *buf = malloc(BIG);
    og_artifact_put_opts po = {.kind = "runbook", .message = "edit"};
    c.store = og_test_raw_open(w->env); /* a connection of its own, as a server thread's */
    snprintf(name, sizeof(name), "w%d.%s", w->id, w->id == WRITERS - 1 ? "bin" : "md");
    og_artifact_ref r = {"acme", "fw", name};
    for (int v = 0; v < VERSIONS; v++) {
        size_t n = content(w->id, v, buf, BIG);
        if (v == 1) {
            pthread_barrier_wait(w->ready);
            pthread_barrier_wait(w->go);
        }
        w->rc[v] = og_artifact_put_buffer(&c, &r, &po, buf, n, NULL);
        if (v == VERSIONS / 2) {
            w->unchanged_rc = og_artifact_put_buffer(&c, &r, &po, buf, n, NULL);
            og_strlcpy(w->unchanged_msg, og_error_last(), sizeof(w->unchanged_msg));
        }
    }
    og_store_close(c.store);
    free(buf);
    return NULL;
}

static int64_t count(og_store *s, const char *sql)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s, sql));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static void test_group__concurrent_versions_each_with_content_and_record(void **state)
{
    og_test_env *env = *state;
    og_ctx *c = &env->ctx;
    writer ws[WRITERS];
    pthread_t th[WRITERS];
    int64_t c0, m0, c1, m1;
    og_store *hold = og_test_raw_open(env);
    pthread_barrier_t ready, go;
    pthread_barrier_init(&ready, NULL, WRITERS + 1);
    pthread_barrier_init(&go, NULL, WRITERS + 1);
    og_store_group_stats(c->store, &c0, &m0, NULL);
    for (int i = 0; i < WRITERS; i++) {
        memset(&ws[i], 0, sizeof(ws[i]));
        ws[i].env = env;
        ws[i].ready = &ready;
        ws[i].go = &go;
        ws[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, writer_run, &ws[i]), 0);
    }
    /* Then the writer lock held for a moment: the next version's commit waits for it and the
     * others queue behind that one meanwhile, as they do behind a slow fsync. */
    pthread_barrier_wait(&ready);
    OG_ASSERT_OK(og_store_tx_begin(hold));
    pthread_barrier_wait(&go);
    usleep(300000);
    OG_ASSERT_OK(og_store_tx_commit(hold));
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    og_store_group_stats(c->store, &c1, &m1, NULL);
    og_store_close(hold);
    pthread_barrier_destroy(&ready);
    pthread_barrier_destroy(&go);

    uint8_t *want = malloc(BIG), *got = malloc(BIG + 1);
    for (int i = 0; i < WRITERS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "w%d.%s", i, i == WRITERS - 1 ? "bin" : "md");
        og_artifact_ref r = {"acme", "fw", name};
        assert_int_equal(ws[i].unchanged_rc, OG_EEXISTS);
        assert_non_null(strstr(ws[i].unchanged_msg, "unchanged"));
        for (int v = 0; v < VERSIONS; v++) {
            og_artifact_reader *rd = NULL;
            size_t n = content(i, v, want, BIG), have = 0, k;
            assert_int_equal(ws[i].rc[v], 0);
            OG_ASSERT_OK(og_artifact_get_open(&rd, c, &r, v + 1, NULL));
            do {
                OG_ASSERT_OK(og_artifact_get_read(rd, got + have, BIG + 1 - have, &k));
                have += k;
            } while (k && have <= BIG);
            og_artifact_get_close(rd);
            assert_int_equal(have, n);
            assert_memory_equal(got, want, n);
        }
    }
    free(want);
    free(got);
    /* one artifact.put record per version, the chain whole */
    assert_int_equal(count(c->store, "SELECT count(*) FROM audit_record WHERE action ="
                                     " 'artifact.put'"),
                     WRITERS * VERSIONS);
    og_audit_verify_result res;
    memset(&res, 0, sizeof(res));
    OG_ASSERT_OK(og_audit_verify(c, NULL, &res));
    if (env->data_dir) {
        /* SQLite: every put (the refused ones too) went through the group, and some shared */
        assert_int_equal(m1 - m0, WRITERS * (VERSIONS + 1));
        assert_true(c1 - c0 < m1 - m0);
        fprintf(stderr, "%lld puts in %lld commits\n", (long long)(m1 - m0), (long long)(c1 - c0));
    } else {
        assert_int_equal(c1 - c0, 0); /* PostgreSQL: each commits alone */
    }
}

/* The files store's undo puts the object file back under its temporary name: committing the same
 * writer again (its version re-run in a new transaction) puts it in place once more. */
static void test_group__an_undone_object_file_commits_again(void **state)
{
    og_test_env *env = *state;
    og_ctx *c = &env->ctx;
    og_tenant t;
    art_keys k;
    art_obj_writer *w = NULL;
    uint8_t *buf = NULL, sha[32];
    uint64_t size = 0;
    char name[65], path[4096];
    int created = 0;
    struct stat sb;
    if (!env->data_dir)
        skip(); /* no data folder: the objects are rows, undone with their transaction */
    assert_non_null(buf = malloc(BIG));
    OG_ASSERT_OK(og_tenant_get(c, "acme", &t));
    OG_ASSERT_OK(og_artifacts__keys(c, t.id, 1, &k));
    content(WRITERS - 1, 99, buf, BIG);
    OG_ASSERT_OK(og_artifacts__obj_writer_new(&w, c, t.id));
    OG_ASSERT_OK(og_artifacts__obj_writer_write(w, buf, BIG));
    OG_ASSERT_OK(og_artifacts__obj_writer_end(w, sha, &size));

    OG_ASSERT_OK(og_store_tx_begin(c->store));
    OG_ASSERT_OK(og_artifacts__obj_writer_commit(w, c, &k, name, &created));
    assert_int_equal(created, 1);
    OG_ASSERT_OK(og_artifacts__obj_path(path, sizeof(path), c, t.id, name));
    assert_int_equal(stat(path, &sb), 0);
    og_store_tx_rollback(c->store); /* the batch's transaction is undone */
    og_artifacts__obj_writer_undo(w, name);
    assert_int_equal(stat(path, &sb), -1); /* not in place: no row names it */

    OG_ASSERT_OK(og_store_tx_begin(c->store)); /* run again */
    OG_ASSERT_OK(og_artifacts__obj_writer_commit(w, c, &k, name, &created));
    assert_int_equal(created, 1);
    OG_ASSERT_OK(og_store_tx_commit(c->store));
    OG_ASSERT_OK(og_artifacts__obj_writer_discard(w));
    og_artifacts__obj_writer_free(w);
    assert_int_equal(stat(path, &sb), 0);

    og_buf out;
    og_buf_init(&out, 2 * BIG);
    OG_ASSERT_OK(og_artifacts__obj_read_all(c, t.id, name, sha, size, &out));
    assert_int_equal(out.len, BIG);
    assert_memory_equal(out.data, buf, BIG);
    og_buf_free(&out);
    og_crypto_wipe(&k, sizeof(k));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_group__concurrent_versions_each_with_content_and_record, og_test_env_project,
            og_test_env_free),
        cmocka_unit_test_setup_teardown(test_group__an_undone_object_file_commits_again,
                                        og_test_env_project, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
