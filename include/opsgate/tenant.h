/* tenant.h - tenants, users, roles and API tokens. */
#ifndef OPSGATE_TENANT_H
#define OPSGATE_TENANT_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/context.h"

typedef struct og_tenant {
    char id[OG_ID_LEN];
    char name[64];
    char state[16]; /* "active", "suspended" */
    char created_at[OG_TIME_LEN];
    char region[33]; /* the region holding its data (docs/ops.md "Regions"); "" = home */
} og_tenant;

typedef struct og_user {
    char id[OG_ID_LEN];
    char tenant_id[OG_ID_LEN]; /* "" for platform admins */
    char name[64];
    og_role role;
    char created_at[OG_TIME_LEN];
    char state[16];             /* "active", "disabled", "removed" */
    char state_at[OG_TIME_LEN]; /* when it last changed; "" if never */
} og_user;

/* og_error_detail() of the tenant module's face-neutral errors, for a front end to add its own
 * hint (the CLI names its options, HTTP its fields and routes):
 *  - NO_TENANT: OG_EINVAL, no tenant name or id was given where one is needed;
 *  - PLATFORM_ADMIN: OG_EINVAL, a platform-admin was asked for inside a tenant (by og_user_add()
 *    with a tenant, or og_user_set_role()): platform admins belong to no tenant;
 *  - NO_DATA_FOLDER: OG_ENOTFOUND from og_install_open(), og_error_detail_arg() is the folder;
 *  - NO_INSTALLATION: OG_ENOTFOUND from og_install_open_at(), a PostgreSQL database without an
 *    installation (no argument: the URL may hold a password). */
#define OG_TENANT_DETAIL_NO_TENANT       "no_tenant"
#define OG_TENANT_DETAIL_PLATFORM_ADMIN  "platform_admin_in_tenant"
#define OG_TENANT_DETAIL_NO_DATA_FOLDER  "no_data_folder"
#define OG_TENANT_DETAIL_NO_INSTALLATION "no_installation"

/* ---- tenants (platform admins) ---- */
int og_tenant_create(og_ctx *ctx, const char *name, og_tenant *out);
/* Find by name or id, scoped: an actor of another tenant gets OG_ENOTFOUND. */
int og_tenant_get(og_ctx *ctx, const char *name_or_id, og_tenant *out);
int og_tenant_list(og_ctx *ctx, json_t **out);
/* The one way a module turns a tenant reference (name or id, e.g. --tenant) into its id with a
 * right checked: OG_EINVAL when missing, OG_ENOTFOUND when unknown or another tenant's (the same
 * message either way), OG_EDENIED when the actor's role lacks perm. */
int og_tenant_resolve(og_ctx *ctx, const char *name_or_id, og_perm perm,
                      char id_out[OG_ID_LEN]);                           /* array; caller decrefs */
int og_tenant_suspend(og_ctx *ctx, const char *name_or_id, int suspend); /* 0 = resume */
/* Crypto-shred the tenant's key, then remove its rows. Refused (OG_ECONFLICT, the message
 * naming each thing in the way and what to do about it) while a registered deletion blocker
 * reports anything: legal holds, records under retention. */
int og_tenant_delete(og_ctx *ctx, const char *name_or_id);

/* ---- the tenant's key custody (src/tenant/key.c) ----
 * show (tenant-admin, platform-admin): {tenant_id, provider ("master"|"file"|"pkcs11"),
 * key_version, created_at, and key_file (file) or pkcs11_uri, pkcs11_module, pin_file | pin_env
 * (pkcs11)}. set (platform-admin: paths on the server) re-wraps the tenant's data key under the
 * provider of spec, nothing re-encrypted, audited as tenant.key.set with the from/to custody in the
 * same transaction; *out as for show. The PIN itself is never stored. Nothing changes on failure.
 */
typedef struct og_tenant_key_spec {
    const char *provider;      /* "master", "file", "pkcs11" */
    const char *key_file;      /* file: absolute path of the 32-byte 0600 key file */
    const char *pkcs11_uri;    /* pkcs11: RFC 7512 URI of the token and key */
    const char *pkcs11_module; /* pkcs11: absolute path of the module */
    const char *pin_file;      /* pkcs11: absolute path of a file holding the PIN, or */
    const char *pin_env;       /* the name of an environment variable of the server holding it */
} og_tenant_key_spec;
int og_tenant_key_show(og_ctx *ctx, const char *name_or_id, json_t **out);
int og_tenant_key_set(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                      json_t **out);
/* rotate: like set, to a new key of the tenant's current provider (file or pkcs11), recorded as the
 * next key version, audited as tenant.key.rotate. OG_ECONFLICT under master or another provider. */
int og_tenant_key_rotate(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                         json_t **out);
/* Data-key rotation (src/tenant/datakey.c; platform-admin): a new version of the tenant's data key,
 * wrapped by its current KEK, which new seals use at once; audited as tenant.key.datakey.begin
 * {provider, key_version, from_data_key_version, to_data_key_version}. The re-seal of the data
 * sealed under earlier versions is the composition layer's (og_app_tenant_datakey_run), which
 * destroys them once nothing needs them. OG_ECONFLICT while an earlier rotation is unfinished.
 * *out as datakey_status. */
int og_tenant_key_datakey_rotate(og_ctx *ctx, const char *name_or_id, json_t **out);
/* {tenant_id, data_key_version, oldest_kept_version, state ("idle" | "re-sealing"), progress:
 * [{walker, dek_version, done, total, finished, updated_at}]} (tenant-admin, platform-admin). */
int og_tenant_key_datakey_status(og_ctx *ctx, const char *name_or_id, json_t **out);
/*
 * revoke (tenant-admin of the tenant, platform-admin): the tenant's data becomes unreadable at once
 * in every process (its requests answer OG_ELOCKED), nothing is deleted; audited as
 * tenant.key.revoke in the same transaction. OG_ECONFLICT when already revoked.
 * restore: brings it back once the tenant's KEK unwraps the stored data key again (a wrong or
 * missing key is refused and the tenant stays revoked); audited as tenant.key.restore. With spec
 * NULL or spec->provider NULL the stored key location is used (tenant-admin or platform-admin);
 * a spec naming where the key now is (the same provider; paths on the server) needs the
 * platform-admin role. *out as for show, with revoked_at while revoked.
 */
int og_tenant_key_revoke(og_ctx *ctx, const char *name_or_id, json_t **out);
int og_tenant_key_restore(og_ctx *ctx, const char *name_or_id, const og_tenant_key_spec *spec,
                          json_t **out);

/* ---- deletion blockers ----
 * A module that keeps data which must outlive a deletion request (legal holds, retention)
 * registers a blocker at start-up (og_app_register_all); the tenant module cannot depend on
 * those modules, so it asks them through this hook instead of reading their tables.
 * The callback runs inside og_tenant_delete's transaction, before the key is destroyed, with the
 * deleting actor's ctx (a platform admin). It appends to `out` (a JSON array, borrowed) one
 * object per blocking thing, each with at least "text": a short phrase naming it for the error
 * message (e.g. "legal hold on project 'fw' (set by user:ada at ...: litigation)"), and may add
 * "hint": what clears it. It returns 0, or a negative code that fails the deletion. */
typedef int (*og_tenant_blocker_fn)(og_ctx *ctx, const char *tenant_id, json_t *out);
/* Register fn under a module name; registering the same fn again is a no-op. Thread-safe.
 * OG_ERROR past 16 blockers. */
int og_tenant_blocker_register(const char *module, og_tenant_blocker_fn fn);
/* Register the audit trail's namers of tenants, users and tokens (og_audit_namer_register). */
int og_tenant_audit_names_register(void);
/* What blocks deleting the tenant now: an array of the blockers' objects, each with "module"
 * added (caller decrefs). Needs OG_PERM_PLATFORM. */
int og_tenant_delete_blockers(og_ctx *ctx, const char *name_or_id, json_t **out);
json_t *og_tenant_to_json(const og_tenant *t);

/* ---- users ---- */
/* ---- process areas ----
 * Which process areas ("certs", "artifacts") a tenant has enabled. The tenant module only keeps
 * the rows; og_app_tenant_area_enable (app.h) checks the area name and the actor's rights,
 * provisions the area and audits the whole step. og_tenant_area_write runs inside the caller's
 * transaction (OG_EINVAL outside one) and writes no audit record: the caller's record names it.
 * It records state "enabled" or "disabled", the actor and the time; provisioned (may be NULL:
 * keep what was recorded) is what enabling set up. */
int og_tenant_area_write(og_ctx *ctx, const char *tenant_id, const char *area, bool enabled,
                         json_t *provisioned);
/* The tenant's area rows: [{area, state, changed_at, changed_by, provisioned}], by area name.
 * No authorization of its own: the caller resolved the tenant. Caller decrefs *out. */
int og_tenant_area_list(og_ctx *ctx, const char *tenant_id, json_t **out);

/* tenant may be NULL only for role platform-admin. */
int og_user_add(og_ctx *ctx, const char *tenant, const char *name, og_role role, og_user *out);
int og_user_get(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out);
/* Active and disabled users (removed ones are left out). */
int og_user_list(og_ctx *ctx, const char *tenant, json_t **out);
json_t *og_user_to_json(const og_user *u);

/* ---- user lifecycle ----
 * tenant NULL or "" = the platform admins (platform-admin only). Otherwise it takes
 * OG_PERM_USER_MANAGE in that tenant: its tenant-admins, or a platform admin; a user of another
 * tenant gets OG_ENOTFOUND, exactly like for a user that does not exist.
 * Disable, remove and set-role revoke every live token of the user (enable does not bring them
 * back: the user needs new ones). The role is read at every authentication, so a new role
 * applies at once. Each change is audited (user.disable, user.enable, user.remove, user.role)
 * in its transaction, with the number of tokens revoked.
 * A change that would leave a tenant without an active tenant-admin is refused (OG_ECONFLICT)
 * unless a platform admin makes it; one leaving no active platform-admin is refused when a
 * token's user makes it (the local operator still may).
 * A removed user stays as a tombstone: it cannot authenticate, be enabled or changed again, and
 * its name is not given to another user of the tenant, so history keeps meaning one person. */
int og_user_disable(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out);
int og_user_enable(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out);
int og_user_remove(og_ctx *ctx, const char *tenant, const char *name_or_id, og_user *out);
/* OG_EINVAL for platform-admin (platform admins belong to no tenant: nobody is raised to it)
 * and for changing a platform admin's role. out may be NULL. */
int og_user_set_role(og_ctx *ctx, const char *tenant, const char *name_or_id, og_role role,
                     og_user *out);

/* ---- tokens ---- */
#define OG_TOKEN_MAX 128
/* Create a bearer token for a user; the secret is printed once and stored only as a hash.
 * ttl_us <= 0 means the default (30 days). token_out receives the secret ("og_<id>_<secret>"),
 * id_out its id. OG_ECONFLICT for a disabled or removed user. */
int og_token_create(og_ctx *ctx, const char *tenant, const char *user, int64_t ttl_us,
                    char token_out[OG_TOKEN_MAX], char id_out[OG_ID_LEN]);
int og_token_revoke(og_ctx *ctx, const char *token_id);
int og_token_list(og_ctx *ctx, const char *tenant, const char *user, json_t **out);
/* Authenticate a bearer token: fills *actor. OG_EAUTH for missing, malformed, unknown, expired or
 * revoked tokens and for disabled or removed users (the message says which); OG_EDENIED when the
 * tenant is suspended. */
int og_token_authenticate(og_store *s, const char *bearer, og_actor *actor);
/* Record in the platform chain that authentications from source (an address) or against the
 * token id prefix (may be empty) were refused after failures within window_s seconds: action
 * auth.throttled, by "source" or "token_prefix". Never given the token's secret. Own transaction.
 */
int og_token_audit_throttled(og_ctx *ctx, const char *source, const char *prefix, const char *by,
                             int failures, int window_s);

/* ---- console sessions (docs/console.md) ----
 * A browser signs in with an API token and gets a session: a cookie "<session id>.<secret>"
 * (256 random bits, stored only as a SHA-256 hash) that resolves to exactly the actor its token
 * authenticates as, checked again at every use (a revoked or expired token, a disabled user or a
 * suspended tenant ends the session at once). A session ends on sign-out, after idle_us without
 * use or max_us after sign-in, whichever comes first. Each session has a CSRF token derived from
 * its secret (HMAC-SHA256), which the console puts in its forms. Every sign-in (and refused
 * sign-in), sign-out and end is audited (session.create, session.refused, session.revoke,
 * session.expire, session.end). */
#define OG_SESSION_COOKIE_MAX      96 /* "<36-char id>.<43-char secret>" and its NUL */
#define OG_SESSION_CSRF_MAX        48
#define OG_SESSION_IDLE_DEFAULT_US (30LL * 60 * 1000000)   /* 30 minutes */
#define OG_SESSION_MAX_DEFAULT_US  (12LL * 3600 * 1000000) /* 12 hours */

typedef struct og_session {
    char id[OG_ID_LEN];             /* the session's public id (audit records name it) */
    char csrf[OG_SESSION_CSRF_MAX]; /* the session's CSRF token */
    int64_t expires_us;             /* absolute expiry */
    og_actor actor;                 /* who it acts as: the token's actor */
} og_session;

/* Sign in with bearer (an API token): og_token_authenticate()'s checks, then a new session with
 * idle_us and max_us (<= 0: the defaults above; at most 7 days) from source (an address, for the
 * audit record). cookie_out gets the cookie's value, out the session. OG_EAUTH (the message
 * saying why) or OG_EDENIED as og_token_authenticate(), audited as session.refused in the
 * platform trail with the token's id part, never its secret. ctx: store and keys; its actor is
 * not used (the record names the user signing in). */
int og_tenant_session_create(og_ctx *ctx, const char *bearer, int64_t idle_us, int64_t max_us,
                             const char *source, char cookie_out[OG_SESSION_COOKIE_MAX],
                             og_session *out);
/* The session of a cookie, its last use set to now. OG_EAUTH for a malformed or unknown cookie
 * and for a session that has ended; an expired one (idle or absolute) is deleted and audited as
 * session.expire, one whose token no longer authenticates as session.end. */
int og_tenant_session_resolve(og_ctx *ctx, const char *cookie, og_session *out);
/* Sign-out: delete the cookie's session (session.revoke, by the session's actor). OG_EAUTH when
 * the cookie names no live session. */
int og_tenant_session_revoke(og_ctx *ctx, const char *cookie);
/* Delete and audit (session.expire) every session past its idle or absolute expiry; *ended (may
 * be NULL) gets how many. Run by the server's background thread. */
int og_tenant_session_sweep(og_ctx *ctx, int *ended);

/* Make ctx->actor act as user `user` of `tenant` (the CLI's --as), keeping the local user.
 * tenant NULL or "" = among the platform admins; a name that is no user of `tenant` is looked up
 * among the platform admins too (they act on every tenant). OG_ENOTFOUND for no such user, with
 * the same message whether or not the tenant exists; OG_EDENIED for a disabled or removed user,
 * or a user of a suspended tenant (the messages name the user, not the option: the caller adds
 * it). */
int og_actor_become(og_ctx *ctx, const char *tenant, const char *user);

/* ---- installation ---- */
/* Where an installation lives. */
typedef struct og_install_where {
    /* A data folder (SQLite database, master key, artifact objects), or a PostgreSQL URL
     * (og_store_url_is_server: postgres://, postgresql://, libpq:), which never becomes a
     * folder. */
    const char *data;
    /* The key folder holding the master key (master.key, mode 0600; the folder 0700). NULL or
     * "": the data folder, which a PostgreSQL installation cannot use (the master key never lives
     * in the database it protects): there it is required (OG_EINVAL naming --keys when
     * missing). */
    const char *keys;
    /* The regional databases (--data-region NAME=URL, OPSGATE_DATA_REGIONS); NULL = none. */
    const struct og_regions *regions;
} og_install_where;

/* Create an installation: its database with every module's schema, the master key (in the key
 * folder, made 0700 when missing) and platform key; add the platform admin "admin" and put a
 * token for it in token_out. Refuses (OG_EEXISTS), touching nothing, a data folder that exists
 * and is not empty, a PostgreSQL database that already holds an installation, and a key folder
 * that holds a master key. On failure what it made is removed (a PostgreSQL database keeps the
 * tables made before the failure: drop them before trying again). Messages never repeat a URL. */
int og_install_create(const og_install_where *w, char token_out[OG_TOKEN_MAX]);
/* Open an installation: store (migrated) and keyring. OG_ENOTFOUND when there is none there. */
int og_install_open_at(const og_install_where *w, og_store **store, og_keyring **keys);
/* og_install_create / og_install_open_at of a data folder holding its own master key. */
int og_install_init(const char *data_dir, char token_out[OG_TOKEN_MAX]);
int og_install_open(const char *data_dir, og_store **store, og_keyring **keys);
/* The database URL of a data location: the URL itself for PostgreSQL, the SQLite file of a data
 * folder (caller frees). */
char *og_install_db_url(const char *data_dir);
/* The data folder of a location (what og_ctx.data_dir holds): the location, or NULL for a
 * PostgreSQL URL (no folder: artifact objects live in the database). */
const char *og_install_folder(const char *location);
/* A location as messages may name it: the folder, or "the PostgreSQL database" (a URL may hold a
 * password). */
const char *og_install_label(const char *location);

/* ---- regions (src/tenant/region.c; docs/ops.md "Regions") ----
 * The installation's database (--data) is the home: the platform's tables, the platform audit
 * chain and the tenant directory (og_tenant.region). A regional database, named NAME=URL, is an
 * opsgate schema of its own holding everything of its region's tenants: their rows in every
 * module, users, tokens and sessions, audit chains, data keys and artifact objects. */
#define OG_REGION_NAME_MAX 32
#define OG_REGIONS_MAX     16
#define OG_REGION_URL_MAX  1024
/* The name the home region goes by in messages and replies; no regional database may take it. */
#define OG_REGION_HOME "home"
typedef struct og_region {
    char name[OG_REGION_NAME_MAX + 1];
    char url[OG_REGION_URL_MAX];
} og_region;
typedef struct og_regions {
    int n;
    og_region r[OG_REGIONS_MAX];
} og_regions;
/* 0 when name is a region name ([a-z][a-z0-9-]{0,31}, not "home"); else OG_EINVAL naming it. */
int og_region_name_check(const char *name);
/* Add "NAME=URL" (URL a PostgreSQL URL, og_store_url_is_server): OG_EINVAL for a bad name, a URL
 * that is no PostgreSQL database, a region given twice, or more than OG_REGIONS_MAX. */
int og_regions_add(og_regions *rs, const char *spec);
/* og_regions_add for each ';'-separated entry of list (OPSGATE_DATA_REGIONS); empty entries are
 * skipped. */
int og_regions_add_list(og_regions *rs, const char *list);
/* The URL of region name, or NULL when rs (may be NULL) has none. */
const char *og_regions_url(const og_regions *rs, const char *name);
/* Open region's database (w->regions): OG_EINVAL "unknown region" naming the regions given when
 * it has none (never a fallback to another database). A database without an opsgate schema gets
 * every module's schema and its platform data key (keys) when create != 0, else OG_ENOTFOUND.
 * Caller closes *out. */
int og_install_region_open(const og_install_where *w, og_keyring *keys, const char *region,
                           int create, og_store **out);
/* The region of a tenant (name or id) in the directory of home, no authorization: "" for the
 * home region. OG_ENOTFOUND when the directory has no such tenant. */
int og_tenant_region_of(og_store *home, const char *name_or_id,
                        char region_out[OG_REGION_NAME_MAX + 1]);
/* The region of the regional tenant whose token (a bearer "og_<id>_..." or its id) this is, from
 * the home's token_regions: OG_ENOTFOUND for a token of no regional tenant. The secret is not
 * checked (the regional database holds its hash). */
int og_token_region_of(og_store *home, const char *bearer, char region_out[OG_REGION_NAME_MAX + 1]);
/* How long a region's tenant unknown to the directory may be a create still between its two
 * commits (og_tenant_create_in) before og_tenant_region_repair treats it as interrupted. */
#define OG_REGION_CREATE_GRACE_S 10
/* Repair what a create interrupted between its two commits (a process killed, the home lost)
 * leaves: tenants of region_store made over OG_REGION_CREATE_GRACE_S ago that the home's directory
 * (ctx->store) does not know. One whose audit chain holds only its opening record was never
 * served: it is crypto-shredded and removed in the region (tenant.delete in the region's platform
 * chain); *removed (may be NULL) counts them. One whose chain holds more was used, so the home
 * may be the wrong database: OG_ECONFLICT naming it, nothing changed. Platform actors only; run
 * when a region's node starts and before `tenant create --region`. */
int og_tenant_region_repair(og_ctx *ctx, og_store *region_store, const char *region, int *removed);
/* After og_tenant_delete of regional tenant t in its region's database: remove its directory row
 * (and token_regions) from ctx->store, the home, audited tenant.delete {name, region} in the
 * platform chain. Platform actors only. */
int og_tenant_directory_delete(og_ctx *ctx, const og_tenant *t);
/* Create a tenant in region (NULL or "": og_tenant_create in ctx->store, the home): the tenant's
 * own row, data key and a tenant.create {name, region} record of the region's platform chain
 * (which opens the tenant's chain there) in region_store, its regional database, in one
 * transaction; then the directory row (with its region) and the platform audit record
 * tenant.create {name, region, chain_region} in ctx->store (the home), in another. Nothing of
 * the tenant's data is written to the home. A name the directory holds is OG_EEXISTS before the
 * region is touched; a home refusing after the region committed has the tenant deleted again in
 * the region (tenant.delete there). Platform actors only. */
int og_tenant_create_in(og_ctx *ctx, og_store *region_store, const char *name, const char *region,
                        og_tenant *out);

#endif
