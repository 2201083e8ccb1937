/* cli.h - shared plumbing of the command-line front end (src/cli/cmd_<verb>.c). */
#ifndef OPSGATE_CLI_H
#define OPSGATE_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "opsgate/context.h"
#include "opsgate/crypto.h"
#include "opsgate/store.h"

/* Exit codes of every command (README "Exit status"). */
#define OG_EXIT_OK    0
#define OG_EXIT_FAIL  1
#define OG_EXIT_USAGE 2

typedef struct og_cli {
    const char *data_dir; /* --data, $OPSGATE_DATA, else ./opsgate-data */
    const char *as_user;  /* --as USER: act as this user of the command's tenant */
    og_store *store;      /* opened by og_cli_open() */
    og_keyring *keys;
    og_ctx ctx;
} og_cli;

typedef struct og_command {
    const char *name;
    int (*run)(og_cli *cli, int argc, char **argv); /* argv[0] is the command name */
    const char *summary;                            /* one line for `opsgate help` */
    const char *help;                               /* full text for `opsgate COMMAND --help` */
} og_command;

int og_cli_main(int argc, char **argv);

/* Open the data folder and set the actor: the local unix user, or with --as the named user of
 * `tenant` (required then). Prints the error and returns OG_EXIT_FAIL / OG_EXIT_USAGE on failure.
 */
int og_cli_open(og_cli *cli, const char *tenant);
/* Prefix og_actor_become()'s error with the option it came from (--as); returns error. */
int og_cli_as_error(int error, const char *tenant);
void og_cli_close(og_cli *cli);

/* Print "opsgate: <message from og_error_last()>" to stderr, with the CLI's hint when the error
 * has a detail it knows (og_error_detail()), and return OG_EXIT_FAIL, whatever the code: what the
 * library refuses (a tenant, user or project that does not exist, a denial, a conflict, a value it
 * judges bad) is a failure (1). Usage errors (2) are the command line's own faults, found before
 * the data folder is opened: report them with og_cli_usage(). */
int og_cli_fail(int code);
/* The same for a usage error the library found (OG_EINVAL): the message, its hint and a pointer
 * to `opsgate CMD --help`; returns OG_EXIT_USAGE. */
int og_cli_fail_usage(const char *cmd, int code);
/* Print "opsgate: <msg>" plus a hint to run `opsgate CMD --help`; returns OG_EXIT_USAGE. */
int og_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After getopt_long() returned '?' or ':' on av (the argv it parsed): print which option was
 * unknown or lacks its value; returns OG_EXIT_USAGE. */
int og_cli_badopt(const char *cmd, char **av);
/* Print a JSON document on stdout (indented, one document). Steals j. */
void og_cli_print_json(json_t *j);
/* True if argv has --help or -h; then prints help and the caller returns 0. */
bool og_cli_wants_help(const og_command *c, int argc, char **argv);

/* All commands, NULL-terminated (commands.c). */
extern const og_command *const og_cli_commands[];

#endif
