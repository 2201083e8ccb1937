/* og_test_pg.c - a fresh PostgreSQL database per test, on the suite's server (OPSGATE_TEST_PG). */
#include "og_test.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void make_process_db(void)
{
    char sql[128], *err = NULL;
    snprintf(process_db, sizeof(process_db), "og_t_%ld_%ld", (long)getpid(), (long)time(NULL));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", process_db);
    admin_exec(NULL, sql);
    atexit(drop_process_db);
    /* The suite's URL with the database replaced, as a libpq key=value string */
    PQconninfoOption *opts = PQconninfoParse(og_test_pg_url(), &err);
    if (!opts)
        fail_msg("OPSGATE_TEST_PG: %s", err ? err : "out of memory");
    process_conninfo = strdup("");
    assert_non_null(process_conninfo);
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && *o->val && strcmp(o->keyword, "dbname") != 0 &&
            strcmp(o->keyword, "options") != 0)
            append_kv(&process_conninfo, o->keyword, o->val);
    PQconninfoFree(opts);
    append_kv(&process_conninfo, "dbname", process_db);
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
