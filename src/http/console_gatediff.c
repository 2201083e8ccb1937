/* console_gatediff.c - what a gate item about an artifact changes, shown inside the item so that
 * the approver sees what they approve: the version the item moves (an L2 publish, any lifecycle
 * move) against the version last published, else the one before it, side by side through the
 * diff page's own rendering (og_http__console_diff_into, the diff_table partial). Read as the
 * signed-in actor with the library's calls (og_artifact_published_version, og_artifact_show,
 * og_artifact_diff): what the actor may not read is not shown. */
#include "http/console.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"

#include <stdio.h>
#include <string.h>

#define PUBLISH_KIND "artifacts.publish."

/* The diff of the item's artifact into diff (an object); OG_ENOTFOUND when the artifact is gone
 * (or is another one of the same name now). */
static int item_diff(og_http_req *r, const json_t *doc, json_t *diff)
{
    const char *tenant = json_string_value(json_object_get(doc, "tenant_name"));
    const char *tid = json_string_value(json_object_get(doc, "target_id"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    og_artifact_ref ref = {tenant, json_string_value(json_object_get(doc, "project")),
                           json_string_value(json_object_get(doc, "object_name"))};
    json_t *art = NULL;
    int error;
    int64_t to =
        json_integer_value(json_object_get(json_object_get(doc, "recommendation"), "version"));
    if (!ref.project || !ref.name || !tid || to <= 0)
        return og_error_set(OG_ENOTFOUND, "the item does not name an artifact version");
    if ((error = og_artifact_show(&r->ctx, &ref, &art)) < 0)
        return error;
    const char *id = json_string_value(json_object_get(art, "id"));
    int same = id && strcmp(id, tid) == 0;
    json_decref(art);
    if (!same)
        return og_error_set(OG_ENOTFOUND,
                            "artifact '%s' is not the one this item is about: it "
                            "was deleted since",
                            ref.name);
    int64_t from = 0;
    if (og_artifact_published_version(&r->ctx, &ref, to, &from) < 0) {
        og_error_clear();
        from = 0;
    }
    json_object_set_new(diff, "against_published", json_boolean(from > 0));
    json_object_set_new(
        diff, "publishes",
        json_boolean(kind && strncmp(kind, PUBLISH_KIND, strlen(PUBLISH_KIND)) == 0));
    json_object_set_new(diff, "name", json_string(ref.name));
    if (!from && to == 1) {
        json_object_set_new(diff, "first", json_true());
        json_object_set_new(diff, "to", json_integer(to));
        json_object_set_new(
            diff, "content_href",
            og_http__console_arthref(ref.tenant, ref.project, ref.name, "/content?version=1"));
        return 0;
    }
    if (!from)
        from = to - 1;
    if ((error = og_http__console_diff_into(r, &ref, from, to, OG_CONSOLE_DIFF_ROWS, diff)) < 0)
        return error;
    char q[96];
    snprintf(q, sizeof(q), "/diff?from=%lld&to=%lld", (long long)from, (long long)to);
    json_object_set_new(diff, "page_href",
                        og_http__console_arthref(ref.tenant, ref.project, ref.name, q));
    return 0;
}

void og_http__console_gate_diff(og_http_req *r, json_t *doc)
{
    const char *tt = json_string_value(json_object_get(doc, "target_type"));
    if (!tt || strcmp(tt, "artifact") != 0)
        return;
    json_t *diff = json_object();
    if (item_diff(r, doc, diff) < 0) {
        json_decref(diff);
        json_object_set_new(doc, "diff_error", json_string(og_error_last()));
        og_error_clear();
        return;
    }
    json_object_set_new(doc, "diff", diff);
}
