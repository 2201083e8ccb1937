/* cmd_cert_alerts.c - `opsgate cert alerts` (list, acknowledge, snooze the alerts by what is
 * wrong) and `opsgate cert calendar` (the ICS feed and its read-only tokens). */
#include "cli/cmd_cert.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void alert_print(json_t *r)
{
    printf("%s  %-8s %-12s %-16s %s%s%s\n", jstr(r, "id"), jstr(r, "severity"), jstr(r, "state"),
           jstr(r, "rule"), *jstr(r, "tenant") ? jstr(r, "tenant") : "",
           *jstr(r, "tenant") ? ": " : "", jstr(r, "message"));
    printf("    what to do: %s\n", jstr(r, "action"));
    if (*jstr(r, "snoozed_until"))
        printf("    snoozed until %s by %s%s%s\n", jstr(r, "snoozed_until"), jstr(r, "ack_by"),
               *jstr(r, "note") ? ": " : "", jstr(r, "note"));
    else if (*jstr(r, "ack_by") && !strcmp(jstr(r, "state"), "acknowledged"))
        printf("    acknowledged by %s at %s%s%s\n", jstr(r, "ack_by"), jstr(r, "ack_at"),
               *jstr(r, "note") ? ": " : "", jstr(r, "note"));
    if (*jstr(r, "gate_id"))
        printf("    gate task %s\n", jstr(r, "gate_id"));
}

int og_cli__cert_alerts(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *verb = a->npos ? a->pos[0] : "list";
    const char *until = og_cli_get(a, "until"), *dur = og_cli_get(a, "for");
    int error;
    if (strcmp(verb, "list") && strcmp(verb, "ack") && strcmp(verb, "snooze"))
        return og_cli_bad(a, "unknown action '%s' (list, ack ID, snooze ID)", verb);
    if ((strcmp(verb, "list") == 0) != (a->npos <= 1))
        return og_cli_bad(a, "%s",
                          strcmp(verb, "list") == 0 ? "list takes no ID"
                                                    : "ack and snooze take one alert ID");
    if (strcmp(verb, "list") != 0 && !tenant)
        return og_cli_bad(a, "%s needs --tenant", verb);
    int64_t until_us = 0;
    if (strcmp(verb, "snooze") == 0) {
        int64_t d = 0;
        if (!!until == !!dur)
            return og_cli_bad(a, "snooze needs --until TIME or --for DURATION (one of them)");
        if (until && og_time_parse(until, &until_us) < 0)
            return og_cli_bad(a, "bad --until '%s' (like 2026-12-24T08:00:00Z)", until);
        if (dur) {
            if (og_duration_parse(dur, &d) < 0 || d <= 0)
                return og_cli_bad(a, "bad --for '%s' (a duration like 3d or 12h)", dur);
            until_us = og_time_now_us() + d;
        }
        og_error_clear();
    }
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (strcmp(verb, "ack") == 0 || strcmp(verb, "snooze") == 0) {
        const char *note = og_cli_get(a, "note");
        error = until_us ? og_certs_alert_snooze(&cli->ctx, tenant, a->pos[1], until_us, note)
                         : og_certs_alert_ack(&cli->ctx, tenant, a->pos[1], note);
        if (error < 0)
            return og_cli_fail(error);
        if (until_us) {
            char t[OG_TIME_LEN];
            og_time_format(until_us, t);
            printf("snoozed alert %s until %s\n", a->pos[1], t);
        } else {
            printf("acknowledged alert %s\n", a->pos[1]);
        }
        return OG_EXIT_OK;
    }
    json_t *arr = NULL, *r;
    size_t i;
    if ((error = og_certs_alert_list(&cli->ctx, tenant, og_cli_get(a, "state"), &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("alerts", arr);
        return OG_EXIT_OK;
    }
    json_array_foreach(arr, i, r) alert_print(r);
    if (!json_array_size(arr))
        printf("no alerts\n");
    json_decref(arr);
    return OG_EXIT_OK;
}

int og_cli__cert_calendar(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *verb = a->npos ? a->pos[0] : "export";
    int error;
    if (strcmp(verb, "export") && strcmp(verb, "token-create") && strcmp(verb, "token-list") &&
        strcmp(verb, "token-revoke"))
        return og_cli_bad(a,
                          "unknown action '%s' (export, token-create, token-list, "
                          "token-revoke ID)",
                          verb);
    if ((strcmp(verb, "token-revoke") == 0) != (a->npos == 2))
        return og_cli_bad(a, "%s",
                          strcmp(verb, "token-revoke") == 0 ? "token-revoke takes one token ID"
                                                            : "only token-revoke takes an ID");
    if (strcmp(verb, "token-create") == 0 && !og_cli_get(a, "label"))
        return og_cli_bad(a, "token-create needs --label");
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if (strcmp(verb, "export") == 0) {
        og_buf b;
        og_buf_init(&b, 64u << 20);
        if ((error = og_certs_calendar(&cli->ctx, tenant, &b)) < 0) {
            og_buf_free(&b);
            return og_cli_fail(error);
        }
        fwrite(b.data ? b.data : "", 1, b.len, stdout);
        og_buf_free(&b);
        return OG_EXIT_OK;
    }
    if (strcmp(verb, "token-create") == 0) {
        char token[OG_CERTS_CALENDAR_TOKEN_MAX], id[OG_ID_LEN];
        if ((error = og_certs_calendar_token_create(&cli->ctx, tenant, og_cli_get(a, "label"),
                                                    token, id)) < 0)
            return og_cli_fail(error);
        if (cli->json)
            og_cli_print_json(json_pack("{s:s, s:s}", "id", id, "token", token));
        else
            printf("calendar token %s (shown once; it reads the calendar and nothing else):\n%s\n",
                   id, token);
        return OG_EXIT_OK;
    }
    if (strcmp(verb, "token-revoke") == 0) {
        if ((error = og_certs_calendar_token_revoke(&cli->ctx, tenant, a->pos[1])) < 0)
            return og_cli_fail(error);
        printf("revoked calendar token %s\n", a->pos[1]);
        return OG_EXIT_OK;
    }
    json_t *arr = NULL, *r;
    size_t i;
    if ((error = og_certs_calendar_token_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("tokens", arr);
        return OG_EXIT_OK;
    }
    json_array_foreach(arr, i, r)
    {
        printf("%s  %s  created %s by %s%s%s\n", jstr(r, "id"), jstr(r, "label"),
               jstr(r, "created_at"), jstr(r, "created_by"),
               *jstr(r, "revoked_at") ? ", revoked " : "", jstr(r, "revoked_at"));
    }
    if (!json_array_size(arr))
        printf("no calendar tokens\n");
    json_decref(arr);
    return OG_EXIT_OK;
}
