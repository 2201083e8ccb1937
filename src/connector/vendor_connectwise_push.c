/* vendor_connectwise_push.c - what the ConnectWise adaptor sends back: documents attached to a
 * project (POST /system/documents, multipart/form-data) and project tickets for alerts and
 * reviews (POST/PATCH /project/tickets; a note is a text document on the ticket, because the API
 * description opsgate is checked against has no ticket notes path). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_connectwise.h"

#define CW_TITLE_MAX  100 /* ProjectTicket.summary: "Max length: 100" */
#define CW_UPLOAD_MAX ((size_t)64 << 20)

/* At most max bytes of s, cut on a UTF-8 character boundary, line breaks and controls as
 * spaces. Caller frees. */
static char *clean_line(const char *s, size_t max)
{
    size_t n = strlen(s ? s : "");
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[n] = '\0';
    return out;
}

/* A file name safe inside filename="...": quotes, backslashes, slashes and controls become '_'. */
static char *clean_file_name(const char *s)
{
    char *out = clean_line(s && *s ? s : "document", 200);
    for (char *p = out; p && *p; p++)
        if (*p == '"' || *p == '\\' || *p == '/' || *p == ' ' || *p == ';')
            *p = '_';
    return out;
}

static int media_type_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 100)
        return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("/.+-_;= ", *p)))
            return 0;
    return strchr(s, '/') != NULL;
}

static int part(og_buf *b, const char *boundary, const char *name, const char *value)
{
    return og_buf_printf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                         boundary, name, value);
}

/* Upload a document to a record (recordType Project or ProjectTicket): a multipart/form-data
 * body with a random boundary that the data does not hold. remote_id receives the document id. */
static int upload(og_conn *c, const char *record_type, const char *record_id, const char *title,
                  const char *file_name, const char *media_type, const void *data, size_t len,
                  char *remote_id, size_t size)
{
    int error = 0;
    og_buf b;
    og_conn_response resp = {0};
    char boundary[64], ct[128], hex[33];
    uint8_t rnd[16];
    char *t = clean_line(title && *title ? title : file_name, CW_TITLE_MAX);
    char *fn = clean_file_name(file_name);
    og_buf_init(&b, CW_UPLOAD_MAX + 4096);
    if (!t || !fn) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (len > CW_UPLOAD_MAX) {
        error = og_error_set(OG_ETOOBIG,
                             "connector %s: a document of %zu bytes is over the "
                             "upload limit of %zu",
                             og_conn__cw_name(c), len, CW_UPLOAD_MAX);
        goto cleanup;
    }
    do {
        if ((error = og_crypto_random(rnd, sizeof(rnd))) < 0)
            goto cleanup;
        og_hex_encode(rnd, sizeof(rnd), hex);
        snprintf(boundary, sizeof(boundary), "opsgate-%s", hex);
    } while (len >= strlen(boundary) && memmem(data, len, boundary, strlen(boundary)));
    if ((error = part(&b, boundary, "recordType", record_type)) < 0 ||
        (error = part(&b, boundary, "recordId", record_id)) < 0 ||
        (error = part(&b, boundary, "title", t)) < 0 ||
        (error = og_buf_printf(
             &b,
             "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
             "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
             boundary, fn, media_type_ok(media_type) ? media_type : "application/octet-stream")) <
            0 ||
        (len > 0 && (error = og_buf_append(&b, data, len)) < 0) ||
        (error = og_buf_printf(&b, "\r\n--%s--\r\n", boundary)) < 0)
        goto cleanup;
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", boundary);
    og_conn_request rq = {.method = "POST",
                          .path = "/system/documents",
                          .content_type = ct,
                          .body = b.data,
                          .body_len = b.len};
    if ((error = og_conn_http(c, &rq, &resp)) < 0)
        goto cleanup;
    if (og_conn__cw_id_text(json_object_get(resp.json, "id"), remote_id, size) < 0)
        error = og_error_set(OG_ERROR,
                             "connector %s (connectwise): POST /system/documents: the "
                             "answer names no document id",
                             og_conn__cw_name(c));
cleanup:
    og_conn_response_clear(&resp);
    og_buf_free(&b);
    free(t);
    free(fn);
    return error;
}

int og_conn__cw_attach(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size)
{
    remote_id[0] = '\0';
    if (!og_conn__cw_id_ok(a->project_remote_id))
        return og_error_set(OG_EINVAL, "connector %s: a ConnectWise project id is a 32-bit integer",
                            og_conn__cw_name(c));
    return upload(c, "Project", a->project_remote_id, a->title, a->file_name, a->media_type,
                  a->data, a->len, remote_id, size);
}

/* An option that holds a record id (an integer or a digit string) into out, "" when absent. */
static int opt_id(og_conn *c, const char *name, char *out, size_t size)
{
    json_t *v = json_object_get(c->options, name);
    out[0] = '\0';
    if (!v)
        return 0;
    if (og_conn__cw_id_text(v, out, size) < 0)
        return og_error_set(OG_EINVAL, "connector %s: options.%s must be a ConnectWise record id",
                            og_conn__cw_name(c), name);
    return 0;
}

/* The ticket's text with its idempotency key on a last line. Caller frees. */
static char *ticket_text(const og_conn_ticket *t)
{
    og_buf b;
    og_buf_init(&b, OG_BUF_DEFAULT_CAP);
    if (og_buf_printf(&b, "%s\n\nopsgate key: %s\n", t->body ? t->body : "", t->key ? t->key : "") <
        0) {
        og_buf_free(&b);
        return NULL;
    }
    return og_buf_detach(&b);
}

int og_conn__cw_ticket_open(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size)
{
    int error = 0;
    char phase[32], project[32], prio[32] = "";
    char *summary = clean_line(t->title, CW_TITLE_MAX), *text = ticket_text(t), *body = NULL;
    json_t *o = NULL;
    og_conn_response resp = {0};
    remote_id[0] = '\0';
    if (!summary || !text) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = opt_id(c, "ticket_phase_id", phase, sizeof(phase))) < 0 ||
        (error = opt_id(c, "ticket_project_id", project, sizeof(project))) < 0)
        goto cleanup;
    if (!phase[0]) {
        error = og_error_set(OG_EINVAL,
                             "connector %s (connectwise): set options.ticket_phase_id (the "
                             "project phase that receives opsgate's tickets): the API offers "
                             "opsgate project tickets, and a project ticket needs a phase",
                             og_conn__cw_name(c));
        goto cleanup;
    }
    json_t *prios = json_object_get(c->options, "ticket_priority_ids");
    if (t->priority && json_object_get(prios, t->priority) &&
        og_conn__cw_id_text(json_object_get(prios, t->priority), prio, sizeof(prio)) < 0)
        prio[0] = '\0';
    o = json_pack("{s:s, s:{s:I}, s:s}", "summary", summary, "phase", "id",
                  (json_int_t)strtoll(phase, NULL, 10), "initialDescription", text);
    if (o && project[0])
        json_object_set_new(o, "project",
                            json_pack("{s:I}", "id", (json_int_t)strtoll(project, NULL, 10)));
    if (o && og_conn__cw_id_ok(t->company_id))
        json_object_set_new(o, "company",
                            json_pack("{s:I}", "id", (json_int_t)strtoll(t->company_id, NULL, 10)));
    if (o && prio[0])
        json_object_set_new(o, "priority",
                            json_pack("{s:I}", "id", (json_int_t)strtoll(prio, NULL, 10)));
    if (!o || !(body = json_dumps(o, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_conn_request rq = {
        .method = "POST", .path = "/project/tickets", .body = body, .body_len = strlen(body)};
    if ((error = og_conn_http(c, &rq, &resp)) < 0)
        goto cleanup;
    if (og_conn__cw_id_text(json_object_get(resp.json, "id"), remote_id, size) < 0)
        error = og_error_set(OG_ERROR,
                             "connector %s (connectwise): POST /project/tickets: the "
                             "answer names no ticket id",
                             og_conn__cw_name(c));
cleanup:
    og_conn_response_clear(&resp);
    json_decref(o);
    free(summary);
    free(text);
    free(body);
    return error;
}

int og_conn__cw_ticket_note(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    char doc[32], title[CW_TITLE_MAX + 1];
    char *text = ticket_text(t);
    if (!og_conn__cw_id_ok(remote_id)) {
        free(text);
        return og_error_set(OG_EINVAL, "connector %s: a ConnectWise ticket id is a 32-bit integer",
                            og_conn__cw_name(c));
    }
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    snprintf(title, sizeof(title), "Note: %s", t->title ? t->title : "");
    int error = upload(c, "ProjectTicket", remote_id, title, "opsgate-note.txt",
                       "text/plain; charset=utf-8", text, strlen(text), doc, sizeof(doc));
    free(text);
    return error;
}

/* Close: a note first when there is text, then PATCH the status to options.ticket_closed_status_id
 * (or the status named options.ticket_closed_status, default "Closed"). */
int og_conn__cw_ticket_close(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    int error = 0;
    char path[64], sid[32];
    char *body = NULL;
    json_t *o = NULL;
    og_conn_response resp = {0};
    if (!og_conn__cw_id_ok(remote_id))
        return og_error_set(OG_EINVAL, "connector %s: a ConnectWise ticket id is a 32-bit integer",
                            og_conn__cw_name(c));
    if (t && t->body && *t->body && (error = og_conn__cw_ticket_note(c, remote_id, t)) < 0)
        goto cleanup;
    if ((error = opt_id(c, "ticket_closed_status_id", sid, sizeof(sid))) < 0)
        goto cleanup;
    const char *name = json_string_value(json_object_get(c->options, "ticket_closed_status"));
    json_t *value = sid[0] ? json_pack("{s:I}", "id", (json_int_t)strtoll(sid, NULL, 10))
                           : json_pack("{s:s}", "name", name && *name ? name : "Closed");
    o = json_pack("[{s:s, s:s, s:o}]", "op", "replace", "path", "status", "value", value);
    if (!o || !(body = json_dumps(o, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(path, sizeof(path), "/project/tickets/%s", remote_id);
    og_conn_request rq = {.method = "PATCH", .path = path, .body = body, .body_len = strlen(body)};
    error = og_conn_http(c, &rq, &resp);
cleanup:
    og_conn_response_clear(&resp);
    json_decref(o);
    free(body);
    return error;
}
