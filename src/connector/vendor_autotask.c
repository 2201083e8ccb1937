/* vendor_autotask.c - the Datto Autotask PSA adaptor. */
#include "connector_internal.h"

static const og_conn_field fields[] = {
    {NULL, 0, 0, NULL},
};

const og_conn_vendor og_conn_autotask = {
    .kind = "autotask",
    .title = "Datto Autotask PSA",
    .category = "psa",
    .fields = fields,
};
