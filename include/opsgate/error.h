/* error.h - error codes and the per-thread error message every fallible call fills. */
#ifndef OPSGATE_ERROR_H
#define OPSGATE_ERROR_H

/*
 * Every fallible function returns 0 on success or one of these negative codes, and on failure
 * leaves a human-readable message in the calling thread's error slot (og_error_last()).
 * The HTTP layer maps codes to statuses in one place (src/http/); the CLI maps them to exit codes.
 */
enum og_errcode {
    OG_OK = 0,
    OG_ERROR = -1,     /* anything not listed: I/O, database, out of memory */
    OG_ENOTFOUND = -2, /* no such object, or one the actor may not know of (HTTP 404) */
    OG_EEXISTS = -3,   /* already exists (HTTP 409) */
    OG_EDENIED = -4,   /* authenticated but not allowed (HTTP 403) */
    OG_EAUTH = -5, /* not authenticated: missing, bad, expired or revoked credential (HTTP 401) */
    OG_ECONFLICT = -6,  /* state conflict: locked, wrong lifecycle state (HTTP 409) */
    OG_EPENDING = -7,   /* accepted but waiting on a human gate (HTTP 202) */
    OG_EINVAL = -8,     /* bad input (HTTP 400) */
    OG_ETOOBIG = -9,    /* input over a configured limit (HTTP 413) */
    OG_ECORRUPT = -10,  /* integrity failure: bad tag, broken chain, tampered data */
    OG_EBUSY = -11,     /* try again later (HTTP 503) */
    OG_ESCHEMA = -12,   /* the data folder was written by a newer opsgate */
    OG_ENOSPACE = -13,  /* out of storage: disk full, quota or file-size limit (HTTP 507) */
    OG_ELOCKED = -14,   /* the data is locked away on purpose: a tenant's key revoked (HTTP 423) */
    OG_EUPSTREAM = -15, /* a service outside opsgate (an ACME CA) refused, failed or could not be
                         * reached; the message says which and why (HTTP 502) */
};

/* OG_ENOSPACE for an errno that means "no room to write" (ENOSPC, EDQUOT, EFBIG), else OG_ERROR. */
int og_error_for_errno(int errnum);

/* Set the thread's error and return code, so callers can write `return og_error_set(...)`. */
int og_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Make text valid UTF-8 in place as og_error_set() does with its messages: each byte of an
 * invalid sequence and each control character other than newline and tab becomes '?'. For
 * messages kept outside the error slot (a template's parse error, printed by the CLI). */
void og_error_clean_text(char *msg);

/* Prefix the current message with context: "opening x: <old message>". Returns the current code. */
int og_error_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message set in this thread; never NULL ("" when none). Borrowed until the next set. */
const char *og_error_last(void);

/* The last code set in this thread (OG_OK when none). */
int og_error_code(void);

void og_error_clear(void);

/*
 * A stable snake_case detail of the current error ("no_project_data"), for the few cases a
 * caller reacts to. Library messages stay face-neutral (they are read on the CLI and over HTTP
 * alike); a face that sees a detail it knows adds its own hint ("pass --input FILE.json",
 * "send the data in the request body"). Set it right after og_error_set(); `detail` must be a
 * string literal (it is kept, not copied). og_error_set() and og_error_clear() reset it to "",
 * og_error_wrap() keeps it. Never NULL.
 */
int og_error_set_detail(const char *detail);
const char *og_error_detail(void);
/*
 * The same, with the one value a face's hint needs ("10.0.0.0/8" for an egress range it would
 * tell a platform-admin to allow); the value is copied (up to 255 bytes). og_error_detail_arg()
 * is "" when none was set, and is reset with the detail.
 */
int og_error_set_detail_arg(const char *detail, const char *arg);
const char *og_error_detail_arg(void);

/* A stable snake_case name for a code, used in JSON error bodies ("not_found", "denied", ...). */
const char *og_error_name(int code);

#endif
