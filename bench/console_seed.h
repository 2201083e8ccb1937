/* console_seed.h - bench_console's seeding (console_seed.c). */
#ifndef OG_BENCH_CONSOLE_SEED_H
#define OG_BENCH_CONSOLE_SEED_H

#include "opsgate/tenant.h"
#include "opsgate/util.h"

#define SEED_TENANTS  5
#define SEED_PROJECTS 4 /* per tenant */

typedef struct seed_sizes {
    int certs, gates, artifacts; /* in all, spread evenly over the tenants */
} seed_sizes;

/* What the measuring needs to name: the platform admin's token, and objects of the first tenant. */
typedef struct seed_facts {
    char admin_token[OG_TOKEN_MAX];
    char tenant[64];
    char fingerprint[65];
    char gate_id[OG_ID_LEN]; /* an open item */
    char project[32];
    char artifact[64];
    int versions; /* of that artifact */
} seed_facts;

/* A new data folder at data_dir (certificate files written under scratch). 0 or -1 (said on
 * stderr). */
int seed_console(const char *data_dir, const char *scratch, const seed_sizes *n, seed_facts *out);

#endif
