/* model_plan.c - the plan of project data (phases, tasks, hours, amounts) and its totals. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

#define MAX_ITEMS OG_DOCGEN_ITEMS_MAX /* tasks across all phases */

void og_docgen__plan_free(og_docgen__plan *p)
{
    free(p->tasks);
    memset(p, 0, sizeof(*p));
}

const og_docgen__task *og_docgen__plan_task(const og_docgen__plan *p, const char *id)
{
    for (size_t i = 0; i < p->ntasks; i++)
        if (strcmp(p->tasks[i].id, id) == 0)
            return &p->tasks[i];
    return NULL;
}

/* Task t (at tpath) of phase pname as p->tasks[p->ntasks]: checked, its amount the exact product
 * of hours and rate rounded half-even to the currency's minor unit, added to the phase's sums. */
static int plan_task(const og_docgen__vctx *v, const json_t *t, const char *tpath,
                     const char *pname, og_docgen__plan *p, og_dec *ph_hours, og_dec *ph_amount)
{
    og_docgen__task *ti = &p->tasks[p->ntasks];
    int error;
    if ((error = og_docgen__need_object(t, tpath)) < 0 ||
        (error = og_docgen__get_str(t, tpath, "id", 1, &ti->id)) < 0 ||
        (error = og_docgen__get_str(t, tpath, "name", 1, &ti->name)) < 0 ||
        (error = og_docgen__get_str(t, tpath, "role", 0, &ti->role)) < 0 ||
        (error = og_docgen__get_dec(t, tpath, "hours", 1, &ti->hours)) < 0 ||
        (error = og_docgen__get_dec(t, tpath, "rate", 1, &ti->rate)) < 0)
        return error;
    if (ti->hours < 0 || ti->rate < 0)
        return og_error_set(OG_EINVAL, "%s.%s: must not be negative", tpath,
                            ti->hours < 0 ? "hours" : "rate");
    if (og_docgen__plan_task(p, ti->id))
        return og_error_set(OG_EINVAL, "%s.id: '%s' is used by another task", tpath, ti->id);
    ti->phase = pname;
    if ((error = og_dec_mul(ti->hours, ti->rate, &ti->amount)) < 0) {
        og_error_wrap("%s", tpath);
        return error;
    }
    ti->amount = og_dec_round(ti->amount, v->digits);
    if ((error = og_dec_add(*ph_hours, ti->hours, ph_hours)) < 0 ||
        (error = og_dec_add(*ph_amount, ti->amount, ph_amount)) < 0)
        return error;
    p->ntasks++;
    return 0;
}

/* Phase ph (index i) into p and, when mphases is set, its model into mphases. */
static int plan_phase(const og_docgen__vctx *v, const json_t *ph, const char *pfx, size_t i,
                      og_docgen__plan *p, json_t *mphases)
{
    const char *pid, *pname, *pstart, *pend;
    const json_t *tasks, *t;
    char path[OG_DOCGEN__PATH_MAX], tpath[OG_DOCGEN__PATH_MAX + 48];
    og_dec ph_hours = 0, ph_amount = 0;
    size_t j;
    int error;
    json_t *mtasks = mphases ? json_array() : NULL;
    snprintf(path, sizeof(path), "%s%sphases[%zu]", pfx, *pfx ? "." : "", i);
    if ((error = og_docgen__need_object(ph, path)) < 0 ||
        (error = og_docgen__get_str(ph, path, "id", 1, &pid)) < 0 ||
        (error = og_docgen__get_str(ph, path, "name", 1, &pname)) < 0 ||
        (error = og_docgen__get_date(ph, path, "start", 0, &pstart)) < 0 ||
        (error = og_docgen__get_date(ph, path, "end", 0, &pend)) < 0 ||
        (error = og_docgen__get_arr(ph, path, "tasks", 1, &tasks)) < 0)
        goto cleanup;
    if (*pend && (!p->end || strcmp(pend, p->end) > 0))
        p->end = pend;
    if (*pstart && (!p->start || strcmp(pstart, p->start) < 0))
        p->start = pstart;
    json_array_foreach(tasks, j, t)
    {
        snprintf(tpath, sizeof(tpath), "%s.tasks[%zu]", path, j);
        if ((error = plan_task(v, t, tpath, pname, p, &ph_hours, &ph_amount)) < 0)
            goto cleanup;
        const og_docgen__task *ti = &p->tasks[p->ntasks - 1];
        if (mtasks)
            json_array_append_new(mtasks, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", ti->id,
                                                    "name", ti->name, "role", ti->role, "hours",
                                                    og_docgen__hours(ti->hours), "rate",
                                                    og_docgen__money(v, ti->rate), "amount",
                                                    og_docgen__money(v, ti->amount)));
    }
    if ((error = og_dec_add(p->hours, ph_hours, &p->hours)) < 0 ||
        (error = og_dec_add(p->amount, ph_amount, &p->amount)) < 0)
        goto cleanup;
    if (mphases) {
        json_array_append_new(mphases,
                              json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", pid, "name",
                                        pname, "start", pstart, "end", pend, "tasks", mtasks,
                                        "hours", og_docgen__hours(ph_hours), "amount",
                                        og_docgen__money(v, ph_amount)));
        mtasks = NULL;
    }
    error = 0;
cleanup:
    json_decref(mtasks);
    return error;
}

int og_docgen__plan_build(const og_docgen__vctx *v, const json_t *data, const char *pfx,
                          og_docgen__plan *p, json_t *model)
{
    const json_t *phases, *ph;
    size_t i, n = 0;
    int error;
    json_t *mphases = NULL;
    memset(p, 0, sizeof(*p));
    if ((error = og_docgen__get_arr(data, pfx, "phases", 1, &phases)) < 0)
        return error;
    json_array_foreach(phases, i, ph)
    {
        const json_t *ts = json_object_get(ph, "tasks");
        n += json_is_array(ts) ? json_array_size(ts) : 0;
    }
    if (n > MAX_ITEMS)
        return og_error_set(OG_EINVAL, "%s%sphases: %zu tasks in all, over the limit of %d", pfx,
                            *pfx ? "." : "", n, MAX_ITEMS);
    p->tasks = calloc(n ? n : 1, sizeof(og_docgen__task));
    if (!p->tasks)
        return og_error_set(OG_ERROR, "out of memory");
    if (model)
        mphases = json_array();
    json_array_foreach(phases, i, ph)
    {
        if ((error = plan_phase(v, ph, pfx, i, p, mphases)) < 0) {
            json_decref(mphases);
            og_docgen__plan_free(p);
            return error;
        }
    }
    if (model) {
        json_object_set_new(model, "phases", mphases);
        json_object_set_new(model, "totals",
                            json_pack("{s:o, s:o, s:i}", "hours", og_docgen__hours(p->hours),
                                      "amount", og_docgen__money(v, p->amount), "tasks",
                                      (json_int_t)p->ntasks));
        json_object_set_new(model, "project_start", json_string(p->start ? p->start : ""));
        json_object_set_new(model, "project_end", json_string(p->end ? p->end : ""));
    }
    return 0;
}

int og_docgen__plan_baseline(const og_docgen__vctx *v, const json_t *baseline, const char *name,
                             og_docgen__plan *b)
{
    int error;
    const char *bcur = json_string_value(json_object_get(baseline, "currency"));
    if (!bcur || strcmp(bcur, v->currency) != 0)
        return og_error_set(OG_EINVAL, "currency: '%s' differs from the baseline '%s' ('%s')",
                            v->currency, name, bcur ? bcur : "");
    if ((error = og_docgen__plan_build(v, baseline, "", b, NULL)) < 0) {
        og_error_wrap("baseline %s", name);
        return error;
    }
    return 0;
}
