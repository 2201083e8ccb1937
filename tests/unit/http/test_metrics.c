/* test_metrics.c - Prometheus rendering: labels from patterns, cumulative buckets, threads. */
#include "og_test.h"
#include "http/router.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const og_http_route table[] = {
    {"GET", "/healthz", NULL, 0},
    {"GET", "/api/v1/tenants/{tenant}", NULL, 0},
};

static char *render(og_http_metrics *m)
{
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_http__metrics_render(m, &b));
    return og_buf_detach(&b);
}

static void test_metrics__labels_requests_by_pattern_method_and_status(void **state)
{
    (void)state;
    og_http_metrics *m;
    OG_ASSERT_OK(og_http__metrics_new(&m, table, 2));
    og_http__metrics_observe(m, 1, 200, 1500);
    og_http__metrics_observe(m, 1, 200, 1500);
    og_http__metrics_observe(m, 1, 404, 100);
    og_http__metrics_observe(m, 2, 404, 100); /* unmatched */
    og_http__metrics_observe(m, 0, 299, 100); /* a status outside the list */
    char *s = render(m);
    assert_non_null(strstr(s, "# TYPE opsgate_http_requests_total counter\n"));
    assert_non_null(
        strstr(s, "opsgate_http_requests_total{route=\"/api/v1/tenants/{tenant}\",method=\"GET\","
                  "status=\"200\"} 2\n"));
    assert_non_null(
        strstr(s, "opsgate_http_requests_total{route=\"/api/v1/tenants/{tenant}\",method=\"GET\","
                  "status=\"404\"} 1\n"));
    assert_non_null(strstr(
        s, "opsgate_http_requests_total{route=\"unmatched\",method=\"any\",status=\"404\"} 1\n"));
    assert_non_null(strstr(
        s, "opsgate_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"other\"} 1\n"));
    /* Rows with no requests are left out. */
    assert_null(strstr(s, "status=\"500\""));
    free(s);
    og_http__metrics_free(m);
}

static void test_metrics__histogram_buckets_are_cumulative_and_agree_with_count(void **state)
{
    (void)state;
    og_http_metrics *m;
    OG_ASSERT_OK(og_http__metrics_new(&m, table, 2));
    og_http__metrics_observe(m, 0, 200, 500);      /* <= 1 ms */
    og_http__metrics_observe(m, 0, 200, 3000);     /* <= 5 ms */
    og_http__metrics_observe(m, 0, 200, 60000000); /* a minute: +Inf only */
    char *s = render(m);
    const char *p =
        "opsgate_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",";
    char want[256];
    snprintf(want, sizeof(want), "%sle=\"0.001\"} 1\n", p);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof(want), "%sle=\"0.0025\"} 1\n", p);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof(want), "%sle=\"0.005\"} 2\n", p);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof(want), "%sle=\"10\"} 2\n", p);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof(want), "%sle=\"+Inf\"} 3\n", p);
    assert_non_null(strstr(s, want));
    assert_non_null(strstr(s, "opsgate_http_request_duration_seconds_count{route=\"/healthz\","
                              "method=\"GET\"} 3\n"));
    assert_non_null(strstr(s, "opsgate_http_request_duration_seconds_sum{route=\"/healthz\","
                              "method=\"GET\"} 60.003500\n"));
    assert_non_null(strstr(s, "# TYPE opsgate_http_request_duration_seconds histogram\n"));
    free(s);
    og_http__metrics_free(m);
}

static void test_metrics__in_flight_gauge_moves_both_ways(void **state)
{
    (void)state;
    og_http_metrics *m;
    OG_ASSERT_OK(og_http__metrics_new(&m, table, 2));
    og_http__metrics_inflight(m, 1);
    og_http__metrics_inflight(m, 1);
    og_http__metrics_inflight(m, -1);
    char *s = render(m);
    assert_non_null(strstr(s, "\nopsgate_http_requests_in_flight 1\n"));
    free(s);
    og_http__metrics_free(m);
}

#define THREADS    8
#define PER_THREAD 20000
static void *hammer(void *arg)
{
    og_http_metrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++)
        og_http__metrics_observe(m, (size_t)(i % 3), 200, i % 2000);
    return NULL;
}

static void test_metrics__counts_are_exact_under_concurrent_observers(void **state)
{
    (void)state;
    og_http_metrics *m;
    pthread_t th[THREADS];
    OG_ASSERT_OK(og_http__metrics_new(&m, table, 2));
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, m), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char *s = render(m);
    /* i % 3 == 0 of 20000 is 6667 per thread. */
    char want[200];
    snprintf(want, sizeof(want),
             "opsgate_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} %d\n",
             6667 * THREADS);
    assert_non_null(strstr(s, want));
    free(s);
    og_http__metrics_free(m);
}

static void test_metrics__free_null_is_a_no_op(void **state)
{
    (void)state;
    og_http__metrics_free(NULL);
    og_http__metrics_observe(NULL, 0, 200, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics__labels_requests_by_pattern_method_and_status),
        cmocka_unit_test(test_metrics__histogram_buckets_are_cumulative_and_agree_with_count),
        cmocka_unit_test(test_metrics__in_flight_gauge_moves_both_ways),
        cmocka_unit_test(test_metrics__counts_are_exact_under_concurrent_observers),
        cmocka_unit_test(test_metrics__free_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
