/* fuzz_project_data.c - libFuzzer target for project data: parsing, validation, rendering. */
#include "fuzz_util.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is a project data file (docs/project-data.md) as a user uploads it. It is parsed
 * (duplicate keys refused) and, when it parses, every document kind is generated from it as
 * Markdown and HTML with the built-in templates (change orders and closures against the shipped
 * sample SOW as baseline). Checked:
 * - every refusal is OG_EINVAL (OG_ETOOBIG for size limits) with a message that is valid UTF-8
 *   (it goes into JSON error bodies and terminals);
 * - what is generated is valid UTF-8, and generating twice gives the same bytes (documents are
 *   reproducible: nothing may depend on the clock, on addresses or on hash order);
 * - the view model holds no JSON reals (amounts are formatted strings).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_real(const json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_real(v))
        return true;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (has_real(x)) return true;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (has_real(x)) return true;
    }
    return false;
}

static void generate(og_doc_kind kind, og_doc_format format, const json_t *d, const json_t *base)
{
    og_docgen_input in = {.kind = kind, .format = format, .data = d, .baseline = base};
    og_buf a, b;
    json_t *model = NULL;
    og_buf_init(&a, 0);
    og_buf_init(&b, 0);
    og_error_clear();
    int rc = og_docgen_generate(&a, &in, &model, NULL);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
    } else {
        FUZZ_ASSERT(og_utf8_valid(a.data, a.len, NULL));
        FUZZ_ASSERT(!has_real(model));
        FUZZ_ASSERT(og_docgen_generate(&b, &in, NULL, NULL) == 0);
        FUZZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    }
    json_decref(model);
    og_buf_free(&a);
    og_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *sow_baseline;
    json_t *d = NULL, *unused = NULL;
    if (!sow_baseline && og_docgen_sample(OG_DOC_CHANGE_ORDER, &unused, &sow_baseline) < 0)
        __builtin_trap();
    json_decref(unused);
    og_error_clear();
    int rc = og_docgen_data_parse(&d, (const char *)data, size, "fuzz.json");
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
        return 0;
    }
    for (int k = OG_DOC_SOW; k <= OG_DOC_CLOSURE; k++) {
        const json_t *base = k == OG_DOC_CHANGE_ORDER || k == OG_DOC_CLOSURE ? sow_baseline : NULL;
        generate((og_doc_kind)k, OG_DOC_MD, d, base);
        generate((og_doc_kind)k, OG_DOC_HTML, d, base);
    }
    json_decref(d);
    return 0;
}
