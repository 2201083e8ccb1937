/* cmd_init.c - `opsgate init`: create a data folder (or a PostgreSQL installation) and print the
 * platform-admin token once. */
#include "cli/cli.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Create the audit signing key file in the new installation and register it there. */
static int create_audit_key(const og_install_where *w, const char *path)
{
    og_store *s = NULL;
    og_keyring *k = NULL;
    og_ctx ctx;
    int error = og_install_open_at(w, &s, &k);
    if (error == 0) {
        memset(&ctx, 0, sizeof(ctx));
        ctx.store = s;
        ctx.keys = k;
        ctx.data_dir = og_install_folder(w->data);
        og_actor_local(&ctx.actor);
        error = og_audit_key_file_create(&ctx, path);
    }
    og_store_close(s);
    og_keyring_free(k);
    return error;
}

static int run(og_cli *cli, const og_cli_args *a)
{
    char token[OG_TOKEN_MAX];
    const char *audit_key = og_cli_get(a, "audit-key");
    struct stat sb;
    if (audit_key && (!audit_key[0] || lstat(audit_key, &sb) == 0))
        return og_cli_bad(a, "--audit-key '%s' exists: refusing to overwrite a key", audit_key);
    size_t dl = strlen(cli->data_dir);
    if (audit_key && strncmp(audit_key, cli->data_dir, dl) == 0 && audit_key[dl] == '/')
        fprintf(stderr,
                "opsgate: warning: --audit-key '%s' is inside the data folder: whoever "
                "has the folder can then sign checkpoints\n",
                audit_key);
    int error = og_install_create(og_cli_install(cli), token);
    if (error < 0)
        return og_cli_fail(error);
    if (og_install_folder(cli->data_dir))
        fprintf(stderr, "opsgate: created data folder %s\n", cli->data_dir);
    else
        fprintf(stderr,
                "opsgate: created the installation in the PostgreSQL database, its "
                "master key in %s\n",
                cli->keys_dir);
    if (audit_key) {
        if ((error = create_audit_key(og_cli_install(cli), audit_key)) < 0) {
            memset(token, 0, sizeof(token));
            fprintf(stderr, "opsgate: the data folder was created, but not the audit key: %s\n",
                    og_error_last());
            return OG_EXIT_FAIL;
        }
        fprintf(stderr,
                "opsgate: audit signing key written to %s (mode 0600): keep it outside "
                "the data folder; serve and audit checkpoint need it (--audit-key or "
                "OPSGATE_AUDIT_KEY)\n",
                audit_key);
    }
    fprintf(stderr, "opsgate: platform-admin API token (shown once, keep it safe):\n");
    printf("%s\n", token);
    memset(token, 0, sizeof(token));
    return OG_EXIT_OK;
}

static const char *const about =
    "Create the data folder DIR (mode 0700) with its SQLite database, the installation master\n"
    "key (master.key, mode 0600) and a platform-admin user 'admin'. Prints a bearer token for\n"
    "'admin' on stdout, once: it is stored only as a hash. Refuses, changing nothing, if DIR\n"
    "exists and is not empty.\n"
    "\n"
    "With --data postgres://..., postgresql://... or libpq:KEY=VALUE... (a database that must\n"
    "exist, created with LC_COLLATE C), init applies every module's schema there instead and\n"
    "keeps the master key in the key folder --keys DIR (or OPSGATE_KEYS; required: the master\n"
    "key never lives in the database), made with mode 0700 when missing. Refuses a database\n"
    "that already holds an installation and a key folder that holds a master key. Every other\n"
    "command then needs the same --data and --keys (docs/ops.md, \"Running on PostgreSQL\").\n"
    "\n"
    "--audit-key PATH creates the audit signing key (Ed25519, PEM PKCS#8, mode 0600) in PATH,\n"
    "which must not exist, and audit checkpoints are then signed only with it: keep it outside\n"
    "the data folder (another disk, a secrets mount). `serve` and `audit checkpoint` then need\n"
    "--audit-key PATH or OPSGATE_AUDIT_KEY.\n";

static const og_cli_opt opts[] = {
    {"audit-key", "PATH", "create the audit signing key here (outside the folder)", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {NULL, NULL, 0, 0, opts, "create a data folder", run, OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_init = {
    .name = "init",
    .summary = "create a data folder (database, master key, platform admin)",
    .about = about,
    .subs = subs,
};
