/* markdown.c - pipe tables (which core cmark lacks) and Markdown to a standalone HTML page. */
#include "docgen/docgen_internal.h"
#include "opsgate/error.h"

#include <cmark.h>
#include <stdio.h>
#include <string.h>

#define MAX_SEGMENTS 100000
#define MAX_ROWS     100000

typedef struct line {
    const char *p;
    size_t len; /* without the newline */
} line;

static bool is_blank(const line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->p[i] != ' ' && l->p[i] != '\t' && l->p[i] != '\r')
            return false;
    return true;
}

/* Trimmed view of a line. */
static line trim(line l)
{
    while (l.len && (*l.p == ' ' || *l.p == '\t')) {
        l.p++;
        l.len--;
    }
    while (l.len && (l.p[l.len - 1] == ' ' || l.p[l.len - 1] == '\t' || l.p[l.len - 1] == '\r'))
        l.len--;
    return l;
}

static bool is_fence(const line *l)
{
    line t = trim(*l);
    return t.len >= 3 && (strncmp(t.p, "```", 3) == 0 || strncmp(t.p, "~~~", 3) == 0) &&
           (size_t)(t.p - l->p) <= 3;
}

static bool is_pipe_row(const line *l)
{
    line t = trim(*l);
    return t.len >= 2 && t.p[0] == '|';
}

/* Count the cells of a row; the cells are filled when out is set (each malloc'ed). */
static int split_cells(line l, char **out, int max)
{
    line t = trim(l);
    size_t i = 0, start;
    int n = 0;
    if (t.len && t.p[0] == '|')
        i = 1;
    /* a trailing unescaped bar closes the row */
    size_t end = t.len;
    if (end > i && t.p[end - 1] == '|' && !(end >= 2 && t.p[end - 2] == '\\'))
        end--;
    start = i;
    for (;; i++) {
        if (i < end && t.p[i] == '\\' && i + 1 < end) {
            i++;
            continue;
        }
        if (i >= end || t.p[i] == '|') {
            if (n < max && out) {
                line c = {t.p + start, i - start};
                c = trim(c);
                out[n] = strndup(c.p, c.len);
                if (!out[n])
                    return -1;
                /* GFM: the table removes the escape of a bar before inline parsing, so a "\|"
                 * inside a code span shows as "|" */
                char *w = out[n];
                for (const char *r = out[n]; *r; r++) {
                    if (r[0] == '\\' && r[1] == '|')
                        r++;
                    *w++ = *r;
                }
                *w = '\0';
            }
            n++;
            start = i + 1;
            if (i >= end)
                break;
        }
    }
    return n;
}

/* The delimiter row: cells of -, optional leading/trailing ':'. Fills align. */
static int delimiter_row(line l, int ncols, og_md_align *align)
{
    char *cells[OG_MD_MAX_COLS];
    int n = split_cells(l, NULL, 0), ok = 1;
    if (n != ncols || n > OG_MD_MAX_COLS || !is_pipe_row(&l))
        return 0;
    if (split_cells(l, cells, OG_MD_MAX_COLS) < 0)
        return 0;
    for (int i = 0; i < n; i++) {
        const char *c = cells[i];
        size_t len = strlen(c), dashes = 0;
        int left = len && c[0] == ':', right = len > 1 && c[len - 1] == ':';
        for (size_t k = (size_t)left; k < len - (size_t)right; k++) {
            if (c[k] != '-')
                ok = 0;
            dashes++;
        }
        if (!len || !dashes)
            ok = 0;
        align[i] = left && right ? OG_MD_CENTER : right ? OG_MD_RIGHT : OG_MD_LEFT;
        free(cells[i]);
    }
    return ok;
}

static void table_free(og_md_table *t)
{
    for (int r = 0; t->cells && r < t->nrows; r++) {
        for (int c = 0; t->cells[r] && c < t->ncols; c++)
            free(t->cells[r][c]);
        free(t->cells[r]);
    }
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

static void parties_free(og_md_party *ps, size_t n)
{
    for (size_t i = 0; ps && i < n; i++) {
        free(ps[i].party);
        free(ps[i].organisation);
        free(ps[i].name);
        free(ps[i].title);
    }
    free(ps);
}

void og_md_segments_free(og_md_segment *segs, size_t n)
{
    for (size_t i = 0; segs && i < n; i++) {
        if (segs[i].is_table)
            table_free(&segs[i].table);
        if (segs[i].is_signatures)
            parties_free(segs[i].parties, segs[i].nparties);
    }
    free(segs);
}

/* The fence opens a signature block: ``` or ~~~ followed by the info string "signatures". */
static bool is_signature_fence(const line *l)
{
    line t = trim(*l);
    size_t i = 0;
    while (i < t.len && (t.p[i] == '`' || t.p[i] == '~'))
        i++;
    while (i < t.len && t.p[i] == ' ')
        i++;
    return is_fence(l) && t.len - i == 10 && strncmp(t.p + i, "signatures", 10) == 0;
}

/* A value of a signature line, with the Markdown escapes the view model adds ("\|", "\<")
 * taken out: the block is not Markdown. */
static char *sig_value(const char *p, size_t n)
{
    char *o = malloc(n + 1), *w = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '|' || p[i + 1] == '<'))
            i++;
        *w++ = p[i];
    }
    *w = '\0';
    return o;
}

/* Parse the lines of a signature block (between its fences) into parties. */
static int parse_parties(const line *lines, size_t n, og_md_party **out, size_t *nout)
{
    og_md_party *ps = calloc(OG_MD_MAX_PARTIES, sizeof(*ps));
    size_t np = 0;
    int open = 0;
    if (!ps)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++) {
        line t = trim(lines[i]);
        if (!t.len) {
            open = 0;
            continue;
        }
        const char *colon = memchr(t.p, ':', t.len);
        if (!colon)
            continue;
        size_t klen = (size_t)(colon - t.p);
        line v = trim((line){colon + 1, t.len - klen - 1});
        char **slot = NULL;
        if (!open) {
            if (np == OG_MD_MAX_PARTIES)
                break;
            np++;
            open = 1;
        }
        og_md_party *p = &ps[np - 1];
        if (klen == 5 && !strncmp(t.p, "party", 5))
            slot = &p->party;
        else if ((klen == 12 && !strncmp(t.p, "organisation", 12)) ||
                 (klen == 12 && !strncmp(t.p, "organization", 12)))
            slot = &p->organisation;
        else if (klen == 4 && !strncmp(t.p, "name", 4))
            slot = &p->name;
        else if (klen == 5 && !strncmp(t.p, "title", 5))
            slot = &p->title;
        if (!slot)
            continue;
        free(*slot);
        if (!(*slot = sig_value(v.p, v.len))) {
            parties_free(ps, np);
            return og_error_set(OG_ERROR, "out of memory");
        }
    }
    for (size_t i = 0; i < np; i++) {
        char **f[] = {&ps[i].party, &ps[i].organisation, &ps[i].name, &ps[i].title};
        for (size_t k = 0; k < 4; k++) {
            if (!*f[k] && !(*f[k] = strdup(""))) {
                parties_free(ps, np);
                return og_error_set(OG_ERROR, "out of memory");
            }
        }
    }
    *out = ps;
    *nout = np;
    return 0;
}

static int add_row(og_md_table *t, line l)
{
    char *cells[OG_MD_MAX_COLS + 64];
    int n;
    char ***rows;
    if (t->nrows >= MAX_ROWS)
        return og_error_set(OG_ETOOBIG, "a Markdown table has more than %d rows", MAX_ROWS);
    memset(cells, 0, sizeof(cells));
    n = split_cells(l, cells, OG_MD_MAX_COLS + 64);
    if (n < 0)
        return og_error_set(OG_ERROR, "out of memory");
    rows = realloc(t->cells, sizeof(char **) * (size_t)(t->nrows + 1));
    if (!rows)
        goto oom;
    t->cells = rows;
    t->cells[t->nrows] = calloc((size_t)t->ncols, sizeof(char *));
    if (!t->cells[t->nrows])
        goto oom;
    /* extra cells are dropped and missing ones are empty, as GFM does */
    for (int c = 0; c < t->ncols; c++) {
        t->cells[t->nrows][c] = c < n && cells[c] ? cells[c] : strdup("");
        cells[c] = NULL;
        if (!t->cells[t->nrows][c]) {
            t->nrows++;
            goto oom;
        }
    }
    t->nrows++;
    for (int c = 0; c < OG_MD_MAX_COLS + 64; c++)
        free(cells[c]);
    return 0;
oom:
    for (int c = 0; c < OG_MD_MAX_COLS + 64; c++)
        free(cells[c]);
    return og_error_set(OG_ERROR, "out of memory");
}

/* The segments found so far. */
typedef struct seglist {
    og_md_segment *segs;
    size_t n, cap;
} seglist;

/* A new zeroed segment at the end, NULL (error set) past MAX_SEGMENTS or out of memory. */
static og_md_segment *seg_new(seglist *sl)
{
    if (sl->n >= MAX_SEGMENTS) {
        og_error_set(OG_ETOOBIG, "Markdown has more than %d segments", MAX_SEGMENTS);
        return NULL;
    }
    if (sl->n == sl->cap) {
        size_t nc = sl->cap ? sl->cap * 2 : 16;
        og_md_segment *ns = realloc(sl->segs, nc * sizeof(*sl->segs));
        if (!ns) {
            og_error_set(OG_ERROR, "out of memory");
            return NULL;
        }
        sl->segs = ns;
        sl->cap = nc;
    }
    og_md_segment *sg = &sl->segs[sl->n++];
    memset(sg, 0, sizeof(*sg));
    return sg;
}

/* The text md[from..to) as a segment, when it is not empty. */
static int seg_text(seglist *sl, const char *md, size_t from, size_t to)
{
    og_md_segment *sg;
    if (to <= from)
        return 0;
    if (!(sg = seg_new(sl)))
        return og_error_code();
    sg->text = md + from;
    sg->len = to - from;
    return 0;
}

/* md cut into lines (without their '\n'); caller frees *out. */
static int cut_lines(const char *md, size_t len, line **out, size_t *nout)
{
    line *lines = NULL;
    size_t nlines = 0, cap = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(md + i, '\n', len - i);
        size_t l = nl ? (size_t)(nl - (md + i)) : len - i;
        if (nlines == cap) {
            size_t nc = cap ? cap * 2 : 256;
            line *nl2 = realloc(lines, nc * sizeof(line));
            if (!nl2) {
                free(lines);
                return og_error_set(OG_ERROR, "out of memory");
            }
            lines = nl2;
            cap = nc;
        }
        lines[nlines].p = md + i;
        lines[nlines].len = l;
        nlines++;
        i += l + (nl ? 1 : 0);
    }
    *out = lines;
    *nout = nlines;
    return 0;
}

int og_md_split(const char *md, size_t len, og_md_segment **out, size_t *nout)
{
    int error = -1, in_fence = 0;
    line *lines = NULL;
    size_t nlines = 0, text_start = 0;
    seglist sl = {0};
    og_md_segment *sg;
    *out = NULL;
    *nout = 0;
    if ((error = cut_lines(md, len, &lines, &nlines)) < 0)
        return error;
    for (size_t i = 0; i < nlines; i++) {
        if (!in_fence && is_signature_fence(&lines[i])) {
            size_t j = i + 1, tstart = (size_t)(lines[i].p - md);
            while (j < nlines && !is_fence(&lines[j]))
                j++;
            if ((error = seg_text(&sl, md, text_start, tstart)) < 0)
                goto cleanup;
            if (!(sg = seg_new(&sl))) {
                error = og_error_code();
                goto cleanup;
            }
            sg->is_signatures = 1;
            if ((error = parse_parties(lines + i + 1, j - i - 1, &sg->parties, &sg->nparties)) < 0)
                goto cleanup;
            j = j < nlines ? j + 1 : j; /* past the closing fence */
            text_start = j < nlines ? (size_t)(lines[j].p - md) : len;
            i = j - 1;
            continue;
        }
        if (is_fence(&lines[i])) {
            in_fence = !in_fence;
            continue;
        }
        if (in_fence || !is_pipe_row(&lines[i]) || i + 1 >= nlines)
            continue;
        int ncols = split_cells(lines[i], NULL, 0);
        og_md_align align[OG_MD_MAX_COLS];
        if (ncols < 1 || ncols > OG_MD_MAX_COLS || !delimiter_row(lines[i + 1], ncols, align))
            continue;
        /* the text before the table, then the table */
        if ((error = seg_text(&sl, md, text_start, (size_t)(lines[i].p - md))) < 0)
            goto cleanup;
        if (!(sg = seg_new(&sl))) {
            error = og_error_code();
            goto cleanup;
        }
        sg->is_table = 1;
        sg->table.ncols = ncols;
        memcpy(sg->table.align, align, sizeof(align[0]) * (size_t)ncols);
        if ((error = add_row(&sg->table, lines[i])) < 0)
            goto cleanup;
        size_t j = i + 2;
        for (; j < nlines && is_pipe_row(&lines[j]) && !is_blank(&lines[j]); j++)
            if ((error = add_row(&sg->table, lines[j])) < 0)
                goto cleanup;
        text_start = j < nlines ? (size_t)(lines[j].p - md) : len;
        i = j - 1;
    }
    if ((error = seg_text(&sl, md, text_start, len)) < 0)
        goto cleanup;
    *out = sl.segs;
    *nout = sl.n;
    sl.segs = NULL;
    error = 0;
cleanup:
    og_md_segments_free(sl.segs, sl.n);
    free(lines);
    return error;
}

/* ---- HTML ---- */

int og_docgen__xml_escape(og_buf *b, const char *s, size_t n, int pango)
{
    int error = 0;
    for (size_t i = 0; i < n && !error; i++) {
        switch (s[i]) {
        case '&':
            error = og_buf_puts(b, "&amp;");
            break;
        case '<':
            error = og_buf_puts(b, "&lt;");
            break;
        case '>':
            error = og_buf_puts(b, "&gt;");
            break;
        case '"':
            error = og_buf_puts(b, "&quot;");
            break;
        case '\'':
            error = pango ? og_buf_puts(b, "&apos;") : og_buf_append(b, &s[i], 1);
            break;
        default:
            /* control characters are invalid in pango markup */
            if (pango && (unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
                error = og_buf_puts(b, " ");
            else
                error = og_buf_append(b, &s[i], 1);
        }
    }
    return error;
}

static int html_escape(og_buf *b, const char *s)
{
    return og_docgen__xml_escape(b, s, s ? strlen(s) : 0, 0);
}

static int cell_html(og_buf *b, const char *cell)
{
    int error;
    char *h = cmark_markdown_to_html(cell, strlen(cell), CMARK_OPT_DEFAULT);
    if (!h)
        return og_error_set(OG_ERROR, "out of memory");
    size_t n = strlen(h);
    const char *p = h;
    if (n >= 8 && strncmp(h, "<p>", 3) == 0 && strcmp(h + n - 5, "</p>\n") == 0) {
        p = h + 3;
        n -= 8;
    }
    error = og_buf_append(b, p, n);
    free(h);
    return error;
}

static int table_html(og_buf *b, const og_md_table *t)
{
    static const char *const al[] = {"", " class=\"c\"", " class=\"r\""};
    int error = og_buf_puts(b, "<table>\n<thead>\n<tr>");
    for (int c = 0; !error && c < t->ncols; c++) {
        if ((error = og_buf_printf(b, "<th%s>", al[t->align[c]])) < 0 ||
            (error = cell_html(b, t->cells[0][c])) < 0 || (error = og_buf_puts(b, "</th>")) < 0)
            return error;
    }
    if (!error)
        error = og_buf_puts(b, "</tr>\n</thead>\n<tbody>\n");
    for (int r = 1; !error && r < t->nrows; r++) {
        error = og_buf_puts(b, "<tr>");
        for (int c = 0; !error && c < t->ncols; c++) {
            if ((error = og_buf_printf(b, "<td%s>", al[t->align[c]])) < 0 ||
                (error = cell_html(b, t->cells[r][c])) < 0 || (error = og_buf_puts(b, "</td>")) < 0)
                return error;
        }
        if (!error)
            error = og_buf_puts(b, "</tr>\n");
    }
    if (!error)
        error = og_buf_puts(b, "</tbody>\n</table>\n");
    return error;
}

/* A signature block: per party who signs, a signature line, name and title, a date line. */
static int signatures_html(og_buf *b, const og_md_segment *sg)
{
    int error = og_buf_puts(b, "<section class=\"signatures\">\n");
    for (size_t i = 0; !error && i < sg->nparties; i++) {
        const og_md_party *p = &sg->parties[i];
        if ((error = og_buf_puts(b, "<div class=\"party\"><p class=\"who\"><strong>")) < 0 ||
            (error = html_escape(b, p->party)) < 0 ||
            (error = og_buf_puts(b, "</strong><br>")) < 0 ||
            (error = html_escape(b, p->organisation)) < 0 ||
            (error = og_buf_puts(b, "</p>\n<p class=\"line\">Signature</p>\n<p>Name: ")) < 0 ||
            (error = html_escape(b, p->name)) < 0 || (error = og_buf_puts(b, "<br>Title: ")) < 0 ||
            (error = html_escape(b, p->title)) < 0 ||
            (error = og_buf_puts(b, "</p>\n<p class=\"line\">Date</p></div>\n")) < 0)
            return error;
    }
    return error ? error : og_buf_puts(b, "</section>\n");
}

static const char *const css =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;font-size:11pt;color:#1a1a1a;"
    "max-width:60em;margin:2em auto;padding:0 1.5em;line-height:1.45}\n"
    "header.running{display:flex;justify-content:space-between;align-items:center;gap:1em;"
    "font-size:9pt;color:#666;border-bottom:1px solid var(--brand);padding-bottom:.3em;"
    "margin-bottom:1.5em}\n"
    "header.running img.logo{height:1.6em;vertical-align:middle;margin-right:.5em}\n"
    "h1{font-size:20pt;margin:.2em 0 .5em;color:var(--brand)}h2{font-size:15pt;margin-top:1.6em;"
    "border-bottom:1px solid var(--brand)}h3{font-size:12pt;margin-top:1.2em}\n"
    "table{border-collapse:collapse;width:100%;margin:.8em 0;font-size:9.5pt}\n"
    "th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left;"
    "hyphens:none}\n"
    "th{background:color-mix(in srgb,var(--accent) 12%,white)}"
    "td.r,th.r{text-align:right;white-space:nowrap}td.c,th.c{text-align:center}\n"
    ".signatures{display:grid;grid-template-columns:1fr 1fr;gap:1em 3em;margin:1.5em 0;"
    "break-inside:avoid;page-break-inside:avoid}\n"
    ".signatures .line{border-top:1px solid #333;margin-top:3em;padding-top:.2em;"
    "font-size:9pt;color:#555}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:9.5pt;background:#f4f4f4;"
    "padding:0 .2em}\n"
    "@media print{body{margin:0;max-width:none}header.running{position:running(header)}}\n";

/* The brand's colour (accent: its accent, else its colour), checked again here because a page
 * may come from a caller: only "#rrggbb" reaches the stylesheet. */
static const char *brand_color(const og_docgen_page *page, int accent)
{
    const og_docgen_brand *b = page->brand;
    const char *c = b ? (accent && b->accent && *b->accent ? b->accent : b->color) : NULL;
    char norm[8];
    if (c && og_docgen_color_parse(c, "color", norm) == 0 && strlen(c) == 7)
        return c;
    og_error_clear();
    return accent ? "#4a5d7a" : "#1f3b5c";
}

/* The logo as a data: URI image (decoded and checked when it was stored). */
static int logo_html(og_buf *b, const og_docgen_brand *brand)
{
    int error;
    if (!brand || !brand->logo || !brand->logo_len || !brand->logo_type)
        return 0;
    char *b64 = og_base64_encode(brand->logo, brand->logo_len);
    if (!b64)
        return og_error_set(OG_ERROR, "out of memory");
    error = og_buf_printf(
        b, "<img class=\"logo\" alt=\"\" src=\"data:%s;base64,%s\">",
        strcmp(brand->logo_type, "image/svg+xml") == 0 ? "image/svg+xml" : "image/png", b64);
    free(b64);
    return error;
}

int og_docgen_md_to_html(og_buf *out, const char *md, size_t len, const og_docgen_page *page)
{
    int error = -1;
    og_md_segment *segs = NULL;
    size_t n = 0, start = out->len;
    og_docgen_page empty;
    if (!page) {
        memset(&empty, 0, sizeof(empty));
        page = &empty;
    }
    if ((error = og_md_split(md, len, &segs, &n)) < 0)
        return error;
    if ((error = og_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                  "<meta charset=\"utf-8\">\n<title>")) < 0 ||
        (error = html_escape(out, page->title ? page->title : "Document")) < 0 ||
        (page->number && *page->number &&
         ((error = og_buf_puts(out, " ")) < 0 || (error = html_escape(out, page->number)) < 0)) ||
        (error = og_buf_printf(out,
                               "</title>\n<meta name=\"generator\" content=\"opsgate %s\">\n"
                               "<style>\n:root{--brand:%s;--accent:%s}\n%s</style>\n</head>\n"
                               "<body>\n",
                               OG_VERSION, brand_color(page, 0), brand_color(page, 1), css)) < 0 ||
        (error = og_buf_puts(out, "<header class=\"running\"><span class=\"provider\">")) < 0 ||
        (error = logo_html(out, page->brand)) < 0 ||
        (error = html_escape(out, page->provider)) < 0 ||
        (error = og_buf_puts(out, "</span><span>")) < 0 ||
        (error = html_escape(out, page->client)) < 0 ||
        (page->client && *page->client && page->number && *page->number &&
         (error = og_buf_puts(out, " \xc2\xb7 ")) < 0) ||
        (error = html_escape(out, page->number)) < 0 ||
        (error = og_buf_puts(out, "</span></header>\n<main>\n")) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if (segs[i].is_table) {
            if ((error = table_html(out, &segs[i].table)) < 0)
                goto cleanup;
            continue;
        }
        if (segs[i].is_signatures) {
            if ((error = signatures_html(out, &segs[i])) < 0)
                goto cleanup;
            continue;
        }
        char *h = cmark_markdown_to_html(segs[i].text, segs[i].len, CMARK_OPT_DEFAULT);
        if (!h) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        error = og_buf_puts(out, h);
        free(h);
        if (error < 0)
            goto cleanup;
    }
    error = og_buf_puts(out, "</main>\n</body>\n</html>\n");
cleanup:
    if (error < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    og_md_segments_free(segs, n);
    return error;
}
