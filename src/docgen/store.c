/* store.c - the only file of docgen that touches storage: templates as artifacts of kind
 * "template", data snapshots and generated documents as artifact versions, through the gate. */
#include "docgen/docgen_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_SUFFIX       ".mustache"
#define PROJECT_DATA_ARTIFACT "project.json"
#define READ_CAP              ((size_t)32 << 20) /* templates, snapshots and baselines we read back */

/* ---- small helpers over the artifact API ---- */

static int read_version(og_ctx *ctx, const og_artifact_ref *ref, int64_t version, og_buf *out,
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

static int template_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 100)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (c == '.' && i > 0)))
            return 0;
    }
    return 1;
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

static int is_partial(const char *name)
{
    return og_docgen_builtin(name) && strcmp(name, "sow") != 0 &&
           strcmp(name, "change-order") != 0 && strcmp(name, "runbook") != 0 &&
           strcmp(name, "closure") != 0;
}

/* ---- templates ---- */

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
    error = read_version(ctx, &r, version, out, &info);
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

int og_docgen_template_put(og_ctx *ctx, const char *tenant, const char *name, const char *src,
                           size_t len, const og_docgen_put_opts *opts, int64_t *out_version,
                           json_t **problems)
{
    static const og_docgen_put_opts none = {0};
    int error;
    og_artifact_ref r;
    og_artifact_put_opts o;
    og_artifact_version v;
    og_project p;
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
    size_t n = json_array_size(found);
    if (n && !opts->force) {
        const json_t *p0 = json_array_get(found, 0);
        char more[64] = "";
        if (n > 1)
            snprintf(more, sizeof(more), " (%zu missing names in all)", n);
        error = og_error_set(
            OG_EINVAL,
            "template '%s' not stored: generate would fail on it: %s:%lld:%lld: '%s' is not in "
            "the %s data of a %s%s",
            name, json_string_value(json_object_get(p0, "source")),
            (long long)json_integer_value(json_object_get(p0, "line")),
            (long long)json_integer_value(json_object_get(p0, "column")),
            json_string_value(json_object_get(p0, "name")),
            opts->check.data ? "given" : "sample project's",
            json_string_value(json_object_get(p0, "kind")), more);
        goto cleanup;
    }
    error = og_project_get(ctx, tenant, OG_DOCGEN_TEMPLATE_PROJECT, &p);
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        error = og_project_create(ctx, tenant, OG_DOCGEN_TEMPLATE_PROJECT,
                                  "Document templates (opsgate generate)", &p);
        if (error == OG_EEXISTS) /* created by a concurrent put */
            error = 0;
    }
    if (error < 0)
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

int og_docgen_template_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error;
    json_t *arts = NULL, *list = json_array(), *a;
    size_t i;
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
        snprintf(aname, sizeof(aname), "%s%s", n, TEMPLATE_SUFFIX);
        size_t k;
        json_array_foreach(arts, k, a)
        {
            if (og_streq(json_string_value(json_object_get(a, "name")), aname))
                over = a;
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:O?}", "name", n, "type",
                                              is_partial(n) ? "partial" : "document", "source",
                                              over ? "tenant" : "builtin", "latest",
                                              over ? json_object_get(over, "latest") : NULL));
    }
    json_array_foreach(arts, i, a)
    {
        const char *an = json_string_value(json_object_get(a, "name"));
        size_t n = an ? strlen(an) : 0, sl = strlen(TEMPLATE_SUFFIX);
        char tname[OG_ARTIFACT_NAME_MAX + 1];
        if (n <= sl || strcmp(an + n - sl, TEMPLATE_SUFFIX) != 0)
            continue;
        snprintf(tname, sizeof(tname), "%.*s", (int)(n - sl), an);
        if (og_docgen_builtin(tname))
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:O?}", "name", tname, "type",
                                              "custom", "source", "tenant", "latest",
                                              json_object_get(a, "latest")));
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

typedef struct partial_ctx {
    og_ctx *ctx;
    const char *tenant;
    json_t *used; /* array of "name@version" */
} partial_ctx;

static int partial_loader(void *ud, const char *name, og_buf *out)
{
    partial_ctx *pc = ud;
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

/* ---- baseline: "ARTIFACT@VERSION" in the same project ---- */

static int load_baseline(og_ctx *ctx, const char *tenant, const char *project, const char *spec,
                         const char *field, json_t **out)
{
    int error;
    char name[OG_ARTIFACT_NAME_MAX + 1], *end;
    const char *at = spec ? strrchr(spec, '@') : NULL;
    long long version;
    og_artifact_ref r = {tenant, project, name};
    og_artifact_version info;
    og_buf b;
    json_t *prov = NULL;
    *out = NULL;
    if (!at || at == spec || (size_t)(at - spec) > OG_ARTIFACT_NAME_MAX)
        return og_error_set(OG_EINVAL, "%s: '%s' is not ARTIFACT@VERSION (e.g. \"sow.md@1\")",
                            field, spec ? spec : "");
    version = strtoll(at + 1, &end, 10);
    if (*end || version < 1)
        return og_error_set(OG_EINVAL, "%s: bad version in '%s'", field, spec);
    snprintf(name, sizeof(name), "%.*s", (int)(at - spec), spec);
    og_buf_init(&b, READ_CAP);
    error = read_version(ctx, &r, version, &b, &info);
    if (error == OG_ENOTFOUND) {
        error = og_error_set(OG_EINVAL, "%s: no version %lld of '%s' in project %s", field, version,
                             name, project);
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    if (strcmp(info.media_type, "application/json") != 0) {
        /* a generated document: its provenance names the data snapshot it came from */
        const char *dname, *dsha;
        json_int_t dver;
        prov = json_loads(info.message, 0, NULL);
        dname = json_string_value(json_object_get(prov, "data_artifact"));
        dver = json_integer_value(json_object_get(prov, "data_version"));
        dsha = json_string_value(json_object_get(prov, "data_sha256"));
        if (!dname || dver < 1 || !dsha) {
            error = og_error_set(OG_EINVAL,
                                 "%s: version %lld of '%s' was not generated by "
                                 "opsgate (no data snapshot in its provenance)",
                                 field, version, name);
            goto cleanup;
        }
        og_strlcpy(name, dname, sizeof(name));
        og_buf_reset(&b);
        if ((error = read_version(ctx, &r, dver, &b, &info)) < 0) {
            og_error_wrap("%s '%s': data snapshot %s@%lld", field, spec, dname, (long long)dver);
            goto cleanup;
        }
        if ((error = og_docgen_data_parse(out, b.data ? b.data : "", b.len, name)) < 0)
            goto cleanup;
        char sha[65];
        og_docgen_data_sha256(*out, sha);
        if (strcmp(sha, dsha) != 0) {
            error = og_error_set(OG_ECORRUPT,
                                 "%s '%s': the data snapshot %s@%lld does not match "
                                 "the SHA-256 in the document's provenance",
                                 field, spec, dname, (long long)dver);
            goto cleanup;
        }
        error = 0;
        goto cleanup;
    }
    error = og_docgen_data_parse(out, b.data ? b.data : "", b.len, name);
cleanup:
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(prov);
    og_buf_free(&b);
    return error;
}

/* ---- the gate action: both puts in the gate's transaction ---- */

/* What generate computed and its execute stores: the document and the data snapshot are far too
 * big (and too confidential) for the gate item's params, which are kept in plain text with the
 * audit record, so they go to the gate as its staged input (og_gate_staged), which the gate keeps
 * sealed with the tenant's key while an approval is pending. The bytes are a JSON header (names,
 * media type, provenance, the canonical data), a NUL, then the document's content. */
#define STAGED_MEDIA "application/vnd.opsgate.generate"

typedef struct staged {
    const char *project, *doc_name, *data_name, *kind, *media;
    const char *content;
    size_t content_len;
    const char *data_text; /* canonical data */
    json_t *prov;          /* provenance (owned when parsed) */
    json_t *header;        /* owned when parsed: what the strings above point into */
} staged;

static int staged_encode(const staged *s, og_buf *out)
{
    int error;
    json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "project", s->project, "doc",
                          s->doc_name, "data_name", s->data_name, "kind", s->kind, "media",
                          s->media, "data", s->data_text, "prov", s->prov);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_buf_append(out, text, strlen(text) + 1)) == 0)
        error = og_buf_append(out, s->content, s->content_len);
    free(text);
    return error;
}

static int staged_decode(const og_gate_staged *in, staged *s)
{
    const char *p = in ? in->data : NULL;
    const char *nul = p ? memchr(p, '\0', in->len) : NULL;
    memset(s, 0, sizeof(*s));
    if (!in || !og_streq(in->media_type, STAGED_MEDIA) || !nul)
        return og_error_set(OG_ECONFLICT,
                            "artifacts.generate: the gate item holds no generated document "
                            "(requested before documents were kept with it); generate it again");
    s->header = json_loadb(p, (size_t)(nul - p), 0, NULL);
    s->project = json_string_value(json_object_get(s->header, "project"));
    s->doc_name = json_string_value(json_object_get(s->header, "doc"));
    s->data_name = json_string_value(json_object_get(s->header, "data_name"));
    s->kind = json_string_value(json_object_get(s->header, "kind"));
    s->media = json_string_value(json_object_get(s->header, "media"));
    s->data_text = json_string_value(json_object_get(s->header, "data"));
    s->prov = json_object_get(s->header, "prov");
    if (!s->project || !s->doc_name || !s->data_name || !s->kind || !s->media || !s->data_text ||
        !json_is_object(s->prov)) {
        json_decref(s->header);
        s->header = NULL;
        return og_error_set(OG_ECORRUPT, "artifacts.generate: the staged document is malformed");
    }
    s->content = nul + 1;
    s->content_len = in->len - (size_t)(nul + 1 - p);
    return 0;
}

/* *number = the latest version when its content is exactly data, else 0 (also when the artifact
 * does not exist yet). */
static int latest_same(og_ctx *ctx, const og_artifact_ref *ref, const void *data, size_t len,
                       int64_t *number)
{
    og_artifact_reader *r = NULL;
    og_artifact_version latest;
    uint8_t h[32];
    char sha[65];
    int error = og_artifact_get_open(&r, ctx, ref, 0, &latest);
    *number = 0;
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        return 0;
    }
    if (error < 0)
        return error;
    og_artifact_get_close(r);
    og_crypto_sha256(data, len, h);
    og_hex_encode(h, sizeof(h), sha);
    if (strcmp(sha, latest.sha256) == 0)
        *number = latest.number;
    return 0;
}

static int generate_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                            const og_gate_staged *in, json_t **result)
{
    int error;
    staged st, *s = &st;
    og_artifact_ref dref, cref;
    og_artifact_put_opts o;
    og_artifact_version dv, cv;
    char *meta = NULL, *msg = NULL;
    int64_t data_version = 0, same = 0;
    (void)params;
    if ((error = staged_decode(in, &st)) < 0)
        return error;
    dref = (og_artifact_ref){tenant_id, s->project, s->data_name};
    cref = (og_artifact_ref){tenant_id, s->project, s->doc_name};

    /* the same bytes as the latest version (unchanged data and template): that version stands
     * with its own provenance; the artifact module keeps no duplicate versions */
    if ((error = latest_same(ctx, &cref, s->content, s->content_len, &same)) < 0)
        goto cleanup;
    if (same) {
        *result = json_pack("{s:I, s:b}", "version", (json_int_t)same, "unchanged", 1);
        error = 0;
        goto cleanup;
    }
    /* the data snapshot: a new version only when the data changed since the latest one */
    if ((error = latest_same(ctx, &dref, s->data_text, strlen(s->data_text), &data_version)) < 0)
        goto cleanup;
    if (!data_version) {
        memset(&o, 0, sizeof(o));
        o.kind = s->kind;
        o.media_type = "application/json";
        o.message = "project data snapshot (opsgate generate)";
        if ((error = og_artifact_put_buffer(ctx, &dref, &o, s->data_text, strlen(s->data_text),
                                            &dv)) < 0) {
            og_error_wrap("storing the data snapshot");
            goto cleanup;
        }
        data_version = dv.number;
    }
    json_object_set_new(s->prov, "data_version", json_integer((json_int_t)data_version));

    meta = json_dumps(s->prov, JSON_SORT_KEYS | JSON_COMPACT);
    msg = json_dumps(s->prov, JSON_SORT_KEYS | JSON_COMPACT);
    if (!meta || !msg) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memset(&o, 0, sizeof(o));
    o.kind = s->kind;
    o.media_type = s->media;
    o.message = msg;
    o.metadata = meta;
    o.part = s->data_name; /* the snapshot goes with the document, never alone */
    if ((error = og_artifact_put_buffer(ctx, &cref, &o, s->content, s->content_len, &cv)) < 0) {
        og_error_wrap("storing the document");
        goto cleanup;
    }
    *result = json_pack("{s:s, s:I, s:I, s:s}", "artifact_id", cv.artifact_id, "version",
                        (json_int_t)cv.number, "data_version", (json_int_t)data_version, "sha256",
                        cv.sha256);
    error = 0;
cleanup:
    free(meta);
    free(msg);
    json_decref(st.header);
    return error;
}

static const og_action_kind generate_kind = {
    .name = "artifacts.generate",
    .area = "artifacts",
    .default_level = OG_GATE_L0,
    .description = "generate a SOW, change order, runbook or closure document from project data "
                   "and store it as a new artifact version (with its data snapshot)",
    .execute = generate_execute,
    .rollback = NULL, /* versions are immutable: a later version supersedes a wrong one */
    .command = "`opsgate generate`",
    .route = "POST /api/v1/projects/{key}/generate",
};

static pthread_once_t kind_once = PTHREAD_ONCE_INIT;
static int kind_result;

static void register_kind(void)
{
    int rc = og_gate_kind_register(&generate_kind);
    kind_result = rc == OG_EEXISTS ? 0 : rc;
    og_error_clear();
}

int og_docgen_register_kinds(void)
{
    pthread_once(&kind_once, register_kind);
    return kind_result;
}

/* ---- runbooks: certificates from the tenant's inventory ----
 * "runbook": {"certificates": "inventory"} takes the certificates of the tenant's inventory that
 * belong to the runbook's systems: a certificate whose subject or one of whose locations names a
 * system's host, ip or name. The result replaces the string in a copy of the data, so the stored
 * snapshot (and its hash) is exactly what was rendered. */
static int contains_any(const char *hay, const json_t *systems)
{
    static const char *const keys[] = {"host", "ip", "name"};
    size_t i;
    const json_t *sys;
    if (!hay)
        return 0;
    json_array_foreach(systems, i, sys)
    {
        for (size_t k = 0; k < 3; k++) {
            const char *v = json_string_value(json_object_get(sys, keys[k]));
            if (v && strlen(v) >= 3 && strstr(hay, v))
                return 1;
        }
    }
    return 0;
}

static int runbook_certs_from_inventory(og_ctx *ctx, const char *tenant, const json_t *data,
                                        json_t **out)
{
    int error;
    json_t *rb = json_object_get(data, "runbook"), *list = NULL, *certs, *copy, *c;
    const json_t *systems = json_object_get(rb, "systems");
    size_t i, j;
    *out = NULL;
    if (!og_streq(json_string_value(json_object_get(rb, "certificates")), "inventory"))
        return 0;
    if ((error = og_certs_list(ctx, tenant, NULL, &list)) < 0)
        return og_error_wrap("runbook.certificates: reading the certificate inventory");
    certs = json_array();
    json_array_foreach(list, i, c)
    {
        const json_t *locs = json_object_get(c, "locations"), *l;
        int hit = json_is_true(json_object_get(c, "ca"))
                      ? 0
                      : contains_any(json_string_value(json_object_get(c, "subject")), systems);
        json_array_foreach(locs, j, l) hit = hit || contains_any(json_string_value(l), systems);
        if (!hit)
            continue;
        char day[11] = "";
        const char *na = json_string_value(json_object_get(c, "not_after"));
        if (na)
            og_strlcpy(day, na, sizeof(day));
        json_array_append_new(certs,
                              json_pack("{s:s, s:s, s:s, s:O}", "subject",
                                        json_string_value(json_object_get(c, "subject")), "issuer",
                                        json_string_value(json_object_get(c, "issuer")),
                                        "not_after", day, "deployed_to", locs));
    }
    json_decref(list);
    copy = json_deep_copy(data);
    if (!copy) {
        json_decref(certs);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(json_object_get(copy, "runbook"), "certificates", certs);
    *out = copy;
    return 0;
}

/* ---- closures: the amounts of the change orders as they were generated ----
 * Each change order a closure lists (closure.change_orders[].number) that opsgate generated in
 * this project has a data snapshot, change-order-<number>.data.json, and a baseline: its cost
 * impact is recomputed from them. A listed amount that differs is an error naming both; a missing
 * one is filled in, in a copy of the data (the stored snapshot is what was rendered). Change
 * orders generated elsewhere keep the amount the data gives. */
static int closure_co_amounts(og_ctx *ctx, const char *tenant, const char *project,
                              const json_t *data, json_t **out)
{
    const json_t *cos = json_object_get(json_object_get(data, "closure"), "change_orders"), *co;
    json_t *copy = NULL;
    size_t i;
    int error = 0;
    *out = NULL;
    if (!json_is_array(cos) || json_array_size(cos) > OG_DOCGEN_ITEMS_MAX)
        return 0; /* the model names what is wrong */
    json_array_foreach(cos, i, co)
    {
        const char *num = json_string_value(json_object_get(co, "number"));
        char base[160], dname[200];
        og_artifact_version info;
        og_buf b;
        json_t *cd = NULL, *cbase = NULL, *spec = NULL;
        og_dec delta = 0, given;
        int digits = 2;
        if (!num || !*num)
            continue;
        json_t *fake = json_pack("{s:{s:s}}", "change", "number", num);
        error = og_docgen__doc_base(OG_DOC_CHANGE_ORDER, fake, base, sizeof(base));
        json_decref(fake);
        if (error < 0) {
            og_error_wrap("closure.change_orders[%zu].number", i);
            break;
        }
        snprintf(dname, sizeof(dname), "%s.data.json", base);
        og_artifact_ref r = {tenant, project, dname};
        og_buf_init(&b, READ_CAP);
        error = read_version(ctx, &r, 0, &b, &info);
        if (error == OG_ENOTFOUND) { /* not generated here: the data's amount stands */
            og_error_clear();
            og_buf_free(&b);
            error = 0;
            continue;
        }
        if (error == 0)
            error = og_docgen_data_parse(&cd, b.data ? b.data : "", b.len, dname);
        og_buf_free(&b);
        spec = json_object_get(json_object_get(cd, "change"), "baseline");
        if (error == 0 && json_is_string(spec))
            error = load_baseline(ctx, tenant, project, json_string_value(spec), "change.baseline",
                                  &cbase);
        if (error == 0)
            error = cbase ? og_docgen__co_delta(cd, cbase, &delta, &digits)
                          : og_error_set(OG_EINVAL, "%s has no change.baseline", dname);
        json_decref(cd);
        json_decref(cbase);
        if (error < 0) {
            og_error_wrap("closure.change_orders[%zu]: change order %s as generated (%s@%lld)", i,
                          num, dname, (long long)info.number);
            break;
        }
        const json_t *amt = json_object_get(co, "amount");
        char want[OG_DEC_STR_MAX + 1], plain[OG_DEC_STR_MAX];
        og_dec_format(delta, digits, 1, want + 1);
        want[0] = '+';
        if (amt) {
            char f[64];
            snprintf(f, sizeof(f), "closure.change_orders[%zu].amount", i);
            if ((error = og_dec_from_json(amt, f, &given)) < 0)
                break;
            if (og_dec_round(given, digits) != delta) {
                char g[OG_DEC_STR_MAX];
                og_dec_format(given, digits, 1, g);
                error = og_error_set(OG_EINVAL,
                                     "%s: %s, but change order %s as generated (%s version %lld) "
                                     "is %s; correct the amount or leave it out",
                                     f, g, num, dname, (long long)info.number,
                                     delta > 0 ? want : want + 1);
                break;
            }
            continue;
        }
        if (!copy && !(copy = json_deep_copy(data))) {
            error = og_error_set(OG_ERROR, "out of memory");
            break;
        }
        og_dec_format(delta, digits, 0, plain);
        json_object_set_new(
            json_array_get(json_object_get(json_object_get(copy, "closure"), "change_orders"), i),
            "amount", json_string(plain));
    }
    if (error < 0) {
        json_decref(copy);
        return error;
    }
    *out = copy;
    return 0;
}

/* ---- generate and store ---- */

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

int og_docgen_generate_store(og_ctx *ctx, const og_docgen_request *req, og_buf *out,
                             json_t **provenance)
{
    int error = -1;
    json_t *stored = NULL, *baseline = NULL, *prov = NULL, *params = NULL, *merged = NULL,
           *filled = NULL;
    og_docgen_brand brand;
    char tid[OG_ID_LEN], brand_sha[65];
    const json_t *data = req->data;
    og_buf tsrc, doc, dtext;
    char tref[OG_DOCGEN_REF_MAX], tname[OG_DOCGEN_REF_MAX], base[128], doc_name[160],
        data_name[160], sha[65];
    int64_t tver = 0;
    char *canonical = NULL;
    partial_ctx pc;
    og_docgen_input in;
    og_tmpl_error terr;
    og_project proj;
    staged st;
    og_buf sbytes;
    og_gate_staged gst;
    og_gate_outcome outcome;

    memset(&brand, 0, sizeof(brand));
    og_buf_init(&sbytes, OG_GATE_STAGED_MAX);
    og_buf_init(&tsrc, OG_TMPL_MAX_SOURCE);
    og_buf_init(&doc, out->cap);
    og_buf_init(&dtext, READ_CAP);
    memset(&pc, 0, sizeof(pc));
    memset(&outcome, 0, sizeof(outcome));
    if (provenance)
        *provenance = NULL;
    if ((error = og_docgen_register_kinds()) < 0)
        return error;
    /* the project must exist and be readable before anything else is looked at */
    if ((error = og_project_get(ctx, req->tenant, req->project, &proj)) < 0 ||
        (error = need_write(ctx, req)) < 0)
        goto cleanup;
    if (proj.archived_at[0]) {
        error = og_error_set(OG_ECONFLICT,
                             "project '%s' is archived (since %s) and read-only: nothing is "
                             "generated into it until it is unarchived",
                             proj.key, proj.archived_at);
        goto cleanup;
    }

    if (!data) {
        og_artifact_ref r = {req->tenant, req->project, PROJECT_DATA_ARTIFACT};
        error = read_version(ctx, &r, 0, &dtext, NULL);
        if (error == OG_ENOTFOUND) {
            /* face-neutral: the CLI and HTTP front ends say how to give the data */
            error = og_error_set(OG_EINVAL,
                                 "no project data: none was given and project %s has no stored "
                                 "project data (artifact %s)",
                                 req->project, PROJECT_DATA_ARTIFACT);
            og_error_set_detail(OG_DOCGEN_DETAIL_NO_DATA);
            goto cleanup;
        }
        if (error < 0 || (error = og_docgen_data_parse(&stored, dtext.data ? dtext.data : "",
                                                       dtext.len, PROJECT_DATA_ARTIFACT)) < 0)
            goto cleanup;
        data = stored;
    }
    if (!json_is_object(data)) {
        error = og_error_set(OG_EINVAL, "project data: expected a JSON object");
        goto cleanup;
    }
    if (req->kind == OG_DOC_RUNBOOK) {
        if ((error = runbook_certs_from_inventory(ctx, req->tenant, data, &merged)) < 0)
            goto cleanup;
        if (merged)
            data = merged;
    }
    if ((error = og_docgen__doc_base(req->kind, data, base, sizeof(base))) < 0)
        goto cleanup;
    snprintf(doc_name, sizeof(doc_name), "%s.%s", base, og_doc_format_name(req->format));
    snprintf(data_name, sizeof(data_name), "%s.data.json", base);

    /* template: NAME or NAME@VERSION, default the kind's own name */
    og_strlcpy(tname,
               req->template_ref && *req->template_ref ? req->template_ref
                                                       : og_doc_kind_name(req->kind),
               sizeof(tname));
    {
        char *at = strrchr(tname, '@'), *end;
        if (at) {
            *at = '\0';
            tver = strtoll(at + 1, &end, 10);
            if (*end || tver < 1) {
                error = og_error_set(OG_EINVAL, "bad template version in '%s' (NAME@N)",
                                     req->template_ref);
                goto cleanup;
            }
        }
    }
    if ((error = og_docgen_template_get(ctx, req->tenant, tname, tver, &tsrc, tref)) < 0)
        goto cleanup;

    if (req->kind == OG_DOC_CHANGE_ORDER) {
        const char *spec =
            json_string_value(json_object_get(json_object_get(data, "change"), "baseline"));
        if (!spec) {
            error = og_error_set(OG_EINVAL, "change.baseline: missing (e.g. \"sow.md@1\")");
            goto cleanup;
        }
        if ((error = load_baseline(ctx, req->tenant, req->project, spec, "change.baseline",
                                   &baseline)) < 0)
            goto cleanup;
    }
    if (req->kind == OG_DOC_CLOSURE) {
        /* the SOW as sold, when named: the closure's original budget and schedule */
        const json_t *spec = json_object_get(json_object_get(data, "closure"), "baseline");
        if (spec && !json_is_string(spec)) {
            error = og_error_set(OG_EINVAL, "closure.baseline: expected \"ARTIFACT@VERSION\"");
            goto cleanup;
        }
        if (spec && (error = load_baseline(ctx, req->tenant, req->project, json_string_value(spec),
                                           "closure.baseline", &baseline)) < 0)
            goto cleanup;
        if ((error = closure_co_amounts(ctx, req->tenant, req->project, data, &filled)) < 0)
            goto cleanup;
        if (filled)
            data = filled;
    }
    /* the provider's brand: the installation's, with the tenant's override */
    if ((error = og_tenant_resolve(ctx, req->tenant, OG_PERM_TENANT_READ, tid)) < 0 ||
        (error = og_docgen__brand_load(ctx, tid, &brand)) < 0)
        goto cleanup;
    og_docgen__brand_sha256(&brand, brand_sha);

    pc.ctx = ctx;
    pc.tenant = req->tenant;
    pc.used = json_array();
    memset(&in, 0, sizeof(in));
    in.kind = req->kind;
    in.format = req->format;
    in.data = data;
    in.baseline = baseline;
    in.template_src = tsrc.data ? tsrc.data : "";
    in.template_len = tsrc.len;
    in.template_name = tref;
    in.partial = partial_loader;
    in.partial_ud = &pc;
    in.brand = &brand;
    if ((error = og_docgen_generate(&doc, &in, NULL, &terr)) < 0)
        goto cleanup;

    if ((error = og_docgen_data_sha256(data, sha)) < 0)
        goto cleanup;
    prov = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s, s:s}", "generator", "opsgate docgen",
                     "opsgate", OG_VERSION, "kind", og_doc_kind_name(req->kind), "format",
                     og_doc_format_name(req->format), "partials", pc.used, "template", tref,
                     "data_sha256", sha, "data_artifact", data_name, "artifact", doc_name);
    if (!prov) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (baseline) {
        const char *sec = req->kind == OG_DOC_CLOSURE ? "closure" : "change";
        json_object_set_new(prov, "baseline",
                            json_string(json_string_value(
                                json_object_get(json_object_get(data, sec), "baseline"))));
    }
    /* the brand is part of what made the document: its hash, so a rebrand shows in the history */
    json_object_set_new(prov, "brand_sha256", brand_sha[0] ? json_string(brand_sha) : json_null());

    if (!req->dry_run) {
        if (!(canonical = og_docgen_data_canonical(data))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        memset(&st, 0, sizeof(st));
        st.project = req->project;
        st.doc_name = doc_name;
        st.data_name = data_name;
        st.kind = og_doc_kind_name(req->kind);
        st.media = og_doc_format_media_type(req->format);
        st.content = doc.data ? doc.data : "";
        st.content_len = doc.len;
        st.data_text = canonical;
        st.prov = prov;
        if ((error = staged_encode(&st, &sbytes)) < 0) {
            og_error_wrap("staging the document for the gate");
            goto cleanup;
        }
        gst = (og_gate_staged){sbytes.data, sbytes.len, STAGED_MEDIA};
        /* params go into the gate item and the audit record in plain text: provenance without
         * names (artifact and project names are sealed by the artifact module) */
        params = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "project_id", proj.id, "kind",
                           og_doc_kind_name(req->kind), "format", og_doc_format_name(req->format),
                           "template", tref, "partials", pc.used, "data_sha256", sha, "opsgate",
                           OG_VERSION);
        char subject[OG_DOCGEN_REF_MAX + 400];
        snprintf(subject, sizeof(subject), "generate %s \"%s\" (%s) in project %s from template %s",
                 og_doc_kind_name(req->kind), doc_name, og_doc_format_name(req->format), proj.key,
                 tref);
        og_gate_about about = {.target_type = "project",
                               .target_id = proj.id,
                               .subject = subject,
                               .project = proj.key,
                               .object = doc_name};
        error = og_gate_request_staged(ctx, req->tenant, "artifacts.generate", &about, params, NULL,
                                       &gst, &outcome);
        if (error < 0)
            goto cleanup;
        if (strcmp(outcome.state, "done") != 0 && strcmp(outcome.state, "review") != 0) {
            error = og_error_set(OG_EPENDING,
                                 "generation waits for approval (gate item %s): the document is "
                                 "stored when it is approved",
                                 outcome.gate_id);
            goto cleanup;
        }
        if (!outcome.result) {
            /* executed and failed: the gate recorded the failure; report its message */
            error = og_error_code() < 0 ? og_error_code() : OG_ERROR;
            if (!og_error_last()[0])
                og_error_set(OG_ERROR, "generation failed (gate item %s)", outcome.gate_id);
            goto cleanup;
        }
        /* what execute stored: the version, and the data snapshot's (or that nothing changed) */
        json_object_set(prov, "version", json_object_get(outcome.result, "version"));
        if (json_is_true(json_object_get(outcome.result, "unchanged")))
            json_object_set_new(prov, "unchanged", json_true());
        else
            json_object_set(prov, "data_version", json_object_get(outcome.result, "data_version"));
        json_object_set_new(prov, "gate_id", json_string(outcome.gate_id));
    }
    if ((error = og_buf_append(out, doc.data ? doc.data : "", doc.len)) < 0)
        goto cleanup;
    if (provenance) {
        *provenance = prov;
        prov = NULL;
    }
    error = 0;
cleanup:
    json_decref(outcome.result);
    json_decref(params);
    json_decref(prov);
    json_decref(pc.used);
    json_decref(baseline);
    json_decref(stored);
    json_decref(merged);
    json_decref(filled);
    og_docgen_brand_free(&brand);
    free(canonical);
    og_buf_free(&tsrc);
    og_buf_free(&doc);
    og_buf_free(&dtext);
    og_buf_free(&sbytes);
    return error;
}
