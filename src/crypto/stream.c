/* stream.c - streaming seal and open of large data in authenticated 64 KiB chunks (format in
 * crypto.h), with memory bounded by about two chunks. */
#include "crypto_internal.h"

#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_V1       0x01 /* before data-key versions: 33-byte header, data-key version 1 */
#define STREAM_V2       0x02
#define V1_HEADER_LEN   33
#define OLD_KEYS_MAX    8 /* earlier data-key versions a stream opener keeps at hand */
#define STREAM_DOMAIN   "opsgate-stream-v1"
#define STREAM_KEY_INFO "opsgate-stream-v1 key"
#define SALT_LEN        32
#define CHUNK           OG_CRYPTO_STREAM_CHUNK
#define SEALED_CHUNK    (OG_CRYPTO_STREAM_CHUNK + OG_CRYPTO_STREAM_TAG_LEN)
/* 2^32 chunks of 64 KiB = 256 TiB: far beyond any artifact, and keeps GCM's per-key limits. */
#define MAX_CHUNKS ((uint64_t)1 << 32)

struct og_crypto_stream {
    int sealing; /* 1 when sealing, 0 when opening */
    int failed;  /* an error happened: every later call fails */
    int finished;
    og_crypto_sink sink;
    void *sink_ctx;
    uint8_t dek[OG_CRYPTO_KEY_LEN]; /* opening: the scope key, until the header is read */
    uint8_t key[OG_CRYPTO_KEY_LEN]; /* the stream key, derived from the DEK and the salt */
    int have_key;
    uint8_t header[OG_CRYPTO_STREAM_HEADER_LEN];
    size_t header_len;   /* opening: header bytes received so far */
    size_t hlen;         /* the header's length in this stream's format (opening: once known) */
    int64_t dek_version; /* the data-key version in dek */
    og_keyring *k;       /* sealing: to check at the end that its data-key version still exists */
    /* opening: the scope's earlier data-key versions, loaded at begin (a stream is read on after
     * its caller gave its store back: it never touches the database after begin) */
    int64_t old_version[OLD_KEYS_MAX];
    uint8_t old_dek[OLD_KEYS_MAX][OG_CRYPTO_KEY_LEN];
    int nold;
    char *scope;      /* opening: owned copy (NULL: the platform scope) */
    uint64_t counter; /* index of the next chunk */
    uint8_t *buf;     /* pending input: plaintext (seal) or a sealed chunk (open) */
    size_t buflen;
    uint8_t *out; /* one chunk of output */
    uint8_t *aad; /* domain NUL header scope-key NUL object-id NUL final-flag */
    size_t aadlen;
    uint8_t *tail; /* scope-key NUL object-id NUL, until aad is built with the header */
    size_t taillen;
    char what[1400]; /* "object X of tenant Y", for messages */
};

uint64_t og_crypto_stream_sealed_size(uint64_t len)
{
    uint64_t chunks = len == 0 ? 1 : (len + CHUNK - 1) / CHUNK;
    return OG_CRYPTO_STREAM_HEADER_LEN + len + chunks * OG_CRYPTO_STREAM_TAG_LEN;
}

void og_crypto_stream_free(og_crypto_stream *st)
{
    if (!st)
        return;
    og_crypto_wipe(st->dek, sizeof(st->dek));
    og_crypto_wipe(st->key, sizeof(st->key));
    /* Both buffers can hold plaintext. */
    if (st->buf)
        og_crypto_wipe(st->buf, SEALED_CHUNK);
    if (st->out)
        og_crypto_wipe(st->out, SEALED_CHUNK);
    free(st->buf);
    free(st->out);
    free(st->aad);
    og_crypto_wipe(st->old_dek, sizeof(st->old_dek));
    free(st->tail);
    free(st->scope);
    free(st);
}

/* Once the header (st->hlen bytes) is known: the stream key and the associated data. */
static int derive_key(og_crypto_stream *st)
{
    uint8_t msg[sizeof(STREAM_KEY_INFO) + SALT_LEN];
    size_t dl = sizeof(STREAM_DOMAIN);
    memcpy(msg, STREAM_KEY_INFO, sizeof(STREAM_KEY_INFO)); /* with its NUL */
    memcpy(msg + sizeof(STREAM_KEY_INFO), st->header + st->hlen - SALT_LEN, SALT_LEN);
    int error = og_crypto_hmac_sha256(st->dek, sizeof(st->dek), msg, sizeof(msg), st->key);
    og_crypto_wipe(st->dek, sizeof(st->dek));
    if (error < 0)
        return error;
    st->aadlen = dl + st->hlen + st->taillen + 1;
    if (!(st->aad = calloc(1, st->aadlen)))
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(st->aad, STREAM_DOMAIN, dl);
    memcpy(st->aad + dl, st->header, st->hlen);
    memcpy(st->aad + dl + st->hlen, st->tail, st->taillen);
    st->have_key = 1;
    return 0;
}

/* Opening: the header is complete; take the data-key version it names. */
static int header_read(og_crypto_stream *st)
{
    int64_t version = 1;
    int error = og_crypto_sealed_version(st->header, st->hlen, 1, &version);
    if (error < 0)
        return og_error_wrap("cannot open the stream of %s", st->what);
    if (version != st->dek_version) {
        int i = 0;
        while (i < st->nold && st->old_version[i] != version)
            i++;
        og_crypto_wipe(st->dek, sizeof(st->dek));
        if (i == st->nold)
            return og_error_set(version > st->dek_version ? OG_ECORRUPT : OG_ENOTFOUND,
                                "the stream of %s names data-key version %lld, which %s", st->what,
                                (long long)version,
                                version > st->dek_version ? "is newer than the current one:"
                                                            " corrupt or tampered"
                                                          : "is destroyed or never existed");
        memcpy(st->dek, st->old_dek[i], OG_CRYPTO_KEY_LEN);
        st->dek_version = version;
    }
    return derive_key(st);
}

/* The common part of both begins: names, the scope's key, buffers and the AAD template. */
static int stream_new(og_crypto_stream **out, int sealing, og_keyring *k, og_store *s,
                      const char *scope, const char *object_id, og_crypto_sink sink, void *sink_ctx)
{
    int error = -1;
    og_crypto_stream *st = NULL;
    char label[300];
    *out = NULL;
    og_crypto__scope_label(scope, label, sizeof(label));
    if (!object_id || !sink) {
        error = og_error_set(OG_EINVAL, "a stream of %s needs an object id and a sink", label);
        goto cleanup;
    }
    if ((error = og_crypto__check_names(scope, object_id)) < 0)
        goto cleanup;
    if (!(st = calloc(1, sizeof(*st))) || !(st->buf = malloc(SEALED_CHUNK)) ||
        !(st->out = malloc(SEALED_CHUNK))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    st->sealing = sealing;
    st->sink = sink;
    st->sink_ctx = sink_ctx;
    snprintf(st->what, sizeof(st->what), "object %s of %s", object_id, label);

    const char *key = og_crypto__scope_key(scope);
    size_t kl = strlen(key) + 1, ol = strlen(object_id) + 1;
    st->taillen = kl + ol;
    if (!(st->tail = malloc(st->taillen)) || (scope && !(st->scope = strdup(scope)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(st->tail, key, kl);
    memcpy(st->tail + kl, object_id, ol);
    st->k = k;
    /* An opener learns from the same row whether earlier versions are kept (a data-key rotation
     * under way): only then does it load them, now, as it never uses this store after begin. */
    int64_t oldest = 0;
    if ((error = og_keyring__scope_dek_cur(k, s, scope, st->dek, &st->dek_version,
                                           sealing ? NULL : &oldest)) < 0)
        goto cleanup;
    for (int64_t v = st->dek_version - 1;
         !sealing && v >= oldest && v >= 1 && st->nold < OLD_KEYS_MAX; v--) {
        if ((error = og_keyring__dek_version(k, s, scope, v, st->old_dek[st->nold])) < 0) {
            if (error != OG_ENOTFOUND)
                goto cleanup;
            og_error_clear();
            continue;
        }
        st->old_version[st->nold++] = v;
    }
    *out = st;
    st = NULL;
    error = 0;
cleanup:
    og_crypto_stream_free(st);
    return error;
}

static void chunk_nonce(uint64_t counter, uint8_t nonce[12])
{
    memset(nonce, 0, 4);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

/* Refuse calls on a stream in the wrong mode, failed or finished. */
static int stream_usable(og_crypto_stream *st, int sealing)
{
    if (!st)
        return og_error_set(OG_EINVAL, "no stream");
    if (st->sealing != sealing)
        return og_error_set(OG_EINVAL, "stream of %s: wrong direction (%s stream)", st->what,
                            st->sealing ? "a sealing" : "an opening");
    if (st->failed)
        return og_error_set(OG_EINVAL, "stream of %s failed earlier; start again", st->what);
    if (st->finished)
        return og_error_set(OG_EINVAL, "stream of %s is already finished", st->what);
    return 0;
}

/* Remember a failure so later calls refuse; returns error. */
static int stream_fail(og_crypto_stream *st, int error)
{
    st->failed = 1;
    return error;
}

/* ---- sealing ---- */
int og_crypto_stream_seal_begin(og_crypto_stream **out, og_keyring *k, og_store *s,
                                const char *scope, const char *object_id, og_crypto_sink sink,
                                void *sink_ctx)
{
    int error = -1;
    og_crypto_stream *st = NULL;
    *out = NULL;
    if ((error = stream_new(&st, 1, k, s, scope, object_id, sink, sink_ctx)) < 0)
        goto cleanup;
    st->hlen = OG_CRYPTO_STREAM_HEADER_LEN;
    st->header[0] = STREAM_V2;
    og_crypto__put_version(st->header + 1, st->dek_version);
    if ((error = og_crypto_random(st->header + 5, SALT_LEN)) < 0 || (error = derive_key(st)) < 0)
        goto cleanup;
    if ((error = st->sink(st->sink_ctx, st->header, st->hlen)) < 0)
        goto cleanup;
    *out = st;
    st = NULL;
    error = 0;
cleanup:
    og_crypto_stream_free(st);
    return error;
}

/* Seal the buffered plaintext as the next chunk and send it to the sink. */
static int seal_chunk(og_crypto_stream *st, int final)
{
    int error = -1;
    uint8_t nonce[12];
    if (st->counter >= MAX_CHUNKS)
        return og_error_set(OG_ETOOBIG, "stream of %s is over the %llu-chunk limit", st->what,
                            (unsigned long long)MAX_CHUNKS);
    chunk_nonce(st->counter, nonce);
    st->aad[st->aadlen - 1] = final ? 1 : 0;
    if (og_crypto__gcm_seal(st->key, nonce, st->aad, st->aadlen, st->buf, st->buflen, st->out,
                            st->out + st->buflen) < 0)
        return og_error_wrap("sealing chunk %llu of %s", (unsigned long long)st->counter, st->what);
    if ((error = st->sink(st->sink_ctx, st->out, st->buflen + OG_CRYPTO_STREAM_TAG_LEN)) < 0)
        return error;
    og_crypto_wipe(st->buf, st->buflen);
    st->buflen = 0;
    st->counter++;
    return 0;
}

/* Moves as much of *p (*len bytes) into the chunk buffer as fits below cap, and advances both. */
static void buffer_fill(og_crypto_stream *st, size_t cap, const uint8_t **p, size_t *len)
{
    size_t n = cap - st->buflen;
    if (n > *len)
        n = *len;
    memcpy(st->buf + st->buflen, *p, n);
    st->buflen += n;
    *p += n;
    *len -= n;
}

int og_crypto_stream_seal_update(og_crypto_stream *st, const void *data, size_t len)
{
    int error = -1;
    const uint8_t *p = data;
    if ((error = stream_usable(st, 1)) < 0)
        return error;
    if (len && !data)
        return stream_fail(st, og_error_set(OG_EINVAL, "stream of %s: no data", st->what));
    while (len > 0) {
        /* A full buffer is sealed only once more data shows it is not the last chunk. */
        if (st->buflen == CHUNK && (error = seal_chunk(st, 0)) < 0)
            return stream_fail(st, error);
        buffer_fill(st, CHUNK, &p, &len);
    }
    return 0;
}

int og_crypto_stream_seal_finish(og_crypto_stream *st, og_store *s)
{
    int error = -1;
    uint8_t tmp[OG_CRYPTO_KEY_LEN];
    if ((error = stream_usable(st, 1)) < 0)
        return error;
    if (!s)
        return stream_fail(st, og_error_set(OG_EINVAL,
                                            "finishing the stream of %s needs a"
                                            " store",
                                            st->what));
    /* A long stream may outlive a data-key rotation: once the version it is sealed under is
     * retired, the stream would never open again. Refuse it now rather than store it. The store
     * is the caller's now: the one it began with may serve another request meanwhile. */
    error = og_keyring__dek_version(st->k, s, st->scope, st->dek_version, tmp);
    og_crypto_wipe(tmp, sizeof(tmp));
    if (error < 0)
        return stream_fail(st, og_error_wrap("stream of %s: its data key changed while it was "
                                             "written; write it again",
                                             st->what));
    if ((error = seal_chunk(st, 1)) < 0)
        return stream_fail(st, error);
    st->finished = 1;
    return 0;
}

int og_crypto_stream_check_current(const og_crypto_stream *st, og_store *s)
{
    int64_t current = 0;
    int error;
    if (!st || !st->sealing)
        return og_error_set(OG_EINVAL, "not a sealing stream");
    if ((error = og_crypto_datakey_versions(s, st->scope, &current, NULL)) < 0)
        return error;
    if (current != st->dek_version)
        return og_error_set(OG_EBUSY,
                            "%s was sealed under data-key version %lld, but the data key was "
                            "rotated to version %lld while it was written: write it again",
                            st->what, (long long)st->dek_version, (long long)current);
    return 0;
}

/* ---- opening ---- */
int og_crypto_stream_open_begin(og_crypto_stream **out, og_keyring *k, og_store *s,
                                const char *scope, const char *object_id, og_crypto_sink sink,
                                void *sink_ctx)
{
    return stream_new(out, 0, k, s, scope, object_id, sink, sink_ctx);
}

/* Try the buffered sealed chunk with a final flag; 0, OG_ECORRUPT (no message) or OG_ERROR. */
static int try_chunk(og_crypto_stream *st, int final)
{
    uint8_t nonce[12];
    size_t n = st->buflen - OG_CRYPTO_STREAM_TAG_LEN;
    chunk_nonce(st->counter, nonce);
    st->aad[st->aadlen - 1] = final ? 1 : 0;
    return og_crypto__gcm_open(st->key, nonce, st->aad, st->aadlen, st->buf, n, st->buf + n,
                               st->out);
}

/* Open the buffered sealed chunk, expected final or not, and send its plaintext to the sink. */
static int open_chunk(og_crypto_stream *st, int final)
{
    int error = -1;
    unsigned long long idx = (unsigned long long)st->counter;
    if (st->buflen < OG_CRYPTO_STREAM_TAG_LEN)
        return og_error_set(OG_ECORRUPT,
                            "cannot open the stream of %s: truncated in chunk %llu (%zu bytes, "
                            "less than a tag)",
                            st->what, idx, st->buflen);
    if (st->counter >= MAX_CHUNKS)
        return og_error_set(OG_ECORRUPT, "cannot open the stream of %s: over %llu chunks", st->what,
                            (unsigned long long)MAX_CHUNKS);
    error = try_chunk(st, final);
    if (error == OG_ECORRUPT) {
        /* Say what went wrong when the chunk is genuine but in the wrong place at the end. */
        if (try_chunk(st, !final) == 0) {
            og_crypto_wipe(st->out, st->buflen);
            if (final)
                return og_error_set(OG_ECORRUPT,
                                    "cannot open the stream of %s: truncated (it ends after chunk "
                                    "%llu, which is not the final chunk)",
                                    st->what, idx);
            return og_error_set(OG_ECORRUPT,
                                "cannot open the stream of %s: data follows its final chunk "
                                "(chunk %llu)",
                                st->what, idx);
        }
        return og_error_set(OG_ECORRUPT,
                            "cannot open the stream of %s: authentication failed at chunk %llu "
                            "(wrong tenant, wrong object, tampered, reordered or truncated)",
                            st->what, idx);
    }
    if (error < 0)
        return og_error_wrap("opening chunk %llu of %s", idx, st->what);
    size_t n = st->buflen - OG_CRYPTO_STREAM_TAG_LEN;
    error = n ? st->sink(st->sink_ctx, st->out, n) : 0;
    og_crypto_wipe(st->out, n);
    if (error < 0)
        return error;
    st->buflen = 0;
    st->counter++;
    return 0;
}

int og_crypto_stream_open_update(og_crypto_stream *st, const void *data, size_t len)
{
    int error = -1;
    const uint8_t *p = data;
    if ((error = stream_usable(st, 0)) < 0)
        return error;
    if (len && !data)
        return stream_fail(st, og_error_set(OG_EINVAL, "stream of %s: no data", st->what));
    while (len > 0) {
        if (!st->have_key) {
            if (st->header_len == 0) {
                if (p[0] != STREAM_V1 && p[0] != STREAM_V2)
                    return stream_fail(
                        st, og_error_set(OG_ECORRUPT,
                                         "cannot open the stream of %s: unknown format version "
                                         "0x%02x (this opsgate reads 0x%02x and 0x%02x)",
                                         st->what, p[0], STREAM_V1, STREAM_V2));
                st->hlen = p[0] == STREAM_V1 ? V1_HEADER_LEN : OG_CRYPTO_STREAM_HEADER_LEN;
            }
            size_t n = st->hlen - st->header_len;
            if (n > len)
                n = len;
            memcpy(st->header + st->header_len, p, n);
            st->header_len += n;
            p += n;
            len -= n;
            if (st->header_len == st->hlen && (error = header_read(st)) < 0)
                return stream_fail(st, error);
            continue;
        }
        /* A full sealed chunk is opened as non-final once more data follows it. */
        if (st->buflen == SEALED_CHUNK && (error = open_chunk(st, 0)) < 0)
            return stream_fail(st, error);
        buffer_fill(st, SEALED_CHUNK, &p, &len);
    }
    return 0;
}

int og_crypto_stream_open_finish(og_crypto_stream *st)
{
    int error = -1;
    if ((error = stream_usable(st, 0)) < 0)
        return error;
    if (!st->have_key)
        return stream_fail(st,
                           og_error_set(OG_ECORRUPT,
                                        "cannot open the stream of %s: truncated in its "
                                        "header (%zu of %zu bytes)",
                                        st->what, st->header_len,
                                        st->hlen ? st->hlen : (size_t)OG_CRYPTO_STREAM_HEADER_LEN));
    if (st->buflen == 0 && st->counter == 0)
        return stream_fail(st, og_error_set(OG_ECORRUPT,
                                            "cannot open the stream of %s: truncated (no chunk "
                                            "after the header)",
                                            st->what));
    if ((error = open_chunk(st, 1)) < 0)
        return stream_fail(st, error);
    st->finished = 1;
    return 0;
}

/* ---- re-sealing a stream under the current data-key version ---- */
static int reseal_sink(void *arg, const void *data, size_t len)
{
    return og_crypto_stream_seal_update(arg, data, len);
}

int og_crypto_stream_reseal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                            og_crypto_source src, void *src_ctx, og_crypto_sink sink,
                            void *sink_ctx)
{
    int error = -1;
    og_crypto_stream *in = NULL, *out = NULL;
    uint8_t *buf = malloc(SEALED_CHUNK);
    size_t got = 0;
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_crypto_stream_seal_begin(&out, k, s, scope, object_id, sink, sink_ctx)) < 0 ||
        (error = og_crypto_stream_open_begin(&in, k, s, scope, object_id, reseal_sink, out)) < 0)
        goto cleanup;
    for (;;) {
        if ((error = src(src_ctx, buf, SEALED_CHUNK, &got)) < 0)
            goto cleanup;
        if (got == 0)
            break;
        if ((error = og_crypto_stream_open_update(in, buf, got)) < 0)
            goto cleanup;
    }
    if ((error = og_crypto_stream_open_finish(in)) < 0 ||
        (error = og_crypto_stream_seal_finish(out, s)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_crypto_stream_free(in);
    og_crypto_stream_free(out);
    free(buf);
    return error;
}
