/* model.c - validation of project data and the view models of the four document kinds. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PATH_MAX_LEN 160
#define MAX_ITEMS    OG_DOCGEN_ITEMS_MAX /* bound on every list in project data */

/* Fields holding prose (descriptions, paragraphs, commands): up to OG_DOCGEN_TEXT_MAX
 * characters. Every other string field (names, titles, ids, dates, roles, contacts, hosts) is a
 * one-line value of up to OG_DOCGEN_NAME_MAX characters; items of string lists are prose. */
static const char *const text_keys[] = {
    "acceptance", "action",           "address",     "billing", "command",
    "comment",    "description",      "environment", "expect",  "issuer",
    "item",       "objective",        "purpose",     "reason",  "rollback",
    "subject",    "sponsor_comments", "synopsis",    "terms",   "trigger",
    "value",      "verify",           "when",        NULL};

static size_t limit_of(const char *key)
{
    for (size_t i = 0; key && text_keys[i]; i++)
        if (strcmp(key, text_keys[i]) == 0)
            return OG_DOCGEN_TEXT_MAX;
    return OG_DOCGEN_NAME_MAX;
}

/* Characters (code points) of a JSON string; jansson has checked it is UTF-8. */
static size_t chars_of(const json_t *v)
{
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = 0, len = json_string_length(v);
    for (size_t i = 0; i < len; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

/* OG_EINVAL naming path[.key][[index]] when v is longer than max characters. */
static int check_len(const json_t *v, size_t max, const char *path, const char *key, long index)
{
    size_t n = chars_of(v);
    if (n <= max)
        return 0;
    if (index >= 0)
        return og_error_set(OG_EINVAL, "%s%s%s[%ld]: %zu characters, over the limit of %zu", path,
                            *path ? "." : "", key, index, n, max);
    return og_error_set(OG_EINVAL, "%s%s%s: %zu characters, over the limit of %zu", path,
                        *path ? "." : "", key, n, max);
}

/* ---- helpers: every error names the field by its JSON path ---- */

typedef struct vctx {
    int digits; /* currency minor unit */
    const char *currency;
} vctx;

static int get_str(const json_t *obj, const char *path, const char *key, int required,
                   const char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "%s%s%s: missing", path, *path ? "." : "", key);
        *out = "";
        return 0;
    }
    if (!json_is_string(v))
        return og_error_set(OG_EINVAL, "%s%s%s: expected a string", path, *path ? "." : "", key);
    if (check_len(v, limit_of(key), path, key, -1) < 0)
        return OG_EINVAL;
    *out = json_string_value(v);
    if (required && !**out)
        return og_error_set(OG_EINVAL, "%s%s%s: must not be empty", path, *path ? "." : "", key);
    return 0;
}

static int get_obj(const json_t *obj, const char *path, const char *key, int required,
                   const json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "%s%s%s: missing", path, *path ? "." : "", key);
        return 0;
    }
    if (!json_is_object(v))
        return og_error_set(OG_EINVAL, "%s%s%s: expected an object", path, *path ? "." : "", key);
    *out = v;
    return 0;
}

static int get_arr(const json_t *obj, const char *path, const char *key, int required,
                   const json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "%s%s%s: missing", path, *path ? "." : "", key);
        return 0;
    }
    if (!json_is_array(v))
        return og_error_set(OG_EINVAL, "%s%s%s: expected an array", path, *path ? "." : "", key);
    if (json_array_size(v) > MAX_ITEMS)
        return og_error_set(OG_EINVAL, "%s%s%s: %zu items, over the limit of %d", path,
                            *path ? "." : "", key, json_array_size(v), MAX_ITEMS);
    if (required && json_array_size(v) == 0)
        return og_error_set(OG_EINVAL, "%s%s%s: must not be empty", path, *path ? "." : "", key);
    *out = v;
    return 0;
}

static int get_dec(const json_t *obj, const char *path, const char *key, int required, og_dec *out)
{
    char f[PATH_MAX_LEN];
    const json_t *v = json_object_get(obj, key);
    snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
    *out = 0;
    if (!v && !required)
        return 0;
    return og_dec_from_json(v, f, out);
}

/* A count (integer, or a string of digits). */
static int get_count(const json_t *obj, const char *path, const char *key, int64_t dflt,
                     int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    og_dec d;
    char f[PATH_MAX_LEN];
    snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (og_dec_from_json(v, f, &d) < 0)
        return OG_EINVAL;
    if (d < 0 || d % OG_DEC_SCALE)
        return og_error_set(OG_EINVAL, "%s: expected a whole number of 0 or more", f);
    *out = d / OG_DEC_SCALE;
    return 0;
}

static int get_date(const json_t *obj, const char *path, const char *key, int required,
                    const char **out)
{
    char f[PATH_MAX_LEN];
    int error = get_str(obj, path, key, required, out);
    if (error < 0 || !**out)
        return error;
    snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
    return og_docgen__date_check(*out, f);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_date(const char *s, int64_t *days)
{
    int y, m, d;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *days = days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

int og_docgen__date_check(const char *s, const char *field)
{
    int64_t d;
    if (parse_date(s, &d) < 0)
        return og_error_set(OG_EINVAL, "%s: '%.40s' is not a date (YYYY-MM-DD)", field, s);
    return 0;
}

int og_docgen__days_between(const char *a, const char *b, const char *field, int64_t *out)
{
    int64_t da, db;
    if (parse_date(a, &da) < 0)
        return og_error_set(OG_EINVAL, "%s: '%.40s' is not a date (YYYY-MM-DD)", field, a);
    if (parse_date(b, &db) < 0)
        return og_error_set(OG_EINVAL, "%s: '%.40s' is not a date (YYYY-MM-DD)", field, b);
    *out = db - da;
    return 0;
}

static json_t *money(const vctx *v, og_dec a)
{
    char s[OG_DEC_STR_MAX];
    og_dec_format(a, v->digits, 1, s);
    return json_string(s);
}

static json_t *signed_money(const vctx *v, og_dec a)
{
    char s[OG_DEC_STR_MAX + 1];
    og_dec_format(a, v->digits, 1, s + 1);
    if (a > 0) {
        s[0] = '+';
        return json_string(s);
    }
    return json_string(s + 1);
}

static json_t *hours(og_dec h)
{
    char s[OG_DEC_STR_MAX];
    og_dec_format_min(h, s);
    return json_string(s);
}

static json_t *signed_hours(og_dec h)
{
    char s[OG_DEC_STR_MAX + 1];
    og_dec_format_min(h, s + 1);
    if (h > 0) {
        s[0] = '+';
        return json_string(s);
    }
    return json_string(s + 1);
}

static json_t *days_text(int64_t d)
{
    char s[64];
    if (d == 0)
        return json_string("Zero (0) days");
    snprintf(s, sizeof(s), "%s%lld day%s", d > 0 ? "+" : "-", (long long)(d > 0 ? d : -d),
             (d == 1 || d == -1) ? "" : "s");
    return json_string(s);
}

/* Copy an array of strings, checking each. */
static int str_list(const json_t *obj, const char *path, const char *key, json_t *into,
                    const char *as)
{
    const json_t *a;
    size_t i;
    const json_t *x;
    int error;
    json_t *out = json_array();
    if (!out)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = get_arr(obj, path, key, 0, &a)) < 0) {
        json_decref(out);
        return error;
    }
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) {
            json_decref(out);
            return og_error_set(OG_EINVAL, "%s%s%s[%zu]: expected a string", path, *path ? "." : "",
                                key, i);
        }
        if ((error = check_len(x, OG_DOCGEN_TEXT_MAX, path, key, (long)i)) < 0) {
            json_decref(out);
            return error;
        }
        json_array_append(out, (json_t *)x);
    }
    json_object_set_new(into, as, out);
    {
        char has[80];
        snprintf(has, sizeof(has), "has_%s", as);
        json_object_set_new(into, has, json_boolean(json_array_size(out) > 0));
    }
    return 0;
}

/* ---- shared part: project, document, parties, contacts, phases, totals ---- */

typedef struct task_info {
    const char *id, *name, *phase, *role;
    og_dec hours, rate, amount;
} task_info;

typedef struct plan {
    task_info *tasks;
    size_t ntasks;
    og_dec hours, amount;
    const char *end;   /* latest phase end */
    const char *start; /* earliest phase start */
} plan;

static void plan_free(plan *p)
{
    free(p->tasks);
    memset(p, 0, sizeof(*p));
}

/* Walk phases/tasks of `data` (path prefix pfx for messages); fill p and, when model is set,
 * model.phases and model.totals. */
static int build_plan(const vctx *v, const json_t *data, const char *pfx, plan *p, json_t *model)
{
    const json_t *phases, *ph, *tasks, *t;
    size_t i, j, n = 0;
    char path[PATH_MAX_LEN], tpath[PATH_MAX_LEN + 48];
    int error;
    json_t *mphases = NULL;
    memset(p, 0, sizeof(*p));
    if ((error = get_arr(data, pfx, "phases", 1, &phases)) < 0)
        return error;
    json_array_foreach(phases, i, ph)
    {
        const json_t *ts = json_object_get(ph, "tasks");
        n += json_is_array(ts) ? json_array_size(ts) : 0;
    }
    if (n > MAX_ITEMS)
        return og_error_set(OG_EINVAL, "%s%sphases: %zu tasks in all, over the limit of %d", pfx,
                            *pfx ? "." : "", n, MAX_ITEMS);
    p->tasks = calloc(n ? n : 1, sizeof(task_info));
    if (!p->tasks)
        return og_error_set(OG_ERROR, "out of memory");
    if (model)
        mphases = json_array();
    json_array_foreach(phases, i, ph)
    {
        const char *pid, *pname, *pstart, *pend;
        og_dec ph_hours = 0, ph_amount = 0;
        json_t *mtasks = model ? json_array() : NULL;
        snprintf(path, sizeof(path), "%s%sphases[%zu]", pfx, *pfx ? "." : "", i);
        if (!json_is_object(ph)) {
            error = og_error_set(OG_EINVAL, "%s: expected an object", path);
            json_decref(mtasks);
            goto fail;
        }
        if ((error = get_str(ph, path, "id", 1, &pid)) < 0 ||
            (error = get_str(ph, path, "name", 1, &pname)) < 0 ||
            (error = get_date(ph, path, "start", 0, &pstart)) < 0 ||
            (error = get_date(ph, path, "end", 0, &pend)) < 0 ||
            (error = get_arr(ph, path, "tasks", 1, &tasks)) < 0) {
            json_decref(mtasks);
            goto fail;
        }
        if (*pend && (!p->end || strcmp(pend, p->end) > 0))
            p->end = pend;
        if (*pstart && (!p->start || strcmp(pstart, p->start) < 0))
            p->start = pstart;
        json_array_foreach(tasks, j, t)
        {
            task_info *ti = &p->tasks[p->ntasks];
            snprintf(tpath, sizeof(tpath), "%s.tasks[%zu]", path, j);
            if (!json_is_object(t)) {
                error = og_error_set(OG_EINVAL, "%s: expected an object", tpath);
                json_decref(mtasks);
                goto fail;
            }
            if ((error = get_str(t, tpath, "id", 1, &ti->id)) < 0 ||
                (error = get_str(t, tpath, "name", 1, &ti->name)) < 0 ||
                (error = get_str(t, tpath, "role", 0, &ti->role)) < 0 ||
                (error = get_dec(t, tpath, "hours", 1, &ti->hours)) < 0 ||
                (error = get_dec(t, tpath, "rate", 1, &ti->rate)) < 0) {
                json_decref(mtasks);
                goto fail;
            }
            if (ti->hours < 0 || ti->rate < 0) {
                error = og_error_set(OG_EINVAL, "%s.%s: must not be negative", tpath,
                                     ti->hours < 0 ? "hours" : "rate");
                json_decref(mtasks);
                goto fail;
            }
            for (size_t k = 0; k < p->ntasks; k++) {
                if (strcmp(p->tasks[k].id, ti->id) == 0) {
                    error = og_error_set(OG_EINVAL, "%s.id: '%s' is used by another task", tpath,
                                         ti->id);
                    json_decref(mtasks);
                    goto fail;
                }
            }
            ti->phase = pname;
            /* line amount: exact product, rounded half-even to the currency's minor unit */
            if ((error = og_dec_mul(ti->hours, ti->rate, &ti->amount)) < 0) {
                og_error_wrap("%s", tpath);
                json_decref(mtasks);
                goto fail;
            }
            ti->amount = og_dec_round(ti->amount, v->digits);
            if ((error = og_dec_add(ph_hours, ti->hours, &ph_hours)) < 0 ||
                (error = og_dec_add(ph_amount, ti->amount, &ph_amount)) < 0) {
                json_decref(mtasks);
                goto fail;
            }
            p->ntasks++;
            if (mtasks)
                json_array_append_new(
                    mtasks, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", ti->id, "name",
                                      ti->name, "role", ti->role, "hours", hours(ti->hours), "rate",
                                      money(v, ti->rate), "amount", money(v, ti->amount)));
        }
        if ((error = og_dec_add(p->hours, ph_hours, &p->hours)) < 0 ||
            (error = og_dec_add(p->amount, ph_amount, &p->amount)) < 0) {
            json_decref(mtasks);
            goto fail;
        }
        if (mphases)
            json_array_append_new(
                mphases, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", pid, "name", pname,
                                   "start", pstart, "end", pend, "tasks", mtasks, "hours",
                                   hours(ph_hours), "amount", money(v, ph_amount)));
    }
    if (model) {
        json_object_set_new(model, "phases", mphases);
        json_object_set_new(model, "totals",
                            json_pack("{s:o, s:o, s:i}", "hours", hours(p->hours), "amount",
                                      money(v, p->amount), "tasks", (json_int_t)p->ntasks));
        json_object_set_new(model, "project_start", json_string(p->start ? p->start : ""));
        json_object_set_new(model, "project_end", json_string(p->end ? p->end : ""));
    }
    return 0;
fail:
    json_decref(mphases);
    plan_free(p);
    return error;
}

static int copy_fields(json_t *into, const json_t *obj, const char *path, const char *const *req,
                       const char *const *opt)
{
    const char *s;
    int error;
    for (size_t i = 0; req && req[i]; i++) {
        if ((error = get_str(obj, path, req[i], 1, &s)) < 0)
            return error;
        json_object_set_new(into, req[i], json_string(s));
    }
    for (size_t i = 0; opt && opt[i]; i++) {
        if ((error = get_str(obj, path, opt[i], 0, &s)) < 0)
            return error;
        json_object_set_new(into, opt[i], json_string(s));
    }
    return 0;
}

/* A list of objects whose listed fields are strings; dates checked for fields named in dates. */
static int obj_list(const json_t *data, const char *path, const char *key, int required,
                    const char *const *req, const char *const *opt, json_t *into, const char *as)
{
    const json_t *a, *x;
    size_t i;
    int error;
    char p[PATH_MAX_LEN], has[80];
    json_t *out = json_array();
    if ((error = get_arr(data, path, key, required, &a)) < 0)
        goto fail;
    json_array_foreach(a, i, x)
    {
        json_t *o = json_object();
        snprintf(p, sizeof(p), "%s%s%s[%zu]", path, *path ? "." : "", key, i);
        if (!json_is_object(x)) {
            json_decref(o);
            error = og_error_set(OG_EINVAL, "%s: expected an object", p);
            goto fail;
        }
        if ((error = copy_fields(o, x, p, req, opt)) < 0) {
            json_decref(o);
            goto fail;
        }
        json_object_set_new(o, "n", json_integer((json_int_t)i + 1));
        json_array_append_new(out, o);
    }
    json_object_set_new(into, as, out);
    snprintf(has, sizeof(has), "has_%s", as);
    json_object_set_new(into, has, json_boolean(json_array_size(out) > 0));
    return 0;
fail:
    json_decref(out);
    return error;
}

static const char *const r_name[] = {"name", NULL};

/* Fields every kind has: document, project, currency, parties, contacts, sign-off (required
 * when need_signoff). */
static int build_common(vctx *v, const json_t *data, json_t *m, const char *title, int need_signoff,
                        const og_docgen_brand *brand)
{
    const json_t *doc, *proj, *client, *provider;
    const char *s;
    int error;
    json_t *o;
    static const char *const doc_req[] = {"number", "date", NULL};
    static const char *const doc_opt[] = {"revision", NULL};
    static const char *const proj_opt[] = {"key", "manager", NULL};
    static const char *const client_opt[] = {"address", "msa_reference", "po_number", NULL};
    static const char *const prov_opt[] = {"address", NULL};
    static const char *const contact_req[] = {"name", NULL};
    static const char *const contact_opt[] = {"side", "role", "email", "phone", NULL};
    static const char *const sign_req[] = {"party", "name", NULL};
    static const char *const sign_opt[] = {"title", "organisation", NULL};

    if (!json_is_object(data))
        return og_error_set(OG_EINVAL, "project data: expected a JSON object");
    {
        int64_t fmt;
        if ((error = get_count(data, "", "format", 1, &fmt)) < 0)
            return error;
        if (fmt != 1)
            return og_error_set(OG_EINVAL,
                                "format: project data format %lld is not known to this opsgate "
                                "(it reads format 1)",
                                (long long)fmt);
    }
    if ((error = get_str(data, "", "currency", 1, &v->currency)) < 0)
        return error;
    if ((error = og_currency_digits(v->currency, &v->digits)) < 0)
        return og_error_wrap("currency");
    json_object_set_new(m, "currency", json_string(v->currency));
    json_object_set_new(m, "title", json_string(title));

    if ((error = get_obj(data, "", "document", 1, &doc)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "document", o);
    if ((error = copy_fields(o, doc, "document", doc_req, doc_opt)) < 0 ||
        (error = get_date(doc, "document", "date", 1, &s)) < 0)
        return error;

    if ((error = get_obj(data, "", "project", 1, &proj)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "project", o);
    if ((error = copy_fields(o, proj, "project", r_name, proj_opt)) < 0)
        return error;

    if ((error = get_obj(data, "", "client", 1, &client)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "client", o);
    if ((error = copy_fields(o, client, "client", r_name, client_opt)) < 0)
        return error;

    /* the provider: the brand's name and address where set (opsgate brand), else the data's */
    {
        int branded = brand && brand->name && *brand->name;
        if ((error = get_obj(data, "", "provider", !branded, &provider)) < 0)
            return error;
        o = json_object();
        json_object_set_new(m, "provider", o);
        if (provider) {
            if ((error = copy_fields(o, provider, "provider", branded ? NULL : r_name, prov_opt)) <
                    0 ||
                (branded && (error = copy_fields(o, provider, "provider", NULL, r_name)) < 0))
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
    }

    if ((error = obj_list(data, "", "contacts", 0, contact_req, contact_opt, m, "contacts")) < 0 ||
        (error = obj_list(data, "", "signoff", need_signoff, sign_req, sign_opt, m, "signoff")) < 0)
        return error;
    /* who signs for whom: a party named Client or Provider signs for that party's organisation
     * unless the data names another */
    {
        json_t *sg;
        size_t i;
        const char *cname =
            json_string_value(json_object_get(json_object_get(m, "client"), "name"));
        const char *pname =
            json_string_value(json_object_get(json_object_get(m, "provider"), "name"));
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
    /* contacts split by side for the two-column parts of the templates */
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
    return 0;
}

/* ---- SOW ---- */

static int build_sow(vctx *v, const json_t *data, json_t *m, plan *p)
{
    int error;
    const json_t *scope, *pay, *acc, *ms, *x;
    const char *s;
    size_t i;
    json_t *o, *mms;
    static const char *const del_req[] = {"id", "name", "acceptance", NULL};
    static const char *const del_opt[] = {"due", NULL};
    int64_t review_days, max_rej, warranty;

    if ((error = build_plan(v, data, "", p, m)) < 0)
        return error;
    if ((error = str_list(data, "", "objectives", m, "objectives")) < 0)
        return error;
    if ((error = get_str(data, "", "environment", 0, &s)) < 0)
        return error;
    json_object_set_new(m, "environment", json_string(s));
    if ((error = get_obj(data, "", "scope", 1, &scope)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "scope", o);
    if ((error = get_arr(scope, "scope", "in", 1, &x)) < 0 ||
        (error = str_list(scope, "scope", "in", o, "in")) < 0 ||
        (error = str_list(scope, "scope", "out", o, "out")) < 0)
        return error;
    if ((error = obj_list(data, "", "deliverables", 1, del_req, del_opt, m, "deliverables")) < 0)
        return error;
    {
        json_t *d;
        json_array_foreach(json_object_get(m, "deliverables"), i, d)
        {
            char f[PATH_MAX_LEN];
            const char *due = json_string_value(json_object_get(d, "due"));
            snprintf(f, sizeof(f), "deliverables[%zu].due", i);
            if (due && *due && (error = og_docgen__date_check(due, f)) < 0)
                return error;
        }
    }
    if ((error = str_list(data, "", "assumptions", m, "assumptions")) < 0 ||
        (error = str_list(data, "", "client_responsibilities", m, "client_responsibilities")) < 0)
        return error;

    if ((error = get_obj(data, "", "acceptance", 0, &acc)) < 0 ||
        (error = get_count(acc, "acceptance", "review_days", 5, &review_days)) < 0 ||
        (error = get_count(acc, "acceptance", "max_rejections", 2, &max_rej)) < 0)
        return error;
    json_object_set_new(m, "acceptance",
                        json_pack("{s:I, s:I}", "review_days", (json_int_t)review_days,
                                  "max_rejections", (json_int_t)max_rej));

    /* payment terms */
    {
        const char *billing, *terms;
        og_dec thr = 0, dep_pct = 0, dep_amt = 0;
        if ((error = get_obj(data, "", "payment_terms", 1, &pay)) < 0 ||
            (error = get_str(pay, "payment_terms", "billing", 1, &billing)) < 0 ||
            (error = get_str(pay, "payment_terms", "terms", 1, &terms)) < 0 ||
            (error = get_dec(pay, "payment_terms", "expense_threshold", 0, &thr)) < 0 ||
            (error = get_dec(pay, "payment_terms", "deposit_percent", 0, &dep_pct)) < 0 ||
            (error = get_count(pay, "payment_terms", "warranty_days", 30, &warranty)) < 0)
            return error;
        if (dep_pct < 0 || dep_pct > 100 * OG_DEC_SCALE)
            return og_error_set(OG_EINVAL, "payment_terms.deposit_percent: must be 0 to 100");
        if ((error = og_dec_mul(p->amount, dep_pct, &dep_amt)) < 0 ||
            (error = og_dec_div(dep_amt, 100 * OG_DEC_SCALE, &dep_amt)) < 0)
            return error;
        dep_amt = og_dec_round(dep_amt, v->digits);
        json_object_set_new(m, "payment",
                            json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:I}", "billing", billing,
                                      "terms", terms, "expense_threshold", money(v, thr),
                                      "deposit_percent", hours(dep_pct), "deposit_amount",
                                      money(v, dep_amt), "has_deposit", dep_pct > 0,
                                      "warranty_days", (json_int_t)warranty));
    }

    /* milestones: amount = total x percent / 100, half-even; the last takes the remainder so the
     * schedule adds up to the total to the cent. Percentages must add up to 100 when given. */
    if ((error = get_arr(data, "", "milestones", 0, &ms)) < 0)
        return error;
    mms = json_array();
    json_object_set_new(m, "milestones", mms);
    {
        og_dec pct_sum = 0, amt_sum = 0;
        size_t nms = json_array_size(ms), with_pct = 0;
        json_array_foreach(ms, i, x)
        {
            char path[PATH_MAX_LEN];
            const char *name, *date;
            og_dec pct = 0, amt = 0;
            snprintf(path, sizeof(path), "milestones[%zu]", i);
            if (!json_is_object(x))
                return og_error_set(OG_EINVAL, "%s: expected an object", path);
            if ((error = get_str(x, path, "name", 1, &name)) < 0 ||
                (error = get_date(x, path, "date", 1, &date)) < 0 ||
                (error = get_dec(x, path, "payment_percent", 0, &pct)) < 0)
                return error;
            if (pct < 0)
                return og_error_set(OG_EINVAL, "%s.payment_percent: must not be negative", path);
            if (json_object_get(x, "payment_percent"))
                with_pct++;
            if ((error = og_dec_add(pct_sum, pct, &pct_sum)) < 0)
                return error;
            if (i + 1 == nms && pct_sum == 100 * OG_DEC_SCALE) {
                if ((error = og_dec_sub(p->amount, amt_sum, &amt)) < 0)
                    return error;
            } else {
                if ((error = og_dec_mul(p->amount, pct, &amt)) < 0 ||
                    (error = og_dec_div(amt, 100 * OG_DEC_SCALE, &amt)) < 0)
                    return error;
                amt = og_dec_round(amt, v->digits);
            }
            if ((error = og_dec_add(amt_sum, amt, &amt_sum)) < 0)
                return error;
            json_array_append_new(mms, json_pack("{s:I, s:s, s:s, s:o, s:o}", "n",
                                                 (json_int_t)i + 1, "name", name, "date", date,
                                                 "percent", hours(pct), "amount", money(v, amt)));
        }
        if (with_pct && pct_sum != 100 * OG_DEC_SCALE) {
            char s1[OG_DEC_STR_MAX];
            og_dec_format_min(pct_sum, s1);
            return og_error_set(OG_EINVAL, "milestones: payment_percent adds up to %s, not 100",
                                s1);
        }
        json_object_set_new(m, "has_milestones", json_boolean(nms > 0));
    }
    /* exclusions are the out-of-scope list, named for the partial */
    json_object_set(m, "exclusions", json_object_get(o, "out"));
    json_object_set_new(m, "has_exclusions",
                        json_boolean(json_array_size(json_object_get(o, "out")) > 0));
    return 0;
}

/* ---- change order ---- */

static const task_info *find_task(const plan *p, const char *id)
{
    for (size_t i = 0; i < p->ntasks; i++)
        if (strcmp(p->tasks[i].id, id) == 0)
            return &p->tasks[i];
    return NULL;
}

static json_t *task_json(const vctx *v, const task_info *t)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", t->id, "name", t->name, "phase",
                     t->phase, "hours", hours(t->hours), "rate", money(v, t->rate), "amount",
                     money(v, t->amount));
}

static int build_change_order(vctx *v, const json_t *data, const json_t *baseline, json_t *m,
                              plan *p)
{
    int error;
    const json_t *ch, *prev, *x;
    const char *number, *date, *base, *reason, *desc, *by;
    plan b;
    size_t i;
    og_dec prev_sum = 0, dh = 0, da = 0, revised = 0;
    json_t *added = json_array(), *removed = json_array(), *changed = json_array(),
           *mprev = json_array();
    memset(&b, 0, sizeof(b));
    json_object_set_new(m, "added", added);
    json_object_set_new(m, "removed", removed);
    json_object_set_new(m, "changed", changed);
    json_object_set_new(m, "previous", mprev);

    if ((error = get_obj(data, "", "change", 1, &ch)) < 0 ||
        (error = get_str(ch, "change", "number", 1, &number)) < 0 ||
        (error = get_date(ch, "change", "date", 1, &date)) < 0 ||
        (error = get_str(ch, "change", "baseline", 1, &base)) < 0 ||
        (error = get_str(ch, "change", "reason", 1, &reason)) < 0 ||
        (error = get_str(ch, "change", "description", 1, &desc)) < 0 ||
        (error = get_str(ch, "change", "initiated_by", 1, &by)) < 0)
        return error;
    if (!baseline)
        return og_error_set(OG_EINVAL, "change.baseline: no data snapshot for baseline '%s'", base);
    if ((error = build_plan(v, data, "", p, m)) < 0)
        return error;
    {
        const char *bcur = json_string_value(json_object_get(baseline, "currency"));
        if (!bcur || strcmp(bcur, v->currency) != 0)
            return og_error_set(OG_EINVAL, "currency: '%s' differs from the baseline '%s' ('%s')",
                                v->currency, base, bcur ? bcur : "");
    }
    if ((error = build_plan(v, baseline, "", &b, NULL)) < 0) {
        og_error_wrap("baseline %s", base);
        return error;
    }

    for (i = 0; i < p->ntasks; i++) {
        const task_info *t = &p->tasks[i], *o = find_task(&b, t->id);
        if (!o) {
            json_array_append_new(added, task_json(v, t));
            continue;
        }
        if (t->hours != o->hours || t->rate != o->rate || strcmp(t->name, o->name) != 0) {
            og_dec hd, ad;
            if ((error = og_dec_sub(t->hours, o->hours, &hd)) < 0 ||
                (error = og_dec_sub(t->amount, o->amount, &ad)) < 0)
                goto cleanup;
            json_array_append_new(
                changed, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                                   "id", t->id, "name", t->name, "name_before", o->name, "phase",
                                   t->phase, "hours_before", hours(o->hours), "hours_after",
                                   hours(t->hours), "hours_delta", signed_hours(hd), "rate_before",
                                   money(v, o->rate), "rate_after", money(v, t->rate),
                                   "amount_before", money(v, o->amount), "amount_after",
                                   money(v, t->amount), "amount_delta", signed_money(v, ad)));
        }
    }
    for (i = 0; i < b.ntasks; i++)
        if (!find_task(p, b.tasks[i].id))
            json_array_append_new(removed, task_json(v, &b.tasks[i]));
    if ((error = og_dec_sub(p->hours, b.hours, &dh)) < 0 ||
        (error = og_dec_sub(p->amount, b.amount, &da)) < 0)
        goto cleanup;

    if ((error = get_arr(ch, "change", "previous", 0, &prev)) < 0)
        goto cleanup;
    json_array_foreach(prev, i, x)
    {
        char path[PATH_MAX_LEN];
        const char *pn;
        og_dec amt;
        snprintf(path, sizeof(path), "change.previous[%zu]", i);
        if (!json_is_object(x)) {
            error = og_error_set(OG_EINVAL, "%s: expected an object", path);
            goto cleanup;
        }
        if ((error = get_str(x, path, "number", 1, &pn)) < 0 ||
            (error = get_dec(x, path, "amount", 1, &amt)) < 0 ||
            (error = og_dec_add(prev_sum, amt, &prev_sum)) < 0)
            goto cleanup;
        json_array_append_new(
            mprev, json_pack("{s:s, s:o}", "number", pn, "amount", signed_money(v, amt)));
    }
    /* original + previous change orders + this one = revised contract sum. The delta of this
     * change order is measured against the baseline, which already reflects the original SOW. */
    if ((error = og_dec_add(b.amount, prev_sum, &revised)) < 0 ||
        (error = og_dec_add(revised, da, &revised)) < 0)
        goto cleanup;

    json_object_set_new(m, "change",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "date", date,
                                  "baseline", base, "reason", reason, "description", desc,
                                  "initiated_by", by));
    json_object_set_new(m, "has_added", json_boolean(json_array_size(added) > 0));
    json_object_set_new(m, "has_removed", json_boolean(json_array_size(removed) > 0));
    json_object_set_new(m, "has_changed", json_boolean(json_array_size(changed) > 0));
    json_object_set_new(m, "has_previous", json_boolean(json_array_size(mprev) > 0));
    json_object_set_new(m, "no_task_changes",
                        json_boolean(!json_array_size(added) && !json_array_size(removed) &&
                                     !json_array_size(changed)));
    json_object_set_new(
        m, "delta",
        json_pack("{s:o, s:o}", "hours", signed_hours(dh), "amount", signed_money(v, da)));
    json_object_set_new(m, "contract",
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "original", money(v, b.amount),
                                  "previous", signed_money(v, prev_sum), "this",
                                  signed_money(v, da), "revised", money(v, revised),
                                  "baseline_hours", hours(b.hours), "revised_hours",
                                  hours(p->hours)));
    {
        int64_t days = 0;
        const char *be = b.end ? b.end : "", *ne = p->end ? p->end : "";
        if (*be && *ne && (error = og_docgen__days_between(be, ne, "phases[].end", &days)) < 0)
            goto cleanup;
        json_object_set_new(m, "schedule",
                            json_pack("{s:s, s:s, s:I, s:o}", "baseline_end", be, "new_end", ne,
                                      "delta_days", (json_int_t)days, "delta_text",
                                      days_text(days)));
    }
    error = 0;
cleanup:
    plan_free(&b);
    return error;
}

int og_docgen__co_delta(const json_t *data, const json_t *baseline, og_dec *delta, int *digits)
{
    vctx v;
    plan p, b;
    int error;
    memset(&v, 0, sizeof(v));
    memset(&p, 0, sizeof(p));
    memset(&b, 0, sizeof(b));
    *delta = 0;
    if ((error = get_str(data, "", "currency", 1, &v.currency)) < 0 ||
        (error = og_currency_digits(v.currency, &v.digits)) < 0)
        return error;
    *digits = v.digits;
    if ((error = build_plan(&v, data, "", &p, NULL)) < 0 ||
        (error = build_plan(&v, baseline, "", &b, NULL)) < 0 ||
        (error = og_dec_sub(p.amount, b.amount, delta)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    plan_free(&p);
    plan_free(&b);
    return error;
}

/* ---- runbook ---- */

static int build_runbook(vctx *v, const json_t *data, json_t *m)
{
    int error;
    const json_t *rb, *procs, *pr, *certs, *c;
    size_t i, j;
    json_t *mprocs, *mcerts, *o;
    static const char *const rb_req[] = {"title", "owner", "trigger", "last_reviewed", NULL};
    static const char *const rb_opt[] = {"purpose", NULL};
    static const char *const var_req[] = {"name", "value", NULL};
    static const char *const sys_req[] = {"name", "role", NULL};
    static const char *const sys_opt[] = {"host", "ip", "os", "location", NULL};
    static const char *const dev_req[] = {"name", "type", NULL};
    static const char *const dev_opt[] = {"model", "serial", "location", NULL};
    static const char *const esc_req[] = {"level", "contact", NULL};
    static const char *const esc_opt[] = {"within", NULL};
    static const char *const step_req[] = {"action", NULL};
    static const char *const step_opt[] = {"command", "verify", "expect", NULL};
    (void)v;

    if ((error = get_obj(data, "", "runbook", 1, &rb)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "runbook", o);
    if ((error = copy_fields(o, rb, "runbook", rb_req, rb_opt)) < 0)
        return error;
    {
        const char *lr;
        if ((error = get_date(rb, "runbook", "last_reviewed", 1, &lr)) < 0)
            return error;
    }
    if ((error = obj_list(rb, "runbook", "variables", 0, var_req, NULL, m, "variables")) < 0 ||
        (error = str_list(rb, "runbook", "prerequisites", m, "prerequisites")) < 0 ||
        (error = obj_list(rb, "runbook", "systems", 1, sys_req, sys_opt, m, "systems")) < 0 ||
        (error = obj_list(rb, "runbook", "devices", 0, dev_req, dev_opt, m, "devices")) < 0 ||
        (error = obj_list(rb, "runbook", "escalation", 1, esc_req, esc_opt, m, "escalation")) < 0)
        return error;

    /* certificates: where each is deployed, as a joined list for the table */
    if (og_streq(json_string_value(json_object_get(rb, "certificates")), "inventory"))
        return og_error_set(OG_EINVAL, "runbook.certificates: \"inventory\" is filled in from "
                                       "the tenant's certificate inventory by opsgate generate, "
                                       "not when rendering without storage");
    if ((error = get_arr(rb, "runbook", "certificates", 0, &certs)) < 0)
        return error;
    mcerts = json_array();
    json_object_set_new(m, "certificates", mcerts);
    json_array_foreach(certs, i, c)
    {
        char path[PATH_MAX_LEN];
        const char *subj, *iss, *na;
        const json_t *dep, *d;
        og_buf where;
        snprintf(path, sizeof(path), "runbook.certificates[%zu]", i);
        if (!json_is_object(c))
            return og_error_set(OG_EINVAL, "%s: expected an object", path);
        if ((error = get_str(c, path, "subject", 1, &subj)) < 0 ||
            (error = get_str(c, path, "issuer", 0, &iss)) < 0 ||
            (error = get_date(c, path, "not_after", 1, &na)) < 0 ||
            (error = get_arr(c, path, "deployed_to", 0, &dep)) < 0)
            return error;
        og_buf_init(&where, 4096);
        json_array_foreach(dep, j, d)
        {
            if (!json_is_string(d)) {
                og_buf_free(&where);
                return og_error_set(OG_EINVAL, "%s.deployed_to[%zu]: expected a string", path, j);
            }
            if ((error = check_len(d, OG_DOCGEN_TEXT_MAX, path, "deployed_to", (long)j)) < 0) {
                og_buf_free(&where);
                return error;
            }
            if ((j && og_buf_puts(&where, ", ") < 0) ||
                og_buf_puts(&where, json_string_value(d)) < 0) {
                og_buf_free(&where);
                return og_error_set(OG_EINVAL, "%s.deployed_to: too long", path);
            }
        }
        json_array_append_new(mcerts, json_pack("{s:s, s:s, s:s, s:s}", "subject", subj, "issuer",
                                                iss, "not_after", na, "deployed_to",
                                                where.data ? where.data : ""));
        og_buf_free(&where);
    }
    json_object_set_new(m, "has_certificates", json_boolean(json_array_size(mcerts) > 0));

    if ((error = get_arr(rb, "runbook", "procedures", 1, &procs)) < 0)
        return error;
    mprocs = json_array();
    json_object_set_new(m, "procedures", mprocs);
    json_array_foreach(procs, i, pr)
    {
        char path[PATH_MAX_LEN];
        static const char *const pr_req[] = {"name", "when", NULL};
        static const char *const pr_opt[] = {"rollback", NULL};
        json_t *mp = json_object();
        json_array_append_new(mprocs, mp);
        snprintf(path, sizeof(path), "runbook.procedures[%zu]", i);
        if (!json_is_object(pr))
            return og_error_set(OG_EINVAL, "%s: expected an object", path);
        if ((error = copy_fields(mp, pr, path, pr_req, pr_opt)) < 0 ||
            (error = obj_list(pr, path, "steps", 1, step_req, step_opt, mp, "steps")) < 0)
            return error;
        json_object_set_new(mp, "n", json_integer((json_int_t)i + 1));
        {
            const char *rbk = json_string_value(json_object_get(mp, "rollback"));
            json_object_set_new(mp, "has_rollback", json_boolean(rbk && *rbk));
        }
    }
    return 0;
}

/* ---- closure ---- */

static int build_closure_plan(vctx *v, const json_t *data, const json_t *baseline, json_t *m,
                              plan *p, plan *b);

static int build_closure(vctx *v, const json_t *data, const json_t *baseline, json_t *m, plan *p)
{
    int error;
    plan b;
    memset(&b, 0, sizeof(b));
    error = build_closure_plan(v, data, baseline, m, p, &b);
    plan_free(&b);
    return error;
}

/* Change orders of a closure: each with its signed amount; approved ones (status "approved", the
 * default) add up to *sum. */
static int closure_change_orders(vctx *v, const json_t *cl, json_t *m, og_dec *sum)
{
    static const char *const co_req[] = {"number", "description", NULL};
    static const char *const co_opt[] = {"status", NULL};
    json_t *cos, *co;
    const json_t *src;
    size_t k;
    int error;
    *sum = 0;
    if ((error = obj_list(cl, "closure", "change_orders", 0, co_req, co_opt, m, "change_orders")) <
        0)
        return error;
    cos = json_object_get(m, "change_orders");
    src = json_object_get(cl, "change_orders");
    json_array_foreach(cos, k, co)
    {
        char path[PATH_MAX_LEN];
        og_dec amt = 0;
        const char *st = json_string_value(json_object_get(co, "status"));
        int approved = !st || !*st || strcasecmp(st, "approved") == 0;
        snprintf(path, sizeof(path), "closure.change_orders[%zu]", k);
        if ((error = get_dec(json_array_get(src, k), path, "amount", 1, &amt)) < 0)
            return error;
        if (!st || !*st)
            json_object_set_new(co, "status", json_string("approved"));
        json_object_set_new(co, "amount", signed_money(v, amt));
        json_object_set_new(co, "approved", json_boolean(approved));
        if (approved && (error = og_dec_add(*sum, amt, sum)) < 0)
            return error;
    }
    return 0;
}

static int build_closure_plan(vctx *v, const json_t *data, const json_t *baseline, json_t *m,
                              plan *p, plan *b)
{
    int error;
    const json_t *cl, *act, *x, *dels;
    const char *date, *synopsis, *astart, *aend, *sponsor;
    size_t i;
    og_dec ah_sum = 0, aa_sum = 0, vh, va, co_sum = 0, original = 0, original_hours = 0;
    json_t *rows, *mdel;
    static const char *const obj_req[] = {"objective", "status", NULL};
    static const char *const obj_opt[] = {"comment", NULL};
    static const char *const open_req[] = {"item", "owner", NULL};
    static const char *const open_opt[] = {"due", NULL};

    if ((error = build_plan(v, data, "", p, m)) < 0)
        return error;
    /* the SOW as sold (closure.baseline): its total is the original budget */
    if (baseline) {
        const char *bcur = json_string_value(json_object_get(baseline, "currency"));
        const char *bname =
            json_string_value(json_object_get(json_object_get(data, "closure"), "baseline"));
        if (!bcur || strcmp(bcur, v->currency) != 0)
            return og_error_set(OG_EINVAL, "currency: '%s' differs from the baseline '%s' ('%s')",
                                v->currency, bname ? bname : "", bcur ? bcur : "");
        if ((error = build_plan(v, baseline, "", b, NULL)) < 0)
            return og_error_wrap("baseline %s", bname ? bname : "");
    }
    if ((error = get_obj(data, "", "closure", 1, &cl)) < 0 ||
        (error = get_date(cl, "closure", "date", 1, &date)) < 0 ||
        (error = get_str(cl, "closure", "synopsis", 1, &synopsis)) < 0 ||
        (error = get_date(cl, "closure", "actual_start", 0, &astart)) < 0 ||
        (error = get_date(cl, "closure", "actual_end", 1, &aend)) < 0 ||
        (error = get_str(cl, "closure", "sponsor_comments", 0, &sponsor)) < 0 ||
        (error = get_obj(cl, "closure", "actual_hours", 1, &act)) < 0)
        return error;

    /* budget against actual, task by task: actual cost = actual hours x the task's rate */
    rows = json_array();
    json_object_set_new(m, "actuals", rows);
    for (i = 0; i < p->ntasks; i++) {
        const task_info *t = &p->tasks[i];
        char f[PATH_MAX_LEN];
        og_dec ah, aa, dh, dam;
        snprintf(f, sizeof(f), "closure.actual_hours.%s", t->id);
        if ((error = og_dec_from_json(json_object_get(act, t->id), f, &ah)) < 0)
            return error;
        if (ah < 0)
            return og_error_set(OG_EINVAL, "%s: must not be negative", f);
        if ((error = og_dec_mul(ah, t->rate, &aa)) < 0)
            return error;
        aa = og_dec_round(aa, v->digits);
        if ((error = og_dec_add(ah_sum, ah, &ah_sum)) < 0 ||
            (error = og_dec_add(aa_sum, aa, &aa_sum)) < 0 ||
            (error = og_dec_sub(ah, t->hours, &dh)) < 0 ||
            (error = og_dec_sub(aa, t->amount, &dam)) < 0)
            return error;
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", t->id, "name", t->name,
                      "phase", t->phase, "budget_hours", hours(t->hours), "actual_hours", hours(ah),
                      "hours_variance", signed_hours(dh), "budget_amount", money(v, t->amount),
                      "actual_amount", money(v, aa), "amount_variance", signed_money(v, dam)));
    }
    {
        const char *k;
        const json_t *val;
        json_object_foreach((json_t *)act, k, val)
        {
            (void)val;
            if (find_task(p, k))
                continue;
            if (find_task(b, k))
                return og_error_set(OG_EINVAL,
                                    "closure.actual_hours.%s: task %s is not in the plan (a change "
                                    "order removed it); remove its hours",
                                    k, k);
            return og_error_set(OG_EINVAL, "closure.actual_hours.%s: no task with that id", k);
        }
    }
    /* the budget: the original SOW plus the approved change orders, which is the plan the
     * actuals are measured against (the data's phases, after the change orders) */
    if ((error = closure_change_orders(v, cl, m, &co_sum)) < 0 ||
        (error = og_dec_sub(ah_sum, p->hours, &vh)) < 0 ||
        (error = og_dec_sub(aa_sum, p->amount, &va)) < 0)
        return error;
    if (baseline) {
        og_dec expect;
        if ((error = og_dec_add(b->amount, co_sum, &expect)) < 0)
            return error;
        if (expect != p->amount) {
            char s1[OG_DEC_STR_MAX], s2[OG_DEC_STR_MAX + 1], s3[OG_DEC_STR_MAX], s4[OG_DEC_STR_MAX];
            og_dec_format(b->amount, v->digits, 1, s1);
            og_dec_format(co_sum, v->digits, 1, s2 + 1);
            s2[0] = '+';
            og_dec_format(expect, v->digits, 1, s3);
            og_dec_format(p->amount, v->digits, 1, s4);
            return og_error_set(OG_EINVAL,
                                "closure.change_orders: the baseline SOW's %s plus the approved "
                                "change orders' %s is %s, but the plan (phases) adds up to %s: "
                                "list every approved change order with its amount",
                                s1, co_sum < 0 ? s2 + 1 : s2, s3, s4);
        }
        original = b->amount;
        original_hours = b->hours;
    } else if ((error = og_dec_sub(p->amount, co_sum, &original)) < 0) {
        return error;
    }
    {
        og_dec pct = 0;
        char pcts[OG_DEC_STR_MAX + 2];
        if (p->amount != 0) {
            if ((error = og_dec_mul(va, 100 * OG_DEC_SCALE, &pct)) < 0 ||
                (error = og_dec_div(pct, p->amount, &pct)) < 0)
                return error;
        }
        og_dec_format(pct, 1, 0, pcts + 1);
        pcts[0] = '+';
        json_t *bud =
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:b}", "budget_hours", hours(p->hours),
                      "actual_hours", hours(ah_sum), "hours_variance", signed_hours(vh),
                      "budget_amount", money(v, p->amount), "actual_amount", money(v, aa_sum),
                      "amount_variance", signed_money(v, va), "amount_variance_percent",
                      pct > 0 ? pcts : pcts + 1, "over_budget", va > 0);
        json_object_set_new(bud, "original_amount", money(v, original));
        json_object_set_new(bud, "original_hours",
                            baseline ? hours(original_hours) : json_string(""));
        json_object_set_new(bud, "change_orders_amount", signed_money(v, co_sum));
        json_object_set_new(bud, "revised_amount", money(v, p->amount));
        json_object_set_new(bud, "revised_hours", hours(p->hours));
        json_object_set_new(bud, "has_baseline", json_boolean(baseline != NULL));
        json_object_set_new(m, "budget", bud);
    }
    {
        int64_t days = 0;
        const char *pend = p->end ? p->end : "";
        const char *oend = baseline && b->end ? b->end : "";
        if (*pend && (error = og_docgen__days_between(pend, aend, "closure.actual_end", &days)) < 0)
            return error;
        json_t *sch = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:b}", "baseline_start",
                                p->start ? p->start : "", "baseline_end", pend, "actual_start",
                                astart, "actual_end", aend, "variance_days", (json_int_t)days,
                                "variance_text", days_text(days), "late", days > 0);
        json_object_set_new(sch, "planned_start", json_string(p->start ? p->start : ""));
        json_object_set_new(sch, "planned_end", json_string(pend));
        json_object_set_new(sch, "original_start",
                            json_string(baseline && b->start ? b->start : ""));
        json_object_set_new(sch, "original_end", json_string(oend));
        json_object_set_new(sch, "has_original", json_boolean(*oend != 0));
        json_object_set_new(sch, "changed", json_boolean(*oend && strcmp(oend, pend) != 0));
        json_object_set_new(m, "schedule", sch);
    }
    json_object_set_new(m, "closure",
                        json_pack("{s:s, s:s, s:s}", "date", date, "synopsis", synopsis,
                                  "sponsor_comments", sponsor));

    /* deliverables and their acceptance: the plan's list, status from closure.deliverables */
    if ((error = get_arr(data, "", "deliverables", 1, &dels)) < 0)
        return error;
    mdel = json_array();
    json_object_set_new(m, "deliverables", mdel);
    {
        const json_t *acc = NULL;
        if ((error = get_obj(cl, "closure", "deliverables", 1, &acc)) < 0)
            return error;
        json_array_foreach(dels, i, x)
        {
            char path[PATH_MAX_LEN], apath[PATH_MAX_LEN];
            const char *id, *name, *status, *on;
            const json_t *a;
            snprintf(path, sizeof(path), "deliverables[%zu]", i);
            if (!json_is_object(x))
                return og_error_set(OG_EINVAL, "%s: expected an object", path);
            if ((error = get_str(x, path, "id", 1, &id)) < 0 ||
                (error = get_str(x, path, "name", 1, &name)) < 0)
                return error;
            snprintf(apath, sizeof(apath), "closure.deliverables.%s", id);
            a = json_object_get(acc, id);
            if (!a)
                return og_error_set(OG_EINVAL, "%s: missing (status of deliverable %s)", apath, id);
            if (!json_is_object(a))
                return og_error_set(OG_EINVAL, "%s: expected an object", apath);
            if ((error = get_str(a, apath, "status", 1, &status)) < 0 ||
                (error = get_date(a, apath, "accepted_on", 0, &on)) < 0)
                return error;
            json_array_append_new(mdel, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", id, "name",
                                                  name, "status", status, "accepted_on", on,
                                                  "accepted", strcmp(status, "accepted") == 0));
        }
    }
    if ((error = obj_list(cl, "closure", "objectives", 1, obj_req, obj_opt, m, "objectives")) < 0 ||
        (error = obj_list(cl, "closure", "open_items", 0, open_req, open_opt, m, "open_items")) <
            0 ||
        (error = str_list(cl, "closure", "handover", m, "handover")) < 0 ||
        (error = str_list(cl, "closure", "lessons", m, "lessons")) < 0 ||
        (error = str_list(cl, "closure", "risks", m, "risks")) < 0)
        return error;
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
    if ((error = get_str(sec, section[kind], "number", kind <= OG_DOC_CHANGE_ORDER, &number)) < 0 ||
        (error = get_date(sec, section[kind], "date", kind != OG_DOC_RUNBOOK, &date)) < 0 ||
        (error = get_str(sec, section[kind], "revision", 0, &rev)) < 0)
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

int og_docgen_model_branded(json_t **out, og_doc_kind kind, const json_t *data,
                            const json_t *baseline, const og_docgen_brand *brand)
{
    int error = -1;
    vctx v;
    plan p;
    json_t *m = json_object();
    memset(&v, 0, sizeof(v));
    memset(&p, 0, sizeof(p));
    *out = NULL;
    if (!m)
        return og_error_set(OG_ERROR, "out of memory");
    if (json_is_object(data)) {
        /* the whole data, as compact JSON (no escaping of non-ASCII): bounds every field and
         * list together, including fields no template reads */
        size_t size = json_dumpb(data, NULL, 0, JSON_COMPACT);
        if (size > OG_DOCGEN_DATA_MAX) {
            error = og_error_set(OG_EINVAL,
                                 "project data: %zu bytes (compact JSON), over the limit of %d",
                                 size, OG_DOCGEN_DATA_MAX);
            goto cleanup;
        }
    }
    if ((unsigned)kind > OG_DOC_CLOSURE) {
        error = og_error_set(OG_EINVAL, "unknown document kind %d", (int)kind);
        goto cleanup;
    }
    json_object_set_new(m, "kind", json_string(og_doc_kind_name(kind)));
    /* a runbook is an operating document: nobody signs it */
    if ((error = build_common(&v, data, m, titles[kind], kind != OG_DOC_RUNBOOK, brand)) < 0)
        goto cleanup;
    switch (kind) {
    case OG_DOC_SOW:
        error = build_sow(&v, data, m, &p);
        break;
    case OG_DOC_CHANGE_ORDER:
        error = build_change_order(&v, data, baseline, m, &p);
        break;
    case OG_DOC_RUNBOOK:
        error = build_runbook(&v, data, m);
        break;
    case OG_DOC_CLOSURE:
        error = build_closure(&v, data, baseline, m, &p);
        break;
    }
    if (error < 0 || (error = doc_identity(kind, data, m)) < 0)
        goto cleanup;
    md_escape_all(m, 0);
    *out = m;
    m = NULL;
    error = 0;
cleanup:
    plan_free(&p);
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
