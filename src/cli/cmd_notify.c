/* cmd_notify.c - `opsgate notify`: notification channels of a tenant or of the platform. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate notify add SCOPE webhook URL --secret-file FILE [--events PATTERNS]\n"
    "       opsgate notify add SCOPE email ADDRESS --smtp URL [--from ADDRESS] [--events "
    "PATTERNS]\n"
    "       opsgate notify list SCOPE [--json]\n"
    "       opsgate notify show SCOPE CHANNEL_ID [--json]\n"
    "       opsgate notify set-events SCOPE CHANNEL_ID PATTERNS\n"
    "       opsgate notify test SCOPE [CHANNEL_ID] [--json]\n"
    "       opsgate notify remove SCOPE CHANNEL_ID\n"
    "       opsgate notify events\n"
    "       opsgate notify egress allow CIDR [--note TEXT]\n"
    "       opsgate notify egress list [--json]\n"
    "       opsgate notify egress remove CIDR\n"
    "SCOPE is --tenant T (a client's channels, managed by its tenant-admins) or --platform (the\n"
    "MSP's own channels, which get the chosen events of EVERY tenant; platform-admins only,\n"
    "audited on the platform chain, never shown to a tenant; with --as, --tenant names the\n"
    "user's tenant).\n"
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
    "email: sends a text/plain UTF-8 message through SMTP (smtp://[user:pass@]host:port or\n"
    "  smtps://).\n"
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
    "  audited on the platform chain (notify.egress.allow, notify.egress.remove).\n";

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

/* `notify egress allow|list|remove`: the address ranges channels may connect to. */
static int egress(og_cli *cli, const char *tenant, char **pos, int npos, const char *note, int json)
{
    int error;
    const char *action = npos ? pos[0] : "";
    if (strcmp(action, "list") == 0) {
        json_t *arr = NULL, *x;
        size_t i;
        if (npos != 1)
            return og_cli_usage("notify", "notify egress list takes no argument");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_egress_allow_list(&cli->ctx, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"RANGE", "ALLOWED AT", "BY", "NOTE", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, x)
        {
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "range")),
                                              json_string_value(json_object_get(x, "created_at")),
                                              json_string_value(json_object_get(x, "created_by")),
                                              json_string_value(json_object_get(x, "note"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(action, "allow") == 0 || strcmp(action, "remove") == 0) {
        int allow = action[0] == 'a';
        if (npos != 2)
            return og_cli_usage("notify", "notify egress %s takes one CIDR (like 10.0.0.0/8)",
                                action);
        if (note && !allow)
            return og_cli_usage("notify", "--note applies to `notify egress allow` only");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = allow ? og_egress_allow_add(&cli->ctx, pos[1], note)
                      : og_egress_allow_remove(&cli->ctx, pos[1]);
        return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
    }
    return og_cli_usage("notify", "notify egress takes allow, list or remove%s%s",
                        npos ? ", not " : "", npos ? action : "");
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"platform", no_argument, NULL, 'p'},
        {"secret-file", required_argument, NULL, 's'},
        {"smtp", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'},
        {"note", required_argument, NULL, 'n'},
        {"events", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, platform = 0, c, error;
    const char *tenant = NULL, *secret_file = NULL, *smtp = NULL, *from = NULL, *note = NULL;
    const char *events = NULL, *scope;
    if (argc < 2)
        return og_cli_usage("notify", "missing subcommand (add, list, show, set-events, test, "
                                      "remove, events, egress)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'p':
            platform = 1;
            break;
        case 's':
            secret_file = optarg;
            break;
        case 'm':
            smtp = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 'n':
            note = optarg;
            break;
        case 'e':
            events = optarg;
            break;
        default:
            return og_cli_badopt("notify", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(sub, "egress") == 0) { /* platform scope: --tenant only names an --as user's */
        if (platform || events)
            return og_cli_usage("notify", "notify egress takes no --%s",
                                platform ? "platform" : "events");
        return egress(cli, tenant, pos, npos, note, json);
    }
    if (note)
        return og_cli_usage("notify", "--note applies to `notify egress allow` only");
    if (strcmp(sub, "events") == 0) {
        if (npos)
            return og_cli_usage("notify", "notify events takes no argument");
        for (int i = 0; og_notify_event_types[i]; i++)
            printf("%s\n", og_notify_event_types[i]);
        return OG_EXIT_OK;
    }
    if (platform && tenant && !cli->as_user)
        return og_cli_usage("notify", "--platform and --tenant exclude each other (--tenant goes "
                                      "with --platform only to name an --as user's tenant)");
    if (!platform && !tenant)
        return og_cli_usage("notify", "notify %s needs --tenant T or --platform", sub);
    scope = platform ? OG_NOTIFY_PLATFORM : tenant;
    if (events && strcmp(sub, "add") != 0)
        return og_cli_usage("notify", "--events goes with `notify add` (`notify set-events` "
                                      "changes a channel's)");

    if (strcmp(sub, "add") == 0) {
        char id[OG_ID_LEN];
        char *secret = NULL;
        size_t len = 0;
        json_t *cfg = NULL;
        if (npos != 2)
            return og_cli_usage("notify", "notify add takes TYPE and TARGET (webhook URL or "
                                          "email ADDRESS)");
        if (strcmp(pos[0], "webhook") == 0) {
            if (!secret_file)
                return og_cli_usage("notify", "a webhook needs --secret-file FILE");
            if ((error = og_file_read(secret_file, 4096, &secret, &len)) < 0)
                return og_cli_fail(error);
            while (len && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
                secret[--len] = '\0';
        } else if (strcmp(pos[0], "email") == 0) {
            if (!smtp)
                return og_cli_usage("notify", "an email channel needs --smtp URL");
            secret = strdup(smtp);
            len = strlen(smtp);
            cfg = json_pack("{s:s?}", "from", from);
        } else {
            return og_cli_usage("notify", "unknown channel type '%s' (webhook or email)", pos[0]);
        }
        if ((error = og_cli_open(cli, tenant)) == 0) {
            error = og_notify_channel_add(&cli->ctx, scope, pos[0], pos[1], secret, len, cfg,
                                          events, id);
            error = error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
        }
        if (secret) {
            og_crypto_wipe(secret, len);
            free(secret);
        }
        json_decref(cfg);
        if (error == OG_EXIT_OK)
            printf("%s\n", id);
        return error;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("notify", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_notify_channel_list(&cli->ctx, scope, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        print_channels(arr);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "show") == 0) {
        json_t *ch = NULL;
        if (npos != 1)
            return og_cli_usage("notify", "notify show takes exactly one CHANNEL_ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_notify_channel_get(&cli->ctx, scope, pos[0], &ch)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(ch);
            return OG_EXIT_OK;
        }
        json_t *one = json_pack("[O]", ch);
        print_channels(one);
        json_decref(one);
        printf("created %s by %s\n", json_string_value(json_object_get(ch, "created_at")),
               json_string_value(json_object_get(ch, "created_by")));
        json_decref(ch);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "set-events") == 0) {
        if (npos != 2)
            return og_cli_usage("notify", "notify set-events takes CHANNEL_ID and PATTERNS (like "
                                          "'certs.*,gate.review', or '*' for every event)");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_notify_channel_set_events(&cli->ctx, scope, pos[0], pos[1])) < 0)
            return og_cli_fail(error);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "test") == 0) {
        json_t *report = NULL;
        if (npos > 1)
            return og_cli_usage("notify", "notify test takes at most one CHANNEL_ID");
        if (npos == 1 && !og_id_valid(pos[0]))
            return og_cli_usage("notify", "bad channel id '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = og_notify_test(&cli->ctx, scope, npos ? pos[0] : NULL, &report);
        if (json) {
            og_cli_print_json(report);
        } else {
            size_t i;
            json_t *x;
            json_array_foreach(report, i, x)
            {
                const char *e = json_string_value(json_object_get(x, "error"));
                printf("%s %s %s%s%s\n", json_string_value(json_object_get(x, "channel_id")),
                       json_string_value(json_object_get(x, "target")), e ? "FAILED" : "ok",
                       e ? ": " : "", e ? e : "");
            }
            json_decref(report);
        }
        return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
    }
    if (strcmp(sub, "remove") == 0) {
        if (npos != 1)
            return og_cli_usage("notify", "notify remove takes exactly one CHANNEL_ID");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_notify_channel_remove(&cli->ctx, scope, pos[0])) < 0)
            return og_cli_fail(error);
        return OG_EXIT_OK;
    }
    return og_cli_usage("notify", "unknown subcommand '%s'", sub);
}

const og_command og_cmd_notify = {
    .name = "notify",
    .summary = "notification channels of a tenant or the platform: webhook, "
               "email",
    .legacy_run = run,
    .legacy_help = help,
};
