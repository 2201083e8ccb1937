/* http.h - the HTTP API server (libmicrohttpd): /api/v1, /healthz, /metrics. */
#ifndef OPSGATE_HTTP_H
#define OPSGATE_HTTP_H

#include <stddef.h>

typedef struct og_http_config {
    const char *data_dir;     /* an initialised data folder */
    const char *listen;       /* "127.0.0.1:8700"; port 0 picks a free port */
    int threads;              /* worker threads (0 = number of CPUs, at least 2) */
    size_t max_body;          /* request body limit in bytes (0 = 1 MiB) */
    const char *port_file;    /* if set, the bound port is written here once listening */
} og_http_config;

/* Serve until SIGTERM or SIGINT: then stop accepting, let in-flight requests finish, close the
 * database and return 0. Returns a negative code if it cannot start (message names the cause). */
int og_http_serve(const og_http_config *cfg);

#endif
