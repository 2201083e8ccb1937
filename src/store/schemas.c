/* schemas.c - the list of every module that owns tables, in the order their schemas apply. */
#include "opsgate/sys/store_backend.h"

extern const og_schema og_tenant_schema;
extern const og_schema og_crypto_schema;
extern const og_schema og_audit_schema;
extern const og_schema og_events_schema;
extern const og_schema og_infer_schema;
extern const og_schema og_gate_schema;
extern const og_schema og_notify_schema;
extern const og_schema og_certs_schema;
extern const og_schema og_artifacts_schema;
extern const og_schema og_deploy_schema;
extern const og_schema og_acme_schema;
extern const og_schema og_docgen_schema;
extern const og_schema og_connector_schema;
extern const og_schema og_ct_schema;

const og_schema *const og_store_schemas[] = {
    &og_tenant_schema,    &og_crypto_schema, &og_audit_schema,       &og_events_schema,
    &og_infer_schema,     &og_gate_schema,   &og_notify_schema,      &og_certs_schema,
    &og_artifacts_schema, &og_deploy_schema, &og_acme_schema,        &og_docgen_schema,
    &og_connector_schema, &og_ct_schema,     &og_store_lease_schema,
};
const size_t og_store_nschemas = sizeof(og_store_schemas) / sizeof(og_store_schemas[0]);
