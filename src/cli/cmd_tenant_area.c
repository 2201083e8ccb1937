/* cmd_tenant_area.c - `opsgate tenant enable|disable|areas`: a tenant's process areas. */
#include "cli/cli.h"
#include "cli/cmd_tenant.h"
#include "opsgate/app.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* "a, b, c" of an array of strings, or of the "kind" (and "level") of objects; "none" if empty. */
static void print_names(const char *label, json_t *arr)
{
    size_t i;
    json_t *x;
    printf("  %s:", label);
    if (json_array_size(arr) == 0)
        printf(" none");
    json_array_foreach(arr, i, x)
    {
        if (json_is_string(x))
            printf("%s %s", i ? "," : "", json_string_value(x));
        else
            printf("%s %s %s", i ? "," : "", json_string_value(json_object_get(x, "kind")),
                   json_string_value(json_object_get(x, "level")));
    }
    printf("\n");
}

static void print_provisioned(json_t *prov)
{
    json_t *gp = json_object_get(prov, "gate_policies"),
           *nr = json_object_get(prov, "notifications");
    json_t *dash = json_object_get(prov, "dashboard"), *pages;
    const char *state = json_string_value(json_object_get(nr, "state")), *role;
    print_names("gate policies set", json_object_get(gp, "set"));
    print_names("gate policies kept (already chosen)", json_object_get(gp, "kept"));
    if (state && strcmp(state, "pending") == 0) {
        printf("  notification rules pending: %s\n",
               json_string_value(json_object_get(nr, "reason")));
        print_names("events waiting for a channel", json_object_get(nr, "events"));
    } else if (state) {
        printf("  notification rules on channel %s\n",
               json_string_value(json_object_get(nr, "channel_id")));
        print_names("events added", json_object_get(nr, "added"));
        print_names("events already sent", json_object_get(nr, "kept"));
    }
    json_object_foreach(dash, role, pages)
    {
        char label[64];
        snprintf(label, sizeof(label), "dashboard of %s", role);
        print_names(label, pages);
    }
}

static int area_change(og_cli *cli, const og_cli_args *a, bool enable)
{
    const char *tenant = og_cli_get(a, "tenant"), *area = a->pos[0];
    json_t *out = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    error = enable ? og_app_tenant_area_enable(&cli->ctx, tenant, area, &out)
                   : og_app_tenant_area_disable(&cli->ctx, tenant, area, &out);
    if (error == OG_EINVAL)
        return og_cli_fail_usage("tenant", error);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
        return OG_EXIT_OK;
    }
    if (!enable)
        printf("%s %s for tenant %s: %s\n", area,
               json_is_true(json_object_get(out, "already_disabled")) ? "was not enabled"
                                                                      : "disabled",
               tenant, json_string_value(json_object_get(out, "kept")));
    else {
        printf("%s %s for tenant %s\n", area,
               json_array_size(json_object_get(out, "completed"))
                   ? "already enabled; completed what was pending; in place"
               : json_is_true(json_object_get(out, "already_enabled"))
                   ? "already enabled (nothing changed); in place"
                   : "enabled; provisioned",
               tenant);
        print_provisioned(json_object_get(out, "provisioned"));
    }
    json_decref(out);
    return OG_EXIT_OK;
}

int og_cli__tenant_enable(og_cli *cli, const og_cli_args *a)
{
    return area_change(cli, a, true);
}

int og_cli__tenant_disable(og_cli *cli, const og_cli_args *a)
{
    return area_change(cli, a, false);
}

int og_cli__tenant_areas(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *out = NULL, *e;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_app_tenant_areas(&cli->ctx, tenant, &out)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
        return OG_EXIT_OK;
    }
    json_array_foreach(json_object_get(out, "areas"), i, e)
    {
        const char *by = json_string_value(json_object_get(e, "changed_by"));
        printf("%-10s %-12s%s%s\n", json_string_value(json_object_get(e, "area")),
               json_string_value(json_object_get(e, "state")), by ? " by " : "", by ? by : "");
        if (json_array_size(json_object_get(e, "dashboard")))
            print_names("your dashboard", json_object_get(e, "dashboard"));
    }
    json_decref(out);
    return OG_EXIT_OK;
}
