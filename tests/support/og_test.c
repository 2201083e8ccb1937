/* og_test.c - shared unit-test helpers. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
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

int og_test_backend_pg(void)
{
    const char *b = getenv("OG_TEST_BACKEND");
    return b && strcmp(b, "pg") == 0;
}

og_install_where og_test_env_where(const og_test_env *env)
{
    og_install_where w = {env->location, env->keys_dir};
    return w;
}

char *og_test_env_db_url(const og_test_env *env)
{
    char *url = og_install_db_url(env->location);
    assert_non_null(url);
    return url;
}

void og_test_env_exec(const og_test_env *env, const char *sql)
{
    og_store *s = NULL;
    char *url = og_test_env_db_url(env);
    OG_ASSERT_OK(og_store_open(&s, url, 0));
    int rc = og_store_exec(s, sql);
    if (rc < 0)
        fail_msg("%s: %s", sql, og_error_last());
    og_store_close(s);
    free(url);
}

const char *og_test_sql(const char *sqlite, const char *pg)
{
    return og_test_backend_pg() ? pg : sqlite;
}

og_store *og_test_raw_open(const og_test_env *env)
{
    og_store *s = NULL;
    char *url = og_test_env_db_url(env);
    OG_ASSERT_OK(og_store_open(&s, url, 0));
    free(url);
    return s;
}

static char *raw_format(const char *fmt, va_list ap)
{
    char *sql = NULL;
    assert_true(vasprintf(&sql, fmt, ap) >= 0);
    return sql;
}

void og_test_raw_exec(og_store *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = raw_format(fmt, ap);
    va_end(ap);
    if (og_store_exec(db, sql) < 0)
        fail_msg("%s: %s", sql, og_error_last());
    free(sql);
}

int og_test_raw_try(og_store *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = raw_format(fmt, ap);
    va_end(ap);
    int rc = og_store_exec(db, sql);
    free(sql);
    return rc < 0 ? rc : 0;
}

int64_t og_test_raw_int(og_store *db, const char *fmt, ...)
{
    og_stmt *st = NULL;
    va_list ap;
    va_start(ap, fmt);
    char *sql = raw_format(fmt, ap);
    va_end(ap);
    if (og_stmt_prepare(&st, db, sql) < 0 || og_stmt_step(st) != OG_ROW)
        fail_msg("%s: no row (%s)", sql, og_error_last());
    int64_t v = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    free(sql);
    return v;
}

void og_test_raw_drop_trigger(og_store *db, const char *name, const char *table)
{
    if (og_test_backend_pg())
        og_test_raw_exec(db, "DROP TRIGGER %s ON %s", name, table);
    else
        og_test_raw_exec(db, "DROP TRIGGER %s", name);
}

int og_test_env_holds(const og_test_env *env, const char *needle)
{
    char *cmd = NULL;
    int n;
    if (env->data_dir)
        n = asprintf(&cmd, "grep -rqa -- '%s' '%s'", needle, env->data_dir);
    else
        n = asprintf(&cmd, "pg_dump --data-only --no-owner -d \"%s\" | grep -qa -- '%s'",
                     env->location + strlen(OG_STORE_LIBPQ_PREFIX), needle);
    assert_true(n > 0);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

void og_test_env_setup(og_test_env *env)
{
    memset(env, 0, sizeof(*env));
    env->dir = og_test_tmpdir();
    assert_non_null(env->dir);
    if (og_test_backend_pg()) {
        if (!og_test_pg_url())
            skip();
        assert_true(asprintf(&env->keys_dir, "%s/keys", env->dir) > 0);
        env->location = og_test_pg_install(env->keys_dir, env->token, &env->pgdb);
    } else {
        assert_true(asprintf(&env->data_dir, "%s/data", env->dir) > 0);
        env->location = strdup(env->data_dir);
        env->keys_dir = strdup(env->data_dir);
        assert_non_null(env->location);
        assert_non_null(env->keys_dir);
    }
    og_install_where w = og_test_env_where(env);
    if (!env->pgdb)
        OG_ASSERT_OK(og_install_create(&w, env->token));
    OG_ASSERT_OK(og_install_open_at(&w, &env->store, &env->keys));
    env->ctx.store = env->store;
    env->ctx.keys = env->keys;
    env->ctx.data_dir = env->data_dir;
    og_actor_local(&env->ctx.actor);
}

void og_test_env_teardown(og_test_env *env)
{
    og_store_close(env->store);
    og_keyring_free(env->keys);
    og_test_pg_drop(env->schema);
    og_test_pg_db_drop(env->pgdb);
    og_test_rmrf(env->dir);
    free(env->data_dir);
    free(env->location);
    free(env->keys_dir);
    free(env->schema);
    free(env->pgdb);
    free(env->dir);
    memset(env, 0, sizeof(*env));
}

int og_test_env_two_tenants(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    assert_non_null(env);
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "globex", NULL));
    *state = env;
    return 0;
}

int og_test_env_project(void **state)
{
    og_test_env *env = calloc(1, sizeof(*env));
    assert_non_null(env);
    og_test_env_setup(env);
    OG_ASSERT_OK(og_tenant_create(&env->ctx, "acme", NULL));
    OG_ASSERT_OK(og_project_create(&env->ctx, "acme", "fw", "Firewall migration", NULL));
    *state = env;
    return 0;
}

int og_test_env_free(void **state)
{
    og_test_env *env = *state;
    og_test_env_teardown(env);
    free(env);
    return 0;
}

long og_test_peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int og_test_rows_mentioning(og_test_env *env, const char *sql, const char *const *words,
                            int ignore_case)
{
    og_stmt *st = NULL;
    int hits = 0, rc;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->store, sql));
    while ((rc = og_stmt_step(st)) == OG_ROW)
        for (int c = 0; c < og_stmt_col_count(st); c++) {
            const char *v = og_stmt_col_text(st, c);
            for (int w = 0; v && words[w]; w++)
                if (ignore_case ? strcasestr(v, words[w]) != NULL : strstr(v, words[w]) != NULL) {
                    fprintf(stderr, "found '%s' in %s\n", words[w], sql);
                    hits++;
                }
        }
    assert_int_equal(rc, OG_DONE);
    og_stmt_free(st);
    return hits;
}
