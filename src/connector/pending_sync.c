/* pending_sync.c - placeholder until the pull lands (replaced by sync.c). */
#include "connector_internal.h"
#include "opsgate/error.h"

int og_connector_sync(og_ctx *ctx, const char *tenant, const char *name,
                      const og_connector_sync_opts *opts, json_t **out)
{
    (void)ctx, (void)tenant, (void)name, (void)opts;
    *out = NULL;
    return og_error_set(OG_ERROR, "connector sync is not built yet");
}

int og_connector_sync_log(og_ctx *ctx, const char *tenant, const char *name, int limit,
                          json_t **out)
{
    (void)ctx, (void)tenant, (void)name, (void)limit;
    *out = NULL;
    return og_error_set(OG_ERROR, "connector sync is not built yet");
}

int og_connector_metrics_render(og_store *s, og_buf *out)
{
    (void)s, (void)out;
    return 0;
}
