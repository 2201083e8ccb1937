/* cmd_connector.c - `opsgate connector`: connectors to the MSP's PSA (ConnectWise, Autotask,
 * HaloPSA), a tenant's or the platform's; credentials only from a file or stdin. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/connector.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CREDS_MAX ((size_t)64 << 10)

static const char *const about =
    "A connector pulls projects from a PSA (ConnectWise PSA, Datto Autotask, HaloPSA) into\n"
    "opsgate projects and project data, and pushes documents and tickets back. `connector\n"
    "kinds` lists the kinds built in, with the credential fields each takes.\n"
    "A cloud connector (msgraph: one client's Microsoft Entra tenant) puts the expiry of the\n"
    "client's app secrets and certificate credentials into the certificate inventory and its\n"
    "Intune devices among the scan targets; its one company is the Entra tenant (`map NAME\n"
    "--company <directory id> --to T`; docs/connectors/msgraph.md).\n"
    "\n"
    "Scope: --tenant T works on that tenant's connectors (managed by its tenant-admins);\n"
    "without --tenant, on the platform's connectors (platform-admins), which serve many\n"
    "tenants through their company map. `list --tenant T` also shows the platform connectors\n"
    "that pull for T.\n"
    "\n"
    "Credentials are a JSON object of the kind's fields, read from --credentials-file FILE or\n"
    "from stdin (--credentials-file -), NEVER from the command line (every local user can\n"
    "read it): a secret given as an option (--password, --option private_key=...) is refused.\n"
    "Secret fields are sealed with the tenant's key (the platform's for a platform connector)\n"
    "and never shown, logged or audited; the other fields are kept with the options and shown.\n"
    "  echo '{\"company_id\":\"acme\",\"public_key\":\"...\",\"private_key\":\"...\",\n"
    "        \"client_id\":\"...\"}' | opsgate connector add cw --tenant acme \\\n"
    "        --kind connectwise --base-url https://na.myconnectwise.net/v4_6_release/apis/3.0 \\\n"
    "        --credentials-file -\n"
    "Options (--option k=v, repeatable, or --options-file FILE with a JSON object): ca_pem,\n"
    "request_budget, page_size, max_pages, timeout_s, mapping {...}, defaults {...},\n"
    "project_key_prefix (docs/connectors.md). `update` replaces what it is given: the base\n"
    "URL, all the credentials, or all the options.\n"
    "\n"
    "Base URLs are http(s) only and obey the outbound address policy: loopback, private and\n"
    "link-local addresses only once a platform-admin allowed their range (`notify egress\n"
    "allow CIDR`); a numeric host is checked when added, every address when connecting.\n"
    "\n"
    "Companies: a sync lists the PSA companies it sees; `map NAME --company ID --to T` says\n"
    "which tenant a company belongs to (a tenant's connector maps only to its own tenant;\n"
    "--to defaults to --tenant). Unmapped companies are listed, never guessed. When an RMM\n"
    "or cloud company is mapped elsewhere or unmapped, its discovered targets retire and its\n"
    "app credentials leave the old tenant at once; the next sync fills the new one.\n"
    "`test` makes one authenticated call and stores nothing; `sync` pulls what changed since\n"
    "the last successful sync (--full: everything; --project ID: one PSA project).\n"
    "\n"
    "Rights: add, update, map, unmap and remove need tenant-admin (platform-admin for a\n"
    "platform connector); test and sync need engineer, project-manager or tenant-admin (not\n"
    "auditor or client-viewer); list, show, companies and\n"
    "sync-log any role but client-viewer. Every change is audited (connector.add, .update,\n"
    ".map, .unmap, .remove), never with a secret.\n"
    "With --json, as the HTTP API answers: `list` prints {\"connectors\": [...]}, `kinds`\n"
    "{\"kinds\": [...]}, `companies` {\"companies\": [...]}, `sync-log` {\"syncs\": [...]};\n"
    "`add`, `update` and `show` the connector; `test` and `sync` their outcome.\n"
    "Exit status: 0 done, 1 refused or failed (a failed test or sync too), 2 usage.\n";

/* ---- reading what is given ---- */

/* Options taken only to refuse a secret on the command line. */
static const char *const argv_secrets[] = {"credentials",   "secret",  "password", "private-key",
                                           "client-secret", "api-key", "token",    NULL};

static int refuse_argv_secrets(const og_cli_args *a)
{
    for (int i = 0; argv_secrets[i]; i++)
        if (og_cli_has(a, argv_secrets[i]))
            return og_cli_bad(a,
                              "--%s: secrets are never taken from the command line (every "
                              "local user can read it); put the credentials in a JSON file "
                              "and give --credentials-file FILE, or - for stdin",
                              argv_secrets[i]);
    return 0;
}

/* A JSON object from FILE or stdin ("-"), at most CREDS_MAX bytes; *out NULL when error. */
static int read_object(const char *what, const char *file, json_t **out)
{
    char *text = NULL;
    size_t len = 0;
    int error = 0;
    json_error_t je;
    *out = NULL;
    if (strcmp(file, "-") == 0) {
        og_buf b;
        char chunk[4096];
        size_t n;
        og_buf_init(&b, CREDS_MAX);
        while (error == 0 && (n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
            error = og_buf_append(&b, chunk, n);
        og_crypto_wipe(chunk, sizeof(chunk));
        if (error == 0 && ferror(stdin))
            error = og_error_set(OG_ERROR, "%s: cannot read stdin: %s", what, strerror(errno));
        len = b.len;
        text = og_buf_detach(&b);
        og_buf_free(&b);
    } else {
        error = og_file_read(file, CREDS_MAX, &text, &len);
    }
    if (error == 0 && !(*out = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je)))
        error = og_error_set(OG_EINVAL, "%s: not JSON (line %d: %s)", what, je.line, je.text);
    if (error == 0 && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        error = og_error_set(OG_EINVAL, "%s: must be one JSON object", what);
    }
    if (error < 0 && !og_error_last()[0])
        og_error_set(error, "%s: cannot read it", what);
    if (text) {
        og_crypto_wipe(text, len);
        free(text);
    }
    return error;
}

/* --options-file and --option k=v (a number when it reads as one) into *out (NULL: none). */
static int read_options(const og_cli_args *a, json_t **out)
{
    const char *file = og_cli_get(a, "options-file");
    int n = og_cli_count(a, "option"), error;
    *out = NULL;
    if (file && (error = read_object("--options-file", file, out)) < 0)
        return og_cli_fail(error);
    if (n && !*out)
        *out = json_object();
    for (int i = 0; i < n; i++) {
        const char *kv = og_cli_nth(a, "option", i), *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            json_decref(*out);
            *out = NULL;
            return og_cli_bad(a, "--option '%.64s' must be KEY=VALUE", kv);
        }
        char key[128], *end = NULL;
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
        long long v = strtoll(eq + 1, &end, 10);
        json_object_set_new(*out, key,
                            eq[1] && end && !*end ? json_integer(v) : json_string(eq + 1));
    }
    return 0;
}

static void wipe_strings(json_t *o)
{
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x) if (json_is_string(x))
        og_crypto_wipe((char *)json_string_value(x), json_string_length(x));
}

/* ---- printing ---- */

static void print_connector(json_t *c)
{
    json_t *last = json_object_get(c, "last_sync"), *x;
    size_t i;
    printf("name:      %s\n", json_string_value(json_object_get(c, "name")));
    printf("id:        %s\n", json_string_value(json_object_get(c, "id")));
    printf("kind:      %s\n", json_string_value(json_object_get(c, "kind")));
    printf("scope:     %s%s%s\n", json_string_value(json_object_get(c, "scope")),
           json_object_get(c, "tenant") ? " " : "",
           json_object_get(c, "tenant") ? json_string_value(json_object_get(c, "tenant")) : "");
    printf("base URL:  %s\n", json_string_value(json_object_get(c, "base_url")));
    printf("state:     %s\n", json_string_value(json_object_get(c, "state")));
    printf("fields:   ");
    json_array_foreach(json_object_get(c, "fields"), i, x) printf(" %s", json_string_value(x));
    printf("\n");
    char *opts = json_dumps(json_object_get(c, "options"), JSON_COMPACT | JSON_SORT_KEYS);
    printf("options:   %s\n", opts ? opts : "{}");
    free(opts);
    if (json_is_object(last))
        printf("last sync: %s %s\n", json_string_value(json_object_get(last, "started_at")),
               json_string_value(json_object_get(last, "outcome")));
    json_array_foreach(json_object_get(last, "notes"), i, x)
        printf("notes:     %s\n", json_string_value(x));
    printf("created:   %s by %s\n", json_string_value(json_object_get(c, "created_at")),
           json_string_value(json_object_get(c, "created_by")));
    json_array_foreach(json_object_get(c, "companies"), i, x)
    {
        const char *t = json_string_value(json_object_get(x, "tenant"));
        printf("company:   %s %s -> %s\n", json_string_value(json_object_get(x, "company_id")),
               json_string_value(json_object_get(x, "company_name")), t ? t : "(unmapped)");
    }
}

static int print_one(og_cli *cli, json_t *c)
{
    if (cli->json)
        og_cli_print_json(c);
    else {
        print_connector(c);
        json_decref(c);
    }
    return OG_EXIT_OK;
}

/* ---- subcommands ---- */

static int kinds(og_cli *cli, const og_cli_args *a)
{
    json_t *arr = NULL, *k;
    size_t i, j;
    (void)a;
    if (og_connector_kinds(&arr) < 0)
        return og_cli_fail(OG_ERROR);
    if (cli->json) {
        og_cli_print_list("kinds", arr);
        return OG_EXIT_OK;
    }
    json_array_foreach(arr, i, k)
    {
        json_t *f;
        const char *url = json_string_value(json_object_get(k, "default_base_url"));
        printf("%s - %s (base URL: %s)\n", json_string_value(json_object_get(k, "kind")),
               json_string_value(json_object_get(k, "title")), url ? url : "the customer's own");
        json_array_foreach(json_object_get(k, "fields"), j, f)
        {
            printf("  %-16s %s%s %s\n", json_string_value(json_object_get(f, "name")),
                   json_is_true(json_object_get(f, "required")) ? "required" : "optional",
                   json_is_true(json_object_get(f, "secret")) ? ", secret:" : ":",
                   json_string_value(json_object_get(f, "help")));
        }
    }
    json_decref(arr);
    return OG_EXIT_OK;
}

/* add and update: the spec from the options; credentials and options read here. */
static int add_or_update(og_cli *cli, const og_cli_args *a, int add)
{
    json_t *creds = NULL, *opts = NULL, *out = NULL;
    const char *file = og_cli_get(a, "credentials-file");
    int error;
    if ((error = refuse_argv_secrets(a)) || (error = read_options(a, &opts)))
        goto cleanup;
    if (file && (error = read_object("--credentials-file", file, &creds)) < 0) {
        error = og_cli_fail(error);
        goto cleanup;
    }
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        goto cleanup;
    og_connector_spec spec = {.tenant = og_cli_get(a, "tenant"),
                              .name = a->pos[0],
                              .kind = og_cli_get(a, "kind"),
                              .base_url = og_cli_get(a, "base-url"),
                              .credentials = creds,
                              .options = opts};
    error = add ? og_connector_add(&cli->ctx, &spec, &out)
                : og_connector_update(&cli->ctx, &spec, &out);
    if (error < 0) {
        error = error == OG_EINVAL ? og_cli_fail_usage("connector", error) : og_cli_fail(error);
        goto cleanup;
    }
    if (!cli->json)
        fprintf(stderr, "opsgate: connector %s %s\n", a->pos[0], add ? "added" : "updated");
    error = print_one(cli, out);
    out = NULL;
cleanup:
    if (creds)
        wipe_strings(creds);
    json_decref(creds);
    json_decref(opts);
    json_decref(out);
    return error;
}

static int add(og_cli *cli, const og_cli_args *a)
{
    return add_or_update(cli, a, 1);
}

static int update(og_cli *cli, const og_cli_args *a)
{
    return add_or_update(cli, a, 0);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"NAME", "KIND", "SCOPE", "STATE", "BASE URL", NULL};
    static const char *const fields[] = {"name", "kind", "scope", "state", "base_url", NULL};
    json_t *arr = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "connectors", arr, head, fields);
    return OG_EXIT_OK;
}

static int show(og_cli *cli, const og_cli_args *a)
{
    json_t *c = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_show(&cli->ctx, tenant, a->pos[0], &c)) < 0)
        return og_cli_fail(error);
    return print_one(cli, c);
}

static int test(og_cli *cli, const og_cli_args *a)
{
    json_t *out = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_connector_test(&cli->ctx, tenant, a->pos[0], &out);
    if (out && cli->json)
        og_cli_print_json(json_incref(out));
    else if (out && error == 0) {
        json_t *acc = json_object_get(out, "account");
        char *s = acc ? json_dumps(acc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        printf("ok: %s accepted the credentials%s%s\n", a->pos[0], s ? "; account " : "",
               s ? s : "");
        free(s);
    }
    json_decref(out);
    return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
}

static int sync(og_cli *cli, const og_cli_args *a)
{
    json_t *out = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    og_connector_sync_opts opts = {
        .full = og_cli_has(a, "full"), .remote_id = og_cli_get(a, "project"), .trigger = "manual"};
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_connector_sync(&cli->ctx, tenant, a->pos[0], &opts, &out);
    if (out && cli->json) {
        og_cli_print_json(json_incref(out));
    } else if (out) {
        json_t *o = out;
#define N(f) (long long)json_integer_value(json_object_get(o, f))
        printf("%s: %s, %lld pages, %lld requests, %lld records, %lld changes, %lld unmapped "
               "companies, %lld ms\n",
               a->pos[0], json_string_value(json_object_get(o, "outcome")), N("pages"),
               N("requests"), N("records"), N("changes"), N("unmapped"), N("duration_ms"));
#undef N
    }
    json_decref(out);
    return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
}

static int sync_log(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"STARTED", "TRIGGER", "OUTCOME", "RECORDS",
                                       "CHANGES", "MS",      "ERROR",   NULL};
    static const char *const fields[] = {"started_at", "trigger",     "outcome", "records",
                                         "changes",    "duration_ms", "error",   NULL};
    json_t *arr = NULL;
    int error;
    long limit = 0;
    const char *tenant = og_cli_get(a, "tenant"), *l = og_cli_get(a, "limit");
    char *end = NULL;
    if (l && ((limit = strtol(l, &end, 10)) < 1 || limit > 1000 || *end))
        return og_cli_bad(a, "--limit must be 1 to 1000");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_sync_log(&cli->ctx, tenant, a->pos[0], (int)limit, &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "syncs", arr, head, fields);
    return OG_EXIT_OK;
}

static int map(og_cli *cli, const og_cli_args *a)
{
    int error;
    const char *tenant = og_cli_get(a, "tenant"), *to = og_cli_get(a, "to");
    const char *company = og_cli_get(a, "company");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = og_connector_map(&cli->ctx, tenant, a->pos[0], company, to ? to : tenant);
    if (error == OG_ENOTFOUND && tenant && !to && og_actor_is_platform(&cli->ctx.actor)) {
        /* `map NAME --company ID --tenant T`: T has no connector NAME, a platform one maps to T */
        char first[512];
        og_strlcpy(first, og_error_last(), sizeof(first));
        if ((error = og_connector_map(&cli->ctx, NULL, a->pos[0], company, tenant)) == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "%s (in tenant %s, nor on the platform)", first, tenant);
    }
    if (error < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: company %s of %s mapped\n", company, a->pos[0]);
    return OG_EXIT_OK;
}

static int unmap(og_cli *cli, const og_cli_args *a)
{
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_unmap(&cli->ctx, tenant, a->pos[0], og_cli_get(a, "company"))) < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: company %s of %s unmapped\n", og_cli_get(a, "company"), a->pos[0]);
    return OG_EXIT_OK;
}

static int companies(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"COMPANY", "NAME", "TENANT", "FIRST SEEN", "MAPPED", NULL};
    static const char *const fields[] = {"company_id", "company_name", "tenant",
                                         "first_seen", "mapped_at",    NULL};
    json_t *arr = NULL;
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_companies(&cli->ctx, tenant, a->pos[0], &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "companies", arr, head, fields);
    return OG_EXIT_OK;
}

static int remove_connector(og_cli *cli, const og_cli_args *a)
{
    int error;
    const char *tenant = og_cli_get(a, "tenant");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_connector_remove(&cli->ctx, tenant, a->pos[0])) < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: connector %s removed\n", a->pos[0]);
    return OG_EXIT_OK;
}

#define TENANT_OPT                                                                                 \
    {                                                                                              \
        "tenant", "T", "the tenant's connectors (absent: the platform's)", 0, 0                    \
    }
#define SECRET_OPTS                                                                                \
    {"credentials", "JSON", "refused: use --credentials-file", OG_CLI_HIDDEN, 0},                  \
        {"secret", "S", "refused", OG_CLI_HIDDEN, 0},                                              \
        {"password", "S", "refused", OG_CLI_HIDDEN, 0},                                            \
        {"private-key", "S", "refused", OG_CLI_HIDDEN, 0},                                         \
        {"client-secret", "S", "refused", OG_CLI_HIDDEN, 0},                                       \
        {"api-key", "S", "refused", OG_CLI_HIDDEN, 0},                                             \
    {                                                                                              \
        "token", "S", "refused", OG_CLI_HIDDEN, 0                                                  \
    }

static const og_cli_opt scope_opts[] = {TENANT_OPT, {0}};
static const og_cli_opt add_opts[] = {
    TENANT_OPT,
    {"kind", "KIND",
     "connectwise, autotask, halopsa (PSA), ninjaone, dattormm (RMM) or msgraph (cloud)",
     OG_CLI_REQUIRED, 0},
    {"base-url", "URL", "the PSA's or RMM's API URL (default: the kind's, if any)", 0, 0},
    {"credentials-file", "FILE|-", "JSON object of the kind's fields (- for stdin)", 0, 0},
    {"option", "KEY=VALUE", "a non-secret option (repeatable)", OG_CLI_REPEAT, 0},
    {"options-file", "FILE", "the options as one JSON object", 0, 0},
    SECRET_OPTS,
    {0},
};
static const og_cli_opt update_opts[] = {
    TENANT_OPT,
    {"kind", "KIND", "must be the connector's kind when given", 0, 0},
    {"base-url", "URL", "a new base URL", 0, 0},
    {"credentials-file", "FILE|-", "all the credentials, anew (- for stdin)", 0, 0},
    {"option", "KEY=VALUE", "options, anew (repeatable)", OG_CLI_REPEAT, 0},
    {"options-file", "FILE", "options, anew, as one JSON object", 0, 0},
    SECRET_OPTS,
    {0},
};
static const og_cli_opt sync_opts[] = {
    TENANT_OPT,
    {"full", NULL, "fetch everything, not only what changed", 0, 0},
    {"project", "ID", "only this PSA project (its remote id)", 0, 0},
    {0},
};
static const og_cli_opt log_opts[] = {
    TENANT_OPT, {"limit", "N", "at most N (default 50)", 0, 0}, {0}};
static const og_cli_opt map_opts[] = {
    TENANT_OPT,
    {"company", "ID", "the PSA company's id", OG_CLI_REQUIRED, 0},
    {"to", "T", "the tenant it belongs to (default: --tenant)", 0, 0},
    {0},
};
static const og_cli_opt unmap_opts[] = {
    TENANT_OPT, {"company", "ID", "the PSA company's id", OG_CLI_REQUIRED, 0}, {0}};

static const og_cli_sub subs[] = {
    {"kinds", NULL, 0, 0, NULL, "list the connector kinds and their fields", kinds},
    {"add", "NAME", 1, 1, add_opts, "add a connector", add},
    {"update", "NAME", 1, 1, update_opts, "change a connector's URL, credentials or options",
     update},
    {"list", NULL, 0, 0, scope_opts, "list connectors", list},
    {"show", "NAME", 1, 1, scope_opts, "show a connector, its companies and syncs", show},
    {"test", "NAME", 1, 1, scope_opts, "one authenticated call to the PSA", test},
    {"sync", "NAME", 1, 1, sync_opts, "pull what changed in the PSA", sync},
    {"sync-log", "NAME", 1, 1, log_opts, "the connector's syncs, newest first", sync_log},
    {"map", "NAME", 1, 1, map_opts, "say which tenant a PSA company belongs to", map},
    {"unmap", "NAME", 1, 1, unmap_opts, "forget a company's tenant", unmap},
    {"companies", "NAME", 1, 1, scope_opts, "the PSA companies seen and their tenants", companies},
    {"remove", "NAME", 1, 1, scope_opts, "remove a connector and its history", remove_connector},
    {0},
};

const og_command og_cmd_connector = {
    .name = "connector",
    .summary = "connectors: ConnectWise, Autotask, HaloPSA, NinjaOne, Datto RMM, Microsoft Graph",
    .about = about,
    .subs = subs,
};
