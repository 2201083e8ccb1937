/* cmd_cert_validity.c - `opsgate cert validity-report --tenant T [--at DATE]`: the certificates
 * the next SC-081 step of the maximum TLS validity will hit, and which of them renew by hand. */
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "2027-03-15" of "2027-03-15T00:00:00.000000Z" */
static const char *day(json_t *o, const char *k, char out[11])
{
    snprintf(out, 11, "%s", jstr(o, k));
    return out;
}

static void report_text(json_t *rep)
{
    static const char *const head[] = {"FINGERPRINT", "SUBJECT",       "VALIDITY",
                                       "RENEWAL",     "EXPIRES",       "HIT ON",
                                       "MAX THEN",    "RENEWALS/YEAR", NULL};
    json_t *next = json_object_get(rep, "next"), *c;
    char d1[11], d2[11], validity[32], then[32], per[32];
    size_t i;
    printf("maximum validity now: %lld days\n", (long long)json_integer_value(json_object_get(
                                                    json_object_get(rep, "current"), "max_days")));
    if (!json_is_object(next)) {
        printf("no further SC-081 step: nothing changes\n");
        return;
    }
    printf("next step: %lld days for certificates issued from %s\n",
           (long long)json_integer_value(json_object_get(next, "max_days")), day(next, "from", d1));
    og_cli_table *t = og_cli_table_new(head);
    json_array_foreach(json_object_get(rep, "certs"), i, c)
    {
        char fp[17];
        snprintf(fp, sizeof(fp), "%s", jstr(c, "fingerprint"));
        snprintf(validity, sizeof(validity), "%lldd",
                 (long long)json_integer_value(json_object_get(c, "validity_days")));
        snprintf(then, sizeof(then), "%lldd",
                 (long long)json_integer_value(json_object_get(c, "max_days_then")));
        snprintf(per, sizeof(per), "%lld -> %lld",
                 (long long)json_integer_value(json_object_get(c, "renewals_a_year_now")),
                 (long long)json_integer_value(json_object_get(c, "renewals_a_year_then")));
        og_cli_table_add(t, (const char *[]){fp, jstr(c, "subject"), validity, jstr(c, "renewal"),
                                             day(c, "not_after", d1), day(c, "hit_on", d2), then,
                                             per});
    }
    og_cli_table_print(t, stdout, 0);
    og_cli_table_free(t);
    printf("%lld certificate%s hit, %lld renewed by hand\n",
           (long long)json_integer_value(json_object_get(rep, "count")),
           json_integer_value(json_object_get(rep, "count")) == 1 ? "" : "s",
           (long long)json_integer_value(json_object_get(rep, "manual")));
}

int og_cli__cert_validity_report(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *at = og_cli_get(a, "at");
    int64_t at_us = 0;
    json_t *rep = NULL;
    int error;
    if (at && og_time_parse(at, &at_us) < 0)
        return og_cli_bad(a, "bad --at '%s' (a date, 2027-03-15, or an RFC 3339 time)", at);
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_validity_report(&cli->ctx, tenant, at_us, &rep)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(rep);
        return OG_EXIT_OK;
    }
    report_text(rep);
    json_decref(rep);
    return OG_EXIT_OK;
}
