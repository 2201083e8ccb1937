/* table.h - aligned text tables for the CLI: each column as wide as its widest value. */
#ifndef OPSGATE_CLI_TABLE_H
#define OPSGATE_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Usage:
 *   const char *const head[] = {"NAME", "DAYS", "SUBJECT", NULL};
 *   og_cli_table *t = og_cli_table_new(head);
 *   og_cli_table_right(t, 1);                 // numbers right-aligned
 *   og_cli_table_add(t, (const char *[]){"a", "5", "CN=a"});
 *   og_cli_table_print(t, stdout);            // header + rows, then the rows are dropped
 *   og_cli_table_free(t);
 *
 * Widths are display widths of UTF-8 text (a CJK character counts two), so values of any length
 * line up. Columns are separated by two spaces; the last column is not padded. Control
 * characters and invalid UTF-8 in values print as '?', so a value (a certificate subject, a file
 * name) cannot move the cursor or recolour the terminal.
 */
typedef struct og_cli_table og_cli_table;

/* A table with these headers (NULL-terminated, at least one; copied). NULL when out of memory. */
og_cli_table *og_cli_table_new(const char *const *headers);
/* Right-align column col (numbers). Out-of-range columns are ignored. */
void og_cli_table_right(og_cli_table *t, size_t col);
/* Append a row of exactly as many cells as headers (NULL prints as ""); copied.
 * 0, or -1 when out of memory (the row is then dropped). */
int og_cli_table_add(og_cli_table *t, const char *const *cells);
size_t og_cli_table_rows(const og_cli_table *t);
/* Print the header and every row to f, then drop the rows (the table can take more rows and be
 * printed again, with widths computed afresh). Nothing is printed when there are no rows and
 * print_empty is 0. */
void og_cli_table_print(og_cli_table *t, FILE *f, int print_empty);
void og_cli_table_free(og_cli_table *t); /* NULL-safe */

/* Display width of a UTF-8 string as the table prints it. */
size_t og_cli_text_width(const char *s);
/* A copy of s (NULL prints as "") safe to print outside a table, as a table prints it: control
 * characters and invalid UTF-8 become '?'. Caller frees; NULL when out of memory. */
char *og_cli_text_safe(const char *s);

#endif
