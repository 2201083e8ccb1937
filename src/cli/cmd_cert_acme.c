/* cmd_cert_acme.c - `opsgate cert issue|renew|revoke|plans`: certificates from an ACME CA.
 * cmd_cert.c hands these subcommands here through og_cli_cert_acme(). */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/acme.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_cli_cert_acme(og_cli *cli, int argc, char **argv);

const char og_cli_cert_acme_help[] =
    "       opsgate cert issue --tenant T --name N [--name N2 ...]\n"
    "                          --challenge http-01|dns-01|tls-alpn-01\n"
    "                          [--http-listen ADDR | --webroot DIR] [--tls-listen ADDR]\n"
    "                          [--dns-provider challtestsrv|rfc2136 --dns-config CONFIG]\n"
    "                          [--key-type ec256] [--account ID] [--timeout 120s]\n"
    "                          [--target NAME ...] [--json]\n"
    "       opsgate cert renew --tenant T ID [--json]\n"
    "       opsgate cert renew --due [--tenant T] [--json]\n"
    "       opsgate cert revoke --tenant T ID [--reason R]\n"
    "       opsgate cert plans --tenant T [ID] [--json]\n"
    "       opsgate cert plans --tenant T ID --set-targets NAME[,NAME...]\n"
    "\n"
    "issue     Get a certificate for the names from the tenant's ACME account (--account when it\n"
    "          has several) and record it as the current certificate of a new renewal plan,\n"
    "          and in the inventory with its key (sealed). http-01 answers from a responder on\n"
    "          --http-listen host:port for the duration of the order, or from files written\n"
    "          under --webroot DIR/.well-known/acme-challenge/. dns-01 sets TXT records through\n"
    "          --dns-provider: challtestsrv (--dns-config is its management URL) or rfc2136\n"
    "          (--dns-config server=H:P,zone=Z,key=NAME,secret=B64[,check=H:P;H:P][,wait=S]:\n"
    "          TSIG-signed updates, then each check server must answer the TXT record).\n"
    "          tls-alpn-01 answers TLS with acme-tls/1 on --tls-listen host:port. --key-type:\n"
    "          ec256 (default), ec384, rsa2048, rsa3072, rsa4096. Nothing is recorded unless\n"
    "          every step succeeded. --target NAME (repeatable): a deploy target of the\n"
    "          tenant (`opsgate target list`) every renewal of the plan is deployed to;\n"
    "          without any, a renewal goes to the targets that hold the previous certificate.\n"
    "          Prints the plan ID.\n"
    "renew     Renew plan ID (or the plan of certificate ID) now with its stored settings, as\n"
    "          gate action certs.renew (L1 by default: it runs, the assignee is told the old\n"
    "          and new serial and expiry, and an override makes the previous certificate\n"
    "          current again). The renewal order names the old certificate (`replaces`) when the\n"
    "          CA offers ARI. On failure the current certificate stays current, the plan\n"
    "          records the error, event certs.renew.failed is raised, and the next attempt\n"
    "          backs off (1 h doubling to 1 day). --due renews every plan whose renewal time\n"
    "          has come (all tenants without --tenant), re-asking ARI windows first when the\n"
    "          CA's Retry-After says to; the server does the same every minute.\n"
    "revoke    Revoke the plan's current certificate (or certificate ID) at the CA. --reason:\n"
    "          unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation.\n"
    "plans     Renewal plans: names, challenge, current certificate, renew time (ARI window or\n"
    "          two thirds of the lifetime), failures, deploy targets. --set-targets replaces\n"
    "          plan ID's deploy targets (an empty list clears them); an unknown target is\n"
    "          refused, naming it.\n";

static int fail(int code)
{
    if (code == OG_EINVAL) {
        return og_cli_fail_usage("cert", code);
    }
    return og_cli_fail(code);
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The strings of a JSON array joined by sep into out ("-" when empty). */
static void join(json_t *arr, const char *sep, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(arr); i++) {
        size_t n = strlen(out);
        const char *v = json_string_value(json_array_get(arr, i));
        snprintf(out + n, size - n, "%s%s", n ? sep : "", v ? v : "?");
    }
    if (!out[0])
        snprintf(out, size, "-");
}

/* `cert plans`: one row per plan. */
static void print_plans(json_t *plans)
{
    static const char *const head[] = {"ID",    "NAMES",   "CHALLENGE", "SERIAL",     "EXPIRES",
                                       "RENEW", "TARGETS", "FAILURES",  "LAST ERROR", NULL};
    og_cli_table *t = og_cli_table_new(head);
    if (!t) {
        fprintf(stderr, "opsgate: out of memory\n");
        return;
    }
    og_cli_table_right(t, 7);
    for (size_t i = 0; i < json_array_size(plans); i++) {
        json_t *p = json_array_get(plans, i), *cur = json_object_get(p, "current");
        char names[1024], targets[1024], failures[24];
        long long nf = (long long)json_integer_value(json_object_get(p, "failures"));
        join(json_object_get(p, "names"), ",", names, sizeof(names));
        join(json_object_get(p, "targets"), ",", targets, sizeof(targets));
        snprintf(failures, sizeof(failures), "%lld", nf);
        og_cli_table_add(
            t, (const char *[]){jstr(p, "id"), names, jstr(json_object_get(p, "challenge"), "type"),
                                cur ? jstr(cur, "serial") : "-", cur ? jstr(cur, "not_after") : "-",
                                json_object_get(p, "renew_at") ? jstr(p, "renew_at") : "-", targets,
                                failures, nf ? jstr(p, "last_error") : ""});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static void kv(const char *label, const char *value)
{
    char *safe = og_cli_text_safe(value);
    if (safe && *safe)
        printf("%-10s %s\n", label, safe);
    free(safe);
}

/* `cert plans ID`: the plan, then its certificates. */
static void print_plan(json_t *p)
{
    json_t *cur = json_object_get(p, "current");
    char buf[1024];
    kv("plan", jstr(p, "id"));
    join(json_object_get(p, "names"), ", ", buf, sizeof(buf));
    kv("names", buf);
    kv("challenge", jstr(json_object_get(p, "challenge"), "type"));
    if (cur) {
        kv("serial", jstr(cur, "serial"));
        kv("expires", jstr(cur, "not_after"));
    }
    kv("renew", jstr(p, "renew_at"));
    join(json_object_get(p, "targets"), ", ", buf, sizeof(buf));
    kv("targets", buf);
    if (json_integer_value(json_object_get(p, "failures"))) {
        snprintf(buf, sizeof(buf), "%lld (%s)",
                 (long long)json_integer_value(json_object_get(p, "failures")),
                 jstr(p, "last_error"));
        kv("failures", buf);
    }
    json_t *certs = json_object_get(p, "certificates");
    if (json_array_size(certs) == 0)
        return;
    static const char *const head[] = {"CERTIFICATE", "STATUS", "SERIAL", "EXPIRES", NULL};
    og_cli_table *t = og_cli_table_new(head);
    if (!t)
        return;
    printf("\n");
    for (size_t i = 0; i < json_array_size(certs); i++) {
        json_t *ce = json_array_get(certs, i);
        og_cli_table_add(t, (const char *[]){jstr(ce, "id"), jstr(ce, "status"), jstr(ce, "serial"),
                                             jstr(ce, "not_after")});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

int og_cli_cert_acme(og_cli *cli, int argc, char **argv)
{
    static const struct option lo[] = {
        {"tenant", required_argument, NULL, 't'},
        {"name", required_argument, NULL, 'n'},
        {"challenge", required_argument, NULL, 'c'},
        {"http-listen", required_argument, NULL, 'l'},
        {"webroot", required_argument, NULL, 'w'},
        {"dns-provider", required_argument, NULL, 'p'},
        {"dns-config", required_argument, NULL, 'C'},
        {"key-type", required_argument, NULL, 'k'},
        {"account", required_argument, NULL, 'a'},
        {"timeout", required_argument, NULL, 'T'},
        {"reason", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"due", no_argument, NULL, 'D'},
        {"tls-listen", required_argument, NULL, 'L'},
        {"target", required_argument, NULL, 'g'},
        {"set-targets", required_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    const char *names[OG_ACME_MAX_NAMES], *targets[64];
    const char *set_targets = NULL;
    char *set_buf = NULL;
    og_acme_issue_opts o;
    const char *tenant = NULL, *reason = NULL, *timeout = NULL;
    json_t *j = NULL;
    int c, json = 0, due = 0, error;
    if (argc < 2 || (strcmp(argv[1], "issue") != 0 && strcmp(argv[1], "renew") != 0 &&
                     strcmp(argv[1], "revoke") != 0 && strcmp(argv[1], "plans") != 0))
        return -1; /* not ours: cmd_cert.c goes on */
    const char *sub = argv[1];
    memset(&o, 0, sizeof(o));
    o.names = names;
    o.targets = targets;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", lo, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'n':
            if (o.nnames >= OG_ACME_MAX_NAMES)
                return og_cli_usage("cert", "too many --name (at most %d)", OG_ACME_MAX_NAMES);
            names[o.nnames++] = optarg;
            break;
        case 'c':
            o.challenge = optarg;
            break;
        case 'l':
            o.http_listen = optarg;
            break;
        case 'w':
            o.webroot = optarg;
            break;
        case 'p':
            o.dns_provider = optarg;
            break;
        case 'C':
            o.dns_config = optarg;
            break;
        case 'k':
            o.key_type = optarg;
            break;
        case 'a':
            o.account = optarg;
            break;
        case 'T':
            timeout = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'D':
            due = 1;
            break;
        case 'L':
            o.tls_listen = optarg;
            break;
        case 'g':
            if (o.ntargets >= 64)
                return og_cli_usage("cert", "too many --target (at most 64)");
            targets[o.ntargets++] = optarg;
            break;
        case 'G':
            set_targets = optarg;
            break;
        default:
            return og_cli_badopt("cert", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (o.ntargets && strcmp(sub, "issue") != 0)
        return og_cli_usage("cert", "--target goes with `cert issue` (a plan's targets change "
                                    "with `cert plans ID --set-targets`)");
    if (set_targets && (strcmp(sub, "plans") != 0 || npos != 1))
        return og_cli_usage("cert", "--set-targets goes with `cert plans --tenant T ID`");
    if (due) {
        int ran = 0, failed = 0;
        if (strcmp(sub, "renew") != 0 || npos)
            return og_cli_usage("cert", "--due goes with `cert renew` and no ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_acme_renew_due(&cli->ctx, tenant, &ran, &failed)) < 0)
            return fail(error);
        if (json)
            og_cli_print_json(json_pack("{s:i, s:i}", "renewed", ran - failed, "failed", failed));
        else
            printf("%d renewal%s due, %d failed\n", ran, ran == 1 ? "" : "s", failed);
        return failed ? OG_EXIT_FAIL : OG_EXIT_OK;
    }
    if (!tenant)
        return og_cli_usage("cert", "cert %s needs --tenant", sub);
    if (timeout) {
        int64_t us = 0;
        if (og_duration_parse(timeout, &us) < 0 || us < 1000000 || us > 3600000000LL)
            return og_cli_usage("cert", "bad --timeout '%s' (1s to 1h)", timeout);
        o.timeout_s = (int)(us / 1000000);
    }
    if (strcmp(sub, "issue") == 0) {
        if (npos)
            return og_cli_usage("cert", "unexpected argument '%s' (names go in --name)", pos[0]);
        if (!o.nnames)
            return og_cli_usage("cert", "cert issue needs at least one --name");
        if (!o.challenge)
            return og_cli_usage("cert", "cert issue needs --challenge http-01, dns-01 or "
                                        "tls-alpn-01");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_acme_cert_issue(&cli->ctx, tenant, &o, &j)) < 0)
            return fail(error);
        if (json)
            og_cli_print_json(j);
        else {
            printf("%s\n", json_string_value(json_object_get(j, "id")));
            json_decref(j);
        }
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "renew") == 0) {
        if (npos != 1)
            return og_cli_usage("cert", "cert renew takes one ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = og_acme_cert_renew(&cli->ctx, tenant, pos[0], &j);
        if (error < 0 && error != OG_EPENDING)
            return fail(error);
        if (json) {
            og_cli_print_json(j);
        } else {
            json_t *r = json_object_get(j, "result");
            if (r)
                printf("renewed %s: serial %s -> %s, expiry %s -> %s (gate %s, %s)\n",
                       json_string_value(json_object_get(j, "id")),
                       json_string_value(json_object_get(r, "old_serial")),
                       json_string_value(json_object_get(r, "new_serial")),
                       json_string_value(json_object_get(r, "old_not_after")),
                       json_string_value(json_object_get(r, "new_not_after")),
                       json_string_value(json_object_get(j, "gate_id")),
                       json_string_value(json_object_get(j, "state")));
            else
                printf("renewal of %s is waiting at gate %s (%s)\n",
                       json_string_value(json_object_get(j, "id")),
                       json_string_value(json_object_get(j, "gate_id")),
                       json_string_value(json_object_get(j, "state")));
            json_decref(j);
        }
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "revoke") == 0) {
        int code;
        if (npos != 1)
            return og_cli_usage("cert", "cert revoke takes one ID");
        if (reason && og_acme_reason_parse(reason, &code) < 0)
            return og_cli_fail_usage("cert", OG_EINVAL);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_acme_cert_revoke(&cli->ctx, tenant, pos[0], reason)) < 0)
            return fail(error);
        printf("revoked %s\n", pos[0]);
        return OG_EXIT_OK;
    }
    /* plans */
    if (npos > 1)
        return og_cli_usage("cert", "cert plans takes at most one ID");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (set_targets) {
        size_t n = 0;
        char *save = NULL;
        if (!(set_buf = strdup(set_targets)))
            return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
        for (char *t = strtok_r(set_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (n >= 64) {
                free(set_buf);
                return og_cli_usage("cert", "too many targets (at most 64)");
            }
            targets[n++] = t;
        }
        error = og_acme_plan_targets_set(&cli->ctx, tenant, pos[0], targets, n);
        free(set_buf);
        if (error < 0)
            return fail(error);
    }
    error = npos ? og_acme_cert_show(&cli->ctx, tenant, pos[0], &j)
                 : og_acme_cert_list(&cli->ctx, tenant, &j);
    if (error < 0)
        return fail(error);
    if (json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    if (npos)
        print_plan(j);
    else
        print_plans(j);
    json_decref(j);
    return OG_EXIT_OK;
}
