/* test_infer_docexplain.c - issue 21's diagnosis (h-infer16): og_infer__doc_explain splits a
 * model's margin between two kinds into its features' shares, named, and the everyday training
 * forms it was measured with (og_infer__synth_forms_train, off unless a measurement sets
 * og_infer__synth_forms_share) give every real kind, the SOW too. */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sums {
    double block[5];
    int named_word, named_concept, named_shape, unnamed, calls;
} sums;

static void add(void *arg, int block, const char *name, double share)
{
    sums *s = arg;
    assert_true(block >= 0 && block < 5);
    s->block[block] += share;
    s->calls++;
    s->named_word += !strcmp(name, "w:'acceptance'") || !strcmp(name, "w:'deliverables'");
    s->named_concept += !strcmp(name, "c:acceptance");
    s->named_shape += !strncmp(name, "s:m", 3);
    s->unnamed += !strcmp(name, "?");
}

/* the shares of the features add up to the evidence's difference, the bias's to the biases';
 * the n-grams are named by the words of the text, the blocks by concept and measure */
static void test_explain_adds_up(void **state)
{
    (void)state;
    enum { PER = 6 };
    char *texts[OG_INFER_DOC_NKINDS * 2 * PER];
    int kinds[OG_INFER_DOC_NKINDS * 2 * PER];
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < 2; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, 300 + (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    const char *doc = "Scope and deliverables\n\nThe deliverables and their acceptance:\n"
                      "1. Migrate the mail server.\n2. Train the staff.\n\nFee: $12,400.00\n";
    for (int a = 0; a < OG_INFER_DOC_NKINDS; a++)
        for (int b = 0; b < OG_INFER_DOC_NKINDS; b++) {
            sums s;
            double p[OG_INFER_DOC_NKINDS], ev[OG_INFER_DOC_NKINDS];
            memset(&s, 0, sizeof(s));
            OG_ASSERT_OK(og_infer__doc_explain(m, doc, a, b, add, &s));
            OG_ASSERT_OK(og_infer__doc_probs(m, doc, p, ev));
            double feats = s.block[0] + s.block[1] + s.block[2] + s.block[3];
            assert_true(fabs(feats - (ev[a] - ev[b])) < 1e-6);
            assert_true(fabs(s.block[4] - (og_infer__doc_model_bias(m, a) -
                                           og_infer__doc_model_bias(m, b))) < 1e-9);
            assert_int_equal(s.named_word, 2);
            assert_int_equal(s.named_concept, 1);
            assert_true(s.named_shape > 0);
            assert_int_equal(s.unnamed, 0);
            if (a == b)
                assert_true(fabs(feats) < 1e-12);
        }
    sums s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(og_infer__doc_explain(m, doc, 0, OG_INFER_DOC_NKINDS, add, &s), OG_EINVAL);
    assert_int_equal(s.calls, 0);
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
}

/* the everyday training forms: every real kind (the SOW from doc_synth_forms_sow.c), the same
 * document for the same seed, varied, no other kind; off by default, so that the training
 * families are what they were */
static void test_forms_train(void **state)
{
    (void)state;
    char *t = NULL, *u = NULL;
    assert_int_equal(og_infer__synth_forms_share, 0);
    assert_int_equal(og_infer__synth_forms_sow, 0);
    for (int k = 0; k < OG_INFER_DOC_NKINDS - 1; k++) {
        int differ = 0;
        for (uint64_t i = 0; i < 12; i++) {
            OG_ASSERT_OK(og_infer__synth_forms_train(k, i, &t));
            OG_ASSERT_OK(og_infer__synth_forms_train(k, i, &u));
            assert_true(strlen(t) > 80);
            assert_string_equal(t, u);
            free(u);
            OG_ASSERT_OK(og_infer__synth_forms_train(k, i + 100, &u));
            differ += strcmp(t, u) != 0;
            free(t);
            free(u);
        }
        assert_true(differ >= 6);
    }
    assert_int_equal(og_infer__synth_forms_train(OG_INFER_DOC_NKINDS - 1, 1, &t), OG_EINVAL);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain_adds_up),
        cmocka_unit_test(test_forms_train),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
