/* tmpl_parse.c - Mustache parser: the driver of its three passes (tmpl_lex.c, tmpl_tree.c). */
#include "tmpl_parser.h"

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
        /* both quote the template (a tag name cut mid-character): printed by the CLI */
        og_error_clean_text(err->source);
        og_error_clean_text(err->message);
    }
    if (line > 0)
        return og_error_set(code, "template %s%s%d:%d: %s", source, *source ? ":" : "", line,
                            column, msg);
    return og_error_set(code, "template %s%s%s", source, *source ? ": " : "", msg);
}

int og_tmpl_parse_named(og_tmpl **out, const char *source, const char *src, size_t len,
                        og_tmpl_error *err)
{
    og_tmpl *t = NULL;
    tmpl_parser p = {0};
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
    if ((error = og_tmpl__tokenize(&p)) < 0)
        goto cleanup;
    og_tmpl__mark_lines(&p);
    if ((error = og_tmpl__build(&p, t)) < 0)
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
