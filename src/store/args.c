/* args.c - a statement and its parameters in one call: og_stmt_prepare_args, og_store_run. */
#include "opsgate/error.h"
#include "opsgate/store.h"

#include <stdarg.h>

void og_stmt_bind_va(og_stmt *st, const char *types, va_list ap)
{
    for (int i = 1; types && types[i - 1]; i++) {
        switch (types[i - 1]) {
        case 't':
            og_stmt_bind_text(st, i, va_arg(ap, const char *));
            break;
        case 'i':
            og_stmt_bind_int(st, i, va_arg(ap, int64_t));
            break;
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            if (v)
                og_stmt_bind_int(st, i, v);
            else
                og_stmt_bind_null(st, i);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            og_stmt_bind_blob(st, i, p, va_arg(ap, size_t));
            break;
        }
        default:
            og_stmt_bind_null(st, i);
            break;
        }
    }
}

int og_stmt_prepare_args(og_stmt **out, og_store *s, const char *sql, const char *types, ...)
{
    va_list ap;
    int error = og_stmt_prepare(out, s, sql);
    if (error < 0)
        return error;
    va_start(ap, types);
    og_stmt_bind_va(*out, types, ap);
    va_end(ap);
    return 0;
}

int og_store_run_va(og_store *s, const char *sql, const char *types, va_list ap)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, sql);
    if (error < 0)
        return error;
    og_stmt_bind_va(st, types, ap);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : error == OG_ROW;
}

int og_store_run(og_store *s, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int error = og_store_run_va(s, sql, types, ap);
    va_end(ap);
    return error;
}
