/* misc.c - ids, names, strings, files and the unix user. */
#include "opsgate/util.h"
#include "opsgate/error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

void og_id_new(char out[OG_ID_LEN])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

bool og_id_valid(const char *s)
{
    uuid_t u;
    return s && strlen(s) == 36 && uuid_parse(s, u) == 0;
}

bool og_name_valid(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n < 1 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (i == 0 && !alnum)
            return false;
        if (!alnum && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

size_t og_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

bool og_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool og_memeq_ct(const void *a, const void *b, size_t len)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < len; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

int og_file_read(const char *path, size_t cap, char **out, size_t *outlen)
{
    int error = -1;
    FILE *f = NULL;
    og_buf b;
    og_buf_init(&b, cap);
    f = fopen(path, "rb");
    if (!f) {
        error = og_error_set(errno == ENOENT ? OG_ENOTFOUND : OG_ERROR, "cannot open '%s': %s",
                             path, strerror(errno));
        goto cleanup;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if ((error = og_buf_append(&b, chunk, n)) < 0) {
            og_error_wrap("reading '%s'", path);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        error = og_error_set(OG_ERROR, "cannot read '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (outlen)
        *outlen = b.len;
    *out = og_buf_detach(&b);
    error = 0;
cleanup:
    if (f)
        fclose(f);
    og_buf_free(&b);
    return error;
}

int og_dir_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return og_error_set(OG_ERROR, "cannot open folder '%s': %s", dir, strerror(errno));
    int rc = fsync(fd), e = errno;
    close(fd);
    if (rc < 0)
        return og_error_set(og_error_for_errno(e), "cannot sync folder '%s': %s", dir, strerror(e));
    return 0;
}

int og_fd_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int og_fd_read_full(int fd, void *buf, size_t cap, size_t *got)
{
    char *p = buf;
    size_t n = 0;
    int rc = 0;
    while (n < cap) {
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = -1;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    *got = n;
    return rc;
}

/* Everything written to fd, or a message naming path. */
static int write_all(int fd, const char *path, const void *data, size_t len)
{
    if (og_fd_write_all(fd, data, len) < 0)
        return og_error_set(OG_ERROR, "cannot write '%s': %s", path, strerror(errno));
    return 0;
}

int og_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    int error = -1;
    int fd = -1;
    char *tmp = NULL;
    char *dircopy = NULL;
    struct stat sb;

    /* A device, FIFO or socket (/dev/null, /dev/stdout, a pipe) is written in place: renaming a
     * temporary file over it would replace the device node with a regular file. */
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            return og_error_set(OG_EINVAL, "'%s' is a folder, not a file", path);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return og_error_set(OG_ERROR, "cannot open '%s': %s", path, strerror(errno));
        error = write_all(fd, path, data, len);
        close(fd);
        return error;
    }
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        tmp = NULL;
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        error = og_error_set(OG_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (fchmod(fd, mode) < 0) {
        error = og_error_set(OG_ERROR, "cannot chmod '%s': %s", tmp, strerror(errno));
        goto cleanup;
    }
    if ((error = write_all(fd, tmp, data, len)) < 0)
        goto cleanup;
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        error = og_error_set(OG_ERROR, "cannot flush '%s': %s", tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        goto cleanup;
    }
    free(tmp);
    tmp = NULL;
    dircopy = strdup(path);
    if (dircopy && og_dir_sync(dirname(dircopy)) < 0)
        og_error_clear(); /* best effort */
    error = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dircopy);
    return error;
}

int og_mkdir_p(const char *path, unsigned mode)
{
    char buf[4096];
    if (og_strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
        return og_error_set(OG_EINVAL, "path too long: '%s'", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return og_error_set(OG_ERROR, "cannot create folder '%s': %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return og_error_set(OG_ERROR, "cannot create folder '%s': %s", buf, strerror(errno));
    return 0;
}

void og_unix_user(char *out, size_t size)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        og_strlcpy(out, res->pw_name, size);
    else
        snprintf(out, size, "uid%ld", (long)getuid());
}
