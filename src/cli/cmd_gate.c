/* cmd_gate.c - `opsgate gate`: action kinds, per-tenant policy, gate items and decisions. */
#include "cli/cli.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate gate list --tenant T [--state pending|review|task|done] [--json]\n"
    "       opsgate gate show ID [--json]\n"
    "       opsgate --as USER gate approve|reject ID [--note TEXT]  (L2 approvals)\n"
    "       opsgate --as USER gate ack|override ID [--note TEXT]    (L1 reviews)\n"
    "       opsgate [--as USER] gate escalate ID [--note TEXT]      (L1 reviews)\n"
    "       opsgate [--as USER] gate done|failed ID [--note TEXT]   (L3 tasks)\n"
    "       opsgate gate request --tenant T KIND [--params JSON] [--recommendation JSON]\n"
    "                            [--target-type TYPE] [--target-id ID] [--json]\n"
    "       opsgate gate kinds [--json]\n"
    "       opsgate gate policy show --tenant T [--json]\n"
    "       opsgate gate policy set --tenant T KIND LEVEL\n"
    "       opsgate gate policy set --tenant T [--approval-timeout DUR] [--review-window DUR]\n"
    "       opsgate gate policy assign --tenant T AREA [USER]\n"
    "       opsgate gate expire\n"
    "\n"
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
    "approve, reject, ack and override need --as USER naming the user who decides, who is not\n"
    "the requester (the tenant is taken from the item); the local operator alone is nobody's\n"
    "second pair of eyes. Every decision, with who, when and the note, is in the audit trail.\n"
    "`gate list` shows a table: the short ID (its first 8 characters; commands take it or the\n"
    "whole id), the state (what became of a decided item), level, tenant, kind, the subject (what\n"
    "the item is about, as the module that asked said: the artifact and its project, the\n"
    "certificate and its plan or target), who asked, and its age with the time left to decide.\n"
    "`gate show` names all of it, the recommendation, every decision, the notifications and the\n"
    "commands that decide it now.\n"
    "`gate request` runs a requestable action kind by hand (platform.note with\n"
    "--params '{\"text\":\"...\"}'); kinds of a module (artifacts.*, certs.*) are asked for by\n"
    "that module's command, which checks what they need. `gate expire` runs the expiry the\n"
    "server runs every 10 s.\n";

static const char *const decisions[] = {"approve",  "reject", "ack",    "override",
                                        "escalate", "done",   "failed", NULL};

/* The item ref names (a full id or the short id `gate list` shows) into id. */
static int resolve_item(og_cli *cli, const char *ref, char id[OG_ID_LEN])
{
    const og_actor *a = &cli->ctx.actor;
    int error = og_gate_item_resolve(cli->store, a->tenant_id[0] ? a->tenant_id : NULL, ref, id);
    if (error == OG_EINVAL)
        return og_cli_usage("gate", "%s", og_error_last());
    return error < 0 ? og_cli_fail(error) : 0;
}

/* Open the data folder and resolve the item ref names into id; with --as and no --tenant, act
 * as the user of the item's tenant. */
static int open_for_item(og_cli *cli, const char *tenant, const char *ref, char id[OG_ID_LEN])
{
    int error;
    char tid[OG_ID_LEN];
    const char *as = cli->as_user;
    if (tenant || !as) {
        if ((error = og_cli_open(cli, tenant)))
            return error;
        return resolve_item(cli, ref, id);
    }
    cli->as_user = NULL;
    error = og_cli_open(cli, NULL);
    cli->as_user = as;
    if (error || (error = resolve_item(cli, ref, id)))
        return error;
    if ((error = og_gate_item_tenant(cli->store, id, tid)) < 0)
        return og_cli_fail(error);
    if ((error = og_actor_become(&cli->ctx, tid, as)) < 0)
        return og_cli_fail(og_cli_as_error(error, tid));
    return 0;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A short duration, its two largest units: "45s", "12m 5s", "3h", "3h 5m", "2d 4h". */
static void fmt_span(int64_t us, char *out, size_t size)
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

/* How long ago the item was asked for and, while it waits, the time left to decide. */
static void item_age(json_t *x, char *out, size_t size)
{
    int64_t now = og_time_now_us(), created, deadline;
    char age[32] = "?", left[32];
    if (og_time_parse(jstr(x, "created_at"), &created) == 0)
        fmt_span(now - created, age, sizeof(age));
    if (strcmp(jstr(x, "state"), "done") != 0 &&
        og_time_parse(jstr(x, "deadline"), &deadline) == 0) {
        if (deadline > now) {
            fmt_span(deadline - now, left, sizeof(left));
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
        /* approve, reject, ack and override need the deciding user named (see run()) */
        int personal = strcmp(d, "approve") == 0 || strcmp(d, "reject") == 0 ||
                       strcmp(d, "ack") == 0 || strcmp(d, "override") == 0;
        char *who = og_cli_text_safe(jstr(x, "who"));
        printf("  %-9s opsgate %sgate %s %s [--note TEXT]\n            by %s\n", d,
               personal ? "--as USER " : "[--as USER] ", d, id, who ? who : "");
        free(who);
    }
}

static void print_show(json_t *doc)
{
    char head[160], tenant[200];
    size_t i;
    json_t *x;
    snprintf(head, sizeof(head), "%s, %s (%s)", jstr(doc, "level"), jstr(doc, "state"),
             jstr(doc, "outcome"));
    snprintf(tenant, sizeof(tenant), "%s (%s)", jstr(doc, "tenant_name"), jstr(doc, "tenant_id"));
    kv("gate item", jstr(doc, "id"));
    kv("subject", jstr(doc, "subject"));
    kv("state", head);
    kv("tenant", tenant);
    kv("project", jstr(doc, "project"));
    kv("target", jstr(doc, "target_name"));
    kv("object", jstr(doc, "object_name"));
    kv("kind", jstr(doc, "kind"));
    kv("area", jstr(doc, "area"));
    kv("requested by", jstr(doc, "requested_by"));
    kv("requested at", jstr(doc, "created_at"));
    if (strcmp(jstr(doc, "state"), "done") != 0)
        kv("deadline", jstr(doc, "deadline"));
    kv("assignee", jstr(doc, "assignee"));
    if (json_is_true(json_object_get(doc, "escalated")))
        kv("escalated", "yes: a tenant-admin decides");
    kv("decided by", jstr(doc, "decided_by"));
    kv("decided at", jstr(doc, "decided_at"));
    kv("error", jstr(doc, "error"));
    kv("note state", jstr(doc, "note_state"));
    kv_json("recommendation", json_object_get(doc, "recommendation"));
    kv_json("params", json_object_get(doc, "params"));
    kv_json("result", json_object_get(doc, "result"));

    static const char *const dhead[] = {"WHEN", "DECISION", "BY", "NOTE", NULL};
    og_cli_table *t = og_cli_table_new(dhead);
    if (t) {
        printf("\ndecisions:\n");
        json_array_foreach(json_object_get(doc, "decisions"), i, x)
            og_cli_table_add(t, (const char *[]){jstr(x, "decided_at"), jstr(x, "decision"),
                                                 jstr(x, "decided_by"), jstr(x, "note")});
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
    }
    static const char *const nhead[] = {"NOTIFY", "TARGET", "STATE", "TRIES", "ERROR", NULL};
    if (json_array_size(json_object_get(doc, "notifications")) && (t = og_cli_table_new(nhead))) {
        printf("\nnotifications:\n");
        og_cli_table_right(t, 3);
        json_array_foreach(json_object_get(doc, "notifications"), i, x)
        {
            char tries[24];
            snprintf(tries, sizeof(tries), "%lld",
                     (long long)json_integer_value(json_object_get(x, "attempts")));
            og_cli_table_add(t, (const char *[]){jstr(x, "type"), jstr(x, "target"),
                                                 jstr(x, "state"), tries, jstr(x, "last_error")});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
    }
    print_next(doc);
}

static int parse_json_arg(const char *what, const char *text, json_t **out)
{
    json_error_t e;
    *out = json_loads(text, 0, &e);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return og_cli_usage("gate", "%s is not a JSON object: '%s' (%s)", what, text,
                            e.text[0] ? e.text : "not an object");
    }
    return 0;
}

static int cmd_policy(og_cli *cli, const char *tenant, int json, const char *approval,
                      const char *review, int npos, char **pos)
{
    int error;
    if (npos < 1)
        return og_cli_usage("gate", "gate policy needs show, set or assign");
    const char *sub = pos[0];
    if (strcmp(sub, "show") == 0) {
        json_t *doc = NULL;
        if (npos != 1)
            return og_cli_usage("gate", "unexpected argument '%s'", pos[1]);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_gate_policy_show(&cli->ctx, tenant, &doc)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(doc);
            return OG_EXIT_OK;
        }
        char approval_s[32], review_s[32];
        fmt_span(json_integer_value(json_object_get(doc, "approval_timeout_s")) * 1000000,
                 approval_s, sizeof(approval_s));
        fmt_span(json_integer_value(json_object_get(doc, "review_window_s")) * 1000000, review_s,
                 sizeof(review_s));
        printf("approval timeout %s, review window %s\n", approval_s, review_s);
        const char *area;
        json_t *v;
        json_object_foreach(json_object_get(doc, "assignees"), area, v)
            printf("assignee %s: %s\n", area, json_string_value(v));
        size_t i;
        json_t *k;
        static const char *const head[] = {"KIND", "AREA", "LEVEL", "DEFAULT", "SOURCE", NULL};
        og_cli_table *t = og_cli_table_new(head);
        if (!t) {
            json_decref(doc);
            return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
        }
        json_array_foreach(json_object_get(doc, "kinds"), i, k)
        {
            const char *a = json_string_value(json_object_get(k, "area"));
            const char *d = json_string_value(json_object_get(k, "default_level"));
            og_cli_table_add(t, (const char *[]){jstr(k, "kind"), a ? a : "?", jstr(k, "level"),
                                                 d ? d : "?", jstr(k, "source")});
        }
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(doc);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "set") == 0) {
        if (approval || review) {
            int64_t a = 0, r = 0;
            if (npos != 1)
                return og_cli_usage("gate", "give either KIND LEVEL or the timing options");
            if (approval && og_duration_parse(approval, &a) < 0)
                return og_cli_usage("gate", "bad --approval-timeout '%s' (e.g. 30s, 4h, 2d)",
                                    approval);
            if (review && og_duration_parse(review, &r) < 0)
                return og_cli_usage("gate", "bad --review-window '%s' (e.g. 30s, 4h, 2d)", review);
            if (a <= 0 && approval)
                return og_cli_usage("gate", "bad --approval-timeout '%s'", approval);
            if (r <= 0 && review)
                return og_cli_usage("gate", "bad --review-window '%s'", review);
            if ((error = og_cli_open(cli, tenant)))
                return error;
            if ((error = og_gate_timing_set(&cli->ctx, tenant, a, r)) < 0)
                return og_cli_fail(error);
            return OG_EXIT_OK;
        }
        og_gate_level l;
        if (npos != 3)
            return og_cli_usage("gate", "gate policy set takes KIND LEVEL");
        if (og_gate_level_parse(pos[2], &l) < 0)
            return og_cli_usage("gate", "%s", og_error_last());
        og_gate_outcome oc;
        if ((error = og_cli_open(cli, tenant)))
            return error;
        error = og_gate_policy_change(&cli->ctx, tenant, pos[1], l, &oc);
        if (error == OG_EPENDING) {
            /* accepted: a second tenant-admin approves the lowering */
            if (json)
                og_cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "kind", pos[1], "level",
                                            og_gate_level_name(l), "state", "pending", "gate_id",
                                            oc.gate_id));
            else
                printf("%s: lowering to %s is pending approval by another tenant-admin (gate "
                       "item %s): `opsgate --as ADMIN gate approve %s`\n",
                       pos[1], og_gate_level_name(l), oc.gate_id, oc.gate_id);
            json_decref(oc.result);
            return OG_EXIT_OK;
        }
        if (error < 0)
            return og_cli_fail(error);
        if (json)
            og_cli_print_json(json_pack("{s:s, s:s, s:s}", "kind", pos[1], "level",
                                        og_gate_level_name(l), "state", "done"));
        else
            printf("%s: %s\n", pos[1], og_gate_level_name(l));
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "assign") == 0) {
        if (npos != 2 && npos != 3)
            return og_cli_usage("gate", "gate policy assign takes AREA [USER]");
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_gate_assignee_set(&cli->ctx, tenant, pos[1], npos == 3 ? pos[2] : NULL)) <
            0)
            return og_cli_fail(error);
        return OG_EXIT_OK;
    }
    return og_cli_usage("gate", "unknown policy subcommand '%s' (show, set, assign)", sub);
}

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tenant", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 's'},
        {"note", required_argument, NULL, 'n'},
        {"params", required_argument, NULL, 'p'},
        {"recommendation", required_argument, NULL, 'r'},
        {"target-type", required_argument, NULL, 'T'},
        {"target-id", required_argument, NULL, 'I'},
        {"approval-timeout", required_argument, NULL, 'a'},
        {"review-window", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, error;
    const char *tenant = NULL, *state = NULL, *note = NULL, *params_s = NULL, *rec_s = NULL;
    const char *ttype = NULL, *tid = NULL, *approval = NULL, *review = NULL;
    if (argc < 2)
        return og_cli_usage("gate", "missing subcommand (list, show, approve, reject, ack, "
                                    "override, escalate, done, failed, request, kinds, policy)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            tenant = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'n':
            note = optarg;
            break;
        case 'p':
            params_s = optarg;
            break;
        case 'r':
            rec_s = optarg;
            break;
        case 'T':
            ttype = optarg;
            break;
        case 'I':
            tid = optarg;
            break;
        case 'a':
            approval = optarg;
            break;
        case 'w':
            review = optarg;
            break;
        default:
            return og_cli_badopt("gate", argv + 1);
        }
    }
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;

    for (size_t i = 0; decisions[i]; i++) {
        if (strcmp(sub, decisions[i]) != 0)
            continue;
        char id[OG_ID_LEN];
        if (npos != 1)
            return og_cli_usage("gate", "gate %s takes exactly one gate item ID", sub);
        /* A decision is a person's: the local operator names the user it decides as, and that
         * user is not the one who asked (separation of duties is not nominal). */
        int personal = strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0 ||
                       strcmp(sub, "ack") == 0 || strcmp(sub, "override") == 0;
        if (personal && !cli->as_user)
            return og_cli_usage("gate",
                                "gate %s needs --as USER, the user who decides (not the "
                                "requester), e.g. `opsgate --as ada gate %s %s`",
                                sub, sub, pos[0]);
        if ((error = open_for_item(cli, tenant, pos[0], id)))
            return error;
        if (personal) {
            int mine = og_gate_item_requested_by(cli->store, id, &cli->ctx.actor);
            if (mine < 0)
                return og_cli_fail(mine);
            if (mine)
                return og_cli_usage("gate",
                                    "%s is the requester of gate item %s and cannot %s it: give "
                                    "--as another user",
                                    cli->as_user, id, sub);
        }
        if ((error = og_gate_decide(&cli->ctx, id, sub, note)) < 0)
            return og_cli_fail(error);
        printf("%s: %s\n", id, sub);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "policy") == 0)
        return cmd_policy(cli, tenant, json, approval, review, npos, pos);
    if (strcmp(sub, "kinds") == 0) {
        json_t *arr = og_gate_kinds_json();
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        size_t i;
        json_t *k;
        static const char *const head[] = {"KIND", "AREA", "DEFAULT", "DESCRIPTION", NULL};
        og_cli_table *t = og_cli_table_new(head);
        json_array_foreach(arr, i, k)
            og_cli_table_add(t, (const char *[]){jstr(k, "name"), jstr(k, "area"),
                                                 jstr(k, "default_level"), jstr(k, "description")});
        og_cli_table_print(t, stdout, 1);
        og_cli_table_free(t);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *arr = NULL;
        if (npos)
            return og_cli_usage("gate", "unexpected argument '%s'", pos[0]);
        if (!tenant)
            return og_cli_usage("gate", "gate list needs --tenant");
        if (state && strcmp(state, "pending") && strcmp(state, "review") && strcmp(state, "task") &&
            strcmp(state, "done"))
            return og_cli_usage("gate", "bad --state '%s' (pending, review, task or done)", state);
        if ((error = og_cli_open(cli, tenant)))
            return error;
        if ((error = og_gate_list(&cli->ctx, tenant, state, &arr)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(arr);
            return OG_EXIT_OK;
        }
        print_items(arr);
        json_decref(arr);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "show") == 0) {
        json_t *doc = NULL;
        char id[OG_ID_LEN];
        if (npos != 1)
            return og_cli_usage("gate", "gate show takes exactly one gate item ID");
        if ((error = open_for_item(cli, tenant, pos[0], id)))
            return error;
        if ((error = og_gate_show(&cli->ctx, id, &doc)) < 0)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(doc);
            return OG_EXIT_OK;
        }
        print_show(doc);
        json_decref(doc);
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "request") == 0) {
        json_t *params = NULL, *rec = NULL;
        og_gate_outcome out;
        if (npos != 1)
            return og_cli_usage("gate", "gate request takes exactly one KIND");
        if (!tenant)
            return og_cli_usage("gate", "gate request needs --tenant");
        if (params_s && (error = parse_json_arg("--params", params_s, &params)))
            return error;
        if (rec_s && (error = parse_json_arg("--recommendation", rec_s, &rec))) {
            json_decref(params);
            return error;
        }
        if ((error = og_cli_open(cli, tenant))) {
            json_decref(params);
            json_decref(rec);
            return error;
        }
        error = og_gate_request_general(&cli->ctx, tenant, pos[0], ttype, tid, params, rec, &out);
        json_decref(params);
        json_decref(rec);
        if (error < 0 && error != OG_EPENDING)
            return og_cli_fail(error);
        if (json) {
            og_cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:o}", "gate_id", out.gate_id,
                                        "level", og_gate_level_name(out.level), "state", out.state,
                                        "audit_seq", (json_int_t)out.audit_seq, "result",
                                        out.result ? out.result : json_null()));
        } else {
            printf("%s %s %s\n", out.gate_id, og_gate_level_name(out.level), out.state);
            json_decref(out.result);
        }
        return OG_EXIT_OK;
    }
    if (strcmp(sub, "expire") == 0) {
        int n = 0;
        if ((error = og_cli_open(cli, NULL)))
            return error;
        if ((error = og_gate_expire(&cli->ctx, &n)) < 0)
            return og_cli_fail(error);
        printf("%d expired or closed\n", n);
        return OG_EXIT_OK;
    }
    return og_cli_usage("gate", "unknown subcommand '%s'", sub);
}

const og_command og_cmd_gate = {
    .name = "gate",
    .summary = "human-in-the-loop gates: items, decisions, policy",
    .legacy_run = run,
    .legacy_help = help,
};
