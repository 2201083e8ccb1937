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

/* The first column of sql's rows (text ids or names; its parameters a and, unless NULL, b)
 * appended to out. */
static int texts_of(og_ctx *ctx, const char *sql, const char *a, const char *b, json_t *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, a);
    if (b)
        og_stmt_bind_text(st, 2, b);
    while ((error = og_stmt_step(st)) == OG_ROW)
        json_array_append_new(out, json_string(og_stmt_col_text(st, 0)));
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* The start of delete, undelete and purge: the artifact (soft-deleted ones too when deleted != 0)
 * found inside a transaction now open. On failure nothing is left open. */
static int removal_begin(og_ctx *ctx, const og_artifact_ref *ref, og_artifact_right need,
                         int deleted, art_scope *sc, art_row *a)
{
    int error;
    memset(a, 0, sizeof(*a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, need, sc)) < 0 ||
        (error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, sc, ref->name, deleted, a)) < 0)
        og_store_tx_end(ctx->store, error);
    return error;
}

/* OG_ECONFLICT when the artifact is a part of another one (a live one when live_only): it is
 * `done` ("deleted", "purged") only with that one. */
static int whole_check(og_ctx *ctx, const art_scope *sc, const art_row *a, int live_only,
                       const char *done)
{
    char names[600];
    int count = 0;
    int error = wholes_of(ctx, sc->tenant_id, a->id, live_only, NULL, names, sizeof(names), &count);
    if (error < 0 || count == 0)
        return error;
    return og_error_set(OG_ECONFLICT,
                        "artifact '%s' is part of %s (generated from it) and cannot be %s on its "
                        "own; it is %s with %s",
                        a->name, names, done, done, count > 1 ? "the last of them" : "it");
}

/* Mark deleted (deleted_us set, with the artifact whose deletion took it along, or NULL) or live
 * again (deleted_us 0), out of or back into the index, and audit it (with naming that artifact). */
static int set_deleted(og_ctx *ctx, const art_scope *sc, const art_row *a, int64_t deleted_us,
                       const char *with)
{
    char by[160];
    int error;
    og_actor_label(&ctx->actor, by, sizeof(by));
    if ((error = og_artifacts__exec(ctx,
                                    "UPDATE art_artifacts SET deleted_us = ?, deleted_by = ?,"
                                    " deleted_with = ? WHERE id = ?",
                                    "Ittt", deleted_us, deleted_us ? by : NULL,
                                    deleted_us ? with : NULL, a->id)) < 0 ||
        (error = deleted_us ? og_artifacts__index_remove(ctx, a->n)
                            : og_artifacts__reindex(ctx, sc->tenant_id, a)) < 0)
        return error;
    json_t *analysis = json_pack("{s:s, s:s, s:s}", "project", sc->project.key, "kind", a->kind,
                                 "state", a->state);
    if (with)
        json_object_set_new(analysis, "with", json_string(with));
    return og_artifacts__audit(ctx, sc->tenant_id,
                               deleted_us ? "artifact.delete" : "artifact.undelete", "artifact",
                               a->id, analysis);
}

/* Load the part part_id of a whole being removed into pr (the caller frees it): 1 when it goes
 * with the whole, because it is live (deleted, for a purge) and no other artifact (live one, for a
 * deletion) holds it; 0 when it stays. */
static int part_goes(og_ctx *ctx, const art_scope *sc, const char *part_id, int deleted,
                     art_row *pr)
{
    char names[600];
    int count = 0;
    int error = og_artifacts__load(ctx, sc->tenant_id, part_id, pr);
    if (error < 0 || !pr->deleted_us != !deleted)
        return error < 0 ? error : 0;
    error = wholes_of(ctx, sc->tenant_id, pr->id, !deleted, NULL, names, sizeof(names), &count);
    return error < 0 ? error : count == 0;
}

/* The parts of an artifact (its one parameter), in the order they were made. */
#define PARTS_OF                                                                                   \
    "SELECT p.part_id FROM art_parts p JOIN art_artifacts a ON a.id = p.part_id"                   \
    " WHERE p.whole_id = ? ORDER BY a.n"

typedef int (*part_fn)(og_ctx *ctx, const art_scope *sc, const art_row *whole, const char *id,
                       const void *arg);

/* fn on each artifact id that sql (its one parameter the whole's id) returns, up to an error. */
static int each_part(og_ctx *ctx, const art_scope *sc, const art_row *whole, const char *sql,
                     part_fn fn, const void *arg)
{
    json_t *ids = json_array(), *x;
    size_t i;
    int error = texts_of(ctx, sql, whole->id, NULL, ids);
    json_array_foreach(ids, i, x)
    {
        if (error < 0)
            break;
        error = fn(ctx, sc, whole, json_string_value(x), arg);
    }
    json_decref(ids);
    return error;
}

/* A part that the whole's deletion took along comes back with it. */
static int undelete_part(og_ctx *ctx, const art_scope *sc, const art_row *whole,
                         const char *part_id, const void *arg)
{
    art_row pr;
    int error = og_artifacts__load(ctx, sc->tenant_id, part_id, &pr);
    (void)arg;
    if (error < 0)
        return error;
    error = set_deleted(ctx, sc, &pr, 0, whole->id);
    og_artifacts__row_free(&pr);
    return error;
}

/* A part of a deleted artifact goes with it unless it is deleted already or another live
 * artifact holds it; a hold or a lock on it refuses the whole deletion. */
static int delete_part(og_ctx *ctx, const art_scope *sc, const art_row *whole, const char *part_id,
                       const void *arg)
{
    int64_t now = *(const int64_t *)arg;
    art_row pr;
    char why[1400];
    int error = part_goes(ctx, sc, part_id, 0, &pr);
    if (error <= 0)
        goto cleanup;
    if ((error = og_artifacts__held(ctx, pr.project_id, pr.id, why, sizeof(why))) == 1) {
        error = og_error_set(OG_ECONFLICT,
                             "artifact '%s' cannot be deleted: its part '%s' would go with "
                             "it and is under a %s",
                             whole->name, pr.name, why);
        goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    if ((error = og_artifacts__lock_check(ctx, pr.id)) < 0) {
        og_error_wrap("artifact '%s' cannot be deleted with its part '%s'", whole->name, pr.name);
        goto cleanup;
    }
    error = set_deleted(ctx, sc, &pr, now, whole->id);
cleanup:
    og_artifacts__row_free(&pr);
    return error < 0 ? error : 0;
}

int og_artifact_delete(og_ctx *ctx, const og_artifact_ref *ref)
{
    art_scope sc;
    art_row a;
    char why[1400];
    int64_t now = og_time_now_us();
    int error = removal_begin(ctx, ref, OG_RIGHT_WRITE, 0, &sc, &a);
    if (error < 0)
        return error;
    if ((error = og_artifacts__held(ctx, a.project_id, a.id, why, sizeof(why))) == 1)
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be deleted: %s", a.name, why);
    /* A part of a live artifact (a generated document's data snapshot) goes with it, never
     * alone: the document's provenance, and generating from it again, need it. */
    if (error < 0 || (error = og_artifacts__lock_check(ctx, a.id)) < 0 ||
        (error = whole_check(ctx, &sc, &a, 1, "deleted")) < 0 ||
        (error = set_deleted(ctx, &sc, &a, now, NULL)) < 0)
        goto end;
    /* Its parts that no other live artifact holds go with it. */
    error = each_part(ctx, &sc, &a, PARTS_OF, delete_part, &now);
end:
    error = og_store_tx_end(ctx->store, error);
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}

int og_artifact_undelete(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    art_scope sc;
    art_row a;
    int error;
    if (out)
        *out = NULL;
    if ((error = removal_begin(ctx, ref, OG_RIGHT_WRITE, 1, &sc, &a)) < 0)
        return error;
    if (!a.deleted_us) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted", a.name);
        goto end;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0 ||
        (error = set_deleted(ctx, &sc, &a, 0, NULL)) < 0)
        goto end;
    /* The parts its deletion took along come back with it. */
    error = each_part(ctx, &sc, &a,
                      "SELECT id FROM art_artifacts WHERE deleted_with = ?"
                      " AND deleted_us IS NOT NULL ORDER BY n",
                      undelete_part, NULL);
end:
    error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && out && og_artifact_show(ctx, ref, out) < 0)
        og_error_clear(); /* undeleted; the caller may show it again */
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}

/* Objects that no version of the tenant uses any more after the artifact's versions went. */
static int orphans(og_ctx *ctx, const char *tenant_id, const char *artifact_id, json_t *names)
{
    return texts_of(
        ctx,
        "SELECT DISTINCT v.object FROM art_versions v WHERE v.artifact_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM art_versions w WHERE w.tenant_id = ? AND w.object = v.object"
        " AND w.artifact_id <> v.artifact_id)",
        artifact_id, tenant_id, names);
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
        (error = og_artifacts__exec(ctx, "DELETE FROM art_published WHERE artifact_id = ?", "t",
                                    a->id)) < 0 ||
        (error = og_artifacts__exec(ctx, "DELETE FROM art_parts WHERE whole_id = ? OR part_id = ?",
                                    "tt", a->id, a->id)) < 0 ||
        (error = og_artifacts__exec(ctx, "DELETE FROM art_artifacts WHERE id = ?", "t", a->id)) < 0)
        return error;
    for (i = first; i < json_array_size(gone); i++) {
        x = json_array_get(gone, i);
        if ((error = og_artifacts__obj_forget(ctx, sc->tenant_id, json_string_value(x))) < 0 ||
            (error =
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

/* A deleted part of a purged artifact goes too, unless another artifact holds it or a hold or
 * retention keeps it: then it stays deleted, on its own, to be purged when it may. */
static int purge_part(og_ctx *ctx, const art_scope *sc, const art_row *whole, const char *part_id,
                      json_t *gone)
{
    art_row pr;
    char why[1400];
    int error = part_goes(ctx, sc, part_id, 1, &pr);
    if (error == 1 && (error = purge_blocked(ctx, sc, &pr, why, sizeof(why))) == 0)
        error = purge_rows(ctx, sc, &pr, whole->id, gone);
    og_artifacts__row_free(&pr);
    return error < 0 ? error : 0;
}

int og_artifact_purge(og_ctx *ctx, const og_artifact_ref *ref)
{
    art_scope sc;
    art_row a;
    json_t *gone = json_array(), *parts = json_array(), *x;
    char why[1400];
    size_t i;
    int error = removal_begin(ctx, ref, OG_RIGHT_ADMIN, 1, &sc, &a);
    if (error < 0)
        goto done;
    if (!a.deleted_us) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is not deleted; delete it first", a.name);
        goto end;
    }
    if ((error = purge_blocked(ctx, &sc, &a, why, sizeof(why))) == 1)
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot be purged: %s", a.name, why);
    if (error < 0 || (error = whole_check(ctx, &sc, &a, 0, "purged")) < 0 ||
        (error = texts_of(ctx, PARTS_OF, a.id, NULL, parts)) < 0 ||
        (error = purge_rows(ctx, &sc, &a, NULL, gone)) < 0)
        goto end;
    json_array_foreach(parts, i, x)
    {
        if ((error = purge_part(ctx, &sc, &a, json_string_value(x), gone)) < 0)
            break;
    }
end:
    /* Once the rows are gone for good, the files. A crash between leaves unreferenced
     * ciphertext, which nothing can name any more. */
    if ((error = og_store_tx_end(ctx->store, error)) >= 0)
        json_array_foreach(gone, i, x)
            og_artifacts__obj_unlink(ctx, sc.tenant_id, json_string_value(x));
    og_artifacts__row_free(&a);
done:
    json_decref(gone);
    json_decref(parts);
    return error < 0 ? error : 0;
}
