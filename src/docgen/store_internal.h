/* store_internal.h - shared by docgen's storage files (store*.c): reading artifact versions,
 * template lookup, the inputs generate resolves and the staged document the gate keeps. */
#ifndef OG_DOCGEN_STORE_INTERNAL_H
#define OG_DOCGEN_STORE_INTERNAL_H

#include "docgen/docgen_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/gate.h"

#include <stdbool.h>

#define OG_DOCGEN__READ_CAP ((size_t)32 << 20) /* templates, snapshots and baselines read back */

/* Append version `version` (0: the latest) of artifact ref to out; info (may be NULL) gets the
 * version's record. OG_ENOTFOUND when the artifact or version does not exist. */
int og_docgen__read_version(og_ctx *ctx, const og_artifact_ref *ref, int64_t version, og_buf *out,
                            og_artifact_version *info);

/* ---- what the inference step learns of a generation (store_facts.c) ---- */
/* Into facts: "money_change" (model's total minus the total of the data snapshot data_name had
 * before; absent for a first generation or a kind without a total) and "missing_fields" (the
 * interpolations of the template tsrc named tref, with its partials, that model lacks). */
int og_docgen__facts(og_ctx *ctx, const og_docgen_request *req, const char *data_name,
                     const json_t *model, const json_t *baseline, const og_buf *tsrc,
                     const char *tref, json_t *facts);

/* ---- templates (store_templates.c) ---- */
/* The partial loader of generate: the tenant's template first, then the built-in; appends each
 * partial it loads ("name@version") to used. */
typedef struct og_docgen__partials {
    og_ctx *ctx;
    const char *tenant;
    json_t *used; /* array of "name@version" */
} og_docgen__partials;
int og_docgen__partial_load(void *ud, const char *name, og_buf *out);

/* ---- inputs generate resolves from the store (store_inputs.c) ---- */
/* The data snapshot named by spec "ARTIFACT@VERSION" in the project: a JSON data artifact, or a
 * generated document whose provenance names its snapshot (checked against its SHA-256). field
 * names the data's field in messages. Caller decrefs *out. */
int og_docgen__load_baseline(og_ctx *ctx, const char *tenant, const char *project, const char *spec,
                             const char *field, json_t **out);
/* A runbook whose runbook.certificates is "inventory": a copy of data with the tenant's
 * certificates of the runbook's systems in its place (*out NULL when the data does not ask). */
int og_docgen__runbook_inventory(og_ctx *ctx, const char *tenant, const json_t *data, json_t **out);
/* A closure: a copy of data with the amounts of change orders generated in this project filled
 * in (*out NULL when nothing was missing); OG_EINVAL when a given amount differs. */
int og_docgen__closure_amounts(og_ctx *ctx, const char *tenant, const char *project,
                               const json_t *data, json_t **out);

/* ---- the gate action (store_gate.c) ----
 * What generate computed and its execute stores: the document and the data snapshot are far too
 * big (and too confidential) for the gate item's params, which are kept in plain text with the
 * audit record, so they go to the gate as its staged input (og_gate_staged), which the gate keeps
 * sealed with the tenant's key while an approval is pending. The bytes are a JSON header (names,
 * media type, provenance, the canonical data), a NUL, then the document's content. */
#define OG_DOCGEN__STAGED_MEDIA "application/vnd.opsgate.generate"

typedef struct og_docgen__staged {
    const char *project, *doc_name, *data_name, *kind, *media;
    const char *content;
    size_t content_len;
    const char *data_text; /* canonical data */
    json_t *prov;          /* provenance (owned when parsed) */
    json_t *header;        /* owned when parsed: what the strings above point into */
} og_docgen__staged;

/* Append the staged bytes of s to out. */
int og_docgen__staged_encode(const og_docgen__staged *s, og_buf *out);

#endif
