/* vendor_dattormm.c - the Datto RMM adaptor (API v2): the OAuth password grant with Datto's
 * documented public client (public-client:public) against the platform's /auth/oauth/token,
 * sites as companies, devices from /api/v2/account/devices following pageDetails.nextPageUrl
 * (absolute: og_conn_http keeps it on the platform's host), mapped to og_conn_device.
 * docs/connectors/dattormm.md describes it field by field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_rmm.h"

#define DATTO_PAGE_MAX  250 /* Datto's largest `max` */
#define DATTO_ADDRS_MAX 32

static const og_conn_field fields[] = {
    {"api_key", 1, 1, "API key of a Datto RMM API user (Setup > Users > API Keys)"},
    {"api_secret", 1, 1, "API secret key of that user (shown once when generated)"},
    {NULL, 0, 0, NULL},
};

/* The platform's root: the base URL without a trailing "/api". */
static void root_url(const og_conn *c, char *out, size_t size)
{
    size_t len = strlen(c->base_url);
    if (len >= 4 && strcasecmp(c->base_url + len - 4, "/api") == 0)
        len -= 4;
    snprintf(out, size, "%.*s", (int)len, c->base_url);
}

/* ---- authentication ---- */

static int fetch_token(og_conn *c)
{
    int error = 0;
    char url[600];
    og_buf form = {0};
    char *basic = og_base64_encode((const uint8_t *)"public-client:public", 20);
    char header[128];
    const char *key = og_conn_cred(c, "api_key"), *secret = og_conn_cred(c, "api_secret");
    if (!basic)
        return og_error_set(OG_ERROR, "out of memory");
    snprintf(header, sizeof(header), "Authorization: Basic %s", basic);
    free(basic);
    if (!*key || !*secret)
        return og_error_set(OG_EAUTH, "connector %s: api_key and api_secret are required",
                            og_rmm_cname(c));
    root_url(c, url, sizeof(url) - 32);
    strcat(url, "/auth/oauth/token");
    og_buf_init(&form, 4096);
    if ((error = og_conn_form_add(&form, "grant_type", "password")) < 0 ||
        (error = og_conn_form_add(&form, "username", key)) < 0 ||
        (error = og_conn_form_add(&form, "password", secret)) < 0)
        goto cleanup;
    error = og_conn_token_fetch(c, url, &form, header);
cleanup:
    if (form.data)
        og_crypto_wipe(form.data, form.len);
    og_buf_free(&form);
    return error;
}

static int datto_auth(og_conn *c, og_conn_headers *h)
{
    return og_conn_bearer_auth(c, h, fetch_token);
}

/* ---- pages ---- */

/* Every page of a list (path below the platform's /api/v2/account), items under `key`, each
 * passed to item_fn. The next page is pageDetails.nextPageUrl (absolute, same host). */
static int each_item(og_conn *c, const char *path, const char *key,
                     int (*item_fn)(og_conn *c, const json_t *it, void *arg), void *arg)
{
    char url[2048], root[600];
    int error = 0;
    int64_t max = og_conn_opt_int(c, "page_size", DATTO_PAGE_MAX);
    max = max < 1 ? 1 : max > DATTO_PAGE_MAX ? DATTO_PAGE_MAX : max;
    root_url(c, root, sizeof(root));
    snprintf(url, sizeof(url), "%s/api/v2/account/%s?max=%lld", root, path, (long long)max);
    for (;;) {
        json_t *page = NULL, *it;
        og_conn_response resp = {0};
        size_t i;
        if ((error = og_conn_page_seen(c)) < 0 ||
            (error = og_conn_get_json(c, url, &page, &resp)) < 0)
            goto page_done;
        json_t *items = json_object_get(page, key);
        if (!json_is_array(items)) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (dattormm): GET /api/v2/account/%s: the answer "
                                 "holds no %s list",
                                 og_rmm_cname(c), path, key);
            goto page_done;
        }
        json_array_foreach(items, i, it)
        {
            if ((error = item_fn(c, it, arg)) < 0)
                goto page_done;
        }
        const char *next =
            json_string_value(json_object_get(json_object_get(page, "pageDetails"), "nextPageUrl"));
        if (!next || !*next || json_array_size(items) == 0) {
            url[0] = '\0';
        } else if (strcmp(next, url) == 0) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (dattormm): GET /api/v2/account/%s: the page "
                                 "repeats the previous page (nextPageUrl points to itself)",
                                 og_rmm_cname(c), path);
        } else if (strncmp(next, "https://", 8) != 0 && strncmp(next, "http://", 7) != 0) {
            error = og_error_set(OG_ERROR,
                                 "connector %s (dattormm): GET /api/v2/account/%s: nextPageUrl "
                                 "is not an http(s) URL",
                                 og_rmm_cname(c), path);
        } else if (strlen(next) >= sizeof(url)) {
            error = og_error_set(OG_EINVAL,
                                 "connector %s (dattormm): GET /api/v2/account/%s: nextPageUrl "
                                 "is too long",
                                 og_rmm_cname(c), path);
        } else {
            og_strlcpy(url, next, sizeof(url));
        }
    page_done:
        json_decref(page);
        og_conn_response_clear(&resp);
        if (error < 0 || !url[0])
            return error;
    }
}

/* ---- test and companies ---- */

static int datto_test(og_conn *c, json_t **out)
{
    char url[700];
    json_t *page = NULL;
    og_conn_response resp = {0};
    root_url(c, url, sizeof(url) - 40);
    strcat(url, "/api/v2/account/sites?max=1");
    int error = og_conn_get_json(c, url, &page, &resp);
    if (error == 0) {
        /* the account: the accountUid of its sites (Datto's documented paths name no other) */
        json_t *total = json_object_get(json_object_get(page, "pageDetails"), "totalCount");
        const char *acct = json_string_value(
            json_object_get(json_array_get(json_object_get(page, "sites"), 0), "accountUid"));
        *out = json_pack("{s:s, s:I}", "account", acct && *acct ? acct : "Datto RMM", "sites",
                         (json_int_t)(json_is_integer(total) ? json_integer_value(total) : 0));
    }
    json_decref(page);
    og_conn_response_clear(&resp);
    return error;
}

typedef struct company_cb {
    og_conn_company_fn fn;
    void *arg;
} company_cb;

static int site_item(og_conn *c, const json_t *s, void *arg)
{
    (void)c;
    company_cb *cb = arg;
    const char *uid = json_string_value(json_object_get(s, "uid"));
    const char *name = json_string_value(json_object_get(s, "name"));
    if (!uid || !*uid)
        return 0;
    og_conn_company co = {uid, name ? name : ""};
    return cb->fn(cb->arg, &co);
}

static int datto_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    company_cb cb = {fn, arg};
    return each_item(c, "sites", "sites", site_item, &cb);
}

/* ---- devices ---- */

static int has_word(const char *s, const char *const *words)
{
    for (int i = 0; s && words[i]; i++)
        if (strcasestr(s, words[i]))
            return 1;
    return 0;
}

/* deviceType {category, type} and deviceClass -> server, workstation, network or other. */
static const char *device_class(const json_t *d)
{
    static const char *const servers[] = {"server", "esxi", "hypervisor", NULL};
    static const char *const works[] = {"desktop", "laptop", "workstation", "notebook", NULL};
    static const char *const nets[] = {"network", "router",       "switch", "firewall",
                                       "printer", "access point", NULL};
    const json_t *t = json_object_get(d, "deviceType");
    const char *cat = json_string_value(json_object_get(t, "category"));
    const char *type = json_string_value(json_object_get(t, "type"));
    const char *cls = json_string_value(json_object_get(d, "deviceClass"));
    if (has_word(cat, servers) || has_word(type, servers) || (cls && !strcmp(cls, "esxihost")))
        return "server";
    if (has_word(cat, works) || has_word(type, works))
        return "workstation";
    if (has_word(cat, nets) || has_word(type, nets) ||
        (cls && (!strcmp(cls, "rmmnetworkdevice") || !strcmp(cls, "printer"))))
        return "network";
    return "other";
}

typedef struct device_cb {
    og_conn_device_fn fn;
    void *arg;
} device_cb;

static int device_item(og_conn *c, const json_t *d, void *arg)
{
    (void)c;
    device_cb *cb = arg;
    const char *addrs[DATTO_ADDRS_MAX];
    char site[64] = "", ints[512], name[600] = "";
    size_t n = 0;
    const char *uid = json_string_value(json_object_get(d, "uid"));
    const char *su = json_string_value(json_object_get(d, "siteUid"));
    const char *host = json_string_value(json_object_get(d, "hostname"));
    const char *dom = json_string_value(json_object_get(d, "domain"));
    json_t *sid = json_object_get(d, "siteId");
    if (!uid || !*uid)
        return 0;
    if (su && *su)
        og_strlcpy(site, su, sizeof(site));
    else if (json_is_integer(sid))
        snprintf(site, sizeof(site), "%" JSON_INTEGER_FORMAT, json_integer_value(sid));
    /* intIpAddress may hold several addresses separated by commas */
    og_strlcpy(ints, json_string_value(json_object_get(d, "intIpAddress")) ?: "", sizeof(ints));
    for (char *save = NULL, *a = strtok_r(ints, ", ", &save); a; a = strtok_r(NULL, ", ", &save))
        n = og_rmm_addr_add(addrs, n, DATTO_ADDRS_MAX, a);
    n = og_rmm_addr_add(addrs, n, DATTO_ADDRS_MAX,
                        json_string_value(json_object_get(d, "extIpAddress")));
    if (og_rmm_name_ok(host)) {
        /* an Active Directory domain with a dot makes the DNS name hostname.domain */
        if (dom && strchr(dom, '.') && og_rmm_name_ok(dom) && strlen(host) + strlen(dom) < 253)
            snprintf(name, sizeof(name), "%s.%s", host, dom);
        else
            og_strlcpy(name, host, sizeof(name));
    }
    og_conn_device dev = {
        .remote_id = uid,
        .company_id = site,
        .name = name,
        .device_class = device_class(d),
        .addresses = addrs,
        .naddresses = n,
        .deleted = json_is_true(json_object_get(d, "deleted")),
        .offline = !json_is_true(json_object_get(d, "online")),
        .updated_at = "",
        .raw = d,
    };
    return cb->fn(cb->arg, &dev);
}

/* Datto has no change stamp or filter on devices: every pull is a full one (since is checked
 * for form and otherwise not used). */
static int datto_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    device_cb cb = {fn, arg};
    int64_t us;
    int error = 0;
    if (since && *since && (error = og_time_parse(since, &us)) < 0)
        return error;
    return each_item(c, "devices", "devices", device_item, &cb);
}

const og_conn_vendor og_conn_dattormm = {
    .kind = "dattormm",
    .title = "Datto RMM",
    .category = "rmm",
    .default_base_url = NULL, /* the account's platform: https://<platform>-api.centrastage.net */
    .fields = fields,
    .auth = datto_auth,
    .auth_reset = og_conn_token_reset,
    .error_message = og_rmm_error_message,
    .test = datto_test,
    .companies = datto_companies,
    .devices = datto_devices,
};
