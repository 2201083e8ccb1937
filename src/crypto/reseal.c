/* reseal.c - re-sealing a module's sealed columns in batches after a data-key rotation (over SQL
 * the module gives for its own tables), and the re-seal's progress, kept so it resumes. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    char *key, *oid;
    uint8_t *sealed;
    size_t len;
} row;

static void rows_free(row *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].key);
        free(r[i].oid);
        free(r[i].sealed);
    }
    free(r);
}

/* Up to limit rows of a part after the cursor. */
static int rows_read(og_store *s, const char *tid, const og_crypto_reseal_part *p,
                     const char *cursor, int limit, row **out, size_t *n)
{
    int error = -1;
    og_stmt *st = NULL;
    row *r = calloc((size_t)limit, sizeof(*r));
    *out = NULL;
    *n = 0;
    if (!r)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare_args(&st, s, p->select, "tti", tid, cursor, (int64_t)limit)) < 0)
        goto cleanup;
    while ((error = og_stmt_step(st)) == OG_ROW && *n < (size_t)limit) {
        row *x = &r[(*n)++];
        size_t len = 0;
        const char *key = og_stmt_col_text(st, 0), *oid = og_stmt_col_text(st, 1);
        const void *b = og_stmt_col_blob(st, 2, &len);
        if (!key || !oid || !(x->key = strdup(key)) || !(x->oid = strdup(oid)) ||
            (b && len && !(x->sealed = malloc(len)))) {
            error = og_error_set(OG_ERROR, "re-sealing %s: a row without key or out of memory",
                                 p->name);
            goto cleanup;
        }
        if (b && len)
            memcpy(x->sealed, b, len);
        x->len = b ? len : 0;
    }
    if (error < 0) {
        og_error_wrap("re-sealing %s: reading rows", p->name);
        goto cleanup;
    }
    *out = r;
    r = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    if (r)
        rows_free(r, *n);
    if (error < 0)
        *n = 0;
    return error;
}

static int count_parts(og_store *s, const char *tid, const og_crypto_reseal_part *parts, size_t n,
                       og_crypto_reseal_batch *b)
{
    b->total = 0;
    for (size_t i = 0; i < n; i++) {
        og_stmt *st = NULL;
        int error = og_stmt_prepare_args(&st, s, parts[i].count, "t", tid);
        if (error == 0 && (error = og_stmt_step(st)) == OG_ROW)
            b->total += og_stmt_col_int(st, 0);
        og_stmt_free(st);
        if (error < 0)
            return og_error_wrap("counting the sealed items of %s", parts[i].name);
    }
    b->finished = 1;
    return 0;
}

int og_crypto_reseal_parts(og_keyring *k, og_store *s, const char *tenant_id,
                           const og_crypto_reseal_part *parts, size_t n, og_crypto_reseal_batch *b)
{
    int error = 0;
    row *r = NULL;
    size_t nr = 0;
    int left = b->limit > 0 ? b->limit : 100;
    b->seen = b->changed = 0;
    b->finished = 0;
    if (b->counting)
        return count_parts(s, tenant_id, parts, n, b);
    while (left > 0 && b->part >= 0 && (size_t)b->part < n) {
        const og_crypto_reseal_part *p = &parts[b->part];
        if ((error = rows_read(s, tenant_id, p, b->cursor, left, &r, &nr)) < 0)
            goto cleanup;
        for (size_t i = 0; i < nr; i++) {
            uint8_t *out = NULL;
            size_t outlen = 0;
            if (r[i].len == 0)
                continue; /* nothing sealed in this row */
            int re =
                og_crypto_reseal(k, s, tenant_id, r[i].oid, r[i].sealed, r[i].len, &out, &outlen);
            error =
                re == 1 ? og_store_run(s, p->update, "btt", out, outlen, r[i].key, tenant_id) : re;
            free(out);
            if (error < 0) {
                og_error_wrap("re-sealing %s %s", p->name, r[i].key);
                goto cleanup;
            }
            b->changed += re == 1;
        }
        b->seen += (int64_t)nr;
        left -= (int)nr;
        if (nr > 0)
            snprintf(b->cursor, sizeof(b->cursor), "%s", r[nr - 1].key);
        if (left > 0) { /* the part is exhausted */
            b->part++;
            b->cursor[0] = '\0';
        }
        rows_free(r, nr);
        r = NULL;
        nr = 0;
    }
    b->finished = b->part < 0 || (size_t)b->part >= n;
    error = 0;
cleanup:
    rows_free(r, nr);
    return error;
}

/* ---- progress ---- */
int og_crypto_reseal_start(og_store *s, const char *scope, const char *walker, int64_t dek_version,
                           int64_t total)
{
    char now[OG_TIME_LEN];
    const char *key = og_crypto__scope_key(scope);
    og_time_format(og_time_now_us(), now);
    int rc = og_store_run(s,
                          "SELECT 1 FROM crypto_reseal WHERE scope = ? AND walker = ? AND"
                          " dek_version = ?",
                          "tti", key, walker, dek_version);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if ((rc = og_store_run(s, "DELETE FROM crypto_reseal WHERE scope = ? AND walker = ?", "tt", key,
                           walker)) < 0 ||
        (rc = og_store_run(s,
                           "INSERT INTO crypto_reseal (scope, walker, dek_version, part, cursor,"
                           " done, total, finished, updated_at) VALUES (?, ?, ?, 0, '', 0, ?, 0,"
                           " ?)",
                           "ttiit", key, walker, dek_version, total, now)) < 0)
        return og_error_wrap("recording the re-seal of %s", walker);
    return 0;
}

int og_crypto_reseal_get(og_store *s, const char *scope, const char *walker,
                         og_crypto_reseal_batch *b, int64_t *done)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT part, cursor, done, total, finished FROM"
                                     " crypto_reseal WHERE scope = ? AND walker = ?",
                                     "tt", og_crypto__scope_key(scope), walker);
    if (error == 0 && (error = og_stmt_step(st)) == OG_ROW) {
        const char *c = og_stmt_col_text(st, 1);
        b->part = (int)og_stmt_col_int(st, 0);
        snprintf(b->cursor, sizeof(b->cursor), "%s", c ? c : "");
        *done = og_stmt_col_int(st, 2);
        b->total = og_stmt_col_int(st, 3);
        b->finished = og_stmt_col_int(st, 4) != 0;
        error = 0;
    } else if (error >= 0)
        error = og_error_set(OG_ENOTFOUND, "no re-seal of %s is recorded", walker);
    og_stmt_free(st);
    return error;
}

int og_crypto_reseal_save(og_store *s, const char *scope, const char *walker,
                          const og_crypto_reseal_batch *b, int64_t done)
{
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    int rc = og_store_run(s,
                          "UPDATE crypto_reseal SET part = ?, cursor = ?, done = ?, finished = ?,"
                          " updated_at = ? WHERE scope = ? AND walker = ?",
                          "itiittt", (int64_t)b->part, b->cursor, done, (int64_t)b->finished, now,
                          og_crypto__scope_key(scope), walker);
    return rc < 0 ? og_error_wrap("recording the re-seal progress of %s", walker) : 0;
}

static json_t *progress_row(og_stmt *st, void *arg)
{
    (void)arg;
    return json_pack("{s:s, s:I, s:I, s:I, s:b, s:s}", "walker", og_stmt_col_text(st, 0),
                     "dek_version", (json_int_t)og_stmt_col_int(st, 1), "done",
                     (json_int_t)og_stmt_col_int(st, 2), "total",
                     (json_int_t)og_stmt_col_int(st, 3), "finished", og_stmt_col_int(st, 4) != 0,
                     "updated_at", og_stmt_col_text(st, 5));
}

int og_crypto_reseal_list(og_store *s, const char *scope, json_t **out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(&st, s,
                                     "SELECT walker, dek_version, done, total, finished,"
                                     " updated_at FROM crypto_reseal WHERE scope = ?"
                                     " ORDER BY walker",
                                     "t", og_crypto__scope_key(scope));
    if (error == 0)
        error = og_stmt_collect(st, progress_row, NULL, out);
    og_stmt_free(st);
    return error;
}

int og_crypto_reseal_clear(og_store *s, const char *scope)
{
    int rc = og_store_run(s, "DELETE FROM crypto_reseal WHERE scope = ?", "t",
                          og_crypto__scope_key(scope));
    return rc < 0 ? rc : 0;
}

static json_t *scope_row(og_stmt *st, void *arg)
{
    (void)arg;
    return json_string(og_stmt_col_text(st, 0));
}

int og_crypto_datakey_rotating(og_store *s, json_t **out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(
        &st, s,
        "SELECT DISTINCT scope FROM crypto_data_key_old WHERE scope <> '" OG_CRYPTO_PLATFORM_SCOPE
        "' ORDER BY scope");
    if (error == 0)
        error = og_stmt_collect(st, scope_row, NULL, out);
    og_stmt_free(st);
    return error;
}
