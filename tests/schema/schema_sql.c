/* schema_sql.c - a test-only tool for tests/integration/test_pg_schemas.sh: the schema texts this
 * build ships (og_store_schemas), and the catalogue SQLite makes of them, in a form the test
 * compares with PostgreSQL's.
 *
 * Usage:
 *   og_schema_sql dump sqlite|postgres DIR
 *       writes every module's steps, in the order the store applies them, as
 *       DIR/NNN_<module>_<version>.sql; a step without a text for that backend is named on stderr
 *       and the exit status is 1 (the others are still written).
 *   og_schema_sql catalog FILE
 *       creates the SQLite database FILE through og_store_open (every step applied) and prints
 *       its catalogue, one sorted fact a line (tests/integration/test_pg_schemas.sh says which).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/sys/store_backend.h"

static int dump(const char *backend, const char *dir)
{
    int pg = strcmp(backend, "postgres") == 0, missing = 0, n = 0;
    if (!pg && strcmp(backend, "sqlite") != 0) {
        fprintf(stderr, "og_schema_sql: unknown backend '%s' (sqlite or postgres)\n", backend);
        return 2;
    }
    for (size_t i = 0; i < og_store_nschemas; i++) {
        const og_schema *sc = og_store_schemas[i];
        for (size_t j = 0; j < sc->nsteps; j++) {
            const og_migration *m = &sc->steps[j];
            const char *sql = pg ? m->postgres : m->sqlite;
            char path[4096];
            n++;
            if (!sql) {
                fprintf(stderr, "og_schema_sql: module '%s' has no %s text for version %d\n",
                        sc->module, backend, m->version);
                missing++;
                continue;
            }
            snprintf(path, sizeof(path), "%s/%03d_%s_%d.sql", dir, n, sc->module, m->version);
            FILE *f = fopen(path, "w");
            if (!f || fprintf(f, "%s\n", sql) < 0 || fclose(f) != 0) {
                fprintf(stderr, "og_schema_sql: cannot write %s\n", path);
                return 2;
            }
        }
    }
    return missing ? 1 : 0;
}

/* One line per fact, in the same words as the PostgreSQL side of the test (types: int, text,
 * blob, real; a column is "auto" when the database numbers it: rowid alias or identity). Tables
 * the store keeps for itself (og_schema) and FTS5's shadow tables are left out; an FTS5 table has
 * the text columns it declares and its rowid, an fts5vocab table term, doc and cnt. */
static const char *const catalog_sql[] = {
    /* tables, with the kind of virtual table */
    "SELECT 'table ' || name FROM pragma_table_list WHERE schema = 'main' AND type IN"
    " ('table', 'virtual') AND name NOT LIKE 'sqlite%' AND name <> 'og_schema'",
    /* columns of ordinary tables */
    "SELECT 'column ' || t.name || ' ' || c.name || ' ' ||"
    " CASE upper(c.type) WHEN 'INTEGER' THEN 'int' WHEN 'TEXT' THEN 'text' WHEN 'BLOB' THEN"
    " 'blob' WHEN 'REAL' THEN 'real' ELSE 'other:' || c.type END || ' ' ||"
    " CASE WHEN c.\"notnull\" OR c.pk > 0 THEN 'notnull' ELSE 'null' END || ' ' ||"
    " CASE WHEN c.pk = 1 AND upper(c.type) = 'INTEGER' AND (SELECT count(*) FROM"
    " pragma_table_info(t.name) k WHERE k.pk > 0) = 1 AND NOT t.wr THEN 'auto'"
    " ELSE coalesce(c.dflt_value, '-') END"
    " FROM pragma_table_list t, pragma_table_info(t.name) c WHERE t.schema = 'main' AND"
    " t.type = 'table' AND t.name NOT LIKE 'sqlite%' AND t.name <> 'og_schema'",
    /* columns of FTS5 tables: declared ones are text, plus the rowid */
    "SELECT 'column ' || t.name || ' ' || c.name || ' ' || CASE WHEN m.sql LIKE '%fts5vocab%'"
    " AND c.name <> 'term' THEN 'int' ELSE 'text' END || ' null -'"
    " FROM pragma_table_list t JOIN sqlite_master m ON m.name = t.name,"
    " pragma_table_info(t.name) c WHERE t.type = 'virtual'",
    "SELECT 'column ' || t.name || ' rowid int notnull -' FROM pragma_table_list t JOIN"
    " sqlite_master m ON m.name = t.name WHERE t.type = 'virtual' AND m.sql NOT LIKE '%fts5vocab%'",
    "SELECT 'pk ' || t.name || ' rowid' FROM pragma_table_list t JOIN sqlite_master m"
    " ON m.name = t.name WHERE t.type = 'virtual' AND m.sql NOT LIKE '%fts5vocab%'",
    /* primary keys, columns in key order */
    "SELECT 'pk ' || t.name || ' ' || (SELECT group_concat(name, ',') FROM (SELECT c.name FROM"
    " pragma_table_info(t.name) c WHERE c.pk > 0 ORDER BY c.pk)) FROM pragma_table_list t"
    " WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite%' AND"
    " t.name <> 'og_schema' AND EXISTS (SELECT 1 FROM pragma_table_info(t.name) c WHERE c.pk)",
    /* UNIQUE constraints (names differ between engines: the columns say which) */
    "SELECT 'unique ' || t.name || ' ' || (SELECT group_concat(name, ',') FROM (SELECT x.name"
    " FROM pragma_index_info(i.name) x ORDER BY x.seqno)) FROM pragma_table_list t,"
    " pragma_index_list(t.name) i WHERE t.type = 'table' AND i.origin = 'u'",
    /* named indexes: unique, partial, and their columns (an expression is "expr") */
    "SELECT 'index ' || t.name || ' ' || i.name || ' unique=' || i.\"unique\" || ' partial=' ||"
    " i.partial || ' ' || (SELECT group_concat(coalesce(name, 'expr'), ',') FROM (SELECT x.name"
    " FROM pragma_index_info(i.name) x ORDER BY x.seqno)) FROM pragma_table_list t,"
    " pragma_index_list(t.name) i WHERE t.type = 'table' AND i.origin = 'c'",
    /* foreign keys */
    "SELECT 'fk ' || t.name || ' ' || group_concat(f.\"from\", ',') || ' -> ' || f.\"table\" ||"
    " ' ' || group_concat(f.\"to\", ',') || ' ' || f.on_delete FROM pragma_table_list t,"
    " pragma_foreign_key_list(t.name) f WHERE t.type = 'table' GROUP BY t.name, f.id",
    /* triggers */
    "SELECT 'trigger ' || tbl_name || ' ' || name FROM sqlite_master WHERE type = 'trigger'",
    NULL,
};

/* CHECK constraints: SQLite has no catalogue of them, so count them in the table's text. */
static int print_checks(og_store *s)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, s,
                             "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql"
                             " LIKE '%CHECK (%'");
    while (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW) {
        int n = 0;
        for (const char *p = og_stmt_col_text(st, 1); (p = strstr(p, "CHECK (")); p++)
            n++;
        printf("checks %s %d\n", og_stmt_col_text(st, 0), n);
    }
    og_stmt_free(st);
    return rc;
}

static int catalog(const char *file)
{
    og_store *s = NULL;
    og_stmt *st = NULL;
    char url[4200];
    int rc;
    snprintf(url, sizeof(url), "sqlite:%s", file);
    if ((rc = og_store_open(&s, url, 1)) < 0)
        goto cleanup;
    for (int i = 0; catalog_sql[i] && rc >= 0; i++) {
        if ((rc = og_stmt_prepare(&st, s, catalog_sql[i])) < 0)
            break;
        while ((rc = og_stmt_step(st)) == OG_ROW)
            printf("%s\n", og_stmt_col_text(st, 0));
        og_stmt_free(st);
        st = NULL;
    }
    if (rc >= 0)
        rc = print_checks(s);
cleanup:
    if (rc < 0)
        fprintf(stderr, "og_schema_sql: %s\n", og_error_last());
    og_stmt_free(st);
    og_store_close(s);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "dump") == 0)
        return dump(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "catalog") == 0)
        return catalog(argv[2]);
    fprintf(stderr, "usage: og_schema_sql dump sqlite|postgres DIR | og_schema_sql catalog FILE\n");
    return 2;
}
