/* fuzz_autotask_map.c - libFuzzer target for the Autotask adaptor's mapping of a project with its
 * phases, tasks and company (at_map_project, no request): the input is a JSON document
 * {"project": {...}, "phases": [...], "tasks": [...], "company": {"companyName": ...},
 * "options": {...}} shaped like tests/connectors/sim_autotask.py's records. The oracle
 * (conn_oracle.h): names within project data's limits, decimal hours and money, real dates, unique
 * phase and task ids; and the same data whatever order Autotask sends the records in. */
#include "conn_oracle.h"
#include "connector/vendor_autotask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    int calls;
    json_t *data; /* the first call's data (a copy) */
} seen;

static int on_project(void *arg, const og_conn_project *p)
{
    seen *s = arg;
    conn_check_project(p);
    /* psa facts come from the project record */
    FUZZ_ASSERT(json_object_get(p->raw, "project") != NULL);
    conn_check_name(json_object_get(p->data, "psa"), "company_id", 0);
    s->calls++;
    if (!s->data)
        s->data = json_deep_copy(p->data);
    return 0;
}

/* Every record has a distinct integer id: then the order they come in cannot matter. */
static int distinct_ids(const json_t *list)
{
    json_t *ids = json_object(), *r;
    size_t i;
    int ok = json_is_array(list);
    json_array_foreach(list, i, r)
    {
        char k[32];
        const json_t *id = json_object_get(r, "id");
        if (!json_is_integer(id)) {
            ok = 0;
            break;
        }
        snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        if (json_object_get(ids, k)) {
            ok = 0;
            break;
        }
        json_object_set_new(ids, k, json_true());
    }
    json_decref(ids);
    return ok;
}

static json_t *reversed(const json_t *list)
{
    json_t *out = json_array();
    for (size_t i = json_array_size(list); i > 0; i--)
        json_array_append(out, json_array_get(list, i - 1));
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL), *phases = NULL, *tasks = NULL;
    og_conn *c = NULL;
    seen s = {0}, again = {0};
    if (!json_is_object(in))
        goto cleanup;
    if (og_conn_open(&c, "autotask", "https://webservices1.autotask.net", NULL,
                     json_object_get(in, "options")) < 0)
        goto cleanup;
    const json_t *p = json_object_get(in, "project");
    const char *cname =
        json_string_value(json_object_get(json_object_get(in, "company"), "companyName"));
    phases = json_is_array(json_object_get(in, "phases"))
                 ? json_deep_copy(json_object_get(in, "phases"))
                 : json_incref(json_object_get(in, "phases"));
    tasks = json_is_array(json_object_get(in, "tasks"))
                ? json_deep_copy(json_object_get(in, "tasks"))
                : json_incref(json_object_get(in, "tasks"));
    og_error_clear();
    int rc = at_map_project(c, p, phases, tasks, cname ? cname : "", on_project, &s);
    fuzz_log("autotask: rc=%d calls=%d", rc, s.calls);
    /* only out of memory may fail a mapping: whatever the records and options hold, a project
     * record maps (a failure here would stop the whole pull) */
    if (rc < 0)
        FUZZ_FAIL("the mapping failed (%d): %s", rc, og_error_last());
    FUZZ_ASSERT(s.calls <= 1);
    /* a project record with an id is always mapped */
    if (json_is_integer(json_object_get(p, "id")) &&
        json_integer_value(json_object_get(p, "id")) > 0)
        FUZZ_ASSERT(s.calls == 1);
    if (s.calls == 1 && distinct_ids(phases) && distinct_ids(tasks)) {
        json_t *rp = reversed(phases), *rt = reversed(tasks);
        rc = at_map_project(c, p, rp, rt, cname ? cname : "", on_project, &again);
        json_decref(rp);
        json_decref(rt);
        FUZZ_ASSERT(rc == 0 && again.calls == 1);
        if (!json_equal(s.data, again.data))
            FUZZ_FAIL("the records in another order map to other data");
    }
cleanup:
    json_decref(s.data);
    json_decref(again.data);
    json_decref(phases);
    json_decref(tasks);
    json_decref(in);
    og_conn_free(c);
    return 0;
}
