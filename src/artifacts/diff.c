/* diff.c - unified line diffs: Myers' O(ND) algorithm in linear space (middle-snake bisection),
 * with a work bound beyond which a region is reported as replaced whole. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Diagonal steps allowed over the whole diff before falling back to "replaced whole" for the
 * region being split: keeps a pathological pair of 8 MiB files to a fraction of a second. */
#define WORK_MAX ((int64_t)200 * 1000 * 1000)

typedef struct line {
    const char *p;
    size_t len; /* without the newline */
    uint32_t hash;
    int nl; /* ended by a newline */
} line;

typedef struct side {
    line *l;
    size_t n;
    unsigned char *changed;
} side;

typedef struct dctx {
    side a, b;
    int64_t work;
} dctx;

static int split_lines(const char *t, size_t len, side *s)
{
    size_t n = 0, cap = 0, i = 0;
    s->l = NULL;
    s->n = 0;
    while (i < len) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - t) : len;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            line *x = realloc(s->l, nc * sizeof(*x));
            if (!x)
                return og_error_set(OG_ERROR, "out of memory");
            s->l = x;
            cap = nc;
        }
        line *ln = &s->l[n++];
        ln->p = t + i;
        ln->len = e - i;
        ln->nl = nl != NULL;
        uint32_t h = 2166136261u;
        for (size_t k = i; k < e; k++) {
            h ^= (uint8_t)t[k];
            h *= 16777619u;
        }
        ln->hash = h;
        i = nl ? e + 1 : len;
    }
    s->n = n;
    s->changed = calloc(n + 1, 1);
    if (!s->changed)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

static inline int eq(const dctx *d, size_t i, size_t j)
{
    const line *x = &d->a.l[i], *y = &d->b.l[j];
    return x->hash == y->hash && x->len == y->len && x->nl == y->nl &&
           memcmp(x->p, y->p, x->len) == 0;
}

typedef struct range {
    size_t a0, a1, b0, b1;
} range;

/*
 * Find where to split a[a0,a1) x b[b0,b1) (both non-empty, no common prefix or suffix): the
 * middle snake, searching forward and backward at once (Myers 1986, section 4b). Returns 1 with
 * the split point, 0 when there is none or the work bound was hit (then the caller reports the
 * region replaced whole), negative when out of memory.
 */
static int bisect(dctx *d, const range *r, size_t *sx, size_t *sy)
{
    int64_t N = (int64_t)(r->a1 - r->a0), M = (int64_t)(r->b1 - r->b0);
    int64_t maxd = (N + M + 1) / 2, voff = maxd, vlen = 2 * maxd + 2;
    int64_t delta = N - M;
    int front = (delta & 1) != 0;
    int64_t k1start = 0, k1end = 0, k2start = 0, k2end = 0;
    int64_t *v1 = malloc((size_t)vlen * sizeof(int64_t));
    int64_t *v2 = malloc((size_t)vlen * sizeof(int64_t));
    int found = 0;
    if (!v1 || !v2) {
        free(v1);
        free(v2);
        return og_error_set(OG_ERROR, "out of memory");
    }
    for (int64_t i = 0; i < vlen; i++)
        v1[i] = v2[i] = -1;
    v1[voff + 1] = 0;
    v2[voff + 1] = 0;
    for (int64_t dd = 0; dd < maxd && !found; dd++) {
        if (d->work > WORK_MAX)
            break;
        for (int64_t k1 = -dd + k1start; k1 <= dd - k1end && !found; k1 += 2) {
            int64_t ko = voff + k1, x1;
            if (k1 == -dd || (k1 != dd && v1[ko - 1] < v1[ko + 1]))
                x1 = v1[ko + 1];
            else
                x1 = v1[ko - 1] + 1;
            int64_t y1 = x1 - k1;
            while (x1 < N && y1 < M && eq(d, r->a0 + (size_t)x1, r->b0 + (size_t)y1)) {
                x1++;
                y1++;
            }
            d->work += 1 + (x1 - (v1[ko] > 0 ? v1[ko] : 0));
            v1[ko] = x1;
            if (x1 > N) {
                k1end += 2;
            } else if (y1 > M) {
                k1start += 2;
            } else if (front) {
                int64_t k2o = voff + delta - k1;
                if (k2o >= 0 && k2o < vlen && v2[k2o] != -1 && x1 >= N - v2[k2o]) {
                    *sx = (size_t)x1;
                    *sy = (size_t)y1;
                    found = 1;
                }
            }
        }
        for (int64_t k2 = -dd + k2start; k2 <= dd - k2end && !found; k2 += 2) {
            int64_t ko = voff + k2, x2;
            if (k2 == -dd || (k2 != dd && v2[ko - 1] < v2[ko + 1]))
                x2 = v2[ko + 1];
            else
                x2 = v2[ko - 1] + 1;
            int64_t y2 = x2 - k2;
            while (x2 < N && y2 < M &&
                   eq(d, r->a0 + (size_t)(N - x2 - 1), r->b0 + (size_t)(M - y2 - 1))) {
                x2++;
                y2++;
            }
            d->work += 1;
            v2[ko] = x2;
            if (x2 > N) {
                k2end += 2;
            } else if (y2 > M) {
                k2start += 2;
            } else if (!front) {
                int64_t k1o = voff + delta - k2;
                if (k1o >= 0 && k1o < vlen && v1[k1o] != -1) {
                    int64_t x1 = v1[k1o], y1 = voff + x1 - k1o;
                    if (x1 >= N - x2) {
                        *sx = (size_t)x1;
                        *sy = (size_t)y1;
                        found = 1;
                    }
                }
            }
        }
    }
    free(v1);
    free(v2);
    return found;
}

/* Mark changed lines of both sides, with an explicit stack instead of recursion. */
static int compare(dctx *d)
{
    size_t cap = 64, n = 0;
    range *stack = malloc(cap * sizeof(*stack));
    int error = 0;
    if (!stack)
        return og_error_set(OG_ERROR, "out of memory");
    stack[n++] = (range){0, d->a.n, 0, d->b.n};
    while (n > 0) {
        range r = stack[--n];
        while (r.a0 < r.a1 && r.b0 < r.b1 && eq(d, r.a0, r.b0)) {
            r.a0++;
            r.b0++;
        }
        while (r.a1 > r.a0 && r.b1 > r.b0 && eq(d, r.a1 - 1, r.b1 - 1)) {
            r.a1--;
            r.b1--;
        }
        if (r.a0 == r.a1 || r.b0 == r.b1) {
            memset(d->a.changed + r.a0, 1, r.a1 - r.a0);
            memset(d->b.changed + r.b0, 1, r.b1 - r.b0);
            continue;
        }
        size_t x = 0, y = 0;
        int rc = bisect(d, &r, &x, &y);
        if (rc < 0) {
            error = rc;
            break;
        }
        if (rc == 0 || (x == 0 && y == 0) || (r.a0 + x == r.a1 && r.b0 + y == r.b1)) {
            memset(d->a.changed + r.a0, 1, r.a1 - r.a0);
            memset(d->b.changed + r.b0, 1, r.b1 - r.b0);
            continue;
        }
        if (n + 2 > cap) {
            range *ns = realloc(stack, cap * 2 * sizeof(*ns));
            if (!ns) {
                error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
            stack = ns;
            cap *= 2;
        }
        stack[n++] = (range){r.a0 + x, r.a1, r.b0 + y, r.b1};
        stack[n++] = (range){r.a0, r.a0 + x, r.b0, r.b0 + y};
    }
    free(stack);
    return error;
}

static int emit_line(og_buf *out, char tag, const line *l)
{
    if (og_buf_append(out, &tag, 1) < 0 || og_buf_append(out, l->p, l->len) < 0 ||
        og_buf_append(out, "\n", 1) < 0)
        return -1;
    if (!l->nl && og_buf_puts(out, "\\ No newline at end of file\n") < 0)
        return -1;
    return 0;
}

/* Hunk start as unified diff writes it: 1-based, or the line before when the range is empty. */
static size_t hunk_start(size_t first, size_t count)
{
    return count ? first + 1 : first;
}

int og_artifacts__diff_unified(const char *a, size_t alen, const char *b, size_t blen,
                               const char *a_label, const char *b_label, int context, og_buf *out)
{
    dctx d;
    int error = -1;
    memset(&d, 0, sizeof(d));
    if ((error = split_lines(a, alen, &d.a)) < 0 || (error = split_lines(b, blen, &d.b)) < 0)
        goto cleanup;
    if ((error = compare(&d)) < 0)
        goto cleanup;
    if (og_buf_printf(out, "--- %s\n+++ %s\n", a_label, b_label) < 0)
        goto fail;
    size_t i = 0, j = 0;
    size_t ctx = context < 0 ? 0 : (size_t)context;
    while (i < d.a.n || j < d.b.n) {
        /* Skip to the next change, walking both sides in step over equal lines. */
        while (i < d.a.n && j < d.b.n && !d.a.changed[i] && !d.b.changed[j]) {
            i++;
            j++;
        }
        if (i >= d.a.n && j >= d.b.n)
            break;
        /* The hunk starts ctx equal lines back and ends when ctx*2 equal lines follow a change. */
        size_t back = i < ctx ? i : ctx;
        size_t hi = i - back, hj = j - back;
        size_t ei = i, ej = j;
        for (;;) {
            while (ei < d.a.n && d.a.changed[ei])
                ei++;
            while (ej < d.b.n && d.b.changed[ej])
                ej++;
            size_t run = 0;
            while (ei + run < d.a.n && ej + run < d.b.n && !d.a.changed[ei + run] &&
                   !d.b.changed[ej + run] && run <= 2 * ctx)
                run++;
            int more = (ei + run < d.a.n && d.a.changed[ei + run]) ||
                       (ej + run < d.b.n && d.b.changed[ej + run]);
            if (run <= 2 * ctx && more) {
                ei += run;
                ej += run;
                continue;
            }
            size_t tail = run < ctx ? run : ctx;
            ei += tail;
            ej += tail;
            break;
        }
        if (og_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", hunk_start(hi, ei - hi), ei - hi,
                          hunk_start(hj, ej - hj), ej - hj) < 0)
            goto fail;
        size_t x = hi, y = hj;
        while (x < ei || y < ej) {
            if (x < ei && d.a.changed[x]) {
                if (emit_line(out, '-', &d.a.l[x++]) < 0)
                    goto fail;
            } else if (y < ej && d.b.changed[y]) {
                if (emit_line(out, '+', &d.b.l[y++]) < 0)
                    goto fail;
            } else {
                if (emit_line(out, ' ', &d.a.l[x]) < 0)
                    goto fail;
                x++;
                y++;
            }
        }
        i = ei;
        j = ej;
    }
    error = 0;
    goto cleanup;
fail:
    error = og_error_code() ? og_error_code() : OG_ERROR;
cleanup:
    free(d.a.l);
    free(d.b.l);
    free(d.a.changed);
    free(d.b.changed);
    return error;
}

/* ---- og_artifact_diff ---- */

static int is_binary(const char *media, const og_buf *b)
{
    if (!og_artifacts__media_is_text(media))
        return 1;
    size_t n = b->len < 8192 ? b->len : 8192;
    return b->len && memchr(b->data, '\0', n) != NULL;
}

int og_artifact_diff(og_ctx *ctx, const og_artifact_ref *ref, int64_t from, int64_t to, og_buf *out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_artifact_version va, vb;
    char oa[65], ob[65], la[160], lb[160];
    uint8_t sa[32], sb[32];
    og_buf ta, tb;
    memset(&a, 0, sizeof(a));
    og_buf_init(&ta, OG_ARTIFACT_DIFF_MAX);
    og_buf_init(&tb, OG_ARTIFACT_DIFF_MAX);
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (from <= 0 || to <= 0)
        return og_error_set(OG_EINVAL, "bad version number %lld (1 or more)",
                            (long long)(from <= 0 ? from : to));
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    if (sc.published_only) { /* client viewers know only the published version */
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld", ref->name,
                             (long long)(from != a.latest ? from : to));
        goto cleanup;
    }
    if ((error = og_artifacts__version(ctx, sc.tenant_id, &a, from, &va, oa)) < 0 ||
        (error = og_artifacts__version(ctx, sc.tenant_id, &a, to, &vb, ob)) < 0)
        goto cleanup;
    if (va.size > OG_ARTIFACT_DIFF_MAX || vb.size > OG_ARTIFACT_DIFF_MAX) {
        error =
            og_error_set(OG_ETOOBIG, "version %lld is %llu bytes; diff handles up to %zu",
                         (long long)(va.size > OG_ARTIFACT_DIFF_MAX ? from : to),
                         (unsigned long long)(va.size > OG_ARTIFACT_DIFF_MAX ? va.size : vb.size),
                         OG_ARTIFACT_DIFF_MAX);
        goto cleanup;
    }
    og_hex_decode(va.sha256, sa, 32);
    og_hex_decode(vb.sha256, sb, 32);
    if ((error = og_artifacts__obj_read_all(ctx, sc.tenant_id, oa, sa, va.size, &ta)) < 0 ||
        (error = og_artifacts__obj_read_all(ctx, sc.tenant_id, ob, sb, vb.size, &tb)) < 0)
        goto cleanup;
    if (is_binary(va.media_type, &ta) || is_binary(vb.media_type, &tb)) {
        if (strcmp(va.sha256, vb.sha256) == 0)
            error = og_buf_printf(out, "Binary versions %lld and %lld are identical (%s)\n",
                                  (long long)from, (long long)to, va.media_type);
        else
            error = og_buf_printf(out,
                                  "Binary versions differ: %lld (%s, %llu bytes, sha256 %.12s) "
                                  "and %lld (%s, %llu bytes, sha256 %.12s); no line diff for "
                                  "binary content\n",
                                  (long long)from, va.media_type, (unsigned long long)va.size,
                                  va.sha256, (long long)to, vb.media_type,
                                  (unsigned long long)vb.size, vb.sha256);
        goto cleanup;
    }
    snprintf(la, sizeof(la), "%s@v%lld", ref->name, (long long)from);
    snprintf(lb, sizeof(lb), "%s@v%lld", ref->name, (long long)to);
    if (strcmp(va.sha256, vb.sha256) == 0) {
        error = 0; /* identical: an empty diff, as diff(1) prints */
        goto cleanup;
    }
    error = og_artifacts__diff_unified(ta.data ? ta.data : "", ta.len, tb.data ? tb.data : "",
                                       tb.len, la, lb, 3, out);
cleanup:
    if (ta.data)
        og_crypto_wipe(ta.data, ta.len);
    if (tb.data)
        og_crypto_wipe(tb.data, tb.len);
    og_buf_free(&ta);
    og_buf_free(&tb);
    og_artifacts__row_free(&a);
    return error;
}
