/* test_infer_docmeta.c - the document classifier's learned parts: the metadata's candidates in
 * US, German and French formats, a metadata model per field that picks the right total, date and
 * client where the rules guess wrong (on documents and template families it never saw), a
 * person's corrected client as a label that the next training learns, a tenant's document kind
 * model blended with the platform's, and no tenant string in any stored model or example. */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_test_env_setup(env);
    OG_ASSERT_OK(og_app_register_all());
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "okapicorp", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "tapirworks", NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "okapicorp", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&env->ctx, "tapirworks", "bob", OG_ROLE_TENANT_ADMIN, NULL));
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

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The rules read German and French amounts and dates; versions and lists are no amounts. */
static void test_rules_read_every_format(void **state)
{
    (void)state;
    json_t *m = NULL;
    const char *de = "Leistungsbeschreibung\nKunde: Quellwerk GmbH\nDatum: 03.02.2026\n"
                     "Gültig bis: 5. März 2027\nZwischensumme: 10.000,00 EUR\n"
                     "Gesamtbetrag: 11.900,00 EUR\n";
    OG_ASSERT_OK(og_infer_doc_metadata(de, NULL, &m));
    assert_string_equal(str(m, "total"), "11900.00");
    assert_string_equal(str(m, "currency"), "EUR");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "dates"), 0)),
                        "2026-02-03");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "dates"), 1)),
                        "2027-03-05");
    json_decref(m);
    const char *fr = "Avenant au contrat\nDate : 1er mars 2026\nMontant total : 12 345,67 €\n";
    OG_ASSERT_OK(og_infer_doc_metadata(fr, NULL, &m));
    assert_string_equal(str(m, "total"), "12345.67");
    assert_string_equal(str(m, "currency"), "EUR");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "dates"), 0)),
                        "2026-03-01");
    json_decref(m);

    og_infer__cands *cs = malloc(sizeof(*cs));
    OG_ASSERT_OK(og_infer__doc_cands("Upgrade to 10.12.1 and 1.5 on step 3.\nFee: $1,250.00\n"
                                     "| Customer | Okapi Dental |\nBILL TO\nTapir Works Ltd\n",
                                     NULL, cs));
    assert_int_equal(cs->n[OG_INFER__F_TOTAL], 1);
    assert_string_equal(cs->c[OG_INFER__F_TOTAL][0].value, "1250.00");
    assert_string_equal(cs->c[OG_INFER__F_TOTAL][0].currency, "USD");
    assert_true(og_infer__cand_find(cs, OG_INFER__F_CLIENT, "okapi dental") >= 0);
    assert_true(og_infer__cand_find(cs, OG_INFER__F_CLIENT, "Tapir Works Ltd") >= 0);
    assert_int_equal(og_infer__cand_find(cs, OG_INFER__F_TOTAL, "$1,250"), 0);
    assert_int_equal(og_infer__cand_find(cs, OG_INFER__F_TOTAL, "99"), -1);
    char v[32], cur[4];
    assert_int_equal(og_infer_doc_amount(" 12.500,00 EUR ", v, sizeof(v), cur), 1);
    assert_string_equal(v, "12500.00");
    assert_string_equal(cur, "EUR");
    assert_int_equal(og_infer_doc_amount("$1,250", v, sizeof(v), cur), 1);
    assert_string_equal(v, "1250");
    assert_int_equal(og_infer_doc_amount("1,250 apples", v, sizeof(v), cur), 0);
    assert_int_equal(og_infer_doc_amount("nine", v, sizeof(v), cur), 0);
    free(cs);
}

/* Accuracy of the rules (r) and the model (l) per field over docs of family, kinds all. */
static void measure(const og_infer_doc_meta_model *mm, int family, int per, int r[3], int l[3],
                    int *n)
{
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int i = 0; i < per; i++) {
            char *t = NULL;
            json_t *truth = NULL, *rules = NULL, *learned = NULL;
            OG_ASSERT_OK(og_infer_doc_synth_meta(k, family, 5000 + (uint64_t)i, &t, &truth));
            OG_ASSERT_OK(og_infer_doc_metadata(t, NULL, &rules));
            OG_ASSERT_OK(og_infer_doc_meta_predict(mm, t, NULL, &learned));
            for (int f = 0; f < 3; f++) {
                const char *name = og_infer_doc_fields[f], *want = str(truth, name);
                const char *got = str(learned, name),
                           *guess = f == 1 ? json_string_value(
                                                 json_array_get(json_object_get(rules, "dates"), 0))
                                           : str(rules, name);
                if (f == 0) {
                    l[f] += (!want && !got) ||
                            (want && got && fabs(strtod(want, NULL) - strtod(got, NULL)) < 0.005);
                    r[f] +=
                        (!want && !guess) ||
                        (want && guess && fabs(strtod(want, NULL) - strtod(guess, NULL)) < 0.005);
                } else {
                    l[f] += (!want && !got) || (want && got && strcasecmp(want, got) == 0);
                    r[f] += (!want && !guess) || (want && guess && strcasecmp(want, guess) == 0);
                }
            }
            (*n)++;
            /* the candidates a correction is matched against are proposed with it */
            assert_true(
                json_is_array(json_object_get(json_object_get(learned, "candidates"), "total")));
            free(t);
            json_decref(truth);
            json_decref(rules);
            json_decref(learned);
        }
}

/* Trained on the training families, the model gets the total, the date and the client right on
 * documents it never saw (where the rules take a subtotal, a reference date, and know no client
 * without project data), and on held-out French and table families; the benchmark prints the
 * figures of every family. */
static void test_learned_metadata_beats_rules(void **state)
{
    (void)state;
    enum { PER = 8 };
    size_t n = 0, cap = OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * PER;
    char **texts = calloc(cap, sizeof(char *));
    json_t **truths = calloc(cap, sizeof(json_t *));
    og_infer_doc_meta_model *mm = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < PER; i++, n++)
                OG_ASSERT_OK(og_infer_doc_synth_meta(k, f, (uint64_t)i, &texts[n], &truths[n]));
    OG_ASSERT_OK(og_infer_doc_meta_fit(&mm, (const char *const *)texts, truths, n));
    int r[3] = {0}, l[3] = {0}, docs = 0;
    for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
        measure(mm, f, 4, r, l, &docs);
    fprintf(stderr,
            "training families, new documents (%d): total %d/%d, date %d/%d, client %d/%d"
            " (rules/learned)\n",
            docs, r[0], l[0], r[1], l[1], r[2], l[2]);
    for (int f = 0; f < 3; f++)
        assert_true(l[f] >= docs * 95 / 100);
    assert_true(l[0] > r[0] && l[1] > r[1] && l[2] > r[2]);
    /* French (never trained on) and the table layout */
    for (int h = 1; h <= 2; h++) {
        int rh[3] = {0}, lh[3] = {0}, dh = 0;
        measure(mm, OG_INFER_DOC_FAMILIES + h, 4, rh, lh, &dh);
        fprintf(stderr, "hard family %d (%d): total %d/%d, date %d/%d, client %d/%d\n", h, dh,
                rh[0], lh[0], rh[1], lh[1], rh[2], lh[2]);
        assert_true(lh[1] >= dh * 9 / 10 && lh[2] >= dh * 8 / 10 && lh[1] > rh[1]);
    }
    /* no model: the rules and the candidates; a stored model reads back the same */
    json_t *a = NULL, *b = NULL, *dump = og_infer__doc_meta_dump(mm);
    og_infer_doc_meta_model *back = NULL;
    OG_ASSERT_OK(og_infer__doc_meta_load(dump, &back));
    OG_ASSERT_OK(og_infer_doc_meta_predict(mm, texts[7], NULL, &a));
    OG_ASSERT_OK(og_infer_doc_meta_predict(back, texts[7], NULL, &b));
    assert_true(json_equal(a, b));
    json_decref(a);
    OG_ASSERT_OK(og_infer_doc_meta_predict(NULL, texts[7], NULL, &a));
    assert_null(json_object_get(a, "date"));
    assert_non_null(json_object_get(a, "candidates"));
    json_decref(a);
    json_decref(b);
    json_decref(dump);
    og_infer_doc_meta_model_free(back);
    og_infer_doc_meta_model_free(mm);
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
        json_decref(truths[i]);
    }
    free(texts);
    free(truths);
    /* nothing labelled with both a right and a wrong candidate: no model */
    const char *one[] = {"nothing here"};
    json_t *t1[] = {json_object()};
    assert_int_equal(og_infer_doc_meta_fit(&mm, one, t1, 1), OG_ECONFLICT);
    json_decref(t1[0]);
    og_infer_doc_meta_model_free(NULL);
}

static void put(og_test_env *env, const char *tenant, const char *name, const char *text)
{
    og_artifact_ref r = {tenant, "px", name};
    og_artifact_put_opts o = {.kind = "other"};
    OG_ASSERT_OK(og_artifact_put_buffer(&env->ctx, &r, &o, text, strlen(text), NULL));
}

static json_t *proposal(og_test_env *env, const char *tenant, const char *name)
{
    og_artifact_ref r = {tenant, "px", name};
    json_t *a = NULL;
    OG_ASSERT_OK(og_artifact_show(&env->ctx, &r, &a));
    json_t *p = json_incref(json_object_get(json_object_get(a, "latest_version"), "proposal"));
    json_decref(a);
    return p;
}

static int64_t count(og_test_env *env, const char *sql)
{
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store, sql));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    int64_t n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

/* `model train` gives the metadata model (synthetic corpus) and, for the tenant with 50 labels of
 * its own, a tenant kind model that blends into its proposals only; a corrected client is a
 * label the next training counts; nothing of either tenant's text is stored. */
static void test_store_learns_corrections_and_blends(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = env->ctx, bob = env->ctx;
    json_t *out = NULL, *p;
    char name[32], *t = NULL;
    OG_ASSERT_OK(og_actor_become(&ada, "okapicorp", "ada"));
    OG_ASSERT_OK(og_actor_become(&bob, "tapirworks", "bob"));
    OG_ASSERT_OK(og_project_create(&env->ctx, "okapicorp", "px", "Okapi Portal", NULL));
    OG_ASSERT_OK(og_project_create(&env->ctx, "tapirworks", "px", "Tapir Portal", NULL));
    /* okapicorp labels 60 documents (its own convention: meeting notes are runbooks), tapirworks
     * 15 */
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int i = 0; i < 12; i++) {
            snprintf(name, sizeof(name), "o%d-%d.md", k, i);
            OG_ASSERT_OK(og_infer_doc_synth(k, i % 3, (uint64_t)i, &t));
            put(env, "okapicorp", name, t);
            free(t);
            og_artifact_ref r = {"okapicorp", "px", name};
            OG_ASSERT_OK(
                og_artifact_classify(&ada, &r, og_infer_doc_kinds[k == 4 ? 2 : k], NULL, NULL));
            if (i >= 3)
                continue;
            snprintf(name, sizeof(name), "t%d-%d.md", k, i);
            OG_ASSERT_OK(og_infer_doc_synth(k, i % 3, 100 + (uint64_t)i, &t));
            put(env, "tapirworks", name, t);
            free(t);
            og_artifact_ref rt = {"tapirworks", "px", name};
            OG_ASSERT_OK(og_artifact_classify(&bob, &rt, og_infer_doc_kinds[k], NULL, NULL));
        }
    OG_ASSERT_OK(og_infer_train(&env->ctx, OG_INFER_DOC_META_MODEL, &out));
    json_t *models = json_object_get(out, "models");
    assert_int_equal(json_array_size(models), 3); /* platform kind, okapicorp's, metadata */
    assert_string_equal(str(json_array_get(models, 1), "scope"), "tenant");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(models, 1), "examples")),
                     60);
    assert_string_equal(str(json_array_get(models, 2), "kind"), OG_INFER_DOC_META_MODEL);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(models, 2), "positives")),
                     0);
    json_decref(out);

    /* the same meeting notes: okapicorp's proposal blends its model in, tapirworks' does not */
    const char *notes = NULL;
    OG_ASSERT_OK(og_infer_doc_synth(4, 3, 9, &t));
    notes = t;
    put(env, "okapicorp", "notes.md", notes);
    put(env, "tapirworks", "notes.md", notes);
    json_t *po = proposal(env, "okapicorp", "notes.md"),
           *pt = proposal(env, "tapirworks", "notes.md");
    assert_string_equal(str(po, "model"), "v1+tenant v1");
    assert_string_equal(str(pt, "model"), "v1");
    assert_string_equal(str(pt, "metadata_model"), "v1");
    assert_true(json_real_value(json_object_get(po, "confidence")) !=
                json_real_value(json_object_get(pt, "confidence")));
    json_decref(po);
    json_decref(pt);
    free(t);

    /* a document whose client is in no project data: the model finds it; a correction labels it */
    put(env, "okapicorp", "sow.md",
        "# Statement of Work\nCustomer: Okapi Dental Group\nDate: 2026-03-02\nRef: proposal of"
        " 2026-01-15\n\n## Scope\nThe provider shall perform the services.\n\nSubtotal: $9,000.00"
        "\nTax: $720.00\nTotal due: $9,720.00\n");
    p = proposal(env, "okapicorp", "sow.md");
    assert_string_equal(str(p, "client"), "Okapi Dental Group");
    assert_string_equal(str(p, "total"), "9720.00");
    assert_string_equal(str(p, "date"), "2026-03-02");
    json_decref(p);
    og_artifact_ref sow = {"okapicorp", "px", "sow.md"};
    og_artifact_correction fix = {"okapi dental group", NULL, NULL};
    OG_ASSERT_OK(og_artifact_classify(&ada, &sow, "sow", &fix, NULL));
    assert_int_equal(count(env, "SELECT COUNT(*) FROM infer_docs WHERE meta_labelled_us IS NOT"
                                " NULL AND meta LIKE '%\"y\":%'"),
                     1);
    /* a client among no candidates is a label too: none of them was right */
    og_artifact_correction other = {"Somebody Else Entirely", "$9,000.00", "2026-03-02"};
    OG_ASSERT_OK(og_artifact_classify(&ada, &sow, "sow", &other, &out));
    assert_string_equal(str(out, "total"), "9000.00");
    assert_string_equal(str(out, "currency"), "USD");
    assert_string_equal(str(out, "date"), "2026-03-02");
    json_decref(out);
    og_artifact_correction wrong = {NULL, "nine thousand", NULL};
    assert_int_equal(og_artifact_classify(&ada, &sow, "sow", &wrong, NULL), OG_EINVAL);
    wrong.total = NULL;
    wrong.date = "2026-13-01";
    assert_int_equal(og_artifact_classify(&ada, &sow, "sow", &wrong, NULL), OG_EINVAL);
    og_error_clear();
    OG_ASSERT_OK(og_infer_train(&env->ctx, NULL, &out));
    models = json_object_get(out, "models");
    json_t *meta = NULL;
    for (size_t i = 0; i < json_array_size(models); i++)
        if (og_streq(str(json_array_get(models, i), "kind"), OG_INFER_DOC_META_MODEL))
            meta = json_array_get(models, i);
    assert_non_null(meta);
    assert_int_equal(json_integer_value(json_object_get(meta, "positives")), 1);
    assert_int_equal(json_integer_value(json_object_get(meta, "version")), 2);
    json_decref(out);
    /* the label of a document never read */
    json_t *fields = json_pack("{s:s}", "client", "x");
    char okapi[OG_ID_LEN];
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "okapicorp", OG_PERM_READ, okapi));
    assert_int_equal(og_infer_doc_label_meta(&env->ctx, okapi, "nope:1", NULL, fields),
                     OG_ENOTFOUND);
    json_decref(fields);
    og_error_clear();

    /* no tenant string in a stored model or example: names, project keys, clients, words */
    const char *const words[] = {"okapi",   "tapir",     "Portal",   "Dental", "Northwind",
                                 "Contoso", "Statement", "Customer", NULL};
    assert_int_equal(og_test_rows_mentioning(
                         env, "SELECT key, features, proposed, meta FROM infer_docs", words, 1),
                     0);
    assert_int_equal(
        og_test_rows_mentioning(env, "SELECT kind, weights FROM infer_models", words, 1), 0);
    assert_int_equal(og_test_env_holds(env, "Okapi Dental"), 0);
}

/* A tenant with OG_INFER_TENANT_MIN corrected documents gets a metadata model of its own: trained
 * from its corrections only, stored with its id and audited in its chain, blended into its
 * proposals (n / (n + 200)) and no other tenant's; numbers only, like the platform's. */
static void test_tenant_metadata_model(void **state)
{
    og_test_env *env = *state;
    og_ctx ada = env->ctx, bob = env->ctx;
    json_t *out = NULL, *truth = NULL;
    char name[32], *t = NULL, okapi[OG_ID_LEN];
    OG_ASSERT_OK(og_actor_become(&ada, "okapicorp", "ada"));
    OG_ASSERT_OK(og_actor_become(&bob, "tapirworks", "bob"));
    OG_ASSERT_OK(og_tenant_resolve(&env->ctx, "okapicorp", OG_PERM_READ, okapi));
    OG_ASSERT_OK(og_project_create(&env->ctx, "okapicorp", "px", "Okapi Portal", NULL));
    OG_ASSERT_OK(og_project_create(&env->ctx, "tapirworks", "px", "Tapir Portal", NULL));
    /* okapicorp corrects the client, total and date of 55 documents, tapirworks of 10 */
    for (int i = 0; i < 55; i++) {
        int k = i % OG_INFER_DOC_NKINDS;
        const char *tenant = i < 10 && i % 2 ? "tapirworks" : "okapicorp";
        OG_ASSERT_OK(
            og_infer_doc_synth_meta(k, i % OG_INFER_DOC_FAMILIES, 700 + (uint64_t)i, &t, &truth));
        snprintf(name, sizeof(name), "m%d.md", i);
        put(env, tenant, name, t);
        og_artifact_ref r = {tenant, "px", name};
        og_artifact_correction fix = {str(truth, "client"), str(truth, "total"),
                                      str(truth, "date")};
        OG_ASSERT_OK(og_artifact_classify(og_streq(tenant, "okapicorp") ? &ada : &bob, &r,
                                          og_infer_doc_kinds[k], &fix, NULL));
        free(t);
        json_decref(truth);
    }
    /* 50 of okapicorp's, 5 of tapirworks': only okapicorp gets a model of its own */
    for (int i = 55; i < 60; i++) {
        OG_ASSERT_OK(
            og_infer_doc_synth_meta(i % OG_INFER_DOC_NKINDS, 1, 700 + (uint64_t)i, &t, &truth));
        snprintf(name, sizeof(name), "m%d.md", i);
        put(env, "okapicorp", name, t);
        og_artifact_ref r = {"okapicorp", "px", name};
        og_artifact_correction fix = {str(truth, "client"), NULL, NULL};
        OG_ASSERT_OK(og_artifact_classify(&ada, &r, og_infer_doc_kinds[i % OG_INFER_DOC_NKINDS],
                                          &fix, NULL));
        free(t);
        json_decref(truth);
    }
    assert_int_equal(count(env, "SELECT COUNT(*) FROM infer_docs WHERE meta_labelled_us IS NOT"
                                " NULL"),
                     60);
    OG_ASSERT_OK(og_infer_train(&env->ctx, OG_INFER_DOC_META_MODEL, &out));
    json_t *models = json_object_get(out, "models"), *own = NULL, *plat = NULL;
    for (size_t i = 0; i < json_array_size(models); i++) {
        json_t *m = json_array_get(models, i);
        if (!og_streq(str(m, "kind"), OG_INFER_DOC_META_MODEL))
            continue;
        if (og_streq(str(m, "scope"), "tenant")) {
            assert_null(own); /* one tenant model: okapicorp's */
            own = m;
        } else
            plat = m;
    }
    assert_non_null(plat);
    assert_non_null(own);
    assert_int_equal(json_integer_value(json_object_get(own, "examples")), 55);
    assert_int_equal(json_integer_value(json_object_get(own, "positives")), 55);
    assert_int_equal(json_integer_value(json_object_get(plat, "positives")), 60);
    json_decref(out);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM infer_models WHERE kind = '%s' AND tenant_id = '%s'",
             OG_INFER_DOC_META_MODEL, okapi);
    assert_int_equal(count(env, sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM audit_record WHERE chain = '%s' AND action ="
             " 'infer.model.train' AND analysis LIKE '%%%s%%'",
             okapi, OG_INFER_DOC_META_MODEL);
    assert_int_equal(count(env, sql), 1);

    /* the same document: okapicorp's proposal blends its model in, tapirworks' does not */
    OG_ASSERT_OK(og_infer_doc_synth_meta(0, 2, 9001, &t, &truth));
    put(env, "okapicorp", "new.md", t);
    put(env, "tapirworks", "new.md", t);
    json_t *po = proposal(env, "okapicorp", "new.md"), *pt = proposal(env, "tapirworks", "new.md");
    assert_string_equal(str(po, "metadata_model"), "v1+tenant v1");
    assert_string_equal(str(pt, "metadata_model"), "v1");
    assert_string_equal(str(po, "client"), str(truth, "client"));
    assert_string_equal(str(po, "date"), str(truth, "date"));
    json_decref(po);
    json_decref(pt);
    json_decref(truth);

    /* with the models loaded, a proposal reads the models' newest rows (both kinds, the
     * platform's and the tenant's) in one statement and runs no other */
    og_infer_doc_proposal *pr = NULL;
    json_t *projects = json_array();
    int kept;
    int64_t before, after;
    OG_ASSERT_OK(og_infer_doc_proposal_make(&env->ctx, okapi, t, projects, &pr));
    og_infer_doc_proposal_free(pr); /* every statement it runs is kept by the store now */
    og_store_stmt_cache_stats(env->ctx.store, &kept, &before);
    OG_ASSERT_OK(og_infer_doc_proposal_make(&env->ctx, okapi, t, projects, &pr));
    og_store_stmt_cache_stats(env->ctx.store, &kept, &after);
    assert_int_equal(after - before, 1);
    og_infer_doc_proposal_free(pr);
    json_decref(projects);
    free(t);

    /* numbers only: no tenant string, client or word in any stored model */
    const char *const words[] = {"okapi",    "tapir",     "Portal",   "Northwind", "Contoso",
                                 "Fabrikam", "Statement", "Customer", NULL};
    assert_int_equal(
        og_test_rows_mentioning(env, "SELECT kind, weights FROM infer_models", words, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_read_every_format),
        cmocka_unit_test(test_learned_metadata_beats_rules),
        cmocka_unit_test_setup_teardown(test_store_learns_corrections_and_blends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tenant_metadata_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
