/* test_infer_docwriter.c - issue 21's "other must be earned by evidence": the held-out writer
 * families (the kinds in plain words, titles without the lexicon's words, the structure kept;
 * the second writer a third hand in English and French), the structure measures of the shape
 * block (ticks, signed amounts and arrows, paths, timelines, a priced and signed document), the
 * decision that takes "other" only on its evidence, the second stage (a SOW that amends is a
 * change order, an "other" that ticks off deliveries a closure), and the close second a
 * proposal names. */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "synth_family.h"

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
    return og_infer__doc_shape_bucket(ids, n, s);
}

enum { TICK = OG_INFER__SHAPE_TICKS, DELTA, PATH, TIMELINE, PRICED_SIGNED };

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

/* a writer family's documents: long enough, titles of the four kinds without the lexicon's
 * concepts, deterministic by seed, varied across seeds, unknown kinds and languages refused */
static void writer_family(synth_fn synth, int nl)
{
    char *t = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int l = 0; l < nl; l++)
            for (uint64_t i = 0; i < 8; i++) {
                OG_ASSERT_OK(synth(k, l, i, &t));
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
    synth_family_contract(synth, OG_INFER_DOC_NKINDS, nl);
}

static void test_writer_synth(void **state)
{
    (void)state;
    writer_family(og_infer_doc_synth_writer, OG_INFER_DOC_WRITER_LANGS);
}

static void test_writer2_synth(void **state)
{
    (void)state;
    writer_family(og_infer_doc_synth_writer2, OG_INFER_DOC_WRITER2_LANGS);
    /* the second writer is not the first: no ticks, its change orders in sentences */
    for (uint64_t i = 0; i < 8; i++) {
        char *t = NULL;
        OG_ASSERT_OK(og_infer_doc_synth_writer2(3, (int)(i % 2), i, &t));
        assert_null(strstr(t, "[x]"));
        assert_null(strstr(t, "\xe2\x9c\x93"));
        free(t);
    }
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

/* the second stage: amounts before, after and the difference make a SOW a change order, ticked
 * lines make an "other" a closure; nothing else moves */
static void test_second_stage(void **state)
{
    (void)state;
    const char *sentence = "The price goes from EUR 12,400.00 to EUR 13,900.00, that is "
                           "EUR 1,500.00 more.\n";
    const char *arrow = "Fixed price: $4,500.00 -> $5,401.00 (+$901.00)\n";
    const char *table = "| | Was | Now | Difference |\n|---|---|---|---|\n"
                        "| Price | 8.000,00 EUR | 7.250,00 EUR | -750,00 EUR |\n";
    assert_int_equal(og_infer__doc_amends(sentence, strlen(sentence)), 1);
    assert_int_equal(og_infer__doc_amends(arrow, strlen(arrow)), 1);
    assert_int_equal(og_infer__doc_amends(table, strlen(table)), 1);
    /* a SOW's items and their sum, a payment schedule in shares, two amounts: no amendment */
    const char *items = "| Set-up | $1,200.00 |\n| Licences | $300.00 |\n| Sum | $1,500.00 |\n";
    const char *shares = "| 1 | 40% | 7,346.50 |\n| 2 | 30% | 5,509.88 |\n| 3 | 10% | 1,836.62 |\n";
    const char *two = "Was $1,000.00, now $1,200.00 on 2026-03-01 and 2026-03-15.\n";
    assert_int_equal(og_infer__doc_amends(items, strlen(items)), 0);
    assert_int_equal(og_infer__doc_amends(shares, strlen(shares)), 0);
    assert_int_equal(og_infer__doc_amends(two, strlen(two)), 0);
    assert_int_equal(og_infer__doc_amends("", 0), 0);

    const char *ticks = "Delivered:\n- [x] Mailboxes moved\n\xe2\x9c\x93 Firewall\n";
    const char *one = "- [x] Mailboxes moved\n- [ ] Printer\n";
    assert_int_equal(og_infer__doc_closes(ticks, strlen(ticks)), 1);
    assert_int_equal(og_infer__doc_closes(one, strlen(one)), 0);

    /* taken for a SOW, amends: a change order, the probabilities swapped */
    double p[OG_INFER_DOC_NKINDS] = {0.5, 0.2, 0.1, 0.1, 0.1};
    double ev[OG_INFER_DOC_NKINDS] = {1.0, 0.2, -0.5, -0.5, -0.6};
    assert_int_equal(og_infer__doc_second_stage(sentence, p, ev), OG_INFER__STAGE_AMENDS);
    assert_int_equal(og_infer__doc_choose(p, ev), 1);
    assert_non_null(strstr(og_infer__doc_stage_reason(OG_INFER__STAGE_AMENDS), "difference"));
    assert_true(p[1] == 0.5 && p[0] == 0.2 && ev[1] == 1.0);
    /* the same without amounts: untouched */
    double q[OG_INFER_DOC_NKINDS] = {0.5, 0.2, 0.1, 0.1, 0.1};
    assert_int_equal(og_infer__doc_second_stage("We move your mailboxes.\n", q, ev),
                     OG_INFER__STAGE_NONE);
    assert_null(og_infer__doc_stage_reason(OG_INFER__STAGE_NONE));
    assert_true(q[0] == 0.5 && q[1] == 0.2);
    /* taken for "other" on its evidence, ticks: a closure */
    double r[OG_INFER_DOC_NKINDS] = {0.1, 0.1, 0.1, 0.2, 0.5};
    double er[OG_INFER_DOC_NKINDS] = {-0.5, -0.5, -0.5, 0.1, 0.9};
    assert_int_equal(og_infer__doc_second_stage(ticks, r, er), OG_INFER__STAGE_CLOSES);
    assert_non_null(og_infer__doc_stage_reason(OG_INFER__STAGE_CLOSES));
    assert_int_equal(og_infer__doc_choose(r, er), 3);
    /* a runbook with ticks stays a runbook: the rule is between "other" and closure only */
    double u[OG_INFER_DOC_NKINDS] = {0.1, 0.1, 0.5, 0.2, 0.1};
    assert_int_equal(og_infer__doc_second_stage(ticks, u, NULL), OG_INFER__STAGE_NONE);
    assert_int_equal(og_infer__doc_choose(u, NULL), 2);
}

/* a tenant's proposal: the fixed rules move the platform's side only (its model's second stage,
 * before the blend), so the tenant's own model, trained on its people's corrections, outweighs a
 * rule once it weighs enough */
static void test_blend_lets_corrections_outweigh(void **state)
{
    (void)state;
    const char *amends = "Fixed price: $4,500.00 -> $5,401.00 (+$901.00)\n";
    /* the platform takes it for a SOW; the tenant's people said SOW for documents like it */
    const double plat_p[OG_INFER_DOC_NKINDS] = {0.6, 0.2, 0.1, 0.05, 0.05};
    const double plat_e[OG_INFER_DOC_NKINDS] = {1.0, 0.3, -0.5, -0.6, -INFINITY};
    const double own_p[OG_INFER_DOC_NKINDS] = {0.9, 0.04, 0.02, 0.02, 0.02};
    const double own_e[OG_INFER_DOC_NKINDS] = {2.0, -1.0, -1.0, -1.0, -1.0};
    double pp[OG_INFER_DOC_NKINDS], ep[OG_INFER_DOC_NKINDS], p[OG_INFER_DOC_NKINDS],
        ev[OG_INFER_DOC_NKINDS];
    int kind = -1;
    memcpy(pp, plat_p, sizeof(pp));
    memcpy(ep, plat_e, sizeof(ep));
    assert_int_equal(og_infer__doc_second_stage(amends, pp, ep), OG_INFER__STAGE_AMENDS);
    /* no tenant model: the rule decides */
    og_infer__doc_blend(pp, ep, own_p, own_e, 0, p, ev, &kind);
    assert_int_equal(kind, 1);
    assert_true(p[1] == 0.6 && isfinite(ev[4]));
    /* a small tenant model (a = 0.1): the rule still decides */
    og_infer__doc_blend(pp, ep, own_p, own_e, 0.1, p, ev, &kind);
    assert_int_equal(kind, 1);
    /* a tenant model weighing half (200 labelled documents): its corrections win */
    og_infer__doc_blend(pp, ep, own_p, own_e, 0.5, p, ev, &kind);
    assert_int_equal(kind, 0);
    /* the tenant's model alone (no platform model) */
    og_infer__doc_blend((double[OG_INFER_DOC_NKINDS]){0}, (double[OG_INFER_DOC_NKINDS]){0}, own_p,
                        own_e, 1, p, ev, &kind);
    assert_int_equal(kind, 0);
}

/* a model trained on every training family classifies the held-out writers' documents: what the
 * structure and the evidence rule carry (docs/inference.md; bench_infer's "held-out writer") */
#define PER  12
#define EVAL 8
/* percent: measured 0.95 with the learned second stage (0.90 with the fixed rules, 0.66 before
 * them, 0.2 before "other" needed
 * evidence) */
#define FLOOR_ALL   80
#define FLOOR_OTHER 60 /* percent of "other": measured 0.75 */
#define MAX_OTHER   15 /* percent of the real kinds taken for "other": measured 0 */
#define FLOOR2      75 /* percent, the second writer: measured 0.89 (0.84 with the rules) */
#define FLOOR_CO    75 /* percent of the change orders, both writers: measured 15/16, 16/16 */
typedef struct writer_score {
    int right[OG_INFER_DOC_NKINDS], all, sum, to_other;
} writer_score;

static void writer_eval(const og_infer_doc_model *m, synth_fn synth, int nl, const char *name,
                        writer_score *ws)
{
    int nk = OG_INFER_DOC_NKINDS, named_second = 0;
    memset(ws, 0, sizeof(*ws));
    for (int k = 0; k < nk; k++)
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < EVAL; i++) {
                char *d = NULL;
                json_t *top = NULL;
                OG_ASSERT_OK(synth(k, l, 600 + (uint64_t)i, &d));
                int p = og_infer_doc_predict(m, d, NULL);
                OG_ASSERT_OK(og_infer_doc_alternatives(m, d, &top));
                /* the alternatives start with the kind predicted */
                assert_string_equal(
                    json_string_value(json_object_get(json_array_get(top, 0), "kind")),
                    og_infer_doc_kinds[p]);
                named_second += json_array_size(top) > 1;
                json_decref(top);
                ws->right[k] += p == k;
                ws->to_other += k != nk - 1 && p == nk - 1;
                ws->all++;
                free(d);
            }
    for (int k = 0; k < nk; k++) {
        fprintf(stderr, "%s %s: %d / %d\n", name, og_infer_doc_kinds[k], ws->right[k], nl * EVAL);
        ws->sum += ws->right[k];
    }
    fprintf(stderr, "%s, all: %d / %d; real kinds taken for other: %d; a close second named: %d\n",
            name, ws->sum, ws->all, ws->to_other, named_second);
}

static void test_held_out_writer(void **state)
{
    (void)state;
    int nk = OG_INFER_DOC_NKINDS;
    og_infer_doc_model *m = synth_training_model(PER);
    writer_score w1, w2;
    writer_eval(m, og_infer_doc_synth_writer, OG_INFER_DOC_WRITER_LANGS, "held-out writer", &w1);
    assert_true(w1.sum * 100 >= w1.all * FLOOR_ALL);
    assert_true(w1.right[nk - 1] * 100 >= OG_INFER_DOC_WRITER_LANGS * EVAL * FLOOR_OTHER);
    assert_true(w1.right[1] * 100 >= OG_INFER_DOC_WRITER_LANGS * EVAL * FLOOR_CO);
    assert_true(w1.to_other * 100 <= (w1.all - w1.all / nk) * MAX_OTHER);
    /* the second writer: never trained on, its floor at what is measured minus a margin */
    writer_eval(m, og_infer_doc_synth_writer2, OG_INFER_DOC_WRITER2_LANGS, "held-out writer2", &w2);
    assert_true(w2.sum * 100 >= w2.all * FLOOR2);
    assert_true(w2.right[1] * 100 >= OG_INFER_DOC_WRITER2_LANGS * EVAL * FLOOR_CO);
    og_infer_doc_model_free(m);
}

/* issue 21: the second stage is learned, and a tenant's corrections retrain it. Tenant A's people
 * labelled 60 documents where the amends cue misleads (40 whose amounts read before, after and
 * the difference they call a SOW, 20 runbooks); its proposals no longer take a document for a
 * change order by that cue, while tenant B's (60 labelled documents without the cue) stay as the
 * platform's. */
/* a tenant's proposal reads the text's features once for the platform's model and its own: the
 * same probabilities and evidence as each model's own reading, whether the two weigh the
 * language-independent blocks alike or not */
static void test_probs_of_two_models_read_once(void **state)
{
    (void)state;
    og_infer_doc_model *plat = synth_training_model(PER), *own = NULL;
    json_t *dump = og_infer__doc_model_dump(plat);
    json_object_set_new(dump, "blocks", json_pack("[f,f,f]", 0.5, 2.0, 0.25));
    OG_ASSERT_OK(og_infer__doc_model_load(dump, &own));
    json_decref(dump);
    for (int i = 0; i < 10; i++) {
        char *d = NULL;
        double pa[OG_INFER_DOC_NKINDS], ea[OG_INFER_DOC_NKINDS], pb[OG_INFER_DOC_NKINDS],
            eb[OG_INFER_DOC_NKINDS], qa[OG_INFER_DOC_NKINDS], fa[OG_INFER_DOC_NKINDS],
            qb[OG_INFER_DOC_NKINDS], fb[OG_INFER_DOC_NKINDS];
        OG_ASSERT_OK(og_infer_doc_synth_writer(
            i % OG_INFER_DOC_NKINDS, i % OG_INFER_DOC_WRITER_LANGS, 900 + (uint64_t)i, &d));
        OG_ASSERT_OK(og_infer__doc_probs(plat, d, pa, ea));
        OG_ASSERT_OK(og_infer__doc_probs(own, d, pb, eb));
        OG_ASSERT_OK(og_infer__doc_probs2(plat, own, d, qa, fa, qb, fb));
        assert_memory_equal(pa, qa, sizeof(pa));
        assert_memory_equal(ea, fa, sizeof(ea));
        assert_memory_equal(pb, qb, sizeof(pb));
        assert_memory_equal(eb, fb, sizeof(eb));
        /* the blocks differ, so do the readings */
        assert_memory_not_equal(pa, pb, sizeof(pa));
        OG_ASSERT_OK(og_infer__doc_probs2(plat, plat, d, qa, fa, qb, fb));
        assert_memory_equal(pa, qb, sizeof(pa));
        assert_memory_equal(ea, fb, sizeof(ea));
        free(d);
    }
    og_infer_doc_model_free(own);
    og_infer_doc_model_free(plat);
}

static void test_corrections_switch_the_cue_off(void **state)
{
    (void)state;
    int nl = OG_INFER_DOC_WRITER_LANGS;
    char buf[200];
    int ka[60], kb[60], by_cue = 0, a_by_cue = 0, a_sow = 0;
    json_t *va[60], *vb[60];
    og_infer_doc_model *plat = synth_training_model(PER), *own_a = NULL, *own_b = NULL;
    /* learned from the labels: the cue speaks for a change order, against a SOW */
    const og_infer__stage2 *s2 = og_infer__doc_model_stage2_of(plat);
    assert_true(s2->on);
    assert_true(s2->w[1][OG_INFER__CUE_AMENDS] > 0);
    assert_true(s2->w[1][OG_INFER__CUE_AMENDS] > s2->w[0][OG_INFER__CUE_AMENDS]);
    /* the stored model carries it, and a model stored before it reads as none (the rules) */
    json_t *dump = og_infer__doc_model_dump(plat);
    og_infer_doc_model *back = NULL;
    OG_ASSERT_OK(og_infer__doc_model_load(dump, &back));
    assert_true(og_infer__doc_model_stage2_of(back)->on);
    assert_true(fabs(og_infer__doc_model_stage2_of(back)->w[1][0] - s2->w[1][0]) < 1e-5);
    og_infer_doc_model_free(back);
    json_object_del(dump, "stage2");
    OG_ASSERT_OK(og_infer__doc_model_load(dump, &back));
    assert_false(og_infer__doc_model_stage2_of(back)->on);
    og_infer_doc_model_free(back);
    json_object_set_new(dump, "stage2", json_pack("{s:{s:[f]}}", "cues", "sow", 1.0));
    assert_int_equal(og_infer__doc_model_load(dump, &back), OG_ECORRUPT);
    json_decref(dump);
    for (int i = 0; i < 60; i++) {
        char *d = NULL;
        /* A: the writer's change orders (their amounts amend), called SOWs; runbooks */
        OG_ASSERT_OK(i < 40 ? og_infer_doc_synth_writer(1, i % nl, 800 + (uint64_t)i, &d)
                            : og_infer_doc_synth_writer(2, i % nl, 800 + (uint64_t)i, &d));
        ka[i] = i < 40 ? 0 : 2;
        OG_ASSERT_OK(og_infer__doc_vector(d, &va[i]));
        free(d);
        /* B: SOWs and runbooks of the training families, no amendment among them */
        OG_ASSERT_OK(og_infer_doc_synth(i < 30 ? 0 : 2, i % 3, 900 + (uint64_t)i, &d));
        kb[i] = i < 30 ? 0 : 2;
        OG_ASSERT_OK(og_infer__doc_vector(d, &vb[i]));
        free(d);
    }
    OG_ASSERT_OK(og_infer__doc_fit_vectors(&own_a, va, ka, 60, NULL, 0, NULL));
    OG_ASSERT_OK(og_infer__doc_fit_vectors(&own_b, vb, kb, 60, NULL, 0, NULL));
    assert_true(og_infer__doc_model_stage2_of(own_a)->cue_docs[OG_INFER__CUE_AMENDS] >= 30);
    assert_int_equal(og_infer__doc_model_stage2_of(own_b)->cue_docs[OG_INFER__CUE_AMENDS], 0);
    double a = 60.0 / (60.0 + OG_INFER__DOC_BLEND_HALF);
    for (int l = 0; l < nl; l++)
        for (int i = 0; i < EVAL; i++) {
            double p[OG_INFER_DOC_NKINDS], ev[OG_INFER_DOC_NKINDS], q[OG_INFER_DOC_NKINDS];
            int kp, ka1, kb1;
            og_infer__why wp, wa, wb;
            char *d = NULL;
            OG_ASSERT_OK(og_infer_doc_synth_writer(1, l, 600 + (uint64_t)i, &d));
            OG_ASSERT_OK(og_infer__doc_blend_models(d, plat, NULL, 0, p, ev, &kp, &wp));
            OG_ASSERT_OK(og_infer__doc_blend_models(d, plat, own_a, a, q, ev, &ka1, &wa));
            OG_ASSERT_OK(og_infer__doc_blend_models(d, plat, own_b, a, q, ev, &kb1, &wb));
            if (kp == 1 && wp.stage == OG_INFER__STAGE_AMENDS) {
                by_cue++;
                assert_true(wp.learned);
                assert_non_null(strstr(og_infer__doc_why_text(&wp, kp, buf, sizeof(buf)),
                                       "cue amends, learned weight +"));
            }
            a_by_cue += ka1 == 1 && wa.stage == OG_INFER__STAGE_AMENDS;
            a_sow += ka1 == 0;
            /* tenant B: the cue as the platform learned it */
            assert_int_equal(kb1, kp == 1 ? 1 : kb1);
            assert_int_equal(wb.stage, wp.stage);
            free(d);
        }
    fprintf(stderr, "change orders moved by the cue: platform %d, tenant A %d (A: %d sow)\n",
            by_cue, a_by_cue, a_sow);
    assert_true(by_cue >= 4);
    assert_int_equal(a_by_cue, 0);
    assert_true(a_sow >= by_cue);
    for (int i = 0; i < 60; i++) {
        json_decref(va[i]);
        json_decref(vb[i]);
    }
    og_infer_doc_model_free(plat);
    og_infer_doc_model_free(own_a);
    og_infer_doc_model_free(own_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_shapes),
        cmocka_unit_test(test_writer_synth),
        cmocka_unit_test(test_writer2_synth),
        cmocka_unit_test(test_other_needs_evidence),
        cmocka_unit_test(test_second_stage),
        cmocka_unit_test(test_blend_lets_corrections_outweigh),
        cmocka_unit_test(test_held_out_writer),
        cmocka_unit_test(test_corrections_switch_the_cue_off),
        cmocka_unit_test(test_probs_of_two_models_read_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
