/* proof.c - inclusion proofs of one record against a signed checkpoint, and their offline
 * verification. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROOF_FORMAT   "opsgate-audit-inclusion-proof/1" /* hex hashes, opsgate checkpoint */
#define PROOF_FORMAT_2 "opsgate-audit-inclusion-proof/2" /* base64 hashes, C2SP signed note */

/* The proof document: format 2 (base64 hashes, the signed note) for a C2SP checkpoint, else
 * format 1 (hex hashes, the checkpoint object). NULL when out of memory. */
static json_t *proof_doc(const char *chain, int64_t seq, const char *hash, int64_t size,
                         const uint8_t root[32], uint8_t (*proof)[32], size_t nproof,
                         json_t *record, json_t *cp)
{
    json_t *doc = NULL, *path = NULL;
    const char *note = json_string_value(json_object_get(cp, "note"));
    path = json_array();
    for (size_t i = 0; path && i < nproof; i++) {
        char hex[OG_AUDIT_HASH_HEX], *b64 = note ? og_base64_encode(proof[i], 32) : NULL;
        og_hex_encode(proof[i], 32, hex);
        json_array_append_new(path, json_string(note ? (b64 ? b64 : "") : hex));
        free(b64);
    }
    if (note) {
        /* a C2SP checkpoint: the signed note itself, hashes in base64 as in the note, the path
         * in RFC 9162 order (from the leaf's sibling up) */
        char *root_b64 = og_base64_encode(root, 32);
        doc = root_b64
                  ? json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:O,s:O,s:s,s:O}", "format",
                              PROOF_FORMAT_2, "chain", chain, "seq", (json_int_t)seq, "record_hash",
                              hash, "leaf_index", (json_int_t)(seq - 1), "tree_size",
                              (json_int_t)size, "root_hash", root_b64, "proof", path, "record",
                              record, "checkpoint", note, "origin", json_object_get(cp, "origin"))
                  : NULL;
        free(root_b64);
    } else {
        doc = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:O,s:O,s:O,s:O}", "format", PROOF_FORMAT,
                        "chain", chain, "seq", (json_int_t)seq, "record_hash", hash, "leaf_index",
                        (json_int_t)(seq - 1), "tree_size", (json_int_t)size, "root_hash",
                        json_object_get(cp, "root_hash"), "proof", path, "record", record,
                        "checkpoint", cp);
    }
    json_decref(path);
    return doc;
}

int og_audit_prove(og_ctx *ctx, const char *tenant_id, int64_t seq, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *cp = NULL, *record = NULL, *doc = NULL;
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
            error = og_error_set(OG_ECORRUPT,
                                 "audit record %lld of chain '%s' does not match its"
                                 " hash",
                                 (long long)seq, chain);
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
        if (error == OG_ENOTFOUND) {
            error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no checkpoint yet", chain);
            og_error_set_detail(OG_AUDIT_DETAIL_NO_CHECKPOINT);
        }
        goto cleanup;
    }
    int64_t size = json_integer_value(json_object_get(cp, "tree_size"));
    if (size < seq) {
        error = og_error_set(OG_ENOTFOUND,
                             "record %lld of chain '%s' is newer than its latest "
                             "checkpoint (tree size %lld)",
                             (long long)seq, chain, (long long)size);
        og_error_set_detail(OG_AUDIT_DETAIL_NO_CHECKPOINT);
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
        error = og_error_set(OG_ECORRUPT,
                             "audit chain '%s' does not match its checkpoint at tree "
                             "size %lld",
                             chain, (long long)size);
        goto cleanup;
    }
    doc = proof_doc(chain, seq, hash, size, root, proof, nproof, record, cp);
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

/* The audit path of the proof document: at most OG_MERKLE_MAX_PROOF hex hashes. */
static int path_parse(const json_t *proof, uint8_t path[OG_MERKLE_MAX_PROOF][32], size_t *npath)
{
    const json_t *arr = json_object_get(proof, "proof");
    if (!json_is_array(arr) || json_array_size(arr) > OG_MERKLE_MAX_PROOF)
        return og_error_set(OG_EINVAL,
                            "proof: field 'proof' must be an array of at most %d "
                            "hashes",
                            OG_MERKLE_MAX_PROOF);
    *npath = json_array_size(arr);
    for (size_t i = 0; i < *npath; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || strlen(s) != 64 || og_hex_decode(s, path[i], 32) != 32)
            return og_error_set(OG_EINVAL,
                                "proof: hash %zu of the audit path is not 64 hex "
                                "digits",
                                i);
    }
    return 0;
}

/* The proof's checkpoint: well formed (OG_EINVAL), then signed by pub and for the proof's chain,
 * size and root (OG_ECORRUPT: evidence of tampering). */
static int checkpoint_verify(const json_t *proof, const uint8_t pub[32], const char *chain,
                             int64_t size, const uint8_t root[32])
{
    const json_t *cp = json_object_get(proof, "checkpoint");
    const char *cp_chain, *cp_time, *cp_key, *cp_sig, *cp_root;
    char key_id[OG_AUDIT_KEY_ID_LEN], root_hex[OG_AUDIT_HASH_HEX];
    uint8_t sig[64], *sigraw = NULL;
    size_t siglen = 0;
    int64_t cp_size;
    og_buf buf;
    int error;
    og_buf_init(&buf, OG_AUDIT_RECORD_CAP);
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
        error = og_error_set(OG_ECORRUPT,
                             "the checkpoint was signed by key %s, not by the given "
                             "key %s",
                             cp_key, key_id);
        goto cleanup;
    }
    if ((error = og_audit__checkpoint_message(&buf, cp_chain, cp_size, cp_root, cp_time)) < 0)
        goto cleanup;
    if (og_crypto_ed25519_verify(pub, buf.data, buf.len, sig) < 0) {
        error = og_error_set(OG_ECORRUPT, "the checkpoint signature does not verify");
        goto cleanup;
    }
    if (!og_streq(cp_chain, chain) || cp_size != size) {
        error = og_error_set(OG_ECORRUPT,
                             "the proof is for chain '%s' size %lld but the checkpoint"
                             " is for chain '%s' size %lld",
                             chain, (long long)size, cp_chain, (long long)cp_size);
        goto cleanup;
    }
    og_hex_encode(root, 32, root_hex);
    if (!og_streq(root_hex, cp_root))
        error = og_error_set(OG_ECORRUPT, "the proof's root is not the checkpoint's root");
cleanup:
    free(sigraw);
    og_buf_free(&buf);
    return error;
}

/* The record the proof carries (optional): seq of chain, and its content hashes to
 * record_hash. */
static int record_verify(const json_t *record, const char *chain, int64_t seq,
                         const uint8_t record_hash[32])
{
    json_t *copy = NULL;
    uint8_t h[32];
    og_buf buf;
    int error;
    if (!record)
        return 0;
    if (!json_is_object(record))
        return og_error_set(OG_EINVAL, "proof: 'record' must be an object");
    if (!og_streq(json_string_value(json_object_get(record, "chain")), chain) ||
        json_integer_value(json_object_get(record, "seq")) != seq)
        return og_error_set(OG_ECORRUPT, "the record is not seq %lld of chain '%s'", (long long)seq,
                            chain);
    if (!(copy = json_deep_copy(record)))
        return og_error_set(OG_ERROR, "out of memory");
    json_object_del(copy, "hash");
    og_buf_init(&buf, OG_AUDIT_RECORD_CAP);
    error = og_audit__jcs(&buf, copy);
    json_decref(copy);
    if (error == 0) {
        og_crypto_sha256(buf.data, buf.len, h);
        if (memcmp(h, record_hash, 32) != 0)
            error = og_error_set(OG_ECORRUPT, "the record's content does not hash to record_hash:"
                                              " it was changed");
    }
    og_buf_free(&buf);
    return error;
}

/* A base64 SHA-256 (format 2) into out. */
static int get_b64_32(const char *s, uint8_t out[32], const char *what)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    int ok = s && og_base64_decode(s, &raw, &n) == 0 && n == 32;
    if (ok)
        memcpy(out, raw, 32);
    free(raw);
    return ok ? 0 : og_error_set(OG_EINVAL, "proof: %s is not a base64 SHA-256", what);
}

/* Format 2: the checkpoint is a C2SP signed note of origin "<key name>/<chain>", signed by pub
 * under that key name; its size and root must be the proof's. */
static int note_verify(const json_t *proof, const uint8_t pub[32], const char *chain, int64_t size,
                       const uint8_t root[32])
{
    const char *note = json_string_value(json_object_get(proof, "checkpoint"));
    char origin[OG_AUDIT_ORIGIN_MAX], name[OG_AUDIT_NOTE_NAME_MAX], size_s[24], root_s[64];
    size_t body_len = 0, len;
    og_audit__vkey k;
    uint8_t cp_root[32];
    int error;
    if (!note)
        return og_error_set(OG_EINVAL, "proof: 'checkpoint' must be the signed note (a string)");
    len = strlen(note);
    if ((error = og_audit__note_split(note, len, &body_len)) < 0)
        return og_error_wrap("proof: checkpoint"); /* OG_EINVAL */
    if (sscanf(note, "%191[^\n]\n%23[0-9]\n%63[A-Za-z0-9+/=]\n", origin, size_s, root_s) != 3)
        return og_error_set(OG_EINVAL, "proof: the checkpoint is not origin, size and root lines");
    if ((error = get_b64_32(root_s, cp_root, "the checkpoint's root")) < 0)
        return error;
    /* From here on the document is well formed; what fails now is evidence of tampering. */
    if (og_audit__origin_name(origin, chain, name, sizeof(name)) < 0)
        return og_error_set(OG_ECORRUPT, "the checkpoint's origin '%s' is not of chain '%s'",
                            origin, chain);
    memset(&k, 0, sizeof(k));
    og_strlcpy(k.name, name, sizeof(k.name));
    k.type = OG_NOTE_ED25519;
    memcpy(k.pub, pub, 32);
    k.hash = og_audit__note_key_hash(name, OG_NOTE_ED25519, pub);
    if ((error = og_audit__note_check(&k, note, body_len, note + body_len + 1, len - body_len - 1,
                                      NULL)) < 0) {
        char m[256];
        og_strlcpy(m, og_error_last(), sizeof(m)); /* not formatted into itself */
        return og_error_set(OG_ECORRUPT, "the checkpoint is not signed by the given key (%s)", m);
    }
    if (strtoll(size_s, NULL, 10) != size)
        return og_error_set(OG_ECORRUPT,
                            "the proof is for tree size %lld but the checkpoint for size %s",
                            (long long)size, size_s);
    if (memcmp(cp_root, root, 32) != 0)
        return og_error_set(OG_ECORRUPT, "the proof's root is not the checkpoint's root");
    return 0;
}

/* Format 2's fields: base64 root and path. */
static int v2_parse(const json_t *proof, uint8_t root[32], uint8_t path[OG_MERKLE_MAX_PROOF][32],
                    size_t *npath)
{
    const json_t *arr = json_object_get(proof, "proof");
    int error;
    char what[48];
    if ((error = get_b64_32(json_string_value(json_object_get(proof, "root_hash")), root,
                            "field 'root_hash'")) < 0)
        return error;
    if (!json_is_array(arr) || json_array_size(arr) > OG_MERKLE_MAX_PROOF)
        return og_error_set(OG_EINVAL, "proof: field 'proof' must be an array of at most %d hashes",
                            OG_MERKLE_MAX_PROOF);
    *npath = json_array_size(arr);
    for (size_t i = 0; i < *npath; i++) {
        snprintf(what, sizeof(what), "hash %zu of the audit path", i);
        if ((error = get_b64_32(json_string_value(json_array_get(arr, i)), path[i], what)) < 0)
            return error;
    }
    return 0;
}

int og_audit_proof_verify(const json_t *proof, const uint8_t pub[32])
{
    int error;
    uint8_t record_hash[32], root[32], leaf[32], path[OG_MERKLE_MAX_PROOF][32];
    size_t npath = 0;
    int64_t seq, leaf_index, size;
    const char *chain, *format = json_string_value(json_object_get(proof, "format"));
    int v2 = og_streq(format, PROOF_FORMAT_2);
    if (!json_is_object(proof) || !(v2 || og_streq(format, PROOF_FORMAT)))
        return og_error_set(OG_EINVAL, "not an opsgate audit proof (format is not '%s' or '%s')",
                            PROOF_FORMAT_2, PROOF_FORMAT);
    if (!(chain = json_string_value(json_object_get(proof, "chain"))))
        return og_error_set(OG_EINVAL, "proof: missing string field 'chain'");
    if ((error = get_int(proof, "seq", 1, &seq, "proof")) < 0 ||
        (error = get_int(proof, "leaf_index", 0, &leaf_index, "proof")) < 0 ||
        (error = get_int(proof, "tree_size", 1, &size, "proof")) < 0 ||
        (error = get_hex32(proof, "record_hash", record_hash, "proof")) < 0)
        return error;
    if (v2) {
        if ((error = v2_parse(proof, root, path, &npath)) < 0 ||
            (error = note_verify(proof, pub, chain, size, root)) < 0)
            return error;
    } else if ((error = get_hex32(proof, "root_hash", root, "proof")) < 0 ||
               (error = path_parse(proof, path, &npath)) < 0 ||
               (error = checkpoint_verify(proof, pub, chain, size, root)) < 0) {
        return error;
    }
    if (leaf_index != seq - 1)
        return og_error_set(OG_ECORRUPT, "leaf index %lld does not belong to seq %lld",
                            (long long)leaf_index, (long long)seq);
    if ((error = record_verify(json_object_get(proof, "record"), chain, seq, record_hash)) < 0)
        return error;
    og_audit_merkle_leaf(record_hash, 32, leaf);
    if ((error = og_audit_merkle_verify_inclusion((uint64_t)leaf_index, (uint64_t)size, leaf, 32,
                                                  (const uint8_t(*)[32])path, npath, root, 32)) < 0)
        return error;
    return 0;
}
