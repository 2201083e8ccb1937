/* model_sow.c - the view model of a statement of work: scope, deliverables, payment, milestones. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

#define HUNDRED (100 * OG_DEC_SCALE)

/* Objectives, environment, scope (in and out), deliverables (due dates checked), assumptions
 * and the client's responsibilities. *scope gets model.scope. */
static int sow_scope(const json_t *data, json_t *m, json_t **scope)
{
    static const char *const del_req[] = {"id", "name", "acceptance", NULL};
    static const char *const del_opt[] = {"due", NULL};
    const json_t *sc, *x;
    const char *s;
    json_t *d;
    size_t i;
    int error;
    if ((error = og_docgen__str_list(data, "", "objectives", m, "objectives")) < 0 ||
        (error = og_docgen__get_str(data, "", "environment", 0, &s)) < 0)
        return error;
    json_object_set_new(m, "environment", json_string(s));
    if ((error = og_docgen__get_obj(data, "", "scope", 1, &sc)) < 0)
        return error;
    *scope = json_object();
    json_object_set_new(m, "scope", *scope);
    if ((error = og_docgen__get_arr(sc, "scope", "in", 1, &x)) < 0 ||
        (error = og_docgen__str_list(sc, "scope", "in", *scope, "in")) < 0 ||
        (error = og_docgen__str_list(sc, "scope", "out", *scope, "out")) < 0 ||
        (error = og_docgen__obj_list(data, "", "deliverables", 1, del_req, del_opt, m,
                                     "deliverables")) < 0)
        return error;
    json_array_foreach(json_object_get(m, "deliverables"), i, d)
    {
        char f[OG_DOCGEN__PATH_MAX];
        const char *due = json_string_value(json_object_get(d, "due"));
        snprintf(f, sizeof(f), "deliverables[%zu].due", i);
        if (due && *due && (error = og_docgen__date_check(due, f)) < 0)
            return error;
    }
    if ((error = og_docgen__str_list(data, "", "assumptions", m, "assumptions")) < 0 ||
        (error = og_docgen__str_list(data, "", "client_responsibilities", m,
                                     "client_responsibilities")) < 0)
        return error;
    return 0;
}

/* Acceptance (review days, rejections) and payment terms with the deposit. */
static int sow_terms(const og_docgen__vctx *v, const json_t *data, json_t *m,
                     const og_docgen__plan *p)
{
    const json_t *acc, *pay;
    const char *billing, *terms;
    int64_t review_days, max_rej, warranty;
    og_dec thr = 0, dep_pct = 0, dep_amt = 0;
    int error;
    if ((error = og_docgen__get_obj(data, "", "acceptance", 0, &acc)) < 0 ||
        (error = og_docgen__get_count(acc, "acceptance", "review_days", 5, &review_days)) < 0 ||
        (error = og_docgen__get_count(acc, "acceptance", "max_rejections", 2, &max_rej)) < 0)
        return error;
    json_object_set_new(m, "acceptance",
                        json_pack("{s:I, s:I}", "review_days", (json_int_t)review_days,
                                  "max_rejections", (json_int_t)max_rej));
    if ((error = og_docgen__get_obj(data, "", "payment_terms", 1, &pay)) < 0 ||
        (error = og_docgen__get_str(pay, "payment_terms", "billing", 1, &billing)) < 0 ||
        (error = og_docgen__get_str(pay, "payment_terms", "terms", 1, &terms)) < 0 ||
        (error = og_docgen__get_dec(pay, "payment_terms", "expense_threshold", 0, &thr)) < 0 ||
        (error = og_docgen__get_dec(pay, "payment_terms", "deposit_percent", 0, &dep_pct)) < 0 ||
        (error = og_docgen__get_count(pay, "payment_terms", "warranty_days", 30, &warranty)) < 0)
        return error;
    if (dep_pct < 0 || dep_pct > HUNDRED)
        return og_error_set(OG_EINVAL, "payment_terms.deposit_percent: must be 0 to 100");
    if ((error = og_dec_mul(p->amount, dep_pct, &dep_amt)) < 0 ||
        (error = og_dec_div(dep_amt, HUNDRED, &dep_amt)) < 0)
        return error;
    dep_amt = og_dec_round(dep_amt, v->digits);
    json_object_set_new(m, "payment",
                        json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:I}", "billing", billing,
                                  "terms", terms, "expense_threshold", og_docgen__money(v, thr),
                                  "deposit_percent", og_docgen__hours(dep_pct), "deposit_amount",
                                  og_docgen__money(v, dep_amt), "has_deposit", dep_pct > 0,
                                  "warranty_days", (json_int_t)warranty));
    return 0;
}

/* Milestones: amount = total x percent / 100, half-even; the last takes the remainder so the
 * schedule adds up to the total to the cent. Percentages must add up to 100 when given. */
static int sow_milestones(const og_docgen__vctx *v, const json_t *data, json_t *m,
                          const og_docgen__plan *p)
{
    const json_t *ms, *x;
    og_dec pct_sum = 0, amt_sum = 0;
    size_t i, nms, with_pct = 0;
    int error;
    json_t *mms;
    if ((error = og_docgen__get_arr(data, "", "milestones", 0, &ms)) < 0)
        return error;
    mms = json_array();
    json_object_set_new(m, "milestones", mms);
    nms = json_array_size(ms);
    json_array_foreach(ms, i, x)
    {
        char path[OG_DOCGEN__PATH_MAX];
        const char *name, *date;
        og_dec pct = 0, amt = 0;
        snprintf(path, sizeof(path), "milestones[%zu]", i);
        if ((error = og_docgen__need_object(x, path)) < 0 ||
            (error = og_docgen__get_str(x, path, "name", 1, &name)) < 0 ||
            (error = og_docgen__get_date(x, path, "date", 1, &date)) < 0 ||
            (error = og_docgen__get_dec(x, path, "payment_percent", 0, &pct)) < 0)
            return error;
        if (pct < 0)
            return og_error_set(OG_EINVAL, "%s.payment_percent: must not be negative", path);
        if (json_object_get(x, "payment_percent"))
            with_pct++;
        if ((error = og_dec_add(pct_sum, pct, &pct_sum)) < 0)
            return error;
        if (i + 1 == nms && pct_sum == HUNDRED) {
            if ((error = og_dec_sub(p->amount, amt_sum, &amt)) < 0)
                return error;
        } else {
            if ((error = og_dec_mul(p->amount, pct, &amt)) < 0 ||
                (error = og_dec_div(amt, HUNDRED, &amt)) < 0)
                return error;
            amt = og_dec_round(amt, v->digits);
        }
        if ((error = og_dec_add(amt_sum, amt, &amt_sum)) < 0)
            return error;
        json_array_append_new(mms,
                              json_pack("{s:I, s:s, s:s, s:o, s:o}", "n", (json_int_t)i + 1, "name",
                                        name, "date", date, "percent", og_docgen__hours(pct),
                                        "amount", og_docgen__money(v, amt)));
    }
    if (with_pct && pct_sum != HUNDRED) {
        char s1[OG_DEC_STR_MAX];
        og_dec_format_min(pct_sum, s1);
        return og_error_set(OG_EINVAL, "milestones: payment_percent adds up to %s, not 100", s1);
    }
    json_object_set_new(m, "has_milestones", json_boolean(nms > 0));
    return 0;
}

int og_docgen__model_sow(og_docgen__vctx *v, const json_t *data, json_t *m, og_docgen__plan *p)
{
    int error;
    json_t *scope = NULL;
    if ((error = og_docgen__plan_build(v, data, "", p, m)) < 0 ||
        (error = sow_scope(data, m, &scope)) < 0 || (error = sow_terms(v, data, m, p)) < 0 ||
        (error = sow_milestones(v, data, m, p)) < 0)
        return error;
    /* exclusions are the out-of-scope list, named for the partial */
    json_object_set(m, "exclusions", json_object_get(scope, "out"));
    json_object_set_new(m, "has_exclusions",
                        json_boolean(json_array_size(json_object_get(scope, "out")) > 0));
    return 0;
}
