/* store_templates.c - tenant templates as artifacts of kind "template" over the built-ins. */
#include "docgen/store_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TEMPLATE_SUFFIX ".mustache"

int og_docgen__read_version(og_ctx *ctx, const og_artifact_ref *ref, int64_t version, og_buf *out,
                            og_artifact_version *info)
{
    int error;
    og_artifact_reader *r = NULL;
    char chunk[16384];
    size_t got = 0;
    if ((error = og_artifact_get_open(&r, ctx, ref, version, info)) < 0)
        return error;
    for (;;) {
        if ((error = og_artifact_get_read(r, chunk, sizeof(chunk), &got)) < 0)
            break;
        if (got == 0)
            break;
        if ((error = og_buf_append(out, chunk, got)) < 0)
            break;
    }
    og_artifact_get_close(r);
    return error;
}

static bool template_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (c == '.' && i > 0)))
            return false;
    }
    return true;
}

static int template_ref(og_artifact_ref *ref, const char *tenant, const char *name, char *buf,
                        size_t size)
{
    if (!template_name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad template name '%s' (1 to 100 of a-z, 0-9, '-', '_', '.')",
                            name ? name : "");
    snprintf(buf, size, "%s%s", name, TEMPLATE_SUFFIX);
    ref->tenant = tenant;
    ref->project = OG_DOCGEN_TEMPLATE_PROJECT;
    ref->name = buf;
    return 0;
}

static bool is_partial(const char *name)
{
    return og_docgen_builtin(name) && strcmp(name, "sow") != 0 &&
           strcmp(name, "change-order") != 0 && strcmp(name, "runbook") != 0 &&
           strcmp(name, "closure") != 0;
}

int og_docgen_template_get(og_ctx *ctx, const char *tenant, const char *name, int64_t version,
                           og_buf *out, char *ref)
{
    int error;
    og_artifact_ref r;
    og_artifact_version info;
    char aname[OG_ARTIFACT_NAME_MAX + 1];
    size_t start = out->len;
    if ((error = template_ref(&r, tenant, name, aname, sizeof(aname))) < 0)
        return error;
    if (version < 0)
        return og_error_set(OG_EINVAL, "bad template version %lld", (long long)version);
    error = og_docgen__read_version(ctx, &r, version, out, &info);
    if (error == 0) {
        if (ref)
            snprintf(ref, OG_DOCGEN_REF_MAX, "%s@%lld", name, (long long)info.number);
        return 0;
    }
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    if (error != OG_ENOTFOUND)
        return error;
    if (version == 0 && og_docgen_builtin(name)) {
        og_error_clear();
        if (ref)
            snprintf(ref, OG_DOCGEN_REF_MAX, "%s@builtin", name);
        return og_buf_puts(out, og_docgen_builtin(name));
    }
    if (version > 0)
        return og_error_set(OG_ENOTFOUND, "template '%s' has no version %lld", name,
                            (long long)version);
    return og_error_set(OG_ENOTFOUND,
                        "no template '%s' (built-ins: sow, change-order, runbook, "
                        "closure, header, terms, assumptions, signoff)",
                        name);
}

/* OG_EINVAL refusing template name for the problems a check found (at least one). */
static int refuse_problems(const char *name, const json_t *found, const og_docgen_put_opts *opts)
{
    size_t n = json_array_size(found);
    const json_t *p0 = json_array_get(found, 0);
    char more[64] = "";
    if (n > 1)
        snprintf(more, sizeof(more), " (%zu missing names in all)", n);
    return og_error_set(
        OG_EINVAL,
        "template '%s' not stored: generate would fail on it: %s:%lld:%lld: '%s' is not in "
        "the %s data of a %s%s",
        name, json_string_value(json_object_get(p0, "source")),
        (long long)json_integer_value(json_object_get(p0, "line")),
        (long long)json_integer_value(json_object_get(p0, "column")),
        json_string_value(json_object_get(p0, "name")),
        opts->check.data ? "given" : "sample project's",
        json_string_value(json_object_get(p0, "kind")), more);
}

/* The tenant's template project, created on the first put. */
static int template_project(og_ctx *ctx, const char *tenant)
{
    og_project p;
    int error = og_project_get(ctx, tenant, OG_DOCGEN_TEMPLATE_PROJECT, &p);
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        error = og_project_create(ctx, tenant, OG_DOCGEN_TEMPLATE_PROJECT,
                                  "Document templates (opsgate generate)", &p);
        if (error == OG_EEXISTS) /* created by a concurrent put */
            error = 0;
    }
    return error;
}

int og_docgen_template_put(og_ctx *ctx, const char *tenant, const char *name, const char *src,
                           size_t len, const og_docgen_put_opts *opts, int64_t *out_version,
                           json_t **problems)
{
    static const og_docgen_put_opts none = {0};
    int error;
    og_artifact_ref r;
    og_artifact_put_opts o;
    og_artifact_version v;
    json_t *found = NULL;
    char aname[OG_ARTIFACT_NAME_MAX + 1];
    if (problems)
        *problems = NULL;
    if (!opts)
        opts = &none;
    if ((error = template_ref(&r, tenant, name, aname, sizeof(aname))) < 0)
        return error;
    /* a template that does not parse is never stored; one that names what the data does not
     * have only when forced (generate would fail on it) */
    if ((error = og_docgen_template_check(ctx, tenant, name, src, len, &opts->check, &found)) < 0)
        return error;
    if (json_array_size(found) && !opts->force) {
        error = refuse_problems(name, found, opts);
        goto cleanup;
    }
    if ((error = template_project(ctx, tenant)) < 0)
        goto cleanup;
    memset(&o, 0, sizeof(o));
    o.kind = "template";
    o.media_type = "text/plain";
    o.message = opts->message;
    if ((error = og_artifact_put_buffer(ctx, &r, &o, src, len, &v)) < 0)
        goto cleanup;
    if (out_version)
        *out_version = v.number;
    error = 0;
cleanup:
    if (problems) {
        *problems = found;
        found = NULL;
    }
    json_decref(found);
    return error;
}

/* {"name", "type", "source", "latest"} of one template for the list. */
static json_t *list_entry(const char *name, const char *type, const json_t *over)
{
    return json_pack("{s:s, s:s, s:s, s:O?}", "name", name, "type", type, "source",
                     over ? "tenant" : "builtin", "latest",
                     over ? json_object_get(over, "latest") : NULL);
}

int og_docgen_template_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error;
    json_t *arts = NULL, *list = json_array(), *a;
    size_t i, sl = strlen(TEMPLATE_SUFFIX);
    *out = NULL;
    error = og_artifact_list(ctx, tenant, OG_DOCGEN_TEMPLATE_PROJECT, 0, &arts);
    if (error == OG_ENOTFOUND) {
        /* no template project yet: only the built-ins, but the tenant itself must exist */
        og_error_clear();
        error = og_project_list(ctx, tenant, &arts);
        json_decref(arts);
        arts = NULL;
    }
    if (error < 0) {
        json_decref(list);
        return error;
    }
    for (i = 0; og_docgen_builtin_names[i]; i++) {
        const char *n = og_docgen_builtin_names[i];
        json_t *over = NULL;
        char aname[OG_ARTIFACT_NAME_MAX + 1];
        size_t k;
        snprintf(aname, sizeof(aname), "%s%s", n, TEMPLATE_SUFFIX);
        json_array_foreach(arts, k, a)
        {
            if (og_streq(json_string_value(json_object_get(a, "name")), aname))
                over = a;
        }
        json_array_append_new(list, list_entry(n, is_partial(n) ? "partial" : "document", over));
    }
    json_array_foreach(arts, i, a)
    {
        const char *an = json_string_value(json_object_get(a, "name"));
        size_t n = an ? strlen(an) : 0;
        char tname[OG_ARTIFACT_NAME_MAX + 1];
        if (n <= sl || strcmp(an + n - sl, TEMPLATE_SUFFIX) != 0)
            continue;
        snprintf(tname, sizeof(tname), "%.*s", (int)(n - sl), an);
        if (og_docgen_builtin(tname))
            continue;
        json_array_append_new(list, list_entry(tname, "custom", a));
    }
    json_decref(arts);
    *out = list;
    return 0;
}

int og_docgen_template_log(og_ctx *ctx, const char *tenant, const char *name, json_t **out)
{
    int error;
    og_artifact_ref r;
    char aname[OG_ARTIFACT_NAME_MAX + 1];
    if ((error = template_ref(&r, tenant, name, aname, sizeof(aname))) < 0)
        return error;
    error = og_artifact_log(ctx, &r, out);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_ENOTFOUND, "template '%s' has no stored versions%s", name,
                            og_docgen_builtin(name) ? " (it is the built-in)" : "");
    return error;
}

/* ---- partials: tenant override first, then the built-in; each use is recorded ---- */

int og_docgen__partial_load(void *ud, const char *name, og_buf *out)
{
    og_docgen__partials *pc = ud;
    char ref[OG_DOCGEN_REF_MAX];
    int error;
    if (!template_name_valid(name))
        return OG_ENOTFOUND;
    error = og_docgen_template_get(pc->ctx, pc->tenant, name, 0, out, ref);
    if (error == 0)
        json_array_append_new(pc->used, json_string(ref));
    else if (error == OG_ENOTFOUND)
        og_error_clear();
    return error;
}
