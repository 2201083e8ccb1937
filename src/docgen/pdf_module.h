/* pdf_module.h - the table the PDF module (opsgate-pdf.so: pdf*.c and logo.c, with cairo, pango
 * and librsvg) exports, and pdf_load.c, in libopsgate.a, calls through. Not a public interface. */
#ifndef OG_DOCGEN_PDF_MODULE_H
#define OG_DOCGEN_PDF_MODULE_H

#include "opsgate/docgen.h"

#include <stddef.h>

/* Raised when the table changes; a module of another build is refused by its version too. */
#define OG_DOCGEN__PDF_ABI 1
#define OG_DOCGEN__PDF_SYM "og_docgen__pdf_module"

typedef struct og_docgen__pdf_api {
    int abi;             /* OG_DOCGEN__PDF_ABI */
    size_t size;         /* sizeof(og_docgen__pdf_api) */
    const char *version; /* OG_VERSION of the build it belongs to */
    int (*md_to_pdf)(og_buf *out, const char *md, size_t len, const og_docgen_page *page);
    int (*logo_check)(const unsigned char *data, size_t len, const char **media_type);
} og_docgen__pdf_api;

/* Defined by the module (pdf_module.c). A program that links the module's code in (the unit
 * tests of the renderer's internals: the CMake target opsgate_pdf_static) has it too, and then
 * pdf_load.c uses it directly instead of loading the module: the reference is weak. */
extern const og_docgen__pdf_api og_docgen__pdf_module __attribute__((weak));

#endif
