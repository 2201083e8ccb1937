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

/* PDF: copy pango markup m to out with a zero-width space (U+200B) before every character of an
 * unbroken run past OG_DOCGEN__PDF_LONG_RUN characters (not inside a grapheme), so pango wraps
 * it in linear time. */
#define OG_DOCGEN__PDF_LONG_RUN 200
int og_docgen__pdf_breaks(og_buf *out, const char *m);

/* Page furniture taken from a view model (all borrowed from it). */
void og_docgen__page_from_model(const json_t *model, og_docgen_page *page);

#endif
