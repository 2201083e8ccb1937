/* model_internal.h - shared by the view-model files of src/docgen: field readers, amounts as
 * text, the plan (phases and tasks) and one builder per document kind. Not a public interface. */
#ifndef OG_DOCGEN_MODEL_INTERNAL_H
#define OG_DOCGEN_MODEL_INTERNAL_H

#include "docgen/docgen_internal.h"

#define OG_DOCGEN__PATH_MAX 160 /* a field's JSON path in a message */

/* The currency of the data being modelled (borrowed from it). */
typedef struct og_docgen__vctx {
    int digits; /* currency minor unit */
    const char *currency;
} og_docgen__vctx;

/* ---- field readers (model_fields.c): every error is OG_EINVAL naming path.key ----
 * required: a missing (or null) field is an error; else *out is "" (strings), NULL (objects,
 * arrays) or 0 (amounts). Strings are checked against their limit (OG_DOCGEN_TEXT_MAX for prose
 * fields, else OG_DOCGEN_NAME_MAX), arrays against OG_DOCGEN_ITEMS_MAX. All borrowed from obj. */
int og_docgen__get_str(const json_t *obj, const char *path, const char *key, int required,
                       const char **out);
int og_docgen__get_obj(const json_t *obj, const char *path, const char *key, int required,
                       const json_t **out);
int og_docgen__get_arr(const json_t *obj, const char *path, const char *key, int required,
                       const json_t **out);
int og_docgen__get_dec(const json_t *obj, const char *path, const char *key, int required,
                       og_dec *out);
/* A whole number of 0 or more (an integer, or a string of digits); dflt when absent. */
int og_docgen__get_count(const json_t *obj, const char *path, const char *key, int64_t dflt,
                         int64_t *out);
/* A "YYYY-MM-DD" string (or "" when absent and not required). */
int og_docgen__get_date(const json_t *obj, const char *path, const char *key, int required,
                        const char **out);
/* OG_EINVAL naming path.key[index] when the string v is longer than max characters. */
int og_docgen__check_len(const json_t *v, size_t max, const char *path, const char *key,
                         long index);
/* OG_EINVAL "path: expected an object" unless v is one. */
int og_docgen__need_object(const json_t *v, const char *path);

/* Copy the string fields req (required) and opt (optional, "" when absent) of obj into `into`. */
int og_docgen__copy_fields(json_t *into, const json_t *obj, const char *path,
                           const char *const *req, const char *const *opt);
/* The array of strings obj.key (optional) as into.as, with into.has_<as>. */
int og_docgen__str_list(const json_t *obj, const char *path, const char *key, json_t *into,
                        const char *as);
/* The array of objects obj.key as into.as, each with the fields req and opt (copy_fields) and
 * its 1-based "n", with into.has_<as>. */
int og_docgen__obj_list(const json_t *obj, const char *path, const char *key, int required,
                        const char *const *req, const char *const *opt, json_t *into,
                        const char *as);

/* ---- amounts as text (new JSON strings) ---- */
json_t *og_docgen__money(const og_docgen__vctx *v, og_dec a);        /* "1,234.50" */
json_t *og_docgen__signed_money(const og_docgen__vctx *v, og_dec a); /* "+1,234.50", "-3.00" */
json_t *og_docgen__hours(og_dec h);                                  /* "7.5" */
json_t *og_docgen__signed_hours(og_dec h);                           /* "+7.5" */
json_t *og_docgen__days_text(int64_t d); /* "Zero (0) days", "+3 days", "-1 day" */

/* ---- the plan: phases and their tasks (model_plan.c) ---- */
typedef struct og_docgen__task {
    const char *id, *name, *phase, *role; /* borrowed from the data */
    og_dec hours, rate, amount;
} og_docgen__task;

typedef struct og_docgen__plan {
    og_docgen__task *tasks;
    size_t ntasks;
    og_dec hours, amount;
    const char *end;   /* latest phase end */
    const char *start; /* earliest phase start */
} og_docgen__plan;

/* Walk phases/tasks of `data` (path prefix pfx for messages); fill p and, when model is set,
 * model.phases, model.totals, model.project_start and model.project_end. Free p with
 * og_docgen__plan_free (also after a failure). */
int og_docgen__plan_build(const og_docgen__vctx *v, const json_t *data, const char *pfx,
                          og_docgen__plan *p, json_t *model);
void og_docgen__plan_free(og_docgen__plan *p);
/* The task with that id, NULL when the plan has none. */
const og_docgen__task *og_docgen__plan_task(const og_docgen__plan *p, const char *id);
/* Build baseline b for a change order or closure after checking it is in v's currency; `name`
 * names the baseline in messages. */
int og_docgen__plan_baseline(const og_docgen__vctx *v, const json_t *baseline, const char *name,
                             og_docgen__plan *b);

/* ---- one builder per document kind: fill model m from data (p: the data's plan) ---- */
/* model_common.c: document, project, currency, parties, contacts, sign-off. */
int og_docgen__model_common(og_docgen__vctx *v, const json_t *data, json_t *m, const char *title,
                            int need_signoff, const og_docgen_brand *brand);
int og_docgen__model_sow(og_docgen__vctx *v, const json_t *data, json_t *m, og_docgen__plan *p);
int og_docgen__model_change_order(og_docgen__vctx *v, const json_t *data, const json_t *baseline,
                                  json_t *m, og_docgen__plan *p);
int og_docgen__model_runbook(const json_t *data, json_t *m);
int og_docgen__model_closure(og_docgen__vctx *v, const json_t *data, const json_t *baseline,
                             json_t *m, og_docgen__plan *p);

#endif
