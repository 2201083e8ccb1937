/* webhook.c - inbound webhooks (POST /api/v1/connectors/{id}/webhook): the connector by id, the
 * vendor's own authentication, then an incremental sync of the project the call names. */
#include <string.h>

#include "connector_internal.h"
#include "opsgate/error.h"

int og_connector_webhook(og_ctx *ctx, const char *connector_id, const char *const *headers,
                         const void *body, size_t body_len, json_t **out)
{
    og_conn *c = NULL;
    json_t *sync = NULL;
    char project[256] = "", tenant[OG_ID_LEN] = "", id[OG_ID_LEN] = "";
    int error;
    *out = NULL;
    /* Whatever keeps the connector from loading (unknown id, credentials that do not open), the
     * caller hears what a failed authentication says: ids cannot be probed. */
    if (og_conn_load_id(ctx, connector_id, &c) < 0)
        return og_error_set(OG_ENOTFOUND, "webhook not accepted");
    if (!c->vendor->webhook) {
        error = og_error_set(OG_EAUTH, "webhook not accepted");
        goto cleanup;
    }
    og_conn_webhook w = {.headers = headers, .body = body, .body_len = body_len};
    if ((error = c->vendor->webhook(c, &w, project, sizeof(project))) < 0) {
        if (error == OG_EAUTH || error == OG_ENOTFOUND)
            og_error_set(OG_EAUTH, "webhook not accepted");
        goto cleanup;
    }
    og_strlcpy(tenant, c->tenant_id, sizeof(tenant));
    og_strlcpy(id, c->id, sizeof(id));
    og_conn_free(c); /* the sync loads the connector again, with its own budget */
    c = NULL;
    if (!project[0]) {
        *out = json_pack("{s:b, s:n}", "ok", 1, "project");
        goto cleanup;
    }
    og_connector_sync_opts opts = {.remote_id = project, .trigger = "webhook"};
    error = og_connector_sync(ctx, tenant[0] ? tenant : NULL, id, &opts, &sync);
    *out = json_pack("{s:b, s:s, s:O?}", "ok", error == 0, "project", project, "sync", sync);
cleanup:
    json_decref(sync);
    og_conn_free(c);
    return error;
}
