/* doc_synth_other_ho.c - the held-out "other" family of the classifier's evaluation (issue 21):
 * paperwork an MSP files that is none of the four kinds but looks like one - clauses and
 * signatures like a SOW, money tables like a SOW or a change order, numbered lines like a
 * runbook, progress and risks like a closure - in five languages, each genre its own layout
 * (texts: doc_synth_other_ho_texts.c). No training uses it: it measures how many of such
 * documents stay "other". */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NL      OG_INFER_DOC_OTHER_HO_LANGS
#define NG      OG_INFER_DOC_OTHER_HO_GENRES
#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

const char *const og_infer_doc_other_ho_langs[] = {"en", "de", "fr", "es", "it", NULL};
const char *const og_infer_doc_other_ho_genres[] = {
    "master agreement", "sla annex",   "purchase order",   "rate card",
    "licence renewal",  "credit note", "budget forecast",  "business review",
    "progress update",  "timeline",    "risk log",         "raci",
    "kick-off agenda",  "inventory",   "network layout",   "vulnerability findings",
    "password rules",   "faq",         "first-day letter", NULL};

/* the words of the frame, per language */
typedef struct ho_kit {
    const char *for_, *date, *total, *sign[2], *hello, *bye, *heads[4], *levels[3], *version;
    const char *months[12];
} ho_kit;

static const ho_kit kits[NL] = {
    {"Prepared for",
     "Date",
     "Total",
     {"For the provider", "For the client"},
     "Dear %s,",
     "Kind regards",
     {"Summary", "Done", "Watch", "Coming up"},
     {"high", "medium", "low"},
     "Version",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"}},
    {"Erstellt für",
     "Datum",
     "Summe",
     {"Für den Anbieter", "Für den Kunden"},
     "Guten Tag %s,",
     "Freundliche Grüße",
     {"Überblick", "Erledigt", "Im Blick", "Als Nächstes"},
     {"hoch", "mittel", "gering"},
     "Fassung",
     {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
      "November", "Dezember"}},
    {"Établi pour",
     "Date",
     "Total",
     {"Pour le prestataire", "Pour le client"},
     "Bonjour %s,",
     "Bien cordialement",
     {"En bref", "Fait", "Points d'attention", "À venir"},
     {"élevée", "moyenne", "faible"},
     "Version",
     {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
      "octobre", "novembre", "décembre"}},
    {"Preparado para",
     "Fecha",
     "Total",
     {"Por el proveedor", "Por el cliente"},
     "Estimado/a %s:",
     "Un cordial saludo",
     {"Resumen", "Hecho", "A vigilar", "Próximamente"},
     {"alta", "media", "baja"},
     "Versión",
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
      "octubre", "noviembre", "diciembre"}},
    {"Preparato per",
     "Data",
     "Totale",
     {"Per il fornitore", "Per il cliente"},
     "Gentile %s,",
     "Cordiali saluti",
     {"In sintesi", "Fatto", "Da seguire", "Prossimi passi"},
     {"alta", "media", "bassa"},
     "Versione",
     {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
      "ottobre", "novembre", "dicembre"}}};

static const char *const clients[] = {"Harbour Dental Group", "Brightline Logistics",
                                      "Maier & Söhne GmbH",   "Atelier Rousseau",
                                      "Grupo Alcántara",      "Studio Ferri"};
static const char *const people[] = {"Ana Ruiz",    "Tom Bright", "Julia Maier", "Luc Bernard",
                                     "Marco Ferri", "Sofia Lund", "Priya Shah",  "Jan Kowal"};

/* an amount of cents in the language's format, with its currency */
static void amount(char *out, size_t n, long cents, int lang)
{
    long u = (cents / 100) % 10000000, c = cents % 100;
    char grp[24];
    const char sep = lang == 0 ? ',' : lang == 2 ? ' ' : '.';
    if (u >= 1000)
        snprintf(grp, sizeof(grp), "%ld%c%03ld", u / 1000, sep, u % 1000);
    else
        snprintf(grp, sizeof(grp), "%ld", u);
    if (lang == 0)
        snprintf(out, n, "£%s.%02ld", grp, c);
    else
        snprintf(out, n, "%s,%02ld €", grp, c);
}

static void date_of(char *out, size_t n, int lang, int d, int m, int y)
{
    if (lang == 0)
        snprintf(out, n, "%d %s %d", d, kits[0].months[m - 1], y);
    else if (lang == 1)
        snprintf(out, n, "%02d.%02d.%d", d, m, y);
    else
        snprintf(out, n, "%02d/%02d/%d", d, m, y);
}

/* a table row of cells (Markdown pipes or tabs, as the seed says) */
static int row(og_buf *b, int pipes, const char *cells)
{
    if (!pipes) {
        int error = 0;
        for (const char *c = cells; *c && error >= 0; c++)
            if (c[0] == ' ' && c[1] == '|' && c[2] == ' ') {
                error = og_buf_puts(b, "\t");
                c += 2;
            } else {
                error = og_buf_printf(b, "%c", *c);
            }
        return error >= 0 ? og_buf_puts(b, "\n") : error;
    }
    return og_buf_printf(b, "| %s |\n", cells);
}

static int header(og_buf *b, int pipes, const char *cols)
{
    int error = row(b, pipes, cols);
    if (error >= 0 && pipes) {
        error = og_buf_puts(b, "|");
        for (const char *c = cols; *c && error >= 0; c++)
            if (*c == '|')
                error = og_buf_puts(b, "---|");
        if (error >= 0)
            error = og_buf_puts(b, "---|\n");
    }
    return error;
}

/* the rows of a table genre: line 1..3 of the genre under its header, cells from the seed */
static int grid(og_buf *b, uint64_t *s, int g, int lang, int pipes)
{
    const og_infer__ho_genre *G = &og_infer__ho_genres[g];
    const ho_kit *k = &kits[lang];
    int error = header(b, pipes, G->cols[lang]);
    for (int i = 1; i <= 3 && error >= 0; i++) {
        char cells[256];
        const char *who = PICK(people);
        switch (g) {
        case 1: /* response times */
            snprintf(cells, sizeof(cells), "%s | %d min | %d h | %d.%d %%", G->line[lang][i],
                     15 << (i - 1), 4 * i * i, 99 - i / 3, 9 - 2 * i);
            break;
        case 10: /* a risk: likelihood, impact, owner */
            snprintf(cells, sizeof(cells), "%s | %d | %d | %s", G->line[lang][i],
                     1 + (int)(rnd(s) % 5), 1 + (int)(rnd(s) % 5), who);
            break;
        case 11: /* RACI: initials */
            snprintf(cells, sizeof(cells), "%s | %c.%c. | %c.%c. | IT | %s", G->line[lang][i],
                     who[0], who[strcspn(who, " ") + 1], "ATJLMS"[rnd(s) % 6], "RBMFLK"[rnd(s) % 6],
                     i == 2 ? "-" : "HR");
            break;
        case 13: /* a device */
            snprintf(cells, sizeof(cells), "%s | INV-%04d | %c%c%06d | %d.%02d | %s",
                     G->line[lang][i], (int)(rnd(s) % 10000), "CPHL"[rnd(s) % 4],
                     "GXNQ"[rnd(s) % 4], (int)(rnd(s) % 1000000), 1 + (int)(rnd(s) % 3),
                     (int)(rnd(s) % 30), who);
            break;
        default: /* 14 a network segment */
            snprintf(cells, sizeof(cells), "%d | 10.%d.%d.0/24 | 10.%d.%d.1 | %s", 10 * i,
                     (int)(rnd(s) % 30), 10 * i, (int)(rnd(s) % 30), 10 * i, G->line[lang][i]);
        }
        error = row(b, pipes, cells);
    }
    if (error >= 0 && g == 10)
        error = og_buf_printf(b, "\n%s: %s\n", k->levels[0], "4-5");
    return error;
}

/* a money table: three lines of the genre, quantities and prices; a total unless rates */
static int priced(og_buf *b, uint64_t *s, int g, int lang, int pipes)
{
    const og_infer__ho_genre *G = &og_infer__ho_genres[g];
    int layout = G->layout, error = header(b, pipes, G->cols[lang]);
    long sum = 0;
    for (int i = 1; i <= 3 && error >= 0; i++) {
        char cells[256], a[32], t[32];
        long unit = 2000 + (long)(rnd(s) % 60000), qty = 1 + (long)(rnd(s) % 12);
        if (layout == OG_INFER__HO_RATES) {
            amount(a, sizeof(a), unit, lang);
            snprintf(cells, sizeof(cells), "%s | %s | %d h", G->line[lang][i], a, 1 + i % 2);
        } else if (layout == OG_INFER__HO_BUDGET) {
            char q[4][32];
            for (int j = 0; j < 4; j++)
                amount(q[j], sizeof(q[j]), (unit * 10 + (long)(rnd(s) % 100000)) / 100 * 100, lang);
            snprintf(cells, sizeof(cells), "%s | %s | %s | %s | %s", G->line[lang][i], q[0], q[1],
                     q[2], q[3]);
        } else {
            amount(a, sizeof(a), unit, lang);
            amount(t, sizeof(t), unit * qty, lang);
            snprintf(cells, sizeof(cells), "%s | %ld | %s | %s", G->line[lang][i], qty, a, t);
            sum += unit * qty;
        }
        error = row(b, pipes, cells);
    }
    if (error >= 0 && sum > 0) {
        char t[32];
        amount(t, sizeof(t), sum, lang);
        error = og_buf_printf(b, "\n%s: %s\n", kits[lang].total, t);
    }
    return error;
}

/* the body of genre g after its opening line */
static int body(og_buf *b, uint64_t *s, int g, int lang)
{
    const og_infer__ho_genre *G = &og_infer__ho_genres[g];
    const ho_kit *k = &kits[lang];
    const char *const *L = G->line[lang];
    int pipes = (int)(rnd(s) % 3) != 0, error = 0;
    switch (G->layout) {
    case OG_INFER__HO_CLAUSES: /* numbered clauses, then both parties sign */
        for (int i = 1; i <= 3 && error >= 0; i++)
            error = rnd(s) % 2 ? og_buf_printf(b, "\xc2\xa7 %d  %s\n\n", i + 1, L[i])
                               : og_buf_printf(b, "%d.%d %s\n\n", i + 1, 1, L[i]);
        for (int i = 0; i < 2 && error >= 0; i++)
            error = og_buf_printf(b, "%s: ____________________  %s\n", k->sign[i], PICK(people));
        break;
    case OG_INFER__HO_GRID:
        error = grid(b, s, g, lang, pipes);
        break;
    case OG_INFER__HO_PRICED:
    case OG_INFER__HO_RATES:
    case OG_INFER__HO_BUDGET:
        error = priced(b, s, g, lang, pipes);
        if (error >= 0 && g == 2) /* a purchase order is signed by who may buy */
            error = og_buf_printf(b, "\n%s: ________________\n", k->sign[1]);
        break;
    case OG_INFER__HO_LETTER: {
        char a[32];
        amount(a, sizeof(a), 90000 + (long)(rnd(s) % 400000), lang);
        error = og_buf_printf(b, k->hello, PICK(people));
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n%s%s%s\n\n%s\n\n%s\n%s\n", L[1], L[2],
                                  g == 4 ? " " : "", g == 4 ? a : "", L[3], k->bye, PICK(people));
        break;
    }
    case OG_INFER__HO_STATUS: /* headings, a percentage, points */
        error = og_buf_printf(b, "%s: %d %%\n", k->heads[0], 20 + (int)(rnd(s) % 75));
        for (int i = 1; i <= 3 && error >= 0; i++)
            error = og_buf_printf(b, rnd(s) % 2 ? "\n### %s\n* %s\n" : "\n%s\n- %s\n", k->heads[i],
                                  L[i]);
        break;
    case OG_INFER__HO_PLAN: { /* phases and their dates */
        int m = 1 + (int)(rnd(s) % 9), day = 1 + (int)(rnd(s) % 10);
        error = header(b, pipes, G->cols[lang]);
        for (int i = 1; i <= 3 && error >= 0; i++) {
            char from[48], to[48], cells[256];
            date_of(from, sizeof(from), lang, day + 6 * (i - 1), m + (i == 3), 2026);
            date_of(to, sizeof(to), lang, day + 6 * (i - 1) + 5, m + (i == 3), 2026);
            snprintf(cells, sizeof(cells), "%s | %s | %s | %s", L[i], from, to, PICK(people));
            error = row(b, pipes, cells);
        }
        break;
    }
    case OG_INFER__HO_AGENDA: /* times */
        for (int i = 1; i <= 3 && error >= 0; i++)
            error = og_buf_printf(b, "%02d:%02d  %s\n", 9 + i / 2, (i % 2) * 30, L[i]);
        break;
    case OG_INFER__HO_FINDINGS: /* numbered points; findings carry a severity */
        for (int i = 1; i <= 3 && error >= 0; i++)
            error = g == 15 ? og_buf_printf(b, "%d) [%s] %s\n", i, k->levels[i - 1], L[i])
                            : og_buf_printf(b, "%d. %s\n", i, L[i]);
        break;
    default: /* questions and answers */
        for (int i = 1; i <= 3 && error >= 0; i++) {
            size_t q = strcspn(L[i], "|");
            error = og_buf_printf(b, rnd(s) % 2 ? "**%.*s**\n%s\n\n" : "Q: %.*s\nA: %s\n\n", (int)q,
                                  L[i], L[i] + q + 1);
        }
    }
    return error;
}

static int ho_other(int g, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__ho_genre *G = &og_infer__ho_genres[g];
    const ho_kit *k = &kits[lang];
    const char *client = PICK(clients);
    char title[200], arg[48], d[48];
    int error;
    if (g == 18)
        snprintf(arg, sizeof(arg), "%s", client);
    else if (g == 6)
        snprintf(arg, sizeof(arg), "%d", 2027);
    else if (g == 7)
        snprintf(arg, sizeof(arg), "%d", 1 + (int)(rnd(s) % 4));
    else if (g == 8)
        snprintf(arg, sizeof(arg), "%d", 2 + (int)(rnd(s) % 50));
    else
        snprintf(arg, sizeof(arg), "%d", 1000 + (int)(rnd(s) % 9000));
    snprintf(title, sizeof(title), G->title[lang], arg);
    date_of(d, sizeof(d), lang, 1 + (int)(rnd(s) % 28), 1 + (int)(rnd(s) % 12), 2026);
    error = og_buf_printf(b, rnd(s) % 2 ? "%s\n\n" : "# %s\n\n", title);
    if (error >= 0 && g != 18)
        error = og_buf_printf(b, "%s: %s\n%s: %s\n", k->for_, client, k->date, d);
    if (error >= 0 && rnd(s) % 2)
        error =
            og_buf_printf(b, "%s %d.%d\n", k->version, 1 + (int)(rnd(s) % 3), (int)(rnd(s) % 5));
    if (error >= 0)
        error = og_buf_printf(b, "\n%s\n\n", G->line[lang][0]);
    if (error >= 0)
        error = body(b, s, g, lang);
    return error;
}

int og_infer_doc_synth_other_ho(int genre, int lang, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * 6364136223846793005u + (uint64_t)(genre * NL + lang) + 40503;
    int error;
    *out = NULL;
    if (genre < 0 || genre >= NG || lang < 0 || lang >= NL)
        return og_error_set(OG_EINVAL, "no held-out other document of genre %d, language %d", genre,
                            lang);
    og_buf_init(&b, 1 << 20);
    error = ho_other(genre, lang, &s, &b);
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
