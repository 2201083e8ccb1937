/* og_test_pg.c - a fresh PostgreSQL database per test, on the suite's server (OPSGATE_TEST_PG). */
#include "og_test.h"

#include "opsgate/error.h"
#include "opsgate/sys/store_backend.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *og_test_pg_url(void)
{
    const char *url = getenv("OPSGATE_TEST_PG");
    return url && *url ? url : NULL;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* Run one statement on a connection to conninfo (the suite's URL when NULL); fails the test on
 * error. */
static void admin_exec(const char *conninfo, const char *sql)
{
    PGconn *db = PQconnectdb(conninfo ? conninfo : og_test_pg_url());
    if (PQstatus(db) != CONNECTION_OK)
        fail_msg("cannot connect to the test PostgreSQL: %s", PQerrorMessage(db));
    PQsetNoticeProcessor(db, quiet, NULL);
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
    PQfinish(db);
}

/* Append k='v' to a connection string, quoted as libpq reads it. */
static void append_kv(char **s, const char *k, const char *v)
{
    size_t n = strlen(*s);
    char *out = realloc(*s, n + strlen(k) + 2 * strlen(v) + 5);
    assert_non_null(out);
    char *o = out + n;
    o += sprintf(o, "%s%s='", n ? " " : "", k);
    for (const char *p = v; *p; p++) {
        if (*p == '\'' || *p == '\\')
            *o++ = '\\';
        *o++ = *p;
    }
    *o++ = '\'';
    *o = '\0';
    *s = out;
}

/* This process's database on the suite's server, made at the first call, dropped at exit; and
 * a key=value connection string for it. */
static char process_db[64];
static char *process_conninfo;

static void drop_process_db(void)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", process_db);
    admin_exec(NULL, sql);
    free(process_conninfo);
    process_conninfo = NULL;
}

/* The suite's URL with the database replaced, as a libpq key=value string (caller frees). */
static char *conninfo_for(const char *dbname)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(og_test_pg_url(), &err);
    if (!opts)
        fail_msg("OPSGATE_TEST_PG: %s", err ? err : "out of memory");
    char *conninfo = strdup("");
    assert_non_null(conninfo);
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && *o->val && strcmp(o->keyword, "dbname") != 0 &&
            strcmp(o->keyword, "options") != 0)
            append_kv(&conninfo, o->keyword, o->val);
    PQconninfoFree(opts);
    append_kv(&conninfo, "dbname", dbname);
    return conninfo;
}

static void make_process_db(void)
{
    char sql[128];
    snprintf(process_db, sizeof(process_db), "og_t_%ld_%ld", (long)getpid(), (long)time(NULL));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", process_db);
    admin_exec(NULL, sql);
    atexit(drop_process_db);
    process_conninfo = conninfo_for(process_db);
}

/* A schema per test in a database per process: CREATE DATABASE costs about a second, a schema
 * almost nothing; the writer lock (an advisory lock) is per database, so test processes run in
 * parallel do not wait for each other's transactions. */
char *og_test_pg_create(char **schema)
{
    static unsigned seq;
    char name[32], sql[96];
    assert_non_null(og_test_pg_url());
    if (!process_conninfo)
        make_process_db();
    snprintf(name, sizeof(name), "s%u", seq++);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
    admin_exec(process_conninfo, sql);
    char *conninfo = strdup(process_conninfo);
    assert_non_null(conninfo);
    snprintf(sql, sizeof(sql), "-c search_path=%s", name);
    append_kv(&conninfo, "options", sql);
    char *url = NULL;
    assert_true(asprintf(&url, "%s%s", OG_STORE_LIBPQ_PREFIX, conninfo) > 0);
    free(conninfo);
    *schema = strdup(name);
    return url;
}

void og_test_pg_drop(const char *schema)
{
    char sql[96];
    if (!schema || !process_conninfo)
        return;
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    admin_exec(process_conninfo, sql);
}

/* ---- the installation template ----
 * og_install_create costs about a second on PostgreSQL (every module's DDL); copying a database
 * that holds one copies pages instead and costs the server less. The first test of a suite run
 * builds the template (under an advisory lock: test processes run in parallel), named by a hash of
 * every module's PostgreSQL schema texts so that a changed schema gets a new one;
 * tests/support/pg_fixture.sh start drops old ones, so a run never reuses what an older binary
 * installed. The template's master key and admin token (a throw-away installation on a throw-away
 * server) ride in the database's comment, which CREATE DATABASE ... TEMPLATE does not copy. */
#define TPL_LOCK 0x6f67747031LL /* "ogtp1" */

static char tpl_db[40];
static char tpl_key_hex[2 * 64 + 1];
static char tpl_token[OG_TOKEN_MAX];

static void tpl_name(void)
{
    og_sha256 *h = og_sha256_new();
    uint8_t d[32];
    assert_non_null(h);
    for (size_t i = 0; i < og_store_nschemas; i++) {
        const og_schema *sc = og_store_schemas[i];
        og_sha256_update(h, sc->module, strlen(sc->module) + 1);
        for (size_t j = 0; j < sc->nsteps; j++) {
            const char *sql = sc->steps[j].postgres ? sc->steps[j].postgres : "";
            og_sha256_update(h, &sc->steps[j].version, sizeof(sc->steps[j].version));
            og_sha256_update(h, sql, strlen(sql) + 1);
        }
    }
    og_sha256_final(h, d);
    int n = snprintf(tpl_db, sizeof(tpl_db), "og_tpl_");
    for (int i = 0; i < 8; i++)
        n += snprintf(tpl_db + n, sizeof(tpl_db) - (size_t)n, "%02x", d[i]);
}

static PGresult *query(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *r = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    return r;
}

/* The template's comment ("KEYHEX TOKEN") into tpl_key_hex and tpl_token; 0 when there is no
 * template yet. */
static int tpl_read(PGconn *db)
{
    const char *p[] = {tpl_db};
    PGresult *r = query(db,
                        "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                        " WHERE datname = $1",
                        1, p);
    int found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
    if (found && sscanf(PQgetvalue(r, 0, 0), "%128s %127s", tpl_key_hex, tpl_token) != 2)
        fail_msg("the comment of template %s is malformed", tpl_db);
    PQclear(r);
    return found;
}

/* Read a whole small file as hex. */
static void file_hex(const char *path, char *hex, size_t cap)
{
    uint8_t buf[64];
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_true(n > 0 && 2 * n < cap);
    for (size_t i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", buf[i]);
}

static void tpl_build(PGconn *db)
{
    char build[48], sql[160], *keys = og_test_tmpdir(), *keydir = NULL, *path = NULL;
    snprintf(build, sizeof(build), "%s_b", tpl_db);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", build);
    PQclear(query(db, sql, 0, NULL));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", build);
    PQclear(query(db, sql, 0, NULL));
    char *conninfo = conninfo_for(build), *url = NULL;
    assert_true(asprintf(&url, "%s%s", OG_STORE_LIBPQ_PREFIX, conninfo) > 0);
    assert_true(asprintf(&keydir, "%s/keys", keys) > 0);
    og_install_where w = {url, keydir};
    if (og_install_create(&w, tpl_token) < 0)
        fail_msg("building the test template: %s", og_error_last());
    assert_true(asprintf(&path, "%s/%s", keydir, OG_MASTER_KEY_FILE) > 0);
    file_hex(path, tpl_key_hex, sizeof(tpl_key_hex));
    char *comment = NULL;
    assert_true(asprintf(&comment, "%s %s", tpl_key_hex, tpl_token) > 0);
    char *lit = PQescapeLiteral(db, comment, strlen(comment));
    assert_non_null(lit);
    char *csql = NULL;
    assert_true(asprintf(&csql, "COMMENT ON DATABASE %s IS %s", build, lit) > 0);
    PQclear(query(db, csql, 0, NULL));
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
             build);
    PQclear(query(db, sql, 0, NULL));
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s RENAME TO %s", build, tpl_db);
    PQclear(query(db, sql, 0, NULL));
    PQfreemem(lit);
    free(csql);
    free(comment);
    free(path);
    free(url);
    free(conninfo);
    og_test_rmrf(keys);
    free(keydir);
    free(keys);
}

/* Find or build the template, once per process. A failed attempt leaves its connection (and
 * the lock) in tpl_conn: the next one closes it first. */
static PGconn *tpl_conn;
static int tpl_done;

static void tpl_ready(void)
{
    if (tpl_done)
        return;
    PQfinish(tpl_conn);
    tpl_name();
    PGconn *db = tpl_conn = PQconnectdb(og_test_pg_url());
    if (PQstatus(db) != CONNECTION_OK)
        fail_msg("cannot connect to the test PostgreSQL: %s", PQerrorMessage(db));
    PQsetNoticeProcessor(db, quiet, NULL);
    char lock[32];
    const char *p[] = {lock};
    snprintf(lock, sizeof(lock), "%lld", TPL_LOCK);
    PQclear(query(db, "SELECT pg_advisory_lock($1::bigint)", 1, p));
    if (!tpl_read(db))
        tpl_build(db);
    PQclear(query(db, "SELECT pg_advisory_unlock($1::bigint)", 1, p));
    PQfinish(db);
    tpl_conn = NULL;
    tpl_done = 1;
}

/* Write the template's master key into keys_dir (made 0700). */
static void tpl_key_write(const char *keys_dir)
{
    char path[4096];
    uint8_t key[64];
    size_t n = strlen(tpl_key_hex) / 2;
    assert_true(n <= sizeof(key));
    for (size_t i = 0; i < n; i++) {
        unsigned b;
        assert_int_equal(sscanf(tpl_key_hex + 2 * i, "%2x", &b), 1);
        key[i] = (uint8_t)b;
    }
    assert_int_equal(mkdir(keys_dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s", keys_dir, OG_MASTER_KEY_FILE);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

char *og_test_pg_install(const char *keys_dir, char token[OG_TOKEN_MAX], char **db)
{
    static unsigned seq;
    char name[64], sql[160];
    assert_non_null(og_test_pg_url());
    tpl_ready();
    snprintf(name, sizeof(name), "og_t_%ld_%u_%ld", (long)getpid(), seq++, (long)time(NULL));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", name, tpl_db);
    admin_exec(NULL, sql);
    tpl_key_write(keys_dir);
    snprintf(token, OG_TOKEN_MAX, "%s", tpl_token);
    char *conninfo = conninfo_for(name), *url = NULL;
    assert_true(asprintf(&url, "%s%s", OG_STORE_LIBPQ_PREFIX, conninfo) > 0);
    free(conninfo);
    *db = strdup(name);
    assert_non_null(*db);
    return url;
}

void og_test_pg_db_drop(const char *db)
{
    char sql[128];
    if (!db)
        return;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    admin_exec(NULL, sql);
}
