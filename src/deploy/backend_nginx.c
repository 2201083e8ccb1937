/* backend_nginx.c - the "nginx" deployer: stage the files, `nginx -t` a copy of the configuration
 * that uses the staged files, swap them in, reload, and wait until every old worker has exited,
 * so that no new connection can still be answered with the previous certificate. */
#include "deploy/deploy_internal.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_MAX         ((size_t)4 << 20) /* the expanded configuration */
#define INCLUDE_DEPTH    8
#define MAX_WORKERS      256
#define MAX_PROC_ENTRIES 1000000

static int nginx_check(json_t *config)
{
    int error;
    if ((error = og_deploy__config_common(config)) < 0 ||
        (error = og_deploy__check_path(config, "nginx_conf", 1)) < 0 ||
        (error = og_deploy__check_path(config, "nginx_prefix", 0)) < 0 ||
        (error = og_deploy__check_path(config, "nginx_pid_file", 0)) < 0 ||
        (error = og_deploy__check_path(config, "cert_path", 1)) < 0 ||
        (error = og_deploy__check_path(config, "key_path", 1)) < 0)
        return error;
    if (!json_object_get(config, "nginx_bin"))
        json_object_set_new(config, "nginx_bin", json_string("nginx"));
    else if (!og_deploy__config_str(config, "nginx_bin"))
        return og_error_set(OG_EINVAL, "bad nginx binary (a path or a name in PATH)");
    return 0;
}

static int nginx_files(const json_t *config, og_deploy_fileset *out)
{
    memset(out, 0, sizeof(*out));
    og_deploy__file_add(out, config, "cert_path", OG_DEPLOY_FULLCHAIN, 0644);
    og_deploy__file_add(out, config, "key_path", OG_DEPLOY_KEY, 0600);
    return 0;
}

/* ---- the configuration, with includes expanded (nginx resolves relative includes against the
 * folder of the main file) ---- */

static int expand(const char *path, const char *confdir, int depth, og_buf *out);

static int expand_include(const char *arg, const char *confdir, int depth, og_buf *out)
{
    char pattern[4200];
    glob_t g;
    int error = 0, rc;
    if (arg[0] == '/')
        og_strlcpy(pattern, arg, sizeof(pattern));
    else
        snprintf(pattern, sizeof(pattern), "%s/%s", confdir, arg);
    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return 0; /* nginx accepts an include glob that matches nothing */
    if (rc != 0)
        return og_error_set(OG_ERROR, "nginx configuration: cannot expand include %s", pattern);
    for (size_t i = 0; i < g.gl_pathc && i < 1024 && error == 0; i++)
        error = expand(g.gl_pathv[i], confdir, depth + 1, out);
    globfree(&g);
    return error;
}

static int expand(const char *path, const char *confdir, int depth, og_buf *out)
{
    char *text = NULL;
    size_t len = 0;
    int error;
    if (depth > INCLUDE_DEPTH)
        return og_error_set(OG_EINVAL, "nginx configuration: includes nested deeper than %d at %s",
                            INCLUDE_DEPTH, path);
    if ((error = og_file_read(path, CONF_MAX, &text, &len)) < 0)
        return og_error_wrap("nginx configuration");
    size_t i = 0, start = 0;
    int boundary = 1;
    while (i < len && error == 0) {
        char c = text[i];
        if (c == '#') {
            while (i < len && text[i] != '\n')
                i++;
            boundary = 1;
            continue;
        }
        if (c == '"' || c == '\'') {
            char q = c;
            for (i++; i < len && text[i] != q; i++)
                if (text[i] == '\\')
                    i++;
            i++;
            boundary = 0;
            continue;
        }
        if (boundary && len - i > 8 && strncmp(text + i, "include", 7) == 0 &&
            isspace((unsigned char)text[i + 7])) {
            size_t a = i + 8, e;
            while (a < len && isspace((unsigned char)text[a]))
                a++;
            for (e = a; e < len && text[e] != ';'; e++)
                ;
            if (e >= len)
                break; /* nginx -t will report it */
            char arg[4096];
            size_t al = e - a;
            while (al && isspace((unsigned char)text[a + al - 1]))
                al--;
            if (al >= 2 && (text[a] == '"' || text[a] == '\'') && text[a + al - 1] == text[a]) {
                a++;
                al -= 2;
            }
            if (al == 0 || al >= sizeof(arg)) {
                error = og_error_set(OG_EINVAL, "nginx configuration: bad include in %s", path);
                break;
            }
            memcpy(arg, text + a, al);
            arg[al] = '\0';
            if ((error = og_buf_append(out, text + start, i - start)) < 0 ||
                (error = og_buf_puts(out, "\n")) < 0 ||
                (error = expand_include(arg, confdir, depth, out)) < 0 ||
                (error = og_buf_puts(out, "\n")) < 0)
                break;
            i = start = e + 1;
            boundary = 1;
            continue;
        }
        boundary = isspace((unsigned char)c) || c == ';' || c == '{' || c == '}';
        i++;
    }
    if (error == 0 && start < len)
        error = og_buf_append(out, text + start, len - start);
    free(text);
    return error;
}

/* Replace every directive argument equal to from by to; *n counts replacements. */
static int substitute(og_buf *conf, const char *from, const char *to, int *n)
{
    og_buf out;
    size_t fl = strlen(from), i = 0;
    int error = 0;
    og_buf_init(&out, CONF_MAX);
    while (i < conf->len && error == 0) {
        char *hit = strstr(conf->data + i, from);
        if (!hit)
            break;
        size_t h = (size_t)(hit - conf->data);
        char before = h ? conf->data[h - 1] : ' ';
        char after = conf->data[h + fl];
        int bounded =
            (isspace((unsigned char)before) || before == '"' || before == '\'') &&
            (after == ';' || after == '"' || after == '\'' || isspace((unsigned char)after));
        if ((error = og_buf_append(&out, conf->data + i, h - i)) < 0)
            break;
        error = og_buf_puts(&out, bounded ? to : from);
        *n += bounded;
        i = h + fl;
    }
    if (error == 0 && i < conf->len)
        error = og_buf_append(&out, conf->data + i, conf->len - i);
    if (error == 0 && !out.data)
        error = og_buf_puts(&out, "");
    if (error < 0) {
        og_buf_free(&out);
        return error;
    }
    og_buf_free(conf);
    *conf = out;
    return 0;
}

int og_deploy__nginx_expand(const char *conf, og_buf *out)
{
    char confdir[4096];
    og_strlcpy(confdir, conf, sizeof(confdir));
    og_strlcpy(confdir, dirname(confdir), sizeof(confdir));
    return expand(conf, confdir, 0, out);
}

int og_deploy__nginx_substitute(og_buf *conf, const char *from, const char *to, int *n)
{
    return substitute(conf, from, to, n);
}

/* The pid file: the option, else the first `pid` directive, else nginx's usual place. */
static void pid_file(const json_t *config, const og_buf *conf, char *out, size_t size)
{
    const char *opt = og_deploy__config_str(config, "nginx_pid_file");
    const char *prefix = og_deploy__config_str(config, "nginx_prefix");
    if (opt) {
        og_strlcpy(out, opt, size);
        return;
    }
    og_strlcpy(out, "/run/nginx.pid", size);
    for (const char *p = conf->data; p && (p = strstr(p, "pid")) != NULL; p += 3) {
        char before = p == conf->data ? '\n' : p[-1];
        if (!(isspace((unsigned char)before) || before == ';' || before == '}') ||
            !isspace((unsigned char)p[3]))
            continue;
        const char *a = p + 3;
        while (isspace((unsigned char)*a))
            a++;
        size_t l = strcspn(a, "; \t\n");
        if (l == 0 || l > 4000)
            return;
        if (a[0] == '/' || !prefix)
            snprintf(out, size, "%.*s", (int)l, a);
        else
            snprintf(out, size, "%s/%.*s", prefix, (int)l, a);
        return;
    }
}

static pid_t read_pid(const char *path)
{
    char *text = NULL;
    size_t len;
    long pid = 0;
    if (og_file_read(path, 64, &text, &len) == 0)
        pid = strtol(text, NULL, 10);
    free(text);
    og_error_clear();
    return pid > 1 && pid < 1 << 30 ? (pid_t)pid : 0;
}

/* The live (not zombie) children of master, at most MAX_WORKERS. */
static int children(pid_t master, pid_t *out, int *n)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    long entries = 0;
    *n = 0;
    if (!d)
        return og_error_set(OG_ERROR, "cannot read /proc: %s", strerror(errno));
    while ((e = readdir(d)) != NULL && entries++ < MAX_PROC_ENTRIES && *n < MAX_WORKERS) {
        char path[300], buf[512], state;
        long ppid;
        FILE *f;
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        size_t r = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[r] = '\0';
        char *close_paren = strrchr(buf, ')');
        if (!close_paren || sscanf(close_paren + 1, " %c %ld", &state, &ppid) != 2)
            continue;
        if (ppid == master && state != 'Z' && state != 'X')
            out[(*n)++] = (pid_t)strtol(e->d_name, NULL, 10);
    }
    closedir(d);
    return 0;
}

static int contains(const pid_t *set, int n, pid_t p)
{
    for (int i = 0; i < n; i++)
        if (set[i] == p)
            return 1;
    return 0;
}

/* The reload is finished when every old worker (old[0..nold)) of master has exited and new ones
 * run: until then an old worker may still accept a connection and answer it with the previous
 * certificate. Waits at most timeout_us. */
static int reload_wait(pid_t master, const pid_t *old, int nold, int64_t timeout_us)
{
    pid_t now[MAX_WORKERS];
    int nnow = 0, error;
    int64_t deadline = og_time_mono_us() + timeout_us;
    for (;;) {
        int stale = 0, fresh = 0;
        if ((error = children(master, now, &nnow)) < 0)
            return error;
        for (int i = 0; i < nnow; i++) {
            if (contains(old, nold, now[i]))
                stale++;
            else
                fresh++;
        }
        if (kill(master, 0) < 0)
            return og_error_set(OG_ERROR, "the nginx master %ld exited during the reload",
                                (long)master);
        if (stale == 0 && fresh > 0)
            return 0;
        if (og_time_mono_us() > deadline)
            return og_error_set(OG_ERROR,
                                "nginx did not finish reloading within %lld ms: %d "
                                "old worker(s) still running, %d new (see nginx's "
                                "error log)",
                                (long long)(timeout_us / 1000), stale, fresh);
        usleep(10000);
    }
}

static int nginx_apply(const json_t *config, const og_deploy_fileset *fs, int *swapped,
                       int64_t *swap_at_us)
{
    int error = -1, subs = 0, nold = 0;
    const char *conf = og_deploy__config_str(config, "nginx_conf");
    const char *prefix = og_deploy__config_str(config, "nginx_prefix");
    const char *bin = og_deploy__config_str(config, "nginx_bin");
    const char *reload_cmd = og_deploy__config_str(config, "reload_cmd");
    int64_t reload_us =
        og_deploy__config_us(config, "reload_timeout_us", OG_DEPLOY_DEFAULT_RELOAD_US);
    char confdir[4096], testconf[4200], pidpath[4096], staged[2][4200];
    pid_t master, old[MAX_WORKERS];
    og_buf text, out;
    og_buf_init(&text, CONF_MAX);
    og_buf_init(&out, OG_DEPLOY_OUTPUT_CAP);
    *swapped = 0;
    testconf[0] = '\0';
    if (!bin)
        bin = "nginx";
    og_strlcpy(confdir, conf, sizeof(confdir));
    og_strlcpy(confdir, dirname(confdir), sizeof(confdir));

    if ((error = expand(conf, confdir, 0, &text)) < 0)
        goto cleanup;
    pid_file(config, &text, pidpath, sizeof(pidpath));
    if (!(master = read_pid(pidpath)) || kill(master, 0) < 0) {
        error = og_error_set(OG_ERROR,
                             "nginx is not running (no live master in pid file %s); "
                             "nothing was changed",
                             pidpath);
        goto cleanup;
    }
    /* A configuration that uses the staged files, tested before anything live changes. */
    for (int i = 0; i < fs->n && i < 2; i++) {
        snprintf(staged[i], sizeof(staged[i]), "%s%s", fs->f[i].path, OG_DEPLOY_NEW_SUFFIX);
        if ((error = substitute(&text, fs->f[i].path, staged[i], &subs)) < 0)
            goto cleanup;
    }
    if (subs < 2) {
        error = og_error_set(OG_EINVAL,
                             "the nginx configuration %s (with its includes) does not "
                             "use %s and %s as ssl_certificate and "
                             "ssl_certificate_key; nothing was changed",
                             conf, fs->f[0].path, fs->f[1].path);
        goto cleanup;
    }
    snprintf(testconf, sizeof(testconf), "%s.og-test", conf);
    if ((error = og_deploy__stage(fs, og_deploy__config_str(config, "owner"))) < 0 ||
        (error = og_deploy__write_file(testconf, text.data, text.len, 0600, NULL)) < 0)
        goto unstage;
    {
        const char *argv[] = {
            bin, "-t", "-q", "-e", "stderr", "-c", testconf, prefix ? "-p" : NULL, prefix, NULL};
        if ((error = og_deploy__run("nginx -t", argv, 0, reload_us, &out)) < 0) {
            og_error_set(OG_EINVAL,
                         "nginx -t rejected the new certificate (nothing was "
                         "swapped): %s",
                         out.data && out.len ? out.data : og_error_last());
            goto unstage;
        }
    }
    if ((error = children(master, old, &nold)) < 0)
        goto unstage;

    *swapped = 1;
    if ((error = og_deploy__swap(fs, swap_at_us)) < 0)
        goto cleanup;
    og_buf_reset(&out);
    if (reload_cmd) {
        const char *argv[] = {reload_cmd, NULL};
        error = og_deploy__run("reload command", argv, 1, reload_us, &out);
    } else {
        const char *argv[] = {
            bin, "-s", "reload", "-e", "stderr", "-c", conf, prefix ? "-p" : NULL, prefix, NULL};
        error = og_deploy__run("nginx -s reload", argv, 0, reload_us, &out);
    }
    if (error < 0)
        goto cleanup;
    error = reload_wait(master, old, nold, reload_us);
    goto cleanup;
unstage:
    og_deploy__unstage(fs);
cleanup:
    if (testconf[0])
        (void)unlink(testconf);
    og_buf_free(&text);
    og_buf_free(&out);
    return error;
}

const og_deployer og_deploy__nginx = {
    .type = "nginx",
    .description = "nginx: files, nginx -t on a configuration using them, reload, wait for the "
                   "old workers to exit",
    .config_check = nginx_check,
    .files = nginx_files,
    .apply = nginx_apply,
};
