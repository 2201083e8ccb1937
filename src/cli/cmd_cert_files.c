/* cmd_cert_files.c - `opsgate cert scan-files|import`: certificates in files, and passwords. */
#include "cli/cmd_cert.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `--password PW` is taken only to refuse it: a password on the command line is seen by every
 * user of the host (ps) and kept in shell histories. */
static int no_password(const og_cli_args *a)
{
    if (og_cli_has(a, "password"))
        return og_cli_bad(a, "passwords are never taken on the command line: put it in a file "
                             "and give --password-file FILE");
    return 0;
}

/* ---- passwords ---- */

/* The password in --password-file: its first line, without the line ending. NULL without the
 * option. The caller wipes and frees it with free_password(). */
static int read_password(const og_cli_args *a, char **out)
{
    size_t len = 0;
    int error;
    const char *file = og_cli_get(a, "password-file");
    *out = NULL;
    if (!file)
        return 0;
    if ((error = og_file_read(file, 4096, out, &len)) < 0) {
        og_error_wrap("--password-file '%s'", file);
        return og_cli_fail(error);
    }
    char *nl = memchr(*out, '\n', len);
    if (nl) {
        og_crypto_wipe(nl, len - (size_t)(nl - *out));
        if (nl > *out && nl[-1] == '\r')
            nl[-1] = '\0';
    }
    return 0;
}

static void free_password(char *pw)
{
    if (pw) {
        og_crypto_wipe(pw, strlen(pw));
        free(pw);
    }
}

/* ---- scan-files ---- */

typedef struct files_out {
    bool json;
    json_t *arr;
    int password_given;
} files_out;

static void on_file(void *arg, const og_certs_file_result *r)
{
    files_out *fo = arg;
    if (fo->json) {
        json_array_append_new(fo->arr, json_pack("{s:s, s:s, s:s, s:i, s:s?}", "path", r->path,
                                                 "kind", r->kind, "status", r->status, "certs",
                                                 r->certs, "error", r->error));
        return;
    }
    if (strcmp(r->status, "invalid") == 0)
        fprintf(stderr, "opsgate: %s: %s\n", r->path, r->error ? r->error : "invalid");
    else if (strcmp(r->status, "needs-password") == 0)
        printf("%s: %s bundle needs a password (%s)\n", r->path, r->kind,
               fo->password_given ? "the one in --password-file does not open it"
                                  : "give it with --password-file FILE");
    else
        printf("%s: %d certificate%s (%s)\n", r->path, r->certs, r->certs == 1 ? "" : "s", r->kind);
}

int og_cli__cert_scan_files(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    files_out fo = {cli->json, NULL, og_cli_has(a, "password-file")};
    og_certs_files_summary sum;
    char *password = NULL;
    int error;
    if ((error = no_password(a)) || (error = og_cli_open(cli, tenant)) ||
        (error = read_password(a, &password)))
        return error;
    fo.arr = json_array();
    error = og_certs_scan_files(&cli->ctx, tenant, (const char *const *)a->pos, (size_t)a->npos,
                                password, on_file, &fo, &sum);
    free_password(password);
    if (error < 0) {
        json_decref(fo.arr);
        return og_cli_fail(error);
    }
    if (cli->json) {
        og_cli_print_json(json_pack(
            "{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "files", fo.arr, "summary", "files_seen",
            (json_int_t)sum.files_seen, "files_with_certs", (json_int_t)sum.files_with_certs,
            "needs_password", (json_int_t)sum.needs_password, "invalid", (json_int_t)sum.invalid,
            "certs_seen", (json_int_t)sum.certs_seen, "certs_new", (json_int_t)sum.certs_new));
    } else {
        json_decref(fo.arr);
        printf("%llu files: %llu with certificates, %llu need a password, %llu invalid; "
               "%llu certificates (%llu new)\n",
               (unsigned long long)sum.files_seen, (unsigned long long)sum.files_with_certs,
               (unsigned long long)sum.needs_password, (unsigned long long)sum.invalid,
               (unsigned long long)sum.certs_seen, (unsigned long long)sum.certs_new);
    }
    return sum.invalid ? OG_EXIT_FAIL : OG_EXIT_OK;
}

/* ---- import ---- */

int og_cli__cert_import(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *file = a->pos[0];
    char *buf = NULL, *password = NULL;
    size_t len = 0;
    og_certs_import_summary sum;
    int error;
    if ((error = no_password(a)) || (error = og_cli_open(cli, tenant)) ||
        (error = read_password(a, &password)))
        return error;
    if ((error = og_file_read(file, 1024 * 1024, &buf, &len)) < 0) {
        free_password(password);
        og_error_wrap("cannot import '%s'", file);
        return og_cli_fail(error);
    }
    const char *request = og_cli_get(a, "request");
    error = request ? og_certs_import_request(&cli->ctx, tenant, request, file, buf, len, &sum)
                    : og_certs_import_bundle(&cli->ctx, tenant, file, buf, len, password, &sum);
    /* the bundle may hold private keys */
    og_crypto_wipe(buf, len);
    free(buf);
    free_password(password);
    if (error < 0) {
        if (!og_cli_has(a, "password-file") && strstr(og_error_last(), "needs a password")) {
            fprintf(stderr, "opsgate: %s (give it with --password-file FILE)\n", og_error_last());
            return OG_EXIT_FAIL;
        }
        return og_cli_fail(error);
    }
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:i, s:i, s:i, s:s, s:s?}", "kind", sum.kind, "certs",
                                    sum.certs, "certs_new", sum.certs_new, "keys", sum.keys,
                                    "fingerprint", sum.first_fingerprint, "request",
                                    sum.request[0] ? sum.request : NULL));
    else
        printf("imported %d certificate%s (%d new) from a %s file, %d private key%s sealed; "
               "first %s\n",
               sum.certs, sum.certs == 1 ? "" : "s", sum.certs_new,
               strcmp(sum.kind, "pkcs12") == 0 ? "PKCS#12"
               : strcmp(sum.kind, "der") == 0  ? "DER"
                                               : "PEM",
               sum.keys, sum.keys == 1 ? "" : "s", sum.first_fingerprint);
    if (!cli->json && sum.request[0])
        printf("certificate request %s is issued: its key is linked, its task closed\n",
               sum.request);
    return OG_EXIT_OK;
}
