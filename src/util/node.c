/* node.c - this process's node id: `serve --node NAME`, else HOSTNAME:PID. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char node_id[OG_NODE_ID_MAX + 1];
static pthread_once_t node_once = PTHREAD_ONCE_INIT;

static int node_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

static void node_default(void)
{
    char host[256] = "";
    if (node_id[0])
        return;
    if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
        og_strlcpy(host, "localhost", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    char pid[24];
    snprintf(pid, sizeof(pid), ":%ld", (long)getpid());
    size_t room = OG_NODE_ID_MAX - strlen(pid), n = 0;
    for (const char *p = host; *p && n < room; p++)
        node_id[n++] = node_char(*p) ? *p : '-';
    node_id[n] = '\0';
    og_strlcpy(node_id + n, pid, sizeof(node_id) - n);
}

int og_node_set_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > OG_NODE_ID_MAX)
        return og_error_set(OG_EINVAL, "a node id is 1 to %d characters", OG_NODE_ID_MAX);
    for (const char *p = id; *p; p++)
        if (!node_char(*p))
            return og_error_set(OG_EINVAL,
                                "node id '%s': only letters, digits and . _ : - are allowed", id);
    og_strlcpy(node_id, id, sizeof(node_id));
    return 0;
}

const char *og_node_id(void)
{
    pthread_once(&node_once, node_default);
    return node_id;
}
