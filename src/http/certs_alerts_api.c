/* certs_alerts_api.c - HTTP handlers of the certificate alerts (list, acknowledge, snooze), the
 * calendar feed (a bearer token, or a read-only calendar token in the URL) and its tokens. */
#include "http/certs_api.h"
#include "http/lifecycle.h"
#include "http/server.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int og_http__certs_alerts_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_alert_list(&r->ctx, tenant, og_http__query(r, "state"), &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "alerts", list));
}

/* GET /api/v1/certificates/alerts[?tenant=][&state=]: the tenant's alerts (?tenant=, or the
 * token's own tenant), or for a platform actor without ?tenant= every tenant's, each row with
 * its tenant (as calendar.ics's fleet mode). */
int og_http__certs_alerts_fleet(og_http_req *r)
{
    const char *tenant = og_http__query(r, "tenant");
    json_t *list = NULL;
    int error;
    if (!tenant || !*tenant)
        tenant = og_actor_is_platform(&r->ctx.actor) ? NULL : r->ctx.actor.tenant_id;
    if ((error = og_certs_alert_list(&r->ctx, tenant, og_http__query(r, "state"), &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "alerts", list));
}

/* POST .../alerts/{id}/ack {note}, POST .../alerts/{id}/snooze {until | for, note}. */
static int alert_set(og_http_req *r, int snooze)
{
    static const char *const fields[] = {"note", "until", "for", NULL};
    const char *tenant, *id, *note = NULL, *until = NULL, *dur = NULL;
    json_t *body = NULL;
    int64_t until_us = 0, d = 0;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_http__body_object(r, !snooze, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "note", 0, 500, &note)) < 0 ||
        (error = og_http__field_str(body, "until", 0, &until)) < 0 ||
        (error = og_http__field_str(body, "for", 0, &dur)) < 0)
        goto cleanup;
    if (!snooze && (until || dur)) {
        error = og_error_set(OG_EINVAL, "an acknowledgement takes no 'until' or 'for'");
        goto cleanup;
    }
    if (snooze) {
        if (!!until == !!dur) {
            error = og_error_set(OG_EINVAL, "a snooze needs 'until' (a time) or 'for' (a "
                                            "duration like 3d), one of them");
            goto cleanup;
        }
        if (until && og_time_parse(until, &until_us) < 0) {
            error = og_error_set(OG_EINVAL, "field 'until': not a time (2026-12-24T08:00:00Z)");
            goto cleanup;
        }
        if (dur) {
            if (og_duration_parse(dur, &d) < 0 || d <= 0) {
                error = og_error_set(OG_EINVAL, "field 'for': not a duration (3d, 12h)");
                goto cleanup;
            }
            until_us = og_time_now_us() + d;
        }
    }
    error = snooze ? og_certs_alert_snooze(&r->ctx, tenant, id, until_us, note)
                   : og_certs_alert_ack(&r->ctx, tenant, id, note);
    if (error < 0)
        goto cleanup;
    error = og_http__reply(r, 204, NULL);
cleanup:
    json_decref(body);
    return error;
}

int og_http__certs_alert_ack(og_http_req *r)
{
    return alert_set(r, 0);
}

int og_http__certs_alert_snooze(og_http_req *r)
{
    return alert_set(r, 1);
}

/* GET /api/v1/certificates/calendar.ics: with ?token= a calendar token (nothing else is asked);
 * else a bearer token: ?tenant= (a tenant's token: its own) or, for platform admins without
 * ?tenant=, every tenant's. */
int og_http__certs_calendar(og_http_req *r)
{
    const char *token = og_http__query(r, "token"), *tenant = og_http__query(r, "tenant");
    og_buf b;
    int error;
    og_buf_init(&b, 64u << 20);
    if (token) {
        if (tenant) {
            error = og_error_set(OG_EINVAL, "a calendar token names its tenant: no 'tenant' "
                                            "with 'token'");
            goto cleanup;
        }
        /* no bearer token: the request's store and context are set up here, and a wrong
         * token counts against the client's address as failed token authentications do */
        og_http_authlimit_refusal why;
        char source[INET6_ADDRSTRLEN + 8];
        og_http__peer_address(r, source, sizeof(source));
        if (og_http__authlimit_check(r->srv->authlimit, source, "", &why) > 0) {
            r->retry_after = why.retry_after;
            error = og_error_set(OG_EBUSY,
                                 "too many failed authentications from this address; retry in %d s",
                                 why.retry_after);
            goto cleanup;
        }
        if (!r->store)
            r->store = og_store_pool_get(r->srv->pool);
        memset(&r->ctx, 0, sizeof(r->ctx));
        r->ctx.store = r->store;
        r->ctx.keys = r->srv->keys;
        r->ctx.data_dir = r->srv->folder;
        og_actor_system(&r->ctx.actor, "calendar");
        if ((error = og_certs_calendar_by_token(&r->ctx, token, &b)) < 0) {
            if (error == OG_EAUTH)
                og_http__authlimit_fail(r->srv->authlimit, source, "");
            goto cleanup;
        }
    } else {
        if ((error = og_http__authenticate(r)) < 0)
            goto cleanup;
        if (!tenant || !*tenant)
            tenant = og_actor_is_platform(&r->ctx.actor) ? NULL : r->ctx.actor.tenant_id;
        if ((error = og_certs_calendar(&r->ctx, tenant, &b)) < 0)
            goto cleanup;
    }
    size_t len = b.len;
    char *text = og_buf_detach(&b);
    error = og_http__reply_text(r, 200, "text/calendar; charset=utf-8", text, len);
cleanup:
    og_buf_free(&b);
    return error;
}

int og_http__certs_calendar_tokens(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_calendar_token_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "tokens", list));
}

int og_http__certs_calendar_token_create(og_http_req *r)
{
    static const char *const fields[] = {"label", NULL};
    const char *tenant, *label = NULL;
    json_t *body = NULL;
    char token[OG_CERTS_CALENDAR_TOKEN_MAX] = "", id[OG_ID_LEN];
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "label", 1, 100, &label)) < 0 ||
        (error = og_certs_calendar_token_create(&r->ctx, tenant, label, token, id)) < 0)
        goto cleanup;
    error = og_http__reply(
        r, 201,
        json_pack("{s:s, s:s, s:o}", "id", id, "token", token, "path",
                  json_sprintf("/api/v1/certificates/calendar.ics?token=%s", token)));
cleanup:
    og_crypto_wipe(token, sizeof(token));
    json_decref(body);
    return error;
}

int og_http__certs_calendar_token_revoke(og_http_req *r)
{
    const char *tenant, *id;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_certs_calendar_token_revoke(&r->ctx, tenant, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}
