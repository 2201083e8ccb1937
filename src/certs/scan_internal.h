/* scan_internal.h - target specs and endpoints shared by targets.c and scan.c. */
#ifndef OPSGATE_CERTS_SCAN_INTERNAL_H
#define OPSGATE_CERTS_SCAN_INTERNAL_H

#include <netinet/in.h>
#include <stdint.h>

#include "opsgate/certs.h"

enum { OG_TSPEC_NAME = 1, OG_TSPEC_ADDR, OG_TSPEC_CIDR };

/* One parsed target. A spec with port 0 covers every port of the list. */
typedef struct og_certs_tspec {
    int kind;
    int family;       /* AF_INET / AF_INET6 for ADDR and CIDR, 0 for NAME */
    uint8_t addr[16]; /* ADDR, or the CIDR's first address */
    uint64_t count;   /* addresses (1 unless CIDR) */
    int port;         /* 0 = the port list */
    char host[254];   /* NAME (lower case) or the address text */
} og_certs_tspec;

struct og_certs_targets {
    og_certs_tspec *specs;
    size_t nspecs, aspecs;
    uint16_t *ports;
    size_t nports;
    uint64_t total;
};

/* The resolution of spec i (NAME specs only). */
typedef struct og_certs_resolved {
    int family; /* 0 when it did not resolve */
    uint8_t addr[16];
    char error[160];
} og_certs_resolved;

typedef struct og_certs_iter {
    size_t spec;
    uint64_t addr;
    size_t port;
} og_certs_iter;

typedef struct og_certs_endpoint {
    int family; /* 0: unresolved, error says why */
    uint8_t addr[16];
    int port;
    char ip[46];
    char name[254];   /* the name it was reached by (host name or address text) */
    char target[300]; /* "name:port" */
    char error[160];
    int stls; /* the STARTTLS protocol before TLS (OG_STLS_*), set by the scanner */
} og_certs_endpoint;

/* *out (caller frees) holds one entry per spec. */
int og_certs__targets_resolve(og_certs_targets *t, int timeout_ms, og_certs_resolved **out);
/* The next endpoint: 1, or 0 when done. */
int og_certs__targets_next(const og_certs_targets *t, const og_certs_resolved *res,
                           og_certs_iter *it, og_certs_endpoint *ep);

/* STARTTLS (starttls.c): the plain-text exchange before TLS, fed by the scanner's loop.
 * Protocols: og_certs_starttls_parse() gives OG_STLS_AUTO or one of these. */
enum {
    OG_STLS_NONE = 0, /* direct TLS */
    OG_STLS_SMTP,
    OG_STLS_IMAP,
    OG_STLS_POP3,
    OG_STLS_LDAP,
    OG_STLS_FTP,
    OG_STLS_XMPP,
    OG_STLS_POSTGRES,
};

typedef struct og_certs_stls {
    int proto, step, offered;
    char in[4096]; /* what the server sent and was not yet taken */
    size_t inlen;
    char out[512]; /* what to send next */
    size_t outlen, outoff;
    char error[200]; /* when a call returned -1 */
} og_certs_stls;

/* The protocol for an endpoint on port under mode (OG_STLS_AUTO: by the port). */
int og_certs__stls_for(int mode, int port);
/* "smtp", ...; "" for OG_STLS_NONE. */
const char *og_certs__stls_name(int proto);
/* Start: out holds what the client says first (LDAP, XMPP, PostgreSQL), else nothing. name: the
 * host name (XMPP's stream 'to'). */
void og_certs__stls_begin(og_certs_stls *x, int proto, const char *name);
/* Bytes were appended to in: 1 when TLS may start, 0 when more input is needed (out may hold
 * what to send first), -1 on failure (error says why). */
int og_certs__stls_feed(og_certs_stls *x);

#endif
