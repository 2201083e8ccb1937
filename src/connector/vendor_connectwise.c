/* vendor_connectwise.c - the ConnectWise PSA (Manage) adaptor. */
#include "connector_internal.h"

static const og_conn_field fields[] = {
    {NULL, 0, 0, NULL},
};

const og_conn_vendor og_conn_connectwise = {
    .kind = "connectwise",
    .title = "ConnectWise PSA (Manage)",
    .category = "psa",
    .fields = fields,
};
