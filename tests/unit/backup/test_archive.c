/* test_archive.c - the archive writer's O_DIRECT writes (archive.c) and their fallback to the
 * page cache: entries of every alignment round-trip byte for byte through og_backup__scan, and a
 * file-size limit reached in the middle of a direct write fails the backup as a full disk, with
 * nothing left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backup/backup_internal.h"
#include "opsgate/error.h"

/* entry sizes: empty, one byte, one block, unaligned, several 1 MiB blocks and a tail */
static const size_t sizes[] = {0, 1, 4096, 4097, 12345, 3 * 1024 * 1024 + 777};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
/* entry i is OBJ followed by i: a name a backup writes (an object file's) */
#define OBJ "objects/7d3c1a52-0e4b-4c8e-9a41-3f2d7c9b1e01/1e/1e78dd8f58dabca6"

typedef struct got {
    uint8_t *buf[NSIZES];
    size_t len[NSIZES];
    int at, entries;
} got;

static int g_begin(void *arg, const char *path, int64_t size)
{
    got *g = arg;
    (void)size;
    g->at = -1;
    if (strncmp(path, OBJ, strlen(OBJ)) == 0)
        g->at = atoi(path + strlen(OBJ));
    g->entries++;
    return 0;
}

static int g_data(void *arg, const void *buf, size_t len)
{
    got *g = arg;
    if (g->at < 0)
        return 0;
    g->buf[g->at] = realloc(g->buf[g->at], g->len[g->at] + len);
    assert_non_null(g->buf[g->at]);
    memcpy(g->buf[g->at] + g->len[g->at], buf, len);
    g->len[g->at] += len;
    return 0;
}

/* Incompressible bytes of entry i (a sealed object's kind). */
static uint8_t *content(size_t i)
{
    uint8_t *b = malloc(sizes[i] + 1);
    uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
    assert_non_null(b);
    for (size_t k = 0; k < sizes[i]; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[k] = (uint8_t)x;
    }
    return b;
}

static json_t *manifest(void)
{
    json_t *schemas = json_object(), *chains = json_array();
    json_t *m = og_backup__manifest_new("sqlite", schemas, chains, 0);
    json_decref(schemas);
    json_decref(chains);
    assert_non_null(m);
    return m;
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_archive__round_trips_every_alignment(void **state)
{
    (void)state;
    char dir[] = "/tmp/og-archive-XXXXXX", to[PATH_MAX];
    bk_writer w;
    got g = {0};
    json_t *m = NULL;
    bk_sink sink = {g_begin, g_data, NULL, &g};
    assert_non_null(mkdtemp(dir));
    snprintf(to, sizeof(to), "%s/b.tar.zst", dir);
    assert_int_equal(og_backup__writer_open(&w, to, NULL, NULL), 0);
    int direct = w.direct; /* 0 on a file system without O_DIRECT (tmpfs): the same bytes */
    assert_int_equal(og_backup__add_mem(&w, "opsgate.db", "db", 2), 0); /* a backup has one */
    for (size_t i = 0; i < NSIZES; i++) {
        char path[128];
        uint8_t *b = content(i);
        snprintf(path, sizeof(path), OBJ "%zu", i);
        assert_int_equal(og_backup__add_mem(&w, path, b, sizes[i]), 0);
        free(b);
    }
    assert_int_equal(og_backup__writer_finish(&w, manifest()), 0);
    assert_true(w.written > 3 * BK_BLOCK); /* whole blocks (direct where taken), then a tail */
    print_message("O_DIRECT: %s\n", direct ? "taken" : "not taken by this file system");
    int error = og_backup__scan(to, &sink, NULL, NULL, &m);
    if (error < 0)
        print_message("%s\n", og_error_last());
    assert_int_equal(error, 0);
    assert_int_equal(g.entries, (int)NSIZES + 1); /* and the database */
    for (size_t i = 0; i < NSIZES; i++) {
        uint8_t *b = content(i);
        assert_int_equal(g.len[i], sizes[i]);
        if (sizes[i])
            assert_memory_equal(g.buf[i], b, sizes[i]);
        free(b);
        free(g.buf[i]);
    }
    json_decref(m);
    unlink(to);
    assert_int_equal(files_in(dir), 0); /* no temporary file left */
    rmdir(dir);
}

static void test_archive__file_size_limit_is_a_full_disk(void **state)
{
    (void)state;
    char dir[] = "/tmp/og-archive-XXXXXX", to[PATH_MAX];
    struct rlimit old, lim;
    bk_writer w;
    uint8_t *b = content(NSIZES - 1);
    int error = 0;
    assert_non_null(mkdtemp(dir));
    snprintf(to, sizeof(to), "%s/b.tar.zst", dir);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(og_backup__writer_open(&w, to, NULL, NULL), 0);
    /* the limit in the middle of a block: the direct write comes back short, unaligned */
    lim = old;
    lim.rlim_cur = 2 * 1024 * 1024 + 1000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; error == 0 && i < 3; i++) {
        char path[128];
        snprintf(path, sizeof(path), OBJ "%d", i);
        error = og_backup__add_mem(&w, path, b, sizes[NSIZES - 1]);
    }
    if (error == 0)
        error = og_backup__writer_finish(&w, manifest());
    else
        og_backup__writer_abort(&w);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    assert_int_equal(error, OG_ENOSPACE);
    assert_non_null(strstr(og_error_last(), "File too large"));
    assert_int_equal(files_in(dir), 0); /* neither the archive nor its temporary file */
    rmdir(dir);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_archive__round_trips_every_alignment),
        cmocka_unit_test(test_archive__file_size_limit_is_a_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
