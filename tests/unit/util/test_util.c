/* test_util.c - bounded buffers, time, durations, encodings, names. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_buf__refuses_to_grow_past_its_cap(void **state)
{
    (void)state;
    og_buf b;
    og_buf_init(&b, 8);
    OG_ASSERT_OK(og_buf_puts(&b, "12345678"));
    assert_int_equal(og_buf_puts(&b, "9"), OG_ETOOBIG);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(og_buf_printf(&b, "%d", 1), OG_ETOOBIG);
    og_buf_free(&b);
    og_buf_free(&b);
}

static void test_time__formats_and_parses_rfc3339_round_trip(void **state)
{
    (void)state;
    char s[OG_TIME_LEN];
    int64_t us = 1795320920123456LL;
    og_time_format(us, s);
    assert_string_equal(s, "2026-11-22T04:15:20.123456Z");
    int64_t back = 0;
    OG_ASSERT_OK(og_time_parse(s, &back));
    assert_true(back == us);
    OG_ASSERT_OK(og_time_parse("2026-11-22T05:15:20.123456+01:00", &back));
    assert_true(back == us);
    OG_ASSERT_OK(og_time_parse("2026-11-22", &back));
    assert_true(back == 1795305600000000LL);
}

static void test_time__rejects_bad_input_naming_it(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "2026",
                         "2026-13-01",
                         "2026-02-30",
                         "2026-11-22T25:00:00Z",
                         "2026-11-22T04:15:20",
                         "2026-11-22T04:15:20Zjunk",
                         "yesterday",
                         "2026-11-22T04:15:20.Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v;
        assert_int_equal(og_time_parse(bad[i], &v), OG_EINVAL);
        assert_non_null(strstr(og_error_last(), bad[i]));
    }
}

static void test_time__deadline_carries_nanoseconds_into_seconds(void **state)
{
    (void)state;
    struct timespec now, d;
    clock_gettime(CLOCK_MONOTONIC, &now);
    og_time_deadline(&d, CLOCK_MONOTONIC, 2999999);
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
    int64_t diff_us = (int64_t)(d.tv_sec - now.tv_sec) * 1000000 + (d.tv_nsec - now.tv_nsec) / 1000;
    assert_true(diff_us >= 2999999 && diff_us < 2999999 + 1000000);
    og_time_deadline(&d, CLOCK_MONOTONIC, -5);
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
}

static void test_duration__parses_units_and_rejects_junk(void **state)
{
    (void)state;
    int64_t v;
    OG_ASSERT_OK(og_duration_parse("30d", &v));
    assert_true(v == 30LL * 86400 * 1000000);
    OG_ASSERT_OK(og_duration_parse("6h", &v));
    assert_true(v == 6LL * 3600 * 1000000);
    OG_ASSERT_OK(og_duration_parse("90s", &v));
    const char *bad[] = {"", "d", "0d", "-1d", "10x", "10", "1.5h", "99999999999999w"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(og_duration_parse(bad[i], &v), OG_EINVAL);
}

static void test_base64__round_trips_both_alphabets(void **state)
{
    (void)state;
    const uint8_t data[] = {0xfb, 0xff, 0x00, 0x10, 0x83};
    for (size_t n = 0; n <= sizeof(data); n++) {
        char *a = og_base64_encode(data, n);
        char *b = og_base64url_encode(data, n);
        uint8_t *d = NULL;
        size_t dl = 0;
        OG_ASSERT_OK(og_base64_decode(a, &d, &dl));
        assert_int_equal(dl, n);
        assert_memory_equal(d, data, n);
        free(d);
        OG_ASSERT_OK(og_base64_decode(b, &d, &dl));
        assert_int_equal(dl, n);
        assert_memory_equal(d, data, n);
        free(d);
        free(a);
        free(b);
    }
    char *s = og_base64_encode((const uint8_t *)"foobar", 6);
    assert_string_equal(s, "Zm9vYmFy");
    free(s);
    uint8_t *d = NULL;
    size_t dl;
    assert_int_equal(og_base64_decode("Zm9v!mFy", &d, &dl), OG_EINVAL);
    assert_int_equal(og_base64_decode("Z", &d, &dl), OG_EINVAL);
}

static void test_hex__round_trips_and_rejects_bad_digits(void **state)
{
    (void)state;
    uint8_t in[3] = {0x00, 0xab, 0xff}, out[3];
    char h[7];
    og_hex_encode(in, 3, h);
    assert_string_equal(h, "00abff");
    assert_int_equal(og_hex_decode("00ABff", out, 3), 3);
    assert_memory_equal(in, out, 3);
    assert_int_equal(og_hex_decode("0g", out, 3), -1);
    assert_int_equal(og_hex_decode("abc", out, 3), -1);
    assert_int_equal(og_hex_decode("0011223344", out, 3), -1);
}

static void test_name__accepts_slugs_only(void **state)
{
    (void)state;
    assert_true(og_name_valid("acme"));
    assert_true(og_name_valid("acme-corp.eu_1"));
    assert_true(og_name_valid("1st"));
    assert_false(og_name_valid(""));
    assert_false(og_name_valid("-acme"));
    assert_false(og_name_valid("Acme"));
    assert_false(og_name_valid("a b"));
    assert_false(og_name_valid("a/b"));
    assert_false(og_name_valid(NULL));
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    assert_false(og_name_valid(long_name));
}

static void test_id__is_a_lowercase_uuid(void **state)
{
    (void)state;
    char a[OG_ID_LEN], b[OG_ID_LEN];
    og_id_new(a);
    og_id_new(b);
    assert_true(og_id_valid(a));
    assert_string_not_equal(a, b);
    assert_false(og_id_valid("not-a-uuid"));
}

static void test_file__atomic_write_replaces_files_but_writes_devices_in_place(void **state)
{
    (void)state;
    char *dir = og_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/f", dir);
    OG_ASSERT_OK(og_file_write_atomic(path, "one", 3, 0640));
    OG_ASSERT_OK(og_file_write_atomic(path, "two!", 4, 0640));
    char *got = NULL;
    size_t n = 0;
    OG_ASSERT_OK(og_file_read(path, 100, &got, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(got, "two!", 4);
    free(got);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    /* a FIFO stays a FIFO: the data goes through it */
    char fifo[4096];
    snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(rfd >= 0);
    OG_ASSERT_OK(og_file_write_atomic(fifo, "via", 3, 0600));
    char buf[8] = {0};
    assert_int_equal(read(rfd, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "via", 3);
    close(rfd);
    assert_int_equal(stat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_int_equal(og_file_write_atomic(dir, "x", 1, 0600), OG_EINVAL);
    OG_ASSERT_OK(og_file_write_atomic("/dev/null", "x", 1, 0600));
    assert_int_equal(stat("/dev/null", &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    og_test_rmrf(dir);
    free(dir);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A child writes pieces to a pipe (with a pause, so the parent's read is interrupted by a signal
 * without SA_RESTART first) and exits: og_fd_read_full gathers them up to cap or the end. */
static void test_fd__read_full_gathers_short_reads_across_eintr(void **state)
{
    (void)state;
    int pfd[2];
    char buf[16];
    size_t got = 99;
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        usleep(60000);
        if (write(pfd[1], "abc", 3) != 3)
            _exit(1);
        usleep(20000);
        _exit(write(pfd[1], "defgh", 5) == 5 ? 0 : 1);
    }
    close(pfd[1]);
    struct sigaction sa = {.sa_handler = on_alarm}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = {.it_value = {0, 20000}};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    OG_ASSERT_OK(og_fd_read_full(pfd[0], buf, 6, &got)); /* cap reached: the rest stays */
    assert_int_equal(got, 6);
    assert_memory_equal(buf, "abcdef", 6);
    OG_ASSERT_OK(og_fd_read_full(pfd[0], buf, sizeof(buf), &got)); /* the end reached */
    assert_int_equal(got, 2);
    assert_memory_equal(buf, "gh", 2);
    sigaction(SIGALRM, &old, NULL);
    close(pfd[0]);
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    errno = 0;
    assert_int_equal(og_fd_read_full(-1, buf, sizeof(buf), &got), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(got, 0);
}

/* A folder is synced; a missing one is an error naming it. */
static void test_dir__sync_names_the_folder_it_cannot_open(void **state)
{
    (void)state;
    char dir[] = "/tmp/og-dirsync-XXXXXX", missing[64];
    assert_non_null(mkdtemp(dir));
    OG_ASSERT_OK(og_dir_sync(dir));
    snprintf(missing, sizeof(missing), "%s/nope", dir);
    assert_int_equal(og_dir_sync(missing), OG_ERROR);
    assert_non_null(strstr(og_error_last(), missing));
    assert_int_equal(rmdir(dir), 0);
}

/* More than a pipe holds, written whole while a child reads it; a closed reader is EPIPE. */
static void test_fd__write_all_writes_everything_or_fails_with_errno(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    char *data = malloc(N);
    assert_non_null(data);
    for (size_t i = 0; i < N; i++)
        data[i] = (char)(i * 7);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[1]);
        char *back = malloc(N + 1);
        size_t got = 0;
        int ok = back && og_fd_read_full(pfd[0], back, N + 1, &got) == 0 && got == N &&
                 memcmp(back, data, N) == 0;
        _exit(ok ? 0 : 1);
    }
    close(pfd[0]);
    OG_ASSERT_OK(og_fd_write_all(pfd[1], data, N));
    close(pfd[1]);
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    void (*was)(int) = signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe(pfd), 0);
    close(pfd[0]);
    errno = 0;
    assert_int_equal(og_fd_write_all(pfd[1], data, 10), -1);
    assert_int_equal(errno, EPIPE);
    close(pfd[1]);
    signal(SIGPIPE, was);
    free(data);
}

static void test_error__detail_arg_is_copied_and_reset_with_the_error(void **state)
{
    (void)state;
    char range[32] = "10.0.0.0/8";
    og_error_set(OG_EDENIED, "refused");
    assert_int_equal(og_error_set_detail_arg("egress_refused", range), OG_EDENIED);
    range[0] = 'X'; /* copied, not borrowed */
    assert_string_equal(og_error_detail(), "egress_refused");
    assert_string_equal(og_error_detail_arg(), "10.0.0.0/8");
    og_error_wrap("context"); /* a wrap keeps both */
    assert_string_equal(og_error_detail_arg(), "10.0.0.0/8");
    og_error_set_detail("other"); /* a detail without its arg drops the old arg */
    assert_string_equal(og_error_detail_arg(), "");
    og_error_set_detail_arg("egress_refused", "1.2.3.4/32");
    og_error_set(OG_EINVAL, "another error");
    assert_string_equal(og_error_detail(), "");
    assert_string_equal(og_error_detail_arg(), "");
    og_error_set_detail_arg("x", "y");
    og_error_clear();
    assert_string_equal(og_error_detail_arg(), "");
}

static void test_error__messages_are_valid_utf8_without_controls(void **state)
{
    (void)state;
    /* a PEM label with a stray byte, an escape sequence and a character cut by the cap */
    og_error_set(OG_EINVAL, "END does not match BEGIN C\xc9RTIFICATE \x1b[31m");
    const char *m = og_error_last();
    assert_true(og_utf8_valid(m, strlen(m), NULL));
    assert_string_equal(m, "END does not match BEGIN C?RTIFICATE ?[31m");
    og_error_set(OG_EINVAL, "line one\n\tline two \xc3\xa9");
    assert_string_equal(og_error_last(), "line one\n\tline two \xc3\xa9");
    char long_name[2000];
    memset(long_name, 'a', sizeof(long_name));
    memcpy(long_name + 1017, "\xe2\x82\xac\xe2\x82\xac", 6);
    long_name[1023] = '\0';
    og_error_set(OG_EINVAL, "%s", long_name);
    m = og_error_last();
    assert_true(og_utf8_valid(m, strlen(m), NULL));
    og_error_wrap("wrapping \xff");
    m = og_error_last();
    assert_true(og_utf8_valid(m, strlen(m), NULL));
    assert_int_equal(og_error_code(), OG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error__messages_are_valid_utf8_without_controls),
        cmocka_unit_test(test_buf__refuses_to_grow_past_its_cap),
        cmocka_unit_test(test_time__formats_and_parses_rfc3339_round_trip),
        cmocka_unit_test(test_time__rejects_bad_input_naming_it),
        cmocka_unit_test(test_time__deadline_carries_nanoseconds_into_seconds),
        cmocka_unit_test(test_duration__parses_units_and_rejects_junk),
        cmocka_unit_test(test_base64__round_trips_both_alphabets),
        cmocka_unit_test(test_hex__round_trips_and_rejects_bad_digits),
        cmocka_unit_test(test_name__accepts_slugs_only),
        cmocka_unit_test(test_id__is_a_lowercase_uuid),
        cmocka_unit_test(test_file__atomic_write_replaces_files_but_writes_devices_in_place),
        cmocka_unit_test(test_fd__read_full_gathers_short_reads_across_eintr),
        cmocka_unit_test(test_fd__write_all_writes_everything_or_fails_with_errno),
        cmocka_unit_test(test_dir__sync_names_the_folder_it_cannot_open),
        cmocka_unit_test(test_error__detail_arg_is_copied_and_reset_with_the_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
