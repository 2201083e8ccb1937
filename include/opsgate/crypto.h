/* crypto.h - envelope encryption at rest (a data key per tenant, wrapped by a key-encryption key),
 * hashes, randomness and signatures. The only owner of OpenSSL's EVP calls. */
#ifndef OPSGATE_CRYPTO_H
#define OPSGATE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/store.h"
#include "opsgate/util.h"

typedef struct og_keyring og_keyring;

#define OG_MASTER_KEY_FILE "master.key"

/* ---- installation ---- */
/* Write a new random 256-bit master key to DATA_DIR/master.key with mode 0600. Refuses to overwrite
 * (OG_EEXISTS, naming the path). The folder must exist. */
int og_crypto_master_key_create(const char *data_dir);
/* Copy the master key file of from_dir into to_dir (a key folder; 0600, checked as it is loaded,
 * never over an existing key): `opsgate migrate`. */
int og_crypto_master_key_copy(const char *from_dir, const char *to_dir);

/* Load the key-encryption key(s) of an installation: DATA_DIR/master.key as the "master" KEK
 * provider, the default for new data keys. A missing key file is OG_ENOTFOUND; a file of the wrong
 * size or with permissions wider than 0600 is OG_EINVAL; both messages name the file.
 * Caller frees with og_keyring_free().
 * Thread-safe once opened (the server shares one keyring between threads). */
int og_keyring_open(og_keyring **out, const char *data_dir);
void og_keyring_free(og_keyring *k); /* NULL-safe; wipes key material */

/*
 * The keyring's cache of unwrapped data keys: one arena locked in memory (mlock; a failing mlock
 * is reported once per process on stderr, and info.locked says so), at most capacity keys, each
 * kept at most ttl_us after it was unwrapped (default OG_KEYRING_CACHE_TTL_S). A key leaving the
 * cache (expiry, eviction, revoke, re-wrap, destroy, og_keyring_free) is zeroized.
 * Providers that read their key at every use (file) are never cached.
 */
#define OG_KEYRING_CACHE_TTL_S 300
typedef struct og_keyring_cache_info {
    size_t entries, capacity;
    int64_t ttl_us; /* 0: nothing is cached */
    int locked;     /* 1 when the arena is mlock'ed */
} og_keyring_cache_info;
/* Set the lifetime of cached keys (0: cache nothing); entries already cached keep at most the new
 * lifetime. Thread-safe. */
void og_keyring_cache_ttl_set(og_keyring *k, int64_t ttl_us);
void og_keyring_cache_info_get(og_keyring *k, og_keyring_cache_info *out);
/* Zeroize the expired entries and those of scopes whose key was revoked or destroyed in the store
 * (by any process), for a server to run every few seconds. *dropped (may be NULL): how many. */
int og_keyring_cache_sweep(og_keyring *k, og_store *s, size_t *dropped);

/* ---- per-tenant data keys ----
 * scope is a tenant id, or NULL for the platform scope (platform secrets such as the audit signing
 * key). Both run inside the caller's transaction if it has one.
 *
 * Each scope has one random 256-bit data key (DEK), stored only wrapped by a KEK, in the crypto
 * module's table together with the KEK provider's name and key version. Unwrapped DEKs are cached
 * in the keyring, but every seal and open first reads the wrapped row: once a key is destroyed
 * (in this process or another one, e.g. the CLI while the server runs) nothing of the scope opens.
 */
/* OG_EEXISTS when the scope already has a key. Uses the keyring's "master" KEK. */
int og_crypto_scope_key_create(og_keyring *k, og_store *s, const char *scope);
/* The same, wrapping the data key with the KEK registered under kek_name (og_keyring_kek_add()):
 * the way a tenant's customer-managed key will be chosen. OG_ENOTFOUND for an unknown name. */
int og_crypto_scope_key_create_with(og_keyring *k, og_store *s, const char *scope,
                                    const char *kek_name);
/* Crypto-shred: destroy the wrapped data key; everything sealed under it becomes unreadable.
 * OG_ENOTFOUND when the scope has no key. A key created again for the scope is a new random key
 * and does not open data sealed under the destroyed one.
 * Note the row is deleted from the live database only: backups and database pages not yet
 * overwritten keep the wrapped key until the store overwrites them. */
int og_crypto_scope_key_destroy(og_keyring *k, og_store *s, const char *scope);
/* true when the scope has a data key; false when not, or when the database cannot tell (the
 * thread's error is then set). */
bool og_crypto_scope_key_exists(og_store *s, const char *scope);

/* Which KEK holds a scope's data key. */
typedef struct og_crypto_key_info {
    char provider[32]; /* "master", "file" */
    int64_t key_version;
    char *config; /* malloc'ed, caller frees: the provider's configuration (the key file's
                   * path), NULL for master; never a secret */
    char created_at[40];
    char revoked_at[40]; /* "" unless the key is revoked (og_crypto_scope_key_revoke) */
} og_crypto_key_info;
/* OG_ENOTFOUND when the scope has no key. */
int og_crypto_scope_key_info(og_store *s, const char *scope, og_crypto_key_info *out);
/*
 * Re-wrap a scope's data key under another KEK: provider "master" (config NULL) or "file" (config
 * = the absolute path of a 32-byte, 0600 key file, checked now). The data key itself does not
 * change, so nothing sealed is re-encrypted. The provider, key version and configuration are
 * stored with the wrapped key (a restarted process finds them); from then on only that KEK opens
 * the scope's data, never another one. Fails, changing nothing, when the current KEK cannot open
 * the key or the new one is unusable. Runs in the caller's transaction if it has one.
 */
int og_crypto_scope_key_rewrap(og_keyring *k, og_store *s, const char *scope, const char *provider,
                               const char *config);
/* Rotate: the same, to a new key of the scope's current customer-managed provider (a new key
 * file, another key in the token), recorded as the next key version. OG_ECONFLICT when the scope
 * is under master or another provider. */
int og_crypto_scope_key_rotate(og_keyring *k, og_store *s, const char *scope, const char *provider,
                               const char *config);

/*
 * Revoke a scope's data key: nothing of the scope opens any more (og_crypto_seal and
 * og_crypto_open fail with OG_ELOCKED, detail OG_CRYPTO_DETAIL_KEY_REVOKED), in every process at
 * its next use, since the flag is in the key's row; the cached key is zeroized here at once, and
 * by og_keyring_cache_sweep elsewhere. Nothing is deleted. OG_ENOTFOUND without a key,
 * OG_ECONFLICT when already revoked. Runs in the caller's transaction if it has one.
 */
#define OG_CRYPTO_DETAIL_KEY_REVOKED "tenant_key_revoked"
/* A tenant under the file provider whose key file is gone (ENOENT): the client withdrew its key.
 * OG_ELOCKED too (423), until the file is back; no restore is needed. */
#define OG_CRYPTO_DETAIL_KEY_WITHDRAWN "tenant_key_withdrawn"
int og_crypto_scope_key_revoke(og_keyring *k, og_store *s, const char *scope);
/*
 * Restore a revoked key: the KEK of the scope's provider must unwrap the stored data key, opened
 * from config when given (the key brought back elsewhere: another key file path, another PIN
 * file; the same provider only), else from the stored configuration. A KEK that does not unwrap
 * it is refused (OG_ECORRUPT, or OG_EBUSY when the key is still unavailable) and the scope stays
 * revoked. OG_ECONFLICT when not revoked, OG_EINVAL for another provider.
 */
int og_crypto_scope_key_restore(og_keyring *k, og_store *s, const char *scope, const char *provider,
                                const char *config);
/* 0 when the scope's key is usable or the scope has none; OG_ELOCKED (a message saying since when
 * and the detail above) when it is revoked, or (detail OG_CRYPTO_DETAIL_KEY_WITHDRAWN) when it is
 * under a key file that does not exist; another code when the store fails. */
int og_crypto_scope_key_check(og_store *s, const char *scope);
/*
 * og_crypto_scope_key_check for a request that is about to use the scope's key several times: it
 * reads the whole key row, and when the key is usable the calling thread uses that row for the
 * scope outside a transaction (og_crypto_seal, og_crypto_open, streams) instead of reading it
 * again at each use, until og_crypto_scope_key_release(). A transaction still reads the row
 * itself (so a write refuses a key revoked or rotated since the check), a change of the row by
 * this thread drops the hold, and unwrapping still goes through the KEK provider (a client's key
 * file taken away still refuses at its next use). Same answers as og_crypto_scope_key_check.
 * Release is a no-op without a hold; call it when the request's work in this thread is done.
 */
int og_crypto_scope_key_hold(og_store *s, const char *scope);
void og_crypto_scope_key_release(void);

/*
 * For a scheduled job (a certificate scan or expiry alert, an ACME renewal, a connector sync) about
 * to work for a tenant: OG_ELOCKED (the message of og_crypto_scope_key_check) when the tenant's key
 * is revoked or withdrawn, counted for opsgate_jobs_skipped_total{job, reason="key_revoked" or
 * "key_withdrawn"}: the job skips the tenant; 0 when it may go on; another code when the store
 * fails. job is a short fixed name ("acme.renew").
 */
int og_crypto_job_check(og_store *s, const char *tenant_id, const char *job);
/* The counts of og_crypto_job_check in this process, in the Prometheus text format. */
int og_crypto_metrics_render(og_buf *out);

/*
 * Seal plaintext for (scope, object_id) with AES-256-GCM under the scope's data key. The scope and
 * the object id are bound as associated data: a ciphertext copied to another row or another tenant
 * fails to open with OG_ECORRUPT and a clear message. Caller frees *out.
 *
 * Format: 1 version byte (0x02) | the data-key version that sealed it (4 bytes, big endian) |
 * 12-byte random nonce | ciphertext | 16-byte tag, so *outlen = len + OG_CRYPTO_SEAL_OVERHEAD.
 * Associated data: "opsgate-seal-v1" NUL, the version byte, the 4 data-key version bytes, the
 * scope key (tenant id, or "@platform"), NUL, the object id. Format 0x01 (before data-key
 * versions: no version bytes, overhead 29) still opens, as data-key version 1.
 * object_id must be a non-empty string (OG_EINVAL otherwise).
 * Errors: OG_ENOTFOUND when the scope has no data key (destroyed or never created);
 * on open, OG_ECORRUPT for truncated input, an unknown version byte, or a tag that does not verify.
 * *out of og_crypto_open() is wiped and freed by the caller if it is secret.
 */
#define OG_CRYPTO_SEAL_OVERHEAD (1 + 4 + 12 + 16)
int og_crypto_seal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                   const void *plaintext, size_t len, uint8_t **out, size_t *outlen);
int og_crypto_open(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                   const void *sealed, size_t len, uint8_t **out, size_t *outlen);

/* ---- streaming seal, for large files with flat memory ----
 *
 * Format: a 37-byte header (version byte 0x02 | the data-key version, 4 bytes big endian |
 * 32-byte random salt; format 0x01, before data-key versions, has a 33-byte header without the
 * version bytes and opens as data-key version 1), then chunks of
 * OG_CRYPTO_STREAM_CHUNK plaintext bytes each sealed with AES-256-GCM (ciphertext | 16-byte tag);
 * the last chunk holds 0..OG_CRYPTO_STREAM_CHUNK bytes and is marked final. An empty plaintext is
 * one empty final chunk.
 * - Each stream has its own key, HMAC-SHA256(scope DEK, "opsgate-stream-v1 key" NUL salt), so
 *   nonces never repeat across streams; the nonce of chunk i is 4 zero bytes | i (64-bit big
 *   endian): a reordered, dropped or duplicated chunk fails.
 * - Each chunk's associated data is "opsgate-stream-v1" NUL, the header, the scope key, NUL, the
 *   object id, NUL, and a final flag byte: a stream cut after any chunk boundary, or extended past
 *   its final chunk, fails; so does a stream moved to another object or tenant.
 *
 * Bytes go out through a sink callback as soon as each chunk is complete; memory stays at about
 * two chunks whatever the size. The sink returns 0 or a negative og_errcode (with a message),
 * which the stream call returns as is.
 *
 * Opening releases each chunk's plaintext once that chunk authenticates, before the end of the
 * stream is known: a stream is whole only when og_crypto_stream_open_finish() returns 0, so write
 * the output somewhere temporary and only use it after that (truncation is detected at finish).
 *
 * After any error the stream refuses further input; free it with og_crypto_stream_free().
 */
#define OG_CRYPTO_STREAM_CHUNK      65536
#define OG_CRYPTO_STREAM_HEADER_LEN 37
#define OG_CRYPTO_STREAM_TAG_LEN    16

typedef struct og_crypto_stream og_crypto_stream;
typedef int (*og_crypto_sink)(void *ctx, const void *data, size_t len);

/* Start sealing; writes the header through the sink. Caller frees with og_crypto_stream_free(). */
int og_crypto_stream_seal_begin(og_crypto_stream **out, og_keyring *k, og_store *s,
                                const char *scope, const char *object_id, og_crypto_sink sink,
                                void *sink_ctx);
int og_crypto_stream_seal_update(og_crypto_stream *st, const void *data, size_t len);
/* Seal and write the final chunk. s is a store of the caller's now (not necessarily the one the
 * stream began with: a server gives its store back while a body streams in): the data-key
 * version the stream is sealed under is checked to still exist. A stream never uses the store it
 * began with after begin (an opener loads the scope's earlier data-key versions at begin). */
int og_crypto_stream_seal_finish(og_crypto_stream *st, og_store *s);
/* Inside the transaction that stores a sealed stream (begun or finished): 0 when the data-key
 * version it is sealed under is still the scope's current one; OG_EBUSY ("write it again") when a
 * rotation made it an earlier one meanwhile. Rotating and destroying earlier versions take the
 * writer lock exclusively, so a stream stored by a transaction that passed this check is either
 * under the current version or found by the rotation's walkers: never under a destroyed one. */
int og_crypto_stream_check_current(const og_crypto_stream *st, og_store *s);

/* Start opening; plaintext goes out through the sink. Looks up the scope's key at once, so a
 * destroyed key fails here with OG_ENOTFOUND. Caller frees with og_crypto_stream_free(). */
int og_crypto_stream_open_begin(og_crypto_stream **out, og_keyring *k, og_store *s,
                                const char *scope, const char *object_id, og_crypto_sink sink,
                                void *sink_ctx);
/* OG_ECORRUPT when a chunk does not authenticate (tampered, reordered, wrong object or tenant). */
int og_crypto_stream_open_update(og_crypto_stream *st, const void *data, size_t len);
/* OG_ECORRUPT when the stream is truncated (no final chunk) or has bytes after its final chunk. */
int og_crypto_stream_open_finish(og_crypto_stream *st);

void og_crypto_stream_free(og_crypto_stream *st); /* NULL-safe; wipes key material */

/* Re-seal a stream under the scope's current data-key version (same scope and object id, a new
 * salt): the sealed bytes come from src (returns 0 with *got = 0 at the end, or an error), the new
 * ones go to sink. Memory stays at a few chunks. As with opening, the output is whole only when
 * this returns 0: write it somewhere temporary and replace the original only then. */
typedef int (*og_crypto_source)(void *ctx, void *buf, size_t cap, size_t *got);
int og_crypto_stream_reseal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                            og_crypto_source src, void *src_ctx, og_crypto_sink sink,
                            void *sink_ctx);

/* The sealed size of a plaintext of len bytes (header, chunks and tags). */
uint64_t og_crypto_stream_sealed_size(uint64_t len);

/* ---- data-key versions and rotation (datakey.c) ----
 * A scope's data key has a version (1 when created); every sealed value and stream names the
 * version that sealed it. Rotating makes a new version that new seals use at once; the earlier
 * ones are kept (each wrapped by the current data key, so KEK re-wraps and revocations cover
 * them) until og_crypto_datakey_retire() destroys them, once everything is re-sealed.
 */
/* Make a new data-key version for the scope, wrapped by the scope's current KEK. OG_ECONFLICT
 * when an earlier rotation still keeps old versions (finish it first); OG_ENOTFOUND when the
 * scope has no key. *new_version (may be NULL) receives the new version. Runs in the caller's
 * transaction if it has one. */
int og_crypto_datakey_rotate(og_keyring *k, og_store *s, const char *scope, int64_t *new_version);
/* Destroy every kept earlier version of the scope's data key (overwritten, then deleted): data
 * still sealed under them no longer opens. *n (may be NULL) receives how many were destroyed. */
int og_crypto_datakey_retire(og_keyring *k, og_store *s, const char *scope, int *n);
/* The current data-key version of a scope and the oldest one still kept (== current when none
 * is). OG_ENOTFOUND when the scope has no key. */
int og_crypto_datakey_versions(og_store *s, const char *scope, int64_t *current, int64_t *oldest);
/* The data-key version named by a sealed value (og_crypto_seal) or by the first bytes of a stream
 * (is_stream != 0; at least OG_CRYPTO_STREAM_HEADER_LEN bytes, or the whole stream if shorter).
 * OG_ECORRUPT for a value of an unknown format. */
int og_crypto_sealed_version(const void *sealed, size_t len, int is_stream, int64_t *version);
/* Re-seal a value for (scope, object_id) under the scope's current data-key version: 1 with *out
 * (caller frees) when it was sealed under an earlier version, 0 with *out NULL when it is under
 * the current one already; errors as og_crypto_open(). */
int og_crypto_reseal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                     const void *sealed, size_t len, uint8_t **out, size_t *outlen);

/*
 * Re-sealing a module's sealed column after a rotation, in batches. A module describes each of its
 * sealed columns with SQL over its own tables (? are bound in the order shown):
 *   count:  SELECT count(*) ... WHERE <tenant> = ?1
 *   select: SELECT <key>, <object id>, <sealed> ... WHERE <tenant> = ?1 AND <key> > ?2
 *           ORDER BY <key> LIMIT ?3                (the key is text, unique in the table)
 *   update: UPDATE ... SET <sealed> = ?1 WHERE <key> = ?2 AND <tenant> = ?3
 * and calls og_crypto_reseal_parts() from its og_<module>_reseal() function.
 */
typedef struct og_crypto_reseal_part {
    const char *name; /* for messages: "connectors.secret" */
    const char *count, *select, *update;
} og_crypto_reseal_part;
/* One batch of a walker (a module's og_<module>_reseal): in: part and cursor (where the last
 * batch stopped; 0 and "" at first), limit (items per batch), counting (count only: total = the
 * items of every part, nothing changed); out: part, cursor advanced, seen (items looked at),
 * changed (items re-sealed), finished (nothing left). */
typedef struct og_crypto_reseal_batch {
    int part;
    char cursor[256];
    int limit;
    int counting;
    int64_t total, seen, changed;
    int finished;
} og_crypto_reseal_batch;
/* Run one batch over parts[0..n) for a tenant, in the caller's transaction: re-seals each row not
 * yet under the current data-key version (og_crypto_reseal) and updates it. */
int og_crypto_reseal_parts(og_keyring *k, og_store *s, const char *tenant_id,
                           const og_crypto_reseal_part *parts, size_t n, og_crypto_reseal_batch *b);

/* Progress of a tenant's re-seal, one row per walker, in the crypto module's table (so that it is
 * resumable after a crash). start: (re)creates the walker's row for dek_version with its total
 * unless one for that version exists (then it is kept: a resumed run goes on from its cursor).
 * get: the walker's row (OG_ENOTFOUND when none). save: the batch's new position, in the batch's
 * transaction. list: every row of the scope as JSON [{walker, dek_version, done, total,
 * finished, updated_at}]. clear: removes the scope's rows. */
int og_crypto_reseal_start(og_store *s, const char *scope, const char *walker, int64_t dek_version,
                           int64_t total);
int og_crypto_reseal_get(og_store *s, const char *scope, const char *walker,
                         og_crypto_reseal_batch *b, int64_t *done);
int og_crypto_reseal_save(og_store *s, const char *scope, const char *walker,
                          const og_crypto_reseal_batch *b, int64_t done);
int og_crypto_reseal_list(og_store *s, const char *scope, json_t **out);
int og_crypto_reseal_clear(og_store *s, const char *scope);
/* The tenant scopes (ids) whose data-key rotation is not finished (earlier versions kept), as a
 * JSON array of strings: what a background job has to re-seal. */
int og_crypto_datakey_rotating(og_store *s, json_t **out);

/* ---- primitives ---- */
/* Fill buf with cryptographically strong random bytes. OG_ERROR if the generator fails. */
int og_crypto_random(void *buf, size_t len);
/* SHA-256 and HMAC-SHA256 cannot fail short of a broken OpenSSL or memory exhaustion; the void
 * functions then abort, because a wrong digest would silently pass integrity checks. */
void og_crypto_sha256(const void *data, size_t len, uint8_t out[32]);
/* Incremental SHA-256. og_sha256_new() returns NULL when out of memory. */
typedef struct og_sha256 og_sha256;
og_sha256 *og_sha256_new(void);
void og_sha256_update(og_sha256 *h, const void *data, size_t len);
void og_sha256_final(og_sha256 *h, uint8_t out[32]); /* also frees h */
void og_sha256_free(og_sha256 *h);                   /* abandon without final; NULL-safe */
int og_crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                          uint8_t out[32]);

/* Ed25519 (raw 32-byte keys, 64-byte signatures). Any 32 random bytes are a private key. */
int og_crypto_ed25519_generate(uint8_t priv[32], uint8_t pub[32]);
/* The public key of a private key. */
int og_crypto_ed25519_public(const uint8_t priv[32], uint8_t pub[32]);
int og_crypto_ed25519_sign(const uint8_t priv[32], const void *msg, size_t len, uint8_t sig[64]);
/* 0 when valid, OG_ECORRUPT when not. */
int og_crypto_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
                             const uint8_t sig[64]);

/* ---- asymmetric keys: ACME accounts, certificate keys, JWS, CSRs ----
 * An og_crypto_key is an opaque private key. Key types by name: "ec256" (P-256, the default of
 * callers), "ec384" (P-384), "rsa2048", "rsa3072", "rsa4096". Keys travel and rest as PKCS#8 PEM
 * (sealed with og_crypto_seal() by their owner); nothing here touches the store.
 */
typedef struct og_crypto_key og_crypto_key;

/* 0 when type names a key type above; OG_EINVAL naming it (and the valid names) otherwise. */
int og_crypto_key_type_check(const char *type);
/* A new private key of the type. OG_EINVAL for an unknown type. Caller frees *out. */
int og_crypto_key_generate(og_crypto_key **out, const char *type);
/* Parse a PEM private key (any kind OpenSSL reads; og_crypto_key_type() says whether it is one
 * of the types above). OG_ECORRUPT when it does not parse. Caller frees *out. */
int og_crypto_key_from_pem(og_crypto_key **out, const char *pem, size_t len);
/* An unencrypted PKCS#8 private key (the DER body of a "PRIVATE KEY" PEM block, EC, RSA, Ed25519
 * or Ed448) as an OpenSSL EVP_PKEY, decoded by that algorithm's decoder alone: OpenSSL 3's
 * PEM_read_bio_PrivateKey tries every decoder of every provider, about 0.35 ms more a key. NULL
 * (no error set) for anything else: the caller falls back to the general reader. */
struct evp_pkey_st *og_crypto_pkcs8_decode(const void *der, size_t len);
/* The private key as PKCS#8 PEM text, NUL-terminated; *len (may be NULL) without the NUL.
 * Caller wipes (og_crypto_wipe) and frees *pem. */
int og_crypto_key_to_pem(const og_crypto_key *key, char **pem, size_t *len);
/* The private key as DER in its type's own form (SEC1 for EC, PKCS#1 for RSA), as a TLS library
 * loads it (SSL_use_PrivateKey_ASN1). Caller wipes and frees *der. */
int og_crypto_key_to_der(const og_crypto_key *key, uint8_t **der, size_t *len);
/* The key's type name ("ec256", ...; an RSA key of other size: the largest type not above it),
 * NULL for a key of none of these kinds (RSA below 2048 bits, another curve, Ed25519).
 * Static string. */
const char *og_crypto_key_type(const og_crypto_key *key);
void og_crypto_key_free(og_crypto_key *key); /* NULL-safe; frees the key material */
/* Whether the private and public halves of a key belong together (a damaged PEM can load as a
 * key whose signatures verify with nothing): 0, else OG_EINVAL with a message. */
int og_crypto_key_check(const og_crypto_key *key);

/* The public JWK (RFC 7517) of the key as JSON text in RFC 7638 canonical form (required members
 * only, sorted, no whitespace), so SHA-256 over it is the key's thumbprint: EC {crv,kty,x,y} with
 * coordinates at full field size, RSA {e,kty,n}. OG_EINVAL for a key of no type above. Caller
 * frees *json. */
int og_crypto_key_jwk(const og_crypto_key *key, char **json);
/* Sign data with the key as JWS (RFC 7518 §3) wants it: ec256 ES256 and ec384 ES384 as the raw
 * r||s of fixed size (64 or 96 bytes, not DER), RSA keys RS256 (PKCS#1 v1.5, SHA-256).
 * OG_EINVAL for a key of no type above. Caller frees *sig. */
int og_crypto_key_sign(const og_crypto_key *key, const void *data, size_t len, uint8_t **sig,
                       size_t *siglen);
/* A PKCS#10 CSR (DER) for names[0..n) (1 to 100), signed with the key (SHA-384 for ec384,
 * SHA-256 otherwise): each name a DNS name, or an IPv4/IPv6 literal that becomes an IP SAN; the
 * first name is the subject CN when it is a DNS name of at most 64 bytes. OG_EINVAL for a bad
 * count. Caller frees *der. */
int og_crypto_csr_build(const og_crypto_key *key, const char *const *names, size_t n, uint8_t **der,
                        size_t *len);
/* A self-signed X.509 v3 certificate (DER) whose one SAN is name (a DNS name of at most 253 bytes,
 * or an IP literal), valid from an hour ago for 7 days with a random serial, signed with the key
 * (SHA-256); with ext_oid (dotted text) it also carries that extension, critical, with the DER
 * value ext_value[0..ext_len) (the tls-alpn-01 acmeIdentifier). Caller frees *der. */
int og_crypto_cert_selfsigned(const og_crypto_key *key, const char *name, const char *ext_oid,
                              const void *ext_value, size_t ext_len, uint8_t **der, size_t *len);
/* true when the X.509 certificate der[0..len) carries the public half of the key; false when it
 * does not or does not parse. */
bool og_crypto_key_matches_cert(const og_crypto_key *key, const void *der, size_t len);
/* The same for a decoded certificate (OpenSSL's X509, e.g. from og_certs_x509_get), without
 * decoding it again. */
struct x509_st;
bool og_crypto_key_matches_x509(const og_crypto_key *key, const struct x509_st *x);

/* ---- passphrase encryption (backups that carry the installation key) ----
 * A secret sealed under a passphrase: the key derived with scrypt (N = 2^log2n, r = 8, p = 1; a
 * fresh 16-byte random salt), then AES-256-GCM with a random nonce; every header byte and the
 * caller's context string are bound as associated data. Format: "OGPW" | version 0x01 | log2n |
 * r | p | salt (16) | nonce (12) | ciphertext | tag (16), OG_CRYPTO_PASS_OVERHEAD bytes more than
 * the plaintext. */
#define OG_CRYPTO_PASS_OVERHEAD (4 + 4 + 16 + 12 + 16)
#define OG_CRYPTO_PASS_LOG2N    17 /* 128 MiB and about half a second per derivation */
#define OG_CRYPTO_PASS_MIN      12 /* bytes a passphrase has at least */
/* log2n 0: OG_CRYPTO_PASS_LOG2N; else 10..20. OG_EINVAL for a passphrase shorter than
 * OG_CRYPTO_PASS_MIN or longer than 1024 bytes, or a log2n out of range. Caller frees *out. */
int og_crypto_pass_seal(const char *pass, size_t passlen, int log2n, const char *context,
                        const void *plain, size_t len, uint8_t **out, size_t *outlen);
/* OG_ECORRUPT for a truncated or malformed blob, or one that does not open with this passphrase
 * and context ("wrong passphrase, or the file was changed"); OG_EINVAL for parameters out of the
 * range seal takes (a crafted file cannot make it use gigabytes). Caller wipes and frees *out. */
int og_crypto_pass_open(const char *pass, size_t passlen, const char *context, const void *blob,
                        size_t len, uint8_t **out, size_t *outlen);
/* The installation key of DATA_DIR (master.key) sealed under a passphrase (og_crypto_pass_seal,
 * context "opsgate master.key"); the key itself never leaves this module. Caller frees *out. */
int og_crypto_master_key_export(const char *data_dir, const char *pass, size_t passlen,
                                uint8_t **out, size_t *outlen);
/* Open such a blob and write it as DATA_DIR/master.key (0600, never over an existing key). */
int og_crypto_master_key_import(const char *data_dir, const char *pass, size_t passlen,
                                const void *blob, size_t len);
/* Copy a master key file kept apart (32 bytes, 0600) into DATA_DIR/master.key. */
int og_crypto_master_key_install(const char *data_dir, const char *key_file);
/* 0 when the keyring's master key unwraps the platform scope's data key in s (so it is the key
 * of the installation that database belongs to); OG_ECORRUPT saying it is another installation's
 * key; OG_ENOTFOUND when the platform scope has no data key. */
int og_crypto_master_key_fits(og_keyring *k, og_store *s);

/* Wipe memory that held secrets (not optimised away). NULL-safe. */
void og_crypto_wipe(void *p, size_t len);
/* For a program's main, before anything uses OpenSSL: the process ends without OpenSSL freeing
 * its tables one by one at exit (OPENSSL_INIT_NO_ATEXIT), which was about 1 ms of CPU at the end
 * of every CLI command that used it; the kernel takes the memory back at once. Key material is
 * wiped by its owners when they free it, as before. */
void og_crypto_init_process(void);

#endif
