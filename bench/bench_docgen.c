/* bench_docgen.c - document generation benchmark: 1,000 SOWs of a 40-task project rendered to
 * Markdown, HTML and PDF (documents/s, peak RSS), compared in the same run with pandoc (Debian)
 * turning the same Markdown into HTML and DOCX.
 *
 * Our numbers cover og_docgen_generate (validate, view model, Mustache, cmark, cairo/pango), not
 * storage. pandoc starts a process per document (as it would in a pipeline), so it runs a sample
 * of OG_BENCH_PANDOC_RUNS documents (default 20) and its rate is extrapolated to 1,000 - the table
 * says so. Environment: OG_BENCH_DOCS (default 1000). */
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

/* A realistic project: 8 phases of 5 tasks, rates and hours with decimals. */
static json_t *project_40(void)
{
    static const char *const roles[] = {"Project manager", "Senior engineer", "Engineer",
                                        "Architect"};
    static const char *const rates[] = {"120.00", "145.00", "110.00", "165.50"};
    static const char *const hours[] = {"4", "7.5", "12.25", "16", "6.75", "22.5", "3", "9"};
    json_t *phases = json_array();
    for (int p = 0; p < 8; p++) {
        json_t *tasks = json_array();
        char id[16], name[96], start[16], end[16];
        for (int t = 0; t < 5; t++) {
            char tid[16], tname[128];
            snprintf(tid, sizeof(tid), "T%d.%d", p + 1, t + 1);
            snprintf(tname, sizeof(tname), "Task %d of phase %d: configure, verify and document",
                     t + 1, p + 1);
            json_array_append_new(tasks,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", tid, "name", tname,
                                            "role", roles[(p + t) % 4], "hours",
                                            hours[(p * 5 + t) % 8], "rate", rates[(p + t) % 4]));
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
        "currency", "EUR", "document", "number", "SOW-BENCH-1", "date", "2026-12-01", "project",
        "name", "Datacenter exit", "key", "dc-exit", "client", "name", "Northwind Logistics AG",
        "msa_reference", "MSA-2024-007", "address", "Industriering 4, 28197 Bremen", "provider",
        "name", "Bluefin Managed Services GmbH", "address", "Hafenstrasse 12, Hamburg",
        "objectives", "Move every workload out of the Bremen datacenter",
        "Retire the datacenter lease on time", "scope", "in", "Server migration",
        "Network cut-over", "Decommissioning", "out", "Application changes", "Licences",
        "deliverables", "id", "D1", "name", "Migration plan", "acceptance", "Approved by sponsor",
        "due", "2027-01-31", "id", "D2", "name", "Empty datacenter", "acceptance",
        "Lease handed back", "due", "2027-08-31", "phases", phases, "assumptions",
        "Client provides access", "Change windows on weekends", "payment_terms", "billing",
        "monthly in arrears", "terms", "Net 30", "signoff", "party", "Client", "name",
        "Jonas Berger", "party", "Provider", "name", "Dana Whitfield", "contacts", "side", "client",
        "name", "Jonas Berger", "role", "Sponsor", "email", "j.berger@example.com", "side",
        "provider", "name", "Dana Whitfield", "role", "PM", "email", "dana@example.com");
    if (!d)
        die("building the project");
    return d;
}

typedef struct result {
    double secs;
    int docs;
    size_t bytes; /* of one document */
    long rss_kb;
} result;

static result run_ours(const json_t *data, og_doc_format f, int n)
{
    result r = {0};
    og_docgen_input in;
    og_buf out;
    memset(&in, 0, sizeof(in));
    in.kind = OG_DOC_SOW;
    in.format = f;
    in.data = data;
    og_buf_init(&out, (size_t)64 << 20);
    /* one warm-up (font caches for PDF) outside the clock */
    if (og_docgen_generate(&out, &in, NULL, NULL) < 0)
        die("generate");
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        og_buf_reset(&out);
        if (og_docgen_generate(&out, &in, NULL, NULL) < 0)
            die("generate");
    }
    r.secs = now_s() - t0;
    r.docs = n;
    r.bytes = out.len;
    r.rss_kb = peak_rss_kb(RUSAGE_SELF);
    og_buf_free(&out);
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
    snprintf(cmd, sizeof(cmd), "pandoc -f commonmark_x -t %s -s -o '%s' '%s' 2>/dev/null", to,
             out_path, md_path);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (system(cmd) != 0) {
            r.docs = -1;
            return r;
        }
    }
    r.secs = now_s() - t0;
    r.docs = n;
    r.rss_kb = peak_rss_kb(RUSAGE_CHILDREN);
    FILE *f = fopen(out_path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        r.bytes = (size_t)ftell(f);
        fclose(f);
    }
    return r;
}

int main(void)
{
    int n = getenv("OG_BENCH_DOCS") ? atoi(getenv("OG_BENCH_DOCS")) : 1000;
    int np = getenv("OG_BENCH_PANDOC_RUNS") ? atoi(getenv("OG_BENCH_PANDOC_RUNS")) : 20;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], md_path[600], html_path[600], docx_path[600];
    json_t *data = project_40();
    og_docgen_input in;
    og_buf md;
    if (n < 1)
        n = 1000;
    if (np < 1)
        np = 20;

    /* the Markdown pandoc converts is exactly ours */
    memset(&in, 0, sizeof(in));
    in.kind = OG_DOC_SOW;
    in.format = OG_DOC_MD;
    in.data = data;
    og_buf_init(&md, (size_t)64 << 20);
    if (og_docgen_generate(&md, &in, NULL, NULL) < 0)
        die("generate md");
    snprintf(dir, sizeof(dir), "%.400s/og-bench-docgen.XXXXXX", tmp);
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(md_path, sizeof(md_path), "%s/sow.md", dir);
    snprintf(html_path, sizeof(html_path), "%s/sow.html", dir);
    snprintf(docx_path, sizeof(docx_path), "%s/sow.docx", dir);
    if (og_file_write_atomic(md_path, md.data, md.len, 0600) < 0)
        die("writing the markdown");

    result rm = run_ours(data, OG_DOC_MD, n);
    result rh = run_ours(data, OG_DOC_HTML, n);
    int pdf_ok = og_docgen_pdf_available();
    result rp = {0};
    if (pdf_ok)
        rp = run_ours(data, OG_DOC_PDF, n);
    int pandoc = have_pandoc();
    result ph = {0}, pd = {0};
    if (pandoc) {
        ph = run_pandoc(md_path, "html", html_path, np);
        pd = run_pandoc(md_path, "docx", docx_path, np);
    }

    double md_rate = rm.docs / rm.secs, html_rate = rh.docs / rh.secs;
    double pdf_rate = pdf_ok ? rp.docs / rp.secs : 0;
    printf("### Document generation: %d SOWs of a 40-task project (8 phases x 5 tasks)\n\n", n);
    printf("| engine | output | documents | time (s) | documents/s | bytes/doc | peak RSS (MiB) |"
           " vs pandoc |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---|\n");
    printf("| opsgate | Markdown | %d | %.2f | %.0f | %zu | %.1f | - |\n", rm.docs, rm.secs,
           md_rate, md.len, rm.rss_kb / 1024.0);
    if (pandoc && ph.docs > 0)
        printf("| opsgate | HTML | %d | %.2f | %.0f | %zu | %.1f | %.0fx pandoc HTML |\n", rh.docs,
               rh.secs, html_rate, rh.bytes, rh.rss_kb / 1024.0, html_rate / (ph.docs / ph.secs));
    else
        printf("| opsgate | HTML | %d | %.2f | %.0f | %zu | %.1f | pandoc missing |\n", rh.docs,
               rh.secs, html_rate, rh.bytes, rh.rss_kb / 1024.0);
    if (pdf_ok && pandoc && pd.docs > 0)
        printf(
            "| opsgate | PDF (cairo+pango) | %d | %.2f | %.1f | %zu | %.1f | %.1fx pandoc DOCX |\n",
            rp.docs, rp.secs, pdf_rate, rp.bytes, rp.rss_kb / 1024.0,
            pdf_rate / (pd.docs / pd.secs));
    else if (pdf_ok)
        printf("| opsgate | PDF (cairo+pango) | %d | %.2f | %.1f | %zu | %.1f | - |\n", rp.docs,
               rp.secs, pdf_rate, rp.bytes, rp.rss_kb / 1024.0);
    else
        printf("| opsgate | PDF | - | - | - | - | - | cairo/pango missing: %s |\n",
               og_error_last());
    if (!pandoc) {
        printf("| pandoc | HTML, DOCX | - | - | - | - | - | pandoc missing (Debian package "
               "pandoc; scripts/test-deps.sh installs it) |\n");
    } else {
        const result *rs[2] = {&ph, &pd};
        const char *names[2] = {"HTML", "DOCX"};
        for (int i = 0; i < 2; i++) {
            const result *r = rs[i];
            if (r->docs <= 0) {
                printf("| pandoc | %s | - | - | - | - | - | pandoc failed |\n", names[i]);
                continue;
            }
            double rate = r->docs / r->secs;
            printf("| pandoc (process per doc) | %s | %d measured | %.2f (%.0f for %d, "
                   "extrapolated) | %.1f | %zu | %.1f | 1x |\n",
                   names[i], r->docs, r->secs, r->secs * n / r->docs, n, rate, r->bytes,
                   r->rss_kb / 1024.0);
        }
    }
    printf("\nopsgate runs in one process (validation, view model, Mustache, cmark; PDF pages"
           " are laid out once with pango into cairo recordings, then written with \"Page N of"
           " M\"); pandoc's peak RSS is its largest child. Storage is not included.\n");
    unlink(md_path);
    unlink(html_path);
    unlink(docx_path);
    rmdir(dir);
    og_buf_free(&md);
    json_decref(data);
    return 0;
}
