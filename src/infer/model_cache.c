/* model_cache.c - the document models loaded once per process: parsing a model's weights (JSON)
 * and building it cost more than a proposal's prediction, so each is kept by the infer_models
 * row ids it was built from. A new model version is a new row: its id misses the cache, is
 * loaded, and the old entry ages out once no caller holds it. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 8

typedef struct slot {
    char key[OG_INFER__CACHE_KEY];
    void *m; /* NULL: free slot */
    void (*free_fn)(void *m);
    int refs;
    uint64_t used; /* for least recently used */
} slot;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static slot cache[CACHE_SLOTS];
static uint64_t ticks;

int og_infer__cache_get(const char *key, og_infer__make_fn make, void *arg,
                        void (*free_fn)(void *m), void **out)
{
    void *m = NULL;
    slot *victim = NULL;
    int error;
    *out = NULL;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].m && strcmp(cache[i].key, key) == 0) {
            cache[i].refs++;
            cache[i].used = ++ticks;
            *out = cache[i].m;
            pthread_mutex_unlock(&cache_mu);
            return 0;
        }
    pthread_mutex_unlock(&cache_mu);
    /* built outside the lock: two threads missing at once both build, one is kept */
    if ((error = make(arg, &m)) < 0)
        return error;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].m && strcmp(cache[i].key, key) == 0) {
            cache[i].refs++;
            cache[i].used = ++ticks;
            *out = cache[i].m;
            pthread_mutex_unlock(&cache_mu);
            free_fn(m);
            return 0;
        }
        if (cache[i].refs == 0 &&
            (!victim || !cache[i].m || (victim->m && cache[i].used < victim->used)))
            victim = &cache[i];
    }
    if (victim) {
        void *old = victim->m;
        void (*old_free)(void *) = victim->free_fn;
        og_strlcpy(victim->key, key, sizeof(victim->key));
        victim->m = m;
        victim->free_fn = free_fn;
        victim->refs = 1;
        victim->used = ++ticks;
        pthread_mutex_unlock(&cache_mu);
        if (old)
            old_free(old);
    } else {
        pthread_mutex_unlock(&cache_mu); /* every slot in use: this one is the caller's alone */
    }
    *out = m;
    return 0;
}

int og_infer__cache_put(void *m, void (*free_fn)(void *m))
{
    if (!m)
        return 0;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].m == m) {
            cache[i].refs--;
            pthread_mutex_unlock(&cache_mu);
            return 1;
        }
    pthread_mutex_unlock(&cache_mu);
    free_fn(m); /* not kept (every slot was in use) */
    return 0;
}

/* The newest row of each kind and owner, one subquery each (each answered by the index
 * infer_models_kind, newest first, one row), numbered by slot. */
static const char SQL_NEWEST[] =
    "SELECT * FROM (SELECT 0 AS slot, id, version, examples FROM infer_models WHERE kind = ? AND"
    " tenant_id IS NULL ORDER BY version DESC LIMIT 1) AS n0 UNION ALL"
    " SELECT * FROM (SELECT 1 AS slot, id, version, examples FROM infer_models WHERE kind = ? AND"
    " tenant_id = ? ORDER BY version DESC LIMIT 1) AS n1 UNION ALL"
    " SELECT * FROM (SELECT 2 AS slot, id, version, examples FROM infer_models WHERE kind = ? AND"
    " tenant_id IS NULL ORDER BY version DESC LIMIT 1) AS n2 UNION ALL"
    " SELECT * FROM (SELECT 3 AS slot, id, version, examples FROM infer_models WHERE kind = ? AND"
    " tenant_id = ? ORDER BY version DESC LIMIT 1) AS n3";

int og_infer__models_newest(og_store *s, const char *a, const char *b, const char *tenant_id,
                            og_infer__newest out[4])
{
    og_stmt *st = NULL;
    int error;
    memset(out, 0, 4 * sizeof(*out));
    error = og_stmt_prepare_args(&st, s, SQL_NEWEST, "tttttt", a, a, tenant_id ? tenant_id : "", b,
                                 b, tenant_id ? tenant_id : "");
    while (error >= 0 && (error = og_stmt_step(st)) == OG_ROW) {
        int64_t k = og_stmt_col_int(st, 0);
        if (k < 0 || k > 3)
            continue;
        og_strlcpy(out[k].id, og_stmt_col_text(st, 1), OG_INFER__ROW_ID);
        out[k].version = og_stmt_col_int(st, 2);
        out[k].examples = og_stmt_col_int(st, 3);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_infer__model_weights(og_store *s, const char *id, json_t **weights)
{
    og_stmt *st = NULL;
    int error;
    *weights = NULL;
    if ((error = og_stmt_prepare_args(&st, s, "SELECT weights FROM infer_models WHERE id = ?", "t",
                                      id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        *weights = json_loads(og_stmt_col_text(st, 0), 0, NULL);
        error = *weights ? 0 : og_error_set(OG_ECORRUPT, "the stored model %s is not JSON", id);
    } else if (error >= 0) {
        error = og_error_set(OG_ENOTFOUND, "model %s is gone", id);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}
