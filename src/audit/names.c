/* names.c - the human names next to the ids of audit records: the namers modules register for
 * their target types, the tenant's name of a chain, and the sentence verify reports. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX_NAMERS 64

static pthread_mutex_t namers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char type[48];
    og_audit_namer_fn fn;
    int flags;
} namers[MAX_NAMERS];
static size_t nnamers;

int og_audit_namer_register(const char *target_type, og_audit_namer_fn fn, int flags)
{
    int error = 0;
    size_t i;
    if (!target_type || !*target_type || strlen(target_type) >= sizeof(namers[0].type) || !fn)
        return og_error_set(OG_EINVAL, "an audit namer needs a target type (1-47 bytes) and a "
                                       "function");
    pthread_mutex_lock(&namers_mu);
    for (i = 0; i < nnamers && !og_streq(namers[i].type, target_type); i++)
        ;
    if (i == MAX_NAMERS) {
        error = og_error_set(OG_ERROR, "too many audit namers (at most %d)", MAX_NAMERS);
        goto done;
    }
    if (i == nnamers) {
        og_strlcpy(namers[i].type, target_type, sizeof(namers[i].type));
        nnamers++;
    }
    namers[i].fn = fn;
    namers[i].flags = flags;
done:
    pthread_mutex_unlock(&namers_mu);
    return error;
}

static og_audit_namer_fn namer_of(const char *type, int *flags)
{
    og_audit_namer_fn fn = NULL;
    pthread_mutex_lock(&namers_mu);
    for (size_t i = 0; i < nnamers; i++) {
        if (og_streq(namers[i].type, type)) {
            fn = namers[i].fn;
            *flags = namers[i].flags;
            break;
        }
    }
    pthread_mutex_unlock(&namers_mu);
    return fn;
}

/* Length of the valid UTF-8 prefix of s that fits in max bytes without cutting a character;
 * -1 when s holds an invalid sequence. */
static long utf8_fit(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, fit = 0;
    while (p[i]) {
        size_t n = p[i] < 0x80             ? 1
                   : (p[i] & 0xe0) == 0xc0 ? 2
                   : (p[i] & 0xf0) == 0xe0 ? 3
                   : (p[i] & 0xf8) == 0xf0 ? 4
                                           : 0;
        if (!n || (n == 2 && p[i] < 0xc2) || (n == 4 && p[i] > 0xf4))
            return -1;
        for (size_t k = 1; k < n; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return -1;
        if (n == 3 && ((p[i] == 0xe0 && p[i + 1] < 0xa0) || (p[i] == 0xed && p[i + 1] >= 0xa0)))
            return -1; /* overlong, or a UTF-16 surrogate */
        if (n == 4 && ((p[i] == 0xf0 && p[i + 1] < 0x90) || (p[i] == 0xf4 && p[i + 1] >= 0x90)))
            return -1;
        i += n;
        if (i <= max)
            fit = i;
    }
    return (long)fit;
}

int og_audit__name_fit(const char *in, char *out, size_t size)
{
    long n = in && size > 1 ? utf8_fit(in, size - 1) : 0;
    if (size)
        out[0] = '\0';
    if (n <= 0)
        return 0;
    memcpy(out, in, (size_t)n);
    out[n] = '\0';
    return 1;
}

int og_audit__name(og_ctx *ctx, const char *type, const char *tenant_id, const char *id,
                   int on_write, char *out, size_t size)
{
    int flags = 0, rc;
    og_audit_namer_fn fn;
    char buf[OG_AUDIT_NAME_MAX];
    if (size)
        out[0] = '\0';
    if (!type || !id || !id[0] || size < 2)
        return 0;
    if (og_streq(type, "audit_chain")) { /* the chain of a checkpoint record: its tenant's */
        if (og_streq(id, OG_AUDIT_PLATFORM_CHAIN))
            return 0;
        type = "tenant";
        tenant_id = id;
    }
    if (!(fn = namer_of(type, &flags)) || (on_write && (flags & OG_AUDIT_NAME_SEALED)))
        return 0;
    buf[0] = '\0';
    if ((rc = fn(ctx, tenant_id && tenant_id[0] ? tenant_id : NULL, id, buf, sizeof(buf))) <= 0)
        return rc < 0 ? og_error_wrap("naming %s %s for the audit trail", type, id) : 0;
    buf[sizeof(buf) - 1] = '\0';
    return og_audit__name_fit(buf, out, size); /* 0: not text we can record or show */
}

int og_audit__tenant_name(og_ctx *ctx, const char *tenant_id, char *out, size_t size)
{
    og_stmt *st = NULL;
    int rc;
    if (size)
        out[0] = '\0';
    if (!tenant_id || !tenant_id[0] || og_streq(tenant_id, OG_AUDIT_PLATFORM_CHAIN))
        return 0;
    if ((rc = og_audit__name(ctx, "tenant", tenant_id, tenant_id, 0, out, size)) != 0)
        return rc;
    /* Unknown now (deleted, or no namer in this process): the name its creation recorded. */
    if ((rc = og_stmt_prepare(&st, ctx->store,
                              "SELECT target_name, analysis FROM audit_record WHERE chain ="
                              " 'platform' AND action = 'tenant.create' AND target_id = ?"
                              " ORDER BY seq DESC LIMIT 1")) < 0)
        return rc;
    og_stmt_bind_text(st, 1, tenant_id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *name = og_stmt_col_text(st, 0);
        json_t *a = NULL;
        if (!name && og_stmt_col_text(st, 1)) {
            a = json_loads(og_stmt_col_text(st, 1), 0, NULL);
            name = json_string_value(json_object_get(a, "name"));
        }
        rc = og_audit__name_fit(name, out, size);
        json_decref(a);
    } else if (rc == OG_DONE) {
        rc = 0;
    }
    og_stmt_free(st);
    return rc;
}

void og_audit__chain_label(const char *chain, const char *tenant_name, char *out, size_t size)
{
    if (!chain || !chain[0] || og_streq(chain, OG_AUDIT_PLATFORM_CHAIN))
        snprintf(out, size, "the platform");
    else if (tenant_name && tenant_name[0])
        snprintf(out, size, "tenant %s (id %s)", tenant_name, chain);
    else
        snprintf(out, size, "tenant %s", chain);
}

int og_audit__verify_report(og_ctx *ctx, og_audit_verify_result *res)
{
    char label[192], rec[256] = "";
    og_stmt *st = NULL;
    res->tenant_name[0] = res->action[0] = res->actor[0] = '\0';
    /* Names make the message readable; failing to find them must not hide the problem. */
    if (og_audit__tenant_name(ctx, res->chain, res->tenant_name, sizeof(res->tenant_name)) < 0)
        og_error_clear();
    if (res->bad_seq > 0 &&
        og_stmt_prepare(&st, ctx->store,
                        "SELECT action, actor FROM audit_record WHERE chain = ? AND seq = ?") ==
            0) {
        og_stmt_bind_text(st, 1, og_audit__chain_name(res->chain));
        og_stmt_bind_int(st, 2, res->bad_seq);
        if (og_stmt_step(st) == OG_ROW) {
            og_strlcpy(res->action, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "",
                       sizeof(res->action));
            og_strlcpy(res->actor, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "",
                       sizeof(res->actor));
        }
    }
    og_stmt_free(st);
    og_error_clear();
    og_audit__chain_label(res->chain, res->tenant_name, label, sizeof(label));
    if (res->action[0])
        snprintf(rec, sizeof(rec), " (%s by %s)", res->action, res->actor);
    snprintf(res->message, sizeof(res->message), "audit chain of %s is broken at seq %lld%s: %s",
             label, (long long)res->bad_seq, rec, res->what);
    return og_error_set(OG_ECORRUPT, "%s", res->message);
}

int og_audit_namer_row(og_ctx *ctx, const char *sql, const char *tenant_id, const char *id,
                       og_stmt **out)
{
    int rc;
    *out = NULL;
    if (!tenant_id)
        return 0;
    if ((rc = og_stmt_prepare(out, ctx->store, sql)) < 0)
        return rc;
    og_stmt_bind_text(*out, 1, id);
    og_stmt_bind_text(*out, 2, tenant_id);
    if ((rc = og_stmt_step(*out)) == OG_ROW)
        return 1;
    og_stmt_free(*out);
    *out = NULL;
    return rc == OG_DONE ? 0 : rc;
}

#define NAME_LIST_SHOWN 4 /* names of a list shown before "+N more" */

void og_audit_name_list(og_buf *b, const char *json_text, const char *drop)
{
    json_t *arr = json_text ? json_loads(json_text, 0, NULL) : NULL;
    size_t i, n = json_array_size(arr);
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (i == NAME_LIST_SHOWN) {
            og_buf_printf(b, " +%zu more", n - i);
            break;
        }
        if (drop && strncmp(s, drop, strlen(drop)) == 0)
            s += strlen(drop);
        og_buf_printf(b, "%s%s", i ? ", " : "", s);
    }
    if (!json_is_array(arr) && json_text)
        og_buf_puts(b, json_text);
    json_decref(arr);
}

int og_audit_name_take(og_buf *b, char *out, size_t size)
{
    int named = b->len > 0 && b->data;
    if (named)
        og_strlcpy(out, b->data, size);
    og_buf_free(b);
    return named;
}
