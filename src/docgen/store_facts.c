/* store_facts.c - what the inference step learns of a generation (docs/inference.md): the change
 * in the document's total money against the version generated before, and how many fields the
 * template names that the data does not have. */
#include "docgen/store_internal.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"
#include "opsgate/util.h"

#include <stdlib.h>
#include <string.h>

/* A model's total ("1,234.50") as a number; 0 when it has none. */
static int model_total(const json_t *model, double *out)
{
    const char *s = json_string_value(json_object_get(json_object_get(model, "totals"), "amount"));
    char num[64];
    size_t n = 0;
    if (!s)
        return 0;
    for (; *s && n + 1 < sizeof(num); s++)
        if ((*s >= '0' && *s <= '9') || *s == '.' || *s == '-')
            num[n++] = *s;
    num[n] = '\0';
    *out = strtod(num, NULL);
    return n > 0;
}

/* The total of the data snapshot generated before (the latest version of data_name). */
static int previous_total(og_ctx *ctx, const og_docgen_request *req, const char *data_name,
                          const json_t *baseline, double *out)
{
    og_artifact_ref r = {req->tenant, req->project, data_name};
    og_buf text;
    json_t *data = NULL, *model = NULL;
    int found = 0, error;
    og_buf_init(&text, OG_DOCGEN__READ_CAP);
    error = og_docgen__read_version(ctx, &r, 0, &text, NULL);
    if (error == OG_ENOTFOUND) { /* the first generation: no change to measure */
        og_error_clear();
        error = 0;
        goto cleanup;
    }
    if (error < 0 ||
        (error = og_docgen_data_parse(&data, text.data ? text.data : "", text.len, data_name)) < 0)
        goto cleanup;
    /* an older snapshot that no longer validates says nothing about money */
    if (og_docgen_model(&model, req->kind, data, baseline) < 0) {
        og_error_clear();
        goto cleanup;
    }
    found = model_total(model, out);
cleanup:
    og_buf_free(&text);
    json_decref(data);
    json_decref(model);
    return error < 0 ? error : found;
}

static void count_missing(void *ud, const og_tmpl_missing *m)
{
    if (m->interpolation)
        (*(int *)ud)++;
}

int og_docgen__facts(og_ctx *ctx, const og_docgen_request *req, const char *data_name,
                     const json_t *model, const json_t *baseline, const og_buf *tsrc,
                     const char *tref, json_t *facts)
{
    double now = 0, before = 0;
    og_tmpl *t = NULL;
    og_tmpl_opts opts;
    og_tmpl_error terr;
    og_docgen__partials pc = {ctx, req->tenant, json_array()};
    int missing = 0, error;
    if (model_total(model, &now)) {
        if ((error = previous_total(ctx, req, data_name, baseline, &before)) < 0)
            goto cleanup;
        if (error > 0)
            json_object_set_new(facts, "money_change", json_real(now - before));
    }
    /* the template's fields the data lacks: only optional ones can be missing once it rendered */
    memset(&opts, 0, sizeof(opts));
    opts.escape = OG_TMPL_ESCAPE_NONE;
    opts.partial = og_docgen__partial_load;
    opts.partial_ud = &pc;
    if ((error = og_tmpl_parse_named(&t, tref, tsrc->data ? tsrc->data : "", tsrc->len, &terr)) <
            0 ||
        (error = og_tmpl_check(t, model, &opts, count_missing, &missing, &terr)) < 0)
        goto cleanup;
    json_object_set_new(facts, "missing_fields", json_integer(missing));
    error = 0;
cleanup:
    og_tmpl_free(t);
    json_decref(pc.used);
    return error;
}
