/* test_datakey.c - data-key versions: sealed values and streams name the version that sealed
 * them, rotation keeps earlier versions until retired, re-sealing (values, streams, a module's
 * rows in resumable batches), and values of the format before versions. */
#include "crypto_fixture.h"

#include "opsgate/sys/kek.h"

/* Internal to the crypto module (linked statically): to build a value of the format 0x01 that
 * opsgate wrote before data-key versions, as an old database holds them. */
int og_keyring__scope_dek(og_keyring *k, og_store *s, const char *scope, uint8_t dek[32]);
int og_crypto__gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                        size_t aadlen, const void *in, size_t len, uint8_t *out, uint8_t tag[16]);

static const char text[] = "client credentials: s3cret";

static void seal(fx *f, const char *obj, uint8_t **out, size_t *len)
{
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, obj, text, sizeof(text), out, len));
}

static void assert_opens(fx *f, const char *obj, const uint8_t *sealed, size_t len)
{
    uint8_t *pt = NULL;
    size_t n = 0;
    assert_ok(og_crypto_open(f->k, f->s, TENANT_A, obj, sealed, len, &pt, &n));
    assert_int_equal(n, sizeof(text));
    assert_memory_equal(pt, text, n);
    free(pt);
}

static int64_t version_of(const uint8_t *sealed, size_t len, int stream)
{
    int64_t v = 0;
    assert_ok(og_crypto_sealed_version(sealed, len, stream, &v));
    return v;
}

static void test_datakey_rotate__new_seals_use_the_new_version_and_old_data_still_opens(void **st)
{
    fx *f = *st;
    uint8_t *a = NULL, *b = NULL, *r = NULL;
    size_t alen = 0, blen = 0, rlen = 0;
    int64_t cur = 0, oldest = 0, nv = 0;
    int n = -1;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal(f, "a", &a, &alen);
    assert_int_equal(version_of(a, alen, 0), 1);
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, &nv));
    assert_int_equal(nv, 2);
    assert_ok(og_crypto_datakey_versions(f->s, TENANT_A, &cur, &oldest));
    assert_int_equal(cur, 2);
    assert_int_equal(oldest, 1);
    seal(f, "b", &b, &blen);
    assert_int_equal(version_of(b, blen, 0), 2);
    assert_opens(f, "a", a, alen);
    assert_opens(f, "b", b, blen);
    /* A second rotation waits for the first to finish. */
    assert_int_equal(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL), OG_ECONFLICT);
    assert_msg_contains("not finished");
    /* Re-sealing moves a to version 2; b is current already. */
    assert_int_equal(og_crypto_reseal(f->k, f->s, TENANT_A, "a", a, alen, &r, &rlen), 1);
    assert_int_equal(version_of(r, rlen, 0), 2);
    assert_opens(f, "a", r, rlen);
    uint8_t *none = (uint8_t *)"x";
    size_t nlen = 9;
    assert_int_equal(og_crypto_reseal(f->k, f->s, TENANT_A, "b", b, blen, &none, &nlen), 0);
    assert_null(none);
    /* Retired: what is still under version 1 no longer opens, and says why. */
    assert_ok(og_crypto_datakey_retire(f->k, f->s, TENANT_A, &n));
    assert_int_equal(n, 1);
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    assert_int_equal(og_crypto_open(f->k, f->s, TENANT_A, "a", a, alen, &pt, &ptlen), OG_ENOTFOUND);
    assert_msg_contains("version 1");
    assert_opens(f, "a", r, rlen);
    assert_opens(f, "b", b, blen);
    assert_ok(og_crypto_datakey_versions(f->s, TENANT_A, &cur, &oldest));
    assert_int_equal(oldest, 2);
    /* And a new rotation may start. */
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, &nv));
    assert_int_equal(nv, 3);
    free(a);
    free(b);
    free(r);
}

static void test_datakey__a_value_of_the_format_before_versions_opens_as_version_1(void **st)
{
    fx *f = *st;
    uint8_t dek[32], v1[1 + 12 + sizeof(text) + 16], aad[200], *r = NULL;
    size_t rlen = 0, al = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_keyring__scope_dek(f->k, f->s, TENANT_A, dek));
    memcpy(aad, "opsgate-seal-v1", 16); /* with its NUL */
    al = 16;
    aad[al++] = 0x01;
    memcpy(aad + al, TENANT_A, sizeof(TENANT_A));
    al += sizeof(TENANT_A);
    memcpy(aad + al, "old", 3);
    al += 3;
    v1[0] = 0x01;
    assert_ok(og_crypto_random(v1 + 1, 12));
    assert_ok(og_crypto__gcm_seal(dek, v1 + 1, aad, al, text, sizeof(text), v1 + 13,
                                  v1 + 13 + sizeof(text)));
    assert_int_equal(version_of(v1, sizeof(v1), 0), 1);
    assert_opens(f, "old", v1, sizeof(v1));
    /* After a rotation it re-seals to the new format and version. */
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL));
    assert_opens(f, "old", v1, sizeof(v1));
    assert_int_equal(og_crypto_reseal(f->k, f->s, TENANT_A, "old", v1, sizeof(v1), &r, &rlen), 1);
    assert_int_equal(r[0], 0x02);
    assert_int_equal(version_of(r, rlen, 0), 2);
    assert_opens(f, "old", r, rlen);
    free(r);
}

/* ---- streams ---- */
static int buf_sink(void *ctx, const void *data, size_t len)
{
    return og_buf_append(ctx, data, len);
}

typedef struct mem_src {
    const uint8_t *p;
    size_t len, pos;
} mem_src;

static int mem_source(void *ctx, void *buf, size_t cap, size_t *got)
{
    mem_src *m = ctx;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    *got = n;
    return 0;
}

static int stream_open_rc(fx *f, const og_buf *in, og_buf *out)
{
    og_crypto_stream *st = NULL;
    int rc = og_crypto_stream_open_begin(&st, f->k, f->s, TENANT_A, "obj", buf_sink, out);
    if (rc == 0)
        rc = og_crypto_stream_open_update(st, in->data, in->len);
    if (rc == 0)
        rc = og_crypto_stream_open_finish(st);
    og_crypto_stream_free(st);
    return rc;
}

static void test_datakey__streams_name_their_version_and_reseal(void **st)
{
    fx *f = *st;
    size_t big = 3 * OG_CRYPTO_STREAM_CHUNK + 17;
    uint8_t *data = malloc(big);
    og_buf s1, s2, plain;
    og_crypto_stream *w = NULL;
    assert_non_null(data);
    for (size_t i = 0; i < big; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    og_buf_init(&s1, (size_t)16 << 20);
    og_buf_init(&s2, (size_t)16 << 20);
    og_buf_init(&plain, (size_t)16 << 20);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_stream_seal_begin(&w, f->k, f->s, TENANT_A, "obj", buf_sink, &s1));
    assert_ok(og_crypto_stream_seal_update(w, data, big));
    assert_ok(og_crypto_stream_seal_finish(w, f->s));
    og_crypto_stream_free(w);
    assert_int_equal(s1.len, og_crypto_stream_sealed_size(big));
    assert_int_equal(version_of((uint8_t *)s1.data, s1.len, 1), 1);
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL));
    /* The old stream opens after the rotation, and re-seals under version 2. */
    assert_ok(stream_open_rc(f, &s1, &plain));
    assert_int_equal(plain.len, big);
    assert_memory_equal(plain.data, data, big);
    mem_src src = {(uint8_t *)s1.data, s1.len, 0};
    assert_ok(
        og_crypto_stream_reseal(f->k, f->s, TENANT_A, "obj", mem_source, &src, buf_sink, &s2));
    assert_int_equal(version_of((uint8_t *)s2.data, s2.len, 1), 2);
    assert_ok(og_crypto_datakey_retire(f->k, f->s, TENANT_A, NULL));
    og_buf_reset(&plain);
    assert_int_equal(stream_open_rc(f, &s1, &plain), OG_ENOTFOUND);
    og_buf_reset(&plain);
    assert_ok(stream_open_rc(f, &s2, &plain));
    assert_int_equal(plain.len, big);
    assert_memory_equal(plain.data, data, big);
    /* A header whose version byte is changed fails to authenticate. */
    ((uint8_t *)s2.data)[4] ^= 0x01;
    og_buf_reset(&plain);
    assert_int_not_equal(stream_open_rc(f, &s2, &plain), 0);
    og_buf_free(&s1);
    og_buf_free(&s2);
    og_buf_free(&plain);
    free(data);
}

static void test_datakey__a_stream_outliving_its_retired_version_is_refused(void **st)
{
    fx *f = *st;
    og_buf out;
    og_crypto_stream *w = NULL;
    og_buf_init(&out, 1 << 20);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_stream_seal_begin(&w, f->k, f->s, TENANT_A, "obj", buf_sink, &out));
    assert_ok(og_crypto_stream_seal_update(w, text, sizeof(text)));
    /* A rotation runs to its end while the upload is still being written. */
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL));
    assert_ok(og_crypto_datakey_retire(f->k, f->s, TENANT_A, NULL));
    assert_int_equal(og_crypto_stream_seal_finish(w, f->s), OG_ENOTFOUND);
    assert_msg_contains("its data key changed while it was written");
    og_crypto_stream_free(w);
    og_buf_free(&out);
}

/* ---- a module's rows, in resumable batches ---- */
static const og_crypto_reseal_part parts[] = {
    {"t.secret", "SELECT count(*) FROM t WHERE tenant_id = ? AND secret IS NOT NULL",
     "SELECT id, 'row:' || id, secret FROM t WHERE tenant_id = ? AND id > ? AND secret IS NOT"
     " NULL ORDER BY id LIMIT ?",
     "UPDATE t SET secret = ? WHERE id = ? AND tenant_id = ?"},
};

static void test_datakey_reseal_parts__batches_resume_from_the_cursor(void **st)
{
    fx *f = *st;
    char id[16], oid[32];
    og_crypto_reseal_batch b = {.counting = 1};
    int64_t done = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_store_exec(f->s, "CREATE TABLE t (id TEXT PRIMARY KEY, tenant_id TEXT,"
                                  " secret BLOB)"));
    for (int i = 0; i < 7; i++) {
        uint8_t *x = NULL;
        size_t xl = 0;
        snprintf(id, sizeof(id), "r%02d", i);
        snprintf(oid, sizeof(oid), "row:%s", id);
        seal(f, oid, &x, &xl);
        assert_true(
            og_store_run(f->s, "INSERT INTO t VALUES (?, ?, ?)", "ttb", id, TENANT_A, x, xl) >= 0);
        free(x);
    }
    assert_true(og_store_run(f->s, "INSERT INTO t VALUES ('z', ?, NULL)", "t", TENANT_A) >= 0);
    assert_ok(og_crypto_reseal_parts(f->k, f->s, TENANT_A, parts, 1, &b));
    assert_int_equal(b.total, 7);
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL));
    assert_ok(og_crypto_reseal_start(f->s, TENANT_A, "t", 2, b.total));
    /* Batches of 3, the position kept in the store between them, as after a restart. */
    for (int round = 0; round < 5; round++) {
        og_crypto_reseal_batch c = {0};
        assert_ok(og_crypto_reseal_get(f->s, TENANT_A, "t", &c, &done));
        if (c.finished)
            break;
        c.limit = 3;
        assert_ok(og_crypto_reseal_parts(f->k, f->s, TENANT_A, parts, 1, &c));
        done += c.seen;
        assert_ok(og_crypto_reseal_save(f->s, TENANT_A, "t", &c, done));
    }
    og_crypto_reseal_batch c = {0};
    assert_ok(og_crypto_reseal_get(f->s, TENANT_A, "t", &c, &done));
    assert_true(c.finished);
    assert_int_equal(done, 7);
    /* Every row is under version 2 and opens; a full pass again changes nothing. */
    assert_ok(og_crypto_datakey_retire(f->k, f->s, TENANT_A, NULL));
    og_stmt *q = NULL;
    assert_ok(og_stmt_prepare(&q, f->s, "SELECT id, secret FROM t WHERE secret IS NOT NULL"));
    int rows = 0;
    while (og_stmt_step(q) == OG_ROW) {
        size_t len = 0;
        const uint8_t *x = og_stmt_col_blob(q, 1, &len);
        snprintf(oid, sizeof(oid), "row:%s", og_stmt_col_text(q, 0));
        assert_int_equal(version_of(x, len, 0), 2);
        assert_opens(f, oid, x, len);
        rows++;
    }
    og_stmt_free(q);
    assert_int_equal(rows, 7);
    og_crypto_reseal_batch again = {.limit = 100};
    assert_ok(og_crypto_reseal_parts(f->k, f->s, TENANT_A, parts, 1, &again));
    assert_int_equal(again.seen, 7);
    assert_int_equal(again.changed, 0);
    assert_true(again.finished);
}

static void test_datakey__a_kek_rewrap_during_a_rotation_keeps_the_old_version(void **st)
{
    fx *f = *st;
    uint8_t *a = NULL;
    size_t alen = 0;
    char path[400];
    uint8_t key[32];
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    seal(f, "a", &a, &alen);
    assert_ok(og_crypto_datakey_rotate(f->k, f->s, TENANT_A, NULL));
    /* The earlier version is wrapped by the current data key: moving to another KEK covers it. */
    snprintf(path, sizeof(path), "%s/client.key", f->dir);
    assert_ok(og_crypto_random(key, sizeof(key)));
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(key, 1, 32, fp), 32);
    fclose(fp);
    assert_int_equal(chmod(path, 0600), 0);
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path));
    assert_opens(f, "a", a, alen);
    /* Without the client's key file neither version opens. */
    assert_int_equal(unlink(path), 0);
    uint8_t *pt = NULL;
    size_t n = 0;
    assert_true(og_crypto_open(f->k, f->s, TENANT_A, "a", a, alen, &pt, &n) < 0);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_datakey_rotate__new_seals_use_the_new_version_and_old_data_still_opens),
        T(test_datakey__a_value_of_the_format_before_versions_opens_as_version_1),
        T(test_datakey__streams_name_their_version_and_reseal),
        T(test_datakey__a_stream_outliving_its_retired_version_is_refused),
        T(test_datakey_reseal_parts__batches_resume_from_the_cursor),
        T(test_datakey__a_kek_rewrap_during_a_rotation_keeps_the_old_version),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
