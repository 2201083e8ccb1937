/* fuzz_dattormm_device.c - libFuzzer target for the Datto RMM adaptor's mapping of a device
 * record (og_rmm_datto_device, no request): the input is a JSON document {"device": {...}} shaped
 * like tests/connectors/sim_dattormm.py's /api/v2/account/devices records. The oracle
 * (conn_oracle.h and below): the remote id is the uid, the company id the siteUid (else the
 * siteId) exactly, every address is a whole entry of intIpAddress or the extIpAddress (once), the
 * name is hostname or hostname.domain when fit for a scan target. */
#include "conn_oracle.h"
#include "connector/vendor_rmm.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* s is a whole entry of intIpAddress (entries separated by commas and spaces) or extIpAddress. */
static int listed(const json_t *d, const char *s)
{
    const char *ints = str_of(d, "intIpAddress");
    size_t n = strlen(s);
    for (const char *p = ints; (p = strstr(p, s)) != NULL; p++)
        if ((p == ints || p[-1] == ',' || p[-1] == ' ') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
    return strcmp(str_of(d, "extIpAddress"), s) == 0;
}

static int on_device(void *arg, const og_conn_device *dev)
{
    int *calls = arg;
    const json_t *d = dev->raw;
    conn_check_device(dev);
    FUZZ_ASSERT(strcmp(dev->remote_id, str_of(d, "uid")) == 0);
    const char *su = str_of(d, "siteUid");
    if (*su) {
        if (strcmp(dev->company_id, su) != 0)
            FUZZ_FAIL("company id '%s' is not the siteUid '%s'", dev->company_id, su);
    } else if (json_is_integer(json_object_get(d, "siteId"))) {
        char want[32];
        snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(d, "siteId")));
        FUZZ_ASSERT(strcmp(dev->company_id, want) == 0);
    } else {
        FUZZ_ASSERT(*dev->company_id == '\0');
    }
    for (size_t i = 0; i < dev->naddresses; i++)
        if (!listed(d, dev->addresses[i]))
            FUZZ_FAIL("address '%s' is not one the record lists", dev->addresses[i]);
    const char *host = str_of(d, "hostname"), *dom = str_of(d, "domain");
    if (*dev->name) {
        size_t hn = strlen(host);
        FUZZ_ASSERT(strncmp(dev->name, host, hn) == 0 &&
                    (dev->name[hn] == '\0' ||
                     (dev->name[hn] == '.' && strcmp(dev->name + hn + 1, dom) == 0)));
    } else {
        FUZZ_ASSERT(!conn_host_ok(host));
    }
    FUZZ_ASSERT(dev->deleted == json_is_true(json_object_get(d, "deleted")));
    FUZZ_ASSERT(dev->offline == !json_is_true(json_object_get(d, "online")));
    FUZZ_ASSERT(*dev->updated_at == '\0'); /* Datto gives devices no change stamp */
    (*calls)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    int calls = 0;
    if (!json_is_object(in))
        goto cleanup;
    const json_t *d = json_object_get(in, "device");
    og_error_clear();
    int rc = og_rmm_datto_device(d, on_device, &calls);
    fuzz_log("dattormm: rc=%d calls=%d", rc, calls);
    FUZZ_ASSERT(rc == 0);
    FUZZ_ASSERT(calls == (*str_of(d, "uid") != '\0'));
cleanup:
    json_decref(in);
    return 0;
}
