/* tmpl_tree.c - Mustache parser pass 3: sections matched, block indentation resolved, and the
 * flat node array (a container's body is the nodes after it up to its end). */
#include "tmpl_parser.h"

#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

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

typedef struct frame {
    size_t node; /* index of the container node (root: SIZE_MAX) */
    const tmpl_tok *open;
    const char *strip; /* absolute indentation removed from this container's lines */
    size_t strip_len;
    const char *cand; /* parameter block: opening line's indentation, if its pair is clear */
    size_t cand_len;
    bool intrinsic; /* block's indentation was fixed by its content */
} frame;

typedef struct builder {
    tmpl_node *nodes;
    size_t n, cap;
    tmpl_parser *p;
    frame stack[OG_TMPL_MAX_NESTING + 1]; /* stack[0] is the root */
    size_t depth;
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

/* The name and position of tag k in node x; a standalone partial's or parent's indentation
 * (relative to what the enclosing blocks removed). */
static void node_from_tag(tmpl_node *x, const tmpl_tok *k, const frame *top)
{
    x->s = k->s;
    x->n = k->n;
    x->dynamic = k->dynamic;
    x->line_start = k->line_start;
    x->line = k->line;
    x->column = k->column;
    if ((k->kind == T_PARTIAL || k->kind == T_PARENT) && k->standalone && k->lead) {
        x->indent = k->lead;
        x->indent_len = k->lead_len;
        relative(top, &x->indent, &x->indent_len);
    }
}

static int oom(builder *b)
{
    return og_tmpl__fail(b->p->err, OG_ERROR, b->p->source, 0, 0, "out of memory");
}

/* Text, an interpolation or a partial: one leaf node. */
static int tree_leaf(builder *b, const tmpl_tok *k)
{
    const frame *top = &b->stack[b->depth];
    tmpl_node *x = node_push(b);
    if (!x)
        return oom(b);
    if (k->kind == T_TEXT) {
        x->kind = TK_TEXT;
        x->s = k->s;
        x->n = k->n;
        x->line_start = k->line_start;
        if (k->line_start)
            relative(top, &x->s, &x->n);
        return 0;
    }
    x->kind = k->kind == T_VAR ? TK_VAR : k->kind == T_RAW ? TK_RAW : TK_PARTIAL;
    node_from_tag(x, k, top);
    return 0;
}

/* A block's indentation: argument blocks take theirs from their content whenever the opening
 * tag ends its line; parameter blocks only when it is alone there (else the opening line's, if
 * the closing tag ends its line too: see tree_close). */
static void block_indent(tmpl_node *x, const tmpl_tok *k, const frame *top, frame *f, bool argument)
{
    bool intrinsic = k->ws_after && (argument || k->ws_before);
    if (intrinsic) {
        size_t c = common_prefix(k->next_ws, k->next_ws_len, top->strip, top->strip_len);
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

/* A section, inverted section, parent or block opens: its node, and a frame on the stack. */
static int tree_open(builder *b, const tmpl_tok *k)
{
    const frame *top = &b->stack[b->depth];
    if (b->depth == OG_TMPL_MAX_NESTING)
        return og_tmpl__fail(b->p->err, OG_EINVAL, b->p->source, k->line, k->column,
                             "sections nested deeper than %d", OG_TMPL_MAX_NESTING);
    bool argument = top->open && top->open->kind == T_PARENT;
    tmpl_node *x = node_push(b);
    if (!x)
        return oom(b);
    x->kind = k->kind == T_SECTION    ? TK_SECTION
              : k->kind == T_INVERTED ? TK_INVERTED
              : k->kind == T_PARENT   ? TK_PARENT
                                      : TK_BLOCK;
    node_from_tag(x, k, top);
    frame *f = &b->stack[++b->depth];
    memset(f, 0, sizeof(*f));
    f->node = b->n - 1;
    f->open = k;
    f->strip = top->strip;
    f->strip_len = top->strip_len;
    if (k->kind == T_BLOCK)
        block_indent(x, k, top, f, argument);
    return 0;
}

/* A closing tag: it must match the open container, whose body ends here. */
static int tree_close(builder *b, const tmpl_tok *k)
{
    static const char newline[] = "\n";
    frame *top = &b->stack[b->depth];
    tmpl_parser *p = b->p;
    if (b->depth == 0)
        return og_tmpl__fail(p->err, OG_EINVAL, p->source, k->line, k->column,
                             "closing tag {{/%.*s}} has no opening tag",
                             (int)(k->n > 60 ? 60 : k->n), k->s);
    const tmpl_tok *o = top->open;
    if (o->n != k->n || memcmp(o->s, k->s, k->n) != 0)
        return og_tmpl__fail(p->err, OG_EINVAL, p->source, k->line, k->column,
                             "mismatched closing tag {{/%.*s}}: expected {{/%.*s}} to close "
                             "{{%s%.*s}} from line %d column %d",
                             (int)(k->n > 60 ? 60 : k->n), k->s, (int)(o->n > 60 ? 60 : o->n), o->s,
                             kind_sigil(o->kind), (int)(o->n > 60 ? 60 : o->n), o->s, o->line,
                             o->column);
    bool argument = b->depth >= 2 && b->stack[b->depth - 1].open->kind == T_PARENT;
    if (o->kind == T_BLOCK && argument && o->ws_after && k->ws_after && !k->ws_before) {
        /* "two{{/block}}\n": the argument's last line keeps its line break */
        tmpl_node *x = node_push(b);
        if (!x)
            return oom(b);
        x->kind = TK_TEXT;
        x->s = newline;
        x->n = 1;
    } else if (o->kind == T_BLOCK && !argument && !top->intrinsic && top->cand && k->ws_after) {
        b->nodes[top->node].indent = top->cand;
        b->nodes[top->node].indent_len = top->cand_len;
    }
    b->nodes[top->node].end = (uint32_t)b->n;
    b->depth--;
    return 0;
}

static int tree_token(builder *b, const tmpl_tok *k)
{
    if (k->kind == T_TEXT && k->removed)
        return 0;
    if (k->line_start && (k->kind == T_COMMENT || k->kind == T_DELIM || k->kind == T_CLOSE)) {
        /* keep the line's start (inside the body for a closing tag) for indentation */
        tmpl_node *x = node_push(b);
        if (!x)
            return oom(b);
        x->kind = TK_NOP;
        x->line_start = true;
    }
    switch (k->kind) {
    case T_TEXT:
    case T_VAR:
    case T_RAW:
    case T_PARTIAL:
        return tree_leaf(b, k);
    case T_SECTION:
    case T_INVERTED:
    case T_PARENT:
    case T_BLOCK:
        return tree_open(b, k);
    case T_CLOSE:
        return tree_close(b, k);
    default: /* comments and delimiter changes */
        return 0;
    }
}

int og_tmpl__build(tmpl_parser *p, og_tmpl *t)
{
    int error = 0;
    builder b;
    memset(&b, 0, sizeof(b));
    b.p = p;
    b.stack[0].node = SIZE_MAX;
    b.stack[0].strip = "";
    for (size_t i = 0; i < p->n_toks && error == 0; i++)
        error = tree_token(&b, &p->toks[i]);
    if (error == 0 && b.depth > 0) {
        const tmpl_tok *o = b.stack[b.depth].open;
        error = og_tmpl__fail(
            p->err, OG_EINVAL, p->source, o->line, o->column,
            "unclosed section {{%s%.*s}}: no {{/%.*s}} before the end of the template",
            kind_sigil(o->kind), (int)(o->n > 60 ? 60 : o->n), o->s, (int)(o->n > 60 ? 60 : o->n),
            o->s);
    }
    if (error == 0) {
        t->nodes = b.nodes;
        t->n_nodes = b.n;
        b.nodes = NULL;
    }
    free(b.nodes);
    return error;
}
