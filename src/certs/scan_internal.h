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
} og_certs_endpoint;

/* *out (caller frees) holds one entry per spec. */
int og_certs__targets_resolve(og_certs_targets *t, int timeout_ms, og_certs_resolved **out);
/* The next endpoint: 1, or 0 when done. */
int og_certs__targets_next(const og_certs_targets *t, const og_certs_resolved *res,
                           og_certs_iter *it, og_certs_endpoint *ep);

#endif
