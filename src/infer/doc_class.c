/* doc_class.c - the document classifier of artifact indexing: a document's text as hashed word,
 * word-pair and character n-gram features (2^18 dimensions, log term frequency, L2-normalised;
 * the words themselves are never kept), and a multi-class logistic regression over them
 * (liblinear, one against the rest) that proposes its kind. A model is the classes, the bias and
 * {hashed dimension: [weight per class]}: numbers only, no tenant text. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <ctype.h>
#include <linear.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM_BITS 18
#define DIM      (1u << DIM_BITS)
/* after the hashed n-grams: the lexicon's concepts, the title's concepts, the shape */
#define XDIM (2 * OG_INFER__CONCEPTS + OG_INFER__SHAPES)
#define BIAS ((int)(DIM + XDIM) + 1)
/* what of a document is read for its kind: its beginning says what it is */
#define FEATURE_TEXT_MAX ((size_t)256 << 10)
#define WORD_MAX         48

const char *const og_infer_doc_kinds[] = {"sow",     "change-order", "runbook",
                                          "closure", "other",        NULL};

int og_infer_doc_kind_index(const char *kind)
{
    for (int i = 0; kind && og_infer_doc_kinds[i]; i++)
        if (strcmp(kind, og_infer_doc_kinds[i]) == 0)
            return i;
    return -1;
}

struct og_infer_doc_model {
    int nclass;
    int labels[OG_INFER_DOC_NKINDS];
    double bias[OG_INFER_DOC_NKINDS];
    double blocks[3]; /* the weights of the concepts, title and shape blocks it was fitted with */
    size_t pseudo;    /* the pseudo-labelled documents of its fit (self-training) */
    json_t *w;        /* {"dimension": [weight per class in labels' order]} */
    og_infer__stage2 s2; /* the learned second stage (doc_structure.c) */
};

og_infer__stage2 *og_infer__doc_model_stage2(og_infer_doc_model *m)
{
    return &m->s2;
}

const og_infer__stage2 *og_infer__doc_model_stage2_of(const og_infer_doc_model *m)
{
    return &m->s2;
}

double og_infer__doc_model_bias(const og_infer_doc_model *m, int kind)
{
    for (int c = 0; c < m->nclass; c++)
        if (m->labels[c] == kind)
            return m->bias[c];
    return 0;
}

static uint32_t fnv(const char *s, size_t n, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

typedef struct grams {
    uint32_t *idx;
    size_t n, alloc;
} grams;

static int grams_add(grams *g, uint32_t h)
{
    if (g->n == g->alloc) {
        size_t na = g->alloc ? g->alloc * 2 : 4096;
        uint32_t *p = realloc(g->idx, na * sizeof(*p));
        if (!p)
            return og_error_set(OG_ERROR, "out of memory");
        g->idx = p;
        g->alloc = na;
    }
    g->idx[g->n++] = (h & (DIM - 1)) + 1; /* liblinear counts from 1 */
    return 0;
}

/* The next word of text from *pos: lowercase letters and digits, Latin letters with accents
 * folded to ASCII (og_infer__fold: "Änderung" is "anderung"), bytes of other scripts as they
 * are, every digit as '0' so that amounts and dates are a shape, not a value. */
static size_t next_word(const char *text, size_t len, size_t *pos, char *w)
{
    size_t n = 0;
    int started = 0;
    while (*pos < len) {
        const unsigned char *p = (const unsigned char *)text + *pos;
        char f[3];
        size_t used, k = isalnum(*p) ? 1 : *p >= 0x80 ? og_infer__fold(p, len - *pos, f, &used) : 0;
        if (isalnum(*p)) {
            f[0] = (char)*p;
            used = 1;
        } else if (*p < 0x80)
            used = 1;
        if (k == 0) {
            *pos += used;
            if (started)
                break;
            continue;
        }
        started = 1;
        *pos += used;
        for (size_t i = 0; i < k && n < WORD_MAX; i++)
            w[n++] = isdigit((unsigned char)f[i]) ? '0' : (char)tolower((unsigned char)f[i]);
    }
    w[n] = '\0';
    return n;
}

/* The language-independent features of a document: how often it names each concept of the
 * lexicon, the concepts its title (first line) names, and its shape. */
typedef struct doc_extra {
    int concept[OG_INFER__CONCEPTS];
    int title[OG_INFER__CONCEPTS];
    int shape[OG_INFER__SHAPES];
    int nshape;
} doc_extra;

/* The hashed n-grams of text: words, pairs of neighbouring words, and the character 3- and
 * 4-grams of each word padded with spaces; the concepts its words name into ex. */
static int doc_grams(const char *text, grams *g, doc_extra *ex)
{
    size_t len = strnlen(text, FEATURE_TEXT_MAX), pos = 0, n, prev_n = 0;
    size_t title_end = strcspn(text + strspn(text, " \t\r\n#"), "\n") + strspn(text, " \t\r\n#");
    char w[WORD_MAX + 3], prev[WORD_MAX + 1] = "", pair[2 * WORD_MAX + 2];
    int error = 0, ids[4];
    while (error >= 0 && (n = next_word(text, len, &pos, w + 1)) > 0) {
        int nc = og_infer__concepts(w + 1, n, ids, 4);
        for (int c = 0; c < nc; c++) {
            ex->concept[ids[c]]++;
            if (pos <= title_end + 1)
                ex->title[ids[c]] = 1;
        }
        error = grams_add(g, fnv(w + 1, n, 1));
        if (error >= 0 && prev_n) {
            /* "prev word": both fit (WORD_MAX each) */
            memcpy(pair, prev, prev_n);
            pair[prev_n] = ' ';
            memcpy(pair + prev_n + 1, w + 1, n);
            error = grams_add(g, fnv(pair, prev_n + 1 + n, 2));
        }
        w[0] = ' ';
        w[n + 1] = ' ';
        for (int q = 3; q <= 4 && error >= 0; q++)
            for (size_t i = 0; i + (size_t)q <= n + 2 && error >= 0; i++)
                error = grams_add(g, fnv(w + i, (size_t)q, (uint32_t)q));
        memcpy(prev, w + 1, n);
        prev[n] = '\0';
        prev_n = n;
    }
    ex->nshape = og_infer__doc_shape(text, len, ex->shape, OG_INFER__SHAPES);
    return error;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort the n gram indices (1..DIM) in increasing order: a radix sort of two 10-bit digits, a
 * tenth of qsort's time on a 50 KB document's ~100,000 grams (qsort with its comparator was a
 * third of a proposal's CPU); qsort when the scratch buffer cannot be had. */
#define RADIX_BITS 10
static void grams_sort(uint32_t *idx, size_t n)
{
    size_t count[(1u << RADIX_BITS) + 1];
    uint32_t *tmp = n > 64 ? malloc(n * sizeof(*tmp)) : NULL, *from = idx, *to = tmp;
    _Static_assert(DIM_BITS + 1 <= 2 * RADIX_BITS, "two digits must hold an index");
    if (!tmp) {
        qsort(idx, n, sizeof(*idx), by_u32);
        return;
    }
    for (unsigned shift = 0; shift < 2 * RADIX_BITS; shift += RADIX_BITS) {
        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < n; i++)
            count[((from[i] >> shift) & ((1u << RADIX_BITS) - 1)) + 1]++;
        for (size_t d = 1; d <= (1u << RADIX_BITS); d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i] >> shift) & ((1u << RADIX_BITS) - 1)]++] = from[i];
        uint32_t *t = from;
        from = to;
        to = t;
    }
    /* two passes: the sorted indices are back in idx */
    free(tmp);
}

/* The weights of the language-independent blocks against the n-grams' (each block is scaled
 * to this length): what a model can still read in a language it has no labels in. Chosen by
 * bench_infer's ablation table (docs/inference.md); the shape weighs 1 since the structure
 * measures came (issue 21: the held-out writer family 0.588 at 0.5, 0.603 at 1); self-training
 * is off, it did not help. */
const og_infer_doc_opts og_infer_doc_opts_default = {
    .concepts = 0.5, .title = 0.5, .shape = 1.0, .self_min = 0, .self_share = 0};

/* Append the block of count[0..n) at index base + i + 1, 1 + log(count) scaled to unit length. */
static size_t block(struct feature_node *x, size_t k, const int *count, int n, uint32_t base)
{
    double norm = 0;
    size_t from = k;
    for (int i = 0; i < n; i++)
        if (count[i] > 0) {
            x[k].index = (int)(base + (uint32_t)i + 1);
            x[k].value = 1.0 + log((double)count[i]);
            norm += x[k].value * x[k].value;
            k++;
        }
    for (size_t i = from; i < k && norm > 0; i++)
        x[i].value /= sqrt(norm);
    return k;
}

/* The features of text as liblinear nodes, indices increasing: the n-grams' values 1 + log(count)
 * scaled to unit length, then the concepts, the title's concepts and the shape (each block of
 * unit length too: blocks_scale() weighs them), then the bias node (index BIAS) and the
 * terminator. *out: caller frees. */
static int doc_nodes(const char *text, struct feature_node **out)
{
    grams g = {0};
    doc_extra ex;
    int shape[OG_INFER__SHAPES] = {0};
    struct feature_node *x = NULL;
    size_t k = 0;
    double norm = 0;
    int error;
    *out = NULL;
    memset(&ex, 0, sizeof(ex));
    if ((error = doc_grams(text, &g, &ex)) < 0)
        goto cleanup;
    if (g.n > 0) /* an empty text has no grams (and g.idx is NULL) */
        grams_sort(g.idx, g.n);
    if (!(x = calloc(g.n + XDIM + 2, sizeof(*x)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < g.n;) {
        size_t j = i;
        while (j < g.n && g.idx[j] == g.idx[i])
            j++;
        x[k].index = (int)g.idx[i];
        x[k].value = 1.0 + log((double)(j - i));
        norm += x[k].value * x[k].value;
        k++;
        i = j;
    }
    for (size_t i = 0; i < k; i++)
        x[i].value /= sqrt(norm);
    for (int i = 0; i < ex.nshape; i++)
        shape[ex.shape[i]] = 1;
    k = block(x, k, ex.concept, OG_INFER__CONCEPTS, DIM);
    k = block(x, k, ex.title, OG_INFER__CONCEPTS, DIM + OG_INFER__CONCEPTS);
    k = block(x, k, shape, OG_INFER__SHAPES, DIM + 2 * OG_INFER__CONCEPTS);
    x[k].index = BIAS;
    x[k++].value = 1.0;
    x[k].index = -1;
    *out = x;
    x = NULL;
cleanup:
    free(g.idx);
    free(x);
    return error;
}

/* Weigh the blocks of x (unit length each, as doc_nodes() makes them) by w: concepts, title,
 * shape. */
static void blocks_scale(struct feature_node *x, const double w[3])
{
    for (size_t i = 0; x[i].index != -1 && x[i].index != BIAS; i++)
        if (x[i].index > (int)DIM)
            x[i].value *= w[(x[i].index - (int)DIM - 1) / OG_INFER__CONCEPTS > 2
                                ? 2
                                : (x[i].index - (int)DIM - 1) / OG_INFER__CONCEPTS];
}

static void quiet(const char *s)
{
    (void)s;
}
static void quiet_once(void)
{
    set_print_string_function(quiet);
}

/* The model's weights from liblinear's: w is nr_feature rows of nr_class columns (one column for
 * label[0] with two classes). */
static int from_liblinear(const struct model *lm, og_infer_doc_model *m)
{
    int nc = lm->nr_class, cols = nc == 2 ? 1 : nc;
    char key[16];
    m->nclass = nc;
    for (int c = 0; c < nc; c++)
        m->labels[c] = lm->label[c];
    if (!(m->w = json_object()))
        return og_error_set(OG_ERROR, "out of memory");
    for (int f = 0; f < lm->nr_feature; f++) {
        const double *row = lm->w + (size_t)f * (size_t)cols;
        int any = 0;
        for (int c = 0; c < cols; c++)
            any |= fabs(row[c]) > 1e-6;
        if (!any)
            continue;
        json_t *a = json_array();
        for (int c = 0; c < nc; c++)
            json_array_append_new(
                a, json_real(round((cols == 1 ? (c ? -row[0] : row[0]) : row[c]) * 1e6) / 1e6));
        snprintf(key, sizeof(key), "%d", f + 1);
        json_object_set_new(m->w, key, a);
    }
    const double *b = lm->w + (size_t)lm->nr_feature * (size_t)cols;
    for (int c = 0; c < nc; c++)
        m->bias[c] = cols == 1 ? (c ? -b[0] : b[0]) : b[c];
    return 0;
}

int og_infer__doc_fit_nodes(og_infer_doc_model **out, struct feature_node **x, const int *kinds,
                            size_t n, const double blocks[3])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct problem p;
    struct parameter par;
    struct model *lm = NULL;
    og_infer_doc_model *m = NULL;
    int error = 0, seen = 0;
    const char *bad;
    memset(&p, 0, sizeof(p));
    memset(&par, 0, sizeof(par));
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] < 0 || kinds[i] >= OG_INFER_DOC_NKINDS)
            return og_error_set(OG_EINVAL, "document %zu has no known kind", i);
        seen |= 1 << kinds[i];
    }
    if (n < 2 || (seen & (seen - 1)) == 0)
        return og_error_set(OG_ECONFLICT,
                            "%zu labelled documents: a model needs two kinds at least", n);
    pthread_once(&once, quiet_once);
    p.l = (int)n;
    p.n = BIAS; /* + the bias feature */
    p.bias = 1.0;
    p.x = x;
    p.y = calloc(n, sizeof(double));
    if (!p.y || !(m = calloc(1, sizeof(*m)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        p.y[i] = kinds[i];
    par.solver_type = L2R_LR;
    par.eps = 0.01;
    par.C = 10.0; /* unit-length documents: little regularisation fits them best */
    if ((bad = check_parameter(&p, &par))) {
        error = og_error_set(OG_ERROR, "liblinear: %s", bad);
        goto cleanup;
    }
    if (!(lm = train(&p, &par))) {
        error = og_error_set(OG_ERROR, "liblinear could not train the document model");
        goto cleanup;
    }
    if ((error = from_liblinear(lm, m)) < 0)
        goto cleanup;
    memcpy(m->blocks, blocks, sizeof(m->blocks));
    *out = m;
    m = NULL;
cleanup:
    if (lm)
        free_and_destroy_model(&lm);
    free(p.y);
    og_infer_doc_model_free(m);
    return error;
}

void og_infer__doc_nodes_free(struct feature_node **x, size_t n)
{
    for (size_t i = 0; x && i < n; i++)
        free(x[i]);
    free(x);
}

int og_infer__doc_nodes(const char *text, const double blocks[3], struct feature_node **out)
{
    int error = doc_nodes(text ? text : "", out);
    if (error >= 0)
        blocks_scale(*out, blocks);
    return error;
}

/* v ({"dimension": value}) as nodes in increasing order, the bias node, the terminator */
int og_infer__doc_vector_nodes(json_t *v, const double blocks[3], struct feature_node **out)
{
    size_t k = 0, n = json_object_size(v);
    const char *key;
    json_t *val;
    struct feature_node *x = calloc(n + 2, sizeof(*x));
    if (!x)
        return og_error_set(OG_ERROR, "out of memory");
    json_object_foreach(v, key, val)
    {
        long idx = strtol(key, NULL, 10);
        if (idx < 1 || idx >= (long)BIAS || !json_is_number(val))
            continue;
        x[k].index = (int)idx;
        x[k++].value = json_number_value(val);
    }
    /* increasing indices: an insertion sort, the object's keys are mostly in order */
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && x[b - 1].index > x[b].index; b--) {
            struct feature_node t = x[b];
            x[b] = x[b - 1];
            x[b - 1] = t;
        }
    x[k].index = BIAS;
    x[k++].value = 1.0;
    x[k].index = -1;
    blocks_scale(x, blocks);
    *out = x;
    return 0;
}

int og_infer__doc_vector(const char *text, json_t **out)
{
    struct feature_node *x = NULL;
    char key[16];
    int error;
    *out = NULL;
    if ((error = doc_nodes(text ? text : "", &x)) < 0)
        return error;
    json_t *v = json_object();
    for (size_t i = 0; v && x[i].index != BIAS; i++) {
        snprintf(key, sizeof(key), "%d", x[i].index);
        json_object_set_new(v, key, json_real(round(x[i].value * 1e6) / 1e6));
    }
    free(x);
    if (!v)
        return og_error_set(OG_ERROR, "out of memory");
    /* the structure cues the second stage reads (no dimension: the first stage skips them) */
    int cues[OG_INFER__CUES];
    og_infer__doc_cues(text ? text : "", cues);
    for (int c = 0; c < OG_INFER__CUES; c++)
        if (cues[c])
            json_object_set_new(v, og_infer__cue_key[c], json_integer(1));
    *out = v;
    return 0;
}

void og_infer__doc_probs_nodes(const og_infer_doc_model *m, const struct feature_node *x,
                               double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS])
{
    double dec[OG_INFER_DOC_NKINDS], sum = 0;
    char key[16];
    for (int c = 0; c < m->nclass; c++)
        dec[c] = m->bias[c];
    for (size_t i = 0; x[i].index != BIAS && x[i].index != -1; i++) {
        snprintf(key, sizeof(key), "%d", x[i].index);
        json_t *row = json_object_get(m->w, key);
        for (int c = 0; row && c < m->nclass; c++)
            dec[c] += x[i].value * json_number_value(json_array_get(row, (size_t)c));
    }
    /* the evidence: what the document's features say for each kind, without the bias (the
     * prior a kind has whatever the text) */
    for (int k = 0; ev && k < OG_INFER_DOC_NKINDS; k++)
        ev[k] = -HUGE_VAL;
    for (int c = 0; ev && c < m->nclass; c++)
        ev[m->labels[c]] =
            m->nclass == 2 ? (c == 0 ? 1 : -1) * (dec[0] - m->bias[0]) : dec[c] - m->bias[c];
    /* liblinear's probabilities of one against the rest: each class's sigmoid, normalised (with
     * two classes the first's sigmoid and its complement) */
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        p[k] = 0;
    for (int c = 0; c < m->nclass; c++) {
        dec[c] = 1.0 / (1.0 + exp(-dec[c]));
        sum += dec[c];
    }
    for (int c = 0; c < m->nclass; c++)
        p[m->labels[c]] = m->nclass == 2 ? (c == 0 ? dec[0] : 1 - dec[0]) : dec[c] / sum;
}

int og_infer__doc_probs(const og_infer_doc_model *m, const char *text,
                        double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS])
{
    struct feature_node *x = NULL;
    int error;
    if ((error = og_infer__doc_nodes(text, m->blocks, &x)) < 0)
        return error;
    og_infer__doc_probs_nodes(m, x, p, ev);
    free(x);
    return 0;
}

int og_infer__doc_probs2(const og_infer_doc_model *a, const og_infer_doc_model *b, const char *text,
                         double pa[OG_INFER_DOC_NKINDS], double ea[OG_INFER_DOC_NKINDS],
                         double pb[OG_INFER_DOC_NKINDS], double eb[OG_INFER_DOC_NKINDS])
{
    struct feature_node *x = NULL, *y = NULL;
    size_t n = 0;
    int error;
    /* the text's features once: the tokens, n-grams, concepts and shape are the models' same */
    if ((error = doc_nodes(text ? text : "", &x)) < 0)
        return error;
    if (memcmp(a->blocks, b->blocks, sizeof(a->blocks)) != 0) {
        while (x[n].index != -1)
            n++;
        if (!(y = malloc((n + 1) * sizeof(*y)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        memcpy(y, x, (n + 1) * sizeof(*y));
        blocks_scale(y, b->blocks);
    }
    blocks_scale(x, a->blocks);
    og_infer__doc_probs_nodes(a, x, pa, ea);
    og_infer__doc_probs_nodes(b, y ? y : x, pb, eb);
cleanup:
    free(x);
    free(y);
    return error;
}

int og_infer__doc_choose(const double p[OG_INFER_DOC_NKINDS], const double ev[OG_INFER_DOC_NKINDS])
{
    int best = -1, kind = -1, other = OG_INFER_DOC_NKINDS - 1;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        if (p[k] > 0 && (best < 0 || p[k] > p[best]))
            best = k;
        if (k != other && p[k] > 0 && (kind < 0 || p[k] > p[kind]))
            kind = k;
    }
    /* "other" is no fallback: it must also win on the document's evidence alone, its features'
     * score above every kind's by OG_INFER__DOC_OTHER_MARGIN, not by its prior (the bias) */
    if (best == other && kind >= 0 && ev && ev[other] < ev[kind] + OG_INFER__DOC_OTHER_MARGIN)
        return kind;
    return best < 0 ? other : best;
}

int og_infer_doc_predict(const og_infer_doc_model *m, const char *text, double *confidence)
{
    double p[OG_INFER_DOC_NKINDS], ev[OG_INFER_DOC_NKINDS];
    int error, best;
    if ((error = og_infer__doc_probs(m, text, p, ev)) < 0)
        return error;
    og_infer__doc_stage(m, text ? text : "", p, ev, NULL);
    best = og_infer__doc_choose(p, ev);
    if (confidence)
        *confidence = p[best];
    return best;
}

json_t *og_infer__doc_alternatives(const double p[OG_INFER_DOC_NKINDS], int chosen)
{
    json_t *a = json_array();
    for (int k = 0; a && k < OG_INFER_DOC_NKINDS; k++)
        if (k != chosen && p[k] > 0 && p[chosen] - p[k] < OG_INFER__DOC_CLOSE)
            json_array_append_new(a, json_pack("{s:s, s:f}", "kind", og_infer_doc_kinds[k],
                                               "confidence", round(p[k] * 1000) / 1000));
    return a;
}

int og_infer_doc_alternatives(const og_infer_doc_model *m, const char *text, json_t **out)
{
    double p[OG_INFER_DOC_NKINDS], ev[OG_INFER_DOC_NKINDS];
    int error, best;
    *out = NULL;
    if ((error = og_infer__doc_probs(m, text, p, ev)) < 0)
        return error;
    og_infer__doc_stage(m, text ? text : "", p, ev, NULL);
    best = og_infer__doc_choose(p, ev);
    json_t *alt = og_infer__doc_alternatives(p, best);
    if (!alt ||
        !(*out = json_pack("[{s:s, s:f}]", "kind", og_infer_doc_kinds[best], "confidence",
                           round(p[best] * 1000) / 1000)) ||
        json_array_extend(*out, alt) < 0) {
        json_decref(alt);
        json_decref(*out);
        *out = NULL;
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_decref(alt);
    return 0;
}

size_t og_infer_doc_model_pseudo(const og_infer_doc_model *m)
{
    return m ? m->pseudo : 0;
}

void og_infer__doc_model_set_pseudo(og_infer_doc_model *m, size_t n)
{
    m->pseudo = n;
}

void og_infer_doc_model_free(og_infer_doc_model *m)
{
    if (!m)
        return;
    json_decref(m->w);
    free(m);
}

json_t *og_infer__doc_model_dump(const og_infer_doc_model *m)
{
    json_t *labels = json_array(), *bias = json_array();
    for (int c = 0; c < m->nclass; c++) {
        json_array_append_new(labels, json_string(og_infer_doc_kinds[m->labels[c]]));
        json_array_append_new(bias, json_real(m->bias[c]));
    }
    json_t *out = json_pack("{s:o, s:o, s:[f,f,f], s:O}", "classes", labels, "bias", bias, "blocks",
                            m->blocks[0], m->blocks[1], m->blocks[2], "w", m->w);
    if (out && m->s2.on)
        json_object_set_new(out, "stage2", og_infer__stage2_dump(&m->s2));
    return out;
}

int og_infer__doc_model_load(json_t *doc, og_infer_doc_model **out)
{
    json_t *labels = json_object_get(doc, "classes"), *bias = json_object_get(doc, "bias");
    og_infer_doc_model *m;
    size_t n = json_array_size(labels);
    *out = NULL;
    if (n < 2 || n > OG_INFER_DOC_NKINDS || json_array_size(bias) != n ||
        !json_is_object(json_object_get(doc, "w")))
        return og_error_set(OG_ECORRUPT, "the stored document model is malformed");
    if (!(m = calloc(1, sizeof(*m))))
        return og_error_set(OG_ERROR, "out of memory");
    m->nclass = (int)n;
    for (size_t c = 0; c < n; c++) {
        int k = og_infer_doc_kind_index(json_string_value(json_array_get(labels, c)));
        if (k < 0) {
            og_infer_doc_model_free(m);
            return og_error_set(OG_ECORRUPT, "the stored document model has an unknown kind");
        }
        m->labels[c] = k;
        m->bias[c] = json_number_value(json_array_get(bias, c));
    }
    /* a model stored before the language-independent blocks has no weight for them */
    for (size_t b = 0; b < 3; b++)
        m->blocks[b] = json_number_value(json_array_get(json_object_get(doc, "blocks"), b));
    m->w = json_incref(json_object_get(doc, "w"));
    /* a model stored before the learned second stage has none: the fixed rules stand in */
    if (og_infer__stage2_load(json_object_get(doc, "stage2"), &m->s2) < 0) {
        og_infer_doc_model_free(m);
        return og_error_set(OG_ECORRUPT, "the stored document model's second stage is malformed");
    }
    *out = m;
    return 0;
}

/* Name the n-gram dimension of hash h in names (kind "w:", "p:" or "g:" and the n bytes of s),
 * the first text that hashed to it. */
static void explain_name(char **names, uint32_t h, const char *s, size_t n, const char *kind)
{
    uint32_t d = (h & (DIM - 1)) + 1;
    char buf[128];
    if (names[d])
        return;
    snprintf(buf, sizeof(buf), "%s'%.*s'", kind, (int)n, s);
    names[d] = strdup(buf);
}

int og_infer__doc_explain(const og_infer_doc_model *m, const char *text, int a, int b,
                          og_infer__explain_fn fn, void *arg)
{
    struct feature_node *x = NULL;
    char **names = NULL, w[WORD_MAX + 3], prev[WORD_MAX + 1] = "", pair[2 * WORD_MAX + 2], key[16];
    size_t len, pos = 0, n, prev_n = 0;
    int error, ca = -1, cb = -1;
    text = text ? text : "";
    len = strnlen(text, FEATURE_TEXT_MAX);
    for (int c = 0; c < m->nclass; c++) {
        ca = m->labels[c] == a ? c : ca;
        cb = m->labels[c] == b ? c : cb;
    }
    if (ca < 0 || cb < 0)
        return og_error_set(OG_EINVAL, "the model has no class %d or %d", a, b);
    if ((error = og_infer__doc_nodes(text, m->blocks, &x)) < 0)
        return error;
    if (!(names = calloc(DIM + 1, sizeof(*names)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* the words, pairs and grams as doc_grams() hashes them, first name wins */
    while ((n = next_word(text, len, &pos, w + 1)) > 0) {
        explain_name(names, fnv(w + 1, n, 1), w + 1, n, "w:");
        if (prev_n) {
            memcpy(pair, prev, prev_n);
            pair[prev_n] = ' ';
            memcpy(pair + prev_n + 1, w + 1, n);
            explain_name(names, fnv(pair, prev_n + 1 + n, 2), pair, prev_n + 1 + n, "p:");
        }
        w[0] = ' ';
        w[n + 1] = ' ';
        for (int q = 3; q <= 4; q++)
            for (size_t i = 0; i + (size_t)q <= n + 2; i++)
                explain_name(names, fnv(w + i, (size_t)q, (uint32_t)q), w + i, (size_t)q, "g:");
        memcpy(prev, w + 1, n);
        prev[n] = '\0';
        prev_n = n;
    }
    for (size_t i = 0; x[i].index != BIAS && x[i].index != -1; i++) {
        snprintf(key, sizeof(key), "%d", x[i].index);
        json_t *row = json_object_get(m->w, key);
        double wa = row ? json_number_value(json_array_get(row, (size_t)ca)) : 0;
        double wb = row ? json_number_value(json_array_get(row, (size_t)cb)) : 0;
        char label[96];
        int idx = x[i].index,
            blk = idx <= (int)DIM ? 0 : 1 + (idx - (int)DIM - 1) / OG_INFER__CONCEPTS;
        blk = blk > 3 ? 3 : blk;
        if (blk == 0)
            snprintf(label, sizeof(label), "%s", names[idx] ? names[idx] : "?");
        else if (blk < 3)
            snprintf(label, sizeof(label), "%s%s", blk == 1 ? "c:" : "t:",
                     og_infer__concept_name((idx - (int)DIM - 1) % OG_INFER__CONCEPTS));
        else {
            int id = idx - (int)DIM - 1 - 2 * OG_INFER__CONCEPTS;
            snprintf(label, sizeof(label), "s:m%d/b%d", id / 5, id % 5);
        }
        fn(arg, blk, label, x[i].value * (wa - wb));
    }
    fn(arg, 4, "bias", m->bias[ca] - m->bias[cb]);
cleanup:
    for (size_t i = 0; names && i <= DIM; i++)
        free(names[i]);
    free(names);
    free(x);
    return error;
}
