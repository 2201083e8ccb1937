/* app.c - start-up registration of every module's action kinds, event handlers, tenant
 * deletion blockers and audit namers. */
#include "opsgate/app.h"
#include "app/app_internal.h"
#include "opsgate/acme.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/ct.h"
#include "opsgate/deploy.h"
#include "opsgate/docgen.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int done;

/* Every new audit checkpoint goes out on the event outbox ("audit.checkpoint", platform scope),
 * in the checkpoint's transaction: audit itself knows nothing of events (events audits). */
static int checkpoint_event(og_ctx *ctx, json_t *checkpoint, void *arg)
{
    (void)arg;
    return og_event_emit(ctx, NULL, "audit.checkpoint", checkpoint, NULL);
}

/* A witness refused a checkpoint (it saw another history): the alert goes out on the event
 * outbox in the transaction that records the refusal, in the chain's scope (a tenant's channels
 * and the platform's hear of its chain). */
static int witness_refused_event(og_ctx *ctx, json_t *refusal, void *arg)
{
    (void)arg;
    const char *chain = json_string_value(json_object_get(refusal, "chain"));
    return og_event_emit(ctx, chain && strcmp(chain, "platform") != 0 ? chain : NULL,
                         "audit.witness.refused", refusal, NULL);
}

/* Each new checkpoint goes to the witnesses (C2SP tlog-witness); a witness not reached is tried
 * again with the bus's backoff, and those that cosigned are not asked again. */
static int egress_allow(void *arg, const void *sa, size_t len)
{
    return og_egress_check_sockaddr(arg, sa, len);
}

static int witness_deliver(og_ctx *ctx, const og_event *ev, void *arg)
{
    og_egress *egress = NULL;
    (void)arg;
    int error = og_egress_load(&egress, ctx->store);
    if (error < 0)
        return error;
    og_audit_witness_hooks hooks = {witness_refused_event, NULL, egress_allow, egress};
    error = og_audit_witness_send(ctx, ev->payload, &hooks);
    og_egress_free(egress);
    return error;
}

int og_app_register_all(void)
{
    int error = 0;
    pthread_mutex_lock(&mu);
    if (!done) {
        /* Each module's function is idempotent too: modules also register lazily from their own
         * entry points, so a test that calls one module directly still works. */
        if ((error = og_artifacts_register_kinds()) < 0)
            og_error_wrap("registering artifact action kinds");
        else if ((error = og_app__note_register()) < 0)
            og_error_wrap("registering the demo action kind platform.note");
        else if ((error = og_tenant_blocker_register("artifacts", og_artifacts_tenant_blockers)) <
                 0)
            og_error_wrap("registering the artifacts' say on tenant deletion");
        else if ((error = og_docgen_register_kinds()) < 0)
            og_error_wrap("registering document generation action kinds");
        else if ((error = og_certs_register_kinds()) < 0)
            og_error_wrap("registering certificate request action kinds");
        else if ((error = og_acme_register_kinds()) < 0)
            og_error_wrap("registering certificate renewal action kinds");
        else if ((error = og_acme_renew_trigger_register()) < 0)
            og_error_wrap("registering the renewal of expiring certificates");
        else if ((error = og_deploy_register()) < 0)
            og_error_wrap("registering certificate deployment action kinds");
        else if ((error = og_notify_handlers_register()) < 0)
            og_error_wrap("registering notification delivery");
        else if ((error = og_connector_register()) < 0)
            og_error_wrap("registering the connectors' event handlers and notifier");
        else if ((error = og_ct_register()) < 0)
            og_error_wrap("registering Certificate Transparency alerts and names");
        else if ((error = og_audit_publisher_register(checkpoint_event, NULL)) < 0)
            og_error_wrap("registering the publication of audit checkpoints");
        else if ((error = og_events_subscribe("audit-witness", "audit.checkpoint", witness_deliver,
                                              NULL)) < 0)
            og_error_wrap("registering the witnessing of audit checkpoints");
        else if ((error = og_tenant_audit_names_register()) < 0 ||
                 (error = og_artifacts_audit_names_register()) < 0 ||
                 (error = og_certs_audit_names_register()) < 0 ||
                 (error = og_acme_audit_names_register()) < 0 ||
                 (error = og_deploy_audit_names_register()) < 0 ||
                 (error = og_gate_audit_names_register()) < 0 ||
                 (error = og_notify_audit_names_register()) < 0 ||
                 (error = og_connector_audit_names_register()) < 0)
            og_error_wrap("registering the audit trail's namers");
        if (error == 0) /* `gate show` says how an item's notifications went */
            og_gate_delivery_status_register(og_notify_event_status);
        done = error == 0;
    }
    pthread_mutex_unlock(&mu);
    return error;
}

int og_app_tenant_delete(og_ctx *ctx, const char *name_or_id)
{
    og_tenant t;
    int error;
    /* The deletion blockers (legal holds, retention) must be registered before anything is
     * destroyed, whoever calls this. */
    if ((error = og_app_register_all()) < 0)
        return error;
    if ((error = og_tenant_get(ctx, name_or_id, &t)) < 0)
        return error;
    if ((error = og_tenant_delete(ctx, t.id)) < 0)
        return error;
    /* A regional tenant (ctx->store its region's database): the home directory lets it go. */
    if (ctx->home) {
        og_ctx home = *ctx;
        home.store = ctx->home;
        home.home = NULL;
        if ((error = og_tenant_directory_delete(&home, &t)) < 0)
            return og_error_wrap("tenant '%s' is deleted in region '%s' and its key destroyed, "
                                 "but the tenant directory still lists it",
                                 t.name, t.region);
    }
    if (ctx->data_dir && (error = og_artifacts_tenant_files_remove(ctx->data_dir, t.id)) < 0)
        return og_error_wrap("tenant '%s' is deleted and its key destroyed, but its files remain",
                             t.name);
    return 0;
}
