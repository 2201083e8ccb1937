/* cmd_brand.c - `opsgate brand`: the provider's name, address, colours and logo on generated
 * documents, for the installation or as a tenant's override. */
#include "cli/cli.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const help =
    "usage: opsgate brand show [--tenant T] [--json]\n"
    "       opsgate brand set [--tenant T] [--name NAME] [--address TEXT] [--logo FILE]\n"
    "                         [--color '#RGB'] [--accent '#RGB']\n"
    "       opsgate brand clear [--tenant T]\n"
    "\n"
    "The brand is the provider's identity (the MSP's) on every generated document: its name and\n"
    "address (on the cover, in the running header of each page, in the parties and signature\n"
    "block, as the PDF's author), its logo (cover and running header) and its colours (cover\n"
    "band, title, rules; the accent tints table heads). Without --tenant it is the installation's\n"
    "brand (platform-admin); with --tenant it is that tenant's override (its tenant-admin or a\n"
    "platform-admin): each field the tenant sets replaces the installation's, the others are\n"
    "inherited. Where a brand names the provider, the project data's `provider` is not needed.\n"
    "\n"
    "set changes only the fields given; an empty value removes one (--logo '' removes the logo).\n"
    "  --name NAME      up to 200 characters, one line\n"
    "  --address TEXT   up to 1000 characters; \\n starts a new line on the cover\n"
    "  --logo FILE      a PNG (at most 2048 x 2048 pixels) or an SVG (no DOCTYPE; external\n"
    "                   files and URLs are never loaded), at most 512 KiB; decoded before it is\n"
    "                   stored, refused with the reason when it does not decode\n"
    "  --color, --accent  #rgb or #rrggbb, e.g. '#0a5'\n"
    "show prints the brand documents of that scope get and where each field comes from\n"
    "(installation or tenant). clear removes the scope's own brand. set and clear are audited\n"
    "(docgen.brand.set, docgen.brand.clear). The HTTP API: GET/PUT/DELETE /api/v1/brand and\n"
    "/api/v1/tenants/{tenant}/brand (docs/branding.md).\n";

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

static int run(og_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"name", required_argument, NULL, 'n'},
        {"address", required_argument, NULL, 'a'},
        {"logo", required_argument, NULL, 'l'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"accent", required_argument, NULL, 'x'},
        {NULL, 0, NULL, 0},
    };
    int c, error, json = 0, rc = OG_EXIT_FAIL;
    const char *tenant = NULL, *logo_file = NULL;
    char *address = NULL, *logo = NULL;
    size_t logo_len = 0;
    og_docgen_brand_update u;
    memset(&u, 0, sizeof(u));
    if (argc < 2)
        return og_cli_usage("brand", "missing subcommand (show, set, clear)");
    const char *sub = argv[1];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'n':
            u.name = optarg;
            break;
        case 'a':
            u.address = optarg;
            break;
        case 'l':
            logo_file = optarg;
            break;
        case 'c':
            u.color = optarg;
            break;
        case 'x':
            u.accent = optarg;
            break;
        default:
            return og_cli_badopt("brand", argv + 1);
        }
    }
    if (argc - 1 - optind > 0)
        return og_cli_usage("brand", "unexpected argument '%s'", argv[1 + optind]);
    if (strcmp(sub, "show") != 0 && strcmp(sub, "set") != 0 && strcmp(sub, "clear") != 0)
        return og_cli_usage("brand", "unknown subcommand '%s' (show, set, clear)", sub);
    if (strcmp(sub, "set") != 0 && (u.name || u.address || u.color || u.accent || logo_file))
        return og_cli_usage("brand", "brand %s takes only --tenant%s", sub,
                            strcmp(sub, "show") == 0 ? " and --json" : "");
    if (strcmp(sub, "set") == 0 && !u.name && !u.address && !u.color && !u.accent && !logo_file)
        return og_cli_usage("brand",
                            "brand set needs at least one of --name, --address, --logo, --color, "
                            "--accent");
    if (logo_file) {
        u.set_logo = 1;
        if (*logo_file) {
            /* one byte over the limit is enough to say the file is too large */
            error = og_file_read(logo_file, OG_DOCGEN_LOGO_MAX + 1, &logo, &logo_len);
            if (error == OG_ETOOBIG)
                error = og_error_set(OG_EINVAL, "logo: '%s' is over the limit of %d bytes",
                                     logo_file, OG_DOCGEN_LOGO_MAX);
            if (error < 0)
                return og_cli_fail(error);
            u.logo = (const unsigned char *)logo;
            u.logo_len = logo_len;
        }
    }
    if (u.address && !(u.address = address = unescape_newlines(u.address))) {
        free(logo);
        return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
    }
    if ((error = og_cli_open(cli, tenant))) {
        rc = error;
        goto cleanup;
    }
    if (strcmp(sub, "show") == 0) {
        json_t *b = NULL;
        if ((error = og_docgen_brand_show(&cli->ctx, tenant, &b)) < 0) {
            rc = og_cli_fail(error);
            goto cleanup;
        }
        if (json) {
            og_cli_print_json(b);
        } else {
            print_brand(b);
            json_decref(b);
        }
        rc = OG_EXIT_OK;
        goto cleanup;
    }
    if (strcmp(sub, "set") == 0)
        error = og_docgen_brand_set(&cli->ctx, tenant, &u);
    else
        error = og_docgen_brand_clear(&cli->ctx, tenant);
    if (error < 0) {
        rc = og_cli_fail(error);
        goto cleanup;
    }
    fprintf(stderr, "opsgate: %s the %s brand\n", strcmp(sub, "set") == 0 ? "set" : "cleared",
            tenant ? "tenant's" : "installation's");
    rc = OG_EXIT_OK;
cleanup:
    free(logo);
    free(address);
    return rc;
}

const og_command og_cmd_brand = {
    .name = "brand",
    .summary = "the provider's name, address, logo and colours on generated documents",
    .legacy_run = run,
    .legacy_help = help,
};
