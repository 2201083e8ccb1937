/* authlimit.h - internal to src/http: the limit on failed authentications per source address
 * and per token prefix (authlimit.c). See docs/api.md "Authentication failures". */
#ifndef OPSGATE_HTTP_AUTHLIMIT_H
#define OPSGATE_HTTP_AUTHLIMIT_H

#include <stddef.h>

typedef struct og_http_authlimit og_http_authlimit;

/* What og_http__authlimit_check() found. */
typedef struct og_http_authlimit_refusal {
    int retry_after; /* seconds until the window ends; 0 = not refused */
    const char *by;  /* "source" or "token_prefix" (static) */
    int failures;    /* failures counted in the window */
    int first;       /* the first refusal of this key's window (audit it once) */
} og_http_authlimit_refusal;

/* A limiter: limit failures per key within window_s seconds, at most cap keys remembered (the
 * oldest window is evicted when full). limit <= 0 disables it: *out is NULL, and every function
 * below takes NULL as "no limit". */
int og_http__authlimit_new(og_http_authlimit **out, int limit, int window_s, size_t cap);
void og_http__authlimit_free(og_http_authlimit *l);
/* Refused? Returns out->retry_after (0 = go ahead). source (an address) and prefix (a token id)
 * may be NULL or empty. Constant cost: never looks at the token. */
int og_http__authlimit_check(og_http_authlimit *l, const char *source, const char *prefix,
                             og_http_authlimit_refusal *out);
/* Count one failed authentication against source and prefix. */
void og_http__authlimit_fail(og_http_authlimit *l, const char *source, const char *prefix);
int og_http__authlimit_limit(const og_http_authlimit *l);
int og_http__authlimit_window_s(const og_http_authlimit *l);

#endif
