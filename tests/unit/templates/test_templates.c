/* test_templates.c - template errors with positions, `check`, escaping modes and limits. */
#include "og_test.h"
#include "opsgate/error.h"
#include "opsgate/templates.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse `src`, expect failure with `code` at line:column and a message containing `needle`. */
static void expect_parse_error(const char *src, int code, int line, int column, const char *needle)
{
    og_tmpl *t = (og_tmpl *)1;
    og_tmpl_error err;
    int rc = og_tmpl_parse(&t, src, strlen(src), &err);
    if (rc != code || err.line != line || err.column != column || !strstr(err.message, needle))
        fail_msg("template \"%s\": got %d at %d:%d \"%s\", want %d at %d:%d with \"%s\"", src, rc,
                 err.line, err.column, err.message, code, line, column, needle);
    assert_null(t);
    /* the per-thread message carries the position too */
    char pos[32];
    snprintf(pos, sizeof(pos), "%d:%d:", line, column);
    assert_non_null(strstr(og_error_last(), pos));
}

/* Render `src` against JSON text `data` with the given options; caller frees the result. */
static char *render_with(const char *src, const char *data, const og_tmpl_opts *opts)
{
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    json_error_t jerr;
    json_t *d = data ? json_loads(data, 0, &jerr) : NULL;
    if (data && !d)
        fail_msg("bad test JSON: %s", jerr.text);
    og_buf_init(&out, 0);
    if (og_tmpl_parse(&t, src, strlen(src), &err) < 0)
        fail_msg("parse \"%s\": %d:%d %s", src, err.line, err.column, err.message);
    if (og_tmpl_render(&out, t, d, opts, &err) < 0)
        fail_msg("render \"%s\": %s %d:%d %s", src, err.source, err.line, err.column, err.message);
    og_tmpl_free(t);
    json_decref(d);
    return og_buf_detach(&out);
}

static void assert_renders(const char *src, const char *data, const char *expected)
{
    char *got = render_with(src, data, NULL);
    assert_string_equal(got, expected);
    free(got);
}

static void test_parse__unclosed_section_names_the_opening_tag(void **state)
{
    (void)state;
    expect_parse_error("Dear client,\n  {{#items}}\n- {{name}}\n", OG_EINVAL, 2, 3,
                       "unclosed section {{#items}}");
    /* the innermost open section is the one reported */
    expect_parse_error("{{#a}}\n{{^b}}\n{{/b}}\n{{$c}}x", OG_EINVAL, 4, 1, "{{$c}}");
}

static void test_parse__mismatched_closing_tag_names_both_tags(void **state)
{
    (void)state;
    expect_parse_error("{{#a}}\n{{#b}}x{{/a}}", OG_EINVAL, 2, 8, "mismatched closing tag {{/a}}");
    expect_parse_error("{{#a}}\n{{#b}}x{{/a}}", OG_EINVAL, 2, 8, "line 2 column 1");
    expect_parse_error("text {{/orphan}}", OG_EINVAL, 1, 6, "has no opening tag");
}

static void test_parse__unclosed_tag_points_at_its_opening_delimiter(void **state)
{
    (void)state;
    expect_parse_error("ok\n\n   {{name", OG_EINVAL, 3, 4, "unclosed tag");
    expect_parse_error("{{{raw}}", OG_EINVAL, 1, 1, "unclosed tag");
    expect_parse_error("{{=<% %>=}}\n <%name}}", OG_EINVAL, 2, 2, "unclosed tag");
}

static void test_parse__bad_set_delimiter_tags_are_rejected(void **state)
{
    (void)state;
    expect_parse_error("x\n{{=<% =}}", OG_EINVAL, 2, 1, "bad set-delimiter tag");
    expect_parse_error("x {{=a= b=}}", OG_EINVAL, 1, 3, "bad set-delimiter tag");
    expect_parse_error("{{=a b c=}}", OG_EINVAL, 1, 1, "bad set-delimiter tag");
    expect_parse_error("{{= =}}", OG_EINVAL, 1, 1, "bad set-delimiter tag");
}

static void test_parse__empty_or_spaced_names_are_rejected(void **state)
{
    (void)state;
    expect_parse_error("a {{ }}", OG_EINVAL, 1, 3, "empty tag name");
    expect_parse_error("a\n\tb{{#}}{{/}}", OG_EINVAL, 2, 3, "empty tag name in section tag");
    expect_parse_error("{{>  }}", OG_EINVAL, 1, 1, "empty tag name in partial tag");
    expect_parse_error("{{first name}}", OG_EINVAL, 1, 1, "may not contain whitespace");
    expect_parse_error("{{=<# #>=}}<##>", OG_EINVAL, 1, 12, "empty tag name");
}

static void test_parse__columns_count_characters_not_bytes(void **state)
{
    (void)state;
    /* "Résumé " is 7 characters but 9 bytes */
    expect_parse_error("R\xc3\xa9sum\xc3\xa9 {{#x}}", OG_EINVAL, 1, 8, "unclosed section");
}

static void test_parse__nesting_is_capped(void **state)
{
    (void)state;
    og_buf src;
    og_buf_init(&src, 0);
    for (int i = 0; i < OG_TMPL_MAX_NESTING + 10; i++)
        OG_ASSERT_OK(og_buf_puts(&src, "{{#a}}\n"));
    og_tmpl *t = NULL;
    og_tmpl_error err;
    assert_int_equal(og_tmpl_parse(&t, src.data, src.len, &err), OG_EINVAL);
    assert_int_equal(err.line, OG_TMPL_MAX_NESTING + 1);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "nested deeper"));
    og_buf_free(&src);
}

static void test_parse__named_sources_appear_in_errors(void **state)
{
    (void)state;
    og_tmpl *t = NULL;
    og_tmpl_error err;
    assert_int_equal(og_tmpl_parse_named(&t, "sow.md", "{{#a}}", 6, &err), OG_EINVAL);
    assert_string_equal(err.source, "sow.md");
    assert_non_null(strstr(og_error_last(), "sow.md:1:1"));
    assert_int_equal(og_tmpl_parse(&t, NULL, 0, &err), 0); /* empty template is fine */
    og_tmpl_free(t);
    og_tmpl_free(NULL);
}

static void test_render__partial_recursion_is_capped_with_position(void **state)
{
    (void)state;
    json_t *partials = json_pack("{s:s}", "self", "line one\n  {{>self}}");
    og_tmpl_opts opts = {.partial = og_tmpl_partials_from_json, .partial_ud = partials};
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    og_buf_init(&out, 0);
    OG_ASSERT_OK(og_buf_puts(&out, "kept"));
    OG_ASSERT_OK(og_tmpl_parse(&t, "{{>self}}", 9, &err));
    assert_int_equal(og_tmpl_render(&out, t, NULL, &opts, &err), OG_EINVAL);
    assert_string_equal(err.source, "self");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 3);
    assert_non_null(strstr(err.message, "deeper than 64"));
    /* nothing half-rendered is left behind */
    assert_string_equal(out.data, "kept");
    assert_int_equal(out.len, 4);

    opts.max_depth = 3;
    assert_int_equal(og_tmpl_render(&out, t, NULL, &opts, &err), OG_EINVAL);
    assert_non_null(strstr(err.message, "deeper than 3"));

    /* parents recurse through the same cap */
    json_object_set_new(partials, "p", json_string("{{<p}}{{/p}}"));
    og_tmpl_free(t);
    OG_ASSERT_OK(og_tmpl_parse(&t, "{{<p}}{{/p}}", 12, &err));
    assert_int_equal(og_tmpl_render(&out, t, NULL, &opts, &err), OG_EINVAL);
    assert_string_equal(err.source, "p");
    og_tmpl_free(t);
    og_buf_free(&out);
    json_decref(partials);
}

static void test_render__partial_syntax_errors_name_the_partial(void **state)
{
    (void)state;
    json_t *partials = json_pack("{s:s}", "terms", "Payment:\n  {{#net}} days\n");
    og_tmpl_opts opts = {.partial = og_tmpl_partials_from_json, .partial_ud = partials};
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    og_buf_init(&out, 0);
    OG_ASSERT_OK(og_tmpl_parse(&t, "x {{>terms}}", 12, &err));
    assert_int_equal(og_tmpl_render(&out, t, NULL, &opts, &err), OG_EINVAL);
    assert_string_equal(err.source, "terms");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 3);
    assert_int_equal(out.len, 0);
    og_tmpl_free(t);
    og_buf_free(&out);
    json_decref(partials);
}

static int failing_loader(void *ud, const char *name, og_buf *out)
{
    (void)ud;
    (void)out;
    return og_error_set(OG_EDENIED, "tenant may not read partial %s", name);
}

static void test_render__loader_errors_abort_with_their_code(void **state)
{
    (void)state;
    og_tmpl_opts opts = {.partial = failing_loader};
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    og_buf_init(&out, 0);
    OG_ASSERT_OK(og_tmpl_parse(&t, "\n {{>secret}}", 13, &err));
    assert_int_equal(og_tmpl_render(&out, t, NULL, &opts, &err), OG_EDENIED);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);
    assert_non_null(strstr(err.message, "may not read partial secret"));
    og_tmpl_free(t);
    og_buf_free(&out);
}

static void test_render__escaping_mode_is_the_callers_choice(void **state)
{
    (void)state;
    const char *data = "{\"x\": \"<b>R&D</b> 'q' \\\"z\\\" *md*\"}";
    char *html = render_with("{{x}}|{{{x}}}|{{&x}}", data, NULL);
    assert_string_equal(html, "&lt;b&gt;R&amp;D&lt;/b&gt; &#39;q&#39; &quot;z&quot; *md*|"
                              "<b>R&D</b> 'q' \"z\" *md*|<b>R&D</b> 'q' \"z\" *md*");
    free(html);
    og_tmpl_opts none = {.escape = OG_TMPL_ESCAPE_NONE};
    char *md = render_with("{{x}}", data, &none);
    assert_string_equal(md, "<b>R&D</b> 'q' \"z\" *md*");
    free(md);
}

static void test_render__values_print_like_json(void **state)
{
    (void)state;
    assert_renders("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} [{{g}}] [{{h}}] [{{i}}]",
                   "{\"a\": 1.21, \"b\": 3, \"c\": -0.5, \"d\": 1e21, \"e\": true, \"f\": false,"
                   " \"g\": null, \"h\": {\"k\": 1}, \"i\": [1]}",
                   "1.21 3 -0.5 1e+21 true false [] [] []");
    assert_renders("{{x}}", "{\"x\": 0.30000000000000004}", "0.30000000000000004");
    assert_renders("{{x}}", "{\"x\": 9007199254740993}", "9007199254740993");
}

static void test_render__truthiness_follows_the_documented_rules(void **state)
{
    (void)state;
    assert_renders("{{#s}}S{{/s}}{{^s}}s{{/s}} {{#z}}Z{{/z}} {{#r}}R{{/r}} {{#o}}O{{/o}}"
                   " {{#l}}L{{/l}}{{^l}}l{{/l}} {{#n}}N{{/n}}{{^n}}n{{/n}}",
                   "{\"s\": \"\", \"z\": 0, \"r\": 0.0, \"o\": {}, \"l\": [], \"n\": null}",
                   "s Z R O l n");
}

static void test_render__output_over_the_cap_fails_cleanly(void **state)
{
    (void)state;
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    json_t *d = json_pack("{s:[i,i,i,i,i,i,i,i,i,i]}", "l", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    og_buf_init(&out, 16);
    OG_ASSERT_OK(og_tmpl_parse(&t, "{{#l}}item {{.}}\n{{/l}}", 23, &err));
    assert_int_equal(og_tmpl_render(&out, t, d, NULL, &err), OG_ETOOBIG);
    assert_non_null(strstr(err.message, "over the limit of 16 bytes"));
    assert_int_equal(out.len, 0);
    og_tmpl_free(t);
    og_buf_free(&out);
    json_decref(d);
}

static void test_render__runaway_loops_hit_the_work_limit(void **state)
{
    (void)state;
    /* 2^40 iterations that print nothing: the output cap alone would never stop this */
    og_buf src;
    og_buf_init(&src, 0);
    for (int i = 0; i < 40; i++)
        OG_ASSERT_OK(og_buf_puts(&src, "{{#l}}"));
    for (int i = 0; i < 40; i++)
        OG_ASSERT_OK(og_buf_puts(&src, "{{/l}}"));
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    og_buf_init(&out, 0);
    json_t *d = json_pack("{s:[b,b]}", "l", 1, 1);
    OG_ASSERT_OK(og_tmpl_parse(&t, src.data, src.len, &err));
    assert_int_equal(og_tmpl_render(&out, t, d, NULL, &err), OG_ETOOBIG);
    assert_non_null(strstr(err.message, "steps"));
    og_tmpl_free(t);
    og_buf_free(&out);
    og_buf_free(&src);
    json_decref(d);
}

static void test_render__bytes_pass_through_unchanged(void **state)
{
    (void)state;
    /* invalid UTF-8 and NUL bytes, both in the template and in the data */
    static const char src[] = "\xff\xfe{{x}}\x00\xc3|{{{x}}}";
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    json_t *d = json_object();
    json_object_set_new(d, "x", json_stringn_nocheck("\x80<\x00z", 4));
    og_buf_init(&out, 0);
    OG_ASSERT_OK(og_tmpl_parse(&t, src, sizeof(src) - 1, &err));
    OG_ASSERT_OK(og_tmpl_render(&out, t, d, NULL, &err));
    static const char want[] = "\xff\xfe\x80&lt;\x00z\x00\xc3|\x80<\x00z";
    assert_int_equal(out.len, sizeof(want) - 1);
    assert_memory_equal(out.data, want, sizeof(want) - 1);
    og_tmpl_free(t);
    og_buf_free(&out);
    json_decref(d);
}

static void test_render__a_parsed_template_renders_many_times(void **state)
{
    (void)state;
    og_tmpl *t = NULL;
    og_tmpl_error err;
    og_buf out;
    og_buf_init(&out, 0);
    OG_ASSERT_OK(og_tmpl_parse(&t, "Hello {{who}}!\n", 15, &err));
    const char *names[] = {"Ada", "Grace", "Linus"};
    for (size_t i = 0; i < 3; i++) {
        json_t *d = json_pack("{s:s}", "who", names[i]);
        OG_ASSERT_OK(og_tmpl_render(&out, t, d, NULL, &err));
        json_decref(d);
    }
    assert_string_equal(out.data, "Hello Ada!\nHello Grace!\nHello Linus!\n");
    OG_ASSERT_OK(og_tmpl_render(&out, t, NULL, NULL, &err)); /* no data: names are empty */
    assert_string_equal(out.data + out.len - 8, "Hello !\n");
    og_tmpl_free(t);
    og_buf_free(&out);
}

typedef struct reports {
    int n;
    char lines[16][160];
} reports;

static void collect(void *ud, const og_tmpl_missing *m)
{
    reports *r = ud;
    if (r->n < 16)
        snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s:%d:%d %s", m->source, m->line,
                 m->column, m->name);
}

static void test_check__reports_each_missing_name_once_with_its_position(void **state)
{
    (void)state;
    const char *src = "# SOW for {{client.name}}\n"
                      "{{#phases}}\n"
                      "## {{title}} ({{hours}} h at {{rate}})\n"
                      "{{/phases}}\n"
                      "{{^signed}}Unsigned{{/signed}} {{>terms}} {{>*kind}}\n";
    json_t *d = json_loads("{\"client\": {\"id\": 7}, \"kind\": \"sow\","
                           " \"phases\": [{\"title\": \"Design\", \"hours\": 10},"
                           "              {\"title\": \"Build\", \"hours\": 30}]}",
                           0, NULL);
    json_t *partials =
        json_pack("{s:s,s:s}", "terms", "Net {{net_days}} days", "sow", "by {{signer}}");
    og_tmpl_opts opts = {.partial = og_tmpl_partials_from_json, .partial_ud = partials};
    og_tmpl *t = NULL;
    og_tmpl_error err;
    reports r = {0};
    OG_ASSERT_OK(og_tmpl_parse(&t, src, strlen(src), &err));
    OG_ASSERT_OK(og_tmpl_check(t, d, &opts, collect, &r, &err));
    assert_int_equal(r.n, 5);
    assert_string_equal(r.lines[0], ":1:11 client.name");
    assert_string_equal(r.lines[1], ":3:30 rate"); /* once, though two phases use it */
    assert_string_equal(r.lines[2], ":5:1 signed");
    assert_string_equal(r.lines[3], "terms:1:5 net_days");
    assert_string_equal(r.lines[4], "sow:1:4 signer");

    /* a missing dynamic partial name is reported with its asterisk */
    memset(&r, 0, sizeof(r));
    json_object_del(d, "kind");
    OG_ASSERT_OK(og_tmpl_check(t, d, &opts, collect, &r, &err));
    assert_string_equal(r.lines[r.n - 1], ":5:43 *kind");

    /* complete data: nothing to report */
    og_tmpl_free(t);
    memset(&r, 0, sizeof(r));
    OG_ASSERT_OK(og_tmpl_parse(&t, "{{#phases}}{{title}}{{/phases}}", 31, &err));
    OG_ASSERT_OK(og_tmpl_check(t, d, &opts, collect, &r, &err));
    assert_int_equal(r.n, 0);
    og_tmpl_free(t);
    json_decref(d);
    json_decref(partials);
}

/* Render in strict mode; returns the code, fills err, and checks nothing half-rendered is left. */
static int render_strict(const char *name, const char *src, const char *data, json_t *partials,
                         og_tmpl_error *err, char **out)
{
    og_tmpl *t = NULL;
    og_buf b;
    json_t *d = json_loads(data, 0, NULL);
    og_tmpl_opts opts = {
        .strict = 1, .partial = og_tmpl_partials_from_json, .partial_ud = partials};
    assert_non_null(d);
    og_buf_init(&b, 0);
    OG_ASSERT_OK(og_buf_puts(&b, "kept:"));
    if (og_tmpl_parse_named(&t, name, src, strlen(src), err) < 0)
        fail_msg("parse \"%s\": %d:%d %s", src, err->line, err->column, err->message);
    int rc = og_tmpl_render(&b, t, d, &opts, err);
    if (rc < 0)
        assert_string_equal(b.data, "kept:"); /* cut back to its length on entry */
    *out = og_buf_detach(&b);
    og_tmpl_free(t);
    json_decref(d);
    return rc;
}

static void test_strict__a_missing_interpolation_names_template_line_column_and_name(void **state)
{
    (void)state;
    og_tmpl_error err;
    char *out = NULL;
    const char *src = "# SOW for {{client.name}}\n"
                      "{{#phases}}\n"
                      "- {{name}} for {{client.nmae}}\n"
                      "{{/phases}}\n";
    const char *data = "{\"client\": {\"name\": \"Acme\"}, \"phases\": [{\"name\": \"Design\"}]}";
    assert_int_equal(render_strict("sow@3", src, data, NULL, &err, &out), OG_EINVAL);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 16);
    assert_string_equal(err.source, "sow@3");
    assert_non_null(strstr(err.message, "'client.nmae' is not in the data"));
    assert_non_null(strstr(og_error_last(), "template sow@3:3:16: 'client.nmae'"));
    free(out);

    /* the triple mustache and {{& x}} are interpolations too */
    assert_int_equal(render_strict("t", "a\n  {{{raw}}}", "{}", NULL, &err, &out), OG_EINVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 3);
    free(out);
    assert_int_equal(render_strict("t", "{{& amp.x}}", "{\"amp\": {}}", NULL, &err, &out),
                     OG_EINVAL);
    assert_non_null(strstr(err.message, "'amp.x'"));
    free(out);

    /* inside a partial: the partial's name and position */
    json_t *partials = json_pack("{s:s}", "terms", "Net {{net_days}} days");
    assert_int_equal(render_strict("sow", "x {{>terms}}", "{}", partials, &err, &out), OG_EINVAL);
    assert_string_equal(err.source, "terms");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 5);
    free(out);
    json_decref(partials);

    /* a value that is there but null is not missing; "." always resolves */
    assert_int_equal(render_strict("t", "[{{po}}]{{#l}}{{.}}{{/l}}", "{\"po\": null, \"l\": [1]}",
                                   NULL, &err, &out),
                     0);
    assert_string_equal(out, "kept:[]1");
    free(out);

    /* the default mode is the spec's: a missing name renders as "" */
    assert_renders("[{{client.nmae}}]", "{\"client\": {}}", "[]");
}

static void test_strict__sections_over_missing_names_are_not_errors(void **state)
{
    (void)state;
    og_tmpl_error err;
    char *out = NULL;
    const char *src = "{{#client.vat_id}}VAT {{client.vat_id}}\n{{/client.vat_id}}"
                      "{{^client.po_number}}no PO{{/client.po_number}}{{>*kind}}";
    assert_int_equal(render_strict("t", src, "{\"client\": {}}", NULL, &err, &out), 0);
    assert_string_equal(out, "kept:no PO");
    free(out);
    assert_int_equal(
        render_strict("t", src, "{\"client\": {\"vat_id\": \"DE1\"}}", NULL, &err, &out), 0);
    assert_string_equal(out, "kept:VAT DE1\nno PO");
    free(out);
}

static void test_strict__optional_comment_allows_listed_names_only(void **state)
{
    (void)state;
    og_tmpl_error err;
    char *out = NULL;
    const char *src = "{{! optional: client.vat_id, po }}\n"
                      "VAT {{client.vat_id}} PO {{po}}{{!optional:a b}}{{a}}{{b}}\n";
    assert_int_equal(render_strict("t", src, "{\"client\": {}}", NULL, &err, &out), 0);
    assert_string_equal(out, "kept:VAT  PO \n");
    free(out);

    /* a name not listed still fails; a comment that does not start with optional: lists none */
    src = "{{! optional: client.vat_id }}{{! maybe optional: name }}\n{{client.vat_id}}{{name}}";
    assert_int_equal(render_strict("t", src, "{}", NULL, &err, &out), OG_EINVAL);
    assert_non_null(strstr(err.message, "'name'"));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 18);
    free(out);

    /* the marker covers its own source only: a partial lists its own optional names */
    json_t *partials = json_pack("{s:s, s:s}", "a", "{{x}}", "b", "{{! optional: x }}{{x}}");
    assert_int_equal(render_strict("t", "{{! optional: x }}{{>a}}", "{}", partials, &err, &out),
                     OG_EINVAL);
    assert_string_equal(err.source, "a");
    free(out);
    assert_int_equal(render_strict("t", "{{>b}}", "{}", partials, &err, &out), 0);
    free(out);
    json_decref(partials);

    /* the number of optional names is capped */
    og_buf big;
    og_tmpl *t = NULL;
    og_buf_init(&big, 0);
    OG_ASSERT_OK(og_buf_puts(&big, "\n{{! optional:"));
    for (int i = 0; i <= OG_TMPL_MAX_OPTIONAL; i++)
        OG_ASSERT_OK(og_buf_printf(&big, " n%d", i));
    OG_ASSERT_OK(og_buf_puts(&big, " }}"));
    assert_int_equal(og_tmpl_parse(&t, big.data, big.len, &err), OG_EINVAL);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "optional names"));
    og_buf_free(&big);
}

static void flags(void *ud, const og_tmpl_missing *m)
{
    reports *r = ud;
    if (r->n < 16)
        snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s i=%d o=%d", m->name, m->interpolation,
                 m->optional);
}

static void test_check__reports_flag_interpolations_and_optional_names(void **state)
{
    (void)state;
    const char *src = "{{! optional: vat }}{{#po}}{{/po}}{{vat}}{{nmae}}";
    og_tmpl *t = NULL;
    og_tmpl_error err;
    reports r = {0};
    json_t *d = json_object();
    og_tmpl_opts strict = {.strict = 1};
    OG_ASSERT_OK(og_tmpl_parse(&t, src, strlen(src), &err));
    /* check never fails on a missing name, even with strict options */
    OG_ASSERT_OK(og_tmpl_check(t, d, &strict, flags, &r, &err));
    assert_int_equal(r.n, 3);
    assert_string_equal(r.lines[0], "po i=0 o=0");
    assert_string_equal(r.lines[1], "vat i=1 o=1");
    assert_string_equal(r.lines[2], "nmae i=1 o=0");
    og_tmpl_free(t);
    json_decref(d);
}

static void test_render__standalone_partials_indent_every_line(void **state)
{
    (void)state;
    json_t *partials = json_pack("{s:s,s:s}", "list", "{{#items}}\n- {{.}}\n{{/items}}\n", "outer",
                                 "Items:\n  {{>list}}\n");
    og_tmpl_opts opts = {.escape = OG_TMPL_ESCAPE_NONE,
                         .partial = og_tmpl_partials_from_json,
                         .partial_ud = partials};
    char *got = render_with("> {{>outer}}\n  {{>outer}}\n", "{\"items\": [\"a\", \"b\"]}", &opts);
    /* the inline partial keeps the line break after its tag; the standalone one replaces its line
     */
    assert_string_equal(got, "> Items:\n  - a\n  - b\n\n  Items:\n    - a\n    - b\n");
    free(got);
    json_decref(partials);
}

static void test_render__overridden_block_keeps_the_parents_indentation(void **state)
{
    (void)state;
    /* the example in docs/templates.md */
    json_t *partials = json_pack("{s:s}", "sow-base",
                                 "{{! sow-base }}\n## Terms\n  {{$terms}}\n"
                                 "  Payment is due within 30 days.\n  {{/terms}}\n");
    og_tmpl_opts opts = {.escape = OG_TMPL_ESCAPE_NONE,
                         .partial = og_tmpl_partials_from_json,
                         .partial_ud = partials};
    char *got = render_with("{{<sow-base}}\n{{$terms}}\nPayment is due within {{net_days}} days"
                            " of invoice.\n{{/terms}}\n{{/sow-base}}\n",
                            "{\"net_days\": 45}", &opts);
    assert_string_equal(got, "## Terms\n  Payment is due within 45 days of invoice.\n");
    free(got);
    /* a block whose content starts with a tag on the next line has no intrinsic indentation */
    got = render_with("{{<sow-base}}{{$terms}}\n{{#net_days}}Net {{.}}\n{{/net_days}}{{/terms}}"
                      "{{/sow-base}}",
                      "{\"net_days\": 10}", &opts);
    assert_string_equal(got, "## Terms\n  Net 10\n");
    free(got);
    got = render_with("{{<sow-base}}{{/sow-base}}", "{}", &opts);
    assert_string_equal(got, "## Terms\n  Payment is due within 30 days.\n");
    free(got);
    json_decref(partials);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse__unclosed_section_names_the_opening_tag),
        cmocka_unit_test(test_parse__mismatched_closing_tag_names_both_tags),
        cmocka_unit_test(test_parse__unclosed_tag_points_at_its_opening_delimiter),
        cmocka_unit_test(test_parse__bad_set_delimiter_tags_are_rejected),
        cmocka_unit_test(test_parse__empty_or_spaced_names_are_rejected),
        cmocka_unit_test(test_parse__columns_count_characters_not_bytes),
        cmocka_unit_test(test_parse__nesting_is_capped),
        cmocka_unit_test(test_parse__named_sources_appear_in_errors),
        cmocka_unit_test(test_render__partial_recursion_is_capped_with_position),
        cmocka_unit_test(test_render__partial_syntax_errors_name_the_partial),
        cmocka_unit_test(test_render__loader_errors_abort_with_their_code),
        cmocka_unit_test(test_render__escaping_mode_is_the_callers_choice),
        cmocka_unit_test(test_render__values_print_like_json),
        cmocka_unit_test(test_render__truthiness_follows_the_documented_rules),
        cmocka_unit_test(test_render__output_over_the_cap_fails_cleanly),
        cmocka_unit_test(test_render__runaway_loops_hit_the_work_limit),
        cmocka_unit_test(test_render__bytes_pass_through_unchanged),
        cmocka_unit_test(test_render__a_parsed_template_renders_many_times),
        cmocka_unit_test(test_check__reports_each_missing_name_once_with_its_position),
        cmocka_unit_test(test_render__standalone_partials_indent_every_line),
        cmocka_unit_test(test_render__overridden_block_keeps_the_parents_indentation),
        cmocka_unit_test(test_strict__a_missing_interpolation_names_template_line_column_and_name),
        cmocka_unit_test(test_strict__sections_over_missing_names_are_not_errors),
        cmocka_unit_test(test_strict__optional_comment_allows_listed_names_only),
        cmocka_unit_test(test_check__reports_flag_interpolations_and_optional_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
