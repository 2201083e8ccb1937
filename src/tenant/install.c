/* install.c - creating and opening a data folder: database, master key, platform admin. */
#include "opsgate/tenant.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_FILE "opsgate.db"

char *og_install_db_url(const char *data_dir)
{
    char *url = NULL;
    if (asprintf(&url, "sqlite:%s/" DB_FILE, data_dir) < 0)
        return NULL;
    return url;
}

/* A PostgreSQL URL is never taken for a folder name (it would make a folder "postgresql:"). */
static int refuse_server_url(const char *data_dir)
{
    if (!og_store_url_is_server(data_dir))
        return 0;
    /* The URL is not repeated: it may hold a password. */
    return og_error_set(OG_EINVAL,
                        "the data location is a PostgreSQL URL: opsgate cannot run on PostgreSQL "
                        "yet (the store can; the master key, the audit signing key and artifact "
                        "objects still live in a data folder): give a folder");
}

/* 1 if the folder exists and has entries, 0 if missing or empty, negative on error. */
static int folder_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        if (errno == ENOTDIR)
            return 1;
        return og_error_set(OG_ERROR, "cannot read folder '%s': %s", dir, strerror(errno));
    }
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            found = 1;
            break;
        }
    }
    closedir(d);
    return found;
}

static void remove_install(const char *dir, int created_dir)
{
    static const char *const files[] = {DB_FILE, DB_FILE "-wal", DB_FILE "-shm",
                                        OG_MASTER_KEY_FILE};
    char path[4096];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    if (created_dir)
        rmdir(dir);
}

int og_install_init(const char *data_dir, char token_out[OG_TOKEN_MAX])
{
    int error = -1;
    int created_dir = 0, touched = 0;
    char *url = NULL;
    og_store *s = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    char token_id[OG_ID_LEN];
    struct stat sb;

    if ((error = refuse_server_url(data_dir)) < 0)
        return error;
    int has = folder_has_entries(data_dir);
    if (has < 0)
        return has;
    if (has)
        return og_error_set(
            OG_EEXISTS, "data folder '%s' already exists and is not empty; refusing to touch it",
            data_dir);
    if (stat(data_dir, &sb) < 0) {
        if ((error = og_mkdir_p(data_dir, 0700)) < 0)
            return error;
        created_dir = 1;
    }
    if (chmod(data_dir, 0700) < 0) {
        error =
            og_error_set(OG_ERROR, "cannot set mode 0700 on '%s': %s", data_dir, strerror(errno));
        goto cleanup;
    }
    touched = 1;
    if ((error = og_crypto_master_key_create(data_dir)) < 0)
        goto cleanup;
    if (!(url = og_install_db_url(data_dir))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_store_open(&s, url, 1)) < 0)
        goto cleanup;
    if ((error = og_keyring_open(&keys, data_dir)) < 0)
        goto cleanup;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    ctx.keys = keys;
    ctx.data_dir = data_dir;
    og_actor_local(&ctx.actor);
    if ((error = og_crypto_scope_key_create(keys, s, NULL)) < 0)
        goto cleanup;
    if ((error = og_user_add(&ctx, NULL, "admin", OG_ROLE_PLATFORM_ADMIN, NULL)) < 0)
        goto cleanup;
    if ((error = og_token_create(&ctx, NULL, "admin", 365LL * 86400 * 1000000, token_out,
                                 token_id)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_store_close(s);
    og_keyring_free(keys);
    free(url);
    if (error < 0 && touched)
        remove_install(data_dir, created_dir);
    return error;
}

int og_install_open(const char *data_dir, og_store **store, og_keyring **keys)
{
    int error = -1;
    char *url = NULL;
    char path[4096];
    struct stat sb;
    *store = NULL;
    *keys = NULL;
    if ((error = refuse_server_url(data_dir)) < 0)
        return error;
    snprintf(path, sizeof(path), "%s/" DB_FILE, data_dir);
    if (stat(path, &sb) < 0) {
        og_error_set(OG_ENOTFOUND, "no opsgate data folder at '%s'", data_dir);
        return og_error_set_detail_arg(OG_TENANT_DETAIL_NO_DATA_FOLDER, data_dir);
    }
    if (!(url = og_install_db_url(data_dir)))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_open(store, url, 0)) < 0)
        goto cleanup;
    if ((error = og_keyring_open(keys, data_dir)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0) {
        og_store_close(*store);
        *store = NULL;
    }
    free(url);
    return error;
}
