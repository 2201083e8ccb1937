/* test_audit.c - the audit trail on a real installation (either backend): transactions,
 * immutability, tampering found by verify (with the database opened directly, behind the
 * module's back), proofs, listing, exports, group commit.
 */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

/* Append n ok records to the tenant's chain, one transaction each, like real operations. */
static void append_n(fixture *f, int n, const char *detail)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "obj-%d", i);
        og_audit_rec rec = {.tenant_id = f->t.id,
                            .area = "artifacts",
                            .action = "artifact.put",
                            .target_type = "artifact",
                            .target_id = id,
                            .detail = detail};
        json_t *analysis = json_pack("{s:i,s:f}", "n", i, "score", 0.25 * i);
        rec.analysis = analysis;
        OG_ASSERT_OK(og_store_tx_begin(f->env.store));
        OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, NULL));
        OG_ASSERT_OK(og_store_tx_commit(f->env.store));
        json_decref(analysis);
    }
}

/* Drop the immutability triggers: what an attacker with the database can do. */
static og_store *tamper_db(fixture *f)
{
    static const char *const triggers[][2] = {
        {"audit_record_no_update", "audit_record"},
        {"audit_record_no_delete", "audit_record"},
        {"audit_record_extends_chain", "audit_record"},
        {"audit_checkpoint_no_update", "audit_checkpoint"},
        {"audit_checkpoint_no_delete", "audit_checkpoint"},
        {"audit_key_no_update", "audit_key"},
        {"audit_key_no_delete", "audit_key"},
    };
    og_store *db = og_test_raw_open(&f->env);
    for (size_t i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
        og_test_raw_drop_trigger(db, triggers[i][0], triggers[i][1]);
    return db;
}

static void expect_broken(fixture *f, int64_t seq, const char *what)
{
    og_audit_verify_result res;
    int rc = og_audit_verify(&f->env.ctx, NULL, &res);
    if (rc != OG_ECORRUPT)
        fail_msg("verify returned %d (%s), expected OG_ECORRUPT", rc, og_error_last());
    assert_string_equal(res.chain, f->t.id);
    if (res.bad_seq != seq)
        fail_msg("first bad seq %lld, expected %lld (%s)", (long long)res.bad_seq, (long long)seq,
                 res.what);
    if (!strstr(res.what, what))
        fail_msg("'%s' does not mention '%s'", res.what, what);
    assert_non_null(strstr(og_error_last(), f->t.id));
    /* the tenant's own verify says the same */
    assert_int_equal(og_audit_verify(&f->env.ctx, f->t.id, &res), OG_ECORRUPT);
    assert_int_equal(res.bad_seq, seq);
}

/* The chain's opening record and 9 more, a checkpoint at 10, then 2 more. */
static void standard_chain(fixture *f)
{
    append_n(f, 9, NULL);
    json_t *cp = NULL;
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, &cp));
    assert_int_equal(json_integer_value(json_object_get(cp, "tree_size")), 10);
    json_decref(cp);
    append_n(f, 2, NULL);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
    assert_int_equal(res.chains, 2); /* platform + acme */
    assert_true(res.records >= 12);
    assert_int_equal(res.checkpoints, 2); /* acme's and the platform chain's that covers it */
}

/* A checkpoint publisher (the event outbox, in the product) that counts and may refuse. */
typedef struct heard {
    int calls, fail;
    int64_t last_size;
} heard;

static int publisher(og_ctx *ctx, json_t *cp, void *arg)
{
    heard *h = arg;
    (void)ctx;
    h->calls++;
    h->last_size = json_integer_value(json_object_get(cp, "tree_size"));
    return h->fail ? og_error_set(OG_ERROR, "publisher refused") : 0;
}

static void test_checkpoint__publishers_hear_each_and_a_refusal_rolls_it_back(void **state)
{
    fixture *f = *state;
    heard h = {0, 1, 0};
    og_audit_verify_result res;
    append_n(f, 3, NULL);
    OG_ASSERT_OK(og_audit_publisher_register(publisher, &h));
    OG_ASSERT_OK(og_audit_publisher_register(publisher, &h)); /* once only */
    assert_int_equal(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "publisher refused"));
    assert_int_equal(h.calls, 1);
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
    assert_int_equal(res.checkpoints, 0); /* nothing signed stays without its publication */
    h.fail = 0;
    h.calls = 0;
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    assert_int_equal(h.calls, 2); /* the tenant chain's and the platform chain's that covers it */
    assert_true(h.last_size > 0);
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
    assert_int_equal(res.checkpoints, 2);
    og_audit_publisher_unregister(publisher, &h);
    append_n(f, 1, NULL);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    assert_int_equal(h.calls, 2); /* unregistered: not called again */
}

static void test_append__needs_the_callers_transaction(void **state)
{
    fixture *f = *state;
    og_audit_rec rec = {.tenant_id = f->t.id, .area = "artifacts", .action = "x"};
    assert_int_equal(og_audit_append(&f->env.ctx, &rec, NULL), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "transaction"));
}

static void test_append__rolled_back_transaction_leaves_no_record(void **state)
{
    fixture *f = *state;
    append_n(f, 1, NULL);
    og_audit_rec rec = {.tenant_id = f->t.id, .area = "artifacts", .action = "artifact.delete"};
    int64_t seq = 0;
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, &seq));
    assert_int_equal(seq, 3); /* 1 opens the tenant's chain, 2 is append_n's */
    og_store_tx_rollback(f->env.store);
    json_t *arr = NULL;
    int64_t next;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->t.id, 0, 100, NULL, NULL, &arr, &next));
    assert_int_equal(json_array_size(arr), 2);
    json_decref(arr);
    /* and the next record takes seq 3, linked to record 2 */
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, &seq));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    assert_int_equal(seq, 3);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, f->t.id, &res));
}

static void test_append__refuses_bad_records(void **state)
{
    fixture *f = *state;
    og_audit_rec rec = {.tenant_id = f->t.id, .area = "gate", .action = "x", .gate_level = "L7"};
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    assert_int_equal(og_audit_append(&f->env.ctx, &rec, NULL), OG_EINVAL);
    rec.gate_level = NULL;
    rec.action = NULL;
    assert_int_equal(og_audit_append(&f->env.ctx, &rec, NULL), OG_EINVAL);
    og_store_tx_rollback(f->env.store);
}

static void test_store__refuses_update_and_delete_of_records(void **state)
{
    fixture *f = *state;
    append_n(f, 2, NULL);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    assert_int_not_equal(og_store_exec(f->env.store, "UPDATE audit_record SET actor = 'x'"), 0);
    assert_non_null(strstr(og_error_last(), "immutable"));
    assert_int_not_equal(og_store_exec(f->env.store, "DELETE FROM audit_record"), 0);
    assert_non_null(strstr(og_error_last(), "immutable"));
    assert_int_not_equal(og_store_exec(f->env.store, "DELETE FROM audit_checkpoint"), 0);
    assert_int_not_equal(og_store_exec(f->env.store, "UPDATE audit_checkpoint SET root = 'x'"), 0);
    /* also through a connection of its own, as long as the triggers exist */
    og_store *db = og_test_raw_open(&f->env);
    assert_int_not_equal(og_test_raw_try(db, "DELETE FROM audit_record WHERE seq = 1"), 0);
    og_store_close(db);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
}

static void test_verify__finds_a_changed_field(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    og_test_raw_exec(db, "UPDATE audit_record SET target_id = 'obj-999' WHERE seq = 4 AND chain != "
                         "'platform'");
    og_store_close(db);
    expect_broken(f, 4, "changed");
}

static void test_verify__finds_a_changed_analysis(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    og_test_raw_exec(
        db, "UPDATE audit_record SET analysis = '{\"n\":6,\"score\":99}' WHERE seq = 7 AND "
            "chain != 'platform'");
    og_store_close(db);
    expect_broken(f, 7, "changed");
}

static void test_verify__finds_a_deleted_row(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE seq = 5 AND chain != 'platform'");
    og_store_close(db);
    expect_broken(f, 5, "missing");
}

/* The attacker renumbers the later rows and inserts a record with a correct hash, linked to its
 * predecessor: the first record that no longer fits is the displaced one. */
static void test_verify__finds_an_inserted_row(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "UPDATE audit_record SET seq = -seq - 1 WHERE chain = '%s' AND seq >= 6;"
             "UPDATE audit_record SET seq = -seq WHERE chain = '%s' AND seq < 0;",
             f->t.id, f->t.id);
    og_test_raw_exec(db, "%s", sql);
    /* a well-formed record 6 linked to record 5 */
    og_stmt *st = NULL;
    snprintf(sql, sizeof(sql), "SELECT hash FROM audit_record WHERE chain = '%s' AND seq = 5",
             f->t.id);
    OG_ASSERT_OK(og_stmt_prepare(&st, db, sql));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    char prev[OG_AUDIT_HASH_HEX], hash[OG_AUDIT_HASH_HEX];
    og_strlcpy(prev, og_stmt_col_text(st, 0), sizeof(prev));
    og_stmt_free(st);
    og_audit__row r = {.chain = f->t.id,
                       .seq = 6,
                       .time = "2026-11-22T00:00:00.000000Z",
                       .actor = "local:root",
                       .area = "artifacts",
                       .action = "artifact.put",
                       .outcome = "ok",
                       .prev_hash = prev};
    og_buf scratch;
    og_buf_init(&scratch, 1 << 20);
    OG_ASSERT_OK(og_audit__row_hash(&scratch, &r, hash));
    og_buf_free(&scratch);
    snprintf(sql, sizeof(sql),
             "INSERT INTO audit_record (chain, seq, time, actor, area, action, outcome, prev_hash,"
             " hash) VALUES ('%s', 6, '%s', 'local:root', 'artifacts', 'artifact.put', 'ok', '%s',"
             " '%s')",
             f->t.id, r.time, prev, hash);
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
    expect_broken(f, 7, "");
}

static void test_verify__finds_two_swapped_rows(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "UPDATE audit_record SET seq = -1 WHERE chain = '%s' AND seq = 3;"
             "UPDATE audit_record SET seq = 3 WHERE chain = '%s' AND seq = 8;"
             "UPDATE audit_record SET seq = 8 WHERE chain = '%s' AND seq = -1;",
             f->t.id, f->t.id, f->t.id);
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
    expect_broken(f, 3, "");
}

static void test_verify__finds_the_tail_cut_off_below_the_checkpoint(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    char sql[256];
    snprintf(sql, sizeof(sql), "DELETE FROM audit_record WHERE chain = '%s' AND seq >= 8", f->t.id);
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
    expect_broken(f, 8, "removed");
}

/* Rewriting every hash consistently keeps the chain well linked: the signed root catches it. */
static void test_verify__finds_a_consistently_rewritten_chain_by_its_checkpoint(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    og_stmt *st = NULL;
    char sql[512], prev[OG_AUDIT_HASH_HEX];
    memset(prev, '0', 64);
    prev[64] = '\0';
    og_buf scratch;
    og_buf_init(&scratch, 1 << 20);
    snprintf(sql, sizeof(sql),
             "UPDATE audit_record SET detail = 'forged' WHERE chain = '%s' AND "
             "seq = 2",
             f->t.id);
    og_test_raw_exec(db, "%s", sql);
    for (int64_t seq = 1; seq <= 12; seq++) {
        snprintf(sql, sizeof(sql),
                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain ="
                 " '%s' AND seq = %lld",
                 f->t.id, (long long)seq);
        OG_ASSERT_OK(og_stmt_prepare(&st, db, sql));
        assert_int_equal(og_stmt_step(st), OG_ROW);
        og_audit__row r = {0};
        const char *c[23];
        for (int i = 0; i < 23; i++)
            c[i] = og_stmt_col_text(st, i);
        r.chain = c[0], r.seq = seq, r.time = c[2], r.actor = c[3], r.token_id = c[4];
        r.area = c[5], r.action = c[6], r.target_type = c[7], r.target_id = c[8];
        r.event_id = c[9], r.analysis = c[10], r.gate_level = c[11], r.gate_decision = c[12];
        r.gate_decided_by = c[13], r.gate_decided_at = c[14], r.outcome = c[15];
        r.detail = c[16], r.rollback_of = og_stmt_col_int(st, 17), r.prev_hash = prev;
        r.tenant_name = c[20], r.actor_id = c[21], r.target_name = c[22];
        char hash[OG_AUDIT_HASH_HEX];
        OG_ASSERT_OK(og_audit__row_hash(&scratch, &r, hash));
        og_stmt_free(st);
        snprintf(sql, sizeof(sql),
                 "UPDATE audit_record SET prev_hash = '%s', hash = '%s' WHERE "
                 "chain = '%s' AND seq = %lld",
                 prev, hash, f->t.id, (long long)seq);
        og_test_raw_exec(db, "%s", sql);
        memcpy(prev, hash, sizeof(prev));
    }
    og_buf_free(&scratch);
    og_store_close(db);
    expect_broken(f, 0, "Merkle root");
    /* and no new checkpoint is signed over the rewritten history */
    assert_int_equal(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL), OG_ECORRUPT);
}

static void test_verify__finds_a_forged_checkpoint_signature(void **state)
{
    fixture *f = *state;
    standard_chain(f);
    og_store *db = tamper_db(f);
    /* a C2SP checkpoint signs origin, size and root; its time is covered by its record */
    og_test_raw_exec(db, "UPDATE audit_checkpoint SET time = '2030-01-01T00:00:00.000000Z'");
    og_store_close(db);
    expect_broken(f, 0, "replaced");
    db = og_test_raw_open(&f->env);
    og_test_raw_exec(
        db, "UPDATE audit_checkpoint SET signature = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=='");
    og_store_close(db);
    expect_broken(f, 0, "signature");
}

static void test_checkpoint__all_chains_and_only_when_grown(void **state)
{
    fixture *f = *state;
    append_n(f, 3, NULL);
    int made = -1;
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, &made));
    assert_int_equal(made, 2);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, &made));
    assert_int_equal(made, 0);
    append_n(f, 1, NULL);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, &made));
    assert_int_equal(made, 2); /* acme's, then the platform chain's that records it */
    /* a tenant user may not sign checkpoints */
    og_ctx ctx = f->env.ctx;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_actor_become(&ctx, "acme", "eve"));
    assert_true(og_audit_checkpoint_all(&ctx, &made) < 0);
}

static void test_prove__proof_verifies_offline_and_detects_changes(void **state)
{
    fixture *f = *state;
    append_n(f, 13, "with, \"quotes\"\nand lines");
    json_t *proof = NULL;
    assert_int_equal(og_audit_prove(&f->env.ctx, f->t.id, 5, &proof), OG_ENOTFOUND);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    char *pem = NULL;
    uint8_t pub[32], other[32], otherpriv[32];
    OG_ASSERT_OK(og_audit_pubkey_pem(&f->env.ctx, &pem));
    OG_ASSERT_OK(og_audit_pubkey_parse(pem, pub));
    free(pem);
    for (int64_t seq = 1; seq <= 14; seq++) {
        OG_ASSERT_OK(og_audit_prove(&f->env.ctx, f->t.id, seq, &proof));
        OG_ASSERT_OK(og_audit_proof_verify(proof, pub));
        json_decref(proof);
    }
    assert_int_equal(og_audit_prove(&f->env.ctx, f->t.id, 15, &proof), OG_ENOTFOUND);
    OG_ASSERT_OK(og_audit_prove(&f->env.ctx, f->t.id, 6, &proof));
    /* a C2SP checkpoint: the signed note, base64 hashes */
    assert_string_equal(json_string_value(json_object_get(proof, "format")),
                        "opsgate-audit-inclusion-proof/2");
    assert_non_null(
        strstr(json_string_value(json_object_get(proof, "checkpoint")), "\n\n\xe2\x80\x94 "));
    /* another key */
    OG_ASSERT_OK(og_crypto_ed25519_generate(otherpriv, other));
    assert_int_equal(og_audit_proof_verify(proof, other), OG_ECORRUPT);
    /* a changed record */
    json_t *copy = json_deep_copy(proof);
    json_object_set_new(json_object_get(copy, "record"), "action", json_string("artifact.del"));
    assert_int_equal(og_audit_proof_verify(copy, pub), OG_ECORRUPT);
    json_decref(copy);
    /* a changed path */
    copy = json_deep_copy(proof);
    json_array_set_new(json_object_get(copy, "proof"), 0,
                       json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    assert_int_equal(og_audit_proof_verify(copy, pub), OG_ECORRUPT);
    json_decref(copy);
    /* another leaf index */
    copy = json_deep_copy(proof);
    json_object_set_new(copy, "leaf_index", json_integer(6));
    assert_int_equal(og_audit_proof_verify(copy, pub), OG_ECORRUPT);
    json_decref(copy);
    /* malformed documents are bad input, not failed proofs */
    copy = json_deep_copy(proof);
    json_object_set_new(copy, "root_hash", json_string("xyz"));
    assert_int_equal(og_audit_proof_verify(copy, pub), OG_EINVAL);
    json_object_del(copy, "checkpoint");
    assert_int_equal(og_audit_proof_verify(copy, pub), OG_EINVAL);
    json_decref(copy);
    json_t *empty = json_object();
    assert_int_equal(og_audit_proof_verify(empty, pub), OG_EINVAL);
    json_decref(empty);
    json_decref(proof);
}

static void test_pubkey__parse_refuses_what_is_not_an_ed25519_pem(void **state)
{
    (void)state;
    uint8_t pub[32];
    assert_int_equal(og_audit_pubkey_parse("hello", pub), OG_EINVAL);
    assert_int_equal(og_audit_pubkey_parse("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC "
                                           "KEY-----\n",
                                           pub),
                     OG_EINVAL);
    /* an RSA-sized body */
    assert_int_equal(og_audit_pubkey_parse("-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADS"
                                           "wAwSAJBAMv7\n-----END PUBLIC KEY-----\n",
                                           pub),
                     OG_EINVAL);
}

static void test_list_newest__pages_back_from_the_newest(void **state)
{
    fixture *f = *state;
    append_n(f, 25, NULL); /* seq 1 (the chain's opening record) to 26 */
    json_t *arr = NULL;
    int64_t next = 0, before = 0, want = 26;
    int pages = 0;
    do {
        OG_ASSERT_OK(og_audit_list_desc(&f->env.ctx, f->t.id, before, 10, NULL, &arr, &next));
        json_t *r;
        size_t i;
        json_array_foreach(arr, i, r)
            assert_int_equal(json_integer_value(json_object_get(r, "seq")), want--);
        json_decref(arr);
        before = next;
        pages++;
    } while (next);
    assert_int_equal(want, 0);
    assert_int_equal(pages, 3);
    OG_ASSERT_OK(og_audit_list_desc(&f->env.ctx, f->t.id, 3, 10, NULL, &arr, &next));
    assert_int_equal(json_array_size(arr), 2);
    assert_int_equal(next, 0);
    json_decref(arr);
    assert_int_equal(og_audit_list_desc(&f->env.ctx, f->t.id, -1, 10, NULL, &arr, &next),
                     OG_EINVAL);
}

static void test_list__pages_with_a_cursor_and_filters(void **state)
{
    fixture *f = *state;
    append_n(f, 25, NULL);
    json_t *arr = NULL;
    int64_t next = 0, after = 0, seen = 0;
    int pages = 0;
    do {
        OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->t.id, after, 10, NULL, NULL, &arr, &next));
        seen += (int64_t)json_array_size(arr);
        if (json_array_size(arr))
            assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "seq")),
                             after + 1);
        json_decref(arr);
        after = next;
        pages++;
    } while (next);
    assert_int_equal(seen, 26); /* and the chain's opening record */
    assert_int_equal(pages, 3);
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->t.id, 0, 1000, "user.add", NULL, &arr, &next));
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, NULL, 0, 1000, "tenant.create", "2000-01-01", &arr, &next));
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->t.id, 0, 1000, NULL, "2999-01-01T00:00:00Z", &arr, &next));
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    assert_int_equal(og_audit_list(&f->env.ctx, f->t.id, 0, 0, NULL, NULL, &arr, &next), OG_EINVAL);
    assert_int_equal(og_audit_list(&f->env.ctx, f->t.id, 0, 10, NULL, "yesterday", &arr, &next),
                     OG_EINVAL);
    /* an auditor of another tenant does not see this one */
    og_tenant other;
    og_ctx ctx = f->env.ctx;
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", &other));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "globex", "aud", OG_ROLE_AUDITOR, NULL));
    OG_ASSERT_OK(og_actor_become(&ctx, "globex", "aud"));
    assert_int_equal(og_audit_list(&ctx, f->t.id, 0, 10, NULL, NULL, &arr, &next), OG_ENOTFOUND);
    OG_ASSERT_OK(og_audit_list(&ctx, other.id, 0, 10, NULL, NULL, &arr, &next));
    json_decref(arr);
}

static int to_buf(void *arg, const void *data, size_t len)
{
    return og_buf_append(arg, data, len);
}

static void test_export__jsonl_lines_rehash_and_csv_quotes_fields(void **state)
{
    fixture *f = *state;
    append_n(f, 3, "comma, \"quote\"\nnewline");
    og_buf b;
    og_buf_init(&b, 1 << 24);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "jsonl", NULL, NULL, to_buf, &b));
    int lines = 0;
    for (char *line = b.data, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
        *nl = '\0';
        json_t *rec = json_loads(line, 0, NULL);
        assert_non_null(rec);
        char hash[OG_AUDIT_HASH_HEX];
        og_strlcpy(hash, json_string_value(json_object_get(rec, "hash")), sizeof(hash));
        json_object_del(rec, "hash");
        json_object_del(rec, "resolved"); /* names resolved at export are not hashed */
        og_buf c;
        og_buf_init(&c, 1 << 20);
        OG_ASSERT_OK(og_audit__jcs(&c, rec));
        uint8_t h[32];
        char hex[65];
        og_crypto_sha256(c.data, c.len, h);
        og_hex_encode(h, 32, hex);
        assert_string_equal(hex, hash);
        og_buf_free(&c);
        json_decref(rec);
    }
    assert_int_equal(lines, 4); /* the chain's opening record and 3 */
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "csv", NULL, NULL, to_buf, &b));
    assert_true(strncmp(b.data, "chain,tenant_name,seq,time,actor,actor_id,", 42) == 0);
    assert_non_null(strstr(b.data, ",\"comma, \"\"quote\"\"\nnewline\","));
    assert_non_null(strstr(b.data, ",\"{\"\"n\"\":0,\"\"score\"\":0}\","));
    int rows = 0;
    for (char *p = b.data; (p = strstr(p, "\r\n")); p += 2)
        rows++;
    assert_int_equal(rows, 5);
    /* since/until select by time */
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "jsonl", "2999-01-01", NULL, to_buf, &b));
    assert_int_equal(b.len, 0);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "jsonl", "2000-01-01",
                                 "2999-01-01T00:00:00Z", to_buf, &b));
    assert_true(b.len > 0);
    assert_int_equal(og_audit_export(&f->env.ctx, f->t.id, "xml", NULL, NULL, to_buf, &b),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "xml"));
    assert_int_equal(og_audit_export(&f->env.ctx, f->t.id, "csv", "soon", NULL, to_buf, &b),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "soon"));
    og_buf_free(&b);
}

static void test_export__oscal_carries_observations_and_the_checkpoint(void **state)
{
    fixture *f = *state;
    append_n(f, 4, NULL);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    og_buf b;
    og_buf_init(&b, 1 << 24);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "oscal", NULL, NULL, to_buf, &b));
    json_error_t err;
    json_t *doc = json_loads(b.data, 0, &err);
    if (!doc)
        fail_msg("export is not JSON: %s", err.text);
    json_t *ar = json_object_get(doc, "assessment-results");
    json_t *obs =
        json_object_get(json_array_get(json_object_get(ar, "results"), 0), "observations");
    assert_int_equal(json_array_size(obs), 5);
    json_t *res = json_object_get(json_object_get(ar, "back-matter"), "resources");
    assert_int_equal(json_array_size(res), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(res, 1), "base64"), "filename")),
                        "checkpoint.json");
    json_decref(doc);
    /* an empty selection is still a valid document (no empty observations array) */
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "oscal", "2999-01-01", NULL, to_buf, &b));
    doc = json_loads(b.data, 0, &err);
    assert_non_null(doc);
    assert_null(strstr(b.data, "\"observations\""));
    json_decref(doc);
    og_buf_free(&b);
}

/* ---- group commit ---- */
#define WRITERS    8
#define PER_WRITER 40

typedef struct wargs {
    og_audit_writer *w;
    const char *tenant;
    int64_t seqs[PER_WRITER];
    int rc;
} wargs;

static void *writer_thread(void *arg)
{
    wargs *a = arg;
    og_actor actor;
    og_actor_system(&actor, "test");
    for (int i = 0; i < PER_WRITER; i++) {
        og_audit_rec rec = {.tenant_id = a->tenant,
                            .area = "platform",
                            .action = "login.failed",
                            .failed = 1,
                            .detail = "bad password"};
        if ((a->rc = og_audit_append_durable(a->w, &actor, NULL, &rec, &a->seqs[i])) < 0)
            break;
    }
    return NULL;
}

static void test_writer__concurrent_durable_appends_get_distinct_linked_seqs(void **state)
{
    fixture *f = *state;
    og_audit_writer *w = NULL;
    char *url = og_test_env_db_url(&f->env);
    OG_ASSERT_OK(og_audit_writer_open(&w, url));
    free(url);
    pthread_t th[WRITERS];
    wargs args[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (wargs){.w = w, .tenant = f->t.id};
        pthread_create(&th[i], NULL, writer_thread, &args[i]);
    }
    static char seen[WRITERS * PER_WRITER + 2];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, 0);
        for (int j = 0; j < PER_WRITER; j++) {
            int64_t s = args[i].seqs[j];
            assert_true(s >= 2 && s <= WRITERS * PER_WRITER + 1); /* 1 opens the chain */
            assert_int_equal(seen[s], 0);
            seen[s] = 1;
        }
    }
    /* one bad record fails alone */
    og_actor actor;
    og_actor_system(&actor, "test");
    og_audit_rec bad = {.tenant_id = f->t.id, .area = "platform", .action = NULL};
    assert_int_equal(og_audit_append_durable(w, &actor, NULL, &bad, NULL), OG_EINVAL);
    og_audit_writer_close(w);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, f->t.id, &res));
    assert_int_equal(res.records, WRITERS * PER_WRITER + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append__needs_the_callers_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_append__rolled_back_transaction_leaves_no_record,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_append__refuses_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__refuses_update_and_delete_of_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_changed_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_changed_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_deleted_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_an_inserted_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_two_swapped_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_the_tail_cut_off_below_the_checkpoint,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_verify__finds_a_consistently_rewritten_chain_by_its_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_forged_checkpoint_signature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__all_chains_and_only_when_grown, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prove__proof_verifies_offline_and_detects_changes,
                                        setup, teardown),
        cmocka_unit_test(test_pubkey__parse_refuses_what_is_not_an_ed25519_pem),
        cmocka_unit_test_setup_teardown(test_list_newest__pages_back_from_the_newest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list__pages_with_a_cursor_and_filters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_checkpoint__publishers_hear_each_and_a_refusal_rolls_it_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export__jsonl_lines_rehash_and_csv_quotes_fields,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_export__oscal_carries_observations_and_the_checkpoint,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_writer__concurrent_durable_appends_get_distinct_linked_seqs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
