/* docgen_internal.h - shared between the files of src/docgen (not a public interface). */
#ifndef OG_DOCGEN_INTERNAL_H
#define OG_DOCGEN_INTERNAL_H

#include "opsgate/docgen.h"

/* Days between two "YYYY-MM-DD" dates (b - a). OG_EINVAL naming field for a bad date. */
int og_docgen__days_between(const char *a, const char *b, const char *field, int64_t *out);
/* Check a "YYYY-MM-DD" date; OG_EINVAL naming field. */
int og_docgen__date_check(const char *s, const char *field);

/* The document artifact's base name: "sow", "runbook", "closure", "change-order-CO-001". */
int og_docgen__doc_base(og_doc_kind kind, const json_t *data, char *out, size_t size);

/* Append s[0..n) to b with & < > " escaped for HTML; pango 1: also ' and control characters
 * but tab and newline (as spaces), for pango markup. */
int og_docgen__xml_escape(og_buf *b, const char *s, size_t n, int pango);

/* DOCX: the Markdown as the paragraphs and tables of word/document.xml's body (docx_body.c). */
int og_docgen__docx_body(og_buf *out, const char *md, size_t len);

/* Page furniture taken from a view model (all borrowed from it). */
void og_docgen__page_from_model(const json_t *model, og_docgen_page *page);

/* The cost impact of a change order: the plan of `data` minus the plan of `baseline` (the SOW it
 * changes), in the data's currency (*digits: its minor unit). OG_EINVAL naming a bad field. */
int og_docgen__co_delta(const json_t *data, const json_t *baseline, og_dec *delta, int *digits);

/* The effective brand of tenant id tid ("" = the installation's), no rights checked (the caller
 * checked its own). Free with og_docgen_brand_free. */
int og_docgen__brand_load(og_ctx *ctx, const char *tid, og_docgen_brand *out);
/* SHA-256 (hex) over an effective brand, "" when nothing is set: a document's provenance. */
void og_docgen__brand_sha256(const og_docgen_brand *b, char out[65]);

#endif
