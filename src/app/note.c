/* note.c - platform.note, the demo action kind: a real, observable, reversible action for
 * trying out the gates. It owns no table: the note is the gate item's result ({"note_id",
 * "text"}), and an override (its rollback) leaves the item overridden, which `gate show` reads
 * as the note rolled back. */
#include "app/app_internal.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"

#include <stdio.h>
#include <string.h>

#define NOTE_TEXT_MAX 4096

static int note_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    char id[OG_ID_LEN];
    const char *text = json_string_value(json_object_get(params, "text"));
    (void)ctx, (void)tenant_id, (void)staged;
    if (!text || !*text || strlen(text) > NOTE_TEXT_MAX)
        return og_error_set(OG_EINVAL, "platform.note needs params {\"text\": \"...\"} "
                                       "(1 to 4096 characters)");
    og_id_new(id);
    *result = json_pack("{s:s, s:s}", "note_id", id, "text", text);
    return *result ? 0 : og_error_set(OG_ERROR, "out of memory");
}

/* Nothing outside the item to undo: the override itself marks the note rolled back. */
static int note_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    (void)ctx, (void)tenant_id, (void)params;
    if (!json_is_string(json_object_get(result, "note_id")))
        return og_error_set(OG_EINVAL, "platform.note rollback: the result names no note");
    return 0;
}

static bool note_subject(json_t *params, char *out, size_t size)
{
    const char *text = json_string_value(json_object_get(params, "text"));
    if (!text)
        return false;
    snprintf(out, size, "note \"%s\"", text);
    return true;
}

/* `gate show`: whether the note stands ("active") or an override rolled it back. */
static void note_show(json_t *doc)
{
    const char *outcome = json_string_value(json_object_get(doc, "outcome"));
    if (!json_is_string(json_object_get(json_object_get(doc, "result"), "note_id")))
        return;
    json_object_set_new(
        doc, "note_state",
        json_string(outcome && strcmp(outcome, "overridden") == 0 ? "rolled_back" : "active"));
}

static const og_action_kind note_kind = {
    .name = "platform.note",
    .area = "platform",
    .default_level = OG_GATE_L0,
    .description = "write a note into the tenant's record (reversible: rollback marks it rolled "
                   "back); a real action for trying out the gates",
    .execute = note_execute,
    .rollback = note_rollback,
    .requestable = 1, /* a note changes nothing else: anyone who may write may ask for one */
    .subject = note_subject,
    .show = note_show,
};

int og_app__note_register(void)
{
    int rc = og_gate_kind_register(&note_kind);
    if (rc == OG_EEXISTS) {
        og_error_clear();
        return 0;
    }
    return rc;
}
