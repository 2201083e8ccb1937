/* tmpl_lex.c - Mustache parser passes 1 and 2: tokens, then standalone lines and whitespace. */
#include "tmpl_parser.h"

#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void track(tmpl_parser *p, size_t to)
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

static int fail_at(tmpl_parser *p, size_t pos, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(tmpl_parser *p, size_t pos, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    track(p, pos);
    return og_tmpl__fail(p->err, code, p->source, p->line, p->column, "%s", msg);
}

static tmpl_tok *tok_push(tmpl_parser *p)
{
    if (p->n_toks == p->cap_toks) {
        size_t n = p->cap_toks ? p->cap_toks * 2 : 64;
        tmpl_tok *t = realloc(p->toks, n * sizeof(*t));
        if (!t)
            return NULL;
        p->toks = t;
        p->cap_toks = n;
    }
    tmpl_tok *t = &p->toks[p->n_toks++];
    memset(t, 0, sizeof(*t));
    return t;
}

static int push_text(tmpl_parser *p, size_t from, size_t to)
{
    /* One token per line piece, so standalone detection can look at whole lines. */
    while (from < to) {
        const char *nl = memchr(p->src + from, '\n', to - from);
        size_t end = nl ? (size_t)(nl - p->src) + 1 : to;
        tmpl_tok *t = tok_push(p);
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

/* Trim and validate a tag's name: non-empty, no inner whitespace, no NUL (names are looked up as
 * C strings). `dyn` accepts a leading '*' (dynamic names), spaces allowed after it. */
static int tag_name(tmpl_parser *p, size_t tag_pos, const char *what, const char *s, size_t n,
                    bool dyn, tmpl_tok *t)
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
static int set_delims(tmpl_parser *p, size_t tag_pos, const char *s, size_t n, char *otag,
                      size_t *olen, char *ctag, size_t *clen)
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
static int optional_comment(tmpl_parser *p, size_t pos, const char *s, size_t n)
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

int og_tmpl__tokenize(tmpl_parser *p)
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
        tmpl_tok *t = tok_push(p);
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
static bool text_is_ws(const tmpl_tok *t)
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
void og_tmpl__mark_lines(tmpl_parser *p)
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
            tmpl_tok *t = &p->toks[i];
            if (t->kind == T_TEXT)
                blocked |= !text_is_ws(t);
            else if (standalone_kind(t->kind))
                any_tag = true;
            else
                blocked = true;
        }
        bool standalone = any_tag && !blocked;

        const tmpl_tok *first = &p->toks[ls];
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
            tmpl_tok *t = &p->toks[i];
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
            tmpl_tok *t = &p->toks[i];
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
