/* fuzz_halopsa_map.c - libFuzzer target for the HaloPSA adaptor's mapping of a project with its
 * child tickets (og_halo_emit, no request): the input is a JSON document {"project": {...},
 * "children": [...], "options": {...}} shaped like tests/connectors/sim_halopsa.py's records. The
 * oracle (conn_oracle.h): names within project data's limits, decimal hours and money, real dates
 * (Halo's 1900-01-01 "no date" absent), unique phase and task ids, an RFC 3339 UTC stamp; raw
 * phases pair with data phases task for task. */
#include "conn_oracle.h"
#include "connector/vendor_halopsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_project(void *arg, const og_conn_project *p)
{
    int *calls = arg;
    conn_check_project(p);
    /* the mapping's [] pairs raw and data phases by position: same count, same tasks */
    const json_t *dp = json_object_get(p->data, "phases"), *rp = json_object_get(p->raw, "phases");
    FUZZ_ASSERT(json_array_size(dp) == json_array_size(rp));
    for (size_t i = 0; i < json_array_size(dp); i++)
        FUZZ_ASSERT(json_array_size(json_object_get(json_array_get(dp, i), "tasks")) ==
                    json_array_size(json_object_get(json_array_get(rp, i), "tasks")));
    conn_check_name(json_object_get(p->data, "psa"), "company_id", 0);
    if (*p->updated_at)
        FUZZ_ASSERT(strcmp(json_string_value(
                               json_object_get(json_object_get(p->data, "psa"), "updated_at")),
                           p->updated_at) == 0);
    (*calls)++;
    return 0;
}

/* A Halo record id: a positive integer, or 1..31 digits. */
static int has_id(const json_t *v)
{
    const char *s = json_string_value(v);
    if (json_is_integer(v))
        return json_integer_value(v) > 0;
    return s && *s && strlen(s) < 32 && strspn(s, "0123456789") == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    og_conn *c = NULL;
    int calls = 0;
    if (!json_is_object(in))
        goto cleanup;
    if (og_conn_open(&c, "halopsa", "https://acme.halopsa.com/api", NULL,
                     json_object_get(in, "options")) < 0)
        goto cleanup;
    og_error_clear();
    int rc = og_halo_emit(c, json_object_get(in, "project"), json_object_get(in, "children"),
                          on_project, &calls);
    fuzz_log("halopsa: rc=%d calls=%d", rc, calls);
    if (rc < 0) {
        /* only a record without a numeric id (or out of memory) is refused */
        if (has_id(json_object_get(json_object_get(in, "project"), "id")))
            FUZZ_FAIL("a project with id failed to map (%d): %s", rc, og_error_last());
        FUZZ_CHECK_REFUSAL(rc, OG_ERROR);
        FUZZ_ASSERT(calls == 0);
        goto cleanup;
    }
    FUZZ_ASSERT(calls == 1);
cleanup:
    json_decref(in);
    og_conn_free(c);
    return 0;
}
