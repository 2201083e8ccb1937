/* devices.c - the pull of an RMM connector (vendor category "rmm"): the devices of every
 * organization/site the company map assigns to a tenant become that tenant's discovered scan
 * targets (og_certs_discovered_sync), with rmm.device.added / rmm.device.removed events in the
 * same transaction. Devices of unmapped companies are counted and their companies listed, never
 * guessed. Nothing is written unless the whole pull succeeded; a full pull (no cursor) is
 * complete: a device it no longer lists is retired. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "sync_internal.h"

typedef struct dev_pull {
    og_conn_sync *r;
    json_t *by_tenant; /* tenant id -> [{remote_id, name, device_class, addresses, deleted,
                          company_id, company_name}] */
} dev_pull;

static int on_device(void *arg, const og_conn_device *d)
{
    dev_pull *p = arg;
    og_conn_sync *r = p->r;
    const char *tenant, *cid = d->company_id ? d->company_id : "";
    json_t *list, *addrs, *dj;
    int error;
    if (og_conn__record_seen(r, "device", d->remote_id, d->updated_at))
        return 0;
    if ((error = og_conn__company_tenant(r, cid, NULL, &tenant)) < 0)
        return error; /* the database failed: stop */
    if (!tenant) {
        r->unmapped_n++;
        return 0;
    }
    if (!(list = json_object_get(p->by_tenant, tenant))) {
        json_object_set_new(p->by_tenant, tenant, json_array());
        list = json_object_get(p->by_tenant, tenant);
    }
    addrs = json_array();
    for (size_t i = 0; addrs && i < d->naddresses; i++)
        if (d->addresses[i])
            json_array_append_new(addrs, json_string(d->addresses[i]));
    dj = json_pack(
        "{s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:s}", "remote_id", d->remote_id, "name",
        d->name ? d->name : "", "device_class", d->device_class ? d->device_class : "other",
        "addresses", addrs, "deleted", d->deleted != 0, "company_id", cid, "company_name",
        json_string_value(json_object_get(json_object_get(r->companies, cid), "name")) ?: "",
        "compliance", d->compliance ? d->compliance : "");
    if (!list || !dj || json_array_append_new(list, dj) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* The event of one added or removed device, from og_certs_discovered_sync's changes. */
static int announce(og_conn_sync *r, const char *tenant, const char *type, const json_t *dev,
                    const json_t *pulled)
{
    const char *id = json_string_value(json_object_get(dev, "remote_id"));
    const char *company = "";
    size_t i;
    json_t *v, *payload;
    int error;
    json_array_foreach(pulled, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "remote_id")), id) == 0)
            company = json_string_value(json_object_get(v, "company_name"));
    }
    payload = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s}", "connector", r->c->name, "kind",
                        r->c->vendor->kind, "remote_id", id, "device",
                        json_string_value(json_object_get(dev, "name")), "addresses",
                        json_object_get(dev, "addresses"), "device_class",
                        json_string_value(json_object_get(dev, "device_class")), "company_name",
                        company, "sync_id", r->id);
    if (!payload)
        return og_error_set(OG_ERROR, "out of memory");
    error = og_event_emit(&r->sys, tenant, type, payload, NULL);
    json_decref(payload);
    return error;
}

/* One tenant's devices into its discovered targets, with the events, in one transaction. */
static int tenant_apply(og_conn_sync *r, const char *tenant, const json_t *pulled, int complete)
{
    size_t n = json_array_size(pulled), i;
    og_certs_device *devs = calloc(n ? n : 1, sizeof(*devs));
    const char ***addrs = calloc(n ? n : 1, sizeof(*addrs));
    char source[80];
    json_t *changes = NULL, *v;
    int error = 0;
    snprintf(source, sizeof(source), "connector:%s", r->c->id);
    if (!devs || !addrs) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_array_foreach(pulled, i, v)
    {
        json_t *a = json_object_get(v, "addresses");
        devs[i].remote_id = json_string_value(json_object_get(v, "remote_id"));
        devs[i].name = json_string_value(json_object_get(v, "name"));
        devs[i].device_class = json_string_value(json_object_get(v, "device_class"));
        devs[i].deleted = json_is_true(json_object_get(v, "deleted"));
        devs[i].company_id = json_string_value(json_object_get(v, "company_id"));
        devs[i].compliance = json_string_value(json_object_get(v, "compliance"));
        devs[i].naddresses = json_array_size(a);
        if (!(addrs[i] = calloc(devs[i].naddresses + 1, sizeof(char *)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        for (size_t k = 0; k < devs[i].naddresses; k++)
            addrs[i][k] = json_string_value(json_array_get(a, k));
        devs[i].addresses = addrs[i];
    }
    if ((error = og_store_tx_begin(r->sys.store)) < 0)
        goto cleanup;
    if ((error = og_certs_discovered_sync(&r->sys, tenant, source, devs, n, complete, &changes)) ==
        0) {
        json_array_foreach(json_object_get(changes, "added"), i, v)
        {
            if ((error = announce(r, tenant, "rmm.device.added", v, pulled)) < 0)
                break;
        }
        json_array_foreach(json_object_get(changes, "removed"), i, v)
        {
            if (error == 0 && (error = announce(r, tenant, "rmm.device.removed", v, pulled)) < 0)
                break;
        }
    }
    if ((error = og_store_tx_end(r->sys.store, error)) == 0)
        r->changes += (int64_t)(json_array_size(json_object_get(changes, "added")) +
                                json_array_size(json_object_get(changes, "updated")) +
                                json_array_size(json_object_get(changes, "removed")));
cleanup:
    for (i = 0; addrs && i < n; i++)
        free(addrs[i]);
    free(addrs);
    free(devs);
    json_decref(changes);
    return error;
}

int og_conn__sync_devices(og_conn_sync *r, const char *since)
{
    dev_pull p = {r, json_object()};
    const char *k;
    json_t *v, *empty = json_array();
    int error, complete = !since || !*since;
    if (!p.by_tenant || !empty) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (!r->c->vendor->devices) {
        error = og_error_set(OG_EINVAL, "a %s connector pulls no devices", r->c->vendor->kind);
        goto cleanup;
    }
    if ((error = r->c->vendor->devices(r->c, since, on_device, &p)) < 0)
        goto cleanup; /* nothing half-written: the previous targets stay */
    if (error > 0) {  /* not granted (c->notes says so): nothing known, nothing retired */
        error = 0;
        goto cleanup;
    }
    if (r->first_error)
        goto cleanup; /* a bad device: recorded, and nothing written either */
    /* A complete pull retires the devices of every mapped tenant it listed none of. */
    json_object_foreach(r->companies, k, v)
    {
        const char *t = json_string_value(json_object_get(v, "tenant"));
        if (complete && t && !json_object_get(p.by_tenant, t))
            json_object_set(p.by_tenant, t, empty);
    }
    json_object_foreach(p.by_tenant, k, v)
    {
        if ((error = tenant_apply(r, k, v, complete)) < 0) {
            og_error_wrap("the devices of tenant %s", k);
            og_conn__sync_fail(r, error); /* the other tenants go on */
            error = 0;
        }
    }
cleanup:
    json_decref(p.by_tenant);
    json_decref(empty);
    return error;
}
