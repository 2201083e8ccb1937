/* store.c - generate and store: a document rendered from project data (given, or the project's
 * project.json) and stored with its data snapshot through the gate (store_gate.c). */
#include "docgen/store_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECT_DATA_ARTIFACT "project.json"

/* One og_docgen_generate_store call: what it resolved, rendered and owns. */
typedef struct gen {
    og_ctx *ctx;
    const og_docgen_request *req;
    og_project proj;
    const json_t *data; /* req->data, or one of the owned copies below */
    json_t *stored;     /* the project's project.json */
    json_t *merged;     /* a runbook with the certificate inventory */
    json_t *filled;     /* a closure with the generated change orders' amounts */
    json_t *baseline;   /* change orders and closures: the baseline SOW's data */
    og_buf dtext, tsrc, doc;
    char doc_name[160], data_name[160];
    char tref[OG_DOCGEN_REF_MAX]; /* the template used: "name@N" or "name@builtin" */
    og_docgen_brand brand;
    og_docgen__partials pc;
    char sha[65];  /* of the data */
    json_t *prov;  /* provenance */
    json_t *model; /* the view model rendered */
} gen;

/* Generating writes (a document version and its data snapshot); a dry run is that write's
 * preview, so it needs the same right: OG_EDENIED naming the right the actor has. The project
 * is already known to be readable. */
static int need_write(og_ctx *ctx, const og_docgen_request *req)
{
    json_t *list = NULL, *p;
    size_t i;
    const char *right = "none", *via = "";
    int error = og_project_list_all(ctx, req->tenant, &list);
    if (error < 0)
        return error;
    json_array_foreach(list, i, p)
    {
        if (og_streq(json_string_value(json_object_get(p, "key")), req->project)) {
            right = json_string_value(json_object_get(p, "right"));
            via = json_string_value(json_object_get(p, "via"));
        }
    }
    if (right && (strcmp(right, "write") == 0 || strcmp(right, "admin") == 0))
        error = 0;
    else
        error = og_error_set(OG_EDENIED,
                             "generating a document%s needs the write right on project '%s'; you "
                             "have %s (%s)",
                             req->dry_run ? " (even as a dry run)" : "", req->project,
                             right ? right : "none", via ? via : "");
    json_decref(list);
    return error;
}

/* The project must exist and be readable before anything else is looked at, writable, and not
 * archived. */
static int gen_check(gen *g)
{
    int error;
    if ((error = og_project_get(g->ctx, g->req->tenant, g->req->project, &g->proj)) < 0 ||
        (error = need_write(g->ctx, g->req)) < 0)
        return error;
    if (g->proj.archived_at[0])
        return og_error_set(OG_ECONFLICT,
                            "project '%s' is archived (since %s) and read-only: nothing is "
                            "generated into it until it is unarchived",
                            g->proj.key, g->proj.archived_at);
    return 0;
}

/* The data: given, else the project's stored project.json; a runbook's certificates from the
 * inventory when it asks. Then the names of the document and its snapshot. */
static int gen_data(gen *g)
{
    const og_docgen_request *req = g->req;
    char base[128];
    int error;
    g->data = req->data;
    if (!g->data) {
        og_artifact_ref r = {req->tenant, req->project, PROJECT_DATA_ARTIFACT};
        error = og_docgen__read_version(g->ctx, &r, 0, &g->dtext, NULL);
        if (error == OG_ENOTFOUND) {
            /* face-neutral: the CLI and HTTP front ends say how to give the data */
            error = og_error_set(OG_EINVAL,
                                 "no project data: none was given and project %s has no stored "
                                 "project data (artifact %s)",
                                 req->project, PROJECT_DATA_ARTIFACT);
            og_error_set_detail(OG_DOCGEN_DETAIL_NO_DATA);
            return error;
        }
        if (error < 0 ||
            (error = og_docgen_data_parse(&g->stored, g->dtext.data ? g->dtext.data : "",
                                          g->dtext.len, PROJECT_DATA_ARTIFACT)) < 0)
            return error;
        g->data = g->stored;
    }
    if (!json_is_object(g->data))
        return og_error_set(OG_EINVAL, "project data: expected a JSON object");
    if (req->kind == OG_DOC_RUNBOOK) {
        if ((error = og_docgen__runbook_inventory(g->ctx, req->tenant, g->data, &g->merged)) < 0)
            return error;
        if (g->merged)
            g->data = g->merged;
    }
    if ((error = og_docgen__doc_base(req->kind, g->data, base, sizeof(base))) < 0)
        return error;
    snprintf(g->doc_name, sizeof(g->doc_name), "%s.%s", base, og_doc_format_name(req->format));
    snprintf(g->data_name, sizeof(g->data_name), "%s.data.json", base);
    return 0;
}

/* The template: NAME or NAME@VERSION, default the kind's own name. */
static int gen_template(gen *g)
{
    const og_docgen_request *req = g->req;
    char tname[OG_DOCGEN_REF_MAX], *at, *end;
    int64_t tver = 0;
    og_strlcpy(tname,
               req->template_ref && *req->template_ref ? req->template_ref
                                                       : og_doc_kind_name(req->kind),
               sizeof(tname));
    at = strrchr(tname, '@');
    if (at) {
        *at = '\0';
        tver = strtoll(at + 1, &end, 10);
        if (*end || tver < 1)
            return og_error_set(OG_EINVAL, "bad template version in '%s' (NAME@N)",
                                req->template_ref);
    }
    return og_docgen_template_get(g->ctx, req->tenant, tname, tver, &g->tsrc, g->tref);
}

/* Change orders: the baseline the data names. Closures: the SOW as sold, when named (the
 * original budget and schedule), and the amounts of the change orders generated here. */
static int gen_baseline(gen *g)
{
    const og_docgen_request *req = g->req;
    int error;
    if (req->kind == OG_DOC_CHANGE_ORDER) {
        const char *spec =
            json_string_value(json_object_get(json_object_get(g->data, "change"), "baseline"));
        if (!spec)
            return og_error_set(OG_EINVAL, "change.baseline: missing (e.g. \"sow.md@1\")");
        return og_docgen__load_baseline(g->ctx, req->tenant, req->project, spec, "change.baseline",
                                        &g->baseline);
    }
    if (req->kind != OG_DOC_CLOSURE)
        return 0;
    const json_t *spec = json_object_get(json_object_get(g->data, "closure"), "baseline");
    if (spec && !json_is_string(spec))
        return og_error_set(OG_EINVAL, "closure.baseline: expected \"ARTIFACT@VERSION\"");
    if (spec && (error = og_docgen__load_baseline(g->ctx, req->tenant, req->project,
                                                  json_string_value(spec), "closure.baseline",
                                                  &g->baseline)) < 0)
        return error;
    if ((error = og_docgen__closure_amounts(g->ctx, req->tenant, req->project, g->data,
                                            &g->filled)) < 0)
        return error;
    if (g->filled)
        g->data = g->filled;
    return 0;
}

/* Render with the provider's brand (the installation's, with the tenant's override) and build
 * the provenance: template, partials, data hash, names, baseline, brand hash. */
static int gen_render(gen *g)
{
    const og_docgen_request *req = g->req;
    og_docgen_input in;
    og_tmpl_error terr;
    char tid[OG_ID_LEN], brand_sha[65];
    int error;
    if ((error = og_tenant_resolve(g->ctx, req->tenant, OG_PERM_TENANT_READ, tid)) < 0 ||
        (error = og_docgen__brand_load(g->ctx, tid, &g->brand)) < 0)
        return error;
    og_docgen__brand_sha256(&g->brand, brand_sha);
    g->pc.ctx = g->ctx;
    g->pc.tenant = req->tenant;
    g->pc.used = json_array();
    memset(&in, 0, sizeof(in));
    in.kind = req->kind;
    in.format = req->format;
    in.data = g->data;
    in.baseline = g->baseline;
    in.template_src = g->tsrc.data ? g->tsrc.data : "";
    in.template_len = g->tsrc.len;
    in.template_name = g->tref;
    in.partial = og_docgen__partial_load;
    in.partial_ud = &g->pc;
    in.brand = &g->brand;
    if ((error = og_docgen_generate(&g->doc, &in, &g->model, &terr)) < 0 ||
        (error = og_docgen_data_sha256(g->data, g->sha)) < 0)
        return error;
    g->prov =
        json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:s}", "generator", "opsgate docgen",
                  "opsgate", OG_VERSION, "kind", og_doc_kind_name(req->kind), "format",
                  og_doc_format_name(req->format), "partials", g->pc.used, "template", g->tref,
                  "data_sha256", g->sha, "data_artifact", g->data_name, "artifact", g->doc_name);
    if (!g->prov)
        return og_error_set(OG_ERROR, "out of memory");
    if (g->baseline) {
        const char *sec = req->kind == OG_DOC_CLOSURE ? "closure" : "change";
        json_object_set_new(g->prov, "baseline",
                            json_string(json_string_value(
                                json_object_get(json_object_get(g->data, sec), "baseline"))));
    }
    /* the brand is part of what made the document: its hash, so a rebrand shows in the history */
    json_object_set_new(g->prov, "brand_sha256",
                        brand_sha[0] ? json_string(brand_sha) : json_null());
    return 0;
}

/* The document and the canonical data as the gate's staged input. */
static int gen_stage(gen *g, og_buf *sbytes)
{
    og_docgen__staged st;
    int error;
    char *canonical = og_docgen_data_canonical(g->data);
    if (!canonical)
        return og_error_set(OG_ERROR, "out of memory");
    memset(&st, 0, sizeof(st));
    st.project = g->req->project;
    st.doc_name = g->doc_name;
    st.data_name = g->data_name;
    st.kind = og_doc_kind_name(g->req->kind);
    st.media = og_doc_format_media_type(g->req->format);
    st.content = g->doc.data ? g->doc.data : "";
    st.content_len = g->doc.len;
    st.data_text = canonical;
    st.prov = g->prov;
    if ((error = og_docgen__staged_encode(&st, sbytes)) < 0)
        og_error_wrap("staging the document for the gate");
    free(canonical);
    return error;
}

/* What the gate's outcome means: stored (prov gets the version, and the data snapshot's or that
 * nothing changed), waiting for approval (OG_EPENDING) or failed. */
static int gen_outcome(gen *g, const og_gate_outcome *outcome)
{
    if (strcmp(outcome->state, "done") != 0 && strcmp(outcome->state, "review") != 0)
        return og_error_set(OG_EPENDING,
                            "generation waits for approval (gate item %s): the document is "
                            "stored when it is approved",
                            outcome->gate_id);
    if (!outcome->result) {
        /* executed and failed: the gate recorded the failure; report its message */
        int error = og_error_code() < 0 ? og_error_code() : OG_ERROR;
        if (!og_error_last()[0])
            og_error_set(OG_ERROR, "generation failed (gate item %s)", outcome->gate_id);
        return error;
    }
    json_object_set(g->prov, "version", json_object_get(outcome->result, "version"));
    if (json_is_true(json_object_get(outcome->result, "unchanged")))
        json_object_set_new(g->prov, "unchanged", json_true());
    else
        json_object_set(g->prov, "data_version", json_object_get(outcome->result, "data_version"));
    json_object_set_new(g->prov, "gate_id", json_string(outcome->gate_id));
    return 0;
}

/* Store through the gate ("artifacts.generate"): params go into the gate item and the audit
 * record in plain text, so they hold provenance without names (artifact and project names are
 * sealed by the artifact module); the document itself is the staged input. */
static int gen_store(gen *g)
{
    const og_docgen_request *req = g->req;
    og_buf sbytes;
    og_gate_staged gst;
    og_gate_outcome outcome;
    json_t *params = NULL;
    char subject[OG_DOCGEN_REF_MAX + 400];
    int error;
    og_buf_init(&sbytes, OG_GATE_STAGED_MAX);
    memset(&outcome, 0, sizeof(outcome));
    if ((error = gen_stage(g, &sbytes)) < 0)
        goto cleanup;
    gst = (og_gate_staged){sbytes.data, sbytes.len, OG_DOCGEN__STAGED_MEDIA};
    params = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "project_id", g->proj.id, "kind",
                       og_doc_kind_name(req->kind), "format", og_doc_format_name(req->format),
                       "template", g->tref, "partials", g->pc.used, "data_sha256", g->sha,
                       "opsgate", OG_VERSION);
    snprintf(subject, sizeof(subject), "generate %s \"%s\" (%s) in project %s from template %s",
             og_doc_kind_name(req->kind), g->doc_name, og_doc_format_name(req->format), g->proj.key,
             g->tref);
    og_gate_about about = {.target_type = "project",
                           .target_id = g->proj.id,
                           .subject = subject,
                           .project = g->proj.key,
                           .object = g->doc_name};
    /* what the inference step reads (docs/inference.md): the size of what was generated, the
     * change in its total money and the template's fields the data lacks */
    about.facts = json_pack("{s:I}", "size_bytes", (json_int_t)sbytes.len);
    if (!about.facts) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_docgen__facts(g->ctx, req, g->data_name, g->model, g->baseline, &g->tsrc,
                                  g->tref, about.facts)) < 0) {
        json_decref(about.facts);
        goto cleanup;
    }
    error = og_gate_request_staged(g->ctx, req->tenant, "artifacts.generate", &about, params, NULL,
                                   &gst, &outcome);
    json_decref(about.facts);
    if (error < 0)
        goto cleanup;
    error = gen_outcome(g, &outcome);
cleanup:
    json_decref(outcome.result);
    json_decref(params);
    og_buf_free(&sbytes);
    return error;
}

int og_docgen_generate_store(og_ctx *ctx, const og_docgen_request *req, og_buf *out,
                             json_t **provenance)
{
    int error;
    gen g;
    memset(&g, 0, sizeof(g));
    g.ctx = ctx;
    g.req = req;
    og_buf_init(&g.tsrc, OG_TMPL_MAX_SOURCE);
    og_buf_init(&g.doc, out->cap);
    og_buf_init(&g.dtext, OG_DOCGEN__READ_CAP);
    if (provenance)
        *provenance = NULL;
    if ((error = og_docgen_register_kinds()) < 0)
        return error;
    if ((error = gen_check(&g)) < 0 || (error = gen_data(&g)) < 0 ||
        (error = gen_template(&g)) < 0 || (error = gen_baseline(&g)) < 0 ||
        (error = gen_render(&g)) < 0 || (!req->dry_run && (error = gen_store(&g)) < 0))
        goto cleanup;
    if ((error = og_buf_append(out, g.doc.data ? g.doc.data : "", g.doc.len)) < 0)
        goto cleanup;
    if (provenance) {
        *provenance = g.prov;
        g.prov = NULL;
    }
    error = 0;
cleanup:
    json_decref(g.prov);
    json_decref(g.model);
    json_decref(g.pc.used);
    json_decref(g.baseline);
    json_decref(g.stored);
    json_decref(g.merged);
    json_decref(g.filled);
    og_docgen_brand_free(&g.brand);
    og_buf_free(&g.tsrc);
    og_buf_free(&g.doc);
    og_buf_free(&g.dtext);
    return error;
}
