/* lease.c - leases: a named job held by one node at a time until it lets go or its lease runs
 * out (a dead node's jobs are taken over), in one portable upsert on either backend. */
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"
#include "opsgate/util.h"

#include <string.h>

/* store_leases: one row per job name; the holder is owner until expires_us (microseconds since
 * the epoch, by the nodes' clocks: they must agree to well within a lease's length). */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE store_leases ("
     "  name TEXT PRIMARY KEY,"
     "  owner TEXT NOT NULL,"
     "  expires_us INTEGER NOT NULL,"
     "  taken_at TEXT NOT NULL);",
     "CREATE TABLE store_leases ("
     "  name TEXT PRIMARY KEY,"
     "  owner TEXT NOT NULL,"
     "  expires_us BIGINT NOT NULL,"
     "  taken_at TEXT NOT NULL);"},
};

const og_schema og_store_lease_schema = {"store", steps, sizeof(steps) / sizeof(steps[0]), NULL};

/* Insert the lease, or take it over when it is ours already or has run out; the row lock the
 * upsert takes makes two nodes racing for a lapsed lease see one winner (PostgreSQL re-checks the
 * WHERE on the row as the winner left it; SQLite has one writer). */
#define TAKE_SQL                                                                                   \
    "INSERT INTO store_leases (name, owner, expires_us, taken_at) VALUES (?, ?, ?, ?)"             \
    " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"                                    \
    " expires_us = excluded.expires_us, taken_at = CASE WHEN store_leases.owner ="                 \
    " excluded.owner THEN store_leases.taken_at ELSE excluded.taken_at END"                        \
    " WHERE store_leases.owner = excluded.owner OR store_leases.expires_us <= ?"

static int check_names(const char *name, const char *owner)
{
    if (!name || !name[0] || strlen(name) > 200)
        return og_error_set(OG_EINVAL, "a lease is named by 1 to 200 characters");
    if (!owner || !owner[0] || strlen(owner) > 200)
        return og_error_set(OG_EINVAL, "a lease's owner (a node id) is 1 to 200 characters");
    return 0;
}

int og_store_lease_take(og_store *s, const char *name, const char *owner, int64_t ttl_us, int *got)
{
    int error;
    *got = 0;
    if ((error = check_names(name, owner)) < 0)
        return error;
    if (ttl_us <= 0)
        return og_error_set(OG_EINVAL, "lease '%s': its length must be positive", name);
    int64_t now = og_time_now_us();
    char at[OG_TIME_LEN];
    og_time_format(now, at);
    if ((error = og_store_run(s, TAKE_SQL, "ttiti", name, owner, (int64_t)(now + ttl_us), at,
                              (int64_t)now)) < 0)
        return og_error_wrap("taking the lease '%s'", name);
    *got = og_store_changes(s) == 1;
    return 0;
}

int og_store_lease_holder(og_store *s, const char *name, char *owner, size_t size,
                          int64_t *expires_us)
{
    og_stmt *st = NULL;
    int error = check_names(name, "-");
    owner[0] = '\0';
    *expires_us = 0;
    if (error < 0)
        return error;
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT owner, expires_us FROM store_leases WHERE name = ?",
                                      "t", name)) == 0 &&
        (error = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(owner, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", size);
        *expires_us = og_stmt_col_int(st, 1);
        error = 1;
    }
    og_stmt_free(st);
    return error < 0 ? og_error_wrap("reading the lease '%s'", name) : error;
}

int og_store_lease_take_from(og_store *s, const char *name, const char *owner, const char *from,
                             int64_t ttl_us, int *got)
{
    int error;
    *got = 0;
    if ((error = check_names(name, owner)) < 0 || (error = check_names(name, from)) < 0)
        return error;
    if (ttl_us <= 0)
        return og_error_set(OG_EINVAL, "lease '%s': its length must be positive", name);
    int64_t now = og_time_now_us();
    char at[OG_TIME_LEN];
    og_time_format(now, at);
    if ((error = og_store_run(s,
                              "UPDATE store_leases SET owner = ?, expires_us = ?, taken_at = ?"
                              " WHERE name = ? AND owner = ?",
                              "tittt", owner, (int64_t)(now + ttl_us), at, name, from)) < 0)
        return og_error_wrap("taking the lease '%s' over", name);
    *got = og_store_changes(s) == 1;
    return 0;
}

int og_store_lease_release(og_store *s, const char *name, const char *owner)
{
    int error;
    if ((error = check_names(name, owner)) < 0)
        return error;
    if ((error = og_store_run(s, "DELETE FROM store_leases WHERE name = ? AND owner = ?", "tt",
                              name, owner)) < 0)
        return og_error_wrap("releasing the lease '%s'", name);
    return 0;
}
