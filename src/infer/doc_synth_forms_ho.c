/* doc_synth_forms_ho.c - the held-out FORMS family of the classifier's evaluation (issue 21):
 * runbooks, change orders and closures in forms the training corpus lacks (a knowledge-base
 * article, an operating procedure with roles, a failover procedure, an on-call playbook of "if
 * ... then" lines and an escalation, a checklist of unticked boxes, a procedure in prose, a table
 * of steps; an addendum, a variation order, a request form with an approval block, a short
 * e-mail agreeing the new price, a price change in percent or by its difference; a handover
 * letter, an acceptance certificate, a final report with lessons learned and no word for
 * closing, a sign-off e-mail), in English, German, French, Spanish and Dutch. The texts are in
 * doc_synth_forms_ho_texts.c. No training uses this family: it tells how the classifier meets a
 * real kind in a form it has never seen. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NL      OG_INFER_DOC_FORMS_LANGS
#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

const og_infer_doc_form og_infer_doc_forms[OG_INFER_DOC_FORMS] = {
    {2, "kb-article"},      {2, "sop-roles"},       {2, "failover"},     {2, "on-call-playbook"},
    {2, "maint-checklist"}, {2, "prose-procedure"}, {2, "step-table"},   {1, "addendum"},
    {1, "variation-order"}, {1, "request-form"},    {1, "scope-e-mail"}, {1, "price-change"},
    {3, "handover-letter"}, {3, "acceptance-cert"}, {3, "final-report"}, {3, "sign-off-e-mail"}};
const char *const og_infer_doc_forms_langs[NL] = {"en", "de", "fr", "es", "nl"};

static const char *const people[] = {"Ms Varga",  "Mr Osei",   "Ms Lindqvist",
                                     "Mr Moreau", "Ms Jansen", "Mr Ortega"};
static const char *const clients[] = {"Varga Bakeries", "Osei Freight", "Lindqvist Optics",
                                      "Moreau Avocats", "Jansen Bouw",  "Ortega Clínicas"};
static const char *const senders[] = {"Priya", "Tom", "Anouk", "Lukas", "Inés"};

/* the runbooks' commands: [form's slot][variant] */
static const char *const cmds[6][3] = {
    {"sudo systemctl restart smbd", "Restart-Service -Name LanmanServer -Force",
     "sudo systemctl restart postfix"},
    {"New-ADUser -Name \"$Name\" -Path \"OU=Staff,DC=corp,DC=local\" -Enabled $true",
     "samba-tool user create \"$name\" --must-change-at-next-login", "kinit admin && ipa user-add"},
    {"sudo -u postgres pg_ctl promote -D /var/lib/postgresql/16/main",
     "mysql -e \"STOP REPLICA; RESET REPLICA ALL;\"",
     "Resume-VMReplication -VMName erp01 -Reverse"},
    {"nsupdate -k /etc/bind/failover.key /root/failover.txt",
     "Set-DnsServerResourceRecord -ZoneName corp.local -Name app", "dig +short app.corp.example"},
    {"find /tmp/app-cache -mtime +1 -delete", "Remove-Item D:\\Temp\\* -Recurse -Force",
     "du -sh /var/tmp/* | sort -h"},
    {"sudo systemctl start nginx", "Start-Service W3SVC", "sudo service apache2 start"}};

/* an amount in the language's way: EUR 12,400.00 / 12.400,00 EUR / 12 400,00 € / € 12.400,00 */
static void fm_money(char *out, size_t size, long cents, int lang, int sign)
{
    char n[32], sg[2] = {sign ? (cents < 0 ? '-' : '+') : '\0', '\0'};
    og_infer__synth_cents(n, sizeof(n), cents < 0 ? -cents : cents,
                          lang == 0   ? ','
                          : lang == 2 ? ' '
                                      : '.',
                          lang == 0 ? '.' : ',');
    switch (lang) {
    case 0:
        snprintf(out, size, "%sEUR %s", sg, n);
        break;
    case 4:
        snprintf(out, size, "%s€ %s", sg, n);
        break;
    default:
        snprintf(out, size, lang == 1 ? "%s%s EUR" : "%s%s €", sg, n);
    }
}

static const char *const months_en[12] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* a date in the language's way: 12 March 2026 / 12.03.2026 / 12/03/2026 / 12-03-2026 */
static void fm_date(char *out, size_t size, uint64_t *s, int lang)
{
    int d = 1 + (int)(rnd(s) % 28), m = 1 + (int)(rnd(s) % 12), y = 2025 + (int)(rnd(s) % 2);
    if (lang == 0)
        snprintf(out, size, "%d %s %d", d, months_en[m - 1], y);
    else
        snprintf(out, size,
                 lang == 1   ? "%02d.%02d.%d"
                 : lang == 4 ? "%02d-%02d-%d"
                             : "%02d/%02d/%d",
                 d, m, y);
}

/* a heading in one of three styles the seed draws */
static int fm_head(og_buf *b, int style, const char *h)
{
    return og_buf_printf(b, style == 0 ? "\n## %s\n" : style == 1 ? "\n%s:\n" : "\n%s\n", h);
}

/* a line, or nothing for "" */
static int fm_line(og_buf *b, const char *pre, const char *l)
{
    return l[0] ? og_buf_printf(b, "%s%s\n", pre, l) : 0;
}

/* fmt with its arguments (one or two strings), then a new line */
static int fm_fmt(og_buf *b, const char *fmt, const char *a, const char *c)
{
    int error = og_buf_printf(b, fmt, a, c);
    return error < 0 ? error : og_buf_puts(b, "\n");
}

static int fm_sign(og_buf *b, const char *label)
{
    return og_buf_printf(b, "\n%s ______________________\n", label);
}

/* the runbooks' forms 0-6 */
static int fm_runbook(int form, const og_infer__fm_text *t, uint64_t *s, og_buf *b, int style)
{
    int error = 0, v = (int)(rnd(s) % 3);
    switch (form) {
    case 0: /* symptom, cause, resolution with a command */
        for (int i = 1; i < 6 && error >= 0; i += 2) {
            error = fm_head(b, style, t->l[i]);
            if (error >= 0)
                error = fm_line(b, "", t->l[i + 1]);
        }
        if (error >= 0)
            error = og_buf_printf(b, "\n    %s\n\n%s\n%s\n", cmds[0][v], t->l[7], t->l[8]);
        break;
    case 1: /* roles, then the sequence with the role in each line */
        error = og_buf_printf(b, "%s\n", t->l[0]);
        if (error >= 0)
            error = fm_head(b, style, t->l[1]);
        for (int i = 2; i < 5 && error >= 0; i++)
            error = fm_line(b, "* ", t->l[i]);
        if (error >= 0)
            error = fm_head(b, style, t->l[5]);
        for (int i = 6; i < 10 && error >= 0; i++) {
            error = og_buf_printf(b, "%c) %s\n", 'a' + i - 6, t->l[i]);
            if (error >= 0 && i == 7)
                error = og_buf_printf(b, "   %s\n", cmds[1][v]);
        }
        break;
    case 2: /* the trigger and targets, lettered phases with commands, the way back */
        error = og_buf_printf(b, "%s\n%s\n\n", t->l[0], t->l[1]);
        for (int i = 2; i < 6 && error >= 0; i++) {
            error = og_buf_printf(b, "%c. %s\n", 'A' + i - 2, t->l[i]);
            if (error >= 0 && i < 4)
                error = og_buf_printf(b, "   %s\n", cmds[i][v]);
        }
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->l[6]);
        break;
    case 3: /* "if ... then" lines with commands, an escalation ladder */
        for (int i = 0; i < 4 && error >= 0; i++) {
            error = og_buf_printf(b, "- %s\n", t->l[i]);
            if (error >= 0 && (i == 1 || i == 2))
                error = og_buf_printf(b, "  `%s`\n", cmds[3 + i][v]);
        }
        if (error >= 0)
            error = fm_head(b, style, t->l[4]);
        if (error >= 0)
            error = og_buf_printf(b, "  %s\n  %s\n\n%s\n", t->l[5], t->l[6], t->l[7]);
        break;
    case 4: /* three phases of unticked boxes */
        for (int i = 0; i < 9 && error >= 0; i++)
            error = i % 3 == 0 ? fm_head(b, style, t->l[i]) : og_buf_printf(b, "%s\n", t->l[i]);
        break;
    case 5: /* paragraphs, one command in the middle */
        error = og_buf_printf(b,
                              "%s\n\n%s\n\n    openssl req -new -newkey rsa:3072 -nodes "
                              "-keyout site.key -out site.csr\n\n%s %s\n\n%s\n\n%s\n",
                              t->l[0], t->l[1], t->l[2], t->l[3], t->l[4], t->l[5]);
        break;
    default: /* step | action | expected result | owner */
        error = og_buf_printf(b, "%s\n|---|---|---|---|\n", t->l[0]);
        for (int i = 1; i < 6 && error >= 0; i++)
            error = og_buf_printf(b, "| %d | %s |\n", i, t->l[i]);
    }
    return error;
}

/* the change orders' forms 7-11 */
static int fm_change(int form, const og_infer__fm_text *t, uint64_t *s, og_buf *b, int lang,
                     int style)
{
    char d1[32], d2[32], m1[40], m2[40];
    long before = 90000 + (long)(rnd(s) % 900000), delta = 5000 + (long)(rnd(s) % 300000);
    int error = 0;
    fm_date(d1, sizeof(d1), s, lang);
    fm_date(d2, sizeof(d2), s, lang);
    switch (form) {
    case 7: /* parties, the clauses replaced, the new fee, signatures */
        fm_money(m1, sizeof(m1), before + delta, lang, 0);
        fm_money(m2, sizeof(m2), before, lang, 0);
        error = og_buf_printf(b, t->l[0], PICK(clients));
        if (error >= 0)
            error = og_buf_puts(b, "\n\n");
        if (error >= 0)
            error = og_buf_printf(b, t->l[1], d1);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n1. %s\n2. ", t->l[2]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[3], m1, m2);
        if (error >= 0)
            error = og_buf_puts(b, "\n3. ");
        if (error >= 0)
            error = og_buf_printf(b, t->l[4], d2);
        if (error >= 0)
            error = og_buf_printf(b, "\n4. %s\n", t->l[5]);
        if (error >= 0)
            error = fm_sign(b, t->l[6]);
        if (error >= 0)
            error = fm_sign(b, t->l[7]);
        break;
    case 8: { /* the contract, the variation, its cost and time impact, who instructed it */
        char ref[24], days[8];
        snprintf(ref, sizeof(ref), "NW-%d-%03d", 2025 + (int)(rnd(s) % 2), (int)(rnd(s) % 1000));
        snprintf(days, sizeof(days), "+%d", 1 + (int)(rnd(s) % 9));
        fm_money(m1, sizeof(m1), rnd(s) % 5 ? delta : -delta, lang, 1);
        error = fm_fmt(b, t->l[0], ref, NULL);
        if (error >= 0)
            error = fm_head(b, style, t->l[1]);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n", t->l[2]);
        if (error >= 0)
            error = fm_fmt(b, t->l[3], m1, NULL);
        if (error >= 0)
            error = fm_fmt(b, t->l[4], days, NULL);
        if (error >= 0)
            error = fm_fmt(b, t->l[5], PICK(people), NULL);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n", t->l[6]);
        break;
    }
    case 9: /* the request's fields, an approval table */
        fm_money(m1, sizeof(m1), rnd(s) % 5 ? delta : -delta, lang, 1);
        error = fm_fmt(b, t->l[0], PICK(people), NULL);
        if (error >= 0)
            error = fm_fmt(b, t->l[1], d1, NULL);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n%s\n", t->l[2], t->l[3]);
        if (error >= 0)
            error = fm_fmt(b, t->l[4], m1, NULL);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n", t->l[5]);
        if (error >= 0)
            error = fm_head(b, style, t->l[6]);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n|---|---|---|---|\n", t->l[7]);
        for (int i = 8; i < 10 && error >= 0; i++)
            error = og_buf_printf(b, "| %s | %s | %s | |\n", t->l[i], rnd(s) % 3 ? "OK" : "",
                                  rnd(s) % 2 ? d2 : "");
        break;
    case 10: /* a greeting, the agreed scope and the new total, a short closing */
        fm_money(m1, sizeof(m1), before + delta, lang, 0);
        fm_money(m2, sizeof(m2), before, lang, 0);
        error = og_buf_printf(b, t->l[0], PICK(people));
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s ", t->l[1]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[2], m1, m2);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n\n%s\n%s\n", t->l[3], t->l[4], PICK(senders));
        break;
    default: { /* a letter: the rise in percent or by its difference alone */
        char pct[16];
        snprintf(pct, sizeof(pct), "%d %%", 3 + (int)(rnd(s) % 9));
        fm_money(m1, sizeof(m1), delta / 10, lang, 0);
        error = og_buf_printf(b, t->l[0], PICK(people));
        if (error >= 0)
            error = og_buf_puts(b, "\n\n");
        if (error >= 0)
            error =
                rnd(s) % 2 ? og_buf_printf(b, t->l[1], pct, d1) : og_buf_printf(b, t->l[5], m1, d1);
        if (error >= 0)
            error =
                og_buf_printf(b, "\n%s\n%s\n\n%s\n%s\n", t->l[2], t->l[3], t->l[4], PICK(senders));
    }
    }
    return error;
}

/* the closures' forms 12-15 */
static int fm_closure(int form, const og_infer__fm_text *t, const char *topic, uint64_t *s,
                      og_buf *b, int lang, int style)
{
    char d1[32], d2[32], m1[40], m2[40], num[16];
    long plan = 800000 + (long)(rnd(s) % 4000000);
    int error = 0;
    fm_date(d1, sizeof(d1), s, lang);
    fm_date(d2, sizeof(d2), s, lang);
    snprintf(num, sizeof(num), "PO %06d", (int)(rnd(s) % 1000000));
    switch (form) {
    case 12: /* to the colleagues: from when, what they get, a quirk, until when to ask */
        error = og_buf_printf(b, "%s\n\n", t->l[0]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[1], d1, topic);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n%s\n%s\n%s\n\n%s\n", t->l[2], t->l[3], t->l[4],
                                  t->l[5], t->l[6]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[7], d2);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n%s\n", t->l[8], PICK(senders));
        break;
    case 13: /* the engagement and order, the confirmation, place and date, two signatures */
        error = og_buf_printf(b, t->l[0], topic);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = og_buf_printf(b, t->l[1], num);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n\n%s\n", t->l[2], t->l[3]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[4], d1);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = fm_sign(b, t->l[5]);
        if (error >= 0)
            error = fm_sign(b, t->l[6]);
        break;
    case 14: /* summary, budget, what went well, what to do differently, what remains */
        fm_money(m1, sizeof(m1), plan, lang, 0);
        fm_money(m2, sizeof(m2), plan + (long)(rnd(s) % 300000) - 100000, lang, 0);
        error = fm_head(b, style, t->l[0]);
        if (error >= 0)
            error = og_buf_printf(b, t->l[1], topic, d1);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = og_buf_printf(b, t->l[2], m1, m2);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        for (int i = 3; i < 9 && error >= 0; i += 3) {
            error = fm_head(b, style, t->l[i]);
            if (error >= 0)
                error = og_buf_printf(b, "%s\n%s\n", t->l[i + 1], t->l[i + 2]);
        }
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->l[9]);
        break;
    default: /* a short e-mail */
        error = og_buf_printf(b, t->l[0], PICK(people));
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s %s\n%s\n\n%s\n%s\n", t->l[1], t->l[2], t->l[3],
                                  t->l[4], PICK(senders));
    }
    return error;
}

int og_infer_doc_synth_forms(int form, int lang, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * 0x9e3779b97f4a7c15u + (uint64_t)(form * NL + lang) + 104729;
    int error = 0;
    *out = NULL;
    if (form < 0 || form >= OG_INFER_DOC_FORMS || lang < 0 || lang >= NL)
        return og_error_set(OG_EINVAL, "no held-out form %d in language %d", form, lang);
    const og_infer__fm_text *t = &og_infer__fm_texts[form][lang];
    int kind = og_infer_doc_forms[form].kind, style = (int)(rnd(&s) % 3);
    const char *topic = og_infer__fm_topics[lang][kind == 2 ? 0 : kind == 1 ? 1 : 2][rnd(&s) % 4];
    char title[200], arg[32];
    if (form == 4 || form == 11)
        fm_date(arg, sizeof(arg), &s, lang);
    else
        snprintf(arg, sizeof(arg), form == 0 ? "%05d" : "%03d",
                 (int)(rnd(&s) % (form == 0 ? 100000 : 1000)));
    if (form == 0)
        snprintf(title, sizeof(title), t->title, arg, topic);
    else
        snprintf(title, sizeof(title), t->title,
                 form == 1 || form == 4 || (form >= 7 && form <= 9) || form == 11 ? arg : topic);
    og_buf_init(&b, 1 << 20);
    if (rnd(&s) % 2 && form != 10 && form != 15)
        error = og_buf_printf(&b, "%s\n%s\n\n", title, clients[rnd(&s) % 6]);
    else
        error = og_buf_printf(&b, "%s\n\n", title);
    if (error >= 0 && kind == 2) { /* a runbook says when it was last looked at */
        static const char *const seen[NL] = {"Last reviewed", "Zuletzt geprüft", "Dernière revue",
                                             "Última revisión", "Laatst nagekeken"};
        char d[32];
        fm_date(d, sizeof(d), &s, lang);
        error = og_buf_printf(&b, "%s: %s\n", seen[lang], d);
    }
    if (error >= 0)
        error = kind == 2   ? fm_runbook(form, t, &s, &b, style)
                : kind == 1 ? fm_change(form, t, &s, &b, lang, style)
                            : fm_closure(form, t, topic, &s, &b, lang, style);
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
