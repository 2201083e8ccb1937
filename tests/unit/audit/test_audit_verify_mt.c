/* test_audit_verify_mt.c - verify with its worker threads on a chain of several batches (512
 * records each): a tamper in the middle is found and named exactly as verify without threads
 * names it (same chain, seq, counts and message). */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS 3000 /* about 6 batches */

typedef struct fixture {
    og_test_env env;
    og_tenant t;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_audit__verify_set_workers(-1);
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

/* n records in the tenant's chain in one transaction, each with its own analysis. */
static void append_n(fixture *f, int n)
{
    og_audit__appender app;
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_audit__appender_init(&app, f->env.store));
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cert-%d", i);
        json_t *analysis = json_pack("{s:i,s:s}", "n", i, "why", "renewal");
        og_audit_rec rec = {.tenant_id = f->t.id,
                            .area = "certs",
                            .action = "cert.renew",
                            .target_type = "certificate",
                            .target_id = id,
                            .analysis = analysis};
        OG_ASSERT_OK(og_audit__append(&app, &f->env.ctx.actor, NULL, &rec, NULL));
        json_decref(analysis);
    }
    og_audit__appender_free(&app);
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
}

/* RECORDS records with a checkpoint in the middle (so the Merkle roots are checked too). */
static void big_chain(fixture *f)
{
    append_n(f, RECORDS / 2);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    append_n(f, RECORDS / 2);
}

/* What an attacker with the database can do, on either backend: drop the immutability triggers,
 * then change the chain. */
static void tamper(fixture *f, const char *sql)
{
    og_store *db = og_test_raw_open(&f->env);
    og_test_raw_drop_trigger(db, "audit_record_no_update", "audit_record");
    og_test_raw_drop_trigger(db, "audit_record_no_delete", "audit_record");
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
}

/* Verify with `workers` threads: its return code, result and error message. */
static int verify_with(fixture *f, int workers, og_audit_verify_result *res, char *err, size_t n)
{
    og_audit__verify_set_workers(workers);
    int rc = og_audit_verify(&f->env.ctx, NULL, res);
    og_strlcpy(err, rc < 0 ? og_error_last() : "", n);
    return rc;
}

/* With 1 and 3 worker threads verify finds the same first problem as without: at seq `seq`. */
static void expect_same_as_without_threads(fixture *f, int64_t seq, const char *what)
{
    og_audit_verify_result one, many;
    char err_one[1024], err_many[1024];
    assert_int_equal(verify_with(f, 0, &one, err_one, sizeof(err_one)), OG_ECORRUPT);
    assert_string_equal(one.chain, f->t.id);
    if (one.bad_seq != seq || !strstr(one.what, what))
        fail_msg("without threads: seq %lld, '%s'", (long long)one.bad_seq, one.what);
    for (int workers = 1; workers <= 3; workers += 2) {
        assert_int_equal(verify_with(f, workers, &many, err_many, sizeof(err_many)), OG_ECORRUPT);
        assert_string_equal(many.chain, one.chain);
        assert_int_equal(many.bad_seq, one.bad_seq);
        assert_string_equal(many.what, one.what);
        assert_string_equal(many.message, one.message);
        assert_string_equal(err_many, err_one);
        assert_int_equal(many.records, one.records);
        assert_int_equal(many.checkpoints, one.checkpoints);
    }
}

static void test_verify_mt__an_intact_chain_of_many_batches_verifies(void **state)
{
    fixture *f = *state;
    og_audit_verify_result one, many;
    char err[1024];
    big_chain(f);
    OG_ASSERT_OK(verify_with(f, 0, &one, err, sizeof(err)));
    OG_ASSERT_OK(verify_with(f, 3, &many, err, sizeof(err)));
    assert_true(many.records > RECORDS);
    assert_int_equal(many.records, one.records);
    assert_int_equal(many.chains, one.chains);
    assert_int_equal(many.checkpoints, one.checkpoints);
}

static void test_verify_mt__finds_a_changed_record_in_the_middle(void **state)
{
    fixture *f = *state;
    big_chain(f);
    tamper(f, "UPDATE audit_record SET target_id = 'cert-x' WHERE seq = 1777 AND chain != "
              "'platform'");
    expect_same_as_without_threads(f, 1777, "content does not match");
}

static void test_verify_mt__finds_a_changed_record_first_in_a_batch(void **state)
{
    fixture *f = *state;
    big_chain(f);
    tamper(f, "UPDATE audit_record SET detail = 'x' WHERE seq = 1025 AND chain != 'platform'");
    expect_same_as_without_threads(f, 1025, "content does not match");
}

static void test_verify_mt__finds_a_deleted_record_in_the_middle(void **state)
{
    fixture *f = *state;
    big_chain(f);
    tamper(f, "DELETE FROM audit_record WHERE seq = 2222 AND chain != 'platform'");
    expect_same_as_without_threads(f, 2222, "missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_mt__an_intact_chain_of_many_batches_verifies,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_mt__finds_a_changed_record_in_the_middle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_mt__finds_a_changed_record_first_in_a_batch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_mt__finds_a_deleted_record_in_the_middle, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
