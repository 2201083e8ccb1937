/* test_net.c - address parsing, ranges, the special-purpose classification, URL redaction. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The range name of s's special-purpose range, "" when s is global unicast. */
static const char *special(const char *s, char range[OG_NETADDR_STRLEN])
{
    og_netaddr a;
    og_cidr c;
    const char *name = NULL;
    if (og_netaddr_parse(s, &a) != 0)
        fail_msg("'%s' did not parse: %s", s, og_error_last());
    range[0] = '\0';
    if (!og_netaddr_special(&a, &c, &name))
        return "";
    og_cidr_format(&c, range, OG_NETADDR_STRLEN);
    return name;
}

static void expect_special(const char *addr, const char *want_range, const char *want_name)
{
    char range[OG_NETADDR_STRLEN];
    const char *name = special(addr, range);
    if (strcmp(range, want_range) != 0 || (want_name && strcmp(name, want_name) != 0))
        fail_msg("%s: got range '%s' (%s), want '%s' (%s)", addr, range, name, want_range,
                 want_name ? want_name : "any");
}

static void test_net__classifies_special_ipv4_ranges_at_their_edges(void **state)
{
    (void)state;
    expect_special("127.0.0.1", "127.0.0.0/8", "loopback");
    expect_special("127.255.255.255", "127.0.0.0/8", "loopback");
    expect_special("126.255.255.255", "", NULL);
    expect_special("128.0.0.0", "", NULL);
    expect_special("0.0.0.0", "0.0.0.0/8", NULL);
    expect_special("10.0.0.0", "10.0.0.0/8", "private");
    expect_special("10.255.255.255", "10.0.0.0/8", "private");
    expect_special("11.0.0.0", "", NULL);
    expect_special("172.15.255.255", "", NULL);
    expect_special("172.16.0.0", "172.16.0.0/12", "private");
    expect_special("172.31.255.255", "172.16.0.0/12", "private");
    expect_special("172.32.0.0", "", NULL);
    expect_special("192.168.1.1", "192.168.0.0/16", "private");
    expect_special("169.254.169.254", "169.254.0.0/16", "link-local");
    expect_special("100.64.0.1", "100.64.0.0/10", NULL);
    expect_special("100.128.0.0", "", NULL);
    expect_special("224.0.0.1", "224.0.0.0/4", "multicast");
    expect_special("239.255.255.255", "224.0.0.0/4", "multicast");
    expect_special("255.255.255.255", "255.255.255.255/32", "broadcast");
    expect_special("240.0.0.1", "240.0.0.0/4", "reserved");
    expect_special("192.0.2.7", "192.0.2.0/24", "documentation");
    expect_special("198.18.0.1", "198.18.0.0/15", "benchmarking");
    expect_special("8.8.8.8", "", NULL);
    expect_special("93.184.216.34", "", NULL);
}

static void test_net__classifies_ipv6_mapped_and_embedded_forms(void **state)
{
    (void)state;
    expect_special("::1", "::1/128", "loopback");
    expect_special("::", "::/128", "unspecified");
    expect_special("[::1]", "::1/128", "loopback");
    expect_special("fe80::1%eth0", "fe80::/10", "link-local");
    expect_special("fd00::1", "fc00::/7", "unique-local");
    expect_special("fc00::", "fc00::/7", "unique-local");
    expect_special("ff02::1", "ff00::/8", "multicast");
    expect_special("2001:db8::1", "2001:db8::/32", "documentation");
    expect_special("2606:4700::1111", "", NULL);
    /* IPv4-mapped: the IPv4 address it maps, whatever the spelling. */
    expect_special("::ffff:127.0.0.1", "127.0.0.0/8", "loopback");
    expect_special("::ffff:7f00:1", "127.0.0.0/8", "loopback");
    expect_special("::ffff:10.1.2.3", "10.0.0.0/8", "private");
    expect_special("::ffff:8.8.8.8", "", NULL);
    /* IPv4-compatible (deprecated) and other forms outside global unicast. */
    expect_special("::127.0.0.1", "::/0", NULL);
    expect_special("4000::1", "::/0", NULL);
    /* NAT64 and 6to4 are judged by the IPv4 address they embed. */
    expect_special("64:ff9b::127.0.0.1", "64:ff9b::/96", NULL);
    expect_special("64:ff9b::8.8.8.8", "", NULL);
    expect_special("64:ff9b:1::1", "64:ff9b:1::/48", NULL);
    expect_special("2002:a9fe:a9fe::1", "2002::/16", NULL); /* 169.254.169.254 */
    expect_special("2002:808:808::1", "", NULL);
}

static void test_net__parses_ipv4_shorthands_like_the_resolver(void **state)
{
    (void)state;
    char range[OG_NETADDR_STRLEN];
    og_netaddr a;
    assert_string_equal(special("127.1", range), "loopback");
    assert_string_equal(special("2130706433", range), "loopback");
    assert_string_equal(special("0x7f.0.0.1", range), "loopback");
    assert_string_equal(special("0177.0.0.1", range), "loopback");
    assert_int_equal(og_netaddr_parse("localhost", &a), OG_EINVAL);
    assert_int_equal(og_netaddr_parse("hooks.example.com", &a), OG_EINVAL);
    assert_int_equal(og_netaddr_parse("127.0.0.1 ", &a), OG_EINVAL);
    assert_int_equal(og_netaddr_parse("[::1", &a), OG_EINVAL);
    assert_int_equal(og_netaddr_parse("", &a), OG_EINVAL);
    assert_int_equal(og_netaddr_parse(NULL, &a), OG_EINVAL);
}

static void test_net__sockaddrs_unmap_ipv4_mapped_ipv6(void **state)
{
    (void)state;
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    og_netaddr a;
    char text[OG_NETADDR_STRLEN];
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "::ffff:169.254.169.254", &s6.sin6_addr), 1);
    OG_ASSERT_OK(og_netaddr_from_sockaddr(&s6, sizeof(s6), &a));
    assert_int_equal(a.family, 4);
    og_netaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, "169.254.169.254");
    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, "10.9.8.7", &s4.sin_addr), 1);
    OG_ASSERT_OK(og_netaddr_from_sockaddr(&s4, sizeof(s4), &a));
    og_netaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, "10.9.8.7");
    assert_int_equal(og_netaddr_from_sockaddr(&s4, 4, &a), OG_EINVAL);
    s4.sin_family = AF_UNIX;
    assert_int_equal(og_netaddr_from_sockaddr(&s4, sizeof(s4), &a), OG_EINVAL);
}

static void test_net__cidr_parses_contains_and_refuses_junk(void **state)
{
    (void)state;
    og_cidr c;
    og_netaddr a;
    char text[OG_NETADDR_STRLEN];
    OG_ASSERT_OK(og_cidr_parse("127.0.0.0/8", &c));
    og_cidr_format(&c, text, sizeof(text));
    assert_string_equal(text, "127.0.0.0/8");
    OG_ASSERT_OK(og_netaddr_parse("127.200.1.1", &a));
    assert_true(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_netaddr_parse("::ffff:127.0.0.1", &a));
    assert_true(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_netaddr_parse("128.0.0.1", &a));
    assert_false(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_netaddr_parse("::1", &a));
    assert_false(og_cidr_contains(&c, &a)); /* families never mix */
    /* A mapped range is the IPv4 range. */
    OG_ASSERT_OK(og_cidr_parse("::ffff:10.0.0.0/104", &c));
    og_cidr_format(&c, text, sizeof(text));
    assert_string_equal(text, "10.0.0.0/8");
    /* Bare addresses are single hosts; /0 holds everything of its family. */
    OG_ASSERT_OK(og_cidr_parse("::1", &c));
    assert_int_equal(c.prefix, 128);
    OG_ASSERT_OK(og_cidr_parse("0.0.0.0/0", &c));
    OG_ASSERT_OK(og_netaddr_parse("8.8.8.8", &a));
    assert_true(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_cidr_parse("172.16.0.0/12", &c));
    OG_ASSERT_OK(og_netaddr_parse("172.31.255.255", &a));
    assert_true(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_netaddr_parse("172.32.0.0", &a));
    assert_false(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_cidr_parse("fe80::/10", &c));
    OG_ASSERT_OK(og_netaddr_parse("febf:ffff::1", &a));
    assert_true(og_cidr_contains(&c, &a));
    OG_ASSERT_OK(og_netaddr_parse("fec0::1", &a));
    assert_false(og_cidr_contains(&c, &a));
    assert_int_equal(og_cidr_parse("10.1.2.3/8", &c), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "10.0.0.0/8"));
    assert_int_equal(og_cidr_parse("10.0.0.0/33", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("::/129", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("10.0.0.0/", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("10.0.0.0/-1", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("10.0.0.0/8x", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("127.1/8", &c), OG_EINVAL);
    assert_int_equal(og_cidr_parse("localhost/8", &c), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "localhost/8"));
    assert_int_equal(og_cidr_parse("", &c), OG_EINVAL);
}

static void expect_redacted(const char *url, const char *want)
{
    char out[256];
    og_url_redact(url, out, sizeof(out));
    if (strcmp(out, want) != 0)
        fail_msg("redact(%s) = '%s', want '%s'", url, out, want);
}

static void test_net__url_redaction_drops_userinfo_path_and_query(void **state)
{
    (void)state;
    expect_redacted("https://hooks.slack.com/services/T000/B000/XXXX",
                    "https://hooks.slack.com/\xe2\x80\xa6");
    expect_redacted("https://user:pa55@example.com:8443/hook?token=abc",
                    "https://example.com:8443/\xe2\x80\xa6");
    expect_redacted("https://user:p@ss@example.com", "https://example.com");
    expect_redacted("http://example.com/", "http://example.com/");
    expect_redacted("http://example.com?k=v", "http://example.com/\xe2\x80\xa6");
    expect_redacted("http://example.com#frag", "http://example.com/\xe2\x80\xa6");
    expect_redacted("http://[::1]:8080/x", "http://[::1]:8080/\xe2\x80\xa6");
    expect_redacted("smtp://mailer:s3cret@127.0.0.1:25", "smtp://127.0.0.1:25");
    expect_redacted("http://us%40er:pw@host/", "http://host/");
    expect_redacted("http://ho st/secret", "http://\xe2\x80\xa6/\xe2\x80\xa6");
    expect_redacted("http://host\\@evil/secret", "http://host/\xe2\x80\xa6");
    expect_redacted("ops@acme.example", "ops@acme.example");
    char small[12];
    og_url_redact("https://hooks.slack.com/services/T000", small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_null(strstr(small, "T000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net__classifies_special_ipv4_ranges_at_their_edges),
        cmocka_unit_test(test_net__classifies_ipv6_mapped_and_embedded_forms),
        cmocka_unit_test(test_net__parses_ipv4_shorthands_like_the_resolver),
        cmocka_unit_test(test_net__sockaddrs_unmap_ipv4_mapped_ipv6),
        cmocka_unit_test(test_net__cidr_parses_contains_and_refuses_junk),
        cmocka_unit_test(test_net__url_redaction_drops_userinfo_path_and_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
