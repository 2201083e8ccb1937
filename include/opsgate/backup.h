/* backup.h - backups of a data-folder installation (one archive with a manifest), their
 * verification and restore (docs/ops.md "Backup and restore"). */
#ifndef OPSGATE_BACKUP_H
#define OPSGATE_BACKUP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"

/*
 * An archive is a tar file compressed with zstd: `opsgate.db` (a consistent snapshot of the
 * database), every artifact object file that snapshot references (`objects/<tenant>/<xx>/<name>`,
 * still sealed), the HTTPS listeners' public certificate records, with --include-keys
 * `keys/master.key.sealed` (the installation key under a passphrase, og_crypto_pass_seal), and
 * last `MANIFEST.json` (OG_BACKUP_MANIFEST): format, opsgate version, creation time, backend,
 * every module's schema version, where every audit chain stands (og_audit_chains), whether keys
 * are inside, and every other entry's path, size and SHA-256. An archive without its manifest at
 * the end (an interrupted backup) never verifies.
 */
#define OG_BACKUP_MANIFEST       "MANIFEST.json"
#define OG_BACKUP_FORMAT         "opsgate-backup"
#define OG_BACKUP_FORMAT_VERSION 1
#define OG_BACKUP_KEY_ENTRY      "keys/master.key.sealed"

/* Progress of a long step: phase ("database", "objects", "archive", "restore"), done and total
 * (bytes; total 0 when unknown). */
typedef void (*og_backup_progress)(const char *phase, int64_t done, int64_t total, void *arg);

typedef struct og_backup_opts {
    const char *pass; /* with include-keys: the passphrase (borrowed; never from argv) */
    size_t passlen;
    int include_keys;
    og_backup_progress progress; /* may be NULL */
    void *progress_arg;
    /* A PostgreSQL installation (ctx->data_dir NULL): its URL, and its key folder (for
     * include_keys). Ignored for a data folder. */
    const char *location;
    const char *keys_dir;
} og_backup_opts;

/*
 * Back up the data folder ctx->data_dir, or the PostgreSQL installation opts->location, into the
 * archive `to` while a server may be running on it: a snapshot of the database
 * (og_store_snapshot) with, on a data folder, every object file it references hard-linked while
 * the writer lock is held for that moment (so a later purge or re-seal cannot change what the
 * snapshot needs), the SQLite database's pages streamed into the archive with no temporary copy
 * (og_store_snapshot_stream); on PostgreSQL one REPEATABLE READ transaction's rows, artifact object
 * chunks included, become opsgate.db (a SQLite database, the manifest's backend "postgres"). Then
 * the archive is written to a temporary file next to `to`, fsynced and renamed onto `to` (never
 * over an existing file: OG_EEXISTS), its folder fsynced. An interrupted backup leaves only
 * temporary files (`.NAME.*` beside it, `backup-staging/` in the data folder), which the next
 * backup removes once no backup holds them. A disk found full is OG_ENOSPACE with nothing left
 * behind. Platform actors only (OG_EDENIED). *out (caller decrefs): {file, bytes, files, objects,
 * object_bytes, database_bytes, keys_included, chains: [...], seconds}.
 */
int og_backup_create(og_ctx *ctx, const char *to, const og_backup_opts *opts, json_t **out);

/*
 * Check an archive without restoring anything: every entry's SHA-256 and size against the
 * manifest, no entry missing, none extra or twice, the manifest last, its format known and its
 * paths safe. 0 when it holds; OG_ECORRUPT naming the first problem; OG_ENOTFOUND for a missing
 * file. *out (may be NULL; caller decrefs): the manifest without its file list, plus {files,
 * bytes}. Reads the archive once; memory grows with the number of entries, not their size.
 */
int og_backup_verify(const char *file, og_backup_progress fn, void *arg, json_t **out);

typedef struct og_restore_opts {
    const char *pass; /* opens keys/master.key.sealed (a backup made with keys) */
    size_t passlen;
    const char *master_key_file; /* or: the installation key kept apart (32 bytes, 0600) */
    og_backup_progress progress;
    void *progress_arg;
    /* Restoring into a PostgreSQL database: the key folder that gets master.key (made 0700 when
     * missing; one holding a key is refused). */
    const char *keys_dir;
} og_restore_opts;

/*
 * Restore an archive into the new data folder `data_dir`, or into the empty PostgreSQL database
 * `data_dir` names (og_store_url_is_server; opts->keys_dir needed), which goes as below and then,
 * once the unpacked installation verifies, copies its rows into the database (og_store_copy),
 * object files into chunk rows, the key into keys_dir, and verifies the audit trail there; a
 * database that holds an installation is refused (OG_EEXISTS) before anything is written; a
 * failure part way leaves it partly filled (drop and create it again). A backup of a PostgreSQL
 * installation restored into a folder gets its objects' chunk rows written as object files
 * (og_artifacts_objects_export) before the audit trail is verified.
 * A data folder: refused (OG_EEXISTS) when it exists;
 * the archive is unpacked into a temporary folder beside it while every hash is checked, the
 * installation key written from the archive (opts->pass) or from opts->master_key_file (one of
 * them is needed: OG_EINVAL), the installation opened (older schemas are migrated), the key
 * checked against it (og_crypto_master_key_fits), the audit trail verified (og_audit_verify),
 * and only then the folder renamed into place. Any failure (a bad hash, a wrong passphrase, a
 * disk found full: OG_ENOSPACE) removes the temporary folder: nothing half-written remains.
 * *out (caller decrefs): {data, files, bytes, objects, created, opsgate_version, audit: {chains,
 * records, checkpoints}, chains: [{chain, tenant, last_seq, last_time, checkpoint}], seconds,
 * check_seconds (of seconds: opening the installation and verifying its audit trail)}.
 */
int og_backup_restore(const char *file, const char *data_dir, const og_restore_opts *opts,
                      json_t **out);

/*
 * A tenant's data for handing over when a contract ends, into the new archive `to` (tar + zstd,
 * written as a backup is: temporary file, renamed when complete, never over a file):
 * MANIFEST.json (last: format "opsgate-tenant-export", tenant id
 * and name, counts, every file's size and SHA-256), artifacts/index.json (projects, their
 * artifacts and every version's facts, each with "file"), artifacts/<artifact id>/v<N> (the
 * content as uploaded, decrypted), certificates/index.json (the inventory's X.509 rows),
 * certificates/<fingerprint>.pem and .chain.pem, with private_keys also .key.pem (PKCS#8) for
 * those the inventory keeps a key of, audit/records.jsonl (the tenant's chain, as `audit export
 * --format jsonl`), audit/checkpoint.json (the latest signed checkpoint), audit/proofs.json
 * (inclusion proofs of the first and last record it covers) and audit/pubkey.pem (the key that
 * signs checkpoints). Tenant-admin of the tenant or platform-admin (OG_EDENIED; another tenant is
 * OG_ENOTFOUND). Audited as tenant.export once the archive is in place (if that record cannot
 * be written the archive is removed). *out (caller decrefs): the manifest without files, plus
 * file.
 */
int og_backup_tenant_export(og_ctx *ctx, const char *tenant, const char *to, int private_keys,
                            json_t **out);

#endif
