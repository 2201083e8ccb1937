/* kek_common.c - what the key-file KEK providers (master, file) share: reading and checking a
 * 32-byte key file, and the AES-256-GCM wrap of a data key under a domain and the scope. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int og_crypto__key_file_read(const char *path, const char *what, uint8_t key[32])
{
    int error = -1;
    int fd = -1;
    struct stat st;
    uint8_t buf[OG_CRYPTO_KEY_LEN + 1];
    size_t got = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            error = og_error_set(OG_EINVAL, "%s '%s' is a symbolic link; refusing it", what, path);
        else if (errno == ENOENT)
            error = og_error_set(OG_ENOTFOUND, "%s '%s' does not exist", what, path);
        else
            error = og_error_set(OG_EBUSY, "cannot open %s '%s': %s", what, path, strerror(errno));
        goto cleanup;
    }
    if (fstat(fd, &st) < 0) {
        error = og_error_set(OG_EBUSY, "cannot stat %s '%s': %s", what, path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        error = og_error_set(OG_EINVAL, "%s '%s' is not a regular file", what, path);
        goto cleanup;
    }
    /* Anything beyond read/write for the owner (group, others, even the owner's x bit) means the
     * file was created or copied carelessly: refuse rather than use a key others may have read. */
    if ((st.st_mode & 07777 & ~(mode_t)0600) != 0) {
        error = og_error_set(OG_EINVAL,
                             "%s '%s' has permissions %04o, wider than 0600: other users may "
                             "have read it; check it, then run chmod 600 '%s'",
                             what, path, (unsigned)(st.st_mode & 07777), path);
        goto cleanup;
    }
    if (st.st_size != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL,
                             "%s '%s' is %lld bytes; a key file holds exactly %d random bytes "
                             "(truncated, or not a key; e.g. head -c 32 /dev/urandom)",
                             what, path, (long long)st.st_size, OG_CRYPTO_KEY_LEN);
        goto cleanup;
    }
    /* Read one byte more than needed, so a file that grew since fstat() is noticed. */
    if (og_fd_read_full(fd, buf, sizeof(buf), &got) < 0) {
        error = og_error_set(OG_EBUSY, "cannot read %s '%s': %s", what, path, strerror(errno));
        goto cleanup;
    }
    if (got != OG_CRYPTO_KEY_LEN) {
        error = og_error_set(OG_EINVAL, "%s '%s' changed size while being read", what, path);
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
static int wrap_aad(const char *domain, const char *aad, uint8_t **out, size_t *outlen)
{
    size_t dl = strlen(domain) + 1, al = strlen(aad);
    uint8_t *p = malloc(dl + 1 + al);
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(p, domain, dl);
    p[dl] = OG_CRYPTO_WRAP_VERSION;
    memcpy(p + dl + 1, aad, al);
    *out = p;
    *outlen = dl + 1 + al;
    return 0;
}

int og_crypto__gcm_wrap(const char *domain, const uint8_t key[32], const uint8_t dek[32],
                        const char *aad, uint8_t **out, size_t *outlen)
{
    int error = -1;
    uint8_t *a = NULL, *w = NULL;
    size_t alen = 0;
    if ((error = wrap_aad(domain, aad, &a, &alen)) < 0)
        goto cleanup;
    if (!(w = malloc(OG_CRYPTO_WRAP_LEN))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    w[0] = OG_CRYPTO_WRAP_VERSION;
    if ((error = og_crypto_random(w + 1, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = og_crypto__gcm_seal(key, w + 1, a, alen, dek, OG_CRYPTO_KEY_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN,
                                     w + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN)) < 0)
        goto cleanup;
    *out = w;
    *outlen = OG_CRYPTO_WRAP_LEN;
    w = NULL;
    error = 0;
cleanup:
    free(a);
    free(w);
    return error;
}

int og_crypto__gcm_unwrap(const char *domain, const uint8_t key[32], const char *keyname,
                          const uint8_t *wrapped, size_t len, const char *aad, uint8_t dek[32])
{
    int error = -1;
    uint8_t *a = NULL;
    size_t alen = 0;
    uint8_t tmp[OG_CRYPTO_KEY_LEN];
    if (len != OG_CRYPTO_WRAP_LEN || wrapped[0] != OG_CRYPTO_WRAP_VERSION) {
        error = og_error_set(OG_ECORRUPT,
                             "wrapped data key is malformed (%zu bytes, version 0x%02x; expected "
                             "%d bytes, version 0x%02x)",
                             len, len ? wrapped[0] : 0, OG_CRYPTO_WRAP_LEN, OG_CRYPTO_WRAP_VERSION);
        goto cleanup;
    }
    if ((error = wrap_aad(domain, aad, &a, &alen)) < 0)
        goto cleanup;
    error = og_crypto__gcm_open(key, wrapped + 1, a, alen, wrapped + 1 + OG_CRYPTO_NONCE_LEN,
                                OG_CRYPTO_KEY_LEN,
                                wrapped + 1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN, tmp);
    if (error == OG_ECORRUPT)
        og_error_set(OG_ECORRUPT,
                     "the wrapped data key does not authenticate under %s (another key, a row "
                     "copied from another scope, or tampered)",
                     keyname);
    if (error < 0)
        goto cleanup;
    memcpy(dek, tmp, OG_CRYPTO_KEY_LEN);
    error = 0;
cleanup:
    og_crypto_wipe(tmp, sizeof(tmp));
    free(a);
    return error;
}
