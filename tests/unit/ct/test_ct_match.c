/* test_ct_match.c - the CT matcher: what opsgate issued or holds wins, then the patterns marked
 * expected (issuer and every name covered), else unknown; name patterns; watched domain names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "og_test.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

#define KEY_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* An issuance by the issuer with key ikey (and name iname) for names. */
static og_ct_issuance make(const char *ikey, const char *iname, char **names, size_t n)
{
    og_ct_issuance is;
    memset(&is, 0, sizeof(is));
    strcpy(is.id, "1");
    strcpy(is.issuer_pubkey_sha256, ikey);
    strcpy(is.issuer, iname);
    is.names = names;
    is.nnames = n;
    return is;
}

static void test_ct_match__ours_wins_over_everything(void **state)
{
    (void)state;
    char *names[] = {"www.example.com"};
    og_ct_issuance is = make(KEY_A, "R11", names, 1);
    const char *pn[] = {"www.example.com"};
    og_ct_pattern p = {KEY_A, "R11", pn, 1};
    og_ct_known acme = {.acme = true, .inventory = true}, inv = {.inventory = true}, none = {0};
    assert_int_equal(og_ct_match(&is, &acme, &p, 1, NULL), OG_CT_OURS_ACME);
    assert_int_equal(og_ct_match(&is, &inv, &p, 1, NULL), OG_CT_OURS_INVENTORY);
    assert_int_equal(og_ct_match(&is, &none, &p, 1, NULL), OG_CT_EXPECTED);
    assert_int_equal(og_ct_match(&is, &none, NULL, 0, NULL), OG_CT_UNKNOWN);
    assert_int_equal(og_ct_match(&is, NULL, NULL, 0, NULL), OG_CT_UNKNOWN);
    assert_string_equal(og_ct_verdict_name(OG_CT_OURS_ACME), "ours-acme");
    assert_string_equal(og_ct_verdict_name(OG_CT_OURS_INVENTORY), "ours-inventory");
    assert_string_equal(og_ct_verdict_name(OG_CT_EXPECTED), "expected");
    assert_string_equal(og_ct_verdict_name(OG_CT_UNKNOWN), "unknown");
}

static void test_ct_match__expected_needs_the_same_issuer(void **state)
{
    (void)state;
    char *names[] = {"shop.example.com"};
    og_ct_issuance is = make(KEY_B, "Evil CA", names, 1);
    const char *pn[] = {"shop.example.com"};
    og_ct_pattern by_key = {KEY_A, "Evil CA", pn, 1}; /* same name, another key: not it */
    assert_int_equal(og_ct_match(&is, NULL, &by_key, 1, NULL), OG_CT_UNKNOWN);
    og_ct_pattern right = {KEY_B, NULL, pn, 1};
    size_t which = 99;
    og_ct_pattern both[] = {by_key, right};
    assert_int_equal(og_ct_match(&is, NULL, both, 2, &which), OG_CT_EXPECTED);
    assert_int_equal(which, 1);
    /* without a key the issuer's name decides, exactly */
    og_ct_pattern by_name = {"", "Evil CA", pn, 1}, other_name = {NULL, "Evil CA 2", pn, 1};
    assert_int_equal(og_ct_match(&is, NULL, &by_name, 1, NULL), OG_CT_EXPECTED);
    assert_int_equal(og_ct_match(&is, NULL, &other_name, 1, NULL), OG_CT_UNKNOWN);
    /* a pattern naming no issuer at all matches nothing */
    og_ct_pattern empty = {"", "", pn, 1};
    assert_int_equal(og_ct_match(&is, NULL, &empty, 1, NULL), OG_CT_UNKNOWN);
}

static void test_ct_match__every_name_must_be_covered(void **state)
{
    (void)state;
    char *names[] = {"shop.example.com", "admin.example.com"};
    og_ct_issuance is = make(KEY_B, "Evil CA", names, 2);
    const char *one[] = {"shop.example.com"};
    og_ct_pattern p = {KEY_B, NULL, one, 1};
    /* a certificate that adds a name nobody expected is not the expected one */
    assert_int_equal(og_ct_match(&is, NULL, &p, 1, NULL), OG_CT_UNKNOWN);
    const char *domain[] = {"example.com", "*.example.com"};
    og_ct_pattern d = {KEY_B, NULL, domain, 2};
    assert_int_equal(og_ct_match(&is, NULL, &d, 1, NULL), OG_CT_EXPECTED);
    /* an issuance without names is never expected */
    og_ct_issuance bare = make(KEY_B, "Evil CA", NULL, 0);
    assert_int_equal(og_ct_match(&bare, NULL, &d, 1, NULL), OG_CT_UNKNOWN);
}

static void test_ct_name_covers__exact_and_below(void **state)
{
    (void)state;
    assert_true(og_ct_name_covers("www.example.com", "WWW.example.com"));
    assert_false(og_ct_name_covers("www.example.com", "example.com"));
    assert_true(og_ct_name_covers("*.example.com", "a.example.com"));
    assert_true(og_ct_name_covers("*.example.com", "a.b.example.com"));
    assert_true(og_ct_name_covers("*.example.com", "*.example.com"));
    assert_false(og_ct_name_covers("*.example.com", "example.com"));
    assert_false(og_ct_name_covers("*.example.com", "badexample.com"));
    assert_false(og_ct_name_covers("*.example.com", "example.com.evil.test"));
    assert_false(og_ct_name_covers("", "a.example.com"));
    assert_false(og_ct_name_covers(NULL, "a.example.com"));
    assert_false(og_ct_name_covers("a.example.com", NULL));
}

static void test_ct_domain_check__takes_names_refuses_tricks(void **state)
{
    (void)state;
    char out[254];
    OG_ASSERT_OK(og_ct_domain_check("Example.COM.", out));
    assert_string_equal(out, "example.com");
    OG_ASSERT_OK(og_ct_domain_check("xn--bcher-kva.example", out));
    assert_string_equal(out, "xn--bcher-kva.example");
    const char *badnames[] = {"*.example.com",
                              "example.*",
                              "com",
                              "",
                              "10.0.0.1",
                              "a..example.com",
                              "-a.example.com",
                              "a-.example.com",
                              "ex_ample.com",
                              "exa mple.com",
                              "example.com..",
                              ".example.com",
                              "[::1]",
                              "a.example.com/x",
                              NULL};
    for (size_t i = 0; badnames[i]; i++) {
        assert_int_equal(og_ct_domain_check(badnames[i], out), OG_EINVAL);
        assert_true(strlen(og_error_last()) > 0);
    }
    assert_int_equal(og_ct_domain_check(NULL, out), OG_EINVAL);
    char longlabel[80];
    memset(longlabel, 'a', 64);
    strcpy(longlabel + 64, ".com");
    assert_int_equal(og_ct_domain_check(longlabel, out), OG_EINVAL);
    longlabel[1] = '\0';
    /* 253 characters is the most a name has (a trailing dot aside) */
    char longname[300] = "";
    while (strlen(longname) < 250)
        strcat(longname, "abcdefghi.");
    strcat(longname, "com");
    assert_int_equal(strlen(longname), 253);
    OG_ASSERT_OK(og_ct_domain_check(longname, out));
    strcat(longname, ".");
    OG_ASSERT_OK(og_ct_domain_check(longname, out));
    assert_int_equal(strlen(out), 253);
    longname[0] = 'x';
    memmove(longname + 1, longname, strlen(longname) + 1);
    assert_int_equal(og_ct_domain_check(longname, out), OG_EINVAL); /* 254 and a dot */
    longname[strlen(longname) - 1] = '\0';
    assert_int_equal(og_ct_domain_check(longname, out), OG_EINVAL); /* 254 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_match__ours_wins_over_everything),
        cmocka_unit_test(test_ct_match__expected_needs_the_same_issuer),
        cmocka_unit_test(test_ct_match__every_name_must_be_covered),
        cmocka_unit_test(test_ct_name_covers__exact_and_below),
        cmocka_unit_test(test_ct_domain_check__takes_names_refuses_tricks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
