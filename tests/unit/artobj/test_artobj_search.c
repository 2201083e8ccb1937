/* test_artobj_search.c - artifact search on both backends (registered _sqlite and _pg): the same
 * documents and queries give the same hits, a name match first; and no word of a document (its
 * content, name or metadata) is anywhere in the database, which holds keyed-hash tokens only:
 * every text and bytea column of every table on PostgreSQL, the database files on SQLite. */
#include "artobj_fixture.h"

#include <ctype.h>

typedef struct doc {
    const char *name;
    const char *meta;
    const char *text;
} doc;

static const doc DOCS[] = {
    {"alpha-runbook.md", "{\"customer\": \"wombatcorp\"}",
     "# Failover\nFailover procedure for the zanzibar cluster. Restart the quokka service.\n"},
    {"beta.md", NULL, "The quokka service handles invoicing. Zanzibar appears once.\n"},
    {"zanzibar-notes.txt", NULL, "nothing much in here\n"},
    {"gamma.md", NULL, "an unrelated document about pelicans\n"},
};

/* The words that must not be stored anywhere as they are. */
static const char *const WORDS[] = {"zanzibar", "quokka",   "wombatcorp", "invoicing",
                                    "failover", "pelicans", "runbook"};

typedef struct query {
    const char *q;
    const char *hits;  /* names, sorted, comma separated */
    const char *first; /* the best hit, or NULL when any order will do */
} query;

static const query QUERIES[] = {
    {"zanzibar", "alpha-runbook.md,beta.md,zanzibar-notes.txt", "zanzibar-notes.txt"},
    {"quokka service", "alpha-runbook.md,beta.md", NULL},
    {"QUOKKA invoicing", "beta.md", "beta.md"},
    {"wombatcorp", "alpha-runbook.md", "alpha-runbook.md"},
    {"pelicans zanzibar", "", NULL},
    {"nowhere", "", NULL},
};

static void put_docs(artobj *f)
{
    for (size_t i = 0; i < sizeof(DOCS) / sizeof(DOCS[0]); i++) {
        og_artifact_ref r = {"acme", "big", DOCS[i].name};
        og_artifact_put_opts o;
        memset(&o, 0, sizeof(o));
        o.metadata = DOCS[i].meta;
        OG_ASSERT_OK(
            og_artifact_put_buffer(&f->ctx, &r, &o, DOCS[i].text, strlen(DOCS[i].text), NULL));
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_artobj_search__same_hits_on_both_backends(void **state)
{
    artobj *f = *state;
    put_docs(f);
    for (size_t i = 0; i < sizeof(QUERIES) / sizeof(QUERIES[0]); i++) {
        json_t *hits = NULL;
        const char *names[16];
        char got[512] = "";
        OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", QUERIES[i].q, 0, &hits));
        size_t n = json_array_size(hits);
        assert_true(n < 16);
        for (size_t j = 0; j < n; j++)
            names[j] = json_string_value(json_object_get(json_array_get(hits, j), "name"));
        if (QUERIES[i].first && (n == 0 || strcmp(names[0], QUERIES[i].first) != 0))
            fail_msg("%s: '%s' first hit %s, expected %s", f->pg ? "postgres" : "sqlite",
                     QUERIES[i].q, n ? names[0] : "(none)", QUERIES[i].first);
        qsort(names, n, sizeof(names[0]), cmp_str);
        for (size_t j = 0; j < n; j++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", j ? "," : "", names[j]);
        if (strcmp(got, QUERIES[i].hits) != 0)
            fail_msg("%s: '%s' found [%s], expected [%s]", f->pg ? "postgres" : "sqlite",
                     QUERIES[i].q, got, QUERIES[i].hits);
        json_decref(hits);
    }
}

/* PostgreSQL: every text and bytea column of every table and view of the test's schema. */
static void no_word_in_pg(artobj *f)
{
    og_stmt *cols = NULL;
    int columns = 0, control = 0;
    OG_ASSERT_OK(og_stmt_prepare(&cols, f->store,
                                 "SELECT c.table_name, c.column_name, c.data_type FROM"
                                 " information_schema.columns c WHERE c.table_schema ="
                                 " current_schema() AND c.data_type IN ('text', 'bytea')"
                                 " ORDER BY 1, 2"));
    while (og_stmt_step(cols) == OG_ROW) {
        char sql[512];
        const char *t = og_stmt_col_text(cols, 0), *c = og_stmt_col_text(cols, 1);
        int bytea = strcmp(og_stmt_col_text(cols, 2), "bytea") == 0;
        snprintf(sql, sizeof(sql),
                 bytea ? "SELECT count(*) FROM \"%s\" WHERE position(convert_to(?, 'UTF8') IN"
                         " \"%s\") > 0"
                       : "SELECT count(*) FROM \"%s\" WHERE strpos(lower(\"%s\"), ?) > 0",
                 t, c);
        columns++;
        og_stmt *ctl = NULL;
        /* the control: the tenant's name is stored as it is, and the scan must see it */
        OG_ASSERT_OK(og_stmt_prepare_args(&ctl, f->store, sql, "t", "acme"));
        assert_int_equal(og_stmt_step(ctl), OG_ROW);
        control += og_stmt_col_int(ctl, 0) > 0;
        og_stmt_free(ctl);
        for (size_t w = 0; w < sizeof(WORDS) / sizeof(WORDS[0]); w++) {
            og_stmt *st = NULL;
            OG_ASSERT_OK(og_stmt_prepare_args(&st, f->store, sql, "t", WORDS[w]));
            assert_int_equal(og_stmt_step(st), OG_ROW);
            if (og_stmt_col_int(st, 0) != 0)
                fail_msg("'%s' is stored as it is in %s.%s", WORDS[w], t, c);
            og_stmt_free(st);
        }
    }
    og_stmt_free(cols);
    assert_true(columns > 50); /* every module's tables were looked at */
    assert_true(control > 0);
}

/* SQLite: the database file and its write-ahead log, byte for byte, case folded. */
static void append_file(og_buf *b, const char *dir, const char *name)
{
    char path[4096], piece[65536];
    size_t n;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return;
    while ((n = fread(piece, 1, sizeof(piece), fp)) > 0)
        OG_ASSERT_OK(og_buf_append(b, piece, n));
    fclose(fp);
}

static void no_word_in_files(const char *dir)
{
    og_buf b;
    og_buf_init(&b, (size_t)256 << 20);
    append_file(&b, dir, "og.db");
    append_file(&b, dir, "og.db-wal");
    for (size_t i = 0; i < b.len; i++)
        b.data[i] = (uint8_t)tolower(b.data[i]);
    if (!b.len || !memmem(b.data, b.len, "acme", 4))
        fail_msg("the control word 'acme' (the tenant's name) is not seen in %s/og.db*", dir);
    for (size_t w = 0; w < sizeof(WORDS) / sizeof(WORDS[0]); w++)
        if (memmem(b.data, b.len, WORDS[w], strlen(WORDS[w])))
            fail_msg("'%s' is stored as it is in %s/og.db*", WORDS[w], dir);
    og_buf_free(&b);
}

static void test_artobj_search__no_word_of_a_document_is_in_the_database(void **state)
{
    artobj *f = *state;
    put_docs(f);
    json_t *hits = NULL;
    OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", "zanzibar quokka", 0, &hits));
    assert_int_equal(json_array_size(hits), 2);
    json_decref(hits);
    if (f->pg) {
        no_word_in_pg(f);
    } else {
        no_word_in_files(f->dir);
    }
}

/* More matches than the ranked window (500, search.c): the newest 500 are ranked, so a name match
 * among them comes first; one older than the window comes after them, not first. The same on both
 * backends. */
static void test_artobj_search__ranks_the_newest_window(void **state)
{
    artobj *f = *state;
    OG_ASSERT_OK(og_store_tx_begin(f->ctx.store));
    for (int i = 0; i < 540; i++) {
        char name[64], text[128];
        if (i == 0 || i == 530)
            snprintf(name, sizeof(name), "needle-%s.txt", i ? "recent" : "oldest");
        else
            snprintf(name, sizeof(name), "n-%03d.txt", i);
        snprintf(text, sizeof(text), "needle haystack filler %d\n", i);
        og_artifact_ref r = {"acme", "big", name};
        OG_ASSERT_OK(og_artifact_put_buffer(&f->ctx, &r, NULL, text, strlen(text), NULL));
    }
    OG_ASSERT_OK(og_store_tx_commit(f->ctx.store));
    json_t *hits = NULL;
    OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", "needle", 100, &hits));
    assert_int_equal(json_array_size(hits), 100);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "name")),
                        "needle-recent.txt");
    for (size_t j = 0; j < json_array_size(hits); j++)
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(hits, j), "name")),
                                "needle-oldest.txt");
    json_decref(hits);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_artobj_search__same_hits_on_both_backends, artobj_new,
                                        artobj_free),
        cmocka_unit_test_setup_teardown(
            test_artobj_search__no_word_of_a_document_is_in_the_database, artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj_search__ranks_the_newest_window, artobj_new,
                                        artobj_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
