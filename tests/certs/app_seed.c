/* app_seed.c - a test-only stand-in for the msgraph connector: syncs the app credentials of a
 * JSON file into a tenant's inventory through og_certs_app_credentials_sync, as the local
 * operator, so the CLI and HTTP tests can see them (tests/integration/test_certs_app_cli.sh).
 *
 * Usage: og_app_seed DATA TENANT SOURCE CREDS.json
 *   DATA: a data folder or a PostgreSQL URL; the key folder is $OPSGATE_KEYS when set (required
 *   for a URL), else the data folder.
 *   CREDS.json: an array of {key_id, object_id, object_type, app_id, app_name, type, name, hint,
 *   thumbprint, start, end} (Unix seconds; start absent: unknown).
 * Prints the sync's changes as JSON; exit 0, or 1 with the error on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/app.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

static const char *s(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int main(int argc, char **argv)
{
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    json_error_t jerr;
    json_t *arr = NULL, *changes = NULL, *o;
    og_certs_app_credential *c = NULL;
    size_t i, n;
    int rc = 1;
    if (argc != 5) {
        fprintf(stderr, "usage: og_app_seed DATA TENANT SOURCE CREDS.json\n");
        return 2;
    }
    if (!(arr = json_load_file(argv[4], 0, &jerr)) || !json_is_array(arr)) {
        fprintf(stderr, "og_app_seed: %s: %s\n", argv[4], arr ? "not an array" : jerr.text);
        goto cleanup;
    }
    n = json_array_size(arr);
    c = calloc(n ? n : 1, sizeof(*c));
    json_array_foreach(arr, i, o)
    {
        json_t *sd = json_object_get(o, "start");
        c[i] = (og_certs_app_credential){s(o, "key_id"),
                                         s(o, "object_id"),
                                         s(o, "object_type"),
                                         s(o, "app_id"),
                                         s(o, "app_name"),
                                         s(o, "type"),
                                         s(o, "name"),
                                         s(o, "hint"),
                                         s(o, "thumbprint"),
                                         sd ? (int64_t)json_integer_value(sd) * 1000000 : 0,
                                         (int64_t)json_integer_value(json_object_get(o, "end")) *
                                             1000000};
    }
    memset(&ctx, 0, sizeof(ctx));
    og_install_where where = {argv[1], getenv("OPSGATE_KEYS"), NULL};
    if (og_app_register_all() < 0 || og_install_open_at(&where, &store, &keys) < 0) {
        fprintf(stderr, "og_app_seed: %s\n", og_error_last());
        goto cleanup;
    }
    ctx.store = store, ctx.keys = keys, ctx.data_dir = argv[1];
    og_actor_local(&ctx.actor);
    if (og_certs_app_credentials_sync(&ctx, argv[2], argv[3], c, n, &changes) < 0) {
        fprintf(stderr, "og_app_seed: %s\n", og_error_last());
        goto cleanup;
    }
    char *text = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
    rc = 0;
cleanup:
    json_decref(arr);
    json_decref(changes);
    free(c);
    og_store_close(store);
    og_keyring_free(keys);
    return rc;
}
