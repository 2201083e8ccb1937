/* conn_driver.c - drives one vendor adaptor directly (no data folder), for the connector tests:
 * the requests it sends go through the same og_conn_http path as the product's, to a simulator
 * or a Prism mock on loopback.
 *
 * Usage: og_conn_driver KIND BASE_URL CREDS.json OPTIONS.json OP [ARGS...]
 *   test                           -> the test call's JSON
 *   companies                      -> one JSON object per line {id, name}
 *   projects [SINCE]               -> one JSON object per line {remote_id, company_id,
 *                                     company_name, updated_at, closed, data, raw}
 *   project REMOTE_ID              -> the same for one project
 *   devices [SINCE]                -> one JSON object per line {remote_id, company_id, name,
 *                                     class, addresses, deleted, offline, updated_at, raw} (RMM)
 *   app-credentials                -> one JSON object per line {company_id, key_id, object_id,
 *                                     object_type, app_id, app_name, type, name, hint,
 *                                     thumbprint, start, end} (cloud)
 *   attach PROJECT_ID FILE NAME MEDIA_TYPE TITLE -> {"remote_id": ...}
 *   ticket-open COMPANY_ID KEY TITLE BODY        -> {"remote_id": ...}
 *   ticket-note REMOTE_ID KEY TITLE BODY
 *   ticket-close REMOTE_ID KEY TITLE BODY
 *   webhook HEADERS_FILE BODY_FILE -> {"project_id": ...} (headers: one "Name: value" per line)
 * Always prints a last line {"requests": N, "pages": N} on stderr. Exit 0 on success, 1 with the
 * error message on stderr. The address check is off (loopback simulators). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/connector_internal.h"
#include "opsgate/error.h"

static int print_company(void *arg, const og_conn_company *co)
{
    (void)arg;
    json_t *o = json_pack("{s:s, s:s}", "id", co->id, "name", co->name ? co->name : "");
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    return 0;
}

static int print_project(void *arg, const og_conn_project *p)
{
    (void)arg;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:O, s:O}", "remote_id", p->remote_id,
                          "company_id", p->company_id ? p->company_id : "", "company_name",
                          p->company_name ? p->company_name : "", "updated_at",
                          p->updated_at ? p->updated_at : "", "closed", p->closed, "data",
                          p->data ? p->data : json_null(), "raw", p->raw ? p->raw : json_null());
    if (!o)
        return og_error_set(OG_ERROR, "cannot build the project line");
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    return 0;
}

static int print_device(void *arg, const og_conn_device *d)
{
    (void)arg;
    json_t *addrs = json_array();
    for (size_t i = 0; addrs && i < d->naddresses; i++)
        json_array_append_new(addrs, json_string(d->addresses[i]));
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:s, s:O}", "remote_id", d->remote_id,
                  "company_id", d->company_id ? d->company_id : "", "name", d->name ? d->name : "",
                  "class", d->device_class ? d->device_class : "", "addresses", addrs, "deleted",
                  d->deleted, "offline", d->offline, "updated_at",
                  d->updated_at ? d->updated_at : "", "raw", d->raw ? d->raw : json_null());
    if (!o)
        return og_error_set(OG_ERROR, "cannot build the device line");
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    return 0;
}

static int print_app_cred(void *arg, const og_conn_app_cred *a)
{
    const og_certs_app_credential *k = &a->cred;
    char start[OG_TIME_LEN] = "", end[OG_TIME_LEN] = "";
    (void)arg;
    if (k->start_us)
        og_time_format(k->start_us, start);
    og_time_format(k->end_us, end);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                          "company_id", a->company_id ? a->company_id : "", "key_id", k->key_id,
                          "object_id", k->object_id, "object_type", k->object_type, "app_id",
                          k->app_id, "app_name", k->app_name, "type", k->type, "name", k->name,
                          "hint", k->hint, "thumbprint", k->thumbprint, "start", start, "end", end);
    if (!o)
        return og_error_set(OG_ERROR, "cannot build the app credential line");
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    return 0;
}

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fprintf(stderr, "og_conn_driver: %s: %s\n", path, e.text);
    return j;
}

static int need(int argc, int n)
{
    if (argc < n)
        return og_error_set(OG_EINVAL, "missing arguments for this operation");
    return 0;
}

static int run(og_conn *c, int argc, char **argv)
{
    const og_conn_vendor *v = c->vendor;
    const char *op = argv[5];
    char id[256] = "";
    int error = 0;
    if (strcmp(op, "test") == 0) {
        json_t *out = NULL;
        if (!v->test)
            return og_error_set(OG_EINVAL, "%s has no test call", v->kind);
        if ((error = v->test(c, &out)) == 0) {
            char *s = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
            printf("%s\n", s);
            free(s);
        }
        json_decref(out);
        return error;
    }
    if (strcmp(op, "companies") == 0)
        return v->companies ? v->companies(c, print_company, NULL)
                            : og_error_set(OG_EINVAL, "no companies call");
    if (strcmp(op, "projects") == 0)
        return v->projects ? v->projects(c, argc > 6 ? argv[6] : "", print_project, NULL)
                           : og_error_set(OG_EINVAL, "no projects call");
    if (strcmp(op, "devices") == 0)
        return v->devices ? v->devices(c, argc > 6 ? argv[6] : "", print_device, NULL)
                          : og_error_set(OG_EINVAL, "no devices call");
    if (strcmp(op, "app-credentials") == 0)
        return v->app_credentials ? v->app_credentials(c, print_app_cred, NULL)
                                  : og_error_set(OG_EINVAL, "no app-credentials call");
    if (strcmp(op, "project") == 0)
        return (error = need(argc, 7)) < 0 ? error
               : v->project                ? v->project(c, argv[6], print_project, NULL)
                                           : og_error_set(OG_EINVAL, "no project call");
    if (strcmp(op, "attach") == 0) {
        char *data = NULL;
        long len = 0;
        if ((error = need(argc, 11)) < 0)
            return error;
        FILE *f = fopen(argv[7], "rb");
        if (!f)
            return og_error_set(OG_EINVAL, "cannot open %s", argv[7]);
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        data = malloc(len > 0 ? (size_t)len : 1);
        if (data && len > 0 && fread(data, 1, (size_t)len, f) != (size_t)len)
            len = 0;
        fclose(f);
        og_conn_attachment a = {argv[6], argv[8], argv[9], argv[10], data, (size_t)len};
        error = v->attach ? v->attach(c, &a, id, sizeof(id))
                          : og_error_set(OG_EINVAL, "no attach call");
        free(data);
    } else if (strncmp(op, "ticket-", 7) == 0) {
        if ((error = need(argc, 10)) < 0)
            return error;
        og_conn_ticket t = {argv[6], argv[8], argv[9], argv[7], "medium"};
        if (strcmp(op, "ticket-open") == 0) {
            error = v->ticket_open ? v->ticket_open(c, &t, id, sizeof(id))
                                   : og_error_set(OG_EINVAL, "no ticket_open call");
        } else {
            t.company_id = NULL;
            int (*fn)(og_conn *, const char *, const og_conn_ticket *) =
                strcmp(op, "ticket-note") == 0 ? v->ticket_note : v->ticket_close;
            error = fn ? fn(c, argv[6], &t) : og_error_set(OG_EINVAL, "no %s call", op);
            og_strlcpy(id, argv[6], sizeof(id));
        }
    } else if (strcmp(op, "webhook") == 0) {
        char *hdrs = NULL, *body = NULL, *lines[64] = {0};
        size_t hl = 0, bl = 0;
        int n = 0;
        if ((error = need(argc, 8)) < 0)
            return error;
        if ((error = og_file_read(argv[6], 1 << 20, &hdrs, &hl)) < 0 ||
            (error = og_file_read(argv[7], 16 << 20, &body, &bl)) < 0)
            goto webhook_done;
        for (char *save = NULL, *l = strtok_r(hdrs, "\n", &save); l && n < 63;
             l = strtok_r(NULL, "\n", &save))
            lines[n++] = l;
        og_conn_webhook w = {(const char *const *)lines, body, bl};
        error = v->webhook ? v->webhook(c, &w, id, sizeof(id))
                           : og_error_set(OG_EINVAL, "no webhook call");
        if (error == 0)
            printf("{\"project_id\":\"%s\"}\n", id);
    webhook_done:
        free(hdrs);
        free(body);
        return error;
    } else {
        return og_error_set(OG_EINVAL, "unknown operation '%s'", op);
    }
    if (error == 0)
        printf("{\"remote_id\":\"%s\"}\n", id);
    return error;
}

int main(int argc, char **argv)
{
    int error = 0;
    og_conn *c = NULL;
    json_t *creds = NULL, *opts = NULL;
    if (argc < 6) {
        fprintf(stderr, "usage: og_conn_driver KIND BASE_URL CREDS.json OPTIONS.json OP [ARGS]\n");
        return 2;
    }
    if (!(creds = load(argv[3])) || !(opts = load(argv[4]))) {
        error = 1;
        goto cleanup;
    }
    if ((error = og_conn_open(&c, argv[1], argv[2], creds, opts)) < 0) {
        fprintf(stderr, "og_conn_driver: %s\n", og_error_last());
        goto cleanup;
    }
    snprintf(c->name, sizeof(c->name), "%s", "driver");
    c->allow_connect = NULL;
    fflush(stdout);
    if ((error = run(c, argc, argv)) < 0)
        fprintf(stderr, "og_conn_driver: %s (%s)\n", og_error_last(), og_error_name(error));
    fprintf(stderr, "{\"requests\": %lld, \"pages\": %lld}\n", (long long)c->requests,
            (long long)c->pages);
cleanup:
    og_conn_free(c);
    json_decref(creds);
    json_decref(opts);
    return error < 0 ? 1 : error;
}
