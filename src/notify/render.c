/* render.c - the message a person reads for an event: a subject line and a plain-text body that
 * name the client, the object, what happened and what to do (the channels' event filters are
 * filter.c's).
 *
 * Everything comes from the event itself: emitters put what a reader needs in the payload (the
 * events module adds the tenant's name), so this file reads no other module's data. */
#include "notify/notify_internal.h"
#include "opsgate/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_US  86400000000LL
#define HOUR_US 3600000000LL

/* Payload values are cleaned first (clean.c): control characters made spaces, at most 300
 * bytes, cut at a UTF-8 boundary and ending in "…". */
#define SUBJECT_MAX 250
#define DASH        "\xe2\x80\x94" /* — */
#define ELLIPSIS    "\xe2\x80\xa6" /* … */

const char *const og_notify_event_types[] = {
    "gate.review",
    "gate.approval",
    "gate.task",
    "gate.decided",
    "gate.escalated",
    "certs.expiring",
    "certs.expired",
    "certs.alert",
    "certs.renewed",
    "certs.renew.failed",
    "certs.deploy.rolled_back",
    "certs.deploy.rollback_failed",
    "notify.test",
    "psa.project.created",
    "psa.project.scope_changed",
    "psa.project.closed",
    "psa.automation.failed",
    "connector.failing",
    "connector.recovered",
    "rmm.device.added",
    "rmm.device.removed",
    "audit.witness.refused",
    NULL,
};

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

static const char * or (const char *s, const char *dflt)
{
    return s ? s : dflt;
}

/* ---- pieces of messages ---- */

typedef struct msg {
    const og_event *ev;
    const json_t *p; /* the cleaned payload */
    int64_t now_us;
    char tenant[96]; /* "acme", "tenant <id>" or "platform" */
    og_buf subj, body;
} msg;

/* "shop.acme.example" from a certificate's names, its subject's CN, or its fingerprint. */
static void cert_name(const json_t *o, char *out, size_t size)
{
    const json_t *names = json_object_get(o, "names");
    const char *first = json_string_value(json_array_get(names, 0));
    const char *subject = str(o, "subject");
    const char *fp = or (str(o, "fingerprint"), str(o, "certificate"));
    if (first && *first) {
        og_strlcpy(out, first, size);
        return;
    }
    if (subject) {
        const char *cn = strstr(subject, "CN=");
        if (cn && (cn == subject || cn[-1] == ',' || cn[-1] == '/' || cn[-1] == ' ')) {
            size_t n = strcspn(cn + 3, ",/+");
            snprintf(out, size, "%.*s", (int)n, cn + 3);
            if (out[0])
                return;
        }
        og_strlcpy(out, subject, size);
        return;
    }
    if (fp) {
        snprintf(out, size, "certificate %.16s" ELLIPSIS, fp);
        return;
    }
    og_strlcpy(out, "a certificate", size);
}

/* "a, b, c (+2 more)" from an array of strings. */
static void join_names(const json_t *arr, char *out, size_t size)
{
    size_t i, n = json_array_size(arr);
    json_t *x;
    out[0] = '\0';
    json_array_foreach(arr, i, x)
    {
        if (i == 3) {
            size_t l = strlen(out);
            snprintf(out + l, size - l, " (+%zu more)", n - 3);
            break;
        }
        size_t l = strlen(out);
        snprintf(out + l, size - l, "%s%s", i ? ", " : "", or (json_string_value(x), "?"));
    }
}

/* "in 7 days", "in 5 hours", "3 days ago": rounded to the nearest unit, so a certificate with
 * 6 days 23 hours left reads 7 days, not 6. */
static void relative(int64_t delta_us, char *out, size_t size)
{
    int64_t a = delta_us < 0 ? -delta_us : delta_us;
    long long n;
    const char *unit;
    if (a >= 2 * DAY_US) {
        n = (a + DAY_US / 2) / DAY_US;
        unit = "days";
    } else if (a >= HOUR_US) {
        n = (a + HOUR_US / 2) / HOUR_US;
        unit = n == 1 ? "hour" : "hours";
    } else {
        og_strlcpy(out, delta_us >= 0 ? "in less than an hour" : "less than an hour ago", size);
        return;
    }
    if (delta_us >= 0)
        snprintf(out, size, "in %lld %s", n, unit);
    else
        snprintf(out, size, "%lld %s ago", n, unit);
}

/* A time as people read it, "2026-11-22 04:15 UTC", from RFC 3339 (copied as is when it is not). */
static const char *human_time(const char *s, char *out, size_t size)
{
    int64_t us;
    struct tm tm;
    if (!s)
        return NULL;
    if (og_time_parse(s, &us) < 0) {
        og_error_clear();
        og_strlcpy(out, s, size);
        return out;
    }
    time_t t = (time_t)(us / 1000000);
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
    return out;
}

/* A time field of the payload as people read it; NULL when absent. */
#define TIME_OF(m, field, buf) human_time(str((m)->p, (field)), (buf), sizeof(buf))

/* The time until (or since) an RFC 3339 time field, or from a whole-days field. */
static void when(const msg *m, const char *time_field, const char *days_field, char *out,
                 size_t size)
{
    int64_t t;
    const char *s = str(m->p, time_field);
    if (s && og_time_parse(s, &t) == 0) {
        relative(t - m->now_us, out, size);
        return;
    }
    og_error_clear();
    json_t *d = json_object_get(m->p, days_field);
    if (json_is_integer(d))
        relative(json_integer_value(d) * DAY_US, out, size);
    else
        og_strlcpy(out, "soon", size);
}

static void subject(msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void subject(msg *m, const char *fmt, ...)
{
    va_list ap;
    og_buf_printf(&m->subj, "[opsgate] %s: ", m->tenant);
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    og_buf_puts(&m->subj, line);
}

#define say(m, ...) og_buf_printf(&(m)->body, __VA_ARGS__)

/* "Client: acme (tenant <id>)": the first thing a reader at an MSP needs. */
static void client_line(msg *m)
{
    if (m->ev->tenant_id[0])
        say(m, "Client:      %s (tenant %s)\n", m->tenant, m->ev->tenant_id);
    else
        say(m, "Client:      none (an event of the platform)\n");
}

/* Scalar fields of o as "  key: value" lines (arrays of scalars joined), at most max lines. */
static void fields(msg *m, const json_t *o, const char *indent, int max)
{
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach((json_t *)o, k, v)
    {
        char val[400] = "";
        if (n >= max)
            break;
        if (json_is_string(v))
            og_strlcpy(val, json_string_value(v), sizeof(val));
        else if (json_is_integer(v))
            snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(val, sizeof(val), "%g", json_real_value(v));
        else if (json_is_boolean(v))
            og_strlcpy(val, json_is_true(v) ? "yes" : "no", sizeof(val));
        else if (json_is_array(v)) {
            size_t i;
            json_t *x;
            json_array_foreach(v, i, x)
            {
                const char *s = json_string_value(x);
                size_t l = strlen(val);
                if (!s && !json_is_number(x))
                    continue;
                if (s)
                    snprintf(val + l, sizeof(val) - l, "%s%s", l ? ", " : "", s);
                else
                    snprintf(val + l, sizeof(val) - l, "%s%g", l ? ", " : "", json_number_value(x));
            }
        }
        if (!val[0])
            continue;
        say(m, "%s%s: %s\n", indent, k, val);
        n++;
    }
}

static void footer(msg *m)
{
    char t[64];
    say(m, "\n-- \nopsgate event %s %s, %s\n", m->ev->type, m->ev->id,
        or (human_time(m->ev->created_at[0] ? m->ev->created_at : NULL, t, sizeof(t)), "?"));
}

/* ---- gate items ---- */

/* What a gate item is about, in words: "deploy certificate shop.acme.example to target web-1". A
 * "summary" the emitter wrote wins; else the kind's own parameters and recommendation say it. */
static void gate_action(const json_t *p, char *out, size_t size)
{
    const char *kind = or (str(p, "kind"), "an action");
    const json_t *params = json_object_get(p, "params"),
                 *rec = json_object_get(p, "recommendation");
    const char *summary = str(p, "summary");
    char cn[256], names[300];
    if (summary) {
        og_strlcpy(out, summary, size);
    } else if (strcmp(kind, "certs.deploy") == 0) {
        cert_name(rec, cn, sizeof(cn));
        snprintf(out, size, "deploy certificate %s to target %s", cn,
                 or (str(rec, "target"), or (str(params, "target"), "?")));
    } else if (strcmp(kind, "certs.renew") == 0) {
        if (json_array_size(json_object_get(rec, "names"))) {
            join_names(json_object_get(rec, "names"), names, sizeof(names));
            snprintf(out, size, "renew the certificate for %s", names);
        } else {
            snprintf(out, size, "renew the certificate of plan %s",
                     or (str(params, "plan"), or (str(p, "target_id"), "?")));
        }
    } else if (strncmp(kind, "artifacts.publish.", 18) == 0) {
        json_t *v = json_object_get(rec, "version");
        char ver[32] = "";
        if (json_is_integer(v))
            snprintf(ver, sizeof(ver), " version %lld", (long long)json_integer_value(v));
        snprintf(out, size, "publish %s%s in project %s", or (str(rec, "kind"), kind + 18), ver,
                 or (str(rec, "project"), or (str(p, "target_id"), "?")));
    } else if (strcmp(kind, "artifacts.set-state") == 0) {
        snprintf(out, size, "move %s in project %s from %s to %s",
                 or (str(rec, "kind"), "an artifact"), or (str(rec, "project"), "?"),
                 or (str(rec, "from"), or (str(params, "from"), "?")),
                 or (str(rec, "to"), or (str(params, "to"), "?")));
    } else if (strcmp(kind, "artifacts.generate") == 0) {
        snprintf(out, size, "generate a %s (%s) in project %s",
                 or (str(params, "kind"), "document"), or (str(params, "format"), "?"),
                 or (str(p, "project"), or (str(rec, "project"), or (str(p, "target_id"), "?"))));
    } else if (strcmp(kind, "platform.note") == 0 && str(params, "text")) {
        snprintf(out, size, "record a note: \"%.80s\"", str(params, "text"));
    } else if (str(p, "target_type") && str(p, "target_id")) {
        snprintf(out, size, "%s on %s %s", kind, str(p, "target_type"), str(p, "target_id"));
    } else {
        og_strlcpy(out, kind, size);
    }
}

static void render_gate(msg *m)
{
    const json_t *p = m->p;
    const char *type = m->ev->type, *id = or (str(p, "gate_id"), "ID");
    const char *by = str(p, "decided_by"), *decision = str(p, "decision");
    const char *assignee = str(p, "assignee"), *note = str(p, "note");
    const char *outcome = str(p, "outcome");
    const json_t *rec = json_object_get(p, "recommendation");
    char what[400];
    gate_action(p, what, sizeof(what));

    if (strcmp(type, "gate.approval") == 0) {
        subject(m, "approval needed " DASH " %s (requested by %s)", what,
                or (str(p, "requested_by"), "?"));
        say(m, "%s asks to %s. It waits for an approval before it runs.\n\n",
            or (str(p, "requested_by"), "Someone"), what);
    } else if (strcmp(type, "gate.review") == 0) {
        subject(m, "review needed " DASH " %s (done, %s)", what, or (str(p, "level"), "L1"));
        say(m, "opsgate did this at once (level %s): %s. It waits for a review.\n\n",
            or (str(p, "level"), "L1"), what);
    } else if (strcmp(type, "gate.task") == 0) {
        subject(m, "task " DASH " %s", what);
        say(m, "A person is to %s (level %s: opsgate does not do it itself).\n\n", what,
            or (str(p, "level"), "L3"));
    } else if (strcmp(type, "gate.escalated") == 0) {
        subject(m, "escalated to the tenant-admins " DASH " %s", what);
        say(m, "%s escalated the review of: %s.\n\n", or (by, "A reviewer"), what);
    } else {
        const char *d = or (decision, "decided");
        int failed = og_streq(outcome, "failed");
        subject(m, "%s%s%s " DASH " %s", failed && strcmp(d, "failed") ? "approved but FAILED" : d,
                by ? " by " : "", by ? by : "", what);
        say(m, "Decision on: %s\n", what);
        say(m, "Decision:    %s%s%s\n\n", d, by ? " by " : "", by ? by : "");
    }
    client_line(m);
    say(m, "Gate item:   %s (%s, %s)\n", id, or (str(p, "kind"), "?"), or (str(p, "level"), "?"));
    if (str(p, "target_type") && str(p, "target_id"))
        say(m, "About:       %s %s\n", str(p, "target_type"), str(p, "target_id"));
    say(m, "Requested:   by %s\n", or (str(p, "requested_by"), "?"));
    if (assignee)
        say(m, "Assigned to: %s\n", assignee);
    char dl[64];
    if (TIME_OF(m, "deadline", dl))
        say(m, "Deadline:    %s\n", dl);
    if (note)
        say(m, "Note:        %s\n", note);
    /* the inference step's analysis (docs/inference.md): risk, model, what weighed most */
    const json_t *inf = json_object_get(p, "inference"), *raised = json_object_get(inf, "raised");
    if (json_is_object(inf)) {
        if (json_is_number(json_object_get(inf, "score")))
            say(m, "Risk:        %.2f (model %s): %s\n",
                json_number_value(json_object_get(inf, "score")), or (str(inf, "model"), "?"),
                or (str(inf, "explanation"), ""));
        else
            say(m, "Risk:        %s\n", or (str(inf, "explanation"), "no model yet"));
        if (json_is_object(raised))
            say(m, "Level:       raised: %s\n", or (str(raised, "reason"), "?"));
    }
    if (json_is_object(rec) && json_object_size(rec)) {
        say(m, "Recommendation:\n");
        fields(m, rec, "  ", 12);
    }
    const json_t *result = json_object_get(p, "result");
    if (json_is_object(result) && json_object_size(result)) {
        say(m, "Result:\n");
        fields(m, result, "  ", 12);
    }
    say(m, "\n");

    if (strcmp(type, "gate.approval") == 0) {
        say(m,
            "What to do: a tenant-admin or project-manager other than the requester decides:\n"
            "  opsgate gate approve %s --as USER [--note TEXT]\n"
            "  opsgate gate reject %s --as USER --note WHY\n"
            "  or POST /api/v1/gates/%s/approve (or /reject) with an API token.\n"
            "Unapproved, it expires at the deadline and counts as rejected.\n",
            id, id, id);
    } else if (strcmp(type, "gate.review") == 0) {
        say(m,
            "What to do: %s reviews it:\n"
            "  opsgate gate ack %s --as USER          (it was right)\n"
            "  opsgate gate override %s --as USER     (roll it back)\n"
            "  opsgate gate escalate %s --as USER     (hand it to the tenant-admins)\n"
            "  or POST /api/v1/gates/%s/ack (or /override, /escalate) with an API token.\n",
            assignee ? assignee : "a tenant-admin", id, id, id, id);
    } else if (strcmp(type, "gate.task") == 0) {
        say(m,
            "What to do: %s carries it out, then records the outcome:\n"
            "  opsgate gate done %s --as USER [--note TEXT]\n"
            "  opsgate gate failed %s --as USER --note WHY\n"
            "  or POST /api/v1/gates/%s/done (or /failed) with an API token.\n",
            assignee ? assignee : "a tenant-admin", id, id, id);
    } else if (strcmp(type, "gate.escalated") == 0) {
        say(m,
            "What to do: a tenant-admin decides:\n"
            "  opsgate gate ack %s --as USER   or   opsgate gate override %s --as USER\n"
            "  or POST /api/v1/gates/%s/ack (or /override) with an API token.\n",
            id, id, id);
    } else if (og_streq(outcome, "failed") || og_streq(decision, "failed")) {
        say(m,
            "What to do: it failed; see why with `opsgate gate show %s` (or GET "
            "/api/v1/gates/%s), fix the cause and request it again.\n",
            id, id);
    } else if (og_streq(decision, "expired") || og_streq(decision, "rejected")) {
        say(m, "Nothing ran. Request it again if it is still needed.\n");
    } else if (og_streq(decision, "overridden")) {
        say(m, "It was rolled back. No action needed unless it should be requested again.\n");
    } else {
        say(m, "No action needed.\n");
    }
    say(m, "Details: opsgate gate show %s   or   GET /api/v1/gates/%s\n", id, id);
}

/* ---- certificates ---- */

static void cert_lines(msg *m, const char *name)
{
    const json_t *p = m->p, *names = json_object_get(p, "names"), *locs;
    size_t i;
    json_t *x;
    client_line(m);
    say(m, "Certificate: %s\n", name);
    if (json_array_size(names) > 1) {
        char all[600];
        join_names(names, all, sizeof(all));
        say(m, "Names:       %s\n", all);
    }
    if (str(p, "subject"))
        say(m, "Subject:     %s\n", str(p, "subject"));
    if (str(p, "fingerprint"))
        say(m, "Fingerprint: %s (SHA-256)\n", str(p, "fingerprint"));
    locs = json_object_get(p, "locations");
    json_array_foreach(locs, i, x)
    {
        if (i >= 10) {
            say(m, "             (+%zu more places)\n", json_array_size(locs) - 10);
            break;
        }
        const char *sni = str(x, "sni");
        say(m, "%s %s%s%s%s (%s)\n",
            i ? "            " : "Seen at:    ", or (str(x, "location"), "?"), sni ? " (SNI " : "",
            sni ? sni : "", sni ? ")" : "", or (str(x, "kind"), "?"));
    }
}

/* A cloud app's secret or certificate credential (kind app-credential): it reads as the app's
 * credential to rotate in Entra, not as a certificate without a subject. */
static void render_app_expiry(msg *m)
{
    const json_t *p = m->p;
    const char *app = or (str(p, "app_name"), or (str(p, "app_id"), "?")), *cred = str(p, "name");
    const char *what =
        og_streq(str(p, "type"), "certificate") ? "certificate credential" : "client secret";
    const char *id = or (str(p, "id"), "ID"), *obj = or (str(p, "object_type"), "application");
    int expired = strcmp(m->ev->type, "certs.expired") == 0;
    char rel[64], na[64];
    const char *na_s = or (TIME_OF(m, "end", na), "?");
    when(m, "end", "days_left", rel, sizeof(rel));
    subject(m, "%s %s%s%s of app '%s' %s %s " DASH " %s", what, cred ? "'" : "", cred ? cred : "",
            cred ? "'" : "", app, expired ? "EXPIRED" : "expires", rel,
            expired ? "rotate it now" : "rotation needed");
    say(m, "The %s %s%s%sof app '%s' %s %s (%s). What signs in with it %s.\n\n", what,
        cred ? "'" : "", cred ? cred : "", cred ? "' " : "", app, expired ? "expired" : "expires",
        rel, na_s, expired ? "fails now" : "fails from then on");
    client_line(m);
    say(m, "App:         %s (app id %s, %s %s)\n", app, or (str(p, "app_id"), "?"), obj,
        or (str(p, "object_id"), "?"));
    say(m, "Credential:  %s%s%s%s (key id %s%s%s)\n", what, cred ? " '" : "", cred ? cred : "",
        cred ? "'" : "", or (str(p, "key_id"), "?"), str(p, "hint") ? ", hint " : "",
        or (str(p, "hint"), ""));
    say(m, "Expires:     %s\n\n", na_s);
    say(m,
        "What to do: add a new %s to the app in Microsoft Entra (%s,\n"
        "Certificates & secrets), switch what uses this one over to it, then delete this one;\n"
        "the next sync removes it from the inventory.\n",
        what, og_streq(obj, "servicePrincipal") ? "Enterprise applications" : "App registrations");
    say(m, "Details: opsgate cert show --tenant %s %s   or   GET /api/v1/tenants/%s/certs/%s\n",
        m->tenant, id, m->tenant, id);
}

/* An alert by what is wrong (certs.alert): what is wrong, what to do, how to silence it. */
static void render_alert(msg *m)
{
    const json_t *p = m->p;
    const char *sev = or (str(p, "severity"), "warning"), *id = or (str(p, "id"), "ID");
    const char *message = or (str(p, "message"), "a certificate needs attention");
    const char *tag = og_streq(sev, "expired")    ? "EXPIRED"
                      : og_streq(sev, "critical") ? "CRITICAL"
                                                  : "Alert";
    subject(m, "%s: %s", tag, message);
    say(m, "%s\n\n", message);
    client_line(m);
    say(m, "Rule:        %s (%s)\n", or (str(p, "rule"), "?"), sev);
    say(m, "Plan:        %s\nCertificate: %s\n", or (str(p, "plan"), "none"),
        or (str(p, "fingerprint"), "?"));
    if (str(p, "gate_id"))
        say(m, "Task:        gate item %s\n", str(p, "gate_id"));
    say(m, "\nWhat to do: %s\n\n", or (str(p, "action"), "see the alert"));
    say(m,
        "Acknowledge or snooze it: opsgate cert alerts ack --tenant %s %s (or snooze --for 3d);\n"
        "it is raised again when it gets worse.\n",
        m->tenant, id);
}

static void render_expiry(msg *m)
{
    const json_t *p = m->p;
    if (og_streq(str(p, "kind"), "app-credential")) {
        render_app_expiry(m);
        return;
    }
    const char *plan = str(p, "renewal_plan"), *fp = or (str(p, "fingerprint"), "ID");
    int expired = strcmp(m->ev->type, "certs.expired") == 0;
    char name[256], rel[64];
    cert_name(p, name, sizeof(name));
    when(m, "not_after", "days_left", rel, sizeof(rel));
    if (expired)
        subject(m, "%s EXPIRED %s " DASH " %s", name, rel,
                plan ? "renewal scheduled" : "renew and deploy it now");
    else
        subject(m, "%s expires %s " DASH " %s", name, rel,
                plan ? "renewal scheduled" : "renewal needed");
    char na[64];
    const char *na_s = or (TIME_OF(m, "not_after", na), "?");
    if (expired)
        say(m, "The certificate for %s expired %s (%s). Clients connecting to it see errors.\n\n",
            name, rel, na_s);
    else
        say(m, "The certificate for %s expires %s (%s).\n\n", name, rel, na_s);
    cert_lines(m, name);
    say(m, "Expires:     %s\n\n", na_s);
    if (plan)
        say(m,
            "What happens now: opsgate renews it through its renewal plan %s and deploys the\n"
            "new certificate to the plan's targets. No action needed unless a renewal failure\n"
            "follows (see `opsgate cert plans --tenant %s %s`).\n",
            plan, m->tenant, plan);
    else
        say(m,
            "What to do: opsgate has no renewal plan for it. Renew it with its CA and deploy it\n"
            "(`opsgate cert deploy --tenant %s ID --target NAME`) or import it\n"
            "(`opsgate cert import --tenant %s FILE`, or POST /api/v1/tenants/%s/certs/import);\n"
            "or let opsgate manage it from now on with `opsgate cert issue --tenant %s\n"
            "--name %s ...`.\n",
            m->tenant, m->tenant, m->tenant, m->tenant, name);
    say(m,
        "Details: opsgate cert show --tenant %s %.16s   or   GET /api/v1/tenants/%s/certs/%.16s\n",
        m->tenant, fp, m->tenant, fp);
}

static void render_renewed(msg *m)
{
    const json_t *p = m->p, *targets = json_object_get(p, "targets");
    const char *plan = or (str(p, "plan"), "?");
    char name[256], list[300], rel[64];
    if (json_array_size(json_object_get(p, "names")))
        cert_name(p, name, sizeof(name));
    else
        snprintf(name, sizeof(name), "the certificate of plan %s", plan);
    if (json_is_true(json_object_get(p, "override"))) {
        subject(m, "%s: previous certificate restored " DASH " renewal overridden", name);
        say(m,
            "A reviewer overrode the renewal of %s: the previous certificate is current again\n"
            "and targets that got the new one follow back.\n\n",
            name);
    } else {
        when(m, "new_not_after", "", rel, sizeof(rel));
        if (json_array_size(targets)) {
            join_names(targets, list, sizeof(list));
            subject(m, "%s renewed " DASH " deploying to %s", name, list);
        } else {
            subject(m, "%s renewed " DASH " deploying to the targets that serve it", name);
        }
        say(m, "opsgate renewed the certificate for %s; the new one expires %s.\n\n", name, rel);
    }
    cert_lines(m, name);
    if (str(p, "previous_fingerprint"))
        say(m, "Replaces:    %s\n", str(p, "previous_fingerprint"));
    char nna[64], ona[64];
    if (TIME_OF(m, "new_not_after", nna))
        say(m, "Valid until: %s (was %s)\n", nna, or (TIME_OF(m, "old_not_after", ona), "?"));
    say(m, "Renewal plan: %s\n\n", plan);
    say(m, "No action needed: deploy results follow as their own notifications when one fails.\n");
    say(m, "Details: opsgate cert plans --tenant %s %s\n", m->tenant, plan);
}

static void render_renew_failed(msg *m)
{
    const char *plan = or (str(m->p, "plan"), "?");
    char name[256];
    if (json_array_size(json_object_get(m->p, "names")))
        cert_name(m->p, name, sizeof(name));
    else
        snprintf(name, sizeof(name), "plan %s", plan);
    subject(m, "certificate renewal failed for %s " DASH " opsgate retries; check the error", name);
    say(m, "Renewing the certificate of %s failed:\n  %s\n\n", name, or (str(m->p, "error"), "?"));
    client_line(m);
    say(m, "Renewal plan: %s\n\n", plan);
    say(m,
        "What happens now: the current certificate stays in place and opsgate retries (1 hour,\n"
        "doubling to 1 day). What to do: if the error persists, fix its cause (DNS, the CA\n"
        "account, the challenge) and run `opsgate cert renew --tenant %s %s`.\n",
        m->tenant, plan);
    say(m, "Details: opsgate cert plans --tenant %s %s\n", m->tenant, plan);
}

static void render_deploy(msg *m)
{
    const json_t *p = m->p;
    int restored = strcmp(m->ev->type, "certs.deploy.rolled_back") == 0;
    const char *target = or (str(p, "target"), "?"), *fp = or (str(p, "fingerprint"), "ID");
    if (restored)
        subject(m, "deploy to %s failed " DASH " rolled back to the previous certificate", target);
    else
        subject(m, "deploy to %s failed and its rollback FAILED " DASH " act now", target);
    say(m, "Deploying certificate %.16s" ELLIPSIS " to target %s failed verification:\n  %s\n\n",
        fp, target, or (str(p, "error"), "?"));
    say(m, "%s: %s\n\n", restored ? "Rollback" : "Rollback FAILED", or (str(p, "restore"), "?"));
    client_line(m);
    say(m, "Target:      %s\n", target);
    say(m, "Certificate: %s\n", fp);
    if (str(p, "previous_fingerprint"))
        say(m, "Previous:    %s\n", str(p, "previous_fingerprint"));
    if (str(p, "run_id"))
        say(m, "Deploy run:  %s\n", str(p, "run_id"));
    say(m, "\n");
    if (restored)
        say(m,
            "What to do: the previous certificate is served again. Fix the cause above, then\n"
            "deploy again: opsgate cert deploy --tenant %s %.16s --target %s\n",
            m->tenant, fp, target);
    else
        say(m,
            "What to do: the target may serve no valid certificate now. Check it at once,\n"
            "restore a working certificate by hand, then deploy again:\n"
            "  opsgate cert deploy --tenant %s %.16s --target %s\n",
            m->tenant, fp, target);
}

/* Pulled PSA projects (connector module) and the connector's own health. */
static void render_psa(msg *m)
{
    const char *t = m->ev->type, *key = or (str(m->p, "project"), "?");
    const char *conn = or (str(m->p, "connector"), "?"), *err = or (str(m->p, "error"), "?");
    if (strncmp(t, "connector.", 10) == 0) {
        int failing = strcmp(t, "connector.failing") == 0;
        subject(m, "connector %s %s", conn,
                failing ? "is failing " DASH " PSA syncs stopped" : "works again");
        if (failing)
            say(m, "Syncing connector %s (%s) failed:\n  %s\n\n", conn, or (str(m->p, "kind"), "?"),
                err);
        else
            say(m, "Connector %s (%s) synced again.\n\n", conn, or (str(m->p, "kind"), "?"));
        client_line(m);
        if (failing)
            say(m,
                "What to do: check it with `opsgate connector test %s` and its syncs with\n"
                "`opsgate connector show %s`. You hear once more, when it works again.\n",
                conn, conn);
        return;
    }
    if (strcmp(t, "psa.automation.failed") == 0) {
        subject(m, "could not draft the %s of project %s " DASH " data missing",
                or (str(m->p, "kind"), "document"), key);
        say(m, "Drafting the %s of project %s from the PSA failed:\n  %s\n\n",
            or (str(m->p, "kind"), "document"), key, err);
        client_line(m);
        say(m,
            "What to do: give the connector the tenant's defaults it lacks (options.defaults,\n"
            "docs/connectors-sync.md) or fix the PSA project, then generate it by hand:\n"
            "  opsgate generate %s --tenant %s --project %s\n",
            or (str(m->p, "kind"), "sow"), m->tenant, key);
        return;
    }
    const char *what = strcmp(t, "psa.project.created") == 0 ? "is new in the PSA " DASH
                                                               " SOW draft"
                       : strcmp(t, "psa.project.closed") == 0
                           ? "was closed in the PSA " DASH " closure draft"
                           : "changed scope in the PSA " DASH " change order draft";
    subject(m, "project %s %s", key, what);
    say(m, "Connector %s pulled project %s (%s; PSA project %s, company %s).\n\n", conn, key,
        or (str(m->p, "project_name"), "?"), or (str(m->p, "remote_id"), "?"),
        or (str(m->p, "company_name"), "?"));
    client_line(m);
    say(m,
        "opsgate drafts the document from the project's data (artifact project.json version "
        "%lld);\n"
        "review it with `opsgate artifact list --tenant %s --project %s`.\n",
        (long long)json_integer_value(json_object_get(m->p, "data_version")), m->tenant, key);
}

static void render_rmm(msg *m)
{
    int added = strcmp(m->ev->type, "rmm.device.added") == 0;
    const char *dev = or (str(m->p, "device"), or (str(m->p, "remote_id"), "?"));
    subject(m, "device %s %s", dev,
            added ? "discovered " DASH " now a scan target" : "removed " DASH " no longer scanned");
    say(m, "Connector %s (%s) %s device %s (%s, RMM id %s, company %s).\n\n",
        or (str(m->p, "connector"), "?"), or (str(m->p, "kind"), "?"),
        added ? "found" : "no longer lists", dev, or (str(m->p, "device_class"), "?"),
        or (str(m->p, "remote_id"), "?"), or (str(m->p, "company_name"), "?"));
    client_line(m);
    say(m, "%s\nSee `opsgate cert targets --tenant %s`.\n",
        added ? "Schedules with @discovered scan it with its class's ports from their next run."
              : "Its certificates stay in the inventory with their last sighting.",
        m->tenant);
}

static void render_test(msg *m)
{
    subject(m, "test notification " DASH " no action needed");
    say(m, "This is a test notification from opsgate: the channel works.\n\n");
    client_line(m);
    say(m, "\nNo action needed.\n");
}

static void render_generic(msg *m)
{
    subject(m, "event %s", m->ev->type);
    say(m, "opsgate recorded an event of type %s.\n\n", m->ev->type);
    client_line(m);
    fields(m, m->p, "", 20);
    say(m, "\nSee `opsgate events list%s%s` or GET /api/v1/events%s%s.\n",
        m->ev->tenant_id[0] ? " --tenant " : "", m->ev->tenant_id[0] ? m->tenant : "",
        m->ev->tenant_id[0] ? "?tenant=" : "", m->ev->tenant_id[0] ? m->tenant : "");
}

int og_notify_render(const og_event *ev, int64_t now_us, char **subject_out, char **text_out)
{
    msg m;
    int error = -1;
    json_t *clean = NULL;
    const char *type = ev->type;
    *subject_out = *text_out = NULL;
    memset(&m, 0, sizeof(m));
    og_buf_init(&m.subj, 4096);
    og_buf_init(&m.body, 64 * 1024);
    clean = og_notify__clean_json(ev->payload ? ev->payload : NULL, 0);
    if (!json_is_object(clean)) {
        json_decref(clean);
        clean = json_object();
    }
    m.ev = ev;
    m.p = clean;
    m.now_us = now_us;
    if (str(clean, "tenant_name"))
        og_strlcpy(m.tenant, str(clean, "tenant_name"), sizeof(m.tenant));
    else if (ev->tenant_id[0])
        snprintf(m.tenant, sizeof(m.tenant), "tenant %s", ev->tenant_id);
    else
        og_strlcpy(m.tenant, "platform", sizeof(m.tenant));

    if (strncmp(type, "gate.", 5) == 0 && str(clean, "gate_id"))
        render_gate(&m);
    else if (strcmp(type, "certs.expiring") == 0 || strcmp(type, "certs.expired") == 0)
        render_expiry(&m);
    else if (strcmp(type, "certs.alert") == 0)
        render_alert(&m);
    else if (strcmp(type, "certs.renewed") == 0)
        render_renewed(&m);
    else if (strcmp(type, "certs.renew.failed") == 0)
        render_renew_failed(&m);
    else if (strncmp(type, "certs.deploy.", 13) == 0 && str(clean, "target"))
        render_deploy(&m);
    else if (strcmp(type, "notify.test") == 0)
        render_test(&m);
    else if (strncmp(type, "psa.", 4) == 0 || strncmp(type, "connector.", 10) == 0)
        render_psa(&m);
    else if (strncmp(type, "rmm.device.", 11) == 0)
        render_rmm(&m);
    else
        render_generic(&m);
    footer(&m);
    if (!m.subj.data || !m.body.data) {
        error = og_error_set(OG_ERROR, "out of memory rendering event %s", ev->id);
        goto cleanup;
    }
    /* One line, bounded: the subject is an email header and a chat message's first line. */
    for (char *c = m.subj.data; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    if (m.subj.len > SUBJECT_MAX) {
        size_t n = og_notify__utf8_cut(m.subj.data, SUBJECT_MAX - 3);
        m.subj.len = n;
        m.subj.data[n] = '\0';
        og_buf_puts(&m.subj, ELLIPSIS);
    }
    *subject_out = og_buf_detach(&m.subj);
    *text_out = og_buf_detach(&m.body);
    error = 0;
cleanup:
    og_buf_free(&m.subj);
    og_buf_free(&m.body);
    json_decref(clean);
    return error;
}
