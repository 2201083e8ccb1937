/* infer_internal.h - helpers shared by the files of the infer module only. */
#ifndef OPSGATE_INFER_INTERNAL_H
#define OPSGATE_INFER_INTERNAL_H

#include "opsgate/infer.h"
#include "opsgate/store.h"

#include <stdbool.h>

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
/* og_infer_doc_fit() over stored feature vectors (borrowed). */
int og_infer__doc_fit_vectors(og_infer_doc_model **out, json_t *const *vectors, const int *kinds,
                              size_t n);
/* Train the document model from the labelled documents (doc_store.c), in the caller's
 * transaction; adds to models or skipped as og_infer_train() reports them. */
int og_infer__doc_train(og_ctx *ctx, json_t *models, json_t *skipped);
/* A stored model back (doc borrowed). */
int og_infer__doc_model_load(json_t *doc, og_infer_doc_model **out);

#endif
