/* docx_body.c - Markdown to the body of a WordprocessingML document (word/document.xml): cmark's
 * AST and our pipe tables (og_md_split) as styled paragraphs, runs and tables. docx.c wraps it in
 * the package. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#define RUN_BOLD   1u
#define RUN_ITALIC 2u
#define RUN_CODE   4u
#define RUN_LINK   8u

/* The text width of an A4 page with 2 cm margins, in twentieths of a point. */
#define TEXT_TWIPS 9638

typedef struct body {
    og_buf *out;
    int error;
} body;

static void put(body *b, const char *s)
{
    if (!b->error)
        b->error = og_buf_puts(b->out, s);
}

static void text(body *b, const char *s, size_t n)
{
    if (!b->error)
        b->error = og_docgen__xml_escape(b->out, s, n, 1);
}

/* One run of text with its character formatting. */
static void run(body *b, const char *s, size_t n, unsigned fmt)
{
    if (!n)
        return;
    put(b, "<w:r>");
    if (fmt) {
        put(b, "<w:rPr>");
        if (fmt & RUN_CODE) /* one character style: code wins over a link */
            put(b, "<w:rStyle w:val=\"CodeChar\"/>");
        else if (fmt & RUN_LINK)
            put(b, "<w:rStyle w:val=\"Hyperlink\"/>");
        if (fmt & RUN_BOLD)
            put(b, "<w:b/>");
        if (fmt & RUN_ITALIC)
            put(b, "<w:i/>");
        put(b, "</w:rPr>");
    }
    put(b, "<w:t xml:space=\"preserve\">");
    text(b, s, n);
    put(b, "</w:t></w:r>");
}

static void inlines(body *b, cmark_node *n, unsigned fmt, int depth)
{
    if (depth > 32)
        return;
    for (cmark_node *c = cmark_node_first_child(n); c && !b->error; c = cmark_node_next(c)) {
        const char *lit;
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
            lit = cmark_node_get_literal(c);
            run(b, lit ? lit : "", lit ? strlen(lit) : 0, fmt);
            break;
        case CMARK_NODE_CODE:
            lit = cmark_node_get_literal(c);
            run(b, lit ? lit : "", lit ? strlen(lit) : 0, fmt | RUN_CODE);
            break;
        case CMARK_NODE_SOFTBREAK:
            run(b, " ", 1, fmt);
            break;
        case CMARK_NODE_LINEBREAK:
            put(b, "<w:r><w:br/></w:r>");
            break;
        case CMARK_NODE_EMPH:
            inlines(b, c, fmt | RUN_ITALIC, depth + 1);
            break;
        case CMARK_NODE_STRONG:
            inlines(b, c, fmt | RUN_BOLD, depth + 1);
            break;
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE: /* its alt text */
            inlines(b, c, fmt | RUN_LINK, depth + 1);
            break;
        default:
            break; /* raw HTML is dropped, as in HTML and PDF */
        }
    }
}

/* A paragraph's properties: a style, an indent (twips, hanging for a list item's marker). */
static void para_open(body *b, const char *style, int indent, int hanging, const char *jc)
{
    char tmp[160];
    put(b, "<w:p>");
    if (!style && !indent && !jc)
        return;
    put(b, "<w:pPr>");
    if (style) {
        snprintf(tmp, sizeof(tmp), "<w:pStyle w:val=\"%s\"/>", style);
        put(b, tmp);
    }
    if (indent) {
        snprintf(tmp, sizeof(tmp), "<w:ind w:left=\"%d\" w:hanging=\"%d\"/>", indent, hanging);
        put(b, tmp);
    }
    if (jc) {
        snprintf(tmp, sizeof(tmp), "<w:jc w:val=\"%s\"/>", jc);
        put(b, tmp);
    }
    put(b, "</w:pPr>");
}

static void blocks(body *b, cmark_node *parent, int indent, int depth);

static void list(body *b, cmark_node *l, int indent, int depth)
{
    int ordered = cmark_node_get_list_type(l) == CMARK_ORDERED_LIST;
    int n = ordered ? cmark_node_get_list_start(l) : 0;
    char marker[32];
    for (cmark_node *item = cmark_node_first_child(l); item && !b->error;
         item = cmark_node_next(item)) {
        cmark_node *first = cmark_node_first_child(item);
        if (ordered)
            snprintf(marker, sizeof(marker), "%d.", n++);
        else
            snprintf(marker, sizeof(marker), "\xE2\x80\xA2"); /* U+2022 bullet */
        para_open(b, "ListParagraph", indent + 360, 360, NULL);
        run(b, marker, strlen(marker), 0);
        put(b, "<w:r><w:tab/></w:r>"); /* to the hanging indent */
        if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
            inlines(b, first, 0, 0);
            first = cmark_node_next(first);
        }
        put(b, "</w:p>");
        for (cmark_node *c = first; c && !b->error; c = cmark_node_next(c)) {
            if (cmark_node_get_type(c) == CMARK_NODE_LIST)
                list(b, c, indent + 360, depth + 1);
            else if (cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH) {
                para_open(b, "ListParagraph", indent + 360, 0, NULL);
                inlines(b, c, 0, 0);
                put(b, "</w:p>");
            }
        }
    }
}

static void code_block(body *b, cmark_node *n, int indent)
{
    const char *lit = cmark_node_get_literal(n);
    size_t len = lit ? strlen(lit) : 0;
    if (len && lit[len - 1] == '\n')
        len--;
    para_open(b, "Code", indent, 0, NULL);
    for (size_t i = 0; i <= len && !b->error;) {
        const char *nl = memchr(lit + i, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - (lit + i)) : len - i;
        if (i)
            put(b, "<w:r><w:br/></w:r>");
        run(b, lit + i, ll, 0);
        i += ll + 1;
    }
    put(b, "</w:p>");
}

static void blocks(body *b, cmark_node *parent, int indent, int depth)
{
    char style[16];
    if (depth > 32)
        return;
    for (cmark_node *n = cmark_node_first_child(parent); n && !b->error; n = cmark_node_next(n)) {
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HEADING: {
            int level = cmark_node_get_heading_level(n);
            snprintf(style, sizeof(style), "Heading%d", level >= 3 ? 3 : level <= 1 ? 1 : 2);
            para_open(b, style, 0, 0, NULL);
            inlines(b, n, 0, 0);
            put(b, "</w:p>");
            break;
        }
        case CMARK_NODE_PARAGRAPH:
            para_open(b, NULL, indent, 0, NULL);
            inlines(b, n, 0, 0);
            put(b, "</w:p>");
            break;
        case CMARK_NODE_LIST:
            list(b, n, indent, depth + 1);
            break;
        case CMARK_NODE_BLOCK_QUOTE:
            blocks(b, n, indent + 567, depth + 1);
            break;
        case CMARK_NODE_CODE_BLOCK:
            code_block(b, n, indent);
            break;
        case CMARK_NODE_THEMATIC_BREAK:
            put(b, "<w:p><w:pPr><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" "
                   "w:color=\"999999\"/></w:pBdr></w:pPr></w:p>");
            break;
        default:
            break; /* raw HTML blocks are dropped */
        }
    }
}

/* One table cell's Markdown (inline: emphasis, code) as the runs of a paragraph. */
static void cell(body *b, const char *md, unsigned fmt, const char *jc, int width)
{
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/></w:tcPr>", width);
    put(b, tmp);
    para_open(b, "TableText", 0, 0, jc);
    cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
    if (!doc) {
        b->error = og_error_set(OG_ERROR, "out of memory");
        return;
    }
    for (cmark_node *c = cmark_node_first_child(doc); c; c = cmark_node_next(c))
        if (cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH ||
            cmark_node_get_type(c) == CMARK_NODE_HEADING)
            inlines(b, c, fmt, 0);
    cmark_node_free(doc);
    put(b, "</w:p></w:tc>");
}

/* A pipe table: the header row repeats on every page; right-aligned columns (money) stay right
 * aligned, centred ones centred. */
static void table(body *b, const og_md_table *t)
{
    char tmp[96];
    int width = t->ncols ? TEXT_TWIPS / t->ncols : TEXT_TWIPS;
    put(b, "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" "
           "w:type=\"pct\"/><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" "
           "w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/></w:tblPr>"
           "<w:tblGrid>");
    for (int c = 0; c < t->ncols; c++) {
        snprintf(tmp, sizeof(tmp), "<w:gridCol w:w=\"%d\"/>", width);
        put(b, tmp);
    }
    put(b, "</w:tblGrid>");
    for (int r = 0; r < t->nrows && !b->error; r++) {
        put(b, r == 0 ? "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
                      : "<w:tr><w:trPr><w:cantSplit/>"
                        "</w:trPr>");
        for (int c = 0; c < t->ncols; c++) {
            const char *jc = t->align[c] == OG_MD_RIGHT    ? "right"
                             : t->align[c] == OG_MD_CENTER ? "center"
                                                           : NULL;
            cell(b, t->cells[r][c], r == 0 ? RUN_BOLD : 0, jc, width);
        }
        put(b, "</w:tr>");
    }
    put(b, "</w:tbl><w:p/>");
}

/* A signature block: per party its name, organisation and title, then lines to sign and date,
 * kept together on one page. */
static void signatures(body *b, const og_md_segment *s)
{
    static const char *const line = "________________________________";
    for (size_t i = 0; i < s->nparties && !b->error; i++) {
        const og_md_party *p = &s->parties[i];
        const char *fields[][2] = {{"Organisation: ", p->organisation},
                                   {"Name: ", p->name},
                                   {"Title: ", p->title},
                                   {"Signature: ", line},
                                   {"Date: ", line}};
        put(b, "<w:p><w:pPr><w:pStyle w:val=\"Signature\"/><w:keepNext/></w:pPr>");
        run(b, p->party, strlen(p->party), RUN_BOLD);
        put(b, "</w:p>");
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            if (!fields[f][1] || !*fields[f][1])
                continue;
            put(b, f + 1 < sizeof(fields) / sizeof(fields[0])
                       ? "<w:p><w:pPr><w:pStyle w:val=\"Signature\"/><w:keepNext/></w:pPr>"
                       : "<w:p><w:pPr><w:pStyle w:val=\"Signature\"/></w:pPr>");
            run(b, fields[f][0], strlen(fields[f][0]), 0);
            run(b, fields[f][1], strlen(fields[f][1]), 0);
            put(b, "</w:p>");
        }
    }
}

int og_docgen__docx_body(og_buf *out, const char *md, size_t len)
{
    og_md_segment *segs = NULL;
    size_t n = 0;
    body b = {.out = out};
    int error = og_md_split(md, len, &segs, &n);
    if (error < 0)
        return error;
    for (size_t i = 0; i < n && !b.error; i++) {
        if (segs[i].is_table) {
            table(&b, &segs[i].table);
        } else if (segs[i].is_signatures) {
            signatures(&b, &segs[i]);
        } else {
            cmark_node *doc = cmark_parse_document(segs[i].text, segs[i].len, CMARK_OPT_DEFAULT);
            if (!doc) {
                b.error = og_error_set(OG_ERROR, "out of memory");
                break;
            }
            blocks(&b, doc, 0, 0);
            cmark_node_free(doc);
        }
    }
    og_md_segments_free(segs, n);
    return b.error;
}
