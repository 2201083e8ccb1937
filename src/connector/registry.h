/* registry.h - what the registry's files share (connector.c, companies.c, load.c): the scope a
 * connector lives in (a tenant's or the platform's), with the right checked, and the lookup of a
 * stored connector by name or id inside it. Internal to src/connector. */
#ifndef OPSGATE_CONNECTOR_REGISTRY_H
#define OPSGATE_CONNECTOR_REGISTRY_H

#include "connector_internal.h"

typedef struct og_conn_scope {
    int platform;        /* the platform's connectors */
    char tid[OG_ID_LEN]; /* the tenant's id, "" for the platform */
    char tname[64];      /* the tenant's name, "" for the platform */
} og_conn_scope;

/* The scope tenant names (NULL, "" or OG_CONNECTOR_PLATFORM: the platform), perm checked on it:
 * the platform's needs platform-admin whatever perm; a tenant's needs perm, and tenant-admin (or
 * platform) too when change is not NULL ("adding", "changing" ...: the verb for the message).
 * Another tenant is OG_ENOTFOUND like a missing one. */
int og_conn__scope_get(og_ctx *ctx, const char *tenant, og_perm perm, const char *change,
                       og_conn_scope *out);
/* The audit chain of a scope: the tenant's id, NULL for the platform. */
const char *og_conn__chain(const og_conn_scope *sc);

/* A stored connector as the registry reads it. */
typedef struct og_conn_row {
    char id[OG_ID_LEN];
    char name[64];
    char kind[32];
    char base_url[512];
    json_t *options; /* owned: the stored options (user options and non-secret fields) */
    json_t *fields;  /* owned: names of the credential fields stored */
} og_conn_row;
void og_conn__row_clear(og_conn_row *row);

/* The connector name_or_id of scope sc into *row. OG_ENOTFOUND "connector 'X' not found". */
int og_conn__find(og_ctx *ctx, const og_conn_scope *sc, const char *name_or_id, og_conn_row *row);

/* Attach a to the PSA through c once per key (connector_pushes 'attachment'): 1 when it was
 * attached before (nothing sent), 0 when attached now (remote receives the vendor's id). */
int og_conn__attach_once(og_ctx *ctx, og_conn *c, const char *tenant_id, const char *key,
                         const og_conn_attachment *a, char *remote, size_t size);

/* A ticket for an alert through c (connector_pushes 'ticket', keyed t->key): opened when none is
 * open (recorded 'pending' first), a note while one is open, closed when close is set. */
int og_conn__ticket(og_ctx *ctx, og_conn *c, const char *tenant_id, int close,
                    const og_conn_ticket *t);

/* Rows of connector_syncs as collected (sync_log.c): each "notes" text becomes an array of its
 * lines, dropped when none. */
void og_conn__sync_rows_notes(json_t *rows);

#endif
