/* tmpl_internal.h - the compiled form of a Mustache template, shared by parser and renderer. */
#ifndef OG_TMPL_INTERNAL_H
#define OG_TMPL_INTERNAL_H

#include "opsgate/templates.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum tmpl_kind {
    TK_TEXT,     /* literal bytes */
    TK_VAR,      /* {{name}}: escaped per the render options */
    TK_RAW,      /* {{{name}}} or {{&name}}: never escaped */
    TK_SECTION,  /* {{#name}} ... {{/name}} */
    TK_INVERTED, /* {{^name}} ... {{/name}} */
    TK_PARTIAL,  /* {{>name}} */
    TK_PARENT,   /* {{<name}} ... {{/name}}: body holds only the argument blocks */
    TK_BLOCK,    /* {{$name}} ... {{/name}} */
    TK_NOP,      /* a comment or delimiter change that starts a line: only carries line_start */
} tmpl_kind;

/*
 * Nodes are stored flat, in pre-order: a container's body is nodes[i+1 .. end), so rendering
 * walks ranges without pointers and a template is two allocations (nodes and source copy).
 * All strings point into og_tmpl.src (or at static storage) and are not NUL-terminated.
 */
typedef struct tmpl_node {
    uint8_t kind;
    bool line_start; /* first node of a source line: a partial's indentation goes here */
    bool dynamic;    /* {{>*name}} / {{<*name}}: `name` is looked up for the partial's name */
    uint32_t end;    /* index after the last node of the body (i+1 for leaves) */
    const char *s;   /* text, or the tag's name */
    size_t n;
    const char
        *indent; /* partial/parent: standalone indentation; block: indentation at expansion */
    size_t indent_len;
    int line, column;
} tmpl_node;

/* A name (pointing into og_tmpl.src, not NUL-terminated). */
typedef struct tmpl_name {
    const char *s;
    size_t n;
} tmpl_name;

struct og_tmpl {
    char *src; /* owned copy of the source; nodes point into it */
    size_t src_len;
    tmpl_node *nodes;
    size_t n_nodes;
    char *name;          /* owned; "" for a template parsed without a name */
    tmpl_name *optional; /* names listed in {{! optional: a, b.c }} comments of this source */
    size_t n_optional;
};

/* Whether `t` marks the tag name s[0..n) optional. */
bool og_tmpl__optional(const og_tmpl *t, const char *s, size_t n);

/* Fill err and og_error_set(); returns code. NULL err is allowed. */
int og_tmpl__fail(og_tmpl_error *err, int code, const char *source, int line, int column,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
