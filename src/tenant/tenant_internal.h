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
/* Step st once for the row a lookup wants: 0 with the row ready, OG_ENOTFOUND "<what> '<name>'
 * not found" when there is none, or the step's error. */
int og_tenant__row(og_stmt *st, const char *what, const char *name);
/* og_audit_log() in the platform area, tenant_id "" meaning the platform's trail; analysis is
 * stolen (NULL = none). */
int og_tenant__audit(og_ctx *ctx, const char *tenant_id, const char *action,
                     const char *target_type, const char *target_id, json_t *analysis);
/* The actor a token (by id) authenticates as, with every check og_token_authenticate() makes: the
 * user active, the token neither revoked nor expired, the tenant not suspended (OG_EAUTH or
 * OG_EDENIED, the message saying which). hash (32 bytes) is compared in constant time with the
 * stored one when given; NULL skips it (a session holds the token id it was signed in with). */
int og_tenant__token_actor(og_store *s, const char *id, const uint8_t *hash, og_actor *actor);

#endif
