/* output.c - how the CLI prints results: JSON in the API's shapes, or aligned tables. */
#include "cli/cli.h"
#include "cli/table.h"

#include <stdio.h>
#include <stdlib.h>

void og_cli_print_list(const char *noun, json_t *list)
{
    og_cli_print_json(json_pack("{s:o}", noun, list ? list : json_array()));
}

/* The text of one JSON value in a table cell (buf holds numbers). */
static const char *cell(json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, size, "%g", json_real_value(v));
        return buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "yes" : "no";
    return "-";
}

void og_cli_print_rows(const og_cli *cli, const char *noun, json_t *list,
                       const char *const *headers, const char *const *fields)
{
    if (cli->json) {
        og_cli_print_list(noun, list);
        return;
    }
    size_t ncol = 0, i;
    while (fields[ncol])
        ncol++;
    og_cli_table *t = og_cli_table_new(headers);
    const char **cells = calloc(ncol ? ncol : 1, sizeof(*cells));
    char(*bufs)[32] = calloc(ncol ? ncol : 1, sizeof(*bufs));
    json_t *x;
    if (t && cells && bufs) {
        json_array_foreach(list, i, x)
        {
            for (size_t c = 0; c < ncol; c++)
                cells[c] = cell(json_object_get(x, fields[c]), bufs[c], sizeof(bufs[c]));
            og_cli_table_add(t, cells);
        }
        og_cli_table_print(t, stdout, 1);
    }
    og_cli_table_free(t);
    free(cells);
    free(bufs);
    json_decref(list);
}

int og_cli_print_list_or(const og_cli *cli, const char *noun, json_t *list,
                         void (*print)(json_t *list))
{
    if (cli->json) {
        og_cli_print_list(noun, list);
        return OG_EXIT_OK;
    }
    print(list);
    json_decref(list);
    return OG_EXIT_OK;
}
