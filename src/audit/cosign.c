/* cosign.c - witnesses that cosign checkpoints (C2SP tlog-witness): registering them, sending
 * each new checkpoint with a consistency proof from the size the witness has seen, storing the
 * cosignatures, and raising a refusal (a witness that saw another history) as an audited alert. */
#include "audit_internal.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WITNESS_TIMEOUT_S   30L
#define WITNESS_CONNECT_S   10L
#define WITNESS_ANSWER_CAP  ((size_t)64 << 10)
#define WITNESS_ATTEMPTS    3 /* one POST, then resends after 409 answers */
#define WITNESS_URL_MAX     1024
#define WITNESS_REFUSAL_MAX 512

/* ---- registering ---- */

static int url_ok(const char *url)
{
    char scheme[16], host[256];
    if (!url || strlen(url) >= WITNESS_URL_MAX ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return og_error_set(OG_EINVAL, "a witness URL is http:// or https:// (at most %d bytes)",
                            WITNESS_URL_MAX - 1);
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)) < 0)
        return og_error_set(OG_EINVAL, "witness URL '%s' has no host", url);
    return 0;
}

int og_audit_witness_add(og_ctx *ctx, const char *tenant_id, const char *url, const char *vkey,
                         char id_out[OG_ID_LEN])
{
    og_audit__vkey k;
    char id[OG_ID_LEN], now[OG_TIME_LEN], actor[160], redacted[256];
    json_t *analysis = NULL;
    int error;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_audit__vkey_parse(vkey, &k)) < 0 || (error = url_ok(url)) < 0)
        return error;
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, actor, sizeof(actor));
    og_url_redact(url, redacted, sizeof(redacted));
    if (!(analysis = json_pack("{s:s,s:s,s:s,s:s?}", "url", redacted, "vkey", vkey, "key_name",
                               k.name, "tenant_id", tenant_id && tenant_id[0] ? tenant_id : NULL)))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    error = og_store_run(ctx->store,
                         "INSERT INTO audit_witness (id, tenant_id, url, vkey, name, created_at,"
                         " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "ttttttt", id, tenant_id && tenant_id[0] ? tenant_id : NULL, url, vkey,
                         k.name, now, actor);
    if (error == OG_EEXISTS)
        error = og_error_set(OG_EEXISTS, "witness key %s is registered already%s", k.name,
                             tenant_id && tenant_id[0] ? " for that tenant" : "");
    if (error >= 0) {
        og_audit_rec rec = {.area = "audit",
                            .action = "audit.witness.add",
                            .target_type = "audit_witness",
                            .target_id = id,
                            .target_name = k.name,
                            .analysis = analysis};
        error = og_audit_append(ctx, &rec, NULL);
    }
    error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && id_out)
        og_strlcpy(id_out, id, OG_ID_LEN);
cleanup:
    json_decref(analysis);
    return error < 0 ? error : 0;
}

int og_audit_witness_list(og_ctx *ctx, json_t **out)
{
    og_stmt *st = NULL;
    int error;
    *out = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             "SELECT w.id AS id, w.tenant_id AS tenant_id, w.url AS url, w.vkey AS vkey,"
             " w.name AS name, w.created_at AS created_at, w.created_by AS created_by,"
             " (SELECT count(*) FROM audit_cosignature c WHERE c.witness_vkey = w.vkey) AS"
             " cosignatures,"
             " (SELECT max(s.refused_at) FROM audit_witness_state s WHERE s.witness_id = w.id) AS"
             " refused_at,"
             " (SELECT s.refusal FROM audit_witness_state s WHERE s.witness_id = w.id AND"
             " s.refused_at IS NOT NULL ORDER BY s.refused_at DESC LIMIT 1) AS refusal"
             " FROM audit_witness w ORDER BY w.created_at, w.id")) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}

int og_audit_witness_remove(og_ctx *ctx, const char *id)
{
    int error;
    char name[OG_AUDIT_NOTE_NAME_MAX] = "";
    og_stmt *st = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error =
             og_stmt_prepare_args(&st, ctx->store, "SELECT name FROM audit_witness WHERE id = ?",
                                  "t", id ? id : "")) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "no witness with id '%s'", id ? id : "");
    else if (error == OG_ROW)
        og_strlcpy(name, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", sizeof(name));
    og_stmt_free(st);
    if (error < 0)
        goto cleanup;
    if ((error = og_store_run(ctx->store, "DELETE FROM audit_witness_state WHERE witness_id = ?",
                              "t", id)) < 0 ||
        (error = og_store_run(ctx->store, "DELETE FROM audit_witness WHERE id = ?", "t", id)) < 0)
        goto cleanup;
    og_audit_rec rec = {.area = "audit",
                        .action = "audit.witness.remove",
                        .target_type = "audit_witness",
                        .target_id = id,
                        .target_name = name};
    error = og_audit_append(ctx, &rec, NULL);
cleanup:
    return og_store_tx_end(ctx->store, error < 0 ? error : 0);
}

/* ---- sending a checkpoint ---- */

typedef struct witness {
    char id[OG_ID_LEN];
    char url[WITNESS_URL_MAX];
    char vkey_text[512];
    og_audit__vkey vkey;
} witness;

typedef struct send_state {
    og_ctx *ctx;
    const char *chain;
    const og_audit__cp *cp;
    const char *note;
    const og_audit_witness_hooks *hooks;
} send_state;

/* What the witness has seen of the chain: its size (0: nothing) and the size it refused. */
static int state_get(og_store *s, const witness *w, const char *chain, int64_t *size,
                     int64_t *refused)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT tree_size, refused_size FROM audit_witness_state"
                                     " WHERE witness_id = ? AND chain = ?",
                                     "tt", w->id, chain);
    *size = *refused = 0;
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        *size = og_stmt_col_int(st, 0);
        *refused = og_stmt_col_int(st, 1);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

static int state_put(og_store *s, const witness *w, const char *chain, int64_t size,
                     const char *root)
{
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    int error = og_store_run(s,
                             "UPDATE audit_witness_state SET tree_size = ?, root = ?,"
                             " updated_at = ? WHERE witness_id = ? AND chain = ?",
                             "itttt", size, root, now, w->id, chain);
    if (error >= 0 && og_store_changes(s) == 0)
        error = og_store_run(s,
                             "INSERT INTO audit_witness_state (witness_id, chain, tree_size, root,"
                             " updated_at) VALUES (?, ?, ?, ?, ?)",
                             "ttitt", w->id, chain, size, root, now);
    return error < 0 ? error : 0;
}

static int has_cosignature(og_store *s, const witness *w, const char *chain, int64_t size)
{
    return og_store_run(s,
                        "SELECT 1 FROM audit_cosignature WHERE chain = ? AND tree_size = ?"
                        " AND witness_vkey = ?",
                        "tit", chain, size, w->vkey_text);
}

/* "old N\n", the consistency proof from N to the checkpoint's size, a blank line, the note. */
static int request_body(send_state *ss, int64_t old, og_buf *out)
{
    uint8_t proof[OG_MERKLE_MAX_PROOF][32];
    size_t n = 0;
    int error;
    og_audit__chain_src src = {ss->ctx->store, ss->chain};
    if (old > 0 && old < ss->cp->size &&
        (error = og_audit_merkle_consistency_proof(og_audit__chain_subtree, &src, (uint64_t)old,
                                                   (uint64_t)ss->cp->size, proof, &n)) < 0)
        return error;
    if ((error = og_buf_printf(out, "old %lld\n", (long long)old)) < 0)
        return error;
    for (size_t i = 0; i < n; i++) {
        char *b64 = og_base64_encode(proof[i], 32);
        if (!b64)
            return og_error_set(OG_ERROR, "out of memory");
        error = og_buf_printf(out, "%s\n", b64);
        free(b64);
        if (error < 0)
            return error;
    }
    if ((error = og_buf_puts(out, "\n")) < 0 || (error = og_buf_puts(out, ss->note)) < 0)
        return error;
    return 0;
}

/* Store the witness's cosignature (its signature line that verifies over the checkpoint). */
static int cosignature_store(send_state *ss, const witness *w, const char *answer, size_t len)
{
    og_buf body;
    int64_t ts = 0;
    int error;
    og_buf_init(&body, 512);
    if ((error = og_audit__note_body(&body, ss->cp->origin, ss->cp->size, ss->cp->root)) < 0)
        goto cleanup;
    if ((error = og_audit__note_check(&w->vkey, body.data, body.len, answer, len, &ts)) < 0) {
        error = og_error_set(OG_ERROR,
                             "witness %s answered without a valid cosignature of its key %s"
                             " for chain '%s' at tree size %lld",
                             w->url, w->vkey.name, ss->chain, (long long)ss->cp->size);
        goto cleanup;
    }
    /* keep only the witness's own line */
    char line[512] = "";
    for (const char *p = answer; p < answer + len;) {
        const char *nl = memchr(p, '\n', (size_t)(answer + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(answer + len - p);
        if (n < sizeof(line)) {
            og_audit__vkey one = w->vkey;
            memcpy(line, p, n);
            line[n] = '\0';
            if (og_audit__note_check(&one, body.data, body.len, line, n, NULL) == 0)
                break;
        }
        line[0] = '\0';
        p += n + (nl ? 1 : 0);
    }
    og_error_clear();
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ss->ctx->store)) < 0)
        goto cleanup;
    error = og_store_run(ss->ctx->store,
                         "INSERT INTO audit_cosignature (chain, tree_size, witness_vkey,"
                         " witness_url, line, timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "titttIt", ss->chain, ss->cp->size, w->vkey_text, w->url, line, ts, now);
    if (error == OG_EEXISTS) {
        og_error_clear();
        error = 0;
    }
    if (error >= 0)
        error = state_put(ss->ctx->store, w, ss->chain, ss->cp->size, ss->cp->root);
    error = og_store_tx_end(ss->ctx->store, error < 0 ? error : 0);
cleanup:
    og_buf_free(&body);
    return error;
}

/* A witness refused the checkpoint: record it (failed audit record) and raise the alert, once per
 * (witness, chain, size). */
static int refusal(send_state *ss, const witness *w, long status, const char *why)
{
    char now[OG_TIME_LEN], redacted[256];
    json_t *a = NULL;
    int error;
    og_time_format(og_time_now_us(), now);
    og_url_redact(w->url, redacted, sizeof(redacted));
    if (!(a = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:s,s:s}", "witness_id", w->id, "witness",
                        w->vkey.name, "url", redacted, "chain", ss->chain, "tree_size",
                        (json_int_t)ss->cp->size, "root_hash", ss->cp->root, "status",
                        (json_int_t)status, "reason", why, "origin", ss->cp->origin)))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_tx_begin(ss->ctx->store)) < 0)
        goto cleanup;
    int64_t old = 0, refused = 0;
    if ((error = state_get(ss->ctx->store, w, ss->chain, &old, &refused)) < 0 ||
        refused == ss->cp->size)
        goto done; /* raised already (a redelivery) */
    error = og_store_run(ss->ctx->store,
                         "UPDATE audit_witness_state SET refused_size = ?, refused_at = ?,"
                         " refusal = ? WHERE witness_id = ? AND chain = ?",
                         "itttt", ss->cp->size, now, why, w->id, ss->chain);
    if (error >= 0 && og_store_changes(ss->ctx->store) == 0)
        error = og_store_run(ss->ctx->store,
                             "INSERT INTO audit_witness_state (witness_id, chain, tree_size, root,"
                             " updated_at, refused_size, refused_at, refusal)"
                             " VALUES (?, ?, 0, '', ?, ?, ?, ?)",
                             "tttitt", w->id, ss->chain, now, ss->cp->size, now, why);
    if (error < 0)
        goto done;
    og_audit_rec rec = {.area = "audit",
                        .action = "audit.witness.refused",
                        .target_type = "audit_witness",
                        .target_id = w->id,
                        .target_name = w->vkey.name,
                        .analysis = a,
                        .failed = 1,
                        .detail = why};
    if ((error = og_audit_append(ss->ctx, &rec, NULL)) >= 0 && ss->hooks && ss->hooks->on_refusal)
        error = ss->hooks->on_refusal(ss->ctx, a, ss->hooks->refusal_arg);
done:
    error = og_store_tx_end(ss->ctx->store, error < 0 ? error : 0);
cleanup:
    json_decref(a);
    return error;
}

/* The size in a 409 answer (text/x.tlog.size: one decimal line). */
static int64_t answer_size(const og_buf *b)
{
    char tmp[32];
    size_t n = b->len < sizeof(tmp) - 1 ? b->len : sizeof(tmp) - 1;
    memcpy(tmp, b->data ? b->data : "", n);
    tmp[n] = '\0';
    char *end = NULL;
    long long v = strtoll(tmp, &end, 10);
    return end != tmp && v >= 0 ? (int64_t)v : -1;
}

/* Whether this installation signed a checkpoint of the chain at that size: a witness that knows a
 * larger tree than the event at hand may just have heard of a later checkpoint first. */
static int signed_size(og_store *s, const char *chain, int64_t size)
{
    return og_store_run(s,
                        "SELECT 1 FROM audit_checkpoint WHERE chain = ? AND tree_size = ? AND"
                        " origin IS NOT NULL",
                        "ti", chain, size);
}

static int send_one(send_state *ss, const witness *w)
{
    int64_t old = 0, refused = 0;
    int error, attempt;
    char endpoint[WITNESS_URL_MAX + 32], why[WITNESS_REFUSAL_MAX];
    if ((error = has_cosignature(ss->ctx->store, w, ss->chain, ss->cp->size)) != 0)
        return error < 0 ? error : 0;
    if ((error = state_get(ss->ctx->store, w, ss->chain, &old, &refused)) < 0)
        return error;
    if (old > ss->cp->size)
        return 0; /* it cosigned a later checkpoint already */
    size_t ul = strlen(w->url);
    snprintf(endpoint, sizeof(endpoint), "%s%s", w->url,
             ul >= 15 && strcmp(w->url + ul - 15, "/add-checkpoint") == 0 ? ""
             : ul && w->url[ul - 1] == '/'                                ? "add-checkpoint"
                                                                          : "/add-checkpoint");
    for (attempt = 0; attempt < WITNESS_ATTEMPTS; attempt++) {
        og_buf body;
        og_netclient_resp r;
        static const char *const headers[] = {"Content-Type: text/plain; charset=utf-8", NULL};
        og_buf_init(&body, 4096);
        if ((error = request_body(ss, old, &body)) < 0) {
            og_buf_free(&body);
            return error;
        }
        og_netclient_req req = {.method = "POST",
                                .url = endpoint,
                                .headers = headers,
                                .body = body.data,
                                .body_len = body.len,
                                .user_agent = "opsgate-audit-witness-client",
                                .timeout_s = WITNESS_TIMEOUT_S,
                                .connect_timeout_s = WITNESS_CONNECT_S,
                                .body_cap = WITNESS_ANSWER_CAP,
                                .allow_connect = ss->hooks ? ss->hooks->allow_connect : NULL,
                                .allow_arg = ss->hooks ? ss->hooks->allow_arg : NULL};
        error = og_netclient_do(NULL, &req, &r);
        og_buf_free(&body);
        if (error < 0) {
            error = og_error_set(OG_ERROR, "witness %s: %s", w->url,
                                 r.error[0] ? r.error : og_error_last());
            og_netclient_resp_clear(&r);
            return error;
        }
        if (r.status == 200) {
            error = cosignature_store(ss, w, r.body.data ? r.body.data : "", r.body.len);
            og_netclient_resp_clear(&r);
            return error;
        }
        long status = r.status;
        int64_t known = status == 409 ? answer_size(&r.body) : -1;
        /* what the witness said, on one line, for the record */
        size_t said = r.body.len > 200 ? 200 : r.body.len;
        while (said && (unsigned char)r.body.data[said - 1] <= ' ')
            said--;
        snprintf(why, sizeof(why), "the witness refused the checkpoint (HTTP %ld%s%.*s)", status,
                 said ? ": " : "", (int)said, said ? r.body.data : "");
        for (char *c = why; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        og_netclient_resp_clear(&r);
        if (status == 409 && known >= 0) {
            if (known <= ss->cp->size && known != old) {
                old = known; /* resend with a proof from the size it knows */
                continue;
            }
            if (known > ss->cp->size &&
                (error = signed_size(ss->ctx->store, ss->chain, known)) != 0)
                return error < 0 ? error : 0;
            snprintf(why, sizeof(why),
                     "the witness knows tree size %lld of chain '%s', which this installation"
                     " never signed (it has %lld): the history was cut or forked",
                     (long long)known, ss->chain, (long long)ss->cp->size);
            return refusal(ss, w, status, why);
        }
        if (status == 409 || status == 403 || status == 404 || status == 422)
            return refusal(ss, w, status, why); /* a 409 without a size: another root */
        return og_error_set(OG_ERROR, "witness %s answered HTTP %ld", w->url, status);
    }
    return og_error_set(OG_ERROR, "witness %s: still a conflict after %d attempts", w->url,
                        WITNESS_ATTEMPTS);
}

static int witnesses_of(og_store *s, const char *chain, witness **out, size_t *n)
{
    og_stmt *st = NULL;
    int error;
    *out = NULL;
    *n = 0;
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT id, url, vkey FROM audit_witness WHERE tenant_id IS"
                                      " NULL OR tenant_id = ? ORDER BY created_at, id",
                                      "t", chain)) < 0)
        return error;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        witness *w = realloc(*out, (*n + 1) * sizeof(**out));
        if (!w) {
            error = og_error_set(OG_ERROR, "out of memory");
            break;
        }
        *out = w;
        w += *n;
        memset(w, 0, sizeof(*w));
        og_strlcpy(w->id, og_stmt_col_text(st, 0), sizeof(w->id));
        og_strlcpy(w->url, og_stmt_col_text(st, 1), sizeof(w->url));
        og_strlcpy(w->vkey_text, og_stmt_col_text(st, 2), sizeof(w->vkey_text));
        if (og_audit__vkey_parse(w->vkey_text, &w->vkey) < 0) {
            og_error_clear();
            continue; /* cannot happen: checked when added */
        }
        (*n)++;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_audit_witness_send(og_ctx *ctx, const json_t *checkpoint,
                          const og_audit_witness_hooks *hooks)
{
    og_audit__cp cp;
    witness *ws = NULL;
    size_t n = 0, failed = 0;
    int error, first = 0;
    char chain[OG_ID_LEN + 16], msg[512] = "";
    const char *c = json_string_value(json_object_get(checkpoint, "chain"));
    const char *note = json_string_value(json_object_get(checkpoint, "note"));
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if (!c || strlen(c) >= sizeof(chain) || og_audit__cp_from_json(checkpoint, &cp) < 0)
        return og_error_set(OG_EINVAL, "not an audit checkpoint");
    if (!note || !cp.origin[0])
        return 0; /* an opsgate-audit-checkpoint/1 checkpoint: no witness speaks it */
    og_strlcpy(chain, c, sizeof(chain));
    send_state ss = {ctx, chain, &cp, note, hooks};
    if ((error = witnesses_of(ctx->store, chain, &ws, &n)) < 0 || n == 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if ((error = send_one(&ss, &ws[i])) < 0) {
            /* the others still get it; the delivery is retried for the failed ones */
            failed++;
            if (!first) {
                first = error;
                og_strlcpy(msg, og_error_last(), sizeof(msg));
            }
        }
    }
    error =
        failed ? og_error_set(first, "%zu of %zu witness(es) not reached: %s", failed, n, msg) : 0;
cleanup:
    free(ws);
    return error;
}

/* ---- verify --min-witnesses ---- */

int og_audit__cosignatures_count(og_store *s, const char *chain, const og_audit__cp *cp,
                                 int64_t *valid)
{
    og_stmt *st = NULL;
    og_buf body;
    int error;
    *valid = 0;
    if (!cp->origin[0])
        return 0;
    og_buf_init(&body, 512);
    if ((error = og_audit__note_body(&body, cp->origin, cp->size, cp->root)) < 0 ||
        (error = og_stmt_prepare_args(&st, s,
                                      "SELECT c.witness_vkey, c.line FROM audit_cosignature c"
                                      " JOIN audit_witness w ON w.vkey = c.witness_vkey"
                                      " AND (w.tenant_id IS NULL OR w.tenant_id = c.chain)"
                                      " WHERE c.chain = ? AND c.tree_size = ?"
                                      " GROUP BY c.witness_vkey, c.line",
                                      "ti", chain, cp->size)) < 0)
        goto cleanup;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        og_audit__vkey k;
        const char *line = og_stmt_col_text(st, 1);
        if (og_audit__vkey_parse(og_stmt_col_text(st, 0), &k) == 0 && line &&
            og_audit__note_check(&k, body.data, body.len, line, strlen(line), NULL) == 0)
            (*valid)++;
        og_error_clear();
    }
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    og_buf_free(&body);
    return error;
}

int og_audit_verify_witnessed(og_ctx *ctx, const char *tenant_id, int min,
                              og_audit_verify_result *res)
{
    char chain[128] = "";
    int error = 0;
    if (min <= 0)
        return 0;
    if ((error =
             og_authz_check(&ctx->actor, tenant_id,
                            tenant_id && tenant_id[0] ? OG_PERM_AUDIT_READ : OG_PERM_PLATFORM)) < 0)
        return error;
    for (;;) {
        json_t *latest = NULL;
        og_audit__cp cp;
        int64_t valid = 0;
        if (tenant_id && tenant_id[0]) {
            if (chain[0])
                break;
            og_strlcpy(chain, tenant_id, sizeof(chain));
        } else if ((error = og_audit__next_chain(ctx->store, chain, chain, sizeof(chain))) <= 0) {
            break;
        }
        if ((error = og_audit__checkpoint_latest(ctx->store, chain, 0, &latest)) == OG_ENOTFOUND) {
            og_error_clear();
            error = 0;
            continue; /* nothing signed yet: nothing to witness */
        }
        if (error < 0)
            break;
        error = og_audit__cp_from_json(latest, &cp);
        json_decref(latest);
        if (error < 0 || (error = og_audit__cosignatures_count(ctx->store, chain, &cp, &valid)) < 0)
            break;
        if (valid < min) {
            error =
                og_audit__problem(res, chain, 0,
                                  "its latest checkpoint (tree size %lld, signed at %s) has %lld"
                                  " valid witness cosignature(s), %d required%s",
                                  (long long)cp.size, cp.time, (long long)valid, min,
                                  cp.origin[0] ? "" : " (it predates signed notes)");
            break;
        }
    }
    if (error == OG_ECORRUPT && res->chain[0])
        return og_audit__verify_report(ctx, res);
    return error < 0 ? error : 0;
}
