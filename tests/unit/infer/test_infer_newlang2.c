/* test_infer_newlang2.c - issue 21's Hungarian, Slovak, Estonian, Lithuanian and Latvian (and
 * the Croatian and Slovenian terms): their letters folded, their terms (doc_lexicon_more2.c)
 * mapped to the shared concepts in inflected words (case endings, verb forms, compounds, the "~"
 * short stems), the second held-out new-language family (og_infer_doc_synth_newlang2) and a
 * floor for a model that never saw a document in any of them. */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "lexicon_words.h"
#include "synth_family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_fold_letters(void **state)
{
    (void)state;
    char out[128];
    /* Hungarian: á é í ó ö ő ú ü ű */
    fold_str("szerződés átadás-átvétel üzemeltetés űrlap", out, sizeof(out));
    assert_string_equal(out, "szerzodes atadas-atvetel uzemeltetes urlap");
    /* Slovak: ä ô ľ ĺ ŕ ť ď ň */
    fold_str("päť pôvodný ľahký kĺb vŕba ťah ďaleko ňou", out, sizeof(out));
    assert_string_equal(out, "pat povodny lahky klb vrba tah daleko nou");
    /* Estonian: õ ä ö ü š ž */
    fold_str("lõpparuanne üleandmine tööjuhend šokk žürii", out, sizeof(out));
    assert_string_equal(out, "lopparuanne uleandmine toojuhend sokk zurii");
    /* Lithuanian: ą č ę ė į š ų ū ž */
    fold_str("ąčęėįšųūž sąskaita užsakymas", out, sizeof(out));
    assert_string_equal(out, "aceeisuuz saskaita uzsakymas");
    /* Croatian and Slovenian: č ć đ š ž */
    fold_str("izvješće đak čćđšž", out, sizeof(out));
    assert_string_equal(out, "izvjesce dak ccdsz");
    /* Latvian: ā č ē ģ ī ķ ļ ņ š ū ž, capitals too */
    fold_str("āčēģīķļņšūž ĀĒĪŪ līgums", out, sizeof(out));
    assert_string_equal(out, "acegiklnsuz aeiu ligums");
}

/* Inflected forms as the grammars give them (folded), not taken from the held-out family: case
 * endings, plurals, verb forms and compounds. Every one must read its concept. */
static const struct {
    const char *word, *concept;
} inflected[] = {
    /* hu: cases (-ben, -et, -rol, -at), verb forms (atadtuk: we handed over), compounds */
    {"szerzodesben", "contract"},
    {"szerzodeset", "contract"},
    {"modositasa", "change"},
    {"atadasrol", "handover"},
    {"atadtuk", "handover"},
    {"jovahagyasat", "approval"},
    {"mentesrol", "backup"},
    {"ujrainditasa", "restart"},
    {"szamlat", "invoice"},
    {"koltsegek", "cost"},
    {"lepesek", "step"},
    {"kerdoivet", "survey"},
    {"szerzodesmodositas", "contract,change"},
    /* sk */
    {"zmluvy", "contract"},
    {"zmluvou", "contract"},
    {"dodatkom", "amendment"},
    {"odovzdania", "handover"},
    {"zalohovanie", "backup"},
    {"krokov", "step"},
    {"ponuky", "proposal"},
    {"pouzivatelov", "user"},
    {"sluzieb", "service"},
    {"zmenou", "change"},
    /* et: cases (-u, -ut, -ule, -st), plurals (-d, -te), "~" stems (kulu, arve, samm) */
    {"lepingu", "contract"},
    {"lepingut", "contract"},
    {"muudatuste", "change"},
    {"varukoopiast", "backup"},
    {"kulud", "cost"},
    {"kulude", "cost"},
    {"arved", "invoice"},
    {"arvete", "invoice"},
    {"sammud", "step"},
    {"hinnad", "fee"},
    {"teenuse", "service"},
    {"kasutajad", "user"},
    {"lopetati", "closure"},
    {"tarkvaramuudatus", "change"},
    {"andmevarukoopia", "backup"},
    /* lt: sutartis, sutarties, sutartį, sutartimi; "~" stems (kaina, įtaka) */
    {"sutartis", "contract"},
    {"sutarties", "contract"},
    {"sutartimi", "contract"},
    {"kaina", "fee"},
    {"kainos", "fee"},
    {"kainoje", "fee"},
    {"pakeitimo", "change"},
    {"ataskaitos", "report"},
    {"slaptazodzio", "password"},
    {"zingsniai", "step"},
    {"itakos", "impact"},
    /* lv: līgums, līguma, līgumu, izmaiņas, cenām, rēķina, pārskata */
    {"ligums", "contract"},
    {"ligumu", "contract"},
    {"izmainas", "change"},
    {"cenam", "fee"},
    {"rekina", "invoice"},
    {"parskata", "report"},
    {"solis", "step"},
    {"paroles", "password"},
    {"lietotaji", "user"},
    /* hr and sl (terms only, no held-out family) */
    {"ugovora", "contract"},
    {"promjene", "change"},
    {"zahtjeva", "request"},
    {"korisnici", "user"},
    {"lozinku", "password"},
    {"izvjesce", "report"},
    {"troskovi", "cost"},
    {"pogodbo", "contract"},
    {"spremembe", "change"},
    {"storitve", "service"},
    {"stroski", "cost"},
    {"porocilo", "report"},
    {"uporabniki", "user"},
    {"primopredaje", "handover"},
};

static void test_terms(void **state)
{
    (void)state;
    /* every concept of the table is one of the lexicon's */
    for (size_t i = 0; i < og_infer__lexicon_more2_n; i++) {
        int found = 0;
        for (int c = 0; og_infer__concept_name(c); c++)
            found |= strcmp(og_infer__concept_name(c), og_infer__lexicon_more2[i].name) == 0;
        if (!found)
            fail_msg("unknown concept %s", og_infer__lexicon_more2[i].name);
    }
    for (size_t i = 0; i < sizeof(inflected) / sizeof(inflected[0]); i++)
        if (strcmp(concepts_of(inflected[i].word), inflected[i].concept) != 0)
            fail_msg("%s: %s, not %s", inflected[i].word, concepts_of(inflected[i].word),
                     inflected[i].concept);
}

/* A "~" stem reads a case ending of three letters at most, and no longer word */
static void test_short_stems(void **state)
{
    (void)state;
    assert_string_equal(concepts_of("kain"), "fee");
    assert_string_equal(concepts_of("kainu"), "fee");
    assert_string_equal(concepts_of("kainoms"), "fee");
    assert_string_equal(concepts_of("kainuose"), "");
    assert_string_equal(concepts_of("kuludega"), "");
    assert_string_equal(concepts_of("arvestus"), "");
    /* the other tables' whole words and prefixes are as they were */
    assert_string_equal(concepts_of("pas"), "");
    assert_string_equal(concepts_of("samma"),
                        ""); /* Swedish "same": Estonian samm is whole words */
    assert_string_equal(concepts_of("tariffa"), "hourly-rate");
    assert_string_equal(concepts_of("sopimuksen"), "contract");
}

static void test_synth(void **state)
{
    (void)state;
    char *t = NULL;
    assert_string_equal(og_infer_doc_newlangs2[3], "lt");
    assert_null(og_infer_doc_newlangs2[OG_INFER_DOC_NEWLANGS2]);
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int l = 0; l < OG_INFER_DOC_NEWLANGS2; l++)
            for (uint64_t i = 0; i < 6; i++) {
                OG_ASSERT_OK(og_infer_doc_synth_newlang2(k, l, i, &t));
                assert_true(strlen(t) > 100);
                assert_null(strstr(t, "(null)"));
                free(t);
                t = NULL;
            }
    synth_family_contract(og_infer_doc_synth_newlang2, OG_INFER_DOC_NKINDS, OG_INFER_DOC_NEWLANGS2);
}

/* A model trained on every training family (none of them in these languages) classifies the
 * second new-language family: the honest figure for a language it has no document in. Measured
 * on 2026-12-07 (12 per kind and family, 8 per kind and language): 229 of 280 (hu 32, sk 30, et
 * 36, lt 28, lv 37, hr 32, sl 34; the closures and SOWs written as letters are taken for
 * "other"). The floors (percent) are the measure less a margin: 81 to 75 overall, 70 to 60 for
 * the worst language. */
#define FLOOR_ALL   75
#define FLOOR_WORST 60
static void test_held_out_new_languages2(void **state)
{
    (void)state;
    enum { EVAL = 8 };
    int right = 0, total = 0, worst = 100;
    og_infer_doc_model *m = synth_training_model(12);
    for (int l = 0; l < OG_INFER_DOC_NEWLANGS2; l++) {
        int r = 0, t = 0, per_kind[OG_INFER_DOC_NKINDS] = {0};
        for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
            for (int i = 0; i < EVAL; i++) {
                char *d = NULL;
                OG_ASSERT_OK(og_infer_doc_synth_newlang2(k, l, 300 + (uint64_t)i, &d));
                int p = og_infer_doc_predict(m, d, NULL);
                r += p == k;
                per_kind[k] += p == k;
                t++;
                free(d);
            }
        fprintf(stderr,
                "new language %s: %d / %d (sow %d, change-order %d, runbook %d, closure %d,"
                " other %d of %d each)\n",
                og_infer_doc_newlangs2[l], r, t, per_kind[0], per_kind[1], per_kind[2], per_kind[3],
                per_kind[4], EVAL);
        right += r;
        total += t;
        if (r * 100 / t < worst)
            worst = r * 100 / t;
    }
    fprintf(stderr, "new languages 2, all: %d / %d; worst language %d%%\n", right, total, worst);
    assert_true(right * 100 >= total * FLOOR_ALL);
    assert_true(worst >= FLOOR_WORST);
    og_infer_doc_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_letters),
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_short_stems),
        cmocka_unit_test(test_synth),
        cmocka_unit_test(test_held_out_new_languages2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
