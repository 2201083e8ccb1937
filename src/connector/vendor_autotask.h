/* vendor_autotask.h - what the Autotask adaptor's two files share (vendor_autotask.c: auth,
 * zone, queries, push; vendor_autotask_map.c: the project pull and its mapping). Private to
 * them. */
#ifndef OPSGATE_VENDOR_AUTOTASK_H
#define OPSGATE_VENDOR_AUTOTASK_H

#include "connector_internal.h"

/* The adaptor's state for one operation (og_conn.vendor_state). */
typedef struct at_state {
    int zone_done;         /* the zone lookup ran: c->base_url is the zone's URL */
    char zone[64];         /* the zone's name */
    json_t *company_names; /* company id -> name, fetched once per operation */
} at_state;

at_state *at_state_of(og_conn *c); /* NULL when out of memory */
const char *at_name(const og_conn *c);
/* The zone lookup, once per operation (a no-op after the first call). */
int at_ready(og_conn *c);

/* Whether the zone lookup's url may become this operation's base URL (its host into host);
 * OG_EDENIED for a host that is neither the configured one nor below options.zone_hosts
 * (default ".autotask.net"), OG_ERROR for another scheme, a query, credentials. */
int at_zone_url_check(og_conn *c, const char *url, char *host, size_t host_size);
/* og_conn_get_json of path_or_url without the response (its errors name the connector). */
int at_get(og_conn *c, const char *path_or_url, json_t **out);

/* {"filter": filter (stolen), "MaxRecords": max_records (when > 0)}; NULL when out of memory. */
json_t *at_query(json_t *filter, int64_t max_records);
/* "/V1.0/<entity>/query?search=<query as JSON, percent-encoded>". Caller frees. */
char *at_search_path(const char *entity, json_t *query);
/* options.page_size clamped to 1..500 (Autotask's largest page). */
int at_page_size(og_conn *c);
typedef int (*at_item_fn)(og_conn *c, json_t *item, void *arg);
/* Every item of a query (path) over all its pages. */
int at_each(og_conn *c, const char *path, at_item_fn fn, void *arg);

/* A positive integer id (or a string of digits) as text; -1 when v is none. */
int at_id_text(const json_t *v, char *out, size_t size);
/* 1 when s is 1..19 ASCII digits. */
int at_digits(const char *s);
/* The string value of v or "" (never NULL). */
const char *at_str(const json_t *v);
/* A copy of s of at most max bytes, cut on a UTF-8 boundary. Caller frees. */
char *at_cut(const char *s, size_t max);

/* A JSON number as a decimal string with at most 4 decimals (vendor_autotask_map.c has the
 * rounding); *n (may be NULL) the value in ten-thousandths. 1 when v is no usable number. */
int at_decimal(const json_t *v, char *out, size_t size, long long *n);
/* An Autotask date-time as RFC 3339 UTC ("" when it is none). */
void at_stamp(const json_t *v, char *out, size_t size);

/* The pure mapping of one project (vendor_autotask_map.c; fuzzed by fuzz_autotask_map): p the
 * Projects record, phases and tasks its Phases and Tasks records (arrays, sorted by id in place;
 * may be NULL), cname its company's name ("" when unknown). Builds og_conn_project (raw and data
 * as in connector_internal.h, c->options' status_labels and closed_statuses applied) and returns
 * fn's result; 0 without calling fn when p is no project record; OG_ERROR when out of memory. */
int at_map_project(og_conn *c, const json_t *p, json_t *phases, json_t *tasks, const char *cname,
                   og_conn_project_fn fn, void *arg);

int at_projects(og_conn *c, const char *since, og_conn_project_fn fn, void *arg);
int at_project(og_conn *c, const char *remote_id, og_conn_project_fn fn, void *arg);

#endif
