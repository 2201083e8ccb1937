/* gate_internal.h - helpers shared by the files of the gate module only. */
#ifndef OPSGATE_GATE_INTERNAL_H
#define OPSGATE_GATE_INTERNAL_H

#include "opsgate/gate.h"

/* og_gate_kind_find() that fails with OG_EINVAL naming an unknown kind. */
int og_gate__kind_lookup(const char *name, const og_action_kind **out);

/* A tenant (name or id) the actor may act on with perm; fills tenant_id. */
int og_gate__tenant(og_ctx *ctx, const char *tenant, og_perm perm, char tenant_id[OG_ID_LEN]);

/* The effective level of kind in a tenant (policy row or the kind's default); no authorization. */
int og_gate__level(og_store *s, const char *tenant_id, const og_action_kind *kind,
                   og_gate_level *out);

/* The tenant's timing (defaults when unset) and the assignee of an area ("" when none). */
int og_gate__timing(og_store *s, const char *tenant_id, int64_t *approval_us, int64_t *review_us);
int og_gate__assignee(og_store *s, const char *tenant_id, const char *area, char *out, size_t size);

/* The built-in kind a lowering of another's level waits as (policy.c): always L2, approved by a
 * tenant-admin other than the requester. */
extern const og_action_kind og_gate__policy_lower_kind;

/* "user:<id>" for users, the actor label otherwise: who asked, for separation of duties. */
void og_gate__actor_key(const og_actor *a, char *out, size_t size);

/* Tenant-admins of their tenant and platform actors. */
int og_gate__is_admin(const og_actor *a);

#endif
