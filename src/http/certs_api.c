/* certs_api.c - thin HTTP handlers over the certificate inventory (include/opsgate/certs.h):
 * list (one tenant, or every tenant for platform admins), show, synchronous scan, import, expiry
 * policy and scan schedules. */
#include "http/certs_api.h"
#include "http/server.h"
#include "opsgate/certs.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

/* A synchronous scan over HTTP holds a worker thread; bigger scans belong in a schedule. */
#define HTTP_SCAN_MAX_ENDPOINTS 4096
#define HTTP_SCAN_MAX_TARGETS   256

/* The query of both lists: expiring (a duration), finding (comma-separated), limit, kind
 * (x509 or app-credential), and a page of it: offset, sort (expiry, subject, issuer, tenant; the
 * library checks it), dir (asc or desc). */
static int list_filter(og_http_req *r, og_certs_filter *f)
{
    const char *expiring = og_http__query(r, "expiring"), *finding = og_http__query(r, "finding"),
               *limit = og_http__query(r, "limit");
    memset(f, 0, sizeof(*f));
    f->kind = og_http__query(r, "kind");
    if (og_certs_kind_check(f->kind) < 0)
        return og_error_wrap("query 'kind'");
    if (expiring && og_duration_parse(expiring, &f->expiring_us) < 0)
        return og_error_wrap("query 'expiring'");
    if (finding) {
        char buf[256];
        char *save = NULL;
        if (strlen(finding) >= sizeof(buf))
            return og_error_set(OG_EINVAL, "query 'finding': '%.64s...' is too long", finding);
        og_strlcpy(buf, finding, sizeof(buf));
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            unsigned bit;
            if (og_certs_finding_parse(t, &bit) < 0)
                return og_error_wrap("query 'finding'");
            f->finding |= bit;
        }
        if (!f->finding)
            return og_error_set(OG_EINVAL, "query 'finding': empty");
    }
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (end == limit || *end || v < 1 || v > 10000)
            return og_error_set(OG_EINVAL, "query 'limit': '%.32s' is not a number from 1 to 10000",
                                limit);
        f->limit = (int)v;
    }
    const char *dir = og_http__query(r, "dir");
    int64_t offset = 0;
    int error =
        og_http__query(r, "offset") ? og_http__query_i64(r, "offset", 0, 1000000, &offset) : 0;
    if (error < 0)
        return error;
    if (dir && strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0)
        return og_error_set(OG_EINVAL, "query 'dir': '%.32s' is not asc or desc", dir);
    f->offset = (int)offset;
    f->sort = og_http__query(r, "sort");
    f->desc = dir && strcmp(dir, "desc") == 0;
    return 0;
}

int og_http__certs_list(og_http_req *r)
{
    const char *tenant;
    og_certs_filter f;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = list_filter(r, &f)) < 0 || (error = og_certs_list(&r->ctx, tenant, &f, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "certs", list));
}

/* GET /api/v1/certificates: every tenant's certificates, soonest expiry first (platform admins;
 * the library answers OG_EDENIED, 403, to anyone else). */
int og_http__certs_list_all(og_http_req *r)
{
    og_certs_filter f;
    json_t *list = NULL;
    int error;
    if ((error = list_filter(r, &f)) < 0 || (error = og_certs_list_all(&r->ctx, &f, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "certs", list));
}

int og_http__certs_show(og_http_req *r)
{
    const char *tenant, *id;
    json_t *out = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    id = og_http__param(&r->match, "id");
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "missing certificate id");
    if ((error = og_certs_show(&r->ctx, tenant, id, &out)) < 0)
        return error;
    json_t *ct = NULL; /* what Certificate Transparency says of it (docs/certs.md) */
    const char *fp = json_string_value(json_object_get(out, "fingerprint"));
    if (fp && strncmp(fp, "app:", 4) != 0 && og_ct_cert_status(&r->ctx, tenant, fp, &ct) == 0)
        json_object_set_new(out, "ct", ct);
    return og_http__reply(r, 200, out);
}

/* GET .../certs/validity-report[?at=DATE]: the SC-081 report (og_certs_validity_report). */
int og_http__certs_validity_report(og_http_req *r)
{
    const char *tenant, *at = og_http__query(r, "at");
    json_t *out = NULL;
    int64_t at_us = 0;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (at && (error = og_time_parse(at, &at_us)) < 0)
        return og_error_wrap("query parameter 'at'");
    if ((error = og_certs_validity_report(&r->ctx, tenant, at_us, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

static void collect_result(void *arg, const og_certs_scan_result *res)
{
    json_t *arr = arg;
    json_t *o =
        json_pack("{s:s, s:s, s:i, s:s, s:s, s:s?, s:I}", "target", res->target, "address",
                  res->address ? res->address : "", "port", res->port, "sni",
                  res->sni ? res->sni : "", "status", og_certs_scan_status_name(res->status),
                  "error", res->error && *res->error ? res->error : NULL, "elapsed_ms",
                  (json_int_t)(res->elapsed_us / 1000));
    if (!o)
        return;
    if (res->starttls && *res->starttls)
        json_object_set_new(o, "starttls", json_string(res->starttls));
    if (res->status == OG_SCAN_OK) {
        char na[OG_TIME_LEN];
        og_time_format(res->not_after_us, na);
        json_object_set_new(o, "tls_version",
                            json_string(res->tls_version ? res->tls_version : ""));
        json_object_set_new(o, "fingerprint",
                            json_string(res->fingerprint ? res->fingerprint : ""));
        json_object_set_new(o, "subject", json_string(res->subject ? res->subject : ""));
        json_object_set_new(o, "not_after", json_string(na));
        json_object_set_new(o, "findings", og_certs_findings_json(res->findings));
        json_object_set_new(o, "chain_len", json_integer(res->chain_len));
    }
    json_array_append_new(arr, o);
}

static int int_field(json_t *body, const char *name, int lo, int hi, int *out)
{
    json_t *v = json_object_get(body, name);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return og_error_set(OG_EINVAL, "field '%s': must be an integer from %d to %d", name, lo,
                            hi);
    *out = (int)json_integer_value(v);
    return 0;
}

/* Collect a JSON array of target strings into a vector borrowed from the array; empty strings and
 * @FILE entries are refused. */
static int target_array(json_t *body, const char *name, size_t max, const char ***out, size_t *n)
{
    json_t *arr = json_object_get(body, name);
    size_t i;
    json_t *v;
    *out = NULL;
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return og_error_set(OG_EINVAL, "field '%s': must be a non-empty array of strings", name);
    if (json_array_size(arr) > max)
        return og_error_set(OG_ETOOBIG, "field '%s': at most %zu entries", name, max);
    *out = calloc(json_array_size(arr), sizeof(char *));
    if (!*out)
        return og_error_set(OG_ERROR, "out of memory");
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || !*json_string_value(v)) {
            free(*out);
            *out = NULL;
            return og_error_set(OG_EINVAL, "field '%s': entry %zu is not a non-empty string", name,
                                i);
        }
        /* @FILE reads a file on the server: not for remote callers. */
        if (json_string_value(v)[0] == '@') {
            free(*out);
            *out = NULL;
            return og_error_set(OG_EINVAL, "field '%s': '%.64s': @FILE is for the CLI only", name,
                                json_string_value(v));
        }
        (*out)[i] = json_string_value(v);
    }
    *n = json_array_size(arr);
    return 0;
}

int og_http__certs_scan(og_http_req *r)
{
    static const char *const fields[] = {"targets",     "ports",    "sni", "timeout_ms",
                                         "concurrency", "starttls", NULL};
    int error = -1;
    const char *tenant, *ports_s = NULL, *sni = NULL, *starttls = NULL;
    int stls_mode = 0;
    json_t *body = NULL, *results = NULL;
    const char **targets = NULL;
    size_t ntargets = 0, nports = 0;
    uint16_t *ports = NULL;
    og_certs_targets *tg = NULL;
    og_certs_scan_opts opts;
    og_certs_scan_summary sum;
    memset(&opts, 0, sizeof(opts));

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = target_array(body, "targets", HTTP_SCAN_MAX_TARGETS, &targets, &ntargets)) < 0 ||
        (error = og_http__field_str(body, "ports", 0, &ports_s)) < 0 ||
        (error = og_http__field_str(body, "sni", 0, &sni)) < 0 ||
        (error = og_http__field_str(body, "starttls", 0, &starttls)) < 0 ||
        (error = int_field(body, "timeout_ms", 50, 60000, &opts.timeout_ms)) < 0 ||
        (error = int_field(body, "concurrency", 1, 1024, &opts.concurrency)) < 0)
        goto cleanup;
    if (starttls && (error = og_certs_starttls_parse(starttls, &stls_mode)) < 0) {
        og_error_wrap("field 'starttls'");
        goto cleanup;
    }
    if (ports_s && (error = og_certs_ports_parse(ports_s, &ports, &nports)) < 0) {
        og_error_wrap("field 'ports'");
        goto cleanup;
    }
    if ((error = og_certs_targets_parse(&tg, targets, ntargets, ports, nports)) < 0) {
        og_error_wrap("field 'targets'");
        goto cleanup;
    }
    if (og_certs_targets_count(tg) > HTTP_SCAN_MAX_ENDPOINTS) {
        error =
            og_error_set(OG_ETOOBIG,
                         "field 'targets': %llu endpoints; at most %d scan synchronously over "
                         "HTTP (add a schedule for larger ranges)",
                         (unsigned long long)og_certs_targets_count(tg), HTTP_SCAN_MAX_ENDPOINTS);
        goto cleanup;
    }
    results = json_array();
    opts.sni = sni;
    opts.starttls = starttls;
    opts.on_result = collect_result;
    opts.arg = results;
    if ((error = og_certs_scan(&r->ctx, tenant, tg, &opts, &sum)) < 0)
        goto cleanup;
    json_t *by_status = json_object();
    for (int s = OG_SCAN_OK; s <= OG_SCAN_HANDSHAKE_ERROR; s++)
        json_object_set_new(by_status, og_certs_scan_status_name((og_certs_scan_status)s),
                            json_integer((json_int_t)sum.by_status[s]));
    error = og_http__reply(
        r, 200,
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:O}", "scan_id", sum.scan_id, "endpoints",
                  (json_int_t)sum.endpoints, "certs_new", (json_int_t)sum.certs_new, "certs_seen",
                  (json_int_t)sum.certs_seen, "elapsed_ms", (json_int_t)(sum.elapsed_us / 1000),
                  "by_status", by_status, "results", results));
cleanup:
    og_certs_targets_free(tg);
    free(ports);
    free(targets);
    json_decref(results);
    json_decref(body);
    return error;
}

/* The body is the bundle itself: PEM (Content-Type application/x-pem-file or text/plain), a DER
 * certificate or a PKCS#12 bundle that opens without a password; told apart by content. */
int og_http__certs_import(og_http_req *r)
{
    const char *tenant, *name = og_http__query(r, "name"), *request = og_http__query(r, "request");
    og_certs_import_summary sum;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (r->body.len == 0)
        return og_error_set(OG_EINVAL, "empty body: send the PEM bundle as the request body");
    if (!name || !*name)
        name = "upload";
    /* ?request=ID: the certificate issued for that request (docs/certs.md) */
    error = request ? og_certs_import_request(&r->ctx, tenant, request, name, r->body.data,
                                              r->body.len, &sum)
                    : og_certs_import_bundle(&r->ctx, tenant, name, r->body.data, r->body.len, NULL,
                                             &sum);
    if (error < 0)
        return error;
    return og_http__reply(r, 201,
                          json_pack("{s:s, s:i, s:i, s:i, s:s, s:s?}", "kind", sum.kind, "certs",
                                    sum.certs, "certs_new", sum.certs_new, "keys", sum.keys,
                                    "fingerprint", sum.first_fingerprint, "request",
                                    sum.request[0] ? sum.request : NULL));
}

int og_http__certs_policy_get(og_http_req *r)
{
    const char *tenant;
    og_certs_policy p;
    int error;
    memset(&p, 0, sizeof(p));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_policy_get(&r->ctx, tenant, &p)) < 0)
        return error;
    json_t *j = og_certs_policy_to_json(&p);
    og_certs_policy_clear(&p);
    return og_http__reply(r, 200, j);
}

int og_http__certs_policy_set(og_http_req *r)
{
    static const char *const fields[] = {"thresholds", "ca_bundle", "ca_bundle_only",
                                         "lifetime_share", NULL};
    const char *tenant;
    json_t *body = NULL, *th, *bundle;
    og_certs_policy p;
    int error = -1, set_bundle = 0;
    memset(&p, 0, sizeof(p));
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    th = json_object_get(body, "thresholds");
    if (th) {
        char buf[256] = "";
        size_t i;
        json_t *v;
        if (!json_is_array(th) || json_array_size(th) == 0 ||
            json_array_size(th) > OG_CERTS_MAX_THRESHOLDS) {
            error = og_error_set(OG_EINVAL,
                                 "field 'thresholds': must be an array of 1 to %d "
                                 "numbers of days",
                                 OG_CERTS_MAX_THRESHOLDS);
            goto cleanup;
        }
        json_array_foreach(th, i, v)
        {
            if (!json_is_integer(v)) {
                error =
                    og_error_set(OG_EINVAL, "field 'thresholds': entry %zu is not an integer", i);
                goto cleanup;
            }
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof(buf) - len, "%s%lld", i ? "," : "",
                     (long long)json_integer_value(v));
        }
        if ((error = og_certs_thresholds_parse(buf, &p)) < 0) {
            og_error_wrap("field 'thresholds'");
            goto cleanup;
        }
    }
    if (json_object_get(body, "ca_bundle")) {
        bundle = json_object_get(body, "ca_bundle");
        if (!json_is_string(bundle) && !json_is_null(bundle)) {
            error = og_error_set(OG_EINVAL, "field 'ca_bundle': a PEM text, or null for the "
                                            "system store");
            goto cleanup;
        }
        set_bundle = 1;
        p.ca_bundle_pem = json_is_string(bundle) ? strdup(json_string_value(bundle)) : NULL;
    }
    json_t *only = json_object_get(body, "ca_bundle_only");
    if (only) {
        if (!json_is_boolean(only)) {
            error = og_error_set(OG_EINVAL, "field 'ca_bundle_only': true or false");
            goto cleanup;
        }
        if (!p.ca_bundle_pem) {
            error = og_error_set(OG_EINVAL, "field 'ca_bundle_only' goes with a 'ca_bundle' PEM "
                                            "text");
            goto cleanup;
        }
        p.bundle_only = json_is_true(only);
    }
    json_t *share = json_object_get(body, "lifetime_share");
    if (share) {
        if (!json_is_boolean(share)) {
            error = og_error_set(OG_EINVAL, "field 'lifetime_share': true or false");
            goto cleanup;
        }
        p.lifetime_share = json_is_true(share) ? OG_CERTS_SHARE_ON : OG_CERTS_SHARE_OFF;
    }
    if (!th && !set_bundle && !share) {
        error = og_error_set(OG_EINVAL, "nothing to change: give 'thresholds', 'ca_bundle' and/or "
                                        "'lifetime_share'");
        goto cleanup;
    }
    if ((error = og_certs_policy_set(&r->ctx, tenant, &p, set_bundle)) < 0)
        goto cleanup;
    og_certs_policy_clear(&p);
    if ((error = og_certs_policy_get(&r->ctx, tenant, &p)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, og_certs_policy_to_json(&p));
cleanup:
    og_certs_policy_clear(&p);
    json_decref(body);
    return error;
}

int og_http__certs_schedule_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_schedule_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "schedules", list));
}

int og_http__certs_schedule_add(og_http_req *r)
{
    static const char *const fields[] = {"every",      "targets",     "ports",    "sni",
                                         "timeout_ms", "concurrency", "starttls", NULL};
    int error = -1;
    const char *tenant, *every = NULL, *ports = NULL, *sni = NULL, *starttls = NULL;
    json_t *body = NULL;
    const char **targets = NULL;
    size_t n = 0;
    int timeout_ms = 0, concurrency = 0, stls_mode = 0;
    int64_t every_us = 0;
    char id[OG_ID_LEN];
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "every", 1, &every)) < 0 ||
        (error = target_array(body, "targets", HTTP_SCAN_MAX_TARGETS, &targets, &n)) < 0 ||
        (error = og_http__field_str(body, "ports", 0, &ports)) < 0 ||
        (error = og_http__field_str(body, "sni", 0, &sni)) < 0 ||
        (error = og_http__field_str(body, "starttls", 0, &starttls)) < 0 ||
        (error = int_field(body, "timeout_ms", 50, 60000, &timeout_ms)) < 0 ||
        (error = int_field(body, "concurrency", 1, 1024, &concurrency)) < 0)
        goto cleanup;
    if (starttls && (error = og_certs_starttls_parse(starttls, &stls_mode)) < 0) {
        og_error_wrap("field 'starttls'");
        goto cleanup;
    }
    if ((error = og_certs_every_parse(every, &every_us)) < 0) {
        og_error_wrap("field 'every'");
        goto cleanup;
    }
    if ((error = og_certs_schedule_add(&r->ctx, tenant, every_us, targets, n, ports, sni, starttls,
                                       timeout_ms, concurrency, id)) < 0)
        goto cleanup;
    error = og_http__reply(r, 201, json_pack("{s:s}", "id", id));
cleanup:
    free(targets);
    json_decref(body);
    return error;
}

int og_http__certs_schedule_delete(og_http_req *r)
{
    const char *tenant, *id;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "id", &id)) < 0 ||
        (error = og_certs_schedule_delete(&r->ctx, tenant, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- discovered targets and the discovery policy ---- */

int og_http__certs_discovery_get(og_http_req *r)
{
    const char *tenant;
    json_t *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_discovery_get(&r->ctx, tenant, &j)) < 0)
        return error;
    return og_http__reply(r, 200, j);
}

/* {class, ports}: ports a list like "443,8443", "" for none, null for the class's default. */
int og_http__certs_discovery_set(og_http_req *r)
{
    static const char *const fields[] = {"class", "ports", NULL};
    const char *tenant;
    json_t *body = NULL, *ports, *j = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    ports = json_object_get(body, "ports");
    if (!json_is_string(json_object_get(body, "class")) || !ports ||
        (!json_is_string(ports) && !json_is_null(ports))) {
        error = og_error_set(OG_EINVAL, "the body needs 'class' (a string) and 'ports' (a port "
                                        "list like \"443,8443\", \"\" for none, or null for the "
                                        "default)");
        goto cleanup;
    }
    if ((error = og_certs_discovery_set(&r->ctx, tenant,
                                        json_string_value(json_object_get(body, "class")),
                                        json_string_value(ports))) < 0 ||
        (error = og_certs_discovery_get(&r->ctx, tenant, &j)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, j);
cleanup:
    json_decref(body);
    return error;
}

int og_http__certs_targets(og_http_req *r)
{
    const char *tenant, *all = og_http__query(r, "all");
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_certs_discovered_list(&r->ctx, tenant, all && strcmp(all, "1") == 0, &list)) <
            0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "targets", list));
}
