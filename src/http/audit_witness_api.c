/* audit_witness_api.c - the witnesses that cosign checkpoints over HTTP, the calls `opsgate audit
 * witness add|list|remove` makes (issue 22 over issue 25), and the latest checkpoint of a chain
 * as its C2SP signed note (text/plain) for witnesses and monitors. */
#include "http/parity_api.h"
#include "opsgate/audit.h"
#include "opsgate/context.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"
#include "opsgate/tenant.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The witness rows as `audit witness list --json` prints them, under "witnesses". */
static int witness_list(og_http_req *r, json_t **out)
{
    json_t *arr = NULL;
    int error;
    *out = NULL;
    if ((error = og_audit_witness_list(&r->ctx, &arr)) < 0)
        return error;
    if (!(*out = json_pack("{s:o}", "witnesses", arr)))
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* GET /api/v1/audit/witnesses: every registered witness, of every chain or of one tenant's, with
 * its cosignature count and its last refusal. Platform admins (the library checks). */
int og_http__audit_witness_list(og_http_req *r)
{
    json_t *out = NULL;
    int error;
    if ((error = witness_list(r, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

/* The egress policy's answer for a numeric host of url, before it is registered (a name is
 * checked when connecting), as `audit witness add` does. */
static int egress_ok(og_http_req *r, const char *url)
{
    char scheme[16], host[256];
    og_egress *eg = NULL;
    int error;
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)) < 0) {
        og_error_clear(); /* the library names what is wrong with the URL */
        return 0;
    }
    if ((error = og_egress_load(&eg, r->ctx.store)) < 0)
        return error;
    error = og_egress_check_host(eg, host);
    og_egress_free(eg);
    if (error < 0)
        og_error_wrap("field 'url'");
    return error;
}

/* POST /api/v1/audit/witnesses {"url", "key", "tenant"?}: register a witness of every chain, or
 * with "tenant" (name or id) of that tenant's chain. 201 with the witness's row; 400 for a bad
 * URL or key; 403 for a host the egress policy refuses; 409 for a key registered already for
 * that scope. Platform admins only; audited (audit.witness.add). */
int og_http__audit_witness_add(og_http_req *r)
{
    static const char *const fields[] = {"url", "key", "tenant", NULL};
    const char *url, *key, *tenant;
    char id[OG_ID_LEN];
    json_t *body = NULL, *all = NULL, *w, *row = NULL;
    og_tenant t;
    size_t i;
    int error;
    memset(&t, 0, sizeof(t));
    if ((error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str_max(body, "url", 1, 2048, &url)) < 0 ||
        (error = og_http__field_str_max(body, "key", 1, 1024, &key)) < 0 ||
        (error = og_http__field_str_max(body, "tenant", 0, 64, &tenant)) < 0)
        goto cleanup;
    if (tenant && !og_name_valid(tenant) && !og_id_valid(tenant)) {
        error =
            og_error_set(OG_EINVAL, "field 'tenant': '%.64s' is not a valid name or id", tenant);
        goto cleanup;
    }
    /* platform-admins only, before the tenant is looked up (anyone else: 403 whatever it names) */
    if ((error = og_authz_check(&r->ctx.actor, NULL, OG_PERM_PLATFORM)) < 0 ||
        (tenant && (error = og_tenant_get(&r->ctx, tenant, &t)) < 0) ||
        (error = egress_ok(r, url)) < 0 ||
        (error = og_audit_witness_add(&r->ctx, tenant ? t.id : NULL, url, key, id)) < 0 ||
        (error = witness_list(r, &all)) < 0)
        goto cleanup;
    json_array_foreach(json_object_get(all, "witnesses"), i, w)
    {
        if (og_streq(json_string_value(json_object_get(w, "id")), id))
            row = json_incref(w);
    }
    if (!row) {
        error = og_error_set(OG_ERROR, "witness %s was added but is not listed", id);
        goto cleanup;
    }
    snprintf(r->location, sizeof(r->location), "/api/v1/audit/witnesses/%s", id);
    error = og_http__reply(r, 201, row);
cleanup:
    json_decref(all);
    json_decref(body);
    return error;
}

/* DELETE /api/v1/audit/witnesses/{id}: stop sending checkpoints to a witness (its cosignatures
 * stay with their checkpoints as evidence). 204; 404 for an unknown id. Platform admins only;
 * audited (audit.witness.remove). */
int og_http__audit_witness_remove(og_http_req *r)
{
    const char *id = og_http__param(&r->match, "id");
    int error;
    if ((error = og_audit_witness_remove(&r->ctx, id ? id : "")) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* 1 when the request's Accept header names text/plain before (or without) application/json: the
 * checkpoint is then answered as its signed note, as C2SP tlog-checkpoint serves it. */
int og_http__wants_note(og_http_req *r)
{
    const char *accept =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *text, *json;
    if (!accept)
        return 0;
    text = strstr(accept, "text/plain");
    json = strstr(accept, "application/json");
    return text && (!json || text < json);
}

/* The checkpoint cp's note as the reply (text/plain; charset=utf-8). OG_ENOTFOUND when the
 * checkpoint has no signed note (one made before notes were signed). */
int og_http__reply_note(og_http_req *r, const json_t *cp, const char *chain)
{
    const char *note = json_string_value(json_object_get(cp, "note"));
    char *text;
    if (!note || !*note)
        return og_error_set(OG_ENOTFOUND,
                            "the latest checkpoint of audit chain '%s' has no signed note",
                            chain ? chain : "platform");
    if (!(text = strdup(note)))
        return og_error_set(OG_ERROR, "out of memory");
    return og_http__reply_text(r, 200, "text/plain; charset=utf-8", text, strlen(text));
}
