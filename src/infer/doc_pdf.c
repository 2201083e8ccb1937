/* doc_pdf.c - the text of a PDF through poppler (poppler-glib): the PDF text module,
 * opsgate-pdftext.so, which doc_text.c loads the first time it reads a PDF, so that no other
 * process maps poppler and the libraries under it. */
#include "infer/pdftext_module.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <poppler.h>

static int pdf_text(const char *data, size_t len, int max_pages, og_buf *out)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    int error = 0;
    if (!doc) {
        error = og_error_set(OG_EINVAL, "the PDF document could not be read: %s",
                             gerr ? gerr->message : "poppler failed");
        goto cleanup;
    }
    int pages = poppler_document_get_n_pages(doc);
    for (int i = 0; i < pages && i < max_pages && error >= 0; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        char *t = page ? poppler_page_get_text(page) : NULL;
        if (t)
            error = og_buf_puts(out, t);
        if (error >= 0)
            error = og_buf_puts(out, "\n");
        g_free(t);
        if (page)
            g_object_unref(page);
    }
cleanup:
    if (doc)
        g_object_unref(doc);
    if (gerr)
        g_error_free(gerr);
    g_bytes_unref(bytes);
    return error;
}

__attribute__((visibility("default"))) const og_infer__pdftext_api og_infer__pdftext_module = {
    .abi = OG_INFER__PDFTEXT_ABI,
    .size = sizeof(og_infer__pdftext_api),
    .version = OG_VERSION,
    .pdf_text = pdf_text,
};
