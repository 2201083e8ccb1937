/* cmd_brand.c - `opsgate brand`: the provider's name, address, colours and logo on generated
 * documents, for the installation or as a tenant's override. */
#include "cli/cli.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "The brand is the provider's identity (the MSP's) on every generated document: its name and\n"
    "address (on the cover, in the running header of each page, in the parties and signature\n"
    "block, as the PDF's author), its logo (cover and running header) and its colours (cover\n"
    "band, title, rules; the accent tints table heads). Without --tenant it is the installation's\n"
    "brand (platform-admin); with --tenant it is that tenant's override (its tenant-admin or a\n"
    "platform-admin): each field the tenant sets replaces the installation's, the others are\n"
    "inherited. Where a brand names the provider, the project data's `provider` is not needed.\n"
    "\n"
    "set changes only the fields given; an empty value removes one (--logo '' removes the logo).\n"
    "A name is up to 200 characters on one line; an address up to 1000 characters, where \\n\n"
    "starts a new line on the cover. A logo is a PNG (at most 2048 x 2048 pixels) or an SVG (no\n"
    "DOCTYPE; external files and URLs are never loaded), at most 512 KiB; it is decoded before\n"
    "it is stored, and refused with the reason when it does not decode. Colours are #rgb or\n"
    "#rrggbb, e.g. '#0a5'.\n"
    "show prints the brand documents of that scope get and where each field comes from\n"
    "(installation or tenant); with --json as GET /api/v1/brand returns it (set --json prints\n"
    "the brand after the change, as PUT does). clear removes the scope's own brand. set and\n"
    "clear are audited (docgen.brand.set, docgen.brand.clear). The HTTP API: GET/PUT/DELETE\n"
    "/api/v1/brand and /api/v1/tenants/{tenant}/brand (docs/branding.md).\n";

/* "\n" written on the command line becomes a newline in the address. */
static char *unescape_newlines(const char *s)
{
    char *o = malloc(strlen(s) + 1), *w = o;
    if (!o)
        return NULL;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            *w++ = '\n';
            s++;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
    return o;
}

static void print_brand(json_t *b)
{
    static const char *const f[] = {"name", "address", "color", "accent"};
    const json_t *src = json_object_get(b, "sources"), *logo = json_object_get(b, "logo");
    const char *scope = json_string_value(json_object_get(b, "scope"));
    printf("brand of %s %s\n", scope ? scope : "",
           json_string_value(json_object_get(b, "tenant"))
               ? json_string_value(json_object_get(b, "tenant"))
               : "");
    for (size_t i = 0; i < 4; i++) {
        const char *v = json_string_value(json_object_get(b, f[i]));
        const char *from = json_string_value(json_object_get(src, f[i]));
        printf("  %-8s ", f[i]);
        for (const char *c = v ? v : "-"; *c; c++) /* an address's lines, one under the other */
            if (*c == '\n')
                printf("\n  %-8s ", "");
            else
                putchar(*c);
        if (from && *from)
            printf("  (%s)", from);
        printf("\n");
    }
    if (json_is_object(logo))
        printf("  %-8s %s, %lld bytes, sha256 %.12s  (%s)\n", "logo",
               json_string_value(json_object_get(logo, "media_type")),
               (long long)json_integer_value(json_object_get(logo, "size")),
               json_string_value(json_object_get(logo, "sha256")),
               json_string_value(json_object_get(src, "logo")));
    else
        printf("  %-8s -\n", "logo");
}

/* The brand of the scope: as a text block, or with --json as the API returns it. */
static int show_brand(og_cli *cli, const char *tenant)
{
    json_t *b = NULL;
    int error;
    if ((error = og_docgen_brand_show(&cli->ctx, tenant, &b)) < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_json(b);
        return OG_EXIT_OK;
    }
    print_brand(b);
    json_decref(b);
    return OG_EXIT_OK;
}

static int show(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    return show_brand(cli, tenant);
}

/* Read the logo file into u (--logo '' removes the logo). *logo is the caller's to free. */
static int read_logo(const char *file, og_docgen_brand_update *u, char **logo)
{
    size_t len = 0;
    int error;
    u->set_logo = 1;
    if (!*file)
        return 0;
    /* one byte over the limit is enough to say the file is too large */
    error = og_file_read(file, OG_DOCGEN_LOGO_MAX + 1, logo, &len);
    if (error == OG_ETOOBIG)
        error = og_error_set(OG_EINVAL, "logo: '%s' is over the limit of %d bytes", file,
                             OG_DOCGEN_LOGO_MAX);
    if (error < 0)
        return error;
    u->logo = (const unsigned char *)*logo;
    u->logo_len = len;
    return 0;
}

static int set(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *logo_file = og_cli_get(a, "logo");
    char *address = NULL, *logo = NULL;
    int error, rc = OG_EXIT_FAIL;
    og_docgen_brand_update u;
    memset(&u, 0, sizeof(u));
    u.name = og_cli_get(a, "name");
    u.address = og_cli_get(a, "address");
    u.color = og_cli_get(a, "color");
    u.accent = og_cli_get(a, "accent");
    if (og_cli_has(a, "colour") && u.color)
        return og_cli_bad(a, "--colour is --color: give one of them");
    if (!u.color)
        u.color = og_cli_get(a, "colour");
    if (!u.name && !u.address && !u.color && !u.accent && !logo_file)
        return og_cli_bad(a, "brand set needs at least one of --name, --address, --logo, "
                             "--color, --accent");
    if (logo_file && (error = read_logo(logo_file, &u, &logo)) < 0)
        return og_cli_fail(error);
    if (u.address && !(u.address = address = unescape_newlines(u.address))) {
        rc = og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
        goto cleanup;
    }
    if ((error = og_cli_open(cli, tenant))) {
        rc = error;
        goto cleanup;
    }
    if ((error = og_docgen_brand_set(&cli->ctx, tenant, &u)) < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    fprintf(stderr, "opsgate: set the %s brand\n", tenant ? "tenant's" : "installation's");
    rc = cli->json ? show_brand(cli, tenant) : OG_EXIT_OK;
cleanup:
    free(logo);
    free(address);
    return rc;
}

static int clear(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_docgen_brand_clear(&cli->ctx, tenant)) < 0)
        return og_cli_fail(error);
    fprintf(stderr, "opsgate: cleared the %s brand\n", tenant ? "tenant's" : "installation's");
    return OG_EXIT_OK;
}

static const og_cli_opt scope_opts[] = {
    {"tenant", "T", "the tenant's brand (default: the installation's)", 0, 0},
    {0},
};
static const og_cli_opt set_opts[] = {
    {"tenant", "T", "the tenant's brand (default: the installation's)", 0, 0},
    {"name", "NAME", "the provider's name, one line", 0, 0},
    {"address", "TEXT", "its address; \\n starts a new line", 0, 0},
    {"logo", "FILE", "a PNG or SVG, at most 512 KiB ('' removes it)", 0, 0},
    {"color", "'#RGB'", "the main colour, #rgb or #rrggbb", 0, 0},
    {"colour", "'#RGB'", "the same as --color", 0, 0},
    {"accent", "'#RGB'", "the accent colour (table heads)", 0, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"show", NULL, 0, 0, scope_opts, "the brand documents get, and where each field comes from",
     show},
    {"set", NULL, 0, 0, set_opts, "change the fields given ('' removes one)", set},
    {"clear", NULL, 0, 0, scope_opts, "remove the scope's own brand", clear},
    {0},
};

const og_command og_cmd_brand = {
    .name = "brand",
    .summary = "the provider's name, address, logo and colours on generated documents",
    .about = about,
    .subs = subs,
};
