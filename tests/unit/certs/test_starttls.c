/* test_starttls.c - the STARTTLS state machines of the scanner (src/certs/starttls.c), fed the
 * bytes a server sends, in pieces as a socket may deliver them: what the client sends, when TLS
 * may start, and the error for servers that offer nothing, refuse, or speak another protocol.
 * The servers themselves: tests/integration/test_cert_starttls.sh. */
#include "og_test.h"
#include "certs/scan_internal.h"
#include "opsgate/error.h"

#include <string.h>

/* Feed text to x in pieces of `piece` bytes; the last result. */
static int feed(og_certs_stls *x, const char *text, size_t len, size_t piece)
{
    int r = 0;
    for (size_t i = 0; i < len && r == 0; i += piece) {
        size_t n = len - i < piece ? len - i : piece;
        memcpy(x->in + x->inlen, text + i, n);
        x->inlen += n;
        r = og_certs__stls_feed(x);
    }
    return r;
}
#define FEED(x, s) feed((x), (s), strlen(s), 3)

static const char *sent(og_certs_stls *x, char *buf, size_t size)
{
    size_t n = x->outlen < size - 1 ? x->outlen : size - 1;
    memcpy(buf, x->out, n);
    buf[n] = '\0';
    x->outlen = x->outoff = 0;
    return buf;
}

static void test_starttls__auto_chooses_by_port(void **state)
{
    (void)state;
    int mode = 0;
    assert_int_equal(og_certs_starttls_parse("auto", &mode), 0);
    assert_int_equal(mode, OG_STLS_AUTO);
    assert_int_equal(og_certs__stls_for(mode, 25), OG_STLS_SMTP);
    assert_int_equal(og_certs__stls_for(mode, 587), OG_STLS_SMTP);
    assert_int_equal(og_certs__stls_for(mode, 143), OG_STLS_IMAP);
    assert_int_equal(og_certs__stls_for(mode, 110), OG_STLS_POP3);
    assert_int_equal(og_certs__stls_for(mode, 389), OG_STLS_LDAP);
    assert_int_equal(og_certs__stls_for(mode, 21), OG_STLS_FTP);
    assert_int_equal(og_certs__stls_for(mode, 5222), OG_STLS_XMPP);
    assert_int_equal(og_certs__stls_for(mode, 5432), OG_STLS_POSTGRES);
    assert_int_equal(og_certs__stls_for(mode, 443), OG_STLS_NONE);
    assert_int_equal(og_certs__stls_for(mode, 465), OG_STLS_NONE); /* SMTPS: direct TLS */
    assert_int_equal(og_certs_starttls_parse("imap", &mode), 0);
    assert_int_equal(og_certs__stls_for(mode, 25), OG_STLS_IMAP); /* named: every port */
    assert_int_equal(og_certs_starttls_parse("none", &mode), 0);
    assert_int_equal(og_certs__stls_for(mode, 25), OG_STLS_NONE);
    assert_int_equal(og_certs_starttls_parse("smtps", &mode), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "unknown STARTTLS protocol 'smtps'"));
    assert_string_equal(og_certs__stls_name(OG_STLS_POSTGRES), "postgres");
    assert_string_equal(og_certs__stls_name(OG_STLS_NONE), "");
}

static void test_starttls__smtp(void **state)
{
    (void)state;
    static og_certs_stls x;
    char buf[600];
    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    assert_int_equal(x.outlen, 0); /* the server speaks first */
    assert_int_equal(FEED(&x, "220-mx.example ESMTP\r\n220 ready\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "EHLO opsgate.invalid\r\n");
    assert_int_equal(FEED(&x, "250-mx.example\r\n250-STARTTLS\r\n250 SIZE 1000\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "STARTTLS\r\n");
    assert_int_equal(FEED(&x, "220 2.0.0 go ahead\r\n"), 1);

    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    FEED(&x, "220 ready\r\n");
    assert_int_equal(FEED(&x, "250-mx\r\n250 PIPELINING\r\n"), -1);
    assert_string_equal(x.error, "SMTP STARTTLS: the server does not offer STARTTLS");

    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    FEED(&x, "220 ready\r\n");
    FEED(&x, "250 STARTTLS\r\n");
    assert_int_equal(FEED(&x, "454 4.7.0 not now\r\n"), -1);
    assert_string_equal(x.error,
                        "SMTP STARTTLS: the server refused STARTTLS ('454 4.7.0 not now')");

    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    assert_int_equal(FEED(&x, "554 go away\r\n"), -1);
    assert_non_null(strstr(x.error, "greeting is not 220"));

    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    assert_int_equal(feed(&x, "\x16\x03\x01\x00\x05hello\n", 11, 11), -1);
    assert_non_null(strstr(x.error, "not an answer of the protocol ('?????hello')"));

    /* bytes after the 220 before TLS (a STARTTLS injection) are refused */
    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    FEED(&x, "220 ready\r\n");
    FEED(&x, "250 STARTTLS\r\n");
    assert_int_equal(feed(&x, "220 go\r\n250 injected\r\n", 22, 22), -1);
    assert_non_null(strstr(x.error, "more than its answer"));

    /* a line that never ends fills the buffer: an error, not a hang */
    og_certs__stls_begin(&x, OG_STLS_SMTP, "mail.example");
    static char junk[sizeof(x.in)];
    memset(junk, 'a', sizeof(junk) - 1);
    assert_int_equal(feed(&x, junk, sizeof(junk) - 1, sizeof(junk) - 1), -1);
    assert_non_null(strstr(x.error, "too long"));
}

static void test_starttls__imap_pop3_ftp(void **state)
{
    (void)state;
    static og_certs_stls x;
    char buf[600];
    og_certs__stls_begin(&x, OG_STLS_IMAP, "mail.example");
    assert_int_equal(FEED(&x, "* OK [CAPABILITY IMAP4rev1] ready\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "a1 CAPABILITY\r\n");
    assert_int_equal(FEED(&x, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK done\r\n"),
                     0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "a2 STARTTLS\r\n");
    assert_int_equal(FEED(&x, "a2 OK Begin TLS\r\n"), 1);
    og_certs__stls_begin(&x, OG_STLS_IMAP, "mail.example");
    FEED(&x, "* OK ready\r\n");
    assert_int_equal(FEED(&x, "* CAPABILITY IMAP4rev1 STARTTLSX\r\na1 OK done\r\n"), -1);
    assert_string_equal(x.error, "IMAP STARTTLS: the server does not offer STARTTLS");

    og_certs__stls_begin(&x, OG_STLS_POP3, "mail.example");
    assert_int_equal(FEED(&x, "+OK POP3 ready\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "CAPA\r\n");
    assert_int_equal(FEED(&x, "+OK\r\nUSER\r\nSTLS\r\n.\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "STLS\r\n");
    assert_int_equal(FEED(&x, "+OK Begin TLS\r\n"), 1);
    og_certs__stls_begin(&x, OG_STLS_POP3, "mail.example");
    FEED(&x, "+OK POP3 ready\r\n");
    assert_int_equal(FEED(&x, "+OK\r\nUSER\r\n.\r\n"), -1);
    assert_string_equal(x.error, "POP3 STARTTLS: the server does not offer STLS");

    og_certs__stls_begin(&x, OG_STLS_FTP, "ftp.example");
    assert_int_equal(FEED(&x, "220 FTP ready\r\n"), 0);
    assert_string_equal(sent(&x, buf, sizeof(buf)), "AUTH TLS\r\n");
    assert_int_equal(FEED(&x, "234 go\r\n"), 1);
    og_certs__stls_begin(&x, OG_STLS_FTP, "ftp.example");
    FEED(&x, "220 FTP ready\r\n");
    assert_int_equal(FEED(&x, "502 not implemented\r\n"), -1);
    assert_non_null(strstr(x.error, "FTP STARTTLS: the server does not offer AUTH TLS"));
}

static void test_starttls__ldap_xmpp_postgres(void **state)
{
    (void)state;
    static og_certs_stls x;
    char buf[600];
    static const char ok[] = "\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00";
    static const char no[] = "\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x02\x04\x00\x04\x00";
    og_certs__stls_begin(&x, OG_STLS_LDAP, "ldap.example");
    assert_int_equal(x.outlen, 31); /* the StartTLS extended request goes first */
    assert_memory_equal(x.out + 9, "1.3.6.1.4.1.1466.20037", 22);
    x.outlen = 0;
    assert_int_equal(feed(&x, ok, sizeof(ok) - 1, 2), 1);
    og_certs__stls_begin(&x, OG_STLS_LDAP, "ldap.example");
    assert_int_equal(feed(&x, no, sizeof(no) - 1, 5), -1);
    assert_non_null(strstr(x.error, "resultCode 2"));
    og_certs__stls_begin(&x, OG_STLS_LDAP, "ldap.example");
    assert_int_equal(FEED(&x, "220 smtp\r\n"), -1);
    assert_non_null(strstr(x.error, "not an LDAP message"));

    og_certs__stls_begin(&x, OG_STLS_XMPP, "chat.example");
    assert_non_null(strstr(sent(&x, buf, sizeof(buf)), "to='chat.example'"));
    assert_int_equal(FEED(&x, "<?xml version='1.0'?><stream:stream from='chat.example'>"
                              "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                              "</stream:features>"),
                     0);
    assert_non_null(strstr(sent(&x, buf, sizeof(buf)), "<starttls xmlns="));
    assert_int_equal(FEED(&x, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), 1);
    og_certs__stls_begin(&x, OG_STLS_XMPP, "chat.example");
    assert_int_equal(FEED(&x, "<stream:stream><stream:features><mechanisms/></stream:features>"),
                     -1);
    assert_string_equal(x.error, "XMPP STARTTLS: the server does not offer STARTTLS");

    og_certs__stls_begin(&x, OG_STLS_POSTGRES, "db.example");
    assert_int_equal(x.outlen, 8);
    assert_memory_equal(x.out, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
    assert_int_equal(FEED(&x, "S"), 1);
    og_certs__stls_begin(&x, OG_STLS_POSTGRES, "db.example");
    assert_int_equal(FEED(&x, "N"), -1);
    assert_non_null(strstr(x.error, "ssl = off"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starttls__auto_chooses_by_port),
        cmocka_unit_test(test_starttls__smtp),
        cmocka_unit_test(test_starttls__imap_pop3_ftp),
        cmocka_unit_test(test_starttls__ldap_xmpp_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
