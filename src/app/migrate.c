/* migrate.c - `opsgate migrate`: a data-folder installation moved into a PostgreSQL database.
 * The master key goes to the key folder, every row to the database (og_store_copy), every
 * artifact object file into the database's chunk rows (og_artifacts_objects_import), and the
 * target's audit chains are verified before the move is called done. The source is only read. */
#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct tally {
    og_app_migrate_progress fn;
    void *arg;
    int64_t tables, rows;
} tally;

static void on_table(const char *table, int64_t rows, void *arg)
{
    tally *t = arg;
    t->tables++;
    t->rows += rows;
    if (t->fn)
        t->fn(table, rows, t->arg);
}

/* The key folder: made 0700 when missing; an existing one must not be open to others. */
static int keys_folder(const char *dir)
{
    struct stat sb;
    if (!dir || !*dir)
        return og_error_set(OG_EINVAL, "a key folder is needed for the master key (--keys DIR)");
    if (lstat(dir, &sb) < 0) {
        if (errno != ENOENT)
            return og_error_set(OG_ERROR, "cannot read key folder '%s': %s", dir, strerror(errno));
        return og_mkdir_p(dir, 0700);
    }
    char key[4096];
    if ((size_t)snprintf(key, sizeof(key), "%s/%s", dir, OG_MASTER_KEY_FILE) >= sizeof(key))
        return og_error_set(OG_EINVAL, "key folder path too long: '%s'", dir);
    if (lstat(key, &sb) == 0)
        return og_error_set(OG_EEXISTS,
                            "key folder '%s' already holds a master key: give migrate"
                            " a key folder of its own",
                            dir);
    if (!S_ISDIR(sb.st_mode))
        return og_error_set(OG_EINVAL, "key folder '%s' is not a folder", dir);
    if (sb.st_mode & 0077)
        return og_error_set(OG_EINVAL,
                            "key folder '%s' may be read by others (mode %03o): chmod 700", dir,
                            (unsigned)(sb.st_mode & 0777));
    return 0;
}

int og_app_migrate(const char *from_dir, const og_install_where *to, og_app_migrate_progress fn,
                   void *arg, json_t **out)
{
    og_store *src = NULL, *dst = NULL;
    og_keyring *skeys = NULL, *dkeys = NULL;
    og_install_where from = {.data = from_dir, .keys = NULL};
    tally t = {.fn = fn, .arg = arg};
    int64_t objects = 0, bytes = 0;
    char *url = NULL;
    int error;
    *out = NULL;
    if (!from_dir || !og_install_folder(from_dir))
        return og_error_set(OG_EINVAL, "migrate moves a data folder: --from names a folder");
    if (!to || !to->data || og_install_folder(to->data))
        return og_error_set(OG_EINVAL, "migrate moves into a PostgreSQL database: --to names a"
                                       " postgres:// or postgresql:// URL");
    if ((error = og_install_open_at(&from, &src, &skeys)) < 0 ||
        (error = keys_folder(to->keys)) < 0)
        goto cleanup;
    if (!(url = og_install_db_url(to->data))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* the rows first (a target that is not empty is refused before anything is written), then
     * the key, which the key folder was checked to lack */
    if ((error = og_store_open(&dst, url, 1)) < 0 ||
        (error = og_store_copy(src, dst, on_table, &t)) < 0 ||
        (error = og_crypto_master_key_copy(from_dir, to->keys)) < 0 ||
        (error = og_keyring_open(&dkeys, to->keys)) < 0)
        goto cleanup;
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = dst;
    ctx.keys = dkeys;
    ctx.data_dir = NULL; /* objects in the database */
    og_actor_local(&ctx.actor);
    if ((error = og_artifacts_objects_import(&ctx, from_dir, &objects, &bytes)) < 0)
        goto cleanup;
    og_audit_verify_result res;
    if ((error = og_audit_verify(&ctx, NULL, &res)) < 0) {
        og_error_wrap("the copy does not verify");
        goto cleanup;
    }
    *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tables", (json_int_t)t.tables, "rows",
                     (json_int_t)t.rows, "objects", (json_int_t)objects, "object_bytes",
                     (json_int_t)bytes, "audit_chains", (json_int_t)res.chains, "audit_records",
                     (json_int_t)res.records, "audit_checkpoints", (json_int_t)res.checkpoints);
    if (!*out)
        error = og_error_set(OG_ERROR, "out of memory");
cleanup:
    og_store_close(src);
    og_store_close(dst);
    og_keyring_free(skeys);
    og_keyring_free(dkeys);
    free(url);
    return error;
}
