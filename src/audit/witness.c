/* witness.c - checkpoints kept outside the data folder (a witness file or URL) checked against the
 * local chains: truncation and rewrites after the last local checkpoint. */
#include "audit_internal.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_TIMEOUT_S   30L
#define CONNECT_TIMEOUT_S 10L

/* GET an http(s) URL into *text; no redirects, bounded in size and time. */
static int fetch_url(const char *url, size_t cap, char **text, size_t *len)
{
    int error;
    og_netclient_resp r;
    og_netclient_req req = {.url = url,
                            .protocols = "http,https",
                            .user_agent = "opsgate-audit-witness",
                            .timeout_s = FETCH_TIMEOUT_S,
                            .connect_timeout_s = CONNECT_TIMEOUT_S,
                            .body_cap = cap};
    error = og_netclient_do(NULL, &req, &r);
    if (error == OG_ETOOBIG) {
        error = og_error_set(OG_ERROR, "witness '%s' is larger than %zu bytes", url, cap);
        goto cleanup;
    }
    if (error < 0) {
        error = og_error_set(OG_ERROR, "cannot fetch witness '%s': %s", url, r.error);
        goto cleanup;
    }
    if (r.status != 200) {
        error = og_error_set(OG_ERROR, "cannot fetch witness '%s': HTTP status %ld", url, r.status);
        goto cleanup;
    }
    *len = r.body.len;
    *text = og_buf_detach(&r.body);
    if (!*text)
        *text = calloc(1, 1);
    error = *text ? 0 : og_error_set(OG_ERROR, "out of memory");
cleanup:
    og_netclient_resp_clear(&r);
    return error;
}

int og_audit_witness_load(const char *source, size_t cap, char **text, size_t *len)
{
    int error;
    *text = NULL;
    *len = 0;
    if (!source || !source[0])
        return og_error_set(OG_EINVAL, "no witness given (a file or an http(s):// URL)");
    if (strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0)
        return fetch_url(source, cap, text, len);
    if (strstr(source, "://"))
        return og_error_set(OG_EINVAL, "witness '%s': only files and http(s):// URLs", source);
    if ((error = og_file_read(source, cap, text, len)) < 0) {
        char m[512];
        og_strlcpy(m, og_error_last(), sizeof(m)); /* not formatted into itself */
        return og_error_set(OG_ERROR, "cannot read witness file: %s", m);
    }
    if (!*text && !(*text = calloc(1, 1)))
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

static int local_has(og_store *s, const char *chain, const og_audit__cp *cp, int *has)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT 1 FROM audit_checkpoint WHERE chain = ? AND tree_size = ?"
                                " AND root = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, cp->size);
    og_stmt_bind_text(st, 3, cp->root);
    error = og_stmt_step(st);
    *has = error == OG_ROW;
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Check one witnessed checkpoint against the local chain. */
static int check_line(og_ctx *ctx, long line, const char *chain, const og_audit__cp *cp,
                      const uint8_t *pub, og_audit_verify_result *res)
{
    uint8_t key[32];
    char want_id[OG_AUDIT_KEY_ID_LEN];
    int64_t n = 0;
    int error, has = 0;
    res->witnessed++;
    if (pub) {
        og_audit__key_id(pub, want_id);
        if (!og_streq(want_id, cp->key_id))
            return og_audit__problem(
                res, chain, 0, "witness line %ld is signed by key %s, not by the given key %s",
                line, cp->key_id, want_id);
        memcpy(key, pub, 32);
    } else if ((error = og_audit__pubkey_get(ctx->store, cp->key_id, key)) < 0) {
        if (error != OG_ENOTFOUND && error != OG_ECORRUPT)
            return error;
        og_error_clear();
        return og_audit__problem(
            res, chain, 0,
            "witness line %ld is signed by key %s, which this installation does not"
            " have",
            line, cp->key_id);
    }
    if (og_audit__cp_verify(chain, cp, key) < 0) {
        og_error_clear();
        return og_audit__problem(
            res, chain, 0,
            "the signature of witness line %ld (tree size %lld) does not verify with"
            " key %s: the witness line was altered",
            line, (long long)cp->size, cp->key_id);
    }
    if ((error = og_audit__chain_length(ctx->store, chain, &n)) < 0)
        return error;
    if (n < cp->size)
        return og_audit__problem(
            res, chain, n + 1,
            "the chain ends at seq %lld but the witness (line %ld) holds its checkpoint"
            " of %lld records signed at %s: records from seq %lld on were removed",
            (long long)n, line, (long long)cp->size, cp->time, (long long)n + 1);
    if ((error = local_has(ctx->store, chain, cp, &has)) < 0)
        return error;
    if (!has) {
        uint8_t root[32];
        char hex[OG_AUDIT_HASH_HEX];
        og_audit__chain_src src = {ctx->store, chain};
        error = og_audit__chain_subtree(&src, 0, (uint64_t)cp->size, root);
        if (error < 0 && error != OG_ECORRUPT)
            return error;
        og_hex_encode(root, 32, hex);
        if (error < 0 || !og_streq(hex, cp->root)) {
            og_error_clear();
            return og_audit__problem(
                res, chain, 0,
                "the Merkle root over records 1..%lld differs from the witnessed"
                " checkpoint (line %ld, signed at %s): records were rewritten",
                (long long)cp->size, line, cp->time);
        }
    }
    return 0;
}

int og_audit_verify_witness(og_ctx *ctx, const char *tenant_id, const char *text, size_t len,
                            const uint8_t *pub, og_audit_verify_result *res)
{
    int error;
    long line = 0;
    char chain[OG_ID_LEN + 16];
    if ((error = og_audit_verify(ctx, tenant_id, res)) < 0)
        return error;
    for (size_t pos = 0; pos < len;) {
        const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        json_error_t jerr;
        json_t *o;
        og_audit__cp cp;
        pos += n + (nl ? 1 : 0);
        line++;
        size_t i = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i == n)
            continue;
        if (!(o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr)))
            return og_error_set(OG_EINVAL, "witness line %ld is not JSON: %s", line, jerr.text);
        const char *c = json_string_value(json_object_get(o, "chain"));
        if (!c || !c[0] || strlen(c) >= sizeof(chain)) {
            json_decref(o);
            return og_error_set(OG_EINVAL, "witness line %ld is not a checkpoint: no 'chain'",
                                line);
        }
        og_strlcpy(chain, c, sizeof(chain));
        error = og_audit__cp_from_json(o, &cp);
        json_decref(o);
        if (error < 0)
            return og_error_wrap("witness line %ld", line); /* OG_EINVAL */
        if (tenant_id && tenant_id[0] && !og_streq(chain, tenant_id))
            continue;
        if ((error = check_line(ctx, line, chain, &cp, pub, res)) < 0 && error != OG_ECORRUPT)
            return error;
        if (error == OG_ECORRUPT)
            break; /* the first problem is the one reported */
    }
    if (res->chain[0])
        return og_audit__verify_report(ctx, res);
    return 0;
}
