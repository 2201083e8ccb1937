/* discovered.c - scan targets discovered by a source (the devices of an RMM connector), kept in
 * step by og_certs_discovered_sync; the tenant's discovery policy (ports per device class); and
 * the expansion of a schedule's @discovered target into host:port endpoints. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ID         128
#define MAX_NAME       253
#define MAX_COMPLIANCE 32
#define MAX_ADDRS      32
#define AUDIT_LIST     50 /* devices named per change list in the audit record */
#define EXPAND_CAP     100000

static const char *const classes[] = OG_CERTS_DISCOVERY_CLASSES;
static const char *const class_defaults[] = {OG_CERTS_DISCOVERY_SERVER, OG_CERTS_DISCOVERY_NETWORK,
                                             OG_CERTS_DISCOVERY_WORKSTATION,
                                             OG_CERTS_DISCOVERY_OTHER};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

static int class_index(const char *c)
{
    for (size_t i = 0; c && i < NCLASSES; i++)
        if (strcmp(c, classes[i]) == 0)
            return (int)i;
    return -1;
}

static const char *class_norm(const char *c)
{
    int i = class_index(c);
    return i < 0 ? "other" : classes[i];
}

/* An IP literal worth scanning as a device's address: not the scanner's own loopback, not
 * unspecified, link-local (cloud metadata lives there), multicast or broadcast, whatever an
 * RMM says. */
static int usable_address(const char *a)
{
    unsigned char b[16];
    static const unsigned char zero[16], v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a && inet_pton(AF_INET, a, b) == 1)
        return !(b[0] == 127 || b[0] == 0 || (b[0] == 169 && b[1] == 254) || b[0] >= 224);
    if (!a || inet_pton(AF_INET6, a, b) != 1)
        return 0;
    if (memcmp(b, v4mapped, 12) == 0) /* ::ffff:a.b.c.d: as the IPv4 address */
        return !(b[12] == 127 || b[12] == 0 || (b[12] == 169 && b[13] == 254) || b[12] >= 224);
    if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) /* :: and ::1 */
        return 0;
    return !(b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80));
}

/* The device as stored: {remote_id, name, device_class, addresses, compliance}. */
static json_t *device_json(const og_certs_device *d)
{
    json_t *addrs = json_array();
    for (size_t i = 0; addrs && i < d->naddresses && json_array_size(addrs) < MAX_ADDRS; i++)
        if (usable_address(d->addresses[i]))
            json_array_append_new(addrs, json_string(d->addresses[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "remote_id", d->remote_id, "name",
                     d->name ? d->name : "", "device_class", class_norm(d->device_class),
                     "addresses", addrs, "compliance", d->compliance ? d->compliance : "");
}

static int device_check(const og_certs_device *devs, size_t i)
{
    const og_certs_device *d = &devs[i];
    if (!d->remote_id || !*d->remote_id || strlen(d->remote_id) > MAX_ID)
        return og_error_set(OG_EINVAL, "device %zu: missing or overlong remote id", i + 1);
    if (d->name && strlen(d->name) > MAX_NAME)
        return og_error_set(OG_EINVAL, "device %.128s: name longer than %d bytes", d->remote_id,
                            MAX_NAME);
    if (d->company_id && strlen(d->company_id) > MAX_ID)
        return og_error_set(OG_EINVAL, "device %.128s: company id longer than %d bytes",
                            d->remote_id, MAX_ID);
    if (d->compliance &&
        (strlen(d->compliance) > MAX_COMPLIANCE ||
         strspn(d->compliance, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
             strlen(d->compliance)))
        return og_error_set(OG_EINVAL,
                            "device %.128s: compliance state is not a word of at most %d letters",
                            d->remote_id, MAX_COMPLIANCE);
    for (size_t k = 0; k < i; k++)
        if (strcmp(devs[k].remote_id, d->remote_id) == 0)
            return og_error_set(OG_EINVAL, "device %.128s listed twice", d->remote_id);
    return 0;
}

/* A short list for the audit record: the first AUDIT_LIST "name (remote id)". */
static json_t *audit_list(const json_t *devs)
{
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d)
    {
        char line[400];
        if (i >= AUDIT_LIST)
            break;
        snprintf(line, sizeof(line), "%s (%s)", json_string_value(json_object_get(d, "name")),
                 json_string_value(json_object_get(d, "remote_id")));
        json_array_append_new(out, json_string(line));
    }
    return out;
}

typedef struct sync_run {
    og_ctx *ctx;
    const char *tenant_id, *source, *now;
    json_t *added, *updated, *removed;
} sync_run;

/* Add, update or retire one device; unchanged ones get their last_seen only. */
static int device_apply(sync_run *s, const og_certs_device *d)
{
    og_stmt *st = NULL;
    json_t *dj = device_json(d), *old = NULL;
    char *addrs = NULL;
    int rc, error = 0, active = 0, found = 0;
    if (!dj || !(addrs = json_dumps(json_object_get(dj, "addresses"), JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_stmt_prepare_args(
             &st, s->ctx->store,
             "SELECT name, device_class, addresses, CASE WHEN retired_at IS NULL THEN 1 ELSE 0 "
             "END, "
             "compliance FROM cert_discovered WHERE tenant_id = ? AND source = ? "
             "AND remote_id = ?",
             "ttt", s->tenant_id, s->source, d->remote_id)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        found = 1;
        active = (int)og_stmt_col_int(st, 3);
        old = json_pack("{s:s, s:s, s:s, s:s}", "name", og_stmt_col_text(st, 0), "device_class",
                        og_stmt_col_text(st, 1), "addresses", og_stmt_col_text(st, 2), "compliance",
                        og_stmt_col_text(st, 4));
    } else if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (d->deleted) {
        if (!active)
            goto cleanup; /* unknown or retired already: nothing to do */
        if ((error = og_store_run(s->ctx->store,
                                  "UPDATE cert_discovered SET retired_at = ? WHERE tenant_id = ? "
                                  "AND source = ? AND remote_id = ?",
                                  "tttt", s->now, s->tenant_id, s->source, d->remote_id)) < 0)
            goto cleanup;
        json_array_append(s->removed, dj);
        goto cleanup;
    }
    if ((error = og_store_run(s->ctx->store,
                              "INSERT INTO cert_discovered (tenant_id, source, remote_id, name, "
                              "device_class, addresses, first_seen, last_seen, company_id, "
                              "compliance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                              "(tenant_id, source, remote_id) DO UPDATE SET name = excluded.name, "
                              "device_class = excluded.device_class, addresses = "
                              "excluded.addresses, last_seen = excluded.last_seen, retired_at = "
                              "NULL, company_id = excluded.company_id, compliance = "
                              "excluded.compliance",
                              "tttttttttt", s->tenant_id, s->source, d->remote_id,
                              json_string_value(json_object_get(dj, "name")),
                              json_string_value(json_object_get(dj, "device_class")), addrs, s->now,
                              s->now, d->company_id ? d->company_id : "",
                              json_string_value(json_object_get(dj, "compliance")))) < 0)
        goto cleanup;
    if (!found || !active)
        json_array_append(s->added, dj);
    else if (strcmp(json_string_value(json_object_get(old, "name")),
                    json_string_value(json_object_get(dj, "name"))) != 0 ||
             strcmp(json_string_value(json_object_get(old, "device_class")),
                    json_string_value(json_object_get(dj, "device_class"))) != 0 ||
             strcmp(json_string_value(json_object_get(old, "addresses")), addrs) != 0 ||
             strcmp(json_string_value(json_object_get(old, "compliance")),
                    json_string_value(json_object_get(dj, "compliance"))) != 0)
        json_array_append(s->updated, dj);
cleanup:
    og_stmt_free(st);
    json_decref(dj);
    json_decref(old);
    free(addrs);
    return error;
}

/* complete: retire the source's active devices that devs does not list. */
static int retire_unlisted(sync_run *s, const og_certs_device *devs, size_t n)
{
    og_stmt *st = NULL;
    json_t *gone = json_array();
    int rc, error = 0;
    size_t i;
    json_t *d;
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT remote_id, name, device_class, addresses FROM "
                                      "cert_discovered WHERE tenant_id = ? AND source = ? AND "
                                      "retired_at IS NULL ORDER BY remote_id",
                                      "tt", s->tenant_id, s->source)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *id = og_stmt_col_text(st, 0);
        size_t k = 0;
        while (k < n && strcmp(devs[k].remote_id, id) != 0)
            k++;
        if (k < n)
            continue;
        json_array_append_new(gone, json_pack("{s:s, s:s, s:s, s:o}", "remote_id", id, "name",
                                              og_stmt_col_text(st, 1), "device_class",
                                              og_stmt_col_text(st, 2), "addresses",
                                              json_loads(og_stmt_col_text(st, 3), 0, NULL)));
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    json_array_foreach(gone, i, d)
    {
        if ((error = og_store_run(s->ctx->store,
                                  "UPDATE cert_discovered SET retired_at = ? WHERE tenant_id = ? "
                                  "AND source = ? AND remote_id = ?",
                                  "tttt", s->now, s->tenant_id, s->source,
                                  json_string_value(json_object_get(d, "remote_id")))) < 0)
            goto cleanup;
        json_array_append(s->removed, d);
    }
cleanup:
    og_stmt_free(st);
    json_decref(gone);
    return error;
}

int og_certs_discovered_sync(og_ctx *ctx, const char *tenant, const char *source,
                             const og_certs_device *devs, size_t n, int complete, json_t **changes)
{
    og_tenant t;
    sync_run s;
    char now[OG_TIME_LEN];
    json_t *analysis = NULL;
    int error, in_tx = 0;
    if (changes)
        *changes = NULL;
    memset(&s, 0, sizeof(s));
    s.added = json_array(), s.updated = json_array(), s.removed = json_array();
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!source || !*source || strlen(source) > MAX_ID) {
        error = og_error_set(OG_EINVAL, "missing or overlong discovery source");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if ((error = device_check(devs, i)) < 0)
            goto cleanup;
    og_time_format(og_time_now_us(), now);
    s.ctx = ctx, s.tenant_id = t.id, s.source = source, s.now = now;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    for (size_t i = 0; i < n; i++)
        if ((error = device_apply(&s, &devs[i])) < 0)
            goto cleanup;
    if (complete && (error = retire_unlisted(&s, devs, n)) < 0)
        goto cleanup;
    if (json_array_size(s.added) + json_array_size(s.updated) + json_array_size(s.removed)) {
        analysis = json_pack(
            "{s:s, s:b, s:I, s:I, s:I, s:o, s:o, s:o}", "source", source, "complete", complete != 0,
            "added", (json_int_t)json_array_size(s.added), "updated",
            (json_int_t)json_array_size(s.updated), "removed",
            (json_int_t)json_array_size(s.removed), "added_devices", audit_list(s.added),
            "updated_devices", audit_list(s.updated), "removed_devices", audit_list(s.removed));
        error = og_audit_log(ctx, t.id, "certs", "certs.discovered.sync", "discovery", source,
                             analysis);
    }
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && changes)
        *changes = json_pack("{s:O, s:O, s:O}", "added", s.added, "updated", s.updated, "removed",
                             s.removed);
    json_decref(s.added);
    json_decref(s.updated);
    json_decref(s.removed);
    json_decref(analysis);
    return error;
}

/* ---- the policy ---- */

/* The ports of every class for a tenant: ports[i] (strdup'd) and whether it is the default. */
static int policy_load(og_ctx *ctx, const char *tenant_id, char *ports[NCLASSES],
                       int dflt[NCLASSES])
{
    og_stmt *st = NULL;
    int rc;
    for (size_t i = 0; i < NCLASSES; i++)
        ports[i] = NULL, dflt[i] = 1;
    if ((rc = og_stmt_prepare_args(&st, ctx->store,
                                   "SELECT device_class, ports FROM cert_discovery_ports WHERE "
                                   "tenant_id = ?",
                                   "t", tenant_id)) < 0)
        return rc;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        int i = class_index(og_stmt_col_text(st, 0));
        if (i >= 0 && !ports[i])
            ports[i] = strdup(og_stmt_col_text(st, 1)), dflt[i] = 0;
    }
    og_stmt_free(st);
    for (size_t i = 0; i < NCLASSES; i++)
        if (!ports[i])
            ports[i] = strdup(class_defaults[i]);
    for (size_t i = 0; i < NCLASSES; i++)
        if (!ports[i])
            rc = og_error_set(OG_ERROR, "out of memory");
    return rc < 0 ? rc : 0;
}

static void policy_free(char *ports[NCLASSES])
{
    for (size_t i = 0; i < NCLASSES; i++)
        free(ports[i]);
}

int og_certs_discovery_get(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_tenant t;
    char *ports[NCLASSES];
    int dflt[NCLASSES], error;
    json_t *cl = NULL, *df = NULL;
    *out = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if ((error = policy_load(ctx, t.id, ports, dflt)) == 0) {
        cl = json_object(), df = json_array();
        for (size_t i = 0; i < NCLASSES; i++) {
            json_object_set_new(cl, classes[i], json_string(ports[i]));
            if (dflt[i])
                json_array_append_new(df, json_string(classes[i]));
        }
        if (!(*out = json_pack("{s:o, s:o}", "classes", cl, "defaults", df)))
            error = og_error_set(OG_ERROR, "out of memory");
    }
    policy_free(ports);
    return error;
}

int og_certs_discovery_set(og_ctx *ctx, const char *tenant, const char *device_class,
                           const char *ports)
{
    og_tenant t;
    uint16_t *pl = NULL;
    size_t np = 0;
    char now[OG_TIME_LEN];
    int error;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (class_index(device_class) < 0)
        return og_error_set(OG_EINVAL,
                            "unknown device class '%.64s' (server, network, workstation or other)",
                            device_class ? device_class : "");
    if (ports && strcmp(ports, "none") == 0)
        ports = "";
    if (ports && *ports) {
        if ((error = og_certs_ports_parse(ports, &pl, &np)) < 0)
            return error;
        free(pl);
        if (np > OG_CERTS_DISCOVERY_MAX_PORTS)
            return og_error_set(OG_EINVAL, "%zu ports for class %s: at most %d", np, device_class,
                                OG_CERTS_DISCOVERY_MAX_PORTS);
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if (ports)
        error = og_store_run(ctx->store,
                             "INSERT INTO cert_discovery_ports (tenant_id, device_class, ports, "
                             "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, "
                             "device_class) DO UPDATE SET ports = excluded.ports, updated_at = "
                             "excluded.updated_at",
                             "tttt", t.id, device_class, ports, now);
    else
        error = og_store_run(ctx->store,
                             "DELETE FROM cert_discovery_ports WHERE tenant_id = ? AND "
                             "device_class = ?",
                             "tt", t.id, device_class);
    if (error >= 0) {
        json_t *a = json_pack("{s:s, s:s?, s:b}", "device_class", device_class, "ports", ports,
                              "default", ports == NULL);
        error =
            og_audit_log(ctx, t.id, "certs", "certs.discovery.set", "discovery", device_class, a);
        json_decref(a);
    }
    return og_store_tx_end(ctx->store, error);
}

/* ---- listing and expansion ---- */

typedef struct list_arg {
    char **ports;
} list_arg;

static json_t *discovered_row(og_stmt *st, void *arg)
{
    list_arg *la = arg;
    int i = class_index(og_stmt_col_text(st, 3));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s?, s:s}", "source",
                     og_stmt_col_text(st, 0), "remote_id", og_stmt_col_text(st, 1), "name",
                     og_stmt_col_text(st, 2), "device_class", og_stmt_col_text(st, 3), "addresses",
                     json_loads(og_stmt_col_text(st, 4), 0, NULL), "ports",
                     la->ports[i < 0 ? NCLASSES - 1 : (size_t)i], "first_seen",
                     og_stmt_col_text(st, 5), "last_seen", og_stmt_col_text(st, 6), "retired_at",
                     og_stmt_col_text(st, 7), "compliance", og_stmt_col_text(st, 8));
}

static int list_rows(og_ctx *ctx, const char *tenant_id, int all, json_t **out)
{
    char *ports[NCLASSES];
    int dflt[NCLASSES], error;
    og_stmt *st = NULL;
    list_arg la = {ports};
    if ((error = policy_load(ctx, tenant_id, ports, dflt)) == 0 &&
        (error =
             og_stmt_prepare_args(&st, ctx->store,
                                  "SELECT source, remote_id, name, device_class, addresses, "
                                  "first_seen, last_seen, retired_at, compliance FROM "
                                  "cert_discovered "
                                  "WHERE tenant_id = ? AND (? <> 0 OR retired_at IS NULL) ORDER "
                                  "BY retired_at IS NOT NULL, name, remote_id",
                                  "ti", tenant_id, (int64_t)(all != 0))) == 0)
        error = og_stmt_collect(st, discovered_row, &la, out);
    og_stmt_free(st);
    policy_free(ports);
    return error;
}

int og_certs_discovered_list(og_ctx *ctx, const char *tenant, int all, json_t **out)
{
    og_tenant t;
    int error;
    *out = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    return list_rows(ctx, t.id, all, out);
}

/* "host:port" or "[v6]:port" into out (no duplicates). */
static int endpoint_add(json_t *out, json_t *seen, const char *host, const char *port)
{
    char ep[320];
    snprintf(ep, sizeof(ep), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
    if (json_object_get(seen, ep))
        return 0;
    if (json_array_size(out) >= EXPAND_CAP)
        return og_error_set(OG_ETOOBIG, "more than %d discovered endpoints", EXPAND_CAP);
    json_object_set_new(seen, ep, json_true());
    return json_array_append_new(out, json_string(ep)) < 0 ? og_error_set(OG_ERROR, "out of memory")
                                                           : 0;
}

/* A name worth scanning by name: a DNS name with a dot, letters, digits, '-' and '.'. */
static int dns_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (!n || !strchr(n, '.') || *n == '.' || *n == '-' || strncasecmp(n, "localhost.", 10) == 0 ||
        (len >= 10 && strcasecmp(n + len - 10, ".localhost") == 0))
        return 0;
    for (const char *c = n; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.'))
            return 0;
    return 1;
}

static int device_endpoints(json_t *dev, json_t *out, json_t *seen)
{
    const char *ports = json_string_value(json_object_get(dev, "ports"));
    const char *name = json_string_value(json_object_get(dev, "name"));
    char *copy = strdup(ports ? ports : ""), *save = NULL;
    int error = copy ? 0 : og_error_set(OG_ERROR, "out of memory");
    for (char *p = copy ? strtok_r(copy, ",", &save) : NULL; p && error == 0;
         p = strtok_r(NULL, ",", &save)) {
        uint16_t *pl = NULL;
        size_t np = 0;
        char one[8];
        if ((error = og_certs_ports_parse(p, &pl, &np)) < 0)
            break;
        for (size_t k = 0; k < np && error == 0; k++) {
            size_t i;
            json_t *a;
            snprintf(one, sizeof(one), "%u", (unsigned)pl[k]);
            json_array_foreach(json_object_get(dev, "addresses"), i, a)
            {
                if ((error = endpoint_add(out, seen, json_string_value(a), one)) < 0)
                    break;
            }
            if (error == 0 && dns_name(name))
                error = endpoint_add(out, seen, name, one);
        }
        free(pl);
    }
    free(copy);
    return error;
}

int og_certs__discovered_expand(og_ctx *ctx, const char *tenant_id, json_t *targets)
{
    json_t *devs = NULL, *out = json_array(), *seen = json_object(), *v;
    size_t i;
    int error = 0, wanted = 0;
    json_array_foreach(targets, i, v)
    {
        if (!json_is_string(v) || strcmp(json_string_value(v), OG_CERTS_DISCOVERED_TARGET) != 0)
            json_array_append(out, v);
        else
            wanted = 1;
    }
    if (!wanted)
        goto cleanup;
    if ((error = list_rows(ctx, tenant_id, 0, &devs)) < 0)
        goto cleanup;
    json_array_foreach(devs, i, v)
    {
        if ((error = device_endpoints(v, out, seen)) < 0)
            goto cleanup;
    }
    if (json_array_clear(targets) < 0 || json_array_extend(targets, out) < 0)
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    json_decref(devs);
    json_decref(out);
    json_decref(seen);
    return error;
}
