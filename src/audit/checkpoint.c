/* checkpoint.c - the installation signing key, signed checkpoints, inclusion proofs and their
 * offline verification. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows. */
static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
#define PROOF_FORMAT "opsgate-audit-inclusion-proof/1"

void og_audit__key_id(const uint8_t pub[32], char out[OG_AUDIT_KEY_ID_LEN])
{
    uint8_t h[32];
    og_crypto_sha256(pub, 32, h);
    og_hex_encode(h, 8, out);
}

/*
 * The checkpoint text that is signed, in the spirit of C2SP tlog-checkpoint: an origin line,
 * then one "name value" line per field. Keeping it line-based (not JSON) makes it easy for an
 * auditor to check with openssl and a shell.
 */
int og_audit__checkpoint_message(og_buf *out, const char *chain, int64_t size,
                                 const char *root_hex, const char *time)
{
    return og_buf_printf(out, "opsgate-audit-checkpoint/1\nchain %s\ntree-size %lld\nroot %s\n"
                              "time %s\n",
                         chain, (long long)size, root_hex, time);
}

static void key_object_id(const char *key_id, char *out, size_t size)
{
    snprintf(out, size, "audit-signing-key:%s", key_id);
}

/* The newest signing key; created (sealed in the platform scope) when there is none and create is
 * set. priv (may be NULL) receives the private key: the caller wipes it. Runs in the caller's
 * transaction. */
static int signing_key(og_ctx *ctx, int create, uint8_t *priv, uint8_t pub[32],
                       char key_id[OG_AUDIT_KEY_ID_LEN])
{
    int error = -1;
    og_stmt *st = NULL;
    uint8_t *sealed = NULL, *plain = NULL, newpriv[32];
    size_t sealed_len = 0, plain_len = 0;
    char objid[64], now[OG_TIME_LEN];
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT key_id, public_key, sealed FROM audit_key"
                                 " ORDER BY created_at DESC, key_id LIMIT 1")) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        size_t plen = 0, slen = 0;
        const void *p = og_stmt_col_blob(st, 1, &plen);
        const void *sp = og_stmt_col_blob(st, 2, &slen);
        if (plen != 32 || !og_stmt_col_text(st, 0)) {
            error = og_error_set(OG_ECORRUPT, "audit signing key: stored public key is damaged");
            goto cleanup;
        }
        memcpy(pub, p, 32);
        og_strlcpy(key_id, og_stmt_col_text(st, 0), OG_AUDIT_KEY_ID_LEN);
        if (priv) {
            key_object_id(key_id, objid, sizeof(objid));
            if ((error = og_crypto_open(ctx->keys, ctx->store, NULL, objid, sp, slen, &plain,
                                        &plain_len)) < 0) {
                og_error_wrap("opening the audit signing key");
                goto cleanup;
            }
            if (plain_len != 32) {
                error = og_error_set(OG_ECORRUPT, "audit signing key has %zu bytes", plain_len);
                goto cleanup;
            }
            memcpy(priv, plain, 32);
        }
        error = 0;
        goto cleanup;
    }
    if (!create) {
        error = og_error_set(OG_ENOTFOUND, "no audit signing key yet: nothing was checkpointed");
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_crypto_ed25519_generate(newpriv, pub)) < 0)
        goto cleanup;
    og_audit__key_id(pub, key_id);
    key_object_id(key_id, objid, sizeof(objid));
    if ((error = og_crypto_seal(ctx->keys, ctx->store, NULL, objid, newpriv, 32, &sealed,
                                &sealed_len)) < 0) {
        og_error_wrap("sealing the audit signing key");
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO audit_key (key_id, public_key, sealed, created_at)"
                                 " VALUES (?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, key_id);
    og_stmt_bind_blob(st, 2, pub, 32);
    og_stmt_bind_blob(st, 3, sealed, sealed_len);
    og_stmt_bind_text(st, 4, now);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (priv)
        memcpy(priv, newpriv, 32);
    error = 0;
cleanup:
    og_crypto_wipe(newpriv, sizeof(newpriv));
    if (plain) {
        og_crypto_wipe(plain, plain_len);
        free(plain);
    }
    free(sealed);
    og_stmt_free(st);
    return error;
}

int og_audit__pubkey_get(og_store *s, const char *key_id, uint8_t pub[32])
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, "SELECT public_key FROM audit_key WHERE key_id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, key_id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        size_t len = 0;
        const void *p = og_stmt_col_blob(st, 0, &len);
        if (len == 32) {
            memcpy(pub, p, 32);
            error = 0;
        } else {
            error = og_error_set(OG_ECORRUPT, "audit key '%s': stored public key is damaged",
                                 key_id);
        }
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "no audit signing key with id '%s'", key_id);
    }
    og_stmt_free(st);
    return error;
}

static json_t *checkpoint_json(const char *chain, int64_t size, const char *root,
                               const char *time, const char *key_id, const char *sig_b64)
{
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "chain", chain, "tree_size",
                     (json_int_t)size, "root_hash", root, "time", time, "algorithm", "ed25519",
                     "key_id", key_id, "signature", sig_b64);
}

int og_audit__checkpoint_latest(og_store *s, const char *chain, int64_t min_size, json_t **out)
{
    og_stmt *st = NULL;
    *out = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT tree_size, root, time, key_id, signature"
                                " FROM audit_checkpoint WHERE chain = ? AND tree_size >= ?"
                                " ORDER BY tree_size DESC LIMIT 1");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, min_size);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        *out = checkpoint_json(chain, og_stmt_col_int(st, 0), og_stmt_col_text(st, 1),
                               og_stmt_col_text(st, 2), og_stmt_col_text(st, 3),
                               og_stmt_col_text(st, 4));
        error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no checkpoint%s", chain,
                             min_size > 1 ? " covering that record yet" : "");
    }
    og_stmt_free(st);
    return error;
}

/* Stream the stored record hashes [begin, end) into a Merkle accumulator. When check_size > 0,
 * also compares the root at that size with check_root (the previous checkpoint), so a checkpoint
 * is never signed over a rewritten history. */
static int chain_stream(og_store *s, const char *chain, uint64_t begin, uint64_t end,
                        og_merkle_acc *acc, uint64_t check_size, const char *check_root)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT seq, hash FROM audit_record WHERE chain = ? AND seq > ?"
                                " AND seq <= ? ORDER BY seq");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, (int64_t)begin);
    og_stmt_bind_int(st, 3, (int64_t)end);
    uint64_t expect = begin + 1;
    og_audit_merkle_acc_init(acc);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        uint8_t raw[32], leaf[32];
        const char *hex = og_stmt_col_text(st, 1);
        if ((uint64_t)og_stmt_col_int(st, 0) != expect || !hex ||
            og_hex_decode(hex, raw, sizeof(raw)) != 32) {
            error = og_error_set(OG_ECORRUPT,
                                 "audit chain '%s' is damaged at seq %llu: run opsgate audit verify",
                                 chain, (unsigned long long)expect);
            goto cleanup;
        }
        og_audit_merkle_leaf(raw, 32, leaf);
        og_audit_merkle_acc_add(acc, leaf);
        if (check_size && acc->size == check_size) {
            uint8_t root[32];
            char root_hex[OG_AUDIT_HASH_HEX];
            og_audit_merkle_acc_root(acc, root);
            og_hex_encode(root, 32, root_hex);
            if (!og_streq(root_hex, check_root)) {
                error = og_error_set(OG_ECORRUPT,
                                     "audit chain '%s' no longer matches its checkpoint at tree size"
                                     " %llu: refusing to sign; run opsgate audit verify",
                                     chain, (unsigned long long)check_size);
                goto cleanup;
            }
        }
        expect++;
    }
    if (error < 0)
        goto cleanup;
    if (acc->size != end - begin) {
        error = og_error_set(OG_ECORRUPT, "audit chain '%s' has %llu records where %llu were"
                                          " expected: run opsgate audit verify",
                             chain, (unsigned long long)(begin + acc->size),
                             (unsigned long long)end);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}

int og_audit__chain_subtree(void *arg, uint64_t begin, uint64_t end, uint8_t out[32])
{
    og_audit__chain_src *src = arg;
    og_merkle_acc acc;
    int error = chain_stream(src->s, src->chain, begin, end, &acc, 0, NULL);
    if (error < 0)
        return error;
    og_audit_merkle_acc_root(&acc, out);
    return 0;
}

static int chain_length(og_store *s, const char *chain, int64_t *n)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, "SELECT max(seq) FROM audit_record WHERE chain = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    error = og_stmt_step(st);
    *n = error == OG_ROW ? og_stmt_col_int(st, 0) : 0;
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Checkpoint one chain by name, inside an open transaction. *made = 1 when a new one was signed. */
static int checkpoint_chain(og_ctx *ctx, const char *chain, json_t **out, int *made)
{
    int error = -1;
    json_t *prev = NULL;
    og_stmt *st = NULL;
    og_buf msg = {0};
    uint8_t priv[32], pub[32], root[32], sig[64];
    char key_id[OG_AUDIT_KEY_ID_LEN], root_hex[OG_AUDIT_HASH_HEX], now[OG_TIME_LEN];
    char *sig_b64 = NULL;
    int64_t n = 0, prev_size = 0;
    og_merkle_acc acc;
    *made = 0;
    og_buf_init(&msg, 4096);
    if ((error = chain_length(ctx->store, chain, &n)) < 0)
        goto cleanup;
    if (n == 0) {
        error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no records to checkpoint", chain);
        goto cleanup;
    }
    error = og_audit__checkpoint_latest(ctx->store, chain, 0, &prev);
    if (error < 0 && error != OG_ENOTFOUND)
        goto cleanup;
    if (prev) {
        prev_size = json_integer_value(json_object_get(prev, "tree_size"));
        if (prev_size >= n) {
            if (out) {
                *out = prev;
                prev = NULL;
            }
            error = 0;
            goto cleanup;
        }
    }
    if ((error = chain_stream(ctx->store, chain, 0, (uint64_t)n, &acc, (uint64_t)prev_size,
                              prev ? json_string_value(json_object_get(prev, "root_hash"))
                                   : NULL)) < 0)
        goto cleanup;
    og_audit_merkle_acc_root(&acc, root);
    og_hex_encode(root, 32, root_hex);
    og_time_format(og_time_now_us(), now);
    if ((error = signing_key(ctx, 1, priv, pub, key_id)) < 0 ||
        (error = og_audit__checkpoint_message(&msg, chain, n, root_hex, now)) < 0 ||
        (error = og_crypto_ed25519_sign(priv, msg.data, msg.len, sig)) < 0)
        goto cleanup;
    sig_b64 = og_base64_encode(sig, sizeof(sig));
    if (!sig_b64) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO audit_checkpoint (chain, tree_size, root, time, key_id,"
                                 " signature) VALUES (?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, n);
    og_stmt_bind_text(st, 3, root_hex);
    og_stmt_bind_text(st, 4, now);
    og_stmt_bind_text(st, 5, key_id);
    og_stmt_bind_text(st, 6, sig_b64);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (out && !(*out = checkpoint_json(chain, n, root_hex, now, key_id, sig_b64))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    *made = 1;
    error = 0;
cleanup:
    og_crypto_wipe(priv, sizeof(priv));
    free(sig_b64);
    og_stmt_free(st);
    og_buf_free(&msg);
    json_decref(prev);
    return error;
}

int og_audit_checkpoint(og_ctx *ctx, const char *tenant_id, json_t **out)
{
    int error, made;
    if (out)
        *out = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = checkpoint_chain(ctx, og_audit__chain_name(tenant_id), out, &made);
    if (error < 0) {
        og_store_tx_rollback(ctx->store);
        if (out) {
            json_decref(*out);
            *out = NULL;
        }
        return error;
    }
    return og_store_tx_commit(ctx->store);
}

/* Chains in name order, one index probe each: next chain after `after` (or the first). */
int og_audit__next_chain(og_store *s, const char *after, char *out, size_t size)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT min(chain) FROM (SELECT min(chain) AS chain FROM audit_record"
                                " WHERE chain > ? UNION ALL SELECT min(chain) FROM audit_checkpoint"
                                " WHERE chain > ?)");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, after ? after : "");
    og_stmt_bind_text(st, 2, after ? after : "");
    error = og_stmt_step(st);
    if (error == OG_ROW && og_stmt_col_text(st, 0)) {
        og_strlcpy(out, og_stmt_col_text(st, 0), size);
        error = 1;
    } else if (error >= 0) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

int og_audit_checkpoint_all(og_ctx *ctx, int *made)
{
    int error, total = 0;
    char chain[128] = "";
    if (made)
        *made = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    for (;;) {
        int m = 0;
        error = og_audit__next_chain(ctx->store, chain, chain, sizeof(chain));
        if (error <= 0)
            break;
        if ((error = og_store_tx_begin(ctx->store)) < 0)
            break;
        error = checkpoint_chain(ctx, chain, NULL, &m);
        if (error == OG_ENOTFOUND) {
            /* a chain with checkpoints and no records: verify reports it; nothing to sign */
            error = 0;
        }
        if (error < 0) {
            og_store_tx_rollback(ctx->store);
            break;
        }
        if ((error = og_store_tx_commit(ctx->store)) < 0)
            break;
        total += m;
    }
    if (made)
        *made = total;
    return error;
}

int og_audit_pubkey_pem(og_ctx *ctx, char **pem)
{
    int error;
    uint8_t pub[32], der[44];
    char key_id[OG_AUDIT_KEY_ID_LEN];
    char *b64 = NULL;
    og_buf out = {0};
    *pem = NULL;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = signing_key(ctx, 1, NULL, pub, key_id)) < 0) {
        og_store_tx_rollback(ctx->store);
        return error;
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        return error;
    memcpy(der, spki_prefix, sizeof(spki_prefix));
    memcpy(der + sizeof(spki_prefix), pub, 32);
    if (!(b64 = og_base64_encode(der, sizeof(der))))
        return og_error_set(OG_ERROR, "out of memory");
    og_buf_init(&out, 4096);
    error = og_buf_printf(&out, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
    free(b64);
    if (error < 0) {
        og_buf_free(&out);
        return error;
    }
    *pem = og_buf_detach(&out);
    return 0;
}

int og_audit_pubkey_parse(const char *pem, uint8_t pub[32])
{
    static const char begin[] = "-----BEGIN PUBLIC KEY-----";
    static const char end[] = "-----END PUBLIC KEY-----";
    char body[256];
    size_t n = 0;
    uint8_t *der = NULL;
    size_t der_len = 0;
    int error;
    const char *b = pem ? strstr(pem, begin) : NULL;
    const char *e = b ? strstr(b, end) : NULL;
    if (!b || !e)
        return og_error_set(OG_EINVAL, "not a PEM public key (no BEGIN/END PUBLIC KEY lines)");
    for (const char *p = b + sizeof(begin) - 1; p < e; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        if (n + 1 >= sizeof(body))
            return og_error_set(OG_EINVAL, "PEM public key is too long for an Ed25519 key");
        body[n++] = *p;
    }
    body[n] = '\0';
    if ((error = og_base64_decode(body, &der, &der_len)) < 0)
        return og_error_set(OG_EINVAL, "PEM public key: bad base64");
    if (der_len != 44 || memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0) {
        free(der);
        return og_error_set(OG_EINVAL, "PEM public key is not an Ed25519 key");
    }
    memcpy(pub, der + sizeof(spki_prefix), 32);
    free(der);
    return 0;
}

int og_audit_prove(og_ctx *ctx, const char *tenant_id, int64_t seq, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *cp = NULL, *record = NULL, *path = NULL, *doc = NULL;
    const char *chain = og_audit__chain_name(tenant_id);
    uint8_t proof[OG_MERKLE_MAX_PROOF][32], raw[32], leaf[32], root[32];
    size_t nproof = 0;
    char hash[OG_AUDIT_HASH_HEX];
    *out = NULL;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_READ)) < 0)
        return error;
    if (seq < 1)
        return og_error_set(OG_EINVAL, "sequence number %lld: must be 1 or more", (long long)seq);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record"
                                 " WHERE chain = ? AND seq = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, seq);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no record with seq %lld", chain,
                             (long long)seq);
        goto cleanup;
    }
    og_audit__row r;
    const char *stored = og_audit__row_from_stmt(&r, st);
    og_strlcpy(hash, stored ? stored : "", sizeof(hash));
    {
        /* the record must still hash to its stored hash, or the proof would vouch for a lie */
        char recomputed[OG_AUDIT_HASH_HEX];
        og_buf scratch;
        og_buf_init(&scratch, OG_AUDIT_RECORD_CAP);
        error = og_audit__row_hash(&scratch, &r, recomputed);
        og_buf_free(&scratch);
        if (error < 0 || !og_streq(recomputed, hash)) {
            error = og_error_set(OG_ECORRUPT, "audit record %lld of chain '%s' does not match its"
                                              " hash: run opsgate audit verify", (long long)seq,
                                 chain);
            goto cleanup;
        }
    }
    if (!(record = og_audit__row_json(&r, hash))) {
        error = og_error_set(OG_ECORRUPT, "audit record %lld of chain '%s' cannot be read",
                             (long long)seq, chain);
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_audit__checkpoint_latest(ctx->store, chain, 0, &cp)) < 0) {
        if (error == OG_ENOTFOUND)
            error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no checkpoint yet: run "
                                               "opsgate audit checkpoint", chain);
        goto cleanup;
    }
    int64_t size = json_integer_value(json_object_get(cp, "tree_size"));
    if (size < seq) {
        error = og_error_set(OG_ENOTFOUND, "record %lld of chain '%s' is newer than its latest "
                                           "checkpoint (tree size %lld): run opsgate audit "
                                           "checkpoint", (long long)seq, chain, (long long)size);
        goto cleanup;
    }
    og_audit__chain_src src = {ctx->store, chain};
    if ((error = og_audit_merkle_inclusion_proof(og_audit__chain_subtree, &src, (uint64_t)seq - 1,
                                                 (uint64_t)size, proof, &nproof)) < 0)
        goto cleanup;
    /* Never hand out a proof that would not verify: it means the chain was tampered with. */
    if (og_hex_decode(hash, raw, sizeof(raw)) != 32 ||
        og_hex_decode(json_string_value(json_object_get(cp, "root_hash")), root, 32) != 32) {
        error = og_error_set(OG_ECORRUPT, "audit chain '%s': stored hashes are damaged", chain);
        goto cleanup;
    }
    og_audit_merkle_leaf(raw, 32, leaf);
    if (og_audit_merkle_verify_inclusion((uint64_t)seq - 1, (uint64_t)size, leaf, 32,
                                         (const uint8_t(*)[32])proof, nproof, root, 32) < 0) {
        error = og_error_set(OG_ECORRUPT, "audit chain '%s' does not match its checkpoint at tree "
                                          "size %lld: run opsgate audit verify", chain,
                             (long long)size);
        goto cleanup;
    }
    path = json_array();
    for (size_t i = 0; path && i < nproof; i++) {
        char hex[OG_AUDIT_HASH_HEX];
        og_hex_encode(proof[i], 32, hex);
        json_array_append_new(path, json_string(hex));
    }
    doc = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:O,s:O,s:O,s:O}", "format", PROOF_FORMAT, "chain",
                    chain, "seq", (json_int_t)seq, "record_hash", hash, "leaf_index",
                    (json_int_t)(seq - 1), "tree_size", (json_int_t)size, "root_hash",
                    json_object_get(cp, "root_hash"), "proof", path, "record", record,
                    "checkpoint", cp);
    if (!doc) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    *out = doc;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(cp);
    json_decref(record);
    json_decref(path);
    return error;
}

/* ---- offline verification of a proof document ---- */

static int get_hex32(const json_t *o, const char *key, uint8_t out[32], const char *where)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        return og_error_set(OG_EINVAL, "%s: missing string field '%s'", where, key);
    if (strlen(s) != 64 || og_hex_decode(s, out, 32) != 32)
        return og_error_set(OG_EINVAL, "%s: field '%s' is not a 64-digit hex SHA-256 ('%.80s')",
                            where, key, s);
    return 0;
}

static int get_int(const json_t *o, const char *key, int64_t min, int64_t *out, const char *where)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return og_error_set(OG_EINVAL, "%s: field '%s' must be an integer >= %lld", where, key,
                            (long long)min);
    *out = json_integer_value(v);
    return 0;
}

int og_audit_proof_verify(const json_t *proof, const uint8_t pub[32])
{
    int error = -1;
    uint8_t record_hash[32], root[32], leaf[32], path[OG_MERKLE_MAX_PROOF][32], sig[64];
    uint8_t *sigraw = NULL;
    size_t siglen = 0, npath;
    int64_t seq, leaf_index, size, cp_size;
    char key_id[OG_AUDIT_KEY_ID_LEN];
    og_buf buf = {0};
    const json_t *cp, *arr, *record;
    const char *chain, *cp_chain, *cp_time, *cp_key, *cp_sig, *cp_root;
    og_buf_init(&buf, OG_AUDIT_RECORD_CAP);

    if (!json_is_object(proof) ||
        !og_streq(json_string_value(json_object_get(proof, "format")), PROOF_FORMAT)) {
        error = og_error_set(OG_EINVAL, "not an opsgate audit proof (format is not '%s')",
                             PROOF_FORMAT);
        goto cleanup;
    }
    if (!(chain = json_string_value(json_object_get(proof, "chain")))) {
        error = og_error_set(OG_EINVAL, "proof: missing string field 'chain'");
        goto cleanup;
    }
    if ((error = get_int(proof, "seq", 1, &seq, "proof")) < 0 ||
        (error = get_int(proof, "leaf_index", 0, &leaf_index, "proof")) < 0 ||
        (error = get_int(proof, "tree_size", 1, &size, "proof")) < 0 ||
        (error = get_hex32(proof, "record_hash", record_hash, "proof")) < 0 ||
        (error = get_hex32(proof, "root_hash", root, "proof")) < 0)
        goto cleanup;
    arr = json_object_get(proof, "proof");
    if (!json_is_array(arr) || json_array_size(arr) > OG_MERKLE_MAX_PROOF) {
        error = og_error_set(OG_EINVAL, "proof: field 'proof' must be an array of at most %d "
                                        "hashes", OG_MERKLE_MAX_PROOF);
        goto cleanup;
    }
    npath = json_array_size(arr);
    for (size_t i = 0; i < npath; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || strlen(s) != 64 || og_hex_decode(s, path[i], 32) != 32) {
            error = og_error_set(OG_EINVAL, "proof: hash %zu of the audit path is not 64 hex "
                                            "digits", i);
            goto cleanup;
        }
    }
    cp = json_object_get(proof, "checkpoint");
    if (!json_is_object(cp)) {
        error = og_error_set(OG_EINVAL, "proof: missing object 'checkpoint'");
        goto cleanup;
    }
    cp_chain = json_string_value(json_object_get(cp, "chain"));
    cp_time = json_string_value(json_object_get(cp, "time"));
    cp_key = json_string_value(json_object_get(cp, "key_id"));
    cp_sig = json_string_value(json_object_get(cp, "signature"));
    cp_root = json_string_value(json_object_get(cp, "root_hash"));
    if (!cp_chain || !cp_time || !cp_key || !cp_sig || !cp_root) {
        error = og_error_set(OG_EINVAL, "proof: the checkpoint needs chain, time, key_id, "
                                        "signature and root_hash");
        goto cleanup;
    }
    if ((error = get_int(cp, "tree_size", 1, &cp_size, "checkpoint")) < 0)
        goto cleanup;
    if (og_base64_decode(cp_sig, &sigraw, &siglen) < 0 || siglen != 64) {
        error = og_error_set(OG_EINVAL, "checkpoint: the signature is not 64 bytes of base64");
        goto cleanup;
    }
    memcpy(sig, sigraw, 64);

    /* From here on the document is well formed; what fails now is evidence of tampering. */
    og_audit__key_id(pub, key_id);
    if (!og_streq(cp_key, key_id)) {
        error = og_error_set(OG_ECORRUPT, "the checkpoint was signed by key %s, not by the given "
                                          "key %s", cp_key, key_id);
        goto cleanup;
    }
    if ((error = og_audit__checkpoint_message(&buf, cp_chain, cp_size, cp_root, cp_time)) < 0)
        goto cleanup;
    if (og_crypto_ed25519_verify(pub, buf.data, buf.len, sig) < 0) {
        error = og_error_set(OG_ECORRUPT, "the checkpoint signature does not verify");
        goto cleanup;
    }
    if (!og_streq(cp_chain, chain) || cp_size != size) {
        error = og_error_set(OG_ECORRUPT, "the proof is for chain '%s' size %lld but the checkpoint"
                                          " is for chain '%s' size %lld", chain, (long long)size,
                             cp_chain, (long long)cp_size);
        goto cleanup;
    }
    {
        char root_hex[OG_AUDIT_HASH_HEX];
        og_hex_encode(root, 32, root_hex);
        if (!og_streq(root_hex, cp_root)) {
            error = og_error_set(OG_ECORRUPT, "the proof's root is not the checkpoint's root");
            goto cleanup;
        }
    }
    if (leaf_index != seq - 1) {
        error = og_error_set(OG_ECORRUPT, "leaf index %lld does not belong to seq %lld",
                             (long long)leaf_index, (long long)seq);
        goto cleanup;
    }
    record = json_object_get(proof, "record");
    if (record) {
        json_t *copy = NULL;
        uint8_t h[32];
        if (!json_is_object(record)) {
            error = og_error_set(OG_EINVAL, "proof: 'record' must be an object");
            goto cleanup;
        }
        if (!og_streq(json_string_value(json_object_get(record, "chain")), chain) ||
            json_integer_value(json_object_get(record, "seq")) != seq) {
            error = og_error_set(OG_ECORRUPT, "the record is not seq %lld of chain '%s'",
                                 (long long)seq, chain);
            goto cleanup;
        }
        copy = json_deep_copy(record);
        if (!copy) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        json_object_del(copy, "hash");
        og_buf_reset(&buf);
        error = og_audit__jcs(&buf, copy);
        json_decref(copy);
        if (error < 0)
            goto cleanup;
        og_crypto_sha256(buf.data, buf.len, h);
        if (memcmp(h, record_hash, 32) != 0) {
            error = og_error_set(OG_ECORRUPT, "the record's content does not hash to record_hash:"
                                              " it was changed");
            goto cleanup;
        }
    }
    og_audit_merkle_leaf(record_hash, 32, leaf);
    if ((error = og_audit_merkle_verify_inclusion((uint64_t)leaf_index, (uint64_t)size, leaf, 32,
                                                  (const uint8_t(*)[32])path, npath, root, 32)) <
        0)
        goto cleanup;
    error = 0;
cleanup:
    free(sigraw);
    og_buf_free(&buf);
    return error;
}
