/* kek.h - key-encryption key providers: the installation master key, and a customer-managed key
 * per tenant (a key file now; PKCS#11 later), chosen by name for each scope. */
#ifndef OPSGATE_SYS_KEK_H
#define OPSGATE_SYS_KEK_H

#include <stddef.h>
#include <stdint.h>

typedef struct og_keyring og_keyring; /* crypto.h */

/*
 * What a KEK provider implements. A provider only wraps and unwraps 32-byte data keys (DEKs); the
 * keyring stores the wrapped blob together with the provider's name and the KEK's key version, so
 * that a later opsgate can pick the right provider for every row, and several providers can be in
 * use at once (the master key for most tenants, a customer's own key for some).
 *
 * Contract for implementers:
 * - wrap() and unwrap() are called from several threads at once with the same self: they must be
 *   thread-safe (the master provider creates its OpenSSL context per call).
 * - aad is a NUL-terminated string naming what the key is for (the scope); the provider must bind
 *   it (as AEAD associated data, or the equivalent of the HSM), so a wrapped key copied to another
 *   scope's row fails to unwrap.
 * - They return 0 or a negative og_errcode with og_error_set(); a wrapped key that does not
 *   authenticate is OG_ECORRUPT. *out of wrap() is malloc'ed and caller-freed. unwrap() writes
 *   dek only on success.
 * - free(self) releases the provider's state and wipes any key material in it; NULL-safe.
 */
typedef struct og_kek_provider {
    const char *name; /* "master"; at most OG_KEK_NAME_MAX - 1 bytes, [a-z0-9-] */
    /* Wrap a 32-byte data key for a scope; *out is caller-freed. aad binds the scope. */
    int (*wrap)(void *self, const uint8_t dek[32], const char *aad, uint8_t **out, size_t *outlen);
    int (*unwrap)(void *self, const uint8_t *wrapped, size_t len, const char *aad, uint8_t dek[32]);
    void (*free)(void *self);
    /* Nonzero: the keyring keeps no unwrapped copy of keys this provider wraps (it reads its key
     * at every use, so withdrawing the key takes effect at the next request). */
    int uncached;
} og_kek_provider;

#define OG_KEK_NAME_MAX 32

/* A loaded KEK: a provider's functions plus the state of one key. */
typedef struct og_kek {
    const og_kek_provider *provider; /* static; borrowed */
    void *self;                      /* the provider's state; owned by whoever holds the og_kek */
    int key_version;                 /* recorded with every data key it wraps; >= 1 */
} og_kek;

/* The installation master key (DATA_DIR/master.key): AES-256-GCM key wrap, key version 1. */
extern const og_kek_provider og_kek_provider_master;
/* A client's own 256-bit key in a file ("file"): AES-256-GCM key wrap binding the scope. */
extern const og_kek_provider og_kek_provider_file;

/*
 * Load the master key file at path as a KEK. Refuses (OG_EINVAL, naming the file and the problem)
 * a file that is not a regular file, is not exactly 32 bytes, or whose permissions are wider than
 * 0600; OG_ENOTFOUND when it does not exist. On success the caller owns out->self (release with
 * out->provider->free, or hand it to og_keyring_kek_add()).
 */
int og_kek_master_load(og_kek *out, const char *path);

/*
 * A "file" KEK on the key file at path (absolute), recorded as key_version (>= 1). The file is
 * checked now and read again at every wrap and unwrap (its key is never kept in memory), so taking
 * it away withdraws the key. Refuses (OG_EINVAL, naming the file and the problem) a relative path,
 * a symbolic link, a file that is not a regular file, is not exactly 32 bytes, or whose permissions
 * are wider than 0600; OG_EBUSY when it is missing or unreadable (the client's key is unavailable);
 * the same codes come back from wrap and unwrap later. The caller owns out->self as above.
 */
int og_kek_file_load(og_kek *out, const char *path, int key_version);

/* An AES-256 key in a PKCS#11 token ("pkcs11"): AES-GCM inside the token, the scope as AAD. */
extern const og_kek_provider og_kek_provider_pkcs11;

typedef struct og_kek_pkcs11_config {
    const char *uri;      /* RFC 7512: pkcs11:token=...;object=... (parsed by p11-kit) */
    const char *module;   /* absolute path of the PKCS#11 module, dlopen'ed */
    const char *pin_file; /* absolute path of a file holding the user PIN, or NULL */
    const char *pin_env;  /* or the name of an environment variable holding it */
} og_kek_pkcs11_config;

/*
 * A "pkcs11" KEK. The PIN is read at every use, never kept. check != 0 logs in and finds the key
 * now (OG_EBUSY naming the problem: module not loadable, no such token, PIN incorrect, no such
 * key, several keys); check == 0 only parses (a token unavailable now fails at use). OG_EINVAL
 * for a bad URI or configuration. Calls are serialised per KEK (thread-safe with any module).
 */
int og_kek_pkcs11_load(og_kek *out, const og_kek_pkcs11_config *cfg, int key_version, int check);

/*
 * Make another KEK available to a keyring, under kek->provider->name (which must be unique in the
 * keyring: OG_EEXISTS otherwise). The keyring takes ownership of kek->self in every case, also on
 * failure, and frees it with the keyring. Safe to call while other threads use the keyring.
 */
int og_keyring_kek_add(og_keyring *k, const og_kek *kek);

/*
 * Make a KEK available for one scope only (a tenant id; NULL = the platform scope): the data key of
 * that scope, when its row names kek->provider->name, is wrapped and unwrapped with this KEK and
 * with no other (never with a keyring-wide KEK of the same name). Replaces the scope's earlier KEK
 * of the same provider name (whose state stays alive until the keyring is freed, as threads may be
 * using it). Takes ownership of kek->self in every case. Thread-safe.
 */
int og_keyring_scope_kek_set(og_keyring *k, const char *scope, const og_kek *kek);

#endif
