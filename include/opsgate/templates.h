/* templates.h - a Mustache template engine over jansson values (parse once, render many). */
#ifndef OPSGATE_TEMPLATES_H
#define OPSGATE_TEMPLATES_H

#include <stddef.h>

#include <jansson.h>

#include "opsgate/util.h"

/*
 * The engine implements the Mustache spec (github.com/mustache/spec): interpolation, sections,
 * inverted sections, comments, partials, set delimiters, and the optional inheritance
 * ({{<parent}} / {{$block}}) and dynamic-name ({{>*name}}) modules. Lambdas are not supported:
 * the data is plain JSON.
 *
 * Truthiness (sections and inverted sections): false, null, a missing name, an empty array and
 * an empty string are falsey; everything else, including 0, 0.0 and {}, is truthy. Numbers print
 * as JSON would (integers without decimals, reals in their shortest round-trip form: 1.21).
 * true/false print as "true"/"false", null as "", objects and arrays as "".
 *
 * Limits: sources over OG_TMPL_MAX_SOURCE, sections nested deeper than OG_TMPL_MAX_NESTING,
 * partials/parents nested deeper than the depth option and output over the og_buf's cap all
 * fail with a clear error instead of growing without bound. Bytes, including invalid UTF-8,
 * pass through unchanged; only & < > " ' are rewritten by HTML escaping.
 *
 * An og_tmpl is immutable once parsed, so one can be rendered from several threads at once.
 */

#define OG_TMPL_MAX_SOURCE    ((size_t)8 << 20) /* bytes of one template or partial source */
#define OG_TMPL_MAX_NESTING   256               /* open sections/blocks inside one source */
#define OG_TMPL_DEFAULT_DEPTH 64                /* partial/parent nesting when opts leave it 0 */
#define OG_TMPL_MAX_PARTIALS  1024              /* distinct partial names loaded by one render */
#define OG_TMPL_MAX_OPTIONAL  1024              /* names in {{! optional: ... }} of one source */

typedef struct og_tmpl og_tmpl;

/* Where and why parsing or rendering failed. Caller-owned, like jansson's json_error_t. */
typedef struct og_tmpl_error {
    int line;         /* 1-based line of the offending tag; 0 when the error has no position */
    int column;       /* 1-based column in characters (UTF-8 code points) */
    char source[128]; /* "" for the template itself, else the name of the partial at fault */
    char message[256];
} og_tmpl_error;

typedef enum og_tmpl_escape {
    OG_TMPL_ESCAPE_HTML = 0, /* {{x}} escapes & < > " ' (the spec's default) */
    OG_TMPL_ESCAPE_NONE = 1, /* {{x}} is verbatim, for Markdown and plain-text output */
} og_tmpl_escape;

/*
 * Partial loader: append the source of partial `name` (NUL-terminated, borrowed) to `out`.
 * Return 0, OG_ENOTFOUND (the partial renders as the empty string, as the spec asks), or any
 * other negative code to abort the render (set og_error_set() first; the message is kept).
 * `out` is capped at OG_TMPL_MAX_SOURCE. Each name is loaded at most once per render.
 */
typedef int (*og_tmpl_partial_fn)(void *ud, const char *name, og_buf *out);

/* A name the data did not provide, reported by the `missing` hook (all fields borrowed). */
typedef struct og_tmpl_missing {
    const char *name;   /* as written in the tag, e.g. "client.name" or "*kind" */
    const char *source; /* "" for the template itself, else the partial's name */
    int line;
    int column;
    int interpolation; /* 1: {{x}}, {{{x}}} or {{&x}} (an error in strict mode); 0: a section,
                        * inverted section or dynamic partial name (renders nothing) */
    int optional;      /* 1: the source marks the name optional ({{! optional: x }}) */
} og_tmpl_missing;

typedef void (*og_tmpl_missing_fn)(void *ud, const og_tmpl_missing *m);

/*
 * Render options; a zeroed struct (or NULL) means HTML escaping, no partials, depth 64 and the
 * spec's lenient lookups (a missing name renders as "").
 *
 * strict: an interpolation ({{x}}, {{{x}}}, {{&x}}) whose name does not resolve in the context
 * stack fails the render with OG_EINVAL, naming the template (or partial), line, column and the
 * name, unless its source lists the name in an optional comment:
 *     {{! optional: client.vat_id, project.po_number }}
 * (names as written in the tags, separated by commas or whitespace; the comment may be anywhere
 * in the source and covers every tag of that source, not of its partials). A name that resolves
 * to null prints nothing and is not missing. Sections and inverted sections over a missing name
 * are never errors: {{#client.vat_id}}VAT {{client.vat_id}}{{/client.vat_id}} is the other way
 * to write an optional value.
 */
typedef struct og_tmpl_opts {
    og_tmpl_escape escape;
    og_tmpl_partial_fn partial; /* NULL: every partial and parent renders as "" */
    void *partial_ud;
    og_tmpl_missing_fn missing; /* called for each name lookup that fails (may repeat) */
    void *missing_ud;
    unsigned max_depth; /* partial/parent nesting cap; 0 means OG_TMPL_DEFAULT_DEPTH */
    int strict;         /* nonzero: a missing, non-optional interpolation is an error */
} og_tmpl_opts;

/*
 * Compile `len` bytes of `src` (need not be NUL-terminated; copied, so the caller may free it).
 * On success *out is a template the caller frees with og_tmpl_free(). On failure returns
 * OG_EINVAL (syntax) or OG_ETOOBIG/OG_ERROR, leaves *out NULL, fills `err` (may be NULL) with the
 * line and column of the offending tag, and sets og_error_last() to "line:col: message".
 * Detected: unclosed tag, unclosed section, mismatched or unexpected closing tag, bad
 * set-delimiter tag, empty or malformed tag name, sections nested too deep.
 */
int og_tmpl_parse(og_tmpl **out, const char *src, size_t len, og_tmpl_error *err);

/* Like og_tmpl_parse, but errors name `source` (e.g. the template's file or store name). */
int og_tmpl_parse_named(og_tmpl **out, const char *source, const char *src, size_t len,
                        og_tmpl_error *err);

/* No-op on NULL. */
void og_tmpl_free(og_tmpl *t);

/*
 * Render `t` against `data` (borrowed; may be NULL, meaning an empty context), appending to
 * `out`. Returns 0, or a negative code with `err` filled: OG_ETOOBIG when the output would pass
 * out->cap, OG_EINVAL for an error in a partial's syntax or partials nested too deep (a partial
 * that includes itself), or the partial loader's own code. On failure `out` is truncated back to
 * the length it had on entry, so nothing half-rendered is left behind.
 */
int og_tmpl_render(og_buf *out, const og_tmpl *t, const json_t *data, const og_tmpl_opts *opts,
                   og_tmpl_error *err);

/*
 * `opsgate template check`: render `t` against `data` into a scratch buffer and call `fn` once per
 * distinct (source, line, column) whose name the data does not provide, sections and optional
 * names included (see og_tmpl_missing's flags: what strict rendering refuses is
 * `interpolation && !optional`). Only the branches the data selects are walked, like a real
 * render (a section over an empty list checks nothing inside). `opts` may be NULL; its own
 * `missing` hook and `strict` flag are ignored. Returns 0 even when names are missing; a negative
 * code for render errors, as og_tmpl_render.
 */
int og_tmpl_check(const og_tmpl *t, const json_t *data, const og_tmpl_opts *opts,
                  og_tmpl_missing_fn fn, void *ud, og_tmpl_error *err);

/*
 * A ready-made partial loader over a JSON object of name -> source string (pass the object as
 * partial_ud, borrowed). Non-string members and absent names are OG_ENOTFOUND.
 */
int og_tmpl_partials_from_json(void *ud, const char *name, og_buf *out);

#endif
