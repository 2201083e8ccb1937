/* cmd_generate.c - `opsgate generate`: a SOW, change order, runbook or closure document from
 * project data, stored as a new artifact version. */
#include "cli/cli.h"
#include "cli/cmd_docgen.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DATA_MAX ((size_t)16 << 20)
#define DOC_MAX  ((size_t)256 << 20)

static const char *const about =
    "Builds the document from the project's data and stores it as a new version of the\n"
    "project's artifact <doc>.<format> (sow.md, runbook.pdf, closure.docx,\n"
    "change-order-CO-002.html, ...), together with the data snapshot it came from\n"
    "(<doc>.data.json, a new version only when the data changed). Output identical to the\n"
    "latest version adds no version (reported as unchanged). The version's message and the\n"
    "artifact's metadata carry the provenance: template name and version, the partials used,\n"
    "the SHA-256 of the data, the opsgate version.\n"
    "Generation is the gate action artifacts.generate (L0 by default) and is audited.\n"
    "\n"
    "The project data (--input, docs/project-data.md) defaults to the project's stored data,\n"
    "artifact project.json. Amounts and hours are strings (\"145.00\", \"7.5\") or integers;\n"
    "JSON reals are refused so that money stays exact. --data is the global option (the data\n"
    "folder), wherever it stands. --template takes a tenant template (opsgate template list),\n"
    "NAME or NAME@VERSION; default: the tenant's override of the kind's template, else the\n"
    "built-in. The document goes to stdout unless -o FILE or --json; --dry-run renders only\n"
    "and stores nothing (it previews a write: it needs the write right on the project all the\n"
    "same). --json prints the provenance (artifact, version, template, data_sha256), as\n"
    "POST /api/v1/projects/{key}/generate returns it.\n"
    "\n"
    "A change order compares the data with the data snapshot of the SOW version named by\n"
    "change.baseline in the data (\"sow.md@1\") and shows added, removed and changed tasks, the\n"
    "cost and schedule impact and the revised contract sum.\n"
    "Markdown, HTML and DOCX are byte-identical when data and template are unchanged (dates come\n"
    "from the data, never from the clock). DOCX (Office Open XML, for clients who edit) has\n"
    "heading styles, tables with right-aligned money, a running header and page numbers.\n"
    "Bad data names the field (\"phases[1].tasks[0].rate: missing\"); nothing is stored then.\n";

int og_cli_doc_write(const char *path, const void *data, size_t len)
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

/* Read the project data file, if one is given. */
static int read_input(const char *input, json_t **data)
{
    char *text = NULL;
    size_t len = 0;
    int error = 0;
    *data = NULL;
    if (input && ((error = og_file_read(input, DATA_MAX, &text, &len)) < 0 ||
                  (error = og_docgen_data_parse(data, text, len, input)) < 0))
        error = og_cli_fail(error);
    free(text);
    return error ? OG_EXIT_FAIL : 0;
}

/* Write the document where it goes and say what was stored (on stderr, without --json). */
static int report(og_cli *cli, const og_cli_args *a, const og_buf *out, json_t *prov)
{
    const char *outfile = og_cli_get(a, "output"), *doc = out->data ? out->data : "";
    const char *art = json_string_value(json_object_get(prov, "artifact"));
    const char *tmpl = json_string_value(json_object_get(prov, "template"));
    int error;
    if (outfile && (error = og_cli_doc_write(outfile, doc, out->len)) < 0) {
        og_error_wrap("writing %s", outfile);
        return og_cli_fail(error);
    }
    if (cli->json) {
        og_cli_print_json(json_incref(prov));
        return OG_EXIT_OK;
    }
    if (!outfile)
        fwrite(doc, 1, out->len, stdout);
    if (og_cli_has(a, "dry-run"))
        fprintf(stderr, "opsgate: rendered %s with %s (dry run, nothing stored)\n", art, tmpl);
    else
        fprintf(stderr, "opsgate: %s %s version %lld (template %s, data sha256 %.12s)\n",
                json_is_true(json_object_get(prov, "unchanged")) ? "unchanged:" : "stored", art,
                (long long)json_integer_value(json_object_get(prov, "version")), tmpl,
                json_string_value(json_object_get(prov, "data_sha256")));
    return OG_EXIT_OK;
}

static int generate(og_cli *cli, const og_cli_args *a)
{
    const char *format = og_cli_get(a, "format");
    og_docgen_request req;
    json_t *data = NULL, *prov = NULL;
    int error, rc;
    og_buf out;
    memset(&req, 0, sizeof(req));
    if (og_doc_kind_parse(a->pos[0], &req.kind) < 0 ||
        og_doc_format_parse(format ? format : "md", &req.format) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((rc = read_input(og_cli_get(a, "input"), &data)))
        return rc;
    og_buf_init(&out, DOC_MAX);
    if ((rc = og_cli_open(cli, og_cli_get(a, "tenant"))) != 0)
        goto cleanup;
    req.tenant = og_cli_get(a, "tenant");
    req.project = og_cli_get(a, "project");
    req.data = data;
    req.template_ref = og_cli_get(a, "template");
    req.dry_run = og_cli_has(a, "dry-run");
    if ((error = og_docgen_generate_store(&cli->ctx, &req, &out, &prov)) < 0) {
        if (strcmp(og_error_detail(), OG_DOCGEN_DETAIL_NO_DATA) == 0) {
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            og_error_set(error, "%s: pass the data with --input FILE.json", msg);
        }
        rc = og_cli_fail(error);
        goto cleanup;
    }
    rc = report(cli, a, &out, prov);
cleanup:
    json_decref(prov);
    json_decref(data);
    og_buf_free(&out);
    return rc;
}

static const og_cli_opt opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"project", "P", "the project", OG_CLI_REQUIRED, 0},
    {"input", "FILE.json", "project data (default: the stored project.json)", 0, 0},
    {"format", "F", "md (default), html, pdf or docx", 0, 0},
    {"template", "NAME[@VERSION]", "a tenant template instead of the default", 0, 0},
    {"output", "FILE", "also write the document to FILE", 0, 'o'},
    {"dry-run", NULL, "render only: nothing is stored", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {NULL, "sow|change-order|runbook|closure", 1, 1, opts,
     "generate a document from project data and store it", generate},
    {0},
};

const og_command og_cmd_generate = {
    .name = "generate",
    .summary = "generate a SOW, change order, runbook or closure document from project data",
    .about = about,
    .subs = subs,
};
