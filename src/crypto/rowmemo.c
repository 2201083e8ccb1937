/* rowmemo.c - a scope's data-key row remembered for the rest of the transaction that read it, so a
 * request that seals and opens several values reads the row once instead of once per value. */
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
 */
#define MEMO_SLOTS 4

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

void og_crypto__memo_forget(void)
{
    memset(memo, 0, sizeof(memo));
}
