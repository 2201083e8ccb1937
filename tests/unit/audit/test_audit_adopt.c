/* test_audit_adopt.c - the adoption of a trail written before the platform chain recorded chain
 * starts (2185d40), built here record by record as such an opsgate wrote it: a tenant whose chain
 * began without audit.chain.open and one that never acted get adopted and opened; verify and
 * signing pass; nothing is adopted twice; a trail that records checkpoints is never adopted. */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

/* Append one record the way an opsgate from before 2185d40 did: no audit.chain.open follows a
 * tenant.create. */
static void old_record(og_store *s, const char *chain, const char *action, const char *type,
                       const char *id)
{
    og_stmt *st = NULL;
    og_buf scratch;
    char prev[OG_AUDIT_HASH_HEX], hash[OG_AUDIT_HASH_HEX], time[OG_TIME_LEN];
    int64_t n = 0;
    og_audit__row r;
    memset(&r, 0, sizeof(r));
    memset(prev, '0', 64);
    prev[64] = '\0';
    OG_ASSERT_OK(og_audit__chain_length(s, chain, &n));
    if (n) {
        OG_ASSERT_OK(og_stmt_prepare_args(&st, s,
                                          "SELECT hash FROM audit_record WHERE chain = ? AND"
                                          " seq = ?",
                                          "ti", chain, n));
        assert_int_equal(og_stmt_step(st), OG_ROW);
        og_strlcpy(prev, og_stmt_col_text(st, 0), sizeof(prev));
        og_stmt_free(st);
    }
    og_time_format(og_time_now_us(), time);
    r.chain = chain;
    r.seq = n + 1;
    r.time = time;
    r.actor = "local:root";
    r.area = "platform";
    r.action = action;
    r.target_type = type;
    r.target_id = id;
    r.outcome = "ok";
    r.prev_hash = prev;
    og_buf_init(&scratch, 1024);
    OG_ASSERT_OK(og_audit__row_hash(&scratch, &r, hash));
    og_buf_free(&scratch);
    OG_ASSERT_OK(og_stmt_prepare_args(&st, s,
                                      "INSERT INTO audit_record (chain, seq, time, actor, area,"
                                      " action, target_type, target_id, outcome, prev_hash, hash)"
                                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                      "tittttttttt", chain, r.seq, time, r.actor, r.area, action,
                                      type, id, r.outcome, prev, hash));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
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

static void test_adopt__opens_and_accepts_an_old_trail(void **state)
{
    (void)state;
    og_test_env env;
    og_audit_verify_result res;
    int adopted = -1, made = 0;
    og_test_env_setup(&env);
    og_store *s = env.ctx.store;
    OG_ASSERT_OK(og_store_tx_begin(s));
    old_record(s, OG_AUDIT_PLATFORM_CHAIN, "tenant.create", "tenant", "t-acted");
    old_record(s, "t-acted", "artifact.put", "artifact", "a1");
    old_record(s, "t-acted", "artifact.put", "artifact", "a2");
    old_record(s, OG_AUDIT_PLATFORM_CHAIN, "tenant.create", "tenant", "t-idle");
    OG_ASSERT_OK(og_store_tx_commit(s));
    /* as found: the chain starts are unrecorded, the idle tenant has no chain */
    assert_int_equal(og_audit_verify(&env.ctx, NULL, &res), OG_ECORRUPT);

    OG_ASSERT_OK(og_audit_adopt(&env.ctx, &adopted));
    assert_int_equal(adopted, 1);
    assert_int_equal(count(s, "SELECT count(*) FROM audit_record WHERE action = 'audit.adopt'"), 1);
    assert_int_equal(count(s, "SELECT count(*) FROM audit_record WHERE chain = 't-idle' AND"
                              " seq = 1 AND action = 'audit.chain.open'"),
                     1);
    OG_ASSERT_OK(og_audit_verify(&env.ctx, NULL, &res));
    OG_ASSERT_OK(og_audit_adopt(&env.ctx, &adopted));
    assert_int_equal(adopted, 0);

    OG_ASSERT_OK(og_audit_checkpoint_all(&env.ctx, &made));
    assert_true(made >= 3);
    OG_ASSERT_OK(og_audit_verify(&env.ctx, NULL, &res));
    OG_ASSERT_OK(og_audit_adopt(&env.ctx, &adopted));
    assert_int_equal(adopted, 0);

    /* a chain begun without audit.chain.open after the adoption is not adopted */
    OG_ASSERT_OK(og_store_tx_begin(s));
    old_record(s, OG_AUDIT_PLATFORM_CHAIN, "tenant.create", "tenant", "t-late");
    old_record(s, "t-late", "artifact.put", "artifact", "a3");
    OG_ASSERT_OK(og_store_tx_commit(s));
    OG_ASSERT_OK(og_audit_adopt(&env.ctx, &adopted));
    assert_int_equal(adopted, 0);
    assert_int_equal(og_audit_verify(&env.ctx, NULL, &res), OG_ECORRUPT);
    assert_string_equal(res.chain, "t-late");
    og_test_env_teardown(&env);
}

static void test_adopt__never_a_trail_that_records_checkpoints(void **state)
{
    (void)state;
    og_test_env env;
    og_audit_verify_result res;
    int adopted = -1, made = 0;
    og_test_env_setup(&env);
    og_store *s = env.ctx.store;
    OG_ASSERT_OK(og_store_tx_begin(s));
    old_record(s, OG_AUDIT_PLATFORM_CHAIN, "platform.note", "note", "n1");
    OG_ASSERT_OK(og_store_tx_commit(s));
    OG_ASSERT_OK(og_audit_checkpoint_all(&env.ctx, &made));
    OG_ASSERT_OK(og_store_tx_begin(s));
    old_record(s, OG_AUDIT_PLATFORM_CHAIN, "tenant.create", "tenant", "t-forged");
    old_record(s, "t-forged", "artifact.put", "artifact", "a1");
    OG_ASSERT_OK(og_store_tx_commit(s));
    OG_ASSERT_OK(og_audit_adopt(&env.ctx, &adopted));
    assert_int_equal(adopted, 0);
    assert_int_equal(og_audit_verify(&env.ctx, NULL, &res), OG_ECORRUPT);
    assert_string_equal(res.chain, "t-forged");
    og_test_env_teardown(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adopt__opens_and_accepts_an_old_trail),
        cmocka_unit_test(test_adopt__never_a_trail_that_records_checkpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
