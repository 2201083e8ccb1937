/* pdftext_module.h - the table the PDF text module (opsgate-pdftext.so: doc_pdf.c, with
 * poppler) exports, and doc_text.c calls through. Not a public interface. */
#ifndef OG_INFER_PDFTEXT_MODULE_H
#define OG_INFER_PDFTEXT_MODULE_H

#include "opsgate/util.h"

#include <stddef.h>

/* Raised when the table changes; a module of another build is refused by its version too. */
#define OG_INFER__PDFTEXT_ABI 1
#define OG_INFER__PDFTEXT_SYM "og_infer__pdftext_module"

typedef struct og_infer__pdftext_api {
    int abi;             /* OG_INFER__PDFTEXT_ABI */
    size_t size;         /* sizeof(og_infer__pdftext_api) */
    const char *version; /* OG_VERSION of the build it belongs to */
    /* The text of the PDF data[0..len), its first max_pages pages, each followed by a newline,
     * appended to out. OG_EINVAL when poppler cannot read it; out's own errors (OG_ETOOBIG). */
    int (*pdf_text)(const char *data, size_t len, int max_pages, og_buf *out);
} og_infer__pdftext_api;

/* Defined by the module (doc_pdf.c); a program that links doc_pdf.c in (the fuzz targets: the
 * CMake target opsgate_pdftext_static) has it too, and doc_text.c then calls it directly: the
 * reference is weak. */
extern const og_infer__pdftext_api og_infer__pdftext_module __attribute__((weak));

#endif
