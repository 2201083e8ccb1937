/* cmd_cert_request.c - `opsgate cert request`: a certificate bought outside ACME (commercial
 * OV/EV): the key and CSR made and kept here, an L3 task to buy it; list, show, cancel. */
#include "cli/cmd_cert.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

#define MAX_SANS    OG_CERTS_REQUEST_MAX_SANS
#define MAX_TARGETS 16

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void request_print(json_t *r, int with_csr)
{
    size_t i;
    json_t *v;
    printf("request %s (%s): %s\n", jstr(r, "id"), jstr(r, "name"), jstr(r, "state"));
    printf("  names:");
    json_array_foreach(json_object_get(r, "names"), i, v) printf(" %s", json_string_value(v));
    printf("\n  key: %s, subject: %s\n", jstr(r, "key_type"),
           *jstr(r, "subject") ? jstr(r, "subject") : "(CN = the first name)");
    if (json_array_size(json_object_get(r, "targets"))) {
        printf("  deploy to:");
        json_array_foreach(json_object_get(r, "targets"), i, v) printf(" %s", json_string_value(v));
        printf("\n");
    }
    printf("  gate task %s, due %s (%lld reminders)\n", jstr(r, "gate_id"), jstr(r, "due"),
           (long long)json_integer_value(json_object_get(r, "reminders")));
    if (*jstr(r, "fingerprint"))
        printf("  issued certificate %s\n", jstr(r, "fingerprint"));
    if (with_csr)
        printf("%s", jstr(r, "csr"));
}

/* One request with its CSR, as JSON with --json; steals r. */
static int request_out(const og_cli *cli, json_t *r)
{
    if (cli->json)
        og_cli_print_json(r);
    else {
        request_print(r, 1);
        json_decref(r);
    }
    return OG_EXIT_OK;
}

static int request_new(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    const char *sans[MAX_SANS], *targets[MAX_TARGETS], *due = og_cli_get(a, "due");
    og_certs_request_opts o = {.name = og_cli_get(a, "name"),
                               .key_type = og_cli_get(a, "key-type"),
                               .subject = og_cli_get(a, "subject")};
    json_t *r = NULL;
    int error, ns = og_cli_count(a, "san"), nt = og_cli_count(a, "target");
    if (!o.name || ns == 0)
        return og_cli_bad(a, "cert request needs --name and at least one --san");
    if (ns > MAX_SANS || nt > MAX_TARGETS)
        return og_cli_bad(a, "at most %d --san and %d --target", MAX_SANS, MAX_TARGETS);
    if (due && (og_duration_parse(due, &o.due_us) < 0 || o.due_us < 3600000000LL))
        return og_cli_bad(a, "bad --due '%s' (a duration of at least 1h, like 7d)", due);
    for (int i = 0; i < ns; i++)
        sans[i] = og_cli_nth(a, "san", i);
    for (int i = 0; i < nt; i++)
        targets[i] = og_cli_nth(a, "target", i);
    o.sans = sans;
    o.nsans = (size_t)ns;
    o.targets = targets;
    o.ntargets = (size_t)nt;
    og_tenant t;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    /* who may not create requests learns nothing of the targets: the library refuses them */
    if (nt && (og_tenant_get(&cli->ctx, tenant, &t) < 0 ||
               og_authz_check(&cli->ctx.actor, t.id, OG_PERM_WRITE) < 0)) {
        og_error_clear();
        nt = 0;
    }
    for (int i = 0; i < nt; i++) /* a target that does not exist is named now, not at import */
        if (!og_deploy_target_exists(&cli->ctx, t.id, targets[i]))
            return og_cli_fail(
                og_error_code() < 0
                    ? og_error_code()
                    : og_error_set(OG_ENOTFOUND, "no deploy target '%s'", targets[i]));
    if ((error = og_certs_request_create(&cli->ctx, tenant, &o, &r)) < 0)
        return og_cli_fail(error);
    return request_out(cli, r);
}

static int request_list(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    json_t *arr = NULL, *r;
    size_t i;
    int error;
    if ((error = og_certs_request_list(&cli->ctx, tenant, og_cli_get(a, "state"), &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("requests", arr);
        return OG_EXIT_OK;
    }
    json_array_foreach(arr, i, r) request_print(r, 0);
    if (!json_array_size(arr))
        printf("no certificate requests\n");
    json_decref(arr);
    return OG_EXIT_OK;
}

int og_cli__cert_request(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *verb = a->npos ? a->pos[0] : NULL;
    json_t *r = NULL;
    int error;
    if (!verb)
        return request_new(cli, a, og_cli_get(a, "tenant"));
    if (strcmp(verb, "list") != 0 && strcmp(verb, "show") != 0 && strcmp(verb, "cancel") != 0)
        return og_cli_bad(a, "unknown action '%s' (list, show ID, cancel ID; none: a new request)",
                          verb);
    if ((strcmp(verb, "list") == 0) != (a->npos == 1))
        return og_cli_bad(a, "%s",
                          strcmp(verb, "list") == 0 ? "list takes no ID"
                                                    : "show and cancel take one ID");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (strcmp(verb, "list") == 0)
        return request_list(cli, a, tenant);
    if (strcmp(verb, "cancel") == 0) {
        if ((error = og_certs_request_cancel(&cli->ctx, tenant, a->pos[1],
                                             og_cli_get(a, "reason"))) < 0)
            return og_cli_fail(error);
        printf("cancelled certificate request %s\n", a->pos[1]);
        return OG_EXIT_OK;
    }
    if ((error = og_certs_request_show(&cli->ctx, tenant, a->pos[1], &r)) < 0)
        return og_cli_fail(error);
    return request_out(cli, r);
}
