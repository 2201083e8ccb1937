/* sys/deployer.h - the interface a deploy backend implements (file, nginx, HAProxy, ...). */
#ifndef OPSGATE_SYS_DEPLOYER_H
#define OPSGATE_SYS_DEPLOYER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What a file of a target holds, rendered from a certificate, its chain and its key. */
typedef enum og_deploy_role {
    OG_DEPLOY_LEAF,      /* the certificate alone */
    OG_DEPLOY_CHAIN,     /* the intermediates */
    OG_DEPLOY_FULLCHAIN, /* leaf + intermediates (nginx's ssl_certificate) */
    OG_DEPLOY_KEY,       /* the private key (mode 0600) */
    OG_DEPLOY_BUNDLE,    /* leaf + intermediates + key (HAProxy's crt) */
} og_deploy_role;

#define OG_DEPLOY_MAX_FILES     4
#define OG_DEPLOY_MAX_FILE_SIZE (256 * 1024)

typedef struct og_deploy_file {
    char path[4096];
    og_deploy_role role;
    unsigned mode; /* 0644, or 0600 when it holds a key */
    int present;   /* 0: the file does not exist (restoring it means removing it) */
    char *data;    /* owned; NULL when absent */
    size_t len;
} og_deploy_file;

/* The files of one target, with their contents: rendered (to install) or read (a snapshot). */
typedef struct og_deploy_fileset {
    og_deploy_file f[OG_DEPLOY_MAX_FILES];
    int n;
} og_deploy_fileset;
void og_deploy_fileset_clear(og_deploy_fileset *fs); /* wipes and frees contents */

/*
 * A deploy backend. Every function sets og_error on failure.
 *  config_check: validate and normalise a target's options (config is owned by the caller and
 *                may be edited, e.g. defaults filled in) at `target add`.
 *  files:        the paths the target manages, with roles and modes (no contents).
 *  apply:        install fs and make the server use it. Return 0 only once no new connection can
 *                get the previous certificate (e.g. nginx's old workers have exited). On failure
 *                set *swapped: 0 when nothing on the target changed (a failed `nginx -t`, a
 *                refused HAProxy transaction), 1 when something did (the caller restores).
 *                Contents with present == 0 mean "remove that file". *swap_at_us (0 when the
 *                caller calls) receives the moment (wall clock, microseconds) it started
 *                changing what the server uses (the rename of the staged files, HAProxy's
 *                `set ssl cert`; og_deploy's swap helpers set it), reported as
 *                swap_started_at_us: a swap is timed from its start, not from the command's.
 */
typedef struct og_deployer {
    const char *type;
    const char *description;
    int (*config_check)(json_t *config);
    int (*files)(const json_t *config, og_deploy_fileset *out);
    int (*apply)(const json_t *config, const og_deploy_fileset *fs, int *swapped,
                 int64_t *swap_at_us);
} og_deployer;

/* Register a backend for the process (borrowed). OG_EEXISTS for a type already registered. */
int og_deployer_register(const og_deployer *d);
/* NULL when unknown. */
const og_deployer *og_deployer_find(const char *type);

#endif
