/* context.c - roles, actors and the one place that decides who may do what. */
#include "opsgate/context.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {
    [OG_ROLE_NONE] = "none",
    [OG_ROLE_PLATFORM_ADMIN] = "platform-admin",
    [OG_ROLE_TENANT_ADMIN] = "tenant-admin",
    [OG_ROLE_PROJECT_MANAGER] = "project-manager",
    [OG_ROLE_ENGINEER] = "engineer",
    [OG_ROLE_AUDITOR] = "auditor",
    [OG_ROLE_CLIENT_VIEWER] = "client-viewer",
    [OG_ROLE_WITNESS] = "witness",
};

const char *og_role_name(og_role r)
{
    if ((size_t)r >= sizeof(role_names) / sizeof(role_names[0]))
        return "none";
    return role_names[r];
}

int og_role_parse(const char *s, og_role *out)
{
    for (size_t i = 1; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if (s && strcmp(s, role_names[i]) == 0) {
            *out = (og_role)i;
            return 0;
        }
    }
    return og_error_set(OG_EINVAL,
                        "unknown role '%s' (one of platform-admin, tenant-admin, project-manager, "
                        "engineer, auditor, client-viewer, witness)",
                        s ? s : "");
}

void og_actor_key(const og_actor *a, char *out, size_t size)
{
    if (a->kind == OG_ACTOR_USER)
        snprintf(out, size, "user:%s", a->user_id);
    else
        og_actor_label(a, out, size);
}

void og_actor_label(const og_actor *a, char *out, size_t size)
{
    switch (a->kind) {
    case OG_ACTOR_LOCAL:
        snprintf(out, size, "local:%s", a->local_user);
        break;
    case OG_ACTOR_SYSTEM:
        snprintf(out, size, "system:%s", a->component);
        break;
    case OG_ACTOR_USER:
        if (a->local_user[0])
            snprintf(out, size, "local:%s as user:%s", a->local_user, a->user_name);
        else
            snprintf(out, size, "user:%s", a->user_name);
        break;
    }
}

void og_actor_local(og_actor *a)
{
    memset(a, 0, sizeof(*a));
    a->kind = OG_ACTOR_LOCAL;
    a->role = OG_ROLE_PLATFORM_ADMIN;
    og_unix_user(a->local_user, sizeof(a->local_user));
}

void og_actor_system(og_actor *a, const char *component)
{
    memset(a, 0, sizeof(*a));
    a->kind = OG_ACTOR_SYSTEM;
    a->role = OG_ROLE_PLATFORM_ADMIN;
    og_strlcpy(a->component, component, sizeof(a->component));
}

bool og_actor_is_platform(const og_actor *a)
{
    return a->kind != OG_ACTOR_USER || a->role == OG_ROLE_PLATFORM_ADMIN;
}

/* Which roles hold which right inside their own tenant. */
static int role_has(og_role r, og_perm p)
{
    switch (p) {
    case OG_PERM_PLATFORM:
        return 0;
    case OG_PERM_TENANT_READ:
        return r != OG_ROLE_NONE && r != OG_ROLE_WITNESS;
    case OG_PERM_USER_MANAGE:
        return r == OG_ROLE_TENANT_ADMIN;
    case OG_PERM_USER_READ:
    case OG_PERM_READ:
        return r == OG_ROLE_TENANT_ADMIN || r == OG_ROLE_PROJECT_MANAGER || r == OG_ROLE_ENGINEER ||
               r == OG_ROLE_AUDITOR;
    case OG_PERM_AUDIT_READ:
    case OG_PERM_AUDIT_EXPORT:
        return r == OG_ROLE_TENANT_ADMIN || r == OG_ROLE_AUDITOR;
    case OG_PERM_WRITE:
        return r == OG_ROLE_TENANT_ADMIN || r == OG_ROLE_PROJECT_MANAGER || r == OG_ROLE_ENGINEER;
    case OG_PERM_AUDIT_CHECKPOINTS:
        return r == OG_ROLE_TENANT_ADMIN || r == OG_ROLE_AUDITOR || r == OG_ROLE_WITNESS;
    }
    return 0;
}

static const char *perm_what(og_perm p)
{
    switch (p) {
    case OG_PERM_PLATFORM:
        return "platform administration";
    case OG_PERM_TENANT_READ:
        return "reading the tenant";
    case OG_PERM_USER_READ:
        return "listing users";
    case OG_PERM_USER_MANAGE:
        return "managing users and their tokens";
    case OG_PERM_AUDIT_READ:
        return "reading the audit trail";
    case OG_PERM_AUDIT_EXPORT:
        return "exporting the audit trail";
    case OG_PERM_WRITE:
        return "changing tenant data";
    case OG_PERM_READ:
        return "reading tenant data";
    case OG_PERM_AUDIT_CHECKPOINTS:
        return "reading audit checkpoints";
    }
    return "this operation";
}

int og_authz_check(const og_actor *a, const char *tenant_id, og_perm p)
{
    if (og_actor_is_platform(a))
        return 0;
    /* the platform's witness (a witness of no tenant) reads the checkpoints of every chain */
    if (p == OG_PERM_AUDIT_CHECKPOINTS && a->role == OG_ROLE_WITNESS && !a->tenant_id[0])
        return 0;
    if (!tenant_id || !tenant_id[0])
        return og_error_set(OG_EDENIED, "%s needs the platform-admin role (you are %s)",
                            perm_what(p), og_role_name(a->role));
    if (strcmp(a->tenant_id, tenant_id) != 0)
        return og_error_set(OG_ENOTFOUND, "not found");
    if (!role_has(a->role, p))
        return og_error_set(OG_EDENIED, "the %s role does not allow %s", og_role_name(a->role),
                            perm_what(p));
    return 0;
}
