/* artifacts.h - the project artifact repository: projects, versioned artifacts in content-addressed
 * encrypted storage, locks, lifecycle through the gates, access grants, retention, legal holds and
 * search over an index that holds no readable words. */
#ifndef OPSGATE_ARTIFACTS_H
#define OPSGATE_ARTIFACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/gate.h"
#include "opsgate/util.h"

/*
 * Conventions of this module.
 * - tenant is a tenant name or id, project a project key, name an artifact name; all borrowed.
 * - Anything the actor may not see (another tenant's, a project without a right, a client viewer
 *   looking at an unpublished artifact) is OG_ENOTFOUND with the same message as an object that
 *   does not exist. OG_EDENIED only when the actor can see the object but lacks the right to act.
 * - Every change is audited in the transaction that makes it (area "artifacts"). Audit records
 *   name artifacts by id, never by name: names, metadata, messages and content are sealed with the
 *   tenant key at rest.
 * - The CLI and HTTP front ends map codes to exit codes and statuses; messages name the bad value.
 */

#define OG_ARTIFACT_NAME_MAX 200               /* bytes of an artifact name */
#define OG_ARTIFACT_META_MAX 65536             /* bytes of metadata JSON */
#define OG_ARTIFACT_MSG_MAX  4096              /* bytes of a version message */
#define OG_ARTIFACT_DIFF_MAX ((size_t)8 << 20) /* each side of a diff, bytes */

/* ---- rights ---- */
typedef enum og_artifact_right {
    OG_RIGHT_NONE = 0,
    OG_RIGHT_READ = 1,  /* list, get, log, diff, search */
    OG_RIGHT_WRITE = 2, /* put, restore, lock, set-state, delete */
    OG_RIGHT_ADMIN = 3, /* grants of the project, break locks, holds, purge */
} og_artifact_right;

const char *og_artifact_right_name(og_artifact_right r);            /* "read" */
int og_artifact_right_parse(const char *s, og_artifact_right *out); /* OG_EINVAL naming s */

/* ---- projects ---- */
typedef struct og_project {
    char id[OG_ID_LEN];
    char tenant_id[OG_ID_LEN];
    char key[64];   /* og_name_valid(), unique in the tenant; used in URLs */
    char name[256]; /* display name (not secret: not searched, not sealed) */
    char created_at[OG_TIME_LEN];
    char created_by[160];
    char archived_at[OG_TIME_LEN]; /* "" while not archived */
} og_project;

/* Needs OG_PERM_WRITE in the tenant with a project-manager or tenant-admin role (engineers
 * cannot create projects). OG_EEXISTS for a key already used. */
int og_project_create(og_ctx *ctx, const char *tenant, const char *key, const char *name,
                      og_project *out);
/* A project the actor has at least read on; OG_ENOTFOUND otherwise. */
int og_project_get(og_ctx *ctx, const char *tenant, const char *key, og_project *out);
/* Projects the actor can read, with its right on each, archived ones left out. Caller decrefs
 * *out (an array). */
int og_project_list(og_ctx *ctx, const char *tenant, json_t **out);
/* The same with the archived projects too. */
int og_project_list_all(og_ctx *ctx, const char *tenant, json_t **out);
json_t *og_project_to_json(const og_project *p);
/* Change a project's display name; the key stays (it is the stable identifier in commands,
 * URLs and the audit trail). Needs project-manager or tenant-admin (or platform) and a project
 * the actor can see (OG_ENOTFOUND otherwise). OG_ECONFLICT while archived. Audited as
 * project.rename with the old and new names. out may be NULL. */
int og_project_rename(og_ctx *ctx, const char *tenant, const char *key, const char *name,
                      og_project *out);
/* Archive (archive != 0) or unarchive a project. An archived project is read-only: no new
 * versions, restores, metadata, locks, deletes, state changes or generation (OG_ECONFLICT);
 * reading, legal holds and grants still work. Rights as for rename; OG_ECONFLICT when it is
 * already in that state. Audited as project.archive / project.unarchive. out may be NULL. */
int og_project_archive(og_ctx *ctx, const char *tenant, const char *key, int archive,
                       og_project *out);

/* ---- artifacts ---- */
typedef struct og_artifact_ref {
    const char *tenant;
    const char *project;
    const char *name;
} og_artifact_ref;

/* "sow", "change-order", "runbook", "closure", "template", "other". */
bool og_artifact_kind_valid(const char *kind);
/* "draft", "in-review", "approved", "published", "archived". */
bool og_artifact_state_valid(const char *state);
/* true when from -> to is an allowed lifecycle transition (see docs/artifacts.md). */
bool og_artifact_transition_allowed(const char *from, const char *to);

typedef struct og_artifact_version {
    char artifact_id[OG_ID_LEN];
    int64_t number;   /* 1, 2, 3 ... per artifact */
    char author[160]; /* actor label */
    char created_at[OG_TIME_LEN];
    uint64_t size; /* bytes of content */
    char media_type[128];
    char sha256[65]; /* hex of the content */
    char message[OG_ARTIFACT_MSG_MAX + 1];
    int64_t restored_from; /* the version this one restores, 0 if none */
    int created_artifact;  /* put only: 1 when this version created the artifact */
} og_artifact_version;
json_t *og_artifact_version_to_json(const og_artifact_version *v);

/* ---- streaming put: a new artifact, or a new version of an existing one ----
 *
 * begin checks rights, the project, the name, the kind, the lifecycle state and the lock, so a
 * doomed upload fails before any byte is sent. write compresses (zstd), seals (tenant key,
 * streaming) and writes to a temporary file under the data folder; memory stays flat (a few
 * hundred KiB) whatever the size, but for the content of a Markdown, text, HTML, PDF or DOCX
 * upload of at most ART_CLASSIFY_MAX (8 MiB), which the document classifier reads at finish
 * (docs/artifacts.md "Indexing"); no plaintext reaches the disk. finish checks everything
 * again in one transaction, stores the object once per tenant (identical content is kept once),
 * adds the version, updates the search index and audits it; *out may be NULL.
 * write does not touch the store, so a server may hand ctx->store back to its pool between
 * callbacks and put another connection in ctx->store before finish; ctx itself is borrowed until
 * finish or free.
 * free after finish or after any error (an unfinished upload is discarded).
 */
typedef struct og_artifact_put_opts {
    const char *kind;       /* new artifacts: default "other"; existing: NULL or their kind */
    const char *message;    /* may be NULL */
    const char *media_type; /* NULL: by the file name's extension, else sniffed from content */
    const char *filename;   /* a hint for the media type, may be NULL */
    const char *metadata;   /* a JSON object; NULL keeps the artifact's ({} for new ones) */
    /* The name of an artifact of the same project that is part of this version (a generated
     * document's data snapshot), or NULL. From then on that artifact cannot be deleted or purged
     * on its own: it is deleted, undeleted and purged with this one (docs/artifacts.md). It must
     * exist and not be deleted when the put finishes (OG_EINVAL naming it otherwise). */
    const char *part;
} og_artifact_put_opts;

typedef struct og_artifact_put og_artifact_put;
int og_artifact_put_begin(og_artifact_put **out, og_ctx *ctx, const og_artifact_ref *ref,
                          const og_artifact_put_opts *opts);
int og_artifact_put_write(og_artifact_put *p, const void *data, size_t len);
int og_artifact_put_finish(og_artifact_put *p, og_artifact_version *out);
void og_artifact_put_free(og_artifact_put *p); /* NULL-safe */

/* Convenience: put a whole buffer. */
int og_artifact_put_buffer(og_ctx *ctx, const og_artifact_ref *ref,
                           const og_artifact_put_opts *opts, const void *data, size_t len,
                           og_artifact_version *out);

/* ---- streaming get ----
 *
 * No byte goes out before it is verified: contents up to 1 MiB are decoded and checked (every
 * chunk's tag, the end of the stream, the SHA-256 of the version) in memory before the first read;
 * larger ones are decoded twice with flat memory, the first pass checks everything and the second
 * releases, and is checked again (a read at the end fails with OG_ECORRUPT if the file changed in
 * between). version 0 = the latest. *info (may be NULL) receives the version's facts.
 * After open the reader no longer uses ctx or its store. read returns *got = 0 at the end.
 */
typedef struct og_artifact_reader og_artifact_reader;
int og_artifact_get_open(og_artifact_reader **out, og_ctx *ctx, const og_artifact_ref *ref,
                         int64_t version, og_artifact_version *info);
int og_artifact_get_read(og_artifact_reader *r, void *buf, size_t cap, size_t *got);
void og_artifact_get_close(og_artifact_reader *r); /* NULL-safe */

/* The content of version `version` (0 = the latest) of a tenant's artifact by its id, with its
 * name, for the system's readers (event handlers: events carry artifact ids, never the sealed
 * names). At most cap bytes (OG_ETOOBIG past); *out is initialised here, the caller frees it.
 * Checked as og_artifact_get_open() checks; info may be NULL. */
int og_artifact_read_id(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                        int64_t version, size_t cap, char name[OG_ARTIFACT_NAME_MAX + 1],
                        og_artifact_version *info, og_buf *out);

/* ---- indexing: the document classifier's proposal (docs/artifacts.md "Indexing") ---- */

/* The metadata a person corrects (each NULL: not given): the client (1..200 bytes), the total
 * ("12,500.00", "$12,500", "12.500,00 EUR": an amount, at most 64 bytes) and the document's
 * date (YYYY-MM-DD). */
typedef struct og_artifact_correction {
    const char *client, *total, *date;
} og_artifact_correction;

/*
 * A person's correction of the proposal of the latest version: its kind (sow, change-order,
 * runbook, closure, other) and the metadata fix gives (may be NULL). The proposal keeps it
 * (with "confirmed_by") and the classifier learns the kind and each field given as the
 * document's labels at its next training. The artifact's own kind does not change. Needs the
 * write right on the project; audited as artifact.classify. OG_EINVAL for an unknown kind, a
 * total that is no amount or a date that is no YYYY-MM-DD; OG_ENOTFOUND when the version has no
 * proposal. *out (may be NULL): the corrected proposal.
 */
int og_artifact_classify(og_ctx *ctx, const og_artifact_ref *ref, const char *kind,
                         const og_artifact_correction *fix, json_t **out);

/* ---- version control ---- */
/* Artifacts the actor can see (client viewers: published ones of granted projects), project
 * NULL = all projects. include_deleted lists soft-deleted ones too (needs write). */
int og_artifact_list(og_ctx *ctx, const char *tenant, const char *project, int include_deleted,
                     json_t **out);
int og_artifact_show(og_ctx *ctx, const og_artifact_ref *ref, json_t **out);
/* The newest version of the artifact that was published (a move to published executed, through
 * its gate, and not rolled back since) below `below` (0: any); *out 0 when none. Needs read.
 * Publishes from before schema step artifacts 7 were not recorded. */
int og_artifact_published_version(og_ctx *ctx, const og_artifact_ref *ref, int64_t below,
                                  int64_t *out);
/* Versions, newest first. */
int og_artifact_log(og_ctx *ctx, const og_artifact_ref *ref, json_t **out);
/* A unified diff (3 lines of context, Myers' algorithm) from version `from` to `to`, appended to
 * out; for binary content a one-line note naming both sizes and hashes. Each side is capped at
 * OG_ARTIFACT_DIFF_MAX bytes (OG_ETOOBIG). */
int og_artifact_diff(og_ctx *ctx, const og_artifact_ref *ref, int64_t from, int64_t to,
                     og_buf *out);
/* A new version whose content equals version `version`. */
int og_artifact_restore(og_ctx *ctx, const og_artifact_ref *ref, int64_t version,
                        const char *message, og_artifact_version *out);
/* Replace the artifact's metadata (a JSON object). Needs write. */
int og_artifact_metadata_set(og_ctx *ctx, const og_artifact_ref *ref, const char *metadata);

/* ---- locks ----
 * An exclusive edit lock: while it holds, only its owner may put, restore, set metadata or
 * delete. ttl_us <= 0 = one hour. Locking again by the owner extends it. OG_ECONFLICT naming the
 * holder and the expiry when another actor holds it. */
int og_artifact_lock(og_ctx *ctx, const og_artifact_ref *ref, int64_t ttl_us, json_t **out);
/* The owner unlocks; force = break another actor's lock (admin right: tenant-admin, platform or
 * an admin grant), audited as artifact.lock.break with the holder. */
int og_artifact_unlock(og_ctx *ctx, const og_artifact_ref *ref, int force);

/* ---- lifecycle, through the gate engine ----
 * Moving to "published" is action kind "artifacts.publish.<artifact kind>" (e.g.
 * "artifacts.publish.sow"); every other transition is "artifacts.set-state". All default to L0
 * and are reversible (rollback restores the previous state). Returns 0 when done, OG_EPENDING
 * when the tenant's policy holds it for approval (out->gate_id names the gate item).
 * OG_ECONFLICT for a transition the lifecycle does not allow, naming both states.
 * out may be NULL; when set, the caller decrefs out->result. */
int og_artifact_set_state(og_ctx *ctx, const og_artifact_ref *ref, const char *state,
                          og_gate_outcome *out);
/* Register the action kinds with the gate engine. Idempotent and thread-safe; every entry point
 * of this module calls it, so wiring it at startup is only needed for `gate kinds` listings and
 * for approvals decided before any artifact call in a process. */
int og_artifacts_register_kinds(void);
/* Register the audit trail's namers of projects and (sealed) artifacts. */
int og_artifacts_audit_names_register(void);

/* ---- retention, deletion, legal holds ---- */
/* keep_us after archive for artifacts of `kind` (0 removes the policy). Needs tenant-admin. */
int og_artifact_retention_set(og_ctx *ctx, const char *tenant, const char *kind, int64_t keep_us);
int og_artifact_retention_list(og_ctx *ctx, const char *tenant, json_t **out);
/* Parse "30d", "7y", "6w", ... into microseconds (a year is 365 days). OG_EINVAL naming s. */
int og_artifact_keep_parse(const char *s, int64_t *out_us);
/* Soft delete (write): hidden from every listing, kept until purge. Refused under a legal hold.
 * An artifact that is part of another live one (a data snapshot of a generated document) is
 * refused with OG_ECONFLICT naming the document; deleting the document deletes its parts that
 * no other live artifact holds (each audited, refused as a whole if one is held or locked). */
int og_artifact_delete(og_ctx *ctx, const og_artifact_ref *ref);
/* Undo a soft delete (write, the same right as delete): the artifact is listed, found and
 * searchable again with all its versions, and so are the parts deleted with it. Works until the
 * artifact is purged (purge waits for retention). OG_ECONFLICT when it is not deleted. Audited
 * as artifact.undelete. *out (may be NULL) receives the artifact as og_artifact_show does. */
int og_artifact_undelete(og_ctx *ctx, const og_artifact_ref *ref, json_t **out);
/* Purge a soft-deleted artifact (admin): versions, index entry and objects no other version
 * uses (object files go after the commit: call it outside any transaction of the caller's). Refused
 * (OG_ECONFLICT, saying why and until when) under a legal hold or while retention keeps it: the
 * clock starts at archive, or at deletion if it was never archived. A part of another artifact
 * is refused while that one exists; purging the whole purges its deleted parts that nothing
 * else holds and that no hold or retention keeps (the others stay, deleted, on their own). */
int og_artifact_purge(og_ctx *ctx, const og_artifact_ref *ref);
/* A legal hold on an artifact (name set) or a whole project (name NULL). Needs admin. reason is
 * required. OG_EEXISTS when one holds already; OG_ENOTFOUND when clearing a hold that is not set.
 */
int og_artifact_hold_set(og_ctx *ctx, const og_artifact_ref *ref, const char *reason);
int og_artifact_hold_clear(og_ctx *ctx, const og_artifact_ref *ref, const char *reason);
/* Setting a hold needs the admin right on the project; clearing one needs the tenant-admin or
 * platform-admin role (an admin grant on the project is not enough: OG_EDENIED). */
/* Holds of the tenant, active ones, or all with history when all != 0. */
int og_artifact_hold_list(og_ctx *ctx, const char *tenant, int all, json_t **out);

/* The tenant deletion blocker of this module (og_tenant_blocker_fn, registered by
 * og_app_register_all): appends to out one object per active legal hold and per artifact that
 * retention still keeps (a live artifact of a kind with a retention policy, or one whose
 * retention has not run out), at most 20 of each plus a count of the rest, each with "text"
 * naming it and "hint" saying what clears it; "type" is "hold" or "retention" with "project",
 * "artifact" (when about one), and for retention "until" (absent while the clock has not
 * started). tenant_id is an id; no rights are checked (the caller is deleting the tenant). */
int og_artifacts_tenant_blockers(og_ctx *ctx, const char *tenant_id, json_t *out);

/* Remove DATA/objects/<tenant-id>/ (the tenant's object files) after the tenant was deleted: its
 * key is destroyed already, so the files are unreadable; this frees the space. Call after the
 * deleting transaction committed. A missing folder is not an error. OG_EINVAL for a tenant_id
 * that is not an id (no path tricks). */
int og_artifacts_tenant_files_remove(const char *data_dir, const char *tenant_id);

/* Interrupted uploads leave their temporary files (DATA/objects/<tenant>/tmp/<id>.part, sealed
 * ciphertext that nothing refers to). Remove those whose last change is older than min_age_s
 * (0: OG_ARTIFACTS_TMP_STALE_S; OG_ARTIFACTS_TMP_ANY_AGE: whatever their age) and that no writer
 * holds: a live upload keeps an exclusive flock on its file from its creation until it is
 * renamed into place or removed, so even a stalled upload older than the age is left alone. Only
 * regular files named *.part directly under each tenant's tmp/ are touched. *removed (may be NULL)
 * counts them. A missing objects/ folder is not an error. Called when `opsgate serve` starts. */
#define OG_ARTIFACTS_TMP_STALE_S 3600
#define OG_ARTIFACTS_TMP_ANY_AGE (-1)
int og_artifacts_tmp_sweep(const char *data_dir, int64_t min_age_s, int *removed);
/* Without a data folder (ctx->data_dir NULL) objects' bytes are art_object_chunks rows, written
 * as an upload streams, before the transaction that records the object. An interrupted upload
 * (a crash, a lost connection) leaves chunks that no object names: remove those written more than
 * min_age_s ago (0: OG_ARTIFACTS_TMP_STALE_S; OG_ARTIFACTS_TMP_ANY_AGE: any age, only while no
 * upload runs on any node). *removed (may be NULL) counts the rows. */
int og_artifacts_chunks_sweep(og_ctx *ctx, int64_t min_age_s, int *removed);

/* ---- access governance ---- */
/* Grant a user (name) a right on a project, until until_us (0 = no expiry); replaces the user's
 * grant on that project. client-viewer users can only be granted read. Needs admin. */
int og_access_grant(og_ctx *ctx, const char *tenant, const char *project, const char *user,
                    og_artifact_right right, int64_t until_us);
/* OG_ENOTFOUND when the user has no grant on the project. */
int og_access_revoke(og_ctx *ctx, const char *tenant, const char *project, const char *user);
/* Who can read, write and administer which project, and why (role or grant, with expiry).
 * Needs tenant-admin or auditor. Caller decrefs *out: {"tenant":..., "entries":[...]}. */
int og_access_report(og_ctx *ctx, const char *tenant, json_t **out);

/* What a front end asks before it offers a button: whether the actor may do op on the project,
 * by the very checks the operation itself makes first (the right on the project, read-only
 * archived projects for state moves, the role needed to clear a hold), without doing it and
 * without an audit record. 0 when it may; otherwise the code and message the operation would
 * give (OG_ENOTFOUND, OG_EDENIED, OG_ECONFLICT). Object-level checks come later (the artifact's
 * state and lock, an existing hold, separation of duties): the operation may still refuse. */
typedef enum og_artifact_op {
    OG_ARTIFACT_OP_SET_STATE,  /* og_artifact_set_state */
    OG_ARTIFACT_OP_HOLD_SET,   /* og_artifact_hold_set */
    OG_ARTIFACT_OP_HOLD_CLEAR, /* og_artifact_hold_clear */
    OG_ARTIFACT_OP_GRANT,      /* og_access_grant, og_access_revoke */
} og_artifact_op;
int og_artifact_may(og_ctx *ctx, const char *tenant, const char *project, og_artifact_op op);

/* ---- search ----
 * Full-text search over names, metadata and the latest version's text (text-like media types)
 * of the artifacts the actor can read; ranked (BM25, names weigh most; when even the rarest query
 * word is in more than 4,000 documents, newest first) with snippets built from the decrypted
 * content. The index holds only keyed hashes of words (HMAC-SHA256 under a
 * per-tenant search key). limit 1..100 (0 = 20). Caller decrefs *out (an array). */
int og_artifact_search(og_ctx *ctx, const char *tenant, const char *query, int limit, json_t **out);
/* og_artifact_search with flags. OG_ARTIFACT_SEARCH_EXHAUSTIVE: the reference ranking, every
 * candidate scored by the plain statement (slower; for tests and the benchmark, which check the
 * fast path against it). OG_ARTIFACT_SEARCH_SCORES: each result also carries "score" (its rank
 * value, lower is better; ties compare equal). */
#define OG_ARTIFACT_SEARCH_EXHAUSTIVE 1u
#define OG_ARTIFACT_SEARCH_SCORES     2u
int og_artifact_search_ex(og_ctx *ctx, const char *tenant, const char *query, int limit,
                          unsigned flags, json_t **out);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_artifacts_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

/* `opsgate migrate`: after og_store_copy moved the rows of a data-folder installation into a
 * store without a folder (to->data_dir NULL), copy the sealed bytes of every object kept as a
 * file under data_dir/objects into that store's chunk rows, as they are (nothing is decrypted:
 * the keys moved with the rows). Objects already there are skipped, so a run that stopped can be
 * run again. *objects and *bytes count what was copied. OG_ECORRUPT for a file that is missing or
 * not the size its row says. */
int og_artifacts_objects_import(og_ctx *to, const char *data_dir, int64_t *objects, int64_t *bytes);

/* The inverse, for a backup of a PostgreSQL installation restored into a data folder: every
 * object of ctx->store whose sealed bytes are art_object_chunks rows written as the same bytes to
 * its file under ctx->data_dir (fsynced, renamed into place), then its chunk rows deleted (each
 * object by itself: run again after a failure, it goes on). Nothing is decrypted. No rights are
 * checked: the caller is the operator's restore. *objects and *bytes count what was written. */
int og_artifacts_objects_export(og_ctx *ctx, int64_t *objects, int64_t *bytes);

/* `opsgate backup`: every object of ctx->store kept as a file under ctx->data_dir (not inline),
 * in (tenant, name) order: fn(relpath, stored_size, arg) with relpath relative to the data folder
 * ("objects/<tenant-id>/<2 hex>/<name>"), borrowed for the call; a negative return stops the walk
 * and is returned. SELECTs only, no transaction of its own (it runs inside a snapshot's read
 * transaction, og_store_snapshot). No rights are checked: the caller is the operator's backup. */
typedef int (*og_artifacts_file_fn)(const char *relpath, int64_t stored_size, void *arg);
int og_artifacts_object_files(og_ctx *ctx, og_artifacts_file_fn fn, void *arg);

#endif
