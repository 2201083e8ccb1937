/* render.c - a certificate's material (og_certs_material, from the inventory) as the files a
 * deployer writes: leaf, chain, full chain, key, or HAProxy's bundle. */
#include "deploy/deploy_internal.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdlib.h>
#include <string.h>

/* Append text to b, ending it with a newline, and no blank lines (HAProxy's runtime API ends a
 * payload at the first blank line). */
static int put_pem(og_buf *b, const char *pem)
{
    int error = 0;
    for (const char *p = pem; *p && error == 0;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        size_t t = l;
        while (t && (p[t - 1] == '\r' || p[t - 1] == ' '))
            t--;
        if (t)
            error = og_buf_append(b, p, t) < 0 ? -1 : og_buf_puts(b, "\n");
        p += l + (nl ? 1 : 0);
    }
    return error;
}

int og_deploy__render(const og_certs_material *m, og_deploy_fileset *fs)
{
    for (int i = 0; i < fs->n && i < OG_DEPLOY_MAX_FILES; i++) {
        og_deploy_file *f = &fs->f[i];
        og_buf b;
        int error = 0;
        og_buf_init(&b, OG_DEPLOY_MAX_FILE_SIZE);
        if (f->role != OG_DEPLOY_CHAIN && f->role != OG_DEPLOY_KEY)
            error = put_pem(&b, m->leaf_pem);
        if (error == 0 && f->role != OG_DEPLOY_LEAF && f->role != OG_DEPLOY_KEY)
            error = put_pem(&b, m->chain_pem);
        if (error == 0 && (f->role == OG_DEPLOY_KEY || f->role == OG_DEPLOY_BUNDLE))
            error = put_pem(&b, m->key_pem);
        if (error == 0 && !b.data)
            error = og_buf_puts(&b, "");
        if (error < 0) {
            if (b.data)
                og_crypto_wipe(b.data, b.len);
            og_buf_free(&b);
            return og_error_set(OG_ERROR, "rendering %s failed", f->path);
        }
        f->mode = f->role == OG_DEPLOY_KEY || f->role == OG_DEPLOY_BUNDLE ? 0600 : 0644;
        f->len = b.len;
        f->data = og_buf_detach(&b);
        if (!f->data && !(f->data = strdup("")))
            return og_error_set(OG_ERROR, "out of memory");
        f->present = 1;
    }
    return 0;
}
