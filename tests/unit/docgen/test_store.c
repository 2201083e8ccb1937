/* test_store.c - generated documents as artifact versions: provenance, byte-identical
 * regeneration, change orders against a stored baseline, audit, tenant template overrides, and
 * nothing stored on bad data or an unknown baseline. */
#include "og_test.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    og_test_env env;
    og_tenant t;
    json_t *data, *co;
} fixture;

static json_t *load_sample(const char *file)
{
    const char *src = getenv("OG_SOURCE_DIR");
    char path[1024];
    char *text = NULL;
    size_t len = 0;
    json_t *d = NULL;
    snprintf(path, sizeof(path), "%s/tests/data/projects/%s", src ? src : ".", file);
    OG_ASSERT_OK(og_file_read(path, 1 << 24, &text, &len));
    OG_ASSERT_OK(og_docgen_data_parse(&d, text, len, path));
    free(text);
    return d;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->t));
    OG_ASSERT_OK(og_project_create(&f->env.ctx, "acme", "northwind", "Northwind M365", NULL));
    f->data = load_sample("northwind-m365.json");
    f->co = load_sample("northwind-m365-co1.json");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    json_decref(f->data);
    json_decref(f->co);
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static int gen(fixture *f, og_doc_kind kind, og_doc_format fmt, const json_t *data, og_buf *out,
               json_t **prov)
{
    og_docgen_request r;
    memset(&r, 0, sizeof(r));
    r.tenant = "acme";
    r.project = "northwind";
    r.kind = kind;
    r.format = fmt;
    r.data = data;
    return og_docgen_generate_store(&f->env.ctx, &r, out, prov);
}

static int64_t versions(fixture *f, const char *name)
{
    og_artifact_ref ref = {"acme", "northwind", name};
    json_t *log = NULL;
    int rc = og_artifact_log(&f->env.ctx, &ref, &log);
    if (rc == OG_ENOTFOUND)
        return 0;
    OG_ASSERT_OK(rc);
    int64_t n = (int64_t)json_array_size(log);
    json_decref(log);
    return n;
}

static void test_generate__stores_versions_with_provenance_and_identical_bytes(void **state)
{
    fixture *f = *state;
    og_buf a, b;
    json_t *pa = NULL, *pb = NULL;
    og_buf_init(&a, 1 << 24);
    og_buf_init(&b, 1 << 24);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &a, &pa));
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &b, &pb));
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_string_equal(json_string_value(json_object_get(pa, "artifact")), "sow.md");
    assert_null(json_object_get(pa, "unchanged"));
    assert_int_equal(json_integer_value(json_object_get(pa, "version")), 1);
    /* unchanged data and template: the same bytes, so version 1 stands (no duplicate) */
    assert_int_equal(json_integer_value(json_object_get(pb, "version")), 1);
    assert_true(json_is_true(json_object_get(pb, "unchanged")));
    assert_int_equal(versions(f, "sow.data.json"), 1);
    assert_int_equal(versions(f, "sow.md"), 1);
    /* changed data: a new version of the document and of the snapshot */
    json_t *d2 = json_deep_copy(f->data), *p2 = NULL;
    json_object_set_new(json_object_get(d2, "document"), "revision", json_string("2"));
    og_buf_reset(&b);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, d2, &b, &p2));
    assert_int_equal(json_integer_value(json_object_get(p2, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(p2, "data_version")), 2);
    json_decref(p2);
    json_decref(d2);
    assert_string_equal(json_string_value(json_object_get(pa, "template")), "sow@builtin");
    assert_string_equal(json_string_value(json_object_get(pa, "opsgate")), OG_VERSION);
    char sha[65];
    OG_ASSERT_OK(og_docgen_data_sha256(f->data, sha));
    assert_string_equal(json_string_value(json_object_get(pa, "data_sha256")), sha);

    /* the stored version carries the provenance in its message and its bytes are the output */
    og_artifact_ref ref = {"acme", "northwind", "sow.md"};
    og_artifact_reader *r = NULL;
    og_artifact_version info;
    char buf[1 << 16];
    size_t got = 0;
    OG_ASSERT_OK(og_artifact_get_open(&r, &f->env.ctx, &ref, 1, &info));
    assert_non_null(strstr(info.message, sha));
    assert_non_null(strstr(info.message, "sow@builtin"));
    assert_string_equal(info.media_type, "text/markdown");
    OG_ASSERT_OK(og_artifact_get_read(r, buf, sizeof(buf), &got));
    assert_int_equal(got, a.len);
    assert_memory_equal(buf, a.data, got);
    og_artifact_get_close(r);

    /* and the audit record of the gate action names template and data hash */
    json_t *recs = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->t.id, 0, 1000, "artifacts.generate", NULL, &recs, &next));
    assert_int_equal(json_array_size(recs), 3);
    char *dump = json_dumps(recs, 0);
    assert_non_null(strstr(dump, sha));
    assert_non_null(strstr(dump, "sow@builtin"));
    assert_null(strstr(dump, "Northwind")); /* names stay sealed: none in the audit trail */
    free(dump);
    json_decref(recs);
    json_decref(pa);
    json_decref(pb);
    og_buf_free(&a);
    og_buf_free(&b);
}

/* The inference step learns what a generation changed: the first has no money change, the next
 * one the change in the total (10 hours more at 120.00), and how many of the template's fields
 * the data lacks. */
static void test_generate__facts_carry_the_money_change(void **state)
{
    fixture *f = *state;
    og_buf out;
    json_t *recs = NULL, *d2 = json_deep_copy(f->data);
    int64_t next = 0;
    og_buf_init(&out, 1 << 24);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &out, NULL));
    json_t *task = json_array_get(
        json_object_get(json_array_get(json_object_get(d2, "phases"), 0), "tasks"), 0);
    json_object_set_new(task, "hours", json_string("16"));
    og_buf_reset(&out);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, d2, &out, NULL));
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, f->t.id, 0, 1000, "artifacts.generate", NULL, &recs, &next));
    int seen_first = 0, seen_change = 0;
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *feat = json_object_get(
            json_object_get(json_object_get(json_array_get(recs, i), "analysis"), "inference"),
            "features");
        if (!feat)
            continue;
        assert_non_null(json_object_get(feat, "missing_fields"));
        json_t *mc = json_object_get(feat, "money_change");
        if (!mc)
            seen_first++;
        else {
            assert_true(fabs(json_number_value(mc) - log1p(1200.0)) < 1e-6);
            assert_null(json_object_get(feat, "money_decrease"));
            seen_change++;
        }
    }
    assert_int_equal(seen_first, 1);
    assert_int_equal(seen_change, 1);
    json_decref(recs);
    json_decref(d2);
    og_buf_free(&out);
}

static void test_generate__change_order_against_the_stored_baseline(void **state)
{
    fixture *f = *state;
    og_buf out;
    json_t *p = NULL;
    og_buf_init(&out, 1 << 24);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_HTML, f->data, &out, NULL)); /* sow.html@1 */
    og_buf_reset(&out);
    /* change.baseline names sow.md@1, which does not exist yet */
    assert_int_equal(gen(f, OG_DOC_CHANGE_ORDER, OG_DOC_MD, f->co, &out, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "change.baseline"));
    assert_non_null(strstr(og_error_last(), "version 1 of 'sow.md'"));
    assert_int_equal(versions(f, "change-order-CO-001.md"), 0);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &out, NULL)); /* sow.md@1 */
    og_buf_reset(&out);
    OG_ASSERT_OK(gen(f, OG_DOC_CHANGE_ORDER, OG_DOC_MD, f->co, &out, &p));
    assert_non_null(strstr(out.data, "**20,036.25**"));
    assert_non_null(strstr(out.data, "+7 days"));
    assert_string_equal(json_string_value(json_object_get(p, "baseline")), "sow.md@1");
    assert_string_equal(json_string_value(json_object_get(p, "artifact")),
                        "change-order-CO-001.md");
    json_decref(p);
    /* the baseline may also name a data snapshot directly */
    json_t *co2 = json_deep_copy(f->co);
    json_object_set_new(json_object_get(co2, "change"), "baseline", json_string("sow.data.json@1"));
    og_buf_reset(&out);
    OG_ASSERT_OK(gen(f, OG_DOC_CHANGE_ORDER, OG_DOC_MD, co2, &out, NULL));
    assert_non_null(strstr(out.data, "**20,036.25**"));
    json_decref(co2);
    og_buf_free(&out);
}

static void test_generate__bad_data_stores_nothing(void **state)
{
    fixture *f = *state;
    og_buf out;
    json_t *bad = json_deep_copy(f->data);
    json_t *task = json_array_get(
        json_object_get(json_array_get(json_object_get(bad, "phases"), 1), "tasks"), 0);
    json_object_del(task, "rate");
    og_buf_init(&out, 1 << 24);
    assert_int_equal(gen(f, OG_DOC_SOW, OG_DOC_PDF, bad, &out, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "phases[1].tasks[0].rate: missing"));
    assert_int_equal(out.len, 0);
    assert_int_equal(versions(f, "sow.pdf"), 0);
    assert_int_equal(versions(f, "sow.data.json"), 0);
    json_decref(bad);
    og_buf_free(&out);
}

static void test_template__a_tenant_overrides_one_partial(void **state)
{
    fixture *f = *state;
    og_buf out, src;
    json_t *p = NULL, *list = NULL;
    int64_t v = 0;
    const char *terms = "### Terms\n\nBluefin standard terms for {{client.name}}.\n";
    og_buf_init(&out, 1 << 24);
    og_buf_init(&src, 1 << 20);
    /* a template that does not parse is refused and not stored */
    og_docgen_put_opts po = {.message = "our terms"};
    assert_int_equal(
        og_docgen_template_put(&f->env.ctx, "acme", "terms", "{{#x}}", 6, NULL, &v, NULL),
        OG_EINVAL);
    OG_ASSERT_OK(
        og_docgen_template_put(&f->env.ctx, "acme", "terms", terms, strlen(terms), &po, &v, NULL));
    assert_int_equal(v, 1);
    OG_ASSERT_OK(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &out, &p));
    assert_non_null(strstr(out.data, "Bluefin standard terms for Northwind Logistics AG."));
    assert_non_null(strstr(out.data, "```signatures\n")); /* signoff is still the built-in */
    char *dump = json_dumps(json_object_get(p, "partials"), 0);
    assert_non_null(strstr(dump, "\"terms@1\""));
    assert_non_null(strstr(dump, "\"signoff@builtin\""));
    free(dump);
    OG_ASSERT_OK(og_docgen_template_list(&f->env.ctx, "acme", &list));
    dump = json_dumps(list, 0);
    assert_non_null(
        strstr(dump, "{\"name\": \"terms\", \"type\": \"partial\", \"source\": \"tenant\""));
    free(dump);
    char ref[OG_DOCGEN_REF_MAX];
    OG_ASSERT_OK(og_docgen_template_get(&f->env.ctx, "acme", "signoff", 0, &src, ref));
    assert_string_equal(ref, "signoff@builtin");
    assert_int_equal(og_docgen_template_get(&f->env.ctx, "acme", "signoff", 2, &src, ref),
                     OG_ENOTFOUND);
    json_decref(list);
    json_decref(p);
    og_buf_free(&out);
    og_buf_free(&src);
}

static void test_generate__held_for_approval_stores_nothing(void **state)
{
    fixture *f = *state;
    og_buf out;
    og_buf_init(&out, 1 << 24);
    OG_ASSERT_OK(og_docgen_register_kinds());
    OG_ASSERT_OK(og_gate_policy_set(&f->env.ctx, "acme", "artifacts.generate", OG_GATE_L2));
    assert_int_equal(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &out, NULL), OG_EPENDING);
    assert_non_null(strstr(og_error_last(), "pending"));
    assert_int_equal(out.len, 0);
    assert_int_equal(versions(f, "sow.md"), 0);
    assert_int_equal(versions(f, "sow.data.json"), 0);
    og_buf_free(&out);
}

static int64_t template_versions(fixture *f, const char *name)
{
    json_t *log = NULL;
    int rc = og_docgen_template_log(&f->env.ctx, "acme", name, &log);
    if (rc == OG_ENOTFOUND)
        return 0;
    OG_ASSERT_OK(rc);
    int64_t n = (int64_t)json_array_size(log);
    json_decref(log);
    return n;
}

/* put checks the template against the sample (or given) data: problems refuse it, force stores
 * it with the problems as warnings; partials are checked inside the documents that use them. */
static void test_template__put_refuses_names_the_data_lacks_unless_forced(void **state)
{
    fixture *f = *state;
    json_t *probs = NULL;
    int64_t v = 0;
    og_docgen_put_opts po = {0};
    const char *typo = "# {{title}}\n\nPrepared for {{client.nmae}}.\n";
    assert_int_equal(
        og_docgen_template_put(&f->env.ctx, "acme", "sow", typo, strlen(typo), &po, &v, &probs),
        OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "template 'sow' not stored"));
    assert_non_null(strstr(og_error_last(), "sow:3:14: 'client.nmae'"));
    assert_null(strstr(og_error_last(), "--")); /* no CLI option in a library message */
    assert_int_equal(json_array_size(probs), 1);
    json_t *p0 = json_array_get(probs, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "client.nmae");
    assert_string_equal(json_string_value(json_object_get(p0, "source")), "sow");
    assert_string_equal(json_string_value(json_object_get(p0, "kind")), "sow");
    assert_int_equal(json_integer_value(json_object_get(p0, "line")), 3);
    assert_int_equal(json_integer_value(json_object_get(p0, "column")), 14);
    json_decref(probs);
    assert_int_equal(template_versions(f, "sow"), 0);

    /* forced: stored, the problem returned as a warning; generate then fails naming it */
    po.force = 1;
    OG_ASSERT_OK(
        og_docgen_template_put(&f->env.ctx, "acme", "sow", typo, strlen(typo), &po, &v, &probs));
    assert_int_equal(v, 1);
    assert_int_equal(json_array_size(probs), 1);
    json_decref(probs);
    og_buf out;
    og_buf_init(&out, 1 << 24);
    assert_int_equal(gen(f, OG_DOC_SOW, OG_DOC_MD, f->data, &out, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "sow@1:3:14: 'client.nmae' is not in the data"));
    assert_int_equal(versions(f, "sow.md"), 0);

    /* a partial is checked in the documents that use it (signoff: change order and closure;
     * the tenant's sow no longer uses it) and only its own tags count; optional names pass */
    po.force = 0;
    const char *terms = "### Terms\n\nNet {{payment.net_dayz}} days.\n";
    assert_int_equal(og_docgen_template_put(&f->env.ctx, "acme", "signoff", terms, strlen(terms),
                                            &po, &v, &probs),
                     OG_EINVAL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(probs, 0), "source")),
                        "signoff");
    assert_int_equal(json_array_size(probs), 1); /* one tag, however many kinds use it */
    json_decref(probs);
    const char *opt = "{{! optional: payment.net_dayz }}\nNet {{payment.net_dayz}} days.\n";
    OG_ASSERT_OK(
        og_docgen_template_put(&f->env.ctx, "acme", "signoff", opt, strlen(opt), &po, &v, &probs));
    assert_int_equal(json_array_size(probs), 0);
    json_decref(probs);

    /* against given data: a custom template for a kind, data without an optional field */
    json_t *d = json_deep_copy(f->data);
    json_object_del(json_object_get(d, "client"), "address");
    po.check.kind = "sow";
    po.check.data = d;
    const char *letter = "{{client.address}} {{client.nmae}}";
    assert_int_equal(og_docgen_template_put(&f->env.ctx, "acme", "letter", letter, strlen(letter),
                                            &po, &v, &probs),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "given data of a sow"));
    assert_int_equal(json_array_size(probs), 1); /* client.address is "" in the model */
    json_decref(probs);
    json_decref(d);
    og_buf_free(&out);
}

/* Without data and none stored, the message is face-neutral with a detail the faces act on. */
static void test_generate__no_data_is_a_neutral_message_with_a_detail(void **state)
{
    fixture *f = *state;
    og_buf out;
    og_buf_init(&out, 1 << 24);
    assert_int_equal(gen(f, OG_DOC_SOW, OG_DOC_MD, NULL, &out, NULL), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "no project data"));
    assert_non_null(strstr(og_error_last(), "project.json"));
    assert_null(strstr(og_error_last(), "--input"));
    assert_string_equal(og_error_detail(), OG_DOCGEN_DETAIL_NO_DATA);
    og_error_set(OG_EINVAL, "another error");
    assert_string_equal(og_error_detail(), ""); /* reset by the next error */
    og_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_generate__stores_versions_with_provenance_and_identical_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate__facts_carry_the_money_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_generate__change_order_against_the_stored_baseline,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate__bad_data_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template__a_tenant_overrides_one_partial, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_generate__held_for_approval_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_template__put_refuses_names_the_data_lacks_unless_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate__no_data_is_a_neutral_message_with_a_detail,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
