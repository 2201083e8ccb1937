/* read.c - reading artifacts: verified streamed content, list, show and the version log. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct og_artifact_reader {
    og_buf mem; /* small contents, verified in full */
    size_t pos;
    art_obj_reader *r; /* large contents: the second, releasing pass */
};

static int sha_from_hex(const char *hex, uint8_t sha[32])
{
    if (og_hex_decode(hex, sha, 32) != 32)
        return og_error_set(OG_ECORRUPT, "bad stored SHA-256");
    return 0;
}

int og_artifact_get_open(og_artifact_reader **out, og_ctx *ctx, const og_artifact_ref *ref,
                         int64_t version, og_artifact_version *info)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_artifact_version v;
    char object[65];
    uint8_t sha[32];
    art_obj_reader *check = NULL;
    og_artifact_reader *rd = NULL;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (version < 0)
        return og_error_set(OG_EINVAL, "bad version number %lld (1 or more)", (long long)version);
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    /* Client viewers see what was published: the latest version, not the drafts before it. */
    if (sc.published_only && version != 0 && version != a.latest) {
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld", ref->name,
                             (long long)version);
        goto cleanup;
    }
    if ((error = og_artifacts__version(ctx, sc.tenant_id, &a, version, &v, object)) < 0)
        goto cleanup;
    if ((error = sha_from_hex(v.sha256, sha)) < 0)
        goto cleanup;
    if (!(rd = calloc(1, sizeof(*rd)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (v.size <= ART_SMALL_OBJECT) {
        og_buf_init(&rd->mem, ART_SMALL_OBJECT);
        if ((error = og_artifacts__obj_read_all(ctx, sc.tenant_id, object, sha, v.size, &rd->mem)) <
            0)
            goto cleanup;
    } else {
        /* First pass: check everything, release nothing. */
        uint8_t *tmp = malloc(65536);
        size_t got = 0;
        if (!tmp) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        error = og_artifacts__obj_reader_open(&check, ctx, sc.tenant_id, object, sha, v.size);
        /* Without a data folder the bytes are rows: the second pass reads the first's copy, so
         * that the reader needs no store after open. */
        if (error == 0)
            error = og_artifacts__obj_reader_keep(check);
        while (error == 0 &&
               (error = og_artifacts__obj_reader_read(check, tmp, 65536, &got)) == 0 && got)
            ;
        free(tmp);
        if (error < 0)
            goto cleanup;
        if ((error = og_artifacts__obj_reader_again(&rd->r, check, ctx)) < 0)
            goto cleanup;
    }
    if (info)
        *info = v;
    *out = rd;
    rd = NULL;
    error = 0;
cleanup:
    og_artifacts__obj_reader_free(check);
    og_artifact_get_close(rd);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_get_read(og_artifact_reader *r, void *buf, size_t cap, size_t *got)
{
    if (r->r)
        return og_artifacts__obj_reader_read(r->r, buf, cap, got);
    size_t n = r->mem.len - r->pos < cap ? r->mem.len - r->pos : cap;
    if (n)
        memcpy(buf, r->mem.data + r->pos, n);
    r->pos += n;
    *got = n;
    return 0;
}

void og_artifact_get_close(og_artifact_reader *r)
{
    if (!r)
        return;
    if (r->mem.data)
        og_crypto_wipe(r->mem.data, r->mem.len);
    og_buf_free(&r->mem);
    og_artifacts__obj_reader_free(r->r);
    free(r);
}

/* ---- list, show, log ---- */

static int cmp_entries(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int c = strcmp(json_string_value(json_object_get(a, "project")),
                   json_string_value(json_object_get(b, "project")));
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(a, "name")),
                  json_string_value(json_object_get(b, "name")));
}

int og_artifact_list(og_ctx *ctx, const char *tenant, const char *project, int include_deleted,
                     json_t **out)
{
    int error = -1;
    og_stmt *st = NULL, *pst = NULL;
    char tenant_id[OG_ID_LEN];
    json_t **items = NULL;
    size_t n = 0, cap = 0;
    art_scope sc, one;
    memset(&one, 0, sizeof(one));
    if (project) {
        if ((error = og_artifacts__scope(ctx, tenant, project, OG_RIGHT_READ, &one)) < 0)
            return error;
        og_strlcpy(tenant_id, one.tenant_id, sizeof(tenant_id));
    } else if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0) {
        return error;
    }
    if ((error = og_stmt_prepare(&pst, ctx->store,
                                 "SELECT id, key FROM art_projects WHERE tenant_id = ?"
                                 " AND (CAST(? AS TEXT) IS NULL OR id = ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(pst, 1, tenant_id);
    og_stmt_bind_text(pst, 2, project ? one.project.id : NULL);
    og_stmt_bind_text(pst, 3, project ? one.project.id : NULL);
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "SELECT " ART_ROW_COLS ", v.size, v.media_type FROM art_artifacts a"
                             " LEFT JOIN art_versions v ON v.artifact_id = a.id"
                             " AND v.number = a.latest WHERE a.project_id = ?")) < 0)
        goto cleanup;
    while ((error = og_stmt_step(pst)) == OG_ROW) {
        memset(&sc, 0, sizeof(sc));
        og_strlcpy(sc.tenant_id, tenant_id, sizeof(sc.tenant_id));
        og_strlcpy(sc.project.id, og_stmt_col_text(pst, 0), sizeof(sc.project.id));
        og_strlcpy(sc.project.key, og_stmt_col_text(pst, 1), sizeof(sc.project.key));
        if ((error = og_artifacts__right(ctx, tenant_id, sc.project.id, &sc.right, NULL, 0)) < 0)
            goto cleanup;
        if (sc.right == OG_RIGHT_NONE)
            continue;
        sc.published_only =
            ctx->actor.kind == OG_ACTOR_USER && ctx->actor.role == OG_ROLE_CLIENT_VIEWER;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, sc.project.id);
        while ((error = og_stmt_step(st)) == OG_ROW) {
            art_row a;
            if ((error = og_artifacts__row_from_stmt(ctx, tenant_id, st, &a)) < 0)
                goto cleanup;
            int show = !(a.deleted_us && !(include_deleted && sc.right >= OG_RIGHT_WRITE)) &&
                       !(sc.published_only && strcmp(a.state, "published") != 0);
            if (show) {
                json_t *j = og_artifacts__row_json(&a, &sc);
                json_object_set_new(j, "size", json_integer(og_stmt_col_int(st, 12)));
                const char *mt = og_stmt_col_text(st, 13);
                json_object_set_new(j, "media_type", json_string(mt ? mt : ""));
                if (n == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    json_t **ni = realloc(items, ncap * sizeof(*ni));
                    if (!ni) {
                        json_decref(j);
                        og_artifacts__row_free(&a);
                        error = og_error_set(OG_ERROR, "out of memory");
                        goto cleanup;
                    }
                    items = ni;
                    cap = ncap;
                }
                items[n++] = j;
            }
            og_artifacts__row_free(&a);
        }
        if (error < 0)
            goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    if (n > 1)
        qsort(items, n, sizeof(*items), cmp_entries);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, items[i]);
    n = 0;
    error = 0;
cleanup:
    for (size_t i = 0; i < n; i++)
        json_decref(items[i]);
    free(items);
    og_stmt_free(st);
    og_stmt_free(pst);
    return error;
}

int og_artifact_show(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_artifact_version v;
    og_stmt *st = NULL;
    char why[512];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, sc.right >= OG_RIGHT_WRITE, &a)) < 0)
        return error;
    json_t *j = og_artifacts__row_json(&a, &sc);
    if (a.latest && (error = og_artifacts__version(ctx, sc.tenant_id, &a, 0, &v, NULL)) == 0) {
        json_t *lv = og_artifact_version_to_json(&v), *prop = NULL;
        json_object_set_new(j, "latest_version", lv);
        /* the classifier's proposal (docs/artifacts.md "Indexing"), for the project's team */
        if (!sc.published_only &&
            (error = og_artifacts__proposal_get(ctx, sc.tenant_id, a.id, v.number, &prop)) < 0)
            goto cleanup;
        if (prop)
            json_object_set_new(lv, "proposal", prop);
    } else if (error < 0)
        goto cleanup;
    if (!sc.published_only) {
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "SELECT owner_label, expires_us FROM art_locks"
                                     " WHERE artifact_id = ? AND expires_us > ?")) < 0)
            goto cleanup;
        og_stmt_bind_text(st, 1, a.id);
        og_stmt_bind_int(st, 2, og_time_now_us());
        if ((error = og_stmt_step(st)) == OG_ROW) {
            char t[OG_TIME_LEN];
            og_time_format(og_stmt_col_int(st, 1), t);
            json_object_set_new(
                j, "lock",
                json_pack("{s:s, s:s}", "owner", og_stmt_col_text(st, 0), "expires_at", t));
        }
        if (error < 0)
            goto cleanup;
        if ((error = og_artifacts__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
            goto cleanup;
        if (error == 1)
            json_object_set_new(j, "legal_hold", json_string(why));
    }
    *out = j;
    j = NULL;
    error = 0;
cleanup:
    json_decref(j);
    og_stmt_free(st);
    og_artifacts__row_free(&a);
    return error;
}

static json_t *log_row_json(og_stmt *st, void *arg)
{
    art_rows *la = arg;
    og_artifact_version v;
    if ((la->error = og_artifacts__version_from_stmt(la->ctx, la->tenant_id, st, &v, NULL)) < 0)
        return NULL;
    return og_artifact_version_to_json(&v);
}

int og_artifact_log(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    art_rows la = {ctx, NULL, 0};
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    la.tenant_id = sc.tenant_id;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ART_VERSION_COLS " FROM art_versions"
                                 " WHERE artifact_id = ? AND (? = 0 OR number = ?)"
                                 " ORDER BY number DESC")) == 0) {
        og_stmt_bind_text(st, 1, a.id);
        og_stmt_bind_int(st, 2, sc.published_only);
        og_stmt_bind_int(st, 3, a.latest);
        error = og_artifacts__collect(st, log_row_json, &la, out);
    }
    og_stmt_free(st);
    og_artifacts__row_free(&a);
    return error;
}
