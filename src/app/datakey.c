/* datakey.c - the re-seal after a tenant's data-key rotation: a registry of every module's
 * re-seal walker (each walks only its own tables), run in batches, each batch one transaction
 * with its progress cursor, so a crash resumes where it stopped; when every walker is through, a
 * last full pass finds nothing left and the earlier data-key versions are destroyed, audited. */
#include "opsgate/app.h"
#include "opsgate/acme.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/connector.h"
#include "opsgate/ct.h"
#include "opsgate/crypto.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 50 /* items per transaction; $OPSGATE_RESEAL_BATCH (1..1000) for tests */

static int batch_size(void)
{
    const char *v = getenv("OPSGATE_RESEAL_BATCH");
    int n = v ? atoi(v) : 0;
    return n >= 1 && n <= 1000 ? n : BATCH;
}

typedef int (*walker_fn)(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b);

/* Like the schema list: one entry per module that seals tenant data. */
static const struct {
    const char *name;
    walker_fn fn;
} walkers[] = {
    {"acme", og_acme_reseal},   {"artifacts", og_artifacts_reseal},
    {"certs", og_certs_reseal}, {"connector", og_connector_reseal},
    {"ct", og_ct_reseal},       {"deploy", og_deploy_reseal},
    {"gate", og_gate_reseal},   {"notify", og_notify_reseal},
};
#define NWALKERS (sizeof(walkers) / sizeof(walkers[0]))

/* The walker's progress row for the current version, created (with its total) when missing.
 * pass: "verify" rows are the final pass. */
static int walker_start(og_ctx *ctx, const char *tid, const char *name, int64_t version)
{
    og_crypto_reseal_batch b = {.counting = 1};
    int error;
    for (size_t i = 0; i < NWALKERS; i++)
        if (strcmp(walkers[i].name, name) == 0 && (error = walkers[i].fn(ctx, tid, &b)) < 0)
            return og_error_wrap("counting the sealed items of %s", name);
    return og_crypto_reseal_start(ctx->store, tid, name, version, b.total);
}

/* One batch of one walker, in its own transaction with its new position and, when the walker
 * finishes, a tenant.key.datakey.progress record. *finished: the walker has nothing left. */
static int walker_batch(og_ctx *ctx, const char *tid, size_t w, int64_t version, int *finished)
{
    og_crypto_reseal_batch b = {0};
    int64_t done = 0;
    int error = og_store_tx_begin(ctx->store);
    if (error < 0)
        return error;
    if ((error = og_crypto_reseal_get(ctx->store, tid, walkers[w].name, &b, &done)) < 0)
        goto cleanup;
    *finished = b.finished;
    if (b.finished)
        goto cleanup;
    b.limit = batch_size();
    if ((error = walkers[w].fn(ctx, tid, &b)) < 0) {
        og_error_wrap("re-sealing the %s data of tenant %s", walkers[w].name, tid);
        goto cleanup;
    }
    done += b.seen;
    if ((error = og_crypto_reseal_save(ctx->store, tid, walkers[w].name, &b, done)) < 0)
        goto cleanup;
    if (b.finished) {
        json_t *d =
            json_pack("{s:s, s:I, s:I, s:I}", "walker", walkers[w].name, "done", (json_int_t)done,
                      "total", (json_int_t)b.total, "data_key_version", (json_int_t)version);
        error =
            og_audit_log(ctx, tid, "platform", "tenant.key.datakey.progress", "tenant_key", tid, d);
        json_decref(d);
    }
    *finished = b.finished;
cleanup:
    return og_store_tx_end(ctx->store, error);
}

/* Leave the database to other writers for as long as the batch held it (2 ms to 100 ms): SQLite
 * writers waiting on a busy database retry at intervals and would starve behind batches that
 * follow each other at once; a re-seal takes longer instead of stalling the server. */
static void pause_after(int64_t t0)
{
    int64_t us = og_time_mono_us() - t0;
    us = us < 2000 ? 2000 : us > 100000 ? 100000 : us;
    struct timespec ts = {0, (long)us * 1000};
    nanosleep(&ts, NULL);
}

/* The last pass: every walker again from the start, in one transaction per walker batch, counting
 * what it still re-seals (a seal begun before the rotation and stored after its walker passed).
 * *clean: nothing was left. */
static int final_pass(og_ctx *ctx, const char *tid, int *clean)
{
    int error = 0;
    *clean = 1;
    for (size_t w = 0; w < NWALKERS && error == 0; w++) {
        og_crypto_reseal_batch b = {.limit = batch_size()};
        do {
            int64_t t0 = og_time_mono_us();
            if ((error = og_store_tx_begin(ctx->store)) < 0)
                break;
            error = walkers[w].fn(ctx, tid, &b);
            error = og_store_tx_end(ctx->store, error);
            if (b.changed > 0)
                *clean = 0;
            pause_after(t0);
        } while (error == 0 && !b.finished);
    }
    return error;
}

/* Destroy the earlier versions and clear the progress, audited tenant.key.datakey.done. */
static int finish(og_ctx *ctx, const char *tid, int64_t version)
{
    json_t *progress = NULL, *d = NULL;
    int64_t current = 0, oldest = 0;
    int n = 0;
    int error = og_store_tx_begin(ctx->store);
    if (error < 0)
        return error;
    /* Another process (the CLI's --wait and the server's job) may have finished it just now. */
    if ((error = og_crypto_datakey_versions(ctx->store, tid, &current, &oldest)) < 0 ||
        oldest == current)
        goto cleanup;
    if ((error = og_crypto_reseal_list(ctx->store, tid, &progress)) < 0 ||
        (error = og_crypto_datakey_retire(ctx->keys, ctx->store, tid, &n)) < 0 ||
        (error = og_crypto_reseal_clear(ctx->store, tid)) < 0)
        goto cleanup;
    d = json_pack("{s:I, s:i, s:O}", "data_key_version", (json_int_t)version, "destroyed_versions",
                  n, "walkers", progress);
    if (!d) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_audit_log(ctx, tid, "platform", "tenant.key.datakey.done", "tenant_key", tid, d);
cleanup:
    json_decref(progress);
    json_decref(d);
    return og_store_tx_end(ctx->store, error);
}

int og_app_tenant_datakey_run(og_ctx *ctx, const char *tenant_id, int max_batches, int *finished)
{
    int64_t current = 0, oldest = 0;
    int error, batches = 0, clean = 0;
    *finished = 0;
    if ((error = og_crypto_datakey_versions(ctx->store, tenant_id, &current, &oldest)) < 0)
        return error;
    if (oldest == current) {
        *finished = 1;
        return 0;
    }
    for (size_t w = 0; w < NWALKERS; w++) {
        if ((error = og_store_tx_begin(ctx->store)) < 0)
            return error;
        error = walker_start(ctx, tenant_id, walkers[w].name, current);
        if ((error = og_store_tx_end(ctx->store, error)) < 0)
            return error;
    }
    for (size_t w = 0; w < NWALKERS; w++) {
        int done = 0;
        while (!done) {
            if (max_batches >= 0 && batches >= max_batches)
                return 0;
            int64_t t0 = og_time_mono_us();
            if ((error = walker_batch(ctx, tenant_id, w, current, &done)) < 0)
                return error;
            batches++;
            pause_after(t0);
        }
    }
    if ((error = final_pass(ctx, tenant_id, &clean)) < 0)
        return error;
    if (!clean)
        return 0; /* something was stored under the old version meanwhile: the next run checks */
    if ((error = finish(ctx, tenant_id, current)) < 0)
        return error;
    *finished = 1;
    return 0;
}

int og_app_tenant_datakey_rotate(og_ctx *ctx, const char *tenant, int wait, json_t **out)
{
    int error, finished = 0;
    json_t *o = NULL;
    *out = NULL;
    error = og_tenant_key_datakey_rotate(ctx, tenant, &o);
    if (error == OG_ECONFLICT && wait) {
        /* An unfinished rotation (a crash, a stop): --wait finishes it instead of starting one.
         * The rotate call checked the platform-admin role before it found the conflict. */
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", og_error_last());
        if ((error = og_tenant_key_datakey_status(ctx, tenant, &o)) == 0 &&
            !og_streq(json_string_value(json_object_get(o, "state")), "re-sealing")) {
            json_decref(o);
            error = og_error_set(OG_ECONFLICT, "%s", msg);
        }
    }
    if (error < 0)
        return error;
    if (wait) {
        const char *tid = json_string_value(json_object_get(o, "tenant_id"));
        char id[128];
        snprintf(id, sizeof(id), "%s", tid ? tid : "");
        json_decref(o);
        o = NULL;
        if ((error = og_app_tenant_datakey_run(ctx, id, -1, &finished)) < 0 ||
            (error = og_tenant_key_datakey_status(ctx, id, &o)) < 0)
            return error;
    }
    *out = o;
    return 0;
}

int og_app_datakey_work(og_ctx *ctx, int max_batches, int *pending)
{
    json_t *ids = NULL, *v;
    size_t i;
    int error = og_crypto_datakey_rotating(ctx->store, &ids);
    *pending = 0;
    if (error < 0)
        return error;
    json_array_foreach(ids, i, v)
    {
        int finished = 0;
        /* A tenant whose key is revoked or withdrawn: skipped up front (counted), resumed from its
         * cursor at the first run after the key is back. */
        if (og_crypto_job_check(ctx->store, json_string_value(v), "datakey.reseal") == OG_ELOCKED) {
            og_error_clear();
            (*pending)++;
            continue;
        }
        og_error_clear();
        if (og_app_tenant_datakey_run(ctx, json_string_value(v), max_batches, &finished) < 0) {
            /* One tenant's unavailable key (revoked, HSM away) does not stop the others. */
            fprintf(stderr, "opsgate: re-sealing tenant %s: %s\n", json_string_value(v),
                    og_error_last());
            og_error_clear();
        }
        *pending += !finished;
    }
    json_decref(ids);
    return 0;
}
