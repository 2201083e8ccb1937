/* renew.c - a renewed certificate goes to the targets its plan names, or else follows its
 * predecessor to every target of the tenant whose files hold the previous certificate, through
 * the certs.deploy gate. Driven by the "certs.renewed" event ({previous_fingerprint, fingerprint,
 * targets?}), or called directly. */
#include "deploy/deploy_internal.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <stdio.h>
#include <string.h>

#define MAX_TARGETS 1000

/* The fingerprint a target's files hold now ("" when none can be read). */
static void target_serves(og_store *s, const char *tenant_id, const char *name, char fp[65])
{
    og_deploy_target t;
    og_deploy_fileset fs;
    const og_deployer *d;
    fp[0] = '\0';
    memset(&fs, 0, sizeof(fs));
    if (og_deploy__target_load(s, tenant_id, name, &t) < 0) {
        og_error_clear();
        return;
    }
    if ((d = og_deployer_find(t.type)) && d->files(t.config, &fs) == 0 &&
        og_deploy__snapshot(&fs) == 0) {
        for (int i = 0; i < fs.n && !fp[0]; i++)
            if (fs.f[i].present && fs.f[i].role != OG_DEPLOY_KEY &&
                fs.f[i].role != OG_DEPLOY_CHAIN &&
                og_certs_pem_fingerprint(fs.f[i].data, fs.f[i].len, fp) < 0)
                fp[0] = '\0';
    }
    og_error_clear();
    og_deploy_fileset_clear(&fs);
    og_deploy__target_clear(&t);
}

int og_deploy_renewed(og_ctx *ctx, const char *tenant, const char *previous_fp, const char *fp,
                      json_t **out)
{
    return og_deploy_renewed_to(ctx, tenant, previous_fp, fp, NULL, 0, out);
}

int og_deploy_renewed_to(og_ctx *ctx, const char *tenant, const char *previous_fp, const char *fp,
                         const char *const *targets, size_t ntargets, json_t **out)
{
    int error = -1, rc, n = 0;
    char tid[OG_ID_LEN], names[64][64], serves[65];
    og_stmt *st = NULL;
    json_t *report = json_array();
    if (!previous_fp || strlen(previous_fp) != 64 || !fp || strlen(fp) != 64) {
        error = og_error_set(OG_EINVAL, "a renewal names the previous and the new fingerprint");
        goto cleanup;
    }
    if ((error = og_deploy__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        goto cleanup;
    /* Names first, then deploy: each deploy opens its own transaction (the gate's). */
    if (ntargets) {
        if (ntargets > 64) {
            error = og_error_set(OG_EINVAL, "a renewal names at most 64 targets");
            goto cleanup;
        }
        for (size_t i = 0; i < ntargets; i++)
            if (og_strlcpy(names[n++], targets[i] ? targets[i] : "", sizeof(names[0])) >=
                sizeof(names[0])) {
                error = og_error_set(OG_EINVAL, "target name '%.32s...' is too long", targets[i]);
                goto cleanup;
            }
    } else {
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "SELECT name FROM deploy_targets WHERE"
                                     " tenant_id = ? ORDER BY name LIMIT 64")) < 0)
            goto cleanup;
        og_stmt_bind_text(st, 1, tid);
        while (n < 64 && (rc = og_stmt_step(st)) == OG_ROW)
            og_strlcpy(names[n++], og_stmt_col_text(st, 0), sizeof(names[0]));
        og_stmt_free(st);
        st = NULL;
    }
    error = 0;
    for (int i = 0; i < n; i++) {
        og_gate_outcome o;
        target_serves(ctx->store, tid, names[i], serves);
        /* Named targets get it whatever they hold; otherwise only targets that hold the
         * predecessor. One that holds the new one already is done (a redelivered event deploys
         * nothing twice). */
        if (ntargets ? strcmp(serves, fp) == 0 : strcmp(serves, previous_fp) != 0)
            continue;
        memset(&o, 0, sizeof(o));
        rc = og_deploy_cert(ctx, tid, fp, names[i], &o);
        json_array_append_new(report, json_pack("{s:s, s:s?, s:s, s:O?, s:s?}", "target", names[i],
                                                "gate_id", o.gate_id[0] ? o.gate_id : NULL, "state",
                                                rc == 0 ? o.state : "failed", "result", o.result,
                                                "error", rc < 0 ? og_error_last() : NULL));
        json_decref(o.result);
        /* One target's failure does not stop the others; the first is reported. */
        if (rc < 0 && rc != OG_EPENDING && error == 0)
            error = rc;
    }
    if (error < 0)
        og_error_set(error, "deploying the renewed certificate %.16s...: %s", fp,
                     json_string_value(json_object_get(json_array_get(report, 0), "error"))
                         ? json_string_value(json_object_get(json_array_get(report, 0), "error"))
                         : "see the report");
    if (out) {
        *out = report;
        report = NULL;
    }
cleanup:
    og_stmt_free(st);
    json_decref(report);
    return error;
}

int og_deploy__on_renewed(og_ctx *ctx, const og_event *ev, void *arg)
{
    const char *prev = json_string_value(json_object_get(ev->payload, "previous_fingerprint"));
    const char *fp = json_string_value(json_object_get(ev->payload, "fingerprint"));
    json_t *tj = json_object_get(ev->payload, "targets");
    const char *targets[64];
    size_t n = 0;
    int error;
    (void)arg;
    if (!ev->tenant_id[0] || !prev || !fp)
        return 0; /* nothing to follow (a first issuance): not an error to retry */
    /* the plan's named targets (strings borrowed from the payload) */
    for (size_t i = 0; i < json_array_size(tj) && n < 64; i++)
        if (json_string_value(json_array_get(tj, i)))
            targets[n++] = json_string_value(json_array_get(tj, i));
    error = og_deploy_renewed_to(ctx, ev->tenant_id, prev, fp, targets, n, NULL);
    /* A deploy that failed or rolled back is recorded and notified by the gate; retrying the
     * event would only repeat it. Errors that kept it from running at all are retried. */
    return error == OG_ECONFLICT || error == OG_EINVAL || error == OG_ENOTFOUND ? 0 : error;
}
