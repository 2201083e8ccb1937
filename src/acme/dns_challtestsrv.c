/* dns_challtestsrv.c - dns-01 providers by name; "challtestsrv" drives the management API of
 * pebble-challtestsrv (POST /set-txt and /clear-txt); "rfc2136" is in dns_rfc2136.c. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

/* config is the management URL, e.g. "http://127.0.0.1:8055" */
static int mgmt_post(const char *config, const char *path, json_t *body)
{
    char url[1024];
    char *text = NULL;
    int error;
    if (!config || (strncmp(config, "http://", 7) != 0 && strncmp(config, "https://", 8) != 0))
        return og_acme__bad_setting("dns-config",
                                    "bad challtestsrv configuration '%s' (its management URL, "
                                    "http://host:port)",
                                    config ? config : "");
    size_t n = strlen(config);
    if (n + strlen(path) >= sizeof(url))
        return og_acme__bad_setting("dns-config", "challtestsrv configuration '%s' is too long",
                                    config);
    memcpy(url, config, n + 1);
    if (n && url[n - 1] == '/')
        url[n - 1] = '\0';
    strcat(url, path);
    if (!body || !(text = json_dumps(body, JSON_COMPACT)))
        return og_error_set(OG_ERROR, "out of memory");
    error = og_acme__http_post_json(url, text);
    free(text);
    return error;
}

static int cts_present(const char *config, const char *fqdn, const char *value)
{
    json_t *b = json_pack("{s:s, s:s}", "host", fqdn, "value", value);
    int error = mgmt_post(config, "/set-txt", b);
    json_decref(b);
    return error < 0 ? og_error_wrap("setting the TXT record of %s", fqdn) : 0;
}

static int cts_cleanup(const char *config, const char *fqdn, const char *value)
{
    (void)value;
    json_t *b = json_pack("{s:s}", "host", fqdn);
    int error = mgmt_post(config, "/clear-txt", b);
    json_decref(b);
    return error;
}

static int cts_check(const char *config)
{
    if (!config || (strncmp(config, "http://", 7) != 0 && strncmp(config, "https://", 8) != 0))
        return og_acme__bad_setting("dns-config",
                                    "bad challtestsrv configuration '%s' (its management URL, "
                                    "http://host:port)",
                                    config ? config : "");
    return 0;
}

static const og_acme_dns_provider challtestsrv = {"challtestsrv", cts_present, cts_cleanup,
                                                  cts_check};
static const og_acme_dns_provider *const providers[] = {&challtestsrv, &og_acme__rfc2136_provider};

const og_acme_dns_provider *og_acme__dns_provider_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(providers) / sizeof(providers[0]); i++)
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i];
    return NULL;
}
