/* cmd_cert.c - `opsgate cert scan|scan-files|import|list|show|policy|schedule|check-expiry`. */
#include "cli/cli.h"
#include "cli/cmd_cert_deploy.h"
#include "cli/table.h"

int og_cli_cert_acme(og_cli *cli, int argc, char **argv); /* cmd_cert_acme.c */
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const help =
    "usage: opsgate cert scan --tenant T TARGET... [--ports LIST] [--sni NAME]\n"
    "                         [--concurrency N] [--timeout MS] [--verbose] [--json]\n"
    "       opsgate cert scan-files --tenant T PATH... [--password-file FILE] [--json]\n"
    "       opsgate cert import --tenant T FILE [--password-file FILE] [--json]\n"
    "       opsgate cert list --tenant T [--expiring 30d] [--finding F] [--json]\n"
    "       opsgate cert list --all-tenants [--expiring 30d] [--finding F] [--json]\n"
    "       opsgate cert show --tenant T ID [--json]\n"
    "       opsgate cert policy --tenant T [--thresholds 30,14,7,1]\n"
    "                           [--ca-bundle FILE | --ca-bundle-only FILE | --system-trust]\n"
    "                           [--json]\n"
    "       opsgate cert schedule --tenant T --every 6h TARGET... [--ports LIST] [--sni NAME]\n"
    "                             [--concurrency N] [--timeout MS]\n"
    "       opsgate cert schedule --tenant T --list [--json]\n"
    "       opsgate cert schedule --tenant T --delete ID\n"
    "       opsgate cert schedule --run-due\n"
    "       opsgate cert check-expiry [--tenant T]\n"
    "       opsgate cert issue --tenant T --name N [--name N2 ...]\n"
    "                          --challenge http-01|dns-01|tls-alpn-01\n"
    "                          [--http-listen ADDR | --webroot DIR] [--tls-listen ADDR]\n"
    "                          [--dns-provider challtestsrv|rfc2136 --dns-config CONFIG]\n"
    "                          [--key-type ec256] [--account ID] [--timeout 120s] [--json]\n"
    "       opsgate cert renew --tenant T ID [--json]  |  cert renew --due [--tenant T]\n"
    "       opsgate cert revoke --tenant T ID [--reason R]\n"
    "       opsgate cert plans --tenant T [ID] [--json]\n"
    "       opsgate cert deploy --tenant T ID --target NAME [--json]\n"
    "\n"
    "issue, renew, revoke and plans get certificates from the tenant's ACME CA (see\n"
    "`opsgate acme --help` for accounts and docs/acme.md); renew runs as gate action certs.renew\n"
    "(L1). deploy puts a certificate on a deploy target (see `opsgate target --help`) as gate\n"
    "action certs.deploy (L1): it verifies every endpoint serves it and rolls back otherwise.\n"
    "\n"
    "The certificate inventory of a tenant: every certificate found on its endpoints, in its\n"
    "files or imported, once per SHA-256 fingerprint, with where and when it was seen.\n"
    "\n"
    "scan        Connect to each endpoint, complete a TLS handshake and record the chain served.\n"
    "            TARGET is host:port, [v6addr]:port, a host (every port of --ports, default\n"
    "            443,8443,636,993,995,465), an IPv4 CIDR up to /16 (an IPv6 one up to /112), or\n"
    "            @FILE with one target a line. One epoll loop with non-blocking sockets and\n"
    "            handshakes: refused, unreachable, timed-out, non-TLS and failed endpoints are\n"
    "            results, not errors. --concurrency connections in flight (default 128),\n"
    "            --timeout per endpoint in ms or as 5s (default 5000), --sni the name to send and\n"
    "            check the certificate against (default: the host name of the target; IP targets\n"
    "            send none and are checked against IP SANs). On a terminal a progress line is\n"
    "            shown on stderr. Endpoints that refuse, time out or have no route are counted\n"
    "            on one line; --verbose lists each. --json prints one document with one result\n"
    "            per endpoint, whatever --verbose says.\n"
    "scan-files  Find PEM and DER certificates and PKCS#12 bundles in files and folders\n"
    "            (recursively, symlinks not followed). PKCS#12 bundles are opened without a\n"
    "            password, then with the one in --password-file (its first line; never give a\n"
    "            password on the command line); those neither opens are listed. Files that look\n"
    "            like certificates but do not parse are reported and make the command exit 1.\n"
    "import      Import a PEM bundle (certificates and keys), a DER certificate or a PKCS#12\n"
    "            bundle (--password-file FILE opens it, and passphrase-protected PEM keys). A\n"
    "            private key that matches none of the certificates is refused, naming both\n"
    "            public keys, and nothing is imported. Keys are sealed with the tenant's key and\n"
    "            are never printed or returned; `cert show` only says one is held.\n"
    "list        Soonest expiry first. --expiring 30d: those expiring within 30 days (expired\n"
    "            ones included); --finding F: those with finding F (comma-separated for several).\n"
    "            LEFT is the time left, never less than there is: days and hours rounded up to\n"
    "            the hour (a fresh 5-day certificate shows 5d), under a day hours and minutes.\n"
    "            SEEN AT is where it was last seen (host:port, file path, import:FILE) and how\n"
    "            many other places. --all-tenants: every tenant's certificates in one list, each\n"
    "            row naming its tenant (platform admins and the local operator only; with --as,\n"
    "            --tenant names the user's tenant).\n"
    "show        One certificate by SHA-256 fingerprint or a unique prefix (colons allowed).\n"
    "policy      Expiry alert thresholds in days (default 30,14,7,1) and the trust anchors\n"
    "            chains are checked against: the system store; --ca-bundle FILE adds the\n"
    "            certificates of FILE to it (private roots and intermediates); --ca-bundle-only\n"
    "            FILE trusts FILE's self-signed CAs instead of the system store; --system-trust\n"
    "            drops the tenant's bundle.\n"
    "schedule    Scans the server runs every --every (at least 5m; shown as 6h, 1d12h).\n"
    "            --run-due runs those due.\n"
    "check-expiry  Raise the expiry alerts due now (the server does this after every scheduled\n"
    "            run). Each threshold crossing raises one alert per certificate, never twice.\n"
    "\n"
    "Findings: expired, expiring, hostname-mismatch, untrusted-chain, incomplete-chain,\n"
    "self-signed, weak-key, sha1-signature, long-validity.\n";

typedef struct opts {
    const char *tenant, *ports, *sni, *expiring, *finding, *thresholds, *ca_bundle, *every,
        *delete_id, *timeout, *password_file;
    int json, concurrency, system_trust, list, run_due, verbose, all_tenants, bundle_only;
    const char *concurrency_s;
} opts;

static int parse(int argc, char **argv, opts *o, int *npos, char ***pos)
{
    static const struct option lo[] = {
        {"tenant", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"ports", required_argument, NULL, 'p'},
        {"sni", required_argument, NULL, 's'},
        {"concurrency", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 'T'},
        {"expiring", required_argument, NULL, 'e'},
        {"finding", required_argument, NULL, 'f'},
        {"thresholds", required_argument, NULL, 'h'},
        {"ca-bundle", required_argument, NULL, 'b'},
        {"ca-bundle-only", required_argument, NULL, 'B'},
        {"password-file", required_argument, NULL, 'P'},
        {"verbose", no_argument, NULL, 'v'},
        {"all-tenants", no_argument, NULL, 'A'},
        {"system-trust", no_argument, NULL, 'S'},
        {"every", required_argument, NULL, 'E'},
        {"list", no_argument, NULL, 'l'},
        {"delete", required_argument, NULL, 'd'},
        {"run-due", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof(*o));
    /* getopt_long takes "--password" for "--password-file": a password typed on the command line
     * would then be echoed as a file name. Refuse any other --pass... spelling outright. */
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strncmp(argv[i], "--pass", 6) == 0 && strcmp(argv[i], "--password-file") != 0 &&
            strncmp(argv[i], "--password-file=", 16) != 0)
            return og_cli_usage("cert", "passwords are never taken on the command line: put it "
                                        "in a file and give --password-file FILE");
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", lo, NULL)) != -1) {
        switch (c) {
        case 't':
            o->tenant = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'p':
            o->ports = optarg;
            break;
        case 's':
            o->sni = optarg;
            break;
        case 'c':
            o->concurrency_s = optarg;
            break;
        case 'T':
            o->timeout = optarg;
            break;
        case 'e':
            o->expiring = optarg;
            break;
        case 'f':
            o->finding = optarg;
            break;
        case 'h':
            o->thresholds = optarg;
            break;
        case 'b':
        case 'B':
            if (o->ca_bundle)
                return og_cli_usage("cert", "give one of --ca-bundle and --ca-bundle-only");
            o->ca_bundle = optarg;
            o->bundle_only = c == 'B';
            break;
        case 'P':
            o->password_file = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'A':
            o->all_tenants = 1;
            break;
        case 'S':
            o->system_trust = 1;
            break;
        case 'E':
            o->every = optarg;
            break;
        case 'l':
            o->list = 1;
            break;
        case 'd':
            o->delete_id = optarg;
            break;
        case 'r':
            o->run_due = 1;
            break;
        default:
            return og_cli_badopt("cert", argv + 1);
        }
    }
    *npos = argc - 1 - optind;
    *pos = argv + 1 + optind;
    return 0;
}

static int need_tenant(const opts *o, const char *sub)
{
    if (!o->tenant)
        return og_cli_usage("cert", "cert %s needs --tenant", sub);
    return 0;
}

/* --concurrency N and --timeout MS (or a duration like 5s); usage errors name the value. */
static int scan_numbers(const opts *o, int *concurrency, int *timeout_ms)
{
    *concurrency = 0;
    *timeout_ms = 0;
    if (o->concurrency_s) {
        char *end = NULL;
        long v = strtol(o->concurrency_s, &end, 10);
        if (end == o->concurrency_s || *end || v < 1 || v > 10000)
            return og_cli_usage("cert", "bad --concurrency '%s' (1 to 10000)", o->concurrency_s);
        *concurrency = (int)v;
    }
    if (o->timeout) {
        char *end = NULL;
        long v = strtol(o->timeout, &end, 10);
        int64_t us = 0;
        if (end != o->timeout && *end == '\0')
            us = (int64_t)v * 1000;
        else if (og_duration_parse(o->timeout, &us) < 0)
            us = -1;
        if (us < 1000 || us > 600000000LL)
            return og_cli_usage("cert", "bad --timeout '%s' (milliseconds, 1 to 600000, or 5s)",
                                o->timeout);
        *timeout_ms = (int)(us / 1000);
    }
    return 0;
}

static int parse_targets(const opts *o, int npos, char **pos, og_certs_targets **tg)
{
    uint16_t *ports = NULL;
    size_t nports = 0;
    int error;
    if (npos == 0)
        return og_cli_usage("cert", "no TARGET to scan");
    if (o->ports && og_certs_ports_parse(o->ports, &ports, &nports) < 0)
        return og_cli_usage("cert", "%s", og_error_last());
    if (o->sni && (!*o->sni || strlen(o->sni) > 253))
        return og_cli_usage("cert", "bad --sni '%s'", o->sni);
    error = og_certs_targets_parse(tg, (const char *const *)pos, (size_t)npos, ports, nports);
    free(ports);
    if (error == OG_EINVAL || error == OG_ETOOBIG)
        return og_cli_usage("cert", "%s", og_error_last());
    if (error < 0)
        return og_cli_fail(error);
    return 0;
}

/* ---- scan ---- */

#define SCAN_TABLE_BLOCK 1000 /* rows aligned together; bounds memory on huge verbose scans */

typedef struct scan_out {
    int json;
    int first;
    int tty;
    int progress_shown;
    int verbose;
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

static void on_result(void *arg, const og_certs_scan_result *r)
{
    scan_out *so = arg;
    if (so->progress_shown) {
        fputs("\r\033[K", stderr);
        so->progress_shown = 0;
    }
    if (so->json) {
        json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "target", r->target, "address", r->address,
                              "port", r->port, "status", og_certs_scan_status_name(r->status));
        if (r->sni[0])
            json_object_set_new(j, "sni", json_string(r->sni));
        if (r->status == OG_SCAN_OK) {
            char na[OG_TIME_LEN];
            og_time_format(r->not_after_us, na);
            json_object_set_new(j, "tls_version", json_string(r->tls_version));
            json_object_set_new(j, "fingerprint", json_string(r->fingerprint));
            json_object_set_new(j, "subject", json_string(r->subject));
            json_object_set_new(j, "not_after", json_string(na));
            json_object_set_new(j, "chain_length", json_integer(r->chain_len));
            json_object_set_new(j, "findings", og_certs_findings_json(r->findings));
        } else {
            json_object_set_new(j, "error", json_string(r->error));
        }
        json_object_set_new(j, "elapsed_ms", json_integer(r->elapsed_us / 1000));
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
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
    if (r->status == OG_SCAN_OK) {
        char na[OG_TIME_LEN], fp[17], findings[300];
        og_time_format(r->not_after_us, na);
        na[10] = '\0';
        og_strlcpy(fp, r->fingerprint, sizeof(fp));
        findings_text(r->findings, findings, sizeof(findings));
        og_cli_table_add(so->table, (const char *[]){r->target, "ok", r->tls_version, fp, na,
                                                     r->subject, findings});
    } else {
        og_cli_table_add(so->table,
                         (const char *[]){r->target, og_certs_scan_status_name(r->status), "", "",
                                          "", r->error, ""});
    }
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

static int cmd_scan(og_cli *cli, const opts *o, int npos, char **pos)
{
    static const char *const head[] = {"TARGET",    "RESULT",         "TLS",      "FINGERPRINT",
                                       "NOT AFTER", "SUBJECT/DETAIL", "FINDINGS", NULL};
    og_certs_targets *tg = NULL;
    og_certs_scan_opts so;
    og_certs_scan_summary sum;
    scan_out out;
    int error, concurrency, timeout_ms;
    memset(&out, 0, sizeof(out));
    out.json = o->json;
    out.first = 1;
    out.tty = isatty(2);
    out.verbose = o->verbose;
    if ((error = need_tenant(o, "scan")) || (error = scan_numbers(o, &concurrency, &timeout_ms)) ||
        (error = parse_targets(o, npos, pos, &tg)))
        return error;
    if ((error = og_cli_open(cli, o->tenant))) {
        og_certs_targets_free(tg);
        return error;
    }
    if (!o->json && !(out.table = og_cli_table_new(head))) {
        og_certs_targets_free(tg);
        fprintf(stderr, "opsgate: out of memory\n");
        return OG_EXIT_FAIL;
    }
    memset(&so, 0, sizeof(so));
    so.sni = o->sni;
    so.concurrency = concurrency;
    so.timeout_ms = timeout_ms;
    so.on_result = on_result;
    so.on_progress = out.tty ? on_progress : NULL; /* piped, it stays quiet */
    so.arg = &out;
    if (o->json)
        printf("{\n  \"results\": [");
    fflush(stdout);
    error = og_certs_scan(&cli->ctx, o->tenant, tg, &so, &sum);
    og_certs_targets_free(tg);
    if (out.progress_shown)
        fputs("\r\033[K", stderr);
    og_cli_table_print(out.table, stdout, 0);
    og_cli_table_free(out.table);
    if (error < 0) {
        if (o->json)
            printf("\n  ]\n}\n");
        return og_cli_fail(error);
    }
    if (o->json) {
        json_t *s = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "scan_id",
                              sum.scan_id, "endpoints", (json_int_t)sum.endpoints, "ok",
                              (json_int_t)sum.by_status[OG_SCAN_OK], "refused",
                              (json_int_t)sum.by_status[OG_SCAN_REFUSED], "unreachable",
                              (json_int_t)sum.by_status[OG_SCAN_UNREACHABLE], "timeout",
                              (json_int_t)sum.by_status[OG_SCAN_TIMEOUT], "not_tls",
                              (json_int_t)sum.by_status[OG_SCAN_NOT_TLS], "handshake_error",
                              (json_int_t)sum.by_status[OG_SCAN_HANDSHAKE_ERROR], "certs_seen",
                              (json_int_t)sum.certs_seen, "certs_new", (json_int_t)sum.certs_new,
                              "elapsed_ms", (json_int_t)(sum.elapsed_us / 1000));
        char *t = json_dumps(s, JSON_COMPACT | JSON_ENSURE_ASCII);
        printf("\n  ],\n  \"summary\": %s\n}\n", t ? t : "{}");
        free(t);
        json_decref(s);
    } else {
        print_quiet_line(&out);
        printf("scanned %llu endpoints in %.1fs: %llu ok, %llu refused, %llu unreachable, "
               "%llu timeout, %llu not-tls, %llu handshake-error; %llu certificates (%llu new)\n",
               (unsigned long long)sum.endpoints, (double)sum.elapsed_us / 1e6,
               (unsigned long long)sum.by_status[OG_SCAN_OK],
               (unsigned long long)sum.by_status[OG_SCAN_REFUSED],
               (unsigned long long)sum.by_status[OG_SCAN_UNREACHABLE],
               (unsigned long long)sum.by_status[OG_SCAN_TIMEOUT],
               (unsigned long long)sum.by_status[OG_SCAN_NOT_TLS],
               (unsigned long long)sum.by_status[OG_SCAN_HANDSHAKE_ERROR],
               (unsigned long long)sum.certs_seen, (unsigned long long)sum.certs_new);
    }
    return OG_EXIT_OK;
}

/* ---- passwords ---- */

/* The password in --password-file: its first line, without the line ending. NULL without the
 * option. The caller wipes and frees it with free_password(). */
static int read_password(const opts *o, char **out)
{
    size_t len = 0;
    int error;
    *out = NULL;
    if (!o->password_file)
        return 0;
    if ((error = og_file_read(o->password_file, 4096, out, &len)) < 0) {
        og_error_wrap("--password-file '%s'", o->password_file);
        return og_cli_fail(error);
    }
    char *nl = memchr(*out, '\n', len);
    if (nl) {
        og_crypto_wipe(nl, len - (size_t)(nl - *out));
        if (nl > *out && nl[-1] == '\r')
            nl[-1] = '\0';
    }
    return 0;
}

static void free_password(char *pw)
{
    if (pw) {
        og_crypto_wipe(pw, strlen(pw));
        free(pw);
    }
}

/* ---- scan-files ---- */

typedef struct files_out {
    int json;
    json_t *arr;
    int password_given;
} files_out;

static void on_file(void *arg, const og_certs_file_result *r)
{
    files_out *fo = arg;
    if (fo->json) {
        json_array_append_new(fo->arr, json_pack("{s:s, s:s, s:s, s:i, s:s?}", "path", r->path,
                                                 "kind", r->kind, "status", r->status, "certs",
                                                 r->certs, "error", r->error));
        return;
    }
    if (strcmp(r->status, "invalid") == 0)
        fprintf(stderr, "opsgate: %s: %s\n", r->path, r->error ? r->error : "invalid");
    else if (strcmp(r->status, "needs-password") == 0)
        printf("%s: %s bundle needs a password (%s)\n", r->path, r->kind,
               fo->password_given ? "the one in --password-file does not open it"
                                  : "give it with --password-file FILE");
    else
        printf("%s: %d certificate%s (%s)\n", r->path, r->certs, r->certs == 1 ? "" : "s", r->kind);
}

static int cmd_scan_files(og_cli *cli, const opts *o, int npos, char **pos)
{
    files_out fo = {o->json, NULL, o->password_file != NULL};
    og_certs_files_summary sum;
    char *password = NULL;
    int error;
    if ((error = need_tenant(o, "scan-files")))
        return error;
    if (npos == 0)
        return og_cli_usage("cert", "no file or folder to scan");
    if ((error = og_cli_open(cli, o->tenant)) || (error = read_password(o, &password)))
        return error;
    fo.arr = json_array();
    error = og_certs_scan_files(&cli->ctx, o->tenant, (const char *const *)pos, (size_t)npos,
                                password, on_file, &fo, &sum);
    free_password(password);
    if (error < 0) {
        json_decref(fo.arr);
        return og_cli_fail(error);
    }
    if (o->json) {
        og_cli_print_json(json_pack(
            "{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "files", fo.arr, "summary", "files_seen",
            (json_int_t)sum.files_seen, "files_with_certs", (json_int_t)sum.files_with_certs,
            "needs_password", (json_int_t)sum.needs_password, "invalid", (json_int_t)sum.invalid,
            "certs_seen", (json_int_t)sum.certs_seen, "certs_new", (json_int_t)sum.certs_new));
    } else {
        json_decref(fo.arr);
        printf("%llu files: %llu with certificates, %llu need a password, %llu invalid; "
               "%llu certificates (%llu new)\n",
               (unsigned long long)sum.files_seen, (unsigned long long)sum.files_with_certs,
               (unsigned long long)sum.needs_password, (unsigned long long)sum.invalid,
               (unsigned long long)sum.certs_seen, (unsigned long long)sum.certs_new);
    }
    return sum.invalid ? OG_EXIT_FAIL : OG_EXIT_OK;
}

/* ---- import ---- */

static int cmd_import(og_cli *cli, const opts *o, int npos, char **pos)
{
    char *buf = NULL, *password = NULL;
    size_t len = 0;
    og_certs_import_summary sum;
    int error;
    if ((error = need_tenant(o, "import")))
        return error;
    if (npos != 1)
        return og_cli_usage("cert", "cert import takes exactly one FILE");
    if ((error = og_cli_open(cli, o->tenant)) || (error = read_password(o, &password)))
        return error;
    if ((error = og_file_read(pos[0], 1024 * 1024, &buf, &len)) < 0) {
        free_password(password);
        og_error_wrap("cannot import '%s'", pos[0]);
        return og_cli_fail(error);
    }
    error = og_certs_import_bundle(&cli->ctx, o->tenant, pos[0], buf, len, password, &sum);
    /* the bundle may hold private keys */
    og_crypto_wipe(buf, len);
    free(buf);
    free_password(password);
    if (error < 0) {
        if (!o->password_file && strstr(og_error_last(), "needs a password")) {
            fprintf(stderr, "opsgate: %s (give it with --password-file FILE)\n", og_error_last());
            return OG_EXIT_FAIL;
        }
        return og_cli_fail(error);
    }
    if (o->json)
        og_cli_print_json(json_pack("{s:s, s:i, s:i, s:i, s:s}", "kind", sum.kind, "certs",
                                    sum.certs, "certs_new", sum.certs_new, "keys_sealed", sum.keys,
                                    "fingerprint", sum.first_fingerprint));
    else
        printf("imported %d certificate%s (%d new) from a %s file, %d private key%s sealed; "
               "first %s\n",
               sum.certs, sum.certs == 1 ? "" : "s", sum.certs_new,
               strcmp(sum.kind, "pkcs12") == 0 ? "PKCS#12"
               : strcmp(sum.kind, "der") == 0  ? "DER"
                                               : "PEM",
               sum.keys, sum.keys == 1 ? "" : "s", sum.first_fingerprint);
    return OG_EXIT_OK;
}

/* ---- list and show ---- */

/* "host:443 (sni a.example) +2 more": where a certificate was last seen and how many other
 * places it was seen at. */
static void seen_at_text(json_t *c, char *out, size_t size)
{
    const char *first = json_string_value(json_array_get(json_object_get(c, "locations"), 0));
    json_int_t n = json_integer_value(json_object_get(c, "sightings"));
    if (!first)
        snprintf(out, size, "-");
    else if (n > 1)
        snprintf(out, size, "%s +%lld more", first, (long long)(n - 1));
    else
        snprintf(out, size, "%s", first);
}

static int cmd_list(og_cli *cli, const opts *o, int npos, char **pos)
{
    static const char *const head[] = {"TENANT",  "FINGERPRINT", "NOT AFTER", "LEFT",
                                       "SUBJECT", "SEEN AT",     "FINDINGS",  NULL};
    og_certs_filter f;
    json_t *arr = NULL;
    int error;
    memset(&f, 0, sizeof(f));
    if (o->all_tenants) {
        /* --tenant then only says whose user --as names */
        if (o->tenant && !cli->as_user)
            return og_cli_usage("cert", "--all-tenants lists every tenant: drop --tenant (it only "
                                        "goes with --as USER, to name that user's tenant)");
    } else if ((error = need_tenant(o, "list"))) {
        return error;
    }
    if (npos)
        return og_cli_usage("cert", "unexpected argument '%s'", pos[0]);
    if (o->expiring) {
        char *end = NULL;
        long days = strtol(o->expiring, &end, 10);
        if (end != o->expiring && *end == '\0' && days > 0 && days <= 36500)
            f.expiring_us = (int64_t)days * 86400000000LL;
        else if (og_duration_parse(o->expiring, &f.expiring_us) < 0 || f.expiring_us <= 0)
            return og_cli_usage("cert", "bad --expiring '%s' (a duration like 30d, 2w or 12h)",
                                o->expiring);
    }
    if (o->finding) {
        char buf[256];
        og_strlcpy(buf, o->finding, sizeof(buf));
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            unsigned bit;
            if (og_certs_finding_parse(t, &bit) < 0)
                return og_cli_usage("cert", "%s", og_error_last());
            f.finding |= bit;
        }
    }
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    error = o->all_tenants ? og_certs_list_all(&cli->ctx, &f, &arr)
                           : og_certs_list(&cli->ctx, o->tenant, &f, &arr);
    if (error < 0)
        return og_cli_fail(error);
    if (o->json) {
        og_cli_print_json(arr);
        return OG_EXIT_OK;
    }
    /* without --all-tenants the TENANT column is left out */
    og_cli_table *t = og_cli_table_new(o->all_tenants ? head : head + 1);
    if (!t) {
        json_decref(arr);
        fprintf(stderr, "opsgate: out of memory\n");
        return OG_EXIT_FAIL;
    }
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        char findings[300] = "", fp[17], na[11], seen[600];
        size_t k;
        json_t *fj;
        json_array_foreach(json_object_get(c, "findings"), k, fj)
        {
            size_t l = strlen(findings);
            snprintf(findings + l, sizeof(findings) - l, "%s%s", k ? "," : "",
                     json_string_value(fj));
        }
        og_strlcpy(fp, json_string_value(json_object_get(c, "fingerprint")), sizeof(fp));
        og_strlcpy(na, json_string_value(json_object_get(c, "not_after")), sizeof(na));
        seen_at_text(c, seen, sizeof(seen));
        const char *row[] = {json_string_value(json_object_get(c, "tenant")),
                             fp,
                             na,
                             json_string_value(json_object_get(c, "expires_in")),
                             json_string_value(json_object_get(c, "subject")),
                             seen,
                             findings};
        og_cli_table_add(t, o->all_tenants ? row : row + 1);
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

static int cmd_show(og_cli *cli, const opts *o, int npos, char **pos)
{
    json_t *doc = NULL;
    int error;
    if ((error = need_tenant(o, "show")))
        return error;
    if (npos != 1)
        return og_cli_usage("cert", "cert show takes exactly one ID (fingerprint or prefix)");
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    if ((error = og_certs_show(&cli->ctx, o->tenant, pos[0], &doc)) < 0)
        return og_cli_fail(error);
    if (o->json) {
        og_cli_print_json(doc);
        return OG_EXIT_OK;
    }
    const char *keys[] = {
        "fingerprint",         "subject", "issuer", "serial", "not_before", "not_after",
        "signature_algorithm", NULL};
    for (size_t i = 0; keys[i]; i++)
        printf("%-20s %s\n", keys[i], json_string_value(json_object_get(doc, keys[i])));
    json_t *key = json_object_get(doc, "key");
    printf("%-20s %s %lld%s%s\n", "key", json_string_value(json_object_get(key, "type")),
           (long long)json_integer_value(json_object_get(key, "bits")),
           json_object_get(key, "curve") ? " " : "",
           json_object_get(key, "curve") ? json_string_value(json_object_get(key, "curve")) : "");
    printf("%-20s %s (%lld day%s)\n", "expires_in",
           json_string_value(json_object_get(doc, "expires_in")),
           (long long)json_integer_value(json_object_get(doc, "days_left")),
           json_integer_value(json_object_get(doc, "days_left")) == 1 ? "" : "s");
    printf("%-20s %s\n", "ca", json_is_true(json_object_get(doc, "ca")) ? "yes" : "no");
    printf("%-20s %s\n", "private_key",
           json_is_true(json_object_get(doc, "private_key")) ? "held (sealed)" : "no");
    const char *lists[] = {"sans", "findings", "ocsp", "ca_issuers", "crl", NULL};
    for (size_t i = 0; lists[i]; i++) {
        size_t k;
        json_t *v;
        printf("%-20s", lists[i]);
        json_array_foreach(json_object_get(doc, lists[i]), k, v)
            printf(" %s", json_string_value(v));
        putchar('\n');
    }
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(doc, "sightings"), k, s)
    {
        json_t *sni = json_object_get(s, "sni");
        printf("%-20s %s %s%s%s last %s\n", k ? "" : "seen",
               json_string_value(json_object_get(s, "kind")),
               json_string_value(json_object_get(s, "location")), sni ? " sni " : "",
               sni ? json_string_value(sni) : "",
               json_string_value(json_object_get(s, "last_seen")));
    }
    json_decref(doc);
    return OG_EXIT_OK;
}

/* ---- policy, schedule, expiry ---- */

static int cmd_policy(og_cli *cli, const opts *o, int npos, char **pos)
{
    og_certs_policy p;
    char *bundle = NULL;
    size_t blen = 0;
    int error, set_bundle = 0;
    memset(&p, 0, sizeof(p));
    if ((error = need_tenant(o, "policy")))
        return error;
    if (npos)
        return og_cli_usage("cert", "unexpected argument '%s'", pos[0]);
    if (o->ca_bundle && o->system_trust)
        return og_cli_usage("cert", "--%s and --system-trust exclude each other",
                            o->bundle_only ? "ca-bundle-only" : "ca-bundle");
    if (o->thresholds && og_certs_thresholds_parse(o->thresholds, &p) < 0)
        return og_cli_usage("cert", "%s", og_error_last());
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    if (o->ca_bundle) {
        if ((error = og_file_read(o->ca_bundle, 8 << 20, &bundle, &blen)) < 0) {
            og_error_wrap("CA bundle '%s'", o->ca_bundle);
            return og_cli_fail(error);
        }
        p.ca_bundle_pem = bundle;
        p.bundle_only = o->bundle_only;
        set_bundle = 1;
    } else if (o->system_trust) {
        set_bundle = 1;
    }
    if (p.nthresholds || set_bundle) {
        error = og_certs_policy_set(&cli->ctx, o->tenant, &p, set_bundle);
        if (error < 0) {
            if (o->ca_bundle)
                og_error_wrap("CA bundle '%s'", o->ca_bundle);
            free(bundle);
            return og_cli_fail(error);
        }
    }
    free(bundle);
    memset(&p, 0, sizeof(p));
    if ((error = og_certs_policy_get(&cli->ctx, o->tenant, &p)) < 0)
        return og_cli_fail(error);
    json_t *j = og_certs_policy_to_json(&p);
    og_certs_policy_clear(&p);
    if (o->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    size_t i;
    json_t *v;
    printf("thresholds:");
    json_array_foreach(json_object_get(j, "thresholds_days"), i, v)
        printf(" %lldd", (long long)json_integer_value(v));
    printf("\ntrust: %s", json_string_value(json_object_get(j, "trust")));
    if (json_integer_value(json_object_get(j, "bundle_certificates")))
        printf(" (%lld certificates)",
               (long long)json_integer_value(json_object_get(j, "bundle_certificates")));
    putchar('\n');
    json_decref(j);
    return OG_EXIT_OK;
}

static int cmd_schedule(og_cli *cli, const opts *o, int npos, char **pos)
{
    int error;
    if (o->run_due) {
        int ran = 0;
        if (npos)
            return og_cli_usage("cert", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, o->tenant)))
            return error;
        if ((error = og_certs_schedule_run_due(&cli->ctx, &ran)) < 0)
            return og_cli_fail(error);
        printf("ran %d scheduled scan%s\n", ran, ran == 1 ? "" : "s");
        return OG_EXIT_OK;
    }
    if ((error = need_tenant(o, "schedule")))
        return error;
    if (o->list) {
        json_t *arr = NULL;
        if ((error = og_cli_open(cli, o->tenant)))
            return error;
        if ((error = og_certs_schedule_list(&cli->ctx, o->tenant, &arr)) < 0)
            return og_cli_fail(error);
        if (o->json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"ID", "EVERY", "NEXT RUN", "LAST RUN", "TARGETS", NULL};
        og_cli_table *t = og_cli_table_new(head);
        size_t i, k;
        json_t *s, *v;
        json_array_foreach(arr, i, s)
        {
            char targets[1024] = "";
            size_t l = 0;
            json_array_foreach(json_object_get(s, "targets"), k, v)
            {
                if (l < sizeof(targets))
                    l += (size_t)snprintf(targets + l, sizeof(targets) - l, "%s%s", k ? " " : "",
                                          json_string_value(v));
            }
            const char *last = json_string_value(json_object_get(s, "last_run"));
            og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(s, "id")),
                                                 json_string_value(json_object_get(s, "every")),
                                                 json_string_value(json_object_get(s, "next_run")),
                                                 last ? last : "never", targets});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (o->delete_id) {
        if ((error = og_cli_open(cli, o->tenant)))
            return error;
        if ((error = og_certs_schedule_delete(&cli->ctx, o->tenant, o->delete_id)) < 0)
            return og_cli_fail(error);
        printf("deleted schedule %s\n", o->delete_id);
        return OG_EXIT_OK;
    }
    int64_t every = 0;
    int concurrency, timeout_ms;
    og_certs_targets *tg = NULL;
    if (!o->every)
        return og_cli_usage("cert", "cert schedule needs --every (or --list, --delete, --run-due)");
    if (og_certs_every_parse(o->every, &every) < 0 || every < 300000000LL)
        return og_cli_usage("cert", "bad --every '%s' (a duration of at least 5m, like 6h)",
                            o->every);
    if ((error = scan_numbers(o, &concurrency, &timeout_ms)) ||
        (error = parse_targets(o, npos, pos, &tg)))
        return error;
    og_certs_targets_free(tg);
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    char id[OG_ID_LEN];
    if ((error = og_certs_schedule_add(&cli->ctx, o->tenant, every, (const char *const *)pos,
                                       (size_t)npos, o->ports, o->sni, timeout_ms, concurrency,
                                       id)) < 0)
        return og_cli_fail(error);
    if (o->json)
        og_cli_print_json(json_pack("{s:s}", "id", id));
    else
        printf("%s\n", id);
    return OG_EXIT_OK;
}

static int cmd_check_expiry(og_cli *cli, const opts *o, int npos, char **pos)
{
    int error, raised = 0;
    if (npos)
        return og_cli_usage("cert", "unexpected argument '%s'", pos[0]);
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    if ((error = og_certs_expiry_run(&cli->ctx, o->tenant, &raised)) < 0)
        return og_cli_fail(error);
    if (o->json)
        og_cli_print_json(json_pack("{s:i}", "alerts_raised", raised));
    else
        printf("%d expiry alert%s raised\n", raised, raised == 1 ? "" : "s");
    return OG_EXIT_OK;
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(og_cli *, const opts *, int, char **);
    } subs[] = {
        {"scan", cmd_scan},         {"scan-files", cmd_scan_files},
        {"import", cmd_import},     {"list", cmd_list},
        {"show", cmd_show},         {"policy", cmd_policy},
        {"schedule", cmd_schedule}, {"check-expiry", cmd_check_expiry},
    };
    opts o;
    int npos = 0, error;
    char **pos = NULL;
    if (argc < 2)
        return og_cli_usage("cert", "missing subcommand (scan, scan-files, import, list, show, "
                                    "policy, schedule, check-expiry, issue, renew, revoke, plans, "
                                    "deploy)");
    /* Renewal (ACME) and deployment live in their own files. */
    if (strcmp(argv[1], "deploy") == 0)
        return og_cli_cert_deploy(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "issue") == 0 || strcmp(argv[1], "renew") == 0 ||
        strcmp(argv[1], "revoke") == 0 || strcmp(argv[1], "plans") == 0)
        return og_cli_cert_acme(cli, argc, argv);
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        if ((error = parse(argc, argv, &o, &npos, &pos)))
            return error;
        return subs[i].fn(cli, &o, npos, pos);
    }
    return og_cli_usage("cert", "unknown subcommand '%s'", argv[1]);
}

const og_command og_cmd_cert = {
    .name = "cert",
    .summary = "certificate inventory: scan, import, expiry alerts",
    .legacy_run = run,
    .legacy_help = help,
};
