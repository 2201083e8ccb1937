/* cmd_cert_watch.c - `opsgate cert watch ...`: Certificate Transparency reconciliation (watched
 * domains, the CT source, polls, findings and the patterns marked expected), over ct.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/crypto.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

static const char *const about =
    "Certificate Transparency reconciliation: opsgate watches a tenant's domains in the CT logs\n"
    "through a CT source (the SSLMate Cert Spotter API) and matches every certificate issued\n"
    "for them against what it knows: issued by its ACME renewal plans (ours-acme), held in the\n"
    "inventory because a scan saw it or it was imported (ours-inventory), or of an issuer and\n"
    "names marked expected for the tenant (expected). Anything else is a finding\n"
    "unknown-issuance and an alert through the gate (action ct.unknown_issuance, L1 by\n"
    "default: recorded, and the certs assignee notified), once per issuance however often it\n"
    "is polled. A known one closes the loop: `cert show` says the certificate is logged in CT.\n"
    "\n"
    "add         Watch DOMAIN (a DNS name of two labels or more; no wildcard: --subdomains\n"
    "            takes every name below it too). At most 100 watches a tenant.\n"
    "list        The tenant's watches with their cursor, last poll and error, and counts.\n"
    "remove      Stop watching (id or domain); what was found stays.\n"
    "poll        Poll the source now for every watch (or WATCH): pages after each watch's\n"
    "            cursor, each page committed with its audit record (ct.poll). The scheduler of\n"
    "            `opsgate serve` polls every watch after the source's poll interval (1h).\n"
    "findings    Issuances seen, newest first: --state open (unknown, undecided), expected,\n"
    "            incident or closed (known).\n"
    "expect      Mark open finding ID expected, and teach the matcher: --scope names (the\n"
    "            issuer with exactly these names, the default) or domain (the issuer with any\n"
    "            name of the watched domain). The next issuance that fits raises nothing. Its\n"
    "            gate review is acknowledged when you may. Audited (ct.finding.expect).\n"
    "incident    Open an incident on open finding ID (its gate review escalated when you may).\n"
    "expected    The tenant's expected patterns; --remove ID forgets one.\n"
    "source      show|set the CT source of --tenant T (tenant-admin), or without --tenant the\n"
    "            installation's (platform-admin; used by tenants without their own). set:\n"
    "            --provider certspotter, --base-url URL (default https://api.certspotter.com;\n"
    "            the egress policy applies), --key-file FILE (the API key: the file's first\n"
    "            line, sealed, never shown; without it the key held stays), --poll-interval D\n"
    "            (1m to 7d), --max-pages N,\n"
    "            --request-budget N, --retry-after-max SECONDS, --ca-file PEM.\n"
    "\n"
    "Exit status: 0 done, 1 refused or failed (a poll that failed for a watch says why, and\n"
    "what earlier pages found is kept), 2 usage error.";

static int fail(int error)
{
    return og_cli_fail(error);
}

static const char *const watch_h[] = {"ID",        "DOMAIN",  "SUBDOMAINS", "POLLED",
                                      "ISSUANCES", "UNKNOWN", "ERROR",      NULL};
static const char *const watch_f[] = {"id",        "domain",  "subdomains", "polled_at",
                                      "issuances", "unknown", "last_error", NULL};

static int watch_add(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *w = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_watch_add(&cli->ctx, tenant, a->pos[0], og_cli_has(a, "subdomains"), &w)) <
        0)
        return fail(error);
    if (cli->json) {
        og_cli_print_json(w);
        return OG_EXIT_OK;
    }
    printf("watching %s%s (watch %s)\n", json_string_value(json_object_get(w, "domain")),
           og_cli_has(a, "subdomains") ? " and its subdomains" : "",
           json_string_value(json_object_get(w, "id")));
    json_decref(w);
    return OG_EXIT_OK;
}

static int watch_list(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *list = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_watch_list(&cli->ctx, tenant, &list)) < 0)
        return fail(error);
    og_cli_print_rows(cli, "watches", list, watch_h, watch_f);
    return OG_EXIT_OK;
}

static int watch_remove(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_watch_remove(&cli->ctx, tenant, a->pos[0])) < 0)
        return fail(error);
    printf("no longer watching %s\n", a->pos[0]);
    return OG_EXIT_OK;
}

static int watch_poll(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *r = NULL, *w;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_ct_poll(&cli->ctx, tenant, a->npos ? a->pos[0] : NULL, &r);
    if (!r)
        return fail(error);
    if (cli->json) {
        og_cli_print_json(json_incref(r));
    } else {
        json_array_foreach(json_object_get(r, "watches"), i, w)
        {
            char *e = og_cli_text_safe(json_string_value(json_object_get(w, "error")));
            printf("%s: %lld pages, %lld issuances, %lld new: %lld unknown, %lld ours, %lld "
                   "expected%s%s\n",
                   json_string_value(json_object_get(w, "domain")),
                   (long long)json_integer_value(json_object_get(w, "pages")),
                   (long long)json_integer_value(json_object_get(w, "issuances")),
                   (long long)json_integer_value(json_object_get(w, "new")),
                   (long long)json_integer_value(json_object_get(w, "unknown")),
                   (long long)json_integer_value(json_object_get(w, "known")),
                   (long long)json_integer_value(json_object_get(w, "expected")), e ? ": " : "",
                   e ? e : "");
            free(e);
        }
    }
    json_decref(r);
    return error < 0 ? fail(error) : OG_EXIT_OK;
}

static const char *const finding_h[] = {"ID", "STATE", "VERDICT", "WATCH", "ISSUER", "SEEN", NULL};
static const char *const finding_f[] = {"id",     "state",   "verdict", "watch",
                                        "issuer", "seen_at", NULL};

static int watch_findings(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *lim = og_cli_get(a, "limit");
    json_t *list = NULL;
    int error, limit = 0;
    if (lim && (sscanf(lim, "%d", &limit) != 1 || limit < 1 || limit > 10000))
        return og_cli_bad(a, "--limit is a number from 1 to 10000");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_findings(&cli->ctx, tenant, og_cli_get(a, "state"), limit, &list)) < 0)
        return fail(error);
    og_cli_print_rows(cli, "findings", list, finding_h, finding_f);
    return OG_EXIT_OK;
}

static int decided(og_cli *cli, json_t *f)
{
    if (cli->json) {
        og_cli_print_json(f);
        return OG_EXIT_OK;
    }
    printf("finding %s is %s\n", json_string_value(json_object_get(f, "id")),
           json_string_value(json_object_get(f, "state")));
    json_decref(f);
    return OG_EXIT_OK;
}

static int watch_expect(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *f = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_finding_expect(&cli->ctx, tenant, a->pos[0], og_cli_get(a, "scope"),
                                      og_cli_get(a, "note"), &f)) < 0)
        return fail(error);
    return decided(cli, f);
}

static int watch_incident(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *f = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_ct_finding_incident(&cli->ctx, tenant, a->pos[0], og_cli_get(a, "note"), &f)) <
        0)
        return fail(error);
    return decided(cli, f);
}

static const char *const expected_h[] = {"ID", "ISSUER", "NAMES", "BY", "AT", NULL};
static const char *const expected_f[] = {"id", "issuer", "names", "created_by", "created_at", NULL};

static int watch_expected(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *rm = og_cli_get(a, "remove");
    json_t *list = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (rm) {
        if ((error = og_ct_expected_remove(&cli->ctx, tenant, rm)) < 0)
            return fail(error);
        printf("expected pattern %s removed\n", rm);
        return OG_EXIT_OK;
    }
    if ((error = og_ct_expected_list(&cli->ctx, tenant, &list)) < 0)
        return fail(error);
    og_cli_print_rows(cli, "expected", list, expected_h, expected_f);
    return OG_EXIT_OK;
}

/* The options of `source set` into an object; OG_EXIT_USAGE for a bad number. */
static int source_options(const og_cli_args *a, json_t *o, char **ca)
{
    static const char *const nums[][2] = {{"max-pages", "max_pages"},
                                          {"request-budget", "request_budget"},
                                          {"retry-after-max", "retry_after_max_s"}};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        const char *v = og_cli_get(a, nums[i][0]);
        long long n;
        char end;
        if (!v)
            continue;
        if (sscanf(v, "%lld%c", &n, &end) != 1 || n < 0)
            return og_cli_bad(a, "--%s is a whole number", nums[i][0]);
        json_object_set_new(o, nums[i][1], json_integer(n));
    }
    if (og_cli_get(a, "poll-interval"))
        json_object_set_new(o, "poll_interval", json_string(og_cli_get(a, "poll-interval")));
    if (*ca)
        json_object_set_new(o, "ca_pem", json_string(*ca));
    return 0;
}

static int read_file_opt(const og_cli_args *a, const char *opt, int first_line, char **out)
{
    size_t len = 0;
    int error;
    *out = NULL;
    if (!og_cli_get(a, opt))
        return 0;
    if ((error = og_file_read(og_cli_get(a, opt), 1 << 20, out, &len)) < 0) {
        og_error_wrap("--%s '%s'", opt, og_cli_get(a, opt));
        return og_cli_fail(error);
    }
    char *nl = first_line ? strpbrk(*out, "\r\n") : NULL;
    if (nl)
        og_crypto_wipe(nl, len - (size_t)(nl - *out));
    return 0;
}

static int watch_source(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *what = a->pos[0];
    char *key = NULL, *ca = NULL;
    json_t *o = json_object(), *doc = NULL;
    int error;
    if (strcmp(what, "show") != 0 && strcmp(what, "set") != 0)
        error = og_cli_bad(a, "source takes show or set, not '%s'", what);
    else if ((error = read_file_opt(a, "key-file", 1, &key)) == 0 &&
             (error = read_file_opt(a, "ca-file", 0, &ca)) == 0 &&
             (error = source_options(a, o, &ca)) == 0)
        error = og_cli_open(cli, tenant);
    if (error)
        goto cleanup;
    if (strcmp(what, "set") == 0) {
        og_ct_source_spec spec = {og_cli_get(a, "provider"), og_cli_get(a, "base-url"), key, o};
        if ((error = og_ct_source_set(&cli->ctx, tenant, &spec)) < 0) {
            error = fail(error);
            goto cleanup;
        }
    }
    if ((error = og_ct_source_show(&cli->ctx, tenant, &doc)) < 0) {
        error = fail(error);
        goto cleanup;
    }
    og_cli_print_json(doc);
    error = OG_EXIT_OK;
cleanup:
    if (key)
        og_crypto_wipe(key, strlen(key));
    free(key);
    free(ca);
    json_decref(o);
    return error;
}

static const og_cli_opt add_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"subdomains", NULL, "every name below the domain too", 0, 0},
    {0},
};
static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};
static const og_cli_opt findings_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"state", "S", "open, expected, incident or closed", 0, 0},
    {"limit", "N", "at most N (default 200)", 0, 0},
    {0},
};
static const og_cli_opt expect_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"scope", "S", "names (default) or domain", 0, 0},
    {"note", "TEXT", "why it is expected", 0, 0},
    {0},
};
static const og_cli_opt incident_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"note", "TEXT", "what is known so far", 0, 0},
    {0},
};
static const og_cli_opt expected_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"remove", "ID", "forget expected pattern ID", 0, 0},
    {0},
};
static const og_cli_opt source_opts[] = {
    OG_CLI_OPT_TENANT,
    {"provider", "P", "set: certspotter (the default)", 0, 0},
    {"base-url", "URL", "set: the API's base URL", 0, 0},
    {"key-file", "FILE", "set: the API key, the file's first line", 0, 0},
    {"poll-interval", "D", "set: poll each watch every D (default 1h)", 0, 0},
    {"max-pages", "N", "set: pages per watch and poll (default 100)", 0, 0},
    {"request-budget", "N", "set: requests per poll", 0, 0},
    {"retry-after-max", "S", "set: longest Retry-After waited (s)", 0, 0},
    {"ca-file", "PEM", "set: trust anchors for the API's TLS", 0, 0},
    {0},
};

static const og_cli_sub watch_subs[] = {
    {"add", "DOMAIN", 1, 1, add_opts, "watch a domain in the CT logs", watch_add},
    {"list", NULL, 0, 0, tenant_opts, "the tenant's watches", watch_list},
    {"remove", "WATCH", 1, 1, tenant_opts, "stop watching a domain", watch_remove},
    {"poll", "[WATCH]", 0, 1, tenant_opts, "poll the CT source now", watch_poll},
    {"findings", NULL, 0, 0, findings_opts, "issuances seen, newest first", watch_findings},
    {"expect", "ID", 1, 1, expect_opts, "mark a finding expected", watch_expect},
    {"incident", "ID", 1, 1, incident_opts, "open an incident on a finding", watch_incident},
    {"expected", NULL, 0, 0, expected_opts, "expected patterns: list, remove", watch_expected},
    {"source", "show|set", 1, 1, source_opts, "the CT source and its key", watch_source},
    {0},
};

const og_command og_cli__cert_watch = {
    .name = "cert watch",
    .summary = "Certificate Transparency: watched domains, findings",
    .about = about,
    .subs = watch_subs,
};
