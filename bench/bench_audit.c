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
        a->rc = og_audit_append_durable(a->w, &actor, NULL, &rec, NULL);
    }
    return NULL;
}

static double durable_rate(const char *url, int threads, int per_thread)
{
    og_audit_writer *w = NULL;
    if (og_audit_writer_open(&w, url) < 0)
        die("opening the writer");
    pthread_t th[64];
    wargs a[64];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        a[i] = (wargs){w, per_thread, 0, NULL, 0};
        pthread_create(&th[i], NULL, writer, &a[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (a[i].rc < 0)
            die("durable append");
    }
    double dt = now_s() - t0;
    og_audit_writer_close(w);
    return threads * per_thread / dt;
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
        a[i] = (wargs){w, 0, 0, chains[i], t0 + secs};
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

/* Verify in a child process, so its peak RSS is verify's alone. Returns seconds; *rss_kb. */
static double verify_in_child(const char *data_dir, int64_t *records, long *rss_kb)
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
        double t0 = now_s();
        int rc = og_audit_verify(&ctx, CHAIN, &res);
        double dt = now_s() - t0;
        if (rc < 0)
            fprintf(stderr, "bench_audit: verify: %s\n", og_error_last());
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        char line[128];
        int n =
            snprintf(line, sizeof(line), "%f %lld %ld\n", dt, (long long)res.records, ru.ru_maxrss);
        if (write(pipefd[1], line, (size_t)n) < 0)
            _exit(3);
        _exit(rc < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    char buf[128] = "";
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
    sscanf(buf, "%lf %lld %ld", &dt, &recs, rss_kb);
    *records = recs;
    return dt;
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

    double fs = fsync_rate(data);
    double r1 = durable_rate(url, 1, 2000);
    double r8 = durable_rate(url, 8, 4000);

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
    int64_t rec_small = 0, rec_big = 0;
    long rss_small = 0, rss_big = 0;
    double t_small = verify_in_child(data, &rec_small, &rss_small);
    build_chain(&ctx, small, total);
    double t0 = now_s();
    if (og_audit_checkpoint(&ctx, CHAIN, NULL) < 0)
        die("checkpoint");
    double t_cp = now_s() - t0;
    og_store_close(s);
    og_keyring_free(k);
    double t_big = verify_in_child(data, &rec_big, &rss_big);

    printf("| audit benchmark | result | note |\n");
    printf("|---|---|---|\n");
    printf("| disk fsync rate (4 KiB write + fdatasync) | %.0f /s | physical limit, same run |\n",
           fs);
    printf("| durable appends, 1 writer | %.0f /s | %.2f appends per fsync |\n", r1, r1 / fs);
    printf("| durable appends, 8 writers (group commit) | %.0f /s | %.2f appends per fsync; aim "
           ">= 10000/s |\n",
           r8, r8 / fs);
    printf("| verify %lld records | %.2f s (%.0f records/s) | aim < 5 s for 1M |\n",
           (long long)rec_big, t_big, rec_big / t_big);
    printf("| verify %lld records | %.2f s (%.0f records/s) | |\n", (long long)rec_small, t_small,
           rec_small / t_small);
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
