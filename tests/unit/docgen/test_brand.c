/* test_brand.c - the provider's brand: colours, logos decoded and refused with the reason, the
 * installation's brand overridden field by field by a tenant's, who may change which, audit, and
 * clearing. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig\nleak:libpango\nleak:libglib\nleak:libgobject\nleak:libcairo\n"
           "leak:librsvg\nleak:libxml2\nleak:libgio\nleak:libharfbuzz\nleak:libfreetype\n";
}

static int setup(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    og_tenant t;
    og_user u;
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", &t));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "beta", &t));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, &u));
    OG_ASSERT_OK(og_user_add(&env->ctx, "acme", "eve", OG_ROLE_ENGINEER, &u));
    OG_ASSERT_OK(og_user_add(&env->ctx, "beta", "bob", OG_ROLE_TENANT_ADMIN, &u));
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    og_test_env *env = *state;
    og_test_env_teardown(env);
    free(env);
    return 0;
}

static og_ctx as_user(og_test_env *env, const char *tenant, const char *user)
{
    og_ctx c = env->ctx;
    OG_ASSERT_OK(og_actor_become(&c, tenant, user));
    return c;
}

typedef struct pngbuf {
    unsigned char *p;
    size_t n;
} pngbuf;

static cairo_status_t put(void *closure, const unsigned char *d, unsigned int len)
{
    pngbuf *b = closure;
    b->p = realloc(b->p, b->n + len);
    memcpy(b->p + b->n, d, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* A w x h PNG of one colour, written by cairo (caller frees). */
static unsigned char *png(int w, int h, size_t *len)
{
    pngbuf b = {NULL, 0};
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0, 0.67, 0.33);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_write_to_png_stream(s, put, &b);
    cairo_surface_destroy(s);
    *len = b.n;
    return b.p;
}

static void test_color__short_and_long_forms_normalised_others_refused(void **state)
{
    (void)state;
    char c[8];
    OG_ASSERT_OK(og_docgen_color_parse("#0a5", "color", c));
    assert_string_equal(c, "#00aa55");
    OG_ASSERT_OK(og_docgen_color_parse("#1F3B5C", "color", c));
    assert_string_equal(c, "#1f3b5c");
    const char *bad[] = {"0a5", "#0a", "#00aa5", "#gggggg", "red", "#00aa55ff", "", NULL};
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(og_docgen_color_parse(bad[i], "accent", c), OG_EINVAL);
        assert_non_null(strstr(og_error_last(), "accent: "));
    }
}

static void test_logo__decoded_or_refused_with_the_reason(void **state)
{
    (void)state;
    const char *mt = NULL;
    size_t n;
    unsigned char *p = png(40, 20, &n);
    OG_ASSERT_OK(og_docgen_logo_check(p, n, &mt));
    assert_string_equal(mt, "image/png");
    /* an IHDR claiming a huge image is refused before anything is decoded */
    unsigned char *huge = malloc(n);
    memcpy(huge, p, n);
    memcpy(huge + 16, "\x00\x01\x86\xa0\x00\x01\x86\xa0", 8);
    assert_int_equal(og_docgen_logo_check(huge, n, &mt), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "100000x100000 PNG; at most 2048x2048"));
    /* cut short: the signature is right, the data is not */
    assert_int_equal(og_docgen_logo_check(p, n - 20, &mt), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "the PNG does not decode"));
    free(huge);
    free(p);

    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 40 20\">"
                      "<rect width=\"40\" height=\"20\" fill=\"url(#g)\"/></svg>";
    OG_ASSERT_OK(og_docgen_logo_check((const unsigned char *)svg, strlen(svg), &mt));
    assert_string_equal(mt, "image/svg+xml");
    struct {
        const char *src, *why;
    } bad[] = {
        {"", "the file is empty"},
        {"GIF89a....", "not a PNG or SVG file"},
        {"<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x \"y\">]><svg/>", "DOCTYPE"},
        {"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"><image "
         "href=\"https://example.org/x.png\" width=\"9\" height=\"9\"/></svg>",
         "refers to a file or URL outside itself"},
        {"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"><style>@import "
         "'x.css';</style></svg>",
         "outside itself"},
        {"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>", "no usable size"},
        {"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"><rect", "does not"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = og_docgen_logo_check((const unsigned char *)bad[i].src, strlen(bad[i].src), &mt);
        if (rc != OG_EINVAL || !strstr(og_error_last(), bad[i].why))
            fail_msg("logo %zu: got %d \"%s\", want \"%s\"", i, rc, og_error_last(), bad[i].why);
    }
    unsigned char *big = calloc(1, OG_DOCGEN_LOGO_MAX + 1);
    memcpy(big, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(og_docgen_logo_check(big, OG_DOCGEN_LOGO_MAX + 1, &mt), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "over the limit of 524288"));
    free(big);
}

static void test_brand__tenant_overrides_field_by_field_and_clears(void **state)
{
    og_test_env *env = *state;
    og_docgen_brand b;
    og_docgen_brand_update u;
    json_t *j = NULL;
    size_t n;
    unsigned char *p = png(30, 10, &n);
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30\" height=\"10\"/>";
    og_ctx ada = as_user(env, "acme", "ada"), eve = as_user(env, "acme", "eve"),
           bob = as_user(env, "beta", "bob");

    /* the installation's brand: platform-admin only */
    memset(&u, 0, sizeof(u));
    u.name = "Bluefin Managed Services GmbH";
    u.address = "Hafenstrasse 12\n20457 Hamburg";
    u.color = "#0a5";
    u.set_logo = 1;
    u.logo = (const unsigned char *)svg;
    u.logo_len = strlen(svg);
    assert_int_equal(og_docgen_brand_set(&ada, NULL, &u), OG_EDENIED);
    assert_non_null(
        strstr(og_error_last(), "needs the platform-admin role (you are tenant-admin)"));
    OG_ASSERT_OK(og_docgen_brand_set(&env->ctx, NULL, &u));

    /* a tenant's override: its tenant-admin, not an engineer, not another tenant's admin */
    memset(&u, 0, sizeof(u));
    u.color = "#A05";
    u.set_logo = 1;
    u.logo = p;
    u.logo_len = n;
    assert_int_equal(og_docgen_brand_set(&eve, "acme", &u), OG_EDENIED);
    assert_int_equal(og_docgen_brand_set(&bob, "acme", &u), OG_ENOTFOUND);
    OG_ASSERT_OK(og_docgen_brand_set(&ada, "acme", &u));

    OG_ASSERT_OK(og_docgen_brand_load(&eve, "acme", &b));
    assert_string_equal(b.name, "Bluefin Managed Services GmbH");
    assert_string_equal(b.src_name, "installation");
    assert_string_equal(b.address, "Hafenstrasse 12\n20457 Hamburg");
    assert_string_equal(b.color, "#aa0055");
    assert_string_equal(b.src_color, "tenant");
    assert_string_equal(b.logo_type, "image/png");
    assert_int_equal(b.logo_len, n);
    assert_memory_equal(b.logo, p, n);
    og_docgen_brand_free(&b);
    /* another tenant inherits the installation's */
    OG_ASSERT_OK(og_docgen_brand_load(&bob, "beta", &b));
    assert_string_equal(b.color, "#00aa55");
    assert_string_equal(b.logo_type, "image/svg+xml");
    og_docgen_brand_free(&b);

    /* "" removes a field; a refused change changes nothing */
    memset(&u, 0, sizeof(u));
    u.color = "";
    OG_ASSERT_OK(og_docgen_brand_set(&ada, "acme", &u));
    u.color = "#zzz";
    u.name = "Other";
    assert_int_equal(og_docgen_brand_set(&ada, "acme", &u), OG_EINVAL);
    OG_ASSERT_OK(og_docgen_brand_show(&eve, "acme", &j));
    assert_string_equal(json_string_value(json_object_get(j, "color")), "#00aa55");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "sources"), "color")),
                        "installation");
    assert_string_equal(json_string_value(json_object_get(j, "name")),
                        "Bluefin Managed Services GmbH");
    json_decref(j);

    /* audited in the tenant's chain and the platform's */
    {
        int64_t next = 0;
        og_tenant t;
        OG_ASSERT_OK(og_tenant_get(&env->ctx, "acme", &t));
        OG_ASSERT_OK(og_audit_list(&env->ctx, NULL, 0, 100, "docgen.brand.set", NULL, &j, &next));
        assert_int_equal(json_array_size(j), 1); /* the installation's */
        json_decref(j);
        OG_ASSERT_OK(og_audit_list(&env->ctx, t.id, 0, 100, "docgen.brand.set", NULL, &j, &next));
        assert_int_equal(json_array_size(j), 2); /* the tenant's two successful changes */
        json_decref(j);
    }

    /* clear: the tenant inherits again; clearing twice is not found */
    assert_int_equal(og_docgen_brand_clear(&eve, "acme"), OG_EDENIED);
    OG_ASSERT_OK(og_docgen_brand_clear(&ada, "acme"));
    assert_int_equal(og_docgen_brand_clear(&ada, "acme"), OG_ENOTFOUND);
    OG_ASSERT_OK(og_docgen_brand_load(&eve, "acme", &b));
    assert_string_equal(b.logo_type, "image/svg+xml");
    assert_string_equal(b.src_logo, "installation");
    og_docgen_brand_free(&b);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_color__short_and_long_forms_normalised_others_refused),
        cmocka_unit_test(test_logo__decoded_or_refused_with_the_reason),
        cmocka_unit_test_setup_teardown(test_brand__tenant_overrides_field_by_field_and_clears,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
