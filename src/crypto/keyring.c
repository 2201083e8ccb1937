/* keyring.c - the keyring (loaded KEKs and a cache of unwrapped data keys), per-scope data keys
 * and crypto-shred, and sealing of small values under a scope's data key. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/sys/kek.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEKS      8
#define CACHE_MAX     1024 /* unwrapped data keys kept; least recently used goes first */
#define SCOPE_MAX     255
#define OBJECT_ID_MAX 1024
#define SEAL_V1       0x01 /* before data-key versions: opens as version 1 */
#define SEAL_V2       0x02
#define SEAL_DOMAIN   "opsgate-seal-v1"
#define DEFAULT_KEK   "master"

/*
 * A cached data key (dekcache.c) is found by a fingerprint of the row it was unwrapped from (scope,
 * KEK name, key version and wrapped blob). The row is read before every use, so a destroyed key
 * (no row), a revoked one or a re-created one (another blob, another fingerprint) never reaches a
 * stale cache entry.
 */
/* A KEK for one scope only; replaced ones stay (retired) until the keyring is freed. */
typedef struct scope_kek {
    char *scope; /* owned: the scope key */
    og_kek kek;
    char *config; /* owned: the configuration it was opened from (NULL: given by a caller) */
    int retired;
} scope_kek;

struct og_keyring {
    pthread_mutex_t mu;    /* guards everything below */
    og_kek keks[MAX_KEKS]; /* entries are only added, never removed, until free */
    size_t nkeks;
    scope_kek *skeks; /* nskeks in use, of cap */
    size_t nskeks, cap;
    og_crypto__cache *cache; /* thread-safe on its own */
};

/* ---- names ---- */
const char *og_crypto__scope_key(const char *scope)
{
    return scope ? scope : OG_CRYPTO_PLATFORM_SCOPE;
}

void og_crypto__scope_label(const char *scope, char *out, size_t size)
{
    if (scope)
        snprintf(out, size, "tenant %s", scope);
    else
        snprintf(out, size, "the platform scope");
}

int og_crypto__check_names(const char *scope, const char *object_id)
{
    if (scope) {
        size_t n = strlen(scope);
        if (n == 0 || n > SCOPE_MAX)
            return og_error_set(OG_EINVAL,
                                "bad encryption scope '%s': a tenant id of 1 to %d bytes "
                                "is needed (NULL for the platform scope)",
                                scope, SCOPE_MAX);
        if (scope[0] == '@')
            return og_error_set(OG_EINVAL,
                                "bad encryption scope '%s': names starting with '@' are "
                                "reserved",
                                scope);
    }
    if (object_id) {
        size_t n = strlen(object_id);
        if (n == 0 || n > OBJECT_ID_MAX)
            return og_error_set(OG_EINVAL, "bad object id for sealing: 1 to %d bytes are needed",
                                OBJECT_ID_MAX);
    }
    return 0;
}

/* ---- keyring ---- */
/* Remove every cached key of a scope. */
static void cache_evict_scope(og_keyring *k, const char *scope_key)
{
    og_crypto__cache_evict(k->cache, scope_key);
}

og_crypto__cache *og_keyring__cache(og_keyring *k)
{
    return k->cache;
}

void og_keyring_cache_ttl_set(og_keyring *k, int64_t ttl_us)
{
    og_crypto__cache_ttl_set(k->cache, ttl_us < 0 ? 0 : ttl_us);
}

void og_keyring_cache_info_get(og_keyring *k, og_keyring_cache_info *out)
{
    og_crypto__cache_info(k->cache, out);
}

static int keyring_new(og_keyring **out)
{
    og_keyring *k = calloc(1, sizeof(*k));
    int error;
    *out = NULL;
    if (!k)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_crypto__cache_new(&k->cache, CACHE_MAX, OG_KEYRING_CACHE_TTL_S * 1000000LL)) <
        0) {
        free(k);
        return error;
    }
    pthread_mutex_init(&k->mu, NULL);
    *out = k;
    return 0;
}

int og_keyring_open(og_keyring **out, const char *data_dir)
{
    int error = -1;
    og_keyring *k = NULL;
    og_kek master = {0};
    char path[4096];
    *out = NULL;
    if (!data_dir || !*data_dir)
        return og_error_set(OG_EINVAL, "no data folder given to load the master key from");
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, OG_MASTER_KEY_FILE) >= sizeof(path))
        return og_error_set(OG_EINVAL, "data folder path too long: '%s'", data_dir);
    if ((error = og_kek_master_load(&master, path)) < 0)
        goto cleanup;
    if ((error = keyring_new(&k)) < 0) {
        master.provider->free(master.self);
        goto cleanup;
    }
    if ((error = og_keyring_kek_add(k, &master)) < 0) /* takes master.self */
        goto cleanup;
    *out = k;
    k = NULL;
    error = 0;
cleanup:
    og_keyring_free(k);
    return error;
}

void og_keyring_free(og_keyring *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nkeks; i++)
        k->keks[i].provider->free(k->keks[i].self);
    for (size_t i = 0; i < k->nskeks; i++) {
        k->skeks[i].kek.provider->free(k->skeks[i].kek.self);
        free(k->skeks[i].scope);
        free(k->skeks[i].config);
    }
    free(k->skeks);
    og_crypto__cache_free(k->cache);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

int og_keyring_kek_add(og_keyring *k, const og_kek *kek)
{
    int error = -1;
    const char *name = kek->provider->name;
    size_t n = strlen(name);
    pthread_mutex_lock(&k->mu);
    if (n == 0 || n >= OG_KEK_NAME_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) {
        error = og_error_set(OG_EINVAL, "bad KEK provider name '%s': 1 to %d of [a-z0-9-]", name,
                             OG_KEK_NAME_MAX - 1);
        goto cleanup;
    }
    if (kek->key_version < 1) {
        error = og_error_set(OG_EINVAL, "KEK '%s' has bad key version %d", name, kek->key_version);
        goto cleanup;
    }
    for (size_t i = 0; i < k->nkeks; i++) {
        if (strcmp(k->keks[i].provider->name, name) == 0) {
            error = og_error_set(OG_EEXISTS, "the keyring already has a KEK named '%s'", name);
            goto cleanup;
        }
    }
    if (k->nkeks == MAX_KEKS) {
        error = og_error_set(OG_ETOOBIG, "the keyring holds at most %d KEK providers", MAX_KEKS);
        goto cleanup;
    }
    k->keks[k->nkeks++] = *kek;
    error = 0;
cleanup:
    pthread_mutex_unlock(&k->mu);
    if (error < 0)
        kek->provider->free(kek->self);
    return error;
}

/* Add a scope KEK opened from config (NULL allowed), retiring the scope's older one of that name.
 * Takes kek->self in every case. */
static int scope_kek_put(og_keyring *k, const char *key, const og_kek *kek, const char *config)
{
    int error = -1;
    char *copy = NULL, *cfg = NULL;
    const char *name = kek->provider->name;
    int locked = 0;
    if (kek->key_version < 1) {
        error = og_error_set(OG_EINVAL, "KEK '%s' has bad key version %d", name, kek->key_version);
        goto cleanup;
    }
    if (!(copy = strdup(key)) || (config && !(cfg = strdup(config)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    pthread_mutex_lock(&k->mu);
    locked = 1;
    if (k->nskeks == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        scope_kek *n = realloc(k->skeks, cap * sizeof(*n));
        if (!n) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        k->skeks = n;
        k->cap = cap;
    }
    for (size_t i = 0; i < k->nskeks; i++)
        if (strcmp(k->skeks[i].scope, key) == 0 &&
            strcmp(k->skeks[i].kek.provider->name, name) == 0)
            k->skeks[i].retired = 1;
    k->skeks[k->nskeks++] = (scope_kek){copy, *kek, cfg, 0};
    copy = cfg = NULL;
    /* Keys unwrapped with the replaced KEK are dropped: the next use unwraps with this one. */
    cache_evict_scope(k, key);
    error = 0;
cleanup:
    if (locked)
        pthread_mutex_unlock(&k->mu);
    free(copy);
    free(cfg);
    if (error < 0)
        kek->provider->free(kek->self);
    return error;
}

int og_keyring_scope_kek_set(og_keyring *k, const char *scope, const og_kek *kek)
{
    int error = og_crypto__check_names(scope, NULL);
    if (error < 0) {
        kek->provider->free(kek->self);
        return error;
    }
    return scope_kek_put(k, og_crypto__scope_key(scope), kek, NULL);
}

/* A copy of the KEK registered under name for a scope (scope_key), or else keyring-wide; 0 or
 * OG_ENOTFOUND (no message set). Entries are never removed while the keyring lives, so the copy's
 * self stays valid. */
static int kek_find(og_keyring *k, const char *scope_key, const char *name, og_kek *out)
{
    int error = OG_ENOTFOUND;
    pthread_mutex_lock(&k->mu);
    for (size_t i = 0; i < k->nskeks; i++) {
        scope_kek *e = &k->skeks[i];
        if (!e->retired && !e->config && strcmp(e->scope, scope_key) == 0 &&
            strcmp(e->kek.provider->name, name) == 0) {
            *out = e->kek;
            pthread_mutex_unlock(&k->mu);
            return 0;
        }
    }
    for (size_t i = 0; i < k->nkeks; i++) {
        if (strcmp(k->keks[i].provider->name, name) == 0) {
            *out = k->keks[i];
            error = 0;
            break;
        }
    }
    pthread_mutex_unlock(&k->mu);
    return error;
}

int og_keyring__kek_for(og_keyring *k, const char *scope_key, const char *name, int version,
                        const char *config, int check, og_kek *out)
{
    int error = -1;
    og_kek kek = {0};
    if (!config)
        return kek_find(k, scope_key, name, out) < 0
                   ? og_error_set(OG_ENOTFOUND, "no KEK provider named '%s' is loaded", name)
                   : 0;
    if (!check) {
        pthread_mutex_lock(&k->mu);
        for (size_t i = 0; i < k->nskeks; i++) {
            scope_kek *e = &k->skeks[i];
            if (!e->retired && e->config && strcmp(e->scope, scope_key) == 0 &&
                strcmp(e->kek.provider->name, name) == 0 && strcmp(e->config, config) == 0 &&
                e->kek.key_version == version) {
                *out = e->kek;
                pthread_mutex_unlock(&k->mu);
                return 0;
            }
        }
        pthread_mutex_unlock(&k->mu);
    }
    if ((error = og_kek__open(name, config, version, check, &kek)) < 0 ||
        (error = scope_kek_put(k, scope_key, &kek, config)) < 0)
        return error;
    *out = kek;
    return 0;
}

/* ---- data keys ---- */
static void dek_aad(const char *scope_key, char *out, size_t size)
{
    snprintf(out, size, DEK_AAD_PREFIX "%s", scope_key);
}

static int no_key_error(const char *scope)
{
    char label[300];
    og_crypto__scope_label(scope, label, sizeof(label));
    return og_error_set(OG_ENOTFOUND, "no data key for %s: it was destroyed or never created",
                        label);
}

int og_keyring__scope_dek(og_keyring *k, og_store *s, const char *scope, uint8_t dek[32])
{
    return og_keyring__scope_dek_cur(k, s, scope, dek, NULL, NULL);
}

/* Read the scope's row (kek, key_version, wrapped, kek_config, revoked_at, dek_version, oldest)
 * into st: OG_ROW, or the error a missing or revoked key gets (its cached key forgotten). */
static int row_read(og_keyring *k, og_store *s, const char *scope, const char *key,
                    const char *label, og_stmt **st)
{
    int rc = og_stmt_prepare_args(
        st, s,
        "SELECT kek, key_version, wrapped, kek_config, revoked_at, dek_version,"
        " (SELECT min(o.dek_version) FROM crypto_data_key_old o WHERE o.scope = d.scope)"
        " FROM crypto_data_key d WHERE d.scope = ?",
        "t", key);
    if (rc == 0)
        rc = og_stmt_step(*st);
    if (rc < 0)
        return og_error_wrap("reading the data key of %s", label);
    if (rc == OG_DONE) {
        /* Destroyed, perhaps by another process: forget it here too. */
        cache_evict_scope(k, key);
        return no_key_error(scope);
    }
    if (og_stmt_col_text(*st, 4)) {
        /* Revoked, perhaps by another process: wipe the cached key here too. */
        cache_evict_scope(k, key);
        return og_crypto__revoked_error(scope, og_stmt_col_text(*st, 4));
    }
    if (!og_stmt_col_text(*st, 0) || !og_stmt_col_blob(*st, 2, NULL))
        return og_error_set(OG_ECORRUPT, "the data key row of %s is incomplete", label);
    return OG_ROW;
}

/* A scope's row as scope_dek_cur uses it: its fields point into a remembered copy or into the
 * statement that read it. */
typedef struct {
    const char *kek, *config; /* config NULL: the keyring's */
    const uint8_t *wrapped;
    size_t wlen;
    int64_t key_version, dek_version, oldest;
    const uint8_t *fp;
} row_view;

static void view_of(const og_crypto__dek_row *row, row_view *v)
{
    v->kek = row->kek;
    v->config = row->has_config ? row->config : NULL;
    v->wrapped = row->wrapped;
    v->wlen = row->wlen;
    v->key_version = row->key_version;
    v->dek_version = row->dek_version;
    v->oldest = row->oldest;
    v->fp = row->fp;
}

/* The scope's row into *v: remembered by this transaction (rowmemo.c), held by this thread's
 * request outside one (og_crypto_scope_key_hold), or read now (into *stp, which the caller frees)
 * and remembered when in a transaction and when it fits *row. */
static int row_get(og_keyring *k, og_store *s, const char *scope, const char *key,
                   const char *label, og_crypto__dek_row *row, uint8_t fp[32], og_stmt **stp,
                   row_view *v)
{
    int error;
    if (og_crypto__memo_get(s, key, row) || og_crypto__hold_get(s, key, row)) {
        view_of(row, v);
        return 0;
    }
    if ((error = row_read(k, s, scope, key, label, stp)) < 0)
        return error;
    og_stmt *st = *stp;
    v->kek = og_stmt_col_text(st, 0);
    v->key_version = og_stmt_col_int(st, 1);
    v->wrapped = og_stmt_col_blob(st, 2, &v->wlen);
    v->config = og_stmt_col_text(st, 3);
    v->dek_version = og_stmt_col_int(st, 5);
    v->oldest = og_stmt_col_is_null(st, 6) ? v->dek_version : og_stmt_col_int(st, 6);
    if (og_crypto__row_fill(row, key, v->kek, v->key_version, v->wrapped, v->wlen, v->config,
                            v->dek_version, v->oldest) == 0) {
        og_crypto__memo_put(s, key, row);
        memcpy(fp, row->fp, 32);
    } else {
        og_crypto__row_fingerprint(key, v->kek, v->key_version, v->config, v->wrapped, v->wlen, fp);
    }
    v->fp = fp;
    return 0;
}

int og_keyring__scope_dek_cur(og_keyring *k, og_store *s, const char *scope, uint8_t dek[32],
                              int64_t *dek_version, int64_t *oldest)
{
    int error = -1;
    og_stmt *st = NULL;
    og_kek kek;
    og_crypto__dek_row row;
    row_view v;
    uint8_t fp[32];
    uint8_t tmp[OG_CRYPTO_KEY_LEN];
    char aad[SCOPE_MAX + 64];
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    og_crypto__scope_label(scope, label, sizeof(label));
    /* Read once per transaction (rowmemo.c) or per request (a hold); the oldest version kept
     * comes in the same statement, so a stream opener knows whether there is any earlier
     * version to load. */
    if ((error = row_get(k, s, scope, key, label, &row, fp, &st, &v)) < 0)
        goto cleanup;
    const char *kek_name = v.kek, *config = v.config;
    int64_t version = v.key_version;
    if (dek_version)
        *dek_version = v.dek_version;
    if (oldest)
        *oldest = v.oldest;
    if (config) {
        if ((error = og_keyring__kek_for(k, key, kek_name, (int)version, config, 0, &kek)) < 0) {
            og_error_wrap("the data key of %s is wrapped by KEK '%s'", label, kek_name);
            goto cleanup;
        }
    } else if (kek_find(k, key, kek_name, &kek) < 0) {
        error = og_error_set(OG_ERROR,
                             "the data key of %s is wrapped by the KEK provider '%s', which this "
                             "keyring has not loaded",
                             label, kek_name);
        goto cleanup;
    }
    /* A provider that reads its key at every use (a client's key file) is not cached either, so
     * taking its key away takes effect at the next request. */
    int cacheable = !kek.provider->uncached;
    int hit = cacheable && og_crypto__cache_get(k->cache, v.fp, dek);
    if (hit) {
        error = 0;
        goto cleanup;
    }
    if (version != kek.key_version) {
        error = og_error_set(OG_ERROR,
                             "the data key of %s is wrapped by version %lld of KEK '%s', but the "
                             "loaded one is version %d",
                             label, (long long)version, kek_name, kek.key_version);
        goto cleanup;
    }
    dek_aad(key, aad, sizeof(aad));
    if ((error = kek.provider->unwrap(kek.self, v.wrapped, v.wlen, aad, tmp)) < 0) {
        og_error_wrap("cannot unwrap the data key of %s with KEK '%s'", label, kek_name);
        goto cleanup;
    }
    if (cacheable)
        og_crypto__cache_put(k->cache, key, v.fp, tmp);
    memcpy(dek, tmp, OG_CRYPTO_KEY_LEN);
    error = 0;
cleanup:
    og_crypto_wipe(tmp, sizeof(tmp));
    og_stmt_free(st);
    return error;
}

int og_crypto_scope_key_create(og_keyring *k, og_store *s, const char *scope)
{
    return og_crypto_scope_key_create_with(k, s, scope, DEFAULT_KEK);
}

int og_crypto_scope_key_create_with(og_keyring *k, og_store *s, const char *scope,
                                    const char *kek_name)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_stmt *st = NULL;
    og_kek kek;
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    uint8_t *wrapped = NULL;
    size_t wlen = 0;
    char aad[SCOPE_MAX + 64];
    char label[300];
    char now[OG_TIME_LEN];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        goto cleanup;
    og_crypto__scope_label(scope, label, sizeof(label));
    if (kek_find(k, key, kek_name, &kek) < 0) {
        error = og_error_set(OG_ENOTFOUND,
                             "cannot create a data key for %s: no KEK provider "
                             "named '%s' is loaded",
                             label, kek_name);
        goto cleanup;
    }
    dek_aad(key, aad, sizeof(aad));
    if ((error = og_crypto_random(dek, sizeof(dek))) < 0 ||
        (error = kek.provider->wrap(kek.self, dek, aad, &wrapped, &wlen)) < 0) {
        og_error_wrap("cannot create a data key for %s", label);
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    og_crypto__memo_forget();
    if ((error = og_stmt_prepare(&st, s,
                                 "INSERT INTO crypto_data_key (scope, kek, key_version, wrapped,"
                                 " created_at) VALUES (?, ?, ?, ?, ?)")) < 0 ||
        (error = og_stmt_bind_text(st, 1, key)) < 0 ||
        (error = og_stmt_bind_text(st, 2, kek.provider->name)) < 0 ||
        (error = og_stmt_bind_int(st, 3, kek.key_version)) < 0 ||
        (error = og_stmt_bind_blob(st, 4, wrapped, wlen)) < 0 ||
        (error = og_stmt_bind_text(st, 5, now)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0) {
        if (error == OG_EEXISTS)
            og_error_set(OG_EEXISTS, "%s already has a data key; destroy it first to replace it",
                         label);
        else
            og_error_wrap("storing the data key of %s", label);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    og_crypto_wipe(dek, sizeof(dek));
    free(wrapped);
    return error;
}

int og_crypto_scope_key_destroy(og_keyring *k, og_store *s, const char *scope)
{
    int error = -1;
    int depth = og_store_tx_depth(s);
    og_stmt *st = NULL;
    uint8_t *zeros = NULL;
    char label[300];
    const char *key = og_crypto__scope_key(scope);
    if ((error = og_crypto__check_names(scope, NULL)) < 0)
        goto cleanup;
    og_crypto__scope_label(scope, label, sizeof(label));
    if ((error = og_store_tx_begin(s)) < 0)
        goto cleanup;
    /*
     * Overwrite the wrapped key with zeros of the same length before deleting the row: a deleted
     * row's bytes otherwise stay in the database file's free space (SQLite without secure_delete)
     * until reused, and the master key would still unwrap them. A same-size update is rewritten in
     * place. Older copies in the WAL last until the next checkpoint.
     */
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT length(wrapped) FROM crypto_data_key"
                                 " WHERE scope = ?")) < 0 ||
        (error = og_stmt_bind_text(st, 1, key)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0) {
        og_error_wrap("destroying the data key of %s", label);
        goto cleanup;
    }
    if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND,
                             "cannot destroy the data key of %s: it has none "
                             "(destroyed already or never created)",
                             label);
        goto cleanup;
    }
    int64_t wlen = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    st = NULL;
    if (wlen < 0 || wlen > 65536) {
        error = og_error_set(OG_ECORRUPT, "the data key row of %s is malformed", label);
        goto cleanup;
    }
    if (!(zeros = calloc(1, (size_t)wlen + 1))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_crypto__memo_forget();
    if ((error = og_stmt_prepare(&st, s,
                                 "UPDATE crypto_data_key SET wrapped = ? WHERE scope = ?")) < 0 ||
        (error = og_stmt_bind_blob(st, 1, zeros, (size_t)wlen)) < 0 ||
        (error = og_stmt_bind_text(st, 2, key)) < 0 || (error = og_stmt_step(st)) < 0) {
        og_error_wrap("destroying the data key of %s", label);
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, s, "DELETE FROM crypto_data_key WHERE scope = ?")) < 0 ||
        (error = og_stmt_bind_text(st, 1, key)) < 0)
        goto cleanup;
    if ((error = og_stmt_step(st)) < 0) {
        og_error_wrap("destroying the data key of %s", label);
        goto cleanup;
    }
    if (og_store_changes(s) == 0) {
        error = og_error_set(OG_ENOTFOUND,
                             "cannot destroy the data key of %s: it has none "
                             "(destroyed already or never created)",
                             label);
        goto cleanup;
    }
    /* Earlier data-key versions are wrapped by the destroyed key: unreadable now; gone too. */
    if ((error = og_crypto_datakey_retire(k, s, scope, NULL)) < 0 ||
        (error = og_crypto_reseal_clear(s, scope)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    if (og_store_tx_depth(s) > depth)
        error = og_store_tx_end(s, error);
    free(zeros);
    /* Drop the unwrapped key from memory whatever happened: it is re-read from the row if the
     * caller's transaction rolls back. */
    cache_evict_scope(k, key);
    return error;
}

bool og_crypto_scope_key_exists(og_store *s, const char *scope)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, s, "SELECT 1 FROM crypto_data_key WHERE scope = ?");
    if (rc == 0) {
        og_stmt_bind_text(st, 1, og_crypto__scope_key(scope));
        rc = og_stmt_step(st);
    }
    og_stmt_free(st);
    return rc == OG_ROW;
}

/* ---- sealing ---- */
/* Associated data of a sealed value: domain NUL version scope-key NUL object-id. Caller frees. */
/* hdr: the version byte, and for format 0x02 the 4 data-key version bytes (hlen 1 or 5). */
static int seal_aad(const char *scope, const char *object_id, const uint8_t *hdr, size_t hlen,
                    uint8_t **out, size_t *outlen)
{
    const char *key = og_crypto__scope_key(scope);
    size_t dl = sizeof(SEAL_DOMAIN), kl = strlen(key) + 1, ol = strlen(object_id);
    uint8_t *p = malloc(dl + hlen + kl + ol);
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(p, SEAL_DOMAIN, dl);
    memcpy(p + dl, hdr, hlen);
    memcpy(p + dl + hlen, key, kl);
    memcpy(p + dl + hlen + kl, object_id, ol);
    *out = p;
    *outlen = dl + hlen + kl + ol;
    return 0;
}

int og_crypto_seal(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                   const void *plaintext, size_t len, uint8_t **out, size_t *outlen)
{
    int error = -1;
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    uint8_t *aad = NULL, *buf = NULL;
    size_t aadlen = 0;
    int64_t dek_version = 0;
    char label[300];
    *out = NULL;
    *outlen = 0;
    og_crypto__scope_label(scope, label, sizeof(label));
    if (!object_id) {
        error = og_error_set(OG_EINVAL, "cannot seal data of %s without an object id", label);
        goto cleanup;
    }
    if ((error = og_crypto__check_names(scope, object_id)) < 0)
        goto cleanup;
    if (len > SIZE_MAX - OG_CRYPTO_SEAL_OVERHEAD || (len && !plaintext)) {
        error =
            og_error_set(OG_EINVAL, "cannot seal object %s of %s: bad plaintext", object_id, label);
        goto cleanup;
    }
    if ((error = og_keyring__scope_dek_cur(k, s, scope, dek, &dek_version, NULL)) < 0)
        goto cleanup;
    if (!(buf = malloc(len + OG_CRYPTO_SEAL_OVERHEAD))) {
        error = og_error_set(OG_ERROR, "out of memory sealing object %s of %s", object_id, label);
        goto cleanup;
    }
    buf[0] = SEAL_V2;
    og_crypto__put_version(buf + 1, dek_version);
    if ((error = seal_aad(scope, object_id, buf, 5, &aad, &aadlen)) < 0)
        goto cleanup;
    if ((error = og_crypto_random(buf + 5, OG_CRYPTO_NONCE_LEN)) < 0 ||
        (error = og_crypto__gcm_seal(dek, buf + 5, aad, aadlen, plaintext, len,
                                     buf + 5 + OG_CRYPTO_NONCE_LEN,
                                     buf + 5 + OG_CRYPTO_NONCE_LEN + len)) < 0) {
        og_error_wrap("cannot seal object %s of %s", object_id, label);
        goto cleanup;
    }
    *out = buf;
    *outlen = len + OG_CRYPTO_SEAL_OVERHEAD;
    buf = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(dek, sizeof(dek));
    free(aad);
    free(buf);
    return error;
}

int og_crypto_open(og_keyring *k, og_store *s, const char *scope, const char *object_id,
                   const void *sealed, size_t len, uint8_t **out, size_t *outlen)
{
    int error = -1;
    uint8_t dek[OG_CRYPTO_KEY_LEN];
    uint8_t *aad = NULL, *buf = NULL;
    size_t aadlen = 0, n = 0, hlen = 1;
    int64_t dek_version = 1;
    const uint8_t *in = sealed;
    char label[300];
    *out = NULL;
    *outlen = 0;
    og_crypto__scope_label(scope, label, sizeof(label));
    if (!object_id) {
        error =
            og_error_set(OG_EINVAL, "cannot open sealed data of %s without an object id", label);
        goto cleanup;
    }
    if ((error = og_crypto__check_names(scope, object_id)) < 0)
        goto cleanup;
    if ((error = og_crypto_sealed_version(in, len, 0, &dek_version)) < 0) {
        og_error_wrap("cannot open sealed data for object %s of %s", object_id, label);
        goto cleanup;
    }
    hlen = in[0] == SEAL_V1 ? 1 : 5;
    if ((error = og_keyring__dek_version(k, s, scope, dek_version, dek)) < 0)
        goto cleanup;
    if ((error = seal_aad(scope, object_id, in, hlen, &aad, &aadlen)) < 0)
        goto cleanup;
    n = len - hlen - OG_CRYPTO_NONCE_LEN - OG_CRYPTO_TAG_LEN;
    if (!(buf = malloc(n ? n : 1))) {
        error = og_error_set(OG_ERROR, "out of memory opening object %s of %s", object_id, label);
        goto cleanup;
    }
    error = og_crypto__gcm_open(dek, in + hlen, aad, aadlen, in + hlen + OG_CRYPTO_NONCE_LEN, n,
                                in + hlen + OG_CRYPTO_NONCE_LEN + n, buf);
    if (error == OG_ECORRUPT) {
        og_error_set(OG_ECORRUPT,
                     "cannot open sealed data for object %s of %s: authentication failed (wrong "
                     "tenant, wrong object or tampered)",
                     object_id, label);
        goto cleanup;
    }
    if (error < 0) {
        og_error_wrap("cannot open sealed data for object %s of %s", object_id, label);
        goto cleanup;
    }
    *out = buf;
    *outlen = n;
    buf = NULL;
    error = 0;
cleanup:
    og_crypto_wipe(dek, sizeof(dek));
    free(aad);
    free(buf);
    return error;
}
