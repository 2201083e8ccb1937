/* stream.c - streamed request bodies (OG_HTTP_ROUTE_STREAM_BODY): the begin step before any of
 * the body, each piece to the route's writer, the end, and failures answered once the rest of
 * the body is dropped. */
#include "http/lifecycle.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The reply to a refused streamed upload must reach a client that does not wait for
 * "100 Continue", and answering while it still sends makes the kernel reset the connection (the
 * client then sees a send error instead of the reply), so this much more is read and dropped. */
#define STREAM_DISCARD_MAX ((uint64_t)1 << 30)

/* The declared Content-Length; 0 when absent or not a number. */
static int declared_length(og_http_req *r, uint64_t *out)
{
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    *out = 0;
    if (!cl)
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno != 0 || end == cl)
        return 0;
    *out = (uint64_t)n;
    return 1;
}

/* Remember a failure of a streamed body; the reply goes out once the rest is dropped (or now, see
 * og_http__stream_begin). */
static void stream_fail(og_http_req *r, int code)
{
    r->stream_err = code;
    r->streaming = 0;
    r->discarded = 0;
    og_strlcpy(r->stream_msg, og_error_last(), sizeof(r->stream_msg));
}

static enum MHD_Result stream_reply_failure(og_http_req *r)
{
    og_error_set(r->stream_err, "%s", r->stream_msg);
    return og_http__queue_failure(r, r->stream_err);
}

/*
 * The headers of a streamed request are in: check the declared size, authenticate and run
 * the route's begin handler, so a doomed upload (401, 403, 404, a lock held by someone else) fails
 * before any byte of its body is read. Such a failure is answered at once when the client waits
 * for "100 Continue" (it sends nothing more) or announced more than STREAM_DISCARD_MAX bytes
 * (libmicrohttpd then closes the connection after the reply); otherwise the body is read and
 * dropped first, so the client reads its reply and may keep the connection.
 */
enum MHD_Result og_http__stream_begin(og_http_req *r)
{
    uint64_t len;
    int has_len = declared_length(r, &len);
    int rc;
    og_error_clear();
    if (has_len && r->srv->max_upload && len > r->srv->max_upload) {
        r->too_big = 1;
        og_error_set(OG_ETOOBIG, "upload of %" PRIu64 " bytes is over the limit of %" PRIu64, len,
                     r->srv->max_upload);
        return og_http__queue_failure(r, OG_ETOOBIG);
    }
    /* The key's row, read by the check, is held for the handler (lifecycle.c says why). */
    if ((rc = og_http__authenticate(r)) < 0 ||
        (r->ctx.actor.tenant_id[0] &&
         (rc = og_crypto_scope_key_hold(r->ctx.store, r->ctx.actor.tenant_id)) < 0) ||
        (rc = r->match.route->handler(r)) < 0) {
        og_crypto_scope_key_release();
        og_http__store_release(r);
        stream_fail(r, rc);
        const char *expect =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        if ((expect && strcasecmp(expect, "100-continue") == 0) ||
            (has_len && len > STREAM_DISCARD_MAX))
            return stream_reply_failure(r);
        return MHD_YES;
    }
    og_crypto_scope_key_release();
    /* Chunks need no store: give it back while the body streams in. */
    og_http__store_release(r);
    r->ctx.store = NULL;
    r->streaming = 1;
    return MHD_YES;
}

enum MHD_Result og_http__stream_chunk(og_http_req *r, const char *data, size_t n)
{
    if (r->stream_err) {
        r->discarded += n;
        return r->discarded > STREAM_DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    int rc;
    r->streamed += n;
    if (r->srv->max_upload && r->streamed > r->srv->max_upload)
        rc = og_error_set(OG_ETOOBIG, "upload over the limit of %" PRIu64 " bytes",
                          r->srv->max_upload);
    else
        rc = r->body_write(r, data, n);
    if (rc < 0)
        stream_fail(r, rc);
    return MHD_YES;
}

enum MHD_Result og_http__stream_end(og_http_req *r)
{
    if (r->stream_err)
        return stream_reply_failure(r);
    r->streaming = 0;
    og_error_clear();
    r->store = og_store_pool_get(r->srv->pool);
    r->ctx.store = r->store;
    int rc = r->body_finish(r);
    og_http__store_release(r);
    r->ctx.store = NULL;
    if (rc < 0)
        return og_http__queue_failure(r, rc);
    return og_http__queue_reply(r);
}
