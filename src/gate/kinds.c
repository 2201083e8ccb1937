/* kinds.c - the process-wide registry of action kinds, and the built-in platform.note kind. */
#include "gate/gate_internal.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_KINDS 128

static pthread_mutex_t kinds_mu = PTHREAD_MUTEX_INITIALIZER;
static const og_action_kind *kinds[MAX_KINDS];
static size_t nkinds;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static const char *const level_names[] = {"L0", "L1", "L2", "L3"};

const char *og_gate_level_name(og_gate_level l)
{
    return (unsigned)l < 4 ? level_names[l] : "L?";
}

int og_gate_level_parse(const char *s, og_gate_level *out)
{
    if (s && (s[0] == 'L' || s[0] == 'l') && s[1] >= '0' && s[1] <= '3' && !s[2]) {
        *out = (og_gate_level)(s[1] - '0');
        return 0;
    }
    if (s && s[0] >= '0' && s[0] <= '3' && !s[1]) {
        *out = (og_gate_level)(s[0] - '0');
        return 0;
    }
    return og_error_set(OG_EINVAL, "bad gate level '%s' (L0, L1, L2 or L3)", s ? s : "");
}

/* ---- platform.note: a real, observable, reversible action for tests and demos ----
 * execute writes a note row of the tenant (params {"text": "..."}); rollback marks it rolled back.
 * Both are idempotent: rolling back twice or a note that is gone changes nothing. */

static int note_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                        const og_gate_staged *staged, json_t **result)
{
    (void)staged;
    og_stmt *st = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN];
    const char *text = json_string_value(json_object_get(params, "text"));
    int error;
    if (!text || !*text || strlen(text) > 4096)
        return og_error_set(OG_EINVAL, "platform.note needs params {\"text\": \"...\"} "
                                       "(1 to 4096 characters)");
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO gate_notes (id, tenant_id, text, state, created_at)"
                                 " VALUES (?, ?, ?, 'active', ?)")) < 0)
        return error;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, tenant_id);
    og_stmt_bind_text(st, 3, text);
    og_stmt_bind_text(st, 4, now);
    error = og_stmt_step(st);
    og_stmt_free(st);
    if (error < 0)
        return error;
    *result = json_pack("{s:s}", "note_id", id);
    return 0;
}

static int note_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    const char *id = json_string_value(json_object_get(result, "note_id"));
    int error;
    (void)params;
    if (!id)
        return og_error_set(OG_EINVAL, "platform.note rollback: the result names no note");
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE gate_notes SET state = 'rolled_back', rolled_back_at = ?"
                                 " WHERE id = ? AND tenant_id = ? AND state = 'active'")) < 0)
        return error;
    og_stmt_bind_text(st, 1, now);
    og_stmt_bind_text(st, 2, id);
    og_stmt_bind_text(st, 3, tenant_id);
    error = og_stmt_step(st);
    og_stmt_free(st);
    return error < 0 ? error : 0;
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
};

int og_gate__note_subject(const og_action_kind *k, json_t *params, char *out, size_t size)
{
    const char *text = json_string_value(json_object_get(params, "text"));
    if (k != &note_kind || !text)
        return 0;
    snprintf(out, size, "note \"%s\"", text);
    return 1;
}

int og_gate__note_state(og_store *s, const char *note_id, char state[16])
{
    og_stmt *st = NULL;
    int error;
    if ((error = og_stmt_prepare(&st, s, "SELECT state FROM gate_notes WHERE id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, note_id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        og_strlcpy(state, og_stmt_col_text(st, 0), 16);
        error = 0;
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "note '%s' not found", note_id);
    }
    og_stmt_free(st);
    return error;
}

/* ---- registry ---- */

static int kind_register_locked(const og_action_kind *kind)
{
    for (size_t i = 0; i < nkinds; i++) {
        if (strcmp(kinds[i]->name, kind->name) == 0)
            return og_error_set(OG_EEXISTS, "action kind '%s' is already registered", kind->name);
    }
    if (nkinds == MAX_KINDS)
        return og_error_set(OG_ETOOBIG, "too many action kinds (at most %d)", MAX_KINDS);
    kinds[nkinds++] = kind;
    return 0;
}

static void register_builtins(void)
{
    pthread_mutex_lock(&kinds_mu);
    (void)kind_register_locked(&note_kind);
    (void)kind_register_locked(&og_gate__policy_lower_kind);
    pthread_mutex_unlock(&kinds_mu);
}

int og_gate_kind_register(const og_action_kind *kind)
{
    int error;
    pthread_once(&builtin_once, register_builtins);
    if (!kind || !kind->name || !*kind->name || strlen(kind->name) > 63 || !kind->area ||
        !*kind->area || !kind->execute)
        return og_error_set(OG_EINVAL,
                            "action kind '%s': needs a name (1 to 63 characters), an "
                            "area and an execute function",
                            kind && kind->name ? kind->name : "");
    if ((unsigned)kind->default_level > OG_GATE_L3)
        return og_error_set(OG_EINVAL, "action kind '%s': bad default level %d", kind->name,
                            (int)kind->default_level);
    pthread_mutex_lock(&kinds_mu);
    error = kind_register_locked(kind);
    pthread_mutex_unlock(&kinds_mu);
    return error;
}

const og_action_kind *og_gate_kind_find(const char *name)
{
    const og_action_kind *k = NULL;
    pthread_once(&builtin_once, register_builtins);
    if (!name)
        return NULL;
    pthread_mutex_lock(&kinds_mu);
    for (size_t i = 0; i < nkinds && !k; i++) {
        if (strcmp(kinds[i]->name, name) == 0)
            k = kinds[i];
    }
    pthread_mutex_unlock(&kinds_mu);
    return k;
}

int og_gate__kind_lookup(const char *name, const og_action_kind **out)
{
    *out = og_gate_kind_find(name);
    if (!*out) {
        og_error_set(OG_EINVAL, "unknown action kind '%s'", name ? name : "");
        return og_error_set_detail(OG_GATE_DETAIL_UNKNOWN_KIND);
    }
    return 0;
}

json_t *og_gate_kinds_json(void)
{
    json_t *arr = json_array();
    pthread_once(&builtin_once, register_builtins);
    pthread_mutex_lock(&kinds_mu);
    for (size_t i = 0; i < nkinds; i++) {
        const og_action_kind *k = kinds[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s?, s:s?}", "name", k->name, "area",
                           k->area, "default_level", og_gate_level_name(k->default_level),
                           "description", k->description ? k->description : "", "reversible",
                           k->rollback != NULL, "requestable", k->requestable != 0, "command",
                           k->requestable ? NULL : k->command, "route",
                           k->requestable ? NULL : k->route));
    }
    pthread_mutex_unlock(&kinds_mu);
    return arr;
}
