/* pending_push.c - placeholder until pushes and webhooks land (replaced by push.c, webhook.c). */
#include "connector_internal.h"
#include "opsgate/error.h"

int og_connector_webhook(og_ctx *ctx, const char *connector_id, const char *const *headers,
                         const void *body, size_t body_len, json_t **out)
{
    (void)ctx, (void)connector_id, (void)headers, (void)body, (void)body_len;
    *out = NULL;
    return og_error_set(OG_ENOTFOUND, "no such connector");
}

int og_connector__automation_register(void); /* automation.c (sync_internal.h) */

int og_connector_register(void)
{
    return og_connector__automation_register();
}
