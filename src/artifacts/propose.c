/* propose.c - the classifier's proposal of a new version: made from its text, or the previous
 * version's proposal reused when the text barely changed from the text that proposal read
 * (docs/artifacts.md "Indexing"). */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The fingerprint of a text ("read" in a version's sealed record): a bottom-k sketch of its word
 * 3-gram set (the ART_SKETCH_K smallest distinct 64-bit hashes), from which the Jaccard
 * similarity of two texts' 3-gram sets is estimated; a hash of the multiset of its metadata
 * lines (lines with a colon, a currency sign or code, digits around a separator, or a month
 * name: where totals, dates and "Client: ..." labels are); and a hash of the classifier's
 * project candidates. A proposal is reused only when all of that allows it (reusable()).
 */
#define ART_SKETCH_K 128

typedef struct sketch {
    uint64_t v[ART_SKETCH_K]; /* sorted ascending */
    size_t n;
    uint64_t marks; /* sum of the metadata lines' hashes */
} sketch;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_bytes(const char *s, size_t n, int fold)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)(fold ? og_artifacts__fold((uint8_t)s[i]) : s[i]);
        h *= 0x100000001b3ull;
    }
    return mix64(h);
}

/* Keep h when it is among the ART_SKETCH_K smallest distinct hashes so far: s->v stays sorted
 * ascending, so a binary search both finds a duplicate and the place to insert (a few
 * comparisons and one short move, where a heap needed a scan of all its entries for
 * duplicates). */
static void sketch_add(sketch *s, uint64_t h)
{
    size_t lo = 0, hi = s->n;
    if (s->n == ART_SKETCH_K && h >= s->v[ART_SKETCH_K - 1])
        return;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->v[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n && s->v[lo] == h)
        return;
    if (s->n < ART_SKETCH_K)
        s->n++;
    memmove(&s->v[lo + 1], &s->v[lo], (s->n - 1 - lo) * sizeof(s->v[0]));
    s->v[lo] = h;
}

static int is_month(const char *w, size_t n)
{
    static const struct {
        const char *name;
        size_t len;
    } months[] = {{"january", 7},  {"february", 8}, {"march", 5},  {"april", 5},     {"may", 3},
                  {"june", 4},     {"july", 4},     {"august", 6}, {"september", 9}, {"october", 7},
                  {"november", 8}, {"december", 8}, {"jan", 3},    {"feb", 3},       {"mar", 3},
                  {"apr", 3},      {"jun", 3},      {"jul", 3},    {"aug", 3},       {"sep", 3},
                  {"sept", 4},     {"oct", 3},      {"nov", 3},    {"dec", 3}};
    /* every name is 3 to 9 bytes and starts with one of "adfjmnos": most words are told apart
     * by a bit test, without a call or a comparison (this runs for every word of every version) */
    static const uint32_t first = 1u << ('a' - 'a') | 1u << ('d' - 'a') | 1u << ('f' - 'a') |
                                  1u << ('j' - 'a') | 1u << ('m' - 'a') | 1u << ('n' - 'a') |
                                  1u << ('o' - 'a') | 1u << ('s' - 'a');
    uint8_t c0 = (uint8_t)og_artifacts__fold((uint8_t)w[0]);
    if (n < 3 || n > 9 || c0 < 'a' || c0 > 'z' || !(first >> (c0 - 'a') & 1))
        return 0;
    for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++)
        if (months[i].len == n && months[i].name[0] == og_artifacts__fold((uint8_t)w[0]) &&
            strncasecmp(w, months[i].name, n) == 0)
            return 1;
    return 0;
}

static int is_currency_code(const char *w, size_t n)
{
    static const char *const codes[] = {"USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD",
                                        "SEK", "NOK", "DKK", "PLN", "CZK", "INR", "CNY"};
    if (n != 3 || w[0] < 'A' || w[0] > 'Z')
        return 0;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (memcmp(w, codes[i], 3) == 0)
            return 1;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A byte that makes its line a metadata line by itself: a colon (a "Label: value" line), a
 * dollar sign, or the UTF-8 lead byte of the euro (0xe2) or of the pound and yen (0xc2). */
static int meta_byte(uint8_t c)
{
    return c == ':' || c == '$' || c == 0xe2 || c == 0xc2;
}

/* A separator between digits ("12,500.00", "2026-03-02", "03/02/2026"). */
static int digit_sep(const char *text, size_t i, size_t len)
{
    char c = text[i];
    return (c == ',' || c == '.' || c == '-' || c == '/') && i > 0 && i + 1 < len &&
           is_digit(text[i - 1]) && is_digit(text[i + 1]);
}

/* Byte classes for sketch_make's scan: one table look-up per byte instead of a chain of tests. */
enum { SK_WORD = 1, SK_META = 2, SK_SEP = 4 };

static void sketch_classes(uint8_t cls[256])
{
    for (int c = 0; c < 256; c++)
        cls[c] = (uint8_t)((og_artifacts__word_byte((uint8_t)c) ? SK_WORD : 0) |
                           (meta_byte((uint8_t)c) ? SK_META : 0) |
                           (c == ',' || c == '.' || c == '-' || c == '/' ? SK_SEP : 0));
}

/* The sketch of text in one pass: its words' 3-grams, and its metadata lines (a byte or
 * separator above, or a word that is a month name or a currency code). Each word is hashed
 * (FNV-1a of its folded bytes, then mixed) while it is scanned. */
static void sketch_make(const char *text, sketch *s)
{
    uint64_t w[3] = {0, 0, 0};
    size_t nw = 0, len = strlen(text), i = 0, line0 = 0;
    const uint8_t *t = (const uint8_t *)text;
    uint8_t cls[256];
    int meta = 0;
    memset(s, 0, sizeof(*s));
    sketch_classes(cls);
    while (i < len) {
        uint8_t c = t[i], k = cls[c];
        if (!(k & SK_WORD)) {
            if (c == '\n') {
                if (meta)
                    s->marks += hash_bytes(text + line0, i - line0, 0);
                meta = 0;
                line0 = ++i;
                continue;
            }
            meta = meta || (k & SK_META) || ((k & SK_SEP) && digit_sep(text, i, len));
            i++;
            continue;
        }
        size_t j = i;
        int sign = 0; /* a euro, pound or yen sign (or another character of their lead bytes) */
        uint64_t h = 0xcbf29ce484222325ull;
        do {
            uint8_t b = t[j];
            sign |= cls[b] & SK_META;
            h ^= (uint8_t)og_artifacts__fold(b);
            h *= 0x100000001b3ull;
        } while (++j < len && (cls[t[j]] & SK_WORD));
        meta = meta || sign || is_month(text + i, j - i) || is_currency_code(text + i, j - i);
        w[0] = w[1];
        w[1] = w[2];
        w[2] = mix64(h); /* hash_bytes(text + i, j - i, 1) */
        if (++nw >= 3)
            sketch_add(s,
                       mix64(((w[0] << 21) | (w[0] >> 43)) ^ ((w[1] << 42) | (w[1] >> 22)) ^ w[2]));
        i = j;
    }
    if (meta) /* the last line, without its newline */
        s->marks += hash_bytes(text + line0, len - line0, 0);
    if (nw > 0 && nw < 3)
        sketch_add(s, mix64(w[1] ^ (w[2] << 1)));
}

/* The estimated Jaccard similarity of the 3-gram sets of a and b (both sorted). */
static double sketch_similarity(const sketch *a, const sketch *b)
{
    size_t i = 0, j = 0, k = 0, both = 0;
    if (!a->n && !b->n)
        return 1;
    while (k < ART_SKETCH_K && (i < a->n || j < b->n)) {
        if (j >= b->n || (i < a->n && a->v[i] < b->v[j])) {
            i++;
        } else if (i >= a->n || b->v[j] < a->v[i]) {
            j++;
        } else {
            both++;
            i++;
            j++;
        }
        k++;
    }
    return (double)both / (double)k;
}

static json_t *sketch_json(const sketch *s, uint64_t cands)
{
    char hex[ART_SKETCH_K * 16 + 1], m[17], c[17];
    uint8_t be[8];
    for (size_t i = 0; i < s->n; i++) {
        for (int b = 0; b < 8; b++)
            be[b] = (uint8_t)(s->v[i] >> (56 - 8 * b));
        og_hex_encode(be, 8, hex + 16 * i);
    }
    hex[16 * s->n] = 0;
    snprintf(m, sizeof(m), "%016llx", (unsigned long long)s->marks);
    snprintf(c, sizeof(c), "%016llx", (unsigned long long)cands);
    return json_pack("{s:s, s:s, s:s}", "sketch", hex, "marks", m, "candidates", c);
}

/* The sketch of a record's "read" into s and its candidates' hash; 0 when it is none. */
static int sketch_parse(json_t *read, sketch *s, uint64_t *cands)
{
    const char *hex = json_string_value(json_object_get(read, "sketch"));
    const char *m = json_string_value(json_object_get(read, "marks"));
    const char *c = json_string_value(json_object_get(read, "candidates"));
    size_t len = hex ? strlen(hex) : 1;
    uint8_t be[8];
    memset(s, 0, sizeof(*s));
    if (!hex || !m || !c || len % 16 || len / 16 > ART_SKETCH_K || strlen(m) != 16 ||
        strlen(c) != 16)
        return 0;
    for (size_t i = 0; i < len / 16; i++) {
        char piece[17];
        memcpy(piece, hex + 16 * i, 16);
        piece[16] = 0;
        if (og_hex_decode(piece, be, sizeof(be)) != 8)
            return 0;
        s->v[i] = 0;
        for (int b = 0; b < 8; b++)
            s->v[i] = s->v[i] << 8 | be[b];
    }
    s->n = len / 16;
    s->marks = strtoull(m, NULL, 16);
    *cands = strtoull(c, NULL, 16);
    return 1;
}

/* Whether proposal prop was made under the models a proposal for the tenant would be made
 * under now (a model trained since: made again, whatever the text). */
static int models_current(og_ctx *ctx, const char *tenant_id, json_t *prop)
{
    char model[64], meta_model[64];
    const char *m = json_string_value(json_object_get(prop, "model"));
    const char *mm = json_string_value(json_object_get(prop, "metadata_model"));
    if (!m || !mm)
        return 0;
    if (og_infer_doc_models_now(ctx, tenant_id, model, sizeof(model), meta_model,
                                sizeof(meta_model)) < 0) {
        og_error_clear(); /* not known: made again */
        return 0;
    }
    return strcmp(m, model) == 0 && strcmp(mm, meta_model) == 0;
}

/* The previous version's proposal when it may stand for text of sketch s (see the header):
 * a new reference to a copy with "reused" counted, and its "read" in *read; NULL when not. */
static json_t *reusable(og_ctx *ctx, const char *tenant_id, json_t *rec, const sketch *s,
                        uint64_t cands, json_t **read)
{
    json_t *prop = json_object_get(rec, "proposal"), *copy;
    sketch prev;
    uint64_t prev_cands = 0;
    json_int_t reused;
    *read = NULL;
    if (!json_is_object(prop) || json_object_get(prop, "confirmed_by") ||
        !sketch_parse(json_object_get(rec, "read"), &prev, &prev_cands))
        return NULL;
    reused = json_integer_value(json_object_get(prop, "reused"));
    if (reused >= ART_REUSE_MAX || prev_cands != cands || prev.marks != s->marks ||
        sketch_similarity(&prev, s) < ART_REUSE_SIMILARITY || !models_current(ctx, tenant_id, prop))
        return NULL;
    if (!(copy = json_deep_copy(prop)))
        return NULL;
    json_object_set_new(copy, "reused", json_integer(reused + 1));
    *read = json_incref(json_object_get(rec, "read"));
    return copy;
}

void og_artifacts__proposal_clear(art_proposal *p)
{
    og_infer_doc_proposal_free(p->made);
    json_decref(p->reused);
    json_decref(p->read);
    memset(p, 0, sizeof(*p));
}

int og_artifacts__propose_make(og_ctx *ctx, const art_scope *sc, const char *text,
                               const art_keys *keys, const char *prev_id, int64_t prev_number,
                               art_proposal *out)
{
    json_t *projects = NULL, *rec = NULL;
    char *ptext = NULL;
    sketch s;
    uint64_t cands;
    int error;
    memset(out, 0, sizeof(*out));
    if (!text)
        return 0;
    if ((error = og_artifacts__candidates(ctx, sc, keys, &projects)) < 0)
        return error;
    if (!(ptext = json_dumps(projects, JSON_COMPACT | JSON_SORT_KEYS))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    cands = hash_bytes(ptext, strlen(ptext), 0);
    sketch_make(text, &s);
    if (prev_id && prev_id[0] && prev_number > 0) {
        error = og_artifacts__record_open(ctx, sc->tenant_id, prev_id, prev_number, &rec);
        if (error == OG_ENOTFOUND) { /* purged meanwhile: nothing to reuse */
            og_error_clear();
            error = 0;
        } else if (error < 0) {
            goto cleanup;
        }
        if (rec && (out->reused = reusable(ctx, sc->tenant_id, rec, &s, cands, &out->read)))
            goto cleanup;
    }
    if (!(out->read = sketch_json(&s, cands))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_infer_doc_proposal_make(ctx, sc->tenant_id, text, projects, &out->made);
cleanup:
    if (error < 0)
        og_artifacts__proposal_clear(out);
    if (ptext) {
        og_crypto_wipe(ptext, strlen(ptext));
        free(ptext);
    }
    json_decref(projects);
    json_decref(rec);
    return error;
}

int og_artifacts__propose_store(og_ctx *ctx, const art_row *a, int64_t number,
                                const art_proposal *pr, json_t **out)
{
    char ref[OG_ID_LEN + 24];
    int error;
    *out = NULL;
    if (pr->reused) { /* of_version stays the version whose text was read */
        if (!(*out = json_deep_copy(pr->reused)))
            return og_error_set(OG_ERROR, "out of memory");
        return 0;
    }
    if (!pr->made)
        return 0;
    snprintf(ref, sizeof(ref), "%s:%lld", a->id, (long long)number);
    /* of_version: the version whose text was read (a restore carries its proposal on) */
    if ((error = og_infer_doc_proposal_store(ctx, pr->made, ref, out)) >= 0)
        json_object_set_new(*out, "of_version", json_integer(number));
    return error;
}
