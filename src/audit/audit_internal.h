/* audit_internal.h - helpers shared by the files of the audit module only. */
#ifndef OPSGATE_AUDIT_INTERNAL_H
#define OPSGATE_AUDIT_INTERNAL_H

#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/util.h"

#define OG_AUDIT_PLATFORM_CHAIN "platform"
#define OG_AUDIT_HASH_HEX       65                /* 64 hex digits + NUL */
#define OG_AUDIT_KEY_ID_LEN     17                /* 16 hex digits + NUL */
#define OG_AUDIT_RECORD_CAP     ((size_t)1 << 20) /* the canonical JSON of one record */
#define OG_AUDIT_NS             "https://opsgate.dev/ns/oscal"
#define OG_AUDIT_SIG_B64_LEN    96 /* base64 of a 64-byte signature (88) + NUL, rounded */

/* Records the audit module writes about itself. */
#define OG_AUDIT_ACT_CHECKPOINT   "audit.checkpoint"   /* platform chain: a chain's checkpoint */
#define OG_AUDIT_ACT_CHAIN_OPEN   "audit.chain.open"   /* record 1 of a tenant's chain */
#define OG_AUDIT_ACT_KEY_REGISTER "audit.key.register" /* platform chain: a new signing key */
#define OG_AUDIT_ACT_ADOPT        "audit.adopt" /* platform chain: a pre-2185d40 trail adopted */

/* ---- RFC 8785 (JCS) canonical JSON ---- */
/* Append the canonical form of v to out. OG_EINVAL for values JCS cannot represent (NaN, inf,
 * invalid UTF-8). */
int og_audit__jcs(og_buf *out, const json_t *v);
/* Append s as a JCS string literal (quotes included). OG_EINVAL on invalid UTF-8. */
int og_audit__jcs_string(og_buf *out, const char *s);
int og_audit__jcs_string_n(og_buf *out, const char *s, size_t n);

/* ---- one record as stored: all strings borrowed, NULL = JSON null ---- */
typedef struct og_audit__row {
    const char *chain;
    int64_t seq;
    const char *time;
    const char *actor;
    const char *token_id;
    const char *area;
    const char *action;
    const char *target_type;
    const char *target_id;
    const char *event_id;
    const char *analysis;   /* canonical JSON text (embedded verbatim) or NULL */
    const char *gate_level; /* NULL: the record has no gate (gate is null) */
    const char *gate_decision;
    const char *gate_decided_by;
    const char *gate_decided_at;
    const char *outcome; /* "ok" or "failed" */
    const char *detail;
    int64_t rollback_of; /* 0 = null */
    const char *prev_hash;
    /* Names next to ids (audit schema step 3): NULL = the member is absent from the record, so
     * records written before they existed hash as they always did. */
    const char *tenant_name;
    const char *actor_id;
    const char *target_name;
} og_audit__row;

/* The columns every reader selects, in the order og_audit__row_from_stmt() expects. */
#define OG_AUDIT__COLUMNS                                                                          \
    "chain, seq, time, actor, token_id, area, action, target_type, target_id, event_id, "          \
    "analysis, gate_level, gate_decision, gate_decided_by, gate_decided_at, outcome, detail, "     \
    "rollback_of, prev_hash, hash, tenant_name, actor_id, target_name"
/* The chain as a statement's parameter where the statement is kept and run again with other
 * chains (appends): compared bare (`chain = ?`), it could match the partial index
 * audit_record_checkpoints (WHERE chain = 'platform'), so SQLite compiles the statement again
 * for every new binding (a third of a durable append's CPU); a cast is no bare parameter. */
#define OG_AUDIT__CHAIN_ARG "CAST(? AS TEXT)"
/* The last name recorded for a target (chain, target_type, target_id). Left to itself SQLite
 * walks the whole chain backwards on the primary key (which gives the ORDER BY) for a target never
 * named before, a scan per new object (quadratic in bulk writes). `seq > 0` (always true) gives
 * the partial index audit_record_by_target a range on its last column, which SQLite then prefers
 * (test_audit_names.c checks the plan); portable SQL, unlike SQLite's INDEXED BY. */
#define OG_AUDIT__NAMED_SQL                                                                        \
    "SELECT target_name FROM audit_record WHERE chain = " OG_AUDIT__CHAIN_ARG " AND "              \
    "target_type = ? AND target_id = ? "                                                           \
    "AND target_name IS NOT NULL AND seq > 0 ORDER BY seq DESC LIMIT 1"
/* Fill r from the current row; returns the stored hash column (borrowed like the rest). */
const char *og_audit__row_from_stmt(og_audit__row *r, og_stmt *st);

/* Canonical JSON of a record (the bytes that are hashed), written directly in JCS key order. */
int og_audit__row_canonical(og_buf *out, const og_audit__row *r);
/* Its two parts: the members before "prev_hash" (what the record says, known before its place in
 * the chain: writers prepare it on their own thread) and the rest (prev_hash, rollback_of, seq,
 * target, tenant_name, time, token_id, v). head followed by tail is og_audit__row_canonical. */
int og_audit__row_canonical_head(og_buf *out, const og_audit__row *r);
int og_audit__row_canonical_tail(og_buf *out, const og_audit__row *r);
/* hash = hex SHA-256 of the canonical JSON; buf is scratch space the caller owns. */
int og_audit__row_hash(og_buf *scratch, const og_audit__row *r, char hex[OG_AUDIT_HASH_HEX]);
/* The record as a JSON object, hash included when non-NULL. Caller decrefs; NULL on OOM or bad
 * stored analysis. */
json_t *og_audit__row_json(const og_audit__row *r, const char *hash);

/* ---- readers (export.c, page.c) ----
 * The names a reader is shown (recorded, else resolved now with the reader's ctx and cached):
 * og_audit__reader_new for one chain (caller free()s), og_audit__reader_json for one record. */
typedef struct reader_names og_audit__reader;
og_audit__reader *og_audit__reader_new(og_ctx *ctx, const char *chain);
json_t *og_audit__reader_json(og_audit__reader *n, const og_audit__row *r, const char *hash);
/* A page request of a reader checked: the actor may read tenant_id's trail (NULL: the platform's),
 * 1 <= limit <= OG_AUDIT__LIST_MAX and the cursor (a sequence number) >= 0; else the error. */
#define OG_AUDIT__LIST_MAX 1000
int og_audit__page_check(og_ctx *ctx, const char *tenant_id, int limit, int64_t cursor);

/* Newest-first paging (page.c). Each statement walks one index backwards from a bound, so a page
 * costs O(page) whatever the chain's length; time predicates compare `time || ''` (an
 * expression, no index can serve it) so that the planner never trades the seq order for the time
 * index (the tests check the plans); SQLite's unary + would do the same but is no text operator
 * on PostgreSQL.
 * ?1 chain, ?2 seq below, ?3 lowest seq, ?4 since, ?5 until, [?6 action], last: rows. */
#define OG_AUDIT__DESC_SQL                                                                         \
    "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = ?1 AND seq < ?2 AND seq >= ?3"   \
    " AND time || '' >= ?4 AND time || '' < ?5 ORDER BY seq DESC LIMIT ?6"
#define OG_AUDIT__DESC_ACTION_SQL                                                                  \
    "SELECT " OG_AUDIT__COLUMNS " FROM audit_record INDEXED BY audit_record_by_action"             \
    " WHERE chain = ?1 AND action = ?6 AND seq < ?2 AND seq >= ?3 AND time || '' >= ?4"            \
    " AND time || '' < ?5"                                                                         \
    " ORDER BY seq DESC LIMIT ?7"
/* The seq bounds of a time window, through the time index: the last record before until, the
 * first at or after since (records are appended in time order within a chain). */
#define OG_AUDIT__SEQ_BEFORE_SQL                                                                   \
    "SELECT seq FROM audit_record INDEXED BY audit_record_by_time WHERE chain = ? AND time < ?"    \
    " ORDER BY time DESC, seq DESC LIMIT 1"
#define OG_AUDIT__SEQ_FROM_SQL                                                                     \
    "SELECT seq FROM audit_record INDEXED BY audit_record_by_time WHERE chain = ? AND time >= ?"   \
    " ORDER BY time, seq LIMIT 1"

/* ---- names (names.c) ---- */
#define OG_AUDIT_NAME_MAX 256 /* bytes of one recorded name, NUL included */
/* The name of a target through its module's namer: on_write = 0 asks any namer (a reader),
 * 1 only those whose names may be recorded. The name is cut at a UTF-8 boundary and dropped when
 * it is not valid UTF-8. 1 named, 0 not, negative on error. "audit_chain" targets are named by
 * their tenant. */
int og_audit__name(og_ctx *ctx, const char *type, const char *tenant_id, const char *id,
                   int on_write, char *out, size_t size);
/* in cut to fit size at a UTF-8 boundary into out; 1 when something is left, 0 for NULL, empty or
 * invalid UTF-8 (out is then ""). */
int og_audit__name_fit(const char *in, char *out, size_t size);
/* A tenant's name for messages and exports: its namer now, else the name its tenant.create
 * record in the platform chain recorded. 1 named, 0 unknown, negative on error. */
int og_audit__tenant_name(og_ctx *ctx, const char *tenant_id, char *out, size_t size);
/* "tenant acme (id <id>)", "tenant <id>" when the name is unknown, or "the platform". */
void og_audit__chain_label(const char *chain, const char *tenant_name, char *out, size_t size);
/* Fill res->tenant_name, action, actor and message for the problem in res (verify, witness), and
 * set the error message to it. Returns OG_ECORRUPT. */
int og_audit__verify_report(og_ctx *ctx, og_audit_verify_result *res);

/* "platform" for NULL/"" else the tenant id. */
const char *og_audit__chain_name(const char *tenant_id);
/* Inside the caller's transaction: the lock of one chain ("audit:<chain>", og_store_lock), so
 * that appends to it from every node run one at a time and the chain never forks; nothing to
 * take under a platform-wide transaction. */
int og_audit__chain_lock(og_store *s, const char *chain);

/* ---- appending (append.c, batch.c) ---- */
#define OG_AUDIT__INSERT_ROWS 8 /* rows of the largest INSERT a batch runs */
typedef struct og_audit__appender {
    og_store *s;
    og_stmt *last;
    og_stmt *ins;
    og_stmt *named;                           /* the last name recorded for a target in a chain */
    og_stmt *ins_rows[OG_AUDIT__INSERT_ROWS]; /* [k]: INSERT of k + 1 rows (batch.c, lazily) */
    og_buf scratch;
} og_audit__appender;
int og_audit__appender_init(og_audit__appender *a, og_store *s);
void og_audit__appender_free(og_audit__appender *a);
/* Append inside the store's open transaction. */
int og_audit__append(og_audit__appender *a, const og_actor *actor, const char *event_id,
                     const og_audit_rec *rec, int64_t *out_seq);

/* A record prepared for appending, on its caller's thread: checked, its analysis made canonical
 * and the head of its canonical JSON written (og_audit__row_canonical_head); actor, event_id and
 * rec stay borrowed. */
typedef struct og_audit__item {
    const og_actor *actor;
    const char *event_id;
    const og_audit_rec *rec;
    const char *chain;     /* og_audit__chain_name(rec->tenant_id) */
    int opens_chain;       /* a tenant.create record of the platform: it opens the tenant's chain */
    char actor_label[256]; /* og_actor_label */
    og_buf analysis;       /* the canonical analysis (when rec->analysis) */
    og_buf head;
    /* og_audit__batch_commit's results */
    int64_t seq;
    int rc;
    char err[256];
    struct og_audit__item *next;
} og_audit__item;
/* OG_EINVAL (and nothing to free) for a record og_audit_append would refuse. */
int og_audit__item_prepare(og_audit__item *it, const og_actor *actor, const char *event_id,
                           const og_audit_rec *rec);
void og_audit__item_free(og_audit__item *it);
/* The fields of the item's row that do not depend on its place in the chain (seq, time,
 * prev_hash, tenant_name and target_name are left NULL). */
void og_audit__item_row(const og_audit__item *it, og_audit__row *r);
/* The hash of the item's record r (its head, then og_audit__row_canonical_tail of r). */
int og_audit__item_hash(og_buf *scratch, const og_audit__item *it, const og_audit__row *r,
                        char hex[OG_AUDIT_HASH_HEX]);
/* Append one prepared item inside the store's open transaction (og_audit__append without the
 * preparation). */
int og_audit__append_item(og_audit__appender *a, og_audit__item *it, int64_t *out_seq);
/* The last name recorded for a target in a chain into target ("" when none); 0 or an error. */
int og_audit__last_named(og_audit__appender *a, const char *chain, const char *type, const char *id,
                         char target[OG_AUDIT_NAME_MAX]);
/* Bind r and its hash as row `row` (0-based) of an INSERT of OG_AUDIT__COLUMNS. */
void og_audit__row_bind(og_stmt *st, int row, const og_audit__row *r, const char *hash);
/*
 * Append the items of a list (linked by next), in list order, in a transaction of their own on
 * the appender's store (batch.c): its writer lock scoped to the chains they append to, locked in
 * name order. Each item's result is in it->rc (0 or the error, its message in it->err) and
 * it->seq. The fast way, all or nothing: each chain's head read once, the names looked up once
 * per chain and target (and actor), the rows inserted without a savepoint each. When anything in
 * it fails, the transaction is rolled back and the items are appended again one by one, each
 * under a savepoint of its own, so that a record that fails fails alone. Returns 0, or negative
 * when the transaction failed (every item then has rc < 0: nothing was appended).
 */
int og_audit__batch_commit(og_audit__appender *a, og_audit__item *items);

/* Batches an og_audit_writer committed so far and the records in them (for the benchmark). */
void og_audit__writer_stats(og_audit_writer *w, int64_t *commits, int64_t *records);

/* ---- keys and checkpoints ---- */
/* The text a checkpoint signature covers. */
int og_audit__checkpoint_message(og_buf *out, const char *chain, int64_t size, const char *root_hex,
                                 const char *time);
/* The public key with this id (any key ever used), OG_ENOTFOUND if none. */
int og_audit__pubkey_get(og_store *s, const char *key_id, uint8_t pub[32]);
void og_audit__key_id(const uint8_t pub[32], char out[OG_AUDIT_KEY_ID_LEN]);
/* The key file the options name, else $OPSGATE_AUDIT_KEY, else NULL. */
const char *og_audit__key_file(const og_audit_opts *opts);

/* The signing key, loaded once per checkpoint run. */
typedef struct og_audit__signer {
    int loaded;
    uint8_t priv[32];
    uint8_t pub[32];
    char key_id[OG_AUDIT_KEY_ID_LEN];
} og_audit__signer;
/* Load (in the caller's transaction; may register a key, which appends an audit.key.register
 * record to the platform chain) the key to sign with; see keys.c for the rules. */
int og_audit__signer_load(og_ctx *ctx, const og_audit_opts *opts, og_audit__signer *sg);
void og_audit__signer_wipe(og_audit__signer *sg);

/* ---- C2SP signed notes and checkpoints (note.c) ----
 * Since audit schema step 4 a checkpoint is a C2SP tlog-checkpoint: the body "<origin>\n<tree
 * size>\n<base64 root>\n" signed as a signed note by the key named after the installation's log
 * name; the origin is "<log name>/<chain>". Checkpoints signed before (origin NULL) keep the
 * opsgate-audit-checkpoint/1 text and still verify. */
#define OG_AUDIT_NOTE_NAME_MAX 128  /* a key name, NUL included */
#define OG_AUDIT_ORIGIN_MAX    192  /* an origin, NUL included */
#define OG_NOTE_ED25519        0x01 /* signed-note Ed25519 signature */
#define OG_NOTE_COSIG_V1       0x04 /* tlog-cosignature cosignature/v1 (Ed25519, timestamped) */
/* A verifier key "name+hash+base64(type || key)". */
typedef struct og_audit__vkey {
    char name[OG_AUDIT_NOTE_NAME_MAX];
    uint8_t type;
    uint8_t pub[32];
    uint32_t hash;
} og_audit__vkey;
/* First 4 bytes (big-endian) of SHA-256(name || 0x0A || type || pub). */
uint32_t og_audit__note_key_hash(const char *name, uint8_t type, const uint8_t pub[32]);
/* Append "name+hash+base64key". */
int og_audit__note_vkey(og_buf *out, const char *name, uint8_t type, const uint8_t pub[32]);
/* Parse a verifier key, checking its hash. OG_EINVAL saying what is wrong. */
int og_audit__vkey_parse(const char *text, og_audit__vkey *k);
/* Append the checkpoint body (origin, size, base64 of the hex root). */
int og_audit__note_body(og_buf *out, const char *origin, int64_t size, const char *root_hex);
/* Append a signature line "— name base64(hash || sig)\n". */
int og_audit__note_sigline(og_buf *out, const char *name, uint32_t hash, const uint8_t *sig,
                           size_t siglen);
/* The installation's log name, "opsgate/<id of its first signing key>" (stable across key
 * rotations); OG_ENOTFOUND before any key is registered. */
int og_audit__log_name(og_store *s, char *out, size_t size);
/* The key name of an origin "<name>/<chain>"; OG_ECORRUPT when it does not end in the chain. */
int og_audit__origin_name(const char *origin, const char *chain, char *name, size_t size);
/* The body's length in a signed note (up to and including the newline before the blank line). */
int og_audit__note_split(const char *note, size_t len, size_t *body_len);
/* Among the signature lines sigs, find the one of key k and check it over body (a cosignature/v1
 * key checks the timestamped cosignature; *timestamp, may be NULL, receives its time). 0 when it
 * verifies, OG_ENOTFOUND when no line is k's, OG_ECORRUPT when k's line does not verify. */
int og_audit__note_check(const og_audit__vkey *k, const char *body, size_t body_len,
                         const char *sigs, size_t sigs_len, int64_t *timestamp);

/* One signed checkpoint of a chain, as stored, recorded and witnessed. */
typedef struct og_audit__cp {
    char origin[OG_AUDIT_ORIGIN_MAX]; /* "" for an opsgate-audit-checkpoint/1 checkpoint */
    int64_t size;
    char root[OG_AUDIT_HASH_HEX];
    char time[OG_TIME_LEN];
    char key_id[OG_AUDIT_KEY_ID_LEN];
    char sig[OG_AUDIT_SIG_B64_LEN];
} og_audit__cp;
/* From the fields tree_size, root_hash, time, key_id, signature of o. OG_EINVAL naming the first
 * missing or malformed field. */
int og_audit__cp_from_json(const json_t *o, og_audit__cp *cp);
/* {chain, tree_size, root_hash, time, algorithm, key_id, signature}; NULL on OOM. */
json_t *og_audit__cp_json(const char *chain, const og_audit__cp *cp);
/* The bytes the checkpoint's signature covers: the C2SP body, or the old text. */
int og_audit__cp_message(og_buf *out, const char *chain, const og_audit__cp *cp);
/* The signed note of a C2SP checkpoint (body, blank line, signature line), pub its key. */
int og_audit__cp_note(og_buf *out, const char *chain, const og_audit__cp *cp,
                      const uint8_t pub[32]);
/* og_audit__cp_json plus "note" (the signed note) for a C2SP checkpoint, its key looked up. */
/* A checkpoint row read as (tree_size, root, time, key_id, signature, origin). */
void og_audit__cp_from_row(og_stmt *st, og_audit__cp *cp);
json_t *og_audit__cp_json_note(og_store *s, const char *chain, const og_audit__cp *cp);
/* 0 when the signature verifies with pub, OG_ECORRUPT otherwise. */
int og_audit__cp_verify(const char *chain, const og_audit__cp *cp, const uint8_t pub[32]);
/* The latest checkpoint of a chain with tree_size >= min_size as JSON; OG_ENOTFOUND if none. */
int og_audit__checkpoint_latest(og_store *s, const char *chain, int64_t min_size, json_t **out);
/* The latest audit.checkpoint record of `chain` in the platform chain: *seq = its seq there, 0
 * when there is none. */
int og_audit__cp_recorded_latest(og_store *s, const char *chain, int64_t *seq, og_audit__cp *cp);

/* Cosignatures stored for the checkpoint that verify with the key of a registered witness of its
 * chain (cosign.c). */
int og_audit__cosignatures_count(og_store *s, const char *chain, const og_audit__cp *cp,
                                 int64_t *valid);

/* Merkle subtree hash over a chain's records [begin, end) (0-based leaf indexes). */
typedef struct og_audit__chain_src {
    og_store *s;
    const char *chain;
} og_audit__chain_src;
int og_audit__chain_subtree(void *arg, uint64_t begin, uint64_t end, uint8_t out[32]);
/* The chain's last seq (0 when it has no records). */
int og_audit__chain_length(og_store *s, const char *chain, int64_t *n);

/* The chain after `after` ("" = the first) among records and checkpoints, into out: returns 1
 * when there is one, 0 at the end, negative on error. */
int og_audit__next_chain(og_store *s, const char *after, char *out, size_t size);

/* An OSCAL/UUID-shaped id derived from bytes: deterministic (version 5 layout). */
void og_audit__uuid_from(const void *data, size_t len, char out[OG_ID_LEN]);

/* ---- the adoption of a trail from before 2185d40 (adopt.c) ---- */
typedef struct og_audit__adoption og_audit__adoption;
/* The first audit.adopt record of the platform chain (*out NULL when there is none); OG_ECORRUPT
 * when it cannot be read. */
int og_audit__adoption_load(og_store *s, og_audit__adoption **out);
void og_audit__adoption_free(og_audit__adoption *ad); /* NULL-safe */
int64_t og_audit__adoption_seq(const og_audit__adoption *ad);
/* SHA-256 (hex) of the canonical JSON of a checkpoint (og_audit__cp_json). */
int og_audit__cp_hash(const char *chain, const og_audit__cp *cp, char hex[OG_AUDIT_HASH_HEX]);
/* The i-th checkpoint the adoption lists for chain, in tree size order: 1 with its size and hash,
 * 0 past the last (and for ad NULL). */
int og_audit__adopted_cp(const og_audit__adoption *ad, const char *chain, size_t i, int64_t *size,
                         const char **hash);
/* 1 when cp is the last checkpoint the adoption lists for chain, 0 when not (or no adoption). */
int og_audit__adopted_latest(og_store *s, const char *chain, const og_audit__cp *cp);
/* 1 when the adoption lists signing key key_id with that public key (base64). */
int og_audit__adopted_key(const og_audit__adoption *ad, const char *key_id, const char *pub_b64);
size_t og_audit__adopted_nkeys(const og_audit__adoption *ad);
/* 1 when the adoption lists chain as beginning with the record whose hash is `hash`. */
int og_audit__adopted_start(const og_audit__adoption *ad, const char *chain, const char *hash);
/* The adoption is the only one and precedes every audit.checkpoint and audit.key.register record;
 * the keys and checkpoints it lists are all still there. 0, or OG_ECORRUPT through res. */
int og_audit__adoption_check(og_store *s, const og_audit__adoption *ad,
                             og_audit_verify_result *res);

/* ---- verify's record pipeline (vpipe.c) ----
 * The caller steps a chain's statement (SELECT OG_AUDIT__COLUMNS ... ORDER BY seq) in batches;
 * worker threads (one per CPU, none on one CPU) recompute each record's hash and Merkle leaf; the
 * caller takes the records back one by one in the statement's order. A ring of 2 batches per
 * worker (+2), each at most 512 records or ~256 KiB, bounds the memory; statements stay on the
 * calling thread. */
typedef struct og_audit__vpipe og_audit__vpipe;
typedef struct og_audit__vrow {
    int64_t seq;
    const char *prev_hash; /* as stored; borrowed until the next og_audit__vpipe_next */
    const char *hash;      /* as stored */
    int hash_ok;           /* the recomputed hash equals the stored one */
    uint8_t leaf[32];      /* the record's Merkle leaf hash, when hash_ok */
} og_audit__vrow;
int og_audit__vpipe_open(og_audit__vpipe **out);
void og_audit__vpipe_close(og_audit__vpipe *p); /* NULL-safe */
/* Read st from now on (ending whatever was read before). */
void og_audit__vpipe_begin(og_audit__vpipe *p, og_stmt *st);
/* OG_ROW with *out filled, OG_DONE at the end, negative when the statement failed (after every
 * record read before the failure was returned). */
int og_audit__vpipe_next(og_audit__vpipe *p, og_audit__vrow *out);
/* Stop reading: waits for the batches in flight. Call before freeing the statement. */
void og_audit__vpipe_end(og_audit__vpipe *p);
/* Worker threads of the pipelines opened from now on: n >= 0 (0 = the caller hashes), -1 = one
 * per CPU (the default; none on one CPU). For tests and the benchmark. */
void og_audit__verify_set_workers(int n);

/* Record the first problem a verification finds in res (later ones are usually consequences):
 * its chain, record and message; returns OG_ECORRUPT. verify.c and witness.c report through it. */
int og_audit__problem(og_audit_verify_result *res, const char *chain, int64_t seq, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

/* Key custody records (tenant.key.*: set, rotate, revoke, restore, datakey.*) as OSCAL properties
 * of their observation, class "key-custody": the event, provider and key version (from/to),
 * data-key versions, re-seal progress (custody.c). Nothing for other actions. */
void og_audit__custody_props(json_t *props, const char *action, const char *analysis);

#endif
