/* test_artifacts_propose.c - the classifier's proposal of a new version is reused from the latest
 * version when the text barely changed (one plain line of a long document), and made again when
 * a metadata line changed (a total, a month, a euro amount), the text changed much, the proposal
 * was confirmed by a person, or it was reused ART_REUSE_MAX times in a row; a new artifact always
 * gets one made; the search finds a version's new words right after its put either way. A version
 * whose words are the latest's in another order leaves the index row as it is; one that drops a
 * word is not found by it any more. */
#include "og_test.h"
#include "artifacts/artifacts_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES 120

static const char *const WORDS[] = {"firewall", "cutover", "tenant", "mailbox", "backup",
                                    "restore",  "switch",  "vlan",   "router",  "license"};

/* A long statement of work: LINES plain lines, then a total; line `edit` (when >= 0) rewritten
 * with the word `word`. */
static char *sow(const char *total, int edit, const char *word)
{
    og_buf b;
    og_buf_init(&b, 1 << 20);
    og_buf_puts(&b, "# Statement of work\n\n");
    for (int i = 0; i < LINES; i++) {
        if (i == edit) {
            og_buf_printf(&b, "- item %s rewritten with care\n", word);
            continue;
        }
        og_buf_printf(&b, "- item");
        for (int w = 0; w < 8; w++)
            og_buf_printf(&b, " %s", WORDS[(i * 7 + w * 3) % 10]);
        og_buf_printf(&b, " line%d\n", i);
    }
    og_buf_printf(&b, "\nTotal: %s\n", total);
    return og_buf_detach(&b);
}

static void put(og_test_env *env, const char *name, char *text)
{
    og_artifact_ref ref = {"acme", "fw", name};
    og_artifact_put_opts po = {.kind = "sow", .message = "edit"};
    OG_ASSERT_OK(og_artifact_put_buffer(&env->ctx, &ref, &po, text, strlen(text), NULL));
    free(text);
}

/* The latest version's proposal's of_version and reused count (0 when made for it). */
static void proposal(og_test_env *env, const char *name, json_int_t *of, json_int_t *reused)
{
    og_artifact_ref ref = {"acme", "fw", name};
    json_t *a = NULL;
    OG_ASSERT_OK(og_artifact_show(&env->ctx, &ref, &a));
    json_t *p = json_object_get(json_object_get(a, "latest_version"), "proposal");
    assert_true(json_is_object(p));
    assert_true(json_is_string(json_object_get(p, "kind")));
    *of = json_integer_value(json_object_get(p, "of_version"));
    *reused = json_integer_value(json_object_get(p, "reused"));
    json_decref(a);
}

static void found(og_test_env *env, const char *word, const char *name)
{
    json_t *hits = NULL;
    OG_ASSERT_OK(og_artifact_search(&env->ctx, "acme", word, 0, &hits));
    assert_int_equal(json_array_size(hits), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "name")), name);
    json_decref(hits);
}

/* text with every other letter of its plain lines (not the rewritten one, not "Label: value")
 * moved on by one: most of its 3-grams change, its metadata lines stay. */
static char *rewrite_plain(char *text)
{
    char *line = strchr(text, '\n') + 1; /* the title stays */
    while (*line) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (!memchr(line, ':', n) && !memmem(line, n, "rewritten", 9))
            for (size_t i = 0; i < n; i += 2)
                if (line[i] >= 'a' && line[i] <= 'z')
                    line[i] = (char)('a' + (line[i] - 'a' + 1) % 26);
        line += n + (end ? 1 : 0);
    }
    return text;
}

static void test_reuse_and_remake(void **state)
{
    og_test_env *env = *state;
    json_int_t of, reused;
    put(env, "sow.md", sow("$12,500.00", -1, NULL));
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 1); /* a new artifact: made */
    assert_int_equal(reused, 0);

    put(env, "sow.md", sow("$12,500.00", 5, "zanzibar")); /* one plain line */
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 1);
    assert_int_equal(reused, 1);
    found(env, "zanzibar", "sow.md"); /* indexed all the same */

    put(env, "sow.md", sow("$12,500.00", 9, "quokka")); /* another: compared to version 1's text */
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 1);
    assert_int_equal(reused, 2);
    found(env, "quokka", "sow.md");

    put(env, "sow.md", sow("$15,000.00", 9, "quokka")); /* the total changed: made again */
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 4);
    assert_int_equal(reused, 0);

    /* a line naming a month, or an amount in euros, is a metadata line even without a colon */
    put(env, "sow.md", sow("$15,000.00", 9, "March"));
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 5);
    assert_int_equal(reused, 0);
    put(env, "sow.md",
        sow("$15,000.00", 9,
            "\xe2\x82\xac"
            "500"));
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 6);
    assert_int_equal(reused, 0);

    /* much changed, its metadata lines (the euro line, the total) kept: made again */
    char *other = rewrite_plain(sow("$15,000.00", 9,
                                    "\xe2\x82\xac"
                                    "500"));
    put(env, "sow.md", other);
    proposal(env, "sow.md", &of, &reused);
    assert_int_equal(of, 7);
    assert_int_equal(reused, 0);
}

static void test_confirmed_is_remade(void **state)
{
    og_test_env *env = *state;
    json_int_t of, reused;
    og_artifact_ref ref = {"acme", "fw", "c.md"};
    put(env, "c.md", sow("$1,000.00", -1, NULL));
    OG_ASSERT_OK(og_artifact_classify(&env->ctx, &ref, "sow", NULL, NULL));
    put(env, "c.md", sow("$1,000.00", 3, "wombat"));
    proposal(env, "c.md", &of, &reused);
    assert_int_equal(of, 2); /* a person's correction is never carried to other text */
    assert_int_equal(reused, 0);
}

static void test_reuse_bounded(void **state)
{
    og_test_env *env = *state;
    json_int_t of, reused;
    char word[32];
    put(env, "b.md", sow("$1,000.00", -1, NULL));
    for (int v = 2; v <= ART_REUSE_MAX + 2; v++) {
        snprintf(word, sizeof(word), "w%d", v);
        put(env, "b.md", sow("$1,000.00", v % 2, word));
        proposal(env, "b.md", &of, &reused);
        if (v <= ART_REUSE_MAX + 1) {
            assert_int_equal(of, 1);
            assert_int_equal(reused, v - 1);
        } else { /* reused ART_REUSE_MAX times in a row: made again */
            assert_int_equal(of, v);
            assert_int_equal(reused, 0);
        }
    }
    found(env, word, "b.md");
}

static void none(og_test_env *env, const char *word)
{
    json_t *hits = NULL;
    OG_ASSERT_OK(og_artifact_search(&env->ctx, "acme", word, 0, &hits));
    assert_int_equal(json_array_size(hits), 0);
    json_decref(hits);
}

/* The index row's body words as stored (the only artifact of the test). */
static char *index_body(og_test_env *env)
{
    og_stmt *st = NULL;
    char *body = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, env->ctx.store, "SELECT body FROM art_fts"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    body = strdup(og_stmt_col_text(st, 0));
    og_stmt_free(st);
    return body;
}

static void test_index_words(void **state)
{
    og_test_env *env = *state;
    put(env, "w.txt", strdup("alpha bravo charlie\ndelta echo\n"));
    found(env, "bravo", "w.txt");
    char *before = index_body(env), *after;
    put(env, "w.txt", strdup("delta echo\ncharlie bravo alpha alpha\n")); /* the same words */
    after = index_body(env);
    assert_string_equal(before, after); /* not rewritten (in their new order) */
    free(before);
    free(after);
    found(env, "bravo", "w.txt");
    found(env, "delta", "w.txt");
    put(env, "w.txt", strdup("delta echo\ncharlie alpha foxtrot\n")); /* bravo gone, foxtrot new */
    none(env, "bravo");
    found(env, "foxtrot", "w.txt");
    found(env, "charlie", "w.txt");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, og_test_env_project, og_test_env_free)
    const struct CMUnitTest tests[] = {
        T(test_reuse_and_remake),
        T(test_confirmed_is_remade),
        T(test_reuse_bounded),
        T(test_index_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
