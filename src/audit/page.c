/* page.c - reading a chain newest first, one page at a time through its indexes, and its latest
 * signed checkpoint: what a reader (the console's audit page, GET /api/v1/audit?order=desc) needs
 * without walking a long chain from its start. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

static int has(const char *s)
{
    return s && s[0];
}

/* since/until as stored-time strings ("" / "~" when absent: below and above every time). */
static int time_arg(const char *in, const char *what, const char *none, char out[OG_TIME_LEN])
{
    int64_t us;
    if (!has(in)) {
        og_strlcpy(out, none, OG_TIME_LEN);
        return 0;
    }
    if (og_time_parse(in, &us) < 0)
        return og_error_set(OG_EINVAL, "%s '%.64s' is not an RFC 3339 time or a date", what, in);
    og_time_format(us, out);
    return 0;
}

/* The seq the time index finds for sql (?1 chain, ?2 time): *seq, 0 when none. */
static int seq_at(og_store *s, const char *sql, const char *chain, const char *time, int64_t *seq)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, sql);
    *seq = 0;
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(st, 2, time);
    error = og_stmt_step(st);
    if (error == OG_ROW)
        *seq = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Whether a record passes the substring filters; *j receives its reader JSON once built. */
static int row_matches(og_audit__reader *names, const og_audit__row *r, const char *hash,
                       const og_audit_filter *f, json_t **j)
{
    if (has(f->actor) && !(r->actor && strstr(r->actor, f->actor)))
        return 0;
    if (!has(f->target) || (r->target_id && strstr(r->target_id, f->target)) ||
        (r->target_name && strstr(r->target_name, f->target)))
        return 1;
    if (r->target_name) /* recorded, and it does not match */
        return 0;
    if (!(*j = og_audit__reader_json(names, r, hash)))
        return -1;
    const char *resolved =
        json_string_value(json_object_get(json_object_get(*j, "resolved"), "target_name"));
    return resolved && strstr(resolved, f->target);
}

typedef struct desc_page {
    int64_t hi, lo; /* seq < hi, seq >= lo */
    char since[OG_TIME_LEN], until[OG_TIME_LEN];
} desc_page;

/* The seq window of the filters: *empty when no record can pass the time filters. */
static int desc_bounds(og_store *s, const char *chain, int64_t before, const og_audit_filter *f,
                       desc_page *p, int *empty)
{
    int64_t seq;
    int error;
    *empty = 0;
    p->hi = before > 0 ? before : INT64_MAX;
    p->lo = 1;
    if ((error = time_arg(f->since, "since", "", p->since)) < 0 ||
        (error = time_arg(f->until, "until", "~", p->until)) < 0)
        return error;
    if (has(f->until)) {
        if ((error = seq_at(s, OG_AUDIT__SEQ_BEFORE_SQL, chain, p->until, &seq)) < 0)
            return error;
        if (seq + 1 < p->hi)
            p->hi = seq + 1;
    }
    if (has(f->since)) {
        if ((error = seq_at(s, OG_AUDIT__SEQ_FROM_SQL, chain, p->since, &seq)) < 0)
            return error;
        if (seq == 0)
            *empty = 1;
        else
            p->lo = seq;
    }
    if (p->hi <= p->lo)
        *empty = 1;
    return 0;
}

int og_audit__page_check(og_ctx *ctx, const char *tenant_id, int limit, int64_t cursor)
{
    int error;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_READ)) < 0)
        return error;
    if (limit < 1 || limit > OG_AUDIT__LIST_MAX)
        return og_error_set(OG_EINVAL, "limit %d is outside 1..%d", limit, OG_AUDIT__LIST_MAX);
    if (cursor < 0)
        return og_error_set(OG_EINVAL, "cursor %lld is not a sequence number", (long long)cursor);
    return 0;
}

int og_audit_list_desc(og_ctx *ctx, const char *tenant_id, int64_t before_seq, int limit,
                       const og_audit_filter *f, json_t **out, int64_t *next_before)
{
    static const og_audit_filter none = {0};
    const char *chain = og_audit__chain_name(tenant_id);
    og_audit__reader *names = NULL;
    og_stmt *st = NULL;
    json_t *arr = NULL, *j = NULL;
    desc_page p;
    int error, empty = 0, n = 0, scan;
    int64_t examined = 0, last = 0;
    *out = NULL;
    *next_before = 0;
    f = f ? f : &none;
    scan = has(f->actor) || has(f->target);
    if ((error = og_audit__page_check(ctx, tenant_id, limit, before_seq)) < 0)
        return error;
    if ((error = desc_bounds(ctx->store, chain, before_seq, f, &p, &empty)) < 0)
        return error;
    if (!(arr = json_array()) || !(names = og_audit__reader_new(ctx, chain))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (empty)
        goto done;
    if ((error = og_stmt_prepare(
             &st, ctx->store, has(f->action) ? OG_AUDIT__DESC_ACTION_SQL : OG_AUDIT__DESC_SQL)) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, p.hi);
    og_stmt_bind_int(st, 3, p.lo);
    og_stmt_bind_text(st, 4, p.since);
    og_stmt_bind_text(st, 5, p.until);
    if (has(f->action))
        og_stmt_bind_text(st, 6, f->action);
    og_stmt_bind_int(st, has(f->action) ? 7 : 6, scan ? OG_AUDIT_SCAN_MAX : limit + 1);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        og_audit__row r;
        const char *hash = og_audit__row_from_stmt(&r, st);
        int m;
        examined++;
        j = NULL;
        if ((m = row_matches(names, &r, hash, f, &j)) < 0)
            goto unreadable;
        if (m == 0) {
            json_decref(j);
            last = r.seq;
            continue;
        }
        if (n == limit) {
            json_decref(j);
            *next_before = last; /* at least one more */
            break;
        }
        if (!j && !(j = og_audit__reader_json(names, &r, hash)))
            goto unreadable;
        if (json_array_append_new(arr, j) < 0)
            goto unreadable;
        last = r.seq;
        n++;
        continue;
    unreadable:
        json_decref(j);
        error = og_error_set(OG_ECORRUPT, "audit record %lld cannot be read", (long long)r.seq);
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    if (error == OG_DONE && scan && examined == OG_AUDIT_SCAN_MAX && last > p.lo)
        *next_before = last; /* the scan's budget ran out, not the chain */
done:
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    json_decref(arr);
    og_stmt_free(st);
    free(names);
    return error;
}

int og_audit_checkpoint_latest(og_ctx *ctx, const char *tenant_id, json_t **out,
                               int64_t *chain_size)
{
    const char *chain = og_audit__chain_name(tenant_id);
    json_t *cp = NULL;
    og_audit__cp c;
    uint8_t pub[32];
    int64_t n = 0;
    int error, ok = 0;
    *out = NULL;
    if (chain_size)
        *chain_size = 0;
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_READ)) < 0)
        return error;
    if ((error = og_audit__chain_length(ctx->store, chain, &n)) < 0)
        return error;
    error = og_audit__checkpoint_latest(ctx->store, chain, 1, &cp);
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        error = 0;
        goto done;
    }
    if (error < 0)
        return error;
    if (og_audit__cp_from_json(cp, &c) == 0 && og_audit__pubkey_get(ctx->store, c.key_id, pub) == 0)
        ok = og_audit__cp_verify(chain, &c, pub) == 0;
    og_error_clear(); /* an unknown key or a bad signature is the answer: signature_ok false */
    json_object_set_new(cp, "signature_ok", json_boolean(ok));
done:
    if (chain_size)
        *chain_size = n;
    *out = cp;
    return 0;
}
