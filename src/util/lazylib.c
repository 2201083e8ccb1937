/* lazylib.c - system libraries only some commands need, loaded with dlopen on first use. */
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

/* Whether OPSGATE_TEST_LAZYLIB_MISSING names soname (a comma-separated list). */
static int test_missing(const char *soname)
{
    const char *env = getenv("OPSGATE_TEST_LAZYLIB_MISSING");
    size_t n = strlen(soname);
    for (const char *p = env; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, soname, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* dlopen lib under lazy_mu; its handle, or NULL with the error set. */
static void *lazy_open(og_lazylib *lib)
{
    void *dl = lib->dl;
    const char *why = "named as missing by OPSGATE_TEST_LAZYLIB_MISSING";
    if (dl)
        return dl;
    if (!test_missing(lib->soname)) {
        if ((dl = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL))) {
            __atomic_store_n(&lib->dl, dl, __ATOMIC_RELEASE);
            return dl;
        }
        why = dlerror();
    }
    og_error_set(OG_ERROR,
                 "%s, which %s need, cannot be loaded: %s (install the Debian package %s)",
                 lib->soname, lib->needed_for, why ? why : "not found", lib->package);
    return NULL;
}

int og_lazylib_load(og_lazylib *lib)
{
    void *dl = __atomic_load_n(&lib->dl, __ATOMIC_ACQUIRE);
    if (dl)
        return 0;
    pthread_mutex_lock(&lazy_mu);
    dl = lazy_open(lib);
    pthread_mutex_unlock(&lazy_mu);
    return dl ? 0 : OG_ERROR;
}

int og_lazylib_sym(og_lazylib *lib, const char *sym, void **out)
{
    int error = -1;
    void *dl = NULL;
    *out = NULL;
    pthread_mutex_lock(&lazy_mu);
    if (!(dl = lazy_open(lib)))
        goto cleanup;
    dlerror();
    if (!(*out = dlsym(dl, sym))) {
        const char *e = dlerror();
        error = og_error_set(OG_ERROR, "%s has no %s (%s): another version than this opsgate's",
                             lib->soname, sym, e ? e : "NULL");
        goto cleanup;
    }
    error = 0;
cleanup:
    pthread_mutex_unlock(&lazy_mu);
    return error;
}
