/* test_kek_file.c - the "file" KEK provider: a client's own key in a file wraps a tenant's data
 * key; bad files are refused with clear errors; a missing file fails that tenant only. */
#include "crypto_fixture.h"

#include "opsgate/sys/kek.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char secret[] = "client data under the client's key";

/* Write n random bytes to DIR/name with mode; the path goes to out. */
static void write_key(fx *f, const char *name, size_t n, mode_t mode, char *out, size_t size)
{
    uint8_t buf[64];
    snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n <= sizeof(buf));
    assert_ok(og_crypto_random(buf, sizeof(buf)));
    unlink(out);
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* Register the key file at path as tenant's "file" KEK with version. */
static void use_file_key(fx *f, og_keyring *k, const char *scope, const char *path, int version)
{
    og_kek kek;
    (void)f;
    assert_ok(og_kek_file_load(&kek, path, version));
    assert_ok(og_keyring_scope_kek_set(k, scope, &kek));
}

static int open_rc(og_keyring *k, fx *f, const char *scope, const uint8_t *sealed, size_t len)
{
    return fx_open_rc(k, f, scope, "obj", sealed, len, secret, sizeof(secret));
}

static void test_kek_file__wraps_a_tenant_key_and_records_provider_and_version(void **state)
{
    fx *f = *state;
    char path[512];
    og_stmt *st = NULL;
    uint8_t *sealed = NULL;
    size_t len = 0;
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path));
    use_file_key(f, f->k, TENANT_A, path, 3);
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "file"));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    assert_ok(open_rc(f->k, f, TENANT_A, sealed, len));
    assert_ok(og_stmt_prepare(&st, f->s,
                              "SELECT kek, key_version, length(wrapped) FROM crypto_data_key"
                              " WHERE scope = ?"));
    assert_ok(og_stmt_bind_text(st, 1, TENANT_A));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    assert_string_equal(og_stmt_col_text(st, 0), "file");
    assert_int_equal(og_stmt_col_int(st, 1), 3);
    assert_int_equal(og_stmt_col_int(st, 2), 1 + 12 + 32 + 16);
    og_stmt_free(st);
    /* A restarted process (a new keyring) reads it with the same file, and only with it. */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    assert_int_equal(open_rc(k2, f, TENANT_A, sealed, len), OG_ERROR);
    assert_msg_contains("wrapped by the KEK provider 'file', which this keyring has not loaded");
    use_file_key(f, k2, TENANT_A, path, 3);
    assert_ok(open_rc(k2, f, TENANT_A, sealed, len));
    og_keyring_free(k2);
    free(sealed);
}

static void test_kek_file__is_for_its_scope_only(void **state)
{
    fx *f = *state;
    char path[512];
    uint8_t *sealed = NULL;
    size_t len = 0;
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path));
    use_file_key(f, f->k, TENANT_A, path, 1);
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "file"));
    /* Tenant B has no file KEK: it cannot be put under A's. */
    assert_int_equal(og_crypto_scope_key_create_with(f->k, f->s, TENANT_B, "file"), OG_ENOTFOUND);
    assert_msg_contains("no KEK provider named 'file'");
    /* Even with the same file configured for B, A's wrapped key copied to B's row fails: the
     * scope is bound. */
    use_file_key(f, f->k, TENANT_B, path, 1);
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    fx_copy_data_key(f, TENANT_B, TENANT_A);
    assert_int_equal(open_rc(f->k, f, TENANT_B, sealed, len), OG_ECORRUPT);
    assert_msg_contains("does not authenticate under the key in");
    free(sealed);
}

static void test_kek_file__another_key_in_the_file_does_not_authenticate(void **state)
{
    fx *f = *state;
    char path[512];
    uint8_t *sealed = NULL;
    size_t len = 0;
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path));
    use_file_key(f, f->k, TENANT_A, path, 1);
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "file"));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path)); /* replaced by another key */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    use_file_key(f, k2, TENANT_A, path, 1);
    assert_int_equal(open_rc(k2, f, TENANT_A, sealed, len), OG_ECORRUPT);
    assert_msg_contains("cannot unwrap the data key of tenant " TENANT_A " with KEK 'file'");
    og_keyring_free(k2);
    free(sealed);
}

static void test_kek_file__a_removed_file_fails_that_tenant_only(void **state)
{
    fx *f = *state;
    char path[512];
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0;
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path));
    use_file_key(f, f->k, TENANT_A, path, 1);
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "file"));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_B, "obj", secret, sizeof(secret), &sb, &lb));
    assert_int_equal(unlink(path), 0);
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    og_kek kek;
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EBUSY);
    assert_msg_contains("does not exist: the client's key is not available");
    /* Configured while present, then taken away: unwrap says so, and B is unaffected. */
    write_key(f, "other.key", 32, 0600, path, sizeof(path));
    use_file_key(f, k2, TENANT_A, path, 1);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(open_rc(k2, f, TENANT_A, sa, la), OG_ELOCKED);
    assert_msg_contains("cannot unwrap the data key of tenant " TENANT_A " with KEK 'file'");
    assert_msg_contains("is missing: the client's key is withdrawn; restore it to serve");
    assert_string_equal(og_error_detail(), OG_CRYPTO_DETAIL_KEY_WITHDRAWN);
    assert_ok(open_rc(k2, f, TENANT_B, sb, lb));
    /* Found too open at use: the operator's configuration, 503 naming the mode. */
    write_key(f, "other.key", 32, 0644, path, sizeof(path));
    assert_int_equal(open_rc(k2, f, TENANT_A, sa, la), OG_EBUSY);
    assert_msg_contains("has permissions 0644, wider than 0600");
    og_keyring_free(k2);
    free(sa);
    free(sb);
}

static void test_kek_file__refuses_unusable_files(void **state)
{
    fx *f = *state;
    char path[512];
    og_kek kek;
    write_key(f, "short.key", 31, 0600, path, sizeof(path));
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("is 31 bytes; a key file holds exactly 32");
    write_key(f, "long.key", 33, 0600, path, sizeof(path));
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("is 33 bytes");
    write_key(f, "wide.key", 32, 0640, path, sizeof(path));
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("has permissions 0640, wider than 0600");
    write_key(f, "exec.key", 32, 0700, path, sizeof(path));
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("wider than 0600");
    snprintf(path, sizeof(path), "%s/dir.key", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("is not a regular file");
    snprintf(path, sizeof(path), "%s/fifo.key", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("is not a regular file");
    char target[512];
    write_key(f, "target.key", 32, 0600, target, sizeof(target));
    snprintf(path, sizeof(path), "%s/link.key", f->dir);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(og_kek_file_load(&kek, path, 1), OG_EINVAL);
    assert_msg_contains("is a symbolic link");
    assert_int_equal(og_kek_file_load(&kek, "relative.key", 1), OG_EINVAL);
    assert_msg_contains("must be absolute");
    assert_int_equal(og_kek_file_load(&kek, target, 0), OG_EINVAL);
    assert_msg_contains("bad key version 0");
    assert_ok(og_kek_file_load(&kek, target, 1));
    kek.provider->free(kek.self);
}

static void test_kek_file__rewrap_moves_a_key_without_re_encrypting(void **state)
{
    fx *f = *state;
    char path[512];
    og_crypto_key_info info;
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0;
    write_key(f, "client-a.key", 32, 0600, path, sizeof(path));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_B, "obj", secret, sizeof(secret), &sb, &lb));
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path));
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_string_equal(info.provider, "file");
    assert_int_equal(info.key_version, 1);
    assert_string_equal(info.config, path);
    free(info.config);
    assert_ok(open_rc(f->k, f, TENANT_A, sa, la)); /* same data key */
    /* A restarted process finds the key file from the row alone. */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    assert_ok(open_rc(k2, f, TENANT_A, sa, la));
    /* Without the file, A fails at once (no cached key), with no fallback to master; B serves. */
    char moved[600];
    snprintf(moved, sizeof(moved), "%s.away", path);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(open_rc(k2, f, TENANT_A, sa, la), OG_ELOCKED);
    assert_msg_contains("the client's key is withdrawn");
    assert_int_equal(open_rc(f->k, f, TENANT_A, sa, la), OG_ELOCKED);
    assert_ok(open_rc(k2, f, TENANT_B, sb, lb));
    /* Every request of the tenant checks this first (423), whatever it asks. */
    assert_int_equal(og_crypto_scope_key_check(f->s, TENANT_A), OG_ELOCKED);
    assert_string_equal(og_error_detail(), OG_CRYPTO_DETAIL_KEY_WITHDRAWN);
    assert_ok(og_crypto_scope_key_check(f->s, TENANT_B));
    /* Nor can it be moved back to master while its KEK is withdrawn. */
    assert_int_equal(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "master", NULL), OG_ELOCKED);
    assert_msg_contains("cannot move the data key of tenant " TENANT_A);
    assert_int_equal(rename(moved, path), 0);
    assert_ok(og_crypto_scope_key_check(f->s, TENANT_A));
    assert_ok(open_rc(k2, f, TENANT_A, sa, la));
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "master", NULL));
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_string_equal(info.provider, "master");
    assert_null(info.config);
    assert_int_equal(unlink(path), 0);
    assert_ok(open_rc(k2, f, TENANT_A, sa, la));
    og_keyring_free(k2);
    free(sa);
    free(sb);
}

static void test_kek_file__rewrap_to_an_unusable_file_changes_nothing(void **state)
{
    fx *f = *state;
    char path[512];
    og_crypto_key_info info;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    write_key(f, "wide.key", 32, 0644, path, sizeof(path));
    assert_int_equal(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path), OG_EINVAL);
    assert_msg_contains("cannot move the data key of tenant " TENANT_A " to KEK 'file'");
    assert_msg_contains("wider than 0600");
    snprintf(path, sizeof(path), "%s/none.key", f->dir);
    assert_int_equal(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path), OG_EBUSY);
    assert_int_equal(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", NULL), OG_EINVAL);
    assert_int_equal(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "hsm", "x"), OG_EINVAL);
    assert_msg_contains("unknown KEK provider 'hsm'");
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_string_equal(info.provider, "master");
    assert_null(info.config);
}

static void test_kek_file__rotate_moves_to_a_new_key_file_as_the_next_version(void **state)
{
    fx *f = *state;
    char old_path[512], new_path[512];
    og_crypto_key_info info;
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_int_equal(og_crypto_scope_key_rotate(f->k, f->s, TENANT_A, "master", NULL),
                     OG_ECONFLICT);
    assert_msg_contains("it is under 'master'");
    write_key(f, "v1.key", 32, 0600, old_path, sizeof(old_path));
    write_key(f, "v2.key", 32, 0600, new_path, sizeof(new_path));
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", old_path));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    assert_ok(og_crypto_scope_key_rotate(f->k, f->s, TENANT_A, "file", new_path));
    assert_ok(og_crypto_scope_key_info(f->s, TENANT_A, &info));
    assert_int_equal(info.key_version, 2);
    assert_string_equal(info.config, new_path);
    free(info.config);
    assert_int_equal(unlink(old_path), 0); /* the old key is no longer needed */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    assert_ok(open_rc(k2, f, TENANT_A, sealed, len));
    og_keyring_free(k2);
    free(sealed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_kek_file__wraps_a_tenant_key_and_records_provider_and_version),
        T(test_kek_file__is_for_its_scope_only),
        T(test_kek_file__another_key_in_the_file_does_not_authenticate),
        T(test_kek_file__a_removed_file_fails_that_tenant_only),
        T(test_kek_file__refuses_unusable_files),
        T(test_kek_file__rewrap_moves_a_key_without_re_encrypting),
        T(test_kek_file__rewrap_to_an_unusable_file_changes_nothing),
        T(test_kek_file__rotate_moves_to_a_new_key_file_as_the_next_version),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
