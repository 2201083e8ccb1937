/* sync.c - the pull: companies, then the projects changed since the cursor, page by page; each
 * project of a mapped company becomes an opsgate project whose project.json gets a new version
 * when (and only when) its data changed, with its record, event and audit record in one
 * transaction. The sync's own record, cursor and state are sync_log.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "sync_internal.h"

#define PROJECT_JSON "project.json"
#define READ_CAP     ((size_t)1 << 20)

/* What connector_records says about a remote project. */
typedef struct record {
    int found;
    char tenant_id[OG_ID_LEN];
    char key[64];
    char sha256[65];
    int closed;
    int64_t version;
} record;

static int record_get(og_conn_sync *r, const char *remote_id, record *rec)
{
    og_stmt *st = NULL;
    int rc;
    memset(rec, 0, sizeof(*rec));
    if ((rc = og_stmt_prepare_args(&st, r->sys.store,
                                   "SELECT tenant_id, project_key, data_sha256, closed, "
                                   "data_version FROM connector_records WHERE connector_id = ? "
                                   "AND remote_id = ?",
                                   "tt", r->c->id, remote_id)) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        rec->found = 1;
        og_strlcpy(rec->tenant_id, og_stmt_col_text(st, 0), sizeof(rec->tenant_id));
        og_strlcpy(rec->key, og_stmt_col_text(st, 1), sizeof(rec->key));
        og_strlcpy(rec->sha256, og_stmt_col_text(st, 2), sizeof(rec->sha256));
        rec->closed = (int)og_stmt_col_int(st, 3);
        rec->version = og_stmt_col_int(st, 4);
        rc = 0;
    }
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_conn__read_json(og_ctx *ctx, const char *tenant, const char *project, const char *name,
                       int64_t version, json_t **out)
{
    og_artifact_ref ref = {tenant, project, name};
    og_artifact_reader *rd = NULL;
    og_buf b;
    char chunk[16384];
    size_t got;
    json_error_t je;
    int error;
    *out = NULL;
    og_buf_init(&b, READ_CAP);
    if ((error = og_artifact_get_open(&rd, ctx, &ref, version, NULL)) < 0)
        goto cleanup;
    while ((error = og_artifact_get_read(rd, chunk, sizeof(chunk), &got)) == 0 && got > 0)
        if ((error = og_buf_append(&b, chunk, got)) < 0)
            break;
    if (error < 0)
        goto cleanup;
    if (!(*out = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES, &je)))
        error = og_error_set(OG_EINVAL, "%s of project %s: not JSON: %s", name, project, je.text);
cleanup:
    og_artifact_get_close(rd);
    og_buf_free(&b);
    return error;
}

/*
 * The scope a change is measured against: the data snapshot of the project's most recently
 * changed published SOW or change order (their generator stores "<doc>.data.json"), else
 * NULL (the previous synced snapshot is the baseline). label gets "sow.data.json@2".
 */
static int published_baseline(og_conn_sync *r, const char *tenant, const char *key, json_t **out,
                              char *label, size_t size)
{
    json_t *list = NULL;
    const char *best = NULL, *best_at = "";
    char snap[OG_ARTIFACT_NAME_MAX + 16];
    int error;
    *out = NULL;
    if ((error = og_artifact_list(&r->sys, tenant, key, 0, &list)) < 0)
        return error;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        const char *kind = json_string_value(json_object_get(a, "kind"));
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *state = json_string_value(json_object_get(a, "state"));
        const char *at = json_string_value(json_object_get(a, "updated_at"));
        if (!kind || !name || !state || !at || strcmp(state, "published") != 0 ||
            (strcmp(kind, "sow") != 0 && strcmp(kind, "change-order") != 0) ||
            strstr(name, ".data.json"))
            continue;
        if (strcmp(at, best_at) > 0)
            best = name, best_at = at;
    }
    if (best) {
        const char *dot = strrchr(best, '.');
        int n = dot ? (int)(dot - best) : (int)strlen(best);
        json_t *info = NULL;
        og_artifact_ref ref = {tenant, key, snap};
        snprintf(snap, sizeof(snap), "%.*s.data.json", n, best);
        if ((error = og_artifact_show(&r->sys, &ref, &info)) == 0) {
            snprintf(label, size, "%s@%lld", snap,
                     (long long)json_integer_value(json_object_get(info, "latest")));
            error = og_conn__read_json(&r->sys, tenant, key, snap, 0, out);
        }
        json_decref(info);
        if (error == OG_ENOTFOUND) { /* published by hand, not generated: no snapshot */
            og_error_clear();
            error = 0;
        }
    }
    json_decref(list);
    return error;
}

/* The change of scope that makes psa.project.scope_changed, or NULL: the scope changed in this
 * sync (against the previous snapshot) and differs from the published baseline when there is
 * one. *baseline_label names what the diff is against. */
static int scope_change(og_conn_sync *r, const char *tenant, const char *key, const record *rec,
                        const json_t *data, json_t **diff, char *label, size_t size)
{
    json_t *prev = NULL, *base = NULL, *ps = NULL, *ns = NULL, *bs = NULL, *d = NULL;
    int error;
    *diff = NULL;
    if ((error = og_conn__read_json(&r->sys, tenant, key, PROJECT_JSON, rec->version, &prev)) < 0) {
        if (error != OG_ENOTFOUND)
            goto cleanup;
        og_error_clear(); /* the previous snapshot is gone: everything is new */
        prev = json_object();
        error = 0;
    }
    ps = og_conn__scope(prev);
    ns = og_conn__scope(data);
    if (!ps || !ns) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (!(d = og_conn__scope_diff(ps, ns)))
        goto cleanup; /* nothing of the scope changed in this sync */
    snprintf(label, size, "%s@%lld", PROJECT_JSON, (long long)rec->version);
    if ((error = published_baseline(r, tenant, key, &base, label, size)) < 0)
        goto cleanup;
    if (base) {
        json_decref(d);
        bs = og_conn__scope(base);
        d = bs ? og_conn__scope_diff(bs, ns) : NULL; /* back to what was sold: no change */
    }
    *diff = d;
    d = NULL;
cleanup:
    json_decref(prev);
    json_decref(base);
    json_decref(ps);
    json_decref(ns);
    json_decref(bs);
    json_decref(d);
    return error;
}

/* The project on first sight: created, unless a project of that key exists that this connector
 * did not make (never taken over). */
static int project_ensure(og_conn_sync *r, const char *tenant, const char *key, const json_t *data,
                          og_project *proj)
{
    const char *name = json_string_value(json_object_get(json_object_get(data, "project"), "name"));
    char nm[200];
    int error = og_project_get(&r->sys, tenant, key, proj);
    if (error == 0)
        return og_error_set(OG_ECONFLICT,
                            "project %s exists and was not made by connector %s: set "
                            "options.project_key_prefix to another prefix",
                            key, r->c->name);
    if (error != OG_ENOTFOUND)
        return error;
    og_error_clear();
    snprintf(nm, sizeof(nm), "%s", name && *name ? name : key);
    return og_project_create(&r->sys, tenant, key, nm, proj);
}

/* A project this connector's name made, whose record went with an earlier connector of that
 * name (removed, then added again): taken back as it stands, rec filled from its latest
 * project.json. 1 adopted, 0 none (a first sight), negative on error (OG_ECONFLICT: a project
 * of that key that this connector's name did not make is never taken over). */
static int adopt(og_conn_sync *r, const char *tenant, const char *key, record *rec,
                 og_project *proj)
{
    og_artifact_ref ref = {tenant, key, PROJECT_JSON};
    json_t *show = NULL, *data = NULL;
    char me[160];
    int error = og_project_get(&r->sys, tenant, key, proj);
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        return 0;
    }
    if (error < 0)
        return error;
    og_actor_label(&r->sys.actor, me, sizeof(me));
    if (strcmp(proj->created_by, me) != 0 || og_artifact_show(&r->sys, &ref, &show) < 0 ||
        og_conn__read_json(&r->sys, tenant, key, PROJECT_JSON, 0, &data) < 0) {
        json_decref(show);
        return og_error_set(OG_ECONFLICT,
                            "project %s exists and was not made by connector %s: set "
                            "options.project_key_prefix to another prefix",
                            key, r->c->name);
    }
    rec->found = 1;
    og_strlcpy(rec->tenant_id, tenant, sizeof(rec->tenant_id));
    og_strlcpy(rec->key, key, sizeof(rec->key));
    rec->version = json_integer_value(json_object_get(show, "latest"));
    rec->closed = json_is_true(json_object_get(json_object_get(data, "psa"), "closed"));
    error = og_docgen_data_sha256(data, rec->sha256);
    json_decref(show);
    json_decref(data);
    return error < 0 ? error : 1;
}

typedef struct change {
    const og_conn_project *p;
    const char *tenant;
    const char *key;
    const record *rec;
    json_t *data;
    const char *sha256;
    const char *event; /* NULL: none */
    json_t *diff;      /* scope_changed */
    const char *baseline;
    og_project proj;
    og_artifact_version v;
} change;

static json_t *provenance(og_conn_sync *r, const change *ch)
{
    const og_conn_project *p = ch->p;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s, s:s}", "source",
                     "connector", "connector", r->c->name, "connector_id", r->c->id, "kind",
                     r->c->vendor->kind, "remote_id", p->remote_id, "company_id", p->company_id,
                     "company_name", p->company_name, "synced_at", r->synced_at,
                     "remote_updated_at", p->updated_at && *p->updated_at ? p->updated_at : NULL,
                     "sync_id", r->id, "data_sha256", ch->sha256);
}

static int write_version(og_conn_sync *r, change *ch)
{
    og_artifact_ref ref = {ch->tenant, ch->key, PROJECT_JSON};
    og_artifact_put_opts o = {0};
    json_t *meta = provenance(r, ch);
    char msg[512], *text = NULL, *mtext = NULL;
    int error;
    if (!meta || !(text = json_dumps(ch->data, JSON_INDENT(2) | JSON_SORT_KEYS)) ||
        !(mtext = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    snprintf(msg, sizeof(msg), "synced from %s connector %s (remote project %.64s%s%.40s)",
             r->c->vendor->kind, r->c->name, ch->p->remote_id,
             ch->p->updated_at && *ch->p->updated_at ? ", updated " : "",
             ch->p->updated_at ? ch->p->updated_at : "");
    o.kind = ch->rec->found ? NULL : "other";
    o.message = msg;
    o.media_type = "application/json";
    o.metadata = mtext;
    error = og_artifact_put_buffer(&r->sys, &ref, &o, text, strlen(text), &ch->v);
cleanup:
    free(text);
    free(mtext);
    json_decref(meta);
    return error;
}

static int record_put(og_conn_sync *r, const change *ch)
{
    return og_store_run(r->sys.store,
                        "INSERT INTO connector_records (connector_id, remote_id, tenant_id, "
                        "company_id, project_key, data_sha256, remote_updated_at, closed, "
                        "data_version, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (connector_id, remote_id) DO UPDATE SET tenant_id = "
                        "excluded.tenant_id, company_id = excluded.company_id, project_key = "
                        "excluded.project_key, data_sha256 = excluded.data_sha256, "
                        "remote_updated_at = excluded.remote_updated_at, closed = "
                        "excluded.closed, data_version = excluded.data_version, synced_at = "
                        "excluded.synced_at",
                        "tttttttiit", r->c->id, ch->p->remote_id, ch->tenant,
                        ch->p->company_id ? ch->p->company_id : "", ch->key, ch->sha256,
                        ch->p->updated_at && *ch->p->updated_at ? ch->p->updated_at : NULL,
                        (int64_t)(ch->p->closed != 0), (int64_t)ch->v.number, r->synced_at);
}

/* The event (if any) and the audit record of one change, in its transaction. */
static int announce(og_conn_sync *r, change *ch)
{
    char ev_id[OG_ID_LEN] = "";
    json_t *payload = NULL, *analysis = NULL;
    int error = 0;
    if (ch->event) {
        payload = provenance(r, ch);
        json_object_set_new(payload, "project", json_string(ch->key));
        json_object_set_new(payload, "project_name", json_string(ch->proj.name));
        json_object_set_new(payload, "data_version", json_integer(ch->v.number));
        json_object_set_new(payload, "trigger", json_string(r->trigger));
        if (ch->diff) {
            json_object_set(payload, "changes", ch->diff);
            json_object_set_new(payload, "baseline", json_string(ch->baseline));
        }
        if ((error = og_event_emit(&r->sys, ch->tenant, ch->event, payload, ev_id)) < 0)
            goto cleanup;
    }
    analysis = json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:s, s:I, s:s, s:s?, s:s, s:s?, s:s, s:s, "
        "s:s}",
        "connector", r->c->name, "connector_id", r->c->id, "kind", r->c->vendor->kind, "remote_id",
        ch->p->remote_id, "company_id", ch->p->company_id, "project", ch->key, "data_version",
        (json_int_t)ch->v.number, "data_sha256", ch->sha256, "previous_sha256",
        ch->rec->found ? ch->rec->sha256 : NULL, "sync_id", r->id, "event", ch->event, "event_id",
        ev_id, "trigger", r->trigger, "triggered_by", r->triggered_by);
    if (!analysis) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_audit_log(&r->sys, ch->tenant, "connector", "connector.sync.project", "project",
                         ch->proj.id, analysis);
cleanup:
    json_decref(payload);
    json_decref(analysis);
    return error;
}

/* Which event a change makes. */
static int decide(og_conn_sync *r, change *ch, char *label, size_t size)
{
    if (!ch->rec->found) {
        ch->event = "psa.project.created";
        return 0;
    }
    if (ch->p->closed && !ch->rec->closed) {
        ch->event = "psa.project.closed";
        return 0;
    }
    if (ch->p->closed)
        return 0; /* a closed project's changes draft no change order */
    int error = scope_change(r, ch->tenant, ch->key, ch->rec, ch->data, &ch->diff, label, size);
    if (error == 0 && ch->diff) {
        ch->event = "psa.project.scope_changed";
        ch->baseline = label;
    }
    return error;
}

int og_conn__project_sync(og_conn_sync *r, const og_conn_project *p, const char *tenant)
{
    record rec, now;
    change ch;
    char key[64], sha[65], label[OG_ARTIFACT_NAME_MAX + 32];
    int error = 0, adopted = 0;
    memset(&ch, 0, sizeof(ch));
    if ((error = record_get(r, p->remote_id, &rec)) < 0)
        return error;
    if (rec.found && strcmp(rec.tenant_id, tenant) != 0)
        memset(&rec, 0, sizeof(rec)); /* its company now belongs to another tenant: new there */
    if (rec.found)
        og_strlcpy(key, rec.key, sizeof(key));
    else if ((error = og_conn__project_key(r->c, p->remote_id, key)) < 0 ||
             (adopted = adopt(r, tenant, key, &rec, &ch.proj)) < 0)
        return adopted < 0 ? adopted : error;
    if ((error = og_conn__project_data(r->c, p, key, &ch.data, sha)) < 0)
        return error;
    ch.p = p, ch.tenant = tenant, ch.key = key, ch.rec = &rec, ch.sha256 = sha;
    if (rec.found && strcmp(sha, rec.sha256) == 0 && rec.closed == (p->closed != 0)) {
        if (adopted) { /* taken back unchanged: its record only */
            ch.v.number = rec.version;
            if ((error = og_store_tx_begin(r->sys.store)) == 0)
                error = og_store_tx_end(r->sys.store, record_put(r, &ch));
        }
        goto cleanup; /* nothing changed: nothing is written */
    }
    if (rec.found && !adopted && (error = og_project_get(&r->sys, tenant, key, &ch.proj)) < 0)
        goto cleanup;
    if (ch.proj.archived_at[0])
        goto cleanup; /* archived by a person: read-only, the PSA's changes are not taken */
    if ((error = decide(r, &ch, label, sizeof(label))) < 0)
        goto cleanup;
    if ((error = og_store_tx_begin(r->sys.store)) < 0)
        goto cleanup;
    /* Another sync of this connector may have written it meanwhile (the write lock is ours). */
    if ((error = record_get(r, p->remote_id, &now)) == 0 && now.found == (rec.found && !adopted) &&
        (!now.found || now.version == rec.version)) {
        if ((rec.found || (error = project_ensure(r, tenant, key, ch.data, &ch.proj)) == 0) &&
            (error = write_version(r, &ch)) == 0 && (error = record_put(r, &ch)) == 0 &&
            (error = announce(r, &ch)) == 0)
            r->changes++;
    }
    error = og_store_tx_end(r->sys.store, error);
cleanup:
    if (error < 0)
        og_error_wrap("remote project %.64s (project %s)", p->remote_id, key);
    json_decref(ch.data);
    json_decref(ch.diff);
    return error;
}

/* ---- companies ---- */

static int company_upsert(og_conn_sync *r, const char *id, const char *name)
{
    return og_store_run(r->sys.store,
                        "INSERT INTO connector_companies (connector_id, company_id, company_name, "
                        "first_seen) VALUES (?, ?, ?, ?) ON CONFLICT (connector_id, company_id) "
                        "DO UPDATE SET company_name = excluded.company_name",
                        "tttt", r->c->id, id, name ? name : "", r->synced_at);
}

static int company_seen(void *arg, const og_conn_company *co)
{
    og_conn_sync *r = arg;
    if (!co->id || !*co->id)
        return 0;
    if (json_object_set_new(r->companies, co->id,
                            json_pack("{s:s, s:n}", "name", co->name ? co->name : "", "tenant")) <
        0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* Companies the vendor lists (upserted in one transaction), then everybody's map. */
static int companies_load(og_conn_sync *r)
{
    const char *k;
    json_t *v;
    og_stmt *st = NULL;
    int error = 0;
    if (r->c->vendor->companies && (error = r->c->vendor->companies(r->c, company_seen, r)) < 0)
        return og_error_wrap("listing the companies");
    if ((error = og_store_tx_begin(r->sys.store)) < 0)
        return error;
    json_object_foreach(r->companies, k, v)
    {
        if ((error = company_upsert(r, k, json_string_value(json_object_get(v, "name")))) < 0)
            break;
    }
    if ((error = og_store_tx_end(r->sys.store, error)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, r->sys.store,
                                      "SELECT company_id, company_name, tenant_id FROM "
                                      "connector_companies WHERE connector_id = ?",
                                      "t", r->c->id)) < 0)
        return error;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        const char *t = og_stmt_col_text(st, 2);
        /* A tenant's own connector serves its tenant only, whatever a row says. */
        if (t && r->c->tenant_id[0] && strcmp(t, r->c->tenant_id) != 0)
            t = NULL;
        json_object_set_new(r->companies, og_stmt_col_text(st, 0),
                            json_pack("{s:s, s:s?}", "name", og_stmt_col_text(st, 1), "tenant", t));
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* The tenant of a project's company (NULL: unmapped, listed in the outcome). */
int og_conn__company_tenant(og_conn_sync *r, const char *cid, const char *name, const char **tenant)
{
    json_t *co = json_object_get(r->companies, cid);
    int error = 0;
    *tenant = NULL;
    if (!co && *cid) { /* not in the vendor's list: seen now */
        if ((error = og_store_tx_begin(r->sys.store)) < 0 ||
            (error = og_store_tx_end(
                 r->sys.store,
                 name ? company_upsert(r, cid, name)
                      : og_store_run(r->sys.store,
                                     "INSERT INTO connector_companies (connector_id, "
                                     "company_id, company_name, first_seen) VALUES (?, ?, '', ?) "
                                     "ON CONFLICT (connector_id, company_id) DO NOTHING",
                                     "ttt", r->c->id, cid, r->synced_at))) < 0)
            return error;
        json_object_set_new(r->companies, cid,
                            json_pack("{s:s, s:n}", "name", name ? name : "", "tenant"));
        co = json_object_get(r->companies, cid);
    }
    *tenant = json_string_value(json_object_get(co, "tenant"));
    if (!*tenant && !json_object_get(r->unmapped, cid))
        json_object_set_new(r->unmapped, cid,
                            json_pack("{s:s, s:s}", "company_id", cid, "company_name",
                                      json_string_value(json_object_get(co, "name")) ?: ""));
    return 0;
}

int og_conn__record_seen(og_conn_sync *r, const char *what, const char *remote_id,
                         const char *updated_at)
{
    int64_t at;
    r->records++;
    if (updated_at && *updated_at && og_time_parse(updated_at, &at) == 0) {
        if (at > r->max_seen_us)
            r->max_seen_us = at;
    } else
        og_error_clear();
    if (remote_id && *remote_id)
        return 0;
    og_error_set(OG_EINVAL, "a %s without a remote id", what);
    og_conn__sync_fail(r, OG_EINVAL);
    return 1;
}

static int on_project(void *arg, const og_conn_project *p)
{
    og_conn_sync *r = arg;
    const char *tenant;
    int error;
    if (og_conn__record_seen(r, "project", p->remote_id, p->updated_at))
        return 0;
    if ((error = og_conn__company_tenant(r, p->company_id ? p->company_id : "",
                                         p->company_name ? p->company_name : "", &tenant)) < 0)
        return error; /* the database failed: stop */
    if (!tenant) {
        r->unmapped_n++;
        return 0;
    }
    return og_conn__batch_add(r, p, tenant); /* written with the next ones (sync_batch.c) */
}

/* Write the projects still queued at the end of a pull. */
static void pull_end(og_conn_sync *r)
{
    int error = og_conn__batch_flush(r);
    if (error < 0)
        og_conn__sync_fail(r, error);
}

/*
 * The pull of many projects commits one small transaction per project; with SQLite's
 * synchronous=FULL each commit waits for an fsync of the WAL (27 ms on the benchmark's disk:
 * 10,000 projects would take minutes). While the projects are pulled the connection (held by
 * this sync alone) commits with synchronous=NORMAL: every commit stays atomic and in order,
 * but a power cut may lose the last ones. Nothing of them is acknowledged before the sync's
 * own record: og_conn__sync_finish commits it (and the cursor) with synchronous=FULL again,
 * and that fsync of the WAL makes every earlier commit durable with it. A lost tail is pulled
 * again by the next sync (the cursor did not move). See docs/connectors-sync.md.
 * The pull's projects are written in batches (sync_batch.c), each project under a savepoint of
 * the batch's transaction; SQLite keeps what a savepoint would roll back in a sub-journal, which
 * spills to a temporary file (a copy of database pages in the temporary folder, written and
 * deleted once per transaction) past 64 KiB: with temp_store=MEMORY it stays in memory, bounded
 * by one batch's pages.
 */
static int deferred_sync(og_conn_sync *r, int on)
{
    if (on && og_store_bulk_writes(r->sys.store, 1) < 0) {
        og_error_clear(); /* durable commits stay (SQLite refuses inside a transaction): slower */
        return 0;
    }
    if (!on && og_store_bulk_writes(r->sys.store, 0) < 0)
        og_conn__sync_fail(r, og_error_wrap("connector %s: restoring durable commits", r->c->name));
    return on;
}

int og_conn__sync_run(og_ctx *ctx, og_conn *c, const og_connector_sync_opts *opts, json_t **out)
{
    og_connector_sync_opts dflt = {0};
    og_conn_sync r;
    char comp[64];
    char cursor[OG_TIME_LEN] = "";
    int error;
    if (out)
        *out = NULL;
    if (!opts)
        opts = &dflt;
    memset(&r, 0, sizeof(r));
    r.caller = ctx, r.c = c, r.opts = opts;
    r.sys = *ctx;
    snprintf(comp, sizeof(comp), "connector:%.53s", c->name);
    og_actor_system(&r.sys.actor, comp);
    og_strlcpy(r.trigger, opts->trigger && *opts->trigger ? opts->trigger : "manual",
               sizeof(r.trigger));
    og_actor_label(&ctx->actor, r.triggered_by, sizeof(r.triggered_by));
    r.companies = json_object();
    r.unmapped = json_object();
    if (!r.companies || !r.unmapped) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_conn__mapping_check(json_object_get(c->options, "mapping"))) < 0 ||
        (error = og_conn__sync_begin(&r)) < 0)
        goto cleanup;
    /* The cursor, unless a company was mapped since the last successful sync: its projects
     * were skipped by earlier syncs and would not show up in an incremental pull. */
    if (!opts->full && !opts->remote_id) {
        og_stmt *st = NULL;
        if ((error = og_stmt_prepare_args(
                 &st, ctx->store,
                 "SELECT cursor, CASE WHEN COALESCE((SELECT MAX(mapped_at) FROM "
                 "connector_companies m WHERE m.connector_id = c.id), '') > COALESCE((SELECT "
                 "MAX(started_at) FROM connector_syncs s WHERE s.connector_id = c.id AND "
                 "s.outcome = 'ok'), '') THEN 1 ELSE 0 END "
                 "FROM connectors c WHERE c.id = ?",
                 "t", c->id)) == 0 &&
            og_stmt_step(st) == OG_ROW && og_stmt_col_text(st, 0) && !og_stmt_col_int(st, 1))
            og_strlcpy(cursor, og_stmt_col_text(st, 0), sizeof(cursor));
        og_stmt_free(st);
        if (error < 0)
            goto cleanup;
    }
    if ((error = companies_load(&r)) < 0) {
        og_conn__sync_fail(&r, error);
    } else if (opts->remote_id) {
        if (!c->vendor->project)
            error =
                og_error_set(OG_EINVAL, "a %s connector cannot fetch one project", c->vendor->kind);
        else
            error = c->vendor->project(c, opts->remote_id, on_project, &r);
        pull_end(&r);
        if (error == OG_ENOTFOUND && r.records == 0) {
            /* deleted in the PSA since it was named: nothing to pull, the connector works */
            r.not_found = opts->remote_id;
            og_error_clear();
        } else if (error < 0)
            og_conn__sync_fail(&r, error);
    } else if (c->vendor->category && strcmp(c->vendor->category, "rmm") == 0) {
        if ((error = og_conn__sync_devices(&r, cursor[0] ? cursor : NULL)) < 0)
            og_conn__sync_fail(&r, error); /* devices.c: RMM devices become scan targets */
    } else if (c->vendor->category && strcmp(c->vendor->category, "cloud") == 0) {
        og_conn__sync_cloud(&r); /* cloud.c: app credentials into the inventory, devices */
    } else if (!c->vendor->projects) {
        og_conn__sync_fail(
            &r, og_error_set(OG_EINVAL, "a %s connector pulls no projects", c->vendor->kind));
    } else {
        int deferred = deferred_sync(&r, 1);
        if ((error = c->vendor->projects(c, cursor[0] ? cursor : NULL, on_project, &r)) < 0)
            og_conn__sync_fail(&r, error);
        pull_end(&r);
        if (deferred)
            deferred_sync(&r, 0);
    }
    error = og_conn__sync_finish(&r, r.first_error, out);
cleanup:
    og_conn__batch_free(&r);
    json_decref(r.companies);
    json_decref(r.unmapped);
    return error;
}

int og_connector_sync(og_ctx *ctx, const char *tenant, const char *name,
                      const og_connector_sync_opts *opts, json_t **out)
{
    og_conn *c = NULL;
    int error;
    if (out)
        *out = NULL;
    if ((error = og_conn_load(ctx, tenant, name, OG_PERM_WRITE, &c)) < 0)
        return error;
    error = og_conn__sync_run(ctx, c, opts, out);
    og_conn_free(c);
    return error;
}
