/* og_test.c - shared unit-test helpers. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *og_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/og-test-XXXXXX", base && *base ? base : "/tmp") < 0)
        return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void og_test_rmrf(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void og_test_env_setup(og_test_env *env)
{
    memset(env, 0, sizeof(*env));
    env->dir = og_test_tmpdir();
    assert_non_null(env->dir);
    assert_true(asprintf(&env->data_dir, "%s/data", env->dir) > 0);
    OG_ASSERT_OK(og_install_init(env->data_dir, env->token));
    OG_ASSERT_OK(og_install_open(env->data_dir, &env->store, &env->keys));
    env->ctx.store = env->store;
    env->ctx.keys = env->keys;
    env->ctx.data_dir = env->data_dir;
    og_actor_local(&env->ctx.actor);
}

void og_test_env_teardown(og_test_env *env)
{
    og_store_close(env->store);
    og_keyring_free(env->keys);
    og_test_rmrf(env->dir);
    free(env->data_dir);
    free(env->dir);
    memset(env, 0, sizeof(*env));
}
