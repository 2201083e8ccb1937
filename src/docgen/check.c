/* check.c - a template checked against data before it is used: the sample project shipped with
 * opsgate, the view model of each kind, and the names strict rendering would refuse. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* builtin/embed_sample.cmake compiles these from tests/data/projects/ at build time. */
extern const char og_docgen__sample_project[];
extern const char og_docgen__sample_change_order[];

int og_docgen_sample(og_doc_kind kind, json_t **data, json_t **baseline)
{
    json_t *d = NULL, *b = NULL;
    int error;
    *data = NULL;
    if (baseline)
        *baseline = NULL;
    if ((error = og_docgen_data_parse(&d, og_docgen__sample_project,
                                      strlen(og_docgen__sample_project), "sample project")) < 0)
        return error;
    /* The change order and the closure are written against the plan after CO-001, with the
     * baseline SOW's data beside them. */
    if (kind == OG_DOC_CHANGE_ORDER || kind == OG_DOC_CLOSURE) {
        b = d;
        d = NULL;
        if ((error = og_docgen_data_parse(&d, og_docgen__sample_change_order,
                                          strlen(og_docgen__sample_change_order),
                                          "sample change order")) < 0) {
            json_decref(b);
            return error;
        }
    }
    *data = d;
    if (baseline)
        *baseline = b;
    else
        json_decref(b);
    return 0;
}

/* Partials while checking: the template being checked under its own name, then the tenant's
 * stored templates, then the built-ins - what generate would load once it is stored. */
typedef struct loader {
    og_ctx *ctx;
    const char *tenant;
    const char *name;
    const char *src;
    size_t len;
} loader;

static int load(void *ud, const char *name, og_buf *out)
{
    loader *l = ud;
    int error;
    if (strcmp(name, l->name) == 0)
        return og_buf_append(out, l->src, l->len);
    if (!l->ctx)
        return og_docgen_builtin_partial(NULL, name, out);
    error = og_docgen_template_get(l->ctx, l->tenant, name, 0, out, NULL);
    if (error == OG_ENOTFOUND || error == OG_EINVAL) { /* unknown or impossible name: "" */
        og_error_clear();
        return OG_ENOTFOUND;
    }
    return error;
}

typedef struct collect {
    json_t *list;
    const char *only; /* count only the tags of this source (a partial's own), NULL: all */
    const char *kind;
} collect;

static void on_missing(void *ud, const og_tmpl_missing *m)
{
    collect *c = ud;
    const json_t *p;
    size_t i;
    char msg[600];
    if (!m->interpolation || m->optional || (c->only && strcmp(m->source, c->only) != 0))
        return;
    json_array_foreach(c->list, i, p)
    {
        /* a partial's tag missing for several kinds is one problem */
        if (og_streq(json_string_value(json_object_get(p, "source")), m->source) &&
            json_integer_value(json_object_get(p, "line")) == m->line &&
            json_integer_value(json_object_get(p, "column")) == m->column)
            return;
    }
    snprintf(msg, sizeof(msg),
             "%s:%d:%d: '%.200s' is not in the data of a %s (if it may be missing, list it in "
             "{{! optional: %.200s }})",
             m->source, m->line, m->column, m->name, c->kind, m->name);
    json_array_append_new(c->list, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "source", m->source,
                                             "line", m->line, "column", m->column, "name", m->name,
                                             "kind", c->kind, "message", msg));
}

/* Render for one kind and collect its problems into c->list. `t` is the template checked;
 * `partial` set: it is a partial, rendered inside the kind's document template. */
static int check_kind(og_ctx *ctx, const char *tenant, const og_tmpl *t, og_doc_kind kind,
                      const json_t *model, int partial, loader *ld, collect *c)
{
    og_tmpl_opts opts;
    og_tmpl_error terr;
    og_tmpl *main_t = NULL;
    og_buf msrc;
    char ref[OG_DOCGEN_REF_MAX];
    const char *kname = og_doc_kind_name(kind);
    int error;

    memset(&opts, 0, sizeof(opts));
    opts.escape = OG_TMPL_ESCAPE_NONE;
    opts.partial = load;
    opts.partial_ud = ld;
    c->kind = kname;
    c->only = partial ? ld->name : NULL;
    if (!partial)
        return og_tmpl_check(t, model, &opts, on_missing, c, &terr);
    og_buf_init(&msrc, OG_TMPL_MAX_SOURCE);
    if (ctx) {
        error = og_docgen_template_get(ctx, tenant, kname, 0, &msrc, ref);
    } else {
        snprintf(ref, sizeof(ref), "%s@builtin", kname);
        error = og_buf_puts(&msrc, og_docgen_builtin(kname));
    }
    if (error == 0)
        error = og_tmpl_parse_named(&main_t, ref, msrc.data ? msrc.data : "", msrc.len, &terr);
    if (error == 0)
        error = og_tmpl_check(main_t, model, &opts, on_missing, c, &terr);
    og_tmpl_free(main_t);
    og_buf_free(&msrc);
    return error;
}

int og_docgen_template_check(og_ctx *ctx, const char *tenant, const char *name, const char *src,
                             size_t len, const og_docgen_check_opts *o, json_t **problems)
{
    static const og_docgen_check_opts none = {0};
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    og_doc_kind kinds[OG_DOC_CLOSURE + 1], k;
    size_t nkinds = 0, built = 0;
    int error = 0, partial = 0, custom = 0;
    json_t *best = NULL;
    loader ld = {ctx, tenant, name ? name : "", src, len};

    *problems = NULL;
    if (!o)
        o = &none;
    if ((error = og_tmpl_parse_named(&t, ld.name, src, len, &terr)) < 0)
        return error;
    if (o->kind) {
        if ((error = og_doc_kind_parse(o->kind, &k)) < 0)
            goto cleanup;
        kinds[nkinds++] = k;
    } else if (og_doc_kind_parse(ld.name, &k) == 0) {
        kinds[nkinds++] = k;
    } else {
        og_error_clear();
        for (int i = 0; i <= OG_DOC_CLOSURE; i++)
            kinds[nkinds++] = (og_doc_kind)i;
    }
    partial = og_docgen_builtin(ld.name) && og_doc_kind_parse(ld.name, &k) < 0;
    custom = !partial && nkinds > 1;
    og_error_clear();

    for (size_t i = 0; i < nkinds; i++) {
        json_t *data = NULL, *base = NULL, *model = NULL;
        collect c = {json_array(), NULL, NULL};
        int checked = 0;
        if (!o->data) {
            error = og_docgen_sample(kinds[i], &data, &base);
        } else {
            data = json_incref((json_t *)o->data);
            base = json_incref((json_t *)o->baseline);
        }
        if (error == 0)
            error = og_docgen_model(&model, kinds[i], data, base);
        if (error < 0 && o->data && nkinds > 1) {
            /* the given data is not for this kind: try the others */
            og_error_clear();
            error = 0;
        } else if (error < 0) {
            og_error_wrap("checking template '%s' against the %s data of a %s", ld.name,
                          o->data ? "given" : "sample", og_doc_kind_name(kinds[i]));
        } else {
            built++;
            checked = 1;
            error = check_kind(ctx, tenant, t, kinds[i], model, partial, &ld, &c);
        }
        json_decref(data);
        json_decref(base);
        json_decref(model);
        if (error < 0) {
            json_decref(c.list);
            goto cleanup;
        }
        if (!checked) {
            json_decref(c.list);
            continue;
        }
        if (!best) {
            best = c.list;
        } else if (custom) {
            /* a custom template is meant for one kind: the one it fits best */
            if (json_array_size(c.list) < json_array_size(best)) {
                json_decref(best);
                best = c.list;
            } else {
                json_decref(c.list);
            }
        } else {
            /* a partial must fit every kind that uses it */
            const json_t *p;
            size_t j;
            json_array_foreach(c.list, j, p)
            {
                og_tmpl_missing m = {
                    .name = json_string_value(json_object_get(p, "name")),
                    .source = json_string_value(json_object_get(p, "source")),
                    .line = (int)json_integer_value(json_object_get(p, "line")),
                    .column = (int)json_integer_value(json_object_get(p, "column")),
                    .interpolation = 1,
                };
                collect u = {best, NULL, json_string_value(json_object_get(p, "kind"))};
                on_missing(&u, &m);
            }
            json_decref(c.list);
        }
    }
    if (!built) {
        error = og_error_set(OG_EINVAL,
                             "checking template '%s': the given data is not valid project data "
                             "for any document kind",
                             ld.name);
        goto cleanup;
    }
    *problems = best;
    best = NULL;
    error = 0;
cleanup:
    json_decref(best);
    og_tmpl_free(t);
    return error;
}
