/* console_core.c - the web console's frame: embedded assets, page rendering through the Mustache
 * engine (every value HTML-escaped), the common page data, security headers and HTML error pages
 * (docs/console.md). */
#include "http/console.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"
#include "opsgate/tenant.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* default-src 'self' with nothing inline (no script, no style attribute or element), no plugins,
 * no framing, forms and <base> kept to this origin. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define PAGE_MAX    ((size_t)4 << 20) /* a rendered page */
#define ASSET_CACHE "public, max-age=31536000, immutable"
#define GZIP_MIN    256 /* bytes of a page below which it is sent as it is */

bool og_http__console_path(const char *path)
{
    return strncmp(path, "/console", 8) == 0 && (path[8] == '\0' || path[8] == '/');
}

static const og_http_asset *asset_find(const char *name)
{
    for (size_t i = 0; i < og_http__console_nassets; i++)
        if (strcmp(og_http__console_assets[i].name, name) == 0)
            return &og_http__console_assets[i];
    return NULL;
}

void og_http__console_headers(og_http_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Vary", "Cookie, Accept-Encoding");
    if (r->srv->cfg->tls_cert_id)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (r->etag[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->encoding)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, r->encoding);
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
}

/* ---- static assets and the root ---- */

int og_http__console_root(og_http_req *r)
{
    return og_http__console_redirect(r, "/console");
}

/* GET /console/assets/{name}: the embedded file, cached for a year (page links carry ?v= with the
 * file's hash, so a new build is fetched anew), 304 for a matching If-None-Match, gzip when the
 * client accepts it. */
int og_http__console_asset(og_http_req *r)
{
    const og_http_asset *a = asset_find(og_http__param(&r->match, "name"));
    if (!a)
        return og_error_set(OG_ENOTFOUND, "no such asset");
    snprintf(r->etag, sizeof(r->etag), "\"%s\"", a->etag);
    r->cache_control = ASSET_CACHE;
    const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
    if (inm && strstr(inm, r->etag)) {
        r->status = 304;
        return 0;
    }
    const char *ae = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding");
    int gz = og_http__accepts_gzip(ae) && a->gz;
    const unsigned char *src = gz ? a->gz : a->data;
    size_t len = gz ? a->gzlen : a->len;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(copy, src, len);
    r->encoding = gz ? "gzip" : NULL;
    return og_http__reply_text(r, 200, a->type, copy, len);
}

/* ---- rendering ---- */

bool og_http__console_hx(og_http_req *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "HX-Request");
    return h && strcmp(h, "true") == 0;
}

bool og_http__accepts_gzip(const char *ae)
{
    int gzip = -1, star = -1; /* -1 not named, 0 refused (q=0), 1 accepted */
    while (ae && *ae) {
        size_t n = strcspn(ae, ",");
        char m[64] = "";
        if (n < sizeof(m))
            memcpy(m, ae, n);
        ae += n + (ae[n] == ',');
        char *p = m, *q;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t name = strcspn(p, " \t;");
        int ok = 1;
        if ((q = strstr(p + name, "q=")) != NULL) {
            double v = strtod(q + 2, NULL);
            ok = v > 0.0;
        }
        if ((name == 4 && strncasecmp(p, "gzip", 4) == 0) ||
            (name == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            gzip = ok;
        else if (name == 1 && *p == '*')
            star = ok;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}

/* The page gzip-compressed (deflate, gzip wrapper) into *out (caller frees). */
static int gzip_page(const char *in, size_t len, char **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    *out = NULL;
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return og_error_set(OG_ERROR, "zlib: cannot start compressing a page");
    uLong cap = deflateBound(&z, (uLong)len);
    char *buf = malloc(cap ? cap : 1);
    int rc = Z_MEM_ERROR;
    if (buf) {
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)buf;
        z.avail_out = (uInt)cap;
        rc = deflate(&z, Z_FINISH);
    }
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return og_error_set(OG_ERROR, "zlib: compressing a page failed (%d)", rc);
    }
    *out = buf;
    return 0;
}

static int partial_load(void *ud, const char *name, og_buf *out)
{
    (void)ud;
    for (size_t i = 0; i < og_http__console_ntemplates; i++)
        if (strcmp(og_http__console_templates[i].name, name) == 0)
            return og_buf_append(out, og_http__console_templates[i].data,
                                 og_http__console_templates[i].len);
    return OG_ENOTFOUND;
}

static void asset_url(json_t *o, const char *key, const char *name)
{
    const og_http_asset *a = asset_find(name);
    char url[160];
    snprintf(url, sizeof(url), "/console/assets/%s?v=%s", name, a ? a->etag : "");
    json_object_set_new(o, key, json_string(url));
}

int og_http__console_render(og_http_req *r, int status, const char *page, json_t *data)
{
    int error = -1;
    og_tmpl *t = NULL;
    og_tmpl_error terr;
    og_buf out, src;
    og_buf_init(&out, PAGE_MAX);
    og_buf_init(&src, OG_TMPL_MAX_SOURCE);
    if (!data)
        return og_error_set(OG_ERROR, "out of memory building the page");
    json_t *assets = json_object();
    asset_url(assets, "css", "console.css");
    asset_url(assets, "js", "console.js");
    asset_url(assets, "htmx", "htmx.min.js");
    asset_url(assets, "uplot", "uPlot.min.js");
    asset_url(assets, "uplot_css", "uPlot.min.css");
    json_object_set_new(data, "assets", assets);
    json_object_set_new(data, "version", json_string(OG_VERSION));
    r->encoding = NULL;
    if ((error = partial_load(NULL, page, &src)) < 0) {
        error = og_error_set(OG_ERROR, "console template '%s' is not built in", page);
        goto cleanup;
    }
    if ((error = og_tmpl_parse_named(&t, page, src.data, src.len, &terr)) < 0)
        goto cleanup;
    og_tmpl_opts opts = {.escape = OG_TMPL_ESCAPE_HTML, .partial = partial_load};
    if ((error = og_tmpl_render(&out, t, data, &opts, &terr)) < 0)
        goto cleanup;
    size_t len = out.len;
    char *body = og_buf_detach(&out), *gz = NULL;
    size_t gzlen = 0;
    /* Compressed when the client takes gzip (Vary: Accept-Encoding is always sent). The CSRF
     * token is masked anew for every response, so compression cannot reveal it (BREACH). */
    if (len >= GZIP_MIN &&
        og_http__accepts_gzip(
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding")) &&
        gzip_page(body, len, &gz, &gzlen) == 0) {
        free(body);
        body = gz;
        len = gzlen;
        r->encoding = "gzip";
    }
    og_error_clear();
    error = og_http__reply_text(r, status ? status : 200, "text/html; charset=utf-8", body, len);
cleanup:
    og_tmpl_free(t);
    og_buf_free(&out);
    og_buf_free(&src);
    json_decref(data);
    return error;
}

int og_http__console_redirect(og_http_req *r, const char *location)
{
    og_strlcpy(r->location, location, sizeof(r->location));
    r->status = 303;
    return 0;
}

int og_http__console_own_tenant(og_http_req *r, char out[64])
{
    og_tenant t;
    out[0] = '\0';
    if (!r->ctx.actor.tenant_id[0])
        return 0;
    int error = og_tenant_get(&r->ctx, r->ctx.actor.tenant_id, &t);
    if (error < 0)
        return error;
    og_strlcpy(out, t.name, 64);
    return 0;
}

/* The section of the navigation a console path belongs to, by its first segment after /console
 * or after /console/tenants/{tenant} (never by a substring: an artifact may be named "audit"). */
static const char *section_of(const char *path)
{
    static const struct {
        const char *segment, *section;
    } map[] = {{"certificates", "certificates"},
               {"inbox", "inbox"},
               {"gates", "inbox"},
               {"audit", "audit"},
               {"settings", "settings"},
               {"notify-channels", "settings"},
               {"gate-policy", "settings"},
               {"areas", "settings"},
               {"connectors", "settings"},
               {"tenants", "tenants"},
               {"projects", "artifacts"},
               {"search", "artifacts"}};
    const char *seg;
    if (strncmp(path, "/console/tenants/", 17) == 0) {
        seg = strchr(path + 17, '/');
        if (!seg)
            return "";
        seg++;
    } else if (strncmp(path, "/console/", 9) == 0) {
        seg = path + 9;
    } else {
        return strcmp(path, "/console") == 0 ? "overview" : "";
    }
    size_t n = strcspn(seg, "/?");
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strlen(map[i].segment) == n && strncmp(seg, map[i].segment, n) == 0)
            return map[i].section;
    return "";
}

/* The pages of the navigation, each shown when the actor's role may read what it shows. */
static json_t *nav_of(og_http_req *r)
{
    json_t *nav = json_array();
    int certs = og_authz_check(&r->ctx.actor, r->ctx.actor.tenant_id, OG_PERM_READ) == 0;
    int audit = og_authz_check(&r->ctx.actor, r->ctx.actor.tenant_id, OG_PERM_AUDIT_READ) == 0;
    og_error_clear();
    const char *section = section_of(r->path);
    const struct {
        const char *href, *label, *section;
        int shown;
    } pages[] = {{"/console", "Overview", "overview", 1},
                 {"/console/certificates", "Certificates", "certificates", certs},
                 {"/console/inbox", "Inbox", "inbox", certs},
                 {"/console/projects", "Artifacts", "artifacts", 1},
                 {"/console/audit", "Audit", "audit", audit},
                 {"/console/tenants", "Tenants", "tenants", og_actor_is_platform(&r->ctx.actor)}};
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        if (!pages[i].shown)
            continue;
        json_array_append_new(nav, json_pack("{s:s, s:s, s:b}", "href", pages[i].href, "label",
                                             pages[i].label, "current",
                                             strcmp(section, pages[i].section) == 0));
    }
    /* A tenant's settings (console_settings.c): the own tenant's, for its members who may read. */
    char own[64], href[128];
    if (certs && r->ctx.actor.tenant_id[0] && og_http__console_own_tenant(r, own) == 0 && own[0]) {
        snprintf(href, sizeof(href), "/console/tenants/%s/settings", own);
        json_array_append_new(nav, json_pack("{s:s, s:s, s:b}", "href", href, "label", "Settings",
                                             "current", strcmp(section, "settings") == 0));
    }
    og_error_clear();
    return nav;
}

/* Where the tenant switcher goes: the same section's page for the tenant chosen. */
static const char *switch_action_of(const char *path)
{
    const char *section = section_of(path);
    return strcmp(section, "overview") == 0    ? "/console"
           : strcmp(section, "inbox") == 0     ? "/console/inbox"
           : strcmp(section, "audit") == 0     ? "/console/audit"
           : strcmp(section, "artifacts") == 0 ? "/console/projects"
           : strcmp(section, "tenants") == 0 || strcmp(section, "settings") == 0
               ? "/console/tenants"
               : "/console/certificates";
}

json_t *og_http__console_base(og_http_req *r, const char *tenant)
{
    json_t *d = json_object();
    if (!d || !r->authenticated)
        return d;
    char own[64] = "";
    og_http__console_own_tenant(r, own);
    og_error_clear();
    json_object_set_new(d, "user",
                        json_pack("{s:s, s:s, s:s?}", "name", r->ctx.actor.user_name, "role",
                                  og_role_name(r->ctx.actor.role), "home", own[0] ? own : NULL));
    char masked[OG_CONSOLE_CSRF_MASKED];
    if (og_http__console_csrf_masked(r, masked) < 0) {
        json_decref(d);
        return NULL;
    }
    json_object_set_new(d, "csrf", json_string(masked));
    json_object_set_new(d, "nav", nav_of(r));
    if (og_actor_is_platform(&r->ctx.actor)) {
        json_t *list = NULL, *tenants = json_array(), *t;
        size_t i;
        if (og_tenant_list(&r->ctx, &list) == 0)
            json_array_foreach(list, i, t)
            {
                const char *name = json_string_value(json_object_get(t, "name"));
                json_array_append_new(tenants,
                                      json_pack("{s:s, s:b}", "name", name ? name : "", "selected",
                                                tenant && name && strcmp(tenant, name) == 0));
            }
        og_error_clear();
        json_decref(list);
        json_object_set_new(d, "platform", json_true());
        json_object_set_new(d, "tenants", tenants);
        /* The switcher reloads the overview or the fleet for the tenant chosen. */
        json_object_set_new(d, "switch_action", json_string(switch_action_of(r->path)));
    }
    return d;
}

/* ---- errors ---- */

static const char *heading_of(int status)
{
    switch (status) {
    case 400:
        return "That request was not understood";
    case 401:
        return "Please sign in";
    case 403:
        return "Not allowed";
    case 404:
        return "Not found";
    case 405:
        return "Not allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Too large";
    case 421:
        return "Served by another region";
    case 423:
        return "This tenant's data is locked";
    case 429:
        return "Too many attempts";
    default:
        return "Something went wrong";
    }
}

enum MHD_Result og_http__console_failure(og_http_req *r, int code)
{
    int status = og_http__status_for(code);
    char msg[600];
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (r->retry_after > 0)
        status = 429;
    if (status == 401 && get) {
        /* Not signed in (or the session ended): the sign-in page, back here afterwards. */
        og_buf loc;
        og_buf_init(&loc, sizeof(r->location) - 1);
        og_buf_puts(&loc, "/console/sign-in?next=");
        if (og_http__console_urlencode(&loc, r->path) == 0 && loc.data)
            og_strlcpy(r->location, loc.data, sizeof(r->location));
        else
            og_strlcpy(r->location, "/console/sign-in", sizeof(r->location));
        og_buf_free(&loc);
        /* An htmx swap would follow a 303 and put the sign-in page inside the part it replaces:
         * tell htmx to load the sign-in page as a whole instead (an empty 200, HX-Redirect). */
        r->hx_redirect = og_http__console_hx(r);
        r->status = r->hx_redirect ? 200 : 303;
        json_decref(r->json);
        r->json = NULL;
        return og_http__queue_reply(r);
    }
    if (status == 500 || status == 200) {
        fprintf(stderr, "opsgate: http: %s %s: %s\n", r->method, r->path, og_error_last());
        status = 500;
        snprintf(msg, sizeof(msg), "internal error; the server log has the details");
    } else if (status == 507) {
        /* As the API: the operator needs the path (server log), the client only the fact. */
        fprintf(stderr, "opsgate: http: %s %s: %s\n", r->method, r->path, og_error_last());
        snprintf(msg, sizeof(msg), "the server is out of storage space; nothing was written");
    } else {
        snprintf(msg, sizeof(msg), "%.500s", og_error_last());
    }
    return og_http__console_error(r, status, msg);
}

enum MHD_Result og_http__console_error(og_http_req *r, int status, const char *message)
{
    char msg[600];
    if (status == 404) /* one wording for missing and another tenant's, as the API */
        snprintf(msg, sizeof(msg), "There is no such page, or it is not yours to see.");
    else if (status == 500)
        snprintf(msg, sizeof(msg), "internal error; the server log has the details");
    else
        snprintf(msg, sizeof(msg), "%.500s", message ? message : "");
    r->console = 1;
    /* The page's frame names the user and their tenants: a store again for that (the failed
     * handler's went back to the pool). */
    if (r->authenticated && !r->store) {
        r->store = og_store_pool_get(r->srv->pool);
        r->ctx.store = r->store;
    }
    json_t *d = og_http__console_base(r, NULL);
    og_http__store_release(r);
    if (d) {
        /* No CSRF token on an error page: it may reflect the request's text (BREACH), it changes
         * nothing, and so another tenant's page stays byte for byte a missing one's. */
        json_object_del(d, "csrf");
        json_object_set_new(d, "heading", json_string(heading_of(status)));
        json_object_set_new(d, "message", json_string(msg));
        json_object_set_new(d, "signin", json_boolean(status == 401));
    }
    free(r->text);
    r->text = NULL;
    json_decref(r->json);
    r->json = NULL;
    og_error_clear();
    /* a partial update (htmx) gets the reason alone, put where the person acted (reply.c) */
    if (og_http__console_hx(r) && og_http__console_render(r, status, "error_fragment", d) == 0)
        return og_http__queue_reply(r);
    if (og_http__console_render(r, status, "error", d) < 0) {
        fprintf(stderr, "opsgate: http: rendering an error page: %s\n", og_error_last());
        return MHD_NO;
    }
    return og_http__queue_reply(r);
}

/* ---- request input ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decode s[0..len) ('+' is a space) into out; OG_EINVAL when it does not fit. */
static int form_decode(const char *s, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1, lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return OG_EINVAL;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0)
            return OG_EINVAL; /* a NUL (sent raw or as %00) would cut the value short unseen */
        if (o + 1 >= size)
            return OG_ETOOBIG;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int og_http__console_form(og_http_req *r, const char *name, char *out, size_t size)
{
    const char *p = r->body.data ? r->body.data : "", *end = p + r->body.len;
    size_t nlen = strlen(name);
    out[0] = '\0';
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            int rc = form_decode(eq + 1, (size_t)(stop - eq - 1), out, size);
            if (rc == OG_ETOOBIG)
                return og_error_set(OG_EINVAL, "form field '%s' is too long (at most %zu bytes)",
                                    name, size - 1);
            if (rc < 0 || !og_utf8_valid(out, strlen(out), NULL))
                return og_error_set(OG_EINVAL,
                                    "form field '%s' is not valid percent-encoded "
                                    "UTF-8",
                                    name);
            return 1;
        }
        p = stop + 1;
    }
    return 0;
}

int og_http__console_urlencode(og_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        char enc[4] = {(char)c, 0, 0, 0};
        if (!plain) {
            enc[0] = '%';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
        }
        int error = og_buf_puts(out, enc);
        if (error < 0)
            return error;
    }
    return 0;
}
