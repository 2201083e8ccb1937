/* docx.c - Markdown to an Office Open XML document (.docx): the body from docx_body.c, styles with
 * heading styles, a running header and a footer with page numbers (PAGE and NUMPAGES fields),
 * document properties, packed with libzip. Byte-identical output for the same input: the parts
 * go in a fixed order, every entry carries the same fixed time (1980-01-01, from no clock and no
 * time zone), and deflate at a fixed level. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_W     "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_R     "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_REL   "http://schemas.openxmlformats.org/package/2006/relationships"
#define OFFDOC   "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define CT_WML   "application/vnd.openxmlformats-officedocument.wordprocessingml."

static const char content_types[] = XML_HEAD
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"" CT_WML "document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"" CT_WML "styles+xml\"/>"
    "<Override PartName=\"/word/settings.xml\" ContentType=\"" CT_WML "settings+xml\"/>"
    "<Override PartName=\"/word/header1.xml\" ContentType=\"" CT_WML "header+xml\"/>"
    "<Override PartName=\"/word/footer1.xml\" ContentType=\"" CT_WML "footer+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" "
    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
    "<Override PartName=\"/docProps/app.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
    "</Types>";

static const char package_rels[] =
    XML_HEAD "<Relationships xmlns=\"" NS_REL "\">"
             "<Relationship Id=\"rId1\" Type=\"" OFFDOC "officeDocument\" "
             "Target=\"word/document.xml\"/>"
             "<Relationship Id=\"rId2\" "
             "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties\" Target=\"docProps/core.xml\"/>"
             "<Relationship Id=\"rId3\" Type=\"" OFFDOC "extended-properties\" "
             "Target=\"docProps/app.xml\"/>"
             "</Relationships>";

static const char document_rels[] =
    XML_HEAD "<Relationships xmlns=\"" NS_REL "\">"
             "<Relationship Id=\"rId1\" Type=\"" OFFDOC "styles\" Target=\"styles.xml\"/>"
             "<Relationship Id=\"rId2\" Type=\"" OFFDOC "settings\" Target=\"settings.xml\"/>"
             "<Relationship Id=\"rId3\" Type=\"" OFFDOC "header\" Target=\"header1.xml\"/>"
             "<Relationship Id=\"rId4\" Type=\"" OFFDOC "footer\" Target=\"footer1.xml\"/>"
             "</Relationships>";

static const char settings[] =
    XML_HEAD "<w:settings xmlns:w=\"" NS_W "\">"
             "<w:defaultTabStop w:val=\"709\"/><w:characterSpacingControl "
             "w:val=\"doNotCompress\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" "
             "w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>"
             "</w:settings>";

/* A paragraph style: id, name, extra elements (qFormat), paragraph and run properties. */
#define PSTYLE(id, name, extra, ppr, rpr)                                                          \
    "<w:style w:type=\"paragraph\" w:styleId=\"" id "\"><w:name w:val=\"" name "\"/>"              \
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>" extra "<w:pPr>" ppr "</w:pPr>"       \
    "<w:rPr>" rpr "</w:rPr></w:style>"
#define BORDER(side) "<w:" side " w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"808080\"/>"
#define MONO         "<w:rFonts w:ascii=\"DejaVu Sans Mono\" w:hAnsi=\"DejaVu Sans Mono\"/>"

/* clang-format off */
static const char styles[] =
    XML_HEAD
    "<w:styles xmlns:w=\"" NS_W "\">"
    "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"DejaVu Sans\" "
    "w:hAnsi=\"DejaVu Sans\" w:eastAsia=\"Noto Sans CJK SC\" w:cs=\"DejaVu Sans\"/>"
    "<w:sz w:val=\"20\"/><w:szCs w:val=\"20\"/><w:lang w:val=\"en-GB\"/></w:rPr>"
    "</w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" "
    "w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:qFormat/></w:style>"
    "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">"
    "<w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/>"
    "</w:style>"
    PSTYLE("Title", "Title", "<w:qFormat/>", "<w:spacing w:after=\"240\"/>",
           "<w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"48\"/>")
    PSTYLE("Subtitle", "Subtitle", "<w:qFormat/>", "<w:spacing w:after=\"200\"/>",
           "<w:color w:val=\"404040\"/><w:sz w:val=\"28\"/>")
    PSTYLE("Heading1", "heading 1", "<w:qFormat/>",
           "<w:keepNext/><w:spacing w:before=\"360\" w:after=\"120\"/><w:outlineLvl w:val=\"0\"/>",
           "<w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"32\"/>")
    PSTYLE("Heading2", "heading 2", "<w:qFormat/>",
           "<w:keepNext/><w:pBdr><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"1\" "
           "w:color=\"1F3864\"/></w:pBdr><w:spacing w:before=\"280\" w:after=\"120\"/>"
           "<w:outlineLvl w:val=\"1\"/>",
           "<w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"26\"/>")
    PSTYLE("Heading3", "heading 3", "<w:qFormat/>",
           "<w:keepNext/><w:spacing w:before=\"200\" w:after=\"80\"/><w:outlineLvl w:val=\"2\"/>",
           "<w:b/><w:sz w:val=\"22\"/>")
    PSTYLE("ListParagraph", "List Paragraph", "", "", "")
    PSTYLE("Code", "Code", "", "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/>",
           MONO "<w:sz w:val=\"18\"/>")
    PSTYLE("TableText", "Table Text", "", "<w:spacing w:before=\"40\" w:after=\"40\"/>", "")
    PSTYLE("Signature", "Signature", "", "<w:spacing w:after=\"60\"/>", "")
    PSTYLE("Header", "header", "",
           "<w:tabs><w:tab w:val=\"right\" w:pos=\"9638\"/></w:tabs><w:spacing w:after=\"0\"/>",
           "<w:color w:val=\"595959\"/><w:sz w:val=\"16\"/>")
    PSTYLE("Footer", "footer", "", "<w:spacing w:after=\"0\"/><w:jc w:val=\"center\"/>",
           "<w:color w:val=\"595959\"/><w:sz w:val=\"16\"/>")
    "<w:style w:type=\"character\" w:styleId=\"CodeChar\"><w:name w:val=\"Code Char\"/>"
    "<w:rPr>" MONO "<w:sz w:val=\"18\"/></w:rPr></w:style>"
    "<w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/>"
    "<w:rPr><w:color w:val=\"0563C1\"/><w:u w:val=\"single\"/></w:rPr></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">"
    "<w:name w:val=\"Normal Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar>"
    "<w:left w:w=\"108\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar>"
    "</w:tblPr></w:style>"
    "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
    "<w:basedOn w:val=\"TableNormal\"/><w:tblPr><w:tblBorders>"
    BORDER("top") BORDER("left") BORDER("bottom") BORDER("right") BORDER("insideH")
    BORDER("insideV")
    "</w:tblBorders></w:tblPr></w:style>"
    "</w:styles>";

/* A field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, result, end. */
#define FIELD(instr)                                                                               \
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> " \
    instr " </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"             \
    "<w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"

static const char footer[] =
    XML_HEAD
    "<w:ftr xmlns:w=\"" NS_W "\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr>"
    "<w:r><w:t xml:space=\"preserve\">Page </w:t></w:r>" FIELD("PAGE")
    "<w:r><w:t xml:space=\"preserve\"> of </w:t></w:r>" FIELD("NUMPAGES")
    "</w:p></w:ftr>";
/* clang-format on */

static int esc(og_buf *b, const char *s)
{
    return og_docgen__xml_escape(b, s ? s : "", s ? strlen(s) : 0, 1);
}

/* The running header: client on the left, document number on the right. */
static int header_xml(og_buf *b, const og_docgen_page *pg)
{
    int e = og_buf_puts(b, XML_HEAD "<w:hdr xmlns:w=\"" NS_W "\"><w:p><w:pPr><w:pStyle "
                                    "w:val=\"Header\"/></w:pPr><w:r><w:t xml:space=\"preserve\">");
    e = e ? e : esc(b, pg->client ? pg->client : pg->provider);
    e = e ? e : og_buf_puts(b, "</w:t></w:r><w:r><w:tab/><w:t xml:space=\"preserve\">");
    e = e ? e : esc(b, pg->number ? pg->number : pg->title);
    return e ? e : og_buf_puts(b, "</w:t></w:r></w:p></w:hdr>");
}

/* A W3CDTF time from the document's date ("YYYY-MM-DD"), never from the clock. */
static bool date_ok(const char *d)
{
    return d && strlen(d) == 10 && og_docgen__date_check(d, "date") == 0;
}

static int core_xml(og_buf *b, const og_docgen_page *pg)
{
    int e = og_buf_puts(b, XML_HEAD
                        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/"
                        "2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/"
                        "1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://"
                        "www.w3.org/2001/XMLSchema-instance\"><dc:title>");
    e = e ? e : esc(b, pg->title);
    e = e ? e : og_buf_puts(b, "</dc:title><dc:subject>");
    e = e ? e : esc(b, pg->subtitle);
    e = e ? e : og_buf_puts(b, "</dc:subject><dc:creator>");
    e = e ? e : esc(b, pg->provider);
    e = e ? e : og_buf_puts(b, "</dc:creator><cp:keywords>");
    e = e ? e : esc(b, pg->number);
    e = e ? e : og_buf_puts(b, "</cp:keywords><dc:description>");
    e = e ? e : esc(b, pg->client);
    e = e ? e : og_buf_puts(b, "</dc:description>");
    if (!e && pg->revision && *pg->revision) {
        e = og_buf_puts(b, "<cp:version>");
        e = e ? e : esc(b, pg->revision);
        e = e ? e : og_buf_puts(b, "</cp:version>");
    }
    if (!e && date_ok(pg->date))
        e = og_buf_printf(b,
                          "<dcterms:created xsi:type=\"dcterms:W3CDTF\">%sT00:00:00Z</dcterms:"
                          "created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">%sT00:00:00Z"
                          "</dcterms:modified>",
                          pg->date, pg->date);
    og_error_clear();
    return e ? e : og_buf_puts(b, "</cp:coreProperties>");
}

static int app_xml(og_buf *b, const og_docgen_page *pg)
{
    int e = og_buf_puts(b, XML_HEAD "<Properties xmlns=\"http://schemas.openxmlformats.org/"
                                    "officeDocument/2006/extended-properties\"><Application>"
                                    "opsgate</Application><Company>");
    e = e ? e : esc(b, pg->provider);
    return e ? e : og_buf_puts(b, "</Company></Properties>");
}

/* The title block: title, subtitle, then client, provider, number, date and revision. */
static int title_block(og_buf *b, const og_docgen_page *pg)
{
    const char *rows[][2] = {{"Client", pg->client},
                             {"Provider", pg->provider},
                             {"Document", pg->number},
                             {"Date", pg->date},
                             {"Revision", pg->revision}};
    int e = 0;
    if (pg->title && *pg->title) {
        e = og_buf_puts(b, "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>");
        e = e ? e : esc(b, pg->title);
        e = e ? e : og_buf_puts(b, "</w:t></w:r></w:p>");
    }
    if (!e && pg->subtitle && *pg->subtitle) {
        e = og_buf_puts(b, "<w:p><w:pPr><w:pStyle w:val=\"Subtitle\"/></w:pPr><w:r><w:t>");
        e = e ? e : esc(b, pg->subtitle);
        e = e ? e : og_buf_puts(b, "</w:t></w:r></w:p>");
    }
    for (size_t i = 0; !e && i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (!rows[i][1] || !*rows[i][1])
            continue;
        e = og_buf_printf(b,
                          "<w:p><w:pPr><w:spacing w:after=\"0\"/></w:pPr><w:r><w:rPr><w:b/>"
                          "</w:rPr><w:t xml:space=\"preserve\">%s: </w:t></w:r><w:r><w:t "
                          "xml:space=\"preserve\">",
                          rows[i][0]);
        e = e ? e : esc(b, rows[i][1]);
        e = e ? e : og_buf_puts(b, "</w:t></w:r></w:p>");
    }
    /* the title block is a cover, as in the PDF: the document starts on page 2 */
    return e ? e : og_buf_puts(b, "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>");
}

static int document_xml(og_buf *b, const char *md, size_t len, const og_docgen_page *pg)
{
    int e = og_buf_puts(b, XML_HEAD "<w:document xmlns:w=\"" NS_W "\" xmlns:r=\"" NS_R "\">"
                                    "<w:body>");
    e = e ? e : title_block(b, pg);
    e = e ? e : og_docgen__docx_body(b, md, len);
    /* A4, 2 cm margins, header and footer 1 cm from the edge. */
    return e ? e
             : og_buf_puts(b, "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId3\"/>"
                              "<w:footerReference w:type=\"default\" r:id=\"rId4\"/>"
                              "<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" "
                              "w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" "
                              "w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>"
                              "</w:body></w:document>");
}

/* Add one part from memory (copied into the archive when it is closed) with the fixed time. */
static int add_part(zip_t *z, const char *name, const char *data, size_t len)
{
    zip_source_t *s = zip_source_buffer(z, data, len, 0);
    zip_int64_t i = s ? zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0) {
        zip_source_free(s);
        return og_error_set(OG_ERROR, "DOCX: cannot add %s: %s", name, zip_strerror(z));
    }
    /* 1980-01-01 00:00: DOS time 0, DOS date (0 << 9) | (1 << 5) | 1. */
    if (zip_file_set_dostime(z, (zip_uint64_t)i, 0, (1 << 5) | 1, 0) < 0 ||
        zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_DEFLATE, 6) < 0)
        return og_error_set(OG_ERROR, "DOCX: %s: %s", name, zip_strerror(z));
    return 0;
}

/* The archive written to memory, appended to out. */
static int pack(og_buf *out, const char *const *names, og_buf *parts, size_t n)
{
    int error = -1;
    zip_error_t ze;
    zip_t *z = NULL;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src || !(z = zip_open_from_source(src, ZIP_TRUNCATE, &ze))) {
        error = og_error_set(OG_ERROR, "DOCX: %s", zip_error_strerror(&ze));
        zip_source_free(src);
        goto cleanup;
    }
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++)
        if ((error = add_part(z, names[i], parts[i].data ? parts[i].data : "", parts[i].len)) < 0)
            goto cleanup;
    if (zip_close(z) < 0) {
        error = og_error_set(OG_ERROR, "DOCX: %s", zip_strerror(z));
        goto cleanup;
    }
    z = NULL;
    zip_stat_t st;
    if (zip_source_stat(src, &st) < 0 || zip_source_open(src) < 0) {
        error = og_error_set(OG_ERROR, "DOCX: cannot read the archive back");
        goto cleanup;
    }
    char chunk[16384];
    zip_int64_t got;
    while ((got = zip_source_read(src, chunk, sizeof(chunk))) > 0)
        if ((error = og_buf_append(out, chunk, (size_t)got)) < 0)
            break;
    zip_source_close(src);
    if (error >= 0)
        error = got < 0 ? og_error_set(OG_ERROR, "DOCX: cannot read the archive back") : 0;
cleanup:
    if (z)
        zip_discard(z);
    zip_source_free(src);
    zip_error_fini(&ze);
    return error;
}

int og_docgen_md_to_docx(og_buf *out, const char *md, size_t len, const og_docgen_page *page)
{
    static const char *const names[] = {
        "[Content_Types].xml", "_rels/.rels",       "docProps/core.xml",
        "docProps/app.xml",    "word/document.xml", "word/_rels/document.xml.rels",
        "word/styles.xml",     "word/settings.xml", "word/header1.xml",
        "word/footer1.xml",
    };
    enum { N = sizeof(names) / sizeof(names[0]) };
    og_buf parts[N];
    og_docgen_page empty;
    int error = 0;
    memset(&empty, 0, sizeof(empty));
    if (!page)
        page = &empty;
    for (size_t i = 0; i < N; i++)
        og_buf_init(&parts[i], out->cap);
    error = og_buf_puts(&parts[0], content_types);
    error = error ? error : og_buf_puts(&parts[1], package_rels);
    error = error ? error : core_xml(&parts[2], page);
    error = error ? error : app_xml(&parts[3], page);
    error = error ? error : document_xml(&parts[4], md, len, page);
    error = error ? error : og_buf_puts(&parts[5], document_rels);
    error = error ? error : og_buf_puts(&parts[6], styles);
    error = error ? error : og_buf_puts(&parts[7], settings);
    error = error ? error : header_xml(&parts[8], page);
    error = error ? error : og_buf_puts(&parts[9], footer);
    if (!error)
        error = pack(out, names, parts, N);
    for (size_t i = 0; i < N; i++)
        og_buf_free(&parts[i]);
    return error;
}
