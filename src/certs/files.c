/* files.c - certificates from files: `cert scan-files` (PEM, DER, PKCS#12 discovery in
 * folders). */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64
#define MAX_FILES 1000000

typedef struct walk {
    const char *password; /* for PKCS#12 bundles; NULL = none; borrowed */
    og_certs_batch *batch;
    og_certs_files_summary *sum;
    void (*on_file)(void *arg, const og_certs_file_result *r);
    void *arg;
    json_t *invalid; /* the first invalid files, for the audit record */
} walk;

static int has_cert_ext(const char *path)
{
    static const char *const exts[] = {".pem", ".crt", ".cer", ".cert", ".der", ".ca-bundle", NULL};
    const char *dot = strrchr(path, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; exts[i]; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            return 1;
    return 0;
}

static int has_p12_ext(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (strcasecmp(dot, ".p12") == 0 || strcasecmp(dot, ".pfx") == 0);
}

static void report(walk *w, const char *path, const char *kind, const char *status, const char *err,
                   int certs)
{
    og_certs_file_result r = {path, kind, status, err, certs};
    if (strcmp(status, "invalid") == 0) {
        w->sum->invalid++;
        if (json_array_size(w->invalid) < 50)
            json_array_append_new(w->invalid,
                                  json_pack("{s:s, s:s}", "path", path, "error", err ? err : ""));
    } else if (strcmp(status, "needs-password") == 0) {
        w->sum->needs_password++;
    } else if (certs > 0) {
        w->sum->files_with_certs++;
    }
    if (w->on_file)
        w->on_file(w->arg, &r);
}

static int add_x509(walk *w, X509 *x, const char *path)
{
    unsigned char *der = NULL;
    char fp[65];
    og_cert_info ci;
    int len = i2d_X509(x, &der);
    int error;
    if (len <= 0)
        return og_error_set(OG_ERROR, "cannot encode a certificate of %s", path);
    if ((error = og_certs__info_from_x509(&ci, x)) == 0) {
        error = og_certs__batch_add_cert(w->batch, der, (size_t)len, &ci, fp);
        og_cert_info_clear(&ci);
    }
    if (error == 0)
        error = og_certs__batch_add_sighting(w->batch, fp, "file", path, "", 0, NULL, NULL);
    OPENSSL_free(der);
    return error;
}

static int scan_pem(walk *w, const char *path, const char *buf, size_t len)
{
    size_t pos = 0;
    int line = 0, n = 0, rc, error = 0;
    og_certs_pem_block b;
    while ((rc = og_certs__pem_next(buf, len, &pos, &line, path, &b)) == 1) {
        if (strcmp(b.label, "CERTIFICATE") == 0 || strcmp(b.label, "TRUSTED CERTIFICATE") == 0 ||
            strcmp(b.label, "X509 CERTIFICATE") == 0) {
            const unsigned char *p = b.der;
            X509 *x = strcmp(b.label, "TRUSTED CERTIFICATE") == 0
                          ? d2i_X509_AUX(NULL, &p, (long)b.len)
                          : d2i_X509(NULL, &p, (long)b.len);
            ERR_clear_error();
            if (!x) {
                char msg[300];
                snprintf(msg, sizeof(msg),
                         "line %d: the certificate block does not parse as "
                         "X.509",
                         b.line);
                og_certs__pem_block_clear(&b);
                report(w, path, "pem", "invalid", msg, n);
                return 0;
            }
            error = add_x509(w, x, path);
            X509_free(x);
            if (error < 0) {
                og_certs__pem_block_clear(&b);
                return error;
            }
            n++;
        }
        og_certs__pem_block_clear(&b);
    }
    if (rc < 0) {
        report(w, path, "pem", "invalid", og_error_last(), n);
        og_error_clear();
        return 0;
    }
    if (n > 0)
        report(w, path, "pem", "ok", NULL, n);
    else if (has_cert_ext(path))
        report(w, path, "pem", "invalid", "no certificate in this PEM file", 0);
    else
        w->sum->skipped++;
    return 0;
}

int og_certs__p12_open(PKCS12 *p12, const char *password, EVP_PKEY **pk, X509 **cert,
                       STACK_OF(X509) * *ca)
{
    int ok = PKCS12_parse(p12, "", pk, cert, ca) == 1 ||
             PKCS12_parse(p12, NULL, pk, cert, ca) == 1 ||
             (password && PKCS12_parse(p12, password, pk, cert, ca) == 1);
    ERR_clear_error();
    return ok;
}

static int scan_p12(walk *w, const char *path, PKCS12 *p12)
{
    EVP_PKEY *pk = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int n = 0, error = 0;
    /* Bundles that open without a password, or with the one given, are read; the rest listed. */
    if (!og_certs__p12_open(p12, w->password, &pk, &cert, &ca)) {
        report(w, path, "pkcs12", "needs-password",
               w->password ? "PKCS#12 bundle: the password given does not open it"
                           : "PKCS#12 bundle: cannot open without a password",
               0);
        return 0;
    }
    /* The private key of the bundle is not kept: scan-files inventories certificates only. */
    EVP_PKEY_free(pk);
    if (cert) {
        if ((error = add_x509(w, cert, path)) < 0)
            goto cleanup;
        n++;
    }
    for (int i = 0; ca && i < sk_X509_num(ca); i++) {
        if ((error = add_x509(w, sk_X509_value(ca, i), path)) < 0)
            goto cleanup;
        n++;
    }
    report(w, path, "pkcs12", n ? "ok" : "invalid",
           n ? NULL : "PKCS#12 bundle without certificates", n);
cleanup:
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    return error;
}

static int scan_file(walk *w, const char *path, off_t size)
{
    char *buf = NULL;
    size_t len = 0;
    int error = 0;
    w->sum->files_seen++;
    int certish = has_cert_ext(path) || has_p12_ext(path);
    if (size > OG_CERTS_MAX_FILE) {
        if (certish)
            report(w, path, has_p12_ext(path) ? "pkcs12" : "pem", "invalid",
                   "larger than 1 MiB, not read", 0);
        else
            w->sum->skipped++;
        return 0;
    }
    if (og_file_read(path, OG_CERTS_MAX_FILE, &buf, &len) < 0) {
        /* unreadable files are reported, not fatal: a scan of /etc meets many */
        if (certish)
            report(w, path, "pem", "invalid", og_error_last(), 0);
        else
            w->sum->skipped++;
        og_error_clear();
        return 0;
    }
    if (len > 11 && memmem(buf, len, "-----BEGIN ", 11)) {
        error = scan_pem(w, path, buf, len);
        goto cleanup;
    }
    if (len > 0 && (unsigned char)buf[0] == 0x30) {
        const unsigned char *p = (const unsigned char *)buf;
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
        if (p12) {
            error = scan_p12(w, path, p12);
            PKCS12_free(p12);
            goto cleanup;
        }
        p = (const unsigned char *)buf;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        ERR_clear_error();
        if (x) {
            error = add_x509(w, x, path);
            X509_free(x);
            if (error == 0)
                report(w, path, "der", "ok", NULL, 1);
            goto cleanup;
        }
    }
    ERR_clear_error();
    if (has_p12_ext(path))
        report(w, path, "pkcs12", "invalid", "not a PKCS#12 bundle", 0);
    else if (certish)
        report(w, path, "pem", "invalid", "neither a PEM nor a DER certificate", 0);
    else
        w->sum->skipped++;
cleanup:
    free(buf);
    return error;
}

static int walk_path(walk *w, const char *path, int depth)
{
    struct stat sb;
    int error = 0;
    DIR *d = NULL;
    if (lstat(path, &sb) != 0 || S_ISLNK(sb.st_mode))
        return 0;
    if (S_ISREG(sb.st_mode))
        return w->sum->files_seen < MAX_FILES ? scan_file(w, path, sb.st_size) : 0;
    if (!S_ISDIR(sb.st_mode) || depth >= MAX_DEPTH)
        return 0;
    if (!(d = opendir(path)))
        return 0; /* unreadable folders are skipped, like unreadable files */
    struct dirent *e;
    char child[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int n = snprintf(child, sizeof(child), "%s%s%s", path,
                         path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        if (n < 0 || (size_t)n >= sizeof(child))
            continue;
        if ((error = walk_path(w, child, depth + 1)) < 0)
            break;
    }
    closedir(d);
    return error;
}

int og_certs_scan_files(og_ctx *ctx, const char *tenant, const char *const *paths, size_t n,
                        const char *password,
                        void (*on_file)(void *arg, const og_certs_file_result *r), void *arg,
                        og_certs_files_summary *summary)
{
    int in_tx = 0;
    int error = -1;
    og_tenant t;
    walk w;
    og_certs_files_summary sum;
    json_t *analysis = NULL, *plist = NULL;
    char **abs = NULL;
    memset(&sum, 0, sizeof(sum));
    memset(&w, 0, sizeof(w));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (n == 0)
        return og_error_set(OG_EINVAL, "no file or folder to scan");
    if (!(abs = calloc(n, sizeof(*abs))))
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            error = og_error_set(OG_ENOTFOUND, "cannot scan '%s': %s", paths[i], strerror(errno));
            goto cleanup;
        }
        /* Sightings name absolute paths, so the same file scanned from elsewhere is one place. */
        if (!(abs[i] = realpath(paths[i], NULL))) {
            error = og_error_set(OG_ERROR, "cannot resolve '%s': %s", paths[i], strerror(errno));
            goto cleanup;
        }
    }
    w.password = password;
    w.batch = og_certs__batch_new();
    w.invalid = json_array();
    w.sum = &sum;
    w.on_file = on_file;
    w.arg = arg;
    plist = json_array();
    if (!w.batch || !w.invalid || !plist) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(plist, json_string(abs[i]));
        if ((error = walk_path(&w, abs[i], 0)) < 0)
            goto cleanup;
    }
    sum.certs_seen = og_certs__batch_ncerts(w.batch);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_certs__batch_write(ctx, t.id, w.batch, og_time_now_us(), &sum.certs_new)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "paths", plist, "files_seen",
                  (json_int_t)sum.files_seen, "files_with_certs", (json_int_t)sum.files_with_certs,
                  "needs_password", (json_int_t)sum.needs_password, "invalid",
                  (json_int_t)sum.invalid, "certs_seen", (json_int_t)sum.certs_seen, "certs_new",
                  (json_int_t)sum.certs_new, "invalid_files", w.invalid);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.scan_files", "tenant", t.id, analysis)) <
        0)
        goto cleanup;
    error = 0;
cleanup:
    if (in_tx && (error = og_certs__scan_end(ctx, t.id, error)) >= 0 && summary)
        *summary = sum;
    for (size_t i = 0; abs && i < n; i++)
        free(abs[i]);
    free(abs);
    og_certs__batch_free(w.batch);
    json_decref(w.invalid);
    json_decref(plist);
    json_decref(analysis);
    return error;
}
