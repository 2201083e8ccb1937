/* deadline.c - the whole-request deadline (deadline.h): every connection in a list with the step
 * its current request is at, and a watchdog thread that shuts down the socket of one past its
 * time.
 *
 * When does a request start? Its first byte, which libmicrohttpd does not report: the request
 * line is reported only once complete, and a client may trickle that too. So a connection
 * waiting for its next request is asked the kernel when it last received data (TCP_INFO
 * tcpi_last_data_recv): data after the previous request ended starts the next one. A connection
 * is only shut down, never closed here: libmicrohttpd closes its socket after telling us the
 * connection closed (MHD_CONNECTION_NOTIFY_CLOSED), and that waits for our lock, so the
 * descriptor shut down is always still the connection's. */
#include "http/deadline.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* How often the watchdog looks: a connection is cut at most this much after its deadline. */
#define TICK_MS 250
/* Kernel receive times are in jiffies: data this close to the end of a request is not taken as
 * the start of the next one (the next byte will be). */
#define RECV_SLACK_MS 20

enum dl_step { DL_IDLE, DL_HEADERS, DL_BODY, DL_SERVED };

typedef struct dl_conn {
    struct dl_conn *prev, *next;
    int fd;
    enum dl_step step;
    int64_t since_us; /* monotonic: start of the step (for DL_IDLE, the previous request's end) */
    uint64_t body_bytes;
    int cut; /* shut down already */
} dl_conn;

struct og_http_deadlines {
    int timeout_s;
    int min_rate;
    pthread_mutex_t mu; /* guards the list, every entry, stop and the counters */
    pthread_cond_t cv;
    dl_conn *head;
    int stop;
    pthread_t thread;
    int running;
    uint64_t cut;
    int64_t last_log_us;
};

static dl_conn *entry_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Milliseconds ago the connection last received data, or -1 when the kernel does not say. */
static int64_t last_recv_ms(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_last_data_recv) + sizeof(ti.tcpi_last_data_recv))
        return -1;
    return (int64_t)ti.tcpi_last_data_recv;
}

/* Past its deadline (mu held): which part was late, else NULL. */
static const char *late(const og_http_deadlines *d, dl_conn *c, int64_t now)
{
    int64_t allowed = (int64_t)d->timeout_s * 1000000;
    switch (c->step) {
    case DL_IDLE: {
        int64_t ago = last_recv_ms(c->fd);
        if (ago >= 0 && now - ago * 1000 > c->since_us + RECV_SLACK_MS * 1000) {
            c->step = DL_HEADERS;
            c->since_us = now - ago * 1000;
        }
        return NULL;
    }
    case DL_HEADERS:
        return now - c->since_us > allowed ? "request headers" : NULL;
    case DL_BODY:
        allowed += (int64_t)(c->body_bytes * 1000000 / (uint64_t)d->min_rate);
        return now - c->since_us > allowed ? "request body" : NULL;
    default:
        return NULL;
    }
}

static void sweep(og_http_deadlines *d)
{
    int64_t now = og_time_mono_us();
    for (dl_conn *c = d->head; c; c = c->next) {
        const char *what = c->cut ? NULL : late(d, c, now);
        if (!what)
            continue;
        shutdown(c->fd, SHUT_RDWR);
        c->cut = 1;
        d->cut++;
        /* One line a second at most: a flood of slow clients must not flood the log. */
        if (now - d->last_log_us >= 1000000) {
            d->last_log_us = now;
            fprintf(stderr,
                    "opsgate: http: closed a connection whose %s took over the request deadline "
                    "(--request-timeout %d s, then %d bytes/s); %llu closed so far\n",
                    what, d->timeout_s, d->min_rate, (unsigned long long)d->cut);
        }
    }
}

static void *watchdog(void *arg)
{
    og_http_deadlines *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        struct timespec at;
        og_time_deadline(&at, CLOCK_REALTIME, (int64_t)TICK_MS * 1000);
        pthread_cond_timedwait(&d->cv, &d->mu, &at);
        if (!d->stop)
            sweep(d);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

int og_http__deadlines_new(og_http_deadlines **out, int timeout_s, int min_rate)
{
    *out = NULL;
    if (timeout_s < 1 || min_rate < 1)
        return og_error_set(OG_EINVAL, "request deadline of %d s at %d bytes/s: both must be > 0",
                            timeout_s, min_rate);
    og_http_deadlines *d = calloc(1, sizeof(*d));
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    d->timeout_s = timeout_s;
    d->min_rate = min_rate;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, watchdog, d) != 0) {
        og_http__deadlines_free(d);
        return og_error_set(OG_ERROR, "cannot start the request deadline thread");
    }
    d->running = 1;
    *out = d;
    return 0;
}

void og_http__deadlines_free(og_http_deadlines *d)
{
    if (!d)
        return;
    if (d->running) {
        pthread_mutex_lock(&d->mu);
        d->stop = 1;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
    }
    while (d->head) { /* none once the daemon has stopped; a safety net */
        dl_conn *c = d->head;
        d->head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

void og_http__deadlines_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                               enum MHD_ConnectionNotificationCode toe)
{
    og_http_deadlines *d = cls;
    if (!d) { /* no deadline (--request-timeout 0) */
        *socket_context = NULL;
        return;
    }
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        dl_conn *c = ci ? calloc(1, sizeof(*c)) : NULL;
        *socket_context = c;
        if (!c)
            return; /* not watched: the idle timeout and connection limits still apply */
        c->fd = ci->connect_fd;
        c->step = DL_IDLE;
        c->since_us = og_time_mono_us();
        pthread_mutex_lock(&d->mu);
        c->next = d->head;
        if (d->head)
            d->head->prev = c;
        d->head = c;
        pthread_mutex_unlock(&d->mu);
        return;
    }
    dl_conn *c = *socket_context;
    *socket_context = NULL;
    if (!c)
        return;
    pthread_mutex_lock(&d->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&d->mu);
    free(c);
}

/* Move conn's entry to step (from any step when from is -1, else only from from). */
static void step_to(og_http_deadlines *d, struct MHD_Connection *conn, int from, enum dl_step to)
{
    if (!d)
        return;
    dl_conn *c = entry_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&d->mu);
    if (from < 0 || c->step == (enum dl_step)from) {
        c->step = to;
        c->since_us = og_time_mono_us();
        c->body_bytes = 0;
    }
    pthread_mutex_unlock(&d->mu);
}

void og_http__deadlines_request(og_http_deadlines *d, struct MHD_Connection *conn)
{
    step_to(d, conn, DL_IDLE, DL_HEADERS); /* the watchdog may have seen its first byte already */
}

void og_http__deadlines_body(og_http_deadlines *d, struct MHD_Connection *conn)
{
    step_to(d, conn, -1, DL_BODY);
}

void og_http__deadlines_progress(og_http_deadlines *d, struct MHD_Connection *conn, size_t n)
{
    if (!d)
        return;
    dl_conn *c = entry_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&d->mu);
    c->body_bytes += n;
    pthread_mutex_unlock(&d->mu);
}

void og_http__deadlines_served(og_http_deadlines *d, struct MHD_Connection *conn)
{
    step_to(d, conn, -1, DL_SERVED);
}

void og_http__deadlines_idle(og_http_deadlines *d, struct MHD_Connection *conn)
{
    step_to(d, conn, -1, DL_IDLE);
}
