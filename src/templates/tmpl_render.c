/* tmpl_render.c - Mustache renderer: context stack, partials, inheritance, escaping, checks. */
#include "tmpl_internal.h"

#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sections, partials and blocks open inside one another at most this deep while rendering;
 * it bounds the C stack and the context stack together. */
#define RENDER_MAX_NEST 1024
/* Nodes visited by one render. Nested sections over lists can multiply work without producing
 * output (so the output cap would never trip); this bounds the time a hostile template takes. */
#define RENDER_MAX_STEPS ((unsigned long)20 * 1000 * 1000)
#define INDENT_CAP       ((size_t)64 << 10)
#define NAME_MAX_LEN     1024

typedef struct pcache {
    char *name;
    og_tmpl *t; /* NULL: the loader did not know the name */
} pcache;

typedef struct ovr {
    const og_tmpl *t;
    size_t parent; /* the {{<parent}} node whose direct {{$block}} children are arguments */
} ovr;

typedef struct render {
    og_buf *out;
    const og_tmpl_opts *o;
    unsigned max_depth;
    og_tmpl_error *err;
    const json_t *ctx[RENDER_MAX_NEST + 2];
    size_t n_ctx;
    og_buf indent;
    bool at_bol;
    pcache *cache;
    size_t n_cache, cap_cache;
    ovr ovr[OG_TMPL_DEFAULT_DEPTH * 4];
    size_t n_ovr;
    unsigned partial_depth;
    unsigned nest;
    unsigned long steps;
} render;

static int fail_node(render *r, const og_tmpl *t, const tmpl_node *x, int code, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));

static int fail_node(render *r, const og_tmpl *t, const tmpl_node *x, int code, const char *fmt,
                     ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return og_tmpl__fail(r->err, code, t->name, x ? x->line : 0, x ? x->column : 0, "%s", msg);
}

static int emit(render *r, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (og_buf_append(r->out, s, n) < 0)
        return og_tmpl__fail(r->err, og_error_code(), "", 0, 0,
                             "rendered output is over the limit of %zu bytes", r->out->cap);
    r->at_bol = s[n - 1] == '\n';
    return 0;
}

/* A node that starts a source line gets the current indentation, unless something (the literal
 * text before an inline block) already started the output line. */
static int emit_indent(render *r, const tmpl_node *x)
{
    if (!x->line_start || !r->at_bol || r->indent.len == 0)
        return 0;
    return emit(r, r->indent.data, r->indent.len);
}

static int emit_escaped(render *r, const char *s, size_t n)
{
    size_t run = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        if ((rc = emit(r, s + run, i - run)) < 0 || (rc = emit(r, rep, strlen(rep))) < 0)
            return rc;
        run = i + 1;
    }
    return emit(r, s + run, n - run);
}

/* Shortest decimal form that reads back as the same double (1.21, not 1.2099999999999999). */
static void format_real(double d, char *buf, size_t size)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* A name the context stack does not resolve: tell the `missing` hook; in strict mode an
 * interpolation the source does not mark optional fails the render. */
static int report_missing(render *r, const og_tmpl *t, const tmpl_node *x, bool dyn_prefix)
{
    bool interp = x->kind == TK_VAR || x->kind == TK_RAW;
    bool optional = og_tmpl__optional(t, x->s, x->n);
    if (r->o->missing) {
        char name[NAME_MAX_LEN + 2];
        size_t n = x->n > NAME_MAX_LEN ? NAME_MAX_LEN : x->n;
        size_t off = 0;
        if (dyn_prefix)
            name[off++] = '*';
        memcpy(name + off, x->s, n);
        name[off + n] = '\0';
        og_tmpl_missing m = {.name = name,
                             .source = t->name,
                             .line = x->line,
                             .column = x->column,
                             .interpolation = interp,
                             .optional = optional};
        r->o->missing(r->o->missing_ud, &m);
    }
    if (r->o->strict && interp && !optional)
        return fail_node(r, t, x, OG_EINVAL,
                         "'%.*s' is not in the data (if it may be missing, list it in "
                         "{{! optional: %.*s }})",
                         (int)(x->n > 80 ? 80 : x->n), x->s, (int)(x->n > 80 ? 80 : x->n), x->s);
    return 0;
}

/*
 * The spec's name resolution: "." is the top of the stack; otherwise the first part of a dotted
 * name is looked up from the top of the context stack down (objects only), and each further part
 * only in the value found so far. Returns NULL when the name does not resolve (`*found` false) or
 * resolves to nothing printable (`*found` true, value NULL only for an explicit ".": no data).
 */
static const json_t *lookup(const render *r, const char *s, size_t n, bool *found)
{
    *found = false;
    if (n == 1 && s[0] == '.') {
        *found = true;
        return r->n_ctx ? r->ctx[r->n_ctx - 1] : NULL;
    }
    const char *dot = memchr(s, '.', n);
    size_t part = dot ? (size_t)(dot - s) : n;
    const json_t *v = NULL;
    for (size_t i = r->n_ctx; i-- > 0;) {
        if (json_is_object(r->ctx[i]) && (v = json_object_getn(r->ctx[i], s, part)) != NULL)
            break;
    }
    if (!v)
        return NULL;
    /* at most n parts: each step consumes a name part and its dot */
    while (dot) {
        s = dot + 1;
        n -= part + 1;
        dot = memchr(s, '.', n);
        part = dot ? (size_t)(dot - s) : n;
        if (!json_is_object(v) || !(v = json_object_getn(v, s, part)))
            return NULL;
    }
    *found = true;
    return v;
}

static bool truthy(const json_t *v)
{
    if (!v || json_is_false(v) || json_is_null(v))
        return false;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    return true;
}

static int interpolate(render *r, const json_t *v, bool escape)
{
    char num[64];
    const char *s = NULL;
    size_t n = 0;
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = num;
        n = strlen(num);
        break;
    case JSON_REAL:
        format_real(json_real_value(v), num, sizeof(num));
        s = num;
        n = strlen(num);
        break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    default:
        break; /* null, objects and arrays print nothing */
    }
    if (n == 0)
        return 0;
    if (escape)
        return emit_escaped(r, s, n);
    return emit(r, s, n);
}

static int render_range(render *r, const og_tmpl *t, size_t from, size_t to);

static int push_ctx(render *r, const og_tmpl *t, const tmpl_node *x, const json_t *v)
{
    if (r->n_ctx >= sizeof(r->ctx) / sizeof(r->ctx[0]))
        return fail_node(r, t, x, OG_EINVAL, "sections nested deeper than %d while rendering",
                         RENDER_MAX_NEST);
    r->ctx[r->n_ctx++] = v;
    return 0;
}

/* Render a body with `extra` appended to the indentation and one more level of nesting. */
static int render_indented(render *r, const og_tmpl *t, const tmpl_node *x, const og_tmpl *bt,
                           size_t from, size_t to, const char *extra, size_t extra_len)
{
    size_t saved = r->indent.len;
    int rc;
    if (r->nest >= RENDER_MAX_NEST)
        return fail_node(r, t, x, OG_EINVAL, "templates nested deeper than %d while rendering",
                         RENDER_MAX_NEST);
    if (extra_len && og_buf_append(&r->indent, extra, extra_len) < 0)
        return fail_node(r, t, x, OG_ETOOBIG, "indentation of nested partials is over %zu bytes",
                         INDENT_CAP);
    r->nest++;
    rc = render_range(r, bt, from, to);
    r->nest--;
    r->indent.len = saved;
    if (r->indent.data)
        r->indent.data[saved] = '\0';
    return rc;
}

static int render_section(render *r, const og_tmpl *t, size_t i)
{
    const tmpl_node *x = &t->nodes[i];
    bool found;
    const json_t *v = lookup(r, x->s, x->n, &found);
    int rc = 0;

    if (!found)
        (void)report_missing(r, t, x, false); /* never an error for a section */
    if (x->kind == TK_INVERTED) {
        if (!truthy(v))
            rc = render_indented(r, t, x, t, i + 1, x->end, NULL, 0);
        return rc;
    }
    if (!truthy(v))
        return 0;
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        for (size_t k = 0; k < n && rc == 0; k++) {
            if ((rc = push_ctx(r, t, x, json_array_get(v, k))) < 0)
                break;
            rc = render_indented(r, t, x, t, i + 1, x->end, NULL, 0);
            r->n_ctx--;
        }
        return rc;
    }
    if ((rc = push_ctx(r, t, x, v)) < 0)
        return rc;
    rc = render_indented(r, t, x, t, i + 1, x->end, NULL, 0);
    r->n_ctx--;
    return rc;
}

/* Load (once per render) and parse the partial `name`; *out NULL when the loader lacks it. */
static int partial_get(render *r, const og_tmpl *t, const tmpl_node *x, const char *name,
                       og_tmpl **out)
{
    og_buf src;
    int error = -1;

    *out = NULL;
    for (size_t k = 0; k < r->n_cache; k++) {
        if (strcmp(r->cache[k].name, name) == 0) {
            *out = r->cache[k].t;
            return 0;
        }
    }
    og_buf_init(&src, OG_TMPL_MAX_SOURCE);
    if (r->n_cache >= OG_TMPL_MAX_PARTIALS) {
        error = fail_node(r, t, x, OG_ETOOBIG, "more than %d distinct partials in one render",
                          OG_TMPL_MAX_PARTIALS);
        goto cleanup;
    }
    if (r->n_cache == r->cap_cache) {
        size_t n = r->cap_cache ? r->cap_cache * 2 : 8;
        pcache *c = realloc(r->cache, n * sizeof(*c));
        if (!c) {
            error = fail_node(r, t, x, OG_ERROR, "out of memory");
            goto cleanup;
        }
        r->cache = c;
        r->cap_cache = n;
    }
    og_tmpl *pt = NULL;
    if (r->o->partial) {
        int rc = r->o->partial(r->o->partial_ud, name, &src);
        if (rc < 0 && rc != OG_ENOTFOUND) {
            char why[200];
            og_strlcpy(why, og_error_last(), sizeof(why));
            error = fail_node(r, t, x, rc, "loading partial \"%s\": %s", name, why);
            goto cleanup;
        }
        if (rc == 0 &&
            (error = og_tmpl_parse_named(&pt, name, src.data ? src.data : "", src.len, r->err)) < 0)
            goto cleanup;
    }
    char *copy = strdup(name);
    if (!copy) {
        og_tmpl_free(pt);
        error = fail_node(r, t, x, OG_ERROR, "out of memory");
        goto cleanup;
    }
    r->cache[r->n_cache].name = copy;
    r->cache[r->n_cache].t = pt;
    r->n_cache++;
    *out = pt;
    error = 0;
cleanup:
    og_buf_free(&src);
    return error;
}

/* {{>name}} and {{<name}}: resolve the (possibly dynamic) name and render the template found. */
static int render_partial(render *r, const og_tmpl *t, size_t i)
{
    const tmpl_node *x = &t->nodes[i];
    char name[NAME_MAX_LEN + 1];
    og_tmpl *pt = NULL;
    int rc;

    if (x->dynamic) {
        bool found;
        const json_t *v = lookup(r, x->s, x->n, &found);
        if (!found)
            (void)report_missing(r, t, x, true); /* a dynamic name: never an error */
        if (!json_is_string(v) || json_string_length(v) > NAME_MAX_LEN ||
            strlen(json_string_value(v)) != json_string_length(v))
            return 0; /* the spec: a failed dynamic name renders nothing */
        og_strlcpy(name, json_string_value(v), sizeof(name));
    } else {
        if (x->n > NAME_MAX_LEN)
            return 0; /* no loader could know it; truncating could alias another partial */
        memcpy(name, x->s, x->n);
        name[x->n] = '\0';
    }
    if (r->partial_depth >= r->max_depth)
        return fail_node(r, t, x, OG_EINVAL,
                         "partials nested deeper than %u at {{%c%s}} (does it include itself?)",
                         r->max_depth, x->kind == TK_PARENT ? '<' : '>', name);
    if ((rc = partial_get(r, t, x, name, &pt)) < 0)
        return rc;
    if (x->kind == TK_PARENT) {
        if (r->n_ovr >= sizeof(r->ovr) / sizeof(r->ovr[0]))
            return fail_node(r, t, x, OG_EINVAL, "parents nested too deep");
        r->ovr[r->n_ovr].t = t;
        r->ovr[r->n_ovr].parent = i;
        r->n_ovr++;
    }
    if (pt) {
        r->partial_depth++;
        rc = render_indented(r, t, x, pt, 0, pt->n_nodes, x->indent, x->indent_len);
        r->partial_depth--;
    }
    if (x->kind == TK_PARENT)
        r->n_ovr--;
    return rc;
}

/* {{$name}}: the outermost argument for `name` wins (a child overrides its parent's parent). */
static int render_block(render *r, const og_tmpl *t, size_t i)
{
    const tmpl_node *x = &t->nodes[i];
    for (size_t f = 0; f < r->n_ovr; f++) {
        const og_tmpl *ot = r->ovr[f].t;
        const tmpl_node *pn = &ot->nodes[r->ovr[f].parent];
        for (size_t j = r->ovr[f].parent + 1; j < pn->end; j = ot->nodes[j].end) {
            const tmpl_node *a = &ot->nodes[j];
            if (a->kind == TK_BLOCK && a->n == x->n && memcmp(a->s, x->s, x->n) == 0)
                return render_indented(r, t, x, ot, j + 1, a->end, x->indent, x->indent_len);
        }
    }
    return render_indented(r, t, x, t, i + 1, x->end, x->indent, x->indent_len);
}

static int render_range(render *r, const og_tmpl *t, size_t from, size_t to)
{
    int rc = 0;
    for (size_t i = from; i < to && rc == 0; i = t->nodes[i].end) {
        const tmpl_node *x = &t->nodes[i];
        if (++r->steps > RENDER_MAX_STEPS)
            return fail_node(r, t, x, OG_ETOOBIG, "rendering took more than %lu steps",
                             RENDER_MAX_STEPS);
        if ((rc = emit_indent(r, x)) < 0)
            return rc;
        switch (x->kind) {
        case TK_TEXT:
            rc = emit(r, x->s, x->n);
            break;
        case TK_VAR:
        case TK_RAW: {
            bool found;
            const json_t *v = lookup(r, x->s, x->n, &found);
            if (!found && (rc = report_missing(r, t, x, false)) < 0)
                break;
            rc = interpolate(r, v, x->kind == TK_VAR && r->o->escape == OG_TMPL_ESCAPE_HTML);
            break;
        }
        case TK_SECTION:
        case TK_INVERTED:
            rc = render_section(r, t, i);
            break;
        case TK_PARTIAL:
        case TK_PARENT:
            rc = render_partial(r, t, i);
            break;
        case TK_BLOCK:
            rc = render_block(r, t, i);
            break;
        default:
            break;
        }
    }
    return rc;
}

int og_tmpl_render(og_buf *out, const og_tmpl *t, const json_t *data, const og_tmpl_opts *opts,
                   og_tmpl_error *err)
{
    static const og_tmpl_opts defaults = {0};
    render *r = NULL;
    size_t entry_len = out ? out->len : 0;
    int error = -1;

    if (err)
        memset(err, 0, sizeof(*err));
    if (!out || !t) {
        error = og_tmpl__fail(err, OG_EINVAL, "", 0, 0, "no template or output buffer");
        goto cleanup;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        error = og_tmpl__fail(err, OG_ERROR, t->name, 0, 0, "out of memory");
        goto cleanup;
    }
    r->out = out;
    r->o = opts ? opts : &defaults;
    r->max_depth = r->o->max_depth ? r->o->max_depth : OG_TMPL_DEFAULT_DEPTH;
    if (r->max_depth > OG_TMPL_DEFAULT_DEPTH * 4)
        r->max_depth = OG_TMPL_DEFAULT_DEPTH * 4;
    r->err = err;
    og_buf_init(&r->indent, INDENT_CAP);
    r->at_bol = out->len == 0 || out->data[out->len - 1] == '\n';
    if (data)
        r->ctx[r->n_ctx++] = data;
    error = render_range(r, t, 0, t->n_nodes);

cleanup:
    if (r) {
        for (size_t k = 0; k < r->n_cache; k++) {
            free(r->cache[k].name);
            og_tmpl_free(r->cache[k].t);
        }
        free(r->cache);
        og_buf_free(&r->indent);
        free(r);
    }
    if (error < 0 && out && out->len > entry_len) {
        out->len = entry_len;
        out->data[entry_len] = '\0';
    }
    return error;
}

/* ---- og_tmpl_check: report each missing name once ---- */

typedef struct seen_set {
    og_tmpl_missing_fn fn;
    void *ud;
    og_buf keys; /* "source\x1fline\x1fcolumn\n" for every report so far */
} seen_set;

static void check_missing(void *ud, const og_tmpl_missing *m)
{
    seen_set *s = ud;
    char key[200];
    int n = snprintf(key, sizeof(key), "%s\x1f%d\x1f%d\n", m->source, m->line, m->column);
    if (n <= 0 || (size_t)n >= sizeof(key))
        return;
    /* linear scan: `check` is interactive and the keys are bounded by the template's tags */
    for (const char *p = s->keys.data; p && *p;) {
        const char *e = strchr(p, '\n');
        if ((size_t)(e - p + 1) == (size_t)n && memcmp(p, key, (size_t)n) == 0)
            return;
        p = e + 1;
    }
    if (og_buf_append(&s->keys, key, (size_t)n) < 0)
        return; /* over the cap: stop reporting rather than fail the check */
    s->fn(s->ud, m);
}

int og_tmpl_check(const og_tmpl *t, const json_t *data, const og_tmpl_opts *opts,
                  og_tmpl_missing_fn fn, void *ud, og_tmpl_error *err)
{
    og_tmpl_opts o = {0};
    seen_set seen = {.fn = fn, .ud = ud};
    og_buf scratch;
    int error;

    if (opts)
        o = *opts;
    o.strict = 0; /* report every missing name, fail on none */
    o.missing = fn ? check_missing : NULL;
    o.missing_ud = &seen;
    og_buf_init(&seen.keys, (size_t)1 << 20);
    og_buf_init(&scratch, 0);
    error = og_tmpl_render(&scratch, t, data, &o, err);
    og_buf_free(&scratch);
    og_buf_free(&seen.keys);
    return error;
}

int og_tmpl_partials_from_json(void *ud, const char *name, og_buf *out)
{
    const json_t *v = json_object_get((const json_t *)ud, name);
    if (!json_is_string(v))
        return og_error_set(OG_ENOTFOUND, "no partial named \"%s\"", name);
    return og_buf_append(out, json_string_value(v), json_string_length(v));
}
