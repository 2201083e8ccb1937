/* tmpfiles.c - the temporary files of a backup: each held with an exclusive flock while its
 * backup runs, so that the next backup removes only those a killed one left. */
#include "backup/backup_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING "backup-staging"

static int split(const char *to, char *dir, char *base, size_t size)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (og_strlcpy(a, to, sizeof(a)) >= sizeof(a) || og_strlcpy(b, to, sizeof(b)) >= sizeof(b))
        return og_error_set(OG_EINVAL, "path too long: '%s'", to);
    og_strlcpy(dir, dirname(a), size);
    og_strlcpy(base, basename(b), size);
    return 0;
}

int og_backup__sync_tree(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return og_error_set(OG_ERROR, "cannot open folder '%s': %s", dir, strerror(errno));
    int rc = syncfs(fd), e = errno;
    close(fd);
    if (rc < 0)
        return og_error_set(og_error_for_errno(e), "cannot flush what was written under '%s': %s",
                            dir, strerror(e));
    return 0;
}

int og_backup__tmp_beside(const char *to, const char *what, char *path, size_t size, int *fd)
{
    char dir[PATH_MAX], base[PATH_MAX];
    int error = split(to, dir, base, sizeof(dir));
    if (error < 0)
        return error;
    if (snprintf(path, size, "%s/.%s.%s-XXXXXX", dir, base, what) >= (int)size)
        return og_error_set(OG_EINVAL, "path too long: '%s'", to);
    if ((*fd = mkostemp(path, O_CLOEXEC)) < 0)
        return og_error_set(og_error_for_errno(errno), "cannot create a file in '%s': %s", dir,
                            strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        error = og_error_set(OG_ERROR, "cannot lock '%s': %s", path, strerror(errno));
        close(*fd);
        unlink(path);
        return error;
    }
    return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)f;
    return (flag == FTW_DP ? rmdir(p) : unlink(p)) < 0 && errno != ENOENT ? -1 : 0;
}

void og_backup__rmtree(const char *dir)
{
    if (dir && *dir)
        (void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int og_backup__staging_make(const char *data_dir, char *dir, size_t size, int *lockfd)
{
    char top[PATH_MAX], lock[PATH_MAX + 8];
    int error;
    *lockfd = -1;
    if (snprintf(top, sizeof(top), "%s/%s", data_dir, STAGING) >= (int)sizeof(top) ||
        snprintf(dir, size, "%s/XXXXXX", top) >= (int)size)
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", data_dir);
    if ((error = og_mkdir_p(top, 0700)) < 0)
        return error;
    if (!mkdtemp(dir))
        return og_error_set(og_error_for_errno(errno), "cannot make a folder in '%s': %s", top,
                            strerror(errno));
    snprintf(lock, sizeof(lock), "%s/lock", dir);
    if ((*lockfd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
        flock(*lockfd, LOCK_EX | LOCK_NB) < 0) {
        error =
            og_error_set(og_error_for_errno(errno), "cannot lock '%s': %s", lock, strerror(errno));
        if (*lockfd >= 0)
            close(*lockfd);
        *lockfd = -1;
        og_backup__rmtree(dir);
        return error;
    }
    return 0;
}

/* 1 when no process holds path's flock (or it is gone). */
static int unheld(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT;
    int got = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return got;
}

static void sweep_staging(const char *data_dir)
{
    char top[PATH_MAX], sub[PATH_MAX * 2], lock[PATH_MAX * 2 + 8];
    struct dirent *de;
    DIR *d;
    snprintf(top, sizeof(top), "%s/%s", data_dir, STAGING);
    if (!(d = opendir(top)))
        return;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(sub, sizeof(sub), "%s/%s", top, de->d_name);
            snprintf(lock, sizeof(lock), "%s/lock", sub);
            if (unheld(lock))
                og_backup__rmtree(sub);
        }
    closedir(d);
}

void og_backup__sweep(const char *to, const char *data_dir)
{
    char dir[PATH_MAX], base[PATH_MAX], prefix[PATH_MAX + 2], path[PATH_MAX * 2 + 2];
    struct dirent *de;
    DIR *d;
    if (data_dir)
        sweep_staging(data_dir);
    if (!to || split(to, dir, base, sizeof(dir)) < 0 || !(d = opendir(dir)))
        return;
    snprintf(prefix, sizeof(prefix), ".%s.", base);
    size_t plen = strlen(prefix);
    while ((de = readdir(d))) {
        const char *rest = de->d_name + plen;
        if (strncmp(de->d_name, prefix, plen) != 0 ||
            (strncmp(rest, "partial-", 8) != 0 && strncmp(rest, "db-", 3) != 0) ||
            strlen(strchr(rest, '-') + 1) != 6)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (unheld(path))
            unlink(path);
    }
    closedir(d);
}
