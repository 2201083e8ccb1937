/* mapping.c - project data from a pulled project: the tenant's defaults under the adaptor's
 * data, then the tenant's mapping overrides (a small path language over the vendor's raw
 * records, docs/connectors-sync.md), canonicalised and hashed so that a sync that changes
 * nothing writes nothing. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "sync_internal.h"

#define PATH_MAX_LEN  256
#define SEGS_MAX      16
#define EACH_MAX      4
#define RULES_MAX     200
#define SEG_NAME_MAX  96
#define SEG_MATCH_MAX 128

typedef enum seg_type { SEG_NAME, SEG_EACH, SEG_INDEX, SEG_MATCH } seg_type;

typedef struct seg {
    seg_type type; /* SEG_NAME: a member; the others: a member that is an array, then [..] */
    char name[SEG_NAME_MAX];
    size_t index;
    char key[SEG_MATCH_MAX], val[SEG_MATCH_MAX];
} seg;

typedef struct path {
    seg s[SEGS_MAX];
    int n, each;
} path;

/* ---- the path language ---- */

static int bracket(seg *sg, const char *in, size_t len, const char *what, const char *p)
{
    const char *eq = memchr(in, '=', len);
    if (len == 0) {
        sg->type = SEG_EACH;
        return 0;
    }
    if (eq) {
        size_t kl = (size_t)(eq - in), vl = len - kl - 1;
        if (kl == 0 || kl >= sizeof(sg->key) || vl >= sizeof(sg->val))
            return og_error_set(OG_EINVAL, "%s '%s': [key=value] needs a key (and both short)",
                                what, p);
        memcpy(sg->key, in, kl);
        sg->key[kl] = '\0';
        memcpy(sg->val, eq + 1, vl);
        sg->val[vl] = '\0';
        sg->type = SEG_MATCH;
        return 0;
    }
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)in[i]) || i >= 6)
            return og_error_set(OG_EINVAL,
                                "%s '%s': inside [] write nothing (every element), an index or "
                                "key=value",
                                what, p);
        v = v * 10 + (size_t)(in[i] - '0');
    }
    sg->type = SEG_INDEX;
    sg->index = v;
    return 0;
}

/* "a.b[].c[2].d[id=7].e" into segments; what names the rule for errors. */
static int path_parse(const char *p, path *out, const char *what)
{
    const char *s = p;
    memset(out, 0, sizeof(*out));
    if (!p || !*p || strlen(p) > PATH_MAX_LEN)
        return og_error_set(OG_EINVAL, "%s: a path of 1 to %d characters is needed", what,
                            PATH_MAX_LEN);
    while (*s) {
        seg *sg;
        size_t nl = strcspn(s, ".[]");
        if (out->n >= SEGS_MAX)
            return og_error_set(OG_EINVAL, "%s '%s': more than %d parts", what, p, SEGS_MAX);
        sg = &out->s[out->n++];
        if (nl == 0 || nl >= sizeof(sg->name))
            return og_error_set(OG_EINVAL, "%s '%s': an empty or overlong name", what, p);
        memcpy(sg->name, s, nl);
        s += nl;
        if (*s == '[') {
            const char *end = strchr(s, ']');
            int rc;
            if (!end)
                return og_error_set(OG_EINVAL, "%s '%s': '[' without ']'", what, p);
            if ((rc = bracket(sg, s + 1, (size_t)(end - s - 1), what, p)) < 0)
                return rc;
            if (sg->type == SEG_EACH && ++out->each > EACH_MAX)
                return og_error_set(OG_EINVAL, "%s '%s': more than %d '[]'", what, p, EACH_MAX);
            s = end + 1;
        }
        if (*s == ']')
            return og_error_set(OG_EINVAL, "%s '%s': ']' without '['", what, p);
        if (*s == '.') {
            if (!s[1])
                return og_error_set(OG_EINVAL, "%s '%s': ends with '.'", what, p);
            s++;
        } else if (*s)
            return og_error_set(OG_EINVAL, "%s '%s': '.' expected after ']'", what, p);
    }
    return 0;
}

static bool member_matches(const json_t *el, const seg *sg)
{
    const json_t *v = json_object_get(el, sg->key);
    char num[32];
    if (json_is_string(v))
        return strcmp(json_string_value(v), sg->val) == 0;
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return strcmp(num, sg->val) == 0;
    }
    if (json_is_boolean(v))
        return strcmp(json_is_true(v) ? "true" : "false", sg->val) == 0;
    return false;
}

/* The index an [N] or [key=value] segment picks in arr, or -1. */
static long pick(const json_t *arr, const seg *sg)
{
    if (sg->type == SEG_INDEX)
        return sg->index < json_array_size(arr) ? (long)sg->index : -1;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (member_matches(json_array_get(arr, i), sg))
            return (long)i;
    return -1;
}

typedef int (*visit_fn)(void *arg, const json_t *v, const size_t *idx);

/* Every value the path names in node, with the positions its "[]" took. */
static int walk(const json_t *node, const path *pa, int i, size_t *idx, int k, visit_fn fn,
                void *arg)
{
    const seg *sg = &pa->s[i];
    const json_t *v;
    if (i == pa->n)
        return fn(arg, node, idx);
    if (!json_is_object(node) || !(v = json_object_get(node, sg->name)))
        return 0;
    if (sg->type == SEG_NAME)
        return walk(v, pa, i + 1, idx, k, fn, arg);
    if (!json_is_array(v))
        return 0;
    if (sg->type == SEG_EACH) {
        for (size_t e = 0; e < json_array_size(v); e++) {
            int rc;
            idx[k] = e;
            if ((rc = walk(json_array_get(v, e), pa, i + 1, idx, k + 1, fn, arg)) < 0)
                return rc;
        }
        return 0;
    }
    long at = pick(v, sg);
    return at < 0 ? 0 : walk(json_array_get(v, (size_t)at), pa, i + 1, idx, k, fn, arg);
}

/* Set (value) or remove (value NULL) what the target path names at the positions idx. Objects
 * on the way are created; arrays and elements must exist (else nothing happens). */
static int set_at(json_t *root, const path *pa, const size_t *idx, json_t *value)
{
    json_t *node = root;
    int k = 0;
    for (int i = 0; i < pa->n; i++) {
        const seg *sg = &pa->s[i];
        int last = i == pa->n - 1;
        json_t *next;
        long at;
        if (!json_is_object(node))
            return 0;
        if (sg->type == SEG_NAME) {
            if (last)
                return value ? json_object_set(node, sg->name, value)
                             : (json_object_del(node, sg->name), 0);
            if (!(next = json_object_get(node, sg->name))) {
                if (!value)
                    return 0;
                if (json_object_set_new(node, sg->name, next = json_object()) < 0)
                    return og_error_set(OG_ERROR, "out of memory");
            }
            node = next;
            continue;
        }
        next = json_object_get(node, sg->name);
        if (!json_is_array(next))
            return 0;
        at = sg->type == SEG_EACH ? (long)idx[k++] : pick(next, sg);
        if (at < 0 || (size_t)at >= json_array_size(next))
            return 0;
        if (last)
            return value ? json_array_set(next, (size_t)at, value)
                         : json_array_remove(next, (size_t)at);
        node = json_array_get(next, (size_t)at);
    }
    return 0;
}

/* ---- values ---- */

/* JSON reals become decimal strings (at most 4 decimals, as project data wants them), in place;
 * returns the value to keep (v itself, or its replacement). */
static json_t *reals_to_strings(json_t *v)
{
    const char *k;
    json_t *x;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        char buf[64];
        if (!isfinite(d) || fabs(d) >= 1e15)
            snprintf(buf, sizeof(buf), "%.17g", d);
        else {
            snprintf(buf, sizeof(buf), "%.4f", d);
            char *e = buf + strlen(buf) - 1;
            while (*e == '0')
                *e-- = '\0';
            if (*e == '.')
                *e = '\0';
            if (strcmp(buf, "-0") == 0)
                strcpy(buf, "0");
        }
        json_decref(v);
        return json_string(buf);
    }
    if (json_is_object(v)) {
        json_object_foreach(v, k, x)
        {
            json_t *y = reals_to_strings(json_incref(x));
            if (y != x)
                json_object_set(v, k, y);
            json_decref(y);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            x = json_array_get(v, i);
            json_t *y = reals_to_strings(json_incref(x));
            if (y != x)
                json_array_set(v, i, y);
            json_decref(y);
        }
    }
    return v;
}

int og_conn__merge(json_t *base, const json_t *over)
{
    const char *k;
    json_t *v;
    if (!json_is_object(base) || !json_is_object(over))
        return 0;
    json_object_foreach((json_t *)over, k, v)
    {
        json_t *b = json_object_get(base, k);
        int rc;
        if (json_is_null(v))
            continue;
        if (json_is_object(v) && json_is_object(b)) {
            if ((rc = og_conn__merge(b, v)) < 0)
                return rc;
        } else if (json_object_set_new(base, k, json_deep_copy(v)) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    return 0;
}

/* ---- rules ---- */

typedef struct rule {
    path target, source;
    int from;         /* 0 raw, 1 data (before the rules), 2 constant, 3 remove */
    int only_missing; /* "?=text": only where the target has no value */
    const json_t *constant;
} rule;

static int rule_parse(const char *target, const json_t *src, rule *r)
{
    char what[PATH_MAX_LEN + 32];
    int rc;
    snprintf(what, sizeof(what), "options.mapping: target");
    if ((rc = path_parse(target, &r->target, what)) < 0)
        return rc;
    snprintf(what, sizeof(what), "options.mapping[\"%.*s\"]: source", PATH_MAX_LEN, target);
    r->constant = NULL;
    r->only_missing = 0;
    if (json_is_null(src))
        r->from = 3;
    else if (!json_is_string(src))
        r->from = 2, r->constant = src;
    else {
        const char *s = json_string_value(src);
        r->from = 0;
        if (s[0] == '=' || (s[0] == '?' && s[1] == '=')) {
            r->from = 2;
            r->only_missing = s[0] == '?';
            r->constant = src; /* the text after '=' (made when applied) */
        } else {
            if (strncmp(s, "raw:", 4) == 0)
                s += 4;
            else if (strncmp(s, "data:", 5) == 0)
                s += 5, r->from = 1;
            if ((rc = path_parse(s, &r->source, what)) < 0)
                return rc;
        }
    }
    if (r->from >= 2 && r->target.each > 0 && r->target.s[r->target.n - 1].type != SEG_NAME)
        return og_error_set(OG_EINVAL,
                            "options.mapping[\"%s\"]: a constant or null for every element "
                            "('[]') must name a member of it, as in \"tasks[].rate\"",
                            target);
    if (r->from < 2 && r->source.each != r->target.each)
        return og_error_set(OG_EINVAL,
                            "options.mapping[\"%s\"]: the target has %d '[]' but its source %d: "
                            "each '[]' of the source goes to the one at the same place",
                            target, r->target.each, r->source.each);
    return 0;
}

int og_conn__mapping_check(const json_t *mapping)
{
    const char *k;
    json_t *v;
    rule r;
    int rc;
    if (!mapping || json_is_null(mapping))
        return 0;
    if (!json_is_object(mapping))
        return og_error_set(OG_EINVAL, "options.mapping: expected an object of target: source");
    if (json_object_size(mapping) > RULES_MAX)
        return og_error_set(OG_EINVAL, "options.mapping: %zu rules, over the limit of %d",
                            json_object_size(mapping), RULES_MAX);
    json_object_foreach((json_t *)mapping, k, v)
    {
        if ((rc = rule_parse(k, v, &r)) < 0)
            return rc;
    }
    return 0;
}

typedef struct apply_arg {
    json_t *data;
    const path *target;
    const rule *r;
    json_t *value; /* a constant or NULL (remove), for every element of the target */
} apply_arg;

/* A constant (or removal) for the member the target's last part names, in each object its
 * other parts name (v: one of them, inside data). */
static int apply_member(void *arg, const json_t *v, const size_t *idx)
{
    apply_arg *a = arg;
    const char *name = a->target->s[a->target->n - 1].name;
    json_t *obj = (json_t *)v, *cur;
    (void)idx;
    if (!json_is_object(obj))
        return 0;
    cur = json_object_get(obj, name);
    if (!a->value)
        return json_object_del(obj, name), 0;
    if (a->r->only_missing && cur && !json_is_null(cur))
        return 0;
    return json_object_set_new(obj, name, json_deep_copy(a->value)) < 0
               ? og_error_set(OG_ERROR, "out of memory")
               : 0;
}

static int apply_one(void *arg, const json_t *v, const size_t *idx)
{
    apply_arg *a = arg;
    json_t *copy = reals_to_strings(json_deep_copy(v));
    int rc;
    if (!copy)
        return og_error_set(OG_ERROR, "out of memory");
    rc = set_at(a->data, a->target, idx, copy);
    json_decref(copy);
    return rc < 0 ? og_error_set(OG_ERROR, "out of memory") : 0;
}

static int has_one(void *arg, const json_t *v, const size_t *idx)
{
    (void)idx;
    *(int *)arg = !json_is_null(v);
    return 0;
}

static int has_value(const json_t *data, const path *pa)
{
    size_t idx[EACH_MAX] = {0};
    int found = 0;
    walk(data, pa, 0, idx, 0, has_one, &found);
    return found;
}

int og_conn__mapping_apply(json_t *data, const json_t *raw, const json_t *mapping)
{
    const char *k;
    json_t *v, *before = NULL;
    size_t idx[EACH_MAX] = {0};
    int error = 0;
    rule r;
    if (!mapping || json_is_null(mapping))
        return 0;
    if ((error = og_conn__mapping_check(mapping)) < 0)
        return error;
    if (!(before = json_deep_copy(data)))
        return og_error_set(OG_ERROR, "out of memory");
    json_object_foreach((json_t *)mapping, k, v)
    {
        apply_arg a = {data, &r.target, &r, NULL};
        if ((error = rule_parse(k, v, &r)) < 0)
            break;
        if (r.from >= 2) {
            const char *s = json_string_value(r.constant);
            path parent = r.target;
            a.value = r.from == 3 ? NULL
                      : s         ? json_string(s + (r.only_missing ? 2 : 1))
                                  : reals_to_strings(json_deep_copy(r.constant));
            if (r.from == 2 && !a.value) {
                error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
            parent.n--; /* the objects that hold the member, each one */
            if (r.target.each > 0)
                error = walk(data, &parent, 0, idx, 0, apply_member, &a);
            else if (!r.only_missing || !has_value(data, &r.target))
                error = set_at(data, &r.target, idx, a.value); /* objects on the way made */
            json_decref(a.value);
        } else
            error = walk(r.from == 1 ? before : raw, &r.source, 0, idx, 0, apply_one, &a);
        if (error < 0)
            break;
    }
    json_decref(before);
    return error;
}

int og_conn__path_get(const json_t *root, const char *p, const json_t **out)
{
    path pa;
    int rc;
    const json_t *node = root;
    *out = NULL;
    if ((rc = path_parse(p, &pa, "path")) < 0)
        return rc;
    if (pa.each)
        return og_error_set(OG_EINVAL, "path '%s': '[]' names many values, not one", p);
    for (int i = 0; i < pa.n && node; i++) {
        const seg *sg = &pa.s[i];
        const json_t *v = json_is_object(node) ? json_object_get(node, sg->name) : NULL;
        if (v && sg->type != SEG_NAME) {
            long at = json_is_array(v) ? pick(v, sg) : -1;
            v = at < 0 ? NULL : json_array_get(v, (size_t)at);
        }
        node = v;
    }
    *out = node;
    return 0;
}

/* ---- the project's key and data ---- */

static const char *kind_short(const char *kind)
{
    if (strcmp(kind, "connectwise") == 0)
        return "cw";
    if (strcmp(kind, "autotask") == 0)
        return "at";
    if (strcmp(kind, "halopsa") == 0)
        return "halo";
    return kind;
}

int og_conn__project_key(const og_conn *c, const char *remote_id, char out[64])
{
    const char *prefix = json_string_value(json_object_get(c->options, "project_key_prefix"));
    char dflt[32];
    size_t n;
    if (!prefix) {
        snprintf(dflt, sizeof(dflt), "%s-", kind_short(c->vendor->kind));
        prefix = dflt;
    }
    snprintf(out, 64, "%s%s", prefix, remote_id ? remote_id : "");
    n = strlen(out);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)tolower((unsigned char)out[i]);
        out[i] = (char)(isalnum(ch) || ch == '.' || ch == '_' || ch == '-' ? ch : '-');
    }
    if (!remote_id || !*remote_id || !og_name_valid(out))
        return og_error_set(OG_EINVAL,
                            "remote project '%.64s': '%s' is not a valid project key (check "
                            "options.project_key_prefix: 1 to 63 of a-z 0-9 . _ -, starting "
                            "with a letter or digit)",
                            remote_id ? remote_id : "", out);
    return 0;
}

static int ensure_object(json_t *parent, const char *name, json_t **out)
{
    json_t *o = json_object_get(parent, name);
    if (!json_is_object(o)) {
        if (json_object_set_new(parent, name, o = json_object()) < 0)
            return og_error_set(OG_ERROR, "out of memory");
    }
    *out = o;
    return 0;
}

int og_conn__project_data(const og_conn *c, const og_conn_project *p, const char *key, json_t **out,
                          char sha256[65])
{
    const json_t *defaults = json_object_get(c->options, "defaults");
    json_t *d = json_is_object(defaults) ? json_deep_copy(defaults) : json_object();
    json_t *proj = NULL, *client = NULL, *psa;
    char *canon = NULL;
    int error = 0;
    *out = NULL;
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_conn__merge(d, p->data)) < 0 ||
        (error = og_conn__mapping_apply(d, p->raw, json_object_get(c->options, "mapping"))) < 0 ||
        (error = ensure_object(d, "project", &proj)) < 0 ||
        (error = ensure_object(d, "client", &client)) < 0)
        goto cleanup;
    json_object_set_new(proj, "key", json_string(key));
    if (!json_is_string(json_object_get(client, "name")) && p->company_name && *p->company_name)
        json_object_set_new(client, "name", json_string(p->company_name));
    if ((error = ensure_object(d, "psa", &psa)) < 0)
        goto cleanup;
    json_object_del(psa, "updated_at");
    /* the vendor's closed flag is data: a project that only closes is a change */
    json_object_set_new(psa, "closed", json_boolean(p->closed));
    d = reals_to_strings(d);
    if (!d || !(canon = og_docgen_data_canonical(d))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (strlen(canon) > OG_CONN_DATA_MAX) {
        error = og_error_set(OG_ETOOBIG,
                             "remote project %s: its project data is %zu bytes, over the limit of "
                             "%zu (docs/project-data.md)",
                             p->remote_id, strlen(canon), OG_CONN_DATA_MAX);
        goto cleanup;
    }
    if ((error = og_docgen_data_sha256(d, sha256)) < 0)
        goto cleanup;
    *out = d;
    d = NULL;
cleanup:
    if (error < 0)
        og_error_wrap("remote project %.64s", p->remote_id ? p->remote_id : "?");
    free(canon);
    json_decref(d);
    return error;
}
