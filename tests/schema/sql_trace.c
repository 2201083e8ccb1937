/* sql_trace.c - a test-only preload library: appends the text of every statement SQLite prepares
 * (sqlite3_prepare_v3, what src/store/sqlite.c calls) to the file $OG_SQL_TRACE, one a line, then
 * calls the real function. tests/integration/test_pg_schemas.sh runs module unit tests under it
 * (LD_PRELOAD) and prepares what they ran on PostgreSQL. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef int prepare_fn(sqlite3 *, const char *, int, unsigned int, sqlite3_stmt **, const char **);

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **st,
                       const char **tail);

static void trace(const char *sql, int n)
{
    const char *path = getenv("OG_SQL_TRACE");
    if (!path || !sql)
        return;
    size_t len = n < 0 ? strlen(sql) : strnlen(sql, (size_t)n);
    char *line = malloc(len + 1);
    if (!line)
        return;
    for (size_t i = 0; i < len; i++)
        line[i] = sql[i] == '\n' || sql[i] == '\r' ? ' ' : sql[i];
    line[len] = '\n';
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, line, len + 1) < 0) {
            /* a lost line only makes the check see less */
        }
        close(fd);
    }
    free(line);
}

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **st,
                       const char **tail)
{
    prepare_fn *real = (prepare_fn *)dlsym(RTLD_NEXT, "sqlite3_prepare_v3");
    trace(sql, n);
    return real(db, sql, n, flags, st, tail);
}
