/* app.h - process start-up shared by the CLI and the server: what every opsgate process must
 * register before it acts (action kinds, event handlers). */
#ifndef OPSGATE_APP_H
#define OPSGATE_APP_H

/* Register every module's action kinds with the gate engine and the event handlers, so that any
 * process can request, approve, override or list any kind (`gate kinds`, `gate policy set`),
 * the modules' tenant deletion blockers (og_tenant_blocker_register: legal holds and
 * retention of the artifacts module) and the audit trail's namers (og_audit_namer_register: the
 * names recorded next to ids). Idempotent and thread-safe. 0 or the first module's
 * error. */
int og_app_register_all(void);

typedef struct og_ctx og_ctx;

/* Delete a tenant the whole way: og_app_register_all (so every deletion blocker is asked),
 * og_tenant_delete (refused while a legal hold or retention keeps anything; key destroyed first,
 * rows removed, audited),
 * then the files it left in the data folder (artifact objects), which the destroyed key already
 * made unreadable. A failure to remove files after the commit is reported but the tenant stays
 * deleted. */
int og_app_tenant_delete(og_ctx *ctx, const char *name_or_id);

#endif
