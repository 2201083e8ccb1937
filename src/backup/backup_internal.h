/* backup_internal.h - what the files of the backup module share: the archive writer and
 * reader (archive.c, libarchive), the manifest's checks (manifest.c) and temporary files
 * (tmpfiles.c). */
#ifndef OPSGATE_BACKUP_INTERNAL_H
#define OPSGATE_BACKUP_INTERNAL_H

#include "opsgate/backup.h"

#include <limits.h>
#include <stdint.h>

#define BK_PIECE        (1024 * 1024) /* bytes read and written at a time */
#define BK_BLOCK        (1024 * 1024) /* bytes of compressed archive per write() */
#define BK_LEVEL        "1"           /* zstd's level: sealed bytes do not compress (docs/ops.md) */
#define BK_WRITEBACK    (16 << 20)    /* archive bytes after which their writeback is started */
#define BK_ALIGN        4096          /* O_DIRECT's alignment of buffers, lengths and offsets */
#define BK_MANIFEST_MAX (256 << 20)   /* a manifest larger than this is refused */
#define BK_ENTRIES_MAX  50000000      /* entries an archive may have */
/* zstd compresses in the thread that writes (the object files' or the database's), without
 * worker threads of its own: at level 1 they cost more in hand-offs than they save. */

/* ---- writing (archive.c) ---- */
typedef struct bk_pipe bk_pipe;
typedef struct og_sha256 og_sha256;
typedef struct bk_writer {
    struct archive *a;
    int fd;
    char to[PATH_MAX], tmp[PATH_MAX];
    json_t *files; /* [{path, size, sha256}] */
    int64_t bytes;
    /* the compressed archive goes to fd on a thread of its own (out) while the caller's thread
     * reads, hashes and compresses the next bytes */
    bk_pipe *out;
    int out_errno;            /* the errno of out's failed write */
    int direct;               /* fd is O_DIRECT: the archive bypasses the page cache */
    int64_t written, flushed; /* archive bytes written to fd; of those, writeback started */
    og_backup_progress fn;
    void *arg;
    /* the entry open with og_backup__entry_open */
    char epath[PATH_MAX];
    int64_t esize, edone;
    og_sha256 *eh;
} bk_writer;
/* A temporary archive beside `to` (mkstemp, 0600, flocked); `to` must not exist. */
int og_backup__writer_open(bk_writer *w, const char *to, og_backup_progress fn, void *arg);
/* The file at src as entry path; expect_size >= 0 is checked. */
int og_backup__add_file(bk_writer *w, const char *path, const char *src, int64_t expect_size);
int og_backup__add_mem(bk_writer *w, const char *path, const void *data, size_t len);
/* An entry of size bytes given piece by piece: open, write (in order, size bytes in all), close
 * (checks the size, notes the hash). */
int og_backup__entry_open(bk_writer *w, const char *path, int64_t size);
int og_backup__entry_write(bk_writer *w, const void *buf, size_t len);
int og_backup__entry_close(bk_writer *w);
/* size bytes read by fn (up to cap at a time into buf; *got 0 only at the end). */
typedef int (*bk_read_fn)(void *arg, void *buf, size_t cap, size_t *got);
int og_backup__add_reader(bk_writer *w, const char *path, int64_t size, bk_read_fn fn, void *arg);
/* manifest gets "files" (w->files) and goes in last; then close, fsync, rename onto `to`
 * without replacing anything, fsync the folder. Takes manifest's reference. */
int og_backup__writer_finish(bk_writer *w, json_t *manifest);
void og_backup__writer_abort(bk_writer *w); /* removes the temporary file; idempotent */

/* ---- reading (archive.c) ---- */
/* What an archive's entries are given to (restore); NULL members: nothing to do. */
typedef struct bk_sink {
    int (*begin)(void *arg, const char *path, int64_t size);
    int (*data)(void *arg, const void *buf, size_t len);
    int (*end)(void *arg);
    void *arg;
} bk_sink;
/* Read every entry of file, hashing it and giving it to sink (may be NULL), then check them
 * against the manifest (og_backup__manifest_check). *manifest (caller decrefs) on success. */
int og_backup__scan(const char *file, const bk_sink *sink, og_backup_progress fn, void *parg,
                    json_t **manifest);

/* ---- the manifest (manifest.c) ---- */
/* 0 when path is a name an archive may hold (opsgate.db, objects/<id>/<xx>/<name>,
 * tls-listener-<name>.pem, OG_BACKUP_KEY_ENTRY): relative, no "." or ".." part, plain characters;
 * OG_ECORRUPT otherwise. */
int og_backup__path_ok(const char *path);
/* seen: {path: {size, sha256}} of the entries read. 0 when the manifest's format is known, every
 * file it lists was seen with that size and hash, and nothing else was; OG_ECORRUPT naming the
 * first difference. */
int og_backup__manifest_check(const json_t *manifest, const json_t *seen);
/* A new manifest: format, version, opsgate version, created, backend ("sqlite" or "postgres":
 * where the database came from; opsgate.db is a SQLite database either way), schemas, chains,
 * keys. */
json_t *og_backup__manifest_new(const char *backend, json_t *schemas, json_t *chains,
                                int keys_included);

/* 32 bytes as 64 lowercase hex digits. */
void og_backup__hex(const uint8_t in[32], char out[65]);

/* ---- a thread that takes items in order (pipe.c) ---- */
typedef struct bk_pipe bk_pipe;
/* Called on the pipe's thread with each item as put (name NULL when put so); an error stops it:
 * the items after it are dropped and the next put (or finish) returns the error. */
typedef int (*bk_pipe_fn)(void *arg, int kind, const char *name, int64_t size, const void *buf,
                          size_t len);
int og_backup__pipe_start(bk_pipe **p, bk_pipe_fn fn, void *arg);
/* buf is copied; waits while BK_PIPE_SLOTS items wait. */
int og_backup__pipe_put(bk_pipe *p, int kind, const char *name, int64_t size, const void *buf,
                        size_t len);
/* Wait until every item is done; the thread's error, if any; p is freed (NULL: 0). */
int og_backup__pipe_finish(bk_pipe *p);
/* Drop what waits, end the thread, free p, without a word (NULL: nothing). */
void og_backup__pipe_abort(bk_pipe *p);

/* ---- temporary files (tmpfiles.c) ---- */
/* Remove what interrupted backups left: `.BASE.partial-*` and `.BASE.db-*` beside `to`, and
 * DATA/backup-staging/<dir> whose lock no running backup holds. Best effort. */
void og_backup__sweep(const char *to, const char *data_dir);
/* A flocked empty temporary file `.BASE.<what>-XXXXXX` beside `to`: *fd and path. */
int og_backup__tmp_beside(const char *to, const char *what, char *path, size_t size, int *fd);
/* DATA/backup-staging/XXXXXX with a flocked `lock` file (*lockfd). */
int og_backup__staging_make(const char *data_dir, char *dir, size_t size, int *lockfd);
/* Remove a folder and everything under it (best effort). */
void og_backup__rmtree(const char *dir);
/* Make everything written under dir durable at once (syncfs of its file system). */
int og_backup__sync_tree(const char *dir);

/* libarchive is loaded on first use (lazy_archive.c, which defines the functions of it that
 * backup calls): load it, OG_ERROR saying what to install when it cannot. */
int og_backup__libarchive(void);

#endif
