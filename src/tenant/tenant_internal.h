/* tenant_internal.h - helpers shared by the files of the tenant module only. */
#ifndef OPSGATE_TENANT_INTERNAL_H
#define OPSGATE_TENANT_INTERNAL_H

#include "opsgate/tenant.h"

/* By name or id, no authorization. OG_ENOTFOUND names the value. */
int og_tenant__find(og_store *s, const char *name_or_id, og_tenant *out);
/* By name or id, checked against the actor: other tenants' objects are OG_ENOTFOUND. */
int og_tenant__resolve(og_ctx *ctx, const char *name_or_id, og_perm perm, og_tenant *out);
/* A user by name or id inside a tenant (tenant_id "" = platform admins), no authorization. */
int og_user__find(og_store *s, const char *tenant_id, const char *name_or_id, og_user *out);
/* Step st to its end, one array element per row made by row(st, arg) (a new reference); *out is
 * the array (caller frees) when every step succeeded, else the step's error and *out untouched.
 * st stays the caller's. */
int og_tenant__rows_json(og_stmt *st, json_t *(*row)(og_stmt *st, void *arg), void *arg,
                         json_t **out);

#endif
