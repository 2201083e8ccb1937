/* test_artobj_writers.c - versions written side by side (issue 19, several nodes): a version's
 * transaction is scoped to its artifact, not its tenant, so on PostgreSQL a writer holding the
 * tenant's key or another artifact's does not hold it up; two writers storing the same new content
 * into two artifacts of one tenant at once both succeed and store it once. On both backends (the
 * waiting part on PostgreSQL only: SQLite runs one writer at a time). */
#include "artifacts/artifacts_internal.h"
#include "artobj_fixture.h"

#include <pthread.h>

#define ROUNDS 40

static void put_text(og_ctx *ctx, const char *name, const char *text)
{
    og_artifact_ref r = {"acme", "big", name};
    OG_ASSERT_OK(og_artifact_put_buffer(ctx, &r, NULL, text, strlen(text), NULL));
}

static int64_t versions_of(artobj *f, const char *name)
{
    og_artifact_ref r = {"acme", "big", name};
    json_t *info = NULL;
    OG_ASSERT_OK(og_artifact_show(&f->ctx, &r, &info));
    int64_t n = json_integer_value(json_object_get(info, "latest"));
    json_decref(info);
    return n;
}

static void test_artobj_writers__other_writers_of_the_tenant_do_not_hold_a_version_up(void **state)
{
    artobj f;
    og_store *s2 = NULL;
    og_project p;
    art_keys k;
    char mac[65], key[ART_WRITE_KEY];
    (void)state;
    artobj_setup(&f);
    if (!f.pg) { /* one writer at a time: nothing runs beside a held transaction */
        artobj_teardown(&f);
        skip();
    }
    put_text(&f.ctx, "b.md", "b one\n"); /* the tenant's artifact keys exist from here */
    OG_ASSERT_OK(og_project_get(&f.ctx, "acme", "big", &p));
    OG_ASSERT_OK(og_store_open(&s2, f.url, 0));
    /* another connection holds the tenant's key, as versions of the tenant once all did */
    OG_ASSERT_OK(og_store_tx_begin_scope(s2, p.tenant_id));
    put_text(&f.ctx, "a.md", "a one\n");
    og_store_tx_rollback(s2);
    /* it holds artifact b's key, as a version of b does: a version of a goes on */
    OG_ASSERT_OK(og_artifacts__keys(&f.ctx, p.tenant_id, 0, &k));
    OG_ASSERT_OK(og_artifacts__mac_hex(k.name, p.id, "b.md", mac));
    og_crypto_wipe(&k, sizeof(k));
    og_artifacts__write_key(p.id, mac, key);
    OG_ASSERT_OK(og_store_tx_begin_scope(s2, key));
    put_text(&f.ctx, "a.md", "a two\n");
    og_store_tx_rollback(s2);
    assert_int_equal(versions_of(&f, "a.md"), 2);
    og_store_close(s2);
    artobj_teardown(&f);
}

typedef struct writer {
    og_ctx ctx;
    const char *name;
    int failures;
    char last_error[256];
} writer;

/* ROUNDS versions of w->name, round i's content the same for every writer. */
static void *write_rounds(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char text[64];
        og_artifact_ref r = {"acme", "big", w->name};
        snprintf(text, sizeof(text), "round %d of the shared content\n", i);
        if (og_artifact_put_buffer(&w->ctx, &r, NULL, text, strlen(text), NULL) < 0) {
            w->failures++;
            snprintf(w->last_error, sizeof(w->last_error), "%s", og_error_last());
        }
    }
    return NULL;
}

static void test_artobj_writers__the_same_new_content_stored_at_once_is_stored_once(void **state)
{
    artobj f;
    og_store *s2 = NULL;
    writer w[2];
    pthread_t th[2];
    (void)state;
    artobj_setup(&f);
    put_text(&f.ctx, "seed.md", "seed\n"); /* the tenant's artifact keys exist from here */
    OG_ASSERT_OK(og_store_open(&s2, f.url, 0));
    memset(w, 0, sizeof(w));
    w[0].ctx = f.ctx;
    w[0].name = "left.md";
    w[1].ctx = f.ctx;
    w[1].ctx.store = s2;
    w[1].name = "right.md";
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, write_rounds, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        if (w[i].failures)
            fprintf(stderr, "%s: %d failures, the last: %s\n", w[i].name, w[i].failures,
                    w[i].last_error);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(versions_of(&f, "left.md"), ROUNDS);
    assert_int_equal(versions_of(&f, "right.md"), ROUNDS);
    /* one object per round's content (and the seed's), each named by both artifacts */
    assert_int_equal(artobj_count(&f, "SELECT count(*) FROM art_objects"), ROUNDS + 1);
    assert_int_equal(artobj_count(&f, "SELECT count(DISTINCT object) FROM art_versions"),
                     ROUNDS + 1);
    assert_int_equal(artobj_count(&f, "SELECT count(*) FROM art_versions v WHERE NOT EXISTS"
                                      " (SELECT 1 FROM art_objects o WHERE o.tenant_id ="
                                      " v.tenant_id AND o.name = v.object)"),
                     0);
    og_store_close(s2);
    artobj_teardown(&f);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artobj_writers__other_writers_of_the_tenant_do_not_hold_a_version_up),
        cmocka_unit_test(test_artobj_writers__the_same_new_content_stored_at_once_is_stored_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
