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

/* Record the first problem found (later ones are usually consequences) and return OG_ECORRUPT. */
int og_audit__problem(og_audit_verify_result *res, const char *chain, int64_t seq, const char *fmt,
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
        return og_audit__problem(
            res, chain, 0,
            "the Merkle root over records 1..%lld differs from the signed checkpoint at "
            "tree size %lld: records were rewritten, removed or added",
            (long long)size, (long long)size);
    if (!key_id || strlen(key_id) >= OG_AUDIT_KEY_ID_LEN || !time || !sig_b64)
        return og_audit__problem(res, chain, 0, "the checkpoint at tree size %lld is damaged",
                                 (long long)size);
    if (!og_streq(keys->id, key_id)) {
        if ((rc = og_audit__pubkey_get(s, key_id, keys->pub)) < 0) {
            keys->id[0] = '\0';
            if (rc == OG_ENOTFOUND || rc == OG_ECORRUPT)
                return og_audit__problem(res, chain, 0,
                                         "the checkpoint at tree size %lld names signing key "
                                         "%s, which this installation does not have",
                                         (long long)size, key_id);
            return rc;
        }
        og_strlcpy(keys->id, key_id, sizeof(keys->id));
    }
    og_buf_reset(msg);
    og_audit__cp c;
    memset(&c, 0, sizeof(c));
    c.size = size;
    og_strlcpy(c.root, root_hex, sizeof(c.root));
    og_strlcpy(c.time, time, sizeof(c.time));
    og_strlcpy(c.origin, og_stmt_col_text(cp, 5) ? og_stmt_col_text(cp, 5) : "", sizeof(c.origin));
    if ((rc = og_audit__cp_message(msg, chain, &c)) < 0) {
        if (rc != OG_ECORRUPT)
            return rc;
        og_error_clear();
        return og_audit__problem(res, chain, 0,
                                 "the checkpoint at tree size %lld has origin '%s', which does"
                                 " not name this chain",
                                 (long long)size, c.origin);
    }
    if (og_base64_decode(sig_b64, &sig, &siglen) < 0 || siglen != 64 ||
        og_crypto_ed25519_verify(keys->pub, msg->data, msg->len, sig) < 0) {
        free(sig);
        return og_audit__problem(res, chain, 0,
                                 "the signature of the checkpoint at tree size %lld does not "
                                 "verify with key %s",
                                 (long long)size, key_id);
    }
    free(sig);
    return 0;
}

/* At the end of a chain: a checkpoint still unread covers more records than exist. */
static int check_tail(og_stmt *cp, int cprc, const char *chain, int64_t expect,
                      og_audit_verify_result *res)
{
    if (cprc != OG_ROW)
        return 0;
    /* The tail was cut off. The latest checkpoint is the one that matters for the message. */
    int64_t covered = og_stmt_col_int(cp, 0);
    while ((cprc = og_stmt_step(cp)) == OG_ROW)
        covered = og_stmt_col_int(cp, 0);
    return og_audit__problem(res, chain, expect,
                             "the chain ends at seq %lld but its signed checkpoint covers %lld "
                             "records: records from seq %lld on were removed",
                             (long long)expect - 1, (long long)covered, (long long)expect);
}

/* The records of one chain come through the pipeline p with their hashes recomputed (on the
 * workers); here, in chain order: the sequence, the links, the Merkle root at each checkpoint. */
static int verify_chain(og_store *s, og_audit__vpipe *p, const char *chain,
                        og_audit_verify_result *res)
{
    int error = -1, cprc = 0;
    og_stmt *st = NULL, *cp = NULL;
    og_buf msg = {0};
    og_merkle_acc acc;
    key_cache keys = {{0}, {0}};
    char prev[OG_AUDIT_HASH_HEX];
    int64_t expect = 1;
    og_audit__vrow v;
    og_buf_init(&msg, 4096);
    og_audit_merkle_acc_init(&acc);
    memset(prev, '0', 64);
    prev[64] = '\0';
    res->chains++;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = ?"
                                 " ORDER BY seq")) < 0 ||
        (error = og_stmt_prepare(&cp, s,
                                 "SELECT tree_size, root, time, key_id, signature, origin FROM"
                                 " audit_checkpoint WHERE chain = ? ORDER BY tree_size")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(cp, 1, chain);
    if ((cprc = og_stmt_step(cp)) < 0) {
        error = cprc;
        goto cleanup;
    }
    og_audit__vpipe_begin(p, st);
    while ((error = og_audit__vpipe_next(p, &v)) == OG_ROW) {
        res->records++;
        if (v.seq != expect) {
            error = og_audit__problem(
                res, chain, expect,
                "record seq %lld is missing (the next record is seq %lld): records "
                "were removed",
                (long long)expect, (long long)v.seq);
            goto cleanup;
        }
        if (!og_streq(v.prev_hash, prev)) {
            error = og_audit__problem(
                res, chain, v.seq,
                "prev_hash does not match the hash of record %lld: the chain is broken "
                "here (a record was inserted, removed or moved)",
                (long long)v.seq - 1);
            goto cleanup;
        }
        if (!v.hash_ok) {
            error = og_audit__problem(
                res, chain, v.seq, "the record's content does not match its hash: it was changed");
            goto cleanup;
        }
        og_audit_merkle_acc_add(&acc, v.leaf);
        while (cprc == OG_ROW && (uint64_t)og_stmt_col_int(cp, 0) <= acc.size) {
            uint8_t root[32];
            if ((uint64_t)og_stmt_col_int(cp, 0) < acc.size) {
                error =
                    og_audit__problem(res, chain, 0, "checkpoint with tree size %lld is invalid",
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
        og_strlcpy(prev, v.hash, sizeof(prev));
        expect++;
    }
    if (error < 0)
        goto cleanup;
    error = check_tail(cp, cprc, chain, expect, res);
cleanup:
    og_audit__vpipe_end(p);
    og_stmt_free(st);
    og_stmt_free(cp);
    og_buf_free(&msg);
    return error;
}

/* ---- the trail across chains ---- */

static int cp_record_parse(og_stmt *rec, og_audit__cp *cp)
{
    json_t *a = og_stmt_col_text(rec, 1) ? json_loads(og_stmt_col_text(rec, 1), 0, NULL) : NULL;
    int rc = a ? og_audit__cp_from_json(a, cp) : OG_EINVAL;
    json_decref(a);
    og_error_clear();
    return rc;
}

static int same_cp(const og_audit__cp *a, const og_audit__cp *b)
{
    return a->size == b->size && og_streq(a->root, b->root) && og_streq(a->time, b->time) &&
           og_streq(a->key_id, b->key_id) && og_streq(a->sig, b->sig) &&
           og_streq(a->origin, b->origin);
}

/* The checkpoints the adoption lists for chain come first, each the same (by hash); *crc steps
 * past them. */
static int adopted_checkpoints(og_stmt *cp, int *crc, const char *chain,
                               const og_audit__adoption *ad, og_audit_verify_result *res)
{
    int64_t size;
    const char *hash;
    for (size_t i = 0; *crc >= 0 && og_audit__adopted_cp(ad, chain, i, &size, &hash) == 1; i++) {
        og_audit__cp a = {0};
        char mine[OG_AUDIT_HASH_HEX];
        int error;
        if (*crc != OG_ROW || og_stmt_col_int(cp, 0) > size)
            return og_audit__problem(res, chain, 0,
                                     "the checkpoint at tree size %lld, adopted at platform seq"
                                     " %lld, is missing: checkpoints were removed",
                                     (long long)size, (long long)og_audit__adoption_seq(ad));
        a.size = og_stmt_col_int(cp, 0); /* the signed fields: what the adoption hashed */
        og_strlcpy(a.root, og_stmt_col_text(cp, 1) ? og_stmt_col_text(cp, 1) : "", sizeof(a.root));
        og_strlcpy(a.time, og_stmt_col_text(cp, 2) ? og_stmt_col_text(cp, 2) : "", sizeof(a.time));
        og_strlcpy(a.key_id, og_stmt_col_text(cp, 3) ? og_stmt_col_text(cp, 3) : "",
                   sizeof(a.key_id));
        og_strlcpy(a.sig, og_stmt_col_text(cp, 4) ? og_stmt_col_text(cp, 4) : "", sizeof(a.sig));
        if ((error = og_audit__cp_hash(chain, &a, mine)) < 0)
            return error;
        if (a.size != size || !og_streq(mine, hash))
            return og_audit__problem(
                res, chain, 0,
                "the checkpoint at tree size %lld is not the one adopted at platform seq %lld"
                " (tree size %lld): it was added or replaced",
                (long long)a.size, (long long)og_audit__adoption_seq(ad), (long long)size);
        *crc = og_stmt_step(cp);
    }
    return *crc < 0 ? *crc : 0;
}

/*
 * Every checkpoint of `chain` has its audit.checkpoint record in the platform chain and every
 * such record its checkpoint: both ordered by tree size, merged in one pass. The platform chain's
 * checkpoint at size n is recorded by its record n + 1.
 */
static int cross_checkpoints(og_store *s, const char *chain, const og_audit__adoption *ad,
                             og_audit_verify_result *res)
{
    og_stmt *cp = NULL, *rec = NULL;
    int error, crc, rrc, platform = og_streq(chain, OG_AUDIT_PLATFORM_CHAIN);
    if ((error = og_stmt_prepare_args(&cp, s,
                                      "SELECT tree_size, root, time, key_id, signature, origin FROM"
                                      " audit_checkpoint WHERE chain = ? ORDER BY tree_size",
                                      "t", chain)) < 0 ||
        (error = og_stmt_prepare_args(&rec, s,
                                      "SELECT seq, analysis FROM audit_record WHERE chain ="
                                      " 'platform' AND action = 'audit.checkpoint' AND"
                                      " target_id = ? ORDER BY seq",
                                      "t", chain)) < 0)
        goto cleanup;
    crc = og_stmt_step(cp);
    rrc = og_stmt_step(rec);
    /* The oldest checkpoints of an adopted trail have no records: exactly those it lists. */
    if ((error = adopted_checkpoints(cp, &crc, chain, ad, res)) < 0)
        goto cleanup;
    for (;;) {
        og_audit__cp a = {0}, b = {0};
        int64_t rseq = 0;
        if (crc < 0 || rrc < 0) {
            error = crc < 0 ? crc : rrc;
            goto cleanup;
        }
        if (crc != OG_ROW && rrc != OG_ROW)
            break;
        if (crc == OG_ROW)
            og_audit__cp_from_row(cp, &a);
        if (rrc == OG_ROW) {
            rseq = og_stmt_col_int(rec, 0);
            if (cp_record_parse(rec, &b) < 0) {
                error = og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, rseq,
                                          "the audit.checkpoint record of chain '%s' is damaged",
                                          chain);
                goto cleanup;
            }
            if (platform && rseq != b.size + 1) {
                error = og_audit__problem(
                    res, OG_AUDIT_PLATFORM_CHAIN, rseq,
                    "the record of the platform chain's checkpoint at tree size %lld"
                    " must be record %lld: records were moved",
                    (long long)b.size, (long long)b.size + 1);
                goto cleanup;
            }
        }
        if (rrc != OG_ROW || (crc == OG_ROW && a.size < b.size)) {
            error = og_audit__problem(
                res, chain, 0,
                "the checkpoint at tree size %lld has no audit.checkpoint record in the"
                " platform chain: it was added, or its record removed",
                (long long)a.size);
            goto cleanup;
        }
        if (crc != OG_ROW || b.size < a.size) {
            error = og_audit__problem(
                res, chain, 0,
                "the platform chain records a checkpoint at tree size %lld (platform"
                " seq %lld) that is missing: checkpoints were removed",
                (long long)b.size, (long long)rseq);
            goto cleanup;
        }
        if (!same_cp(&a, &b)) {
            error = og_audit__problem(
                res, chain, 0,
                "the checkpoint at tree size %lld differs from the one recorded at"
                " platform seq %lld: it was replaced",
                (long long)a.size, (long long)rseq);
            goto cleanup;
        }
        crc = og_stmt_step(cp);
        rrc = og_stmt_step(rec);
    }
    error = 0;
cleanup:
    og_stmt_free(cp);
    og_stmt_free(rec);
    return error;
}

/*
 * Every tenant.create of the platform chain (only tenant `only`'s when given) has the tenant's
 * chain, whose record 1 is the audit.chain.open naming that platform record. A tenant deleted
 * later (tenant.delete) may have none.
 */
static int cross_tenants(og_store *s, const char *only, const og_audit__adoption *ad,
                         og_audit_verify_result *res)
{
    og_stmt *cr = NULL, *first = NULL, *del = NULL;
    int error, rc;
    if ((error = og_stmt_prepare(&cr, s,
                                 "SELECT seq, target_id, hash, analysis FROM audit_record WHERE"
                                 " chain = 'platform' AND action = 'tenant.create' ORDER BY seq")) <
            0 ||
        (error =
             og_stmt_prepare(&first, s,
                             "SELECT seq, action, analysis, hash FROM audit_record WHERE chain = ?"
                             " ORDER BY seq LIMIT 1")) < 0 ||
        (error = og_stmt_prepare(&del, s,
                                 "SELECT 1 FROM audit_record WHERE chain = 'platform' AND action ="
                                 " 'tenant.delete' AND target_id = ? AND seq > ? LIMIT 1")) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(cr)) == OG_ROW) {
        int64_t cseq = og_stmt_col_int(cr, 0);
        const char *tid = og_stmt_col_text(cr, 1), *chash = og_stmt_col_text(cr, 2);
        if (!tid || (only && !og_streq(tid, only)))
            continue;
        /* A regional tenant's chain is opened in its region's database (docs/ops.md "Regions"). */
        const char *an = og_stmt_col_text(cr, 3);
        json_t *ana = an ? json_loads(an, 0, NULL) : NULL;
        int elsewhere = json_object_get(ana, OG_AUDIT_CHAIN_REGION) != NULL;
        json_decref(ana);
        if (elsewhere)
            continue;
        og_stmt_reset(first);
        og_stmt_bind_text(first, 1, tid);
        if ((rc = og_stmt_step(first)) < 0) {
            error = rc;
            goto cleanup;
        }
        if (rc == OG_DONE) {
            og_stmt_reset(del);
            og_stmt_bind_text(del, 1, tid);
            og_stmt_bind_int(del, 2, cseq);
            if ((rc = og_stmt_step(del)) < 0) {
                error = rc;
                goto cleanup;
            }
            if (rc == OG_ROW)
                continue;
            error = og_audit__problem(
                res, tid, 1,
                "the platform chain records tenant.create of this tenant at seq %lld,"
                " but the tenant's chain is missing: it was deleted",
                (long long)cseq);
            goto cleanup;
        }
        json_t *a =
            og_stmt_col_text(first, 2) ? json_loads(og_stmt_col_text(first, 2), 0, NULL) : NULL;
        int ok = og_stmt_col_int(first, 0) == 1 &&
                 og_streq(og_stmt_col_text(first, 1), OG_AUDIT_ACT_CHAIN_OPEN) &&
                 json_integer_value(json_object_get(a, "platform_seq")) == cseq &&
                 og_streq(json_string_value(json_object_get(a, "platform_hash")), chash);
        json_decref(a);
        /* an adopted trail: the chain began before audit.chain.open existed */
        if (!ok && og_stmt_col_int(first, 0) == 1 &&
            og_audit__adopted_start(ad, tid, og_stmt_col_text(first, 3)))
            ok = 1;
        if (!ok) {
            error = og_audit__problem(
                res, tid, og_stmt_col_int(first, 0),
                "the tenant's chain does not begin with the audit.chain.open record of"
                " its tenant.create (platform seq %lld): it was replaced",
                (long long)cseq);
            goto cleanup;
        }
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(cr);
    og_stmt_free(first);
    og_stmt_free(del);
    return error;
}

/* Every signing key is recorded by an audit.key.register record of the platform chain with the
 * same public key, and every such record has its key. */
static int cross_keys(og_store *s, const og_audit__adoption *ad, og_audit_verify_result *res)
{
    og_stmt *k = NULL, *rec = NULL;
    int error, rc;
    int64_t nkeys = 0, nrecs = 0;
    if ((error = og_stmt_prepare(&k, s, "SELECT key_id, public_key FROM audit_key")) < 0 ||
        (error = og_stmt_prepare(&rec, s,
                                 "SELECT seq, analysis FROM audit_record WHERE chain = 'platform'"
                                 " AND action = 'audit.key.register' AND target_id = ?"
                                 " ORDER BY seq")) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(k)) == OG_ROW) {
        const char *key_id = og_stmt_col_text(k, 0);
        size_t plen = 0;
        const void *pub = og_stmt_col_blob(k, 1, &plen);
        char *b64 = plen == 32 ? og_base64_encode(pub, 32) : NULL;
        nkeys++;
        og_stmt_reset(rec);
        og_stmt_bind_text(rec, 1, key_id ? key_id : "");
        int ok = 0;
        if ((rc = og_stmt_step(rec)) == OG_ROW) {
            json_t *a =
                og_stmt_col_text(rec, 1) ? json_loads(og_stmt_col_text(rec, 1), 0, NULL) : NULL;
            ok = b64 && og_streq(json_string_value(json_object_get(a, "public_key")), b64);
            json_decref(a);
        } else if (rc == OG_DONE) {
            ok = og_audit__adopted_key(ad, key_id, b64); /* a key from before the records */
        }
        free(b64);
        if (rc < 0) {
            error = rc;
            goto cleanup;
        }
        if (!ok) {
            error = og_audit__problem(
                res, OG_AUDIT_PLATFORM_CHAIN, 0,
                "signing key %s is not recorded by an audit.key.register record of"
                " the platform chain: it was added to the data folder",
                key_id ? key_id : "?");
            goto cleanup;
        }
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    og_stmt_free(rec);
    rec = NULL;
    if ((error = og_stmt_prepare(&rec, s,
                                 "SELECT count(*) FROM audit_record WHERE chain = 'platform'"
                                 " AND action = 'audit.key.register'")) < 0 ||
        (error = og_stmt_step(rec)) < 0)
        goto cleanup;
    nrecs = og_stmt_col_int(rec, 0) + (int64_t)og_audit__adopted_nkeys(ad);
    if (nrecs != nkeys) {
        error = og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, 0,
                                  "the platform chain records (or adopted) %lld signing keys but "
                                  "the data folder has %lld:"
                                  " keys were removed or added",
                                  (long long)nrecs, (long long)nkeys);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(k);
    og_stmt_free(rec);
    return error;
}

/* Chains the platform chain records checkpoints of but that have neither records nor checkpoints
 * any more (next_chain does not visit them): their recorded checkpoints are missing. */
static int cross_vanished(og_store *s, const og_audit__adoption *ad, og_audit_verify_result *res)
{
    og_stmt *t = NULL, *here = NULL;
    int error, rc;
    if ((error = og_stmt_prepare(&t, s,
                                 "SELECT DISTINCT target_id FROM audit_record WHERE chain ="
                                 " 'platform' AND action = 'audit.checkpoint'")) < 0 ||
        (error = og_stmt_prepare(
             &here, s,
             "SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_record"
             " WHERE chain = ?1) OR EXISTS (SELECT 1 FROM audit_checkpoint WHERE chain = ?1)"
             " THEN 1 ELSE 0 END")) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(t)) == OG_ROW) {
        const char *chain = og_stmt_col_text(t, 0);
        if (!chain)
            continue;
        og_stmt_reset(here);
        og_stmt_bind_text(here, 1, chain);
        if ((rc = og_stmt_step(here)) < 0)
            break;
        if (og_stmt_col_int(here, 0))
            continue;
        if ((error = cross_checkpoints(s, chain, ad, res)) < 0)
            goto cleanup;
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(t);
    og_stmt_free(here);
    return error;
}

/* The immutability triggers are still there. A speed bump only: whoever drops them can create
 * them again; the chains and checkpoints are what cannot be forged. */
static int check_triggers(og_store *s, og_audit_verify_result *res)
{
    static const char *const names[] = {"audit_record_no_update",     "audit_record_no_delete",
                                        "audit_record_extends_chain", "audit_checkpoint_no_update",
                                        "audit_checkpoint_no_delete", "audit_key_no_update",
                                        "audit_key_no_delete"};
    int error = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((error = og_store_trigger_exists(s, names[i])) < 0)
            break;
        if (error == 0) {
            error =
                og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, 0,
                                  "the database trigger %s that keeps audit records immutable was"
                                  " dropped: someone with the file may have changed the trail",
                                  names[i]);
            break;
        }
        error = 0;
    }
    return error;
}

/* Run one check, keeping the first problem; OG_ECORRUPT is remembered, other errors returned. */
static int keep(int *worst, int rc)
{
    if (rc == OG_ECORRUPT) {
        *worst = rc;
        return 0;
    }
    return rc;
}

static int verify_all(og_ctx *ctx, og_audit__vpipe *p, const og_audit__adoption *ad,
                      const char *tenant_id, og_audit_verify_result *res)
{
    int error = 0, rc, worst = 0;
    char chain[128] = "";
    og_store *s = ctx->store;
    if (tenant_id && tenant_id[0]) {
        if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_READ)) < 0)
            return error;
        if ((error = keep(&worst, verify_chain(s, p, tenant_id, res))) < 0 ||
            (error = keep(&worst, cross_checkpoints(s, tenant_id, ad, res))) < 0 ||
            (error = keep(&worst, cross_tenants(s, tenant_id, ad, res))) < 0 ||
            (error = keep(&worst, check_triggers(s, res))) < 0)
            return error;
    } else {
        if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
            return error;
        /* every chain, even when an earlier one is broken: the counts cover the whole trail */
        while ((rc = og_audit__next_chain(s, chain, chain, sizeof(chain))) > 0) {
            if ((error = keep(&worst, verify_chain(s, p, chain, res))) < 0)
                return error;
        }
        if (rc < 0)
            return rc;
        if ((error = keep(&worst, og_audit__adoption_check(s, ad, res))) < 0)
            return error;
        chain[0] = '\0';
        while ((rc = og_audit__next_chain(s, chain, chain, sizeof(chain))) > 0) {
            if ((error = keep(&worst, cross_checkpoints(s, chain, ad, res))) < 0)
                return error;
        }
        if (rc < 0)
            return rc;
        if ((error = keep(&worst, cross_vanished(s, ad, res))) < 0 ||
            (error = keep(&worst, cross_tenants(s, NULL, ad, res))) < 0 ||
            (error = keep(&worst, cross_keys(s, ad, res))) < 0 ||
            (error = keep(&worst, check_triggers(s, res))) < 0)
            return error;
    }
    if (worst == OG_ECORRUPT)
        return og_audit__verify_report(ctx, res);
    return 0;
}

int og_audit_verify(og_ctx *ctx, const char *tenant_id, og_audit_verify_result *res)
{
    og_audit__vpipe *p = NULL;
    og_audit__adoption *ad = NULL;
    int error;
    memset(res, 0, sizeof(*res));
    if ((error = og_audit__vpipe_open(&p)) < 0)
        return error;
    /* a trail from before 2185d40 is accepted as its audit.adopt record found it (adopt.c) */
    if ((error = og_audit__adoption_load(ctx->store, &ad)) == OG_ECORRUPT) {
        og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, 0, "%s", og_error_last());
        error = og_audit__verify_report(ctx, res);
    } else if (error == 0) {
        error = verify_all(ctx, p, ad, tenant_id, res);
    }
    og_audit__adoption_free(ad);
    og_audit__vpipe_close(p);
    return error;
}
