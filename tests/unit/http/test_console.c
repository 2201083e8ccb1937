/* test_console.c - the web console's building blocks without a server: form fields, percent-
 * encoding, console paths, and every page template built in parses and escapes what it shows. */
#include "og_test.h"
#include "http/console.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"

#include <string.h>

static int field(const char *body, const char *name, char *out, size_t size)
{
    og_http_req r;
    memset(&r, 0, sizeof(r));
    og_buf_init(&r.body, 4096);
    if (body && og_buf_puts(&r.body, body) < 0)
        return -1;
    int rc = og_http__console_form(&r, name, out, size);
    og_buf_free(&r.body);
    return rc;
}

static void test_console__form_fields_are_found_and_decoded(void **state)
{
    (void)state;
    char v[64];
    assert_int_equal(field("next=%2Fconsole&token=og_a%2Bb+c", "token", v, sizeof(v)), 1);
    assert_string_equal(v, "og_a+b c");
    assert_int_equal(field("next=%2Fconsole&token=x", "next", v, sizeof(v)), 1);
    assert_string_equal(v, "/console");
    assert_int_equal(field("tokens=x&xtoken=y", "token", v, sizeof(v)), 0);
    assert_int_equal(field("", "token", v, sizeof(v)), 0);
    assert_int_equal(field("token=", "token", v, sizeof(v)), 1);
    assert_string_equal(v, "");
}

static void test_console__bad_form_fields_are_refused_naming_the_field(void **state)
{
    (void)state;
    char v[8];
    assert_int_equal(field("token=0123456789", "token", v, sizeof(v)), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'token'"));
    assert_int_equal(field("token=%zz", "token", v, sizeof(v)), OG_EINVAL);
    assert_int_equal(field("token=%4", "token", v, sizeof(v)), OG_EINVAL);
    assert_int_equal(field("token=%ff%fe", "token", v, sizeof(v)), OG_EINVAL); /* not UTF-8 */
    assert_int_equal(field("token=a%00b", "token", v, sizeof(v)), OG_EINVAL);
}

static void test_console__urlencode_and_console_paths(void **state)
{
    (void)state;
    og_buf b;
    og_buf_init(&b, 256);
    OG_ASSERT_OK(og_http__console_urlencode(&b, "/console/x?a=b&c d\r\n"));
    assert_string_equal(b.data, "/console/x%3Fa%3Db%26c%20d%0D%0A");
    og_buf_free(&b);
    assert_true(og_http__console_path("/console"));
    assert_true(og_http__console_path("/console/certificates"));
    assert_false(og_http__console_path("/consolex"));
    assert_false(og_http__console_path("/api/v1/console"));
}

/* Every template parses, the layout included through inheritance, and a value holding markup
 * comes out escaped. */
static int load(void *ud, const char *name, og_buf *out)
{
    (void)ud;
    for (size_t i = 0; i < og_http__console_ntemplates; i++)
        if (strcmp(og_http__console_templates[i].name, name) == 0)
            return og_buf_append(out, og_http__console_templates[i].data,
                                 og_http__console_templates[i].len);
    return OG_ENOTFOUND;
}

static void test_console__templates_parse_and_escape(void **state)
{
    (void)state;
    assert_true(og_http__console_ntemplates >= 6);
    assert_true(og_http__console_nassets >= 5);
    json_t *data = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s}", "heading", "<script>x</script>",
                             "message", "<script>x</script>", "error", "<script>x</script>", "cert",
                             "subject", "<script>x</script>", "scope", "<script>x</script>");
    for (size_t i = 0; i < og_http__console_ntemplates; i++) {
        og_tmpl *t = NULL;
        og_tmpl_error err;
        const og_http_asset *a = &og_http__console_templates[i];
        if (og_tmpl_parse_named(&t, a->name, (const char *)a->data, a->len, &err) < 0)
            fail_msg("template %s: %s", a->name, og_error_last());
        og_buf out;
        og_buf_init(&out, 1 << 20);
        og_tmpl_opts opts = {.escape = OG_TMPL_ESCAPE_HTML, .partial = load};
        if (og_tmpl_render(&out, t, data, &opts, &err) < 0)
            fail_msg("template %s: %s", a->name, og_error_last());
        if (out.len && strstr(out.data, "<script>x"))
            fail_msg("template %s shows markup unescaped", a->name);
        if (out.len && strstr(out.data, "style="))
            fail_msg("template %s has an inline style attribute (the CSP refuses it)", a->name);
        og_buf_free(&out);
        og_tmpl_free(t);
    }
    json_decref(data);
}

static void test_console__accept_encoding_gzip(void **state)
{
    (void)state;
    assert_true(og_http__accepts_gzip("gzip"));
    assert_true(og_http__accepts_gzip("deflate, gzip;q=0.5, br"));
    assert_true(og_http__accepts_gzip("x-gzip"));
    assert_true(og_http__accepts_gzip("*"));
    assert_true(og_http__accepts_gzip(" GZIP ; q=1"));
    assert_false(og_http__accepts_gzip(NULL));
    assert_false(og_http__accepts_gzip(""));
    assert_false(og_http__accepts_gzip("br, deflate"));
    assert_false(og_http__accepts_gzip("gzip;q=0"));
    assert_false(og_http__accepts_gzip("*, gzip;q=0.000"));
    assert_false(og_http__accepts_gzip("*;q=0"));
    assert_false(og_http__accepts_gzip("gzipped"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console__form_fields_are_found_and_decoded),
        cmocka_unit_test(test_console__bad_form_fields_are_refused_naming_the_field),
        cmocka_unit_test(test_console__urlencode_and_console_paths),
        cmocka_unit_test(test_console__templates_parse_and_escape),
        cmocka_unit_test(test_console__accept_encoding_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
