/* deadline.h - internal to src/http: the whole-request deadline. libmicrohttpd's connection
 * timeout restarts with every byte, so a client sending one byte every few seconds was never cut
 * off. Here a request's headers must be complete timeout_s after its first byte, and its body
 * gets timeout_s plus one second per min_rate bytes received (a minimum average rate, as Apache's
 * mod_reqtimeout); past that a watchdog thread shuts the connection's socket down and
 * libmicrohttpd closes it (the request, if started, ends as aborted). The time the server takes
 * to answer is not counted. */
#ifndef OPSGATE_HTTP_DEADLINE_H
#define OPSGATE_HTTP_DEADLINE_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

typedef struct og_http_deadlines og_http_deadlines;

/* Start the watchdog. timeout_s > 0, min_rate > 0 (bytes per second). */
int og_http__deadlines_new(og_http_deadlines **out, int timeout_s, int min_rate);
/* Stop the watchdog and free; after MHD_stop_daemon() (every connection closed). NULL-safe. */
void og_http__deadlines_free(og_http_deadlines *d);
/* MHD_OPTION_NOTIFY_CONNECTION, cls is the og_http_deadlines (NULL: nothing to do): a connection
 * starts waiting for its first request, or is forgotten once closed. */
void og_http__deadlines_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                               enum MHD_ConnectionNotificationCode toe);
/* The steps of a request on conn (each a no-op when d is NULL): its request line arrived, its
 * first body byte arrived (the body's time starts), n body bytes arrived, the server works on it
 * (headers or the whole body are in: no deadline), the request ended (the connection waits for
 * the next one). */
void og_http__deadlines_request(og_http_deadlines *d, struct MHD_Connection *conn);
void og_http__deadlines_body(og_http_deadlines *d, struct MHD_Connection *conn);
void og_http__deadlines_progress(og_http_deadlines *d, struct MHD_Connection *conn, size_t n);
void og_http__deadlines_served(og_http_deadlines *d, struct MHD_Connection *conn);
void og_http__deadlines_idle(og_http_deadlines *d, struct MHD_Connection *conn);

#endif
