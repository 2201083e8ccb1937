/* cmd_gate_policy.c - `opsgate gate policy show|set|assign`: a tenant's gate levels, timing and
 * assignees. */
#include "cli/cli.h"
#include "cli/cmd_gate.h"
#include "cli/table.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const og_cli_opt og_cli__gate_policy_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"approval-timeout", "DUR", "set: L2 approvals expire after DUR (30s, 4h, 2d)", 0, 0},
    {"review-window", "DUR", "set: L1 reviews close after DUR (30s, 4h, 2d)", 0, 0},
    {0},
};

/* The tenant's policy document on stdout as the API returns it (after a change, in context). */
static int print_policy_json(og_cli *cli, const char *tenant)
{
    json_t *doc = NULL;
    int error = og_gate_policy_show(&cli->ctx, tenant, &doc);
    if (error < 0)
        return og_cli_fail(error);
    og_cli_print_json(doc);
    return OG_EXIT_OK;
}

static void print_policy(json_t *doc)
{
    static const char *const head[] = {"KIND", "AREA", "LEVEL", "DEFAULT", "SOURCE", NULL};
    char approval[32], review[32];
    const char *area;
    json_t *v, *k;
    size_t i;
    og_cli__gate_span(json_integer_value(json_object_get(doc, "approval_timeout_s")) * 1000000,
                      approval, sizeof(approval));
    og_cli__gate_span(json_integer_value(json_object_get(doc, "review_window_s")) * 1000000, review,
                      sizeof(review));
    printf("approval timeout %s, review window %s\n", approval, review);
    json_object_foreach(json_object_get(doc, "assignees"), area, v)
        printf("assignee %s: %s\n", area, json_string_value(v));
    og_cli_table *t = og_cli_table_new(head);
    if (!t) {
        fprintf(stderr, "opsgate: out of memory\n");
        return;
    }
    json_array_foreach(json_object_get(doc, "kinds"), i, k)
    {
        const char *a = json_string_value(json_object_get(k, "area"));
        const char *d = json_string_value(json_object_get(k, "default_level"));
        og_cli_table_add(t, (const char *[]){og_cli__gate_str(k, "kind"), a ? a : "?",
                                             og_cli__gate_str(k, "level"), d ? d : "?",
                                             og_cli__gate_str(k, "source")});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
}

static int policy_show(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    json_t *doc = NULL;
    int error;
    if (a->npos != 1)
        return og_cli_bad(a, "unexpected argument '%s'", a->pos[1]);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (cli->json)
        return print_policy_json(cli, tenant);
    if ((error = og_gate_policy_show(&cli->ctx, tenant, &doc)) < 0)
        return og_cli_fail(error);
    print_policy(doc);
    json_decref(doc);
    return OG_EXIT_OK;
}

/* A positive duration option into *us (0 when absent). */
static int duration_opt(const og_cli_args *a, const char *name, int64_t *us)
{
    const char *s = og_cli_get(a, name);
    *us = 0;
    if (s && (og_duration_parse(s, us) < 0 || *us <= 0))
        return og_cli_bad(a, "bad --%s '%s' (e.g. 30s, 4h, 2d)", name, s);
    return 0;
}

/* `policy set --approval-timeout DUR --review-window DUR`. */
static int policy_timing(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    int64_t approval, review;
    int error;
    if (a->npos != 1)
        return og_cli_bad(a, "give either KIND LEVEL or the timing options");
    if ((error = duration_opt(a, "approval-timeout", &approval)) ||
        (error = duration_opt(a, "review-window", &review)))
        return error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_gate_timing_set(&cli->ctx, tenant, approval, review)) < 0)
        return og_cli_fail(error);
    return cli->json ? print_policy_json(cli, tenant) : OG_EXIT_OK;
}

/* `policy set KIND LEVEL`: a lowering below another's level waits for a second tenant-admin
 * (exit 0, "pending"). */
static int policy_level(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    const char *kind = a->pos[1];
    og_gate_level l;
    og_gate_outcome oc;
    int error;
    if (a->npos != 3)
        return og_cli_bad(a, "gate policy set takes KIND LEVEL");
    if (og_gate_level_parse(a->pos[2], &l) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = og_cli_open(cli, tenant)))
        return error;
    memset(&oc, 0, sizeof(oc));
    error = og_gate_policy_change(&cli->ctx, tenant, kind, l, &oc);
    if (error == OG_EPENDING) {
        json_decref(oc.result);
        if (cli->json)
            og_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "pending", "state",
                                        "pending", "gate_id", oc.gate_id, "kind", kind, "message",
                                        og_error_last()));
        else
            printf("%s: lowering to %s is pending approval by another tenant-admin (gate "
                   "item %s): `opsgate --as ADMIN gate approve %s`\n",
                   kind, og_gate_level_name(l), oc.gate_id, oc.gate_id);
        return OG_EXIT_OK;
    }
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json)
        return print_policy_json(cli, tenant);
    printf("%s: %s\n", kind, og_gate_level_name(l));
    return OG_EXIT_OK;
}

/* `policy assign AREA [USER]`: without USER the area's assignee is removed. */
static int policy_assign(og_cli *cli, const og_cli_args *a, const char *tenant)
{
    const char *user = a->npos == 3 ? a->pos[2] : NULL;
    int error;
    if (a->npos < 2)
        return og_cli_bad(a, "gate policy assign takes AREA [USER]");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_gate_assignee_set(&cli->ctx, tenant, a->pos[1], user)) < 0)
        return og_cli_fail(error);
    return cli->json && user ? print_policy_json(cli, tenant) : OG_EXIT_OK;
}

int og_cli__gate_policy(og_cli *cli, const og_cli_args *a)
{
    const char *what = a->pos[0], *tenant = og_cli_get(a, "tenant");
    bool timing = og_cli_has(a, "approval-timeout") || og_cli_has(a, "review-window");
    if (timing && strcmp(what, "set") != 0)
        return og_cli_bad(a, "--approval-timeout and --review-window go with `gate policy set`");
    if (strcmp(what, "show") == 0)
        return policy_show(cli, a, tenant);
    if (strcmp(what, "set") == 0)
        return timing ? policy_timing(cli, a, tenant) : policy_level(cli, a, tenant);
    if (strcmp(what, "assign") == 0)
        return policy_assign(cli, a, tenant);
    return og_cli_bad(a, "unknown policy subcommand '%s' (show, set, assign)", what);
}
