/* deploy_internal.h - shared between the files of src/deploy/: file and process helpers, the
 * TLS probe, rendering a certificate into files, and the built-in deployers. Nothing outside
 * includes it. */
#ifndef OPSGATE_DEPLOY_INTERNAL_H
#define OPSGATE_DEPLOY_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/deploy.h"
#include "opsgate/sys/deployer.h"
#include "opsgate/util.h"

#define OG_DEPLOY_AREA        "certs"
#define OG_DEPLOY_PREV_SUFFIX ".og-prev" /* previous file kept beside the live one */
#define OG_DEPLOY_NEW_SUFFIX  ".og-new"  /* staged file, before the swap */
#define OG_DEPLOY_OUTPUT_CAP  4096       /* captured output of a command */

/* ---- files.c ---- */
/* Write data to path atomically (temp file in the same folder, fsync, rename, fsync folder) with
 * mode; chown to owner ("user[:group]", NULL/"" = leave) when running as root. */
int og_deploy__write_file(const char *path, const void *data, size_t len, unsigned mode,
                          const char *owner);
/* Stage fs: each present file to "<path>.og-new". Nothing live is touched. */
int og_deploy__stage(const og_deploy_fileset *fs, const char *owner);
/* Swap staged files in: the live file is kept as "<path>.og-prev" (hard link), then the staged
 * one renamed over it; an absent file is removed. Bounded, in the order of fs. */
/* Notes the start of the swap in *swap_at_us (og_deploy__mark_swap). */
int og_deploy__swap(const og_deploy_fileset *fs, int64_t *swap_at_us);
/* Note now (wall clock, microseconds) in *swap_at_us as the moment a deployer starts changing
 * what the server uses (the rename of the staged files, HAProxy's `set ssl cert`), unless a
 * moment is noted there already: the first mark wins (HAProxy's deployer also writes the file
 * after its runtime-API swap). deploy_execute reports it as swap_started_at_us. */
void og_deploy__mark_swap(int64_t *swap_at_us);
/* Remove staged files (after a failed test). Never fails. */
void og_deploy__unstage(const og_deploy_fileset *fs);
/* Read the current contents of the paths in fs (a snapshot for rollback). */
int og_deploy__snapshot(og_deploy_fileset *fs);
/* Run argv (argv[0] looked up in PATH), or with sh=1 the shell command argv[0], killing its
 * process group after timeout_us. Output (stdout and stderr, capped) into out (may be NULL).
 * 0 when it exited 0; OG_ERROR naming what and the exit status or the timeout otherwise. */
int og_deploy__run(const char *what, const char *const *argv, int sh, int64_t timeout_us,
                   og_buf *out);
/* Duration option of config in µs (dflt when absent). */
int64_t og_deploy__config_us(const json_t *config, const char *key, int64_t dflt);
const char *og_deploy__config_str(const json_t *config, const char *key);
/* Append the file named by config's key (skipped when the key is absent) to fs with its role and
 * mode. */
void og_deploy__file_add(og_deploy_fileset *fs, const json_t *config, const char *key,
                         og_deploy_role role, unsigned mode);
/* Check that config's key names an absolute path (required or not). OG_EINVAL naming it. */
int og_deploy__check_path(const json_t *config, const char *key, int required);

/* ---- probe.c: a TLS client ---- */
/* Connect to ep, handshake with its SNI, and give the served leaf's fingerprint. Fails
 * (OG_ERROR with the reason) on connect, timeout or handshake errors. */
int og_deploy__probe(const og_deploy_endpoint *ep, int timeout_ms, char fp[65]);

/* ---- render.c ---- */
/* Fill the contents of fs (paths and roles already set by the deployer) from m, the certificate
 * as the inventory gives it (og_certs_material_load). */
int og_deploy__render(const og_certs_material *m, og_deploy_fileset *fs);

/* ---- backends ---- */
extern const og_deployer og_deploy__file;
extern const og_deployer og_deploy__nginx;
extern const og_deployer og_deploy__haproxy;
extern const og_deployer og_deploy__opsgate;
/* Shared by backends: the paths common to all types. */
int og_deploy__config_common(json_t *config);

/* ---- backend_nginx.c, for tests ---- */
/* The configuration at conf with every `include` expanded in place (globs, relative to conf's
 * folder, comments and quotes respected, at most 8 levels). */
int og_deploy__nginx_expand(const char *conf, og_buf *out);
/* Replace each directive argument equal to from (a whole token) by to; *n counts. */
int og_deploy__nginx_substitute(og_buf *conf, const char *from, const char *to, int *n);

/* ---- renew.c ---- */
/* The "certs.renewed" handler (registered by og_deploy_register()). */
struct og_event;
int og_deploy__on_renewed(og_ctx *ctx, const struct og_event *ev, void *arg);

/* ---- target.c ---- */
typedef struct og_deploy_target {
    char id[OG_ID_LEN];
    char tenant_id[OG_ID_LEN];
    char name[64];
    char type[16];
    json_t *config; /* owned */
    og_deploy_endpoint endpoints[OG_DEPLOY_MAX_ENDPOINTS];
    int nendpoints;
} og_deploy_target;
int og_deploy__target_load(og_store *s, const char *tenant_id, const char *name,
                           og_deploy_target *out);
void og_deploy__target_clear(og_deploy_target *t);
/* What a deploy of cert to t tells the inference step (facts.c); a new object, NULL when out of
 * memory. */
int og_deploy__facts(og_ctx *ctx, const char *tid, const og_deploy_target *t, json_t *cert,
                     json_t **out);
int og_deploy__tenant(og_ctx *ctx, const char *tenant, og_perm perm, char tenant_id[OG_ID_LEN]);

#endif
