/* docgen.h - project documents (SOW, change order, runbook, closure) generated from project data:
 * exact decimal money, view models, Markdown through the Mustache engine, HTML and PDF. */
#ifndef OPSGATE_DOCGEN_H
#define OPSGATE_DOCGEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/templates.h"
#include "opsgate/util.h"

/*
 * Layers, each usable on its own:
 *  1. decimal money (og_dec_*): no binary floating point anywhere near an amount;
 *  2. view models (og_docgen_model): validated project data -> the JSON a template renders;
 *  3. output (og_docgen_render, og_docgen_md_to_html, og_docgen_md_to_pdf);
 *  4. storage (og_docgen_template_*, og_docgen_generate_store): templates and generated documents
 *     as artifacts; the only part that touches the store (src/docgen/store*.c).
 * docs/project-data.md describes the project data format with a complete sample.
 */

/* ---- exact decimals ----
 * An og_dec is a fixed-point number with 4 fractional digits: 145.00 is 1450000, 7.5 is 75000.
 * Range +-922,337,203,685.4775. Every operation checks overflow (OG_EINVAL naming the operation).
 * Rounding is half-even ("banker's rounding") wherever a digit must go: in og_dec_mul's 8->4
 * digit product, and in og_dec_round to a currency's minor unit. Line amounts (hours x rate) are
 * rounded to the currency's minor unit, then summed, so totals equal the sum of the lines shown. */
typedef int64_t og_dec;
#define OG_DEC_SCALE   10000
#define OG_DEC_DIGITS  4
#define OG_DEC_STR_MAX 40 /* enough for any formatted og_dec with grouping and sign */

/* "145", "145.00", "-7.5", "+0.25": optional sign, 1..15 digits, optional '.' and 1..4 digits.
 * No exponents, no grouping, no spaces. OG_EINVAL naming s (and why) otherwise. */
int og_dec_parse(const char *s, og_dec *out);
int og_dec_add(og_dec a, og_dec b, og_dec *out);
int og_dec_sub(og_dec a, og_dec b, og_dec *out);
int og_dec_mul(og_dec a, og_dec b, og_dec *out); /* product rounded half-even to 4 digits */
/* a / b rounded half-even to 4 digits; OG_EINVAL on division by zero or overflow. */
int og_dec_div(og_dec a, og_dec b, og_dec *out);
/* Round half-even to `digits` fractional digits (0..4); the result stays in og_dec units. */
og_dec og_dec_round(og_dec a, int digits);
/* Text with exactly `digits` fractional digits (after rounding half-even), optional thousands
 * grouping with ','. out holds OG_DEC_STR_MAX bytes. */
void og_dec_format(og_dec a, int digits, int group, char out[OG_DEC_STR_MAX]);
/* The shortest exact text: 7.5, 145, -0.25 (no grouping). */
void og_dec_format_min(og_dec a, char out[OG_DEC_STR_MAX]);

/* An amount from project data: a JSON string in og_dec_parse's syntax or a JSON integer. A JSON
 * real is refused (OG_EINVAL naming `field`): jansson has already turned it into a double, so its
 * exact digits are gone. */
int og_dec_from_json(const json_t *v, const char *field, og_dec *out);

/* ISO 4217 minor-unit digits of a currency code: 0 (JPY, KRW, ...), 3 (BHD, KWD, ...), else 2.
 * OG_EINVAL for a code that is not three upper-case letters. */
int og_currency_digits(const char *code, int *digits);

/* ---- kinds and formats ---- */
typedef enum og_doc_kind {
    OG_DOC_SOW = 0,
    OG_DOC_CHANGE_ORDER = 1,
    OG_DOC_RUNBOOK = 2,
    OG_DOC_CLOSURE = 3,
} og_doc_kind;

typedef enum og_doc_format {
    OG_DOC_MD = 0,
    OG_DOC_HTML = 1,
    OG_DOC_PDF = 2,
    OG_DOC_DOCX = 3,
} og_doc_format;

const char *og_doc_kind_name(og_doc_kind k); /* "sow", "change-order", "runbook", "closure" */
int og_doc_kind_parse(const char *s, og_doc_kind *out); /* OG_EINVAL naming s */
const char *og_doc_format_name(og_doc_format f);        /* "md", "html", "pdf", "docx" */
const char *og_doc_format_media_type(og_doc_format f);
int og_doc_format_parse(const char *s, og_doc_format *out); /* OG_EINVAL naming s */

/* ---- limits on project data (docs/project-data.md, "Limits") ----
 * Checked by og_docgen_model; each error is OG_EINVAL naming the field's JSON path and the limit.
 * Lengths are in characters (Unicode code points). */
#define OG_DOCGEN_NAME_MAX  200    /* names, titles, ids, dates, roles, contacts, hosts ... */
#define OG_DOCGEN_TEXT_MAX  10000  /* descriptions, paragraphs, list items, commands */
#define OG_DOCGEN_ITEMS_MAX 1000   /* items of any one list; tasks across all phases */
#define OG_DOCGEN_DATA_MAX  262144 /* the whole project data, compact JSON, in bytes */

/* ---- view models ----
 * Validate `data` (borrowed) for `kind` and build the view model a template renders (caller
 * decrefs *out). Every error is OG_EINVAL and names the field by its JSON path, e.g.
 * "phases[1].tasks[0].rate: missing" or "currency: expected a string". `baseline` is the data
 * snapshot of the SOW a change order compares against (required for OG_DOC_CHANGE_ORDER; for
 * closures see below; ignored otherwise). The model holds only strings, booleans, arrays and
 * objects: every amount is already formatted, so templates never do arithmetic and never see a
 * float. For a closure, `baseline` (may be NULL) is the data snapshot of the SOW named by
 * closure.baseline: its total is the original budget, and with the approved change orders it must
 * add up to the plan's total. */
int og_docgen_model(json_t **out, og_doc_kind kind, const json_t *data, const json_t *baseline);

/* ---- the provider's brand (docs/branding.md) ----
 * Name, address, colours and logo of the provider (the MSP) shown on every document: the
 * installation's brand, field by field overridden by the tenant's. All pointers are borrowed
 * (from the caller, or from the brand itself when og_docgen_brand_load filled it). */
#define OG_DOCGEN_LOGO_MAX (512 * 1024) /* bytes of a logo file */
#define OG_DOCGEN_LOGO_DIM 2048         /* pixels on a side of a PNG logo */
typedef struct og_docgen_brand {
    const char *name;    /* the provider's name; NULL or "" = not set */
    const char *address; /* may hold newlines */
    const char *color;   /* primary colour "#rrggbb": cover band, rules, headings */
    const char *accent;  /* secondary colour "#rrggbb": table heads (a tint of it) */
    const unsigned char *logo;
    size_t logo_len;
    const char *logo_type; /* "image/png" or "image/svg+xml" */
    /* where each field came from, for `brand show`: "tenant", "installation" or "" */
    const char *src_name, *src_address, *src_color, *src_accent, *src_logo;
    void *owned_; /* private: what og_docgen_brand_load allocated */
} og_docgen_brand;

/* Validate logo bytes by decoding them: a PNG (cairo; at most OG_DOCGEN_LOGO_DIM pixels on a side)
 * or an SVG (librsvg; no DOCTYPE, no external references), at most OG_DOCGEN_LOGO_MAX bytes.
 * *media_type (may be NULL) gets "image/png" or "image/svg+xml". OG_EINVAL saying what is wrong. */
int og_docgen_logo_check(const unsigned char *data, size_t len, const char **media_type);
/* "#0a5" or "#00aa55" (any case) -> "#00aa55" in out (8 bytes). OG_EINVAL naming `field`. */
int og_docgen_color_parse(const char *s, const char *field, char out[8]);

/* The effective brand for documents of `tenant` (NULL or "": the installation's alone): the
 * installation's fields, each replaced by the tenant's where the tenant set it. Needs the read
 * right on the tenant (any authenticated actor for the installation). Fields not set anywhere
 * are NULL. Caller frees with og_docgen_brand_free (no-op on a zeroed brand). */
int og_docgen_brand_load(og_ctx *ctx, const char *tenant, og_docgen_brand *out);
void og_docgen_brand_free(og_docgen_brand *b);
/* The brand as JSON for `brand show` and GET /api/v1/brand: {"scope", "name", "address",
 * "color", "accent", "logo": {"media_type", "size", "sha256"} | null, "sources": {field: scope},
 * "updated_at", "updated_by"} (effective values; the scope's own record under "own"). Caller
 * decrefs. */
int og_docgen_brand_show(og_ctx *ctx, const char *tenant, json_t **out);

/* A change to one scope's brand: NULL leaves a field as it is, "" removes it. The logo changes
 * when set_logo is 1 (logo_len 0 removes it). */
typedef struct og_docgen_brand_update {
    const char *name, *address, *color, *accent;
    int set_logo;
    const unsigned char *logo;
    size_t logo_len;
} og_docgen_brand_update;
/* Set fields of the installation's brand (tenant NULL or "": platform-admin) or of a tenant's
 * override (tenant-admin of that tenant, or platform-admin). Validated (lengths, colours, the logo
 * decoded), stored with an audit record (docgen.brand.set) in one transaction. */
int og_docgen_brand_set(og_ctx *ctx, const char *tenant, const og_docgen_brand_update *u);
/* Remove a scope's brand (the tenant then uses the installation's); audited as
 * docgen.brand.clear. OG_ENOTFOUND when the scope has none. */
int og_docgen_brand_clear(og_ctx *ctx, const char *tenant);

/* og_docgen_model with the provider's brand: the brand's name and address replace the data's
 * `provider` (which is then optional), and the model gets "brand": {name, address, color,
 * accent, has_logo}. brand may be NULL. */
int og_docgen_model_branded(json_t **out, og_doc_kind kind, const json_t *data,
                            const json_t *baseline, const og_docgen_brand *brand);

/* Load project data from JSON text, refusing duplicate keys; OG_EINVAL with line and column. */
int og_docgen_data_parse(json_t **out, const char *text, size_t len, const char *source);
/* SHA-256 (hex) of the data's canonical form (sorted keys, compact): the provenance of a document
 * and the name of its snapshot. out holds 65 bytes. */
int og_docgen_data_sha256(const json_t *data, char out[65]);
/* The canonical text hashed above; caller frees. */
char *og_docgen_data_canonical(const json_t *data);

/* ---- built-in templates ----
 * Main templates "sow", "change-order", "runbook", "closure" and partials "terms", "assumptions",
 * "signoff", "header". Sources live in src/docgen/builtin/ *.mustache; builtin_data.c is generated
 * from them by src/docgen/builtin/gen.sh and a unit test checks they match. */
const char *og_docgen_builtin(const char *name); /* borrowed source, NULL when unknown */
/* NULL-terminated list of built-in names. */
extern const char *const og_docgen_builtin_names[];
/* Partial loader over the built-ins (ud unused), for og_tmpl_opts.partial. */
int og_docgen_builtin_partial(void *ud, const char *name, og_buf *out);

/* ---- rendering ----
 * Markdown: the template rendered over the model with escaping off. Partials come from `partial`
 * (NULL: the built-ins). err (may be NULL) gets template errors with line and column. */
int og_docgen_render_md(og_buf *out, const og_tmpl *t, const json_t *model,
                        og_tmpl_partial_fn partial, void *partial_ud, og_tmpl_error *err);

/* Page furniture for HTML and PDF (all borrowed, may be NULL). */
typedef struct og_docgen_page {
    const char *title;    /* document title (title page, <title>) */
    const char *client;   /* running header */
    const char *number;   /* document number: running header */
    const char *date;     /* document date (from the data: output stays reproducible) */
    const char *subtitle; /* e.g. the project name */
    const char *revision; /* document revision (title page) */
    const char *provider; /* the provider's name: title page, running header, PDF Author */
    const char *provider_address;
    const og_docgen_brand *brand; /* logo and colours; NULL: none */
} og_docgen_page;

/* CommonMark to a standalone HTML page (cmark, plus GFM-style pipe tables, which core cmark lacks)
 * with a small embedded stylesheet. Raw HTML in the Markdown is dropped (CMARK_OPT_SAFE).
 * Deterministic: same input, same bytes. */
int og_docgen_md_to_html(og_buf *out, const char *md, size_t len, const og_docgen_page *page);

/* Markdown to PDF with cairo and pango: a title page, then headings, paragraphs, lists, code,
 * rules and pipe tables laid out on A4, with a running header (client, document number, one
 * line, cut with an ellipsis) and "Page N of M" footers. The PDF's creation date is set from
 * page->date, so output does not depend on the clock. Thread-safe: each call has its own pango
 * font map and context, so renders on several threads run at once and give the same bytes.
 * Layout time is linear in the text (long unbroken words get break opportunities) and bounded:
 * past OPSGATE_PDF_DEADLINE (seconds, default OG_DOCGEN_PDF_DEADLINE_S) the render fails with
 * OG_ETOOBIG and out is left as it was. */
#define OG_DOCGEN_PDF_DEADLINE_S 10
int og_docgen_md_to_pdf(og_buf *out, const char *md, size_t len, const og_docgen_page *page);
/* Markdown to an Office Open XML document (.docx, through libzip): styles with heading styles,
 * the title block, headings, paragraphs, lists, code, pipe tables (header row repeated on each
 * page, right-aligned columns such as money stay right-aligned), signature blocks, a running
 * header (client, document number), a footer "Page N of M" (PAGE and NUMPAGES fields) and the
 * document properties (title, subject, author, keywords, created from page->date). Deterministic:
 * fixed part order, fixed zip timestamps, fixed deflate level: same input, same bytes. */
int og_docgen_md_to_docx(og_buf *out, const char *md, size_t len, const og_docgen_page *page);
/* Whether PDF output works here: the PDF module (opsgate-pdf.so, loaded on first use) is found
 * and is this build's. When it is not, og_docgen_md_to_pdf and og_docgen_logo_check fail with
 * OG_ERROR naming it. */
bool og_docgen_pdf_available(void);

/* ---- pipe tables (GFM subset), shared by the HTML and PDF renderers ----
 * Markdown is cut into runs of ordinary CommonMark text and tables: a header row "| a | b |", a
 * delimiter row "|---|:--:|", then body rows. Cells are split on unescaped '|' ("\|" is a
 * literal bar). Outside fenced code blocks only. */
typedef enum og_md_align { OG_MD_LEFT = 0, OG_MD_CENTER = 1, OG_MD_RIGHT = 2 } og_md_align;
#define OG_MD_MAX_COLS 16
typedef struct og_md_table {
    int ncols;
    int nrows; /* including the header row (row 0) */
    og_md_align align[OG_MD_MAX_COLS];
    char ***cells; /* cells[row][col], NUL-terminated, "" for missing cells */
} og_md_table;

/* One party of a signature block: a fenced code block with the info string "signatures" whose
 * lines are "party: Client", "organisation: ...", "name: ...", "title: ...", a blank line between
 * parties (the built-in partial signoff writes it). HTML and PDF lay it out as a block to sign
 * (a signature line and a date line per party), kept on one page; Markdown shows it as is. */
#define OG_MD_MAX_PARTIES 64
typedef struct og_md_party {
    char *party, *organisation, *name, *title; /* owned, "" when not given */
} og_md_party;

typedef struct og_md_segment {
    int is_table;
    const char *text; /* borrowed from the input: the Markdown of a text run */
    size_t len;
    og_md_table table; /* owned when is_table */
    int is_signatures;
    og_md_party *parties; /* owned when is_signatures */
    size_t nparties;
} og_md_segment;

/* Split md into segments; caller frees with og_md_segments_free. OG_ETOOBIG past 100,000
 * segments or rows. */
int og_md_split(const char *md, size_t len, og_md_segment **out, size_t *n);
void og_md_segments_free(og_md_segment *segs, size_t n);

/* ---- one document, no storage ----
 * Everything og_docgen_generate_store does except the store: validate, build the model, render
 * the template (src, with partials from `partial`, NULL = built-ins) and convert to `format`.
 * *out_model (may be NULL) receives the model (caller decrefs). */
typedef struct og_docgen_input {
    og_doc_kind kind;
    og_doc_format format;
    const json_t *data;       /* project data, borrowed */
    const json_t *baseline;   /* change orders: the baseline SOW's data snapshot */
    const char *template_src; /* NULL: the built-in main template of the kind */
    size_t template_len;
    const char *template_name; /* for error messages, e.g. "sow@3" */
    og_tmpl_partial_fn partial;
    void *partial_ud;
    const og_docgen_brand *brand; /* the provider's brand; NULL: the data's `provider` alone */
} og_docgen_input;

int og_docgen_generate(og_buf *out, const og_docgen_input *in, json_t **out_model,
                       og_tmpl_error *err);

/* ---- storage: templates as artifacts, generated documents as versions ----
 * Tenant templates are artifacts of kind "template" in the tenant's reserved project
 * OG_DOCGEN_TEMPLATE_PROJECT (created on the first template put), named after the built-in they
 * override: "sow", "change-order", "runbook", "closure", or "partials/terms" etc. A tenant may
 * override one partial and keep the other built-ins. Custom names are allowed too and can be
 * chosen with --template NAME@VERSION. */
#define OG_DOCGEN_TEMPLATE_PROJECT "opsgate-templates"
#define OG_DOCGEN_REF_MAX          256

/* Built-ins plus the tenant's templates (name, source "builtin" or "tenant", latest version,
 * overrides). Caller decrefs *out (an array). */
int og_docgen_template_list(og_ctx *ctx, const char *tenant, json_t **out);

/* ---- checking a template against data (`template check`, and every `template put`) ----
 * generate renders strictly (docs/templates.md): an interpolation whose name the view model lacks
 * and the template does not list in {{! optional: ... }} is an error. A check finds those
 * problems before a template is used: */
typedef struct og_docgen_check_opts {
    const char *kind;       /* document kind to check against; NULL: the kind named like the
                             * template, else (partials, custom names) every kind */
    const json_t *data;     /* project data; NULL: the sample shipped with opsgate */
    const json_t *baseline; /* change orders with `data`: the baseline SOW's data */
} og_docgen_check_opts;

/*
 * Check template `name` (source src, len) and append its problems to *problems (a new array,
 * caller decrefs; empty when there are none), each {"source", "line", "column", "name", "kind",
 * "message"}: source is the template or partial the tag is in, kind the document kind whose view
 * model lacks the name. What is rendered: a kind's template (sow, change-order, runbook, closure)
 * over that kind's view model; a built-in partial's name (terms, header, ...) inside each kind's
 * document template (the tenant's, else the built-in), counting only the tags of the partial; a
 * custom name against o->kind, else against every kind, reporting the kind with fewest problems.
 * Partials come from the tenant's templates, then the built-ins (ctx NULL: built-ins only).
 * Returns OG_EINVAL for a template that does not parse (line:col) or data that is not valid for
 * o->kind; problems are not an error.
 */
int og_docgen_template_check(og_ctx *ctx, const char *tenant, const char *name, const char *src,
                             size_t len, const og_docgen_check_opts *o, json_t **problems);

/* The sample project shipped with opsgate (tests/data/projects/, compiled in): the data for
 * `kind` and, for change orders, the baseline SOW's data (else NULL). Caller decrefs both. */
int og_docgen_sample(og_doc_kind kind, json_t **data, json_t **baseline);

typedef struct og_docgen_put_opts {
    const char *message;        /* the version's message (may be NULL) */
    int force;                  /* store even when the check finds problems */
    og_docgen_check_opts check; /* what to check against (zeroed: the shipped sample) */
} og_docgen_put_opts;

/* Check (og_docgen_template_check) and store a new version of template `name`. OG_EINVAL with
 * line:col for a template that does not parse; OG_EINVAL listing the problems when the check
 * finds any and o->force is not set: nothing is stored either way. With force the template is
 * stored and the problems are returned as warnings. *problems (may be NULL) receives the
 * problems found (caller decrefs), also on refusal. o and out_version may be NULL. */
int og_docgen_template_put(og_ctx *ctx, const char *tenant, const char *name, const char *src,
                           size_t len, const og_docgen_put_opts *o, int64_t *out_version,
                           json_t **problems);
/* The source of `name` at `version` (0 = latest; a built-in when the tenant has none and
 * version is 0). ref (may be NULL, OG_DOCGEN_REF_MAX bytes) receives "name@N" or
 * "name@builtin". Appends to out. */
int og_docgen_template_get(og_ctx *ctx, const char *tenant, const char *name, int64_t version,
                           og_buf *out, char *ref);
/* Versions of a tenant template, newest first (OG_ENOTFOUND for a built-in never overridden). */
int og_docgen_template_log(og_ctx *ctx, const char *tenant, const char *name, json_t **out);

typedef struct og_docgen_request {
    const char *tenant;
    const char *project; /* project key */
    og_doc_kind kind;
    og_doc_format format;
    const json_t *data;       /* NULL: the project's stored data (artifact "project.json") */
    const char *template_ref; /* "NAME" or "NAME@VERSION"; NULL: the kind's default */
    int dry_run;              /* render only: nothing is stored, no gate, no audit; still
                               * needs the write right (it previews a write) */
} og_docgen_request;

/* Generate and store. Resolves the template (tenant override, else built-in) and, for change
 * orders, the baseline named by the data's change.baseline ("ARTIFACT@VERSION"), renders, then
 * through og_gate_request (kind "artifacts.generate", L0 by default) stores the data snapshot
 * ("<doc>.data.json", a new version only when it changed) and the document ("sow.md",
 * "change-order-CO-002.pdf", ...) with provenance {template, partials, data_sha256, opsgate,
 * data snapshot version} in the version message, the artifact metadata and the audit record.
 * Both puts happen in the gate's transaction: on any error nothing is stored.
 * The rendered document is appended to out; *provenance (may be NULL) gets the provenance plus
 * "artifact" and "version" (caller decrefs). OG_EPENDING when the tenant's policy holds
 * generation for approval (see docs/project-data.md). OG_EDENIED (also for a dry run) without the
 * write right on the project. */
int og_docgen_generate_store(og_ctx *ctx, const og_docgen_request *req, og_buf *out,
                             json_t **provenance);
/* og_error_detail() of og_docgen_generate_store's OG_EINVAL when req->data is NULL and the
 * project has no stored project.json: each face says how it takes project data. */
#define OG_DOCGEN_DETAIL_NO_DATA "no_project_data"

/* For the HTTP front end (POST /api/v1/projects/{key}/generate): fill req from a request body
 * {"kind": "sow", "format": "md"|"html"|"pdf"|"docx" (default md), "template": "NAME[@N]"
 * (optional), "data": {...} (optional: the project's stored project.json), "dry_run": false}.
 * tenant and project are set by the caller. Pointers in req borrow from body. OG_EINVAL naming the
 * field. */
int og_docgen_request_from_json(og_docgen_request *req, const json_t *body);

/* Register "artifacts.generate" with the gate engine (idempotent, thread-safe). */
int og_docgen_register_kinds(void);

#endif
