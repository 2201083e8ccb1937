/* fuzz_msgraph_map.c - libFuzzer target for what the Microsoft Graph adaptor makes of Graph's
 * answers: a page of applications or service principals ({"value": [...]}) to app credentials,
 * and a page of Intune managedDevices to devices (vendor_msgraph_map.c). Oracles: every
 * credential has a GUID key id or "" (refused later, loudly), an end date, a known type, a hex
 * thumbprint and never a secretText's value; every device a remote id, a known class, a name fit
 * for a scan target or "", an RFC 3339 stamp or "". */
#include "connector/connector_internal.h"
#include "connector/vendor_msgraph.h"
#include "connector/vendor_rmm.h"
#include "fuzz_util.h"

#include <ctype.h>
#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The secretText values of the input: none may come out. */
static void secrets_of(const json_t *v, json_t *out)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
        {
            if (strcmp(k, "secretText") == 0 && json_string_length(x) > 0)
                json_array_append(out, x);
            secrets_of(x, out);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) secrets_of(x, out);
    }
}

static void no_secret(const json_t *secrets, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(secrets, i, x)
    {
        if (s && strcmp(s, json_string_value(x)) == 0)
            FUZZ_FAIL("a secretText value came out: '%s'", s);
    }
}

static int on_cred(void *arg, const og_conn_app_cred *a)
{
    const json_t *secrets = arg;
    const og_certs_app_credential *k = &a->cred;
    const char *all[] = {k->key_id, k->object_id, k->object_type, k->app_id,    k->app_name,
                         k->type,   k->name,      k->hint,        k->thumbprint};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        FUZZ_ASSERT(all[i] != NULL);
        no_secret(secrets, all[i]);
    }
    FUZZ_ASSERT(*k->key_id == '\0' || og_msgraph_is_guid(k->key_id));
    FUZZ_ASSERT(*k->object_id != '\0');
    FUZZ_ASSERT(strcmp(k->type, "secret") == 0 || strcmp(k->type, "certificate") == 0);
    FUZZ_ASSERT(k->end_us > 0);
    /* what the inventory refuses (docs/certs.md) never comes out: the sync would fail whole */
    FUZZ_ASSERT(strlen(k->name) <= 1024 && strlen(k->app_name) <= 1024 && strlen(k->hint) <= 8);
    FUZZ_ASSERT(k->start_us <= k->end_us);
    json_t *u1 = json_string(k->name), *u2 = json_string(k->app_name); /* NULL: not UTF-8 */
    FUZZ_ASSERT(u1 && u2);
    json_decref(u1);
    json_decref(u2);
    FUZZ_ASSERT(strcmp(a->company_id, "c") == 0);
    size_t n = strlen(k->thumbprint);
    FUZZ_ASSERT(n % 2 == 0 && n <= 128);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(isxdigit((unsigned char)k->thumbprint[i]));
    fuzz_log("cred %s %s end %lld", k->type, k->key_id, (long long)k->end_us);
    return 0;
}

static int on_device(void *arg, const og_conn_device *d)
{
    int64_t at;
    (void)arg;
    FUZZ_ASSERT(d->remote_id && *d->remote_id);
    FUZZ_ASSERT(strcmp(d->device_class, "server") == 0 ||
                strcmp(d->device_class, "workstation") == 0 ||
                strcmp(d->device_class, "other") == 0);
    FUZZ_ASSERT(*d->name == '\0' || og_rmm_name_ok(d->name));
    FUZZ_ASSERT(d->naddresses == 0);
    if (*d->updated_at && og_time_parse(d->updated_at, &at) < 0)
        FUZZ_FAIL("updated_at '%s' does not parse", d->updated_at);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL), *secrets = json_array(), *v;
    const char *type;
    size_t i;
    if (!json_is_object(in) || !secrets)
        goto cleanup;
    secrets_of(in, secrets);
    type = json_string_value(json_object_get(in, "object_type"));
    json_array_foreach(json_object_get(in, "value"), i, v)
    {
        og_error_clear();
        FUZZ_ASSERT(og_msgraph_map_object(v, type ? type : "application", "c", on_cred, secrets) ==
                    0);
    }
    json_array_foreach(json_object_get(in, "devices"), i, v)
    {
        og_error_clear();
        FUZZ_ASSERT(og_msgraph_map_device(v, "c", on_device, NULL) == 0);
    }
cleanup:
    json_decref(in);
    json_decref(secrets);
    return 0;
}
