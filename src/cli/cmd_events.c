/* cmd_events.c - `opsgate events`: the durable event bus's deliveries, retries and workers. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate events list [--tenant T] [--state pending|running|done|dead] [--json]\n"
    "       opsgate events retry ID\n"
    "       opsgate events run\n"
    "       opsgate events work\n"
    "\n"
    "Events are written to an outbox in the same transaction as the change that causes them and\n"
    "delivered at least once to each handler (notifications, ...), with retries and exponential\n"
    "backoff; after the last attempt a delivery is dead until `events retry ID` revives it.\n"
    "`list` shows one line per (event, handler); without --tenant it needs platform rights.\n"
    "`run` makes one delivery pass now. `work` runs the delivery workers and the gate expiry\n"
    "timer in the foreground until SIGTERM or SIGINT (what `opsgate serve` runs inside).\n";

static int cmd_work(og_cli *cli)
{
    int error = -1, sig = 0;
    og_store_pool *pool = NULL;
    og_store *s = NULL;
    og_keyring *keys = NULL;
    char *url = NULL;
    void *handle = NULL;
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* Blocked before any thread starts, so only sigwait() below sees them. */
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    if ((error = og_install_open(cli->data_dir, &s, &keys)) < 0)
        goto cleanup;
    og_store_close(s);
    s = NULL;
    url = og_install_db_url(cli->data_dir);
    if (!url) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_store_pool_open(&pool, url, 8)) < 0)
        goto cleanup;
    if ((error = og_gate_server_start(pool, keys, cli->data_dir, &handle)) < 0)
        goto cleanup;
    fprintf(stderr, "opsgate: event workers running on %s\n", cli->data_dir);
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "opsgate: %s: stopping event workers\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    error = 0;
cleanup:
    og_gate_server_stop(handle);
    og_store_pool_close(pool);
    og_keyring_free(keys);
    free(url);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return error < 0 ? og_cli_fail(error) : OG_EXIT_OK;
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *state = NULL;
    if (argc < 2)
        return og_cli_usage("events", "missing subcommand (list, retry, run, work)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 't')
            tenant = optarg;
        else if (c == 's')
            state = optarg;
        else
            return og_cli_badopt("events", argv + 1);
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;

    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("events", "unexpected argument '%s'", pos[0]);
        if (state && strcmp(state, "pending") && strcmp(state, "running") &&
            strcmp(state, "done") && strcmp(state, "dead"))
            return og_cli_usage("events", "bad --state '%s' (pending, running, done or dead)",
                                state);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_events_list(&cli->ctx, tenant, state, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *x;
        static const char *const head[] = {"EVENT", "TYPE",    "HANDLER",    "STATE",
                                           "TRY",   "CREATED", "LAST ERROR", NULL};
        og_cli_table *t = og_cli_table_new(head);
        og_cli_table_right(t, 4);
        json_array_foreach(arr, i, x)
        {
            const char *h = json_string_value(json_object_get(x, "handler"));
            const char *e = json_string_value(json_object_get(x, "last_error"));
            const char *at = json_string_value(json_object_get(x, "created_at"));
            char tries[24];
            snprintf(tries, sizeof(tries), "%lld",
                     (long long)json_integer_value(json_object_get(x, "attempts")));
            og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "id")),
                                                 json_string_value(json_object_get(x, "type")),
                                                 h ? h : "-",
                                                 json_string_value(json_object_get(x, "state")),
                                                 tries, at ? at : "", e ? e : ""});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "retry") == 0) {
        if (npos != 1)
            return og_cli_usage("events", "events retry takes exactly one event ID");
        if (!og_id_valid(pos[0]))
            return og_cli_usage("events", "bad event id '%s'", pos[0]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_events_retry(&cli->ctx, pos[0])) < 0)
            return og_cli_fail(error);
        printf("%s: pending\n", pos[0]);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "run") == 0) {
        int d = 0;
        if ((error = og_cli_open(cli, NULL)))
            return error;
        if ((error = og_events_run_once(&cli->ctx, NULL, &d)) < 0)
            return og_cli_fail(error);
        printf("%d delivered\n", d);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "work") == 0) {
        if (npos)
            return og_cli_usage("events", "unexpected argument '%s'", pos[0]);
        return cmd_work(cli);
    }
    return og_cli_usage("events", "unknown subcommand '%s'", sub);
}

const og_command og_cmd_events = {
    .name = "events",
    .summary = "the event bus: deliveries, retries, workers",
    .legacy_run = run,
    .legacy_help = help,
};
