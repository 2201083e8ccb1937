/* infer_internal.h - helpers shared by the files of the infer module only. */
#ifndef OPSGATE_INFER_INTERNAL_H
#define OPSGATE_INFER_INTERNAL_H

#include "opsgate/infer.h"
#include "opsgate/store.h"

#include <stdbool.h>
#include <stddef.h>

/* Scores and thresholds are kept in millionths (the store binds integers). */
#define OG_INFER__PPM 1000000.0

/* ---- features (features.c) ---- */

/* The hash of a tenant's target key for kind ("" key: the kind itself), 64 hex characters. */
void og_infer__target_hash(const char *tenant_id, const char *kind, const char *key, char out[65]);
/* The hash a gate item's id is kept under, 64 hex characters. */
void og_infer__key(const char *gate_id, char out[65]);
/* The features of in as {name: number}: the kind's extractor over in->facts (only the fields it
 * knows), then the generic ones every kind has (hour, weekday, the history of the kind and of
 * the target in the tenant). *out: a new object. */
int og_infer__features(og_store *s, const char *tenant_id, const og_infer_input *in,
                       const char *target_hash, int64_t now_us, json_t **out);
/* Add dn actions and dbad that went wrong to the tenant's counts of kind and of target_hash
 * (infer_counts), in the caller's transaction. */
int og_infer__count(og_store *s, const char *tenant_id, const char *kind, const char *target_hash,
                    int64_t dn, int64_t dbad);
/* The kind-specific part only (for the replay generator): extractor over facts into f. */
void og_infer__extract(const char *kind, json_t *facts, int64_t now_us, json_t *f);

/* ---- models (model.c) ---- */

typedef struct og_infer__model {
    json_t *weights; /* {feature: weight} (owned), NULL: no model */
    double bias;
    int64_t version;
    int64_t examples;
} og_infer__model;

/* The newest model of kind for tenant_id (NULL: the platform's) into m (zeroed when none). */
int og_infer__model_load(og_store *s, const char *tenant_id, const char *kind, og_infer__model *m);
void og_infer__model_free(og_infer__model *m);
/* sigmoid(w.x + b), and the contributions w_i x_i as {feature: contribution} into *contrib
 * (may be NULL; a new object). */
double og_infer__model_score(const og_infer__model *m, json_t *features, json_t **contrib);
/* Fit a logistic regression (liblinear, L2-regularised) on n feature objects and labels into
 * m. Both labels must be present (OG_ECONFLICT otherwise). */
int og_infer__fit(json_t *const *features, const int *labels, size_t n, og_infer__model *m);
/* The blended score of a tenant: the platform model and the tenant's own, weighed by how many
 * examples the tenant's has; *version the newest of the two (0: no model yet). */
int og_infer__score(og_store *s, const char *tenant_id, const char *kind, json_t *features,
                    double *score, int64_t *version, json_t **contrib);

/* Store m as the next version of (tenant_id or the platform, kind) and audit it as
 * infer.model.train; its summary goes into list. m->version is set. */
int og_infer__model_save(og_ctx *ctx, const char *tenant_id, const char *kind, og_infer__model *m,
                         int64_t positives, json_t *list);

/* ---- examples (train.c) ---- */

/* The labelled examples of a kind, oldest first (parallel arrays of n). */
typedef struct og_infer__examples {
    json_t **f;
    int *y;
    char (*tenant)[OG_ID_LEN];
    int64_t *at;
    size_t n;
} og_infer__examples;

/* The labelled examples of kind (of tenant_id only when not NULL), oldest first. */
int og_infer__examples_load(og_store *s, const char *kind, const char *tenant_id,
                            og_infer__examples *e);
void og_infer__examples_free(og_infer__examples *e);

/* ---- documents (doc_class.c) ---- */

/* m as stored: {"classes": [kind], "bias": [b], "w": {"dimension": [weight per class]}}. */
json_t *og_infer__doc_model_dump(const og_infer_doc_model *m);
/* The hashed features of text as {"dimension": value} (what infer_docs keeps). *out: new. */
int og_infer__doc_vector(const char *text, json_t **out);
/* og_infer_doc_fit_with() over stored feature vectors (borrowed): n labelled ones and nu
 * unlabelled ones for self-training (opts NULL: og_infer_doc_opts_default). */
int og_infer__doc_fit_vectors(og_infer_doc_model **out, json_t *const *vectors, const int *kinds,
                              size_t n, json_t *const *unlabelled, size_t nu,
                              const og_infer_doc_opts *opts);
struct feature_node;
/* The features of text as liblinear nodes (ending with the bias node and -1), the concepts, title
 * and shape blocks weighed by blocks. *out: caller frees. */
int og_infer__doc_nodes(const char *text, const double blocks[3], struct feature_node **out);
/* A stored vector ({"dimension": value}, its blocks of unit length) as nodes, weighed. */
int og_infer__doc_vector_nodes(json_t *v, const double blocks[3], struct feature_node **out);
void og_infer__doc_nodes_free(struct feature_node **x, size_t n);
/* Fit on n documents' nodes weighed by blocks (x borrowed). OG_ECONFLICT: fewer than two kinds. */
int og_infer__doc_fit_nodes(og_infer_doc_model **out, struct feature_node **x, const int *kinds,
                            size_t n, const double blocks[3]);
void og_infer__doc_model_set_pseudo(og_infer_doc_model *m, size_t n);
/* The probability of each kind under m for nodes x (weighed by m's blocks), and into ev (may be
 * NULL) each kind's evidence: its decision value without the bias (-HUGE_VAL for a kind m does
 * not know). */
void og_infer__doc_probs_nodes(const og_infer_doc_model *m, const struct feature_node *x,
                               double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS]);
/* "other" must win on evidence: its evidence above the best kind's by this much */
#define OG_INFER__DOC_OTHER_MARGIN 0.0
/* a second kind whose probability is within this of the chosen one's is named beside it */
#define OG_INFER__DOC_CLOSE 0.15
/* The kind chosen from the probabilities p and the evidence ev (NULL: the most probable): the
 * most probable, but "other" only when its evidence beats every kind's (else the most probable
 * of the four). */
int og_infer__doc_choose(const double p[OG_INFER_DOC_NKINDS], const double ev[OG_INFER_DOC_NKINDS]);
/* The kinds besides chosen whose probability is within OG_INFER__DOC_CLOSE of its:
 * [{"kind", "confidence"}] (new). */
json_t *og_infer__doc_alternatives(const double p[OG_INFER_DOC_NKINDS], int chosen);
/* The second stage (doc_structure.c): whether text (len bytes) shows an amendment's amounts
 * (before, after, the difference in a row), whether it ticks off what was delivered (two ticked
 * lines at least); and the decision between the
 * pairs words confuse: a SOW that amends is a change order, an "other" that closes is a closure
 * (the two kinds' probabilities and evidence swapped, in place). */
int og_infer__doc_amends(const char *text, size_t len);
int og_infer__doc_closes(const char *text, size_t len);
/* The rule that moved the kind: OG_INFER__STAGE_NONE, _AMENDS or _CLOSES. */
enum { OG_INFER__STAGE_NONE = 0, OG_INFER__STAGE_AMENDS, OG_INFER__STAGE_CLOSES };
int og_infer__doc_second_stage(const char *text, double p[OG_INFER_DOC_NKINDS],
                               double ev[OG_INFER_DOC_NKINDS]);
/* The platform model's probabilities and evidence (pp, ep) blended with the tenant's own model's
 * (po, eo) as (1 - a) * platform + a * tenant into p and ev (non-finite evidence counts 0), *kind
 * chosen from them. Each side has been through its own second stage before
 * (og_infer__doc_blend_models), so a tenant model trained on its people's corrections outweighs
 * the platform's cues as it grows. */
void og_infer__doc_blend(const double pp[OG_INFER_DOC_NKINDS], const double ep[OG_INFER_DOC_NKINDS],
                         const double po[OG_INFER_DOC_NKINDS], const double eo[OG_INFER_DOC_NKINDS],
                         double a, double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                         int *kind);
/* The learned second stage (doc_structure.c): per kind, a weight for each structure cue
 * (amends: og_infer__doc_amends, ticks: og_infer__doc_closes) added to the first model's decision
 * value, fitted as a logistic regression with that decision value as its offset on documents the
 * first model did not see (stacking), each document also with the words' evidence dropped (what
 * its structure alone says). Numbers only. */
#define OG_INFER__CUES       2
#define OG_INFER__CUE_AMENDS 0
#define OG_INFER__CUE_TICKS  1
/* the kinds between which each cue decides (bits of kind indices): it moves a document only
 * when the first model takes it for one of them, and only towards or away from them (amends: SOW
 * and change order; ticks: runbook, closure, other); how far it moves it is learned */
extern const int og_infer__cue_gate[OG_INFER__CUES];
/* a tenant's second stage reads a cue with its own weights for m / (m + this) of them, m the
 * documents of its training that showed the cue */
#define OG_INFER__CUE_HALF 20.0
typedef struct og_infer__stage2 {
    int on; /* 0: none (a model stored before it, or too few documents): the fixed rules */
    double w[OG_INFER_DOC_NKINDS][OG_INFER__CUES]; /* per kind: each cue's weight */
    int known[OG_INFER_DOC_NKINDS];                /* the kinds it was fitted with */
    int64_t cue_docs[OG_INFER__CUES];              /* its training documents that showed each cue */
} og_infer__stage2;
/* The bias of kind in m's decision values (0 for a kind m does not know). */
double og_infer__doc_model_bias(const og_infer_doc_model *m, int kind);
extern const char *const og_infer__cue_key[OG_INFER__CUES];  /* "cue:amends", "cue:ticks" */
extern const char *const og_infer__cue_name[OG_INFER__CUES]; /* "amends", "ticks" */
og_infer__stage2 *og_infer__doc_model_stage2(og_infer_doc_model *m);
const og_infer__stage2 *og_infer__doc_model_stage2_of(const og_infer_doc_model *m);
/* The cues of text into cues (0 or 1 each). */
void og_infer__doc_cues(const char *text, int cues[OG_INFER__CUES]);
/* The cues kept in a stored vector (a vector stored before them has none). */
void og_infer__doc_vector_cues(json_t *v, int cues[OG_INFER__CUES]);
json_t *og_infer__stage2_dump(const og_infer__stage2 *s);
/* s from doc (NULL: none, s->on 0); OG_ECORRUPT when malformed. */
int og_infer__stage2_load(json_t *doc, og_infer__stage2 *s);
/* Fit s on n documents: the first stage's decision values dec and biases bias (n rows each,
 * -HUGE_VAL in dec for a kind it does not know), the kind it chose, their cues and kinds.
 * OG_ECONFLICT: fewer than two kinds. */
int og_infer__stage2_fit(og_infer__stage2 *s, const double (*dec)[OG_INFER_DOC_NKINDS],
                         const double (*bias)[OG_INFER_DOC_NKINDS], const int *chosen,
                         const int (*cues)[OG_INFER__CUES], const int *kinds, size_t n);
/* The second stage of m on text: p and ev (the first stage's) replaced by the learned stage's, or
 * moved by the fixed rules when m has none. What moved the kind into *why (may be NULL). */
typedef struct og_infer__why {
    int stage;     /* OG_INFER__STAGE_*: the cue that moved the kind, NONE when none did */
    double weight; /* the cue's weight for the kind it moved the document to (learned stage) */
    int learned;   /* 1: the learned stage moved it, 0: a fixed rule */
    int to;        /* the kind it moved the document to */
} og_infer__why;
void og_infer__doc_stage(const og_infer_doc_model *m, const char *text,
                         double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                         og_infer__why *why);
/* A tenant's proposal from the platform's model plat and its own (either may be NULL, not both),
 * own weighing a in the blend: through each model's second stage, the platform's reading each cue
 * with the tenant's own weights for the share OG_INFER__CUE_HALF gives (its corrections retrain
 * the cue); p, ev and *kind as og_infer__doc_blend gives them. */
int og_infer__doc_blend_models(const char *text, const og_infer_doc_model *plat,
                               const og_infer_doc_model *own, double a,
                               double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS],
                               int *kind, og_infer__why *why);
/* What a proposal says of what moved its kind (NULL when nothing did), into buf. */
const char *og_infer__doc_why_text(const og_infer__why *why, int kind, char *buf, size_t size);
/* What a proposal says of the rule (NULL for OG_INFER__STAGE_NONE). */
const char *og_infer__doc_stage_reason(int stage);
/* The tail of every document model's training (doc_store.c): fit_error is the fit's result;
 * OG_ECONFLICT (one kind or field only) records a skip reason in skipped, another error is
 * returned; else model's weights (dump()) are saved as a new version of kind for tenant_id
 * (NULL: the platform), audited, summarised in models. */
int og_infer__doc_model_keep(og_ctx *ctx, const char *tenant_id, const char *kind, int fit_error,
                             const void *model, json_t *(*dump)(const void *), int64_t examples,
                             int64_t positives, json_t *models, json_t *skipped);
/* Train the document model from the labelled documents (doc_store.c), in the caller's
 * transaction; adds to models or skipped as og_infer_train() reports them. */
int og_infer__doc_train(og_ctx *ctx, json_t *models, json_t *skipped);
/* One document model trained for the platform (tenant_id NULL), then for each tenant with at
 * least OG_INFER_TENANT_MIN documents matching where (an SQL condition on infer_docs) by one(). */
typedef int (*og_infer__doc_train_fn)(og_ctx *ctx, const char *tenant_id, json_t *models,
                                      json_t *skipped);
int og_infer__doc_train_each(og_ctx *ctx, const char *where, og_infer__doc_train_fn one,
                             json_t *models, json_t *skipped);
/* A stored model back (doc borrowed). */
int og_infer__doc_model_load(json_t *doc, og_infer_doc_model **out);

/* ---- the metadata's candidates (doc_cand.c) and their models (doc_meta_model.c) ---- */

#define OG_INFER__FIELDS    3 /* og_infer_doc_fields: total, date, client */
#define OG_INFER__F_TOTAL   0
#define OG_INFER__F_DATE    1
#define OG_INFER__F_CLIENT  2
#define OG_INFER__CAND_MAX  24
#define OG_INFER__CAND_FEAT 128
#define OG_INFER__MDIM      (1u << 16)
/* a tenant's document kind model counts for n / (n + this) of its proposal */
#define OG_INFER__DOC_BLEND_HALF 200.0

/* One candidate value of a field: its value (an amount "12500.00", a date "YYYY-MM-DD", a
 * client as written), the currency of an amount, and its features (hashed, 1..MDIM). */
typedef struct og_infer__cand {
    char value[128];
    char currency[4];
    int nf, first_line, last_line, occ;
    uint32_t f[OG_INFER__CAND_FEAT];
} og_infer__cand;
typedef struct og_infer__cands {
    og_infer__cand c[OG_INFER__FIELDS][OG_INFER__CAND_MAX];
    int n[OG_INFER__FIELDS];
} og_infer__cands;

/* Every candidate of every field in text (projects as og_infer_doc_metadata()'s). */
int og_infer__doc_cands(const char *text, json_t *projects, og_infer__cands *cs);
/* og_infer_doc_meta_predict() on the candidates of text already found (og_infer__doc_cands):
 * a proposal finds them once for the prediction and for what it keeps. */
int og_infer__doc_meta_predict_cands(const og_infer_doc_meta_model *m, const char *text,
                                     json_t *projects, const og_infer__cands *cs, json_t **out);
/* The date at p: its length (0: none), iso "YYYY-MM-DD", *fmt 0 ISO, 1 month name, 2 dotted. */
size_t og_infer__date_at(const char *p, char iso[11], int *fmt);
/* The number at p (with a currency sign or code before or after it): its length (0: none), its
 * value without thousands separators ("12500.00"), the currency ("" none), and whether it
 * looks like money (a currency, cents or thousands separators). */
size_t og_infer__number_at(const char *p, char *value, size_t size, char cur[4], int *money);
/* The month named by the word at p (1..12, 0: none), *n the word's length. */
int og_infer__month_at(const char *p, size_t *n);
void og_infer__cand_feature(og_infer__cand *c, const char *tag, const char *word);

/* ---- loaded models kept per process (model_cache.c) ---- */
#define OG_INFER__CACHE_KEY 160
#define OG_INFER__ROW_ID    64
typedef int (*og_infer__make_fn)(void *arg, void **out);
/* The object kept under key (the ids of the model rows it is built from), built by make(arg)
 * when not kept yet; *out is shared and read-only: give it back with og_infer__cache_put. */
int og_infer__cache_get(const char *key, og_infer__make_fn make, void *arg,
                        void (*free_fn)(void *m), void **out);
/* Give back m from og_infer__cache_get (NULL: nothing); freed here if it was never kept. */
int og_infer__cache_put(void *m, void (*free_fn)(void *m));
/* The id, version and examples of a model row; id "" for none. */
typedef struct og_infer__newest {
    char id[OG_INFER__ROW_ID];
    int64_t version, examples;
} og_infer__newest;
/* The newest model rows of kinds a and b, the platform's and tenant_id's, in one statement (a
 * document proposal's one read of the models): out[0] a's platform row, out[1] a's of the
 * tenant, out[2] and out[3] b's. */
int og_infer__models_newest(og_store *s, const char *a, const char *b, const char *tenant_id,
                            og_infer__newest out[4]);
/* The weights of model row id (caller decrefs). */
int og_infer__model_weights(og_store *s, const char *id, json_t **weights);

/* The candidates as kept in infer_docs.meta: {"total": {"c": [[feature, ...], ...]}, ...}. */
json_t *og_infer__cands_sets(const og_infer__cands *cs);
/* The index of the candidate of field whose value is truth (-1: none). */
int og_infer__cand_find(const og_infer__cands *cs, int field, const char *truth);
/* Fit the metadata model from n documents' candidate sets (as above, each field with "y": the
 * index of the right candidate, -1 when none is; a field without "y" is not an example). */
int og_infer__doc_meta_fit_sets(og_infer_doc_meta_model **out, json_t *const *sets, size_t n);
json_t *og_infer__doc_meta_dump(const og_infer_doc_meta_model *m);
int og_infer__doc_meta_load(json_t *doc, og_infer_doc_meta_model **out);
/* platform with the tenant's model own blended in at share a (both owned by the result; either
 * may be NULL). */
og_infer_doc_meta_model *og_infer__doc_meta_blend(og_infer_doc_meta_model *platform,
                                                  og_infer_doc_meta_model *own, double a);
/* Train the metadata model (the synthetic corpus and people's corrections) and each tenant's
 * document kind model, in the caller's transaction (doc_learn.c). */
int og_infer__doc_train_more(og_ctx *ctx, json_t *models, json_t *skipped);
/* The probability of each kind (index) under m for features x (doc_class.c). */
int og_infer__doc_probs(const og_infer_doc_model *m, const char *text,
                        double p[OG_INFER_DOC_NKINDS], double ev[OG_INFER_DOC_NKINDS]);
/* og_infer__doc_probs of one text under two models (a tenant's proposal: the platform's and its
 * own), its features made once. */
int og_infer__doc_probs2(const og_infer_doc_model *a, const og_infer_doc_model *b, const char *text,
                         double pa[OG_INFER_DOC_NKINDS], double ea[OG_INFER_DOC_NKINDS],
                         double pb[OG_INFER_DOC_NKINDS], double eb[OG_INFER_DOC_NKINDS]);

/* ---- language-independent document features (doc_lexicon.c) ---- */

/* room for the lexicon's concepts and the shape features (doc_class.c lays them out after the
 * hashed n-grams: concepts, concepts of the title, shape) */
#define OG_INFER__CONCEPTS 96
#define OG_INFER__SHAPES   112
/* The UTF-8 character at p (left bytes) folded: Latin letters with accents as ASCII (é e, ß ss,
 * œ oe), written to out; 0 for a character that is no letter (no-break space, quotes, dashes,
 * the euro sign), the bytes of other characters as they are. *used: the bytes read. */
size_t og_infer__fold(const unsigned char *p, size_t left, char out[3], size_t *used);
/* The concepts (ids < OG_INFER__CONCEPTS) the folded lower-case word w of n bytes names, at
 * most max: its longest lexicon term from its start (a short "~" stem before a case ending), and
 * compound parts inside it. */
int og_infer__concepts(const char *w, size_t n, int *ids, int max);
/* The lexicon's terms in more languages (doc_lexicon_more.c: Danish, Norwegian, Czech, Finnish,
 * Romanian), merged by concept name into doc_lexicon.c's concepts. */
typedef struct og_infer__concept_terms {
    const char *name;
    const char *terms;
} og_infer__concept_terms;
extern const og_infer__concept_terms og_infer__lexicon_more[];
extern const size_t og_infer__lexicon_more_n;
/* ... and in Hungarian, Slovak, Estonian, Lithuanian and Latvian (doc_lexicon_more2.c). */
extern const og_infer__concept_terms og_infer__lexicon_more2[];
extern const size_t og_infer__lexicon_more2_n;
/* The lexicon's name of concept id (NULL: none). */
const char *og_infer__concept_name(int id);
/* The shape of text (len bytes): one id (< OG_INFER__SHAPES) per measure, its count's bucket
 * (0, 1, 2-3, 4-7, 8+): amounts, dates, numbered, bullet, table, heading, command, signature
 * and question lines, percent signs, times, lines, labels, a letter's greeting and closing
 * lines, e-mail addresses, commands in numbered steps. The number of ids. */
int og_infer__doc_shape(const char *text, size_t len, int *ids, int max);
/* Measure m's bucket (0-4) in the n ids of og_infer__doc_shape (-1 past them); the measures
 * read by name elsewhere: */
#define OG_INFER__SHAPE_TICKS 16 /* ticked lines: "- [x] ...", "✓ ..." */
int og_infer__doc_shape_bucket(const int *ids, int n, int measure);
/* The dates and numbers at a word's start in text (len bytes), in order, each given to fn with
 * the text since the previous one (gap) and its value (NULL for a date, else as
 * og_infer__number_at gives it, money whether it looks like money); fn returns non-zero to stop
 * (then 1, else 0). The one walk of og_infer__doc_shape and og_infer__doc_amends. */
typedef int (*og_infer__token_fn)(void *arg, const char *gap, size_t gap_len, const char *value,
                                  int money);
int og_infer__doc_tokens(const char *text, size_t len, og_infer__token_fn fn, void *arg);

/* A held-out synthetic document (doc_synth_hard.c): hard family 0..OG_INFER_DOC_HARD-1 of kind,
 * its true metadata into truth. */
int og_infer__synth_hard(int kind, int hard, uint64_t seed, char **out, json_t *truth);
/* The multilingual training text of kind (0..3) in language lang (1..OG_INFER_DOC_NLANGS - 1:
 * not English), NULL for another (doc_synth_kinds.c). */
typedef struct og_infer__kind_text {
    const char *title[2];
    const char *sent[5];
} og_infer__kind_text;
const og_infer__kind_text *og_infer__kind_text_of(int lang, int kind);
/* The genres of the "other" kind (doc_synth_genres.c): how a genre's body is laid out, its title
 * and three sentences per language. */
enum {
    OG_INFER__B_PROSE,
    OG_INFER__B_STEPS,
    OG_INFER__B_MONEY,
    OG_INFER__B_MAIL,
    OG_INFER__B_REPORT,
    OG_INFER__B_RULES
};
#define OG_INFER__NGENRES 15
typedef struct og_infer__genre {
    int body;
    const char *title[OG_INFER_DOC_NLANGS];
    const char *sent[OG_INFER_DOC_NLANGS][3];
} og_infer__genre;
extern const og_infer__genre og_infer__genres[OG_INFER__NGENRES];
/* The held-out new-language family's texts (doc_synth_newlang_texts.c), per language of
 * og_infer_doc_newlangs: topics, the four kinds' titles ("%s": a topic) and five sentences, five
 * genres of "other" (invoice, newsletter, minutes, incident report, e-mail: a title and three
 * sentences), the words of the frame (OG_INFER__NLW_*) and the currency code. */
enum {
    OG_INFER__NLW_ITEM,
    OG_INFER__NLW_PRICE,
    OG_INFER__NLW_TOTAL,
    OG_INFER__NLW_VAT,
    OG_INFER__NLW_BEFORE,
    OG_INFER__NLW_AFTER,
    OG_INFER__NLW_DIFF,
    OG_INFER__NLW_DEADLINE,
    OG_INFER__NLW_CLIENT,
    OG_INFER__NLW_SUPPLIER,
    OG_INFER__NLW_DATE,
    OG_INFER__NLW_HI,
    OG_INFER__NLW_BYE,
    OG_INFER__NLW_OPEN,
    OG_INFER__NLW_DELIVERED,
    OG_INFER__NLW_FALLBACK,
    OG_INFER__NLW_PREREQ,
    OG_INFER__NLW_FROM,
    OG_INFER__NLW_TO,
    OG_INFER__NLW_SUBJECT,
    OG_INFER__NLW_CONTRACT,
    OG_INFER__NLW_PURPOSE,
    OG_INFER__NLW_N
};
#define OG_INFER__NL_GENRES 5
typedef struct og_infer__nl_text {
    const char *title[2];
    const char *sent[5];
} og_infer__nl_text;
typedef struct og_infer__nl_lang {
    const char *topics[3];
    og_infer__nl_text kinds[OG_INFER_DOC_NKINDS - 1];
    og_infer__nl_text genres[OG_INFER__NL_GENRES];
    const char *words[OG_INFER__NLW_N];
    const char *currency;
} og_infer__nl_lang;
extern const og_infer__nl_lang og_infer__nl_langs[OG_INFER_DOC_NEWLANGS];
/* The second new-language family's texts (doc_synth_newlang2_texts.c), per language of
 * og_infer_doc_newlangs2: topics, the four kinds' titles ("%s": a topic) and five sentences,
 * five genres of "other" (service report, office closure, phishing warning, new colleague,
 * survey: a title and three sentences), the words of the frame (OG_INFER__NL2W_*; HI has a "%s"
 * for a name) and the currency code. */
enum {
    OG_INFER__NL2W_HI,
    OG_INFER__NL2W_BYE,
    OG_INFER__NL2W_SUBJECT,
    OG_INFER__NL2W_CONTRACT,
    OG_INFER__NL2W_DATE,
    OG_INFER__NL2W_PRICE,
    OG_INFER__NL2W_TOTAL,
    OG_INFER__NL2W_STATUS,
    OG_INFER__NL2W_DONE,
    OG_INFER__NL2W_ITEM,
    OG_INFER__NL2W_N
};
typedef struct og_infer__nl2_lang {
    const char *topics[3];
    og_infer__nl_text kinds[OG_INFER_DOC_NKINDS - 1];
    og_infer__nl_text genres[OG_INFER__NL_GENRES];
    const char *words[OG_INFER__NL2W_N];
    const char *currency;
} og_infer__nl2_lang;
extern const og_infer__nl2_lang og_infer__nl2_langs[OG_INFER_DOC_NEWLANGS2];
/* og_infer_doc_synth(): kind and family's document of seed, from og_infer_doc_synth_lang() or
 * og_infer_doc_synth_meta() as the seed draws (doc_synth_more.c). */
int og_infer__synth_mixed(int kind, int family, uint64_t seed, char **out);
/* Cents as the synthetic documents write money: thousands grouped once by sep, dec before the
 * cents ("12,400.00", "12.400,00", "12 400,00"); the generators' own money formats call it. */
void og_infer__synth_cents(char *out, size_t size, long cents, char sep, char dec);
/* The synthetic generator's random numbers (splitmix64). */
uint64_t og_infer__rnd(uint64_t *s);
/* A held-out family of synthetic documents (the writers', the new languages'): its real kinds
 * written by kind_fn, "other" by other_fn in one of genres genres drawn from the seed's stream;
 * the stream starts at seed * mult + kind * langs + lang + add (each family its own). */
typedef struct og_infer__family {
    const char *what; /* in the error: "no <what> document of kind ..." */
    int langs, genres;
    uint64_t mult, add;
    int (*kind_fn)(int kind, int lang, uint64_t *s, og_buf *b);
    int (*other_fn)(int genre, int lang, uint64_t *s, og_buf *b);
} og_infer__family;
/* Family f's document of kind, lang and seed into *out (caller frees); OG_EINVAL for a kind or
 * language out of range. */
int og_infer__synth_family(const og_infer__family *f, int kind, int lang, uint64_t seed,
                           char **out);

/* libxml2 and liblinear are loaded on first use (lazy_libs.c, which defines the functions of
 * theirs that infer calls): og_infer__libxml2 loads libxml2, OG_ERROR saying what to install
 * when it cannot; og_infer__xml_free is libxml2's xmlFree (a variable of the library's). */
int og_infer__libxml2(void);
void og_infer__xml_free(void *p);

/* The held-out forms family's texts (doc_synth_forms_ho_texts.c): per form and language a title
 * and up to ten lines (the arguments of each as doc_synth_forms_ho.c's layouts give them; "" is
 * left out), and per language four topics for each real kind but the SOW (runbook, change order,
 * closure). */
#define OG_INFER__FM_FORMS OG_INFER_DOC_FORMS
#define OG_INFER__FM_LANGS OG_INFER_DOC_FORMS_LANGS
typedef struct og_infer__fm_text {
    const char *title;
    const char *l[10];
} og_infer__fm_text;
extern const og_infer__fm_text og_infer__fm_texts[OG_INFER__FM_FORMS][OG_INFER__FM_LANGS];
extern const char *const og_infer__fm_topics[OG_INFER__FM_LANGS][3][4];
/* The held-out "other" family's texts (doc_synth_other_ho_texts.c; doc_synth_other_ho.c lays
 * them out): per genre of og_infer_doc_other_ho_genres a layout, per language a title ("%s": a
 * number, a year or a name), an opening line and three lines the layout places, and a table's
 * header ("|" between the cells) where the layout has a table. */
enum {
    OG_INFER__HO_CLAUSES,
    OG_INFER__HO_GRID,
    OG_INFER__HO_PRICED,
    OG_INFER__HO_RATES,
    OG_INFER__HO_LETTER,
    OG_INFER__HO_BUDGET,
    OG_INFER__HO_STATUS,
    OG_INFER__HO_PLAN,
    OG_INFER__HO_AGENDA,
    OG_INFER__HO_FINDINGS,
    OG_INFER__HO_QA
};
typedef struct og_infer__ho_genre {
    int layout;
    const char *title[OG_INFER_DOC_OTHER_HO_LANGS];
    const char *line[OG_INFER_DOC_OTHER_HO_LANGS][4];
    const char *cols[OG_INFER_DOC_OTHER_HO_LANGS];
} og_infer__ho_genre;
extern const og_infer__ho_genre og_infer__ho_genres[OG_INFER_DOC_OTHER_HO_GENRES];

/* Why m puts kind a above kind b for text (a diagnosis, docs/inference.md): fn gets each
 * feature's share of the margin a - b (value times the weights' difference), its block (0 the
 * n-grams, 1 the concepts, 2 the title's, 3 the shape, 4 the bias) and a name ("w:word",
 * "p:pair", "g:gram", "c:concept", "t:concept", "s:m<measure>/b<bucket>", "bias"). */
typedef void (*og_infer__explain_fn)(void *arg, int block, const char *name, double share);
int og_infer__doc_explain(const og_infer_doc_model *m, const char *text, int a, int b,
                          og_infer__explain_fn fn, void *arg);

/* An everyday training form (doc_synth_forms_train.c): its kind and per language (English,
 * German, French) its title and lines, each with a mark in front ('#' heading, '*' bullet, '='
 * numbered step, '>' a command, '_' a signature line, '|' a table row, ' ' plain). */
#define OG_INFER__FT_LANGS 3
typedef struct og_infer__ft_form {
    int kind;
    const char *title[OG_INFER__FT_LANGS];
    const char *l[OG_INFER__FT_LANGS][11];
} og_infer__ft_form;
/* the SOWs' everyday forms (doc_synth_forms_sow.c, h-infer16) */
#define OG_INFER__FT_SOW 4
extern const og_infer__ft_form og_infer__forms_sow[OG_INFER__FT_SOW];
/* A training document of real kind (0..3) in one of the everyday forms the template families
 * lack (doc_synth_forms_train.c: English, German, French); og_infer__synth_mixed draws it for
 * some of the training families' documents. OG_EINVAL for another kind. */
int og_infer__synth_forms_train(int kind, uint64_t seed, char **out);
/* One in this many of the training families' change orders, runbooks and closures is drawn from
 * og_infer__synth_forms_train; 0 (the default): none. A measurement switch (bench_infer's
 * OG_BENCH_INFER_FORMS): with it the held-out splits trade (docs/inference.md), so it is off. */
extern unsigned og_infer__synth_forms_share;
/* Non-zero: the SOWs too (doc_synth_forms_sow.c), by the same share (OG_BENCH_INFER_FORMS_SOW). */
extern int og_infer__synth_forms_sow;

#endif
