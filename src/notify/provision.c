/* provision.c - default notification rules of a process area: the area's event types added to
 * the filter of the tenant's first channel, for og_app_tenant_area_enable (app.h). */
#include "notify/notify_internal.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"
#include "opsgate/store.h"

#include <string.h>

/* The tenant's oldest channel and its filter into id and filter; 0 when it has none. */
static int first_channel(og_store *s, const char *tid, char id[OG_ID_LEN], char *filter,
                         size_t size)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT id, events FROM notify_channels WHERE tenant_id = ?"
                                     " ORDER BY created_at, id LIMIT 1",
                                     "t", tid);
    if (error >= 0 && (error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
        og_strlcpy(filter, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "*", size);
    }
    og_stmt_free(st);
    return error;
}

int og_notify_rules_defaults(og_ctx *ctx, const char *tenant_id, const char *const *events,
                             json_t **out)
{
    char id[OG_ID_LEN] = "", filter[OG_NOTIFY_EVENTS_MAX], spec[OG_NOTIFY_EVENTS_MAX];
    json_t *added = NULL, *kept = NULL, *wanted = json_array();
    int error;
    *out = NULL;
    if (og_store_tx_depth(ctx->store) == 0) {
        json_decref(wanted);
        return og_error_set(OG_EINVAL, "default notification rules need the caller's "
                                       "transaction");
    }
    for (size_t i = 0; events[i]; i++)
        json_array_append_new(wanted, json_string(events[i]));
    if ((error = first_channel(ctx->store, tenant_id, id, filter, sizeof(filter))) < 0)
        goto cleanup;
    if (error != OG_ROW) { /* nowhere to send them: say so, invent nothing */
        *out = json_pack("{s:s, s:O, s:s}", "state", "pending", "events", wanted, "reason",
                         "the tenant has no notification channel: add one, then enable the "
                         "area again or set the channel's events");
        error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    added = json_array();
    kept = json_array();
    og_strlcpy(spec, filter, sizeof(spec));
    for (size_t i = 0; events[i]; i++) {
        if (og_notify__events_match(filter, events[i])) {
            json_array_append_new(kept, json_string(events[i]));
            continue;
        }
        if (strlen(spec) + strlen(events[i]) + 2 > sizeof(spec)) {
            error = og_error_set(OG_ETOOBIG, "channel %s's event filter is full", id);
            goto cleanup;
        }
        strcat(spec, ",");
        strcat(spec, events[i]);
        json_array_append_new(added, json_string(events[i]));
    }
    if (json_array_size(added) > 0 &&
        ((error = og_notify__events_parse(spec, filter, sizeof(filter))) < 0 ||
         (error = og_store_run(ctx->store,
                               "UPDATE notify_channels SET events = ? WHERE id = ? AND"
                               " tenant_id = ?",
                               "ttt", filter, id, tenant_id)) < 0))
        goto cleanup;
    *out = json_pack("{s:s, s:s, s:O, s:O}", "state", json_array_size(added) ? "added" : "kept",
                     "channel_id", id, "added", added, "kept", kept);
    error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
cleanup:
    json_decref(wanted);
    json_decref(added);
    json_decref(kept);
    return error < 0 ? error : 0;
}
