/* authlimit.c - failed authentications counted per source address and per token prefix, in a
 * bounded in-memory table; a key over its limit is refused (429) until its window ends. */
#include "http/authlimit.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char key[80];     /* "ip:ADDR" or "tok:TOKEN-ID"; empty = free slot */
    uint64_t hash;    /* of key, compared first */
    int64_t start_us; /* when its window began (monotonic) */
    int count;        /* failures in the window */
    int refused;      /* a refusal of this window was already reported (audited once) */
} entry;

struct og_http_authlimit {
    pthread_mutex_t mu;
    int limit;
    int64_t window_us;
    size_t cap;
    entry *e;
};

int og_http__authlimit_new(og_http_authlimit **out, int limit, int window_s, size_t cap)
{
    *out = NULL;
    if (limit <= 0)
        return 0; /* disabled */
    og_http_authlimit *l = calloc(1, sizeof(*l));
    if (!l || !(l->e = calloc(cap ? cap : 1, sizeof(entry)))) {
        free(l);
        return og_error_set(OG_ERROR, "out of memory allocating the authentication limiter");
    }
    pthread_mutex_init(&l->mu, NULL);
    l->limit = limit;
    l->window_us = (int64_t)(window_s > 0 ? window_s : 60) * 1000000;
    l->cap = cap ? cap : 1;
    *out = l;
    return 0;
}

void og_http__authlimit_free(og_http_authlimit *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->e);
    free(l);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The live entry for key, or NULL. An expired entry is freed on the way. Caller holds mu. */
static entry *find(og_http_authlimit *l, const char *key, uint64_t hash, int64_t now)
{
    for (size_t i = 0; i < l->cap; i++) {
        entry *e = &l->e[i];
        if (e->hash != hash || !e->key[0] || strcmp(e->key, key) != 0)
            continue;
        if (now - e->start_us >= l->window_us) {
            e->key[0] = '\0';
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* A slot for a new key: a free or expired one, else the one whose window began first (an
 * attacker with many addresses evicts old entries; memory stays at cap entries). */
static entry *slot(og_http_authlimit *l, int64_t now)
{
    entry *oldest = &l->e[0];
    for (size_t i = 0; i < l->cap; i++) {
        entry *e = &l->e[i];
        if (!e->key[0] || now - e->start_us >= l->window_us)
            return e;
        if (e->start_us < oldest->start_us)
            oldest = e;
    }
    return oldest;
}

static void make_key(char *out, size_t size, const char *kind, const char *v)
{
    og_strlcpy(out, kind, size);
    size_t n = strlen(out);
    og_strlcpy(out + n, v, size - n);
}

/* Seconds left of e's window, at least 1. */
static int retry_of(const og_http_authlimit *l, const entry *e, int64_t now)
{
    int64_t left = e->start_us + l->window_us - now;
    int s = (int)((left + 999999) / 1000000);
    return s < 1 ? 1 : s;
}

int og_http__authlimit_check(og_http_authlimit *l, const char *source, const char *prefix,
                             og_http_authlimit_refusal *out)
{
    memset(out, 0, sizeof(*out));
    if (!l)
        return 0;
    const char *kinds[2] = {"ip:", "tok:"};
    const char *vals[2] = {source, prefix};
    int64_t now = og_time_mono_us();
    pthread_mutex_lock(&l->mu);
    for (int k = 0; k < 2 && !out->retry_after; k++) {
        if (!vals[k] || !vals[k][0])
            continue;
        char key[80];
        make_key(key, sizeof(key), kinds[k], vals[k]);
        entry *e = find(l, key, fnv1a(key), now);
        if (!e || e->count < l->limit)
            continue;
        out->retry_after = retry_of(l, e, now);
        out->by = k == 0 ? "source" : "token_prefix";
        out->failures = e->count;
        out->first = !e->refused;
        e->refused = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return out->retry_after;
}

void og_http__authlimit_fail(og_http_authlimit *l, const char *source, const char *prefix)
{
    if (!l)
        return;
    const char *kinds[2] = {"ip:", "tok:"};
    const char *vals[2] = {source, prefix};
    int64_t now = og_time_mono_us();
    pthread_mutex_lock(&l->mu);
    for (int k = 0; k < 2; k++) {
        if (!vals[k] || !vals[k][0])
            continue;
        char key[80];
        make_key(key, sizeof(key), kinds[k], vals[k]);
        uint64_t hash = fnv1a(key);
        entry *e = find(l, key, hash, now);
        if (!e) {
            e = slot(l, now);
            memset(e, 0, sizeof(*e));
            og_strlcpy(e->key, key, sizeof(e->key));
            e->hash = hash;
            e->start_us = now;
        }
        e->count++;
    }
    pthread_mutex_unlock(&l->mu);
}

int og_http__authlimit_limit(const og_http_authlimit *l)
{
    return l ? l->limit : 0;
}

int og_http__authlimit_window_s(const og_http_authlimit *l)
{
    return l ? (int)(l->window_us / 1000000) : 0;
}
