/* model.c - the view model of a document: the parts every kind shares (document, parties,
 * contacts, sign-off, identity, Markdown safety) around the kind's own builder. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const r_name[] = {"name", NULL};

/* The data's format (1) and currency: v->currency, v->digits, model.currency. */
static int common_currency(og_docgen__vctx *v, const json_t *data, json_t *m)
{
    int64_t fmt;
    int error;
    if (!json_is_object(data))
        return og_error_set(OG_EINVAL, "project data: expected a JSON object");
    if ((error = og_docgen__get_count(data, "", "format", 1, &fmt)) < 0)
        return error;
    if (fmt != 1)
        return og_error_set(OG_EINVAL,
                            "format: project data format %lld is not known to this opsgate "
                            "(it reads format 1)",
                            (long long)fmt);
    if ((error = og_docgen__get_str(data, "", "currency", 1, &v->currency)) < 0)
        return error;
    if ((error = og_currency_digits(v->currency, &v->digits)) < 0)
        return og_error_wrap("currency");
    json_object_set_new(m, "currency", json_string(v->currency));
    return 0;
}

/* data.key (an object, required) as model.key with the fields req and opt. */
static int common_section(const json_t *data, json_t *m, const char *key, const char *const *req,
                          const char *const *opt, const json_t **sec)
{
    int error;
    json_t *o;
    if ((error = og_docgen__get_obj(data, "", key, 1, sec)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, key, o);
    return og_docgen__copy_fields(o, *sec, key, req, opt);
}

/* The provider: the brand's name and address where set (opsgate brand), else the data's; and
 * model.brand for the templates. */
static int common_provider(const json_t *data, json_t *m, const og_docgen_brand *brand)
{
    static const char *const prov_opt[] = {"address", NULL};
    const json_t *provider;
    int error, branded = brand && brand->name && *brand->name;
    json_t *o;
    if ((error = og_docgen__get_obj(data, "", "provider", !branded, &provider)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "provider", o);
    if (provider) {
        if ((error = og_docgen__copy_fields(o, provider, "provider", branded ? NULL : r_name,
                                            prov_opt)) < 0 ||
            (branded &&
             (error = og_docgen__copy_fields(o, provider, "provider", NULL, r_name)) < 0))
            return error;
    } else {
        json_object_set_new(o, "address", json_string(""));
    }
    if (branded)
        json_object_set_new(o, "name", json_string(brand->name));
    if (brand && brand->address && *brand->address)
        json_object_set_new(o, "address", json_string(brand->address));
    json_object_set_new(m, "brand",
                        json_pack("{s:s, s:s, s:s, s:s, s:b}", "name",
                                  json_string_value(json_object_get(o, "name")), "address",
                                  json_string_value(json_object_get(o, "address")), "color",
                                  brand && brand->color ? brand->color : "", "accent",
                                  brand && brand->accent ? brand->accent : "", "has_logo",
                                  brand && brand->logo && brand->logo_len > 0));
    return 0;
}

/* Who signs for whom: a party named Client or Provider signs for that party's organisation
 * unless the data names another. */
static void common_signoff_orgs(json_t *m)
{
    json_t *sg;
    size_t i;
    const char *cname = json_string_value(json_object_get(json_object_get(m, "client"), "name"));
    const char *pname = json_string_value(json_object_get(json_object_get(m, "provider"), "name"));
    json_array_foreach(json_object_get(m, "signoff"), i, sg)
    {
        const char *org = json_string_value(json_object_get(sg, "organisation"));
        const char *party = json_string_value(json_object_get(sg, "party"));
        if (org && *org)
            continue;
        if (party && strcasecmp(party, "client") == 0)
            org = cname;
        else if (party && strcasecmp(party, "provider") == 0)
            org = pname;
        json_object_set_new(sg, "organisation", json_string(org ? org : ""));
    }
}

/* Contacts split by side for the two-column parts of the templates. */
static void common_contact_sides(json_t *m)
{
    json_t *cl = json_array(), *pr = json_array(), *c;
    size_t i;
    json_array_foreach(json_object_get(m, "contacts"), i, c)
    {
        const char *side = json_string_value(json_object_get(c, "side"));
        json_array_append(side && strcmp(side, "provider") == 0 ? pr : cl, c);
    }
    json_object_set_new(m, "client_contacts", cl);
    json_object_set_new(m, "provider_contacts", pr);
}

int og_docgen__model_common(og_docgen__vctx *v, const json_t *data, json_t *m, const char *title,
                            int need_signoff, const og_docgen_brand *brand)
{
    const json_t *sec;
    const char *s;
    int error;
    static const char *const doc_req[] = {"number", "date", NULL};
    static const char *const doc_opt[] = {"revision", NULL};
    static const char *const proj_opt[] = {"key", "manager", NULL};
    static const char *const client_opt[] = {"address", "msa_reference", "po_number", NULL};
    static const char *const contact_req[] = {"name", NULL};
    static const char *const contact_opt[] = {"side", "role", "email", "phone", NULL};
    static const char *const sign_req[] = {"party", "name", NULL};
    static const char *const sign_opt[] = {"title", "organisation", NULL};

    if ((error = common_currency(v, data, m)) < 0)
        return error;
    json_object_set_new(m, "title", json_string(title));
    if ((error = common_section(data, m, "document", doc_req, doc_opt, &sec)) < 0 ||
        (error = og_docgen__get_date(sec, "document", "date", 1, &s)) < 0 ||
        (error = common_section(data, m, "project", r_name, proj_opt, &sec)) < 0 ||
        (error = common_section(data, m, "client", r_name, client_opt, &sec)) < 0 ||
        (error = common_provider(data, m, brand)) < 0)
        return error;
    if ((error = og_docgen__obj_list(data, "", "contacts", 0, contact_req, contact_opt, m,
                                     "contacts")) < 0 ||
        (error = og_docgen__obj_list(data, "", "signoff", need_signoff, sign_req, sign_opt, m,
                                     "signoff")) < 0)
        return error;
    common_signoff_orgs(m);
    common_contact_sides(m);
    return 0;
}

/* ---- Markdown safety: '|' would cut a table cell and '<' would start raw HTML (dropped by the
 * HTML renderer). Both get a CommonMark backslash escape, which renders as the character. ---- */

static json_t *md_escape_str(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; i++)
        n += (s[i] == '|' || s[i] == '<' || s[i] == '\n' || s[i] == '\r');
    if (!n)
        return NULL;
    char *o = malloc(len + n + 1), *w = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' || s[i] == '\r') {
            *w++ = ' '; /* one line per value: a newline would break lists and tables */
            continue;
        }
        if (s[i] == '|' || s[i] == '<')
            *w++ = '\\';
        *w++ = s[i];
    }
    *w = '\0';
    json_t *r = json_string(o);
    free(o);
    return r;
}

static void md_escape_all(json_t *v, int depth)
{
    const char *k;
    json_t *x;
    size_t i;
    if (depth > 32)
        return;
    if (json_is_object(v)) {
        json_object_foreach(v, k, x)
        {
            /* procedure steps are list items, never table cells, and hold commands shown in
             * code spans, where a backslash escape would show */
            if (strcmp(k, "procedures") == 0)
                continue;
            if (json_is_string(x)) {
                json_t *e = md_escape_str(json_string_value(x));
                if (e)
                    json_object_set_new(v, k, e);
            } else {
                md_escape_all(x, depth + 1);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (json_is_string(x)) {
                json_t *e = md_escape_str(json_string_value(x));
                if (e)
                    json_array_set_new(v, i, e);
            } else {
                md_escape_all(x, depth + 1);
            }
        }
    }
}

static const char *const titles[] = {"Statement of Work", "Change Order", "Runbook",
                                     "Project Closure Report"};

/* The identity of the document a reader sees on the cover and every page: number, date and
 * revision. A SOW is `document`; a change order `change` (number, date, revision); a runbook and
 * a closure their own section's number/date/revision, defaulting to the SOW's number with a
 * suffix ("-RB", "-CLOSE"), the runbook's last review (closure: its date) and revision 1. */
static int doc_identity(og_doc_kind kind, const json_t *data, json_t *m)
{
    static const char *const section[] = {"document", "change", "runbook", "closure"};
    static const char *const suffix[] = {"", "", "-RB", "-CLOSE"};
    const json_t *sec = json_object_get(data, section[kind]);
    const char *number, *date, *rev, *sow;
    char buf[OG_DOCGEN_NAME_MAX * 4 + 16];
    int error;
    sow = json_string_value(json_object_get(json_object_get(m, "document"), "number"));
    if ((error = og_docgen__get_str(sec, section[kind], "number", kind <= OG_DOC_CHANGE_ORDER,
                                    &number)) < 0 ||
        (error = og_docgen__get_date(sec, section[kind], "date", kind != OG_DOC_RUNBOOK, &date)) <
            0 ||
        (error = og_docgen__get_str(sec, section[kind], "revision", 0, &rev)) < 0)
        return error;
    if (!*number) {
        snprintf(buf, sizeof(buf), "%s%s", sow ? sow : "", suffix[kind]);
        number = buf;
    }
    json_object_set_new(m, "doc_number", json_string(number));
    if (!*date) /* a runbook without a date of its own: when it was last reviewed */
        date =
            json_string_value(json_object_get(json_object_get(data, "runbook"), "last_reviewed"));
    json_object_set_new(m, "doc_date", json_string(date ? date : ""));
    json_object_set_new(m, "doc_revision", json_string(*rev ? rev : "1"));
    return 0;
}

int og_docgen_model(json_t **out, og_doc_kind kind, const json_t *data, const json_t *baseline)
{
    return og_docgen_model_branded(out, kind, data, baseline, NULL);
}

/* The whole data, as compact JSON (no escaping of non-ASCII): bounds every field and list
 * together, including fields no template reads. */
static int check_data_size(const json_t *data)
{
    size_t size;
    if (!json_is_object(data))
        return 0;
    size = json_dumpb(data, NULL, 0, JSON_COMPACT);
    if (size > OG_DOCGEN_DATA_MAX)
        return og_error_set(OG_EINVAL,
                            "project data: %zu bytes (compact JSON), over the limit of %d", size,
                            OG_DOCGEN_DATA_MAX);
    return 0;
}

int og_docgen_model_branded(json_t **out, og_doc_kind kind, const json_t *data,
                            const json_t *baseline, const og_docgen_brand *brand)
{
    int error = -1;
    og_docgen__vctx v;
    og_docgen__plan p;
    json_t *m = json_object();
    memset(&v, 0, sizeof(v));
    memset(&p, 0, sizeof(p));
    *out = NULL;
    if (!m)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = check_data_size(data)) < 0)
        goto cleanup;
    if ((unsigned)kind > OG_DOC_CLOSURE) {
        error = og_error_set(OG_EINVAL, "unknown document kind %d", (int)kind);
        goto cleanup;
    }
    json_object_set_new(m, "kind", json_string(og_doc_kind_name(kind)));
    /* a runbook is an operating document: nobody signs it */
    if ((error =
             og_docgen__model_common(&v, data, m, titles[kind], kind != OG_DOC_RUNBOOK, brand)) < 0)
        goto cleanup;
    switch (kind) {
    case OG_DOC_SOW:
        error = og_docgen__model_sow(&v, data, m, &p);
        break;
    case OG_DOC_CHANGE_ORDER:
        error = og_docgen__model_change_order(&v, data, baseline, m, &p);
        break;
    case OG_DOC_RUNBOOK:
        error = og_docgen__model_runbook(data, m);
        break;
    case OG_DOC_CLOSURE:
        error = og_docgen__model_closure(&v, data, baseline, m, &p);
        break;
    }
    if (error < 0 || (error = doc_identity(kind, data, m)) < 0)
        goto cleanup;
    md_escape_all(m, 0);
    *out = m;
    m = NULL;
    error = 0;
cleanup:
    og_docgen__plan_free(&p);
    json_decref(m);
    return error;
}

void og_docgen__page_from_model(const json_t *model, og_docgen_page *page)
{
    memset(page, 0, sizeof(*page));
    page->title = json_string_value(json_object_get(model, "title"));
    page->client = json_string_value(json_object_get(json_object_get(model, "client"), "name"));
    page->number = json_string_value(json_object_get(model, "doc_number"));
    page->date = json_string_value(json_object_get(model, "doc_date"));
    page->revision = json_string_value(json_object_get(model, "doc_revision"));
    page->subtitle = json_string_value(json_object_get(json_object_get(model, "project"), "name"));
    page->provider = json_string_value(json_object_get(json_object_get(model, "provider"), "name"));
    page->provider_address =
        json_string_value(json_object_get(json_object_get(model, "provider"), "address"));
}
