/* test_infer_blind.c - the document classifier on a blind corpus (tests/data/infer/blind/, issue
 * 21): 50 MSP documents in seven languages written without seeing the lexicon or the synthetic
 * corpus's templates (its README says how). The platform kind model is trained as the benchmark's
 * hard rows train it (every training family, English, 40 documents per kind and family, seed 7);
 * every blind document is classified and the accuracy printed per language and overall. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "opsgate/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PER = 40, SEED = 7, MAXDOCS = 200, NLANGS = 16 };
#define FLOOR_MEASURED 0.88

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_blind_corpus(void **state)
{
    (void)state;
    const char *src = getenv("OG_SOURCE_DIR");
    char dir[1024], path[1400];
    if (!src) {
        fprintf(stderr, "skipped: OG_SOURCE_DIR is not set, no blind corpus to read\n");
        skip();
    }
    snprintf(dir, sizeof(dir), "%s/tests/data/infer/blind", src);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "skipped: %s is absent\n", dir);
        skip();
    }
    char *names[MAXDOCS];
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0 && nn < MAXDOCS)
            names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    if (nn == 0) {
        fprintf(stderr, "skipped: %s holds no documents\n", dir);
        skip();
    }
    qsort(names, nn, sizeof(names[0]), by_name);

    /* the platform kind model from the built-in corpus */
    char *texts[OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * PER];
    int kinds[OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * PER];
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, SEED + (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));

    char langs[NLANGS][8];
    int right[NLANGS] = {0}, total[NLANGS] = {0}, nl = 0, allr = 0;
    for (size_t i = 0; i < nn; i++) {
        /* <lang>-<kind>-<n>.txt */
        const char *dash = strchr(names[i], '-'), *last = strrchr(names[i], '-');
        assert_non_null(dash);
        assert_true(last > dash && (size_t)(dash - names[i]) < sizeof(langs[0]));
        char lang[8], kind[32];
        snprintf(lang, sizeof(lang), "%.*s", (int)(dash - names[i]), names[i]);
        snprintf(kind, sizeof(kind), "%.*s", (int)(last - dash - 1), dash + 1);
        int truth = og_infer_doc_kind_index(kind);
        if (truth < 0)
            fail_msg("%s: %s is no kind", names[i], kind);
        int l = 0;
        while (l < nl && strcmp(langs[l], lang) != 0)
            l++;
        if (l == nl) {
            assert_true(nl < NLANGS);
            snprintf(langs[nl++], sizeof(langs[0]), "%s", lang);
        }
        char *text = NULL;
        size_t len = 0;
        double conf = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        OG_ASSERT_OK(og_file_read(path, OG_INFER_DOC_TEXT_MAX, &text, &len));
        int p = og_infer_doc_predict(m, text, &conf);
        assert_true(p >= 0 && p < OG_INFER_DOC_NKINDS);
        total[l]++;
        if (p == truth) {
            right[l]++;
            allr++;
        } else {
            fprintf(stderr, "blind: %s taken for %s (%.2f)\n", names[i], og_infer_doc_kinds[p],
                    conf);
        }
        free(text);
    }
    for (int l = 0; l < nl; l++)
        fprintf(stderr, "blind: %s %d of %d = %.3f\n", langs[l], right[l], total[l],
                (double)right[l] / total[l]);
    double acc = (double)allr / (double)nn;
    fprintf(stderr, "blind: all %d of %zu = %.3f (the issue's aim: >= 0.95)\n", allr, nn, acc);
    /* A regression floor, not the aim. Issue 21 aims at >= 0.95 on documents whose templates the
     * classifier never saw; this corpus measured 44 of 50 = 0.880 on 2026-12-07 (the aim is
     * MISSED: Portuguese 5 of 8, the "other" kind 8 of 11). The floor is that less 0.04 (two
     * documents), so that a change of the model that loses documents here fails; raise it when
     * the classifier gets better, never lower it to pass. */
    assert_true(acc >= FLOOR_MEASURED - 0.04);

    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blind_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
