/* error.c - per-thread error slot behind og_error_set()/og_error_last(). */
#include "opsgate/error.h"

#include <errno.h>
#include "opsgate/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OG_ERRMSG_MAX 1024

static _Thread_local char errmsg[OG_ERRMSG_MAX];
static _Thread_local int errcode;
static _Thread_local const char *errdetail;
static _Thread_local char errdetail_arg[256];

/* Messages quote what callers were given (a file's PEM label, a name, a header) and end up in
 * JSON error bodies, logs and terminals: make the message valid UTF-8 (each byte of an invalid
 * sequence, including a character cut by the size cap, becomes '?') and replace control
 * characters other than newline and tab with '?'. */
static void clean_message(char *msg)
{
    size_t len = strlen(msg), bad;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)msg[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            msg[i] = '?';
    }
    for (size_t from = 0; from < len && !og_utf8_valid(msg + from, len - from, &bad);) {
        msg[from + bad] = '?';
        from += bad + 1;
    }
}

void og_error_clean_text(char *msg)
{
    if (msg)
        clean_message(msg);
}

int og_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
    va_end(ap);
    clean_message(errmsg);
    errcode = code;
    errdetail = NULL;
    errdetail_arg[0] = '\0';
    return code;
}

int og_error_set_detail(const char *detail)
{
    errdetail = detail;
    errdetail_arg[0] = '\0';
    return errcode;
}

int og_error_set_detail_arg(const char *detail, const char *arg)
{
    errdetail = detail;
    og_strlcpy(errdetail_arg, arg ? arg : "", sizeof(errdetail_arg));
    return errcode;
}

const char *og_error_detail(void)
{
    return errdetail ? errdetail : "";
}

const char *og_error_detail_arg(void)
{
    return errdetail_arg;
}

int og_error_wrap(const char *fmt, ...)
{
    char prefix[OG_ERRMSG_MAX];
    char old[OG_ERRMSG_MAX];
    /* The buffer below sets its own error when the message is full: keep code and detail. */
    int code = errcode;
    const char *detail = errdetail;
    char detail_arg[sizeof(errdetail_arg)];
    memcpy(detail_arg, errdetail_arg, sizeof(detail_arg));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof(old));
    /* Truncation is fine here: the message is for people and is capped by design. */
    og_buf b;
    og_buf_init(&b, sizeof(errmsg) - 1);
    if (og_buf_printf(&b, "%s: ", prefix) == 0 && og_buf_puts(&b, old) < 0) {
        /* keep what fits */
    }
    og_strlcpy(errmsg, b.data ? b.data : prefix, sizeof(errmsg));
    og_buf_free(&b);
    clean_message(errmsg);
    errcode = code == OG_OK ? OG_ERROR : code;
    errdetail = detail;
    memcpy(errdetail_arg, detail_arg, sizeof(detail_arg));
    return errcode;
}

const char *og_error_last(void)
{
    return errmsg;
}

int og_error_code(void)
{
    return errcode;
}

void og_error_clear(void)
{
    errmsg[0] = '\0';
    errcode = OG_OK;
    errdetail = NULL;
    errdetail_arg[0] = '\0';
}

const char *og_error_name(int code)
{
    switch (code) {
    case OG_OK:
        return "ok";
    case OG_ENOTFOUND:
        return "not_found";
    case OG_EEXISTS:
        return "exists";
    case OG_EDENIED:
        return "forbidden";
    case OG_EAUTH:
        return "unauthorized";
    case OG_ECONFLICT:
        return "conflict";
    case OG_EPENDING:
        return "pending";
    case OG_EINVAL:
        return "invalid";
    case OG_ETOOBIG:
        return "too_large";
    case OG_ECORRUPT:
        return "corrupt";
    case OG_EBUSY:
        return "busy";
    case OG_ESCHEMA:
        return "schema_too_new";
    case OG_ENOSPACE:
        return "insufficient_storage";
    case OG_ELOCKED:
        return "locked";
    case OG_EUPSTREAM:
        return "upstream";
    default:
        return "internal";
    }
}

int og_error_for_errno(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG ? OG_ENOSPACE : OG_ERROR;
}
