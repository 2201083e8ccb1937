/* history.c - a certificate's deploy history: the runs that put it on a target and the runs that
 * replaced it there, newest first (the certificate's page in the console). */
#include "deploy/deploy_internal.h"
#include "opsgate/error.h"

#include <string.h>

int og_deploy_history(og_ctx *ctx, const char *tenant, const char *fingerprint, json_t **out)
{
    int error;
    char tid[OG_ID_LEN];
    og_stmt *st = NULL;
    *out = NULL;
    if ((error = og_deploy__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if (!fingerprint || strlen(fingerprint) != 64)
        return og_error_set(OG_EINVAL, "'%.64s' is not a certificate fingerprint (64 hex digits)",
                            fingerprint ? fingerprint : "");
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT r.id AS run_id, t.name AS target, t.type AS type, r.n AS n,"
             " CASE WHEN r.fingerprint = ?2 THEN 'deployed' ELSE 'replaced' END AS role,"
             " r.fingerprint AS fingerprint, r.previous_fingerprint AS previous_fingerprint,"
             " r.state AS state, r.detail AS detail, r.created_at AS created_at,"
             " r.updated_at AS updated_at FROM deploy_runs r JOIN deploy_targets t ON"
             " t.id = r.target_id WHERE r.tenant_id = ?1 AND (r.fingerprint = ?2 OR"
             " r.previous_fingerprint = ?2) ORDER BY r.created_at DESC, r.n DESC LIMIT 200",
             "tt", tid, fingerprint)) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
