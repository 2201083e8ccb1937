/* standalone.c - runs a libFuzzer target without libFuzzer: every corpus file, then a fixed
 * number of deterministic mutations of them, so `make check` exercises each target with gcc. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT 65536
#define MAX_FILES        1024

static uint8_t *inputs[MAX_FILES];
static size_t sizes[MAX_FILES];
static size_t ninputs;

static void load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f || ninputs == MAX_FILES) {
        if (f)
            fclose(f);
        return;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT, f) : 0;
    fclose(f);
    if (!buf)
        return;
    inputs[ninputs] = buf;
    sizes[ninputs++] = n;
}

static void load_arg(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "standalone: %s: not found\n", path);
        exit(2);
    }
    if (!S_ISDIR(sb.st_mode)) {
        load(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        load(p);
    }
    if (d)
        closedir(d);
}

/* The input being run, saved when the target dies so a mutation that crashed can be replayed and
 * kept in the corpus: to $OG_REPLAY_CRASH, else ./standalone-crash. */
static const uint8_t *current;
static size_t current_len;

static void on_crash(int sig)
{
    const char *path = getenv("OG_REPLAY_CRASH");
    int fd = open(path ? path : "standalone-crash", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, current, current_len);
        (void)w;
        close(fd);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run(const uint8_t *data, size_t size)
{
    current = data;
    current_len = size;
    LLVMFuzzerTestOneInput(data, size);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Bytes where UTF-8 decoders and parsers tend to go wrong. */
static const uint8_t interesting[] = {0x00, 0x0A, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                      0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, '{',  '}'};

static size_t mutate(uint8_t *buf, size_t n)
{
    int ops = 1 + (int)(next() % 4);
    for (int k = 0; k < ops; k++) {
        switch (next() % 4) {
        case 0: /* overwrite a byte */
            if (n)
                buf[next() % n] = interesting[next() % sizeof(interesting)];
            break;
        case 1: /* insert a byte */
            if (n < REPLAY_MAX_INPUT) {
                size_t at = n ? next() % (n + 1) : 0;
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] =
                    (uint8_t)(next() & 1 ? interesting[next() % sizeof(interesting)] : next());
                n++;
            }
            break;
        case 2: /* truncate */
            if (n)
                n = next() % n;
            break;
        default: /* flip a bit */
            if (n)
                buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
            break;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    long mutations = 0;
    signal(SIGILL, on_crash);
    signal(SIGSEGV, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGTRAP, on_crash);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-mutations=", 11) == 0)
            mutations = strtol(argv[i] + 11, NULL, 10);
        else
            load_arg(argv[i]);
    }
    for (size_t i = 0; i < ninputs; i++)
        run(inputs[i], sizes[i]);
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    for (long m = 0; buf && ninputs && m < mutations; m++) {
        size_t pick = next() % ninputs;
        memcpy(buf, inputs[pick], sizes[pick]);
        size_t n = mutate(buf, sizes[pick]);
        run(buf, n);
    }
    free(buf);
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i]);
    printf("standalone: %zu corpus inputs and %ld mutations ran without a crash\n", ninputs,
           mutations);
    return 0;
}
