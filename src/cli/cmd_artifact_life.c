/* cmd_artifact_life.c - `opsgate artifact` lifecycle subcommands: lock, unlock, set-state,
 * metadata, delete, undelete, purge, search and retention. */
#include "cli/cmd_artifact.h"
#include "cli/table.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_cli_artifact_lock(og_cli *cli, const og_cli_args *a)
{
    const char *ttl_s = og_cli_get(a, "ttl");
    int64_t ttl = 0;
    json_t *j = NULL;
    int error;
    if (ttl_s && og_duration_parse(ttl_s, &ttl) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_lock(&cli->ctx, &r, ttl, &j)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(j ? j : json_object());
        return OG_EXIT_OK;
    }
    printf("%s/%s: locked by %s until %s\n", r.project, r.name,
           json_string_value(json_object_get(j, "owner")),
           json_string_value(json_object_get(j, "expires_at")));
    json_decref(j);
    return OG_EXIT_OK;
}

/* Print the outcome of a change the API answers with 204: "P/N: <what>". */
static int changed(og_artifact_ref r, const char *what)
{
    printf("%s/%s: %s\n", r.project, r.name, what);
    return OG_EXIT_OK;
}

int og_cli_artifact_unlock(og_cli *cli, const og_cli_args *a)
{
    int force = og_cli_has(a, "force"), error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_unlock(&cli->ctx, &r, force)) < 0)
        return og_cli_fail(error);
    return changed(r, force ? "unlocked (forced)" : "unlocked");
}

int og_cli_artifact_change(og_cli *cli, const og_cli_args *a)
{
    int purge = strcmp(a->sub->name, "purge") == 0, error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    error = purge ? og_artifact_purge(&cli->ctx, &r) : og_artifact_delete(&cli->ctx, &r);
    if (error < 0)
        return og_cli_fail(error);
    return changed(r, purge ? "purged" : "deleted (purge removes it for good)");
}

int og_cli_artifact_undelete(og_cli *cli, const og_cli_args *a)
{
    json_t *j = NULL;
    int error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_undelete(&cli->ctx, &r, &j)) < 0)
        return og_cli_fail(error);
    if (!cli->json) {
        json_decref(j);
        return changed(r, "undeleted");
    }
    og_cli_print_json(j ? j : json_pack("{s:s, s:s}", "project", r.project, "name", r.name));
    return OG_EXIT_OK;
}

/* metadata JSON: with --json the artifact afterwards, as PUT .../metadata returns it. */
int og_cli_artifact_metadata(og_cli *cli, const og_cli_args *a)
{
    json_t *j = NULL;
    int error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    if ((error = og_artifact_metadata_set(&cli->ctx, &r, a->pos[0])) < 0)
        return og_cli_fail(error);
    if (!cli->json)
        return changed(r, "metadata set");
    if ((error = og_artifact_show(&cli->ctx, &r, &j)) < 0)
        return og_cli_fail(error);
    og_cli_print_json(j);
    return OG_EXIT_OK;
}

/* classify: a person's kind (and client) for the classifier's proposal of the latest version. */
int og_cli_artifact_classify(og_cli *cli, const og_cli_args *a)
{
    json_t *j = NULL;
    int error;
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    og_artifact_correction fix = {og_cli_get(a, "client"), og_cli_get(a, "total"),
                                  og_cli_get(a, "date")};
    if ((error = og_artifact_classify(&cli->ctx, &r, og_cli_get(a, "kind"), &fix, &j)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(j);
    else {
        json_decref(j);
        printf("%s/%s: classified as %s (the classifier learns it at its next training)\n",
               r.project, r.name, og_cli_get(a, "kind"));
    }
    return OG_EXIT_OK;
}

/* What set-state did: done, done under L1 review, or pending approval. */
static void print_outcome(const og_artifact_ref *r, const char *state, int pending,
                          const og_gate_outcome *out)
{
    if (pending)
        printf("%s/%s: moving to %s is pending approval (gate %s, item %s); approve with "
               "`opsgate --as USER gate approve %s`\n",
               r->project, r->name, state, og_gate_level_name(out->level), out->gate_id,
               out->gate_id);
    else if (strcmp(out->state, "review") == 0)
        printf("%s/%s: %s (done; under L1 review, item %s)\n", r->project, r->name, state,
               out->gate_id);
    else
        printf("%s/%s: %s\n", r->project, r->name, state);
}

int og_cli_artifact_set_state(og_cli *cli, const og_cli_args *a)
{
    const char *state = a->pos[0];
    og_gate_outcome out;
    int error;
    if (!og_artifact_state_valid(state))
        return og_cli_bad(a, "unknown state '%s' (draft, in-review, approved, published, archived)",
                          state);
    if ((error = og_cli_open(cli, og_cli_get(a, "tenant"))))
        return error;
    og_artifact_ref r = og_cli_artifact_ref(a);
    memset(&out, 0, sizeof(out));
    error = og_artifact_set_state(&cli->ctx, &r, state, &out);
    json_decref(out.result);
    if (error < 0 && error != OG_EPENDING)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", r.name, "state",
                                    error == OG_EPENDING ? "pending" : state, "gate_id",
                                    out.gate_id, "gate_level", og_gate_level_name(out.level),
                                    "gate_state", out.state));
    else
        print_outcome(&r, state, error == OG_EPENDING, &out);
    return OG_EXIT_OK;
}

int og_cli_artifact_search(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *limit_s = og_cli_get(a, "limit");
    int limit = 0, error;
    json_t *j = NULL, *x;
    size_t i;
    if (limit_s) {
        char *end = NULL;
        long l = strtol(limit_s, &end, 10);
        if (!*limit_s || *end || l < 1 || l > 100)
            return og_cli_bad(a, "bad limit '%s' (1 to 100)", limit_s);
        limit = (int)l;
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_artifact_search(&cli->ctx, tenant, a->pos[0], limit, &j)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("results", j);
        return OG_EXIT_OK;
    }
    json_array_foreach(j, i, x)
        printf("%s/%s (%s, %s, v%lld)\n    %s\n", json_string_value(json_object_get(x, "project")),
               json_string_value(json_object_get(x, "name")),
               json_string_value(json_object_get(x, "kind")),
               json_string_value(json_object_get(x, "state")),
               (long long)json_integer_value(json_object_get(x, "version")),
               json_string_value(json_object_get(x, "snippet")));
    if (json_array_size(j) == 0)
        fprintf(stderr, "opsgate: no artifact matches '%s'\n", a->pos[0]);
    json_decref(j);
    return OG_EXIT_OK;
}

static int retention_set(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *kind = og_cli_get(a, "kind");
    const char *keep_s = og_cli_get(a, "keep");
    int64_t keep = 0;
    int error;
    if (!kind || !og_artifact_kind_valid(kind))
        return og_cli_bad(a,
                          "retention set needs --kind (sow, change-order, runbook, closure, "
                          "template, other), got '%s'",
                          kind ? kind : "");
    if (!keep_s)
        return og_cli_bad(a, "retention set needs --keep (like 7y, 90d, or 0)");
    if (strcmp(keep_s, "0") != 0 && og_artifact_keep_parse(keep_s, &keep) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_artifact_retention_set(&cli->ctx, tenant, kind, keep)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(json_pack("{s:s, s:s}", "kind", kind, "keep", keep_s));
    else
        printf("%s: %s %s\n", kind, keep ? "kept for" : "no retention", keep ? keep_s : "");
    return OG_EXIT_OK;
}

static int retention_list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"KIND", "KEEP DAYS", "SET BY", "SET AT", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL, *x;
    size_t i;
    int error;
    if (og_cli_has(a, "kind") || og_cli_has(a, "keep"))
        return og_cli_bad(a, "retention list takes no --kind or --keep");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_artifact_retention_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("retention", arr);
        return OG_EXIT_OK;
    }
    og_cli_table *t = og_cli_table_new(head);
    og_cli_table_right(t, 1);
    json_array_foreach(arr, i, x)
    {
        char days[24];
        snprintf(days, sizeof(days), "%lld",
                 (long long)json_integer_value(json_object_get(x, "keep_days")));
        og_cli_table_add(t, (const char *[]){json_string_value(json_object_get(x, "kind")), days,
                                             json_string_value(json_object_get(x, "set_by")),
                                             json_string_value(json_object_get(x, "set_at"))});
    }
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

int og_cli_artifact_retention(og_cli *cli, const og_cli_args *a)
{
    if (strcmp(a->pos[0], "set") == 0)
        return retention_set(cli, a);
    if (strcmp(a->pos[0], "list") == 0)
        return retention_list(cli, a);
    return og_cli_bad(a, "unknown retention subcommand '%s' (set, list)", a->pos[0]);
}
