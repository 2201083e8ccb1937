/* cmd_migrate.c - `opsgate migrate --from DIR --to URL --keys KEYDIR`: a data-folder installation
 * moved into a PostgreSQL database (og_app_migrate). */
#include "cli/cli.h"
#include "opsgate/app.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static void on_table(const char *table, int64_t rows, void *arg)
{
    (void)arg;
    fprintf(stderr, "opsgate: copied %-28s %lld rows\n", table, (long long)rows);
}

static int run(og_cli *cli, const og_cli_args *a)
{
    const char *from = og_cli_get(a, "from"), *to = og_cli_get(a, "to");
    json_t *out = NULL;
    if (!from || !to)
        return og_cli_bad(a, "migrate needs --from DATA_DIR and --to postgresql://...");
    if (!cli->keys_dir)
        return og_cli_bad(a, "migrate needs --keys DIR (or OPSGATE_KEYS): the key folder that"
                             " will hold the master key (it never goes into the database)");
    og_install_where w = {.data = to, .keys = cli->keys_dir};
    int error = og_app_migrate(from, &w, cli->json ? NULL : on_table, NULL, &out);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
        return OG_EXIT_OK;
    }
    printf("migrated %lld tables (%lld rows) and %lld artifact objects (%lld bytes); the copy's"
           " %lld audit chains verify (%lld records, %lld checkpoints)\n",
           (long long)json_integer_value(json_object_get(out, "tables")),
           (long long)json_integer_value(json_object_get(out, "rows")),
           (long long)json_integer_value(json_object_get(out, "objects")),
           (long long)json_integer_value(json_object_get(out, "object_bytes")),
           (long long)json_integer_value(json_object_get(out, "audit_chains")),
           (long long)json_integer_value(json_object_get(out, "audit_records")),
           (long long)json_integer_value(json_object_get(out, "audit_checkpoints")));
    json_decref(out);
    return OG_EXIT_OK;
}

static const char *const about =
    "Move a data-folder installation (SQLite) into a PostgreSQL database: every table's rows as\n"
    "they are, every artifact object file into the database (chunked, still sealed), and the\n"
    "master key into the key folder --keys DIR (or OPSGATE_KEYS; made 0700 when missing; one\n"
    "that holds a master key is refused). Nothing is decrypted or re-sealed. The database must\n"
    "exist (created with LC_COLLATE C) and hold no opsgate rows; its schemas are applied when\n"
    "missing. At the end the copy's audit chains are verified; the same proofs verify there.\n"
    "The source folder is only read: stop `serve` on it first, and keep it until the new\n"
    "installation serves. A failure part way leaves the database partly filled: drop it and\n"
    "the key folder's master.key and run again. Then run everything with\n"
    "--data postgresql://... --keys DIR (docs/ops.md, \"Running on PostgreSQL\").\n";

static const og_cli_opt opts[] = {
    {"from", "DIR", "the data folder to move", OG_CLI_REQUIRED, 0},
    {"to", "URL", "the PostgreSQL database (postgresql://...)", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {NULL, NULL, 0, 0, opts, "move a data folder into PostgreSQL", run, OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_migrate = {
    .name = "migrate",
    .summary = "move a data-folder installation into a PostgreSQL database",
    .about = about,
    .subs = subs,
};
