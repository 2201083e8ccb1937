/* model_change.c - the view model of a change order: the plan against its baseline SOW's. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static json_t *task_json(const og_docgen__vctx *v, const og_docgen__task *t)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", t->id, "name", t->name, "phase",
                     t->phase, "hours", og_docgen__hours(t->hours), "rate",
                     og_docgen__money(v, t->rate), "amount", og_docgen__money(v, t->amount));
}

/* A task in both plans whose hours, rate or name changed. */
static int task_changed(const og_docgen__vctx *v, const og_docgen__task *t,
                        const og_docgen__task *o, json_t *changed)
{
    og_dec hd, ad;
    int error;
    if ((error = og_dec_sub(t->hours, o->hours, &hd)) < 0 ||
        (error = og_dec_sub(t->amount, o->amount, &ad)) < 0)
        return error;
    json_array_append_new(
        changed,
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", t->id,
                  "name", t->name, "name_before", o->name, "phase", t->phase, "hours_before",
                  og_docgen__hours(o->hours), "hours_after", og_docgen__hours(t->hours),
                  "hours_delta", og_docgen__signed_hours(hd), "rate_before",
                  og_docgen__money(v, o->rate), "rate_after", og_docgen__money(v, t->rate),
                  "amount_before", og_docgen__money(v, o->amount), "amount_after",
                  og_docgen__money(v, t->amount), "amount_delta", og_docgen__signed_money(v, ad)));
    return 0;
}

/* Fill model.added, .removed and .changed: plan p against the baseline's b, task by task. */
static int task_diff(const og_docgen__vctx *v, const og_docgen__plan *p, const og_docgen__plan *b,
                     json_t *m)
{
    json_t *added = json_object_get(m, "added"), *removed = json_object_get(m, "removed"),
           *changed = json_object_get(m, "changed");
    size_t i;
    int error = 0;
    for (i = 0; i < p->ntasks && error == 0; i++) {
        const og_docgen__task *t = &p->tasks[i], *o = og_docgen__plan_task(b, t->id);
        if (!o)
            json_array_append_new(added, task_json(v, t));
        else if (t->hours != o->hours || t->rate != o->rate || strcmp(t->name, o->name) != 0)
            error = task_changed(v, t, o, changed);
    }
    if (error < 0)
        return error;
    for (i = 0; i < b->ntasks; i++)
        if (!og_docgen__plan_task(p, b->tasks[i].id))
            json_array_append_new(removed, task_json(v, &b->tasks[i]));
    return 0;
}

/* change.previous: the change orders before this one, each with its amount, summed in *sum. */
static int previous_orders(const og_docgen__vctx *v, const json_t *ch, json_t *mprev, og_dec *sum)
{
    const json_t *prev, *x;
    size_t i;
    int error;
    if ((error = og_docgen__get_arr(ch, "change", "previous", 0, &prev)) < 0)
        return error;
    json_array_foreach(prev, i, x)
    {
        char path[OG_DOCGEN__PATH_MAX];
        const char *pn;
        og_dec amt;
        snprintf(path, sizeof(path), "change.previous[%zu]", i);
        if ((error = og_docgen__need_object(x, path)) < 0 ||
            (error = og_docgen__get_str(x, path, "number", 1, &pn)) < 0 ||
            (error = og_docgen__get_dec(x, path, "amount", 1, &amt)) < 0 ||
            (error = og_dec_add(*sum, amt, sum)) < 0)
            return error;
        json_array_append_new(mprev, json_pack("{s:s, s:o}", "number", pn, "amount",
                                               og_docgen__signed_money(v, amt)));
    }
    return 0;
}

/* The has_* flags of the task lists. */
static void diff_flags(json_t *m)
{
    size_t na = json_array_size(json_object_get(m, "added"));
    size_t nr = json_array_size(json_object_get(m, "removed"));
    size_t nc = json_array_size(json_object_get(m, "changed"));
    json_object_set_new(m, "has_added", json_boolean(na > 0));
    json_object_set_new(m, "has_removed", json_boolean(nr > 0));
    json_object_set_new(m, "has_changed", json_boolean(nc > 0));
    json_object_set_new(m, "has_previous",
                        json_boolean(json_array_size(json_object_get(m, "previous")) > 0));
    json_object_set_new(m, "no_task_changes", json_boolean(!na && !nr && !nc));
}

/* model.delta, .contract and .schedule: this change order's effect on the contract. */
static int contract_effect(const og_docgen__vctx *v, const og_docgen__plan *p,
                           const og_docgen__plan *b, og_dec prev_sum, json_t *m)
{
    og_dec dh = 0, da = 0, revised = 0;
    int64_t days = 0;
    const char *be = b->end ? b->end : "", *ne = p->end ? p->end : "";
    int error;
    /* original + previous change orders + this one = revised contract sum. The delta of this
     * change order is measured against the baseline, which already reflects the original SOW. */
    if ((error = og_dec_sub(p->hours, b->hours, &dh)) < 0 ||
        (error = og_dec_sub(p->amount, b->amount, &da)) < 0 ||
        (error = og_dec_add(b->amount, prev_sum, &revised)) < 0 ||
        (error = og_dec_add(revised, da, &revised)) < 0)
        return error;
    json_object_set_new(m, "delta",
                        json_pack("{s:o, s:o}", "hours", og_docgen__signed_hours(dh), "amount",
                                  og_docgen__signed_money(v, da)));
    json_object_set_new(
        m, "contract",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "original", og_docgen__money(v, b->amount),
                  "previous", og_docgen__signed_money(v, prev_sum), "this",
                  og_docgen__signed_money(v, da), "revised", og_docgen__money(v, revised),
                  "baseline_hours", og_docgen__hours(b->hours), "revised_hours",
                  og_docgen__hours(p->hours)));
    if (*be && *ne && (error = og_docgen__days_between(be, ne, "phases[].end", &days)) < 0)
        return error;
    json_object_set_new(m, "schedule",
                        json_pack("{s:s, s:s, s:I, s:o}", "baseline_end", be, "new_end", ne,
                                  "delta_days", (json_int_t)days, "delta_text",
                                  og_docgen__days_text(days)));
    return 0;
}

int og_docgen__model_change_order(og_docgen__vctx *v, const json_t *data, const json_t *baseline,
                                  json_t *m, og_docgen__plan *p)
{
    int error;
    const json_t *ch;
    const char *number, *date, *base, *reason, *desc, *by;
    og_docgen__plan b;
    og_dec prev_sum = 0;
    json_t *mprev = json_array();
    memset(&b, 0, sizeof(b));
    json_object_set_new(m, "added", json_array());
    json_object_set_new(m, "removed", json_array());
    json_object_set_new(m, "changed", json_array());
    json_object_set_new(m, "previous", mprev);

    if ((error = og_docgen__get_obj(data, "", "change", 1, &ch)) < 0 ||
        (error = og_docgen__get_str(ch, "change", "number", 1, &number)) < 0 ||
        (error = og_docgen__get_date(ch, "change", "date", 1, &date)) < 0 ||
        (error = og_docgen__get_str(ch, "change", "baseline", 1, &base)) < 0 ||
        (error = og_docgen__get_str(ch, "change", "reason", 1, &reason)) < 0 ||
        (error = og_docgen__get_str(ch, "change", "description", 1, &desc)) < 0 ||
        (error = og_docgen__get_str(ch, "change", "initiated_by", 1, &by)) < 0)
        return error;
    if (!baseline)
        return og_error_set(OG_EINVAL, "change.baseline: no data snapshot for baseline '%s'", base);
    if ((error = og_docgen__plan_build(v, data, "", p, m)) < 0 ||
        (error = og_docgen__plan_baseline(v, baseline, base, &b)) < 0 ||
        (error = task_diff(v, p, &b, m)) < 0 ||
        (error = previous_orders(v, ch, mprev, &prev_sum)) < 0)
        goto cleanup;
    json_object_set_new(m, "change",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "date", date,
                                  "baseline", base, "reason", reason, "description", desc,
                                  "initiated_by", by));
    diff_flags(m);
    error = contract_effect(v, p, &b, prev_sum, m);
cleanup:
    og_docgen__plan_free(&b);
    return error;
}

int og_docgen__co_delta(const json_t *data, const json_t *baseline, og_dec *delta, int *digits)
{
    og_docgen__vctx v;
    og_docgen__plan p, b;
    int error;
    memset(&v, 0, sizeof(v));
    memset(&p, 0, sizeof(p));
    memset(&b, 0, sizeof(b));
    *delta = 0;
    if ((error = og_docgen__get_str(data, "", "currency", 1, &v.currency)) < 0 ||
        (error = og_currency_digits(v.currency, &v.digits)) < 0)
        return error;
    *digits = v.digits;
    if ((error = og_docgen__plan_build(&v, data, "", &p, NULL)) < 0 ||
        (error = og_docgen__plan_build(&v, baseline, "", &b, NULL)) < 0 ||
        (error = og_dec_sub(p.amount, b.amount, delta)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_docgen__plan_free(&p);
    og_docgen__plan_free(&b);
    return error;
}
