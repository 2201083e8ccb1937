/* test_store_nodes.c - several nodes on one database: scoped writer transactions (different keys
 * side by side, the same key one after the other, a platform-wide one alone) and leases (each job
 * run once by two claimers; a claimer killed holding leases loses them when they run out).
 * Two "nodes" are two processes, each with its own connection. */
#include "store_fixture.h"
#include "opsgate/util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int64_t ms_since(int64_t t0)
{
    return (og_time_mono_us() - t0) / 1000;
}

/* In a child: its own connection, or exit 90. */
static og_store *child_store(fixture *f)
{
    og_store *s = NULL;
    if (fixture_open(f, &s) < 0) {
        fprintf(stderr, "child: opening the store: %s\n", og_error_last());
        _exit(90);
    }
    return s;
}

/* A child that opens its connection (opening applies migrations, which wait for writers: done
 * before the parent begins), says so on ready, waits for a byte on go, then begins a transaction
 * (scope key, or platform-wide when platform is set) and reports through its exit status how
 * long the begin waited, in tenths of a second (capped at 99), or 101 when it failed. */
typedef struct child {
    pid_t pid;
    int ready[2], go[2];
} child;

static void child_begin(fixture *f, child *c, const char *key, int platform)
{
    char b = 0;
    assert_int_equal(pipe(c->ready), 0);
    assert_int_equal(pipe(c->go), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid > 0) {
        assert_int_equal(read(c->ready[0], &b, 1), 1);
        return;
    }
    og_store *s = child_store(f);
    if (write(c->ready[1], "r", 1) != 1 || read(c->go[0], &b, 1) != 1)
        _exit(102);
    int64_t t0 = og_time_mono_us();
    int rc = platform ? og_store_tx_begin(s) : og_store_tx_begin_scope(s, key);
    int64_t waited = ms_since(t0) / 100;
    if (rc < 0) {
        fprintf(stderr, "child: begin: %s\n", og_error_last());
        _exit(101);
    }
    og_store_tx_rollback(s);
    og_store_close(s);
    _exit(waited > 99 ? 99 : (int)waited);
}

static void child_go(child *c)
{
    assert_int_equal(write(c->go[1], "g", 1), 1);
}

static int child_wait(child *c)
{
    int status = 0;
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    close(c->ready[0]);
    close(c->ready[1]);
    close(c->go[0]);
    close(c->go[1]);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int exit_of(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Hold a scoped transaction on "tenant-a" for about a second while a child begins key (or a
 * platform-wide transaction); returns the child's wait in tenths of a second. */
static int wait_beside(fixture *f, const char *key, int platform)
{
    child c;
    child_begin(f, &c, key, platform);
    OG_ASSERT_OK(og_store_tx_begin_scope(f->s, "tenant-a"));
    assert_int_equal(og_store_tx_scoped(f->s), !f->pg ? 0 : 1);
    child_go(&c);
    usleep(1000000);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    int waited = child_wait(&c);
    assert_true(waited < 100);
    return waited;
}

static void test_nodes__scoped_writers_of_different_keys_run_side_by_side(void **state)
{
    fixture *f = *state;
    int waited = wait_beside(f, "tenant-b", 0);
    if (f->pg)
        assert_true(waited < 5); /* did not wait for tenant-a's transaction */
    else
        assert_true(waited >= 5); /* SQLite: one writer at a time */
}

static void test_nodes__scoped_writers_of_one_key_and_platform_wide_ones_wait(void **state)
{
    fixture *f = *state;
    assert_true(wait_beside(f, "tenant-a", 0) >= 5);
    assert_true(wait_beside(f, NULL, 1) >= 5);
    /* and a scoped one waits for a platform-wide one */
    child c;
    child_begin(f, &c, "tenant-z", 0);
    OG_ASSERT_OK(og_store_tx_begin(f->s));
    assert_int_equal(og_store_tx_scoped(f->s), 0);
    child_go(&c);
    usleep(1000000);
    OG_ASSERT_OK(og_store_tx_commit(f->s));
    assert_true(child_wait(&c) >= 5);
}

/* n read-then-write increments of t['n'], each in a transaction scoped to scope that also takes
 * the lock "counter" (as a module takes its own key inside a tenant's transaction). */
static int increments(og_store *s, const char *scope, int n)
{
    for (int i = 0; i < n; i++) {
        og_stmt *st = NULL;
        int64_t v = 0;
        int rc = og_store_tx_begin_scope(s, scope);
        if (rc == 0)
            rc = og_store_lock(s, "storetest:counter");
        if (rc == 0)
            rc = og_stmt_prepare(&st, s, "SELECT v FROM t WHERE k = 'n'");
        if (rc == 0 && (rc = og_stmt_step(st)) == OG_ROW)
            v = og_stmt_col_int(st, 0);
        og_stmt_free(st);
        if (rc >= 0)
            rc = og_store_run(s, "UPDATE t SET v = ? WHERE k = 'n'", "i", (int64_t)(v + 1));
        if ((rc = og_store_tx_end(s, rc < 0 ? rc : 0)) < 0) {
            fprintf(stderr, "increment: %s\n", og_error_last());
            return rc;
        }
    }
    return 0;
}

static void test_nodes__a_named_lock_keeps_read_then_write_consistent_across_scopes(void **state)
{
    fixture *f = *state;
    insert(f->s, "n", 0);
    OG_ASSERT_OK(og_store_lock(f->s, "x") == OG_ERROR ? 0 : -1); /* outside a transaction */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        og_store *s = child_store(f);
        int rc = increments(s, "tenant-b", 40);
        og_store_close(s);
        _exit(rc < 0 ? 1 : 0);
    }
    OG_ASSERT_OK(increments(f->s, "tenant-a", 40));
    assert_int_equal(exit_of(pid), 0);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->s, "SELECT v FROM t WHERE k = 'n'"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 80);
    og_stmt_free(st);
    assert_int_equal(og_store_tx_begin_scope(f->s, ""), OG_EINVAL);
    assert_int_equal(og_store_tx_depth(f->s), 0);
}

static void test_nodes__the_primary_answers_a_ping(void **state)
{
    fixture *f = *state;
    int standby = -1;
    OG_ASSERT_OK(og_store_ping_primary(f->s, &standby));
    assert_int_equal(standby, 0);
    OG_ASSERT_OK(og_store_ping_primary(f->s, NULL));
}

/* Claim each of the jobs job-0..n-1 (one lease each, ttl_us) as owner and run the ones claimed:
 * t[job] = 1 if it was 0 (a job run twice would find it 1 and say so). Returns how many it ran,
 * or -1. */
static int claim_and_run(og_store *s, const char *owner, int n, int64_t ttl_us)
{
    int ran = 0;
    for (int i = 0; i < n; i++) {
        char job[32];
        int got = 0;
        snprintf(job, sizeof(job), "job-%d", i);
        if (og_store_lease_take(s, job, owner, ttl_us, &got) < 0) {
            fprintf(stderr, "%s: take: %s\n", owner, og_error_last());
            return -1;
        }
        if (!got)
            continue;
        int rc = og_store_run(s, "UPDATE t SET v = v + 1 WHERE k = ? AND v = 0", "t", job);
        if (rc < 0 || og_store_changes(s) != 1) {
            fprintf(stderr, "%s: %s ran twice or failed: %s\n", owner, job, og_error_last());
            return -1;
        }
        ran++;
    }
    return ran;
}

static void due_jobs(fixture *f, int n)
{
    for (int i = 0; i < n; i++) {
        char job[32];
        snprintf(job, sizeof(job), "job-%d", i);
        insert(f->s, job, 0);
    }
}

static void test_nodes__two_claimers_run_every_job_exactly_once(void **state)
{
    fixture *f = *state;
    due_jobs(f, 40);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        og_store *s = child_store(f);
        int ran = claim_and_run(s, "node-b", 40, 60000000);
        og_store_close(s);
        _exit(ran < 0 ? 255 : ran);
    }
    int ran = claim_and_run(f->s, "node-a", 40, 60000000);
    assert_true(ran >= 0);
    int theirs = exit_of(pid);
    assert_true(theirs != 255);
    assert_int_equal(ran + theirs, 40);
    og_stmt *st = NULL;
    OG_ASSERT_OK(
        og_stmt_prepare(&st, f->s, "SELECT COUNT(*) FROM t WHERE k LIKE 'job-%' AND v = 1"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_int_equal(og_stmt_col_int(st, 0), 40);
    og_stmt_free(st);
}

static void test_nodes__a_killed_claimers_leases_are_taken_over_after_they_run_out(void **state)
{
    fixture *f = *state;
    int got = 0, fds[2];
    due_jobs(f, 5);
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* takes every lease for a second, says so, and dies without running them */
        og_store *s = child_store(f);
        for (int i = 0; i < 5; i++) {
            char job[32];
            snprintf(job, sizeof(job), "job-%d", i);
            if (og_store_lease_take(s, job, "node-dead", 1000000, &got) < 0 || !got)
                _exit(1);
        }
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        raise(SIGKILL);
    }
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(claim_and_run(f->s, "node-live", 5, 60000000), 0); /* still held */
    usleep(1100000);
    assert_int_equal(claim_and_run(f->s, "node-live", 5, 60000000), 5); /* run out: taken */
    /* The holder extends its lease; a release lets another take it at once. */
    OG_ASSERT_OK(og_store_lease_take(f->s, "job-0", "node-live", 60000000, &got));
    assert_int_equal(got, 1);
    OG_ASSERT_OK(og_store_lease_take(f->s, "job-0", "node-other", 60000000, &got));
    assert_int_equal(got, 0);
    OG_ASSERT_OK(og_store_lease_release(f->s, "job-0", "node-other")); /* not its: nothing */
    OG_ASSERT_OK(og_store_lease_take(f->s, "job-0", "node-other", 60000000, &got));
    assert_int_equal(got, 0);
    OG_ASSERT_OK(og_store_lease_release(f->s, "job-0", "node-live"));
    OG_ASSERT_OK(og_store_lease_take(f->s, "job-0", "node-other", 60000000, &got));
    assert_int_equal(got, 1);
    assert_int_equal(og_store_lease_take(f->s, "", "node-other", 1, &got), OG_EINVAL);
    assert_int_equal(og_store_lease_take(f->s, "job-0", "", 1, &got), OG_EINVAL);
    assert_int_equal(og_store_lease_take(f->s, "job-0", "n", 0, &got), OG_EINVAL);
}

int main(void)
{
    if (fixture_skip_without_backend())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_nodes__scoped_writers_of_different_keys_run_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_nodes__scoped_writers_of_one_key_and_platform_wide_ones_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_nodes__a_named_lock_keeps_read_then_write_consistent_across_scopes, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_nodes__the_primary_answers_a_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nodes__two_claimers_run_every_job_exactly_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_nodes__a_killed_claimers_leases_are_taken_over_after_they_run_out, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
