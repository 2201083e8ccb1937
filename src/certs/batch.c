/* batch.c - a scan's certificates and sightings gathered in memory, then written to the
 * inventory in one transaction; the inventory's certificates as trust helpers. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct batch_cert {
    char fp[65];
    uint8_t *der;
    size_t len;
    og_cert_info ci;
    int has_info;
} batch_cert;

typedef struct batch_sighting {
    char fp[65];
    char kind[12];
    char *location, *sni, *chain, *detail;
    unsigned findings;
} batch_sighting;

struct og_certs_batch {
    batch_cert *certs;
    size_t ncerts, acerts;
    uint32_t *index; /* open addressing: 1 + position in certs, 0 = empty */
    size_t nindex;   /* power of two */
    batch_sighting *sightings;
    size_t nsightings, asightings;
};

og_certs_batch *og_certs__batch_new(void)
{
    return calloc(1, sizeof(og_certs_batch));
}

void og_certs__batch_free(og_certs_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ncerts; i++) {
        free(b->certs[i].der);
        og_cert_info_clear(&b->certs[i].ci);
    }
    for (size_t i = 0; i < b->nsightings; i++) {
        free(b->sightings[i].location);
        free(b->sightings[i].sni);
        free(b->sightings[i].chain);
        free(b->sightings[i].detail);
    }
    free(b->certs);
    free(b->index);
    free(b->sightings);
    free(b);
}

size_t og_certs__batch_ncerts(const og_certs_batch *b)
{
    return b->ncerts;
}

static uint32_t fp_hash(const char *fp)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16 && fp[i]; i++)
        h = (h ^ (uint8_t)fp[i]) * 16777619u;
    return h;
}

static int index_rebuild(og_certs_batch *b, size_t n)
{
    uint32_t *idx = calloc(n, sizeof(*idx));
    if (!idx)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < b->ncerts; i++) {
        size_t h = fp_hash(b->certs[i].fp) & (n - 1);
        while (idx[h])
            h = (h + 1) & (n - 1);
        idx[h] = (uint32_t)(i + 1);
    }
    free(b->index);
    b->index = idx;
    b->nindex = n;
    return 0;
}

int og_certs__batch_add_cert(og_certs_batch *b, const void *der, size_t len, og_cert_info *ci,
                             char *fp_out)
{
    int error;
    og_cert_info local;
    int parsed_here = 0;
    if (!ci) {
        if ((error = og_certs_parse_der(&local, der, len)) < 0)
            return error;
        ci = &local;
        parsed_here = 1;
    }
    if (fp_out)
        memcpy(fp_out, ci->fingerprint, 65);
    if (b->nindex == 0 || (b->ncerts + 1) * 2 > b->nindex) {
        if ((error = index_rebuild(b, b->nindex ? b->nindex * 2 : 64)) < 0)
            goto cleanup;
    }
    size_t h = fp_hash(ci->fingerprint) & (b->nindex - 1);
    while (b->index[h]) {
        if (strcmp(b->certs[b->index[h] - 1].fp, ci->fingerprint) == 0) {
            error = 0; /* already there */
            goto cleanup;
        }
        h = (h + 1) & (b->nindex - 1);
    }
    if (b->ncerts == b->acerts) {
        size_t n = b->acerts ? b->acerts * 2 : 16;
        batch_cert *nc = realloc(b->certs, n * sizeof(*nc));
        if (!nc) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        b->certs = nc;
        b->acerts = n;
    }
    batch_cert *c = &b->certs[b->ncerts];
    memset(c, 0, sizeof(*c));
    if (!(c->der = malloc(len))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(c->der, der, len);
    c->len = len;
    memcpy(c->fp, ci->fingerprint, 65);
    c->ci = *ci; /* take over the owned members */
    memset(ci, 0, sizeof(*ci));
    c->has_info = 1;
    b->index[h] = (uint32_t)(++b->ncerts);
    error = 0;
cleanup:
    if (parsed_here)
        og_cert_info_clear(&local);
    return error;
}

const og_cert_info *og_certs__batch_get(const og_certs_batch *b, const char *fp)
{
    if (b->nindex == 0)
        return NULL;
    size_t h = fp_hash(fp) & (b->nindex - 1);
    while (b->index[h]) {
        const batch_cert *c = &b->certs[b->index[h] - 1];
        if (strcmp(c->fp, fp) == 0)
            return &c->ci;
        h = (h + 1) & (b->nindex - 1);
    }
    return NULL;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int og_certs__batch_add_sighting(og_certs_batch *b, const char *fp, const char *kind,
                                 const char *location, const char *sni, unsigned findings,
                                 const char *chain_json, const char *detail)
{
    if (b->nsightings == b->asightings) {
        size_t n = b->asightings ? b->asightings * 2 : 64;
        batch_sighting *ns = realloc(b->sightings, n * sizeof(*ns));
        if (!ns)
            return og_error_set(OG_ERROR, "out of memory");
        b->sightings = ns;
        b->asightings = n;
    }
    batch_sighting *s = &b->sightings[b->nsightings];
    memset(s, 0, sizeof(*s));
    og_strlcpy(s->fp, fp, sizeof(s->fp));
    og_strlcpy(s->kind, kind, sizeof(s->kind));
    s->location = dup_or_empty(location);
    s->sni = dup_or_empty(sni);
    s->chain = chain_json ? strdup(chain_json) : NULL;
    s->detail = detail && *detail ? strdup(detail) : NULL;
    s->findings = findings;
    if (!s->location || !s->sni) {
        free(s->location);
        free(s->sni);
        free(s->chain);
        free(s->detail);
        return og_error_set(OG_ERROR, "out of memory");
    }
    b->nsightings++;
    return 0;
}

int og_certs__batch_write(og_ctx *ctx, const char *tenant_id, og_certs_batch *b, int64_t now_us,
                          uint64_t *certs_new)
{
    int error = -1;
    og_stmt *sel = NULL, *ins = NULL, *upd = NULL, *sig = NULL;
    char *info = NULL;
    uint64_t nnew = 0;
    if ((error = og_stmt_prepare(&sel, ctx->store,
                                 "SELECT 1 FROM certs WHERE tenant_id = ? AND fingerprint = ?")) <
            0 ||
        (error = og_stmt_prepare(
             &ins, ctx->store,
             "INSERT INTO certs (tenant_id, fingerprint, subject, issuer, serial, not_before_us,"
             " not_after_us, key_type, key_bits, sig_alg, is_ca, findings, info, der,"
             " first_seen_us, last_seen_us) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0 ||
        (error = og_stmt_prepare(&upd, ctx->store,
                                 "UPDATE certs SET last_seen_us = ? WHERE tenant_id = ? AND"
                                 " fingerprint = ?")) < 0 ||
        (error = og_stmt_prepare(
             &sig, ctx->store,
             "INSERT INTO cert_sightings (tenant_id, fingerprint, kind, location, sni, findings,"
             " chain, detail, first_seen_us, last_seen_us) VALUES (?,?,?,?,?,?,?,?,?,?)"
             " ON CONFLICT (tenant_id, fingerprint, kind, location, sni) DO UPDATE SET"
             " findings = excluded.findings, chain = excluded.chain, detail = excluded.detail,"
             " last_seen_us = excluded.last_seen_us")) < 0)
        goto cleanup;
    for (size_t i = 0; i < b->ncerts; i++) {
        batch_cert *c = &b->certs[i];
        og_stmt_reset(sel);
        og_stmt_bind_text(sel, 1, tenant_id);
        og_stmt_bind_text(sel, 2, c->fp);
        int rc = og_stmt_step(sel);
        if (rc < 0) {
            error = rc;
            goto cleanup;
        }
        if (rc == OG_ROW) {
            og_stmt_reset(upd);
            og_stmt_bind_int(upd, 1, now_us);
            og_stmt_bind_text(upd, 2, tenant_id);
            og_stmt_bind_text(upd, 3, c->fp);
            if ((error = og_stmt_step(upd)) < 0)
                goto cleanup;
            continue;
        }
        json_t *j = og_cert_info_to_json(&c->ci);
        free(info);
        info = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!info) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        og_stmt_reset(ins);
        og_stmt_bind_text(ins, 1, tenant_id);
        og_stmt_bind_text(ins, 2, c->fp);
        og_stmt_bind_text(ins, 3, c->ci.subject);
        og_stmt_bind_text(ins, 4, c->ci.issuer);
        og_stmt_bind_text(ins, 5, c->ci.serial);
        og_stmt_bind_int(ins, 6, c->ci.not_before_us);
        og_stmt_bind_int(ins, 7, c->ci.not_after_us);
        og_stmt_bind_text(ins, 8, c->ci.key_type);
        og_stmt_bind_int(ins, 9, c->ci.key_bits);
        og_stmt_bind_text(ins, 10, c->ci.sig_alg);
        og_stmt_bind_int(ins, 11, c->ci.is_ca);
        og_stmt_bind_int(ins, 12, c->ci.findings);
        og_stmt_bind_text(ins, 13, info);
        og_stmt_bind_blob(ins, 14, c->der, c->len);
        og_stmt_bind_int(ins, 15, now_us);
        og_stmt_bind_int(ins, 16, now_us);
        if ((error = og_stmt_step(ins)) < 0)
            goto cleanup;
        nnew++;
    }
    for (size_t i = 0; i < b->nsightings; i++) {
        batch_sighting *s = &b->sightings[i];
        og_stmt_reset(sig);
        og_stmt_bind_text(sig, 1, tenant_id);
        og_stmt_bind_text(sig, 2, s->fp);
        og_stmt_bind_text(sig, 3, s->kind);
        og_stmt_bind_text(sig, 4, s->location);
        og_stmt_bind_text(sig, 5, s->sni);
        og_stmt_bind_int(sig, 6, s->findings);
        og_stmt_bind_text(sig, 7, s->chain);
        og_stmt_bind_text(sig, 8, s->detail);
        og_stmt_bind_int(sig, 9, now_us);
        og_stmt_bind_int(sig, 10, now_us);
        if ((error = og_stmt_step(sig)) < 0)
            goto cleanup;
    }
    if (certs_new)
        *certs_new = nnew;
    error = 0;
cleanup:
    free(info);
    og_stmt_free(sel);
    og_stmt_free(ins);
    og_stmt_free(upd);
    og_stmt_free(sig);
    return error;
}

int og_certs__trust_load_inventory(og_ctx *ctx, const char *tenant_id, og_certs_trust *t)
{
    int error = -1, rc;
    og_stmt *st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT der FROM certs WHERE tenant_id = ? AND is_ca = 1"
                                 " LIMIT 10000")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t len = 0;
        const unsigned char *p = og_stmt_col_blob(st, 0, &len);
        X509 *x = p ? d2i_X509(NULL, &p, (long)len) : NULL;
        if (!x)
            continue;
        if (!(X509_get_extension_flags(x) & EXFLAG_SS))
            og_certs__trust_add_helper(t, x);
        X509_free(x);
    }
    error = rc < 0 ? rc : 0;
    og_stmt_free(st);
    return error;
}

int og_certs__scan_end(og_ctx *ctx, const char *tenant_id, int error)
{
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        return error;
    /* Alerts are their own transaction: a failure there must not undo the inventory. */
    return og_certs_expiry_run(ctx, tenant_id, NULL);
}
