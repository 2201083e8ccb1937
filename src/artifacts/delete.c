/* delete.c - soft delete, undelete and purge of artifacts, with the parts that go with them. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* The artifacts `part_id` is a part of (all of them, or only live ones), except `except_id`:
 * *count of them, and the first few names quoted and joined into names ("'sow.md', 'sow.html'"). */
static int wholes_of(og_ctx *ctx, const char *tenant_id, const char *part_id, int live_only,
                     const char *except_id, char *names, size_t size, int *count)
{
    og_stmt *st = NULL;
    size_t used = 0;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT w.id FROM art_parts p JOIN art_artifacts w"
                                " ON w.id = p.whole_id WHERE p.part_id = ? AND w.id <> ?"
                                " AND (? = 0 OR w.deleted_us IS NULL) ORDER BY w.n");
    *count = 0;
    names[0] = '\0';
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, part_id);
    og_stmt_bind_text(st, 2, except_id ? except_id : "");
    og_stmt_bind_int(st, 3, live_only);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        if (++*count <= 3) {
            art_row w;
            if ((error = og_artifacts__load(ctx, tenant_id, og_stmt_col_text(st, 0), &w)) < 0)
                break;
            int n = snprintf(names + used, size - used, "%s'%s'", used ? ", " : "", w.name);
            if (n > 0 && (size_t)n < size - used)
                used += (size_t)n;
            og_artifacts__row_free(&w);
        }
    }
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (*count > 3 && size - used > 16)
        snprintf(names + used, size - used, " and %d more", *count - 3);
    return 0;
}

/* The ids of the parts of an artifact, appended to ids. */
static int parts_of(og_ctx *ctx, const char *whole_id, json_t *ids)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT p.part_id FROM art_parts p JOIN art_artifacts a"
                                " ON a.id = p.part_id WHERE p.whole_id = ? ORDER BY a.n");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, whole_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(ids, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Mark deleted (deleted_us set) or live again (deleted_us 0), out of or back into the index. */
static int set_deleted(og_ctx *ctx, const char *tenant_id, const art_row *a, int64_t deleted_us,
                       const char *with)
{
    char by[160];
    int error;
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_artifacts__exec(ctx,
                                    "UPDATE art_artifacts SET deleted_us = ?, deleted_by = ?,"
                                    " deleted_with = ? WHERE id = ?",
                                    "Ittt", deleted_us, deleted_us ? by : NULL,
                                    deleted_us ? with : NULL, a->id)) < 0)
        return error;
    return deleted_us ? og_artifacts__index_remove(ctx, a->n)
                      : og_artifacts__reindex(ctx, tenant_id, a);
}

static int audit_deletion(og_ctx *ctx, const art_scope *sc, const art_row *a, const char *action,
                          const char *with)
{
    json_t *analysis = json_pack("{s:s, s:s, s:s}", "project", sc->project.key, "kind", a->kind,
                                 "state", a->state);
    if (with)
        json_object_set_new(analysis, "with", json_string(with));
    return og_artifacts__audit(ctx, sc->tenant_id, action, "artifact", a->id, analysis);
}

int og_artifact_delete(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1, count = 0;
    art_scope sc;
    art_row a, pr;
    json_t *parts = json_array(), *x;
    char why[1400], names[600];
    int64_t now = og_time_now_us();
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto cleanup;
    if ((error = og_artifacts__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be deleted: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    /* A part of a live artifact (a generated document's data snapshot) goes with it, never
     * alone: the document's provenance, and generating from it again, need it. */
    if ((error = wholes_of(ctx, sc.tenant_id, a.id, 1, NULL, names, sizeof(names), &count)) < 0)
        goto cleanup;
    if (count > 0) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' is part of %s (generated from it) and cannot be "
                             "deleted on its own; it is deleted with %s",
                             ref->name, names, count > 1 ? "the last of them" : "it");
        goto cleanup;
    }
    if ((error = set_deleted(ctx, sc.tenant_id, &a, now, NULL)) < 0 ||
        (error = audit_deletion(ctx, &sc, &a, "artifact.delete", NULL)) < 0)
        goto cleanup;
    /* Its parts that no other live artifact holds go with it. */
    if ((error = parts_of(ctx, a.id, parts)) < 0)
        goto cleanup;
    json_array_foreach(parts, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0)
            goto cleanup;
        if (pr.deleted_us)
            goto next;
        if ((error = wholes_of(ctx, sc.tenant_id, pr.id, 1, NULL, names, sizeof(names), &count)) <
            0)
            goto cleanup;
        if (count > 0)
            goto next;
        if ((error = og_artifacts__held(ctx, pr.project_id, pr.id, why, sizeof(why))) < 0)
            goto cleanup;
        if (error == 1) {
            error = og_error_set(OG_ECONFLICT,
                                 "artifact '%s' cannot be deleted: its part '%s' would go with "
                                 "it and is under a %s",
                                 ref->name, pr.name, why);
            goto cleanup;
        }
        if ((error = og_artifacts__lock_check(ctx, pr.id)) < 0) {
            og_error_wrap("artifact '%s' cannot be deleted with its part '%s'", ref->name, pr.name);
            goto cleanup;
        }
        if ((error = set_deleted(ctx, sc.tenant_id, &pr, now, a.id)) < 0 ||
            (error = audit_deletion(ctx, &sc, &pr, "artifact.delete", a.id)) < 0)
            goto cleanup;
    next:
        og_artifacts__row_free(&pr);
    }
    error = 0;
cleanup:
    error = og_store_tx_end(ctx->store, error);
done:
    json_decref(parts);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_undelete(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a, pr;
    og_stmt *st = NULL;
    json_t *with = json_array(), *x;
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (out)
        *out = NULL;
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
    if (!a.deleted_us) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted", ref->name);
        goto cleanup;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    if ((error = set_deleted(ctx, sc.tenant_id, &a, 0, NULL)) < 0 ||
        (error = audit_deletion(ctx, &sc, &a, "artifact.undelete", NULL)) < 0)
        goto cleanup;
    /* The parts its deletion took along come back with it. */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id FROM art_artifacts WHERE deleted_with = ?"
                                 " AND deleted_us IS NOT NULL ORDER BY n")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a.id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(with, json_string(og_stmt_col_text(st, 0)));
    if (error < 0)
        goto cleanup;
    og_stmt_free(st);
    st = NULL;
    json_array_foreach(with, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0 ||
            (error = set_deleted(ctx, sc.tenant_id, &pr, 0, NULL)) < 0 ||
            (error = audit_deletion(ctx, &sc, &pr, "artifact.undelete", a.id)) < 0)
            goto cleanup;
        og_artifacts__row_free(&pr);
    }
    error = 0;
cleanup:
    error = og_store_tx_end(ctx->store, error);
    if (error == 0 && out && og_artifact_show(ctx, ref, out) < 0)
        og_error_clear(); /* undeleted; the caller may show it again */
done:
    og_stmt_free(st);
    json_decref(with);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
    return error;
}

/* Objects that no version of the tenant uses any more after the artifact's versions went. */
static int orphans(og_ctx *ctx, const char *tenant_id, const char *artifact_id, json_t *names)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(
        &st, ctx->store,
        "SELECT DISTINCT v.object FROM art_versions v WHERE v.artifact_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM art_versions w WHERE w.tenant_id = ? AND w.object = v.object"
        " AND w.artifact_id <> v.artifact_id)");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, artifact_id);
    og_stmt_bind_text(st, 2, tenant_id);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(names, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* 1 with why filled when a legal hold or retention keeps a deleted artifact, 0 when not. */
static int purge_blocked(og_ctx *ctx, const art_scope *sc, const art_row *a, char *why,
                         size_t whysz)
{
    og_stmt *st = NULL;
    int error = og_artifacts__held(ctx, a->project_id, a->id, why, whysz);
    if (error != 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT keep_us FROM art_retention WHERE tenant_id = ?"
                                 " AND kind = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, sc->tenant_id);
    og_stmt_bind_text(st, 2, a->kind);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        int64_t keep = og_stmt_col_int(st, 0);
        int64_t start = a->archived_us ? a->archived_us : a->deleted_us;
        error = 0;
        if (og_time_now_us() < start + keep) {
            char t[OG_TIME_LEN];
            og_time_format(start + keep, t);
            snprintf(why, whysz, "under retention until %s (%s kept %lld days after %s)", t,
                     a->kind, (long long)(keep / (24LL * 3600 * 1000000)),
                     a->archived_us ? "archive" : "deletion, as it was never archived");
            error = 1;
        }
    } else if (error == OG_DONE) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

/* Remove a deleted artifact's rows and the objects only it used (their names appended to
 * gone, for the files to go after the commit), and audit it. */
static int purge_rows(og_ctx *ctx, const art_scope *sc, const art_row *a, const char *with,
                      json_t *gone)
{
    int error;
    size_t i, first = json_array_size(gone);
    json_t *x, *analysis = NULL;
    if ((error = orphans(ctx, sc->tenant_id, a->id, gone)) < 0)
        return error;
    if ((error = og_artifacts__index_remove(ctx, a->n)) < 0)
        return error;
    if ((error = og_artifacts__exec(ctx, "DELETE FROM art_versions WHERE artifact_id = ?", "t",
                                    a->id)) < 0 ||
        (error = og_artifacts__exec(ctx, "DELETE FROM art_locks WHERE artifact_id = ?", "t",
                                    a->id)) < 0 ||
        (error = og_artifacts__exec(ctx, "DELETE FROM art_parts WHERE whole_id = ? OR part_id = ?",
                                    "tt", a->id, a->id)) < 0 ||
        (error = og_artifacts__exec(ctx, "DELETE FROM art_artifacts WHERE id = ?", "t", a->id)) < 0)
        return error;
    for (i = first; i < json_array_size(gone); i++) {
        x = json_array_get(gone, i);
        if ((error =
                 og_artifacts__exec(ctx, "DELETE FROM art_objects WHERE tenant_id = ? AND name = ?",
                                    "tt", sc->tenant_id, json_string_value(x))) < 0)
            return error;
    }
    analysis = json_pack("{s:s, s:s, s:I, s:I}", "project", sc->project.key, "kind", a->kind,
                         "versions", (json_int_t)a->latest, "objects_removed",
                         (json_int_t)(json_array_size(gone) - first));
    if (with)
        json_object_set_new(analysis, "with", json_string(with));
    return og_artifacts__audit(ctx, sc->tenant_id, "artifact.purge", "artifact", a->id, analysis);
}

int og_artifact_purge(og_ctx *ctx, const og_artifact_ref *ref)
{
    int error = -1, count = 0;
    art_scope sc;
    art_row a, pr;
    json_t *gone = json_array(), *parts = json_array(), *x;
    char why[1400], names[600];
    size_t i;
    memset(&a, 0, sizeof(a));
    memset(&pr, 0, sizeof(pr));
    if (!ref) {
        error = og_error_set(OG_EINVAL, "missing artifact");
        goto done;
    }
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_ADMIN, &sc)) < 0)
        goto done;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto done;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 1, &a)) < 0)
        goto cleanup;
    if (!a.deleted_us) {
        error =
            og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted; delete it first", ref->name);
        goto cleanup;
    }
    if ((error = purge_blocked(ctx, &sc, &a, why, sizeof(why))) < 0)
        goto cleanup;
    if (error == 1) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be purged: %s", ref->name, why);
        goto cleanup;
    }
    if ((error = wholes_of(ctx, sc.tenant_id, a.id, 0, NULL, names, sizeof(names), &count)) < 0)
        goto cleanup;
    if (count > 0) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' is part of %s (generated from it) and cannot be "
                             "purged on its own; it is purged with %s",
                             ref->name, names, count > 1 ? "the last of them" : "it");
        goto cleanup;
    }
    if ((error = parts_of(ctx, a.id, parts)) < 0 ||
        (error = purge_rows(ctx, &sc, &a, NULL, gone)) < 0)
        goto cleanup;
    /* Its deleted parts that nothing else holds go too, unless a hold or retention keeps them:
     * those stay deleted, on their own, to be purged when they may. */
    json_array_foreach(parts, i, x)
    {
        if ((error = og_artifacts__load(ctx, sc.tenant_id, json_string_value(x), &pr)) < 0)
            goto cleanup;
        if (pr.deleted_us &&
            (error = wholes_of(ctx, sc.tenant_id, pr.id, 0, NULL, names, sizeof(names), &count)) ==
                0 &&
            count == 0 && (error = purge_blocked(ctx, &sc, &pr, why, sizeof(why))) == 0)
            error = purge_rows(ctx, &sc, &pr, a.id, gone);
        if (error < 0)
            goto cleanup;
        og_artifacts__row_free(&pr);
    }
    error = 0;
cleanup:
    /* Once the rows are gone for good, the files. A crash between leaves unreferenced
     * ciphertext, which nothing can name any more. */
    if ((error = og_store_tx_end(ctx->store, error)) == 0)
        json_array_foreach(gone, i, x)
            og_artifacts__obj_unlink(ctx, sc.tenant_id, json_string_value(x));
done:
    json_decref(gone);
    json_decref(parts);
    og_artifacts__row_free(&pr);
    og_artifacts__row_free(&a);
    return error;
}
