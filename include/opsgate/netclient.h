/* netclient.h - opsgate's one client of outside URLs (HTTP(S) and SMTP), the only user of libcurl:
 * notification channels, ACME, audit witnesses and the coming connectors share it, and with it
 * one global libcurl initialisation. It knows no domain: who may be connected to is decided by
 * the caller's allow_connect callback (egress.h's og_egress_check_sockaddr for tenant-configured
 * URLs), called with every resolved address before a socket is opened. */
#ifndef OPSGATE_NETCLIENT_H
#define OPSGATE_NETCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "opsgate/util.h"

/* 0 when the address (a struct sockaddr of len bytes) may be connected to; negative with the
 * thread's message set when not. */
typedef int (*og_netclient_allow_fn)(void *arg, const void *sockaddr, size_t len);
/* One response header (name and value trimmed, not NUL-terminated). */
typedef void (*og_netclient_header_fn)(void *arg, const char *name, size_t name_len,
                                       const char *value, size_t value_len);

typedef struct og_netclient_req {
    const char *method;         /* "GET" (default), "HEAD", "POST", "PUT", "PATCH" or "DELETE";
                                 * not used for SMTP */
    const char *url;            /* borrowed */
    const char *protocols;      /* allowed schemes, "http,https" by default; "smtp,smtps" */
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const void *body;           /* POST/PUT/PATCH body, or the SMTP message; may be NULL */
    size_t body_len;
    const char *mail_from;  /* SMTP envelope: "<a@b>" */
    const char *mail_rcpt;  /* SMTP envelope: one recipient "<c@d>" */
    const char *ca_pem;     /* PEM trust anchors for TLS; NULL = the system store */
    const char *user_agent; /* NULL = "opsgate/VERSION" */
    long timeout_s;         /* whole transfer; 0 = 30 */
    long connect_timeout_s; /* 0 = 10 */
    size_t body_cap;        /* response bytes kept in resp->body; 0 = read and discard up to
                             * 1 MiB. More than the cap fails with OG_ETOOBIG. */
    int no_proxy;           /* ignore proxy settings from the environment */
    og_netclient_allow_fn allow_connect; /* NULL = any address */
    void *allow_arg;
    og_netclient_header_fn on_header; /* NULL = headers ignored */
    void *header_arg;
} og_netclient_req;

typedef struct og_netclient_resp {
    long status;           /* HTTP status (or the last SMTP reply code), 0 when none */
    og_buf body;           /* up to req.body_cap bytes; clear with og_netclient_resp_clear */
    int64_t retry_after_s; /* Retry-After in seconds, -1 when absent */
    int refused;           /* allow_connect refused an address */
    int tls_untrusted;     /* the server's TLS certificate was not trusted */
    char error[300];       /* why the transfer failed ("" when it did not) */
} og_netclient_resp;
void og_netclient_resp_clear(og_netclient_resp *r);

/* A reusable client: one kept-alive connection across requests, one request at a time (a thread
 * each). Redirects are never followed (a 3xx is the answer). */
typedef struct og_netclient og_netclient;
int og_netclient_new(og_netclient **out);
void og_netclient_free(og_netclient *c); /* NULL-safe */

/*
 * Run req on c (NULL: a client for this request only). 0 when the exchange completed, whatever the
 * HTTP status (resp->status); otherwise resp->error says why, and the return is OG_EDENIED when
 * allow_connect refused every address, OG_ETOOBIG when the answer exceeded body_cap, OG_EINVAL for
 * a URL of another scheme, OG_ERROR for other failures (the thread's message is resp->error).
 * resp is reset first; clear it afterwards (also after a failure).
 */
int og_netclient_do(og_netclient *c, const og_netclient_req *req, og_netclient_resp *resp);

/* The scheme and host of url ("https", "example.com"); OG_EINVAL when it does not parse or has
 * no host. */
int og_netclient_url_parts(const char *url, char *scheme, size_t scheme_size, char *host,
                           size_t host_size);

#endif
