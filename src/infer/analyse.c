/* analyse.c - the inference step of one action (features, score, explanation, recommendation,
 * the tenant's policy), the outcomes that label it, and the tenants' risk policies. */
#include "infer/infer_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_N 3

typedef struct policy {
    int has_threshold;
    double threshold;
    int pinned;
} policy;

static int policy_load(og_store *s, const char *tenant_id, const char *kind, policy *p)
{
    og_stmt *st = NULL;
    int error;
    memset(p, 0, sizeof(*p));
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT threshold_ppm, pinned FROM infer_policy WHERE"
                                      " tenant_id = ? AND kind = ?",
                                      "tt", tenant_id, kind)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        p->has_threshold = !og_stmt_col_is_null(st, 0);
        p->threshold = (double)og_stmt_col_int(st, 0) / OG_INFER__PPM;
        p->pinned = og_stmt_col_int(st, 1) != 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* The TOP_N features that weighed most (by |contribution|), as [{feature, weight}], and the
 * sentence that names them. */
static json_t *top_features(json_t *contrib, char *why, size_t size)
{
    json_t *top = json_array();
    const char *used[TOP_N] = {0};
    size_t off = 0;
    why[0] = '\0';
    for (int k = 0; k < TOP_N; k++) {
        const char *name, *best = NULL;
        json_t *v;
        double bv = 0;
        json_object_foreach(contrib, name, v)
        {
            int seen = 0;
            for (int j = 0; j < k; j++)
                seen |= used[j] && strcmp(used[j], name) == 0;
            if (!seen && fabs(json_real_value(v)) > fabs(bv)) {
                best = name;
                bv = json_real_value(v);
            }
        }
        if (!best)
            break;
        used[k] = best;
        json_array_append_new(
            top, json_pack("{s:s, s:f}", "feature", best, "weight", round(bv * 1000) / 1000));
        off += (size_t)snprintf(why + off, off < size ? size - off : 0, "%s%s (%s%.2f)",
                                k ? ", " : "", best, bv > 0 ? "raises " : "lowers ", fabs(bv));
    }
    return top;
}

/* What a human should do (the L3 task's recommendation, and everybody's advice): what, why and
 * the evidence. */
static json_t *recommend(double score, int64_t version, const policy *p, const char *why,
                         json_t *top, json_t *features)
{
    double t = p->has_threshold ? p->threshold : OG_INFER_DEFAULT_THRESHOLD;
    const char *what;
    if (!version)
        what = "no model yet: check as usual";
    else if (score >= t)
        what = "hold: check what weighed most before acting, and have a rollback ready";
    else if (score >= t / 2)
        what = "proceed with care: watch the outcome";
    else
        what = "proceed: similar actions went well";
    return json_pack("{s:s, s:s, s:{s:f, s:O, s:O?, s:O?}}", "what", what, "why", why, "evidence",
                     "score", score, "top", top, "target_history",
                     json_object_get(features, "target_history"), "target_bad",
                     json_object_get(features, "target_bad"));
}

/* Record the analysed action (a future training example, without a label yet). */
static int record(og_store *s, const char *tenant_id, const char *gate_id, const char *kind,
                  const char *target_hash, json_t *features, double score, int64_t version,
                  int level, int raised, int64_t now_us)
{
    char key[65], *ftext = json_dumps(features, JSON_SORT_KEYS | JSON_COMPACT);
    int error;
    if (!ftext)
        return og_error_set(OG_ERROR, "out of memory");
    og_infer__key(gate_id, key);
    error = og_store_run(s,
                         "INSERT INTO infer_actions (key, tenant_id, kind, target_hash, features,"
                         " score_ppm, model_version, level, raised, created_us)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "tttttiiiii", key, tenant_id, kind, target_hash, ftext,
                         (int64_t)llround(score * OG_INFER__PPM), version, (int64_t)level,
                         (int64_t)raised, now_us);
    free(ftext);
    if (error >= 0)
        error = og_infer__count(s, tenant_id, kind, target_hash, 1, 0);
    return error < 0 ? error : 0;
}

int og_infer_analyse(og_ctx *ctx, const char *tenant_id, const char *gate_id,
                     const og_infer_input *in, og_infer_result *out)
{
    int error;
    int64_t version = 0, now_us = in->now_us ? in->now_us : og_time_now_us();
    double score = 0;
    char target_hash[65], why[512], model[32];
    json_t *features = NULL, *contrib = NULL, *top = NULL, *raised = json_null();
    policy pol;
    memset(out, 0, sizeof(*out));
    out->level = in->level;
    og_infer__target_hash(tenant_id, in->kind, in->target_key ? in->target_key : "", target_hash);
    if ((error = og_infer__features(ctx->store, tenant_id, in, target_hash, now_us, &features)) <
            0 ||
        (error = og_infer__score(ctx->store, tenant_id, in->kind, features, &score, &version,
                                 &contrib)) < 0 ||
        (error = policy_load(ctx->store, tenant_id, in->kind, &pol)) < 0)
        goto cleanup;
    if (version) {
        top = top_features(contrib, why, sizeof(why));
        snprintf(model, sizeof(model), "v%lld", (long long)version);
    } else {
        top = json_array();
        snprintf(why, sizeof(why), "no model of %s yet: nothing learned to weigh", in->kind);
        og_strlcpy(model, "no model yet", sizeof(model));
    }
    /* the tenant's threshold raises this one action by a level; a pin keeps it; never lower */
    if (version && pol.has_threshold && !pol.pinned && score > pol.threshold && in->level <= 1) {
        out->level = in->level + 1;
        raised = json_pack("{s:i, s:i, s:s}", "from", in->level, "to", out->level, "reason", "");
        char reason[700];
        snprintf(reason, sizeof(reason),
                 "risk %.2f is above the tenant's threshold %.2f for %s: %s", score, pol.threshold,
                 in->kind, why);
        json_object_set_new(raised, "reason", json_string(reason));
    }
    if ((error = record(ctx->store, tenant_id, gate_id, in->kind, target_hash, features, score,
                        version, out->level, out->level != in->level, now_us)) < 0)
        goto cleanup;
    out->analysis = json_pack(
        "{s:o, s:s, s:O, s:O, s:s, s:{s:o?, s:b}, s:O, s:o}", "score",
        version ? json_real(round(score * 10000) / 10000) : json_null(), "explanation", why, "top",
        top, "features", features, "model", model, "policy", "threshold",
        pol.has_threshold ? json_real(pol.threshold) : NULL, "pinned", pol.pinned, "raised", raised,
        "recommendation", recommend(score, version, &pol, why, top, features));
    if (!out->analysis)
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    json_decref(features);
    json_decref(contrib);
    json_decref(top);
    json_decref(raised);
    return error;
}

/* An outcome's label: 0 went well, 1 went wrong, -1 none (still open or it says nothing). */
static int outcome_label(const char *outcome)
{
    static const char *const good[] = {"executed", "acknowledged",  "approved",
                                       "done",     "review-closed", NULL};
    static const char *const bad[] = {"failed", "overridden", "escalated", "rejected", NULL};
    for (int i = 0; good[i]; i++)
        if (og_streq(outcome, good[i]))
            return 0;
    for (int i = 0; bad[i]; i++)
        if (og_streq(outcome, bad[i]))
            return 1;
    return -1;
}

int og_infer_outcome(og_ctx *ctx, const char *gate_id, const char *outcome)
{
    char key[65], tenant_id[OG_ID_LEN] = "", kind[64] = "", target_hash[65] = "";
    og_stmt *st = NULL;
    int label = outcome_label(outcome), error, was_bad = 0;
    if (label < 0 || !gate_id)
        return 0;
    og_infer__key(gate_id, key);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT tenant_id, kind, target_hash, label FROM"
                                      " infer_actions WHERE key = ?",
                                      "t", key)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(tenant_id, og_stmt_col_text(st, 0), sizeof(tenant_id));
        og_strlcpy(kind, og_stmt_col_text(st, 1), sizeof(kind));
        og_strlcpy(target_hash, og_stmt_col_text(st, 2), sizeof(target_hash));
        was_bad = !og_stmt_col_is_null(st, 3) && og_stmt_col_int(st, 3) == 1;
        error = 0;
    }
    og_stmt_free(st);
    if (error < 0 || !tenant_id[0]) /* never analysed: nothing to label */
        return error < 0 ? error : 0;
    /* a bad outcome stays: an escalation later acknowledged still went wrong once */
    if ((error = og_store_run(ctx->store,
                              "UPDATE infer_actions SET label = ?, outcome = ?, labelled_us = ?"
                              " WHERE key = ? AND (label IS NULL OR label = 0 OR ? = 1)",
                              "ititi", (int64_t)label, outcome, og_time_now_us(), key,
                              (int64_t)label)) < 0)
        return error;
    if (label == 1 && !was_bad)
        error = og_infer__count(ctx->store, tenant_id, kind, target_hash, 0, 1);
    return error < 0 ? error : 0;
}
