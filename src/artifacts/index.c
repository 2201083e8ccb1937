/* index.c - a full-text index that holds no readable words: every word is replaced by a keyed
 * hash under the tenant's search key before it reaches SQLite FTS5 (search.c hashes queries the
 * same way). */
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
#define DISTINCT_MAX 65536
#define ARENA_MAX    ((size_t)2 << 20)

typedef struct tok_ent {
    uint32_t off;
    uint32_t hash;
    uint16_t len;
    uint16_t count;
} tok_ent;

struct art_tok {
    int html;
    int in_tag;
    char cur[ART_WORD_MAX];
    size_t curlen;
    uint32_t curhash; /* fnv1a of cur, kept while it is copied */
    int in_word;
    uint32_t *slots; /* index + 1 into ents, 0 = empty */
    size_t nslots;
    tok_ent *ents;
    size_t nents, entcap;
    og_buf arena;
};

#define FNV1A_BASIS 2166136261u

static uint32_t fnv1a_step(uint32_t h, uint8_t c)
{
    return (h ^ c) * 16777619u;
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = FNV1A_BASIS;
    for (size_t i = 0; i < n; i++)
        h = fnv1a_step(h, (uint8_t)s[i]);
    return h;
}

art_tok *og_artifacts__tok_new(int html)
{
    art_tok *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->html = html;
    t->curhash = FNV1A_BASIS;
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

/* Count a word (h: its fnv1a); once the distinct-word or arena bound is reached, new words are
 * dropped. */
static void add_word(art_tok *t, const char *w, size_t n, uint32_t h)
{
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

static void end_word(art_tok *t)
{
    if (t->in_word && t->curlen >= ART_WORD_MIN)
        add_word(t, t->cur, t->curlen, t->curhash);
    t->in_word = 0;
    t->curlen = 0;
    t->curhash = FNV1A_BASIS;
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
        if (!og_artifacts__word_byte(c)) {
            if (t->in_word)
                end_word(t);
            i++;
            continue;
        }
        /* A run of word bytes, copied (folded) up to the length bound and hashed as they are
         * copied (add_word's table needs the hash; a second pass over the word cost more). */
        t->in_word = 1;
        uint32_t h = t->curhash;
        while (i < len && og_artifacts__word_byte(p[i]) && !(t->html && p[i] == '<')) {
            if (t->curlen < ART_WORD_MAX) {
                char f = og_artifacts__fold(p[i]);
                t->cur[t->curlen++] = f;
                h = fnv1a_step(h, (uint8_t)f);
            }
            i++;
        }
        t->curhash = h;
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
    char w[ART_WORD_MAX];
    char mac[18];
} mac_ent;

static pthread_mutex_t mac_mu = PTHREAD_MUTEX_INITIALIZER;
static mac_ent *mac_cache;
static unsigned mac_victim;

uint64_t og_artifacts__key_tag(const uint8_t key[32])
{
    uint8_t h[32];
    uint64_t t;
    og_crypto_sha256(key, 32, h);
    memcpy(&t, h, sizeof(t));
    return t | 1; /* never 0, which marks an empty entry */
}

/* The set of word w (n bytes) under the key tagged tag. */
static uint32_t mac_set_h(uint64_t tag, uint32_t h)
{
    return (h ^ (uint32_t)tag ^ (uint32_t)(tag >> 32)) % MAC_CACHE_SETS;
}

static uint32_t mac_set(uint64_t tag, const char *w, size_t n)
{
    return mac_set_h(tag, fnv1a(w, n));
}

/* With mac_mu held: the memoised index form of w into out; 0 when it is not there. */
static int mac_find_locked(uint64_t tag, uint32_t set, const char *w, size_t n, char out[18])
{
    if (!mac_cache)
        mac_cache = calloc((size_t)MAC_CACHE_SETS * MAC_CACHE_WAYS, sizeof(*mac_cache));
    if (!mac_cache)
        return 0;
    mac_ent *e = &mac_cache[(size_t)set * MAC_CACHE_WAYS];
    for (int i = 0; i < MAC_CACHE_WAYS; i++, e++) {
        if (e->keytag == tag && e->len == n && memcmp(e->w, w, n) == 0) {
            memcpy(out, e->mac, 18);
            return 1;
        }
    }
    return 0;
}

/* With mac_mu held: memoise the index form mac of w. */
static void mac_put_locked(uint64_t tag, uint32_t set, const char *w, size_t n, const char mac[18])
{
    if (!mac_cache)
        return;
    mac_ent *base = &mac_cache[(size_t)set * MAC_CACHE_WAYS], *e = NULL;
    for (int i = 0; i < MAC_CACHE_WAYS && !e; i++)
        if (!base[i].keytag)
            e = &base[i];
    if (!e)
        e = &base[mac_victim++ % MAC_CACHE_WAYS];
    e->keytag = tag;
    e->len = (uint8_t)n;
    memcpy(e->w, w, n);
    memcpy(e->mac, mac, 18);
}

/* The index form of w computed (no cache). */
static int mac_compute(const uint8_t key[32], const char *w, size_t n, char out[18])
{
    uint8_t mac[32];
    int error = og_crypto_hmac_sha256(key, 32, w, n, mac);
    if (error < 0)
        return error;
    out[0] = 'h';
    og_hex_encode(mac, 8, out + 1);
    og_crypto_wipe(mac, sizeof(mac));
    return 0;
}

int og_artifacts__word_mac(const uint8_t key[32], uint64_t tag, const char *w, size_t n,
                           char out[18])
{
    uint32_t set = mac_set(tag, w, n);
    int hit, error;
    pthread_mutex_lock(&mac_mu);
    hit = mac_find_locked(tag, set, w, n, out);
    pthread_mutex_unlock(&mac_mu);
    if (hit)
        return 0;
    if ((error = mac_compute(key, w, n, out)) < 0)
        return error;
    pthread_mutex_lock(&mac_mu);
    mac_put_locked(tag, set, w, n, out);
    pthread_mutex_unlock(&mac_mu);
    return 0;
}

/* A document's words are looked up in the cache under one lock, not one each: writers on other
 * threads (8 at once in the benchmark) otherwise meet at the mutex once per word; the words the
 * cache lacks are hashed outside it and memoised under one more. */
int og_artifacts__tok_index(art_tok *t, const uint8_t key[32], og_buf *out)
{
    char(*macs)[18] = NULL;
    uint32_t *sets = NULL;
    unsigned char *miss = NULL;
    size_t misses = 0;
    int error = 0;
    uint64_t tag = og_artifacts__key_tag(key);
    end_word(t);
    if (!t->nents)
        return 0;
    if (!(macs = malloc(t->nents * sizeof(*macs))) || !(sets = malloc(t->nents * sizeof(*sets))) ||
        !(miss = calloc(t->nents, 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    pthread_mutex_lock(&mac_mu);
    for (size_t i = 0; i < t->nents; i++) {
        tok_ent *e = &t->ents[i];
        sets[i] = mac_set_h(tag, e->hash); /* e->hash is fnv1a of the word */
        if (!mac_find_locked(tag, sets[i], t->arena.data + e->off, e->len, macs[i])) {
            miss[i] = 1;
            misses++;
        }
    }
    pthread_mutex_unlock(&mac_mu);
    for (size_t i = 0; misses && i < t->nents; i++)
        if (miss[i] &&
            (error = mac_compute(key, t->arena.data + t->ents[i].off, t->ents[i].len, macs[i])) < 0)
            goto cleanup;
    if (misses) {
        pthread_mutex_lock(&mac_mu);
        for (size_t i = 0; i < t->nents; i++)
            if (miss[i])
                mac_put_locked(tag, sets[i], t->arena.data + t->ents[i].off, t->ents[i].len,
                               macs[i]);
        pthread_mutex_unlock(&mac_mu);
    }
    for (size_t i = 0; i < t->nents; i++) {
        if (out->len && (error = og_buf_append(out, " ", 1)) < 0)
            goto cleanup;
        if ((error = og_buf_append(out, macs[i], 17)) < 0)
            goto cleanup;
    }
cleanup:
    free(macs);
    free(sets);
    free(miss);
    return error;
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

/* An order-free digest of an index text (words of "h" + 16 hex digits, one space apart): how
 * many words and the sum of their hashes. */
static void words_digest(const char *s, uint64_t *count, uint64_t *sum)
{
    *count = *sum = 0;
    while (s && *s) {
        uint64_t x = 0xcbf29ce484222325ull; /* FNV-1a, then mixed */
        const char *e = strchr(s, ' ');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        for (size_t i = 0; i < n; i++) {
            x ^= (uint8_t)s[i];
            x *= 0x100000001b3ull;
        }
        x ^= x >> 31;
        x *= 0x94d049bb133111ebull;
        x ^= x >> 29;
        (*count)++;
        *sum += x;
        s = e ? e + 1 : s + n;
    }
}

/* *same = 1 when row n of the index already holds these name and metadata words and the same
 * set of body words (in any order): a version that changed no word needs no index write. */
static int index_same(og_ctx *ctx, int64_t n, const char *name, const char *meta, const char *body,
                      int *same)
{
    og_stmt *st = NULL;
    uint64_t c1, s1, c2, s2;
    int error;
    *same = 0;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT name, meta, body FROM art_fts WHERE rowid = ?")) < 0)
        return error;
    og_stmt_bind_int(st, 1, n);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        const char *on = og_stmt_col_text(st, 0), *om = og_stmt_col_text(st, 1);
        words_digest(og_stmt_col_text(st, 2), &c1, &s1);
        words_digest(body, &c2, &s2);
        *same = strcmp(on ? on : "", name) == 0 && strcmp(om ? om : "", meta) == 0 && c1 == c2 &&
                s1 == s2;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static const og_sql_dialects FTS_REPLACE = {
    "INSERT OR REPLACE INTO art_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)",
    "INSERT INTO art_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?) ON CONFLICT (rowid)"
    " DO UPDATE SET name = excluded.name, meta = excluded.meta, body = excluded.body"};

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
    if (!keep_body) { /* the same words as the row holds: nothing to write */
        int same = 0;
        if ((error = index_same(ctx, a->n, nb.data ? nb.data : "", mb.data ? mb.data : "",
                                body_index ? body_index : "", &same)) < 0 ||
            same)
            goto cleanup;
    }
    /* the row replaced in one statement (FTS5 takes OR REPLACE on its rowid) */
    if ((error = og_stmt_prepare_dialect(&st, ctx->store, &FTS_REPLACE)) < 0)
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
