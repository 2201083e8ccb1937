/* doc_meta_model.c - the learned metadata of a document: per field (total, date, client) a
 * logistic regression (liblinear, L2-regularised) over the hashed context features of every
 * candidate value the rules find (doc_cand.c), trained with the right candidate of each labelled
 * document as the positive example and the others as negatives; the proposal is the best
 * candidate when its probability reaches 0.5. A model is {"fields": {field: {"bias", "w":
 * {feature: weight}}}}: numbers only, no document's words or values. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <linear.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct og_infer_doc_meta_model {
    int has[OG_INFER__FIELDS];
    double bias[OG_INFER__FIELDS];
    float *w[OG_INFER__FIELDS];   /* OG_INFER__MDIM + 1 weights (index 0 unused) */
    og_infer_doc_meta_model *own; /* a tenant's model blended in (owned), its share a */
    double a;
};

og_infer_doc_meta_model *og_infer__doc_meta_blend(og_infer_doc_meta_model *platform,
                                                  og_infer_doc_meta_model *own, double a)
{
    if (!platform)
        return own;
    og_infer_doc_meta_model_free(platform->own);
    platform->own = own;
    platform->a = own ? a : 0;
    return platform;
}

void og_infer_doc_meta_model_free(og_infer_doc_meta_model *m)
{
    if (!m)
        return;
    og_infer_doc_meta_model_free(m->own);
    for (int f = 0; f < OG_INFER__FIELDS; f++)
        free(m->w[f]);
    free(m);
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

json_t *og_infer__cands_sets(const og_infer__cands *cs)
{
    json_t *sets = json_object();
    for (int f = 0; sets && f < OG_INFER__FIELDS; f++) {
        json_t *c = json_array();
        for (int i = 0; c && i < cs->n[f]; i++) {
            uint32_t idx[OG_INFER__CAND_FEAT];
            int n = cs->c[f][i].nf;
            json_t *v = json_array();
            memcpy(idx, cs->c[f][i].f, (size_t)n * sizeof(*idx));
            qsort(idx, (size_t)n, sizeof(*idx), by_u32);
            for (int k = 0; v && k < n; k++)
                json_array_append_new(v, json_integer(idx[k]));
            json_array_append_new(c, v);
        }
        json_object_set_new(sets, og_infer_doc_fields[f], json_pack("{s:o}", "c", c));
    }
    return sets;
}

static void trim(const char *s, const char **b, size_t *n)
{
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ')
        len--;
    *b = s;
    *n = len;
}

int og_infer__cand_find(const og_infer__cands *cs, int field, const char *truth)
{
    char value[64], cur[4];
    int money;
    const char *b;
    size_t n;
    if (!truth || !*truth)
        return -1;
    if (field == OG_INFER__F_TOTAL) { /* "12,500.00", "12500", "$12,500": the same amount */
        while (*truth == ' ')
            truth++;
        if (!og_infer__number_at(truth, value, sizeof(value), cur, &money))
            return -1;
    }
    trim(truth, &b, &n);
    for (int i = 0; i < cs->n[field]; i++) {
        const char *v = cs->c[field][i].value;
        if (field == OG_INFER__F_TOTAL ? fabs(strtod(v, NULL) - strtod(value, NULL)) < 0.005
                                       : strlen(v) == n && strncasecmp(v, b, n) == 0)
            return i;
    }
    return -1;
}

static void quiet(const char *s)
{
    (void)s;
}
static void quiet_once(void)
{
    set_print_string_function(quiet);
}

/* The examples of one field: every candidate of every set whose field has "y". */
static int field_problem(json_t *const *sets, size_t n, const char *field, struct problem *p,
                         struct feature_node **pool, int *pos)
{
    size_t rows = 0, nodes = 0, at = 0, r = 0;
    *pos = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *fs = json_object_get(sets[i], field);
        if (!json_is_integer(json_object_get(fs, "y")))
            continue;
        json_t *c = json_object_get(fs, "c"), *v;
        size_t k;
        json_array_foreach(c, k, v)
        {
            rows++;
            nodes += json_array_size(v) + 2;
        }
    }
    p->l = (int)rows;
    p->n = (int)OG_INFER__MDIM + 1;
    p->bias = 1.0;
    p->y = calloc(rows ? rows : 1, sizeof(double));
    p->x = calloc(rows ? rows : 1, sizeof(*p->x));
    *pool = calloc(nodes ? nodes : 1, sizeof(**pool));
    if (!p->y || !p->x || !*pool)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *fs = json_object_get(sets[i], field), *y = json_object_get(fs, "y"), *v;
        if (!json_is_integer(y))
            continue;
        size_t k;
        json_array_foreach(json_object_get(fs, "c"), k, v)
        {
            json_t *e;
            size_t j;
            int prev = 0;
            p->x[r] = *pool + at;
            p->y[r] = (json_int_t)k == json_integer_value(y) ? 1.0 : -1.0;
            *pos += p->y[r] > 0;
            json_array_foreach(v, j, e)
            {
                json_int_t idx = json_integer_value(e);
                if (idx <= prev || idx > (json_int_t)OG_INFER__MDIM)
                    continue; /* not increasing or out of range: a damaged row */
                (*pool)[at].index = (int)idx;
                (*pool)[at++].value = 1.0;
                prev = (int)idx;
            }
            (*pool)[at].index = p->n;
            (*pool)[at++].value = 1.0;
            (*pool)[at++].index = -1;
            r++;
        }
    }
    return 0;
}

int og_infer__doc_meta_fit_sets(og_infer_doc_meta_model **out, json_t *const *sets, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    og_infer_doc_meta_model *m = calloc(1, sizeof(*m));
    int error = m ? 0 : og_error_set(OG_ERROR, "out of memory"), any = 0;
    *out = NULL;
    pthread_once(&once, quiet_once);
    for (int f = 0; f < OG_INFER__FIELDS && error >= 0; f++) {
        struct problem p;
        struct parameter par;
        struct feature_node *pool = NULL;
        struct model *lm = NULL;
        const char *bad;
        int pos = 0;
        memset(&p, 0, sizeof(p));
        memset(&par, 0, sizeof(par));
        par.solver_type = L2R_LR;
        par.eps = 0.01;
        par.C = 1.0;
        error = field_problem(sets, n, og_infer_doc_fields[f], &p, &pool, &pos);
        if (error >= 0 && pos > 0 && pos < p.l) {
            if ((bad = check_parameter(&p, &par)))
                error = og_error_set(OG_ERROR, "liblinear: %s", bad);
            else if (!(lm = train(&p, &par)))
                error = og_error_set(OG_ERROR, "liblinear could not train the metadata model");
            else if (!(m->w[f] = calloc(OG_INFER__MDIM + 1, sizeof(float))))
                error = og_error_set(OG_ERROR, "out of memory");
            else {
                double sign = lm->label[0] == 1 ? 1.0 : -1.0;
                for (int k = 0; k < lm->nr_feature && k < (int)OG_INFER__MDIM; k++)
                    m->w[f][k + 1] = (float)(sign * lm->w[k]);
                m->bias[f] = sign * lm->w[lm->nr_feature];
                m->has[f] = 1;
                any = 1;
            }
        }
        if (lm)
            free_and_destroy_model(&lm);
        free(p.y);
        free(p.x);
        free(pool);
    }
    if (error >= 0 && !any)
        error = og_error_set(OG_ECONFLICT,
                             "%zu labelled documents: no field has both a right"
                             " and a wrong candidate",
                             n);
    if (error < 0) {
        og_infer_doc_meta_model_free(m);
        return error;
    }
    *out = m;
    return 0;
}

int og_infer_doc_meta_fit(og_infer_doc_meta_model **out, const char *const *texts,
                          json_t *const *truths, size_t n)
{
    json_t **sets = calloc(n ? n : 1, sizeof(*sets));
    og_infer__cands *cs = malloc(sizeof(*cs));
    int error = sets && cs ? 0 : og_error_set(OG_ERROR, "out of memory");
    *out = NULL;
    for (size_t i = 0; i < n && error >= 0; i++) {
        if ((error = og_infer__doc_cands(texts[i], NULL, cs)) < 0)
            break;
        sets[i] = og_infer__cands_sets(cs);
        for (int f = 0; sets[i] && f < OG_INFER__FIELDS; f++) {
            const char *t = json_string_value(json_object_get(truths[i], og_infer_doc_fields[f]));
            json_object_set_new(json_object_get(sets[i], og_infer_doc_fields[f]), "y",
                                json_integer(og_infer__cand_find(cs, f, t)));
        }
    }
    if (error >= 0)
        error = og_infer__doc_meta_fit_sets(out, sets, n);
    for (size_t i = 0; sets && i < n; i++)
        json_decref(sets[i]);
    free(sets);
    free(cs);
    return error;
}

static double one_prob(const og_infer_doc_meta_model *m, int f, const og_infer__cand *c)
{
    double z = m->bias[f];
    for (int i = 0; i < c->nf; i++)
        z += m->w[f][c->f[i]];
    return 1.0 / (1.0 + exp(-z));
}

/* whether m (or the tenant model blended in) learned field f */
static int has(const og_infer_doc_meta_model *m, int f)
{
    return m && (m->has[f] || (m->own && m->own->has[f]));
}

/* The probability that c is field f's value: the platform's, blended with the tenant's as the
 * kind models are, (1 - a) * platform + a * tenant (the one that learned f alone else). */
static double cand_prob(const og_infer_doc_meta_model *m, int f, const og_infer__cand *c)
{
    if (!m->own || !m->own->has[f])
        return one_prob(m, f, c);
    if (!m->has[f])
        return one_prob(m->own, f, c);
    return (1 - m->a) * one_prob(m, f, c) + m->a * one_prob(m->own, f, c);
}

int og_infer__doc_meta_predict_cands(const og_infer_doc_meta_model *m, const char *text,
                                     json_t *projects, const og_infer__cands *cs, json_t **out)
{
    json_t *meta = NULL, *cands = json_object();
    int error;
    *out = NULL;
    if (!cands) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_infer_doc_metadata(text, projects, &meta)) < 0)
        goto cleanup;
    for (int f = 0; f < OG_INFER__FIELDS; f++) {
        const char *name = og_infer_doc_fields[f];
        json_t *values = json_array();
        int best = -1;
        double bp = 0;
        for (int i = 0; i < cs->n[f]; i++) {
            json_array_append_new(values, json_string(cs->c[f][i].value));
            double p = has(m, f) ? cand_prob(m, f, &cs->c[f][i]) : 0;
            if (p > bp) {
                bp = p;
                best = i;
            }
        }
        json_object_set_new(cands, name, values);
        if (!has(m, f))
            continue;
        if (bp < 0.5) {
            /* the model sees none: a rule's guess goes too, but a client of the tenant's
             * projects named in the text is a fact, not a guess */
            if (f == OG_INFER__F_TOTAL) {
                json_object_del(meta, "total");
                json_object_del(meta, "currency");
            } else if (f == OG_INFER__F_CLIENT && json_object_get(meta, "project") == NULL) {
                int known = 0;
                for (size_t p = 0; p < json_array_size(projects); p++)
                    known |= og_streq(
                        json_string_value(json_object_get(meta, "client")),
                        json_string_value(json_object_get(json_array_get(projects, p), "client")));
                if (!known)
                    json_object_del(meta, "client");
            }
            continue;
        }
        const og_infer__cand *c = &cs->c[f][best];
        if (f == OG_INFER__F_TOTAL) {
            json_object_set_new(meta, "total", json_string(c->value));
            if (c->currency[0])
                json_object_set_new(meta, "currency", json_string(c->currency));
            else
                json_object_del(meta, "currency");
        } else if (f == OG_INFER__F_DATE || !json_object_get(meta, "project"))
            json_object_set_new(meta, name, json_string(c->value));
    }
    json_object_set_new(meta, "candidates", cands);
    cands = NULL;
    *out = meta;
    meta = NULL;
cleanup:
    json_decref(meta);
    json_decref(cands);
    return error;
}

int og_infer_doc_meta_predict(const og_infer_doc_meta_model *m, const char *text, json_t *projects,
                              json_t **out)
{
    og_infer__cands *cs = malloc(sizeof(*cs));
    int error;
    *out = NULL;
    if (!cs)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_infer__doc_cands(text, projects, cs)) >= 0)
        error = og_infer__doc_meta_predict_cands(m, text, projects, cs, out);
    free(cs);
    return error;
}

json_t *og_infer__doc_meta_dump(const og_infer_doc_meta_model *m)
{
    json_t *fields = json_object();
    char key[16];
    for (int f = 0; fields && f < OG_INFER__FIELDS; f++) {
        if (!m->has[f])
            continue;
        json_t *w = json_object();
        for (uint32_t k = 1; w && k <= OG_INFER__MDIM; k++)
            if (fabsf(m->w[f][k]) > 1e-6f) {
                snprintf(key, sizeof(key), "%u", k);
                json_object_set_new(w, key, json_real(round(m->w[f][k] * 1e6) / 1e6));
            }
        json_object_set_new(fields, og_infer_doc_fields[f],
                            json_pack("{s:f, s:o}", "bias", m->bias[f], "w", w));
    }
    return json_pack("{s:o}", "fields", fields);
}

int og_infer__doc_meta_load(json_t *doc, og_infer_doc_meta_model **out)
{
    json_t *fields = json_object_get(doc, "fields");
    og_infer_doc_meta_model *m;
    *out = NULL;
    if (!json_is_object(fields))
        return og_error_set(OG_ECORRUPT, "the stored metadata model is malformed");
    if (!(m = calloc(1, sizeof(*m))))
        return og_error_set(OG_ERROR, "out of memory");
    for (int f = 0; f < OG_INFER__FIELDS; f++) {
        json_t *fm = json_object_get(fields, og_infer_doc_fields[f]), *v;
        const char *key;
        if (!fm)
            continue;
        if (!(m->w[f] = calloc(OG_INFER__MDIM + 1, sizeof(float)))) {
            og_infer_doc_meta_model_free(m);
            return og_error_set(OG_ERROR, "out of memory");
        }
        m->has[f] = 1;
        m->bias[f] = json_number_value(json_object_get(fm, "bias"));
        json_object_foreach(json_object_get(fm, "w"), key, v)
        {
            long k = strtol(key, NULL, 10);
            if (k >= 1 && k <= (long)OG_INFER__MDIM)
                m->w[f][k] = (float)json_number_value(v);
        }
    }
    *out = m;
    return 0;
}
