/* bench_console.c - the web console's benchmark (issue 18): with 10,000 certificates, 2,000 gate
 * items and 500 artifacts (console_seed.c), p95 server time per page under 50 ms and first-page
 * weight under 200 KB compressed, beside the JSON API route serving the same data.
 *
 * It seeds a data folder through the library, starts `opsgate serve` (the binary next to this
 * one) on loopback, signs in to the console as the platform admin (session cookie; the API gets
 * the same admin's bearer token) and, for each page and its API route in turn, sends
 * OG_BENCH_REQUESTS (50) sequential GETs after 3 unmeasured ones, over one kept-alive connection
 * (libcurl). The time of a request is the client's wall clock around it (curl_easy_perform on
 * the open connection: sending the request, the server reading it, routing, the session or token,
 * the handler and the rendering, and receiving the whole answer): an upper bound of the server's
 * time, as libcurl 7.88's own timers reuse a cached clock and give 0 for fast answers. Page weight
 * = the HTML and every /console/assets/ file it references, (a) as served with Accept-Encoding:
 * gzip and (b) each body's bytes gzip -9'ed here, so the aim holds whether or not the server
 * compresses pages.
 *
 * OG_BENCH_CERTS, OG_BENCH_GATES, OG_BENCH_ARTIFACTS (10000, 2000, 500) and OG_BENCH_REQUESTS
 * change the sizes; OG_BENCH_KEEP=1 keeps the temporary folder (its path is printed). */
#include "console_seed.h"

#include "opsgate/util.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

extern char **environ;

#define AIM_P95_MS    50.0
#define AIM_WEIGHT_KB 200.0
#define MAX_ASSETS    16

static long env_num(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* ---- one HTTP client on one kept-alive connection ---- */

typedef struct client {
    CURL *h;
    char base[64];
    char auth[OG_TOKEN_MAX + 64]; /* "Cookie: og_session=..." or "Authorization: Bearer ..." */
    og_buf body, cookie;
} client;

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    return og_buf_append(arg, p, sz * n) < 0 ? 0 : sz * n; /* past the cap: a transport error */
}

/* Keeps the og_session cookie of a Set-Cookie header. */
static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    og_buf *cookie = arg;
    size_t len = sz * n;
    const char *k = "set-cookie: og_session=";
    if (len > strlen(k) && strncasecmp(p, k, strlen(k)) == 0) {
        size_t v = strlen("set-cookie: "), e = v;
        while (e < len && p[e] != ';' && p[e] != '\r' && p[e] != '\n')
            e++;
        cookie->len = 0;
        og_buf_append(cookie, p + v, e - v);
    }
    return len;
}

/* GET (or POST form when form != NULL) path; gzip: send Accept-Encoding: gzip (the body stays as
 * served). Returns the status (0 on a transport error); *server_us the server time. */
static long request(client *c, const char *path, const char *form, int gzip, int64_t *server_us)
{
    char url[2048];
    struct curl_slist *hdr = NULL;
    long status = 0;
    snprintf(url, sizeof(url), "%s%s", c->base, path);
    c->body.len = 0;
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    if (form) {
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, form);
        hdr = curl_slist_append(hdr, "Sec-Fetch-Site: same-origin");
    }
    if (*c->auth)
        hdr = curl_slist_append(hdr, c->auth);
    if (gzip)
        hdr = curl_slist_append(hdr, "Accept-Encoding: gzip");
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdr);
    int64_t t0 = og_time_mono_us();
    if (curl_easy_perform(c->h) == CURLE_OK) {
        if (server_us)
            *server_us = og_time_mono_us() - t0;
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    return status;
}

static int client_init(client *c, int port)
{
    memset(c, 0, sizeof(*c));
    og_buf_init(&c->body, OG_BUF_DEFAULT_CAP);
    og_buf_init(&c->cookie, 256);
    snprintf(c->base, sizeof(c->base), "http://127.0.0.1:%d", port);
    if (!(c->h = curl_easy_init()))
        return -1;
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->h, CURLOPT_HEADERDATA, &c->cookie);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 30L);
    return 0;
}

static void client_free(client *c)
{
    curl_easy_cleanup(c->h);
    og_buf_free(&c->body);
    og_buf_free(&c->cookie);
}

/* ---- figures ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const int64_t *sorted, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return (double)sorted[i] / 1000.0;
}

/* gzip -9 of data[0..len): its size. */
static size_t gzip9(const void *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    size_t cap = deflateBound(&z, len) + 32, out = 0;
    unsigned char *buf = malloc(cap);
    if (buf) {
        z.next_in = (unsigned char *)data;
        z.avail_in = (uInt)len;
        z.next_out = buf;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            out = z.total_out;
    }
    deflateEnd(&z);
    free(buf);
    return out;
}

typedef struct timing {
    long status;
    double p50, p95, max;
} timing;

static timing measure(client *c, const char *path, int n)
{
    timing t = {0};
    int64_t *v = calloc((size_t)n, sizeof(*v));
    for (int i = -3; i < n; i++) {
        int64_t us = 0;
        long s = request(c, path, NULL, 1, &us);
        if (s != 200) {
            t.status = s;
            free(v);
            return t;
        }
        if (i >= 0)
            v[i] = us;
    }
    qsort(v, (size_t)n, sizeof(*v), cmp_i64);
    t.status = 200;
    t.p50 = pct_ms(v, n, 0.50);
    t.p95 = pct_ms(v, n, 0.95);
    t.max = (double)v[n - 1] / 1000.0;
    free(v);
    return t;
}

typedef struct weight {
    double html_kb, served_kb, gzip9_kb;
} weight;

/* The page and the assets it references: sizes as served (gzip asked for) and gzip -9'ed. */
static weight page_weight(client *c, const char *path)
{
    weight w = {0};
    char assets[MAX_ASSETS][256];
    int nassets = 0;
    if (request(c, path, NULL, 1, NULL) != 200)
        return w;
    size_t served = c->body.len;
    if (request(c, path, NULL, 0, NULL) != 200)
        return w;
    w.html_kb = (double)c->body.len / 1024.0;
    size_t g9 = gzip9(c->body.data, c->body.len);
    for (const char *p = c->body.data; p && (p = strstr(p, "/console/assets/")); p++) {
        size_t len = strcspn(p, "\"' >");
        int dup = len >= sizeof(assets[0]);
        for (int i = 0; !dup && i < nassets; i++)
            dup = strncmp(assets[i], p, len) == 0 && assets[i][len] == '\0';
        if (!dup && nassets < MAX_ASSETS)
            snprintf(assets[nassets++], sizeof(assets[0]), "%.*s", (int)len, p);
    }
    for (int i = 0; i < nassets; i++) {
        if (request(c, assets[i], NULL, 1, NULL) == 200)
            served += c->body.len;
        if (request(c, assets[i], NULL, 0, NULL) == 200)
            g9 += gzip9(c->body.data, c->body.len);
    }
    w.served_kb = (double)served / 1024.0;
    w.gzip9_kb = (double)g9 / 1024.0;
    return w;
}

/* ---- the server ---- */

static pid_t serve(const char *opsgate, const char *data, const char *dir, int *port)
{
    char portfile[4200], log[4200];
    pid_t pid = 0;
    snprintf(portfile, sizeof(portfile), "%s/port", dir);
    snprintf(log, sizeof(log), "%s/server.log", dir);
    char *const argv[] = {(char *)opsgate, "--data",      (char *)data, "serve", "--listen",
                          "127.0.0.1:0",   "--port-file", portfile,     NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&pid, opsgate, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(portfile, "r");
        int p = 0;
        if (f) {
            if (fscanf(f, "%d", &p) != 1)
                p = 0;
            fclose(f);
        }
        if (p > 0) {
            *port = p;
            return pid;
        }
        usleep(50000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return -1;
}

/* ---- the pages ---- */

typedef struct page {
    const char *label;
    char console[512], api[512];
} page;

static int pages_make(page *p, const seed_facts *f)
{
    const char *t = f->tenant;
    char art[256];
    snprintf(art, sizeof(art), "projects/%s/artifacts/%s", f->project, f->artifact);
    page v[] = {
        {"overview", "/console", "/metrics"},
        {"fleet, first page (every tenant)", "/console/certificates",
         "/api/v1/certificates?limit=100"},
        {"fleet, filtered (a tenant, expiring, 30 days)",
         "/console/certificates?tenant=globex&finding=expiring&days=30",
         "/api/v1/tenants/globex/certs?finding=expiring&expiring=30d&limit=100"},
        {"a certificate", "", ""},
        {"inbox (a tenant)", "", ""},
        {"inbox (every tenant)", "/console/inbox", ""},
        {"a gate item", "", ""},
        {"projects", "", ""},
        {"a project", "", ""},
        {"an artifact", "", ""},
        {"a diff", "", ""},
        {"search", "", ""},
        {"audit", "", ""},
        {"settings", "", ""},
    };
    int n = (int)(sizeof(v) / sizeof(v[0]));
#define SET(i, ...) snprintf(v[i].console, sizeof(v[i].console), __VA_ARGS__)
#define API(i, ...) snprintf(v[i].api, sizeof(v[i].api), __VA_ARGS__)
    SET(3, "/console/tenants/%s/certificates/%s", t, f->fingerprint);
    API(3, "/api/v1/tenants/%s/certs/%s", t, f->fingerprint);
    SET(4, "/console/inbox?tenant=%s", t);
    API(4, "/api/v1/tenants/%s/gates?state=pending&limit=25", t);
    SET(6, "/console/tenants/%s/gates/%s", t, f->gate_id);
    API(6, "/api/v1/gates/%s", f->gate_id);
    SET(7, "/console/tenants/%s/projects", t);
    API(7, "/api/v1/projects?tenant=%s", t);
    SET(8, "/console/tenants/%s/projects/%s", t, f->project);
    API(8, "/api/v1/projects/%s/artifacts?tenant=%s", f->project, t);
    SET(9, "/console/tenants/%s/%s", t, art);
    API(9, "/api/v1/%s/versions?tenant=%s", art, t);
    SET(10, "/console/tenants/%s/%s/diff?from=1&to=%d", t, art, f->versions);
    API(10, "/api/v1/%s/diff?tenant=%s&from=1&to=%d", art, t, f->versions);
    SET(11, "/console/tenants/%s/search?q=firewall+cutover", t);
    API(11, "/api/v1/artifacts/search?tenant=%s&q=firewall+cutover", t);
    SET(12, "/console/tenants/%s/audit", t);
    API(12, "/api/v1/audit?tenant=%s&limit=50", t);
    SET(13, "/console/tenants/%s/settings", t);
    API(13, "/api/v1/tenants/%s/gate-policy", t);
#undef SET
#undef API
    memcpy(p, v, sizeof(v));
    return n;
}

static int sign_in(client *c, const char *token)
{
    char form[OG_TOKEN_MAX * 3 + 16];
    char *esc = curl_easy_escape(c->h, token, 0);
    snprintf(form, sizeof(form), "token=%s", esc ? esc : "");
    curl_free(esc);
    long s = request(c, "/console/sign-in", form, 0, NULL);
    if ((s != 303 && s != 302) || !c->cookie.len) {
        fprintf(stderr, "bench_console: sign-in answered %ld without a session cookie\n", s);
        return -1;
    }
    snprintf(c->auth, sizeof(c->auth), "Cookie: %s", c->cookie.data);
    return 0;
}

/* The seeding's events (gate notifications, expiry alerts: thousands) are delivered by the
 * server's workers once it starts; measure the pages after, as a running server serves them.
 * Returns the seconds waited (at most 300). */
static double outbox_drain(client *c)
{
    int64_t t0 = og_time_mono_us();
    while (og_time_mono_us() - t0 < 300000000) {
        int idle = 1;
        for (int i = 0; i < 2 && idle; i++)
            idle = request(c, i ? "/api/v1/events?state=running" : "/api/v1/events?state=pending",
                           NULL, 0, NULL) == 200 &&
                   !strstr(c->body.data ? c->body.data : "", "\"id\"");
        if (idle)
            break;
        usleep(500000);
    }
    return (double)(og_time_mono_us() - t0) / 1e6;
}

static void rm_rf(const char *dir)
{
    pid_t pid;
    char *const argv[] = {"rm", "-rf", (char *)dir, NULL};
    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0)
        waitpid(pid, NULL, 0);
}

/* OG_BENCH_DATA=DIR (a data folder kept by OG_BENCH_KEEP=1, with its bench-facts file): measure
 * a copy of it instead of seeding, while working on a page. */
static int facts_copy(const char *from, const char *to)
{
    pid_t pid;
    int st = 1;
    char *const argv[] = {"cp", "-a", (char *)from, (char *)to, NULL};
    if (posix_spawnp(&pid, "cp", NULL, NULL, argv, environ) == 0)
        waitpid(pid, &st, 0);
    return st == 0 ? 0 : -1;
}

static int facts_load(const char *data, seed_facts *f)
{
    char path[4300];
    snprintf(path, sizeof(path), "%s/bench-facts", data);
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(f, sizeof(*f), 1, fp) : 0;
    if (fp)
        fclose(fp);
    return got == 1 ? 0 : -1;
}

static void facts_save(const char *data, const seed_facts *f)
{
    char path[4300];
    snprintf(path, sizeof(path), "%s/bench-facts", data);
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(f, sizeof(*f), 1, fp);
        fclose(fp);
    }
}

static void row(const page *p, const timing *tc, const timing *ta, const weight *w, int *misses)
{
    char api[32] = "-", ratio[32] = "-";
    if (ta->status == 200) {
        snprintf(api, sizeof(api), "%.2f", ta->p95);
        snprintf(ratio, sizeof(ratio), "%.1f", ta->p95 > 0 ? tc->p95 / ta->p95 : 0.0);
    } else if (*p->api)
        snprintf(api, sizeof(api), "HTTP %ld", ta->status);
    if (tc->status != 200) {
        printf("| %s | HTTP %ld | - | - | %s | - | - | - | - | MISS |\n", p->label, tc->status,
               api);
        (*misses)++;
        return;
    }
    int pass = tc->p95 < AIM_P95_MS && w->gzip9_kb < AIM_WEIGHT_KB && w->served_kb < 10240;
    if (!pass)
        (*misses)++;
    printf(
        "| %s | %.2f | %.2f | %.2f | %s | %s | %.1f | %.1f | %.1f | < %.0f ms, < %.0f KB | %s |\n",
        p->label, tc->p50, tc->p95, tc->max, api, ratio, w->html_kb, w->served_kb, w->gzip9_kb,
        AIM_P95_MS, AIM_WEIGHT_KB, pass ? "PASS" : "MISS");
}

int main(void)
{
    seed_sizes n = {(int)env_num("OG_BENCH_CERTS", 10000), (int)env_num("OG_BENCH_GATES", 2000),
                    (int)env_num("OG_BENCH_ARTIFACTS", 500)};
    int nreq = (int)env_num("OG_BENCH_REQUESTS", 50), port = 0, misses = 0;
    char tmpl[] = "/tmp/og-bench-console-XXXXXX", data[4200], scratch[4200], self[4096];
    const char *reuse = getenv("OG_BENCH_DATA");
    char opsgate[4200];
    seed_facts f;
    ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (sl <= 0 || !mkdtemp(tmpl) || nreq < 2)
        return 1;
    self[sl] = '\0';
    snprintf(opsgate, sizeof(opsgate), "%s/opsgate", dirname(self));
    snprintf(data, sizeof(data), "%s/data", tmpl);
    if (reuse && *reuse && facts_copy(reuse, data) < 0)
        return 1;
    snprintf(scratch, sizeof(scratch), "%s/files", tmpl);
    mkdir(scratch, 0700);
    int64_t t0 = og_time_mono_us();
    if (facts_load(data, &f) < 0 && seed_console(data, scratch, &n, &f) < 0) {
        rm_rf(tmpl);
        return 1;
    }
    double seed_s = (double)(og_time_mono_us() - t0) / 1e6;
    facts_save(data, &f);
    rm_rf(scratch);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pid_t pid = serve(opsgate, data, tmpl, &port);
    client con, api;
    if (pid <= 0 || client_init(&con, port) < 0 || client_init(&api, port) < 0 ||
        sign_in(&con, f.admin_token) < 0) {
        fprintf(stderr, "bench_console: the server did not start or refused (see %s)\n", tmpl);
        if (pid > 0)
            kill(pid, SIGTERM);
        return 1;
    }
    snprintf(api.auth, sizeof(api.auth), "Authorization: Bearer %s", f.admin_token);
    double drain_s = outbox_drain(&api);
    page pages[16];
    int np = pages_make(pages, &f);
    char load[64] = "?";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load, sizeof(load), la))
            load[0] = '\0';
        load[strcspn(load, "\n")] = '\0';
        fclose(la);
    }
    printf("console pages: %d certificates, %d gate items, %d artifacts over %d tenants "
           "(seeded in %.1f s; the server's outbox delivered the seeding's events in %.1f s "
           "before measuring); %d sequential GETs per page after 3 unmeasured, one kept-alive "
           "loopback connection; load average %s\n",
           n.certs, n.gates, n.artifacts, SEED_TENANTS, seed_s, drain_s, nreq, load);
    printf("time = the client's wall clock around each request (sent, served, received in full); "
           "API p95 = the JSON "
           "route serving the same data, measured the same way right after; weight = the HTML "
           "and the assets it references, as served (Accept-Encoding: gzip) and gzip -9'ed\n\n");
    printf("| page | p50 ms | p95 ms | max ms | API p95 ms | page/API | HTML KB | served KB | "
           "gzip -9 KB | aim | result |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (int i = 0; i < np; i++) {
        timing tc = measure(&con, pages[i].console, nreq), ta = {0};
        if (*pages[i].api)
            ta = measure(&api, pages[i].api, nreq);
        weight w = tc.status == 200 ? page_weight(&con, pages[i].console) : (weight){0};
        row(&pages[i], &tc, &ta, &w, &misses);
    }
    printf("\nroutes: ");
    for (int i = 0; i < np; i++)
        printf("%s%s -> %s", i ? "; " : "", pages[i].console, *pages[i].api ? pages[i].api : "-");
    printf("\n");
    client_free(&con);
    client_free(&api);
    curl_global_cleanup();
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (env_num("OG_BENCH_KEEP", 0))
        printf("kept %s\n", tmpl);
    else
        rm_rf(tmpl);
    return misses ? 1 : 0;
}
