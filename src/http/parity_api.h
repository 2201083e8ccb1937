/* parity_api.h - internal to src/http: handlers of the routes that give the HTTP API what only the
 * CLI had (issue 22): ACME accounts and plans (acme_api.c), deploy targets and deploys
 * (deploy_api.c), templates (templates_api.c) and audit verification, checkpoints and proofs
 * (audit_ops_api.c), notification event types and the egress policy (notify_api.c). Each
 * calls the library function the CLI's command calls. */
#ifndef OPSGATE_HTTP_PARITY_API_H
#define OPSGATE_HTTP_PARITY_API_H

#include "http/server.h"
#include "opsgate/tenant.h"

/* acme_api.c */
int og_http__acme_account_list(og_http_req *r);
int og_http__acme_account_create(og_http_req *r);
int og_http__acme_account_show(og_http_req *r);
int og_http__acme_account_rollover(og_http_req *r);
int og_http__acme_plan_list(og_http_req *r);
int og_http__acme_plan_issue(og_http_req *r);
int og_http__acme_plan_show(og_http_req *r);
int og_http__acme_plan_renew(og_http_req *r);
int og_http__acme_plan_revoke(og_http_req *r);
int og_http__acme_plan_targets(og_http_req *r);
int og_http__acme_renew_due(og_http_req *r);

/* deploy_api.c */
int og_http__deploy_target_list(og_http_req *r);
int og_http__deploy_target_add(og_http_req *r);
int og_http__deploy_target_remove(og_http_req *r);
int og_http__deploy_run(og_http_req *r);

/* templates_api.c */
int og_http__template_list(og_http_req *r);
int og_http__template_get(og_http_req *r);
int og_http__template_put(og_http_req *r);
int og_http__template_log(og_http_req *r);
int og_http__template_check(og_http_req *r);

/* audit_ops_api.c, with the chain a request names (audit_api.c): ?tenant= q (name or id), else
 * the token's tenant, else (platform actors) the platform chain as NULL. out holds OG_ID_LEN
 * bytes; named (may be NULL) receives the tenant ("" name for the platform). */
int og_http__audit_chain(og_http_req *r, const char *q, char *out, const char **chain,
                         og_tenant *named);
int og_http__audit_verify(og_http_req *r);
int og_http__audit_checkpoint_make(og_http_req *r);
int og_http__audit_prove(og_http_req *r);
int og_http__audit_pubkey(og_http_req *r);
/* GET /api/v1/audit/checkpoints/{chain}[/consistency]: for witnesses (role witness) */
int og_http__audit_checkpoint_public(og_http_req *r);
int og_http__audit_consistency(og_http_req *r);
/* audit_witness_api.c: `audit witness add|list|remove` (platform admins), and the signed note
 * of a checkpoint for a client whose Accept header asks for text/plain first */
int og_http__audit_witness_list(og_http_req *r);
int og_http__audit_witness_add(og_http_req *r);
int og_http__audit_witness_remove(og_http_req *r);
int og_http__wants_note(og_http_req *r);
int og_http__reply_note(og_http_req *r, const json_t *cp, const char *chain);

/* notify_api.c: the event types and the egress policy's allowed ranges */
int og_http__notify_event_types(og_http_req *r);
int og_http__notify_egress_list(og_http_req *r);
int og_http__notify_egress_allow(og_http_req *r);
int og_http__notify_egress_remove(og_http_req *r);

#endif
