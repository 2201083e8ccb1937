/* search.c - full-text search whose index holds no readable words: every word is replaced by a
 * keyed hash under the tenant's search key before it reaches SQLite FTS5; queries are hashed the
 * same way, and snippets are cut at query time from the decrypted content. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Words: runs of ASCII letters and digits and of non-ASCII bytes (UTF-8 letters), ASCII folded to
 * lower case, 2 to 64 bytes (longer runs are cut at 64, the same way for documents and queries).
 * Index form of a word: "h" + 16 hex digits of HMAC-SHA256(search key, word), each distinct word
 * once, in an order that says nothing of the text. The FTS5 table keeps no positions
 * (detail=column); BM25 ranks by rarity of the words, the column they are in (name, metadata,
 * text, weighted 10:4:1) and the length of the document. What leaks: how many distinct words a
 * document has and which documents share a word (the usual price of a searchable index), never
 * the words.
 */
#define WORD_MAX           64
#define WORD_MIN           2
#define DISTINCT_MAX       65536
#define ARENA_MAX          ((size_t)2 << 20)
#define QUERY_WORDS_MAX    16
#define SNIPPET_SOURCE_MAX 65536
/* BM25 costs a few microseconds per matching document (FTS5 reads each one's column sizes). When
 * even the rarest word of a query is in more documents than this, every word is so common that
 * its weight says little: matches come newest first instead, and the query stays fast. */
#define RANK_MAX_DOCS 4000

typedef struct tok_ent {
    uint32_t off;
    uint32_t hash;
    uint16_t len;
    uint16_t count;
} tok_ent;

struct art_tok {
    int html;
    int in_tag;
    char cur[WORD_MAX];
    size_t curlen;
    int in_word;
    uint32_t *slots; /* index + 1 into ents, 0 = empty */
    size_t nslots;
    tok_ent *ents;
    size_t nents, entcap;
    og_buf arena;
};

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

art_tok *og_artifacts__tok_new(int html)
{
    art_tok *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->html = html;
    og_buf_init(&t->arena, ARENA_MAX);
    return t;
}

void og_artifacts__tok_set_html(art_tok *t, int html)
{
    t->html = html;
}

void og_artifacts__tok_free(art_tok *t)
{
    if (!t)
        return;
    if (t->arena.data)
        og_crypto_wipe(t->arena.data, t->arena.len);
    og_buf_free(&t->arena);
    og_crypto_wipe(t->cur, sizeof(t->cur));
    free(t->slots);
    free(t->ents);
    free(t);
}

static int grow(art_tok *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slots = calloc(ns, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->nents; i++) {
        size_t j = t->ents[i].hash & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

/* The entry of word w (hash h) in t's table, or NULL with *slot the empty slot it would take.
 * t->nslots must not be 0. */
static tok_ent *find_word(art_tok *t, uint32_t h, const char *w, size_t n, size_t *slot)
{
    size_t j = h & (t->nslots - 1);
    while (t->slots[j]) {
        tok_ent *e = &t->ents[t->slots[j] - 1];
        if (e->hash == h && e->len == n && memcmp(t->arena.data + e->off, w, n) == 0)
            return e;
        j = (j + 1) & (t->nslots - 1);
    }
    *slot = j;
    return NULL;
}

/* Count a word; once the distinct-word or arena bound is reached, new words are dropped. */
static void add_word(art_tok *t, const char *w, size_t n)
{
    uint32_t h = fnv1a(w, n);
    size_t j = 0;
    int full = t->nents * 2 >= t->nslots && (t->nents >= DISTINCT_MAX || grow(t) < 0);
    tok_ent *e = t->nslots ? find_word(t, h, w, n, &j) : NULL;
    if (e) {
        if (e->count < 0xffff)
            e->count++;
        return;
    }
    if (full)
        return;
    if (t->nents == t->entcap) {
        size_t nc = t->entcap ? t->entcap * 2 : 256;
        tok_ent *ne = realloc(t->ents, nc * sizeof(*ne));
        if (!ne)
            return;
        t->ents = ne;
        t->entcap = nc;
    }
    size_t off = t->arena.len;
    if (og_buf_append(&t->arena, w, n) < 0) {
        og_error_clear();
        return;
    }
    t->ents[t->nents] = (tok_ent){(uint32_t)off, h, (uint16_t)n, 1};
    t->slots[j] = (uint32_t)++t->nents;
}

static inline int word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static inline char fold(uint8_t c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static void end_word(art_tok *t)
{
    if (t->in_word && t->curlen >= WORD_MIN)
        add_word(t, t->cur, t->curlen);
    t->in_word = 0;
    t->curlen = 0;
}

void og_artifacts__tok_feed(art_tok *t, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (t->html && (t->in_tag || c == '<')) {
            if (t->in_tag) {
                const uint8_t *gt = memchr(p + i, '>', len - i);
                if (!gt)
                    return;
                t->in_tag = 0;
                i = (size_t)(gt - p) + 1;
                continue;
            }
            end_word(t);
            t->in_tag = 1;
            i++;
            continue;
        }
        if (!word_byte(c)) {
            if (t->in_word)
                end_word(t);
            i++;
            continue;
        }
        /* A run of word bytes, copied (folded) up to the length bound. */
        t->in_word = 1;
        while (i < len && word_byte(p[i]) && !(t->html && p[i] == '<')) {
            if (t->curlen < WORD_MAX)
                t->cur[t->curlen++] = fold(p[i]);
            i++;
        }
    }
}

/*
 * Keyed hashes of words are memoised per process: documents are re-indexed whole at every version
 * and share most of their words with the version before, and an HMAC costs about a microsecond.
 * Entries are tagged with a fingerprint of the tenant's search key, so one tenant's lookups never
 * hit another's entries. The cache holds words in the process's memory (never on disk), as the
 * indexing itself does. Fixed size, 4-way set-associative, under one mutex.
 */
#define MAC_CACHE_WAYS 4
#define MAC_CACHE_SETS                                                                             \
    4096 /* 16,384 entries in sets of 4: a document's words rarely evict                           \
          * one another, as they would in a direct-mapped table */

typedef struct mac_ent {
    uint64_t keytag;
    uint8_t len;
    char w[WORD_MAX];
    char mac[18];
} mac_ent;

static pthread_mutex_t mac_mu = PTHREAD_MUTEX_INITIALIZER;
static mac_ent *mac_cache;
static unsigned mac_victim;

static uint64_t key_tag(const uint8_t key[32])
{
    uint8_t h[32];
    uint64_t t;
    og_crypto_sha256(key, 32, h);
    memcpy(&t, h, sizeof(t));
    return t | 1; /* never 0, which marks an empty entry */
}

/* "h" + 16 hex of the word's keyed hash; out holds 18 bytes. */
static int word_mac(const uint8_t key[32], uint64_t tag, const char *w, size_t n, char out[18])
{
    uint8_t mac[32];
    uint32_t set = (fnv1a(w, n) ^ (uint32_t)tag ^ (uint32_t)(tag >> 32)) % MAC_CACHE_SETS;
    pthread_mutex_lock(&mac_mu);
    if (!mac_cache)
        mac_cache = calloc((size_t)MAC_CACHE_SETS * MAC_CACHE_WAYS, sizeof(*mac_cache));
    if (mac_cache) {
        mac_ent *e = &mac_cache[(size_t)set * MAC_CACHE_WAYS];
        for (int i = 0; i < MAC_CACHE_WAYS; i++, e++) {
            if (e->keytag == tag && e->len == n && memcmp(e->w, w, n) == 0) {
                memcpy(out, e->mac, 18);
                pthread_mutex_unlock(&mac_mu);
                return 0;
            }
        }
    }
    pthread_mutex_unlock(&mac_mu);
    int error = og_crypto_hmac_sha256(key, 32, w, n, mac);
    if (error < 0)
        return error;
    out[0] = 'h';
    og_hex_encode(mac, 8, out + 1);
    og_crypto_wipe(mac, sizeof(mac));
    pthread_mutex_lock(&mac_mu);
    if (mac_cache) {
        mac_ent *base = &mac_cache[(size_t)set * MAC_CACHE_WAYS], *e = NULL;
        for (int i = 0; i < MAC_CACHE_WAYS && !e; i++)
            if (!base[i].keytag)
                e = &base[i];
        if (!e)
            e = &base[mac_victim++ % MAC_CACHE_WAYS];
        e->keytag = tag;
        e->len = (uint8_t)n;
        memcpy(e->w, w, n);
        memcpy(e->mac, out, 18);
    }
    pthread_mutex_unlock(&mac_mu);
    return 0;
}

int og_artifacts__tok_index(art_tok *t, const uint8_t key[32], og_buf *out)
{
    char mac[18];
    int error;
    uint64_t tag = key_tag(key);
    end_word(t);
    for (size_t i = 0; i < t->nents; i++) {
        tok_ent *e = &t->ents[i];
        if ((error = word_mac(key, tag, t->arena.data + e->off, e->len, mac)) < 0)
            return error;
        if (out->len && (error = og_buf_append(out, " ", 1)) < 0)
            return error;
        if ((error = og_buf_append(out, mac, 17)) < 0)
            return error;
    }
    return 0;
}

static int index_text(const uint8_t key[32], const char *text, size_t len, og_buf *out)
{
    art_tok *t = og_artifacts__tok_new(0);
    int error;
    if (!t)
        return og_error_set(OG_ERROR, "out of memory");
    og_artifacts__tok_feed(t, text, len);
    error = og_artifacts__tok_index(t, key, out);
    og_artifacts__tok_free(t);
    return error;
}

/* Metadata: keys and scalar values, each as text. */
static int meta_text(json_t *v, og_buf *out, int depth)
{
    const char *k;
    json_t *x;
    size_t i;
    char num[64];
    if (depth > 16)
        return 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_object_foreach(v, k, x)
        {
            if (og_buf_puts(out, k) < 0 || og_buf_puts(out, " ") < 0 ||
                meta_text(x, out, depth + 1) < 0)
                return -1;
        }
        return 0;
    case JSON_ARRAY:
        json_array_foreach(v, i, x)
        {
            if (meta_text(x, out, depth + 1) < 0)
                return -1;
        }
        return 0;
    case JSON_STRING:
        return og_buf_append(out, json_string_value(v), json_string_length(v)) < 0 ||
                       og_buf_puts(out, " ") < 0
                   ? -1
                   : 0;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld ", (long long)json_integer_value(v));
        return og_buf_puts(out, num);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%g ", json_real_value(v));
        return og_buf_puts(out, num);
    default:
        return 0;
    }
}

int og_artifacts__index_meta(const uint8_t key[32], const char *name, json_t *meta,
                             og_buf *name_out, og_buf *meta_out)
{
    og_buf text;
    int error;
    og_buf_init(&text, (size_t)OG_ARTIFACT_META_MAX * 2);
    if ((error = index_text(key, name, strlen(name), name_out)) < 0)
        goto cleanup;
    if (meta && meta_text(meta, &text, 0) < 0) {
        error = og_error_code() ? og_error_code() : OG_ERROR;
        goto cleanup;
    }
    error = index_text(key, text.data ? text.data : "", text.len, meta_out);
cleanup:
    if (text.data)
        og_crypto_wipe(text.data, text.len);
    og_buf_free(&text);
    return error;
}

int og_artifacts__index_remove(og_ctx *ctx, int64_t n)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, "DELETE FROM art_fts WHERE rowid = ?");
    if (error < 0)
        return error;
    og_stmt_bind_int(st, 1, n);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_artifacts__index_put(og_ctx *ctx, const char *tenant_id, const art_row *a,
                            const char *body_index, int keep_body, const art_keys *keys)
{
    int error = -1;
    og_stmt *st = NULL;
    art_keys k;
    og_buf nb, mb;
    char *kept = NULL;
    og_buf_init(&nb, (size_t)1 << 20);
    og_buf_init(&mb, (size_t)4 << 20);
    if (keys)
        k = *keys;
    else if ((error = og_artifacts__keys(ctx, tenant_id, 1, &k)) < 0)
        return error;
    error = og_artifacts__index_meta(k.search, a->name, a->meta, &nb, &mb);
    og_crypto_wipe(&k, sizeof(k));
    if (error < 0)
        goto cleanup;
    if (keep_body) {
        if ((error = og_stmt_prepare(&st, ctx->store, "SELECT body FROM art_fts WHERE rowid = ?")) <
            0)
            goto cleanup;
        og_stmt_bind_int(st, 1, a->n);
        if ((error = og_stmt_step(st)) == OG_ROW && og_stmt_col_text(st, 0))
            kept = strdup(og_stmt_col_text(st, 0));
        if (error < 0)
            goto cleanup;
        og_stmt_free(st);
        st = NULL;
        body_index = kept;
    }
    if ((error = og_artifacts__index_remove(ctx, a->n)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             "INSERT INTO art_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, a->n);
    og_stmt_bind_text(st, 2, nb.data ? nb.data : "");
    og_stmt_bind_text(st, 3, mb.data ? mb.data : "");
    og_stmt_bind_text(st, 4, body_index ? body_index : "");
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    og_buf_free(&nb);
    og_buf_free(&mb);
    free(kept);
    return error;
}

/* ---- queries ---- */

typedef struct qword {
    char w[WORD_MAX + 1];
    size_t len;
} qword;

static size_t query_words(const char *q, qword *out, size_t max)
{
    size_t n = 0, i = 0, len = strlen(q);
    while (i < len && n < max) {
        while (i < len && !word_byte((uint8_t)q[i]))
            i++;
        size_t wl = 0;
        char w[WORD_MAX];
        while (i < len && word_byte((uint8_t)q[i])) {
            if (wl < WORD_MAX)
                w[wl++] = fold((uint8_t)q[i]);
            i++;
        }
        if (wl < WORD_MIN)
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
    size_t wl = e - s < WORD_MAX ? e - s : WORD_MAX;
    for (size_t k = 0; k < nq; k++) {
        if (qw[k].len != wl)
            continue;
        size_t i = 0;
        while (i < wl && fold((uint8_t)text[s + i]) == qw[k].w[i])
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
        while (i < len && !word_byte((uint8_t)t[i]))
            i++;
        size_t s = i;
        while (i < len && word_byte((uint8_t)t[i]))
            i++;
        if (i > s && is_query_word(t, s, i, qw, nq))
            first = s;
    }
    if (first == len)
        first = 0;
    size_t start = first > 60 ? first - 60 : 0;
    size_t end = first + 160 < len ? first + 160 : len;
    while (start > 0 && start < len && word_byte((uint8_t)t[start]) &&
           word_byte((uint8_t)t[start - 1]))
        start++;
    while (start < len && ((uint8_t)t[start] & 0xc0) == 0x80)
        start++;
    while (end < len && end > start && ((uint8_t)t[end] & 0xc0) == 0x80)
        end--;
    if (start > 0 && og_buf_puts(out, "...") < 0)
        return -1;
    i = start;
    while (i < end) {
        if (!word_byte((uint8_t)t[i])) {
            if (og_buf_append(out, t + i, 1) < 0)
                return -1;
            i++;
            continue;
        }
        size_t s = i;
        while (i < end && word_byte((uint8_t)t[i]))
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

int og_artifact_search(og_ctx *ctx, const char *tenant, const char *query, int limit, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL, *rst = NULL;
    char tenant_id[OG_ID_LEN];
    qword qw[QUERY_WORDS_MAX];
    size_t nq;
    art_keys k;
    og_buf fq;
    json_t *arr = json_array();
    proj_cache cache[64];
    size_t ncache = 0;
    int published_only =
        ctx->actor.kind == OG_ACTOR_USER && ctx->actor.role == OG_ROLE_CLIENT_VIEWER;
    memset(&k, 0, sizeof(k));
    og_buf_init(&fq, 4096);
    if (limit == 0)
        limit = 20;
    if (limit < 1 || limit > 100) {
        error = og_error_set(OG_EINVAL, "bad limit %d (1 to 100)", limit);
        goto cleanup;
    }
    if (!query || strlen(query) > 1024) {
        error = og_error_set(OG_EINVAL, "bad query (1 to 1024 bytes)");
        goto cleanup;
    }
    if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0)
        goto cleanup;
    if (!(nq = query_words(query, qw, QUERY_WORDS_MAX))) {
        error = og_error_set(
            OG_EINVAL, "query '%s' has no searchable word (2 or more letters or digits)", query);
        goto cleanup;
    }
    error = og_artifacts__keys(ctx, tenant_id, 0, &k);
    if (error == OG_ENOTFOUND) { /* nothing was ever stored in this tenant */
        og_error_clear();
        *out = arr;
        arr = NULL;
        error = 0;
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    /* Each word's keyed hash goes into the query; the rarest word decides how to order, and a
     * word in no document at all means no match. */
    uint64_t tag = key_tag(k.search);
    int64_t min_docs = -1;
    if ((error = og_stmt_prepare(&st, ctx->store, "SELECT doc FROM art_fts_v WHERE term = ?")) < 0)
        goto cleanup;
    for (size_t i = 0; i < nq; i++) {
        char mac[18];
        int64_t docs = 0;
        if ((error = word_mac(k.search, tag, qw[i].w, qw[i].len, mac)) < 0)
            goto cleanup;
        if ((error = og_buf_printf(&fq, "%s\"%s\"", i ? " " : "", mac)) < 0)
            goto cleanup;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, mac);
        if ((error = og_stmt_step(st)) < 0)
            goto cleanup;
        if (error == OG_ROW)
            docs = og_stmt_col_int(st, 0);
        if (min_docs < 0 || docs < min_docs)
            min_docs = docs;
    }
    og_stmt_free(st);
    st = NULL;
    if (min_docs == 0) {
        *out = arr;
        arr = NULL;
        error = 0;
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 min_docs <= RANK_MAX_DOCS
                                     ? "SELECT rowid FROM art_fts WHERE art_fts MATCH ?"
                                       " AND rank MATCH 'bm25(10.0, 4.0, 1.0)'"
                                       " ORDER BY rank LIMIT ? OFFSET ?"
                                     : "SELECT rowid FROM art_fts WHERE art_fts MATCH ?"
                                       " ORDER BY rowid DESC LIMIT ? OFFSET ?")) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&rst, ctx->store,
                                 "SELECT a.n, a.id, a.project_id, a.sealed, a.kind, a.state,"
                                 " a.latest, a.created_at, a.created_by, a.updated_at,"
                                 " a.archived_us, a.deleted_us FROM art_artifacts a"
                                 " WHERE a.n = ? AND a.tenant_id = ?")) < 0)
        goto cleanup;
    /* Candidates come best first in pages; those the actor may not see are skipped. The scan is
     * bounded, so a query matching mostly invisible documents ends rather than crawls. */
    int page = limit * 4, scanned = 0;
    while ((int)json_array_size(arr) < limit && scanned < 20000) {
        int got = 0;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, fq.data);
        og_stmt_bind_int(st, 2, page);
        og_stmt_bind_int(st, 3, scanned);
        while ((int)json_array_size(arr) < limit && (error = og_stmt_step(st)) == OG_ROW) {
            int64_t n = og_stmt_col_int(st, 0);
            got++;
            og_stmt_reset(rst);
            og_stmt_bind_int(rst, 1, n);
            og_stmt_bind_text(rst, 2, tenant_id);
            if ((error = og_stmt_step(rst)) < 0)
                goto cleanup;
            if (error != OG_ROW)
                continue;
            if (!og_stmt_col_is_null(rst, 11))
                continue; /* deleted */
            if (published_only && strcmp(og_stmt_col_text(rst, 5), "published") != 0)
                continue;
            proj_cache *pc = NULL;
            if ((error = project_right(ctx, tenant_id, og_stmt_col_text(rst, 2), cache, &ncache,
                                       sizeof(cache) / sizeof(cache[0]), &pc)) < 0)
                goto cleanup;
            if (pc->right < OG_RIGHT_READ)
                continue;
            art_row a;
            if ((error = og_artifacts__row_from_stmt(ctx, tenant_id, rst, &a)) < 0)
                goto cleanup;
            char *snip = NULL, media[128];
            int64_t size = 0;
            error = snippet_of(ctx, tenant_id, &a, qw, nq, &snip, media, sizeof(media), &size);
            if (error < 0) {
                og_artifacts__row_free(&a);
                goto cleanup;
            }
            json_array_append_new(arr,
                                  json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "project",
                                            pc->key, "name", a.name, "kind", a.kind, "state",
                                            a.state, "version", (json_int_t)a.latest, "media_type",
                                            media, "size", (json_int_t)size, "snippet", snip));
            free(snip);
            og_artifacts__row_free(&a);
        }
        if (error < 0)
            goto cleanup;
        scanned += got;
        if (got < page)
            break;
    }
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(&k, sizeof(k));
    og_crypto_wipe(qw, sizeof(qw));
    og_stmt_free(st);
    og_stmt_free(rst);
    og_buf_free(&fq);
    json_decref(arr);
    return error;
}
