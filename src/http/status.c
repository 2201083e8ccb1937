/* status.c - the one place where og_errcode becomes an HTTP status, and the JSON error body. */
#include "http/router.h"
#include "opsgate/error.h"

#include <jansson.h>

int og_http__status_for(int code)
{
    switch (code) {
    case OG_OK:
        return 200;
    case OG_EPENDING:
        return 202;
    case OG_EINVAL:
        return 400;
    case OG_EAUTH:
        return 401;
    case OG_EDENIED:
        return 403;
    case OG_ENOTFOUND:
        return 404;
    case OG_EEXISTS:
        return 409;
    case OG_ECONFLICT:
        return 409;
    case OG_ETOOBIG:
        return 413;
    case OG_EBUSY:
        return 503;
    case OG_ENOSPACE:
        return 507;
    case OG_ELOCKED: /* a tenant's key revoked (unreachable is OG_EBUSY, 503) */
        return 423;
    case OG_EUPSTREAM: /* the CA answered with an error or could not be reached */
        return 502;
    /* OG_ERROR, OG_ECORRUPT, OG_ESCHEMA and anything unknown: the server's fault. The caller
     * replaces the message so internals (paths, SQL) never reach the client. */
    default:
        return 500;
    }
}

const char *og_http__framing_code(int status)
{
    switch (status) {
    case 411:
        return "length_required";
    case 501:
        return "not_implemented";
    default:
        return og_error_name(OG_EINVAL);
    }
}

char *og_http__error_body(const char *code, const char *message)
{
    char *out = NULL;
    /* Messages can quote client input; a message that is not valid UTF-8 is replaced, never
     * emitted as broken JSON. */
    json_t *msg = json_string(message ? message : "");
    if (!msg)
        msg = json_string("(message withheld: not valid UTF-8)");
    json_t *doc =
        json_pack("{s:{s:s,s:o}}", "error", "code", code ? code : "internal", "message", msg);
    if (doc)
        out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}
