/* cmd_tenant.c - `opsgate tenant create|list|show|suspend|resume|delete|blockers|enable|
 * disable|areas|key`. */
#include "cli/cli.h"
#include "cli/cmd_tenant.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
    "Tenants are the MSP's clients; everything else lives inside one. Creating a tenant gives\n"
    "it its own data key. A suspended tenant's API tokens get 403. Deleting a tenant\n"
    "crypto-shreds it: its data key is destroyed first (whatever of it survives anywhere\n"
    "becomes unreadable), then its rows are removed. Deletion is refused while anything of the\n"
    "tenant must be kept: a legal hold on one of its projects or artifacts (a tenant-admin or\n"
    "platform-admin clears it with `opsgate hold clear`) or an artifact its retention policy\n"
    "still keeps; the refusal names them, and `blockers` lists them all. Tenant administration\n"
    "needs the platform-admin role.\n"
    "\n"
    "Regions (docs/ops.md \"Regions\"): `create NAME --region eu` keeps everything of the\n"
    "tenant (its rows in every module, users, tokens, audit chain, data key, artifact objects)\n"
    "in region eu's database, given with --data-region eu=URL; the home database (--data) keeps\n"
    "only its directory entry and the platform audit record tenant.create {name, region}.\n"
    "`show` and `list` print each tenant's region (home for the home database's). Commands for\n"
    "a regional tenant need its region's --data-region; an unknown region is an error.\n"
    "\n"
    "A tenant's process areas: `enable --tenant T certs|artifacts` provisions an area in one\n"
    "audited step (tenant.area.enable): the default gate policy of each of its action kinds\n"
    "(certificate kinds L1, artifact kinds L0) where the tenant has none (a level an admin\n"
    "chose is kept and listed as kept), its notification rules on the tenant's first channel\n"
    "(pending, and said so, when it has none) and the console pages each role sees. Enabling\n"
    "an enabled area whose rules are pending adds them once a channel exists (audited as\n"
    "tenant.area.complete); otherwise it changes nothing and shows what is in place. `disable`\n"
    "marks the area disabled and keeps its policies and rules. Both need tenant-admin or\n"
    "platform-admin; `areas` (anyone of the tenant) shows each area's state and your\n"
    "dashboard. Exit 1 on a refusal, 2 on bad usage (an unknown area names the valid ones).\n"
    "\n"
    "`export --tenant T --to FILE` (tenant-admin or platform-admin) hands a client its data\n"
    "when a contract ends: one tar + zstd archive with every version of every artifact as\n"
    "uploaded, the certificates as PEM (their private keys only with --private-keys), the\n"
    "tenant's audit chain as JSON lines with its latest signed checkpoint, inclusion proofs and\n"
    "the public key, and a manifest of SHA-256 hashes (docs/ops.md, \"Tenant export\").\n"
    "Audited as tenant.export.\n"
    "\n"
    "A tenant's key custody: `key show --tenant T` (tenant-admin or platform-admin) says which\n"
    "key-encryption key (KEK) wraps the tenant's data key: `master` (the installation's\n"
    "master.key) or `file` (a 32-byte key in a file the client controls), with its key version\n"
    "and key file. `key set --tenant T --provider file --key-file PATH` (platform-admin) re-wraps\n"
    "the data key under the key in PATH (absolute; a regular file of exactly 32 bytes, mode\n"
    "0600 or narrower, no symbolic link), `--provider master` moves it back; no data is\n"
    "re-encrypted, the move is audited (tenant.key.set, from/to) and the path is kept with the\n"
    "key so a restarted server finds it. From then on only that key opens the tenant's data:\n"
    "while the file is missing or unreadable the tenant's requests fail (HTTP 503, the message\n"
    "naming the key file) and nothing falls back to another key; other tenants keep serving.\n"
    "`--provider pkcs11 --pkcs11-uri 'pkcs11:token=T;object=K' --pkcs11-module SO` with\n"
    "`--pin-file PATH` or `--pin-env NAME` puts it under an AES-256 key inside a PKCS#11 token\n"
    "(an HSM; the key never leaves it); the PIN is read at each use from that file or from that\n"
    "variable of the process (the server's too), never stored, never on the command line.\n"
    "`key rotate` with the same options moves the data key to a new key of the same provider (a\n"
    "new key file, another key in the token), recorded as the next key version\n"
    "(tenant.key.rotate); the old key is no longer needed afterwards. The PIN file must not be\n"
    "readable by group or others (chmod 600).\n"
    "`key rotate --data-key` instead makes a new version of the tenant's data key itself\n"
    "(wrapped by its current KEK; platform-admin; tenant.key.datakey.begin): new data is sealed\n"
    "under it at once, and every item sealed before (artifacts and their objects, connector and\n"
    "channel secrets, certificate and ACME keys, gate inputs, deploy rollbacks) is re-sealed\n"
    "under it in the background of `serve`, in batches that resume after a crash; with --wait\n"
    "the command does it itself (and finishes an interrupted rotation). When nothing needs the\n"
    "old version any more it is destroyed (tenant.key.datakey.done). `key show` prints the\n"
    "data-key version and the re-seal's progress (items done of total per module).\n"
    "`key revoke --tenant T` (tenant-admin or platform-admin) locks the tenant's data at once:\n"
    "every request by its tokens and console sessions, and everything needing its data key,\n"
    "answers HTTP 423 (locked) on every server, the scheduler skips it, nothing is deleted\n"
    "(tenant.key.revoke). `key restore --tenant T` brings it back once the tenant's key unwraps\n"
    "the stored data key again (the key file back in place, the token reachable); a wrong key\n"
    "is refused and the tenant stays revoked (tenant.key.restore). `key restore` with\n"
    "--provider and the key options of that same provider (platform-admin) takes the key from\n"
    "a new location (another key file path, another PIN file) and keeps that location.\n"
    "Unwrapped pkcs11 and master data keys are cached in locked memory for at most\n"
    "`serve --key-cache-ttl` (5m), zeroized on expiry, revoke, rotate and shutdown.\n";

/* Print a tenant as the API does (--json) or as one line. */
static int print_tenant(const og_cli *cli, const og_tenant *t)
{
    if (cli->json)
        og_cli_print_json(og_tenant_to_json(t));
    else
        printf("%s %s %s %s\n", t->name, t->state, t->id,
               t->region[0] ? t->region : OG_REGION_HOME);
    return OG_EXIT_OK;
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"NAME", "STATE", "REGION", "CREATED", "ID", NULL};
    static const char *const fields[] = {"name", "state", "region", "created_at", "id", NULL};
    json_t *arr = NULL;
    int error;
    (void)a;
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if ((error = og_tenant_list(&cli->ctx, &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "tenants", arr, head, fields);
    return OG_EXIT_OK;
}

static int create(og_cli *cli, const og_cli_args *a)
{
    og_tenant t;
    og_store *rs = NULL;
    const char *region = og_cli_get(a, "region");
    int error;
    if (region && og_region_name_check(region) < 0)
        return og_cli_bad(a, "--region: %s", og_error_last());
    if ((error = og_cli_open(cli, NULL)))
        return error;
    if (region &&
        (error = og_install_region_open(og_cli_install(cli), cli->keys, region, 1, &rs)) < 0)
        return og_cli_fail(error);
    /* First what an interrupted create left in the region (it may hold this very name). */
    int removed = 0;
    error = rs ? og_tenant_region_repair(&cli->ctx, rs, region, &removed) : 0;
    if (removed > 0)
        fprintf(stderr,
                "opsgate: region '%s': removed %d tenant(s) left by a create interrupted between "
                "its two commits\n",
                region, removed);
    if (error >= 0)
        error = og_tenant_create_in(&cli->ctx, rs, a->pos[0], region, &t);
    og_store_close(rs);
    if (error < 0)
        return og_cli_fail(error);
    return print_tenant(cli, &t);
}

static int show(og_cli *cli, const og_cli_args *a)
{
    og_tenant t;
    int error;
    /* The directory (the home) answers, whatever the tenant's region; --as names a user of the
     * tenant, who lives in its region's database. */
    if ((error = og_cli_open(cli, cli->as_user ? a->pos[0] : NULL)))
        return error;
    if ((error = og_tenant_get(&cli->ctx, a->pos[0], &t)) < 0)
        return og_cli_fail(error);
    return print_tenant(cli, &t);
}

static int set_state(og_cli *cli, const og_cli_args *a, bool suspend)
{
    og_tenant t;
    int error;
    if ((error = og_cli_open(cli, a->pos[0])))
        return error;
    if ((error = og_tenant_suspend(&cli->ctx, a->pos[0], suspend)) < 0 ||
        (error = og_tenant_get(&cli->ctx, a->pos[0], &t)) < 0)
        return og_cli_fail(error);
    return print_tenant(cli, &t);
}

static int suspend(og_cli *cli, const og_cli_args *a)
{
    return set_state(cli, a, true);
}

static int resume(og_cli *cli, const og_cli_args *a)
{
    return set_state(cli, a, false);
}

static int delete (og_cli *cli, const og_cli_args *a)
{
    const char *name = a->pos[0];
    int error;
    if (!og_cli_has(a, "yes"))
        return og_cli_bad(a, "deleting tenant '%s' destroys its key and data for good; add --yes",
                          name);
    if ((error = og_cli_open(cli, name)))
        return error;
    if ((error = og_app_tenant_delete(&cli->ctx, name)) < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: tenant '%s' deleted (key destroyed)\n", name);
    return OG_EXIT_OK;
}

static int blockers(og_cli *cli, const og_cli_args *a)
{
    const char *name = a->pos[0];
    json_t *arr = NULL, *x;
    size_t i;
    int error;
    if ((error = og_cli_open(cli, name)))
        return error;
    if ((error = og_tenant_delete_blockers(&cli->ctx, name, &arr)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("blockers", arr);
        return OG_EXIT_OK;
    }
    if (json_array_size(arr) == 0)
        printf("nothing blocks deleting tenant '%s'\n", name);
    json_array_foreach(arr, i, x) printf("%s\n", json_string_value(json_object_get(x, "text")));
    json_decref(arr);
    return OG_EXIT_OK;
}

static const og_cli_opt create_opts[] = {
    {"region", "NAME", "keep its data in region NAME's database (--data-region)", 0, 0},
    {0},
};

static const og_cli_opt delete_opts[] = {
    {"yes", NULL, "confirm: the tenant's key and data go for good", 0, 0},
    {0},
};

static const og_cli_opt area_opts[] = {
    {"tenant", "T", "the tenant (name or id)", OG_CLI_REQUIRED, 't'},
    {0},
};

static const og_cli_opt key_opts[] = {
    {"tenant", "T", "the tenant (name or id)", OG_CLI_REQUIRED, 't'},
    {"provider", "P", "set/rotate/restore: master, file or pkcs11", 0, 0},
    {"key-file", "PATH", "set, file: the client's 32-byte key file", 0, 0},
    {"pkcs11-uri", "URI", "set, pkcs11: pkcs11:token=...;object=...", 0, 0},
    {"pkcs11-module", "PATH", "set, pkcs11: the PKCS#11 module (.so)", 0, 0},
    {"pin-file", "PATH", "set, pkcs11: a 0600 file holding the token PIN", 0, 0},
    {"pin-env", "NAME", "set, pkcs11: or a variable holding the PIN", 0, 0},
    {"data-key", NULL, "rotate: a new data key, data re-sealed", 0, 0},
    {"wait", NULL, "rotate --data-key: re-seal here, to the end", 0, 0},
    {0},
};

static const og_cli_opt export_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"to", "FILE", "the archive to write (tar + zstd; must not exist)", OG_CLI_REQUIRED, 0},
    {"private-keys", NULL, "also the certificates' private keys", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"create", "NAME", 1, 1, create_opts, "create a tenant with its own data key", create},
    {"list", NULL, 0, 0, NULL, "list tenants", list},
    {"show", "NAME", 1, 1, NULL, "show one tenant", show},
    {"suspend", "NAME", 1, 1, NULL, "suspend a tenant: its API tokens get 403", suspend},
    {"resume", "NAME", 1, 1, NULL, "resume a suspended tenant", resume},
    {"delete", "NAME", 1, 1, delete_opts, "crypto-shred a tenant (needs --yes)", delete},
    {"blockers", "NAME", 1, 1, NULL, "list what blocks deleting a tenant", blockers},
    {"enable", "certs|artifacts", 1, 1, area_opts,
     "enable a process area: gate policies, notification rules, dashboard", og_cli__tenant_enable},
    {"disable", "certs|artifacts", 1, 1, area_opts,
     "disable a process area (keeps its policies and rules)", og_cli__tenant_disable},
    {"areas", NULL, 0, 0, area_opts, "show a tenant's process areas and your dashboard",
     og_cli__tenant_areas},
    {"export", NULL, 0, 0, export_opts,
     "export a tenant's artifacts, certificates and audit chain in open formats",
     og_cli__tenant_export},
    {"key", "show|set|rotate|revoke|restore", 1, 1, key_opts,
     "show, move, rotate, revoke or restore the KEK of the tenant's data key", og_cli__tenant_key},
    {0},
};

const og_command og_cmd_tenant = {
    .name = "tenant",
    .summary = "create, list, suspend and delete tenants; enable process areas",
    .about = about,
    .subs = subs,
};
