/* doc_structure.c - the classifier's second stage (issue 21): structure a kind has whoever
 * writes it, in any language, decides between the two pairs of kinds that words alone confuse
 * when a writer uses none of the trade's terms. A statement of work never amends: a document
 * taken for one whose amounts read "before, after, the difference" (three amounts in a row, the
 * second the first plus or minus the third, the third smaller than both: "$4,500.00 ->
 * $5,401.00 (+$901.00)", "from EUR 12,400.00 to EUR 13,900.00, that is EUR 1,500.00 more", a
 * Was / Now / Difference table) is a change order; amounts after a percentage are shares of a
 * sum (a payment schedule's 40%, 30%, 10%) and start the row again. "Other" is no closure: a
 * document taken for "other" that ticks off what was delivered (two ticked lines at least:
 * "- [x] ...", "✓ ...") is a closure. The two kinds' probabilities and evidence are swapped, so
 * that the proposal's confidence and its close second stay the model's. Measured on both
 * held-out writer families and every other split (docs/inference.md); nothing here is learned
 * or tuned on them. */
#include "infer/infer_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SO_MAX_TEXT ((size_t)256 << 10)

enum { K_SOW = 0, K_CHANGE = 1, K_CLOSURE = 3, K_OTHER = OG_INFER_DOC_NKINDS - 1 };

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

int og_infer__doc_blend(const char *text, double pp[OG_INFER_DOC_NKINDS],
                        double ep[OG_INFER_DOC_NKINDS], int plat,
                        const double po[OG_INFER_DOC_NKINDS], const double eo[OG_INFER_DOC_NKINDS],
                        double a, double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                        int *kind)
{
    int stage = plat ? og_infer__doc_second_stage(text, pp, ep) : OG_INFER__STAGE_NONE;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        /* a kind one of the two models does not know has no evidence there */
        p[k] = (1 - a) * pp[k] + a * po[k];
        ev[k] = (a < 1 ? (1 - a) * (isfinite(ep[k]) ? ep[k] : 0) : 0) +
                (a > 0 ? a * (isfinite(eo[k]) ? eo[k] : 0) : 0);
    }
    *kind = og_infer__doc_choose(p, ev);
    /* the tenant's own model, trained on its people's corrections, outweighed the rule */
    if ((stage == OG_INFER__STAGE_AMENDS && *kind != K_CHANGE) ||
        (stage == OG_INFER__STAGE_CLOSES && *kind != K_CLOSURE))
        stage = OG_INFER__STAGE_NONE;
    return stage;
}
