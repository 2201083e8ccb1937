/* cmd_events.c - `opsgate events`: the durable event bus's deliveries, retries and workers. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Events are written to an outbox in the same transaction as the change that causes them and\n"
    "delivered at least once to each handler (notifications, ...), with retries and exponential\n"
    "backoff; after the last attempt a delivery is dead until `events retry ID` revives it.\n"
    "`list` shows one line per (event, handler); without --tenant it needs platform rights.\n"
    "`run` makes one delivery pass now. `work` runs the delivery workers and the gate expiry\n"
    "timer in the foreground until SIGTERM or SIGINT (what `opsgate serve` runs inside).\n"
    "With --json `list` prints {\"events\": [...]} and `retry` {\"event_id\", \"state\"}, as\n"
    "the HTTP API does.\n";

static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT,
    {"state", "STATE", "only this state: pending, running, done, dead", 0, 0},
    {0},
};

static const og_cli_opt retry_opts[] = {OG_CLI_OPT_TENANT, {0}};

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
    if ((error = og_install_open_at(og_cli_install(cli), &s, &keys)) < 0)
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
    if ((error = og_gate_server_start(pool, keys, og_install_folder(cli->data_dir), &handle)) < 0)
        goto cleanup;
    fprintf(stderr, "opsgate: event workers running on %s\n", og_install_label(cli->data_dir));
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

static void print_events(json_t *arr)
{
    static const char *const head[] = {"EVENT", "TYPE",    "HANDLER",    "STATE",
                                       "TRY",   "CREATED", "LAST ERROR", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t i;
    json_t *x;
    if (!t) {
        fprintf(stderr, "opsgate: out of memory\n");
        return;
    }
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
                                             json_string_value(json_object_get(x, "state")), tries,
                                             at ? at : "", e ? e : ""});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *state = og_cli_get(a, "state");
    json_t *arr = NULL;
    int error;
    if (state && strcmp(state, "pending") && strcmp(state, "running") && strcmp(state, "done") &&
        strcmp(state, "dead"))
        return og_cli_bad(a, "bad --state '%s' (pending, running, done or dead)", state);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_events_list(&cli->ctx, tenant, state, &arr)) < 0)
        return og_cli_fail(error);
    return og_cli_print_list_or(cli, "events", arr, print_events);
}

static int retry(og_cli *cli, const og_cli_args *a)
{
    const char *id = a->pos[0];
    int error;
    if (!og_id_valid(id))
        return og_cli_bad(a, "bad event id '%s'", id);
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    if ((error = og_events_retry(&cli->ctx, id)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s}", "event_id", id, "state", "pending"));
    else
        printf("%s: pending\n", id);
    return OG_EXIT_OK;
}

static int run_once(og_cli *cli, const og_cli_args *a)
{
    int d = 0, error;
    (void)a;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_events_run_once(&cli->ctx, NULL, &d)) < 0)
        return og_cli_fail(error);
    return og_cli_print_count(cli, "delivered", d, "delivered");
}

static int work(og_cli *cli, const og_cli_args *a)
{
    (void)a;
    return cmd_work(cli);
}

static const og_cli_sub subs[] = {
    {"list", NULL, 0, 0, list_opts, "list deliveries, one per (event, handler)", list},
    {"retry", "ID", 1, 1, retry_opts, "deliver a dead event again", retry},
    {"run", NULL, 0, 0, NULL, "make one delivery pass now", run_once},
    {"work", NULL, 0, 0, NULL, "run the delivery workers until SIGTERM or SIGINT", work,
     OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_events = {
    .name = "events",
    .summary = "the event bus: deliveries, retries, workers",
    .about = about,
    .subs = subs,
};
