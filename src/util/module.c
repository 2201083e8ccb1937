/* module.c - opsgate's shared modules (opsgate-NAME.so): found, loaded once and kept. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by the build: the installation's module folder, absolute and relative to the folder of
 * the installed executable (CMakeLists.txt, GNUInstallDirs). */
#ifndef OG_MODULE_DIR
#define OG_MODULE_DIR "/usr/local/lib/opsgate"
#endif
#ifndef OG_MODULE_RELDIR
#define OG_MODULE_RELDIR "../lib/opsgate"
#endif

#define MODULES_MAX 8
#define DIRS_MAX    3

static pthread_mutex_t mod_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[32];
    void *dl;
} mods[MODULES_MAX];

/* The folders to look in: $OPSGATE_MODULE_DIR alone, or the executable's folder, the module
 * folder relative to it and the configured one. Returns how many. */
static int module_dirs(char dirs[DIRS_MAX][PATH_MAX])
{
    const char *env = getenv("OPSGATE_MODULE_DIR");
    char exe[PATH_MAX];
    int n = 0;
    if (env && *env) {
        og_strlcpy(dirs[n++], env, PATH_MAX);
        return n;
    }
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            og_strlcpy(dirs[n++], exe[0] ? exe : "/", PATH_MAX);
            if ((size_t)snprintf(dirs[n], PATH_MAX, "%s/%s", exe, OG_MODULE_RELDIR) < PATH_MAX)
                n++;
        }
    }
    og_strlcpy(dirs[n++], OG_MODULE_DIR, PATH_MAX);
    return n;
}

void og_module_path(char *out, size_t size)
{
    char dirs[DIRS_MAX][PATH_MAX];
    int n = module_dirs(dirs);
    size_t used = 0;
    if (size)
        out[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? ":" : "", dirs[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* dlopen opsgate-NAME.so from the first folder that has it; NULL (error set) when none does or
 * it does not load. Called under mod_mu. */
static void *module_open(const char *name)
{
    char dirs[DIRS_MAX][PATH_MAX], path[PATH_MAX], tried[DIRS_MAX * PATH_MAX];
    int n = module_dirs(dirs);
    for (int i = 0; i < n; i++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/opsgate-%s.so", dirs[i], name) >= sizeof(path))
            continue;
        if (access(path, F_OK) != 0)
            continue;
        void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (dl)
            return dl;
        const char *e = dlerror();
        og_error_set(OG_ERROR, "opsgate-%s.so, the module this needs, does not load: %s", name,
                     e ? e : path);
        return NULL;
    }
    og_module_path(tried, sizeof(tried));
    og_error_set(OG_ERROR, "opsgate-%s.so, the module this needs, is not installed (looked in %s)",
                 name, tried);
    return NULL;
}

int og_module_sym(const char *name, const char *sym, void **out)
{
    int error = -1, slot = -1;
    void *dl = NULL;
    *out = NULL;
    if (!name || !*name || strlen(name) >= sizeof(mods[0].name) || strchr(name, '/'))
        return og_error_set(OG_EINVAL, "module: bad name '%.40s'", name ? name : "");
    pthread_mutex_lock(&mod_mu);
    for (int i = 0; i < MODULES_MAX && slot < 0; i++) {
        if (mods[i].dl && strcmp(mods[i].name, name) == 0)
            dl = mods[i].dl;
        if (dl || !mods[i].dl)
            slot = i;
    }
    if (slot < 0) {
        error = og_error_set(OG_ERROR, "module: more than %d modules", MODULES_MAX);
        goto cleanup;
    }
    if (!dl) {
        if (!(dl = module_open(name)))
            goto cleanup;
        og_strlcpy(mods[slot].name, name, sizeof(mods[slot].name));
        mods[slot].dl = dl;
    }
    dlerror();
    *out = dlsym(dl, sym);
    if (!*out) {
        const char *e = dlerror();
        error = og_error_set(OG_ERROR, "opsgate-%s.so has no %s (%s): not this opsgate's module",
                             name, sym, e ? e : "NULL");
        goto cleanup;
    }
    error = 0;
cleanup:
    pthread_mutex_unlock(&mod_mu);
    return error;
}
