/* kinds.c - the process-wide registry of action kinds (the gate's own: gate.policy.lower). */
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
