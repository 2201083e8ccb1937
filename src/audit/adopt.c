/* adopt.c - the adoption of a trail written before the platform chain recorded checkpoints, signing
 * keys and chain starts (commit 2185d40): one audit.adopt record lists what was found, and verify
 * and signing accept exactly that, nothing added later. */
#include "audit_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

struct og_audit__adoption {
    int64_t seq;
    json_t *a; /* the record's analysis */
};

int og_audit__cp_hash(const char *chain, const og_audit__cp *cp, char hex[OG_AUDIT_HASH_HEX])
{
    /* the signed fields only, so that the hash does not change with the checkpoint's JSON form */
    json_t *j = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "chain", chain, "tree_size",
                          (json_int_t)cp->size, "root_hash", cp->root, "time", cp->time, "key_id",
                          cp->key_id, "signature", cp->sig);
    og_buf b;
    uint8_t h[32];
    int error;
    if (!j)
        return og_error_set(OG_ERROR, "out of memory");
    og_buf_init(&b, 512);
    if ((error = og_audit__jcs(&b, j)) == 0) {
        og_crypto_sha256(b.data, b.len, h);
        og_hex_encode(h, 32, hex);
    }
    og_buf_free(&b);
    json_decref(j);
    return error;
}

static int exists(og_store *s, const char *sql, const char *arg)
{
    og_stmt *st = NULL;
    int error = arg ? og_stmt_prepare_args(&st, s, sql, "t", arg) : og_stmt_prepare(&st, s, sql);
    if (error == 0)
        error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : error == OG_ROW;
}

/* The first record of a chain: 1 with its action and hash, 0 when the chain has none. */
static int chain_start(og_store *s, const char *chain, char *action, size_t asize,
                       char hash[OG_AUDIT_HASH_HEX])
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(
        &st, s, "SELECT action, hash FROM audit_record WHERE chain = ? AND seq = 1", "t", chain);
    if (error == 0 && (error = og_stmt_step(st)) == OG_ROW) {
        const char *a = og_stmt_col_text(st, 0), *h = og_stmt_col_text(st, 1);
        og_strlcpy(action, a ? a : "", asize);
        og_strlcpy(hash, h ? h : "", OG_AUDIT_HASH_HEX);
        error = 1;
    } else if (error == OG_DONE) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

/*
 * Does this trail predate 2185d40 and has it not been adopted yet? Not when the platform chain
 * holds an audit.adopt, audit.checkpoint or audit.key.register record (each an index probe).
 * Otherwise when it has a checkpoint or a signing key, or the chain of the oldest tenant that has
 * one does not begin with audit.chain.open. A new data folder costs a few probes per open until
 * its first checkpoint.
 */
static int needed(og_store *s)
{
    static const char *const recorded[] = {OG_AUDIT_ACT_ADOPT, OG_AUDIT_ACT_CHECKPOINT,
                                           OG_AUDIT_ACT_KEY_REGISTER};
    og_stmt *t = NULL;
    int error, rc;
    for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++) {
        if ((error = exists(s,
                            "SELECT 1 FROM audit_record WHERE chain = 'platform' AND action = ?"
                            " LIMIT 1",
                            recorded[i])) != 0)
            return error < 0 ? error : 0;
    }
    if ((error = exists(s, "SELECT 1 FROM audit_checkpoint LIMIT 1", NULL)) != 0 ||
        (error = exists(s, "SELECT 1 FROM audit_key LIMIT 1", NULL)) != 0)
        return error;
    if ((error = og_stmt_prepare(&t, s,
                                 "SELECT target_id FROM audit_record WHERE chain = 'platform' AND"
                                 " action = 'tenant.create' ORDER BY seq")) < 0)
        return error;
    error = 0;
    while ((rc = og_stmt_step(t)) == OG_ROW) {
        char action[64], hash[OG_AUDIT_HASH_HEX];
        const char *tid = og_stmt_col_text(t, 0);
        if (!tid || og_streq(tid, OG_AUDIT_PLATFORM_CHAIN))
            continue;
        if ((rc = chain_start(s, tid, action, sizeof(action), hash)) != 0) {
            error = rc < 0 ? rc : !og_streq(action, OG_AUDIT_ACT_CHAIN_OPEN);
            break;
        }
    }
    if (rc < 0)
        error = rc;
    og_stmt_free(t);
    return error;
}

/* What the adoption lists: every signing key, every checkpoint (by hash), every chain that does
 * not begin with audit.chain.open (by its first record's hash). */
static int inventory(og_store *s, json_t *keys, json_t *cps, json_t *starts)
{
    og_stmt *st = NULL;
    int error, rc;
    char chain[128] = "";
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT key_id, public_key FROM audit_key ORDER BY key_id")) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t plen = 0;
        const void *pub = og_stmt_col_blob(st, 1, &plen);
        char *b64 = plen == 32 ? og_base64_encode(pub, 32) : NULL;
        const char *id = og_stmt_col_text(st, 0);
        rc = b64 && id ? json_array_append_new(
                             keys, json_pack("{s:s,s:s}", "key_id", id, "public_key", b64))
                       : -1;
        free(b64);
        if (rc < 0) {
            og_stmt_free(st);
            return og_error_set(OG_ECORRUPT, "signing key %s is damaged", id ? id : "?");
        }
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0)
        return rc;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT tree_size, root, time, key_id, signature, chain FROM"
                                 " audit_checkpoint ORDER BY chain, tree_size")) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_audit__cp cp = {0};
        char hex[OG_AUDIT_HASH_HEX];
        const char *c = og_stmt_col_text(st, 5);
        cp.size = og_stmt_col_int(st, 0);
        for (int i = 1; i <= 4; i++) {
            const char *v = og_stmt_col_text(st, i);
            char *dst[] = {NULL, cp.root, cp.time, cp.key_id, cp.sig};
            size_t sz[] = {0, sizeof(cp.root), sizeof(cp.time), sizeof(cp.key_id), sizeof(cp.sig)};
            og_strlcpy(dst[i], v ? v : "", sz[i]);
        }
        if ((error = og_audit__cp_hash(c ? c : "", &cp, hex)) < 0 ||
            json_array_append_new(cps, json_pack("{s:s,s:I,s:s}", "chain", c ? c : "", "tree_size",
                                                 (json_int_t)cp.size, "hash", hex)) < 0) {
            og_stmt_free(st);
            return error < 0 ? error : og_error_set(OG_ERROR, "out of memory");
        }
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    while ((rc = og_audit__next_chain(s, chain, chain, sizeof(chain))) > 0) {
        char action[64], hash[OG_AUDIT_HASH_HEX];
        if (og_streq(chain, OG_AUDIT_PLATFORM_CHAIN))
            continue;
        if ((error = chain_start(s, chain, action, sizeof(action), hash)) < 0)
            return error;
        if (error == 1 && !og_streq(action, OG_AUDIT_ACT_CHAIN_OPEN) &&
            json_array_append_new(starts, json_pack("{s:s,s:s}", "chain", chain, "hash", hash)) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return rc < 0 ? rc : 0;
}

/* A tenant created before chains were opened with their tenant, whose chain has no record yet (it
 * did nothing), gets the audit.chain.open a later opsgate would have written with its
 * tenant.create, so that its first record later is not taken for a replaced chain start. Not for a
 * deleted tenant or one whose chain lives in a region's database. */
static int open_empty_chains(og_ctx *ctx, int64_t *opened)
{
    og_stmt *cr = NULL;
    int error, rc;
    *opened = 0;
    if ((error = og_stmt_prepare(&cr, ctx->store,
                                 "SELECT seq, target_id, hash, analysis FROM audit_record WHERE"
                                 " chain = 'platform' AND action = 'tenant.create' ORDER BY seq")) <
        0)
        return error;
    while ((rc = og_stmt_step(cr)) == OG_ROW) {
        int64_t cseq = og_stmt_col_int(cr, 0);
        const char *tid = og_stmt_col_text(cr, 1), *chash = og_stmt_col_text(cr, 2);
        const char *an = og_stmt_col_text(cr, 3);
        char action[64], hash[OG_AUDIT_HASH_HEX];
        og_stmt *del = NULL;
        if (!tid || !chash || og_streq(tid, OG_AUDIT_PLATFORM_CHAIN) ||
            (an && strstr(an, "\"" OG_AUDIT_CHAIN_REGION "\"")))
            continue;
        if ((rc = chain_start(ctx->store, tid, action, sizeof(action), hash)) != 0)
            goto next;
        if ((rc = og_stmt_prepare_args(&del, ctx->store,
                                       "SELECT 1 FROM audit_record WHERE chain = 'platform' AND"
                                       " action = 'tenant.delete' AND target_id = ? AND seq > ?",
                                       "ti", tid, cseq)) == 0 &&
            (rc = og_stmt_step(del)) == OG_DONE) {
            json_t *open =
                json_pack("{s:I,s:s}", "platform_seq", (json_int_t)cseq, "platform_hash", chash);
            og_audit_rec rec = {.tenant_id = tid,
                                .area = "audit",
                                .action = OG_AUDIT_ACT_CHAIN_OPEN,
                                .target_type = "tenant",
                                .target_id = tid,
                                .analysis = open};
            rc = open ? og_audit_append(ctx, &rec, NULL) : og_error_set(OG_ERROR, "out of memory");
            json_decref(open);
            *opened += rc == 0;
        }
        og_stmt_free(del);
    next:
        if (rc < 0)
            break;
    }
    og_stmt_free(cr);
    return rc < 0 ? rc : 0;
}

int og_audit_adopt(og_ctx *ctx, int *adopted)
{
    json_t *keys = json_array(), *cps = json_array(), *starts = json_array(), *an = NULL;
    int64_t opened = 0;
    int error;
    if (adopted)
        *adopted = 0;
    if (!keys || !cps || !starts) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto done;
    }
    /* first without a transaction: an open of a folder that needs nothing takes no writer lock;
     * then again under it, as another process may have adopted meanwhile */
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0 ||
        (error = needed(ctx->store)) <= 0 || (error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = needed(ctx->store)) <= 0 ||
        (error = inventory(ctx->store, keys, cps, starts)) < 0 ||
        (error = open_empty_chains(ctx, &opened)) < 0)
        goto cleanup;
    an = json_pack("{s:s,s:O,s:O,s:O,s:I}", "reason",
                   "this trail was written before the platform chain recorded checkpoints, signing"
                   " keys and chain starts: these are adopted as found",
                   "keys", keys, "checkpoints", cps, "chain_starts", starts, "chains_opened",
                   (json_int_t)opened);
    og_audit_rec rec = {.area = "audit",
                        .action = OG_AUDIT_ACT_ADOPT,
                        .target_type = "audit_chain",
                        .target_id = OG_AUDIT_PLATFORM_CHAIN,
                        .analysis = an};
    if (!an)
        error = og_error_set(OG_ERROR, "out of memory");
    else if ((error = og_audit_append(ctx, &rec, NULL)) < 0)
        og_error_wrap("recording the adoption of the audit trail (audit.adopt)");
cleanup:
    if (error < 0) {
        og_store_tx_rollback(ctx->store);
    } else if ((error = og_store_tx_commit(ctx->store)) < 0) {
        og_store_tx_rollback(ctx->store);
    } else if (an && adopted) {
        *adopted = 1;
    }
done:
    json_decref(keys);
    json_decref(cps);
    json_decref(starts);
    json_decref(an);
    return error < 0 ? error : 0;
}

/* ---- what verify and signing accept ---- */

void og_audit__adoption_free(og_audit__adoption *ad)
{
    if (ad) {
        json_decref(ad->a);
        free(ad);
    }
}

int og_audit__adoption_load(og_store *s, og_audit__adoption **out)
{
    og_stmt *st = NULL;
    og_audit__adoption *ad = NULL;
    int error;
    *out = NULL;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT seq, analysis FROM audit_record WHERE chain = 'platform'"
                                 " AND action = 'audit.adopt' ORDER BY seq LIMIT 1")) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        const char *text = og_stmt_col_text(st, 1);
        if (!(ad = calloc(1, sizeof(*ad)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        ad->seq = og_stmt_col_int(st, 0);
        ad->a = text ? json_loads(text, 0, NULL) : NULL;
        if (!json_is_array(json_object_get(ad->a, "keys")) ||
            !json_is_array(json_object_get(ad->a, "checkpoints")) ||
            !json_is_array(json_object_get(ad->a, "chain_starts"))) {
            error =
                og_error_set(OG_ECORRUPT, "the audit.adopt record (platform seq %lld) is damaged",
                             (long long)ad->seq);
            goto cleanup;
        }
        *out = ad;
        ad = NULL;
    }
    error = error < 0 ? error : 0;
cleanup:
    og_audit__adoption_free(ad);
    og_stmt_free(st);
    return error;
}

int64_t og_audit__adoption_seq(const og_audit__adoption *ad)
{
    return ad ? ad->seq : 0;
}

/* The i-th listed checkpoint of chain (in tree size order): 1 found, 0 past the last. */
int og_audit__adopted_cp(const og_audit__adoption *ad, const char *chain, size_t i, int64_t *size,
                         const char **hash)
{
    json_t *cps = ad ? json_object_get(ad->a, "checkpoints") : NULL, *e;
    size_t k;
    json_array_foreach(cps, k, e)
    {
        if (!og_streq(json_string_value(json_object_get(e, "chain")), chain))
            continue;
        if (i-- == 0) {
            *size = json_integer_value(json_object_get(e, "tree_size"));
            *hash = json_string_value(json_object_get(e, "hash"));
            return *hash ? 1 : 0;
        }
    }
    return 0;
}

int og_audit__adopted_latest(og_store *s, const char *chain, const og_audit__cp *cp)
{
    og_audit__adoption *ad = NULL;
    const char *hash = NULL, *h;
    int64_t size = 0, sz;
    char mine[OG_AUDIT_HASH_HEX];
    int error = og_audit__adoption_load(s, &ad);
    if (error < 0 || !ad)
        return error;
    for (size_t i = 0; og_audit__adopted_cp(ad, chain, i, &sz, &h) == 1; i++) {
        size = sz;
        hash = h;
    }
    if (hash && size == cp->size && (error = og_audit__cp_hash(chain, cp, mine)) == 0)
        error = og_streq(mine, hash);
    else if (error == 0)
        error = 0;
    og_audit__adoption_free(ad);
    return error;
}

int og_audit__adopted_key(const og_audit__adoption *ad, const char *key_id, const char *pub_b64)
{
    json_t *keys = ad ? json_object_get(ad->a, "keys") : NULL, *e;
    size_t k;
    json_array_foreach(keys, k, e)
    {
        if (og_streq(json_string_value(json_object_get(e, "key_id")), key_id))
            return pub_b64 &&
                   og_streq(json_string_value(json_object_get(e, "public_key")), pub_b64);
    }
    return 0;
}

size_t og_audit__adopted_nkeys(const og_audit__adoption *ad)
{
    return ad ? json_array_size(json_object_get(ad->a, "keys")) : 0;
}

int og_audit__adopted_start(const og_audit__adoption *ad, const char *chain, const char *hash)
{
    json_t *starts = ad ? json_object_get(ad->a, "chain_starts") : NULL, *e;
    size_t k;
    json_array_foreach(starts, k, e)
    {
        if (og_streq(json_string_value(json_object_get(e, "chain")), chain))
            return hash && og_streq(json_string_value(json_object_get(e, "hash")), hash);
    }
    return 0;
}

/*
 * The adoption itself: it is the platform chain's only audit.adopt record and comes before every
 * audit.checkpoint and audit.key.register record (a trail that has recorded them needs none, so an
 * adoption appended later would whitewash what was added behind opsgate's back); every key and
 * checkpoint it lists is still there.
 */
int og_audit__adoption_check(og_store *s, const og_audit__adoption *ad, og_audit_verify_result *res)
{
    og_stmt *st = NULL;
    json_t *e;
    size_t k;
    int error, rc;
    if (!ad)
        return 0;
    if ((error =
             og_stmt_prepare_args(&st, s,
                                  "SELECT seq, action FROM audit_record WHERE chain ="
                                  " 'platform' AND action IN ('audit.adopt', 'audit.checkpoint',"
                                  " 'audit.key.register') AND seq <= ? ORDER BY seq LIMIT 1",
                                  "i", (int64_t)ad->seq)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW && og_stmt_col_int(st, 0) < ad->seq) {
        error = og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, ad->seq,
                                  "the audit.adopt record follows a %s record (seq %lld): only a"
                                  " trail from before checkpoints were recorded can be adopted",
                                  og_stmt_col_text(st, 1), (long long)og_stmt_col_int(st, 0));
        goto cleanup;
    }
    og_stmt_free(st);
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT seq FROM audit_record WHERE chain = 'platform' AND"
                                      " action = 'audit.adopt' AND seq > ? ORDER BY seq LIMIT 1",
                                      "i", (int64_t)ad->seq)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        error = og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, og_stmt_col_int(st, 0),
                                  "a second audit.adopt record: a trail is adopted once (at"
                                  " platform seq %lld)",
                                  (long long)ad->seq);
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    json_array_foreach(json_object_get(ad->a, "keys"), k, e)
    {
        const char *id = json_string_value(json_object_get(e, "key_id"));
        if ((rc = exists(s, "SELECT 1 FROM audit_key WHERE key_id = ?", id ? id : "")) <= 0) {
            error = rc < 0 ? rc
                           : og_audit__problem(res, OG_AUDIT_PLATFORM_CHAIN, ad->seq,
                                               "signing key %s, adopted at platform seq %lld, is"
                                               " missing: it was removed",
                                               id ? id : "?", (long long)ad->seq);
            goto cleanup;
        }
    }
    json_array_foreach(json_object_get(ad->a, "checkpoints"), k, e)
    {
        const char *c = json_string_value(json_object_get(e, "chain"));
        json_int_t n = json_integer_value(json_object_get(e, "tree_size"));
        if ((error = og_stmt_prepare_args(&st, s,
                                          "SELECT 1 FROM audit_checkpoint WHERE chain = ? AND"
                                          " tree_size = ?",
                                          "ti", c ? c : "", (int64_t)n)) < 0 ||
            (error = og_stmt_step(st)) < 0)
            goto cleanup;
        og_stmt_free(st);
        st = NULL;
        if (error != OG_ROW) {
            error = og_audit__problem(res, c ? c : "?", 0,
                                      "the checkpoint at tree size %lld, adopted at platform seq"
                                      " %lld, is missing: checkpoints were removed",
                                      (long long)n, (long long)ad->seq);
            goto cleanup;
        }
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}
