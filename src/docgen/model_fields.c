/* model_fields.c - reading project data fields with their limits, dates, and amounts as text. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_ITEMS OG_DOCGEN_ITEMS_MAX /* bound on every list in project data */

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

/* OG_EINVAL "path.key: <message>" (no '.' when path is ""). */
static int field_fail(const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int field_fail(const char *path, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return og_error_set(OG_EINVAL, "%s%s%s: %s", path, *path ? "." : "", key, msg);
}

int og_docgen__check_len(const json_t *v, size_t max, const char *path, const char *key, long index)
{
    size_t n = chars_of(v);
    if (n <= max)
        return 0;
    if (index >= 0)
        return og_error_set(OG_EINVAL, "%s%s%s[%ld]: %zu characters, over the limit of %zu", path,
                            *path ? "." : "", key, index, n, max);
    return field_fail(path, key, "%zu characters, over the limit of %zu", n, max);
}

int og_docgen__need_object(const json_t *v, const char *path)
{
    if (!json_is_object(v))
        return og_error_set(OG_EINVAL, "%s: expected an object", path);
    return 0;
}

/* obj.key when it is present and not null (1); else 0, or "missing" when required. */
static int member(const json_t *obj, const char *path, const char *key, int required,
                  const json_t **v)
{
    *v = json_object_get(obj, key);
    if (*v && !json_is_null(*v))
        return 1;
    *v = NULL;
    return required ? field_fail(path, key, "missing") : 0;
}

/* obj.key when present, not null and of JSON type `type` (1); absent (0, or "missing" when
 * required); else OG_EINVAL "expected <what>". */
static int typed(const json_t *obj, const char *path, const char *key, int required, json_type type,
                 const char *what, const json_t **v)
{
    int found = member(obj, path, key, required, v);
    if (found > 0 && json_typeof(*v) != type) {
        *v = NULL;
        return field_fail(path, key, "expected %s", what);
    }
    return found;
}

int og_docgen__get_str(const json_t *obj, const char *path, const char *key, int required,
                       const char **out)
{
    const json_t *v;
    int found = typed(obj, path, key, required, JSON_STRING, "a string", &v);
    *out = found == 0 ? "" : NULL;
    if (found <= 0)
        return found;
    if (og_docgen__check_len(v, limit_of(key), path, key, -1) < 0)
        return OG_EINVAL;
    *out = json_string_value(v);
    if (required && !**out)
        return field_fail(path, key, "must not be empty");
    return 0;
}

int og_docgen__get_obj(const json_t *obj, const char *path, const char *key, int required,
                       const json_t **out)
{
    int found = typed(obj, path, key, required, JSON_OBJECT, "an object", out);
    return found < 0 ? found : 0;
}

int og_docgen__get_arr(const json_t *obj, const char *path, const char *key, int required,
                       const json_t **out)
{
    int found = typed(obj, path, key, required, JSON_ARRAY, "an array", out);
    size_t n = json_array_size(*out);
    if (found < 0)
        return found;
    if (n > MAX_ITEMS || (required && n == 0)) { /* present: too long, or empty when required */
        *out = NULL;
        if (n)
            return field_fail(path, key, "%zu items, over the limit of %d", n, MAX_ITEMS);
        return field_fail(path, key, "must not be empty");
    }
    return 0;
}

int og_docgen__get_dec(const json_t *obj, const char *path, const char *key, int required,
                       og_dec *out)
{
    char f[OG_DOCGEN__PATH_MAX];
    const json_t *v = json_object_get(obj, key);
    snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
    *out = 0;
    if (!v && !required)
        return 0;
    return og_dec_from_json(v, f, out);
}

int og_docgen__get_count(const json_t *obj, const char *path, const char *key, int64_t dflt,
                         int64_t *out)
{
    og_dec d;
    char f[OG_DOCGEN__PATH_MAX];
    if (!json_object_get(obj, key)) {
        *out = dflt;
        return 0;
    }
    if (og_docgen__get_dec(obj, path, key, 1, &d) < 0)
        return OG_EINVAL;
    if (d < 0 || d % OG_DEC_SCALE) {
        snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
        return og_error_set(OG_EINVAL, "%s: expected a whole number of 0 or more", f);
    }
    *out = d / OG_DEC_SCALE;
    return 0;
}

int og_docgen__get_date(const json_t *obj, const char *path, const char *key, int required,
                        const char **out)
{
    char f[OG_DOCGEN__PATH_MAX];
    int error = og_docgen__get_str(obj, path, key, required, out);
    if (error < 0 || !**out)
        return error;
    snprintf(f, sizeof(f), "%s%s%s", path, *path ? "." : "", key);
    return og_docgen__date_check(*out, f);
}

/* ---- dates ---- */

/* "YYYY-MM-DD" to days since 1970-01-01; -1 for anything else, or a day that does not exist. */
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
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    *days = (int64_t)timegm(&tm) / 86400; /* midnight UTC: a whole number of days */
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
    int error;
    if ((error = og_docgen__date_check(a, field)) < 0 ||
        (error = og_docgen__date_check(b, field)) < 0)
        return error;
    parse_date(a, &da);
    parse_date(b, &db);
    *out = db - da;
    return 0;
}

/* ---- amounts as text ---- */

/* s with a '+' before it when positive (s has room for it at s[-1]). */
static json_t *plus_if_positive(char *s, int positive)
{
    if (positive) {
        s[-1] = '+';
        return json_string(s - 1);
    }
    return json_string(s);
}

json_t *og_docgen__money(const og_docgen__vctx *v, og_dec a)
{
    char s[OG_DEC_STR_MAX];
    og_dec_format(a, v->digits, 1, s);
    return json_string(s);
}

json_t *og_docgen__signed_money(const og_docgen__vctx *v, og_dec a)
{
    char s[OG_DEC_STR_MAX + 1];
    og_dec_format(a, v->digits, 1, s + 1);
    return plus_if_positive(s + 1, a > 0);
}

json_t *og_docgen__hours(og_dec h)
{
    char s[OG_DEC_STR_MAX];
    og_dec_format_min(h, s);
    return json_string(s);
}

json_t *og_docgen__signed_hours(og_dec h)
{
    char s[OG_DEC_STR_MAX + 1];
    og_dec_format_min(h, s + 1);
    return plus_if_positive(s + 1, h > 0);
}

json_t *og_docgen__days_text(int64_t d)
{
    char s[64];
    if (d == 0)
        return json_string("Zero (0) days");
    snprintf(s, sizeof(s), "%s%lld day%s", d > 0 ? "+" : "-", (long long)(d > 0 ? d : -d),
             (d == 1 || d == -1) ? "" : "s");
    return json_string(s);
}

/* ---- lists ---- */

/* A list built: into.as = out and into.has_<as> (whether it has items) when error is 0, else
 * out is dropped. Returns error. */
static int list_end(json_t *into, const char *as, json_t *out, int error)
{
    char has[80];
    if (error < 0) {
        json_decref(out);
        return error;
    }
    json_object_set_new(into, as, out);
    snprintf(has, sizeof(has), "has_%s", as);
    json_object_set_new(into, has, json_boolean(json_array_size(out) > 0));
    return 0;
}

int og_docgen__str_list(const json_t *obj, const char *path, const char *key, json_t *into,
                        const char *as)
{
    const json_t *a, *x;
    size_t i;
    int error;
    json_t *out = json_array();
    if (!out)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_docgen__get_arr(obj, path, key, 0, &a)) < 0)
        return list_end(into, as, out, error);
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x))
            error = og_error_set(OG_EINVAL, "%s%s%s[%zu]: expected a string", path,
                                 *path ? "." : "", key, i);
        else
            error = og_docgen__check_len(x, OG_DOCGEN_TEXT_MAX, path, key, (long)i);
        if (error < 0)
            break;
        json_array_append(out, (json_t *)x);
    }
    return list_end(into, as, out, error);
}

int og_docgen__copy_fields(json_t *into, const json_t *obj, const char *path,
                           const char *const *req, const char *const *opt)
{
    const char *s;
    int error;
    for (size_t i = 0; req && req[i]; i++) {
        if ((error = og_docgen__get_str(obj, path, req[i], 1, &s)) < 0)
            return error;
        json_object_set_new(into, req[i], json_string(s));
    }
    for (size_t i = 0; opt && opt[i]; i++) {
        if ((error = og_docgen__get_str(obj, path, opt[i], 0, &s)) < 0)
            return error;
        json_object_set_new(into, opt[i], json_string(s));
    }
    return 0;
}

int og_docgen__obj_list(const json_t *data, const char *path, const char *key, int required,
                        const char *const *req, const char *const *opt, json_t *into,
                        const char *as)
{
    const json_t *a, *x;
    size_t i;
    int error;
    char p[OG_DOCGEN__PATH_MAX];
    json_t *out = json_array();
    if ((error = og_docgen__get_arr(data, path, key, required, &a)) < 0)
        return list_end(into, as, out, error);
    json_array_foreach(a, i, x)
    {
        json_t *o;
        snprintf(p, sizeof(p), "%s%s%s[%zu]", path, *path ? "." : "", key, i);
        if ((error = og_docgen__need_object(x, p)) < 0)
            break;
        o = json_object();
        json_array_append_new(out, o);
        if ((error = og_docgen__copy_fields(o, x, p, req, opt)) < 0)
            break;
        json_object_set_new(o, "n", json_integer((json_int_t)i + 1));
    }
    return list_end(into, as, out, error);
}
