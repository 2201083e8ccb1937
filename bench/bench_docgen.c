/* bench_docgen.c - document generation benchmark: 1,000 SOWs of a 40-task project rendered to
 * Markdown, HTML and PDF (documents/s, CPU time per document, peak RSS), PDF also on
 * OG_BENCH_THREADS threads at once (default 2), compared in the same run with pandoc (Debian)
 * turning the same Markdown into HTML and DOCX.
 *
 * Our numbers cover og_docgen_generate (validate, view model, Mustache, cmark, cairo/pango), not
 * storage. The per-core rate is documents per CPU second of this process: the machine is shared,
 * so wall-clock rates depend on what else runs; the table prints the machine's load and how busy
 * its CPUs were during each run beside them. Every threaded render is compared byte for byte with
 * the sequential one. pandoc starts a process per document (as it would in a pipeline), so it runs
 * a sample of OG_BENCH_PANDOC_RUNS documents (default 20) and its rate is extrapolated to 1,000 -
 * the table says so. Environment: OG_BENCH_DOCS (default 1000), OG_BENCH_THREADS (default 2),
 * OG_BENCH_ONLY=pdf (PDF only, no pandoc: for profiling), OG_BENCH_PDF_DIR=DIR (write each
 * variant's PDF there as sow-V.pdf, to compare the bytes of two builds). */
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "bench_docgen: %s: %s\n", what, og_error_last());
    exit(1);
}

static double now_s(void)
{
    return (double)og_time_mono_us() / 1e6;
}

static long peak_rss_kb(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_maxrss;
}

/* A realistic project: 8 phases of 5 tasks, rates and hours with decimals. Variant v changes the
 * document number, the client, the hours and rates (so the totals), as SOWs of one provider
 * differ from each other; variant 0 is the project the benchmark always rendered. */
static json_t *project_40(int v)
{
    static const char *const clients[] = {"Northwind Logistics AG", "Contoso Pharma GmbH",
                                          "Fabrikam Textil KG", "Tailspin Toys SE",
                                          "Adventure Works Outdoor GmbH"};
    static const char *const roles[] = {"Project manager", "Senior engineer", "Engineer",
                                        "Architect"};
    static const char *const rates[] = {"120.00", "145.00", "110.00", "165.50"};
    static const char *const hours[] = {"4", "7.5", "12.25", "16", "6.75", "22.5", "3", "9"};
    json_t *phases = json_array();
    char number[32];
    snprintf(number, sizeof(number), "SOW-BENCH-%d", v + 1);
    for (int p = 0; p < 8; p++) {
        json_t *tasks = json_array();
        char id[16], name[96], start[16], end[16];
        for (int t = 0; t < 5; t++) {
            char tid[16], tname[128];
            snprintf(tid, sizeof(tid), "T%d.%d", p + 1, t + 1);
            snprintf(tname, sizeof(tname), "Task %d of phase %d: configure, verify and document",
                     t + 1, p + 1);
            json_array_append_new(tasks, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", tid, "name",
                                                   tname, "role", roles[(p + t) % 4], "hours",
                                                   hours[(p * 5 + t + v) % 8], "rate",
                                                   rates[(p + t + v / 8) % 4]));
        }
        snprintf(id, sizeof(id), "P%d", p + 1);
        snprintf(name, sizeof(name), "Phase %d - migration wave %d", p + 1, p + 1);
        snprintf(start, sizeof(start), "2027-%02d-01", p + 1);
        snprintf(end, sizeof(end), "2027-%02d-25", p + 1);
        json_array_append_new(phases, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "name", name,
                                                "start", start, "end", end, "tasks", tasks));
    }
    json_t *d = json_pack(
        "{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:[s, s],"
        " s:{s:[s, s, s], s:[s, s]}, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}],"
        " s:o, s:[s, s], s:{s:s, s:s}, s:[{s:s, s:s}, {s:s, s:s}],"
        " s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}",
        "currency", "EUR", "document", "number", number, "date", "2026-12-01", "project", "name",
        "Datacenter exit", "key", "dc-exit", "client", "name", clients[v % 5], "msa_reference",
        "MSA-2024-007", "address", "Industriering 4, 28197 Bremen", "provider", "name",
        "Bluefin Managed Services GmbH", "address", "Hafenstrasse 12, Hamburg", "objectives",
        "Move every workload out of the Bremen datacenter", "Retire the datacenter lease on time",
        "scope", "in", "Server migration", "Network cut-over", "Decommissioning", "out",
        "Application changes", "Licences", "deliverables", "id", "D1", "name", "Migration plan",
        "acceptance", "Approved by sponsor", "due", "2027-01-31", "id", "D2", "name",
        "Empty datacenter", "acceptance", "Lease handed back", "due", "2027-08-31", "phases",
        phases, "assumptions", "Client provides access", "Change windows on weekends",
        "payment_terms", "billing", "monthly in arrears", "terms", "Net 30", "signoff", "party",
        "Client", "name", "Jonas Berger", "party", "Provider", "name", "Dana Whitfield", "contacts",
        "side", "client", "name", "Jonas Berger", "role", "Sponsor", "email",
        "j.berger@example.com", "side", "provider", "name", "Dana Whitfield", "role", "PM", "email",
        "dana@example.com");
    if (!d)
        die("building the project");
    return d;
}

typedef struct result {
    double secs; /* wall clock */
    double cpu;  /* CPU seconds of this process */
    double busy; /* CPU seconds of the whole machine (every process), from /proc/stat */
    int docs;
    int threads;
    size_t bytes; /* of one document */
    long rss_kb;
} result;

/* CPU seconds this process has used (every thread). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds the machine has been busy (all cores, every process) since boot; -1 unknown. */
static double machine_busy_s(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    int k = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                       &v[4], &v[5], &v[6], &v[7])
              : 0;
    if (f)
        fclose(f);
    if (k < 8)
        return -1;
    /* user nice system [idle iowait] irq softirq steal */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* The 1, 5 and 15 minute load averages as /proc/loadavg writes them. */
static void loadavg(char *buf, size_t size)
{
    FILE *f = fopen("/proc/loadavg", "r");
    float a = 0, b = 0, c = 0;
    if (!f || fscanf(f, "%f %f %f", &a, &b, &c) != 3)
        snprintf(buf, size, "unknown");
    else
        snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
    if (f)
        fclose(f);
}

typedef struct meter {
    double t0, c0, b0;
} meter;

static void meter_start(meter *m)
{
    m->b0 = machine_busy_s();
    m->c0 = cpu_s();
    m->t0 = now_s();
}

static void meter_stop(const meter *m, result *r)
{
    r->secs = now_s() - m->t0;
    r->cpu = cpu_s() - m->c0;
    double b = machine_busy_s();
    r->busy = b >= 0 && m->b0 >= 0 ? b - m->b0 : -1;
}

#define VARIANTS 100 /* distinct projects, rendered in turn */

static json_t **projects(void)
{
    json_t **d = calloc(VARIANTS, sizeof(*d));
    if (!d)
        die("out of memory");
    for (int v = 0; v < VARIANTS; v++)
        d[v] = project_40(v);
    return d;
}

static void projects_free(json_t **d)
{
    for (int v = 0; v < VARIANTS; v++)
        json_decref(d[v]);
    free(d);
}

static void generate(og_buf *out, const json_t *data, og_doc_format f)
{
    og_docgen_input in;
    memset(&in, 0, sizeof(in));
    in.kind = OG_DOC_SOW;
    in.format = f;
    in.data = data;
    og_buf_reset(out);
    if (og_docgen_generate(out, &in, NULL, NULL) < 0)
        die("generate");
}

/* n documents in format f, one after the other; keep (NULL or VARIANTS buffers) gets the bytes of
 * each variant's first render. */
static result run_ours(json_t **data, og_doc_format f, int n, og_buf *keep)
{
    result r = {0};
    og_buf out;
    meter m;
    size_t total = 0;
    og_buf_init(&out, (size_t)64 << 20);
    generate(&out, data[0], f); /* one warm-up (font caches for PDF) outside the clock */
    meter_start(&m);
    for (int i = 0; i < n; i++) {
        generate(&out, data[i % VARIANTS], f);
        total += out.len;
        if (keep && i < VARIANTS && og_buf_append(&keep[i], out.data, out.len) < 0)
            die("keeping a render");
    }
    meter_stop(&m, &r);
    r.docs = n;
    r.threads = 1;
    r.bytes = total / (size_t)n;
    r.rss_kb = peak_rss_kb(RUSAGE_SELF);
    og_buf_free(&out);
    return r;
}

/* One thread of the concurrent PDF run: its own copies of the projects, documents first, first +
 * step, ... below n, each compared byte for byte with the sequential render of its variant. */
typedef struct worker {
    pthread_t th;
    pthread_barrier_t *start;
    json_t **data;
    int first, step, n;
    const og_buf *ref;
    int differ; /* renders whose bytes differ from the sequential run's */
    size_t total;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    og_buf out;
    og_buf_init(&out, (size_t)64 << 20);
    generate(&out, w->data[0], OG_DOC_PDF); /* warm-up, before the clock */
    pthread_barrier_wait(w->start);
    for (int i = w->first; i < w->n; i += w->step) {
        const og_buf *ref = &w->ref[i % VARIANTS];
        generate(&out, w->data[i % VARIANTS], OG_DOC_PDF);
        w->total += out.len;
        if (out.len != ref->len || memcmp(out.data, ref->data, out.len) != 0)
            w->differ++;
    }
    og_buf_free(&out);
    return NULL;
}

/* n PDF renders spread over nt threads at once. */
static result run_pdf_threads(int n, int nt, const og_buf *ref)
{
    result r = {0};
    worker w[64];
    pthread_barrier_t start;
    meter m;
    int differ = 0;
    size_t total = 0;
    memset(w, 0, sizeof(w));
    pthread_barrier_init(&start, NULL, (unsigned)nt + 1);
    for (int t = 0; t < nt; t++) {
        w[t] = (worker){
            .start = &start, .data = projects(), .first = t, .step = nt, .n = n, .ref = ref};
        if (pthread_create(&w[t].th, NULL, work, &w[t]) != 0)
            die("starting a thread");
    }
    pthread_barrier_wait(&start);
    meter_start(&m);
    for (int t = 0; t < nt; t++)
        pthread_join(w[t].th, NULL);
    meter_stop(&m, &r);
    for (int t = 0; t < nt; t++) {
        differ += w[t].differ;
        total += w[t].total;
        projects_free(w[t].data);
    }
    pthread_barrier_destroy(&start);
    if (differ) {
        fprintf(stderr,
                "bench_docgen: %d of %d concurrent PDF renders differ from the sequential"
                " ones\n",
                differ, n);
        exit(1);
    }
    r.docs = n;
    r.threads = nt;
    r.bytes = total / (size_t)n;
    r.rss_kb = peak_rss_kb(RUSAGE_SELF);
    return r;
}

static int have_pandoc(void)
{
    return system("command -v pandoc >/dev/null 2>&1") == 0;
}

static result run_pandoc(const char *md_path, const char *to, const char *out_path, int n)
{
    result r = {0};
    char cmd[4400];
    meter m;
    snprintf(cmd, sizeof(cmd), "pandoc -f commonmark_x -t %s -s -o '%s' '%s' 2>/dev/null", to,
             out_path, md_path);
    meter_start(&m);
    for (int i = 0; i < n; i++) {
        if (system(cmd) != 0) {
            r.docs = -1;
            return r;
        }
    }
    meter_stop(&m, &r);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru); /* pandoc's CPU is its children's, not ours */
    r.cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
            ru.ru_stime.tv_usec / 1e6;
    r.docs = n;
    r.threads = 1;
    r.rss_kb = peak_rss_kb(RUSAGE_CHILDREN);
    FILE *f = fopen(out_path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        r.bytes = (size_t)ftell(f);
        fclose(f);
    }
    return r;
}

/* One row: rate, CPU per document, per-core rate, and how busy the machine was beside us. */
static void row(const char *engine, const char *output, const result *r, const char *vs)
{
    double other = r->busy >= 0 ? (r->busy - r->cpu) / r->secs : -1;
    char busy[64];
    if (r->busy >= 0)
        snprintf(busy, sizeof(busy), "%.2f / %.2f", r->busy / r->secs, other < 0 ? 0 : other);
    else
        snprintf(busy, sizeof(busy), "-");
    printf("| %s | %s | %d | %d | %.2f | %.1f | %.2f | %.1f | %zu | %.1f | %s | %s |\n", engine,
           output, r->docs, r->threads, r->secs, r->docs / r->secs, r->cpu * 1e3 / r->docs,
           r->cpu > 0 ? r->docs / r->cpu : 0, r->bytes, r->rss_kb / 1024.0, busy, vs);
}

/* The first render of each variant as DIR/sow-V.pdf (OG_BENCH_PDF_DIR). */
static void pdf_out(const og_buf *keep, int n, const char *dir)
{
    char path[4200];
    for (int v = 0; v < n && v < VARIANTS; v++) {
        snprintf(path, sizeof(path), "%.4000s/sow-%d.pdf", dir, v);
        if (og_file_write_atomic(path, keep[v].data, keep[v].len, 0644) < 0)
            die("writing to OG_BENCH_PDF_DIR");
    }
}

int main(void)
{
    int n = getenv("OG_BENCH_DOCS") ? atoi(getenv("OG_BENCH_DOCS")) : 1000;
    int np = getenv("OG_BENCH_PANDOC_RUNS") ? atoi(getenv("OG_BENCH_PANDOC_RUNS")) : 20;
    int nt = getenv("OG_BENCH_THREADS") ? atoi(getenv("OG_BENCH_THREADS")) : 2;
    int only_pdf = getenv("OG_BENCH_ONLY") && strcmp(getenv("OG_BENCH_ONLY"), "pdf") == 0;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], md_path[600], html_path[600], docx_path[600], load0[64], load1[64], vs[128];
    json_t **data = projects();
    og_buf md, keep[VARIANTS];
    if (n < 1)
        n = 1000;
    if (np < 1)
        np = 20;
    if (nt < 1 || nt > 64)
        nt = 2;
    loadavg(load0, sizeof(load0));

    /* the Markdown pandoc converts is exactly ours (of the first variant) */
    og_buf_init(&md, (size_t)64 << 20);
    generate(&md, data[0], OG_DOC_MD);
    for (int v = 0; v < VARIANTS; v++)
        og_buf_init(&keep[v], (size_t)64 << 20);
    snprintf(dir, sizeof(dir), "%.400s/og-bench-docgen.XXXXXX", tmp);
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(md_path, sizeof(md_path), "%s/sow.md", dir);
    snprintf(html_path, sizeof(html_path), "%s/sow.html", dir);
    snprintf(docx_path, sizeof(docx_path), "%s/sow.docx", dir);
    if (og_file_write_atomic(md_path, md.data, md.len, 0600) < 0)
        die("writing the markdown");

    result rm = {0}, rh = {0}, ph = {0}, pd = {0};
    if (!only_pdf) {
        rm = run_ours(data, OG_DOC_MD, n, NULL);
        rh = run_ours(data, OG_DOC_HTML, n, NULL);
    }
    result rp = run_ours(data, OG_DOC_PDF, n, keep);
    if (getenv("OG_BENCH_PDF_DIR"))
        pdf_out(keep, n, getenv("OG_BENCH_PDF_DIR"));
    result rt = run_pdf_threads(n, nt, keep);
    int pandoc = !only_pdf && have_pandoc();
    if (pandoc) {
        ph = run_pandoc(md_path, "html", html_path, np);
        pd = run_pandoc(md_path, "docx", docx_path, np);
    }
    loadavg(load1, sizeof(load1));

    printf("### Document generation: %d SOWs of a 40-task project (8 phases x 5 tasks,"
           " %d variants in turn)\n\n",
           n, VARIANTS);
    printf("| engine | output | documents | threads | time (s) | documents/s | CPU ms/doc |"
           " per core (docs/CPU s) | bytes/doc | peak RSS (MiB) | machine busy / others (cores) |"
           " vs |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    if (!only_pdf) {
        row("opsgate", "Markdown", &rm, "-");
        snprintf(vs, sizeof(vs), "%.0fx pandoc HTML", (rh.docs / rh.secs) / (ph.docs / ph.secs));
        row("opsgate", "HTML", &rh, pandoc && ph.docs > 0 ? vs : "-");
    }
    snprintf(vs, sizeof(vs), "%.1fx pandoc DOCX; Markdown is %.0fx faster",
             (rp.docs / rp.secs) / (pd.docs / pd.secs), (rm.docs / rm.secs) / (rp.docs / rp.secs));
    row("opsgate", "PDF (cairo+pango)", &rp, pandoc && pd.docs > 0 ? vs : "-");
    snprintf(vs, sizeof(vs), "%.2fx sequential; every render byte-identical to it",
             (rt.docs / rt.secs) / (rp.docs / rp.secs));
    row("opsgate", "PDF (cairo+pango)", &rt, vs);
    if (pandoc) {
        const result *rs[2] = {&ph, &pd};
        const char *names[2] = {"HTML", "DOCX"};
        for (int i = 0; i < 2; i++) {
            if (rs[i]->docs <= 0) {
                printf("| pandoc | %s | - | - | - | - | - | - | - | - | - | pandoc failed |\n",
                       names[i]);
                continue;
            }
            snprintf(vs, sizeof(vs), "1x (%d measured, %.0f s for %d extrapolated)", rs[i]->docs,
                     rs[i]->secs * n / rs[i]->docs, n);
            row("pandoc (process per doc)", names[i], rs[i], vs);
        }
    } else if (!only_pdf) {
        printf("| pandoc | HTML, DOCX | - | - | - | - | - | - | - | - | - | pandoc missing (Debian "
               "package pandoc; scripts/test-deps.sh installs it) |\n");
    }
    printf("\nPDF on %d cores: %.1f SOWs/s wall clock with %d threads, %.1f per CPU second "
           "(%d x that: %.0f/s, what the cores give at this CPU cost per document with nothing "
           "else running; aim >= 100/s).\n",
           (int)sysconf(_SC_NPROCESSORS_ONLN), rt.docs / rt.secs, nt, rt.docs / rt.cpu,
           (int)sysconf(_SC_NPROCESSORS_ONLN),
           (int)sysconf(_SC_NPROCESSORS_ONLN) * rt.docs / rt.cpu);
    printf("Machine: %ld cores, load average %s before and %s after; \"machine busy / others\" is"
           " the CPU the whole machine used during the run and the part of it other processes"
           " used (other work running beside the benchmark makes wall-clock rates lower).\n",
           sysconf(_SC_NPROCESSORS_ONLN), load0, load1);
    printf("opsgate runs in one process (validation, view model, Mustache, cmark; PDF pages"
           " are laid out once with pango into cairo recordings, then written with \"Page N of"
           " M\"); pandoc's CPU and peak RSS are its children's. Storage is not included.\n");
    unlink(md_path);
    unlink(html_path);
    unlink(docx_path);
    rmdir(dir);
    og_buf_free(&md);
    for (int v = 0; v < VARIANTS; v++)
        og_buf_free(&keep[v]);
    projects_free(data);
    return 0;
}
