/* schedule.c - scheduled scans per tenant, and the entry point the server calls to run due ones. */
#include "certs/certs_internal.h"
#include "certs/scan_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_EVERY_US (5 * 60 * 1000000LL)

/* Validate a schedule's targets as a run would see them now (@discovered expanded; none is
 * fine when @discovered is one of them). *tg may stay NULL. */
static int schedule_check(og_ctx *ctx, const char *tenant_id, const json_t *tj, const char *ports,
                          og_certs_targets **tg)
{
    json_t *x = json_deep_copy(tj);
    uint16_t *pl = NULL;
    size_t np = 0, nx;
    const char **tv = NULL;
    int error;
    if (!x)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_certs__discovered_expand(ctx, tenant_id, x)) < 0 ||
        (ports && (error = og_certs_ports_parse(ports, &pl, &np)) < 0))
        goto cleanup;
    nx = json_array_size(x);
    if (nx == 0 && json_array_size(tj) > 0)
        goto cleanup; /* only @discovered, and nothing discovered yet */
    if (!(tv = calloc(nx ? nx : 1, sizeof(*tv)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t k = 0; k < nx; k++)
        tv[k] = json_string_value(json_array_get(x, k));
    error = og_certs_targets_parse(tg, tv, nx, pl, np);
cleanup:
    json_decref(x);
    free(pl);
    free(tv);
    return error;
}

/* The ports a run scans: the schedule's, else with STARTTLS auto the default ports and the
 * STARTTLS protocols' ports (as `cert scan --starttls auto` without --ports), else NULL (the
 * default list). */
static const char *run_ports(const char *ports, const char *starttls)
{
    if (ports || !starttls || strcmp(starttls, "auto") != 0)
        return ports;
    return OG_CERTS_DEFAULT_PORTS "," OG_CERTS_STARTTLS_PORTS;
}

/* The STARTTLS mode as stored: NULL for direct TLS ("none" or none given), else "auto" or the
 * protocol's name. OG_EINVAL naming a mode that is not one. */
static int starttls_canon(const char *s, const char **out)
{
    int mode = 0, error;
    *out = NULL;
    if (!s || !*s || strcmp(s, "none") == 0)
        return 0;
    if ((error = og_certs_starttls_parse(s, &mode)) < 0)
        return error;
    *out = mode == OG_STLS_AUTO ? "auto" : og_certs__stls_name(mode);
    return 0;
}

int og_certs_schedule_add(og_ctx *ctx, const char *tenant, int64_t every_us,
                          const char *const *targets, size_t n, const char *ports, const char *sni,
                          const char *starttls, int timeout_ms, int concurrency,
                          char id_out[OG_ID_LEN])
{
    int in_tx = 0;
    int error = -1;
    const char *stls = NULL;
    og_tenant t;
    og_certs_targets *tg = NULL;
    og_stmt *st = NULL;
    json_t *tj = json_array(), *analysis = NULL;
    char *tjs = NULL, id[OG_ID_LEN], now[OG_TIME_LEN];
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (every_us < MIN_EVERY_US) {
        error = og_error_set(OG_EINVAL, "a scan schedule runs at most every 5 minutes");
        goto cleanup;
    }
    if (timeout_ms < 0 || timeout_ms > 600000 || concurrency < 0 || concurrency > 10000) {
        error = og_error_set(OG_EINVAL, "bad timeout or concurrency");
        goto cleanup;
    }
    if ((error = starttls_canon(starttls, &stls)) < 0)
        goto cleanup;
    /* Validate now, so a schedule never fails later on its own syntax. @FILE targets are read
     * again at each run (the file may grow). */
    for (size_t i = 0; i < n; i++)
        json_array_append_new(tj, json_string(targets[i]));
    /* @discovered is expanded at each run: validate the others (if any) */
    if ((error = schedule_check(ctx, t.id, tj, run_ports(ports, stls), &tg)) < 0)
        goto cleanup;
    if (!(tjs = json_dumps(tj, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO cert_schedules (id, tenant_id, every_us, targets,"
                                 " ports, sni, timeout_ms, concurrency, next_run_us, created_at,"
                                 " starttls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, t.id);
    og_stmt_bind_int(st, 3, every_us);
    og_stmt_bind_text(st, 4, tjs);
    og_stmt_bind_text(st, 5, ports);
    og_stmt_bind_text(st, 6, sni && *sni ? sni : NULL);
    og_stmt_bind_int(st, 7, timeout_ms);
    og_stmt_bind_int(st, 8, concurrency);
    og_stmt_bind_int(st, 9, og_time_now_us());
    og_stmt_bind_text(st, 10, now);
    og_stmt_bind_text(st, 11, stls);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:O, s:I, s:s?, s:s?, s:s?, s:I}", "targets", tj, "every_s",
                  (json_int_t)(every_us / 1000000), "ports", ports, "sni", sni && *sni ? sni : NULL,
                  "starttls", stls, "endpoints", (json_int_t)(tg ? og_certs_targets_count(tg) : 0));
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.schedule.add", "schedule", id, analysis)) <
        0)
        goto cleanup;
    error = 0;
cleanup:
    if (in_tx && (error = og_store_tx_end(ctx->store, error)) >= 0) {
        if (id_out)
            memcpy(id_out, id, OG_ID_LEN);
    }
    og_certs_targets_free(tg);
    og_stmt_free(st);
    json_decref(tj);
    json_decref(analysis);
    free(tjs);
    return error;
}

int og_certs_every_parse(const char *s, int64_t *out_us)
{
    static const char units[] = "wdhms";
    const char *c = s;
    int64_t total = 0;
    int last = -1, parts = 0;
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "missing duration");
    while (*c && parts < 5) {
        char part[32];
        const char *d = c;
        while (*d >= '0' && *d <= '9')
            d++;
        const char *u = *d ? strchr(units, *d) : NULL;
        int64_t us = 0;
        /* each part is a number and a unit, units in falling order, each once */
        if (d == c || !u || (int)(u - units) <= last || (size_t)(d - c) + 2 > sizeof(part))
            goto bad;
        memcpy(part, c, (size_t)(d - c) + 1);
        part[d - c + 1] = '\0';
        if (og_duration_parse(part, &us) < 0 || total > INT64_MAX - us)
            goto bad;
        total += us;
        last = (int)(u - units);
        c = d + 1;
        parts++;
    }
    if (*c)
        goto bad;
    *out_us = total;
    return 0;
bad:
    return og_error_set(OG_EINVAL,
                        "bad duration '%s' (a number and a unit s, m, h, d or w, or several in "
                        "falling order: 6h, 1d12h)",
                        s);
}

void og_certs__duration_text(int64_t us, char *out, size_t size)
{
    static const struct {
        char unit;
        int64_t s;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    int64_t secs = us / 1000000;
    size_t o = 0;
    out[0] = '\0';
    if (secs <= 0) {
        snprintf(out, size, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && o < size; i++) {
        int64_t n = secs / units[i].s;
        secs %= units[i].s;
        if (n)
            o += (size_t)snprintf(out + o, size - o, "%lld%c", (long long)n, units[i].unit);
    }
}

/* One schedule of the list, with its period and next run as text. */
static json_t *schedule_row_json(og_stmt *st, void *arg)
{
    (void)arg;
    char next[OG_TIME_LEN], every[64];
    og_time_format(og_stmt_col_int(st, 7), next);
    const char *lr = og_stmt_col_text(st, 9);
    og_certs__duration_text(og_stmt_col_int(st, 1), every, sizeof(every));
    return json_pack(
        "{s:s, s:I, s:s, s:o, s:s?, s:s?, s:s, s:i, s:i, s:s, s:s?, s:o, s:s}", "id",
        og_stmt_col_text(st, 0), "every_s", (json_int_t)(og_stmt_col_int(st, 1) / 1000000), "every",
        every, "targets", json_loads(og_stmt_col_text(st, 2), 0, NULL), "ports",
        og_stmt_col_text(st, 3), "sni", og_stmt_col_text(st, 4), "starttls",
        og_stmt_col_text(st, 11) ? og_stmt_col_text(st, 11) : "none", "timeout_ms",
        (int)og_stmt_col_int(st, 5), "concurrency", (int)og_stmt_col_int(st, 6), "next_run", next,
        "last_run", og_stmt_col_text(st, 8), "last_result",
        lr ? json_loads(lr, 0, NULL) : json_null(), "created_at", og_stmt_col_text(st, 10));
}

int og_certs_schedule_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error;
    og_tenant t;
    og_stmt *st = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0 ||
        (error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, every_us, targets, ports, sni, timeout_ms,"
                                 " concurrency, next_run_us, last_run_at, last_result, created_at,"
                                 " starttls FROM cert_schedules WHERE tenant_id = ?"
                                 " ORDER BY created_at")) < 0)
        return error;
    og_stmt_bind_text(st, 1, t.id);
    error = og_stmt_collect(st, schedule_row_json, NULL, out);
    og_stmt_free(st);
    return error;
}

int og_certs_schedule_delete(og_ctx *ctx, const char *tenant, const char *id)
{
    int error;
    og_tenant t;
    og_stmt *st = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "DELETE FROM cert_schedules WHERE tenant_id = ? AND id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (og_store_changes(ctx->store) == 0) {
        error = og_error_set(OG_ENOTFOUND, "no scan schedule '%s' in tenant '%s'", id, tenant);
        goto cleanup;
    }
    error = og_audit_log(ctx, t.id, "certs", "certs.schedule.delete", "schedule", id, NULL);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    return error;
}

typedef struct due {
    char id[OG_ID_LEN];
    char tenant_id[OG_ID_LEN];
    char *targets, *ports, *sni, *starttls;
    int timeout_ms, concurrency;
} due;

/* Claim the oldest due schedule: move its next run on, in a transaction, before running it. */
static int claim_one(og_ctx *ctx, due *d)
{
    int error, rc;
    og_stmt *st = NULL;
    int64_t now = og_time_now_us();
    memset(d, 0, sizeof(*d));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, tenant_id, targets, ports, sni, timeout_ms,"
                                 " concurrency, every_us, starttls FROM cert_schedules"
                                 " WHERE next_run_us <= ?"
                                 " ORDER BY next_run_us LIMIT 1")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, now);
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : 0;
        goto cleanup;
    }
    og_strlcpy(d->id, og_stmt_col_text(st, 0), sizeof(d->id));
    og_strlcpy(d->tenant_id, og_stmt_col_text(st, 1), sizeof(d->tenant_id));
    d->targets = strdup(og_stmt_col_text(st, 2));
    d->ports = og_stmt_col_text(st, 3) ? strdup(og_stmt_col_text(st, 3)) : NULL;
    d->sni = og_stmt_col_text(st, 4) ? strdup(og_stmt_col_text(st, 4)) : NULL;
    d->timeout_ms = (int)og_stmt_col_int(st, 5);
    d->concurrency = (int)og_stmt_col_int(st, 6);
    int64_t every = og_stmt_col_int(st, 7);
    d->starttls = og_stmt_col_text(st, 8) ? strdup(og_stmt_col_text(st, 8)) : NULL;
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE cert_schedules SET next_run_us = ? WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_int(st, 1, now + every);
    og_stmt_bind_text(st, 2, d->id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 1;
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    return error;
}

static void due_clear(due *d)
{
    free(d->targets);
    free(d->ports);
    free(d->sni);
    free(d->starttls);
}

static void record_result(og_ctx *ctx, const char *id, json_t *result)
{
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    char *txt = json_dumps(result, JSON_COMPACT);
    og_time_format(og_time_now_us(), now);
    if (txt && og_stmt_prepare(&st, ctx->store,
                               "UPDATE cert_schedules SET last_run_at = ?, last_result = ?"
                               " WHERE id = ?") == 0) {
        og_stmt_bind_text(st, 1, now);
        og_stmt_bind_text(st, 2, txt);
        og_stmt_bind_text(st, 3, id);
        og_stmt_step(st);
    }
    og_stmt_free(st);
    free(txt);
}

int og_certs_schedule_run_due(og_ctx *ctx, int *ran)
{
    int error = 0, n = 0;
    if (ran)
        *ran = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    /* Bounded: a schedule claimed once is not due again in this call. */
    for (int i = 0; i < 10000; i++) {
        due d;
        og_certs_targets *tg = NULL;
        uint16_t *pl = NULL;
        size_t np = 0;
        json_t *tj = NULL, *result = NULL;
        int rc = claim_one(ctx, &d);
        if (rc <= 0) {
            error = rc;
            break;
        }
        tj = json_loads(d.targets, 0, NULL);
        size_t nt0 = json_array_size(tj);
        int xrc = tj ? og_certs__discovered_expand(ctx, d.tenant_id, tj) : 0;
        size_t nt = json_array_size(tj);
        const char **tv = calloc(nt ? nt : 1, sizeof(*tv));
        for (size_t k = 0; tv && k < nt; k++)
            tv[k] = json_string_value(json_array_get(tj, k));
        og_certs_scan_summary sum;
        og_certs_scan_opts opts;
        memset(&opts, 0, sizeof(opts));
        opts.sni = d.sni;
        opts.timeout_ms = d.timeout_ms;
        opts.concurrency = d.concurrency;
        opts.starttls = d.starttls;
        const char *ports = run_ports(d.ports, d.starttls);
        memset(&sum, 0, sizeof(sum));
        /* A tenant whose key is revoked or withdrawn is skipped (recorded on the schedule, logged,
         * counted). */
        if ((rc = og_crypto_job_check(ctx->store, d.tenant_id, "certs.scan")) == OG_ELOCKED)
            fprintf(stderr, "opsgate: scheduler: skipping schedule %s: %s\n", d.id,
                    og_error_last());
        else if (!tv)
            rc = og_error_set(OG_ERROR, "out of memory");
        else if ((rc = xrc) < 0 || (nt == 0 && nt0 > 0))
            ; /* nothing discovered (yet, or any more): a run with no endpoint */
        else if ((ports && (rc = og_certs_ports_parse(ports, &pl, &np)) < 0) ||
                 (rc = og_certs_targets_parse(&tg, tv, nt, pl, np)) < 0)
            ;
        else
            rc = og_certs_scan(ctx, d.tenant_id, tg, &opts, &sum);
        /* A failed run is recorded on the schedule and the next one goes on. */
        if (rc == OG_ELOCKED)
            result = json_pack("{s:s, s:s}", "status", "skipped", "error", og_error_last());
        else if (rc < 0)
            result = json_pack("{s:s, s:s}", "status", "failed", "error", og_error_last());
        else
            result = json_pack("{s:s, s:s, s:I, s:I, s:I}", "status", "done", "scan_id",
                               sum.scan_id, "endpoints", (json_int_t)sum.endpoints, "ok",
                               (json_int_t)sum.by_status[OG_SCAN_OK], "certs_new",
                               (json_int_t)sum.certs_new);
        record_result(ctx, d.id, result);
        json_decref(result);
        json_decref(tj);
        free(tv);
        free(pl);
        og_certs_targets_free(tg);
        due_clear(&d);
        n++;
    }
    if (ran)
        *ran = n;
    if (error < 0)
        return error;
    /* Thresholds are crossed by the clock, not only by scans; so are requests' due times. */
    if ((error = og_certs_expiry_run(ctx, NULL, NULL)) < 0)
        return error;
    return og_certs_request_remind_due(ctx, NULL);
}

int og_certs_scheduler_job(og_ctx *ctx)
{
    return og_certs_schedule_run_due(ctx, NULL);
}
