/* test_acme_trigger.c - the handler renew-on-expiry: which expiry alerts renew a plan, which are
 * left alone, and what it records. The plans are written straight into the tables (no CA: the
 * renewal itself fails fast against a closed port, which the handler must survive). */
#include "og_test.h"
#include "opsgate/acme.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400000000LL

typedef struct fixture {
    og_test_env env;
    char tid[OG_ID_LEN];
    char account[OG_ID_LEN];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_tenant t;
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_acme_renew_trigger_register());
    OG_ASSERT_OK(og_acme_register_kinds());
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &t));
    og_strlcpy(f->tid, t.id, sizeof(f->tid));
    og_id_new(f->account);
    og_time_format(og_time_now_us(), now);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_accounts (id, tenant_id, directory_url,"
                                 " key_type, sealed_key, account_url, status, created_at,"
                                 " updated_at) VALUES (?, ?, 'https://127.0.0.1:1/dir', 'ec256',"
                                 " x'00', 'https://127.0.0.1:1/acct/1', 'valid', ?, ?)"));
    og_stmt_bind_text(st, 1, f->account);
    og_stmt_bind_text(st, 2, f->tid);
    og_stmt_bind_text(st, 3, now);
    og_stmt_bind_text(st, 4, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
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

/* A plan whose current certificate (fingerprint fp, lifetime_days long, replacing an earlier one
 * when renewed) is also listed with status; plan id out. */
static void plan_add(fixture *f, const char *fp, int lifetime_days, int renewed, const char *status,
                     char plan[OG_ID_LEN])
{
    og_stmt *st = NULL;
    char cert[OG_ID_LEN], now[OG_TIME_LEN];
    int64_t nb = og_time_now_us() - DAY / 2;
    og_id_new(plan);
    og_id_new(cert);
    og_time_format(og_time_now_us(), now);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_plans (id, tenant_id, account_id, names,"
                                 " key_type, challenge, current_cert, renew_at_us, created_at,"
                                 " updated_at) VALUES (?, ?, ?, '[\"a.test\"]', 'ec256',"
                                 " '{\"type\":\"http-01\",\"http_listen\":\"127.0.0.1:1\"}', ?, ?,"
                                 " ?, ?)"));
    og_stmt_bind_text(st, 1, plan);
    og_stmt_bind_text(st, 2, f->tid);
    og_stmt_bind_text(st, 3, f->account);
    og_stmt_bind_text(st, 4, cert);
    og_stmt_bind_int(st, 5, nb + (int64_t)lifetime_days * DAY * 2 / 3);
    og_stmt_bind_text(st, 6, now);
    og_stmt_bind_text(st, 7, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_certs (id, tenant_id, plan_id, fingerprint,"
                                 " serial, not_before_us, not_after_us, chain_pem, alternates,"
                                 " sealed_key, order_url, cert_url, replaces, status, created_at)"
                                 " VALUES (?, ?, ?, ?, '01', ?, ?, '', '[]', x'00', '', '', ?, ?,"
                                 " ?)"));
    og_stmt_bind_text(st, 1, cert);
    og_stmt_bind_text(st, 2, f->tid);
    og_stmt_bind_text(st, 3, plan);
    og_stmt_bind_text(st, 4, fp);
    og_stmt_bind_int(st, 5, nb);
    og_stmt_bind_int(st, 6, nb + (int64_t)lifetime_days * DAY);
    if (renewed)
        og_stmt_bind_text(st, 7, "an-earlier-certificate");
    else
        og_stmt_bind_null(st, 7);
    og_stmt_bind_text(st, 8, status);
    og_stmt_bind_text(st, 9, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

/* Emit an alert about fp and deliver everything due. */
static void alert(fixture *f, const char *type, const char *fp, int threshold)
{
    json_t *payload = json_pack("{s:s, s:i, s:i}", "fingerprint", fp, "days_left", 4,
                                "threshold_days", threshold);
    int delivered = 0;
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_event_emit(&f->env.ctx, f->tid, type, payload, NULL));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    OG_ASSERT_OK(og_events_run_once(&f->env.ctx, NULL, &delivered));
    json_decref(payload);
}

/* The decisions recorded by the trigger so far, joined by ",". */
static void decisions(fixture *f, char *out, size_t size)
{
    json_t *recs = NULL, *r;
    int64_t next = 0;
    size_t i;
    out[0] = '\0';
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->tid, 0, 1000, "certs.renew.trigger", NULL, &recs, &next));
    json_array_foreach(recs, i, r)
    {
        const char *d =
            json_string_value(json_object_get(json_object_get(r, "analysis"), "decision"));
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", n ? "," : "", d ? d : "?");
    }
    json_decref(recs);
}

/* How many certs.renew gate items the tenant has: one per renewal attempted. */
static size_t renewals(fixture *f)
{
    json_t *items = NULL, *it;
    size_t i, n = 0;
    OG_ASSERT_OK(og_gate_list(&f->env.ctx, "acme", NULL, &items));
    json_array_foreach(items, i, it)
    {
        const char *k = json_string_value(json_object_get(it, "kind"));
        n += k && strcmp(k, "certs.renew") == 0;
    }
    json_decref(items);
    return n;
}

/* No delivery of renew-on-expiry is left pending or dead: the handler finished each alert. */
static void assert_all_delivered(fixture *f)
{
    json_t *list = NULL, *e;
    size_t i;
    OG_ASSERT_OK(og_events_list(&f->env.ctx, "acme", NULL, &list));
    json_array_foreach(list, i, e)
    {
        const char *h = json_string_value(json_object_get(e, "handler"));
        if (h && strcmp(h, "renew-on-expiry") == 0)
            assert_string_equal(json_string_value(json_object_get(e, "state")), "done");
    }
    json_decref(list);
}

static void test_acme_trigger__an_alert_renews_the_current_certificate_of_a_plan(void **state)
{
    fixture *f = *state;
    char plan[OG_ID_LEN], d[256];
    const char *fp = "1111111111111111111111111111111111111111111111111111111111111111";
    plan_add(f, fp, 90, 0, "current", plan);
    alert(f, "certs.expiring", fp, 7);
    decisions(f, d, sizeof(d));
    assert_string_equal(d, "renew");
    assert_int_equal(renewals(f), 1);
    /* the renewal itself failed (no CA on port 1): recorded on the plan, not retried by the bus */
    assert_all_delivered(f);
}

static void test_acme_trigger__alerts_without_a_current_plan_certificate_renew_nothing(void **state)
{
    fixture *f = *state;
    char plan[OG_ID_LEN], d[256];
    const char *old = "2222222222222222222222222222222222222222222222222222222222222222";
    plan_add(f, old, 90, 0, "previous", plan);
    alert(f, "certs.expiring", old, 7); /* already replaced: a late or redelivered alert */
    alert(f, "certs.expiring", "3333333333333333333333333333333333333333333333333333333333333333",
          7); /* no plan */
    alert(f, "certs.expiring", "not-a-fingerprint", 7);
    decisions(f, d, sizeof(d));
    assert_string_equal(d, "");
    assert_int_equal(renewals(f), 0);
    assert_all_delivered(f);
}

static void
test_acme_trigger__a_renewed_certificate_shorter_than_the_threshold_is_left_alone(void **state)
{
    fixture *f = *state;
    char p1[OG_ID_LEN], p2[OG_ID_LEN], p3[OG_ID_LEN], d[256];
    const char *shortfp = "4444444444444444444444444444444444444444444444444444444444444444";
    const char *firstfp = "5555555555555555555555555555555555555555555555555555555555555555";
    const char *longfp = "6666666666666666666666666666666666666666666666666666666666666666";
    plan_add(f, shortfp, 5, 1, "current", p1); /* renewed, 5 days, alerted at 7: skip */
    plan_add(f, firstfp, 5, 0, "current", p2); /* the plan's first 5-day certificate: renew */
    plan_add(f, longfp, 90, 1, "current", p3); /* renewed, 90 days, alerted at 7: renew */
    alert(f, "certs.expiring", shortfp, 7);
    alert(f, "certs.expiring", firstfp, 7);
    alert(f, "certs.expiring", longfp, 7);
    decisions(f, d, sizeof(d));
    assert_string_equal(d, "skip,renew,renew");
    assert_int_equal(renewals(f), 2);
    assert_all_delivered(f);
}

static void test_acme_trigger__an_expired_certificate_is_always_renewed(void **state)
{
    fixture *f = *state;
    char plan[OG_ID_LEN], d[256];
    const char *fp = "7777777777777777777777777777777777777777777777777777777777777777";
    plan_add(f, fp, 5, 1, "current", plan);
    alert(f, "certs.expired", fp, 0);
    decisions(f, d, sizeof(d));
    assert_string_equal(d, "renew");
    assert_all_delivered(f);
}

/* A self-signed certificate for name, living `days` days from yesterday, as PEM (caller frees). */
static char *short_cert(const char *name, int days)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    assert_non_null(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    PEM_write_bio_X509(b, x);
    long len = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)len);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
    return out;
}

/* A certificate a renewal plan renews raises no days-left alert (issue 26: its plan's rules
 * alert when something is wrong); an unplanned one of the same lifetime does. acme tells certs
 * which plan renews a certificate through og_certs_renewal_register (certs reads none of acme's
 * tables). */
/* Fixed-day thresholds for acme: what the test is about (by default they are scaled to a
 * short certificate's lifetime, which would alert these young certificates at none). */
static void fixed_days(og_ctx *ctx)
{
    og_certs_policy p;
    memset(&p, 0, sizeof(p));
    p.lifetime_share = OG_CERTS_SHARE_OFF;
    OG_ASSERT_OK(og_certs_policy_set(ctx, "acme", &p, 0));
}

static void test_acme_trigger__a_planned_certificate_raises_no_days_left_alert(void **state)
{
    fixture *f = *state;
    fixed_days(&f->env.ctx);
    char plan[OG_ID_LEN], fp[65];
    char *pem = short_cert("renewed.test", 5), *other = short_cert("manual.test", 5);
    json_t *list = NULL, *e;
    size_t i;
    int named = 0, unnamed = 0;
    OG_ASSERT_OK(og_certs_pem_fingerprint(pem, strlen(pem), fp));
    plan_add(f, fp, 5, 0, "current", plan);
    OG_ASSERT_OK(og_certs_import(&f->env.ctx, "acme", "renewed.pem", pem, strlen(pem), NULL));
    OG_ASSERT_OK(og_certs_import(&f->env.ctx, "acme", "manual.pem", other, strlen(other), NULL));
    OG_ASSERT_OK(og_events_list(&f->env.ctx, "acme", NULL, &list));
    json_array_foreach(list, i, e)
    {
        json_t *p = json_object_get(e, "payload");
        const char *t = json_string_value(json_object_get(e, "type"));
        if (!t || strcmp(t, "certs.expiring") != 0)
            continue;
        const char *efp = json_string_value(json_object_get(p, "fingerprint"));
        const char *ep = json_string_value(json_object_get(p, "renewal_plan"));
        if (efp && strcmp(efp, fp) == 0) {
            assert_non_null(ep);
            assert_string_equal(ep, plan);
            named++;
        } else {
            assert_null(ep);
            unnamed++;
        }
    }
    assert_int_equal(named, 0);
    assert_true(unnamed > 0);
    json_decref(list);
    free(pem);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_acme_trigger__an_alert_renews_the_current_certificate_of_a_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_acme_trigger__alerts_without_a_current_plan_certificate_renew_nothing, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_acme_trigger__a_renewed_certificate_shorter_than_the_threshold_is_left_alone,
            setup, teardown),
        cmocka_unit_test_setup_teardown(test_acme_trigger__an_expired_certificate_is_always_renewed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_acme_trigger__a_planned_certificate_raises_no_days_left_alert, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
