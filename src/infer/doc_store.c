/* doc_store.c - the document classifier in the store: each document read is kept as its hashed
 * features with the kind proposed; the kind a human gives is its label; the model (the platform's,
 * kind OG_INFER_DOC_MODEL in infer_models) retrains from the labels with the other models. */
#include "infer/infer_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* how many labelled documents the model learns from (the newest) */
#define DOC_TRAIN_MAX 100000

static void doc_key(const char *tenant_id, const char *doc_ref, char out[65])
{
    uint8_t h[32];
    char data[256];
    snprintf(data, sizeof(data), "infer-doc:%s:%s", tenant_id, doc_ref);
    og_crypto_sha256(data, strlen(data), h);
    og_hex_encode(h, sizeof(h), out);
}

/* What a cached model is built from: the store and the model rows' ids ("" for none). */
typedef struct model_src {
    og_store *s;
    const char *id, *own_id;
    double a; /* the tenant model's share (metadata models) */
} model_src;

static void doc_model_free(void *m)
{
    og_infer_doc_model_free(m);
}

static int doc_model_make(void *arg, void **out)
{
    model_src *src = arg;
    json_t *doc = NULL;
    og_infer_doc_model *m = NULL;
    int error = og_infer__model_weights(src->s, src->id, &doc);
    if (error == 0)
        error = og_infer__doc_model_load(doc, &m);
    json_decref(doc);
    *out = m;
    return error;
}

/* The document kind model of row nw into *m (NULL when there is none yet; shared: give it back
 * with og_infer__cache_put). */
static int doc_model_of(og_store *s, const og_infer__newest *nw, og_infer_doc_model **m)
{
    char key[OG_INFER__CACHE_KEY];
    void *got = NULL;
    int error;
    *m = NULL;
    if (!nw->id[0])
        return 0;
    model_src src = {.s = s, .id = nw->id};
    snprintf(key, sizeof(key), "doc:%s", nw->id);
    error = og_infer__cache_get(key, doc_model_make, &src, doc_model_free, &got);
    *m = got;
    return error;
}

/* The label of a pair of model rows (platform nw[0], tenant nw[1]) as proposals carry it: "v2",
 * "v2+tenant v1", "tenant v1", or none when neither exists. */
static void versions_label(const og_infer__newest nw[2], const char *none, char *out, size_t size)
{
    int plat = nw[0].id[0] != 0, own = nw[1].id[0] != 0;
    if (plat && own)
        snprintf(out, size, "v%lld+tenant v%lld", (long long)nw[0].version,
                 (long long)nw[1].version);
    else if (plat || own)
        snprintf(out, size, "%sv%lld", own ? "tenant " : "",
                 (long long)(plat ? nw[0].version : nw[1].version));
    else
        og_strlcpy(out, none, size);
}

/* The kind of text under the platform model (row nw[0]) and the tenant's (nw[1]), blended as the
 * action models
 * are: (1 - a) * platform + a * tenant, a = n / (n + 200) with n the tenant model's examples,
 * the probabilities and the evidence alike, each through its second stage, the platform's
 * reading the structure cues with the tenant's learned weights as far as its corrections showed
 * them (og_infer__doc_blend_models); "other" only on evidence (og_infer__doc_choose); *why the
 * cue that decided the kind. *kind 4 ("other") and *conf 0
 * without any model; *alt the kinds close behind it (new, NULL without a model); model names the
 * versions. */
static int doc_kind(og_store *s, const og_infer__newest nw[2], const char *text, int *kind,
                    double *conf, json_t **alt, int64_t *version, og_infer__why *why, char *model,
                    size_t size)
{
    og_infer_doc_model *plat = NULL, *own = NULL;
    int64_t pv = nw[0].version, ov = nw[1].version, on = nw[1].examples;
    double p[OG_INFER_DOC_NKINDS], ev[OG_INFER_DOC_NKINDS], a = 0;
    int error;
    *kind = 4;
    *conf = 0;
    *alt = NULL;
    *version = 0;
    *why = (og_infer__why){OG_INFER__STAGE_NONE, 0, 0, -1};
    og_strlcpy(model, "no model yet", size);
    if ((error = doc_model_of(s, &nw[0], &plat)) < 0 || (error = doc_model_of(s, &nw[1], &own)) < 0)
        goto cleanup;
    if (own)
        a = plat ? (double)on / ((double)on + OG_INFER__DOC_BLEND_HALF) : 1.0;
    if (plat || own) {
        if ((error = og_infer__doc_blend_models(text, plat, own, a, p, ev, kind, why)) < 0)
            goto cleanup;
        *conf = p[*kind];
        if (!(*alt = og_infer__doc_alternatives(p, *kind))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    *version = plat ? pv : own ? ov : 0;
    versions_label(nw, "no model yet", model, size);
cleanup:
    og_infer__cache_put(plat, doc_model_free);
    og_infer__cache_put(own, doc_model_free);
    return error;
}

static void meta_model_free(void *m)
{
    og_infer_doc_meta_model_free(m);
}

static int meta_model_make(void *arg, void **out)
{
    model_src *src = arg;
    json_t *doc = NULL;
    og_infer_doc_meta_model *plat = NULL, *own = NULL;
    int error = 0;
    *out = NULL;
    if (src->id[0] && (error = og_infer__model_weights(src->s, src->id, &doc)) == 0)
        error = og_infer__doc_meta_load(doc, &plat);
    json_decref(doc);
    doc = NULL;
    if (error == 0 && src->own_id[0] &&
        (error = og_infer__model_weights(src->s, src->own_id, &doc)) == 0)
        error = og_infer__doc_meta_load(doc, &own);
    json_decref(doc);
    if (error < 0) {
        og_infer_doc_meta_model_free(plat);
        og_infer_doc_meta_model_free(own);
        return error;
    }
    *out = og_infer__doc_meta_blend(plat, own, src->a);
    return 0;
}

/* The metadata model of a tenant's proposals: the platform's (row nw[0]) with the tenant's own
 * (nw[1]) blended in (a = n / (n + 200), n its documents), *mm NULL without either (shared: give
 * it back with og_infer__cache_put); label names the versions ("v2", "v2+tenant v1", "tenant v1",
 * "rules"). */
static int meta_model(og_store *s, const og_infer__newest nw[2], og_infer_doc_meta_model **mm,
                      char *label, size_t size)
{
    const char *pid = nw[0].id, *oid = nw[1].id;
    int64_t on = nw[1].examples;
    char key[OG_INFER__CACHE_KEY];
    void *got = NULL;
    int error;
    *mm = NULL;
    versions_label(nw, "rules", label, size);
    if (!pid[0] && !oid[0])
        return 0;
    model_src src = {.s = s,
                     .id = pid,
                     .own_id = oid,
                     .a = (double)on / ((double)on + OG_INFER__DOC_BLEND_HALF)};
    snprintf(key, sizeof(key), "meta:%s:%s", pid, oid);
    error = og_infer__cache_get(key, meta_model_make, &src, meta_model_free, &got);
    *mm = got;
    return error;
}

int og_infer_doc_models_now(og_ctx *ctx, const char *tenant_id, char *model, size_t msize,
                            char *meta_model, size_t mmsize)
{
    og_infer__newest nw[4]; /* the document models, then the metadata models */
    int error = og_infer__models_newest(ctx->store, OG_INFER_DOC_MODEL, OG_INFER_DOC_META_MODEL,
                                        tenant_id, nw);
    if (error < 0)
        return error;
    /* the labels as doc_kind and meta_model write them */
    versions_label(nw, "no model yet", model, msize);
    versions_label(nw + 2, "rules", meta_model, mmsize);
    return 0;
}

/* A proposal made outside any transaction, stored by og_infer_doc_proposal_store(). */
struct og_infer_doc_proposal {
    char tenant_id[OG_ID_LEN];
    char kind[32];
    double conf;
    int64_t version;
    char *features; /* the hashed features, JSON */
    char *cands;    /* the metadata candidates' features, JSON */
    json_t *meta;   /* the proposal as og_infer_doc_propose() returns it */
};

void og_infer_doc_proposal_free(og_infer_doc_proposal *pr)
{
    if (!pr)
        return;
    free(pr->features);
    free(pr->cands);
    json_decref(pr->meta);
    free(pr);
}

int og_infer_doc_proposal_make(og_ctx *ctx, const char *tenant_id, const char *text,
                               json_t *projects, og_infer_doc_proposal **out)
{
    og_infer_doc_meta_model *mm = NULL;
    og_infer__cands *cs = NULL;
    og_infer_doc_proposal *pr = NULL;
    og_infer__newest nw[4]; /* the document models, then the metadata models */
    json_t *vec = NULL, *sets = NULL, *alt = NULL;
    char model[64], mlabel[64];
    int kind, error;
    og_infer__why why;
    char why_text[200];
    *out = NULL;
    if (!tenant_id || strlen(tenant_id) >= OG_ID_LEN || !text)
        return og_error_set(OG_EINVAL, "a document proposal needs a tenant and text");
    if (!(cs = malloc(sizeof(*cs))) || !(pr = calloc(1, sizeof(*pr)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_strlcpy(pr->tenant_id, tenant_id, sizeof(pr->tenant_id));
    if ((error = og_infer__models_newest(ctx->store, OG_INFER_DOC_MODEL, OG_INFER_DOC_META_MODEL,
                                         tenant_id, nw)) < 0 ||
        (error = doc_kind(ctx->store, nw, text, &kind, &pr->conf, &alt, &pr->version, &why, model,
                          sizeof(model))) < 0 ||
        (error = meta_model(ctx->store, nw + 2, &mm, mlabel, sizeof(mlabel))) < 0 ||
        (error = og_infer__doc_vector(text, &vec)) < 0 ||
        (error = og_infer__doc_cands(text, projects, cs)) < 0 ||
        (error = og_infer__doc_meta_predict_cands(mm, text, projects, cs, &pr->meta)) < 0)
        goto cleanup;
    sets = og_infer__cands_sets(cs);
    if (!sets || !(pr->features = json_dumps(vec, JSON_COMPACT)) ||
        !(pr->cands = json_dumps(sets, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_strlcpy(pr->kind, og_infer_doc_kinds[kind], sizeof(pr->kind));
    json_object_set_new(pr->meta, "kind", json_string(pr->kind));
    json_object_set_new(pr->meta, "confidence",
                        strcmp(model, "no model yet") ? json_real(round(pr->conf * 1000) / 1000)
                                                      : json_null());
    json_object_set_new(pr->meta, "model", json_string(model));
    /* the uncertainty shown: the kinds close behind the proposed one (a person decides) */
    if (json_array_size(alt) > 0)
        json_object_set(pr->meta, "alternatives", alt);
    /* the structure rule that moved the kind, named so that a person can judge it */
    if (og_infer__doc_why_text(&why, kind, why_text, sizeof(why_text)))
        json_object_set_new(pr->meta, "structure", json_string(why_text));
    json_object_set_new(pr->meta, "metadata_model", json_string(mlabel));
    *out = pr;
    pr = NULL;
    error = 0;
cleanup:
    og_infer__cache_put(mm, meta_model_free);
    og_infer_doc_proposal_free(pr);
    free(cs);
    json_decref(vec);
    json_decref(sets);
    json_decref(alt);
    return error < 0 ? error : 0;
}

int og_infer_doc_proposal_store(og_ctx *ctx, const og_infer_doc_proposal *pr, const char *doc_ref,
                                json_t **out)
{
    char key[65];
    int error;
    *out = NULL;
    if (!pr || !doc_ref || !*doc_ref)
        return og_error_set(OG_EINVAL, "a document proposal needs a reference");
    doc_key(pr->tenant_id, doc_ref, key);
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO infer_docs (key, tenant_id, features, proposed,"
                              " confidence_ppm, model_version, created_us, meta) VALUES"
                              " (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                              " features = excluded.features, proposed = excluded.proposed,"
                              " confidence_ppm = excluded.confidence_ppm,"
                              " model_version = excluded.model_version, meta = excluded.meta,"
                              " meta_labelled_us = NULL",
                              "ttttiiit", key, pr->tenant_id, pr->features, pr->kind,
                              (int64_t)llround(pr->conf * OG_INFER__PPM), pr->version,
                              og_time_now_us(), pr->cands)) < 0)
        return error;
    /* a copy: the caller may change it, and a re-run transaction stores the proposal again */
    if (!(*out = json_deep_copy(pr->meta)))
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

int og_infer_doc_propose(og_ctx *ctx, const char *tenant_id, const char *doc_ref, const char *text,
                         json_t *projects, json_t **out)
{
    og_infer_doc_proposal *pr = NULL;
    int error;
    *out = NULL;
    if (!tenant_id || !doc_ref || !*doc_ref || !text)
        return og_error_set(OG_EINVAL, "a document proposal needs a tenant, a reference and text");
    if ((error = og_infer_doc_proposal_make(ctx, tenant_id, text, projects, &pr)) == 0)
        error = og_infer_doc_proposal_store(ctx, pr, doc_ref, out);
    og_infer_doc_proposal_free(pr);
    return error;
}

int og_infer_doc_label(og_ctx *ctx, const char *tenant_id, const char *doc_ref, const char *kind)
{
    char key[65];
    int error;
    if (og_infer_doc_kind_index(kind) < 0)
        return og_error_set(
            OG_EINVAL, "unknown document kind '%s' (sow, change-order, runbook, closure, other)",
            kind ? kind : "");
    doc_key(tenant_id, doc_ref, key);
    if ((error = og_store_run(ctx->store,
                              "UPDATE infer_docs SET label = ?, labelled_us = ? WHERE key = ?"
                              " AND tenant_id = ?",
                              "tItt", kind, og_time_now_us(), key, tenant_id)) < 0)
        return error;
    if (og_store_changes(ctx->store) == 0)
        return og_error_set(OG_ENOTFOUND, "the classifier never read this document");
    return 0;
}

/* The newest labelled documents: their vectors, kinds, and how many corrected the proposal. */
static int doc_examples(og_store *s, const char *tenant_id, json_t ***vecs, int **kinds, size_t *n,
                        int64_t *corrected)
{
    og_stmt *st = NULL;
    size_t cap = 0;
    int error;
    *vecs = NULL;
    *kinds = NULL;
    *n = 0;
    *corrected = 0;
    if (tenant_id)
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT features, label, proposed FROM infer_docs WHERE"
                                     " label IS NOT NULL AND tenant_id = ? ORDER BY labelled_us"
                                     " DESC LIMIT ?",
                                     "ti", tenant_id, (int64_t)DOC_TRAIN_MAX);
    else
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT features, label, proposed FROM infer_docs WHERE"
                                     " label IS NOT NULL ORDER BY labelled_us DESC LIMIT ?",
                                     "i", (int64_t)DOC_TRAIN_MAX);
    if (error < 0)
        return error;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        int k = og_infer_doc_kind_index(og_stmt_col_text(st, 1));
        json_t *v = json_loads(og_stmt_col_text(st, 0), 0, NULL);
        if (k < 0 || !json_is_object(v)) {
            json_decref(v);
            continue; /* unreadable: not an example */
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            json_t **nv = realloc(*vecs, cap * sizeof(**vecs));
            if (nv)
                *vecs = nv;
            int *nk = realloc(*kinds, cap * sizeof(**kinds));
            if (nk)
                *kinds = nk;
            if (!nv || !nk) {
                json_decref(v);
                error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
        }
        *corrected += !og_streq(og_stmt_col_text(st, 1), og_stmt_col_text(st, 2));
        (*vecs)[*n] = v;
        (*kinds)[(*n)++] = k;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_infer__doc_model_keep(og_ctx *ctx, const char *tenant_id, const char *kind, int fit_error,
                             const void *model, json_t *(*dump)(const void *), int64_t examples,
                             int64_t positives, json_t *models, json_t *skipped)
{
    og_infer__model m;
    int error;
    if (fit_error == OG_ECONFLICT) {
        json_array_append_new(skipped, json_pack("{s:s, s:s, s:s}", "kind", kind, "scope",
                                                 tenant_id ? "tenant" : "platform", "reason",
                                                 og_error_last()));
        og_error_clear();
        return 0;
    }
    if (fit_error < 0)
        return fit_error;
    memset(&m, 0, sizeof(m));
    if (!(m.weights = dump(model)))
        return og_error_set(OG_ERROR, "out of memory");
    m.examples = examples;
    error = og_infer__model_save(ctx, tenant_id, kind, &m, positives, models);
    json_decref(m.weights);
    return error;
}

static json_t *dump_kind(const void *m)
{
    return og_infer__doc_model_dump(m);
}

/* The kind model of tenant_id (NULL: the platform's) from its labelled documents. */
static int doc_train_one(og_ctx *ctx, const char *tenant_id, json_t *models, json_t *skipped)
{
    json_t **vecs = NULL;
    int *kinds = NULL;
    size_t n = 0;
    int64_t corrected = 0;
    og_infer_doc_model *dm = NULL;
    int error;
    if ((error = doc_examples(ctx->store, tenant_id, &vecs, &kinds, &n, &corrected)) < 0)
        goto cleanup;
    error = og_infer__doc_fit_vectors(&dm, vecs, kinds, n, NULL, 0, NULL);
    /* "positives" of a document model: the labels that corrected what it proposed */
    error = og_infer__doc_model_keep(ctx, tenant_id, OG_INFER_DOC_MODEL, error, dm, dump_kind,
                                     (int64_t)n, corrected, models, skipped);
cleanup:
    for (size_t i = 0; i < n; i++)
        json_decref(vecs[i]);
    free(vecs);
    free(kinds);
    og_infer_doc_model_free(dm);
    return error;
}

int og_infer__doc_train_each(og_ctx *ctx, const char *where, og_infer__doc_train_fn one,
                             json_t *models, json_t *skipped)
{
    og_stmt *st = NULL;
    json_t *tenants = NULL;
    char sql[256];
    int error;
    if ((error = one(ctx, NULL, models, skipped)) < 0)
        return error;
    snprintf(sql, sizeof(sql),
             "SELECT tenant_id FROM infer_docs WHERE %s GROUP BY tenant_id HAVING COUNT(*) >= ?"
             " ORDER BY tenant_id",
             where);
    if ((error = og_stmt_prepare_args(&st, ctx->store, sql, "i", (int64_t)OG_INFER_TENANT_MIN)) <
            0 ||
        (error = og_stmt_collect(st, NULL, NULL, &tenants)) < 0)
        goto cleanup;
    for (size_t i = 0; i < json_array_size(tenants) && error >= 0; i++)
        error =
            one(ctx, json_string_value(json_object_get(json_array_get(tenants, i), "tenant_id")),
                models, skipped);
cleanup:
    og_stmt_free(st);
    json_decref(tenants);
    return error;
}

int og_infer__doc_train(og_ctx *ctx, json_t *models, json_t *skipped)
{
    /* a tenant model for each tenant with OG_INFER_TENANT_MIN labelled documents of its own */
    int error = og_infer__doc_train_each(ctx, "label IS NOT NULL", doc_train_one, models, skipped);
    return error < 0 ? error : og_infer__doc_train_more(ctx, models, skipped);
}
