/* model.c - the models: logistic regression fitted by liblinear (L2-regularised, primal
 * trust-region Newton), kept as {feature name: weight} with a bias, loaded by kind and scope, and
 * the blended score of a tenant (its platform model and its own). */
#include "infer/infer_internal.h"
#include "opsgate/error.h"

#include <linear.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A tenant's own model counts for n / (n + BLEND_HALF) of its score. */
#define BLEND_HALF 200.0

void og_infer__model_free(og_infer__model *m)
{
    json_decref(m->weights);
    memset(m, 0, sizeof(*m));
}

int og_infer__model_load(og_store *s, const char *tenant_id, const char *kind, og_infer__model *m)
{
    og_stmt *st = NULL;
    int error;
    json_error_t jerr;
    memset(m, 0, sizeof(*m));
    if (tenant_id)
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT weights, bias_ppm, version, examples FROM infer_models"
                                     " WHERE kind = ? AND tenant_id = ? ORDER BY version DESC"
                                     " LIMIT 1",
                                     "tt", kind, tenant_id);
    else
        error = og_stmt_prepare_args(&st, s,
                                     "SELECT weights, bias_ppm, version, examples FROM infer_models"
                                     " WHERE kind = ? AND tenant_id IS NULL ORDER BY version DESC"
                                     " LIMIT 1",
                                     "t", kind);
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        m->weights = json_loads(og_stmt_col_text(st, 0), 0, &jerr);
        m->bias = (double)og_stmt_col_int(st, 1) / OG_INFER__PPM;
        m->version = og_stmt_col_int(st, 2);
        m->examples = og_stmt_col_int(st, 3);
        error = json_is_object(m->weights)
                    ? 0
                    : og_error_set(OG_ECORRUPT, "model %s v%lld: its weights are not an object",
                                   kind, (long long)m->version);
    }
    og_stmt_free(st);
    if (error < 0)
        og_infer__model_free(m);
    return error < 0 ? error : 0;
}

double og_infer__model_score(const og_infer__model *m, json_t *features, json_t **contrib)
{
    const char *name;
    json_t *v;
    double z = m->bias;
    if (contrib)
        *contrib = json_object();
    json_object_foreach(features, name, v)
    {
        json_t *w = json_object_get(m->weights, name);
        if (!w || !json_is_number(v))
            continue;
        double c = json_number_value(w) * json_number_value(v);
        z += c;
        if (contrib && *contrib && c != 0)
            json_object_set_new(*contrib, name, json_real(c));
    }
    return 1.0 / (1.0 + exp(-z));
}

static void quiet(const char *s)
{
    (void)s;
}
static void quiet_once(void)
{
    set_print_string_function(quiet);
}

/* The feature names of the examples in one order: name -> index (1-based) in *index. */
static int index_names(json_t *const *features, size_t n, json_t **index)
{
    const char *name;
    json_t *v;
    json_int_t next = 1;
    *index = json_object();
    if (!*index)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++)
        json_object_foreach(features[i], name, v)
        {
            if (!json_object_get(*index, name))
                json_object_set_new(*index, name, json_integer(next++));
        }
    return 0;
}

/* liblinear's problem from the examples: x[i] the nonzero features, then the bias node and the
 * terminator. */
static int build_problem(json_t *const *features, const int *labels, size_t n, json_t *index,
                         struct problem *p, struct feature_node **pool)
{
    size_t total = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        total += json_object_size(features[i]) + 2;
    p->l = (int)n;
    p->n = (int)json_object_size(index) + 1; /* + the bias feature */
    p->bias = 1.0;
    p->y = calloc(n ? n : 1, sizeof(double));
    p->x = calloc(n ? n : 1, sizeof(struct feature_node *));
    *pool = calloc(total ? total : 1, sizeof(struct feature_node));
    if (!p->y || !p->x || !*pool)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *name;
        json_t *v;
        size_t start = at;
        p->y[i] = labels[i] ? 1.0 : -1.0;
        p->x[i] = *pool + at;
        json_object_foreach(features[i], name, v)
        {
            double x = json_number_value(v);
            if (x == 0)
                continue;
            (*pool)[at].index = (int)json_integer_value(json_object_get(index, name));
            (*pool)[at++].value = x;
        }
        /* liblinear wants increasing indices */
        for (size_t a = start + 1; a < at; a++)
            for (size_t b = a; b > start && (*pool)[b - 1].index > (*pool)[b].index; b--) {
                struct feature_node t = (*pool)[b];
                (*pool)[b] = (*pool)[b - 1];
                (*pool)[b - 1] = t;
            }
        (*pool)[at].index = p->n;
        (*pool)[at++].value = 1.0;
        (*pool)[at++].index = -1;
    }
    return 0;
}

int og_infer__fit(json_t *const *features, const int *labels, size_t n, og_infer__model *m)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct problem p;
    struct parameter par;
    struct feature_node *pool = NULL;
    struct model *lm = NULL;
    json_t *index = NULL;
    const char *name, *bad;
    json_t *v;
    size_t pos = 0;
    int error;
    memset(&p, 0, sizeof(p));
    memset(&par, 0, sizeof(par));
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < n; i++)
        pos += labels[i] != 0;
    if (pos == 0 || pos == n) {
        error = og_error_set(OG_ECONFLICT,
                             "%zu examples, %zu of them gone wrong: a model needs both outcomes", n,
                             pos);
        goto cleanup;
    }
    pthread_once(&once, quiet_once);
    if ((error = index_names(features, n, &index)) < 0 ||
        (error = build_problem(features, labels, n, index, &p, &pool)) < 0)
        goto cleanup;
    par.solver_type = L2R_LR;
    par.eps = 0.01;
    par.C = 1.0;
    if ((bad = check_parameter(&p, &par))) {
        error = og_error_set(OG_ERROR, "liblinear: %s", bad);
        goto cleanup;
    }
    if (!(lm = train(&p, &par))) {
        error = og_error_set(OG_ERROR, "liblinear could not train the model");
        goto cleanup;
    }
    /* w is for lm->label[0]: turn it into the weights of "gone wrong" (label +1) */
    double sign = lm->label[0] == 1 ? 1.0 : -1.0;
    m->weights = json_object();
    json_object_foreach(index, name, v)
    {
        double w = sign * lm->w[json_integer_value(v) - 1];
        if (w != 0)
            json_object_set_new(m->weights, name, json_real(round(w * 1e6) / 1e6));
    }
    m->bias = sign * lm->w[p.n - 1] * p.bias;
    m->examples = (int64_t)n;
    error = 0;
cleanup:
    if (lm)
        free_and_destroy_model(&lm);
    free(p.y);
    free(p.x);
    free(pool);
    json_decref(index);
    return error;
}

int og_infer__score(og_store *s, const char *tenant_id, const char *kind, json_t *features,
                    double *score, int64_t *version, json_t **contrib)
{
    og_infer__model plat, own;
    json_t *c_own = NULL;
    int error;
    *score = 0;
    *version = 0;
    if (contrib)
        *contrib = NULL;
    if ((error = og_infer__model_load(s, NULL, kind, &plat)) < 0)
        return error;
    if ((error = og_infer__model_load(s, tenant_id, kind, &own)) < 0) {
        og_infer__model_free(&plat);
        return error;
    }
    if (plat.weights && own.weights) {
        double a = (double)own.examples / ((double)own.examples + BLEND_HALF);
        *score = (1 - a) * og_infer__model_score(&plat, features, contrib) +
                 a * og_infer__model_score(&own, features, contrib ? &c_own : NULL);
        if (contrib && *contrib && c_own) {
            const char *name;
            json_t *v, *p;
            json_object_foreach(c_own, name, v)
            {
                p = json_object_get(*contrib, name);
                json_object_set_new(
                    *contrib, name,
                    json_real((1 - a) * (p ? json_real_value(p) : 0) + a * json_real_value(v)));
            }
        }
        *version = plat.version > own.version ? plat.version : own.version;
    } else if (plat.weights || own.weights) {
        og_infer__model *m = plat.weights ? &plat : &own;
        *score = og_infer__model_score(m, features, contrib);
        *version = m->version;
    }
    json_decref(c_own);
    og_infer__model_free(&plat);
    og_infer__model_free(&own);
    return 0;
}
