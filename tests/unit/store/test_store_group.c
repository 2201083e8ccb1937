/* test_store_group.c - group commit (og_store_group_commit): members alone and nested, concurrent
 * writers sharing commits, a member failing alone, a member that takes the transaction with it
 * (the others run again), a failed commit (every member told, outside work undone), bulk writes
 * committing alone. On PostgreSQL every member commits alone, and the same answers hold. */
#include "store_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

/* What a member does: insert (key, 1) into t in a level of its own, then per its mode. */
enum { OK, FAIL, BREAK, DANGLE, BAD_FK };

typedef struct member {
    const char *key;
    int mode;
    useconds_t hold_us; /* sleep inside the level (the leader holds its batch open) */
    atomic_int runs, undos;
    atomic_int *started; /* set once the level is open (another thread waits for it) */
} member;

static int member_fn(og_store *batch, void *arg)
{
    member *m = arg;
    int error;
    atomic_fetch_add(&m->runs, 1);
    if ((error = og_store_tx_begin(batch)) < 0)
        return error;
    error = og_store_run(batch, "INSERT INTO t (k, v) VALUES (?, 1)", "t", m->key);
    if (m->started)
        atomic_store(m->started, 1);
    if (m->hold_us)
        usleep(m->hold_us);
    if (error >= 0 && m->mode == FAIL) {
        error = og_error_set(OG_EINVAL, "member %s refuses", m->key);
        og_error_set_detail("member_refused");
    }
    if (error >= 0 && m->mode == BREAK) {
        /* what SQLite does by itself on a full disk or an I/O error: the whole transaction goes */
        og_store_exec(batch, "ROLLBACK");
        error = og_error_set(OG_ERROR, "member %s: disk full (simulated)", m->key);
    }
    if (error >= 0 && m->mode == BAD_FK) {
        /* a row the commit refuses: the deferred foreign key is checked only by the COMMIT */
        if ((error = og_store_exec(batch, "PRAGMA defer_foreign_keys = ON")) >= 0)
            error = og_store_run(batch, "INSERT INTO u (k, n) VALUES ('nobody', 1)", "");
    }
    if (m->mode == DANGLE)
        return error; /* its level left open: the group must not commit it */
    return og_store_tx_end(batch, error);
}

static void member_undo(void *arg)
{
    member *m = arg;
    atomic_fetch_add(&m->undos, 1);
}

static int has_key(og_store *s, const char *key)
{
    int rc = og_store_run(s, "SELECT 1 FROM t WHERE k = ?", "t", key);
    assert_true(rc >= 0);
    return rc;
}

/* ---- a thread calling og_store_group_commit on a connection of its own ---- */
typedef struct caller {
    fixture *f;
    member *m;
    int n; /* members m[0..n-1] one after the other */
    int rc[64];
    char msg[64][160];
    const char *detail[64];
} caller;

static void *caller_run(void *arg)
{
    caller *c = arg;
    og_store *s = NULL;
    if (fixture_open(c->f, &s) < 0) {
        c->rc[0] = -100;
        return NULL;
    }
    for (int i = 0; i < c->n; i++) {
        c->rc[i] = og_store_group_commit(s, member_fn, member_undo, &c->m[i]);
        og_strlcpy(c->msg[i], c->rc[i] < 0 ? og_error_last() : "", sizeof(c->msg[i]));
        c->detail[i] = c->rc[i] < 0 ? og_error_detail() : "";
    }
    og_store_close(s);
    return NULL;
}

/* A leader holding its batch open until the others queued behind it, then the others: they run
 * as one batch of their own (on SQLite), in the order they queued. */
static void run_behind_a_leader(fixture *f, member *lead, member *others, int n, caller *cs)
{
    atomic_int started = 0;
    pthread_t lt, th[8];
    caller lc = {.f = f, .m = lead, .n = 1};
    lead->hold_us = 300000;
    lead->started = &started;
    assert_int_equal(pthread_create(&lt, NULL, caller_run, &lc), 0);
    while (!atomic_load(&started))
        usleep(1000);
    for (int i = 0; i < n; i++) {
        cs[i] = (caller){.f = f, .m = &others[i], .n = 1};
        assert_int_equal(pthread_create(&th[i], NULL, caller_run, &cs[i]), 0);
        usleep(20000); /* queued in this order */
    }
    pthread_join(lt, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(lc.rc[0], 0);
}

static void test_group__alone_it_commits_or_fails_as_one_transaction(void **state)
{
    fixture *f = *state;
    member ok = {.key = "alone-ok"}, no = {.key = "alone-no", .mode = FAIL};
    og_store *other = NULL;
    int64_t c0, m0, c1, m1;
    OG_ASSERT_OK(fixture_open(f, &other));
    og_store_group_stats(f->s, &c0, &m0, NULL);
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &ok), 0);
    assert_int_equal(has_key(other, "alone-ok"), 1); /* committed: another connection sees it */
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &no), OG_EINVAL);
    assert_string_equal(og_error_last(), "member alone-no refuses");
    assert_string_equal(og_error_detail(), "member_refused");
    assert_int_equal(has_key(other, "alone-no"), 0);
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(atomic_load(&ok.undos) + atomic_load(&no.undos), 0);
    og_store_group_stats(f->s, &c1, &m1, NULL);
    /* counted where there is a group (SQLite), nothing on PostgreSQL */
    assert_int_equal(c1 - c0, f->pg ? 0 : 2);
    assert_int_equal(m1 - m0, f->pg ? 0 : 2);
    og_store_close(other);
}

static void test_group__inside_a_transaction_it_nests_there(void **state)
{
    fixture *f = *state;
    member a = {.key = "nested-a"}, b = {.key = "nested-b"};
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &a), 0);
    assert_int_equal(og_store_tx_depth(f->s), 1);
    og_store_tx_rollback(f->s); /* the caller's transaction takes it back */
    assert_int_equal(has_key(f->s, "nested-a"), 0);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &b), 0);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_int_equal(has_key(f->s, "nested-b"), 1);
}

static void test_group__a_member_left_open_is_undone(void **state)
{
    fixture *f = *state;
    member d = {.key = "dangling", .mode = DANGLE};
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &d), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "left its transaction open"));
    assert_int_equal(og_store_tx_depth(f->s), 0);
    assert_int_equal(has_key(f->s, "dangling"), 0);
}

#define WRITERS 8
#define EACH    25

static void test_group__concurrent_writers_share_commits(void **state)
{
    fixture *f = *state;
    static member ms[WRITERS][EACH];
    static char keys[WRITERS][EACH][16];
    caller cs[WRITERS];
    pthread_t th[WRITERS];
    int64_t c0, m0, c1, m1;
    og_store_group_stats(f->s, &c0, &m0, NULL);
    for (int w = 0; w < WRITERS; w++) {
        for (int i = 0; i < EACH; i++) {
            snprintf(keys[w][i], sizeof(keys[w][i]), "w%d-%d", w, i);
            memset(&ms[w][i], 0, sizeof(ms[w][i]));
            ms[w][i].key = keys[w][i];
            ms[w][i].hold_us = 1000; /* a commit takes a while: the others queue meanwhile */
        }
        cs[w] = (caller){.f = f, .m = ms[w], .n = EACH};
        assert_int_equal(pthread_create(&th[w], NULL, caller_run, &cs[w]), 0);
    }
    for (int w = 0; w < WRITERS; w++)
        pthread_join(th[w], NULL);
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < EACH; i++) {
            assert_int_equal(cs[w].rc[i], 0);
            assert_int_equal(atomic_load(&ms[w][i].runs), 1);
            assert_int_equal(has_key(f->s, keys[w][i]), 1);
        }
    assert_int_equal(count_rows(f->s), WRITERS * EACH);
    og_store_group_stats(f->s, &c1, &m1, NULL);
    if (f->pg) {
        assert_int_equal(c1 - c0, 0);
        return;
    }
    assert_int_equal(m1 - m0, WRITERS * EACH);
    /* fewer commits than members: some batches held several */
    assert_true(c1 - c0 < m1 - m0);
    fprintf(stderr, "%d writers x %d: %lld commits for %lld members\n", WRITERS, EACH,
            (long long)(c1 - c0), (long long)(m1 - m0));
}

static void test_group__a_failing_member_fails_alone(void **state)
{
    fixture *f = *state;
    member lead = {.key = "lead1"};
    member o[3] = {{.key = "b1"}, {.key = "c1", .mode = FAIL}, {.key = "d1"}};
    caller cs[3];
    int64_t c0, m0, c1, m1;
    og_store_group_stats(f->s, &c0, &m0, NULL);
    run_behind_a_leader(f, &lead, o, 3, cs);
    assert_int_equal(cs[0].rc[0], 0);
    assert_int_equal(cs[1].rc[0], OG_EINVAL);
    assert_string_equal(cs[1].msg[0], "member c1 refuses"); /* its own message, on its thread */
    assert_string_equal(cs[1].detail[0], "member_refused");
    assert_int_equal(cs[2].rc[0], 0);
    assert_int_equal(has_key(f->s, "lead1"), 1);
    assert_int_equal(has_key(f->s, "b1"), 1);
    assert_int_equal(has_key(f->s, "c1"), 0);
    assert_int_equal(has_key(f->s, "d1"), 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&o[i].runs), 1);
        assert_int_equal(atomic_load(&o[i].undos), 0);
    }
    og_store_group_stats(f->s, &c1, &m1, NULL);
    if (!f->pg) {
        /* the leader alone, then the three queued behind it in one transaction */
        assert_int_equal(c1 - c0, 2);
        assert_int_equal(m1 - m0, 4);
    }
}

static void test_group__a_member_breaking_the_transaction_reruns_the_others(void **state)
{
    fixture *f = *state;
    member lead = {.key = "lead2"};
    member o[3] = {{.key = "b2"}, {.key = "c2", .mode = BREAK}, {.key = "d2"}};
    caller cs[3];
    int64_t r0, r1;
    if (f->pg)
        skip(); /* PostgreSQL rolls back no transaction by itself; nothing is batched there */
    og_store_group_stats(f->s, NULL, NULL, &r0);
    run_behind_a_leader(f, &lead, o, 3, cs);
    assert_int_equal(cs[0].rc[0], 0);
    assert_int_equal(cs[1].rc[0], OG_ERROR);
    assert_string_equal(cs[1].msg[0], "member c2: disk full (simulated)");
    assert_int_equal(cs[2].rc[0], 0);
    assert_int_equal(has_key(f->s, "b2"), 1);
    assert_int_equal(has_key(f->s, "c2"), 0);
    assert_int_equal(has_key(f->s, "d2"), 1);
    /* b ran before c broke the transaction: undone, then run again; d ran once, after */
    assert_int_equal(atomic_load(&o[0].runs), 2);
    assert_int_equal(atomic_load(&o[0].undos), 1);
    assert_int_equal(atomic_load(&o[1].undos), 0);
    assert_int_equal(atomic_load(&o[2].runs), 1);
    og_store_group_stats(f->s, NULL, NULL, &r1);
    assert_int_equal(r1 - r0, 1);
}

static void test_group__a_failed_commit_fails_every_member(void **state)
{
    fixture *f = *state;
    member lead = {.key = "lead3"};
    member o[3] = {{.key = "b3"}, {.key = "c3", .mode = BAD_FK}, {.key = "d3"}};
    caller cs[3];
    if (f->pg)
        skip(); /* defer_foreign_keys is SQLite's; nothing is batched on PostgreSQL */
    run_behind_a_leader(f, &lead, o, 3, cs);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cs[i].rc[0], OG_ERROR);
        assert_non_null(strstr(cs[i].msg[0], "FOREIGN KEY"));
        assert_int_equal(atomic_load(&o[i].runs), 1);
        /* each ran and was undone with the batch */
        assert_int_equal(atomic_load(&o[i].undos), 1);
        assert_int_equal(has_key(f->s, o[i].key), 0);
    }
    assert_int_equal(has_key(f->s, "lead3"), 1); /* its own batch, before */
    og_store *s = NULL;
    OG_ASSERT_OK(fixture_open(f, &s)); /* and the database takes writes again */
    member after = {.key = "after3"};
    assert_int_equal(og_store_group_commit(s, member_fn, member_undo, &after), 0);
    og_store_close(s);
}

static void test_group__bulk_writes_commit_alone(void **state)
{
    fixture *f = *state;
    member m = {.key = "bulk"};
    int64_t c0, c1;
    og_store_group_stats(f->s, &c0, NULL, NULL);
    OG_ASSERT_OK(og_store_bulk_writes(f->s, 1));
    assert_int_equal(og_store_group_commit(f->s, member_fn, member_undo, &m), 0);
    OG_ASSERT_OK(og_store_bulk_writes(f->s, 0));
    og_store_group_stats(f->s, &c1, NULL, NULL);
    assert_int_equal(c1, c0); /* not through the group: its commit is not durable */
    assert_int_equal(has_key(f->s, "bulk"), 1);
    assert_int_equal(og_store_group_commit(f->s, NULL, NULL, NULL), OG_EINVAL);
}

int main(void)
{
    if (fixture_skip_without_backend())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group__alone_it_commits_or_fails_as_one_transaction,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__inside_a_transaction_it_nests_there, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_group__a_member_left_open_is_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__concurrent_writers_share_commits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_group__a_failing_member_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_group__a_member_breaking_the_transaction_reruns_the_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__a_failed_commit_fails_every_member, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_group__bulk_writes_commit_alone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
