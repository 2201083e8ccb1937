/* app_credentials.c - cloud app credentials (the client secrets and certificate credentials of
 * Entra applications and service principals) as inventory entries of kind app-credential, kept in
 * step with their source by og_certs_app_credentials_sync. Lists, show, alerts and metrics read
 * them through the certs rows they share with certificates (schema step 4). */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCE 128
#define MAX_KEY_ID 64
#define MAX_ID     128 /* object id, app id */
/* app name, credential name: Entra allows 256 characters, up to 1024 bytes of UTF-8 */
#define MAX_NAME 1024
/* Graph's hint is a secret's first three characters; more would be more of the secret than a
 * hint, so a longer one is refused rather than stored. */
#define MAX_HINT       8
#define MAX_THUMBPRINT 128
#define MAX_CREDS      100000
#define AUDIT_LIST     50 /* credentials named per change list in the audit record */

int og_certs_kind_check(const char *kind)
{
    if (!kind || !*kind || strcmp(kind, OG_CERTS_KIND_X509) == 0 ||
        strcmp(kind, OG_CERTS_KIND_APP) == 0)
        return 0;
    return og_error_set(OG_EINVAL, "unknown kind '%.64s' (x509 or app-credential)", kind);
}

void og_certs__app_id(const char *source, const char *object_id, const char *key_id, char out[65])
{
    uint8_t d[32];
    char hex[65];
    og_sha256 *h = og_sha256_new();
    if (!h) {
        out[0] = '\0';
        return;
    }
    /* each part with its terminating NUL, so ("ab","c") and ("a","bc") differ */
    og_sha256_update(h, source, strlen(source) + 1);
    og_sha256_update(h, object_id, strlen(object_id) + 1);
    og_sha256_update(h, key_id, strlen(key_id) + 1);
    og_sha256_final(h, d);
    og_hex_encode(d, sizeof(d), hex);
    snprintf(out, 65, "%s%.60s", OG_CERTS__APP_PREFIX, hex);
}

void og_certs__app_label(const char *app_name, const char *app_id, const char *type,
                         const char *name, const char *key_id, char *out, size_t size)
{
    char *label = NULL;
    int n;
    if (!size)
        return;
    n = asprintf(&label, "app %s%s%s %s %s%.*s%s", app_name && *app_name ? "'" : "",
                 app_name && *app_name ? app_name
                 : app_id && *app_id   ? app_id
                                       : "(no name)",
                 app_name && *app_name ? "'" : "", type ? type : "credential",
                 name && *name ? "'" : "", name && *name ? 1024 : 8,
                 name && *name ? name
                 : key_id      ? key_id
                               : "",
                 name && *name ? "'" : "");
    if (n < 0) {
        out[0] = '\0';
        return;
    }
    /* cut to size without splitting a UTF-8 sequence (the names are valid UTF-8) */
    size_t len = (size_t)n < size ? (size_t)n : size - 1;
    while (len < (size_t)n && len > 0 && ((unsigned char)label[len] & 0xc0) == 0x80)
        len--;
    memcpy(out, label, len);
    out[len] = '\0';
    free(label);
}

int og_certs__app_alerts_clear(og_store *s, const char *tenant_id, const char *id)
{
    int error;
    if ((error = og_store_run(s, "DELETE FROM cert_alerts WHERE tenant_id = ? AND fingerprint = ?",
                              "tt", tenant_id, id)) < 0 ||
        (error =
             og_store_run(s, "DELETE FROM cert_alert_state WHERE tenant_id = ? AND fingerprint = ?",
                          "tt", tenant_id, id)) < 0)
        return error;
    return 0;
}

int og_certs__app_remove(og_store *s, const char *tenant_id, const char *id)
{
    int error;
    if ((error = og_certs__app_alerts_clear(s, tenant_id, id)) < 0 ||
        (error = og_store_run(s,
                              "DELETE FROM certs WHERE tenant_id = ? AND fingerprint = ? AND"
                              " kind = '" OG_CERTS_KIND_APP "'",
                              "tt", tenant_id, id)) < 0)
        return error;
    return 0;
}

/* ---- checking what the source gave ---- */

static int bad(size_t i, const og_certs_app_credential *c, const char *what)
{
    return og_error_set(OG_EINVAL,
                        "app credential %zu (object %.64s, key id %.64s): %s; nothing was written",
                        i + 1, c->object_id && *c->object_id ? c->object_id : "?",
                        c->key_id && *c->key_id ? c->key_id : "?", what);
}

/* Whether s is valid UTF-8 of at most max bytes; ids (printable) also without control
 * characters. NULL counts as "". */
static int text_ok(const char *s, size_t max, int is_id)
{
    size_t len = s ? strlen(s) : 0;
    if (len > max || (len && !og_utf8_valid(s, len, NULL)))
        return 0;
    for (size_t i = 0; is_id && i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ' ')
            return 0;
    return 1;
}

static int hex_ok(const char *s)
{
    for (; s && *s; s++)
        if (!strchr("0123456789abcdefABCDEF", *s))
            return 0;
    return 1;
}

static int cred_check(const og_certs_app_credential *c, size_t i)
{
    char why[160];
    if (!c->key_id || !*c->key_id || !text_ok(c->key_id, MAX_KEY_ID, 1))
        return bad(i, c, "missing, overlong (over 64 bytes) or unprintable key id");
    if (!c->object_id || !*c->object_id || !text_ok(c->object_id, MAX_ID, 1))
        return bad(i, c, "missing, overlong or unprintable object id");
    if (!c->object_type ||
        (strcmp(c->object_type, "application") && strcmp(c->object_type, "servicePrincipal")))
        return bad(i, c, "object type must be application or servicePrincipal");
    if (!c->type || (strcmp(c->type, "secret") && strcmp(c->type, "certificate")))
        return bad(i, c, "type must be secret or certificate");
    if (!text_ok(c->app_id, MAX_ID, 1))
        return bad(i, c, "overlong or unprintable app id");
    if (!text_ok(c->app_name, MAX_NAME, 0) || !text_ok(c->name, MAX_NAME, 0)) {
        snprintf(why, sizeof(why), "app or credential name over %d bytes or not UTF-8", MAX_NAME);
        return bad(i, c, why);
    }
    if (!text_ok(c->hint, MAX_HINT, 1)) {
        snprintf(why, sizeof(why),
                 "hint over %d bytes (a hint is a secret's first characters, never more)",
                 MAX_HINT);
        return bad(i, c, why);
    }
    if (!text_ok(c->thumbprint, MAX_THUMBPRINT, 1) || !hex_ok(c->thumbprint))
        return bad(i, c, "thumbprint must be hex, at most 128 digits");
    if (!text_ok(c->company_id, MAX_ID, 1))
        return bad(i, c, "overlong or unprintable company id");
    if (c->end_us <= 0)
        return bad(i, c, "missing end");
    if (c->start_us < 0 || (c->start_us && c->start_us > c->end_us))
        return bad(i, c, "start after end");
    return 0;
}

/* A name as stored: control characters (a newline in an app's display name) made spaces, so a
 * name never adds a line to a table, a log or a message. Caller frees. */
static char *name_clean(const char *s)
{
    char *o = strdup(s ? s : "");
    for (char *p = o; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return o;
}

/* Order of credentials by (object id, key id), to find duplicates and the unlisted. */
static int cmp_cred(const void *a, const void *b)
{
    const og_certs_app_credential *x = *(const og_certs_app_credential *const *)a;
    const og_certs_app_credential *y = *(const og_certs_app_credential *const *)b;
    int c = strcmp(x->object_id, y->object_id);
    return c ? c : strcmp(x->key_id, y->key_id);
}

/* ---- the sync ---- */

typedef struct sync_run {
    og_ctx *ctx;
    const char *tenant_id, *source;
    int64_t now_us;
    json_t *added, *updated, *removed;
} sync_run;

/* The change list entry of a credential: {id, object_id, key_id, app_name, type, name, end}. */
static json_t *change_json(const char *id, const char *object_id, const char *key_id,
                           const char *app_name, const char *type, const char *name, int64_t end)
{
    char e[OG_TIME_LEN];
    og_time_format(end, e);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "object_id", object_id,
                     "key_id", key_id, "app_name", app_name, "type", type, "name", name, "end", e);
}

/* Whether the stored row at st (app_id, app_name, object_type, type, name, hint, thumbprint,
 * not_before_us, not_after_us) differs from c (names cleaned). *end_moved: its end changed. */
static int row_differs(og_stmt *st, const og_certs_app_credential *c, const char *app_name,
                       const char *name, int *end_moved)
{
    const char *now[] = {c->app_id ? c->app_id : "",
                         app_name,
                         c->object_type,
                         c->type,
                         name,
                         c->hint ? c->hint : "",
                         c->thumbprint ? c->thumbprint : ""};
    int differs = 0;
    for (int k = 0; k < 7; k++)
        differs |= strcmp(og_stmt_col_text(st, k) ? og_stmt_col_text(st, k) : "", now[k]) != 0;
    *end_moved = og_stmt_col_int(st, 8) != c->end_us;
    return differs || *end_moved || og_stmt_col_int(st, 7) != c->start_us;
}

/* Add or update one credential; an unchanged one is left as it is (nothing written). */
static int cred_apply(sync_run *s, const og_certs_app_credential *c)
{
    og_stmt *st = NULL;
    char id[65], label[OG_CERTS__LABEL_MAX];
    char *app_name = name_clean(c->app_name), *name = name_clean(c->name);
    int error, rc, end_moved = 0, found = 0;
    if (!app_name || !name) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_certs__app_id(s->source, c->object_id, c->key_id, id);
    og_certs__app_label(app_name, c->app_id, c->type, name, c->key_id, label, sizeof(label));
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT a.app_id, a.app_name, a.object_type, a.type, a.name,"
                                      " a.hint, a.thumbprint, c.not_before_us, c.not_after_us,"
                                      " a.company_id FROM cert_app_credentials a JOIN certs c ON"
                                      " c.tenant_id ="
                                      " a.tenant_id AND c.fingerprint = a.fingerprint"
                                      " WHERE a.tenant_id = ? AND a.fingerprint = ?",
                                      "tt", s->tenant_id, id)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        found = 1;
        if (strcmp(og_stmt_col_text(st, 9) ? og_stmt_col_text(st, 9) : "",
                   c->company_id ? c->company_id : "") != 0 &&
            (error = og_store_run(s->ctx->store,
                                  "UPDATE cert_app_credentials SET company_id = ? WHERE"
                                  " tenant_id = ? AND fingerprint = ?",
                                  "ttt", c->company_id ? c->company_id : "", s->tenant_id, id)) < 0)
            goto cleanup; /* its company is bookkeeping, not a change of the credential */
        if (!row_differs(st, c, app_name, name, &end_moved))
            goto cleanup;
    } else if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (found) {
        if ((error = og_store_run(s->ctx->store,
                                  "UPDATE certs SET subject = ?, key_type = ?, not_before_us = ?,"
                                  " not_after_us = ?, last_seen_us = ? WHERE tenant_id = ? AND"
                                  " fingerprint = ?",
                                  "ttiiitt", label, c->type, c->start_us, c->end_us, s->now_us,
                                  s->tenant_id, id)) < 0 ||
            (error = og_store_run(s->ctx->store,
                                  "UPDATE cert_app_credentials SET object_type = ?, app_id = ?,"
                                  " app_name = ?, type = ?, name = ?, hint = ?, thumbprint = ?"
                                  " WHERE tenant_id = ? AND fingerprint = ?",
                                  "ttttttttt", c->object_type, c->app_id ? c->app_id : "", app_name,
                                  c->type, name, c->hint ? c->hint : "",
                                  c->thumbprint ? c->thumbprint : "", s->tenant_id, id)) < 0)
            goto cleanup;
        /* a new end is a new expiry: its crossings are alerted afresh */
        if (end_moved && (error = og_certs__app_alerts_clear(s->ctx->store, s->tenant_id, id)) < 0)
            goto cleanup;
    } else if ((error = og_store_run(
                    s->ctx->store,
                    "INSERT INTO certs (tenant_id, fingerprint, kind, subject, issuer, serial,"
                    " not_before_us, not_after_us, key_type, key_bits, sig_alg, is_ca, findings,"
                    " info, der, first_seen_us, last_seen_us) VALUES (?, ?, '" OG_CERTS_KIND_APP
                    "', ?, '', '', ?, ?, ?, 0, '', 0, 0, '{}', ?, ?, ?)",
                    "tttiitbii", s->tenant_id, id, label, c->start_us, c->end_us, c->type, "",
                    (size_t)0, s->now_us, s->now_us)) < 0 ||
               (error = og_store_run(s->ctx->store,
                                     "INSERT INTO cert_app_credentials (tenant_id, fingerprint,"
                                     " source, object_id, object_type, app_id, app_name, key_id,"
                                     " type, name, hint, thumbprint, company_id) VALUES (?, ?, ?,"
                                     " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     "ttttttttttttt", s->tenant_id, id, s->source, c->object_id,
                                     c->object_type, c->app_id ? c->app_id : "", app_name,
                                     c->key_id, c->type, name, c->hint ? c->hint : "",
                                     c->thumbprint ? c->thumbprint : "",
                                     c->company_id ? c->company_id : "")) < 0) {
        goto cleanup;
    }
    error = json_array_append_new(
                found ? s->updated : s->added,
                change_json(id, c->object_id, c->key_id, app_name, c->type, name, c->end_us)) < 0
                ? og_error_set(OG_ERROR, "out of memory")
                : 0;
cleanup:
    og_stmt_free(st);
    free(app_name);
    free(name);
    return error < 0 ? error : 0;
}

/* Remove the source's credentials that sorted (by object id and key id) does not list, with
 * their alerts. */
static int remove_unlisted(sync_run *s, const og_certs_app_credential *const *sorted, size_t n)
{
    og_stmt *st = NULL;
    json_t *gone = json_array(), *g;
    int rc, error = 0;
    size_t i;
    if (!gone)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare_args(&st, s->ctx->store,
                                      "SELECT a.fingerprint, a.object_id, a.key_id, a.app_name,"
                                      " a.type, a.name, c.not_after_us FROM cert_app_credentials"
                                      " a JOIN certs c ON c.tenant_id = a.tenant_id AND"
                                      " c.fingerprint = a.fingerprint WHERE a.tenant_id = ? AND"
                                      " a.source = ? ORDER BY a.object_id, a.key_id",
                                      "tt", s->tenant_id, s->source)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        og_certs_app_credential key = {.object_id = og_stmt_col_text(st, 1),
                                       .key_id = og_stmt_col_text(st, 2)};
        const og_certs_app_credential *kp = &key;
        if (n && bsearch(&kp, sorted, n, sizeof(*sorted), cmp_cred))
            continue;
        json_array_append_new(gone, change_json(og_stmt_col_text(st, 0), key.object_id, key.key_id,
                                                og_stmt_col_text(st, 3), og_stmt_col_text(st, 4),
                                                og_stmt_col_text(st, 5), og_stmt_col_int(st, 6)));
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    json_array_foreach(gone, i, g)
    {
        const char *id = json_string_value(json_object_get(g, "id"));
        if ((error = og_certs__app_remove(s->ctx->store, s->tenant_id, id)) < 0)
            goto cleanup;
        json_array_append(s->removed, g);
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(gone);
    return error < 0 ? error : 0;
}

/* A short list for the audit record: the first AUDIT_LIST credentials as people read them. */
static json_t *audit_list(const json_t *list)
{
    json_t *out = json_array(), *c;
    size_t i;
    json_array_foreach(list, i, c)
    {
        char label[OG_CERTS__LABEL_MAX];
        if (i >= AUDIT_LIST)
            break;
        og_certs__app_label(json_string_value(json_object_get(c, "app_name")), NULL,
                            json_string_value(json_object_get(c, "type")),
                            json_string_value(json_object_get(c, "name")),
                            json_string_value(json_object_get(c, "key_id")), label, sizeof(label));
        json_array_append_new(out, json_string(label));
    }
    return out;
}

/* Check every credential and sort them (borrowed pointers into creds) by object and key id;
 * a duplicate pair is refused. */
static int creds_check(const og_certs_app_credential *creds, size_t n,
                       const og_certs_app_credential ***sorted)
{
    *sorted = NULL;
    if (n > MAX_CREDS)
        return og_error_set(OG_EINVAL, "%zu app credentials: at most %d in one sync", n, MAX_CREDS);
    for (size_t i = 0; i < n; i++) {
        int error = cred_check(&creds[i], i);
        if (error < 0)
            return error;
    }
    if (n && !(*sorted = malloc(n * sizeof(**sorted))))
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++)
        (*sorted)[i] = &creds[i];
    if (n)
        qsort(*sorted, n, sizeof(**sorted), cmp_cred);
    for (size_t i = 1; i < n; i++)
        if (cmp_cred(&(*sorted)[i - 1], &(*sorted)[i]) == 0)
            return og_error_set(OG_EINVAL,
                                "app credential key id %.64s of object %.64s is listed twice; "
                                "nothing was written",
                                (*sorted)[i]->key_id, (*sorted)[i]->object_id);
    return 0;
}

int og_certs_app_credentials_sync(og_ctx *ctx, const char *tenant, const char *source,
                                  const og_certs_app_credential *creds, size_t n, json_t **changes)
{
    og_tenant t;
    sync_run s;
    const og_certs_app_credential **sorted = NULL;
    json_t *analysis = NULL;
    int error, in_tx = 0;
    if (changes)
        *changes = NULL;
    memset(&s, 0, sizeof(s));
    s.added = json_array(), s.updated = json_array(), s.removed = json_array();
    if (!s.added || !s.updated || !s.removed) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        goto cleanup;
    if (!source || !*source || !text_ok(source, MAX_SOURCE, 1)) {
        error = og_error_set(OG_EINVAL, "missing, overlong or unprintable app credential source");
        goto cleanup;
    }
    if ((error = creds_check(creds, n, &sorted)) < 0)
        goto cleanup;
    s.ctx = ctx, s.tenant_id = t.id, s.source = source, s.now_us = og_time_now_us();
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    for (size_t i = 0; i < n; i++)
        if ((error = cred_apply(&s, &creds[i])) < 0)
            goto cleanup;
    if ((error = remove_unlisted(&s, sorted, n)) < 0)
        goto cleanup;
    if (json_array_size(s.added) + json_array_size(s.updated) + json_array_size(s.removed)) {
        analysis = json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:o}", "source", source, "added",
                             (json_int_t)json_array_size(s.added), "updated",
                             (json_int_t)json_array_size(s.updated), "removed",
                             (json_int_t)json_array_size(s.removed), "added_credentials",
                             audit_list(s.added), "updated_credentials", audit_list(s.updated),
                             "removed_credentials", audit_list(s.removed));
        error = analysis ? og_audit_log(ctx, t.id, "certs", "certs.app_credentials.sync",
                                        "app-credentials", source, analysis)
                         : og_error_set(OG_ERROR, "out of memory");
    }
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && changes)
        *changes = json_pack("{s:O, s:O, s:O}", "added", s.added, "updated", s.updated, "removed",
                             s.removed);
    free(sorted);
    json_decref(s.added);
    json_decref(s.updated);
    json_decref(s.removed);
    json_decref(analysis);
    return error;
}
