/* cmd_artifact.c - `opsgate artifact`: put, get, list, show, log, diff, restore, lock, unlock,
 * set-state, metadata, delete, purge, search and retention. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const help =
    "usage: opsgate artifact put --tenant T --project P --name N [--kind K] [-m MSG]\n"
    "                            [--type MEDIA-TYPE] [--metadata JSON] FILE|-\n"
    "       opsgate artifact get --tenant T --project P --name N [--version N] [-o FILE]\n"
    "       opsgate artifact list --tenant T [--project P] [--deleted] [--json]\n"
    "       opsgate artifact show|log --tenant T --project P --name N [--json]\n"
    "       opsgate artifact diff --tenant T --project P --name N --from A --to B\n"
    "       opsgate artifact restore --tenant T --project P --name N --version N [-m MSG]\n"
    "       opsgate artifact lock --tenant T --project P --name N [--ttl 2h] [--json]\n"
    "       opsgate artifact unlock --tenant T --project P --name N [--force]\n"
    "       opsgate artifact set-state --tenant T --project P --name N STATE [--json]\n"
    "       opsgate artifact metadata --tenant T --project P --name N JSON\n"
    "       opsgate artifact delete|undelete|purge --tenant T --project P --name N [--json]\n"
    "       opsgate artifact search --tenant T QUERY [--limit N] [--json]\n"
    "       opsgate artifact retention set --tenant T --kind K --keep 7y|90d|0\n"
    "       opsgate artifact retention list --tenant T [--json]\n"
    "\n"
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
    "`retention set` needs tenant-admin.\n"
    "`search` finds artifacts by words of their name, metadata and latest text, ranked, with\n"
    "snippets; client viewers find published artifacts of their projects only.\n"
    "\n"
    "Rights: readers (auditor, any role with a grant) list, get, log, diff and search; writers\n"
    "(engineer, project-manager) also put, lock, set-state, delete and undelete; admins\n"
    "(tenant-admin, or an admin grant) also break locks, set holds and purge. See `opsgate\n"
    "access`.\n";

typedef struct opts {
    const char *tenant, *project, *name, *kind, *message, *type, *metadata, *output;
    const char *version, *from, *to, *ttl, *limit, *keep;
    int json, force, deleted;
} opts;

/* A version number: digits only, 1 or more. */
static int parse_version(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s && *s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < 1)
        return og_cli_usage("artifact", "bad version '%s' (a number, 1 or more)", s ? s : "");
    *out = v;
    return 0;
}

static int need_ref(const opts *o, const char *sub)
{
    if (!o->tenant)
        return og_cli_usage("artifact", "artifact %s needs --tenant", sub);
    if (!o->project)
        return og_cli_usage("artifact", "artifact %s needs --project", sub);
    if (!o->name)
        return og_cli_usage("artifact", "artifact %s needs --name", sub);
    return 0;
}

static void print_version(const char *project, const char *name, const og_artifact_version *v)
{
    printf("%s/%s: version %lld (%llu bytes, %s, sha256 %s)%s\n", project, name,
           (long long)v->number, (unsigned long long)v->size, v->media_type, v->sha256,
           v->created_artifact ? " - new artifact" : "");
}

static int cmd_put(og_cli *cli, const opts *o, int npos, char **pos)
{
    int error, fd = -1, rc = OG_EXIT_FAIL;
    og_artifact_put *p = NULL;
    og_artifact_version v;
    char *buf = NULL;
    const char *file;
    if ((error = need_ref(o, "put")))
        return error;
    if (npos != 1)
        return og_cli_usage("artifact", "artifact put takes one FILE (or - for stdin)");
    file = pos[0];
    if (o->kind && !og_artifact_kind_valid(o->kind))
        return og_cli_usage("artifact",
                            "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                            "other)",
                            o->kind);
    fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "opsgate: cannot open '%s': %s\n", file, strerror(errno));
        return OG_EXIT_FAIL;
    }
    if ((error = og_cli_open(cli, o->tenant)))
        goto done;
    og_artifact_ref r = {o->tenant, o->project, o->name};
    og_artifact_put_opts po = {.kind = o->kind,
                               .message = o->message,
                               .media_type = o->type,
                               .filename = strcmp(file, "-") == 0 ? NULL : file,
                               .metadata = o->metadata};
    if ((error = og_artifact_put_begin(&p, &cli->ctx, &r, &po)) < 0) {
        rc = og_cli_fail(error);
        goto done;
    }
    buf = malloc(256 * 1024);
    if (!buf) {
        fprintf(stderr, "opsgate: out of memory\n");
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf, 256 * 1024);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "opsgate: cannot read '%s': %s\n", file, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if ((error = og_artifact_put_write(p, buf, (size_t)n)) < 0) {
            rc = og_cli_fail(error);
            goto done;
        }
    }
    if ((error = og_artifact_put_finish(p, &v)) < 0) {
        rc = og_cli_fail(error);
        goto done;
    }
    if (o->json)
        og_cli_print_json(og_artifact_version_to_json(&v));
    else
        print_version(o->project, o->name, &v);
    rc = OG_EXIT_OK;
done:
    if (fd > STDIN_FILENO)
        close(fd);
    og_artifact_put_free(p);
    free(buf);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int cmd_get(og_cli *cli, const opts *o)
{
    int error, fd = STDOUT_FILENO, rc = OG_EXIT_FAIL;
    int64_t version = 0;
    og_artifact_reader *rd = NULL;
    char tmp[4096] = "", *buf = NULL;
    size_t got;
    if ((error = need_ref(o, "get")))
        return error;
    if (o->version && (error = parse_version(o->version, &version)))
        return error;
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    og_artifact_ref r = {o->tenant, o->project, o->name};
    if ((error = og_artifact_get_open(&rd, &cli->ctx, &r, version, NULL)) < 0)
        return og_cli_fail(error);
    if (o->output) {
        /* Into a temporary file beside the target, renamed once everything was read and
         * checked: a failed get never leaves a partial file under the asked-for name. */
        if (snprintf(tmp, sizeof(tmp), "%s.partXXXXXX", o->output) >= (int)sizeof(tmp)) {
            fprintf(stderr, "opsgate: output path too long: '%s'\n", o->output);
            goto done;
        }
        fd = mkstemp(tmp);
        if (fd < 0) {
            fprintf(stderr, "opsgate: cannot create '%s': %s\n", tmp, strerror(errno));
            tmp[0] = '\0';
            goto done;
        }
    }
    if (!(buf = malloc(256 * 1024))) {
        fprintf(stderr, "opsgate: out of memory\n");
        goto done;
    }
    for (;;) {
        if ((error = og_artifact_get_read(rd, buf, 256 * 1024, &got)) < 0) {
            rc = og_cli_fail(error);
            goto done;
        }
        if (got == 0)
            break;
        if (write_all(fd, buf, got) < 0) {
            fprintf(stderr, "opsgate: cannot write '%s': %s\n", o->output ? tmp : "stdout",
                    strerror(errno));
            goto done;
        }
    }
    if (o->output) {
        if (fsync(fd) < 0 || close(fd) < 0) {
            fd = -1;
            fprintf(stderr, "opsgate: cannot write '%s': %s\n", tmp, strerror(errno));
            goto done;
        }
        fd = -1;
        if (rename(tmp, o->output) < 0) {
            fprintf(stderr, "opsgate: cannot rename '%s' to '%s': %s\n", tmp, o->output,
                    strerror(errno));
            goto done;
        }
        tmp[0] = '\0';
    }
    rc = OG_EXIT_OK;
done:
    if (o->output && fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    free(buf);
    og_artifact_get_close(rd);
    return rc;
}

static void print_list(json_t *arr)
{
    size_t i;
    json_t *x;
    static const char *const head[] = {"PROJECT", "NAME", "KIND",    "STATE",
                                       "VER",     "SIZE", "UPDATED", NULL};
    og_cli_table *t = og_cli_table_new(head);
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

static void print_log(json_t *arr)
{
    size_t i;
    json_t *x;
    static const char *const head[] = {"VER",  "CREATED", "AUTHOR",  "SIZE",
                                       "TYPE", "SHA256",  "MESSAGE", NULL};
    og_cli_table *t = og_cli_table_new(head);
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

static void print_show(json_t *a)
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
    if (lock)
        printf("  locked    by %s until %s\n", json_string_value(json_object_get(lock, "owner")),
               json_string_value(json_object_get(lock, "expires_at")));
    if (json_object_get(a, "legal_hold"))
        printf("  hold      %s\n", json_string_value(json_object_get(a, "legal_hold")));
    if (json_object_get(a, "deleted_at"))
        printf("  deleted   %s\n", json_string_value(json_object_get(a, "deleted_at")));
}

static int cmd_set_state(og_cli *cli, const opts *o, int npos, char **pos)
{
    int error;
    og_gate_outcome out;
    if ((error = need_ref(o, "set-state")))
        return error;
    if (npos != 1)
        return og_cli_usage("artifact", "artifact set-state takes one STATE");
    if (!og_artifact_state_valid(pos[0]))
        return og_cli_usage("artifact",
                            "unknown state '%s' (draft, in-review, approved, published, archived)",
                            pos[0]);
    if ((error = og_cli_open(cli, o->tenant)))
        return error;
    og_artifact_ref r = {o->tenant, o->project, o->name};
    memset(&out, 0, sizeof(out));
    error = og_artifact_set_state(&cli->ctx, &r, pos[0], &out);
    json_decref(out.result);
    if (error < 0 && error != OG_EPENDING)
        return og_cli_fail(error);
    if (o->json) {
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", o->name, "state",
                                    error == OG_EPENDING ? "pending" : pos[0], "gate_id",
                                    out.gate_id, "gate_level", og_gate_level_name(out.level),
                                    "gate_state", out.state));
    } else if (error == OG_EPENDING) {
        printf("%s/%s: moving to %s is pending approval (gate %s, item %s); approve with "
               "`opsgate --as USER gate approve %s`\n",
               o->project, o->name, pos[0], og_gate_level_name(out.level), out.gate_id,
               out.gate_id);
    } else if (strcmp(out.state, "review") == 0) {
        printf("%s/%s: %s (done; under L1 review, item %s)\n", o->project, o->name, pos[0],
               out.gate_id);
    } else {
        printf("%s/%s: %s\n", o->project, o->name, pos[0]);
    }
    return OG_EXIT_OK;
}

static int cmd_retention(og_cli *cli, const opts *o, int npos, char **pos)
{
    int error;
    if (npos < 1)
        return og_cli_usage("artifact", "artifact retention needs set or list");
    if (!o->tenant)
        return og_cli_usage("artifact", "artifact retention needs --tenant");
    if (strcmp(pos[0], "set") == 0) {
        int64_t keep = 0;
        if (npos != 1)
            return og_cli_usage("artifact", "unexpected argument '%s'", pos[1]);
        if (!o->kind || !og_artifact_kind_valid(o->kind))
            return og_cli_usage("artifact",
                                "retention set needs --kind (sow, change-order, "
                                "runbook, closure, template, other), got '%s'",
                                o->kind ? o->kind : "");
        if (!o->keep)
            return og_cli_usage("artifact", "retention set needs --keep (like 7y, 90d, or 0)");
        if (strcmp(o->keep, "0") != 0 && og_artifact_keep_parse(o->keep, &keep) < 0)
            return og_cli_usage("artifact", "%s", og_error_last());
        if ((error = og_cli_open(cli, o->tenant)))
            return error;
        if ((error = og_artifact_retention_set(&cli->ctx, o->tenant, o->kind, keep)) < 0)
            return og_cli_fail(error);
        printf("%s: %s %s\n", o->kind, keep ? "kept for" : "no retention", keep ? o->keep : "");
        return OG_EXIT_OK;
    }
    if (strcmp(pos[0], "list") == 0) {
        json_t *arr = NULL;
        size_t i;
        json_t *x;
        if ((error = og_cli_open(cli, o->tenant)))
            return error;
        if ((error = og_artifact_retention_list(&cli->ctx, o->tenant, &arr)) < 0)
            return og_cli_fail(error);
        if (o->json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"KIND", "KEEP DAYS", "SET BY", "SET AT", NULL};
        og_cli_table *t = og_cli_table_new(head);
        og_cli_table_right(t, 1);
        json_array_foreach(arr, i, x)
        {
            char days[24];
            snprintf(days, sizeof(days), "%lld",
                     (long long)json_integer_value(json_object_get(x, "keep_days")));
            og_cli_table_add(t,
                             (const char *[]){json_string_value(json_object_get(x, "kind")), days,
                                              json_string_value(json_object_get(x, "set_by")),
                                              json_string_value(json_object_get(x, "set_at"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    return og_cli_usage("artifact", "unknown retention subcommand '%s' (set, list)", pos[0]);
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option lopts[] = {
        {"tenant", required_argument, NULL, 't'},   {"project", required_argument, NULL, 'p'},
        {"name", required_argument, NULL, 'n'},     {"kind", required_argument, NULL, 'k'},
        {"message", required_argument, NULL, 'm'},  {"type", required_argument, NULL, 'T'},
        {"metadata", required_argument, NULL, 'M'}, {"output", required_argument, NULL, 'o'},
        {"version", required_argument, NULL, 'v'},  {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'O'},       {"ttl", required_argument, NULL, 'L'},
        {"limit", required_argument, NULL, 'l'},    {"keep", required_argument, NULL, 'K'},
        {"json", no_argument, NULL, 'j'},           {"force", no_argument, NULL, 'f'},
        {"deleted", no_argument, NULL, 'd'},        {NULL, 0, NULL, 0},
    };
    opts o;
    int c, error;
    memset(&o, 0, sizeof(o));
    if (argc < 2)
        return og_cli_usage("artifact", "missing subcommand (put, get, list, show, log, diff, "
                                        "restore, lock, unlock, set-state, metadata, delete, "
                                        "undelete, purge, search, retention)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "m:o:", lopts, NULL)) != -1) {
        switch (c) {
        case 't':
            o.tenant = optarg;
            break;
        case 'p':
            o.project = optarg;
            break;
        case 'n':
            o.name = optarg;
            break;
        case 'k':
            o.kind = optarg;
            break;
        case 'm':
            o.message = optarg;
            break;
        case 'T':
            o.type = optarg;
            break;
        case 'M':
            o.metadata = optarg;
            break;
        case 'o':
            o.output = optarg;
            break;
        case 'v':
            o.version = optarg;
            break;
        case 'F':
            o.from = optarg;
            break;
        case 'O':
            o.to = optarg;
            break;
        case 'L':
            o.ttl = optarg;
            break;
        case 'l':
            o.limit = optarg;
            break;
        case 'K':
            o.keep = optarg;
            break;
        case 'j':
            o.json = 1;
            break;
        case 'f':
            o.force = 1;
            break;
        case 'd':
            o.deleted = 1;
            break;
        default:
            return og_cli_badopt("artifact", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    og_artifact_ref r = {o.tenant, o.project, o.name};
    json_t *j = NULL;

    if (strcmp(sub, "put") == 0)
        return cmd_put(cli, &o, npos, pos);
    if (strcmp(sub, "get") == 0) {
        if (npos)
            return og_cli_usage("artifact", "unexpected argument '%s'", pos[0]);
        return cmd_get(cli, &o);
    }
    if (strcmp(sub, "set-state") == 0)
        return cmd_set_state(cli, &o, npos, pos);
    if (strcmp(sub, "retention") == 0)
        return cmd_retention(cli, &o, npos, pos);
    if (strcmp(sub, "search") == 0) {
        int limit = 0;
        size_t i;
        json_t *x;
        if (!o.tenant)
            return og_cli_usage("artifact", "artifact search needs --tenant");
        if (npos != 1)
            return og_cli_usage("artifact", "artifact search takes one QUERY (quote it)");
        if (o.limit) {
            char *end = NULL;
            long l = strtol(o.limit, &end, 10);
            if (!*o.limit || *end || l < 1 || l > 100)
                return og_cli_usage("artifact", "bad limit '%s' (1 to 100)", o.limit);
            limit = (int)l;
        }
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        if ((error = og_artifact_search(&cli->ctx, o.tenant, pos[0], limit, &j)) < 0)
            return og_cli_fail(error);
        if (o.json) {
            og_cli_print_json(j);
            return OG_EXIT_OK;
        }
        json_array_foreach(j, i, x) printf(
            "%s/%s (%s, %s, v%lld)\n    %s\n", json_string_value(json_object_get(x, "project")),
            json_string_value(json_object_get(x, "name")),
            json_string_value(json_object_get(x, "kind")),
            json_string_value(json_object_get(x, "state")),
            (long long)json_integer_value(json_object_get(x, "version")),
            json_string_value(json_object_get(x, "snippet")));
        if (json_array_size(j) == 0)
            fprintf(stderr, "opsgate: no artifact matches '%s'\n", pos[0]);
        json_decref(j);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0) {
        if (!o.tenant)
            return og_cli_usage("artifact", "artifact list needs --tenant");
        if (npos)
            return og_cli_usage("artifact", "unexpected argument '%s'", pos[0]);
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        if ((error = og_artifact_list(&cli->ctx, o.tenant, o.project, o.deleted, &j)) < 0)
            return og_cli_fail(error);
        if (o.json) {
            og_cli_print_json(j);
            return OG_EXIT_OK;
        }
        print_list(j);
        json_decref(j);
        return OG_EXIT_OK;
    }

    /* Everything below names one artifact. */
    static const char *const one[] = {"show",   "log",      "diff",  "restore",  "lock", "unlock",
                                      "delete", "undelete", "purge", "metadata", NULL};
    int known = 0;
    for (size_t i = 0; one[i]; i++)
        known |= strcmp(sub, one[i]) == 0;
    if (!known)
        return og_cli_usage("artifact", "unknown subcommand '%s'", sub);
    if ((error = need_ref(&o, sub)))
        return error;
    if (npos && strcmp(sub, "metadata") != 0)
        return og_cli_usage("artifact", "unexpected argument '%s'", pos[0]);

    if (strcmp(sub, "show") == 0 || strcmp(sub, "log") == 0) {
        int show = sub[0] == 's';
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        error = show ? og_artifact_show(&cli->ctx, &r, &j) : og_artifact_log(&cli->ctx, &r, &j);
        if (error < 0)
            return og_cli_fail(error);
        if (o.json) {
            og_cli_print_json(j);
            return OG_EXIT_OK;
        }
        if (show)
            print_show(j);
        else
            print_log(j);
        json_decref(j);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "diff") == 0) {
        int64_t from, to;
        og_buf b;
        if (!o.from || !o.to)
            return og_cli_usage("artifact", "artifact diff needs --from and --to");
        if ((error = parse_version(o.from, &from)) || (error = parse_version(o.to, &to)))
            return error;
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
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
    if (strcmp(sub, "restore") == 0) {
        int64_t version;
        og_artifact_version v;
        if (!o.version)
            return og_cli_usage("artifact", "artifact restore needs --version");
        if ((error = parse_version(o.version, &version)))
            return error;
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        if ((error = og_artifact_restore(&cli->ctx, &r, version, o.message, &v)) < 0)
            return og_cli_fail(error);
        if (o.json)
            og_cli_print_json(og_artifact_version_to_json(&v));
        else
            print_version(o.project, o.name, &v);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "lock") == 0) {
        int64_t ttl = 0;
        if (o.ttl && og_duration_parse(o.ttl, &ttl) < 0)
            return og_cli_usage("artifact", "%s", og_error_last());
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        if ((error = og_artifact_lock(&cli->ctx, &r, ttl, &j)) < 0)
            return og_cli_fail(error);
        if (o.json) {
            og_cli_print_json(j);
            return OG_EXIT_OK;
        }
        printf("%s/%s: locked by %s until %s\n", o.project, o.name,
               json_string_value(json_object_get(j, "owner")),
               json_string_value(json_object_get(j, "expires_at")));
        json_decref(j);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "undelete") == 0) {
        if ((error = og_cli_open(cli, o.tenant)))
            return error;
        if ((error = og_artifact_undelete(&cli->ctx, &r, &j)) < 0)
            return og_cli_fail(error);
        if (o.json)
            og_cli_print_json(j);
        else {
            printf("%s/%s: undeleted\n", o.project, o.name);
            json_decref(j);
        }
        return OG_EXIT_OK;
    }
    if ((error = og_cli_open(cli, o.tenant)))
        return error;
    if (strcmp(sub, "unlock") == 0)
        error = og_artifact_unlock(&cli->ctx, &r, o.force);
    else if (strcmp(sub, "delete") == 0)
        error = og_artifact_delete(&cli->ctx, &r);
    else if (strcmp(sub, "purge") == 0)
        error = og_artifact_purge(&cli->ctx, &r);
    else if (npos != 1)
        return og_cli_usage("artifact", "artifact metadata takes one JSON object");
    else
        error = og_artifact_metadata_set(&cli->ctx, &r, pos[0]);
    if (error < 0)
        return og_cli_fail(error);
    printf("%s/%s: %s\n", o.project, o.name,
           strcmp(sub, "unlock") == 0   ? (o.force ? "unlocked (forced)" : "unlocked")
           : strcmp(sub, "delete") == 0 ? "deleted (purge removes it for good)"
           : strcmp(sub, "purge") == 0  ? "purged"
                                        : "metadata set");
    return OG_EXIT_OK;
}

const og_command og_cmd_artifact = {
    .name = "artifact",
    .summary = "versioned project artifacts: put, get, diff, lock, "
               "lifecycle, search",
    .legacy_run = run,
    .legacy_help = help,
};
