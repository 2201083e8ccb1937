/* kek_file.c - the "file" KEK provider: a tenant's data key wrapped (AES-256-GCM) by a 256-bit key
 * in a file the client controls, e.g. on a volume it mounts. The key is read from the file at every
 * wrap and unwrap and wiped at once, so removing the file withdraws the key at once (the tenant's
 * unwrapped data key is never cached): its requests answer 423 until the file is back. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/sys/kek.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRAP_DOMAIN  "opsgate-kek-file-v1"
#define PATH_MAX_LEN 4095

typedef struct file_kek {
    char *path;
} file_kek;

/* Read and check the key file. At use (at_use != 0): OG_ELOCKED when the file is gone (the client
 * withdrew its key: the tenant is locked until it is back), OG_EBUSY when it is unreadable or
 * unusable (too open, a symbolic link, the wrong size: the operator's configuration, not the
 * request). When it is being configured (key set, restore): OG_EBUSY when missing, OG_EINVAL when
 * unusable, as the command's input is at fault. */
static int read_key(const char *path, uint8_t key[32], int at_use)
{
    int error = og_crypto__key_file_read(path, "key file", key);
    if (error == OG_ENOTFOUND && at_use)
        error = og_crypto__withdrawn_error(path);
    else if (error == OG_ENOTFOUND)
        error = og_error_set(OG_EBUSY,
                             "key file '%s' does not exist: the client's key is not available "
                             "(volume not mounted, or the key was withdrawn)",
                             path);
    else if (error == OG_EINVAL && at_use) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", og_error_last());
        error = og_error_set(OG_EBUSY, "%s", msg);
    }
    return error;
}

int og_crypto__withdrawn_error(const char *path)
{
    og_error_set(OG_ELOCKED,
                 "the tenant's key file '%s' is missing: the client's key is withdrawn; restore "
                 "it to serve this tenant",
                 path);
    og_error_set_detail(OG_CRYPTO_DETAIL_KEY_WITHDRAWN);
    return OG_ELOCKED;
}

static int file_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                     size_t *outlen)
{
    file_kek *fk = self;
    uint8_t key[OG_CRYPTO_KEY_LEN];
    int error = read_key(fk->path, key, 1);
    if (error == 0)
        error = og_crypto__gcm_wrap(WRAP_DOMAIN, key, dek, aad, out, outlen);
    og_crypto_wipe(key, sizeof(key));
    return error;
}

static int file_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                       uint8_t dek[32])
{
    file_kek *fk = self;
    uint8_t key[OG_CRYPTO_KEY_LEN];
    char name[PATH_MAX_LEN + 32];
    int error = read_key(fk->path, key, 1);
    snprintf(name, sizeof(name), "the key in '%s'", fk->path);
    if (error == 0)
        error = og_crypto__gcm_unwrap(WRAP_DOMAIN, key, name, wrapped, len, aad, dek);
    og_crypto_wipe(key, sizeof(key));
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
    if ((error = read_key(path, key, 0)) < 0) {
        file_free(out->self);
        memset(out, 0, sizeof(*out));
    }
    og_crypto_wipe(key, sizeof(key));
    return error;
}
