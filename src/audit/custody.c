/* custody.c - key custody events (tenant.key.*) as OSCAL evidence: which provider and key
 * version held a tenant's data key, which data-key version, set by whom and when, spelled out as
 * properties of the record's observation (the who and when are the observation's own). */
#include "audit/audit_internal.h"

#include <stdio.h>
#include <string.h>

static void prop(json_t *props, const char *name, const char *value)
{
    if (value && *value)
        json_array_append_new(props, json_pack("{s:s,s:s,s:s,s:s}", "name", name, "ns", OG_AUDIT_NS,
                                               "value", value, "class", "key-custody"));
}

static void prop_int(json_t *props, const char *name, json_t *v)
{
    char buf[24];
    if (!json_is_integer(v))
        return;
    snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
    prop(props, name, buf);
}

/* One side (from/to, or the record itself) of a custody change. */
static void side(json_t *props, const char *prefix, json_t *o)
{
    char name[64];
    if (!json_is_object(o))
        return;
    snprintf(name, sizeof(name), "%skek-provider", prefix);
    prop(props, name, json_string_value(json_object_get(o, "provider")));
    snprintf(name, sizeof(name), "%skek-key-version", prefix);
    prop_int(props, name, json_object_get(o, "key_version"));
    snprintf(name, sizeof(name), "%skey-file", prefix);
    prop(props, name, json_string_value(json_object_get(o, "key_file")));
    snprintf(name, sizeof(name), "%spkcs11-uri", prefix);
    prop(props, name, json_string_value(json_object_get(o, "pkcs11_uri")));
}

void og_audit__custody_props(json_t *props, const char *action, const char *analysis)
{
    json_t *a;
    if (!action || strncmp(action, "tenant.key.", 11) != 0)
        return;
    prop(props, "key-custody-event", action + 11);
    if (!analysis || !(a = json_loads(analysis, 0, NULL)))
        return;
    side(props, "", a);
    side(props, "from-", json_object_get(a, "from"));
    side(props, "to-", json_object_get(a, "to"));
    prop_int(props, "from-data-key-version", json_object_get(a, "from_data_key_version"));
    prop_int(props, "to-data-key-version", json_object_get(a, "to_data_key_version"));
    prop_int(props, "data-key-version", json_object_get(a, "data_key_version"));
    prop_int(props, "destroyed-data-key-versions", json_object_get(a, "destroyed_versions"));
    prop(props, "re-seal-walker", json_string_value(json_object_get(a, "walker")));
    prop_int(props, "re-sealed-items", json_object_get(a, "done"));
    json_decref(a);
}
