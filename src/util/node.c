/* node.c - this process's node id (`serve --node NAME`, else one stable per host and data) and the
 * instance string that tells a node's live process from a dead one. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
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

/* ---- the default id and this process's instance ---- */

void og_node_set_default(const char *data_location)
{
    char host[256] = "", where[4096];
    if (node_id[0])
        return;
    if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
        og_strlcpy(host, "localhost", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    const char *loc = data_location ? data_location : "";
    if (!strstr(loc, "://") && strncmp(loc, "libpq:", 6) != 0 && realpath(loc, where))
        loc = where;          /* a folder, however it was spelled */
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)loc; *p; p++)
        h = (h ^ *p) * 16777619u;
    char suffix[16];
    snprintf(suffix, sizeof(suffix), "-%08x", (unsigned)h);
    size_t room = OG_NODE_ID_MAX - strlen(suffix), n = 0;
    for (const char *p = host; *p && n < room; p++)
        node_id[n++] = node_char(*p) ? *p : '-';
    node_id[n] = '\0';
    og_strlcpy(node_id + n, suffix, sizeof(node_id) - n);
}

/* The start time (field 22 of /proc/PID/stat, clock ticks since boot) of a process; 0: none. */
static unsigned long long start_ticks(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    unsigned long long start = 0;
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        start = strtoull(p + 1, NULL, 10);
    return start;
}

static void boot_id(char out[40])
{
    out[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f)
        return;
    if (!fgets(out, 40, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static char instance[OG_NODE_ID_MAX + 128];
static pthread_once_t instance_once = PTHREAD_ONCE_INIT;

static void instance_make(void)
{
    char host[OG_NODE_ID_MAX + 1] = "", boot[40];
    if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
        og_strlcpy(host, "localhost", sizeof(host));
    for (char *p = host; *p; p++)
        if (!node_char(*p))
            *p = '-';
    boot_id(boot);
    long pid = (long)getpid();
    snprintf(instance, sizeof(instance), "%s %ld %llu %s", host, pid, start_ticks(pid),
             boot[0] ? boot : "-");
}

const char *og_node_instance(void)
{
    pthread_once(&instance_once, instance_make);
    return instance;
}

int og_node_instance_alive(const char *other)
{
    char host[OG_NODE_ID_MAX + 1], boot[40], mhost[OG_NODE_ID_MAX + 1], mboot[40];
    long pid = 0, mpid = 0;
    unsigned long long start = 0, mstart = 0;
    if (!other || sscanf(other, "%64s %ld %llu %39s", host, &pid, &start, boot) != 4 || pid <= 0 ||
        sscanf(og_node_instance(), "%64s %ld %llu %39s", mhost, &mpid, &mstart, mboot) != 4)
        return -1;
    if (strcmp(host, mhost) != 0 || strcmp(boot, mboot) != 0 || strcmp(boot, "-") == 0)
        return -1; /* another machine (or container host), or this one before a reboot */
    if (pid == mpid)
        return start == mstart ? 1 : 0; /* ourselves, or a process before us with our pid */
    unsigned long long now = start_ticks(pid);
    return now != 0 && now == start ? 1 : 0;
}
