/* tmpl_parser.h - the parser's tokens and passes, shared by tmpl_lex.c (passes 1 and 2),
 * tmpl_tree.c (pass 3) and tmpl_parse.c (the driver). Not a public interface. */
#ifndef OG_TMPL_PARSER_H
#define OG_TMPL_PARSER_H

#include "tmpl_internal.h"

#define DELIM_MAX 32

typedef enum tmpl_tok_kind {
    T_TEXT,
    T_VAR,
    T_RAW,
    T_SECTION,
    T_INVERTED,
    T_CLOSE,
    T_PARTIAL,
    T_PARENT,
    T_BLOCK,
    T_COMMENT,
    T_DELIM,
} tmpl_tok_kind;

typedef struct tmpl_tok {
    uint8_t kind;
    bool dynamic;
    bool nl;         /* text: ends with '\n' (so ends its line) */
    bool removed;    /* text on a standalone line */
    bool standalone; /* tag on a standalone line */
    bool line_start; /* first token of a line that is not standalone */
    bool ws_before;  /* tag: only whitespace text between it and the start of its line */
    bool ws_after;   /* tag: only whitespace text between it and the end of its line */
    const char *s;   /* text, or the tag's name */
    size_t n;
    const char *lead; /* tag with ws_before: the line's leading whitespace */
    size_t lead_len;
    const char *next_ws; /* tag with ws_after: leading whitespace of the following line */
    size_t next_ws_len;
    int line, column;
} tmpl_tok;

typedef struct tmpl_parser {
    const char *src;
    size_t len;
    const char *source; /* name for errors */
    og_tmpl_error *err;
    og_tmpl *t; /* receives the names of {{! optional: ... }} comments */
    tmpl_tok *toks;
    size_t n_toks, cap_toks;
    /* position tracking for line/column of tags (advanced monotonically) */
    size_t at;
    int line, column;
} tmpl_parser;

/* Pass 1: text (split after every '\n') and tags, following {{=<% %>=}} changes. 0 or the
 * error, with p->err filled. */
int og_tmpl__tokenize(tmpl_parser *p);
/* Pass 2: standalone lines, the first token of every other line, whitespace around tags. */
void og_tmpl__mark_lines(tmpl_parser *p);
/* Pass 3: match sections, resolve block indentation and set t->nodes. */
int og_tmpl__build(tmpl_parser *p, og_tmpl *t);

#endif
