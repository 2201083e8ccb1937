/* cmd_notify.c - `opsgate notify`: notification channels of a tenant or of the platform. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Channels have a scope, given to every subcommand but `events` and `egress`: --tenant T (a\n"
    "client's channels, managed by its tenant-admins) or --platform (the MSP's own channels,\n"
    "which get the chosen events of EVERY tenant; platform-admins only, audited on the platform\n"
    "chain, never shown to a tenant; with --as, --tenant names the user's tenant).\n"
    "\n"
    "Channels get the events opsgate notifies about (`notify events` lists them: gate items\n"
    "waiting for a person or decided, certificate expiry alerts, renewals and their failures,\n"
    "deploy rollbacks), delivered by the event bus with retries: a failing channel never blocks\n"
    "an action; its failures show in `gate show` and /metrics.\n"
    "--events PATTERNS chooses which: comma-separated globs over event types, e.g.\n"
    "  --events 'certs.*,gate.review' (default: every event). A pattern that matches no event\n"
    "  type is refused (a typo would mute the channel). `set-events` changes it (audited).\n"
    "Messages are written for people: the subject names the client, the object, what happened\n"
    "and what to do (\"[opsgate] acme: shop.acme.example expires in 7 days - renewal\n"
    "scheduled\"), the body gives the details and the commands to run.\n"
    "webhook: POSTs a JSON body {id, type, tenant_id, tenant_name, subject, text, body, data}\n"
    "  (text is the subject and the body, as Slack-compatible receivers show it; data is the\n"
    "  event's machine fields) with X-Opsgate-Signature: t=<unix time>,v1=<hex HMAC-SHA256\n"
    "  of \"<t>.<body>\" keyed with the secret> and X-Opsgate-Event: <event id>, so receivers\n"
    "  check authenticity, refuse stale timestamps (replays) and deduplicate by event id.\n"
    "  The secret file's content (at least 16 bytes, trailing newline dropped) is the key.\n"
    "  The URL is a secret too (a path or query often holds a token): give it with --url-file\n"
    "  FILE (its first line; '-' reads it from stdin). A URL on the command line is readable\n"
    "  by every local user: it still works, with a warning.\n"
    "psa: opens a ticket in the PSA through the connector named CONNECTOR (the tenant's, else\n"
    "  the platform's) for the tenant's mapped company, notes while it is open, closes it when\n"
    "  resolved (docs/connectors.md); no secret: the connector holds the credentials.\n"
    "email: sends a text/plain UTF-8 message through SMTP (smtp://[user:pass@]host:port or\n"
    "  smtps://), given by --smtp-file FILE (its first line) or --smtp URL (a command line\n"
    "  is readable by every local user: keep credentials in the file).\n"
    "Secrets, webhook URLs and SMTP URLs are sealed with the tenant's key (the platform's for\n"
    "platform channels); lists, messages and the audit trail show URLs redacted to\n"
    "scheme://host[:port]/… (no credentials, path or query). Adding, changing and removing\n"
    "channels needs tenant-admin. `test` sends a test message now, whatever the filters, and\n"
    "reports each channel.\n"
    "egress: channels never connect to loopback, private, shared, link-local, unique-local,\n"
    "  multicast, unspecified or reserved addresses (checked on the resolved address of every\n"
    "  connection; redirects are not followed, proxies from the environment are not used)\n"
    "  unless a platform-admin allows a range holding them, e.g. `notify egress allow\n"
    "  10.20.0.0/16 --note \"PSA on the MSP network\"`. Allowing and removing ranges is\n"
    "  audited on the platform chain (notify.egress.allow, notify.egress.remove).\n"
    "With --json, as the HTTP API answers: `list` prints {\"channels\": [...]}; `add`, `show`\n"
    "and `set-events` the channel; `test` {\"ok\", \"results\": [...]}. `egress list` prints\n"
    "{\"ranges\": [...]} and `events` {\"event_types\": [...]}.\n";

static const og_cli_opt scope_opts[] = {
    {"tenant", "T", "a tenant's channels (with --as: the user's tenant)", 0, 0},
    {"platform", NULL, "the platform's channels (platform-admins)", 0, 0},
    {0},
};
static const og_cli_opt add_opts[] = {
    {"tenant", "T", "a tenant's channels (with --as: the user's tenant)", 0, 0},
    {"platform", NULL, "the platform's channels (platform-admins)", 0, 0},
    {"secret-file", "FILE", "webhook: the HMAC key (at least 16 bytes)", 0, 0},
    {"url-file", "FILE", "webhook: the URL, the file's first line ('-': stdin)", 0, 0},
    {"smtp", "URL", "email: smtp[s]://[user:pass@]host:port", 0, 0},
    {"smtp-file", "FILE", "email: the SMTP URL, the file's first line (keeps it out of ps)", 0, 0},
    {"from", "ADDRESS", "email: the sender address", 0, 0},
    {"events", "PATTERNS", "only these events: 'certs.*,gate.review'", 0, 0},
    {0},
};

static const og_cli_opt egress_opts[] = {
    {"tenant", "T", "with --as: the user's tenant", 0, 0},
    {"note", "TEXT", "allow: why the range is allowed", 0, 0},
    {0},
};

/* Channels as a text table: id, type, target, events. */
static void print_channels(json_t *arr)
{
    static const char *const head[] = {"ID", "TYPE", "TARGET", "EVENTS", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t n;
    json_t *x;
    json_array_foreach(arr, n, x)
    {
        json_t *ev = json_object_get(x, "events"), *p;
        size_t i;
        char events[512] = "";
        json_array_foreach(ev, i, p)
        {
            size_t l = strlen(events);
            snprintf(events + l, sizeof(events) - l, "%s%s", i ? "," : "", json_string_value(p));
        }
        og_cli_table_add(t,
                         (const char *[]){json_string_value(json_object_get(x, "id")),
                                          json_string_value(json_object_get(x, "type")),
                                          json_string_value(json_object_get(x, "target")), events});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

/* The scope the options name into *scope: a tenant (--tenant) or the platform (--platform). */
static int scope_of(og_cli *cli, const og_cli_args *a, const char **scope)
{
    const char *tenant = og_cli_get(a, "tenant");
    bool platform = og_cli_has(a, "platform");
    if (platform && tenant && !cli->as_user)
        return og_cli_bad(a, "--platform and --tenant exclude each other (--tenant goes with "
                             "--platform only to name an --as user's tenant)");
    if (!platform && !tenant)
        return og_cli_bad(a, "notify %s needs --tenant T or --platform", a->sub->name);
    *scope = platform ? OG_NOTIFY_PLATFORM : tenant;
    return 0;
}

/* Open the data folder for the scope the options name. */
static int open_scope(og_cli *cli, const og_cli_args *a, const char **scope)
{
    int error = scope_of(cli, a, scope);
    return error ? error : og_cli_open(cli, og_cli_get(a, "tenant"));
}

/* The channel as the API shows it (after add and set-events with --json). */
static int print_channel_json(og_cli *cli, const char *scope, const char *id)
{
    json_t *ch = NULL;
    int error = og_notify_channel_get(&cli->ctx, scope, id, &ch);
    if (error < 0)
        return og_cli_fail(error);
    og_cli_print_json(ch);
    return OG_EXIT_OK;
}

/* The secret of a new channel of type a->pos[0]: the webhook's secret file (trailing newline
 * dropped) or the SMTP URL; *cfg the email settings. Caller wipes and frees *secret. */
static int channel_secret(const og_cli_args *a, char **secret, size_t *len, json_t **cfg)
{
    const char *type = a->pos[0], *file = og_cli_get(a, "secret-file");
    const char *smtp = og_cli_get(a, "smtp"), *smtp_file = og_cli_get(a, "smtp-file");
    int error;
    if (strcmp(type, "webhook") == 0) {
        if (!file)
            return og_cli_bad(a, "a webhook needs --secret-file FILE");
        if ((error = og_file_read(file, 4096, secret, len)) < 0)
            return og_cli_fail(error);
        while (*len && ((*secret)[*len - 1] == '\n' || (*secret)[*len - 1] == '\r'))
            (*secret)[--*len] = '\0';
        return 0;
    }
    if (strcmp(type, "psa") == 0) /* a connector name: the connector holds the credentials */
        return file || smtp || smtp_file ? og_cli_bad(a, "a psa channel takes no secret") : 0;
    if (strcmp(type, "email") != 0)
        return og_cli_bad(a, "unknown channel type '%s' (webhook, email or psa)", type);
    if (smtp && smtp_file)
        return og_cli_bad(a, "--smtp and --smtp-file exclude each other");
    if (!smtp && !smtp_file)
        return og_cli_bad(a, "an email channel needs --smtp-file FILE or --smtp URL");
    if (smtp_file) {
        /* The URL's credentials stay off the command line, which every local user can read. */
        if ((error = og_file_read(smtp_file, 4096, secret, len)) < 0) {
            og_error_wrap("--smtp-file '%s'", smtp_file);
            return og_cli_fail(error);
        }
        size_t end = strcspn(*secret, "\r\n");
        og_crypto_wipe(*secret + end, *len - end);
        *len = end;
    } else {
        *secret = strdup(smtp);
        *len = strlen(smtp);
    }
    *cfg = json_pack("{s:s?}", "from", og_cli_get(a, "from"));
    if (!*secret || !*cfg)
        return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
    return 0;
}

/* The first line of stdin, at most cap bytes, into *out (caller wipes and frees). */
static int read_stdin_line(size_t cap, char **out, size_t *len)
{
    char *buf = malloc(cap + 1);
    size_t n = 0;
    int c = 0;
    if (!buf)
        return og_error_set(OG_ERROR, "out of memory");
    while (n <= cap && (c = getchar()) != EOF && c != '\n' && c != '\r')
        if (n < cap)
            buf[n++] = (char)c;
        else
            n++;
    if (n > cap) {
        og_crypto_wipe(buf, cap);
        free(buf);
        return og_error_set(OG_ETOOBIG, "the URL on stdin is longer than %zu bytes", cap);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* The webhook URL: --url-file FILE (its first line; '-': stdin) or the positional URL, which
 * every local user can read in ps (a warning says so). Caller wipes and frees *url. */
static int webhook_url(const og_cli_args *a, char **url, size_t *len)
{
    const char *file = og_cli_get(a, "url-file");
    int error;
    if (strcmp(a->pos[0], "webhook") != 0) {
        if (file)
            return og_cli_bad(a, "--url-file is for webhook channels");
        if (strcmp(a->pos[0], "email") == 0 && a->npos < 2)
            return og_cli_bad(a, "an email channel needs its ADDRESS");
        if (strcmp(a->pos[0], "psa") == 0 && a->npos < 2)
            return og_cli_bad(a, "a psa channel needs its CONNECTOR (a connector's name)");
        return 0; /* an unknown type: channel_secret() names it */
    }
    if (file && a->npos == 2)
        return og_cli_bad(a, "give the webhook URL once: --url-file or the URL argument");
    if (!file && a->npos < 2)
        return og_cli_bad(a, "a webhook needs its URL: --url-file FILE (or '-' for stdin)");
    if (!file) {
        fputs("opsgate: warning: a webhook URL on the command line is readable by every local "
              "user (ps, shell history); give it with --url-file FILE or --url-file -\n",
              stderr);
        return 0;
    }
    error = strcmp(file, "-") == 0 ? read_stdin_line(4096, url, len)
                                   : og_file_read(file, 4096, url, len);
    if (error < 0) {
        og_error_wrap("--url-file '%s'", file);
        return og_cli_fail(error);
    }
    size_t end = strcspn(*url, "\r\n");
    og_crypto_wipe(*url + end, *len - end);
    *len = end;
    if (!end)
        return og_cli_bad(a, "--url-file '%s' holds no URL on its first line", file);
    return 0;
}

static int add(og_cli *cli, const og_cli_args *a)
{
    char id[OG_ID_LEN], *secret = NULL, *url = NULL;
    const char *scope;
    size_t len = 0, url_len = 0;
    json_t *cfg = NULL;
    int error;
    if ((error = scope_of(cli, a, &scope)) || (error = webhook_url(a, &url, &url_len)) ||
        (error = channel_secret(a, &secret, &len, &cfg)) ||
        (error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        goto cleanup;
    if ((error = og_notify_channel_add(&cli->ctx, scope, a->pos[0], url ? url : a->pos[1], secret,
                                       len, cfg, og_cli_get(a, "events"), id)) < 0) {
        error = og_cli_fail(error);
        goto cleanup;
    }
    if (cli->json) {
        error = print_channel_json(cli, scope, id);
        goto cleanup;
    }
    printf("%s\n", id);
    error = OG_EXIT_OK;
cleanup:
    if (secret) {
        og_crypto_wipe(secret, len);
        free(secret);
    }
    if (url) {
        og_crypto_wipe(url, url_len);
        free(url);
    }
    json_decref(cfg);
    return error;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    const char *scope;
    json_t *arr = NULL;
    int error;
    if ((error = open_scope(cli, a, &scope)))
        return error;
    if ((error = og_notify_channel_list(&cli->ctx, scope, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("channels", arr);
        return OG_EXIT_OK;
    }
    print_channels(arr);
    json_decref(arr);
    return OG_EXIT_OK;
}

static int show(og_cli *cli, const og_cli_args *a)
{
    const char *scope;
    json_t *ch = NULL, *one;
    int error;
    if ((error = open_scope(cli, a, &scope)))
        return error;
    if ((error = og_notify_channel_get(&cli->ctx, scope, a->pos[0], &ch)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(ch);
        return OG_EXIT_OK;
    }
    one = json_pack("[O]", ch);
    print_channels(one);
    json_decref(one);
    printf("created %s by %s\n", json_string_value(json_object_get(ch, "created_at")),
           json_string_value(json_object_get(ch, "created_by")));
    json_decref(ch);
    return OG_EXIT_OK;
}

static int set_events(og_cli *cli, const og_cli_args *a)
{
    const char *scope;
    int error;
    if ((error = open_scope(cli, a, &scope)))
        return error;
    if ((error = og_notify_channel_set_events(&cli->ctx, scope, a->pos[0], a->pos[1])) < 0)
        return og_cli_fail(error);
    return cli->json ? print_channel_json(cli, scope, a->pos[0]) : OG_EXIT_OK;
}

/* Send a test message to one channel or all of the scope; a failed channel fails the command. */
static int test(og_cli *cli, const og_cli_args *a)
{
    const char *scope, *id = a->npos ? a->pos[0] : NULL;
    json_t *report = NULL, *x;
    size_t i;
    int error, failed = 0;
    if (id && !og_id_valid(id))
        return og_cli_bad(a, "bad channel id '%s'", id);
    if ((error = open_scope(cli, a, &scope)))
        return error;
    error = og_notify_test(&cli->ctx, scope, id, &report);
    json_array_foreach(report, i, x)
    {
        const char *e = json_string_value(json_object_get(x, "error"));
        failed |= !json_is_true(json_object_get(x, "ok"));
        if (!cli->json)
            printf("%s %s %s%s%s\n", json_string_value(json_object_get(x, "channel_id")),
                   json_string_value(json_object_get(x, "target")), e ? "FAILED" : "ok",
                   e ? ": " : "", e ? e : "");
    }
    if (cli->json)
        og_cli_print_json(json_pack("{s:b, s:O}", "ok", !failed && error >= 0, "results",
                                    report ? report : json_array()));
    json_decref(report);
    return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
}

static int remove_channel(og_cli *cli, const og_cli_args *a)
{
    const char *scope;
    int error;
    if ((error = open_scope(cli, a, &scope)))
        return error;
    if ((error = og_notify_channel_remove(&cli->ctx, scope, a->pos[0])) < 0)
        return og_cli_fail(error);
    return OG_EXIT_OK;
}

/* The event types channels may choose (no data folder needed). */
static int event_types(og_cli *cli, const og_cli_args *a)
{
    json_t *arr = cli->json ? json_array() : NULL;
    (void)a;
    for (int i = 0; og_notify_event_types[i]; i++) {
        if (arr)
            json_array_append_new(arr, json_string(og_notify_event_types[i]));
        else
            printf("%s\n", og_notify_event_types[i]);
    }
    if (cli->json)
        og_cli_print_list("event_types", arr);
    return OG_EXIT_OK;
}

static void print_ranges(json_t *arr)
{
    static const char *const head[] = {"RANGE", "ALLOWED AT", "BY", "NOTE", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "range")),
                                             json_string_value(json_object_get(x, "created_at")),
                                             json_string_value(json_object_get(x, "created_by")),
                                             json_string_value(json_object_get(x, "note"))});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

/* `notify egress allow|list|remove`: the address ranges channels may connect to (platform
 * scope: --tenant only names an --as user's tenant). */
static int egress(og_cli *cli, const og_cli_args *a)
{
    const char *action = a->pos[0], *note = og_cli_get(a, "note");
    int error, allow = strcmp(action, "allow") == 0;
    json_t *arr = NULL;
    if (strcmp(action, "list") == 0) {
        if (a->npos != 1)
            return og_cli_bad(a, "notify egress list takes no argument");
    } else if (!allow && strcmp(action, "remove") != 0) {
        return og_cli_bad(a, "notify egress takes allow, list or remove, not %s", action);
    } else if (a->npos != 2) {
        return og_cli_bad(a, "notify egress %s takes one CIDR (like 10.0.0.0/8)", action);
    }
    if (note && !allow)
        return og_cli_bad(a, "--note applies to `notify egress allow` only");
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    if (allow || strcmp(action, "remove") == 0) {
        error = allow ? og_egress_allow_add(&cli->ctx, a->pos[1], note)
                      : og_egress_allow_remove(&cli->ctx, a->pos[1]);
        return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
    }
    if ((error = og_egress_allow_list(&cli->ctx, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("ranges", arr);
        return OG_EXIT_OK;
    }
    print_ranges(arr);
    json_decref(arr);
    return OG_EXIT_OK;
}

static const og_cli_sub subs[] = {
    {"add", "webhook [URL]|email ADDRESS|psa CONNECTOR", 1, 2, add_opts,
     "add a channel; prints its id", add},
    {"list", NULL, 0, 0, scope_opts, "list the scope's channels", list},
    {"show", "CHANNEL_ID", 1, 1, scope_opts, "show one channel", show},
    {"set-events", "CHANNEL_ID PATTERNS", 2, 2, scope_opts,
     "change which events a channel gets ('*' for all)", set_events},
    {"test", "[CHANNEL_ID]", 0, 1, scope_opts, "send a test message now and report", test},
    {"remove", "CHANNEL_ID", 1, 1, scope_opts, "remove a channel", remove_channel},
    {"events", NULL, 0, 0, NULL, "list the event types channels may choose", event_types},
    {"egress", "allow CIDR|list|remove CIDR", 1, 2, egress_opts,
     "the address ranges channels may reach (platform)", egress},
    {0},
};

const og_command og_cmd_notify = {
    .name = "notify",
    .summary = "notification channels of a tenant or the platform: webhook, email",
    .about = about,
    .subs = subs,
};
