/* test_artifacts_memory.c - uploads and downloads stream: moving a file many times larger than a
 * memory bound keeps the process's peak resident size within that bound. Its own executable, so
 * no earlier test has raised the peak already. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

#define MIB   ((size_t)1 << 20)
#define BOUND (16 * MIB)
/* ASan's quarantine keeps freed memory resident, so its peak says nothing about our buffers:
 * there the test still moves data through every path but does not measure. */
#define MOVED (OG_TEST_UNDER_ASAN ? 24 * MIB : 192 * MIB)

/* Text-like bytes that compress about 2:1, from a fixed seed: neither trivial nor random. */
static void fill(uint8_t *buf, size_t len, uint64_t *state)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        if (i % 64 == 63) {
            buf[i] = '\n';
            continue;
        }
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        buf[i] = (uint8_t)hex[*state & 15];
    }
}

static void move(og_ctx *c, const char *name, size_t total, uint8_t sha_put[32],
                 uint8_t sha_get[32])
{
    og_artifact_ref r = {"acme", "big", name};
    og_artifact_put *p = NULL;
    og_artifact_reader *rd = NULL;
    uint8_t *buf = malloc(256 * 1024);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    og_sha256 *h = og_sha256_new();
    og_artifact_version v;
    assert_non_null(buf);
    OG_ASSERT_OK(og_artifact_put_begin(&p, c, &r, NULL));
    for (size_t done = 0; done < total;) {
        size_t n = total - done < 256 * 1024 ? total - done : 256 * 1024;
        fill(buf, n, &seed);
        og_sha256_update(h, buf, n);
        OG_ASSERT_OK(og_artifact_put_write(p, buf, n));
        done += n;
    }
    OG_ASSERT_OK(og_artifact_put_finish(p, &v));
    og_artifact_put_free(p);
    og_sha256_final(h, sha_put);
    assert_int_equal(v.size, total);

    h = og_sha256_new();
    OG_ASSERT_OK(og_artifact_get_open(&rd, c, &r, 0, NULL));
    size_t got, seen = 0;
    for (;;) {
        OG_ASSERT_OK(og_artifact_get_read(rd, buf, 100000, &got));
        if (!got)
            break;
        og_sha256_update(h, buf, got);
        seen += got;
    }
    og_artifact_get_close(rd);
    og_sha256_final(h, sha_get);
    assert_int_equal(seen, total);
    free(buf);
}

static void test_artifacts_stream__memory_stays_flat_for_a_file_many_times_the_bound(void **state)
{
    (void)state;
    og_test_env env;
    uint8_t a[32], b[32];
    og_test_env_setup(&env);
    OG_ASSERT_OK(og_tenant_create(&env.ctx, "acme", NULL));
    OG_ASSERT_OK(og_project_create(&env.ctx, "acme", "big", "big files", NULL));
    /* Warm up every path once (compression, sealing, the store's caches) with a file above the
     * in-memory size for gets. */
    move(&env.ctx, "warmup.txt", 3 * MIB, a, b);
    assert_memory_equal(a, b, 32);
    long before = og_test_peak_kib();
    move(&env.ctx, "big.txt", MOVED, a, b);
    assert_memory_equal(a, b, 32);
    long grew = og_test_peak_kib() - before;
    print_message("moved %zu MiB up and down; peak RSS grew by %ld KiB (bound %zu KiB)%s\n",
                  MOVED / MIB, grew, BOUND / 1024,
                  OG_TEST_UNDER_ASAN ? " [not checked under ASan]" : "");
    if (!OG_TEST_UNDER_ASAN && grew * 1024 > (long)BOUND)
        fail_msg("peak RSS grew by %ld KiB moving %zu MiB; the bound is %zu KiB", grew, MOVED / MIB,
                 BOUND / 1024);
    og_test_env_teardown(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artifacts_stream__memory_stays_flat_for_a_file_many_times_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
