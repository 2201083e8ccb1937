/* test_artobj.c - artifact objects without a data folder (ctx.data_dir NULL): the sealed,
 * compressed stream in art_object_chunks rows, on SQLite and on PostgreSQL (registered twice,
 * _sqlite and _pg). Round trip, dedup by content, nothing left by a failed or abandoned upload,
 * chunks gone with a purge, tampered, swapped, missing or extra chunks refused, and a download that
 * needs no store once open. */
#include "artobj_fixture.h"
#include "opsgate/sys/store_backend.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static const char *const ORPHANS =
    "SELECT count(*) FROM art_object_chunks c WHERE NOT EXISTS (SELECT 1 FROM art_objects o"
    " WHERE o.tenant_id = c.tenant_id AND o.seal_id = c.seal_id)";

static int put_random(artobj *f, const char *name, size_t size, uint64_t seed, uint8_t sha[32])
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_put *p = NULL;
    uint8_t *buf = malloc(64 * KIB);
    og_sha256 *h = og_sha256_new();
    int error = og_artifact_put_begin(&p, &f->ctx, &r, NULL);
    assert_non_null(buf);
    for (size_t done = 0; error == 0 && done < size;) {
        size_t n = size - done < 64 * KIB ? size - done : 64 * KIB;
        artobj_fill(buf, n, &seed);
        og_sha256_update(h, buf, n);
        error = og_artifact_put_write(p, buf, n);
        done += n;
    }
    if (error == 0)
        error = og_artifact_put_finish(p, NULL);
    og_artifact_put_free(p);
    og_sha256_final(h, sha ? sha : (uint8_t[32]){0});
    free(buf);
    return error;
}

/* Read the latest version whole; its SHA-256 in sha. */
static int get_all(artobj *f, const char *name, uint8_t sha[32], size_t *size)
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_reader *rd = NULL;
    uint8_t *buf = malloc(100000);
    og_sha256 *h = og_sha256_new();
    size_t got = 0;
    *size = 0;
    int error = og_artifact_get_open(&rd, &f->ctx, &r, 0, NULL);
    while (error == 0 && (error = og_artifact_get_read(rd, buf, 100000, &got)) == 0 && got) {
        og_sha256_update(h, buf, got);
        *size += got;
    }
    og_artifact_get_close(rd);
    og_sha256_final(h, sha);
    free(buf);
    return error;
}

static void test_artobj__round_trip_in_rows_and_dedup_by_content(void **state)
{
    artobj *f = *state;
    uint8_t a[32], b[32];
    size_t n = 0;
    OG_ASSERT_OK(put_random(f, "a.bin", 3 * MIB, 1, a));
    int64_t chunks = artobj_count(f, "SELECT count(*) FROM art_object_chunks");
    /* 3 MiB that do not compress: at least 12 chunks of 256 KiB */
    assert_true(chunks >= 12);
    OG_ASSERT_OK(get_all(f, "a.bin", b, &n));
    assert_int_equal(n, 3 * MIB);
    assert_memory_equal(a, b, 32);
    /* a small one stays in its row */
    OG_ASSERT_OK(put_random(f, "small.bin", 100 * KIB, 7, a));
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), chunks);
    OG_ASSERT_OK(get_all(f, "small.bin", b, &n));
    assert_memory_equal(a, b, 32);
    /* the same content under another name: one object, one set of chunks */
    OG_ASSERT_OK(put_random(f, "copy.bin", 3 * MIB, 1, NULL));
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_objects"), 2);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), chunks);
    assert_int_equal(artobj_count(f, ORPHANS), 0);
    OG_ASSERT_OK(get_all(f, "copy.bin", b, &n));
    OG_ASSERT_OK(put_random(f, "a.bin", 3 * MIB, 1, NULL) == OG_EEXISTS ? 0 : -1);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), chunks);
}

/* The HTTP server gives its store back to the pool while a body streams in (stream.c), and takes
 * one again for the end: the chunks wait in a temporary file until then. */
static void test_artobj__an_upload_streams_without_a_store(void **state)
{
    artobj *f = *state;
    og_artifact_ref r = {"acme", "big", "streamed.bin"};
    og_artifact_put *p = NULL;
    uint8_t *buf = malloc(MIB), a[32], b[32];
    uint64_t seed = 3;
    size_t n = 0;
    og_sha256 *h = og_sha256_new();
    OG_ASSERT_OK(og_artifact_put_begin(&p, &f->ctx, &r, NULL));
    f->ctx.store = NULL;
    for (int i = 0; i < 2; i++) {
        artobj_fill(buf, MIB, &seed);
        og_sha256_update(h, buf, MIB);
        OG_ASSERT_OK(og_artifact_put_write(p, buf, MIB));
    }
    og_sha256_final(h, a);
    f->ctx.store = f->store;
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 0);
    OG_ASSERT_OK(og_artifact_put_finish(p, NULL));
    f->ctx.store = NULL; /* freed after the server gave the store back again */
    og_artifact_put_free(p);
    f->ctx.store = f->store;
    assert_true(artobj_count(f, "SELECT count(*) FROM art_object_chunks") >= 8);
    OG_ASSERT_OK(get_all(f, "streamed.bin", b, &n));
    assert_int_equal(n, 2 * MIB);
    assert_memory_equal(a, b, 32);
    free(buf);
}

static void test_artobj__an_abandoned_upload_leaves_no_rows(void **state)
{
    artobj *f = *state;
    og_artifact_ref r = {"acme", "big", "gone.bin"};
    og_artifact_put *p = NULL;
    uint8_t *buf = malloc(MIB);
    uint64_t seed = 3;
    artobj_fill(buf, MIB, &seed);
    OG_ASSERT_OK(og_artifact_put_begin(&p, &f->ctx, &r, NULL));
    OG_ASSERT_OK(og_artifact_put_write(p, buf, MIB));
    OG_ASSERT_OK(og_artifact_put_write(p, buf, MIB));
    og_artifact_put_free(p);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 0);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_objects"), 0);
    free(buf);
}

/* Every store call of a streamed put failed in turn: each failure leaves no object, no version
 * and no chunk behind, and the put runs through in the end. */
static void test_artobj__a_put_failing_at_any_call_leaves_no_rows(void **state)
{
    artobj *f = *state;
    long n;
    /* Every call on SQLite; every 4th on PostgreSQL, where each run costs more round trips (the
     * code under test is the same). */
    for (n = 1; n < 2000; n += f->pg ? 4 : 1) {
        OG_ASSERT_OK(og_store_fault_arm(f->store, n, 0));
        int rc = put_random(f, "fail.bin", 520 * KIB, 5, NULL);
        long fired = og_store_fault_fired(f->store);
        OG_ASSERT_OK(og_store_fault_arm(f->store, 0, 0));
        assert_int_equal(og_store_tx_depth(f->store), 0);
        if (!fired) {
            OG_ASSERT_OK(rc);
            break;
        }
        if (rc == 0)
            fail_msg("the put succeeded with a fault at call %ld", n);
        if (artobj_count(f, "SELECT count(*) FROM art_object_chunks") != 0 ||
            artobj_count(f, "SELECT count(*) FROM art_objects") != 0 ||
            artobj_count(f, "SELECT count(*) FROM art_versions") != 0)
            fail_msg("a fault at call %ld left rows behind", n);
    }
    assert_true(n > 5);
    assert_true(artobj_count(f, "SELECT count(*) FROM art_object_chunks") >= 3);
    assert_int_equal(artobj_count(f, ORPHANS), 0);
}

static void test_artobj__purge_and_tenant_purge_remove_chunks(void **state)
{
    artobj *f = *state;
    og_artifact_ref a = {"acme", "big", "a.bin"};
    OG_ASSERT_OK(put_random(f, "a.bin", MIB, 11, NULL));
    int64_t one = artobj_count(f, "SELECT count(*) FROM art_object_chunks");
    OG_ASSERT_OK(put_random(f, "b.bin", MIB, 12, NULL));
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 2 * one);
    OG_ASSERT_OK(og_artifact_delete(&f->ctx, &a));
    /* soft-deleted: kept */
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 2 * one);
    OG_ASSERT_OK(og_artifact_purge(&f->ctx, &a));
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), one);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_objects"), 1);
    assert_int_equal(artobj_count(f, ORPHANS), 0);
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&f->ctx, "acme", &t));
    OG_ASSERT_OK(og_store_tx_begin(f->store));
    OG_ASSERT_OK(og_store_purge_tenant(f->store, t.id));
    OG_ASSERT_OK(og_store_tx_commit(f->store));
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 0);
}

/* The bytes of chunk seq of the only chunked object. */
static void chunk_get(artobj *f, int64_t seq, og_buf *out)
{
    og_stmt *st = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_stmt_prepare_args(
        &st, f->store, "SELECT data FROM art_object_chunks WHERE seq = ?", "i", seq));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    const void *d = og_stmt_col_blob(st, 0, &n);
    og_buf_reset(out);
    OG_ASSERT_OK(og_buf_append(out, d, n));
    og_stmt_free(st);
}

/* Replace them. */
static void chunk_set(artobj *f, int64_t seq, const og_buf *data)
{
    assert_true(og_store_run(f->store, "UPDATE art_object_chunks SET data = ? WHERE seq = ?", "bi",
                             data->data, data->len, seq) >= 0);
    assert_int_equal(og_store_changes(f->store), 1);
}

static void refused(artobj *f, const char *name, const char *what)
{
    uint8_t sha[32];
    size_t n;
    int rc = get_all(f, name, sha, &n);
    if (rc != OG_ECORRUPT)
        fail_msg("%s: reading returned %d (%s), expected OG_ECORRUPT", what, rc, og_error_last());
}

static void test_artobj__tampered_swapped_missing_or_extra_chunks_are_refused(void **state)
{
    artobj *f = *state;
    og_buf c1, c2, keep;
    uint8_t a[32], b[32];
    size_t n;
    og_buf_init(&c1, MIB);
    og_buf_init(&c2, MIB);
    og_buf_init(&keep, MIB);
    OG_ASSERT_OK(put_random(f, "x.bin", 1536 * KIB, 21, a));
    /* one byte changed */
    chunk_get(f, 2, &c1);
    OG_ASSERT_OK(og_buf_append(&keep, c1.data, c1.len));
    c1.data[c1.len / 2] ^= 1;
    chunk_set(f, 2, &c1);
    refused(f, "x.bin", "a flipped byte");
    chunk_set(f, 2, &keep);
    OG_ASSERT_OK(get_all(f, "x.bin", b, &n));
    assert_memory_equal(a, b, 32);
    /* two chunks swapped */
    chunk_get(f, 1, &c1);
    chunk_get(f, 2, &c2);
    chunk_set(f, 1, &c2);
    chunk_set(f, 2, &c1);
    refused(f, "x.bin", "swapped chunks");
    chunk_set(f, 1, &c1);
    chunk_set(f, 2, &c2);
    OG_ASSERT_OK(get_all(f, "x.bin", b, &n));
    /* a chunk missing */
    assert_true(og_store_run(f->store, "DELETE FROM art_object_chunks WHERE seq = 3", "") >= 0);
    refused(f, "x.bin", "a missing chunk");
    /* put back under the wrong number: one missing, one extra */
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->store,
                                 "SELECT tenant_id, seal_id FROM art_object_chunks WHERE seq = 0"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    char tenant[OG_ID_LEN], seal[OG_ID_LEN];
    og_strlcpy(tenant, og_stmt_col_text(st, 0), sizeof(tenant));
    og_strlcpy(seal, og_stmt_col_text(st, 1), sizeof(seal));
    og_stmt_free(st);
    assert_true(og_store_run(f->store,
                             "INSERT INTO art_object_chunks (tenant_id, seal_id, seq, created_us,"
                             " data) VALUES (?, ?, 99, 0, ?)",
                             "ttb", tenant, seal, c1.data, c1.len) >= 0);
    refused(f, "x.bin", "a chunk numbered past the end");
    og_buf_free(&c1);
    og_buf_free(&c2);
    og_buf_free(&keep);
}

/* Once open, a download reads the copy its checking pass kept: the server hands the store back
 * to its pool before streaming the response. */
static void test_artobj__an_open_download_needs_no_store(void **state)
{
    artobj *f = *state;
    og_artifact_ref r = {"acme", "big", "y.bin"};
    og_artifact_reader *rd = NULL;
    uint8_t a[32], b[32], *buf = malloc(100000);
    size_t got, seen = 0;
    OG_ASSERT_OK(put_random(f, "y.bin", 2 * MIB, 31, a));
    OG_ASSERT_OK(og_artifact_get_open(&rd, &f->ctx, &r, 0, NULL));
    /* the rows go: a reader still reading the store would fail */
    assert_true(og_store_run(f->store, "DELETE FROM art_object_chunks", "") >= 0);
    og_sha256 *h = og_sha256_new();
    while (og_artifact_get_read(rd, buf, 100000, &got) == 0 && got) {
        og_sha256_update(h, buf, got);
        seen += got;
    }
    og_sha256_final(h, b);
    og_artifact_get_close(rd);
    assert_int_equal(seen, 2 * MIB);
    assert_memory_equal(a, b, 32);
    free(buf);
}

static void test_artobj__sweep_removes_chunks_no_object_names(void **state)
{
    artobj *f = *state;
    int removed = -1;
    og_tenant t;
    OG_ASSERT_OK(put_random(f, "kept.bin", MIB, 41, NULL));
    int64_t kept = artobj_count(f, "SELECT count(*) FROM art_object_chunks");
    OG_ASSERT_OK(og_tenant_get(&f->ctx, "acme", &t));
    /* an interrupted upload's chunks, two hours old, and a live one's, just written */
    assert_true(og_store_run(f->store,
                             "INSERT INTO art_object_chunks (tenant_id, seal_id, seq, created_us,"
                             " data) VALUES (?, 'orphan', 0, ?, ?), (?, 'live', 0, ?, ?)",
                             "tibtib", t.id, og_time_now_us() - 7200 * 1000000LL, "x", (size_t)1,
                             t.id, og_time_now_us(), "y", (size_t)1) >= 0);
    OG_ASSERT_OK(og_artifacts_chunks_sweep(&f->ctx, 0, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), kept + 1);
    OG_ASSERT_OK(og_artifacts_chunks_sweep(&f->ctx, OG_ARTIFACTS_TMP_ANY_AGE, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), kept);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_artobj__round_trip_in_rows_and_dedup_by_content,
                                        artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__an_upload_streams_without_a_store, artobj_new,
                                        artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__an_abandoned_upload_leaves_no_rows, artobj_new,
                                        artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__a_put_failing_at_any_call_leaves_no_rows,
                                        artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__purge_and_tenant_purge_remove_chunks,
                                        artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(
            test_artobj__tampered_swapped_missing_or_extra_chunks_are_refused, artobj_new,
            artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__an_open_download_needs_no_store, artobj_new,
                                        artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj__sweep_removes_chunks_no_object_names,
                                        artobj_new, artobj_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
