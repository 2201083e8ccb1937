/* calendar.c - every expiry and planned renewal as iCalendar (RFC 5545) events, and the
 * read-only calendar tokens a calendar application reads the feed with. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_CAP     (64u << 20)
#define PER_TENANT   10000
#define LABEL_MAX    100
#define TOKEN_PREFIX "ogcal_"
#define SECRET_BYTES 24

static _Atomic(og_certs_renewals_fn) renewals_fn;

void og_certs_calendar_renewals_register(og_certs_renewals_fn fn)
{
    atomic_store(&renewals_fn, fn);
}

/* "20261207T055400Z" */
static void ics_time(int64_t us, char out[20])
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

/* Append one content line "name:value" (value escaped as TEXT when text is set), folded at 75
 * octets (RFC 5545 3.1: CRLF and a space; never inside a UTF-8 character), ending in CRLF. */
static int ics_line(og_buf *b, const char *name, const char *value, int text)
{
    og_buf line;
    int error;
    og_buf_init(&line, 1 << 20);
    if ((error = og_buf_printf(&line, "%s:", name)) < 0)
        goto cleanup;
    for (const unsigned char *c = (const unsigned char *)(value ? value : ""); *c; c++) {
        char esc[3] = {'\\', 0, 0};
        if (text && (*c == '\\' || *c == ';' || *c == ',')) {
            esc[1] = (char)*c;
            error = og_buf_append(&line, esc, 2);
        } else if (text && *c == '\n') {
            error = og_buf_append(&line, "\\n", 2);
        } else if (*c < 0x20 || *c == 0x7f) {
            continue; /* no control characters in a content line */
        } else {
            error = og_buf_append(&line, c, 1);
        }
        if (error < 0)
            goto cleanup;
    }
    size_t pos = 0, n = line.len, width = 75;
    while (pos < n) {
        size_t take = n - pos < width ? n - pos : width;
        /* back off to a character boundary: a continuation byte is 10xxxxxx */
        while (take > 1 && pos + take < n && ((unsigned char)line.data[pos + take] & 0xc0) == 0x80)
            take--;
        if ((pos > 0 && (error = og_buf_append(b, " ", 1)) < 0) ||
            (error = og_buf_append(b, line.data + pos, take)) < 0 ||
            (error = og_buf_append(b, "\r\n", 2)) < 0)
            goto cleanup;
        pos += take;
        width = 74; /* the leading space counts */
    }
    error = 0;
cleanup:
    og_buf_free(&line);
    return error;
}

typedef struct vevent {
    const char *uid, *summary, *description, *category;
    int64_t at_us;
} vevent;

static int ics_event(og_buf *b, const vevent *e, const char *stamp)
{
    char start[20], end[20];
    int error;
    ics_time(e->at_us, start);
    ics_time(e->at_us + 3600 * (int64_t)1000000, end);
    if ((error = og_buf_puts(b, "BEGIN:VEVENT\r\n")) < 0 ||
        (error = ics_line(b, "UID", e->uid, 0)) < 0 ||
        (error = ics_line(b, "DTSTAMP", stamp, 0)) < 0 ||
        (error = ics_line(b, "DTSTART", start, 0)) < 0 ||
        (error = ics_line(b, "DTEND", end, 0)) < 0 ||
        (error = ics_line(b, "SUMMARY", e->summary, 1)) < 0 ||
        (error = ics_line(b, "DESCRIPTION", e->description, 1)) < 0 ||
        (error = ics_line(b, "CATEGORIES", e->category, 1)) < 0 ||
        (error = ics_line(b, "TRANSP", "TRANSPARENT", 0)) < 0 ||
        (error = og_buf_puts(b, "END:VEVENT\r\n")) < 0)
        return error;
    return 0;
}

/* The events of one tenant: each certificate's expiry (end-entity certificates and app
 * credentials; CA certificates are left out), each plan's next renewal. */
static int tenant_events(og_ctx *ctx, const char *tid, const char *tname, const char *stamp,
                         og_buf *b)
{
    og_stmt *st = NULL;
    og_certs_renewals_fn fn = atomic_load(&renewals_fn);
    json_t *ren = NULL, *r;
    char uid[256], summary[1024], desc[2048], na[OG_TIME_LEN];
    int error, rc;
    size_t i;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT fingerprint, subject, issuer, not_after_us, kind"
                                      " FROM certs WHERE tenant_id = ? AND is_ca = 0 ORDER BY"
                                      " not_after_us, fingerprint LIMIT 10000",
                                      "t", tid)) < 0)
        return error;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *fp = og_stmt_col_text(st, 0), *subject = og_stmt_col_text(st, 1);
        int app = og_streq(og_stmt_col_text(st, 4), OG_CERTS_KIND_APP);
        vevent e = {.uid = uid, .summary = summary, .description = desc, .category = "expiry"};
        e.at_us = og_stmt_col_int(st, 3);
        og_time_format(e.at_us, na);
        snprintf(uid, sizeof(uid), "expiry-%s-%s@opsgate", fp, tid);
        snprintf(summary, sizeof(summary), "%s expires: %s", app ? "App credential" : "Certificate",
                 subject ? subject : fp);
        snprintf(desc, sizeof(desc), "Tenant: %s\nSubject: %s\nIssuer: %s\nNot after: %s\nId: %s",
                 tname, subject ? subject : "",
                 og_stmt_col_text(st, 2) ? og_stmt_col_text(st, 2) : "", na, fp);
        if ((error = ics_event(b, &e, stamp)) < 0)
            goto cleanup;
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (fn) {
        if (!(ren = json_array())) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        if ((error = fn(ctx, tid, ren)) < 0)
            goto cleanup;
        json_array_foreach(ren, i, r)
        {
            const char *plan = json_string_value(json_object_get(r, "plan"));
            const char *names = json_string_value(json_object_get(r, "names"));
            const char *fp = json_string_value(json_object_get(r, "fingerprint"));
            vevent e = {.uid = uid, .summary = summary, .description = desc, .category = "renewal"};
            e.at_us = (int64_t)json_integer_value(json_object_get(r, "at_us"));
            og_time_format(e.at_us, na);
            snprintf(uid, sizeof(uid), "renewal-%s-%s@opsgate", plan ? plan : "", fp ? fp : "");
            snprintf(summary, sizeof(summary), "Planned renewal: %s", names ? names : "");
            snprintf(desc, sizeof(desc),
                     "Tenant: %s\nRenewal plan: %s\nNames: %s\nPlanned at: %s\nCurrent "
                     "certificate: %s",
                     tname, plan ? plan : "", names ? names : "", na, fp ? fp : "");
            if ((error = ics_event(b, &e, stamp)) < 0)
                goto cleanup;
        }
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(ren);
    return error;
}

/* The feed of tenant id tid ("" for every tenant) into out. */
static int feed(og_ctx *ctx, const char *tid, og_buf *out)
{
    og_stmt *st = NULL;
    json_t *ids = NULL, *v;
    char stamp[20], name[128];
    og_tenant t;
    int error;
    size_t i;
    ics_time(og_time_now_us(), stamp);
    if (tid[0]) {
        if ((error = og_tenant_get(ctx, tid, &t)) < 0)
            return error;
        snprintf(name, sizeof(name), "opsgate certificates: %s", t.name);
    } else {
        og_strlcpy(name, "opsgate certificates: every tenant", sizeof(name));
    }
    if ((error = og_buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")) < 0 ||
        (error = ics_line(out, "PRODID", "-//opsgate//certificate calendar//EN", 0)) < 0 ||
        (error = og_buf_puts(out, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")) < 0 ||
        (error = ics_line(out, "X-WR-CALNAME", name, 1)) < 0)
        return error;
    if (tid[0]) {
        error = tenant_events(ctx, tid, t.name, stamp, out);
    } else {
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "SELECT DISTINCT tenant_id FROM certs ORDER BY tenant_id"
                                     " LIMIT 100000")) < 0 ||
            (error = og_stmt_collect(st, NULL, NULL, &ids)) < 0)
            goto cleanup;
        json_array_foreach(ids, i, v)
        {
            const char *id = json_string_value(json_object_get(v, "tenant_id"));
            if (og_tenant_get(ctx, id, &t) < 0) {
                og_error_clear(); /* being deleted right now */
                continue;
            }
            if ((error = tenant_events(ctx, id, t.name, stamp, out)) < 0)
                goto cleanup;
        }
    }
    if (error == 0)
        error = og_buf_puts(out, "END:VCALENDAR\r\n");
cleanup:
    og_stmt_free(st);
    json_decref(ids);
    return error < 0 ? error : 0;
}

int og_certs_calendar(og_ctx *ctx, const char *tenant, og_buf *out)
{
    og_tenant t;
    int error;
    if (tenant && *tenant) {
        if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
            return error;
        return feed(ctx, t.id, out);
    }
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    return feed(ctx, "", out);
}

/* "ogcal_<id>_<secret>" into id and secret. */
static int token_split(const char *token, char id[OG_ID_LEN], const char **secret)
{
    size_t pl = strlen(TOKEN_PREFIX);
    if (!token || strncmp(token, TOKEN_PREFIX, pl) != 0)
        return -1;
    const char *us = strchr(token + pl, '_');
    if (!us || (size_t)(us - token - pl) != OG_ID_LEN - 1 || strlen(us + 1) != SECRET_BYTES * 2)
        return -1;
    memcpy(id, token + pl, OG_ID_LEN - 1);
    id[OG_ID_LEN - 1] = '\0';
    *secret = us + 1;
    return 0;
}

static void secret_hash(const char *secret, char out[65])
{
    uint8_t md[32];
    og_crypto_sha256(secret, strlen(secret), md);
    og_hex_encode(md, sizeof(md), out);
}

int og_certs_calendar_by_token(og_ctx *ctx, const char *token, og_buf *out)
{
    og_stmt *st = NULL;
    char id[OG_ID_LEN], hash[65], tid[OG_ID_LEN] = "", now_s[OG_TIME_LEN];
    const char *secret = NULL;
    int rc, ok = 0;
    if (token_split(token, id, &secret) < 0)
        return og_error_set(OG_EAUTH, "not a calendar token");
    secret_hash(secret, hash);
    if ((rc = og_stmt_prepare_args(&st, ctx->store,
                                   "SELECT tenant_id, secret_sha256, revoked_at FROM"
                                   " cert_calendar_tokens WHERE id = ?",
                                   "t", id)) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *h = og_stmt_col_text(st, 1);
        ok = h && og_memeq_ct(h, hash, 64) && og_stmt_col_is_null(st, 2);
        if (og_stmt_col_text(st, 0))
            og_strlcpy(tid, og_stmt_col_text(st, 0), sizeof(tid));
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (!ok)
        return og_error_set(OG_EAUTH, "unknown or revoked calendar token");
    og_time_format(og_time_now_us(), now_s);
    if ((rc = og_store_tx_begin(ctx->store)) < 0)
        return rc;
    rc = og_store_run(ctx->store, "UPDATE cert_calendar_tokens SET last_used_at = ? WHERE id = ?",
                      "tt", now_s, id);
    if ((rc = og_store_tx_end(ctx->store, rc < 0 ? rc : 0)) < 0)
        return rc;
    /* The token is the authorization: the feed of its tenant (or the fleet's), read as the
     * calendar component, whatever actor the caller has (none, over HTTP). */
    og_ctx reader = *ctx;
    og_actor_system(&reader.actor, "calendar");
    return feed(&reader, tid, out);
}

/* The tenant a token call is about: its id into tid ("" for the fleet, platform actors). */
static int token_scope(og_ctx *ctx, const char *tenant, og_perm perm, char tid[OG_ID_LEN])
{
    og_tenant t;
    int error;
    tid[0] = '\0';
    if (!tenant || !*tenant)
        return og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM);
    if ((error = og_certs__tenant(ctx, tenant, perm, &t)) < 0)
        return error;
    og_strlcpy(tid, t.id, OG_ID_LEN);
    return 0;
}

int og_certs_calendar_token_create(og_ctx *ctx, const char *tenant, const char *label,
                                   char token_out[OG_CERTS_CALENDAR_TOKEN_MAX],
                                   char id_out[OG_ID_LEN])
{
    uint8_t raw[SECRET_BYTES];
    char tid[OG_ID_LEN], id[OG_ID_LEN], secret[SECRET_BYTES * 2 + 1], hash[65], now[OG_TIME_LEN];
    char by[160];
    json_t *analysis = NULL;
    int error;
    token_out[0] = '\0';
    if (!label || !*label || strlen(label) > LABEL_MAX)
        return og_error_set(OG_EINVAL, "a calendar token needs a label of 1 to %d bytes",
                            LABEL_MAX);
    if ((error = token_scope(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if ((error = og_crypto_random(raw, sizeof(raw))) < 0)
        return error;
    og_hex_encode(raw, sizeof(raw), secret);
    og_crypto_wipe(raw, sizeof(raw));
    secret_hash(secret, hash);
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    analysis = json_pack("{s:s, s:s}", "label", label, "scope", tid[0] ? "tenant" : "fleet");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO cert_calendar_tokens (id, tenant_id, secret_sha256,"
                              " label, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                              "tttttt", id, tid[0] ? tid : NULL, hash, label, by, now)) >= 0)
        error = og_audit_log(ctx, tid[0] ? tid : NULL, "certs", "certs.calendar.token.create",
                             "cert_calendar_token", id, analysis);
    if ((error = og_store_tx_end(ctx->store, error < 0 ? error : 0)) < 0)
        goto cleanup;
    snprintf(token_out, OG_CERTS_CALENDAR_TOKEN_MAX, TOKEN_PREFIX "%s_%s", id, secret);
    if (id_out)
        memcpy(id_out, id, OG_ID_LEN);
cleanup:
    og_crypto_wipe(secret, sizeof(secret));
    json_decref(analysis);
    return error < 0 ? error : 0;
}

int og_certs_calendar_token_revoke(og_ctx *ctx, const char *tenant, const char *id)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN], now[OG_TIME_LEN];
    int error, rc;
    if ((error = token_scope(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!id || strlen(id) != OG_ID_LEN - 1)
        return og_error_set(OG_ENOTFOUND, "no calendar token '%.40s'", id ? id : "");
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT revoked_at FROM cert_calendar_tokens WHERE id = ? AND"
                                      " COALESCE(tenant_id, '') = ?",
                                      "tt", id, tid)) < 0)
        goto cleanup;
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "no calendar token '%s'", id);
        goto cleanup;
    }
    if (!og_stmt_col_is_null(st, 0)) {
        error = og_error_set(OG_ECONFLICT, "calendar token %s is revoked already", id);
        goto cleanup;
    }
    if ((error =
             og_store_run(ctx->store, "UPDATE cert_calendar_tokens SET revoked_at = ? WHERE id = ?",
                          "tt", now, id)) < 0)
        goto cleanup;
    error = og_audit_log(ctx, tid[0] ? tid : NULL, "certs", "certs.calendar.token.revoke",
                         "cert_calendar_token", id, NULL);
cleanup:
    og_stmt_free(st);
    return og_store_tx_end(ctx->store, error < 0 ? error : 0);
}

int og_certs_calendar_token_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    int error;
    *out = NULL;
    if ((error = token_scope(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, label, created_by, created_at, revoked_at,"
                                      " last_used_at FROM cert_calendar_tokens WHERE"
                                      " COALESCE(tenant_id, '') = ? ORDER BY created_at DESC, id"
                                      " LIMIT 1000",
                                      "t", tid)) < 0)
        return error;
    error = og_stmt_collect(st, NULL, NULL, out);
    og_stmt_free(st);
    return error;
}
