/* cmd_cert_acme.c - `opsgate cert issue|renew|revoke|plans`: certificates from an ACME CA. */
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/acme.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int og_cli__cert_issue(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *timeout = og_cli_get(a, "timeout");
    const char *names[OG_ACME_MAX_NAMES], *targets[64];
    og_acme_issue_opts o;
    json_t *j = NULL;
    int error;
    memset(&o, 0, sizeof(o));
    if (og_cli_count(a, "name") > OG_ACME_MAX_NAMES)
        return og_cli_bad(a, "too many --name (at most %d)", OG_ACME_MAX_NAMES);
    if (og_cli_count(a, "target") > 64)
        return og_cli_bad(a, "too many --target (at most 64)");
    if (timeout) {
        int64_t us = 0;
        if (og_duration_parse(timeout, &us) < 0 || us < 1000000 || us > 3600000000LL)
            return og_cli_bad(a, "bad --timeout '%s' (1s to 1h)", timeout);
        o.timeout_s = (int)(us / 1000000);
    }
    for (o.nnames = 0; o.nnames < (size_t)og_cli_count(a, "name"); o.nnames++)
        names[o.nnames] = og_cli_nth(a, "name", (int)o.nnames);
    for (o.ntargets = 0; o.ntargets < (size_t)og_cli_count(a, "target"); o.ntargets++)
        targets[o.ntargets] = og_cli_nth(a, "target", (int)o.ntargets);
    o.names = names;
    o.targets = targets;
    o.challenge = og_cli_get(a, "challenge");
    o.http_listen = og_cli_get(a, "http-listen");
    o.webroot = og_cli_get(a, "webroot");
    o.tls_listen = og_cli_get(a, "tls-listen");
    o.dns_provider = og_cli_get(a, "dns-provider");
    o.dns_config = og_cli_get(a, "dns-config");
    o.key_type = og_cli_get(a, "key-type");
    o.account = og_cli_get(a, "account");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_cert_issue(&cli->ctx, tenant, &o, &j)) < 0)
        return fail(error);
    if (cli->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    printf("%s\n", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    return OG_EXIT_OK;
}

/* `cert renew --due [--tenant T]`: every plan whose time has come. */
static int renew_due(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int ran = 0, failed = 0, error;
    if (a->npos)
        return og_cli_bad(a, "--due goes with `cert renew` and no ID");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_renew_due(&cli->ctx, tenant, &ran, &failed)) < 0)
        return fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:i, s:i}", "renewed", ran - failed, "failed", failed));
    else
        printf("%d renewal%s due, %d failed\n", ran, ran == 1 ? "" : "s", failed);
    return failed ? OG_EXIT_FAIL : OG_EXIT_OK;
}

int og_cli__cert_renew(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *j = NULL, *r;
    int error;
    if (og_cli_has(a, "due"))
        return renew_due(cli, a);
    if (!tenant)
        return og_cli_bad(a, "cert renew needs --tenant");
    if (a->npos != 1)
        return og_cli_bad(a, "cert renew takes one ID");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_acme_cert_renew(&cli->ctx, tenant, a->pos[0], &j);
    if (error < 0 && error != OG_EPENDING)
        return fail(error);
    if (cli->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    if ((r = json_object_get(j, "result")))
        printf("renewed %s: serial %s -> %s, expiry %s -> %s (gate %s, %s)\n", jstr(j, "id"),
               jstr(r, "old_serial"), jstr(r, "new_serial"), jstr(r, "old_not_after"),
               jstr(r, "new_not_after"), jstr(j, "gate_id"), jstr(j, "state"));
    else
        printf("renewal of %s is waiting at gate %s (%s)\n", jstr(j, "id"), jstr(j, "gate_id"),
               jstr(j, "state"));
    json_decref(j);
    return OG_EXIT_OK;
}

int og_cli__cert_revoke(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *reason = og_cli_get(a, "reason");
    int code, error;
    if (reason && og_acme_reason_parse(reason, &code) < 0)
        return og_cli_fail_usage("cert", OG_EINVAL);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_acme_cert_revoke(&cli->ctx, tenant, a->pos[0], reason)) < 0)
        return fail(error);
    printf("revoked %s\n", a->pos[0]);
    return OG_EXIT_OK;
}

/* `cert plans ID --set-targets a,b`: replace the plan's deploy targets ("" clears them). */
static int set_targets(og_cli *cli, const og_cli_args *a, const char *list)
{
    const char *targets[64];
    char *buf = strdup(list), *save = NULL;
    size_t n = 0;
    int error = 0;
    if (!buf)
        return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n >= 64) {
            free(buf);
            return og_cli_bad(a, "too many targets (at most 64)");
        }
        targets[n++] = t;
    }
    if ((error = og_acme_plan_targets_set(&cli->ctx, og_cli_get(a, "tenant"), a->pos[0], targets,
                                          n)) < 0)
        error = fail(error);
    free(buf);
    return error;
}

int og_cli__cert_plans(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *set = og_cli_get(a, "set-targets");
    json_t *j = NULL;
    int error;
    if (set && a->npos != 1)
        return og_cli_bad(a, "--set-targets goes with `cert plans --tenant T ID`");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (set && (error = set_targets(cli, a, set)))
        return error;
    error = a->npos ? og_acme_cert_show(&cli->ctx, tenant, a->pos[0], &j)
                    : og_acme_cert_list(&cli->ctx, tenant, &j);
    if (error < 0)
        return fail(error);
    if (cli->json) {
        if (a->npos)
            og_cli_print_json(j);
        else
            og_cli_print_list("plans", j);
        return OG_EXIT_OK;
    }
    if (a->npos)
        print_plan(j);
    else
        print_plans(j);
    json_decref(j);
    return OG_EXIT_OK;
}
