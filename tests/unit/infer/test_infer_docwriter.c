/* test_infer_docwriter.c - issue 21's "other must be earned by evidence": the held-out writer
 * family (the kinds in plain words, titles without the lexicon's words, the structure kept), the
 * structure measures of the shape block (ticks, signed amounts and arrows, paths, timelines, a
 * priced and signed document), the decision that takes "other" only on its evidence, and the
 * close second a proposal names. */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the measure s's bucket in ids (og_infer__doc_shape: ids[s] = 5 s + bucket) */
static int bucket_of(const char *text, int s)
{
    int ids[OG_INFER__SHAPES], n = og_infer__doc_shape(text, strlen(text), ids, OG_INFER__SHAPES);
    assert_true(s < n);
    assert_int_equal(ids[s] / 5, s);
    return ids[s] - 5 * s;
}

enum { TICK = 16, DELTA, PATH, TIMELINE, PRICED_SIGNED };

static void test_structure_shapes(void **state)
{
    (void)state;
    assert_int_equal(
        bucket_of("- [x] Mailboxes moved\n\xe2\x9c\x93 Firewall\n- [ ] Printer\n", TICK), 2);
    assert_int_equal(bucket_of("Was: 1,000.00\nNow: 1,200.00\nDifference: +200.00\n"
                               "End date: 2026-03-01 -> 2026-03-15\n",
                               DELTA),
                     2);
    assert_int_equal(bucket_of("a - b and x-y, +/- maybe\n", DELTA), 0);
    assert_int_equal(bucket_of("Run sudo find /var/spool/batch -delete\nsee ~/notes and C:\\temp\n"
                               "```\nls\n```\n",
                               PATH),
                     3);
    assert_int_equal(bucket_of("and/or he said 1/2\n", PATH), 0);
    assert_int_equal(bucket_of("09:12 alarms\n- 09:40 cause found\nAt 10:05 fixed\n", TIMELINE), 2);
    const char *priced = "| a | $1,200.00 |\n| b | $300.00 |\n| Sum | $1,500.00 |\n\n"
                         "For the client: ______________________\n";
    assert_int_equal(bucket_of(priced, PRICED_SIGNED), 1);
    assert_int_equal(bucket_of(priced, 7), 1); /* the signature line, under-scores after a label */
    assert_int_equal(
        bucket_of("| a | $1,200.00 |\n| b | $300.00 |\n| Sum | $1,500.00 |\n", PRICED_SIGNED), 0);
}

static void test_writer_synth(void **state)
{
    (void)state;
    char *t = NULL, *u = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int l = 0; l < OG_INFER_DOC_WRITER_LANGS; l++)
            for (uint64_t i = 0; i < 8; i++) {
                OG_ASSERT_OK(og_infer_doc_synth_writer(k, l, i, &t));
                assert_true(strlen(t) > 120);
                /* the titles of the four kinds name none of the lexicon's concepts */
                size_t end = strcspn(t, "\n"), pos = 0;
                while (k < OG_INFER_DOC_NKINDS - 1 && pos < end) {
                    char w[64];
                    size_t n = 0;
                    while (pos < end && !((t[pos] | 0x20) >= 'a' && (t[pos] | 0x20) <= 'z') &&
                           (unsigned char)t[pos] < 0x80)
                        pos++;
                    while (pos < end && n < sizeof(w) - 1 &&
                           (((t[pos] | 0x20) >= 'a' && (t[pos] | 0x20) <= 'z') ||
                            (unsigned char)t[pos] >= 0x80))
                        w[n++] = (char)((unsigned char)t[pos] < 0x80 ? t[pos++] | 0x20 : t[pos++]);
                    w[n] = '\0';
                    int ids[4];
                    if (n > 0 && og_infer__concepts(w, n, ids, 4) > 0)
                        fail_msg("kind %d's title \"%.*s\" names concept %s (%s)", k, (int)end, t,
                                 og_infer__concept_name(ids[0]), w);
                }
                free(t);
                t = NULL;
            }
    /* deterministic by seed, varied across seeds */
    OG_ASSERT_OK(og_infer_doc_synth_writer(0, 0, 3, &t));
    OG_ASSERT_OK(og_infer_doc_synth_writer(0, 0, 3, &u));
    assert_string_equal(t, u);
    free(u);
    OG_ASSERT_OK(og_infer_doc_synth_writer(0, 0, 4, &u));
    assert_true(strcmp(t, u) != 0);
    free(t);
    free(u);
    assert_int_equal(og_infer_doc_synth_writer(5, 0, 1, &t), OG_EINVAL);
    assert_int_equal(og_infer_doc_synth_writer(0, OG_INFER_DOC_WRITER_LANGS, 1, &t), OG_EINVAL);
    assert_null(t);
}

static void test_other_needs_evidence(void **state)
{
    (void)state;
    /* "other" most probable by its prior, but the features speak for a runbook */
    double p[OG_INFER_DOC_NKINDS] = {0.1, 0.1, 0.3, 0.1, 0.4};
    double ev[OG_INFER_DOC_NKINDS] = {-0.5, -0.4, 0.6, -0.2, 0.1};
    assert_int_equal(og_infer__doc_choose(p, ev), 2);
    assert_int_equal(og_infer__doc_choose(p, NULL), 4); /* without the evidence: the argmax */
    /* "other" with evidence of its own stays "other" */
    ev[4] = 0.9;
    assert_int_equal(og_infer__doc_choose(p, ev), 4);
    /* a kind most probable is taken as it is */
    double q[OG_INFER_DOC_NKINDS] = {0.5, 0.1, 0.1, 0.1, 0.2};
    assert_int_equal(og_infer__doc_choose(q, ev), 0);
    /* a model of two kinds, "other" unknown (-HUGE_VAL evidence, probability 0) */
    double r[OG_INFER_DOC_NKINDS] = {0.7, 0.3, 0, 0, 0};
    double er[OG_INFER_DOC_NKINDS] = {1, -1, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    assert_int_equal(og_infer__doc_choose(r, er), 0);
    double o[OG_INFER_DOC_NKINDS] = {0.3, 0, 0, 0, 0.7};
    double eo[OG_INFER_DOC_NKINDS] = {-1, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, 1};
    assert_int_equal(og_infer__doc_choose(o, eo), 4);

    json_t *alt = og_infer__doc_alternatives(p, 2);
    assert_int_equal(json_array_size(alt), 1); /* other 0.4 is within 0.15 of 0.3 ... above */
    assert_string_equal(json_string_value(json_object_get(json_array_get(alt, 0), "kind")),
                        "other");
    json_decref(alt);
    alt = og_infer__doc_alternatives(q, 0);
    assert_int_equal(json_array_size(alt), 0);
    json_decref(alt);
}

/* a model trained on every training family classifies the held-out writer's documents: what the
 * structure and the evidence rule carry (docs/inference.md; bench_infer's "held-out writer") */
#define PER       12
#define EVAL      8
#define FLOOR_ALL 60 /* percent: measured 0.66 (before "other" needed evidence: 0.2) */
#define MAX_OTHER 15 /* percent of the real kinds taken for "other": measured 12 */
static void test_held_out_writer(void **state)
{
    (void)state;
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES, nl = OG_INFER_DOC_WRITER_LANGS;
    size_t n = 0, cap = (size_t)(nk * nf * PER);
    char **texts = calloc(cap, sizeof(*texts));
    int *kinds = calloc(cap, sizeof(*kinds)), right[OG_INFER_DOC_NKINDS] = {0}, all = 0,
        to_other = 0, named_second = 0;
    og_infer_doc_model *m = NULL;
    assert_non_null(texts);
    assert_non_null(kinds);
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, 70 + (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    for (int k = 0; k < nk; k++)
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < EVAL; i++) {
                char *d = NULL;
                json_t *top = NULL;
                OG_ASSERT_OK(og_infer_doc_synth_writer(k, l, 600 + (uint64_t)i, &d));
                int p = og_infer_doc_predict(m, d, NULL);
                OG_ASSERT_OK(og_infer_doc_alternatives(m, d, &top));
                /* the alternatives start with the kind predicted */
                assert_string_equal(
                    json_string_value(json_object_get(json_array_get(top, 0), "kind")),
                    og_infer_doc_kinds[p]);
                named_second += json_array_size(top) > 1;
                json_decref(top);
                right[k] += p == k;
                to_other += k != nk - 1 && p == nk - 1;
                all++;
                free(d);
            }
    int sum = 0;
    for (int k = 0; k < nk; k++) {
        fprintf(stderr, "held-out writer %s: %d / %d\n", og_infer_doc_kinds[k], right[k],
                nl * EVAL);
        sum += right[k];
    }
    fprintf(stderr,
            "held-out writer, all: %d / %d; real kinds taken for other: %d; a close second"
            " named: %d\n",
            sum, all, to_other, named_second);
    assert_true(sum * 100 >= all * FLOOR_ALL);
    assert_true(right[OG_INFER_DOC_NKINDS - 1] * 100 >= nl * EVAL * FLOOR_ALL);
    assert_true(to_other * 100 <= (all - all / nk) * MAX_OTHER);
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(kinds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_shapes),
        cmocka_unit_test(test_writer_synth),
        cmocka_unit_test(test_other_needs_evidence),
        cmocka_unit_test(test_held_out_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
