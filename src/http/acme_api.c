/* acme_api.c - thin HTTP handlers over ACME (include/opsgate/acme.h): a tenant's CA accounts and
 * its renewal plans (issue, renew, revoke, deploy targets), the calls `opsgate acme account` and
 * `opsgate cert issue|renew|revoke|plans` make, with the same authorization and gates. */
#include "http/parity_api.h"
#include "opsgate/acme.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

#define PLAN_TARGETS_MAX 64

/* The tenant of the path, resolved for reading: another tenant's and a missing one are the same
 * 404 before anything else is looked at. */
static int tenant_of(og_http_req *r, const char **tenant, char tid[OG_ID_LEN])
{
    int error = og_http__param_ref(r, "tenant", tenant);
    if (error < 0)
        return error;
    return og_tenant_resolve(&r->ctx, *tenant, OG_PERM_READ, tid);
}

/* An array field of 0 to max non-empty strings into out (borrowed from body); absent leaves *n 0
 * unless required. */
static int str_array(json_t *body, const char *name, int required, size_t max, const char **out,
                     size_t *n)
{
    json_t *arr = json_object_get(body, name), *v;
    size_t i;
    *n = 0;
    if (!arr && !required)
        return 0;
    if (!json_is_array(arr) || (required && json_array_size(arr) == 0))
        return og_error_set(OG_EINVAL, "field '%s': must be a%s array of strings", name,
                            required ? " non-empty" : "n");
    if (json_array_size(arr) > max)
        return og_error_set(OG_EINVAL, "field '%s': at most %zu entries", name, max);
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || !*json_string_value(v))
            return og_error_set(OG_EINVAL, "field '%s': entry %zu is not a non-empty string", name,
                                i);
        out[i] = json_string_value(v);
    }
    *n = json_array_size(arr);
    return 0;
}

/* ---- accounts ---- */

int og_http__acme_account_list(og_http_req *r)
{
    const char *tenant;
    json_t *arr = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_acme_account_list(&r->ctx, tenant, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "accounts", arr));
}

int og_http__acme_account_show(og_http_req *r)
{
    const char *tenant, *id;
    json_t *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_id(r, "id", "account", &id)) < 0 ||
        (error = og_acme_account_show(&r->ctx, tenant, id, &j)) < 0)
        return error;
    return og_http__reply(r, 200, j);
}

/* The CA's directory URL names where the server connects: a numeric address the egress policy
 * refuses (loopback, private ranges unless a platform-admin allowed them) is refused here, naming
 * the field; a host name is checked by the ACME client on every connection's resolved address. */
static int directory_check(og_http_req *r, const char *url)
{
    char host[256];
    const char *h, *end;
    og_egress *p = NULL;
    int error;
    if (strncmp(url, "https://", 8) != 0)
        return 0; /* the library refuses anything but https with its own message */
    h = url + 8;
    if (*h == '[') {
        end = strchr(h, ']');
        h++;
    } else {
        end = h + strcspn(h, ":/?#");
    }
    if (!end || (size_t)(end - h) >= sizeof(host))
        return og_error_set(OG_EINVAL, "field 'directory': '%.200s' has no valid host", url);
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    if ((error = og_egress_load(&p, r->ctx.store)) < 0)
        return error;
    error = og_egress_check_host(p, host);
    og_egress_free(p);
    if (error < 0)
        og_error_wrap("field 'directory'");
    return error;
}

int og_http__acme_account_create(og_http_req *r)
{
    static const char *const fields[] = {"directory",    "ca_pem",   "email",   "eab_kid",
                                         "eab_hmac_key", "key_type", "key_pem", NULL};
    const char *tenant;
    char id[OG_ID_LEN];
    og_acme_account_opts o;
    json_t *body = NULL, *j = NULL;
    int error;
    memset(&o, 0, sizeof(o));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "directory", 1, 2048, &o.directory)) < 0 ||
        (error = og_http__field_str_max(body, "ca_pem", 0, 1 << 20, &o.ca_pem)) < 0 ||
        (error = og_http__field_str_max(body, "email", 0, 254, &o.email)) < 0 ||
        (error = og_http__field_str_max(body, "eab_kid", 0, 512, &o.eab_kid)) < 0 ||
        (error = og_http__field_str_max(body, "eab_hmac_key", 0, 4096, &o.eab_hmac_b64)) < 0 ||
        (error = og_http__field_str_max(body, "key_type", 0, 32, &o.key_type)) < 0 ||
        (error = og_http__field_str_max(body, "key_pem", 0, 1 << 16, &o.key_pem)) < 0)
        goto cleanup;
    if (o.key_pem && o.key_type) {
        error = og_error_set(OG_EINVAL, "fields 'key_pem' and 'key_type' exclude each other");
        goto cleanup;
    }
    if (o.ca_pem && !strstr(o.ca_pem, "-----BEGIN CERTIFICATE-----")) {
        error = og_error_set(OG_EINVAL, "field 'ca_pem': no PEM certificate in it");
        goto cleanup;
    }
    if ((error = directory_check(r, o.directory)) < 0 ||
        (error = og_acme_account_create(&r->ctx, tenant, &o, id)) < 0 ||
        (error = og_acme_account_show(&r->ctx, tenant, id, &j)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/acme/accounts/%s", tenant, id);
    error = og_http__reply(r, 201, j);
cleanup:
    /* the EAB MAC key and an adopted account key: wiped from the parsed body and the raw one */
    if (o.eab_hmac_b64)
        og_crypto_wipe((char *)o.eab_hmac_b64, strlen(o.eab_hmac_b64));
    if (o.key_pem)
        og_crypto_wipe((char *)o.key_pem, strlen(o.key_pem));
    json_decref(body);
    if (r->body.data)
        og_crypto_wipe(r->body.data, r->body.len);
    return error;
}

int og_http__acme_account_rollover(og_http_req *r)
{
    const char *tenant, *id;
    json_t *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_id(r, "id", "account", &id)) < 0 ||
        (error = og_acme_account_rollover(&r->ctx, tenant, id)) < 0 ||
        (error = og_acme_account_show(&r->ctx, tenant, id, &j)) < 0)
        return error;
    return og_http__reply(r, 200, j);
}

/* ---- renewal plans ---- */
/* The {id} of a plan route: the one ID of a certificate, as `cert renew|revoke|plans ID` take it
 * (a plan id, one of its certificates' ids, or an inventory fingerprint or unique prefix, colons
 * allowed: the library resolves it). */
static int plan_param(og_http_req *r, const char **out)
{
    const char *v = og_http__param(&r->match, "id");
    *out = NULL;
    if (!v || !(og_id_valid(v) || (strlen(v) <= 95 && og_certs_id_is_fingerprint(v))))
        return og_error_set(OG_EINVAL,
                            "'%.64s' is neither a plan id nor a certificate fingerprint (or a "
                            "prefix of at least %d hex digits)",
                            v ? v : "", OG_CERTS_ID_MIN_DIGITS);
    *out = v;
    return 0;
}

int og_http__acme_plan_list(og_http_req *r)
{
    const char *tenant;
    json_t *arr = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_acme_cert_list(&r->ctx, tenant, &arr)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "plans", arr));
}

int og_http__acme_plan_show(og_http_req *r)
{
    const char *tenant, *id;
    json_t *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = plan_param(r, &id)) < 0 ||
        (error = og_acme_cert_show(&r->ctx, tenant, id, &j)) < 0)
        return error;
    return og_http__reply(r, 200, j);
}

/* The challenge settings that name resources of the opsgate host: a port it binds
 * (http_listen, tls_listen), a folder it writes (webroot), a DNS server's management URL it
 * calls (dns_config). Over HTTP only a platform-admin chooses them, as only platform actors add
 * deploy targets (a target names files and commands of the host); the CLI's operator is on the
 * host already. */
static int host_settings_check(og_http_req *r, const og_acme_issue_opts *o)
{
    if (!o->http_listen && !o->webroot && !o->tls_listen && !o->dns_config)
        return 0;
    if (og_actor_is_platform(&r->ctx.actor))
        return 0;
    return og_error_set(OG_EDENIED,
                        "the challenge settings http_listen, webroot, tls_listen and dns_config "
                        "name ports, folders and servers of the opsgate host: only a "
                        "platform-admin sets them over HTTP");
}

/* POST .../acme/plans: issue a certificate (og_acme_cert_issue, as `cert issue`), synchronous:
 * 201 with the new plan once the CA issued it. */
int og_http__acme_plan_issue(og_http_req *r)
{
    static const char *const fields[] = {"account",  "names",      "challenge",    "http_listen",
                                         "webroot",  "tls_listen", "dns_provider", "dns_config",
                                         "key_type", "timeout_s",  "targets",      NULL};
    const char *tenant, *names[OG_ACME_MAX_NAMES], *targets[PLAN_TARGETS_MAX];
    char tid[OG_ID_LEN];
    og_acme_issue_opts o;
    json_t *body = NULL, *j = NULL, *t;
    int error;
    memset(&o, 0, sizeof(o));
    if ((error = tenant_of(r, &tenant, tid)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "account", 0, 64, &o.account)) < 0 ||
        (error = str_array(body, "names", 1, OG_ACME_MAX_NAMES, names, &o.nnames)) < 0 ||
        (error = str_array(body, "targets", 0, PLAN_TARGETS_MAX, targets, &o.ntargets)) < 0 ||
        (error = og_http__field_str_max(body, "challenge", 0, 32, &o.challenge)) < 0 ||
        (error = og_http__field_str_max(body, "http_listen", 0, 300, &o.http_listen)) < 0 ||
        (error = og_http__field_str_max(body, "webroot", 0, 4096, &o.webroot)) < 0 ||
        (error = og_http__field_str_max(body, "tls_listen", 0, 300, &o.tls_listen)) < 0 ||
        (error = og_http__field_str_max(body, "dns_provider", 0, 64, &o.dns_provider)) < 0 ||
        (error = og_http__field_str_max(body, "dns_config", 0, 2048, &o.dns_config)) < 0 ||
        (error = og_http__field_str_max(body, "key_type", 0, 32, &o.key_type)) < 0)
        goto cleanup;
    if ((t = json_object_get(body, "timeout_s"))) {
        if (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > 3600) {
            error = og_error_set(OG_EINVAL, "field 'timeout_s': must be an integer from 1 to 3600");
            goto cleanup;
        }
        o.timeout_s = (int)json_integer_value(t);
    }
    o.names = names;
    o.targets = o.ntargets ? targets : NULL;
    if ((error = host_settings_check(r, &o)) < 0 ||
        (error = og_acme_cert_issue(&r->ctx, tenant, &o, &j)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/acme/plans/%s", tenant,
             json_string_value(json_object_get(j, "id")));
    error = og_http__reply(r, 201, j);
cleanup:
    json_decref(body);
    return error;
}

/* POST .../acme/plans/{id}/renew: og_acme_cert_renew through the certs.renew gate, as `cert
 * renew` and the console's Renew button: 200 {id, gate_id, state, result} once renewed, 202
 * with the gate item when it waits for a human (L2, L3). */
int og_http__acme_plan_renew(og_http_req *r)
{
    const char *tenant, *id;
    json_t *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 || (error = plan_param(r, &id)) < 0)
        return error;
    error = og_acme_cert_renew(&r->ctx, tenant, id, &j);
    if (error < 0 && !(error == OG_EPENDING && j)) {
        json_decref(j);
        return error;
    }
    return og_http__reply(r, error == OG_EPENDING ? 202 : 200, j);
}

/* POST .../acme/plans/{id}/revoke {"reason"?}: revoke the plan's current certificate (or, with
 * the id of one of its certificates, that one), as `cert revoke`. */
int og_http__acme_plan_revoke(og_http_req *r)
{
    static const char *const fields[] = {"reason", NULL};
    const char *tenant, *id, *reason = NULL;
    json_t *body = NULL;
    int error, code;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = plan_param(r, &id)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "reason", 0, 64, &reason)) < 0)
        goto cleanup;
    if (reason && (error = og_acme_reason_parse(reason, &code)) < 0) {
        og_error_wrap("field 'reason'");
        goto cleanup;
    }
    if ((error = og_acme_cert_revoke(&r->ctx, tenant, id, reason)) < 0)
        goto cleanup;
    error = og_http__reply(
        r, 200, json_pack("{s:s, s:s, s:s?}", "id", id, "status", "revoked", "reason", reason));
cleanup:
    json_decref(body);
    return error;
}

/* PUT .../acme/plans/{id}/targets {"targets": [...]}: the deploy targets renewals go to ([]
 * clears them), as `cert plans ID --set-targets`. */
int og_http__acme_plan_targets(og_http_req *r)
{
    static const char *const fields[] = {"targets", NULL};
    const char *tenant, *id, *targets[PLAN_TARGETS_MAX];
    size_t n = 0;
    json_t *body = NULL, *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = plan_param(r, &id)) < 0 || (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    if (!json_is_array(json_object_get(body, "targets"))) {
        error = og_error_set(OG_EINVAL, "field 'targets': must be an array of strings");
        goto cleanup;
    }
    if ((error = str_array(body, "targets", 0, PLAN_TARGETS_MAX, targets, &n)) < 0 ||
        (error = og_acme_plan_targets_set(&r->ctx, tenant, id, targets, n)) < 0 ||
        (error = og_acme_cert_show(&r->ctx, tenant, id, &j)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, j);
cleanup:
    json_decref(body);
    return error;
}

/* POST .../acme/renew-due: renew every plan of the tenant whose time has come, now (the server's
 * renewer does this every minute), as `cert renew --due --tenant T`: 200 {"renewed", "failed"}. */
int og_http__acme_renew_due(og_http_req *r)
{
    const char *tenant;
    int ran = 0, failed = 0, error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_acme_renew_due(&r->ctx, tenant, &ran, &failed)) < 0)
        return error;
    return og_http__reply(r, 200,
                          json_pack("{s:i, s:i}", "renewed", ran - failed, "failed", failed));
}
