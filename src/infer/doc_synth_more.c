/* doc_synth_more.c - the multilingual part of the classifier's synthetic training corpus: the
 * "other" kind as many genres of MSP documents (service reports, maintenance notices, welcome
 * letters, e-mails asking for a change, quotes, invoices, minutes, policies, newsletters,
 * incident reports, user guides, surveys; their texts in doc_synth_genres.c), in English,
 * German, French, Spanish, Dutch, Italian, Portuguese, Polish and Swedish, with hard negatives
 * among them (numbered steps that are no runbook, money tables that are no statement of work);
 * and the four other kinds in the eight languages besides English (doc_synth_kinds.c), runbooks
 * with commands in their steps. Each genre belongs to one family (genre %
 * OG_INFER_DOC_FAMILIES), so that a model evaluated on families it never saw meets genres it
 * never saw. Written from general knowledge of the languages and of MSP paperwork. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK  OG_INFER_DOC_NKINDS
#define NF  OG_INFER_DOC_FAMILIES
#define NL  OG_INFER_DOC_NLANGS
#define rnd og_infer__rnd

const char *const og_infer_doc_langs[] = {"en", "de", "fr", "es", "nl",
                                          "it", "pt", "pl", "sv", NULL};

/* the words of a language that a document's frame uses */
typedef struct kit {
    const char *client, *date, *from, *to, *subject, *item, *amount, *subtotal, *tax, *total;
    const char *greet, *closing, *heads[4];
    const char *delta[3]; /* a change order's money: the value before, the change, after */
} kit;

static const kit kits[NL] = {
    {"Client",
     "Date",
     "From",
     "To",
     "Subject",
     "Item",
     "Amount",
     "Subtotal",
     "VAT",
     "Total",
     "Dear %s,",
     "Kind regards,",
     {"Summary", "Details", "Next steps", "Contact"},
     {"Original contract value", "This change", "Revised contract value"}},
    {"Kunde",
     "Datum",
     "Von",
     "An",
     "Betreff",
     "Position",
     "Betrag",
     "Zwischensumme",
     "MwSt.",
     "Gesamt",
     "Hallo %s,",
     "Viele Grüße",
     {"Überblick", "Einzelheiten", "Nächste Schritte", "Kontakt"},
     {"Ursprünglicher Auftragswert", "Diese Änderung", "Neuer Auftragswert"}},
    {"Client",
     "Date",
     "De",
     "À",
     "Objet",
     "Article",
     "Montant",
     "Sous-total",
     "TVA",
     "Total",
     "Bonjour %s,",
     "Cordialement,",
     {"Résumé", "Détails", "Prochaines étapes", "Contact"},
     {"Montant initial du contrat", "Présente modification", "Nouveau montant du contrat"}},
    {"Cliente",
     "Fecha",
     "De",
     "Para",
     "Asunto",
     "Concepto",
     "Importe",
     "Subtotal",
     "IVA",
     "Total",
     "Hola %s:",
     "Un saludo,",
     {"Resumen", "Detalles", "Próximos pasos", "Contacto"},
     {"Importe original del contrato", "Este cambio", "Nuevo importe del contrato"}},
    {"Klant",
     "Datum",
     "Van",
     "Aan",
     "Onderwerp",
     "Omschrijving",
     "Bedrag",
     "Subtotaal",
     "BTW",
     "Totaal",
     "Beste %s,",
     "Met vriendelijke groet,",
     {"Samenvatting", "Details", "Volgende stappen", "Contact"},
     {"Oorspronkelijke opdrachtwaarde", "Deze wijziging", "Nieuwe opdrachtwaarde"}},
    {"Cliente",
     "Data",
     "Da",
     "A",
     "Oggetto",
     "Voce",
     "Importo",
     "Subtotale",
     "IVA",
     "Totale",
     "Gentile %s,",
     "Cordiali saluti,",
     {"Sintesi", "Dettagli", "Prossimi passi", "Contatti"},
     {"Valore originale del contratto", "Questa modifica", "Nuovo valore del contratto"}},
    {"Cliente",
     "Data",
     "De",
     "Para",
     "Assunto",
     "Item",
     "Valor",
     "Subtotal",
     "IVA",
     "Total",
     "Olá %s,",
     "Atenciosamente,",
     {"Resumo", "Detalhes", "Próximos passos", "Contato"},
     {"Valor original do contrato", "Esta alteração", "Novo valor do contrato"}},
    {"Klient",
     "Data",
     "Od",
     "Do",
     "Temat",
     "Pozycja",
     "Kwota",
     "Suma częściowa",
     "VAT",
     "Razem",
     "Dzień dobry %s,",
     "Z poważaniem,",
     {"Podsumowanie", "Szczegóły", "Kolejne kroki", "Kontakt"},
     {"Pierwotna wartość umowy", "Niniejsza zmiana", "Nowa wartość umowy"}},
    {"Kund",
     "Datum",
     "Från",
     "Till",
     "Ämne",
     "Artikel",
     "Belopp",
     "Delsumma",
     "Moms",
     "Totalt",
     "Hej %s,",
     "Vänliga hälsningar,",
     {"Sammanfattning", "Detaljer", "Nästa steg", "Kontakt"},
     {"Ursprungligt avtalsvärde", "Denna ändring", "Nytt avtalsvärde"}},
};

/* commands a runbook's steps run (any language) */
static const char *const commands[] = {
    "systemctl restart nginx",
    "sudo apt-get update && sudo apt-get upgrade -y",
    "Get-Service -Name Spooler | Restart-Service",
    "df -h /var",
    "journalctl -u postgresql --since today",
    "certbot renew --dry-run",
    "kubectl rollout restart deployment/web",
    "Restart-Computer -ComputerName FS01 -Force",
};
static const char *const items[] = {"Laptop 14\"",        "Docking station", "Microsoft 365 E3",
                                    "Firewall appliance", "Backup 1 TB",     "Support hours",
                                    "Monitor 27\"",       "Setup fee"};
static const char *const clients[] = {"Meridian Dental", "Costa & Filhos Lda", "Hofmann Bau GmbH",
                                      "Atelier Lefèvre", "Grupo Solano",       "Van Dijk Advies",
                                      "Studio Bianchi",  "Harlow Estates"};
static const char *const people[] = {"Maria", "Thomas", "Sophie",    "Javier", "Anouk",
                                     "Luca",  "João",   "Agnieszka", "Erik"};

/* a heading in family f's style */
static int head(og_buf *b, int f, int i, const char *h)
{
    switch (f) {
    case 0:
        return og_buf_printf(b, "\n## %s\n\n", h);
    case 1:
        return og_buf_printf(b, "\n%d. %s\n", i + 1, h);
    case 2:
        return og_buf_printf(b, "\n%s\n\n", h);
    case 3:
        return og_buf_printf(b, "\n%s:\n", h);
    default:
        return og_buf_printf(b, "\n**%s**\n", h);
    }
}

void og_infer__synth_cents(char *out, size_t size, long cents, char sep, char dec)
{
    long u = cents / 100, c = cents % 100;
    if (u >= 1000)
        snprintf(out, size, "%ld%c%03ld%c%02ld", u / 1000, sep, u % 1000, dec, c);
    else
        snprintf(out, size, "%ld%c%02ld", u, dec, c);
}

/* an amount in cents in the language's format (English "1,234.00", else "1.234,00") */
static void amount(char *out, size_t size, long cents, int lang)
{
    /* French, Polish and Swedish group thousands with a space */
    og_infer__synth_cents(out, size, cents,
                          lang == 0                ? ','
                          : lang == 2 || lang >= 7 ? ' '
                                                   : '.',
                          lang == 0 ? '.' : ',');
}

/* line items, subtotal, tax and total, as a table or as lines */
static int money_table(og_buf *b, uint64_t *s, int lang, int table)
{
    const kit *k = &kits[lang];
    const char *cur = lang == 0 ? "$" : lang == 7 ? "PLN" : lang == 8 ? "SEK" : "€";
    long sub = 0;
    char a[32];
    int error = table ? og_buf_printf(b, "\n| %s | %s |\n|---|---|\n", k->item, k->amount)
                      : og_buf_puts(b, "\n");
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++) {
        long c = 5000 + (long)(rnd(s) % 400000);
        sub += c;
        amount(a, sizeof(a), c, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s  %s %s\n",
                              items[rnd(s) % (sizeof(items) / sizeof(items[0]))], cur, a);
    }
    long tax = sub / 5;
    if (error >= 0) {
        amount(a, sizeof(a), sub, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s: %s %s\n", k->subtotal, cur, a);
    }
    if (error >= 0) {
        amount(a, sizeof(a), tax, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s: %s %s\n", k->tax, cur, a);
    }
    if (error >= 0) {
        amount(a, sizeof(a), sub + tax, lang);
        error = og_buf_printf(b, table ? "| **%s** | %s %s |\n" : "%s: %s %s\n", k->total, cur, a);
    }
    return error;
}

/* numbered lines from sents (n of them), a command after each when with_cmd */
static int steps(og_buf *b, uint64_t *s, const char *const *sents, int n, int with_cmd)
{
    int error = og_buf_puts(b, "\n");
    for (int i = 0; i < n && error >= 0; i++) {
        error = og_buf_printf(b, "%d. %s\n", i + 1, sents[i]);
        if (error >= 0 && with_cmd && rnd(s) % 3 != 0) {
            unsigned v = (unsigned)(rnd(s) % 3);
            error = og_buf_printf(b,
                                  v == 0   ? "   `%s`\n"
                                  : v == 1 ? "\n    $ %s\n\n"
                                           : "\n```\n%s\n```\n\n",
                                  commands[rnd(s) % (sizeof(commands) / sizeof(commands[0]))]);
        }
    }
    return error;
}

/* the header: a mail's From/To/Subject or a title with client and date */
static int frame(og_buf *b, uint64_t *s, int lang, int mail, const char *title, const char *client)
{
    const kit *k = &kits[lang];
    int d = 1 + (int)(rnd(s) % 28), m = 1 + (int)(rnd(s) % 12), y = 2024 + (int)(rnd(s) % 3);
    char date[16];
    if (lang == 0 || lang == 8) /* English (here) and Swedish: ISO */
        snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
    else /* German and Polish with dots, the others with slashes */
        snprintf(date, sizeof(date), lang == 1 || lang == 7 ? "%02d.%02d.%04d" : "%02d/%02d/%04d",
                 d, m, y);
    if (mail)
        return og_buf_printf(b, "%s: %s <%s@example-msp.net>\n%s: %s\n%s: %s\n%s: %s\n\n", k->from,
                             people[rnd(s) % 9], "service", k->to, client, k->subject, title,
                             k->date, date);
    return og_buf_printf(b, rnd(s) % 2 ? "# %s\n\n%s: %s\n%s: %s\n" : "%s\n\n%s: %s\n%s: %s\n",
                         title, k->client, client, k->date, date);
}

static int synth_genre(int g, int family, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__genre *G = &og_infer__genres[g];
    const kit *k = &kits[lang];
    const char *client = clients[rnd(s) % (sizeof(clients) / sizeof(clients[0]))];
    int mail = G->body == OG_INFER__B_MAIL || (G->body != OG_INFER__B_MONEY && rnd(s) % 4 == 0),
        error;
    error = frame(b, s, lang, mail, G->title[lang], client);
    if (error >= 0 && mail)
        error = og_buf_printf(b, k->greet, people[rnd(s) % 9]);
    if (error >= 0 && mail)
        error = og_buf_puts(b, "\n\n");
    if (error < 0)
        return error;
    switch (G->body) {
    case OG_INFER__B_STEPS:
    case OG_INFER__B_RULES:
        error = og_buf_printf(b, "%s\n", G->sent[lang][0]);
        if (error >= 0)
            error = steps(b, s, G->sent[lang], 3, 0);
        break;
    case OG_INFER__B_MONEY:
        error = og_buf_printf(b, "%s %s\n", G->sent[lang][0], G->sent[lang][1]);
        if (error >= 0)
            error = money_table(b, s, lang, (int)(rnd(s) % 2));
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", G->sent[lang][2]);
        break;
    case OG_INFER__B_REPORT:
        for (int i = 0; i < 3 && error >= 0; i++) {
            error = head(b, family, i, k->heads[i]);
            if (error >= 0)
                error = og_buf_printf(b, "%s\n", G->sent[lang][i]);
            if (error >= 0 && i == 0)
                error = og_buf_printf(b, "- %d / %d\n- %d.%d%%\n- %02d:%02d\n",
                                      40 + (int)(rnd(s) % 200), 40 + (int)(rnd(s) % 200),
                                      95 + (int)(rnd(s) % 5), (int)(rnd(s) % 10),
                                      (int)(rnd(s) % 24), (int)(rnd(s) % 60));
        }
        break;
    default:
        for (int i = 0, n = mail ? 1 : 2 + (int)(rnd(s) % 2); i < n && error >= 0; i++) {
            if (!mail)
                error = head(b, family, i, k->heads[i]);
            for (int j = 0; j < 3 && error >= 0; j++)
                if (mail || rnd(s) % 3 != 0)
                    error = og_buf_printf(b, "%s ", G->sent[lang][(i + j) % 3]);
            if (error >= 0)
                error = og_buf_puts(b, "\n");
        }
    }
    if (error >= 0 && (mail || rnd(s) % 3 == 0))
        error = og_buf_printf(b, "\n%s\n%s\n%s\n", k->closing, people[rnd(s) % 9], "Example MSP");
    return error;
}

static int synth_kind(int kind, int family, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__kind_text *t = og_infer__kind_text_of(lang, kind);
    const kit *k = &kits[lang];
    const char *client = clients[rnd(s) % (sizeof(clients) / sizeof(clients[0]))];
    int error = frame(b, s, lang, 0, t->title[rnd(s) % 2], client);
    if (error >= 0 && kind == 2) { /* a runbook: its steps, commands among them */
        error = head(b, family, 0, k->heads[1]);
        if (error >= 0)
            error = steps(b, s, t->sent, 5, 1);
        return error;
    }
    for (int i = 0; i < 2 && error >= 0; i++) {
        error = head(b, family, i, k->heads[i]);
        for (int j = 0; j < 3 && error >= 0; j++)
            error = og_buf_printf(b, "%s ", t->sent[(i * 2 + j + (int)(rnd(s) % 2)) % 5]);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
    }
    if (error >= 0 && kind == 1) { /* a change order: the value before, the change, after */
        long before = 500000 + (long)(rnd(s) % 5000000), change = 20000 + (long)(rnd(s) % 500000);
        char a[3][32];
        amount(a[0], sizeof(a[0]), before, lang);
        amount(a[1], sizeof(a[1]), change, lang);
        amount(a[2], sizeof(a[2]), before + change, lang);
        error = og_buf_printf(b, "\n%s: %s\n%s: +%s\n%s: %s\n", k->delta[0], a[0], k->delta[1],
                              a[1], k->delta[2], a[2]);
        /* the date it moves, before and after */
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "%s: %02d.%02d. -> %02d.%02d.\n", k->date,
                                  1 + (int)(rnd(s) % 28), 1 + (int)(rnd(s) % 12),
                                  1 + (int)(rnd(s) % 28), 1 + (int)(rnd(s) % 12));
    }
    /* a closure ticks off what was delivered and accepted */
    if (error >= 0 && kind == 3 && rnd(s) % 2) {
        const char *tick = rnd(s) % 2 ? "- [x] " : "\xe2\x9c\x93 ";
        error = og_buf_printf(b, "\n%s%s\n%s%s\n", tick, t->sent[0], tick, t->sent[1]);
    }
    /* money: most statements of work, some closures (the final invoice) */
    if (error >= 0 && (kind == 0 ? rnd(s) % 3 != 0 : kind == 3 && rnd(s) % 2 == 0))
        error = money_table(b, s, lang, (int)(rnd(s) % 2));
    if (error >= 0 && kind != 2 && rnd(s) % 2)
        error = og_buf_puts(b, "\n______________________\n______________________\n");
    return error;
}

int og_infer_doc_synth_lang(int kind, int family, int lang, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * 3000017u + (uint64_t)((kind * NF + family) * NL + lang) + 991;
    int error;
    *out = NULL;
    if (kind < 0 || kind >= NK || family < 0 || family >= NF || lang < 0 || lang >= NL)
        return og_error_set(OG_EINVAL, "no document of kind %d, family %d, language %d", kind,
                            family, lang);
    og_buf_init(&b, 1 << 20);
    if (kind == NK - 1) {
        /* the genres of this family: g % NF == family */
        int per = (OG_INFER__NGENRES - family + NF - 1) / NF;
        int g = family + NF * (int)(rnd(&s) % (uint64_t)(per > 0 ? per : 1));
        error = synth_genre(g < OG_INFER__NGENRES ? g : family, family, lang, &s, &b);
    } else if (lang == 0) {
        og_buf_free(&b);
        return og_infer_doc_synth_meta(kind, family, seed, out, NULL);
    } else {
        error = synth_kind(kind, family, lang, &s, &b);
    }
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}

int og_infer__synth_mixed(int kind, int family, uint64_t seed, char **out)
{
    uint64_t s = seed * 7919u + (uint64_t)(kind * NF + family) + 31;
    unsigned r = (unsigned)(rnd(&s) % 6);
    /* measured, off (issue 21, docs/inference.md): one in og_infer__synth_forms_share of the
     * real kinds but the SOW in h-infer11's everyday training forms, from a stream of its own */
    uint64_t f = seed * 40503u + (uint64_t)(kind * NF + family) + 97;
    unsigned share = og_infer__synth_forms_share;
    if (share && kind >= (og_infer__synth_forms_sow ? 0 : 1) && kind <= 3 && rnd(&f) % share == 0)
        return og_infer__synth_forms_train(kind, seed * NF + (uint64_t)family, out);
    /* half of every kind's documents in any of the languages (English among them), so that no
     * language speaks for one kind */
    if (r < 3) {
        /* English drawn three times in NL + 2: it keeps about the share it had among seven
         * languages when Polish and Swedish came (with 1 in 9, docgen's English change order
         * in PDF went to "sow") */
        unsigned l = (unsigned)(rnd(&s) % (NL + 2));
        return og_infer_doc_synth_lang(kind, family, l < NL ? (int)l : 0, seed, out);
    }
    return og_infer_doc_synth_meta(kind, family, seed, out, NULL);
}
