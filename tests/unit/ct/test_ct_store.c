/* test_ct_store.c - the ct module over a real store: watches (limits, duplicates, tenant
 * isolation, roles), the CT source (the key sealed, never shown or stored in clear, kept when a
 * set gives none, tenant-admin only), and findings decided by a human: marking one expected
 * teaches a pattern, both are audited, a decided finding is a conflict, another tenant's is not
 * found. A finding is planted as a poll records it (the poll itself runs against a simulator in
 * tests/integration/test_ct_watch.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "og_test.h"
#include "opsgate/app.h"
#include "opsgate/audit.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

typedef struct fixture {
    og_test_env env;
    og_tenant acme, globex;
    og_ctx ada, eve, aud, gus; /* tenant-admin, engineer, auditor of acme; globex's admin */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->acme));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", &f->globex));
    struct {
        const char *tenant, *user;
        og_role role;
        og_ctx *ctx;
    } users[] = {{"acme", "ada", OG_ROLE_TENANT_ADMIN, &f->ada},
                 {"acme", "eve", OG_ROLE_ENGINEER, &f->eve},
                 {"acme", "aud", OG_ROLE_AUDITOR, &f->aud},
                 {"globex", "gus", OG_ROLE_TENANT_ADMIN, &f->gus}};
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        OG_ASSERT_OK(og_user_add(&f->env.ctx, users[i].tenant, users[i].user, users[i].role, NULL));
        *users[i].ctx = f->env.ctx;
        OG_ASSERT_OK(og_actor_become(users[i].ctx, users[i].tenant, users[i].user));
    }
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

static int64_t audited(fixture *f, const char *tenant_id, const char *action)
{
    json_t *recs = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, tenant_id, 0, 1000, action, NULL, &recs, &next));
    int64_t n = (int64_t)json_array_size(recs);
    json_decref(recs);
    return n;
}

static void test_ct_watch__add_list_remove_with_rights(void **state)
{
    fixture *f = *state;
    json_t *w = NULL, *list = NULL;
    OG_ASSERT_OK(og_ct_watch_add(&f->eve, "acme", "Example.COM.", 1, &w));
    assert_string_equal(json_string_value(json_object_get(w, "domain")), "example.com");
    assert_true(json_is_true(json_object_get(w, "subdomains")));
    assert_true(json_is_null(json_object_get(w, "polled_at")));
    char id[OG_ID_LEN];
    og_strlcpy(id, json_string_value(json_object_get(w, "id")), sizeof(id));
    json_decref(w);
    assert_int_equal(og_ct_watch_add(&f->ada, "acme", "example.com", 0, NULL), OG_EEXISTS);
    assert_int_equal(og_ct_watch_add(&f->eve, "acme", "*.example.org", 0, NULL), OG_EINVAL);
    assert_int_equal(og_ct_watch_add(&f->aud, "acme", "example.org", 0, NULL), OG_EDENIED);
    /* another tenant's: as missing, both for naming the tenant and for naming the watch */
    assert_int_equal(og_ct_watch_add(&f->gus, "acme", "example.org", 0, NULL), OG_ENOTFOUND);
    assert_int_equal(og_ct_watch_remove(&f->gus, "globex", id), OG_ENOTFOUND);
    assert_int_equal(og_ct_watch_list(&f->gus, "acme", &list), OG_ENOTFOUND);
    OG_ASSERT_OK(og_ct_watch_list(&f->aud, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(audited(f, f->acme.id, "ct.watch.add"), 1);
    assert_int_equal(og_ct_watch_remove(&f->aud, "acme", "example.com"), OG_EDENIED);
    OG_ASSERT_OK(og_ct_watch_remove(&f->eve, "acme", "example.com"));
    assert_int_equal(og_ct_watch_remove(&f->eve, "acme", id), OG_ENOTFOUND);
    assert_int_equal(audited(f, f->acme.id, "ct.watch.remove"), 1);
}

static void test_ct_watch__at_most_the_limit(void **state)
{
    fixture *f = *state;
    char name[64];
    for (int i = 0; i < OG_CT_WATCHES_MAX; i++) {
        snprintf(name, sizeof(name), "d%d.example", i);
        OG_ASSERT_OK(og_ct_watch_add(&f->eve, "acme", name, 0, NULL));
    }
    assert_int_equal(og_ct_watch_add(&f->eve, "acme", "one-more.example", 0, NULL), OG_ETOOBIG);
    /* the limit is the tenant's: globex still may */
    OG_ASSERT_OK(og_ct_watch_add(&f->gus, "globex", "one-more.example", 0, NULL));
}

static void test_ct_source__key_sealed_kept_and_for_admins(void **state)
{
    fixture *f = *state;
    const char *key = "cs-test-KEY-4711-never-in-clear";
    json_t *s = NULL;
    og_ct_source_spec spec = {NULL, "https://ct.example.test", key, NULL};
    assert_int_equal(og_ct_source_show(&f->eve, "acme", &s), OG_ENOTFOUND);
    assert_int_equal(og_ct_source_set(&f->eve, "acme", &spec), OG_EDENIED);
    assert_int_equal(og_ct_source_set(&f->gus, "acme", &spec), OG_ENOTFOUND);
    assert_int_equal(og_ct_source_set(&f->ada, NULL, &spec), OG_EDENIED); /* the installation's */
    OG_ASSERT_OK(og_ct_source_set(&f->ada, "acme", &spec));
    assert_false(og_test_env_holds(&f->env, key));
    OG_ASSERT_OK(og_ct_source_show(&f->eve, "acme", &s));
    assert_true(json_is_true(json_object_get(s, "key")));
    assert_string_equal(json_string_value(json_object_get(s, "scope")), "tenant");
    assert_string_equal(json_string_value(json_object_get(s, "provider")), "certspotter");
    char *text = json_dumps(s, 0);
    assert_null(strstr(text, key));
    free(text);
    json_decref(s);
    /* a set without a key keeps the one held; options are checked */
    json_t *opts = json_pack("{s:s}", "poll_interval", "2h");
    og_ct_source_spec again = {NULL, "https://ct2.example.test", NULL, opts};
    OG_ASSERT_OK(og_ct_source_set(&f->ada, "acme", &again));
    OG_ASSERT_OK(og_ct_source_show(&f->eve, "acme", &s));
    assert_true(json_is_true(json_object_get(s, "key")));
    assert_string_equal(json_string_value(json_object_get(s, "base_url")),
                        "https://ct2.example.test");
    json_decref(s);
    json_object_set_new(opts, "poll_interval", json_string("1s"));
    assert_int_equal(og_ct_source_set(&f->ada, "acme", &again), OG_EINVAL);
    json_object_clear(opts);
    json_object_set_new(opts, "nonsense", json_true());
    assert_int_equal(og_ct_source_set(&f->ada, "acme", &again), OG_EINVAL);
    json_decref(opts);
    /* an empty key clears it (a keyless source) */
    og_ct_source_spec keyless = {NULL, "https://ct3.example.test", "", NULL};
    OG_ASSERT_OK(og_ct_source_set(&f->ada, "acme", &keyless));
    OG_ASSERT_OK(og_ct_source_show(&f->eve, "acme", &s));
    assert_true(json_is_false(json_object_get(s, "key")));
    assert_int_equal(json_object_size(json_object_get(s, "options")), 0);
    json_decref(s);
    og_ct_source_spec bad_url = {NULL, "ftp://ct.example.test", NULL, NULL};
    assert_int_equal(og_ct_source_set(&f->ada, "acme", &bad_url), OG_EINVAL);
    og_ct_source_spec loopback = {NULL, "https://127.0.0.1:8443", NULL, NULL};
    assert_int_equal(og_ct_source_set(&f->ada, "acme", &loopback), OG_EDENIED);
    og_ct_source_spec other = {"crtsh", NULL, NULL, NULL};
    assert_int_equal(og_ct_source_set(&f->ada, "acme", &other), OG_EINVAL);
    /* the installation's applies to a tenant without its own */
    OG_ASSERT_OK(og_ct_source_set(&f->env.ctx, NULL, &spec));
    OG_ASSERT_OK(og_ct_source_show(&f->gus, "globex", &s));
    assert_string_equal(json_string_value(json_object_get(s, "scope")), "platform");
    json_decref(s);
    assert_int_equal(audited(f, f->acme.id, "ct.source.set"), 3);
}

/* Plant an open unknown issuance of acme's watch as a poll records it. */
static void plant(fixture *f, const char *id, const char *remote, const char *names,
                  const char *issuer_key)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "INSERT INTO ct_issuances (id, tenant_id, watch_id, watch_domain, provider, remote_id,"
             " cert_sha256, issuer, issuer_pubkey_sha256, names, verdict, state, seen_at, seen_us)"
             " SELECT '%s', tenant_id, id, domain, 'certspotter', '%s', NULL, 'Evil CA', '%s',"
             " '%s', 'unknown', 'open', '2026-12-07T00:00:00Z', 1 FROM ct_watches"
             " WHERE domain = 'example.com'",
             id, remote, issuer_key, names);
    og_test_env_exec(&f->env, sql);
}

#define FIND1 "11111111-1111-4111-8111-111111111111"
#define FIND2 "22222222-2222-4222-8222-222222222222"
#define IKEY  "abababababababababababababababababababababababababababababababab"

static void test_ct_findings__expect_teaches_and_is_audited(void **state)
{
    fixture *f = *state;
    json_t *out = NULL, *list = NULL;
    OG_ASSERT_OK(og_ct_watch_add(&f->eve, "acme", "example.com", 1, NULL));
    plant(f, FIND1, "1002", "[\"shop.example.com\"]", IKEY);
    plant(f, FIND2, "1003", "[\"api.example.com\"]", IKEY);
    OG_ASSERT_OK(og_ct_findings(&f->aud, "acme", "open", 0, &list));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "finding")),
                        OG_CT_FINDING);
    json_decref(list);
    assert_int_equal(og_ct_findings(&f->aud, "acme", "bogus", 0, &list), OG_EINVAL);
    assert_int_equal(og_ct_finding_expect(&f->aud, "acme", FIND1, NULL, NULL, NULL), OG_EDENIED);
    assert_int_equal(og_ct_finding_expect(&f->gus, "globex", FIND1, NULL, NULL, NULL),
                     OG_ENOTFOUND);
    assert_int_equal(og_ct_finding_expect(&f->eve, "acme", FIND1, "everything", NULL, NULL),
                     OG_EINVAL);
    OG_ASSERT_OK(
        og_ct_finding_expect(&f->eve, "acme", FIND1, "names", "ordered by the client", &out));
    assert_string_equal(json_string_value(json_object_get(out, "state")), "expected");
    assert_non_null(json_string_value(json_object_get(out, "pattern")));
    json_decref(out);
    assert_int_equal(og_ct_finding_expect(&f->eve, "acme", FIND1, NULL, NULL, NULL), OG_ECONFLICT);
    assert_int_equal(audited(f, f->acme.id, "ct.finding.expect"), 1);
    OG_ASSERT_OK(og_ct_expected_list(&f->aud, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    json_t *p = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "names"), 0)),
                        "shop.example.com");
    assert_string_equal(json_string_value(json_object_get(p, "issuer_pubkey_sha256")), IKEY);
    char pid[OG_ID_LEN];
    og_strlcpy(pid, json_string_value(json_object_get(p, "id")), sizeof(pid));
    json_decref(list);
    /* the other one: an incident, audited */
    OG_ASSERT_OK(og_ct_finding_incident(&f->eve, "acme", FIND2, "not theirs", &out));
    assert_string_equal(json_string_value(json_object_get(out, "state")), "incident");
    json_decref(out);
    assert_int_equal(audited(f, f->acme.id, "ct.finding.incident"), 1);
    assert_int_equal(og_ct_expected_remove(&f->gus, "globex", pid), OG_ENOTFOUND);
    OG_ASSERT_OK(og_ct_expected_remove(&f->eve, "acme", pid));
    assert_int_equal(og_ct_expected_remove(&f->eve, "acme", pid), OG_ENOTFOUND);
    assert_int_equal(audited(f, f->acme.id, "ct.expected.remove"), 1);
    /* what CT says of a certificate nobody logged */
    OG_ASSERT_OK(og_ct_cert_status(&f->aud, "acme", IKEY, &out));
    assert_true(json_is_false(json_object_get(out, "logged")));
    json_decref(out);
}

static void test_ct_poll__needs_a_source(void **state)
{
    fixture *f = *state;
    json_t *out = NULL;
    OG_ASSERT_OK(og_ct_watch_add(&f->eve, "acme", "example.com", 1, NULL));
    assert_int_equal(og_ct_poll(&f->eve, "acme", NULL, &out), OG_ENOTFOUND);
    assert_null(out);
    assert_int_equal(og_ct_poll(&f->aud, "acme", NULL, &out), OG_EDENIED);
    assert_int_equal(og_ct_poll(&f->gus, "acme", NULL, &out), OG_ENOTFOUND);
    assert_int_equal(og_ct_poll(&f->eve, "acme", "nosuch.example", &out), OG_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ct_watch__add_list_remove_with_rights, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ct_watch__at_most_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ct_source__key_sealed_kept_and_for_admins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ct_findings__expect_teaches_and_is_audited, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ct_poll__needs_a_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
