/* infer.h - the inference step before every gate: features of an action (numbers and closed or
 * hashed categories, never names, hosts, texts or ids), a risk score in [0,1] from the current
 * model (logistic regression, liblinear), an explanation naming the features that weighed most,
 * the outcome of every analysed action as its label, models trained and versioned per action
 * kind (a platform model from all tenants, a tenant model blended with it), and each tenant's
 * risk threshold per kind, above which the gate raises that one action's level.
 *
 * infer sits below gate: the gate engine calls og_infer_analyse() for every request and
 * og_infer_outcome() for every decision, in its own transaction; infer knows nothing of gate.
 * The requesting module gives what it knows of the action as facts (og_gate_about.facts); each
 * kind's extractor reads only the fields it knows (docs/inference.md). */
#ifndef OPSGATE_INFER_H
#define OPSGATE_INFER_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/context.h"

/* One action to analyse. Every pointer is borrowed; facts and target_key may be NULL. */
typedef struct og_infer_input {
    const char *kind;       /* "certs.deploy", ... */
    const char *target_key; /* what past outcomes of "this target" group by (a deploy target's
                             * name, a plan id): hashed with the tenant id, never stored */
    json_t *facts;          /* what the requesting module knows (object; unknown fields ignored) */
    int level;              /* the tenant's level for the kind, 0..3 */
    int64_t now_us;         /* when (hour and weekday are features); 0: now */
} og_infer_input;

typedef struct og_infer_result {
    json_t *analysis; /* owned by the caller: {"score", "explanation", "top", "features",
                       * "model", "policy", "raised", "recommendation"} */
    int level;        /* the level to run at: the input level, or one more when the tenant's
                       * threshold for the kind is passed (L0->L1, L1->L2; never lower) */
} og_infer_result;

/*
 * Analyse an action of tenant_id (an id the caller resolved and authorized) about to pass gate
 * item gate_id, inside the caller's transaction: computes features and score, applies the
 * tenant's policy, and records the analysed action (its features, score and model version under
 * a hash of gate_id) as a future training example without a label yet. No audit record of its own:
 * the caller's record carries out->analysis.
 */
int og_infer_analyse(og_ctx *ctx, const char *tenant_id, const char *gate_id,
                     const og_infer_input *in, og_infer_result *out);

/* The outcome of analysed gate item gate_id as its label, inside the caller's transaction:
 * "executed" (L0 ran), "acknowledged", "approved", "done", "review-closed" (label 0: went well),
 * "failed", "overridden", "escalated", "rejected" (label 1). A later outcome replaces an earlier
 * one (an escalated item later overridden stays 1). Anything else (pending, expired) sets no
 * label. An item that was never analysed is not an error (0). */
int og_infer_outcome(og_ctx *ctx, const char *gate_id, const char *outcome);

/*
 * Train the models of kind (NULL: every kind with labelled actions) from the recorded actions:
 * the platform model from every tenant's, and for each tenant with enough of its own
 * (OG_INFER_TENANT_MIN labelled, both labels present) a tenant model. Each model is a new
 * version, audited as infer.model.train (platform chain / the tenant's chain). Needs a platform
 * actor (OG_EDENIED). *out (may be NULL; caller decrefs): {"models": [{kind, scope, version,
 * examples, positives}], "skipped": [{kind, reason}]}.
 */
#define OG_INFER_TENANT_MIN 50
int og_infer_train(og_ctx *ctx, const char *kind, json_t **out);

/* The stored models (newest version of each scope and kind), without tenant names. */
int og_infer_models(og_ctx *ctx, json_t **out);

/*
 * A tenant's policy for kind: threshold in (0,1] raises an action whose score passes it by one
 * level (up to L2); threshold <= 0 removes it. pin 1 pins the kind (its level never changes,
 * whatever the score), 0 unpins, -1 leaves the pin as it is. Needs tenant-admin (or platform),
 * audited as infer.policy.set. The kind must be a gated kind the caller names (1..63 of
 * [a-z0-9._-]).
 */
int og_infer_policy_set(og_ctx *ctx, const char *tenant, const char *kind, double threshold,
                        int pin);
/* The tenant's policies: [{kind, threshold (null: none), pinned}]. Needs OG_PERM_READ. */
int og_infer_policy_show(og_ctx *ctx, const char *tenant, json_t **out);

/*
 * The honest evaluation of kind (NULL: every kind) on tenant's (NULL or "": every tenant's,
 * platform only) labelled actions: a time-ordered split (the oldest 70% train a model the way
 * og_infer_train does, the newest 30% are held out), then on the held-out part ROC AUC,
 * precision and recall at the tenant's threshold (OG_INFER_DEFAULT_THRESHOLD without one),
 * calibration in 5 reliability bins, and the share of actions whose level it raised.
 * Needs OG_PERM_READ in the tenant. Stores nothing. *out: {"kinds": [...]}.
 */
#define OG_INFER_DEFAULT_THRESHOLD 0.5
int og_infer_report(og_ctx *ctx, const char *tenant, const char *kind, json_t **out);

/* The score og_infer_analyse() would give in (an action of tenant_id, an id), without recording
 * anything or applying the policy: for the benchmark and tests. No authorization. */
int og_infer_score(og_ctx *ctx, const char *tenant_id, const og_infer_input *in, double *score);

/*
 * The replay generator, for tests and the benchmark: n synthetic certs.deploy decisions in
 * tenant_id (an id), from start_us on (most in the night's maintenance window, 22:00 to 03:00 UTC),
 * analysed and labelled through the same path as real ones, with a planted pattern: deploys to
 * target type "haproxy" at 02:00 UTC fail or are overridden with probability 0.3, everything else
 * 0.02. Deterministic for a seed. Needs a platform actor. Runs in its own transaction. *planted
 * (may be NULL): how many were of the pattern.
 */
int og_infer_replay(og_ctx *ctx, const char *tenant_id, int n, uint64_t seed, int64_t start_us,
                    int *planted);

/* ---- a tenant's recent errors from each ACME CA (the facts of certs.renew) ---- */

/* The type of an ACME order's error message: the RFC 8555 problem type it names ("rateLimited",
 * "badNonce", ...), else "timeout", "dns", "connection" or "other". Static string. */
const char *og_infer_ca_error_type(const char *message);
/* Note that an order of tenant_id (an id) at CA ca (its directory URL) failed with message, in
 * the caller's transaction: only an HMAC of ca, the time and the error's type are kept (90 days).
 */
int og_infer_ca_error_note(og_ctx *ctx, const char *tenant_id, const char *ca, const char *message);
/* Into facts: "ca_failed_orders" (the tenant's failed orders at ca in the last days, 1..90) and
 * "ca_last_error" (the newest one's type; absent without any). */
int og_infer_ca_errors(og_ctx *ctx, const char *tenant_id, const char *ca, int days, json_t *facts);

/* ---- the document classifier of artifact indexing (docs/inference.md "Documents") ---- */

/* The kinds a document is classified as, NULL-terminated: "sow", "change-order", "runbook",
 * "closure", "other"; a kind's number is its index. */
#define OG_INFER_DOC_NKINDS 5
extern const char *const og_infer_doc_kinds[];
/* The index of kind in og_infer_doc_kinds, -1 when it is none of them. */
int og_infer_doc_kind_index(const char *kind);
/* The model kind the document classifier is trained and stored as (infer_models). */
#define OG_INFER_DOC_MODEL "artifacts.doc-kind"

/* The longest text read from one document. */
#define OG_INFER_DOC_TEXT_MAX (4 << 20)
/* "pdf", "docx", "html" or "text" (Markdown and plain text): by the content's magic first, then
 * media_type (may be NULL). Static string. */
const char *og_infer_doc_format(const char *data, size_t len, const char *media_type);
/* The text of a document of len bytes: PDF through poppler's text, DOCX the text runs of
 * word/document.xml, HTML without tags, scripts and styles, anything else as it is (cut at
 * OG_INFER_DOC_TEXT_MAX). *out: NUL-terminated, caller frees. OG_EINVAL for a document that
 * cannot be read as its format. */
int og_infer_doc_text(const char *data, size_t len, const char *media_type, char **out);

/* A fitted document classifier (hashed n-gram features, liblinear). */
typedef struct og_infer_doc_model og_infer_doc_model;
/* Fit a classifier on n texts and their kinds (indices of og_infer_doc_kinds); two kinds at
 * least (OG_ECONFLICT otherwise). og_infer_doc_fit_with(..., NULL, 0, NULL). *out: caller frees
 * with og_infer_doc_model_free(). */
int og_infer_doc_fit(og_infer_doc_model **out, const char *const *texts, const int *kinds,
                     size_t n);
/* How a document classifier is fitted. Besides the hashed n-grams, three language-independent
 * blocks of features, each of unit length times its weight (0 leaves it out): the concepts of
 * a lexicon of project and operations terms in six languages, the concepts of the title, the
 * document's shape (amounts, dates, numbered steps, tables ...). Self-training: unlabelled
 * documents the first fit gives a kind with a probability of self_min or more become examples
 * of that kind, the most confident first, at most self_share per labelled document; the model
 * is fitted again with them (self_min 0: no self-training). */
typedef struct og_infer_doc_opts {
    double concepts, title, shape;
    double self_min, self_share;
} og_infer_doc_opts;
/* The options og_infer_doc_fit() and `model train` use. */
extern const og_infer_doc_opts og_infer_doc_opts_default;
/* Fit on n labelled texts and nu unlabelled ones (may be NULL when nu is 0) as opts says (NULL:
 * og_infer_doc_opts_default). */
int og_infer_doc_fit_with(og_infer_doc_model **out, const char *const *texts, const int *kinds,
                          size_t n, const char *const *unlabelled, size_t nu,
                          const og_infer_doc_opts *opts);
/* How many unlabelled documents the last fit of m took as pseudo-labelled examples. */
size_t og_infer_doc_model_pseudo(const og_infer_doc_model *m);
/* The kind (index) m proposes for text, *confidence (may be NULL) its probability; < 0 on
 * error. */
int og_infer_doc_predict(const og_infer_doc_model *m, const char *text, double *confidence);
/* The kind og_infer_doc_predict() gives text and the kinds close behind it (a probability within
 * 0.15 of its): [{"kind", "confidence"}, ...], the chosen one first. *out: new. */
int og_infer_doc_alternatives(const og_infer_doc_model *m, const char *text, json_t **out);
void og_infer_doc_model_free(og_infer_doc_model *m);

/*
 * The metadata of a document proposed by rules over its text: {"total": "12500.00" (the amount
 * on the last line that says total), "currency", "dates": ["YYYY-MM-DD", ...] (up to 8, in order),
 * "client", "project"} (each absent when nothing matched). projects (borrowed, may be NULL): the
 * tenant's projects as [{"key", "name", "client"}]; a project whose key or name, or a client
 * whose name, appears in the text (whole words, any case) is proposed. *out: caller decrefs.
 */
int og_infer_doc_metadata(const char *text, json_t *projects, json_t **out);

/*
 * Propose the kind and metadata of a document of tenant_id (an id the caller resolved and
 * authorized) from its text, inside the caller's transaction: the kind of the newest platform
 * document model blended with the tenant's own (n / (n + 200) for a tenant model of n documents;
 * "other" and "model": "no model yet" without either) with its confidence, and the metadata of
 * og_infer_doc_meta_predict() under the newest metadata model (the rules without one; projects
 * as og_infer_doc_metadata()'s). The document is kept as its hashed features and its metadata
 * candidates' features only, under a hash of (tenant_id, doc_ref) - doc_ref names the document
 * for a later label (an artifact version: "<artifact id>:<version>"); proposing it again
 * replaces it. No audit record of its own. *out: {"kind", "confidence", "model" ("v3",
 * "v3+tenant v1"), "metadata_model" ("v2" or "rules"), "total"?, "currency"?, "date"?, "dates"?,
 * "client"?, "project"?, "candidates"}, caller decrefs.
 */
int og_infer_doc_propose(og_ctx *ctx, const char *tenant_id, const char *doc_ref, const char *text,
                         json_t *projects, json_t **out);
/* og_infer_doc_propose() in two steps, so that the classifier's work runs outside the
 * transaction that stores its result: _make reads the newest models and computes the proposal
 * of text (no write; on any connection, in a transaction or not), _store keeps it for doc_ref
 * inside the caller's transaction and returns a copy of the proposal (*out, caller decrefs); it
 * may be called again for the same proposal (a transaction run again). _free(NULL) is a no-op. */
typedef struct og_infer_doc_proposal og_infer_doc_proposal;
int og_infer_doc_proposal_make(og_ctx *ctx, const char *tenant_id, const char *text,
                               json_t *projects, og_infer_doc_proposal **out);
int og_infer_doc_proposal_store(og_ctx *ctx, const og_infer_doc_proposal *pr, const char *doc_ref,
                                json_t **out);
void og_infer_doc_proposal_free(og_infer_doc_proposal *pr);
/* The "model" and "metadata_model" labels a proposal for tenant_id would carry if made now (the
 * newest models' versions), read without loading a model: a kept proposal whose labels differ
 * was made before a model trained since (the artifacts reuse a proposal only while they match). */
int og_infer_doc_models_now(og_ctx *ctx, const char *tenant_id, char *model, size_t msize,
                            char *meta_model, size_t mmsize);
/* The kind a human gave document doc_ref of tenant_id (a correction or a confirmation): its
 * label for the next training, inside the caller's transaction (the caller audits). OG_EINVAL for
 * a kind outside og_infer_doc_kinds, OG_ENOTFOUND when the classifier never read it. */
int og_infer_doc_label(og_ctx *ctx, const char *tenant_id, const char *doc_ref, const char *kind);

/* ---- learned metadata (docs/inference.md "Documents") ---- */

/* The fields a model learns to pick among a document's candidates, NULL-terminated: "total",
 * "date" (the document's own date), "client". */
extern const char *const og_infer_doc_fields[];
/* The amount text names ("12,500.00", "$12,500", "12.500,00 EUR", "12 500,00 €": US, German and
 * French formats, a currency sign or code before or after it) into value without thousands
 * separators ("12500.00", at most size bytes) and cur ("USD", "" when none). 1 when text is
 * such an amount and nothing else (spaces around it aside), else 0. */
int og_infer_doc_amount(const char *text, char *value, size_t size, char cur[4]);
/* The model kind the metadata model is stored as (infer_models, platform scope). */
#define OG_INFER_DOC_META_MODEL "artifacts.doc-meta"

/* A fitted metadata model: per field, a logistic regression (liblinear) that scores each
 * candidate value (every amount, date, "Label: value" ...) by hashed features of its context. */
typedef struct og_infer_doc_meta_model og_infer_doc_meta_model;
/* Fit on n texts and their true metadata (truths[i]: {"total", "date", "client"}, a field
 * absent when the document has none). OG_ECONFLICT when no field has both a right and a wrong
 * candidate. *out: caller frees with og_infer_doc_meta_model_free(). */
int og_infer_doc_meta_fit(og_infer_doc_meta_model **out, const char *const *texts,
                          json_t *const *truths, size_t n);
/* The metadata of text: the rules' (og_infer_doc_metadata()) with each field m learned replaced
 * by its best candidate when the model gives it a probability of 0.5 or more, and dropped when
 * no candidate gets that (a client of the tenant's projects named in the text stays), plus
 * "date" and "candidates": {field: [value, ...]} (the values a correction is matched against).
 * m NULL: the rules only (with the candidates). *out: caller decrefs. */
int og_infer_doc_meta_predict(const og_infer_doc_meta_model *m, const char *text, json_t *projects,
                              json_t **out);
/* _free(NULL) is a no-op. */
void og_infer_doc_meta_model_free(og_infer_doc_meta_model *m);

/* The metadata a human gave document doc_ref of tenant_id ({"total"?, "date"?, "client"?}, the
 * fields given are labels, the others stay unknown), matched against the candidates of its
 * proposal (borrowed; the proposal og_infer_doc_propose() returned for it): the right candidate
 * or none of them is the label of the metadata model's next training, inside the caller's
 * transaction. OG_ENOTFOUND when the classifier never read the document; a proposal without
 * candidates (before they were kept) labels nothing (0). */
int og_infer_doc_label_meta(og_ctx *ctx, const char *tenant_id, const char *doc_ref,
                            json_t *proposal, json_t *fields);

/*
 * A synthetic document for tests and the benchmark: kind (index), one of
 * OG_INFER_DOC_FAMILIES template families of that kind (each its own wording, headings and
 * layout over the kind's shared vocabulary), varied by seed; some of them (two in three of
 * "other", one in three of the rest) from og_infer_doc_synth_lang() in a language the seed
 * draws. *out: caller frees.
 */
#define OG_INFER_DOC_FAMILIES 5
int og_infer_doc_synth(int kind, int family, uint64_t seed, char **out);
/* The languages of the multilingual training documents ("en", "de", "fr", "es", "nl", "it",
 * "pt", "pl", "sv"; NULL-terminated). */
#define OG_INFER_DOC_NLANGS 9
extern const char *const og_infer_doc_langs[];
/* A training document of kind in language lang (index into og_infer_doc_langs) and family: of
 * "other", one of the family's genres (reports, notices, letters, e-mails, quotes, invoices,
 * minutes, policies, guides with numbered steps...); of the other kinds, the kind's text in that
 * language (English: og_infer_doc_synth_meta()'s). og_infer_doc_synth() draws some of its
 * documents from here. *out: caller frees; OG_EINVAL for an unknown kind, family or language. */
int og_infer_doc_synth_lang(int kind, int family, int lang, uint64_t seed, char **out);
/* The same with its true metadata (*truth: {"total"?, "date", "client"}, caller decrefs). The
 * families OG_INFER_DOC_FAMILIES .. + OG_INFER_DOC_HARD - 1 are the held-out ones no training
 * uses: German and French documents, tables, OCR-like noise, mixed-kind sentences. */
#define OG_INFER_DOC_HARD 4
int og_infer_doc_synth_meta(int kind, int family, uint64_t seed, char **out, json_t **truth);
/* The held-out WRITER family (issue 21): a document of kind in English (lang 0) or German (1)
 * as another writer puts it - paraphrases and everyday words instead of the trade's terms,
 * titles without the lexicon's words - with the structure the kind has whoever writes it (a
 * price table with a sum and signatures, the amounts before and after an earlier agreement,
 * numbered steps with commands, a ticked list of what was delivered). No training uses it.
 * *out: caller frees; OG_EINVAL for an unknown kind or language. */
#define OG_INFER_DOC_WRITER_LANGS 2
int og_infer_doc_synth_writer(int kind, int lang, uint64_t seed, char **out);
/* The held-out NEW-LANGUAGE family (issue 21): a document of kind in one of five languages the
 * training corpus has no document in (og_infer_doc_newlangs: "da" Danish, "nb" Norwegian
 * bokmål, "cs" Czech, "fi" Finnish, "ro" Romanian; NULL-terminated) - a services agreement with
 * its price table, an addendum with the price before and after, an operating procedure with
 * numbered steps and commands, a closing report; of "other" an invoice, a newsletter, minutes,
 * an incident report or an e-mail - written in another layout than the training families. No
 * training uses it. *out: caller frees; OG_EINVAL for an unknown kind or language. */
#define OG_INFER_DOC_NEWLANGS 5
extern const char *const og_infer_doc_newlangs[];
int og_infer_doc_synth_newlang(int kind, int lang, uint64_t seed, char **out);
/* The SECOND held-out new-language family (issue 21): a document of kind in Hungarian, Slovak,
 * Estonian, Lithuanian, Latvian, Croatian or Slovenian (og_infer_doc_newlangs2: "hu", "sk", "et",
 * "lt", "lv", "hr", "sl"; NULL-terminated), languages no training document is written in, in forms
 * unlike the training families and the first new-language family: letters and memos in prose, an
 * agreement in articles (§), a change as a form table or a price arrow, a checklist or lettered
 * steps, a status table; of "other" a service report, an office-closure notice, a phishing warning,
 * a new colleague's announcement and a survey invitation. No training uses it. *out: caller frees;
 * OG_EINVAL for an unknown kind or language. */
#define OG_INFER_DOC_NEWLANGS2 7
extern const char *const og_infer_doc_newlangs2[];
int og_infer_doc_synth_newlang2(int kind, int lang, uint64_t seed, char **out);
/* The SECOND held-out writer family (issue 21): a third person's style in English (lang 0) or
 * French (1), phrased unlike the first writer and unlike the training families - numbered
 * sections, amounts in sentences ("from EUR 12,400.00 to EUR 13,900.00"), a change order that
 * names the earlier letter by number and date and what is added, dropped or done instead, a
 * closure with a status table, hours planned and spent and the open points (no ticks), titles
 * without the lexicon's words. No training uses it. *out: caller frees; OG_EINVAL for an unknown
 * kind or language. */
#define OG_INFER_DOC_WRITER2_LANGS 2
int og_infer_doc_synth_writer2(int kind, int lang, uint64_t seed, char **out);

/* The held-out FORMS family (issue 21): runbooks, change orders and closures in forms the
 * training corpus lacks (og_infer_doc_forms: a knowledge-base article, a standard operating
 * procedure with roles, a failover procedure, an on-call playbook, a maintenance-window
 * checklist, a procedure in prose, a table of steps; an addendum, a variation order, a change
 * request form with its approval block, an e-mail agreeing a scope change and its new price, a
 * price change in percent or by its difference alone; a handover letter to operations, an
 * acceptance certificate, a final report with lessons learned, a sign-off e-mail), in English,
 * German, French, Spanish and Dutch (og_infer_doc_forms_langs). Form (0..OG_INFER_DOC_FORMS - 1)
 * fixes the kind (og_infer_doc_forms[form].kind). No training uses it. *out: caller frees;
 * OG_EINVAL for an unknown form or language. */
#define OG_INFER_DOC_FORMS       16
#define OG_INFER_DOC_FORMS_LANGS 5
typedef struct og_infer_doc_form {
    int kind;         /* index into og_infer_doc_kinds */
    const char *name; /* "kb-article", ... */
} og_infer_doc_form;
extern const og_infer_doc_form og_infer_doc_forms[OG_INFER_DOC_FORMS];
extern const char *const og_infer_doc_forms_langs[OG_INFER_DOC_FORMS_LANGS];
int og_infer_doc_synth_forms(int form, int lang, uint64_t seed, char **out);
/* The held-out "other" family (issue 21): paperwork an MSP files that is none of the four kinds
 * but looks like them - a master agreement's clauses and signatures, an SLA annex, a purchase
 * order, a rate card, a licence renewal notice, a credit note, a budget forecast, a quarterly
 * business review, a weekly progress update, a project timeline, a risk log, a RACI matrix, a
 * kick-off agenda, a hardware inventory, a network layout, vulnerability findings, password
 * rules, an FAQ and a first-day letter (og_infer_doc_other_ho_genres: their names, NULL-
 * terminated) - in English, German, French, Spanish or Italian (og_infer_doc_other_ho_langs),
 * each its own layout and phrasing. Every document is of kind "other"; no training uses it.
 * *out: caller frees; OG_EINVAL for an unknown genre or language. */
#define OG_INFER_DOC_OTHER_HO_LANGS  5
#define OG_INFER_DOC_OTHER_HO_GENRES 19
extern const char *const og_infer_doc_other_ho_langs[];
extern const char *const og_infer_doc_other_ho_genres[];
int og_infer_doc_synth_other_ho(int genre, int lang, uint64_t seed, char **out);

#endif
