/* test_infer_doclang.c - the document classifier in languages it has no labels in: accent
 * folding, the cross-lingual concepts of the lexicon, the shape of a document, a model trained
 * on English documents that classifies documents written here in German, Spanish, Dutch,
 * Italian and Portuguese (none of them from the benchmark's generator), the weights of the blocks
 * kept with a stored model, self-training's bound, and the multilingual training corpus (the
 * genres of "other" a model never saw). */
#include "og_test.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t fold_str(const char *s, char *out, size_t size)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        char f[3];
        size_t used, k = og_infer__fold((const unsigned char *)s + i, len - i, f, &used);
        for (size_t j = 0; j < k && n + 1 < size; j++)
            out[n++] = f[j];
        if (k == 0 && n + 1 < size)
            out[n++] = '_'; /* no letter */
        i += used;
    }
    out[n] = '\0';
    return n;
}

static void test_fold(void **state)
{
    (void)state;
    char out[64];
    fold_str("\xc3\x84nderungsantrag", out, sizeof(out));
    assert_string_equal(out, "anderungsantrag"); /* folded letters come lower case */
    fold_str("Stra\xc3\x9f"
             "e \xc5\x93uvre \xc3\xa9tape",
             out, sizeof(out));
    assert_string_equal(out, "Strasse oeuvre etape");
    fold_str("12\xc2\xa0"
             "345,00\xe2\x82\xac d\xe2\x80\x99"
             "exploitation",
             out, sizeof(out));
    assert_string_equal(out, "12_345,00_ d_exploitation");
    /* Latin Extended-A: Polish and Czech letters, the ligature */
    fold_str("Zamkni\xc4\x99"
             "cie \xc5\x81\xc3\xb3"
             "d\xc5\xba \xc5\x99\xc3\xadzen\xc3\xad \xc4\xb3",
             out, sizeof(out));
    assert_string_equal(out, "Zamkniecie lodz rizeni ij");
}

/* The concept of a word, -1 when none. */
static int concept_of(const char *w, int which)
{
    int ids[4], n = og_infer__concepts(w, strlen(w), ids, 4);
    return which < n ? ids[which] : -1;
}

static void test_concepts(void **state)
{
    (void)state;
    int change = concept_of("change", 0), request = concept_of("request", 0);
    int acceptance = concept_of("acceptance", 0), runbook = concept_of("runbook", 0);
    assert_true(change >= 0 && request >= 0 && acceptance >= 0 && runbook >= 0);
    assert_string_equal(og_infer__concept_name(change), "change");
    /* the same concept in other languages, inflected, and inside compounds */
    assert_int_equal(concept_of("abnahme", 0), acceptance);
    assert_int_equal(concept_of("collaudo", 0), acceptance);
    assert_int_equal(concept_of("aceptacion", 0), acceptance);
    assert_int_equal(concept_of("wijzigingen", 0), change);
    assert_int_equal(concept_of("anderungsantrag", 0), change);
    assert_int_equal(concept_of("anderungsantrag", 1), request);
    assert_int_equal(concept_of("betriebshandbuch", 0), runbook);
    assert_int_equal(concept_of("draaiboek", 0), runbook);
    /* Portuguese, and the concepts of correspondence */
    assert_int_equal(concept_of("aceitacao", 0), acceptance);
    assert_int_equal(concept_of("alteracao", 0), change);
    assert_string_equal(og_infer__concept_name(concept_of("encerramento", 0)), "closure");
    assert_string_equal(og_infer__concept_name(concept_of("manutencao", 0)), "maintenance");
    assert_string_equal(og_infer__concept_name(concept_of("relatorio", 0)), "report");
    assert_string_equal(og_infer__concept_name(concept_of("prezado", 0)), "greeting");
    assert_string_equal(og_infer__concept_name(concept_of("atenciosamente", 0)), "regards");
    assert_string_equal(og_infer__concept_name(concept_of("indisponivel", 0)), "downtime");
    /* Polish and Swedish (accent-folded), inflected and in compounds */
    assert_int_equal(concept_of("odbioru", 0), acceptance);
    assert_int_equal(concept_of("zmiany", 0), change);
    assert_int_equal(concept_of("andringsbegaran", 0), change);
    assert_int_equal(concept_of("andringsbegaran", 1), request);
    assert_string_equal(og_infer__concept_name(concept_of("zakonczenie", 0)), "closure");
    assert_string_equal(og_infer__concept_name(concept_of("projektavslut", 0)), "closure");
    assert_string_equal(og_infer__concept_name(concept_of("sakerhetskopian", 0)), "backup");
    /* English words left to English: "personal" is no staff, "controller" checks nothing */
    assert_int_equal(concept_of("personal", 0), -1);
    assert_int_equal(concept_of("controller", 0), -1);
    /* whole words only where a prefix would say too much */
    assert_int_equal(concept_of("log", 0), concept_of("logs", 0));
    assert_int_equal(concept_of("login", 0), -1);
    assert_int_equal(concept_of("according", 0), -1);
    assert_int_equal(concept_of("zzzz", 0), -1);
    assert_null(og_infer__concept_name(-1));
    assert_null(og_infer__concept_name(OG_INFER__CONCEPTS));
}

static void test_shape(void **state)
{
    (void)state;
    const char *text = "# Procedure\n1. Stop the service\n2. Run `backup --all`\n3. Restart\n"
                       "| item | amount |\n| a | 1.200,00 EUR |\nDate: 03.03.2026\n";
    int ids[OG_INFER__SHAPES], n = og_infer__doc_shape(text, strlen(text), ids, OG_INFER__SHAPES);
    assert_true(n > 10);
    /* measure s's bucket is ids[s] - 5 s: numbered lines 3 (bucket 2), table lines 2 (2), one
     * amount (1), one date (1), one command line (1) */
    assert_int_equal(ids[0] - 0, 1);  /* amounts */
    assert_int_equal(ids[1] - 5, 1);  /* dates */
    assert_int_equal(ids[2] - 10, 2); /* numbered lines */
    assert_int_equal(ids[4] - 20, 2); /* table lines */
    assert_int_equal(ids[6] - 30, 1); /* command lines */
    for (int i = 0; i < n; i++)
        assert_true(ids[i] >= 0 && ids[i] < OG_INFER__SHAPES);
    assert_int_equal(ids[15] - 75, 1); /* a command in a numbered step */
    assert_int_equal(og_infer__doc_shape("", 0, ids, OG_INFER__SHAPES), n);

    /* a letter (greeting, closing, an address) with numbered steps that run nothing */
    const char *letter = "From: desk@example.net\nDear Maria,\n\n1. Open the portal\n"
                         "2. Choose a password\n\nKind regards,\nLuca\n";
    assert_int_equal(og_infer__doc_shape(letter, strlen(letter), ids, OG_INFER__SHAPES), n);
    assert_int_equal(ids[13] - 65, 2); /* two short lines ending with a comma */
    assert_int_equal(ids[14] - 70, 1); /* one address */
    assert_int_equal(ids[15] - 75, 0); /* steps, but no command in them */
    assert_int_equal(ids[6] - 30, 0);
    /* a command under its step, a blank line between */
    const char *step = "1. Restart the service\n\n    $ systemctl restart nginx\n";
    og_infer__doc_shape(step, strlen(step), ids, OG_INFER__SHAPES);
    assert_int_equal(ids[15] - 75, 1);
    /* lettered steps are numbered ones, their commands commands in steps; initials are not */
    const char *lettered = "a) Stop the service\n   $ systemctl stop app\nB. Copy it\n"
                           "c) Start it again\nA.B. Meyer\ne.g. later\n";
    og_infer__doc_shape(lettered, strlen(lettered), ids, OG_INFER__SHAPES);
    assert_int_equal(ids[2] - 10, 2);  /* three steps */
    assert_int_equal(ids[15] - 75, 1); /* one command in a step */
}

/* Documents written for this test, one per kind and language: sow, change order, runbook,
 * closure, other. */
enum { NFOREIGN = 5 };
static const char *const foreign[NFOREIGN][OG_INFER_DOC_NKINDS] = {
    {"Leistungsbeschreibung\nLeistungsumfang: Migration der Server.\nHonorar: 8.000,00 EUR\n"
     "Meilensteine und Liefergegenstande werden schriftlich abgenommen.\n",
     "Nachtrag zum Vertrag\nGrund der \xc3\x84nderung: weitere Postfacher.\nMehrkosten: 1.200,00 "
     "EUR\n"
     "Die ursprungliche Vereinbarung bleibt sonst unverandert. Genehmigung durch den Kunden.\n",
     "Betriebshandbuch: Neustart\nVoraussetzung: Wartungsfenster.\n1. Dienst stoppen\n"
     "2. Sicherung pr\xc3\xbc"
     "fen\n3. Befehl ausfuhren\nRucksetzung bei Fehler, Eskalation an Bereitschaft.\n",
     "Projektabschluss\nAlle Lieferungen wurden abgenommen. Ubergabe an den Betrieb erfolgt.\n"
     "Erkenntnisse aus dem Projekt und offene Punkte. Unterschrift beider Parteien.\n",
     "Protokoll der Besprechung\nTeilnehmer: das Team. Neuigkeiten aus der Belegschaft,\n"
     "Urlaub und die Feier im Dezember. Bitte Passwort andern.\n"},
    {"Pliego de condiciones\nAlcance: migracion de servidores.\nPrecio: 8.000,00 EUR\n"
     "Los entregables y los hitos se aceptan por escrito.\n",
     "Adenda al contrato\nMotivo del cambio: buzones adicionales.\nCoste adicional: 1.200,00 EUR\n"
     "El acuerdo original no se modifica. Aprobacion del cliente.\n",
     "Manual de operaciones: reinicio\nRequisito previo: ventana de mantenimiento.\n"
     "1. Detener el servicio\n2. Comprobar la copia de seguridad\n3. Ejecutar el comando\n",
     "Informe de cierre del proyecto\nTodos los entregables fueron aceptados. Traspaso a "
     "operaciones.\nLecciones aprendidas y puntos pendientes. Firma de ambas partes.\n",
     "Acta de la reunion\nAsistentes: el equipo. Noticias para los empleados,\n"
     "vacaciones y la fiesta de diciembre. Cambie su contrasena.\n"},
    {"Werkomschrijving\nReikwijdte: migratie van servers.\nPrijs: 8.000,00 EUR\n"
     "Opleveringen en mijlpalen worden schriftelijk aanvaard.\n",
     "Wijzigingsverzoek\nReden van de wijziging: extra mailboxen.\nExtra kosten: 1.200,00 EUR\n"
     "De oorspronkelijke overeenkomst blijft verder gelijk. Goedkeuring door de klant.\n",
     "Draaiboek: herstart\nVereiste: onderhoudsvenster.\n1. Dienst stoppen\n"
     "2. Back-up controleren\n3. Opdracht uitvoeren\nTerugdraaien bij fouten, escaleren.\n",
     "Afsluiting van het project\nAlle opleveringen zijn aanvaard. Overdracht aan beheer.\n"
     "Lessen en openstaande punten. Handtekening van beide partijen.\n",
     "Notulen van de vergadering\nAanwezig: het team. Nieuws voor medewerkers,\n"
     "vakantie en het feest in december. Wijzig uw wachtwoord.\n"},
    {"Capitolato tecnico\nAmbito: migrazione dei server.\nCompenso: 8.000,00 EUR\n"
     "Le consegne e i traguardi sono accettati per iscritto.\n",
     "Emendamento al contratto\nMotivo della modifica: caselle aggiuntive.\nCosto aggiuntivo: "
     "1.200,00 EUR\nIl contratto originale resta invariato. Approvazione del cliente.\n",
     "Manuale operativo: riavvio\nPrerequisito: finestra di manutenzione.\n"
     "1. Arrestare il servizio\n2. Verificare il backup\n3. Eseguire il comando\n",
     "Chiusura del progetto\nTutte le consegne sono state accettate. Passaggio all'esercizio.\n"
     "Lezioni apprese e punti aperti. Firma di entrambe le parti.\n",
     "Verbale della riunione\nPresenti: il team. Notizie per i dipendenti,\n"
     "ferie e la festa di dicembre. Cambiate la password.\n"},
    {"Proposta t\xc3\xa9"
     "cnica e escopo\nEscopo: migra\xc3\xa7\xc3\xa3o dos servidores.\n"
     "Pre\xc3\xa7o: 8.000,00 EUR\nOs entreg\xc3\xa1veis e os marcos s\xc3\xa3o aceitos por "
     "escrito.\n",
     "Aditivo ao contrato\nMotivo da altera\xc3\xa7\xc3\xa3o: caixas postais adicionais.\n"
     "Custo adicional: 1.200,00 EUR\nO contrato original continua igual. Aprova\xc3\xa7\xc3\xa3o "
     "do cliente.\n",
     "Manual de opera\xc3\xa7\xc3\xa3o: rein\xc3\xad"
     "cio\nPr\xc3\xa9-requisito: janela de "
     "manuten\xc3\xa7\xc3\xa3o.\n1. Parar o servi\xc3\xa7o\n2. Verificar o backup\n"
     "3. Executar o comando\n",
     "Encerramento do projeto\nTodas as entregas foram aceitas. Repasse para a "
     "opera\xc3\xa7\xc3\xa3o."
     "\nLi\xc3\xa7\xc3\xb5"
     "es aprendidas e pend\xc3\xaancias. Assinatura das duas partes.\n",
     "Ata da reuni\xc3\xa3o\nPresentes: a equipe. Not\xc3\xad"
     "cias para os funcion\xc3\xa1rios,\n"
     "f\xc3\xa9rias e a festa de dezembro. Troque sua senha.\n"},
};

/* right per language of a model trained with opts on English documents only (the training
 * families as og_infer_doc_synth_meta() writes them, none of og_infer_doc_synth_lang()'s). */
static void foreign_right(const og_infer_doc_opts *opts, int right[NFOREIGN])
{
    enum { PER = 12 };
    char *texts[OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * PER];
    int kinds[OG_INFER_DOC_NKINDS * OG_INFER_DOC_FAMILIES * PER];
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth_meta(k, f, (uint64_t)i, &texts[n], NULL));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit_with(&m, (const char *const *)texts, kinds, n, NULL, 0, opts));
    for (int l = 0; l < NFOREIGN; l++) {
        right[l] = 0;
        for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
            right[l] += og_infer_doc_predict(m, foreign[l][k], NULL) == k;
    }
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    og_infer_doc_model_free(m);
}

/* Trained on English only, the concepts carry the kinds over to other languages; the n-grams
 * alone do not. */
static void test_languages_without_labels(void **state)
{
    (void)state;
    const og_infer_doc_opts ngrams = {0, 0, 0, 0, 0};
    int with[NFOREIGN], without[NFOREIGN], sum_with = 0, sum_without = 0;
    foreign_right(NULL, with);
    foreign_right(&ngrams, without);
    for (int l = 0; l < NFOREIGN; l++) {
        fprintf(stderr, "language %d: %d of 5 with the concepts, %d of 5 with n-grams only\n", l,
                with[l], without[l]);
        assert_true(with[l] >= 4);
        sum_with += with[l];
        sum_without += without[l];
    }
    assert_true(sum_with > sum_without);
}

/* A stored model keeps the weights of its blocks: loaded back it proposes the same; a model
 * stored before the blocks existed loads with none. */
static void test_model_keeps_its_blocks(void **state)
{
    (void)state;
    const char *texts[] = {foreign[0][0], foreign[0][2], "Statement of Work: scope and fees",
                           "Runbook: restart the service, step 1"};
    const int kinds[] = {0, 2, 0, 2};
    og_infer_doc_model *m = NULL, *back = NULL, *old = NULL;
    double a = 0, b = 0;
    OG_ASSERT_OK(og_infer_doc_fit(&m, texts, kinds, 4));
    json_t *dump = og_infer__doc_model_dump(m);
    json_t *blocks = json_object_get(dump, "blocks");
    assert_int_equal(json_array_size(blocks), 3);
    assert_true(json_number_value(json_array_get(blocks, 0)) > 0);
    OG_ASSERT_OK(og_infer__doc_model_load(dump, &back));
    assert_int_equal(og_infer_doc_predict(m, foreign[1][2], &a),
                     og_infer_doc_predict(back, foreign[1][2], &b));
    assert_true(a == b);
    json_object_del(dump, "blocks");
    OG_ASSERT_OK(og_infer__doc_model_load(dump, &old));
    assert_true(og_infer_doc_predict(old, foreign[1][2], &b) >= 0);
    json_decref(dump);
    og_infer_doc_model_free(m);
    og_infer_doc_model_free(back);
    og_infer_doc_model_free(old);
}

/* Self-training takes confident unlabelled documents, at most self_share per labelled one. */
static void test_self_training_is_bounded(void **state)
{
    (void)state;
    enum { PER = 4 };
    char *texts[OG_INFER_DOC_NKINDS * 2 * PER], *unl[OG_INFER_DOC_NKINDS * 4];
    int kinds[OG_INFER_DOC_NKINDS * 2 * PER];
    size_t n = 0, nu = 0;
    og_infer_doc_opts o = og_infer_doc_opts_default;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
        for (int f = 0; f < 2; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
        for (int i = 0; i < 4; i++)
            OG_ASSERT_OK(og_infer_doc_synth(k, 2 + i % 3, 100 + (uint64_t)i, &unl[nu++]));
    }
    o.self_min = 0.3;
    o.self_share = 0.25;
    OG_ASSERT_OK(og_infer_doc_fit_with(&m, (const char *const *)texts, kinds, n,
                                       (const char *const *)unl, nu, &o));
    fprintf(stderr, "self-training took %zu of %zu\n", og_infer_doc_model_pseudo(m), nu);
    assert_true(og_infer_doc_model_pseudo(m) > 0);
    assert_true(og_infer_doc_model_pseudo(m) <= (size_t)(0.25 * (double)n));
    og_infer_doc_model_free(m);
    /* off: none taken */
    o.self_min = 0;
    OG_ASSERT_OK(og_infer_doc_fit_with(&m, (const char *const *)texts, kinds, n,
                                       (const char *const *)unl, nu, &o));
    assert_int_equal(og_infer_doc_model_pseudo(m), 0);
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    for (size_t i = 0; i < nu; i++)
        free(unl[i]);
}

/* The multilingual corpus: every kind, family and language has documents; half of what
 * og_infer_doc_synth() gives comes from it; bad arguments are refused. */
static void test_synth_languages(void **state)
{
    (void)state;
    char *t = NULL, *u = NULL;
    int differ = 0;
    assert_int_equal(OG_INFER_DOC_NLANGS, 9);
    assert_string_equal(og_infer_doc_langs[6], "pt");
    assert_string_equal(og_infer_doc_langs[7], "pl");
    assert_string_equal(og_infer_doc_langs[8], "sv");
    assert_null(og_infer_doc_langs[OG_INFER_DOC_NLANGS]);
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < OG_INFER_DOC_FAMILIES; f++)
            for (int l = 0; l < OG_INFER_DOC_NLANGS; l++) {
                OG_ASSERT_OK(og_infer_doc_synth_lang(k, f, l, 3, &t));
                assert_true(strlen(t) > 100);
                free(t);
            }
    /* the genres of "other" differ between families */
    OG_ASSERT_OK(og_infer_doc_synth_lang(4, 0, 0, 1, &t));
    OG_ASSERT_OK(og_infer_doc_synth_lang(4, 1, 0, 1, &u));
    assert_true(strcspn(t, "\n") != strcspn(u, "\n") || strncmp(t, u, strcspn(t, "\n")) != 0);
    free(t);
    free(u);
    for (uint64_t i = 0; i < 60; i++) {
        OG_ASSERT_OK(og_infer_doc_synth(4, 2, i, &t));
        OG_ASSERT_OK(og_infer_doc_synth_meta(4, 2, i, &u, NULL));
        differ += strcmp(t, u) != 0;
        free(t);
        free(u);
    }
    assert_true(differ >= 15 && differ <= 45);
    assert_int_equal(og_infer_doc_synth_lang(0, 0, OG_INFER_DOC_NLANGS, 1, &t), OG_EINVAL);
    assert_null(t);
    assert_int_equal(og_infer_doc_synth_lang(OG_INFER_DOC_NKINDS, 0, 0, 1, &t), OG_EINVAL);
    assert_int_equal(og_infer_doc_synth_lang(0, OG_INFER_DOC_FAMILIES, 0, 1, &t), OG_EINVAL);
}

/* The honest proxy for a language the classifier never saw: for each language but English,
 * a model trained on og_infer_doc_synth_lang()'s documents of every family in the eight other
 * languages classifies that language's documents (its words only through the lexicon's
 * concepts, the shared n-grams and the shape). A real kind taken for "other" is counted apart,
 * as it is what unfamiliar words did to the blind corpora. Measured on 2026-12-07: 398 of 400
 * (every language 50 of 50 but Polish, 48), 2 of 320 real kinds taken for "other". It flatters:
 * the kinds' texts are the same five sentences per language in every family, and the Polish and
 * Swedish terms were written together with those texts. The floors (percent) are a little under
 * the measure. */
#define FLOOR_ALL      97
#define FLOOR_WORST    90
#define FLOOR_TO_OTHER 3
static void test_held_out_language(void **state)
{
    (void)state;
    enum { PER = 3, TEST = 2 };
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES, nl = OG_INFER_DOC_NLANGS;
    int right = 0, total = 0, to_other = 0, kinds_total = 0, worst = 100;
    for (int x = 1; x < nl; x++) {
        size_t cap = (size_t)(nk * nf * (nl - 1) * PER), n = 0;
        char **texts = calloc(cap, sizeof(*texts));
        int *kinds = calloc(cap, sizeof(*kinds)), r = 0, t = 0;
        og_infer_doc_model *m = NULL;
        assert_non_null(texts);
        assert_non_null(kinds);
        for (int k = 0; k < nk; k++)
            for (int f = 0; f < nf; f++)
                for (int l = 0; l < nl; l++)
                    for (int i = 0; i < PER && l != x; i++) {
                        OG_ASSERT_OK(og_infer_doc_synth_lang(k, f, l, 40 + (uint64_t)i, &texts[n]));
                        kinds[n++] = k;
                    }
        OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
        for (int k = 0; k < nk; k++)
            for (int f = 0; f < nf; f++)
                for (int i = 0; i < TEST; i++) {
                    char *d = NULL;
                    OG_ASSERT_OK(og_infer_doc_synth_lang(k, f, x, 900 + (uint64_t)i, &d));
                    int p = og_infer_doc_predict(m, d, NULL);
                    r += p == k;
                    t++;
                    if (k != nk - 1) {
                        to_other += p == nk - 1;
                        kinds_total++;
                    }
                    free(d);
                }
        fprintf(stderr, "held-out language %s: %d / %d\n", og_infer_doc_langs[x], r, t);
        right += r;
        total += t;
        if (r * 100 / t < worst)
            worst = r * 100 / t;
        og_infer_doc_model_free(m);
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
        free(texts);
        free(kinds);
    }
    fprintf(stderr,
            "held-out language, all: %d / %d; real kinds taken for other: %d / %d; worst"
            " language %d%%\n",
            right, total, to_other, kinds_total, worst);
    assert_true(right * 100 >= total * FLOOR_ALL);
    assert_true(worst >= FLOOR_WORST);
    assert_true(to_other * 100 <= kinds_total * FLOOR_TO_OTHER);
}

/* Trained on families 0-2, the classifier gets most documents of the genres of "other" of
 * families 3 and 4 (an e-mail asking for a change, a newsletter, a backup report, a quote, an
 * incident report, an invitation: genres it never saw) right in every language, and the other
 * kinds of those families. Measured 37 of 42 (0.88; the quote for laptops, a money table
 * beside the word offer, is taken for a statement of work) and 168 of 168: the floors are a
 * little under that. */
static void test_unseen_genres(void **state)
{
    (void)state;
    enum { PER = 24 };
    char *texts[OG_INFER_DOC_NKINDS * 3 * PER];
    int kinds[OG_INFER_DOC_NKINDS * 3 * PER], right = 0, total = 0, kright = 0, ktotal = 0;
    size_t n = 0;
    og_infer_doc_model *m = NULL;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 0; f < 3; f++)
            for (int i = 0; i < PER; i++) {
                OG_ASSERT_OK(og_infer_doc_synth(k, f, (uint64_t)i, &texts[n]));
                kinds[n++] = k;
            }
    OG_ASSERT_OK(og_infer_doc_fit(&m, (const char *const *)texts, kinds, n));
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int f = 3; f < OG_INFER_DOC_FAMILIES; f++)
            for (int l = 0; l < OG_INFER_DOC_NLANGS; l++)
                for (uint64_t i = 0; i < 3; i++) {
                    char *t = NULL;
                    OG_ASSERT_OK(og_infer_doc_synth_lang(k, f, l, 500 + i, &t));
                    int p = og_infer_doc_predict(m, t, NULL);
                    if (k == OG_INFER_DOC_NKINDS - 1) {
                        right += p == k;
                        total++;
                    } else {
                        kright += p == k;
                        ktotal++;
                    }
                    free(t);
                }
    fprintf(stderr, "unseen genres of other: %d / %d right; other kinds: %d / %d\n", right, total,
            kright, ktotal);
    assert_true(right * 100 >= total * 78);
    assert_true(kright * 100 >= ktotal * 97);
    og_infer_doc_model_free(m);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_concepts),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_languages_without_labels),
        cmocka_unit_test(test_model_keeps_its_blocks),
        cmocka_unit_test(test_self_training_is_bounded),
        cmocka_unit_test(test_synth_languages),
        cmocka_unit_test(test_unseen_genres),
        cmocka_unit_test(test_held_out_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
