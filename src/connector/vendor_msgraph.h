/* vendor_msgraph.h - what the Microsoft Graph adaptor's files share (adaptor-private): the
 * mapping of Graph records to app credentials and devices (vendor_msgraph_map.c, no network, the
 * fuzz target's subject) and the client assertion of the certificate credential
 * (vendor_msgraph_jwt.c). */
#ifndef OPSGATE_CONNECTOR_VENDOR_MSGRAPH_H
#define OPSGATE_CONNECTOR_VENDOR_MSGRAPH_H

#include <stdint.h>

#include "connector_internal.h"

/*
 * Every passwordCredential and keyCredential of one application or servicePrincipal record
 * (object_type "application" | "servicePrincipal") to fn, as og_conn_app_cred of company_id.
 * A credential without an endDateTime is skipped (it never expires: nothing to watch); one whose
 * keyId is missing or not a GUID is passed with key_id "" (the sync fails on it, loudly). A
 * record that is not an object, or has no id, passes nothing. secretText is never read.
 * Returns fn's error, else 0.
 */
int og_msgraph_map_object(const json_t *obj, const char *object_type, const char *company_id,
                          og_conn_app_cred_fn fn, void *arg);

/* One Intune managedDevice record to fn as og_conn_device of company_id: name from deviceName
 * (when it is a host name), device_class from operatingSystem (og_msgraph_device_class), no
 * addresses (Graph lists none), updated_at from lastSyncDateTime. A record without an id passes
 * nothing. Returns fn's error, else 0. */
int og_msgraph_map_device(const json_t *d, const char *company_id, og_conn_device_fn fn, void *arg);

/* operatingSystem -> "server" (any OS whose name says Server), "workstation" (Windows, macOS,
 * Linux, ChromeOS), "other" (iOS, iPadOS, Android, anything else, none). */
const char *og_msgraph_device_class(const char *os);

/* s is a GUID in text form (8-4-4-4-12 hex digits). */
int og_msgraph_is_guid(const char *s);

/*
 * The client assertion of Microsoft's client-credentials-with-certificate flow: a JWT signed
 * with key_pem (an RSA key, PEM, unencrypted) as RS256 (the crypto module signs PKCS#1 v1.5;
 * Entra takes RS256 and PS256), whose header carries
 * x5t#S256 (base64url SHA-256 of cert_pem's DER), with aud = the token URL, iss = sub =
 * client_id, a random jti, nbf/iat = now_s and exp = now_s + 600. OG_EINVAL naming the field
 * (never quoting it) when the key or the certificate does not parse, is not RSA, or they do not
 * belong together. *out is the JWT (caller wipes and frees).
 */
int og_msgraph_assertion(const char *key_pem, const char *cert_pem, const char *client_id,
                         const char *aud, int64_t now_s, char **out);

#endif
