/* cli_driver.c - runs many CLI command lines in one process, for the CLI authorization matrix
 * (tests/authz/cli_authz_matrix.py): starting the opsgate binary costs more than most commands
 * take, and the matrix runs over a thousand of them.
 *
 * Reads one command line per stdin line, a JSON array of strings (the arguments after
 * "opsgate"); runs og_cli_main() on it, the same entry point as src/main.c, with stdin from
 * /dev/null and stdout and stderr captured; writes one JSON line {"rc", "out", "err"} to stdout.
 * Ends at end of input. A test helper only: the product's code paths are the binary's. */
#include "cli/cli.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 64
#define MAX_OUT  (4 * 1024 * 1024)

/* The content of fd (rewound), at most MAX_OUT bytes, as a JSON string (invalid UTF-8 bytes
 * replaced). */
static json_t *slurp(int fd)
{
    static char buf[MAX_OUT + 1];
    ssize_t n, len = 0;
    lseek(fd, 0, SEEK_SET);
    while (len < MAX_OUT && (n = read(fd, buf + len, (size_t)(MAX_OUT - len))) > 0)
        len += n;
    buf[len] = '\0';
    for (ssize_t i = 0; i < len; i++)
        if ((unsigned char)buf[i] >= 0x80 || (buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\t'))
            buf[i] = '?'; /* the matrix compares messages; a byte it cannot show is a '?' */
    return json_stringn(buf, (size_t)len);
}

/* Run argv (NULL-terminated, argv[0] "opsgate") with fds 0, 1, 2 redirected. */
static int run(int argc, char **argv, int out, int err)
{
    int save[3], null = open("/dev/null", O_RDONLY), rc;
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 3; i++)
        save[i] = dup(i);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    rc = og_cli_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    clearerr(stdin);
    for (int i = 0; i < 3; i++) {
        dup2(save[i], i);
        close(save[i]);
    }
    close(null);
    return rc;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    while (getline(&line, &cap, stdin) > 0) {
        json_error_t e;
        json_t *args = json_loads(line, 0, &e), *res;
        char *argv[MAX_ARGS + 2], *owned[MAX_ARGS + 2], outname[] = "/tmp/og-cli-driver-XXXXXX",
                                                        errname[] = "/tmp/og-cli-driver-XXXXXX";
        int argc = 0, out = mkstemp(outname), err = mkstemp(errname), rc;
        if (!json_is_array(args) || json_array_size(args) > MAX_ARGS || out < 0 || err < 0) {
            fprintf(stderr, "cli_driver: bad input line: %s", line);
            return 2;
        }
        unlink(outname);
        unlink(errname);
        owned[argc++] = strdup("opsgate");
        for (size_t i = 0; i < json_array_size(args); i++) {
            const char *s = json_string_value(json_array_get(args, i));
            owned[argc++] = strdup(s ? s : "");
        }
        owned[argc] = NULL;
        memcpy(argv, owned, sizeof(argv)); /* og_cli_main reorders argv: free what we own */
        rc = run(argc, argv, out, err);
        res = json_pack("{s:i, s:o, s:o}", "rc", rc, "out", slurp(out), "err", slurp(err));
        char *text = json_dumps(res, JSON_COMPACT);
        printf("%s\n", text);
        fflush(stdout);
        free(text);
        json_decref(res);
        json_decref(args);
        close(out);
        close(err);
        for (int i = 0; i < argc; i++)
            free(owned[i]);
    }
    free(line);
    return 0;
}
