/* bench_audit.c - audit trail benchmark: durable appends/s with 1 and 8 writers (group commit)
 * against the disk's own fsync rate, verify speed over a 1,000,000-record chain, and verify's peak
 * memory at two chain lengths (it must not grow with the chain).
 *
 * Environment: OG_BENCH_AUDIT_RECORDS (default 1000000), OG_BENCH_DIR (default $TMPDIR or /tmp).
 *
 * `bench_audit --load URL THREADS SECONDS TAG` is bench/nodes_bench.sh's audit load instead: one
 * process ("node") appending durably through one writer from THREADS threads, thread k to chain
 * "bench-TAG-k", for SECONDS; prints "appends seconds". */
#include "audit/audit_internal.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHAIN "bench-tenant"

static void die(const char *what)
{
    fprintf(stderr, "bench_audit: %s: %s\n", what, og_error_last());
    exit(1);
}

static double now_s(void)
{
    return (double)og_time_mono_us() / 1e6;
}

/* The physical limit: 4 KiB write + fdatasync, as a commit to the WAL does, for ~1 s. */
static double fsync_rate(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof(path), "%.4300s/fsync.probe", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    char block[4096];
    memset(block, 0xa5, sizeof(block));
    double t0 = now_s(), t;
    int n = 0;
    do {
        if (pwrite(fd, block, sizeof(block), (off_t)(n % 256) * 4096) < 0 || fdatasync(fd) < 0)
            break;
        n++;
    } while ((t = now_s()) - t0 < 1.0);
    close(fd);
    unlink(path);
    return n / (now_s() - t0);
}

typedef struct wargs {
    og_audit_writer *w;
    int n;
    int rc;
    const char *chain; /* NULL: "bench-writers" */
    double until;      /* > 0: append until then, n counts the appends */
    double *lat;       /* seconds per append, n of them (NULL: not kept) */
} wargs;

static void *writer(void *arg)
{
    wargs *a = arg;
    og_actor actor;
    og_actor_system(&actor, "bench");
    for (int i = 0; (a->until > 0 ? now_s() < a->until : i < a->n) && a->rc == 0; i++) {
        if (a->until > 0)
            a->n = i + 1;
        og_audit_rec rec = {.tenant_id = a->chain ? a->chain : "bench-writers",
                            .area = "platform",
                            .action = "login.failed",
                            .target_type = "user",
                            .target_id = "bob",
                            .failed = 1,
                            .detail = "bad password"};
        double t0 = now_s();
        a->rc = og_audit_append_durable(a->w, &actor, NULL, &rec, NULL);
        if (a->lat)
            a->lat[i] = now_s() - t0;
    }
    return NULL;
}

typedef struct durable {
    double rate;       /* appends/s */
    double p50, p99;   /* append latency, ms */
    double per_commit; /* appends per commit (transactions the writer committed) */
    double fsync;      /* the disk's fsync rate measured right before, /s */
    double cpu_us;     /* process CPU time per append, microseconds */
    double csw;        /* the process's context switches per append (voluntary + not) */
} durable;

static int by_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static durable durable_rate(const char *url, const char *dir, int threads, int per_thread)
{
    og_audit_writer *w = NULL;
    durable d = {0};
    d.fsync = fsync_rate(dir);
    if (og_audit_writer_open(&w, url) < 0)
        die("opening the writer");
    pthread_t th[64];
    wargs a[64];
    double *lat = calloc((size_t)threads * (size_t)per_thread, sizeof(*lat));
    if (!lat)
        die("out of memory");
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        a[i] = (wargs){w, per_thread, 0, NULL, 0, lat + (size_t)i * (size_t)per_thread};
        pthread_create(&th[i], NULL, writer, &a[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (a[i].rc < 0)
            die("durable append");
    }
    double dt = now_s() - t0;
    getrusage(RUSAGE_SELF, &r1);
    int64_t commits = 0, records = 0;
    og_audit__writer_stats(w, &commits, &records);
    og_audit_writer_close(w);
    size_t n = (size_t)threads * (size_t)per_thread;
    qsort(lat, n, sizeof(*lat), by_double);
    d.rate = (double)n / dt;
    d.p50 = lat[n / 2] * 1000;
    d.p99 = lat[n * 99 / 100] * 1000;
    d.per_commit = commits ? (double)records / (double)commits : 0;
    d.cpu_us = (tv_s(&r1.ru_utime) + tv_s(&r1.ru_stime) - tv_s(&r0.ru_utime) - tv_s(&r0.ru_stime)) *
               1e6 / (double)n;
    d.csw = (double)(r1.ru_nvcsw + r1.ru_nivcsw - r0.ru_nvcsw - r0.ru_nivcsw) / (double)n;
    free(lat);
    return d;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The limit of verify on one core: SHA-256 over the bytes verify hashes per record (its canonical
 * JSON, then its 33-byte Merkle leaf input), the first record of the bench chain, in a loop.
 * Records per CPU second of this thread, so that other work on the machine does not count. */
static double sha256_rate(og_store *s)
{
    og_stmt *st = NULL;
    og_buf canon;
    og_buf_init(&canon, OG_AUDIT_RECORD_CAP);
    if (og_stmt_prepare_args(&st, s,
                             "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = ?"
                             " ORDER BY seq LIMIT 1",
                             "t", CHAIN) < 0 ||
        og_stmt_step(st) != OG_ROW)
        die("reading a record");
    og_audit__row r;
    og_audit__row_from_stmt(&r, st);
    if (og_audit__row_canonical(&canon, &r) < 0)
        die("canonical");
    og_stmt_free(st);
    uint8_t h[32], leaf_in[33] = {0};
    int n = 0;
    double t0 = thread_cpu_s(), t;
    do {
        for (int i = 0; i < 1000; i++, n++) {
            og_crypto_sha256(canon.data, canon.len, h);
            memcpy(leaf_in + 1, h, 32);
            og_crypto_sha256(leaf_in, sizeof(leaf_in), h);
        }
    } while ((t = thread_cpu_s()) - t0 < 0.5);
    og_buf_free(&canon);
    return n / (t - t0);
}

/* --load URL THREADS SECONDS TAG: see the top of the file. */
static int load_mode(const char *url, int threads, double secs, const char *tag)
{
    og_audit_writer *w = NULL;
    pthread_t th[64];
    wargs a[64];
    char chains[64][96];
    if (threads < 1 || threads > 64 || secs <= 0) {
        fprintf(stderr, "bench_audit --load: 1 to 64 threads, a positive number of seconds\n");
        return 2;
    }
    if (og_audit_writer_open(&w, url) < 0)
        die("opening the writer");
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        snprintf(chains[i], sizeof(chains[i]), "bench-%.60s-%d", tag, i);
        a[i] = (wargs){w, 0, 0, chains[i], t0 + secs, NULL};
        pthread_create(&th[i], NULL, writer, &a[i]);
    }
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (a[i].rc < 0)
            die("durable append");
        total += a[i].n;
    }
    double dt = now_s() - t0;
    og_audit_writer_close(w);
    printf("%ld %.3f\n", total, dt);
    return 0;
}

/* Grow the bench chain to `total` records, 50,000 per transaction (this is set-up, not measured).
 */
static void build_chain(og_ctx *ctx, int64_t have, int64_t total)
{
    og_audit__appender app;
    if (og_audit__appender_init(&app, ctx->store) < 0)
        die("appender");
    json_t *analysis = json_pack("{s:s,s:i,s:[s,s]}", "reason", "scheduled renewal", "days_left",
                                 12, "sans", "a.example.com", "b.example.com");
    for (int64_t i = have; i < total;) {
        if (og_store_tx_begin(ctx->store) < 0)
            die("begin");
        for (int64_t j = 0; j < 50000 && i < total; j++, i++) {
            char id[32];
            snprintf(id, sizeof(id), "cert-%lld", (long long)i);
            og_audit_rec rec = {.tenant_id = CHAIN,
                                .area = "certs",
                                .action = "cert.renew",
                                .target_type = "certificate",
                                .target_id = id,
                                .analysis = analysis,
                                .gate_level = "L1",
                                .gate_decision = "auto",
                                .gate_decided_by = "system:renewer",
                                .gate_decided_at = "2026-11-22T04:15:20Z"};
            if (og_audit__append(&app, &ctx->actor, NULL, &rec, NULL) < 0)
                die("append");
        }
        if (og_store_tx_commit(ctx->store) < 0)
            die("commit");
    }
    json_decref(analysis);
    og_audit__appender_free(&app);
}

/* Verify in a child process with `workers` hashing threads (-1 = one per CPU), so its peak RSS
 * is verify's alone. Returns seconds; *rss_kb, *cpu_s (user + system of the verify). */
static double verify_in_child(const char *data_dir, int workers, int64_t *records, long *rss_kb,
                              double *cpu_s)
{
    int pipefd[2];
    if (pipe(pipefd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        og_store *s = NULL;
        og_keyring *k = NULL;
        close(pipefd[0]);
        if (og_install_open(data_dir, &s, &k) < 0)
            _exit(2);
        og_ctx ctx = {.store = s, .keys = k, .data_dir = data_dir};
        og_actor_local(&ctx.actor);
        og_audit_verify_result res;
        og_audit__verify_set_workers(workers);
        struct rusage r0;
        getrusage(RUSAGE_SELF, &r0);
        double t0 = now_s();
        int rc = og_audit_verify(&ctx, CHAIN, &res);
        double dt = now_s() - t0;
        if (rc < 0)
            fprintf(stderr, "bench_audit: verify: %s\n", og_error_last());
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double cpu = (double)(ru.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                     (double)(ru.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                     (double)(ru.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
                     (double)(ru.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
        char line[160];
        int n = snprintf(line, sizeof(line), "%f %lld %ld %f\n", dt, (long long)res.records,
                         ru.ru_maxrss, cpu);
        if (write(pipefd[1], line, (size_t)n) < 0)
            _exit(3);
        _exit(rc < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    char buf[160] = "";
    ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_audit: verify failed\n");
        exit(1);
    }
    double dt = 0;
    long long recs = 0;
    sscanf(buf, "%lf %lld %ld %lf", &dt, &recs, rss_kb, cpu_s);
    *records = recs;
    return dt;
}

static void print_appends(const durable *d1, const durable *d8)
{
    printf("| audit benchmark | result | limit or peer, same run |\n");
    printf("|---|---|---|\n");
    printf("| durable appends, 1 writer | %.0f /s, p50 %.2f ms, p99 %.2f ms, %.1f appends per "
           "commit, %.0f us CPU per append, %.1f context switches per append | disk fsync rate "
           "%.0f /s (4 KiB write + fdatasync, measured just before) |\n",
           d1->rate, d1->p50, d1->p99, d1->per_commit, d1->cpu_us, d1->csw, d1->fsync);
    printf("| durable appends, 8 writers (group commit) | %.0f /s, p50 %.2f ms, p99 %.2f ms, "
           "%.1f appends per commit, %.0f us CPU per append, %.1f context switches per append | "
           "disk fsync rate %.0f /s, so at most "
           "8 x %.0f = %.0f /s "
           "(each writer waits for its commit); aim >= 30000/s, p99 <= 10 ms |\n",
           d8->rate, d8->p50, d8->p99, d8->per_commit, d8->cpu_us, d8->csw, d8->fsync, d8->fsync,
           8 * d8->fsync);
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--load") == 0)
        return load_mode(argv[2], atoi(argv[3]), atof(argv[4]), argv[5]);
    const char *base = getenv("OG_BENCH_DIR") ? getenv("OG_BENCH_DIR")
                       : getenv("TMPDIR")     ? getenv("TMPDIR")
                                              : "/tmp";
    int64_t total =
        getenv("OG_BENCH_AUDIT_RECORDS") ? atoll(getenv("OG_BENCH_AUDIT_RECORDS")) : 1000000;
    if (total < 1000)
        total = 1000;
    char dir[4096], data[4200], url[4300], cmd[4400];
    char token[OG_TOKEN_MAX];
    snprintf(dir, sizeof(dir), "%s/og-bench-audit.XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(data, sizeof(data), "%.4090s/data", dir);
    if (og_install_init(data, token) < 0)
        die("init");
    snprintf(url, sizeof(url), "%.4200s/opsgate.db", data);

    /* OG_BENCH_AUDIT_ONLY=appends: the two append rows alone (for profiling them);
     * =appends8: the 8 writers' row alone */
    const char *only = getenv("OG_BENCH_AUDIT_ONLY") ? getenv("OG_BENCH_AUDIT_ONLY") : "";
    int only_appends = strcmp(only, "appends") == 0 || strcmp(only, "appends8") == 0;
    durable d1 = {0};
    if (strcmp(only, "appends8") != 0)
        d1 = durable_rate(url, data, 1, 2000);
    durable d8 = durable_rate(url, data, 8, 4000);
    if (only_appends) {
        print_appends(&d1, &d8);
        snprintf(cmd, sizeof(cmd), "rm -rf '%.4300s'", dir);
        return system(cmd) != 0;
    }

    og_store *s = NULL;
    og_keyring *k = NULL;
    if (og_install_open(data, &s, &k) < 0)
        die("open");
    og_ctx ctx = {.store = s, .keys = k, .data_dir = data};
    og_actor_local(&ctx.actor);
    int64_t small = total / 10;
    build_chain(&ctx, 0, small);
    if (og_audit_checkpoint(&ctx, CHAIN, NULL) < 0)
        die("checkpoint");
    int64_t rec_small = 0, rec_big = 0, rec_one = 0;
    long rss_small = 0, rss_big = 0, rss_one = 0;
    double cpu_small = 0, cpu_big = 0, cpu_one = 0;
    double t_small = verify_in_child(data, -1, &rec_small, &rss_small, &cpu_small);
    build_chain(&ctx, small, total);
    double t0 = now_s();
    if (og_audit_checkpoint(&ctx, CHAIN, NULL) < 0)
        die("checkpoint");
    double t_cp = now_s() - t0;
    double sha = sha256_rate(s);
    og_store_close(s);
    og_keyring_free(k);
    double t_one = verify_in_child(data, 0, &rec_one, &rss_one, &cpu_one);
    double t_big = verify_in_child(data, -1, &rec_big, &rss_big, &cpu_big);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;

    print_appends(&d1, &d8);
    printf("| verify %lld records, %ld cores | %.2f s, %.0f records/s; CPU %.2f s: %.0f records "
           "per CPU second | SHA-256 of the same bytes: %.0f records per CPU second; aim < 2.5 s "
           "for 1M on 2 cores |\n",
           (long long)rec_big, cores, t_big, rec_big / t_big, cpu_big, rec_big / cpu_big, sha);
    printf("| verify %lld records, no worker threads | %.2f s, %.0f records/s; CPU %.2f s: %.0f "
           "records per CPU second | the same verify on one core |\n",
           (long long)rec_one, t_one, rec_one / t_one, cpu_one, rec_one / cpu_one);
    printf("| verify %lld records, %ld cores | %.2f s (%.0f records/s) | |\n", (long long)rec_small,
           cores, t_small, rec_small / t_small);
    printf("| verify peak RSS, %lld records | %ld KiB | |\n", (long long)rec_big, rss_big);
    printf("| verify peak RSS, %lld records | %ld KiB | 10x fewer records: memory does not grow "
           "with the chain |\n",
           (long long)rec_small, rss_small);
    printf("| checkpoint of %lld records | %.2f s | streams the chain once |\n", (long long)rec_big,
           t_cp);
    snprintf(cmd, sizeof(cmd), "rm -rf '%.4300s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_audit: could not remove %s\n", dir);
    return 0;
}
