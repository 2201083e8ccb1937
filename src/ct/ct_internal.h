/* ct_internal.h - what the ct module's files share: the tenant scope with a right checked, the
 * CT source loaded for a poll, and the providers behind one interface (Cert Spotter today; a
 * crt.sh provider would be one more entry of og_ct__providers). */
#ifndef OPSGATE_CT_INTERNAL_H
#define OPSGATE_CT_INTERNAL_H

#include <jansson.h>

#include "opsgate/connector.h"
#include "opsgate/ct.h"
#include "opsgate/tenant.h"

#define OG_CT_PLATFORM_SCOPE "@platform"

/* tenant (name or id) resolved with perm checked; another tenant's is OG_ENOTFOUND. */
int og_ct__tenant(og_ctx *ctx, const char *tenant, og_perm perm, og_tenant *out);

/* A CT provider: one page of issuances for domain after cursor (NULL or "": from the start).
 * *out (og_ct_issuances_free) in the provider's id order; an empty page ends the feed. */
typedef struct og_ct_provider {
    const char *name;             /* "certspotter" */
    const char *default_base_url; /* "https://api.certspotter.com" */
    int (*page)(og_connector_client *c, const char *domain, int subdomains, const char *after,
                og_ct_issuance **out, size_t *n);
} og_ct_provider;
const og_ct_provider *og_ct__provider_find(const char *name);

/* The source that applies to a tenant, opened for a poll. */
typedef struct og_ct__source {
    const og_ct_provider *provider;
    og_connector_client *client;
    int64_t max_pages;
    int64_t poll_interval_us;
} og_ct__source;
/* Load the tenant's source (else the installation's): OG_ENOTFOUND when none. The key is opened
 * for the client only and wiped. Free with og_ct__source_close. */
int og_ct__source_open(og_ctx *ctx, const char *tenant_id, og_ct__source *out);
void og_ct__source_close(og_ct__source *s);
/* The poll interval of the source that applies (default 1 h), without opening the key. */
int64_t og_ct__poll_interval(og_ctx *ctx, const char *tenant_id);

#endif
