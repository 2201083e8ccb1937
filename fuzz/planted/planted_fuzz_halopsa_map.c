/* planted/planted_fuzz_halopsa_map.c - a test of the fuzz test: a Halo record id check that
 * forgets the empty string (a record with "id": "" mapped as project "" and task "task-").
 * Linked in front of the library, it replaces og_halo_id_text; fuzz_halopsa_map_planted must
 * then fail, which shows that the target's id oracle and its seeds catch that kind of bug. */
#include "connector/vendor_halopsa.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

int og_halo_id_text(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    }
    const char *s = json_string_value(v);
    if (s && strlen(s) < size && strspn(s, "0123456789") == strlen(s)) {
        og_strlcpy(out, s, size);
        return 0;
    }
    return OG_EINVAL;
}
