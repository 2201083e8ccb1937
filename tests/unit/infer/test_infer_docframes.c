/* test_infer_docframes.c - issue 21 (h-infer14): the shape measures of structure that holds across
 * forms (conditional lines, lettered steps, a step table's header, approval labels, an e-mail's
 * header lines, signed percentages), in several languages, and the training corpus's frames (an
 * e-mail or a letter around a training document of any kind, doc_synth_frames.c). */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the measures' places in og_infer__doc_shape (after the 21 before them, in this order) */
enum { M_COND = 21, M_LETTERED, M_STEP_HEAD, M_APPROVAL, M_MAIL_HEAD, M_PCT_DELTA, M_N };

static int bucket_of(const char *text, int measure)
{
    int ids[OG_INFER__SHAPES], n = og_infer__doc_shape(text, strlen(text), ids, OG_INFER__SHAPES);
    assert_int_equal(n, M_N);
    for (int i = 0; i < n; i++)
        assert_true(ids[i] >= 0 && ids[i] < OG_INFER__SHAPES);
    return og_infer__doc_shape_bucket(ids, n, measure);
}

static void test_measures(void **state)
{
    (void)state;
    /* conditional lines in five languages, after a bullet or a number too */
    assert_int_equal(bucket_of("If the queue grows, restart it.\n"
                               "- Wenn der Dienst hängt, neu starten.\n"
                               "2. Si le disque est plein, purger.\n"
                               "Als de back-up faalt, bel de dienst.\n"
                               "Jeśli serwer nie działa, zadzwoń.\n",
                               M_COND),
                     3); /* five lines: bucket 4-7 */
    assert_int_equal(bucket_of("The service restarts if needed.\nWhen to use: never\n", M_COND),
                     1); /* "if" inside a line is no condition */
    assert_int_equal(bucket_of("Se entregará el informe.\nSiehe oben.\n", M_COND), 0);

    /* lettered steps; their commands count as commands in steps */
    const char *lettered = "a) Stop the service\n   $ systemctl stop app\nb) Copy /etc/app/x\n"
                           "c) Start it again\n";
    assert_int_equal(bucket_of(lettered, M_LETTERED), 2);
    assert_int_equal(bucket_of(lettered, 15), 2); /* commands in steps */
    assert_int_equal(bucket_of("e.g. nothing\nA.B. Meyer\n", M_LETTERED), 0);

    /* a step table's header: two cells that name a step, an action, a result or an owner */
    assert_int_equal(
        bucket_of("| Step | Action | Expected result | Owner |\n|---|---|---|---|\n", M_STEP_HEAD),
        1);
    assert_int_equal(bucket_of("| Schritt | Maßnahme | Ergebnis |\n", M_STEP_HEAD), 1);
    assert_int_equal(bucket_of("| Étape | Action | Résultat attendu |\n", M_STEP_HEAD), 1);
    assert_int_equal(bucket_of("| Item | Amount |\n| Step one | 100 |\n", M_STEP_HEAD), 0);

    /* approval labels, as "Label:" lines and a table's first cell */
    assert_int_equal(bucket_of("Approved by: K. Lee\nDate: 3 March 2026\nSignature: ______\n"
                               "Genehmigt von: A. Roth\n| Visa | M. Petit |\n",
                               M_APPROVAL),
                     3);
    assert_int_equal(bucket_of("Client: Acme\nDate: 3 March 2026\n", M_APPROVAL), 0);

    /* an e-mail's header lines count among the first ten lines only */
    assert_int_equal(bucket_of("Subject: new fee\nTo: Kim\nCc: desk\n\nHello Kim,\n", M_MAIL_HEAD),
                     2);
    assert_int_equal(bucket_of("Betreff: Umzug\nAn: Team\n", M_MAIL_HEAD), 2);
    assert_int_equal(bucket_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\nSubject: late\n", M_MAIL_HEAD), 0);
    assert_int_equal(bucket_of("Subject matter expert: Kim\n", M_MAIL_HEAD), 0);

    /* signed percentages: a price moved */
    assert_int_equal(bucket_of("Fees: +4 % from May\nLicences -10%\nVAT 20 %\n", M_PCT_DELTA), 2);
    assert_int_equal(bucket_of("Progress 80%\n", M_PCT_DELTA), 0);
}

/* the frames: deterministic, the same share of every kind, the document kept inside */
static void test_frames(void **state)
{
    (void)state;
    int framed[OG_INFER_DOC_NKINDS] = {0}, n = 120;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int i = 0; i < n; i++) {
            char *a = NULL, *b = NULL;
            OG_ASSERT_OK(og_infer_doc_synth(k, i % OG_INFER_DOC_FAMILIES, 900 + (uint64_t)i, &a));
            OG_ASSERT_OK(og_infer_doc_synth(k, i % OG_INFER_DOC_FAMILIES, 900 + (uint64_t)i, &b));
            assert_string_equal(a, b);
            free(b);
            b = strdup("Title line\nBody line one.\nBody line two.\n");
            assert_non_null(b);
            OG_ASSERT_OK(
                og_infer__synth_frame(k, i % OG_INFER_DOC_FAMILIES, i % 9, 900 + (uint64_t)i, &b));
            if (strcmp(b, "Title line\nBody line one.\nBody line two.\n") != 0) {
                framed[k]++;
                assert_non_null(strstr(b, "Title line\n"));
                assert_non_null(strstr(b, "\nBody line one.\nBody line two.\n"));
                assert_true(strlen(b) > 60);
            }
            free(a);
            free(b);
        }
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        fprintf(stderr, "framed %s: %d of %d\n", og_infer_doc_kinds[k], framed[k], n);
        /* 2 in 12 drawn: 20 of 120 expected, every kind alike */
        assert_true(framed[k] >= 8 && framed[k] <= 36);
    }
    /* an English e-mail frame names its subject and a greeting */
    int mail = 0;
    for (uint64_t seed = 0; seed < 200 && !mail; seed++) {
        char *b = strdup("Handover of the firewall\nAll items are delivered.\n");
        assert_non_null(b);
        OG_ASSERT_OK(og_infer__synth_frame(3, 0, 0, seed, &b));
        if (strncmp(b, "Subject: Handover of the firewall\nTo: ", 38) == 0) {
            mail = 1;
            assert_true(strstr(b, "Hello ") != NULL || strstr(b, "Dear ") != NULL);
            assert_int_equal(bucket_of(b, M_MAIL_HEAD), 2);
        }
        free(b);
    }
    assert_true(mail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measures),
        cmocka_unit_test(test_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
