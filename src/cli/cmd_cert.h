/* cmd_cert.h - the handlers of `opsgate cert` in its several files, and what they share. */
#ifndef OPSGATE_CLI_CMD_CERT_H
#define OPSGATE_CLI_CMD_CERT_H

#include "cli/cli.h"
#include "opsgate/certs.h"

/* cmd_cert_scan.c: scan and schedule */
int og_cli__cert_scan(og_cli *cli, const og_cli_args *a);
int og_cli__cert_schedule(og_cli *cli, const og_cli_args *a);
/* cmd_cert_discovery.c: discovery and targets */
int og_cli__cert_discovery(og_cli *cli, const og_cli_args *a);
int og_cli__cert_targets(og_cli *cli, const og_cli_args *a);
/* cmd_cert_files.c: scan-files and import */
int og_cli__cert_scan_files(og_cli *cli, const og_cli_args *a);
int og_cli__cert_import(og_cli *cli, const og_cli_args *a);
/* cmd_cert_request.c: request (new, list, show, cancel) */
int og_cli__cert_request(og_cli *cli, const og_cli_args *a);
/* cmd_cert_alerts.c: alerts (list, ack, snooze) and calendar (export, tokens) */
int og_cli__cert_alerts(og_cli *cli, const og_cli_args *a);
int og_cli__cert_calendar(og_cli *cli, const og_cli_args *a);
/* cmd_cert_validity.c: validity-report */
int og_cli__cert_validity_report(og_cli *cli, const og_cli_args *a);
/* cmd_cert_acme.c: issue, renew, revoke, plans */
int og_cli__cert_issue(og_cli *cli, const og_cli_args *a);
int og_cli__cert_renew(og_cli *cli, const og_cli_args *a);
int og_cli__cert_revoke(og_cli *cli, const og_cli_args *a);
int og_cli__cert_plans(og_cli *cli, const og_cli_args *a);
/* cmd_cert_watch.c: the group `cert watch` (Certificate Transparency) */
extern const og_command og_cli__cert_watch;
/* cmd_cert_deploy.c: deploy, and the deploy itself with its report, shared with `target deploy`
 */
int og_cli__cert_deploy(og_cli *cli, const og_cli_args *a);
int og_cli__deploy_run(og_cli *cli, const char *tenant, const char *cert_id, const char *target,
                       int json);

#endif
