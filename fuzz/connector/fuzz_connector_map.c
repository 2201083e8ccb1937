/* fuzz_connector_map.c - libFuzzer target for what a connector makes of a PSA's answers: the
 * ConnectWise mapping of a project with its phases and tickets into opsgate project data, and
 * the per-tenant mapping language (check, apply, path lookups) over the result. */
#include "connector/connector_internal.h"
#include "connector/sync_internal.h"
#include "connector/vendor_connectwise.h"
#include "fuzz_util.h"
#include "opsgate/docgen.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Hours, rates and money in project data are decimal strings og_dec_parse takes. */
static void check_decimal(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    og_dec d;
    if (!v)
        return;
    if (!json_is_string(v))
        FUZZ_FAIL("%s is not a decimal string", key);
    if (og_dec_parse(json_string_value(v), &d) < 0)
        FUZZ_FAIL("%s '%s' is not a decimal og_dec_parse takes: %s", key, json_string_value(v),
                  og_error_last());
}

/* The oracle on mapped data: an object; phases[] objects with string ids and names; tasks[]
 * with decimal hours, actual hours and rates; psa money and hours decimal. */
static void check_data(const json_t *d)
{
    FUZZ_ASSERT(json_is_object(d));
    const json_t *ph = json_object_get(d, "phases");
    for (size_t i = 0; i < json_array_size(ph); i++) {
        const json_t *p = json_array_get(ph, i);
        FUZZ_ASSERT(json_is_object(p));
        FUZZ_ASSERT(json_is_string(json_object_get(p, "id")));
        const json_t *tasks = json_object_get(p, "tasks");
        for (size_t k = 0; k < json_array_size(tasks); k++) {
            const json_t *t = json_array_get(tasks, k);
            FUZZ_ASSERT(json_is_string(json_object_get(t, "id")));
            FUZZ_ASSERT(json_is_string(json_object_get(t, "name")));
            check_decimal(t, "hours");
            check_decimal(t, "actual_hours");
            check_decimal(t, "rate");
        }
    }
    const json_t *psa = json_object_get(d, "psa");
    check_decimal(psa, "budget_hours");
    check_decimal(psa, "actual_hours");
    check_decimal(psa, "budget_amount");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL), *raw = NULL, *out = NULL;
    if (!json_is_object(in))
        goto cleanup;
    og_error_clear();
    int rc = og_conn__cw_map(json_object_get(in, "project"), json_object_get(in, "phases"),
                             json_object_get(in, "tickets"), "1", "2", "2026-01-01T00:00:00Z", &raw,
                             &out);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_ERROR, OG_EINVAL);
        goto cleanup;
    }
    check_data(out);
    const json_t *mapping = json_object_get(in, "mapping");
    og_error_clear();
    if ((rc = og_conn__mapping_check(mapping)) < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        goto cleanup;
    }
    og_error_clear();
    if ((rc = og_conn__mapping_apply(out, raw, mapping)) < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
        goto cleanup;
    }
    FUZZ_ASSERT(json_is_object(out));
    const char *path = json_string_value(json_object_get(in, "path"));
    if (path) {
        const json_t *v = NULL;
        og_error_clear();
        if ((rc = og_conn__path_get(raw, path, &v)) < 0)
            FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
    }
cleanup:
    json_decref(in);
    json_decref(raw);
    json_decref(out);
    return 0;
}
