/* cmd_model.c - `opsgate model train|list|policy|report`: the inference step's models (trained
 * from the outcomes of gated actions), a tenant's risk threshold per action kind, and the honest
 * evaluation of the models on held-out decisions. */
#include "cli/cli.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/infer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "Every gated action passes the inference step before its gate: features computed inside\n"
    "the tenant (numbers and closed categories, never names, hosts, texts or ids), a risk score\n"
    "in [0,1] from the current model and the features that weighed most (docs/inference.md).\n"
    "Outcomes are the labels: acknowledged, approved, done and executed went well; failed,\n"
    "overridden, escalated and rejected did not.\n"
    "  train   fit a new version of each kind's models (logistic regression, liblinear): the\n"
    "          platform model from every tenant's examples, a tenant model for each tenant\n"
    "          with enough of its own; each version is audited (infer.model.train). Platform\n"
    "          only. `opsgate serve` retrains daily (OPSGATE_INFER_RETRAIN_EVERY). The\n"
    "          document classifier (kind artifacts.doc-kind, a tenant model from 50 labelled\n"
    "          documents) and its metadata model (artifacts.doc-meta, from a synthetic corpus;\n"
    "          a tenant model from 50 corrected documents) learn from `artifact classify`;\n"
    "          --kind either trains both.\n"
    "  list    the newest version of every model.\n"
    "  policy  a tenant's risk threshold per kind: an action scoring above it runs one level\n"
    "          higher (L0->L1, L1->L2), recorded with the reason; --pin keeps the kind's level\n"
    "          whatever the score. Never lowers a level. Setting needs a tenant-admin; without\n"
    "          --threshold, --pin or --unpin it shows the tenant's policies.\n"
    "  report  on a time-ordered split (oldest 70% train, newest 30% held out): ROC AUC,\n"
    "          precision and recall at the tenant's threshold (0.5 without one), calibration\n"
    "          in 5 bins and the share of actions it would raise.\n";

static int train(og_cli *cli, const og_cli_args *a)
{
    json_t *out = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_infer_train(&cli->ctx, og_cli_get(a, "kind"), &out)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(out);
        return OG_EXIT_OK;
    }
    json_array_foreach(json_object_get(out, "models"), i, x)
        printf("%s %s model v%lld: %lld examples, %lld gone wrong\n",
               json_string_value(json_object_get(x, "kind")),
               json_string_value(json_object_get(x, "scope")),
               (long long)json_integer_value(json_object_get(x, "version")),
               (long long)json_integer_value(json_object_get(x, "examples")),
               (long long)json_integer_value(json_object_get(x, "positives")));
    json_array_foreach(json_object_get(out, "skipped"), i, x)
        printf("%s: not trained: %s\n", json_string_value(json_object_get(x, "kind")),
               json_string_value(json_object_get(x, "reason")));
    json_decref(out);
    return OG_EXIT_OK;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    json_t *out = NULL, *x;
    size_t i;
    int error;
    (void)a;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_infer_models(&cli->ctx, &out)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("models", out);
        return OG_EXIT_OK;
    }
    json_array_foreach(out, i, x) printf(
        "%-20s %-8s v%-4lld %6lld examples  %s\n", json_string_value(json_object_get(x, "kind")),
        json_string_value(json_object_get(x, "scope")),
        (long long)json_integer_value(json_object_get(x, "version")),
        (long long)json_integer_value(json_object_get(x, "examples")),
        json_string_value(json_object_get(x, "created_at")));
    if (json_array_size(out) == 0)
        printf("no model yet: `opsgate model train` once outcomes are recorded\n");
    json_decref(out);
    return OG_EXIT_OK;
}

static int policy(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *kind = og_cli_get(a, "kind");
    const char *th = og_cli_get(a, "threshold");
    int pin = og_cli_has(a, "pin") ? 1 : og_cli_has(a, "unpin") ? 0 : -1, error;
    double threshold = 0;
    json_t *out = NULL;
    if (og_cli_has(a, "pin") && og_cli_has(a, "unpin"))
        return og_cli_bad(a, "--pin and --unpin exclude each other");
    if (th) {
        char *end = NULL;
        errno = 0;
        threshold = strtod(th, &end);
        if (errno || !end || *end || !isfinite(threshold) || threshold > 1)
            return og_cli_bad(a, "--threshold '%s' is not a number up to 1 (0 removes it)", th);
    }
    if ((th || pin >= 0) && !kind)
        return og_cli_bad(a, "setting a policy needs --kind K");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (kind && !og_gate_kind_find(kind))
        return og_cli_fail(og_error_set(
            OG_EINVAL, "unknown action kind '%s' (`opsgate gate kinds` lists them)", kind));
    if (th || pin >= 0) {
        if (!th) { /* only the pin changes: keep the threshold */
            if ((error = og_infer_policy_show(&cli->ctx, tenant, &out)) < 0)
                return og_cli_fail(error);
            size_t i;
            json_t *x;
            json_array_foreach(out, i, x)
            {
                if (strcmp(json_string_value(json_object_get(x, "kind")), kind) == 0)
                    threshold = json_number_value(json_object_get(x, "threshold"));
            }
            json_decref(out);
            out = NULL;
        }
        if ((error = og_infer_policy_set(&cli->ctx, tenant, kind, threshold, pin)) < 0)
            return og_cli_fail(error);
    }
    if ((error = og_infer_policy_show(&cli->ctx, tenant, &out)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("policies", out);
        return OG_EXIT_OK;
    } else {
        size_t i;
        json_t *x;
        json_array_foreach(out, i, x)
        {
            json_t *t = json_object_get(x, "threshold");
            printf("%-20s threshold %-6s%s\n", json_string_value(json_object_get(x, "kind")),
                   json_is_number(t) ? "" : "none",
                   json_is_true(json_object_get(x, "pinned")) ? "  pinned" : "");
            if (json_is_number(t))
                printf("%-20s (raises above %.3f)\n", "", json_number_value(t));
        }
    }
    json_decref(out);
    return OG_EXIT_OK;
}

static void print_report(json_t *k)
{
    size_t i;
    json_t *b;
    printf("%s: %lld examples, trained on the oldest %lld, %lld held out\n",
           json_string_value(json_object_get(k, "kind")),
           (long long)json_integer_value(json_object_get(k, "examples")),
           (long long)json_integer_value(json_object_get(k, "trained_on")),
           (long long)json_integer_value(json_object_get(k, "held_out")));
    if (json_object_get(k, "error")) {
        printf("  no model: %s\n", json_string_value(json_object_get(k, "error")));
        return;
    }
    printf("  ROC AUC %.3f   at threshold %.3f: precision %.3f  recall %.3f  raised %.1f%%\n",
           json_number_value(json_object_get(k, "auc")),
           json_number_value(json_object_get(k, "threshold")),
           json_number_value(json_object_get(k, "precision")),
           json_number_value(json_object_get(k, "recall")),
           100 * json_number_value(json_object_get(k, "raised_share")));
    printf("  calibration (score bin: actions, mean predicted, observed)\n");
    json_array_foreach(json_object_get(k, "calibration"), i, b)
        printf("    %.1f-%.1f: %5lld  %.3f  %.3f\n", json_number_value(json_object_get(b, "from")),
               json_number_value(json_object_get(b, "to")),
               (long long)json_integer_value(json_object_get(b, "actions")),
               json_number_value(json_object_get(b, "predicted")),
               json_number_value(json_object_get(b, "observed")));
}

static int report(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *out = NULL, *k;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_infer_report(&cli->ctx, tenant, og_cli_get(a, "kind"), &out)) < 0)
        return og_cli_fail(error);
    if (cli->json)
        og_cli_print_json(out);
    else {
        json_array_foreach(json_object_get(out, "kinds"), i, k) print_report(k);
        if (json_array_size(json_object_get(out, "kinds")) == 0)
            printf("no labelled decisions to evaluate yet\n");
        json_decref(out);
    }
    return OG_EXIT_OK;
}

static const og_cli_opt kind_opts[] = {
    {"kind", "K", "one action kind (certs.deploy ...)", 0, 0},
    {0},
};
static const og_cli_opt policy_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"kind", "K", "the action kind", 0, 0},
    {"threshold", "X", "raise above this risk (0 < X <= 1; 0 removes)", 0, 0},
    {"pin", NULL, "pin the kind: its level never changes", 0, 0},
    {"unpin", NULL, "let the threshold raise it again", 0, 0},
    {0},
};
static const og_cli_opt report_opts[] = {
    OG_CLI_OPT_TENANT,
    {"kind", "K", "one action kind", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"train", NULL, 0, 0, kind_opts, "train new model versions (platform)", train},
    {"list", NULL, 0, 0, NULL, "the newest version of every model (platform)", list},
    {"policy", NULL, 0, 0, policy_opts, "show or set a tenant's risk threshold and pin", policy},
    {"report", NULL, 0, 0, report_opts, "evaluate on held-out decisions", report},
    {0},
};

const og_command og_cmd_model = {
    .name = "model",
    .summary = "the inference step's models, risk policy and evaluation",
    .about = about,
    .subs = subs,
};
