/* test_manifest.c - a backup's manifest and the names an archive may hold: what
 * og_backup__manifest_check accepts and every difference it reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "backup/backup_internal.h"
#include "opsgate/error.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define OBJ   "objects/7d3c1a52-0e4b-4c8e-9a41-3f2d7c9b1e01/1e/1e78dd8f58dabca6"

static json_t *manifest(void)
{
    json_t *schemas = json_pack("{s:i}", "audit", 3), *chains = json_array();
    json_t *m = og_backup__manifest_new("postgres", schemas, chains, 0); /* own references */
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "backend")), "postgres");
    json_decref(schemas);
    json_decref(chains);
    assert_non_null(m);
    json_object_set_new(m, "files",
                        json_pack("[{s:s, s:i, s:s}, {s:s, s:i, s:s}]", "path", "opsgate.db",
                                  "size", 100, "sha256", SHA_A, "path", OBJ, "size", 7, "sha256",
                                  SHA_B));
    return m;
}

static json_t *seen(void)
{
    return json_pack("{s:{s:i, s:s}, s:{s:i, s:s}}", "opsgate.db", "size", 100, "sha256", SHA_A,
                     OBJ, "size", 7, "sha256", SHA_B);
}

static void expect_corrupt(json_t *m, json_t *s, const char *words)
{
    assert_int_equal(og_backup__manifest_check(m, s), OG_ECORRUPT);
    if (!strstr(og_error_last(), words))
        print_error("message: %s (want '%s')\n", og_error_last(), words);
    assert_non_null(strstr(og_error_last(), words));
    json_decref(m);
    json_decref(s);
}

static void test_manifest__says_what_the_backup_is(void **state)
{
    (void)state;
    json_t *m = manifest(), *s = seen();
    assert_string_equal(json_string_value(json_object_get(m, "format")), OG_BACKUP_FORMAT);
    assert_int_equal(json_integer_value(json_object_get(m, "format_version")),
                     OG_BACKUP_FORMAT_VERSION);
    assert_string_equal(json_string_value(json_object_get(m, "opsgate_version")), OG_VERSION);
    assert_non_null(json_string_value(json_object_get(m, "created")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "schemas"), "audit")),
                     3);
    assert_true(json_is_false(json_object_get(json_object_get(m, "keys"), "included")));
    assert_int_equal(og_backup__manifest_check(m, s), 0);
    json_decref(m);
    json_decref(s);
}

static void test_manifest__finds_every_difference(void **state)
{
    (void)state;
    json_t *s = seen();
    json_object_set_new(json_object_get(s, OBJ), "sha256", json_string(SHA_A));
    expect_corrupt(manifest(), s, "does not match its SHA-256");
    s = seen();
    json_object_set_new(json_object_get(s, OBJ), "size", json_integer(8));
    expect_corrupt(manifest(), s, "has 8 bytes, the manifest says 7");
    s = seen();
    json_object_del(s, OBJ);
    expect_corrupt(manifest(), s, "in the manifest but not in the archive");
    s = seen();
    json_object_set_new(s, "objects/x/ab/extra",
                        json_pack("{s:i, s:s}", "size", 1, "sha256", SHA_A));
    expect_corrupt(manifest(), s, "in the archive but not in the manifest");
    json_t *m = manifest();
    json_object_set_new(m, "format_version", json_integer(OG_BACKUP_FORMAT_VERSION + 1));
    expect_corrupt(m, seen(), "newer than this opsgate reads");
    m = manifest();
    json_object_set_new(m, "format", json_string("tarball"));
    expect_corrupt(m, seen(), "not an opsgate backup");
    m = manifest();
    json_array_remove(json_object_get(m, "files"), 0);
    s = seen();
    json_object_del(s, "opsgate.db");
    expect_corrupt(m, s, "holds no database");
    m = manifest();
    json_object_set_new(json_array_get(json_object_get(m, "files"), 1), "path",
                        json_string("../../etc/passwd"));
    expect_corrupt(m, seen(), "no backup writes");
}

static void test_paths__only_what_a_backup_writes(void **state)
{
    (void)state;
    const char *good[] = {"opsgate.db", OBJ, OG_BACKUP_KEY_ENTRY, "tls-listener-main.pem"};
    const char *badp[] = {"",
                          "/etc/passwd",
                          "../opsgate.db",
                          "objects/../../x/ab/y",
                          "objects/t/ab/..",
                          "objects/t/abc/name",
                          "objects/t/ab/name/more",
                          "objects/t/ab/na me",
                          "master.key",
                          "keys/master.key",
                          "opsgate.db/x",
                          "tls-listener-.pem",
                          "objects//ab/name",
                          "MANIFEST.json"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(og_backup__path_ok(good[i]), 0);
    for (size_t i = 0; i < sizeof(badp) / sizeof(badp[0]); i++) {
        if (og_backup__path_ok(badp[i]) != OG_ECORRUPT)
            print_error("accepted: '%s'\n", badp[i]);
        assert_int_equal(og_backup__path_ok(badp[i]), OG_ECORRUPT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest__says_what_the_backup_is),
        cmocka_unit_test(test_manifest__finds_every_difference),
        cmocka_unit_test(test_paths__only_what_a_backup_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
