/* audit_api.c - GET /api/v1/audit (cursor pages) and GET /api/v1/audit/export (streamed).
 *
 * An export can be far larger than any buffer we would hold, so og_audit_export() runs on its own
 * thread and writes into a pipe; libmicrohttpd reads the other end through a content-reader
 * callback and sends it chunked. The handler waits for the first byte (or the end) before
 * answering, so a failure that happens before any output (denied, unknown tenant, bad format)
 * is still a proper JSON error with its status; a failure after output has started ends the
 * chunked stream without its terminating chunk, which clients see as a truncated download. */
#include "http/parity_api.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX     1000
#define EXPORT_BLOCK        32768

/* The chain a request names: q (?tenant=, or the console's path; name or id), else the token's
 * own tenant, else (platform actors) the platform chain, given as NULL. out must hold OG_ID_LEN
 * bytes; named (may be NULL) receives the tenant ("" name for the platform). */
int og_http__audit_chain(og_http_req *r, const char *q, char *out, const char **chain,
                         og_tenant *named)
{
    og_tenant t;
    *chain = NULL;
    if (named)
        memset(named, 0, sizeof(*named));
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", q);
        int error = og_tenant_get(&r->ctx, q, &t);
        if (error < 0)
            return error;
        og_strlcpy(out, t.id, OG_ID_LEN);
        *chain = out;
        if (named)
            *named = t;
    } else if (r->ctx.actor.tenant_id[0]) {
        og_strlcpy(out, r->ctx.actor.tenant_id, OG_ID_LEN);
        *chain = out;
        if (named && og_tenant_get(&r->ctx, out, named) < 0) {
            og_error_clear(); /* the name is a label: the chain is still the actor's */
            memset(named, 0, sizeof(*named));
        }
    }
    return 0;
}

static int query_time(og_http_req *r, const char *name, const char **out)
{
    int64_t us;
    const char *v = og_http__query(r, name);
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (og_time_parse(v, &us) < 0)
        return og_error_set(OG_EINVAL, "query '%s': '%.64s' is not an RFC 3339 time or a date",
                            name, v);
    *out = v;
    return 0;
}

static int query_int(og_http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *v = og_http__query(r, name);
    if (!v || !*v)
        return 0;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max)
        return og_error_set(OG_EINVAL,
                            "query '%s': '%.32s' is not an integer in %" PRId64 "..%" PRId64, name,
                            v, min, max);
    *out = n;
    return 0;
}

/* ?order=desc: newest first from ?before= (og_audit_list_desc), with until, actor and target. */
static int audit_list_desc(og_http_req *r, const char *chain, const char *action, const char *since,
                           int64_t limit, json_t **records, int64_t *next)
{
    og_audit_filter f = {.action = action, .since = since};
    int64_t before = 0;
    int error;
    f.actor = og_http__query(r, "actor");
    f.target = og_http__query(r, "target");
    if ((error = query_time(r, "until", &f.until)) < 0 ||
        (error = query_int(r, "before", 1, INT64_MAX, &before)) < 0)
        return error;
    if ((f.actor && strlen(f.actor) > 160) || (f.target && strlen(f.target) > 160))
        return og_error_set(OG_EINVAL, "queries 'actor' and 'target' are at most 160 characters");
    return og_audit_list_desc(&r->ctx, chain, before, (int)limit, &f, records, next);
}

int og_http__audit_list(og_http_req *r)
{
    int error = -1;
    char tid[OG_ID_LEN];
    const char *chain, *since, *action = og_http__query(r, "action");
    const char *order = og_http__query(r, "order");
    int64_t after = 0, limit = AUDIT_LIMIT_DEFAULT, next = 0;
    json_t *records = NULL;
    og_tenant t;
    int desc = order && strcmp(order, "desc") == 0;

    if (order && !desc && strcmp(order, "asc") != 0)
        return og_error_set(OG_EINVAL, "query 'order': '%.16s' is neither 'asc' nor 'desc'", order);
    if (!desc) {
        const char *only[] = {"before", "until", "actor", "target"};
        for (size_t i = 0; i < 4; i++)
            if (og_http__query(r, only[i]))
                return og_error_set(OG_EINVAL, "query '%s' needs order=desc", only[i]);
    } else if (og_http__query(r, "after")) {
        return og_error_set(OG_EINVAL, "query 'after' pages oldest first: with order=desc, use "
                                       "'before'");
    }
    if ((error = og_http__audit_chain(r, og_http__query(r, "tenant"), tid, &chain, &t)) < 0 ||
        (error = query_time(r, "since", &since)) < 0 ||
        (error = query_int(r, "after", 0, INT64_MAX, &after)) < 0 ||
        (error = query_int(r, "limit", 1, AUDIT_LIMIT_MAX, &limit)) < 0)
        return error;
    if (action && (!*action || strlen(action) > 64))
        return og_error_set(OG_EINVAL, "query 'action' must be 1-64 characters");
    if (desc)
        error = audit_list_desc(r, chain, action, since, limit, &records, &next);
    else
        error = og_audit_list(&r->ctx, chain, after, (int)limit, action, since, &records, &next);
    if (error < 0)
        return error;
    /* The cursor is opaque to clients; today it is the last sequence number, as text. */
    char cursor[24];
    snprintf(cursor, sizeof(cursor), "%" PRId64, next);
    json_t *tenant = chain ? json_pack("{s:s,s:s?}", "id", chain, "name", t.name[0] ? t.name : NULL)
                           : json_null();
    return og_http__reply(r, 200,
                          json_pack("{s:o,s:o,s:o}", "tenant", tenant, "records", records, "next",
                                    next > 0 ? json_string(cursor) : json_null()));
}

/* GET /api/v1/audit/checkpoint?tenant=: the chain's latest signed checkpoint and its size. */
int og_http__audit_checkpoint(og_http_req *r)
{
    char tid[OG_ID_LEN];
    const char *chain;
    json_t *cp = NULL;
    int64_t size = 0;
    og_tenant t;
    int error;
    if ((error = og_http__audit_chain(r, og_http__query(r, "tenant"), tid, &chain, &t)) < 0 ||
        (error = og_audit_checkpoint_latest(&r->ctx, chain, &cp, &size)) < 0)
        return error;
    json_t *tenant = chain ? json_pack("{s:s,s:s?}", "id", chain, "name", t.name[0] ? t.name : NULL)
                           : json_null();
    return og_http__reply(r, 200,
                          json_pack("{s:o,s:I,s:o}", "tenant", tenant, "records", (json_int_t)size,
                                    "checkpoint", cp ? cp : json_null()));
}

/* ---- streamed export ---- */

typedef struct export_job {
    og_http_server *srv;
    og_store *store; /* owned: back to the pool when the job is freed */
    og_ctx ctx;      /* ctx.store == store */
    char tenant_id[OG_ID_LEN];
    int has_tenant;
    char format[8];
    char since[64];
    char until[64];
    int fd[2]; /* export thread writes fd[1], libmicrohttpd reads fd[0] */
    pthread_t thread;
    int started;
    atomic_int result; /* og_audit_export's return, valid once done */
    atomic_int done;
    atomic_size_t written;
    char errmsg[512]; /* the export thread's error message, for the reply */
} export_job;

static int export_sink(void *arg, const void *data, size_t len)
{
    export_job *j = arg;
    const char *p = data;
    /* Not og_fd_write_all: each partial write counts in j->written as soon as it is made. */
    while (len > 0) {
        ssize_t n = write(j->fd[1], p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) /* EPIPE: the client went away and the reader end is closed */
            return og_error_set(OG_ERROR, "client closed the export stream");
        atomic_fetch_add(&j->written, (size_t)n);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void *export_run(void *arg)
{
    export_job *j = arg;
    og_error_clear();
    int rc = og_audit_export(&j->ctx, j->has_tenant ? j->tenant_id : NULL, j->format,
                             j->since[0] ? j->since : NULL, j->until[0] ? j->until : NULL,
                             export_sink, j);
    if (rc < 0)
        og_strlcpy(j->errmsg, og_error_last(), sizeof(j->errmsg));
    atomic_store(&j->result, rc);
    atomic_store(&j->done, 1);
    close(j->fd[1]); /* EOF for the reader */
    j->fd[1] = -1;
    return NULL;
}

static void export_free(void *cls)
{
    export_job *j = cls;
    if (!j)
        return;
    if (j->fd[0] >= 0)
        close(j->fd[0]); /* a still-writing export thread now gets EPIPE and stops */
    if (j->started)
        pthread_join(j->thread, NULL);
    if (j->fd[1] >= 0)
        close(j->fd[1]);
    if (j->store)
        og_store_pool_put(j->srv->pool, j->store);
    atomic_fetch_sub(&j->srv->exports, 1);
    free(j);
}

static ssize_t export_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    export_job *j = cls;
    (void)pos;
    /* One read, not og_fd_read_full: the server sends what the export made so far. */
    for (;;) {
        ssize_t n = read(j->fd[0], buf, max);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        /* EOF: the writer closed its end after storing the result. */
        if (atomic_load(&j->result) < 0) {
            fprintf(stderr, "opsgate: http: audit export failed mid-stream: %s\n", j->errmsg);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
}

static const char *export_type(const char *format)
{
    if (strcmp(format, "oscal") == 0)
        return "application/json";
    if (strcmp(format, "jsonl") == 0)
        return "application/x-ndjson";
    return "text/csv; charset=utf-8";
}

int og_http__audit_export(og_http_req *r)
{
    return og_http__audit_export_of(r, og_http__query(r, "tenant"));
}

int og_http__audit_export_of(og_http_req *r, const char *tenant)
{
    int error = -1;
    export_job *j = NULL;
    char tid[OG_ID_LEN];
    const char *chain, *since, *until;
    const char *format = og_http__query(r, "format");
    struct MHD_Response *resp = NULL;

    if (!format || !*format)
        format = "jsonl";
    if (strcmp(format, "oscal") && strcmp(format, "jsonl") && strcmp(format, "csv"))
        return og_error_set(OG_EINVAL, "query 'format': '%.32s' is not oscal, jsonl or csv",
                            format);
    if ((error = og_http__audit_chain(r, tenant, tid, &chain, NULL)) < 0 ||
        (error = query_time(r, "since", &since)) < 0 ||
        (error = query_time(r, "until", &until)) < 0)
        return error;
    if (atomic_fetch_add(&r->srv->exports, 1) >= r->srv->max_exports) {
        atomic_fetch_sub(&r->srv->exports, 1);
        return og_error_set(OG_EBUSY, "too many audit exports running; try again shortly");
    }

    j = calloc(1, sizeof(*j));
    if (!j) {
        atomic_fetch_sub(&r->srv->exports, 1);
        return og_error_set(OG_ERROR, "out of memory");
    }
    j->srv = r->srv;
    j->fd[0] = j->fd[1] = -1;
    if (pipe2(j->fd, O_CLOEXEC) != 0) {
        error = og_error_set(OG_ERROR, "pipe: %s", strerror(errno));
        goto cleanup;
    }
    /* The job takes the request's store: it outlives the handler. */
    j->store = r->store;
    r->store = NULL;
    j->ctx = r->ctx;
    j->ctx.store = j->store;
    if (chain) {
        og_strlcpy(j->tenant_id, chain, sizeof(j->tenant_id));
        j->has_tenant = 1;
    }
    og_strlcpy(j->format, format, sizeof(j->format));
    og_strlcpy(j->since, since ? since : "", sizeof(j->since));
    og_strlcpy(j->until, until ? until : "", sizeof(j->until));
    if (pthread_create(&j->thread, NULL, export_run, j) != 0) {
        error = og_error_set(OG_ERROR, "cannot start the export thread");
        goto cleanup;
    }
    j->started = 1;

    /* Wait for the first byte or the end, whichever comes first. */
    struct pollfd pfd = {.fd = j->fd[0], .events = POLLIN};
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
        ;
    if (atomic_load(&j->done) && atomic_load(&j->written) == 0 && atomic_load(&j->result) < 0) {
        error = og_error_set(atomic_load(&j->result), "%s", j->errmsg);
        goto cleanup;
    }

    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, EXPORT_BLOCK, export_read, j,
                                             export_free);
    if (!resp) {
        error = og_error_set(OG_ERROR, "cannot create the export response");
        goto cleanup;
    }
    j = NULL; /* owned by the response now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, export_type(format));
    char disp[128];
    snprintf(disp, sizeof(disp), "attachment; filename=\"audit-%s.%s\"", chain ? chain : "platform",
             strcmp(format, "oscal") == 0 ? "json" : format);
    MHD_add_response_header(resp, "Content-Disposition", disp);
    r->raw = resp;
    r->status = 200;
    error = 0;
cleanup:
    if (j && !j->started && j->store) {
        /* Never started: hand the store back to the request, which returns it. */
        r->store = j->store;
        j->store = NULL;
    }
    export_free(j);
    return error;
}
