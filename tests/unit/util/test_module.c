/* test_module.c - og_module_sym: a module found next to the program, loaded once, a symbol it
 * lacks, a module that is not there or does not load (each error naming what it tried), bad
 * names, OPSGATE_MODULE_DIR. The modules are the build's own (opsgate-pdf.so beside the test). */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folder of this test's executable (where the build puts the modules). */
static void exe_dir(char out[PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
    assert_true(n > 0);
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    assert_non_null(slash);
    *slash = '\0';
}

static void copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_file_read(from, (size_t)64 << 20, &data, &n));
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(data);
}

static void test_module_sym__loads_a_module_beside_the_program_once(void **state)
{
    (void)state;
    void *a = NULL, *b = NULL, *c = NULL;
    unsetenv("OPSGATE_MODULE_DIR");
    OG_ASSERT_OK(og_module_sym("pdf", "og_docgen__pdf_module", &a));
    assert_non_null(a);
    OG_ASSERT_OK(og_module_sym("pdf", "og_docgen__pdf_module", &b));
    assert_ptr_equal(a, b); /* the same loaded copy, not a second one */
    OG_ASSERT_OK(og_module_sym("pdftext", "og_infer__pdftext_module", &c));
    assert_non_null(c);
    assert_ptr_not_equal(a, c);
}

static void test_module_sym__names_what_is_missing(void **state)
{
    (void)state;
    void *p = (void *)1;
    char dir[PATH_MAX], path[3 * PATH_MAX];
    unsetenv("OPSGATE_MODULE_DIR");
    exe_dir(dir);
    /* a symbol the module does not have (only its table is exported) */
    assert_int_equal(og_module_sym("pdf", "og_docgen__pdf_render", &p), OG_ERROR);
    assert_null(p);
    assert_non_null(strstr(og_error_last(), "opsgate-pdf.so has no og_docgen__pdf_render"));
    /* a module that is nowhere: every folder tried is named, the program's first */
    assert_int_equal(og_module_sym("nosuch", "x", &p), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "opsgate-nosuch.so"));
    assert_non_null(strstr(og_error_last(), "is not installed"));
    assert_non_null(strstr(og_error_last(), dir));
    og_module_path(path, sizeof(path));
    assert_int_equal(strncmp(path, dir, strlen(dir)), 0);
    assert_non_null(strstr(og_error_last(), path));
    /* names that could leave the folder, or are empty */
    assert_int_equal(og_module_sym("../pdf", "x", &p), OG_EINVAL);
    assert_int_equal(og_module_sym("", "x", &p), OG_EINVAL);
    og_error_clear();
}

static void test_module_sym__module_dir_is_the_only_folder_when_set(void **state)
{
    (void)state;
    void *p = NULL;
    char tmpl[] = "/tmp/og-module-XXXXXX", file[PATH_MAX + 32], path[3 * PATH_MAX];
    assert_non_null(mkdtemp(tmpl));
    setenv("OPSGATE_MODULE_DIR", tmpl, 1);
    og_module_path(path, sizeof(path));
    assert_string_equal(path, tmpl);
    /* "pdftext2" is not in the folder, though a module of that family is beside the program */
    assert_int_equal(og_module_sym("pdftext2", "x", &p), OG_ERROR);
    assert_non_null(strstr(og_error_last(), tmpl));
    /* a file that is not a shared object: it does not load, and the loader says why */
    snprintf(file, sizeof(file), "%s/opsgate-junk.so", tmpl);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("not an ELF file\n", f);
    fclose(f);
    assert_int_equal(og_module_sym("junk", "x", &p), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "does not load"));
    assert_non_null(strstr(og_error_last(), file));
    /* a failure is not remembered: once the module is there it loads */
    char dir[PATH_MAX], src[PATH_MAX + 32], late[PATH_MAX + 32];
    exe_dir(dir);
    snprintf(src, sizeof(src), "%s/opsgate-pdf.so", dir);
    snprintf(late, sizeof(late), "%s/opsgate-late.so", tmpl);
    assert_int_equal(og_module_sym("late", "og_docgen__pdf_module", &p), OG_ERROR);
    copy_file(src, late);
    OG_ASSERT_OK(og_module_sym("late", "og_docgen__pdf_module", &p));
    assert_non_null(p);
    unlink(late);
    unlink(file);
    rmdir(tmpl);
    unsetenv("OPSGATE_MODULE_DIR");
    og_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_sym__loads_a_module_beside_the_program_once),
        cmocka_unit_test(test_module_sym__names_what_is_missing),
        cmocka_unit_test(test_module_sym__module_dir_is_the_only_folder_when_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
