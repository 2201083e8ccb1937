/* metrics.c - gate counters in the Prometheus text format, computed from the gate items. */
#include "gate/gate_internal.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/tenant.h"

#include <string.h>

/* Label values come from names we validate (tenants, kinds, areas), but escape anyway: a label
 * must never break the exposition. */
static void put_label(og_buf *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            og_buf_printf(out, "\\%c", *s);
        else if (*s == '\n')
            og_buf_puts(out, "\\n");
        else
            og_buf_append(out, s, 1);
    }
}

static const struct {
    const char *name;
    const char *help;
} counters[] = {
    {"executed", "Actions executed (L0, L1, approved L2)."},
    {"failed", "Actions whose execution failed, and L3 tasks recorded as failed."},
    {"approvals", "L2 approvals."},
    {"rejections", "L2 rejections."},
    {"expiries", "L2 approvals that expired (counted as rejected)."},
    {"overrides", "L1 actions overridden and rolled back."},
    {"escalations", "L1 reviews escalated."},
};

int og_gate_metrics_render(og_store *s, og_buf *out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_buf rows[7];
    og_buf rate;
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    og_actor_system(&ctx.actor, "metrics");
    for (size_t i = 0; i < 7; i++)
        og_buf_init(&rows[i], OG_BUF_DEFAULT_CAP);
    og_buf_init(&rate, OG_BUF_DEFAULT_CAP);
    if ((error = og_stmt_prepare(
             &st, s,
             "SELECT tenant_id, area, kind, CAST(SUM(executed) AS BIGINT), CAST(SUM(failed) AS "
             "BIGINT),"
             " SUM(CASE WHEN outcome IN ('approved') OR (level = 2 AND executed > 0) THEN 1 ELSE"
             " 0 END),"
             " SUM(CASE WHEN outcome = 'rejected' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN outcome = 'expired' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN outcome = 'overridden' THEN 1 ELSE 0 END),"
             " CAST(SUM(escalated) AS BIGINT),"
             " SUM(CASE WHEN level = 1 AND executed > 0 THEN 1 ELSE 0 END)"
             " FROM gate_items GROUP BY tenant_id, area, kind ORDER BY tenant_id, area, kind")) < 0)
        goto cleanup;
    int rc;
    char last_tid[OG_ID_LEN] = "", tname[64] = "";
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *tid = og_stmt_col_text(st, 0);
        if (strcmp(tid, last_tid) != 0) {
            og_tenant t;
            og_strlcpy(last_tid, tid, sizeof(last_tid));
            if (og_tenant_get(&ctx, tid, &t) == 0)
                og_strlcpy(tname, t.name, sizeof(tname));
            else
                og_strlcpy(tname, tid, sizeof(tname));
            og_error_clear();
        }
        og_buf lbl;
        og_buf_init(&lbl, 4096);
        og_buf_puts(&lbl, "{tenant=\"");
        put_label(&lbl, tname);
        og_buf_puts(&lbl, "\",area=\"");
        put_label(&lbl, og_stmt_col_text(st, 1));
        og_buf_puts(&lbl, "\",kind=\"");
        put_label(&lbl, og_stmt_col_text(st, 2));
        og_buf_puts(&lbl, "\"}");
        for (int i = 0; i < 7; i++)
            og_buf_printf(&rows[i], "opsgate_gate_%s_total%s %lld\n", counters[i].name, lbl.data,
                          (long long)og_stmt_col_int(st, 3 + i));
        int64_t l1 = og_stmt_col_int(st, 10), ov = og_stmt_col_int(st, 8);
        og_buf_printf(&rate, "opsgate_gate_override_rate%s %.6f\n", lbl.data,
                      l1 > 0 ? (double)ov / (double)l1 : 0.0);
        og_buf_free(&lbl);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    for (int i = 0; i < 7; i++) {
        og_buf_printf(out,
                      "# HELP opsgate_gate_%s_total %s\n# TYPE opsgate_gate_%s_total counter\n",
                      counters[i].name, counters[i].help, counters[i].name);
        if (rows[i].len)
            og_buf_append(out, rows[i].data, rows[i].len);
    }
    og_buf_puts(out, "# HELP opsgate_gate_override_rate Overrides per L1 action executed.\n"
                     "# TYPE opsgate_gate_override_rate gauge\n");
    if (rate.len)
        og_buf_append(out, rate.data, rate.len);
    if ((error = og_events_metrics_render(s, out)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    for (int i = 0; i < 7; i++)
        og_buf_free(&rows[i]);
    og_buf_free(&rate);
    return error;
}
