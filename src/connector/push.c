/* push.c - results back to the PSA: a published document attached to the PSA project it came
 * from, once; and what the push of a ticket remembers. Each push is recorded in connector_pushes
 * ('pending' committed before the vendor is called, 'done'/'open'/'closed' after), so a retried
 * event never attaches or opens twice — except after a crash between the vendor's answer and the
 * record, which the next attempt cannot tell from a failure (at-least-once, docs/connectors.md). */
#include <stdio.h>
#include <string.h>

#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "registry.h"

#define ATTACH_MAX ((size_t)32 << 20) /* the largest document pushed */

/* The push (connector, what, key): its state into state ("" when none) and remote id. */
static int push_get(og_ctx *ctx, const char *cid, const char *what, const char *key, char *state,
                    size_t ssize, char *remote, size_t rsize)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT state, remote_id FROM connector_pushes WHERE"
                                  " connector_id = ? AND what = ? AND local_key = ?",
                                  "ttt", cid, what, key);
    state[0] = remote[0] = '\0';
    if (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(state, og_stmt_col_text(st, 0), ssize);
        og_strlcpy(remote, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", rsize);
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

/* Record the push's state (and remote id when not NULL), in its own transaction with audit. */
static int push_set(og_ctx *ctx, const og_conn *c, const char *tenant_id, const char *what,
                    const char *key, const char *state, const char *remote, const char *action,
                    json_t *details)
{
    char now[OG_TIME_LEN];
    int error;
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error =
        og_store_run(ctx->store,
                     "INSERT INTO connector_pushes (connector_id, what, local_key, tenant_id,"
                     " remote_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                     " ON CONFLICT (connector_id, what, local_key) DO UPDATE SET"
                     " state = excluded.state, remote_id = COALESCE(excluded.remote_id,"
                     " CASE WHEN excluded.state = 'pending' THEN NULL"
                     " ELSE connector_pushes.remote_id END),"
                     " updated_at = excluded.updated_at",
                     "tttttttt", c->id, what, key, tenant_id && *tenant_id ? tenant_id : NULL,
                     remote, state, now, now);
    if (error >= 0 && action)
        error = og_audit_log(ctx, tenant_id && *tenant_id ? tenant_id : NULL, "connector", action,
                             "connector", c->id, details);
    return og_store_tx_end(ctx->store, error);
}

int og_conn__attach_once(og_ctx *ctx, og_conn *c, const char *tenant_id, const char *key,
                         const og_conn_attachment *a, char *remote, size_t size)
{
    char state[16];
    json_t *d = NULL;
    int error;
    remote[0] = '\0';
    if (!c->vendor->attach)
        return 0;
    if ((error = push_get(ctx, c->id, "attachment", key, state, sizeof(state), remote, size)) < 0)
        return error;
    if (strcmp(state, "done") == 0)
        return 1; /* attached before: a redelivery */
    if ((error = push_set(ctx, c, tenant_id, "attachment", key, "pending", NULL, NULL, NULL)) < 0)
        return error;
    if ((error = c->vendor->attach(c, a, remote, size)) < 0)
        return error; /* stays pending: the event bus retries */
    d = json_pack("{s:s, s:s, s:s, s:s}", "connector", c->name, "project_remote_id",
                  a->project_remote_id, "document", key, "remote_id", remote);
    error =
        push_set(ctx, c, tenant_id, "attachment", key, "done", remote, "connector.push.attach", d);
    json_decref(d);
    return error;
}

/* One connector record of the published project: attach the version to its PSA project. */
static int attach_to(og_ctx *ctx, const og_event *ev, const char *cid, const char *remote_project,
                     const char *key, const char *name, const og_artifact_version *info,
                     const og_buf *content)
{
    og_conn *c = NULL;
    char remote[256], title[OG_ARTIFACT_NAME_MAX + 64];
    int error;
    if ((error = og_conn_load_id(ctx, cid, &c)) < 0)
        return error == OG_ENOTFOUND ? 0 : error; /* removed since */
    snprintf(title, sizeof(title), "%s v%lld", name,
             (long long)json_integer_value(json_object_get(ev->payload, "version")));
    og_conn_attachment a = {.project_remote_id = remote_project,
                            .file_name = name,
                            .media_type =
                                info->media_type[0] ? info->media_type : "application/octet-stream",
                            .title = title,
                            .data = content->data,
                            .len = content->len};
    error = og_conn__attach_once(ctx, c, ev->tenant_id, key, &a, remote, sizeof(remote));
    if (error < 0)
        og_error_wrap("connector %s: attaching a published document", c->name);
    og_conn_free(c);
    return error < 0 ? error : 0;
}

typedef struct record {
    char cid[OG_ID_LEN];
    char remote[128];
} record;

/* "artifacts.published": the version goes to the PSA project the opsgate project came from. */
static int on_published(og_ctx *ctx, const og_event *ev, void *arg)
{
    const char *project = json_string_value(json_object_get(ev->payload, "project"));
    const char *aid = json_string_value(json_object_get(ev->payload, "artifact_id"));
    json_int_t version = json_integer_value(json_object_get(ev->payload, "version"));
    og_stmt *st = NULL;
    record recs[8];
    int n = 0, error, rc;
    og_buf content = {0};
    og_artifact_version info;
    char name[OG_ARTIFACT_NAME_MAX + 1], key[OG_ID_LEN + 32];
    (void)arg;
    if (!project || !aid || version < 1 || !ev->tenant_id[0])
        return 0;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT connector_id, remote_id FROM connector_records"
                                      " WHERE tenant_id = ? AND project_key = ? LIMIT 8",
                                      "tt", ev->tenant_id, project)) < 0)
        return error;
    while (n < 8 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(recs[n].cid, og_stmt_col_text(st, 0), sizeof(recs[n].cid));
        og_strlcpy(recs[n].remote, og_stmt_col_text(st, 1), sizeof(recs[n].remote));
        n++;
    }
    og_stmt_free(st);
    if (n == 0)
        return 0; /* not a PSA project */
    if ((error = og_artifact_read_id(ctx, ev->tenant_id, aid, (int64_t)version, ATTACH_MAX, name,
                                     &info, &content)) < 0)
        return error == OG_ENOTFOUND ? 0 : error; /* purged since: nothing to attach */
    snprintf(key, sizeof(key), "%s:v%lld", aid, (long long)version);
    for (int i = 0; i < n && error >= 0; i++)
        error = attach_to(ctx, ev, recs[i].cid, recs[i].remote, key, name, &info, &content);
    og_buf_free(&content);
    return error;
}

/* ---- tickets (the psa notifier, psa_notifier.c) ---- */

int og_conn__ticket(og_ctx *ctx, og_conn *c, const char *tenant_id, int close,
                    const og_conn_ticket *t)
{
    char state[16], remote[256];
    json_t *d = NULL;
    int error;
    if ((error = push_get(ctx, c->id, "ticket", t->key, state, sizeof(state), remote,
                          sizeof(remote))) < 0)
        return error;
    int open = strcmp(state, "open") == 0 && remote[0];
    if (close) {
        if (!open || !c->vendor->ticket_close)
            return 0;
        if ((error = c->vendor->ticket_close(c, remote, t)) < 0)
            return error;
        d = json_pack("{s:s, s:s, s:s}", "connector", c->name, "alert", t->key, "remote_id",
                      remote);
        error = push_set(ctx, c, tenant_id, "ticket", t->key, "closed", remote,
                         "connector.push.ticket.close", d);
    } else if (open) {
        if (c->vendor->ticket_note)
            error = c->vendor->ticket_note(c, remote, t);
    } else {
        if (!c->vendor->ticket_open)
            return og_error_set(OG_EINVAL, "connector %s: the %s adaptor opens no tickets", c->name,
                                c->vendor->kind);
        if ((error = push_set(ctx, c, tenant_id, "ticket", t->key, "pending", NULL, NULL, NULL)) <
                0 ||
            (error = c->vendor->ticket_open(c, t, remote, sizeof(remote))) < 0)
            return error;
        d = json_pack("{s:s, s:s, s:s}", "connector", c->name, "alert", t->key, "remote_id",
                      remote);
        error = push_set(ctx, c, tenant_id, "ticket", t->key, "open", remote,
                         "connector.push.ticket.open", d);
    }
    json_decref(d);
    return error;
}

/* ---- registration ---- */

int og_connector__psa_notifier_register(void); /* psa_notifier.c */
int og_connector__automation_register(void);   /* automation.c (the sync's; pending_automation.c
                                                * until it lands) */

int og_connector_register(void)
{
    int error = og_events_subscribe("connector-push", "artifacts.published", on_published, NULL);
    if (error == OG_EEXISTS)
        error = 0;
    if (error >= 0)
        error = og_connector__psa_notifier_register();
    if (error >= 0)
        error = og_connector__automation_register();
    if (error >= 0)
        og_error_clear();
    return error < 0 ? error : 0;
}
