/* test_audit_trail.c - the trail across chains: checkpoints recorded in the platform chain, tenant
 * chains opened by their tenant, signing that refuses a broken trail, the INSERT trigger, signing
 * keys in a file outside the data folder, and witnesses (all attacked through the database, on
 * either backend). */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct fixture {
    og_test_env env;
    og_tenant t;
    char witness[4200];
    og_audit_opts opts;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    snprintf(f->witness, sizeof(f->witness), "%s/witness.jsonl", f->env.dir);
    f->opts.witness_file = f->witness;
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

static void append_n(fixture *f, const char *tenant, int n)
{
    for (int i = 0; i < n; i++) {
        og_audit_rec rec = {.tenant_id = tenant,
                            .area = "artifacts",
                            .action = "artifact.put",
                            .target_type = "artifact",
                            .target_id = "obj"};
        OG_ASSERT_OK(og_store_tx_begin(f->env.store));
        OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, NULL));
        OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    }
}

static const char *const audit_triggers[][2] = {
    {"audit_record_no_update", "audit_record"},
    {"audit_record_no_delete", "audit_record"},
    {"audit_record_extends_chain", "audit_record"},
    {"audit_checkpoint_no_update", "audit_checkpoint"},
    {"audit_checkpoint_no_delete", "audit_checkpoint"},
    {"audit_key_no_update", "audit_key"},
    {"audit_key_no_delete", "audit_key"},
};

/* Drop every trigger of the audit tables, as an attacker with the database would. */
static og_store *tamper_db(fixture *f)
{
    og_store *db = og_test_raw_open(&f->env);
    for (size_t i = 0; i < sizeof(audit_triggers) / sizeof(audit_triggers[0]); i++)
        og_test_raw_drop_trigger(db, audit_triggers[i][0], audit_triggers[i][1]);
    return db;
}

/* ... and put triggers of those names back when done (ones that refuse everything, and an INSERT
 * trigger that never fires), so that verify must find the attack itself. */
static void untamper_db(fixture *f, og_store *db)
{
    (void)f;
    for (size_t i = 0; i < sizeof(audit_triggers) / sizeof(audit_triggers[0]); i++) {
        const char *name = audit_triggers[i][0], *table = audit_triggers[i][1];
        const char *when = strstr(name, "_no_update")   ? "UPDATE"
                           : strstr(name, "_no_delete") ? "DELETE"
                                                        : "INSERT";
        const char *never = strcmp(when, "INSERT") == 0 ? "WHEN 0" : "";
        og_test_raw_exec(db,
                         og_test_sql("CREATE TRIGGER %s BEFORE %s ON %s %s"
                                     " BEGIN SELECT RAISE(ABORT, 'x'); END",
                                     "CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW %s"
                                     " EXECUTE FUNCTION og_audit_refuse('x')"),
                         name, when, table, *never ? og_test_sql(never, "WHEN (false)") : "");
    }
    og_store_close(db);
}

/* Rewrite prev_hash/hash of records from..end of a chain so that it links again. */
static void rehash(og_store *db, const char *chain, int64_t from)
{
    char sql[512], prev[OG_AUDIT_HASH_HEX];
    og_buf scratch;
    og_buf_init(&scratch, 1 << 20);
    memset(prev, '0', 64);
    prev[64] = '\0';
    if (from > 1) {
        og_stmt *st = NULL;
        snprintf(sql, sizeof(sql),
                 "SELECT hash FROM audit_record WHERE chain = '%s' AND seq = %lld", chain,
                 (long long)from - 1);
        OG_ASSERT_OK(og_stmt_prepare(&st, db, sql));
        assert_int_equal(og_stmt_step(st), OG_ROW);
        og_strlcpy(prev, og_stmt_col_text(st, 0), sizeof(prev));
        og_stmt_free(st);
    }
    int64_t last =
        og_test_raw_int(db, "SELECT max(seq) FROM audit_record WHERE chain = '%s'", chain);
    for (int64_t seq = from; seq <= last; seq++) {
        og_stmt *st = NULL;
        snprintf(sql, sizeof(sql),
                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = '%s' AND seq = %lld",
                 chain, (long long)seq);
        OG_ASSERT_OK(og_stmt_prepare(&st, db, sql));
        assert_int_equal(og_stmt_step(st), OG_ROW);
        const char *c[23];
        for (int i = 0; i < 23; i++)
            c[i] = og_stmt_col_text(st, i);
        og_audit__row r = {.chain = c[0],
                           .seq = seq,
                           .time = c[2],
                           .actor = c[3],
                           .token_id = c[4],
                           .area = c[5],
                           .action = c[6],
                           .target_type = c[7],
                           .target_id = c[8],
                           .event_id = c[9],
                           .analysis = c[10],
                           .gate_level = c[11],
                           .gate_decision = c[12],
                           .gate_decided_by = c[13],
                           .gate_decided_at = c[14],
                           .outcome = c[15],
                           .detail = c[16],
                           .rollback_of = og_stmt_col_int(st, 17),
                           .prev_hash = prev,
                           .tenant_name = c[20],
                           .actor_id = c[21],
                           .target_name = c[22]};
        char hash[OG_AUDIT_HASH_HEX];
        OG_ASSERT_OK(og_audit__row_hash(&scratch, &r, hash));
        og_stmt_free(st);
        og_test_raw_exec(
            db,
            "UPDATE audit_record SET prev_hash = '%s', hash = '%s' WHERE chain = '%s' AND"
            " seq = %lld",
            prev, hash, chain, (long long)seq);
        memcpy(prev, hash, sizeof(prev));
    }
    og_buf_free(&scratch);
}

static void expect_broken(fixture *f, const char *chain, int64_t seq, const char *what)
{
    og_audit_verify_result res;
    int rc = og_audit_verify(&f->env.ctx, NULL, &res);
    if (rc != OG_ECORRUPT)
        fail_msg("verify returned %d (%s), expected OG_ECORRUPT", rc, og_error_last());
    if (strcmp(res.chain, chain) != 0 || res.bad_seq != seq || !strstr(res.what, what))
        fail_msg("verify says chain '%s' seq %lld: %s; expected chain '%s' seq %lld: ...%s...",
                 res.chain, (long long)res.bad_seq, res.what, chain, (long long)seq, what);
}

static void expect_intact(fixture *f)
{
    og_audit_verify_result res;
    int rc = og_audit_verify(&f->env.ctx, NULL, &res);
    if (rc != 0)
        fail_msg("verify returned %d: %s", rc, og_error_last());
}

static char *read_witness(fixture *f, size_t *len)
{
    char *text = NULL;
    OG_ASSERT_OK(og_audit_witness_load(f->witness, 1 << 24, &text, len));
    return text;
}

static void test_chain__a_tenant_chain_opens_with_its_tenant(void **state)
{
    fixture *f = *state;
    json_t *arr = NULL;
    int64_t next;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->t.id, 0, 10, NULL, NULL, &arr, &next));
    assert_int_equal(json_array_size(arr), 1);
    json_t *r = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(r, "action")), "audit.chain.open");
    json_t *plat = NULL;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, NULL, 0, 1000, "tenant.create", NULL, &plat, &next));
    json_t *create = json_array_get(plat, 0);
    json_t *a = json_object_get(r, "analysis");
    assert_int_equal(json_integer_value(json_object_get(a, "platform_seq")),
                     json_integer_value(json_object_get(create, "seq")));
    assert_string_equal(json_string_value(json_object_get(a, "platform_hash")),
                        json_string_value(json_object_get(create, "hash")));
    json_decref(arr);
    json_decref(plat);
}

static void test_checkpoint__is_recorded_in_the_platform_chain_and_witnessed(void **state)
{
    fixture *f = *state;
    /* the "audit.checkpoint" event is the outbox's publisher, plugged in at start-up */
    OG_ASSERT_OK(og_app_register_all());
    append_n(f, f->t.id, 4);
    json_t *cp = NULL;
    OG_ASSERT_OK(og_audit_checkpoint_with(&f->env.ctx, f->t.id, &f->opts, &cp));
    assert_int_equal(json_integer_value(json_object_get(cp, "tree_size")), 5);
    og_store *db = og_test_raw_open(&f->env);
    /* acme's checkpoint record, then the platform chain's checkpoint at n recorded by n + 1 */
    assert_int_equal(
        og_test_raw_int(db,
                        "SELECT count(*) FROM audit_record WHERE chain = 'platform' AND"
                        " action = 'audit.checkpoint' AND target_id = '%s'",
                        f->t.id),
        1);
    int64_t ps =
        og_test_raw_int(db, "SELECT max(tree_size) FROM audit_checkpoint WHERE chain = 'platform'");
    assert_int_equal(
        og_test_raw_int(db, "SELECT max(seq) FROM audit_record WHERE chain = 'platform'"), ps + 1);
    assert_int_equal(
        og_test_raw_int(db,
                        "SELECT count(*) FROM audit_record WHERE chain = 'platform' AND"
                        " seq = %lld AND action = 'audit.checkpoint' AND target_id ="
                        " 'platform'",
                        (long long)ps + 1),
        1);
    assert_int_equal(
        og_test_raw_int(db, "SELECT count(*) FROM events WHERE type = 'audit.checkpoint'"), 2);
    og_store_close(db);
    /* nothing grew: nothing new, even though the platform chain got its own record */
    int made = -1;
    OG_ASSERT_OK(og_audit_checkpoint_all_with(&f->env.ctx, &f->opts, &made));
    assert_int_equal(made, 0);
    size_t len = 0;
    char *text = read_witness(f, &len);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 2);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify_witness(&f->env.ctx, NULL, text, len, NULL, &res));
    assert_int_equal(res.witnessed, 2);
    assert_int_equal(res.checkpoints, 2);
    free(text);
    json_decref(cp);
}

static void test_store__insert_trigger_refuses_records_not_extending_the_chain(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 2); /* seqs 1..3 with the chain's opening record */
    og_store *db = og_test_raw_open(&f->env);
    char sql[1024];
    const char *ins = "INSERT INTO audit_record (chain, seq, time, actor, area, action, outcome,"
                      " prev_hash, hash) SELECT '%s', %d, 't', 'a', 'x', 'y', 'ok', %s, 'h'";
    /* past the end */
    snprintf(sql, sizeof(sql), ins, f->t.id, 5, "'0'");
    assert_int_not_equal(og_test_raw_try(db, "%s", sql), 0);
    assert_non_null(strstr(og_error_last(), "must extend their chain"));
    /* the next seq, linked to something else */
    snprintf(sql, sizeof(sql), ins, f->t.id, 4, "'bogus'");
    assert_int_not_equal(og_test_raw_try(db, "%s", sql), 0);
    /* a new chain that does not start at 1 */
    snprintf(sql, sizeof(sql), ins, "newchain", 2, "'0000'");
    assert_int_not_equal(og_test_raw_try(db, "%s", sql), 0);
    /* seq = last + 1 with the last hash passes the trigger (a speed bump); verify finds the rest */
    char prev[128];
    snprintf(prev, sizeof(prev), "(SELECT hash FROM audit_record WHERE chain = '%s' AND seq = 3)",
             f->t.id);
    snprintf(sql, sizeof(sql), ins, f->t.id, 4, prev);
    if (og_test_raw_try(db, "%s", sql) != 0)
        fail_msg("an extending INSERT was refused: %s", og_error_last());
    og_store_close(db);
    expect_broken(f, f->t.id, 4, "does not match its hash");
}

/* Delete a chain's checkpoints, rewrite its history: signing refuses, verify names the chain. */
static void test_checkpoint__refuses_a_chain_whose_checkpoints_vanished(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 5);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    append_n(f, f->t.id, 2);
    og_store *db = tamper_db(f);
    og_test_raw_exec(db, "DELETE FROM audit_checkpoint WHERE chain = '%s'", f->t.id);
    og_test_raw_exec(db, "UPDATE audit_record SET detail = 'forged' WHERE chain = '%s' AND seq = 3",
                     f->t.id);
    rehash(db, f->t.id, 3);
    untamper_db(f, db);
    assert_int_equal(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL), OG_ECORRUPT);
    assert_non_null(strstr(og_error_last(), "no checkpoint trail"));
    int made = -1;
    assert_int_equal(og_audit_checkpoint_all(&f->env.ctx, &made), OG_ECORRUPT);
    assert_int_equal(made, 0);
    expect_broken(f, f->t.id, 0, "the platform chain records a checkpoint at tree size 6");
    og_audit_verify_result res;
    assert_int_equal(og_audit_verify(&f->env.ctx, f->t.id, &res), OG_ECORRUPT);
    assert_string_equal(res.chain, f->t.id);
}

/* The same, with the checkpoint's record also cut out of the platform chain and the platform
 * chain relinked: its own checkpoint catches it, and nothing is signed any more. */
static void test_checkpoint__refuses_everything_over_a_rewritten_platform_chain(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 5);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    og_store *db = tamper_db(f);
    int64_t pseq =
        og_test_raw_int(db,
                        "SELECT seq FROM audit_record WHERE chain = 'platform' AND action ="
                        " 'audit.checkpoint' AND target_id = '%s'",
                        f->t.id);
    og_test_raw_exec(db, "DELETE FROM audit_checkpoint WHERE chain = '%s'", f->t.id);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE chain = 'platform' AND seq = %lld",
                     (long long)pseq);
    /* through negative numbers: PostgreSQL checks the key row by row */
    og_test_raw_exec(
        db,
        "UPDATE audit_record SET seq = 1 - seq WHERE chain = 'platform' AND seq > %lld;"
        "UPDATE audit_record SET seq = -seq WHERE chain = 'platform' AND seq < 0",
        (long long)pseq);
    rehash(db, "platform", pseq);
    untamper_db(f, db);
    int made = -1;
    assert_int_equal(og_audit_checkpoint_all(&f->env.ctx, &made), OG_ECORRUPT);
    assert_int_equal(made, 0);
    assert_int_equal(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL), OG_ECORRUPT);
    expect_broken(f, "platform", 0, "Merkle root");
}

static void test_verify__finds_a_deleted_tenant_chain(void **state)
{
    fixture *f = *state;
    og_tenant other;
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", &other));
    append_n(f, f->t.id, 3);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    expect_intact(f);
    /* globex was never checkpointed: its tenant.create tells */
    og_store *db = tamper_db(f);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE chain = '%s'", other.id);
    untamper_db(f, db);
    expect_broken(f, other.id, 1, "the tenant's chain is missing");
    og_audit_verify_result res;
    assert_int_equal(og_audit_verify(&f->env.ctx, other.id, &res), OG_ECORRUPT);
    assert_int_equal(res.bad_seq, 1);
}

static void test_verify__finds_a_deleted_checkpointed_chain(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 3);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    og_store *db = tamper_db(f);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE chain = '%s'", f->t.id);
    og_test_raw_exec(db, "DELETE FROM audit_checkpoint WHERE chain = '%s'", f->t.id);
    untamper_db(f, db);
    expect_broken(f, f->t.id, 0, "records a checkpoint at tree size 4");
}

static void test_verify__a_deleted_tenant_stays_green(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 3);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, NULL));
    OG_ASSERT_OK(og_tenant_delete(&f->env.ctx, "acme"));
    expect_intact(f);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, NULL));
    expect_intact(f);
}

static void test_verify__finds_a_checkpoint_without_its_record(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 3);
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, NULL));
    og_store *db = tamper_db(f);
    og_test_raw_exec(db,
                     "DELETE FROM audit_record WHERE chain = 'platform' AND action ="
                     " 'audit.checkpoint' AND target_id = '%s'",
                     f->t.id);
    untamper_db(f, db);
    og_audit_verify_result res;
    assert_int_equal(og_audit_verify(&f->env.ctx, f->t.id, &res), OG_ECORRUPT);
    assert_non_null(strstr(res.what, "has no audit.checkpoint record"));
}

static void test_verify__finds_dropped_triggers_and_unrecorded_keys(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 1);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, NULL));
    og_store *db = tamper_db(f);
    og_store_close(db);
    expect_broken(f, "platform", 0, "trigger audit_record_no_update");
    db = og_test_raw_open(&f->env);
    og_test_raw_exec(db, "INSERT INTO audit_key SELECT 'ffffffffffffffff', public_key, sealed,"
                         " '2999-01-01T00:00:00Z' FROM audit_key");
    untamper_db(f, db);
    expect_broken(f, "platform", 0, "signing key ffffffffffffffff is not recorded");
}

/* After a witnessed checkpoint, the attacker puts the data folder back as it was before it (the
 * later records, checkpoints and their records removed): consistent locally, not with the
 * witness. Then writes other records in their place: a rewrite. */
static void test_witness__finds_a_rollback_and_a_rewrite(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 3);
    OG_ASSERT_OK(og_audit_checkpoint_all_with(&f->env.ctx, &f->opts, NULL));
    og_store *db = og_test_raw_open(&f->env);
    int64_t tlen =
        og_test_raw_int(db, "SELECT max(seq) FROM audit_record WHERE chain = '%s'", f->t.id);
    int64_t plen =
        og_test_raw_int(db, "SELECT max(seq) FROM audit_record WHERE chain = 'platform'");
    int64_t pcp = og_test_raw_int(db, "SELECT max(tree_size) FROM audit_checkpoint WHERE chain = "
                                      "'platform'");
    og_store_close(db);
    append_n(f, f->t.id, 2);
    OG_ASSERT_OK(og_audit_checkpoint_all_with(&f->env.ctx, &f->opts, NULL));
    size_t len = 0;
    char *text = read_witness(f, &len);
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify_witness(&f->env.ctx, NULL, text, len, NULL, &res));
    assert_int_equal(res.witnessed, 4);

    db = tamper_db(f);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE chain = '%s' AND seq > %lld", f->t.id,
                     (long long)tlen);
    og_test_raw_exec(db, "DELETE FROM audit_checkpoint WHERE chain = '%s' AND tree_size > %lld",
                     f->t.id, (long long)tlen);
    og_test_raw_exec(db, "DELETE FROM audit_record WHERE chain = 'platform' AND seq > %lld",
                     (long long)plen);
    og_test_raw_exec(db,
                     "DELETE FROM audit_checkpoint WHERE chain = 'platform' AND tree_size > %lld",
                     (long long)pcp);
    untamper_db(f, db);
    expect_intact(f);
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, len, NULL, &res),
                     OG_ECORRUPT);
    assert_string_equal(res.chain, f->t.id);
    assert_int_equal(res.bad_seq, tlen + 1);
    assert_non_null(strstr(res.what, "records from seq"));
    /* only this tenant's lines when a tenant is given */
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, f->t.id, text, len, NULL, &res),
                     OG_ECORRUPT);

    append_n(f, f->t.id, 2); /* other records where the witnessed ones were */
    expect_intact(f);
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, len, NULL, &res),
                     OG_ECORRUPT);
    assert_string_equal(res.chain, f->t.id);
    assert_non_null(strstr(res.what, "records were rewritten"));
    free(text);
}

static void test_witness__refuses_malformed_lines_and_altered_signatures(void **state)
{
    fixture *f = *state;
    append_n(f, f->t.id, 2);
    json_t *cp = NULL;
    OG_ASSERT_OK(og_audit_checkpoint(&f->env.ctx, f->t.id, &cp));
    char *line = json_dumps(cp, JSON_COMPACT);
    og_audit_verify_result res;
    char text[4096];
    snprintf(text, sizeof(text), "%s\n\n{\"chain\":\"x\"}\n", line);
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, strlen(text), NULL, &res),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "witness line 3"));
    snprintf(text, sizeof(text), "%s\nnot json\n", line);
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, strlen(text), NULL, &res),
                     OG_EINVAL);
    /* another size under the same signature */
    json_object_set_new(cp, "tree_size", json_integer(1));
    free(line);
    line = json_dumps(cp, JSON_COMPACT);
    snprintf(text, sizeof(text), "%s\n", line);
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, strlen(text), NULL, &res),
                     OG_ECORRUPT);
    assert_non_null(strstr(res.what, "does not verify"));
    /* a key given that is not the one that signed */
    uint8_t priv[32], pub[32];
    OG_ASSERT_OK(og_crypto_ed25519_generate(priv, pub));
    assert_int_equal(og_audit_verify_witness(&f->env.ctx, NULL, text, strlen(text), pub, &res),
                     OG_ECORRUPT);
    assert_non_null(strstr(res.what, "not by the given key"));
    free(line);
    json_decref(cp);
    char *t = NULL;
    size_t len;
    assert_int_equal(og_audit_witness_load("ftp://example.com/w", 100, &t, &len), OG_EINVAL);
    assert_int_equal(og_audit_witness_load("/nonexistent/witness", 100, &t, &len), OG_ERROR);
}

static void test_keys__a_key_file_outside_the_folder_is_required_once_used(void **state)
{
    fixture *f = *state;
    char path[4300], other[4300];
    snprintf(path, sizeof(path), "%s/audit.pem", f->env.dir);
    snprintf(other, sizeof(other), "%s/other.pem", f->env.dir);
    append_n(f, f->t.id, 1);
    OG_ASSERT_OK(og_audit_checkpoint_all(&f->env.ctx, NULL)); /* a sealed key first */
    OG_ASSERT_OK(og_audit_key_file_create(&f->env.ctx, path));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(og_audit_key_file_create(&f->env.ctx, path), OG_ECONFLICT);
    append_n(f, f->t.id, 1);
    /* without the file: refused, naming the key */
    assert_int_equal(og_audit_checkpoint_all(&f->env.ctx, NULL), OG_EDENIED);
    assert_non_null(strstr(og_error_last(), "outside the data folder"));
    og_audit_opts opts = {.key_file = path};
    int made = 0;
    OG_ASSERT_OK(og_audit_checkpoint_all_with(&f->env.ctx, &opts, &made));
    assert_int_equal(made, 2);
    /* the public key is the file's */
    char *pem = NULL;
    uint8_t pub[32], filepub[32];
    char id[17];
    OG_ASSERT_OK(og_audit_pubkey_pem(&f->env.ctx, &pem));
    OG_ASSERT_OK(og_audit_pubkey_parse(pem, pub));
    OG_ASSERT_OK(og_audit_key_file_check(path, id, filepub));
    assert_memory_equal(pub, filepub, 32);
    free(pem);
    /* another key file is refused */
    FILE *fp = fopen(other, "w");
    fputs("-----BEGIN PRIVATE "
          "KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
          "-----END PRIVATE KEY-----\n",
          fp);
    fclose(fp);
    chmod(other, 0600);
    append_n(f, f->t.id, 1);
    opts.key_file = other;
    assert_int_equal(og_audit_checkpoint_all_with(&f->env.ctx, &opts, &made), OG_ECONFLICT);
    chmod(other, 0644);
    assert_int_equal(og_audit_key_file_check(other, NULL, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "readable by others"));
    fp = fopen(other, "w");
    fputs("hello\n", fp);
    fclose(fp);
    chmod(other, 0600);
    assert_int_equal(og_audit_key_file_check(other, NULL, NULL), OG_EINVAL);
    expect_intact(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain__a_tenant_chain_opens_with_its_tenant, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_checkpoint__is_recorded_in_the_platform_chain_and_witnessed, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store__insert_trigger_refuses_records_not_extending_the_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__refuses_a_chain_whose_checkpoints_vanished,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_checkpoint__refuses_everything_over_a_rewritten_platform_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_deleted_tenant_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_deleted_checkpointed_chain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify__a_deleted_tenant_stays_green, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_a_checkpoint_without_its_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify__finds_dropped_triggers_and_unrecorded_keys,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_witness__finds_a_rollback_and_a_rewrite, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_witness__refuses_malformed_lines_and_altered_signatures, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_keys__a_key_file_outside_the_folder_is_required_once_used, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
