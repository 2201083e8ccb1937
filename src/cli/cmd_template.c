/* cmd_template.c - `opsgate template`: tenant templates (artifacts of kind template) over the
 * built-ins, and `template check` for a template file. */
#include "cli/cli.h"
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
    "       opsgate template put --tenant T NAME FILE [-m MESSAGE]\n"
    "       opsgate template get --tenant T NAME[@VERSION] [-o FILE]\n"
    "       opsgate template log --tenant T NAME [--json]\n"
    "       opsgate template check FILE [--data|--input DATA.json] [--kind KIND] [--baseline FILE]\n"
    "\n"
    "Templates are Mustache (docs/templates.md). Built-in document templates: sow,\n"
    "change-order, runbook, closure; built-in partials: header, terms, assumptions, signoff\n"
    "(used as {{> terms}}). A tenant overrides any of them, one at a time, by putting a template\n"
    "of the same name; `generate` then uses the tenant's latest version and the built-ins for\n"
    "the rest. Other names make custom templates, chosen with `generate --template NAME@N`.\n"
    "Tenant templates are versioned artifacts of kind template in the tenant's project\n"
    "opsgate-templates (created on the first put), with history, diff and audit.\n"
    "\n"
    "put refuses a template that does not parse (line and column named). get without a\n"
    "version falls back to the built-in.\n"
    "\n"
    "check parses FILE and reports errors as FILE:LINE:COLUMN: message (exit 1). With --input\n"
    "it renders the template against the data and warns of every name the data does not\n"
    "provide. With --kind (or a file named after a kind, e.g. sow.mustache) the data is first\n"
    "turned into that kind's view model, which is what `generate` renders; a change order also\n"
    "needs --baseline (the baseline SOW's data). Built-in partials are available.\n";

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

typedef struct missing_ctx {
    const char *file;
    int n;
} missing_ctx;

/* Called once per distinct position of a name the data does not provide. */
static void on_missing(void *ud, const og_tmpl_missing *m)
{
    missing_ctx *w = ud;
    w->n++;
    fprintf(stderr, "%s:%d:%d: warning: '%s' is not provided by the data\n",
            m->source && *m->source ? m->source : w->file, m->line, m->column, m->name);
}

static int cmd_check(int npos, char **pos, const char *input, const char *kind_s,
                     const char *baseline_f)
{
    int error, rc = OG_EXIT_FAIL, warnings = 0;
    char *src = NULL, *text = NULL;
    size_t len = 0, tlen = 0;
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    json_t *data = NULL, *base = NULL, *model = NULL;
    og_doc_kind kind;
    int have_kind = 0;
    og_tmpl_opts o;

    if (npos != 1)
        return og_cli_usage("template", "template check takes one FILE");
    const char *file = pos[0];
    if (kind_s) {
        if (og_doc_kind_parse(kind_s, &kind) < 0)
            return og_cli_usage("template", "%s", og_error_last());
        have_kind = 1;
    } else {
        /* infer the kind from a file named like a built-in: sow.mustache, closure.md.mustache */
        const char *b = strrchr(file, '/');
        b = b ? b + 1 : file;
        for (int k = 0; k <= OG_DOC_CLOSURE && !have_kind; k++) {
            const char *n = og_doc_kind_name((og_doc_kind)k);
            size_t nl = strlen(n);
            if (strncmp(b, n, nl) == 0 && b[nl] == '.') {
                kind = (og_doc_kind)k;
                have_kind = 1;
            }
        }
    }
    if ((error = og_file_read(file, OG_TMPL_MAX_SOURCE, &src, &len)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if ((error = og_tmpl_parse_named(&t, file, src, len, &terr)) < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", file, terr.line, terr.column, terr.message);
        goto cleanup;
    }
    if (input) {
        if ((error = og_file_read(input, DATA_MAX, &text, &tlen)) < 0 ||
            (error = og_docgen_data_parse(&data, text, tlen, input)) < 0) {
            rc = og_cli_fail(error);
            goto cleanup;
        }
        if (baseline_f) {
            free(text);
            text = NULL;
            if ((error = og_file_read(baseline_f, DATA_MAX, &text, &tlen)) < 0 ||
                (error = og_docgen_data_parse(&base, text, tlen, baseline_f)) < 0) {
                rc = og_cli_fail(error);
                goto cleanup;
            }
        }
        if (have_kind) {
            if ((error = og_docgen_model(&model, kind, data, base)) < 0) {
                rc = og_cli_fail(error);
                goto cleanup;
            }
        }
        memset(&o, 0, sizeof(o));
        o.escape = OG_TMPL_ESCAPE_NONE;
        o.partial = og_docgen_builtin_partial;
        missing_ctx w = {file, 0};
        error = og_tmpl_check(t, model ? model : data, &o, on_missing, &w, &terr);
        warnings = w.n;
        if (error < 0) {
            fprintf(stderr, "%s:%d:%d: %s\n", terr.source[0] ? terr.source : file, terr.line,
                    terr.column, terr.message);
            goto cleanup;
        }
    }
    rc = OG_EXIT_OK;
    if (!warnings)
        printf("%s: ok\n", file);
    else
        printf("%s: %d warning%s\n", file, warnings, warnings == 1 ? "" : "s");
cleanup:
    og_tmpl_free(t);
    json_decref(data);
    json_decref(base);
    json_decref(model);
    free(src);
    free(text);
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
    printf("%-24s %-9s %-8s %s\n", "NAME", "TYPE", "SOURCE", "LATEST");
    json_array_foreach(list, i, x)
    {
        json_t *l = json_object_get(x, "latest");
        char latest[32] = "-";
        if (json_is_integer(l))
            snprintf(latest, sizeof(latest), "%lld", (long long)json_integer_value(l));
        printf("%-24s %-9s %-8s %s\n", json_string_value(json_object_get(x, "name")),
               json_string_value(json_object_get(x, "type")),
               json_string_value(json_object_get(x, "source")), latest);
    }
    json_decref(list);
    return OG_EXIT_OK;
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},   {"json", no_argument, NULL, 'j'},
        {"message", required_argument, NULL, 'm'},  {"output", required_argument, NULL, 'o'},
        {"input", required_argument, NULL, 'i'},    {"kind", required_argument, NULL, 'k'},
        {"data", required_argument, NULL, 'i'},
        {"baseline", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0},
    };
    int c, error, json = 0;
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
    if (strcmp(sub, "put") == 0) {
        char *src = NULL;
        size_t len = 0;
        int64_t v = 0;
        if (npos != 2)
            return og_cli_usage("template", "template put takes NAME and FILE");
        if ((error = og_file_read(pos[1], OG_TMPL_MAX_SOURCE, &src, &len)) < 0)
            return og_cli_fail(error);
        if ((error = og_cli_open(cli, tenant))) {
            free(src);
            return error;
        }
        error = og_docgen_template_put(&cli->ctx, tenant, pos[0], src, len, message, &v);
        free(src);
        if (error < 0)
            return og_cli_fail(error);
        printf("%s@%lld\n", pos[0], (long long)v);
        return OG_EXIT_OK;
    }
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
        json_array_foreach(log, i, x)
        {
            const char *m = json_string_value(json_object_get(x, "message"));
            printf("%s@%lld  %s  %s  %s\n", pos[0],
                   (long long)json_integer_value(json_object_get(x, "number")),
                   json_string_value(json_object_get(x, "created_at")),
                   json_string_value(json_object_get(x, "author")), m ? m : "");
        }
        json_decref(log);
        return OG_EXIT_OK;
    }
}

const og_command og_cmd_template = {
    .name = "template",
    .run = run,
    .summary = "tenant document templates over the built-ins; check a template file",
    .help = help,
};
