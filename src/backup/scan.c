/* scan.c - reading a backup archive once, entry by entry: every entry hashed (and handed to a
 * restore's sink), the manifest parsed when it comes (last), then the two compared. */
#include "backup/backup_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct scan {
    struct archive *a;
    const char *file;
    const bk_sink *sink;
    json_t *seen, *manifest;
    int64_t bytes, total;
    og_backup_progress fn;
    void *parg;
} scan;

static int ar_error(struct archive *a, const char *file)
{
    int e = archive_errno(a);
    const char *msg = archive_error_string(a);
    return og_error_set(e == ENOSPC || e == EDQUOT || e == EFBIG ? OG_ENOSPACE : OG_ECORRUPT,
                        "'%s' is not a readable backup archive: %s", file,
                        msg ? msg : "archive error");
}

/* The manifest: read whole (bounded), parsed. */
static int read_manifest(scan *s, int64_t size)
{
    char *text = NULL;
    json_error_t jerr;
    int64_t got = 0;
    if (s->manifest)
        return og_error_set(OG_ECORRUPT, "'%s' holds two manifests", s->file);
    if (size < 0 || size > BK_MANIFEST_MAX)
        return og_error_set(OG_ECORRUPT, "'%s': the manifest's size %lld is out of range", s->file,
                            (long long)size);
    if (!(text = malloc((size_t)size + 1)))
        return og_error_set(OG_ERROR, "out of memory");
    while (got < size) {
        la_ssize_t n = archive_read_data(s->a, text + got, (size_t)(size - got));
        if (n <= 0) {
            free(text);
            return n < 0 ? ar_error(s->a, s->file)
                         : og_error_set(OG_ECORRUPT, "'%s': the manifest is cut short", s->file);
        }
        got += n;
    }
    text[size] = '\0';
    s->manifest = json_loadb(text, (size_t)size, 0, &jerr);
    free(text);
    if (!json_is_object(s->manifest))
        return og_error_set(OG_ECORRUPT, "'%s': the manifest is not a JSON object (%s)", s->file,
                            jerr.text);
    return 0;
}

/* One entry other than the manifest: hashed, given to the sink, noted in seen. */
static int read_entry(scan *s, const char *path, int64_t size)
{
    og_sha256 *h = NULL;
    uint8_t sha[32];
    char hex[65];
    int64_t got = 0;
    int error;
    if ((error = og_backup__path_ok(path)) < 0)
        return error;
    if (json_object_get(s->seen, path))
        return og_error_set(OG_ECORRUPT, "'%s' holds '%s' twice", s->file, path);
    if (s->sink && s->sink->begin && (error = s->sink->begin(s->sink->arg, path, size)) < 0)
        return error;
    if (!(h = og_sha256_new()))
        return og_error_set(OG_ERROR, "out of memory");
    for (;;) {
        /* libarchive's own buffer, not copied (a restore's sink copies it once) */
        const void *buf;
        size_t n;
        la_int64_t at;
        int rc = archive_read_data_block(s->a, &buf, &n, &at);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            og_sha256_free(h);
            return ar_error(s->a, s->file);
        }
        if (at != got) { /* a sparse entry: a backup writes none */
            og_sha256_free(h);
            return og_error_set(OG_ECORRUPT, "'%s': '%s' has holes", s->file, path);
        }
        if (n == 0)
            continue;
        og_sha256_update(h, buf, n);
        got += (int64_t)n;
        s->bytes += (int64_t)n;
        if (s->sink && s->sink->data && (error = s->sink->data(s->sink->arg, buf, n)) < 0) {
            og_sha256_free(h);
            return error;
        }
        if (s->fn)
            s->fn(s->sink ? "restore" : "verify", s->bytes, s->total, s->parg);
    }
    og_sha256_final(h, sha);
    og_backup__hex(sha, hex);
    if (got != size)
        return og_error_set(OG_ECORRUPT, "'%s': '%s' is cut short", s->file, path);
    if (s->sink && s->sink->end && (error = s->sink->end(s->sink->arg)) < 0)
        return error;
    if (json_object_set_new(s->seen, path,
                            json_pack("{s:I, s:s}", "size", (json_int_t)size, "sha256", hex)) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

static int scan_entries(scan *s)
{
    struct archive_entry *e;
    int rc, error = 0;
    for (int64_t i = 0; i < BK_ENTRIES_MAX; i++) {
        rc = archive_read_next_header(s->a, &e);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            return ar_error(s->a, s->file);
        const char *path = archive_entry_pathname(e);
        if (!path || archive_entry_filetype(e) != AE_IFREG)
            return og_error_set(OG_ECORRUPT, "'%s' holds '%s', which is not a plain file", s->file,
                                path ? path : "(no name)");
        if (s->manifest)
            return og_error_set(OG_ECORRUPT, "'%s': '%s' comes after the manifest", s->file, path);
        if (strcmp(path, OG_BACKUP_MANIFEST) == 0)
            error = read_manifest(s, archive_entry_size(e));
        else
            error = read_entry(s, path, archive_entry_size(e));
        if (error < 0)
            return error;
    }
    if (!s->manifest)
        return og_error_set(
            OG_ECORRUPT, "'%s' has no manifest at its end: an interrupted or cut backup", s->file);
    return 0;
}

int og_backup__scan(const char *file, const bk_sink *sink, og_backup_progress fn, void *parg,
                    json_t **manifest)
{
    scan s = {.file = file, .sink = sink, .fn = fn, .parg = parg};
    struct stat sb;
    int error = -1;
    if (stat(file, &sb) < 0)
        return og_error_set(errno == ENOENT ? OG_ENOTFOUND : OG_ERROR, "cannot read '%s': %s", file,
                            strerror(errno));
    s.total = 0;
    if ((error = og_backup__libarchive()) < 0)
        goto cleanup;
    if (!(s.seen = json_object()) || !(s.a = archive_read_new())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    archive_read_support_filter_zstd(s.a);
    archive_read_support_format_tar(s.a);
    if (archive_read_open_filename(s.a, file, BK_PIECE) != ARCHIVE_OK) {
        error = ar_error(s.a, file);
        goto cleanup;
    }
    if ((error = scan_entries(&s)) < 0 ||
        (error = og_backup__manifest_check(s.manifest, s.seen)) < 0)
        goto cleanup;
    *manifest = s.manifest;
    s.manifest = NULL;
    error = 0;
cleanup:
    if (s.a)
        archive_read_free(s.a);
    json_decref(s.seen);
    json_decref(s.manifest);
    return error;
}
