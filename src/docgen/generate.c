/* generate.c - one document from project data without storage: model, Markdown, then HTML/PDF/DOCX.
 */
#include "docgen/docgen_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"sow", "change-order", "runbook", "closure"};
static const char *const format_names[] = {"md", "html", "pdf", "docx"};
static const char *const media_types[] = {
    "text/markdown", "text/html", "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};

const char *og_doc_kind_name(og_doc_kind k)
{
    return (unsigned)k <= OG_DOC_CLOSURE ? kind_names[k] : "?";
}

int og_doc_kind_parse(const char *s, og_doc_kind *out)
{
    for (int i = 0; i <= OG_DOC_CLOSURE; i++) {
        if (s && strcmp(s, kind_names[i]) == 0) {
            *out = (og_doc_kind)i;
            return 0;
        }
    }
    return og_error_set(
        OG_EINVAL, "unknown document kind '%s' (sow, change-order, runbook, closure)", s ? s : "");
}

const char *og_doc_format_name(og_doc_format f)
{
    return (unsigned)f <= OG_DOC_DOCX ? format_names[f] : "?";
}

const char *og_doc_format_media_type(og_doc_format f)
{
    return (unsigned)f <= OG_DOC_DOCX ? media_types[f] : "application/octet-stream";
}

int og_doc_format_parse(const char *s, og_doc_format *out)
{
    for (int i = 0; i <= OG_DOC_DOCX; i++) {
        if (s && strcmp(s, format_names[i]) == 0) {
            *out = (og_doc_format)i;
            return 0;
        }
    }
    if (s && strcmp(s, "markdown") == 0) {
        *out = OG_DOC_MD;
        return 0;
    }
    return og_error_set(OG_EINVAL, "unknown format '%s' (md, html, pdf, docx)", s ? s : "");
}

int og_docgen_builtin_partial(void *ud, const char *name, og_buf *out)
{
    (void)ud;
    const char *src = og_docgen_builtin(name);
    if (!src)
        return OG_ENOTFOUND;
    return og_buf_puts(out, src);
}

int og_docgen_data_parse(json_t **out, const char *text, size_t len, const char *source)
{
    json_error_t e;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!*out)
        return og_error_set(OG_EINVAL, "%s: line %d column %d: %s", source ? source : "data",
                            e.line, e.column, e.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return og_error_set(OG_EINVAL, "%s: project data must be a JSON object",
                            source ? source : "data");
    }
    return 0;
}

char *og_docgen_data_canonical(const json_t *data)
{
    return json_dumps(data, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}

int og_docgen_data_sha256(const json_t *data, char out[65])
{
    uint8_t h[32];
    char *c = og_docgen_data_canonical(data);
    if (!c)
        return og_error_set(OG_ERROR, "cannot encode project data");
    og_crypto_sha256(c, strlen(c), h);
    og_hex_encode(h, sizeof(h), out);
    free(c);
    return 0;
}

int og_docgen__doc_base(og_doc_kind kind, const json_t *data, char *out, size_t size)
{
    if (kind == OG_DOC_CHANGE_ORDER) {
        const char *n =
            json_string_value(json_object_get(json_object_get(data, "change"), "number"));
        if (!n || !*n)
            return og_error_set(OG_EINVAL, "change.number: missing");
        for (const char *p = n; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
                return og_error_set(OG_EINVAL,
                                    "change.number: '%.40s' may hold only letters, digits, '-', "
                                    "'_' and '.'",
                                    n);
        if ((size_t)snprintf(out, size, "change-order-%s", n) >= size)
            return og_error_set(OG_EINVAL, "change.number: '%.40s' is too long", n);
        return 0;
    }
    og_strlcpy(out, og_doc_kind_name(kind), size);
    return 0;
}

int og_docgen_render_md(og_buf *out, const og_tmpl *t, const json_t *model,
                        og_tmpl_partial_fn partial, void *partial_ud, og_tmpl_error *err)
{
    og_tmpl_opts o;
    memset(&o, 0, sizeof(o));
    o.escape = OG_TMPL_ESCAPE_NONE;
    o.strict = 1; /* a name the model lacks is a template bug, not an empty string */
    o.partial = partial ? partial : og_docgen_builtin_partial;
    o.partial_ud = partial ? partial_ud : NULL;
    return og_tmpl_render(out, t, model, &o, err);
}

int og_docgen_generate(og_buf *out, const og_docgen_input *in, json_t **out_model,
                       og_tmpl_error *err)
{
    int error = -1;
    json_t *model = NULL;
    og_tmpl *t = NULL;
    og_buf md;
    og_docgen_page page;
    const char *src = in->template_src;
    size_t len = in->template_len;
    char name[OG_DOCGEN_REF_MAX];

    og_buf_init(&md, out->cap);
    if (out_model)
        *out_model = NULL;
    if ((error = og_docgen_model_branded(&model, in->kind, in->data, in->baseline, in->brand)) < 0)
        goto cleanup;
    if (!src) {
        src = og_docgen_builtin(og_doc_kind_name(in->kind));
        len = strlen(src);
        snprintf(name, sizeof(name), "%s@builtin", og_doc_kind_name(in->kind));
    } else {
        og_strlcpy(name, in->template_name ? in->template_name : "template", sizeof(name));
    }
    if ((error = og_tmpl_parse_named(&t, name, src, len, err)) < 0)
        goto cleanup;
    if ((error = og_docgen_render_md(in->format == OG_DOC_MD ? out : &md, t, model, in->partial,
                                     in->partial_ud, err)) < 0) {
        og_error_wrap("rendering %s", name);
        goto cleanup;
    }
    og_docgen__page_from_model(model, &page);
    page.brand = in->brand;
    {
        /* names as written: the model's copies are escaped for Markdown (a '|' as "\\|") and
         * on one line; an address keeps its lines on the cover */
        const json_t *prov = json_object_get(in->data, "provider");
        const char *pa = json_string_value(json_object_get(prov, "address"));
        const char *pn = json_string_value(json_object_get(prov, "name"));
        const char *cn =
            json_string_value(json_object_get(json_object_get(in->data, "client"), "name"));
        const char *pj =
            json_string_value(json_object_get(json_object_get(in->data, "project"), "name"));
        if (in->brand && in->brand->address && *in->brand->address)
            page.provider_address = in->brand->address;
        else if (pa)
            page.provider_address = pa;
        if (in->brand && in->brand->name && *in->brand->name)
            page.provider = in->brand->name;
        else if (pn)
            page.provider = pn;
        if (cn)
            page.client = cn;
        if (pj)
            page.subtitle = pj;
    }
    if (in->format == OG_DOC_HTML)
        error = og_docgen_md_to_html(out, md.data ? md.data : "", md.len, &page);
    else if (in->format == OG_DOC_PDF)
        error = og_docgen_md_to_pdf(out, md.data ? md.data : "", md.len, &page);
    else if (in->format == OG_DOC_DOCX)
        error = og_docgen_md_to_docx(out, md.data ? md.data : "", md.len, &page);
    if (error < 0)
        goto cleanup;
    if (out_model) {
        *out_model = model;
        model = NULL;
    }
    error = 0;
cleanup:
    og_buf_free(&md);
    og_tmpl_free(t);
    json_decref(model);
    return error;
}

int og_docgen_request_from_json(og_docgen_request *req, const json_t *body)
{
    const json_t *v;
    memset(req, 0, sizeof(*req));
    if (!json_is_object(body))
        return og_error_set(OG_EINVAL, "request body: expected a JSON object");
    v = json_object_get(body, "kind");
    if (!json_is_string(v))
        return og_error_set(OG_EINVAL, "kind: %s (sow, change-order, runbook, closure)",
                            v ? "expected a string" : "missing");
    if (og_doc_kind_parse(json_string_value(v), &req->kind) < 0)
        return og_error_wrap("kind");
    v = json_object_get(body, "format");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return og_error_set(OG_EINVAL, "format: expected a string (md, html, pdf, docx)");
        if (og_doc_format_parse(json_string_value(v), &req->format) < 0)
            return og_error_wrap("format");
    }
    v = json_object_get(body, "template");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return og_error_set(OG_EINVAL, "template: expected a string (NAME or NAME@VERSION)");
        req->template_ref = json_string_value(v);
    }
    v = json_object_get(body, "data");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return og_error_set(OG_EINVAL, "data: expected the project data as a JSON object");
        req->data = v;
    }
    v = json_object_get(body, "dry_run");
    if (v && !json_is_boolean(v))
        return og_error_set(OG_EINVAL, "dry_run: expected true or false");
    req->dry_run = json_is_true(v);
    return 0;
}
