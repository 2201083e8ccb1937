/* sync_log.c - each sync's own record (connector_syncs), the cursor that moves only on
 * success, the connector's state that alerts once (connector.failing, connector.recovered),
 * the sync log, the Prometheus metrics and the scheduled syncs of `opsgate serve`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"
#include "registry.h"
#include "sync_internal.h"

#define DEFAULT_OVERLAP_S  300
#define DEFAULT_INTERVAL_S (15 * 60)
#define ERROR_KEPT         1000

void og_conn__sync_fail(og_conn_sync *r, int code)
{
    r->errors++;
    if (!r->first_error) {
        r->first_error = code < 0 ? code : OG_ERROR;
        snprintf(r->first_msg, sizeof(r->first_msg), "%s", og_error_last());
    }
    og_error_clear();
}

void og_conn__cursor_next(const char *prev, int64_t max_seen_us, int64_t overlap_us,
                          char out[OG_TIME_LEN])
{
    int64_t prev_us = 0, at;
    time_t t;
    struct tm tm;
    out[0] = '\0';
    if (prev && *prev) {
        if (og_time_parse(prev, &prev_us) == 0)
            og_strlcpy(out, prev, OG_TIME_LEN);
        og_error_clear();
    }
    if (max_seen_us <= 0)
        return;
    at = max_seen_us - (overlap_us > 0 ? overlap_us : 0);
    if (out[0] && at <= prev_us)
        return; /* never backwards: the previous cursor stays */
    t = (time_t)(at / 1000000);
    gmtime_r(&t, &tm);
    strftime(out, OG_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *og_conn__state_next(const char *prev, int ok, const char **emit)
{
    int was_failing = prev && strcmp(prev, "failing") == 0;
    *emit = NULL;
    if (ok && was_failing)
        *emit = "connector.recovered";
    else if (!ok && !was_failing)
        *emit = "connector.failing";
    return ok ? "ok" : "failing";
}

int og_conn__sync_begin(og_conn_sync *r)
{
    int error;
    og_id_new(r->id);
    og_time_format(og_time_now_us(), r->synced_at);
    r->started_mono_us = og_time_mono_us();
    if ((error = og_store_tx_begin(r->sys.store)) < 0)
        return error;
    error = og_store_run(r->sys.store,
                         "INSERT INTO connector_syncs (id, connector_id, trigger, outcome, "
                         "started_at) VALUES (?, ?, ?, 'running', ?)",
                         "tttt", r->id, r->c->id, r->trigger, r->synced_at);
    return og_store_tx_end(r->sys.store, error < 0 ? error : 0);
}

static json_t *outcome_json(const og_conn_sync *r, int ok, int64_t ms, const char *cursor)
{
    json_t *unmapped = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(r->unmapped, k, v) json_array_append(unmapped, v);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:o, s:s?, "
                     "s:s?}",
                     "id", r->id, "connector", r->c->name, "outcome", ok ? "ok" : "failed",
                     "trigger", r->trigger, "pages", (json_int_t)r->c->pages, "requests",
                     (json_int_t)r->c->requests, "records", (json_int_t)r->records, "changes",
                     (json_int_t)r->changes, "unmapped", (json_int_t)r->unmapped_n, "errors",
                     (json_int_t)r->errors, "duration_ms", (json_int_t)ms, "error",
                     ok ? NULL : r->first_msg, "unmapped_companies", unmapped, "cursor",
                     cursor && *cursor ? cursor : NULL, "not_found", r->not_found);
}

/* o with "notes": the lines of text (what the pull left out and why), when any. */
static json_t *notes_set(json_t *o, const char *text)
{
    json_t *notes = json_array();
    for (const char *p = text ? text : ""; o && notes && *p;) {
        size_t n = strcspn(p, "\n");
        if (n)
            json_array_append_new(notes, json_stringn(p, n));
        p += n + (p[n] == '\n');
    }
    if (o && json_array_size(notes))
        json_object_set(o, "notes", notes);
    json_decref(notes);
    return o;
}

static json_t *with_notes(const og_conn_sync *r, json_t *o)
{
    return notes_set(o, r->c->notes);
}

void og_conn__sync_rows_notes(json_t *rows)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *text = json_incref(json_object_get(row, "notes"));
        json_object_del(row, "notes");
        notes_set(row, json_string_value(text));
        json_decref(text);
    }
}

/* connector.failing / connector.recovered, in the finishing transaction. */
static int state_event(og_conn_sync *r, const char *type, int64_t ms)
{
    json_t *p =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I}", "connector", r->c->name, "connector_id",
                  r->c->id, "kind", r->c->vendor->kind, "sync_id", r->id, "trigger", r->trigger,
                  "error", strcmp(type, "connector.failing") == 0 ? r->first_msg : NULL,
                  "duration_ms", (json_int_t)ms);
    int error =
        p ? og_event_emit(&r->sys, r->c->tenant_id[0] ? r->c->tenant_id : NULL, type, p, NULL)
          : og_error_set(OG_ERROR, "out of memory");
    json_decref(p);
    return error;
}

static int finish_tx(og_conn_sync *r, int ok, int64_t ms, char cursor[OG_TIME_LEN],
                     const char **state_out)
{
    og_stmt *st = NULL;
    char prev_state[16] = "ok", prev_cursor[OG_TIME_LEN] = "", end[OG_TIME_LEN];
    const char *emit, *state;
    json_t *analysis = NULL;
    int error;
    if ((error = og_stmt_prepare_args(&st, r->sys.store,
                                      "SELECT state, cursor FROM connectors WHERE id = ?", "t",
                                      r->c->id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(prev_state, og_stmt_col_text(st, 0), sizeof(prev_state));
        if (og_stmt_col_text(st, 1))
            og_strlcpy(prev_cursor, og_stmt_col_text(st, 1), sizeof(prev_cursor));
    }
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (error == OG_DONE)
        return og_error_set(OG_ENOTFOUND, "connector %s was removed during its sync", r->c->name);
    og_strlcpy(cursor, prev_cursor, OG_TIME_LEN);
    /* A one-record sync (webhook) proves nothing about the others: the cursor stays. */
    if (ok && !r->opts->remote_id)
        og_conn__cursor_next(prev_cursor, r->max_seen_us,
                             og_conn_opt_int(r->c, "cursor_overlap_s", DEFAULT_OVERLAP_S) * 1000000,
                             cursor);
    *state_out = state = og_conn__state_next(prev_state, ok, &emit);
    og_time_format(og_time_now_us(), end);
    if ((error =
             og_store_run(r->sys.store, "UPDATE connectors SET state = ?, cursor = ? WHERE id = ?",
                          "ttt", state, cursor[0] ? cursor : NULL, r->c->id)) < 0 ||
        (error = og_store_run(r->sys.store,
                              "UPDATE connector_syncs SET outcome = ?, finished_at = ?, pages = "
                              "?, requests = ?, records = ?, changes = ?, unmapped = ?, errors = "
                              "?, duration_ms = ?, error = ?, notes = ? WHERE id = ?",
                              "ttiiiiiiittt", ok ? "ok" : "failed", end, (int64_t)r->c->pages,
                              (int64_t)r->c->requests, r->records, r->changes, r->unmapped_n,
                              r->errors, ms, ok ? NULL : r->first_msg,
                              r->c->notes[0] ? r->c->notes : NULL, r->id)) < 0)
        return error;
    if (emit && (error = state_event(r, emit, ms)) < 0)
        return error;
    analysis = with_notes(r, outcome_json(r, ok, ms, cursor));
    json_object_set_new(analysis, "state", json_string(state));
    if (emit)
        json_object_set_new(analysis, "state_event", json_string(emit));
    og_audit_rec rec = {.tenant_id = r->c->tenant_id[0] ? r->c->tenant_id : NULL,
                        .area = "connector",
                        .action = "connector.sync",
                        .target_type = "connector",
                        .target_id = r->c->id,
                        .analysis = analysis,
                        .failed = !ok,
                        .detail = ok ? NULL : r->first_msg};
    error =
        analysis ? og_audit_append(r->caller, &rec, NULL) : og_error_set(OG_ERROR, "out of memory");
    json_decref(analysis);
    return error < 0 ? error : 0;
}

int og_conn__sync_finish(og_conn_sync *r, int sync_error, json_t **out)
{
    int ok = sync_error == 0, error;
    int64_t ms = (og_time_mono_us() - r->started_mono_us) / 1000;
    char cursor[OG_TIME_LEN] = "";
    const char *state = "ok";
    if (ok)
        og_error_clear();
    if ((error = og_store_tx_begin(r->sys.store)) < 0)
        return error;
    error = og_store_tx_end(r->sys.store, finish_tx(r, ok, ms, cursor, &state));
    if (error < 0)
        return og_error_wrap("connector %s: recording its sync", r->c->name);
    if (out)
        *out = with_notes(r, outcome_json(r, ok, ms, cursor));
    if (out && *out)
        json_object_set_new(*out, "state", json_string(state));
    if (!ok)
        return og_error_set(sync_error, "connector %s: sync failed (%lld error%s): %s", r->c->name,
                            (long long)r->errors, r->errors == 1 ? "" : "s", r->first_msg);
    return 0;
}

/* ---- the log ---- */

int og_connector_sync_log(og_ctx *ctx, const char *tenant, const char *name, int limit,
                          json_t **out)
{
    og_conn *c = NULL;
    og_stmt *st = NULL;
    int error;
    *out = NULL;
    if (limit <= 0)
        limit = 50;
    if (limit > 1000)
        limit = 1000;
    if ((error = og_conn_load(ctx, tenant, name, OG_PERM_READ, &c)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT id, trigger, outcome, started_at, finished_at, pages, requests, records, "
             "changes, unmapped, errors, duration_ms, error, notes FROM connector_syncs WHERE "
             "connector_id = ? ORDER BY started_at DESC, id DESC LIMIT ?",
             "ti", c->id, (int64_t)limit)) == 0 &&
        (error = og_stmt_collect(st, NULL, NULL, out)) == 0)
        og_conn__sync_rows_notes(*out);
    og_stmt_free(st);
    og_conn_free(c);
    return error;
}

/* ---- metrics ---- */

int og_connector_metrics_render(og_store *s, og_buf *out)
{
    static const char *const head =
        "# HELP opsgate_connector_syncs_total Syncs of each connector by outcome.\n"
        "# TYPE opsgate_connector_syncs_total counter\n"
        "# HELP opsgate_connector_last_success_timestamp_seconds End of the last successful "
        "sync.\n"
        "# TYPE opsgate_connector_last_success_timestamp_seconds gauge\n"
        "# HELP opsgate_connector_records PSA projects the connector keeps in sync.\n"
        "# TYPE opsgate_connector_records gauge\n"
        "# HELP opsgate_connector_requests_total Requests sent to the vendor by syncs.\n"
        "# TYPE opsgate_connector_requests_total counter\n"
        "# HELP opsgate_connector_state 1 for the connector's state (ok or failing).\n"
        "# TYPE opsgate_connector_state gauge\n";
    og_stmt *st = NULL;
    og_ctx ctx;
    int error;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    og_actor_system(&ctx.actor, "metrics");
    if ((error = og_stmt_prepare(
             &st, s,
             "SELECT c.id, c.name, COALESCE(c.tenant_id, ''), c.kind, c.state, "
             "(SELECT COUNT(*) FROM connector_syncs x WHERE x.connector_id = c.id AND "
             "x.outcome = 'ok'), "
             "(SELECT COUNT(*) FROM connector_syncs x WHERE x.connector_id = c.id AND "
             "x.outcome = 'failed'), "
             "(SELECT MAX(finished_at) FROM connector_syncs x WHERE x.connector_id = c.id AND "
             "x.outcome = 'ok'), "
             "(SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM connector_syncs x WHERE "
             "x.connector_id = c.id), "
             "(SELECT COUNT(*) FROM connector_records r WHERE r.connector_id = c.id) "
             "FROM connectors c ORDER BY c.id")) < 0)
        return error;
    error = og_buf_puts(out, head);
    while (error == 0 && (error = og_stmt_step(st)) == OG_ROW) {
        char l[512];
        int64_t last = 0;
        const char *state = og_stmt_col_text(st, 4);
        char tname[64] = "";
        og_tenant t;
        if (*og_stmt_col_text(st, 2) && og_tenant_get(&ctx, og_stmt_col_text(st, 2), &t) == 0)
            og_strlcpy(tname, t.name, sizeof(tname));
        og_error_clear();
        /* names are [a-z0-9._-] and ids UUIDs: nothing to escape in a label */
        snprintf(l, sizeof(l), "connector=\"%s\",connector_id=\"%s\",tenant=\"%s\",kind=\"%s\"",
                 og_stmt_col_text(st, 1), og_stmt_col_text(st, 0), tname, og_stmt_col_text(st, 3));
        if (og_stmt_col_text(st, 7) && og_time_parse(og_stmt_col_text(st, 7), &last) < 0)
            og_error_clear();
        error =
            og_buf_printf(out,
                          "opsgate_connector_syncs_total{%s,outcome=\"ok\"} %lld\n"
                          "opsgate_connector_syncs_total{%s,outcome=\"failed\"} %lld\n"
                          "opsgate_connector_last_success_timestamp_seconds{%s} %lld\n"
                          "opsgate_connector_records{%s} %lld\n"
                          "opsgate_connector_requests_total{%s} %lld\n"
                          "opsgate_connector_state{%s,state=\"ok\"} %d\n"
                          "opsgate_connector_state{%s,state=\"failing\"} %d\n",
                          l, (long long)og_stmt_col_int(st, 5), l,
                          (long long)og_stmt_col_int(st, 6), l, (long long)(last / 1000000), l,
                          (long long)og_stmt_col_int(st, 9), l, (long long)og_stmt_col_int(st, 8),
                          l, strcmp(state, "ok") == 0, l, strcmp(state, "failing") == 0);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* ---- scheduled syncs ---- */

/* options.sync_interval: a duration ("15m", the default), or "off" (0: never scheduled). */
static int64_t interval_us(const json_t *options)
{
    const char *v = json_string_value(json_object_get(options, "sync_interval"));
    int64_t us;
    if (!v)
        return (int64_t)DEFAULT_INTERVAL_S * 1000000;
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
        return 0;
    if (og_duration_parse(v, &us) < 0 || us <= 0) {
        og_error_clear();
        return (int64_t)DEFAULT_INTERVAL_S * 1000000;
    }
    return us;
}

/* Connectors whose last sync (of any trigger) started longer ago than their interval. */
static int due_list(og_ctx *ctx, json_t *due)
{
    og_stmt *st = NULL;
    int64_t now = og_time_now_us();
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT c.id, c.options, (SELECT MAX(started_at) FROM "
                                 "connector_syncs x WHERE x.connector_id = c.id), c.tenant_id "
                                 "FROM connectors c ORDER BY c.id")) < 0)
        return error;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        json_t *opts = json_loads(og_stmt_col_text(st, 1), 0, NULL);
        int64_t every = interval_us(opts), last = 0;
        const char *l = og_stmt_col_text(st, 2);
        json_decref(opts);
        if (l && og_time_parse(l, &last) < 0)
            og_error_clear();
        if (every > 0 && (!l || now - last >= every))
            json_array_append_new(
                due, json_pack("[s, s?]", og_stmt_col_text(st, 0), og_stmt_col_text(st, 3)));
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_connector_scheduler_job(og_ctx *ctx)
{
    og_connector_sync_opts o = {.trigger = "schedule"};
    json_t *due = json_array();
    int error, failed = 0;
    if (!due)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = due_list(ctx, due)) < 0)
        goto cleanup;
    for (size_t i = 0; i < json_array_size(due); i++) {
        og_conn *c = NULL;
        json_t *res = NULL, *one = json_array_get(due, i);
        /* A tenant whose key is revoked or withdrawn: skipped up front (counted); its connectors
         * sync at the first run after the key is back. */
        int rc = og_crypto_job_check(ctx->store, json_string_value(json_array_get(one, 1)),
                                     "connector.sync");
        if (rc == OG_ELOCKED) {
            og_error_clear();
            continue;
        }
        if (rc == 0)
            rc = og_conn_load_id(ctx, json_string_value(json_array_get(one, 0)), &c);
        if (rc == 0)
            rc = og_conn__sync_run(ctx, c, &o, &res);
        if (rc < 0) { /* recorded with the sync; the next ones still run */
            fprintf(stderr, "opsgate: connector: %s\n", og_error_last());
            og_error_clear();
            failed++;
        }
        json_decref(res);
        og_conn_free(c);
    }
cleanup:
    json_decref(due);
    (void)failed;
    return error;
}
