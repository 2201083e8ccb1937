/* test_certs_app.c - cloud app credentials in the inventory (og_certs_app_credentials_sync): add,
 * update, remove and an idempotent second sync; bad input refused naming the entry with nothing
 * written; tenant isolation; the same lists (kind filter, fleet), show, findings, threshold alerts
 * once (and their human message), metrics; and no secret value anywhere but the hint. */
#include "og_test.h"
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define SRC   "connector:11111111-2222-4333-8444-555555555555"
#define DAY   86400000000LL
#define APP_O "0f0e0d0c-0000-4000-8000-000000000001"
/* what a secret looks like; only its first three characters ever reach opsgate (the hint) */
#define SECRET "Xyz8Q~not-a-real-secret-value-but-long"

/* A secret of 'Payroll sync' ending days_left days from now, and a certificate credential of
 * the same app's service principal. */
static void creds_make(og_certs_app_credential c[2], int64_t days_left)
{
    int64_t now = og_time_now_us();
    memset(c, 0, 2 * sizeof(*c));
    c[0] = (og_certs_app_credential){"k-secret-1",
                                     APP_O,
                                     "application",
                                     "app-id-1",
                                     "Payroll sync",
                                     "secret",
                                     "ci-2025",
                                     "Xyz",
                                     "",
                                     now - 100 * DAY,
                                     now + days_left * DAY};
    c[1] = (og_certs_app_credential){"k-cert-1",
                                     "sp-object-2",
                                     "servicePrincipal",
                                     "app-id-1",
                                     "Payroll sync",
                                     "certificate",
                                     "saml-signing",
                                     "",
                                     "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
                                     0,
                                     now + 400 * DAY};
}

static size_t changes_n(json_t *ch, const char *k)
{
    return json_array_size(json_object_get(ch, k));
}

static int64_t count(og_test_env *env, const char *sql, const char *arg)
{
    og_stmt *st = NULL;
    int64_t n = -1;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, env->store, sql, "t", arg));
    if (og_stmt_step(st) == OG_ROW)
        n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static int64_t audits(og_test_env *env)
{
    return count(env, "SELECT COUNT(*) FROM audit_record WHERE action = ?",
                 "certs.app_credentials.sync");
}

static int64_t events(og_test_env *env, const char *type)
{
    return count(env, "SELECT COUNT(*) FROM events WHERE type = ?", type);
}

static json_t *list(og_test_env *env, const char *tenant, const char *kind)
{
    og_certs_filter f = {.kind = kind};
    json_t *l = NULL;
    OG_ASSERT_OK(og_certs_list(&env->ctx, tenant, &f, &l));
    return l;
}

/* The row of list l with key_id k, NULL when none. */
static json_t *row_of(json_t *l, const char *k)
{
    size_t i;
    json_t *r;
    json_array_foreach(
        l, i, r) if (og_streq(json_string_value(json_object_get(r, "key_id")), k)) return r;
    return NULL;
}

static void test_app__sync_adds_updates_removes_and_a_second_sync_writes_nothing(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    json_t *ch = NULL, *l;
    creds_make(c, 200);
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, &ch));
    assert_int_equal(changes_n(ch, "added"), 2);
    json_t *a0 = json_array_get(json_object_get(ch, "added"), 0);
    assert_non_null(json_string_value(json_object_get(a0, "end")));
    assert_non_null(json_string_value(json_object_get(a0, "object_id")));
    json_decref(ch);
    assert_int_equal(audits(env), 1);
    l = list(env, "acme", NULL);
    assert_int_equal(json_array_size(l), 2);
    json_t *r = row_of(l, "k-secret-1");
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "app-credential");
    assert_string_equal(json_string_value(json_object_get(r, "app_name")), "Payroll sync");
    assert_string_equal(json_string_value(json_object_get(r, "name")), "ci-2025");
    assert_string_equal(json_string_value(json_object_get(r, "type")), "secret");
    assert_string_equal(json_string_value(json_object_get(r, "hint")), "Xyz");
    assert_string_equal(json_string_value(json_object_get(r, "label")),
                        "app 'Payroll sync' secret 'ci-2025'");
    const char *id = json_string_value(json_object_get(r, "id"));
    assert_int_equal(strncmp(id, "app:", 4), 0);
    assert_int_equal(strlen(id), 64);
    assert_int_equal(json_integer_value(json_object_get(r, "days_left")), 200);
    assert_int_equal(json_array_size(json_object_get(r, "findings")), 0);
    assert_true(json_is_null(json_object_get(row_of(l, "k-cert-1"), "start")));
    char id0[65];
    og_strlcpy(id0, id, sizeof(id0));
    json_decref(l);

    /* the same again: nothing changes, nothing is audited, the id is stable */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, &ch));
    assert_int_equal(changes_n(ch, "added") + changes_n(ch, "updated") + changes_n(ch, "removed"),
                     0);
    json_decref(ch);
    assert_int_equal(audits(env), 1);
    l = list(env, "acme", NULL);
    assert_string_equal(json_string_value(json_object_get(row_of(l, "k-secret-1"), "id")), id0);
    json_decref(l);

    /* a renamed app is an update */
    c[0].app_name = "Payroll sync (prod)";
    c[1].app_name = "Payroll sync (prod)";
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, &ch));
    assert_int_equal(changes_n(ch, "updated"), 2);
    json_decref(ch);
    assert_int_equal(audits(env), 2);

    /* a credential the source no longer lists is removed, with its details */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, &c[1], 1, &ch));
    assert_int_equal(changes_n(ch, "removed"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ch, "removed"), 0), "key_id")),
                        "k-secret-1");
    json_decref(ch);
    l = list(env, "acme", NULL);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    assert_int_equal(
        count(env, "SELECT COUNT(*) FROM cert_app_credentials WHERE fingerprint = ?", id0), 0);
    assert_int_equal(audits(env), 3);
    /* another source's sync removes nothing of this one */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", "connector:other", NULL, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 0);
    json_decref(ch);
    /* an empty sync of the source removes the rest */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, NULL, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 1);
    json_decref(ch);
    assert_int_equal(
        count(env, "SELECT COUNT(*) FROM certs WHERE tenant_id IS NULL OR tenant_id <> ?", ""), 0);
}

/* A bad entry: OG_EINVAL whose message contains want, and nothing written. */
static void refused(og_test_env *env, og_certs_app_credential *c, size_t n, const char *want)
{
    int64_t before = count(env, "SELECT COUNT(*) FROM certs WHERE kind = ?", "app-credential");
    int64_t audit_before = audits(env);
    assert_int_equal(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, n, NULL), OG_EINVAL);
    if (!strstr(og_error_last(), want))
        fail_msg("expected '%s' in: %s", want, og_error_last());
    assert_non_null(strstr(og_error_last(), "nothing was written"));
    assert_int_equal(count(env, "SELECT COUNT(*) FROM certs WHERE kind = ?", "app-credential"),
                     before);
    assert_int_equal(audits(env), audit_before);
}

static void test_app__bad_input_is_refused_naming_the_entry_and_writes_nothing(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2], b[2];
    creds_make(c, 200);
    /* the first entry is fine; the second is bad: not even the first is written */
    memcpy(b, c, sizeof(c));
    b[1].key_id = "";
    refused(env, b, 2, "key id");
    memcpy(b, c, sizeof(c));
    b[1].object_id = NULL;
    refused(env, b, 2, "object id");
    memcpy(b, c, sizeof(c));
    b[1].end_us = 0;
    refused(env, b, 2, "missing end");
    memcpy(b, c, sizeof(c));
    b[1].type = "password";
    refused(env, b, 2, "type must be secret or certificate");
    memcpy(b, c, sizeof(c));
    b[1].object_type = "user";
    refused(env, b, 2, "object type");
    memcpy(b, c, sizeof(c));
    b[1].hint = SECRET; /* more than a hint: refused, never stored */
    refused(env, b, 2, "hint over 8 bytes");
    memcpy(b, c, sizeof(c));
    char longname[1030];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    b[1].name = longname;
    refused(env, b, 2, "over 1024 bytes");
    memcpy(b, c, sizeof(c));
    b[1].app_name = "Lohn\xff";
    refused(env, b, 2, "not UTF-8");
    memcpy(b, c, sizeof(c));
    b[1].thumbprint = "not hex";
    refused(env, b, 2, "thumbprint");
    memcpy(b, c, sizeof(c));
    b[1].object_id = b[0].object_id, b[1].key_id = b[0].key_id;
    refused(env, b, 2, "listed twice");
    /* the message names the entry */
    memcpy(b, c, sizeof(c));
    b[1].type = NULL;
    refused(env, b, 2, "app credential 2 (object sp-object-2, key id k-cert-1)");
    assert_int_equal(og_certs_app_credentials_sync(&env->ctx, "acme", "", c, 2, NULL), OG_EINVAL);
    assert_int_equal(count(env, "SELECT COUNT(*) FROM certs WHERE kind = ?", "app-credential"), 0);
}

/* Entra's 256-character names are up to 1024 bytes of UTF-8: accepted whole, and a label cut
 * short never splits a character. */
static void test_app__long_utf8_names_are_kept_and_labels_cut_cleanly(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    char name[1025] = "", label[16];
    json_t *l;
    for (int i = 0; i < 256; i++)
        strcat(name, "\xe3\x81\x82"); /* あ: 3 bytes, 768 in all */
    creds_make(c, 50);
    c[0].app_name = name;
    c[0].name = "ci\n2025"; /* a newline in a name is a space in the inventory */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    l = list(env, "acme", NULL);
    json_t *r = row_of(l, "k-secret-1");
    assert_string_equal(json_string_value(json_object_get(r, "app_name")), name);
    assert_string_equal(json_string_value(json_object_get(r, "name")), "ci 2025");
    assert_non_null(json_string_value(json_object_get(r, "label")));
    json_decref(l);
    og_certs__app_label(name, NULL, "secret", "x", "k", label, sizeof(label));
    assert_true(og_utf8_valid(label, strlen(label), NULL));
    assert_string_equal(label, "app '\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"); /* 14 bytes */
}

static void test_app__tenants_are_isolated(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    json_t *ch = NULL, *l, *doc = NULL;
    creds_make(c, 20);
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    /* globex's sync of the same source (nothing) removes nothing of acme's */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "globex", SRC, NULL, 0, &ch));
    assert_int_equal(changes_n(ch, "removed"), 0);
    json_decref(ch);
    l = list(env, "globex", NULL);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    l = list(env, "acme", NULL);
    const char *id = json_string_value(json_object_get(json_array_get(l, 0), "id"));
    assert_int_equal(og_certs_show(&env->ctx, "globex", id, &doc), OG_ENOTFOUND);
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", id, &doc));
    json_decref(doc);
    json_decref(l);
    /* the same credentials in globex are globex's own entries */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "globex", SRC, c, 1, &ch));
    assert_int_equal(changes_n(ch, "added"), 1);
    json_decref(ch);
    l = list(env, "acme", NULL);
    assert_int_equal(json_array_size(l), 2);
    json_decref(l);
}

/* The human message of the newest event of type. */
static void render_last(og_test_env *env, const char *type, char **subject, char **text)
{
    og_stmt *st = NULL;
    og_event ev;
    memset(&ev, 0, sizeof(ev));
    OG_ASSERT_OK(og_stmt_prepare_args(&st, env->store,
                                      "SELECT id, tenant_id, payload FROM events WHERE type = ?"
                                      " ORDER BY seq DESC LIMIT 1",
                                      "t", type));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_strlcpy(ev.id, og_stmt_col_text(st, 0), sizeof(ev.id));
    og_strlcpy(ev.tenant_id, og_stmt_col_text(st, 1), sizeof(ev.tenant_id));
    og_strlcpy(ev.type, type, sizeof(ev.type));
    ev.payload = json_loads(og_stmt_col_text(st, 2), 0, NULL);
    og_stmt_free(st);
    assert_non_null(ev.payload);
    assert_string_equal(json_string_value(json_object_get(ev.payload, "kind")), "app-credential");
    OG_ASSERT_OK(og_notify_render(&ev, og_time_now_us(), subject, text));
    json_decref(ev.payload);
}

static void test_app__findings_and_alerts_once_per_crossing(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    int raised = -1;
    json_t *l, *doc = NULL;
    char *subj = NULL, *text = NULL;
    creds_make(c, 10); /* 10 days left: thresholds 30 and 14 crossed, 7 and 1 not */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    l = list(env, "acme", NULL);
    json_t *r = row_of(l, "k-secret-1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "findings"), 0)),
                        "expiring");
    json_decref(l);
    /* the finding filter applies to them */
    og_certs_filter f = {.finding = OG_CERT_F_EXPIRING};
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &l));
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    f = (og_certs_filter){.expiring_us = 15 * DAY};
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &l));
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);

    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 1);
    assert_int_equal(events(env, "certs.expiring"), 1);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store,
                                 "SELECT payload FROM events WHERE type = 'certs.expiring'"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    json_t *p = json_loads(og_stmt_col_text(st, 0), 0, NULL);
    og_stmt_free(st);
    assert_int_equal(json_integer_value(json_object_get(p, "threshold_days")), 14);
    assert_int_equal(json_integer_value(json_object_get(p, "days_left")), 10);
    assert_string_equal(json_string_value(json_object_get(p, "app_name")), "Payroll sync");
    assert_string_equal(json_string_value(json_object_get(p, "name")), "ci-2025");
    assert_string_equal(json_string_value(json_object_get(p, "type")), "secret");
    assert_non_null(json_string_value(json_object_get(p, "end")));
    json_decref(p);
    /* a second run raises nothing */
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 0);

    /* the message reads as the app's secret, not as a certificate without a subject */
    render_last(env, "certs.expiring", &subj, &text);
    if (!strstr(subj, "client secret 'ci-2025' of app 'Payroll sync' expires in 10 days"))
        fail_msg("subject: %s", subj);
    if (getenv("SHOW_MSG"))
        fprintf(stderr, "%s\n%s\n", subj, text);
    assert_null(strstr(text, "The certificate for"));
    assert_non_null(strstr(text, "Microsoft Entra"));
    free(subj);
    free(text);

    /* show has its alerts */
    l = list(env, "acme", NULL);
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme",
                               json_string_value(json_object_get(row_of(l, "k-secret-1"), "id")),
                               &doc));
    assert_int_equal(json_array_size(json_object_get(doc, "alerts")), 2);
    assert_string_equal(json_string_value(json_object_get(doc, "hint")), "Xyz");
    json_decref(doc);
    json_decref(l);

    /* expired: certs.expired once */
    c[0].end_us = og_time_now_us() - DAY;
    c[0].start_us = c[0].end_us - 100 * DAY;
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 1);
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 0);
    assert_int_equal(events(env, "certs.expired"), 1);
    render_last(env, "certs.expired", &subj, &text);
    assert_non_null(strstr(subj, "EXPIRED"));
    assert_non_null(strstr(subj, "client secret 'ci-2025'"));
    free(subj);
    free(text);
    f = (og_certs_filter){.finding = OG_CERT_F_EXPIRED};
    OG_ASSERT_OK(og_certs_list(&env->ctx, "acme", &f, &l));
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);

    /* removed: its alert state goes with it */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, &c[1], 1, NULL));
    assert_int_equal(
        count(env, "SELECT COUNT(*) FROM cert_alerts WHERE fingerprint LIKE ?", "app:%"), 0);
}

static void test_app__kind_filter_fleet_show_and_metrics(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    json_t *l, *doc = NULL;
    creds_make(c, 5);
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    l = list(env, "acme", "x509");
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    l = list(env, "acme", "app-credential");
    assert_int_equal(json_array_size(l), 2);
    /* soonest first */
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "key_id")),
                        "k-secret-1");
    char id[65];
    og_strlcpy(id, json_string_value(json_object_get(json_array_get(l, 0), "id")), sizeof(id));
    json_decref(l);
    og_certs_filter bad = {.kind = "password"};
    assert_int_equal(og_certs_list(&env->ctx, "acme", &bad, &l), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "unknown kind 'password'"));
    assert_int_equal(og_certs_list_all(&env->ctx, &bad, &l), OG_EINVAL);

    /* the fleet view has them, naming their tenant */
    og_certs_filter f = {.kind = "app-credential"};
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, &f, &l));
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "tenant")), "acme");
    json_decref(l);

    /* show by id and by a unique prefix, upper case too; a bare hex prefix never finds one */
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", id, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "name")), "ci-2025");
    json_decref(doc);
    char prefix[20];
    snprintf(prefix, sizeof(prefix), "APP:%.12s", id + 4);
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", prefix, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "id")), id);
    json_decref(doc);
    assert_int_equal(og_certs_show(&env->ctx, "acme", id + 4, &doc), OG_ENOTFOUND);
    assert_int_equal(og_certs_show(&env->ctx, "acme", "app:zz", &doc), OG_EINVAL);
    /* nothing of it can be deployed */
    og_certs_material m;
    assert_int_equal(og_certs_material_get(&env->ctx, "acme", id, &m), OG_EINVAL);
    og_certs_material_clear(&m);

    /* metrics: the app-credential series beside the x509 ones */
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_certs_metrics_render(&env->ctx, &b));
    assert_non_null(
        strstr(b.data, "opsgate_certs{tenant=\"acme\",kind=\"app-credential\",bucket=\"7d\"} 1"));
    assert_non_null(strstr(
        b.data, "opsgate_certs{tenant=\"acme\",kind=\"app-credential\",bucket=\"later\"} 1"));
    assert_non_null(strstr(b.data, "opsgate_certs{tenant=\"acme\",kind=\"x509\",bucket=\"7d\"} 0"));
    assert_non_null(strstr(
        b.data, "opsgate_certs_earliest_expiry_seconds{tenant=\"acme\",kind=\"app-credential\"}"));
    og_buf_free(&b);
}

/* No secret value anywhere: the struct has no field for one, and of what a sync is given only
 * the hint's characters are stored. The database file, the lists, the audit records and the
 * events never hold more of the secret than its hint. */
static void test_app__no_secret_value_is_stored(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    json_t *l;
    creds_make(c, 3);
    /* a source that passes the secret where the hint goes is refused, and the message does not
     * repeat it */
    c[0].hint = SECRET;
    assert_int_equal(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL), OG_EINVAL);
    assert_null(strstr(og_error_last(), "not-a-real-secret"));
    c[0].hint = "Xyz";
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    int raised;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    l = list(env, "acme", NULL);
    char *text = json_dumps(l, 0);
    assert_non_null(strstr(text, "\"hint\": \"Xyz\""));
    assert_null(strstr(text, "Xyz8"));
    free(text);
    json_decref(l);
    /* every stored text column of the module's and the trail's rows */
    const char *sql[] = {"SELECT COUNT(*) FROM cert_app_credentials WHERE hint <> 'Xyz' AND"
                         " hint <> '' OR hint LIKE ?",
                         "SELECT COUNT(*) FROM audit_record WHERE analysis LIKE ?",
                         "SELECT COUNT(*) FROM events WHERE payload LIKE ?", NULL};
    for (int i = 0; sql[i]; i++)
        assert_int_equal(count(env, sql[i], "%Xyz8%"), 0);
    /* nor anywhere in the data folder (database, its journal) or the PostgreSQL database */
    assert_false(og_test_env_holds(env, "not-a-real-secret"));
    assert_true(og_test_env_holds(env, "ci-2025")); /* the search does find what is there */
}

/* A self-signed certificate for name valid for days more, as PEM (caller frees). */
static char *cert_pem(const char *name, long days)
{
    EVP_PKEY *k = EVP_EC_gen("prime256v1");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *pem;
    assert_non_null(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    PEM_write_bio_X509(b, x);
    long len = BIO_get_mem_data(b, &data);
    pem = strndup(data, (size_t)len);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
    return pem;
}

/* Fixed-day thresholds for acme: what the test is about (by default they are scaled to a
 * short certificate's lifetime, which would alert these young certificates at none). */
static void fixed_days(og_ctx *ctx)
{
    og_certs_policy p;
    memset(&p, 0, sizeof(p));
    p.lifetime_share = OG_CERTS_SHARE_OFF;
    OG_ASSERT_OK(og_certs_policy_set(ctx, "acme", &p, 0));
}

static void test_app__one_list_with_certificates_soonest_first(void **state)
{
    og_test_env *env = *state;
    fixed_days(&env->ctx);
    og_certs_app_credential c[2];
    og_certs_import_summary sum;
    json_t *l;
    char *pem = cert_pem("shop.acme.example", 20);
    creds_make(c, 10);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "shop.pem", pem, strlen(pem), &sum));
    free(pem);
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    /* the secret (10 days), the certificate (20), the certificate credential (400) */
    OG_ASSERT_OK(og_certs_list_all(&env->ctx, NULL, &l));
    assert_int_equal(json_array_size(l), 3);
    const char *kinds[] = {"app-credential", "x509", "app-credential"};
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(l, i), "kind")),
                            kinds[i]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 1), "id")),
                        sum.first_fingerprint);
    json_decref(l);
    l = list(env, "acme", "x509");
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    /* one alert each, the certificate's as before (kind x509) */
    int raised = -1;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &raised));
    assert_int_equal(raised, 1); /* the import alerted the certificate already */
    assert_int_equal(events(env, "certs.expiring"), 2);
    assert_int_equal(
        count(env, "SELECT COUNT(*) FROM events WHERE payload LIKE ?", "%\"kind\":\"x509\"%"), 1);
    /* removing app credentials leaves the certificate alone */
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, NULL, 0, NULL));
    l = list(env, "acme", NULL);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "kind")), "x509");
    json_decref(l);
    json_t *doc = NULL;
    OG_ASSERT_OK(og_certs_show(&env->ctx, "acme", sum.first_fingerprint, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "kind")), "x509");
    json_decref(doc);
}

/* Inside a caller's transaction the sync is a savepoint: the caller's rollback takes it back.
 * The audit trail names an app credential as people read it. */
static void test_app__sync_joins_the_callers_transaction_and_the_trail_names_it(void **state)
{
    og_test_env *env = *state;
    og_certs_app_credential c[2];
    og_tenant t;
    json_t *l;
    creds_make(c, 50);
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    assert_int_equal(og_store_tx_end(env->store, -1), -1);
    l = list(env, "acme", NULL);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    assert_int_equal(audits(env), 0);

    OG_ASSERT_OK(og_certs_audit_names_register());
    OG_ASSERT_OK(og_certs_app_credentials_sync(&env->ctx, "acme", SRC, c, 2, NULL));
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
    l = list(env, "acme", NULL);
    const char *id = json_string_value(json_object_get(row_of(l, "k-secret-1"), "id"));
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_audit_log(&env->ctx, t.id, "certs", "test.named", "app-credential", id, NULL));
    OG_ASSERT_OK(og_audit_log(&env->ctx, t.id, "certs", "test.named", "certificate", id, NULL));
    OG_ASSERT_OK(og_store_tx_end(env->store, 0));
    json_decref(l);
    assert_int_equal(count(env,
                           "SELECT COUNT(*) FROM audit_record WHERE action = 'test.named' AND"
                           " target_name = ?",
                           "app 'Payroll sync' secret 'ci-2025'"),
                     2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_app__sync_adds_updates_removes_and_a_second_sync_writes_nothing,
            og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(
            test_app__bad_input_is_refused_naming_the_entry_and_writes_nothing,
            og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__tenants_are_isolated, og_test_env_two_tenants,
                                        og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__long_utf8_names_are_kept_and_labels_cut_cleanly,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__findings_and_alerts_once_per_crossing,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__kind_filter_fleet_show_and_metrics,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__no_secret_value_is_stored,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(test_app__one_list_with_certificates_soonest_first,
                                        og_test_env_two_tenants, og_test_env_free),
        cmocka_unit_test_setup_teardown(
            test_app__sync_joins_the_callers_transaction_and_the_trail_names_it,
            og_test_env_two_tenants, og_test_env_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
