/* vendor_connectwise_map.c - ConnectWise records into opsgate project data: a project with its
 * phases and project tickets, numbers as decimal strings, dates as YYYY-MM-DD; the raw records
 * are kept in the same order as the data (docs/connectors/connectwise.md has the table). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connector_internal.h"
#include "opsgate/error.h"
#include "vendor_connectwise.h"

/* ---- numbers, dates, times ---- */

/* A JSON number as a decimal string with at most 4 decimals (NULL for anything else). Values
 * come as binary doubles: printing with 4 decimals and dropping trailing zeros gives back the
 * vendor's text for every value of up to 15 significant digits ("7.5" stays "7.5"). */
static json_t *cw_dec(const json_t *v)
{
    char buf[64];
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= 100000000000LL || i <= -100000000000LL) /* as for reals: no such amount */
            return NULL;
        return json_sprintf("%" JSON_INTEGER_FORMAT, i);
    }
    if (!json_is_real(v))
        return NULL;
    double d = json_real_value(v);
    if (!isfinite(d) || fabs(d) >= 1e11)
        return NULL;
    snprintf(buf, sizeof(buf), "%.4f", d);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    return json_string(strcmp(buf, "-0") == 0 ? "0" : buf);
}

static void put_dec(json_t *o, const char *key, const json_t *v)
{
    json_t *d = cw_dec(v);
    if (d)
        json_object_set_new(o, key, d);
}

/* "2026-01-05T00:00:00Z" -> "2026-01-05" (a real date), else NULL. */
static json_t *cw_date(const json_t *v)
{
    const char *s = json_string_value(v);
    char d[11];
    int64_t us;
    if (!s || strlen(s) < 10)
        return NULL;
    memcpy(d, s, 10);
    d[10] = '\0';
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? d[i] != '-' : !isdigit((unsigned char)d[i]))
            return NULL;
    if (og_time_parse(d, &us) < 0)
        return NULL;
    return json_string(d);
}

static void put_date(json_t *o, const char *key, const json_t *v)
{
    json_t *d = cw_date(v);
    if (d)
        json_object_set_new(o, key, d);
}

static const char *ref_name(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(o, key), "name"));
    return s && *s ? s : NULL;
}

/* One task out of a project ticket; rate: the phase's hourlyRate when it has one. */
static json_t *map_task(const json_t *t, const json_t *phase)
{
    char id[32];
    if (og_conn__cw_id_text(json_object_get(t, "id"), id, sizeof(id)) < 0)
        return NULL;
    const char *name = json_string_value(json_object_get(t, "summary"));
    json_t *o = json_pack("{s:s+, s:s}", "id", "ticket-", id, "name", name ? name : "");
    if (!o)
        return NULL;
    put_dec(o, "hours", json_object_get(t, "budgetHours"));
    put_dec(o, "actual_hours", json_object_get(t, "actualHours"));
    put_dec(o, "rate", json_object_get(phase, "hourlyRate"));
    if (ref_name(t, "workRole"))
        json_object_set_new(o, "role", json_string(ref_name(t, "workRole")));
    return o;
}

/* A task into the data's phase and its ticket into the raw phase, so that both lists keep the
 * same positions (the mapping's [] pairs them by position). */
static int add_task(json_t *phase, json_t *raw_phase, json_t *t, const json_t *vendor_phase)
{
    json_t *task = map_task(t, vendor_phase);
    if (!task)
        return 0;
    if (json_array_append_new(json_object_get(phase, "tasks"), task) < 0 ||
        json_array_append(json_object_get(raw_phase, "tasks"), t) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* phases[] of the project data, each phase with its tickets (by phase.id) as tasks; *raw_out
 * the vendor's phases in the same order, each with "tasks": its tickets. Tickets of a phase the
 * project does not list go to a last phase "phase-none" (raw: {"id": null, "tasks": [...]}). */
static json_t *map_phases(const json_t *phases, const json_t *tickets, json_t **raw_out)
{
    json_t *out = json_array(), *raw = json_array(), *ph, *t, *none = NULL, *raw_none = NULL;
    size_t i, j;
    char id[32], tid[32];
    *raw_out = NULL;
    if (!out || !raw)
        goto oom;
    json_array_foreach(phases, i, ph)
    {
        if (og_conn__cw_id_text(json_object_get(ph, "id"), id, sizeof(id)) < 0)
            continue;
        const char *name = json_string_value(json_object_get(ph, "description"));
        json_t *o =
            json_pack("{s:s+, s:s, s:[]}", "id", "phase-", id, "name", name ? name : "", "tasks");
        json_t *r = json_copy((json_t *)ph);
        if (!o || json_array_append_new(out, o) < 0 || !r || json_array_append_new(raw, r) < 0 ||
            json_object_set_new(r, "tasks", json_array()) < 0)
            goto oom;
        json_t *start = json_object_get(ph, "scheduledStart"), *end;
        put_date(o, "start", json_is_string(start) ? start : json_object_get(ph, "startDate"));
        end = json_object_get(ph, "scheduledEnd");
        put_date(o, "end", json_is_string(end) ? end : json_object_get(ph, "endDate"));
        json_array_foreach(tickets, j, t)
        {
            if (og_conn__cw_id_text(json_object_get(json_object_get(t, "phase"), "id"), tid,
                                    sizeof(tid)) == 0 &&
                strcmp(tid, id) == 0 && add_task(o, r, t, ph) < 0)
                goto oom;
        }
    }
    json_array_foreach(tickets, j, t)
    {
        int found = 0;
        og_conn__cw_id_text(json_object_get(json_object_get(t, "phase"), "id"), tid, sizeof(tid));
        json_array_foreach(phases, i, ph)
        {
            if (og_conn__cw_id_text(json_object_get(ph, "id"), id, sizeof(id)) == 0 &&
                strcmp(tid, id) == 0)
                found = 1;
        }
        if (found)
            continue;
        if (!none) {
            none = json_pack("{s:s, s:s, s:[]}", "id", "phase-none", "name", "Unphased", "tasks");
            raw_none = json_pack("{s:n, s:s, s:[]}", "id", "description", "Unphased", "tasks");
            if (!none || json_array_append_new(out, none) < 0 || !raw_none ||
                json_array_append_new(raw, raw_none) < 0)
                goto oom;
        }
        if (add_task(none, raw_none, t, NULL) < 0)
            goto oom;
    }
    *raw_out = raw;
    return out;
oom:
    json_decref(out);
    json_decref(raw);
    return NULL;
}

/* contacts[] of the project data; *raw_out the vendor's references in the same order. */
static json_t *map_contacts(const json_t *p, json_t **raw_out)
{
    static const struct {
        const char *field, *side, *role;
    } roles[] = {{"contact", "client", "Project contact"},
                 {"billToContact", "client", "Billing contact"},
                 {"manager", "provider", "Project manager"}};
    json_t *a = json_array(), *raw = json_array();
    for (size_t i = 0; a && raw && i < sizeof(roles) / sizeof(roles[0]); i++) {
        const char *name = ref_name(p, roles[i].field);
        if (!name || (i == 1 && og_streq(name, ref_name(p, "contact"))))
            continue;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", name, "side", roles[i].side,
                                           "role", roles[i].role));
        json_array_append(raw, json_object_get(p, roles[i].field));
    }
    *raw_out = raw;
    return a;
}

int og_conn__cw_closed(const json_t *p)
{
    const char *s = ref_name(p, "status");
    if (json_is_true(json_object_get(p, "closedFlag")))
        return 1;
    return s && (strcasestr(s, "closed") || strcasestr(s, "complete") || strcasestr(s, "cancel"));
}

int og_conn__cw_map(const json_t *p, const json_t *phases, const json_t *tickets, const char *id,
                    const char *co, const char *upd, json_t **raw_out, json_t **data_out)
{
    int error = 0;
    json_t *raw = NULL, *data = NULL, *psa = NULL, *proj = NULL;
    const json_t *company = json_object_get(p, "company");
    *raw_out = *data_out = NULL;
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *status = ref_name(p, "status");
    json_t *raw_phases = NULL, *raw_contacts = NULL;
    json_t *d_phases = map_phases(phases, tickets, &raw_phases);
    json_t *d_contacts = map_contacts(p, &raw_contacts);
    raw = json_pack("{s:O, s:o, s:O, s:o}", "project", p, "phases", raw_phases, "company",
                    company ? company : json_null(), "contacts", raw_contacts);
    proj = json_pack("{s:s}", "name", name ? name : "");
    psa = json_pack("{s:s, s:s, s:s}", "remote_id", id, "company_id", co, "status",
                    status ? status : "");
    data = json_pack("{s:O, s:{s:s}, s:o, s:o}", "project", proj, "client", "name",
                     ref_name(p, "company") ? ref_name(p, "company") : "", "phases", d_phases,
                     "contacts", d_contacts);
    if (!raw || !proj || !psa || !data) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (ref_name(p, "manager"))
        json_object_set_new(proj, "manager", json_string(ref_name(p, "manager")));
    put_dec(psa, "budget_hours", json_object_get(p, "budgetHours"));
    put_dec(psa, "actual_hours", json_object_get(p, "actualHours"));
    json_t *amount = json_object_get(p, "billingAmount");
    put_dec(psa, "budget_amount",
            json_is_number(amount) && json_number_value(amount) != 0
                ? amount
                : json_object_get(p, "estimatedTimeRevenue"));
    put_date(psa, "start", json_object_get(p, "estimatedStart"));
    put_date(psa, "end", json_object_get(p, "estimatedEnd"));
    json_object_set_new(psa, "updated_at", json_string(upd));
    json_object_set(data, "psa", psa);
    *raw_out = raw;
    *data_out = data;
    raw = data = NULL;
cleanup:
    json_decref(raw);
    json_decref(data);
    json_decref(psa);
    json_decref(proj);
    return error;
}
