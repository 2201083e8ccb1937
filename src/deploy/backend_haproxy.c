/* backend_haproxy.c - the "haproxy" deployer: replace a loaded certificate over the runtime API
 * (`set ssl cert` + `commit ssl cert`: HAProxy builds the new SSL contexts and swaps them
 * atomically, no reload), then write the same bundle to disk so a later reload keeps it. */
#include "deploy/deploy_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ANSWER_MAX 8192

static int haproxy_check(json_t *config)
{
    int error;
    const char *sock = og_deploy__config_str(config, "socket");
    if ((error = og_deploy__config_common(config)) < 0 ||
        (error = og_deploy__check_path(config, "cert_path", 1)) < 0)
        return error;
    if (!sock || sock[0] != '/' || strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return og_error_set(OG_EINVAL,
                            "bad or missing socket '%s' (the absolute path of "
                            "HAProxy's stats socket, level admin)",
                            sock ? sock : "");
    return 0;
}

static int haproxy_files(const json_t *config, og_deploy_fileset *out)
{
    memset(out, 0, sizeof(*out));
    og_deploy__file_add(out, config, "cert_path", OG_DEPLOY_BUNDLE, 0600);
    return 0;
}

/* One command on a fresh connection of the stats socket (non-interactive mode: HAProxy answers
 * and closes). The answer (capped) goes to ans. */
static int cli_cmd(const char *sock, const char *cmd, size_t len, int64_t timeout_us, og_buf *ans)
{
    int fd = -1, error = -1;
    struct sockaddr_un sa;
    int64_t deadline = og_time_mono_us() + timeout_us;
    og_buf_reset(ans);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    og_strlcpy(sa.sun_path, sock, sizeof(sa.sun_path));
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        error = og_error_set(OG_ERROR, "HAProxy runtime API %s: %s", sock, strerror(errno));
        goto cleanup;
    }
    /* send() with MSG_NOSIGNAL, not og_fd_write_all: a closed socket must not raise SIGPIPE. */
    for (size_t off = 0; off < len;) {
        ssize_t w = send(fd, cmd + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            error =
                og_error_set(OG_ERROR, "HAProxy runtime API %s: send: %s", sock, strerror(errno));
            goto cleanup;
        }
        off += (size_t)w;
    }
    /* Read under a deadline (poll first), not og_fd_read_full: HAProxy may never close. */
    for (;;) {
        char chunk[1024];
        int64_t left = deadline - og_time_mono_us();
        if (left <= 0) {
            error = og_error_set(OG_ERROR, "HAProxy runtime API %s: no answer within %lld ms", sock,
                                 (long long)(timeout_us / 1000));
            goto cleanup;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int rc = poll(&p, 1, (int)(left / 1000) + 1);
        if (rc < 0 && errno != EINTR) {
            error = og_error_set(OG_ERROR, "HAProxy runtime API: poll: %s", strerror(errno));
            goto cleanup;
        }
        if (rc <= 0)
            continue;
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ans->len + (size_t)r <= ans->cap)
            (void)og_buf_append(ans, chunk, (size_t)r);
    }
    if (!ans->data)
        (void)og_buf_puts(ans, "");
    while (ans->len && (ans->data[ans->len - 1] == '\n' || ans->data[ans->len - 1] == ' '))
        ans->data[--ans->len] = '\0';
    error = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    return error;
}

static void abort_tx(const char *sock, const char *path, int64_t timeout_us)
{
    char cmd[4200];
    og_buf ans;
    og_buf_init(&ans, ANSWER_MAX);
    int n = snprintf(cmd, sizeof(cmd), "abort ssl cert %s\n", path);
    (void)cli_cmd(sock, cmd, (size_t)n, timeout_us, &ans);
    og_buf_free(&ans);
}

static int haproxy_apply(const json_t *config, const og_deploy_fileset *fs, int *swapped,
                         int64_t *swap_at_us)
{
    int error = -1;
    const char *sock = og_deploy__config_str(config, "socket");
    const og_deploy_file *f = &fs->f[0];
    int64_t timeout_us =
        og_deploy__config_us(config, "reload_timeout_us", OG_DEPLOY_DEFAULT_RELOAD_US);
    og_buf cmd, ans;
    og_buf_init(&cmd, OG_DEPLOY_MAX_FILE_SIZE + 8192);
    og_buf_init(&ans, ANSWER_MAX);
    *swapped = 0;
    if (!f->present) {
        error = og_error_set(OG_EINVAL,
                             "HAProxy target: there is no previous certificate file "
                             "%s to restore",
                             f->path);
        goto cleanup;
    }
    /* The payload ends at the first blank line, so render() left none inside it. */
    og_deploy__mark_swap(swap_at_us);
    if ((error = og_buf_printf(&cmd, "set ssl cert %s <<\n", f->path)) < 0 ||
        (error = og_buf_append(&cmd, f->data, f->len)) < 0 ||
        (error = og_buf_puts(&cmd, f->len && f->data[f->len - 1] == '\n' ? "\n" : "\n\n")) < 0)
        goto cleanup;
    if ((error = cli_cmd(sock, cmd.data, cmd.len, timeout_us, &ans)) < 0)
        goto cleanup;
    if (!strstr(ans.data, "Transaction created") && !strstr(ans.data, "Transaction updated")) {
        abort_tx(sock, f->path, timeout_us);
        error = og_error_set(OG_EINVAL,
                             "HAProxy refused the new certificate for %s (nothing was "
                             "swapped): %s",
                             f->path, ans.data);
        goto cleanup;
    }
    og_buf_reset(&cmd);
    if ((error = og_buf_printf(&cmd, "commit ssl cert %s\n", f->path)) < 0 ||
        (error = cli_cmd(sock, cmd.data, cmd.len, timeout_us, &ans)) < 0) {
        abort_tx(sock, f->path, timeout_us);
        goto cleanup;
    }
    if (!strstr(ans.data, "Success!")) {
        abort_tx(sock, f->path, timeout_us);
        error = og_error_set(OG_EINVAL,
                             "HAProxy could not commit the new certificate for %s "
                             "(nothing was swapped): %s",
                             f->path, ans.data);
        goto cleanup;
    }
    /* Committed: from here on HAProxy serves it; the file follows so a reload keeps it. */
    *swapped = 1;
    if ((error = og_deploy__stage(fs, og_deploy__config_str(config, "owner"))) < 0 ||
        (error = og_deploy__swap(fs, swap_at_us)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (cmd.data)
        og_crypto_wipe(cmd.data, cmd.len);
    og_buf_free(&cmd);
    og_buf_free(&ans);
    return error;
}

const og_deployer og_deploy__haproxy = {
    .type = "haproxy",
    .description = "HAProxy: set ssl cert + commit ssl cert over the runtime API, and the file",
    .config_check = haproxy_check,
    .files = haproxy_files,
    .apply = haproxy_apply,
};
