/* test_gate_subjects.c - gate items say what they are about (issue 13): each module that asks
 * for a gate describes its object (subject, project, target, object name), the engine keeps it
 * sealed with the tenant's key and one line long, list and show name the tenant, show says what
 * can be decided next and by whom, and short ids resolve. */
#include "og_test.h"
#include "opsgate/app.h"
#include "opsgate/acme.h"
#include "opsgate/artifacts.h"
#include "opsgate/certs.h"
#include "opsgate/deploy.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LONG_NAME "dc-migration-runbook-for-the-northwind-datacenter-move-in-three-waves"

typedef struct fixture {
    og_test_env env;
    og_tenant t;
    char *out; /* folder of the file target */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_ctx *c;
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_app_register_all()); /* platform.note, as every opsgate process */
    c = &f->env.ctx;
    OG_ASSERT_OK(og_artifacts_register_kinds());
    OG_ASSERT_OK(og_docgen_register_kinds());
    OG_ASSERT_OK(og_acme_register_kinds());
    OG_ASSERT_OK(og_deploy_register());
    OG_ASSERT_OK(og_tenant_create(c, "acme", &f->t));
    OG_ASSERT_OK(og_tenant_create(c, "globex", NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "bob", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_project_create(c, "acme", "nwind-42", "Northwind", NULL));
    f->out = og_test_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    og_test_rmrf(f->out);
    free(f->out);
    free(f);
    return 0;
}

static og_ctx as_user(fixture *f, const char *user)
{
    og_ctx c = f->env.ctx;
    OG_ASSERT_OK(og_actor_become(&c, "acme", user));
    return c;
}

static const char *sfield(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "(null)";
}

/* The item gate_id as og_gate_list shows it (caller decrefs). */
static json_t *listed(fixture *f, const char *gate_id)
{
    json_t *arr = NULL, *x, *found = NULL;
    size_t i;
    OG_ASSERT_OK(og_gate_list(&f->env.ctx, "acme", NULL, &arr));
    json_array_foreach(arr, i, x)
    {
        if (strcmp(sfield(x, "id"), gate_id) == 0)
            found = json_incref(x);
    }
    json_decref(arr);
    if (!found)
        fail_msg("gate item %s is not listed", gate_id);
    return found;
}

/* The newest item of kind in acme's list (caller decrefs). */
static json_t *newest(fixture *f, const char *kind)
{
    json_t *arr = NULL, *x, *found = NULL;
    size_t i;
    OG_ASSERT_OK(og_gate_list(&f->env.ctx, "acme", NULL, &arr));
    json_array_foreach(arr, i, x)
    {
        if (!found && strcmp(sfield(x, "kind"), kind) == 0)
            found = json_incref(x);
    }
    json_decref(arr);
    if (!found)
        fail_msg("no %s item listed", kind);
    return found;
}

/* The item as list and show describe it: subject, tenant, project, target and object name. */
static void assert_about(fixture *f, json_t *item, const char *subject, const char *project,
                         const char *target, const char *object)
{
    json_t *doc = NULL;
    assert_string_equal(sfield(item, "subject"), subject);
    assert_string_equal(sfield(item, "tenant_name"), "acme");
    assert_string_equal(sfield(item, "tenant_id"), f->t.id);
    assert_string_equal(sfield(item, "project"), project ? project : "(null)");
    assert_string_equal(sfield(item, "target_name"), target ? target : "(null)");
    assert_string_equal(sfield(item, "object_name"), object ? object : "(null)");
    OG_ASSERT_OK(og_gate_show(&f->env.ctx, sfield(item, "id"), &doc));
    assert_string_equal(sfield(doc, "subject"), subject);
    assert_string_equal(sfield(doc, "tenant_name"), "acme");
    assert_string_equal(sfield(doc, "object_name"), object ? object : "(null)");
    json_decref(doc);
}

static void test_gate_subjects__artifact_moves_name_the_artifact_and_project(void **state)
{
    fixture *f = *state;
    og_ctx eve = as_user(f, "eve"), pam = as_user(f, "pam"), ada = as_user(f, "ada");
    og_artifact_ref r = {"acme", "nwind-42", LONG_NAME};
    og_artifact_put_opts o = {.kind = "runbook", .message = "v1"};
    og_gate_outcome out;
    json_t *x, *doc = NULL;
    OG_ASSERT_OK(og_artifact_put_buffer(&eve, &r, &o, "steps\n", 6, NULL));
    OG_ASSERT_OK(og_artifact_put_buffer(&eve, &r, &o, "steps 2\n", 8, NULL));
    OG_ASSERT_OK(og_artifact_set_state(&eve, &r, "in-review", &out));
    json_decref(out.result);
    x = listed(f, out.gate_id);
    assert_about(f, x, "runbook \"" LONG_NAME "\" v2 in project nwind-42: draft \u2192 in-review",
                 "nwind-42", NULL, LONG_NAME);
    assert_non_null(strstr(sfield(x, "requested_by"), "user:eve"));
    json_decref(x);
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "approved", NULL));
    /* publishing at L2: the pending approval says what would be published */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.runbook", OG_GATE_L2));
    assert_int_equal(og_artifact_set_state(&eve, &r, "published", &out), OG_EPENDING);
    json_decref(out.result);
    x = listed(f, out.gate_id);
    assert_about(f, x,
                 "runbook \"" LONG_NAME "\" v2 in project nwind-42: approved \u2192 published",
                 "nwind-42", NULL, LONG_NAME);
    assert_string_equal(sfield(x, "state"), "pending");
    json_decref(x);
    /* show says who decides next: a tenant-admin or project-manager, not the requester */
    OG_ASSERT_OK(og_gate_show(&f->env.ctx, out.gate_id, &doc));
    json_t *next = json_object_get(doc, "next");
    assert_int_equal(json_array_size(next), 2);
    assert_string_equal(sfield(json_array_get(next, 0), "decision"), "approve");
    assert_non_null(strstr(sfield(json_array_get(next, 0), "who"), "project-manager"));
    assert_non_null(strstr(sfield(json_array_get(next, 0), "who"), "user:eve"));
    json_decref(doc);
    OG_ASSERT_OK(og_gate_decide(&pam, out.gate_id, "approve", NULL));
    OG_ASSERT_OK(og_gate_show(&f->env.ctx, out.gate_id, &doc));
    assert_int_equal(json_array_size(json_object_get(doc, "next")), 0);
    assert_string_equal(sfield(doc, "subject"),
                        "runbook \"" LONG_NAME "\" v2 in project nwind-42: approved \u2192 "
                        "published");
    json_decref(doc);
}

static void test_gate_subjects__names_are_sealed_in_the_database(void **state)
{
    fixture *f = *state;
    og_ctx eve = as_user(f, "eve");
    og_artifact_ref r = {"acme", "nwind-42", "secret-merger-plan"};
    og_artifact_put_opts o = {.kind = "other", .message = "v1"};
    og_gate_outcome out;
    og_stmt *st = NULL;
    int rows = 0;
    OG_ASSERT_OK(og_artifact_put_buffer(&eve, &r, &o, "x\n", 2, NULL));
    OG_ASSERT_OK(og_artifact_set_state(&eve, &r, "in-review", &out));
    json_decref(out.result);
    OG_ASSERT_OK(og_stmt_prepare(
        &st, f->env.store, "SELECT about FROM gate_items WHERE id = ? AND about IS NOT NULL"));
    og_stmt_bind_text(st, 1, out.gate_id);
    while (og_stmt_step(st) == OG_ROW) {
        size_t len = 0;
        const char *blob = og_stmt_col_blob(st, 0, &len);
        assert_true(len > 0);
        assert_null(memmem(blob, len, "secret-merger", 13));
        rows++;
    }
    og_stmt_free(st);
    assert_int_equal(rows, 1);
    json_t *x = listed(f, out.gate_id);
    assert_string_equal(sfield(x, "object_name"), "secret-merger-plan");
    json_decref(x);
}

static void test_gate_subjects__generation_names_the_document(void **state)
{
    fixture *f = *state;
    const char *src = getenv("OG_SOURCE_DIR");
    char path[1024], *text = NULL;
    size_t len = 0;
    json_t *data = NULL, *x;
    og_docgen_request r;
    og_buf out;
    snprintf(path, sizeof(path), "%s/tests/data/projects/northwind-m365.json", src ? src : ".");
    OG_ASSERT_OK(og_file_read(path, 1 << 24, &text, &len));
    OG_ASSERT_OK(og_docgen_data_parse(&data, text, len, path));
    free(text);
    memset(&r, 0, sizeof(r));
    r.tenant = "acme";
    r.project = "nwind-42";
    r.kind = OG_DOC_SOW;
    r.format = OG_DOC_MD;
    r.data = data;
    og_buf_init(&out, 1 << 24);
    OG_ASSERT_OK(og_docgen_generate_store(&f->env.ctx, &r, &out, NULL));
    x = newest(f, "artifacts.generate");
    assert_non_null(strstr(sfield(x, "subject"), "generate sow \""));
    assert_non_null(strstr(sfield(x, "subject"), "in project nwind-42 from template sow"));
    assert_string_equal(sfield(x, "project"), "nwind-42");
    assert_string_equal(sfield(x, "tenant_name"), "acme");
    assert_non_null(strstr(sfield(x, "subject"), sfield(x, "object_name")));
    json_decref(x);
    og_buf_free(&out);
    json_decref(data);
}

/* A self-signed certificate for name (CN and DNS SAN) with its key, as one PEM bundle. */
static char *make_bundle(const char *name)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char san[300], *p, *out;
    long n;
    assert_non_null(pk);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
    X509_set_pubkey(x, pk);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    snprintf(san, sizeof(san), "DNS:%s", name);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
    n = BIO_get_mem_data(b, &p);
    out = strndup(p, (size_t)n);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(pk);
    return out;
}

static void test_gate_subjects__a_deploy_names_the_certificate_and_target(void **state)
{
    fixture *f = *state;
    og_certs_import_summary sum;
    char *bundle = make_bundle("shop.acme.example"), cert[600], key[600];
    og_gate_outcome out;
    OG_ASSERT_OK(og_certs_import(&f->env.ctx, "acme", "shop", bundle, strlen(bundle), &sum));
    free(bundle);
    snprintf(cert, sizeof(cert), "%s/cert.pem", f->out);
    snprintf(key, sizeof(key), "%s/key.pem", f->out);
    json_t *cfg = json_pack("{s:s, s:s}", "cert_path", cert, "key_path", key);
    OG_ASSERT_OK(
        og_deploy_target_add(&f->env.ctx, "acme", "nginx-edge-1", "file", cfg, NULL, NULL));
    json_decref(cfg);
    /* held for approval: nothing is deployed, the item says what would be */
    OG_ASSERT_OK(og_gate_policy_set(&f->env.ctx, "acme", "certs.deploy", OG_GATE_L2));
    assert_int_equal(
        og_deploy_cert(&f->env.ctx, "acme", sum.first_fingerprint, "nginx-edge-1", &out),
        OG_EPENDING);
    json_t *x = listed(f, out.gate_id);
    assert_about(f, x, "deploy of certificate shop.acme.example to target nginx-edge-1 (file)",
                 NULL, "nginx-edge-1", "shop.acme.example");
    json_decref(x);
    json_decref(out.result);
}

static void test_gate_subjects__a_renewal_names_the_certificate_and_plan(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    char account[OG_ID_LEN], plan[OG_ID_LEN], cert[OG_ID_LEN], now[OG_TIME_LEN], subject[300];
    json_t *out = NULL;
    int64_t nb = og_time_now_us();
    og_id_new(account);
    og_id_new(plan);
    og_id_new(cert);
    og_time_format(nb, now);
    /* an account and a plan with its current certificate, written as the acme tests do */
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_accounts (id, tenant_id, directory_url,"
                                 " key_type, sealed_key, account_url, status, created_at,"
                                 " updated_at) VALUES (?, ?, 'https://127.0.0.1:1/dir', 'ec256',"
                                 " ?, 'https://127.0.0.1:1/acct/1', 'valid', ?, ?)"));
    og_stmt_bind_text(st, 1, account);
    og_stmt_bind_text(st, 2, f->t.id);
    og_stmt_bind_blob(st, 3, "", 1);
    og_stmt_bind_text(st, 4, now);
    og_stmt_bind_text(st, 5, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_plans (id, tenant_id, account_id, names,"
                                 " key_type, challenge, current_cert, renew_at_us, created_at,"
                                 " updated_at) VALUES (?, ?, ?, '[\"shop.acme.example\","
                                 " \"www.shop.acme.example\"]', 'ec256',"
                                 " '{\"type\":\"http-01\",\"http_listen\":\"127.0.0.1:1\"}', ?, ?,"
                                 " ?, ?)"));
    og_stmt_bind_text(st, 1, plan);
    og_stmt_bind_text(st, 2, f->t.id);
    og_stmt_bind_text(st, 3, account);
    og_stmt_bind_text(st, 4, cert);
    og_stmt_bind_int(st, 5, nb + 60LL * 86400 * 1000000);
    og_stmt_bind_text(st, 6, now);
    og_stmt_bind_text(st, 7, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO acme_certs (id, tenant_id, plan_id, fingerprint,"
                                 " serial, not_before_us, not_after_us, chain_pem, alternates,"
                                 " sealed_key, order_url, cert_url, replaces, status, created_at)"
                                 " VALUES (?, ?, ?, 'ab12', '0a1b2c', ?, ?, '', '[]', ?, '',"
                                 " '', NULL, 'current', ?)"));
    og_stmt_bind_text(st, 1, cert);
    og_stmt_bind_text(st, 2, f->t.id);
    og_stmt_bind_text(st, 3, plan);
    og_stmt_bind_int(st, 4, nb);
    og_stmt_bind_int(st, 5, nb + 90LL * 86400 * 1000000);
    og_stmt_bind_blob(st, 6, "", 1);
    og_stmt_bind_text(st, 7, now);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    /* at L2 nothing is ordered: the approval says what would be renewed */
    OG_ASSERT_OK(og_gate_policy_set(&f->env.ctx, "acme", "certs.renew", OG_GATE_L2));
    assert_int_equal(og_acme_cert_renew(&f->env.ctx, "acme", plan, &out), OG_EPENDING);
    json_decref(out);
    json_t *x = newest(f, "certs.renew");
    snprintf(subject, sizeof(subject),
             "certificate shop.acme.example, www.shop.acme.example (serial 0a1b2c) renewal via "
             "ACME plan %s",
             plan);
    assert_about(f, x, subject, NULL, NULL, "shop.acme.example, www.shop.acme.example");
    json_decref(x);
}

static void test_gate_subjects__a_policy_lowering_names_the_kind_and_levels(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada"), bob = as_user(f, "bob");
    og_gate_outcome out;
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L2));
    assert_int_equal(og_gate_policy_change(&bob, "acme", "artifacts.publish.sow", OG_GATE_L0, &out),
                     OG_EPENDING);
    json_t *x = listed(f, out.gate_id);
    assert_about(f, x, "gate policy artifacts.publish.sow L2 \u2192 L0", NULL, NULL, NULL);
    json_decref(x);
    json_t *doc = NULL;
    OG_ASSERT_OK(og_gate_show(&f->env.ctx, out.gate_id, &doc));
    /* gate.policy.lower needs a tenant-admin: show says so */
    assert_non_null(strstr(sfield(json_array_get(json_object_get(doc, "next"), 0), "who"),
                           "a tenant-admin other than the requester"));
    json_decref(doc);
}

static void test_gate_subjects__are_one_line_and_bounded(void **state)
{
    fixture *f = *state;
    og_gate_outcome out;
    char big[2000];
    json_t *p = json_pack("{s:s}", "text", "hello");
    og_gate_about about = {.subject = "line one\nline two\x1b[31m red\x7f \xc2\x9b csi \xff bad",
                           .project = "p\tq",
                           .object = big};
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    OG_ASSERT_OK(
        og_gate_request_about(&f->env.ctx, "acme", "platform.note", &about, p, NULL, &out));
    json_decref(out.result);
    json_t *x = listed(f, out.gate_id);
    assert_string_equal(sfield(x, "subject"), "line one?line two?[31m red? ? csi ? bad");
    assert_string_equal(sfield(x, "project"), "p?q");
    assert_int_equal(strlen(sfield(x, "object_name")), OG_GATE_NAME_MAX);
    assert_string_equal(sfield(x, "object_name") + OG_GATE_NAME_MAX - 3, "...");
    json_decref(x);
    /* a cut never splits a character: 300 two-byte characters */
    char wide[700] = "";
    for (int i = 0; i < 300; i++)
        strcat(wide, "\xc3\xa9");
    og_gate_about w = {.object = wide};
    OG_ASSERT_OK(og_gate_request_about(&f->env.ctx, "acme", "platform.note", &w, p, NULL, &out));
    json_decref(out.result);
    x = listed(f, out.gate_id);
    const char *o = sfield(x, "object_name");
    assert_true(strlen(o) <= OG_GATE_NAME_MAX);
    assert_int_equal(strlen(o) % 2, 1); /* whole characters, then "..." */
    assert_string_equal(o + strlen(o) - 3, "...");
    json_decref(x);
    /* platform.note says its text when its requester gave no subject */
    OG_ASSERT_OK(og_gate_request(&f->env.ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    json_decref(out.result);
    x = listed(f, out.gate_id);
    assert_string_equal(sfield(x, "subject"), "note \"hello\"");
    json_decref(x);
    json_decref(p);
}

/* Items a module described nothing of, and rows written before subjects were kept: kind and
 * target. */
static void test_gate_subjects__without_one_the_kind_and_target_describe_it(void **state)
{
    fixture *f = *state;
    og_gate_outcome out;
    json_t *p = json_pack("{s:s}", "text", "hello");
    OG_ASSERT_OK(
        og_gate_request(&f->env.ctx, "acme", "platform.note", "thing", "42", p, NULL, &out));
    json_decref(out.result);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store, "UPDATE gate_items SET about = NULL"));
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
    json_t *x = listed(f, out.gate_id);
    assert_string_equal(sfield(x, "subject"), "platform.note thing 42");
    assert_true(json_is_null(json_object_get(x, "object_name")));
    assert_string_equal(sfield(x, "tenant_name"), "acme");
    json_decref(x);
    json_decref(p);
}

/* The decisions of show's "next", joined by ",", and the who of the first. */
static void next_of(fixture *f, const char *gate_id, char *decisions, size_t size, char *who,
                    size_t wsize)
{
    json_t *doc = NULL, *x;
    size_t i;
    decisions[0] = who[0] = '\0';
    OG_ASSERT_OK(og_gate_show(&f->env.ctx, gate_id, &doc));
    json_array_foreach(json_object_get(doc, "next"), i, x)
    {
        size_t n = strlen(decisions);
        snprintf(decisions + n, size - n, "%s%s", n ? "," : "", sfield(x, "decision"));
        if (i == 0)
            og_strlcpy(who, sfield(x, "who"), wsize);
    }
    json_decref(doc);
}

static void test_gate_subjects__show_says_who_decides_a_review_and_a_task(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "ada");
    og_gate_outcome out;
    char d[128], who[400];
    json_t *p = json_pack("{s:s}", "text", "hello");
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "platform.note", OG_GATE_L1));
    OG_ASSERT_OK(og_gate_request(&f->env.ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    json_decref(out.result);
    next_of(f, out.gate_id, d, sizeof(d), who, sizeof(who));
    assert_string_equal(d, "ack,override,escalate");
    assert_non_null(strstr(who, "platform has no assignee"));
    OG_ASSERT_OK(og_gate_assignee_set(&ada, "acme", "platform", "eve"));
    OG_ASSERT_OK(og_gate_request(&f->env.ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out));
    json_decref(out.result);
    next_of(f, out.gate_id, d, sizeof(d), who, sizeof(who));
    assert_string_equal(who, "eve (the assignee) or a tenant-admin");
    OG_ASSERT_OK(og_gate_decide(&f->env.ctx, out.gate_id, "escalate", NULL));
    next_of(f, out.gate_id, d, sizeof(d), who, sizeof(who));
    assert_string_equal(d, "ack,override");
    assert_string_equal(who, "a tenant-admin (escalated)");
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "platform.note", OG_GATE_L3));
    assert_int_equal(
        og_gate_request(&f->env.ctx, "acme", "platform.note", NULL, NULL, p, NULL, &out),
        OG_EPENDING);
    next_of(f, out.gate_id, d, sizeof(d), who, sizeof(who));
    assert_string_equal(d, "done,failed");
    json_decref(p);
}

static void insert_item(fixture *f, const char *id)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "INSERT INTO gate_items (id, tenant_id, kind, area, level, state,"
                                 " outcome, params, requested_by, requester_key, created_at)"
                                 " VALUES (?, ?, 'platform.note', 'platform', 0, 'done',"
                                 " 'executed', '{}', 'x', 'x', '2026-01-01T00:00:00Z')"));
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, f->t.id);
    assert_int_equal(og_stmt_step(st), OG_DONE);
    og_stmt_free(st);
}

static void test_gate_subjects__short_ids_resolve_when_unique(void **state)
{
    fixture *f = *state;
    char id[OG_ID_LEN];
    og_tenant g;
    insert_item(f, "abcdef01-0000-4000-8000-000000000001");
    insert_item(f, "abcdef01-0000-4000-8000-000000000002");
    insert_item(f, "12345678-0000-4000-8000-000000000003");
    OG_ASSERT_OK(og_gate_item_resolve(f->env.store, NULL, "12345678", id));
    assert_string_equal(id, "12345678-0000-4000-8000-000000000003");
    assert_int_equal(og_gate_item_resolve(f->env.store, f->t.id, "1234567", id), OG_EINVAL);
    assert_int_equal(og_gate_item_resolve(f->env.store, NULL, "abcdef01", id), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "abcdef01"));
    OG_ASSERT_OK(
        og_gate_item_resolve(f->env.store, NULL, "ABCDEF01-0000-4000-8000-000000000002", id));
    assert_string_equal(id, "abcdef01-0000-4000-8000-000000000002");
    assert_int_equal(og_gate_item_resolve(f->env.store, NULL, "99999999", id), OG_ENOTFOUND);
    assert_int_equal(og_gate_item_resolve(f->env.store, NULL, "1234567%", id), OG_EINVAL);
    assert_int_equal(og_gate_item_resolve(f->env.store, NULL, "12345678'--", id), OG_EINVAL);
    /* scoped to a tenant: another tenant's item is not found */
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, "globex", &g));
    assert_int_equal(og_gate_item_resolve(f->env.store, g.id, "12345678", id), OG_ENOTFOUND);
    OG_ASSERT_OK(og_gate_item_resolve(f->env.store, f->t.id, "12345678", id));
    /* the hand-written rows list with a subject made of their kind */
    json_t *x = listed(f, "12345678-0000-4000-8000-000000000003");
    assert_string_equal(sfield(x, "subject"), "platform.note");
    json_decref(x);
}

/* A page of the list: newest first, offset and limit, the total; every tenant's for platform
 * actors only, each item naming its tenant. */
static void test_gate_list_page__pages_and_counts(void **state)
{
    fixture *f = *state;
    og_ctx *c = &f->env.ctx;
    json_t *arr = NULL, *all = NULL;
    int64_t total = -1;
    OG_ASSERT_OK(og_gate_policy_set(c, "acme", "platform.note", OG_GATE_L2));
    OG_ASSERT_OK(og_gate_policy_set(c, "globex", "platform.note", OG_GATE_L2));
    for (int i = 0; i < 7; i++) {
        char text[32];
        og_gate_outcome o;
        snprintf(text, sizeof(text), "note %d", i);
        json_t *p = json_pack("{s:s}", "text", text);
        assert_int_equal(og_gate_request(c, i < 5 ? f->t.id : "globex", "platform.note", "note",
                                         "n", p, NULL, &o),
                         OG_EPENDING);
        json_decref(p);
    }
    og_error_clear();
    OG_ASSERT_OK(og_gate_list(c, "acme", "pending", &all));
    OG_ASSERT_OK(og_gate_list_page(c, "acme", "pending", 2, 1, &arr, &total));
    assert_int_equal(total, 5);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(sfield(json_array_get(arr, 0), "id"), sfield(json_array_get(all, 1), "id"));
    assert_string_equal(sfield(json_array_get(arr, 1), "id"), sfield(json_array_get(all, 2), "id"));
    json_decref(arr);
    json_decref(all);
    OG_ASSERT_OK(og_gate_list_page(c, "acme", "pending", 10, 5, &arr, &total));
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    /* every tenant: 7 pending, each naming its own tenant */
    OG_ASSERT_OK(og_gate_list_page(c, NULL, "pending", 10, 0, &arr, &total));
    assert_int_equal(total, 7);
    assert_int_equal(json_array_size(arr), 7);
    int globex = 0;
    for (size_t i = 0; i < 7; i++)
        globex += strcmp(sfield(json_array_get(arr, i), "tenant_name"), "globex") == 0;
    assert_int_equal(globex, 2);
    json_decref(arr);
    arr = NULL;
    /* a tenant-admin sees its own tenant's page, never every tenant's; bad pages are refused */
    og_ctx ada = as_user(f, "ada");
    OG_ASSERT_OK(og_gate_list_page(&ada, "acme", NULL, 3, 0, &arr, NULL));
    assert_int_equal(json_array_size(arr), 3);
    json_decref(arr);
    arr = NULL;
    assert_int_equal(og_gate_list_page(&ada, NULL, "pending", 10, 0, &arr, &total), OG_EDENIED);
    assert_int_equal(og_gate_list_page(&ada, "globex", "pending", 10, 0, &arr, &total),
                     OG_ENOTFOUND);
    assert_int_equal(og_gate_list_page(c, "acme", "pending", 0, 0, &arr, &total), OG_EINVAL);
    assert_int_equal(og_gate_list_page(c, "acme", "pending", 10, -1, &arr, &total), OG_EINVAL);
    assert_int_equal(og_gate_list_page(c, "acme", "limbo", 10, 0, &arr, &total), OG_EINVAL);
    assert_null(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__artifact_moves_name_the_artifact_and_project, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_subjects__names_are_sealed_in_the_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gate_subjects__generation_names_the_document, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__a_deploy_names_the_certificate_and_target, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__a_renewal_names_the_certificate_and_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__a_policy_lowering_names_the_kind_and_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_subjects__are_one_line_and_bounded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__without_one_the_kind_and_target_describe_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_list_page__pages_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_subjects__short_ids_resolve_when_unique, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_gate_subjects__show_says_who_decides_a_review_and_a_task, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
