/* search.c - queries of the encrypted index: each query word is hashed as the index's words are,
 * hits are ranked as FTS5's bm25() ranks them (on SQLite computed in rank.c, on PostgreSQL by a
 * weighted count), filtered by the actor's rights, and snippets are cut at query time from the
 * decrypted content of the page's hits only. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_WORDS_MAX    ART_RANK_WORDS
#define SNIPPET_SOURCE_MAX 65536
/* FTS5's bm25() costs about 7 microseconds per matching document (it reads each one's column
 * sizes and column lists; rank.c ranks in under half that) and scores every match before
 * the first row comes back. So the newest
 * RANK_WINDOW matches are ranked and older ones follow newest first: a query with at most that
 * many matches is ranked whole, and none scores more. Each word is counted up to RANK_MAX_DOCS
 * documents; when every word is in more, its weight says little and matches come newest first
 * without scoring (BM25 would also walk each word's whole document list for its weight). */
#define RANK_MAX_DOCS 4000
#define RANK_WINDOW   500
/* The first count of each query word stops here (see query_terms). */
#define RANK_FIRST_COUNT 64

typedef struct qword {
    char w[ART_WORD_MAX + 1];
    size_t len;
} qword;

static size_t query_words(const char *q, qword *out, size_t max)
{
    size_t n = 0, i = 0, len = strlen(q);
    while (i < len && n < max) {
        while (i < len && !og_artifacts__word_byte((uint8_t)q[i]))
            i++;
        size_t wl = 0;
        char w[ART_WORD_MAX];
        while (i < len && og_artifacts__word_byte((uint8_t)q[i])) {
            if (wl < ART_WORD_MAX)
                w[wl++] = og_artifacts__fold((uint8_t)q[i]);
            i++;
        }
        if (wl < ART_WORD_MIN)
            continue;
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= out[k].len == wl && memcmp(out[k].w, w, wl) == 0;
        if (dup)
            continue;
        memcpy(out[n].w, w, wl);
        out[n].w[wl] = '\0';
        out[n].len = wl;
        n++;
    }
    return n;
}

/* Is the word at text[s..e) one of the query's (after folding and the 64-byte cut)? */
static int is_query_word(const char *text, size_t s, size_t e, const qword *qw, size_t nq)
{
    size_t wl = e - s < ART_WORD_MAX ? e - s : ART_WORD_MAX;
    for (size_t k = 0; k < nq; k++) {
        if (qw[k].len != wl)
            continue;
        size_t i = 0;
        while (i < wl && og_artifacts__fold((uint8_t)text[s + i]) == qw[k].w[i])
            i++;
        if (i == wl)
            return 1;
    }
    return 0;
}

/* Strip tags (html-ish media) and fold whitespace into single spaces, in place. */
static size_t flatten(char *t, size_t len, int html)
{
    size_t o = 0;
    int in_tag = 0, space = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (html && in_tag) {
            if (c == '>')
                in_tag = 0;
            continue;
        }
        if (html && c == '<') {
            in_tag = 1;
            space = 1;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            t[o++] = ' ';
        space = 0;
        t[o++] = c;
    }
    return o;
}

/* A window of about 200 bytes around the first query word, matches wrapped in ** **. */
static int make_snippet(const char *t, size_t len, const qword *qw, size_t nq, og_buf *out)
{
    size_t first = len, i = 0;
    while (i < len && first == len) {
        while (i < len && !og_artifacts__word_byte((uint8_t)t[i]))
            i++;
        size_t s = i;
        while (i < len && og_artifacts__word_byte((uint8_t)t[i]))
            i++;
        if (i > s && is_query_word(t, s, i, qw, nq))
            first = s;
    }
    if (first == len)
        first = 0;
    size_t start = first > 60 ? first - 60 : 0;
    size_t end = first + 160 < len ? first + 160 : len;
    while (start > 0 && start < len && og_artifacts__word_byte((uint8_t)t[start]) &&
           og_artifacts__word_byte((uint8_t)t[start - 1]))
        start++;
    while (start < len && ((uint8_t)t[start] & 0xc0) == 0x80)
        start++;
    while (end < len && end > start && ((uint8_t)t[end] & 0xc0) == 0x80)
        end--;
    if (start > 0 && og_buf_puts(out, "...") < 0)
        return -1;
    i = start;
    while (i < end) {
        if (!og_artifacts__word_byte((uint8_t)t[i])) {
            if (og_buf_append(out, t + i, 1) < 0)
                return -1;
            i++;
            continue;
        }
        size_t s = i;
        while (i < end && og_artifacts__word_byte((uint8_t)t[i]))
            i++;
        int hit = is_query_word(t, s, i, qw, nq);
        if ((hit && og_buf_puts(out, "**") < 0) || og_buf_append(out, t + s, i - s) < 0 ||
            (hit && og_buf_puts(out, "**") < 0))
            return -1;
    }
    if (end < len && og_buf_puts(out, "...") < 0)
        return -1;
    return 0;
}

/* The snippet of one hit: from the latest version's text when text-like, else name + metadata. */
static int snippet_of(og_ctx *ctx, const char *tenant_id, const art_row *a, const qword *qw,
                      size_t nq, char **out, char *media, size_t mediasz, int64_t *size)
{
    int error = 0;
    og_artifact_version v;
    char object[65];
    og_buf src, snip;
    og_buf_init(&src, SNIPPET_SOURCE_MAX + 1);
    og_buf_init(&snip, 4096);
    media[0] = '\0';
    *size = 0;
    if (a->latest) {
        if ((error = og_artifacts__version(ctx, tenant_id, a, 0, &v, object)) < 0)
            goto cleanup;
        og_strlcpy(media, v.media_type, mediasz);
        *size = (int64_t)v.size;
        if (og_artifacts__media_is_text(v.media_type) &&
            (error = og_artifacts__obj_read_prefix(ctx, tenant_id, object, SNIPPET_SOURCE_MAX,
                                                   &src)) < 0)
            goto cleanup;
    }
    if (src.len == 0) {
        char *m = json_dumps(a->meta, JSON_COMPACT);
        og_buf_puts(&src, a->name);
        og_buf_puts(&src, " ");
        if (m)
            og_buf_puts(&src, m);
        free(m);
    }
    size_t n = flatten(src.data, src.len, og_artifacts__media_is_html(media));
    if (make_snippet(src.data, n, qw, nq, &snip) < 0) {
        error = og_error_code() ? og_error_code() : OG_ERROR;
        goto cleanup;
    }
    *out = og_buf_detach(&snip);
    if (!*out)
        *out = strdup("");
    error = 0;
cleanup:
    if (src.data)
        og_crypto_wipe(src.data, src.len);
    og_buf_free(&src);
    og_buf_free(&snip);
    return error;
}

typedef struct proj_cache {
    char id[OG_ID_LEN];
    char key[64];
    og_artifact_right right;
} proj_cache;

/* Right of the actor on a project, memoised for one query. */
static int project_right(og_ctx *ctx, const char *tenant_id, const char *project_id,
                         proj_cache *cache, size_t *ncache, size_t cap, proj_cache **out)
{
    og_stmt *st = NULL;
    int error;
    for (size_t i = 0; i < *ncache; i++) {
        if (strcmp(cache[i].id, project_id) == 0) {
            *out = &cache[i];
            return 0;
        }
    }
    proj_cache tmp, *slot = *ncache < cap ? &cache[(*ncache)++] : &tmp;
    memset(slot, 0, sizeof(*slot));
    og_strlcpy(slot->id, project_id, sizeof(slot->id));
    if ((error = og_stmt_prepare(&st, ctx->store, "SELECT key FROM art_projects WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, project_id);
    if ((error = og_stmt_step(st)) == OG_ROW)
        og_strlcpy(slot->key, og_stmt_col_text(st, 0), sizeof(slot->key));
    og_stmt_free(st);
    if (error < 0)
        return error;
    if ((error = og_artifacts__right(ctx, tenant_id, project_id, &slot->right, NULL, 0)) < 0)
        return error;
    if (slot == &tmp) {
        /* Cache full: hand back a copy that lives in the last slot. */
        cache[cap - 1] = tmp;
        slot = &cache[cap - 1];
    }
    *out = slot;
    return 0;
}

/* What one query carries from candidate to candidate. */
typedef struct search_run {
    og_ctx *ctx;
    const char *tenant_id;
    const qword *qw;
    size_t nq;
    int published_only;
    int limit;
    unsigned flags; /* OG_ARTIFACT_SEARCH_* */
    proj_cache cache[64];
    size_t ncache;
    json_t *hits;
} search_run;

/*
 * The index differs by backend (schema.c): an FTS5 table on SQLite, an ordinary table with a GIN
 * index over art_fts_terms() on PostgreSQL. The statements say the same thing on both: "how many
 * documents hold this token, counted up to N", and "the
 * documents holding every one of these tokens (a space separated list: FTS5 reads it as barewords,
 * implicitly AND; art_fts_terms compares it as an array), best first (weights name 10, meta 4, body
 * 1), or newest first, a page at a time". FTS5 ranks with BM25; PostgreSQL with the weighted count
 * of query tokens each column holds. Tokens are "h" and 16 hex digits: never an FTS5 operator,
 * never a space.
 */
static const og_sql_dialects SQL_DOCS = {
    "SELECT count(*) FROM (SELECT 1 FROM art_fts WHERE art_fts MATCH ?1 LIMIT ?2)",
    "SELECT count(*) FROM (SELECT 1 FROM art_fts WHERE art_fts_terms(name, meta, body)"
    " @> ARRAY[CAST(?1 AS TEXT)] LIMIT ?2) AS c",
};
/* PostgreSQL's rank of row f: each query token q.t scores 10 in the name, 4 in the metadata, 1 in
 * the body. */
#define PG_HAS(col, w)                                                                             \
    "CASE WHEN q.t = ANY(string_to_array(coalesce(f." col ", ''), ' ')) THEN " w " ELSE 0 END"
#define PG_SCORE                                                                                   \
    "(SELECT sum(" PG_HAS("name", "10") " + " PG_HAS("meta", "4") " + " PG_HAS(                    \
        "body", "1") ") FROM unnest(string_to_array(?1, ' ')) AS q (t))"
/* The newest ?4 documents holding ?1, best first; FTS5 scores only the rows the inner query
 * yields. */
static const og_sql_dialects SQL_RANKED = {
    "SELECT rowid, r FROM (SELECT rowid, rank AS r FROM art_fts WHERE art_fts MATCH ?1"
    " AND rank MATCH 'bm25(10.0, 4.0, 1.0)' ORDER BY rowid DESC LIMIT ?4)"
    " ORDER BY r, rowid DESC LIMIT ?2 OFFSET ?3",
    "SELECT w.rowid, w.score FROM (SELECT f.rowid, " PG_SCORE " AS score FROM art_fts f"
    " WHERE art_fts_terms(f.name, f.meta, f.body) @> string_to_array(?1, ' ')"
    " ORDER BY f.rowid DESC LIMIT ?4) AS w ORDER BY w.score DESC, w.rowid DESC LIMIT ?2 OFFSET ?3",
};
static const og_sql_dialects SQL_NEWEST = {
    "SELECT rowid FROM art_fts WHERE art_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2 OFFSET ?3",
    "SELECT rowid FROM art_fts WHERE art_fts_terms(name, meta, body) @> string_to_array(?1, ' ')"
    " ORDER BY rowid DESC LIMIT ?2 OFFSET ?3",
};

/* Count the documents of token tok up to cap into *docs. */
static int count_docs(og_stmt *st, const char *tok, int64_t cap, int64_t *docs)
{
    int error;
    og_stmt_reset(st);
    og_stmt_bind_text(st, 1, tok);
    og_stmt_bind_int(st, 2, cap);
    *docs = 0;
    if ((error = og_stmt_step(st)) == OG_ROW)
        *docs = og_stmt_col_int(st, 0);
    return error < 0 ? error : 0;
}

/* The query's tokens (each word's keyed hash) one by one in tok (18 bytes each) and space
 * separated in fq; in *min_docs how many documents the rarest word is in, counted up to
 * RANK_MAX_DOCS (0: no match at all), and in rq->docs each word's count where it was taken
 * exactly (-1: not, the word being in at least as many as the rarest). Counting costs about 0.1
 * us per document, so every word is first counted up to RANK_FIRST_COUNT, and only when none is
 * that rare again, each up to the rarest count found so far: a frequent word beside a rare one is
 * never walked to RANK_MAX_DOCS. */
static int query_terms(og_ctx *ctx, const art_keys *k, const qword *qw, size_t nq, og_buf *fq,
                       char (*tok)[18], art_rank_query *rq, int64_t *min_docs)
{
    og_stmt *st = NULL;
    uint64_t tag = og_artifacts__key_tag(k->search);
    int error = og_stmt_prepare_dialect(&st, ctx->store, &SQL_DOCS);
    int64_t docs = 0;
    *min_docs = RANK_MAX_DOCS;
    rq->nq = nq;
    rq->cap = RANK_MAX_DOCS;
    for (size_t i = 0; error >= 0 && i < nq; i++) {
        if ((error = og_artifacts__word_mac(k->search, tag, qw[i].w, qw[i].len, tok[i])) < 0 ||
            (error = og_buf_printf(fq, "%s%s", i ? " " : "", tok[i])) < 0 ||
            (error = count_docs(st, tok[i], RANK_FIRST_COUNT, &docs)) < 0)
            break;
        rq->tok[i] = tok[i];
        rq->docs[i] = docs < RANK_FIRST_COUNT ? docs : -1;
        if (docs < RANK_FIRST_COUNT && docs < *min_docs)
            *min_docs = docs;
    }
    /* Every count kept is exact: a word that reaches the cap (the rarest so far) stays -1. */
    int again = *min_docs == RANK_MAX_DOCS; /* no word under RANK_FIRST_COUNT */
    for (size_t i = 0; error >= 0 && again && i < nq; i++) {
        if ((error = count_docs(st, tok[i], *min_docs, &docs)) < 0)
            break;
        if (docs < *min_docs) {
            *min_docs = docs;
            rq->docs[i] = docs;
        }
    }
    rq->fq = fq->data;
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* One candidate (rst on its artifact row): appended to the hits when the actor may see it, with
 * its rank value when asked for (has_score: it was ranked). */
static int search_hit(search_run *r, og_stmt *rst, double score, int has_score)
{
    proj_cache *pc = NULL;
    art_row a;
    char *snip = NULL, media[128];
    int64_t size = 0;
    int error;
    if (!og_stmt_col_is_null(rst, 11))
        return 0; /* deleted */
    if (r->published_only && strcmp(og_stmt_col_text(rst, 5), "published") != 0)
        return 0;
    if ((error = project_right(r->ctx, r->tenant_id, og_stmt_col_text(rst, 2), r->cache, &r->ncache,
                               sizeof(r->cache) / sizeof(r->cache[0]), &pc)) < 0)
        return error;
    if (pc->right < OG_RIGHT_READ)
        return 0;
    if ((error = og_artifacts__row_from_stmt(r->ctx, r->tenant_id, rst, &a)) < 0)
        return error;
    error = snippet_of(r->ctx, r->tenant_id, &a, r->qw, r->nq, &snip, media, sizeof(media), &size);
    if (error == 0)
        json_array_append_new(r->hits,
                              json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "project",
                                        pc->key, "name", a.name, "kind", a.kind, "state", a.state,
                                        "version", (json_int_t)a.latest, "media_type", media,
                                        "size", (json_int_t)size, "snippet", snip));
    if (error == 0 && has_score && (r->flags & OG_ARTIFACT_SEARCH_SCORES))
        json_object_set_new(json_array_get(r->hits, json_array_size(r->hits) - 1), "score",
                            json_real(score));
    free(snip);
    og_artifacts__row_free(&a);
    return error;
}

/* Candidate n: its artifact row read and handed to search_hit. */
static int search_one(search_run *r, og_stmt *rst, int64_t n, double score, int has_score)
{
    int error;
    og_stmt_reset(rst);
    og_stmt_bind_int(rst, 1, n);
    og_stmt_bind_text(rst, 2, r->tenant_id);
    if ((error = og_stmt_step(rst)) == OG_ROW)
        error = search_hit(r, rst, score, has_score);
    return error < 0 ? error : 0;
}

/* Candidates: with rank, the newest RANK_WINDOW matches best first (on SQLite ranked in C by
 * rank.c, else - and always for OG_ARTIFACT_SEARCH_EXHAUSTIVE - by one statement that scores the
 * window once), then the older ones newest first, a page at a time; without, every match newest
 * first. Those the actor may not see are skipped; only the page's rows are read and decrypted.
 * The scan is bounded, so a query matching mostly invisible documents ends rather than crawls. */
static int search_scan(search_run *r, const art_rank_query *rq, int rank)
{
    og_stmt *ranked = NULL, *newest = NULL, *rst = NULL;
    art_cand *cand = NULL;
    size_t ncand = 0;
    int error, page = r->limit * 4, scanned = 0;
    int fast = rank && !(r->flags & OG_ARTIFACT_SEARCH_EXHAUSTIVE) &&
               og_store_has(r->ctx->store, OG_STORE_CAP_FTS5_SHADOW);
    if ((fast && (error = og_artifacts__rank(r->ctx, rq, RANK_WINDOW, &cand, &ncand)) < 0) ||
        (rank && !fast &&
         (error = og_stmt_prepare_dialect(&ranked, r->ctx->store, &SQL_RANKED)) < 0) ||
        (error = og_stmt_prepare_dialect(&newest, r->ctx->store, &SQL_NEWEST)) < 0 ||
        (error = og_stmt_prepare(&rst, r->ctx->store,
                                 "SELECT " ART_ROW_COLS " FROM art_artifacts a"
                                 " WHERE a.n = ? AND a.tenant_id = ?")) < 0)
        goto cleanup;
    if (fast) {
        for (size_t i = 0; i < ncand && (int)json_array_size(r->hits) < r->limit; i++)
            if ((error = search_one(r, rst, cand[i].rowid, cand[i].score, 1)) < 0)
                goto cleanup;
        scanned = (int)ncand;
        if (ncand < RANK_WINDOW) /* the window held every match */
            scanned = 20000;
    }
    while ((int)json_array_size(r->hits) < r->limit && scanned < 20000) {
        int got = 0, window = ranked && scanned < RANK_WINDOW;
        int want = window ? RANK_WINDOW : page;
        og_stmt *st = window ? ranked : newest;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, rq->fq);
        og_stmt_bind_int(st, 2, want);
        og_stmt_bind_int(st, 3, scanned);
        if (window)
            og_stmt_bind_int(st, 4, RANK_WINDOW);
        while ((int)json_array_size(r->hits) < r->limit && (error = og_stmt_step(st)) == OG_ROW) {
            const char *score = window ? og_stmt_col_text(st, 1) : NULL;
            got++;
            if ((error = search_one(r, rst, og_stmt_col_int(st, 0), score ? strtod(score, NULL) : 0,
                                    score != NULL)) < 0)
                goto cleanup;
        }
        if (error < 0)
            goto cleanup;
        scanned += got;
        if (got < want)
            break;
    }
    error = 0;
cleanup:
    free(cand);
    og_stmt_free(ranked);
    og_stmt_free(newest);
    og_stmt_free(rst);
    return error;
}

int og_artifact_search(og_ctx *ctx, const char *tenant, const char *query, int limit, json_t **out)
{
    return og_artifact_search_ex(ctx, tenant, query, limit, 0, out);
}

int og_artifact_search_ex(og_ctx *ctx, const char *tenant, const char *query, int limit,
                          unsigned flags, json_t **out)
{
    int error = -1;
    char tenant_id[OG_ID_LEN];
    qword qw[QUERY_WORDS_MAX];
    art_keys k;
    og_buf fq;
    int64_t min_docs = 0;
    char tok[QUERY_WORDS_MAX][18];
    art_rank_query rq;
    search_run r = {.ctx = ctx, .tenant_id = tenant_id, .qw = qw, .hits = json_array()};
    r.flags = flags;
    memset(&rq, 0, sizeof(rq));
    r.published_only = ctx->actor.kind == OG_ACTOR_USER && ctx->actor.role == OG_ROLE_CLIENT_VIEWER;
    memset(&k, 0, sizeof(k));
    og_buf_init(&fq, 4096);
    r.limit = limit ? limit : 20;
    if (r.limit < 1 || r.limit > 100) {
        error = og_error_set(OG_EINVAL, "bad limit %d (1 to 100)", r.limit);
        goto cleanup;
    }
    if (!query || strlen(query) > 1024) {
        error = og_error_set(OG_EINVAL, "bad query (1 to 1024 bytes)");
        goto cleanup;
    }
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        goto cleanup;
    if (!(r.nq = query_words(query, qw, QUERY_WORDS_MAX))) {
        error = og_error_set(
            OG_EINVAL, "query '%s' has no searchable word (2 or more letters or digits)", query);
        goto cleanup;
    }
    error = og_artifacts__keys(ctx, tenant_id, 0, &k);
    if (error == OG_ENOTFOUND) { /* nothing was ever stored in this tenant */
        og_error_clear();
        error = 0;
    } else if (error == 0) {
        /* The rarest word decides whether to rank, and a word in no document means no match. */
        error = query_terms(ctx, &k, qw, r.nq, &fq, tok, &rq, &min_docs);
        rq.exact = (flags & OG_ARTIFACT_SEARCH_SCORES) != 0;
        if (error == 0 && min_docs != 0)
            error = search_scan(&r, &rq, min_docs < RANK_MAX_DOCS);
    }
    if (error == 0) {
        *out = r.hits;
        r.hits = NULL;
    }
cleanup:
    og_crypto_wipe(&k, sizeof(k));
    og_crypto_wipe(qw, sizeof(qw));
    og_crypto_wipe(tok, sizeof(tok));
    og_buf_free(&fq);
    json_decref(r.hits);
    return error;
}
