/* test_kek_pkcs11.c - the "pkcs11" KEK provider against SoftHSM2: a token initialised in a temp
 * folder, an AES-256 key generated inside it; wrap/unwrap in the token, the scope bound, and clear
 * errors for a wrong PIN, a missing object, a bad URI or module, other tenants unaffected. */
#include "crypto_fixture.h"

#include "opsgate/sys/kek.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define URI    "pkcs11:token=og-test;object=acme-kek"

static char hsm_dir[256], pin_file[300], bad_pin_file[300];
static const char secret[] = "client data under the client's HSM key";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Generate an AES-256 key labelled label in the og-test token, through PKCS#11. */
static int generate_key(const char *label)
{
    void *dl = dlopen(MODULE, RTLD_NOW);
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_FUNCTION_LIST_PTR f = NULL;
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8, len = 32;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE k;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
    if (!dl)
        return -1;
    *(void **)&get = dlsym(dl, "C_GetFunctionList");
    if (!get || get(&f) != CKR_OK)
        return -1;
    CK_RV rv = f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
        return -1;
    if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK || n < 1)
        return -1;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || memcmp(ti.label, "og-test ", 8) != 0)
            continue;
        if (f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
            CKR_OK)
            return -1;
        f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
            {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_LABEL, (void *)label, strlen(label)},
            {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_ENCRYPT, &yes, sizeof(yes)},
            {CKA_DECRYPT, &yes, sizeof(yes)},   {CKA_SENSITIVE, &yes, sizeof(yes)},
            {CKA_EXTRACTABLE, &no, sizeof(no)}, {CKA_PRIVATE, &yes, sizeof(yes)},
        };
        rv = f->C_GenerateKey(s, &mech, t, sizeof(t) / sizeof(t[0]), &k);
        f->C_CloseSession(s);
        f->C_Finalize(NULL); /* the provider initialises it afresh */
        return rv == CKR_OK ? 0 : -1;
    }
    return -1;
}

/* Once per run: SoftHSM2 reads SOFTHSM2_CONF when first initialised in the process. */
static int group_setup(void **state)
{
    char conf[300], tokens[300], cmd[600];
    (void)state;
    if (access(MODULE, R_OK) != 0) {
        print_error("SoftHSM2 is not installed (%s): scripts/deps.sh test installs it\n", MODULE);
        return -1;
    }
    snprintf(hsm_dir, sizeof(hsm_dir), "%s/og-hsm-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(hsm_dir));
    snprintf(tokens, sizeof(tokens), "%s/tokens", hsm_dir);
    assert_int_equal(mkdir(tokens, 0700), 0);
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", hsm_dir);
    snprintf(cmd, sizeof(cmd), "directories.tokendir = %s\nobjects.store.backend = file\n", tokens);
    write_text(conf, cmd);
    setenv("SOFTHSM2_CONF", conf, 1);
    snprintf(cmd, sizeof(cmd),
             "softhsm2-util --init-token --free --label og-test --pin 1234 --so-pin 5678 "
             ">/dev/null");
    assert_int_equal(system(cmd), 0);
    assert_int_equal(generate_key("acme-kek"), 0);
    assert_int_equal(generate_key("twin"), 0);
    assert_int_equal(generate_key("twin"), 0);
    snprintf(pin_file, sizeof(pin_file), "%s/pin", hsm_dir);
    write_text(pin_file, "1234\n");
    snprintf(bad_pin_file, sizeof(bad_pin_file), "%s/bad-pin", hsm_dir);
    write_text(bad_pin_file, "9999\n");
    chmod(pin_file, 0600);
    chmod(bad_pin_file, 0600);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_rmdir(hsm_dir);
    return 0;
}

static int load(og_kek *kek, const char *uri, const char *module, const char *pinf,
                const char *pine, int check)
{
    og_kek_pkcs11_config c = {uri, module, pinf, pine};
    return og_kek_pkcs11_load(kek, &c, 1, check);
}

static void use_hsm(og_keyring *k, const char *scope, const char *uri, const char *pinf)
{
    og_kek kek;
    assert_ok(load(&kek, uri, MODULE, pinf, NULL, 0));
    assert_ok(og_keyring_scope_kek_set(k, scope, &kek));
}

static int open_rc(og_keyring *k, fx *f, const char *scope, const uint8_t *sealed, size_t len)
{
    return fx_open_rc(k, f, scope, "obj", sealed, len, secret, sizeof(secret));
}

static void test_kek_pkcs11__wraps_in_the_token_and_binds_the_scope(void **state)
{
    fx *f = *state;
    uint8_t *sealed = NULL;
    size_t len = 0;
    og_kek kek;
    assert_ok(load(&kek, URI, MODULE, pin_file, NULL, 1)); /* checked: logs in, finds the key */
    assert_ok(og_keyring_scope_kek_set(f->k, TENANT_A, &kek));
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "pkcs11"));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sealed, &len));
    assert_ok(open_rc(f->k, f, TENANT_A, sealed, len));
    /* A new keyring (a restart) with the PIN from the environment. */
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    setenv("OG_TEST_HSM_PIN", "1234", 1);
    assert_ok(load(&kek, URI, MODULE, NULL, "OG_TEST_HSM_PIN", 1));
    assert_ok(og_keyring_scope_kek_set(k2, TENANT_A, &kek));
    assert_ok(open_rc(k2, f, TENANT_A, sealed, len));
    /* A's wrapped key copied to B's row does not open, even with the same HSM key. */
    use_hsm(k2, TENANT_B, URI, pin_file);
    fx_copy_data_key(f, TENANT_B, TENANT_A);
    assert_int_equal(open_rc(k2, f, TENANT_B, sealed, len), OG_ECORRUPT);
    assert_msg_contains("does not authenticate under the key of '" URI "'");
    og_keyring_free(k2);
    free(sealed);
}

static void test_kek_pkcs11__wrong_pin_fails_that_tenant_only(void **state)
{
    fx *f = *state;
    og_kek kek;
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0;
    assert_int_equal(load(&kek, URI, MODULE, bad_pin_file, NULL, 1), OG_EBUSY);
    assert_msg_contains("C_Login failed");
    assert_msg_contains("PIN incorrect");
    use_hsm(f->k, TENANT_A, URI, pin_file);
    assert_ok(og_crypto_scope_key_create_with(f->k, f->s, TENANT_A, "pkcs11"));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_B, "obj", secret, sizeof(secret), &sb, &lb));
    og_keyring *k2 = NULL;
    assert_ok(og_keyring_open(&k2, f->dir));
    use_hsm(k2, TENANT_A, URI, bad_pin_file); /* unchecked, as a restarted server loads it */
    assert_int_equal(open_rc(k2, f, TENANT_A, sa, la), OG_EBUSY);
    assert_msg_contains("cannot unwrap the data key of tenant " TENANT_A " with KEK 'pkcs11'");
    assert_msg_contains("PIN incorrect");
    assert_ok(open_rc(k2, f, TENANT_B, sb, lb));
    og_keyring_free(k2);
    free(sa);
    free(sb);
}

static void test_kek_pkcs11__refuses_what_it_cannot_use(void **state)
{
    og_kek kek;
    (void)state;
    assert_int_equal(load(&kek, "pkcs11:token=og-test;object=nosuch", MODULE, pin_file, NULL, 1),
                     OG_EBUSY);
    assert_msg_contains("no secret key object matches 'pkcs11:token=og-test;object=nosuch'");
    assert_int_equal(load(&kek, "pkcs11:token=og-test;object=twin", MODULE, pin_file, NULL, 1),
                     OG_EBUSY);
    assert_msg_contains("more than one secret key");
    assert_int_equal(load(&kek, "pkcs11:token=elsewhere", MODULE, pin_file, NULL, 1), OG_EBUSY);
    assert_msg_contains("no PKCS#11 token matches");
    assert_int_equal(load(&kek, "pkcs11:token=og%zz", MODULE, pin_file, NULL, 1), OG_EINVAL);
    assert_msg_contains("bad PKCS#11 URI");
    assert_int_equal(load(&kek, URI, "/nonexistent/libp11.so", pin_file, NULL, 1), OG_EBUSY);
    assert_msg_contains("cannot load PKCS#11 module '/nonexistent/libp11.so'");
    assert_int_equal(load(&kek, URI, MODULE, NULL, "OG_TEST_NO_SUCH_PIN_VAR", 1), OG_EBUSY);
    assert_msg_contains("not in the environment variable OG_TEST_NO_SUCH_PIN_VAR");
    assert_int_equal(load(&kek, URI, MODULE, NULL, NULL, 1), OG_EINVAL);
    assert_int_equal(load(&kek, URI, MODULE, "relative-pin", NULL, 1), OG_EINVAL);
    assert_int_equal(load(&kek, "token=og-test", MODULE, pin_file, NULL, 1), OG_EINVAL);
}

/* The PIN file is checked like a key file: one group or others may read is refused, not used. */
static void test_kek_pkcs11__refuses_a_pin_file_others_may_read(void **state)
{
    og_kek kek;
    char loose[400];
    (void)state;
    snprintf(loose, sizeof(loose), "%s/loose-pin", hsm_dir);
    write_text(loose, "1234\n");
    chmod(loose, 0640);
    assert_int_equal(load(&kek, URI, MODULE, loose, NULL, 1), OG_EINVAL);
    assert_msg_contains("has permissions 0640: group or others may read it");
    assert_msg_contains("chmod 600");
    chmod(loose, 0600);
    assert_ok(load(&kek, URI, MODULE, loose, NULL, 1));
    /* Found so at use, it is the server's configuration, not the request's: busy (503). */
    chmod(loose, 0644);
    uint8_t dek[32] = {0}, *w = NULL;
    size_t wl = 0;
    assert_int_equal(kek.provider->wrap(kek.self, dek, "aad", &w, &wl), OG_EBUSY);
    assert_msg_contains("has permissions 0644: group or others may read it");
    free(w);
    kek.provider->free(kek.self);
    unlink(loose);
}

/* Freeing the last KEK of a module finalizes it (C_Finalize): initialising it again in this process
 * succeeds afresh instead of finding it still initialised. */
static void test_kek_pkcs11__finalizes_the_module_with_its_last_kek(void **state)
{
    og_kek a, b;
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_FUNCTION_LIST_PTR f = NULL;
    (void)state;
    assert_ok(load(&a, URI, MODULE, pin_file, NULL, 1));
    assert_ok(load(&b, URI, MODULE, pin_file, NULL, 1));
    a.provider->free(a.self); /* b still uses the module */
    uint8_t dek[32] = {1}, out[32];
    uint8_t *w = NULL;
    size_t wlen = 0;
    assert_ok(b.provider->wrap(b.self, dek, "aad", &w, &wlen));
    assert_ok(b.provider->unwrap(b.self, w, wlen, "aad", out));
    assert_memory_equal(out, dek, 32);
    free(w);
    b.provider->free(b.self);
    void *dl = dlopen(MODULE, RTLD_NOW);
    assert_non_null(dl);
    *(void **)&get = dlsym(dl, "C_GetFunctionList");
    assert_non_null(get);
    assert_int_equal(get(&f), CKR_OK);
    assert_int_equal(f->C_Initialize(NULL), CKR_OK); /* not CKR_CRYPTOKI_ALREADY_INITIALIZED */
    f->C_Finalize(NULL);
    dlclose(dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_kek_pkcs11__wraps_in_the_token_and_binds_the_scope),
        T(test_kek_pkcs11__wrong_pin_fails_that_tenant_only),
        T(test_kek_pkcs11__refuses_what_it_cannot_use),
        T(test_kek_pkcs11__refuses_a_pin_file_others_may_read),
        T(test_kek_pkcs11__finalizes_the_module_with_its_last_kek),
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
