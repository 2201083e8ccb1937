/* cmd_audit.c - `opsgate audit ...`: checkpoints, proofs, verification and exports of the audit
 * trail. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROOF_FILE_CAP  ((size_t)4 << 20)
#define PUBKEY_FILE_CAP ((size_t)16 << 10)
#define WITNESS_CAP     ((size_t)256 << 20)

static const char *const help =
    "usage: opsgate audit verify [--tenant T] [--witness FILE|URL [--pubkey FILE]] [--json]\n"
    "       opsgate audit checkpoint [--tenant T] [--audit-key PATH] [--witness-file PATH]\n"
    "                                [--json]\n"
    "       opsgate audit pubkey [--json]\n"
    "       opsgate audit prove [--tenant T] --seq N\n"
    "       opsgate audit verify-proof FILE --pubkey FILE\n"
    "       opsgate audit export [--tenant T] --format oscal|jsonl|csv [--since TIME]\n"
    "                            [--until TIME]\n"
    "       opsgate audit list [--tenant T] [--after SEQ] [--limit N] [--action A]\n"
    "                          [--since TIME] [--json]\n"
    "\n"
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
    "  checkpoint    sign a checkpoint (chain, tree size, RFC 9162 Merkle root, time) with the\n"
    "                installation's Ed25519 key; all chains that grew when --tenant is omitted,\n"
    "                the platform chain last (it records every checkpoint). Refuses a chain whose\n"
    "                latest checkpoint is not the one the platform chain records, or whose\n"
    "                records no longer match it. The server does this periodically too.\n"
    "                --audit-key PATH (or --key PATH, or OPSGATE_AUDIT_KEY): the signing key\n"
    "                file, kept outside the data folder (see opsgate init --audit-key); once\n"
    "                used, required.\n"
    "                --witness-file PATH: append each new checkpoint as a JSON line (fsync'd).\n"
    "  pubkey        print the audit public key (PEM; `openssl pkey -pubin` reads it).\n"
    "  prove         print a self-contained inclusion proof (JSON) of record N against the\n"
    "                chain's latest checkpoint.\n"
    "  verify-proof  check a proof offline, without any data folder: the record hashes to its\n"
    "                record hash, the audit path leads to the root, and the checkpoint is signed\n"
    "                by --pubkey. Exit 0 valid, 1 invalid or unreadable, 2 not a proof or key.\n"
    "  export        write the records with since <= time < until to stdout as an OSCAL 1.1.2\n"
    "                assessment-results document, JSON lines (canonical JSON with hash) or CSV.\n"
    "                Each record names its tenant, acting user (label and id) and target (name\n"
    "                and id) as they were when it was written; names a record does not carry\n"
    "                (sealed artifact names, older records) are resolved now and marked so.\n"
    "  list          list records, oldest first, with those names; --after continues from a\n"
    "                previous page.\n"
    "\n"
    "TIME is RFC 3339 (2026-11-22T04:15:20Z) or a date (2026-11-22, midnight UTC).\n";

static int sink_stdout(void *arg, const void *data, size_t len)
{
    (void)arg;
    if (len && fwrite(data, 1, len, stdout) != len)
        return og_error_set(OG_ERROR, "writing the export: %s", strerror(errno));
    return 0;
}

/* A tenant by name or id into its id; NULL/"" stays NULL (the platform chain). */
static int tenant_id(og_cli *cli, const char *tenant, char out[OG_ID_LEN], const char **id)
{
    og_tenant t;
    int error;
    *id = NULL;
    if (!tenant || !tenant[0])
        return 0;
    if ((error = og_tenant_get(&cli->ctx, tenant, &t)) < 0)
        return error;
    og_strlcpy(out, t.id, OG_ID_LEN);
    *id = out;
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
    if (og_audit_pubkey_parse(pem, pub) < 0) {
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
    printf("proof verified: record %lld of chain %s is included in the checkpoint of tree size "
           "%lld signed by key %s at %s\n",
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

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"seq", required_argument, NULL, 'n'},
        {"pubkey", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"after", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'},
        {"action", required_argument, NULL, 'c'},
        {"audit-key", required_argument, NULL, 'K'},
        {"key", required_argument, NULL, 'K'},
        {"witness-file", required_argument, NULL, 'W'},
        {"witness", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *seq_s = NULL, *pubkey = NULL, *format = NULL, *since = NULL;
    const char *until = NULL, *after_s = NULL, *limit_s = NULL, *action = NULL;
    const char *key_file = NULL, *witness_file = NULL, *witness = NULL;
    char idbuf[OG_ID_LEN];
    const char *tid = NULL;
    if (argc < 2)
        return og_cli_usage("audit", "missing subcommand (verify, checkpoint, pubkey, prove, "
                                     "verify-proof, export, list)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'n':
            seq_s = optarg;
            break;
        case 'k':
            pubkey = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 's':
            since = optarg;
            break;
        case 'u':
            until = optarg;
            break;
        case 'a':
            after_s = optarg;
            break;
        case 'l':
            limit_s = optarg;
            break;
        case 'c':
            action = optarg;
            break;
        case 'K':
            key_file = optarg;
            break;
        case 'W':
            witness_file = optarg;
            break;
        case 'w':
            witness = optarg;
            break;
        default:
            return og_cli_badopt("audit", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    int64_t ignored;
    /* Values are checked before the data folder is opened: a typo is a usage error (exit 2). */
    if (since && og_time_parse(since, &ignored) < 0)
        return og_cli_usage("audit", "--since '%s' is not an RFC 3339 time or a date", since);
    if (until && og_time_parse(until, &ignored) < 0)
        return og_cli_usage("audit", "--until '%s' is not an RFC 3339 time or a date", until);

    if (strcmp(sub, "verify-proof") == 0) {
        if (npos != 1)
            return og_cli_usage("audit", "verify-proof needs exactly one proof FILE");
        if (!pubkey)
            return og_cli_usage("audit", "verify-proof needs --pubkey FILE");
        return cmd_verify_proof(pos[0], pubkey);
    }
    if (npos)
        return og_cli_usage("audit", "unexpected argument '%s'", pos[0]);

    if (key_file && strcmp(sub, "checkpoint") != 0 && strcmp(sub, "verify") != 0)
        return og_cli_usage("audit", "--audit-key is for checkpoint and verify");
    if (witness_file && strcmp(sub, "checkpoint") != 0)
        return og_cli_usage("audit", "--witness-file is for checkpoint (verify takes --witness)");
    if (witness && strcmp(sub, "verify") != 0)
        return og_cli_usage("audit", "--witness is for verify");
    if (pubkey && strcmp(sub, "verify") == 0 && !witness)
        return og_cli_usage("audit", "verify --pubkey checks a witness: give --witness FILE|URL");
    if (strcmp(sub, "verify") == 0) {
        og_audit_verify_result res;
        uint8_t pub[32];
        const uint8_t *wpub = NULL;
        char *wtext = NULL;
        size_t wlen = 0;
        if (witness) {
            /* the key the witness must be signed with: given, else the key file's public half */
            const char *kf = key_file ? key_file : getenv("OPSGATE_AUDIT_KEY");
            if (pubkey) {
                char *pem = NULL;
                size_t len = 0;
                if (og_file_read(pubkey, PUBKEY_FILE_CAP, &pem, &len) < 0) {
                    fprintf(stderr, "opsgate: cannot read public key file '%s': %s\n", pubkey,
                            og_error_last());
                    return OG_EXIT_FAIL;
                }
                error = og_audit_pubkey_parse(pem, pub);
                free(pem);
                if (error < 0)
                    return og_cli_usage("audit", "public key file '%s': %s", pubkey,
                                        og_error_last());
                wpub = pub;
            } else if (kf && kf[0]) {
                if (og_audit_key_file_check(kf, NULL, pub) < 0)
                    return og_cli_usage("audit", "%s", og_error_last());
                wpub = pub;
            }
            if ((error = og_audit_witness_load(witness, WITNESS_CAP, &wtext, &wlen)) < 0)
                return error == OG_EINVAL ? og_cli_usage("audit", "%s", og_error_last())
                                          : og_cli_fail(error);
        }
        if ((error = og_cli_open(cli, tenant))) {
            free(wtext);
            return error;
        }
        if ((error = tenant_id(cli, tenant, idbuf, &tid)) < 0) {
            free(wtext);
            return og_cli_fail(error);
        }
        error = witness ? og_audit_verify_witness(&cli->ctx, tid, wtext, wlen, wpub, &res)
                        : og_audit_verify(&cli->ctx, tid, &res);
        free(wtext);
        if (error == OG_EINVAL && witness) {
            fprintf(stderr, "opsgate: witness '%s': %s\n", witness, og_error_last());
            return OG_EXIT_USAGE; /* not a witness: bad input, not a broken trail */
        }
        if (error < 0 && error != OG_ECORRUPT)
            return og_cli_fail(error);
        if (json) {
            json_t *j = json_pack("{s:b,s:I,s:I,s:I}", "intact", error == 0, "chains",
                                  (json_int_t)res.chains, "records", (json_int_t)res.records,
                                  "checkpoints", (json_int_t)res.checkpoints);
            if (witness)
                json_object_set_new(j, "witnessed", json_integer(res.witnessed));
            if (error)
                json_object_set_new(
                    j, "problem",
                    json_pack("{s:s,s:s?,s:I,s:s?,s:s?,s:s,s:s}", "chain", res.chain, "tenant_name",
                              res.tenant_name[0] ? res.tenant_name : NULL, "seq",
                              (json_int_t)res.bad_seq, "action", res.action[0] ? res.action : NULL,
                              "actor", res.actor[0] ? res.actor : NULL, "what", res.what, "message",
                              res.message));
            og_cli_print_json(j);
        } else if (error == 0) {
            printf("audit trail intact: %lld chain(s), %lld record(s), %lld checkpoint(s) "
                   "verified",
                   (long long)res.chains, (long long)res.records, (long long)res.checkpoints);
            if (witness)
                printf(", %lld witnessed checkpoint(s) consistent", (long long)res.witnessed);
            printf("\n");
        }
        if (error) {
            fprintf(stderr, "opsgate: %s\n", res.message);
            return OG_EXIT_FAIL;
        }
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "checkpoint") == 0) {
        og_audit_opts aopts = {.key_file = key_file, .witness_file = witness_file};
        if (key_file && og_audit_key_file_check(key_file, NULL, NULL) < 0)
            return og_cli_usage("audit", "%s", og_error_last());
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = tenant_id(cli, tenant, idbuf, &tid)) < 0)
            return og_cli_fail(error);
        if (tenant) {
            json_t *cp = NULL;
            if ((error = og_audit_checkpoint_with(&cli->ctx, tid, &aopts, &cp)) < 0)
                return audit_fail(error);
            if (json)
                og_cli_print_json(cp);
            else {
                printf("checkpoint: chain %s, tree size %lld, root %s\n",
                       json_string_value(json_object_get(cp, "chain")),
                       (long long)json_integer_value(json_object_get(cp, "tree_size")),
                       json_string_value(json_object_get(cp, "root_hash")));
                json_decref(cp);
            }
            return OG_EXIT_OK;
        }
        int made = 0;
        if ((error = og_audit_checkpoint_all_with(&cli->ctx, &aopts, &made)) < 0)
            return audit_fail(error);
        if (json)
            og_cli_print_json(json_pack("{s:i}", "checkpoints_made", made));
        else
            printf("%d new checkpoint(s) signed\n", made);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "pubkey") == 0) {
        char *pem = NULL;
        if (tenant)
            return og_cli_usage("audit", "pubkey takes no --tenant: one key signs every chain");
        if ((error = og_cli_open(cli, NULL)))
            return error;
        if ((error = og_audit_pubkey_pem(&cli->ctx, &pem)) < 0)
            return og_cli_fail(error);
        if (json)
            og_cli_print_json(json_pack("{s:s,s:s}", "algorithm", "ed25519", "pem", pem));
        else
            fputs(pem, stdout);
        free(pem);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "prove") == 0) {
        int64_t seq;
        json_t *proof = NULL;
        if (!seq_s)
            return og_cli_usage("audit", "prove needs --seq N");
        if (parse_i64(seq_s, 1, INT64_MAX, &seq) < 0)
            return og_cli_usage("audit", "--seq '%s' is not a sequence number (1, 2, ...)", seq_s);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = tenant_id(cli, tenant, idbuf, &tid)) < 0 ||
            (error = og_audit_prove(&cli->ctx, tid, seq, &proof)) < 0)
            return audit_fail(error);
        og_cli_print_json(proof);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "export") == 0) {
        if (!format)
            return og_cli_usage("audit", "export needs --format oscal, jsonl or csv");
        if (strcmp(format, "oscal") && strcmp(format, "jsonl") && strcmp(format, "csv"))
            return og_cli_usage("audit", "unknown --format '%s' (oscal, jsonl or csv)", format);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = tenant_id(cli, tenant, idbuf, &tid)) < 0 ||
            (error = og_audit_export(&cli->ctx, tid, format, since, until, sink_stdout, NULL)) < 0)
            return audit_fail(error);
        if (fflush(stdout) != 0)
            return og_cli_fail(og_error_set(OG_ERROR, "writing the export: %s", strerror(errno)));
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0) {
        int64_t after = 0, limit = 100, next = 0;
        json_t *arr = NULL;
        if (after_s && parse_i64(after_s, 0, INT64_MAX, &after) < 0)
            return og_cli_usage("audit", "--after '%s' is not a sequence number", after_s);
        if (limit_s && parse_i64(limit_s, 1, 1000, &limit) < 0)
            return og_cli_usage("audit", "--limit '%s' is not a number from 1 to 1000", limit_s);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = tenant_id(cli, tenant, idbuf, &tid)) < 0 ||
            (error = og_audit_list(&cli->ctx, tid, after, (int)limit, action, since, &arr, &next)) <
                0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(json_pack("{s:o,s:o}", "records", arr, "next",
                                        next ? json_integer(next) : json_null()));
            return OG_EXIT_OK;
        }
        print_list(arr, tid, tenant);
        if (next)
            printf("(more: --after %lld)\n", (long long)next);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    return og_cli_usage("audit",
                        "unknown subcommand '%s' (verify, checkpoint, pubkey, prove, "
                        "verify-proof, export, list)",
                        sub);
}

const og_command og_cmd_audit = {
    .name = "audit",
    .summary = "verify, checkpoint, prove and export the audit trail",
    .legacy_run = run,
    .legacy_help = help,
};
