/* diff.c - what a change order is about: the scope of project data (tasks, hours, rates, dates,
 * the PSA's budget) and the difference between two scopes, which decides
 * psa.project.scope_changed and words the change order's description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "sync_internal.h"

#define TEXT_MAX 9000 /* a change order's description holds 10,000 characters */

static json_t *pick_fields(const json_t *o, const char *const *names)
{
    json_t *out = json_object();
    for (int i = 0; out && names[i]; i++) {
        json_t *v = json_object_get(o, names[i]);
        if (v && !json_is_null(v))
            json_object_set(out, names[i], v);
    }
    return out;
}

json_t *og_conn__scope(const json_t *data)
{
    static const char *const phase_f[] = {"id", "name", "start", "end", NULL};
    static const char *const task_f[] = {"id", "name", "hours", "rate", NULL};
    static const char *const psa_f[] = {"budget_hours", "budget_amount", "start", "end", NULL};
    json_t *scope = json_object(), *phases = json_array();
    const json_t *ph = json_object_get(data, "phases");
    if (!scope || !phases) {
        json_decref(scope);
        json_decref(phases);
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(ph); i++) {
        const json_t *p = json_array_get(ph, i);
        const json_t *tasks = json_object_get(p, "tasks");
        json_t *po = pick_fields(p, phase_f), *to = json_array();
        for (size_t j = 0; to && j < json_array_size(tasks); j++)
            json_array_append_new(to, pick_fields(json_array_get(tasks, j), task_f));
        json_object_set_new(po, "tasks", to);
        json_array_append_new(phases, po);
    }
    json_object_set_new(scope, "phases", phases);
    json_object_set_new(scope, "psa", pick_fields(json_object_get(data, "psa"), psa_f));
    return scope;
}

/* A decimal's text: a string, or an integer written out; NULL otherwise. */
static const char *dec_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

/* Equal as decimals when both read as decimals ("6" == "6.00"), else as JSON. */
static bool same(const json_t *a, const json_t *b)
{
    char ba[32], bb[32];
    const char *ta = dec_text(a, ba, sizeof(ba)), *tb = dec_text(b, bb, sizeof(bb));
    og_dec da, db;
    if (!a || !b || json_is_null(a) || json_is_null(b))
        return (!a || json_is_null(a)) && (!b || json_is_null(b));
    if (ta && tb && og_dec_parse(ta, &da) == 0 && og_dec_parse(tb, &db) == 0) {
        og_error_clear();
        return da == db;
    }
    og_error_clear();
    return json_equal((json_t *)a, (json_t *)b);
}

static json_t *pair(const json_t *b, const json_t *a)
{
    return json_pack("[OO]", b ? (json_t *)b : json_null(), a ? (json_t *)a : json_null());
}

/* Tasks by id (or "phase/name" for a task without one), each {task, phase}. */
static json_t *task_index(const json_t *scope)
{
    json_t *idx = json_object();
    const json_t *ph = json_object_get(scope, "phases");
    for (size_t i = 0; idx && i < json_array_size(ph); i++) {
        const json_t *p = json_array_get(ph, i), *tasks = json_object_get(p, "tasks");
        for (size_t j = 0; j < json_array_size(tasks); j++) {
            const json_t *t = json_array_get(tasks, j);
            const char *id = json_string_value(json_object_get(t, "id"));
            char key[300];
            if (!id)
                snprintf(key, sizeof(key), "%s/%s",
                         json_string_value(json_object_get(p, "id")) ?: "?",
                         json_string_value(json_object_get(t, "name")) ?: "?");
            json_object_set_new(
                idx, id ? id : key,
                json_pack("{s:O, s:O?}", "task", t, "phase", json_object_get(p, "id")));
        }
    }
    return idx;
}

static void diff_tasks(const json_t *before, const json_t *after, json_t *out)
{
    json_t *bi = task_index(before), *ai = task_index(after);
    json_t *added = json_array(), *removed = json_array(), *changed = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(ai, k, v)
    {
        json_t *t = json_object_get(v, "task"), *b = json_object_get(bi, k), *bt, *c;
        if (!b) {
            json_t *x = json_deep_copy(t);
            json_object_set(x, "phase", json_object_get(v, "phase"));
            json_array_append_new(added, x);
            continue;
        }
        bt = json_object_get(b, "task");
        c = json_pack("{s:s, s:O?}", "id", k, "name", json_object_get(t, "name"));
        if (!same(json_object_get(bt, "hours"), json_object_get(t, "hours")))
            json_object_set_new(c, "hours",
                                pair(json_object_get(bt, "hours"), json_object_get(t, "hours")));
        if (!same(json_object_get(bt, "rate"), json_object_get(t, "rate")))
            json_object_set_new(c, "rate",
                                pair(json_object_get(bt, "rate"), json_object_get(t, "rate")));
        if (json_object_get(c, "hours") || json_object_get(c, "rate"))
            json_array_append_new(changed, c);
        else
            json_decref(c);
    }
    json_object_foreach(bi, k, v) if (!json_object_get(ai, k))
        json_array_append(removed, json_object_get(v, "task"));
    if (json_array_size(added))
        json_object_set(out, "tasks_added", added);
    if (json_array_size(removed))
        json_object_set(out, "tasks_removed", removed);
    if (json_array_size(changed))
        json_object_set(out, "tasks_changed", changed);
    json_decref(added);
    json_decref(removed);
    json_decref(changed);
    json_decref(bi);
    json_decref(ai);
}

static const json_t *phase_by_id(const json_t *scope, const char *id)
{
    const json_t *ph = json_object_get(scope, "phases");
    for (size_t i = 0; i < json_array_size(ph); i++) {
        const char *pid = json_string_value(json_object_get(json_array_get(ph, i), "id"));
        if (pid && strcmp(pid, id) == 0)
            return json_array_get(ph, i);
    }
    return NULL;
}

static void diff_dates(const json_t *before, const json_t *after, json_t *dates)
{
    static const char *const which[] = {"start", "end"};
    const json_t *bp = json_object_get(before, "phases"), *ap = json_object_get(after, "phases");
    for (int pass = 0; pass < 2; pass++) {
        const json_t *list = pass ? bp : ap, *other = pass ? after : before;
        for (size_t i = 0; i < json_array_size(list); i++) {
            const json_t *p = json_array_get(list, i), *o;
            const char *id = json_string_value(json_object_get(p, "id"));
            if (!id)
                continue;
            o = phase_by_id(other, id);
            if (pass && o)
                continue; /* seen in the first pass */
            for (int w = 0; w < 2; w++) {
                const json_t *x = json_object_get(p, which[w]), *y = json_object_get(o, which[w]);
                char key[160];
                if (same(x, y))
                    continue;
                snprintf(key, sizeof(key), "%s.%s", id, which[w]);
                json_object_set_new(dates, key, pass ? pair(x, y) : pair(y, x));
            }
        }
    }
    const json_t *bs = json_object_get(before, "psa"), *as = json_object_get(after, "psa");
    for (int w = 0; w < 2; w++) {
        char key[32];
        snprintf(key, sizeof(key), "psa.%s", which[w]);
        if (!same(json_object_get(bs, which[w]), json_object_get(as, which[w])))
            json_object_set_new(dates, key,
                                pair(json_object_get(bs, which[w]), json_object_get(as, which[w])));
    }
}

json_t *og_conn__scope_diff(const json_t *before, const json_t *after)
{
    static const char *const budget_f[] = {"budget_hours", "budget_amount", NULL};
    json_t *out = json_object(), *dates = json_object(), *budget = json_object();
    const json_t *bs = json_object_get(before, "psa"), *as = json_object_get(after, "psa");
    if (!out || !dates || !budget)
        goto fail;
    diff_tasks(before, after, out);
    diff_dates(before, after, dates);
    for (int i = 0; budget_f[i]; i++) {
        const json_t *x = json_object_get(bs, budget_f[i]), *y = json_object_get(as, budget_f[i]);
        if (!same(x, y))
            json_object_set_new(budget, budget_f[i], pair(x, y));
    }
    if (json_object_size(dates))
        json_object_set(out, "dates", dates);
    if (json_object_size(budget))
        json_object_set(out, "budget", budget);
    json_decref(dates);
    json_decref(budget);
    if (json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
fail:
    json_decref(out);
    json_decref(dates);
    json_decref(budget);
    return NULL;
}

static const char *txt(const json_t *v, char *buf, size_t size)
{
    const char *t = dec_text(v, buf, size);
    return t ? t : "none";
}

static void say_tasks(og_buf *b, const json_t *list, const char *title, int with_hours)
{
    char h[32];
    if (!json_array_size(list))
        return;
    og_buf_printf(b, "%s: ", title);
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *t = json_array_get(list, i);
        og_buf_printf(b, "%s%s %s", i ? "; " : "",
                      json_string_value(json_object_get(t, "id")) ?: "?",
                      json_string_value(json_object_get(t, "name")) ?: "");
        if (with_hours)
            og_buf_printf(b, " (%s h)", txt(json_object_get(t, "hours"), h, sizeof(h)));
    }
    og_buf_puts(b, ". ");
}

static void say_pairs(og_buf *b, const json_t *obj, const char *title, const char *unit)
{
    const char *k;
    json_t *v;
    char x[32], y[32];
    int first = 1;
    if (!json_object_size(obj))
        return;
    og_buf_printf(b, "%s: ", title);
    json_object_foreach((json_t *)obj, k, v)
    {
        og_buf_printf(b, "%s%s %s%s -> %s%s", first ? "" : "; ", k,
                      txt(json_array_get(v, 0), x, sizeof(x)), unit,
                      txt(json_array_get(v, 1), y, sizeof(y)), unit);
        first = 0;
    }
    og_buf_puts(b, ". ");
}

char *og_conn__diff_text(const json_t *diff)
{
    og_buf b;
    const json_t *ch = json_object_get(diff, "tasks_changed");
    char x[32], y[32];
    og_buf_init(&b, TEXT_MAX);
    say_tasks(&b, json_object_get(diff, "tasks_added"), "Tasks added", 1);
    say_tasks(&b, json_object_get(diff, "tasks_removed"), "Tasks removed", 1);
    if (json_array_size(ch)) {
        og_buf_puts(&b, "Tasks changed: ");
        for (size_t i = 0; i < json_array_size(ch); i++) {
            const json_t *t = json_array_get(ch, i), *h = json_object_get(t, "hours"),
                         *r = json_object_get(t, "rate");
            og_buf_printf(&b, "%s%s %s", i ? "; " : "",
                          json_string_value(json_object_get(t, "id")) ?: "?",
                          json_string_value(json_object_get(t, "name")) ?: "");
            if (h)
                og_buf_printf(&b, " hours %s -> %s", txt(json_array_get(h, 0), x, sizeof(x)),
                              txt(json_array_get(h, 1), y, sizeof(y)));
            if (r)
                og_buf_printf(&b, " rate %s -> %s", txt(json_array_get(r, 0), x, sizeof(x)),
                              txt(json_array_get(r, 1), y, sizeof(y)));
        }
        og_buf_puts(&b, ". ");
    }
    say_pairs(&b, json_object_get(diff, "dates"), "Dates", "");
    say_pairs(&b, json_object_get(diff, "budget"), "Budget", "");
    if (!b.data || b.len == 0) {
        og_buf_free(&b);
        return strdup("No change in tasks, hours, budget or dates.");
    }
    while (b.len && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    return og_buf_detach(&b);
}
