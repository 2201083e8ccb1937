/* vendor_msgraph_map.c - Microsoft Graph records to what opsgate keeps: the passwordCredentials
 * and keyCredentials of applications and service principals to app credentials, Intune
 * managedDevices to devices. No network; fuzz/connector/fuzz_msgraph_map.c drives it.
 * docs/connectors/msgraph.md has the field-by-field table. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "vendor_msgraph.h"
#include "vendor_rmm.h"

#define THUMB_MAX 64   /* bytes of a customKeyIdentifier kept (a SHA-1 thumbprint is 20) */
#define NAME_MAX_ 1024 /* bytes of a name the inventory keeps (og_certs_app_credentials_sync) */
#define HINT_MAX  8    /* a longer "hint" would be more of the secret than a hint */

int og_msgraph_is_guid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A Graph date-time to microseconds; 0 when absent or not a time. */
static int64_t when(const json_t *o, const char *key)
{
    int64_t us = 0;
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || og_time_parse(s, &us) < 0) {
        og_error_clear();
        return 0;
    }
    return us;
}

/* customKeyIdentifier (base64 of the certificate's thumbprint) as lower-case hex, "" when it is
 * absent or not base64 of at most THUMB_MAX bytes. */
static void thumbprint(const json_t *k, char out[2 * THUMB_MAX + 1])
{
    const char *b64 = json_string_value(json_object_get(k, "customKeyIdentifier"));
    uint8_t *raw = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (!b64 || !*b64 || strlen(b64) > 4 * THUMB_MAX)
        return;
    if (og_base64_decode(b64, &raw, &n) < 0) {
        og_error_clear();
        return;
    }
    if (n > 0 && n <= THUMB_MAX)
        og_hex_encode(raw, n, out);
    free(raw);
}

/* s cut to at most NAME_MAX_ bytes, on a UTF-8 character boundary. */
static const char *cut(const char *s, char out[NAME_MAX_ + 1])
{
    size_t n = strlen(s);
    if (n <= NAME_MAX_)
        return s;
    n = NAME_MAX_;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--; /* s[n] continues a character: cut before the character */
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static int each_cred(const json_t *obj, const char *list, const char *object_type,
                     const char *company_id, og_conn_app_cred_fn fn, void *arg)
{
    const json_t *k;
    size_t i;
    int error = 0, keys = strcmp(list, "keyCredentials") == 0;
    json_array_foreach(json_object_get(obj, list), i, k)
    {
        char thumb[2 * THUMB_MAX + 1] = "", app_name[NAME_MAX_ + 1], name[NAME_MAX_ + 1];
        int64_t end = when(k, "endDateTime"), start = when(k, "startDateTime");
        const char *hint = keys ? "" : str(k, "hint");
        const char *key_id = str(k, "keyId");
        if (!json_is_object(k) || end <= 0)
            continue; /* no end date: it never expires, nothing to watch */
        if (keys)
            thumbprint(k, thumb);
        og_conn_app_cred a = {
            .company_id = company_id,
            .cred =
                {
                    .key_id = og_msgraph_is_guid(key_id) ? key_id : "",
                    .object_id = str(obj, "id"),
                    .object_type = object_type,
                    .app_id = str(obj, "appId"),
                    .app_name = cut(str(obj, "displayName"), app_name),
                    /* a keyCredential of type Symmetric is a shared secret, not a certificate */
                    .type = !keys || strcasecmp(str(k, "type"), "Symmetric") == 0 ? "secret"
                                                                                  : "certificate",
                    .name = cut(str(k, "displayName"), name),
                    .hint = strlen(hint) <= HINT_MAX ? hint : "",
                    .thumbprint = thumb,
                    .start_us = start <= end ? start : 0,
                    .end_us = end,
                },
        };
        if ((error = fn(arg, &a)) < 0)
            break;
    }
    return error;
}

int og_msgraph_map_object(const json_t *obj, const char *object_type, const char *company_id,
                          og_conn_app_cred_fn fn, void *arg)
{
    int error;
    if (!json_is_object(obj) || !*str(obj, "id"))
        return 0;
    if ((error = each_cred(obj, "passwordCredentials", object_type, company_id, fn, arg)) < 0)
        return error;
    return each_cred(obj, "keyCredentials", object_type, company_id, fn, arg);
}

const char *og_msgraph_device_class(const char *os)
{
    static const char *const works[] = {"windows", "macos", "mac os", "linux", "chromeos", NULL};
    if (!os || !*os)
        return "other";
    if (strcasestr(os, "server"))
        return "server";
    for (int i = 0; works[i]; i++)
        if (strncasecmp(os, works[i], strlen(works[i])) == 0)
            return "workstation";
    return "other";
}

/* Intune's complianceState is one of a few camelCase words: anything else is not kept. */
static int compliance_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

int og_msgraph_map_device(const json_t *d, const char *company_id, og_conn_device_fn fn, void *arg)
{
    char updated[OG_TIME_LEN] = "";
    const char *name = str(d, "deviceName");
    int64_t at;
    if (!json_is_object(d) || !*str(d, "id"))
        return 0;
    if ((at = when(d, "lastSyncDateTime")) > 0)
        og_time_format(at, updated);
    og_conn_device dev = {
        .remote_id = str(d, "id"),
        .company_id = company_id,
        .name = og_rmm_name_ok(name) ? name : "",
        .device_class =
            og_msgraph_device_class(json_string_value(json_object_get(d, "operatingSystem"))),
        .addresses = NULL,
        .naddresses = 0,
        .updated_at = updated,
        .compliance = compliance_ok(str(d, "complianceState")) ? str(d, "complianceState") : "",
        .raw = d,
    };
    return fn(arg, &dev);
}
