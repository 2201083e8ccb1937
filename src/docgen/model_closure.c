/* model_closure.c - the view model of a closure report: budget and schedule against actuals. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HUNDRED (100 * OG_DEC_SCALE)

/* Budget against actual, task by task: actual cost = actual hours x the task's rate, as
 * model.actuals; the sums in *hours and *amount. Every id of act must be a task of the plan. */
static int closure_actuals(const og_docgen__vctx *v, const json_t *act, const og_docgen__plan *p,
                           const og_docgen__plan *b, json_t *m, og_dec *hours, og_dec *amount)
{
    const char *k;
    const json_t *val;
    int error;
    json_t *rows = json_array();
    json_object_set_new(m, "actuals", rows);
    for (size_t i = 0; i < p->ntasks; i++) {
        const og_docgen__task *t = &p->tasks[i];
        char f[OG_DOCGEN__PATH_MAX];
        og_dec ah, aa, dh, dam;
        snprintf(f, sizeof(f), "closure.actual_hours.%s", t->id);
        if ((error = og_dec_from_json(json_object_get(act, t->id), f, &ah)) < 0)
            return error;
        if (ah < 0)
            return og_error_set(OG_EINVAL, "%s: must not be negative", f);
        if ((error = og_dec_mul(ah, t->rate, &aa)) < 0)
            return error;
        aa = og_dec_round(aa, v->digits);
        if ((error = og_dec_add(*hours, ah, hours)) < 0 ||
            (error = og_dec_add(*amount, aa, amount)) < 0 ||
            (error = og_dec_sub(ah, t->hours, &dh)) < 0 ||
            (error = og_dec_sub(aa, t->amount, &dam)) < 0)
            return error;
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", t->id, "name", t->name,
                      "phase", t->phase, "budget_hours", og_docgen__hours(t->hours), "actual_hours",
                      og_docgen__hours(ah), "hours_variance", og_docgen__signed_hours(dh),
                      "budget_amount", og_docgen__money(v, t->amount), "actual_amount",
                      og_docgen__money(v, aa), "amount_variance", og_docgen__signed_money(v, dam)));
    }
    json_object_foreach((json_t *)act, k, val)
    {
        (void)val;
        if (og_docgen__plan_task(p, k))
            continue;
        if (og_docgen__plan_task(b, k))
            return og_error_set(OG_EINVAL,
                                "closure.actual_hours.%s: task %s is not in the plan (a change "
                                "order removed it); remove its hours",
                                k, k);
        return og_error_set(OG_EINVAL, "closure.actual_hours.%s: no task with that id", k);
    }
    return 0;
}

/* Change orders of a closure: each with its signed amount; approved ones (status "approved", the
 * default) add up to *sum. */
static int closure_change_orders(const og_docgen__vctx *v, const json_t *cl, json_t *m, og_dec *sum)
{
    static const char *const co_req[] = {"number", "description", NULL};
    static const char *const co_opt[] = {"status", NULL};
    json_t *cos, *co;
    const json_t *src;
    size_t k;
    int error;
    *sum = 0;
    if ((error = og_docgen__obj_list(cl, "closure", "change_orders", 0, co_req, co_opt, m,
                                     "change_orders")) < 0)
        return error;
    cos = json_object_get(m, "change_orders");
    src = json_object_get(cl, "change_orders");
    json_array_foreach(cos, k, co)
    {
        char path[OG_DOCGEN__PATH_MAX];
        og_dec amt = 0;
        const char *st = json_string_value(json_object_get(co, "status"));
        int approved = !st || !*st || strcasecmp(st, "approved") == 0;
        snprintf(path, sizeof(path), "closure.change_orders[%zu]", k);
        if ((error = og_docgen__get_dec(json_array_get(src, k), path, "amount", 1, &amt)) < 0)
            return error;
        if (!st || !*st)
            json_object_set_new(co, "status", json_string("approved"));
        json_object_set_new(co, "amount", og_docgen__signed_money(v, amt));
        json_object_set_new(co, "approved", json_boolean(approved));
        if (approved && (error = og_dec_add(*sum, amt, sum)) < 0)
            return error;
    }
    return 0;
}

/* With a baseline, the baseline SOW's total plus the approved change orders must be the plan's
 * total: *original is the baseline's total. Without one, the plan's total less the change
 * orders. */
static int closure_original(const og_docgen__vctx *v, const og_docgen__plan *p,
                            const og_docgen__plan *b, int has_baseline, og_dec co_sum,
                            og_dec *original)
{
    og_dec expect;
    int error;
    if (!has_baseline)
        return og_dec_sub(p->amount, co_sum, original);
    if ((error = og_dec_add(b->amount, co_sum, &expect)) < 0)
        return error;
    if (expect != p->amount) {
        char s1[OG_DEC_STR_MAX], s2[OG_DEC_STR_MAX + 1], s3[OG_DEC_STR_MAX], s4[OG_DEC_STR_MAX];
        og_dec_format(b->amount, v->digits, 1, s1);
        og_dec_format(co_sum, v->digits, 1, s2 + 1);
        s2[0] = '+';
        og_dec_format(expect, v->digits, 1, s3);
        og_dec_format(p->amount, v->digits, 1, s4);
        return og_error_set(OG_EINVAL,
                            "closure.change_orders: the baseline SOW's %s plus the approved "
                            "change orders' %s is %s, but the plan (phases) adds up to %s: "
                            "list every approved change order with its amount",
                            s1, co_sum < 0 ? s2 + 1 : s2, s3, s4);
    }
    *original = b->amount;
    return 0;
}

/* model.budget: the plan (the original SOW plus the approved change orders, which is what the
 * actuals are measured against) against the actual hours ah and amount aa. */
static int closure_budget(const og_docgen__vctx *v, const og_docgen__plan *p,
                          const og_docgen__plan *b, int has_baseline, og_dec ah, og_dec aa,
                          og_dec co_sum, json_t *m)
{
    og_dec vh, va, original = 0, pct = 0;
    char pcts[OG_DEC_STR_MAX + 2];
    int error;
    if ((error = og_dec_sub(ah, p->hours, &vh)) < 0 ||
        (error = og_dec_sub(aa, p->amount, &va)) < 0 ||
        (error = closure_original(v, p, b, has_baseline, co_sum, &original)) < 0)
        return error;
    if (p->amount != 0) {
        if ((error = og_dec_mul(va, HUNDRED, &pct)) < 0 ||
            (error = og_dec_div(pct, p->amount, &pct)) < 0)
            return error;
    }
    og_dec_format(pct, 1, 0, pcts + 1);
    pcts[0] = '+';
    json_t *bud = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:b}", "budget_hours", og_docgen__hours(p->hours),
        "actual_hours", og_docgen__hours(ah), "hours_variance", og_docgen__signed_hours(vh),
        "budget_amount", og_docgen__money(v, p->amount), "actual_amount", og_docgen__money(v, aa),
        "amount_variance", og_docgen__signed_money(v, va), "amount_variance_percent",
        pct > 0 ? pcts : pcts + 1, "over_budget", va > 0);
    json_object_set_new(bud, "original_amount", og_docgen__money(v, original));
    json_object_set_new(bud, "original_hours",
                        has_baseline ? og_docgen__hours(b->hours) : json_string(""));
    json_object_set_new(bud, "change_orders_amount", og_docgen__signed_money(v, co_sum));
    json_object_set_new(bud, "revised_amount", og_docgen__money(v, p->amount));
    json_object_set_new(bud, "revised_hours", og_docgen__hours(p->hours));
    json_object_set_new(bud, "has_baseline", json_boolean(has_baseline));
    json_object_set_new(m, "budget", bud);
    return 0;
}

/* model.schedule: planned (and, with a baseline, original) dates against the actual ones. */
static int closure_schedule(const og_docgen__plan *p, const og_docgen__plan *b, int has_baseline,
                            const char *astart, const char *aend, json_t *m)
{
    int64_t days = 0;
    int error;
    const char *pend = p->end ? p->end : "";
    const char *oend = has_baseline && b->end ? b->end : "";
    if (*pend && (error = og_docgen__days_between(pend, aend, "closure.actual_end", &days)) < 0)
        return error;
    json_t *sch =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:b}", "baseline_start", p->start ? p->start : "",
                  "baseline_end", pend, "actual_start", astart, "actual_end", aend, "variance_days",
                  (json_int_t)days, "variance_text", og_docgen__days_text(days), "late", days > 0);
    json_object_set_new(sch, "planned_start", json_string(p->start ? p->start : ""));
    json_object_set_new(sch, "planned_end", json_string(pend));
    json_object_set_new(sch, "original_start",
                        json_string(has_baseline && b->start ? b->start : ""));
    json_object_set_new(sch, "original_end", json_string(oend));
    json_object_set_new(sch, "has_original", json_boolean(*oend != 0));
    json_object_set_new(sch, "changed", json_boolean(*oend && strcmp(oend, pend) != 0));
    json_object_set_new(m, "schedule", sch);
    return 0;
}

/* Deliverables and their acceptance: the plan's list, status from closure.deliverables. */
static int closure_deliverables(const json_t *data, const json_t *cl, json_t *m)
{
    const json_t *dels, *x, *acc = NULL;
    size_t i;
    int error;
    json_t *mdel;
    if ((error = og_docgen__get_arr(data, "", "deliverables", 1, &dels)) < 0)
        return error;
    mdel = json_array();
    json_object_set_new(m, "deliverables", mdel);
    if ((error = og_docgen__get_obj(cl, "closure", "deliverables", 1, &acc)) < 0)
        return error;
    json_array_foreach(dels, i, x)
    {
        char path[OG_DOCGEN__PATH_MAX], apath[OG_DOCGEN__PATH_MAX];
        const char *id, *name, *status, *on;
        const json_t *a;
        snprintf(path, sizeof(path), "deliverables[%zu]", i);
        if ((error = og_docgen__need_object(x, path)) < 0 ||
            (error = og_docgen__get_str(x, path, "id", 1, &id)) < 0 ||
            (error = og_docgen__get_str(x, path, "name", 1, &name)) < 0)
            return error;
        snprintf(apath, sizeof(apath), "closure.deliverables.%s", id);
        a = json_object_get(acc, id);
        if (!a)
            return og_error_set(OG_EINVAL, "%s: missing (status of deliverable %s)", apath, id);
        if ((error = og_docgen__need_object(a, apath)) < 0 ||
            (error = og_docgen__get_str(a, apath, "status", 1, &status)) < 0 ||
            (error = og_docgen__get_date(a, apath, "accepted_on", 0, &on)) < 0)
            return error;
        json_array_append_new(mdel, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", id, "name", name,
                                              "status", status, "accepted_on", on, "accepted",
                                              strcmp(status, "accepted") == 0));
    }
    return 0;
}

static int closure_model(og_docgen__vctx *v, const json_t *data, const json_t *baseline, json_t *m,
                         og_docgen__plan *p, og_docgen__plan *b)
{
    static const char *const obj_req[] = {"objective", "status", NULL};
    static const char *const obj_opt[] = {"comment", NULL};
    static const char *const open_req[] = {"item", "owner", NULL};
    static const char *const open_opt[] = {"due", NULL};
    const json_t *cl, *act;
    const char *date, *synopsis, *astart, *aend, *sponsor;
    og_dec ah_sum = 0, aa_sum = 0, co_sum = 0;
    int error;

    if ((error = og_docgen__plan_build(v, data, "", p, m)) < 0)
        return error;
    /* the SOW as sold (closure.baseline): its total is the original budget */
    if (baseline) {
        const char *bname =
            json_string_value(json_object_get(json_object_get(data, "closure"), "baseline"));
        if ((error = og_docgen__plan_baseline(v, baseline, bname ? bname : "", b)) < 0)
            return error;
    }
    if ((error = og_docgen__get_obj(data, "", "closure", 1, &cl)) < 0 ||
        (error = og_docgen__get_date(cl, "closure", "date", 1, &date)) < 0 ||
        (error = og_docgen__get_str(cl, "closure", "synopsis", 1, &synopsis)) < 0 ||
        (error = og_docgen__get_date(cl, "closure", "actual_start", 0, &astart)) < 0 ||
        (error = og_docgen__get_date(cl, "closure", "actual_end", 1, &aend)) < 0 ||
        (error = og_docgen__get_str(cl, "closure", "sponsor_comments", 0, &sponsor)) < 0 ||
        (error = og_docgen__get_obj(cl, "closure", "actual_hours", 1, &act)) < 0)
        return error;
    if ((error = closure_actuals(v, act, p, b, m, &ah_sum, &aa_sum)) < 0 ||
        (error = closure_change_orders(v, cl, m, &co_sum)) < 0 ||
        (error = closure_budget(v, p, b, baseline != NULL, ah_sum, aa_sum, co_sum, m)) < 0 ||
        (error = closure_schedule(p, b, baseline != NULL, astart, aend, m)) < 0)
        return error;
    json_object_set_new(m, "closure",
                        json_pack("{s:s, s:s, s:s}", "date", date, "synopsis", synopsis,
                                  "sponsor_comments", sponsor));
    if ((error = closure_deliverables(data, cl, m)) < 0 ||
        (error = og_docgen__obj_list(cl, "closure", "objectives", 1, obj_req, obj_opt, m,
                                     "objectives")) < 0 ||
        (error = og_docgen__obj_list(cl, "closure", "open_items", 0, open_req, open_opt, m,
                                     "open_items")) < 0 ||
        (error = og_docgen__str_list(cl, "closure", "handover", m, "handover")) < 0 ||
        (error = og_docgen__str_list(cl, "closure", "lessons", m, "lessons")) < 0 ||
        (error = og_docgen__str_list(cl, "closure", "risks", m, "risks")) < 0)
        return error;
    return 0;
}

int og_docgen__model_closure(og_docgen__vctx *v, const json_t *data, const json_t *baseline,
                             json_t *m, og_docgen__plan *p)
{
    int error;
    og_docgen__plan b;
    memset(&b, 0, sizeof(b));
    error = closure_model(v, data, baseline, m, p, &b);
    og_docgen__plan_free(&b);
    return error;
}
