/* cmd_user.c - `opsgate user add|list|show|disable|enable|remove|set-role`. */
#include "cli/cli.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>

static const char *const about =
    "Users belong to one tenant and hold one role: tenant-admin, project-manager, engineer,\n"
    "auditor (read-only, plus audit export), client-viewer (published artifacts of its own\n"
    "projects only) or witness (reads the audit trail's signed checkpoints and consistency proofs\n"
    "only: of its tenant's chain, or, added without --tenant, of every chain: the platform's\n"
    "witness). Platform admins (role platform-admin) belong to no tenant: omit --tenant.\n"
    "Managing users needs tenant-admin in that tenant, or platform-admin.\n"
    "\n"
    "disable   The user can no longer authenticate: its tokens are revoked and --as refuses\n"
    "          it. enable lets it in again; the revoked tokens stay revoked (make new ones).\n"
    "remove    Revokes its tokens and removes it for good. Its name and id stay in the\n"
    "          history (audit records, gate items, artifact versions) and the name is not\n"
    "          given to anyone else in the tenant. `list` leaves removed users out; `show`\n"
    "          still finds them.\n"
    "set-role  The new role applies at once; the user's tokens are revoked. Nobody is raised\n"
    "          to platform-admin.\n"
    "A tenant-admin cannot disable, remove or demote the tenant's last active tenant-admin\n"
    "(itself): another tenant-admin, or a platform admin, must. Every change is audited\n"
    "(user.add, user.disable, user.enable, user.remove, user.role).\n";

static int print_user(const og_cli *cli, const og_user *u)
{
    if (cli->json)
        og_cli_print_json(og_user_to_json(u));
    else
        printf("%s %s %s %s\n", u->name, og_role_name(u->role), u->state[0] ? u->state : "active",
               u->id);
    return OG_EXIT_OK;
}

/* --role, checked: a role other than platform-admin needs --tenant. */
static int role_of(const og_cli_args *a, og_role *role)
{
    const char *role_s = og_cli_get(a, "role");
    if (og_role_parse(role_s, role) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    /* a missing --tenant is the command line's fault, not the data folder's */
    if (!og_cli_get(a, "tenant") && *role != OG_ROLE_PLATFORM_ADMIN &&
        !(*role == OG_ROLE_WITNESS && og_streq(a->sub->name, "add")))
        return og_cli_bad(a, "user %s with role %s needs --tenant", a->sub->name, role_s);
    return 0;
}

typedef int (*role_fn)(og_ctx *ctx, const char *tenant, const char *name, og_role role,
                       og_user *out);

/* add and set-role: one user by name and the --role given, printed after. */
static int with_role(og_cli *cli, const og_cli_args *a, role_fn fn)
{
    const char *tenant = og_cli_get(a, "tenant");
    og_role role;
    og_user u;
    int error;
    if ((error = role_of(a, &role)) || (error = og_cli_open(cli, tenant)))
        return error;
    if ((error = fn(&cli->ctx, tenant, a->pos[0], role, &u)) < 0)
        return og_cli_fail(error);
    return print_user(cli, &u);
}

static int add(og_cli *cli, const og_cli_args *a)
{
    return with_role(cli, a, og_user_add);
}

static int set_role(og_cli *cli, const og_cli_args *a)
{
    return with_role(cli, a, og_user_set_role);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"NAME", "ROLE", "STATE", "CREATED", "ID", NULL};
    static const char *const fields[] = {"name", "role", "state", "created_at", "id", NULL};
    const char *tenant = og_cli_get(a, "tenant");
    json_t *arr = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_user_list(&cli->ctx, tenant, &arr)) < 0)
        return og_cli_fail(error);
    og_cli_print_rows(cli, "users", arr, head, fields);
    return OG_EXIT_OK;
}

typedef int (*user_fn)(og_ctx *ctx, const char *tenant, const char *name, og_user *out);

/* show, disable, enable, remove: one user by name, printed after. */
static int one_user(og_cli *cli, const og_cli_args *a, user_fn fn)
{
    const char *tenant = og_cli_get(a, "tenant");
    og_user u;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = fn(&cli->ctx, tenant, a->pos[0], &u)) < 0)
        return og_cli_fail(error);
    return print_user(cli, &u);
}

static int show(og_cli *cli, const og_cli_args *a)
{
    return one_user(cli, a, og_user_get);
}

static int disable(og_cli *cli, const og_cli_args *a)
{
    return one_user(cli, a, og_user_disable);
}

static int enable(og_cli *cli, const og_cli_args *a)
{
    return one_user(cli, a, og_user_enable);
}

static int remove_user(og_cli *cli, const og_cli_args *a)
{
    return one_user(cli, a, og_user_remove);
}

#define ROLE_HELP "tenant-admin, project-manager, engineer, auditor, client-viewer"

static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT, {0}};
static const og_cli_opt role_opts[] = {
    OG_CLI_OPT_TENANT,
    {"role", "ROLE", ROLE_HELP " (or platform-admin)", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"add", "NAME", 1, 1, role_opts, "add a user with a role", add},
    {"list", NULL, 0, 0, tenant_opts, "list the tenant's users (removed ones left out)", list},
    {"show", "NAME", 1, 1, tenant_opts, "show one user, removed ones too", show},
    {"disable", "NAME", 1, 1, tenant_opts, "stop a user: its tokens are revoked", disable},
    {"enable", "NAME", 1, 1, tenant_opts, "let a disabled user in again", enable},
    {"remove", "NAME", 1, 1, tenant_opts, "remove a user for good; history keeps the name",
     remove_user},
    {"set-role", "NAME", 1, 1, role_opts, "change a user's role; its tokens are revoked", set_role},
    {0},
};

const og_command og_cmd_user = {
    .name = "user",
    .summary = "add, list and manage the users of a tenant",
    .about = about,
    .subs = subs,
};
