/* test_events.c - the outbox and its delivery: transactional emit, retries with backoff,
 * dead-letter and retry, idempotency by event id, worker threads. */
#include "og_test.h"
#include "events/events_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    og_events_unsubscribe_all();
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

static void emit(og_test_env *env, const char *type, char id[OG_ID_LEN])
{
    og_tenant t;
    json_t *p = json_pack("{s:s}", "hello", "world");
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_event_emit(&env->ctx, t.id, type, p, id));
    OG_ASSERT_OK(og_store_tx_commit(env->store));
    json_decref(p);
}

/* A handler that fails its first `fail` calls; counts calls and remembers the last attempt. */
typedef struct flaky {
    atomic_int calls;
    int fail;
    int last_attempt;
    char last_id[OG_ID_LEN];
} flaky;

static int flaky_handler(og_ctx *ctx, const og_event *ev, void *arg)
{
    flaky *f = arg;
    (void)ctx;
    int n = atomic_fetch_add(&f->calls, 1) + 1;
    f->last_attempt = ev->attempt;
    og_strlcpy(f->last_id, ev->id, sizeof(f->last_id));
    assert_string_equal(json_string_value(json_object_get(ev->payload, "hello")), "world");
    if (n <= f->fail)
        return og_error_set(OG_ERROR, "failure %d on purpose", n);
    return 0;
}

static json_t *deliveries(og_test_env *env, const char *state)
{
    json_t *arr = NULL;
    OG_ASSERT_OK(og_events_list(&env->ctx, NULL, state, &arr));
    return arr;
}

static const og_events_config fast = {
    .max_attempts = 4, .backoff_base_us = 1000, .backoff_max_us = 4000};

/* Run passes until nothing is due for a while (bounded). */
static void drain(og_test_env *env)
{
    for (int i = 0; i < 200; i++) {
        int d = 0;
        OG_ASSERT_OK(og_events_run_once(&env->ctx, &fast, &d));
        usleep(2000);
    }
}

static void test_events__emit_needs_the_callers_transaction(void **state)
{
    og_test_env *env = *state;
    char id[OG_ID_LEN];
    assert_int_equal(og_event_emit(&env->ctx, NULL, "x.y", NULL, id), OG_ERROR);
    /* rolled back with its change: no event */
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_event_emit(&env->ctx, NULL, "x.rolled", NULL, id));
    og_store_tx_rollback(env->store);
    json_t *all = deliveries(env, NULL);
    assert_int_equal(json_array_size(all), 0);
    json_decref(all);
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    assert_int_equal(og_event_emit(&env->ctx, NULL, "", NULL, id), OG_EINVAL);
    og_store_tx_rollback(env->store);
}

static void test_events__a_failing_handler_is_retried_until_it_succeeds(void **state)
{
    og_test_env *env = *state;
    flaky f = {.fail = 2};
    char id[OG_ID_LEN];
    OG_ASSERT_OK(og_events_subscribe("flaky", "test.*", flaky_handler, &f));
    emit(env, "test.one", id);
    emit(env, "other.type", NULL); /* not for this handler */
    drain(env);
    assert_int_equal(atomic_load(&f.calls), 3);
    assert_int_equal(f.last_attempt, 3);
    assert_string_equal(f.last_id, id);
    json_t *done = deliveries(env, "done");
    assert_int_equal(json_array_size(done), 1);
    json_t *d = json_array_get(done, 0);
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 3);
    assert_string_equal(json_string_value(json_object_get(d, "handler")), "flaky");
    json_decref(done);
}

/* A tenant whose key is revoked: its deliveries are not handed to the handler (which would only
 * hit the lock) and use up no attempt - they wait, pending, with the reason, and go out after the
 * key is restored. */
static void test_events__a_revoked_tenants_deliveries_wait_without_using_attempts(void **state)
{
    og_test_env *env = *state;
    flaky f = {.fail = 0};
    char id[OG_ID_LEN];
    og_tenant t;
    int d = 0;
    OG_ASSERT_OK(og_events_subscribe("keyed", "test.*", flaky_handler, &f));
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    emit(env, "test.locked", id);
    OG_ASSERT_OK(og_crypto_scope_key_revoke(env->ctx.keys, env->store, t.id));
    for (int i = 0; i < 3; i++)
        OG_ASSERT_OK(og_events_run_once(&env->ctx, &fast, &d));
    assert_int_equal(atomic_load(&f.calls), 0);
    json_t *pending = deliveries(env, "pending");
    assert_int_equal(json_array_size(pending), 1);
    json_t *p = json_array_get(pending, 0);
    assert_int_equal(json_integer_value(json_object_get(p, "attempts")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(p, "last_error")), "revoked"));
    json_decref(pending);
    /* restored: due again at once (the wait is made due by hand; the test does not wait 5 min) */
    OG_ASSERT_OK(og_crypto_scope_key_restore(env->ctx.keys, env->store, t.id, NULL, NULL));
    OG_ASSERT_OK(og_store_run(env->store, "UPDATE event_deliveries SET next_us = 0", ""));
    drain(env);
    assert_int_equal(atomic_load(&f.calls), 1);
    assert_int_equal(f.last_attempt, 1);
    assert_string_equal(f.last_id, id);
}

static void test_events__dead_letter_after_max_attempts_then_retry(void **state)
{
    og_test_env *env = *state;
    flaky f = {.fail = 1000};
    char id[OG_ID_LEN];
    OG_ASSERT_OK(og_events_subscribe("broken", "test.*", flaky_handler, &f));
    emit(env, "test.dead", id);
    drain(env);
    assert_int_equal(atomic_load(&f.calls), fast.max_attempts);
    json_t *dead = deliveries(env, "dead");
    assert_int_equal(json_array_size(dead), 1);
    assert_non_null(strstr(
        json_string_value(json_object_get(json_array_get(dead, 0), "last_error")), "on purpose"));
    json_decref(dead);
    /* retry: back to pending, and once the handler works it is delivered */
    OG_ASSERT_OK(og_events_retry(&env->ctx, id));
    assert_int_equal(og_events_retry(&env->ctx, id), OG_ECONFLICT);
    f.fail = 0;
    drain(env);
    json_t *done = deliveries(env, "done");
    assert_int_equal(json_array_size(done), 1);
    json_decref(done);
    /* unknown ids and states */
    char other[OG_ID_LEN];
    og_id_new(other);
    assert_int_equal(og_events_retry(&env->ctx, other), OG_ENOTFOUND);
    assert_int_equal(og_events_retry(&env->ctx, "nope"), OG_EINVAL);
    json_t *arr = NULL;
    assert_int_equal(og_events_list(&env->ctx, NULL, "lost", &arr), OG_EINVAL);
}

static void test_events__backoff_doubles_with_jitter_and_a_cap(void **state)
{
    (void)state;
    og_events_config c = {.backoff_base_us = 1000000, .backoff_max_us = 8000000};
    og_events_config_defaults(&c);
    assert_int_equal(og_events__backoff_us(&c, 1, 0.0), 500000);
    assert_int_equal(og_events__backoff_us(&c, 1, 1.0), 1000000);
    assert_int_equal(og_events__backoff_us(&c, 3, 1.0), 4000000);
    assert_int_equal(og_events__backoff_us(&c, 3, 0.0), 2000000);
    assert_int_equal(og_events__backoff_us(&c, 30, 1.0), 8000000);
    int64_t mid = og_events__backoff_us(&c, 2, 0.5);
    assert_true(mid > 1000000 && mid < 2000000);
}

/* Applies its effect and records the event as seen in one transaction, then "crashes" (fails)
 * on the first delivery: the redelivery must not apply the effect again. */
static int counting_handler(og_ctx *ctx, const og_event *ev, void *arg)
{
    flaky *f = arg;
    int n = atomic_fetch_add(&f->calls, 1) + 1;
    int error = og_store_tx_begin(ctx->store);
    if (error < 0)
        return error;
    int seen = og_event_seen(ctx, "counter", ev->id);
    if (seen < 0) {
        og_store_tx_rollback(ctx->store);
        return seen;
    }
    if (!seen)
        f->last_attempt++; /* the effect */
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        return error;
    return n == 1 ? og_error_set(OG_ERROR, "lost the ack") : 0;
}

static void test_events__redelivery_is_idempotent_by_event_id(void **state)
{
    og_test_env *env = *state;
    flaky f = {0};
    OG_ASSERT_OK(og_events_subscribe("counter", "test.*", counting_handler, &f));
    emit(env, "test.count", NULL);
    drain(env);
    assert_int_equal(atomic_load(&f.calls), 2); /* delivered twice */
    assert_int_equal(f.last_attempt, 1);        /* applied once */
}

static void test_events__a_handler_registered_later_still_gets_earlier_events(void **state)
{
    og_test_env *env = *state;
    flaky f = {0};
    emit(env, "test.early", NULL); /* e.g. by the CLI, while no server runs */
    OG_ASSERT_OK(og_events_subscribe("late", "*", flaky_handler, &f));
    drain(env);
    assert_int_equal(atomic_load(&f.calls), 1);
    assert_int_equal(og_events_subscribe("late", "*", flaky_handler, &f), OG_EEXISTS);
}

/* Delivery workers running in the background over a pool of env's database. */
typedef struct workers {
    char *url;
    og_store_pool *pool;
    og_events *ev;
    og_events_config c;
} workers;

/* n workers (fast's settings otherwise), idle ones polling every poll_us, over n + 1 stores. */
static void workers_start(og_test_env *env, workers *w, int n, int64_t poll_us)
{
    memset(w, 0, sizeof(*w));
    w->url = og_test_env_db_url(env);
    w->c = fast;
    w->c.workers = n;
    w->c.poll_us = poll_us;
    OG_ASSERT_OK(og_store_pool_open(&w->pool, w->url, n + 1));
    OG_ASSERT_OK(og_events_start(&w->ev, w->pool, env->keys, env->data_dir, &w->c));
}

static void workers_stop(workers *w)
{
    og_events_stop(w->ev);
    og_store_pool_close(w->pool);
    free(w->url);
}

static void test_events__worker_threads_deliver_in_the_background(void **state)
{
    og_test_env *env = *state;
    flaky f = {.fail = 1};
    workers w;
    OG_ASSERT_OK(og_events_subscribe("bg", "test.*", flaky_handler, &f));
    workers_start(env, &w, 3, 10000);
    for (int i = 0; i < 5; i++)
        emit(env, "test.bg", NULL);
    for (int i = 0; i < 500 && atomic_load(&f.calls) < 6; i++)
        usleep(10000);
    workers_stop(&w);
    assert_int_equal(atomic_load(&f.calls), 6); /* five events, one retry */
    json_t *done = deliveries(env, "done");
    assert_int_equal(json_array_size(done), 5);
    json_decref(done);
}

/* A handler that counts its calls and succeeds. */
static int tally_handler(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)ctx;
    (void)ev;
    atomic_fetch_add((atomic_int *)arg, 1);
    return 0;
}

/* One pass serves every event and handler due: 10 events for three handlers (two of them for
 * every event, one for half) are all fanned out, claimed, delivered and recorded by a single
 * og_events_run_once (`events run`): what the fan-out makes is claimed in the same
 * transaction. */
static void test_events__one_pass_fans_out_claims_and_records_every_delivery(void **state)
{
    og_test_env *env = *state;
    atomic_int all = 0, half = 0, other = 0;
    int d = 0;
    OG_ASSERT_OK(og_events_subscribe("all", "*", tally_handler, &all));
    OG_ASSERT_OK(og_events_subscribe("half", "test.even", tally_handler, &half));
    OG_ASSERT_OK(og_events_subscribe("other", "test.*", tally_handler, &other));
    for (int i = 0; i < 10; i++)
        emit(env, i % 2 ? "test.odd" : "test.even", NULL);
    OG_ASSERT_OK(og_events_run_once(&env->ctx, &fast, &d));
    assert_int_equal(d, 25);
    assert_int_equal(atomic_load(&all), 10);
    assert_int_equal(atomic_load(&half), 5);
    assert_int_equal(atomic_load(&other), 10);
    json_t *done = deliveries(env, "done");
    assert_int_equal(json_array_size(done), 25);
    json_decref(done);
    /* nothing left: the next pass delivers nothing and writes nothing */
    OG_ASSERT_OK(og_events_run_once(&env->ctx, &fast, &d));
    assert_int_equal(d, 0);
}

/* Workers sleep for their poll (here a minute) when idle, and an event written in the process
 * wakes them: it is delivered within a second. */
static void test_events__an_event_written_in_process_wakes_the_workers(void **state)
{
    og_test_env *env = *state;
    atomic_int calls = 0;
    workers w;
    OG_ASSERT_OK(og_events_subscribe("woken", "test.*", tally_handler, &calls));
    workers_start(env, &w, 2, 60000000);
    usleep(200000); /* both workers asleep */
    int64_t t0 = og_time_mono_us();
    for (int k = 0; k < 3; k++) {
        emit(env, "test.wake", NULL);
        for (int i = 0; i < 100 && atomic_load(&calls) < k + 1; i++)
            usleep(10000);
        assert_int_equal(atomic_load(&calls), k + 1);
    }
    assert_true(og_time_mono_us() - t0 < 3000000);
    workers_stop(&w);
    json_t *done = deliveries(env, "done");
    assert_int_equal(json_array_size(done), 3);
    json_decref(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events__emit_needs_the_callers_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_events__a_failing_handler_is_retried_until_it_succeeds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_events__a_revoked_tenants_deliveries_wait_without_using_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events__dead_letter_after_max_attempts_then_retry,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_events__backoff_doubles_with_jitter_and_a_cap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_events__redelivery_is_idempotent_by_event_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_events__a_handler_registered_later_still_gets_earlier_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events__worker_threads_deliver_in_the_background,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_events__one_pass_fans_out_claims_and_records_every_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events__an_event_written_in_process_wakes_the_workers,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
