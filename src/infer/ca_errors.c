/* ca_errors.c - a tenant's recent errors from each ACME CA, for the facts of a renewal: when an
 * order failed and the type of its error (a closed vocabulary), the CA kept as an HMAC of its
 * directory URL keyed with the tenant id (no URL, host or message is stored). */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* how long an error counts at most (older rows are dropped when a new one is noted) */
#define KEEP_US ((int64_t)90 * 86400 * 1000000)

/* The ACME problem types (RFC 8555 section 6.7) and the transport failures worth telling apart. */
static const char *const TYPES[] = {
    "rateLimited",       "badNonce",       "unauthorized",       "caa",    "dns",     "connection",
    "incorrectResponse", "serverInternal", "rejectedIdentifier", "badCSR", "timeout", NULL};

const char *og_infer_ca_error_type(const char *message)
{
    const char *urn = message ? strstr(message, "urn:ietf:params:acme:error:") : NULL;
    if (urn) {
        urn += strlen("urn:ietf:params:acme:error:");
        for (int i = 0; TYPES[i]; i++)
            if (strncmp(urn, TYPES[i], strlen(TYPES[i])) == 0 &&
                !(urn[strlen(TYPES[i])] >= 'A' && urn[strlen(TYPES[i])] <= 'z'))
                return TYPES[i];
    }
    if (!message)
        return "other";
    if (strcasestr(message, "timed out") || strcasestr(message, "timeout"))
        return "timeout";
    if (strcasestr(message, "rate limit") || strcasestr(message, "ratelimit"))
        return "rateLimited";
    if (strcasestr(message, "resolve") || strcasestr(message, "NXDOMAIN"))
        return "dns";
    if (strcasestr(message, "connect"))
        return "connection";
    return "other";
}

int og_infer_ca_error_note(og_ctx *ctx, const char *tenant_id, const char *ca, const char *message)
{
    char h[65];
    int64_t now = og_time_now_us();
    int error;
    og_infer__target_hash(tenant_id, "acme-ca", ca ? ca : "", h);
    if ((error = og_store_run(ctx->store,
                              "DELETE FROM infer_ca_errors WHERE tenant_id = ? AND ca_hash = ?"
                              " AND at_us < ?",
                              "tti", tenant_id, h, now - KEEP_US)) < 0 ||
        (error = og_store_run(ctx->store,
                              "INSERT INTO infer_ca_errors (tenant_id, ca_hash, error_type, at_us)"
                              " VALUES (?, ?, ?, ?)",
                              "ttti", tenant_id, h, og_infer_ca_error_type(message), now)) < 0)
        return error;
    return 0;
}

int og_infer_ca_errors(og_ctx *ctx, const char *tenant_id, const char *ca, int days, json_t *facts)
{
    og_stmt *st = NULL;
    char h[65];
    int error;
    int64_t since = og_time_now_us() - (int64_t)(days < 1    ? 1
                                                 : days > 90 ? 90
                                                             : days) *
                                           86400 * 1000000;
    og_infer__target_hash(tenant_id, "acme-ca", ca ? ca : "", h);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT COUNT(*), MAX(at_us) FROM infer_ca_errors WHERE"
                                      " tenant_id = ? AND ca_hash = ? AND at_us >= ?",
                                      "tti", tenant_id, h, since)) < 0)
        return error;
    int64_t n = 0, last = 0;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        n = og_stmt_col_int(st, 0);
        last = og_stmt_col_is_null(st, 1) ? 0 : og_stmt_col_int(st, 1);
        error = 0;
    }
    og_stmt_free(st);
    st = NULL;
    if (error < 0)
        return error;
    json_object_set_new(facts, "ca_failed_orders", json_integer(n));
    if (!last)
        return 0;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT error_type FROM infer_ca_errors WHERE tenant_id = ?"
                                      " AND ca_hash = ? AND at_us = ?",
                                      "tti", tenant_id, h, last)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        json_object_set_new(facts, "ca_last_error", json_string(og_stmt_col_text(st, 0)));
        error = 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}
