/* test_dekcache.c - the keyring's cache of unwrapped data keys (locked memory, bounded lifetime,
 * zeroized on expiry, eviction, revoke and rotate) and revoking/restoring a scope's key. */
#include "crypto_fixture.h"

#include "crypto/crypto_internal.h"
#include "opsgate/sys/kek.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const char secret[] = "tenant data";

/* A provider that counts its unwraps (XOR with a pad: a stand-in for an HSM round trip). */
static int unwraps;

static int count_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                      size_t *outlen)
{
    (void)self;
    (void)aad;
    *out = malloc(32);
    for (int i = 0; *out && i < 32; i++)
        (*out)[i] = dek[i] ^ 0x5a;
    *outlen = 32;
    return *out ? 0 : OG_ERROR;
}

static int count_unwrap(void *self, const uint8_t *w, size_t len, const char *aad, uint8_t dek[32])
{
    (void)self;
    (void)aad;
    if (len != 32)
        return og_error_set(OG_ECORRUPT, "bad length");
    unwraps++;
    for (int i = 0; i < 32; i++)
        dek[i] = w[i] ^ 0x5a;
    return 0;
}

static void count_free(void *self)
{
    free(self);
}

static const og_kek_provider count_provider = {"count", count_wrap, count_unwrap, count_free, 0};

static int open_secret(og_keyring *k, fx *f, const char *scope, const uint8_t *sealed, size_t len)
{
    return fx_open_rc(k, f, scope, "obj", sealed, len, secret, sizeof(secret));
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static size_t entries(og_keyring *k)
{
    og_keyring_cache_info info;
    og_keyring_cache_info_get(k, &info);
    return info.entries;
}

static void test_dekcache__reuses_a_key_until_it_expires(void **state)
{
    fx *f = *state;
    og_kek kek = {&count_provider, malloc(1), 1};
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_keyring_kek_add(f->k, &kek));
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "count"));
    unwraps = 0;
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    for (int i = 0; i < 5; i++)
        assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    assert_int_equal(unwraps, 1); /* unwrapped once, reused five times */
    assert_int_equal(entries(f->k), 1);
    og_keyring_cache_info info;
    og_keyring_cache_info_get(f->k, &info);
    assert_int_equal(info.ttl_us, OG_KEYRING_CACHE_TTL_S * 1000000LL);
    /* A short lifetime: the entry expires, the next use unwraps again. */
    og_keyring_cache_ttl_set(f->k, 50000);
    usleep(80000);
    assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    assert_int_equal(unwraps, 2);
    usleep(80000);
    size_t dropped = 0;
    assert_ok(og_keyring_cache_sweep(f->k, f->s, &dropped));
    assert_int_equal(dropped, 1);
    assert_int_equal(entries(f->k), 0);
    /* Lifetime 0: nothing is kept, every use unwraps. */
    og_keyring_cache_ttl_set(f->k, 0);
    assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    assert_int_equal(unwraps, 4);
    assert_int_equal(entries(f->k), 0);
    free(sealed);
}

static void test_dekcache__zeroizes_keys_on_expiry_and_eviction(void **state)
{
    og_crypto__cache *c = NULL;
    uint8_t fp1[32] = {1}, fp2[32] = {2}, k1[32], k2[32], out[32];
    size_t alen = 0;
    (void)state;
    memset(k1, 0xab, sizeof(k1));
    memset(k2, 0xcd, sizeof(k2));
    assert_ok(og_crypto__cache_new(&c, 4, 50000));
    const uint8_t *arena = og_crypto__cache_arena(c, &alen);
    assert_true(alen >= 4 * 32);
    og_crypto__cache_put(c, "a", fp1, k1);
    og_crypto__cache_put(c, "b", fp2, k2);
    assert_false(all_zero(arena, alen));
    assert_int_equal(og_crypto__cache_get(c, fp2, out), 1);
    assert_memory_equal(out, k2, 32);
    og_crypto__cache_evict(c, "a"); /* a revoke or rotate of scope a */
    assert_int_equal(og_crypto__cache_get(c, fp1, out), 0);
    assert_null(memmem(arena, alen, k1, 32)); /* a's key is gone from memory, b's is there */
    assert_non_null(memmem(arena, alen, k2, 32));
    usleep(80000);
    assert_int_equal(og_crypto__cache_expire(c), 1);
    assert_true(all_zero(arena, alen));
    /* The least recently used goes first when full. */
    for (uint8_t i = 0; i < 5; i++) {
        uint8_t fp[32] = {0}, key[32];
        fp[0] = (uint8_t)(10 + i);
        memset(key, 0x10 + i, sizeof(key));
        char scope[8];
        snprintf(scope, sizeof(scope), "s%d", i);
        og_crypto__cache_put(c, scope, fp, key);
    }
    og_keyring_cache_info info;
    og_crypto__cache_info(c, &info);
    assert_int_equal(info.entries, 4);
    uint8_t first[32] = {10};
    assert_int_equal(og_crypto__cache_get(c, first, out), 0);
    og_crypto__cache_free(c);
}

/* In a child without the right to lock memory: create two caches; 0 when neither is locked. */
static int child_without_mlock(const char *err_path)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    struct rlimit none = {0, 0};
    og_crypto__cache *c1 = NULL, *c2 = NULL;
    og_keyring_cache_info i1, i2;
    /* Root locks memory whatever the limit: drop CAP_IPC_LOCK from the effective set first. */
    if (syscall(SYS_capget, &hdr, caps) == 0) {
        caps[0].effective &= ~(1u << CAP_IPC_LOCK);
        if (syscall(SYS_capset, &hdr, caps) != 0)
            return 10;
    }
    if (setrlimit(RLIMIT_MEMLOCK, &none) != 0)
        return 11;
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, 2) < 0)
        return 12;
    if (og_crypto__cache_new(&c1, 8, 1000000) < 0 || og_crypto__cache_new(&c2, 8, 1000000) < 0)
        return 13;
    og_crypto__cache_info(c1, &i1);
    og_crypto__cache_info(c2, &i2);
    og_crypto__cache_free(c1);
    og_crypto__cache_free(c2);
    fflush(stderr);
    return i1.locked || i2.locked ? 14 : 0;
}

/* A failing mlock is reported (once per process), and the cache says it is not locked. */
static void test_dekcache__reports_a_failing_mlock_once(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer intercepts mlock() and makes it a no-op that succeeds: nothing can fail
     * here. The plain build (make check's main run) runs this test. */
    (void)state;
    skip();
#endif
    fx *f = *state;
    char path[400], buf[2048] = {0};
    int st = 0;
    og_keyring_cache_info info;
    og_keyring_cache_info_get(f->k, &info);
    assert_int_equal(info.locked, 1); /* the usual limit (64 KiB and up) holds the arena */
    snprintf(path, sizeof(path), "%s/stderr", f->dir);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_without_mlock(path));
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = 0;
    const char *hit = strstr(buf, "cannot lock the data key cache in memory");
    if (!hit)
        print_error("stderr was: %s\n", buf);
    assert_non_null(hit);
    assert_non_null(strstr(buf, "ulimit -l"));
    assert_null(strstr(hit + 1, "cannot lock the data key cache in memory"));
}

static void test_dekcache__revoke_wipes_the_key_and_locks_the_scope_everywhere(void **state)
{
    fx *f = *state;
    og_keyring *other = NULL; /* another process, e.g. a second server */
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0, alen = 0;
    og_crypto_key_info info;
    assert_ok(og_keyring_open(&other, f->dir));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_B, "obj", secret, sizeof(secret), &sb, &lb));
    assert_ok(open_secret(other, f, TENANT_A, sa, la));
    assert_int_equal(entries(f->k), 2);
    assert_int_equal(entries(other), 1);
    const uint8_t *arena = og_crypto__cache_arena(og_keyring__cache(f->k), &alen);
    assert_false(all_zero(arena, alen));

    assert_ok(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A));
    assert_int_equal(entries(f->k), 1); /* A's key zeroized at once here */
    assert_int_equal(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A), OG_ECONFLICT);
    assert_msg_contains("already revoked");
    assert_int_equal(open_secret(f->k, f, TENANT_A, sa, la), OG_ELOCKED);
    assert_msg_contains("was revoked at");
    assert_string_equal(og_error_detail(), OG_CRYPTO_DETAIL_KEY_REVOKED);
    uint8_t *x = NULL;
    size_t xl = 0;
    assert_int_equal(og_crypto_seal(f->k, f->s, TENANT_A, "obj2", "y", 1, &x, &xl), OG_ELOCKED);
    assert_int_equal(og_crypto_scope_key_check(f->s, TENANT_A), OG_ELOCKED);
    assert_ok(og_crypto_scope_key_check(f->s, TENANT_B));
    assert_ok(open_secret(f->k, f, TENANT_B, sb, lb)); /* other tenants unaffected */
    /* The other process honours it at its next use, its cache notwithstanding, and its sweep
     * zeroizes the key without waiting for a request. */
    size_t dropped = 0;
    assert_ok(og_keyring_cache_sweep(other, f->s, &dropped));
    assert_int_equal(dropped, 1);
    assert_int_equal(entries(other), 0);
    assert_int_equal(open_secret(other, f, TENANT_A, sa, la), OG_ELOCKED);
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_true(info.revoked_at[0] != 0);
    free(info.config);
    /* Nothing was deleted: restore (the master key unwraps it) and everything opens again. */
    assert_int_equal(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, "file", "/x"), OG_EINVAL);
    assert_ok(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, NULL, NULL));
    assert_int_equal(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, NULL, NULL), OG_ECONFLICT);
    assert_ok(open_secret(f->k, f, TENANT_A, sa, la));
    assert_ok(open_secret(other, f, TENANT_A, sa, la));
    og_keyring_free(other);
    free(sa);
    free(sb);
}

static void write_key(const char *path, const uint8_t *key)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key, 32), 32);
    close(fd);
}

static void test_dekcache__restore_needs_the_key_that_wraps_the_data_key(void **state)
{
    fx *f = *state;
    char path[400], moved[400];
    uint8_t key[32], wrong[32];
    uint8_t *sealed = NULL;
    size_t len = 0;
    og_crypto_key_info info;
    snprintf(path, sizeof(path), "%s/client.key", f->dir);
    snprintf(moved, sizeof(moved), "%s/elsewhere.key", f->dir);
    assert_ok(og_crypto_random(key, 32));
    assert_ok(og_crypto_random(wrong, 32));
    write_key(path, key);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path));
    assert_ok(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A));
    /* Another key in the file: refused, still revoked. */
    write_key(path, wrong);
    assert_int_equal(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, NULL, NULL), OG_ECORRUPT);
    assert_msg_contains("does not unwrap it (it stays revoked)");
    assert_int_equal(og_crypto_scope_key_check(f->s, TENANT_A), OG_ELOCKED);
    /* No key file at all: unavailable, still revoked. */
    unlink(path);
    assert_int_equal(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, NULL, NULL), OG_EBUSY);
    assert_int_equal(og_crypto_scope_key_check(f->s, TENANT_A), OG_ELOCKED);
    /* The right key, brought back at another path: restored, and the new path kept. */
    write_key(moved, key);
    assert_ok(og_crypto_scope_key_restore(f->k, f->s, TENANT_A, "file", moved));
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_string_equal(info.config, moved);
    assert_string_equal(info.revoked_at, "");
    free(info.config);
    assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    free(sealed);
}

/* Moving or rotating a key zeroizes the key cached from the old row at once. */
static void test_dekcache__rewrap_zeroizes_the_cached_key(void **state)
{
    fx *f = *state;
    char path[400];
    uint8_t key[32];
    uint8_t *sealed = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/client.key", f->dir);
    assert_ok(og_crypto_random(key, 32));
    write_key(path, key);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    assert_int_equal(entries(f->k), 1);
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path));
    assert_int_equal(entries(f->k), 0);
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "master", NULL));
    assert_ok(open_secret(f->k, f, TENANT_A, sealed, len));
    assert_int_equal(entries(f->k), 1);
    free(sealed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_dekcache__reuses_a_key_until_it_expires),
        T(test_dekcache__zeroizes_keys_on_expiry_and_eviction),
        T(test_dekcache__reports_a_failing_mlock_once),
        T(test_dekcache__revoke_wipes_the_key_and_locks_the_scope_everywhere),
        T(test_dekcache__restore_needs_the_key_that_wraps_the_data_key),
        T(test_dekcache__rewrap_zeroizes_the_cached_key),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
