/* test_nodes.c - event deliveries with several nodes on one database (issue 19): two "nodes" (two
 * og_events on two pools of one database, named n1 and n2) deliver each event once; a node that
 * starts leaves another's running delivery alone; a dead node's delivery is taken over once its
 * lease runs out, and its late outcome is ignored; events written in scoped transactions commit
 * in seq order, so a handler's cursor never passes one still to commit. On SQLite and
 * PostgreSQL. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_EVENTS 64

/* What the handler saw: calls per event id; the first call hangs until `go` (a node stuck in a
 * handler: alive but busy, or dead, as far as the others can tell). */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char ids[MAX_EVENTS][OG_ID_LEN];
    int calls[MAX_EVENTS];
    int n, total;
    int entered, go;
    int fail_hung; /* the hung call returns a failure when let go */
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int handler(og_ctx *ctx, const og_event *ev, void *arg)
{
    int i, first;
    (void)ctx;
    (void)arg;
    pthread_mutex_lock(&seen.mu);
    for (i = 0; i < seen.n && strcmp(seen.ids[i], ev->id) != 0; i++)
        ;
    if (i == seen.n && seen.n < MAX_EVENTS)
        og_strlcpy(seen.ids[seen.n++], ev->id, OG_ID_LEN);
    if (i < MAX_EVENTS)
        seen.calls[i]++;
    first = seen.total++ == 0;
    if (first) {
        seen.entered = 1;
        pthread_cond_broadcast(&seen.cv);
        while (!seen.go)
            pthread_cond_wait(&seen.cv, &seen.mu);
    }
    pthread_mutex_unlock(&seen.mu);
    if (first && seen.fail_hung)
        return og_error_set(OG_ERROR, "node n1 came back too late");
    return 0;
}

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    og_events_unsubscribe_all();
    pthread_mutex_lock(&seen.mu);
    memset(seen.ids, 0, sizeof(seen.ids));
    memset(seen.calls, 0, sizeof(seen.calls));
    seen.n = seen.total = seen.entered = seen.go = seen.fail_hung = 0;
    pthread_mutex_unlock(&seen.mu);
    OG_ASSERT_OK(og_events_subscribe("nodes", "test.*", handler, NULL));
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_events_unsubscribe_all();
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static void emit(og_test_env *env, char id[OG_ID_LEN])
{
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_event_emit(&env->ctx, t.id, "test.node", NULL, id));
    OG_ASSERT_OK(og_store_tx_commit(env->store));
}

/* A node: its own pool on the database and its own delivery workers. */
typedef struct node {
    og_store_pool *pool;
    og_events *ev;
} node;

static void node_start(og_test_env *env, node *n, const char *name, int workers, int64_t lease_us)
{
    char *url = og_test_env_db_url(env);
    og_events_config c = {.workers = workers,
                          .poll_us = 10000,
                          .lease_us = lease_us,
                          .max_attempts = 4,
                          .backoff_base_us = 1000,
                          .backoff_max_us = 4000,
                          .node = name};
    OG_ASSERT_OK(og_store_pool_open(&n->pool, url, workers + 1));
    OG_ASSERT_OK(og_events_start(&n->ev, n->pool, env->keys, env->data_dir, &c));
    free(url);
}

static void node_stop(node *n)
{
    og_events_stop(n->ev);
    og_store_pool_close(n->pool);
    n->ev = NULL;
    n->pool = NULL;
}

static void let_go(void)
{
    pthread_mutex_lock(&seen.mu);
    seen.go = 1;
    pthread_cond_broadcast(&seen.cv);
    pthread_mutex_unlock(&seen.mu);
}

static void wait_entered(void)
{
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&seen.mu);
        int in = seen.entered;
        pthread_mutex_unlock(&seen.mu);
        if (in)
            return;
        usleep(10000);
    }
    fail_msg("the first delivery never began");
}

static int calls_of(const char *id)
{
    int c = 0;
    pthread_mutex_lock(&seen.mu);
    for (int i = 0; i < seen.n; i++)
        if (strcmp(seen.ids[i], id) == 0)
            c = seen.calls[i];
    pthread_mutex_unlock(&seen.mu);
    return c;
}

static size_t count_state(og_test_env *env, const char *state)
{
    json_t *arr = NULL;
    OG_ASSERT_OK(og_events_list(&env->ctx, NULL, state, &arr));
    size_t n = json_array_size(arr);
    json_decref(arr);
    return n;
}

/* Wait (bounded) until `want` deliveries are done. */
static void wait_done(og_test_env *env, size_t want)
{
    for (int i = 0; i < 1000 && count_state(env, "done") < want; i++)
        usleep(10000);
    assert_int_equal(count_state(env, "done"), want);
}

static void test_nodes__a_starting_node_leaves_a_running_delivery_alone(void **state)
{
    og_test_env *env = *state;
    node n1 = {0}, n2 = {0};
    char hung[OG_ID_LEN], ids[20][OG_ID_LEN];
    node_start(env, &n1, "n1", 1, 60000000);
    emit(env, hung);
    wait_entered(); /* n1 runs it, and will for a while */
    /* n2 starts: resets only its own leases, so the running delivery stays n1's */
    node_start(env, &n2, "n2", 2, 60000000);
    for (int i = 0; i < 20; i++)
        emit(env, ids[i]);
    wait_done(env, 20); /* n2 delivers the others */
    assert_int_equal(count_state(env, "running"), 1);
    assert_int_equal(calls_of(hung), 1);
    let_go();
    wait_done(env, 21);
    node_stop(&n1);
    node_stop(&n2);
    assert_int_equal(calls_of(hung), 1);
    for (int i = 0; i < 20; i++)
        assert_int_equal(calls_of(ids[i]), 1);
    assert_int_equal(seen.total, 21);
    assert_int_equal(count_state(env, "pending") + count_state(env, "running"), 0);
}

static void test_nodes__a_dead_nodes_lease_is_taken_over_once_it_runs_out(void **state)
{
    og_test_env *env = *state;
    node n1 = {0}, n2 = {0};
    char hung[OG_ID_LEN], ids[10][OG_ID_LEN];
    seen.fail_hung = 1;
    node_start(env, &n1, "n1", 1, 300000); /* leases of 0.3 s */
    emit(env, hung);
    wait_entered(); /* n1's only worker is stuck: the node is as good as dead */
    for (int i = 0; i < 10; i++)
        emit(env, ids[i]);
    node_start(env, &n2, "n2", 2, 300000);
    /* nothing is lost: n2 delivers the others, and n1's once its lease has run out */
    wait_done(env, 11);
    assert_int_equal(calls_of(hung), 2);
    for (int i = 0; i < 10; i++)
        assert_int_equal(calls_of(ids[i]), 1);
    /* n1 comes back and fails: the lease is n2's now and so is the outcome */
    let_go();
    node_stop(&n1);
    node_stop(&n2);
    assert_int_equal(count_state(env, "done"), 11);
    assert_int_equal(
        count_state(env, "pending") + count_state(env, "running") + count_state(env, "dead"), 0);
    json_t *arr = NULL;
    OG_ASSERT_OK(og_events_list(&env->ctx, NULL, "done", &arr));
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "id")), hung) == 0) {
            assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 2);
            assert_true(json_is_null(json_object_get(d, "last_error")));
        }
    }
    json_decref(arr);
    assert_int_equal(seen.total, 12);
}

/* A second writer: a scoped transaction of its own, on its own connection, that emits one
 * platform event; began is set once its transaction has begun. */
typedef struct emitter {
    og_ctx ctx;
    char id[OG_ID_LEN];
    atomic_int began, done;
    int rc;
} emitter;

static void *emit_scoped(void *arg)
{
    emitter *e = arg;
    if ((e->rc = og_store_tx_begin_scope(e->ctx.store, "tenant-b")) == 0) {
        atomic_store(&e->began, 1);
        e->rc = og_event_emit(&e->ctx, NULL, "test.b", NULL, e->id);
        e->rc = og_store_tx_end(e->ctx.store, e->rc);
    }
    atomic_store(&e->done, 1);
    return NULL;
}

static void test_nodes__scoped_writers_commit_events_in_seq_order(void **state)
{
    og_test_env *env = *state;
    emitter e = {.ctx = env->ctx};
    pthread_t th;
    char a[OG_ID_LEN];
    char *url = og_test_env_db_url(env);
    OG_ASSERT_OK(og_store_open(&e.ctx.store, url, 0));
    free(url);
    let_go();
    /* writer A (tenant a's scope) emits and has not committed yet */
    OG_ASSERT_OK(og_store_tx_begin_scope(env->store, "tenant-a"));
    OG_ASSERT_OK(og_event_emit(&env->ctx, NULL, "test.a", NULL, a));
    /* writer B, of another scope, emits: it waits for A (the outbox lock on PostgreSQL, the one
     * writer on SQLite), else its event, a higher seq, could be fanned out before A's and the
     * handler's cursor would pass A's for good */
    assert_int_equal(pthread_create(&th, NULL, emit_scoped, &e), 0);
    /* PostgreSQL: B begins beside A (another scope), and only its emit waits; SQLite: B's begin
     * itself waits (one writer) */
    for (int i = 0; i < 500 && og_test_backend_pg() && !atomic_load(&e.began); i++)
        usleep(10000);
    assert_int_equal(atomic_load(&e.began), og_test_backend_pg());
    usleep(300000);
    int early = atomic_load(&e.done);
    OG_ASSERT_OK(og_store_tx_commit(env->store));
    pthread_join(th, NULL);
    og_store_close(e.ctx.store);
    OG_ASSERT_OK(e.rc);
    assert_false(early);
    for (int i = 0; i < 10; i++)
        OG_ASSERT_OK(og_events_run_once(&env->ctx, NULL, NULL));
    assert_int_equal(calls_of(a), 1);
    assert_int_equal(calls_of(e.id), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nodes__a_starting_node_leaves_a_running_delivery_alone,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_nodes__a_dead_nodes_lease_is_taken_over_once_it_runs_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nodes__scoped_writers_commit_events_in_seq_order,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
