/* bench_artifacts.c - the artifact repository's benchmark: durable versions committed per second
 * beside the disk's fsync rate measured in the same run and folder, sequentially and by 8 writers
 * at once (group commit), each with the ceiling its CPU per version and the fsync time allow,
 * against git in the same run; gets of random old versions, search latency
 * over 100,000 documents, and the peak memory of a 1 GiB upload. Prints a markdown table.
 *
 * OG_BENCH_QUICK=1 shrinks every size tenfold (a smoke run); OG_BENCH_VERSIONS,
 * OG_BENCH_GIT_VERSIONS, OG_BENCH_WRITERS (default 8), OG_BENCH_DOCS and OG_BENCH_UPLOAD_MIB set
 * them one by one; OG_BENCH_ONLY=versions stops after the versions rows, OG_BENCH_ONLY=search
 * runs only the search rows. */
#include "opsgate/artifacts.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DOC_SIZE (50 * 1024)

static void die(const char *what)
{
    fprintf(stderr, "bench_artifacts: %s: %s\n", what, og_error_last());
    exit(1);
}

static long env_num(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_i64);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

/* per thread: each writer of the concurrent run draws its own edits */
static _Thread_local uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- a document and its edits ---- */

static const char *const words[] = {
    "firewall", "cutover", "tenant",   "mailbox",  "backup",  "restore", "switch",  "vlan",
    "router",   "license", "invoice",  "schedule", "client",  "project", "scope",   "deliver",
    "accept",   "review",  "approve",  "publish",  "network", "server",  "storage", "cluster",
    "identity", "policy",  "endpoint", "patch",    "monitor", "alert",   "ticket",  "change",
};

/* A 50 KB markdown document of lines like "- 0042 firewall cutover ...". */
static char *make_doc(size_t *len)
{
    og_buf b;
    og_buf_init(&b, DOC_SIZE * 2);
    og_buf_puts(&b, "# Statement of work\n\n");
    for (int line = 0; b.len < DOC_SIZE - 100; line++) {
        og_buf_printf(&b, "- %04d", line);
        for (int w = 0; w < 8; w++)
            og_buf_printf(&b, " %s", words[next_rand() % (sizeof(words) / sizeof(words[0]))]);
        og_buf_puts(&b, "\n");
    }
    *len = b.len;
    return og_buf_detach(&b);
}

/* Version i differs from version i-1 by one rewritten line: the same length, other words of the
 * document's vocabulary and the version number, as an author revising a sentence would. The
 * vocabulary stays that of a real document rather than growing with every edit. */
static void edit_doc(char *doc, size_t len, int i)
{
    size_t pos = 64 + (size_t)(next_rand() % (len - 200));
    while (pos < len && doc[pos - 1] != '\n')
        pos++;
    char *nl = memchr(doc + pos, '\n', len - pos);
    if (!nl)
        return;
    size_t end = (size_t)(nl - doc), at = pos;
    char line[256];
    int n = snprintf(line, sizeof(line), "- rev %d", i);
    while ((size_t)n < sizeof(line) - 16)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %s",
                      words[next_rand() % (sizeof(words) / sizeof(words[0]))]);
    for (size_t k = 0; at < end; k++, at++)
        doc[at] = k < (size_t)n ? line[k] : ' ';
}

/* ---- a Zipf-distributed vocabulary for the search corpus ---- */

#define VOCAB 20000
static double zipf_cdf[VOCAB];

static void zipf_init(void)
{
    double sum = 0;
    for (int r = 0; r < VOCAB; r++)
        sum += 1.0 / (r + 1);
    double acc = 0;
    for (int r = 0; r < VOCAB; r++) {
        acc += 1.0 / (r + 1) / sum;
        zipf_cdf[r] = acc;
    }
}

/* A word rank: rank 0 is about 9% of all words, rank 19999 about 0.0005%. */
static int zipf_rank(void)
{
    double u = (double)(next_rand() >> 11) / (double)(1ull << 53);
    int lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the physical limit, and the writers ---- */

/* The disk's fsync rate in dir: 4 KiB written and fdatasync'd, as a commit to the WAL does, for
 * about a second (bench_audit measures it the same way). */
static double fsync_rate(const char *dir)
{
    char path[4400], block[4096];
    snprintf(path, sizeof(path), "%.4300s/fsync.probe", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return 0;
    memset(block, 0xa5, sizeof(block));
    int64_t t0 = og_time_mono_us(), t;
    int n = 0;
    do {
        if (pwrite(fd, block, sizeof(block), (off_t)(n % 256) * 4096) < 0 || fdatasync(fd) < 0)
            break;
        n++;
    } while ((t = og_time_mono_us()) - t0 < 1000000);
    close(fd);
    unlink(path);
    return n / ((double)(og_time_mono_us() - t0) / 1e6);
}

/* CPU seconds (user + system) of the process so far: every thread's. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One writer of the concurrent run: its own connection, its own artifact, n versions. */
typedef struct writer {
    const char *url, *data;
    const char *ext; /* "md": read by the document classifier; "json": not */
    og_keyring *keys;
    int id, n;
    char *doc;
    size_t len;
    uint64_t rng;
    int64_t *lat; /* microseconds per version */
    int failed;
} writer;

static void *writer_run(void *arg)
{
    writer *w = arg;
    og_store *store = NULL;
    og_ctx ctx;
    char name[32];
    if (og_store_open(&store, w->url, 0) < 0) {
        fprintf(stderr, "bench_artifacts: writer %d: %s\n", w->id, og_error_last());
        w->failed = 1;
        return NULL;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = w->keys;
    ctx.data_dir = w->data;
    og_actor_local(&ctx.actor);
    snprintf(name, sizeof(name), "sow-%d.%s", w->id, w->ext);
    og_artifact_ref ref = {"bench", "sow", name};
    og_artifact_put_opts po = {.kind = "sow", .message = "edit"};
    rng = w->rng;
    for (int i = 1; i <= w->n; i++) {
        edit_doc(w->doc, w->len, i);
        int64_t t0 = og_time_mono_us();
        if (og_artifact_put_buffer(&ctx, &ref, &po, w->doc, w->len, NULL) < 0) {
            fprintf(stderr, "bench_artifacts: writer %d: put: %s\n", w->id, og_error_last());
            w->failed = 1;
            break;
        }
        w->lat[i - 1] = og_time_mono_us() - t0;
    }
    og_store_close(store);
    return NULL;
}

/* ---- git ---- */

static int run_git(const char *dir, char *const argv[], char *out, size_t outsz)
{
    posix_spawn_file_actions_t fa;
    int pipefd[2] = {-1, -1}, status = 0;
    pid_t pid;
    if (out && pipe(pipefd) < 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    if (out) {
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    }
    int rc = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (out)
        close(pipefd[1]);
    if (rc != 0) {
        if (out)
            close(pipefd[0]);
        return -1;
    }
    if (out) {
        size_t n = 0;
        ssize_t r;
        while (n + 1 < outsz && (r = read(pipefd[0], out + n, outsz - 1 - n)) > 0)
            n += (size_t)r;
        out[n] = '\0';
        while (n && (out[n - 1] == '\n'))
            out[--n] = '\0';
        close(pipefd[0]);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int have_git(void)
{
    char *const argv[] = {"git", "--version", NULL};
    char out[128];
    return run_git("/", argv, out, sizeof(out)) == 0;
}

static int git_init(const char *dir)
{
    char *const init[] = {"git", "init", "-q", ".", NULL};
    char *const cfg1[] = {"git", "config", "user.email", "bench@example.com", NULL};
    char *const cfg2[] = {"git", "config", "user.name", "bench", NULL};
    char *const cfg3[] = {"git", "config", "commit.gpgsign", "false", NULL};
    mkdir(dir, 0700);
    return run_git(dir, init, NULL, 0) || run_git(dir, cfg1, NULL, 0) ||
                   run_git(dir, cfg2, NULL, 0) || run_git(dir, cfg3, NULL, 0)
               ? -1
               : 0;
}

/* Commit versions first..last of the document with git: write the file, hash-object -w,
 * update-index, commit. Returns the microseconds it took, or -1. */
static int64_t git_block(const char *dir, char *doc, size_t len, int first, int last)
{
    char path[4400], hash[128], msg[32], cacheinfo[256];
    snprintf(path, sizeof(path), "%s/sow.md", dir);
    int64_t t0 = og_time_mono_us();
    for (int i = first; i <= last; i++) {
        edit_doc(doc, len, i);
        /* A plain write, as an editor saving the file would: git itself does not fsync. */
        FILE *fp = fopen(path, "wb");
        if (!fp || fwrite(doc, 1, len, fp) != len || fclose(fp) != 0)
            die("writing the git work file");
        char *const hashobj[] = {"git", "hash-object", "-w", "sow.md", NULL};
        if (run_git(dir, hashobj, hash, sizeof(hash)) < 0)
            return -1;
        snprintf(cacheinfo, sizeof(cacheinfo), "100644,%s,sow.md", hash);
        char *const upd[] = {"git", "update-index", "--add", "--cacheinfo", cacheinfo, NULL};
        snprintf(msg, sizeof(msg), "version %d", i);
        char *const commit[] = {"git", "commit", "-q", "-m", msg, NULL};
        if (run_git(dir, upd, NULL, 0) < 0 || run_git(dir, commit, NULL, 0) < 0)
            return -1;
    }
    return og_time_mono_us() - t0;
}

/* ---- 1 GiB upload in a child, for its own peak RSS ---- */

static void upload_child(og_ctx *ctx, size_t total)
{
    og_artifact_ref r = {"bench", "big", "upload.bin"};
    og_artifact_put *p = NULL;
    size_t chunk = 1 << 20;
    uint8_t *buf = malloc(chunk);
    static const char hex[] = "0123456789abcdef";
    if (og_artifact_put_begin(&p, ctx, &r, NULL) < 0)
        die("upload begin");
    for (size_t done = 0; done < total; done += chunk) {
        for (size_t i = 0; i < chunk; i++)
            buf[i] = i % 80 == 79 ? '\n' : (uint8_t)hex[next_rand() & 15];
        if (og_artifact_put_write(p, buf, chunk) < 0)
            die("upload write");
    }
    if (og_artifact_put_finish(p, NULL) < 0)
        die("upload finish");
    og_artifact_put_free(p);
    free(buf);
}

typedef struct seq_result {
    double fsync, rate, p50, p99, cpu_ms;
} seq_result;

/* n versions of one artifact "seq.json" by one writer, the disk's fsync rate just before. */
static void seq_versions(seq_result *r, og_ctx *ctx, const char *data, const char *doc0, size_t len,
                         int n)
{
    og_artifact_ref ref = {"bench", "sow", "seq.json"};
    og_artifact_put_opts po = {.kind = "sow", .message = "edit"};
    int64_t *lat = calloc((size_t)n, sizeof(int64_t));
    char *doc = malloc(len);
    if (!lat || !doc)
        die("seq");
    memcpy(doc, doc0, len);
    r->fsync = fsync_rate(data);
    double c0 = cpu_seconds();
    int64_t t0 = og_time_mono_us();
    for (int i = 1; i <= n; i++) {
        edit_doc(doc, len, i);
        int64_t s0 = og_time_mono_us();
        if (og_artifact_put_buffer(ctx, &ref, &po, doc, len, NULL) < 0)
            die("put");
        lat[i - 1] = og_time_mono_us() - s0;
    }
    r->rate = n / ((double)(og_time_mono_us() - t0) / 1e6);
    r->cpu_ms = (cpu_seconds() - c0) * 1000.0 / n;
    r->p50 = pct(lat, (size_t)n, 0.50);
    r->p99 = pct(lat, (size_t)n, 0.99);
    free(lat);
    free(doc);
}

typedef struct conc_result {
    double fsync;      /* the disk's fsync rate measured just before, /s */
    double rate;       /* versions/s, all writers */
    double p50, p99;   /* ms per version */
    double cpu_ms;     /* process CPU per version */
    double per_commit; /* versions per commit */
} conc_result;

/* n versions in all by nwriters threads at once, each on its own artifact. */
static void concurrent_versions(conc_result *r, const char *data, og_keyring *keys,
                                const char *doc0, size_t len, int nwriters, int n, const char *ext)
{
    char *url = og_install_db_url(data);
    writer *w = calloc((size_t)nwriters, sizeof(*w));
    pthread_t *th = calloc((size_t)nwriters, sizeof(*th));
    int per = n / nwriters > 0 ? n / nwriters : 1, total = per * nwriters;
    int64_t *lat = calloc((size_t)total, sizeof(int64_t)), c0 = 0, m0 = 0, c1 = 0, m1 = 0;
    og_store *probe = NULL;
    if (!url || !w || !th || !lat || og_store_open(&probe, url, 0) < 0)
        die("writers");
    for (int i = 0; i < nwriters; i++) {
        w[i] = (writer){.url = url,
                        .data = data,
                        .ext = ext,
                        .keys = keys,
                        .id = i,
                        .n = per,
                        .len = len,
                        .rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1),
                        .lat = lat + (size_t)i * (size_t)per};
        if (!(w[i].doc = malloc(len)))
            die("writers");
        memcpy(w[i].doc, doc0, len);
    }
    r->fsync = fsync_rate(data);
    og_store_group_stats(probe, &c0, &m0, NULL);
    double cpu0 = cpu_seconds();
    int64_t t0 = og_time_mono_us();
    for (int i = 0; i < nwriters; i++)
        if (pthread_create(&th[i], NULL, writer_run, &w[i]) != 0)
            die("thread");
    for (int i = 0; i < nwriters; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(og_time_mono_us() - t0) / 1e6;
    r->cpu_ms = (cpu_seconds() - cpu0) * 1000.0 / total;
    og_store_group_stats(probe, &c1, &m1, NULL);
    for (int i = 0; i < nwriters; i++) {
        if (w[i].failed)
            die("a writer failed");
        free(w[i].doc);
    }
    r->rate = total / secs;
    r->p50 = pct(lat, (size_t)total, 0.50);
    r->p99 = pct(lat, (size_t)total, 0.99);
    r->per_commit = c1 > c0 ? (double)(m1 - m0) / (double)(c1 - c0) : 0;
    og_store_close(probe);
    free(lat);
    free(th);
    free(w);
    free(url);
}

static int remove_tree(const char *dir)
{
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_artifacts: could not remove %s\n", dir);
    return 0;
}

/* The ceilings a run's own CPU per version (c_ms) and fsync time (1000 / fsync ms) allow on 2
 * cores: one writer alternates its CPU work and its commit's fsync, so it makes at most
 * 1 / (C + F) versions/s, F / (C + F) of the fsync rate; writers side by side, whose fsyncs the
 * group commit shares, are held by the 2 cores' CPU at 2 / C, 2 (C + F) / C times that. */
static double seq_bound(double c_ms, double fsync)
{
    double f_ms = fsync > 0 ? 1000.0 / fsync : 0;
    return c_ms + f_ms > 0 ? f_ms / (c_ms + f_ms) : 0;
}

static double conc_bound(double seq_c_ms, double conc_c_ms, double fsync)
{
    double f_ms = fsync > 0 ? 1000.0 / fsync : 0;
    return conc_c_ms > 0 ? 2.0 * (seq_c_ms + f_ms) / conc_c_ms : 0;
}

/* The table's head and its versions rows: each rate beside its limit or peer of the same run. */
static void print_versions(const conc_result *cr, int nver, int nwriters, double seq_fsync,
                           double rate, double p50, double p99, double cpu_s, double git, int ngit)
{
    double cpu_ms = cpu_s * 1000.0 / nver;
    printf("| artifacts | opsgate | limit or peer, same run | ratio |\n|---|---|---|---|\n");
    printf("| disk fsync rate in the data folder (4 KiB write + fdatasync, ~1 s) | %.0f /s | - | - "
           "|\n",
           seq_fsync);
    printf(
        "| durable versions/s, 1 writer, %d versions of a 50 KB document | %.0f /s, p50 %.2f ms, "
        "p99 %.2f ms, CPU %.2f ms per version | fsync %.0f /s (CPU alone would allow %.0f /s) | "
        "%.2f of fsync/s (aim >= 0.90; at most %.2f with this C and F) |\n",
        nver, rate, p50, p99, cpu_ms, seq_fsync, cpu_ms > 0 ? 1000.0 / cpu_ms : 0, rate / seq_fsync,
        seq_bound(cpu_ms, seq_fsync));
    printf(
        "| durable versions/s, %d writers on %d artifacts (group commit) | %.0f /s, p50 %.2f ms, "
        "p99 %.2f ms, CPU %.2f ms per version, %.1f versions per commit | sequential %.0f /s "
        "(fsync %.0f /s just before) | %.2fx sequential (aim >= 3x; at most %.2fx on 2 cores "
        "with these C and F) |\n",
        nwriters, nwriters, cr->rate, cr->p50, cr->p99, cr->cpu_ms, cr->per_commit, rate, cr->fsync,
        cr->rate / rate, conc_bound(cpu_ms, cr->cpu_ms, seq_fsync));
    if (git > 0)
        printf("| versions/s, %d versions of a 50 KB document (git: %d, in alternating blocks) | "
               "%.0f | git %.0f (hash-object -w + update-index + commit) | %.1fx (aim >= 5x) |\n",
               nver, ngit, rate, git, rate / git);
    else
        printf("| versions/s, %d versions of a 50 KB document | %.0f | git not found | - |\n", nver,
               rate);
    fflush(stdout);
}

/* ---- search rows ---- */

typedef struct search_figs {
    double ingest;              /* documents put + indexed per second */
    double p50, p95, p99;       /* wall clock per query, ms (1-2 word queries) */
    double cpu50, cpu95;        /* CPU time of the calling thread per query, ms */
    double common95, commoncpu; /* the most frequent word: wall p95, CPU p95, ms */
    double hits;                /* average hits per query */
    int checked, same;          /* queries compared with the exhaustive ranking, agreeing */
    double ref95, refcpu95;     /* the exhaustive ranking's wall and CPU p95 on those, ms */
} search_figs;

static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The names of a result, sorted, joined by spaces (a set to compare). */
static void result_names(json_t *res, char *out, size_t outsz)
{
    size_t n = json_array_size(res), o = 0;
    const char *names[100];
    for (size_t i = 0; i < n && i < 100; i++)
        names[i] = json_string_value(json_object_get(json_array_get(res, i), "name"));
    for (size_t i = 1; i < n && i < 100; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 100 && o < outsz; i++)
        o += (size_t)snprintf(out + o, outsz - o, "%s ", names[i]);
}

/* The scores of a result's names as a multiset, to tell a tie from a different answer: each
 * result's "score" (the rank the search gave it), sorted. */
static int same_scores(json_t *a, json_t *b)
{
    size_t n = json_array_size(a);
    if (n != json_array_size(b))
        return 0;
    for (size_t i = 0; i < n; i++) {
        double x = json_real_value(json_object_get(json_array_get(a, i), "score"));
        double y = json_real_value(json_object_get(json_array_get(b, i), "score"));
        if (x - y > 1e-9 * (x < 0 ? -x : x) + 1e-12 || y - x > 1e-9 * (x < 0 ? -x : x) + 1e-12)
            return 0;
    }
    return 1;
}

/* 40 words each from a 20,000-word vocabulary with Zipf frequencies; queries of one or two words
 * drawn the same way, so they hit like real ones. Every 10th query is also answered by the
 * exhaustive ranking (og_artifact_search_ex with OG_ARTIFACT_SEARCH_EXHAUSTIVE): the same set of
 * ten, or the same scores where they differ (ties at the cut). */
static void search_rows(og_ctx *ctx, og_store *store, int ndocs, int quick, int build,
                        search_figs *f)
{
    char name[64], text[1024], got[2048], want[2048];
    memset(f, 0, sizeof(*f));
    rng = 0x9e3779b97f4a7c15ull; /* the same corpus and queries whatever ran before */
    zipf_init();
    int64_t t0 = og_time_mono_us();
    if (og_store_tx_begin(store) < 0)
        die("tx");
    for (int i = 0; i < (build ? ndocs : 0); i++) {
        size_t n = 0;
        for (int w = 0; w < 40; w++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "w%05d ", zipf_rank());
        snprintf(text + n, sizeof(text) - n, "doc%d\n", i);
        snprintf(name, sizeof(name), "note-%06d.txt", i);
        og_artifact_ref r = {"bench", "docs", name};
        if (og_artifact_put_buffer(ctx, &r, NULL, text, strlen(text), NULL) < 0)
            die("corpus put");
        /* commit in batches: one fsync of the database per thousand documents */
        if (i % 1000 == 999 && (og_store_tx_commit(store) < 0 || og_store_tx_begin(store) < 0))
            die("tx");
    }
    if (og_store_tx_commit(store) < 0)
        die("tx");
    f->ingest = build ? ndocs / ((double)(og_time_mono_us() - t0) / 1e6) : 0;
    if (!build) /* the queries as a run that built the corpus draws them */
        for (int i = 0; i < ndocs * 40; i++)
            zipf_rank();
    int nq = quick ? 200 : 1000, nref = 0;
    int64_t *lat = calloc((size_t)nq, sizeof(int64_t)), *cpu = calloc((size_t)nq, sizeof(int64_t));
    int64_t *ref = calloc((size_t)nq, sizeof(int64_t)),
            *refcpu = calloc((size_t)nq, sizeof(int64_t));
    int hits = 0;
    for (int i = 0; i < nq; i++) {
        char q[64];
        json_t *res = NULL, *exh = NULL;
        if (i % 2)
            snprintf(q, sizeof(q), "w%05d", zipf_rank());
        else
            snprintf(q, sizeof(q), "w%05d w%05d", zipf_rank(), zipf_rank());
        int64_t c = thread_cpu_us(), s = og_time_mono_us();
        if (og_artifact_search(ctx, "bench", q, 10, &res) < 0)
            die("search");
        lat[i] = og_time_mono_us() - s;
        cpu[i] = thread_cpu_us() - c;
        hits += (int)json_array_size(res);
        if (i % 10 == 0) {
            c = thread_cpu_us();
            s = og_time_mono_us();
            if (og_artifact_search_ex(ctx, "bench", q, 10, OG_ARTIFACT_SEARCH_EXHAUSTIVE, &exh) < 0)
                die("exhaustive search");
            ref[nref] = og_time_mono_us() - s;
            refcpu[nref++] = thread_cpu_us() - c;
            result_names(res, got, sizeof(got));
            result_names(exh, want, sizeof(want));
            f->checked++;
            if (strcmp(got, want) == 0 || same_scores(res, exh))
                f->same++;
            else
                fprintf(stderr, "bench_artifacts: '%s': %s\n  exhaustive: %s\n", q, got, want);
            json_decref(exh);
        }
        json_decref(res);
    }
    f->p50 = pct(lat, (size_t)nq, 0.50);
    f->p95 = pct(lat, (size_t)nq, 0.95);
    f->p99 = pct(lat, (size_t)nq, 0.99);
    f->cpu50 = pct(cpu, (size_t)nq, 0.50);
    f->cpu95 = pct(cpu, (size_t)nq, 0.95);
    f->ref95 = nref ? pct(ref, (size_t)nref, 0.95) : 0;
    f->refcpu95 = nref ? pct(refcpu, (size_t)nref, 0.95) : 0;
    f->hits = (double)hits / nq;
    /* the worst case: the most frequent word, matching most documents */
    for (int i = 0; i < nq / 10; i++) {
        json_t *res = NULL;
        int64_t c = thread_cpu_us(), s = og_time_mono_us();
        if (og_artifact_search(ctx, "bench", "w00000", 10, &res) < 0)
            die("search");
        lat[i] = og_time_mono_us() - s;
        cpu[i] = thread_cpu_us() - c;
        json_decref(res);
    }
    f->common95 = pct(lat, (size_t)(nq / 10), 0.95);
    f->commoncpu = pct(cpu, (size_t)(nq / 10), 0.95);
    free(lat);
    free(cpu);
    free(ref);
    free(refcpu);
}

static void print_search(const search_figs *f, int ndocs);

static int ndocs_of(int quick)
{
    return (int)env_num("OG_BENCH_DOCS", quick ? 10000 : 100000);
}

/* OG_BENCH_ONLY=search with OG_BENCH_SEARCH_DIR=DIR: the corpus is built in DIR on the first run
 * and kept; later runs only query it (to profile or compare the query path). */
static int search_kept(const char *dir, int ndocs, int quick)
{
    char data[4200], token[OG_TOKEN_MAX];
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    struct stat st;
    snprintf(data, sizeof(data), "%.4000s/data", dir);
    int build = stat(data, &st) != 0;
    if (build && (mkdir(dir, 0700) < 0 && errno != EEXIST))
        die("OG_BENCH_SEARCH_DIR");
    if ((build && og_install_init(data, token) < 0) || og_install_open(data, &store, &keys) < 0)
        die("init");
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data;
    og_actor_local(&ctx.actor);
    if (build && (og_tenant_create(&ctx, "bench", NULL) < 0 ||
                  og_project_create(&ctx, "bench", "docs", "search corpus", NULL) < 0))
        die("setup");
    search_figs sf;
    search_rows(&ctx, store, ndocs, quick, build, &sf);
    print_search(&sf, ndocs);
    og_store_close(store);
    og_keyring_free(keys);
    return 0;
}

static void print_search(const search_figs *f, int ndocs)
{
    int pass = f->p95 < 10 && f->same == f->checked;
    printf("| search over %d documents, p50 / p95 / p99 (1-2 words), wall | %.2f / %.2f / %.2f ms "
           "| aim p95 < 10 ms | %s |\n",
           ndocs, f->p50, f->p95, f->p99, f->p95 < 10 ? "met" : "missed");
    printf("| search, CPU time per query p50 / p95 | %.2f / %.2f ms | - | - |\n", f->cpu50,
           f->cpu95);
    printf("| search for the most frequent word (in ~98%% of documents), p95 wall / CPU | %.2f / "
           "%.2f ms | - | - |\n",
           f->common95, f->commoncpu);
    printf("| search top 10 = exhaustive ranking's (sample of %d queries) | %d agree | exhaustive "
           "(FTS5 bm25) p95 wall %.2f ms, CPU %.2f ms | %s |\n",
           f->checked, f->same, f->ref95, f->refcpu95,
           f->same == f->checked ? "same" : "DIFFERENT");
    printf("| corpus ingest (put + index, batched commits) | %.0f docs/s | - | avg %.1f hits/query "
           "(limit 10) |\n",
           f->ingest, f->hits);
    printf("aim: search p95 < 10 ms at %d documents (wall %.2f ms, CPU %.2f ms, results %s): %s\n",
           ndocs, f->p95, f->cpu95, f->same == f->checked ? "as exhaustive" : "differ",
           pass ? "PASS" : "FAIL");
    fflush(stdout);
}

int main(void)
{
    int quick = env_num("OG_BENCH_QUICK", 0) != 0;
    int nwriters = (int)env_num("OG_BENCH_WRITERS", 8);
    const char *only = getenv("OG_BENCH_ONLY");
    int only_versions = only && strcmp(only, "versions") == 0;
    int only_search = only && strcmp(only, "search") == 0;
    if (only_search && getenv("OG_BENCH_SEARCH_DIR"))
        return search_kept(getenv("OG_BENCH_SEARCH_DIR"), ndocs_of(quick), quick);
    int nver = (int)env_num("OG_BENCH_VERSIONS", quick ? 1000 : 10000);
    int ngit = (int)env_num("OG_BENCH_GIT_VERSIONS", nver);
    int ndocs = ndocs_of(quick);
    size_t upload_mib = (size_t)env_num("OG_BENCH_UPLOAD_MIB", quick ? 128 : 1024);
    char tmpl[] = "/tmp/og-bench-art-XXXXXX", data[4200], gitdir[4200], token[OG_TOKEN_MAX];
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(data, sizeof(data), "%s/data", tmpl);
    snprintf(gitdir, sizeof(gitdir), "%s/git", tmpl);
    if (og_install_init(data, token) < 0 || og_install_open(data, &store, &keys) < 0)
        die("init");
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data;
    og_actor_local(&ctx.actor);
    if (og_tenant_create(&ctx, "bench", NULL) < 0 ||
        og_project_create(&ctx, "bench", "sow", "versions", NULL) < 0 ||
        og_project_create(&ctx, "bench", "docs", "search corpus", NULL) < 0 ||
        og_project_create(&ctx, "bench", "big", "uploads", NULL) < 0)
        die("setup");
    if (only_search) { /* OG_BENCH_ONLY=search: the search rows alone */
        search_figs sf;
        search_rows(&ctx, store, ndocs, quick, 1, &sf);
        print_search(&sf, ndocs);
        og_store_close(store);
        og_keyring_free(keys);
        return remove_tree(tmpl);
    }

    /* 1. versions per second, opsgate and git in alternating blocks of a tenth each, so that
     * both see the same load on the machine; each gets the very same edits. The disk's fsync
     * rate is measured in the data folder just before: a durable version costs at least one. */
    size_t len;
    char *doc0 = make_doc(&len), *doc = malloc(len), *gdoc = malloc(len);
    memcpy(doc, doc0, len);
    memcpy(gdoc, doc0, len);
    og_artifact_ref sow = {"bench", "sow", "sow.md"};
    og_artifact_put_opts po = {.kind = "sow", .message = "edit"};
    int use_git = ngit > 0 && have_git() && git_init(gitdir) == 0;
    uint64_t rng_ours = rng, rng_git = rng;
    int64_t ours_us = 0, git_us = 0;
    int64_t *seq_lat = calloc((size_t)nver, sizeof(int64_t));
    double seq_cpu = 0, seq_fsync = fsync_rate(data);
    int blocks = 10, done = 0, gdone = 0;
    for (int b = 1; b <= blocks; b++) {
        int upto = (int)((int64_t)nver * b / blocks), gupto = (int)((int64_t)ngit * b / blocks);
        rng = rng_ours;
        double c0 = cpu_seconds();
        int64_t t0 = og_time_mono_us();
        for (int i = done + 1; i <= upto; i++) {
            edit_doc(doc, len, i);
            int64_t s0 = og_time_mono_us();
            if (og_artifact_put_buffer(&ctx, &sow, &po, doc, len, NULL) < 0)
                die("put");
            seq_lat[i - 1] = og_time_mono_us() - s0;
        }
        ours_us += og_time_mono_us() - t0;
        seq_cpu += cpu_seconds() - c0;
        done = upto;
        rng_ours = rng;
        if (use_git && gupto > gdone) {
            rng = rng_git;
            int64_t us = git_block(gitdir, gdoc, len, gdone + 1, gupto);
            if (us < 0) {
                use_git = 0;
            } else {
                git_us += us;
                gdone = gupto;
            }
            rng_git = rng;
        }
    }
    rng = rng_ours;
    double our_rate = nver / ((double)ours_us / 1e6);
    double git = use_git ? ngit / ((double)git_us / 1e6) : -1;
    double seq50 = pct(seq_lat, (size_t)nver, 0.50), seq99 = pct(seq_lat, (size_t)nver, 0.99);
    free(seq_lat);

    /* 1b. the same edits by nwriters threads at once, each on its own artifact and connection:
     * their commits are shared (og_store_group_commit) */
    conc_result cr;
    concurrent_versions(&cr, data, keys, doc0, len, nwriters, nver, "md");
    /* 1c. the same pair for a document the classifier does not read (.json): the commit path
     * without the classification that runs inside the version's transaction */
    seq_result sj;
    conc_result cj;
    seq_versions(&sj, &ctx, data, doc0, len, nver / 2);
    concurrent_versions(&cj, data, keys, doc0, len, nwriters, nver / 2, "json");
    print_versions(&cr, nver, nwriters, seq_fsync, our_rate, seq50, seq99, seq_cpu, git, ngit);
    printf(
        "| durable versions/s, 1 writer, %d versions of the same document as .json (not "
        "classified) | %.0f /s, p50 %.2f ms, p99 %.2f ms, CPU %.2f ms per version | fsync %.0f /s "
        "| %.2f of fsync/s (at most %.2f with this C and F) |\n",
        nver / 2, sj.rate, sj.p50, sj.p99, sj.cpu_ms, sj.fsync, sj.rate / sj.fsync,
        seq_bound(sj.cpu_ms, sj.fsync));
    printf("| durable versions/s, %d writers, .json (not classified) | %.0f /s, p50 %.2f ms, p99 "
           "%.2f ms, CPU %.2f ms per version, %.1f versions per commit | sequential %.0f /s (fsync "
           "%.0f /s just before) | %.2fx sequential (at most %.2fx on 2 cores with these C and F) "
           "|\n",
           nwriters, cj.rate, cj.p50, cj.p99, cj.cpu_ms, cj.per_commit, sj.rate, cj.fsync,
           cj.rate / sj.rate, conc_bound(sj.cpu_ms, cj.cpu_ms, sj.fsync));
    fflush(stdout);
    if (only_versions) {
        free(doc0);
        free(doc);
        free(gdoc);
        og_store_close(store);
        og_keyring_free(keys);
        return remove_tree(tmpl);
    }

    /* 2. get of a random old version */
    int ngets = quick ? 200 : 1000;
    int64_t *lat = calloc((size_t)ngets, sizeof(int64_t));
    char *buf = malloc(1 << 16);
    for (int i = 0; i < ngets; i++) {
        og_artifact_reader *rd = NULL;
        size_t got;
        int64_t v = 1 + (int64_t)(next_rand() % (uint64_t)nver);
        int64_t s = og_time_mono_us();
        if (og_artifact_get_open(&rd, &ctx, &sow, v, NULL) < 0)
            die("get");
        do {
            if (og_artifact_get_read(rd, buf, 1 << 16, &got) < 0)
                die("get read");
        } while (got);
        og_artifact_get_close(rd);
        lat[i] = og_time_mono_us() - s;
    }
    double get50 = pct(lat, (size_t)ngets, 0.50), get95 = pct(lat, (size_t)ngets, 0.95);
    free(lat);

    /* 3. search over small documents */
    search_figs sf;
    search_rows(&ctx, store, ndocs, quick, 1, &sf);

    /* 4. peak memory of a big upload, in a child process */
    og_store_close(store);
    og_keyring_free(keys);
    store = NULL;
    keys = NULL;
    fflush(NULL);
    int64_t up0 = og_time_mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        if (og_install_open(data, &store, &keys) < 0)
            die("reopen");
        ctx.store = store;
        ctx.keys = keys;
        upload_child(&ctx, upload_mib << 20);
        _exit(0);
    }
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double up_secs = (double)(og_time_mono_us() - up0) / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_artifacts: upload child failed\n");
        return 1;
    }

    printf("| get of a random old version, p50 / p95 | %.2f / %.2f ms | - | - |\n", get50, get95);
    print_search(&sf, ndocs);
    printf("| upload of %zu MiB: peak RSS of the process | %.1f MiB | - | %.0f MiB/s |\n",
           upload_mib, (double)ru.ru_maxrss / 1024.0, (double)upload_mib / up_secs);

    free(doc0);
    free(doc);
    free(gdoc);
    free(buf);
    og_store_close(store);
    og_keyring_free(keys);
    return remove_tree(tmpl);
}
