/* blind_corpus.h - the document classifier on a hand-written blind corpus (tests/data/infer/blind/,
 * blind2/ and blind3/, issue 21): every document of a folder classified, counted per language, per
 * kind and per confusion pair. Shared by tests/unit/infer/test_infer_blind.c and
 * bench/bench_infer.c. */
#ifndef OG_TEST_BLIND_CORPUS_H
#define OG_TEST_BLIND_CORPUS_H

#include "opsgate/infer.h"

#include <stdio.h>

enum { OG_BLIND_LANGS = 16, OG_BLIND_MISSES = 64, OG_BLIND_DOCS = 1000 };

/* The aim for documents whose templates the classifier never saw. */
#define OG_BLIND_AIM 0.95

typedef struct og_blind_miss {
    char name[64];
    int truth, taken; /* kind indices (og_infer_doc_kinds) */
    double confidence;
} og_blind_miss;

typedef struct og_blind_result {
    int docs, right, nlangs;
    char langs[OG_BLIND_LANGS][8];
    int lang_docs[OG_BLIND_LANGS], lang_right[OG_BLIND_LANGS];
    int kind_docs[OG_INFER_DOC_NKINDS], kind_right[OG_INFER_DOC_NKINDS];
    int confusion[OG_INFER_DOC_NKINDS][OG_INFER_DOC_NKINDS]; /* [truth][taken] */
    int nmisses;                                             /* the first OG_BLIND_MISSES kept */
    og_blind_miss misses[OG_BLIND_MISSES];
} og_blind_result;

/* Classify with m every document of dir, in name order: files <lang>-<kind>-<n>.<ext> (the kind
 * in the name is the truth; ext txt, md, html, htm or docx; README.* is not one), their text taken
 * as artifact indexing takes it (og_infer_doc_text). 0; OG_ENOTFOUND when dir is absent or holds no
 * document; OG_EINVAL for a name of no kind or too many languages, or a document that cannot be
 * read or gives under 40 bytes of text; OG_ETOOBIG for more than OG_BLIND_DOCS documents. */
int og_blind_eval(const og_infer_doc_model *m, const char *dir, og_blind_result *r);

/* Its accuracy as a fraction (0 for an empty result). */
double og_blind_accuracy(const og_blind_result *r);

/* Lines "<corpus>: ..." on out: overall with the aim and MET/MISSED, per language, per kind,
 * the confusion pairs (truth -> taken for: count) and, when name_misses, each missed document.
 * A held-back corpus (blind3) is printed with name_misses 0: counts only, so that nobody working
 * on the classifier learns which of its documents fail. */
void og_blind_print(FILE *out, const char *corpus, const og_blind_result *r, int name_misses);

/* The same facts as compact text for a table cell, into buf: what is "lang" (per language),
 * "kind" (per kind) or "pairs" (confusion pairs, "none" without any). */
void og_blind_cell(const og_blind_result *r, const char *what, char *buf, size_t size);

#endif
