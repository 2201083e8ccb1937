/* install.c - creating and opening an installation: a data folder (SQLite database, master key)
 * or a PostgreSQL database with a key folder; the platform admin. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
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
    if (og_store_url_is_server(data_dir))
        return strdup(data_dir);
    if (asprintf(&url, "sqlite:%s/" DB_FILE, data_dir) < 0)
        return NULL;
    return url;
}

const char *og_install_folder(const char *location)
{
    return og_store_url_is_server(location) ? NULL : location;
}

const char *og_install_label(const char *location)
{
    /* A URL is never repeated: it may hold a password. */
    return og_store_url_is_server(location) ? "the PostgreSQL database" : location;
}

/* The folder holding master.key: the key folder when given, else the data folder; a PostgreSQL
 * installation must name one (the master key cannot live in the database it protects). */
static int keys_folder(const og_install_where *w, const char **out)
{
    *out = NULL;
    if (!w || !w->data || !*w->data)
        return og_error_set(OG_EINVAL, "no data location given");
    if (w->keys && *w->keys) {
        if (og_store_url_is_server(w->keys))
            return og_error_set(OG_EINVAL, "the key folder must be a folder, not a URL");
        *out = w->keys;
        return 0;
    }
    if (og_store_url_is_server(w->data))
        return og_error_set(OG_EINVAL,
                            "the data location is a PostgreSQL URL: the master key cannot live in "
                            "the database, so the installation needs a key folder (--keys DIR or "
                            "OPSGATE_KEYS) and none was given");
    *out = w->data;
    return 0;
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

/* Make dir (0700) unless it is there, and set its mode to 0700; *created says whether it was
 * made. */
static int folder_private(const char *dir, int *created)
{
    struct stat sb;
    int error;
    *created = 0;
    if (stat(dir, &sb) < 0) {
        if ((error = og_mkdir_p(dir, 0700)) < 0)
            return error;
        *created = 1;
    } else if (!S_ISDIR(sb.st_mode)) {
        return og_error_set(OG_EINVAL, "'%s' is not a folder", dir);
    }
    if (chmod(dir, 0700) < 0)
        return og_error_set(OG_ERROR, "cannot set mode 0700 on '%s': %s", dir, strerror(errno));
    return 0;
}

/* What og_install_create made, undone when it fails. */
typedef struct made {
    const char *data_dir; /* the data folder, NULL for a PostgreSQL installation */
    int data_created, data_touched;
    const char *keys_dir;
    int keys_created, key_written;
} made;

static void remove_install(const made *m)
{
    static const char *const files[] = {DB_FILE, DB_FILE "-wal", DB_FILE "-shm"};
    char path[4096];
    if (m->key_written) {
        snprintf(path, sizeof(path), "%s/%s", m->keys_dir, OG_MASTER_KEY_FILE);
        unlink(path);
    }
    if (m->keys_created && m->keys_dir != m->data_dir)
        rmdir(m->keys_dir);
    if (m->data_touched) {
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            snprintf(path, sizeof(path), "%s/%s", m->data_dir, files[i]);
            unlink(path);
        }
    }
    if (m->data_created)
        rmdir(m->data_dir);
}

/* Refuse a location that holds an installation already; make the folders. */
static int prepare_places(const og_install_where *w, made *m)
{
    int error, has;
    if (m->data_dir) {
        if ((has = folder_has_entries(m->data_dir)) < 0)
            return has;
        if (has)
            return og_error_set(OG_EEXISTS,
                                "data folder '%s' already exists and is not empty; refusing to "
                                "touch it",
                                m->data_dir);
    } else {
        int applied = 0;
        if ((error = og_store_modules_applied(w->data, &applied)) < 0)
            return error;
        if (applied > 0)
            return og_error_set(OG_EEXISTS, "the PostgreSQL database already holds an opsgate "
                                            "installation; refusing to touch it");
    }
    if (m->data_dir) {
        if ((error = folder_private(m->data_dir, &m->data_created)) < 0)
            return error;
        m->data_touched = 1;
    }
    if (m->keys_dir != m->data_dir && (error = folder_private(m->keys_dir, &m->keys_created)) < 0)
        return error;
    return 0;
}

int og_install_create(const og_install_where *w, char token_out[OG_TOKEN_MAX])
{
    int error = -1;
    char *url = NULL;
    og_store *s = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    char token_id[OG_ID_LEN];
    made m;
    memset(&m, 0, sizeof(m));

    if ((error = keys_folder(w, &m.keys_dir)) < 0)
        return error;
    m.data_dir = og_install_folder(w->data);
    if ((error = prepare_places(w, &m)) < 0)
        goto cleanup;
    if ((error = og_crypto_master_key_create(m.keys_dir)) < 0)
        goto cleanup;
    m.key_written = 1;
    if (!(url = og_install_db_url(w->data))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_store_open(&s, url, 1)) < 0)
        goto cleanup;
    if ((error = og_keyring_open(&keys, m.keys_dir)) < 0)
        goto cleanup;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    ctx.keys = keys;
    ctx.data_dir = m.data_dir;
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
    if (error < 0)
        remove_install(&m);
    return error;
}

int og_install_init(const char *data_dir, char token_out[OG_TOKEN_MAX])
{
    og_install_where w = {data_dir, NULL};
    return og_install_create(&w, token_out);
}

/* OG_ENOTFOUND unless the location holds an installation. */
static int installed(const char *location)
{
    char path[4096];
    struct stat sb;
    if (og_store_url_is_server(location)) {
        int applied = 0, error = og_store_modules_applied(location, &applied);
        if (error < 0)
            return error;
        if (applied == 0) {
            og_error_set(OG_ENOTFOUND, "the PostgreSQL database holds no opsgate installation");
            return og_error_set_detail(OG_TENANT_DETAIL_NO_INSTALLATION);
        }
        return 0;
    }
    snprintf(path, sizeof(path), "%s/" DB_FILE, location);
    if (stat(path, &sb) < 0) {
        og_error_set(OG_ENOTFOUND, "no opsgate data folder at '%s'", location);
        return og_error_set_detail_arg(OG_TENANT_DETAIL_NO_DATA_FOLDER, location);
    }
    return 0;
}

/* A data folder upgraded from before the platform chain recorded checkpoints and signing keys
 * has its audit trail adopted on its first open (og_audit_adopt; a no-op afterwards), so that
 * `audit verify` passes before anything is signed. Not fatal: a folder opened read-only is
 * adopted by the next writer or the next `audit checkpoint`, and until then verify says why. */
static void adopt_trail(og_store *s, og_keyring *keys)
{
    og_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = s;
    ctx.keys = keys;
    og_actor_system(&ctx.actor, "upgrade");
    if (og_audit_adopt(&ctx, NULL) < 0)
        og_error_clear();
}

int og_install_open_at(const og_install_where *w, og_store **store, og_keyring **keys)
{
    int error = -1;
    char *url = NULL;
    const char *keys_dir = NULL;
    *store = NULL;
    *keys = NULL;
    if ((error = keys_folder(w, &keys_dir)) < 0)
        return error;
    if ((error = installed(w->data)) < 0)
        return error;
    if (!(url = og_install_db_url(w->data)))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_open(store, url, 0)) < 0)
        goto cleanup;
    if ((error = og_keyring_open(keys, keys_dir)) < 0)
        goto cleanup;
    adopt_trail(*store, *keys);
    error = 0;
cleanup:
    if (error < 0) {
        og_store_close(*store);
        *store = NULL;
    }
    free(url);
    return error;
}

int og_install_open(const char *data_dir, og_store **store, og_keyring **keys)
{
    og_install_where w = {data_dir, NULL};
    return og_install_open_at(&w, store, keys);
}
