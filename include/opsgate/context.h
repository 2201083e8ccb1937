/* context.h - who is acting (actor, role) and with what (store, keys): passed to every operation.
 */
#ifndef OPSGATE_CONTEXT_H
#define OPSGATE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "opsgate/store.h"
#include "opsgate/util.h"

typedef struct og_keyring og_keyring; /* crypto.h */

typedef enum og_role {
    OG_ROLE_NONE = 0,
    OG_ROLE_PLATFORM_ADMIN, /* all tenants */
    OG_ROLE_TENANT_ADMIN,   /* everything inside its tenant */
    OG_ROLE_PROJECT_MANAGER,
    OG_ROLE_ENGINEER,
    OG_ROLE_AUDITOR,       /* read-only, plus audit export */
    OG_ROLE_CLIENT_VIEWER, /* published artifacts of its own projects only */
    OG_ROLE_WITNESS,       /* reads signed audit checkpoints and consistency proofs, nothing else:
                            * of its tenant's chain, or (with no tenant) of every chain */
} og_role;

const char *og_role_name(og_role r);            /* "tenant-admin" */
int og_role_parse(const char *s, og_role *out); /* OG_EINVAL naming the value */

typedef enum og_actor_kind {
    OG_ACTOR_LOCAL,  /* the local operator on the CLI: full rights over the data folder */
    OG_ACTOR_USER,   /* a user of a tenant (or a platform admin), by token or by --as */
    OG_ACTOR_SYSTEM, /* a component of opsgate acting on its own (scheduler, renewer) */
} og_actor_kind;

typedef struct og_actor {
    og_actor_kind kind;
    char local_user[64];       /* unix user: set for LOCAL, and for USER when acting via --as */
    char component[64];        /* SYSTEM: "scheduler", "events", ... */
    char user_id[OG_ID_LEN];   /* USER */
    char user_name[64];        /* USER */
    char token_id[OG_ID_LEN];  /* USER authenticated by an API token */
    char tenant_id[OG_ID_LEN]; /* the user's tenant; "" for platform admins, LOCAL and SYSTEM */
    og_role role;              /* USER; LOCAL and SYSTEM act as platform admins */
} og_actor;

/* "local:root", "user:alice", "local:root as user:alice", "system:scheduler". */
void og_actor_label(const og_actor *a, char *out, size_t size);
/* Who the actor is for ownership and separation of duties: a user by id ("user:<id>") whichever
 * way they authenticated, anyone else by their label. Stable across renames. */
void og_actor_key(const og_actor *a, char *out, size_t size);
void og_actor_local(og_actor *a); /* the current unix user */
void og_actor_system(og_actor *a, const char *component);

typedef struct og_ctx {
    og_store *store; /* borrowed */
    /* borrowed: the home database when store is a regional one (docs/ops.md "Regions"), so that
     * the tenant directory follows (token ids, suspension, deletion); NULL: store is the home */
    og_store *home;
    og_keyring *keys; /* borrowed */
    og_actor actor;
    const char *data_dir;     /* borrowed */
    char event_id[OG_ID_LEN]; /* the event that triggered this operation, "" if none */
} og_ctx;

/* What an operation needs. Checked by og_authz_check() in one place. */
typedef enum og_perm {
    OG_PERM_PLATFORM,          /* create, list, suspend, delete tenants; platform audit */
    OG_PERM_TENANT_READ,       /* see the tenant itself */
    OG_PERM_USER_READ,         /* list users */
    OG_PERM_USER_MANAGE,       /* add users, tokens for others, revoke others' tokens */
    OG_PERM_AUDIT_READ,        /* list audit records */
    OG_PERM_AUDIT_EXPORT,      /* export evidence */
    OG_PERM_WRITE,             /* generic change inside the tenant (engineers and up) */
    OG_PERM_READ,              /* generic read inside the tenant (all but client viewers) */
    OG_PERM_AUDIT_CHECKPOINTS, /* read signed checkpoints and consistency proofs (witnesses) */
} og_perm;

/*
 * 0 when the actor may do p on tenant_id (NULL or "" = platform scope).
 * OG_ENOTFOUND when the actor belongs to another tenant: objects of other tenants do not exist for
 * it, exactly like objects that do not exist. OG_EDENIED when the role lacks the right.
 */
int og_authz_check(const og_actor *a, const char *tenant_id, og_perm p);

/* True for LOCAL, SYSTEM and platform-admin users. */
bool og_actor_is_platform(const og_actor *a);

#endif
