/* vendor_msgraph.c - the Microsoft Graph adaptor (category "cloud"): one client's Entra tenant.
 * OAuth2 client credentials against the Entra tenant's token endpoint on the login host (a client
 * secret, or a certificate credential: a client assertion signed with its key), /v1.0/organization
 * to confirm which Entra tenant the credentials reach (another than the configured one is
 * refused), then the credentials of /v1.0/applications and /v1.0/servicePrincipals and the Intune
 * devices of /v1.0/deviceManagement/managedDevices, page by page along @odata.nextLink.
 * docs/connectors/msgraph.md describes it field by field. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_msgraph.h"
#include "vendor_rmm.h"

#define GRAPH_PAGE_MAX     999 /* the largest $top /applications takes */
#define DEFAULT_LOGIN      "https://login.microsoftonline.com"
#define DEFAULT_SCOPE      "https://graph.microsoft.com/.default"
#define SELECT_CREDENTIALS "id,appId,displayName,passwordCredentials,keyCredentials"
#define SELECT_DEVICES                                                                             \
    "id,deviceName,operatingSystem,osVersion,complianceState,managedDeviceOwnerType,"              \
    "lastSyncDateTime"
#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

static const og_conn_field fields[] = {
    {"entra_tenant", 0, 1,
     "the client's Entra tenant: its directory (tenant) ID, or a verified domain such as "
     "contoso.onmicrosoft.com"},
    {"client_id", 0, 1, "application (client) ID of the app registration opsgate signs in as"},
    {"client_secret", 1, 0,
     "a client secret of that app registration (or give private_key_pem and certificate_pem)"},
    {"private_key_pem", 1, 0, "PEM RSA private key of a certificate credential of that app"},
    {"certificate_pem", 1, 0, "PEM certificate of that credential, as uploaded to the app"},
    {NULL, 0, 0, NULL},
};

/* What the adaptor learnt of the Entra tenant (c->vendor_state). */
typedef struct graph_state {
    char org_id[64];
    char org_name[256];
} graph_state;

static const char *cname(const og_conn *c)
{
    return c->name[0] ? c->name : c->vendor->kind;
}

/* ---- configuration ---- */

/* options.login_base_url (default the public cloud's), checked as a base URL is. */
static int login_base(og_conn *c, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(c->options, "login_base_url"));
    char scheme[16], host[256];
    if (!v || !*v)
        v = DEFAULT_LOGIN;
    if (strlen(v) >= size ||
        og_netclient_url_parts(v, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) || strpbrk(v, "?#@ \t\r\n"))
        return og_error_set(OG_EINVAL,
                            "connector %s: option login_base_url must be http(s)://host[:port]",
                            cname(c));
    og_strlcpy(out, v, size);
    for (size_t n = strlen(out); n > 0 && out[n - 1] == '/'; n--)
        out[n - 1] = '\0';
    return 0;
}

/* The configured Entra tenant: a GUID, or a domain name (it goes into the token URL's path). */
static int entra_tenant(og_conn *c, const char **out)
{
    const char *t = og_conn_cred(c, "entra_tenant");
    size_t n = strlen(t);
    int ok = og_msgraph_is_guid(t) || (n >= 3 && n <= 253 && strchr(t, '.') && t[0] != '.' &&
                                       t[0] != '-' && t[n - 1] != '.');
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)t[i]) || t[i] == '-' || t[i] == '.';
    if (!ok)
        return og_error_set(OG_EINVAL,
                            "connector %s: entra_tenant must be a directory (tenant) ID (a GUID) "
                            "or a domain such as contoso.onmicrosoft.com",
                            cname(c));
    *out = t;
    return 0;
}

/* ---- authentication ---- */

/* The form's credential: the client secret, or a client assertion from the certificate. */
static int form_credential(og_conn *c, const char *token_url, og_buf *form)
{
    const char *secret = og_conn_cred(c, "client_secret");
    const char *key = og_conn_cred(c, "private_key_pem"),
               *cert = og_conn_cred(c, "certificate_pem");
    char *jwt = NULL;
    int error;
    if (!*key && !*cert) {
        if (!*secret)
            return og_error_set(OG_EAUTH,
                                "connector %s: give client_secret, or private_key_pem and "
                                "certificate_pem",
                                cname(c));
        return og_conn_form_add(form, "client_secret", secret);
    }
    if (!*key || !*cert)
        return og_error_set(OG_EAUTH,
                            "connector %s: a certificate credential needs both private_key_pem "
                            "and certificate_pem",
                            cname(c));
    if ((error = og_msgraph_assertion(key, cert, og_conn_cred(c, "client_id"), token_url,
                                      og_time_now_us() / 1000000, &jwt)) < 0)
        return og_error_wrap("connector %s", cname(c));
    if ((error = og_conn_form_add(form, "client_assertion_type", ASSERTION_TYPE)) == 0)
        error = og_conn_form_add(form, "client_assertion", jwt);
    og_crypto_wipe(jwt, strlen(jwt));
    free(jwt);
    return error;
}

/* POST {login}/{tenant}/oauth2/v2.0/token. The login host is the kind's token_origin (Entra's
 * public cloud) or the Graph base's own origin; og_conn_token_fetch refuses any other (a client
 * secret is never sent to a host an option names), and the egress policy applies to it as to any
 * call. */
static int fetch_token(og_conn *c)
{
    char login[512], url[900];
    const char *tenant, *id = og_conn_cred(c, "client_id");
    const char *scope = json_string_value(json_object_get(c->options, "scope"));
    og_buf form = {0};
    int error;
    if ((error = login_base(c, login, sizeof(login))) < 0 || (error = entra_tenant(c, &tenant)) < 0)
        return error;
    if (!*id)
        return og_error_set(OG_EAUTH, "connector %s: client_id is required", cname(c));
    snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", login, tenant);
    og_buf_init(&form, 64 * 1024);
    if ((error = og_conn_form_add(&form, "grant_type", "client_credentials")) < 0 ||
        (error = og_conn_form_add(&form, "client_id", id)) < 0 ||
        (error = og_conn_form_add(&form, "scope", scope && *scope ? scope : DEFAULT_SCOPE)) < 0 ||
        (error = form_credential(c, url, &form)) < 0)
        goto cleanup;
    error = og_conn_token_fetch(c, url, &form, NULL);
cleanup:
    if (form.data)
        og_crypto_wipe(form.data, form.len);
    og_buf_free(&form);
    return error;
}

static int graph_auth(og_conn *c, og_conn_headers *h)
{
    return og_conn_bearer_auth(c, h, fetch_token);
}

/* Graph's errors are {"error": {"code", "message"}}; the token endpoint's are OAuth's
 * {error, error_description: "AADSTS7000215: ..."}. */
static void graph_error_message(long status, const og_buf *body, const json_t *json, char *out,
                                size_t size)
{
    const json_t *e = json_object_get(json, "error");
    if (json_is_object(e)) {
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        json_t *s =
            json_sprintf("%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
        og_rmm_error_message(status, NULL, s, out, size); /* blanked and cut as the others */
        json_decref(s);
        return;
    }
    og_rmm_error_message(status, body, json, out, size);
}

/* ---- pages ---- */

typedef int (*item_fn)(og_conn *c, const json_t *item, void *arg);

/* Every item of a Graph collection (path below the Graph base), following @odata.nextLink
 * (absolute; og_conn_http keeps it on the Graph host). *status gets the last HTTP status. */
static int each_item(og_conn *c, const char *path, item_fn fn, void *arg, long *status)
{
    char url[2048];
    int error = 0;
    og_strlcpy(url, path, sizeof(url));
    for (;;) {
        og_conn_response resp = {0};
        json_t *page = NULL, *it;
        size_t i;
        if ((error = og_conn_page_seen(c)) < 0 ||
            (error = og_conn_get_json(c, url, &page, &resp)) < 0) {
            *status = resp.status;
            og_conn_response_clear(&resp);
            return error;
        }
        og_conn_response_clear(&resp);
        json_t *value = json_object_get(page, "value");
        const char *next = json_string_value(json_object_get(page, "@odata.nextLink"));
        if (!json_is_array(value))
            error = og_error_set(OG_ERROR,
                                 "connector %s (msgraph): GET %.*s: the answer has no value list",
                                 cname(c), (int)strcspn(path, "?"), path);
        json_array_foreach(value, i, it)
        {
            if (error == 0 && (error = fn(c, it, arg)) < 0)
                break;
        }
        if (error == 0 && next && *next) {
            if (strlen(next) >= sizeof(url) || strcmp(next, url) == 0)
                error = og_error_set(OG_ERROR,
                                     "connector %s (msgraph): GET %.*s: @odata.nextLink repeats "
                                     "the page or is too long",
                                     cname(c), (int)strcspn(path, "?"), path);
            else
                og_strlcpy(url, next, sizeof(url));
        }
        int last = error < 0 || !next || !*next; /* next lives in page */
        json_decref(page);
        if (last)
            return error;
    }
}

static int64_t page_size(og_conn *c)
{
    int64_t n = og_conn_opt_int(c, "page_size", GRAPH_PAGE_MAX);
    return n < 1 ? 1 : n > GRAPH_PAGE_MAX ? GRAPH_PAGE_MAX : n;
}

/* ---- the Entra tenant ---- */

static int domain_verified(const json_t *org, const char *domain)
{
    const json_t *d;
    size_t i;
    json_array_foreach(json_object_get(org, "verifiedDomains"), i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        if (name && strcasecmp(name, domain) == 0)
            return 1;
    }
    return 0;
}

static int org_item(og_conn *c, const json_t *org, void *arg)
{
    const char *tenant = arg, *id = json_string_value(json_object_get(org, "id"));
    const char *name = json_string_value(json_object_get(org, "displayName"));
    graph_state *st = c->vendor_state;
    if (st->org_id[0])
        return og_error_set(OG_ERROR,
                            "connector %s: /v1.0/organization lists more than one "
                            "organization",
                            cname(c));
    if (!id || !og_msgraph_is_guid(id))
        return og_error_set(OG_ERROR, "connector %s: /v1.0/organization names no tenant id",
                            cname(c));
    if (og_msgraph_is_guid(tenant) ? strcasecmp(id, tenant) != 0 : !domain_verified(org, tenant))
        return og_error_set(OG_EDENIED,
                            "connector %s: the credentials reach Entra tenant %s (%.100s), not "
                            "the configured %s: refused",
                            cname(c), id, name ? name : "", tenant);
    og_strlcpy(st->org_id, id, sizeof(st->org_id));
    og_strlcpy(st->org_name, name ? name : "", sizeof(st->org_name));
    return 0;
}

/* GET /v1.0/organization once per operation: the Entra tenant the credentials reach must be the
 * configured one (by id, or by one of its verified domains). */
static int org_check(og_conn *c, graph_state **out)
{
    const char *tenant;
    long status = 0;
    int error;
    if (!c->vendor_state && !(c->vendor_state = calloc(1, sizeof(graph_state))))
        return og_error_set(OG_ERROR, "out of memory");
    *out = c->vendor_state;
    if ((*out)->org_id[0])
        return 0;
    if ((error = entra_tenant(c, &tenant)) < 0 ||
        (error = each_item(c, "/v1.0/organization?$select=id,displayName,verifiedDomains", org_item,
                           (void *)tenant, &status)) < 0) {
        (*out)->org_id[0] = '\0';
        return error;
    }
    if (!(*out)->org_id[0])
        return og_error_set(OG_ERROR, "connector %s: /v1.0/organization lists no organization",
                            cname(c));
    return 0;
}

static void graph_state_free(og_conn *c)
{
    free(c->vendor_state);
    c->vendor_state = NULL;
}

static int graph_test(og_conn *c, json_t **out)
{
    graph_state *st;
    int error = org_check(c, &st);
    if (error == 0)
        *out = json_pack("{s:s, s:s}", "account", st->org_name, "entra_tenant", st->org_id);
    return error;
}

static int graph_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    graph_state *st;
    int error = org_check(c, &st);
    if (error == 0) {
        og_conn_company co = {st->org_id, st->org_name};
        error = fn(arg, &co);
    }
    return error;
}

/* ---- app credentials ---- */

typedef struct cred_walk {
    const char *object_type;
    const char *company_id;
    og_conn_app_cred_fn fn;
    void *arg;
} cred_walk;

static int cred_item(og_conn *c, const json_t *obj, void *arg)
{
    cred_walk *w = arg;
    (void)c;
    return og_msgraph_map_object(obj, w->object_type, w->company_id, w->fn, w->arg);
}

static int graph_app_credentials(og_conn *c, og_conn_app_cred_fn fn, void *arg)
{
    static const char *const lists[][2] = {{"/v1.0/applications", "application"},
                                           {"/v1.0/servicePrincipals", "servicePrincipal"}};
    graph_state *st;
    char path[256];
    long status = 0;
    int error = org_check(c, &st);
    for (size_t i = 0; error == 0 && i < sizeof(lists) / sizeof(lists[0]); i++) {
        cred_walk w = {lists[i][1], st->org_id, fn, arg};
        snprintf(path, sizeof(path), "%s?$select=%s&$top=%lld", lists[i][0], SELECT_CREDENTIALS,
                 (long long)page_size(c));
        error = each_item(c, path, cred_item, &w, &status);
    }
    return error;
}

/* ---- Intune devices ---- */

typedef struct dev_walk {
    const char *company_id;
    og_conn_device_fn fn;
    void *arg;
} dev_walk;

static int dev_item(og_conn *c, const json_t *d, void *arg)
{
    dev_walk *w = arg;
    (void)c;
    return og_msgraph_map_device(d, w->company_id, w->fn, w->arg);
}

/* Every managed device (a full pull whatever since says). 1 when the app is not granted
 * DeviceManagementManagedDevices.Read.All (Graph answers 403): noted, not a failure. */
static int graph_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    graph_state *st;
    char path[256];
    long status = 0;
    int error = org_check(c, &st);
    (void)since;
    if (error < 0)
        return error;
    dev_walk w = {st->org_id, fn, arg};
    snprintf(path, sizeof(path), "/v1.0/deviceManagement/managedDevices?$select=%s&$top=%lld",
             SELECT_DEVICES, (long long)page_size(c));
    error = each_item(c, path, dev_item, &w, &status);
    if (error == OG_EAUTH && status == 403) {
        size_t n = strlen(c->notes);
        snprintf(c->notes + n, sizeof(c->notes) - n, "%sintune: not granted", n ? "\n" : "");
        og_error_clear();
        return 1;
    }
    return error;
}

const og_conn_vendor og_conn_msgraph = {
    .kind = "msgraph",
    .title = "Microsoft Graph (Entra app credentials, Intune devices)",
    .category = "cloud",
    .default_base_url = "https://graph.microsoft.com",
    .fields = fields,
    .auth = graph_auth,
    .auth_reset = og_conn_token_reset,
    .error_message = graph_error_message,
    .test = graph_test,
    .companies = graph_companies,
    .state_free = graph_state_free,
    .devices = graph_devices,
    .app_credentials = graph_app_credentials,
    .token_origin = DEFAULT_LOGIN,
};
