/* util.h - domain-free helpers: bounded buffers, time, encodings, ids, files. */
#ifndef OPSGATE_UTIL_H
#define OPSGATE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- bounded growable buffer (like curl's dynbuf): every buffer has a hard cap ---- */
typedef struct og_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t alloc;
    size_t cap; /* hard limit on len; appends past it fail with OG_ETOOBIG */
} og_buf;

#define OG_BUF_DEFAULT_CAP ((size_t)64 << 20)

void og_buf_init(og_buf *b, size_t cap);
int og_buf_append(og_buf *b, const void *data, size_t len);
int og_buf_puts(og_buf *b, const char *s);
int og_buf_printf(og_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void og_buf_reset(og_buf *b);   /* len = 0, keeps memory */
char *og_buf_detach(og_buf *b); /* caller frees; buffer is empty afterwards */
void og_buf_free(og_buf *b);    /* no-op on a zeroed buffer */

/* ---- time ---- */
int64_t og_time_now_us(void);  /* wall clock, microseconds since the epoch (UTC) */
int64_t og_time_mono_us(void); /* monotonic clock, microseconds */
/* The absolute time us_from_now (>= 0) after now on clock (CLOCK_MONOTONIC, CLOCK_REALTIME), for
 * pthread_cond_timedwait and friends. */
void og_time_deadline(struct timespec *ts, clockid_t clock, int64_t us_from_now);
/* "2026-11-22T04:15:20.123456Z"; out must hold OG_TIME_LEN bytes */
#define OG_TIME_LEN 32
void og_time_format(int64_t us, char out[OG_TIME_LEN]);
/* Parse RFC 3339 ("2026-11-22T04:15:20Z", fractional seconds and offsets allowed) or a bare
 * date ("2026-11-22", midnight UTC). Returns 0 or OG_EINVAL with a message naming the input. */
int og_time_parse(const char *s, int64_t *out_us);
/* Parse a duration "90s", "15m", "6h", "30d", "2w" into microseconds; OG_EINVAL on bad input. */
int og_duration_parse(const char *s, int64_t *out_us);

/* ---- encodings ---- */
/* hex: out must hold 2*len+1 bytes */
void og_hex_encode(const uint8_t *in, size_t len, char *out);
/* returns bytes written or -1 on bad hex / output too small */
int og_hex_decode(const char *in, uint8_t *out, size_t outcap);
/* base64 (standard, padded) and base64url (no padding). Caller frees the result. */
char *og_base64_encode(const uint8_t *in, size_t len);
char *og_base64url_encode(const uint8_t *in, size_t len);
/* Decodes either alphabet, padding optional. Caller frees *out. OG_EINVAL on bad input. */
int og_base64_decode(const char *in, uint8_t **out, size_t *outlen);

/* ---- identifiers ---- */
#define OG_ID_LEN 37                 /* a UUID in text form plus NUL */
void og_id_new(char out[OG_ID_LEN]); /* random (v4) UUID, lower case */
bool og_id_valid(const char *s);

/* A name for tenants, users, projects: 1..63 of [a-z0-9._-], starting with a letter or digit. */
bool og_name_valid(const char *s);

/* ---- this node ----
 * A node is one opsgate process serving a database that other nodes may share (docs/ops.md,
 * "Several nodes"): its id owns the leases of the jobs it runs and labels its /metrics. */
#define OG_NODE_ID_MAX 64
/* Set this process's node id once at start (`serve --node`): 1 to 64 of A-Z a-z 0-9 . _ : -
 * (so that it needs no escaping in a metric label or a log line); OG_EINVAL otherwise. */
int og_node_set_id(const char *id);
/* This process's node id: the one set (og_node_set_id, og_node_set_default), else
 * "HOSTNAME:PID" (cut to fit, other characters as '-'). Never NULL; stable for the process's life
 * once read. */
const char *og_node_id(void);
/* Set the node id a server takes when none is given: "HOSTNAME-XXXXXXXX", the host name (cut to
 * fit, other characters as '-') and 8 hex digits of a hash of where its data is (data_location:
 * a folder, made absolute, or a database URL), so the same installation on the same host gets the
 * same name at every start and a restarted node finds its own leases. No-op once an id is set. */
void og_node_set_default(const char *data_location);
/* This process, as a node's lease on its name records it: "HOST PID START BOOT" (the host name,
 * the process id, its start time in clock ticks since boot, the kernel's boot id). Never NULL. */
const char *og_node_instance(void);
/* Whether the process an instance string (og_node_instance) names still runs: 1 yes, 0 no (on
 * this host since this boot, no such process, or another one under its pid), -1 cannot tell
 * (another host or boot, or a string not of that form). */
int og_node_instance_alive(const char *instance);

/* ---- text ---- */
/* s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates, code points past
 * U+10FFFF or truncated sequences) without NUL. On false, *bad_at (if not NULL) is the byte offset
 * of the first sequence that is not. */
bool og_utf8_valid(const char *s, size_t len, size_t *bad_at);
/*
 * The one check for a name people give things (artifact and project names; tenant, user, project
 * key and target names, which og_name_valid then narrows to slugs): 1..max_bytes bytes (0 = no
 * cap) of valid UTF-8 with no control characters (C0, DEL, C1), no invisible format characters
 * (Unicode category Cf: U+200B..U+200F, U+202A..U+202E bidi overrides, U+2060..U+206F, U+FEFF,
 * U+00AD, ...), no line/paragraph separators, private-use, tag (U+E0000..U+E007F) or unassigned
 * code points (per the Unicode version of the utf8proc library). Returns 0 or OG_EINVAL with a
 * message that starts with `what` ("artifact name") and names the offending code point or byte
 * and its byte offset (never the raw bytes). Module rules (no '/', slugs) come on top of this.
 */
int og_name_check(const char *what, const char *s, size_t max_bytes);

/* ---- strings ---- */
size_t og_strlcpy(char *dst, const char *src, size_t size);
bool og_streq(const char *a, const char *b); /* NULL-safe */
/* Constant-time comparison of two equal-length byte strings. */
bool og_memeq_ct(const void *a, const void *b, size_t len);

/* ---- files ---- */
/* Read a whole file, at most cap bytes (OG_ETOOBIG beyond). Caller frees *out (NUL-terminated). */
int og_file_read(const char *path, size_t cap, char **out, size_t *outlen);
/* Write atomically: temp file in the same folder, fsync, rename, fsync the folder. */
int og_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* fsync the folder dir, so that entries made or renamed in it are durable. Returns 0, or
 * OG_ERROR (OG_ENOSPACE for no room) naming the folder; callers to whom it is a best effort
 * ignore that. */
int og_dir_sync(const char *dir);
/* All len bytes written to fd, retrying short writes and EINTR (a blocking fd; not for
 * O_DIRECT or non-blocking sockets). Returns 0, or -1 with errno kept (EIO for a write that
 * wrote nothing) and no message set: the caller names the file in its own, with its own code. */
int og_fd_write_all(int fd, const void *data, size_t len);
/* read() until cap bytes or end of file, retrying short reads and EINTR; *got is what was read,
 * also on failure. Returns 0 (*got < cap: end of file reached), or -1 with errno kept and no
 * message set, as og_fd_write_all. */
int og_fd_read_full(int fd, void *buf, size_t cap, size_t *got);
/* mkdir -p with the given mode for created folders. */
int og_mkdir_p(const char *path, unsigned mode);
/* The current unix user's name ("uid1000" if it has none). */
void og_unix_user(char *out, size_t size);

/* ---- shared modules: code with heavy libraries, loaded on first use ----
 * opsgate-NAME.so (the PDF renderer "pdf", the PDF text reader "pdftext") is looked for in
 * $OPSGATE_MODULE_DIR when it is set (only there), else next to the running executable, else in
 * the installation's module folder (OG_MODULE_DIR, <libdir>/opsgate). It is loaded once per
 * process (RTLD_NOW | RTLD_LOCAL, under a lock) and stays loaded. *out is the address of its
 * symbol sym. OG_ERROR naming every folder tried and the loader's reason when it cannot be
 * loaded or lacks sym; the failure is not remembered (a module installed later is found). */
int og_module_sym(const char *name, const char *sym, void **out);
/* The folders og_module_sym looks in, in order, as "DIR1:DIR2..." (diagnostics, tests). */
void og_module_path(char *out, size_t size);

/* ---- system libraries only some commands need, loaded on first use ----
 * libxml2, liblinear (infer) and libarchive (backup) are not linked into the binary: with them
 * (and ICU and libstdc++ under them) every process's start mapped and relocated 11 more shared
 * objects. The module that owns one declares an og_lazylib and defines the few functions of the
 * library it calls under their own names, each calling the library's through og_lazylib_sym
 * (src/infer/lazy_libs.c, src/backup/lazy_archive.c). The library is loaded once per process
 * (RTLD_NOW | RTLD_LOCAL, under a lock) and stays loaded; OG_ERROR naming the library, its
 * Debian package and what needs it when it cannot be loaded (a failure is not remembered).
 * OPSGATE_TEST_LAZYLIB_MISSING=SONAME[,SONAME...] makes those count as not installed (tests of
 * that message). */
typedef struct og_lazylib {
    const char *soname;     /* "libarchive.so.13" */
    const char *package;    /* the Debian package that ships it: "libarchive13" */
    const char *needed_for; /* what needs it, for the message: "backups" */
    void *dl;               /* once loaded (under the lock; read with __atomic_load_n) */
} og_lazylib;
/* Load lib (if it is not yet). */
int og_lazylib_load(og_lazylib *lib);
/* *out: the address of lib's symbol sym, loading lib first. */
int og_lazylib_sym(og_lazylib *lib, const char *sym, void **out);

/* ---- network addresses (no policy: which ranges a deployment allows is decided elsewhere) ---- */
/* An IPv4 or IPv6 address. IPv4 lives in b[0..3]. IPv4-mapped IPv6 (::ffff:a.b.c.d) is always
 * stored as the IPv4 address it maps, so one range check covers both spellings. */
typedef struct og_netaddr {
    int family; /* 4 or 6 */
    uint8_t b[16];
} og_netaddr;

/* A range: an address with its host bits zero, and a prefix length (0..32 or 0..128). */
typedef struct og_cidr {
    og_netaddr addr;
    int prefix;
} og_cidr;

#define OG_NETADDR_STRLEN 64 /* enough for any og_netaddr_format / og_cidr_format result */

/* A numeric address as the resolver would take it: inet_pton forms, plus the IPv4 shorthands the
 * C library accepts for numeric hosts ("127.1", "0x7f.1", "2130706433"); an IPv6 literal may be
 * bracketed and may carry a zone ("fe80::1%eth0"). OG_EINVAL for anything else (a host name). */
int og_netaddr_parse(const char *s, og_netaddr *out);
/* From a struct sockaddr (AF_INET or AF_INET6, len bytes). OG_EINVAL for other families. */
int og_netaddr_from_sockaddr(const void *sa, size_t len, og_netaddr *out);
void og_netaddr_format(const og_netaddr *a, char *out, size_t size);

/* "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128). IPv4-mapped IPv6 ranges of prefix
 * 96 or more become the IPv4 range they map. OG_EINVAL naming the input for junk, a prefix out of
 * range, or host bits set ("10.1.2.3/8": the message names 10.0.0.0/8). */
int og_cidr_parse(const char *s, og_cidr *out);
void og_cidr_format(const og_cidr *c, char *out, size_t size);
bool og_cidr_contains(const og_cidr *c, const og_netaddr *a);

/* When a is in a special-purpose range (IANA special-purpose registries: loopback, private,
 * shared, link-local, unique-local, multicast, unspecified, documentation, reserved ...), fill
 * *range and *name ("loopback") and return true. IPv6 forms that embed an IPv4 address (NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are classified by the address they embed. A global unicast
 * address returns false. range and name may be NULL. */
bool og_netaddr_special(const og_netaddr *a, og_cidr *range, const char **name);

/* ---- URLs ---- */
/* What of a URL may be shown: "scheme://host[:port]" and "/…" when a path, query or fragment
 * followed, without userinfo (credentials) or the path (tokens). A host with characters no host
 * name has is shown as "…". Input without "://" is copied as is. Always NUL-terminates. */
void og_url_redact(const char *url, char *out, size_t size);

#endif
