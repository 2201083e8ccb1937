/* lazy_archive.c - libarchive, loaded on first use: the functions of it that backup calls.
 *
 * libarchive is not linked into the binary (util.h, "system libraries only some commands
 * need"): it and libxml2, ICU and libstdc++ under it cost every process's start, and only
 * backups, verifies, restores and exports use it. Each function below has libarchive's name and
 * prototype (its header checks it), finds libarchive's own once and calls it. When libarchive
 * cannot be loaded a function answers as libarchive does on failure (NULL, ARCHIVE_FATAL), and
 * og_backup__libarchive() gives the paths that need it the clear error first. */
#include "backup/backup_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static og_lazylib libarchive = {"libarchive.so.13", "libarchive13",
                                "backups, restores and tenant exports"};

/* The address of libarchive's sym in *slot, found once (NULL when it cannot be loaded). */
static void *fn_of(void **slot, const char *sym)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f && og_lazylib_sym(&libarchive, sym, &f) == 0)
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

/* FN: fn_, a pointer to libarchive's function NAME (the one of this name there), or NULL. */
#define FN(name)                                                                                   \
    static void *slot_;                                                                            \
    __typeof__(&name) fn_; /* the library's function has this one's type */                        \
    void *p_ = fn_of(&slot_, #name);                                                               \
    memcpy(&fn_, &p_, sizeof(fn_))

/* A function of one archive returning an int code. */
#define ARCHIVE_INT1(name)                                                                         \
    int name(struct archive *a)                                                                    \
    {                                                                                              \
        FN(name);                                                                                  \
        return fn_ ? fn_(a) : ARCHIVE_FATAL;                                                       \
    }

int og_backup__libarchive(void)
{
    return og_lazylib_load(&libarchive);
}

struct archive *archive_read_new(void)
{
    FN(archive_read_new);
    return fn_ ? fn_() : NULL;
}

struct archive *archive_write_new(void)
{
    FN(archive_write_new);
    return fn_ ? fn_() : NULL;
}

struct archive_entry *archive_entry_new(void)
{
    FN(archive_entry_new);
    return fn_ ? fn_() : NULL;
}

ARCHIVE_INT1(archive_errno)
ARCHIVE_INT1(archive_read_free)
ARCHIVE_INT1(archive_read_support_filter_zstd)
ARCHIVE_INT1(archive_read_support_format_tar)
ARCHIVE_INT1(archive_write_add_filter_zstd)
ARCHIVE_INT1(archive_write_close)
ARCHIVE_INT1(archive_write_free)
ARCHIVE_INT1(archive_write_set_format_pax_restricted)

const char *archive_error_string(struct archive *a)
{
    FN(archive_error_string);
    static _Thread_local char msg[512]; /* a copy: callers pass it to og_error_set */
    if (fn_)
        return fn_(a);
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    return msg;
}

void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    FN(archive_set_error);
    if (!fn_)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn_(a, err, "%s", msg);
}

la_ssize_t archive_read_data(struct archive *a, void *buf, size_t size)
{
    FN(archive_read_data);
    return fn_ ? fn_(a, buf, size) : ARCHIVE_FATAL;
}

int archive_read_data_block(struct archive *a, const void **buff, size_t *size, la_int64_t *offset)
{
    FN(archive_read_data_block);
    return fn_ ? fn_(a, buff, size, offset) : ARCHIVE_FATAL;
}

int archive_read_next_header(struct archive *a, struct archive_entry **entry)
{
    FN(archive_read_next_header);
    return fn_ ? fn_(a, entry) : ARCHIVE_FATAL;
}

int archive_read_open_filename(struct archive *a, const char *filename, size_t block_size)
{
    FN(archive_read_open_filename);
    return fn_ ? fn_(a, filename, block_size) : ARCHIVE_FATAL;
}

la_ssize_t archive_write_data(struct archive *a, const void *buf, size_t size)
{
    FN(archive_write_data);
    return fn_ ? fn_(a, buf, size) : ARCHIVE_FATAL;
}

int archive_write_header(struct archive *a, struct archive_entry *entry)
{
    FN(archive_write_header);
    return fn_ ? fn_(a, entry) : ARCHIVE_FATAL;
}

int archive_write_open(struct archive *a, void *client, archive_open_callback *open_cb,
                       archive_write_callback *write_cb, archive_close_callback *close_cb)
{
    FN(archive_write_open);
    return fn_ ? fn_(a, client, open_cb, write_cb, close_cb) : ARCHIVE_FATAL;
}

int archive_write_set_bytes_in_last_block(struct archive *a, int bytes)
{
    FN(archive_write_set_bytes_in_last_block);
    return fn_ ? fn_(a, bytes) : ARCHIVE_FATAL;
}

int archive_write_set_bytes_per_block(struct archive *a, int bytes)
{
    FN(archive_write_set_bytes_per_block);
    return fn_ ? fn_(a, bytes) : ARCHIVE_FATAL;
}

int archive_write_set_filter_option(struct archive *a, const char *m, const char *o, const char *v)
{
    FN(archive_write_set_filter_option);
    return fn_ ? fn_(a, m, o, v) : ARCHIVE_FATAL;
}

void archive_entry_free(struct archive_entry *e)
{
    if (!e)
        return;
    FN(archive_entry_free);
    if (fn_)
        fn_(e);
}

__LA_MODE_T archive_entry_filetype(struct archive_entry *e)
{
    FN(archive_entry_filetype);
    return fn_ ? fn_(e) : 0;
}

const char *archive_entry_pathname(struct archive_entry *e)
{
    FN(archive_entry_pathname);
    return fn_ ? fn_(e) : NULL;
}

la_int64_t archive_entry_size(struct archive_entry *e)
{
    FN(archive_entry_size);
    return fn_ ? fn_(e) : 0;
}

/* A setter of an entry: void NAME(struct archive_entry *, T). */
#define ENTRY_SET(name, T)                                                                         \
    void name(struct archive_entry *e, T v)                                                        \
    {                                                                                              \
        FN(name);                                                                                  \
        if (fn_)                                                                                   \
            fn_(e, v);                                                                             \
    }

ENTRY_SET(archive_entry_set_filetype, unsigned int)
ENTRY_SET(archive_entry_set_pathname, const char *)
ENTRY_SET(archive_entry_set_perm, __LA_MODE_T)
ENTRY_SET(archive_entry_set_size, la_int64_t)

void archive_entry_set_mtime(struct archive_entry *e, time_t sec, long nsec)
{
    FN(archive_entry_set_mtime);
    if (fn_)
        fn_(e, sec, nsec);
}
