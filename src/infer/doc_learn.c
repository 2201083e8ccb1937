/* doc_learn.c - how the metadata model learns: a person's corrected fields of a document become
 * labels of its kept candidates (the index of the right one, or none of them), and the model
 * trains from the synthetic corpus (the training families, whose true metadata is known) and
 * every labelled document of every tenant. What is kept and stored is hashed features and
 * indices only: never a value. */
#include "infer/infer_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the newest labelled documents the metadata model learns from, and how many synthetic
 * documents of each training family and kind it starts from */
#define META_TRAIN_MAX  100000
#define META_SYNTH_EACH 12

/* The index of the value in values (a proposal's candidates of field) that truth names, -1. */
static int value_find(json_t *values, int field, const char *truth)
{
    char a[64], b[64], cur[4];
    int money;
    size_t n;
    while (truth && *truth == ' ')
        truth++;
    if (!truth || !*truth)
        return -1;
    n = strlen(truth);
    while (n && truth[n - 1] == ' ')
        n--;
    if (field == OG_INFER__F_TOTAL && !og_infer__number_at(truth, a, sizeof(a), cur, &money))
        return -1;
    for (size_t i = 0; i < json_array_size(values); i++) {
        const char *v = json_string_value(json_array_get(values, i));
        if (!v)
            continue;
        if (field == OG_INFER__F_TOTAL) {
            if (og_infer__number_at(v, b, sizeof(b), cur, &money) &&
                fabs(strtod(a, NULL) - strtod(b, NULL)) < 0.005)
                return (int)i;
        } else if (strlen(v) == n && strncasecmp(v, truth, n) == 0)
            return (int)i;
    }
    return -1;
}

static void doc_key(const char *tenant_id, const char *doc_ref, char out[65])
{
    uint8_t h[32];
    char data[256];
    snprintf(data, sizeof(data), "infer-doc:%s:%s", tenant_id, doc_ref);
    og_crypto_sha256(data, strlen(data), h);
    og_hex_encode(h, sizeof(h), out);
}

int og_infer_doc_label_meta(og_ctx *ctx, const char *tenant_id, const char *doc_ref,
                            json_t *proposal, json_t *fields)
{
    og_stmt *st = NULL;
    json_t *sets = NULL, *cands = json_object_get(proposal, "candidates");
    char key[65], *text = NULL;
    int error, labelled = 0;
    if (!tenant_id || !doc_ref || !json_is_object(fields))
        return og_error_set(OG_EINVAL, "a metadata label needs a tenant, a document and fields");
    doc_key(tenant_id, doc_ref, key);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT meta FROM infer_docs WHERE key = ? AND tenant_id = ?",
                                      "tt", key, tenant_id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error = error < 0 ? error
                          : og_error_set(OG_ENOTFOUND, "the classifier never read this document");
        goto cleanup;
    }
    sets = json_loads(og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "null", 0, NULL);
    error = 0;
    if (!json_is_object(sets) || !json_is_object(cands))
        goto cleanup; /* read before candidates were kept: nothing to label */
    for (int f = 0; f < OG_INFER__FIELDS; f++) {
        const char *name = og_infer_doc_fields[f];
        json_t *given = json_object_get(fields, name), *set = json_object_get(sets, name);
        if (!json_is_string(given) || !set)
            continue;
        json_t *values = json_object_get(cands, name);
        if (json_array_size(values) != json_array_size(json_object_get(set, "c")))
            continue; /* the proposal is not of these candidates */
        json_object_set_new(set, "y",
                            json_integer(value_find(values, f, json_string_value(given))));
        labelled++;
    }
    if (!labelled)
        goto cleanup;
    if (!(text = json_dumps(sets, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_store_run(ctx->store,
                         "UPDATE infer_docs SET meta = ?, meta_labelled_us = ? WHERE key = ? AND"
                         " tenant_id = ?",
                         "tItt", text, og_time_now_us(), key, tenant_id);
cleanup:
    og_stmt_free(st);
    json_decref(sets);
    free(text);
    return error < 0 ? error : 0;
}

/* The synthetic corpus's candidate sets (the training families only) appended to *sets. */
static int synth_sets(json_t ***sets, size_t *n, size_t *cap)
{
    og_infer__cands *cs = malloc(sizeof(*cs));
    int error = cs ? 0 : og_error_set(OG_ERROR, "out of memory");
    for (int k = 0; k < OG_INFER_DOC_NKINDS && error >= 0; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES && error >= 0; f++)
            for (int i = 0; i < META_SYNTH_EACH && error >= 0; i++) {
                char *t = NULL;
                json_t *truth = NULL, *set;
                if ((error = og_infer_doc_synth_meta(k, f, (uint64_t)i + 500, &t, &truth)) < 0 ||
                    (error = og_infer__doc_cands(t, NULL, cs)) < 0) {
                    free(t);
                    json_decref(truth);
                    break;
                }
                set = og_infer__cands_sets(cs);
                for (int x = 0; set && x < OG_INFER__FIELDS; x++)
                    json_object_set_new(
                        json_object_get(set, og_infer_doc_fields[x]), "y",
                        json_integer(og_infer__cand_find(
                            cs, x,
                            json_string_value(json_object_get(truth, og_infer_doc_fields[x])))));
                free(t);
                json_decref(truth);
                if (*n == *cap) {
                    size_t nc = *cap ? *cap * 2 : 512;
                    json_t **p = realloc(*sets, nc * sizeof(*p));
                    if (!p) {
                        json_decref(set);
                        error = og_error_set(OG_ERROR, "out of memory");
                        break;
                    }
                    *sets = p;
                    *cap = nc;
                }
                if (!set) {
                    error = og_error_set(OG_ERROR, "out of memory");
                    break;
                }
                (*sets)[(*n)++] = set;
            }
    free(cs);
    return error;
}

/* Append the metadata-labelled documents' candidate sets of tenant_id (NULL: every tenant's),
 * the newest first, to *sets; *people: how many. */
static int labelled_sets(og_store *s, const char *tenant_id, json_t ***sets, size_t *n, size_t *cap,
                         int64_t *people)
{
    og_stmt *st = NULL;
    int error;
    *people = 0;
    if (tenant_id)
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT meta FROM infer_docs WHERE meta_labelled_us IS NOT"
                                     " NULL AND tenant_id = ? ORDER BY meta_labelled_us DESC"
                                     " LIMIT ?",
                                     "ti", tenant_id, (int64_t)META_TRAIN_MAX);
    else
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT meta FROM infer_docs WHERE meta_labelled_us IS NOT"
                                     " NULL ORDER BY meta_labelled_us DESC LIMIT ?",
                                     "i", (int64_t)META_TRAIN_MAX);
    if (error < 0)
        return error;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        json_t *set = json_loads(og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", 0, NULL);
        if (!json_is_object(set)) {
            json_decref(set);
            continue; /* unreadable: not an example */
        }
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 512;
            json_t **p = realloc(*sets, nc * sizeof(*p));
            if (!p) {
                json_decref(set);
                error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
            *sets = p;
            *cap = nc;
        }
        (*sets)[(*n)++] = set;
        (*people)++;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static json_t *dump_meta(const void *m)
{
    return og_infer__doc_meta_dump(m);
}

/* The metadata model of tenant_id from its own labelled documents, or (NULL) the platform's from
 * the synthetic corpus and every tenant's labelled documents. */
static int meta_train_one(og_ctx *ctx, const char *tenant_id, json_t *models, json_t *skipped)
{
    json_t **sets = NULL;
    size_t n = 0, cap = 0;
    int64_t people = 0;
    og_infer_doc_meta_model *mm = NULL;
    int error = tenant_id ? 0 : synth_sets(&sets, &n, &cap);
    if (error >= 0 &&
        (error = labelled_sets(ctx->store, tenant_id, &sets, &n, &cap, &people)) >= 0) {
        error = og_infer__doc_meta_fit_sets(&mm, sets, n);
        /* "positives" of the metadata model: the documents people labelled */
        error = og_infer__doc_model_keep(ctx, tenant_id, OG_INFER_DOC_META_MODEL, error, mm,
                                         dump_meta, (int64_t)n, people, models, skipped);
    }
    for (size_t i = 0; i < n; i++)
        json_decref(sets[i]);
    free(sets);
    og_infer_doc_meta_model_free(mm);
    return error;
}

int og_infer__doc_train_more(og_ctx *ctx, json_t *models, json_t *skipped)
{
    /* a tenant metadata model for each tenant with OG_INFER_TENANT_MIN corrected documents */
    return og_infer__doc_train_each(ctx, "meta_labelled_us IS NOT NULL", meta_train_one, models,
                                    skipped);
}
