/* commands.c - the list of CLI commands, in the order `opsgate help` shows them. */
#include "cli/cli.h"

extern const og_command og_cmd_init;
extern const og_command og_cmd_migrate;
extern const og_command og_cmd_backup;
extern const og_command og_cmd_restore;
extern const og_command og_cmd_serve;
extern const og_command og_cmd_tenant;
extern const og_command og_cmd_user;
extern const og_command og_cmd_token;
extern const og_command og_cmd_audit;
extern const og_command og_cmd_gate;
extern const og_command og_cmd_model;
extern const og_command og_cmd_events;
extern const og_command og_cmd_notify;
extern const og_command og_cmd_connector;
extern const og_command og_cmd_cert;
extern const og_command og_cmd_target;
extern const og_command og_cmd_acme;
extern const og_command og_cmd_project;
extern const og_command og_cmd_artifact;
extern const og_command og_cmd_access;
extern const og_command og_cmd_hold;
extern const og_command og_cmd_template;
extern const og_command og_cmd_generate;
extern const og_command og_cmd_brand;
extern const og_command og_cmd_completion;

const og_command *const og_cli_commands[] = {
    &og_cmd_init,   &og_cmd_serve,    &og_cmd_migrate,  &og_cmd_backup,    &og_cmd_restore,
    &og_cmd_tenant, &og_cmd_user,     &og_cmd_token,    &og_cmd_audit,     &og_cmd_gate,
    &og_cmd_model,  &og_cmd_events,   &og_cmd_notify,   &og_cmd_connector, &og_cmd_cert,
    &og_cmd_target, &og_cmd_acme,     &og_cmd_project,  &og_cmd_artifact,  &og_cmd_access,
    &og_cmd_hold,   &og_cmd_template, &og_cmd_generate, &og_cmd_brand,     &og_cmd_completion,
    NULL,
};
