/* kek_master.c - the "master" KEK provider: the installation's master.key wraps data keys with
 * AES-256-GCM. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/sys/kek.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRAP_DOMAIN "opsgate-kek-master-v1"

typedef struct master_kek {
    uint8_t key[OG_CRYPTO_KEY_LEN];
} master_kek;

static int master_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                       size_t *outlen)
{
    master_kek *m = self;
    return og_crypto__gcm_wrap(WRAP_DOMAIN, m->key, dek, aad, out, outlen);
}

static int master_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                         uint8_t dek[32])
{
    master_kek *m = self;
    return og_crypto__gcm_unwrap(WRAP_DOMAIN, m->key,
                                 "the master key (another installation's key?)", wrapped, len, aad,
                                 dek);
}

static void master_free(void *self)
{
    if (!self)
        return;
    og_crypto_wipe(self, sizeof(master_kek));
    free(self);
}

const og_kek_provider og_kek_provider_master = {
    .name = "master",
    .wrap = master_wrap,
    .unwrap = master_unwrap,
    .free = master_free,
};

int og_kek_master_load(og_kek *out, const char *path)
{
    int error = -1;
    master_kek *m = NULL;
    memset(out, 0, sizeof(*out));
    if (!(m = calloc(1, sizeof(*m))))
        return og_error_set(OG_ERROR, "out of memory");
    error = og_crypto__key_file_read(path, "master key file", m->key);
    if (error == OG_ENOTFOUND)
        og_error_set(OG_ENOTFOUND,
                     "master key file '%s' does not exist: create the installation's key first "
                     "(opsgate init) or point to the right data folder",
                     path);
    if (error < 0)
        goto cleanup;
    out->provider = &og_kek_provider_master;
    out->self = m;
    out->key_version = 1;
    m = NULL;
    error = 0;
cleanup:
    master_free(m);
    return error;
}

/* Write key as the master key file of data_dir (0600, never over an existing one), durably. */
int og_crypto__master_key_write(const char *data_dir, const uint8_t *key)
{
    int error = -1;
    int fd = -1;
    int created = 0;
    char path[4096];
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder given for the master key");
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, OG_MASTER_KEY_FILE) >= sizeof(path))
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", data_dir);
    /* O_EXCL: never replace a key; losing it makes every tenant's data unreadable. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            error = og_error_set(OG_EEXISTS,
                                 "master key file '%s' already exists; refusing to overwrite it "
                                 "(replacing it would make all encrypted data unreadable)",
                                 path);
        else
            error = og_error_set(errno == ENOENT ? OG_ENOTFOUND : OG_ERROR,
                                 "cannot create master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    created = 1;
    /* The umask can only narrow 0600, but be explicit in case the file system ignores it. */
    if (fchmod(fd, 0600) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot chmod master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (og_fd_write_all(fd, key, OG_CRYPTO_KEY_LEN) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot write master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (fsync(fd) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot flush master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (close(fd) < 0) {
        fd = -1;
        error =
            og_error_set(OG_ERROR, "cannot close master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    /* Make the new directory entry durable too. */
    if (og_dir_sync(data_dir) < 0)
        og_error_clear(); /* best effort */
    error = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (error < 0 && created)
        unlink(path); /* a half-written key must not be loaded later */
    return error;
}

int og_crypto_master_key_create(const char *data_dir)
{
    uint8_t key[OG_CRYPTO_KEY_LEN];
    int error = og_crypto_random(key, sizeof(key));
    if (error == 0)
        error = og_crypto__master_key_write(data_dir, key);
    og_crypto_wipe(key, sizeof(key));
    return error;
}

int og_crypto_master_key_copy(const char *from_dir, const char *to_dir)
{
    uint8_t key[OG_CRYPTO_KEY_LEN];
    char path[4096];
    int error;
    if (!from_dir || !*from_dir)
        return og_error_set(OG_EINVAL, "no folder given to copy the master key from");
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", from_dir, OG_MASTER_KEY_FILE) >= sizeof(path))
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", from_dir);
    if ((error = og_crypto__key_file_read(path, "master key file", key)) == 0)
        error = og_crypto__master_key_write(to_dir, key);
    og_crypto_wipe(key, sizeof(key));
    return error;
}
