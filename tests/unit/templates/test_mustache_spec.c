/* test_mustache_spec.c - runs the official Mustache spec JSON files (../shared/spec/mustache) in
 * place. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The modules issue 6 asks for; ~lambdas.json is out of scope (JSON data cannot hold code). */
static const char *const modules[] = {
    "comments", "delimiters", "interpolation", "inverted",
    "partials", "sections",   "~inheritance",  "~dynamic-names",
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

static char spec_dir[4096];
static int total_run, total_passed;

static void spec_path(char *out, size_t size, const char *module)
{
    snprintf(out, size, "%s/%s.json", spec_dir, module);
}

static void print_visible(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "    %s: \"", label);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n", stderr);
        else if (c == '\r')
            fputs("\\r", stderr);
        else if (c == '\t')
            fputs("\\t", stderr);
        else if (c < 0x20)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputs("\"\n", stderr);
}

/* Runs one spec case; returns 1 when the output matches `expected` byte for byte. */
static int run_case(const char *module, const json_t *tc)
{
    const char *name = json_string_value(json_object_get(tc, "name"));
    const json_t *tmpl = json_object_get(tc, "template");
    const json_t *expected = json_object_get(tc, "expected");
    const json_t *data = json_object_get(tc, "data");
    json_t *partials = json_object_get(tc, "partials");
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    int ok = 0;

    og_buf_init(&out, 1 << 20);
    if (og_tmpl_parse(&t, json_string_value(tmpl), json_string_length(tmpl), &err) < 0) {
        fprintf(stderr, "  FAIL %s / %s: parse error %d:%d: %s\n", module, name, err.line,
                err.column, err.message);
        goto cleanup;
    }
    og_tmpl_opts opts = {.escape = OG_TMPL_ESCAPE_HTML};
    if (partials) {
        opts.partial = og_tmpl_partials_from_json;
        opts.partial_ud = partials;
    }
    if (og_tmpl_render(&out, t, data, &opts, &err) < 0) {
        fprintf(stderr, "  FAIL %s / %s: render error %s %d:%d: %s\n", module, name, err.source,
                err.line, err.column, err.message);
        goto cleanup;
    }
    size_t elen = json_string_length(expected);
    if (out.len != elen || memcmp(out.data ? out.data : "", json_string_value(expected), elen)) {
        fprintf(stderr, "  FAIL %s / %s\n", module, name);
        print_visible("template", json_string_value(tmpl), json_string_length(tmpl));
        print_visible("expected", json_string_value(expected), elen);
        print_visible("got     ", out.data ? out.data : "", out.len);
        goto cleanup;
    }
    ok = 1;
cleanup:
    og_tmpl_free(t);
    og_buf_free(&out);
    return ok;
}

static void run_module(const char *module)
{
    char path[4200];
    json_error_t jerr;
    spec_path(path, sizeof(path), module);
    json_t *spec = json_load_file(path, 0, &jerr);
    if (!spec)
        fail_msg("%s: %s at line %d", path, jerr.text, jerr.line);
    const json_t *tests = json_object_get(spec, "tests");
    assert_true(json_is_array(tests));
    int run = 0, passed = 0;
    size_t i;
    const json_t *tc;
    json_array_foreach(tests, i, tc)
    {
        run++;
        passed += run_case(module, tc);
    }
    json_decref(spec);
    total_run += run;
    total_passed += passed;
    printf("mustache spec: %s %d/%d passed\n", module[0] == '~' ? module + 1 : module, passed, run);
    fflush(stdout);
    assert_int_equal(passed, run);
}

static void test_spec__comments(void **state)
{
    (void)state;
    run_module("comments");
}
static void test_spec__delimiters(void **state)
{
    (void)state;
    run_module("delimiters");
}
static void test_spec__interpolation(void **state)
{
    (void)state;
    run_module("interpolation");
}
static void test_spec__inverted(void **state)
{
    (void)state;
    run_module("inverted");
}
static void test_spec__partials(void **state)
{
    (void)state;
    run_module("partials");
}
static void test_spec__sections(void **state)
{
    (void)state;
    run_module("sections");
}
static void test_spec__inheritance(void **state)
{
    (void)state;
    run_module("~inheritance");
}
static void test_spec__dynamic_names(void **state)
{
    (void)state;
    run_module("~dynamic-names");
}

int main(void)
{
    const char *shared = getenv("OG_SHARED_DIR");
    const char *source = getenv("OG_SOURCE_DIR");
    if (shared && *shared)
        snprintf(spec_dir, sizeof(spec_dir), "%s/spec/mustache", shared);
    else if (source && *source)
        snprintf(spec_dir, sizeof(spec_dir), "%s/../shared/spec/mustache", source);
    else
        snprintf(spec_dir, sizeof(spec_dir), "../shared/spec/mustache");

    int missing = 0;
    for (size_t m = 0; m < N_MODULES; m++) {
        char path[4200];
        spec_path(path, sizeof(path), modules[m]);
        if (access(path, R_OK) != 0) {
            printf("mustache spec: missing %s (set OG_SHARED_DIR): skipped\n", path);
            missing++;
        }
    }
    if (missing)
        return 77;

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec__comments),      cmocka_unit_test(test_spec__delimiters),
        cmocka_unit_test(test_spec__interpolation), cmocka_unit_test(test_spec__inverted),
        cmocka_unit_test(test_spec__partials),      cmocka_unit_test(test_spec__sections),
        cmocka_unit_test(test_spec__inheritance),   cmocka_unit_test(test_spec__dynamic_names),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("mustache spec: total %d/%d passed\n", total_passed, total_run);
    return failed;
}
