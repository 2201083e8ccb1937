/* cmd_gate.h - what `opsgate gate` shares between cmd_gate.c and cmd_gate_policy.c. */
#ifndef OPSGATE_CLI_CMD_GATE_H
#define OPSGATE_CLI_CMD_GATE_H

#include "cli/cli.h"

#include <stddef.h>
#include <stdint.h>

/* The string field key of o, or "" (borrowed from o). */
const char *og_cli__gate_str(json_t *o, const char *key);
/* A short duration, its two largest units: "45s", "12m 5s", "3h", "3h 5m", "2d 4h". */
void og_cli__gate_span(int64_t us, char *out, size_t size);

/* `gate policy show|set|assign` (cmd_gate_policy.c): its options and its handler. */
extern const og_cli_opt og_cli__gate_policy_opts[];
int og_cli__gate_policy(og_cli *cli, const og_cli_args *a);

#endif
