/* cli.h - shared plumbing of the command-line front end (src/cli/cmd_<verb>.c). */
#ifndef OPSGATE_CLI_H
#define OPSGATE_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "opsgate/context.h"
#include "opsgate/crypto.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

/* Exit codes of every command (README "Exit status"). */
#define OG_EXIT_OK    0
#define OG_EXIT_FAIL  1
#define OG_EXIT_USAGE 2

typedef struct og_cli {
    const char *data_dir;   /* --data, $OPSGATE_DATA, else ./opsgate-data: a folder or a URL */
    const char *keys_dir;   /* --keys, $OPSGATE_KEYS, else NULL (the data folder) */
    const char *as_user;    /* --as USER: act as this user of the command's tenant */
    bool json;              /* --json: print what the HTTP API returns, as JSON */
    og_regions regions;     /* --data-region NAME=URL (repeatable), $OPSGATE_DATA_REGIONS */
    og_store *store;        /* opened by og_cli_open(): the home database */
    og_store *region_store; /* the command's tenant's regional database, when it has one */
    og_keyring *keys;
    og_ctx ctx;
    og_install_where where; /* filled by og_cli_install() */
} og_cli;

/*
 * The command table. Every command is an og_command with a NULL-terminated array of
 * subcommands (og_cli_sub); each subcommand lists its options (og_cli_opt) and positional
 * arguments and names its handler. One parser (og_cli_parse) reads every command line, one
 * printer writes every --help, and the same tables will generate shell completion and man pages.
 * A handler receives the parsed arguments: it never sees argv.
 *
 *   static const og_cli_opt revoke_opts[] = {OG_CLI_OPT_TENANT, {0}};
 *   static const og_cli_sub subs[] = {
 *       {"revoke", "ID", 1, 1, revoke_opts, "revoke a token", revoke},
 *       {0},
 *   };
 *   const og_command og_cmd_token = {"token", "create, list and revoke API tokens", about, subs};
 *
 * A command without subcommands has one og_cli_sub whose name is NULL.
 */
#define OG_CLI_REQUIRED 1u /* the option must be given */
#define OG_CLI_REPEAT   2u /* the option may be given more than once (og_cli_nth reads them) */
#define OG_CLI_HIDDEN   4u /* left out of help: an option kept only to refuse it with a hint */

typedef struct og_cli_opt {
    const char *name;  /* long name without "--": "tenant" */
    const char *value; /* what its value is, for help ("T", "FILE"); NULL for a flag */
    const char *help;  /* one line (the printer wraps nothing: keep it under 60 columns) */
    unsigned flags;    /* OG_CLI_REQUIRED, OG_CLI_REPEAT */
    char short_name;   /* 'o' for -o, or 0 */
} og_cli_opt;

/* Options many subcommands share. */
#define OG_CLI_OPT_TENANT                                                                          \
    {                                                                                              \
        "tenant", "T", "the tenant (client)", 0, 0                                                 \
    }
#define OG_CLI_OPT_TENANT_REQ                                                                      \
    {                                                                                              \
        "tenant", "T", "the tenant (client)", OG_CLI_REQUIRED, 0                                   \
    }

typedef struct og_cli_args og_cli_args;
typedef struct og_cli og_cli;

typedef struct og_cli_sub {
    const char *name;       /* "create"; NULL for a command without subcommands */
    const char *args;       /* positional arguments for help ("NAME", "ID [ID...]"), or NULL */
    int min_args, max_args; /* how many positionals; max_args -1 for no limit */
    const og_cli_opt *opts; /* terminated by an entry with a NULL name; NULL for none */
    const char *summary;    /* one line for the command's help */
    int (*run)(og_cli *cli, const og_cli_args *a);
    unsigned flags; /* OG_CLI_LOCAL, or 0 */
} og_cli_sub;

/* og_cli_sub.flags: the subcommand acts as the local operator only (it starts the installation, a
 * server or workers, or uses files of the host): `--as USER` is refused with a usage error rather
 * than ignored (tests/authz/cli_matrix.txt marks these `local`). */
#define OG_CLI_LOCAL 1u

typedef struct og_command {
    const char *name;
    const char *summary;    /* one line for `opsgate help` */
    const char *about;      /* paragraphs printed after the usage lines; may be NULL */
    const og_cli_sub *subs; /* terminated by an entry with NULL name and NULL run */
    /* Subcommands that have subcommands of their own ("acme account create"): commands named
     * "<this command> <word>", NULL-terminated; `opsgate acme account ...` goes on in the one
     * whose name ends in "account". May be NULL. */
    const struct og_command *const *groups;
} og_command;

/* Parsed arguments of one subcommand (valid during the handler). */
struct og_cli_args {
    const og_command *cmd;
    const og_cli_sub *sub;
    int npos;
    char **pos; /* positional arguments */
    int nvals;
    struct og_cli_val {
        const og_cli_opt *opt;
        const char *value; /* "" for a flag */
    } * vals;              /* every option given, in command-line order */
};

/* The last value given for option name, or NULL when absent. For a flag: "" when given. */
const char *og_cli_get(const og_cli_args *a, const char *name);
/* True when option name (a flag or an option with a value) was given. */
bool og_cli_has(const og_cli_args *a, const char *name);
/* How many times option name was given, and the i-th value (0-based) in command-line order. */
int og_cli_count(const og_cli_args *a, const char *name);
const char *og_cli_nth(const og_cli_args *a, const char *name, int i);
/* "opsgate token create": the command and subcommand, for messages. */
const char *og_cli_where(const og_cli_args *a, char *buf, size_t size);

/* Run the command line argv[0..argc) (argv[0] is the command's name, global options already
 * taken out): find the subcommand, parse its options and positionals, check what the table
 * requires, print help for --help/-h, and call the handler. Usage errors print a message and
 * return OG_EXIT_USAGE. */
int og_cli_dispatch(og_cli *cli, const og_command *c, int argc, char **argv);
/* Print the help of command c (sub NULL: every subcommand's usage line, the about text and the
 * subcommands; else that subcommand's usage line and its options). */
void og_cli_print_help(FILE *f, const og_command *c, const og_cli_sub *sub);

/* --json output: one shape per noun on both faces. A list prints as the HTTP API returns it,
 * wrapped in an object under its noun: og_cli_print_list("tokens", arr) prints
 * {"tokens": [...]}. Both steal their argument. */
void og_cli_print_list(const char *noun, json_t *list);
/* Print a list: with --json as og_cli_print_list(noun, list), else as a table with the given
 * headers, one column per field of each element (strings as they are, numbers in decimal,
 * true/false as yes/no, null and absent as "-"). Both NULL-terminated. Steals list. */
/* With --json og_cli_print_list(noun, list), else print(list) for a table of the caller's own.
 * Steals list; returns OG_EXIT_OK. */
int og_cli_print_list_or(const og_cli *cli, const char *noun, json_t *list,
                         void (*print)(json_t *list));
void og_cli_print_rows(const og_cli *cli, const char *noun, json_t *list,
                       const char *const *headers, const char *const *fields);

int og_cli_main(int argc, char **argv);

/* Open the data folder and set the actor: the local unix user, or with --as the named user of
 * `tenant` (required then). A tenant of a region (docs/ops.md "Regions") has its commands run on
 * its region's database (--data-region), the home kept as ctx.home; a region without a database
 * given is a failure naming it, never a fallback. Prints the error and returns OG_EXIT_FAIL /
 * OG_EXIT_USAGE on failure. */
int og_cli_open(og_cli *cli, const char *tenant);
/* Where the installation is: --data and --keys (borrowed from cli, valid while it lives). */
const og_install_where *og_cli_install(og_cli *cli);
/* Prefix og_actor_become()'s error with the option it came from (--as); returns error. */
int og_cli_as_error(int error, const char *tenant);
/* og_cli_open's switch to tenant's regional database (a no-op for a home tenant or an unknown
 * one); OG_EXIT_FAIL with the message printed when the region's database is not given. */
int og_cli_open_region(og_cli *cli, const char *tenant);
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
/* A usage error a handler finds in its parsed arguments: prints "opsgate: <msg> (see `opsgate
 * CMD SUB --help`)"; returns OG_EXIT_USAGE. */
int og_cli_bad(const og_cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "opsgate: <msg>" plus a hint to run `opsgate CMD --help`; returns OG_EXIT_USAGE. */
int og_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON document on stdout (indented, one document). Steals j. */
void og_cli_print_json(json_t *j);
/* Print what a run counted: {"key": n} with --json, else "<n> <text>"; returns OG_EXIT_OK. */
int og_cli_print_count(const og_cli *cli, const char *key, int n, const char *text);

/* All commands, NULL-terminated (commands.c). */
extern const og_command *const og_cli_commands[];

#endif
