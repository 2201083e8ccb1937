/* bench_infer.c - the inference step's evaluation table: the replay generator's decisions (a
 * planted pattern: deploys to HAProxy targets at 02:00 UTC fail or are overridden 30% of the
 * time, 2% otherwise) train the models (liblinear) on 2,000 decisions; then on fresh actions
 * drawn the same way, the threshold that raises at most 5% of the rest must catch at least 90%
 * of the risky pattern (PASS/FAIL), and the held-out report of the recorded decisions gives the
 * ROC AUC. Quality, not time: nothing here is timed but the history lookups.
 *
 * The document classifier: trained on synthetic documents of some template families per kind
 * (og_infer_doc_synth), evaluated on documents of families it never saw, in two splits; accuracy
 * per kind and overall must reach 0.95 (PASS/FAIL). And the cost of a kind's and a target's
 * history per analysis: the counter rows (infer_counts) against the COUNT over the kind's
 * recorded actions they replaced.
 *
 * The hard held-out families (German, French, tables, OCR-like noise: og_infer_doc_synth_meta)
 * are reported per family against the same goal, and the metadata per field: the rules against
 * the learned model (og_infer_doc_meta_fit) on fresh and hard held-out documents. The blind
 * corpora (tests/data/infer/blind/ in seven languages, blind2/ in nine and blind3/ in eleven,
 * hand-written by three writers) are reported beside them, each per language, per kind and with
 * its confusion pairs (never per document).
 *
 * Environment: OG_BENCH_INFER_TRAIN (default 2000), OG_BENCH_INFER_EVAL (default 4000),
 * OG_BENCH_INFER_SEED (default 7), OG_BENCH_INFER_DOCS_ONLY (1: the document tables only; 2:
 * without the metadata's; 3: the held-out writers' and the held-out "other" family's rows alone;
 * 4: the held-out forms' rows alone; 5: the diagnosis of the second writer's SOWs, below; 6:
 * the second new-language family's rows alone), OG_BENCH_INFER_FORMS (N: one in N of the training
 * change orders, runbooks and closures in h-infer11's everyday forms, og_infer__synth_forms_share;
 * default 0, none). */
#include "blind_corpus.h"
#include "infer/infer_internal.h" /* the diagnosis: og_infer__doc_explain, the forms switch */
#include "opsgate/crypto.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 2026-01-05 00:00 UTC */
#define START_US ((int64_t)1767571200 * 1000000)

static void die(const char *what)
{
    fprintf(stderr, "bench_infer: %s: %s\n", what, og_error_last());
    exit(1);
}

/* fmt's text appended to buf (size bytes, NUL-terminated), cut at its end */
__attribute__((format(printf, 3, 4))) static void cat(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static long env_num(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The synthetic training documents: per documents of every kind and of every family not in skip
 * (a bit set), seeds from seed on. *texts and *kinds: caller frees (texts_free). */
static size_t synth_set(unsigned skip, int per, uint64_t seed, char ***texts, int **kinds)
{
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES;
    size_t n = 0;
    *texts = calloc((size_t)(nk * nf * per), sizeof(char *));
    *kinds = calloc((size_t)(nk * nf * per), sizeof(int));
    if (!*texts || !*kinds)
        die("out of memory");
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++)
            for (int i = 0; !(skip & (1u << f)) && i < per; i++) {
                if (og_infer_doc_synth(k, f, seed + (uint64_t)i, &(*texts)[n]) < 0)
                    die("synth");
                (*kinds)[n++] = k;
            }
    return n;
}

static void texts_free(char **texts, int *kinds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(kinds);
}

/* Train on the families not in held (a bit set), evaluate on those in it: the row per kind. */
static int doc_split(unsigned held, int per_family, uint64_t seed, double *overall)
{
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES;
    char **texts = NULL;
    int *kinds = NULL, right[OG_INFER_DOC_NKINDS] = {0}, total[OG_INFER_DOC_NKINDS] = {0}, allr = 0,
        all = 0;
    size_t n = synth_set(held, per_family, seed, &texts, &kinds);
    og_infer_doc_model *m = NULL;
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("doc fit");
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++)
            for (int i = 0; (held & (1u << f)) && i < per_family; i++) {
                char *t = NULL;
                if (og_infer_doc_synth(k, f, seed + 7919 + (uint64_t)i, &t) < 0)
                    die("synth");
                int p = og_infer_doc_predict(m, t, NULL);
                right[k] += p == k;
                total[k]++;
                free(t);
            }
    for (int k = 0; k < nk; k++) {
        printf("| held-out families %s%s: %s | %d / %d = %.3f | >= 0.95 |\n", held & 1 ? "0" : "",
               held & 1 ? ",1" : "3,4", og_infer_doc_kinds[k], right[k], total[k],
               total[k] ? (double)right[k] / total[k] : 0);
        allr += right[k];
        all += total[k];
    }
    *overall = all ? (double)allr / all : 0;
    printf("| held-out families %s: all kinds (trained on %zu) | %d / %d = %.3f | >= 0.95 |\n",
           held & 1 ? "0,1" : "3,4", n, allr, all, *overall);
    texts_free(texts, kinds, n);
    og_infer_doc_model_free(m);
    return *overall >= 0.95;
}

/* The documents docgen's built-in templates make from the shipped sample (a template family
 * the classifier never saw), in every format, through the text reader as uploads go. */
static int docgen_rows(uint64_t seed)
{
    int allr = 0, all = 0, *kinds = NULL;
    char **texts = NULL;
    size_t n = synth_set(0, 60, seed, &texts, &kinds);
    og_infer_doc_model *m = NULL;
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("doc fit");
    for (int k = OG_DOC_SOW; k <= OG_DOC_CLOSURE; k++) {
        json_t *data = NULL, *base = NULL;
        int right = 0, total = 0;
        char got[96] = "";
        if (og_docgen_sample((og_doc_kind)k, &data, &base) < 0)
            die("docgen sample");
        for (int f = OG_DOC_MD; f <= OG_DOC_DOCX; f++) {
            og_buf out;
            og_tmpl_error terr;
            og_docgen_input in = {
                .kind = (og_doc_kind)k, .format = (og_doc_format)f, .data = data, .baseline = base};
            char *t = NULL;
            og_buf_init(&out, (size_t)64 << 20);
            if (og_docgen_generate(&out, &in, NULL, &terr) < 0 ||
                og_infer_doc_text(out.data, out.len, NULL, &t) < 0)
                die("docgen document");
            int p = og_infer_doc_predict(m, t, NULL);
            right += p == og_infer_doc_kind_index(og_doc_kind_name((og_doc_kind)k));
            total++;
            cat(got, sizeof(got), "%s%s", f ? ", " : "", og_infer_doc_kinds[p]);
            free(t);
            og_buf_free(&out);
        }
        printf("| docgen built-in %s (md, html, pdf, docx: %s) | %d / %d | all |\n",
               og_doc_kind_name((og_doc_kind)k), got, right, total);
        allr += right;
        all += total;
        json_decref(data);
        json_decref(base);
    }
    texts_free(texts, kinds, n);
    og_infer_doc_model_free(m);
    return allr * 100 >= all * 95;
}

static const char *const hard_names[OG_INFER_DOC_HARD] = {
    "German (dotted dates, 12.345,00 EUR)", "French (3 mars 2026, 12 345,00 EUR)",
    "English tables, other kinds' sentences", "English OCR-like noise, labels without colons"};

/* right[h][k]: the documents of hard family h and kind k (per of each) m classifies right. */
static void hard_eval(const og_infer_doc_model *m, uint64_t seed, int per,
                      int right[OG_INFER_DOC_HARD][OG_INFER_DOC_NKINDS])
{
    for (int h = 0; h < OG_INFER_DOC_HARD; h++)
        for (int k = 0; k < OG_INFER_DOC_NKINDS; k++) {
            right[h][k] = 0;
            for (int i = 0; i < per; i++) {
                char *t = NULL;
                if (og_infer_doc_synth_meta(k, OG_INFER_DOC_FAMILIES + h, seed + 7919 + (uint64_t)i,
                                            &t, NULL) < 0)
                    die("synth hard");
                right[h][k] += og_infer_doc_predict(m, t, NULL) == k;
                free(t);
            }
        }
}

/* Unlabelled documents of the hard families for self-training: per of each kind and family, of
 * other seeds than the evaluated ones (a tenant's uploads nobody labelled). */
static size_t hard_unlabelled(uint64_t seed, int per, char ***out)
{
    size_t n = 0;
    *out = calloc((size_t)(OG_INFER_DOC_HARD * OG_INFER_DOC_NKINDS * per), sizeof(char *));
    for (int h = 0; *out && h < OG_INFER_DOC_HARD; h++)
        for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
            for (int i = 0; i < per; i++)
                if (og_infer_doc_synth_meta(k, OG_INFER_DOC_FAMILIES + h,
                                            seed + 30000 + (uint64_t)i, &(*out)[n++], NULL) < 0)
                    die("synth hard");
    return n;
}

/* Which features carry a model trained on the training families over to the hard families: each
 * configuration's accuracy per family. Returns the overall accuracy of the default. */
static double hard_ablation(char **texts, int *kinds, size_t n, uint64_t seed, int per)
{
    const og_infer_doc_opts d = og_infer_doc_opts_default;
    const struct {
        const char *name;
        og_infer_doc_opts o;
        int self;
    } rows[] = {
        {"n-grams only (accent-folded): the model before", {0, 0, 0, 0, 0}, 0},
        {"n-grams + shape", {0, 0, d.shape, 0, 0}, 0},
        {"n-grams + title concepts", {0, d.title, 0, 0, 0}, 0},
        {"n-grams + concepts", {d.concepts, 0, 0, 0, 0}, 0},
        {"n-grams + concepts, title, shape (the default)", {d.concepts, d.title, d.shape, 0, 0}, 0},
        {"n-grams only + self-training", {0, 0, 0, 0.9, 0.5}, 1},
        {"the default + self-training", {d.concepts, d.title, d.shape, 0.9, 0.5}, 1},
    };
    char **unl = NULL;
    size_t nu = hard_unlabelled(seed, 20, &unl);
    double dflt = 0;
    printf("\n| kind model trained on %zu documents (families 0-4, half in 7 languages) | German |"
           " French |"
           " English tables | English OCR noise | all (goal >= 0.95) |\n",
           n);
    printf("|---|---|---|---|---|---|\n");
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        og_infer_doc_model *m = NULL;
        int right[OG_INFER_DOC_HARD][OG_INFER_DOC_NKINDS], allr = 0, all = 0;
        char name[160];
        if (og_infer_doc_fit_with(&m, (const char *const *)texts, kinds, n,
                                  (const char *const *)unl, rows[r].self ? nu : 0, &rows[r].o) < 0)
            die("doc fit");
        hard_eval(m, seed, per, right);
        snprintf(name, sizeof(name), "%s", rows[r].name);
        if (rows[r].self)
            cat(name, sizeof(name), " (%zu of %zu unlabelled taken)", og_infer_doc_model_pseudo(m),
                nu);
        printf("| %s |", name);
        for (int h = 0; h < OG_INFER_DOC_HARD; h++) {
            int rh = 0;
            for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
                rh += right[h][k];
            printf(" %.3f |", (double)rh / (OG_INFER_DOC_NKINDS * per));
            allr += rh;
            all += OG_INFER_DOC_NKINDS * per;
        }
        printf(" %.3f %s |\n", (double)allr / all, allr * 100 >= all * 95 ? "met" : "MISSED");
        if (r == 4)
            dflt = (double)allr / all;
        og_infer_doc_model_free(m);
    }
    for (size_t i = 0; i < nu; i++)
        free(unl[i]);
    free(unl);
    return dflt;
}

/* The blind corpora (tests/data/infer/blind/, blind2/ and blind3/, under OG_SOURCE_DIR or the
 * working folder; issue 21): hand-written documents, each corpus by another writer, written without
 * seeing the lexicon or these templates, classified by m (tests/support/blind_corpus.c); per corpus
 * its accuracy beside the 0.95 aim (MET or MISSED), per language, per kind and the confusion pairs
 * (reported, not in the result). */
static void blind_rows(const og_infer_doc_model *m)
{
    static const char *const corpora[] = {"blind", "blind2", "blind3"};
    const char *src = getenv("OG_SOURCE_DIR");
    for (size_t c = 0; c < sizeof(corpora) / sizeof(corpora[0]); c++) {
        char dir[1024], lang[512], kind[256], pairs[1024];
        og_blind_result r;
        snprintf(dir, sizeof(dir), "%s%stests/data/infer/%s", src ? src : "", src ? "/" : "",
                 corpora[c]);
        int rc = og_blind_eval(m, dir, &r);
        if (rc == OG_ENOTFOUND) {
            printf("| %s corpus (%s) | - | >= 0.95 |\n", corpora[c], og_error_last());
            continue;
        }
        if (rc < 0)
            die("blind corpus");
        og_blind_cell(&r, "lang", lang, sizeof(lang));
        og_blind_cell(&r, "kind", kind, sizeof(kind));
        og_blind_cell(&r, "pairs", pairs, sizeof(pairs));
        double acc = og_blind_accuracy(&r);
        printf("| %s corpus, hand-written (%d languages) | %d / %d = %.3f | >= 0.95: %s |\n",
               corpora[c], r.nlangs, r.right, r.docs, acc, acc >= OG_BLIND_AIM ? "MET" : "MISSED");
        printf("| %s per language | %s | |\n", corpora[c], lang);
        printf("| %s per kind | %s | |\n", corpora[c], kind);
        printf("| %s confusion pairs (truth -> taken for) | %s | |\n", corpora[c], pairs);
    }
}

/* The held-out hard families: a kind model trained on every training family (0-4; half of it
 * English, half og_infer_doc_synth_lang()'s in seven languages),
 * evaluated per hard family, then what corrections in the language add. */
static int hard_rows(uint64_t seed, int per)
{
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES, allr = 0, all = 0, *kinds = NULL;
    int right[OG_INFER_DOC_HARD][OG_INFER_DOC_NKINDS];
    char **texts = NULL;
    size_t n = synth_set(0, per, seed, &texts, &kinds);
    og_infer_doc_model *m = NULL;
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("doc fit");
    hard_eval(m, seed, per, right);
    for (int h = 0; h < OG_INFER_DOC_HARD; h++) {
        int r = 0;
        char per_kind[160] = "";
        for (int k = 0; k < nk; k++) {
            cat(per_kind, sizeof(per_kind), "%s%s %d", k ? ", " : "", og_infer_doc_kinds[k],
                right[h][k]);
            r += right[h][k];
        }
        printf("| hard held-out: %s (%s of %d each) | %d / %d = %.3f | >= 0.95 |\n", hard_names[h],
               per_kind, per, r, nk * per, (double)r / (nk * per));
        allr += r;
        all += nk * per;
    }
    printf("| hard held-out: all (trained on %zu documents of families 0-4) | %d / %d ="
           " %.3f | >= 0.95 |\n",
           n, allr, all, (double)allr / all);
    /* how fast people's corrections teach it a language: the same training plus 2 corrected
     * documents per kind of the German or French template (other documents than those
     * evaluated) */
    for (int h = 0; h < 2; h++) {
        size_t m2n = n;
        char **t2 = calloc(n + (size_t)(nk * 2), sizeof(char *));
        int *k2 = calloc(n + (size_t)(nk * 2), sizeof(int)),
            r2[OG_INFER_DOC_HARD][OG_INFER_DOC_NKINDS], r = 0;
        og_infer_doc_model *m2 = NULL;
        memcpy(t2, texts, n * sizeof(char *));
        memcpy(k2, kinds, n * sizeof(int));
        for (int k = 0; k < nk; k++)
            for (int i = 0; i < 2; i++) {
                if (og_infer_doc_synth_meta(k, nf + h, seed + 50000 + (uint64_t)i, &t2[m2n], NULL) <
                    0)
                    die("synth hard");
                k2[m2n++] = k;
            }
        if (og_infer_doc_fit(&m2, (const char *const *)t2, k2, m2n) < 0)
            die("doc fit");
        hard_eval(m2, seed, per, r2);
        for (int k = 0; k < nk; k++)
            r += r2[h][k];
        printf("| %s after 2 corrected documents per kind of it | %d / %d = %.3f | |\n",
               h ? "French" : "German", r, nk * per, (double)r / (nk * per));
        for (size_t i = n; i < m2n; i++)
            free(t2[i]);
        free(t2);
        free(k2);
        og_infer_doc_model_free(m2);
    }
    blind_rows(m);
    og_infer_doc_model_free(m);
    printf("| hard held-out families (reported, not in the result) | %s | >= 0.95 |\n",
           allr * 100 >= all * 95 ? "PASS" : "FAIL");
    hard_ablation(texts, kinds, n, seed, per);
    texts_free(texts, kinds, n);
    return allr * 100 >= all * 95;
}

/* 1 when the proposed field matches the truth (both absent counts). */
static int field_right(json_t *meta, json_t *truth, const char *field, int rules)
{
    const char *want = json_string_value(json_object_get(truth, field));
    const char *got = json_string_value(json_object_get(meta, field));
    if (rules && strcmp(field, "date") == 0) /* the rules' guess: the first date named */
        got = json_string_value(json_array_get(json_object_get(meta, "dates"), 0));
    if (!want || !got)
        return !want && !got;
    if (strcmp(field, "total") == 0)
        return fabs(strtod(want, NULL) - strtod(got, NULL)) < 0.005;
    return strcasecmp(want, got) == 0;
}

/* One row of the metadata table: per field, the rules' and the model's accuracy. */
static void meta_row(const og_infer_doc_meta_model *mm, const char *name, int family, uint64_t seed,
                     int per)
{
    int right[2][3] = {{0}}, total = 0;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int i = 0; i < per; i++) {
            char *t = NULL;
            json_t *truth = NULL, *rules = NULL, *learned = NULL;
            if (og_infer_doc_synth_meta(k, family, seed + 104729 + (uint64_t)i, &t, &truth) < 0 ||
                og_infer_doc_metadata(t, NULL, &rules) < 0 ||
                og_infer_doc_meta_predict(mm, t, NULL, &learned) < 0)
                die("metadata");
            for (int f = 0; f < 3; f++) {
                right[0][f] += field_right(rules, truth, og_infer_doc_fields[f], 1);
                right[1][f] += field_right(learned, truth, og_infer_doc_fields[f], 0);
            }
            total++;
            free(t);
            json_decref(truth);
            json_decref(rules);
            json_decref(learned);
        }
    printf("| %s | %d |", name, total);
    for (int f = 0; f < 3; f++)
        printf(" %.3f / **%.3f** |", (double)right[0][f] / total, (double)right[1][f] / total);
    printf("\n");
}

/* The metadata model trained on the training families (0-4) as `model train` does, against the
 * rules, on fresh documents of those families and on every hard family; no project data, so
 * the client comes from the text alone. */
static void meta_table(uint64_t seed, int per)
{
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES;
    size_t n = 0, cap = (size_t)(nk * nf * per);
    char **texts = calloc(cap, sizeof(char *));
    json_t **truths = calloc(cap, sizeof(json_t *));
    og_infer_doc_meta_model *mm = NULL;
    char name[96];
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++)
            for (int i = 0; i < per; i++, n++)
                if (og_infer_doc_synth_meta(k, f, seed + (uint64_t)i, &texts[n], &truths[n]) < 0)
                    die("synth");
    if (og_infer_doc_meta_fit(&mm, (const char *const *)texts, truths, n) < 0)
        die("metadata fit");
    printf("\n| metadata per field: rules / **learned** (trained on %zu documents of families"
           " 0-4) | documents | total | date | client |\n",
           n);
    printf("|---|---|---|---|---|\n");
    for (int f = 0; f < nf; f++) {
        snprintf(name, sizeof(name), "training family %d (documents it never saw)", f);
        meta_row(mm, name, f, seed, per);
    }
    for (int h = 0; h < OG_INFER_DOC_HARD; h++) {
        snprintf(name, sizeof(name), "hard held-out: %s", hard_names[h]);
        meta_row(mm, name, nf + h, seed, per);
    }
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
        json_decref(truths[i]);
    }
    free(texts);
    free(truths);
    og_infer_doc_meta_model_free(mm);
}

/* Genres and languages a model never saw: trained on families 0-2, the documents of
 * og_infer_doc_synth_lang() of families 3 and 4 (other genres of "other": e-mails, a newsletter,
 * reports, a quote, an invitation) in each language; beside it the calibrated "other" (a
 * document whose best kind has a probability under 0.45 taken for "other"), which was not
 * adopted (docs/inference.md). Reported, not in the result. */
static void genre_rows(uint64_t seed, int per)
{
    int nk = OG_INFER_DOC_NKINDS, nl = OG_INFER_DOC_NLANGS, *kinds = NULL;
    int right[OG_INFER_DOC_NLANGS] = {0}, other[2] = {0}, cal[2] = {0}, all = 0, allr = 0;
    int allc = 0, nother = 0;
    char **texts = NULL;
    og_infer_doc_model *m = NULL;
    size_t n = synth_set((1u << 3) | (1u << 4), per, seed, &texts, &kinds);
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("genre fit");
    for (int k = 0; k < nk; k++)
        for (int f = 3; f < OG_INFER_DOC_FAMILIES; f++)
            for (int l = 0; l < nl; l++)
                for (int i = 0; i < 5; i++) {
                    char *t = NULL;
                    double c = 0;
                    if (og_infer_doc_synth_lang(k, f, l, seed + 31337 + (uint64_t)i, &t) < 0)
                        die("synth lang");
                    int p = og_infer_doc_predict(m, t, &c), q = c < 0.45 ? nk - 1 : p;
                    right[l] += p == k;
                    allr += p == k;
                    allc += q == k;
                    all++;
                    if (k == nk - 1) {
                        other[0] += p == k;
                        cal[0] += q == k;
                        nother++;
                    } else {
                        other[1] += p == k;
                        cal[1] += q == k;
                    }
                    free(t);
                }
    printf("| unseen genres (families 3,4 of og_infer_doc_synth_lang, trained on %zu of 0-2):", n);
    for (int l = 0; l < nl; l++)
        printf(" %s %d/%d", og_infer_doc_langs[l], right[l], all / nl);
    printf(" | %d / %d = %.3f | >= 0.95 |\n", allr, all, (double)allr / all);
    printf("| unseen genres: other / the other kinds | %d / %d, %d / %d | |\n", other[0], nother,
           other[1], all - nother);
    printf("| unseen genres, calibrated other (< 0.45: other; not adopted): other / the rest / all"
           " | %d / %d, %d / %d, %.3f | |\n",
           cal[0], nother, cal[1], all - nother, (double)allc / all);
    og_infer_doc_model_free(m);
    texts_free(texts, kinds, n);
}

/* A language the model never saw (issue 21's honest proxy for unseen languages): for each
 * language but English, trained on og_infer_doc_synth_lang()'s documents of every family in the
 * other languages, tested on that language's. Reported, not in the result. */
static void lang_rows(uint64_t seed, int per)
{
    int nk = OG_INFER_DOC_NKINDS, nf = OG_INFER_DOC_FAMILIES, nl = OG_INFER_DOC_NLANGS;
    int right = 0, total = 0, to_other = 0, real = 0;
    printf("| held-out language (trained on the other %d languages, %d per kind, family and"
           " language):",
           nl - 1, per);
    for (int x = 1; x < nl; x++) {
        size_t cap = (size_t)(nk * nf * (nl - 1) * per), n = 0;
        char **texts = calloc(cap, sizeof(*texts));
        int *kinds = calloc(cap, sizeof(*kinds)), r = 0, t = 0;
        og_infer_doc_model *m = NULL;
        if (!texts || !kinds)
            die("out of memory");
        for (int k = 0; k < nk; k++)
            for (int f = 0; f < nf; f++)
                for (int l = 0; l < nl; l++)
                    for (int i = 0; i < per && l != x; i++) {
                        if (og_infer_doc_synth_lang(k, f, l, seed + (uint64_t)i, &texts[n]) < 0)
                            die("synth lang");
                        kinds[n++] = k;
                    }
        if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
            die("language fit");
        for (int k = 0; k < nk; k++)
            for (int f = 0; f < nf; f++)
                for (int i = 0; i < 4; i++) {
                    char *d = NULL;
                    if (og_infer_doc_synth_lang(k, f, x, seed + 4242 + (uint64_t)i, &d) < 0)
                        die("synth lang");
                    int p = og_infer_doc_predict(m, d, NULL);
                    r += p == k;
                    t++;
                    if (k != nk - 1) {
                        to_other += p == nk - 1;
                        real++;
                    }
                    free(d);
                }
        printf(" %s %d/%d", og_infer_doc_langs[x], r, t);
        right += r;
        total += t;
        og_infer_doc_model_free(m);
        texts_free(texts, kinds, n);
    }
    printf(" | %d / %d = %.3f | >= 0.95 |\n", right, total, (double)right / total);
    printf("| held-out language: real kinds taken for other | %d / %d | |\n", to_other, real);
}

/* The held-out WRITER families (og_infer_doc_synth_writer, og_infer_doc_synth_writer2: the
 * kinds in plain words, titles without the lexicon's words, the structure kept) classified by a
 * model trained on every training family, per language and kind; the real kinds taken for
 * "other" apart. *acc, *acc2: the overall accuracies. Reported, not in the result. */
typedef int (*writer_fn)(int kind, int lang, uint64_t seed, char **out);

/* m (trained on n documents) on a writer family's documents (nl languages, named l0 and l1) */
static void writer_eval(const og_infer_doc_model *m, size_t n, writer_fn synth, const char *name,
                        const char *l0, const char *l1, uint64_t seed, int neval, double *acc)
{
    int nk = OG_INFER_DOC_NKINDS, nl = 2;
    int right[OG_INFER_DOC_NKINDS] = {0}, lang_r[2] = {0}, all = 0, allr = 0, to_other = 0,
        from_other = 0, unsure = 0;
    int conf[OG_INFER_DOC_NKINDS][OG_INFER_DOC_NKINDS] = {{0}};
    char cells[256] = "", pairs[512] = "";
    for (int k = 0; k < nk; k++)
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < neval; i++) {
                char *t = NULL;
                json_t *top = NULL;
                if (synth(k, l, seed + 51151 + (uint64_t)i, &t) < 0)
                    die("synth writer");
                int p = og_infer_doc_predict(m, t, NULL);
                if (og_infer_doc_alternatives(m, t, &top) < 0)
                    die("alternatives");
                unsure += json_array_size(top) > 1;
                json_decref(top);
                right[k] += p == k;
                conf[k][p]++;
                lang_r[l] += p == k;
                allr += p == k;
                all++;
                to_other += k != nk - 1 && p == nk - 1;
                from_other += k == nk - 1 && p != nk - 1;
                free(t);
            }
    for (int k = 0; k < nk; k++)
        cat(cells, sizeof(cells), "%s%s %d/%d", k ? ", " : "", og_infer_doc_kinds[k], right[k],
            neval * nl);
    printf("| %s (plain words, structure kept; trained on %zu of families 0-4):"
           " %s %d/%d, %s %d/%d | %d / %d = %.3f | >= 0.95 |\n",
           name, n, l0, lang_r[0], all / nl, l1, lang_r[1], all / nl, allr, all,
           (double)allr / all);
    for (int k = 0; k < nk; k++)
        for (int p = 0; p < nk; p++)
            if (p != k && conf[k][p])
                cat(pairs, sizeof(pairs), "%s%s -> %s %d", pairs[0] ? ", " : "",
                    og_infer_doc_kinds[k], og_infer_doc_kinds[p], conf[k][p]);
    printf("| %s per kind | %s | |\n", name, cells);
    printf("| %s confusion pairs (truth -> taken for) | %s | |\n", name, pairs);
    printf("| %s: real kinds taken for other / other taken for a kind / proposals"
           " that name a close second | %d / %d, %d / %d, %d / %d | |\n",
           name, to_other, all - all / nk, from_other, all / nk, unsure, all);
    *acc = (double)allr / all;
}

/* The held-out OTHER family (og_infer_doc_synth_other_ho: paperwork that is none of the four
 * kinds but looks like one, 19 genres in five languages) classified by m: per language, and per
 * genre what it was taken for. Reported, not in the result. */
static void other_ho_eval(const og_infer_doc_model *m, uint64_t seed, int neval)
{
    int nk = OG_INFER_DOC_NKINDS, ng = OG_INFER_DOC_OTHER_HO_GENRES;
    int nl = OG_INFER_DOC_OTHER_HO_LANGS, lang_r[OG_INFER_DOC_OTHER_HO_LANGS] = {0}, right = 0;
    int to[OG_INFER_DOC_NKINDS] = {0};
    char langs[256] = "", genres[4096] = "";
    for (int g = 0; g < ng; g++) {
        int gr = 0, gto[OG_INFER_DOC_NKINDS] = {0};
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < neval; i++) {
                char *t = NULL;
                if (og_infer_doc_synth_other_ho(g, l, seed + 81181 + (uint64_t)i, &t) < 0)
                    die("synth other_ho");
                int p = og_infer_doc_predict(m, t, NULL);
                gr += p == nk - 1;
                lang_r[l] += p == nk - 1;
                gto[p]++;
                to[p]++;
                free(t);
            }
        right += gr;
        cat(genres, sizeof(genres), "%s%s %d/%d", g ? "; " : "", og_infer_doc_other_ho_genres[g],
            gr, nl * neval);
        for (int k = 0; k < nk - 1; k++)
            if (gto[k])
                cat(genres, sizeof(genres), " %s %d", og_infer_doc_kinds[k], gto[k]);
    }
    for (int l = 0; l < nl; l++)
        cat(langs, sizeof(langs), " %s %d/%d", og_infer_doc_other_ho_langs[l], lang_r[l],
            ng * neval);
    printf("| held-out other (19 genres that look like a kind):%s | %d / %d = %.3f | >= 0.95 |\n",
           langs, right, ng * nl * neval, (double)right / (ng * nl * neval));
    printf("| held-out other taken for: sow %d, change-order %d, runbook %d, closure %d | | |\n",
           to[0], to[1], to[2], to[3]);
    printf("| held-out other per genre (right, then taken for) | %s | |\n", genres);
}

static void writer_rows(uint64_t seed, int per, int neval, double *acc, double *acc2)
{
    int *kinds = NULL;
    char **texts = NULL;
    og_infer_doc_model *m = NULL;
    size_t n = synth_set(0, per, seed, &texts, &kinds);
    _Static_assert(OG_INFER_DOC_WRITER_LANGS == 2 && OG_INFER_DOC_WRITER2_LANGS == 2,
                   "the rows name two languages");
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("writer fit");
    writer_eval(m, n, og_infer_doc_synth_writer, "held-out writer", "en", "de", seed, neval, acc);
    writer_eval(m, n, og_infer_doc_synth_writer2, "held-out writer2 (a third hand)", "en", "fr",
                seed, neval, acc2);
    other_ho_eval(m, seed, neval / 4);
    og_infer_doc_model_free(m);
    texts_free(texts, kinds, n);
}

/* The held-out FORMS family (og_infer_doc_synth_forms: runbooks, change orders and closures in
 * forms no training family has, five languages) classified by a model trained on every training
 * family: per form what it is taken for, per language, and overall. Reported, not in the result. */
static void forms_rows(uint64_t seed, int per, int neval)
{
    int nk = OG_INFER_DOC_NKINDS, nl = OG_INFER_DOC_FORMS_LANGS, *kinds = NULL, right = 0, all = 0;
    int lang_r[OG_INFER_DOC_FORMS_LANGS] = {0}, kind_r[OG_INFER_DOC_NKINDS] = {0},
        kind_n[OG_INFER_DOC_NKINDS] = {0};
    char **texts = NULL, langs[256] = "", kcells[256] = "";
    og_infer_doc_model *m = NULL;
    size_t n = synth_set(0, per, seed, &texts, &kinds);
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("forms fit");
    for (int f = 0; f < OG_INFER_DOC_FORMS; f++) {
        int taken[OG_INFER_DOC_NKINDS] = {0}, k = og_infer_doc_forms[f].kind;
        char cells[256] = "";
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < neval; i++) {
                char *t = NULL;
                if (og_infer_doc_synth_forms(f, l, seed + 71171 + (uint64_t)i, &t) < 0)
                    die("synth forms");
                int p = og_infer_doc_predict(m, t, NULL);
                taken[p]++;
                lang_r[l] += p == k;
                free(t);
            }
        for (int p = 0; p < nk; p++)
            if (p != k && taken[p])
                cat(cells, sizeof(cells), "%s%s %d", cells[0] ? ", " : "", og_infer_doc_kinds[p],
                    taken[p]);
        printf("| held-out forms: %s (%s) | %d / %d | %s |\n", og_infer_doc_forms[f].name,
               og_infer_doc_kinds[k], taken[k], nl * neval, cells[0] ? cells : "-");
        right += taken[k];
        all += nl * neval;
        kind_r[k] += taken[k];
        kind_n[k] += nl * neval;
    }
    for (int l = 0; l < nl; l++)
        cat(langs, sizeof(langs), " %s %d/%d", og_infer_doc_forms_langs[l], lang_r[l], all / nl);
    for (int k = 0; k < nk; k++)
        if (kind_n[k])
            cat(kcells, sizeof(kcells), " %s %d/%d", og_infer_doc_kinds[k], kind_r[k], kind_n[k]);
    printf("| held-out forms (16 forms never trained on; trained on %zu of families 0-4):%s;%s |"
           " %d / %d = %.3f | >= 0.95 |\n",
           n, langs, kcells, right, all, (double)right / all);
    og_infer_doc_model_free(m);
    texts_free(texts, kinds, n);
}

/* One model's accuracy on the new-language family in language l (neval per kind, seeds from
 * seed on): right per kind into right, the real kinds taken for "other" into *to_other. */
/* A held-out family of languages no training document is in: its generator, languages and the
 * seed its evaluated documents start from. */
typedef struct newlang_family {
    const char *name;
    int (*synth)(int kind, int lang, uint64_t seed, char **out);
    const char *const *langs;
    int nl;
    uint64_t eval_seed;
} newlang_family;

/* og_infer_doc_synth_newlang: Danish, Norwegian, Czech, Finnish, Romanian */
static const newlang_family newlangs1 = {"held-out new languages", og_infer_doc_synth_newlang,
                                         og_infer_doc_newlangs, OG_INFER_DOC_NEWLANGS, 61261};
/* og_infer_doc_synth_newlang2: Hungarian, Slovak, Estonian, Lithuanian, Latvian, Croatian,
 * Slovenian */
static const newlang_family newlangs2 = {"held-out new languages 2", og_infer_doc_synth_newlang2,
                                         og_infer_doc_newlangs2, OG_INFER_DOC_NEWLANGS2, 52711};

static int newlang_eval(const newlang_family *f, const og_infer_doc_model *m, int l, uint64_t seed,
                        int neval, int *right, int *to_other)
{
    int all = 0;
    for (int k = 0; k < OG_INFER_DOC_NKINDS; k++)
        for (int i = 0; i < neval; i++) {
            char *t = NULL;
            if (f->synth(k, l, seed + f->eval_seed + (uint64_t)i, &t) < 0)
                die("synth newlang");
            int p = og_infer_doc_predict(m, t, NULL);
            right[k] += p == k;
            all += p == k;
            *to_other += k != OG_INFER_DOC_NKINDS - 1 && p == OG_INFER_DOC_NKINDS - 1;
            free(t);
        }
    return all;
}

/* A held-out NEW-LANGUAGE family per language: WITHOUT any document in the language (trained on
 * every training family: the honest figure for a language only the lexicon knows), then, when
 * `with` > 0, WITH `with` documents per kind of that language's family added to the training
 * (other seeds than the evaluated ones: the same templates, so an upper bound). Reported, not in
 * the result. */
static void newlang_rows(const newlang_family *f, uint64_t seed, int per, int neval, int with)
{
    int nk = OG_INFER_DOC_NKINDS, nl = f->nl, *kinds = NULL;
    int right[OG_INFER_DOC_NKINDS] = {0}, to_other = 0, all = 0, total = nk * neval * nl;
    int wall = 0;
    char **texts = NULL, cells[256] = "", langs[256] = "", wlangs[256] = "";
    og_infer_doc_model *m = NULL;
    size_t n = synth_set(0, per, seed, &texts, &kinds);
    if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("newlang fit");
    for (int l = 0; l < nl; l++) {
        int r = newlang_eval(f, m, l, seed, neval, right, &to_other);
        cat(langs, sizeof(langs), " %s %d/%d", f->langs[l], r, nk * neval);
        all += r;
    }
    og_infer_doc_model_free(m);
    for (int k = 0; k < nk; k++)
        cat(cells, sizeof(cells), "%s%s %d/%d", k ? ", " : "", og_infer_doc_kinds[k], right[k],
            neval * nl);
    printf("| %s, without a document in them (trained on %zu of families 0-4):%s | %d / %d ="
           " %.3f | >= 0.95 |\n",
           f->name, n, langs, all, total, (double)all / total);
    printf("| %s per kind; real kinds taken for other | %s; %d / %d | |\n", f->name, cells,
           to_other, total - neval * nl);
    if (with <= 0) {
        texts_free(texts, kinds, n);
        return;
    }
    /* the same with `with` documents per kind of the language */
    char **more = realloc(texts, (n + (size_t)(nk * with)) * sizeof(*texts));
    int *mkinds = realloc(kinds, (n + (size_t)(nk * with)) * sizeof(*kinds));
    if (!more || !mkinds)
        die("out of memory");
    texts = more;
    kinds = mkinds;
    for (int l = 0; l < nl; l++) {
        int wright[OG_INFER_DOC_NKINDS] = {0}, wother = 0;
        size_t w = n;
        for (int k = 0; k < nk; k++)
            for (int i = 0; i < with; i++) {
                if (f->synth(k, l, seed + 7770 + (uint64_t)i, &texts[w]) < 0)
                    die("synth newlang");
                kinds[w++] = k;
            }
        if (og_infer_doc_fit(&m, (const char *const *)texts, kinds, w) < 0)
            die("newlang fit with");
        int r = newlang_eval(f, m, l, seed, neval, wright, &wother);
        cat(wlangs, sizeof(wlangs), " %s %d/%d", f->langs[l], r, nk * neval);
        wall += r;
        og_infer_doc_model_free(m);
        m = NULL;
        for (size_t i = n; i < w; i++)
            free(texts[i]);
    }
    printf("| %s, with %d documents per kind of the language (same templates: an upper bound):%s"
           " | %d / %d = %.3f | |\n",
           f->name, with, wlangs, wall, total, (double)wall / total);
    texts_free(texts, kinds, n);
}

/* The diagnosis of issue 21's trade (OG_BENCH_INFER_DOCS_ONLY=5): for the second writer's SOWs,
 * what carries their SOW-against-closure margin in the writers' model (40 per kind and training
 * family), per block (n-grams, concepts, title, shape, bias) and the features that carry most,
 * each as its mean share of the margin over the 80 documents. Run it with and without
 * OG_BENCH_INFER_FORMS to see what the training forms move. */
#define DIAG_MAX 4096
typedef struct diag_feat {
    char name[96];
    double sum;
} diag_feat;
typedef struct diag_acc {
    diag_feat f[DIAG_MAX];
    int n;
    double block[5];
} diag_acc;

static void diag_add(void *arg, int block, const char *name, double share)
{
    diag_acc *d = arg;
    d->block[block] += share;
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->f[i].name, name)) {
            d->f[i].sum += share;
            return;
        }
    if (d->n < DIAG_MAX) {
        snprintf(d->f[d->n].name, sizeof(d->f[d->n].name), "%s", name);
        d->f[d->n++].sum = share;
    }
}

static int diag_by_share(const void *a, const void *b)
{
    double x = ((const diag_feat *)a)->sum, y = ((const diag_feat *)b)->sum;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void diag_rows(uint64_t seed)
{
    int *kinds = NULL, taken[OG_INFER_DOC_NKINDS] = {0}, nd = 0;
    char **texts = NULL;
    og_infer_doc_model *m = NULL;
    diag_acc *d = calloc(1, sizeof(*d));
    size_t n = synth_set(0, 40, seed, &texts, &kinds);
    if (!d || og_infer_doc_fit(&m, (const char *const *)texts, kinds, n) < 0)
        die("diagnosis fit");
    for (int l = 0; l < OG_INFER_DOC_WRITER2_LANGS; l++)
        for (int i = 0; i < 40; i++, nd++) {
            char *t = NULL;
            if (og_infer_doc_synth_writer2(0, l, seed + 51151 + (uint64_t)i, &t) < 0 ||
                og_infer__doc_explain(m, t, 0, 3, diag_add, d) < 0)
                die("diagnosis");
            taken[og_infer_doc_predict(m, t, NULL)]++;
            free(t);
        }
    printf("| writer2 SOWs (training forms: one in %u) taken for | sow %d, change-order %d, "
           "runbook %d, closure %d, other %d |\n",
           og_infer__synth_forms_share, taken[0], taken[1], taken[2], taken[3], taken[4]);
    printf("| mean margin sow - closure, per block | n-grams %+.3f, concepts %+.3f, title %+.3f,"
           " shape %+.3f, bias %+.3f: %+.3f |\n",
           d->block[0] / nd, d->block[1] / nd, d->block[2] / nd, d->block[3] / nd, d->block[4] / nd,
           (d->block[0] + d->block[1] + d->block[2] + d->block[3] + d->block[4]) / nd);
    qsort(d->f, (size_t)d->n, sizeof(d->f[0]), diag_by_share);
    for (int side = 0; side < 2; side++) {
        char cells[1024] = "";
        for (int i = 0; i < 12 && i < d->n; i++) {
            const diag_feat *f = &d->f[side ? d->n - 1 - i : i];
            cat(cells, sizeof(cells), "%s%s %+.3f", i ? ", " : "", f->name, f->sum / nd);
        }
        printf("| the features that carry most for the %s | %s |\n", side ? "closure" : "SOW",
               cells);
    }
    free(d);
    og_infer_doc_model_free(m);
    texts_free(texts, kinds, n);
}

static int doc_table(uint64_t seed)
{
    double a = 0, b = 0, w = 0, w2 = 0;
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0) == 3) { /* 3: the writer rows alone */
        printf("\n| held-out writers (seed %llu) | accuracy | goal |\n|---|---|---|\n",
               (unsigned long long)seed);
        writer_rows(seed, 40, 40, &w, &w2);
        return 1;
    }
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0) == 5) { /* 5: the diagnosis of writer2's SOWs */
        printf("\n| writer2 SOWs, SOW against closure (seed %llu) | |\n|---|---|\n",
               (unsigned long long)seed);
        diag_rows(seed);
        return 1;
    }
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0) == 6) { /* 6: the new languages 2 rows alone */
        printf("\n| held-out new languages 2 (seed %llu) | accuracy | goal |\n|---|---|---|\n",
               (unsigned long long)seed);
        newlang_rows(&newlangs2, seed, 40, 40, 0);
        return 1;
    }
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0) == 4) { /* 4: the held-out forms rows alone */
        printf("\n| held-out forms (seed %llu) | accuracy | taken for |\n|---|---|---|\n",
               (unsigned long long)seed);
        forms_rows(seed, 40, 8);
        return 1;
    }
    printf("\n| document classifier (unseen template families, seed %llu) | accuracy | goal |\n",
           (unsigned long long)seed);
    printf("|---|---|---|\n");
    int pass = doc_split((1u << 3) | (1u << 4), 80, seed, &a);
    pass &= doc_split(1u | 2u, 80, seed, &b);
    pass &= docgen_rows(seed);
    printf("| result (the splits and docgen) | %s | |\n", pass ? "PASS" : "FAIL");
    /* the hard held-out families are reported, not part of PASS/FAIL: see docs/inference.md */
    hard_rows(seed, 40);
    writer_rows(seed, 40, 40, &w, &w2);
    forms_rows(seed, 40, 8);
    genre_rows(seed, 40);
    lang_rows(seed, 4);
    newlang_rows(&newlangs1, seed, 40, 40, 4);
    newlang_rows(&newlangs2, seed, 40, 40, 0);
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0) != 2) /* 2: the kind tables alone */
        meta_table(seed, 12);
    return pass;
}

/* The history one analysis reads: the two counter rows now, the two COUNTs before. */
static void history_table(og_ctx *ctx, const char *tid, int reps)
{
    static const char *const old_sql =
        "SELECT COUNT(*), COUNT(CASE WHEN label = 1 THEN 1 END) FROM infer_actions"
        " WHERE tenant_id = ? AND kind = ?";
    static const char *const new_sql =
        "SELECT n, bad FROM infer_counts WHERE tenant_id = ? AND kind = ? AND target_hash = ''";
    const char *const sqls[2] = {old_sql, new_sql};
    double us[2];
    for (int q = 0; q < 2; q++) {
        int64_t t0 = og_time_mono_us();
        for (int i = 0; i < reps; i++) {
            og_stmt *st = NULL;
            if (og_stmt_prepare_args(&st, ctx->store, sqls[q], "tt", tid, "certs.deploy") < 0 ||
                og_stmt_step(st) != OG_ROW)
                die("history");
            og_stmt_free(st);
        }
        us[q] = (double)(og_time_mono_us() - t0) / reps;
    }
    printf("\n| a kind's history per analysis (%d reps) | us per lookup |\n", reps);
    printf("|---|---|\n");
    printf("| COUNT over the kind's recorded actions (before) | %.1f |\n", us[0]);
    printf("| counter row in infer_counts (now) | %.1f |\n", us[1]);
}

int main(void)
{
    static const char *const types[] = {"file", "nginx", "haproxy", "opsgate"};
    static const int window[] = {22, 23, 0, 1, 2, 3};
    int ntrain = (int)env_num("OG_BENCH_INFER_TRAIN", 2000);
    int neval = (int)env_num("OG_BENCH_INFER_EVAL", 4000);
    uint64_t seed = (uint64_t)env_num("OG_BENCH_INFER_SEED", 7), rng = seed ^ 0x5eedULL;
    char tmpl[] = "/tmp/og-bench-infer-XXXXXX", data[4200], token[OG_TOKEN_MAX], tid[OG_ID_LEN];
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    json_t *out = NULL;
    int planted = 0;
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(data, sizeof(data), "%s/data", tmpl);
    if (og_install_init(data, token) < 0 || og_install_open(data, &store, &keys) < 0)
        die("init");
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data;
    og_actor_local(&ctx.actor);
    og_infer__synth_forms_share = (unsigned)env_num("OG_BENCH_INFER_FORMS", 0);
    og_infer__synth_forms_sow = (int)env_num("OG_BENCH_INFER_FORMS_SOW", 0);
    if (env_num("OG_BENCH_INFER_DOCS_ONLY", 0)) { /* the document tables alone */
        int ok = doc_table(seed);
        og_store_close(store);
        og_keyring_free(keys);
        return ok ? 0 : 1;
    }
    if (og_tenant_create(&ctx, "bench", NULL) < 0 ||
        og_tenant_resolve(&ctx, "bench", OG_PERM_READ, tid) < 0)
        die("tenant");
    if (og_infer_replay(&ctx, tid, ntrain, seed, START_US, &planted) < 0)
        die("replay");
    if (og_infer_report(&ctx, "bench", "certs.deploy", &out) < 0)
        die("report");
    json_t *k = json_array_get(json_object_get(out, "kinds"), 0);
    double auc = json_number_value(json_object_get(k, "auc"));
    json_decref(out);
    if (og_infer_train(&ctx, "certs.deploy", NULL) < 0)
        die("train");

    /* fresh actions drawn as the generator draws them, after the training period */
    double *rest = calloc((size_t)neval, sizeof(double)),
           *risky = calloc((size_t)neval, sizeof(double));
    int nrest = 0, nrisky = 0;
    int64_t after = START_US + (int64_t)(ntrain / 3 + 2) * 86400 * 1000000;
    for (int i = 0; i < neval; i++) {
        const char *type = types[rng_next(&rng) % 4];
        int hour =
            (rng_next(&rng) % 10) < 6 ? window[rng_next(&rng) % 6] : (int)(rng_next(&rng) % 24);
        char target[64];
        double s = 0;
        snprintf(target, sizeof(target), "replay-%s-%d", type, (int)(rng_next(&rng) % 8));
        og_infer_input in = {.kind = "certs.deploy", .target_key = target, .level = 1};
        in.now_us = after + (int64_t)(i / 3) * 86400 * 1000000 + (int64_t)hour * 3600 * 1000000;
        in.facts = json_pack("{s:s, s:i, s:s, s:s, s:i}", "target_type", type, "endpoints",
                             1 + (int)(rng_next(&rng) % 4), "key_type", "rsa2048", "old_key_type",
                             "rsa2048", "days_left", (int)(rng_next(&rng) % 60));
        if (og_infer_score(&ctx, tid, &in, &s) < 0)
            die("score");
        json_decref(in.facts);
        if (strcmp(type, "haproxy") == 0 && hour == 2)
            risky[nrisky++] = s;
        else
            rest[nrest++] = s;
    }
    qsort(rest, (size_t)nrest, sizeof(double), by_double);
    /* the threshold that raises at most 5% of the rest */
    double t = rest[(size_t)((double)nrest * 0.95)];
    int caught = 0, raised = 0;
    for (int i = 0; i < nrisky; i++)
        caught += risky[i] > t;
    for (int i = 0; i < nrest; i++)
        raised += rest[i] > t;
    double recall = nrisky ? (double)caught / nrisky : 0, share = (double)raised / nrest;
    int pass = recall >= 0.9 && share <= 0.05;
    printf("| inference (certs.deploy replay, seed %llu) | value | goal |\n",
           (unsigned long long)seed);
    printf("|---|---|---|\n");
    printf("| decisions trained on (planted pattern) | %d (%d) | 2000 |\n", ntrain, planted);
    printf("| held-out ROC AUC (time-ordered 70/30 split) | %.3f | > 0.5 |\n", auc);
    printf("| fresh actions scored: risky pattern / rest | %d / %d | |\n", nrisky, nrest);
    printf("| threshold raising <= 5%% of the rest | %.4f | |\n", t);
    printf("| raised among the rest | %.1f%% | <= 5%% |\n", 100 * share);
    printf("| recall of the risky pattern | %.3f | >= 0.9 |\n", recall);
    printf("| result | %s | |\n", pass ? "PASS" : "FAIL");
    history_table(&ctx, tid, 2000);
    pass &= doc_table(seed);
    free(rest);
    free(risky);
    og_store_close(store);
    og_keyring_free(keys);
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_infer: could not remove %s\n", tmpl);
    return pass ? 0 : 1;
}
