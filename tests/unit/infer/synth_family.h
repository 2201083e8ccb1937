/* synth_family.h - what every held-out family of synthetic documents promises its tests
 * (og_infer__synth_family: the writers', the new languages'; the held-out "other" family by
 * genre), shared by the infer unit tests: deterministic by seed, varied across seeds, a first
 * argument (kind or genre, `firsts` of them) and a language out of range refused. */
#ifndef OG_TEST_SYNTH_FAMILY_H
#define OG_TEST_SYNTH_FAMILY_H

#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*synth_fn)(int first, int lang, uint64_t seed, char **out);

static inline void synth_family_contract(synth_fn synth, int firsts, int langs)
{
    char *t = NULL, *u = NULL;
    OG_ASSERT_OK(synth(1, langs - 1, 3, &t));
    OG_ASSERT_OK(synth(1, langs - 1, 3, &u));
    assert_string_equal(t, u);
    free(u);
    OG_ASSERT_OK(synth(1, langs - 1, 4, &u));
    assert_true(strcmp(t, u) != 0);
    free(t);
    free(u);
    t = NULL;
    assert_int_equal(synth(firsts, 0, 1, &t), OG_EINVAL);
    assert_int_equal(synth(-1, 0, 1, &t), OG_EINVAL);
    assert_int_equal(synth(0, langs, 1, &t), OG_EINVAL);
    assert_int_equal(synth(0, -1, 1, &t), OG_EINVAL);
    assert_null(t);
}

/* A kind model fitted on `per` documents of every kind and training family (seeds 70 + i): the
 * model the held-out families' floors are measured with (the corpus is freed; caller frees the
 * model). */
static inline og_infer_doc_model *synth_training_model(int per)
{
    size_t n = 0, cap = (size_t)(OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * per);
    char **texts = calloc(cap, sizeof(*texts));
    int *kinds = calloc(cap, sizeof(*kinds));
    og_infer_doc_model *m = NULL;
    assert_non_null(texts);
    assert_non_null(kinds);
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < per; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, 70 + (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(kinds);
    return m;
}

#endif
