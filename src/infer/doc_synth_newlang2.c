/* doc_synth_newlang2.c - the SECOND held-out new-language family of the classifier's evaluation
 * (issue 21): the five kinds in Hungarian, Slovak, Estonian, Lithuanian and Latvian (and Croatian
 * and Slovenian), languages no training document is written in, so that a model meets them through
 * the lexicon's concepts (doc_lexicon_more2.c), the n-grams and the shape. Its forms are unlike
 * the training families' and the first new-language family's: an agreement as a letter in prose or
 * in articles (§ 1, § 2), a change as a memo with the price as an arrow or as a form table, a
 * procedure as a checklist ("[ ]") or lettered steps ("a)"), a closure as a letter or a status
 * table; of "other" a service report, an office-closure notice, a phishing warning, a new
 * colleague and a survey, as a notice or an e-mail. The texts are in doc_synth_newlang2_texts.c;
 * the terms and these documents were written by the same hand (docs/inference.md says so). */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])
#define W(i)    (L->words[OG_INFER__NL2W_##i])

const char *const og_infer_doc_newlangs2[] = {"hu", "sk", "et", "lt", "lv", "hr", "sl", NULL};

static const char *const n2_items[] = {"Fortinet FortiGate 40F", "Microsoft 365 E3",
                                       "UniFi AP (4x)",          "WireGuard VPN",
                                       "Synology NAS",           "Aruba 2930F"};
static const char *const n2_people[] = {"Anna", "Péter", "Jana", "Kadri", "Rūta", "Jānis"};
static const char *const n2_cmds[5] = {
    "ssh ops@bastion.example.net", "sudo systemctl stop dovecot; ss -tnp | grep :993",
    "sudo cp -a /etc/dovecot /root/dovecot.bak",
    "sudo systemctl restart dovecot && tail -f /var/log/mail.log",
    "sudo cp -a /root/dovecot.bak/. /etc/dovecot/"};

/* cents as the languages write money: 12 400,00 */
static void n2_amount(char *out, size_t size, long cents)
{
    og_infer__synth_cents(out, size, cents, ' ', ',');
}

/* the greeting of a letter (or none: a memo), its closing */
static int n2_hi(og_buf *b, uint64_t *s, const og_infer__nl2_lang *L)
{
    int error = og_buf_printf(b, W(HI), PICK(n2_people));
    return error < 0 ? error : og_buf_puts(b, "\n\n");
}

static int n2_bye(og_buf *b, uint64_t *s, const og_infer__nl2_lang *L)
{
    return og_buf_printf(b, "\n%s\n%s\n", W(BYE), PICK(n2_people));
}

/* a date as the languages write it: 2026. 03. 14. (hu), 2026-03-14 (lt, lv), 14. 3. 2026 */
static void n2_date(char *out, size_t size, uint64_t *s, int lang)
{
    int d = 1 + (int)(rnd(s) % 28), m = 1 + (int)(rnd(s) % 12), y = 2025 + (int)(rnd(s) % 2);
    if (lang == 0)
        snprintf(out, size, "%04d. %02d. %02d.", y, m, d);
    else if (lang == 3 || lang == 4)
        snprintf(out, size, "%04d-%02d-%02d", y, m, d);
    else
        snprintf(out, size, "%d. %d. %04d", d, m, y);
}

static int n2_sow(og_buf *b, uint64_t *s, const og_infer__nl2_lang *L, const og_infer__nl_text *t)
{
    char a[32];
    int error = 0;
    n2_amount(a, sizeof(a), 400000 + (long)(rnd(s) % 3000000));
    if (rnd(s) % 2) { /* a letter: the offer in prose */
        error = n2_hi(b, s, L);
        if (error >= 0)
            error = og_buf_printf(b, "%s %s\n\n%s %s\n\n%s: %s %s. %s\n", t->sent[0], t->sent[1],
                                  t->sent[2], t->sent[3], W(TOTAL), a, L->currency, t->sent[4]);
        return error < 0 ? error : n2_bye(b, s, L);
    }
    /* articles */
    for (int i = 0; i < 5 && error >= 0; i++) {
        error = og_buf_printf(b, "§ %d\n%s\n", i + 1, t->sent[i]);
        if (error >= 0 && i == 3)
            error = og_buf_printf(b, "%s: %s %s\n", W(PRICE), a, L->currency);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
    }
    return error;
}

static int n2_change(og_buf *b, uint64_t *s, const og_infer__nl2_lang *L, int lang,
                     const og_infer__nl_text *t)
{
    long before = 800000 + (long)(rnd(s) % 6000000), more = 40000 + (long)(rnd(s) % 900000);
    char a[2][32], date[24], no[16];
    int error;
    n2_amount(a[0], sizeof(a[0]), before);
    n2_amount(a[1], sizeof(a[1]), before + more);
    n2_date(date, sizeof(date), s, lang);
    snprintf(no, sizeof(no), "%03d/%d", (int)(rnd(s) % 900) + 100, 2024 + (int)(rnd(s) % 3));
    if (rnd(s) % 2) { /* a memo */
        error = n2_hi(b, s, L);
        if (error >= 0)
            error =
                og_buf_printf(b, "%s: %s, %s\n\n%s %s\n\n%s\n%s: %s %s → %s %s\n\n%s %s\n",
                              W(CONTRACT), no, date, t->sent[0], t->sent[1], t->sent[2], W(PRICE),
                              a[0], L->currency, a[1], L->currency, t->sent[3], t->sent[4]);
        return error < 0 ? error : n2_bye(b, s, L);
    }
    /* a form */
    return og_buf_printf(b,
                         "| | |\n|---|---|\n| %s | %s |\n| %s | %s |\n| %s | %s |\n"
                         "| %s | %s %s → %s %s |\n\n%s %s\n\n%s %s\n\n____________________\n",
                         W(CONTRACT), no, W(DATE), date, W(SUBJECT), t->sent[1], W(PRICE), a[0],
                         L->currency, a[1], L->currency, t->sent[0], t->sent[2], t->sent[3],
                         t->sent[4]);
}

static int n2_runbook(og_buf *b, uint64_t *s, const og_infer__nl_text *t)
{
    int error = 0, box = (int)(rnd(s) % 2);
    for (int i = 0; i < 4 && error >= 0; i++) {
        if (box)
            error = og_buf_printf(b, "[ ] %s `%s`\n", t->sent[i], n2_cmds[i]);
        else
            error = og_buf_printf(b, "%c) %s\n\n        %s\n\n", 'a' + i, t->sent[i], n2_cmds[i]);
    }
    return error < 0 ? error : og_buf_printf(b, "\n%s\n\n        %s\n", t->sent[4], n2_cmds[4]);
}

static int n2_closure(og_buf *b, uint64_t *s, const og_infer__nl2_lang *L,
                      const og_infer__nl_text *t)
{
    int error;
    if (rnd(s) % 2) { /* a letter */
        error = n2_hi(b, s, L);
        if (error >= 0)
            error = og_buf_printf(b, "%s %s\n\n%s %s\n\n%s\n", t->sent[0], t->sent[1], t->sent[2],
                                  t->sent[3], t->sent[4]);
        return error < 0 ? error : n2_bye(b, s, L);
    }
    /* a status table */
    error = og_buf_printf(b, "%s\n\n| %s | %s |\n|---|---|\n", t->sent[0], W(ITEM), W(STATUS));
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++)
        error = og_buf_printf(b, "| %s | %s |\n", n2_items[(i + 2) % 6], W(DONE));
    return error < 0 ? error
                     : og_buf_printf(b, "\n%s\n\n%s %s\n\n%s\n", t->sent[1], t->sent[2], t->sent[3],
                                     t->sent[4]);
}

static int n2_kind(int kind, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__nl2_lang *L = &og_infer__nl2_langs[lang];
    const og_infer__nl_text *t = &L->kinds[kind];
    char title[200];
    int error;
    snprintf(title, sizeof(title), t->title[rnd(s) % 2], L->topics[rnd(s) % 3]);
    error = rnd(s) % 3 ? og_buf_printf(b, "%s\n\n", title)
                       : og_buf_printf(b, "%s: %s\n\n", W(SUBJECT), title);
    if (error < 0)
        return error;
    switch (kind) {
    case 0:
        return n2_sow(b, s, L, t);
    case 1:
        return n2_change(b, s, L, lang, t);
    case 2:
        return n2_runbook(b, s, t);
    default:
        return n2_closure(b, s, L, t);
    }
}

static int n2_other(int g, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__nl2_lang *L = &og_infer__nl2_langs[lang];
    const og_infer__nl_text *t = &L->genres[g];
    char title[200], date[24];
    int error, mail = (int)(rnd(s) % 2);
    snprintf(title, sizeof(title), t->title[0], L->topics[rnd(s) % 3]);
    n2_date(date, sizeof(date), s, lang);
    error = mail ? og_buf_printf(b, "%s: %s\n%s: %s\n\n", W(SUBJECT), title, W(DATE), date)
                 : og_buf_printf(b, "%s\n%s\n\n", title, date);
    if (error >= 0 && mail)
        error = n2_hi(b, s, L);
    for (int i = 0; i < 3 && error >= 0; i++)
        error = og_buf_printf(b, "%s%s", t->sent[i], i == 2 || rnd(s) % 2 ? "\n\n" : " ");
    return error < 0 || !mail ? error : n2_bye(b, s, L);
}

int og_infer_doc_synth_newlang2(int kind, int lang, uint64_t seed, char **out)
{
    static const og_infer__family f = {"second new-language",
                                       OG_INFER_DOC_NEWLANGS2,
                                       OG_INFER__NL_GENRES,
                                       0x9fb21c651e98df25u,
                                       9241,
                                       n2_kind,
                                       n2_other};
    return og_infer__synth_family(&f, kind, lang, seed, out);
}
