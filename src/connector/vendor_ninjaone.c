/* vendor_ninjaone.c - the NinjaOne (NinjaRMM) adaptor, Public API 2.0: OAuth2 client credentials
 * against the region's /ws/oauth/token, organizations as companies, devices from
 * /v2/devices-detailed page by page with the `after` cursor (the last device id of the page),
 * mapped to og_conn_device. docs/connectors/ninjaone.md describes it field by field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_rmm.h"

#define NINJA_PAGE_DEFAULT 500
#define NINJA_PAGE_MAX     1000
#define NINJA_ADDRS_MAX    64

static const og_conn_field fields[] = {
    {"client_id", 0, 1, "client ID of the NinjaOne API application (client credentials grant)"},
    {"client_secret", 1, 1, "client secret of that application"},
    {NULL, 0, 0, NULL},
};

/* ---- authentication ---- */

static int fetch_token(og_conn *c)
{
    int error = 0;
    char url[600];
    og_buf form = {0};
    const char *id = og_conn_cred(c, "client_id"), *secret = og_conn_cred(c, "client_secret");
    if (!*id || !*secret)
        return og_error_set(OG_EAUTH, "connector %s: client_id and client_secret are required",
                            og_rmm_cname(c));
    snprintf(url, sizeof(url), "%s/ws/oauth/token", c->base_url);
    og_buf_init(&form, 4096);
    if ((error = og_conn_form_add(&form, "grant_type", "client_credentials")) < 0 ||
        (error = og_conn_form_add(&form, "client_id", id)) < 0 ||
        (error = og_conn_form_add(&form, "client_secret", secret)) < 0 ||
        (error = og_conn_form_add(&form, "scope", "monitoring management")) < 0)
        goto cleanup;
    error = og_conn_token_fetch(c, url, &form, NULL);
cleanup:
    if (form.data)
        og_crypto_wipe(form.data, form.len);
    og_buf_free(&form);
    return error;
}

static int ninja_auth(og_conn *c, og_conn_headers *h)
{
    return og_conn_bearer_auth(c, h, fetch_token);
}

/* ---- pages ---- */

static int64_t page_size(og_conn *c)
{
    int64_t n = og_conn_opt_int(c, "page_size", NINJA_PAGE_DEFAULT);
    return n < 1 ? 1 : n > NINJA_PAGE_MAX ? NINJA_PAGE_MAX : n;
}

/* One page of a list below path with the `after` cursor; *out is the array. */
static int get_page(og_conn *c, const char *path, int64_t size, int64_t after, json_t **out)
{
    char url[256];
    og_conn_response resp = {0};
    int error = 0;
    *out = NULL;
    if (after > 0)
        snprintf(url, sizeof(url), "%s?pageSize=%lld&after=%lld", path, (long long)size,
                 (long long)after);
    else
        snprintf(url, sizeof(url), "%s?pageSize=%lld", path, (long long)size);
    if ((error = og_conn_page_seen(c)) < 0 || (error = og_conn_get_json(c, url, out, &resp)) < 0)
        goto cleanup;
    if (!json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        error = og_error_set(OG_ERROR, "connector %s (ninjaone): GET %s: the answer is not a list",
                             og_rmm_cname(c), path);
    }
cleanup:
    og_conn_response_clear(&resp);
    return error;
}

/* The next cursor: the page's last id, which must move forward (a page that repeats or goes
 * back would loop forever). */
static int next_after(og_conn *c, const char *path, json_t *page, int64_t *after)
{
    json_t *id = json_object_get(json_array_get(page, json_array_size(page) - 1), "id");
    if (!json_is_integer(id) || json_integer_value(id) <= *after)
        return og_error_set(OG_ERROR,
                            "connector %s (ninjaone): GET %s: the page repeats the previous page "
                            "(its last id does not move the cursor forward)",
                            og_rmm_cname(c), path);
    *after = json_integer_value(id);
    return 0;
}

/* ---- test and companies ---- */

static int ninja_test(og_conn *c, json_t **out)
{
    json_t *page = NULL;
    int error = get_page(c, "/v2/organizations", 1, 0, &page);
    if (error == 0)
        *out = json_pack("{s:s}", "account", og_conn_cred(c, "client_id"));
    json_decref(page);
    return error;
}

static int ninja_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    int64_t size = page_size(c), after = 0;
    int error = 0;
    for (;;) {
        json_t *page = NULL, *o;
        size_t i;
        if ((error = get_page(c, "/v2/organizations", size, after, &page)) < 0)
            return error;
        json_array_foreach(page, i, o)
        {
            char id[32];
            json_t *jid = json_object_get(o, "id");
            if (!json_is_integer(jid))
                continue;
            snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
            const char *name = json_string_value(json_object_get(o, "name"));
            og_conn_company co = {id, name ? name : ""};
            if ((error = fn(arg, &co)) < 0)
                break;
        }
        size_t n = json_array_size(page);
        if (error == 0 && n > 0 && (int64_t)n >= size)
            error = next_after(c, "/v2/organizations", page, &after);
        json_decref(page);
        if (error < 0 || n == 0 || (int64_t)n < size)
            return error;
    }
}

/* ---- devices ---- */

/* NinjaOne's nodeClass -> server, workstation, network or other. */
static const char *device_class(const char *nc)
{
    static const char *const servers[] = {"WINDOWS_SERVER",
                                          "LINUX_SERVER",
                                          "MAC_SERVER",
                                          "VMWARE_VM_HOST",
                                          "HYPERV_VMM_HOST",
                                          "NMS_SERVER",
                                          "VMWARE_VM_GUEST",
                                          "HYPERV_VMM_GUEST",
                                          "NMS_VM_HOST",
                                          "NMS_VIRTUAL_MACHINE",
                                          NULL};
    static const char *const works[] = {"WINDOWS_WORKSTATION", "LINUX_WORKSTATION", "MAC",
                                        "NMS_COMPUTER", NULL};
    if (!nc)
        return "other";
    for (int i = 0; servers[i]; i++)
        if (strcmp(nc, servers[i]) == 0)
            return "server";
    for (int i = 0; works[i]; i++)
        if (strcmp(nc, works[i]) == 0)
            return "workstation";
    if (strncmp(nc, "NMS_", 4) == 0)
        return "network";
    return "other";
}

/* NinjaOne's times are epoch seconds as doubles: RFC 3339 UTC, "" when absent or absurd. */
static void epoch_text(const json_t *v, char *out, size_t size, double *secs)
{
    double d = json_is_number(v) ? json_number_value(v) : -1;
    out[0] = '\0';
    *secs = -1;
    if (!isfinite(d) || d <= 0 || d >= 253402300800.0) /* year 10000 */
        return;
    time_t t = (time_t)floor(d);
    struct tm g;
    gmtime_r(&t, &g);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &g);
    *secs = floor(d);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* One device record to og_conn_device and the callback. Records without an id are skipped;
 * since_s < 0 takes every device, else those updated at or after since_s (and those without
 * lastUpdate). */
static int emit_device(const json_t *d, double since_s, og_conn_device_fn fn, void *arg)
{
    char id[32], org[32] = "", updated[40];
    const char *addrs[NINJA_ADDRS_MAX];
    size_t n = 0, i;
    double upd;
    json_t *jid = json_object_get(d, "id"), *jorg = json_object_get(d, "organizationId"), *ip;
    if (!json_is_integer(jid))
        return 0;
    epoch_text(json_object_get(d, "lastUpdate"), updated, sizeof(updated), &upd);
    if (since_s >= 0 && upd >= 0 && upd < since_s)
        return 0;
    snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
    if (json_is_integer(jorg))
        snprintf(org, sizeof(org), "%" JSON_INTEGER_FORMAT, json_integer_value(jorg));
    json_array_foreach(json_object_get(d, "ipAddresses"), i, ip) n =
        og_rmm_addr_add(addrs, n, NINJA_ADDRS_MAX, json_string_value(ip));
    n = og_rmm_addr_add(addrs, n, NINJA_ADDRS_MAX, str(d, "publicIP"));
    const char *name = str(d, "dnsName");
    if (!og_rmm_name_ok(name))
        name = og_rmm_name_ok(str(d, "systemName")) ? str(d, "systemName") : "";
    og_conn_device dev = {
        .remote_id = id,
        .company_id = org,
        .name = name,
        .device_class = device_class(json_string_value(json_object_get(d, "nodeClass"))),
        .addresses = addrs,
        .naddresses = n,
        .deleted = strcmp(str(d, "approvalStatus"), "DECOMMISSIONED") == 0,
        .offline = json_is_true(json_object_get(d, "offline")),
        .updated_at = updated,
        .raw = d,
    };
    return fn(arg, &dev);
}

static int ninja_devices(og_conn *c, const char *since, og_conn_device_fn fn, void *arg)
{
    const char *path = og_conn_opt_int(c, "detailed", 1) ? "/v2/devices-detailed" : "/v2/devices";
    int64_t size = page_size(c), after = 0, since_us = 0;
    double since_s = -1;
    int error = 0;
    if (since && *since) {
        if ((error = og_time_parse(since, &since_us)) < 0)
            return error;
        since_s = (double)(since_us / 1000000);
    }
    for (;;) {
        json_t *page = NULL, *d;
        size_t i;
        if ((error = get_page(c, path, size, after, &page)) < 0)
            return error;
        json_array_foreach(page, i, d)
        {
            if ((error = emit_device(d, since_s, fn, arg)) < 0)
                break;
        }
        size_t n = json_array_size(page);
        if (error == 0 && n > 0 && (int64_t)n >= size)
            error = next_after(c, path, page, &after);
        json_decref(page);
        if (error < 0 || n == 0 || (int64_t)n < size)
            return error;
    }
}

const og_conn_vendor og_conn_ninjaone = {
    .kind = "ninjaone",
    .title = "NinjaOne (NinjaRMM)",
    .category = "rmm",
    .default_base_url = "https://app.ninjarmm.com",
    .fields = fields,
    .auth = ninja_auth,
    .auth_reset = og_conn_token_reset,
    .error_message = og_rmm_error_message,
    .test = ninja_test,
    .companies = ninja_companies,
    .devices = ninja_devices,
};
