/* psa_notifier.c - the "psa" notification channel: a ticket in the PSA for what needs a person
 * (certificate alerts, L1 reviews, approvals, tasks, failed actions), a note while it is open,
 * closed when the matter is resolved (a certificate renewed, a gate item decided). The channel's
 * target is a connector name (the tenant's, else the platform's); the ticket goes to the PSA
 * company mapped to the event's tenant. */
#include <stdio.h>
#include <string.h>

#include "opsgate/error.h"
#include "opsgate/sys/notifier.h"
#include "registry.h"

typedef struct ticket_plan {
    char key[160];
    const char *priority;
    int close;
} ticket_plan;

static const char *str(const json_t *p, const char *k)
{
    return json_string_value(json_object_get(p, k));
}

/* What an event means for tickets: 1 with *tp set, 0 when it opens or closes none. */
static int plan_for(const char *type, const json_t *p, ticket_plan *tp)
{
    const char *fp = str(p, "fingerprint"), *gate = str(p, "gate_id");
    memset(tp, 0, sizeof(*tp));
    tp->priority = "medium";
    if (strcmp(type, "certs.renewed") == 0) {
        const char *prev = str(p, "previous_fingerprint");
        if (!prev)
            return 0;
        snprintf(tp->key, sizeof(tp->key), "cert:%s", prev);
        tp->close = 1;
        return 1;
    }
    if (strncmp(type, "certs.", 6) == 0) {
        if (fp)
            snprintf(tp->key, sizeof(tp->key), "cert:%s", fp);
        else if (str(p, "plan"))
            snprintf(tp->key, sizeof(tp->key), "plan:%s", str(p, "plan"));
        else
            return 0;
        if (strcmp(type, "certs.expiring") != 0)
            tp->priority = "high";
        return 1;
    }
    if (!gate)
        return 0;
    snprintf(tp->key, sizeof(tp->key), "gate:%s", gate);
    if (strcmp(type, "gate.review") == 0 || strcmp(type, "gate.approval") == 0 ||
        strcmp(type, "gate.task") == 0 || strcmp(type, "gate.escalated") == 0)
        return 1;
    if (strcmp(type, "gate.decided") == 0) {
        if (og_streq(str(p, "outcome"), "failed")) {
            tp->priority = "high"; /* an approved action that failed: a person must look */
            return 1;
        }
        tp->close = 1;
        return 1;
    }
    return 0;
}

/* The connector a channel names: the tenant's of that name, else the platform's. */
static int connector_of(og_ctx *ctx, const og_notify_channel *ch, char id[OG_ID_LEN])
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT id FROM connectors WHERE name = ? AND (tenant_id IS NULL"
                                  " OR tenant_id = ?) ORDER BY tenant_id IS NULL LIMIT 1",
                                  "tt", ch->target, ch->tenant_id ? ch->tenant_id : "");
    if (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
        rc = 0;
    } else if (rc >= 0) {
        rc = og_error_set(OG_ENOTFOUND, "psa channel: no connector named '%.64s'", ch->target);
    }
    og_stmt_free(st);
    return rc;
}

/* The PSA company mapped to tenant_id on connector cid. */
static int company_of(og_ctx *ctx, const og_conn *c, const char *tenant_id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT company_id FROM connector_companies WHERE"
                                  " connector_id = ? AND tenant_id = ? ORDER BY mapped_at,"
                                  " company_id LIMIT 1",
                                  "tt", c->id, tenant_id);
    if (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(out, og_stmt_col_text(st, 0), size);
        rc = 0;
    } else if (rc >= 0) {
        rc = og_error_set(OG_ENOTFOUND,
                          "psa channel: no company of connector %s is mapped to this tenant "
                          "(`opsgate connector map %s --company ID`)",
                          c->name, c->name);
    }
    og_stmt_free(st);
    return rc;
}

static int psa_send(const og_notify_channel *ch, const og_notify_msg *msg)
{
    og_ctx *ctx = ch->ctx;
    og_conn *c = NULL;
    json_t *got = NULL;
    ticket_plan tp;
    char cid[OG_ID_LEN], company[128];
    int error;
    if (!ctx)
        return og_error_set(OG_ERROR, "psa channel: no delivery context");
    if ((error = connector_of(ctx, ch, cid)) < 0 || (error = og_conn_load_id(ctx, cid, &c)) < 0)
        return error;
    if (strcmp(msg->event_type, "notify.test") == 0) {
        /* a test opens no ticket: one authenticated call */
        error = c->vendor->test ? c->vendor->test(c, &got)
                                : og_error_set(OG_EINVAL,
                                               "connector %s: the %s adaptor has no "
                                               "test call",
                                               c->name, c->vendor->kind);
        goto cleanup;
    }
    if (!msg->tenant_id || !msg->tenant_id[0] || !plan_for(msg->event_type, msg->payload, &tp))
        goto cleanup; /* nothing to ticket */
    if (!tp.close && (error = company_of(ctx, c, msg->tenant_id, company, sizeof(company))) < 0)
        goto cleanup;
    og_conn_ticket t = {.company_id = tp.close ? "" : company,
                        .title = msg->subject,
                        .body = msg->text,
                        .key = tp.key,
                        .priority = tp.priority};
    error = og_conn__ticket(ctx, c, msg->tenant_id, tp.close, &t);
cleanup:
    json_decref(got);
    og_conn_free(c);
    return error;
}

static int psa_validate(const char *target, const void *secret, size_t secret_len,
                        const json_t *config)
{
    (void)config;
    if (secret && secret_len)
        return og_error_set(OG_EINVAL, "a psa channel takes no secret: the connector holds the "
                                       "credentials");
    size_t n = target ? strlen(target) : 0;
    for (size_t i = 0; i < n; i++)
        if (!((target[i] >= 'a' && target[i] <= 'z') || (target[i] >= '0' && target[i] <= '9') ||
              target[i] == '-'))
            n = 0;
    if (n == 0 || n > 63)
        return og_error_set(OG_EINVAL,
                            "a psa channel's target is a connector name ('%.64s' is "
                            "not one)",
                            target ? target : "");
    return 0;
}

static const og_notifier psa = {.type = "psa", .validate = psa_validate, .send = psa_send};

int og_connector__psa_notifier_register(void)
{
    int error = og_notifier_register(&psa);
    return error == OG_EEXISTS ? 0 : error;
}
