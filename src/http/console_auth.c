/* console_auth.c - the console's sign-in (an API token), session cookie, CSRF and same-origin
 * checks, and sign-out, over the tenant module's sessions (og_tenant_session_*). */
#include "http/console.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSRF_RAW 32 /* bytes of the session's CSRF token (an HMAC-SHA256) */

/* Over HTTPS the cookie is __Host- prefixed (browsers then insist on Secure, Path=/ and no
 * Domain); over plain HTTP (loopback, a TLS-terminating proxy) it cannot be. */
static const char *cookie_name(const og_http_req *r)
{
    return r->srv->cfg->tls_cert_id ? "__Host-og_session" : "og_session";
}

static void cookie_set(og_http_req *r, const char *value, int max_age_s)
{
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", cookie_name(r), value,
             max_age_s, r->srv->cfg->tls_cert_id ? "; Secure" : "");
}

static bool safe_method(const og_http_req *r)
{
    return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

/* A state-changing request must come from a page of this origin: browsers send Sec-Fetch-Site and
 * Origin with every cross-site POST, so a forged form on another site (including a sign-in that
 * would log the victim into the attacker's account) is refused here; clients that are no
 * browser send neither and have no ambient cookie to abuse. */
static int same_origin(og_http_req *r)
{
    const char *sfs = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (sfs && strcmp(sfs, "same-origin") != 0 && strcmp(sfs, "none") != 0)
        return og_error_set(OG_EDENIED, "a %s request from another site is refused", sfs);
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return 0;
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    char want[300];
    snprintf(want, sizeof(want), "%s://%s", r->srv->cfg->tls_cert_id ? "https" : "http",
             host ? host : "");
    if (!host || strcmp(origin, want) != 0)
        return og_error_set(OG_EDENIED, "a request from another origin is refused");
    return 0;
}

/* The session's CSRF token as raw bytes (it is base64url text in r->csrf). */
static int csrf_raw(og_http_req *r, uint8_t raw[CSRF_RAW])
{
    uint8_t *b = NULL;
    size_t n = 0;
    int ok = r->csrf[0] && og_base64_decode(r->csrf, &b, &n) == 0 && n == CSRF_RAW;
    if (ok)
        memcpy(raw, b, CSRF_RAW);
    free(b);
    og_error_clear();
    return ok ? 0 : og_error_set(OG_ERROR, "the session's CSRF token is malformed");
}

int og_http__console_csrf_masked(og_http_req *r, char out[OG_CONSOLE_CSRF_MASKED])
{
    uint8_t raw[CSRF_RAW], both[2 * CSRF_RAW];
    int error;
    out[0] = '\0';
    if ((error = csrf_raw(r, raw)) < 0 || (error = og_crypto_random(both, CSRF_RAW)) < 0)
        return error;
    for (size_t i = 0; i < CSRF_RAW; i++)
        both[CSRF_RAW + i] = both[i] ^ raw[i];
    char *b = og_base64url_encode(both, sizeof(both));
    if (!b)
        return og_error_set(OG_ERROR, "out of memory");
    og_strlcpy(out, b, OG_CONSOLE_CSRF_MASKED);
    free(b);
    return 0;
}

/* The session's CSRF token, from the X-CSRF-Token header (htmx) or the csrf form field: a masked
 * token (mask || mask XOR token, og_http__console_csrf_masked), unmasked and compared in constant
 * time. */
static int csrf_check(og_http_req *r)
{
    char given[OG_CONSOLE_CSRF_MASKED + 8] = "";
    uint8_t raw[CSRF_RAW], *b = NULL;
    size_t n = 0;
    int ok = 0;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (h)
        og_strlcpy(given, h, sizeof(given));
    else if (og_http__console_form(r, "csrf", given, sizeof(given)) < 0)
        og_error_clear();
    if (given[0] && csrf_raw(r, raw) == 0 && og_base64_decode(given, &b, &n) == 0 &&
        n == 2 * CSRF_RAW) {
        for (size_t i = 0; i < CSRF_RAW; i++)
            b[CSRF_RAW + i] ^= b[i];
        ok = og_memeq_ct(b + CSRF_RAW, raw, CSRF_RAW);
    }
    free(b);
    og_error_clear();
    if (!ok)
        return og_error_set(OG_EDENIED, "the form's CSRF token is missing or wrong: reload the "
                                        "page and try again");
    return 0;
}

int og_http__console_authenticate(og_http_req *r)
{
    int rc, public = (r->match.route->flags & OG_HTTP_ROUTE_PUBLIC) != 0;
    if (!safe_method(r) && (rc = same_origin(r)) < 0)
        return rc;
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, cookie_name(r));
    if (!cookie || !*cookie)
        return public ? 0 : og_error_set(OG_EAUTH, "not signed in");
    if (!r->store)
        r->store = og_store_pool_get(r->srv->pool);
    og_ctx ctx;
    og_session s;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = r->store;
    ctx.keys = r->srv->keys;
    ctx.data_dir = r->srv->folder;
    og_actor_system(&ctx.actor, "console");
    if ((rc = og_tenant_session_resolve(&ctx, cookie, &s)) < 0) {
        if (public) {
            og_error_clear();
            return 0;
        }
        if (rc == OG_EDENIED)
            return rc;
        char why[300];
        og_strlcpy(why, og_error_last(), sizeof(why));
        return og_error_set(OG_EAUTH, "%s", why);
    }
    r->ctx = ctx;
    r->ctx.actor = s.actor;
    og_strlcpy(r->csrf, s.csrf, sizeof(r->csrf));
    og_strlcpy(r->session_id, s.id, sizeof(r->session_id));
    r->authenticated = 1;
    if ((rc = og_http__region_check(r)) < 0)
        return rc;
    if (!safe_method(r) && !public)
        return csrf_check(r);
    return 0;
}

/* next= as a path of the console ("/console..."), else "/console": never another site (no
 * scheme, no "//host", no backslash), no control bytes for the Location header. */
void og_http__console_safe_next(const char *in, char out[OG_CONSOLE_NEXT_MAX])
{
    og_strlcpy(out, "/console", OG_CONSOLE_NEXT_MAX);
    if (!in || strlen(in) >= OG_CONSOLE_NEXT_MAX || strncmp(in, "/console", 8) != 0 ||
        (in[8] != '\0' && in[8] != '/' && in[8] != '?'))
        return;
    for (const char *p = in; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
            return;
    if (strncmp(in, "/console/sign-", 14) == 0)
        return;
    og_strlcpy(out, in, OG_CONSOLE_NEXT_MAX);
}

static int signin_page(og_http_req *r, int status, const char *next, const char *error)
{
    json_t *d = json_pack("{s:s, s:s?}", "next", next, "error", error);
    const char *bye = og_http__query(r, "bye");
    if (d && bye && !error)
        json_object_set_new(d, "notice", json_string("You have signed out."));
    return og_http__console_render(r, status, "signin", d);
}

int og_http__console_signin_form(og_http_req *r)
{
    char next[OG_CONSOLE_NEXT_MAX];
    og_http__console_safe_next(og_http__query(r, "next"), next);
    if (r->authenticated)
        return og_http__console_redirect(r, next);
    return signin_page(r, 200, next, NULL);
}

/* Trim the blanks a pasted token brings along. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int og_http__console_signin(og_http_req *r)
{
    int error;
    char raw[OG_TOKEN_MAX + 64], nextraw[OG_CONSOLE_NEXT_MAX + 1], next[OG_CONSOLE_NEXT_MAX];
    char source[80], prefix[OG_ID_LEN], cookie[OG_SESSION_COOKIE_MAX];
    og_http_authlimit_refusal why;
    og_session s;
    if ((error = og_http__console_form(r, "next", nextraw, sizeof(nextraw))) < 0)
        og_error_clear();
    og_http__console_safe_next(error > 0 ? nextraw : NULL, next);
    if ((error = og_http__console_form(r, "token", raw, sizeof(raw))) < 0)
        return signin_page(r, 400, next, og_error_last());
    char *token = trim(raw);
    if (!*token)
        return signin_page(r, 400, next, "Enter an API token.");
    og_http__peer_address(r, source, sizeof(source));
    og_http__token_prefix(token, prefix);
    if (og_http__authlimit_check(r->srv->authlimit, source, prefix, &why) > 0) {
        og_http__throttled(r, source, prefix, &why);
        og_crypto_wipe(raw, sizeof(raw));
        return signin_page(r, 429, next, og_error_last());
    }
    if (!r->store)
        r->store = og_store_pool_get(r->srv->pool);
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = r->store;
    ctx.keys = r->srv->keys;
    ctx.data_dir = r->srv->folder;
    og_actor_system(&ctx.actor, "console");
    error =
        og_tenant_session_create(&ctx, token, (int64_t)r->srv->cfg->session_idle_s * 1000000,
                                 (int64_t)r->srv->cfg->session_max_s * 1000000, source, cookie, &s);
    og_crypto_wipe(raw, sizeof(raw));
    if (error == OG_EAUTH) {
        og_http__authlimit_fail(r->srv->authlimit, source, prefix);
        return signin_page(r, 401, next, og_error_last());
    }
    if (error < 0)
        return error;
    /* A session the browser held before is ended: one browser, one session (and no fixation:
     * the new session's id and secret are always fresh, never taken from the client). */
    const char *old = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, cookie_name(r));
    if (old && r->authenticated && og_tenant_session_revoke(&ctx, old) < 0)
        og_error_clear();
    int64_t left_s = (s.expires_us - og_time_now_us()) / 1000000;
    cookie_set(r, cookie, left_s > 0 ? (int)left_s : 0);
    og_crypto_wipe(cookie, sizeof(cookie));
    return og_http__console_redirect(r, next);
}

int og_http__console_signout(og_http_req *r)
{
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, cookie_name(r));
    int error = og_tenant_session_revoke(&r->ctx, cookie);
    if (error < 0 && error != OG_EAUTH)
        return error;
    og_error_clear();
    cookie_set(r, "", 0);
    return og_http__console_redirect(r, "/console/sign-in?bye=1");
}
