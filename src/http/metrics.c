/* metrics.c - request counters and latency histograms per route pattern, in Prometheus text format.
 *
 * Every cell is a relaxed C11 atomic: observations never take a lock, and a scrape reads cells one
 * by one (a scrape racing a request may see its count but not yet its latency; Prometheus
 * tolerates that). Labels come only from the route table and a fixed status list, so cardinality
 * is bounded no matter what clients send. */
#include "http/router.h"
#include "opsgate/error.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The statuses the server produces; anything else is counted under "other". */
static const int statuses[] = {200, 201, 202, 204, 400, 401, 403, 404,
                               405, 409, 411, 413, 429, 500, 501, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds in microseconds: 1 ms .. 10 s, the range between a token check and a big export. */
static const int64_t buckets_us[] = {1000,   2500,   5000,    10000,   25000,   50000,   100000,
                                     250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKET (sizeof(buckets_us) / sizeof(buckets_us[0]) + 1) /* + the +Inf bucket */

typedef struct metrics_row {
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t bucket[NBUCKET]; /* non-cumulative; summed when rendered */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
} metrics_row;

struct og_http_metrics {
    const og_http_route *routes;
    size_t nroutes;
    atomic_int_fast64_t inflight;
    atomic_uint_fast64_t throttled;
    metrics_row rows[]; /* nroutes + 1: the last one counts unmatched requests */
};

int og_http__metrics_new(og_http_metrics **out, const og_http_route *routes, size_t nroutes)
{
    og_http_metrics *m = calloc(1, sizeof(*m) + (nroutes + 1) * sizeof(metrics_row));
    *out = NULL;
    if (!m)
        return og_error_set(OG_ERROR, "out of memory allocating metrics");
    /* calloc's zero bytes are valid zero atomics on every platform we build for. */
    m->routes = routes;
    m->nroutes = nroutes;
    *out = m;
    return 0;
}

void og_http__metrics_free(og_http_metrics *m)
{
    free(m);
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void og_http__metrics_observe(og_http_metrics *m, size_t route, int status, int64_t dur_us)
{
    if (!m)
        return;
    if (route > m->nroutes)
        route = m->nroutes;
    if (dur_us < 0)
        dur_us = 0;
    metrics_row *r = &m->rows[route];
    size_t b = 0;
    while (b < NBUCKET - 1 && dur_us > buckets_us[b])
        b++;
    atomic_fetch_add_explicit(&r->by_status[status_index(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (uint_fast64_t)dur_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

void og_http__metrics_inflight(og_http_metrics *m, int delta)
{
    if (m)
        atomic_fetch_add_explicit(&m->inflight, delta, memory_order_relaxed);
}

void og_http__metrics_throttled(og_http_metrics *m)
{
    if (m)
        atomic_fetch_add_explicit(&m->throttled, 1, memory_order_relaxed);
}

static uint64_t load(atomic_uint_fast64_t *v)
{
    return (uint64_t)atomic_load_explicit(v, memory_order_relaxed);
}

/* Route patterns are ours and never hold '"' or '\\', so they need no label escaping. */
static void row_labels(const og_http_metrics *m, size_t i, const char **route, const char **method)
{
    if (i < m->nroutes) {
        *route = m->routes[i].pattern;
        *method = m->routes[i].method;
    } else {
        *route = "unmatched";
        *method = "any";
    }
}

int og_http__metrics_render(og_http_metrics *m, og_buf *out)
{
    int error = 0;
    const char *route, *method;

#define P(...)                                                                                     \
    do {                                                                                           \
        if ((error = og_buf_printf(out, __VA_ARGS__)) < 0)                                         \
            goto cleanup;                                                                          \
    } while (0)

    P("# HELP opsgate_http_requests_total HTTP requests by route pattern, method and status.\n"
      "# TYPE opsgate_http_requests_total counter\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        row_labels(m, i, &route, &method);
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t n = load(&m->rows[i].by_status[s]);
            if (!n)
                continue;
            if (s < NSTATUS - 1)
                P("opsgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
                  route, method, statuses[s], (unsigned long long)n);
            else
                P("opsgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"other\"} %llu\n",
                  route, method, (unsigned long long)n);
        }
    }

    P("# HELP opsgate_http_request_duration_seconds Time from request headers to response sent.\n"
      "# TYPE opsgate_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        metrics_row *r = &m->rows[i];
        uint64_t count = load(&r->count);
        if (!count)
            continue;
        row_labels(m, i, &route, &method);
        uint64_t cum = 0;
        for (size_t b = 0; b < NBUCKET; b++) {
            cum += load(&r->bucket[b]);
            if (b < NBUCKET - 1)
                P("opsgate_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
                  "le=\"%g\"} %llu\n",
                  route, method, (double)buckets_us[b] / 1e6, (unsigned long long)cum);
            else
                P("opsgate_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
                  "le=\"+Inf\"} %llu\n",
                  route, method, (unsigned long long)cum);
        }
        uint64_t sum_us = load(&r->sum_us);
        P("opsgate_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %llu.%06llu\n",
          route, method, (unsigned long long)(sum_us / 1000000),
          (unsigned long long)(sum_us % 1000000));
        /* +Inf and _count must agree; the bucket sum is what this scrape actually saw. */
        P("opsgate_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n", route,
          method, (unsigned long long)cum);
    }

    P("# HELP opsgate_http_requests_in_flight Requests being handled now.\n"
      "# TYPE opsgate_http_requests_in_flight gauge\n"
      "opsgate_http_requests_in_flight %lld\n",
      (long long)atomic_load_explicit(&m->inflight, memory_order_relaxed));
    P("# HELP opsgate_http_auth_throttled_total Requests refused (429) by the failed-authentication"
      " limit.\n"
      "# TYPE opsgate_http_auth_throttled_total counter\n"
      "opsgate_http_auth_throttled_total %llu\n",
      (unsigned long long)load(&m->throttled));
#undef P
cleanup:
    return error;
}

int og_http__metrics_label_node(const og_buf *in, const char *node, og_buf *out)
{
    int error = 0;
    const char *p = in->data ? in->data : "", *end = p + in->len;
    while (p < end && error == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        size_t name = strcspn(p, "{ \n");
        if (len == 0 || p[0] == '#' || p[0] == '\n' || name >= len) {
            error = og_buf_append(out, p, len); /* comments, blank lines */
        } else if (p[name] == '{') {            /* name{labels} value */
            if ((error = og_buf_append(out, p, name + 1)) == 0 &&
                (error =
                     og_buf_printf(out, "node=\"%s\"%s", node, p[name + 1] == '}' ? "" : ",")) == 0)
                error = og_buf_append(out, p + name + 1, len - name - 1);
        } else { /* name value */
            if ((error = og_buf_append(out, p, name)) == 0 &&
                (error = og_buf_printf(out, "{node=\"%s\"}", node)) == 0)
                error = og_buf_append(out, p + name, len - name);
        }
        p += len;
    }
    return error;
}
