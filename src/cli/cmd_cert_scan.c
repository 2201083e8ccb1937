/* cmd_cert_scan.c - `opsgate cert scan|schedule`: TLS endpoints scanned now or on a schedule. */
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --concurrency N and --timeout MS (or a duration like 5s); usage errors name the value. */
static int scan_numbers(const og_cli_args *a, int *concurrency, int *timeout_ms)
{
    const char *conc = og_cli_get(a, "concurrency"), *timeout = og_cli_get(a, "timeout");
    *concurrency = 0;
    *timeout_ms = 0;
    if (conc) {
        char *end = NULL;
        long v = strtol(conc, &end, 10);
        if (end == conc || *end || v < 1 || v > 10000)
            return og_cli_bad(a, "bad --concurrency '%s' (1 to 10000)", conc);
        *concurrency = (int)v;
    }
    if (timeout) {
        char *end = NULL;
        long v = strtol(timeout, &end, 10);
        int64_t us = 0;
        if (end != timeout && *end == '\0')
            us = (int64_t)v * 1000;
        else if (og_duration_parse(timeout, &us) < 0)
            us = -1;
        if (us < 1000 || us > 600000000LL)
            return og_cli_bad(a, "bad --timeout '%s' (milliseconds, 1 to 600000, or 5s)", timeout);
        *timeout_ms = (int)(us / 1000);
    }
    return 0;
}

/* The positionals as scan targets, with --ports and --sni checked. */
static int parse_targets(const og_cli_args *a, og_certs_targets **tg)
{
    const char *ports_s = og_cli_get(a, "ports"), *sni = og_cli_get(a, "sni");
    const char *starttls = og_cli_get(a, "starttls");
    uint16_t *ports = NULL;
    size_t nports = 0;
    int error, mode = 0;
    if (a->npos == 0)
        return og_cli_bad(a, "no TARGET to scan");
    if (starttls && og_certs_starttls_parse(starttls, &mode) < 0)
        return og_cli_bad(a, "--starttls: %s", og_error_last());
    /* auto without --ports: the STARTTLS protocols' ports too */
    if (starttls && mode == OG_STLS_AUTO && !ports_s)
        ports_s = OG_CERTS_DEFAULT_PORTS "," OG_CERTS_STARTTLS_PORTS;
    if (ports_s && og_certs_ports_parse(ports_s, &ports, &nports) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if (sni && (!*sni || strlen(sni) > 253))
        return og_cli_bad(a, "bad --sni '%s'", sni);
    error = og_certs_targets_parse(tg, (const char *const *)a->pos, (size_t)a->npos, ports, nports);
    free(ports);
    if (error == OG_EINVAL || error == OG_ETOOBIG)
        return og_cli_bad(a, "%s", og_error_last());
    if (error < 0)
        return og_cli_fail(error);
    return 0;
}

/* ---- scan ---- */

#define SCAN_TABLE_BLOCK 1000 /* rows aligned together; bounds memory on huge verbose scans */

typedef struct scan_out {
    bool json;
    int first;
    int progress_shown;
    bool verbose;
    og_cli_table *table;
    uint64_t quiet[OG_SCAN_HANDSHAKE_ERROR + 1]; /* results not listed, by status */
} scan_out;

static void findings_text(unsigned f, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < OG_CERT_NFINDINGS && o < size; i++)
        if (f & (1u << i))
            o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "",
                                  og_certs_finding_name(1u << i));
}

/* Closed ports, silent ones and addresses without a route say little one by one: a scan of a
 * few hosts over the default ports has dozens. Names that do not resolve are always listed. */
static int quiet_result(const og_certs_scan_result *r)
{
    return r->status == OG_SCAN_REFUSED || r->status == OG_SCAN_TIMEOUT ||
           (r->status == OG_SCAN_UNREACHABLE && r->address && r->address[0]);
}

/* One result as POST /certs/scan returns it in "results" (src/http/certs_api.c). */
static json_t *result_json(const og_certs_scan_result *r)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s?, s:I}", "target", r->target, "address",
                          r->address ? r->address : "", "port", r->port, "sni",
                          r->sni ? r->sni : "", "status", og_certs_scan_status_name(r->status),
                          "error", r->error && *r->error ? r->error : NULL, "elapsed_ms",
                          (json_int_t)(r->elapsed_us / 1000));
    if (o && r->starttls && *r->starttls)
        json_object_set_new(o, "starttls", json_string(r->starttls));
    if (o && r->status == OG_SCAN_OK) {
        char na[OG_TIME_LEN];
        og_time_format(r->not_after_us, na);
        json_object_set_new(o, "tls_version", json_string(r->tls_version ? r->tls_version : ""));
        json_object_set_new(o, "fingerprint", json_string(r->fingerprint ? r->fingerprint : ""));
        json_object_set_new(o, "subject", json_string(r->subject ? r->subject : ""));
        json_object_set_new(o, "not_after", json_string(na));
        json_object_set_new(o, "findings", og_certs_findings_json(r->findings));
        json_object_set_new(o, "chain_len", json_integer(r->chain_len));
    }
    return o;
}

static void table_row(scan_out *so, const og_certs_scan_result *r)
{
    if (r->status == OG_SCAN_OK) {
        char na[OG_TIME_LEN], fp[17], findings[300], tls[64];
        og_time_format(r->not_after_us, na);
        snprintf(tls, sizeof(tls), "%s%s%s", r->tls_version, r->starttls && *r->starttls ? "/" : "",
                 r->starttls ? r->starttls : "");
        na[10] = '\0';
        og_strlcpy(fp, r->fingerprint, sizeof(fp));
        findings_text(r->findings, findings, sizeof(findings));
        og_cli_table_add(so->table,
                         (const char *[]){r->target, "ok", tls, fp, na, r->subject, findings});
    } else {
        og_cli_table_add(so->table,
                         (const char *[]){r->target, og_certs_scan_status_name(r->status), "", "",
                                          "", r->error, ""});
    }
}

static void on_result(void *arg, const og_certs_scan_result *r)
{
    scan_out *so = arg;
    if (so->progress_shown) {
        fputs("\r\033[K", stderr);
        so->progress_shown = 0;
    }
    if (so->json) {
        json_t *j = result_json(r);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        printf("%s\n    %s", so->first ? "" : ",", s ? s : "{}");
        so->first = 0;
        free(s);
        json_decref(j);
        return;
    }
    if (!so->verbose && quiet_result(r)) {
        so->quiet[r->status]++;
        return;
    }
    table_row(so, r);
    if (og_cli_table_rows(so->table) >= SCAN_TABLE_BLOCK) {
        og_cli_table_print(so->table, stdout, 0);
        fflush(stdout);
    }
}

static void on_progress(void *arg, const og_certs_scan_progress *p)
{
    scan_out *so = arg;
    double secs = (double)p->elapsed_us / 1e6;
    double rate = secs > 0 ? (double)p->done / secs : 0;
    double left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    fprintf(stderr, "\r\033[K%llu/%llu endpoints, %llu certificates, %.0f/s, %.0fs left",
            (unsigned long long)p->done, (unsigned long long)p->total, (unsigned long long)p->certs,
            rate, left);
    so->progress_shown = 1;
}

/* "12 endpoints refused or silent (9 refused, 2 timeout, 1 unreachable; --verbose lists each)" */
static void print_quiet_line(const scan_out *so)
{
    static const og_certs_scan_status order[] = {OG_SCAN_REFUSED, OG_SCAN_TIMEOUT,
                                                 OG_SCAN_UNREACHABLE};
    uint64_t total = 0;
    for (size_t i = 0; i < 3; i++)
        total += so->quiet[order[i]];
    if (!total)
        return;
    printf("%llu endpoint%s refused, timed out or unreachable (", (unsigned long long)total,
           total == 1 ? "" : "s");
    int first = 1;
    for (size_t i = 0; i < 3; i++) {
        if (!so->quiet[order[i]])
            continue;
        printf("%s%llu %s", first ? "" : ", ", (unsigned long long)so->quiet[order[i]],
               og_certs_scan_status_name(order[i]));
        first = 0;
    }
    printf("; use --verbose for each)\n");
}

/* The end of the --json document after the streamed results: the other fields of POST
 * /certs/scan's reply. */
static void print_json_summary(const og_certs_scan_summary *sum)
{
    json_t *by_status = json_object();
    for (int s = OG_SCAN_OK; s <= OG_SCAN_HANDSHAKE_ERROR; s++)
        json_object_set_new(by_status, og_certs_scan_status_name((og_certs_scan_status)s),
                            json_integer((json_int_t)sum->by_status[s]));
    json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "scan_id", sum->scan_id, "endpoints",
                          (json_int_t)sum->endpoints, "certs_new", (json_int_t)sum->certs_new,
                          "certs_seen", (json_int_t)sum->certs_seen, "elapsed_ms",
                          (json_int_t)(sum->elapsed_us / 1000), "by_status", by_status);
    const char *key;
    json_t *v;
    printf("\n  ]");
    json_object_foreach(j, key, v)
    {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
        printf(",\n  \"%s\": %s", key, t ? t : "null");
        free(t);
    }
    printf("\n}\n");
    json_decref(j);
}

static void print_text_summary(const scan_out *out, const og_certs_scan_summary *sum)
{
    print_quiet_line(out);
    printf("scanned %llu endpoints in %.1fs: %llu ok, %llu refused, %llu unreachable, "
           "%llu timeout, %llu not-tls, %llu handshake-error; %llu certificates (%llu new)\n",
           (unsigned long long)sum->endpoints, (double)sum->elapsed_us / 1e6,
           (unsigned long long)sum->by_status[OG_SCAN_OK],
           (unsigned long long)sum->by_status[OG_SCAN_REFUSED],
           (unsigned long long)sum->by_status[OG_SCAN_UNREACHABLE],
           (unsigned long long)sum->by_status[OG_SCAN_TIMEOUT],
           (unsigned long long)sum->by_status[OG_SCAN_NOT_TLS],
           (unsigned long long)sum->by_status[OG_SCAN_HANDSHAKE_ERROR],
           (unsigned long long)sum->certs_seen, (unsigned long long)sum->certs_new);
}

int og_cli__cert_scan(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"TARGET",    "RESULT",         "TLS",      "FINGERPRINT",
                                       "NOT AFTER", "SUBJECT/DETAIL", "FINDINGS", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    og_certs_targets *tg = NULL;
    og_certs_scan_opts so;
    og_certs_scan_summary sum;
    scan_out out = {.json = cli->json, .first = 1, .verbose = og_cli_has(a, "verbose")};
    int error;
    memset(&so, 0, sizeof(so));
    if ((error = scan_numbers(a, &so.concurrency, &so.timeout_ms)) ||
        (error = parse_targets(a, &tg)) || (error = og_cli_open(cli, tenant)))
        goto cleanup;
    if (!cli->json && !(out.table = og_cli_table_new(head))) {
        error = og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
        goto cleanup;
    }
    so.sni = og_cli_get(a, "sni");
    so.starttls = og_cli_get(a, "starttls");
    so.on_result = on_result;
    so.on_progress = isatty(2) ? on_progress : NULL; /* piped, it stays quiet */
    so.arg = &out;
    if (cli->json)
        printf("{\n  \"results\": [");
    fflush(stdout);
    error = og_certs_scan(&cli->ctx, tenant, tg, &so, &sum);
    if (out.progress_shown)
        fputs("\r\033[K", stderr);
    og_cli_table_print(out.table, stdout, 0);
    if (error < 0) {
        if (cli->json)
            printf("\n  ]\n}\n");
        error = og_cli_fail(error);
    } else if (cli->json) {
        print_json_summary(&sum);
    } else {
        print_text_summary(&out, &sum);
    }
cleanup:
    og_cli_table_free(out.table);
    og_certs_targets_free(tg);
    return error;
}

/* ---- schedule ---- */

static int schedule_run_due(og_cli *cli, const og_cli_args *a)
{
    int ran = 0, error;
    if (a->npos)
        return og_cli_bad(a, "unexpected argument '%s'", a->pos[0]);
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    if ((error = og_certs_schedule_run_due(&cli->ctx, &ran)) < 0)
        return og_cli_fail(error);
    printf("ran %d scheduled scan%s\n", ran, ran == 1 ? "" : "s");
    return OG_EXIT_OK;
}

static void schedule_row(og_cli_table *t, json_t *s)
{
    char targets[1024] = "";
    size_t l = 0, k;
    json_t *v;
    json_array_foreach(json_object_get(s, "targets"), k, v)
    {
        if (l < sizeof(targets))
            l += (size_t)snprintf(targets + l, sizeof(targets) - l, "%s%s", k ? " " : "",
                                  json_string_value(v));
    }
    const char *last = json_string_value(json_object_get(s, "last_run"));
    og_cli_table_add(t,
                     (const char *[]){json_string_value(json_object_get(s, "id")),
                                      json_string_value(json_object_get(s, "every")),
                                      json_string_value(json_object_get(s, "next_run")),
                                      last ? last : "never",
                                      json_string_value(json_object_get(s, "starttls")), targets});
}

static int schedule_list(og_cli *cli, const char *tenant)
{
    static const char *const head[] = {"ID",       "EVERY",   "NEXT RUN", "LAST RUN",
                                       "STARTTLS", "TARGETS", NULL};
    json_t *arr = NULL, *s;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_schedule_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("schedules", arr);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(arr, i, s) schedule_row(t, s);
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

static int schedule_add(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    const char *every_s = og_cli_get(a, "every");
    int64_t every = 0;
    int concurrency, timeout_ms, error;
    og_certs_targets *tg = NULL;
    char id[OG_ID_LEN];
    if (!every_s)
        return og_cli_bad(a, "cert schedule needs --every (or --list, --delete, --run-due)");
    if (og_certs_every_parse(every_s, &every) < 0 || every < 300000000LL)
        return og_cli_bad(a, "bad --every '%s' (a duration of at least 5m, like 6h)", every_s);
    bool discovered = false; /* @discovered is checked by the library, against the data */
    for (int i = 0; i < a->npos; i++)
        discovered |= strcmp(a->pos[i], OG_CERTS_DISCOVERED_TARGET) == 0;
    if ((error = scan_numbers(a, &concurrency, &timeout_ms)) ||
        (!discovered && (error = parse_targets(a, &tg))))
        return error;
    og_certs_targets_free(tg);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error =
             og_certs_schedule_add(&cli->ctx, tenant, every, (const char *const *)a->pos,
                                   (size_t)a->npos, og_cli_get(a, "ports"), og_cli_get(a, "sni"),
                                   og_cli_get(a, "starttls"), timeout_ms, concurrency, id)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s}", "id", id));
    else
        printf("%s\n", id);
    return OG_EXIT_OK;
}

int og_cli__cert_schedule(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *id = og_cli_get(a, "delete");
    int error;
    if (og_cli_has(a, "run-due"))
        return schedule_run_due(cli, a);
    if (!tenant)
        return og_cli_bad(a, "cert schedule needs --tenant");
    if (og_cli_has(a, "list"))
        return schedule_list(cli, tenant);
    if (!id)
        return schedule_add(cli, a, tenant);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_schedule_delete(&cli->ctx, tenant, id)) < 0)
        return og_cli_fail(error);
    printf("deleted schedule %s\n", id);
    return OG_EXIT_OK;
}
