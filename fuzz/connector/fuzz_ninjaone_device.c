/* fuzz_ninjaone_device.c - libFuzzer target for the NinjaOne adaptor's mapping of a device record
 * (og_rmm_ninja_device, no request): the input is a JSON document {"device": {...}, "since": N}
 * (N epoch seconds, absent for a full pull) shaped like tests/connectors/sim_ninjaone.py's
 * /v2/devices-detailed records. The oracle (conn_oracle.h and below): the remote and company ids
 * are the record's, every address is an IP address the record lists (once), the name is the DNS
 * or system name when fit for a scan target, the stamp is RFC 3339 UTC, and the since filter
 * drops exactly the devices updated before it. */
#include "conn_oracle.h"
#include "connector/vendor_rmm.h"

#include <math.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* s is one of the record's ipAddresses or its publicIP. */
static int listed(const json_t *d, const char *s)
{
    size_t i;
    const json_t *ip;
    json_array_foreach(json_object_get(d, "ipAddresses"), i, ip)
    {
        if (json_is_string(ip) && strcmp(json_string_value(ip), s) == 0)
            return 1;
    }
    return strcmp(str_of(d, "publicIP"), s) == 0;
}

static int on_device(void *arg, const og_conn_device *dev)
{
    int *calls = arg;
    const json_t *d = dev->raw;
    char want[32];
    conn_check_device(dev);
    FUZZ_ASSERT(json_is_integer(json_object_get(d, "id")));
    snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(d, "id")));
    FUZZ_ASSERT(strcmp(dev->remote_id, want) == 0);
    if (json_is_integer(json_object_get(d, "organizationId"))) {
        snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(d, "organizationId")));
        FUZZ_ASSERT(strcmp(dev->company_id, want) == 0);
    } else {
        FUZZ_ASSERT(*dev->company_id == '\0');
    }
    for (size_t i = 0; i < dev->naddresses; i++)
        if (!listed(d, dev->addresses[i]))
            FUZZ_FAIL("address '%s' is not one the record lists", dev->addresses[i]);
    const char *dns = str_of(d, "dnsName"), *sys = str_of(d, "systemName");
    if (conn_host_ok(dns))
        FUZZ_ASSERT(strcmp(dev->name, dns) == 0);
    else if (conn_host_ok(sys))
        FUZZ_ASSERT(strcmp(dev->name, sys) == 0);
    else
        FUZZ_ASSERT(*dev->name == '\0');
    FUZZ_ASSERT(dev->deleted == (strcmp(str_of(d, "approvalStatus"), "DECOMMISSIONED") == 0));
    FUZZ_ASSERT(dev->offline == json_is_true(json_object_get(d, "offline")));
    (*calls)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    int calls = 0;
    if (!json_is_object(in))
        goto cleanup;
    const json_t *d = json_object_get(in, "device"), *since = json_object_get(in, "since");
    double since_s = json_is_number(since) ? floor(json_number_value(since)) : -1;
    if (!isfinite(since_s) || since_s < 0)
        since_s = -1;
    og_error_clear();
    int rc = og_rmm_ninja_device(d, since_s, on_device, &calls);
    fuzz_log("ninjaone: rc=%d calls=%d", rc, calls);
    FUZZ_ASSERT(rc == 0);
    /* a record with an integer id is mapped unless the since filter drops it: updated before */
    double upd = json_is_number(json_object_get(d, "lastUpdate"))
                     ? json_number_value(json_object_get(d, "lastUpdate"))
                     : -1;
    int stamped = isfinite(upd) && upd > 0 && upd < 253402300800.0;
    int dropped = since_s >= 0 && stamped && floor(upd) < since_s;
    if (json_is_integer(json_object_get(d, "id")))
        FUZZ_ASSERT(calls == !dropped);
    else
        FUZZ_ASSERT(calls == 0);
cleanup:
    json_decref(in);
    return 0;
}
