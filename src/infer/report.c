/* report.c - the honest evaluation of the models on a held-out, time-ordered split, and the
 * replay generator (synthetic decisions with a planted pattern) for tests and the benchmark. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRAIN_SHARE 0.7
#define BINS        5

typedef struct scored {
    double p;
    int y;
} scored;

static int by_score(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return x < y ? -1 : x > y;
}

/* ROC AUC by ranks (ties share their mean rank); NAN with one label only. */
static double auc(scored *s, size_t n)
{
    double pos = 0, ranks = 0;
    qsort(s, n, sizeof(*s), by_score);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p)
            j++;
        double mean_rank = (double)(i + j + 1) / 2.0; /* ranks i+1 .. j */
        for (size_t k = i; k < j; k++)
            if (s[k].y) {
                pos++;
                ranks += mean_rank;
            }
        i = j;
    }
    double neg = (double)n - pos;
    if (pos == 0 || neg == 0)
        return NAN;
    return (ranks - pos * (pos + 1) / 2.0) / (pos * neg);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(round(v * 10000) / 10000) : json_null();
}

/* The metrics of held-out scores at threshold t. */
static json_t *metrics(scored *s, size_t n, double t)
{
    size_t tp = 0, fp = 0, fn = 0, raised = 0, cnt[BINS] = {0}, pos[BINS] = {0};
    double sum[BINS] = {0};
    json_t *bins = json_array();
    for (size_t i = 0; i < n; i++) {
        int up = s[i].p > t;
        raised += up;
        tp += up && s[i].y;
        fp += up && !s[i].y;
        fn += !up && s[i].y;
        int b = (int)(s[i].p * BINS);
        b = b >= BINS ? BINS - 1 : b;
        cnt[b]++;
        pos[b] += s[i].y;
        sum[b] += s[i].p;
    }
    for (int b = 0; b < BINS; b++)
        json_array_append_new(
            bins, json_pack("{s:f, s:f, s:I, s:o, s:o}", "from", (double)b / BINS, "to",
                            (double)(b + 1) / BINS, "actions", (json_int_t)cnt[b], "predicted",
                            num_or_null(cnt[b] ? sum[b] / cnt[b] : NAN), "observed",
                            num_or_null(cnt[b] ? (double)pos[b] / cnt[b] : NAN)));
    return json_pack("{s:o, s:f, s:o, s:o, s:o, s:o}", "auc", num_or_null(auc(s, n)), "threshold",
                     t, "precision", num_or_null(tp + fp ? (double)tp / (double)(tp + fp) : NAN),
                     "recall", num_or_null(tp + fn ? (double)tp / (double)(tp + fn) : NAN),
                     "raised_share", num_or_null(n ? (double)raised / (double)n : NAN),
                     "calibration", bins);
}

/* One kind's evaluation: fit on the oldest TRAIN_SHARE, score the rest. */
static int report_kind(og_store *st, const char *tenant_id, const char *kind, double t,
                       json_t *kinds)
{
    og_infer__examples e;
    og_infer__model m;
    scored *s = NULL;
    int error;
    memset(&m, 0, sizeof(m));
    if ((error = og_infer__examples_load(st, kind, tenant_id, &e)) < 0)
        return error;
    size_t cut = (size_t)((double)e.n * TRAIN_SHARE), held = e.n - cut;
    json_t *r = json_pack("{s:s, s:I, s:I, s:I}", "kind", kind, "examples", (json_int_t)e.n,
                          "trained_on", (json_int_t)cut, "held_out", (json_int_t)held);
    if ((error = og_infer__fit(e.f, e.y, cut, &m)) == OG_ECONFLICT) {
        /* one label only in the training part: the kind cannot be evaluated yet, say so */
        json_object_set_new(r, "error", json_string(og_error_last()));
        og_error_clear();
        error = 0;
    } else if (error < 0) {
        ;
    } else if (!(s = calloc(held ? held : 1, sizeof(*s)))) {
        error = og_error_set(OG_ERROR, "out of memory");
    } else {
        for (size_t i = 0; i < held; i++) {
            s[i].p = og_infer__model_score(&m, e.f[cut + i], NULL);
            s[i].y = e.y[cut + i];
        }
        json_t *mm = metrics(s, held, t);
        json_object_update(r, mm);
        json_decref(mm);
    }
    if (error >= 0)
        json_array_append(kinds, r);
    json_decref(r);
    free(s);
    og_infer__model_free(&m);
    og_infer__examples_free(&e);
    return error;
}

/* The tenant's threshold for kind into *t, or the default; a failing read is an error (a
 * report at a threshold the tenant did not set would mislead). */
static int threshold_of(og_store *st, const char *tenant_id, const char *kind, double *t)
{
    og_stmt *q = NULL;
    int error;
    *t = OG_INFER_DEFAULT_THRESHOLD;
    if (!tenant_id)
        return 0;
    if ((error = og_stmt_prepare_args(&q, st,
                                      "SELECT threshold_ppm FROM infer_policy WHERE"
                                      " tenant_id = ? AND kind = ? AND threshold_ppm > 0",
                                      "tt", tenant_id, kind)) < 0)
        return error;
    if ((error = og_stmt_step(q)) == OG_ROW) {
        *t = (double)og_stmt_col_int(q, 0) / OG_INFER__PPM;
        error = 0;
    }
    og_stmt_free(q);
    return error < 0 ? error : 0;
}

int og_infer_report(og_ctx *ctx, const char *tenant, const char *kind, json_t **out)
{
    char tid[OG_ID_LEN] = "";
    og_stmt *st = NULL;
    json_t *kinds = NULL, *list = json_array();
    int error;
    *out = NULL;
    if (tenant && *tenant) {
        if ((error = og_tenant_resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
            goto cleanup;
    } else if (!og_actor_is_platform(&ctx->actor)) {
        error = og_error_set(OG_EDENIED, "a report over every tenant needs a platform actor");
        goto cleanup;
    }
    if (tid[0])
        error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT DISTINCT kind FROM infer_actions WHERE label IS NOT"
                                     " NULL AND kind LIKE ? AND tenant_id = ? ORDER BY kind",
                                     "tt", kind ? kind : "%", tid);
    else
        error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT DISTINCT kind FROM infer_actions WHERE label IS NOT"
                                     " NULL AND kind LIKE ? ORDER BY kind",
                                     "t", kind ? kind : "%");
    if (error < 0 || (error = og_stmt_collect(st, NULL, NULL, &kinds)) < 0)
        goto cleanup;
    for (size_t i = 0; i < json_array_size(kinds); i++) {
        const char *k = json_string_value(json_object_get(json_array_get(kinds, i), "kind"));
        double t;
        if ((error = threshold_of(ctx->store, tid[0] ? tid : NULL, k, &t)) < 0 ||
            (error = report_kind(ctx->store, tid[0] ? tid : NULL, k, t, list)) < 0)
            goto cleanup;
    }
    *out = json_pack("{s:O}", "kinds", list);
cleanup:
    og_stmt_free(st);
    json_decref(kinds);
    json_decref(list);
    return error;
}

int og_infer_score(og_ctx *ctx, const char *tenant_id, const og_infer_input *in, double *score)
{
    char target_hash[65];
    int64_t version;
    json_t *f = NULL;
    int error;
    og_infer__target_hash(tenant_id, in->kind, in->target_key ? in->target_key : "", target_hash);
    if ((error = og_infer__features(ctx->store, tenant_id, in, target_hash,
                                    in->now_us ? in->now_us : og_time_now_us(), &f)) < 0)
        return error;
    error = og_infer__score(ctx->store, tenant_id, in->kind, f, score, &version, NULL);
    json_decref(f);
    return error;
}

/* splitmix64: a small deterministic generator for the replay */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

/* One synthetic deploy at the day starting day_us: its facts, time and whether it is planted. */
static json_t *replay_one(uint64_t *rng, int64_t day_us, int64_t *at_us, int *planted, char *target,
                          size_t tsize)
{
    static const char *const types[] = {"file", "nginx", "haproxy", "opsgate"};
    static const int window[] = {22, 23, 0, 1, 2, 3};
    static const char *const keys[] = {"rsa2048", "ec256"};
    const char *type = types[next(rng) % 4];
    int hour = uniform(rng) < 0.6 ? window[next(rng) % 6] : (int)(next(rng) % 24);
    int k = (int)(next(rng) % 2), old_k = uniform(rng) < 0.9 ? k : 1 - k;
    *at_us = day_us + (int64_t)hour * 3600 * 1000000 + (int64_t)(next(rng) % 3600) * 1000000;
    *planted = strcmp(type, "haproxy") == 0 && hour == 2;
    snprintf(target, tsize, "replay-%s-%d", type, (int)(next(rng) % 8));
    return json_pack("{s:s, s:i, s:s, s:s, s:i}", "target_type", type, "endpoints",
                     1 + (int)(next(rng) % 4), "key_type", keys[k], "old_key_type", keys[old_k],
                     "days_left", (int)(next(rng) % 60));
}

int og_infer_replay(og_ctx *ctx, const char *tenant_id, int n, uint64_t seed, int64_t start_us,
                    int *planted)
{
    uint64_t rng = seed;
    int error = 0, count = 0;
    if (planted)
        *planted = 0;
    if (!og_actor_is_platform(&ctx->actor))
        return og_error_set(OG_EDENIED, "the replay generator needs a platform actor");
    if (n < 1 || n > 1000000)
        return og_error_set(OG_EINVAL, "a replay is 1 to 1000000 decisions");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    for (int i = 0; i < n && error >= 0; i++) {
        char gate_id[OG_ID_LEN], target[64];
        int is_planted;
        og_infer_result r;
        og_infer_input in = {.kind = "certs.deploy", .level = 1};
        /* about 3 a day, in time order */
        in.facts = replay_one(&rng, start_us + (int64_t)(i / 3) * 86400 * 1000000, &in.now_us,
                              &is_planted, target, sizeof(target));
        in.target_key = target;
        og_id_new(gate_id);
        count += is_planted;
        error = og_infer_analyse(ctx, tenant_id, gate_id, &in, &r);
        json_decref(r.analysis);
        json_decref(in.facts);
        if (error >= 0) {
            int bad = uniform(&rng) < (is_planted ? 0.3 : 0.02);
            error = og_infer_outcome(ctx, gate_id,
                                     bad ? (uniform(&rng) < 0.5 ? "failed" : "overridden")
                                         : "acknowledged");
        }
    }
    if (planted)
        *planted = count;
    return og_store_tx_end(ctx->store, error);
}
