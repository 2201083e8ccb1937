/* test_lazylib.c - og_lazylib_sym / og_lazylib_load: a system library loaded on first use and
 * kept, a symbol it lacks, a library that is not installed and one named missing by
 * OPSGATE_TEST_LAZYLIB_MISSING (each error naming the library, what needs it and its package).
 * zlib stands in for the libraries opsgate loads this way (every build links it anyway). */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdlib.h>
#include <string.h>

static void test_lazylib__loads_once_and_finds_symbols(void **state)
{
    (void)state;
    og_lazylib z = {"libz.so.1", "zlib1g", "the test"};
    void *a = NULL, *b = NULL;
    OG_ASSERT_OK(og_lazylib_load(&z));
    void *dl = z.dl;
    assert_non_null(dl);
    OG_ASSERT_OK(og_lazylib_sym(&z, "zlibVersion", &a));
    OG_ASSERT_OK(og_lazylib_sym(&z, "zlibVersion", &b));
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_equal(z.dl, dl); /* loaded once */
    const char *(*version)(void) = NULL;
    memcpy(&version, &a, sizeof(version));
    assert_non_null(version());
    assert_int_equal(og_lazylib_sym(&z, "no_such_function_here", &a), OG_ERROR);
    assert_null(a);
    assert_non_null(strstr(og_error_last(), "libz.so.1 has no no_such_function_here"));
    og_error_clear();
}

static void test_lazylib__names_what_is_missing(void **state)
{
    (void)state;
    og_lazylib gone = {"libopsgate-not-there.so.9", "libopsgate-not-there9", "testing absence"};
    void *p = (void *)1;
    assert_int_equal(og_lazylib_sym(&gone, "f", &p), OG_ERROR);
    assert_null(p);
    assert_null(gone.dl);
    const char *m = og_error_last();
    assert_non_null(strstr(m, "libopsgate-not-there.so.9, which testing absence need"));
    assert_non_null(strstr(m, "install the Debian package libopsgate-not-there9"));
    assert_int_equal(og_lazylib_load(&gone), OG_ERROR);

    og_lazylib z = {"libz.so.1", "zlib1g", "the test"};
    setenv("OPSGATE_TEST_LAZYLIB_MISSING", "libfoo.so.1,libz.so.1", 1);
    assert_int_equal(og_lazylib_load(&z), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "named as missing by OPSGATE_TEST_LAZYLIB_MISSING"));
    assert_null(z.dl);
    setenv("OPSGATE_TEST_LAZYLIB_MISSING", "libz.so", 1); /* a prefix names nothing */
    OG_ASSERT_OK(og_lazylib_load(&z));                    /* not remembered: found now */
    assert_non_null(z.dl);
    unsetenv("OPSGATE_TEST_LAZYLIB_MISSING");
    og_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lazylib__loads_once_and_finds_symbols),
        cmocka_unit_test(test_lazylib__names_what_is_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
