/* cmd_docgen.h - what `opsgate generate` and `opsgate template` share (cmd_generate.c). */
#ifndef OPSGATE_CLI_CMD_DOCGEN_H
#define OPSGATE_CLI_CMD_DOCGEN_H

#include <stddef.h>

/* Write an output file (-o). Regular files (and new ones) are replaced atomically; anything else
 * that exists - /dev/stdout, a FIFO, /dev/null - is written in place: an atomic rename would
 * replace the device node with a regular file. "-" is stdout. 0 or a negative og_errcode. */
int og_cli_doc_write(const char *path, const void *data, size_t len);

#endif
