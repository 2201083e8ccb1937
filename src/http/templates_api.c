/* templates_api.c - thin HTTP handlers over tenant document templates (include/opsgate/docgen.h),
 * the calls `opsgate template list|put|get|log|check` make. Reading and storing check the
 * tenant first, so another tenant's path is 404 even where the library would fall back to a
 * built-in. */
#include "http/parity_api.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

/* The tenant of the path, resolved for reading (another tenant's and a missing one: the same
 * 404), and the template's name: {name} (a document kind, a built-in partial such as "terms", or
 * a custom name; the library checks it). */
static int target_of(og_http_req *r, const char **tenant, char name[OG_DOCGEN_REF_MAX])
{
    const char *n = og_http__param(&r->match, "name");
    char tid[OG_ID_LEN];
    int error;
    if ((error = og_http__param_ref(r, "tenant", tenant)) < 0 ||
        (error = og_tenant_resolve(&r->ctx, *tenant, OG_PERM_TENANT_READ, tid)) < 0)
        return error;
    if (!n || !*n)
        return og_error_set(OG_EINVAL, "missing template name");
    if (strlen(n) >= OG_DOCGEN_REF_MAX)
        return og_error_set(OG_EINVAL, "template name '%.64s...' is too long", n);
    og_strlcpy(name, n, OG_DOCGEN_REF_MAX);
    return 0;
}

int og_http__template_list(og_http_req *r)
{
    const char *tenant;
    json_t *arr = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_docgen_template_list(&r->ctx, tenant, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "templates", arr));
}

/* GET .../templates/{name}[?version=N]: {"name", "ref" ("sow@3" or "sow@builtin"), "source"}. */
int og_http__template_get(og_http_req *r)
{
    const char *tenant;
    char name[OG_DOCGEN_REF_MAX], ref[OG_DOCGEN_REF_MAX] = "";
    int64_t version = 0;
    og_buf b;
    int error;
    if ((error = target_of(r, &tenant, name)) < 0 ||
        (error = og_http__query_i64(r, "version", 1, INT64_MAX, &version)) < 0)
        return error;
    og_buf_init(&b, OG_TMPL_MAX_SOURCE);
    if ((error = og_docgen_template_get(&r->ctx, tenant, name, version, &b, ref)) < 0) {
        og_buf_free(&b);
        return error;
    }
    json_t *j = json_pack("{s:s, s:s, s:s%}", "name", name, "ref", ref, "source",
                          b.data ? (const char *)b.data : "", b.len);
    og_buf_free(&b);
    if (!j)
        return og_error_set(OG_EINVAL, "the template is not valid UTF-8: get it with the CLI");
    return og_http__reply(r, 200, j);
}

int og_http__template_log(og_http_req *r)
{
    const char *tenant;
    char name[OG_DOCGEN_REF_MAX];
    json_t *arr = NULL;
    int error;
    if ((error = target_of(r, &tenant, name)) < 0 ||
        (error = og_docgen_template_log(&r->ctx, tenant, name, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "versions", arr));
}

/* What to check against: kind, data and baseline of the body (borrowed from it). */
static int check_opts(json_t *body, og_docgen_check_opts *o)
{
    const char *kind = NULL;
    og_doc_kind k;
    int error;
    memset(o, 0, sizeof(*o));
    if ((error = og_http__field_str_max(body, "kind", 0, 32, &kind)) < 0)
        return error;
    if (kind && og_doc_kind_parse(kind, &k) < 0)
        return og_error_wrap("field 'kind'");
    o->kind = kind;
    o->data = json_object_get(body, "data");
    o->baseline = json_object_get(body, "baseline");
    if (o->data && !json_is_object(o->data))
        return og_error_set(OG_EINVAL, "field 'data': must be an object (project data)");
    if (o->baseline && (!json_is_object(o->baseline) || !o->data))
        return og_error_set(OG_EINVAL, "field 'baseline': an object, and only with 'data'");
    return 0;
}

/* The refusal's message with its first problems, so that the one error body says what to fix. */
static int refusal(int error, const json_t *problems)
{
    char msg[1024];
    size_t n = 0;
    const json_t *p;
    size_t i;
    n = (size_t)snprintf(msg, sizeof(msg), "%.400s", og_error_last());
    json_array_foreach(problems, i, p)
    {
        if (i == 5 || n >= sizeof(msg) - 1)
            break;
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "; %.200s",
                              json_string_value(json_object_get(p, "message")));
    }
    return og_error_set(error, "%s (store it anyway with \"force\": true)", msg);
}

/* PUT .../templates/{name} {"source", "message"?, "force"?, "kind"?, "data"?, "baseline"?}:
 * checked, then stored as a new version: 201 {"name", "version", "problems"} (problems: the
 * warnings of a forced put). A template with problems is refused (400) unless forced. */
int og_http__template_put(og_http_req *r)
{
    static const char *const fields[] = {"source", "message",  "force", "kind",
                                         "data",   "baseline", NULL};
    const char *tenant, *src;
    char name[OG_DOCGEN_REF_MAX];
    json_t *body = NULL, *problems = NULL, *force;
    og_docgen_put_opts o;
    int64_t v = 0;
    int error;
    memset(&o, 0, sizeof(o));
    if ((error = target_of(r, &tenant, name)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "source", 1, OG_TMPL_MAX_SOURCE, &src)) < 0 ||
        (error = og_http__field_str_max(body, "message", 0, 1000, &o.message)) < 0 ||
        (error = check_opts(body, &o.check)) < 0)
        goto cleanup;
    if ((force = json_object_get(body, "force")) && !json_is_boolean(force)) {
        error = og_error_set(OG_EINVAL, "field 'force': must be true or false");
        goto cleanup;
    }
    o.force = json_is_true(force);
    error = og_docgen_template_put(&r->ctx, tenant, name, src, strlen(src), &o, &v, &problems);
    if (error < 0) {
        if (json_array_size(problems))
            error = refusal(error, problems);
        goto cleanup;
    }
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/templates/%s?version=%lld",
             tenant, name, (long long)v);
    error = og_http__reply(r, 201,
                           json_pack("{s:s, s:I, s:O}", "name", name, "version", (json_int_t)v,
                                     "problems", problems ? problems : json_array()));
cleanup:
    json_decref(problems);
    json_decref(body);
    return error;
}

/* POST /api/v1/template-check {"name", "source", "kind"?, "data"?, "baseline"?}: the check of
 * `template check` (built-in partials only, nothing read or stored): 200 {"ok", "problems"}; a
 * template that does not parse is one problem with its line and column. */
int og_http__template_check(og_http_req *r)
{
    static const char *const fields[] = {"name", "source", "kind", "data", "baseline", NULL};
    const char *name, *src;
    json_t *body = NULL, *problems = NULL;
    og_docgen_check_opts o;
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    int error;
    if ((error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "name", 1, OG_DOCGEN_REF_MAX - 1, &name)) < 0 ||
        (error = og_http__field_str_max(body, "source", 1, OG_TMPL_MAX_SOURCE, &src)) < 0 ||
        (error = check_opts(body, &o)) < 0)
        goto cleanup;
    if (og_tmpl_parse_named(&t, name, src, strlen(src), &terr) < 0) {
        problems = json_pack("[{s:s, s:i, s:i, s:s}]", "source", name, "line", terr.line, "column",
                             terr.column, "message", og_error_last());
        og_error_clear();
    } else if ((error = og_docgen_template_check(NULL, NULL, name, src, strlen(src), &o,
                                                 &problems)) < 0) {
        goto cleanup;
    }
    error = og_http__reply(r, 200,
                           json_pack("{s:b, s:O}", "ok", json_array_size(problems) == 0, "problems",
                                     problems ? problems : json_array()));
cleanup:
    og_tmpl_free(t);
    json_decref(problems);
    json_decref(body);
    return error;
}
