/* files.c - certificates from files: `cert scan-files` (PEM, DER, PKCS#12 discovery in folders)
 * and `cert import` (a PEM, DER or PKCS#12 bundle whose private keys are sealed with the tenant's
 * key). */
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

/* Open a PKCS#12 bundle: without a password (empty or absent), then with `password`.
 * 1 when it opened, 0 when not. */
static int p12_open(PKCS12 *p12, const char *password, EVP_PKEY **pk, X509 **cert,
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
    if (!p12_open(p12, w->password, &pk, &cert, &ca)) {
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
    if ((error = og_certs__batch_write(ctx, t.id, w.batch, og_time_now_us(), &sum.certs_new)) < 0)
        goto rollback;
    analysis =
        json_pack("{s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "paths", plist, "files_seen",
                  (json_int_t)sum.files_seen, "files_with_certs", (json_int_t)sum.files_with_certs,
                  "needs_password", (json_int_t)sum.needs_password, "invalid",
                  (json_int_t)sum.invalid, "certs_seen", (json_int_t)sum.certs_seen, "certs_new",
                  (json_int_t)sum.certs_new, "invalid_files", w.invalid);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.scan_files", "tenant", t.id, analysis)) <
        0)
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

#define MAX_IMPORT_KEYS 16

typedef struct import_key {
    char id[OG_ID_LEN];
    const char *text; /* what is sealed: borrowed from the input, or `owned` */
    size_t text_len;
    char *owned;   /* an opened key re-encoded as PKCS#8 PEM; wiped and freed */
    int line;      /* of its PEM block; 0 for the key of a PKCS#12 bundle */
    int encrypted; /* stored passphrase-protected (no password opened it) */
    char key_type[16];
    char fp[65]; /* the certificate it belongs to */
    EVP_PKEY *pk;
} import_key;

typedef struct import_parse {
    const char *name;
    const char *password; /* borrowed; NULL = none */
    STACK_OF(X509) * certs;
    import_key keys[MAX_IMPORT_KEYS];
    int nkeys;
    const char *kind;
} import_parse;

/* The password callback of PEM_read_bio_PrivateKey: the password given, or none (never a
 * prompt). */
static int pem_password(char *buf, int size, int rw, void *u)
{
    const char *pw = u;
    (void)rw;
    if (!pw)
        return -1;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

static const char *pkey_type(EVP_PKEY *pk)
{
    int id = EVP_PKEY_get_base_id(pk);
    return id == EVP_PKEY_RSA       ? "RSA"
           : id == EVP_PKEY_EC      ? "EC"
           : id == EVP_PKEY_ED25519 ? "ED25519"
                                    : "other";
}

/* "ab12cd34ef56ab78": the first 16 hex digits of the SHA-256 of a public key's
 * SubjectPublicKeyInfo (`openssl pkey -pubout -outform DER | sha256sum`). */
static void spki_hash(EVP_PKEY *pk, char out[17])
{
    unsigned char *der = NULL;
    uint8_t md[32];
    char hex[65];
    int len = pk ? i2d_PUBKEY(pk, &der) : -1;
    ERR_clear_error();
    if (len <= 0) {
        og_strlcpy(out, "?", 17);
        return;
    }
    og_crypto_sha256(der, (size_t)len, md);
    OPENSSL_free(der);
    og_hex_encode(md, sizeof(md), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* Keep an opened key (taken over): its PEM text as given when it came unencrypted (text), else
 * re-encoded as unencrypted PKCS#8 PEM. Sealed later, never written elsewhere. */
static int key_take(import_parse *ip, EVP_PKEY *pk, int line, const char *text, size_t text_len)
{
    BIO *bio = NULL;
    char *data = NULL;
    long dl;
    if (ip->nkeys == MAX_IMPORT_KEYS)
        return og_error_set(OG_EINVAL, "%s: more than %d private keys", ip->name, MAX_IMPORT_KEYS);
    import_key *k = &ip->keys[ip->nkeys];
    memset(k, 0, sizeof(*k));
    og_id_new(k->id);
    k->line = line;
    og_strlcpy(k->key_type, pkey_type(pk), sizeof(k->key_type));
    if (text) {
        k->text = text;
        k->text_len = text_len;
        k->pk = pk;
        ip->nkeys++;
        return 0;
    }
    if (!(bio = BIO_new(BIO_s_mem())) ||
        PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
        (dl = BIO_get_mem_data(bio, &data)) <= 0 || !(k->owned = malloc((size_t)dl))) {
        BIO_free(bio);
        ERR_clear_error();
        return og_error_set(OG_ERROR, "%s: cannot encode a private key", ip->name);
    }
    memcpy(k->owned, data, (size_t)dl);
    og_crypto_wipe(data, (size_t)dl);
    BIO_free(bio);
    k->text = k->owned;
    k->text_len = (size_t)dl;
    k->pk = pk;
    ip->nkeys++;
    return 0;
}

static int parse_pem(import_parse *ip, const char *pem, size_t len)
{
    og_certs_pem_block b;
    size_t pos = 0;
    int line = 0, rc, error = 0;
    memset(&b, 0, sizeof(b));
    ip->kind = "pem";
    /* Parse everything first: a malformed block anywhere refuses the whole bundle. */
    while ((rc = og_certs__pem_next(pem, len, &pos, &line, ip->name, &b)) == 1) {
        if (strstr(b.label, "CERTIFICATE") && !strstr(b.label, "REQUEST")) {
            const unsigned char *p = b.der;
            X509 *x = d2i_X509(NULL, &p, (long)b.len);
            ERR_clear_error();
            if (!x || p != b.der + b.len) {
                X509_free(x);
                error =
                    og_error_set(OG_EINVAL, "%s line %d: the %s block is not an X.509 certificate",
                                 ip->name, b.line, b.label);
                goto cleanup;
            }
            sk_X509_push(ip->certs, x);
        } else if (strstr(b.label, "PRIVATE KEY")) {
            int encrypted = strstr(b.label, "ENCRYPTED") != NULL || b.has_headers;
            BIO *bio = BIO_new_mem_buf(b.text, (int)b.text_len);
            EVP_PKEY *pk = NULL;
            if (bio && (!encrypted || ip->password))
                pk = PEM_read_bio_PrivateKey(bio, NULL, pem_password,
                                             encrypted ? (void *)ip->password : NULL);
            BIO_free(bio);
            ERR_clear_error();
            if (!pk && encrypted && ip->password) {
                error = og_error_set(OG_EINVAL,
                                     "%s line %d: the password given does not open the "
                                     "encrypted private key",
                                     ip->name, b.line);
                goto cleanup;
            }
            if (!pk && !encrypted) {
                error = og_error_set(OG_EINVAL, "%s line %d: the %s block does not parse", ip->name,
                                     b.line, b.label);
                goto cleanup;
            }
            if (pk) {
                /* a key opened with the password is kept unencrypted (PKCS#8) under the seal */
                if ((error = key_take(ip, pk, b.line, encrypted ? NULL : b.text, b.text_len)) < 0) {
                    EVP_PKEY_free(pk);
                    goto cleanup;
                }
            } else {
                /* passphrase-protected and no password: sealed as it is, linked to nothing */
                if (ip->nkeys == MAX_IMPORT_KEYS) {
                    error = og_error_set(OG_EINVAL, "%s: more than %d private keys", ip->name,
                                         MAX_IMPORT_KEYS);
                    goto cleanup;
                }
                import_key *k = &ip->keys[ip->nkeys++];
                memset(k, 0, sizeof(*k));
                og_id_new(k->id);
                k->text = b.text;
                k->text_len = b.text_len;
                k->line = b.line;
                k->encrypted = 1;
                og_strlcpy(k->key_type, "encrypted", sizeof(k->key_type));
            }
        }
        /* Other blocks (parameters, public keys, requests) are ignored: they hold no secret. */
        og_certs__pem_block_clear(&b);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (sk_X509_num(ip->certs) == 0)
        error = og_error_set(OG_EINVAL, "%s: no PEM certificate in it", ip->name);
cleanup:
    og_certs__pem_block_clear(&b);
    return error;
}

static int parse_p12(import_parse *ip, PKCS12 *p12)
{
    EVP_PKEY *pk = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int error = 0;
    ip->kind = "pkcs12";
    if (!p12_open(p12, ip->password, &pk, &cert, &ca))
        return og_error_set(OG_EINVAL,
                            ip->password ? "%s: the password given does not open the PKCS#12 "
                                           "bundle"
                                         : "%s: the PKCS#12 bundle needs a password",
                            ip->name);
    if (cert) {
        sk_X509_push(ip->certs, cert);
        cert = NULL;
    }
    while (ca && sk_X509_num(ca) > 0)
        sk_X509_push(ip->certs, sk_X509_shift(ca));
    if (pk) {
        if ((error = key_take(ip, pk, 0, NULL, 0)) < 0)
            goto cleanup;
        pk = NULL;
    }
    if (sk_X509_num(ip->certs) == 0)
        error = og_error_set(OG_EINVAL, "%s: the PKCS#12 bundle holds no certificate", ip->name);
cleanup:
    EVP_PKEY_free(pk);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    return error;
}

/* PEM, else PKCS#12, else one DER certificate; told apart by content as scan-files does. */
static int parse_bundle(import_parse *ip, const char *data, size_t len)
{
    if (len > 11 && memmem(data, len, "-----BEGIN ", 11))
        return parse_pem(ip, data, len);
    if (len > 0 && (unsigned char)data[0] == 0x30) {
        const unsigned char *p = (const unsigned char *)data;
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
        if (p12) {
            int error = parse_p12(ip, p12);
            PKCS12_free(p12);
            return error;
        }
        p = (const unsigned char *)data;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        ERR_clear_error();
        if (x && p == (const unsigned char *)data + len) {
            ip->kind = "der";
            sk_X509_push(ip->certs, x);
            return 0;
        }
        X509_free(x);
    }
    ERR_clear_error();
    return og_error_set(OG_EINVAL, "%s: neither PEM, nor a DER certificate, nor a PKCS#12 bundle",
                        ip->name);
}

/* Link each opened key to its certificate; a key that matches none is an error naming the
 * public keys on both sides, so the person can see which file holds the wrong one. */
static int match_keys(import_parse *ip, char (*fps)[65])
{
    for (int k = 0; k < ip->nkeys; k++) {
        import_key *key = &ip->keys[k];
        if (!key->pk)
            continue;
        for (int i = 0; i < sk_X509_num(ip->certs); i++)
            if (X509_check_private_key(sk_X509_value(ip->certs, i), key->pk) == 1) {
                og_strlcpy(key->fp, fps[i], sizeof(key->fp));
                break;
            }
        ERR_clear_error();
        if (key->fp[0])
            continue;
        char kh[17], where[48], certs[700] = "";
        size_t o = 0;
        spki_hash(key->pk, kh);
        if (key->line)
            snprintf(where, sizeof(where), "at line %d", key->line);
        else
            snprintf(where, sizeof(where), "of the PKCS#12 bundle");
        for (int i = 0; i < sk_X509_num(ip->certs) && i < 4 && o < sizeof(certs); i++) {
            X509 *x = sk_X509_value(ip->certs, i);
            char ch[17], subject[160] = "";
            BIO *bio = BIO_new(BIO_s_mem());
            spki_hash(X509_get0_pubkey(x), ch);
            if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
                int sl = BIO_read(bio, subject, (int)sizeof(subject) - 1);
                subject[sl > 0 ? sl : 0] = '\0';
            }
            BIO_free(bio);
            o += (size_t)snprintf(certs + o, sizeof(certs) - o, "%s%s has %s...", i ? "; " : "",
                                  subject[0] ? subject : "(no subject)", ch);
        }
        if (sk_X509_num(ip->certs) > 4 && o < sizeof(certs))
            snprintf(certs + o, sizeof(certs) - o, "; and %d more", sk_X509_num(ip->certs) - 4);
        ERR_clear_error();
        return og_error_set(OG_EINVAL,
                            "%s: the private key %s (%s, public key SHA-256 %s...) matches no "
                            "certificate in it (%s); nothing was imported",
                            ip->name, where, key->key_type, kh, certs);
    }
    return 0;
}

int og_certs_import_bundle(og_ctx *ctx, const char *tenant, const char *name, const void *data,
                           size_t len, const char *password, og_certs_import_summary *summary)
{
    int error = -1;
    og_tenant t;
    og_certs_batch *batch = NULL;
    char(*fps)[65] = NULL;
    og_stmt *st = NULL;
    json_t *analysis = NULL, *fplist = json_array();
    og_certs_import_summary sum;
    import_parse ip;
    memset(&sum, 0, sizeof(sum));
    memset(&ip, 0, sizeof(ip));
    if (!name || !*name)
        name = "bundle";
    ip.name = name;
    ip.password = password;
    ip.certs = sk_X509_new_null();
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!ip.certs || !fplist || !(batch = og_certs__batch_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (len > OG_CERTS_MAX_FILE) {
        error = og_error_set(OG_ETOOBIG, "%s: larger than 1 MiB", name);
        goto cleanup;
    }
    if ((error = parse_bundle(&ip, data, len)) < 0)
        goto cleanup;
    if (!(fps = calloc((size_t)sk_X509_num(ip.certs), sizeof(*fps)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < sk_X509_num(ip.certs); i++) {
        og_cert_info ci;
        unsigned char *der = NULL;
        X509 *x = sk_X509_value(ip.certs, i);
        int dl = i2d_X509(x, &der);
        if (dl <= 0 || (error = og_certs__info_from_x509(&ci, x)) < 0) {
            OPENSSL_free(der);
            error = error < 0 ? error : og_error_set(OG_ERROR, "cannot encode a certificate");
            goto cleanup;
        }
        error = og_certs__batch_add_cert(batch, der, (size_t)dl, &ci, fps[i]);
        og_cert_info_clear(&ci);
        OPENSSL_free(der);
        if (error < 0 || (error = og_certs__batch_add_sighting(batch, fps[i], "import", name, "", 0,
                                                               NULL, NULL)) < 0)
            goto cleanup;
        json_array_append_new(fplist, json_string(fps[i]));
    }
    if ((error = match_keys(&ip, fps)) < 0)
        goto cleanup;

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
    for (int k = 0; k < ip.nkeys; k++) {
        import_key *key = &ip.keys[k];
        uint8_t *sealed = NULL;
        size_t slen = 0;
        char now[OG_TIME_LEN];
        og_time_format(og_time_now_us(), now);
        /* The object id binds the ciphertext to this row: copied elsewhere, it will not open. */
        if ((error = og_crypto_seal(ctx->keys, ctx->store, t.id, key->id, key->text, key->text_len,
                                    &sealed, &slen)) < 0) {
            json_decref(keylist);
            goto rollback;
        }
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, key->id);
        og_stmt_bind_text(st, 2, t.id);
        og_stmt_bind_text(st, 3, key->fp[0] ? key->fp : NULL);
        og_stmt_bind_text(st, 4, key->key_type);
        og_stmt_bind_int(st, 5, key->encrypted);
        og_stmt_bind_blob(st, 6, sealed, slen);
        og_stmt_bind_text(st, 7, name);
        og_stmt_bind_text(st, 8, now);
        error = og_stmt_step(st);
        free(sealed);
        if (error < 0) {
            json_decref(keylist);
            goto rollback;
        }
        json_array_append_new(keylist,
                              json_pack("{s:s, s:s, s:s?, s:b}", "id", key->id, "type",
                                        key->key_type, "certificate", key->fp[0] ? key->fp : NULL,
                                        "encrypted", key->encrypted));
    }
    analysis = json_pack("{s:s, s:s, s:i, s:I, s:O, s:o}", "file", name, "kind", ip.kind, "certs",
                         sk_X509_num(ip.certs), "certs_new", (json_int_t)nnew, "fingerprints",
                         fplist, "keys", keylist);
    if ((error =
             og_audit_log(ctx, t.id, "certs", "certs.import", "certificate", fps[0], analysis)) < 0)
        goto rollback;
    /* Its expiry alerts in the same transaction: an import that reports a failure stored nothing.
     */
    if ((error = og_certs_expiry_run(ctx, t.id, NULL)) < 0 ||
        (error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    sum.certs = sk_X509_num(ip.certs);
    sum.certs_new = (int)nnew;
    sum.keys = ip.nkeys;
    og_strlcpy(sum.first_fingerprint, fps[0], sizeof(sum.first_fingerprint));
    og_strlcpy(sum.kind, ip.kind, sizeof(sum.kind));
    if (summary)
        *summary = sum;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    for (int k = 0; k < ip.nkeys; k++) {
        EVP_PKEY_free(ip.keys[k].pk);
        if (ip.keys[k].owned) {
            og_crypto_wipe(ip.keys[k].owned, ip.keys[k].text_len);
            free(ip.keys[k].owned);
        }
    }
    sk_X509_pop_free(ip.certs, X509_free);
    og_certs__batch_free(batch);
    og_stmt_free(st);
    json_decref(analysis);
    json_decref(fplist);
    free(fps);
    return error;
}

int og_certs_import(og_ctx *ctx, const char *tenant, const char *name, const char *pem, size_t len,
                    og_certs_import_summary *summary)
{
    return og_certs_import_bundle(ctx, tenant, name, pem, len, NULL, summary);
}
