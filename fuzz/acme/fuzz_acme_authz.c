/* fuzz_acme_authz.c - libFuzzer target for ACME authorizations and their challenges
 * (RFC 8555 §7.1.4, §8). */
#include "acme/acme_internal.h"
#include "acme_oracle.h"
#include "fuzz_util.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is the body a CA answers an authorization fetch or poll with. What the client takes
 * from it reaches the file system and other servers: the token names a file under the webroot
 * and a URL path of the http-01 responder, the identifier becomes a DNS name updated through
 * RFC 2136 or a TLS SNI name. Checked:
 * - a refusal is OG_ERROR with a clean message naming the URL asked, and leaves nothing filled;
 * - an accepted authorization has a status the RFC lists, a dns identifier of letters, digits,
 *   '-', '_' and '.' (no empty label, so no "..", no '/') or an ip identifier that parses, at
 *   most OG_ACME_MAX_CHALLENGES challenges, each with a [a-z0-9-] type, a listed status, an
 *   http(s) URL, a token of base64url characters only, and an error that is a JSON object;
 * - og_acme__authz_challenge finds the first challenge of each type.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHAT "https://ca.test/authz/1"

static void check_identifier(const og_acme_authz_obj *a)
{
    FUZZ_ASSERT(memchr(a->id_value, '\0', sizeof(a->id_value)));
    size_t n = strlen(a->id_value);
    FUZZ_ASSERT(n > 0);
    if (strcmp(a->id_type, "ip") == 0) {
        FUZZ_ASSERT(strspn(a->id_value, "0123456789abcdefABCDEF:.") == n);
        return;
    }
    FUZZ_ASSERT(strcmp(a->id_type, "dns") == 0);
    if (strspn(a->id_value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            n ||
        strstr(a->id_value, "..") || a->id_value[0] == '.' || a->id_value[n - 1] == '.')
        FUZZ_FAIL("accepted dns identifier '%s'", a->id_value);
}

static void check_challenge(const og_acme_authz_obj *a, size_t i)
{
    const og_acme_challenge_obj *c = &a->ch[i];
    size_t n = strnlen(c->type, sizeof(c->type));
    FUZZ_ASSERT(n > 0 && n < sizeof(c->type));
    FUZZ_ASSERT(strspn(c->type, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
    oracle_status(c->status, sizeof(c->status), "pending,processing,valid,invalid", "challenge");
    oracle_url(c->url, "challenge url");
    n = strnlen(c->token, sizeof(c->token));
    FUZZ_ASSERT(n < sizeof(c->token));
    if (strspn(c->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != n)
        FUZZ_FAIL("accepted token '%s'", c->token);
    if (c->error) {
        json_error_t je;
        json_t *e = json_loads(c->error, 0, &je);
        FUZZ_ASSERT(json_is_object(e));
        json_decref(e);
    }
    const og_acme_challenge_obj *first = og_acme__authz_challenge(a, c->type);
    FUZZ_ASSERT(first && first <= c && strcmp(first->type, c->type) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    og_acme_authz_obj a;
    memset(&a, 0x5a, sizeof(a));
    og_error_clear();
    int rc = og_acme__authz_parse((const char *)data, size, WHAT, &a);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_ERROR);
        FUZZ_ASSERT(strstr(og_error_last(), WHAT));
        FUZZ_ASSERT(a.nch == 0 && a.ch[0].error == NULL && a.status[0] == '\0');
        return 0;
    }
    FUZZ_ASSERT(rc == 0);
    oracle_status(a.status, sizeof(a.status), "pending,valid,invalid,deactivated,expired,revoked",
                  "authorization");
    check_identifier(&a);
    FUZZ_ASSERT(a.nch <= OG_ACME_MAX_CHALLENGES);
    for (size_t i = 0; i < a.nch; i++)
        check_challenge(&a, i);
    FUZZ_ASSERT(og_acme__authz_challenge(&a, "no-such-type") == NULL);
    fuzz_log("authorization %s of %s with %zu challenges", a.status, a.id_value, a.nch);
    og_acme__authz_obj_clear(&a);
    og_acme__authz_obj_clear(&a);
    return 0;
}
