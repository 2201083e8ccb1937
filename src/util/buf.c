/* buf.c - bounded growable buffers. */
#include "opsgate/util.h"
#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void og_buf_init(og_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : OG_BUF_DEFAULT_CAP;
}

static int buf_reserve(og_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return og_error_set(OG_ETOOBIG, "buffer limit of %zu bytes exceeded", b->cap);
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return 0;
    size_t n = b->alloc ? b->alloc : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(b->data, n);
    if (!p)
        return og_error_set(OG_ERROR, "out of memory growing a buffer to %zu bytes", n);
    b->data = p;
    b->alloc = n;
    return 0;
}

int og_buf_append(og_buf *b, const void *data, size_t len)
{
    int rc = buf_reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int og_buf_puts(og_buf *b, const char *s)
{
    return og_buf_append(b, s, strlen(s));
}

int og_buf_printf(og_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return og_error_set(OG_ERROR, "bad format string");
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void og_buf_reset(og_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *og_buf_detach(og_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}

void og_buf_free(og_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}
