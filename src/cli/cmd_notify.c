/* cmd_notify.c - `opsgate notify`: notification channels of a tenant. */
#include "cli/cli.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/notify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate notify add --tenant T webhook URL --secret-file FILE\n"
    "       opsgate notify add --tenant T email ADDRESS --smtp URL [--from ADDRESS]\n"
    "       opsgate notify list --tenant T [--json]\n"
    "       opsgate notify test --tenant T [CHANNEL_ID] [--json]\n"
    "       opsgate notify remove --tenant T CHANNEL_ID\n"
    "       opsgate notify egress allow CIDR [--note TEXT]\n"
    "       opsgate notify egress list [--json]\n"
    "       opsgate notify egress remove CIDR\n"
    "\n"
    "Gate notifications (review needed, approval needed, task, decisions) go to every channel\n"
    "of the tenant, delivered by the event bus with retries: a failing channel never blocks an\n"
    "action; its failures show in `gate show` and /metrics.\n"
    "webhook: POSTs a JSON body with X-Opsgate-Signature: t=<unix time>,v1=<hex HMAC-SHA256\n"
    "  of \"<t>.<body>\" keyed with the secret> and X-Opsgate-Event: <event id>, so receivers\n"
    "  check authenticity, refuse stale timestamps (replays) and deduplicate by event id.\n"
    "  The secret file's content (at least 16 bytes, trailing newline dropped) is the key.\n"
    "email: sends through SMTP (smtp://[user:pass@]host:port or smtps://).\n"
    "Secrets, webhook URLs and SMTP URLs are sealed with the tenant's key; lists, messages and\n"
    "the audit trail show URLs redacted to scheme://host[:port]/… (no credentials, path or\n"
    "query). Adding and removing channels needs tenant-admin. `test` sends a test message now\n"
    "and reports each channel.\n"
    "egress: channels never connect to loopback, private, shared, link-local, unique-local,\n"
    "  multicast, unspecified or reserved addresses (checked on the resolved address of every\n"
    "  connection; redirects are not followed, proxies from the environment are not used)\n"
    "  unless a platform-admin allows a range holding them, e.g. `notify egress allow\n"
    "  10.20.0.0/16 --note \"PSA on the MSP network\"`. Allowing and removing ranges is\n"
    "  audited on the platform chain (notify.egress.allow, notify.egress.remove).\n";

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
        printf("%-43s %-27s %-20s %s\n", "RANGE", "ALLOWED AT", "BY", "NOTE");
        json_array_foreach(arr, i, x)
        {
            const char *n = json_string_value(json_object_get(x, "note"));
            printf("%-43s %-27s %-20s %s\n", json_string_value(json_object_get(x, "range")),
                   json_string_value(json_object_get(x, "created_at")),
                   json_string_value(json_object_get(x, "created_by")), n ? n : "");
        }
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
        {"secret-file", required_argument, NULL, 's'},
        {"smtp", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'},
        {"note", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *secret_file = NULL, *smtp = NULL, *from = NULL, *note = NULL;
    if (argc < 2)
        return og_cli_usage("notify", "missing subcommand (add, list, test, remove, egress)");
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
        default:
            return og_cli_badopt("notify", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(sub, "egress") == 0) /* platform scope: --tenant only names an --as user's */
        return egress(cli, tenant, pos, npos, note, json);
    if (note)
        return og_cli_usage("notify", "--note applies to `notify egress allow` only");
    if (!tenant)
        return og_cli_usage("notify", "notify %s needs --tenant", sub);

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
            error = og_notify_channel_add(&cli->ctx, tenant, pos[0], pos[1], secret, len, cfg, id);
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
        if ((error = og_notify_channel_list(&cli->ctx, tenant, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *x;
        printf("%-36s %-8s %s\n", "ID", "TYPE", "TARGET");
        json_array_foreach(arr, i, x)
            printf("%-36s %-8s %s\n", json_string_value(json_object_get(x, "id")),
                   json_string_value(json_object_get(x, "type")),
                   json_string_value(json_object_get(x, "target")));
        json_decref(arr);
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
        error = og_notify_test(&cli->ctx, tenant, npos ? pos[0] : NULL, &report);
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
        if ((error = og_notify_channel_remove(&cli->ctx, tenant, pos[0])) < 0)
            return og_cli_fail(error);
        return OG_EXIT_OK;
    }
    return og_cli_usage("notify", "unknown subcommand '%s'", sub);
}

const og_command og_cmd_notify = {"notify", run, "notification channels: webhook, email", help};
