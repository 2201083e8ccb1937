/* test_artobj_memory.c - without a data folder, uploads and downloads of an object in chunk rows
 * stream: moving 20 MiB that do not compress, up and down, raises the process's peak resident
 * size by less than BOUND, which holding the object (or its sealed form) whole would pass. Its own
 * executable, so no earlier test has raised the peak already; on both backends. */
#include "artobj_fixture.h"

#define MIB   ((size_t)1 << 20)
#define MOVED (20 * MIB)
/* Well under MOVED: one chunk (256 KiB) in the writer, one in the reader, PostgreSQL's result of
 * one chunk, the codec's windows. */
#define BOUND (8 * MIB)

static void move(artobj *f, const char *name, size_t total, uint64_t seed)
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_put *p = NULL;
    og_artifact_reader *rd = NULL;
    uint8_t *buf = malloc(256 * 1024), a[32], b[32];
    og_sha256 *h = og_sha256_new();
    assert_non_null(buf);
    OG_ASSERT_OK(og_artifact_put_begin(&p, &f->ctx, &r, NULL));
    for (size_t done = 0; done < total;) {
        size_t n = total - done < 256 * 1024 ? total - done : 256 * 1024;
        artobj_fill(buf, n, &seed);
        og_sha256_update(h, buf, n);
        OG_ASSERT_OK(og_artifact_put_write(p, buf, n));
        done += n;
    }
    OG_ASSERT_OK(og_artifact_put_finish(p, NULL));
    og_artifact_put_free(p);
    og_sha256_final(h, a);
    assert_true(artobj_count(f, "SELECT count(*) FROM art_object_chunks") >=
                (int64_t)(total / (256 * 1024)));
    h = og_sha256_new();
    OG_ASSERT_OK(og_artifact_get_open(&rd, &f->ctx, &r, 0, NULL));
    size_t got, seen = 0;
    for (;;) {
        OG_ASSERT_OK(og_artifact_get_read(rd, buf, 100000, &got));
        if (!got)
            break;
        og_sha256_update(h, buf, got);
        seen += got;
    }
    og_artifact_get_close(rd);
    og_sha256_final(h, b);
    assert_int_equal(seen, total);
    assert_memory_equal(a, b, 32);
    free(buf);
}

static void test_artobj_memory__a_20_mib_object_moves_in_flat_memory(void **state)
{
    (void)state;
    artobj f;
    artobj_setup(&f);
    /* every path once: codec, sealing, the store's statement cache */
    move(&f, "warmup.bin", 3 * MIB, 1);
    long before = og_test_peak_kib();
    move(&f, "big.bin", MOVED, 2);
    long grew = og_test_peak_kib() - before;
    print_message("%s: moved %zu MiB up and down; peak RSS grew by %ld KiB (bound %zu KiB)%s\n",
                  f.pg ? "postgres" : "sqlite", MOVED / MIB, grew, BOUND / 1024,
                  OG_TEST_UNDER_ASAN ? " [not checked under ASan]" : "");
    if (!OG_TEST_UNDER_ASAN && grew * 1024 > (long)BOUND)
        fail_msg("peak RSS grew by %ld KiB moving %zu MiB; the bound is %zu KiB", grew, MOVED / MIB,
                 BOUND / 1024);
    artobj_teardown(&f);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artobj_memory__a_20_mib_object_moves_in_flat_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
