/* schema.c - tables owned by the docgen module: the provider's brand per installation and per
 * tenant (src/docgen/brand.c). Rows of a tenant carry its id and go with it. */
#include "opsgate/store.h"

#include <stddef.h>

static const og_migration steps[] = {
    /* docgen step 1: brands. One row per scope: "installation", or a tenant's id (tenant_id set,
     * so the row goes with the tenant). Fields left NULL are not set at that scope. The logo is
     * kept as validated bytes with its media type and SHA-256. Nothing here is confidential: it
     * is what every document shows. */
    {1,
     "CREATE TABLE docgen_brands ("
     "  scope TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT,"
     "  address TEXT,"
     "  color TEXT,"
     "  accent TEXT,"
     "  logo BLOB,"
     "  logo_type TEXT,"
     "  logo_sha256 TEXT,"
     "  updated_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);",
     "CREATE TABLE docgen_brands ("
     "  scope TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT,"
     "  address TEXT,"
     "  color TEXT,"
     "  accent TEXT,"
     "  logo BYTEA,"
     "  logo_type TEXT,"
     "  logo_sha256 TEXT,"
     "  updated_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"},
};

static const char *const purge[] = {
    "DELETE FROM docgen_brands WHERE tenant_id = ?",
    NULL,
};

const og_schema og_docgen_schema = {"docgen", steps, sizeof(steps) / sizeof(steps[0]), purge};
