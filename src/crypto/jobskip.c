/* jobskip.c - scheduled jobs skip a tenant whose key is revoked or withdrawn (its data is locked:
 * the job would only hit the lock), counted per job and reason for the server's /metrics. The
 * counts are this process's: the node that ran the job. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <string.h>

#define MAX_ROWS 32

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char job[48];
    const char *reason;
    uint64_t count;
} rows[MAX_ROWS];
static size_t nrows;

static void count(const char *job, const char *reason)
{
    pthread_mutex_lock(&mu);
    size_t i = 0;
    while (i < nrows && !(strcmp(rows[i].job, job) == 0 && rows[i].reason == reason))
        i++;
    if (i == nrows && nrows < MAX_ROWS) {
        og_strlcpy(rows[i].job, job, sizeof(rows[i].job));
        rows[i].reason = reason;
        nrows++;
    }
    if (i < nrows)
        rows[i].count++;
    pthread_mutex_unlock(&mu);
}

int og_crypto_job_check(og_store *s, const char *tenant_id, const char *job)
{
    int error = og_crypto_scope_key_check(s, tenant_id);
    if (error == OG_ELOCKED)
        count(job, og_streq(og_error_detail(), OG_CRYPTO_DETAIL_KEY_WITHDRAWN) ? "key_withdrawn"
                                                                               : "key_revoked");
    return error;
}

int og_crypto_metrics_render(og_buf *out)
{
    int error = og_buf_printf(out, "# HELP opsgate_jobs_skipped_total Scheduled jobs that skipped a"
                                   " tenant whose key is revoked or withdrawn, by job and reason.\n"
                                   "# TYPE opsgate_jobs_skipped_total counter\n");
    pthread_mutex_lock(&mu);
    for (size_t i = 0; error >= 0 && i < nrows; i++)
        error = og_buf_printf(out, "opsgate_jobs_skipped_total{job=\"%s\",reason=\"%s\"} %llu\n",
                              rows[i].job, rows[i].reason, (unsigned long long)rows[i].count);
    pthread_mutex_unlock(&mu);
    return error < 0 ? error : 0;
}
