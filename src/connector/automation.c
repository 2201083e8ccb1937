/* automation.c - the default automation policies of pulled projects: psa.project.created
 * drafts the SOW, psa.project.scope_changed drafts a change order against the SOW (the
 * baseline), psa.project.closed drafts the closure report. Each goes through docgen's gate
 * (artifacts.generate) with ctx.event_id = the triggering event, once per event (og_event_seen
 * in the generating transaction). Data a document needs and the PSA lacks fails once, recorded
 * (audit connector.automation, failed, and the event psa.automation.failed), not retried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "sync_internal.h"

#define PROJECT_JSON "project.json"
#define TODO         "To be confirmed"

typedef struct job {
    og_ctx *ctx;
    const og_event *ev;
    const char *handler;
    og_doc_kind kind;
    const char *tenant;
    const char *project;
    char date[11]; /* the event's day: documents take no date from the clock */
} job;

typedef int (*build_fn)(job *j, json_t *data);

static const char *pstr(const og_event *ev, const char *name)
{
    return json_string_value(json_object_get(ev->payload, name));
}

static int set_default(json_t *obj, const char *name, json_t *v)
{
    if (!json_object_get(obj, name))
        return json_object_set_new(obj, name, v);
    json_decref(v);
    return 0;
}

static json_t *child(json_t *parent, const char *name)
{
    json_t *o = json_object_get(parent, name);
    if (!json_is_object(o))
        json_object_set_new(parent, name, o = json_object());
    return o;
}

/* The SOW's identity when the tenant's defaults and the PSA give none: SOW-<PROJECT KEY>,
 * dated the day the project was first seen. */
static int document_defaults(job *j, json_t *data)
{
    json_t *doc = child(data, "document");
    char num[96];
    size_t n;
    snprintf(num, sizeof(num), "SOW-%s", j->project);
    n = strlen(num);
    for (size_t i = 0; i < n; i++)
        if (num[i] >= 'a' && num[i] <= 'z')
            num[i] = (char)(num[i] - 'a' + 'A');
    if (!doc || set_default(doc, "number", json_string(num)) < 0 ||
        set_default(doc, "date", json_string(j->date)) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

static int build_sow(job *j, json_t *data)
{
    return document_defaults(j, data);
}

/* The SOW a change order changes: the most recently changed published one, else the most
 * recently changed; "sow.md@3". CO-NNN: one more than the project's highest change order. */
static int change_refs(job *j, char *baseline, size_t size, int *next_co)
{
    json_t *list = NULL;
    const char *pub = NULL, *any = NULL, *pub_at = "", *any_at = "";
    int64_t pub_v = 0, any_v = 0;
    int error;
    *next_co = 1;
    if ((error = og_artifact_list(j->ctx, j->tenant, j->project, 0, &list)) < 0)
        return error;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(a, "name")) ?: "";
        const char *kind = json_string_value(json_object_get(a, "kind")) ?: "";
        const char *at = json_string_value(json_object_get(a, "updated_at")) ?: "";
        int64_t v = json_integer_value(json_object_get(a, "latest"));
        int co;
        if (sscanf(name, "change-order-CO-%d.", &co) == 1 && co >= *next_co)
            *next_co = co + 1;
        if (strcmp(kind, "sow") != 0 || strstr(name, ".data.json"))
            continue;
        if (strcmp(at, any_at) > 0)
            any = name, any_at = at, any_v = v;
        if (og_streq(json_string_value(json_object_get(a, "state")), "published") &&
            strcmp(at, pub_at) > 0)
            pub = name, pub_at = at, pub_v = v;
    }
    if (pub || any)
        snprintf(baseline, size, "%s@%lld", pub ? pub : any, (long long)(pub ? pub_v : any_v));
    else
        error = og_error_set(OG_EINVAL,
                             "project %s has no SOW for a change order to change: generate the "
                             "SOW first (opsgate generate sow --tenant T --project %s)",
                             j->project, j->project);
    json_decref(list);
    return error;
}

static int build_change(job *j, json_t *data)
{
    char baseline[OG_ARTIFACT_NAME_MAX + 32], number[16], initiated[200], reason[400];
    char *desc = NULL;
    int next, error;
    if ((error = document_defaults(j, data)) < 0 ||
        (error = change_refs(j, baseline, sizeof(baseline), &next)) < 0)
        return error;
    snprintf(number, sizeof(number), "CO-%03d", next);
    snprintf(initiated, sizeof(initiated), "%s (PSA, connector %s)", pstr(j->ev, "kind") ?: "PSA",
             pstr(j->ev, "connector") ?: "?");
    snprintf(reason, sizeof(reason),
             "The project's scope changed in the PSA (remote project %.64s), measured against "
             "%.120s.",
             pstr(j->ev, "remote_id") ?: "?", pstr(j->ev, "baseline") ?: "the last snapshot");
    if (!(desc = og_conn__diff_text(json_object_get(j->ev->payload, "changes"))))
        return og_error_set(OG_ERROR, "out of memory");
    json_t *ch = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "number", number, "date",
                           j->date, "revision", "1", "baseline", baseline, "initiated_by",
                           initiated, "reason", reason, "description", desc, "previous");
    free(desc);
    if (!ch || json_object_set_new(data, "change", ch) < 0)
        return og_error_set(OG_ERROR, "out of memory");
    return 0;
}

/* The closure's facts the PSA has (dates, hours booked per task: tasks[].actual_hours), with
 * placeholders a person confirms before publishing (deliverables' and objectives' status);
 * whatever the data's own "closure" (tenant defaults, mapping) says wins. */
static int build_closure(job *j, json_t *data)
{
    json_t *cl = json_object(), *hours = json_object(), *deliv = json_object(),
           *objs = json_array(), *psa = json_object_get(data, "psa"), *given;
    const json_t *ph = json_object_get(data, "phases");
    const char *end = json_string_value(json_object_get(psa, "end"));
    const char *start = json_string_value(json_object_get(psa, "start"));
    const char *name = json_string_value(json_object_get(json_object_get(data, "project"), "name"));
    char syn[600];
    int error = 0;
    if (!cl || !hours || !deliv || !objs) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(ph); i++) {
        const json_t *tasks = json_object_get(json_array_get(ph, i), "tasks");
        for (size_t k = 0; k < json_array_size(tasks); k++) {
            const json_t *t = json_array_get(tasks, k);
            const char *id = json_string_value(json_object_get(t, "id"));
            if (id && json_object_get(t, "actual_hours"))
                json_object_set(hours, id, json_object_get(t, "actual_hours"));
        }
    }
    for (size_t i = 0; i < json_array_size(json_object_get(data, "deliverables")); i++) {
        const char *id = json_string_value(
            json_object_get(json_array_get(json_object_get(data, "deliverables"), i), "id"));
        if (id)
            json_object_set_new(deliv, id, json_pack("{s:s}", "status", TODO));
    }
    for (size_t i = 0; i < json_array_size(json_object_get(data, "objectives")); i++) {
        const char *o = json_string_value(json_array_get(json_object_get(data, "objectives"), i));
        if (o)
            json_array_append_new(objs, json_pack("{s:s, s:s}", "objective", o, "status", TODO));
    }
    snprintf(syn, sizeof(syn),
             "%.200s was closed in the PSA (remote project %.64s). Draft made from the PSA's "
             "records: confirm the statuses marked \"" TODO "\" before publishing.",
             name ? name : j->project, pstr(j->ev, "remote_id") ?: "?");
    json_object_set_new(cl, "date", json_string(j->date));
    json_object_set_new(cl, "synopsis", json_string(syn));
    json_object_set_new(cl, "actual_end", json_string(end && strlen(end) >= 10 ? end : j->date));
    if (start && strlen(start) >= 10)
        json_object_set_new(cl, "actual_start", json_stringn(start, 10));
    if (end && strlen(end) >= 10)
        json_object_set_new(cl, "actual_end", json_stringn(end, 10));
    json_object_set(cl, "actual_hours", hours);
    json_object_set(cl, "deliverables", deliv);
    json_object_set(cl, "objectives", objs);
    if (json_is_object(given = json_object_get(data, "closure")))
        error = og_conn__merge(cl, given);
    if (error == 0 && json_object_set(data, "closure", cl) < 0)
        error = og_error_set(OG_ERROR, "out of memory");
    if (error == 0)
        error = document_defaults(j, data);
cleanup:
    json_decref(cl);
    json_decref(hours);
    json_decref(deliv);
    json_decref(objs);
    return error;
}

/* A failure that another delivery would not cure (missing data, a refusal): recorded once. */
static bool permanent(int code)
{
    return code == OG_EINVAL || code == OG_ENOTFOUND || code == OG_ECONFLICT ||
           code == OG_ETOOBIG || code == OG_EDENIED;
}

static int record_failure(job *j, int code, const char *msg)
{
    json_t *p = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s}", "project", j->project, "kind",
                          og_doc_kind_name(j->kind), "connector", pstr(j->ev, "connector"),
                          "remote_id", pstr(j->ev, "remote_id"), "event", j->ev->type, "event_id",
                          j->ev->id, "error", msg);
    int error, seen;
    og_audit_rec rec = {.tenant_id = j->ev->tenant_id,
                        .area = "connector",
                        .action = "connector.automation",
                        .target_type = "project",
                        .target_id = pstr(j->ev, "project"),
                        .analysis = p,
                        .failed = 1,
                        .detail = msg};
    (void)code;
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_tx_begin(j->ctx->store)) == 0) {
        if ((seen = og_event_seen(j->ctx, j->handler, j->ev->id)) < 0)
            error = seen;
        else if (!seen && (error = og_audit_append(j->ctx, &rec, NULL)) == 0)
            error = og_event_emit(j->ctx, j->ev->tenant_id, "psa.automation.failed", p, NULL);
        error = og_store_tx_end(j->ctx->store, error);
    }
    json_decref(p);
    return error;
}

/* Generate one document for the event, in one transaction with the handler's mark. */
static int generate(job *j, build_fn build)
{
    json_int_t version = json_integer_value(json_object_get(j->ev->payload, "data_version"));
    json_t *data = NULL, *prov = NULL;
    og_buf out;
    int error, seen;
    og_buf_init(&out, OG_BUF_DEFAULT_CAP);
    if ((error = og_store_tx_begin(j->ctx->store)) < 0)
        return error;
    if ((seen = og_event_seen(j->ctx, j->handler, j->ev->id)) != 0) {
        error = seen < 0 ? seen : 0; /* a redelivery: done already */
        goto end;
    }
    if ((error = og_conn__read_json(j->ctx, j->tenant, j->project, PROJECT_JSON, version, &data)) <
            0 ||
        (error = build(j, data)) < 0)
        goto end;
    og_docgen_request req = {.tenant = j->tenant,
                             .project = j->project,
                             .kind = j->kind,
                             .format = OG_DOC_MD,
                             .data = data};
    error = og_docgen_generate_store(j->ctx, &req, &out, &prov);
    if (error == OG_EPENDING) /* held for approval: the gate has it */
        error = 0;
end:
    error = og_store_tx_end(j->ctx->store, error);
    json_decref(data);
    json_decref(prov);
    og_buf_free(&out);
    return error;
}

static int automate(og_ctx *ectx, const og_event *ev, const char *handler, og_doc_kind kind,
                    build_fn build)
{
    og_ctx ctx = *ectx;
    job j = {&ctx, ev, handler, kind, ev->tenant_id, pstr(ev, "project"), ""};
    char msg[1024];
    int error;
    if (!ev->tenant_id[0] || !j.project)
        return 0; /* not a tenant's project: nothing to generate */
    og_strlcpy(ctx.event_id, ev->id, sizeof(ctx.event_id));
    og_actor_system(&ctx.actor, "automation");
    snprintf(j.date, sizeof(j.date), "%.10s", ev->created_at);
    if ((error = generate(&j, build)) >= 0 || !permanent(error))
        return error < 0 ? error : 0; /* done, or retried by the bus (then dead-lettered) */
    snprintf(msg, sizeof(msg), "%s of project %s (event %s %s): %s", og_doc_kind_name(kind),
             j.project, ev->type, ev->id, og_error_last());
    fprintf(stderr, "opsgate: connector automation: %s\n", msg);
    og_error_clear();
    return record_failure(&j, error, msg);
}

static int on_created(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)arg;
    return automate(ctx, ev, "connector-sow", OG_DOC_SOW, build_sow);
}

static int on_scope(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)arg;
    return automate(ctx, ev, "connector-change-order", OG_DOC_CHANGE_ORDER, build_change);
}

static int on_closed(og_ctx *ctx, const og_event *ev, void *arg)
{
    (void)arg;
    return automate(ctx, ev, "connector-closure", OG_DOC_CLOSURE, build_closure);
}

/* Idempotent (a handler already subscribed is fine); no once-flag, so a test that cleared the
 * subscriptions can register again. */
int og_connector__automation_register(void)
{
    static const struct {
        const char *name, *type;
        og_event_handler_fn fn;
    } h[] = {
        {"connector-sow", "psa.project.created", on_created},
        {"connector-change-order", "psa.project.scope_changed", on_scope},
        {"connector-closure", "psa.project.closed", on_closed},
    };
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        int rc = og_events_subscribe(h[i].name, h[i].type, h[i].fn, NULL);
        if (rc < 0 && rc != OG_EEXISTS)
            return og_error_wrap("subscribing %s to %s", h[i].name, h[i].type);
    }
    og_error_clear();
    return 0;
}
