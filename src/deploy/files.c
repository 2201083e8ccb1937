/* files.c - deploy helpers that touch the file system and processes: atomic writes with modes and
 * owners, staging and swapping with the previous files kept, snapshots, commands with timeouts. */
#include "deploy/deploy_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void og_deploy_fileset_clear(og_deploy_fileset *fs)
{
    if (!fs)
        return;
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        if (fs->f[i].data) {
            og_crypto_wipe(fs->f[i].data, fs->f[i].len);
            free(fs->f[i].data);
        }
        fs->f[i].data = NULL;
        fs->f[i].len = 0;
    }
}

const char *og_deploy__config_str(const json_t *config, const char *key)
{
    const char *s = json_string_value(json_object_get(config, key));
    return s && *s ? s : NULL;
}

void og_deploy__file_add(og_deploy_fileset *fs, const json_t *config, const char *key,
                         og_deploy_role role, unsigned mode)
{
    const char *p = og_deploy__config_str(config, key);
    if (!p || fs->n >= OG_DEPLOY_MAX_FILES)
        return;
    og_strlcpy(fs->f[fs->n].path, p, sizeof(fs->f[fs->n].path));
    fs->f[fs->n].role = role;
    fs->f[fs->n].mode = mode;
    fs->n++;
}

int64_t og_deploy__config_us(const json_t *config, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(config, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : dflt;
}

int og_deploy__check_path(const json_t *config, const char *key, int required)
{
    json_t *v = json_object_get(config, key);
    const char *s = json_string_value(v);
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "missing %s (an absolute path)", key);
        return 0;
    }
    if (!s || s[0] != '/' || strlen(s) >= 4000)
        return og_error_set(OG_EINVAL, "bad %s '%s' (an absolute path)", key, s ? s : "?");
    return 0;
}

/* owner "user[:group]" to ids; OG_EINVAL naming it. */
static int owner_parse(const char *owner, uid_t *uid, gid_t *gid)
{
    char user[128], *colon;
    struct passwd *pw;
    if (og_strlcpy(user, owner, sizeof(user)) >= sizeof(user))
        return og_error_set(OG_EINVAL, "bad owner '%s'", owner);
    colon = strchr(user, ':');
    if (colon)
        *colon++ = '\0';
    if (!(pw = getpwnam(user)))
        return og_error_set(OG_EINVAL, "owner '%s': no such user '%s'", owner, user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (colon && *colon) {
        struct group *gr = getgrnam(colon);
        if (!gr)
            return og_error_set(OG_EINVAL, "owner '%s': no such group '%s'", owner, colon);
        *gid = gr->gr_gid;
    }
    return 0;
}

int og_deploy__write_file(const char *path, const void *data, size_t len, unsigned mode,
                          const char *owner)
{
    int error = -1, fd = -1;
    char tmp[4200], dir[4096];
    uid_t uid = 0;
    gid_t gid = 0;
    int chown_it = owner && *owner && geteuid() == 0;
    if (chown_it && (error = owner_parse(owner, &uid, &gid)) < 0)
        return error;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.og-tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
        return og_error_set(OG_EINVAL, "path too long: %s", path);
    og_strlcpy(dir, path, sizeof(dir));
    /* O_EXCL: a leftover of a crashed run is removed first rather than written through. */
    (void)unlink(tmp);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777)) < 0) {
        error = og_error_set(OG_ERROR, "cannot create %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    /* The mode is set explicitly: the umask must not widen or narrow what the target expects. */
    if (fchmod(fd, mode & 07777) < 0 || (chown_it && fchown(fd, uid, gid) < 0)) {
        error = og_error_set(OG_ERROR, "cannot set mode/owner of %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (og_fd_write_all(fd, data, len) < 0) {
        error = og_error_set(OG_ERROR, "cannot write %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        error = og_error_set(OG_ERROR, "cannot sync %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        error = og_error_set(OG_ERROR, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto cleanup;
    }
    if (og_dir_sync(dirname(dir)) < 0)
        og_error_clear(); /* best effort */
    error = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (error < 0)
        (void)unlink(tmp);
    return error;
}

static int suffixed(char *out, size_t size, const char *path, const char *suffix)
{
    if ((size_t)snprintf(out, size, "%s%s", path, suffix) >= size)
        return og_error_set(OG_EINVAL, "path too long: %s", path);
    return 0;
}

int og_deploy__stage(const og_deploy_fileset *fs, const char *owner)
{
    char staged[4200];
    int error;
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        const og_deploy_file *f = &fs->f[i];
        if (!f->present)
            continue;
        if ((error = suffixed(staged, sizeof(staged), f->path, OG_DEPLOY_NEW_SUFFIX)) < 0 ||
            (error = og_deploy__write_file(staged, f->data, f->len, f->mode, owner)) < 0) {
            og_deploy__unstage(fs);
            return error;
        }
    }
    return 0;
}

void og_deploy__unstage(const og_deploy_fileset *fs)
{
    char staged[4200];
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++)
        if (suffixed(staged, sizeof(staged), fs->f[i].path, OG_DEPLOY_NEW_SUFFIX) == 0)
            (void)unlink(staged);
}

void og_deploy__mark_swap(int64_t *swap_at_us)
{
    /* The first mark of an apply wins: HAProxy's deployer also writes the file after its
     * runtime-API swap, which must not move the start later. */
    if (swap_at_us && *swap_at_us == 0)
        *swap_at_us = og_time_now_us();
}

int og_deploy__swap(const og_deploy_fileset *fs, int64_t *swap_at_us)
{
    char staged[4200], prev[4200];
    int error;
    og_deploy__mark_swap(swap_at_us);
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        const og_deploy_file *f = &fs->f[i];
        if ((error = suffixed(staged, sizeof(staged), f->path, OG_DEPLOY_NEW_SUFFIX)) < 0 ||
            (error = suffixed(prev, sizeof(prev), f->path, OG_DEPLOY_PREV_SUFFIX)) < 0)
            return error;
        /* Keep the live file as .og-prev (a second name of the same inode: no copy, no window
         * in which the live name is missing). */
        (void)unlink(prev);
        if (link(f->path, prev) < 0 && errno != ENOENT)
            return og_error_set(OG_ERROR, "cannot keep %s as %s: %s", f->path, prev,
                                strerror(errno));
        if (!f->present) {
            if (unlink(f->path) < 0 && errno != ENOENT)
                return og_error_set(OG_ERROR, "cannot remove %s: %s", f->path, strerror(errno));
            continue;
        }
        if (rename(staged, f->path) < 0)
            return og_error_set(OG_ERROR, "cannot rename %s to %s: %s", staged, f->path,
                                strerror(errno));
    }
    return 0;
}

int og_deploy__snapshot(og_deploy_fileset *fs)
{
    int error;
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        og_deploy_file *f = &fs->f[i];
        f->data = NULL;
        f->len = 0;
        error = og_file_read(f->path, OG_DEPLOY_MAX_FILE_SIZE, &f->data, &f->len);
        if (error == OG_ENOTFOUND) {
            f->present = 0;
            og_error_clear();
            continue;
        }
        if (error < 0)
            return og_error_wrap("reading the current %s", f->path);
        f->present = 1;
    }
    return 0;
}

int og_deploy__run(const char *what, const char *const *argv, int sh, int64_t timeout_us,
                   og_buf *out)
{
    int pfd[2] = {-1, -1}, status = 0, error = -1;
    pid_t pid;
    int64_t deadline = og_time_mono_us() + timeout_us;
    char chunk[1024];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return og_error_set(OG_ERROR, "%s: pipe: %s", what, strerror(errno));
    if ((pid = fork()) < 0) {
        error = og_error_set(OG_ERROR, "%s: fork: %s", what, strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return error;
    }
    if (pid == 0) {
        /* Own process group, so a timeout kills the command and everything it started; and
         * the default signal state: the server blocks signals it sigwait()s for, and a blocked
         * mask would be inherited by the command and any daemon it starts. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        if (sh)
            execl("/bin/sh", "sh", "-c", argv[0], (char *)NULL);
        else
            execvp(argv[0], (char *const *)argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    pfd[1] = -1;
    int timed_out = 0, eof = 0;
    /* Read under a deadline (poll first), not og_fd_read_full: the command may hang. */
    while (!eof) {
        int64_t left = deadline - og_time_mono_us();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int rc = poll(&p, 1, (int)(left / 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue;
        ssize_t r = read(pfd[0], chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            eof = 1;
            break;
        }
        /* Output beyond the cap is dropped, not an error: it is only for the message. */
        if (out && out->len + (size_t)r <= out->cap)
            (void)og_buf_append(out, chunk, (size_t)r);
    }
    if (timed_out)
        kill(-pid, SIGKILL);
    /* After EOF the child may still be running briefly (or have daemonised its output away). */
    for (;;) {
        pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (og_time_mono_us() > deadline) {
            kill(-pid, SIGKILL);
            timed_out = 1;
            (void)waitpid(pid, &status, 0);
            break;
        }
        usleep(2000);
    }
    close(pfd[0]);
    if (out && out->data)
        while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
            out->data[--out->len] = '\0';
    if (timed_out)
        return og_error_set(OG_ERROR, "%s: timed out after %lld ms", what,
                            (long long)(timeout_us / 1000));
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *o = out && out->data ? out->data : "";
        if (status != -1 && WIFEXITED(status))
            return og_error_set(OG_ERROR, "%s: exit status %d%s%s", what, WEXITSTATUS(status),
                                *o ? ": " : "", o);
        return og_error_set(OG_ERROR, "%s: killed by a signal%s%s", what, *o ? ": " : "", o);
    }
    return 0;
}
