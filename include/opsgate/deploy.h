/* deploy.h - deploy targets of a tenant (files, nginx, HAProxy, opsgate's own listener) and the
 * certs.deploy action: install a certificate with zero downtime, verify what the endpoints serve,
 * roll back. */
#ifndef OPSGATE_DEPLOY_H
#define OPSGATE_DEPLOY_H

#include <jansson.h>
#include <stdint.h>
#include <stdbool.h>

#include "opsgate/certs.h"
#include "opsgate/context.h"
#include "opsgate/gate.h"

#define OG_DEPLOY_KIND              "certs.deploy" /* registered action kind, default level L1 */
#define OG_DEPLOY_MAX_ENDPOINTS     16
#define OG_DEPLOY_DEFAULT_VERIFY_US ((int64_t)30 * 1000000)
#define OG_DEPLOY_DEFAULT_RELOAD_US ((int64_t)30 * 1000000)

/* One endpoint to verify: "HOST:PORT[/SNI]", "[v6]:PORT[/SNI]". Without /SNI the host is sent as
 * SNI when it is a name (never for an IP literal). */
typedef struct og_deploy_endpoint {
    char host[256];
    int port;
    char sni[256]; /* "" = none */
} og_deploy_endpoint;
/* OG_EINVAL naming s. */
int og_deploy_endpoint_parse(const char *s, og_deploy_endpoint *out);

/*
 * Add a target to a tenant. type: "file", "nginx", "haproxy" or "opsgate". config (borrowed)
 * holds the type's options (see docs/deploy.md): paths ("cert_path", "key_path", "chain_path",
 * "fullchain_path"), "owner", "reload_cmd", "reload_timeout_us", "verify_timeout_us",
 * nginx's "nginx_conf", "nginx_prefix", "nginx_bin", "nginx_pid_file", HAProxy's "socket".
 * endpoints: array of "HOST:PORT[/SNI]" strings (nginx and haproxy need at least one).
 * Validated here: OG_EINVAL naming the bad option; OG_EEXISTS for a name in use. Audited.
 * Needs a platform actor (the local operator or a platform admin): a target names files and a
 * command on the opsgate host; OG_EDENIED for tenant users. id_out (may be NULL) receives the
 * target id.
 */
int og_deploy_target_add(og_ctx *ctx, const char *tenant, const char *name, const char *type,
                         json_t *config, json_t *endpoints, char id_out[OG_ID_LEN]);
/* The tenant's targets with their last deploy (caller decrefs). OG_PERM_READ. */
int og_deploy_target_list(og_ctx *ctx, const char *tenant, json_t **out);
/* A certificate's deploy history (fingerprint: 64 hex digits): the runs that deployed it
 * (role "deployed") or replaced it on a target (role "replaced"), newest first, at most 200:
 * {run_id, target, type, n, role, fingerprint, previous_fingerprint, state (applying, verified,
 * rolled-back, rollback-failed, overridden, restored: put back by an override whose detail names
 * the run rolled back), detail, created_at, updated_at} (caller decrefs).
 * OG_PERM_READ. */
int og_deploy_history(og_ctx *ctx, const char *tenant, const char *fingerprint, json_t **out);
/* Whether tenant_id (an id; no authorization check: the caller has one) has a target called name.
 * false also when the store cannot tell: og_error_code() is then negative (clear the error
 * before asking when that matters). For modules that name targets (ACME renewal plans). */
bool og_deploy_target_exists(og_ctx *ctx, const char *tenant_id, const char *name);
/* Remove a target (its deploy history goes with it). Audited. Platform actors, as for add. */
int og_deploy_target_remove(og_ctx *ctx, const char *tenant, const char *name);

/*
 * Deploy certificate cert_id (fingerprint or unique prefix, with its private key in the
 * inventory) to a target through the gate (kind certs.deploy, L1 by default). At L0/L1 the
 * deploy runs now: files staged and tested, swapped in, reloaded, then each endpoint is probed
 * until it serves the new fingerprint. On a failed verification the previous certificate is
 * restored and verified, recorded (certs.deploy.rollback with rollback_of) and a
 * "certs.deploy.rolled_back" event is emitted; the call then returns OG_ECONFLICT with out filled
 * (the gate item is still open for review). A failure before anything was swapped (nginx -t,
 * a key that does not match) returns its error; nothing changed on the target.
 * out->result (caller decrefs) carries status ("verified", "rolled-back", "rollback-failed"),
 * run_id, fingerprints and per-endpoint timings.
 */
int og_deploy_cert(og_ctx *ctx, const char *tenant, const char *cert_id, const char *target,
                   og_gate_outcome *out);

/*
 * A renewal happened: deploy fp to every target of the tenant whose files hold previous_fp, each
 * through the gate (og_deploy_cert). Targets already holding fp are left alone, so calling it
 * twice deploys nothing twice. *out (may be NULL): one {target, gate_id, state, result, error}
 * per target deployed to (caller decrefs). Returns the first failure, after trying every target.
 * The same runs on its own for every "certs.renewed" event ({previous_fingerprint, fingerprint},
 * emitted by whoever renews in the renewal's transaction), delivered by the event workers.
 */
int og_deploy_renewed(og_ctx *ctx, const char *tenant, const char *previous_fp, const char *fp,
                      json_t **out);
/*
 * The same, to the targets named (borrowed; a renewal plan's targets): each gets fp unless it
 * holds it already, whatever it held before. ntargets 0: as og_deploy_renewed. The event handler
 * takes them from the payload's "targets" array. A named target that no longer exists fails
 * (OG_ENOTFOUND in its report entry) without stopping the others.
 */
int og_deploy_renewed_to(og_ctx *ctx, const char *tenant, const char *previous_fp, const char *fp,
                         const char *const *targets, size_t ntargets, json_t **out);

/*
 * opsgate's own HTTPS listener as a deploy target (type "opsgate"): a deploy writes the new
 * leaf certificate to the target's cert_path and the listener (serve --tls-cert-id) polls it.
 * This finds the opsgate target of tenant_id with an endpoint on port and sets want to the
 * fingerprint it records ("" when there is no such target). When the target records nothing
 * (not yet, or the rollback of its first deploy removed the record), fallback's leaf (borrowed,
 * may be NULL: the listener's --tls-cert-id) is recorded and wanted, so that a renewal of it finds
 * the target. 0 or a negative code.
 */
int og_deploy_listener_poll(og_ctx *ctx, const char *tenant_id, int port,
                            const og_certs_material *fallback, char want[65]);

/* Register the certs.deploy kind, the delivery of certs.deploy.* events to the tenant's
 * notification channels, and the "certs.renewed" handler that deploys renewals. Idempotent; it also
 * runs when the module is linked in (constructor), so that `gate override` in any process can roll
 * a deploy back. */
int og_deploy_register(void);
/* Register the audit trail's namer of deploy targets. */
int og_deploy_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_deploy_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
