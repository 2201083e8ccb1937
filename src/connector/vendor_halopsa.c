/* vendor_halopsa.c - the HaloPSA adaptor. */
#include "connector_internal.h"

static const og_conn_field fields[] = {
    {NULL, 0, 0, NULL},
};

const og_conn_vendor og_conn_halopsa = {
    .kind = "halopsa",
    .title = "HaloPSA",
    .category = "psa",
    .fields = fields,
};
