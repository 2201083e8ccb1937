/* put.c - a new version of an artifact: streamed in, stored once by content, indexed and audited
 * in one transaction; the classifier's proposal is made before it and stored in it. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct og_artifact_put {
    og_ctx *ctx;
    art_scope sc;
    art_keys keys; /* the tenant's module keys, loaded once; wiped on free */
    char name[OG_ARTIFACT_NAME_MAX + 1];
    char name_mac[65]; /* the name's keyed hash in its project (art_artifacts.name_mac) */
    char kind[16];
    char media[128]; /* "" until known */
    char message[OG_ARTIFACT_MSG_MAX + 1];
    char part[OG_ARTIFACT_NAME_MAX + 1]; /* "" = none */
    json_t *meta;                        /* NULL = keep */
    art_obj_writer *w;
    art_tok *tok;
    uint64_t tokenized;
    uint8_t head[512];
    size_t headlen;
    char prev_id[OG_ID_LEN]; /* the artifact when the upload began ("" when new) */
    int64_t prev_latest;     /* and its latest version then, whose proposal may be reused */
    og_buf doc;              /* the content while the classifier may read it (ART_CLASSIFY_MAX) */
    int doc_over;            /* larger: no proposal */
    int failed;
    int finished;
};

/* What a version's checks read of the artifact it goes to, in one statement with its row. */
typedef struct put_row {
    art_row a;
    char lock_key[160]; /* the holder of a live lock; "" when none */
    char lock_label[160];
    int64_t lock_until;
    char latest_obj[65]; /* the latest version's object name; "" when none */
} put_row;

/* The join key of the scoped transaction of a version (og_store_tx_begin_scope): one artifact
 * (by project and keyed name), so versions of different artifacts are added side by side. */
void og_artifacts__write_key(const char *project_id, const char mac[65], char out[ART_WRITE_KEY])
{
    snprintf(out, ART_WRITE_KEY, "artifact:%s:%s", project_id, mac);
}

/* The artifact named p->name (deleted ones too) with its live lock and latest object, into *r;
 * OG_ENOTFOUND when there is none (or none the actor may see). */
static int put_row_find(og_artifact_put *p, put_row *r)
{
    og_ctx *ctx = p->ctx;
    og_stmt *st = NULL;
    int error;
    memset(r, 0, sizeof(*r));
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "SELECT " ART_ROW_COLS ", l.owner_key, l.owner_label, l.expires_us,"
                             " v.object FROM art_artifacts a"
                             " LEFT JOIN art_locks l ON l.artifact_id = a.id"
                             " AND l.expires_us > ?"
                             " LEFT JOIN art_versions v ON v.artifact_id = a.id"
                             " AND v.number = a.latest"
                             " WHERE a.project_id = ? AND a.name_mac = ?")) < 0)
        return error;
    og_stmt_bind_int(st, 1, og_time_now_us());
    og_stmt_bind_text(st, 2, p->sc.project.id);
    og_stmt_bind_text(st, 3, p->name_mac);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = OG_ENOTFOUND;
        goto cleanup;
    }
    if ((error = og_artifacts__row_from_stmt(ctx, p->sc.tenant_id, st, &r->a)) < 0)
        goto cleanup;
    if (!og_stmt_col_is_null(st, 12)) {
        og_strlcpy(r->lock_key, og_stmt_col_text(st, 12), sizeof(r->lock_key));
        og_strlcpy(r->lock_label, og_stmt_col_text(st, 13), sizeof(r->lock_label));
        r->lock_until = og_stmt_col_int(st, 14);
    }
    if (!og_stmt_col_is_null(st, 15))
        og_strlcpy(r->latest_obj, og_stmt_col_text(st, 15), sizeof(r->latest_obj));
    error = 0;
    if (p->sc.published_only && (strcmp(r->a.state, "published") != 0 || r->a.deleted_us)) {
        og_artifacts__row_free(&r->a);
        error = OG_ENOTFOUND;
    }
cleanup:
    og_stmt_free(st);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_ENOTFOUND, "artifact '%s' not found in project '%s'", p->name,
                            p->sc.project.key);
    return error;
}

/* og_artifacts__writable on what put_row_find read. */
static int put_row_writable(og_artifact_put *p, const put_row *r, const char *kind)
{
    int error = og_artifacts__writable_state(&r->a, kind, p->name);
    if (error == 0 && r->lock_key[0])
        error =
            og_artifacts__lock_conflict(p->ctx, r->lock_key, r->lock_label, r->lock_until, NULL);
    return error;
}

/* Record that `part` (by name, same project) is part of artifact a: it goes with a from now on. */
static int link_part(og_ctx *ctx, const art_scope *sc, const art_keys *k, const art_row *a,
                     const char *part)
{
    og_stmt *st = NULL;
    art_row pr;
    int error = og_artifacts__find_k(ctx, sc, part, 0, k, &pr);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_EINVAL, "part '%s' of artifact '%s' not found in project '%s'", part,
                            a->name, sc->project.key);
    if (error < 0)
        return error;
    if (strcmp(pr.id, a->id) == 0) {
        error = og_error_set(OG_EINVAL, "artifact '%s' cannot be a part of itself", a->name);
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_parts (whole_id, part_id, tenant_id)"
                                 " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_text(st, 2, pr.id);
    og_stmt_bind_text(st, 3, sc->tenant_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    og_artifacts__row_free(&pr);
    return error;
}

int og_artifacts__meta_parse(const char *text, json_t **out)
{
    json_error_t jerr;
    *out = NULL;
    if (!text)
        return 0;
    if (strlen(text) > OG_ARTIFACT_META_MAX)
        return og_error_set(OG_ETOOBIG, "metadata is over %d bytes", OG_ARTIFACT_META_MAX);
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return og_error_set(OG_EINVAL, "bad metadata JSON at line %d column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return og_error_set(OG_EINVAL, "metadata must be a JSON object, got '%.40s'", text);
    }
    *out = j;
    return 0;
}

/* The checks shared by begin and finish: the artifact may take a new version from this actor. */
int og_artifacts__writable(og_ctx *ctx, const art_row *a, const char *kind, const char *name)
{
    int error = og_artifacts__writable_state(a, kind, name);
    if (error == 0)
        error = og_artifacts__lock_check(ctx, a->id);
    return error;
}

int og_artifacts__writable_state(const art_row *a, const char *kind, const char *name)
{
    if (a->deleted_us)
        return og_error_set(
            OG_ECONFLICT,
            "artifact '%s' is deleted; undelete it (artifact undelete), purge it or "
            "choose another name",
            name);
    if (kind && *kind && strcmp(kind, a->kind) != 0)
        return og_error_set(OG_EINVAL, "artifact '%s' is a %s, not a %s", name, a->kind, kind);
    if (strcmp(a->state, "draft") != 0)
        return og_error_set(OG_ECONFLICT,
                            "artifact '%s' is %s: new versions go to drafts only (set-state "
                            "draft first)",
                            name, a->state);
    return 0;
}

/* Whether the classifier may read this upload, so its content is kept until finish: a format it
 * knows by media type or name; with no media type, one whose first bytes (what finish sniffs the
 * type from) are not all here yet or sniff as such a format; an octet-stream whose first bytes are
 * not yet known or are a PDF's or a DOCX's. Anything else (a binary upload) keeps nothing: memory
 * stays flat. */
static bool doc_may_classify(const og_artifact_put *p)
{
    if (og_artifacts__classifiable(p->media) ||
        og_artifacts__classifiable(og_artifacts__media_by_name(p->name)))
        return true;
    if (!p->media[0])
        return p->headlen < sizeof(p->head) ||
               og_artifacts__classifiable(og_artifacts__media_sniff(p->head, p->headlen));
    if (strcmp(p->media, "application/octet-stream") != 0)
        return false;
    if (p->headlen < 5)
        return true;
    return memcmp(p->head, "%PDF-", 5) == 0 || memcmp(p->head, "PK\x03\x04", 4) == 0;
}

static void doc_drop(og_artifact_put *p)
{
    p->doc_over = 1;
    if (p->doc.data)
        og_crypto_wipe(p->doc.data, p->doc.len);
    og_buf_free(&p->doc);
}

int og_artifact_put_begin(og_artifact_put **out, og_ctx *ctx, const og_artifact_ref *ref,
                          const og_artifact_put_opts *opts)
{
    int error = -1;
    put_row r;
    og_artifact_put *p = NULL;
    og_artifact_put_opts none;
    memset(&r, 0, sizeof(r));
    memset(&none, 0, sizeof(none));
    if (!opts)
        opts = &none;
    og_artifacts_register_kinds();
    if (opts->kind && !og_artifact_kind_valid(opts->kind))
        return og_error_set(OG_EINVAL,
                            "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                            "other)",
                            opts->kind);
    if (opts->media_type && !og_artifacts__media_valid(opts->media_type))
        return og_error_set(OG_EINVAL, "bad media type '%s' (like text/markdown)",
                            opts->media_type);
    if (opts->message && strlen(opts->message) > OG_ARTIFACT_MSG_MAX)
        return og_error_set(OG_ETOOBIG, "the message is over %d bytes", OG_ARTIFACT_MSG_MAX);
    if ((error = og_name_check("artifact name", ref ? ref->name : NULL, OG_ARTIFACT_NAME_MAX)) < 0)
        return error;
    if (!ref || !og_artifacts__name_valid(ref->name))
        return og_error_set(OG_EINVAL,
                            "bad artifact name '%s' (1 to %d bytes, no control characters, "
                            "slashes or surrounding spaces)",
                            ref && ref->name ? ref->name : "", OG_ARTIFACT_NAME_MAX);
    if (opts->part && (!og_artifacts__name_valid(opts->part) || strcmp(opts->part, ref->name) == 0))
        return og_error_set(OG_EINVAL, "bad part '%s' of artifact '%s' (another artifact's name)",
                            opts->part, ref->name);
    if (!(p = calloc(1, sizeof(*p))))
        return og_error_set(OG_ERROR, "out of memory");
    p->ctx = ctx;
    if (opts->part)
        og_strlcpy(p->part, opts->part, sizeof(p->part));
    if ((error = og_artifacts__meta_parse(opts->metadata, &p->meta)) < 0)
        goto cleanup;
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &p->sc)) < 0)
        goto cleanup;
    if ((error = og_artifacts__keys(ctx, p->sc.tenant_id, 1, &p->keys)) < 0 ||
        (error = og_artifacts__mac_hex(p->keys.name, p->sc.project.id, ref->name, p->name_mac)) < 0)
        goto cleanup;
    og_strlcpy(p->name, ref->name, sizeof(p->name));
    /* a doomed upload fails before its first byte (finish checks all again) */
    error = put_row_find(p, &r);
    if (error == 0) {
        if ((error = put_row_writable(p, &r, opts->kind)) < 0)
            goto cleanup;
        og_strlcpy(p->kind, r.a.kind, sizeof(p->kind));
        og_strlcpy(p->prev_id, r.a.id, sizeof(p->prev_id));
        p->prev_latest = r.a.latest;
    } else if (error == OG_ENOTFOUND) {
        og_error_clear();
        og_strlcpy(p->kind, opts->kind ? opts->kind : "other", sizeof(p->kind));
    } else {
        goto cleanup;
    }
    og_strlcpy(p->message, opts->message ? opts->message : "", sizeof(p->message));
    if (opts->media_type)
        og_strlcpy(p->media, opts->media_type, sizeof(p->media));
    else if (og_artifacts__media_by_name(opts->filename))
        og_strlcpy(p->media, og_artifacts__media_by_name(opts->filename), sizeof(p->media));
    else if (og_artifacts__media_by_name(ref->name))
        og_strlcpy(p->media, og_artifacts__media_by_name(ref->name), sizeof(p->media));
    if (!p->media[0] || og_artifacts__media_is_text(p->media)) {
        if (!(p->tok =
                  og_artifacts__tok_new(p->media[0] && og_artifacts__media_is_html(p->media)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    /* the classifier reads the content of formats it knows (or not known yet) */
    og_buf_init(&p->doc, ART_CLASSIFY_MAX);
    p->doc_over = !doc_may_classify(p);
    if ((error = og_artifacts__obj_writer_new(&p->w, ctx, p->sc.tenant_id)) < 0)
        goto cleanup;
    *out = p;
    p = NULL;
    error = 0;
cleanup:
    og_artifacts__row_free(&r.a);
    og_artifact_put_free(p);
    return error;
}

int og_artifact_put_write(og_artifact_put *p, const void *data, size_t len)
{
    int error;
    if (p->failed || p->finished)
        return og_error_set(OG_ERROR, "this upload is finished or failed");
    if (p->headlen < sizeof(p->head)) {
        size_t n = sizeof(p->head) - p->headlen < len ? sizeof(p->head) - p->headlen : len;
        memcpy(p->head + p->headlen, data, n);
        p->headlen += n;
    }
    if (p->tok && p->tokenized < ART_INDEX_TEXT_MAX) {
        size_t n = ART_INDEX_TEXT_MAX - p->tokenized < len
                       ? (size_t)(ART_INDEX_TEXT_MAX - p->tokenized)
                       : len;
        og_artifacts__tok_feed(p->tok, data, n);
        p->tokenized += n;
    }
    if (!p->doc_over && !doc_may_classify(p))
        doc_drop(p); /* an octet-stream that is no PDF or DOCX */
    if (!p->doc_over && og_buf_append(&p->doc, data, len) < 0) {
        og_error_clear(); /* too large to classify: stored all the same */
        doc_drop(p);
    }
    if ((error = og_artifacts__obj_writer_write(p->w, data, len)) < 0)
        p->failed = 1;
    return error;
}

/* A new artifact row for the upload, in a, inside the transaction (a->n filled). */
static int artifact_insert(og_artifact_put *p, art_row *a)
{
    og_ctx *ctx = p->ctx;
    og_stmt *st = NULL;
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    int error;
    og_id_new(a->id);
    og_strlcpy(a->project_id, p->sc.project.id, sizeof(a->project_id));
    og_strlcpy(a->name, p->name, sizeof(a->name));
    og_strlcpy(a->kind, p->kind, sizeof(a->kind));
    og_strlcpy(a->state, "draft", sizeof(a->state));
    a->meta = p->meta ? json_incref(p->meta) : json_object();
    og_time_format(og_time_now_us(), a->created_at);
    og_actor_label(&ctx->actor, a->created_by, sizeof(a->created_by));
    if ((error = og_artifacts__seal_row(ctx, p->sc.tenant_id, a->id, a->name, a->meta, &sealed,
                                        &sealedlen)) < 0)
        goto cleanup;
    /* the row's number comes back with the insert (both backends know RETURNING) */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "INSERT INTO art_artifacts (id, tenant_id, project_id,"
                                      " name_mac, sealed, kind, state, latest, created_at,"
                                      " created_by, updated_at)"
                                      " VALUES (?, ?, ?, ?, ?, ?, 'draft', 0, ?, ?, ?) RETURNING n",
                                      "ttttbtttt", a->id, p->sc.tenant_id, p->sc.project.id,
                                      p->name_mac, sealed, sealedlen, a->kind, a->created_at,
                                      a->created_by, a->created_at)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error = error < 0 ? error : og_error_set(OG_ERROR, "artifact row vanished");
        goto cleanup;
    }
    a->n = og_stmt_col_int(st, 0);
    error = 0;
cleanup:
    og_stmt_free(st);
    free(sealed);
    return error;
}

/* The artifact the upload makes a version of, inside the transaction: found (and checked, with
 * new metadata sealed into it) or new (*created = 1). OG_EEXISTS when the content is the latest
 * version's already. */
static int put_target(og_artifact_put *p, const char *object, art_row *a, int *created)
{
    og_ctx *ctx = p->ctx;
    put_row r;
    int error = put_row_find(p, &r);
    *a = r.a; /* the caller frees it */
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        *created = 1;
        return artifact_insert(p, a);
    }
    if (error < 0 || (error = put_row_writable(p, &r, p->kind)) < 0)
        return error;
    /* Same object name, same content: nothing to version. */
    if (strcmp(r.latest_obj, object) == 0)
        return og_error_set(OG_EEXISTS,
                            "unchanged: the content is identical to version %lld of '%s'",
                            (long long)a->latest, p->name);
    if (!p->meta)
        return 0;
    json_decref(a->meta);
    a->meta = json_incref(p->meta);
    return og_artifacts__row_reseal(ctx, p->sc.tenant_id, a, NULL);
}

/* og_artifacts__obj_writer_discard after a failure, whose message stays the failure's. */
static void discard_keeping_error(art_obj_writer *w)
{
    char msg[1024];
    int code = og_error_code();
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    if (og_artifacts__obj_writer_discard(w) < 0)
        og_error_set(code, "%s", msg);
}

/* What one version's transaction needs and makes, kept across a re-run (put_commit). */
typedef struct put_tx {
    og_artifact_put *p;
    const char *body;       /* the index text, or NULL */
    const art_proposal *pr; /* the classifier's proposal, made before */
    char object[65];
    og_artifact_version v;
    art_row a;
    json_t *proposal;
    int created_file, new_artifact;
} put_tx;

/* The version's transaction, as og_store_group_commit runs it: on the connection batch (perhaps
 * another thread's, in a batch with other versions, so p->ctx is swapped for a copy naming it),
 * in a level of its own. Runs again after put_undo when another member broke the batch. */
static int put_commit(og_store *batch, void *arg)
{
    put_tx *t = arg;
    og_artifact_put *p = t->p;
    og_ctx bctx = *p->ctx, *mine = p->ctx;
    char wkey[ART_WRITE_KEY];
    int error;
    bctx.store = batch;
    p->ctx = &bctx;
    og_artifacts__row_free(&t->a);
    memset(&t->a, 0, sizeof(t->a));
    json_decref(t->proposal);
    t->proposal = NULL;
    t->new_artifact = t->created_file = 0;
    /* Scoped to the artifact: versions of different artifacts (of one tenant or several) are
     * added side by side on several nodes (PostgreSQL); what is written here is the artifact's,
     * or shared rows written race-free (the object, below); the audit chain has its own lock. */
    og_artifacts__write_key(p->sc.project.id, p->name_mac, wkey);
    if ((error = og_store_tx_begin_scope(batch, wkey)) < 0)
        goto done;
    /* any failure below rolls the whole version back: no savepoint per statement */
    if ((error = og_store_tx_atomic(batch)) < 0 ||
        (error = put_target(p, t->object, &t->a, &t->new_artifact)) < 0 ||
        (error = og_artifacts__propose_store(&bctx, &t->a, t->a.latest + 1, t->pr, &t->proposal)) <
            0 ||
        (error = og_artifacts__obj_writer_commit(p->w, &bctx, &p->keys, t->object,
                                                 &t->created_file)) < 0 ||
        (error = og_artifacts__version_add(&bctx, p->sc.tenant_id, &t->a, &t->v, t->object,
                                           t->proposal, t->pr->read)) < 0 ||
        (p->part[0] && (error = link_part(&bctx, &p->sc, &p->keys, &t->a, p->part)) < 0) ||
        (error = og_artifacts__index_put(&bctx, p->sc.tenant_id, &t->a, t->body, 0, &p->keys)) < 0)
        goto end;
    error = og_artifacts__audit(&bctx, p->sc.tenant_id, "artifact.put", "artifact", t->a.id,
                                json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:b}", "project",
                                          p->sc.project.key, "kind", t->a.kind, "version",
                                          (json_int_t)t->v.number, "size", (json_int_t)t->v.size,
                                          "media_type", t->v.media_type, "object", t->object,
                                          "new_artifact", t->new_artifact));
end:
    if ((error = og_store_tx_end(batch, error)) < 0 && t->created_file) {
        og_artifacts__obj_writer_undo(p->w, t->object);
        t->created_file = 0;
    }
done:
    p->ctx = mine;
    return error;
}

/* The version's level was undone after it succeeded (its batch failed): so is its object file. */
static void put_undo(void *arg)
{
    put_tx *t = arg;
    if (t->created_file)
        og_artifacts__obj_writer_undo(t->p->w, t->object);
    t->created_file = 0;
}

int og_artifact_put_finish(og_artifact_put *p, og_artifact_version *out)
{
    int error = -1;
    og_ctx *ctx = p->ctx;
    og_buf body;
    uint8_t sha[32];
    char *doc_text = NULL;
    art_proposal pr;
    put_tx t;
    memset(&t, 0, sizeof(t));
    memset(&pr, 0, sizeof(pr));
    t.p = p;
    og_buf_init(&body, (size_t)16 << 20);
    if (p->failed || p->finished)
        return og_error_set(OG_ERROR, "this upload is finished or failed");
    p->failed = 1;
    if ((error = og_artifacts__obj_writer_end(p->w, sha, &t.v.size)) < 0)
        goto cleanup;
    og_hex_encode(sha, 32, t.v.sha256);
    og_strlcpy(t.v.message, p->message, sizeof(t.v.message));
    if (!p->media[0])
        og_strlcpy(p->media, og_artifacts__media_sniff(p->head, p->headlen), sizeof(p->media));
    og_strlcpy(t.v.media_type, p->media, sizeof(t.v.media_type));
    if ((error = og_artifacts__obj_name(&p->keys, sha, t.object)) < 0)
        goto cleanup;
    if (p->tok && og_artifacts__media_is_text(p->media) &&
        (error = og_artifacts__tok_index(p->tok, p->keys.search, &body)) < 0)
        goto cleanup;
    /* the classifier's reading (PDF, DOCX, HTML) happens before the transaction takes locks */
    if (!p->doc_over &&
        (error = og_artifacts__doc_text(p->name, p->kind, p->doc.data ? p->doc.data : "",
                                        p->doc.len, p->media, &doc_text)) < 0)
        goto cleanup;
    /* ... and so does the classifier itself: the version's transaction (which group commit runs
     * one member after another) only stores its proposal, in the same transaction as the
     * version and its audit record; a text that barely changed from the one the latest
     * version's proposal read reuses that proposal */
    if (doc_text && (error = og_artifacts__propose_make(ctx, &p->sc, doc_text, &p->keys, p->prev_id,
                                                        p->prev_latest, &pr)) < 0)
        goto cleanup;
    t.body = body.len ? body.data : NULL;
    t.pr = &pr;
    /* Durable when it returns; concurrent versions of other threads share its commit. */
    if ((error = og_store_group_commit(ctx->store, put_commit, put_undo, &t)) < 0)
        goto cleanup;
    t.v.created_artifact = t.new_artifact;
    if (out)
        *out = t.v;
    p->finished = 1;
    p->failed = 0;
    error = 0;
cleanup:
    /* Bytes stored outside the row that no object names now (a failure, or content stored
     * already) go, while the store is at hand. */
    if (error == 0 && og_artifacts__obj_writer_discard(p->w) < 0)
        og_error_clear(); /* unreachable: og_artifacts_chunks_sweep takes them */
    if (error < 0)
        discard_keeping_error(p->w);
    og_artifacts__row_free(&t.a);
    og_buf_free(&body);
    json_decref(t.proposal);
    og_artifacts__proposal_clear(&pr);
    if (doc_text) {
        og_crypto_wipe(doc_text, strlen(doc_text));
        free(doc_text);
    }
    return error;
}

void og_artifact_put_free(og_artifact_put *p)
{
    if (!p)
        return;
    og_crypto_wipe(&p->keys, sizeof(p->keys));
    og_artifacts__obj_writer_free(p->w);
    og_artifacts__tok_free(p->tok);
    json_decref(p->meta);
    og_crypto_wipe(p->head, sizeof(p->head));
    if (p->doc.data)
        og_crypto_wipe(p->doc.data, p->doc.len);
    og_buf_free(&p->doc);
    free(p);
}

int og_artifact_put_buffer(og_ctx *ctx, const og_artifact_ref *ref,
                           const og_artifact_put_opts *opts, const void *data, size_t len,
                           og_artifact_version *out)
{
    og_artifact_put *p = NULL;
    int error = og_artifact_put_begin(&p, ctx, ref, opts);
    if (error == 0) /* the whole content at once: compressed for its size */
        error = og_artifacts__obj_writer_size(p->w, len);
    if (error == 0)
        error = og_artifact_put_write(p, data, len);
    if (error == 0)
        error = og_artifact_put_finish(p, out);
    og_artifact_put_free(p);
    return error;
}
