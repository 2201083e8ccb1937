/* cmd_template.c - `opsgate template`: tenant templates (artifacts of kind template) over the
 * built-ins, and `template check` for a template file. */
#include "cli/cli.h"
#include "cli/cmd_docgen.h"
#include "cli/table.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_MAX ((size_t)16 << 20)

static const char *const about =
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
    "order with --input also needs --baseline (the baseline SOW's data). --data is the global\n"
    "option (the data folder), wherever it stands: the data file is --input.\n"
    "\n"
    "put runs the same check (the template's NAME says what it is) and refuses a template with\n"
    "problems (exit 1, nothing stored); --force stores it and prints the problems as warnings.\n"
    "A template that does not parse is never stored. get without a version falls back to the\n"
    "built-in. With --json, list prints {\"templates\": [...]} and log {\"versions\": [...]}.\n";

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

/* The kind of document a template file is, from its name like a stored template's:
 * sow.mustache is the SOW, terms.mustache the terms partial, sow.check.md.mustache a SOW too. */
static void name_of_file(const char *file, char *name, size_t size)
{
    const char *b = strrchr(file, '/');
    og_strlcpy(name, b ? b + 1 : file, size);
    name[strcspn(name, ".")] = '\0';
}

/* Render the parsed template src against the data (or the sample) and print the problems. */
static int check_source(const char *file, const char *src, size_t len, const og_cli_args *a)
{
    json_t *data = NULL, *base = NULL, *problems = NULL;
    og_docgen_check_opts o;
    char name[128];
    int error, rc = OG_EXIT_FAIL;
    name_of_file(file, name, sizeof(name));
    if ((error = read_data(og_cli_get(a, "input"), og_cli_get(a, "baseline"), &data, &base)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    memset(&o, 0, sizeof(o));
    o.kind = og_cli_get(a, "kind");
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
    json_decref(data);
    json_decref(base);
    json_decref(problems);
    return rc;
}

static int check(og_cli *cli, const og_cli_args *a)
{
    const char *file = a->pos[0], *kind_s = og_cli_get(a, "kind");
    char *src = NULL;
    size_t len = 0;
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    og_doc_kind kind;
    int error, rc = OG_EXIT_FAIL;
    (void)cli;
    if (kind_s && og_doc_kind_parse(kind_s, &kind) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = og_file_read(file, OG_TMPL_MAX_SOURCE, &src, &len)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if ((error = og_tmpl_parse_named(&t, file, src, len, &terr)) < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", file, terr.line, terr.column, terr.message);
        goto cleanup;
    }
    rc = check_source(file, src, len, a);
cleanup:
    og_tmpl_free(t);
    free(src);
    return rc;
}

/* Store the template; on refusal print its problems, with --force print them as warnings. */
static int put_source(og_cli *cli, const og_cli_args *a, const char *src, size_t len,
                      const og_docgen_put_opts *o)
{
    const char *tenant = og_cli_get(a, "tenant"), *name = a->pos[0], *file = a->pos[1];
    json_t *problems = NULL;
    int64_t v = 0;
    int error, rc = OG_EXIT_FAIL;
    error = og_docgen_template_put(&cli->ctx, tenant, name, src, len, o, &v, &problems);
    if (error < 0) {
        if (json_array_size(problems)) {
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            print_problems(problems, name, file, "error");
            og_error_set(error, "%s (store it anyway with --force)", msg);
        }
        rc = og_cli_fail(error);
        goto cleanup;
    }
    print_problems(problems, name, file, "warning");
    if (json_array_size(problems))
        fprintf(stderr, "opsgate: stored with --force: generate fails on this template until the "
                        "data provides these names\n");
    printf("%s@%lld\n", name, (long long)v);
    rc = OG_EXIT_OK;
cleanup:
    json_decref(problems);
    return rc;
}

static int put(og_cli *cli, const og_cli_args *a)
{
    const char *kind_s = og_cli_get(a, "kind");
    char *src = NULL;
    size_t len = 0;
    int error, rc = OG_EXIT_FAIL;
    json_t *data = NULL, *base = NULL;
    og_docgen_put_opts o;
    og_doc_kind kind;
    if (kind_s && og_doc_kind_parse(kind_s, &kind) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = og_file_read(a->pos[1], OG_TMPL_MAX_SOURCE, &src, &len)) < 0 ||
        (error = read_data(og_cli_get(a, "input"), og_cli_get(a, "baseline"), &data, &base)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if ((rc = og_cli_open(cli, og_cli_get(a, "tenant"))) != 0)
        goto cleanup;
    memset(&o, 0, sizeof(o));
    o.message = og_cli_get(a, "message");
    o.force = og_cli_has(a, "force");
    o.check.kind = kind_s;
    o.check.data = data;
    o.check.baseline = base;
    rc = put_source(cli, a, src, len, &o);
cleanup:
    json_decref(data);
    json_decref(base);
    free(src);
    return rc;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"NAME", "TYPE", "SOURCE", "LATEST", NULL};
    static const char *const fields[] = {"name", "type", "source", "latest", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *list = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_docgen_template_list(&cli->ctx, tenant, &list)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "templates", list, head, fields);
    return OG_EXIT_OK;
}

static int get(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *outfile = og_cli_get(a, "output");
    char name[OG_DOCGEN_REF_MAX], ref[OG_DOCGEN_REF_MAX], *at, *end;
    long long v = 0;
    int error;
    og_buf b;
    og_strlcpy(name, a->pos[0], sizeof(name));
    if ((at = strrchr(name, '@'))) {
        *at = '\0';
        v = strtoll(at + 1, &end, 10);
        if (*end || v < 1)
            return og_cli_bad(a, "bad version in '%s' (NAME@N)", a->pos[0]);
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    og_buf_init(&b, OG_TMPL_MAX_SOURCE);
    if ((error = og_docgen_template_get(&cli->ctx, tenant, name, v, &b, ref)) < 0) {
        og_buf_free(&b);
        return og_cli_fail(error);
    }
    if (outfile)
        error = og_cli_doc_write(outfile, b.data ? b.data : "", b.len);
    else
        fwrite(b.data ? b.data : "", 1, b.len, stdout);
    og_buf_free(&b);
    if (error < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: %s\n", ref);
    return OG_EXIT_OK;
}

static int versions(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"VERSION", "CREATED", "AUTHOR", "MESSAGE", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *log = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_docgen_template_log(&cli->ctx, tenant, a->pos[0], &log)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("versions", log);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(log, i, x)
    {
        char ver[300];
        snprintf(ver, sizeof(ver), "%s@%lld", a->pos[0],
                 (long long)json_integer_value(json_object_get(x, "version")));
        og_cli_table_add(t,
                         (const char *[]){ver, json_string_value(json_object_get(x, "created_at")),
                                          json_string_value(json_object_get(x, "author")),
                                          json_string_value(json_object_get(x, "message"))});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(log);
    return OG_EXIT_OK;
}

static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};
static const og_cli_opt put_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"message", "MSG", "the version's message", 0, 'm'},
    {"force", NULL, "store it despite problems (printed as warnings)", 0, 0},
    {"input", "DATA.json", "check against this project data (default: sample)", 0, 0},
    {"baseline", "FILE", "a change order's baseline SOW data (with --input)", 0, 0},
    {"kind", "KIND", "the document kind (default: from NAME)", 0, 0},
    {0},
};
static const og_cli_opt get_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"output", "FILE", "write the template to FILE (default: stdout)", 0, 'o'},
    {0},
};
static const og_cli_opt check_opts[] = {
    {"input", "DATA.json", "check against this project data (default: sample)", 0, 0},
    {"baseline", "FILE", "a change order's baseline SOW data (with --input)", 0, 0},
    {"kind", "KIND", "the document kind (default: from the file name)", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"list", NULL, 0, 0, tenant_opts, "the tenant's templates and the built-ins", list},
    {"put", "NAME FILE", 2, 2, put_opts, "check and store a new version of a template", put},
    {"get", "NAME[@VERSION]", 1, 1, get_opts, "print a template (the built-in if none)", get},
    {"log", "NAME", 1, 1, tenant_opts, "the versions of a tenant template", versions},
    {"check", "FILE", 1, 1, check_opts, "check a template file as generate would", check},
    {0},
};

const og_command og_cmd_template = {
    .name = "template",
    .summary = "tenant document templates over the built-ins; check a template file",
    .about = about,
    .subs = subs,
};
