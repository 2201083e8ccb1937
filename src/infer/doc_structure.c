/* doc_structure.c - the classifier's second stage (issue 21): structure a kind has whoever
 * writes it, in any language, decides between kinds that words alone confuse when a writer uses
 * none of the trade's terms. Two cues: a document whose amounts read "before, after, the
 * difference" (three amounts in a row, the second the first plus or minus the third, the third
 * smaller than both: "$4,500.00 -> $5,401.00 (+$901.00)", "from EUR 12,400.00 to EUR 13,900.00,
 * that is EUR 1,500.00 more", a Was / Now / Difference table; amounts after a percentage are
 * shares of a sum, a payment schedule's 40%, 30%, 10%, and start the row again) amends; a
 * document that ticks off two lines or more ("- [x] ...", "✓ ...") closes.
 * The stage is learned: per kind, a weight for each cue added to the first model's decision
 * value, fitted from labels (og_infer__stage2_fit, stacked by doc_selftrain.c on documents the
 * first model did not see). A cue moves a document only between the kinds of its gate (amends:
 * SOW and change order; ticks: runbook, closure, other). A tenant's model has its own stage, so
 * its corrections retrain the cues for its proposals. A model stored before the learned stage
 * keeps the fixed rules (og_infer__doc_second_stage: a SOW that amends is a change order, an
 * "other" that closes is a closure, the two kinds' probabilities and evidence swapped). */
#include "infer/infer_internal.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SO_MAX_TEXT ((size_t)256 << 10)

enum { K_SOW = 0, K_CHANGE = 1, K_RUNBOOK = 2, K_CLOSURE = 3, K_OTHER = OG_INFER_DOC_NKINDS - 1 };

/* the amount value ("12500.00", "12500") in cents */
static long long cents_of(const char *v)
{
    long long u = 0, c = 0;
    const char *p = v;
    while (isdigit((unsigned char)*p) && u < 1000000000000LL)
        u = u * 10 + (*p++ - '0');
    if (*p == '.' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]))
        c = (p[1] - '0') * 10 + (p[2] - '0');
    return u * 100 + c;
}

typedef struct amends_walk {
    long long a[3];
    int n, share;
} amends_walk;

static int amends_token(void *arg, const char *gap, size_t gap_len, const char *value, int money)
{
    amends_walk *w = arg;
    w->share |= memchr(gap, '%', gap_len) != NULL;
    if (!value || !money) /* a date's numbers are no amount; a bare number neither */
        return 0;
    /* an amount after a percentage is a share of a sum (a payment schedule's 40%, 30%, 10%:
     * the first less the second is the third): the row starts again */
    if (w->share)
        w->n = 0;
    w->share = 0;
    w->a[0] = w->a[1];
    w->a[1] = w->a[2];
    w->a[2] = cents_of(value);
    return ++w->n >= 3 && w->a[2] > 0 && w->a[2] < w->a[0] && w->a[2] < w->a[1] &&
           llabs(llabs(w->a[1] - w->a[0]) - w->a[2]) <= 1;
}

int og_infer__doc_amends(const char *text, size_t len)
{
    amends_walk w = {{0}, 0, 0};
    return og_infer__doc_tokens(text, len < SO_MAX_TEXT ? len : SO_MAX_TEXT, amends_token, &w);
}

int og_infer__doc_closes(const char *text, size_t len)
{
    int ids[OG_INFER__SHAPES], n;
    /* two ticked lines at least: the ticks' bucket 2 (2-3) and up */
    n = og_infer__doc_shape(text, len < SO_MAX_TEXT ? len : SO_MAX_TEXT, ids, OG_INFER__SHAPES);
    return og_infer__doc_shape_bucket(ids, n, OG_INFER__SHAPE_TICKS) >= 2;
}

static void swap_kinds(double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS], int a, int b)
{
    double t = p[a];
    p[a] = p[b];
    p[b] = t;
    if (ev) {
        t = ev[a];
        ev[a] = ev[b];
        ev[b] = t;
    }
}

int og_infer__doc_second_stage(const char *text, double p[OG_INFER_DOC_NKINDS],
                               double ev[OG_INFER_DOC_NKINDS])
{
    size_t len = strnlen(text, SO_MAX_TEXT);
    int chosen = og_infer__doc_choose(p, ev);
    if (chosen == K_SOW && p[K_CHANGE] > 0 && og_infer__doc_amends(text, len)) {
        swap_kinds(p, ev, K_SOW, K_CHANGE);
        return OG_INFER__STAGE_AMENDS;
    }
    if (chosen == K_OTHER && p[K_CLOSURE] > 0 && og_infer__doc_closes(text, len)) {
        swap_kinds(p, ev, K_OTHER, K_CLOSURE);
        return OG_INFER__STAGE_CLOSES;
    }
    return OG_INFER__STAGE_NONE;
}

const char *og_infer__doc_stage_reason(int stage)
{
    switch (stage) {
    case OG_INFER__STAGE_AMENDS:
        return "taken for a SOW by its words; its amounts read before, after and the difference";
    case OG_INFER__STAGE_CLOSES:
        return "taken for other by its words; it ticks off what was delivered";
    default:
        return NULL;
    }
}

void og_infer__doc_blend(const double pp[OG_INFER_DOC_NKINDS], const double ep[OG_INFER_DOC_NKINDS],
                         const double po[OG_INFER_DOC_NKINDS], const double eo[OG_INFER_DOC_NKINDS],
                         double a, double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                         int *kind)
{
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        /* a kind one of the two models does not know has no evidence there */
        p[k] = (1 - a) * pp[k] + a * po[k];
        ev[k] = (a < 1 ? (1 - a) * (isfinite(ep[k]) ? ep[k] : 0) : 0) +
                (a > 0 ? a * (isfinite(eo[k]) ? eo[k] : 0) : 0);
    }
    *kind = og_infer__doc_choose(p, ev);
}

/* ---- the learned second stage ---- */

const char *const og_infer__cue_key[OG_INFER__CUES] = {"cue:amends", "cue:ticks"};
const char *const og_infer__cue_name[OG_INFER__CUES] = {"amends", "ticks"};
const int og_infer__cue_gate[OG_INFER__CUES] = {1 << K_SOW | 1 << K_CHANGE,
                                                1 << K_RUNBOOK | 1 << K_CLOSURE | 1 << K_OTHER};

/* whether cue c, present or not, acts on a document the first stage took for chosen, for kind */
static int gated(int c, int chosen, int kind)
{
    return chosen >= 0 && (og_infer__cue_gate[c] >> chosen & 1) &&
           (og_infer__cue_gate[c] >> kind & 1);
}

void og_infer__doc_cues(const char *text, int cues[OG_INFER__CUES])
{
    size_t len = strnlen(text, SO_MAX_TEXT);
    cues[OG_INFER__CUE_AMENDS] = og_infer__doc_amends(text, len);
    cues[OG_INFER__CUE_TICKS] = og_infer__doc_closes(text, len);
}

void og_infer__doc_vector_cues(json_t *v, int cues[OG_INFER__CUES])
{
    for (int c = 0; c < OG_INFER__CUES; c++)
        cues[c] = json_integer_value(json_object_get(v, og_infer__cue_key[c])) != 0;
}

json_t *og_infer__stage2_dump(const og_infer__stage2 *s)
{
    json_t *out = json_object(), *kinds = json_object(), *docs = json_object();
    for (int k = 0; kinds && k < OG_INFER_DOC_NKINDS; k++) {
        if (!s->known[k])
            continue;
        json_t *row = json_array();
        for (int c = 0; row && c < OG_INFER__CUES; c++)
            json_array_append_new(row, json_real(round(s->w[k][c] * 1e6) / 1e6));
        json_object_set_new(kinds, og_infer_doc_kinds[k], row);
    }
    for (int c = 0; docs && c < OG_INFER__CUES; c++)
        json_object_set_new(docs, og_infer__cue_name[c], json_integer(s->cue_docs[c]));
    if (!out || !kinds || !docs) {
        json_decref(kinds);
        json_decref(docs);
        json_decref(out);
        return NULL;
    }
    /* {"cues": {kind: [weight of each cue]}, "cue_docs": {cue: documents}} */
    json_object_set_new(out, "cues", kinds);
    json_object_set_new(out, "cue_docs", docs);
    return out;
}

int og_infer__stage2_load(json_t *doc, og_infer__stage2 *s)
{
    const char *name;
    json_t *row, *kinds = json_object_get(doc, "cues");
    int n = 0;
    memset(s, 0, sizeof(*s));
    if (!doc)
        return 0;
    if (!json_is_object(kinds))
        return og_error_set(OG_ECORRUPT, "the stored second stage is malformed");
    json_object_foreach(kinds, name, row)
    {
        int k = og_infer_doc_kind_index(name);
        if (k < 0 || json_array_size(row) != OG_INFER__CUES)
            return og_error_set(OG_ECORRUPT, "the stored second stage has an unknown kind");
        s->known[k] = 1;
        for (int c = 0; c < OG_INFER__CUES; c++)
            s->w[k][c] = json_number_value(json_array_get(row, (size_t)c));
        n++;
    }
    for (int c = 0; c < OG_INFER__CUES; c++)
        s->cue_docs[c] = json_integer_value(
            json_object_get(json_object_get(doc, "cue_docs"), og_infer__cue_name[c]));
    if (n < 2)
        return og_error_set(OG_ECORRUPT, "the stored second stage has fewer than two kinds");
    s->on = 1;
    return 0;
}

/* the regularisation of the cues' weights (liblinear's C: the loss counts C times the L2 term) */
#define S2_C     1.0
#define S2_STEPS 30

/* One kind against the rest: the cues' weights v minimising |v|^2 / 2 + C * the logistic loss of
 * offset + v . cues (a cue 0 where its gate closes), each document twice (its decision value as the
 * offset, and its bias alone: the words dropped), by Newton's method. */
static void stage2_kind(double v[OG_INFER__CUES], const double *off, const double *prior,
                        const int (*cues)[OG_INFER__CUES], const int *y, size_t n)
{
    memset(v, 0, sizeof(double) * OG_INFER__CUES);
    for (int it = 0; it < S2_STEPS; it++) {
        double g[2] = {v[0], v[1]}, h[2][2] = {{1, 0}, {0, 1}};
        for (size_t r = 0; r < 2 * n; r++) {
            size_t i = r % n;
            double m = (r < n ? off[i] : prior[i]) + v[0] * cues[i][0] + v[1] * cues[i][1];
            double sg = 1.0 / (1.0 + exp(-m)), d = S2_C * (sg - y[i]), w = S2_C * sg * (1 - sg);
            for (int a = 0; a < 2; a++) {
                g[a] += d * cues[i][a];
                for (int b = 0; b < 2; b++)
                    h[a][b] += w * cues[i][a] * cues[i][b];
            }
        }
        double det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        if (fabs(det) < 1e-12)
            break;
        double d0 = (h[1][1] * g[0] - h[0][1] * g[1]) / det;
        double d1 = (h[0][0] * g[1] - h[1][0] * g[0]) / det;
        v[0] -= d0;
        v[1] -= d1;
        if (fabs(d0) + fabs(d1) < 1e-6)
            break;
    }
}

int og_infer__stage2_fit(og_infer__stage2 *s, const double (*dec)[OG_INFER_DOC_NKINDS],
                         const double (*bias)[OG_INFER_DOC_NKINDS], const int *chosen,
                         const int (*cues)[OG_INFER__CUES], const int *kinds, size_t n)
{
    double *off = calloc(n ? n : 1, sizeof(*off)), *prior = calloc(n ? n : 1, sizeof(*prior));
    int *y = calloc(n ? n : 1, sizeof(*y)), seen = 0, error = 0;
    int(*x)[OG_INFER__CUES] = calloc(n ? n : 1, sizeof(*x));
    memset(s, 0, sizeof(*s));
    if (!off || !prior || !y || !x) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        seen |= 1 << kinds[i];
        for (int c = 0; c < OG_INFER__CUES; c++)
            s->cue_docs[c] += cues[i][c] != 0;
    }
    if (n < 2 || (seen & (seen - 1)) == 0) {
        error = og_error_set(OG_ECONFLICT, "the second stage needs two kinds at least");
        goto cleanup;
    }
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            m += isfinite(dec[i][k]);
        if (m < n || !(seen & (1 << k)))
            continue; /* a kind the first stage does not know, or no document of it */
        for (size_t i = 0; i < n; i++) {
            off[i] = dec[i][k];
            prior[i] = bias[i][k];
            y[i] = kinds[i] == k;
            for (int c = 0; c < OG_INFER__CUES; c++)
                x[i][c] = cues[i][c] && gated(c, chosen[i], k);
        }
        stage2_kind(s->w[k], off, prior, (const int(*)[OG_INFER__CUES])x, y, n);
        s->known[k] = 1;
    }
    s->on = 1;
cleanup:
    free(off);
    free(prior);
    free(y);
    free(x);
    return error;
}

/* The first stage's p and ev (of m) moved by the cues' weights of s: each kind's decision value
 * plus its cues' weights, the probabilities from them as the first stage makes them. */
static void stage2_apply(const og_infer__stage2 *s, const og_infer_doc_model *m,
                         const int cues[OG_INFER__CUES], int chosen, double p[OG_INFER_DOC_NKINDS],
                         double ev[OG_INFER_DOC_NKINDS])
{
    double sig[OG_INFER_DOC_NKINDS] = {0}, sum = 0;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        if (!isfinite(ev[k]))
            continue;
        for (int c = 0; s->known[k] && c < OG_INFER__CUES; c++)
            ev[k] += gated(c, chosen, k) ? s->w[k][c] * cues[c] : 0;
        sig[k] = 1.0 / (1.0 + exp(-(ev[k] + og_infer__doc_model_bias(m, k))));
        sum += sig[k];
    }
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        p[k] = isfinite(ev[k]) && sum > 0 ? sig[k] / sum : 0;
}

/* The learned stage s on m's p and ev (changed), *why the cue that moved the kind. */
static void stage2_run(const og_infer__stage2 *s, const og_infer_doc_model *m,
                       const int cues[OG_INFER__CUES], double p[OG_INFER_DOC_NKINDS],
                       double ev[OG_INFER_DOC_NKINDS], og_infer__why *why)
{
    int before = og_infer__doc_choose(p, ev), after, best = -1;
    double most = 0;
    stage2_apply(s, m, cues, before, p, ev);
    after = og_infer__doc_choose(p, ev);
    for (int c = 0; before != after && c < OG_INFER__CUES; c++) {
        double d = cues[c] ? s->w[after][c] - s->w[before][c] : 0;
        if (d > most) {
            most = d;
            best = c;
        }
    }
    if (why && best >= 0)
        *why = (og_infer__why){best == OG_INFER__CUE_AMENDS ? OG_INFER__STAGE_AMENDS
                                                            : OG_INFER__STAGE_CLOSES,
                               s->w[after][best], 1, after};
}

void og_infer__doc_stage(const og_infer_doc_model *m, const char *text,
                         double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                         og_infer__why *why)
{
    const og_infer__stage2 *s = og_infer__doc_model_stage2_of(m);
    int cues[OG_INFER__CUES];
    if (why)
        *why = (og_infer__why){OG_INFER__STAGE_NONE, 0, 0, -1};
    if (!s->on) { /* a model without a learned stage: the fixed rules */
        int st = og_infer__doc_second_stage(text, p, ev);
        if (why && st != OG_INFER__STAGE_NONE)
            *why = (og_infer__why){st, 0, 0, st == OG_INFER__STAGE_AMENDS ? K_CHANGE : K_CLOSURE};
        return;
    }
    og_infer__doc_cues(text, cues);
    stage2_run(s, m, cues, p, ev, why);
}

int og_infer__doc_blend_models(const char *text, const og_infer_doc_model *plat,
                               const og_infer_doc_model *own, double a,
                               double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                               int *kind, og_infer__why *why)
{
    double pp[OG_INFER_DOC_NKINDS] = {0}, ep[OG_INFER_DOC_NKINDS] = {0};
    double po[OG_INFER_DOC_NKINDS] = {0}, eo[OG_INFER_DOC_NKINDS] = {0};
    og_infer__why wp = {OG_INFER__STAGE_NONE, 0, 0, -1}, wo = wp;
    int error, cues[OG_INFER__CUES] = {0};
    if (plat && own)
        error = og_infer__doc_probs2(plat, own, text, pp, ep, po, eo);
    else if (plat || own)
        error = og_infer__doc_probs(plat ? plat : own, text, plat ? pp : po, plat ? ep : eo);
    else
        error = 0;
    if (error < 0)
        return error;
    const og_infer__stage2 *so = own ? og_infer__doc_model_stage2_of(own) : NULL;
    /* the cues walk the text twice more: only for a learned stage that reads them */
    if ((plat && og_infer__doc_model_stage2_of(plat)->on) || (so && so->on))
        og_infer__doc_cues(text, cues);
    if (plat && og_infer__doc_model_stage2_of(plat)->on) {
        /* the platform's stage reads each cue with the tenant's own weights for the share of
         * its corrected documents that showed the cue */
        og_infer__stage2 s = *og_infer__doc_model_stage2_of(plat);
        for (int c = 0; so && so->on && c < OG_INFER__CUES; c++) {
            double ac = (double)so->cue_docs[c] / ((double)so->cue_docs[c] + OG_INFER__CUE_HALF);
            /* a kind the tenant never labelled: its corrections gave the cue no weight there */
            for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
                s.w[k][c] = (1 - ac) * s.w[k][c] + ac * (so->known[k] ? so->w[k][c] : 0);
        }
        stage2_run(&s, plat, cues, pp, ep, &wp);
    } else if (plat)
        og_infer__doc_stage(plat, text, pp, ep, &wp);
    if (so && so->on)
        stage2_run(so, own, cues, po, eo, &wo);
    og_infer__doc_blend(pp, ep, po, eo, plat ? a : 1.0, p, ev, kind);
    /* what moved the kind on the side that decided it (the platform's first) */
    *why = wp.stage != OG_INFER__STAGE_NONE && wp.to == *kind   ? wp
           : wo.stage != OG_INFER__STAGE_NONE && wo.to == *kind ? wo
                                                                : (og_infer__why){0, 0, 0, -1};
    return 0;
}

const char *og_infer__doc_why_text(const og_infer__why *why, int kind, char *buf, size_t size)
{
    const char *reason = og_infer__doc_stage_reason(why->stage);
    if (!reason)
        return NULL;
    if (!why->learned)
        snprintf(buf, size, "%s", reason);
    else
        snprintf(buf, size, "%s (cue %s, learned weight %+.2f for %s)",
                 why->stage == OG_INFER__STAGE_AMENDS ? "its amounts read before, after and the"
                                                        " difference"
                                                      : "it ticks off what was delivered",
                 og_infer__cue_name[why->stage == OG_INFER__STAGE_AMENDS ? OG_INFER__CUE_AMENDS
                                                                         : OG_INFER__CUE_TICKS],
                 why->weight, og_infer_doc_kinds[kind]);
    return buf;
}
