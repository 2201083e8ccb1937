/* console_inbox.c - the console's inbox for the humans in the loop: the open gate items (L2
 * approvals, L1 reviews, L3 tasks) of the actor's tenant (every tenant's, or the one chosen, for
 * platform-admins), one item's page, and the decision forms. Thin over the SAME library calls as
 * the API's gate routes (og_gate_list, og_gate_show, og_gate_decide): who may decide, separation
 * of duties and the level's decisions are the library's, as for `POST /api/v1/gates/{id}/..`. */
#include "http/console.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 4096 /* as the API (og_gate_decide refuses longer notes) */

/* The decisions a person takes, with the words the page uses; a note is asked for when the
 * decision goes against the system (reject, override, failed): the page insists on one. */
static const struct {
    const char *name, *label, *recorded, *done;
    int note;
} decisions[] = {
    {"approve", "Approve", "approved", "Approved", 0},
    {"reject", "Reject", "rejected", "Rejected", 1},
    {"ack", "Acknowledge", "acknowledged", "Acknowledged", 0},
    {"override", "Override (roll back)", "overridden", "Overridden", 1},
    {"escalate", "Escalate", "escalated", "Escalated", 0},
    {"done", "Mark done", "done", "Marked done", 0},
    {"failed", "Mark failed", "failed", "Marked failed", 1},
};
#define NDECISIONS (sizeof(decisions) / sizeof(decisions[0]))

static int decision_index(const char *name)
{
    for (size_t i = 0; name && i < NDECISIONS; i++)
        if (strcmp(decisions[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* A JSON value as indented text for a <pre>; NULL for null or absent. */
static json_t *pretty(const json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_t *out = s ? json_string(s) : NULL;
    free(s);
    return out;
}

/* The certificate an item is about, when its params name one by fingerprint. */
static const char *cert_of(const json_t *item)
{
    const json_t *p = json_object_get(item, "params");
    static const char *const keys[] = {"fingerprint", "cert", "cert_id", "certificate", NULL};
    for (size_t i = 0; keys[i]; i++) {
        const char *s = json_string_value(json_object_get(p, keys[i]));
        if (s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
            return s;
    }
    return NULL;
}

/* Shape one item (as og_gate_list or og_gate_show give it) for the templates, in place. */
static void item_shape(json_t *it)
{
    const char *tenant = json_string_value(json_object_get(it, "tenant_name"));
    const char *id = json_string_value(json_object_get(it, "id"));
    const char *state = json_string_value(json_object_get(it, "state"));
    char href[300];
    snprintf(href, sizeof(href), "/console/tenants/%s/gates/%s", tenant ? tenant : "",
             id ? id : "");
    json_object_set_new(it, "href", json_string(href));
    const char *tt = json_string_value(json_object_get(it, "target_type"));
    if (tt && strcmp(tt, "artifact") == 0) {
        snprintf(href, sizeof(href), "/console/tenants/%s/gates/%s#changes", tenant ? tenant : "",
                 id ? id : "");
        json_object_set_new(it, "diff_href", json_string(href));
    }
    const char *fp = cert_of(it);
    if (fp) {
        snprintf(href, sizeof(href), "/console/tenants/%s/certificates/%s", tenant ? tenant : "",
                 fp);
        json_object_set_new(it, "cert_href", json_string(href));
    }
    json_t *v, *inf = json_object_get(it, "inference");
    if ((v = pretty(json_object_get(it, "recommendation"))))
        json_object_set_new(it, "analysis_text", v);
    /* the inference step's risk, what weighed most, and a raised level's reason */
    if (json_is_object(inf)) {
        char risk[64] = "no model yet";
        json_t *score = json_object_get(inf, "score");
        if (json_is_number(score))
            snprintf(risk, sizeof(risk), "%.2f (model %s)", json_number_value(score),
                     json_string_value(json_object_get(inf, "model")));
        json_t *ft = pretty(json_object_get(inf, "features"));
        json_object_set_new(it, "risk",
                            json_pack("{s:s, s:O?, s:O?, s:o}", "score", risk, "explanation",
                                      json_object_get(inf, "explanation"), "raised",
                                      json_object_get(json_object_get(inf, "raised"), "reason"),
                                      "features", ft ? ft : json_null()));
    }
    if ((v = pretty(json_object_get(it, "params"))))
        json_object_set_new(it, "params_text", v);
    if ((v = pretty(json_object_get(it, "result"))))
        json_object_set_new(it, "result_text", v);
    /* The buttons of the item's level while it is open; the library decides who may. */
    const char *names[3] = {NULL, NULL, NULL};
    if (state && strcmp(state, "pending") == 0)
        names[0] = "approve", names[1] = "reject";
    else if (state && strcmp(state, "review") == 0)
        names[0] = "ack", names[1] = "override",
        names[2] = json_is_true(json_object_get(it, "escalated")) ? NULL : "escalate";
    else if (state && strcmp(state, "task") == 0)
        names[0] = "done", names[1] = "failed";
    json_t *btns = json_array();
    for (size_t i = 0; i < 3 && names[i]; i++) {
        int d = decision_index(names[i]);
        snprintf(href, sizeof(href), "/console/tenants/%s/gates/%s/%s", tenant ? tenant : "",
                 id ? id : "", names[i]);
        json_array_append_new(btns, json_pack("{s:s, s:s, s:s, s:b}", "decision", names[i], "label",
                                              decisions[d].label, "action", href, "needs_note",
                                              decisions[d].note));
    }
    json_object_set_new(it, "open", json_boolean(json_array_size(btns) > 0));
    json_object_set(it, "default_action",
                    json_object_get(json_array_get(btns, 0), "action")
                        ? json_object_get(json_array_get(btns, 0), "action")
                        : json_null());
    json_object_set_new(it, "has_next",
                        json_boolean(json_array_size(json_object_get(it, "next")) > 0));
    json_object_set_new(it, "has_decisions",
                        json_boolean(json_array_size(json_object_get(it, "decisions")) > 0));
    json_object_set_new(it, "buttons", btns);
}

/* The flash line after a decision, from what the item says now (never from the query's text):
 * "Approved: artifacts.publish of 'SOW v2' — approved, executed". */
static json_t *flash_of(og_http_req *r, const char *id)
{
    json_t *doc = NULL;
    if (!og_id_valid(id) || og_gate_show(&r->ctx, id, &doc) < 0) {
        og_error_clear();
        return NULL;
    }
    json_t *hist = json_object_get(doc, "decisions");
    const char *last = json_string_value(
        json_object_get(json_array_get(hist, json_array_size(hist) - 1), "decision"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *what = json_string_value(json_object_get(doc, "object_name"));
    const char *outcome = json_string_value(json_object_get(doc, "outcome"));
    const char *err = json_string_value(json_object_get(doc, "error"));
    int failed = json_is_true(json_object_get(doc, "failed"));
    if (!what)
        what = json_string_value(json_object_get(doc, "subject"));
    const char *word = "Decided";
    for (size_t i = 0; last && i < NDECISIONS; i++)
        if (strcmp(last, decisions[i].recorded) == 0)
            word = decisions[i].done;
    char msg[900];
    snprintf(msg, sizeof(msg), "%s: %s of '%.300s' — %s%s%s%.300s", word, kind ? kind : "?",
             what ? what : "?", outcome && *outcome ? outcome : "open",
             json_is_true(json_object_get(doc, "executed")) && !failed && last &&
                     strcmp(last, "approved") == 0
                 ? ", executed"
                 : "",
             failed ? ", the action failed: " : "", failed && err ? err : "");
    json_t *out = json_pack("{s:s, s:b}", "text", msg, "failed", failed);
    json_decref(doc);
    return out;
}

#define INBOX_PAGE 25 /* items a group shows; the rest a page at a time (?group=&page=) */
static const char *const group_keys[3] = {"approvals", "reviews", "tasks"};

/* The open items of the tenant ("": every tenant, for platform-admins) into the three groups, a
 * page of each (page[g], from 1): the library pages and counts them (og_gate_list_page). */
static int tenant_items(og_http_req *r, const char *tenant, const int64_t page[3],
                        json_t *groups[3], int64_t totals[3])
{
    static const char *const states[3] = {"pending", "review", "task"};
    for (int g = 0; g < 3; g++) {
        json_t *list = NULL, *it;
        size_t i;
        int error = og_gate_list_page(&r->ctx, tenant, states[g], INBOX_PAGE,
                                      (int)((page[g] - 1) * INBOX_PAGE), &list, &totals[g]);
        if (error < 0)
            return error;
        json_array_foreach(list, i, it)
        {
            item_shape(it);
            json_array_append(groups[g], it);
        }
        json_decref(list);
    }
    return 0;
}

/* A group's items, its total and, past one page, the links to its pages before and after. */
static void group_set(json_t *d, int g, json_t *items, int64_t total, int64_t page,
                      const char *tenant)
{
    const char *key = group_keys[g];
    char name[64], href[256];
    size_t i;
    json_t *it;
    /* inbox cards decide in place with htmx (the item's page posts and comes back) */
    json_array_foreach(items, i, it) json_object_set_new(it, "card", json_true());
    json_object_set_new(d, key, items);
    snprintf(name, sizeof(name), "%s_count", key);
    json_object_set_new(d, name, json_integer(total));
    snprintf(name, sizeof(name), "has_%s", key);
    json_object_set_new(d, name, json_boolean(json_array_size(items) > 0));
    json_t *pager = json_object();
    if (page > 1) {
        snprintf(href, sizeof(href), "/console/inbox?tenant=%s&group=%s&page=%lld#h-%s", tenant,
                 key, (long long)(page - 1), key);
        json_object_set_new(pager, "newer", json_string(href));
    }
    if (page * INBOX_PAGE < total) {
        snprintf(href, sizeof(href), "/console/inbox?tenant=%s&group=%s&page=%lld#h-%s", tenant,
                 key, (long long)(page + 1), key);
        json_object_set_new(pager, "older", json_string(href));
    }
    json_object_set_new(pager, "first", json_integer(total ? (page - 1) * INBOX_PAGE + 1 : 0));
    json_object_set_new(pager, "last",
                        json_integer((page - 1) * INBOX_PAGE + (json_int_t)json_array_size(items)));
    snprintf(name, sizeof(name), "%s_pager", key);
    json_object_set_new(d, name, total > INBOX_PAGE ? pager : json_null());
    if (total <= INBOX_PAGE)
        json_decref(pager);
}

/* ?group=G&page=N: that group's page N; the others their first. */
static int pages_read(og_http_req *r, int64_t page[3])
{
    const char *group = og_http__query(r, "group");
    int64_t n = 1;
    int error;
    page[0] = page[1] = page[2] = 1;
    if (og_http__query(r, "page") && (error = og_http__query_i64(r, "page", 1, 40000, &n)) < 0)
        return error;
    if (!group || !*group)
        return 0;
    for (int g = 0; g < 3; g++)
        if (strcmp(group, group_keys[g]) == 0) {
            page[g] = n;
            return 0;
        }
    return og_error_set(OG_EINVAL,
                        "'%.32s' is not a group of the inbox (approvals, reviews or "
                        "tasks)",
                        group);
}

int og_http__console_inbox(og_http_req *r)
{
    int error;
    const char *tenant = og_http__query(r, "tenant"), *decided = og_http__query(r, "decided");
    char own[64] = "";
    json_t *groups[3] = {json_array(), json_array(), json_array()};
    int64_t page[3], totals[3] = {0, 0, 0};
    if ((error = pages_read(r, page)) < 0)
        goto fail;
    if (tenant && *tenant && !og_name_valid(tenant) && !og_id_valid(tenant)) {
        error = og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", tenant);
        goto fail;
    }
    if ((error = og_http__console_own_tenant(r, own)) < 0)
        goto fail;
    if (!tenant || !*tenant)
        tenant = og_actor_is_platform(&r->ctx.actor) ? "" : own;
    if ((error = tenant_items(r, tenant, page, groups, totals)) < 0)
        goto fail;
    json_t *d = og_http__console_base(r, tenant);
    if (!d) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto fail;
    }
    for (int g = 0; g < 3; g++)
        group_set(d, g, groups[g], totals[g], page[g], tenant);
    json_object_set_new(d, "scope", json_string(*tenant ? tenant : "every tenant"));
    json_object_set_new(d, "all_tenants", json_boolean(!*tenant));
    json_t *flash = decided ? flash_of(r, decided) : NULL;
    if (flash)
        json_object_set_new(d, "flash", flash);
    return og_http__console_render(r, 200, "inbox", d);
fail:
    for (int g = 0; g < 3; g++)
        json_decref(groups[g]);
    return error;
}

/* The item of the path, read as the actor (og_gate_show authorizes), and in the path's tenant:
 * another tenant's item is "not found" word for word like a missing one. */
static int path_item(og_http_req *r, json_t **out)
{
    const char *tenant, *id;
    json_t *doc = NULL;
    int error;
    *out = NULL;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_id(r, "id", "gate item id", &id)) < 0)
        return error;
    if ((error = og_gate_show(&r->ctx, id, &doc)) < 0)
        return error;
    const char *tn = json_string_value(json_object_get(doc, "tenant_name"));
    const char *ti = json_string_value(json_object_get(doc, "tenant_id"));
    if ((!tn || strcmp(tn, tenant) != 0) && (!ti || strcmp(ti, tenant) != 0)) {
        json_decref(doc);
        return og_error_set(OG_ENOTFOUND, "gate item '%s' not found", id);
    }
    *out = doc;
    return 0;
}

int og_http__console_gate(og_http_req *r)
{
    json_t *doc = NULL;
    int error = path_item(r, &doc);
    if (error < 0)
        return error;
    item_shape(doc);
    og_http__console_gate_diff(r, doc);
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(doc, "decisions"), i, h)
    {
        json_t *n = json_object_get(h, "note");
        if (json_is_string(n) && !*json_string_value(n))
            json_object_del(h, "note");
    }
    const char *tenant = json_string_value(json_object_get(doc, "tenant_name"));
    json_t *d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? tenant : NULL);
    if (!d) {
        json_decref(doc);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "item", doc);
    return og_http__console_render(r, 200, "gate", d);
}

/* The inbox card of an item just decided, for htmx to swap in place of the one acted on (the
 * decision came with HX-Request): the item as it is now (still open after an escalation, with
 * its form) and the line saying what happened, as the inbox shows it after ?decided=. */
static int decided_card(og_http_req *r, const char *gid)
{
    json_t *d = NULL, *flash = flash_of(r, gid);
    char masked[OG_CONSOLE_CSRF_MASKED];
    int error;
    if (!flash)
        return og_error_set(OG_ERROR, "gate item %s cannot be read after its decision", gid);
    if ((error = og_gate_show(&r->ctx, gid, &d)) < 0 ||
        (error = og_http__console_csrf_masked(r, masked)) < 0) {
        json_decref(flash);
        json_decref(d);
        return error;
    }
    item_shape(d);
    json_object_set_new(d, "card", json_true());
    json_object_set_new(d, "card_flash", flash); /* not "flash": the inbox page's own line */
    json_object_set_new(d, "csrf", json_string(masked));
    return og_http__console_render(r, 200, "gate_card", d);
}

int og_http__console_gate_decide(og_http_req *r)
{
    const char *decision = og_http__param(&r->match, "decision");
    char note[NOTE_MAX + 1], loc[400];
    json_t *doc = NULL;
    int error, d = decision_index(decision);
    /* The decision first, so an unknown one is 400 whether or not the item exists (as the API). */
    if (d < 0)
        return og_error_set(OG_EINVAL,
                            "unknown decision '%.64s' (approve, reject, ack, override, escalate, "
                            "done or failed)",
                            decision ? decision : "");
    if ((error = og_http__console_form(r, "note", note, sizeof(note))) < 0)
        return error;
    if ((error = path_item(r, &doc)) < 0)
        return error;
    const char *id = json_string_value(json_object_get(doc, "id"));
    char gid[OG_ID_LEN];
    og_strlcpy(gid, id ? id : "", sizeof(gid));
    json_decref(doc);
    doc = NULL;
    if (decisions[d].note && !*note)
        return og_error_set(OG_EINVAL, "'%s' needs a note saying why (the note field is empty)",
                            decision);
    error = og_gate_decide(&r->ctx, gid, decision, *note ? note : NULL);
    /* Not found after the item was read: the decision ran the action, which failed for want of
     * something (the API's 409); the item says so, and the flash shows it. */
    if (error == OG_ENOTFOUND && og_gate_show(&r->ctx, gid, &doc) == 0 &&
        json_is_true(json_object_get(doc, "failed")))
        error = 0;
    json_decref(doc);
    if (error < 0)
        return error;
    og_error_clear();
    if (og_http__console_hx(r))
        return decided_card(r, gid);
    og_buf b;
    og_buf_init(&b, sizeof(loc) - 1);
    og_buf_printf(&b, "/console/inbox?decided=%s", gid);
    if (og_actor_is_platform(&r->ctx.actor)) {
        og_buf_puts(&b, "&tenant=");
        og_http__console_urlencode(&b, og_http__param(&r->match, "tenant"));
    }
    og_strlcpy(loc, b.data ? b.data : "/console/inbox", sizeof(loc));
    og_buf_free(&b);
    return og_http__console_redirect(r, loc);
}
