/* crypto_internal.h - helpers shared by the files of the crypto module; not for other modules. */
#ifndef OPSGATE_CRYPTO_INTERNAL_H
#define OPSGATE_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "opsgate/crypto.h"
#include "opsgate/store.h"
#include "opsgate/sys/kek.h"

#define OG_CRYPTO_KEY_LEN   32
#define OG_CRYPTO_NONCE_LEN 12
#define OG_CRYPTO_TAG_LEN   16

/* The scope key of the platform scope (scope == NULL). '@' appears in no tenant id or name, so it
 * cannot collide with a tenant's row. */
#define OG_CRYPTO_PLATFORM_SCOPE "@platform"

/* What a data key's wrap binds, followed by the scope key. */
#define DEK_AAD_PREFIX "opsgate-dek-v1 scope="

/*
 * AES-256-GCM in one call. out receives len bytes (it may equal in); tag 16 bytes.
 * Seal returns 0 or OG_ERROR; open returns 0, OG_ECORRUPT when the tag does not verify (out then
 * holds nothing usable: the caller discards it), or OG_ERROR. Both set a generic message that
 * callers replace with one naming the object.
 */
int og_crypto__gcm_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                        size_t aadlen, const void *in, size_t len, uint8_t *out, uint8_t tag[16]);
int og_crypto__gcm_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                        size_t aadlen, const void *in, size_t len, const uint8_t tag[16],
                        uint8_t *out);

/* A data key wrapped by a key-file KEK (master, file): 1 version byte | 12-byte nonce | 32-byte
 * encrypted key | 16-byte tag. */
#define OG_CRYPTO_WRAP_VERSION 0x01
#define OG_CRYPTO_WRAP_LEN     (1 + OG_CRYPTO_NONCE_LEN + OG_CRYPTO_KEY_LEN + OG_CRYPTO_TAG_LEN)

/*
 * Read a 32-byte key file (what names it in messages: "key file", "master key file"). Refuses
 * (OG_EINVAL, naming the file and the problem) a symbolic link, a file that is not a regular file,
 * is not exactly 32 bytes, or whose permissions are wider than 0600; OG_ENOTFOUND ("does not
 * exist") when missing, OG_EBUSY when unreadable. Writes key only on success; wipes its copies.
 */
int og_crypto__key_file_read(const char *path, const char *what, uint8_t key[32]);
/* Write key as DATA_DIR/master.key (0600, O_EXCL: never over an existing one), fsynced with its
 * folder; a half-written file is removed. */
int og_crypto__master_key_write(const char *data_dir, const uint8_t *key);

/*
 * AES-256-GCM wrap of a data key under key, binding domain (the provider's, with a NUL) and aad
 * (the scope): *out (OG_CRYPTO_WRAP_LEN bytes) is caller-freed. unwrap returns OG_ECORRUPT for a
 * malformed blob or one that does not authenticate under key (keyname names it in the message:
 * "the master key"), and writes dek only on success.
 */
int og_crypto__gcm_wrap(const char *domain, const uint8_t key[32], const uint8_t dek[32],
                        const char *aad, uint8_t **out, size_t *outlen);
int og_crypto__gcm_unwrap(const char *domain, const uint8_t key[32], const char *keyname,
                          const uint8_t *wrapped, size_t len, const char *aad, uint8_t dek[32]);

/*
 * The keyring's cache of unwrapped data keys (dekcache.c), found by the fingerprint of the row a
 * key was unwrapped from; thread-safe. Keys are in one mlock'ed arena and zeroized on leaving.
 * new: max entries, each kept ttl_us (0: nothing cached). get copies a live key into dek and
 * returns 1 (0: none). put replaces the scope's older entries (best effort). evict drops a scope's
 * entries (scope_key NULL: all). expire drops the expired ones and returns how many.
 */
typedef struct og_crypto__cache og_crypto__cache;
int og_crypto__cache_new(og_crypto__cache **out, size_t max, int64_t ttl_us);
void og_crypto__cache_free(og_crypto__cache *c);
int og_crypto__cache_get(og_crypto__cache *c, const uint8_t fp[32], uint8_t dek[32]);
void og_crypto__cache_put(og_crypto__cache *c, const char *scope_key, const uint8_t fp[32],
                          const uint8_t dek[32]);
void og_crypto__cache_evict(og_crypto__cache *c, const char *scope_key);
size_t og_crypto__cache_expire(og_crypto__cache *c);
void og_crypto__cache_ttl_set(og_crypto__cache *c, int64_t ttl_us);
void og_crypto__cache_info(og_crypto__cache *c, og_keyring_cache_info *out);
/* The distinct scopes cached: malloc'ed array of malloc'ed strings, *n of them (NULL: none). */
char **og_crypto__cache_scopes(og_crypto__cache *c, size_t *n);
/* The arena itself, for the unit tests that check keys are zeroized. */
const uint8_t *og_crypto__cache_arena(og_crypto__cache *c, size_t *len);
/* OG_ELOCKED with the message and detail of a scope whose key was revoked at `at`. */
int og_crypto__revoked_error(const char *scope, const char *at);
/* OG_ELOCKED (detail OG_CRYPTO_DETAIL_KEY_WITHDRAWN) naming a tenant's missing key file
 * (kek_file.c). */
int og_crypto__withdrawn_error(const char *path);
/* The keyring's cache (keyring.c). */
og_crypto__cache *og_keyring__cache(og_keyring *k);

/* The scope key stored in the table for a scope (NULL = platform). Borrowed. */
const char *og_crypto__scope_key(const char *scope);
/* "tenant <id>" or "the platform scope", for messages. out holds at least 300 bytes. */
void og_crypto__scope_label(const char *scope, char *out, size_t size);
/* OG_EINVAL with a message unless scope (NULL allowed) and object_id are usable. */
int og_crypto__check_names(const char *scope, const char *object_id);

/*
 * The unwrapped data key of a scope, after reading its wrapped row from the store (so a destroyed
 * key is noticed at once, whatever process destroyed it). OG_ENOTFOUND with the message callers
 * show when the scope has no key. The caller wipes dek after use.
 */
int og_keyring__scope_dek(og_keyring *k, og_store *s, const char *scope, uint8_t dek[32]);
/* The same, with the version of that data key (read from the same row, so a seal names the
 * version of the key that sealed it even while a rotation commits) and the oldest version still
 * kept (== the current one when none is; read in the same statement). Both may be NULL. */
int og_keyring__scope_dek_cur(og_keyring *k, og_store *s, const char *scope, uint8_t dek[32],
                              int64_t *dek_version, int64_t *oldest);
/* A scope's data-key row as og_keyring__scope_dek_cur reads it (never a revoked one). */
typedef struct {
    char kek[64];          /* the KEK provider's name */
    int64_t key_version;   /* of that KEK */
    uint8_t wrapped[1024]; /* the wrapped data key */
    size_t wlen;
    char config[1024]; /* the scope's KEK configuration; has_config 0: the keyring's */
    int has_config;
    int64_t dek_version; /* the current data-key version */
    int64_t oldest;      /* the oldest version kept (== dek_version when none) */
    uint8_t fp[32];      /* the row's fingerprint (the key cache's index), see keyring.c */
} og_crypto__dek_row;

/* The row remembered for the open transaction of s (rowmemo.c, which says why that is safe):
 * get copies it and returns 1 (0: none); put remembers it (nothing outside a transaction, or a
 * row too big for the fields above, which the caller does not put); forget drops every row this
 * thread remembers, and is called by every writer of crypto_data_key before it writes. */
int og_crypto__memo_get(og_store *s, const char *scope_key, og_crypto__dek_row *out);
void og_crypto__memo_put(og_store *s, const char *scope_key, const og_crypto__dek_row *row);
void og_crypto__memo_forget(void);
/* The row held for the calling thread by og_crypto_scope_key_hold (rowmemo.c): get copies it and
 * returns 1 only outside a transaction of s (0: none); set holds row for scope_key (a row whose
 * text does not fit is not held); forget (above) drops it too. */
int og_crypto__hold_get(og_store *s, const char *scope_key, og_crypto__dek_row *out);
void og_crypto__hold_set(const char *scope_key, const og_crypto__dek_row *row);
/* SHA-256 of what unwrapping a scope's row depends on (scope, KEK name and version, its
 * configuration, the wrapped key): the key cache's index; all zero when it cannot be computed. */
void og_crypto__row_fingerprint(const char *scope_key, const char *kek, int64_t version,
                                const char *config, const void *wrapped, size_t wlen,
                                uint8_t fp[32]);
/* Fill row from the columns kek, key_version, wrapped, kek_config (NULL: none), dek_version and
 * oldest, with its fingerprint; 0, or -1 when they do not fit the struct (a key file's path over
 * its config field): such a row is neither remembered nor held (keyring.c). */
int og_crypto__row_fill(og_crypto__dek_row *row, const char *scope_key, const char *kek,
                        int64_t key_version, const uint8_t *wrapped, size_t wlen,
                        const char *config, int64_t dek_version, int64_t oldest);

/* A given version of a scope's data key: the current one, or an earlier one a rotation still
 * keeps (datakey.c). OG_ENOTFOUND naming the version when it is destroyed. */
int og_keyring__dek_version(og_keyring *k, og_store *s, const char *scope, int64_t version,
                            uint8_t dek[32]);
/* 4 bytes big endian of a data-key version in sealed headers. */
void og_crypto__put_version(uint8_t out[4], int64_t version);
int64_t og_crypto__get_version(const uint8_t in[4]);

/*
 * The KEK for a scope's row: keyring-wide (or given by og_keyring_scope_kek_set) when config is
 * NULL, else the scope's KEK opened from (name, config, version), opened once and kept. check != 0
 * opens it afresh, checking the key is there (used before wrapping under it). Sets a message.
 */
int og_keyring__kek_for(og_keyring *k, const char *scope_key, const char *name, int version,
                        const char *config, int check, og_kek *out);

/* Open a KEK of a provider from its stored configuration ("file": the key file's path). check = 0
 * only remembers the configuration (a key missing now fails at use, for that scope only). */
int og_kek__open(const char *name, const char *config, int version, int check, og_kek *out);
/* The same for "pkcs11": config is JSON {uri, module, pin_file | pin_env}. */
int og_kek__pkcs11_open(const char *config, int version, int check, og_kek *out);

#endif
