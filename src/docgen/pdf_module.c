/* pdf_module.c - the entry of the PDF module (opsgate-pdf.so): its table of functions, the only
 * symbol it exports (it is built with hidden visibility). */
#include "docgen/pdf_internal.h"
#include "docgen/pdf_module.h"

__attribute__((visibility("default"))) const og_docgen__pdf_api og_docgen__pdf_module = {
    .abi = OG_DOCGEN__PDF_ABI,
    .size = sizeof(og_docgen__pdf_api),
    .version = OG_VERSION,
    .md_to_pdf = og_docgen__pdf_render,
    .logo_check = og_docgen__logo_check,
};
