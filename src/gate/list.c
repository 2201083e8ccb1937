/* list.c - reading gate items: lists, one item with its history and notifications, the
 * decisions still open on it, and the lookups the CLI makes before it authenticates. */
#include "gate/gate_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

int og_gate_item_tenant(og_store *s, const char *gate_id, char tenant_id[OG_ID_LEN])
{
    og_gate__item it;
    int error;
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = og_gate__item_load(s, gate_id, &it, NULL)) < 0)
        return error;
    og_strlcpy(tenant_id, it.tenant_id, OG_ID_LEN);
    og_gate__item_free(&it);
    return 0;
}

int og_gate_item_requested_by(og_store *s, const char *gate_id, const og_actor *actor)
{
    og_gate__item it;
    char key[160];
    int error;
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = og_gate__item_load(s, gate_id, &it, NULL)) < 0)
        return error;
    og_gate__actor_key(actor, key, sizeof(key));
    error = strcmp(key, it.requester_key) == 0;
    og_gate__item_free(&it);
    return error;
}

typedef struct list_arg {
    og_ctx *ctx;
    og_tenant *tenant; /* every tenant's list: the last row's, looked up when it changes */
} list_arg;

/* One item of a list: as the API shows it, with its tenant's name and what it is about. */
static json_t *list_row(og_stmt *st, void *arg)
{
    list_arg *a = arg;
    json_t *o = og_gate__item_row_json(st);
    if (!o)
        return NULL;
    const char *tid = og_stmt_col_text(st, 1);
    if (strcmp(a->tenant->id, tid ? tid : "") != 0 && og_tenant_get(a->ctx, tid, a->tenant) < 0) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "tenant_name", json_string(a->tenant->name));
    if (og_gate__about_json(a->ctx, st, o) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int og_gate_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    og_tenant tenant_row;
    static const char *const states[] = {"pending", "review", "task", "done", NULL};
    int known = state == NULL;
    for (size_t i = 0; state && states[i]; i++)
        known |= strcmp(state, states[i]) == 0;
    if (!known)
        return og_error_set(OG_EINVAL, "unknown gate state '%s' (pending, review, task or done)",
                            state);
    if ((error = og_gate__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_tenant_get(ctx, tid, &tenant_row)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " OG_GATE__ITEM_COLS " FROM gate_items WHERE tenant_id = ?"
                                 " AND (? = '' OR state = ?) ORDER BY created_at DESC, id"
                                 " LIMIT 1000")) < 0)
        return error;
    OG_GATE__BIND_TEXTS(st, 1, tid, state ? state : "", state ? state : "");
    error = og_stmt_collect(st, list_row, &(list_arg){ctx, &tenant_row}, out);
    og_stmt_free(st);
    return error;
}

int og_gate_list_page(og_ctx *ctx, const char *tenant, const char *state, int limit, int offset,
                      json_t **out, int64_t *total)
{
    int error = -1;
    og_stmt *st = NULL;
    char tid[OG_ID_LEN] = "", sql[512];
    og_tenant tenant_row;
    static const char *const states[] = {"pending", "review", "task", "done", NULL};
    int known = state == NULL;
    for (size_t i = 0; state && states[i]; i++)
        known |= strcmp(state, states[i]) == 0;
    if (!known)
        return og_error_set(OG_EINVAL, "unknown gate state '%s' (pending, review, task or done)",
                            state);
    if (limit < 1 || limit > 1000 || offset < 0 || offset > 1000000)
        return og_error_set(OG_EINVAL, "a page of gate items is 1 to 1000 items from 0 to 1000000");
    memset(&tenant_row, 0, sizeof(tenant_row));
    if (tenant && *tenant) {
        if ((error = og_gate__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0)
            return error;
    } else if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return og_error_set(error, "every tenant's gate items are for platform-admins only");
    /* Fixed texts: a tenant's items through gate_items_tenant_state, every tenant's sorted. */
    const char *where =
        *tid
            ? (state ? " WHERE tenant_id = ?1 AND state = ?2" : " WHERE tenant_id = ?1 AND ?2 = ''")
            : (state ? " WHERE ?1 = '' AND state = ?2" : " WHERE ?1 = '' AND ?2 = ''");
    if (total) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM gate_items%s", where);
        error = OG_GATE__ROW(&st, ctx->store, sql, tid, state ? state : "");
        *total = error == OG_ROW ? og_stmt_col_int(st, 0) : 0;
        og_stmt_free(st);
        st = NULL;
        if (error < 0)
            return error;
    }
    snprintf(sql, sizeof(sql),
             "SELECT " OG_GATE__ITEM_COLS " FROM gate_items%s ORDER BY created_at DESC, id"
             " LIMIT ?3 OFFSET ?4",
             where);
    if ((error = og_stmt_prepare(&st, ctx->store, sql)) < 0)
        return error;
    OG_GATE__BIND_TEXTS(st, 1, tid, state ? state : "");
    og_stmt_bind_int(st, 3, limit);
    og_stmt_bind_int(st, 4, offset);
    error = og_stmt_collect(st, list_row, &(list_arg){ctx, &tenant_row}, out);
    og_stmt_free(st);
    return error;
}

/* What the item is about, into doc (og_gate_show; item_load has no ctx to open it with). */
static int item_about(og_ctx *ctx, const char *id, json_t *doc)
{
    og_stmt *st = NULL;
    int error = OG_GATE__ROW(&st, ctx->store,
                             "SELECT " OG_GATE__ITEM_COLS " FROM gate_items WHERE id = ?", id);
    if (error == OG_ROW)
        error = og_gate__about_json(ctx, st, doc);
    else if (error == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "gate item '%s' not found", id);
    og_stmt_free(st);
    return error;
}

static json_t *next_one(const char *decision, const char *who)
{
    return json_pack("{s:s, s:s}", "decision", decision, "who", who);
}

/* The decisions still open on an item and who may take them, in words (decision_allowed and
 * decision_fits decide; this only says it). */
static json_t *next_decisions(const og_gate__item *it)
{
    json_t *a = json_array();
    char who[400];
    if (strcmp(it->state, "pending") == 0) {
        const og_action_kind *k = og_gate_kind_find(it->kind);
        snprintf(who, sizeof(who), "%s other than the requester (%s)",
                 k && k->admin_approval ? "a tenant-admin" : "a tenant-admin or project-manager",
                 it->requested_by);
        json_array_append_new(a, next_one("approve", who));
        json_array_append_new(a, next_one("reject", who));
    } else if (strcmp(it->state, "review") == 0 || strcmp(it->state, "task") == 0) {
        if (it->escalated)
            og_strlcpy(who, "a tenant-admin (escalated)", sizeof(who));
        else if (it->assignee[0])
            snprintf(who, sizeof(who), "%s (the assignee) or a tenant-admin", it->assignee);
        else
            snprintf(who, sizeof(who),
                     "a user who may change the tenant's data (%s has no assignee)", it->area);
        if (it->state[0] == 'r') {
            json_array_append_new(a, next_one("ack", who));
            json_array_append_new(a, next_one("override", who));
            if (!it->escalated)
                json_array_append_new(a, next_one("escalate", who));
        } else {
            json_array_append_new(a, next_one("done", who));
            json_array_append_new(a, next_one("failed", who));
        }
    }
    return a;
}

int og_gate_item_resolve(og_store *s, const char *tenant_id, const char *ref, char id[OG_ID_LEN])
{
    og_stmt *st = NULL;
    char pat[OG_ID_LEN + 1];
    size_t n = ref ? strlen(ref) : 0;
    int error, rc, found = 0;
    if (ref && og_id_valid(ref)) {
        og_strlcpy(pat, ref, sizeof(pat));
        for (size_t i = 0; pat[i]; i++)
            pat[i] = (char)(pat[i] >= 'A' && pat[i] <= 'F' ? pat[i] - 'A' + 'a' : pat[i]);
        og_strlcpy(id, pat, OG_ID_LEN);
        return 0;
    }
    if (n < 8 || n >= OG_ID_LEN)
        return og_error_set(OG_EINVAL,
                            "bad gate item id '%.64s': give the id or at least its first 8 "
                            "characters",
                            ref ? ref : "");
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
            return og_error_set(OG_EINVAL, "bad gate item id '%.64s': not an id or its start", ref);
        pat[i] = c;
    }
    pat[n] = '%';
    pat[n + 1] = '\0';
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT id FROM gate_items WHERE id LIKE ? AND (? = '' OR"
                                 " tenant_id = ?) ORDER BY id LIMIT 2")) < 0)
        return error;
    OG_GATE__BIND_TEXTS(st, 1, pat, tenant_id ? tenant_id : "", tenant_id ? tenant_id : "");
    while ((rc = og_stmt_step(st)) == OG_ROW)
        if (found++ == 0)
            og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    pat[n] = '\0';
    if (found == 0)
        return og_error_set(OG_ENOTFOUND, "gate item '%s' not found", pat);
    if (found > 1)
        return og_error_set(OG_ECONFLICT,
                            "'%s' is the start of several gate items: give more of the id", pat);
    return 0;
}

/* How notifications went is the subscriber's to say (og_gate_delivery_status_register). */
static _Atomic(og_gate_delivery_status_fn) delivery_fn;

void og_gate_delivery_status_register(og_gate_delivery_status_fn fn)
{
    delivery_fn = fn;
}

static int delivery_status(og_store *s, const char *event_id, json_t *arr)
{
    og_gate_delivery_status_fn fn = delivery_fn;
    return fn ? fn(s, event_id, arr) : 0;
}

typedef struct history_arg {
    og_store *store;
    json_t *notes;
} history_arg;

/* One decision of an item's history (the columns up to rollback_of), adding how the
 * notifications of its event went: decisions after the first carry their own event. */
static json_t *history_row(og_stmt *st, void *arg)
{
    const history_arg *a = arg;
    const char *ev = og_stmt_col_text(st, 7);
    json_t *d = og_stmt_row_json(st);
    if (!d)
        return NULL;
    json_object_del(d, "n");
    json_object_del(d, "event_id");
    if (ev && og_stmt_col_int(st, 6) > 1 && delivery_status(a->store, ev, a->notes) < 0) {
        json_decref(d);
        return NULL;
    }
    return d;
}

/* The item's decisions in order into doc's "decisions", their notifications into notes. */
static int item_history(og_ctx *ctx, const char *gate_id, json_t *doc, json_t *notes)
{
    og_stmt *st = NULL;
    json_t *hist = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT decision, decided_by, decided_at, note, audit_seq,"
                                 " rollback_of, n, event_id FROM gate_decisions WHERE gate_id = ?"
                                 " ORDER BY n")) < 0)
        return error;
    og_stmt_bind_text(st, 1, gate_id);
    if ((error = og_stmt_collect(st, history_row, &(history_arg){ctx->store, notes}, &hist)) == 0)
        json_object_set_new(doc, "decisions", hist);
    og_stmt_free(st);
    return error;
}

int og_gate_show(og_ctx *ctx, const char *gate_id, json_t **out)
{
    int error = -1;
    json_t *doc = NULL, *notes = NULL;
    og_gate__item it;
    og_tenant tenant_row;
    const og_action_kind *k;
    memset(&it, 0, sizeof(it));
    if (!gate_id || !og_id_valid(gate_id))
        return og_error_set(OG_EINVAL, "bad gate item id '%s'", gate_id ? gate_id : "");
    if ((error = og_gate__item_load(ctx->store, gate_id, &it, &doc)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, it.tenant_id, OG_PERM_READ)) < 0) {
        if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "gate item '%s' not found", gate_id);
        goto cleanup;
    }
    if ((error = item_about(ctx, gate_id, doc)) < 0 ||
        (error = og_tenant_get(ctx, it.tenant_id, &tenant_row)) < 0)
        goto cleanup;
    json_object_set_new(doc, "tenant_name", json_string(tenant_row.name));
    json_object_set_new(doc, "next", next_decisions(&it));
    /* what the action's own state says (platform.note: whether its note stands) */
    if ((k = og_gate_kind_find(it.kind)) && k->show)
        k->show(doc);
    notes = json_array();
    if (json_is_string(json_object_get(doc, "event_id")) &&
        (error = delivery_status(ctx->store, json_string_value(json_object_get(doc, "event_id")),
                                 notes)) < 0)
        goto cleanup;
    if ((error = item_history(ctx, gate_id, doc, notes)) < 0)
        goto cleanup;
    json_object_set_new(doc, "notifications", notes);
    notes = NULL;
    *out = doc;
    doc = NULL;
cleanup:
    json_decref(doc);
    json_decref(notes);
    og_gate__item_free(&it);
    return error;
}
