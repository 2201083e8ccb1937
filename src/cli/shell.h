/* shell.h - what the shell and man(1) read, generated from the command tables (og_cli_commands). */
#ifndef OPSGATE_CLI_SHELL_H
#define OPSGATE_CLI_SHELL_H

#include <stdio.h>

/* Write the completion script for shell ("bash" or "zsh") to f; -1 for another shell. */
int og_cli_completion(FILE *f, const char *shell);
/* Write opsgate.1 and opsgate-<command>.1 for every command into folder dir (which must exist);
 * prints the error and returns -1 when a file cannot be written. Run by the hidden
 * `opsgate __manpages DIR` at build time. */
int og_cli_manpages(const char *dir);

#endif
