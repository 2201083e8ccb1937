/* fuzz_tmpl.c - libFuzzer target for the Mustache parser and renderer. */
#include "fuzz_util.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is a template. It is parsed, and when it parses it is rendered against fixed data in
 * both escaping modes, with partials that include the input itself ("self", so recursion caps are
 * exercised) and a parent with blocks, once with a small output cap so the ETOOBIG path runs too.
 * Any crash, sanitizer report, leak or an error without a message is a bug.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *fixed_data(void)
{
    return json_loads("{\"a\": {\"b\": {\"c\": \"<&>\"}}, \"list\": [1, 2.5, \"x\", null, true,"
                      " {\"a\": 0}], \"s\": \"\", \"t\": true, \"f\": false, \"n\": null,"
                      " \"name\": \"self\", \"p\": \"parent\", \"x\": \"\\u00e9\\n\"}",
                      0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    json_t *d = NULL, *partials = NULL;

    if (og_tmpl_parse(&t, (const char *)data, size, &err) < 0) {
        fuzz_log("refused at %d:%d: %s", err.line, err.column, err.message);
        FUZZ_ASSERT(err.message[0] != '\0' && err.line >= 0 && err.column >= 0);
        FUZZ_ASSERT(og_utf8_valid(err.message, strlen(err.message), NULL));
        return 0;
    }
    d = fixed_data();
    partials = json_object();
    json_object_set_new(partials, "self", json_stringn_nocheck((const char *)data, size));
    json_object_set_new(partials, "parent", json_string("[{{$a}}A{{/a}}|{{$list}}L{{/list}}]\n"));
    json_object_set_new(partials, "p", json_string("  {{>self}}\n"));

    for (int mode = 0; mode < 3; mode++) {
        og_tmpl_opts opts = {
            .escape = mode == 1 ? OG_TMPL_ESCAPE_NONE : OG_TMPL_ESCAPE_HTML,
            .partial = og_tmpl_partials_from_json,
            .partial_ud = partials,
            .max_depth = 8,
        };
        og_buf_init(&out, mode == 2 ? 64 : (size_t)1 << 20);
        int rc = og_tmpl_render(&out, t, d, &opts, &err);
        if (rc < 0) {
            fuzz_log("render mode %d refused: %s", mode, err.message);
            FUZZ_ASSERT(err.message[0] != '\0' && out.len == 0);
        }
        og_buf_free(&out);
    }
    json_decref(partials);
    json_decref(d);
    og_tmpl_free(t);
    return 0;
}
