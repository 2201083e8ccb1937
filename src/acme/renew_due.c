/* renew_due.c - scheduled renewals: re-check ARI windows when the CA said to, then renew every
 * plan whose time has come. */
#include "acme/acme_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DUE 1000 /* plans handled per call; the rest wait for the next one */

typedef struct due {
    char id[OG_ID_LEN], tenant[OG_ID_LEN], account[OG_ID_LEN], ari_id[256];
    int64_t renew_at_us, ari_check_us; /* ari_check_us -1: no ARI re-check planned */
} due;

/* Ask renewalInfo again and store the new renewal time and re-check time. Errors are kept quiet:
 * the old renewal time stands, and the next re-check is in 6 h. */
static void ari_recheck(og_ctx *ctx, og_acme_clients *cache, due *d)
{
    og_acme_client *c = NULL;
    og_stmt *st = NULL;
    int64_t start, end, ra = -1, now = og_time_now_us(), at = d->renew_at_us, win_end = 0;
    uint64_t rnd = 0;
    int owned = 1, rc;
    if (og_acme__clients_open(cache, ctx, d->tenant, d->account, &c, &owned) == 0) {
        if ((rc = og_acme__ari_fetch(c, d->ari_id, &start, &end, &ra)) == 0 &&
            og_crypto_random(&rnd, sizeof(rnd)) == 0) {
            /* RFC 9773 §4.2: a new window only moves the time when the old one is outside it */
            if (at < start || at >= end)
                (void)og_acme_ari_pick(start, end, now, rnd, &at);
            win_end = end;
        }
        if (owned)
            og_acme__client_free(c);
        else if (rc < 0 && rc != OG_ENOTFOUND)
            og_acme__clients_drop(cache, c);
        c = NULL;
    }
    og_error_clear();
    d->renew_at_us = at;
    if (og_stmt_prepare(&st, ctx->store,
                        "UPDATE acme_plans SET renew_at_us = ?, ari_check_us = ?,"
                        " ari_end_us = COALESCE(?, ari_end_us) WHERE tenant_id = ? AND id = ?") ==
        0) {
        og_stmt_bind_int(st, 1, at);
        og_stmt_bind_int(st, 2, now + og_acme__ari_recheck_us(ra));
        if (win_end)
            og_stmt_bind_int(st, 3, win_end);
        else
            og_stmt_bind_null(st, 3);
        og_stmt_bind_text(st, 4, d->tenant);
        og_stmt_bind_text(st, 5, d->id);
        (void)og_stmt_step(st);
    }
    og_stmt_free(st);
}

int og_acme_renew_due(og_ctx *ctx, const char *tenant, int *ran, int *failed)
{
    og_stmt *st = NULL;
    due *list = NULL;
    og_acme_clients clients; /* one client per account for the whole run */
    char tid[OG_ID_LEN] = "";
    int n = 0, rc, error, nran = 0, nfail = 0;
    int64_t now = og_time_now_us();
    clients.n = 0;
    if (ran)
        *ran = 0;
    if (failed)
        *failed = 0;
    if (tenant && (error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!tenant && !og_actor_is_platform(&ctx->actor))
        return og_error_set(OG_EDENIED, "renewing every tenant's certificates needs a platform "
                                        "actor");
    if (!(list = calloc(MAX_DUE, sizeof(*list))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT p.id, p.tenant_id, p.account_id, c.ari_cert_id, p.renew_at_us,"
             " p.ari_check_us FROM acme_plans p LEFT JOIN acme_certs c ON c.id = p.current_cert"
             " WHERE (?1 = '' OR p.tenant_id = ?1) AND (p.renew_at_us <= ?2 OR"
             " p.ari_check_us <= ?2) AND (c.status IS NULL OR c.status != 'revoked')"
             " ORDER BY p.renew_at_us LIMIT 1000",
             "ti", tid, (int64_t)now)) < 0)
        goto cleanup;
    while (n < MAX_DUE && (rc = og_stmt_step(st)) == OG_ROW) {
        due *d = &list[n++];
        og_strlcpy(d->id, og_stmt_col_text(st, 0), sizeof(d->id));
        og_strlcpy(d->tenant, og_stmt_col_text(st, 1), sizeof(d->tenant));
        og_strlcpy(d->account, og_stmt_col_text(st, 2), sizeof(d->account));
        if (og_stmt_col_text(st, 3))
            og_strlcpy(d->ari_id, og_stmt_col_text(st, 3), sizeof(d->ari_id));
        d->renew_at_us = og_stmt_col_int(st, 4);
        d->ari_check_us = og_stmt_col_is_null(st, 5) ? -1 : og_stmt_col_int(st, 5);
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        due *d = &list[i];
        /* A tenant whose key is revoked or withdrawn: skipped up front (counted), retried at the
         * next run, rather than hitting the lock mid-renewal. */
        if (og_crypto_job_check(ctx->store, d->tenant, "acme.renew") == OG_ELOCKED) {
            og_error_clear();
            continue;
        }
        og_error_clear();
        if (d->ari_id[0] && d->ari_check_us >= 0 && d->ari_check_us <= now)
            ari_recheck(ctx, &clients, d);
        if (d->renew_at_us > og_time_now_us())
            continue;
        nran++;
        if (og_acme__cert_renew_with(ctx, d->tenant, d->id, &clients, NULL) < 0 &&
            og_error_code() != OG_EPENDING)
            nfail++;
        og_error_clear();
    }
    if (ran)
        *ran = nran;
    if (failed)
        *failed = nfail;
    error = 0;
cleanup:
    og_acme__clients_free(&clients);
    og_stmt_free(st);
    free(list);
    return error;
}
