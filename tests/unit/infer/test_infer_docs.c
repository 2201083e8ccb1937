/* test_infer_docs.c - the document classifier of artifact indexing: every format's text (PDF
 * through poppler, DOCX through libzip, HTML through libxml2), a model trained on some template
 * families that classifies families it never saw, the metadata rules, an upload's proposal and a
 * correction that retrains it, with no tenant text in any stored model or example; and the facts
 * left (the counters of a kind's history, a failing policy read, the CA's error history). */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* fontconfig, cairo, poppler and glib keep process-lifetime caches they never free (the PDF this
 * test draws and reads); LeakSanitizer (in the sanitizer build) reads this hook. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig\nleak:libpango\nleak:libglib\nleak:libgobject\nleak:libcairo\n"
           "leak:libharfbuzz\nleak:libfreetype\nleak:libpoppler\n";
}

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "zebracorp", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "zebracorp", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "zebracorp", "aud", OG_ROLE_AUDITOR, NULL));
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static void tenant_id(og_test_env *env, char id[OG_ID_LEN])
{
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "zebracorp", OG_PERM_READ, id));
}

/* The whole file at path (caller frees), *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A one-page PDF saying text (cairo, as docgen draws its PDFs). */
static char *pdf_of(og_test_env *env, const char *text, size_t *len)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/t.pdf", env->dir);
    cairo_surface_t *s = cairo_pdf_surface_create(path, 595, 842);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    cairo_move_to(cr, 50, 80);
    cairo_show_text(cr, text);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return slurp(path, len);
}

/* A DOCX whose word/document.xml holds two paragraphs (libzip, as docgen packs DOCX). */
static char *docx_of(og_test_env *env, size_t *len)
{
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
        "<w:body><w:p><w:r><w:t>Change Order</w:t></w:r></w:p>"
        "<w:p><w:r><w:t xml:space=\"preserve\">Revised </w:t></w:r><w:r><w:t>total</w:t></w:r>"
        "<w:r><w:tab/><w:t>USD 4,200.00</w:t></w:r></w:p></w:body></w:document>";
    char path[600];
    int ze = 0;
    snprintf(path, sizeof(path), "%s/t.docx", env->dir);
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    zip_source_t *src = zip_source_buffer(z, xml, sizeof(xml) - 1, 0);
    assert_true(zip_file_add(z, "word/document.xml", src, ZIP_FL_OVERWRITE) >= 0);
    assert_int_equal(zip_close(z), 0);
    return slurp(path, len);
}

/* Every format's text: HTML without its script, DOCX's runs, PDF's text through poppler; a file
 * that claims a format it is not is a clear error. */
static void test_doc_text_reads_every_format(void **state)
{
    og_test_env *env = *state;
    char *t = NULL, *bytes;
    size_t len;
    const char *html = "<!DOCTYPE html><html><head><script>var secret = 1;</script>"
                       "<style>p{color:red}</style></head><body><h1>Runbook</h1>"
                       "<p>Rollback &amp; restore</p></body></html>";
    assert_string_equal(og_infer_doc_format(html, strlen(html), NULL), "html");
    OG_ASSERT_OK(og_infer_doc_text(html, strlen(html), "text/html", &t));
    assert_non_null(strstr(t, "Runbook"));
    assert_non_null(strstr(t, "Rollback & restore"));
    assert_null(strstr(t, "secret"));
    assert_null(strstr(t, "color"));
    free(t);

    bytes = docx_of(env, &len);
    assert_string_equal(og_infer_doc_format(bytes, len, NULL), "docx");
    OG_ASSERT_OK(og_infer_doc_text(bytes, len, NULL, &t));
    assert_non_null(strstr(t, "Change Order\n"));
    assert_non_null(strstr(t, "Revised total\tUSD 4,200.00"));
    free(t);
    free(bytes);

    bytes = pdf_of(env, "Statement of Work for Contoso", &len);
    assert_string_equal(og_infer_doc_format(bytes, len, NULL), "pdf");
    OG_ASSERT_OK(og_infer_doc_text(bytes, len, "application/pdf", &t));
    assert_non_null(strstr(t, "Statement of Work for Contoso"));
    free(t);
    free(bytes);

    assert_int_equal(og_infer_doc_text("%PDF-1.7 not really", 19, NULL, &t), OG_EINVAL);
    assert_null(t);
    assert_int_equal(og_infer_doc_text("PK\x03\x04garbage", 11, NULL, &t), OG_EINVAL);
    og_error_clear();
}

/* Trained on three template families per kind, the classifier gets the two families it never
 * saw right (the benchmark prints the figures on more documents). */
static void test_doc_classifier_unseen_families(void **state)
{
    (void)state;
    enum { PER = 30, TEST = 20 };
    char *texts[OG_INFER_DOC_NKINDS * 3 * PER];
    int kinds[OG_INFER_DOC_NKINDS * 3 * PER], right = 0, total = 0;
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < 3; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 3; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < TEST; i++) {
                char *t = NULL;
                double conf = 0;
                OG_ASSERT_OK(og_infer_doc_synth(k, f, 1000 + (uint64_t)i, &t));
                int p = og_infer_doc_predict(m, t, &conf);
                assert_true(p >= 0 && conf > 0 && conf <= 1);
                right += p == k;
                total++;
                free(t);
            }
    fprintf(stderr, "unseen families: %d / %d right\n", right, total);
    assert_true(right >= total * 9 / 10);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    og_infer_doc_model_free(m);
    /* one kind only is no classifier */
    const char *one[] = {"a", "b"};
    int same[] = {0, 0};
    assert_int_equal(og_infer_doc_fit(&m, one, same, 2), OG_ECONFLICT);
}

/* Rules: the total on the last line that says so, every date form, the client and project of
 * the tenant's project data when the text names them. */
static void test_doc_metadata_rules(void **state)
{
    (void)state;
    json_t *m = NULL;
    json_t *projects = json_pack("[{s:s, s:s, s:s}]", "key", "nw-m365", "name", "Northwind M365",
                                 "client", "Northwind Logistics AG");
    const char *text = "Statement of Work\nClient: northwind logistics ag\nDate: March 3, 2026\n"
                       "Start 2026-04-01, end 30 June 2026.\nSubtotal: $1,000.00\n"
                       "Total fees: USD 12,500.50\n";
    OG_ASSERT_OK(og_infer_doc_metadata(text, projects, &m));
    assert_string_equal(json_string_value(json_object_get(m, "total")), "12500.50");
    assert_string_equal(json_string_value(json_object_get(m, "currency")), "USD");
    json_t *d = json_object_get(m, "dates");
    assert_int_equal(json_array_size(d), 3);
    assert_string_equal(json_string_value(json_array_get(d, 0)), "2026-03-03");
    assert_string_equal(json_string_value(json_array_get(d, 1)), "2026-04-01");
    assert_string_equal(json_string_value(json_array_get(d, 2)), "2026-06-30");
    assert_string_equal(json_string_value(json_object_get(m, "client")), "Northwind Logistics AG");
    assert_null(json_object_get(m, "project"));
    json_decref(m);
    /* nothing to find: nothing proposed */
    OG_ASSERT_OK(og_infer_doc_metadata("hello world", projects, &m));
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
    json_decref(projects);
}

static void put_doc(og_test_env *env, const char *name, const char *text)
{
    og_artifact_ref r = {"zebracorp", "zp", name};
    og_artifact_put_opts o = {.kind = "other"};
    OG_ASSERT_OK(og_artifact_put_buffer(&env->ctx, &r, &o, text, strlen(text), NULL));
}

static json_t *proposal_of(og_test_env *env, const char *name)
{
    og_artifact_ref r = {"zebracorp", "zp", name};
    json_t *a = NULL;
    OG_ASSERT_OK(og_artifact_show(&env->ctx, &r, &a));
    json_t *p = json_incref(json_object_get(json_object_get(a, "latest_version"), "proposal"));
    json_decref(a);
    return p;
}

/* An upload gets a proposal (shown with its version); people's corrections are labels; the
 * model trains from them and then proposes the right kind of a family it never saw; an auditor
 * cannot correct; no tenant text reaches infer_docs or the stored model. */
static void test_upload_proposal_correction_retrains(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = env->ctx, aud = env->ctx;
    json_t *p, *out = NULL;
    char name[32], *t = NULL;
    OG_ASSERT_OK(og_actor_become(&ada, "zebracorp", "ada"));
    OG_ASSERT_OK(og_actor_become(&aud, "zebracorp", "aud"));
    OG_ASSERT_OK(og_project_create(&env->ctx, "zebracorp", "zp", "Zebra Portal", NULL));
    const char *pdata = "{\"client\": {\"name\": \"Quagga Freight GmbH\"}}";
    put_doc(env, "project.json", pdata);
    assert_null(proposal_of(env, "project.json")); /* JSON is not a document */
    put_doc(env, "first.md", "# Statement of Work\nClient: Quagga Freight GmbH\nTotal: $9,000\n");
    p = proposal_of(env, "first.md");
    assert_string_equal(json_string_value(json_object_get(p, "model")), "no model yet");
    assert_string_equal(json_string_value(json_object_get(p, "client")), "Quagga Freight GmbH");
    assert_string_equal(json_string_value(json_object_get(p, "total")), "9000");
    json_decref(p);
    /* a document edited a little keeps its proposal (reused) until a model is trained */
    char *kt = NULL, *edited = NULL;
    OG_ASSERT_OK(og_infer_doc_synth(0, 0, 99, &kt));
    put_doc(env, "kept.md", kt);
    assert_true(asprintf(&edited, "%s\nnote one more line\n", kt) > 0);
    put_doc(env, "kept.md", edited);
    p = proposal_of(env, "kept.md");
    assert_int_equal(json_integer_value(json_object_get(p, "of_version")), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "reused")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "model")), "no model yet");
    json_decref(p);
    og_artifact_ref first = {"zebracorp", "zp", "first.md"};
    assert_int_equal(og_artifact_classify(&aud, &first, "sow", NULL, NULL), OG_EDENIED);
    assert_int_equal(og_artifact_classify(&ada, &first, "invoice", NULL, NULL), OG_EINVAL);
    OG_ASSERT_OK(og_artifact_classify(&ada, &first, "sow", NULL, &out));
    assert_string_equal(json_string_value(json_object_get(out, "kind")), "sow");
    assert_non_null(json_object_get(out, "confirmed_by"));
    json_decref(out);

    /* people label 3 families of every kind; the model learns them */
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < 3; f++)
            for (int i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "d%d-%d-%d.md", k, f, i);
                OG_ASSERT_OK(og_infer_doc_synth(k, f, (uint64_t)i, &t));
                put_doc(env, name, t);
                free(t);
                og_artifact_ref r = {"zebracorp", "zp", name};
                OG_ASSERT_OK(og_artifact_classify(&ada, &r, og_infer_doc_kinds[k], NULL, NULL));
            }
    assert_int_equal(og_infer_train(&ada, OG_INFER_DOC_MODEL, NULL), OG_EDENIED);
    OG_ASSERT_OK(og_infer_train(&env->ctx, OG_INFER_DOC_MODEL, &out));
    json_t *model = json_array_get(json_object_get(out, "models"), 0);
    assert_string_equal(json_string_value(json_object_get(model, "kind")), OG_INFER_DOC_MODEL);
    assert_int_equal(json_integer_value(json_object_get(model, "examples")), 61);
    json_decref(out);
    /* a runbook of a family never labelled */
    OG_ASSERT_OK(og_infer_doc_synth(2, 4, 77, &t));
    put_doc(env, "new.md", t);
    free(t);
    p = proposal_of(env, "new.md");
    assert_string_equal(json_string_value(json_object_get(p, "kind")), "runbook");
    /* 61 labelled documents of its own: the tenant model blends in */
    assert_string_equal(json_string_value(json_object_get(p, "model")), "v1+tenant v1");
    json_decref(p);
    /* the same little edit after the training: made again under the new models, not reused */
    free(edited);
    assert_true(asprintf(&edited, "%s\nnote another line\n", kt) > 0);
    put_doc(env, "kept.md", edited);
    free(edited);
    free(kt);
    p = proposal_of(env, "kept.md");
    assert_int_equal(json_integer_value(json_object_get(p, "of_version")), 3);
    assert_int_equal(json_integer_value(json_object_get(p, "reused")), 0);
    assert_string_equal(json_string_value(json_object_get(p, "model")), "v1+tenant v1");
    json_decref(p);
    /* the models are loaded once per process and kept: a new version is read at the next
     * proposal all the same */
    og_artifact_ref nr = {"zebracorp", "zp", "new.md"};
    OG_ASSERT_OK(og_artifact_classify(&ada, &nr, "runbook", NULL, NULL));
    OG_ASSERT_OK(og_infer_train(&env->ctx, OG_INFER_DOC_MODEL, &out));
    json_decref(out);
    OG_ASSERT_OK(og_infer_doc_synth(2, 4, 78, &t));
    put_doc(env, "newer.md", t);
    free(t);
    p = proposal_of(env, "newer.md");
    assert_string_equal(json_string_value(json_object_get(p, "kind")), "runbook");
    assert_string_equal(json_string_value(json_object_get(p, "model")), "v2+tenant v2");
    json_decref(p);
    /* short documents that say little of any kind: the proposal names the kinds close behind
     * it, with their confidence within 0.15 of the proposed one's (absent when none is) */
    static const char *const vague[] = {
        "Notes\n\nSee attached.\n", "Hello,\n\nplease find the document.\n",
        "Update\n\nThe work continues next week.\n", "Document\n\n1. A\n2. B\n",
        "Summary\n\nAll done, thanks.\n"};
    int named = 0;
    for (size_t v = 0; v < sizeof(vague) / sizeof(vague[0]); v++) {
        snprintf(name, sizeof(name), "vague-%zu.md", v);
        put_doc(env, name, vague[v]);
        p = proposal_of(env, name);
        json_t *alt = json_object_get(p, "alternatives");
        double c = json_number_value(json_object_get(p, "confidence"));
        for (size_t i = 0; i < json_array_size(alt); i++) {
            json_t *a = json_array_get(alt, i);
            assert_true(strcmp(json_string_value(json_object_get(a, "kind")),
                               json_string_value(json_object_get(p, "kind"))) != 0);
            assert_true(fabs(json_number_value(json_object_get(a, "confidence")) - c) < 0.151);
        }
        assert_true(alt == NULL || json_array_size(alt) > 0);
        fprintf(stderr, "vague %zu: %s %.3f, %zu close\n", v,
                json_string_value(json_object_get(p, "kind")), c, json_array_size(alt));
        named += alt != NULL;
        json_decref(p);
    }
    assert_true(named > 0);

    const char *const words[] = {"Quagga", "Zebra", "zebracorp", "Statement", "Client", NULL};
    assert_int_equal(og_test_rows_mentioning(env, "SELECT key, features FROM infer_docs", words, 0),
                     0);
    assert_int_equal(og_test_rows_mentioning(env, "SELECT * FROM infer_models", words, 0), 0);
    /* the proposal is sealed with its version: the client's name is nowhere in plain bytes */
    assert_int_equal(og_test_env_holds(env, "Quagga Freight"), 0);
}

/* Publishing tells the inference step how the proposed total changed from the version before. */
static void test_publish_facts_carry_the_money_change(void **state)
{
    og_test_env *env = *state;
    char tid[OG_ID_LEN];
    json_t *recs = NULL;
    int64_t next = 0;
    og_gate_outcome oc;
    og_ctx ada = env->ctx;
    OG_ASSERT_OK(og_actor_become(&ada, "zebracorp", "ada"));
    tenant_id(env, tid);
    OG_ASSERT_OK(og_project_create(&env->ctx, "zebracorp", "zp", "Zebra Portal", NULL));
    put_doc(env, "sow.md", "# Statement of Work\nTotal: $9,000.00\n");
    put_doc(env, "sow.md", "# Statement of Work\nMore scope.\nTotal: $12,000.00\n");
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "zebracorp", "artifacts.set-state", OG_GATE_L0));
    OG_ASSERT_OK(og_gate_policy_set(&env->ctx, "zebracorp", "artifacts.publish.other", OG_GATE_L0));
    og_artifact_ref r = {"zebracorp", "zp", "sow.md"};
    const char *const path[] = {"in-review", "approved", "published"};
    for (int i = 0; i < 3; i++) {
        memset(&oc, 0, sizeof(oc));
        OG_ASSERT_OK(og_artifact_set_state(i ? &ada : &env->ctx, &r, path[i], &oc));
        json_decref(oc.result);
    }
    OG_ASSERT_OK(
        og_audit_list(&env->ctx, tid, 0, 100, "artifacts.publish.other", NULL, &recs, &next));
    json_t *feat = NULL;
    for (size_t i = 0; i < json_array_size(recs) && !feat; i++)
        feat = json_object_get(
            json_object_get(json_object_get(json_array_get(recs, i), "analysis"), "inference"),
            "features");
    assert_non_null(feat);
    assert_true(fabs(json_number_value(json_object_get(feat, "money_change")) - log1p(3000.0)) <
                1e-6);
    json_decref(recs);
}

/* The counter rows keep what the COUNT over the history would say; a failing policy read is the
 * report's error, not a default threshold. */
static void test_counters_and_lost_failures(void **state)
{
    og_test_env *env = *state;
    char tid[OG_ID_LEN];
    og_stmt *st = NULL;
    json_t *out = NULL;
    tenant_id(env, tid);
    OG_ASSERT_OK(og_infer_replay(&env->ctx, tid, 300, 5, (int64_t)1767571200 * 1000000, NULL));
    OG_ASSERT_OK(og_stmt_prepare_args(
        &st, env->store,
        "SELECT c.target_hash, c.n, c.bad, (SELECT COUNT(*) FROM infer_actions a WHERE"
        " a.tenant_id = c.tenant_id AND a.kind = c.kind AND (c.target_hash = '' OR"
        " a.target_hash = c.target_hash)), (SELECT COUNT(*) FROM infer_actions a WHERE"
        " a.tenant_id = c.tenant_id AND a.kind = c.kind AND (c.target_hash = '' OR"
        " a.target_hash = c.target_hash) AND a.label = 1) FROM infer_counts c WHERE"
        " c.tenant_id = ?",
        "t", tid));
    int rows = 0;
    while (og_stmt_step(st) == OG_ROW) {
        assert_int_equal(og_stmt_col_int(st, 1), og_stmt_col_int(st, 3));
        assert_int_equal(og_stmt_col_int(st, 2), og_stmt_col_int(st, 4));
        rows++;
    }
    og_stmt_free(st);
    assert_true(rows > 2); /* the kind's row and its targets' */
    og_test_env_exec(env, "DROP TABLE infer_policy");
    assert_true(og_infer_report(&env->ctx, "zebracorp", "certs.deploy", &out) < 0);
    assert_null(out);
    og_error_clear();
}

/* The renewal's facts carry the CA's recent errors for the tenant (count and last type), kept
 * under an HMAC of the CA: no URL in the store. */
static void test_ca_error_history(void **state)
{
    og_test_env *env = *state;
    char tid[OG_ID_LEN];
    const char *ca = "https://acme.quagga-ca.example/directory";
    json_t *facts = json_object(), *f = json_object();
    tenant_id(env, tid);
    assert_string_equal(og_infer_ca_error_type("429: urn:ietf:params:acme:error:rateLimited: slow"),
                        "rateLimited");
    assert_string_equal(og_infer_ca_error_type("connection timed out"), "timeout");
    assert_string_equal(og_infer_ca_error_type("urn:ietf:params:acme:error:weird"), "other");
    OG_ASSERT_OK(og_store_tx_begin(env->store));
    OG_ASSERT_OK(og_infer_ca_error_note(&env->ctx, tid, ca, "could not connect to host"));
    OG_ASSERT_OK(og_infer_ca_error_note(&env->ctx, tid, ca,
                                        "urn:ietf:params:acme:error:rateLimited: too many"));
    OG_ASSERT_OK(og_infer_ca_error_note(&env->ctx, tid, "https://other.example/dir", "x"));
    OG_ASSERT_OK(og_store_tx_commit(env->store));
    OG_ASSERT_OK(og_infer_ca_errors(&env->ctx, tid, ca, 30, facts));
    assert_int_equal(json_integer_value(json_object_get(facts, "ca_failed_orders")), 2);
    assert_string_equal(json_string_value(json_object_get(facts, "ca_last_error")), "rateLimited");
    og_infer__extract("certs.renew", facts, og_time_now_us(), f);
    assert_non_null(json_object_get(f, "ca_failed_orders"));
    assert_non_null(json_object_get(f, "ca_last_error=rateLimited"));
    json_decref(facts);
    json_decref(f);
    const char *const words[] = {"quagga", "acme.", "other.example", NULL};
    assert_int_equal(og_test_rows_mentioning(env, "SELECT * FROM infer_ca_errors", words, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_doc_text_reads_every_format, setup, teardown),
        cmocka_unit_test(test_doc_classifier_unseen_families),
        cmocka_unit_test(test_doc_metadata_rules),
        cmocka_unit_test_setup_teardown(test_upload_proposal_correction_retrains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_facts_carry_the_money_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_and_lost_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_error_history, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
