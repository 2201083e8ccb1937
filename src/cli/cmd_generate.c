/* cmd_generate.c - `opsgate generate`: a SOW, change order, runbook or closure document from
 * project data, stored as a new artifact version. */
#include "cli/cli.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DATA_MAX ((size_t)16 << 20)
#define DOC_MAX  ((size_t)256 << 20)

static const char *const help =
    "usage: opsgate generate sow|change-order|runbook|closure --tenant T --project P\n"
    "                        [--data|--input FILE.json] [--format md|html|pdf]\n"
    "                        [--template NAME[@VERSION]] [-o FILE] [--dry-run] [--json]\n"
    "\n"
    "Builds the document from the project's data and stores it as a new version of the\n"
    "project's artifact <doc>.<format> (sow.md, runbook.pdf, change-order-CO-002.html, ...),\n"
    "together with the data snapshot it came from (<doc>.data.json, a new version only when the\n"
    "data changed). Output identical to the latest version adds no version (reported as\n"
    "unchanged). The version's message and the artifact's metadata carry the provenance:\n"
    "template name and version, the partials used, the SHA-256 of the data, the opsgate version.\n"
    "Generation is the gate action artifacts.generate (L0 by default) and is audited.\n"
    "\n"
    "  --data|--input FILE  project data as JSON (docs/project-data.md); default: the project's\n"
    "                  stored data, artifact project.json. (After the command name --data is\n"
    "                  this file; the data folder's --data goes before it.) Amounts and hours are "
    "strings (\"145.00\", \"7.5\") or integers;\n"
    "                  JSON reals are refused so that money stays exact.\n"
    "  --format F      md (default), html or pdf\n"
    "  --template REF  a tenant template (opsgate template list), NAME or NAME@VERSION;\n"
    "                  default: the tenant's override of the kind's template, else the built-in\n"
    "  -o FILE         also write the document to FILE (default: stdout, unless --json)\n"
    "  --dry-run       render only: nothing is stored (it previews a write: it needs the\n"
    "                  write right on the project all the same)\n"
    "  --json          print the provenance (artifact, version, template, data_sha256) as JSON\n"
    "\n"
    "A change order compares the data with the data snapshot of the SOW version named by\n"
    "change.baseline in the data (\"sow.md@1\") and shows added, removed and changed tasks, the\n"
    "cost and schedule impact and the revised contract sum.\n"
    "Markdown and HTML are byte-identical when data and template are unchanged (dates come from\n"
    "the data, never from the clock).\n"
    "Bad data names the field (\"phases[1].tasks[0].rate: missing\"); nothing is stored then.\n";

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

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},
        {"project", required_argument, NULL, 'p'},
        {"input", required_argument, NULL, 'i'},
        {"data", required_argument, NULL, 'i'}, /* the spelling; same as --input */
        {"format", required_argument, NULL, 'f'},
        {"template", required_argument, NULL, 'T'},
        {"output", required_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int c, error, json = 0, dry = 0, rc = OG_EXIT_FAIL;
    const char *tenant = NULL, *project = NULL, *input = NULL, *format = "md", *tmpl = NULL,
               *outfile = NULL;
    og_docgen_request req;
    json_t *data = NULL, *prov = NULL;
    char *text = NULL;
    size_t len = 0;
    og_buf out;

    memset(&req, 0, sizeof(req));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            project = optarg;
            break;
        case 'i':
            input = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'T':
            tmpl = optarg;
            break;
        case 'o':
            outfile = optarg;
            break;
        case 'n':
            dry = 1;
            break;
        case 'j':
            json = 1;
            break;
        default:
            return og_cli_badopt("generate", argv);
        }
    }
    if (optind >= argc)
        return og_cli_usage("generate", "missing document kind (sow, change-order, runbook, "
                                        "closure)");
    if (og_doc_kind_parse(argv[optind], &req.kind) < 0)
        return og_cli_usage("generate", "%s", og_error_last());
    if (optind + 1 < argc)
        return og_cli_usage("generate", "unexpected argument '%s'", argv[optind + 1]);
    if (!tenant)
        return og_cli_usage("generate", "generate needs --tenant");
    if (!project)
        return og_cli_usage("generate", "generate needs --project");
    if (og_doc_format_parse(format, &req.format) < 0)
        return og_cli_usage("generate", "%s", og_error_last());

    og_buf_init(&out, DOC_MAX);
    if (input) {
        if ((error = og_file_read(input, DATA_MAX, &text, &len)) < 0 ||
            (error = og_docgen_data_parse(&data, text, len, input)) < 0) {
            rc = og_cli_fail(error);
            goto cleanup;
        }
    }
    if ((rc = og_cli_open(cli, tenant)) != 0)
        goto cleanup;
    req.tenant = tenant;
    req.project = project;
    req.data = data;
    req.template_ref = tmpl;
    req.dry_run = dry;
    if ((error = og_docgen_generate_store(&cli->ctx, &req, &out, &prov)) < 0) {
        if (strcmp(og_error_detail(), OG_DOCGEN_DETAIL_NO_DATA) == 0) {
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            og_error_set(error, "%s: pass the data with --input FILE.json", msg);
        }
        rc = og_cli_fail(error);
        goto cleanup;
    }
    if (outfile) {
        if ((error = write_output(outfile, out.data ? out.data : "", out.len)) < 0) {
            og_error_wrap("writing %s", outfile);
            rc = og_cli_fail(error);
            goto cleanup;
        }
    }
    if (json) {
        og_cli_print_json(prov);
        prov = NULL;
    } else if (!outfile) {
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    }
    if (!json) {
        const char *art = json_string_value(json_object_get(prov, "artifact"));
        json_int_t v = json_integer_value(json_object_get(prov, "version"));
        if (dry)
            fprintf(stderr, "opsgate: rendered %s with %s (dry run, nothing stored)\n", art,
                    json_string_value(json_object_get(prov, "template")));
        else
            fprintf(stderr, "opsgate: %s %s version %lld (template %s, data sha256 %.12s)\n",
                    json_is_true(json_object_get(prov, "unchanged")) ? "unchanged:" : "stored", art,
                    (long long)v, json_string_value(json_object_get(prov, "template")),
                    json_string_value(json_object_get(prov, "data_sha256")));
    }
    rc = OG_EXIT_OK;
cleanup:
    json_decref(prov);
    json_decref(data);
    free(text);
    og_buf_free(&out);
    return rc;
}

const og_command og_cmd_generate = {
    .name = "generate",
    .summary = "generate a SOW, change order, runbook or closure document from project data",
    .legacy_run = run,
    .legacy_help = help,
};
