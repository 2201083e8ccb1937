/* pending_load.c - placeholder until the registry lands (replaced by connector.c). */
#include "connector_internal.h"
#include "opsgate/error.h"

int og_conn_load(og_ctx *ctx, const char *tenant, const char *name, og_perm perm, og_conn **out)
{
    (void)ctx, (void)tenant, (void)name, (void)perm;
    *out = NULL;
    return og_error_set(OG_ERROR, "connectors are not built yet");
}

int og_conn_load_id(og_ctx *ctx, const char *id, og_conn **out)
{
    (void)ctx, (void)id;
    *out = NULL;
    return og_error_set(OG_ERROR, "connectors are not built yet");
}
