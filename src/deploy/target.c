/* target.c - deploy targets of a tenant: endpoint parsing, the registry of deployers, add, list,
 * remove and load. */
#include "deploy/deploy_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deployers ---- */

#define MAX_DEPLOYERS 16
static pthread_mutex_t deployers_mu = PTHREAD_MUTEX_INITIALIZER;
static const og_deployer *deployers[MAX_DEPLOYERS] = {&og_deploy__file, &og_deploy__nginx,
                                                      &og_deploy__haproxy, &og_deploy__opsgate};
static size_t ndeployers = 4;

int og_deployer_register(const og_deployer *d)
{
    int error = 0;
    if (!d || !d->type || !*d->type || strlen(d->type) > 15 || !d->config_check || !d->files ||
        !d->apply)
        return og_error_set(OG_EINVAL, "a deployer needs a type (1 to 15 characters) and all of "
                                       "its functions");
    pthread_mutex_lock(&deployers_mu);
    for (size_t i = 0; i < ndeployers && error == 0; i++)
        if (strcmp(deployers[i]->type, d->type) == 0)
            error = og_error_set(OG_EEXISTS, "deployer '%s' is already registered", d->type);
    if (error == 0 && ndeployers == MAX_DEPLOYERS)
        error = og_error_set(OG_ETOOBIG, "too many deployers (at most %d)", MAX_DEPLOYERS);
    if (error == 0)
        deployers[ndeployers++] = d;
    pthread_mutex_unlock(&deployers_mu);
    return error;
}

const og_deployer *og_deployer_find(const char *type)
{
    const og_deployer *d = NULL;
    pthread_mutex_lock(&deployers_mu);
    for (size_t i = 0; type && i < ndeployers && !d; i++)
        if (strcmp(deployers[i]->type, type) == 0)
            d = deployers[i];
    pthread_mutex_unlock(&deployers_mu);
    return d;
}

/* ---- endpoints ---- */

int og_deploy_endpoint_parse(const char *s, og_deploy_endpoint *out)
{
    char buf[600], *slash, *colon, *host;
    long port;
    char *end;
    memset(out, 0, sizeof(*out));
    if (!s || !*s || og_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
        goto bad;
    if ((slash = strchr(buf, '/')) != NULL) {
        *slash++ = '\0';
        if (!*slash || strlen(slash) >= sizeof(out->sni) || strpbrk(slash, " \t/:"))
            goto bad;
        og_strlcpy(out->sni, slash, sizeof(out->sni));
    }
    host = buf;
    if (buf[0] == '[') {
        char *rb = strchr(buf, ']');
        if (!rb || rb[1] != ':')
            goto bad;
        *rb = '\0';
        host = buf + 1;
        colon = rb + 1;
    } else {
        colon = strrchr(buf, ':');
        if (!colon || strchr(buf, ':') != colon)
            goto bad;
    }
    *colon = '\0';
    port = strtol(colon + 1, &end, 10);
    if (!*host || strlen(host) >= sizeof(out->host) || *end || end == colon + 1 || port < 1 ||
        port > 65535)
        goto bad;
    og_strlcpy(out->host, host, sizeof(out->host));
    out->port = (int)port;
    return 0;
bad:
    return og_error_set(OG_EINVAL, "bad endpoint '%s' (HOST:PORT or HOST:PORT/SNI, [v6]:PORT)",
                        s ? s : "");
}

/* ---- targets ---- */

int og_deploy__tenant(og_ctx *ctx, const char *tenant, og_perm perm, char tenant_id[OG_ID_LEN])
{
    og_tenant t;
    int error;
    if (!tenant || !*tenant) {
        og_error_set(OG_EINVAL, "missing tenant: no tenant name or id given");
        return og_error_set_detail(OG_TENANT_DETAIL_NO_TENANT);
    }
    if ((error = og_tenant_get(ctx, tenant, &t)) < 0 ||
        (error = og_authz_check(&ctx->actor, t.id, perm)) < 0)
        return error;
    og_strlcpy(tenant_id, t.id, OG_ID_LEN);
    return 0;
}

/* A target names files and commands on the opsgate host itself (paths, a reload command run by
 * the shell, an nginx binary): setting one up is the operator's, never a tenant user's, or a
 * tenant could write or run anything opsgate may. Deploying to it is open to the tenant. */
static int platform_only(og_ctx *ctx, const char *what)
{
    if (og_actor_is_platform(&ctx->actor))
        return 0;
    return og_error_set(OG_EDENIED,
                        "to %s a deploy target needs a platform admin or the local operator: it "
                        "names files and commands on the opsgate host (you are %s)",
                        what, og_role_name(ctx->actor.role));
}

/* The name, type and endpoints of a new target, before anything is looked up. */
static int target_input_check(const char *name, const char *type, const og_deployer *d,
                              json_t *endpoints)
{
    int error;
    size_t i;
    json_t *v;
    if ((error = og_name_check("target name", name, 63)) < 0)
        return error;
    if (!name || !og_name_valid(name))
        return og_error_set(OG_EINVAL, "bad target name '%s' (1 to 63 of a-z 0-9 . _ -)",
                            name ? name : "");
    if (!d)
        return og_error_set(OG_EINVAL, "unknown target type '%s' (file, nginx, haproxy or opsgate)",
                            type ? type : "");
    if (endpoints && !json_is_array(endpoints))
        return og_error_set(OG_EINVAL, "endpoints must be a list");
    if (json_array_size(endpoints) > OG_DEPLOY_MAX_ENDPOINTS)
        return og_error_set(OG_ETOOBIG, "more than %d endpoints", OG_DEPLOY_MAX_ENDPOINTS);
    json_array_foreach(endpoints, i, v)
    {
        og_deploy_endpoint ep;
        if (!json_is_string(v))
            return og_error_set(OG_EINVAL, "endpoints must be strings HOST:PORT[/SNI]");
        if ((error = og_deploy_endpoint_parse(json_string_value(v), &ep)) < 0)
            return error;
    }
    if (strcmp(type, "file") != 0 && json_array_size(endpoints) == 0)
        return og_error_set(OG_EINVAL,
                            "a %s target needs at least one endpoint HOST:PORT[/SNI] "
                            "to verify what it serves",
                            type);
    return 0;
}

int og_deploy_target_add(og_ctx *ctx, const char *tenant, const char *name, const char *type,
                         json_t *config, json_t *endpoints, char id_out[OG_ID_LEN])
{
    int error = -1, in_tx = 0;
    char tid[OG_ID_LEN], id[OG_ID_LEN], now[OG_TIME_LEN], by[160];
    const og_deployer *d = og_deployer_find(type);
    json_t *cfg = NULL, *analysis = NULL;
    char *cfg_text = NULL, *ep_text = NULL;
    og_stmt *st = NULL;
    if ((error = target_input_check(name, type, d, endpoints)) < 0 ||
        (error = og_deploy__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = platform_only(ctx, "add")) < 0)
        return error;
    cfg = config ? json_deep_copy(config) : json_object();
    if (!cfg || !json_is_object(cfg)) {
        error = og_error_set(OG_EINVAL, "the target's options must be a JSON object");
        goto cleanup;
    }
    /* opsgate's listener: its record lives in the data folder unless the operator names one. */
    if (strcmp(type, "opsgate") == 0 && !json_object_get(cfg, "cert_path") && ctx->data_dir) {
        char *dir = realpath(ctx->data_dir, NULL);
        if (dir)
            json_object_set_new(cfg, "cert_path",
                                json_sprintf("%s/tls-listener-%s.pem", dir, name));
        free(dir);
    }
    if ((error = d->config_check(cfg)) < 0) {
        og_error_wrap("%s target '%s'", type, name);
        goto cleanup;
    }
    cfg_text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    ep_text = endpoints ? json_dumps(endpoints, JSON_COMPACT) : strdup("[]");
    if (!cfg_text || !ep_text) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    og_error_clear();
    if (og_deploy_target_exists(ctx, tid, name) || og_error_code() < 0) {
        error = og_error_code() < 0
                    ? og_error_code()
                    : og_error_set(OG_EEXISTS, "target '%s' already exists in this tenant", name);
        goto cleanup;
    }
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO deploy_targets (id, tenant_id, name, type, config,"
                              " endpoints, created_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
                              "tttttttt", id, tid, name, type, cfg_text, ep_text, by, now)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s, s:O, s:o}", "name", name, "type", type, "config", cfg,
                         "endpoints", endpoints ? json_incref(endpoints) : json_array());
    if ((error = og_audit_log(ctx, tid, OG_DEPLOY_AREA, "deploy.target.add", "deploy_target", id,
                              analysis)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (in_tx && (error = og_store_tx_end(ctx->store, error)) >= 0 && id_out)
        og_strlcpy(id_out, id, OG_ID_LEN);
    og_stmt_free(st);
    json_decref(cfg);
    json_decref(analysis);
    free(cfg_text);
    free(ep_text);
    return error;
}

/* A target of the list with its latest run (NULL when none): what it serves as far as opsgate
 * knows. */
static json_t *target_row_json(og_stmt *st, void *arg)
{
    (void)arg;
    json_t *cfg = json_loads(og_stmt_col_text(st, 3), 0, NULL);
    json_t *eps = json_loads(og_stmt_col_text(st, 4), 0, NULL);
    json_t *last = og_stmt_col_is_null(st, 6)
                       ? json_null()
                       : json_pack("{s:s, s:s, s:s, s:s}", "run_id", og_stmt_col_text(st, 9),
                                   "fingerprint", og_stmt_col_text(st, 6), "state",
                                   og_stmt_col_text(st, 7), "at", og_stmt_col_text(st, 8));
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "id", og_stmt_col_text(st, 0), "name",
                     og_stmt_col_text(st, 1), "type", og_stmt_col_text(st, 2), "config",
                     cfg ? cfg : json_object(), "endpoints", eps ? eps : json_array(), "created_at",
                     og_stmt_col_text(st, 5), "last_deploy", last);
}

int og_deploy_target_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    int error;
    char tid[OG_ID_LEN];
    og_stmt *st = NULL;
    if ((error = og_deploy__tenant(ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT t.id, t.name, t.type, t.config, t.endpoints, t.created_at,"
                                 " r.fingerprint, r.state, r.updated_at, r.id FROM deploy_targets t"
                                 " LEFT JOIN deploy_runs r ON r.target_id = t.id AND r.n ="
                                 " (SELECT MAX(n) FROM deploy_runs WHERE target_id = t.id)"
                                 " WHERE t.tenant_id = ? ORDER BY t.name LIMIT 10000")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    error = og_stmt_collect(st, target_row_json, NULL, out);
    og_stmt_free(st);
    return error;
}

/* Run sql (a DELETE of one target's rows, ?1 its id). */
static int delete_of(og_ctx *ctx, const char *sql, const char *target_id)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    if (error == 0) {
        og_stmt_bind_text(st, 1, target_id);
        error = og_stmt_step(st);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_deploy_target_remove(og_ctx *ctx, const char *tenant, const char *name)
{
    int error = -1;
    char tid[OG_ID_LEN];
    og_deploy_target t;
    memset(&t, 0, sizeof(t));
    if ((error = og_deploy__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = platform_only(ctx, "remove")) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_deploy__target_load(ctx->store, tid, name, &t)) < 0 ||
        (error = delete_of(ctx, "DELETE FROM deploy_runs WHERE target_id = ?", t.id)) < 0 ||
        (error = delete_of(ctx, "DELETE FROM deploy_targets WHERE id = ?", t.id)) < 0 ||
        (error = og_audit_log(ctx, tid, OG_DEPLOY_AREA, "deploy.target.remove", "deploy_target",
                              t.id, NULL)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_deploy__target_clear(&t);
    return error;
}

bool og_deploy_target_exists(og_ctx *ctx, const char *tenant_id, const char *name)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, ctx->store,
                             "SELECT 1 FROM deploy_targets WHERE tenant_id = ? AND name = ?");
    if (rc == 0) {
        og_stmt_bind_text(st, 1, tenant_id);
        og_stmt_bind_text(st, 2, name);
        rc = og_stmt_step(st);
    }
    og_stmt_free(st);
    return rc == OG_ROW;
}

void og_deploy__target_clear(og_deploy_target *t)
{
    if (!t)
        return;
    json_decref(t->config);
    t->config = NULL;
}

int og_deploy__target_load(og_store *s, const char *tenant_id, const char *name,
                           og_deploy_target *out)
{
    og_stmt *st = NULL;
    int error;
    json_t *eps = NULL;
    memset(out, 0, sizeof(*out));
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT id, name, type, config, endpoints FROM"
                                 " deploy_targets WHERE tenant_id = ? AND name = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, name ? name : "");
    error = og_stmt_step(st);
    if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND,
                             "no deploy target '%s' in this tenant (see opsgate "
                             "target list)",
                             name ? name : "");
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    og_strlcpy(out->id, og_stmt_col_text(st, 0), sizeof(out->id));
    og_strlcpy(out->tenant_id, tenant_id, sizeof(out->tenant_id));
    og_strlcpy(out->name, og_stmt_col_text(st, 1), sizeof(out->name));
    og_strlcpy(out->type, og_stmt_col_text(st, 2), sizeof(out->type));
    out->config = json_loads(og_stmt_col_text(st, 3), 0, NULL);
    eps = json_loads(og_stmt_col_text(st, 4), 0, NULL);
    if (!out->config || !json_is_array(eps)) {
        error =
            og_error_set(OG_ECORRUPT, "deploy target '%s': stored options do not parse", out->name);
        goto cleanup;
    }
    size_t i;
    json_t *v;
    json_array_foreach(eps, i, v)
    {
        if (out->nendpoints == OG_DEPLOY_MAX_ENDPOINTS)
            break;
        if ((error = og_deploy_endpoint_parse(json_string_value(v),
                                              &out->endpoints[out->nendpoints])) < 0)
            goto cleanup;
        out->nendpoints++;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(eps);
    if (error < 0)
        og_deploy__target_clear(out);
    return error;
}
