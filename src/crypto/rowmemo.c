/* rowmemo.c - a scope's data-key row remembered for the rest of the transaction that read it, or
 * held for the rest of a request that checked it, so a request that seals and opens several values
 * reads the row once instead of once per value. */
#include "crypto_internal.h"

#include "opsgate/util.h"

#include <string.h>

/*
 * Why this is safe (issue 20's rule, a revoked or withdrawn key refuses at once, still holds):
 * - A row is remembered only inside a transaction, under og_store_tx_id(), and only while it is
 *   not revoked. Revoking, restoring, rotating, re-wrapping and destroying a key are writers'
 *   transactions of this module that take the writer lock exclusively, so no other process or
 *   thread can change the row while a transaction that remembered it is open: the change waits
 *   for it, and the next transaction reads the row again.
 * - A change made inside the same transaction (a nested level) forgets every remembered row of
 *   the thread (og_crypto__memo_forget, called by each writer of crypto_data_key), and a level
 *   rolled back or a tenant purged changes the id.
 * - Only the row is remembered, which holds no secret (the key is wrapped). Unwrapping still goes
 *   through the KEK provider and the keyring's cache as before, so a client's key file that is
 *   taken away still refuses at its next use.
 * Entries are per thread: a store connection is used by one thread at a time.
 *
 * The hold (og_crypto_scope_key_hold, taken by the HTTP server when it checks the key of the
 * tenant of the request's token, released when the request's work on the thread is done) is the
 * same row for the uses outside a transaction: a request reads the row once, at its start, where
 * it read it at every seal and open before (5 times for a new artifact version before its
 * transaction, on every node). Why that is still safe:
 * - A request that starts after a revocation commits reads the revoked row and is refused, on
 *   every node; a request checked before it ends as a request that had read each value just
 *   before it would have. Nothing it writes survives it: a transaction never uses the hold (it
 *   reads the row itself, above, and refuses a revoked key), and a stream sealed under a data
 *   key rotated meanwhile is refused by its transaction (og_crypto_stream_check_current).
 * - A change of the row by this thread (revoke, restore, key set, rotation) drops the hold
 *   (og_crypto__memo_forget), so the request's next use reads the row again.
 * - Unwrapping still goes through the KEK provider and the keyring's cache, keyed by the row's
 *   fingerprint: a client's key file taken away refuses at its next use, as before.
 * - Inside a transaction of s, og_crypto__hold_get answers nothing.
 */
#define MEMO_SLOTS 4

/* The key cache's index of a row: what unwrapping it depends on (keyring.c's cache). */
void og_crypto__row_fingerprint(const char *scope_key, const char *kek, int64_t version,
                                const char *config, const void *wrapped, size_t wlen,
                                uint8_t fp[32])
{
    uint8_t v[8];
    og_sha256 *h = og_sha256_new();
    if (!h) {
        /* No fingerprint means no cache hit: an all-zero one never matches a real SHA-256. */
        memset(fp, 0, 32);
        return;
    }
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)((uint64_t)version >> (56 - 8 * i));
    og_sha256_update(h, scope_key, strlen(scope_key) + 1);
    og_sha256_update(h, kek, strlen(kek) + 1);
    og_sha256_update(h, v, sizeof(v));
    og_sha256_update(h, config ? config : "", config ? strlen(config) + 1 : 0);
    og_sha256_update(h, wrapped, wlen);
    og_sha256_final(h, fp);
}

int og_crypto__row_fill(og_crypto__dek_row *row, const char *scope_key, const char *kek,
                        int64_t key_version, const uint8_t *wrapped, size_t wlen,
                        const char *config, int64_t dek_version, int64_t oldest)
{
    if (!kek || !wrapped || strlen(kek) >= sizeof(row->kek) || wlen > sizeof(row->wrapped) ||
        (config && strlen(config) >= sizeof(row->config)))
        return -1;
    og_strlcpy(row->kek, kek, sizeof(row->kek));
    row->key_version = key_version;
    memcpy(row->wrapped, wrapped, wlen);
    row->wlen = wlen;
    row->has_config = config != NULL;
    og_strlcpy(row->config, config ? config : "", sizeof(row->config));
    row->dek_version = dek_version;
    row->oldest = oldest;
    og_crypto__row_fingerprint(scope_key, kek, key_version, config, wrapped, wlen, row->fp);
    return 0;
}

typedef struct {
    uint64_t tx; /* og_store_tx_id when read; 0: empty */
    char key[256];
    og_crypto__dek_row row;
} memo_slot;

static __thread memo_slot memo[MEMO_SLOTS];
static __thread unsigned memo_next;

int og_crypto__memo_get(og_store *s, const char *scope_key, og_crypto__dek_row *out)
{
    uint64_t tx = og_store_tx_id(s);
    if (!tx)
        return 0;
    for (int i = 0; i < MEMO_SLOTS; i++)
        if (memo[i].tx == tx && strcmp(memo[i].key, scope_key) == 0) {
            *out = memo[i].row;
            return 1;
        }
    return 0;
}

void og_crypto__memo_put(og_store *s, const char *scope_key, const og_crypto__dek_row *row)
{
    uint64_t tx = og_store_tx_id(s);
    if (!tx || strlen(scope_key) >= sizeof(memo[0].key))
        return;
    memo_slot *slot = NULL;
    for (int i = 0; i < MEMO_SLOTS && !slot; i++)
        if (memo[i].tx == tx && strcmp(memo[i].key, scope_key) == 0)
            slot = &memo[i];
    for (int i = 0; i < MEMO_SLOTS && !slot; i++)
        if (memo[i].tx != tx) /* another (ended) transaction's: free to take */
            slot = &memo[i];
    if (!slot)
        slot = &memo[memo_next++ % MEMO_SLOTS];
    slot->tx = tx;
    og_strlcpy(slot->key, scope_key, sizeof(slot->key));
    slot->row = *row;
}

static __thread struct {
    int set;
    char key[256];
    og_crypto__dek_row row;
} hold;

int og_crypto__hold_get(og_store *s, const char *scope_key, og_crypto__dek_row *out)
{
    if (!hold.set || og_store_tx_id(s) || strcmp(hold.key, scope_key) != 0)
        return 0;
    *out = hold.row;
    return 1;
}

void og_crypto__hold_set(const char *scope_key, const og_crypto__dek_row *row)
{
    hold.set = 0;
    if (strlen(scope_key) >= sizeof(hold.key))
        return;
    og_strlcpy(hold.key, scope_key, sizeof(hold.key));
    hold.row = *row;
    hold.set = 1;
}

void og_crypto_scope_key_release(void)
{
    if (hold.set)
        memset(&hold, 0, sizeof(hold));
}

void og_crypto__memo_forget(void)
{
    memset(memo, 0, sizeof(memo));
    og_crypto_scope_key_release();
}
