/* conn_rows.h - a connector made by hand for the connector tests (included by each, not a test
 * itself): an opened og_conn given the test's vendor, a name, a fixed id and its tenant; its
 * connectors row; a company of it mapped to that tenant. */
#ifndef OG_TEST_CONN_ROWS_H
#define OG_TEST_CONN_ROWS_H

#include "og_test.h"
#include "connector/connector_internal.h"
#include "opsgate/error.h"
#include "opsgate/store.h"

#include <stdio.h>

/* c (just opened) becomes the connector name of tenant_id, on vendor v. */
static inline void conn_fake(og_conn *c, const og_conn_vendor *v, const char *name,
                             const char *tenant_id)
{
    c->vendor = v;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->id, sizeof(c->id), "11111111-2222-4333-8444-555555555555");
    snprintf(c->tenant_id, sizeof(c->tenant_id), "%s", tenant_id);
}

/* c's connectors row, of kind at base_url, and its company (id, name) mapped to its tenant. */
static inline void conn_rows(og_store *s, const og_conn *c, const char *kind, const char *base_url,
                             const char *company_id, const char *company_name)
{
    OG_ASSERT_OK(og_store_run(s,
                              "INSERT INTO connectors (id, tenant_id, name, kind, base_url, "
                              "secret, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, "
                              "X'00', 't', 'test', 't')",
                              "ttttt", c->id, c->tenant_id, c->name, kind, base_url) < 0);
    OG_ASSERT_OK(og_store_run(s,
                              "INSERT INTO connector_companies (connector_id, company_id, "
                              "company_name, tenant_id, first_seen) VALUES (?, ?, ?, ?, 't')",
                              "tttt", c->id, company_id, company_name, c->tenant_id) < 0);
}

#endif
