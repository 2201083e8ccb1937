/* finding.c - the issuances seen in CT as findings: list, mark expected (which teaches the
 * matcher a pattern), open an incident; the expected patterns; what CT says of a certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/store.h"

#define FINDING_SELECT                                                                             \
    "SELECT id, CASE WHEN verdict = 'unknown' THEN 'unknown-issuance' END AS finding, verdict,"    \
    " state, watch_domain AS watch, provider, remote_id, names AS names_json, issuer,"             \
    " issuer_pubkey_sha256, cert_sha256, tbs_sha256, not_before, not_after, pattern_id AS"         \
    " pattern, gate_id, note, decided_by, decided_at, seen_at FROM ct_issuances"                   \
    " WHERE tenant_id = ?"

int og_ct_findings(og_ctx *ctx, const char *tenant, const char *state, int limit, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    int error = og_ct__tenant(ctx, tenant, OG_PERM_READ, &t);
    if (error < 0)
        return error;
    if (state && *state && strcmp(state, "open") != 0 && strcmp(state, "expected") != 0 &&
        strcmp(state, "incident") != 0 && strcmp(state, "closed") != 0)
        return og_error_set(
            OG_EINVAL, "unknown finding state '%.40s' (open, expected, incident, closed)", state);
    if (limit < 0 || limit > 10000)
        return og_error_set(OG_EINVAL, "a limit is 1 to 10000");
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      FINDING_SELECT " AND (? = '' OR state = ?)"
                                                     " ORDER BY seen_us DESC, remote_id DESC"
                                                     " LIMIT ?",
                                      "ttti", t.id, state ? state : "", state ? state : "",
                                      (int64_t)(limit ? limit : 200))) >= 0)
        error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static int finding_get(og_ctx *ctx, const char *tenant_id, const char *id, json_t **out)
{
    og_stmt *st = NULL;
    json_t *arr = NULL;
    int error =
        og_stmt_prepare_args(&st, ctx->store, FINDING_SELECT " AND id = ?", "tt", tenant_id, id);
    if (error >= 0)
        error = og_stmt_collect(st, NULL, NULL, &arr);
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return og_error_set(OG_ENOTFOUND, "no CT finding '%.64s'", id);
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

/* The gate item's decision, when the actor may take it: acknowledging or escalating a review is
 * the gate's to allow (it records its own audit record); refused or too late is no failure of
 * ours, and the analysis says which. */
static void gate_follow(og_ctx *ctx, json_t *f, const char *decision, const char *note,
                        json_t *analysis)
{
    const char *gid = json_string_value(json_object_get(f, "gate_id"));
    if (!gid || !*gid)
        return;
    int rc = og_gate_decide(ctx, gid, decision, note);
    json_object_set_new(
        analysis, "gate",
        json_pack("{s:s, s:s, s:b}", "id", gid, "decision", decision, "done", rc >= 0));
    if (rc < 0 && rc != OG_EDENIED && rc != OG_ECONFLICT && rc != OG_ENOTFOUND)
        json_object_set_new(analysis, "gate_error", json_string(og_error_last()));
    og_error_clear();
}

typedef struct decide_args {
    const char *state; /* "expected" or "incident" */
    const char *scope; /* expect: "names" or "domain" */
    const char *note;
    const char *action; /* audit action */
    const char *gate;   /* gate decision */
} decide_args;

/* The pattern an expected finding teaches, inserted; its id into pid. */
static int pattern_add(og_ctx *ctx, const og_tenant *t, json_t *f, const char *scope,
                       const char *note, json_t *analysis, char pid[OG_ID_LEN])
{
    char now[OG_TIME_LEN], who[160], *text = NULL;
    json_t *names = NULL;
    int error = og_store_run(ctx->store,
                             "SELECT 1 FROM ct_expected WHERE tenant_id = ?"
                             " GROUP BY tenant_id HAVING count(*) >= ?",
                             "ti", t->id, (int64_t)OG_CT_EXPECTED_MAX);
    if (error != 0)
        return error > 0 ? og_error_set(OG_ETOOBIG,
                                        "tenant '%s' has %d expected patterns (the "
                                        "most): remove some first",
                                        t->name, OG_CT_EXPECTED_MAX)
                         : error;
    const char *issuer = json_string_value(json_object_get(f, "issuer"));
    const char *ikey = json_string_value(json_object_get(f, "issuer_pubkey_sha256"));
    if ((!issuer || !*issuer) && (!ikey || !*ikey))
        return og_error_set(OG_EINVAL, "the CT source named no issuer for this issuance: "
                                       "nothing to expect it by");
    if (strcmp(scope, "domain") == 0) {
        const char *d = json_string_value(json_object_get(f, "watch"));
        char wild[260];
        snprintf(wild, sizeof(wild), "*.%s", d);
        names = json_pack("[s, s]", d, wild);
    } else {
        names = json_incref(json_object_get(f, "names"));
    }
    if (!names || json_array_size(names) == 0) {
        json_decref(names);
        return og_error_set(OG_EINVAL, "the issuance names no DNS name: expect it with the "
                                       "domain scope");
    }
    og_id_new(pid);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if (!(text = json_dumps(names, JSON_COMPACT)))
        error = og_error_set(OG_ERROR, "out of memory");
    else
        error = og_store_run(ctx->store,
                             "INSERT INTO ct_expected (id, tenant_id, issuer, issuer_pubkey_sha256,"
                             " names, from_finding, note, created_at, created_by)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             "ttttttttt", pid, t->id, issuer, ikey, text,
                             json_string_value(json_object_get(f, "id")), note, now, who);
    if (error >= 0)
        json_object_set_new(analysis, "pattern",
                            json_pack("{s:s, s:s?, s:s?, s:O}", "id", pid, "issuer", issuer,
                                      "issuer_pubkey_sha256", ikey, "names", names));
    free(text);
    json_decref(names);
    return error < 0 ? error : 0;
}

static int decide(og_ctx *ctx, const char *tenant, const char *id, const decide_args *d,
                  json_t **out)
{
    int error, in_tx = 0;
    og_tenant t;
    json_t *f = NULL, *analysis = json_object();
    char now[OG_TIME_LEN], who[160], pid[OG_ID_LEN] = "";
    if ((error = og_ct__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!id || !*id) {
        error = og_error_set(OG_EINVAL, "which finding? (its id)");
        goto cleanup;
    }
    if (d->note && (strlen(d->note) > 1000 || !og_utf8_valid(d->note, strlen(d->note), NULL))) {
        error = og_error_set(OG_EINVAL, "a note is UTF-8 text of at most 1000 bytes");
        goto cleanup;
    }
    if ((error = og_store_tx_begin_scope(ctx->store, t.id)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = finding_get(ctx, t.id, id, &f)) < 0)
        goto cleanup;
    if (strcmp(json_string_value(json_object_get(f, "state")), "open") != 0) {
        error = og_error_set(OG_ECONFLICT, "CT finding %s is %s, not open", id,
                             json_string_value(json_object_get(f, "state")));
        goto cleanup;
    }
    json_object_set_new(analysis, "names", json_incref(json_object_get(f, "names")));
    json_object_set(analysis, "issuer", json_object_get(f, "issuer"));
    json_object_set(analysis, "cert_sha256", json_object_get(f, "cert_sha256"));
    if (d->scope && (error = pattern_add(ctx, &t, f, d->scope, d->note, analysis, pid)) < 0)
        goto cleanup;
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_run(ctx->store,
                              "UPDATE ct_issuances SET state = ?, pattern_id = ?, note = ?,"
                              " decided_by = ?, decided_at = ? WHERE id = ? AND tenant_id = ?",
                              "ttttttt", d->state, pid[0] ? pid : NULL, d->note, who, now, id,
                              t.id)) < 0)
        goto cleanup;
    if (d->note)
        json_object_set_new(analysis, "note", json_string(d->note));
    gate_follow(ctx, f, d->gate, d->note, analysis);
    error = og_audit_log(ctx, t.id, "certs", d->action, "ct-finding", id, analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    json_decref(f);
    json_decref(analysis);
    if (error >= 0 && out)
        error = finding_get(ctx, t.id, id, out);
    return error < 0 ? error : 0;
}

int og_ct_finding_expect(og_ctx *ctx, const char *tenant, const char *id, const char *scope,
                         const char *note, json_t **out)
{
    if (!scope || !*scope)
        scope = "names";
    if (strcmp(scope, "names") != 0 && strcmp(scope, "domain") != 0)
        return og_error_set(OG_EINVAL,
                            "an expected pattern's scope is names or domain, not "
                            "'%.40s'",
                            scope);
    decide_args d = {"expected", scope, note, "ct.finding.expect", "ack"};
    return decide(ctx, tenant, id, &d, out);
}

int og_ct_finding_incident(og_ctx *ctx, const char *tenant, const char *id, const char *note,
                           json_t **out)
{
    decide_args d = {"incident", NULL, note, "ct.finding.incident", "escalate"};
    return decide(ctx, tenant, id, &d, out);
}

int og_ct_expected_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    int error = og_ct__tenant(ctx, tenant, OG_PERM_READ, &t);
    if (error < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, issuer, issuer_pubkey_sha256, names AS"
                                      " names_json, from_finding, note, created_at, created_by"
                                      " FROM ct_expected WHERE tenant_id = ? ORDER BY created_at",
                                      "t", t.id)) >= 0)
        error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_ct_expected_remove(og_ctx *ctx, const char *tenant, const char *id)
{
    og_tenant t;
    int error, in_tx = 0;
    json_t *analysis = NULL;
    if ((error = og_ct__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "which expected pattern? (its id)");
    if ((error = og_store_tx_begin_scope(ctx->store, t.id)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_store_run(ctx->store,
                              "SELECT 1 FROM ct_expected WHERE id = ? AND"
                              " tenant_id = ?",
                              "tt", id, t.id)) <= 0) {
        if (error == 0)
            error = og_error_set(OG_ENOTFOUND, "no expected pattern '%.64s'", id);
        goto cleanup;
    }
    if ((error = og_store_run(ctx->store, "DELETE FROM ct_expected WHERE id = ? AND tenant_id = ?",
                              "tt", id, t.id)) < 0)
        goto cleanup;
    analysis = json_object();
    error = og_audit_log(ctx, t.id, "certs", "ct.expected.remove", "ct-expected", id, analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    json_decref(analysis);
    return error < 0 ? error : 0;
}

int og_ct_cert_status(og_ctx *ctx, const char *tenant, const char *fingerprint, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    int error = og_ct__tenant(ctx, tenant, OG_PERM_READ, &t);
    if (error < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, remote_id, verdict, state, watch_domain AS watch,"
                                      " seen_at FROM ct_issuances WHERE tenant_id = ? AND"
                                      " (cert_sha256 = ? OR known_sha256 = ?) ORDER BY seen_us",
                                      "ttt", t.id, fingerprint ? fingerprint : "",
                                      fingerprint ? fingerprint : "")) >= 0)
        error = og_stmt_collect(st, NULL, NULL, &arr);
    og_stmt_free(st);
    if (error < 0)
        return error;
    *out = json_pack("{s:b, s:o}", "logged", json_array_size(arr) > 0, "issuances", arr);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}
