/* test_audit_page.c - newest-first paging of a long chain (og_audit_list_desc) through its
 * indexes, page by page without walking the chain, with every filter; the latest signed
 * checkpoint without recomputing the tree (og_audit_checkpoint_latest). */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LONG_N 200000 /* records added to acme's chain */

typedef struct fixture {
    og_test_env env;
    og_tenant t;
    int64_t k; /* acme's records before the long part */
} fixture;

static fixture *fixture_new(void)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    json_t *cp = NULL;
    OG_ASSERT_OK(og_audit_checkpoint_latest(&f->env.ctx, f->t.id, &cp, &f->k));
    assert_null(cp);
    assert_true(f->k >= 1);
    return f;
}

/* acme's chain grows by LONG_N records (seq k+1 .. k+LONG_N) written straight into the table:
 * record k+n at 2030-01-01 + n seconds, action bulk.even/bulk.odd (bulk.rare every 1000th),
 * actor user:bulk (user:needle every 50,000th), target widget w-<n>. Linked by prev_hash as the
 * insert trigger demands; the hashes are not the records' (nothing here verifies). PostgreSQL
 * runs the insert with that trigger off: its plan, made for the empty table, would scan the
 * table for every row. */
static int setup_long(void **state)
{
    fixture *f = fixture_new();
    og_store *db = og_test_raw_open(&f->env);
    og_test_raw_exec(
        db,
        og_test_sql(
            "BEGIN; WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < %d)"
            " INSERT INTO audit_record (chain, seq, time, actor, area, action, target_type,"
            " target_id, outcome, prev_hash, hash)"
            " SELECT '%s', %lld + n,"
            " strftime('%%Y-%%m-%%dT%%H:%%M:%%S', 1893456000 + n, 'unixepoch') || '.000000Z',"
            " CASE WHEN n %% 50000 = 0 THEN 'user:needle' ELSE 'user:bulk' END, 'test',"
            " CASE WHEN n %% 1000 = 0 THEN 'bulk.rare' WHEN n %% 2 = 0 THEN 'bulk.even'"
            " ELSE 'bulk.odd' END, 'widget', 'w-' || n, 'ok',"
            " CASE WHEN n = 1 THEN (SELECT hash FROM audit_record WHERE chain = '%s' AND"
            " seq = %lld) ELSE printf('%%064d', n - 1) END, printf('%%064d', n) FROM c; COMMIT;",
            "BEGIN; ALTER TABLE audit_record DISABLE TRIGGER audit_record_extends_chain;"
            " INSERT INTO audit_record (chain, seq, time, actor, area, action, target_type,"
            " target_id, outcome, prev_hash, hash)"
            " SELECT '%2$s', %3$lld + n, to_char(to_timestamp(1893456000 + n) AT TIME ZONE"
            " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '.000000Z',"
            " CASE WHEN n %% 50000 = 0 THEN 'user:needle' ELSE 'user:bulk' END, 'test',"
            " CASE WHEN n %% 1000 = 0 THEN 'bulk.rare' WHEN n %% 2 = 0 THEN 'bulk.even'"
            " ELSE 'bulk.odd' END, 'widget', 'w-' || n, 'ok',"
            " CASE WHEN n = 1 THEN (SELECT hash FROM audit_record WHERE chain = '%4$s' AND"
            " seq = %5$lld) ELSE lpad((n - 1)::text, 64, '0') END, lpad(n::text, 64, '0')"
            " FROM generate_series(1, %1$d) AS n;"
            " ALTER TABLE audit_record ENABLE TRIGGER audit_record_extends_chain; COMMIT;"
            " ANALYZE audit_record;"),
        LONG_N, f->t.id, (long long)f->k, f->t.id, (long long)f->k);
    og_store_close(db);
    *state = f;
    return 0;
}

static int setup_short(void **state)
{
    *state = fixture_new();
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static int64_t seq_of(const json_t *arr, size_t i)
{
    return json_integer_value(json_object_get(json_array_get(arr, i), "seq"));
}

/* One page, in at most 50 ms of CPU (a substring filter's block of OG_AUDIT_SCAN_MAX records:
 * 1 s): reading the chain up to the page would take far longer. */
static json_t *page(fixture *f, int64_t before, int limit, const og_audit_filter *flt,
                    int64_t *next)
{
    double max_ms =
        flt && ((flt->actor && *flt->actor) || (flt->target && *flt->target)) ? 1000.0 : 50.0;
    json_t *arr = NULL;
    clock_t t0 = clock();
    OG_ASSERT_OK(og_audit_list_desc(&f->env.ctx, f->t.id, before, limit, flt, &arr, next));
    double ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
    if (ms > max_ms)
        fail_msg("a page of %d took %.1f ms of CPU on a chain of %d records", limit, ms, LONG_N);
    return arr;
}

static void test_desc__pages_newest_first_from_any_point(void **state)
{
    fixture *f = *state;
    int64_t next = 0, top = f->k + LONG_N;
    json_t *arr = page(f, 0, 50, NULL, &next);
    assert_int_equal(json_array_size(arr), 50);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(seq_of(arr, i), top - (int64_t)i);
    assert_int_equal(next, top - 49);
    json_decref(arr);
    /* the next page goes on exactly below */
    arr = page(f, next, 50, NULL, &next);
    assert_int_equal(seq_of(arr, 0), top - 50);
    assert_int_equal(next, top - 99);
    json_decref(arr);
    /* deep in the chain: the start, then no more */
    arr = page(f, 3, 50, NULL, &next);
    assert_int_equal(json_array_size(arr), 2);
    assert_int_equal(seq_of(arr, 0), 2);
    assert_int_equal(seq_of(arr, 1), 1);
    assert_int_equal(next, 0);
    json_decref(arr);
    /* bad arguments are named */
    assert_int_equal(og_audit_list_desc(&f->env.ctx, f->t.id, 0, 0, NULL, &arr, &next), OG_EINVAL);
    assert_int_equal(og_audit_list_desc(&f->env.ctx, f->t.id, -1, 5, NULL, &arr, &next), OG_EINVAL);
    og_audit_filter bad = {.since = "yesterday"};
    assert_int_equal(og_audit_list_desc(&f->env.ctx, f->t.id, 0, 5, &bad, &arr, &next), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "yesterday"));
}

static void test_desc__action_and_time_filters_use_the_indexes(void **state)
{
    fixture *f = *state;
    int64_t next = 0;
    og_audit_filter rare = {.action = "bulk.rare"};
    json_t *arr = page(f, 0, 5, &rare, &next);
    assert_int_equal(json_array_size(arr), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(seq_of(arr, i), f->k + LONG_N - 1000 * (int64_t)i);
    assert_int_equal(next, f->k + LONG_N - 4000);
    json_decref(arr);
    /* records 900..999 of the long part: since inclusive, until exclusive */
    og_audit_filter window = {.since = "2030-01-01T00:15:00Z", .until = "2030-01-01T00:16:40Z"};
    arr = page(f, 0, 200, &window, &next);
    assert_int_equal(json_array_size(arr), 100);
    assert_int_equal(seq_of(arr, 0), f->k + 999);
    assert_int_equal(seq_of(arr, 99), f->k + 900);
    assert_int_equal(next, 0);
    json_decref(arr);
    /* a window before every record is empty */
    og_audit_filter early = {.until = "2000-01-01"};
    arr = page(f, 0, 10, &early, &next);
    assert_int_equal(json_array_size(arr), 0);
    assert_int_equal(next, 0);
    json_decref(arr);
    /* action, window and cursor together */
    og_audit_filter all = {.action = "bulk.rare", .since = "2030-01-01", .until = "2030-01-02"};
    arr = page(f, f->k + 86000, 3, &all, &next);
    assert_int_equal(seq_of(arr, 0), f->k + 85000);
    assert_int_equal(next, f->k + 83000);
    json_decref(arr);

    /* each statement walks an index: no full scan, no sort of the chain (SQLite's plan; on
     * PostgreSQL the planner chooses by statistics, and the pages' results above are the test) */
    if (og_test_backend_pg())
        return;
    const char *sqls[] = {OG_AUDIT__DESC_SQL, OG_AUDIT__DESC_ACTION_SQL, OG_AUDIT__SEQ_BEFORE_SQL,
                          OG_AUDIT__SEQ_FROM_SQL};
    for (size_t i = 0; i < 4; i++) {
        char q[2048];
        og_stmt *st = NULL;
        int searched = 0;
        snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sqls[i]);
        OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store, q));
        while (og_stmt_step(st) == OG_ROW) {
            const char *d = og_stmt_col_text(st, 3);
            if (d && strstr(d, "TEMP B-TREE"))
                fail_msg("%s sorts: %s", sqls[i], d);
            if (d && strstr(d, "SEARCH audit_record"))
                searched = 1;
        }
        og_stmt_free(st);
        if (!searched)
            fail_msg("%s does not search an index", sqls[i]);
    }
}

static void test_desc__substring_filters_scan_a_bounded_block(void **state)
{
    fixture *f = *state;
    int64_t next = 0, before = 0;
    og_audit_filter needle = {.actor = "needle"};
    json_t *arr = page(f, 0, 10, &needle, &next);
    /* the newest needle is at k+200000: found at once; the next is 50,000 records older */
    assert_int_equal(json_array_size(arr), 1);
    assert_int_equal(seq_of(arr, 0), f->k + LONG_N);
    assert_int_equal(next, f->k + LONG_N - OG_AUDIT_SCAN_MAX + 1);
    json_decref(arr);
    int calls = 0, found = 1;
    for (before = next; before > 0 && calls < 100; before = next, calls++) {
        arr = page(f, before, 10, &needle, &next);
        found += (int)json_array_size(arr);
        json_decref(arr);
    }
    assert_int_equal(found, LONG_N / 50000);
    assert_true(calls <= LONG_N / OG_AUDIT_SCAN_MAX + 1);
    /* target: a substring of the id */
    og_audit_filter target = {.target = "w-123456"};
    arr = page(f, f->k + 123457 + 5000, 10, &target, &next);
    assert_int_equal(json_array_size(arr), 1);
    assert_int_equal(seq_of(arr, 0), f->k + 123456);
    json_decref(arr);
}

static void test_checkpoint_latest__as_signed_without_the_tree(void **state)
{
    fixture *f = *state;
    json_t *cp = NULL, *made = NULL;
    int64_t n = 0;
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, &made));
    OG_ASSERT_OK(og_store_tx_begin(f->env.store)); /* one record the checkpoint does not cover */
    OG_ASSERT_OK(og_audit_log(&f->env.ctx, f->t.id, "test", "after.checkpoint", "x", "1", NULL));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    OG_ASSERT_OK(og_audit_checkpoint_latest(&f->env.ctx, f->t.id, &cp, &n));
    assert_non_null(cp);
    assert_int_equal(json_integer_value(json_object_get(cp, "tree_size")),
                     json_integer_value(json_object_get(made, "tree_size")));
    assert_string_equal(json_string_value(json_object_get(cp, "root_hash")),
                        json_string_value(json_object_get(made, "root_hash")));
    assert_true(json_is_true(json_object_get(cp, "signature_ok")));
    assert_int_equal(n, f->k + 1);
    assert_int_equal(json_integer_value(json_object_get(cp, "tree_size")), f->k);
    json_decref(cp);
    json_decref(made);
    /* a forged signature shows as such */
    og_store *db = og_test_raw_open(&f->env);
    og_test_raw_drop_trigger(db, "audit_checkpoint_no_update", "audit_checkpoint");
    og_test_raw_exec(
        db, "UPDATE audit_checkpoint SET signature = replace(signature, substr(signature, 5,"
            " 1), CASE substr(signature, 5, 1) WHEN 'A' THEN 'B' ELSE 'A' END)");
    og_store_close(db);
    OG_ASSERT_OK(og_audit_checkpoint_latest(&f->env.ctx, f->t.id, &cp, NULL));
    assert_true(json_is_false(json_object_get(cp, "signature_ok")));
    json_decref(cp);
    /* readers of audit only */
    og_user u;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "eve", OG_ROLE_ENGINEER, &u));
    OG_ASSERT_OK(og_actor_become(&f->env.ctx, "acme", "eve"));
    assert_true(og_audit_checkpoint_latest(&f->env.ctx, f->t.id, &cp, NULL) < 0);
    assert_null(cp);
    assert_true(og_audit_list_desc(&f->env.ctx, f->t.id, 0, 5, NULL, &cp, &n) < 0);
    og_actor_local(&f->env.ctx.actor);
}

int main(void)
{
    const struct CMUnitTest long_chain[] = {
        cmocka_unit_test(test_desc__pages_newest_first_from_any_point),
        cmocka_unit_test(test_desc__action_and_time_filters_use_the_indexes),
        cmocka_unit_test(test_desc__substring_filters_scan_a_bounded_block),
    };
    const struct CMUnitTest short_chain[] = {
        cmocka_unit_test_setup_teardown(test_checkpoint_latest__as_signed_without_the_tree,
                                        setup_short, teardown),
    };
    int failed = cmocka_run_group_tests(long_chain, setup_long, teardown);
    return failed + cmocka_run_group_tests(short_chain, NULL, NULL);
}
