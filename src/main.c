/* main.c - the opsgate binary: CLI and server in one. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return og_cli_main(argc, argv);
}
