/* cmd_cert_discovery.c - `opsgate cert discovery show|set` (the ports scanned per device class)
 * and `opsgate cert targets` (the scan targets discovered by RMM connectors). */
#include "cli/cmd_cert.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void discovery_text(json_t *j)
{
    const char *k;
    json_t *v, *dflt = json_object_get(j, "defaults");
    json_object_foreach(json_object_get(j, "classes"), k, v)
    {
        int is_default = 0;
        size_t i;
        json_t *d;
        json_array_foreach(dflt, i, d) is_default |= strcmp(json_string_value(d), k) == 0;
        printf("%-12s %s%s\n", k, *json_string_value(v) ? json_string_value(v) : "none",
               is_default ? " (default)" : "");
    }
}

int og_cli__cert_discovery(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *cls = og_cli_get(a, "class");
    const char *ports = og_cli_get(a, "ports");
    json_t *j = NULL;
    int error;
    bool set = strcmp(a->pos[0], "set") == 0;
    if (!set && strcmp(a->pos[0], "show") != 0)
        return og_cli_bad(a, "unknown action '%s' (show or set)", a->pos[0]);
    if (set && (!cls || (!ports && !og_cli_has(a, "default"))))
        return og_cli_bad(a, "set needs --class and --ports LIST (or none, or --default)");
    if (set && ports && og_cli_has(a, "default"))
        return og_cli_bad(a, "--ports and --default exclude each other");
    if (!set && (cls || ports || og_cli_has(a, "default")))
        return og_cli_bad(a, "show takes no --class, --ports or --default");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (set && (error = og_certs_discovery_set(&cli->ctx, tenant, cls, ports)) < 0)
        return og_cli_fail(error);
    if ((error = og_certs_discovery_get(&cli->ctx, tenant, &j)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    discovery_text(j);
    json_decref(j);
    return OG_EXIT_OK;
}

int og_cli__cert_targets(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *list = NULL, *d;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_discovered_list(&cli->ctx, tenant, og_cli_has(a, "all"), &list)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(json_pack("{s:o}", "targets", list));
        return OG_EXIT_OK;
    }
    if (json_array_size(list) == 0)
        printf("no discovered targets\n");
    json_array_foreach(list, i, d)
    {
        char *addrs = json_dumps(json_object_get(d, "addresses"), JSON_COMPACT);
        const char *ports = json_string_value(json_object_get(d, "ports"));
        const char *retired = json_string_value(json_object_get(d, "retired_at"));
        const char *compliance = json_string_value(json_object_get(d, "compliance"));
        printf("%-30s %-11s %-32s ports %-20s %s%s%s%s%s\n",
               json_string_value(json_object_get(d, "name")),
               json_string_value(json_object_get(d, "device_class")), addrs ? addrs : "[]",
               ports && *ports ? ports : "none", json_string_value(json_object_get(d, "source")),
               compliance && *compliance ? " compliance " : "",
               compliance && *compliance ? compliance : "", retired ? " retired " : "",
               retired ? retired : "");
        free(addrs);
    }
    json_decref(list);
    return OG_EXIT_OK;
}
