/* kek_master.c - the "master" KEK provider: the installation's master.key wraps data keys with
 * AES-256-GCM. */
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
#define WRAP_DOMAIN  "opsgate-kek-master-v1"

typedef struct master_kek {
    uint8_t key[OG_CRYPTO_KEY_LEN];
} master_kek;

/* Associated data: domain NUL version-byte aad. Caller frees. */
static int wrap_aad(const char *aad, uint8_t **out, size_t *outlen)
{
    size_t dl = sizeof(WRAP_DOMAIN); /* with its NUL */
    size_t al = strlen(aad);
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

static int master_wrap(void *self, const uint8_t dek[32], const char *aad, uint8_t **out,
                       size_t *outlen)
{
    int error = -1;
    master_kek *m = self;
    uint8_t *a = NULL, *w = NULL;
    size_t alen = 0;
    if ((error = wrap_aad(aad, &a, &alen)) < 0)
        goto cleanup;
    if (!(w = malloc(WRAP_LEN))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    w[0] = WRAP_VERSION;
    if ((error = og_crypto_random(w + 1, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = og_crypto__gcm_seal(m->key, w + 1, a, alen, dek, OG_CRYPTO_KEY_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN)) < 0)
        goto cleanup;
    *out = w;
    *outlen = WRAP_LEN;
    w = NULL;
    error = 0;
cleanup:
    free(a);
    free(w);
    return error;
}

static int master_unwrap(void *self, const uint8_t *wrapped, size_t len, const char *aad,
                         uint8_t dek[32])
{
    int error = -1;
    master_kek *m = self;
    uint8_t *a = NULL;
    size_t alen = 0;
    uint8_t tmp[OG_CRYPTO_KEY_LEN];
    if (len != WRAP_LEN || wrapped[0] != WRAP_VERSION) {
        error = og_error_set(OG_ECORRUPT,
                             "wrapped data key is malformed (%zu bytes, version 0x%02x; expected "
                             "%d bytes, version 0x%02x)",
                             len, len ? wrapped[0] : 0, WRAP_LEN, WRAP_VERSION);
        goto cleanup;
    }
    if ((error = wrap_aad(aad, &a, &alen)) < 0)
        goto cleanup;
    error = og_crypto__gcm_open(m->key, wrapped + 1, a, alen, wrapped + 1 + OG_CRYPTO_NONCE_LEN,
                                OG_CRYPTO_KEY_LEN,
                                wrapped + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN, tmp);
    if (error == OG_ECORRUPT) {
        og_error_set(OG_ECORRUPT, "the wrapped data key does not authenticate under the master key "
                                  "(another installation's key, a row copied from another scope, "
                                  "or tampered)");
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    memcpy(dek, tmp, OG_CRYPTO_KEY_LEN);
    error = 0;
cleanup:
    og_crypto_wipe(tmp, sizeof(tmp));
    free(a);
    return error;
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
    int fd = -1;
    struct stat st;
    master_kek *m = NULL;
    uint8_t buf[OG_CRYPTO_KEY_LEN + 1];
    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            error = og_error_set(OG_ENOTFOUND,
                                 "master key file '%s' does not exist: create the installation's "
                                 "key first (opsgate init) or point to the right data folder",
                                 path);
        else if (errno == ELOOP)
            error = og_error_set(OG_EINVAL, "master key file '%s' is a symbolic link; refusing it",
                                 path);
        else
            error = og_error_set(OG_ERROR, "cannot open master key file '%s': %s", path,
                                 strerror(errno));
        goto cleanup;
    }
    if (fstat(fd, &st) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot stat master key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        error = og_error_set(OG_EINVAL, "master key file '%s' is not a regular file", path);
        goto cleanup;
    }
    /* Anything beyond read/write for the owner (group, others, even the owner's x bit) means the
     * file was created or copied carelessly: refuse rather than use a key others may have read. */
    if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
        error = og_error_set(OG_EINVAL,
                             "master key file '%s' has permissions %04o, wider than 0600: other "
                             "users may have read it; check it, then run chmod 600 '%s'",
                             path, (unsigned)(st.st_mode & 07777), path);
        goto cleanup;
    }
    if (st.st_size != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL,
                             "master key file '%s' is %lld bytes; a master key is exactly %d bytes "
                             "(truncated or not a master key)",
                             path, (long long)st.st_size, OG_CRYPTO_KEY_LEN);
        goto cleanup;
    }
    /* Read one byte more than needed, so a file that grew since fstat() is noticed. */
    size_t got = 0;
    while (got < sizeof(buf)) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            error = og_error_set(OG_ERROR, "cannot read master key file '%s': %s", path,
                                 strerror(errno));
            goto cleanup;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL, "master key file '%s' changed size while being read", path);
        goto cleanup;
    }
    if (!(m = calloc(1, sizeof(*m)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(m->key, buf, OG_CRYPTO_KEY_LEN);
    out->provider = &og_kek_provider_master;
    out->self = m;
    out->key_version = 1;
    m = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(buf, sizeof(buf));
    master_free(m);
    if (fd >= 0)
        close(fd);
    return error;
}

int og_crypto_master_key_create(const char *data_dir)
{
    int error = -1;
    int fd = -1;
    int created = 0;
    char path[4096];
    uint8_t key[OG_CRYPTO_KEY_LEN];
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder given for the master key");
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, OG_MASTER_KEY_FILE) >= sizeof(path))
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", data_dir);
    if ((error = og_crypto_random(key, sizeof(key))) < 0)
        goto cleanup;
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
    size_t done = 0;
    while (done < sizeof(key)) {
        ssize_t w = write(fd, key + done, sizeof(key) - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            error = og_error_set(OG_ERROR, "cannot write master key file '%s': %s", path,
                                 strerror(errno));
            goto cleanup;
        }
        done += (size_t)w;
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
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    error = 0;
cleanup:
    og_crypto_wipe(key, sizeof(key));
    if (fd >= 0)
        close(fd);
    if (error < 0 && created)
        unlink(path); /* a half-written key must not be loaded later */
    return error;
}
