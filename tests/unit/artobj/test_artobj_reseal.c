/* test_artobj_reseal.c - a data-key rotation re-seals artifact objects kept as chunk rows (no data
 * folder), on SQLite and on PostgreSQL (_sqlite and _pg): a batch rolled back (a kill -9) changes
 * nothing, the rotation runs to its end and destroys the old version, every object opens with its
 * content, a download begun before the re-seal reads to its end, and the old chunks are left for
 * the sweep; an upload spanning the rotation's start is refused; a revoked tenant is skipped by the
 * background job (counted) until restored; re-sealing 28.5 MiB, in batches that stop after 16 MiB,
 * raises the peak resident size by less than a bound. */
#include "artobj_fixture.h"
#include "opsgate/app.h"

#define KIB   ((size_t)1 << 10)
#define MIB   ((size_t)1 << 20)
#define BOUND (8 * MIB)

static void put_random(artobj *f, const char *name, size_t size, uint64_t seed, uint8_t sha[32])
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_put *p = NULL;
    uint8_t *buf = malloc(256 * KIB);
    og_sha256 *h = og_sha256_new();
    assert_non_null(buf);
    OG_ASSERT_OK(og_artifact_put_begin(&p, &f->ctx, &r, NULL));
    for (size_t done = 0; done < size;) {
        size_t n = size - done < 256 * KIB ? size - done : 256 * KIB;
        artobj_fill(buf, n, &seed);
        og_sha256_update(h, buf, n);
        OG_ASSERT_OK(og_artifact_put_write(p, buf, n));
        done += n;
    }
    OG_ASSERT_OK(og_artifact_put_finish(p, NULL));
    og_artifact_put_free(p);
    og_sha256_final(h, sha);
    free(buf);
}

/* Read an open reader to its end; its SHA-256 in sha. */
static int read_rest(og_artifact_reader *rd, og_sha256 *h, uint8_t sha[32])
{
    uint8_t *buf = malloc(100000);
    size_t got = 0;
    int error;
    while ((error = og_artifact_get_read(rd, buf, 100000, &got)) == 0 && got)
        og_sha256_update(h, buf, got);
    og_sha256_final(h, sha);
    free(buf);
    return error;
}

static void check_content(artobj *f, const char *name, const uint8_t want[32])
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_reader *rd = NULL;
    uint8_t got[32];
    OG_ASSERT_OK(og_artifact_get_open(&rd, &f->ctx, &r, 0, NULL));
    OG_ASSERT_OK(read_rest(rd, og_sha256_new(), got));
    og_artifact_get_close(rd);
    assert_memory_equal(want, got, 32);
}

static char *tenant_id(artobj *f)
{
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&f->ctx, "acme", &t));
    return strdup(t.id);
}

static void test_artobj_reseal__chunk_rows_are_resealed_and_the_old_version_destroyed(void **state)
{
    artobj *f = *state;
    uint8_t a[32], b[32], s[32], early[32];
    int64_t current = 0, oldest = 0;
    int finished = 0;
    char *tid = tenant_id(f);
    put_random(f, "a.bin", 3 * MIB, 1, a);
    put_random(f, "b.bin", MIB + 5, 2, b);
    put_random(f, "small.bin", 100 * KIB, 3, s); /* inline */
    int64_t chunks = artobj_count(f, "SELECT count(*) FROM art_object_chunks");
    assert_true(chunks >= 16);
    /* a download in flight from before the rotation */
    og_artifact_ref ra = {"acme", "big", "a.bin"};
    og_artifact_reader *rd = NULL;
    uint8_t head[1000];
    size_t got = 0;
    og_sha256 *h = og_sha256_new();
    OG_ASSERT_OK(og_artifact_get_open(&rd, &f->ctx, &ra, 0, NULL));
    OG_ASSERT_OK(og_artifact_get_read(rd, head, sizeof(head), &got));
    og_sha256_update(h, head, got);

    OG_ASSERT_OK(og_crypto_datakey_rotate(f->keys, f->store, tid, NULL));
    /* One batch of the walker rolled back, as a kill -9 would: nothing changes. */
    og_crypto_reseal_batch bt = {.limit = 50};
    OG_ASSERT_OK(og_store_tx_begin(f->store));
    OG_ASSERT_OK(og_artifacts_reseal(&f->ctx, tid, &bt));
    assert_true(bt.changed >= 3); /* the artifact rows, then a.bin, b.bin, small.bin */
    assert_true(artobj_count(f, "SELECT count(*) FROM art_object_chunks") > chunks);
    og_store_tx_rollback(f->store);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), chunks);
    check_content(f, "a.bin", a);

    /* The rotation to its end: every object re-sealed, the old version destroyed. */
    OG_ASSERT_OK(og_app_tenant_datakey_run(&f->ctx, tid, -1, &finished));
    assert_int_equal(finished, 1);
    OG_ASSERT_OK(og_crypto_datakey_versions(f->store, tid, &current, &oldest));
    assert_int_equal(current, 2);
    assert_int_equal(oldest, 2);
    check_content(f, "a.bin", a);
    check_content(f, "b.bin", b);
    check_content(f, "small.bin", s);
    /* new chunks under new seal ids; the old ones kept for readers in flight */
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 2 * chunks);
    OG_ASSERT_OK(read_rest(rd, h, early));
    og_artifact_get_close(rd);
    assert_memory_equal(a, early, 32);
    /* the sweep leaves them an hour, then removes them; the objects still open */
    int removed = -1;
    OG_ASSERT_OK(og_artifacts_chunks_sweep(&f->ctx, 0, &removed));
    assert_int_equal(removed, 0);
    OG_ASSERT_OK(og_artifacts_chunks_sweep(&f->ctx, OG_ARTIFACTS_TMP_ANY_AGE, &removed));
    assert_int_equal(removed, (int)chunks);
    check_content(f, "a.bin", a);
    check_content(f, "b.bin", b);
    free(tid);
}

/* An upload sealed while a rotation began is refused when stored ("write it again"), leaving
 * nothing: the rotation's walkers may have passed, and its version would be destroyed under it. */
static void test_artobj_reseal__an_upload_spanning_a_rotation_is_refused(void **state)
{
    artobj *f = *state;
    og_artifact_ref r = {"acme", "big", "late.bin"};
    og_artifact_put *p = NULL;
    uint8_t *buf = malloc(MIB), a[32];
    uint64_t seed = 9;
    char *tid = tenant_id(f);
    assert_non_null(buf);
    artobj_fill(buf, MIB, &seed);
    OG_ASSERT_OK(og_artifact_put_begin(&p, &f->ctx, &r, NULL));
    OG_ASSERT_OK(og_artifact_put_write(p, buf, MIB));
    OG_ASSERT_OK(og_crypto_datakey_rotate(f->keys, f->store, tid, NULL));
    assert_int_equal(og_artifact_put_finish(p, NULL), OG_EBUSY);
    assert_non_null(strstr(og_error_last(), "while it was written: write it again"));
    og_artifact_put_free(p);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_objects"), 0);
    assert_int_equal(artobj_count(f, "SELECT count(*) FROM art_object_chunks"), 0);
    /* written again, it is stored under the new version */
    put_random(f, "late.bin", MIB, 9, a);
    check_content(f, "late.bin", a);
    free(buf);
    free(tid);
}

/* The background job skips a tenant whose key is revoked up front, counted for /metrics, and
 * resumes it once the key is restored. */
static void test_artobj_reseal__a_revoked_tenant_is_skipped_and_counted(void **state)
{
    artobj *f = *state;
    uint8_t a[32];
    int pending = 0, finished = 0;
    int64_t current = 0, oldest = 0;
    og_buf m;
    char *tid = tenant_id(f);
    put_random(f, "a.bin", MIB, 4, a);
    OG_ASSERT_OK(og_crypto_datakey_rotate(f->keys, f->store, tid, NULL));
    OG_ASSERT_OK(og_crypto_scope_key_revoke(f->keys, f->store, tid));
    OG_ASSERT_OK(og_app_datakey_work(&f->ctx, -1, &pending));
    assert_int_equal(pending, 1);
    OG_ASSERT_OK(og_crypto_datakey_versions(f->store, tid, &current, &oldest));
    assert_int_equal(oldest, 1); /* nothing done */
    og_buf_init(&m, 1024);
    OG_ASSERT_OK(og_crypto_metrics_render(&m));
    OG_ASSERT_OK(og_buf_append(&m, "", 1));
    assert_non_null(strstr((const char *)m.data,
                           "opsgate_jobs_skipped_total{job=\"datakey.reseal\","
                           "reason=\"key_revoked\"} "));
    og_buf_free(&m);
    OG_ASSERT_OK(og_crypto_scope_key_restore(f->keys, f->store, tid, NULL, NULL));
    OG_ASSERT_OK(og_app_datakey_work(&f->ctx, -1, &pending));
    assert_int_equal(pending, 0);
    OG_ASSERT_OK(og_app_tenant_datakey_run(&f->ctx, tid, -1, &finished));
    assert_int_equal(finished, 1);
    check_content(f, "a.bin", a);
    free(tid);
}

static void test_artobj_reseal__28_mib_are_resealed_in_flat_memory(void **state)
{
    artobj *f = *state;
    uint8_t sha[3][32], w[32];
    const char *names[3] = {"big1.bin", "big2.bin", "big3.bin"};
    int finished = 0;
    char *tid = tenant_id(f);
    /* every path once: codec, sealing, re-sealing, the store's statement cache */
    put_random(f, "warmup.bin", 3 * MIB, 1, w);
    OG_ASSERT_OK(og_crypto_datakey_rotate(f->keys, f->store, tid, NULL));
    OG_ASSERT_OK(og_app_tenant_datakey_run(&f->ctx, tid, -1, &finished));
    for (int i = 0; i < 3; i++)
        put_random(f, names[i], 8 * MIB + MIB / 2, (uint64_t)(2 + i), sha[i]);
    long before = og_test_peak_kib();
    OG_ASSERT_OK(og_crypto_datakey_rotate(f->keys, f->store, tid, NULL));
    /* One batch of 50 items (the default): any three of the four objects hold over 16 MiB of
     * chunk rows, so the batch stops before the last one, to be taken up from its cursor. */
    og_crypto_reseal_batch bt = {.limit = 50};
    OG_ASSERT_OK(og_store_tx_begin(f->store));
    OG_ASSERT_OK(og_store_tx_end(f->store, og_artifacts_reseal(&f->ctx, tid, &bt)));
    assert_false(bt.finished);
    assert_true(bt.cursor[0] != '\0');
    OG_ASSERT_OK(og_app_tenant_datakey_run(&f->ctx, tid, -1, &finished));
    assert_int_equal(finished, 1);
    long grew = og_test_peak_kib() - before;
    print_message(
        "%s: re-sealed 28.5 MiB in chunk rows; peak RSS grew by %ld KiB (bound %zu KiB)%s\n",
        f->pg ? "postgres" : "sqlite", grew, BOUND / 1024,
        OG_TEST_UNDER_ASAN ? " [not checked under ASan]" : "");
    if (!OG_TEST_UNDER_ASAN && grew * 1024 > (long)BOUND)
        fail_msg("peak RSS grew by %ld KiB re-sealing 28.5 MiB; the bound is %zu KiB", grew,
                 BOUND / 1024);
    for (int i = 0; i < 3; i++)
        check_content(f, names[i], sha[i]);
    check_content(f, "warmup.bin", w);
    free(tid);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    setenv("OPSGATE_RESEAL_BATCH", "1", 1); /* every object in its own batch */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_artobj_reseal__chunk_rows_are_resealed_and_the_old_version_destroyed, artobj_new,
            artobj_free),
        cmocka_unit_test_setup_teardown(
            test_artobj_reseal__an_upload_spanning_a_rotation_is_refused, artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj_reseal__a_revoked_tenant_is_skipped_and_counted,
                                        artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj_reseal__28_mib_are_resealed_in_flat_memory,
                                        artobj_new, artobj_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
