/* conn_oracle.h - what must hold for every project a PSA adaptor maps and every device an RMM
 * adaptor maps, whatever the vendor sent (docs/project-data.md, connector_internal.h): shared by
 * the connector fuzz targets. Header only. */
#ifndef OPSGATE_FUZZ_CONN_ORACLE_H
#define OPSGATE_FUZZ_CONN_ORACLE_H

#include "connector/connector_internal.h"
#include "fuzz_util.h"
#include "opsgate/docgen.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <string.h>

/* Characters (code points) of a UTF-8 string. */
static inline size_t conn_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* o.key, when present, is a decimal string og_dec_parse takes (hours, rates, money). */
static inline void conn_check_decimal(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    og_dec d;
    if (!v)
        return;
    if (!json_is_string(v))
        FUZZ_FAIL("%s is not a decimal string", key);
    if (og_dec_parse(json_string_value(v), &d) < 0)
        FUZZ_FAIL("%s '%s' is not a decimal og_dec_parse takes: %s", key, json_string_value(v),
                  og_error_last());
}

/* s starts with n digits; their value into *v. */
static inline int conn_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* s starts with a date YYYY-MM-DD that exists (checked here, not with the library's parser the
 * adaptors use). */
static inline int conn_date_ok(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (strlen(s) < 10 || !conn_digits(s, 4, &y) || s[4] != '-' || !conn_digits(s + 5, 2, &m) ||
        s[7] != '-' || !conn_digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* s is YYYY-MM-DDTHH:MM:SS[.fraction]Z with a date that exists. */
static inline int conn_stamp_ok(const char *s)
{
    int h, mi, sec;
    if (!conn_date_ok(s) || strlen(s) < 20 || s[10] != 'T' || !conn_digits(s + 11, 2, &h) ||
        s[13] != ':' || !conn_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !conn_digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
        return 0;
    s += 19;
    if (*s == '.' && s[1] >= '0' && s[1] <= '9')
        s += 1 + strspn(s + 1, "0123456789");
    return strcmp(s, "Z") == 0;
}

/* o.key, when present, is a date YYYY-MM-DD that exists (project data refuses 2026-02-30). */
static inline void conn_check_date(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    const char *s = json_string_value(v);
    if (!v)
        return;
    if (!s || strlen(s) != 10 || !conn_date_ok(s))
        FUZZ_FAIL("%s '%s' is not a date YYYY-MM-DD", key, s ? s : "(not a string)");
}

/* o.key is a string (required) of at most OG_DOCGEN_NAME_MAX characters, the project data's
 * limit for names, ids, statuses and dates. */
static inline void conn_check_name(const json_t *o, const char *key, int required)
{
    const json_t *v = json_object_get(o, key);
    if (!v && !required)
        return;
    if (!json_is_string(v))
        FUZZ_FAIL("%s is not a string", key);
    if (conn_chars(json_string_value(v)) > OG_DOCGEN_NAME_MAX)
        FUZZ_FAIL("%s has %zu characters, over project data's limit of %d", key,
                  conn_chars(json_string_value(v)), OG_DOCGEN_NAME_MAX);
}

/* An RFC 3339 UTC stamp (YYYY-MM-DDTHH:MM:SS[.f]Z, a real date), or "". */
static inline void conn_check_stamp(const char *what, const char *s)
{
    FUZZ_ASSERT(s != NULL);
    if (*s && !conn_stamp_ok(s))
        FUZZ_FAIL("%s '%s' is not an RFC 3339 UTC stamp", what, s);
}

/* A mapped project (og_conn_project): data {project {name, key?}, client {name}, phases[] {id,
 * name, start?, end?, tasks[] {id, name, hours?, actual_hours?, rate?}}, contacts[], psa {...}}
 * with unique phase ids, task ids unique across phases, names within limits, hours and money
 * decimal, dates real YYYY-MM-DD dates; psa.remote_id the record's id; raw an object holding the
 * project record. */
static inline void conn_check_project(const og_conn_project *p)
{
    const json_t *d = p->data, *ph, *t;
    size_t i, k;
    FUZZ_ASSERT(p->remote_id && *p->remote_id && p->company_id && p->company_name);
    FUZZ_ASSERT(p->closed == 0 || p->closed == 1);
    conn_check_stamp("updated_at", p->updated_at);
    FUZZ_ASSERT(json_is_object(p->raw) && json_is_object(json_object_get(p->raw, "project")));
    FUZZ_ASSERT(json_is_object(d));
    FUZZ_ASSERT(json_is_object(json_object_get(d, "project")));
    conn_check_name(json_object_get(d, "project"), "name", 1);
    conn_check_name(json_object_get(d, "project"), "key", 0);
    conn_check_name(json_object_get(d, "project"), "manager", 0);
    conn_check_name(json_object_get(d, "client"), "name", 1);
    json_t *phase_ids = json_object(), *task_ids = json_object();
    FUZZ_ASSERT(json_is_array(json_object_get(d, "phases")));
    json_array_foreach(json_object_get(d, "phases"), i, ph)
    {
        FUZZ_ASSERT(json_is_object(ph));
        conn_check_name(ph, "id", 1);
        conn_check_name(ph, "name", 1);
        const char *id = json_string_value(json_object_get(ph, "id"));
        if (json_object_get(phase_ids, id))
            FUZZ_FAIL("phase id '%s' twice", id);
        json_object_set_new(phase_ids, id, json_true());
        conn_check_date(ph, "start");
        conn_check_date(ph, "end");
        FUZZ_ASSERT(json_is_array(json_object_get(ph, "tasks")));
        json_array_foreach(json_object_get(ph, "tasks"), k, t)
        {
            FUZZ_ASSERT(json_is_object(t));
            conn_check_name(t, "id", 1);
            conn_check_name(t, "name", 1);
            const char *tid = json_string_value(json_object_get(t, "id"));
            if (json_object_get(task_ids, tid))
                FUZZ_FAIL("task id '%s' twice (task ids are unique across phases)", tid);
            json_object_set_new(task_ids, tid, json_true());
            conn_check_decimal(t, "hours");
            conn_check_decimal(t, "actual_hours");
            conn_check_decimal(t, "rate");
        }
    }
    json_decref(phase_ids);
    json_decref(task_ids);
    const json_t *c;
    json_array_foreach(json_object_get(d, "contacts"), i, c)
    {
        conn_check_name(c, "name", 1);
        conn_check_name(c, "email", 0);
    }
    const json_t *psa = json_object_get(d, "psa");
    FUZZ_ASSERT(json_is_object(psa));
    FUZZ_ASSERT(json_is_string(json_object_get(psa, "remote_id")));
    FUZZ_ASSERT(strcmp(json_string_value(json_object_get(psa, "remote_id")), p->remote_id) == 0);
    conn_check_name(psa, "status", 0);
    conn_check_decimal(psa, "budget_hours");
    conn_check_decimal(psa, "actual_hours");
    conn_check_decimal(psa, "budget_amount");
    conn_check_date(psa, "start");
    conn_check_date(psa, "end");
}

/* An IPv4 or IPv6 address in text form (checked here, not with the adaptors' own helper). */
static inline int conn_is_ip(const char *s)
{
    unsigned char b[16];
    return s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

/* A host name fit for a scan target: 1..253 of letters, digits, '-', '_', '.'. */
static inline int conn_host_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 253 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* An og_conn_device: a remote id, a known class, addresses that are IP addresses (at most once
 * each), a name fit for a scan target or "", an RFC 3339 UTC stamp or "". */
static inline void conn_check_device(const og_conn_device *d)
{
    static const char *const classes[] = {"server", "workstation", "network", "other", NULL};
    int known = 0;
    FUZZ_ASSERT(d->remote_id && *d->remote_id && d->company_id && d->name && d->updated_at);
    FUZZ_ASSERT(d->raw != NULL);
    for (int i = 0; d->device_class && classes[i]; i++)
        known |= strcmp(d->device_class, classes[i]) == 0;
    if (!known)
        FUZZ_FAIL("device class '%s'", d->device_class ? d->device_class : "(null)");
    if (*d->name && !conn_host_ok(d->name))
        FUZZ_FAIL("device name '%s' is not fit for a scan target", d->name);
    FUZZ_ASSERT(d->deleted == 0 || d->deleted == 1);
    FUZZ_ASSERT(d->offline == 0 || d->offline == 1);
    conn_check_stamp("updated_at", d->updated_at);
    for (size_t i = 0; i < d->naddresses; i++) {
        if (!conn_is_ip(d->addresses[i]))
            FUZZ_FAIL("address '%s' is not an IP address", d->addresses[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->addresses[i], d->addresses[j]) == 0)
                FUZZ_FAIL("address '%s' twice", d->addresses[i]);
    }
}

#endif
