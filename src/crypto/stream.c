/* stream.c - streaming seal and open of large data in authenticated 64 KiB chunks (format in
 * crypto.h), with memory bounded by about two chunks. */
#include "crypto_internal.h"

#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_VERSION  0x01
#define STREAM_DOMAIN   "opsgate-stream-v1"
#define STREAM_KEY_INFO "opsgate-stream-v1 key"
#define SALT_LEN        (OG_CRYPTO_STREAM_HEADER_LEN - 1)
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
    size_t header_len; /* opening: header bytes received so far */
    uint64_t counter;  /* index of the next chunk */
    uint8_t *buf;      /* pending input: plaintext (seal) or a sealed chunk (open) */
    size_t buflen;
    uint8_t *out; /* one chunk of output */
    uint8_t *aad; /* domain NUL header scope-key NUL object-id NUL final-flag */
    size_t aadlen;
    size_t aad_header_at; /* where the header sits in aad */
    char what[1400];      /* "object X of tenant Y", for messages */
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
    free(st);
}

static int derive_key(og_crypto_stream *st)
{
    uint8_t msg[sizeof(STREAM_KEY_INFO) + SALT_LEN];
    memcpy(msg, STREAM_KEY_INFO, sizeof(STREAM_KEY_INFO)); /* with its NUL */
    memcpy(msg + sizeof(STREAM_KEY_INFO), st->header + 1, SALT_LEN);
    int error = og_crypto_hmac_sha256(st->dek, sizeof(st->dek), msg, sizeof(msg), st->key);
    og_crypto_wipe(st->dek, sizeof(st->dek));
    if (error < 0)
        return error;
    memcpy(st->aad + st->aad_header_at, st->header, sizeof(st->header));
    st->have_key = 1;
    return 0;
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
    size_t dl = sizeof(STREAM_DOMAIN), kl = strlen(key) + 1, ol = strlen(object_id) + 1;
    st->aadlen = dl + OG_CRYPTO_STREAM_HEADER_LEN + kl + ol + 1;
    if (!(st->aad = calloc(1, st->aadlen))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(st->aad, STREAM_DOMAIN, dl);
    st->aad_header_at = dl;
    memcpy(st->aad + dl + OG_CRYPTO_STREAM_HEADER_LEN, key, kl);
    memcpy(st->aad + dl + OG_CRYPTO_STREAM_HEADER_LEN + kl, object_id, ol);

    if ((error = og_keyring__scope_dek(k, s, scope, st->dek)) < 0)
        goto cleanup;
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
    st->header[0] = STREAM_VERSION;
    if ((error = og_crypto_random(st->header + 1, SALT_LEN)) < 0 || (error = derive_key(st)) < 0)
        goto cleanup;
    if ((error = st->sink(st->sink_ctx, st->header, sizeof(st->header))) < 0)
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

int og_crypto_stream_seal_finish(og_crypto_stream *st)
{
    int error = -1;
    if ((error = stream_usable(st, 1)) < 0)
        return error;
    if ((error = seal_chunk(st, 1)) < 0)
        return stream_fail(st, error);
    st->finished = 1;
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
        if (st->header_len < OG_CRYPTO_STREAM_HEADER_LEN) {
            size_t n = OG_CRYPTO_STREAM_HEADER_LEN - st->header_len;
            if (n > len)
                n = len;
            memcpy(st->header + st->header_len, p, n);
            st->header_len += n;
            p += n;
            len -= n;
            if (st->header_len == OG_CRYPTO_STREAM_HEADER_LEN) {
                if (st->header[0] != STREAM_VERSION)
                    return stream_fail(
                        st, og_error_set(OG_ECORRUPT,
                                         "cannot open the stream of %s: unknown format version "
                                         "0x%02x (this opsgate reads 0x%02x)",
                                         st->what, st->header[0], STREAM_VERSION));
                if ((error = derive_key(st)) < 0)
                    return stream_fail(st, error);
            }
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
    if (st->header_len < OG_CRYPTO_STREAM_HEADER_LEN)
        return stream_fail(st, og_error_set(OG_ECORRUPT,
                                            "cannot open the stream of %s: truncated in its "
                                            "header (%zu of %d bytes)",
                                            st->what, st->header_len, OG_CRYPTO_STREAM_HEADER_LEN));
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
