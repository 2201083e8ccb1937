/* lifecycle.h - internal to src/http: how a request goes through libmicrohttpd (lifecycle.c),
 * the replies queued for it (reply.c) and streamed request bodies (stream.c). Handlers use
 * server.h, not this. */
#ifndef OPSGATE_HTTP_LIFECYCLE_H
#define OPSGATE_HTTP_LIFECYCLE_H

#include <microhttpd.h>

#include "http/server.h"

/* ---- libmicrohttpd callbacks (lifecycle.c), cls is the og_http_server ---- */
/* MHD_OPTION_URI_LOG_CALLBACK: makes the request's state and checks the raw target. */
void *og_http__on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
/* The access handler: framing and routing on the first call, then the body, then the reply. */
enum MHD_Result og_http__on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **con_cls);
/* MHD_OPTION_NOTIFY_COMPLETED: metrics, the access log, and frees the request's state. */
void og_http__on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe);

/* Fill r->ctx from the bearer token (takes a store from the pool). OG_EAUTH (401) or OG_EDENIED
 * (403, suspended tenant). */
int og_http__authenticate(og_http_req *r);
/* The client's address as the failed-authentication limit counts it (an IPv6 client by its /64),
 * "-" when unknown. */
void og_http__peer_address(og_http_req *r, char *out, size_t size);
/* The token's id part (the prefix the limit counts by), or "" when it has none. */
void og_http__token_prefix(const char *bearer, char out[OG_ID_LEN]);
/* Refused by the failed-authentication limit: count it, audit the first refusal of the window
 * (never the token, only its id part), and fail with r->retry_after set (429). */
int og_http__throttled(og_http_req *r, const char *source, const char *prefix,
                       const og_http_authlimit_refusal *why);

/* ---- queueing replies (reply.c) ---- */
/* Send {"error":{"code":code,"message":msg}} with status; WWW-Authenticate for 401, Allow for 405.
 */
enum MHD_Result og_http__queue_error(og_http_req *r, int status, const char *code, const char *msg);
/* The error reply for a failed handler or check: status from og_http__status_for(), message from
 * the thread's error slot (withheld for a 500, one wording for every 404, hints by detail). */
enum MHD_Result og_http__queue_failure(og_http_req *r, int code);
/* Send what the handler put in r (JSON, text, a streaming response, or an empty 204). */
enum MHD_Result og_http__queue_reply(og_http_req *r);

/* ---- streamed request bodies, OG_HTTP_ROUTE_STREAM_BODY (stream.c) ---- */
/* The headers are in: check the declared size, authenticate, run the route's begin handler. */
enum MHD_Result og_http__stream_begin(og_http_req *r);
/* One piece of the body: to body_write, or dropped after a failure. */
enum MHD_Result og_http__stream_chunk(og_http_req *r, const char *data, size_t n);
/* The body is complete: body_finish with a store, then the reply (or the failure). */
enum MHD_Result og_http__stream_end(og_http_req *r);

#endif
