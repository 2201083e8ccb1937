/* cloud.c - the pull of a cloud connector (vendor category "cloud", Microsoft Graph): every
 * credential (client secret, certificate) of the app registrations of each directory the company
 * map assigns to a tenant goes into that tenant's inventory as app credentials
 * (og_certs_app_credentials_sync, source "connector:<id>"), then the devices the vendor lists
 * become scan targets as an RMM's do (devices.c). The credential list is complete each time: one
 * Graph no longer lists is removed. A failed pull writes none of its credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "sync_internal.h"

/* The strings of one credential, owned (the vendor's are borrowed for the callback only). */
static const char *const cred_keys[] = {"key_id",     "object_id", "object_type", "app_id",
                                        "app_name",   "type",      "name",        "hint",
                                        "thumbprint", NULL};

typedef struct cred_pull {
    og_conn_sync *r;
    json_t *by_tenant; /* tenant id -> [{key_id, ..., start_us, end_us}] */
} cred_pull;

static int on_cred(void *arg, const og_conn_app_cred *a)
{
    cred_pull *p = arg;
    const og_certs_app_credential *k = &a->cred;
    const char *vals[] = {k->key_id, k->object_id, k->object_type, k->app_id,    k->app_name,
                          k->type,   k->name,      k->hint,        k->thumbprint};
    const char *tenant;
    json_t *list, *o;
    int error;
    if (og_conn__record_seen(p->r, "credential", k->key_id, NULL))
        return 0; /* counted as a failure: nothing is written */
    if ((error = og_conn__company_tenant(p->r, a->company_id ? a->company_id : "", NULL, &tenant)) <
        0)
        return error;
    if (!tenant) {
        p->r->unmapped_n++;
        return 0;
    }
    if (!(list = json_object_get(p->by_tenant, tenant))) {
        json_object_set_new(p->by_tenant, tenant, json_array());
        list = json_object_get(p->by_tenant, tenant);
    }
    if (!(o = json_object()))
        return og_error_set(OG_ERROR, "out of memory");
    for (int i = 0; cred_keys[i]; i++)
        json_object_set_new(o, cred_keys[i], json_string(vals[i] ? vals[i] : ""));
    json_object_set_new(o, "start_us", json_integer((json_int_t)k->start_us));
    json_object_set_new(o, "end_us", json_integer((json_int_t)k->end_us));
    json_object_set_new(o, "company_id", json_string(a->company_id ? a->company_id : ""));
    if (!list || json_array_append_new(list, o) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* One tenant's credentials into its inventory. */
static int tenant_apply(og_conn_sync *r, const char *tenant, const json_t *pulled)
{
    size_t n = json_array_size(pulled), i;
    og_certs_app_credential *creds = calloc(n ? n : 1, sizeof(*creds));
    char source[80];
    json_t *changes = NULL, *v;
    int error;
    if (!creds)
        return og_error_set(OG_ERROR, "out of memory");
    snprintf(source, sizeof(source), "connector:%s", r->c->id);
    json_array_foreach(pulled, i, v)
    {
        const char **s[] = {&creds[i].key_id, &creds[i].object_id, &creds[i].object_type,
                            &creds[i].app_id, &creds[i].app_name,  &creds[i].type,
                            &creds[i].name,   &creds[i].hint,      &creds[i].thumbprint};
        for (int k = 0; cred_keys[k]; k++)
            *s[k] = json_string_value(json_object_get(v, cred_keys[k]));
        creds[i].start_us = json_integer_value(json_object_get(v, "start_us"));
        creds[i].end_us = json_integer_value(json_object_get(v, "end_us"));
        creds[i].company_id = json_string_value(json_object_get(v, "company_id"));
    }
    if ((error = og_certs_app_credentials_sync(&r->sys, tenant, source, creds, n, &changes)) == 0)
        r->changes += (int64_t)(json_array_size(json_object_get(changes, "added")) +
                                json_array_size(json_object_get(changes, "updated")) +
                                json_array_size(json_object_get(changes, "removed")));
    free(creds);
    json_decref(changes);
    return error;
}

static int sync_credentials(og_conn_sync *r)
{
    cred_pull p = {r, json_object()};
    const char *k;
    json_t *v, *empty = json_array();
    int error = 0;
    if (!p.by_tenant || !empty) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = r->c->vendor->app_credentials(r->c, on_cred, &p)) < 0)
        goto cleanup; /* nothing half-written: the inventory stays as it was */
    if (r->first_error)
        goto cleanup; /* a credential without a key id: recorded, nothing written */
    /* The list is complete: a mapped tenant it listed nothing for has no credentials left. */
    json_object_foreach(r->companies, k, v)
    {
        const char *t = json_string_value(json_object_get(v, "tenant"));
        if (t && !json_object_get(p.by_tenant, t))
            json_object_set(p.by_tenant, t, empty);
    }
    json_object_foreach(p.by_tenant, k, v)
    {
        if ((error = tenant_apply(r, k, v)) < 0) {
            og_error_wrap("the app credentials of tenant %s", k);
            og_conn__sync_fail(r, error); /* the other tenants go on */
            error = 0;
        }
    }
cleanup:
    json_decref(p.by_tenant);
    json_decref(empty);
    return error;
}

void og_conn__sync_cloud(og_conn_sync *r)
{
    int error;
    if (!r->c->vendor->app_credentials) {
        og_conn__sync_fail(r, og_error_set(OG_EINVAL, "a %s connector pulls no app credentials",
                                           r->c->vendor->kind));
        return;
    }
    if ((error = sync_credentials(r)) < 0)
        og_conn__sync_fail(r, og_error_wrap("app credentials"));
    /* Devices (Intune) are a full pull each time; a directory that does not grant them is
     * noted by the adaptor and changes nothing. */
    if (r->c->vendor->devices && (error = og_conn__sync_devices(r, NULL)) < 0)
        og_conn__sync_fail(r, og_error_wrap("devices"));
}
