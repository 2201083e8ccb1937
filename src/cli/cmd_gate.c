/* cmd_gate.c - `opsgate gate`: action kinds, gate items and decisions (policy:
 * cmd_gate_policy.c). */
#include "cli/cli.h"
#include "cli/cmd_gate.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Every action runs through a gate level, per tenant and action kind:\n"
    "  L0  executes at once and is recorded;\n"
    "  L1  executes, then the area's assignee reviews it within the review window: ack,\n"
    "      override (rolls the action back, recorded as reversing the original) or escalate\n"
    "      (to the tenant-admins);\n"
    "  L2  waits for approval by a tenant-admin or project-manager who is not the requester;\n"
    "      unapproved past the approval timeout it expires, which counts as rejected;\n"
    "  L3  is a task: a human acts on the recommendation and records done or failed.\n"
    "Changing a kind's level needs tenant-admin. Lowering it is recorded as gate.policy.lower\n"
    "with the old and new level; a lowering below a level another user set waits (exit 0,\n"
    "\"pending\") as a gate.policy.lower item for a tenant-admin other than you to approve.\n"
    "`gate policy set` takes either KIND LEVEL or --approval-timeout/--review-window;\n"
    "`gate policy assign AREA` without USER removes the area's assignee.\n"
    "Every decision (approve, reject, ack, override, escalate, done, failed) needs --as USER\n"
    "naming the user who decides (a user of the item's tenant, or a platform admin; the tenant\n"
    "is taken from the item), whose role and assignment the gate checks as for an API token:\n"
    "the local operator is a platform-admin but a decision is a person's, recorded with that\n"
    "person's name. approve, reject, ack and override also refuse the requester: the local\n"
    "operator alone is nobody's second pair of eyes. Every decision, with who, when and the\n"
    "note, is in the audit trail.\n"
    "`gate list` shows a table: the short ID (its first 8 characters; commands take it or the\n"
    "whole id), the state (what became of a decided item), level, tenant, kind, the subject (what\n"
    "the item is about, as the module that asked said: the artifact and its project, the\n"
    "certificate and its plan or target), who asked, and its age with the time left to decide.\n"
    "`gate show` names all of it, the recommendation, every decision, the notifications and the\n"
    "commands that decide it now.\n"
    "`gate request` runs a requestable action kind by hand (platform.note with\n"
    "--params '{\"text\":\"...\"}'); kinds of a module (artifacts.*, certs.*) are asked for by\n"
    "that module's command, which checks what they need. `gate expire` runs the expiry the\n"
    "server runs every 10 s.\n"
    "With --json: `gate list` prints {\"gates\": [...]}, `gate kinds` {\"kinds\": [...]}, a\n"
    "decision and `gate show` the item, `gate policy` the tenant's policy, as the HTTP API does.\n";

static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"state", "STATE", "only items in this state: pending, review, task, done", 0, 0},
    {0},
};

static const og_cli_opt item_opts[] = {
    {"tenant", "T", "the item's tenant (default: the item's own)", 0, 0},
    {0},
};

static const og_cli_opt decide_opts[] = {
    {"tenant", "T", "the item's tenant (default: the item's own)", 0, 0},
    {"note", "TEXT", "why: kept with the decision and audited", 0, 0},
    {0},
};

static const og_cli_opt request_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"params", "JSON", "the action's parameters (a JSON object)", 0, 0},
    {"recommendation", "JSON", "the recommendation shown to deciders (object)", 0, 0},
    {"target-type", "TYPE", "what the action is about (type)", 0, 0},
    {"target-id", "ID", "what the action is about (id)", 0, 0},
    {0},
};

/* Decisions a second pair of eyes takes: someone other than the requester. (Every decision names
 * the user who takes it with --as.) */
static int personal(const char *decision)
{
    return strcmp(decision, "approve") == 0 || strcmp(decision, "reject") == 0 ||
           strcmp(decision, "ack") == 0 || strcmp(decision, "override") == 0;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const char *og_cli__gate_str(json_t *o, const char *key)
{
    return jstr(o, key);
}

void og_cli__gate_span(int64_t us, char *out, size_t size)
{
    static const struct {
        long long secs;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    long long s = us > 0 ? (long long)(us / 1000000) : 0;
    size_t i = 0;
    while (i < 3 && s < units[i].secs)
        i++;
    long long big = s / units[i].secs, rest = i < 3 ? s % units[i].secs / units[i + 1].secs : 0;
    if (rest)
        snprintf(out, size, "%lld%c %lld%c", big, units[i].unit, rest, units[i + 1].unit);
    else
        snprintf(out, size, "%lld%c", big, units[i].unit);
}

/* The item ref names (a full id or the short id `gate list` shows) into id. */
static int resolve_item(og_cli *cli, const og_cli_args *a, const char *ref, char id[OG_ID_LEN])
{
    const og_actor *who = &cli->ctx.actor;
    int error =
        og_gate_item_resolve(cli->store, who->tenant_id[0] ? who->tenant_id : NULL, ref, id);
    if (error == OG_EINVAL)
        return og_cli_bad(a, "%s", og_error_last());
    return error < 0 ? og_cli_fail(error) : 0;
}

/* Open the data folder and resolve the item a->pos[0] names into id; with --as and no --tenant,
 * act as the user of the item's tenant. */
static int open_for_item(og_cli *cli, const og_cli_args *a, char id[OG_ID_LEN])
{
    int error;
    char tid[OG_ID_LEN];
    const char *as = cli->as_user, *tenant = og_cli_get(a, "tenant");
    if (tenant || !as) {
        if ((error = og_cli_open(cli, tenant)))
            return error;
        return resolve_item(cli, a, a->pos[0], id);
    }
    cli->as_user = NULL;
    error = og_cli_open(cli, NULL);
    cli->as_user = as;
    if (error || (error = resolve_item(cli, a, a->pos[0], id)))
        return error;
    if ((error = og_gate_item_tenant(cli->store, id, tid)) < 0)
        return og_cli_fail(error);
    if ((error = og_actor_become(&cli->ctx, tid, as)) < 0)
        return og_cli_fail(og_cli_as_error(error, tid));
    return 0;
}

/* How long ago the item was asked for and, while it waits, the time left to decide. */
static void item_age(json_t *x, char *out, size_t size)
{
    int64_t now = og_time_now_us(), created, deadline;
    char age[32] = "?", left[32];
    if (og_time_parse(jstr(x, "created_at"), &created) == 0)
        og_cli__gate_span(now - created, age, sizeof(age));
    if (strcmp(jstr(x, "state"), "done") != 0 &&
        og_time_parse(jstr(x, "deadline"), &deadline) == 0) {
        if (deadline > now) {
            og_cli__gate_span(deadline - now, left, sizeof(left));
            snprintf(out, size, "%s, %s left", age, left);
        } else {
            snprintf(out, size, "%s, overdue", age);
        }
        return;
    }
    snprintf(out, size, "%s", age);
}

/* An open item shows its state; a decided one what became of it. */
static const char *item_state(json_t *x)
{
    return strcmp(jstr(x, "state"), "done") == 0 ? jstr(x, "outcome") : jstr(x, "state");
}

static void print_items(json_t *arr)
{
    static const char *const head[] = {"ID",      "STATE",        "LEVEL",        "TENANT", "KIND",
                                       "SUBJECT", "REQUESTED BY", "AGE/DEADLINE", NULL};
    og_cli_table *t = og_cli_table_new(head);
    size_t i;
    json_t *x;
    if (!t) {
        fprintf(stderr, "opsgate: out of memory\n");
        return;
    }
    json_array_foreach(arr, i, x)
    {
        char id[9], age[64];
        og_strlcpy(id, jstr(x, "id"), sizeof(id));
        item_age(x, age, sizeof(age));
        og_cli_table_add(t, (const char *[]){id, item_state(x), jstr(x, "level"),
                                             jstr(x, "tenant_name"), jstr(x, "kind"),
                                             jstr(x, "subject"), jstr(x, "requested_by"), age});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

/* "label  value" with the value made safe for the terminal; nothing for an empty value. */
static void kv(const char *label, const char *value)
{
    char *safe;
    if (!value || !*value || !(safe = og_cli_text_safe(value)))
        return;
    printf("%-14s %s\n", label, safe);
    free(safe);
}

static void kv_json(const char *label, json_t *v)
{
    char *text;
    if (!v || json_is_null(v) || !(text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)))
        return;
    kv(label, text);
    free(text);
}

/* The decisions still open and the command that takes each. */
static void print_next(json_t *doc)
{
    json_t *next = json_object_get(doc, "next"), *x;
    const char *id = jstr(doc, "id");
    size_t i;
    if (json_array_size(next) == 0) {
        printf("\nnothing left to decide: %s\n", jstr(doc, "outcome"));
        return;
    }
    printf("\nwhat to do next:\n");
    json_array_foreach(next, i, x)
    {
        const char *d = jstr(x, "decision");
        char *who = og_cli_text_safe(jstr(x, "who"));
        printf("  %-9s opsgate --as USER gate %s %s [--note TEXT]\n            by %s\n", d, d, id,
               who ? who : "");
        free(who);
    }
}

/* The item's decisions and notifications as tables. */
static void print_history(json_t *doc)
{
    static const char *const dhead[] = {"WHEN", "DECISION", "BY", "NOTE", NULL};
    static const char *const nhead[] = {"NOTIFY", "TARGET", "STATE", "TRIES", "ERROR", NULL};
    og_cli_table *t = og_cli_table_new(dhead);
    size_t i;
    json_t *x;
    if (t) {
        printf("\ndecisions:\n");
        json_array_foreach(json_object_get(doc, "decisions"), i, x)
            og_cli_table_add(t, (const char *[]){jstr(x, "decided_at"), jstr(x, "decision"),
                                                 jstr(x, "decided_by"), jstr(x, "note")});
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
    }
    if (!json_array_size(json_object_get(doc, "notifications")) || !(t = og_cli_table_new(nhead)))
        return;
    printf("\nnotifications:\n");
    og_cli_table_right(t, 3);
    json_array_foreach(json_object_get(doc, "notifications"), i, x)
    {
        char tries[24];
        snprintf(tries, sizeof(tries), "%lld",
                 (long long)json_integer_value(json_object_get(x, "attempts")));
        og_cli_table_add(t, (const char *[]){jstr(x, "type"), jstr(x, "target"), jstr(x, "state"),
                                             tries, jstr(x, "last_error")});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

/* print_show's plain fields, label and key, in the order shown; a NULL key is a line made by
 * print_show itself. */
static const struct {
    const char *label, *key;
} show_fields[] = {
    {"gate item", "id"},
    {"subject", "subject"},
    {"state", NULL},
    {"tenant", NULL},
    {"project", "project"},
    {"target", "target_name"},
    {"object", "object_name"},
    {"kind", "kind"},
    {"area", "area"},
    {"requested by", "requested_by"},
    {"requested at", "created_at"},
    {"deadline", NULL},
    {"assignee", "assignee"},
    {"escalated", NULL},
    {"decided by", "decided_by"},
    {"decided at", "decided_at"},
    {"error", "error"},
    {"note state", "note_state"},
};

static void print_show(json_t *doc)
{
    char state[160], tenant[200];
    snprintf(state, sizeof(state), "%s, %s (%s)", jstr(doc, "level"), jstr(doc, "state"),
             jstr(doc, "outcome"));
    snprintf(tenant, sizeof(tenant), "%s (%s)", jstr(doc, "tenant_name"), jstr(doc, "tenant_id"));
    for (size_t i = 0; i < sizeof(show_fields) / sizeof(show_fields[0]); i++) {
        const char *label = show_fields[i].label, *value;
        if (show_fields[i].key)
            value = jstr(doc, show_fields[i].key);
        else if (strcmp(label, "state") == 0)
            value = state;
        else if (strcmp(label, "tenant") == 0)
            value = tenant;
        else if (strcmp(label, "deadline") == 0) /* a decided item has none left */
            value = strcmp(jstr(doc, "state"), "done") != 0 ? jstr(doc, "deadline") : NULL;
        else /* escalated */
            value = json_is_true(json_object_get(doc, "escalated")) ? "yes: a tenant-admin decides"
                                                                    : NULL;
        kv(label, value);
    }
    kv_json("recommendation", json_object_get(doc, "recommendation"));
    kv_json("params", json_object_get(doc, "params"));
    kv_json("result", json_object_get(doc, "result"));
    print_history(doc);
    print_next(doc);
}

/* The item states `gate list --state` takes (as the API's ?state=). */
static int check_state(const og_cli_args *a, const char *state)
{
    static const char *const states[] = {"pending", "review", "task", "done", NULL};
    for (size_t i = 0; state && states[i]; i++)
        if (strcmp(state, states[i]) == 0)
            return 0;
    return state ? og_cli_bad(a, "bad --state '%s' (pending, review, task or done)", state) : 0;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *state = og_cli_get(a, "state");
    json_t *arr = NULL;
    int error;
    if ((error = check_state(a, state)) || (error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_gate_list(&cli->ctx, tenant, state, &arr)) < 0)
        return og_cli_fail(error);
    return og_cli_print_list_or(cli, "gates", arr, print_items);
}

static int show(og_cli *cli, const og_cli_args *a)
{
    json_t *doc = NULL;
    char id[OG_ID_LEN];
    int error;
    if ((error = open_for_item(cli, a, id)))
        return error;
    if ((error = og_gate_show(&cli->ctx, id, &doc)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(doc);
        return OG_EXIT_OK;
    }
    print_show(doc);
    json_decref(doc);
    return OG_EXIT_OK;
}

/* approve, reject, ack, override, escalate, done, failed: the subcommand's name is the decision.
 * With --json the decided item is printed, as the API answers. */
static int decide(og_cli *cli, const og_cli_args *a)
{
    const char *d = a->sub->name;
    json_t *doc = NULL;
    char id[OG_ID_LEN];
    int error;
    /* A decision is a person's: the local operator names the user it decides as, whose role and
     * assignment the gate checks (as for an API token); for approve, reject, ack and override that
     * user is not the one who asked (separation of duties is not nominal). */
    if (!cli->as_user)
        return og_cli_bad(a,
                          "gate %s needs --as USER, the user who decides%s, e.g. `opsgate --as "
                          "ada gate %s %s`",
                          d, personal(d) ? " (not the requester)" : "", d, a->pos[0]);
    if ((error = open_for_item(cli, a, id)))
        return error;
    if (personal(d)) {
        int mine = og_gate_item_requested_by(cli->store, id, &cli->ctx.actor);
        if (mine < 0)
            return og_cli_fail(mine);
        if (mine)
            return og_cli_bad(a,
                              "%s is the requester of gate item %s and cannot %s it: give --as "
                              "another user",
                              cli->as_user, id, d);
    }
    if ((error = og_gate_decide(&cli->ctx, id, d, og_cli_get(a, "note"))) < 0)
        return og_cli_fail(error);
    if (!cli->json) {
        printf("%s: %s\n", id, d);
        return OG_EXIT_OK;
    }
    if ((error = og_gate_show(&cli->ctx, id, &doc)) < 0)
        return og_cli_fail(error);
    og_cli_print_json(doc);
    return OG_EXIT_OK;
}

/* Option name's value as a JSON object into *out (NULL when absent; caller decrefs). */
static int json_opt(const og_cli_args *a, const char *name, json_t **out)
{
    const char *text = og_cli_get(a, name);
    json_error_t e;
    *out = NULL;
    if (!text)
        return 0;
    *out = json_loads(text, 0, &e);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return og_cli_bad(a, "--%s is not a JSON object: '%s' (%s)", name, text,
                          e.text[0] ? e.text : "not an object");
    }
    return 0;
}

static int request(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *params = NULL, *rec = NULL;
    og_gate_outcome out;
    int error;
    memset(&out, 0, sizeof(out));
    if ((error = json_opt(a, "params", &params)) || (error = json_opt(a, "recommendation", &rec)) ||
        (error = og_cli_open(cli, tenant)))
        goto cleanup;
    error = og_gate_request_general(&cli->ctx, tenant, a->pos[0], og_cli_get(a, "target-type"),
                                    og_cli_get(a, "target-id"), params, rec, &out);
    if (error < 0 && error != OG_EPENDING) {
        error = og_cli_fail(error);
        goto cleanup;
    }
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:O}", "gate_id", out.gate_id, "level",
                                    og_gate_level_name(out.level), "state", out.state, "audit_seq",
                                    (json_int_t)out.audit_seq, "result",
                                    out.result ? out.result : json_null()));
    else
        printf("%s %s %s\n", out.gate_id, og_gate_level_name(out.level), out.state);
    error = OG_EXIT_OK;
cleanup:
    json_decref(out.result);
    json_decref(params);
    json_decref(rec);
    return error;
}

static int kinds(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"KIND", "AREA", "DEFAULT", "DESCRIPTION", NULL};
    static const char *const fields[] = {"name", "area", "default_level", "description", NULL};
    json_t *arr = og_gate_kinds_json();
    (void)a;
    if (!arr)
        return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
    og_cli_print_rows(cli, "kinds", arr, head, fields);
    return OG_EXIT_OK;
}

static int expire(og_cli *cli, const og_cli_args *a)
{
    int n = 0, error;
    (void)a;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_gate_expire(&cli->ctx, &n)) < 0)
        return og_cli_fail(error);
    return og_cli_print_count(cli, "expired", n, "expired or closed");
}

static const og_cli_sub subs[] = {
    {"list", NULL, 0, 0, list_opts, "list a tenant's gate items, newest first", list},
    {"show", "ID", 1, 1, item_opts, "show an item, its decisions and what is next", show},
    {"approve", "ID", 1, 1, decide_opts, "approve an L2 item (needs --as USER)", decide},
    {"reject", "ID", 1, 1, decide_opts, "reject an L2 item (needs --as USER)", decide},
    {"ack", "ID", 1, 1, decide_opts, "acknowledge an L1 review (needs --as USER)", decide},
    {"override", "ID", 1, 1, decide_opts, "roll an L1 action back (needs --as USER)", decide},
    {"escalate", "ID", 1, 1, decide_opts, "hand an L1 review to the tenant-admins (--as USER)",
     decide},
    {"done", "ID", 1, 1, decide_opts, "record an L3 task as done (needs --as USER)", decide},
    {"failed", "ID", 1, 1, decide_opts, "record an L3 task as failed (needs --as USER)", decide},
    {"request", "KIND", 1, 1, request_opts, "run a requestable action kind by hand", request},
    {"kinds", NULL, 0, 0, NULL, "list the action kinds and their default levels", kinds},
    {"policy", "show|set [KIND LEVEL]|assign AREA [USER]", 1, 3, og_cli__gate_policy_opts,
     "show or change a tenant's levels, timing, assignees", og_cli__gate_policy},
    {"expire", NULL, 0, 0, NULL, "expire overdue approvals and close review windows", expire},
    {0},
};

const og_command og_cmd_gate = {
    .name = "gate",
    .summary = "human-in-the-loop gates: items, decisions, policy",
    .about = about,
    .subs = subs,
};
