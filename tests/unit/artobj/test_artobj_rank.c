/* test_artobj_rank.c - search's ranking in C (rank.c) against FTS5's own bm25() (the exhaustive
 * reference, OG_ARTIFACT_SEARCH_EXHAUSTIVE): the parts (varints, IDF, the formula, the order of
 * ties), then whole searches over documents of many lengths whose names and metadata hold some
 * of the query words - the same hits in the same order with the same scores, a soft-deleted
 * artifact and another tenant's documents never among them - and the path for a word counted
 * only up to the cap, in rows that hold it alike and in rows that do not. Registered _sqlite and
 * _pg: on PostgreSQL both flags take the statement path, and the searches must still agree. */
#include "artifacts/artifacts_internal.h"
#include "artobj_fixture.h"

#include <math.h>

static void test_artobj_rank__varint(void **state)
{
    (void)state;
    uint64_t v = 0;
    const uint8_t one[] = {0x05}, two[] = {0x86, 0x8d, 0x20}, cut[] = {0x86, 0x8d};
    uint8_t nine[9];
    assert_int_equal(og_artifacts__varint(one, 1, &v), 1);
    assert_int_equal(v, 5);
    assert_int_equal(og_artifacts__varint(two, 3, &v), 3);
    assert_int_equal(v, 100000); /* the averages record of a 100,000-row table starts so */
    assert_int_equal(og_artifacts__varint(cut, 2, &v), 0);
    memset(nine, 0xff, sizeof(nine));
    assert_int_equal(og_artifacts__varint(nine, 9, &v), 9);
    assert_true(v == UINT64_MAX);
}

static void test_artobj_rank__formula(void **state)
{
    (void)state;
    /* IDF as FTS5: log((N - n + 0.5) / (n + 0.5)), at least 1e-6 (a word in half or more) */
    assert_true(fabs(og_artifacts__bm25_idf(1000, 10) - log(990.5 / 10.5)) < 1e-12);
    assert_true(og_artifacts__bm25_idf(1000, 500) == 1e-6);
    assert_true(og_artifacts__bm25_idf(1000, 999) == 1e-6);
    /* weights: name 10, metadata 4, text 1 */
    assert_true(og_artifacts__rank_freq(1) == 10.0);
    assert_true(og_artifacts__rank_freq(2 | 4) == 5.0);
    assert_true(og_artifacts__rank_freq(7) == 15.0);
    /* one word in the text of a row of average length: -idf * 2.2 / 2.2 */
    double idf = 2.0, f = 1.0;
    assert_true(fabs(og_artifacts__bm25(&idf, &f, 1, 40.0, 40.0) + 2.0) < 1e-12);
    /* shorter rows and name matches rank higher (lower values) */
    assert_true(og_artifacts__bm25(&idf, &f, 1, 10.0, 40.0) <
                og_artifacts__bm25(&idf, &f, 1, 40.0, 40.0));
    f = 10.0;
    assert_true(og_artifacts__bm25(&idf, &f, 1, 80.0, 40.0) <
                og_artifacts__bm25(&idf, &(double){1.0}, 1, 10.0, 40.0));
}

static void test_artobj_rank__sort_ties_newest_first(void **state)
{
    (void)state;
    art_cand c[5];
    memset(c, 0, sizeof(c));
    const int64_t dl[5] = {40, 20, 40, 20, 60};
    for (int i = 0; i < 5; i++) {
        c[i].rowid = i + 1;
        c[i].dl = dl[i];
        c[i].cols[0] = 4; /* the text */
    }
    c[4].cols[0] = 1; /* row 5 holds it in its name: first despite its length */
    double idf = 1.5;
    og_artifacts__rank_sort(c, 5, &idf, 1, 36.0);
    const int64_t want[5] = {5, 4, 2, 3, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(c[i].rowid, want[i]);
    assert_true(c[1].score == c[2].score); /* a tie: the newer first */
}

/* A corpus: documents of 3 to 60 words drawn from a small vocabulary, some named after a word
 * or holding one in their metadata, so that rows differ in length and columns. */
static const char *const VOCAB[] = {"alpha", "bravo", "charlie", "delta",  "echo", "foxtrot",
                                    "golf",  "hotel", "india",   "juliet", "kilo", "lima"};
#define NVOCAB (sizeof(VOCAB) / sizeof(VOCAB[0]))

static void put_corpus(artobj *f, const char *tenant, int n)
{
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < n; i++) {
        char name[64], meta[64], text[1024];
        size_t o = 0;
        int words = 3 + (int)(i * 7 % 58);
        for (int w = 0; w < words; w++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* skewed: alpha in most documents, lima in few */
            size_t k = (size_t)(x % 100) < 60 ? 0 : 1 + (size_t)((x >> 8) % (NVOCAB - 1));
            o += (size_t)snprintf(text + o, sizeof(text) - o, "%s ", VOCAB[k]);
        }
        if (i % 9 == 0) /* named after a word */
            snprintf(name, sizeof(name), "%s-%d.txt", VOCAB[i % NVOCAB], i);
        else
            snprintf(name, sizeof(name), "doc-%d.txt", i);
        snprintf(meta, sizeof(meta), "{\"topic\": \"%s\"}", VOCAB[(i * 5) % NVOCAB]);
        og_artifact_ref r = {tenant, "big", name};
        og_artifact_put_opts po;
        memset(&po, 0, sizeof(po));
        po.metadata = i % 4 == 0 ? meta : NULL;
        OG_ASSERT_OK(og_artifact_put_buffer(&f->ctx, &r, &po, text, o, NULL));
    }
}

/* The fast path and the reference agree: same names in the same order, same scores. */
static void same_as_exhaustive(artobj *f, const char *q, int limit)
{
    json_t *a = NULL, *b = NULL;
    OG_ASSERT_OK(og_artifact_search_ex(&f->ctx, "acme", q, limit, OG_ARTIFACT_SEARCH_SCORES, &a));
    OG_ASSERT_OK(og_artifact_search_ex(
        &f->ctx, "acme", q, limit, OG_ARTIFACT_SEARCH_SCORES | OG_ARTIFACT_SEARCH_EXHAUSTIVE, &b));
    if (json_array_size(a) != json_array_size(b))
        fail_msg("'%s': %zu hits, the reference %zu", q, json_array_size(a), json_array_size(b));
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        const char *nx = json_string_value(json_object_get(x, "name"));
        const char *ny = json_string_value(json_object_get(y, "name"));
        json_t *sx = json_object_get(x, "score"), *sy = json_object_get(y, "score");
        if (strcmp(nx, ny) != 0)
            fail_msg("'%s' hit %zu: %s, the reference %s", q, i, nx, ny);
        assert_int_equal(sx != NULL, sy != NULL);
        if (sx && fabs(json_real_value(sx) - json_real_value(sy)) >
                      1e-9 * fabs(json_real_value(sy)) + 1e-12)
            fail_msg("'%s' %s: score %.17g, the reference %.17g", q, nx, json_real_value(sx),
                     json_real_value(sy));
    }
    json_decref(a);
    json_decref(b);
}

static void test_artobj_rank__same_as_bm25(void **state)
{
    artobj *f = *state;
    put_corpus(f, "acme", 240);
    const char *const queries[] = {"alpha",           "lima",  "kilo lima",          "alpha bravo",
                                   "charlie alpha",   "hotel", "delta echo foxtrot", "juliet",
                                   "india alpha kilo"};
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        same_as_exhaustive(f, queries[i], 10);
        same_as_exhaustive(f, queries[i], 100);
    }
}

static void test_artobj_rank__deleted_and_other_tenants_never_found(void **state)
{
    artobj *f = *state;
    json_t *a = NULL;
    OG_ASSERT_OK(og_tenant_create(&f->ctx, "other", NULL));
    OG_ASSERT_OK(og_project_create(&f->ctx, "other", "big", "theirs", NULL));
    put_corpus(f, "other", 60);
    put_corpus(f, "acme", 60);
    /* acme's best hit for lima, deleted: gone from both paths */
    OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", "lima", 1, &a));
    assert_int_equal(json_array_size(a), 1);
    og_artifact_ref r = {"acme", "big",
                         json_string_value(json_object_get(json_array_get(a, 0), "name"))};
    char gone[64];
    og_strlcpy(gone, r.name, sizeof(gone));
    r.name = gone;
    json_decref(a);
    OG_ASSERT_OK(og_artifact_delete(&f->ctx, &r));
    same_as_exhaustive(f, "lima", 100);
    OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", "lima", 100, &a));
    for (size_t i = 0; i < json_array_size(a); i++)
        assert_string_not_equal(json_string_value(json_object_get(json_array_get(a, i), "name")),
                                gone);
    json_decref(a);
    /* 60 documents each, alpha in nearly all: acme's hits are acme's alone */
    OG_ASSERT_OK(og_artifact_search(&f->ctx, "acme", "alpha", 100, &a));
    assert_true(json_array_size(a) > 30 && json_array_size(a) <= 60);
    json_decref(a);
    same_as_exhaustive(f, "alpha", 100);
}

/* og_artifacts__rank for the words, each counted only up to the cap (docs -1) or, with
 * counted, the first one exactly, exact or not: the order is FTS5's bm25 order; with exact, or
 * when the rows differ in where they hold a word, the scores are bm25's too. Returns whether the
 * rows held every word alike. */
static int rank_vs_bm25(artobj *f, const char *const *words, size_t nw, int counted, int exact)
{
    char tenant_id[OG_ID_LEN], tok[4][18], fq[96] = "";
    art_keys k;
    art_rank_query q;
    art_cand *c = NULL;
    size_t n = 0, i = 0;
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_artifacts__tenant(&f->ctx, "acme", tenant_id));
    OG_ASSERT_OK(og_artifacts__keys(&f->ctx, tenant_id, 0, &k));
    uint64_t tag = og_artifacts__key_tag(k.search);
    memset(&q, 0, sizeof(q));
    for (size_t w = 0; w < nw; w++) {
        OG_ASSERT_OK(og_artifacts__word_mac(k.search, tag, words[w], strlen(words[w]), tok[w]));
        snprintf(fq + strlen(fq), sizeof(fq) - strlen(fq), "%s%s", w ? " " : "", tok[w]);
        q.tok[w] = tok[w];
        q.docs[w] = -1;
    }
    og_crypto_wipe(&k, sizeof(k));
    q.fq = fq;
    q.nq = nw;
    q.cap = 4;
    q.exact = exact;
    if (counted) {
        OG_ASSERT_OK(
            og_stmt_prepare(&st, f->store, "SELECT count(*) FROM art_fts WHERE art_fts MATCH ?1"));
        og_stmt_bind_text(st, 1, tok[0]);
        assert_int_equal(og_stmt_step(st), OG_ROW);
        q.docs[0] = og_stmt_col_int(st, 0);
        og_stmt_free(st);
    }
    OG_ASSERT_OK(og_artifacts__rank(&f->ctx, &q, 500, &c, &n));
    assert_true(n > 0);
    int uniform = 1;
    for (i = 1; i < n; i++)
        for (size_t w = 0; w < nw; w++)
            uniform &= c[i].cols[w] == c[0].cols[w];
    OG_ASSERT_OK(og_stmt_prepare(&st, f->store,
                                 "SELECT rowid, bm25(art_fts, 10.0, 4.0, 1.0) AS r FROM art_fts"
                                 " WHERE art_fts MATCH ?1 ORDER BY r, rowid DESC"));
    og_stmt_bind_text(st, 1, fq);
    for (i = 0; og_stmt_step(st) == OG_ROW; i++) {
        assert_true(i < n);
        assert_int_equal(c[i].rowid, og_stmt_col_int(st, 0));
        double want = strtod(og_stmt_col_text(st, 1), NULL);
        if ((exact || !uniform) && fabs(c[i].score - want) > 1e-9 * fabs(want))
            fail_msg("'%s' row %lld: score %.17g, bm25 %.17g", words[0], (long long)c[i].rowid,
                     c[i].score, want);
    }
    assert_int_equal(i, n);
    og_stmt_free(st);
    free(c);
    return uniform;
}

/* A word counted only up to the cap: counted in full when rows hold the words in different
 * columns (golf is in some names), and not needed when they hold them alike (kilo is only ever in
 * the text) - unless the scores themselves are asked for. SQLite only (rank.c). */
static void test_artobj_rank__capped_word(void **state)
{
    artobj *f = *state;
    if (f->pg)
        skip();
    put_corpus(f, "acme", 120);
    const char *const mixed[] = {"alpha", "golf"}, *const alike[] = {"kilo"};
    for (int counted = 0; counted < 2; counted++)
        for (int exact = 0; exact < 2; exact++)
            assert_int_equal(rank_vs_bm25(f, mixed, 2, counted, exact), 0);
    for (int exact = 0; exact < 2; exact++)
        assert_int_equal(rank_vs_bm25(f, alike, 1, 0, exact), 1);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artobj_rank__varint),
        cmocka_unit_test(test_artobj_rank__formula),
        cmocka_unit_test(test_artobj_rank__sort_ties_newest_first),
        cmocka_unit_test_setup_teardown(test_artobj_rank__same_as_bm25, artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj_rank__deleted_and_other_tenants_never_found,
                                        artobj_new, artobj_free),
        cmocka_unit_test_setup_teardown(test_artobj_rank__capped_word, artobj_new, artobj_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
