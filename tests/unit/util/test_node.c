/* test_node.c - a node's default id (one per host and data) and the instance string that tells a
 * node's live process from a dead one. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_node_instance__names_this_live_process(void **state)
{
    (void)state;
    char host[65], boot[40];
    long pid = 0;
    unsigned long long start = 0;
    const char *me = og_node_instance();
    assert_int_equal(sscanf(me, "%64s %ld %llu %39s", host, &pid, &start, boot), 4);
    assert_int_equal(pid, (long)getpid());
    assert_true(start > 0);
    assert_int_equal(og_node_instance_alive(me), 1);
}

static void test_node_instance__a_gone_process_is_dead_and_another_host_unknown(void **state)
{
    (void)state;
    char host[65], boot[40], other[256];
    long pid = 0;
    unsigned long long start = 0;
    assert_int_equal(sscanf(og_node_instance(), "%64s %ld %llu %39s", host, &pid, &start, boot), 4);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    waitpid(child, NULL, 0);
    /* a process of this host and boot that exited */
    snprintf(other, sizeof(other), "%s %ld %llu %s", host, (long)child, start, boot);
    assert_int_equal(og_node_instance_alive(other), 0);
    /* our pid, another start time: a process before us under our pid */
    snprintf(other, sizeof(other), "%s %ld %llu %s", host, pid, start + 1, boot);
    assert_int_equal(og_node_instance_alive(other), 0);
    /* another host, or this one before a reboot: cannot tell */
    snprintf(other, sizeof(other), "elsewhere %ld %llu %s", pid, start, boot);
    assert_int_equal(og_node_instance_alive(other), -1);
    snprintf(other, sizeof(other), "%s %ld %llu another-boot", host, pid, start);
    assert_int_equal(og_node_instance_alive(other), -1);
    assert_int_equal(og_node_instance_alive("not an instance"), -1);
    assert_int_equal(og_node_instance_alive(NULL), -1);
}

/* In a child: the default id is the host and 8 hex digits of the data location, the same for the
 * same folder however it is spelled, another for another installation. */
static void default_in_child(const char *location, char out[OG_NODE_ID_MAX + 1])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
        og_node_set_default(location);
        const char *id = og_node_id();
        if (write(fds[1], id, strlen(id) + 1) < 0)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], out, OG_NODE_ID_MAX + 1);
    close(fds[0]);
    waitpid(child, NULL, 0);
    assert_true(n > 0);
    out[OG_NODE_ID_MAX] = '\0';
}

static void test_node_default__is_stable_per_host_and_data(void **state)
{
    (void)state;
    char a[OG_NODE_ID_MAX + 1], b[OG_NODE_ID_MAX + 1], c[OG_NODE_ID_MAX + 1];
    char d[OG_NODE_ID_MAX + 1], host[256] = "";
    default_in_child("/tmp", a);
    default_in_child("/tmp/../tmp/", b);
    default_in_child("postgres://db.example/opsgate", c);
    default_in_child("postgres://db.example/opsgate", d);
    assert_string_equal(a, b);
    assert_string_equal(c, d);
    assert_string_not_equal(a, c);
    gethostname(host, sizeof(host) - 1);
    const char *dash = strrchr(a, '-');
    assert_non_null(dash);
    assert_int_equal(strlen(dash + 1), 8);
    assert_int_equal(strspn(dash + 1, "0123456789abcdef"), 8);
    assert_int_equal(strncmp(a, host, (size_t)(dash - a)), 0);
    assert_int_equal(og_node_set_id(a), 0); /* a valid id */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_instance__names_this_live_process),
        cmocka_unit_test(test_node_instance__a_gone_process_is_dead_and_another_host_unknown),
        cmocka_unit_test(test_node_default__is_stable_per_host_and_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
