/* console_certact.c - what the certificate page does besides showing the certificate: its renewal
 * plan (og_acme_cert_list), deploy history (og_deploy_history) and the Renew and Deploy buttons,
 * which call exactly what `opsgate cert renew` and `opsgate cert deploy` call (og_acme_cert_renew,
 * og_deploy_cert, as the API's renew and deploy routes do) as the signed-in actor, so through the
 * gates; and the page of a cloud app credential (kind app-credential, og_certs_show). */
#include "http/console.h"
#include "opsgate/acme.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

#define TARGET_MAX 128

/* Whether the actor may renew or deploy in the tenant: the permission both library calls check
 * (OG_PERM_WRITE), asked of og_authz_check, so the buttons show exactly when the call would not
 * be refused for the role. The POST handlers check it again first and the library once more. */
static int may_act(og_http_req *r, const char *tenant, char tid[OG_ID_LEN])
{
    int error = og_tenant_resolve(&r->ctx, tenant, OG_PERM_READ, tid);
    if (error < 0)
        return error;
    return og_authz_check(&r->ctx.actor, tid, OG_PERM_WRITE);
}

/* The renewal plan that issued certificate fp (current or not: og_acme_cert_show takes the one ID
 * of a certificate, as `cert plans` and `cert renew` do), or NULL: *out untouched when none. */
static int plan_of(og_http_req *r, const char *tenant, const char *fp, json_t **out)
{
    json_t *plan = NULL;
    int error = og_acme_cert_show(&r->ctx, tenant, fp, &plan);
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        return 0;
    }
    if (error < 0)
        return error;
    *out = plan;
    return 0;
}

int og_http__console_cert_id(og_http_req *r, const char *tenant, const char *id, json_t **cert)
{
    char fp[65];
    int error;
    *cert = NULL;
    if (!id || !*id || strlen(id) > 64)
        return og_error_set(OG_EINVAL, "'%.64s' is not a certificate ID", id ? id : "");
    /* a plan id names its current certificate; fingerprints, prefixes and app ids are the
     * inventory's */
    if (og_id_valid(id) && !og_certs_id_is_fingerprint(id)) {
        if ((error = og_acme_cert_fingerprint(&r->ctx, tenant, id, fp)) < 0)
            return error;
        id = fp;
    }
    return og_certs_show(&r->ctx, tenant, id, cert);
}

/* "/console/tenants/T/certificates/FP" (+ suffix) into out (300 bytes). */
static void cert_path(char out[300], const char *tenant, const char *fp, const char *suffix)
{
    snprintf(out, 300, "/console/tenants/%s/certificates/%s%s", tenant, fp ? fp : "",
             suffix ? suffix : "");
}

/* The line saying what a renew or deploy did, read from its gate item (?gate=ID), never from the
 * address's text: only an item of this tenant about this certificate (or its plan) is shown. */
static json_t *flash_of(og_http_req *r, const char *tenant, const char *fp, const char *plan)
{
    const char *id = og_http__query(r, "gate");
    json_t *doc = NULL, *out = NULL;
    if (!id || !og_id_valid(id) || og_gate_show(&r->ctx, id, &doc) < 0) {
        og_error_clear();
        return NULL;
    }
    const char *tn = json_string_value(json_object_get(doc, "tenant_name"));
    const char *ti = json_string_value(json_object_get(doc, "tenant_id"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *about = json_string_value(json_object_get(doc, "target_id"));
    const char *state = json_string_value(json_object_get(doc, "state"));
    const json_t *res = json_object_get(doc, "result");
    const char *old = json_string_value(json_object_get(res, "old_fingerprint"));
    int deploy = og_streq(kind, OG_DEPLOY_KIND), renew = og_streq(kind, "certs.renew");
    if (!(og_streq(tn, tenant) || og_streq(ti, tenant)) || !state || !about ||
        !((deploy && og_streq(about, fp)) ||
          (renew && (og_streq(about, plan) || og_streq(old, fp)))))
        goto cleanup;
    const char *target = json_string_value(json_object_get(doc, "target_name"));
    const char *level = json_string_value(json_object_get(doc, "level"));
    const char *outcome = json_string_value(json_object_get(doc, "outcome"));
    char msg[600], href[300], st[64];
    /* "review", or "done: overridden" once closed */
    int closed = strcmp(state, "done") == 0 && outcome && *outcome;
    snprintf(st, sizeof(st), "%s%s%.40s", state, closed ? ": " : "", closed ? outcome : "");
    if (strcmp(state, "pending") == 0 || strcmp(state, "task") == 0)
        snprintf(msg, sizeof(msg), "The %s%s%s waits for %s (%s): gate item %s.",
                 deploy ? "deploy to target " : "renewal", deploy && target ? target : "",
                 deploy && !target ? "?" : "",
                 strcmp(state, "task") == 0 ? "a person to do it" : "approval", level, id);
    else if (deploy)
        snprintf(msg, sizeof(msg), "Deployed to target %s: %s (%s, gate item %s, %s)%s",
                 target ? target : "?",
                 json_string_value(json_object_get(res, "status"))
                     ? json_string_value(json_object_get(res, "status"))
                     : "done",
                 level, id, st,
                 strcmp(state, "review") == 0
                     ? ". Review it: acknowledge, or override to put the previous certificate back."
                     : ".");
    else
        snprintf(msg, sizeof(msg), "Renewed: serial %s, expires %s (%s, gate item %s, %s)%s",
                 json_string_value(json_object_get(res, "new_serial"))
                     ? json_string_value(json_object_get(res, "new_serial"))
                     : "?",
                 json_string_value(json_object_get(res, "new_not_after"))
                     ? json_string_value(json_object_get(res, "new_not_after"))
                     : "?",
                 level, id, st,
                 strcmp(state, "review") == 0
                     ? ". Review it: acknowledge, or override to make the previous certificate "
                       "current again."
                     : ".");
    snprintf(href, sizeof(href), "/console/tenants/%s/gates/%s", tenant, id);
    out = json_pack("{s:s, s:s, s:s}", "text", msg, "gate_href", href, "gate_id", id);
    const char *nfp = json_string_value(json_object_get(res, "fingerprint"));
    if (out && renew && nfp && strlen(nfp) == 64 && !og_streq(nfp, fp)) {
        cert_path(href, tenant, nfp, NULL);
        json_object_set_new(out, "new_href", json_string(href));
    }
cleanup:
    json_decref(doc);
    return out;
}

/* The deploy form's choices: the tenant's targets, marking those whose last deploy put fp there
 * and stayed (verified, or restored by an override; not rolled back, not overridden). */
static json_t *targets_of(og_http_req *r, const char *tenant, const char *fp)
{
    json_t *list = NULL, *t, *out = json_array();
    size_t i;
    if (og_deploy_target_list(&r->ctx, tenant, &list) < 0) {
        og_error_clear();
        return out;
    }
    json_array_foreach(list, i, t)
    {
        const json_t *last = json_object_get(t, "last_deploy");
        int holds = og_streq(json_string_value(json_object_get(last, "fingerprint")), fp) &&
                    (og_streq(json_string_value(json_object_get(last, "state")), "verified") ||
                     og_streq(json_string_value(json_object_get(last, "state")), "restored"));
        json_array_append_new(out, json_pack("{s:O, s:O, s:b}", "name", json_object_get(t, "name"),
                                             "type", json_object_get(t, "type"), "holds", holds));
    }
    json_decref(list);
    return out;
}

int og_http__console_cert_extras(og_http_req *r, const char *tenant, const json_t *cert, json_t *d)
{
    char tid[OG_ID_LEN], href[300];
    const char *fp = json_string_value(json_object_get(cert, "fingerprint"));
    json_t *plan = NULL, *history = NULL;
    int error = may_act(r, tenant, tid);
    if (error < 0 && error != OG_EDENIED)
        return error;
    int can = error == 0;
    og_error_clear();
    if ((error = plan_of(r, tenant, fp, &plan)) < 0 ||
        (error = og_deploy_history(&r->ctx, tenant, fp, &history)) < 0) {
        json_decref(plan);
        return error;
    }
    json_t *h;
    size_t i;
    json_array_foreach(history, i, h)
    {
        int deployed = og_streq(json_string_value(json_object_get(h, "role")), "deployed");
        /* the other certificate of the run: the one replaced, or the one that replaced it */
        const char *other = json_string_value(
            json_object_get(h, deployed ? "previous_fingerprint" : "fingerprint"));
        json_object_set_new(h, "deployed", json_boolean(deployed));
        if (other && strlen(other) == 64) {
            cert_path(href, tenant, other, NULL);
            json_object_set_new(h, "other",
                                json_pack("{s:s, s:s%}", "href", href, "short", other, (size_t)16));
        }
    }
    json_object_set_new(d, "history", history);
    json_object_set_new(d, "has_history", json_boolean(json_array_size(history) > 0));
    const char *cur =
        plan ? json_string_value(json_object_get(json_object_get(plan, "current"), "fingerprint"))
             : NULL;
    int current = plan && og_streq(cur, fp);
    if (plan && !current && cur && strlen(cur) == 64) {
        cert_path(href, tenant, cur, NULL);
        json_object_set_new(plan, "current_href", json_string(href));
        json_object_set_new(plan, "current_short", json_stringn(cur, 16));
    }
    if (plan) {
        json_object_set_new(plan, "is_current", json_boolean(current));
        json_object_del(plan, "certificates"); /* the page lists none of them */
        if (json_integer_value(json_object_get(plan, "failures")) == 0)
            json_object_del(plan, "failures"); /* Mustache shows a 0; no line for none */
        json_object_set_new(plan, "has_targets",
                            json_boolean(json_array_size(json_object_get(plan, "targets")) > 0));
        json_object_set_new(d, "plan", plan);
    }
    json_object_set_new(d, "can_renew", json_boolean(can && current));
    int key = json_is_true(json_object_get(cert, "private_key"));
    json_t *targets = can && key ? targets_of(r, tenant, fp) : json_array();
    json_object_set_new(d, "can_deploy", json_boolean(json_array_size(targets) > 0));
    json_object_set_new(d, "no_targets", json_boolean(can && key && !json_array_size(targets)));
    json_object_set_new(d, "no_key", json_boolean(can && !key));
    json_object_set_new(d, "can_act", json_boolean((can && current) || json_array_size(targets)));
    json_object_set_new(d, "targets", targets);
    cert_path(href, tenant, fp, "/renew");
    json_object_set_new(d, "renew_action", json_string(href));
    cert_path(href, tenant, fp, "/deploy");
    json_object_set_new(d, "deploy_action", json_string(href));
    json_t *flash =
        flash_of(r, tenant, fp, plan ? json_string_value(json_object_get(plan, "id")) : NULL);
    if (flash)
        json_object_set_new(d, "flash", flash);
    return 0;
}

/* The certificate of a renew or deploy POST, named by its one ID as on the page, read as the actor
 * (404 as the page), after the permission: a role that may not act gets 403 whatever the
 * certificate. */
static int post_cert(og_http_req *r, const char **tenant, json_t **cert)
{
    const char *id = og_http__param(&r->match, "id");
    char tid[OG_ID_LEN], fp[65];
    int error;
    *cert = NULL;
    if ((error = og_http__param_ref(r, "tenant", tenant)) < 0 ||
        (error = may_act(r, *tenant, tid)) < 0)
        return error;
    /* the one ID as renew and deploy take it (a prefix of 8+ digits, a plan id); an app
     * credential's id is refused below, naming what it is */
    if (id && strncmp(id, "app:", 4) != 0) {
        if ((error = og_acme_cert_fingerprint(&r->ctx, *tenant, id, fp)) < 0)
            return error;
        id = fp;
    }
    if ((error = og_http__console_cert_id(r, *tenant, id, cert)) < 0)
        return error;
    if (og_streq(json_string_value(json_object_get(*cert, "kind")), OG_CERTS_KIND_APP)) {
        json_decref(*cert);
        *cert = NULL;
        return og_error_set(OG_EINVAL,
                            "'%s' is a cloud app credential, not a certificate: opsgate neither "
                            "renews nor deploys it (its owner rotates it in Microsoft Entra)",
                            id);
    }
    return 0;
}

/* After the library's call: on to the certificate's page, which reads what happened from the
 * gate item. */
static int back_to_page(og_http_req *r, const char *tenant, const char *fp, const char *gate_id)
{
    char q[80], loc[300];
    snprintf(q, sizeof(q), "?gate=%s", gate_id);
    cert_path(loc, tenant, fp, gate_id && *gate_id ? q : NULL);
    og_error_clear();
    return og_http__console_redirect(r, loc);
}

/* POST /console/tenants/{tenant}/certificates/{id}/deploy (form: csrf, target) */
int og_http__console_cert_deploy(og_http_req *r)
{
    const char *tenant;
    char target[TARGET_MAX + 1], fp[65];
    json_t *cert = NULL, *list = NULL, *t;
    og_gate_outcome oc;
    int error, found = 0;
    memset(&oc, 0, sizeof(oc));
    if ((error = post_cert(r, &tenant, &cert)) < 0)
        return error;
    og_strlcpy(fp, json_string_value(json_object_get(cert, "fingerprint")), sizeof(fp));
    json_decref(cert);
    if ((error = og_http__console_form(r, "target", target, sizeof(target))) < 0)
        return error;
    if (error == 0 || !*target)
        return og_error_set(OG_EINVAL, "form field 'target': choose the deploy target");
    if ((error = og_deploy_target_list(&r->ctx, tenant, &list)) < 0)
        return error;
    size_t i;
    json_array_foreach(list, i, t) found |=
        og_streq(json_string_value(json_object_get(t, "name")), target);
    json_decref(list);
    if (!found)
        return og_error_set(OG_EINVAL,
                            "form field 'target': '%.128s' is not a deploy target of this tenant",
                            target);
    error = og_deploy_cert(&r->ctx, tenant, fp, target, &oc);
    json_decref(oc.result);
    if (error < 0 && error != OG_EPENDING)
        return error;
    return back_to_page(r, tenant, fp, oc.gate_id);
}

/* POST /console/tenants/{tenant}/certificates/{id}/renew (form: csrf): the certificate's one ID
 * (fingerprint, unique prefix or plan id) goes to og_acme_cert_renew as given, exactly as
 * `cert renew ID` and POST .../acme/plans/{id}/renew pass it: the plan that issued it renews. */
int og_http__console_cert_renew(og_http_req *r)
{
    const char *tenant, *id = og_http__param(&r->match, "id");
    char fp[65], gate_id[OG_ID_LEN] = "";
    json_t *cert = NULL, *out = NULL;
    int error;
    if ((error = post_cert(r, &tenant, &cert)) < 0)
        return error;
    og_strlcpy(fp, json_string_value(json_object_get(cert, "fingerprint")), sizeof(fp));
    json_decref(cert);
    error = og_acme_cert_renew(&r->ctx, tenant, id, &out);
    const char *g = json_string_value(json_object_get(out, "gate_id"));
    og_strlcpy(gate_id, g ? g : "", sizeof(gate_id));
    json_decref(out);
    if (error < 0 && error != OG_EPENDING)
        return error;
    return back_to_page(r, tenant, fp, gate_id);
}

/* The connector an app credential's source ("connector:<id>") names, when the actor can see it. */
static json_t *connector_of(og_http_req *r, const char *tenant, const char *source)
{
    json_t *list = NULL, *c, *out = NULL;
    size_t i;
    if (!source || strncmp(source, "connector:", 10) != 0 ||
        og_connector_list(&r->ctx, tenant, &list) < 0) {
        og_error_clear();
        return NULL;
    }
    json_array_foreach(list, i, c) if (og_streq(json_string_value(json_object_get(c, "id")),
                                                source + 10)) out = json_incref(c);
    json_decref(list);
    return out;
}

int og_http__console_appcred_render(og_http_req *r, const char *tenant, json_t *cred)
{
    json_t *names = json_array(), *f;
    size_t i;
    json_array_foreach(json_object_get(cred, "findings"), i, f)
        json_array_append_new(names, json_pack("{s:O}", "name", f));
    json_object_set_new(cred, "has_findings", json_boolean(json_array_size(names) > 0));
    json_object_set_new(cred, "finding_list", names);
    json_object_set_new(cred, "has_alerts",
                        json_boolean(json_array_size(json_object_get(cred, "alerts")) > 0));
    json_int_t days = json_integer_value(json_object_get(cred, "days_left"));
    json_object_set_new(cred, "state",
                        json_string(days <= 0    ? "expired"
                                    : days <= 30 ? "soon"
                                                 : "ok"));
    json_object_set_new(
        cred, "is_secret",
        json_boolean(og_streq(json_string_value(json_object_get(cred, "type")), "secret")));
    json_t *conn = connector_of(r, tenant, json_string_value(json_object_get(cred, "source")));
    if (conn)
        json_object_set_new(cred, "connector", conn);
    json_t *d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? tenant : NULL);
    if (!d) {
        json_decref(cred);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "cred", cred);
    json_object_set_new(d, "tenant", json_string(tenant));
    return og_http__console_render(r, 200, "appcred", d);
}
