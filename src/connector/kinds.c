/* kinds.c - the catalogue of connector kinds built into the binary. */
#include <string.h>

#include "connector_internal.h"
#include "opsgate/error.h"

/* one kind a line */
/* clang-format off */
const og_conn_vendor *const og_conn_vendors[] = {
    &og_conn_connectwise,
    &og_conn_autotask,
    &og_conn_halopsa,
    &og_conn_ninjaone,
    &og_conn_dattormm,
    &og_conn_msgraph,
    NULL,
};
/* clang-format on */

const og_conn_vendor *og_conn_vendor_find(const char *kind)
{
    for (int i = 0; og_conn_vendors[i]; i++)
        if (strcmp(og_conn_vendors[i]->kind, kind) == 0)
            return og_conn_vendors[i];
    return NULL;
}

static json_t *fields_json(const og_conn_field *f)
{
    json_t *a = json_array();
    for (; a && f && f->name; f++)
        json_array_append_new(a, json_pack("{s:s, s:b, s:b, s:s}", "name", f->name, "secret",
                                           f->secret, "required", f->required, "help",
                                           f->help ? f->help : ""));
    return a;
}

static json_t *capabilities(const og_conn_vendor *v, int push)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    if (!push) {
        if (v->companies)
            json_array_append_new(a, json_string("companies"));
        if (v->projects)
            json_array_append_new(a, json_string("projects"));
        if (v->devices)
            json_array_append_new(a, json_string("devices"));
        if (v->app_credentials)
            json_array_append_new(a, json_string("app-credentials"));
    } else {
        if (v->attach)
            json_array_append_new(a, json_string("documents"));
        if (v->ticket_open)
            json_array_append_new(a, json_string("tickets"));
        if (v->webhook)
            json_array_append_new(a, json_string("webhooks"));
    }
    return a;
}

int og_connector_kinds(json_t **out)
{
    json_t *a = json_array();
    *out = NULL;
    for (int i = 0; a && og_conn_vendors[i]; i++) {
        const og_conn_vendor *v = og_conn_vendors[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "kind", v->kind, "title",
                              v->title, "category", v->category, "default_base_url",
                              v->default_base_url ? json_string(v->default_base_url) : json_null(),
                              "fields", fields_json(v->fields), "pulls", capabilities(v, 0),
                              "pushes", capabilities(v, 1));
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return og_error_set(OG_ERROR, "out of memory");
        }
    }
    if (!a)
        return og_error_set(OG_ERROR, "out of memory");
    *out = a;
    return 0;
}
