/* test_store_nodes_audit.c - audit chains stay linear with several nodes: 8 writers in 2
 * processes (each writer its own connection) append to one tenant's chain and to the platform
 * chain at once, in scoped writer transactions (as the hot write paths run); afterwards every
 * append is there, each chain's seq runs 1..n without gaps or forks, and audit verify passes.
 * Runs on both backends (on PostgreSQL the writers really run side by side). */
#include "store_fixture.h"
#include "opsgate/audit.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#define PER_WRITER 30
#define THREADS    4 /* per process; two processes */

static const char tenant_id[] = "t0nodes";

typedef struct writer {
    const char *url;
    int n;      /* writer number */
    int failed; /* appends that failed */
} writer;

/* One record in its own scoped transaction: even n to the tenant's chain, odd to the platform
 * chain (a platform record runs in a transaction scoped to nothing of its own). */
static int append_one(og_ctx *ctx, int w, int i)
{
    char target[32];
    snprintf(target, sizeof(target), "w%d-%d", w, i);
    int platform = i % 2;
    og_audit_rec rec = {.tenant_id = platform ? NULL : tenant_id,
                        .area = "artifacts",
                        .action = "artifact.put",
                        .target_type = "artifact",
                        .target_id = target};
    int rc = og_store_tx_begin_scope(ctx->store, platform ? NULL : tenant_id);
    if (rc < 0)
        return rc;
    rc = og_audit_append(ctx, &rec, NULL);
    return og_store_tx_end(ctx->store, rc);
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    og_actor_local(&ctx.actor);
    if (og_store_open(&ctx.store, w->url, 0) < 0) {
        fprintf(stderr, "writer %d: %s\n", w->n, og_error_last());
        w->failed = PER_WRITER;
        return NULL;
    }
    for (int i = 0; i < PER_WRITER; i++) {
        if (append_one(&ctx, w->n, i) < 0) {
            fprintf(stderr, "writer %d append %d: %s\n", w->n, i, og_error_last());
            w->failed++;
        }
    }
    og_store_close(ctx.store);
    return NULL;
}

/* THREADS writers numbered from first; the number of failed appends. */
static int run_writers(const char *url, int first)
{
    pthread_t th[THREADS];
    writer w[THREADS];
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        w[i] = (writer){.url = url, .n = first + i};
        if (pthread_create(&th[i], NULL, writer_main, &w[i]) != 0)
            return PER_WRITER * THREADS;
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failed += w[i].failed;
    }
    return failed;
}

static void check_chain(og_store *s, const char *chain, int64_t want)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, s,
                                 "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM"
                                 " audit_record WHERE chain = ?"));
    og_stmt_bind_text(st, 1, chain);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), want);
    assert_int_equal(og_stmt_col_int(st, 1), want);
    assert_int_equal(og_stmt_col_int(st, 2), 1);
    assert_int_equal(og_stmt_col_int(st, 3), want);
    og_stmt_free(st);
}

static void test_nodes__eight_writers_on_two_nodes_keep_the_chains_linear(void **state)
{
    fixture *f = *state;
    og_store *s = NULL;
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    og_actor_local(&ctx.actor);
    /* every module's schema on the fixture's database */
    OG_ASSERT_OK(og_store_open(&s, f->url, 1));
    ctx.store = s;
    /* the tenant's chain, opened by the platform record that creates it */
    og_audit_rec create = {.area = "tenant",
                           .action = "tenant.create",
                           .target_type = "tenant",
                           .target_id = tenant_id};
    OG_ASSERT_OK(og_store_tx_begin(s));
    OG_ASSERT_OK(og_audit_append(&ctx, &create, NULL));
    OG_ASSERT_OK(og_store_tx_commit(s));

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(run_writers(f->url, THREADS) ? 1 : 0);
    int failed = run_writers(f->url, 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(failed, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    int half = 2 * THREADS * PER_WRITER / 2;
    check_chain(s, "platform", 1 + half); /* tenant.create + the platform appends */
    check_chain(s, tenant_id, 1 + half);  /* chain.open + the tenant's appends */
    og_audit_verify_result res;
    memset(&res, 0, sizeof(res));
    if (og_audit_verify(&ctx, NULL, &res) < 0)
        fail_msg("audit verify: %s", og_error_last());
    assert_int_equal(res.records, 2 + 2 * half);
    og_store_close(s);
}

int main(void)
{
    if (fixture_skip_without_backend())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_nodes__eight_writers_on_two_nodes_keep_the_chains_linear, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
