/* kind.c - the certs.deploy action kind: deploy a certificate to a target, verify every endpoint
 * serves it, restore the previous files on failure (execute) or on a human's override
 * (rollback); and og_deploy_cert(), which asks the gate for it. */
#include "deploy/deploy_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/notify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MS 5000
#define PROBE_PAUSE_US   20000
#define VERIFY_STREAK    2 /* consecutive fresh connections that must see the certificate */
#define MAX_PROBES       100000

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* ---- verification ---- */

/* The fingerprint the target's files serve (first certificate of the first file that has one). */
static void files_fingerprint(const og_deploy_fileset *fs, char fp[65])
{
    fp[0] = '\0';
    for (int i = 0; i < fs->n && !fp[0]; i++)
        if (fs->f[i].present && fs->f[i].role != OG_DEPLOY_KEY &&
            fs->f[i].role != OG_DEPLOY_CHAIN &&
            og_certs_pem_fingerprint(fs->f[i].data, fs->f[i].len, fp) < 0)
            fp[0] = '\0';
    og_error_clear();
}

/*
 * Wait until every endpoint of t serves want on VERIFY_STREAK fresh connections in a row, or the
 * deadline passes. A target without endpoints (files only) is checked by reading its files back.
 * report (may be NULL) gets one {endpoint, ok, ms, probes, served, error} per endpoint.
 */
static int verify(const og_deploy_target *t, const og_deployer *d, const char *want,
                  int64_t timeout_us, json_t *report)
{
    int64_t start = og_time_mono_us(), deadline = start + timeout_us;
    if (t->nendpoints == 0) {
        og_deploy_fileset fs;
        char fp[65];
        int error = d->files(t->config, &fs);
        if (error == 0)
            error = og_deploy__snapshot(&fs);
        files_fingerprint(&fs, fp);
        og_deploy_fileset_clear(&fs);
        if (error < 0)
            return error;
        if (strcmp(fp, want) != 0)
            return og_error_set(OG_ECONFLICT, "the files of target %s hold %.16s..., not %.16s...",
                                t->name, fp[0] ? fp : "nothing", want);
        return 0;
    }
    for (int i = 0; i < t->nendpoints; i++) {
        const og_deploy_endpoint *ep = &t->endpoints[i];
        char served[65] = "", name[600], err[1024] = "", seen[1024] = "";
        int streak = 0, probes = 0;
        snprintf(name, sizeof(name), "%s:%d%s%s", ep->host, ep->port, ep->sni[0] ? "/" : "",
                 ep->sni);
        while (streak < VERIFY_STREAK && probes < MAX_PROBES) {
            int64_t left = deadline - og_time_mono_us();
            if (left <= 0)
                break;
            probes++;
            int ms = left / 1000 < PROBE_TIMEOUT_MS ? (int)(left / 1000) + 1 : PROBE_TIMEOUT_MS;
            if (og_deploy__probe(ep, ms, served) < 0) {
                og_strlcpy(err, og_error_last(), sizeof(err));
                streak = 0;
            } else if (strcmp(served, want) == 0) {
                streak++;
                continue; /* the next fresh connection at once */
            } else {
                snprintf(seen, sizeof(seen), "%s serves %.16s..., not the expected %.16s...", name,
                         served, want);
                og_strlcpy(err, seen, sizeof(err));
                streak = 0;
            }
            usleep(PROBE_PAUSE_US);
        }
        int ok = streak >= VERIFY_STREAK;
        /* what the endpoint was seen serving says more than a later probe that timed out */
        if (!ok && seen[0] && strcmp(seen, err) != 0) {
            char last[400];
            og_strlcpy(last, err, sizeof(last));
            snprintf(err, sizeof(err), "%.600s (last probe: %s)", seen, last);
        }
        if (report)
            json_array_append_new(
                report, json_pack("{s:s, s:b, s:I, s:i, s:s, s:s?}", "endpoint", name, "ok", ok,
                                  "ms", (json_int_t)((og_time_mono_us() - start) / 1000), "probes",
                                  probes, "served", served, "error", ok ? NULL : err));
        if (!ok)
            return og_error_set(OG_ECONFLICT, "verification failed within %lld ms: %s",
                                (long long)(timeout_us / 1000), err[0] ? err : "no answer");
    }
    return 0;
}

/* ---- sealed snapshots of the previous files ---- */

static const char *const role_names[] = {"leaf", "chain", "fullchain", "key", "bundle"};

static json_t *fileset_json(const og_deploy_fileset *fs)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < fs->n; i++) {
        const og_deploy_file *f = &fs->f[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:b, s:s?}", "path", f->path, "role",
                                             role_names[f->role], "mode", (int)f->mode, "present",
                                             f->present, "data", f->present ? f->data : NULL));
    }
    return arr;
}

static int fileset_from_json(const json_t *arr, og_deploy_fileset *fs)
{
    size_t i;
    json_t *v;
    memset(fs, 0, sizeof(*fs));
    if (!json_is_array(arr) || json_array_size(arr) > OG_DEPLOY_MAX_FILES)
        return og_error_set(OG_ECORRUPT, "the saved previous files do not parse");
    json_array_foreach(arr, i, v)
    {
        og_deploy_file *f = &fs->f[fs->n];
        const char *role = json_string_value(json_object_get(v, "role"));
        const char *data = json_string_value(json_object_get(v, "data"));
        og_strlcpy(f->path, or_empty(json_string_value(json_object_get(v, "path"))),
                   sizeof(f->path));
        for (int r = 0; r < 5; r++)
            if (role && strcmp(role, role_names[r]) == 0)
                f->role = (og_deploy_role)r;
        f->mode = (unsigned)json_integer_value(json_object_get(v, "mode"));
        f->present = json_is_true(json_object_get(v, "present")) && data;
        if (f->present) {
            f->len = strlen(data);
            if (!(f->data = strdup(data))) {
                og_deploy_fileset_clear(fs);
                return og_error_set(OG_ERROR, "out of memory");
            }
        }
        fs->n++;
    }
    return 0;
}

/* ---- runs ---- */

static int run_insert(og_ctx *ctx, const og_deploy_target *t, const char *run_id, const char *fp,
                      const char *prev_fp, const og_deploy_fileset *prev)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *j = fileset_json(prev);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL, now[OG_TIME_LEN];
    uint8_t *sealed = NULL;
    size_t slen = 0;
    if (!text) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* The previous files hold a private key: sealed under the tenant's key, bound to the run. */
    if ((error = og_crypto_seal(ctx->keys, ctx->store, t->tenant_id, run_id, text, strlen(text),
                                &sealed, &slen)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "INSERT INTO deploy_runs (id, tenant_id, target_id, n,"
                             " fingerprint, previous_fingerprint, previous_sealed, state,"
                             " created_at, updated_at) VALUES (?, ?, ?, (SELECT COALESCE(MAX(n),"
                             " 0) + 1 FROM deploy_runs WHERE target_id = ?), ?, ?, ?,"
                             " 'applying', ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, run_id);
    og_stmt_bind_text(st, 2, t->tenant_id);
    og_stmt_bind_text(st, 3, t->id);
    og_stmt_bind_text(st, 4, t->id);
    og_stmt_bind_text(st, 5, fp);
    og_stmt_bind_text(st, 6, prev_fp && *prev_fp ? prev_fp : NULL);
    og_stmt_bind_blob(st, 7, sealed, slen);
    og_stmt_bind_text(st, 8, now);
    og_stmt_bind_text(st, 9, now);
    error = og_stmt_step(st);
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    if (text) {
        og_crypto_wipe(text, strlen(text));
        free(text);
    }
    free(sealed);
    json_decref(j);
    return error;
}

static int run_state(og_ctx *ctx, const char *run_id, const char *state, const char *detail)
{
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    int error = og_store_run(ctx->store,
                             "UPDATE deploy_runs SET state = ?, detail = ?, updated_at = ?"
                             " WHERE id = ?",
                             "tttt", state, detail, now, run_id);
    return error < 0 ? error : 0;
}

/* ---- restoring ---- */

/* Put prev back and verify prev_fp is served again (when known). *detail gets the outcome. */
static int restore(og_ctx *ctx, const og_deploy_target *t, const og_deployer *d,
                   const og_deploy_fileset *prev, const char *prev_fp, json_t *report)
{
    int swapped = 0, error;
    (void)ctx;
    if ((error = d->apply(t->config, prev, &swapped, NULL)) < 0)
        return og_error_wrap("restoring the previous certificate of target %s", t->name);
    if (prev_fp && *prev_fp &&
        (error = verify(
             t, d, prev_fp,
             og_deploy__config_us(t->config, "verify_timeout_us", OG_DEPLOY_DEFAULT_VERIFY_US),
             report)) < 0)
        return og_error_wrap("the previous certificate was put back but");
    return 0;
}

/* ---- the action kind ---- */

/* The new files of run_id were swapped in but are not served (or the reload failed): put the
 * previous files back, and record both steps - the failed swap, and its reversal pointing at it -
 * and tell the tenant's channels. *live becomes 0 once the restore was tried; *result is the
 * run's outcome. */
static int undo_swap(og_ctx *ctx, const char *tenant_id, const og_deploy_target *t,
                     const og_deployer *d, const og_deploy_fileset *fs_prev, const char *fp,
                     const char *prev_fp, const char *run_id, json_t *report,
                     json_t *restore_report, int64_t t0, int *live, json_t **result)
{
    char failure[1024];
    int error;
    og_strlcpy(failure, og_error_last(), sizeof(failure));
    int64_t swap_seq = 0, rb_seq = 0;
    og_audit_rec rec;
    memset(&rec, 0, sizeof(rec));
    json_t *analysis =
        json_pack("{s:s, s:s, s:s, s:s?, s:O}", "run_id", run_id, "target", t->name, "fingerprint",
                  fp, "previous_fingerprint", prev_fp[0] ? prev_fp : NULL, "endpoints", report);
    rec.tenant_id = tenant_id;
    rec.area = OG_DEPLOY_AREA;
    rec.action = "certs.deploy.swap";
    rec.target_type = "deploy_target";
    rec.target_id = t->id;
    rec.analysis = analysis;
    rec.failed = 1;
    rec.detail = failure;
    if ((error = og_audit_append(ctx, &rec, &swap_seq)) < 0)
        goto done;
    int rrc = restore(ctx, t, d, fs_prev, prev_fp, restore_report);
    *live = 0;
    char restored[600];
    og_strlcpy(restored, rrc < 0 ? og_error_last() : "the previous certificate is served again",
               sizeof(restored));
    json_decref(analysis);
    analysis =
        json_pack("{s:s, s:s, s:s?, s:O}", "run_id", run_id, "target", t->name,
                  "restored_fingerprint", prev_fp[0] ? prev_fp : NULL, "endpoints", restore_report);
    rec.action = "certs.deploy.rollback";
    rec.analysis = analysis;
    rec.failed = rrc < 0;
    rec.detail = restored;
    rec.rollback_of = swap_seq;
    const char *status = rrc < 0 ? "rollback-failed" : "rolled-back";
    if ((error = og_audit_append(ctx, &rec, &rb_seq)) < 0 ||
        (error = run_state(ctx, run_id, status, failure)) < 0)
        goto done;
    *result =
        json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:I, s:O, s:O}", "status", status,
                  "run_id", run_id, "target", t->name, "fingerprint", fp, "previous_fingerprint",
                  prev_fp[0] ? prev_fp : NULL, "error", failure, "restore", restored,
                  "swap_audit_seq", (json_int_t)swap_seq, "rollback_audit_seq", (json_int_t)rb_seq,
                  "elapsed_ms", (json_int_t)((og_time_mono_us() - t0) / 1000), "endpoints", report,
                  "restore_endpoints", restore_report);
    /* The humans hear of it through the tenant's channels (certs.deploy.* is delivered). */
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:I}", "status", status, "run_id",
                           run_id, "target", t->name, "fingerprint", fp, "previous_fingerprint",
                           prev_fp[0] ? prev_fp : NULL, "error", failure, "restore", restored,
                           "rollback_audit_seq", (json_int_t)rb_seq);
    error = og_event_emit(ctx, tenant_id,
                          rrc < 0 ? "certs.deploy.rollback_failed" : "certs.deploy.rolled_back", ev,
                          NULL);
    json_decref(ev);
done:
    json_decref(analysis);
    return error;
}

static int deploy_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                          const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    int error = -1, swapped = 0, live = 0;
    const char *tname = json_string_value(json_object_get(params, "target"));
    const char *fp = json_string_value(json_object_get(params, "certificate"));
    og_deploy_target t;
    const og_deployer *d;
    og_certs_material m;
    og_deploy_fileset fs_new, fs_prev;
    char run_id[OG_ID_LEN], prev_fp[65];
    json_t *report = json_array(), *restore_report = json_array();
    int64_t t0 = og_time_mono_us();
    memset(&t, 0, sizeof(t));
    memset(&m, 0, sizeof(m));
    memset(&fs_new, 0, sizeof(fs_new));
    memset(&fs_prev, 0, sizeof(fs_prev));
    if (!tname || !fp || strlen(fp) != 64)
        return og_error_set(OG_EINVAL, OG_DEPLOY_KIND " needs params {\"target\": NAME, "
                                                      "\"certificate\": FINGERPRINT}");
    if ((error = og_deploy__target_load(ctx->store, tenant_id, tname, &t)) < 0)
        goto cleanup;
    if (!(d = og_deployer_find(t.type))) {
        error = og_error_set(OG_EINVAL, "target %s: unknown type '%s'", t.name, t.type);
        goto cleanup;
    }
    if ((error = og_certs_material_load(ctx, tenant_id, fp, &m)) < 0 ||
        (error = d->files(t.config, &fs_new)) < 0 || (error = og_deploy__render(&m, &fs_new)) < 0 ||
        (error = d->files(t.config, &fs_prev)) < 0 || (error = og_deploy__snapshot(&fs_prev)) < 0)
        goto cleanup;
    files_fingerprint(&fs_prev, prev_fp);
    og_id_new(run_id);
    if ((error = run_insert(ctx, &t, run_id, fp, prev_fp, &fs_prev)) < 0)
        goto cleanup;

    int64_t verify_us =
        og_deploy__config_us(t.config, "verify_timeout_us", OG_DEPLOY_DEFAULT_VERIFY_US);
    int64_t swap_at_us = 0;
    error = d->apply(t.config, &fs_new, &swapped, &swap_at_us);
    live = swapped; /* the new files are in place: a failure from here on puts the old back */
    if (error < 0 && !swapped) {
        og_error_wrap("deploying to target %s", t.name); /* nothing changed on the target */
        goto cleanup;
    }
    int64_t applied_ms = (og_time_mono_us() - t0) / 1000;
    if (error == 0)
        error = verify(&t, d, fp, verify_us, report);
    if (error == 0) {
        if ((error = run_state(ctx, run_id, "verified", NULL)) < 0)
            goto cleanup;
        *result = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:O}", "status", "verified",
                            "run_id", run_id, "target", t.name, "fingerprint", fp,
                            "previous_fingerprint", prev_fp[0] ? prev_fp : NULL, "applied_ms",
                            (json_int_t)applied_ms, "elapsed_ms",
                            (json_int_t)((og_time_mono_us() - t0) / 1000), "endpoints", report);
        if (*result && swap_at_us > 0)
            json_object_set_new(*result, "swap_started_at_us", json_integer(swap_at_us));
        goto cleanup;
    }

    error = undo_swap(ctx, tenant_id, &t, d, &fs_prev, fp, prev_fp, run_id, report, restore_report,
                      t0, &live, result);
cleanup:
    if (error < 0 && live) {
        /* Recording the deploy failed after the swap: the transaction rolls back, and so do the
         * files, so that the target serves what the records say. */
        char why[1024];
        og_strlcpy(why, og_error_last(), sizeof(why));
        (void)restore(ctx, &t, d, &fs_prev, prev_fp, restore_report);
        og_error_set(error, "%s", why);
    }
    og_deploy__target_clear(&t);
    og_certs_material_clear(&m);
    og_deploy_fileset_clear(&fs_new);
    og_deploy_fileset_clear(&fs_prev);
    json_decref(report);
    json_decref(restore_report);
    return error;
}

/* The override put prev_fp back on t: record that as a run of its own (state "restored", detail
 * naming the run it rolled back), so that the target's last deploy and the certificate's history
 * say what the target holds, with its audit record, in the override's transaction. */
static int restored_run(og_ctx *ctx, const og_deploy_target *t, const char *undone_run,
                        const char *undone_fp, const char *prev_fp, const og_deploy_fileset *undone,
                        json_t *report)
{
    char run_id[OG_ID_LEN], detail[200];
    og_audit_rec rec;
    int error;
    og_id_new(run_id);
    snprintf(detail, sizeof(detail), "rollback of run %s: a human overrode the deploy", undone_run);
    json_t *analysis =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "run_id", run_id, "rollback_of_run",
                  undone_run, "target", t->name, "trigger", "override", "restored_fingerprint",
                  prev_fp, "replaced_fingerprint", undone_fp, "endpoints", report);
    memset(&rec, 0, sizeof(rec));
    rec.tenant_id = t->tenant_id;
    rec.area = OG_DEPLOY_AREA;
    rec.action = "certs.deploy.restore";
    rec.target_type = "deploy_target";
    rec.target_id = t->id;
    rec.analysis = analysis;
    rec.detail = detail;
    if ((error = run_insert(ctx, t, run_id, prev_fp, undone_fp, undone)) == 0 &&
        (error = run_state(ctx, run_id, "restored", detail)) == 0)
        error = og_audit_append(ctx, &rec, NULL);
    json_decref(analysis);
    return error < 0 ? error : 0;
}

static int deploy_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    int error = -1;
    const char *run_id = json_string_value(json_object_get(result, "run_id"));
    og_stmt *st = NULL;
    og_deploy_target t;
    og_deploy_fileset prev, undone;
    const og_deployer *d;
    char state[32] = "", prev_fp[65] = "", target_id[OG_ID_LEN] = "", newest[OG_ID_LEN] = "";
    char undone_fp[65] = "";
    uint8_t *plain = NULL;
    size_t plen = 0;
    json_t *files = NULL, *report = json_array();
    memset(&t, 0, sizeof(t));
    memset(&prev, 0, sizeof(prev));
    memset(&undone, 0, sizeof(undone));
    if (!run_id) {
        error = og_error_set(OG_EINVAL, OG_DEPLOY_KIND " rollback: the result names no run");
        goto cleanup;
    }
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT r.state, r.previous_fingerprint, r.previous_sealed,"
             " r.target_id, (SELECT id FROM deploy_runs WHERE target_id ="
             " r.target_id AND state <> 'rolled-back' ORDER BY n DESC LIMIT 1),"
             " r.fingerprint FROM deploy_runs r WHERE r.id = ? AND"
             " r.tenant_id = ?",
             "tt", run_id, tenant_id)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        if (error == OG_DONE)
            error = og_error_set(OG_ENOTFOUND, "deploy run %s is gone (target removed?)", run_id);
        goto cleanup;
    }
    og_strlcpy(state, og_stmt_col_text(st, 0), sizeof(state));
    og_strlcpy(prev_fp, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", sizeof(prev_fp));
    og_strlcpy(target_id, og_stmt_col_text(st, 3), sizeof(target_id));
    og_strlcpy(newest, og_stmt_col_text(st, 4), sizeof(newest));
    og_strlcpy(undone_fp, og_stmt_col_text(st, 5), sizeof(undone_fp));
    size_t slen;
    const void *sealed = og_stmt_col_blob(st, 2, &slen);
    if (strcmp(state, "verified") != 0) {
        error = 0; /* already rolled back (or never served): nothing to undo, idempotent */
        goto cleanup;
    }
    /* Deploys that were rolled back on their own left this one's files in place. */
    if (strcmp(newest, run_id) != 0) {
        error = og_error_set(OG_ECONFLICT,
                             "a later deploy (run %s) replaced this one on the "
                             "target: deploy the certificate you want instead",
                             newest);
        goto cleanup;
    }
    if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, run_id, sealed, slen, &plain,
                                &plen)) < 0)
        goto cleanup;
    og_stmt_free(st);
    st = NULL;
    if (!(files = json_loadb((const char *)plain, plen, 0, NULL)) ||
        (error = fileset_from_json(files, &prev)) < 0) {
        error = error < 0 ? error : og_error_set(OG_ECORRUPT, "saved files do not parse");
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store, "SELECT name FROM deploy_targets WHERE id = ?")) <
        0)
        goto cleanup;
    og_stmt_bind_text(st, 1, target_id);
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error = og_error_set(OG_ENOTFOUND, "the target of deploy run %s is gone", run_id);
        goto cleanup;
    }
    char tname[64];
    og_strlcpy(tname, og_stmt_col_text(st, 0), sizeof(tname));
    if ((error = og_deploy__target_load(ctx->store, tenant_id, tname, &t)) < 0)
        goto cleanup;
    if (!(d = og_deployer_find(t.type))) {
        error = og_error_set(OG_EINVAL, "target %s: unknown type '%s'", t.name, t.type);
        goto cleanup;
    }
    (void)params;
    if ((error = d->files(t.config, &undone)) < 0 || (error = og_deploy__snapshot(&undone)) < 0 ||
        (error = restore(ctx, &t, d, &prev, prev_fp, report)) < 0 ||
        (error = run_state(ctx, run_id, "overridden", "a human overrode the deploy")) < 0 ||
        (error = restored_run(ctx, &t, run_id, undone_fp, prev_fp, &undone, report)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    if (plain) {
        og_crypto_wipe(plain, plen);
        free(plain);
    }
    json_decref(files);
    json_decref(report);
    og_deploy_fileset_clear(&prev);
    og_deploy_fileset_clear(&undone);
    og_deploy__target_clear(&t);
    return error;
}

static const og_action_kind deploy_kind = {
    .name = OG_DEPLOY_KIND,
    .area = OG_DEPLOY_AREA,
    .default_level = OG_GATE_L1,
    .description = "deploy a certificate to a target (file, nginx, HAProxy) and verify every "
                   "endpoint serves it; a failed verification restores the previous one; "
                   "rollback (override) restores the previous certificate",
    .execute = deploy_execute,
    .rollback = deploy_rollback,
    .command = "`opsgate cert deploy` (and deploys that follow a renewal)",
    .route = "POST /api/v1/tenants/{tenant}/deploy-targets/{target}/deploy",
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int register_result;

static void register_all(void)
{
    /* The humans hear of deploy results through the notify handler, which takes every event. */
    int rc = og_gate_kind_register(&deploy_kind);
    if (rc == 0 || rc == OG_EEXISTS)
        rc = og_events_subscribe("deploy-renewed", "certs.renewed", og_deploy__on_renewed, NULL);
    register_result = rc == OG_EEXISTS ? 0 : rc;
    og_error_clear();
}

int og_deploy_register(void)
{
    pthread_once(&once, register_all);
    return register_result;
}

/* The library has no module start-up hook yet: a process that decides on a certs.deploy gate
 * item (`gate override`, the server's API) must know the kind, so it registers as soon as this
 * module is linked in. og_deploy_register() stays the explicit way. */
__attribute__((constructor)) static void deploy_autoregister(void)
{
    (void)og_deploy_register();
}

int og_deploy_cert(og_ctx *ctx, const char *tenant, const char *cert_id, const char *target,
                   og_gate_outcome *out)
{
    int error = -1;
    char tid[OG_ID_LEN], fp[65];
    json_t *cert = NULL, *params = NULL, *analysis = NULL, *facts = NULL;
    og_deploy_target t;
    og_gate_outcome local;
    og_gate_outcome *o;
    memset(&local, 0, sizeof(local));
    o = out ? out : &local;
    memset(&t, 0, sizeof(t));
    memset(o, 0, sizeof(*o));
    if ((error = og_deploy_register()) < 0 ||
        (error = og_deploy__tenant(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = og_certs_show(ctx, tid, cert_id, &cert)) < 0)
        goto cleanup;
    if (og_streq(json_string_value(json_object_get(cert, "kind")), OG_CERTS_KIND_APP)) {
        error = og_error_set(OG_EINVAL,
                             "'%s' is a cloud app credential, not a certificate: it cannot be "
                             "deployed",
                             cert_id);
        goto cleanup;
    }
    if ((error = og_deploy__target_load(ctx->store, tid, target, &t)) < 0)
        goto cleanup;
    og_strlcpy(fp, or_empty(json_string_value(json_object_get(cert, "fingerprint"))), sizeof(fp));
    json_t *eps = json_array();
    for (int i = 0; i < t.nendpoints; i++)
        json_array_append_new(eps,
                              json_sprintf("%s:%d%s%s", t.endpoints[i].host, t.endpoints[i].port,
                                           t.endpoints[i].sni[0] ? "/" : "", t.endpoints[i].sni));
    params = json_pack("{s:s, s:s}", "target", t.name, "certificate", fp);
    analysis =
        json_pack("{s:s, s:s, s:s, s:o, s:O?, s:O?, s:s}", "target", t.name, "type", t.type,
                  "certificate", fp, "endpoints", eps, "subject", json_object_get(cert, "subject"),
                  "not_after", json_object_get(cert, "not_after"), "why",
                  "deploy on request; verified on every endpoint, rolled back on failure");
    if (!params || !analysis) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* what the gate item is about: the certificate by its first DNS name (else its subject) and
     * the target */
    const char *cname = or_empty(json_string_value(json_object_get(cert, "subject")));
    json_t *sans = json_object_get(cert, "sans");
    for (size_t i = 0; i < json_array_size(sans); i++) {
        const char *san = json_string_value(json_array_get(sans, i));
        if (san && strncmp(san, "DNS:", 4) == 0 && san[4]) {
            cname = san + 4;
            break;
        }
    }
    char subject[OG_GATE_SUBJECT_MAX + 1];
    snprintf(subject, sizeof(subject), "deploy of certificate %s to target %s (%s)", cname, t.name,
             t.type);
    og_gate_about about = {.target_type = "certificate",
                           .target_id = fp,
                           .subject = subject,
                           .target = t.name,
                           .object = cname,
                           .facts = NULL};
    if ((error = og_deploy__facts(ctx, tid, &t, cert, &facts)) < 0)
        goto cleanup;
    about.facts = facts;
    if ((error = og_gate_request_about(ctx, tid, OG_DEPLOY_KIND, &about, params, analysis, o)) < 0)
        goto cleanup;
    const char *status = json_string_value(json_object_get(o->result, "status"));
    if (o->result && status && strcmp(status, "verified") != 0)
        error = og_error_set(
            OG_ECONFLICT,
            "deploying %.16s... to %s failed (%s); %s: %s "
            "(gate item %s)",
            fp, t.name, or_empty(json_string_value(json_object_get(o->result, "error"))), status,
            or_empty(json_string_value(json_object_get(o->result, "restore"))), o->gate_id);
    else
        error = 0;
cleanup:
    if (!out) {
        json_decref(local.result);
    }
    og_deploy__target_clear(&t);
    json_decref(cert);
    json_decref(params);
    json_decref(analysis);
    json_decref(facts);
    return error;
}
