/* files.c - certificates from files: `cert scan-files` (PEM, DER, PKCS#12 discovery in folders)
 * and `cert import` (a PEM bundle whose private keys are sealed with the tenant's key). */
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
    og_certs_batch *batch;
    og_certs_files_summary *sum;
    void (*on_file)(void *arg, const og_certs_file_result *r);
    void *arg;
    json_t *invalid;   /* the first invalid files, for the audit record */
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

static void report(walk *w, const char *path, const char *kind, const char *status,
                   const char *err, int certs)
{
    og_certs_file_result r = {path, kind, status, err, certs};
    if (strcmp(status, "invalid") == 0) {
        w->sum->invalid++;
        if (json_array_size(w->invalid) < 50)
            json_array_append_new(w->invalid, json_pack("{s:s, s:s}", "path", path, "error",
                                                         err ? err : ""));
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
                snprintf(msg, sizeof(msg), "line %d: the certificate block does not parse as "
                                           "X.509", b.line);
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

static int scan_p12(walk *w, const char *path, PKCS12 *p12)
{
    EVP_PKEY *pk = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int n = 0, error = 0;
    /* Bundles without a password are opened (empty or absent password); the rest are listed. */
    if (PKCS12_parse(p12, "", &pk, &cert, &ca) != 1 && PKCS12_parse(p12, NULL, &pk, &cert, &ca) != 1) {
        ERR_clear_error();
        report(w, path, "pkcs12", "needs-password",
               "PKCS#12 bundle: cannot open without a password", 0);
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
    report(w, path, "pkcs12", n ? "ok" : "invalid", n ? NULL : "PKCS#12 bundle without certificates",
           n);
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
        return 0;   /* unreadable folders are skipped, like unreadable files */
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
                        void (*on_file)(void *arg, const og_certs_file_result *r), void *arg,
                        og_certs_files_summary *summary)
{
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
    if ((error = og_certs__batch_write(ctx, t.id, w.batch, og_time_now_us(), &sum.certs_new)) < 0)
        goto rollback;
    analysis = json_pack("{s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "paths", plist, "files_seen",
                         (json_int_t)sum.files_seen, "files_with_certs",
                         (json_int_t)sum.files_with_certs, "needs_password",
                         (json_int_t)sum.needs_password, "invalid", (json_int_t)sum.invalid,
                         "certs_seen", (json_int_t)sum.certs_seen, "certs_new",
                         (json_int_t)sum.certs_new, "invalid_files", w.invalid);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.scan_files", "tenant", t.id, analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    /* Alerts are their own transaction: a failure there must not undo the inventory. */
    if ((error = og_certs_expiry_run(ctx, t.id, NULL)) < 0)
        goto cleanup;
    if (summary)
        *summary = sum;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    for (size_t i = 0; abs && i < n; i++)
        free(abs[i]);
    free(abs);
    og_certs__batch_free(w.batch);
    json_decref(w.invalid);
    json_decref(plist);
    json_decref(analysis);
    return error;
}

/* ---- import ---- */

typedef struct import_key {
    char id[OG_ID_LEN];
    const char *text;      /* borrowed from the input */
    size_t text_len;
    int encrypted;
    char key_type[16];
    char fp[65];           /* the certificate it belongs to, "" when none in the bundle */
    EVP_PKEY *pk;
} import_key;

/* Never prompt for a passphrase: encrypted keys are stored sealed as they are. */
static int no_password(char *buf, int size, int rw, void *u)
{
    (void)buf;
    (void)size;
    (void)rw;
    (void)u;
    return -1;
}

static const char *pkey_type(EVP_PKEY *pk)
{
    int id = EVP_PKEY_get_base_id(pk);
    return id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_ED25519 ? "ED25519" : "other";
}

int og_certs_import(og_ctx *ctx, const char *tenant, const char *name, const char *pem, size_t len,
                    og_certs_import_summary *summary)
{
    int error = -1, rc, line = 0;
    og_tenant t;
    og_certs_batch *batch = NULL;
    STACK_OF(X509) *certs = sk_X509_new_null();
    char (*fps)[65] = NULL;
    import_key keys[16];
    int nkeys = 0;
    size_t pos = 0;
    og_certs_pem_block b;
    og_stmt *st = NULL;
    json_t *analysis = NULL, *fplist = json_array();
    og_certs_import_summary sum;
    memset(&sum, 0, sizeof(sum));
    memset(keys, 0, sizeof(keys));
    memset(&b, 0, sizeof(b));
    if (!name || !*name)
        name = "bundle";
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!certs || !fplist || !(batch = og_certs__batch_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (len > OG_CERTS_MAX_FILE) {
        error = og_error_set(OG_ETOOBIG, "%s: larger than 1 MiB", name);
        goto cleanup;
    }
    /* Parse everything first: a malformed block anywhere refuses the whole bundle. */
    while ((rc = og_certs__pem_next(pem, len, &pos, &line, name, &b)) == 1) {
        if (strstr(b.label, "CERTIFICATE") && !strstr(b.label, "REQUEST")) {
            const unsigned char *p = b.der;
            X509 *x = d2i_X509(NULL, &p, (long)b.len);
            ERR_clear_error();
            if (!x || p != b.der + b.len) {
                X509_free(x);
                error = og_error_set(OG_EINVAL, "%s line %d: the %s block is not an X.509 "
                                                "certificate",
                                     name, b.line, b.label);
                goto cleanup;
            }
            sk_X509_push(certs, x);
        } else if (strstr(b.label, "PRIVATE KEY")) {
            if (nkeys == (int)(sizeof(keys) / sizeof(keys[0]))) {
                error = og_error_set(OG_EINVAL, "%s: more than 16 private keys", name);
                goto cleanup;
            }
            import_key *k = &keys[nkeys];
            og_id_new(k->id);
            k->text = b.text;
            k->text_len = b.text_len;
            k->encrypted = strstr(b.label, "ENCRYPTED") != NULL || b.has_headers;
            og_strlcpy(k->key_type, "encrypted", sizeof(k->key_type));
            if (!k->encrypted) {
                BIO *bio = BIO_new_mem_buf(b.text, (int)b.text_len);
                k->pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
                BIO_free(bio);
                ERR_clear_error();
                if (!k->pk) {
                    error = og_error_set(OG_EINVAL, "%s line %d: the %s block does not parse",
                                         name, b.line, b.label);
                    goto cleanup;
                }
                og_strlcpy(k->key_type, pkey_type(k->pk), sizeof(k->key_type));
            }
            nkeys++;
        }
        /* Other blocks (parameters, public keys, requests) are ignored: they hold no secret. */
        og_certs__pem_block_clear(&b);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (sk_X509_num(certs) == 0) {
        error = og_error_set(OG_EINVAL, "%s: no PEM certificate in it", name);
        goto cleanup;
    }
    if (!(fps = calloc((size_t)sk_X509_num(certs), sizeof(*fps)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        og_cert_info ci;
        unsigned char *der = NULL;
        X509 *x = sk_X509_value(certs, i);
        int dl = i2d_X509(x, &der);
        if (dl <= 0 || (error = og_certs__info_from_x509(&ci, x)) < 0) {
            OPENSSL_free(der);
            error = error < 0 ? error : og_error_set(OG_ERROR, "cannot encode a certificate");
            goto cleanup;
        }
        error = og_certs__batch_add_cert(batch, der, (size_t)dl, &ci, fps[i]);
        og_cert_info_clear(&ci);
        OPENSSL_free(der);
        if (error < 0 || (error = og_certs__batch_add_sighting(batch, fps[i], "import", name, "",
                                                               0, NULL, NULL)) < 0)
            goto cleanup;
        json_array_append_new(fplist, json_string(fps[i]));
    }
    for (int k = 0; k < nkeys; k++)
        for (int i = 0; keys[k].pk && i < sk_X509_num(certs); i++)
            if (X509_check_private_key(sk_X509_value(certs, i), keys[k].pk) == 1) {
                og_strlcpy(keys[k].fp, fps[i], sizeof(keys[k].fp));
                break;
            }
    ERR_clear_error();

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    uint64_t nnew = 0;
    if ((error = og_certs__batch_write(ctx, t.id, batch, og_time_now_us(), &nnew)) < 0)
        goto rollback;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO cert_keys (id, tenant_id, fingerprint, key_type,"
                                 " encrypted, sealed, source, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto rollback;
    json_t *keylist = json_array();
    for (int k = 0; k < nkeys; k++) {
        uint8_t *sealed = NULL;
        size_t slen = 0;
        char now[OG_TIME_LEN];
        og_time_format(og_time_now_us(), now);
        /* The object id binds the ciphertext to this row: copied elsewhere, it will not open. */
        if ((error = og_crypto_seal(ctx->keys, ctx->store, t.id, keys[k].id, keys[k].text,
                                    keys[k].text_len, &sealed, &slen)) < 0) {
            json_decref(keylist);
            goto rollback;
        }
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, keys[k].id);
        og_stmt_bind_text(st, 2, t.id);
        og_stmt_bind_text(st, 3, keys[k].fp[0] ? keys[k].fp : NULL);
        og_stmt_bind_text(st, 4, keys[k].key_type);
        og_stmt_bind_int(st, 5, keys[k].encrypted);
        og_stmt_bind_blob(st, 6, sealed, slen);
        og_stmt_bind_text(st, 7, name);
        og_stmt_bind_text(st, 8, now);
        error = og_stmt_step(st);
        free(sealed);
        if (error < 0) {
            json_decref(keylist);
            goto rollback;
        }
        json_array_append_new(keylist, json_pack("{s:s, s:s, s:s?, s:b}", "id", keys[k].id, "type",
                                                 keys[k].key_type, "certificate",
                                                 keys[k].fp[0] ? keys[k].fp : NULL, "encrypted",
                                                 keys[k].encrypted));
    }
    analysis = json_pack("{s:s, s:i, s:I, s:O, s:o}", "file", name, "certs", sk_X509_num(certs),
                         "certs_new", (json_int_t)nnew, "fingerprints", fplist, "keys", keylist);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.import", "certificate", fps[0],
                              analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    if ((error = og_certs_expiry_run(ctx, t.id, NULL)) < 0)
        goto cleanup;
    sum.certs = sk_X509_num(certs);
    sum.certs_new = (int)nnew;
    sum.keys = nkeys;
    og_strlcpy(sum.first_fingerprint, fps[0], sizeof(sum.first_fingerprint));
    if (summary)
        *summary = sum;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_certs__pem_block_clear(&b);
    for (int k = 0; k < nkeys; k++)
        EVP_PKEY_free(keys[k].pk);
    sk_X509_pop_free(certs, X509_free);
    og_certs__batch_free(batch);
    og_stmt_free(st);
    json_decref(analysis);
    json_decref(fplist);
    free(fps);
    return error;
}
