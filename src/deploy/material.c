/* material.c - a certificate of the inventory as deployable PEM: leaf, chain, unsealed key.
 *
 * certs.h has no call that returns a certificate's DER or its sealed private key (import seals
 * keys and never hands them out), so this file reads the certs module's tables (certs,
 * cert_keys) directly, read-only. It is the one place to replace with an og_certs_* accessor
 * once the inventory offers one. */
#include "deploy/deploy_internal.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 8

void og_deploy__material_clear(og_deploy_material *m)
{
    if (!m)
        return;
    free(m->leaf_pem);
    free(m->chain_pem);
    if (m->key_pem) {
        og_crypto_wipe(m->key_pem, strlen(m->key_pem));
        free(m->key_pem);
    }
    memset(m, 0, sizeof(*m));
}

/* The DER and issuer of one certificate row. Caller frees *der. */
static int cert_row(og_store *s, const char *tenant_id, const char *fp, uint8_t **der, size_t *len,
                    char *issuer, size_t isize)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT der, issuer FROM certs WHERE tenant_id = ? AND"
                                 " fingerprint = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, fp);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        const void *b = og_stmt_col_blob(st, 0, len);
        *der = malloc(*len ? *len : 1);
        if (!*der) {
            error = og_error_set(OG_ERROR, "out of memory");
        } else {
            memcpy(*der, b, *len);
            og_strlcpy(issuer, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", isize);
            error = 0;
        }
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "no certificate %.16s... in this tenant", fp);
    }
    og_stmt_free(st);
    return error;
}

/* Append the intermediates above der: CA certificates of the tenant whose subject is the issuer
 * and whose key signed it, up to (not including) a self-signed root. */
static int build_chain(og_store *s, const char *tenant_id, const uint8_t *leaf, size_t leaf_len,
                       const char *leaf_issuer, og_buf *chain)
{
    og_stmt *st = NULL;
    int error = 0;
    uint8_t *cur = malloc(leaf_len ? leaf_len : 1);
    size_t cur_len = leaf_len;
    char issuer[1024];
    if (!cur)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(cur, leaf, leaf_len);
    og_strlcpy(issuer, leaf_issuer, sizeof(issuer));
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT der, subject, issuer FROM certs WHERE"
                                 " tenant_id = ? AND is_ca = 1 AND subject = ?"
                                 " LIMIT 16")) < 0)
        goto cleanup;
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
        int rc, found = 0;
        uint8_t *next = NULL;
        size_t next_len = 0;
        char next_subject[1024] = "", next_issuer[1024] = "";
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, tenant_id);
        og_stmt_bind_text(st, 2, issuer);
        while (!found && (rc = og_stmt_step(st)) == OG_ROW) {
            size_t l;
            const void *b = og_stmt_col_blob(st, 0, &l);
            if (!og_deploy__issued_by(cur, cur_len, b, l))
                continue;
            if (!(next = malloc(l ? l : 1))) {
                error = og_error_set(OG_ERROR, "out of memory");
                goto cleanup;
            }
            memcpy(next, b, l);
            next_len = l;
            og_strlcpy(next_subject, og_stmt_col_text(st, 1), sizeof(next_subject));
            og_strlcpy(next_issuer, og_stmt_col_text(st, 2), sizeof(next_issuer));
            found = 1;
        }
        if (!found)
            break;
        if (strcmp(next_subject, next_issuer) == 0) { /* a root: clients have it already */
            free(next);
            break;
        }
        char *pem = NULL;
        if ((error = og_deploy__der_to_pem(next, next_len, &pem)) < 0 ||
            (error = og_buf_puts(chain, pem)) < 0) {
            free(pem);
            free(next);
            goto cleanup;
        }
        free(pem);
        free(cur);
        cur = next;
        cur_len = next_len;
        og_strlcpy(issuer, next_issuer, sizeof(issuer));
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    free(cur);
    return error;
}

/* The unsealed, unencrypted private key linked to fp. */
static int key_load(og_ctx *ctx, const char *tenant_id, const char *fp, char **key_pem)
{
    og_stmt *st = NULL;
    int error, encrypted_only = 0;
    uint8_t *plain = NULL;
    size_t plen = 0;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, encrypted, sealed FROM cert_keys WHERE tenant_id = ?"
                                 " AND fingerprint = ? ORDER BY encrypted, created_at DESC"
                                 " LIMIT 4")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, fp);
    error = og_error_set(OG_ENOTFOUND,
                         "certificate %.16s... has no private key in the inventory (import the "
                         "certificate together with its key)",
                         fp);
    int rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        if (og_stmt_col_int(st, 1)) {
            encrypted_only = 1;
            continue;
        }
        size_t slen;
        const void *sealed = og_stmt_col_blob(st, 2, &slen);
        if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, og_stmt_col_text(st, 0),
                                    sealed, slen, &plain, &plen)) < 0) {
            og_error_wrap("opening the private key of certificate %.16s...", fp);
            goto cleanup;
        }
        if (!(*key_pem = malloc(plen + 1))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        memcpy(*key_pem, plain, plen);
        (*key_pem)[plen] = '\0';
        error = 0;
        goto cleanup;
    }
    if (rc < 0)
        error = rc;
    else if (encrypted_only)
        error = og_error_set(OG_ENOTFOUND,
                             "the private key of certificate %.16s... is passphrase-protected; "
                             "import it unencrypted to deploy it",
                             fp);
cleanup:
    if (plain) {
        og_crypto_wipe(plain, plen);
        free(plain);
    }
    og_stmt_free(st);
    return error;
}

int og_deploy__material_load(og_ctx *ctx, const char *tenant_id, const char *fp,
                             og_deploy_material *out)
{
    int error = -1;
    uint8_t *der = NULL;
    size_t len = 0;
    char issuer[1024];
    og_buf chain;
    og_buf_init(&chain, OG_DEPLOY_MAX_FILE_SIZE);
    memset(out, 0, sizeof(*out));
    og_strlcpy(out->fingerprint, fp, sizeof(out->fingerprint));
    if ((error = cert_row(ctx->store, tenant_id, fp, &der, &len, issuer, sizeof(issuer))) < 0 ||
        (error = og_deploy__der_to_pem(der, len, &out->leaf_pem)) < 0 ||
        (error = og_buf_puts(&chain, "")) < 0 ||
        (error = build_chain(ctx->store, tenant_id, der, len, issuer, &chain)) < 0 ||
        (error = key_load(ctx, tenant_id, fp, &out->key_pem)) < 0)
        goto cleanup;
    out->chain_pem = og_buf_detach(&chain);
    if (!out->chain_pem && !(out->chain_pem = strdup(""))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_deploy__key_matches(out->leaf_pem, strlen(out->leaf_pem), out->key_pem,
                                        strlen(out->key_pem))) < 0) {
        og_error_wrap("certificate %.16s...", fp);
        goto cleanup;
    }
    error = 0;
cleanup:
    free(der);
    og_buf_free(&chain);
    if (error < 0)
        og_deploy__material_clear(out);
    return error;
}

/* Append text to b, ending it with a newline, and no blank lines (HAProxy's runtime API ends a
 * payload at the first blank line). */
static int put_pem(og_buf *b, const char *pem)
{
    int error = 0;
    for (const char *p = pem; *p && error == 0;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        size_t t = l;
        while (t && (p[t - 1] == '\r' || p[t - 1] == ' '))
            t--;
        if (t)
            error = og_buf_append(b, p, t) < 0 ? -1 : og_buf_puts(b, "\n");
        p += l + (nl ? 1 : 0);
    }
    return error;
}

int og_deploy__render(const og_deploy_material *m, og_deploy_fileset *fs)
{
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        og_deploy_file *f = &fs->f[i];
        og_buf b;
        int error = 0;
        og_buf_init(&b, OG_DEPLOY_MAX_FILE_SIZE);
        if (f->role != OG_DEPLOY_CHAIN && f->role != OG_DEPLOY_KEY)
            error = put_pem(&b, m->leaf_pem);
        if (error == 0 && f->role != OG_DEPLOY_LEAF && f->role != OG_DEPLOY_KEY)
            error = put_pem(&b, m->chain_pem);
        if (error == 0 && (f->role == OG_DEPLOY_KEY || f->role == OG_DEPLOY_BUNDLE))
            error = put_pem(&b, m->key_pem);
        if (error == 0 && !b.data)
            error = og_buf_puts(&b, "");
        if (error < 0) {
            if (b.data)
                og_crypto_wipe(b.data, b.len);
            og_buf_free(&b);
            return og_error_set(OG_ERROR, "rendering %s failed", f->path);
        }
        f->mode = f->role == OG_DEPLOY_KEY || f->role == OG_DEPLOY_BUNDLE ? 0600 : 0644;
        f->len = b.len;
        f->data = og_buf_detach(&b);
        if (!f->data && !(f->data = strdup("")))
            return og_error_set(OG_ERROR, "out of memory");
        f->present = 1;
    }
    return 0;
}

void og_deploy_material_clear(og_deploy_material *m)
{
    og_deploy__material_clear(m);
}

int og_deploy_material_get(og_ctx *ctx, const char *tenant, const char *cert_id,
                           og_deploy_material *out)
{
    int error = -1;
    char tid[OG_ID_LEN], fp[65];
    json_t *cert = NULL;
    memset(out, 0, sizeof(*out));
    if ((error = og_deploy__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = og_certs_show(ctx, tid, cert_id, &cert)) < 0)
        goto cleanup;
    const char *f = json_string_value(json_object_get(cert, "fingerprint"));
    if (!f || strlen(f) != 64) {
        error = og_error_set(OG_ECORRUPT, "certificate %s has no fingerprint", cert_id);
        goto cleanup;
    }
    og_strlcpy(fp, f, sizeof(fp));
    error = og_deploy__material_load(ctx, tid, fp, out);
cleanup:
    json_decref(cert);
    return error;
}
