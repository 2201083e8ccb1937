/* cmd_audit.c - `opsgate audit ...`: checkpoints, proofs, verification and exports of the audit
 * trail. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/audit.h"
#include "opsgate/egress.h"
#include "opsgate/netclient.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROOF_FILE_CAP  ((size_t)4 << 20)
#define PUBKEY_FILE_CAP ((size_t)16 << 10)
#define WITNESS_CAP     ((size_t)256 << 20)

static const char *const about =
    "The audit trail is one hash chain per tenant plus the platform chain (omit --tenant for it,\n"
    "or for all chains where that makes sense). Records are immutable: the database refuses to\n"
    "change or delete them.\n"
    "\n"
    "  verify        recompute every record's hash and link, the Merkle root at every signed\n"
    "                checkpoint and its signature, and check no chain is shorter than its latest\n"
    "                checkpoint; then that every checkpoint has its audit.checkpoint record in\n"
    "                the platform chain and every such record its checkpoint, that every\n"
    "                tenant.create has its tenant's chain and every signing key its record.\n"
    "                Exit 0 when intact, 1 naming the chain (tenant acme (id ...)), the first\n"
    "                bad sequence number with that record's action and actor, and what is wrong.\n"
    "                --witness FILE|URL: also check every checkpoint in that witness (JSON lines\n"
    "                as written by --witness-file; a URL is fetched with GET) against the local\n"
    "                chain: it must be at least that long with the same Merkle root. Signatures\n"
    "                are checked with --pubkey FILE, else the public half of the key file\n"
    "                (--audit-key or OPSGATE_AUDIT_KEY), else the installation's key of that id.\n"
    "                Exit 2 when the witness is not such lines (the message names the line).\n"
    "                --min-witnesses N: also require the latest checkpoint of every chain to\n"
    "                carry N valid cosignatures of registered witnesses (audit witness).\n"
    "                --region NAME (with --data-region NAME=URL): every chain of that region's\n"
    "                database, its own platform chain included, and the placements: each tenant\n"
    "                the home's platform chain puts in the region is created in the region's,\n"
    "                and each tenant created there is placed there by the home.\n"
    "  checkpoint    sign a checkpoint of each chain: a C2SP tlog-checkpoint (origin\n"
    "                opsgate/<log id>/<chain>, tree size, base64 RFC 9162 Merkle root) signed as\n"
    "                a C2SP signed note with the installation's Ed25519 key; all chains that grew "
    "when --tenant is omitted,\n"
    "                the platform chain last (it records every checkpoint). Refuses a chain whose\n"
    "                latest checkpoint is not the one the platform chain records, or whose\n"
    "                records no longer match it. The server does this periodically too.\n"
    "                --audit-key PATH (or --key PATH, or OPSGATE_AUDIT_KEY): the signing key\n"
    "                file, kept outside the data folder (see opsgate init --audit-key); once\n"
    "                used, required.\n"
    "                --witness-file PATH: append each new checkpoint as a JSON line (fsync'd).\n"
    "  pubkey        print the audit public key (PEM; `openssl pkey -pubin` reads it); with\n"
    "                --note as a C2SP note verifier key, name+hash+base64key.\n"
    "  prove         print a self-contained inclusion proof (JSON) of record N against the\n"
    "                chain's latest checkpoint.\n"
    "  verify-proof  check a proof offline, without any data folder: the record hashes to its\n"
    "                record hash, the audit path leads to the root, and the checkpoint is signed\n"
    "                by --pubkey (PEM, or the note verifier key of `pubkey --note`). Exit 0\n"
    "                valid, 1 invalid or unreadable, 2 not a proof or key.\n"
    "  consistency   print the RFC 9162 consistency proof (base64 hashes) of a chain from tree\n"
    "                size --from to --to (default: its latest checkpoint), with the signed\n"
    "                note of the checkpoint at --to.\n"
    "  witness       add --url URL --key VKEY [--tenant T] | list | remove ID: the witnesses\n"
    "                (C2SP tlog-witness) every new checkpoint is sent to, of every chain or of\n"
    "                one tenant's; the server (events) sends them, stores their cosignatures\n"
    "                and raises an alert (audit.witness.refused) when one refuses. VKEY is the\n"
    "                witness's verifier key (cosignature/v1 or Ed25519). Platform admins.\n"
    "  export        write the records with since <= time < until to stdout as an OSCAL 1.1.2\n"
    "                assessment-results document, JSON lines (canonical JSON with hash) or CSV.\n"
    "                Each record names its tenant, acting user (label and id) and target (name\n"
    "                and id) as they were when it was written; names a record does not carry\n"
    "                (sealed artifact names, older records) are resolved now and marked so.\n"
    "  list          list records, oldest first, with those names; --after continues from a\n"
    "                previous page. With --json it prints what GET /api/v1/audit returns:\n"
    "                {\"tenant\": {\"id\", \"name\"} (null for the platform), \"records\": [...],\n"
    "                \"next\": the cursor for --after, as a string, or null}.\n"
    "\n"
    "TIME is RFC 3339 (2026-11-22T04:15:20Z) or a date (2026-11-22, midnight UTC).\n";

static const og_cli_opt verify_opts[] = {
    OG_CLI_OPT_TENANT,
    {"witness", "FILE|URL", "also check the checkpoints of this witness", 0, 0},
    {"pubkey", "FILE", "the public key the witness is signed with", 0, 0},
    {"region", "NAME", "verify region NAME's database (--data-region) and its placements", 0, 0},
    {"audit-key", "PATH", "the signing key file (else $OPSGATE_AUDIT_KEY)", 0, 0},
    {"key", "PATH", "the same as --audit-key", 0, 0},
    {"min-witnesses", "N", "require N witness cosignatures", 0, 0},
    {0},
};

static const og_cli_opt pubkey_opts[] = {
    {"note", NULL, "as a C2SP note verifier key", 0, 0},
    {0},
};

static const og_cli_opt consistency_opts[] = {
    OG_CLI_OPT_TENANT,
    {"from", "N", "the older tree size (0 or more)", OG_CLI_REQUIRED, 0},
    {"to", "M", "the newer tree size (default: the latest)", 0, 0},
    {0},
};

static const og_cli_opt witness_opts[] = {
    OG_CLI_OPT_TENANT,
    {"url", "URL", "the witness's http(s) URL (add)", 0, 0},
    {"key", "VKEY", "the witness's verifier key (add)", 0, 0},
    {0},
};

static const og_cli_opt checkpoint_opts[] = {
    OG_CLI_OPT_TENANT,
    {"audit-key", "PATH", "the signing key file (else $OPSGATE_AUDIT_KEY)", 0, 0},
    {"key", "PATH", "the same as --audit-key", 0, 0},
    {"witness-file", "PATH", "append each new checkpoint as a JSON line", 0, 0},
    {0},
};

static const og_cli_opt prove_opts[] = {
    OG_CLI_OPT_TENANT,
    {"seq", "N", "the record to prove (1, 2, ...)", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_opt verify_proof_opts[] = {
    {"pubkey", "FILE", "the audit public key (PEM or note key)", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_opt export_opts[] = {
    OG_CLI_OPT_TENANT,
    {"format", "FORMAT", "oscal, jsonl or csv", OG_CLI_REQUIRED, 0},
    {"since", "TIME", "records at or after TIME", 0, 0},
    {"until", "TIME", "records before TIME", 0, 0},
    {0},
};

static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT,
    {"after", "SEQ", "records after SEQ (the previous page's cursor)", 0, 0},
    {"limit", "N", "at most N records (1 to 1000, default 100)", 0, 0},
    {"action", "A", "only records of this action", 0, 0},
    {"since", "TIME", "records at or after TIME", 0, 0},
    {0},
};

static int sink_stdout(void *arg, const void *data, size_t len)
{
    (void)arg;
    if (len && fwrite(data, 1, len, stdout) != len)
        return og_error_set(OG_ERROR, "writing the export: %s", strerror(errno));
    return 0;
}

/* The chain --tenant names: the tenant (by name or id) into *t and *id = t->id; without
 * --tenant, *id = NULL (the platform chain, or all chains) and *t stays zeroed. */
static int chain_of(og_cli *cli, const char *tenant, og_tenant *t, const char **id)
{
    int error;
    memset(t, 0, sizeof(*t));
    *id = NULL;
    if (!tenant || !tenant[0])
        return 0;
    if ((error = og_tenant_get(&cli->ctx, tenant, t)) < 0)
        return error;
    *id = t->id;
    return 0;
}

/* Open the data folder and find the chain --tenant names; prints the failure. */
static int open_chain(og_cli *cli, const og_cli_args *a, og_tenant *t, const char **id)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error = og_cli_open(cli, tenant);
    if (error)
        return error;
    if ((error = chain_of(cli, tenant, t, id)) < 0)
        return og_cli_fail(error);
    return 0;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* The name shown for a record's target: recorded, else resolved when listed. */
static const char *target_name_of(json_t *r)
{
    const char *n = json_string_value(json_object_get(json_object_get(r, "target"), "name"));
    return n ? n
             : json_string_value(json_object_get(json_object_get(r, "resolved"), "target_name"));
}

/* One line per record (og_cli_table: aligned, control characters shown as '?'): seq, time,
 * actor with the user's id, action, and the target as type, name and id. */
static void print_list(json_t *arr, const char *tid, const char *tenant)
{
    static const char *const head[] = {"SEQ", "TIME", "ACTOR", "ACTION", "TARGET", NULL};
    og_cli_table *tab = og_cli_table_new(head);
    size_t i;
    json_t *r;
    if (tid) {
        json_t *first = json_array_get(arr, 0);
        const char *name = json_string_value(json_object_get(first, "tenant_name"));
        if (!name)
            name = json_string_value(
                json_object_get(json_object_get(first, "resolved"), "tenant_name"));
        char line[256];
        snprintf(line, sizeof(line), "audit chain of tenant %s (id %s)", name ? name : tenant, tid);
        for (const char *p = line; *p; p++) /* no control characters, as in the table */
            putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
        putchar('\n');
    } else {
        printf("audit chain of the platform\n");
    }
    if (!tab)
        return;
    og_cli_table_right(tab, 0);
    json_array_foreach(arr, i, r)
    {
        json_t *t = json_object_get(r, "target");
        const char *actor = json_string_value(json_object_get(r, "actor"));
        const char *aid = json_string_value(json_object_get(r, "actor_id"));
        const char *type = json_string_value(json_object_get(t, "type"));
        const char *id = json_string_value(json_object_get(t, "id"));
        const char *name = target_name_of(r);
        char seq[24], who[320], target[900];
        snprintf(seq, sizeof(seq), "%lld",
                 (long long)json_integer_value(json_object_get(r, "seq")));
        snprintf(who, sizeof(who), "%s%s%s%s", or_dash(actor), aid ? " (id " : "", aid ? aid : "",
                 aid ? ")" : "");
        if (name && id)
            snprintf(target, sizeof(target), "%s %s (id %s)", or_dash(type), name, id);
        else
            snprintf(target, sizeof(target), "%s %s", or_dash(type), or_dash(id ? id : name));
        og_cli_table_add(tab,
                         (const char *[]){seq, json_string_value(json_object_get(r, "time")), who,
                                          json_string_value(json_object_get(r, "action")), target});
    }
    og_cli_table_print(tab, stdout, 1);
    og_cli_table_free(tab);
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int cmd_verify_proof(const char *file, const char *pubfile)
{
    char *text = NULL, *pem = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    json_error_t jerr;
    uint8_t pub[32];
    int rc = OG_EXIT_FAIL, error;
    if ((error = og_file_read(pubfile, PUBKEY_FILE_CAP, &pem, &len)) < 0) {
        fprintf(stderr, "opsgate: cannot read public key file '%s': %s\n", pubfile,
                og_error_last());
        goto cleanup;
    }
    while (len && (pem[len - 1] == '\n' || pem[len - 1] == '\r' || pem[len - 1] == ' '))
        pem[--len] = '\0';
    if ((strstr(pem, "-----BEGIN") ? og_audit_pubkey_parse(pem, pub)
                                   : og_audit_note_key_parse(pem, pub)) < 0) {
        fprintf(stderr, "opsgate: public key file '%s': %s\n", pubfile, og_error_last());
        rc = OG_EXIT_USAGE;
        goto cleanup;
    }
    if ((error = og_file_read(file, PROOF_FILE_CAP, &text, &len)) < 0) {
        fprintf(stderr, "opsgate: cannot read proof file '%s': %s\n", file, og_error_last());
        goto cleanup;
    }
    if (!(doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
        fprintf(stderr, "opsgate: proof file '%s' is not JSON: line %d column %d: %s\n", file,
                jerr.line, jerr.column, jerr.text);
        rc = OG_EXIT_USAGE;
        goto cleanup;
    }
    if ((error = og_audit_proof_verify(doc, pub)) < 0) {
        fprintf(stderr, "opsgate: proof file '%s': %s\n", file, og_error_last());
        rc = error == OG_EINVAL ? OG_EXIT_USAGE : OG_EXIT_FAIL;
        goto cleanup;
    }
    if (json_is_string(json_object_get(doc, "checkpoint")))
        printf("proof verified: record %lld of chain %s is included in the checkpoint of tree"
               " size %lld of %s (a signed note)\n",
               (long long)json_integer_value(json_object_get(doc, "seq")),
               json_string_value(json_object_get(doc, "chain")),
               (long long)json_integer_value(json_object_get(doc, "tree_size")),
               json_string_value(json_object_get(doc, "origin")));
    else
        printf("proof verified: record %lld of chain %s is included in the checkpoint of tree"
               " size %lld signed by key %s at %s\n",
               (long long)json_integer_value(json_object_get(doc, "seq")),
               json_string_value(json_object_get(doc, "chain")),
               (long long)json_integer_value(json_object_get(doc, "tree_size")),
               json_string_value(json_object_get(json_object_get(doc, "checkpoint"), "key_id")),
               json_string_value(json_object_get(json_object_get(doc, "checkpoint"), "time")));
    rc = OG_EXIT_OK;
cleanup:
    free(text);
    free(pem);
    json_decref(doc);
    return rc;
}

/* The audit library says what is damaged, not how to look: on the command line, `audit verify`
 * finds where. */
static int audit_fail(int error)
{
    if (error == OG_ECORRUPT) {
        char msg[900];
        og_strlcpy(msg, og_error_last(), sizeof(msg));
        og_error_set(error, "%s (`opsgate audit verify` finds the damage)", msg);
    }
    return og_cli_fail(error);
}

/* --since/--until are checked before the data folder is opened: a typo is a usage error. */
static int check_time(const og_cli_args *a, const char *name)
{
    const char *v = og_cli_get(a, name);
    int64_t ignored;
    if (v && og_time_parse(v, &ignored) < 0)
        return og_cli_bad(a, "--%s '%s' is not an RFC 3339 time or a date", name, v);
    return 0;
}

/* The signing key file: --audit-key or its alias --key; NULL when neither is given. */
static const char *key_file(const og_cli_args *a)
{
    const char *k = og_cli_get(a, "audit-key");
    return k ? k : og_cli_get(a, "key");
}

/* The key a witness must be signed with, into pub: --pubkey FILE, else the public half of the
 * key file (--audit-key or OPSGATE_AUDIT_KEY); *wpub stays NULL when there is neither. */
static int witness_key(const og_cli_args *a, uint8_t pub[32], const uint8_t **wpub)
{
    const char *pubkey = og_cli_get(a, "pubkey"), *kf = key_file(a);
    char *pem = NULL;
    size_t len = 0;
    int error;
    *wpub = NULL;
    if (!kf)
        kf = getenv("OPSGATE_AUDIT_KEY");
    if (pubkey) {
        if (og_file_read(pubkey, PUBKEY_FILE_CAP, &pem, &len) < 0) {
            fprintf(stderr, "opsgate: cannot read public key file '%s': %s\n", pubkey,
                    og_error_last());
            return OG_EXIT_FAIL;
        }
        error = og_audit_pubkey_parse(pem, pub);
        free(pem);
        if (error < 0)
            return og_cli_bad(a, "public key file '%s': %s", pubkey, og_error_last());
        *wpub = pub;
    } else if (kf && kf[0]) {
        if (og_audit_key_file_check(kf, NULL, pub) < 0)
            return og_cli_bad(a, "%s", og_error_last());
        *wpub = pub;
    }
    return 0;
}

/* verify's answer: error is 0 (intact) or OG_ECORRUPT (res says where). */
static void print_verify(const og_cli *cli, int error, const og_audit_verify_result *res,
                         bool witness)
{
    if (!cli->json) {
        if (error)
            return;
        printf("audit trail intact: %lld chain(s), %lld record(s), %lld checkpoint(s) verified",
               (long long)res->chains, (long long)res->records, (long long)res->checkpoints);
        if (witness)
            printf(", %lld witnessed checkpoint(s) consistent", (long long)res->witnessed);
        printf("\n");
        return;
    }
    json_t *j =
        json_pack("{s:b,s:I,s:I,s:I}", "intact", error == 0, "chains", (json_int_t)res->chains,
                  "records", (json_int_t)res->records, "checkpoints", (json_int_t)res->checkpoints);
    if (witness)
        json_object_set_new(j, "witnessed", json_integer(res->witnessed));
    if (error)
        json_object_set_new(j, "problem",
                            json_pack("{s:s,s:s?,s:I,s:s?,s:s?,s:s,s:s}", "chain", res->chain,
                                      "tenant_name", res->tenant_name[0] ? res->tenant_name : NULL,
                                      "seq", (json_int_t)res->bad_seq, "action",
                                      res->action[0] ? res->action : NULL, "actor",
                                      res->actor[0] ? res->actor : NULL, "what", res->what,
                                      "message", res->message));
    og_cli_print_json(j);
}

/* verify --region NAME: every chain of the region's database and the placements of its tenants
 * in the home's and the region's platform chains (og_audit_verify_region). */
static int verify_region(og_cli *cli, const og_cli_args *a, const char *region)
{
    og_audit_verify_result res;
    og_store *rs = NULL;
    int error;
    if (og_cli_has(a, "tenant") || og_cli_has(a, "witness"))
        return og_cli_bad(a,
                          "verify --region checks a whole region: without --tenant or --witness");
    if (og_region_name_check(region) < 0)
        return og_cli_bad(a, "--region: %s", og_error_last());
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_install_region_open(og_cli_install(cli), cli->keys, region, 0, &rs)) < 0)
        return og_cli_fail(error);
    memset(&res, 0, sizeof(res));
    error = og_audit_verify_region(&cli->ctx, rs, region, &res);
    og_store_close(rs);
    if (error < 0 && error != OG_ECORRUPT)
        return og_cli_fail(error);
    print_verify(cli, error, &res, false);
    if (error) {
        fprintf(stderr, "opsgate: region '%s': %s\n", region, res.message);
        return OG_EXIT_FAIL;
    }
    return OG_EXIT_OK;
}

static int verify(og_cli *cli, const og_cli_args *a)
{
    const char *witness = og_cli_get(a, "witness"), *tid, *minw_s = og_cli_get(a, "min-witnesses");
    int64_t minw = 0;
    og_audit_verify_result res;
    uint8_t pub[32];
    const uint8_t *wpub = NULL;
    char *wtext = NULL;
    size_t wlen = 0;
    og_tenant t;
    int error;
    if (og_cli_has(a, "region"))
        return verify_region(cli, a, og_cli_get(a, "region"));
    if (og_cli_has(a, "pubkey") && !witness)
        return og_cli_bad(a, "verify --pubkey checks a witness: give --witness FILE|URL");
    if (minw_s && parse_i64(minw_s, 0, 1000, &minw) < 0)
        return og_cli_bad(a, "--min-witnesses '%s' is not a number from 0 to 1000", minw_s);
    if (witness) {
        if ((error = witness_key(a, pub, &wpub)))
            return error;
        if ((error = og_audit_witness_load(witness, WITNESS_CAP, &wtext, &wlen)) < 0)
            return error == OG_EINVAL ? og_cli_bad(a, "%s", og_error_last()) : og_cli_fail(error);
    }
    if ((error = open_chain(cli, a, &t, &tid))) {
        free(wtext);
        return error;
    }
    memset(&res, 0, sizeof(res));
    error = witness ? og_audit_verify_witness(&cli->ctx, tid, wtext, wlen, wpub, &res)
                    : og_audit_verify(&cli->ctx, tid, &res);
    free(wtext);
    if (error == 0 && minw > 0)
        error = og_audit_verify_witnessed(&cli->ctx, tid, (int)minw, &res);
    if (error == OG_EINVAL && witness) {
        fprintf(stderr, "opsgate: witness '%s': %s\n", witness, og_error_last());
        return OG_EXIT_USAGE; /* not a witness: bad input, not a broken trail */
    }
    if (error < 0 && error != OG_ECORRUPT)
        return og_cli_fail(error);
    print_verify(cli, error, &res, witness != NULL);
    if (error) {
        fprintf(stderr, "opsgate: %s\n", res.message);
        return OG_EXIT_FAIL;
    }
    return OG_EXIT_OK;
}

static int checkpoint(og_cli *cli, const og_cli_args *a)
{
    og_audit_opts aopts = {.key_file = key_file(a), .witness_file = og_cli_get(a, "witness-file")};
    const char *tid;
    json_t *cp = NULL;
    og_tenant t;
    int made = 0, error;
    if (aopts.key_file && og_audit_key_file_check(aopts.key_file, NULL, NULL) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = open_chain(cli, a, &t, &tid)))
        return error;
    if (!og_cli_has(a, "tenant")) {
        if ((error = og_audit_checkpoint_all_with(&cli->ctx, &aopts, &made)) < 0)
            return audit_fail(error);
        return og_cli_print_count(cli, "checkpoints_made", made, "new checkpoint(s) signed");
    }
    if ((error = og_audit_checkpoint_with(&cli->ctx, tid, &aopts, &cp)) < 0)
        return audit_fail(error);
    if (cli->json) {
        og_cli_print_json(cp);
        return OG_EXIT_OK;
    }
    printf("checkpoint: chain %s, tree size %lld, root %s\n",
           json_string_value(json_object_get(cp, "chain")),
           (long long)json_integer_value(json_object_get(cp, "tree_size")),
           json_string_value(json_object_get(cp, "root_hash")));
    json_decref(cp);
    return OG_EXIT_OK;
}

static int pubkey(og_cli *cli, const og_cli_args *a)
{
    char *pem = NULL;
    int error;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if (og_cli_has(a, "note")) {
        if ((error = og_audit_pubkey_note(&cli->ctx, &pem)) < 0)
            return og_cli_fail(error);
        if (cli->json)
            og_cli_print_json(json_pack("{s:s,s:s}", "algorithm", "ed25519", "vkey", pem));
        else
            printf("%s\n", pem);
        free(pem);
        return OG_EXIT_OK;
    }
    if ((error = og_audit_pubkey_pem(&cli->ctx, &pem)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s,s:s}", "algorithm", "ed25519", "pem", pem));
    else
        fputs(pem, stdout);
    free(pem);
    return OG_EXIT_OK;
}

static int prove(og_cli *cli, const og_cli_args *a)
{
    const char *seq_s = og_cli_get(a, "seq"), *tid;
    json_t *proof = NULL;
    og_tenant t;
    int64_t seq;
    int error;
    if (parse_i64(seq_s, 1, INT64_MAX, &seq) < 0)
        return og_cli_bad(a, "--seq '%s' is not a sequence number (1, 2, ...)", seq_s);
    if ((error = open_chain(cli, a, &t, &tid)))
        return error;
    if ((error = og_audit_prove(&cli->ctx, tid, seq, &proof)) < 0)
        return audit_fail(error);
    og_cli_print_json(proof);
    return OG_EXIT_OK;
}

static int consistency(og_cli *cli, const og_cli_args *a)
{
    const char *from_s = og_cli_get(a, "from"), *to_s = og_cli_get(a, "to"), *tid;
    int64_t from = 0, to = 0;
    json_t *out = NULL;
    og_tenant t;
    int error;
    if (parse_i64(from_s, 0, INT64_MAX, &from) < 0)
        return og_cli_bad(a, "--from '%s' is not a tree size (0, 1, ...)", from_s);
    if (to_s && parse_i64(to_s, 1, INT64_MAX, &to) < 0)
        return og_cli_bad(a, "--to '%s' is not a tree size (1, 2, ...)", to_s);
    if ((error = open_chain(cli, a, &t, &tid)))
        return error;
    if ((error = og_audit_consistency(&cli->ctx, tid, from, to, &out)) < 0)
        return audit_fail(error);
    og_cli_print_json(out);
    return OG_EXIT_OK;
}

/* `audit witness add|list|remove`: the witnesses checkpoints are sent to. */
static int witness(og_cli *cli, const og_cli_args *a)
{
    const char *action = a->pos[0], *url = og_cli_get(a, "url"), *key = og_cli_get(a, "key");
    const char *tid;
    char id[OG_ID_LEN];
    json_t *arr = NULL;
    og_tenant t;
    int error, add = og_streq(action, "add"), rm = og_streq(action, "remove");
    if (!add && !rm && !og_streq(action, "list"))
        return og_cli_bad(a, "audit witness takes add, list or remove, not %s", action);
    if (rm != (a->npos == 2))
        return og_cli_bad(a, "audit witness %s",
                          rm ? "remove takes the witness's id" : "add and list take no argument");
    if (add != (url && key) || (!add && (url || key)))
        return og_cli_bad(a, "audit witness add needs --url and --key (and only add takes them)");
    if ((error = open_chain(cli, a, &t, &tid)))
        return error;
    if (add) {
        /* a numeric host is checked now against the egress policy, a name when connecting */
        char scheme[16], host[256];
        og_egress *eg = NULL;
        if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)) == 0 &&
            ((error = og_egress_load(&eg, cli->ctx.store)) < 0 ||
             (error = og_egress_check_host(eg, host)) < 0)) {
            og_egress_free(eg);
            return og_cli_fail(error);
        }
        og_egress_free(eg);
        if ((error = og_audit_witness_add(&cli->ctx, tid, url, key, id)) < 0)
            return og_cli_fail(error);
        if (cli->json)
            og_cli_print_json(json_pack("{s:s}", "id", id));
        else
            printf("witness %s added\n", id);
        return OG_EXIT_OK;
    }
    if (rm) {
        if ((error = og_audit_witness_remove(&cli->ctx, a->pos[1])) < 0)
            return og_cli_fail(error);
        printf("witness %s removed\n", a->pos[1]);
        return OG_EXIT_OK;
    }
    if ((error = og_audit_witness_list(&cli->ctx, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(arr);
        return OG_EXIT_OK;
    }
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w)
    {
        const char *tn = json_string_value(json_object_get(w, "tenant_id"));
        const char *refused = json_string_value(json_object_get(w, "refused_at"));
        printf("%s %s %s %s cosignatures=%lld%s%s\n", json_string_value(json_object_get(w, "id")),
               json_string_value(json_object_get(w, "name")),
               json_string_value(json_object_get(w, "url")), tn ? tn : "all-chains",
               (long long)json_integer_value(json_object_get(w, "cosignatures")),
               refused ? " refused-at=" : "", refused ? refused : "");
    }
    json_decref(arr);
    return OG_EXIT_OK;
}

static int verify_proof(og_cli *cli, const og_cli_args *a)
{
    (void)cli;
    return cmd_verify_proof(a->pos[0], og_cli_get(a, "pubkey"));
}

static int export(og_cli *cli, const og_cli_args *a)
{
    const char *format = og_cli_get(a, "format"), *tid;
    og_tenant t;
    int error;
    if (strcmp(format, "oscal") && strcmp(format, "jsonl") && strcmp(format, "csv"))
        return og_cli_bad(a, "unknown --format '%s' (oscal, jsonl or csv)", format);
    if ((error = check_time(a, "since")) || (error = check_time(a, "until")) ||
        (error = open_chain(cli, a, &t, &tid)))
        return error;
    if ((error = og_audit_export(&cli->ctx, tid, format, og_cli_get(a, "since"),
                                 og_cli_get(a, "until"), sink_stdout, NULL)) < 0)
        return audit_fail(error);
    if (fflush(stdout) != 0)
        return og_cli_fail(og_error_set(OG_ERROR, "writing the export: %s", strerror(errno)));
    return OG_EXIT_OK;
}

/* list --json: what GET /api/v1/audit returns (the cursor as a string). Steals arr. */
static void print_list_json(json_t *arr, const og_tenant *t, const char *tid, int64_t next)
{
    char cursor[24];
    json_t *tenant =
        tid ? json_pack("{s:s,s:s?}", "id", tid, "name", t->name[0] ? t->name : NULL) : json_null();
    snprintf(cursor, sizeof(cursor), "%lld", (long long)next);
    og_cli_print_json(json_pack("{s:o,s:o,s:o}", "tenant", tenant, "records", arr, "next",
                                next > 0 ? json_string(cursor) : json_null()));
}

static int list(og_cli *cli, const og_cli_args *a)
{
    const char *after_s = og_cli_get(a, "after"), *limit_s = og_cli_get(a, "limit"), *tid;
    int64_t after = 0, limit = 100, next = 0;
    json_t *arr = NULL;
    og_tenant t;
    int error;
    if (after_s && parse_i64(after_s, 0, INT64_MAX, &after) < 0)
        return og_cli_bad(a, "--after '%s' is not a sequence number", after_s);
    if (limit_s && parse_i64(limit_s, 1, 1000, &limit) < 0)
        return og_cli_bad(a, "--limit '%s' is not a number from 1 to 1000", limit_s);
    if ((error = check_time(a, "since")) || (error = open_chain(cli, a, &t, &tid)))
        return error;
    if ((error = og_audit_list(&cli->ctx, tid, after, (int)limit, og_cli_get(a, "action"),
                               og_cli_get(a, "since"), &arr, &next)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        print_list_json(arr, &t, tid, next);
        return OG_EXIT_OK;
    }
    print_list(arr, tid, og_cli_get(a, "tenant"));
    if (next)
        printf("(more: --after %lld)\n", (long long)next);
    json_decref(arr);
    return OG_EXIT_OK;
}

static const og_cli_sub subs[] = {
    {"verify", NULL, 0, 0, verify_opts, "check every chain, checkpoint and witness", verify},
    {"checkpoint", NULL, 0, 0, checkpoint_opts, "sign a checkpoint of the chains that grew",
     checkpoint},
    {"pubkey", NULL, 0, 0, pubkey_opts, "print the audit public key (PEM or note key)", pubkey},
    {"consistency", NULL, 0, 0, consistency_opts, "print a consistency proof between two sizes",
     consistency},
    {"witness", "add|list|remove ID", 1, 2, witness_opts, "the witnesses that cosign checkpoints",
     witness},
    {"prove", NULL, 0, 0, prove_opts, "print an inclusion proof of one record", prove},
    {"verify-proof", "FILE", 1, 1, verify_proof_opts, "check a proof offline", verify_proof},
    {"export", NULL, 0, 0, export_opts, "write records as OSCAL, JSON lines or CSV", export},
    {"list", NULL, 0, 0, list_opts, "list records with their names, oldest first", list},
    {0},
};

const og_command og_cmd_audit = {
    .name = "audit",
    .summary = "verify, checkpoint, prove and export the audit trail",
    .about = about,
    .subs = subs,
};
