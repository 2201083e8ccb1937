/* kek_file.c - the "file" KEK provider: a tenant's data key wrapped (AES-256-GCM) by a 256-bit key
 * in a file the client controls, e.g. on a volume it mounts. The key is read from the file at every
 * wrap and unwrap and wiped at once, so removing the file withdraws the key (once the keyring's
 * cached copy of the unwrapped data key is gone). */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/sys/kek.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Wrapped key: 1 version byte | 12-byte nonce | 32-byte encrypted key | 16-byte tag. */
#define WRAP_VERSION 0x01
#define WRAP_LEN     (1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)
#define WRAP_DOMAIN  "opsgate-kek-file-v1"
#define PATH_MAX_LEN 4095

typedef struct file_kek {
    char *path;
} file_kek;

/* Read and check the key file. OG_EBUSY when it is missing or unreadable (the client's volume is
 * not there: the tenant's data is unavailable, not corrupt); OG_EINVAL when it is unusable. */
static int read_key(const char *path, uint8_t key[32])
{
    int error = -1;
    int fd = -1;
    struct stat st;
    uint8_t buf[OG_CRYPTO_KEY_LEN + 1];
    size_t got = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            error = og_error_set(OG_EINVAL, "key file '%s' is a symbolic link; refusing it", path);
        else if (errno == ENOENT)
            error = og_error_set(OG_EBUSY,
                                 "key file '%s' does not exist: the client's key is not available "
                                 "(volume not mounted, or the key was withdrawn)",
                                 path);
        else
            error = og_error_set(OG_EBUSY, "cannot open key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (fstat(fd, &st) < 0) {
        error = og_error_set(OG_EBUSY, "cannot stat key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        error = og_error_set(OG_EINVAL, "key file '%s' is not a regular file", path);
        goto cleanup;
    }
    if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
        error = og_error_set(OG_EINVAL,
                             "key file '%s' has permissions %04o, wider than 0600: other users may "
                             "have read it; check it, then run chmod 600 '%s'",
                             path, (unsigned)(st.st_mode & 07777), path);
        goto cleanup;
    }
    if (st.st_size != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL,
                             "key file '%s' is %lld bytes; a key file holds exactly %d random "
                             "bytes (e.g. head -c 32 /dev/urandom)",
                             path, (long long)st.st_size, OG_CRYPTO_KEY_LEN);
        goto cleanup;
    }
    while (got < sizeof(buf)) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            error = og_error_set(OG_EBUSY, "cannot read key file '%s': %s", path, strerror(errno));
            goto cleanup;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL, "key file '%s' changed size while being read", path);
        goto cleanup;
    }
    memcpy(key, buf, OG_CRYPTO_KEY_LEN);
    error = 0;
cleanup:
    og_crypto_wipe(buf, sizeof(buf));
    if (fd >= 0)
        close(fd);
    return error;
}

/* Associated data: domain NUL version-byte aad. Caller frees. */
static int wrap_aad(const char *aad, uint8_t **out, size_t *outlen)
{
    size_t dl = sizeof(WRAP_DOMAIN), al = strlen(aad);
    uint8_t *p = malloc(dl + 1 + al);
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(p, WRAP_DOMAIN, dl);
    p[dl] = WRAP_VERSION;
    memcpy(p + dl + 1, aad, al);
    *out = p;
    *outlen = dl + 1 + al;
    return 0;
}

static int file_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                     size_t *outlen)
{
    int error = -1;
    file_kek *fk = self;
    uint8_t key[OG_CRYPTO_KEY_LEN];
    uint8_t *a = NULL, *w = NULL;
    size_t alen = 0;
    if ((error = read_key(fk->path, key)) < 0 || (error = wrap_aad(aad, &a, &alen)) < 0)
        goto cleanup;
    if (!(w = malloc(WRAP_LEN))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    w[0] = WRAP_VERSION;
    if ((error = og_crypto_random(w + 1, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = og_crypto__gcm_seal(key, w + 1, a, alen, dek, OG_CRYPTO_KEY_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN)) < 0)
        goto cleanup;
    *out = w;
    *outlen = WRAP_LEN;
    w = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(key, sizeof(key));
    free(a);
    free(w);
    return error;
}

static int file_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                       uint8_t dek[32])
{
    int error = -1;
    file_kek *fk = self;
    uint8_t key[OG_CRYPTO_KEY_LEN];
    uint8_t tmp[OG_CRYPTO_KEY_LEN];
    uint8_t *a = NULL;
    size_t alen = 0;
    if (len != WRAP_LEN || wrapped[0] != WRAP_VERSION) {
        error = og_error_set(OG_ECORRUPT,
                             "wrapped data key is malformed (%zu bytes, version 0x%02x; expected "
                             "%d bytes, version 0x%02x)",
                             len, len ? wrapped[0] : 0, WRAP_LEN, WRAP_VERSION);
        goto cleanup;
    }
    if ((error = read_key(fk->path, key)) < 0 || (error = wrap_aad(aad, &a, &alen)) < 0)
        goto cleanup;
    error = og_crypto__gcm_open(key, wrapped + 1, a, alen, wrapped + 1 + OG_CRYPTO_NONCE_LEN,
                                OG_CRYPTO_KEY_LEN,
                                wrapped + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN, tmp);
    if (error == OG_ECORRUPT) {
        og_error_set(OG_ECORRUPT,
                     "the wrapped data key does not authenticate under the key in '%s' (another "
                     "key was put in that file, a row copied from another scope, or tampered)",
                     fk->path);
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    memcpy(dek, tmp, OG_CRYPTO_KEY_LEN);
    error = 0;
cleanup:
    og_crypto_wipe(key, sizeof(key));
    og_crypto_wipe(tmp, sizeof(tmp));
    free(a);
    return error;
}

static void file_free(void *self)
{
    file_kek *fk = self;
    if (!fk)
        return;
    free(fk->path);
    free(fk);
}

const og_kek_provider og_kek_provider_file = {
    .name = "file",
    .wrap = file_wrap,
    .unwrap = file_unwrap,
    .free = file_free,
    .uncached = 1,
};

/* A file KEK on path, checking the path's form but not the file. */
static int file_new(og_kek *out, const char *path, int key_version)
{
    file_kek *fk = NULL;
    memset(out, 0, sizeof(*out));
    if (!path || path[0] != '/' || strlen(path) > PATH_MAX_LEN)
        return og_error_set(OG_EINVAL, "key file path '%s' must be absolute (at most %d bytes)",
                            path ? path : "", PATH_MAX_LEN);
    if (key_version < 1)
        return og_error_set(OG_EINVAL, "bad key version %d for key file '%s'", key_version, path);
    if (!(fk = calloc(1, sizeof(*fk))) || !(fk->path = strdup(path))) {
        free(fk);
        return og_error_set(OG_ERROR, "out of memory");
    }
    out->provider = &og_kek_provider_file;
    out->self = fk;
    out->key_version = key_version;
    return 0;
}

int og_kek__open(const char *name, const char *config, int version, int check, og_kek *out)
{
    if (strcmp(name, "file") == 0)
        return check ? og_kek_file_load(out, config, version) : file_new(out, config, version);
    if (strcmp(name, "pkcs11") == 0)
        return og_kek__pkcs11_open(config, version, check, out);
    return og_error_set(OG_EINVAL, "unknown KEK provider '%s' (known: master, file, pkcs11)", name);
}

int og_kek_file_load(og_kek *out, const char *path, int key_version)
{
    int error = -1;
    uint8_t key[OG_CRYPTO_KEY_LEN];
    if ((error = file_new(out, path, key_version)) < 0)
        return error;
    /* Check the file now, so a bad one is refused when it is configured, not at first use. */
    if ((error = read_key(path, key)) < 0) {
        file_free(out->self);
        memset(out, 0, sizeof(*out));
    }
    og_crypto_wipe(key, sizeof(key));
    return error;
}
