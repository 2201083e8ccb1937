/* lexicon_words.h - how the infer unit tests read words the way the lexicon does (shared by the
 * new-language tests): a string accent-folded as og_infer__fold folds it, and the concepts a
 * folded word names. */
#ifndef OG_TEST_LEXICON_WORDS_H
#define OG_TEST_LEXICON_WORDS_H

#include "infer/infer_internal.h"

#include <stdio.h>
#include <string.h>

/* s folded letter by letter into out (size bytes, NUL-terminated) */
static inline void fold_str(const char *s, char *out, size_t size)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        char f[3];
        size_t used, k = og_infer__fold((const unsigned char *)s + i, len - i, f, &used);
        for (size_t j = 0; j < k && n + 1 < size; j++)
            out[n++] = f[j];
        i += used;
    }
    out[n] = '\0';
}

/* the concepts of the folded word w, comma-separated (a static buffer: the next call reuses it) */
static inline const char *concepts_of(const char *w)
{
    static char out[128];
    int ids[4], n = og_infer__concepts(w, strlen(w), ids, 4);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
                 og_infer__concept_name(ids[i]));
    return out;
}

#endif
