/* test_artifacts.c - the artifact repository on a real data folder: versions, storage, diff,
 * locks, lifecycle through the gates, rights of every role, holds, retention, search, and a raw
 * scan of the data folder for plaintext. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct fx {
    og_test_env env;
    og_tenant acme, globex;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    og_ctx *c = &f->env.ctx;
    OG_ASSERT_OK(og_tenant_create(c, "acme", &f->acme));
    OG_ASSERT_OK(og_tenant_create(c, "globex", &f->globex));
    OG_ASSERT_OK(og_project_create(c, "acme", "fw", "Firewall migration", NULL));
    OG_ASSERT_OK(og_project_create(c, "acme", "m365", "M365 tenant move", NULL));
    OG_ASSERT_OK(og_project_create(c, "globex", "fw", "Globex firewall", NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "pam", OG_ROLE_PROJECT_MANAGER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "ed", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "aud", OG_ROLE_AUDITOR, NULL));
    OG_ASSERT_OK(og_user_add(c, "acme", "cli", OG_ROLE_CLIENT_VIEWER, NULL));
    OG_ASSERT_OK(og_user_add(c, "globex", "gus", OG_ROLE_TENANT_ADMIN, NULL));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

/* A context acting as a user of a tenant (the CLI's --as). */
static og_ctx as(fx *f, const char *tenant, const char *user)
{
    og_ctx c = f->env.ctx;
    OG_ASSERT_OK(og_actor_become(&c, tenant, user));
    return c;
}

static og_artifact_ref ref(const char *tenant, const char *project, const char *name)
{
    og_artifact_ref r = {tenant, project, name};
    return r;
}

static int put(og_ctx *c, const char *tenant, const char *project, const char *name,
               const char *kind, const char *text, og_artifact_version *v)
{
    og_artifact_ref r = ref(tenant, project, name);
    og_artifact_put_opts o = {.kind = kind, .message = "test"};
    return og_artifact_put_buffer(c, &r, &o, text, strlen(text), v);
}

/* Read a version whole; caller frees. */
static int get(og_ctx *c, const char *tenant, const char *project, const char *name, int64_t ver,
               char **out)
{
    og_artifact_ref r = ref(tenant, project, name);
    og_artifact_reader *rd = NULL;
    og_buf b;
    char tmp[7]; /* odd size: exercise partial reads */
    size_t got;
    int error = og_artifact_get_open(&rd, c, &r, ver, NULL);
    og_buf_init(&b, (size_t)64 << 20);
    while (error == 0 && (error = og_artifact_get_read(rd, tmp, sizeof(tmp), &got)) == 0 && got)
        og_buf_append(&b, tmp, got);
    og_artifact_get_close(rd);
    if (error < 0) {
        og_buf_free(&b);
        return error;
    }
    *out = og_buf_detach(&b);
    if (!*out)
        *out = strdup("");
    return 0;
}

static void assert_msg(const char *needle)
{
    if (!strstr(og_error_last(), needle))
        fail_msg("error '%s' does not contain '%s'", og_error_last(), needle);
}

/* Objects stored for a tenant: rows (small ones live in the row, larger ones in a file). */
static int objects_of(fx *f, const og_tenant *t)
{
    og_stmt *st = NULL;
    int n = -1;
    OG_ASSERT_OK(
        og_stmt_prepare(&st, f->env.store, "SELECT count(*) FROM art_objects WHERE tenant_id = ?"));
    og_stmt_bind_text(st, 1, t->id);
    if (og_stmt_step(st) == OG_ROW)
        n = (int)og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

/* The objects of a tenant in the object store: files under DATA/objects/<tenant>/ (not counting
 * tmp/), or with no data folder (PostgreSQL) the objects with chunk rows; last gets a file's path
 * or a seal id. */
static int object_files(fx *f, const og_tenant *t, char *last, size_t lastsz)
{
    char dir[4096];
    int total = 0;
    if (!f->env.data_dir) {
        og_stmt *st = NULL;
        OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store,
                                          "SELECT seal_id FROM art_object_chunks WHERE"
                                          " tenant_id = ? GROUP BY seal_id ORDER BY seal_id",
                                          "t", t->id));
        while (og_stmt_step(st) == OG_ROW) {
            total++;
            if (last)
                snprintf(last, lastsz, "%s", og_stmt_col_text(st, 0));
        }
        og_stmt_free(st);
        return total;
    }
    snprintf(dir, sizeof(dir), "%s/objects/%s", f->env.data_dir, t->id);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "tmp") == 0)
            continue;
        char sub[8192];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        DIR *d2 = opendir(sub);
        struct dirent *e2;
        while (d2 && (e2 = readdir(d2))) {
            if (e2->d_name[0] == '.')
                continue;
            total++;
            if (last)
                snprintf(last, lastsz, "%s/%s", sub, e2->d_name);
        }
        if (d2)
            closedir(d2);
    }
    closedir(d);
    return total;
}

/* Incompressible bytes, so that the object goes to a file. */
static char *random_bytes(size_t n)
{
    char *b = malloc(n);
    og_crypto_random(b, n);
    return b;
}

/* ---- versions and storage ---- */

static void test_artifacts_put__versions_are_immutable_and_readable_back(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_version v1, v2;
    char *text = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "sow.md", "sow", "# SOW\nscope: firewall\n", &v1));
    assert_int_equal(v1.number, 1);
    assert_true(v1.created_artifact);
    assert_string_equal(v1.media_type, "text/markdown");
    assert_int_equal(v1.size, 22);
    assert_int_equal(strlen(v1.sha256), 64);
    OG_ASSERT_OK(put(c, "acme", "fw", "sow.md", NULL, "# SOW\nscope: firewall and VPN\n", &v2));
    assert_int_equal(v2.number, 2);
    assert_false(v2.created_artifact);
    assert_string_not_equal(v1.sha256, v2.sha256);
    OG_ASSERT_OK(get(c, "acme", "fw", "sow.md", 1, &text));
    assert_string_equal(text, "# SOW\nscope: firewall\n");
    free(text);
    OG_ASSERT_OK(get(c, "acme", "fw", "sow.md", 0, &text));
    assert_string_equal(text, "# SOW\nscope: firewall and VPN\n");
    free(text);
    /* the same content again is not a new version */
    assert_int_equal(put(c, "acme", "fw", "sow.md", NULL, "# SOW\nscope: firewall and VPN\n", NULL),
                     OG_EEXISTS);
    assert_msg("identical to version 2");
    /* log: newest first, with hashes and authors */
    og_artifact_ref r = ref("acme", "fw", "sow.md");
    json_t *log = NULL;
    OG_ASSERT_OK(og_artifact_log(c, &r, &log));
    assert_int_equal(json_array_size(log), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(log, 0), "version")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(log, 1), "sha256")),
                        v1.sha256);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(log, 0), "author")), "local:"));
    json_decref(log);
}

static void test_artifacts_put__identical_content_is_stored_once_per_tenant(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    OG_ASSERT_OK(put(c, "acme", "fw", "a.txt", NULL, "same bytes here\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "m365", "b.txt", NULL, "same bytes here\n", NULL));
    assert_int_equal(objects_of(f, &f->acme), 1);
    OG_ASSERT_OK(put(c, "globex", "fw", "c.txt", NULL, "same bytes here\n", NULL));
    assert_int_equal(objects_of(f, &f->globex), 1);
    OG_ASSERT_OK(put(c, "acme", "fw", "a.txt", NULL, "other bytes\n", NULL));
    assert_int_equal(objects_of(f, &f->acme), 2);
}

static void test_artifacts_put__bad_input_is_refused_naming_the_value(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_ref r = ref("acme", "fw", "x.md");
    og_artifact_put_opts o = {.kind = "memo"};
    assert_int_equal(og_artifact_put_buffer(c, &r, &o, "x", 1, NULL), OG_EINVAL);
    assert_msg("memo");
    o = (og_artifact_put_opts){.media_type = "not a type"};
    assert_int_equal(og_artifact_put_buffer(c, &r, &o, "x", 1, NULL), OG_EINVAL);
    assert_msg("not a type");
    o = (og_artifact_put_opts){.metadata = "{\"a\": "};
    assert_int_equal(og_artifact_put_buffer(c, &r, &o, "x", 1, NULL), OG_EINVAL);
    assert_msg("metadata");
    o = (og_artifact_put_opts){.metadata = "[1,2]"};
    assert_int_equal(og_artifact_put_buffer(c, &r, &o, "x", 1, NULL), OG_EINVAL);
    assert_msg("object");
    r = ref("acme", "nope", "x.md");
    assert_int_equal(og_artifact_put_buffer(c, &r, NULL, "x", 1, NULL), OG_ENOTFOUND);
    assert_msg("project 'nope'");
    r = ref("nosuch", "fw", "x.md");
    assert_int_equal(og_artifact_put_buffer(c, &r, NULL, "x", 1, NULL), OG_ENOTFOUND);
    assert_msg("nosuch");
    r = ref("acme", "fw", "a/b");
    assert_int_equal(og_artifact_put_buffer(c, &r, NULL, "x", 1, NULL), OG_EINVAL);
    assert_msg("a/b");
    r = ref("acme", "fw", "");
    assert_int_equal(og_artifact_put_buffer(c, &r, NULL, "x", 1, NULL), OG_EINVAL);
    /* versions */
    char *t = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "v.txt", NULL, "one\n", NULL));
    assert_int_equal(get(c, "acme", "fw", "v.txt", 7, &t), OG_ENOTFOUND);
    assert_msg("no version 7");
    assert_int_equal(get(c, "acme", "fw", "v.txt", -1, &t), OG_EINVAL);
    assert_msg("-1");
    assert_int_equal(get(c, "acme", "fw", "missing.txt", 0, &t), OG_ENOTFOUND);
    assert_msg("missing.txt");
    r = ref("acme", "fw", "v.txt");
    assert_int_equal(og_artifact_restore(c, &r, 0, NULL, NULL), OG_EINVAL);
    assert_int_equal(og_artifact_restore(c, &r, 5, NULL, NULL), OG_ENOTFOUND);
    og_buf b;
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_artifact_diff(c, &r, 1, 9, &b), OG_ENOTFOUND);
    assert_int_equal(og_artifact_diff(c, &r, 0, 1, &b), OG_EINVAL);
    og_buf_free(&b);
    /* kind of an existing artifact cannot change */
    assert_int_equal(put(c, "acme", "fw", "v.txt", "sow", "two\n", NULL), OG_EINVAL);
    assert_msg("other, not a sow");
    /* states */
    assert_int_equal(og_artifact_set_state(c, &r, "done", NULL), OG_EINVAL);
    assert_msg("done");
    assert_int_equal(og_artifact_set_state(c, &r, "published", NULL), OG_ECONFLICT);
    assert_msg("from draft to published");
}

static void test_artifacts_put__media_type_by_extension_sniff_or_flag(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_version v;
    OG_ASSERT_OK(put(c, "acme", "fw", "diagram", NULL, "\x89PNG\r\n\x1a\n....", &v));
    assert_string_equal(v.media_type, "image/png");
    OG_ASSERT_OK(put(c, "acme", "fw", "notes", NULL, "plain words\n", &v));
    assert_string_equal(v.media_type, "text/plain");
    og_artifact_ref r = ref("acme", "fw", "page");
    og_artifact_put_opts o = {.media_type = "text/html"};
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, &o, "<p>hi</p>", 9, &v));
    assert_string_equal(v.media_type, "text/html");
    OG_ASSERT_OK(put(c, "acme", "fw", "sheet.xlsx", NULL, "PK\x03\x04zzzz", &v));
    assert_string_equal(v.media_type,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

static void test_artifacts_diff__unified_with_context_and_binary_note(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_ref r = ref("acme", "fw", "run.md");
    OG_ASSERT_OK(put(c, "acme", "fw", "run.md", "runbook", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "fw", "run.md", NULL, "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n", NULL));
    og_buf b;
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_artifact_diff(c, &r, 1, 2, &b));
    /* six equal lines between two changes: the contexts touch, one hunk (as diff -u) */
    assert_string_equal(b.data, "--- run.md@v1\n+++ run.md@v2\n"
                                "@@ -1,10 +1,11 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n i\n j\n"
                                "+k\n");
    /* far apart: two hunks, byte for byte what diff -u prints */
    og_artifact_ref n = ref("acme", "fw", "nums");
    og_buf x;
    og_buf_init(&x, 1 << 16);
    for (int i = 1; i <= 20; i++)
        og_buf_printf(&x, "%d\n", i);
    OG_ASSERT_OK(put(c, "acme", "fw", "nums", NULL, x.data, NULL));
    og_buf_reset(&x);
    for (int i = 1; i <= 21; i++) {
        if (i == 2)
            og_buf_puts(&x, "two\n");
        else if (i == 18)
            og_buf_puts(&x, "eighteen\n");
        else
            og_buf_printf(&x, "%d\n", i);
    }
    OG_ASSERT_OK(put(c, "acme", "fw", "nums", NULL, x.data, NULL));
    og_buf_free(&x);
    og_buf_reset(&b);
    OG_ASSERT_OK(og_artifact_diff(c, &n, 1, 2, &b));
    assert_string_equal(b.data,
                        "--- nums@v1\n+++ nums@v2\n"
                        "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
                        "@@ -15,6 +15,7 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n+21\n");
    og_buf_reset(&b);
    OG_ASSERT_OK(og_artifact_diff(c, &r, 2, 2, &b));
    assert_int_equal(b.len, 0);
    og_buf_reset(&b);
    r = ref("acme", "fw", "img.png");
    OG_ASSERT_OK(put(c, "acme", "fw", "img.png", NULL, "\x89PNG\r\n\x1a\nAAAA", NULL));
    OG_ASSERT_OK(put(c, "acme", "fw", "img.png", NULL, "\x89PNG\r\n\x1a\nBBBBB", NULL));
    OG_ASSERT_OK(og_artifact_diff(c, &r, 1, 2, &b));
    assert_non_null(strstr(b.data, "Binary versions differ"));
    og_buf_free(&b);
}

static void test_artifacts_restore__makes_a_new_version_equal_to_the_old_one(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_version v1, v3;
    og_artifact_ref r = ref("acme", "fw", "co.md");
    char *t = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "co.md", "change-order", "CO-001 first\n", &v1));
    OG_ASSERT_OK(put(c, "acme", "fw", "co.md", NULL, "CO-001 second\n", NULL));
    OG_ASSERT_OK(og_artifact_restore(c, &r, 1, NULL, &v3));
    assert_int_equal(v3.number, 3);
    assert_int_equal(v3.restored_from, 1);
    assert_string_equal(v3.sha256, v1.sha256);
    OG_ASSERT_OK(get(c, "acme", "fw", "co.md", 0, &t));
    assert_string_equal(t, "CO-001 first\n");
    free(t);
    assert_int_equal(og_artifact_restore(c, &r, 3, NULL, NULL), OG_EEXISTS);
}

static void test_artifacts_get__a_tampered_object_fails_to_open(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    char *t = NULL, path[16384] = "";
    og_artifact_ref r = ref("globex", "fw", "big.bin");
    size_t n = 600 * 1024;
    char *data = random_bytes(n);
    /* a large object: in a file */
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, NULL, data, n, NULL));
    assert_int_equal(object_files(f, &f->globex, path, sizeof(path)), 1);
    OG_ASSERT_OK(get(c, "globex", "fw", "big.bin", 0, &t));
    assert_memory_equal(t, data, n);
    free(t);
    if (f->env.data_dir) {
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0);
        unsigned char byte;
        assert_int_equal(pread(fd, &byte, 1, 300000), 1);
        byte ^= 1;
        assert_int_equal(pwrite(fd, &byte, 1, 300000), 1);
        close(fd);
    } else { /* a bit of the middle chunk row of the object */
        OG_ASSERT_OK(og_store_run(f->env.store,
                                  "UPDATE art_object_chunks SET data = set_byte(data, 100,"
                                  " get_byte(data, 100) # 1) WHERE tenant_id = ? AND seal_id = ?"
                                  " AND seq = (SELECT (min(seq) + max(seq)) / 2 FROM"
                                  " art_object_chunks WHERE tenant_id = ? AND seal_id = ?)",
                                  "tttt", f->globex.id, path, f->globex.id, path));
    }
    assert_int_equal(get(c, "globex", "fw", "big.bin", 0, &t), OG_ECORRUPT);
    /* cut short */
    if (f->env.data_dir)
        assert_int_equal(truncate(path, 100000), 0);
    else
        OG_ASSERT_OK(og_store_run(f->env.store,
                                  "UPDATE art_object_chunks SET data = substring(data from 1 for"
                                  " length(data) / 2) WHERE tenant_id = ? AND seal_id = ? AND"
                                  " seq = (SELECT max(seq) FROM art_object_chunks WHERE"
                                  " tenant_id = ? AND seal_id = ?)",
                                  "tttt", f->globex.id, path, f->globex.id, path));
    assert_int_equal(get(c, "globex", "fw", "big.bin", 0, &t), OG_ECORRUPT);
    free(data);
    /* a small object: in its row */
    OG_ASSERT_OK(put(c, "globex", "fw", "t.txt", NULL, "tamper me please\n", NULL));
    assert_int_equal(object_files(f, &f->globex, NULL, 0), 1);
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 og_test_sql("UPDATE art_objects SET inline = substr(inline, 1, 40)"
                                             " || X'00' || substr(inline, 42) WHERE inline IS NOT"
                                             " NULL",
                                             "UPDATE art_objects SET inline = set_byte(inline, 40,"
                                             " 0) WHERE inline IS NOT NULL")));
    assert_true(og_stmt_step(st) >= 0);
    og_stmt_free(st);
    assert_int_equal(get(c, "globex", "fw", "t.txt", 0, &t), OG_ECORRUPT);
}

/* ---- locks ---- */

static void test_artifacts_lock__blocks_another_users_put_and_admin_breaks_it(void **state)
{
    fx *f = *state;
    og_ctx eve = as(f, "acme", "eve"), ed = as(f, "acme", "ed"), ada = as(f, "acme", "ada");
    og_ctx aud = as(f, "acme", "aud");
    og_artifact_ref r = ref("acme", "fw", "lockme.md");
    OG_ASSERT_OK(put(&eve, "acme", "fw", "lockme.md", NULL, "v1\n", NULL));
    OG_ASSERT_OK(og_artifact_lock(&eve, &r, 0, NULL));
    assert_int_equal(put(&ed, "acme", "fw", "lockme.md", NULL, "v2 by ed\n", NULL), OG_ECONFLICT);
    assert_msg("locked by local:");
    assert_msg("user:eve");
    assert_int_equal(og_artifact_lock(&ed, &r, 0, NULL), OG_ECONFLICT);
    assert_int_equal(og_artifact_unlock(&ed, &r, 0), OG_ECONFLICT);
    assert_msg("user:eve");
    assert_int_equal(og_artifact_unlock(&ed, &r, 1), OG_EDENIED);
    assert_int_equal(og_artifact_lock(&aud, &r, 0, NULL), OG_EDENIED);
    assert_int_equal(og_artifact_delete(&ed, &r), OG_ECONFLICT);
    /* the holder still writes */
    OG_ASSERT_OK(put(&eve, "acme", "fw", "lockme.md", NULL, "v2 by eve\n", NULL));
    /* tenant-admin breaks it; audited */
    OG_ASSERT_OK(og_artifact_unlock(&ada, &r, 1));
    OG_ASSERT_OK(put(&ed, "acme", "fw", "lockme.md", NULL, "v3 by ed\n", NULL));
    json_t *recs = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->acme.id, 0, 1000, "artifact.lock.break", NULL, &recs, &next));
    assert_int_equal(json_array_size(recs), 1);
    json_decref(recs);
    /* an expired lock does not block */
    OG_ASSERT_OK(og_artifact_lock(&eve, &r, 1000, NULL));
    usleep(5000);
    OG_ASSERT_OK(put(&ed, "acme", "fw", "lockme.md", NULL, "v4 by ed\n", NULL));
    assert_int_equal(og_artifact_unlock(&ed, &r, 0), 0); /* expired: anyone may clear it */
}

/* ---- lifecycle ---- */

static void test_artifacts_state__moves_through_the_lifecycle_and_gates_publishing(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx pam = as(f, "acme", "pam"), ada = as(f, "acme", "ada"), eve = as(f, "acme", "eve");
    og_artifact_ref r = ref("acme", "fw", "sow-1");
    og_gate_outcome o;
    json_t *j = NULL;
    /* eve writes, pam reviews: the author of a version does not approve it */
    OG_ASSERT_OK(put(&eve, "acme", "fw", "sow-1", "sow", "statement of work\n", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "in-review", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "approved", NULL));
    assert_int_equal(put(&pam, "acme", "fw", "sow-1", NULL, "changed\n", NULL), OG_ECONFLICT);
    assert_msg("approved");
    /* the tenant holds publishing of SOWs for approval */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.publish.sow", OG_GATE_L2));
    memset(&o, 0, sizeof(o));
    assert_int_equal(og_artifact_set_state(&pam, &r, "published", &o), OG_EPENDING);
    assert_string_equal(o.state, "pending");
    assert_true(og_id_valid(o.gate_id));
    json_decref(o.result);
    OG_ASSERT_OK(og_artifact_show(c, &r, &j));
    assert_string_equal(json_string_value(json_object_get(j, "state")), "approved");
    json_decref(j);
    OG_ASSERT_OK(og_gate_decide(&ada, o.gate_id, "approve", "ok"));
    OG_ASSERT_OK(og_artifact_show(c, &r, &j));
    assert_string_equal(json_string_value(json_object_get(j, "state")), "published");
    json_decref(j);
    /* runbooks still publish at once */
    og_artifact_ref rb = ref("acme", "fw", "rb");
    OG_ASSERT_OK(put(&eve, "acme", "fw", "rb", "runbook", "steps\n", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &rb, "in-review", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &rb, "approved", NULL));
    memset(&o, 0, sizeof(o));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &rb, "published", &o));
    assert_string_equal(o.state, "done");
    json_decref(o.result);
    /* archive and reopen */
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "archived", NULL));
    assert_int_equal(og_artifact_set_state(&pam, &r, "archived", NULL), OG_ECONFLICT);
    assert_msg("already archived");
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "draft", NULL));
    /* L1: executed, and an override rolls it back to the previous state */
    OG_ASSERT_OK(og_gate_policy_set(&ada, "acme", "artifacts.set-state", OG_GATE_L1));
    memset(&o, 0, sizeof(o));
    OG_ASSERT_OK(og_artifact_set_state(&pam, &r, "in-review", &o));
    assert_string_equal(o.state, "review");
    json_decref(o.result);
    OG_ASSERT_OK(og_gate_decide(&ada, o.gate_id, "override", "not yet"));
    OG_ASSERT_OK(og_artifact_show(c, &r, &j));
    assert_string_equal(json_string_value(json_object_get(j, "state")), "draft");
    json_decref(j);
}

/* ---- rights ---- */

static void test_artifacts_access__every_role_lacking_a_right_is_denied(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx pam = as(f, "acme", "pam"), eve = as(f, "acme", "eve"), aud = as(f, "acme", "aud");
    og_ctx cli = as(f, "acme", "cli");
    og_artifact_ref r = ref("acme", "fw", "doc.md");
    char *t = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "doc.md", NULL, "content\n", NULL));
    /* project creation: project-manager and tenant-admin only */
    assert_int_equal(og_project_create(&eve, "acme", "p-e", "x", NULL), OG_EDENIED);
    assert_msg("engineer");
    assert_int_equal(og_project_create(&aud, "acme", "p-a", "x", NULL), OG_EDENIED);
    assert_int_equal(og_project_create(&cli, "acme", "p-c", "x", NULL), OG_EDENIED);
    OG_ASSERT_OK(og_project_create(&pam, "acme", "p-pm", "by pam", NULL));
    /* auditor: reads, never writes */
    OG_ASSERT_OK(get(&aud, "acme", "fw", "doc.md", 0, &t));
    free(t);
    assert_int_equal(put(&aud, "acme", "fw", "doc.md", NULL, "x\n", NULL), OG_EDENIED);
    assert_msg("write");
    assert_int_equal(og_artifact_set_state(&aud, &r, "in-review", NULL), OG_EDENIED);
    assert_int_equal(og_artifact_restore(&aud, &r, 1, NULL, NULL), OG_EDENIED);
    assert_int_equal(og_artifact_delete(&aud, &r), OG_EDENIED);
    assert_int_equal(og_artifact_metadata_set(&aud, &r, "{}"), OG_EDENIED);
    /* engineers and project managers: no admin right */
    og_ctx *writers[] = {&eve, &pam, &aud};
    for (size_t i = 0; i < 3; i++) {
        og_ctx *w = writers[i];
        assert_int_equal(og_access_grant(w, "acme", "fw", "cli", OG_RIGHT_READ, 0), OG_EDENIED);
        assert_int_equal(og_access_revoke(w, "acme", "fw", "cli"), OG_EDENIED);
        assert_int_equal(og_artifact_hold_set(w, &r, "why"), OG_EDENIED);
        assert_int_equal(og_artifact_hold_clear(w, &r, "why"), OG_EDENIED);
        assert_int_equal(og_artifact_purge(w, &r), OG_EDENIED);
        assert_int_equal(
            og_artifact_unlock(w, &r, 1) == OG_EDENIED || og_error_code() == OG_ENOTFOUND, 1);
        assert_int_equal(og_artifact_retention_set(w, "acme", "sow", 1000000), OG_EDENIED);
    }
    /* access report: tenant-admin and auditor */
    json_t *rep = NULL;
    assert_int_equal(og_access_report(&eve, "acme", &rep), OG_EDENIED);
    assert_int_equal(og_access_report(&pam, "acme", &rep), OG_EDENIED);
    assert_int_equal(og_access_report(&cli, "acme", &rep), OG_EDENIED);
    OG_ASSERT_OK(og_access_report(&aud, "acme", &rep));
    json_decref(rep);
    /* client viewer without a grant: nothing exists */
    assert_int_equal(get(&cli, "acme", "fw", "doc.md", 0, &t), OG_ENOTFOUND);
    assert_int_equal(put(&cli, "acme", "fw", "doc.md", NULL, "x\n", NULL), OG_ENOTFOUND);
    og_project p;
    assert_int_equal(og_project_get(&cli, "acme", "fw", &p), OG_ENOTFOUND);
    /* a grant on a project gives an engineer admin there only */
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "eve", OG_RIGHT_ADMIN, 0));
    OG_ASSERT_OK(og_access_grant(&eve, "acme", "fw", "cli", OG_RIGHT_READ, 0));
    assert_int_equal(og_access_grant(&eve, "acme", "m365", "cli", OG_RIGHT_READ, 0), OG_EDENIED);
    /* client viewers can only be granted read */
    assert_int_equal(og_access_grant(c, "acme", "fw", "cli", OG_RIGHT_WRITE, 0), OG_EINVAL);
    assert_msg("client-viewer");
    assert_int_equal(og_access_grant(c, "acme", "fw", "nobody", OG_RIGHT_READ, 0), OG_ENOTFOUND);
    assert_int_equal(og_access_grant(c, "acme", "fw", "eve", OG_RIGHT_READ, 1), OG_EINVAL);
    /* with a read grant the viewer may still not write */
    assert_int_equal(put(&cli, "acme", "fw", "new.md", NULL, "x\n", NULL), OG_EDENIED);
}

static void
test_artifacts_access__client_viewer_sees_only_published_of_granted_projects(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx cli = as(f, "acme", "cli");
    og_artifact_ref pub = ref("acme", "fw", "pub.md"), drf = ref("acme", "fw", "draft.md");
    char *t = NULL;
    json_t *j = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "pub.md", "sow", "published words v1\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "fw", "pub.md", NULL, "published words v2\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "fw", "draft.md", NULL, "draft words\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "m365", "other.md", NULL, "other words\n", NULL));
    OG_ASSERT_OK(og_artifact_set_state(c, &pub, "in-review", NULL));
    og_ctx ada = as(f, "acme", "ada"); /* a reviewer who did not write it */
    OG_ASSERT_OK(og_artifact_set_state(&ada, &pub, "approved", NULL));
    OG_ASSERT_OK(og_artifact_set_state(c, &pub, "published", NULL));
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "cli", OG_RIGHT_READ, 0));
    OG_ASSERT_OK(get(&cli, "acme", "fw", "pub.md", 0, &t));
    assert_string_equal(t, "published words v2\n");
    free(t);
    /* an older version, a draft, another project: all 404 */
    assert_int_equal(get(&cli, "acme", "fw", "pub.md", 1, &t), OG_ENOTFOUND);
    assert_int_equal(get(&cli, "acme", "fw", "draft.md", 0, &t), OG_ENOTFOUND);
    assert_msg("artifact 'draft.md' not found");
    assert_int_equal(og_artifact_log(&cli, &drf, &j), OG_ENOTFOUND);
    assert_int_equal(get(&cli, "acme", "m365", "other.md", 0, &t), OG_ENOTFOUND);
    assert_msg("project 'm365' not found");
    og_buf b;
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_artifact_diff(&cli, &pub, 1, 2, &b), OG_ENOTFOUND);
    og_buf_free(&b);
    OG_ASSERT_OK(og_artifact_log(&cli, &pub, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    OG_ASSERT_OK(og_artifact_list(&cli, "acme", NULL, 0, &j));
    assert_int_equal(json_array_size(j), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "name")), "pub.md");
    json_decref(j);
    OG_ASSERT_OK(og_artifact_search(&cli, "acme", "words", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    OG_ASSERT_OK(og_project_list(&cli, "acme", &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    /* a grant with an expiry stops on time */
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "cli", OG_RIGHT_READ, og_time_now_us() + 200000));
    OG_ASSERT_OK(get(&cli, "acme", "fw", "pub.md", 0, &t));
    free(t);
    usleep(250000);
    assert_int_equal(get(&cli, "acme", "fw", "pub.md", 0, &t), OG_ENOTFOUND);
    /* revoke */
    OG_ASSERT_OK(og_access_grant(c, "acme", "fw", "cli", OG_RIGHT_READ, 0));
    OG_ASSERT_OK(og_access_revoke(c, "acme", "fw", "cli"));
    assert_int_equal(get(&cli, "acme", "fw", "pub.md", 0, &t), OG_ENOTFOUND);
    assert_int_equal(og_access_revoke(c, "acme", "fw", "cli"), OG_ENOTFOUND);
}

static void test_artifacts_access__other_tenants_objects_do_not_exist(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx gus = as(f, "globex", "gus");
    og_artifact_ref r = ref("acme", "fw", "secret.md");
    char *t = NULL;
    json_t *j = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "secret.md", NULL, "acme only\n", NULL));
    assert_int_equal(get(&gus, "acme", "fw", "secret.md", 0, &t), OG_ENOTFOUND);
    assert_int_equal(put(&gus, "acme", "fw", "x.md", NULL, "x\n", NULL), OG_ENOTFOUND);
    assert_int_equal(og_artifact_list(&gus, "acme", NULL, 0, &j), OG_ENOTFOUND);
    assert_int_equal(og_artifact_search(&gus, "acme", "acme", 0, &j), OG_ENOTFOUND);
    assert_int_equal(og_artifact_lock(&gus, &r, 0, NULL), OG_ENOTFOUND);
    assert_int_equal(og_artifact_hold_set(&gus, &r, "x"), OG_ENOTFOUND);
    assert_int_equal(og_project_create(&gus, "acme", "evil", "x", NULL), OG_ENOTFOUND);
    assert_int_equal(og_access_report(&gus, "acme", &j), OG_ENOTFOUND);
    /* and its own project of the same key is a different one */
    assert_int_equal(get(&gus, "globex", "fw", "secret.md", 0, &t), OG_ENOTFOUND);
}

/* ---- holds, retention, delete, purge ---- */

static void test_artifacts_hold__blocks_delete_and_purge_until_cleared(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada"), eve = as(f, "acme", "eve");
    og_artifact_ref r = ref("acme", "fw", "held.md"), proj = ref("acme", "fw", NULL);
    json_t *j = NULL;
    og_artifact_put_opts big = {.kind = "closure"};
    char *data = random_bytes(400 * 1024);
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, &big, data, 400 * 1024, NULL));
    free(data);
    int before = objects_of(f, &f->acme);
    assert_int_equal(object_files(f, &f->acme, NULL, 0), 1);
    assert_int_equal(og_artifact_hold_set(&ada, &r, ""), OG_EINVAL);
    assert_msg("reason");
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &r, "litigation 2026-17"));
    assert_int_equal(og_artifact_hold_set(&ada, &r, "again"), OG_EEXISTS);
    assert_int_equal(og_artifact_delete(&eve, &r), OG_ECONFLICT);
    assert_msg("litigation 2026-17");
    assert_msg("user:ada");
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &r, "settled"));
    OG_ASSERT_OK(og_artifact_delete(&eve, &r));
    /* deleted: gone from listings and gets */
    char *t = NULL;
    assert_int_equal(get(c, "acme", "fw", "held.md", 0, &t), OG_ENOTFOUND);
    /* a project hold blocks the purge */
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &proj, "regulator inquiry"));
    assert_int_equal(og_artifact_purge(&ada, &r), OG_ECONFLICT);
    assert_msg("regulator inquiry");
    assert_msg("project");
    OG_ASSERT_OK(og_artifact_hold_list(&ada, "acme", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &proj, "closed"));
    assert_int_equal(og_artifact_hold_clear(&ada, &proj, "closed"), OG_ENOTFOUND);
    OG_ASSERT_OK(og_artifact_hold_list(&ada, "acme", 1, &j));
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "artifact")),
                        "held.md");
    json_decref(j);
    /* retention: closures kept 7 years after archive (here: after deletion) */
    OG_ASSERT_OK(og_artifact_retention_set(&ada, "acme", "closure", 7LL * 365 * 86400 * 1000000));
    assert_int_equal(og_artifact_purge(&ada, &r), OG_ECONFLICT);
    assert_msg("retention until");
    OG_ASSERT_OK(og_artifact_retention_set(&ada, "acme", "closure", 0));
    OG_ASSERT_OK(og_artifact_purge(&ada, &r));
    assert_int_equal(objects_of(f, &f->acme), before - 1);
    assert_int_equal(object_files(f, &f->acme, NULL, 0), 0);
    assert_int_equal(og_artifact_purge(&ada, &r), OG_ENOTFOUND);
    /* the name is free again */
    OG_ASSERT_OK(put(c, "acme", "fw", "held.md", NULL, "new life\n", NULL));
}

static void test_artifacts_purge__needs_delete_first_and_keeps_shared_objects(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_ref r = ref("acme", "fw", "one.md");
    char *t = NULL;
    OG_ASSERT_OK(put(c, "acme", "fw", "one.md", NULL, "shared content\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "fw", "two.md", NULL, "shared content\n", NULL));
    assert_int_equal(og_artifact_purge(c, &r), OG_ECONFLICT);
    assert_msg("not deleted");
    OG_ASSERT_OK(og_artifact_delete(c, &r));
    assert_int_equal(put(c, "acme", "fw", "one.md", NULL, "again\n", NULL), OG_ECONFLICT);
    assert_msg("deleted");
    OG_ASSERT_OK(og_artifact_purge(c, &r));
    OG_ASSERT_OK(get(c, "acme", "fw", "two.md", 0, &t));
    assert_string_equal(t, "shared content\n");
    free(t);
}

/* ---- parts (a generated document's data snapshot) and undelete ---- */

static int put_with_part(og_ctx *c, const char *name, const char *part, const char *text)
{
    og_artifact_ref r = ref("acme", "fw", name);
    og_artifact_put_opts o = {.kind = "sow", .part = part};
    return og_artifact_put_buffer(c, &r, &o, text, strlen(text), NULL);
}

/* 1 when listed as deleted, 0 when live, -1 when not there at all. */
static int deleted(fx *f, const char *name)
{
    og_ctx *c = &f->env.ctx;
    json_t *j = NULL, *x;
    size_t i;
    int found = -1;
    OG_ASSERT_OK(og_artifact_list(c, "acme", "fw", 1, &j));
    json_array_foreach(j, i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
            found = json_object_get(x, "deleted_at") != NULL;
    }
    json_decref(j);
    return found;
}

/* Records of acme's chain with this action. */
static int audited(fx *f, const char *action)
{
    json_t *j = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->acme.id, 0, 1000, action, NULL, &j, &next));
    int n = (int)json_array_size(j);
    json_decref(j);
    return n;
}

static void test_artifacts_parts__a_snapshot_goes_and_comes_back_with_its_document(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx eve = as(f, "acme", "eve"), aud = as(f, "acme", "aud");
    og_artifact_ref doc = ref("acme", "fw", "sow.md"), html = ref("acme", "fw", "sow.html"),
                    snap = ref("acme", "fw", "sow.data.json");
    json_t *j = NULL;
    char *t = NULL;
    OG_ASSERT_OK(
        put(c, "acme", "fw", "sow.data.json", "sow", "{\"client\": \"quokkacorp\"}", NULL));
    /* the part must exist, and be another artifact */
    assert_int_equal(put_with_part(&eve, "sow.md", "nope.json", "# SOW\n"), OG_EINVAL);
    assert_msg("nope.json");
    assert_int_equal(put_with_part(&eve, "sow.md", "sow.md", "# SOW\n"), OG_EINVAL);
    OG_ASSERT_OK(put_with_part(&eve, "sow.md", "sow.data.json", "# SOW for quokkacorp\n"));
    OG_ASSERT_OK(put_with_part(&eve, "sow.html", "sow.data.json", "<h1>SOW</h1>\n"));
    /* not deletable on its own while a document holds it: a conflict naming the documents */
    assert_int_equal(og_artifact_delete(&eve, &snap), OG_ECONFLICT);
    assert_msg("'sow.md'");
    assert_msg("'sow.html'");
    assert_msg("on its own");
    assert_int_equal(deleted(f, "sow.data.json"), 0);
    /* deleting one document leaves it to the other */
    OG_ASSERT_OK(og_artifact_delete(&eve, &html));
    assert_int_equal(deleted(f, "sow.data.json"), 0);
    assert_int_equal(og_artifact_delete(&eve, &snap), OG_ECONFLICT);
    assert_msg("'sow.md'");
    /* the last document takes it along, each audited */
    int deletes = audited(f, "artifact.delete");
    OG_ASSERT_OK(og_artifact_delete(&eve, &doc));
    assert_int_equal(audited(f, "artifact.delete"), deletes + 2);
    assert_int_equal(deleted(f, "sow.md"), 1);
    assert_int_equal(deleted(f, "sow.data.json"), 1);
    assert_int_equal(get(c, "acme", "fw", "sow.data.json", 0, &t), OG_ENOTFOUND);
    OG_ASSERT_OK(og_artifact_search(c, "acme", "quokkacorp", 0, &j));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    /* undelete needs the write right, like delete; a live artifact is not deleted */
    assert_int_equal(og_artifact_undelete(&aud, &doc, NULL), OG_EDENIED);
    og_artifact_ref nope = ref("acme", "fw", "nope.md"), g = ref("globex", "fw", "sow.md");
    assert_int_equal(og_artifact_undelete(&eve, &nope, NULL), OG_ENOTFOUND);
    assert_int_equal(og_artifact_undelete(&eve, &g, NULL), OG_ENOTFOUND);
    /* undeleting the document brings back the snapshot deleted with it, searchable again */
    OG_ASSERT_OK(og_artifact_undelete(&eve, &doc, &j));
    assert_string_equal(json_string_value(json_object_get(j, "name")), "sow.md");
    assert_null(json_object_get(j, "deleted_at"));
    json_decref(j);
    assert_int_equal(audited(f, "artifact.undelete"), 2);
    assert_int_equal(deleted(f, "sow.data.json"), 0);
    assert_int_equal(deleted(f, "sow.html"), 1); /* deleted on its own: stays deleted */
    OG_ASSERT_OK(get(c, "acme", "fw", "sow.data.json", 0, &t));
    assert_string_equal(t, "{\"client\": \"quokkacorp\"}");
    free(t);
    OG_ASSERT_OK(og_artifact_search(c, "acme", "quokkacorp", 0, &j));
    assert_int_equal(json_array_size(j), 2);
    json_decref(j);
    assert_int_equal(og_artifact_undelete(&eve, &doc, NULL), OG_ECONFLICT);
    assert_msg("not deleted");
    /* new versions go on as before */
    OG_ASSERT_OK(put_with_part(&eve, "sow.md", "sow.data.json", "# SOW v2\n"));
    OG_ASSERT_OK(og_artifact_undelete(&eve, &html, NULL));
    OG_ASSERT_OK(put_with_part(&eve, "sow.html", "sow.data.json", "<h1>SOW v2</h1>\n"));
}

static void test_artifacts_parts__a_snapshot_is_purged_with_its_document_only(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada");
    og_artifact_ref doc = ref("acme", "fw", "co.md"), snap = ref("acme", "fw", "co.data.json");
    char *data = random_bytes(400 * 1024);
    og_artifact_put_opts big = {.kind = "sow"};
    OG_ASSERT_OK(og_artifact_put_buffer(c, &snap, &big, data, 400 * 1024, NULL));
    free(data);
    OG_ASSERT_OK(put_with_part(c, "co.md", "co.data.json", "# CO\n"));
    assert_int_equal(object_files(f, &f->acme, NULL, 0), 1);
    OG_ASSERT_OK(og_artifact_delete(c, &doc));
    /* deleted with its document, but still part of it: not purged alone */
    assert_int_equal(og_artifact_purge(&ada, &snap), OG_ECONFLICT);
    assert_msg("'co.md'");
    /* retention keeps the snapshot: the document goes, the snapshot stays deleted, alone */
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &snap, "keep the data"));
    OG_ASSERT_OK(og_artifact_purge(&ada, &doc));
    assert_int_equal(deleted(f, "co.md"), -1);
    assert_int_equal(deleted(f, "co.data.json"), 1);
    assert_int_equal(og_artifact_purge(&ada, &snap), OG_ECONFLICT);
    assert_msg("keep the data");
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &snap, "released"));
    OG_ASSERT_OK(og_artifact_purge(&ada, &snap));
    assert_int_equal(deleted(f, "co.data.json"), -1);
    assert_int_equal(object_files(f, &f->acme, NULL, 0), 0);
    /* and the plain case: purging the document purges its snapshot in the same step */
    OG_ASSERT_OK(put(c, "acme", "fw", "co.data.json", "sow", "{}", NULL));
    OG_ASSERT_OK(put_with_part(c, "co.md", "co.data.json", "# CO again\n"));
    OG_ASSERT_OK(og_artifact_delete(c, &doc));
    OG_ASSERT_OK(og_artifact_purge(&ada, &doc));
    assert_int_equal(deleted(f, "co.md"), -1);
    assert_int_equal(deleted(f, "co.data.json"), -1);
}

static void test_artifacts_delete__a_held_part_blocks_its_documents_delete(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada"), eve = as(f, "acme", "eve");
    og_artifact_ref doc = ref("acme", "fw", "rb.md"), snap = ref("acme", "fw", "rb.data.json");
    OG_ASSERT_OK(put(c, "acme", "fw", "rb.data.json", "sow", "{}", NULL));
    OG_ASSERT_OK(put_with_part(c, "rb.md", "rb.data.json", "# RB\n"));
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &snap, "evidence 7"));
    assert_int_equal(og_artifact_delete(&eve, &doc), OG_ECONFLICT);
    assert_msg("rb.data.json");
    assert_msg("evidence 7");
    assert_int_equal(deleted(f, "rb.md"), 0); /* nothing half done */
}

/* ---- holds and tenant deletion ---- */

static void test_artifacts_hold__clearing_needs_tenant_admin_not_an_admin_grant(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada"), eve = as(f, "acme", "eve");
    og_artifact_ref proj = ref("acme", "fw", NULL);
    OG_ASSERT_OK(og_access_grant(&ada, "acme", "fw", "eve", OG_RIGHT_ADMIN, 0));
    /* an admin grant may set a hold (protective) ... */
    OG_ASSERT_OK(og_artifact_hold_set(&eve, &proj, "preserve"));
    /* ... but not lift one */
    assert_int_equal(og_artifact_hold_clear(&eve, &proj, "mine now"), OG_EDENIED);
    assert_msg("tenant-admin");
    assert_msg("engineer");
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &proj, "reviewed"));
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &proj, "again"));
    OG_ASSERT_OK(og_artifact_hold_clear(c, &proj, "platform")); /* the platform operator */
}

static void test_artifacts_tenant__holds_and_retention_block_its_deletion(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada");
    og_artifact_ref proj = ref("acme", "fw", NULL), sow = ref("acme", "fw", "plan.md");
    json_t *j = json_array();
    OG_ASSERT_OK(og_tenant_blocker_register("artifacts", og_artifacts_tenant_blockers));
    OG_ASSERT_OK(put(c, "acme", "fw", "plan.md", "sow", "# plan\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "m365", "notes.md", "other", "notes\n", NULL));
    /* nothing held, no retention: nothing blocks */
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->acme.id, j));
    assert_int_equal(json_array_size(j), 0);
    assert_int_equal(og_artifacts_tenant_blockers(c, "../x", j), OG_EINVAL);
    /* a project hold and an artifact hold */
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &proj, "litigation 2026-17"));
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &sow, "audit 2026"));
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->acme.id, j));
    assert_int_equal(json_array_size(j), 2);
    json_t *b0 = json_array_get(j, 0), *b1 = json_array_get(j, 1);
    assert_string_equal(json_string_value(json_object_get(b0, "type")), "hold");
    assert_string_equal(json_string_value(json_object_get(b0, "project")), "fw");
    assert_null(json_object_get(b0, "artifact"));
    assert_string_equal(json_string_value(json_object_get(b1, "artifact")), "plan.md");
    assert_non_null(strstr(json_string_value(json_object_get(b1, "text")), "audit 2026"));
    json_array_clear(j);
    assert_int_equal(og_tenant_delete(c, "acme"), OG_ECONFLICT);
    assert_msg("litigation 2026-17");
    assert_msg("plan.md");
    assert_msg("hold clear");
    /* globex, with nothing held, is not blocked by acme's holds */
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->globex.id, j));
    assert_int_equal(json_array_size(j), 0);
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &proj, "settled"));
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &sow, "done"));
    /* retention: a live SOW is kept (its clock has not started); an archived one until its
     * date; other kinds are not */
    OG_ASSERT_OK(og_artifact_retention_set(&ada, "acme", "sow", 7LL * 365 * 86400 * 1000000));
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->acme.id, j));
    assert_int_equal(json_array_size(j), 1);
    b0 = json_array_get(j, 0);
    assert_string_equal(json_string_value(json_object_get(b0, "type")), "retention");
    assert_string_equal(json_string_value(json_object_get(b0, "artifact")), "plan.md");
    assert_null(json_object_get(b0, "until"));
    assert_non_null(strstr(json_string_value(json_object_get(b0, "text")), "not archived yet"));
    json_array_clear(j);
    OG_ASSERT_OK(og_artifact_set_state(c, &sow, "archived", NULL));
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->acme.id, j));
    assert_int_equal(json_array_size(j), 1);
    assert_non_null(json_object_get(json_array_get(j, 0), "until"));
    json_array_clear(j);
    assert_int_equal(og_tenant_delete(c, "acme"), OG_ECONFLICT);
    assert_msg("retention");
    /* everything still there */
    char *t = NULL;
    OG_ASSERT_OK(get(c, "acme", "m365", "notes.md", 0, &t));
    free(t);
    OG_ASSERT_OK(og_artifact_retention_set(&ada, "acme", "sow", 0));
    OG_ASSERT_OK(og_artifacts_tenant_blockers(c, f->acme.id, j));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    OG_ASSERT_OK(og_tenant_delete(c, "acme"));
}

/* ---- search ---- */

static void test_artifacts_search__ranks_names_metadata_and_text_with_snippets(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_ref r = ref("acme", "fw", "cutover runbook.md");
    og_artifact_put_opts o = {.kind = "runbook", .metadata = "{\"site\": \"Rotterdam\"}"};
    const char *text = "# Cutover\n\nStep 1: drain the **primary** firewall.\n"
                       "Step 2: move the VLAN 42 trunk to the new core switch.\n";
    json_t *j = NULL;
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, &o, text, strlen(text), NULL));
    OG_ASSERT_OK(
        put(c, "acme", "fw", "notes.txt", NULL, "the trunk is mentioned here too\n", NULL));
    OG_ASSERT_OK(put(c, "acme", "m365", "mail.txt", NULL, "mailbox migration plan\n", NULL));
    OG_ASSERT_OK(og_artifact_search(c, "acme", "TRUNK", 0, &j));
    assert_int_equal(json_array_size(j), 2);
    const char *snip = json_string_value(json_object_get(json_array_get(j, 0), "snippet"));
    assert_non_null(strstr(snip, "**trunk**"));
    json_decref(j);
    /* names rank first; metadata is searched */
    OG_ASSERT_OK(og_artifact_search(c, "acme", "cutover", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    OG_ASSERT_OK(og_artifact_search(c, "acme", "rotterdam", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "name")),
                        "cutover runbook.md");
    json_decref(j);
    /* all words must match */
    OG_ASSERT_OK(og_artifact_search(c, "acme", "trunk vlan", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    /* tenant-scoped */
    OG_ASSERT_OK(og_artifact_search(c, "globex", "trunk", 0, &j));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    /* the latest version only; deleted ones vanish */
    OG_ASSERT_OK(put(c, "acme", "fw", "notes.txt", NULL, "rewritten without it\n", NULL));
    OG_ASSERT_OK(og_artifact_search(c, "acme", "trunk", 0, &j));
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    og_artifact_ref n = ref("acme", "fw", "cutover runbook.md");
    OG_ASSERT_OK(og_artifact_delete(c, &n));
    OG_ASSERT_OK(og_artifact_search(c, "acme", "trunk", 0, &j));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    assert_int_equal(og_artifact_search(c, "acme", "a !", 0, &j), OG_EINVAL);
    assert_msg("a !");
    assert_int_equal(og_artifact_search(c, "acme", "x", 500, &j), OG_EINVAL);
}

/* ---- plaintext at rest ---- */

static int file_contains(const char *path, const char *needle)
{
    char *data = NULL;
    size_t len = 0;
    if (og_file_read(path, (size_t)256 << 20, &data, &len) < 0) {
        og_error_clear();
        return 0;
    }
    int hit = memmem(data, len, needle, strlen(needle)) != NULL;
    free(data);
    return hit;
}

static const char *const *scan_needles;
static char scan_hit[4096];

static int scan_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag != FTW_F)
        return 0;
    for (size_t i = 0; scan_needles[i]; i++) {
        if (file_contains(p, scan_needles[i])) {
            snprintf(scan_hit, sizeof(scan_hit), "'%s' in %s", scan_needles[i], p);
            return 1;
        }
    }
    return 0;
}

static void test_artifacts_storage__data_folder_holds_no_plaintext(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    static const char *const needles[] = {"zanzibarquokka", "Xylophonist", "vermillionwombat",
                                          "Snufflepagus",   "Kerfuffle",   NULL};
    og_artifact_ref r = ref("acme", "fw", "Snufflepagus plan.md");
    og_artifact_put_opts o = {.kind = "sow",
                              .message = "Kerfuffle fixed",
                              .metadata = "{\"client\": \"vermillionwombat\"}"};
    og_buf big;
    og_buf_init(&big, 1 << 22);
    /* enough text to span several sealed chunks, compressible and not */
    for (int i = 0; i < 20000; i++)
        og_buf_printf(&big, "line %d zanzibarquokka Xylophonist %x\n", i, i * 2654435761u);
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, &o, big.data, big.len, NULL));
    og_buf_free(&big);
    OG_ASSERT_OK(put(c, "acme", "fw", "small.txt", NULL, "zanzibarquokka alone\n", NULL));
    json_t *j = NULL;
    OG_ASSERT_OK(og_artifact_search(c, "acme", "zanzibarquokka", 0, &j));
    assert_int_equal(json_array_size(j), 2);
    json_decref(j);
    /* scan the live files as they are (database, WAL, objects) */
    scan_needles = needles;
    scan_hit[0] = '\0';
    if (!f->env.data_dir) { /* PostgreSQL: every row of the database (pg_dump) */
        for (size_t i = 0; needles[i]; i++)
            if (og_test_env_holds(&f->env, needles[i]))
                fail_msg("plaintext found at rest: '%s' in the database", needles[i]);
        assert_true(og_test_env_holds(&f->env, f->acme.id)); /* the search finds what is there */
        return;
    }
    int rc = nftw(f->env.data_dir, scan_one, 16, FTW_PHYS);
    if (rc != 0)
        fail_msg("plaintext found at rest: %s", scan_hit);
}

static void test_artifacts_tenant__deleted_tenant_files_can_be_removed(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_artifact_ref r = ref("globex", "fw", "big.bin");
    char *data = random_bytes(400 * 1024), *t = NULL;
    OG_ASSERT_OK(og_artifact_put_buffer(c, &r, NULL, data, 400 * 1024, NULL));
    free(data);
    assert_int_equal(object_files(f, &f->globex, NULL, 0), 1);
    OG_ASSERT_OK(og_tenant_delete(c, "globex"));
    /* the rows are gone with the tenant; the file is unreadable, then removed */
    assert_int_equal(objects_of(f, &f->globex), 0);
    assert_int_equal(get(c, "globex", "fw", "big.bin", 0, &t), OG_ENOTFOUND);
    if (!f->env.data_dir) { /* no folder: the chunk rows went with the tenant */
        assert_int_equal(object_files(f, &f->globex, NULL, 0), 0);
        return;
    }
    OG_ASSERT_OK(og_artifacts_tenant_files_remove(f->env.data_dir, f->globex.id));
    assert_int_equal(object_files(f, &f->globex, NULL, 0), 0);
    OG_ASSERT_OK(og_artifacts_tenant_files_remove(f->env.data_dir, f->globex.id));
    assert_int_equal(og_artifacts_tenant_files_remove(f->env.data_dir, "../.."), OG_EINVAL);
}

/* ---- interrupted uploads ---- */

static void plant(const char *path, int age_s)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("sealed bytes of an upload", fp);
    fclose(fp);
    if (age_s) {
        struct timeval tv[2];
        gettimeofday(&tv[0], NULL);
        tv[0].tv_sec -= age_s;
        tv[1] = tv[0];
        assert_int_equal(utimes(path, tv), 0);
    }
}

static void test_artifacts_tmp__stale_part_files_are_swept_live_ones_kept(void **state)
{
    fx *f = *state;
    if (!f->env.data_dir) /* part files are the data folder's; rows: tests/unit/artobj's sweep */
        skip();
    og_ctx *c = &f->env.ctx;
    char dir[4096], stale[4200], fresh[4200], held[4200], other[4200], sub[4200];
    int removed = -1;
    /* a real upload, left unfinished: its file exists while it runs, and is held */
    og_artifact_ref r = ref("acme", "fw", "big.bin");
    og_artifact_put *p = NULL;
    char *data = random_bytes(400 * 1024);
    OG_ASSERT_OK(og_artifact_put_begin(&p, c, &r, NULL));
    OG_ASSERT_OK(og_artifact_put_write(p, data, 400 * 1024));
    snprintf(dir, sizeof(dir), "%s/objects/%s/tmp", f->env.data_dir, f->acme.id);
    snprintf(stale, sizeof(stale), "%s/stale.part", dir);
    snprintf(fresh, sizeof(fresh), "%s/fresh.part", dir);
    snprintf(held, sizeof(held), "%s/held.part", dir);
    snprintf(other, sizeof(other), "%s/notes.txt", dir);
    snprintf(sub, sizeof(sub), "%s/objects/%s/tmp/dir.part", f->env.data_dir, f->globex.id);
    plant(stale, 2 * 3600);
    plant(fresh, 0);
    plant(held, 2 * 3600);
    plant(other, 2 * 3600);
    /* another tenant's folder, and a directory named like a part file: left alone */
    snprintf(dir, sizeof(dir), "%s/objects/%s/tmp", f->env.data_dir, f->globex.id);
    OG_ASSERT_OK(og_mkdir_p(dir, 0700));
    assert_int_equal(mkdir(sub, 0700), 0);
    /* a writer in another process (a CLI upload while serve starts) holds this one */
    int fd = open(held, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    /* and the running upload's own file is young and held too: make it old */
    snprintf(dir, sizeof(dir), "%s/objects/%s/tmp", f->env.data_dir, f->acme.id);
    DIR *d = opendir(dir);
    struct dirent *e;
    int live = 0;
    while ((e = readdir(d))) {
        char path[8192];
        if (strlen(e->d_name) < 30 || !strstr(e->d_name, ".part"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct timeval tv[2];
        gettimeofday(&tv[0], NULL);
        tv[0].tv_sec -= 3 * 3600;
        tv[1] = tv[0];
        assert_int_equal(utimes(path, tv), 0);
        live++;
    }
    closedir(d);
    assert_int_equal(live, 1);

    OG_ASSERT_OK(og_artifacts_tmp_sweep(f->env.data_dir, 0, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    assert_int_equal(access(held, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(access(sub, F_OK), 0);
    /* at start-up, any age: the fresh unheld file goes, the held ones (the other process's and
     * the running upload's) and the rest stay */
    OG_ASSERT_OK(og_artifacts_tmp_sweep(f->env.data_dir, OG_ARTIFACTS_TMP_ANY_AGE, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(access(fresh, F_OK), -1);
    assert_int_equal(access(held, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(access(sub, F_OK), 0);
    /* the running upload still finishes */
    OG_ASSERT_OK(og_artifact_put_finish(p, NULL));
    og_artifact_put_free(p);
    char *t = NULL;
    OG_ASSERT_OK(get(c, "acme", "fw", "big.bin", 0, &t));
    assert_memory_equal(t, data, 400 * 1024);
    free(t);
    free(data);
    /* released by its writer, an old file goes */
    close(fd);
    OG_ASSERT_OK(og_artifacts_tmp_sweep(f->env.data_dir, 0, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(access(held, F_OK), -1);
    /* a data folder without objects yet */
    OG_ASSERT_OK(og_artifacts_tenant_files_remove(f->env.data_dir, f->acme.id));
    OG_ASSERT_OK(og_artifacts_tenant_files_remove(f->env.data_dir, f->globex.id));
    OG_ASSERT_OK(og_artifacts_tmp_sweep(f->env.data_dir, 0, &removed));
    assert_int_equal(removed, 0);
}

static void test_artifacts_project__rename_keeps_the_key_and_is_audited(void **state)
{
    fx *f = *state;
    og_ctx pam = as(f, "acme", "pam"), eve = as(f, "acme", "eve"), gus = as(f, "globex", "gus");
    og_project p;
    OG_ASSERT_OK(put(&eve, "acme", "fw", "doc.md", NULL, "one\n", NULL));
    OG_ASSERT_OK(og_project_rename(&pam, "acme", "fw", "Firewall refresh 2026", &p));
    assert_string_equal(p.key, "fw");
    assert_string_equal(p.name, "Firewall refresh 2026");
    OG_ASSERT_OK(og_project_get(&eve, "acme", "fw", &p));
    assert_string_equal(p.name, "Firewall refresh 2026");
    /* the artifacts are where they were */
    char *t = NULL;
    OG_ASSERT_OK(get(&eve, "acme", "fw", "doc.md", 0, &t));
    free(t);
    /* engineers may not; another tenant's admin finds nothing, as for a missing project */
    assert_int_equal(og_project_rename(&eve, "acme", "fw", "x", NULL), OG_EDENIED);
    assert_msg("project-manager");
    assert_int_equal(og_project_rename(&gus, "acme", "fw", "x", NULL), OG_ENOTFOUND);
    assert_int_equal(og_project_rename(&pam, "acme", "nosuch", "x", NULL), OG_ENOTFOUND);
    assert_int_equal(og_project_rename(&pam, "acme", "fw", "", NULL), OG_EINVAL);
    assert_int_equal(og_project_rename(&pam, "acme", "fw", "Firewall refresh 2026", NULL),
                     OG_ECONFLICT);
    json_t *list = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->acme.id, 0, 1000, "project.rename", NULL, &list, &next));
    assert_int_equal(json_array_size(list), 1);
    json_t *an = json_object_get(json_array_get(list, 0), "analysis");
    assert_string_equal(json_string_value(json_object_get(an, "from")), "Firewall migration");
    assert_string_equal(json_string_value(json_object_get(an, "to")), "Firewall refresh 2026");
    json_decref(list);
}

static void test_artifacts_project__archived_is_read_only_and_hidden_from_the_list(void **state)
{
    fx *f = *state;
    og_ctx *c = &f->env.ctx;
    og_ctx ada = as(f, "acme", "ada"), eve = as(f, "acme", "eve"), gus = as(f, "globex", "gus");
    og_artifact_ref r = ref("acme", "fw", "doc.md");
    og_project p;
    char *t = NULL;
    OG_ASSERT_OK(put(&eve, "acme", "fw", "doc.md", NULL, "one\n", NULL));
    assert_int_equal(og_project_archive(&eve, "acme", "fw", 1, NULL), OG_EDENIED);
    assert_int_equal(og_project_archive(&gus, "acme", "fw", 1, NULL), OG_ENOTFOUND);
    OG_ASSERT_OK(og_project_archive(&ada, "acme", "fw", 1, &p));
    assert_true(p.archived_at[0] != '\0');
    assert_int_equal(og_project_archive(&ada, "acme", "fw", 1, NULL), OG_ECONFLICT);
    /* reads go on */
    OG_ASSERT_OK(get(&eve, "acme", "fw", "doc.md", 0, &t));
    free(t);
    OG_ASSERT_OK(og_project_get(&eve, "acme", "fw", &p));
    /* no change of content or state, not even by a platform admin */
    og_ctx *who[] = {&eve, c};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(put(who[i], "acme", "fw", "doc.md", NULL, "two\n", NULL), OG_ECONFLICT);
        assert_msg("archived");
        assert_int_equal(put(who[i], "acme", "fw", "new.md", NULL, "new\n", NULL), OG_ECONFLICT);
        assert_int_equal(og_artifact_restore(who[i], &r, 1, NULL, NULL), OG_ECONFLICT);
        assert_int_equal(og_artifact_set_state(who[i], &r, "in-review", NULL), OG_ECONFLICT);
        assert_int_equal(og_artifact_metadata_set(who[i], &r, "{\"a\":1}"), OG_ECONFLICT);
        assert_int_equal(og_artifact_delete(who[i], &r), OG_ECONFLICT);
        assert_int_equal(og_artifact_lock(who[i], &r, 0, NULL), OG_ECONFLICT);
    }
    assert_int_equal(og_project_rename(&ada, "acme", "fw", "x", NULL), OG_ECONFLICT);
    /* governance goes on: a legal hold can be set on archived data */
    OG_ASSERT_OK(og_artifact_hold_set(&ada, &r, "litigation"));
    OG_ASSERT_OK(og_artifact_hold_clear(&ada, &r, "settled"));
    /* the list leaves it out; the whole list has it, marked */
    json_t *list = NULL;
    OG_ASSERT_OK(og_project_list(&eve, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "key")), "m365");
    json_decref(list);
    OG_ASSERT_OK(og_project_list_all(&eve, "acme", &list));
    assert_int_equal(json_array_size(list), 2);
    assert_true(json_is_true(json_object_get(json_array_get(list, 0), "archived")));
    json_decref(list);
    /* unarchive: writable again; both audited */
    assert_int_equal(og_project_archive(&eve, "acme", "fw", 0, NULL), OG_EDENIED);
    OG_ASSERT_OK(og_project_archive(&ada, "acme", "fw", 0, &p));
    assert_string_equal(p.archived_at, "");
    assert_int_equal(og_project_archive(&ada, "acme", "fw", 0, NULL), OG_ECONFLICT);
    OG_ASSERT_OK(put(&eve, "acme", "fw", "doc.md", NULL, "two\n", NULL));
    int64_t next = 0;
    const char *actions[] = {"project.archive", "project.unarchive"};
    for (size_t i = 0; i < 2; i++) {
        OG_ASSERT_OK(og_audit_list(c, f->acme.id, 0, 1000, actions[i], NULL, &list, &next));
        assert_int_equal(json_array_size(list), 1);
        json_decref(list);
    }
}

static void test_artifacts_access__a_removed_user_gets_no_grant(void **state)
{
    fx *f = *state;
    og_ctx ada = as(f, "acme", "ada");
    OG_ASSERT_OK(og_user_remove(&ada, "acme", "cli", NULL));
    assert_int_equal(og_access_grant(&ada, "acme", "fw", "cli", OG_RIGHT_READ, 0), OG_ECONFLICT);
    assert_msg("removed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_artifacts_put__versions_are_immutable_and_readable_back, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_put__identical_content_is_stored_once_per_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_put__bad_input_is_refused_naming_the_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_put__media_type_by_extension_sniff_or_flag,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_diff__unified_with_context_and_binary_note,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_restore__makes_a_new_version_equal_to_the_old_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_get__a_tampered_object_fails_to_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_lock__blocks_another_users_put_and_admin_breaks_it, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_state__moves_through_the_lifecycle_and_gates_publishing, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_access__every_role_lacking_a_right_is_denied,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_access__client_viewer_sees_only_published_of_granted_projects, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_access__other_tenants_objects_do_not_exist,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_hold__blocks_delete_and_purge_until_cleared,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_purge__needs_delete_first_and_keeps_shared_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_search__ranks_names_metadata_and_text_with_snippets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_storage__data_folder_holds_no_plaintext,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_tmp__stale_part_files_are_swept_live_ones_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_parts__a_snapshot_goes_and_comes_back_with_its_document, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_parts__a_snapshot_is_purged_with_its_document_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_delete__a_held_part_blocks_its_documents_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_hold__clearing_needs_tenant_admin_not_an_admin_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_tenant__holds_and_retention_block_its_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_tenant__deleted_tenant_files_can_be_removed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_project__rename_keeps_the_key_and_is_audited,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_artifacts_project__archived_is_read_only_and_hidden_from_the_list, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_access__a_removed_user_gets_no_grant, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
