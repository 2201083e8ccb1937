/* audit_ops_api.c - the audit trail's checks over HTTP, the calls `opsgate audit verify|checkpoint|
 * prove|pubkey` make: verify a chain (or every chain), sign checkpoints with the server's own
 * signing settings, an inclusion proof of one record, and the installation's public key. */
#include "http/parity_api.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET /api/v1/audit/verify[?tenant=]: og_audit_verify over the chain the request names (the
 * token's tenant's; a platform token without ?tenant=: every chain; on a region's node, every
 * chain of the region's database and its tenants' placements, og_audit_verify_region, with
 * "region" in the reply). A broken trail is a report, not a failed request: 200 with "intact":
 * false and the first problem. */
int og_http__audit_verify(og_http_req *r)
{
    char tid[OG_ID_LEN];
    const char *chain;
    og_audit_verify_result res;
    int error;
    memset(&res, 0, sizeof(res));
    if ((error = og_http__audit_chain(r, og_http__query(r, "tenant"), tid, &chain, NULL)) < 0)
        return error;
    int region = !chain && r->srv->region[0] && r->ctx.home;
    error = region ? og_audit_verify_region(&r->ctx, r->ctx.store, r->srv->region, &res)
                   : og_audit_verify(&r->ctx, chain, &res);
    if (error < 0 && error != OG_ECORRUPT)
        return error;
    og_error_clear();
    json_t *j =
        json_pack("{s:b, s:I, s:I, s:I}", "intact", error == 0, "chains", (json_int_t)res.chains,
                  "records", (json_int_t)res.records, "checkpoints", (json_int_t)res.checkpoints);
    if (j && region)
        json_object_set_new(j, "region", json_string(r->srv->region));
    if (j && error)
        json_object_set_new(
            j, "problem",
            json_pack("{s:s, s:s?, s:I, s:s?, s:s?, s:s, s:s}", "chain", res.chain, "tenant_name",
                      res.tenant_name[0] ? res.tenant_name : NULL, "seq", (json_int_t)res.bad_seq,
                      "action", res.action[0] ? res.action : NULL, "actor",
                      res.actor[0] ? res.actor : NULL, "what", res.what, "message", res.message));
    return og_http__reply(r, 200, j);
}

/* POST /api/v1/audit/checkpoints[?tenant=]: sign now, with the server's signing key file and
 * witness file (serve --audit-key, --witness-file) as its periodic job does. With ?tenant= that
 * chain (201, the checkpoint); without, every chain that grew (200 {"checkpoints_made"}).
 * Platform admins only (the library checks OG_PERM_PLATFORM). */
int og_http__audit_checkpoint_make(og_http_req *r)
{
    const char *q = og_http__query(r, "tenant");
    char tid[OG_ID_LEN];
    const char *chain;
    json_t *cp = NULL;
    int made = 0, error;
    const og_audit_opts *opts = &r->srv->bg.audit;
    if (!q || !*q) {
        if ((error = og_audit_checkpoint_all_with(&r->ctx, opts, &made)) < 0)
            return error;
        return og_http__reply(r, 200, json_pack("{s:i}", "checkpoints_made", made));
    }
    if ((error = og_http__audit_chain(r, q, tid, &chain, NULL)) < 0 ||
        (error = og_audit_checkpoint_with(&r->ctx, chain, opts, &cp)) < 0)
        return error;
    snprintf(r->location, sizeof(r->location), "/api/v1/audit/checkpoint?tenant=%s", chain);
    return og_http__reply(r, 201, cp);
}

/* GET /api/v1/audit/proof?seq=N[&tenant=]: the self-contained inclusion proof of record N, which
 * `opsgate audit verify-proof` (or anyone with the public key) checks offline. */
int og_http__audit_prove(og_http_req *r)
{
    char tid[OG_ID_LEN];
    const char *chain;
    int64_t seq = 0;
    json_t *proof = NULL;
    int error;
    if (!og_http__query(r, "seq"))
        return og_error_set(OG_EINVAL, "query 'seq': missing (the record's sequence number)");
    if ((error = og_http__query_i64(r, "seq", 1, INT64_MAX, &seq)) < 0 ||
        (error = og_http__audit_chain(r, og_http__query(r, "tenant"), tid, &chain, NULL)) < 0 ||
        (error = og_audit_prove(&r->ctx, chain, seq, &proof)) < 0)
        return error;
    return og_http__reply(r, 200, proof);
}

/* GET /api/v1/audit/pubkey: the installation's checkpoint signing public key (public: it is what
 * a proof is checked with), {"algorithm": "ed25519", "pem"}. */
int og_http__audit_pubkey(og_http_req *r)
{
    char *pem = NULL;
    int error;
    if ((error = og_audit_pubkey_pem(&r->ctx, &pem)) < 0)
        return error;
    json_t *j = json_pack("{s:s, s:s}", "algorithm", "ed25519", "pem", pem);
    free(pem);
    return og_http__reply(r, 200, j);
}

/* ---- for witnesses and monitors (a witness token may read these and nothing else) ---- */

/* {chain}: "platform" or a tenant id (not a name: a witness may not look tenants up). */
static int chain_param(og_http_req *r, const char **chain)
{
    const char *c = og_http__param(&r->match, "chain");
    *chain = NULL;
    if (c && strcmp(c, "platform") == 0)
        return 0;
    if (!c || !og_id_valid(c))
        return og_error_set(OG_EINVAL, "chain '%.64s' is not 'platform' or a tenant id",
                            c ? c : "");
    *chain = c;
    return 0;
}

/* Another tenant's chain and one that does not exist (or has no checkpoint yet) answer alike. */
static int not_found(const char *chain)
{
    return og_error_set(OG_ENOTFOUND, "no signed checkpoint of audit chain '%s'",
                        chain ? chain : "platform");
}

/* GET /api/v1/audit/checkpoints/{chain}: the chain's latest checkpoint, with its C2SP signed
 * note ("note") when it has one; with Accept: text/plain, the signed note itself. */
int og_http__audit_checkpoint_public(og_http_req *r)
{
    const char *chain;
    json_t *cp = NULL;
    int error;
    if ((error = chain_param(r, &chain)) < 0)
        return error;
    if ((error = og_audit_checkpoint_public(&r->ctx, chain, &cp)) == OG_ENOTFOUND)
        return not_found(chain);
    if (error < 0)
        return error;
    if (og_http__wants_note(r)) {
        error = og_http__reply_note(r, cp, chain);
        json_decref(cp);
        return error;
    }
    return og_http__reply(r, 200, cp);
}

/* GET /api/v1/audit/checkpoints/{chain}/consistency?from=N[&to=M]: the consistency proof
 * between two tree sizes (base64 hashes, RFC 9162 order) and the signed note at M. */
int og_http__audit_consistency(og_http_req *r)
{
    const char *chain;
    int64_t from = -1, to = 0;
    json_t *out = NULL;
    int error;
    if ((error = chain_param(r, &chain)) < 0)
        return error;
    if (!og_http__query(r, "from"))
        return og_error_set(OG_EINVAL, "query 'from': missing (the older tree size)");
    if ((error = og_http__query_i64(r, "from", 0, INT64_MAX, &from)) < 0 ||
        (error = og_http__query_i64(r, "to", 1, INT64_MAX, &to)) < 0)
        return error;
    if ((error = og_audit_consistency(&r->ctx, chain, from, to, &out)) == OG_ENOTFOUND)
        return not_found(chain);
    if (error < 0)
        return error;
    return og_http__reply(r, 200, out);
}
