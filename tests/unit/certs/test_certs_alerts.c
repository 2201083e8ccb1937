/* test_certs_alerts.c - alerts by what is wrong (a rule source registered as acme registers
 * its own: raised once, quiet while open, acknowledged, snoozed, raised again when worse or when
 * the snooze ends, resolved when gone, the raised callback's gate task kept), tenant isolation,
 * and the calendar: RFC 5545 folding and escaping, tokens that read the feed until revoked. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP "abababababababababababababababababababababababababababababababab"

/* The rule source: one problem about FP while `problem_severity` > 0. */
static int problem_severity;
static int raised_calls;
static int check(og_ctx *ctx, const char *tenant_id, json_t *problems)
{
    (void)ctx;
    (void)tenant_id;
    if (problem_severity <= 0)
        return 0;
    return json_array_append_new(
        problems, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:{s:i}}", "fingerprint", FP, "rule",
                            "renewal-failing", "severity", problem_severity, "message",
                            "renewal of x failed 3 times in a row", "action",
                            "fix the DNS, then renew", "plan", "plan-1", "details", "failures", 3));
}
static int raised(og_ctx *ctx, const char *tenant_id, json_t *alert, char gate_id[OG_ID_LEN])
{
    (void)ctx;
    (void)tenant_id;
    assert_non_null(json_string_value(json_object_get(alert, "id")));
    raised_calls++;
    og_strlcpy(gate_id, "11111111-1111-4111-8111-111111111111", OG_ID_LEN);
    return 0;
}

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    og_certs_alert_source_register(check, raised);
    problem_severity = 0;
    raised_calls = 0;
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_certs_alert_source_register(NULL, NULL);
    og_certs_calendar_renewals_register(NULL);
    og_test_env_teardown(env);
    free(env);
    return 0;
}

/* A self-signed certificate with subject cn, living days from yesterday, imported into acme. */
static void import(og_test_env *env, const char *cn, int days, char fp[65])
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    og_certs_import_summary sum;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400 - 86400);
    X509_set_pubkey(x, k);
    /* a CN is at most 64 characters (RFC 5280 ub-common-name): longer is refused */
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                                (const unsigned char *)cn, -1, -1, 0),
                     1);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    PEM_write_bio_X509(b, x);
    long len = BIO_get_mem_data(b, &p);
    OG_ASSERT_OK(og_certs_import(&env->ctx, "acme", "c.pem", p, (size_t)len, &sum));
    og_strlcpy(fp, sum.first_fingerprint, 65);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* The alert of rule renewal-failing in acme's list (state filter "all"), a new reference. */
static json_t *the_alert(og_test_env *env)
{
    json_t *list = NULL, *a, *out = NULL;
    size_t i;
    OG_ASSERT_OK(og_certs_alert_list(&env->ctx, "acme", "all", &list));
    json_array_foreach(list, i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "rule")), "renewal-failing") == 0)
            out = json_incref(a);
    }
    json_decref(list);
    return out;
}

static int alert_events(og_test_env *env)
{
    json_t *list = NULL, *e;
    size_t i;
    int n = 0;
    OG_ASSERT_OK(og_events_list(&env->ctx, "acme", NULL, &list));
    json_array_foreach(list, i, e)
    {
        n += strcmp(json_string_value(json_object_get(e, "type")), "certs.alert") == 0;
    }
    json_decref(list);
    return n;
}

static const char *field(json_t *a, const char *k)
{
    return json_string_value(json_object_get(a, k));
}

static void test_alerts__raised_once_snoozed_worse_resolved(void **state)
{
    og_test_env *env = *state;
    char fp[65];
    int n = -1;
    import(env, "planned.example", 90, fp); /* a tenant with a certificate: the pass runs */
    problem_severity = OG_CERTS_ALERT_WARNING;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 1);
    assert_int_equal(alert_events(env), 1);
    assert_int_equal(raised_calls, 1);
    json_t *a = the_alert(env);
    assert_non_null(a);
    assert_string_equal(field(a, "state"), "open");
    assert_string_equal(field(a, "severity"), "warning");
    assert_string_equal(field(a, "action"), "fix the DNS, then renew");
    assert_string_equal(field(a, "gate_id"), "11111111-1111-4111-8111-111111111111");
    assert_string_equal(field(a, "plan"), "plan-1");
    char id[OG_ID_LEN];
    og_strlcpy(id, field(a, "id"), sizeof(id));
    json_decref(a);
    /* quiet while open and no worse */
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 0);
    assert_int_equal(alert_events(env), 1);
    /* snoozed: listed so, quiet */
    int64_t now = og_time_now_us();
    assert_int_equal(og_certs_alert_snooze(&env->ctx, "acme", id, now - 1, NULL), OG_EINVAL);
    assert_int_equal(
        og_certs_alert_snooze(&env->ctx, "acme", id, now + OG_CERTS_SNOOZE_MAX_US + 60000000, NULL),
        OG_EINVAL);
    OG_ASSERT_OK(og_certs_alert_snooze(&env->ctx, "acme", id, now + 3600000000LL, "CA down"));
    a = the_alert(env);
    assert_string_equal(field(a, "state"), "snoozed");
    assert_non_null(field(a, "snoozed_until"));
    assert_string_equal(field(a, "note"), "CA down");
    json_decref(a);
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 0);
    /* another tenant's actor and another tenant's name: not found */
    assert_int_equal(og_certs_alert_ack(&env->ctx, "globex", id, NULL), OG_ENOTFOUND);
    /* worse: raised again, open, snooze gone */
    problem_severity = OG_CERTS_ALERT_CRITICAL;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 1);
    assert_int_equal(alert_events(env), 2);
    a = the_alert(env);
    assert_string_equal(field(a, "state"), "open");
    assert_string_equal(field(a, "severity"), "critical");
    assert_int_equal(json_integer_value(json_object_get(a, "raises")), 2);
    assert_null(field(a, "snoozed_until"));
    json_decref(a);
    /* acknowledged: quiet at the same severity */
    OG_ASSERT_OK(og_certs_alert_ack(&env->ctx, "acme", id, "on it"));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 0);
    a = the_alert(env);
    assert_string_equal(field(a, "state"), "acknowledged");
    assert_non_null(field(a, "ack_by"));
    json_decref(a);
    /* gone: resolved; a resolved alert is not acknowledged */
    problem_severity = 0;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    a = the_alert(env);
    assert_string_equal(field(a, "state"), "resolved");
    assert_non_null(field(a, "resolved_at"));
    json_decref(a);
    assert_int_equal(og_certs_alert_ack(&env->ctx, "acme", id, NULL), OG_ECONFLICT);
    json_t *open = NULL;
    OG_ASSERT_OK(og_certs_alert_list(&env->ctx, "acme", NULL, &open));
    assert_int_equal(json_array_size(open), 0);
    json_decref(open);
    assert_int_equal(og_certs_alert_list(&env->ctx, "acme", "bogus", &open), OG_EINVAL);
    /* back again: raised anew */
    problem_severity = OG_CERTS_ALERT_WARNING;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 1);
    /* every change audited */
    json_t *recs = NULL;
    int64_t next = 0;
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t)); /* the audit chain is the tenant's id */
    const char *actions[] = {"certs.alert.raise", "certs.alert.snooze", "certs.alert.ack"};
    for (size_t i = 0; i < 3; i++) {
        OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 100, actions[i], NULL, &recs, &next));
        assert_true(json_array_size(recs) > 0);
        json_decref(recs);
        recs = NULL;
    }
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

static void test_alerts__days_left_alert_says_what_to_do_and_respects_a_snooze(void **state)
{
    og_test_env *env = *state;
    fixed_days(&env->ctx);
    char fp[65];
    int n = -1;
    import(env, "manual.example", 10, fp); /* crosses 30 and 14 at import */
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_alert_list(&env->ctx, "acme", NULL, &list));
    assert_int_equal(json_array_size(list), 1);
    json_t *a = json_array_get(list, 0);
    assert_string_equal(field(a, "rule"), OG_CERTS_RULE_DAYS_LEFT);
    assert_string_equal(field(a, "fingerprint"), fp);
    assert_non_null(strstr(field(a, "action"), "renew it at its CA"));
    char id[OG_ID_LEN];
    og_strlcpy(id, field(a, "id"), sizeof(id));
    json_decref(list);
    /* snoozed, a new threshold of the same severity is recorded but not raised */
    OG_ASSERT_OK(
        og_certs_alert_snooze(&env->ctx, "acme", id, og_time_now_us() + 3600000000LL, NULL));
    og_certs_policy p;
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_thresholds_parse("30,14,12,1", &p));
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 0);
    /* the last threshold is critical: worse, raised again */
    OG_ASSERT_OK(og_certs_thresholds_parse("30,14,12,11", &p));
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 1);
    OG_ASSERT_OK(og_certs_alert_list(&env->ctx, "acme", "open", &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(field(json_array_get(list, 0), "severity"), "critical");
    json_decref(list);
}

static void test_alerts__lifetime_share_scales_short_certificates_by_default(void **state)
{
    og_test_env *env = *state;
    char fp[65];
    og_certs_policy p;
    /* a tenant that never set it: on */
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.lifetime_share, OG_CERTS_SHARE_ON);
    og_certs_policy_clear(&p);
    /* setting the thresholds only stores the default with them */
    memset(&p, 0, sizeof(p));
    OG_ASSERT_OK(og_certs_thresholds_parse("30,14,7,1", &p));
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.lifetime_share, OG_CERTS_SHARE_ON);
    assert_int_equal(p.nthresholds, 4); /* the thresholds kept */
    og_certs_policy_clear(&p);
    /* 10 days of 12 left: 30 days of 90 is 4 days of 12: not crossed; fixed days would be */
    import(env, "short.example", 12, fp);
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_alert_list(&env->ctx, "acme", NULL, &list));
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    memset(&p, 0, sizeof(p));
    p.lifetime_share = OG_CERTS_SHARE_OFF;
    OG_ASSERT_OK(og_certs_policy_set(&env->ctx, "acme", &p, 0));
    int n = 0;
    OG_ASSERT_OK(og_certs_expiry_run(&env->ctx, "acme", &n));
    assert_int_equal(n, 1);
    /* the explicit off is the tenant's choice, kept over the default */
    OG_ASSERT_OK(og_certs_policy_get(&env->ctx, "acme", &p));
    assert_int_equal(p.lifetime_share, OG_CERTS_SHARE_OFF);
    og_certs_policy_clear(&p);
}

/* 49 octets, then "\xc3\xa9" as the 75th and 76th octets of "SUMMARY:Planned renewal: ..." */
#define RENEWAL_NAMES_HEAD "shop.example www.shop.example api.shop.example xy"
#define RENEWAL_NAMES      RENEWAL_NAMES_HEAD "\xc3\xa9toile.example"
static int renewals(og_ctx *ctx, const char *tenant_id, json_t *out)
{
    (void)ctx;
    (void)tenant_id;
    return json_array_append_new(
        out, json_pack("{s:s, s:s, s:I, s:s}", "fingerprint", FP, "plan", "plan-1", "at_us",
                       (json_int_t)(og_time_now_us() + 86400000000LL), "names", RENEWAL_NAMES));
}

/* Unfold RFC 5545 content lines (CRLF + space) into out. */
static void unfold(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const char *c = in; *c && o + 1 < size; c++) {
        if (c[0] == '\r' && c[1] == '\n' && c[2] == ' ') {
            c += 2;
            continue;
        }
        out[o++] = *c;
    }
    out[o] = '\0';
}

static void test_calendar__folded_escaped_and_read_with_a_revocable_token(void **state)
{
    og_test_env *env = *state;
    char fp[65], fp2[65];
    /* the SUMMARY line is 82 octets: folded; certificate strings are kept printable ASCII */
    import(env, "shop, a name long enough to be folded: \xc3\xa9toile", 90, fp);
    og_certs_calendar_renewals_register(renewals);
    import(env, "b.example", 30, fp2);
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_certs_calendar(&env->ctx, "acme", &b));
    assert_non_null(b.data);
    assert_int_equal(strncmp(b.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30), 0);
    /* every line at most 75 octets, ending in CRLF, no bare LF; no UTF-8 character split */
    const char *line = b.data;
    int lines = 0;
    while (*line) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        assert_true(end - line <= 75);
        assert_null(memchr(line, '\n', (size_t)(end - line)));
        if (line != b.data && *line == ' ')
            assert_true(((unsigned char)line[1] & 0xc0) != 0x80);
        line = end + 2;
        lines++;
    }
    assert_true(lines > 10);
    char *flat = malloc(b.len + 1);
    unfold(b.data, flat, b.len + 1);
    /* the subject (RFC 2253: "CN=shop\, ...") as TEXT: the backslash and the comma escaped */
    assert_non_null(strstr(flat, "SUMMARY:Certificate expires: CN=shop\\\\\\, a name long enough"
                                 " to be folded: ??toile\r\n"));
    /* a UTF-8 character at the fold (the 75th octet its first) is moved whole to the next line */
    assert_non_null(strstr(b.data, "SUMMARY:Planned renewal: " RENEWAL_NAMES_HEAD "\r\n \xc3\xa9"));
    assert_non_null(strstr(flat, "SUMMARY:Planned renewal: " RENEWAL_NAMES "\r\n"));
    assert_non_null(strstr(flat, "UID:renewal-plan-1-"));
    assert_non_null(strstr(flat, "DESCRIPTION:Tenant: acme\\nSubject: CN=shop"));
    char uid[200];
    snprintf(uid, sizeof(uid), "UID:expiry-%s-", fp);
    assert_non_null(strstr(flat, uid));
    assert_non_null(strstr(flat, "DTSTAMP:"));
    assert_non_null(strstr(flat, "\r\nEND:VCALENDAR\r\n"));
    free(flat);
    og_buf_free(&b);
    /* a token reads it; revoked, nothing; another tenant's id is not found */
    char token[OG_CERTS_CALENDAR_TOKEN_MAX], id[OG_ID_LEN];
    assert_int_equal(og_certs_calendar_token_create(&env->ctx, "acme", "", token, id), OG_EINVAL);
    OG_ASSERT_OK(og_certs_calendar_token_create(&env->ctx, "acme", "wall", token, id));
    assert_int_equal(strncmp(token, "ogcal_", 6), 0);
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_certs_calendar_by_token(&env->ctx, token, &b));
    assert_non_null(strstr(b.data, fp2));
    og_buf_free(&b);
    token[strlen(token) - 1] = token[strlen(token) - 1] == '0' ? '1' : '0';
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_certs_calendar_by_token(&env->ctx, token, &b), OG_EAUTH);
    assert_int_equal(og_certs_calendar_by_token(&env->ctx, "og_abc_def", &b), OG_EAUTH);
    og_buf_free(&b);
    token[strlen(token) - 1] = token[strlen(token) - 1] == '0' ? '1' : '0';
    assert_int_equal(og_certs_calendar_token_revoke(&env->ctx, "globex", id), OG_ENOTFOUND);
    OG_ASSERT_OK(og_certs_calendar_token_revoke(&env->ctx, "acme", id));
    assert_int_equal(og_certs_calendar_token_revoke(&env->ctx, "acme", id), OG_ECONFLICT);
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_certs_calendar_by_token(&env->ctx, token, &b), OG_EAUTH);
    og_buf_free(&b);
    json_t *list = NULL;
    OG_ASSERT_OK(og_certs_calendar_token_list(&env->ctx, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    assert_non_null(field(json_array_get(list, 0), "revoked_at"));
    assert_null(json_object_get(json_array_get(list, 0), "secret_sha256"));
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alerts__raised_once_snoozed_worse_resolved, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_alerts__days_left_alert_says_what_to_do_and_respects_a_snooze, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alerts__lifetime_share_scales_short_certificates_by_default, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_calendar__folded_escaped_and_read_with_a_revocable_token, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
