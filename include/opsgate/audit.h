/* audit.h - the immutable, tamper-evident audit trail: one hash chain per tenant plus a platform
 * chain, RFC 9162 Merkle trees over each chain, signed checkpoints, proofs and exports. */
#ifndef OPSGATE_AUDIT_H
#define OPSGATE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/context.h"

/* What a module says about the change it is making. All strings borrowed. */
typedef struct og_audit_rec {
    const char *tenant_id;   /* NULL or "" = the platform chain */
    const char *area;        /* process area: "platform", "artifacts", "certs", "gate", ... */
    const char *action;      /* "tenant.create", "user.add", "token.revoke", ... */
    const char *target_type; /* "tenant", "user", "token", ... */
    const char *target_id;
    json_t *analysis;          /* borrowed, may be NULL: what the system computed and why */
    const char *gate_level;    /* "L0".."L3", NULL when no gate was involved */
    const char *gate_decision; /* "auto", "approved", "rejected", "expired", "overridden", ... */
    const char *gate_decided_by;
    const char *gate_decided_at; /* RFC 3339 */
    int failed;                  /* 0 = outcome ok; 1 = a failed attempt recorded on purpose */
    const char *detail;          /* outcome detail, may be NULL */
    int64_t rollback_of;         /* sequence number of the record this one reverses, 0 if none */
    /* The target's human name now, recorded next to its id (may be NULL: then the namer
     * registered for target_type is asked, see below). Never a name its module keeps sealed. */
    const char *target_name;
} og_audit_rec;

/*
 * Append a record to its chain. The actor, its token and the triggering event come from ctx.
 * Must be called inside the caller's open transaction (og_store_tx_begin), so that the record
 * commits or rolls back with the change it describes; returns OG_ERROR otherwise.
 * *out_seq (may be NULL) receives the record's sequence number in its chain.
 */
int og_audit_append(og_ctx *ctx, const og_audit_rec *rec, int64_t *out_seq);
/* A tenant.create record of the platform chain whose analysis has this member (the region's
 * name) creates a tenant whose chain lives in that region's database (docs/ops.md "Regions"): no
 * audit.chain.open follows it here, and verify looks for that chain in the region's database. */
#define OG_AUDIT_CHAIN_REGION "chain_region"

/* Convenience for the common case: an ok record with no gate. */
int og_audit_log(og_ctx *ctx, const char *tenant_id, const char *area, const char *action,
                 const char *target_type, const char *target_id, json_t *analysis);

/* ---- names next to ids ----
 * A record names its tenant, its actor and its target by id; it also carries their human names
 * as they were when it was written (tenant_name, actor_id next to the actor label, target.name):
 * evidence keeps the names of its time, and a renamed or removed object keeps its old name in old
 * records. The audit module never reads other modules' tables: each module registers a namer for
 * the target types it owns (og_app_register_all), which og_audit_append calls in the caller's
 * transaction. A name the module keeps sealed at rest (an artifact's name) is never written into
 * a record: its namer is registered OG_AUDIT_NAME_SEALED and is asked only when a reader lists or
 * exports, with the reader's ctx (and keys); such names, and the names of records written before
 * records carried names, are shown as "resolved" at that time, outside the hashed record. */
#define OG_AUDIT_NAME_SEALED                                                                       \
    1 /* the name is confidential at rest: resolve on read, never record                           \
       */

/* Write the human name of target_id (of that type, in tenant_id's scope; tenant_id is NULL for
 * the platform) into out (NUL-terminated, truncated to size). Return 1 when named, 0 when the
 * object is unknown (or the reader may not see it), negative og_errcode on failure. On write,
 * ctx->keys may be NULL and the actor is the writer; on read, the actor is the reader. */
typedef int (*og_audit_namer_fn)(og_ctx *ctx, const char *tenant_id, const char *target_id,
                                 char *out, size_t size);
/* Register fn for target_type ("tenant", "user", "artifact", ...). Registering the same pair again
 * is a no-op; another fn for a type already named replaces it. Thread-safe. OG_ERROR past 64. */
int og_audit_namer_register(const char *target_type, og_audit_namer_fn fn, int flags);

/* Helpers for namers. og_audit_namer_row: the row sql finds for (?1 = id, ?2 = tenant_id): 1 with
 * *out on it (caller frees), 0 when none or tenant_id is NULL, negative on error.
 * og_audit_name_list appends the strings of a JSON array text as "a, b, c, d +2 more" (each
 * without the prefix drop, when given; a text that is not an array is appended as it is).
 * og_audit_name_take copies b into out and frees b: 1 when it held a name, 0 when empty. */
int og_audit_namer_row(og_ctx *ctx, const char *sql, const char *tenant_id, const char *id,
                       og_stmt **out);
void og_audit_name_list(og_buf *b, const char *json_text, const char *drop);
int og_audit_name_take(og_buf *b, char *out, size_t size);

/* ---- reading (auditor, tenant-admin, platform-admin) ---- */

/* Records of one chain (tenant_id NULL = platform) with seq > after_seq, oldest first, at most
 * limit (1..1000), optionally only those with the given action and time >= since (RFC 3339). *out
 * is a JSON array of records (each with its hash, and "resolved": {tenant_name, target_name} for
 * names it does not carry but that are known now); *next_cursor is the seq to pass as after_seq
 * for the next page, 0 when there are no more. Authorization is checked here
 * (OG_PERM_AUDIT_READ). */
int og_audit_list(og_ctx *ctx, const char *tenant_id, int64_t after_seq, int limit,
                  const char *action, const char *since, json_t **out, int64_t *next_cursor);

/* Filters of og_audit_list_desc; every field may be NULL or "" (no filter). */
typedef struct og_audit_filter {
    const char *action; /* exactly this action */
    const char *since;  /* time >= since (RFC 3339 or a date) */
    const char *until;  /* time < until */
    const char *actor;  /* a substring of the actor label */
    const char *target; /* a substring of the target's id or name (recorded or resolved) */
} og_audit_filter;

/* Records examined at most by one og_audit_list_desc call with an actor or target filter. */
#define OG_AUDIT_SCAN_MAX 10000

/*
 * Records of one chain (tenant_id NULL = platform) newest first: those with seq < before_seq (0 =
 * from the newest) that pass the filters, at most limit (1..1000). Walks the chain's indexes
 * backwards from before_seq (the action index for an action, the time index for since/until), so
 * a page costs O(limit) whatever the chain's length. The actor and target filters are substrings
 * (no index can serve them): such a call examines at most OG_AUDIT_SCAN_MAX records and may then
 * return fewer than limit with a cursor to go on from. *out as og_audit_list's; *next_before is
 * the seq to pass as before_seq for the next (older) page, 0 when there are no more. Checks
 * OG_PERM_AUDIT_READ; OG_EINVAL naming a bad limit, cursor or time.
 */
int og_audit_list_desc(og_ctx *ctx, const char *tenant_id, int64_t before_seq, int limit,
                       const og_audit_filter *f, json_t **out, int64_t *next_before);

/*
 * The latest signed checkpoint of a chain (tenant_id NULL = platform), as stored: {chain,
 * tree_size, root_hash, time, algorithm, key_id, signature, "signature_ok": whether the signature
 * verifies with the installation's key of that id}; *out is NULL when the chain has none yet.
 * *chain_size (may be NULL) receives the chain's number of records. Two index probes: it does not
 * recompute the tree (og_audit_verify does, og_audit_prove for one record). Checks
 * OG_PERM_AUDIT_READ. Caller decrefs *out.
 */
int og_audit_checkpoint_latest(og_ctx *ctx, const char *tenant_id, json_t **out,
                               int64_t *chain_size);

/* Where an export writes its bytes; return 0 to go on, negative to stop. */
typedef int (*og_audit_sink)(void *arg, const void *data, size_t len);

/* Export a chain as "oscal", "jsonl" or "csv", records with since <= time < until (either NULL).
 * Checks OG_PERM_AUDIT_EXPORT. Streams to sink. */
int og_audit_export(og_ctx *ctx, const char *tenant_id, const char *format, const char *since,
                    const char *until, og_audit_sink sink, void *arg);

/* ---- checkpoints, keys and proofs ---- */

/*
 * Where checkpoints are signed and published. Zero-initialise; every NULL field has its default.
 *  key_file:     the Ed25519 signing key as a PEM PKCS#8 file ("-----BEGIN PRIVATE KEY-----",
 *                what `openssl genpkey -algorithm ed25519` writes) kept outside the data folder.
 *                NULL: $OPSGATE_AUDIT_KEY when set and not empty, else the key sealed in the data
 *                folder (created on first need). Once an installation signs with a key file, it
 *                refuses to sign without it (docs/audit.md, "Signing key").
 *  witness_file: append every new checkpoint as one JSON line to this file (opened O_APPEND,
 *                fsync'd before the checkpoint commits); NULL: none.
 */
typedef struct og_audit_opts {
    const char *key_file;
    const char *witness_file;
} og_audit_opts;

/*
 * Adopt a trail written before the platform chain recorded checkpoints, signing keys and chain
 * starts (commit 2185d40, audit schema step 2): when the platform chain has no audit.adopt,
 * audit.checkpoint or audit.key.register record yet but the data folder has checkpoints, keys or
 * a tenant chain not beginning with audit.chain.open, append ONE "audit.adopt" record to the
 * platform chain listing every signing key (id, public key), every checkpoint (chain, tree size,
 * SHA-256 of its canonical JSON) and every chain start (chain, hash of its record 1), in its own
 * transaction. Verify and signing then accept exactly those without their records; anything added
 * later still fails. Nothing to do for a trail that needs none. *adopted (may be NULL) = 1 when
 * the record was written. Checks OG_PERM_PLATFORM. og_install_open_at calls it on every open;
 * signing (og_audit_checkpoint*) first, too.
 */
int og_audit_adopt(og_ctx *ctx, int *adopted);

/*
 * Sign a checkpoint (chain, tree size, Merkle root, time) of one chain (tenant_id NULL = platform)
 * with the installation's Ed25519 key, creating that key on first need (sealed in the platform
 * scope). Opens its own transactions (nested if the caller has one). When the chain has not grown
 * since its latest checkpoint, no new one is made and that one is returned. A chain with no records
 * gets no checkpoint (OG_ENOTFOUND). *out (may be NULL) receives the checkpoint as JSON (caller
 * decrefs). Checks OG_PERM_PLATFORM.
 *
 * Every checkpoint is recorded in the platform chain as an "audit.checkpoint" record (target: the
 * chain; analysis: tree_size, root_hash, time, key_id, signature), handed to every registered
 * publisher (og_audit_publisher_register: og_app_register_all registers the one that emits an
 * "audit.checkpoint" event, platform scope) and written to opts->witness_file, all in the
 * checkpoint's transaction. A tenant chain's checkpoint is followed by one of the platform chain,
 * so that its record is itself covered. The platform chain's checkpoint at tree size n is recorded
 * by its record n + 1; a platform chain that grew only by that record has not grown.
 *
 * Signing refuses (OG_ECORRUPT) a chain whose checkpoint trail is broken: its latest checkpoint
 * and the latest one the platform chain records for it must be the same (both absent for a first
 * checkpoint), and the chain's Merkle root at that tree size must still be the recorded root.
 */
int og_audit_checkpoint(og_ctx *ctx, const char *tenant_id, json_t **out);
int og_audit_checkpoint_with(og_ctx *ctx, const char *tenant_id, const og_audit_opts *opts,
                             json_t **out);

/*
 * A publisher of new checkpoints, called inside the checkpoint's transaction after its record,
 * with the checkpoint as JSON (borrowed: chain, tree_size, root_hash, time, key_id, signature...).
 * A negative return rolls the checkpoint back. audit depends on no publisher: the event outbox
 * (events.h, which itself audits) is plugged in at start-up by og_app_register_all.
 */
typedef int (*og_audit_publish_fn)(og_ctx *ctx, json_t *checkpoint, void *arg);
/* Register (fn, arg); the same pair again is a no-op. Thread-safe. OG_ERROR past 8. */
int og_audit_publisher_register(og_audit_publish_fn fn, void *arg);
/* Remove (fn, arg) when registered (for tests). */
void og_audit_publisher_unregister(og_audit_publish_fn fn, void *arg);

/*
 * Checkpoint every chain that grew since its latest checkpoint, the platform chain last. Meant to
 * be called periodically by the server (a timer, e.g. every 10 minutes, with a SYSTEM actor) and
 * by `opsgate audit checkpoint`. The time between two calls bounds how many fresh records could be
 * cut off the end of a chain undetected. *made (may be NULL) receives how many were signed,
 * the platform chain's included. opts may be NULL (defaults).
 */
int og_audit_checkpoint_all(og_ctx *ctx, int *made);
int og_audit_checkpoint_all_with(og_ctx *ctx, const og_audit_opts *opts, int *made);

/*
 * Create a new Ed25519 signing key in the file `path` (PEM PKCS#8, mode 0600; an existing file is
 * refused, OG_EEXISTS) and make it the installation's audit signing key: its public half is
 * registered in the data folder and recorded in the platform chain ("audit.key.register"). From
 * then on checkpoints are signed only with that file (og_audit_opts.key_file). Checks
 * OG_PERM_PLATFORM. Refused (OG_ECONFLICT) when the installation already signs with a key file.
 */
int og_audit_key_file_create(og_ctx *ctx, const char *path);

/* Check that `path` holds a usable signing key (readable, not readable by others, an Ed25519
 * PEM PKCS#8 key); key_id and pub (either may be NULL) receive its id and public half. OG_EINVAL
 * naming the problem. */
int og_audit_key_file_check(const char *path, char key_id[17], uint8_t pub[32]);

/* The installation's audit public key as a PEM SubjectPublicKeyInfo (readable by `openssl pkey
 * -pubin`), creating the key on first need. Caller frees *pem. */
int og_audit_pubkey_pem(og_ctx *ctx, char **pem);
/* Parse such a PEM text into the raw 32-byte key. OG_EINVAL saying what is wrong. */
int og_audit_pubkey_parse(const char *pem, uint8_t pub[32]);

/*
 * A self-contained inclusion proof of record `seq` of a chain against the latest checkpoint that
 * covers it: the record, its hash, leaf index, tree size, root, audit path and the signed
 * checkpoint. OG_ENOTFOUND when the record does not exist or no checkpoint covers it yet (then
 * og_error_detail() is OG_AUDIT_DETAIL_NO_CHECKPOINT). OG_ECORRUPT when the chain does not match
 * its hashes or checkpoint (every OG_ECORRUPT of this module means: the audit verification finds
 * where). Checks OG_PERM_AUDIT_READ. Caller decrefs *out.
 */
int og_audit_prove(og_ctx *ctx, const char *tenant_id, int64_t seq, json_t **out);
#define OG_AUDIT_DETAIL_NO_CHECKPOINT "no_checkpoint"

/*
 * Check such a proof offline against a public key: the record hashes to record_hash, the audit
 * path leads from it to the root, and the checkpoint carrying that root is signed by the key.
 * 0 when it holds; OG_EINVAL for a malformed proof document; OG_ECORRUPT for one that does not
 * verify (the message says which step failed).
 */
int og_audit_proof_verify(const json_t *proof, const uint8_t pub[32]);

/* Where every chain stands, in chain order: [{chain ("platform" or a tenant id), records,
 * last_seq, last_time, last_hash (absent for an empty chain), checkpoint: {tree_size, root_hash,
 * time, key_id} or null}], two index probes a chain. OG_PERM_PLATFORM. Caller decrefs *out. */
int og_audit_chains(og_ctx *ctx, json_t **out);

/* ---- verification ---- */

typedef struct og_audit_verify_result {
    char chain[64];       /* the first broken chain ("platform" or a tenant id), "" if intact */
    int64_t bad_seq;      /* its first bad sequence number, 0 when not one record's fault */
    char what[256];       /* what is wrong */
    char tenant_name[64]; /* the broken chain's tenant name, "" for the platform or unknown */
    char action[64];      /* the record at bad_seq as stored (its action and actor), "" if none */
    char actor[160];
    char message[768];   /* the whole sentence, as in the error message */
    int64_t chains;      /* chains checked */
    int64_t records;     /* records checked */
    int64_t checkpoints; /* checkpoints checked */
    int64_t witnessed;   /* witnessed checkpoints checked (og_audit_verify_witness) */
} og_audit_verify_result;

/*
 * Recompute every chain (tenant_id NULL = all chains, else just that tenant's): each record's
 * hash, the links between them, the Merkle root at every checkpoint's size and its signature, and
 * that no chain is shorter than its latest checkpoint. Then the trail across chains: every
 * checkpoint has its "audit.checkpoint" record in the platform chain and every such record its
 * checkpoint (same tree size, root, time, key and signature); every "tenant.create" in the
 * platform chain has the tenant's chain, opened by its "audit.chain.open" record (a tenant deleted
 * by a later "tenant.delete" may have none); every signing key is recorded by an
 * "audit.key.register" record. Streams: memory does not grow with chain
 * length. Returns 0 when intact, OG_ECORRUPT when something is wrong (details in *res and in the
 * error message), another negative code when verification could not run. Checks
 * OG_PERM_AUDIT_READ (OG_PERM_PLATFORM for all chains).
 */
int og_audit_verify(og_ctx *ctx, const char *tenant_id, og_audit_verify_result *res);

/*
 * Verify region's database (docs/ops.md "Regions"): og_audit_verify of every chain in
 * region_store (the region's platform chain with its tenant.create records and each tenant's chain
 * they open), then the placement both ways: every tenant the home's platform chain (ctx->home, or
 * ctx->store when NULL) places in region (tenant.create with chain_region, not deleted since) is
 * created under the same name in the region's platform chain, and every tenant created there (not
 * deleted since) is placed in region by the home. OG_ECORRUPT naming the first problem in *res
 * as og_audit_verify does; OG_EINVAL without a region or with the home as its database. Platform
 * admins only (OG_PERM_PLATFORM).
 */
int og_audit_verify_region(og_ctx *ctx, og_store *region_store, const char *region,
                           og_audit_verify_result *res);

/*
 * A witness is a copy of the checkpoints kept outside the data folder: the JSON lines written to
 * og_audit_opts.witness_file (or carried by "audit.checkpoint" events). Load one from a file path
 * or an http(s):// URL (GET, no redirects; the body is the same JSON lines), at most `cap` bytes.
 * Caller frees *text. OG_EINVAL for another kind of URL; OG_ERROR for a source that cannot be
 * read (the message names it and why).
 */
int og_audit_witness_load(const char *source, size_t cap, char **text, size_t *len);

/*
 * og_audit_verify(), then check every witnessed checkpoint (of that tenant's chain only when
 * tenant_id is given) against the local chain: its signature verifies with pub (NULL: with the
 * installation's key of that id, which someone with the data folder could have replaced), the
 * chain has at least tree_size records, and the Merkle root of its first tree_size records is the
 * witnessed root. Finds records cut off or rewritten after the last local checkpoint, and
 * checkpoints removed with them. Returns as og_audit_verify(); OG_EINVAL for a witness line that
 * is not a checkpoint (the message names the line).
 */
int og_audit_verify_witness(og_ctx *ctx, const char *tenant_id, const char *text, size_t len,
                            const uint8_t *pub, og_audit_verify_result *res);

/* ---- witnesses that cosign checkpoints (C2SP tlog-witness) ----
 * A witness is an HTTP service holding its own Ed25519 key; it is sent every new checkpoint of
 * the chains it witnesses (POST <url>/add-checkpoint: "old <size it has seen>", the consistency
 * proof from that size in base64 lines, a blank line, the signed checkpoint) and answers 200 with
 * its cosignature, 409 with the size it knows (the checkpoint is sent again with a proof from
 * there), or 403/404/422 to refuse it (a history it cannot reconcile with what it saw). */

/* Register a witness of every chain (tenant_id NULL or "") or of one tenant's chain: url is its
 * http(s) base URL (or the add-checkpoint endpoint itself), vkey its verifier key in C2SP note
 * form "name+hash+base64key" (type 0x04, a cosignature/v1 key, or 0x01, a plain Ed25519 note
 * key). The egress policy applies when connecting (og_audit_witness_hooks.allow_connect; the CLI
 * also checks a numeric host when adding). Platform-admins only; audited (audit.witness.add).
 * OG_EINVAL for a bad URL or key, OG_EEXISTS for a key registered already for that scope. */
int og_audit_witness_add(og_ctx *ctx, const char *tenant_id, const char *url, const char *vkey,
                         char id_out[OG_ID_LEN]);
/* [{id, tenant_id, url, vkey, name, created_at, created_by, cosignatures, refused_at, refusal}].
 * Platform-admins only. Caller decrefs *out. */
int og_audit_witness_list(og_ctx *ctx, json_t **out);
/* Remove a witness by id (its cosignatures stay with their checkpoints as evidence). Audited
 * (audit.witness.remove). OG_ENOTFOUND for an unknown id. */
int og_audit_witness_remove(og_ctx *ctx, const char *id);

/* What the caller (the app layer) plugs into sending: on_refusal is called inside the
 * transaction that records a refusal (audit.witness.refused, a failed record), with {witness_id,
 * witness, url, chain, tree_size, root_hash, status, reason, origin}: the alert is raised there
 * (an "audit.witness.refused" event); allow_connect decides every address connected to (the
 * egress policy). audit itself knows neither events nor the egress policy. */
typedef int (*og_audit_refusal_fn)(og_ctx *ctx, json_t *refusal, void *arg);
typedef struct og_audit_witness_hooks {
    og_audit_refusal_fn on_refusal;
    void *refusal_arg;
    int (*allow_connect)(void *arg, const void *sockaddr, size_t len);
    void *allow_arg;
} og_audit_witness_hooks;
/*
 * Send a checkpoint (as published: its JSON with "origin" and "note") to every witness of its
 * chain that has not cosigned it: stores each valid cosignature with the checkpoint and what the
 * witness has seen; a refusal is recorded and raised once (on_refusal, may be NULL). Returns 0
 * when every witness cosigned or refused, else the first failure to reach one (OG_ERROR; the
 * caller retries later: witnesses that cosigned are not asked again). Checkpoints in the old
 * format are not sent. Runs its own transactions. Checks OG_PERM_PLATFORM.
 */
int og_audit_witness_send(og_ctx *ctx, const json_t *checkpoint,
                          const og_audit_witness_hooks *hooks);
/* After og_audit_verify: the latest checkpoint of every chain (tenant_id's only when given) must
 * carry at least min valid cosignatures of registered witnesses of that chain. Returns as
 * og_audit_verify (OG_ECORRUPT naming the chain in *res and the message). */
int og_audit_verify_witnessed(og_ctx *ctx, const char *tenant_id, int min,
                              og_audit_verify_result *res);

/* The installation's verifier key in C2SP note form, "opsgate/<log id>+<hash>+<base64 key>"
 * (type 0x01, Ed25519), for note verifiers and witnesses (`audit pubkey --note`). Caller frees. */
int og_audit_pubkey_note(og_ctx *ctx, char **vkey);
/* The raw Ed25519 key of a verifier key in that form (type 0x01). OG_EINVAL saying what is
 * wrong. */
int og_audit_note_key_parse(const char *vkey, uint8_t pub[32]);

/*
 * A consistency proof of a chain (tenant_id NULL = platform) between tree sizes from and to
 * (0 <= from <= to <= the size of its latest checkpoint; to = 0 means that size): {chain, origin,
 * from, to, proof: [base64 hashes in RFC 9162 order], checkpoint: the signed note of the chain's
 * checkpoint at `to` when there is one}. Checks OG_PERM_AUDIT_CHECKPOINTS (witnesses may).
 * OG_EINVAL for sizes out of range, OG_ENOTFOUND when the chain has no checkpoint.
 */
int og_audit_consistency(og_ctx *ctx, const char *tenant_id, int64_t from, int64_t to,
                         json_t **out);
/* The latest checkpoint of a chain for witnesses and monitors: og_audit_checkpoint_latest's
 * object (with "note"), checked with OG_PERM_AUDIT_CHECKPOINTS. OG_ENOTFOUND when there is none. */
int og_audit_checkpoint_public(og_ctx *ctx, const char *tenant_id, json_t **out);

/* ---- group commit for standalone records ---- */

/*
 * A writer batches durable appends of records that are not part of another change (login
 * attempts, access to evidence, failed attempts recorded on purpose): concurrent callers' records
 * go into one transaction, one fsync, and each caller returns only once its own record is durable.
 * It owns its own store connection (url as for og_store_open). Thread-safe; close after the last
 * caller returned.
 */
typedef struct og_audit_writer og_audit_writer;
int og_audit_writer_open(og_audit_writer **out, const char *url);
void og_audit_writer_close(og_audit_writer *w); /* NULL-safe */
/* actor and event_id (may be NULL) as in og_ctx; rec as for og_audit_append. */
int og_audit_append_durable(og_audit_writer *w, const og_actor *actor, const char *event_id,
                            const og_audit_rec *rec, int64_t *out_seq);

/* ---- Merkle trees, RFC 9162 section 2.1 ----
 * Leaf hash = SHA-256(0x00 || leaf data), node = SHA-256(0x01 || left || right). In the audit
 * trail the leaf data of record n is its 32-byte record hash (raw bytes, not hex), so a proof only
 * needs the record hash, and the record itself proves its hash through its canonical JSON. */

#define OG_MERKLE_MAX_PROOF 64

void og_audit_merkle_leaf(const void *data, size_t len, uint8_t out[32]);
void og_audit_merkle_node(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);

/* Streaming root: O(log n) memory, one leaf hash at a time. */
typedef struct og_merkle_acc {
    uint8_t stack[64][32];
    int depth;
    uint64_t size;
} og_merkle_acc;
void og_audit_merkle_acc_init(og_merkle_acc *a);
void og_audit_merkle_acc_add(og_merkle_acc *a, const uint8_t leaf_hash[32]);
/* Root of the leaves added so far (SHA-256 of nothing for an empty tree). */
void og_audit_merkle_acc_root(const og_merkle_acc *a, uint8_t out[32]);

/* A source of subtree hashes: MTH of leaves [begin, end), end > begin. */
typedef int (*og_merkle_subtree_fn)(void *arg, uint64_t begin, uint64_t end, uint8_t out[32]);

/* Audit path of leaf `index` in a tree of `size` leaves; *nproof hashes in proof. */
int og_audit_merkle_inclusion_proof(og_merkle_subtree_fn fn, void *arg, uint64_t index,
                                    uint64_t size, uint8_t proof[OG_MERKLE_MAX_PROOF][32],
                                    size_t *nproof);
/* Consistency proof between tree sizes size1 and size2 (0 < size1 <= size2). */
int og_audit_merkle_consistency_proof(og_merkle_subtree_fn fn, void *arg, uint64_t size1,
                                      uint64_t size2, uint8_t proof[OG_MERKLE_MAX_PROOF][32],
                                      size_t *nproof);
/* 0 when the proof holds, OG_ECORRUPT when not (message says why). Hashes other than proof
 * elements come with their length: a leaf or root of the wrong size never verifies. */
int og_audit_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t *leaf,
                                     size_t leaf_len, const uint8_t (*proof)[32], size_t nproof,
                                     const uint8_t *root, size_t root_len);
int og_audit_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t *root1,
                                       size_t root1_len, const uint8_t *root2, size_t root2_len,
                                       const uint8_t (*proof)[32], size_t nproof);

#endif
