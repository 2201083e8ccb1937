/* lifecycle.c - lifecycle states of artifacts, moved through the gate engine so that a tenant can
 * hold publishing (of SOWs, say) for approval; the action kinds and their rollbacks. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Kinds: "artifacts.set-state" for every transition but publishing, and one
 * "artifacts.publish.<artifact kind>" per artifact kind, so a policy can put publishing of SOWs
 * and change orders at L2 while runbooks publish at once. All L0 by default, all reversible.
 * params: {"artifact_id", "from", "to"}; result: {"artifact_id", "from", "to", "archived_us"}
 * (the archive time before the change, for rollback).
 *
 * Only og_artifact_set_state() asks for them (they are not requestable through the general gate
 * endpoint), and execute trusts nothing of what it was asked: when it runs - at once, or on an
 * L2 approval in the approver's context, perhaps days later - it re-derives from the artifact
 * itself that the kind it runs as fits (set-state never publishes, artifacts.publish.X publishes
 * only an artifact of kind X), that the artifact is still in the state the request saw and may
 * move to the target, that the acting user holds the write right on its project, that no one but
 * the requester (or the approver) holds its lock, and, for "approved", that the acting user is a
 * reviewer who did not write the version being approved.
 */

/* 1 when the version author label (og_actor_label of whoever wrote it) names actor a: the user
 * however they acted ("user:NAME" or "local:X as user:NAME"), or the local operator also when it
 * acted as a user. */
static int is_author(const og_actor *a, const char *author)
{
    char me[160];
    size_t n, l = strlen(author);
    switch (a->kind) {
    case OG_ACTOR_USER:
        snprintf(me, sizeof(me), "user:%s", a->user_name);
        n = strlen(me);
        return strcmp(author, me) == 0 || (l > n + 4 && strcmp(author + l - n, me) == 0 &&
                                           strncmp(author + l - n - 4, " as ", 4) == 0);
    case OG_ACTOR_LOCAL:
        snprintf(me, sizeof(me), "local:%s", a->local_user);
        n = strlen(me);
        return strcmp(author, me) == 0 ||
               (strncmp(author, me, n) == 0 && strncmp(author + n, " as ", 4) == 0);
    case OG_ACTOR_SYSTEM:
        snprintf(me, sizeof(me), "system:%s", a->component);
        return strcmp(author, me) == 0;
    }
    return 0;
}

/* "approved" is a review: a project-manager or tenant-admin (or platform) who did not write the
 * latest version. OG_EDENIED saying which rule failed. */
static int review_check(og_ctx *ctx, const art_row *a)
{
    const og_actor *me = &ctx->actor;
    og_stmt *st = NULL;
    char author[160] = "";
    int error;
    if (!og_actor_is_platform(me) && me->role != OG_ROLE_TENANT_ADMIN &&
        me->role != OG_ROLE_PROJECT_MANAGER)
        return og_error_set(OG_EDENIED,
                            "approving artifact '%s' is a review: it needs the project-manager or "
                            "tenant-admin role (you are %s)",
                            a->name, og_role_name(me->role));
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT author FROM art_versions WHERE artifact_id = ? AND"
                                 " number = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_int(st, 2, a->latest);
    if ((error = og_stmt_step(st)) == OG_ROW)
        og_strlcpy(author, og_stmt_col_text(st, 0), sizeof(author));
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (error != OG_ROW)
        return og_error_set(OG_ECONFLICT, "artifact '%s' has no version to approve", a->name);
    if (is_author(me, author))
        return og_error_set(OG_EDENIED,
                            "%s is the author of version %lld of artifact '%s' and cannot "
                            "approve it: the review is another project-manager's or "
                            "tenant-admin's",
                            author, (long long)a->latest, a->name);
    return 0;
}

/* What execute re-derives before a transition (see above). */
static int exec_check(og_ctx *ctx, const char *tenant_id, const art_row *a, const char *to)
{
    const og_gate_exec *x = og_gate_executing();
    const char *pub = "artifacts.publish.";
    og_artifact_right right;
    char why[128];
    int error;
    if (!x)
        return og_error_set(OG_EDENIED, "artifact lifecycle actions run only through the gate "
                                        "engine");
    if (strcmp(x->kind, "artifacts.set-state") == 0) {
        if (strcmp(to, "published") == 0)
            return og_error_set(OG_EDENIED,
                                "artifacts.set-state does not publish: artifact '%s' publishes "
                                "as artifacts.publish.%s",
                                a->name, a->kind);
    } else if (strncmp(x->kind, pub, strlen(pub)) == 0) {
        if (strcmp(to, "published") != 0)
            return og_error_set(OG_EDENIED, "%s only publishes (asked to move to %s)", x->kind, to);
        if (strcmp(x->kind + strlen(pub), a->kind) != 0)
            return og_error_set(OG_EDENIED,
                                "%s does not publish artifact '%s': it is a %s and publishes as "
                                "artifacts.publish.%s",
                                x->kind, a->name, a->kind, a->kind);
    } else {
        return og_error_set(OG_EINVAL, "%s is not an artifact lifecycle kind", x->kind);
    }
    if (a->latest == 0)
        return og_error_set(OG_ECONFLICT, "artifact '%s' has no version", a->name);
    if ((error = og_artifacts__right(ctx, tenant_id, a->project_id, &right, why, sizeof(why))) < 0)
        return error;
    if (right < OG_RIGHT_WRITE)
        return og_error_set(OG_EDENIED,
                            "moving artifact '%s' needs the write right on its project; you have "
                            "%s (%s)",
                            a->name, og_artifact_right_name(right), why);
    if ((error = og_artifacts__lock_check_but(ctx, a->id, x->requester_key)) < 0)
        return error;
    if (strcmp(to, "approved") == 0 && (error = review_check(ctx, a)) < 0)
        return error;
    return 0;
}

/* An archived project is read-only, also for a change approved after it was archived. */
static int project_open_check(og_ctx *ctx, const art_row *a)
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT key, archived_at FROM art_projects WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, a->project_id);
    error = og_stmt_step(st);
    if (error == OG_ROW && !og_stmt_col_is_null(st, 1))
        error = og_error_set(OG_ECONFLICT,
                             "project '%s' is archived (since %s) and read-only: unarchive it "
                             "before moving artifact '%s'",
                             og_stmt_col_text(st, 0), og_stmt_col_text(st, 1), a->name);
    else if (error >= 0)
        error = 0;
    og_stmt_free(st);
    return error;
}

/* "artifacts.published", in the publishing transaction: what subscribers (the connectors' push
 * of documents to their PSA project) need to find the version. The artifact's name is sealed at
 * rest, so the event carries its id, never its name. */
static int published_event(og_ctx *ctx, const char *tenant_id, const art_row *a)
{
    og_stmt *st = NULL;
    json_t *ev = NULL;
    int error = og_stmt_prepare_args(&st, ctx->store, "SELECT key FROM art_projects WHERE id = ?",
                                     "t", a->project_id);
    if (error >= 0 && (error = og_stmt_step(st)) == OG_ROW)
        ev = json_pack("{s:s, s:s, s:s, s:I}", "artifact_id", a->id, "kind", a->kind, "project",
                       og_stmt_col_text(st, 0), "version", (json_int_t)a->latest);
    if (error >= 0)
        error = ev ? og_event_emit(ctx, tenant_id, "artifacts.published", ev, NULL)
                   : og_error_set(OG_ERROR, "artifact '%s': its project is gone", a->name);
    og_stmt_free(st);
    json_decref(ev);
    return error;
}

/* Inside the move's transaction: a move to published records the version it publishes; the
 * rollback of such a move (an override) takes that record away. */
static int published_record(og_ctx *ctx, const char *tenant_id, const art_row *a, const char *from,
                            const char *to, int rollback, const char *now)
{
    int error = 0;
    if (!rollback && strcmp(to, "published") == 0)
        error = og_artifacts__exec(ctx,
                                   "INSERT INTO art_published (artifact_id, tenant_id, version,"
                                   " published_at) VALUES (?, ?, ?, ?) ON CONFLICT (artifact_id,"
                                   " version) DO UPDATE SET published_at = excluded.published_at",
                                   "ttit", a->id, tenant_id, a->latest, now);
    else if (rollback && strcmp(from, "published") == 0)
        error = og_artifacts__exec(
            ctx, "DELETE FROM art_published WHERE artifact_id = ? AND version = ?", "ti", a->id,
            a->latest);
    return error < 0 ? error : 0;
}

int og_artifact_published_version(og_ctx *ctx, const og_artifact_ref *ref, int64_t below,
                                  int64_t *out)
{
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    int error;
    *out = 0;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0 ||
        (error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT max(version) FROM art_published WHERE artifact_id = ?"
                                      " AND version < ?",
                                      "ti", a.id, below > 0 ? below : INT64_MAX)) < 0 ||
        (error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error == OG_ROW && !og_stmt_col_is_null(st, 0))
        *out = og_stmt_col_int(st, 0);
    error = 0;
cleanup:
    og_stmt_free(st);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifacts__set_state_exec(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                                 const char *from, const char *to, int rollback)
{
    int error = -1;
    art_row a;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if (!artifact_id || !og_artifact_state_valid(from) || !og_artifact_state_valid(to))
        return og_error_set(OG_EINVAL, "artifacts set-state: params need artifact_id, from, to");
    if ((error = og_artifacts__load(ctx, tenant_id, artifact_id, &a)) < 0)
        return error;
    if (a.deleted_us) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' was deleted", a.name);
        goto cleanup;
    }
    if (strcmp(a.state, from) != 0) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is %s now, not %s: it moved since",
                             a.name, a.state, from);
        goto cleanup;
    }
    if (!rollback && !og_artifact_transition_allowed(from, to)) {
        error =
            og_error_set(OG_ECONFLICT, "artifact '%s' cannot move from %s to %s", a.name, from, to);
        goto cleanup;
    }
    if (!rollback && (error = project_open_check(ctx, &a)) < 0)
        goto cleanup;
    if (!rollback && (error = exec_check(ctx, tenant_id, &a, to)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    /* Leaving archive clears the retention clock; a rollback of an archive also clears it. */
    if ((error =
             og_stmt_prepare_args(&st, ctx->store,
                                  "UPDATE art_artifacts SET state = ?1, updated_at = ?2,"
                                  " archived_us = CASE WHEN ?1 = 'archived' THEN ?3 ELSE"
                                  " (CASE WHEN ?4 <> 0 THEN archived_us ELSE NULL END) END"
                                  " WHERE id = ?5 AND state = ?6",
                                  "ttiitt", to, now, og_time_now_us(), (int64_t)0, a.id, from)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s, s:s, s:I, s:b}", "kind", a.kind, "from", from, "to", to,
                         "version", (json_int_t)a.latest, "rollback", rollback);
    if ((error = og_audit_log(ctx, tenant_id, ART_AREA,
                              rollback ? "artifact.state.rollback" : "artifact.state", "artifact",
                              a.id, analysis)) < 0)
        goto cleanup;
    if ((error = published_record(ctx, tenant_id, &a, from, to, rollback, now)) < 0)
        goto cleanup;
    if (!rollback && strcmp(to, "published") == 0 &&
        (error = published_event(ctx, tenant_id, &a)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(analysis);
    og_artifacts__row_free(&a);
    return error;
}

static int kind_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    const char *id = json_string_value(json_object_get(params, "artifact_id"));
    const char *from = json_string_value(json_object_get(params, "from"));
    const char *to = json_string_value(json_object_get(params, "to"));
    int error = og_artifacts__set_state_exec(ctx, tenant_id, id, from, to, 0);
    if (error < 0)
        return error;
    *result = json_pack("{s:s, s:s, s:s}", "artifact_id", id, "from", from, "to", to);
    return 0;
}

/* Put the previous state back, if the artifact is still where the action left it. */
static int kind_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    const char *id = json_string_value(json_object_get(params, "artifact_id"));
    const char *from = json_string_value(json_object_get(params, "from"));
    const char *to = json_string_value(json_object_get(params, "to"));
    (void)result;
    return og_artifacts__set_state_exec(ctx, tenant_id, id, to, from, 1);
}

#define KIND(nm, desc)                                                                             \
    {                                                                                              \
        .name = nm, .area = ART_AREA, .default_level = OG_GATE_L0, .description = desc,            \
        .execute = kind_execute, .rollback = kind_rollback, .requestable = 0,                      \
        .command = "`opsgate artifact set-state`",                                                 \
        .route = "POST /api/v1/projects/{key}/artifacts/{name}/state",                             \
    }

static const og_action_kind kinds[] = {
    KIND("artifacts.set-state",
         "move an artifact through its lifecycle (any transition but publishing); rollback "
         "restores the previous state"),
    KIND("artifacts.publish.sow", "publish a statement of work to the client"),
    KIND("artifacts.publish.change-order", "publish a change order to the client"),
    KIND("artifacts.publish.runbook", "publish a runbook"),
    KIND("artifacts.publish.closure", "publish a project closure document"),
    KIND("artifacts.publish.template", "publish a template"),
    KIND("artifacts.publish.other", "publish an artifact of kind other"),
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int register_result;

static void register_all(void)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        int rc = og_gate_kind_register(&kinds[i]);
        if (rc < 0 && rc != OG_EEXISTS) {
            register_result = rc;
            return;
        }
    }
    og_error_clear();
}

int og_artifacts_register_kinds(void)
{
    pthread_once(&once, register_all);
    return register_result;
}

/* What a transition tells the inference step (docs/inference.md), numbers only: how many versions,
 * and against the version before the latest the size of the diff, the lines added and removed,
 * the Markdown headings (sections) added and removed and the change of the proposed total. A
 * diff that cannot be made says nothing. */
/* The total the classifier's proposal of version number found, into *total; 0 when none. */
static int proposed_total(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                          int64_t number, double *total)
{
    json_t *p = NULL;
    int error = og_artifacts__proposal_get(ctx, tenant_id, artifact_id, number, &p);
    const char *t = json_string_value(json_object_get(p, "total"));
    if (error >= 0)
        error = t != NULL;
    if (t)
        *total = strtod(t, NULL);
    json_decref(p);
    return error;
}

/* "money_change": the change of the total the proposals of the two versions found, when both
 * found one (docs/artifacts.md "Indexing"). */
static int money_fact(og_ctx *ctx, const char *tenant_id, const char *artifact_id, int64_t latest,
                      json_t *f)
{
    double now = 0, before = 0;
    int error;
    if ((error = proposed_total(ctx, tenant_id, artifact_id, latest, &now)) <= 0 ||
        (error = proposed_total(ctx, tenant_id, artifact_id, latest - 1, &before)) <= 0)
        return error;
    json_object_set_new(f, "money_change", json_real(now - before));
    return 0;
}

static int transition_facts(og_ctx *ctx, const og_artifact_ref *ref, const art_row *a,
                            const char *tenant_id, json_t **out)
{
    int64_t latest = a->latest;
    json_t *f =
        json_pack("{s:b, s:I}", "first_version", latest == 1, "versions", (json_int_t)latest);
    og_buf d;
    long n[4] = {0, 0, 0, 0}; /* lines added, removed; sections added, removed */
    int error = f ? 0 : og_error_set(OG_ERROR, "out of memory");
    og_buf_init(&d, 2 * OG_ARTIFACT_DIFF_MAX);
    if (f && latest > 1)
        error = og_artifact_diff(ctx, ref, latest - 1, latest, &d);
    if (error == OG_ETOOBIG) /* a version too large to diff says nothing; a failing store fails */
        error = 0;
    if (error == 0 && f && latest > 1 && d.data) {
        for (const char *l = d.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
            if ((l[0] == '+' && strncmp(l, "+++", 3) != 0) ||
                (l[0] == '-' && strncmp(l, "---", 3) != 0)) {
                n[l[0] == '-']++;
                n[2 + (l[0] == '-')] += l[1] == '#';
            }
        }
        json_object_set_new(f, "diff_bytes", json_integer((json_int_t)d.len));
        json_object_set_new(f, "lines_added", json_integer(n[0]));
        json_object_set_new(f, "lines_removed", json_integer(n[1]));
        json_object_set_new(f, "sections_added", json_integer(n[2]));
        json_object_set_new(f, "sections_removed", json_integer(n[3]));
        error = money_fact(ctx, tenant_id, a->id, latest, f);
    }
    og_buf_free(&d);
    if (error < 0)
        json_decref(f);
    else
        *out = f;
    return error;
}

int og_artifact_set_state(og_ctx *ctx, const og_artifact_ref *ref, const char *state,
                          og_gate_outcome *out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_gate_outcome local;
    json_t *params = NULL, *analysis = NULL;
    char kind[64];
    memset(&a, 0, sizeof(a));
    memset(&local, 0, sizeof(local));
    if ((error = og_artifacts_register_kinds()) < 0)
        return error;
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (!og_artifact_state_valid(state))
        return og_error_set(OG_EINVAL,
                            "unknown state '%s' (draft, in-review, approved, published, archived)",
                            state ? state : "");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    if (strcmp(a.state, state) == 0) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' is already %s", ref->name, state);
        goto cleanup;
    }
    if (!og_artifact_transition_allowed(a.state, state)) {
        static const char *const all[] = {"draft", "in-review", "approved", "published",
                                          "archived"};
        char allowed[96] = "";
        for (size_t i = 0; i < 5; i++) {
            if (og_artifact_transition_allowed(a.state, all[i])) {
                if (allowed[0])
                    og_strlcpy(allowed + strlen(allowed), ", ", sizeof(allowed) - strlen(allowed));
                og_strlcpy(allowed + strlen(allowed), all[i], sizeof(allowed) - strlen(allowed));
            }
        }
        error = og_error_set(OG_ECONFLICT, "artifact '%s' cannot move from %s to %s (from %s: %s)",
                             ref->name, a.state, state, a.state, allowed);
        goto cleanup;
    }
    if (a.latest == 0) {
        error = og_error_set(OG_ECONFLICT, "artifact '%s' has no version", ref->name);
        goto cleanup;
    }
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto cleanup;
    /* the requester of "approved" is its reviewer (execute checks the approver again at L2) */
    if (strcmp(state, "approved") == 0 && (error = review_check(ctx, &a)) < 0)
        goto cleanup;
    if (strcmp(state, "published") == 0)
        snprintf(kind, sizeof(kind), "artifacts.publish.%s", a.kind);
    else
        og_strlcpy(kind, "artifacts.set-state", sizeof(kind));
    params = json_pack("{s:s, s:s, s:s}", "artifact_id", a.id, "from", a.state, "to", state);
    analysis = json_pack("{s:s, s:s, s:I, s:s, s:s}", "project", sc.project.key, "kind", a.kind,
                         "version", (json_int_t)a.latest, "from", a.state, "to", state);
    /* what the gate item is about, for whoever decides on it (sealed with the item) */
    char subject[OG_ARTIFACT_NAME_MAX + 160];
    snprintf(subject, sizeof(subject), "%s \"%s\" v%lld in project %s: %s \u2192 %s", a.kind,
             a.name, (long long)a.latest, sc.project.key, a.state, state);
    og_gate_about about = {.target_type = "artifact",
                           .target_id = a.id,
                           .subject = subject,
                           .project = sc.project.key,
                           .object = a.name};
    /* what the inference step reads (docs/inference.md): numbers only */
    if ((error = transition_facts(ctx, ref, &a, sc.tenant_id, &about.facts)) == 0)
        error = og_gate_request_about(ctx, sc.tenant_id, kind, &about, params, analysis,
                                      out ? out : &local);
    json_decref(about.facts);
cleanup:
    json_decref(local.result);
    json_decref(params);
    json_decref(analysis);
    og_artifacts__row_free(&a);
    return error;
}

/* Any binary that links this file (every front end that can change an artifact's state) gets the
 * kinds registered before main(), so an approval decided in a process that never touched an
 * artifact (`opsgate gate decide`, the server's gate endpoints) still finds them. Registration
 * only takes static mutexes, so it is safe this early. */
__attribute__((constructor)) static void register_at_load(void)
{
    (void)og_artifacts_register_kinds();
}
