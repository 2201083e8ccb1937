/* request_fulfil.c - the certificate a CA issued for a request (request.c), recognised on import
 * by its public key: the request's sealed key is linked to it, the request marked issued, its
 * gate task closed and its deploy targets told (certs.renewed). */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 (hex) of the certificate's SubjectPublicKeyInfo. */
static int spki_of(X509 *x, char out[65])
{
    unsigned char *der = NULL;
    uint8_t h[32];
    int len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    if (len <= 0) {
        ERR_clear_error();
        return og_error_set(OG_EINVAL, "the certificate's public key cannot be read");
    }
    og_crypto_sha256(der, (size_t)len, h);
    OPENSSL_free(der);
    og_hex_encode(h, sizeof(h), out);
    return 0;
}

typedef struct pending {
    char id[OG_ID_LEN], name[65], state[16], spki[65], gate_id[OG_ID_LEN];
    char *targets;
    uint8_t *sealed;
    size_t sealed_len;
} pending;

static void pending_clear(pending *p)
{
    free(p->targets);
    free(p->sealed);
    memset(p, 0, sizeof(*p));
}

/* The request named by ref (id or pending name), or the pending one with public key spki when
 * ref is NULL: 1 found, 0 none, or the error. */
static int pending_load(og_ctx *ctx, const char *tid, const char *ref, const char *spki, pending *p)
{
    og_stmt *st = NULL;
    int rc, error;
    memset(p, 0, sizeof(*p));
    error = ref ? og_stmt_prepare_args(&st, ctx->store,
                                       "SELECT id, name, state, spki_sha256, gate_id, targets,"
                                       " sealed_key FROM cert_requests WHERE tenant_id = ? AND"
                                       " (id = ? OR (name = ? AND state = 'pending'))"
                                       " ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1",
                                       "tttt", tid, ref, ref, ref)
                : og_stmt_prepare_args(&st, ctx->store,
                                       "SELECT id, name, state, spki_sha256, gate_id, targets,"
                                       " sealed_key FROM cert_requests WHERE tenant_id = ? AND"
                                       " spki_sha256 = ? AND state = 'pending' LIMIT 1",
                                       "tt", tid, spki);
    if (error < 0)
        return error;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t sl = 0;
        const void *sb = og_stmt_col_blob(st, 6, &sl);
        og_strlcpy(p->id, og_stmt_col_text(st, 0), sizeof(p->id));
        og_strlcpy(p->name, og_stmt_col_text(st, 1), sizeof(p->name));
        og_strlcpy(p->state, og_stmt_col_text(st, 2), sizeof(p->state));
        og_strlcpy(p->spki, og_stmt_col_text(st, 3), sizeof(p->spki));
        if (og_stmt_col_text(st, 4))
            og_strlcpy(p->gate_id, og_stmt_col_text(st, 4), sizeof(p->gate_id));
        p->targets = strdup(og_stmt_col_text(st, 5));
        if (sb && sl && (p->sealed = malloc(sl))) {
            memcpy(p->sealed, sb, sl);
            p->sealed_len = sl;
        }
        if (!p->targets || !p->sealed)
            rc = og_error_set(OG_ERROR, "out of memory");
    }
    og_stmt_free(st);
    if (rc < 0)
        pending_clear(p);
    return rc < 0 ? rc : rc == OG_ROW;
}

/* Refused unless the certificate is valid now. */
static int validity_check(X509 *x, const char *name, const char *req)
{
    int64_t now = og_time_now_us();
    og_cert_info ci;
    char t[OG_TIME_LEN];
    int error = og_certs__info_from_x509(&ci, x);
    if (error < 0)
        return error;
    if (now < ci.not_before_us) {
        og_time_format(ci.not_before_us, t);
        error = og_error_set(OG_EINVAL,
                             "%s: the certificate for request %s is not valid yet (from %s); "
                             "nothing was imported",
                             name, req, t);
    } else if (now > ci.not_after_us) {
        og_time_format(ci.not_after_us, t);
        error = og_error_set(OG_EINVAL,
                             "%s: the certificate for request %s expired on %s; nothing was "
                             "imported",
                             name, req, t);
    }
    og_cert_info_clear(&ci);
    return error;
}

/* The request's key, sealed again under a key row of its own, linked to certificate fp. */
static int key_link(og_ctx *ctx, const char *tid, const pending *p, const char *fp, X509 *x)
{
    uint8_t *plain = NULL, *sealed = NULL;
    size_t plen = 0, slen = 0;
    char kid[OG_ID_LEN], now[OG_TIME_LEN], source[80];
    int id = EVP_PKEY_get_base_id(X509_get0_pubkey(x));
    int error;
    og_id_new(kid);
    og_time_format(og_time_now_us(), now);
    snprintf(source, sizeof(source), "request:%s", p->name);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tid, p->id, p->sealed, p->sealed_len, &plain,
                                &plen)) < 0 ||
        (error = og_crypto_seal(ctx->keys, ctx->store, tid, kid, plain, plen, &sealed, &slen)) < 0)
        goto cleanup;
    error = og_store_run(ctx->store,
                         "INSERT INTO cert_keys (id, tenant_id, fingerprint, key_type, encrypted,"
                         " sealed, source, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                         "ttttbtt", kid, tid, fp, id == EVP_PKEY_RSA ? "RSA" : "EC", sealed, slen,
                         source, now);
cleanup:
    if (plain)
        og_crypto_wipe(plain, plen);
    free(plain);
    free(sealed);
    return error < 0 ? error : 0;
}

/* certs.renewed for the request's targets: the deploy module deploys fp to each through its
 * gate, as it does a renewal. */
static int targets_tell(og_ctx *ctx, const char *tid, const pending *p, const char *fp)
{
    json_t *targets = json_loads(p->targets, 0, NULL);
    int error = 0;
    if (json_array_size(targets) > 0) {
        json_t *ev = json_pack("{s:s, s:s, s:O, s:s}", "previous_fingerprint", fp, "fingerprint",
                               fp, "targets", targets, "request", p->id);
        error = ev ? og_event_emit(ctx, tid, "certs.renewed", ev, NULL)
                   : og_error_set(OG_ERROR, "out of memory");
        json_decref(ev);
    }
    json_decref(targets);
    return error < 0 ? error : 0;
}

int og_certs__request_fulfil(og_ctx *ctx, const char *tid, const char *request, const char *fp,
                             X509 *x, const char *name, char fulfilled[OG_ID_LEN])
{
    pending p;
    char spki[65], now[OG_TIME_LEN];
    int error, rc;
    if (fulfilled)
        fulfilled[0] = '\0';
    /* most imports (every ACME renewal's) come with no request pending: no public key to
     * encode then (through OpenSSL's encoders, the dearest step of such an import) */
    if (!request && (rc = og_store_run(ctx->store,
                                       "SELECT 1 FROM cert_requests WHERE tenant_id = ? AND"
                                       " state = 'pending' LIMIT 1",
                                       "t", tid)) <= 0)
        return rc;
    if ((error = spki_of(x, spki)) < 0)
        return request ? error : 0;
    if ((rc = pending_load(ctx, tid, request, spki, &p)) <= 0) {
        if (rc == 0 && request)
            return og_error_set(OG_ENOTFOUND, "no certificate request '%s'", request);
        return rc;
    }
    if (strcmp(p.state, "pending") != 0) {
        error = og_error_set(OG_ECONFLICT, "certificate request %s (%s) is %s, not pending", p.id,
                             p.name, p.state);
        goto cleanup;
    }
    if (strcmp(p.spki, spki) != 0) {
        error = og_error_set(OG_EINVAL,
                             "%s: the certificate's public key (SHA-256 %.16s...) is not the key "
                             "of request %s (%.16s...): it was issued for another CSR; nothing "
                             "was imported",
                             name, spki, p.name, p.spki);
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = validity_check(x, name, p.name)) < 0 ||
        (error = key_link(ctx, tid, &p, fp, x)) < 0 ||
        (error = og_store_run(ctx->store,
                              "UPDATE cert_requests SET state = 'issued', fingerprint = ?,"
                              " updated_at = ? WHERE id = ?",
                              "ttt", fp, now, p.id)) < 0 ||
        (error = og_certs__request_task_close(ctx, p.gate_id, "done",
                                              "the issued certificate was imported")) < 0 ||
        (error = targets_tell(ctx, tid, &p, fp)) < 0)
        goto cleanup;
    json_t *a = json_pack("{s:s, s:s, s:s}", "name", p.name, "fingerprint", fp, "file", name);
    error = og_audit_log(ctx, tid, "certs", "certs.request.issued", "cert_request", p.id, a);
    json_decref(a);
    if (error >= 0 && fulfilled)
        og_strlcpy(fulfilled, p.id, OG_ID_LEN);
cleanup:
    pending_clear(&p);
    return error < 0 ? error : 0;
}
