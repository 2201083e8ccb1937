/* console_artdiff.c - the console's artifact diff (og_artifact_diff's unified diff shown side by
 * side), a version's download (og_artifact_get_open, as the API's content route, as an
 * attachment) and search (og_artifact_search), as the signed-in actor. */
#include "http/console.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_ROWS_MAX    OG_CONSOLE_DIFF_ROWS /* rows of a diff page; past it the page says so */
#define SEARCH_QUERY_MAX 1024                 /* as the API's */
#define CONTENT_BLOCK    65536

/* ---- the diff ---- */

typedef struct side {
    json_t *rows;
    json_t *del, *add; /* pending '-' and '+' lines of the current change, paired up on flush */
    size_t lno, rno;
    int truncated;
    size_t max; /* rows kept; past it truncated is set */
} side;

static json_t *cell(size_t no, const char *text, size_t len, const char *kind)
{
    return json_pack("{s:I, s:s%, s:s}", "no", (json_int_t)no, "text", text, len, "kind", kind);
}

static void row_add(side *s, json_t *left, json_t *right)
{
    if (json_array_size(s->rows) >= s->max) {
        s->truncated = 1;
        json_decref(left);
        json_decref(right);
        return;
    }
    json_array_append_new(s->rows, json_pack("{s:o?, s:o?}", "left", left, "right", right));
}

/* Pair the pending deletions and additions into rows: deleted on the left, added on the right. */
static void flush(side *s)
{
    size_t nd = json_array_size(s->del), na = json_array_size(s->add);
    for (size_t i = 0; i < nd || i < na; i++)
        row_add(s, i < nd ? json_incref(json_array_get(s->del, i)) : NULL,
                i < na ? json_incref(json_array_get(s->add, i)) : NULL);
    json_array_clear(s->del);
    json_array_clear(s->add);
}

/* The unified diff's lines into side-by-side rows. Hunk headers start a separator row. */
static void diff_rows(const char *text, size_t len, side *s)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n >= 2 && p[0] == '@' && p[1] == '@') {
            unsigned long a = 0, b = 0;
            flush(s);
            if (sscanf(p, "@@ -%lu,%*u +%lu", &a, &b) == 2) {
                s->lno = a ? a : 1;
                s->rno = b ? b : 1;
            }
            if (json_array_size(s->rows) > 0)
                json_array_append_new(s->rows, json_pack("{s:b}", "gap", 1));
        } else if (n >= 3 && (strncmp(p, "---", 3) == 0 || strncmp(p, "+++", 3) == 0) &&
                   s->lno == 0) {
            /* the file header lines, before the first hunk */
        } else if (n >= 1 && p[0] == '-') {
            json_array_append_new(s->del, cell(s->lno++, p + 1, n - 1, "removed"));
        } else if (n >= 1 && p[0] == '+') {
            json_array_append_new(s->add, cell(s->rno++, p + 1, n - 1, "added"));
        } else if (n >= 1 && p[0] == ' ') {
            flush(s);
            row_add(s, cell(s->lno++, p + 1, n - 1, "same"), cell(s->rno++, p + 1, n - 1, "same"));
        }
        p = nl ? nl + 1 : end;
    }
    flush(s);
}

/* The version numbers of the diff: ?from= and ?to=, by default the one before the latest and
 * the latest. */
static int diff_versions(og_http_req *r, const og_artifact_ref *ref, int64_t *from, int64_t *to)
{
    json_t *art = NULL;
    int error;
    *from = *to = 0;
    if ((error = og_http__query_i64(r, "from", 1, INT64_MAX, from)) < 0 ||
        (error = og_http__query_i64(r, "to", 1, INT64_MAX, to)) < 0)
        return error;
    if (*from && *to)
        return 0;
    if ((error = og_artifact_show(&r->ctx, ref, &art)) < 0)
        return error;
    int64_t latest = json_integer_value(json_object_get(art, "latest"));
    json_decref(art);
    if (!*to)
        *to = latest;
    if (!*from)
        *from = *to > 1 ? *to - 1 : 1;
    return 0;
}

int og_http__console_diff_into(og_http_req *r, const og_artifact_ref *ref, int64_t from, int64_t to,
                               size_t max_rows, json_t *d)
{
    og_buf out;
    side s = {json_array(), json_array(), json_array(), 0, 0, 0, max_rows};
    int error;
    og_buf_init(&out, OG_ARTIFACT_DIFF_MAX * 4);
    if ((error = og_artifact_diff(&r->ctx, ref, from, to, &out)) < 0)
        goto cleanup;
    const char *text = out.data ? out.data : "";
    int binary = strncmp(text, "Binary versions", 15) == 0;
    if (!binary)
        diff_rows(text, out.len, &s);
    json_object_set_new(d, "from", json_integer(from));
    json_object_set_new(d, "to", json_integer(to));
    json_object_set_new(d, "binary",
                        binary ? json_stringn(text, strcspn(text, "\n")) : json_false());
    json_object_set_new(d, "identical", json_boolean(!binary && json_array_size(s.rows) == 0));
    json_object_set_new(d, "rows", json_incref(s.rows));
    json_object_set_new(d, "has_rows", json_boolean(json_array_size(s.rows) > 0));
    json_object_set_new(d, "truncated", json_boolean(s.truncated));
    json_object_set_new(d, "max_rows", json_integer((json_int_t)max_rows));
cleanup:
    json_decref(s.rows);
    json_decref(s.del);
    json_decref(s.add);
    og_buf_free(&out);
    return error;
}

/* GET .../artifacts/{name}/diff?from=N&to=M */
int og_http__console_artifact_diff(og_http_req *r)
{
    og_artifact_ref ref;
    int64_t from, to;
    json_t *d = NULL;
    int error;
    if ((error = og_http__console_artref(r, 1, &ref)) < 0 ||
        (error = diff_versions(r, &ref, &from, &to)) < 0)
        return error;
    if (!(d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? ref.tenant : NULL)))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_http__console_diff_into(r, &ref, from, to, DIFF_ROWS_MAX, d)) < 0) {
        json_decref(d);
        return error;
    }
    json_object_set_new(d, "tenant", json_string(ref.tenant));
    json_object_set_new(d, "project", json_string(ref.project));
    json_object_set_new(d, "name", json_string(ref.name));
    json_object_set_new(d, "project_href",
                        og_http__console_arthref(ref.tenant, ref.project, NULL, NULL));
    json_object_set_new(d, "artifact_href",
                        og_http__console_arthref(ref.tenant, ref.project, ref.name, NULL));
    return og_http__console_render(r, 200, "artdiff", d);
}

/* ---- the download ---- */

static ssize_t content_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    size_t got = 0;
    (void)pos;
    if (og_artifact_get_read(cls, buf, max, &got) < 0) {
        fprintf(stderr, "opsgate: http: console download failed mid-stream: %s\n", og_error_last());
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return got == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)got;
}

static void content_free(void *cls)
{
    og_artifact_get_close(cls);
}

/* Content-Disposition: attachment with an ASCII fallback name (anything but letters, digits and
 * ".-_" becomes '_') and the exact name as RFC 5987 filename*. */
static void disposition(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    og_buf b;
    og_buf_init(&b, cap - 1);
    og_buf_puts(&b, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        char c[2] = {(char)((*p < 128 && (strchr(".-_", *p) || (*p >= '0' && *p <= '9') ||
                                          ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
                                ? *p
                                : '_'),
                     0};
        og_buf_puts(&b, c);
    }
    og_buf_puts(&b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        char enc[4] = {(char)*p, 0, 0, 0};
        if (!((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') ||
              strchr(".-_~", *p))) {
            enc[0] = '%';
            enc[1] = hex[*p >> 4];
            enc[2] = hex[*p & 15];
        }
        og_buf_puts(&b, enc);
    }
    og_strlcpy(out, b.data ? b.data : "attachment", cap);
    og_buf_free(&b);
}

/* GET .../artifacts/{name}/content?version=N: the version's bytes as an attachment, checked
 * before the first byte as the API's download is; Cache-Control no-store (every console reply). */
int og_http__console_artifact_content(og_http_req *r)
{
    og_artifact_ref ref;
    og_artifact_reader *rd = NULL;
    og_artifact_version info;
    int64_t version = 0;
    int error;
    char disp[1024], ver[32];
    memset(&info, 0, sizeof(info));
    if ((error = og_http__console_artref(r, 1, &ref)) < 0 ||
        (error = og_http__query_i64(r, "version", 1, INT64_MAX, &version)) < 0 ||
        (error = og_artifact_get_open(&rd, &r->ctx, &ref, version, &info)) < 0)
        return error;
    og_http__store_release(r);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(info.size, CONTENT_BLOCK, content_read, rd, content_free);
    if (!resp) {
        og_artifact_get_close(rd);
        return og_error_set(OG_ERROR, "cannot create the download response");
    }
    disposition(ref.name, disp, sizeof(disp));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            info.media_type[0] ? info.media_type : "application/octet-stream");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    snprintf(ver, sizeof(ver), "%" PRId64, info.number);
    MHD_add_response_header(resp, "X-Opsgate-Version", ver);
    r->status = 200;
    r->raw = resp;
    return 0;
}

/* ---- search ---- */

/* GET /console/tenants/{tenant}/search?q=WORDS */
int og_http__console_search(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *list = NULL, *h;
    const char *q = og_http__query(r, "q");
    int error;
    if ((error = og_http__console_artref(r, -1, &ref)) < 0)
        return error;
    if (q && strlen(q) > SEARCH_QUERY_MAX)
        return og_error_set(OG_EINVAL, "query 'q' is over %d bytes", SEARCH_QUERY_MAX);
    if (q && *q)
        error = og_artifact_search(&r->ctx, ref.tenant, q, 50, &list);
    else if ((error = og_project_list(&r->ctx, ref.tenant, &list)) == 0) {
        /* No words yet: only the tenant is checked (another's is 404 as with words). */
        json_decref(list);
        list = NULL;
    }
    if (error < 0)
        return error;
    size_t i;
    json_array_foreach(list, i, h)
    {
        const char *p = json_string_value(json_object_get(h, "project"));
        const char *n = json_string_value(json_object_get(h, "name"));
        json_object_set_new(h, "href",
                            og_http__console_arthref(ref.tenant, p ? p : "", n ? n : "", NULL));
    }
    json_t *d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? ref.tenant : NULL);
    if (!d) {
        json_decref(list);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "tenant", json_string(ref.tenant));
    json_object_set_new(d, "projects_href", og_http__console_arthref(ref.tenant, NULL, NULL, NULL));
    json_object_set_new(d, "q", json_string(q ? q : ""));
    json_object_set_new(d, "searched", json_boolean(list != NULL));
    json_object_set_new(d, "count", json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(d, "results", list ? list : json_array());
    return og_http__console_render(r, 200, "search", d);
}
