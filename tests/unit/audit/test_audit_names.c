/* test_audit_names.c - the names next to the ids of audit records: recorded at write time through
 * the modules' namers (tenant, acting user's id, target), kept for removed targets, never recorded
 * when sealed (resolved on read instead), covered by the hash, absent from older records (which
 * hash as before), and named in verify's messages. */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    og_test_env env;
    og_tenant t;
} fixture;

/* What the test namers answer: NULL = the object is gone. */
static const char *widget_name_now;
static const char *secret_name_now = "s3cr3t plan";

static int widget_namer(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    (void)ctx;
    (void)tenant_id;
    if (!widget_name_now || strcmp(id, "w-1") != 0)
        return 0;
    og_strlcpy(out, widget_name_now, size);
    return 1;
}

static int secret_namer(og_ctx *ctx, const char *tenant_id, const char *id, char *out, size_t size)
{
    (void)ctx;
    (void)tenant_id;
    (void)id;
    og_strlcpy(out, secret_name_now, size);
    return 1;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_app_register_all()); /* the modules' namers, as every opsgate process */
    OG_ASSERT_OK(og_audit_namer_register("widget", widget_namer, 0));
    OG_ASSERT_OK(og_audit_namer_register("secret", secret_namer, OG_AUDIT_NAME_SEALED));
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

static int64_t log1(fixture *f, const char *action, const char *type, const char *id)
{
    int64_t seq = 0;
    og_audit_rec rec = {.tenant_id = f->t.id,
                        .area = "test",
                        .action = action,
                        .target_type = type,
                        .target_id = id};
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, &seq));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    return seq;
}

/* Record seq of acme's chain as a reader lists it (caller decrefs). */
static json_t *listed(fixture *f, int64_t seq)
{
    json_t *arr = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->t.id, seq - 1, 1, NULL, NULL, &arr, &next));
    assert_int_equal(json_array_size(arr), 1);
    json_t *r = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return r;
}

static const char *target_name(json_t *r)
{
    return json_string_value(json_object_get(json_object_get(r, "target"), "name"));
}

static void test_names__recorded_at_write_time_with_the_users_id(void **state)
{
    fixture *f = *state;
    og_user u;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "alice", OG_ROLE_ENGINEER, &u));
    /* alice herself acts: her id is recorded next to her label */
    OG_ASSERT_OK(og_actor_become(&f->env.ctx, "acme", "alice"));
    int64_t seq = log1(f, "user.touch", "user", u.id);
    og_actor_local(&f->env.ctx.actor);
    json_t *r = listed(f, seq);
    assert_string_equal(json_string_value(json_object_get(r, "tenant_name")), "acme");
    assert_string_equal(json_string_value(json_object_get(r, "actor_id")), u.id);
    assert_non_null(strstr(json_string_value(json_object_get(r, "actor")), "user:alice"));
    assert_string_equal(target_name(r), "alice");
    assert_null(json_object_get(r, "resolved")); /* all recorded, nothing resolved */
    json_decref(r);
    /* the tenant.create record of the platform chain names the tenant it created */
    json_t *arr = NULL;
    int64_t next;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, NULL, 0, 1000, "tenant.create", NULL, &arr, &next));
    assert_string_equal(target_name(json_array_get(arr, 0)), "acme");
    json_decref(arr);

    /* names are evidence too: changing one is found by verify at that record */
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
    og_store *db = og_test_raw_open(&f->env);
    og_test_raw_drop_trigger(db, "audit_record_no_update", "audit_record");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "UPDATE audit_record SET target_name = 'mallory' WHERE chain = '%s' AND seq = %lld",
             f->t.id, (long long)seq);
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
    assert_int_equal(og_audit_verify(&f->env.ctx, f->t.id, &res), OG_ECORRUPT);
    assert_int_equal(res.bad_seq, seq);
}

static void test_names__a_removed_target_keeps_the_name_it_last_had(void **state)
{
    fixture *f = *state;
    widget_name_now = "blue widget";
    int64_t s1 = log1(f, "widget.add", "widget", "w-1");
    widget_name_now = "red widget"; /* renamed */
    int64_t s2 = log1(f, "widget.rename", "widget", "w-1");
    widget_name_now = NULL; /* removed: its module no longer knows it */
    int64_t s3 = log1(f, "widget.remove", "widget", "w-1");
    int64_t s4 = log1(f, "widget.remove", "widget", "w-never-named");
    json_t *r;
    r = listed(f, s1);
    assert_string_equal(target_name(r), "blue widget"); /* old records keep their old name */
    json_decref(r);
    r = listed(f, s2);
    assert_string_equal(target_name(r), "red widget");
    json_decref(r);
    r = listed(f, s3);
    assert_string_equal(target_name(r), "red widget");
    json_decref(r);
    r = listed(f, s4);
    assert_null(target_name(r));
    assert_null(json_object_get(r, "resolved"));
    json_decref(r);
    /* a caller's own name wins over the namer */
    og_audit_rec rec = {.tenant_id = f->t.id,
                        .area = "test",
                        .action = "widget.add",
                        .target_type = "widget",
                        .target_id = "w-2",
                        .target_name = "green widget"};
    int64_t s5 = 0;
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, &s5));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    r = listed(f, s5);
    assert_string_equal(target_name(r), "green widget");
    json_decref(r);
    /* a name that is not UTF-8 is dropped, a long one cut between characters: never a failure */
    char longname[400];
    for (size_t i = 0; i + 2 < sizeof(longname); i += 2)
        memcpy(longname + i, "\xc3\xa9", 2); /* é, two bytes each */
    longname[sizeof(longname) - 2] = '\0';
    const char *names[] = {"bad \xff name", longname};
    for (int i = 0; i < 2; i++) {
        rec.target_id = i ? "w-4" : "w-3";
        rec.target_name = names[i];
        OG_ASSERT_OK(og_store_tx_begin(f->env.store));
        OG_ASSERT_OK(og_audit_append(&f->env.ctx, &rec, &s5));
        OG_ASSERT_OK(og_store_tx_commit(f->env.store));
        r = listed(f, s5);
        if (i == 0) {
            assert_null(target_name(r));
        } else {
            assert_int_equal(strlen(target_name(r)), OG_AUDIT_NAME_MAX - 2); /* 127 é */
            assert_int_equal(strncmp(target_name(r), longname, OG_AUDIT_NAME_MAX - 2), 0);
        }
        json_decref(r);
    }
    og_audit_verify_result res;
    OG_ASSERT_OK(og_audit_verify(&f->env.ctx, NULL, &res));
}

static int to_buf(void *arg, const void *data, size_t len)
{
    return og_buf_append(arg, data, len);
}

static void test_names__sealed_names_are_resolved_on_read_never_recorded(void **state)
{
    fixture *f = *state;
    int64_t seq = log1(f, "secret.put", "secret", "s-1");
    json_t *r = listed(f, seq);
    assert_null(target_name(r)); /* not in the hashed record */
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "resolved"), "target_name")),
        "s3cr3t plan");
    json_decref(r);
    /* nor in the database */
    og_store *db = og_test_raw_open(&f->env);
    assert_int_equal(og_test_raw_int(db, "%s",
                                     "SELECT count(*) FROM audit_record WHERE target_name LIKE"
                                     " '%s3cr3t%' OR analysis LIKE '%s3cr3t%'"),
                     0);
    og_store_close(db);
    /* exports show it, marked as resolved; the JSON lines still rehash without "resolved" */
    og_buf b;
    og_buf_init(&b, 1 << 24);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "csv", NULL, NULL, to_buf, &b));
    assert_non_null(strstr(b.data, ",secret,s-1,s3cr3t plan,"));
    assert_non_null(strstr(b.data, ",target_name\r\n"));
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit_export(&f->env.ctx, f->t.id, "jsonl", NULL, NULL, to_buf, &b));
    char *line = strstr(b.data, "\"s3cr3t plan\"");
    assert_non_null(line);
    while (line > b.data && line[-1] != '\n')
        line--;
    *strchr(line, '\n') = '\0';
    json_t *j = json_loads(line, 0, NULL);
    assert_non_null(j);
    char hash[OG_AUDIT_HASH_HEX], hex[65];
    uint8_t h[32];
    og_strlcpy(hash, json_string_value(json_object_get(j, "hash")), sizeof(hash));
    json_object_del(j, "hash");
    json_object_del(j, "resolved");
    og_buf c;
    og_buf_init(&c, 1 << 20);
    OG_ASSERT_OK(og_audit__jcs(&c, j));
    og_crypto_sha256(c.data, c.len, h);
    og_hex_encode(h, 32, hex);
    assert_string_equal(hex, hash);
    og_buf_free(&c);
    json_decref(j);
    og_buf_free(&b);
}

static void test_names__records_without_names_hash_as_before(void **state)
{
    (void)state;
    /* the canonical form of a record as opsgate wrote it before records carried names */
    og_audit__row r = {.chain = "platform",
                       .seq = 7,
                       .time = "2026-11-22T04:15:20.123456Z",
                       .actor = "local:root",
                       .area = "platform",
                       .action = "tenant.create",
                       .target_type = "tenant",
                       .target_id = "t-1",
                       .outcome = "ok",
                       .prev_hash =
                           "0000000000000000000000000000000000000000000000000000000000000000"};
    og_buf b;
    og_buf_init(&b, 1 << 16);
    OG_ASSERT_OK(og_audit__row_canonical(&b, &r));
    assert_string_equal(
        b.data, "{\"action\":\"tenant.create\",\"actor\":\"local:root\",\"analysis\":null,"
                "\"area\":\"platform\",\"chain\":\"platform\",\"event_id\":null,\"gate\":null,"
                "\"outcome\":{\"detail\":null,\"status\":\"ok\"},\"prev_hash\":"
                "\"0000000000000000000000000000000000000000000000000000000000000000\","
                "\"rollback_of\":null,\"seq\":7,\"target\":{\"id\":\"t-1\",\"type\":\"tenant\"},"
                "\"time\":\"2026-11-22T04:15:20.123456Z\",\"token_id\":null,\"v\":1}");
    /* with names: the same record plus three members, in JCS order */
    r.tenant_name = "acme";
    r.actor_id = "u-1";
    r.target_name = "acme";
    og_buf_reset(&b);
    OG_ASSERT_OK(og_audit__row_canonical(&b, &r));
    assert_non_null(strstr(b.data, "\"actor\":\"local:root\",\"actor_id\":\"u-1\",\"analysis\""));
    assert_non_null(strstr(b.data, "\"target\":{\"id\":\"t-1\",\"name\":\"acme\",\"type\":"
                                   "\"tenant\"},\"tenant_name\":\"acme\",\"time\""));
    json_t *j = og_audit__row_json(&r, NULL);
    og_buf g;
    og_buf_init(&g, 1 << 16);
    OG_ASSERT_OK(og_audit__jcs(&g, j));
    assert_string_equal(b.data, g.data);
    json_decref(j);
    og_buf_free(&g);
    og_buf_free(&b);
}

static void test_verify__message_names_the_tenant_and_the_faulty_record(void **state)
{
    fixture *f = *state;
    og_user u;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "alice", OG_ROLE_ENGINEER, &u));
    OG_ASSERT_OK(og_actor_become(&f->env.ctx, "acme", "alice"));
    widget_name_now = "blue widget";
    int64_t seq = log1(f, "widget.add", "widget", "w-1");
    og_actor_local(&f->env.ctx.actor);
    og_store *db = og_test_raw_open(&f->env);
    og_test_raw_drop_trigger(db, "audit_record_no_update", "audit_record");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "UPDATE audit_record SET detail = 'forged' WHERE chain = '%s' AND seq = %lld", f->t.id,
             (long long)seq);
    og_test_raw_exec(db, "%s", sql);
    og_store_close(db);
    og_audit_verify_result res;
    assert_int_equal(og_audit_verify(&f->env.ctx, NULL, &res), OG_ECORRUPT);
    assert_string_equal(res.chain, f->t.id);
    assert_string_equal(res.tenant_name, "acme");
    assert_string_equal(res.action, "widget.add");
    assert_non_null(strstr(res.actor, "user:alice"));
    char want[256];
    snprintf(want, sizeof(want),
             "audit chain of tenant acme (id %s) is broken at seq %lld (widget.add by ", f->t.id,
             (long long)seq);
    if (!strstr(res.message, want) || !strstr(og_error_last(), want))
        fail_msg("'%s' lacks '%s'", res.message, want);
    assert_non_null(strstr(res.message, "user:alice): the record's content does not match"));
    /* the tenant's own verify names it the same way */
    assert_int_equal(og_audit_verify(&f->env.ctx, f->t.id, &res), OG_ECORRUPT);
    assert_string_equal(res.tenant_name, "acme");
}

/* The last-name lookup of a target uses the target index, not a walk of the whole chain. */
static void test_names__lookup_uses_the_target_index(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    int found = 0;
    /* PostgreSQL plans by statistics and scans so small a table: told to avoid that, it must
     * find the index */
    og_store *db = og_test_raw_open(&f->env);
    if (og_test_backend_pg())
        og_test_raw_exec(db, "SET enable_seqscan = off");
    OG_ASSERT_OK(og_stmt_prepare_args(
        &st, db,
        og_test_sql("EXPLAIN QUERY PLAN " OG_AUDIT__NAMED_SQL, "EXPLAIN " OG_AUDIT__NAMED_SQL),
        "ttt", "platform", "widget", "w-9"));
    int col = og_test_backend_pg() ? 0 : 3;
    while (og_stmt_step(st) == OG_ROW)
        if (og_stmt_col_text(st, col) &&
            strstr(og_stmt_col_text(st, col), "audit_record_by_target"))
            found = 1;
    og_stmt_free(st);
    og_store_close(db);
    assert_true(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names__recorded_at_write_time_with_the_users_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_names__a_removed_target_keeps_the_name_it_last_had,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_names__sealed_names_are_resolved_on_read_never_recorded, setup, teardown),
        cmocka_unit_test(test_names__records_without_names_hash_as_before),
        cmocka_unit_test_setup_teardown(test_names__lookup_uses_the_target_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify__message_names_the_tenant_and_the_faulty_record,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
