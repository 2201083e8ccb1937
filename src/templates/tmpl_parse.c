/* tmpl_parse.c - Mustache parser: tokens, standalone lines, block indentation, flat node tree. */
#include "tmpl_internal.h"

#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Parsing runs in three passes over the source, each linear in its length:
 *  1. tokenize: text (split after every '\n') and tags, following {{=<% %>=}} changes;
 *  2. lines: mark standalone lines (only whitespace and non-interpolation tags, like mustache.js)
 *     whose whitespace and newline disappear, the first token of every other line, and for each
 *     tag whether only whitespace separates it from its line's start and end;
 *  3. tree: match sections, resolve block indentation, emit the flat node array.
 *
 * Indentation is applied at render time, not by rewriting partial sources: a partial's standalone
 * indentation is written before every node flagged line_start, which is exactly where a
 * text-prefixing implementation would have put it, so a partial is parsed once for every use.
 *
 * Blocks ({{$name}}) follow the inheritance spec's reindentation: when a block's opening tag ends
 * its line, the leading whitespace of the next line is the block's "intrinsic" indentation; it
 * is removed from every line of the block here and the expansion site's indentation is added when
 * rendering. An expansion site's indentation is the intrinsic one, else (opening tag first and
 * closing tag last on their lines) the opening line's leading whitespace.
 */

#define DELIM_MAX 32

typedef enum tok_kind {
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
} tok_kind;

typedef struct tok {
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
} tok;

typedef struct parser {
    const char *src;
    size_t len;
    const char *source; /* name for errors */
    og_tmpl_error *err;
    og_tmpl *t; /* receives the names of {{! optional: ... }} comments */
    tok *toks;
    size_t n_toks, cap_toks;
    /* position tracking for line/column of tags (advanced monotonically) */
    size_t at;
    int line, column;
} parser;

int og_tmpl__fail(og_tmpl_error *err, int code, const char *source, int line, int column,
                  const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!source)
        source = "";
    if (err) {
        err->line = line;
        err->column = column;
        og_strlcpy(err->source, source, sizeof(err->source));
        og_strlcpy(err->message, msg, sizeof(err->message));
    }
    if (line > 0)
        return og_error_set(code, "template %s%s%d:%d: %s", source, *source ? ":" : "", line,
                            column, msg);
    return og_error_set(code, "template %s%s%s", source, *source ? ": " : "", msg);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Move the line/column tracker to byte `to` (>= the current position). Columns count UTF-8
 * code points: continuation bytes (10xxxxxx) do not start a new column. */
static void track(parser *p, size_t to)
{
    for (; p->at < to; p->at++) {
        unsigned char c = (unsigned char)p->src[p->at];
        if (c == '\n') {
            p->line++;
            p->column = 1;
        } else if ((c & 0xC0) != 0x80) {
            p->column++;
        }
    }
}

static int fail_at(parser *p, size_t pos, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(parser *p, size_t pos, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    track(p, pos);
    return og_tmpl__fail(p->err, code, p->source, p->line, p->column, "%s", msg);
}

static tok *tok_push(parser *p)
{
    if (p->n_toks == p->cap_toks) {
        size_t n = p->cap_toks ? p->cap_toks * 2 : 64;
        tok *t = realloc(p->toks, n * sizeof(*t));
        if (!t)
            return NULL;
        p->toks = t;
        p->cap_toks = n;
    }
    tok *t = &p->toks[p->n_toks++];
    memset(t, 0, sizeof(*t));
    return t;
}

static int push_text(parser *p, size_t from, size_t to)
{
    /* One token per line piece, so standalone detection can look at whole lines. */
    while (from < to) {
        const char *nl = memchr(p->src + from, '\n', to - from);
        size_t end = nl ? (size_t)(nl - p->src) + 1 : to;
        tok *t = tok_push(p);
        if (!t)
            return og_tmpl__fail(p->err, OG_ERROR, p->source, 0, 0, "out of memory");
        t->kind = T_TEXT;
        t->s = p->src + from;
        t->n = end - from;
        t->nl = nl != NULL;
        from = end;
    }
    return 0;
}

static const char *kind_sigil(uint8_t kind)
{
    switch (kind) {
    case T_SECTION:
        return "#";
    case T_INVERTED:
        return "^";
    case T_PARENT:
        return "<";
    case T_BLOCK:
        return "$";
    default:
        return "";
    }
}

/* Trim and validate a tag's name: non-empty, no inner whitespace, no NUL (names are looked up as
 * C strings). `dyn` accepts a leading '*' (dynamic names), spaces allowed after it. */
static int tag_name(parser *p, size_t tag_pos, const char *what, const char *s, size_t n, bool dyn,
                    tok *t)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (dyn && n && *s == '*') {
        t->dynamic = true;
        s++, n--;
        while (n && is_space(*s))
            s++, n--;
    }
    if (n == 0)
        return fail_at(p, tag_pos, OG_EINVAL, "empty tag name in %s tag", what);
    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i]) || s[i] == '\0')
            return fail_at(p, tag_pos, OG_EINVAL, "bad tag name \"%.*s\": names may not contain %s",
                           (int)(n > 60 ? 60 : n), s, s[i] ? "whitespace" : "NUL bytes");
    }
    t->s = s;
    t->n = n;
    return 0;
}

/* {{=<open> <close>=}}: exactly two words, neither containing '=', each at most DELIM_MAX bytes. */
static int set_delims(parser *p, size_t tag_pos, const char *s, size_t n, char *otag, size_t *olen,
                      char *ctag, size_t *clen)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    size_t a = 0;
    while (a < n && !is_space(s[a]))
        a++;
    size_t b = a;
    while (b < n && is_space(s[b]))
        b++;
    const char *o = s, *c = s + b;
    size_t on = a, cn = n - b;
    bool ok = on > 0 && cn > 0 && on <= DELIM_MAX && cn <= DELIM_MAX && !memchr(o, '=', on) &&
              !memchr(c, '=', cn);
    for (size_t i = 0; ok && i < cn; i++)
        if (is_space(c[i]) || c[i] == '\0')
            ok = false;
    for (size_t i = 0; ok && i < on; i++)
        if (o[i] == '\0')
            ok = false;
    if (!ok)
        return fail_at(p, tag_pos, OG_EINVAL,
                       "bad set-delimiter tag: expected two delimiters of 1-%d characters "
                       "without '=' or spaces, like {{=<%% %%>=}}",
                       DELIM_MAX);
    memcpy(otag, o, on);
    *olen = on;
    memcpy(ctag, c, cn);
    *clen = cn;
    return 0;
}

/*
 * {{! optional: client.vat_id, project.po_number }}: a comment (so other Mustache tools ignore
 * it) whose text starts with "optional:" lists names, separated by commas or whitespace, that
 * this source may interpolate without the data providing them (strict rendering, og_tmpl_check).
 * Any other comment is just a comment.
 */
static int optional_comment(parser *p, size_t pos, const char *s, size_t n)
{
    static const char tag[] = "optional:";
    const size_t tl = sizeof(tag) - 1;
    while (n && is_space(*s))
        s++, n--;
    if (n < tl || memcmp(s, tag, tl) != 0)
        return 0;
    s += tl;
    n -= tl;
    while (n) {
        while (n && (is_space(*s) || *s == ','))
            s++, n--;
        size_t w = 0;
        while (w < n && !is_space(s[w]) && s[w] != ',')
            w++;
        if (w == 0)
            break;
        og_tmpl *t = p->t;
        if (t->n_optional == OG_TMPL_MAX_OPTIONAL)
            return fail_at(p, pos, OG_EINVAL, "more than %d optional names in one template",
                           OG_TMPL_MAX_OPTIONAL);
        size_t have = t->n_optional;
        if (have == 0 || (have >= 8 && (have & (have - 1)) == 0)) { /* full at 8, 16, 32... */
            size_t cap = have ? have * 2 : 8;
            tmpl_name *names = realloc(t->optional, cap * sizeof(*names));
            if (!names)
                return og_tmpl__fail(p->err, OG_ERROR, p->source, 0, 0, "out of memory");
            t->optional = names;
        }
        tmpl_name *names = t->optional;
        names[t->n_optional].s = s;
        names[t->n_optional].n = w;
        t->n_optional++;
        s += w;
        n -= w;
    }
    return 0;
}

bool og_tmpl__optional(const og_tmpl *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->n_optional; i++)
        if (t->optional[i].n == n && memcmp(t->optional[i].s, s, n) == 0)
            return true;
    return false;
}

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    return memmem(hay, hlen, needle, nlen);
}

static int tokenize(parser *p)
{
    char otag[DELIM_MAX + 1] = "{{", ctag[DELIM_MAX + 1] = "}}";
    size_t olen = 2, clen = 2;
    size_t pos = 0;
    int rc;

    /* Each iteration consumes at least one byte of input (a tag is longer than its delimiters). */
    while (pos < p->len) {
        const char *o = find(p->src + pos, p->len - pos, otag, olen);
        size_t tstart = o ? (size_t)(o - p->src) : p->len;
        if ((rc = push_text(p, pos, tstart)) < 0)
            return rc;
        if (!o)
            break;
        size_t q = tstart + olen; /* first byte inside the tag */
        char sigil = q < p->len ? p->src[q] : '\0';
        char closer[DELIM_MAX + 2];
        size_t closer_len;
        size_t inner = q;
        if (sigil == '=' || sigil == '{') {
            /* {{=a b=}} and {{{x}}} close with the sigil's partner before the delimiter. */
            closer[0] = sigil == '=' ? '=' : '}';
            memcpy(closer + 1, ctag, clen);
            closer_len = clen + 1;
            inner = q + 1;
        } else {
            memcpy(closer, ctag, clen);
            closer_len = clen;
        }
        const char *c =
            inner <= p->len ? find(p->src + inner, p->len - inner, closer, closer_len) : NULL;
        if (!c)
            return fail_at(p, tstart, OG_EINVAL, "unclosed tag: no \"%.*s\" after \"%.*s\"",
                           (int)closer_len, closer, (int)olen, otag);
        size_t cend = (size_t)(c - p->src);
        size_t next = cend + closer_len;
        const char *body = p->src + inner;
        size_t blen = cend - inner;
        /* after a one-character sigil; empty when the sigil is also the closing delimiter's
         * first character ("<##>" with delimiters "<#" "#>"), which tag_name() rejects */
        const char *rest = blen ? body + 1 : body;
        size_t rlen = blen ? blen - 1 : 0;

        track(p, tstart);
        tok *t = tok_push(p);
        if (!t)
            return og_tmpl__fail(p->err, OG_ERROR, p->source, 0, 0, "out of memory");
        t->line = p->line;
        t->column = p->column;

        switch (sigil) {
        case '=':
            t->kind = T_DELIM;
            if ((rc = set_delims(p, tstart, body, blen, otag, &olen, ctag, &clen)) < 0)
                return rc;
            break;
        case '{':
            t->kind = T_RAW;
            rc = tag_name(p, tstart, "unescaped", body, blen, false, t);
            break;
        case '!':
            t->kind = T_COMMENT;
            rc = optional_comment(p, tstart, rest, rlen);
            break;
        case '&':
            t->kind = T_RAW;
            rc = tag_name(p, tstart, "unescaped", rest, rlen, false, t);
            break;
        case '#':
        case '^':
        case '/':
        case '$':
            t->kind = sigil == '#'   ? T_SECTION
                      : sigil == '^' ? T_INVERTED
                      : sigil == '/' ? T_CLOSE
                                     : T_BLOCK;
            rc = tag_name(p, tstart,
                          sigil == '#'   ? "section"
                          : sigil == '^' ? "inverted section"
                          : sigil == '/' ? "closing"
                                         : "block",
                          rest, rlen, false, t);
            break;
        case '>':
        case '<':
            t->kind = sigil == '>' ? T_PARTIAL : T_PARENT;
            rc = tag_name(p, tstart, sigil == '>' ? "partial" : "parent", rest, rlen, true, t);
            break;
        default:
            t->kind = T_VAR;
            rc = tag_name(p, tstart, "variable", body, blen, false, t);
            break;
        }
        if (rc < 0)
            return rc;
        pos = next;
    }
    return 0;
}

/* Whitespace-only text: [ \t]* optionally followed by "\n" or "\r\n". */
static bool text_is_ws(const tok *t)
{
    size_t n = t->n;
    if (t->nl) {
        n--;
        if (n && t->s[n - 1] == '\r')
            n--;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_ws(t->s[i]))
            return false;
    return true;
}

static bool standalone_kind(uint8_t k)
{
    return k != T_TEXT && k != T_VAR && k != T_RAW;
}

/* Pass 2: per line (a run of tokens ending after a '\n' text token, or at the end). */
static void mark_lines(parser *p)
{
    size_t ls = 0;
    while (ls < p->n_toks) {
        size_t le = ls; /* inclusive */
        while (le < p->n_toks && !(p->toks[le].kind == T_TEXT && p->toks[le].nl))
            le++;
        if (le == p->n_toks)
            le--;
        size_t next = le + 1;

        bool any_tag = false, blocked = false;
        for (size_t i = ls; i <= le; i++) {
            tok *t = &p->toks[i];
            if (t->kind == T_TEXT)
                blocked |= !text_is_ws(t);
            else if (standalone_kind(t->kind))
                any_tag = true;
            else
                blocked = true;
        }
        bool standalone = any_tag && !blocked;

        const tok *first = &p->toks[ls];
        bool lead_ok = first->kind == T_TEXT && !first->nl && text_is_ws(first);
        /* leading whitespace of the following line, for intrinsic block indentation */
        const char *nws = "";
        size_t nws_len = 0;
        if (next < p->n_toks && p->toks[next].kind == T_TEXT) {
            nws = p->toks[next].s;
            while (nws_len < p->toks[next].n && is_ws(nws[nws_len]))
                nws_len++;
        }

        bool before = true;
        for (size_t i = ls; i <= le; i++) {
            tok *t = &p->toks[i];
            if (t->kind == T_TEXT) {
                before = before && text_is_ws(t);
                continue;
            }
            t->ws_before = before;
            if (before && lead_ok) {
                t->lead = first->s;
                t->lead_len = first->n;
            }
            before = false;
        }
        bool after = true;
        for (size_t i = le + 1; i-- > ls;) {
            tok *t = &p->toks[i];
            if (t->kind == T_TEXT) {
                after = after && text_is_ws(t);
                continue;
            }
            t->ws_after = after;
            if (after) {
                t->next_ws = nws;
                t->next_ws_len = nws_len;
            }
            after = false;
        }

        if (standalone) {
            for (size_t i = ls; i <= le; i++) {
                if (p->toks[i].kind == T_TEXT)
                    p->toks[i].removed = true;
                else
                    p->toks[i].standalone = true;
            }
        } else {
            p->toks[ls].line_start = true;
        }
        ls = next;
    }
}

/* ---- pass 3: the node tree ---- */

typedef struct frame {
    size_t node; /* index of the container node (root: SIZE_MAX) */
    const tok *open;
    const char *strip; /* absolute indentation removed from this container's lines */
    size_t strip_len;
    const char *cand; /* parameter block: opening line's indentation, if its pair is clear */
    size_t cand_len;
    bool intrinsic; /* block's indentation was fixed by its content */
} frame;

typedef struct builder {
    tmpl_node *nodes;
    size_t n, cap;
} builder;

static tmpl_node *node_push(builder *b)
{
    if (b->n == b->cap) {
        size_t n = b->cap ? b->cap * 2 : 64;
        tmpl_node *x = realloc(b->nodes, n * sizeof(*x));
        if (!x)
            return NULL;
        b->nodes = x;
        b->cap = n;
    }
    tmpl_node *x = &b->nodes[b->n];
    memset(x, 0, sizeof(*x));
    x->end = (uint32_t)(b->n + 1);
    b->n++;
    return x;
}

static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    return i;
}

/* Drop the part of an indentation that the enclosing blocks already removed. */
static void relative(const frame *f, const char **s, size_t *n)
{
    size_t c = common_prefix(*s, *n, f->strip, f->strip_len);
    *s += c;
    *n -= c;
}

static int build(parser *p, og_tmpl *t)
{
    static const char newline[] = "\n";
    builder b = {0};
    frame stack[OG_TMPL_MAX_NESTING + 1];
    size_t depth = 0;
    int error = -1;

    memset(&stack[0], 0, sizeof(stack[0]));
    stack[0].node = SIZE_MAX;
    stack[0].strip = "";

    for (size_t i = 0; i < p->n_toks; i++) {
        const tok *k = &p->toks[i];
        frame *top = &stack[depth];
        tmpl_node *x;

        if (k->kind == T_TEXT && k->removed)
            continue;
        if (k->line_start && (k->kind == T_COMMENT || k->kind == T_DELIM || k->kind == T_CLOSE)) {
            /* keep the line's start (inside the body for a closing tag) for indentation */
            if (!(x = node_push(&b)))
                goto oom;
            x->kind = TK_NOP;
            x->line_start = true;
        }
        switch (k->kind) {
        case T_COMMENT:
        case T_DELIM:
            break;
        case T_TEXT:
            if (!(x = node_push(&b)))
                goto oom;
            x->kind = TK_TEXT;
            x->s = k->s;
            x->n = k->n;
            x->line_start = k->line_start;
            if (k->line_start)
                relative(top, &x->s, &x->n);
            break;
        case T_VAR:
        case T_RAW:
        case T_PARTIAL:
            if (!(x = node_push(&b)))
                goto oom;
            x->kind = k->kind == T_VAR ? TK_VAR : k->kind == T_RAW ? TK_RAW : TK_PARTIAL;
            x->s = k->s;
            x->n = k->n;
            x->dynamic = k->dynamic;
            x->line_start = k->line_start;
            x->line = k->line;
            x->column = k->column;
            if (k->kind == T_PARTIAL && k->standalone && k->lead) {
                x->indent = k->lead;
                x->indent_len = k->lead_len;
                relative(top, &x->indent, &x->indent_len);
            }
            break;
        case T_SECTION:
        case T_INVERTED:
        case T_PARENT:
        case T_BLOCK: {
            if (depth == OG_TMPL_MAX_NESTING) {
                error = og_tmpl__fail(p->err, OG_EINVAL, p->source, k->line, k->column,
                                      "sections nested deeper than %d", OG_TMPL_MAX_NESTING);
                goto cleanup;
            }
            bool argument = top->open && top->open->kind == T_PARENT;
            if (!(x = node_push(&b)))
                goto oom;
            x->kind = k->kind == T_SECTION    ? TK_SECTION
                      : k->kind == T_INVERTED ? TK_INVERTED
                      : k->kind == T_PARENT   ? TK_PARENT
                                              : TK_BLOCK;
            x->s = k->s;
            x->n = k->n;
            x->dynamic = k->dynamic;
            x->line_start = k->line_start;
            x->line = k->line;
            x->column = k->column;
            if (k->kind == T_PARENT && k->standalone && k->lead) {
                x->indent = k->lead;
                x->indent_len = k->lead_len;
                relative(top, &x->indent, &x->indent_len);
            }
            frame *f = &stack[++depth];
            memset(f, 0, sizeof(*f));
            f->node = b.n - 1;
            f->open = k;
            f->strip = top->strip;
            f->strip_len = top->strip_len;
            if (k->kind == T_BLOCK) {
                /* argument blocks take their indentation from their content whenever the
                 * opening tag ends its line; parameter blocks only when it is alone there */
                bool intrinsic = k->ws_after && (argument || k->ws_before);
                if (intrinsic) {
                    size_t c =
                        common_prefix(k->next_ws, k->next_ws_len, top->strip, top->strip_len);
                    if (c == top->strip_len) {
                        f->strip = k->next_ws;
                        f->strip_len = k->next_ws_len;
                        x->indent = k->next_ws + c;
                        x->indent_len = k->next_ws_len - c;
                    }
                    f->intrinsic = true;
                } else if (k->ws_before && k->lead) {
                    f->cand = k->lead;
                    f->cand_len = k->lead_len;
                    relative(top, &f->cand, &f->cand_len);
                }
            }
            break;
        }
        case T_CLOSE: {
            if (depth == 0) {
                error = og_tmpl__fail(p->err, OG_EINVAL, p->source, k->line, k->column,
                                      "closing tag {{/%.*s}} has no opening tag",
                                      (int)(k->n > 60 ? 60 : k->n), k->s);
                goto cleanup;
            }
            const tok *o = top->open;
            if (o->n != k->n || memcmp(o->s, k->s, k->n) != 0) {
                error = og_tmpl__fail(
                    p->err, OG_EINVAL, p->source, k->line, k->column,
                    "mismatched closing tag {{/%.*s}}: expected {{/%.*s}} to close "
                    "{{%s%.*s}} from line %d column %d",
                    (int)(k->n > 60 ? 60 : k->n), k->s, (int)(o->n > 60 ? 60 : o->n), o->s,
                    kind_sigil(o->kind), (int)(o->n > 60 ? 60 : o->n), o->s, o->line, o->column);
                goto cleanup;
            }
            tmpl_node *c = &b.nodes[top->node];
            bool argument = depth >= 2 && stack[depth - 1].open->kind == T_PARENT;
            if (o->kind == T_BLOCK && argument && o->ws_after && k->ws_after && !k->ws_before) {
                /* "two{{/block}}\n": the argument's last line keeps its line break */
                if (!(x = node_push(&b)))
                    goto oom;
                x->kind = TK_TEXT;
                x->s = newline;
                x->n = 1;
                c = &b.nodes[top->node];
            } else if (o->kind == T_BLOCK && !argument && !top->intrinsic && top->cand &&
                       k->ws_after) {
                c->indent = top->cand;
                c->indent_len = top->cand_len;
            }
            c->end = (uint32_t)b.n;
            depth--;
            break;
        }
        default:
            break;
        }
    }
    if (depth > 0) {
        const tok *o = stack[depth].open;
        error = og_tmpl__fail(
            p->err, OG_EINVAL, p->source, o->line, o->column,
            "unclosed section {{%s%.*s}}: no {{/%.*s}} before the end of the template",
            kind_sigil(o->kind), (int)(o->n > 60 ? 60 : o->n), o->s, (int)(o->n > 60 ? 60 : o->n),
            o->s);
        goto cleanup;
    }
    t->nodes = b.nodes;
    t->n_nodes = b.n;
    b.nodes = NULL;
    error = 0;
    goto cleanup;

oom:
    error = og_tmpl__fail(p->err, OG_ERROR, p->source, 0, 0, "out of memory");
cleanup:
    free(b.nodes);
    return error;
}

int og_tmpl_parse_named(og_tmpl **out, const char *source, const char *src, size_t len,
                        og_tmpl_error *err)
{
    og_tmpl *t = NULL;
    parser p = {0};
    int error = -1;

    *out = NULL;
    if (!source)
        source = "";
    if (err)
        memset(err, 0, sizeof(*err));
    if (len > OG_TMPL_MAX_SOURCE) {
        error = og_tmpl__fail(err, OG_ETOOBIG, source, 0, 0,
                              "template of %zu bytes is over the limit of %zu", len,
                              OG_TMPL_MAX_SOURCE);
        goto cleanup;
    }
    if (!src && len) {
        error = og_tmpl__fail(err, OG_EINVAL, source, 0, 0, "no template source");
        goto cleanup;
    }
    t = calloc(1, sizeof(*t));
    if (!t || !(t->src = malloc(len + 1)) || !(t->name = strdup(source))) {
        error = og_tmpl__fail(err, OG_ERROR, source, 0, 0, "out of memory");
        goto cleanup;
    }
    if (len)
        memcpy(t->src, src, len);
    t->src[len] = '\0';
    t->src_len = len;

    p.src = t->src;
    p.len = len;
    p.source = source;
    p.err = err;
    p.t = t;
    p.line = 1;
    p.column = 1;
    if ((error = tokenize(&p)) < 0)
        goto cleanup;
    mark_lines(&p);
    if ((error = build(&p, t)) < 0)
        goto cleanup;

    *out = t;
    t = NULL;
    error = 0;
cleanup:
    free(p.toks);
    og_tmpl_free(t);
    return error;
}

int og_tmpl_parse(og_tmpl **out, const char *src, size_t len, og_tmpl_error *err)
{
    return og_tmpl_parse_named(out, "", src, len, err);
}

void og_tmpl_free(og_tmpl *t)
{
    if (!t)
        return;
    free(t->nodes);
    free(t->optional);
    free(t->src);
    free(t->name);
    free(t);
}
