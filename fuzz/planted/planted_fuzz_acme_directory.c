/* planted/planted_fuzz_acme_directory.c - a test of the fuzz test: the directory check as it was
 * inline in og_acme__client_open before acme_objects.c, which took any string as an endpoint
 * ("javascript:...", a URL with CR LF in it). Linked in front of the library, it replaces the real
 * function; fuzz_acme_directory_planted must then fail, which shows that the target's URL oracle
 * and its seeds catch that kind of bug. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <jansson.h>

int og_acme__directory_parse(const char *json, size_t len, const char *what, json_t **out)
{
    static const char *const names[] = {"newNonce",  "newAccount", "newOrder",
                                        "keyChange", "revokeCert", "renewalInfo"};
    json_error_t je;
    json_t *dir = json_loadb(json ? json : "", json ? len : 0, 0, &je);
    *out = NULL;
    if (!json_is_object(dir) || !json_is_string(json_object_get(dir, "newNonce")) ||
        !json_is_string(json_object_get(dir, "newAccount")) ||
        !json_is_string(json_object_get(dir, "newOrder"))) {
        json_decref(dir);
        return og_error_set(
            OG_ERROR, "%s is not an ACME directory (no newNonce, newAccount, newOrder)", what);
    }
    *out = json_object();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (json_is_string(json_object_get(dir, names[i])))
            json_object_set(*out, names[i], json_object_get(dir, names[i]));
    json_decref(dir);
    return 0;
}
