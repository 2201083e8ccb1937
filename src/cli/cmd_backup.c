/* cmd_backup.c - `opsgate backup --to FILE`, `opsgate backup verify FILE` and `opsgate restore
 * --from FILE --data NEWDIR` (og_backup_*): one archive of a running data folder, checked or
 * restored. Passphrases come from a file or the terminal, never from the command line. */
#include "cli/cli.h"
#include "cli/cmd_tenant.h"
#include "opsgate/backup.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define PASS_CAP 1100

/* A passphrase from a file (0600 or narrower; one trailing newline dropped). */
static int pass_from_file(const char *path, char *out, size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        fprintf(stderr, "opsgate: cannot read passphrase file '%s': %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (sb.st_mode & 077) {
        fprintf(stderr,
                "opsgate: passphrase file '%s' may be read by others (mode %03o): chmod 600\n",
                path, (unsigned)(sb.st_mode & 0777));
        close(fd);
        return -1;
    }
    int rc = og_fd_read_full(fd, out, PASS_CAP - 1, &n);
    close(fd);
    if (rc < 0)
        return -1;
    if (n > 0 && out[n - 1] == '\n')
        n--;
    if (n > 0 && out[n - 1] == '\r')
        n--;
    out[n] = '\0';
    *len = n;
    return 0;
}

/* A passphrase typed at the terminal, without echo. */
static int pass_from_tty(const char *prompt, char *out, size_t *len)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    int ok = 0;
    if (!tty)
        return -1;
    if (tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        fputs(prompt, tty);
        fflush(tty);
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
        ok = fgets(out, PASS_CAP, tty) != NULL;
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fputs("\n", tty);
    }
    fclose(tty);
    if (!ok)
        return -1;
    *len = strcspn(out, "\r\n");
    out[*len] = '\0';
    return 0;
}

/* --passphrase-file, else the terminal (twice when confirm); -1 with the message printed. */
static int get_pass(const og_cli_args *a, int confirm, char *out, size_t *len)
{
    const char *file = og_cli_get(a, "passphrase-file");
    char again[PASS_CAP];
    size_t alen = 0;
    if (file)
        return pass_from_file(file, out, len);
    if (!isatty(STDIN_FILENO) || pass_from_tty("passphrase: ", out, len) < 0) {
        fprintf(stderr,
                "opsgate: no passphrase: give --passphrase-file FILE or run on a terminal\n");
        return -1;
    }
    if (confirm && (pass_from_tty("passphrase again: ", again, &alen) < 0 || alen != *len ||
                    memcmp(again, out, alen) != 0)) {
        og_crypto_wipe(again, sizeof(again));
        fprintf(stderr, "opsgate: the passphrases differ\n");
        return -1;
    }
    og_crypto_wipe(again, sizeof(again));
    return 0;
}

static void progress(const char *phase, int64_t done, int64_t total, void *arg)
{
    (void)arg;
    if (total > 0)
        fprintf(stderr, "\r%-8s %8.1f of %.1f MB", phase, (double)done / 1e6, (double)total / 1e6);
    else
        fprintf(stderr, "\r%-8s %8.1f MB          ", phase, (double)done / 1e6);
}

static void print_chains(json_t *chains)
{
    size_t i;
    json_t *c;
    json_array_foreach(chains, i, c)
    {
        json_t *cp = json_object_get(c, "checkpoint");
        const char *tenant = json_string_value(json_object_get(c, "tenant"));
        printf("  chain %-36s records up to seq %lld, newest %s; checkpoint %s\n",
               tenant ? tenant : json_string_value(json_object_get(c, "chain")),
               (long long)json_integer_value(json_object_get(c, "last_seq")),
               json_string_value(json_object_get(c, "last_time"))
                   ? json_string_value(json_object_get(c, "last_time"))
                   : "-",
               json_is_object(cp) ? json_string_value(json_object_get(cp, "time")) : "none");
    }
}

/* The end every command of this file shares: a failure reported, else --json's object, else
 * line's summary and per audit chain (out's member chains_key) what the archive covers. */
static int finish(og_cli *cli, int error, json_t *out, const char *chains_key,
                  void (*line)(json_t *out, const void *arg), const void *arg)
{
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
    } else {
        line(out, arg);
        print_chains(json_object_get(out, chains_key));
    }
    json_decref(out);
    return OG_EXIT_OK;
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void verify_line(json_t *out, const void *file)
{
    printf("%s verifies: %lld files, %lld bytes (%lld artifact objects), %s backend, opsgate %s,"
           " made %s, keys %s\n",
           (const char *)file, num(out, "files"), num(out, "bytes"), num(out, "objects"),
           json_string_value(json_object_get(out, "backend")),
           json_string_value(json_object_get(out, "opsgate_version")),
           json_string_value(json_object_get(out, "created")),
           json_is_true(json_object_get(json_object_get(out, "keys"), "included"))
               ? "included"
               : "not included");
}

static int verify(og_cli *cli, const og_cli_args *a)
{
    json_t *out = NULL;
    if (a->npos != 2 || og_cli_has(a, "to") || og_cli_has(a, "include-keys") ||
        og_cli_has(a, "passphrase-file"))
        return og_cli_bad(a, "backup verify takes one FILE and no other option");
    int tty = !cli->json && isatty(STDERR_FILENO);
    int error = og_backup_verify(a->pos[1], tty ? progress : NULL, NULL, &out);
    if (tty)
        fputs("\n", stderr);
    return finish(cli, error, out, "audit_chains", verify_line, a->pos[1]);
}

static void backup_line(json_t *out, const void *keys)
{
    printf("backed up to %s: %lld bytes; the %s database (%lld bytes) and %lld artifact object"
           " files (%lld bytes) in %.1f s; installation key %s\n",
           json_string_value(json_object_get(out, "file")), num(out, "bytes"),
           json_string_value(json_object_get(out, "backend")), num(out, "database_bytes"),
           num(out, "objects"), num(out, "object_bytes"),
           json_real_value(json_object_get(out, "seconds")),
           *(const int *)keys ? "included (under the passphrase)" : "not included: keep it apart");
}

static int backup(og_cli *cli, const og_cli_args *a)
{
    char pass[PASS_CAP];
    size_t plen = 0;
    json_t *out = NULL;
    int rc;
    if (a->npos > 0)
        return strcmp(a->pos[0], "verify") == 0
                   ? verify(cli, a)
                   : og_cli_bad(a, "unknown subcommand '%s' (verify)", a->pos[0]);
    if (!og_cli_has(a, "to"))
        return og_cli_bad(a, "backup needs --to FILE (or: backup verify FILE)");
    if (og_cli_has(a, "passphrase-file") && !og_cli_has(a, "include-keys"))
        return og_cli_bad(a, "--passphrase-file goes with --include-keys");
    og_backup_opts o = {.include_keys = og_cli_has(a, "include-keys"),
                        .location = cli->data_dir,
                        .keys_dir = cli->keys_dir};
    if (o.include_keys && get_pass(a, 1, pass, &plen) < 0)
        return OG_EXIT_FAIL;
    o.pass = pass;
    o.passlen = plen;
    if (!cli->json && isatty(STDERR_FILENO))
        o.progress = progress;
    if ((rc = og_cli_open(cli, NULL)) != OG_EXIT_OK)
        return rc;
    int error = og_backup_create(&cli->ctx, og_cli_get(a, "to"), &o, &out);
    og_crypto_wipe(pass, sizeof(pass));
    if (o.progress)
        fputs("\n", stderr);
    return finish(cli, error, out, "chains", backup_line, &o.include_keys);
}

static void restore_line(json_t *out, const void *from)
{
    json_t *au = json_object_get(out, "audit");
    printf("restored %s (a %s backup) into %s: %lld files, %lld artifact objects; the audit trail"
           " verifies (%lld chains, %lld records, %lld checkpoints). The backup covers:\n",
           (const char *)from, json_string_value(json_object_get(out, "backend")),
           json_string_value(json_object_get(out, "data")), num(out, "files"), num(out, "objects"),
           num(au, "chains"), num(au, "records"), num(au, "checkpoints"));
}

static int restore(og_cli *cli, const og_cli_args *a)
{
    char pass[PASS_CAP];
    size_t plen = 0;
    json_t *out = NULL;
    og_restore_opts o = {.master_key_file = og_cli_get(a, "master-key"), .keys_dir = cli->keys_dir};
    if (!o.master_key_file) {
        if (!og_cli_has(a, "passphrase-file") && !isatty(STDIN_FILENO)) {
            fprintf(stderr, "opsgate: restore needs the installation key: --master-key FILE (the"
                            " copy kept apart), or --passphrase-file F for a backup made with"
                            " --include-keys\n");
            return OG_EXIT_FAIL;
        }
        if (get_pass(a, 0, pass, &plen) < 0)
            return OG_EXIT_FAIL;
        o.pass = pass;
        o.passlen = plen;
    }
    if (!cli->json && isatty(STDERR_FILENO))
        o.progress = progress;
    int error = og_backup_restore(og_cli_get(a, "from"), cli->data_dir, &o, &out);
    og_crypto_wipe(pass, sizeof(pass));
    if (o.progress)
        fputs("\n", stderr);
    return finish(cli, error, out, "audit_chains", restore_line, og_cli_get(a, "from"));
}

static const char *const backup_about =
    "Back up a running data folder into one archive (tar + zstd): a consistent snapshot of the\n"
    "database (SQLite's online backup API; writers wait only while the snapshot's object files\n"
    "are pinned), every artifact object file that snapshot references, the HTTPS listeners'\n"
    "public certificate records, and last a manifest (MANIFEST.json: every file's SHA-256, where\n"
    "each audit chain stands with its latest checkpoint, every module's schema version, the\n"
    "opsgate version). The archive is written to a temporary file beside FILE and renamed onto\n"
    "it when complete; an existing FILE is never replaced. By default no key is inside: the\n"
    "installation key (master.key) is needed to read anything, so keep it apart. --include-keys\n"
    "adds it sealed under a passphrase (scrypt, AES-256-GCM) read from --passphrase-file (0600)\n"
    "or typed twice at the terminal; anyone with the archive and the passphrase reads\n"
    "everything (docs/ops.md, \"Backup and restore\"). `backup verify FILE` checks the manifest\n"
    "and every hash without restoring. A PostgreSQL installation (--data postgresql://...\n"
    "--keys DIR) is backed up from one REPEATABLE READ READ ONLY transaction, every table\n"
    "streamed with COPY (artifact objects are its rows) into opsgate.db, a SQLite database;\n"
    "the manifest says backend postgres. Writers never wait for it.\n"
    "Progress on a terminal; --json prints the summary. Exit 1 when the backup or the check\n"
    "fails (nothing is left behind), 2 for a usage error.\n";

static const og_cli_opt backup_opts[] = {
    {"to", "FILE", "the archive to write (must not exist)", 0, 0},
    {"include-keys", NULL, "add the installation key, sealed under a passphrase", 0, 0},
    {"passphrase-file", "F", "with --include-keys: the passphrase (a 0600 file)", 0, 0},
    {0},
};

static const og_cli_sub backup_subs[] = {
    {NULL, "[verify FILE]", 0, 2, backup_opts, "back up the data folder, or verify an archive",
     backup, OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_backup = {
    .name = "backup",
    .summary = "back up a running data folder into one archive; verify an archive",
    .about = backup_about,
    .subs = backup_subs,
};

static const char *const restore_about =
    "Restore an archive made by `opsgate backup` into a new data folder --data NEWDIR (refused\n"
    "when it exists). The archive is unpacked into a temporary folder beside NEWDIR with every\n"
    "hash checked, the installation key put back (from the archive with the passphrase of\n"
    "--passphrase-file or the terminal, or from --master-key FILE, the copy kept apart), the\n"
    "installation opened (an older schema is migrated), the key checked against it and the\n"
    "audit trail verified; only then is the folder renamed to NEWDIR. Any failure (a changed\n"
    "archive, a wrong passphrase or key, a full disk) removes the temporary folder. Prints per\n"
    "audit chain what the backup covers: records up to seq N and the newest record's time.\n"
    "--data postgresql://... --keys DIR restores into an empty PostgreSQL database instead\n"
    "(one holding an installation is refused): once the unpacked copy verifies, its rows and\n"
    "objects go into the database, master.key into DIR, and the audit trail is verified there;\n"
    "a failure part way leaves the database partly filled (drop it, create it empty again).\n"
    "A backup of either backend restores into either: a PostgreSQL installation's objects\n"
    "(database rows) become object files in a new data folder, and a folder's object files\n"
    "become rows in PostgreSQL.\n"
    "Exit 1 when the restore fails, 2 for a usage error.\n";

static const og_cli_opt restore_opts[] = {
    {"from", "FILE", "the archive to restore", OG_CLI_REQUIRED, 0},
    {"master-key", "FILE", "the installation key kept apart (32 bytes, 0600)", 0, 0},
    {"passphrase-file", "F", "the passphrase of a backup made with --include-keys", 0, 0},
    {0},
};

static const og_cli_sub restore_subs[] = {
    {NULL, NULL, 0, 0, restore_opts, "restore a backup into a new data folder (--data NEWDIR)",
     restore, OG_CLI_LOCAL},
    {0},
};

const og_command og_cmd_restore = {
    .name = "restore",
    .summary = "restore a backup into a new data folder",
    .about = restore_about,
    .subs = restore_subs,
};

int og_cli__tenant_export(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *to = og_cli_get(a, "to");
    json_t *out = NULL, *n;
    int rc;
    if (!tenant || !to)
        return og_cli_bad(a, "tenant export needs --tenant T and --to FILE");
    if ((rc = og_cli_open(cli, tenant)) != OG_EXIT_OK)
        return rc;
    int error = og_backup_tenant_export(&cli->ctx, tenant, to, og_cli_has(a, "private-keys"), &out);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
        return OG_EXIT_OK;
    }
    n = json_object_get(out, "counts");
    printf("exported tenant %s to %s: %lld artifacts in %lld versions, %lld certificates"
           " (%lld private keys), %lld audit records with the latest checkpoint and proofs\n",
           tenant, to, (long long)json_integer_value(json_object_get(n, "artifacts")),
           (long long)json_integer_value(json_object_get(n, "versions")),
           (long long)json_integer_value(json_object_get(n, "certificates")),
           (long long)json_integer_value(json_object_get(n, "private_keys")),
           (long long)json_integer_value(json_object_get(n, "audit_records")));
    json_decref(out);
    return OG_EXIT_OK;
}
