/* train.c - training the models from the labelled actions: a platform model per kind from every
 * tenant's, a tenant model for each tenant with enough of its own; every version kept and
 * audited. The examples are the recorded features (names from closed vocabularies and numbers)
 * and labels: nothing of the tenants' own strings is read or written. */
#include "infer/infer_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The newest labelled examples a model learns from. */
#define MAX_EXAMPLES 100000

void og_infer__examples_free(og_infer__examples *e)
{
    for (size_t i = 0; i < e->n; i++)
        json_decref(e->f[i]);
    free(e->f);
    free(e->y);
    free(e->tenant);
    free(e->at);
    memset(e, 0, sizeof(*e));
}

int og_infer__examples_load(og_store *s, const char *kind, const char *tenant_id,
                            og_infer__examples *e)
{
    og_stmt *st = NULL;
    size_t cap = 0;
    int error;
    memset(e, 0, sizeof(*e));
    if (tenant_id)
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT tenant_id, features, label, created_us FROM"
                                     " (SELECT tenant_id, features, label, created_us FROM"
                                     " infer_actions WHERE kind = ? AND label IS NOT NULL AND"
                                     " tenant_id = ? ORDER BY created_us DESC LIMIT ?)"
                                     " AS newest ORDER BY created_us",
                                     "tti", kind, tenant_id, (int64_t)MAX_EXAMPLES);
    else
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT tenant_id, features, label, created_us FROM"
                                     " (SELECT tenant_id, features, label, created_us FROM"
                                     " infer_actions WHERE kind = ? AND label IS NOT NULL"
                                     " ORDER BY created_us DESC LIMIT ?)"
                                     " AS newest ORDER BY created_us",
                                     "ti", kind, (int64_t)MAX_EXAMPLES);
    while (error >= 0 && (error = og_stmt_step(st)) == OG_ROW) {
        if (e->n == cap) {
            cap = cap ? cap * 2 : 256;
            json_t **f = realloc(e->f, cap * sizeof(*f));
            if (f)
                e->f = f;
            int *y = realloc(e->y, cap * sizeof(*y));
            if (y)
                e->y = y;
            char(*t)[OG_ID_LEN] = realloc(e->tenant, cap * sizeof(*t));
            if (t)
                e->tenant = t;
            int64_t *at = realloc(e->at, cap * sizeof(*at));
            if (at)
                e->at = at;
            if (!f || !y || !t || !at) {
                error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
        }
        e->f[e->n] = json_loads(og_stmt_col_text(st, 1), 0, NULL);
        if (!json_is_object(e->f[e->n])) {
            json_decref(e->f[e->n]);
            continue; /* unreadable: not an example */
        }
        og_strlcpy(e->tenant[e->n], og_stmt_col_text(st, 0), OG_ID_LEN);
        e->y[e->n] = og_stmt_col_int(st, 2) != 0;
        e->at[e->n] = og_stmt_col_int(st, 3);
        e->n++;
    }
    og_stmt_free(st);
    if (error < 0) {
        og_infer__examples_free(e);
        return error;
    }
    return 0;
}

int og_infer__model_save(og_ctx *ctx, const char *tenant_id, const char *kind, og_infer__model *m,
                         int64_t positives, json_t *list)
{
    og_stmt *st = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN], *w = NULL;
    int error;
    json_t *an = NULL;
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    if (tenant_id)
        error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT COALESCE(MAX(version), 0) + 1 FROM infer_models"
                                     " WHERE kind = ? AND tenant_id = ?",
                                     "tt", kind, tenant_id);
    else
        error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT COALESCE(MAX(version), 0) + 1 FROM infer_models"
                                     " WHERE kind = ? AND tenant_id IS NULL",
                                     "t", kind);
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW)
        m->version = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (!(w = json_dumps(m->weights, JSON_SORT_KEYS | JSON_COMPACT)))
        return og_error_set(OG_ERROR, "out of memory");
    error = og_store_run(ctx->store,
                         "INSERT INTO infer_models (id, tenant_id, kind, version, weights,"
                         " bias_ppm, examples, positives, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "tttitiiit", id, tenant_id, kind, m->version, w,
                         (int64_t)llround(m->bias * OG_INFER__PPM), m->examples, positives, now);
    free(w);
    if (error < 0)
        return error;
    an = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i}", "kind", kind, "scope",
                   tenant_id ? "tenant" : "platform", "version", (json_int_t)m->version, "examples",
                   (json_int_t)m->examples, "positives", (json_int_t)positives, "features",
                   (int)json_object_size(m->weights));
    error = og_audit_log(ctx, tenant_id, tenant_id ? "gate" : "platform", "infer.model.train",
                         "infer_model", id, an);
    if (error >= 0)
        json_array_append(list, an);
    json_decref(an);
    return error;
}

/* Fit and save one model from the examples i with sel[i] set; a model that cannot be fitted
 * (one label only) is reported in skipped. */
static int train_one(og_ctx *ctx, const char *tenant_id, const char *kind,
                     const og_infer__examples *e, const char *tenant_filter, json_t *models,
                     json_t *skipped)
{
    json_t **f = calloc(e->n ? e->n : 1, sizeof(*f));
    int *y = calloc(e->n ? e->n : 1, sizeof(*y));
    size_t n = 0;
    int64_t pos = 0;
    og_infer__model m;
    int error = 0;
    memset(&m, 0, sizeof(m));
    if (!f || !y) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < e->n; i++)
        if (!tenant_filter || strcmp(e->tenant[i], tenant_filter) == 0) {
            f[n] = e->f[i];
            pos += (y[n++] = e->y[i]);
        }
    if ((error = og_infer__fit(f, y, n, &m)) < 0 && error != OG_ECONFLICT)
        goto cleanup; /* liblinear's or memory's failure is the training's */
    if (error == OG_ECONFLICT) {
        error = 0;
        json_array_append_new(skipped, json_pack("{s:s, s:s, s:s}", "kind", kind, "scope",
                                                 tenant_id ? "tenant" : "platform", "reason",
                                                 og_error_last()));
        og_error_clear();
        goto cleanup;
    }
    error = og_infer__model_save(ctx, tenant_id, kind, &m, pos, models);
cleanup:
    og_infer__model_free(&m);
    free(f);
    free(y);
    return error;
}

/* The platform model of kind and each tenant's that has enough examples, in one transaction. */
static int train_kind(og_ctx *ctx, const char *kind, json_t *models, json_t *skipped)
{
    og_infer__examples e;
    int error;
    if ((error = og_infer__examples_load(ctx->store, kind, NULL, &e)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = train_one(ctx, NULL, kind, &e, NULL, models, skipped)) < 0)
        goto cleanup;
    for (size_t i = 0; i < e.n; i++) {
        size_t count = 0, j;
        for (j = 0; j < i && strcmp(e.tenant[j], e.tenant[i]) != 0; j++)
            ;
        if (j < i)
            continue; /* this tenant was seen */
        for (j = i; j < e.n; j++)
            count += strcmp(e.tenant[j], e.tenant[i]) == 0;
        if (count >= OG_INFER_TENANT_MIN &&
            (error = train_one(ctx, e.tenant[i], kind, &e, e.tenant[i], models, skipped)) < 0)
            goto cleanup;
    }
cleanup:
    error = og_store_tx_end(ctx->store, error);
done:
    og_infer__examples_free(&e);
    return error;
}

int og_infer_train(og_ctx *ctx, const char *kind, json_t **out)
{
    og_stmt *st = NULL;
    json_t *kinds = NULL, *models = json_array(), *skipped = json_array();
    int error;
    if (out)
        *out = NULL;
    if (!og_actor_is_platform(&ctx->actor)) {
        error = og_error_set(
            OG_EDENIED, "training the models needs a platform actor: they learn from every tenant");
        goto cleanup;
    }
    /* the document classifier learns from labelled documents, not from gated actions */
    if (!kind || strcmp(kind, OG_INFER_DOC_MODEL) == 0 ||
        strcmp(kind, OG_INFER_DOC_META_MODEL) == 0) {
        if ((error = og_store_tx_begin(ctx->store)) < 0)
            goto cleanup;
        error = og_infer__doc_train(ctx, models, skipped);
        if ((error = og_store_tx_end(ctx->store, error)) < 0 || kind)
            goto done;
    }
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT DISTINCT kind FROM infer_actions WHERE label IS NOT"
                                      " NULL AND kind LIKE ? ORDER BY kind",
                                      "t", kind ? kind : "%")) < 0 ||
        (error = og_stmt_collect(st, NULL, NULL, &kinds)) < 0)
        goto cleanup;
    if (kind && json_array_size(kinds) == 0)
        json_array_append_new(skipped, json_pack("{s:s, s:s}", "kind", kind, "reason",
                                                 "no analysed action of this kind has an outcome"));
    for (size_t i = 0; i < json_array_size(kinds); i++) {
        const char *k = json_string_value(json_object_get(json_array_get(kinds, i), "kind"));
        if ((error = train_kind(ctx, k, models, skipped)) < 0)
            goto cleanup;
    }
done:
    if (out && error >= 0)
        *out = json_pack("{s:O, s:O}", "models", models, "skipped", skipped);
cleanup:
    og_stmt_free(st);
    json_decref(kinds);
    json_decref(models);
    json_decref(skipped);
    return error;
}

int og_infer_models(og_ctx *ctx, json_t **out)
{
    og_stmt *st = NULL;
    int error;
    if (!og_actor_is_platform(&ctx->actor))
        return og_error_set(OG_EDENIED,
                            "listing the models needs a platform actor: they span every tenant");
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, CASE WHEN tenant_id IS NULL THEN 'platform' ELSE"
                                 " 'tenant' END AS scope, tenant_id, version, examples, positives,"
                                 " created_at FROM infer_models m WHERE version = (SELECT"
                                 " MAX(version) FROM infer_models o WHERE o.kind = m.kind AND"
                                 " COALESCE(o.tenant_id, '') = COALESCE(m.tenant_id, ''))"
                                 " ORDER BY kind, scope, tenant_id")) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
