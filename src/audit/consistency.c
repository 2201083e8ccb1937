/* consistency.c - what witnesses and monitors read: a chain's latest signed checkpoint and the
 * consistency proof between two of its sizes (base64 hashes, RFC 9162 order). */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

int og_audit_checkpoint_public(og_ctx *ctx, const char *tenant_id, json_t **out)
{
    int error;
    *out = NULL;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_CHECKPOINTS)) < 0)
        return error;
    return og_audit__checkpoint_latest(ctx->store, og_audit__chain_name(tenant_id), 0, out);
}

/* The chain's checkpoint at exactly `size`, as JSON with its note; NULL when none. */
static int checkpoint_at(og_store *s, const char *chain, int64_t size, json_t **out)
{
    json_t *cp = NULL;
    og_audit__cp c;
    int error;
    *out = NULL;
    if ((error = og_audit__checkpoint_latest(s, chain, size, &cp)) == OG_ENOTFOUND) {
        og_error_clear();
        return 0;
    }
    if (error < 0)
        return error;
    /* the latest one of at least that size: the one at that size is asked for */
    if (json_integer_value(json_object_get(cp, "tree_size")) == size)
        *out = cp;
    else {
        json_decref(cp);
        og_stmt *st = NULL;
        if ((error = og_stmt_prepare_args(&st, s,
                                          "SELECT tree_size, root, time, key_id, signature, origin"
                                          " FROM audit_checkpoint WHERE chain = ? AND"
                                          " tree_size = ?",
                                          "ti", chain, size)) < 0)
            return error;
        if ((error = og_stmt_step(st)) == OG_ROW) {
            og_audit__cp_from_row(st, &c);
            *out = og_audit__cp_json_note(s, chain, &c);
            error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
        }
        og_stmt_free(st);
        if (error < 0)
            return error;
    }
    return 0;
}

int og_audit_consistency(og_ctx *ctx, const char *tenant_id, int64_t from, int64_t to, json_t **out)
{
    int error;
    const char *chain = og_audit__chain_name(tenant_id);
    json_t *latest = NULL, *at = NULL, *path = NULL;
    uint8_t proof[OG_MERKLE_MAX_PROOF][32];
    size_t n = 0;
    *out = NULL;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_CHECKPOINTS)) < 0)
        return error;
    if ((error = og_audit__checkpoint_latest(ctx->store, chain, 0, &latest)) < 0)
        return error;
    int64_t max = json_integer_value(json_object_get(latest, "tree_size"));
    if (to == 0)
        to = max;
    if (from < 0 || to < 1 || from > to || to > max) {
        error = og_error_set(OG_EINVAL,
                             "consistency from %lld to %lld: the sizes must satisfy 0 <= from <="
                             " to <= %lld (the latest checkpoint's)",
                             (long long)from, (long long)to, (long long)max);
        goto cleanup;
    }
    og_audit__chain_src src = {ctx->store, chain};
    if (from > 0 && from < to &&
        (error = og_audit_merkle_consistency_proof(og_audit__chain_subtree, &src, (uint64_t)from,
                                                   (uint64_t)to, proof, &n)) < 0)
        goto cleanup;
    if ((error = checkpoint_at(ctx->store, chain, to, &at)) < 0)
        goto cleanup;
    if (!(path = json_array())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        char *b64 = og_base64_encode(proof[i], 32);
        if (!b64 || json_array_append_new(path, json_string(b64)) < 0) {
            free(b64);
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        free(b64);
    }
    *out =
        json_pack("{s:s,s:O?,s:I,s:I,s:O,s:O?}", "chain", chain, "origin",
                  json_object_get(latest, "origin"), "from", (json_int_t)from, "to", (json_int_t)to,
                  "proof", path, "checkpoint", at ? json_object_get(at, "note") : NULL);
    error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
cleanup:
    json_decref(latest);
    json_decref(at);
    json_decref(path);
    return error;
}
