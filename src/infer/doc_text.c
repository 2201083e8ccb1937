/* doc_text.c - the text of an uploaded document for the document classifier: Markdown and
 * plain text as they are, HTML through libxml2's HTML parser (scripts and styles left out), PDF
 * through poppler's text (poppler-glib, in the module opsgate-pdftext.so: doc_pdf.c), DOCX
 * through libzip and the text runs of
 * word/document.xml (libxml2, no network, no entities). */
#include "infer/infer_internal.h"
#include "infer/pdftext_module.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

/* what a DOCX's document.xml may be, unpacked */
#define DOCX_XML_MAX  ((zip_uint64_t)64 << 20)
#define PDF_PAGES_MAX 500

static int is_block(const char *name)
{
    static const char *const blocks[] = {"p",  "div", "br", "li", "tr", "h1",    "h2", "h3",
                                         "h4", "h5",  "h6", "td", "th", "table", NULL};
    for (int i = 0; blocks[i]; i++)
        if (strcasecmp(name, blocks[i]) == 0)
            return 1;
    return 0;
}

/* The text of an HTML tree, a newline after each block; depth bounds the recursion. */
static int html_walk(xmlNode *n, og_buf *out, int depth)
{
    int error = 0;
    if (depth > 256)
        return 0;
    for (; n && error >= 0; n = n->next) {
        if (n->type == XML_TEXT_NODE && n->content)
            error = og_buf_puts(out, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)n->name;
            if (strcasecmp(name, "script") == 0 || strcasecmp(name, "style") == 0)
                continue;
            error = html_walk(n->children, out, depth + 1);
            if (error >= 0 && is_block(name))
                error = og_buf_puts(out, "\n");
        }
    }
    return error;
}

static int html_text(const char *data, size_t len, og_buf *out)
{
    if (len > INT_MAX)
        return og_error_set(OG_EINVAL, "the HTML document is too large");
    if (og_infer__libxml2() < 0)
        return OG_ERROR;
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET);
    if (!doc)
        return og_error_set(OG_EINVAL, "the HTML document could not be read");
    int error = html_walk(xmlDocGetRootElement(doc), out, 0);
    xmlFreeDoc(doc);
    return error;
}

/* The text runs (w:t) of a WordprocessingML tree: a tab for w:tab, a newline after each
 * paragraph (w:p) and for w:br. */
static int docx_walk(xmlNode *n, og_buf *out, int depth)
{
    int error = 0;
    if (depth > 256)
        return 0;
    for (; n && error >= 0; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (strcmp(name, "t") == 0) {
            xmlChar *t = xmlNodeGetContent(n);
            error = t ? og_buf_puts(out, (const char *)t) : 0;
            og_infer__xml_free(t);
        } else if (strcmp(name, "tab") == 0) {
            error = og_buf_puts(out, "\t");
        } else if (strcmp(name, "br") == 0) {
            error = og_buf_puts(out, "\n");
        } else {
            error = docx_walk(n->children, out, depth + 1);
            if (error >= 0 && (strcmp(name, "p") == 0 || strcmp(name, "tc") == 0))
                error = og_buf_puts(out, "\n");
        }
    }
    return error;
}

static int docx_text(const char *data, size_t len, og_buf *out)
{
    zip_error_t ze;
    zip_source_t *src = NULL;
    zip_t *z = NULL;
    zip_file_t *zf = NULL;
    zip_stat_t stt;
    char *xml = NULL;
    xmlDocPtr doc = NULL;
    int error = OG_EINVAL;
    zip_int64_t idx;
    zip_error_init(&ze);
    if (!(src = zip_source_buffer_create(data, len, 0, &ze)) ||
        !(z = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
        og_error_set(OG_EINVAL, "the DOCX document is not a ZIP archive: %s",
                     zip_error_strerror(&ze));
        goto cleanup;
    }
    src = NULL; /* the archive owns it */
    if ((idx = zip_name_locate(z, "word/document.xml", 0)) < 0 ||
        zip_stat_index(z, (zip_uint64_t)idx, 0, &stt) < 0 || !(stt.valid & ZIP_STAT_SIZE)) {
        og_error_set(OG_EINVAL, "the DOCX document has no word/document.xml");
        goto cleanup;
    }
    if (stt.size > DOCX_XML_MAX) {
        og_error_set(OG_EINVAL, "the DOCX document's text part is over %llu MiB",
                     (unsigned long long)(DOCX_XML_MAX >> 20));
        goto cleanup;
    }
    xml = malloc(stt.size + 1);
    if (!xml || !(zf = zip_fopen_index(z, (zip_uint64_t)idx, 0)) ||
        zip_fread(zf, xml, stt.size) != (zip_int64_t)stt.size) {
        error = og_error_set(xml ? OG_EINVAL : OG_ERROR, "the DOCX document could not be read");
        goto cleanup;
    }
    if ((error = og_infer__libxml2()) < 0)
        goto cleanup;
    error = OG_EINVAL;
    /* no network, no entity substitution, no DTD loading: a document cannot reach out */
    if (!(doc = xmlReadMemory(xml, (int)stt.size, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING))) {
        og_error_set(OG_EINVAL, "the DOCX document's word/document.xml is not XML");
        goto cleanup;
    }
    error = docx_walk(xmlDocGetRootElement(doc), out, 0);
cleanup:
    xmlFreeDoc(doc);
    if (zf)
        zip_fclose(zf);
    if (z)
        zip_discard(z);
    zip_source_free(src);
    zip_error_fini(&ze);
    free(xml);
    return error;
}

/* PDF through the PDF text module (opsgate-pdftext.so, poppler), loaded on first use: the
 * linked-in one when the program has it, else the loaded one when it is this build's. */
static int pdf_text(const char *data, size_t len, og_buf *out)
{
    const og_infer__pdftext_api *a = &og_infer__pdftext_module;
    void *sym = NULL;
    char msg[1024];
    if (!a) {
        if (og_module_sym("pdftext", OG_INFER__PDFTEXT_SYM, &sym) < 0) {
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            return og_error_set(OG_ERROR, "reading a PDF's text: %s", msg);
        }
        a = sym;
        if (a->abi != OG_INFER__PDFTEXT_ABI || a->size != sizeof(*a) || !a->version ||
            strcmp(a->version, OG_VERSION) != 0)
            return og_error_set(OG_ERROR,
                                "reading a PDF's text: opsgate-pdftext.so belongs to another "
                                "opsgate (%s, interface %d; this is %s, interface %d): install "
                                "the module of this build",
                                a->version ? a->version : "?", a->abi, OG_VERSION,
                                OG_INFER__PDFTEXT_ABI);
    }
    return a->pdf_text(data, len, PDF_PAGES_MAX, out);
}

const char *og_infer_doc_format(const char *data, size_t len, const char *media_type)
{
    const char *mt = media_type ? media_type : "";
    if ((len >= 5 && memcmp(data, "%PDF-", 5) == 0) || strcmp(mt, "application/pdf") == 0)
        return "pdf";
    if ((len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) || strstr(mt, "wordprocessingml"))
        return "docx";
    if (strncmp(mt, "text/html", 9) == 0 || strstr(mt, "xhtml"))
        return "html";
    /* a text that starts like HTML is read as HTML whatever it was called */
    for (size_t i = 0; i < len && i < 512; i++) {
        if (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')
            continue;
        if (data[i] == '<' && (len - i >= 5) &&
            (strncasecmp(data + i, "<!doc", 5) == 0 || strncasecmp(data + i, "<html", 5) == 0))
            return "html";
        break;
    }
    return "text";
}

int og_infer_doc_text(const char *data, size_t len, const char *media_type, char **out)
{
    og_buf b;
    const char *fmt = og_infer_doc_format(data, len, media_type);
    int error;
    *out = NULL;
    og_buf_init(&b, OG_INFER_DOC_TEXT_MAX);
    if (strcmp(fmt, "pdf") == 0)
        error = pdf_text(data, len, &b);
    else if (strcmp(fmt, "docx") == 0)
        error = docx_text(data, len, &b);
    else if (strcmp(fmt, "html") == 0)
        error = html_text(data, len, &b);
    else
        error = og_buf_append(&b, data, len > OG_INFER_DOC_TEXT_MAX ? OG_INFER_DOC_TEXT_MAX : len);
    if (error == OG_ETOOBIG)
        error = og_error_set(OG_EINVAL, "the document's text is over %d MiB",
                             OG_INFER_DOC_TEXT_MAX >> 20);
    else if (error >= 0 && !(*out = b.data ? og_buf_detach(&b) : strdup("")))
        error = og_error_set(OG_ERROR, "out of memory");
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
