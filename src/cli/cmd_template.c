/* cmd_template.c - `opsgate template`: tenant templates (artifacts of kind template) over the
 * built-ins, and `template check` for a template file. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DATA_MAX ((size_t)16 << 20)

static const char *const help =
    "usage: opsgate template list --tenant T [--json]\n"
    "       opsgate template put --tenant T NAME FILE [-m MESSAGE] [--force]\n"
    "                            [--data|--input DATA.json [--baseline FILE]] [--kind KIND]\n"
    "       opsgate template get --tenant T NAME[@VERSION] [-o FILE]\n"
    "       opsgate template log --tenant T NAME [--json]\n"
    "       opsgate template check FILE [--data|--input DATA.json [--baseline FILE]] [--kind "
    "KIND]\n"
    "\n"
    "Templates are Mustache (docs/templates.md). Built-in document templates: sow,\n"
    "change-order, runbook, closure; built-in partials: header, terms, assumptions, signoff\n"
    "(used as {{> terms}}). A tenant overrides any of them, one at a time, by putting a template\n"
    "of the same name; `generate` then uses the tenant's latest version and the built-ins for\n"
    "the rest. Other names make custom templates, chosen with `generate --template NAME@N`.\n"
    "Tenant templates are versioned artifacts of kind template in the tenant's project\n"
    "opsgate-templates (created on the first put), with history, diff and audit.\n"
    "\n"
    "generate renders strictly: a {{name}} the data does not have is an error naming the\n"
    "template, line and name, unless the template lists it in {{! optional: name, other }}\n"
    "(sections {{#name}}...{{/name}} over a missing name are fine: they render nothing).\n"
    "\n"
    "check parses FILE (errors as FILE:LINE:COLUMN: message, exit 1) and renders it against\n"
    "the sample project shipped with opsgate, or the data given with --input, as `generate`\n"
    "would: every name the data does not provide is reported as FILE:LINE:COLUMN: error (exit\n"
    "1). A document template is checked against its kind's view model (--kind, else the kind in\n"
    "the file name, e.g. sow.mustache); a built-in partial's name (terms.mustache) inside each\n"
    "kind's document; any other template against every kind, reporting the closest. A change\n"
    "order with --input also needs --baseline (the baseline SOW's data).\n"
    "\n"
    "put runs the same check (the template's NAME says what it is) and refuses a template with\n"
    "problems (exit 1, nothing stored); --force stores it and prints the problems as warnings.\n"
    "A template that does not parse is never stored. get without a version falls back to the\n"
    "built-in.\n";

/* Write an output file. Regular files (and new ones) are replaced atomically; anything else that
 * exists - /dev/stdout, a FIFO, /dev/null - is written in place: an atomic rename would replace
 * the device node with a regular file. "-" is stdout. */
static int write_output(const char *path, const void *data, size_t len)
{
    struct stat st;
    FILE *f;
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
        if (!f)
            return og_error_set(OG_ERROR, "cannot open %s: %s", path, strerror(errno));
        size_t n = fwrite(data, 1, len, f);
        int bad = n != len || fflush(f) != 0;
        if (f != stdout)
            bad |= fclose(f) != 0;
        if (bad)
            return og_error_set(OG_ERROR, "cannot write %s: %s", path, strerror(errno));
        return 0;
    }
    return og_file_write_atomic(path, data, len, 0644);
}

/* Print each problem as FILE:LINE:COLUMN: <severity>: message; returns how many. `file` stands
 * for the template itself (problems in other partials keep their name). */
static size_t print_problems(const json_t *problems, const char *self, const char *file,
                             const char *severity)
{
    const json_t *p;
    size_t i;
    json_array_foreach(problems, i, p)
    {
        const char *src = json_string_value(json_object_get(p, "source"));
        const char *msg = json_string_value(json_object_get(p, "message"));
        const char *rest = msg ? strchr(msg, ' ') : NULL; /* after "source:line:col:" */
        fprintf(stderr, "%s:%lld:%lld: %s: %s\n", src && strcmp(src, self) != 0 ? src : file,
                (long long)json_integer_value(json_object_get(p, "line")),
                (long long)json_integer_value(json_object_get(p, "column")), severity,
                rest ? rest + 1 : "");
    }
    return json_array_size(problems);
}

/* Read project data (and a change order's baseline) given on the command line. */
static int read_data(const char *input, const char *baseline_f, json_t **data, json_t **base)
{
    char *text = NULL;
    size_t tlen = 0;
    int error = 0;
    *data = *base = NULL;
    if (!input)
        return 0;
    if ((error = og_file_read(input, DATA_MAX, &text, &tlen)) < 0 ||
        (error = og_docgen_data_parse(data, text, tlen, input)) < 0)
        goto cleanup;
    if (baseline_f) {
        free(text);
        text = NULL;
        if ((error = og_file_read(baseline_f, DATA_MAX, &text, &tlen)) < 0 ||
            (error = og_docgen_data_parse(base, text, tlen, baseline_f)) < 0)
            goto cleanup;
    }
cleanup:
    free(text);
    return error;
}

static int cmd_check(int npos, char **pos, const char *input, const char *kind_s,
                     const char *baseline_f)
{
    int error, rc = OG_EXIT_FAIL;
    char *src = NULL;
    size_t len = 0;
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    json_t *data = NULL, *base = NULL, *problems = NULL;
    og_doc_kind kind;
    og_docgen_check_opts o;
    char name[128];

    if (npos != 1)
        return og_cli_usage("template", "template check takes one FILE");
    const char *file = pos[0];
    if (kind_s && og_doc_kind_parse(kind_s, &kind) < 0)
        return og_cli_usage("template", "%s", og_error_last());
    /* what the file is comes from its name, like a stored template's: sow.mustache is the SOW,
     * terms.mustache the terms partial, sow.check.md.mustache a SOW too */
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    og_strlcpy(name, b, sizeof(name));
    name[strcspn(name, ".")] = '\0';
    if ((error = og_file_read(file, OG_TMPL_MAX_SOURCE, &src, &len)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if ((error = og_tmpl_parse_named(&t, file, src, len, &terr)) < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", file, terr.line, terr.column, terr.message);
        goto cleanup;
    }
    if ((error = read_data(input, baseline_f, &data, &base)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    memset(&o, 0, sizeof(o));
    o.kind = kind_s;
    o.data = data;
    o.baseline = base;
    if ((error = og_docgen_template_check(NULL, NULL, name, src, len, &o, &problems)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    size_t n = print_problems(problems, name, file, "error");
    if (n) {
        printf("%s: %zu problem%s (generate would fail)\n", file, n, n == 1 ? "" : "s");
        goto cleanup;
    }
    printf("%s: ok\n", file);
    rc = OG_EXIT_OK;
cleanup:
    og_tmpl_free(t);
    json_decref(data);
    json_decref(base);
    json_decref(problems);
    free(src);
    return rc;
}

static int cmd_put(og_cli *cli, const char *tenant, int npos, char **pos, const char *message,
                   int force, const char *input, const char *kind_s, const char *baseline_f)
{
    char *src = NULL;
    size_t len = 0;
    int64_t v = 0;
    int error, rc = OG_EXIT_FAIL;
    json_t *data = NULL, *base = NULL, *problems = NULL;
    og_docgen_put_opts o;
    og_doc_kind kind;
    if (npos != 2)
        return og_cli_usage("template", "template put takes NAME and FILE");
    if (kind_s && og_doc_kind_parse(kind_s, &kind) < 0)
        return og_cli_usage("template", "%s", og_error_last());
    if ((error = og_file_read(pos[1], OG_TMPL_MAX_SOURCE, &src, &len)) < 0 ||
        (error = read_data(input, baseline_f, &data, &base)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if ((rc = og_cli_open(cli, tenant)) != 0)
        goto cleanup;
    rc = OG_EXIT_FAIL;
    memset(&o, 0, sizeof(o));
    o.message = message;
    o.force = force;
    o.check.kind = kind_s;
    o.check.data = data;
    o.check.baseline = base;
    error = og_docgen_template_put(&cli->ctx, tenant, pos[0], src, len, &o, &v, &problems);
    if (error < 0) {
        if (json_array_size(problems)) {
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            print_problems(problems, pos[0], pos[1], "error");
            og_error_set(error, "%s (store it anyway with --force)", msg);
        }
        rc = og_cli_fail(error);
        goto cleanup;
    }
    print_problems(problems, pos[0], pos[1], "warning");
    if (json_array_size(problems))
        fprintf(stderr, "opsgate: stored with --force: generate fails on this template until the "
                        "data provides these names\n");
    printf("%s@%lld\n", pos[0], (long long)v);
    rc = OG_EXIT_OK;
cleanup:
    json_decref(problems);
    json_decref(data);
    json_decref(base);
    free(src);
    return rc;
}

static int cmd_list(og_cli *cli, const char *tenant, int json)
{
    int error;
    json_t *list = NULL, *x;
    size_t i;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_docgen_template_list(&cli->ctx, tenant, &list)) < 0)
        return og_cli_fail(error);
    if (json) {
        og_cli_print_json(list);
        return OG_EXIT_OK;
    }
    static const char *const head[] = {"NAME", "TYPE", "SOURCE", "LATEST", NULL};
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(list, i, x)
    {
        json_t *l = json_object_get(x, "latest");
        char latest[32] = "-";
        if (json_is_integer(l))
            snprintf(latest, sizeof(latest), "%lld", (long long)json_integer_value(l));
        og_cli_table_add(t,
                         (const char *[]){json_string_value(json_object_get(x, "name")),
                                          json_string_value(json_object_get(x, "type")),
                                          json_string_value(json_object_get(x, "source")), latest});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(list);
    return OG_EXIT_OK;
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},   {"json", no_argument, NULL, 'j'},
        {"message", required_argument, NULL, 'm'},  {"output", required_argument, NULL, 'o'},
        {"input", required_argument, NULL, 'i'},    {"kind", required_argument, NULL, 'k'},
        {"data", required_argument, NULL, 'i'},     {"force", no_argument, NULL, 'F'},
        {"baseline", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0},
    };
    int c, error, json = 0, force = 0;
    const char *tenant = NULL, *message = NULL, *outfile = NULL, *input = NULL, *kind = NULL,
               *baseline = NULL;
    if (argc < 2)
        return og_cli_usage("template", "missing subcommand (list, put, get, log, check)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "m:o:", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'm':
            message = optarg;
            break;
        case 'o':
            outfile = optarg;
            break;
        case 'i':
            input = optarg;
            break;
        case 'k':
            kind = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 'F':
            force = 1;
            break;
        default:
            return og_cli_badopt("template", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    if (strcmp(sub, "check") == 0)
        return cmd_check(npos, pos, input, kind, baseline);
    if (strcmp(sub, "list") != 0 && strcmp(sub, "put") != 0 && strcmp(sub, "get") != 0 &&
        strcmp(sub, "log") != 0)
        return og_cli_usage("template", "unknown subcommand '%s' (list, put, get, log, check)",
                            sub);
    if (!tenant)
        return og_cli_usage("template", "template %s needs --tenant", sub);
    if (strcmp(sub, "list") == 0) {
        if (npos)
            return og_cli_usage("template", "unexpected argument '%s'", pos[0]);
        return cmd_list(cli, tenant, json);
    }
    if (strcmp(sub, "put") == 0)
        return cmd_put(cli, tenant, npos, pos, message, force, input, kind, baseline);
    if (strcmp(sub, "get") == 0) {
        char name[OG_DOCGEN_REF_MAX], ref[OG_DOCGEN_REF_MAX], *at, *end;
        long long v = 0;
        og_buf b;
        if (npos != 1)
            return og_cli_usage("template", "template get takes NAME[@VERSION]");
        og_strlcpy(name, pos[0], sizeof(name));
        if ((at = strrchr(name, '@'))) {
            *at = '\0';
            v = strtoll(at + 1, &end, 10);
            if (*end || v < 1)
                return og_cli_usage("template", "bad version in '%s' (NAME@N)", pos[0]);
        }
        if ((error = og_cli_open(cli, tenant)))
            return error;
        og_buf_init(&b, OG_TMPL_MAX_SOURCE);
        if ((error = og_docgen_template_get(&cli->ctx, tenant, name, v, &b, ref)) < 0) {
            og_buf_free(&b);
            return og_cli_fail(error);
        }
        if (outfile)
            error = write_output(outfile, b.data ? b.data : "", b.len);
        else
            fwrite(b.data ? b.data : "", 1, b.len, stdout);
        og_buf_free(&b);
        if (error < 0)
            return og_cli_fail(error);
        fprintf(stderr, "opsgate: %s\n", ref);
        return OG_EXIT_OK;
    }
    /* log */
    {
        json_t *log = NULL, *x;
        size_t i;
        if (npos != 1)
            return og_cli_usage("template", "template log takes NAME");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_docgen_template_log(&cli->ctx, tenant, pos[0], &log)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(log);
            return OG_EXIT_OK;
        }
        static const char *const head[] = {"VERSION", "CREATED", "AUTHOR", "MESSAGE", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(log, i, x)
        {
            char ver[300];
            snprintf(ver, sizeof(ver), "%s@%lld", pos[0],
                     (long long)json_integer_value(json_object_get(x, "version")));
            og_cli_table_add(
                t, (const char *[]){ver, json_string_value(json_object_get(x, "created_at")),
                                    json_string_value(json_object_get(x, "author")),
                                    json_string_value(json_object_get(x, "message"))});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(log);
        return OG_EXIT_OK;
    }
}

const og_command og_cmd_template = {
    .name = "template",
    .summary = "tenant document templates over the built-ins; check a template file",
    .legacy_run = run,
    .legacy_help = help,
};
