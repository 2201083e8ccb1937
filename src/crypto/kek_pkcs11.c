/* kek_pkcs11.c - the "pkcs11" KEK provider: an AES-256 key inside a PKCS#11 token (an HSM, a cloud
 * HSM's PKCS#11 library, SoftHSM2) wraps a tenant's data key by AES-GCM inside the token, the scope
 * as associated data; the KEK never leaves the token. The token and key are named by an RFC 7512
 * URI (parsed by p11-kit), the module is dlopen'ed, the PIN is read from a file or an environment
 * variable at every use (never from the command line, never stored). */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Wrapped key: 1 version byte | 12-byte IV | 32-byte encrypted key | 16-byte tag. */
#define WRAP_VERSION 0x01
#define WRAP_LEN     (1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)
#define PIN_MAX      256

/* A loaded module, shared by every KEK naming its path: initialised by the first, finalized
 * (C_Finalize) and unloaded when the last is freed. */
typedef struct p11_module {
    struct p11_module *next;
    char *path;
    void *dl;
    CK_FUNCTION_LIST_PTR f;
    int refs;
    int ours;            /* initialised by us (not by another user of the module in this process) */
    pthread_rwlock_t rw; /* calls hold it shared; re-initialising holds it alone */
    int64_t reinit_us;   /* monotonic time of the last re-initialisation */
} p11_module;

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static p11_module *modules;

typedef struct p11_kek {
    pthread_mutex_t mu; /* one session at a time: simple, and safe with any module */
    char *uri, *module, *pin_file, *pin_env;
    struct p11_module *mod; /* a reference, while f is set */
    CK_FUNCTION_LIST_PTR f;
    P11KitUri *parsed;
    int gone; /* set by open_key: the token was not there (removed?), worth a re-initialisation */
    int setting; /* 1 while being configured (key set, restore): a bad PIN file is the input's
                  * fault (400); at use it is the operator's configuration (503) */
} p11_kek;

static int p11_fail(int code, const p11_kek *p, const char *what, CK_RV rv)
{
    return og_error_set(code, "PKCS#11 %s failed for '%s' (module %s): CKR 0x%lx%s", what, p->uri,
                        p->module, (unsigned long)rv,
                        rv == CKR_PIN_INCORRECT       ? " (PIN incorrect)"
                        : rv == CKR_PIN_LOCKED        ? " (PIN locked)"
                        : rv == CKR_TOKEN_NOT_PRESENT ? " (token not present)"
                        : rv == CKR_DEVICE_REMOVED    ? " (device removed)"
                                                      : "");
}

/* The PIN from the file or the environment variable; NUL-terminated, trailing newline cut. */
static int read_pin(const p11_kek *p, char pin[PIN_MAX])
{
    if (p->pin_env) {
        const char *v = getenv(p->pin_env);
        if (!v || !*v || strlen(v) >= PIN_MAX)
            return og_error_set(OG_EBUSY, "the PIN of '%s' is not in the environment variable %s",
                                p->uri, p->pin_env);
        snprintf(pin, PIN_MAX, "%s", v);
        return 0;
    }
    int fd = open(p->pin_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return og_error_set(OG_EBUSY, "cannot read the PIN file '%s' of '%s': %s", p->pin_file,
                            p->uri, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return og_error_set(p->setting ? OG_EINVAL : OG_EBUSY,
                            "the PIN file '%s' of '%s' is not a regular file", p->pin_file, p->uri);
    }
    /* Like a key file: a PIN others may have read is refused, not used. */
    if ((st.st_mode & 0077) != 0) {
        close(fd);
        return og_error_set(p->setting ? OG_EINVAL : OG_EBUSY,
                            "the PIN file '%s' of '%s' has permissions %04o: group or others may "
                            "read it; check it, then run chmod 600 '%s'",
                            p->pin_file, p->uri, (unsigned)(st.st_mode & 07777), p->pin_file);
    }
    size_t n = 0;
    /* A read error keeps what was read before it; an empty PIN is refused below. */
    (void)og_fd_read_full(fd, pin, PIN_MAX - 1, &n);
    close(fd);
    pin[n] = 0;
    while (n && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
        pin[--n] = 0;
    if (!n)
        return og_error_set(OG_EBUSY, "the PIN file '%s' of '%s' is empty", p->pin_file, p->uri);
    return 0;
}

/* Open a logged-in session on the URI's token and find its one secret key. */
static int open_key(p11_kek *p, CK_SESSION_HANDLE *sess, CK_OBJECT_HANDLE *key)
{
    int error = -1;
    CK_SLOT_ID slots[64];
    CK_ULONG nslots = 64, nattrs = 0, found = 0;
    CK_RV rv;
    char pin[PIN_MAX] = {0};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE attrs[16];
    CK_OBJECT_HANDLE objs[2];
    int have_slot = 0;
    *sess = CK_INVALID_HANDLE;
    p->gone = 0;
    if ((rv = p->f->C_GetSlotList(CK_TRUE, slots, &nslots)) != CKR_OK) {
        p->gone = rv == CKR_CRYPTOKI_NOT_INITIALIZED;
        return p11_fail(OG_EBUSY, p, "C_GetSlotList", rv);
    }
    CK_SLOT_ID slot = 0;
    for (CK_ULONG i = 0; i < nslots && !have_slot; i++) {
        CK_TOKEN_INFO ti;
        if (p->f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
            p11_kit_uri_match_token_info(p->parsed, &ti)) {
            slot = slots[i];
            have_slot = 1;
        }
    }
    if (!have_slot) {
        p->gone = 1;
        return og_error_set(OG_EBUSY, "no PKCS#11 token matches '%s' in module %s", p->uri,
                            p->module);
    }
    if ((error = read_pin(p, pin)) < 0)
        goto cleanup;
    if ((rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, sess)) != CKR_OK) {
        p->gone = rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED ||
                  rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
        error = p11_fail(OG_EBUSY, p, "C_OpenSession", rv);
        goto cleanup;
    }
    rv = p->f->C_Login(*sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        error = p11_fail(OG_EBUSY, p, "C_Login", rv);
        goto cleanup;
    }
    CK_ATTRIBUTE_PTR ua = p11_kit_uri_get_attributes(p->parsed, &nattrs);
    attrs[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
    for (CK_ULONG i = 0; i < nattrs && i < 15; i++)
        attrs[i + 1] = ua[i];
    if ((rv = p->f->C_FindObjectsInit(*sess, attrs, 1 + (nattrs < 15 ? nattrs : 15))) != CKR_OK ||
        (rv = p->f->C_FindObjects(*sess, objs, 2, &found)) != CKR_OK) {
        error = p11_fail(OG_EBUSY, p, "C_FindObjects", rv);
        goto cleanup;
    }
    p->f->C_FindObjectsFinal(*sess);
    if (found != 1) {
        error = og_error_set(OG_EBUSY,
                             found ? "'%s' names more than one secret key in its token; give "
                                     "object= and id= to pick one"
                                   : "no secret key object matches '%s' in its token",
                             p->uri);
        goto cleanup;
    }
    *key = objs[0];
    error = 0;
cleanup:
    og_crypto_wipe(pin, sizeof(pin));
    if (error < 0 && *sess != CK_INVALID_HANDLE) {
        p->f->C_CloseSession(*sess);
        *sess = CK_INVALID_HANDLE;
    }
    return error;
}

static int load_module(p11_kek *p);

/*
 * The token was not found: re-initialise the module (C_Finalize, C_Initialize) so that it looks for
 * its tokens again (SoftHSM2 and others only do so at C_Initialize), at most once a second, and
 * only when this process initialised it. 1 when done, 0 when skipped, or an error. Called with
 * the module not held.
 */
static int module_reinit(p11_kek *p)
{
    p11_module *m = p->mod;
    CK_C_INITIALIZE_ARGS args = {0};
    int done = 0;
    pthread_rwlock_wrlock(&m->rw);
    int64_t now = og_time_mono_us();
    if (m->ours && now - m->reinit_us >= 1000000) {
        m->reinit_us = now;
        m->f->C_Finalize(NULL);
        args.flags = CKF_OS_LOCKING_OK;
        CK_RV rv = m->f->C_Initialize(&args);
        done = rv == CKR_OK ? 1 : p11_fail(OG_EBUSY, p, "C_Initialize", rv);
    }
    pthread_rwlock_unlock(&m->rw);
    return done;
}

/* Open a session on p's key (p->mu held), re-initialising the module once if the token was gone;
 * on success the module is held shared (*held = 1) until the caller releases it. */
static int open_key_held(p11_kek *p, CK_SESSION_HANDLE *sess, CK_OBJECT_HANDLE *key, int *held)
{
    int error;
    *held = 0;
    if (!p->f && (error = load_module(p)) < 0)
        return error;
    pthread_rwlock_rdlock(&p->mod->rw);
    *held = 1;
    if ((error = open_key(p, sess, key)) < 0 && p->gone) {
        pthread_rwlock_unlock(&p->mod->rw);
        *held = 0;
        int rc = module_reinit(p);
        if (rc < 0)
            return rc;
        pthread_rwlock_rdlock(&p->mod->rw);
        *held = 1;
        if (rc == 1)
            error = open_key(p, sess, key);
    }
    return error;
}

/* AES-GCM inside the token: encrypt (in 32 bytes -> out 48) or decrypt (in 48 -> out 32). */
static int gcm(p11_kek *p, int encrypt, uint8_t iv[12], const char *aad, const uint8_t *in,
               CK_ULONG inlen, uint8_t *out, CK_ULONG outcap)
{
    int error = -1;
    CK_SESSION_HANDLE sess = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key;
    CK_RV rv;
    /* Some modules (SoftHSM2) want room for the input's length even when decrypting. */
    uint8_t buf[2 * (OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)];
    CK_ULONG outlen = sizeof(buf);
    CK_GCM_PARAMS gp = {iv, 12, 96, (unsigned char *)aad, strlen(aad), 128};
    CK_MECHANISM mech = {CKM_AES_GCM, &gp, sizeof(gp)};
    int held = 0;
    pthread_mutex_lock(&p->mu);
    if ((error = open_key_held(p, &sess, &key, &held)) < 0)
        goto cleanup;
    if (encrypt) {
        if ((rv = p->f->C_EncryptInit(sess, &mech, key)) != CKR_OK ||
            (rv = p->f->C_Encrypt(sess, (CK_BYTE_PTR)in, inlen, buf, &outlen)) != CKR_OK) {
            error = p11_fail(OG_EBUSY, p, "AES-GCM encryption", rv);
            goto cleanup;
        }
    } else {
        if ((rv = p->f->C_DecryptInit(sess, &mech, key)) != CKR_OK) {
            error = p11_fail(OG_EBUSY, p, "AES-GCM decryption", rv);
            goto cleanup;
        }
        rv = p->f->C_Decrypt(sess, (CK_BYTE_PTR)in, inlen, buf, &outlen);
        /* A tag that does not verify: CKR_ENCRYPTED_DATA_INVALID by the standard; SoftHSM2 says
         * CKR_GENERAL_ERROR (the session and key were just found usable). */
        if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
            rv == CKR_GENERAL_ERROR || rv == CKR_FUNCTION_FAILED) {
            error = og_error_set(OG_ECORRUPT,
                                 "the wrapped data key does not authenticate under the key of "
                                 "'%s' (another key, a row copied from another scope, or "
                                 "tampered; CKR 0x%lx)",
                                 p->uri, (unsigned long)rv);
            goto cleanup;
        }
        if (rv != CKR_OK) {
            error = p11_fail(OG_EBUSY, p, "AES-GCM decryption", rv);
            goto cleanup;
        }
    }
    if (outlen != outcap) {
        error = og_error_set(OG_ECORRUPT, "the token of '%s' returned %lu bytes, not %lu", p->uri,
                             (unsigned long)outlen, (unsigned long)outcap);
        goto cleanup;
    }
    memcpy(out, buf, outcap);
    error = 0;
cleanup:
    og_crypto_wipe(buf, sizeof(buf));
    if (sess != CK_INVALID_HANDLE)
        p->f->C_CloseSession(sess);
    if (held)
        pthread_rwlock_unlock(&p->mod->rw);
    pthread_mutex_unlock(&p->mu);
    return error;
}

static int p11_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                    size_t *outlen)
{
    int error = -1;
    uint8_t *w = malloc(WRAP_LEN);
    if (!w)
        return og_error_set(OG_ERROR, "out of memory");
    w[0] = WRAP_VERSION;
    if ((error = og_crypto_random(w + 1, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = gcm(self, 1, w + 1, aad, dek, OG_CRYPTO_KEY_LEN, w + 1 + OG_CRYPTO_NONCE_LEN,
                     OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)) < 0) {
        free(w);
        return error;
    }
    *out = w;
    *outlen = WRAP_LEN;
    return 0;
}

static int p11_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                      uint8_t dek[32])
{
    uint8_t iv[OG_CRYPTO_NONCE_LEN], tmp[OG_CRYPTO_KEY_LEN];
    if (len != WRAP_LEN || wrapped[0] != WRAP_VERSION)
        return og_error_set(
            OG_ECORRUPT, "wrapped data key is malformed (%zu bytes; expected %d, version 0x%02x)",
            len, WRAP_LEN, WRAP_VERSION);
    memcpy(iv, wrapped + 1, sizeof(iv));
    int error = gcm(self, 0, iv, aad, wrapped + 1 + OG_CRYPTO_NONCE_LEN,
                    OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN, tmp, OG_CRYPTO_KEY_LEN);
    if (error == 0)
        memcpy(dek, tmp, OG_CRYPTO_KEY_LEN);
    og_crypto_wipe(tmp, sizeof(tmp));
    return error;
}

/* Drop a KEK's reference to its module: the last one finalizes and unloads it. */
static void module_release(p11_module *m)
{
    p11_module **pp;
    if (!m)
        return;
    pthread_mutex_lock(&modules_mu);
    if (--m->refs == 0) {
        for (pp = &modules; *pp && *pp != m; pp = &(*pp)->next)
            ;
        if (*pp)
            *pp = m->next;
        if (m->ours)
            m->f->C_Finalize(NULL);
        pthread_rwlock_destroy(&m->rw);
        dlclose(m->dl);
        free(m->path);
        free(m);
    }
    pthread_mutex_unlock(&modules_mu);
}

static void p11_free(void *self)
{
    p11_kek *p = self;
    if (!p)
        return;
    module_release(p->mod);
    if (p->parsed)
        p11_kit_uri_free(p->parsed);
    free(p->uri);
    free(p->module);
    free(p->pin_file);
    free(p->pin_env);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

const og_kek_provider og_kek_provider_pkcs11 = {
    .name = "pkcs11",
    .wrap = p11_wrap,
    .unwrap = p11_unwrap,
    .free = p11_free,
};

/* Take a reference to the module of p (loading and initialising it when no KEK has it). */
static int load_module(p11_kek *p)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_C_INITIALIZE_ARGS args = {0};
    CK_RV rv;
    int error = -1;
    p11_module *m;
    pthread_mutex_lock(&modules_mu);
    for (m = modules; m && strcmp(m->path, p->module) != 0; m = m->next)
        ;
    if (m) {
        m->refs++;
        p->mod = m;
        p->f = m->f;
        m = NULL; /* shared: nothing to undo */
        error = 0;
        goto cleanup;
    }
    if (!(m = calloc(1, sizeof(*m))) || !(m->path = strdup(p->module))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (!(m->dl = dlopen(p->module, RTLD_NOW | RTLD_LOCAL))) {
        error = og_error_set(OG_EBUSY, "cannot load PKCS#11 module '%s': %s", p->module, dlerror());
        goto cleanup;
    }
    *(void **)&get = dlsym(m->dl, "C_GetFunctionList");
    if (!get || get(&m->f) != CKR_OK || !m->f) {
        error = og_error_set(OG_EINVAL, "'%s' is not a PKCS#11 module (no C_GetFunctionList)",
                             p->module);
        goto cleanup;
    }
    args.flags = CKF_OS_LOCKING_OK;
    rv = m->f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        error = p11_fail(OG_EBUSY, p, "C_Initialize", rv);
        goto cleanup;
    }
    m->ours = rv == CKR_OK;
    pthread_rwlock_init(&m->rw, NULL);
    m->refs = 1;
    m->next = modules;
    modules = m;
    p->mod = m;
    p->f = m->f;
    m = NULL;
    error = 0;
cleanup:
    pthread_mutex_unlock(&modules_mu);
    if (m) {
        if (m->dl)
            dlclose(m->dl);
        free(m->path);
        free(m);
    }
    return error;
}

int og_kek_pkcs11_load(og_kek *out, const og_kek_pkcs11_config *cfg, int key_version, int check)
{
    int error = -1;
    int rc;
    p11_kek *p = NULL;
    memset(out, 0, sizeof(*out));
    if (!cfg->uri || strncmp(cfg->uri, "pkcs11:", 7) != 0 || !cfg->module ||
        cfg->module[0] != '/' || (!cfg->pin_file) == (!cfg->pin_env) ||
        (cfg->pin_file && cfg->pin_file[0] != '/') || key_version < 1)
        return og_error_set(OG_EINVAL,
                            "a pkcs11 KEK needs a pkcs11: URI, the module's absolute path, and "
                            "either a PIN file (absolute path) or a PIN environment variable");
    if (!(p = calloc(1, sizeof(*p))))
        return og_error_set(OG_ERROR, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    if (!(p->uri = strdup(cfg->uri)) || !(p->module = strdup(cfg->module)) ||
        (cfg->pin_file && !(p->pin_file = strdup(cfg->pin_file))) ||
        (cfg->pin_env && !(p->pin_env = strdup(cfg->pin_env))) ||
        !(p->parsed = p11_kit_uri_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((rc = p11_kit_uri_parse(cfg->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, p->parsed)) !=
        P11_KIT_URI_OK) {
        error =
            og_error_set(OG_EINVAL, "bad PKCS#11 URI '%s': %s", cfg->uri, p11_kit_uri_message(rc));
        goto cleanup;
    }
    /* Unchecked (a stored configuration at start-up): a module that fails to load now is retried at
     * use, failing that scope's requests only. */
    if ((error = load_module(p)) < 0 && check)
        goto cleanup;
    if (check) {
        CK_SESSION_HANDLE s;
        CK_OBJECT_HANDLE k;
        int held = 0;
        pthread_mutex_lock(&p->mu);
        p->setting = 1;
        error = open_key_held(p, &s, &k, &held);
        p->setting = 0;
        if (error == 0)
            p->f->C_CloseSession(s);
        if (held)
            pthread_rwlock_unlock(&p->mod->rw);
        pthread_mutex_unlock(&p->mu);
        if (error < 0)
            goto cleanup;
    }
    out->provider = &og_kek_provider_pkcs11;
    out->self = p;
    out->key_version = key_version;
    p = NULL;
    error = 0;
cleanup:
    p11_free(p);
    return error;
}

int og_kek__pkcs11_open(const char *config, int version, int check, og_kek *out)
{
    json_t *j = json_loads(config ? config : "", 0, NULL);
    int error;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(j)) {
        json_decref(j);
        return og_error_set(OG_EINVAL, "bad pkcs11 KEK configuration (not a JSON object)");
    }
    og_kek_pkcs11_config c = {
        json_string_value(json_object_get(j, "uri")),
        json_string_value(json_object_get(j, "module")),
        json_string_value(json_object_get(j, "pin_file")),
        json_string_value(json_object_get(j, "pin_env")),
    };
    error = og_kek_pkcs11_load(out, &c, version, check);
    json_decref(j);
    return error;
}
