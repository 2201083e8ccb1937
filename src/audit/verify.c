/* verify.c - streaming verification of every chain: record hashes, links, Merkle roots at each
 * checkpoint, checkpoint signatures and truncation. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct key_cache {
    char id[OG_AUDIT_KEY_ID_LEN];
    uint8_t pub[32];
} key_cache;

static int problem(og_audit_verify_result *res, const char *chain, int64_t seq, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* Record the first problem found (later ones are usually consequences) and return OG_ECORRUPT. */
static int problem(og_audit_verify_result *res, const char *chain, int64_t seq, const char *fmt,
                   ...)
{
    if (!res->chain[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(res->what, sizeof(res->what), fmt, ap);
        va_end(ap);
        og_strlcpy(res->chain, chain, sizeof(res->chain));
        res->bad_seq = seq;
    }
    return OG_ECORRUPT;
}

/* Check one signed checkpoint against the root computed at its size. */
static int check_checkpoint(og_store *s, og_stmt *cp, const char *chain, const uint8_t root[32],
                            key_cache *keys, og_buf *msg, og_audit_verify_result *res)
{
    int64_t size = og_stmt_col_int(cp, 0);
    const char *root_hex = og_stmt_col_text(cp, 1), *time = og_stmt_col_text(cp, 2);
    const char *key_id = og_stmt_col_text(cp, 3), *sig_b64 = og_stmt_col_text(cp, 4);
    char computed[OG_AUDIT_HASH_HEX];
    uint8_t *sig = NULL;
    size_t siglen = 0;
    int rc;
    res->checkpoints++;
    og_hex_encode(root, 32, computed);
    if (!og_streq(computed, root_hex))
        return problem(res, chain, 0,
                       "the Merkle root over records 1..%lld differs from the signed checkpoint at "
                       "tree size %lld: records were rewritten, removed or added",
                       (long long)size, (long long)size);
    if (!key_id || strlen(key_id) >= OG_AUDIT_KEY_ID_LEN || !time || !sig_b64)
        return problem(res, chain, 0, "the checkpoint at tree size %lld is damaged",
                       (long long)size);
    if (!og_streq(keys->id, key_id)) {
        if ((rc = og_audit__pubkey_get(s, key_id, keys->pub)) < 0) {
            keys->id[0] = '\0';
            if (rc == OG_ENOTFOUND || rc == OG_ECORRUPT)
                return problem(res, chain, 0, "the checkpoint at tree size %lld names signing key "
                                              "%s, which this installation does not have",
                               (long long)size, key_id);
            return rc;
        }
        og_strlcpy(keys->id, key_id, sizeof(keys->id));
    }
    og_buf_reset(msg);
    if ((rc = og_audit__checkpoint_message(msg, chain, size, root_hex, time)) < 0)
        return rc;
    if (og_base64_decode(sig_b64, &sig, &siglen) < 0 || siglen != 64 ||
        og_crypto_ed25519_verify(keys->pub, msg->data, msg->len, sig) < 0) {
        free(sig);
        return problem(res, chain, 0, "the signature of the checkpoint at tree size %lld does not "
                                      "verify with key %s", (long long)size, key_id);
    }
    free(sig);
    return 0;
}

static int verify_chain(og_store *s, const char *chain, og_audit_verify_result *res)
{
    int error = -1, cprc = 0;
    og_stmt *st = NULL, *cp = NULL;
    og_buf scratch = {0}, msg = {0};
    og_merkle_acc acc;
    key_cache keys = {{0}, {0}};
    char prev[OG_AUDIT_HASH_HEX], hash[OG_AUDIT_HASH_HEX];
    int64_t expect = 1;
    og_buf_init(&scratch, OG_AUDIT_RECORD_CAP);
    og_buf_init(&msg, 4096);
    og_audit_merkle_acc_init(&acc);
    memset(prev, '0', 64);
    prev[64] = '\0';
    res->chains++;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = ?"
                                 " ORDER BY seq")) < 0 ||
        (error = og_stmt_prepare(&cp, s,
                                 "SELECT tree_size, root, time, key_id, signature FROM"
                                 " audit_checkpoint WHERE chain = ? ORDER BY tree_size")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(cp, 1, chain);
    if ((cprc = og_stmt_step(cp)) < 0) {
        error = cprc;
        goto cleanup;
    }
    while ((error = og_stmt_step(st)) == OG_ROW) {
        og_audit__row r;
        const char *stored = og_audit__row_from_stmt(&r, st);
        uint8_t raw[32], leaf[32];
        res->records++;
        if (r.seq != expect) {
            error = problem(res, chain, expect,
                            "record seq %lld is missing (the next record is seq %lld): records "
                            "were removed", (long long)expect, (long long)r.seq);
            goto cleanup;
        }
        if (!og_streq(r.prev_hash, prev)) {
            error = problem(res, chain, r.seq,
                            "prev_hash does not match the hash of record %lld: the chain is broken "
                            "here (a record was inserted, removed or moved)",
                            (long long)r.seq - 1);
            goto cleanup;
        }
        if (og_audit__row_hash(&scratch, &r, hash) < 0 || !og_streq(hash, stored)) {
            error = problem(res, chain, r.seq,
                            "the record's content does not match its hash: it was changed");
            goto cleanup;
        }
        og_hex_decode(hash, raw, sizeof(raw));
        og_audit_merkle_leaf(raw, 32, leaf);
        og_audit_merkle_acc_add(&acc, leaf);
        while (cprc == OG_ROW && (uint64_t)og_stmt_col_int(cp, 0) <= acc.size) {
            uint8_t root[32];
            if ((uint64_t)og_stmt_col_int(cp, 0) < acc.size) {
                error = problem(res, chain, 0, "checkpoint with tree size %lld is invalid",
                                (long long)og_stmt_col_int(cp, 0));
                goto cleanup;
            }
            og_audit_merkle_acc_root(&acc, root);
            if ((error = check_checkpoint(s, cp, chain, root, &keys, &msg, res)) < 0)
                goto cleanup;
            if ((cprc = og_stmt_step(cp)) < 0) {
                error = cprc;
                goto cleanup;
            }
        }
        memcpy(prev, hash, sizeof(prev));
        expect++;
    }
    if (error < 0)
        goto cleanup;
    if (cprc == OG_ROW) {
        /* A signed checkpoint covers more records than exist: the tail was cut off. The latest
         * checkpoint is the one that matters for the message. */
        int64_t covered = og_stmt_col_int(cp, 0);
        while ((cprc = og_stmt_step(cp)) == OG_ROW)
            covered = og_stmt_col_int(cp, 0);
        error = problem(res, chain, expect,
                        "the chain ends at seq %lld but its signed checkpoint covers %lld records: "
                        "records from seq %lld on were removed",
                        (long long)expect - 1, (long long)covered, (long long)expect);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    og_stmt_free(cp);
    og_buf_free(&scratch);
    og_buf_free(&msg);
    return error;
}

int og_audit_verify(og_ctx *ctx, const char *tenant_id, og_audit_verify_result *res)
{
    int error = 0, rc;
    char chain[128] = "";
    memset(res, 0, sizeof(*res));
    if (tenant_id && tenant_id[0]) {
        if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_READ)) < 0)
            return error;
        error = verify_chain(ctx->store, tenant_id, res);
    } else {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
        /* every chain, even when an earlier one is broken: the counts cover the whole trail */
        while ((rc = og_audit__next_chain(ctx->store, chain, chain, sizeof(chain))) > 0) {
            int e = verify_chain(ctx->store, chain, res);
            if (e < 0 && e != OG_ECORRUPT)
                return e;
            if (e < 0)
                error = e;
        }
        if (rc < 0)
            return rc;
    }
    if (error == OG_ECORRUPT)
        return og_error_set(OG_ECORRUPT, "audit chain '%s' is broken at seq %lld: %s", res->chain,
                            (long long)res->bad_seq, res->what);
    return error;
}
