/* doc_selftrain.c - fitting the document classifier, with self-training: the documents nobody
 * labelled (a tenant's uploads in a language the labels never covered) become examples of the
 * kind the first fit gives them when it is confident, the most confident first and at most a
 * bounded share of the labelled ones, so that a wrong pseudo-label weighs little; then the model
 * is fitted again. The features are the same numbers either way: nothing is kept of the text. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"

#include <linear.h>
#include <stdlib.h>
#include <string.h>

/* fewer labelled documents than this: no second stage */
#define STACK_MIN 20

typedef struct pick {
    size_t i;
    int kind;
    double conf;
} pick;

static int by_conf(const void *a, const void *b)
{
    double x = ((const pick *)a)->conf, y = ((const pick *)b)->conf;
    return x > y ? -1 : x < y;
}

/* Fit on xl (n, kinds) and, when opts asks for it, xu (nu) pseudo-labelled by the first fit.
 * Both borrowed, weighed already. */
static int fit_self(og_infer_doc_model **out, struct feature_node **xl, const int *kinds, size_t n,
                    struct feature_node **xu, size_t nu, const og_infer_doc_opts *o)
{
    const double blocks[3] = {o->concepts, o->title, o->shape};
    og_infer_doc_model *m = NULL;
    struct feature_node **x = NULL;
    int *k = NULL, error;
    pick *picks = NULL;
    size_t np = 0, cap = (size_t)(o->self_share * (double)n);
    *out = NULL;
    if ((error = og_infer__doc_fit_nodes(&m, xl, kinds, n, blocks)) < 0 || nu == 0 ||
        o->self_min <= 0 || cap == 0)
        goto done;
    if (!(picks = calloc(nu, sizeof(*picks))) || !(x = calloc(n + nu, sizeof(*x))) ||
        !(k = calloc(n + nu, sizeof(*k)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nu; i++) {
        double p[OG_INFER_DOC_NKINDS];
        int best = 0;
        og_infer__doc_probs_nodes(m, xu[i], p, NULL);
        for (int c = 1; c < OG_INFER_DOC_NKINDS; c++)
            if (p[c] > p[best])
                best = c;
        if (p[best] >= o->self_min)
            picks[np++] = (pick){i, best, p[best]};
    }
    if (np == 0)
        goto done;
    qsort(picks, np, sizeof(*picks), by_conf);
    if (np > cap)
        np = cap;
    memcpy(x, xl, n * sizeof(*x));
    memcpy(k, kinds, n * sizeof(*k));
    for (size_t i = 0; i < np; i++) {
        x[n + i] = xu[picks[i].i];
        k[n + i] = picks[i].kind;
    }
    og_infer_doc_model_free(m);
    m = NULL;
    if ((error = og_infer__doc_fit_nodes(&m, x, k, n + np, blocks)) >= 0)
        og_infer__doc_model_set_pseudo(m, np);
done:
    if (error >= 0) {
        *out = m;
        m = NULL;
    }
    og_infer_doc_model_free(m);
    free(picks);
    free(x);
    free(k);
    return error;
}

/* One document's feature nodes, from its text or from its stored vector. */
typedef int (*nodes_fn)(const void *doc, const double blocks[3], struct feature_node **out);

static int text_nodes(const void *doc, const double blocks[3], struct feature_node **out)
{
    return og_infer__doc_nodes(doc, blocks, out);
}

typedef void (*cues_fn)(const void *doc, int cues[OG_INFER__CUES]);

static void text_cues(const void *doc, int cues[OG_INFER__CUES])
{
    og_infer__doc_cues(doc ? doc : "", cues);
}

static void vector_cues(const void *doc, int cues[OG_INFER__CUES])
{
    og_infer__doc_vector_cues((json_t *)doc, cues);
}

static int vector_nodes(const void *doc, const double blocks[3], struct feature_node **out)
{
    return og_infer__doc_vector_nodes((json_t *)doc, blocks, out);
}

/* The learned second stage of m (doc_structure.c), stacked: the first stage fitted on each half
 * of the labelled documents gives the other half its decision values, which with the documents'
 * cues and kinds fits the second stage. Too few documents, or a half with one kind: none (the fixed
 * rules stand in). */
static int stack(og_infer_doc_model *m, struct feature_node **xl, const int *kinds,
                 const int (*cues)[OG_INFER__CUES], size_t n, const double blocks[3])
{
    double(*ev)[OG_INFER_DOC_NKINDS] = calloc(n, sizeof(*ev));
    double(*bias)[OG_INFER_DOC_NKINDS] = calloc(n, sizeof(*bias));
    int *chosen = calloc(n, sizeof(*chosen));
    struct feature_node **xs = calloc(n, sizeof(*xs));
    int *ks = calloc(n, sizeof(*ks)), error = 0;
    if (n < STACK_MIN)
        goto done;
    if (!ev || !bias || !chosen || !xs || !ks) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < 2 && error >= 0; f++) {
        og_infer_doc_model *half = NULL;
        size_t h = 0;
        for (size_t i = 0; i < n; i++)
            if (i % 2 != f) {
                xs[h] = xl[i];
                ks[h++] = kinds[i];
            }
        if ((error = og_infer__doc_fit_nodes(&half, xs, ks, h, blocks)) < 0)
            break;
        for (size_t i = f; i < n; i += 2) {
            double p[OG_INFER_DOC_NKINDS];
            og_infer__doc_probs_nodes(half, xl[i], p, ev[i]);
            chosen[i] = og_infer__doc_choose(p, ev[i]);
            for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) { /* the decision value */
                bias[i][k] = og_infer__doc_model_bias(half, k);
                ev[i][k] += bias[i][k];
            }
        }
        og_infer_doc_model_free(half);
    }
    if (error >= 0)
        error = og_infer__stage2_fit(
            og_infer__doc_model_stage2(m), (const double(*)[OG_INFER_DOC_NKINDS])ev,
            (const double(*)[OG_INFER_DOC_NKINDS])bias, chosen, cues, kinds, n);
    if (error == OG_ECONFLICT) /* one kind in a half: no second stage */
        error = 0;
done:
    free(ev);
    free(bias);
    free(chosen);
    free(xs);
    free(ks);
    return error;
}

/* The labelled documents l (kinds) and unlabelled u made nodes by nodes(), then fit_self, then
 * the second stage over the labelled ones' cues (cues_of). */
static int fit_docs(og_infer_doc_model **out, nodes_fn nodes, cues_fn cues_of, const void *const *l,
                    const int *kinds, size_t n, const void *const *u, size_t nu,
                    const og_infer_doc_opts *opts)
{
    const og_infer_doc_opts *o = opts ? opts : &og_infer_doc_opts_default;
    const double blocks[3] = {o->concepts, o->title, o->shape};
    struct feature_node **xl = calloc(n ? n : 1, sizeof(*xl)),
                        **xu = calloc(nu ? nu : 1, sizeof(*xu));
    int(*cues)[OG_INFER__CUES] = calloc(n ? n : 1, sizeof(*cues));
    int error = xl && xu && cues ? 0 : og_error_set(OG_ERROR, "out of memory");
    *out = NULL;
    for (size_t i = 0; i < n && error >= 0; i++) {
        error = nodes(l[i], blocks, &xl[i]);
        cues_of(l[i], cues[i]);
    }
    for (size_t i = 0; i < nu && error >= 0; i++)
        error = nodes(u[i], blocks, &xu[i]);
    if (error >= 0)
        error = fit_self(out, xl, kinds, n, xu, nu, o);
    if (error >= 0 &&
        (error = stack(*out, xl, kinds, (const int(*)[OG_INFER__CUES])cues, n, blocks)) < 0) {
        og_infer_doc_model_free(*out);
        *out = NULL;
    }
    og_infer__doc_nodes_free(xl, n);
    og_infer__doc_nodes_free(xu, nu);
    free(cues);
    return error;
}

int og_infer_doc_fit_with(og_infer_doc_model **out, const char *const *texts, const int *kinds,
                          size_t n, const char *const *unlabelled, size_t nu,
                          const og_infer_doc_opts *opts)
{
    return fit_docs(out, text_nodes, text_cues, (const void *const *)texts, kinds, n,
                    (const void *const *)unlabelled, nu, opts);
}

int og_infer_doc_fit(og_infer_doc_model **out, const char *const *texts, const int *kinds, size_t n)
{
    return og_infer_doc_fit_with(out, texts, kinds, n, NULL, 0, NULL);
}

int og_infer__doc_fit_vectors(og_infer_doc_model **out, json_t *const *vectors, const int *kinds,
                              size_t n, json_t *const *unlabelled, size_t nu,
                              const og_infer_doc_opts *opts)
{
    return fit_docs(out, vector_nodes, vector_cues, (const void *const *)vectors, kinds, n,
                    (const void *const *)unlabelled, nu, opts);
}
