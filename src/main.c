/* main.c - the opsgate binary: CLI and server in one. */
#include "cli/cli.h"

#include <signal.h>

int main(int argc, char **argv)
{
    /* Past a file-size limit (RLIMIT_FSIZE, e.g. `prlimit --fsize`) a write fails with EFBIG
     * and the failing operation reports it; by default SIGXFSZ would kill the process instead,
     * mid-write, leaving temporary files behind and a server gone. */
    signal(SIGXFSZ, SIG_IGN);
    return og_cli_main(argc, argv);
}
