/* doc_synth_newlang.c - the held-out NEW-LANGUAGE family of the classifier's evaluation (issue
 * 21): the five kinds in Danish, Norwegian (bokmål), Czech, Finnish and Romanian, languages no
 * training document is written in, so that a model meets them only through the lexicon's
 * concepts (doc_lexicon_more.c), the n-grams they share with the trained languages and the
 * shape. The layout is its own - a header of labelled lines, a purpose line, the price table in
 * the language's number format with its currency code, "before / after / difference" lines, a
 * prerequisites list and a fallback paragraph, a delivered list and the open items - not the
 * training families' headings and paragraphs. The texts are in doc_synth_newlang_texts.c. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK      OG_INFER_DOC_NKINDS
#define NL      OG_INFER_DOC_NEWLANGS
#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])
#define W(i)    (L->words[OG_INFER__NLW_##i])

const char *const og_infer_doc_newlangs[] = {"da", "nb", "cs", "fi", "ro", NULL};

/* what a price table lists and a closure delivered: product names, the same in any language */
static const char *const nl_items[] = {"Firewall FortiGate 60F", "Microsoft 365 Business",
                                       "Wi-Fi (3 AP)",           "VPN",
                                       "Backup Veeam",           "Switch 24p"};
static const char *const nl_clients[] = {"Nordhavn Logistik", "Fjordkraft Bygg", "Pekárna Novák",
                                         "Kahvila Aalto Oy", "Transilvania Auto SRL"};
static const char *const nl_people[] = {"Anne", "Kari", "Jana", "Mikko", "Ioana", "Lars"};
/* a runbook step's command, by step */
static const char *const nl_cmds[5] = {"ssh admin@jump01.example.net",
                                       "sudo systemctl stop postfix && ss -tn state established",
                                       "sudo tar czf /root/postfix-etc.tgz /etc/postfix",
                                       "sudo systemctl start postfix && journalctl -fu postfix",
                                       "sudo tar xzf /root/postfix-etc.tgz -C /"};

/* cents as the language writes money: 12.500,00 (da, nb, ro), 12 500,00 (cs, fi) */
static void nl_amount(char *out, size_t size, long cents, int lang)
{
    long u = cents / 100, c = cents % 100;
    char sep = lang == 2 || lang == 3 ? ' ' : '.';
    if (u >= 1000)
        snprintf(out, size, "%ld%c%03ld,%02ld", u / 1000, sep, u % 1000, c);
    else
        snprintf(out, size, "%ld,%02ld", u, c);
}

/* the title, then the client and the date as labelled lines or one line */
static int nl_head(og_buf *b, uint64_t *s, const og_infer__nl_lang *L, const char *title,
                   const char *client)
{
    char date[16];
    snprintf(date, sizeof(date), "%02d.%02d.%04d", 1 + (int)(rnd(s) % 28), 1 + (int)(rnd(s) % 12),
             2025 + (int)(rnd(s) % 2));
    switch (rnd(s) % 3) {
    case 0:
        return og_buf_printf(b, "# %s\n\n%s: %s\n%s: %s\n\n", title, W(CLIENT), client, W(DATE),
                             date);
    case 1:
        return og_buf_printf(b, "%s\n%s, %s\n\n", title, client, date);
    default:
        return og_buf_printf(b, "%s: %s | %s: %s\n\n%s\n\n", W(CLIENT), client, W(DATE), date,
                             title);
    }
}

/* a price table (rows, VAT, total) in a table or as aligned lines */
static int nl_prices(og_buf *b, uint64_t *s, const og_infer__nl_lang *L, int lang)
{
    int table = (int)(rnd(s) % 2), error;
    long sub = 0;
    char a[32];
    error =
        table ? og_buf_printf(b, "\n| %s | %s (%s) |\n|---|---|\n", W(ITEM), W(PRICE), L->currency)
              : og_buf_puts(b, "\n");
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++) {
        long c = 50000 + (long)(rnd(s) % 2000000);
        sub += c;
        nl_amount(a, sizeof(a), c, lang);
        error = og_buf_printf(b, table ? "| %s | %s |\n" : "%-28s %s %s\n",
                              nl_items[(i + (int)(rnd(s) % 6)) % 6], a, table ? "" : L->currency);
    }
    nl_amount(a, sizeof(a), sub / 4, lang);
    if (error >= 0)
        error = og_buf_printf(b, table ? "| %s | %s |\n" : "%-28s %s %s\n", W(VAT), a,
                              table ? "" : L->currency);
    nl_amount(a, sizeof(a), sub + sub / 4, lang);
    if (error >= 0)
        error = og_buf_printf(b, table ? "| %s | %s |\n" : "%-28s %s %s\n", W(TOTAL), a,
                              table ? "" : L->currency);
    return error;
}

static int nl_sign(og_buf *b, const og_infer__nl_lang *L, const char *client)
{
    return og_buf_printf(b, "\n%s (%s): ____________________\n%s: ____________________\n",
                         W(CLIENT), client, W(SUPPLIER));
}

static int nl_change(og_buf *b, uint64_t *s, const og_infer__nl_lang *L, int lang,
                     const og_infer__nl_text *t, const char *client)
{
    long before = 1000000 + (long)(rnd(s) % 9000000), change = 50000 + (long)(rnd(s) % 1500000);
    char a[3][32];
    int error =
        og_buf_printf(b, "%s %04d-%03d\n\n%s %s\n%s\n", W(CONTRACT), 2024 + (int)(rnd(s) % 3),
                      (int)(rnd(s) % 200), t->sent[0], t->sent[1], t->sent[2]);
    nl_amount(a[0], sizeof(a[0]), before, lang);
    nl_amount(a[1], sizeof(a[1]), change, lang);
    nl_amount(a[2], sizeof(a[2]), before + change, lang);
    if (error >= 0 && rnd(s) % 2)
        error = og_buf_printf(
            b, "\n| | %s | %s | %s |\n|---|---|---|---|\n| %s (%s) | %s | %s | +%s |\n", W(BEFORE),
            W(AFTER), W(DIFF), W(PRICE), L->currency, a[0], a[2], a[1]);
    else if (error >= 0)
        error = og_buf_printf(b, "\n%s: %s %s\n%s: %s %s\n%s: +%s %s\n", W(BEFORE), a[0],
                              L->currency, W(AFTER), a[2], L->currency, W(DIFF), a[1], L->currency);
    if (error >= 0 && rnd(s) % 2)
        error = og_buf_printf(b, "%s: %02d.%02d.%04d\n", W(DEADLINE), 1 + (int)(rnd(s) % 28),
                              1 + (int)(rnd(s) % 12), 2026);
    if (error >= 0)
        error = og_buf_printf(b, "\n%s %s\n", t->sent[3], t->sent[4]);
    return error >= 0 ? nl_sign(b, L, client) : error;
}

static int nl_kind(int kind, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__nl_lang *L = &og_infer__nl_langs[lang];
    const og_infer__nl_text *t = &L->kinds[kind];
    const char *client = PICK(nl_clients);
    char title[200];
    int error;
    snprintf(title, sizeof(title), t->title[rnd(s) % 2], L->topics[rnd(s) % 3]);
    error = nl_head(b, s, L, title, client);
    switch (kind) {
    case 0: /* an agreement: purpose, what is in and out, the prices, signatures */
        if (error >= 0)
            error = og_buf_printf(b, "%s: %s\n\n%s\n- %s\n- %s\n", W(PURPOSE), t->sent[0],
                                  t->sent[1], t->sent[2], t->sent[3]);
        if (error >= 0 && rnd(s) % 4)
            error = nl_prices(b, s, L, lang);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->sent[4]);
        if (error >= 0 && rnd(s) % 3)
            error = nl_sign(b, L, client);
        break;
    case 1: /* an addendum: the agreement it changes, why, the price before and after */
        if (error >= 0)
            error = nl_change(b, s, L, lang, t, client);
        break;
    case 2: /* an operating procedure: prerequisites, numbered steps with commands, fallback */
        if (error >= 0)
            error = og_buf_printf(b, "%s:\n- VPN\n- sudo\n\n", W(PREREQ));
        for (int i = 0; i < 4 && error >= 0; i++) {
            error = og_buf_printf(b, "%d. %s\n", i + 1, t->sent[i]);
            if (error >= 0 && rnd(s) % 3)
                error = og_buf_printf(b, rnd(s) % 2 ? "   `%s`\n" : "\n    %s\n\n", nl_cmds[i]);
        }
        if (error >= 0)
            error = og_buf_printf(b, "\n%s: %s\n    %s\n", W(FALLBACK), t->sent[4], nl_cmds[4]);
        break;
    default: /* a closing report: what was delivered, what went well, what is left */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n%s:\n", t->sent[0], W(DELIVERED));
        for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++)
            error = og_buf_printf(b, rnd(s) % 2 ? "- %s\n" : "- [x] %s\n", nl_items[i]);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n%s\n%s\n\n%s:\n- %s\n", t->sent[1], t->sent[2],
                                  t->sent[3], W(OPEN), t->sent[4]);
        if (error >= 0 && rnd(s) % 2)
            error = nl_sign(b, L, client);
    }
    return error;
}

static int nl_other(int g, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__nl_lang *L = &og_infer__nl_langs[lang];
    const og_infer__nl_text *t = &L->genres[g];
    const char *client = PICK(nl_clients);
    char title[200];
    int error;
    snprintf(title, sizeof(title), t->title[0], L->topics[rnd(s) % 3]);
    if (g == 4) { /* an e-mail */
        error = og_buf_printf(b, "%s: %s <it@example.org>\n%s: support@example-msp.net\n%s: %s\n\n",
                              W(FROM), PICK(nl_people), W(TO), W(SUBJECT), title);
        if (error >= 0)
            error = og_buf_printf(b, W(HI), PICK(nl_people));
        return error < 0 ? error
                         : og_buf_printf(b, "\n\n%s %s\n%s\n\n%s\n%s\n", t->sent[0], t->sent[1],
                                         t->sent[2], W(BYE), PICK(nl_people));
    }
    error = nl_head(b, s, L, title, client);
    switch (g) {
    case 0: /* an invoice */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n", t->sent[0]);
        if (error >= 0)
            error = nl_prices(b, s, L, lang);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s %s\n", t->sent[1], t->sent[2]);
        break;
    case 2: /* minutes: who, then bullets */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n- %s\n- %s\n", t->sent[0], t->sent[1], t->sent[2]);
        break;
    case 3: /* an incident report: a timeline */
        for (int i = 0; i < 3 && error >= 0; i++)
            error = og_buf_printf(b, rnd(s) % 2 ? "- %s\n" : "%s\n", t->sent[i]);
        break;
    default: /* news: paragraphs */
        for (int i = 0; i < 3 && error >= 0; i++)
            error = og_buf_printf(b, "%s\n\n", t->sent[i]);
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "%s\n%s\n", W(BYE), PICK(nl_people));
    }
    return error;
}

int og_infer_doc_synth_newlang(int kind, int lang, uint64_t seed, char **out)
{
    static const og_infer__family f = {
        "new-language", NL, OG_INFER__NL_GENRES, 6364136223846793005u, 7013, nl_kind, nl_other};
    return og_infer__synth_family(&f, kind, lang, seed, out);
}
