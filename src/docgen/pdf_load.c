/* pdf_load.c - PDF output and logo checks through the PDF module (opsgate-pdf.so), loaded on
 * first use: a process that renders no PDF and checks no logo never maps cairo, pango, librsvg
 * and the libraries under them (about 36 shared objects). */
#include "docgen/pdf_module.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <string.h>

/* The module's table, or NULL (error set): the one linked in, else the loaded one when it is
 * this build's. */
static const og_docgen__pdf_api *pdf_api(const char *what)
{
    void *sym = NULL;
    const og_docgen__pdf_api *a;
    char msg[1024];
    if (&og_docgen__pdf_module != NULL)
        return &og_docgen__pdf_module;
    if (og_module_sym("pdf", OG_DOCGEN__PDF_SYM, &sym) < 0) {
        og_strlcpy(msg, og_error_last(), sizeof(msg));
        og_error_set(OG_ERROR, "%s: %s", what, msg);
        return NULL;
    }
    a = sym;
    if (a->abi != OG_DOCGEN__PDF_ABI || a->size != sizeof(*a) || !a->version ||
        strcmp(a->version, OG_VERSION) != 0) {
        og_error_set(OG_ERROR,
                     "%s: opsgate-pdf.so belongs to another opsgate (%s, interface %d; "
                     "this is %s, interface %d): install the module of this build",
                     what, a->version ? a->version : "?", a->abi, OG_VERSION, OG_DOCGEN__PDF_ABI);
        return NULL;
    }
    return a;
}

bool og_docgen_pdf_available(void)
{
    bool ok = pdf_api("PDF output") != NULL;
    if (!ok)
        og_error_clear();
    return ok;
}

int og_docgen_md_to_pdf(og_buf *out, const char *md, size_t len, const og_docgen_page *page)
{
    const og_docgen__pdf_api *a = pdf_api("PDF output");
    return a ? a->md_to_pdf(out, md, len, page) : OG_ERROR;
}

int og_docgen_logo_check(const unsigned char *data, size_t len, const char **media_type)
{
    const og_docgen__pdf_api *a;
    if (!data || len == 0)
        return og_error_set(OG_EINVAL, "logo: the file is empty");
    if (len > OG_DOCGEN_LOGO_MAX)
        return og_error_set(OG_EINVAL, "logo: %zu bytes, over the limit of %d", len,
                            OG_DOCGEN_LOGO_MAX);
    if (!(a = pdf_api("checking a logo")))
        return OG_ERROR;
    return a->logo_check(data, len, media_type);
}
