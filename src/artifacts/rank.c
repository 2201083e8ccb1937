/* rank.c - search's ranking of the newest matches on SQLite, in C instead of FTS5's bm25().
 *
 * FTS5's bm25() costs about 7 microseconds per scored row: for each it loads the row's instance
 * list and its size through the aux API, one statement step per row, and before the first row it
 * walks the whole document list of every query word to count its documents (a word in 98% of the
 * documents: 98,000 entries). Its value depends only on, per row, the set of columns holding each
 * query word and the row's token count, and per query on the table's row and token counts and
 * each word's document count. So the window of the newest matches is read with one statement
 * (rowids and their sizes, from the FTS5 size table), the rare rows holding a query word in the
 * name or metadata are found with one column-filtered match per word, and the score is the very
 * expression of FTS5's fts5Bm25Function (same operations in the same order: the same doubles).
 *
 * A word's document count is known exactly when it is under RANK_MAX_DOCS (query_terms counts up
 * to that). A more frequent word's count is only needed when the rows differ in where they hold
 * a word: when every row holds every word in the same columns, each row's score falls strictly as
 * its size grows whatever the counts are (every IDF is positive), so the order is by size, then
 * newest first, as bm25 gives it. Otherwise the word's documents are counted in full, as bm25
 * does. The tables read are FTS5's own shadow tables of art_fts (this module's): art_fts_data row
 * 1 (the averages record: row count, then each column's token total, SQLite varints) and
 * art_fts_docsize (each row's per-column token counts). */
#include "artifacts/artifacts_internal.h"
#include "opsgate/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The column weights of the ranking: name, metadata, text (as 'bm25(10.0, 4.0, 1.0)'). */
static const double WEIGHT[ART_RANK_COLS] = {10.0, 4.0, 1.0};

size_t og_artifacts__varint(const uint8_t *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < 8 && i < n; i++) {
        x = (x << 7) | (p[i] & 0x7f);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    if (n < 9)
        return 0;
    *v = (x << 8) | p[8];
    return 9;
}

double og_artifacts__bm25_idf(int64_t nrow, int64_t nhit)
{
    double idf = log((nrow - nhit + 0.5) / (nhit + 0.5));
    return idf <= 0.0 ? 1e-6 : idf;
}

double og_artifacts__bm25(const double *idf, const double *freq, size_t nq, double dl, double avgdl)
{
    const double k1 = 1.2, b = 0.75;
    double score = 0.0;
    for (size_t i = 0; i < nq; i++)
        score += idf[i] * ((freq[i] * (k1 + 1.0)) / (freq[i] + k1 * (1 - b + b * dl / avgdl)));
    return -1.0 * score;
}

double og_artifacts__rank_freq(unsigned cols)
{
    double f = 0.0;
    for (int c = 0; c < ART_RANK_COLS; c++)
        if (cols & (1u << c))
            f += WEIGHT[c];
    return f;
}

static int cand_cmp(const void *a, const void *b)
{
    const art_cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->rowid > y->rowid ? -1 : x->rowid < y->rowid;
}

void og_artifacts__rank_sort(art_cand *c, size_t n, const double *idf, size_t nq, double avgdl)
{
    double freq[ART_RANK_WORDS];
    for (size_t i = 0; i < n; i++) {
        for (size_t w = 0; w < nq; w++)
            freq[w] = og_artifacts__rank_freq(c[i].cols[w]);
        c[i].score = og_artifacts__bm25(idf, freq, nq, (double)c[i].dl, avgdl);
    }
    qsort(c, n, sizeof(*c), cand_cmp);
}

/* Does the space separated token list s hold tok? */
static int holds(const char *s, const char *tok, size_t tl)
{
    for (const char *p = s; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == tl && memcmp(p, tok, tl) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* N and the table's token total (the averages record). */
static int rank_totals(og_ctx *ctx, int64_t *nrow, int64_t *ntok)
{
    og_stmt *st = NULL;
    size_t len = 0, o;
    uint64_t v;
    int error = og_stmt_prepare(&st, ctx->store, "SELECT block FROM art_fts_data WHERE id = 1");
    *nrow = *ntok = 0;
    if (error >= 0 && (error = og_stmt_step(st)) == OG_ROW) {
        const uint8_t *p = og_stmt_col_blob(st, 0, &len);
        o = og_artifacts__varint(p, len, &v);
        *nrow = (int64_t)v;
        for (size_t n; o && o < len; o += n) {
            if (!(n = og_artifacts__varint(p + o, len - o, &v)))
                break;
            *ntok += (int64_t)v;
        }
        error = o ? 0 : og_error_set(OG_ECORRUPT, "search index: bad averages record");
    } else if (error >= 0) {
        error = 0; /* an empty index */
    }
    og_stmt_free(st);
    return error;
}

/* The window: the newest `window` rows matching every token, each with its size. */
static int rank_window(og_ctx *ctx, const char *fq, int window, art_cand **out, size_t *n)
{
    og_stmt *st = NULL;
    art_cand *c = calloc((size_t)window, sizeof(*c));
    int error = c ? 0 : og_error_set(OG_ERROR, "out of memory");
    *n = 0;
    if (error == 0 &&
        (error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT f.rowid, d.sz FROM (SELECT rowid FROM art_fts WHERE"
                                 " art_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) AS f"
                                 " JOIN art_fts_docsize AS d ON d.id = f.rowid")) >= 0) {
        og_stmt_bind_text(st, 1, fq);
        og_stmt_bind_int(st, 2, window);
        while (*n < (size_t)window && (error = og_stmt_step(st)) == OG_ROW) {
            size_t len = 0, o = 0, k;
            uint64_t v;
            const uint8_t *p = og_stmt_col_blob(st, 1, &len);
            c[*n].rowid = og_stmt_col_int(st, 0);
            for (; o < len && (k = og_artifacts__varint(p + o, len - o, &v)); o += k)
                c[*n].dl += (int64_t)v;
            (*n)++;
        }
        error = error < 0 ? error : 0;
    }
    og_stmt_free(st);
    if (error < 0)
        free(c);
    else
        *out = c;
    return error;
}

static int cand_find(const art_cand *c, size_t n, int64_t rowid)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].rowid == rowid)
            return (int)i;
    return -1;
}

/* Which columns hold each token: the text unless the row holds it in the name or metadata,
 * which one column-filtered match finds for all tokens at once (rare rows); those rows' token
 * lists say exactly. The match also names every token, so that FTS5 seeks through the window's
 * rows instead of walking a frequent word's whole document list. */
static int rank_columns(og_ctx *ctx, const art_rank_query *q, art_cand *c, size_t n)
{
    og_stmt *st = NULL, *ct = NULL;
    int64_t lo = INT64_MAX;
    og_buf expr;
    int error;
    og_buf_init(&expr, 64 + ART_RANK_WORDS * 24);
    for (size_t i = 0; i < n; i++) {
        for (size_t w = 0; w < q->nq; w++)
            c[i].cols[w] = 1u << 2;
        lo = c[i].rowid < lo ? c[i].rowid : lo;
    }
    error = og_buf_puts(&expr, "({name meta} : (");
    for (size_t w = 0; error >= 0 && w < q->nq; w++)
        error = og_buf_printf(&expr, "%s%s", w ? " OR " : "", q->tok[w]);
    if (error < 0 || (error = og_buf_printf(&expr, ")) AND %s", q->fq)) < 0 ||
        (error = og_stmt_prepare(
             &st, ctx->store, "SELECT rowid FROM art_fts WHERE art_fts MATCH ?1 AND rowid >= ?2")) <
            0 ||
        (error = og_stmt_prepare(&ct, ctx->store,
                                 "SELECT c0, c1, c2 FROM art_fts_content WHERE id = ?1")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, expr.data);
    og_stmt_bind_int(st, 2, lo);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        int i = cand_find(c, n, og_stmt_col_int(st, 0));
        if (i < 0)
            continue;
        og_stmt_reset(ct);
        og_stmt_bind_int(ct, 1, c[i].rowid);
        if ((error = og_stmt_step(ct)) != OG_ROW) {
            error = error < 0 ? error
                              : og_error_set(OG_ECORRUPT, "search index: row %lld has no content",
                                             (long long)c[i].rowid);
            goto cleanup;
        }
        for (size_t w = 0; w < q->nq; w++) {
            c[i].cols[w] = 0;
            for (int col = 0; col < ART_RANK_COLS; col++)
                if (holds(og_stmt_col_text(ct, col), q->tok[w], strlen(q->tok[w])))
                    c[i].cols[w] |= (uint8_t)(1u << col);
        }
    }
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    og_stmt_free(ct);
    og_buf_free(&expr);
    return error;
}

/* Do all rows hold each word in the same columns? Then the order is by size whatever the IDFs. */
static int rank_uniform(const art_cand *c, size_t n, size_t nq)
{
    for (size_t i = 1; i < n; i++)
        for (size_t w = 0; w < nq; w++)
            if (c[i].cols[w] != c[0].cols[w])
                return 0;
    return 1;
}

int og_artifacts__rank(og_ctx *ctx, const art_rank_query *q, int window, art_cand **out, size_t *n)
{
    art_cand *c = NULL;
    og_stmt *st = NULL;
    int64_t nrow = 0, ntok = 0;
    double idf[ART_RANK_WORDS];
    int error;
    *out = NULL;
    *n = 0;
    if ((error = rank_totals(ctx, &nrow, &ntok)) < 0 ||
        (error = rank_window(ctx, q->fq, window, &c, n)) < 0 ||
        (error = rank_columns(ctx, q, c, *n)) < 0)
        goto cleanup;
    int uniform = rank_uniform(c, *n, q->nq);
    for (size_t w = 0; w < q->nq; w++) {
        int64_t docs = q->docs[w];
        if (docs < 0 &&
            (!uniform || q->exact)) { /* counted only up to the cap: count all, as bm25 does */
            if ((error = og_stmt_prepare(
                     &st, ctx->store, "SELECT count(*) FROM art_fts WHERE art_fts MATCH ?1")) < 0)
                goto cleanup;
            og_stmt_bind_text(st, 1, q->tok[w]);
            if ((error = og_stmt_step(st)) == OG_ROW)
                docs = og_stmt_col_int(st, 0);
            og_stmt_free(st);
            st = NULL;
            if (error < 0)
                goto cleanup;
        }
        /* uniform rows: any positive weight orders them the same; the cap's is one */
        idf[w] = og_artifacts__bm25_idf(nrow, docs < 0 ? q->cap : docs);
    }
    og_artifacts__rank_sort(c, *n, idf, q->nq, nrow ? (double)ntok / (double)nrow : 1.0);
    *out = c;
    c = NULL;
    error = 0;
cleanup:
    free(c);
    return error;
}
