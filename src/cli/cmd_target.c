/* cmd_target.c - `opsgate target`: deploy targets of a tenant (files, nginx, HAProxy, opsgate). */
#include "cli/cli.h"
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "A target is where certificates are deployed (opsgate cert deploy), with the endpoints that\n"
    "must serve them afterwards: every deploy is verified by connecting to each endpoint with\n"
    "its SNI (default: the host when it is a name) until it serves the new fingerprint.\n"
    "`target deploy NAME --cert ID` is `cert deploy ID --target NAME`.\n"
    "\n"
    "Every type: --endpoint is repeatable, up to 16; nginx and haproxy need one; a file target\n"
    "without one is verified by reading its files back.\n"
    "file:    --cert-path P (leaf) and/or --fullchain-path P (leaf + chain), --key-path P\n"
    "         (mode 0600), optional --chain-path P, --reload-cmd CMD (run by /bin/sh).\n"
    "nginx:   --nginx-conf P (required), --cert-path P (ssl_certificate: leaf + chain),\n"
    "         --key-path P (ssl_certificate_key), optional --nginx-prefix DIR, --nginx-bin P,\n"
    "         --nginx-pid-file P, --reload-cmd CMD (instead of nginx -s reload).\n"
    "         The configuration (with includes) must use exactly those paths: `nginx -t` runs on\n"
    "         a copy that uses the staged files before anything live changes; after the reload\n"
    "         the deploy waits until the old workers have exited.\n"
    "haproxy: --socket P (stats socket, level admin), --cert-path P (the crt file as named in\n"
    "         haproxy.cfg: leaf + chain + key). Uses set/commit ssl cert, then writes the file.\n"
    "opsgate: opsgate's own HTTPS listener (serve --tls-cert-id, --endpoint on its port): a\n"
    "         deploy records the certificate (leaf only; optional --cert-path P, default in\n"
    "         the data folder) and the listener swaps to it within a second, no restart.\n"
    "Files are written atomically (temporary file, fsync, rename), modes 0644 and 0600 for\n"
    "keys; the previous files are kept as PATH.og-prev and sealed in the database for rollback.\n"
    "Adding and removing targets needs the local operator or a platform admin (a target names\n"
    "files and commands on this host); deploying to one needs write access to the tenant.\n"
    "With --json, list prints {\"targets\": [...]}.\n";

/* Options of `target add` that go into the target's configuration under their key. */
static const struct {
    const char *opt, *key;
    int duration;
} keys[] = {
    {"cert-path", "cert_path", 0},
    {"key-path", "key_path", 0},
    {"chain-path", "chain_path", 0},
    {"fullchain-path", "fullchain_path", 0},
    {"owner", "owner", 0},
    {"reload-cmd", "reload_cmd", 0},
    {"nginx-conf", "nginx_conf", 0},
    {"nginx-prefix", "nginx_prefix", 0},
    {"nginx-bin", "nginx_bin", 0},
    {"nginx-pid-file", "nginx_pid_file", 0},
    {"socket", "socket", 0},
    {"verify-timeout", "verify_timeout_us", 1},
    {"reload-timeout", "reload_timeout_us", 1},
};

/* The configuration and endpoints of `target add` from its options; a usage error names the bad
 * value. */
static int add_config(const og_cli_args *a, json_t *config, json_t *endpoints)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = og_cli_get(a, keys[i].opt);
        int64_t us;
        if (!v)
            continue;
        if (!keys[i].duration)
            json_object_set_new(config, keys[i].key, json_string(v));
        else if (og_duration_parse(v, &us) < 0 || us <= 0)
            return og_cli_bad(a, "bad duration '%s' (like 30s or 2m)", v);
        else
            json_object_set_new(config, keys[i].key, json_integer(us));
    }
    int n = og_cli_count(a, "endpoint");
    if (n > OG_DEPLOY_MAX_ENDPOINTS)
        return og_cli_bad(a, "more than %d --endpoint", OG_DEPLOY_MAX_ENDPOINTS);
    for (int i = 0; i < n; i++) {
        og_deploy_endpoint ep;
        if (og_deploy_endpoint_parse(og_cli_nth(a, "endpoint", i), &ep) < 0)
            return og_cli_bad(a, "%s", og_error_last());
        json_array_append_new(endpoints, json_string(og_cli_nth(a, "endpoint", i)));
    }
    return 0;
}

/* What each type needs that the library's checks would name by their config keys. */
static int add_check(const og_cli_args *a, const char *type, json_t *config, json_t *endpoints)
{
    if (strcmp(type, "file") != 0 && strcmp(type, "nginx") != 0 && strcmp(type, "haproxy") != 0 &&
        strcmp(type, "opsgate") != 0)
        return og_cli_bad(a, "unknown --type '%s' (file, nginx, haproxy or opsgate)", type);
    if (strcmp(type, "file") != 0 && json_array_size(endpoints) == 0)
        return og_cli_bad(a, "a %s target needs --endpoint HOST:PORT[/SNI]", type);
    if (strcmp(type, "file") == 0 && !json_object_get(config, "cert_path") &&
        !json_object_get(config, "fullchain_path"))
        return og_cli_bad(a, "a file target needs --cert-path or --fullchain-path");
    if (strcmp(type, "haproxy") == 0 && !json_object_get(config, "socket"))
        return og_cli_bad(a, "a haproxy target needs --socket PATH (its stats socket, level "
                             "admin)");
    return 0;
}

static int add(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *type = og_cli_get(a, "type");
    json_t *config = json_object(), *endpoints = json_array();
    char id[OG_ID_LEN];
    int error;
    if ((error = add_config(a, config, endpoints)) ||
        (error = add_check(a, type, config, endpoints)) || (error = og_cli_open(cli, tenant)))
        goto cleanup;
    if ((error = og_deploy_target_add(&cli->ctx, tenant, a->pos[0], type, config, endpoints, id)) <
        0) {
        /* A bad option value is a usage error (exit 2), like a bad flag. */
        error =
            error == OG_EINVAL ? og_cli_usage("target", "%s", og_error_last()) : og_cli_fail(error);
        goto cleanup;
    }
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s}", "id", id, "name", a->pos[0]));
    else
        printf("%s\n", id);
    error = OG_EXIT_OK;
cleanup:
    json_decref(config);
    json_decref(endpoints);
    return error;
}

/* One table row of target x. */
static void list_row(og_cli_table *t, json_t *x)
{
    json_t *last = json_object_get(x, "last_deploy"), *ep;
    const char *fp = json_string_value(json_object_get(last, "fingerprint"));
    const char *st = json_string_value(json_object_get(last, "state"));
    char fp16[17], eps[1024] = "";
    size_t k;
    og_strlcpy(fp16, fp ? fp : "-", sizeof(fp16));
    json_array_foreach(json_object_get(x, "endpoints"), k, ep)
    {
        size_t n = strlen(eps);
        snprintf(eps + n, sizeof(eps) - n, "%s%s", n ? ", " : "",
                 json_string_value(ep) ? json_string_value(ep) : "?");
    }
    og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "name")),
                                         json_string_value(json_object_get(x, "type")),
                                         st ? st : "-", fp16, eps[0] ? eps : "-"});
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"NAME", "TYPE", "LAST", "CERTIFICATE", "ENDPOINTS", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_deploy_target_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("targets", arr);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(arr, i, x) list_row(t, x);
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

static int remove_target(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_deploy_target_remove(&cli->ctx, tenant, a->pos[0])) < 0)
        return og_cli_fail(error);
    return OG_EXIT_OK;
}

static int deploy(og_cli *cli, const og_cli_args *a)
{
    return og_cli__deploy_run(cli, og_cli_get(a, "tenant"), og_cli_get(a, "cert"), a->pos[0],
                              cli->json);
}

static const og_cli_opt add_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"type", "TYPE", "file, nginx, haproxy or opsgate", OG_CLI_REQUIRED, 0},
    {"endpoint", "HOST:PORT[/SNI]", "an endpoint to verify (repeatable, up to 16)", OG_CLI_REPEAT,
     0},
    {"verify-timeout", "DUR", "how long verification may take (default 30s)", 0, 0},
    {"reload-timeout", "DUR", "limit for test, reload and API commands (default 30s)", 0, 0},
    {"owner", "USER[:GROUP]", "owner of written files (when run as root)", 0, 0},
    {"cert-path", "P", "certificate file (what it holds: target --help)", 0, 0},
    {"key-path", "P", "private key file (mode 0600)", 0, 0},
    {"chain-path", "P", "chain file (file targets)", 0, 0},
    {"fullchain-path", "P", "leaf + chain file (file targets)", 0, 0},
    {"reload-cmd", "CMD", "reload command, run by /bin/sh", 0, 0},
    {"nginx-conf", "P", "nginx.conf (nginx targets, required)", 0, 0},
    {"nginx-prefix", "DIR", "nginx -p prefix", 0, 0},
    {"nginx-bin", "P", "the nginx binary", 0, 0},
    {"nginx-pid-file", "P", "nginx's pid file", 0, 0},
    {"socket", "P", "HAProxy stats socket, level admin (haproxy)", 0, 0},
    {0},
};
static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};
static const og_cli_opt deploy_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"cert", "ID", "the certificate: fingerprint or unique prefix", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"add", "NAME", 1, 1, add_opts, "add a deploy target", add},
    {"list", NULL, 0, 0, tenant_opts, "list targets and their last deploy", list},
    {"remove", "NAME", 1, 1, tenant_opts, "remove a target", remove_target},
    {"deploy", "NAME", 1, 1, deploy_opts, "deploy a certificate (= cert deploy)", deploy},
    {0},
};

const og_command og_cmd_target = {
    .name = "target",
    .summary = "deploy targets: files, nginx, HAProxy",
    .about = about,
    .subs = subs,
};
