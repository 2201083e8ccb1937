/* fuzz_doc_text.c - libFuzzer target for the document classifier's readers: an uploaded document
 * (any bytes: HTML, PDF through poppler, DOCX through libzip and libxml2, text) to its text, then
 * the metadata rules, the metadata's candidates and the hashed features over that text. */
#include "fuzz_util.h"
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * For every input: og_infer_doc_text either fails with OG_EINVAL (a message set, no text) or gives
 * a NUL-terminated text of at most OG_INFER_DOC_TEXT_MAX bytes; og_infer_doc_metadata over that
 * text gives an object whose dates are at most 8 "YYYY-MM-DD" strings; the metadata's candidates
 * are at most OG_INFER__CAND_MAX per field with features in 1..2^16; the feature vector is an
 * object of dimensions 1..2^18 with values in (0, 1] (unit length).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_metadata(const char *text)
{
    json_t *m = NULL, *projects = json_pack("[{s:s, s:s, s:s}]", "key", "nw", "name", "Northwind",
                                            "client", "Northwind Logistics");
    if (og_infer_doc_metadata(text, projects, &m) < 0 || !json_is_object(m))
        abort();
    json_t *dates = json_object_get(m, "dates");
    if (json_array_size(dates) > 8)
        abort();
    for (size_t i = 0; i < json_array_size(dates); i++) {
        const char *d = json_string_value(json_array_get(dates, i));
        if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
            abort();
    }
    json_decref(m);
    /* the metadata's candidates: at most OG_INFER__CAND_MAX per field, features in range */
    og_infer__cands *cs = malloc(sizeof(*cs));
    if (!cs || og_infer__doc_cands(text, projects, cs) < 0)
        abort();
    for (int f = 0; f < OG_INFER__FIELDS; f++) {
        if (cs->n[f] < 0 || cs->n[f] > OG_INFER__CAND_MAX)
            abort();
        for (int i = 0; i < cs->n[f]; i++)
            for (int k = 0; k < cs->c[f][i].nf; k++)
                if (cs->c[f][i].f[k] < 1 || cs->c[f][i].f[k] > OG_INFER__MDIM)
                    abort();
    }
    free(cs);
    json_decref(projects);
}

static void check_vector(const char *text)
{
    json_t *v = NULL, *val;
    const char *key;
    if (og_infer__doc_vector(text, &v) < 0)
        abort();
    json_object_foreach(v, key, val)
    {
        long idx = strtol(key, NULL, 10);
        double x = json_number_value(val);
        /* the hashed n-grams, then the concepts, the title's concepts and the shape */
        if (idx < 1 || idx > (1L << 18) + 2 * OG_INFER__CONCEPTS + OG_INFER__SHAPES || !(x > 0) ||
            x > 1.000001)
            abort();
    }
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL;
    static const char *const media[] = {NULL, "text/html", "application/pdf", "text/markdown"};
    const char *mt = media[size ? data[0] % 4 : 0];
    int rc = og_infer_doc_text((const char *)data, size, mt, &text);
    if (rc < 0) {
        if (rc != OG_EINVAL || text || !og_error_last()[0])
            abort();
        og_error_clear();
        return 0;
    }
    if (!text || strlen(text) > OG_INFER_DOC_TEXT_MAX)
        abort();
    check_metadata(text);
    check_vector(text);
    free(text);
    return 0;
}
