/* test_infer_blind.c - the document classifier on the blind corpora (issue 21): documents of MSPs
 * written without seeing the lexicon or the synthetic corpus's templates, each corpus by another
 * writer (their READMEs say how): tests/data/infer/blind/ (50 documents, seven languages, plain
 * text), tests/data/infer/blind2/ (60 documents, nine languages, text, Markdown, HTML and
 * DOCX) and tests/data/infer/blind3/ (60 documents, eleven languages, the same formats; held
 * back: written by a third writer after blind2 had steered the classifier, and printed as counts
 * only, never which of its documents fail). The platform kind model is trained as the benchmark's
 * hard rows train it: every training family, 40 documents per kind and family from
 * og_infer_doc_synth() (seed 7), which is no longer English only - about half of them come from
 * og_infer_doc_synth_lang() in one of its nine languages (English, German, French, Spanish, Dutch,
 * Italian, Portuguese, Polish, Swedish). Every document is classified as artifact indexing reads
 * it, and the accuracy printed per corpus, language and kind with the confusion pairs and the
 * issue's aim (0.95) MET or MISSED. Each corpus has a regression floor. */
#include "og_test.h"
#include "blind_corpus.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PER = 40, SEED = 7 };

/* A regression floor, not the aim. Issue 21 aims at >= 0.95 on documents whose templates the
 * classifier never saw. Each corpus's floor is what the classifier measured there on 2026-12-07
 * after "other" had to be earned (main at 0c688f6), less a margin; the aim is MISSED on blind2
 * and blind3.
 * blind measured 49 of 50 = 0.980 (it was 44 of 50 with the English-only training corpus of the
 * morning); its floor is that less 0.04 (two documents).
 * blind2 measured 55 of 60 = 0.917 (39 of 60 at 3bdc74d); its floor is that less 0.03 (one
 * document may go, not two).
 * blind3, held back (written after the others, by a writer who saw no classifier code nor other
 * corpus; nobody working on the classifier has seen its documents), measured 53 of 60 = 0.883
 * (46 of 60 with the classifier of 3b1fd3b; Czech 2 of 3, Danish 3 of 4); its floor is that less
 * 0.03. A change of the model that loses documents here fails; raise a floor when the classifier
 * gets better, never lower it to pass. */
static const struct {
    const char *corpus;
    double measured, margin;
    int named; /* 0: a held-back corpus, its missed documents are not printed */
} corpora[] = {
    {"blind", 49.0 / 50, 0.04, 1},
    {"blind2", 55.0 / 60, 0.03, 1},
    {"blind3", 53.0 / 60, 0.03, 0},
};

static void test_blind_corpora__stay_above_their_floors(void **state)
{
    (void)state;
    const char *src = getenv("OG_SOURCE_DIR");
    if (!src) {
        fprintf(stderr, "skipped: OG_SOURCE_DIR is not set, no blind corpus to read\n");
        skip();
    }
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

    int evaluated = 0, below = 0;
    for (size_t c = 0; c < sizeof(corpora) / sizeof(corpora[0]); c++) {
        char dir[1200];
        og_blind_result r;
        snprintf(dir, sizeof(dir), "%s/tests/data/infer/%s", src, corpora[c].corpus);
        int rc = og_blind_eval(m, dir, &r);
        if (rc == OG_ENOTFOUND) {
            fprintf(stderr, "%s: skipped: %s\n", corpora[c].corpus, og_error_last());
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", corpora[c].corpus, og_error_last());
        og_blind_print(stderr, corpora[c].corpus, &r, corpora[c].named);
        double acc = og_blind_accuracy(&r), floor = corpora[c].measured - corpora[c].margin;
        fprintf(stderr, "%s: regression floor %.2f (measured %.3f less %.2f): %s\n",
                corpora[c].corpus, floor, corpora[c].measured, corpora[c].margin,
                acc >= floor - 1e-9 ? "kept" : "FELL BELOW");
        below += acc < floor - 1e-9;
        evaluated++;
    }
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    if (evaluated == 0) {
        fprintf(stderr, "skipped: no blind corpus under %s/tests/data/infer\n", src);
        skip();
    }
    assert_int_equal(below, 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    OG_ASSERT_OK(og_file_write_atomic(path, text, strlen(text), 0600));
}

/* What the corpus reader takes for a document and what it refuses, on a small folder: a README is
 * no document, a name of no kind and a document with no text are refused, an empty or missing
 * folder is OG_ENOTFOUND (the corpus test skips it), a document taken for another kind is one
 * confusion pair, named when printed unless the corpus is held back. */
static void test_blind_reader__skips_readmes_and_refuses_unlabelled_or_empty_documents(void **state)
{
    (void)state;
    const char *letter = "Dear client, thank you for your payment. Our offices close on 24 "
                         "December and open again on 4 January. Kind regards, the accounts team";
    char *texts[2 * OG_INFER_DOC_FAMILIES * 4];
    int kinds[2 * OG_INFER_DOC_FAMILIES * 4], rk[2] = {0, og_infer_doc_kind_index("other")};
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < 2; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < 4; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(rk[k], f, SEED + (uint64_t)i, &texts[n]));
                kinds[n++] = rk[k];
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    char *dir = og_test_tmpdir(), missing[1200];
    og_blind_result r;
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(og_blind_eval(m, missing, &r), OG_ENOTFOUND);
    put(dir, "README.md", "# not a document\n");
    assert_int_equal(og_blind_eval(m, dir, &r), OG_ENOTFOUND);

    put(dir, "en-other-1.txt", letter);
    put(dir, "en-sow-1.md", letter); /* the same letter labelled sow: taken for other */
    put(dir, "notes.csv", "a,b\n");  /* no document extension: not read */
    OG_ASSERT_OK(og_blind_eval(m, dir, &r));
    assert_int_equal(r.docs, 2);
    assert_int_equal(r.nlangs, 1);
    assert_string_equal(r.langs[0], "en");
    assert_int_equal(r.right + r.nmisses, 2);
    int sow = og_infer_doc_kind_index("sow"), taken = r.nmisses ? r.misses[0].taken : -1;
    assert_int_equal(r.kind_docs[sow], 1);
    if (taken >= 0) /* a miss is counted as its pair */
        assert_int_equal(r.confusion[r.misses[0].truth][taken], 1);
    char cell[256];
    og_blind_cell(&r, "kind", cell, sizeof(cell));
    assert_non_null(strstr(cell, "sow "));
    og_blind_cell(&r, "pairs", cell, sizeof(cell));
    assert_true(r.nmisses ? strstr(cell, " -> ") != NULL : strcmp(cell, "none") == 0);
    /* a held-back corpus is printed as counts: the missed document is not named */
    for (int named = 0; named < 2; named++) {
        char *printed = NULL;
        size_t plen = 0;
        FILE *out = open_memstream(&printed, &plen);
        assert_non_null(out);
        og_blind_print(out, "tiny", &r, named);
        assert_int_equal(fclose(out), 0);
        assert_non_null(strstr(printed, "tiny: all "));
        if (r.nmisses) {
            assert_int_equal(strstr(printed, "en-sow-1.md") != NULL, named);
            assert_int_equal(strstr(printed, "not named") != NULL, !named);
        }
        free(printed);
    }

    put(dir, "en-brochure-1.txt", letter); /* no such kind */
    assert_int_equal(og_blind_eval(m, dir, &r), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "brochure is no kind"));
    char path[1200];
    snprintf(path, sizeof(path), "%s/en-brochure-1.txt", dir);
    assert_int_equal(remove(path), 0);
    put(dir, "en-closure-1.html", "<html><body><p>ok</p></body></html>"); /* no text to speak of */
    assert_int_equal(og_blind_eval(m, dir, &r), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "bytes of text read"));

    og_test_rmrf(dir);
    free(dir);
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_blind_reader__skips_readmes_and_refuses_unlabelled_or_empty_documents),
        cmocka_unit_test(test_blind_corpora__stay_above_their_floors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
