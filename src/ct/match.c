/* match.c - the matcher: an issuance seen in CT against what opsgate knows of it (its ACME plans,
 * its inventory) and the issuer and name patterns a human marked expected. Pure: no store. */
#include <string.h>
#include <strings.h>

#include "opsgate/ct.h"

const char *og_ct_verdict_name(og_ct_verdict v)
{
    switch (v) {
    case OG_CT_OURS_ACME:
        return "ours-acme";
    case OG_CT_OURS_INVENTORY:
        return "ours-inventory";
    case OG_CT_EXPECTED:
        return "expected";
    default:
        return "unknown";
    }
}

bool og_ct_name_covers(const char *pattern, const char *name)
{
    if (!pattern || !name || !*pattern || !*name)
        return false;
    if (strncmp(pattern, "*.", 2) != 0)
        return strcasecmp(pattern, name) == 0;
    const char *suffix = pattern + 1; /* ".example.com": a name below it, at any depth */
    size_t ls = strlen(suffix), ln = strlen(name);
    return ln > ls && strcasecmp(name + ln - ls, suffix) == 0;
}

static bool issuer_same(const og_ct_issuance *is, const og_ct_pattern *p)
{
    if (p->issuer_pubkey_sha256 && *p->issuer_pubkey_sha256)
        return strcasecmp(p->issuer_pubkey_sha256, is->issuer_pubkey_sha256) == 0;
    return p->issuer && *p->issuer && strcmp(p->issuer, is->issuer) == 0;
}

static bool names_covered(const og_ct_issuance *is, const og_ct_pattern *p)
{
    if (is->nnames == 0)
        return false;
    for (size_t i = 0; i < is->nnames; i++) {
        bool hit = false;
        for (size_t k = 0; k < p->nnames && !hit; k++)
            hit = og_ct_name_covers(p->names[k], is->names[i]);
        if (!hit)
            return false;
    }
    return true;
}

og_ct_verdict og_ct_match(const og_ct_issuance *is, const og_ct_known *known,
                          const og_ct_pattern *patterns, size_t npatterns, size_t *which)
{
    if (known && known->acme)
        return OG_CT_OURS_ACME;
    if (known && known->inventory)
        return OG_CT_OURS_INVENTORY;
    for (size_t i = 0; i < npatterns; i++)
        if (issuer_same(is, &patterns[i]) && names_covered(is, &patterns[i])) {
            if (which)
                *which = i;
            return OG_CT_EXPECTED;
        }
    return OG_CT_UNKNOWN;
}
