/* test_artobj_published.c - og_artifact_published_version on both backends: the newest version a
 * move to published made public, below a version; drafts written since do not count. */
#include "artobj_fixture.h"
#include "opsgate/gate.h"

static void put_text(artobj *f, const char *text)
{
    og_artifact_ref r = {"acme", "big", "notes.md"};
    OG_ASSERT_OK(og_artifact_put_buffer(&f->ctx, &r, NULL, text, strlen(text), NULL));
}

static void publish(artobj *f)
{
    og_artifact_ref r = {"acme", "big", "notes.md"};
    og_ctx reviewer = f->ctx; /* not the author: separation of duties */
    og_actor_system(&reviewer.actor, "reviewer");
    OG_ASSERT_OK(og_artifact_set_state(&f->ctx, &r, "in-review", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&reviewer, &r, "approved", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&reviewer, &r, "published", NULL));
}

static int64_t published(artobj *f, int64_t below)
{
    og_artifact_ref r = {"acme", "big", "notes.md"};
    int64_t v = -1;
    OG_ASSERT_OK(og_artifact_published_version(&f->ctx, &r, below, &v));
    return v;
}

static void test_artobj_published__the_version_last_published_below_one(void **state)
{
    artobj f;
    og_artifact_ref r = {"acme", "big", "notes.md"};
    (void)state;
    artobj_setup(&f);
    put_text(&f, "one\n");
    assert_int_equal(published(&f, 0), 0); /* never published */
    publish(&f);
    assert_int_equal(published(&f, 0), 1);
    assert_int_equal(published(&f, 1), 0); /* none below 1 */
    OG_ASSERT_OK(og_artifact_set_state(&f.ctx, &r, "draft", NULL));
    put_text(&f, "two\n");
    put_text(&f, "three\n");
    /* drafts 2 and 3 were never published: the gate item of 3 compares with 1 */
    assert_int_equal(published(&f, 3), 1);
    assert_int_equal(published(&f, 0), 1);
    publish(&f);
    assert_int_equal(published(&f, 0), 3);
    assert_int_equal(published(&f, 3), 1);
    /* at L1 a publish executes and is reviewed: overriding it rolls it back, and the record */
    og_ctx reviewer = f.ctx;
    og_actor_system(&reviewer.actor, "reviewer");
    og_gate_outcome o;
    OG_ASSERT_OK(og_artifact_set_state(&f.ctx, &r, "draft", NULL));
    put_text(&f, "four\n");
    OG_ASSERT_OK(og_gate_policy_set(&f.ctx, "acme", "artifacts.publish.other", OG_GATE_L1));
    OG_ASSERT_OK(og_artifact_set_state(&f.ctx, &r, "in-review", NULL));
    OG_ASSERT_OK(og_artifact_set_state(&reviewer, &r, "approved", NULL));
    memset(&o, 0, sizeof(o));
    OG_ASSERT_OK(og_artifact_set_state(&reviewer, &r, "published", &o));
    json_decref(o.result);
    assert_int_equal(published(&f, 0), 4);
    OG_ASSERT_OK(og_gate_decide(&f.ctx, o.gate_id, "override", "not this one"));
    assert_int_equal(published(&f, 0), 3);
    /* another tenant's artifact of the same name is not found */
    og_artifact_ref other = {"nobody", "big", "notes.md"};
    int64_t v = -1;
    assert_true(og_artifact_published_version(&f.ctx, &other, 0, &v) < 0);
    assert_int_equal(v, 0);
    artobj_teardown(&f);
}

int main(void)
{
    if (artobj_skip())
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artobj_published__the_version_last_published_below_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
