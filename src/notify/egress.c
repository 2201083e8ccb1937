/* egress.c - the platform's allowed address ranges and the check of each outgoing connection. */
#include "opsgate/egress.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 256

struct og_egress {
    size_t n;
    og_cidr ranges[MAX_RANGES];
};

int og_egress_load(og_egress **out, og_store *s)
{
    og_stmt *st = NULL;
    og_egress *p = NULL;
    int error, rc;
    *out = NULL;
    if (!(p = calloc(1, sizeof(*p))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT cidr FROM notify_egress_allow ORDER BY created_at")) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        /* Rows were parsed on the way in; one that no longer parses allows nothing. */
        if (p->n < MAX_RANGES && og_cidr_parse(og_stmt_col_text(st, 0), &p->ranges[p->n]) == 0)
            p->n++;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    og_error_clear();
    *out = p;
    p = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    free(p);
    return error;
}

void og_egress_free(og_egress *p)
{
    free(p);
}

int og_egress_check(const og_egress *p, const og_netaddr *a)
{
    og_cidr range;
    const char *name = NULL;
    char addr[OG_NETADDR_STRLEN], rtext[OG_NETADDR_STRLEN];
    if (!og_netaddr_special(a, &range, &name))
        return 0;
    for (size_t i = 0; p && i < p->n; i++)
        if (og_cidr_contains(&p->ranges[i], a))
            return 0;
    og_netaddr_format(a, addr, sizeof(addr));
    og_cidr_format(&range, rtext, sizeof(rtext));
    og_error_set(OG_EDENIED,
                 "connecting to %s is refused: a %s address (%s) outside the notify egress "
                 "allow list",
                 addr, name, rtext);
    return og_error_set_detail_arg(OG_EGRESS_DETAIL_REFUSED, rtext);
}

int og_egress_check_sockaddr(const og_egress *p, const void *sa, size_t len)
{
    og_netaddr a;
    if (og_netaddr_from_sockaddr(sa, len, &a) < 0)
        return og_error_set(OG_EDENIED, "connecting is refused: not an IPv4 or IPv6 address");
    return og_egress_check(p, &a);
}

int og_egress_check_host(const og_egress *p, const char *host)
{
    og_netaddr a;
    if (!host || og_netaddr_parse(host, &a) < 0) {
        og_error_clear();
        return 0;
    }
    return og_egress_check(p, &a);
}

/* ---- the allowed ranges ---- */

static int canonical(const char *cidr, char out[OG_NETADDR_STRLEN])
{
    og_cidr c;
    int error;
    if ((error = og_cidr_parse(cidr, &c)) < 0)
        return error;
    og_cidr_format(&c, out, OG_NETADDR_STRLEN);
    return 0;
}

static int platform_only(og_ctx *ctx, const char *what)
{
    if (og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM) < 0)
        return og_error_set(OG_EDENIED, "%s needs the platform-admin role (you are %s)", what,
                            og_role_name(ctx->actor.role));
    return 0;
}

int og_egress_allow_add(og_ctx *ctx, const char *cidr, const char *note)
{
    int error;
    og_stmt *st = NULL;
    json_t *details = NULL;
    char canon[OG_NETADDR_STRLEN], now[OG_TIME_LEN], who[160];
    if ((error = platform_only(ctx, "allowing an egress range")) < 0 ||
        (error = canonical(cidr, canon)) < 0)
        return error;
    if (note && strlen(note) > 200)
        return og_error_set(OG_EINVAL, "the note is longer than 200 bytes");
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store, "SELECT COUNT(*) FROM notify_egress_allow")) <
            0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_stmt_col_int(st, 0) >= MAX_RANGES) {
        error = og_error_set(OG_ETOOBIG,
                             "at most %d egress ranges may be allowed; remove one or "
                             "allow a wider range",
                             MAX_RANGES);
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO notify_egress_allow (cidr, note, created_at,"
                                 " created_by) VALUES (?, ?, ?, ?) ON CONFLICT (cidr) DO"
                                 " NOTHING")) < 0)
        goto cleanup;
    const char *row[] = {canon, note, now, who};
    for (int i = 0; i < 4; i++)
        og_stmt_bind_text(st, i + 1, row[i]);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_EEXISTS, "the range %s is allowed already", canon);
        goto cleanup;
    }
    details = json_pack("{s:s, s:s?}", "range", canon, "note", note);
    error =
        og_audit_log(ctx, NULL, "notify", "notify.egress.allow", "egress_range", canon, details);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(details);
    return error;
}

int og_egress_allow_remove(og_ctx *ctx, const char *cidr)
{
    int error;
    og_stmt *st = NULL;
    char canon[OG_NETADDR_STRLEN];
    if ((error = platform_only(ctx, "removing an egress range")) < 0 ||
        (error = canonical(cidr, canon)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "DELETE FROM notify_egress_allow WHERE cidr = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, canon);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_ENOTFOUND, "the range %s is not on the notify egress allow list",
                             canon);
        goto cleanup;
    }
    error = og_audit_log(ctx, NULL, "notify", "notify.egress.remove", "egress_range", canon, NULL);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    return error;
}

int og_egress_allow_list(og_ctx *ctx, json_t **out)
{
    int error;
    og_stmt *st = NULL;
    if ((error = platform_only(ctx, "listing egress ranges")) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT cidr AS range, note, created_at, created_by FROM"
                                 " notify_egress_allow ORDER BY created_at, cidr")) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
