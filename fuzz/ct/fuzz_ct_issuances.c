/* fuzz_ct_issuances.c - libFuzzer target for a CT source's answer: the Cert Spotter
 * /v1/issuances page (og_ct_certspotter_parse) and the matcher over what it read. */
#include "fuzz_util.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is the body a CT monitor answered (outside the MSP's control: a hostile or broken
 * one must not crash opsgate, poison its cursor or its records). Checked on every input:
 * - a refusal is OG_EINVAL or OG_ETOOBIG with a clean message, and leaves *out NULL and n 0;
 * - an accepted page holds at most OG_CT_PAGE_MAX issuances, each with an id of 1..63 bytes that
 *   can go into a query string as it is (no space, &, #, ?, %, +, control or non-ASCII byte),
 *   hashes that are "" or 64 lower-case hex digits, texts without control characters, at most
 *   OG_CT_NAMES_MAX names, each lower case and a DNS name og_ct_domain_check takes (after a
 *   leading "*.");
 * - the page written back as JSON parses to the same issuances (nothing lost or invented);
 * - the matcher: an issuance is never "expected" by a pattern of another issuer, and always by
 *   the pattern made of its own issuer and names (when it has an issuer and names).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hash(const char *h)
{
    size_t n = strlen(h);
    FUZZ_ASSERT(n == 0 || n == 64);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(isxdigit((unsigned char)h[i]) && !isupper((unsigned char)h[i]));
}

static void check_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
}

static void check_one(const og_ct_issuance *is)
{
    size_t idl = strlen(is->id);
    char out[254];
    FUZZ_ASSERT(idl >= 1 && idl < sizeof(is->id));
    for (size_t i = 0; i < idl; i++) {
        unsigned char c = (unsigned char)is->id[i];
        FUZZ_ASSERT(c > 0x20 && c < 0x7f && !strchr("&#?%+", c));
    }
    check_hash(is->cert_sha256);
    check_hash(is->tbs_sha256);
    check_hash(is->pubkey_sha256);
    check_hash(is->issuer_pubkey_sha256);
    check_text(is->issuer);
    check_text(is->not_before);
    check_text(is->not_after);
    FUZZ_ASSERT(is->nnames <= OG_CT_NAMES_MAX);
    for (size_t k = 0; k < is->nnames; k++) {
        const char *name = is->names[k];
        for (const char *p = name; *p; p++)
            FUZZ_ASSERT(!isupper((unsigned char)*p));
        if (og_ct_domain_check(strncmp(name, "*.", 2) == 0 ? name + 2 : name, out) < 0)
            FUZZ_FAIL("an accepted name is no DNS name: %s", name);
        FUZZ_ASSERT(strcmp(out, strncmp(name, "*.", 2) == 0 ? name + 2 : name) == 0);
    }
}

static json_t *to_json(const og_ct_issuance *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *names = json_array();
        for (size_t k = 0; k < v[i].nnames; k++)
            json_array_append_new(names, json_string(v[i].names[k]));
        json_array_append_new(
            a, json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:{s:s, s:s?}, s:s?, s:s?, s:b}", "id",
                         v[i].id, "cert_sha256", v[i].cert_sha256[0] ? v[i].cert_sha256 : NULL,
                         "tbs_sha256", v[i].tbs_sha256[0] ? v[i].tbs_sha256 : NULL, "pubkey_sha256",
                         v[i].pubkey_sha256[0] ? v[i].pubkey_sha256 : NULL, "dns_names", names,
                         "issuer", "name", v[i].issuer, "pubkey_sha256",
                         v[i].issuer_pubkey_sha256[0] ? v[i].issuer_pubkey_sha256 : NULL,
                         "not_before", v[i].not_before[0] ? v[i].not_before : NULL, "not_after",
                         v[i].not_after[0] ? v[i].not_after : NULL, "revoked", v[i].revoked));
    }
    return a;
}

static void check_same(const og_ct_issuance *a, const og_ct_issuance *b)
{
    FUZZ_ASSERT(strcmp(a->id, b->id) == 0);
    FUZZ_ASSERT(strcmp(a->cert_sha256, b->cert_sha256) == 0);
    FUZZ_ASSERT(strcmp(a->tbs_sha256, b->tbs_sha256) == 0);
    FUZZ_ASSERT(strcmp(a->issuer, b->issuer) == 0);
    FUZZ_ASSERT(strcmp(a->issuer_pubkey_sha256, b->issuer_pubkey_sha256) == 0);
    FUZZ_ASSERT(a->nnames == b->nnames && a->revoked == b->revoked);
    for (size_t k = 0; k < a->nnames; k++)
        FUZZ_ASSERT(strcmp(a->names[k], b->names[k]) == 0);
}

static void check_matcher(const og_ct_issuance *is)
{
    const char **names = calloc(is->nnames ? is->nnames : 1, sizeof(char *));
    if (!names)
        return;
    for (size_t k = 0; k < is->nnames; k++)
        names[k] = is->names[k];
    og_ct_known none = {0};
    og_ct_pattern own = {is->issuer_pubkey_sha256, is->issuer, names, is->nnames};
    og_ct_pattern other = {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                           "not this issuer", names, is->nnames};
    bool has_issuer = is->issuer_pubkey_sha256[0] || is->issuer[0];
    og_ct_verdict v = og_ct_match(is, &none, &own, 1, NULL);
    FUZZ_ASSERT(v == (has_issuer && is->nnames ? OG_CT_EXPECTED : OG_CT_UNKNOWN));
    if (strcmp(is->issuer_pubkey_sha256, other.issuer_pubkey_sha256) != 0)
        FUZZ_ASSERT(og_ct_match(is, &none, &other, 1, NULL) == OG_CT_UNKNOWN);
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    og_ct_issuance *v = NULL, *w = NULL;
    size_t n = 0, m = 0;
    og_error_clear();
    int rc = og_ct_certspotter_parse((const char *)data, size, &v, &n);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
        FUZZ_ASSERT(v == NULL && n == 0);
        return 0;
    }
    FUZZ_ASSERT(rc == 0 && n <= OG_CT_PAGE_MAX && (n == 0) == (v == NULL));
    for (size_t i = 0; i < n; i++) {
        check_one(&v[i]);
        check_matcher(&v[i]);
    }
    json_t *back = to_json(v, n);
    char *text = json_dumps(back, JSON_COMPACT);
    json_decref(back);
    if (text) {
        rc = og_ct_certspotter_parse(text, strlen(text), &w, &m);
        if (rc < 0)
            FUZZ_FAIL("the page written back is refused: %s", og_error_last());
        FUZZ_ASSERT(m == n);
        for (size_t i = 0; i < n; i++)
            check_same(&v[i], &w[i]);
        fuzz_log("accepted %zu issuances", n);
    }
    free(text);
    og_ct_issuances_free(v, n);
    og_ct_issuances_free(w, m);
    return 0;
}
