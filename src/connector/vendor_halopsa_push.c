/* vendor_halopsa_push.c - what the HaloPSA adaptor sends back (documents attached to a project
 * with POST /Attachment, tickets opened, noted and closed with POST /Tickets) and how it takes
 * Halo's webhooks (a shared secret in a header, compared in constant time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_halopsa.h"

#define HALO_WEBHOOK_MAX (1 << 20)

static const char *cname(const og_conn *c)
{
    return c->name[0] ? c->name : "halopsa";
}

/* The ticket endpoint: options.ticket_path ("/Tickets" by default; one segment of letters). */
static const char *ticket_path(og_conn *c)
{
    const char *s = json_string_value(json_object_get(c->options, "ticket_path"));
    if (!s || s[0] != '/' || !s[1] ||
        strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(s + 1))
        return "/Tickets";
    return s;
}

/* POST path with a JSON array of one record (Halo's create-or-update shape); the id of the
 * record Halo answers with (an object, or an array of one) into id (may be NULL). */
static int post_one(og_conn *c, const char *path, json_t *record, char *id, size_t size)
{
    int error = 0;
    char *body = NULL;
    og_conn_response resp = {0};
    json_t *arr = json_array();
    if (!record || !arr || json_array_append(arr, record) < 0 ||
        !(body = json_dumps(arr, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR,
                             "connector %s (halopsa): cannot build the %s request "
                             "(text that is not UTF-8?)",
                             cname(c), path);
        goto cleanup;
    }
    og_conn_request rq = {.method = "POST", .path = path, .body = body, .body_len = strlen(body)};
    if ((error = og_conn_http(c, &rq, &resp)) < 0 || !id)
        goto cleanup;
    json_t *r = json_is_array(resp.json) ? json_array_get(resp.json, 0) : resp.json;
    if (og_halo_id_text(json_object_get(r, "id"), id, size) < 0)
        error = og_error_set(OG_ERROR,
                             "connector %s (halopsa): POST %s: the answer names no "
                             "record id",
                             cname(c), path);
cleanup:
    og_conn_response_clear(&resp);
    free(body);
    json_decref(arr);
    return error;
}

int og_halo_attach(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size)
{
    int error = 0;
    char *b64 = NULL;
    json_t *rec = NULL;
    if ((error = og_halo_check_id(c, "the project id", a->project_remote_id)) < 0)
        return error;
    if (!a->file_name || !*a->file_name)
        return og_error_set(OG_EINVAL, "connector %s (halopsa): the attachment has no file name",
                            cname(c));
    if (!(b64 = og_base64_encode(a->data, a->len)))
        return og_error_set(OG_ERROR, "out of memory");
    rec = json_pack("{s:I, s:s, s:s, s:s}", "ticket_id",
                    (json_int_t)strtoll(a->project_remote_id, NULL, 10), "filename", a->file_name,
                    "data_base64", b64, "note", a->title && *a->title ? a->title : a->file_name);
    if (rec && a->media_type && *a->media_type)
        json_object_set_new(rec, "content_type", json_string(a->media_type));
    error = post_one(c, "/Attachment", rec, remote_id, size);
    free(b64);
    json_decref(rec);
    return error;
}

/* options.priority_ids {"high": 2, ...}: Halo's priority ids are each instance's own. */
static void set_priority(og_conn *c, json_t *rec, const char *priority)
{
    json_t *ids = json_object_get(c->options, "priority_ids");
    json_t *v = priority ? json_object_get(ids, priority) : NULL;
    if (json_is_integer(v))
        json_object_set_new(rec, "priority_id", json_integer(json_integer_value(v)));
}

int og_halo_ticket_open(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size)
{
    int error = 0;
    if ((error = og_halo_check_id(c, "the company id", t->company_id)) < 0)
        return error;
    json_t *rec =
        json_pack("{s:I, s:s, s:s}", "client_id", (json_int_t)strtoll(t->company_id, NULL, 10),
                  "summary", t->title ? t->title : "", "details", t->body ? t->body : "");
    int64_t type = og_conn_opt_int(c, "ticket_type_id", 0);
    if (rec && type > 0)
        json_object_set_new(rec, "tickettype_id", json_integer(type));
    if (rec)
        set_priority(c, rec, t->priority);
    error = post_one(c, ticket_path(c), rec, remote_id, size);
    json_decref(rec);
    return error;
}

/* A note as a ticket update carrying Halo's action fields (the document has no Actions
 * endpoint); a close sets options.closed_status_id (default 9, Halo's "Closed"). */
static int ticket_update(og_conn *c, const char *remote_id, const og_conn_ticket *t, int close)
{
    int error = 0;
    if ((error = og_halo_check_id(c, "the ticket id", remote_id)) < 0)
        return error;
    const char *note = t && t->body && *t->body ? t->body : (t && t->title ? t->title : "");
    json_t *rec = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)strtoll(remote_id, NULL, 10),
                            "action_note", note, "action_outcome", close ? "Closed" : "Note");
    if (rec && close)
        json_object_set_new(rec, "status_id",
                            json_integer(og_conn_opt_int(c, "closed_status_id", 9)));
    error = post_one(c, ticket_path(c), rec, NULL, 0);
    json_decref(rec);
    return error;
}

int og_halo_ticket_note(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    return ticket_update(c, remote_id, t, 0);
}

int og_halo_ticket_close(og_conn *c, const char *remote_id, const og_conn_ticket *t)
{
    return ticket_update(c, remote_id, t, 1);
}

/* ---- webhooks ---- */

static int secret_eq(const char *given, size_t len, const char *secret)
{
    uint8_t a[32], b[32];
    og_crypto_sha256(given, len, a); /* equal-length digests: the compare leaks nothing */
    og_crypto_sha256(secret, strlen(secret), b);
    int eq = og_memeq_ct(a, b, sizeof(a));
    og_crypto_wipe(a, sizeof(a));
    og_crypto_wipe(b, sizeof(b));
    return eq;
}

/* The header's value matches the secret as Halo sends it: Basic (the password part; the
 * user name is free), Bearer, or the value itself (a custom header). */
static int header_matches(const char *v, const char *secret)
{
    int ok = 0;
    if (strncasecmp(v, "Basic ", 6) == 0) {
        uint8_t *raw = NULL;
        size_t n = 0;
        if (og_base64_decode(v + 6, &raw, &n) == 0) {
            uint8_t *colon = memchr(raw, ':', n);
            if (colon)
                ok = secret_eq((const char *)colon + 1, n - (size_t)(colon + 1 - raw), secret);
            og_crypto_wipe(raw, n);
        }
        free(raw);
        return ok;
    }
    if (strncasecmp(v, "Bearer ", 7) == 0)
        return secret_eq(v + 7, strlen(v + 7), secret);
    return secret_eq(v, strlen(v), secret);
}

static const char *header_value(const char *const *headers, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, nl) == 0 && headers[i][nl] == ':') {
            const char *v = headers[i] + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    return NULL;
}

/* The project a payload names: a ticket's parent (a task of a project) or the ticket itself,
 * from {"ticket": {...}} or the record at the top; "project_id"/"ticket_id" fields too. */
static void project_of(const json_t *body, char *out, size_t size)
{
    const json_t *t = json_object_get(body, "ticket");
    if (!json_is_object(t))
        t = body;
    out[0] = '\0';
    if (og_halo_id_text(json_object_get(body, "project_id"), out, size) == 0 ||
        og_halo_id_text(json_object_get(t, "parent_id"), out, size) == 0 ||
        og_halo_id_text(json_object_get(t, "id"), out, size) == 0 ||
        og_halo_id_text(json_object_get(body, "ticket_id"), out, size) == 0)
        return;
    out[0] = '\0';
}

int og_halo_webhook(og_conn *c, const og_conn_webhook *w, char *project_id, size_t size)
{
    const char *secret = og_conn_cred(c, "webhook_secret");
    const char *name = json_string_value(json_object_get(c->options, "webhook_header"));
    if (!name || !*name || strpbrk(name, ": \r\n"))
        name = "Authorization";
    project_id[0] = '\0';
    if (!*secret)
        return og_error_set(OG_EAUTH,
                            "connector %s (halopsa): no webhook_secret is set: "
                            "webhooks are refused",
                            cname(c));
    const char *v = header_value(w->headers, name);
    if (!v || !header_matches(v, secret))
        return og_error_set(OG_EAUTH,
                            "connector %s (halopsa): the webhook's %s header does not "
                            "authenticate",
                            cname(c), name);
    if (w->body_len > HALO_WEBHOOK_MAX)
        return og_error_set(OG_ETOOBIG, "connector %s (halopsa): webhook body over %d bytes",
                            cname(c), HALO_WEBHOOK_MAX);
    json_error_t je;
    json_t *body = json_loadb(w->body ? w->body : "", w->body_len, 0, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        return og_error_set(OG_EINVAL,
                            "connector %s (halopsa): the webhook body is not a JSON "
                            "object",
                            cname(c));
    }
    project_of(body, project_id, size);
    json_decref(body);
    return 0;
}
