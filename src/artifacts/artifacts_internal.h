/* artifacts_internal.h - helpers shared by the files of the artifacts module only. */
#ifndef OPSGATE_ARTIFACTS_INTERNAL_H
#define OPSGATE_ARTIFACTS_INTERNAL_H

#include "opsgate/artifacts.h"
#include "opsgate/infer.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define ART_AREA "artifacts"
/* Contents up to this size are decoded in memory (and verified) before the first byte goes out. */
#define ART_SMALL_OBJECT ((uint64_t)1 << 20)
/* Only this much of a version's text goes into the search index. */
#define ART_INDEX_TEXT_MAX ((uint64_t)16 << 20)

/* ---- per-tenant secrets of the module: the object-name key and the search key ---- */
typedef struct art_keys {
    uint8_t name[32];   /* HMAC key naming objects and artifact names */
    uint8_t search[32]; /* HMAC key of index words */
} art_keys;
/* Load the tenant's keys; create them (in a nested transaction) when create != 0. OG_ENOTFOUND
 * when they do not exist and create == 0. Caller wipes *out. */
int og_artifacts__keys(og_ctx *ctx, const char *tenant_id, int create, art_keys *out);
/* hex of HMAC(key, a NUL b); out holds 65 bytes. */
int og_artifacts__mac_hex(const uint8_t key[32], const char *a, const char *b, char out[65]);

/* ---- who may do what ---- */
typedef struct art_scope {
    char tenant_id[OG_ID_LEN];
    og_project project;
    og_artifact_right right;
    int published_only; /* client viewers see published artifacts only */
} art_scope;

/* The tenant (name or id) resolved for the actor: OG_ENOTFOUND for other tenants'. */
int og_artifacts__tenant(og_ctx *ctx, const char *tenant, char tenant_id[OG_ID_LEN]);
/* The actor's right on a project and why ("role engineer", "grant write until ..."). */
int og_artifacts__right(og_ctx *ctx, const char *tenant_id, const char *project_id,
                        og_artifact_right *out, char *why, size_t whysz);
/* Resolve tenant + project and check the actor holds `need` on it. OG_ENOTFOUND when the actor
 * has no right at all; OG_EDENIED naming the role/right when it has less than need. */
int og_artifacts__scope(og_ctx *ctx, const char *tenant, const char *project,
                        og_artifact_right need, art_scope *out);
/* Clearing a legal hold also needs the tenant-admin or platform-admin role: 0, or OG_EDENIED
 * saying so. */
int og_artifacts__hold_clear_role(const og_actor *a);

/* ---- artifact rows ---- */
typedef struct art_row {
    int64_t n;
    char id[OG_ID_LEN];
    char project_id[OG_ID_LEN];
    char name[OG_ARTIFACT_NAME_MAX + 1];
    json_t *meta; /* owned */
    char kind[16];
    char state[16];
    int64_t latest;
    char created_at[OG_TIME_LEN];
    char created_by[160];
    char updated_at[OG_TIME_LEN];
    int64_t archived_us; /* 0 when never archived */
    int64_t deleted_us;  /* 0 when not deleted */
} art_row;
void og_artifacts__row_free(art_row *r); /* frees meta; NULL-safe */
/* Find an artifact by name in the scope's project. allow_deleted = also soft-deleted ones.
 * Honours published_only. OG_ENOTFOUND naming the artifact and project. */
int og_artifacts__find(og_ctx *ctx, const art_scope *sc, const char *name, int allow_deleted,
                       art_row *out);
/* The same with the tenant's keys already loaded (NULL = load them). */
int og_artifacts__find_k(og_ctx *ctx, const art_scope *sc, const char *name, int allow_deleted,
                         const art_keys *keys, art_row *out);
/* The columns a row is read from (og_artifacts__row_from_stmt), with the table as "a". */
#define ART_ROW_COLS                                                                               \
    "a.n, a.id, a.project_id, a.sealed, a.kind, a.state, a.latest, a.created_at, a.created_by,"    \
    " a.updated_at, a.archived_us, a.deleted_us"
/* Fill a row from a statement selecting the artifact columns in art_artifacts order (n, id,
 * project_id, sealed, kind, state, latest, created_at, created_by, updated_at, archived_us,
 * deleted_us), opening the sealed name and metadata. */
int og_artifacts__row_from_stmt(og_ctx *ctx, const char *tenant_id, og_stmt *st, art_row *r);
/* Load by id inside a tenant without any rights check (gate actions). */
int og_artifacts__load(og_ctx *ctx, const char *tenant_id, const char *artifact_id, art_row *out);
/* Seal {name, metadata} for the row's sealed column. Caller frees *out. */
int og_artifacts__seal_row(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                           const char *name, json_t *meta, uint8_t **out, size_t *outlen);
/* Seal the row's name and metadata again into its sealed column, and set updated_at unless it is
 * NULL. Inside the caller's transaction. */
int og_artifacts__row_reseal(og_ctx *ctx, const char *tenant_id, const art_row *a,
                             const char *updated_at);
json_t *og_artifacts__row_json(const art_row *r, const art_scope *sc);

/* Versions: load one (number 0 = latest) with its object name. */
int og_artifacts__version(og_ctx *ctx, const char *tenant_id, const art_row *a, int64_t number,
                          og_artifact_version *out, char object[65]);
/* The columns a version is read from (og_artifacts__version_from_stmt). */
#define ART_VERSION_COLS                                                                           \
    "artifact_id, number, author, created_at, size, media_type, object, sealed, restored_from"
/* Fill v (and object, when not NULL) from a statement selecting ART_VERSION_COLS, opening the
 * sealed hash and message. OG_ECORRUPT for a malformed record. */
int og_artifacts__version_from_stmt(og_ctx *ctx, const char *tenant_id, og_stmt *st,
                                    og_artifact_version *v, char object[65]);
/* Add a version row and move the artifact's latest; audits nothing (callers do). proposal
 * (borrowed, may be NULL): the classifier's, sealed with the version's message, with read
 * (borrowed, may be NULL): the fingerprint of the text it read (propose.c). */
int og_artifacts__version_add(og_ctx *ctx, const char *tenant_id, art_row *a,
                              og_artifact_version *v, const char *object, json_t *proposal,
                              json_t *read);
/* The object id a version's sealed record is sealed under ("version:<artifact id>:<number>"). */
void og_artifacts__version_object_id(const char *artifact_id, int64_t number, char out[80]);

/* ---- indexing: the document classifier's proposal of a version (classify.c) ---- */
/* The largest upload whose text the classifier reads (bytes of the document). */
#define ART_CLASSIFY_MAX ((size_t)8 << 20)
/* 1 when media_type is a format the classifier reads (Markdown, text, HTML, PDF, DOCX). */
int og_artifacts__classifiable(const char *media_type);
/* The text the classifier reads of an upload of artifact name (of kind) with content data (len
 * bytes) of media_type, before the version's transaction: *out NULL (and 0) for a template, a
 * format it does not read, or a document that cannot be read as its format (an upload never
 * fails for its proposal). Caller wipes and frees *out. */
int og_artifacts__doc_text(const char *name, const char *kind, const char *data, size_t len,
                           const char *media_type, char **out);
/* The classifier's proposal of a version's text: made for it, or the previous version's reused
 * (propose.c), with the fingerprint of the text it read ("read" in the version's sealed record).
 */
typedef struct art_proposal {
    og_infer_doc_proposal *made; /* made for this text; NULL when reused or none */
    json_t *reused;              /* the previous version's, "reused" counted; NULL when made */
    json_t *read;                /* the fingerprint of the text the proposal read */
} art_proposal;
/* A proposal may be reused while the text's word 3-gram set is this similar (estimated Jaccard)
 * to the text it read, its metadata lines, candidates and the newest models are the same, and for
 * at most this many versions in a row (docs/artifacts.md "Indexing"). */
#define ART_REUSE_SIMILARITY 0.95
#define ART_REUSE_MAX        128
/* The classifier's proposal (kind and metadata) of an upload's text (NULL: none, *out empty),
 * made before the version's transaction so that the commit holds only the store work: the
 * project's candidates and the newest models read on ctx's connection (keys: the tenant's, loaded
 * already). prev_id/prev_number: the artifact's latest version when the upload began ("" / 0
 * for a new artifact), whose proposal is reused when it may stand for this text. Caller clears
 * *out (og_artifacts__proposal_clear). */
int og_artifacts__propose_make(og_ctx *ctx, const art_scope *sc, const char *text,
                               const art_keys *keys, const char *prev_id, int64_t prev_number,
                               art_proposal *out);
void og_artifacts__proposal_clear(art_proposal *p);
/* That proposal (none: *out NULL) kept as version number's (the next one) of artifact a,
 * inside the version's transaction: *out the proposal to seal with the version. */
int og_artifacts__propose_store(og_ctx *ctx, const art_row *a, int64_t number,
                                const art_proposal *pr, json_t **out);
/* The project as the classifier's candidate: [{key, name, client?}] (caller decrefs). */
int og_artifacts__candidates(og_ctx *ctx, const art_scope *sc, const art_keys *keys, json_t **out);
/* The sealed record of version number ({"sha256", "message", "proposal"?, "read"?}). */
int og_artifacts__record_open(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                              int64_t number, json_t **out);
/* The proposal sealed in version number of artifact_id, *out NULL when it has none. */
int og_artifacts__proposal_get(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                               int64_t number, json_t **out);

/* Parse metadata text (NULL = none: *out NULL) into a JSON object (caller frees): OG_EINVAL
 * naming the problem, OG_ETOOBIG past OG_ARTIFACT_META_MAX. */
int og_artifacts__meta_parse(const char *text, json_t **out);
/* 0 when the artifact may take a new version from this actor (not deleted, of this kind when
 * kind is set, a draft, not locked by another); else OG_ECONFLICT or OG_EINVAL naming it. */
int og_artifacts__writable(og_ctx *ctx, const art_row *a, const char *kind, const char *name);
/* The same without the lock (the caller read it with the row). */
int og_artifacts__writable_state(const art_row *a, const char *kind, const char *name);
/* The key of the scoped writer transaction (og_store_tx_begin_scope) that changes one artifact's
 * versions: its project id and keyed name (name_mac). Writers of one artifact run one after the
 * other; writers of different artifacts, of one tenant or not, side by side (docs/postgres.md). */
#define ART_WRITE_KEY (OG_ID_LEN + 65 + 16)
void og_artifacts__write_key(const char *project_id, const char mac[65], char out[ART_WRITE_KEY]);

/* 0 when nobody else holds a live lock on the artifact; OG_ECONFLICT naming the holder. */
int og_artifacts__lock_check(og_ctx *ctx, const char *artifact_id);
/* The same, but a lock owned by other_key (owner key, e.g. a gate item's requester) is no
 * conflict either; other_key NULL is og_artifacts__lock_check. */
int og_artifacts__lock_check_but(og_ctx *ctx, const char *artifact_id, const char *other_key);
/* The conflict a live lock held by owner_key (NULL: none) makes for the actor: 0 when the actor
 * (or other_key, may be NULL) holds it, else OG_ECONFLICT naming owner_label and expires_us. */
int og_artifacts__lock_conflict(og_ctx *ctx, const char *owner_key, const char *owner_label,
                                int64_t expires_us, const char *other_key);
/* 1 when a legal hold covers the artifact (or its project), filling why; 0 when not. */
int og_artifacts__held(og_ctx *ctx, const char *project_id, const char *artifact_id, char *why,
                       size_t whysz);

/* ---- objects: content-addressed, zstd-compressed, sealed; in their row, or in the context's
 * object store past a size (objstore.h: files, or chunk rows when there is no data folder) ---- */
typedef struct art_obj_writer art_obj_writer;
int og_artifacts__obj_writer_new(art_obj_writer **out, og_ctx *ctx, const char *tenant_id);
int og_artifacts__obj_writer_write(art_obj_writer *w, const void *data, size_t len);
/* The object's exact size in bytes, told before its first byte (og_artifact_put_buffer knows
 * it): zstd sizes its tables for it instead of for an unknown stream. OG_EINVAL after the first
 * write; a size that turns out wrong fails the object at its end. */
int og_artifacts__obj_writer_size(art_obj_writer *w, uint64_t size);
/* Flush compression and sealing, make the stored bytes durable. */
int og_artifacts__obj_writer_end(art_obj_writer *w, uint8_t sha[32], uint64_t *size);
/* Inside the caller's transaction: name the object (keyed hash of its SHA-256), and either find
 * it already stored (the new bytes are dropped when the writer is freed) or record it and put its
 * bytes in place. *created = 1 when bytes were put in place outside the row (then, if the
 * transaction fails, og_artifacts__obj_writer_undo). */
int og_artifacts__obj_writer_commit(art_obj_writer *w, og_ctx *ctx, const art_keys *k,
                                    char name[65], int *created);
/* The transaction of og_artifacts__obj_writer_commit failed: undo what it did outside it. */
void og_artifacts__obj_writer_undo(art_obj_writer *w, const char *name);
/* After the transaction of og_artifacts__obj_writer_commit (or instead of it), with the context's
 * store: drop the bytes written outside the row unless they were committed. */
int og_artifacts__obj_writer_discard(art_obj_writer *w);
void og_artifacts__obj_writer_free(art_obj_writer *w); /* drops uncommitted bytes */
/* Inside the transaction deleting an object's row, before it: delete the rows holding its bytes
 * (the rows store's chunks; nothing for inline objects and files). */
int og_artifacts__obj_forget(og_ctx *ctx, const char *tenant_id, const char *name);
/* After that transaction committed: remove an object's file (files store). Best effort. */
void og_artifacts__obj_unlink(og_ctx *ctx, const char *tenant_id, const char *name);
/* The path of an object's file (whether or not it exists). */
int og_artifacts__obj_path(char *out, size_t size, og_ctx *ctx, const char *tenant_id,
                           const char *name);
/* The object name of a content hash. */
int og_artifacts__obj_name(const art_keys *k, const uint8_t sha[32], char name[65]);

typedef struct art_obj_reader art_obj_reader;
/* Open a stored object for decoding. expect_sha (may be NULL) and expect_size are checked at
 * the end; prefix_only = the caller reads a prefix and never checks the end (snippets). */
int og_artifacts__obj_reader_open(art_obj_reader **out, og_ctx *ctx, const char *tenant_id,
                                  const char *name, const uint8_t *expect_sha,
                                  uint64_t expect_size);
/* Keep a copy of the stored bytes r reads (ciphertext, in an anonymous temporary file) when its
 * store needs the connection to read them (the rows store), for og_artifacts__obj_reader_again. */
int og_artifacts__obj_reader_keep(art_obj_reader *r);
/* A reader of the same object with the same checks, reading again: from the copy done kept (then
 * it never uses ctx or its store after this call), else opening the object again. */
int og_artifacts__obj_reader_again(art_obj_reader **out, art_obj_reader *done, og_ctx *ctx);
/* *got = 0 at the end, after every check passed. */
int og_artifacts__obj_reader_read(art_obj_reader *r, void *buf, size_t cap, size_t *got);
void og_artifacts__obj_reader_free(art_obj_reader *r);
/* Decode a whole object into out (capped by out's cap), verified. */
int og_artifacts__obj_read_all(og_ctx *ctx, const char *tenant_id, const char *name,
                               const uint8_t *expect_sha, uint64_t expect_size, og_buf *out);
/* Decode at most max bytes of an object's beginning into out, each chunk authenticated; the end
 * of the stream is not checked (for snippets only). */
int og_artifacts__obj_read_prefix(og_ctx *ctx, const char *tenant_id, const char *name, size_t max,
                                  og_buf *out);

/* ---- media types ---- */
/* By extension of name (NULL when unknown). */
const char *og_artifacts__media_by_name(const char *name);
/* Sniff from the first bytes. Never NULL. */
const char *og_artifacts__media_sniff(const uint8_t *head, size_t len);
bool og_artifacts__media_valid(const char *t);
bool og_artifacts__media_is_text(const char *t);
bool og_artifacts__media_is_html(const char *t);

/* ---- search index ---- */
/* Words: runs of ASCII letters and digits and of non-ASCII bytes (UTF-8 letters), ASCII folded to
 * lower case, ART_WORD_MIN to ART_WORD_MAX bytes (longer runs are cut, the same way for documents
 * and queries). */
#define ART_WORD_MAX 64
#define ART_WORD_MIN 2
static inline bool og_artifacts__word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}
static inline char og_artifacts__fold(uint8_t c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}
/* A fingerprint of a search key (never 0), tagging the word hashes memoised under it. */
uint64_t og_artifacts__key_tag(const uint8_t key[32]);
/* The index form of one word: "h" + 16 hex of its keyed hash; out holds 18 bytes. tag is
 * og_artifacts__key_tag(key). */
int og_artifacts__word_mac(const uint8_t key[32], uint64_t tag, const char *w, size_t n,
                           char out[18]);
typedef struct art_tok art_tok;
/* A streaming tokenizer collecting distinct words with counts, bounded in memory. html = skip
 * tags. Returns NULL when out of memory. */
art_tok *og_artifacts__tok_new(int html);
void og_artifacts__tok_feed(art_tok *t, const void *data, size_t len);
void og_artifacts__tok_set_html(art_tok *t, int html);
/* Append the index form (hex keyed hashes, space separated) of the collected words to out. */
int og_artifacts__tok_index(art_tok *t, const uint8_t key[32], og_buf *out);
void og_artifacts__tok_free(art_tok *t); /* wipes the words; NULL-safe */
/* Replace the artifact's index row: name and metadata from the row, body_index (NULL = no text)
 * unless keep_body, which keeps the indexed text. Inside the caller's transaction. */
int og_artifacts__index_put(og_ctx *ctx, const char *tenant_id, const art_row *a,
                            const char *body_index, int keep_body, const art_keys *keys);
int og_artifacts__index_remove(og_ctx *ctx, int64_t n);
/* ---- ranking of search's window on SQLite (rank.c) ---- */
#define ART_RANK_WORDS 16 /* query words at most */
#define ART_RANK_COLS  3  /* name, metadata, text */
/* One candidate: its index row, token count, where it holds each query word (bit 0 name, 1
 * metadata, 2 text) and its rank value (as FTS5's bm25(): negative, lower is better). */
typedef struct art_cand {
    int64_t rowid;
    int64_t dl;
    uint8_t cols[ART_RANK_WORDS];
    double score;
} art_cand;
/* A ranked query: its tokens (fq, space separated, and one by one), each word's document count
 * (-1: at least cap). */
typedef struct art_rank_query {
    const char *fq;
    const char *tok[ART_RANK_WORDS];
    int64_t docs[ART_RANK_WORDS];
    int64_t cap;
    size_t nq;
    int exact; /* scores must be bm25's own (not only its order): count every word in full */
} art_rank_query;
/* The newest `window` rows matching every token, ranked as FTS5's bm25(10, 4, 1) ranks them (ties
 * newest first). *out (caller frees) holds *n of them, best first. */
int og_artifacts__rank(og_ctx *ctx, const art_rank_query *q, int window, art_cand **out, size_t *n);
/* The parts, for tests: an SQLite varint (bytes used, 0 when cut short); FTS5's IDF; the weighted
 * frequency of a column set; bm25's value; the score of each candidate and the sort. */
size_t og_artifacts__varint(const uint8_t *p, size_t n, uint64_t *v);
double og_artifacts__bm25_idf(int64_t nrow, int64_t nhit);
double og_artifacts__rank_freq(unsigned cols);
double og_artifacts__bm25(const double *idf, const double *freq, size_t nq, double dl,
                          double avgdl);
void og_artifacts__rank_sort(art_cand *c, size_t n, const double *idf, size_t nq, double avgdl);

/* Index the artifact again from its latest version's content (undelete). Inside the caller's
 * transaction. */
int og_artifacts__reindex(og_ctx *ctx, const char *tenant_id, const art_row *a);
/* The index form of a name and metadata. */
int og_artifacts__index_meta(const uint8_t key[32], const char *name, json_t *meta,
                             og_buf *name_out, og_buf *meta_out);

/* ---- diff ---- */
/* Unified diff of two texts with `context` lines, headers from a_label/b_label. */
int og_artifacts__diff_unified(const char *a, size_t alen, const char *b, size_t blen,
                               const char *a_label, const char *b_label, int context, og_buf *out);

/* ---- gate kinds ---- */
int og_artifacts__set_state_exec(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                                 const char *from, const char *to, int rollback);

/* ---- small helpers ---- */
/* Run one statement inside the caller's transaction, its parameters bound in
 * order by the letters of types: 't' a text (const char *, NULL binds NULL), 'i' an int64_t, 'I'
 * an int64_t where 0 binds NULL, 'b' a blob (const void *, size_t), 'n' NULL (no argument).
 * 1 when it returned a row (a "SELECT 1 ..." check), 0 when not, or the error (OG_EEXISTS for a
 * uniqueness conflict, as og_stmt_step says). */
int og_artifacts__exec(og_ctx *ctx, const char *sql, const char *types, ...);
/* The argument of an og_stmt_collect() row function that reads through the context: the context,
 * the tenant, and the error of a row it could not build. */
typedef struct art_rows {
    og_ctx *ctx;
    const char *tenant_id;
    int error;
} art_rows;
/* og_stmt_collect() reporting the row function's own error (arg->error) rather than OG_ERROR. */
int og_artifacts__collect(og_stmt *st, og_stmt_row_fn row, art_rows *arg, json_t **out);
/* og_audit_log() in the artifacts area; analysis is stolen (NULL = none). */
int og_artifacts__audit(og_ctx *ctx, const char *tenant_id, const char *action,
                        const char *target_type, const char *target_id, json_t *analysis);
const char *og_artifacts__actor_label(const og_actor *a, char *out, size_t size);
bool og_artifacts__name_valid(const char *name);

/* Moving objects between chunk rows and files (obj_move.c, for obj_export.c and obj_import.c). */
#define OG_ARTIFACTS__OBJ_BATCH 100
typedef struct art_obj_ref {
    char tid[OG_ID_LEN], name[80], seal[OG_ID_LEN];
    int64_t size;
} art_obj_ref;
/* buf is the walk's buffer of piece bytes, for the call; arg is og_artifacts__obj_each's. */
typedef int (*art_obj_fn)(const art_obj_ref *o, uint8_t *buf, void *arg);
/* fn for every object outside its row, in (tenant, name) order, whose sealed bytes are in chunk
 * rows (chunked 1) or in neither chunk rows nor their row (chunked 0), read OG_ARTIFACTS__OBJ_BATCH
 * at a time, each batch whole before fn runs (one statement open at a time on the connection).
 * The first failure of fn stops the walk and is returned, its message wrapped as "<verb> artifact
 * object NAME of tenant ID". *objects and *bytes count the objects fn took and their stored size.
 */
int og_artifacts__obj_each(og_store *s, int chunked, size_t piece, const char *verb, art_obj_fn fn,
                           void *arg, int64_t *objects, int64_t *bytes);

#endif
