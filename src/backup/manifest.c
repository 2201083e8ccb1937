/* manifest.c - a backup's manifest: what it says (format, versions, audit chains, keys, files)
 * and the checks an archive's entries must pass against it. */
#include "backup/backup_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <string.h>

void og_backup__hex(const uint8_t in[32], char out[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[64] = '\0';
}

/* One path part: 1..200 bytes of letters, digits, '-', '_' and '.', not "." or "..". */
static int part_ok(const char *p, size_t n)
{
    if (n == 0 || n > 200 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int og_backup__path_ok(const char *path)
{
    const char *parts[8];
    size_t lens[8], n = 0;
    const char *p = path;
    if (!path || !*path || strlen(path) > 512)
        goto bad;
    while (n < 8) {
        const char *slash = strchr(p, '/');
        parts[n] = p;
        lens[n] = slash ? (size_t)(slash - p) : strlen(p);
        if (!part_ok(parts[n], lens[n]))
            goto bad;
        n++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (n == 1 && (strcmp(path, "opsgate.db") == 0 ||
                   (strncmp(path, "tls-listener-", 13) == 0 && lens[0] > 17 &&
                    strcmp(path + lens[0] - 4, ".pem") == 0)))
        return 0;
    if (n == 2 && strcmp(path, OG_BACKUP_KEY_ENTRY) == 0)
        return 0;
    if (n == 4 && lens[0] == 7 && memcmp(parts[0], "objects", 7) == 0 && lens[2] == 2 &&
        strchr(path, '/')[1] != '.')
        return 0;
bad:
    return og_error_set(OG_ECORRUPT, "the archive holds an entry no backup writes: '%.80s'",
                        path ? path : "");
}

static int format_ok(const json_t *m)
{
    const char *format = json_string_value(json_object_get(m, "format"));
    json_t *v = json_object_get(m, "format_version");
    if (!format || strcmp(format, OG_BACKUP_FORMAT) != 0)
        return og_error_set(OG_ECORRUPT, "the manifest is not an opsgate backup's");
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return og_error_set(OG_ECORRUPT, "the manifest has no format version");
    if (json_integer_value(v) > OG_BACKUP_FORMAT_VERSION)
        return og_error_set(OG_ECORRUPT,
                            "the backup is of format %lld, newer than this opsgate reads (%d):"
                            " use a newer opsgate",
                            (long long)json_integer_value(v), OG_BACKUP_FORMAT_VERSION);
    return 0;
}

int og_backup__manifest_check(const json_t *m, const json_t *seen)
{
    json_t *files = json_object_get(m, "files"), *f;
    size_t i;
    int error = format_ok(m);
    if (error < 0)
        return error;
    if (!json_is_array(files))
        return og_error_set(OG_ECORRUPT, "the manifest lists no files");
    json_array_foreach(files, i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        json_t *size = json_object_get(f, "size"), *got;
        if (!path || !sha || !json_is_integer(size))
            return og_error_set(OG_ECORRUPT, "the manifest's file %zu lacks a path, size or hash",
                                i + 1);
        if ((error = og_backup__path_ok(path)) < 0)
            return error;
        if (!(got = json_object_get(seen, path)))
            return og_error_set(OG_ECORRUPT, "'%s' is in the manifest but not in the archive",
                                path);
        if (json_integer_value(json_object_get(got, "size")) != json_integer_value(size))
            return og_error_set(OG_ECORRUPT, "'%s' has %lld bytes, the manifest says %lld", path,
                                (long long)json_integer_value(json_object_get(got, "size")),
                                (long long)json_integer_value(size));
        if (strcmp(json_string_value(json_object_get(got, "sha256")), sha) != 0)
            return og_error_set(OG_ECORRUPT, "'%s' does not match its SHA-256 in the manifest",
                                path);
    }
    if (json_object_size(seen) != json_array_size(files)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)seen, key, v)
        {
            int listed = 0;
            json_array_foreach(files, i, f) listed |=
                strcmp(json_string_value(json_object_get(f, "path")), key) == 0;
            if (!listed)
                return og_error_set(OG_ECORRUPT, "'%s' is in the archive but not in the manifest",
                                    key);
        }
        return og_error_set(OG_ECORRUPT, "the manifest lists a file twice");
    }
    if (!json_object_get(seen, "opsgate.db"))
        return og_error_set(OG_ECORRUPT, "the archive holds no database");
    return 0;
}

json_t *og_backup__manifest_new(const char *backend, json_t *schemas, json_t *chains,
                                int keys_included)
{
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    json_t *keys = keys_included
                       ? json_pack("{s:b, s:s, s:s, s:s}", "included", 1, "file",
                                   OG_BACKUP_KEY_ENTRY, "kdf", "scrypt", "cipher", "AES-256-GCM")
                       : json_pack("{s:b}", "included", 0);
    return json_pack("{s:s, s:i, s:s, s:s, s:s, s:O, s:O, s:o}", "format", OG_BACKUP_FORMAT,
                     "format_version", OG_BACKUP_FORMAT_VERSION, "opsgate_version", OG_VERSION,
                     "created", now, "backend", backend, "schemas", schemas, "audit_chains", chains,
                     "keys", keys);
}
