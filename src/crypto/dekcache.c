/* dekcache.c - the keyring's cache of unwrapped data keys: the keys live in one page arena locked
 * in memory (mlock: never written to swap; MADV_DONTDUMP: left out of core dumps), each entry
 * expires after a bounded time, and every key leaving the cache (expiry, eviction, revoke, rotate,
 * destroy, shutdown) is zeroized with OPENSSL_cleanse. */
#include "crypto_internal.h"

#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Where the cache's keys are; the rest of an entry (scope, fingerprint) is no secret. */
typedef struct slot {
    char *scope; /* owned; NULL: the slot is free */
    uint8_t fp[32];
    int64_t expires_us; /* monotonic */
    uint64_t used;      /* LRU clock value of the last use */
} slot;

struct og_crypto__cache {
    pthread_mutex_t mu; /* guards everything below */
    uint8_t *arena;     /* max * 32 bytes of keys, slot i's at arena + 32 * i */
    size_t arena_len;
    int locked; /* the arena is mlock'ed */
    slot *slots;
    size_t max, n; /* n slots in use */
    int64_t ttl_us;
    uint64_t clock;
};

static atomic_int mlock_reported;

/* Say once per process that keys may reach swap: an operator must raise RLIMIT_MEMLOCK. */
static void report_mlock_failure(int err, size_t len)
{
    if (atomic_exchange(&mlock_reported, 1))
        return;
    fprintf(stderr,
            "opsgate: warning: cannot lock the data key cache in memory (mlock of %zu bytes: "
            "%s): unwrapped tenant keys may be written to swap; raise the locked-memory limit "
            "(ulimit -l, systemd LimitMEMLOCK=)\n",
            len, strerror(err));
}

int og_crypto__cache_new(og_crypto__cache **out, size_t max, int64_t ttl_us)
{
    og_crypto__cache *c = NULL;
    long page = sysconf(_SC_PAGESIZE);
    *out = NULL;
    if (max == 0 || ttl_us < 0)
        return og_error_set(OG_EINVAL, "bad data key cache size or lifetime");
    if (!(c = calloc(1, sizeof(*c))) || !(c->slots = calloc(max, sizeof(slot)))) {
        free(c);
        return og_error_set(OG_ERROR, "out of memory");
    }
    if (page <= 0)
        page = 4096;
    c->arena_len = (max * OG_CRYPTO_KEY_LEN + (size_t)page - 1) / (size_t)page * (size_t)page;
    c->arena = mmap(NULL, c->arena_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c->arena == MAP_FAILED) {
        free(c->slots);
        free(c);
        return og_error_set(OG_ERROR, "cannot map the data key cache: %s", strerror(errno));
    }
#ifdef MADV_DONTDUMP
    madvise(c->arena, c->arena_len, MADV_DONTDUMP);
#endif
    if (mlock(c->arena, c->arena_len) == 0)
        c->locked = 1;
    else
        report_mlock_failure(errno, c->arena_len);
    pthread_mutex_init(&c->mu, NULL);
    c->max = max;
    c->ttl_us = ttl_us;
    *out = c;
    return 0;
}

/* Zeroize and free slot i, moving the last slot in its place. Caller holds c->mu. */
static void drop(og_crypto__cache *c, size_t i)
{
    size_t last = c->n - 1;
    free(c->slots[i].scope);
    if (i != last) {
        c->slots[i] = c->slots[last];
        memcpy(c->arena + i * OG_CRYPTO_KEY_LEN, c->arena + last * OG_CRYPTO_KEY_LEN,
               OG_CRYPTO_KEY_LEN);
    }
    og_crypto_wipe(c->arena + last * OG_CRYPTO_KEY_LEN, OG_CRYPTO_KEY_LEN);
    memset(&c->slots[last], 0, sizeof(slot));
    c->n--;
}

/* Drop the expired entries. Caller holds c->mu. */
static size_t expire(og_crypto__cache *c, int64_t now)
{
    size_t dropped = 0;
    for (size_t i = 0; i < c->n;) {
        if (c->slots[i].expires_us <= now) {
            drop(c, i);
            dropped++;
        } else {
            i++;
        }
    }
    return dropped;
}

void og_crypto__cache_free(og_crypto__cache *c)
{
    if (!c)
        return;
    while (c->n > 0)
        drop(c, c->n - 1);
    og_crypto_wipe(c->arena, c->arena_len);
    if (c->locked)
        munlock(c->arena, c->arena_len);
    munmap(c->arena, c->arena_len);
    free(c->slots);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int og_crypto__cache_get(og_crypto__cache *c, const uint8_t fp[32], uint8_t dek[32])
{
    int hit = 0;
    int64_t now = og_time_mono_us();
    pthread_mutex_lock(&c->mu);
    expire(c, now);
    for (size_t i = 0; i < c->n; i++) {
        if (memcmp(c->slots[i].fp, fp, 32) == 0) {
            memcpy(dek, c->arena + i * OG_CRYPTO_KEY_LEN, OG_CRYPTO_KEY_LEN);
            c->slots[i].used = ++c->clock;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* Drop a scope's entries. Caller holds c->mu. */
static void evict_scope(og_crypto__cache *c, const char *scope_key)
{
    for (size_t i = 0; i < c->n;) {
        if (strcmp(c->slots[i].scope, scope_key) == 0)
            drop(c, i);
        else
            i++;
    }
}

void og_crypto__cache_put(og_crypto__cache *c, const char *scope_key, const uint8_t fp[32],
                          const uint8_t dek[32])
{
    int64_t now = og_time_mono_us();
    char *copy = strdup(scope_key);
    if (!copy) /* best effort: out of memory only means no caching */
        return;
    pthread_mutex_lock(&c->mu);
    if (c->ttl_us == 0) {
        free(copy);
        pthread_mutex_unlock(&c->mu);
        return;
    }
    expire(c, now);
    evict_scope(c, scope_key);
    if (c->n == c->max) {
        size_t lru = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->slots[i].used < c->slots[lru].used)
                lru = i;
        drop(c, lru);
    }
    size_t i = c->n++;
    c->slots[i].scope = copy;
    memcpy(c->slots[i].fp, fp, 32);
    c->slots[i].expires_us = now + c->ttl_us;
    c->slots[i].used = ++c->clock;
    memcpy(c->arena + i * OG_CRYPTO_KEY_LEN, dek, OG_CRYPTO_KEY_LEN);
    pthread_mutex_unlock(&c->mu);
}

void og_crypto__cache_evict(og_crypto__cache *c, const char *scope_key)
{
    pthread_mutex_lock(&c->mu);
    if (scope_key) {
        evict_scope(c, scope_key);
    } else {
        while (c->n > 0)
            drop(c, c->n - 1);
    }
    pthread_mutex_unlock(&c->mu);
}

size_t og_crypto__cache_expire(og_crypto__cache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = expire(c, og_time_mono_us());
    pthread_mutex_unlock(&c->mu);
    return n;
}

void og_crypto__cache_ttl_set(og_crypto__cache *c, int64_t ttl_us)
{
    pthread_mutex_lock(&c->mu);
    c->ttl_us = ttl_us;
    /* Entries keep at most the new lifetime from now. */
    int64_t until = og_time_mono_us() + ttl_us;
    for (size_t i = 0; i < c->n; i++)
        if (c->slots[i].expires_us > until)
            c->slots[i].expires_us = until;
    expire(c, og_time_mono_us());
    pthread_mutex_unlock(&c->mu);
}

void og_crypto__cache_info(og_crypto__cache *c, og_keyring_cache_info *out)
{
    pthread_mutex_lock(&c->mu);
    out->entries = c->n;
    out->capacity = c->max;
    out->ttl_us = c->ttl_us;
    out->locked = c->locked;
    pthread_mutex_unlock(&c->mu);
}

/* The scopes of the cached entries, for a caller checking them against the store: a malloc'ed
 * array of malloc'ed strings (*n of them); NULL when none or out of memory. */
char **og_crypto__cache_scopes(og_crypto__cache *c, size_t *n)
{
    char **v = NULL;
    size_t k = 0;
    pthread_mutex_lock(&c->mu);
    if (c->n && (v = calloc(c->n, sizeof(*v)))) {
        for (size_t i = 0; i < c->n; i++) {
            int seen = 0;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(v[j], c->slots[i].scope) == 0;
            if (!seen && (v[k] = strdup(c->slots[i].scope)))
                k++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    *n = k;
    return v;
}

const uint8_t *og_crypto__cache_arena(og_crypto__cache *c, size_t *len)
{
    *len = c->arena_len;
    return c->arena;
}
