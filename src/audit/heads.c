/* heads.c - where every audit chain stands (og_audit_chains): its last record and its latest
 * signed checkpoint, for a backup's manifest and a restore's report. */
#include "audit_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <string.h>

/* One chain's head and latest checkpoint as {chain, records, last_seq, last_time, last_hash,
 * checkpoint: {tree_size, root_hash, time, key_id} | null}. */
static int chain_head(og_store *s, const char *chain, json_t **out)
{
    og_stmt *st = NULL;
    json_t *o = NULL, *cp = json_null();
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT seq, time, hash FROM audit_record WHERE chain = ?"
                                     " ORDER BY seq DESC LIMIT 1",
                                     "t", chain);
    if (error < 0 || (error = og_stmt_step(st)) < 0)
        goto cleanup;
    int has = error == OG_ROW;
    o = json_pack("{s:s, s:I, s:I, s:s?, s:s?}", "chain", chain, "records",
                  (json_int_t)(has ? og_stmt_col_int(st, 0) : 0), "last_seq",
                  (json_int_t)(has ? og_stmt_col_int(st, 0) : 0), "last_time",
                  has ? og_stmt_col_text(st, 1) : NULL, "last_hash",
                  has ? og_stmt_col_text(st, 2) : NULL);
    og_stmt_free(st);
    st = NULL;
    if (!o) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT tree_size, root, time, key_id FROM audit_checkpoint"
                                      " WHERE chain = ? ORDER BY tree_size DESC LIMIT 1",
                                      "t", chain)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW) {
        json_decref(cp);
        cp = json_pack("{s:I, s:s, s:s, s:s}", "tree_size", (json_int_t)og_stmt_col_int(st, 0),
                       "root_hash", og_stmt_col_text(st, 1), "time", og_stmt_col_text(st, 2),
                       "key_id", og_stmt_col_text(st, 3));
    }
    if (!cp || json_object_set_new(o, "checkpoint", cp) < 0) {
        cp = NULL;
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    cp = NULL;
    *out = o;
    o = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(o);
    json_decref(cp);
    return error;
}

int og_audit_chains(og_ctx *ctx, json_t **out)
{
    char chain[64] = "";
    json_t *arr = NULL, *one = NULL;
    int error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM), more;
    if (error < 0)
        return error;
    if (!(arr = json_array()))
        return og_error_set(OG_ERROR, "out of memory");
    for (int i = 0; i < 1000000; i++) {
        if ((more = og_audit__next_chain(ctx->store, chain, chain, sizeof(chain))) <= 0) {
            error = more;
            break;
        }
        if ((error = chain_head(ctx->store, chain, &one)) < 0)
            break;
        if (json_array_append_new(arr, one) < 0) {
            error = og_error_set(OG_ERROR, "out of memory");
            break;
        }
    }
    if (error < 0) {
        json_decref(arr);
        return error;
    }
    *out = arr;
    return 0;
}
