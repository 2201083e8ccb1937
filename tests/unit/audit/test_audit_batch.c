/* test_audit_batch.c - records appended as one batch (the durable writer's transaction,
 * og_audit__batch_commit): a record that fails fails alone while the others commit, the names
 * recorded are those one-by-one appends record, a batch reads less than one-by-one appends, and
 * a tenant.create record still opens its tenant's chain; with the store failing at any call, each
 * record is appended or reported failed, never half, and the chains verify. */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    og_test_env env;
    og_tenant t, u;
} fixture;

/* Names gadgets "gadget <id>", fails for the gadget "boom", knows no "ghost-*". */
static int gadget_namer(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    (void)ctx;
    (void)tenant_id;
    if (strcmp(id, "boom") == 0)
        return og_error_set(OG_ERROR, "the gadget namer broke on boom");
    if (strncmp(id, "ghost-", 6) == 0)
        return 0;
    snprintf(out, size, "gadget %s", id);
    return 1;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_audit_namer_register("gadget", gadget_namer, 0));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", &f->u));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static int64_t chain_len(fixture *f, const char *chain)
{
    int64_t n = -1;
    OG_ASSERT_OK(og_audit__chain_length(f->env.store, chain, &n));
    return n;
}

static void expect_verified(fixture *f, const char *tenant_id, int64_t records)
{
    og_audit_verify_result res;
    if (og_audit_verify(&f->env.ctx, tenant_id, &res) < 0)
        fail_msg("verify: %s", og_error_last());
    if (records >= 0)
        assert_int_equal(res.records, records);
}

/* Prepare recs[0..n) as a linked list of items. */
static void prepare(og_audit__item *items, const og_actor *actor, const og_audit_rec *recs,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        OG_ASSERT_OK(og_audit__item_prepare(&items[i], actor, NULL, &recs[i]));
        items[i].next = i + 1 < n ? &items[i + 1] : NULL;
    }
}

static void items_free(og_audit__item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        og_audit__item_free(&items[i]);
}

/* "gadget.use" of the gadget id in the tenant's chain (NULL: the platform's). */
static og_audit_rec gadget_use(const char *tenant_id, const char *id)
{
    return (og_audit_rec){.tenant_id = tenant_id,
                          .area = "test",
                          .action = "gadget.use",
                          .target_type = "gadget",
                          .target_id = id};
}

/* A batch: recs[0..n) prepared as linked items (as actor, NULL: the fixture's) and an appender
 * for them; batch_begin returns og_audit__appender_init's result, batch_end frees both. */
#define BATCH_MAX 6
typedef struct batch {
    og_audit__appender app;
    og_audit__item items[BATCH_MAX];
    size_t n;
    int open; /* the appender was made */
} batch;

static int batch_begin(fixture *f, batch *b, const og_actor *actor, const og_audit_rec *recs,
                       size_t n)
{
    int rc;
    assert_true(n <= BATCH_MAX);
    prepare(b->items, actor ? actor : &f->env.ctx.actor, recs, n);
    b->n = n;
    rc = og_audit__appender_init(&b->app, f->env.store);
    b->open = rc == 0;
    return rc;
}

static void batch_end(batch *b)
{
    items_free(b->items, b->n);
    if (b->open)
        og_audit__appender_free(&b->app);
}

/* Every item of the batch appended. */
static void batch_all_done(const batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        assert_int_equal(b->items[i].rc, 0);
}

/* The recorded target name of record seq of a chain ("" when none). */
static void recorded_name(fixture *f, const char *chain, int64_t seq, char *out, size_t size)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store,
                                      "SELECT target_name FROM audit_record WHERE chain = ? AND"
                                      " seq = ?",
                                      "ti", chain, seq));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_strlcpy(out, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", size);
    og_stmt_free(st);
}

static void test_batch__a_failing_record_fails_alone_and_the_others_commit(void **state)
{
    fixture *f = *state;
    batch b;
    og_audit__item *items = b.items;
    char name[OG_AUDIT_NAME_MAX];
    json_t *analysis = json_pack("{s:s}", "why", "batch");
    og_audit_rec recs[4] = {gadget_use(f->t.id, "g-1"), gadget_use(f->t.id, "boom"),
                            gadget_use(NULL, "g-2"), gadget_use(f->t.id, "g-3")};
    recs[3].analysis = analysis;
    int64_t before = chain_len(f, f->t.id), platform = chain_len(f, OG_AUDIT_PLATFORM_CHAIN);
    OG_ASSERT_OK(batch_begin(f, &b, NULL, recs, 4));
    OG_ASSERT_OK(og_audit__batch_commit(&b.app, items));
    assert_int_equal(items[1].rc, OG_ERROR);
    assert_non_null(strstr(items[1].err, "the gadget namer broke on boom"));
    assert_int_equal(items[0].rc, 0);
    assert_int_equal(items[2].rc, 0);
    assert_int_equal(items[3].rc, 0);
    assert_int_equal(items[0].seq, before + 1);
    assert_int_equal(items[3].seq, before + 2);
    assert_int_equal(items[2].seq, platform + 1);
    assert_int_equal(og_store_tx_depth(f->env.store), 0);
    recorded_name(f, f->t.id, before + 1, name, sizeof(name));
    assert_string_equal(name, "gadget g-1");
    recorded_name(f, f->t.id, before + 2, name, sizeof(name));
    assert_string_equal(name, "gadget g-3");
    items_free(items, 4);
    /* alone in its batch, through the same appender, it fails the same way and appends nothing */
    prepare(items, &f->env.ctx.actor, &recs[1], 1);
    b.n = 1;
    assert_int_equal(og_audit__batch_commit(&b.app, items), OG_ERROR);
    assert_int_equal(items[0].rc, OG_ERROR);
    assert_non_null(strstr(items[0].err, "the gadget namer broke on boom"));
    assert_int_equal(og_store_tx_depth(f->env.store), 0);
    batch_end(&b);
    json_decref(analysis);
    expect_verified(f, f->t.id, before + 2);
    expect_verified(f, NULL, -1);
}

/* The records of one scenario, for a tenant: names from the caller, a namer, the last recorded
 * name (one recorded earlier in the same batch), the tenant itself, and none. */
static void scenario(const char *tenant_id, og_audit_rec recs[6])
{
    og_audit_rec r[6] = {
        {.area = "test",
         .action = "gadget.add",
         .target_type = "gadget",
         .target_id = "ghost-1",
         .target_name = "Casper"},
        {.area = "test", .action = "gadget.use", .target_type = "gadget", .target_id = "ghost-1"},
        {.area = "test", .action = "gadget.use", .target_type = "gadget", .target_id = "g-7"},
        {.area = "test", .action = "tenant.touch", .target_type = "tenant", .target_id = tenant_id},
        {.area = "test", .action = "gadget.use", .target_type = "gadget", .target_id = "ghost-2"},
        {.area = "test",
         .action = "gadget.use",
         .target_type = "gadget",
         .target_id = "ghost-1",
         .failed = 1,
         .detail = "jammed"},
    };
    for (int i = 0; i < 6; i++) {
        recs[i] = r[i];
        recs[i].tenant_id = tenant_id;
    }
}

/* The names (tenant_name, target_name, actor_id) of a chain's last n records, as one text (the
 * tenant's own name as "(tenant)": the scenario runs in two tenants' chains). */
static void names_of(fixture *f, const char *chain, int n, og_buf *out)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(
        og_stmt_prepare_args(&st, f->env.store,
                             "SELECT tenant_name IS NOT NULL, CASE WHEN target_name ="
                             " tenant_name THEN '(tenant)' ELSE target_name END,"
                             " actor_id, action FROM audit_record WHERE chain = ? AND seq > ?"
                             " ORDER BY seq",
                             "ti", chain, chain_len(f, chain) - n));
    while (og_stmt_step(st) == OG_ROW)
        og_buf_printf(out, "%lld|%s|%s|%s\n", (long long)og_stmt_col_int(st, 0),
                      og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "-",
                      og_stmt_col_text(st, 2) ? og_stmt_col_text(st, 2) : "-",
                      og_stmt_col_text(st, 3));
    og_stmt_free(st);
}

static void test_batch__records_the_names_one_by_one_appends_record_and_reads_less(void **state)
{
    fixture *f = *state;
    batch bt;
    og_audit_rec one[6], recs[6];
    og_buf a, b;
    og_actor user = f->env.ctx.actor;
    og_buf_init(&a, 1 << 16);
    og_buf_init(&b, 1 << 16);
    user.kind = OG_ACTOR_USER;
    og_strlcpy(user.user_id, "0b9c6e54-0000-4000-8000-000000000001", sizeof(user.user_id));
    og_strlcpy(user.user_name, "alice", sizeof(user.user_name));

    /* one by one, a transaction each, in acme's chain */
    scenario(f->t.id, one);
    og_ctx ctx = f->env.ctx;
    ctx.actor = user;
    int64_t s0 = og_store_statements(f->env.store);
    for (int i = 0; i < 6; i++) {
        OG_ASSERT_OK(og_store_tx_begin(f->env.store));
        OG_ASSERT_OK(og_audit_append(&ctx, &one[i], NULL));
        OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    }
    int64_t one_by_one = og_store_statements(f->env.store) - s0;

    /* the same as one batch in globex's chain */
    scenario(f->u.id, recs);
    OG_ASSERT_OK(batch_begin(f, &bt, &user, recs, 6));
    s0 = og_store_statements(f->env.store);
    OG_ASSERT_OK(og_audit__batch_commit(&bt.app, bt.items));
    int64_t batched = og_store_statements(f->env.store) - s0;
    batch_all_done(&bt);
    batch_end(&bt);

    names_of(f, f->t.id, 6, &a);
    names_of(f, f->u.id, 6, &b);
    assert_string_equal(a.data, b.data);
    /* spot checks: the caller's name, then that name as the last recorded one, the namer's */
    assert_non_null(strstr(b.data, "1|Casper|0b9c6e54-0000-4000-8000-000000000001|gadget.add\n"
                                   "1|Casper|"));
    assert_non_null(strstr(b.data, "1|gadget g-7|"));
    assert_non_null(strstr(b.data, "1|(tenant)|"));
    assert_non_null(strstr(b.data, "1|-|"));
    /* each chain's head and each name read once for the batch, no savepoint per record */
    if (batched >= one_by_one / 2)
        fail_msg("the batch ran %lld statements, one by one %lld", (long long)batched,
                 (long long)one_by_one);
    og_buf_free(&a);
    og_buf_free(&b);
    expect_verified(f, f->t.id, -1);
    expect_verified(f, f->u.id, -1);
}

static void test_batch__a_tenant_create_record_opens_the_tenants_chain(void **state)
{
    fixture *f = *state;
    batch b;
    og_audit_rec recs[3] = {
        gadget_use(f->t.id, "g-1"),
        {.area = "tenant",
         .action = "tenant.create",
         .target_type = "tenant",
         .target_id = "5d1e0c3a-0000-4000-8000-00000000beef",
         .target_name = "initech"},
        gadget_use(f->t.id, "g-2"),
    };
    OG_ASSERT_OK(batch_begin(f, &b, NULL, recs, 3));
    OG_ASSERT_OK(og_audit__batch_commit(&b.app, b.items));
    batch_all_done(&b);
    batch_end(&b);
    assert_int_equal(chain_len(f, "5d1e0c3a-0000-4000-8000-00000000beef"), 1);
    expect_verified(f, "5d1e0c3a-0000-4000-8000-00000000beef", 1);
    expect_verified(f, NULL, -1);
    expect_verified(f, f->t.id, -1);
}

/* The Nth store call fails, N = 1, 2, ... until none does: every record the batch reports done is
 * in its chain, the others are not, no transaction is left open and the chains verify. */
static void test_batch__a_failing_store_call_leaves_each_record_whole(void **state)
{
    fixture *f = *state;
    og_audit_rec recs[3] = {gadget_use(f->t.id, "g-1"), gadget_use(NULL, "g-2"),
                            gadget_use(f->t.id, "ghost-3")};
    long n;
    for (n = 1; n < 200; n++) {
        batch b;
        og_audit__item *items = b.items;
        int64_t t0 = chain_len(f, f->t.id), p0 = chain_len(f, OG_AUDIT_PLATFORM_CHAIN), t = 0,
                p = 0;
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, n, 0));
        int rc = batch_begin(f, &b, NULL, recs, 3);
        if (rc == 0)
            og_audit__batch_commit(&b.app, items);
        long fired = og_store_fault_fired(f->env.store);
        OG_ASSERT_OK(og_store_fault_arm(f->env.store, 0, 0));
        assert_int_equal(og_store_tx_depth(f->env.store), 0);
        for (int i = 0; rc == 0 && i < 3; i++) {
            if (items[i].rc < 0)
                continue;
            if (i == 1)
                assert_int_equal(items[i].seq, p0 + ++p);
            else
                assert_int_equal(items[i].seq, t0 + ++t);
        }
        assert_int_equal(chain_len(f, f->t.id), t0 + t);
        assert_int_equal(chain_len(f, OG_AUDIT_PLATFORM_CHAIN), p0 + p);
        expect_verified(f, f->t.id, t0 + t);
        expect_verified(f, NULL, -1);
        batch_end(&b);
        if (!fired) {
            assert_int_equal(t + p, 3);
            break;
        }
    }
    assert_true(n > 1 && n < 200);
}

static void test_batch__refuses_to_run_inside_a_transaction(void **state)
{
    fixture *f = *state;
    batch b;
    og_audit_rec rec = {.tenant_id = f->t.id, .area = "test", .action = "gadget.use"};
    OG_ASSERT_OK(batch_begin(f, &b, NULL, &rec, 1));
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    assert_int_equal(og_audit__batch_commit(&b.app, b.items), OG_ERROR);
    og_store_tx_rollback(f->env.store);
    batch_end(&b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_batch__a_failing_record_fails_alone_and_the_others_commit),
        T(test_batch__records_the_names_one_by_one_appends_record_and_reads_less),
        T(test_batch__a_tenant_create_record_opens_the_tenants_chain),
        T(test_batch__a_failing_store_call_leaves_each_record_whole),
        T(test_batch__refuses_to_run_inside_a_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
