/* cmd_artifact.c - `opsgate artifact`: its command table and the content subcommands (put, get,
 * list, show, log, diff, restore); the lifecycle ones are in cmd_artifact_life.c. */
#include "cli/cli.h"
#include "cli/cmd_artifact.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (256 * 1024)

static const char *const about =
    "Artifacts are versioned files of a project: kind sow, change-order, runbook, closure,\n"
    "template or other (default). Versions are immutable (number, author, time, message, size,\n"
    "media type, SHA-256); content is stored once per tenant, compressed and encrypted with the\n"
    "tenant key, and streamed in and out with flat memory. `put` adds a version (or creates the\n"
    "artifact); FILE - reads stdin. The media type comes from --type, else the file's or the\n"
    "name's extension, else the content. `get` writes to stdout or, with -o, to FILE only once\n"
    "the content is verified. `restore` adds a version equal to an older one.\n"
    "Names are free text (at most 200 bytes) without '/', '\\', surrounding spaces, invalid\n"
    "UTF-8, control or invisible format characters such as U+202E (docs/api.md, Input rules).\n"
    "\n"
    "Lifecycle: draft -> in-review -> approved -> published -> archived; back to draft from\n"
    "in-review, approved and published, archive from any state, reopen an archive as a draft.\n"
    "New versions go to drafts only. `set-state` runs through the gate engine (action kinds\n"
    "artifacts.set-state and artifacts.publish.<kind>): when the tenant's policy holds it for\n"
    "approval it prints the gate item and exits 0; approve with `opsgate gate approve ID`.\n"
    "\n"
    "`lock` takes an exclusive edit lock (default 1 hour): others cannot put, restore, change\n"
    "metadata, set the state of or delete the artifact. `unlock --force` breaks another user's\n"
    "lock (admin right: tenant-admin), recorded in the audit trail.\n"
    "`delete` is a soft delete; `undelete` brings a deleted artifact back, with all its\n"
    "versions, until it is purged (the same right as delete). `purge` removes a deleted\n"
    "artifact for good once no legal hold (see `opsgate hold`) covers it and its kind's\n"
    "retention period has passed since it was archived (or deleted, if never archived).\n"
    "A generated document's data snapshot (<doc>.data.json) is part of the document: it\n"
    "cannot be deleted or purged on its own, and is deleted, undeleted and purged with it.\n"
    "`retention set --kind K --keep 7y|90d|0` needs tenant-admin; `retention list` shows them.\n"
    "`search` finds artifacts by words of their name, metadata and latest text, ranked, with\n"
    "snippets; client viewers find published artifacts of their projects only.\n"
    "Indexing: a Markdown, text, HTML, PDF or DOCX upload gets a proposal from the document\n"
    "classifier - its kind (sow, change-order, runbook, closure, other), client, project, dates\n"
    "and total amount - shown by `show`. `classify --kind K [--client NAME] [--total AMOUNT]\n"
    "[--date YYYY-MM-DD]` corrects it (the write right); the kind and each field given are the\n"
    "classifier's labels at its next `model train`.\n"
    "\n"
    "With --json each subcommand prints what its HTTP route returns: list {\"artifacts\": [...]},\n"
    "log {\"versions\": [...]}, search {\"results\": [...]}, retention list {\"retention\": "
    "[...]};\n"
    "put and restore the new version, show, metadata and undelete the artifact, lock the lock.\n"
    "\n"
    "Rights: readers (auditor, any role with a grant) list, get, log, diff and search; writers\n"
    "(engineer, project-manager) also put, lock, set-state, delete and undelete; admins\n"
    "(tenant-admin, or an admin grant) also break locks, set holds and purge. See `opsgate\n"
    "access`.\n";

og_artifact_ref og_cli_artifact_ref(const og_cli_args *a)
{
    og_artifact_ref r = {og_cli_get(a, "tenant"), og_cli_get(a, "project"), og_cli_get(a, "name")};
    return r;
}

/* The version number in option opt: digits only, 1 or more. */
static int parse_version(const og_cli_args *a, const char *opt, int64_t *out)
{
    const char *s = og_cli_get(a, opt);
    char *end = NULL;
    errno = 0;
    long long v = s && *s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < 1)
        return og_cli_bad(a, "bad version '%s' (a number, 1 or more)", s ? s : "");
    *out = v;
    return 0;
}

/* A new version: "P/N: version 3 (...)", or with --json as the API returns it. */
static void print_version(const og_cli *cli, const og_cli_args *a, const og_artifact_version *v)
{
    if (cli->json) {
        og_cli_print_json(og_artifact_version_to_json(v));
        return;
    }
    printf("%s/%s: version %lld (%llu bytes, %s, sha256 %s)%s\n", og_cli_get(a, "project"),
           og_cli_get(a, "name"), (long long)v->number, (unsigned long long)v->size, v->media_type,
           v->sha256, v->created_artifact ? " - new artifact" : "");
}

/* Stream fd into the upload, block by block. */
static int put_stream(og_artifact_put *p, int fd, const char *file)
{
    char *buf = malloc(BLOCK);
    int error, rc = OG_EXIT_FAIL;
    if (!buf) {
        fprintf(stderr, "opsgate: out of memory\n");
        return OG_EXIT_FAIL;
    }
    for (;;) {
        size_t n;
        if (og_fd_read_full(fd, buf, BLOCK, &n) < 0) {
            fprintf(stderr, "opsgate: cannot read '%s': %s\n", file, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if ((error = og_artifact_put_write(p, buf, n)) < 0) {
            rc = og_cli_fail(error);
            goto done;
        }
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

static int put(og_cli *cli, const og_cli_args *a)
{
    const char *file = a->pos[0], *kind = og_cli_get(a, "kind");
    int error, fd = -1, rc = OG_EXIT_FAIL, is_stdin = strcmp(file, "-") == 0;
    og_artifact_put *p = NULL;
    og_artifact_version v;
    if (kind && !og_artifact_kind_valid(kind))
        return og_cli_bad(a,
                          "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                          "other)",
                          kind);
    fd = is_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "opsgate: cannot open '%s': %s\n", file, strerror(errno));
        return OG_EXIT_FAIL;
    }
    if ((rc = og_cli_open(cli, og_cli_get(a, "tenant"))))
        goto done;
    og_artifact_ref r = og_cli_artifact_ref(a);
    og_artifact_put_opts po = {.kind = kind,
                               .message = og_cli_get(a, "message"),
                               .media_type = og_cli_get(a, "type"),
                               .filename = is_stdin ? NULL : file,
                               .metadata = og_cli_get(a, "metadata")};
    if ((error = og_artifact_put_begin(&p, &cli->ctx, &r, &po)) < 0) {
        rc = og_cli_fail(error);
        goto done;
    }
    if ((rc = put_stream(p, fd, file)))
        goto done;
    if ((error = og_artifact_put_finish(p, &v)) < 0) {
        rc = og_cli_fail(error);
        goto done;
    }
    print_version(cli, a, &v);
    rc = OG_EXIT_OK;
done:
    if (fd > STDIN_FILENO)
        close(fd);
    og_artifact_put_free(p);
    return rc;
}

/* Copy the reader's content to fd (named `to` in messages). */
static int get_stream(og_artifact_reader *rd, int fd, const char *to)
{
    char *buf = malloc(BLOCK);
    size_t got;
    int error, rc = OG_EXIT_FAIL;
    if (!buf) {
        fprintf(stderr, "opsgate: out of memory\n");
        return OG_EXIT_FAIL;
    }
    for (;;) {
        if ((error = og_artifact_get_read(rd, buf, BLOCK, &got)) < 0) {
            rc = og_cli_fail(error);
            goto done;
        }
        if (got == 0)
            break;
        if (og_fd_write_all(fd, buf, got) < 0) {
            fprintf(stderr, "opsgate: cannot write '%s': %s\n", to, strerror(errno));
            goto done;
        }
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

/* Into a temporary file beside `output`, renamed once everything was read and checked: a failed
 * get never leaves a partial file under the asked-for name. */
static int get_to_file(og_artifact_reader *rd, const char *output)
{
    char tmp[4096];
    int fd, rc = OG_EXIT_FAIL;
    if (snprintf(tmp, sizeof(tmp), "%s.partXXXXXX", output) >= (int)sizeof(tmp)) {
        fprintf(stderr, "opsgate: output path too long: '%s'\n", output);
        return OG_EXIT_FAIL;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        fprintf(stderr, "opsgate: cannot create '%s': %s\n", tmp, strerror(errno));
        return OG_EXIT_FAIL;
    }
    if ((rc = get_stream(rd, fd, tmp))) {
        close(fd);
        goto done;
    }
    rc = OG_EXIT_FAIL;
    if (fsync(fd) < 0 || close(fd) < 0) {
        fprintf(stderr, "opsgate: cannot write '%s': %s\n", tmp, strerror(errno));
        goto done;
    }
    if (rename(tmp, output) < 0) {
        fprintf(stderr, "opsgate: cannot rename '%s' to '%s': %s\n", tmp, output, strerror(errno));
        goto done;
    }
    return OG_EXIT_OK;
done:
    unlink(tmp);
    return rc;
}

static int get(og_cli *cli, const og_cli_args *a)
{
    const char *output = og_cli_get(a, "output");
    int64_t version = 0;
    og_artifact_reader *rd = NULL;
    int error, rc;
    if (og_cli_has(a, "version") && (error = parse_version(a, "version", &version)))
        return error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_get_open(&rd, &cli->ctx, &r, version, NULL)) < 0)
        return og_cli_fail(error);
    rc = output ? get_to_file(rd, output) : get_stream(rd, STDOUT_FILENO, "stdout");
    og_artifact_get_close(rd);
    return rc;
}

static void print_list(json_t *arr)
{
    static const char *const head[] = {"PROJECT", "NAME", "KIND",    "STATE",
                                       "VER",     "SIZE", "UPDATED", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t i;
    json_t *x;
    og_cli_table_right(t, 4);
    og_cli_table_right(t, 5);
    json_array_foreach(arr, i, x)
    {
        char ver[24], size[24], updated[96];
        snprintf(ver, sizeof(ver), "%lld",
                 (long long)json_integer_value(json_object_get(x, "latest")));
        snprintf(size, sizeof(size), "%lld",
                 (long long)json_integer_value(json_object_get(x, "size")));
        snprintf(updated, sizeof(updated), "%s%s",
                 json_string_value(json_object_get(x, "updated_at")),
                 json_object_get(x, "deleted_at") ? "  (deleted)" : "");
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "project")),
                                             json_string_value(json_object_get(x, "name")),
                                             json_string_value(json_object_get(x, "kind")),
                                             json_string_value(json_object_get(x, "state")), ver,
                                             size, updated});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *j = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_artifact_list(&cli->ctx, tenant, og_cli_get(a, "project"),
                                  og_cli_has(a, "deleted"), &j)) < 0)
        return og_cli_fail(error);
    return og_cli_print_list_or(cli, "artifacts", j, print_list);
}

static void print_log(json_t *arr)
{
    static const char *const head[] = {"VER",  "CREATED", "AUTHOR",  "SIZE",
                                       "TYPE", "SHA256",  "MESSAGE", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t i;
    json_t *x;
    og_cli_table_right(t, 3);
    json_array_foreach(arr, i, x)
    {
        char ver[24], size[24], sha[13];
        snprintf(ver, sizeof(ver), "v%lld",
                 (long long)json_integer_value(json_object_get(x, "version")));
        snprintf(size, sizeof(size), "%lld",
                 (long long)json_integer_value(json_object_get(x, "size")));
        snprintf(sha, sizeof(sha), "%.12s", json_string_value(json_object_get(x, "sha256")));
        og_cli_table_add(t,
                         (const char *[]){ver, json_string_value(json_object_get(x, "created_at")),
                                          json_string_value(json_object_get(x, "author")), size,
                                          json_string_value(json_object_get(x, "media_type")), sha,
                                          json_string_value(json_object_get(x, "message"))});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

void og_cli_artifact_print_show(json_t *a)
{
    json_t *v = json_object_get(a, "latest_version"), *lock = json_object_get(a, "lock");
    char *meta = json_dumps(json_object_get(a, "metadata"), JSON_COMPACT);
    printf("%s/%s\n  kind      %s\n  state     %s\n  versions  %lld\n  metadata  %s\n",
           json_string_value(json_object_get(a, "project")),
           json_string_value(json_object_get(a, "name")),
           json_string_value(json_object_get(a, "kind")),
           json_string_value(json_object_get(a, "state")),
           (long long)json_integer_value(json_object_get(a, "latest")), meta ? meta : "{}");
    free(meta);
    if (v)
        printf("  latest    v%lld by %s at %s, %lld bytes, %s, sha256 %s\n",
               (long long)json_integer_value(json_object_get(v, "version")),
               json_string_value(json_object_get(v, "author")),
               json_string_value(json_object_get(v, "created_at")),
               (long long)json_integer_value(json_object_get(v, "size")),
               json_string_value(json_object_get(v, "media_type")),
               json_string_value(json_object_get(v, "sha256")));
    json_t *pr = json_object_get(v, "proposal");
    if (pr) {
        char *dates = json_dumps(json_object_get(pr, "dates"), JSON_COMPACT);
        printf("  proposed  %s (%s, model %s)%s%s\n",
               json_string_value(json_object_get(pr, "kind")),
               json_object_get(pr, "confirmed_by") ? "confirmed" : "proposed",
               json_string_value(json_object_get(pr, "model")),
               json_object_get(pr, "confirmed_by") ? " by " : "",
               json_object_get(pr, "confirmed_by")
                   ? json_string_value(json_object_get(pr, "confirmed_by"))
                   : "");
        json_t *alt = json_object_get(pr, "alternatives");
        for (size_t i = 0; i < json_array_size(alt); i++)
            printf("%s%s %.2f%s", i ? ", " : "  or close  ",
                   json_string_value(json_object_get(json_array_get(alt, i), "kind")),
                   json_number_value(json_object_get(json_array_get(alt, i), "confidence")),
                   i + 1 == json_array_size(alt) ? "\n" : "");
        if (json_object_get(pr, "structure"))
            printf("  because   %s\n", json_string_value(json_object_get(pr, "structure")));
        printf("  indexed   client %s, project %s, total %s %s, date %s, dates %s (metadata %s)\n",
               str_or(pr, "client", "-"), str_or(pr, "project", "-"), str_or(pr, "currency", ""),
               str_or(pr, "total", "-"), str_or(pr, "date", "-"), dates ? dates : "[]",
               str_or(pr, "metadata_model", "rules"));
        free(dates);
    }
    if (lock)
        printf("  locked    by %s until %s\n", json_string_value(json_object_get(lock, "owner")),
               json_string_value(json_object_get(lock, "expires_at")));
    if (json_object_get(a, "legal_hold"))
        printf("  hold      %s\n", json_string_value(json_object_get(a, "legal_hold")));
    if (json_object_get(a, "deleted_at"))
        printf("  deleted   %s\n", json_string_value(json_object_get(a, "deleted_at")));
}

/* show and log. */
static int show_or_log(og_cli *cli, const og_cli_args *a)
{
    int show = strcmp(a->sub->name, "show") == 0, error;
    json_t *j = NULL;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    error = show ? og_artifact_show(&cli->ctx, &r, &j) : og_artifact_log(&cli->ctx, &r, &j);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json && show)
        og_cli_print_json(j);
    else if (cli->json)
        og_cli_print_list("versions", j);
    if (cli->json)
        return OG_EXIT_OK;
    if (show)
        og_cli_artifact_print_show(j);
    else
        print_log(j);
    json_decref(j);
    return OG_EXIT_OK;
}

static int diff(og_cli *cli, const og_cli_args *a)
{
    int64_t from, to;
    og_buf b;
    int error;
    if ((error = parse_version(a, "from", &from)) || (error = parse_version(a, "to", &to)))
        return error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    og_buf_init(&b, (size_t)64 << 20);
    if ((error = og_artifact_diff(&cli->ctx, &r, from, to, &b)) < 0) {
        og_buf_free(&b);
        return og_cli_fail(error);
    }
    if (b.len)
        fwrite(b.data, 1, b.len, stdout);
    og_buf_free(&b);
    return OG_EXIT_OK;
}

static int restore(og_cli *cli, const og_cli_args *a)
{
    int64_t version;
    og_artifact_version v;
    int error;
    if ((error = parse_version(a, "version", &version)))
        return error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_restore(&cli->ctx, &r, version, og_cli_get(a, "message"), &v)) < 0)
        return og_cli_fail(error);
    print_version(cli, a, &v);
    return OG_EXIT_OK;
}

/* ---- the table ---- */

#define REF_OPTS                                                                                   \
    OG_CLI_OPT_TENANT_REQ, {"project", "P", "the project", OG_CLI_REQUIRED, 0},                    \
    {                                                                                              \
        "name", "N", "the artifact", OG_CLI_REQUIRED, 0                                            \
    }

static const og_cli_opt ref_opts[] = {REF_OPTS, {0}};
static const og_cli_opt put_opts[] = {
    REF_OPTS,
    {"kind", "K", "sow, change-order, runbook, closure, template, other", 0, 0},
    {"message", "MSG", "the version's message", 0, 'm'},
    {"type", "MEDIA-TYPE", "the media type (default: from the name or content)", 0, 0},
    {"metadata", "JSON", "the artifact's metadata, a JSON object", 0, 0},
    {0},
};
static const og_cli_opt get_opts[] = {
    REF_OPTS,
    {"version", "N", "this version (default: the latest)", 0, 0},
    {"output", "FILE", "write to FILE once verified (default: stdout)", 0, 'o'},
    {0},
};
static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"project", "P", "only this project's artifacts", 0, 0},
    {"deleted", NULL, "include deleted artifacts", 0, 0},
    {0},
};
static const og_cli_opt diff_opts[] = {
    REF_OPTS,
    {"from", "A", "the older version", OG_CLI_REQUIRED, 0},
    {"to", "B", "the newer version", OG_CLI_REQUIRED, 0},
    {0},
};
static const og_cli_opt restore_opts[] = {
    REF_OPTS,
    {"version", "N", "the version to bring back as a new one", OG_CLI_REQUIRED, 0},
    {"message", "MSG", "the new version's message", 0, 'm'},
    {0},
};
static const og_cli_opt lock_opts[] = {
    REF_OPTS,
    {"ttl", "DURATION", "how long: 30m, 2h (default 1h)", 0, 0},
    {0},
};
static const og_cli_opt unlock_opts[] = {
    REF_OPTS,
    {"force", NULL, "break another user's lock (tenant-admin)", 0, 0},
    {0},
};
static const og_cli_opt search_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"limit", "N", "at most N results, 1 to 100 (default 20)", 0, 0},
    {0},
};
static const og_cli_opt retention_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"kind", "K", "set: the artifact kind", 0, 0},
    {"keep", "PERIOD", "set: 7y, 90d, or 0 for none", 0, 0},
    {0},
};
static const og_cli_opt classify_opts[] = {
    REF_OPTS,
    {"kind", "K", "sow, change-order, runbook, closure or other", OG_CLI_REQUIRED, 0},
    {"client", "NAME", "the document's client", 0, 0},
    {"total", "AMOUNT", "the document's total amount (12,500.00)", 0, 0},
    {"date", "YYYY-MM-DD", "the document's own date", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"put", "FILE|-", 1, 1, put_opts, "add a version (- reads stdin)", put},
    {"get", NULL, 0, 0, get_opts, "write a version's content", get},
    {"list", NULL, 0, 0, list_opts, "list the artifacts you can read", list},
    {"show", NULL, 0, 0, ref_opts, "an artifact's state, latest version and lock", show_or_log},
    {"log", NULL, 0, 0, ref_opts, "an artifact's versions", show_or_log},
    {"diff", NULL, 0, 0, diff_opts, "a unified diff of two versions", diff},
    {"restore", NULL, 0, 0, restore_opts, "add a version equal to an older one", restore},
    {"lock", NULL, 0, 0, lock_opts, "take the exclusive edit lock", og_cli_artifact_lock},
    {"unlock", NULL, 0, 0, unlock_opts, "release (or break) the lock", og_cli_artifact_unlock},
    {"set-state", "STATE", 1, 1, ref_opts, "move through the lifecycle (gated)",
     og_cli_artifact_set_state},
    {"metadata", "JSON", 1, 1, ref_opts, "replace the metadata with a JSON object",
     og_cli_artifact_metadata},
    {"delete", NULL, 0, 0, ref_opts, "soft-delete an artifact", og_cli_artifact_change},
    {"undelete", NULL, 0, 0, ref_opts, "bring a deleted artifact back", og_cli_artifact_undelete},
    {"purge", NULL, 0, 0, ref_opts, "remove a deleted artifact for good (admin)",
     og_cli_artifact_change},
    {"search", "QUERY", 1, 1, search_opts, "find artifacts by name, metadata and text",
     og_cli_artifact_search},
    {"retention", "set|list", 1, 1, retention_opts, "how long each kind is kept (set: admin)",
     og_cli_artifact_retention},
    {"classify", NULL, 0, 0, classify_opts, "correct the classifier's kind (and metadata)",
     og_cli_artifact_classify},
    {0},
};

const og_command og_cmd_artifact = {
    .name = "artifact",
    .summary = "versioned project artifacts: put, get, diff, lock, lifecycle, search",
    .about = about,
    .subs = subs,
};
