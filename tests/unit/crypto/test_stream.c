/* test_stream.c - streaming seal: round trips across chunk boundaries, and truncation, reordering,
 * extension, tampering and misplacement all detected. */
#include "crypto_fixture.h"

#define CHUNK  OG_CRYPTO_STREAM_CHUNK
#define SCHUNK (OG_CRYPTO_STREAM_CHUNK + OG_CRYPTO_STREAM_TAG_LEN)
#define HDR    OG_CRYPTO_STREAM_HEADER_LEN

/* A sink collecting into a buffer; it also checks memory stays bounded (no call over a chunk). */
typedef struct sink {
    og_buf b;
    size_t max_call;
    int fail_after; /* fail the call after this many bytes (-1: never) */
} sink;

static int sink_write(void *ctx, const void *data, size_t len)
{
    sink *s = ctx;
    if (len > s->max_call)
        s->max_call = len;
    if (s->fail_after >= 0 && s->b.len + len > (size_t)s->fail_after)
        return og_error_set(OG_ERROR, "disk full (test)");
    return og_buf_append(&s->b, data, len);
}

static void sink_init(sink *s)
{
    og_buf_init(&s->b, (size_t)64 << 20);
    s->max_call = 0;
    s->fail_after = -1;
}

static uint8_t *pattern(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* Seal data in pieces of `piece` bytes into out (initialised by the caller). */
static void stream_seal(fx *f, const char *scope, const char *obj, const uint8_t *data, size_t len,
                        size_t piece, sink *out)
{
    og_crypto_stream *st = NULL;
    assert_ok(og_crypto_stream_seal_begin(&st, f->k, f->s, scope, obj, sink_write, out));
    for (size_t off = 0; off < len; off += piece)
        assert_ok(
            og_crypto_stream_seal_update(st, data + off, len - off < piece ? len - off : piece));
    assert_ok(og_crypto_stream_seal_finish(st, f->s));
    og_crypto_stream_free(st);
}

/* Open sealed bytes in pieces; returns the first error (0 when whole), plaintext in out. */
static int stream_open(fx *f, const char *scope, const char *obj, const uint8_t *data, size_t len,
                       size_t piece, sink *out)
{
    og_crypto_stream *st = NULL;
    int rc = og_crypto_stream_open_begin(&st, f->k, f->s, scope, obj, sink_write, out);
    for (size_t off = 0; rc == 0 && off < len; off += piece)
        rc = og_crypto_stream_open_update(st, data + off, len - off < piece ? len - off : piece);
    if (rc == 0)
        rc = og_crypto_stream_open_finish(st);
    og_crypto_stream_free(st);
    return rc;
}

static int open_all(fx *f, const uint8_t *data, size_t len)
{
    sink out;
    sink_init(&out);
    int rc = stream_open(f, TENANT_A, "artifact-1", data, len, 10000, &out);
    og_buf_free(&out.b);
    return rc;
}

/* Seal len pattern bytes for TENANT_A/artifact-1; caller frees the sink's buffer. */
static void seal_pattern(fx *f, size_t len, sink *sealed)
{
    uint8_t *data = pattern(len);
    sink_init(sealed);
    stream_seal(f, TENANT_A, "artifact-1", data, len, 4096, sealed);
    free(data);
}

static void test_crypto_stream__round_trips_across_chunk_boundaries(void **state)
{
    fx *f = *state;
    static const size_t sizes[] = {0,         1,         CHUNK - 1,     CHUNK,
                                   CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5, ((size_t)5 << 20) + 3};
    static const size_t pieces[] = {1, 4096, CHUNK, 1000003};
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = sizes[i];
        uint8_t *data = pattern(len);
        for (size_t j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
            size_t piece = pieces[j];
            sink sealed, opened;
            /* Byte-at-a-time over megabytes is slow and proves nothing more. */
            if (piece == 1 && len > 3 * CHUNK)
                continue;
            sink_init(&sealed);
            sink_init(&opened);
            stream_seal(f, TENANT_A, "artifact-1", data, len, piece, &sealed);
            assert_int_equal(sealed.b.len, og_crypto_stream_sealed_size(len));
            assert_true(sealed.max_call <= SCHUNK);
            assert_ok(stream_open(f, TENANT_A, "artifact-1", (uint8_t *)sealed.b.data, sealed.b.len,
                                  piece == 1 ? 7 : piece, &opened));
            assert_int_equal(opened.b.len, len);
            if (len)
                assert_memory_equal(opened.b.data, data, len);
            assert_true(opened.max_call <= CHUNK);
            og_buf_free(&sealed.b);
            og_buf_free(&opened.b);
        }
        free(data);
    }
}

static void test_crypto_stream_sealed_size__counts_header_and_tags(void **state)
{
    (void)state;
    assert_int_equal(og_crypto_stream_sealed_size(0), HDR + 16);
    assert_int_equal(og_crypto_stream_sealed_size(1), HDR + 1 + 16);
    assert_int_equal(og_crypto_stream_sealed_size(CHUNK), HDR + CHUNK + 16);
    assert_int_equal(og_crypto_stream_sealed_size(CHUNK + 1), HDR + CHUNK + 1 + 32);
    /* A 1 GiB upload: 16384 chunks. */
    assert_int_equal(og_crypto_stream_sealed_size((uint64_t)1 << 30),
                     HDR + ((uint64_t)1 << 30) + 16384 * 16);
}

static void test_crypto_stream_open__detects_a_dropped_last_chunk(void **state)
{
    fx *f = *state;
    sink sealed;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, 3 * CHUNK, &sealed); /* three full chunks, the last one final */
    assert_int_equal(sealed.b.len, HDR + 3 * SCHUNK);
    assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, HDR + 2 * SCHUNK), OG_ECORRUPT);
    assert_msg_contains("truncated (it ends after chunk 1, which is not the final chunk)");
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__detects_truncation_at_any_length(void **state)
{
    fx *f = *state;
    sink sealed;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, 2 * CHUNK + 100, &sealed);
    size_t full = sealed.b.len;
    static const size_t cuts[] = {0,
                                  1,
                                  HDR - 1,
                                  HDR,
                                  HDR + 1,
                                  HDR + 15,
                                  HDR + 16,
                                  HDR + SCHUNK - 1,
                                  HDR + SCHUNK,
                                  HDR + SCHUNK + 1,
                                  HDR + 2 * SCHUNK,
                                  HDR + 2 * SCHUNK + 16};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        assert_true(cuts[i] < full);
        assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, cuts[i]), OG_ECORRUPT);
    }
    assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, full - 1), OG_ECORRUPT);
    assert_ok(open_all(f, (uint8_t *)sealed.b.data, full));
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__detects_reordered_chunks(void **state)
{
    fx *f = *state;
    sink sealed;
    uint8_t *tmp = malloc(SCHUNK);
    assert_non_null(tmp);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, 3 * CHUNK + 10, &sealed);
    uint8_t *c0 = (uint8_t *)sealed.b.data + HDR, *c1 = c0 + SCHUNK;
    memcpy(tmp, c0, SCHUNK);
    memcpy(c0, c1, SCHUNK);
    memcpy(c1, tmp, SCHUNK);
    assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, sealed.b.len), OG_ECORRUPT);
    assert_msg_contains("authentication failed at chunk 0");
    free(tmp);
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__detects_a_duplicated_or_appended_chunk(void **state)
{
    fx *f = *state;
    sink sealed;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, CHUNK + 10, &sealed);
    size_t len = sealed.b.len;
    /* Repeat chunk 0 in place of chunk 1 (then the real final chunk). */
    og_buf dup;
    og_buf_init(&dup, (size_t)1 << 20);
    assert_ok(og_buf_append(&dup, sealed.b.data, HDR + SCHUNK));
    assert_ok(og_buf_append(&dup, sealed.b.data + HDR, SCHUNK));
    assert_ok(og_buf_append(&dup, sealed.b.data + HDR + SCHUNK, len - HDR - SCHUNK));
    assert_int_equal(open_all(f, (uint8_t *)dup.data, dup.len), OG_ECORRUPT);
    og_buf_free(&dup);
    /* Bytes after the final chunk. */
    assert_ok(og_buf_append(&sealed.b, "x", 1));
    assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, sealed.b.len), OG_ECORRUPT);
    og_buf_free(&sealed.b);
    /* A whole extra chunk after a final full chunk. */
    seal_pattern(f, CHUNK, &sealed);
    uint8_t *copy = malloc(SCHUNK); /* not appended from itself: the buffer may move */
    assert_non_null(copy);
    memcpy(copy, sealed.b.data + HDR, SCHUNK);
    assert_ok(og_buf_append(&sealed.b, copy, SCHUNK));
    free(copy);
    assert_int_equal(open_all(f, (uint8_t *)sealed.b.data, sealed.b.len), OG_ECORRUPT);
    assert_msg_contains("data follows its final chunk");
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__detects_tampering(void **state)
{
    fx *f = *state;
    sink sealed;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, 2 * CHUNK + 100, &sealed);
    uint8_t *p = (uint8_t *)sealed.b.data;
    size_t len = sealed.b.len;
    /* Version, salt, first and last ciphertext bytes of each chunk, each tag. */
    size_t spots[] = {0,
                      1,
                      HDR - 1,
                      HDR,
                      HDR + CHUNK - 1,
                      HDR + CHUNK,
                      HDR + SCHUNK - 1,
                      HDR + SCHUNK,
                      HDR + 2 * SCHUNK,
                      len - 17,
                      len - 16,
                      len - 1};
    for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
        p[spots[i]] ^= 0x20;
        assert_int_equal(open_all(f, p, len), OG_ECORRUPT);
        if (spots[i] == 0)
            assert_msg_contains("unknown format version");
        p[spots[i]] ^= 0x20;
    }
    assert_ok(open_all(f, p, len));
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__fails_for_another_object_or_tenant(void **state)
{
    fx *f = *state;
    sink sealed, out;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    seal_pattern(f, 1000, &sealed);
    sink_init(&out);
    assert_int_equal(
        stream_open(f, TENANT_A, "artifact-2", (uint8_t *)sealed.b.data, sealed.b.len, 4096, &out),
        OG_ECORRUPT);
    assert_msg_contains("object artifact-2 of tenant " TENANT_A);
    assert_int_equal(
        stream_open(f, TENANT_B, "artifact-1", (uint8_t *)sealed.b.data, sealed.b.len, 4096, &out),
        OG_ECORRUPT);
    assert_msg_contains("authentication failed at chunk 0");
    assert_int_equal(out.b.len, 0); /* nothing released */
    og_buf_free(&out.b);
    og_buf_free(&sealed.b);
}

static void test_crypto_stream_open__fails_after_crypto_shred(void **state)
{
    fx *f = *state;
    sink sealed;
    og_crypto_stream *st = NULL;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal_pattern(f, 1000, &sealed);
    assert_ok(og_crypto_scope_key_destroy(f->k, f->s, TENANT_A));
    assert_int_equal(
        og_crypto_stream_open_begin(&st, f->k, f->s, TENANT_A, "artifact-1", sink_write, &sealed),
        OG_ENOTFOUND);
    assert_null(st);
    assert_string_equal(og_error_last(),
                        "no data key for tenant " TENANT_A ": it was destroyed or never created");
    og_buf_free(&sealed.b);
}

static void test_crypto_stream__sink_errors_stop_the_stream(void **state)
{
    fx *f = *state;
    sink out;
    og_crypto_stream *st = NULL;
    uint8_t *data = pattern(3 * CHUNK);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    sink_init(&out);
    out.fail_after = CHUNK;
    assert_ok(og_crypto_stream_seal_begin(&st, f->k, f->s, TENANT_A, "a", sink_write, &out));
    assert_int_equal(og_crypto_stream_seal_update(st, data, 3 * CHUNK), OG_ERROR);
    assert_string_equal(og_error_last(), "disk full (test)");
    /* Once failed, a stream refuses everything. */
    assert_int_equal(og_crypto_stream_seal_update(st, data, 1), OG_EINVAL);
    assert_int_equal(og_crypto_stream_seal_finish(st, f->s), OG_EINVAL);
    assert_int_equal(og_crypto_stream_open_update(st, data, 1), OG_EINVAL);
    og_crypto_stream_free(st);
    og_crypto_stream_free(NULL);
    og_buf_free(&out.b);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_crypto_stream__round_trips_across_chunk_boundaries),
        cmocka_unit_test(test_crypto_stream_sealed_size__counts_header_and_tags),
        T(test_crypto_stream_open__detects_a_dropped_last_chunk),
        T(test_crypto_stream_open__detects_truncation_at_any_length),
        T(test_crypto_stream_open__detects_reordered_chunks),
        T(test_crypto_stream_open__detects_a_duplicated_or_appended_chunk),
        T(test_crypto_stream_open__detects_tampering),
        T(test_crypto_stream_open__fails_for_another_object_or_tenant),
        T(test_crypto_stream_open__fails_after_crypto_shred),
        T(test_crypto_stream__sink_errors_stop_the_stream),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
