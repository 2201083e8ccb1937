/* doc_synth_writer.c - the held-out WRITER family of the classifier's evaluation (issue 21): the
 * five kinds as another writer would put them, in English and German, with a deliberately
 * different vocabulary - paraphrases and everyday words instead of the trade's terms, titles
 * without any of the lexicon's words ("What we will do for ...", "Adjustment No. 2", "When the
 * disk fills up", "Wrap-up: ...") - but the structure each kind has whoever writes it: a
 * statement of work's price table with a sum and two signature lines, a change order's
 * reference to the earlier agreement and its amounts before and after, a runbook's numbered
 * imperative steps with commands and paths, a closure's ticked list of what was delivered and
 * the items handed over. "Other" is bills, news, meeting notes, outage write-ups, e-mails,
 * house rules and a price quote in the same plain words. No training uses it. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK      OG_INFER_DOC_NKINDS
#define NW      2 /* English, German */
#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

typedef struct wtext {
    const char *title[3]; /* "%s": a topic */
    const char *sent[6];
} wtext;

static const char *const topics[NW][4] = {
    {"the new office network", "the mail move", "the two shops' tills", "the warehouse Wi-Fi"},
    {"das neue Büronetz", "den Umzug der Postfächer", "die Kassen der zwei Läden",
     "das WLAN im Lager"}};

/* [language][kind 0..3] */
static const wtext kinds_w[NW][NK - 1] = {
    {{{"What we will do for you: %s", "Engagement letter - %s", "In writing: %s"},
      {"Below we set out what our engineers will do for you and when.",
       "We move your mailboxes to the hosted platform and set up the firewall at both sites.",
       "New hardware, licences and anything not named here are for you to buy.",
       "You name one person we can ring and give us remote access to the machines concerned.",
       "We bill 40% when work starts, 40% halfway through and 20% once everything works.",
       "The prices below are fixed for the items listed and are shown without VAT."}},
     {{"Adjustment No. 2 to our engagement letter", "More work on %s", "Update to order %s"},
      {"This note adjusts the engagement letter we both signed earlier.",
       "You asked us last week to take on the warehouse in Hull as well.",
       "Because of that the price and the end date move as shown below.",
       "Everything else in the engagement letter stays exactly as it was.",
       "Please sign below so that our engineers can go ahead.",
       "The earlier sum and the new one are set out side by side."}},
     {{"When the disk fills up on %s", "How to swap the keys on %s", "Night shift guide: %s"},
      {"Log in to the jump host with your own account.",
       "Look at how much room is left on the data volume.",
       "Clear the old files the nightly job left behind.",
       "Reload the daemon so that it picks up the new files.",
       "Watch the queue until it drains to zero.",
       "If nothing moves within ten minutes, ring the person on call."}},
     {{"Wrap-up: %s", "%s - where we ended up", "End of our engagement: %s"},
      {"All the work named in our engagement letter has now been delivered.",
       "Your office manager tried the new setup on Friday and told us it works as agreed.",
       "What went well: the cut-over weekend took half the time we had planned.",
       "What we would do differently: order the hardware a month earlier.",
       "Two small items move to our support desk; they are listed below.",
       "Passwords and drawings are now in your document store."}}},
    {{{"Was wir für Sie tun: %s", "Auftragsschreiben - %s", "Unser Vorschlag schriftlich: %s"},
      {"Im Folgenden steht, was unsere Techniker für Sie tun und wann.",
       "Wir ziehen Ihre Postfächer auf die gehostete Plattform um und richten die Firewall an "
       "beiden Standorten ein.",
       "Neue Geräte, Lizenzen und alles hier nicht Genannte kaufen Sie selbst.",
       "Sie nennen uns eine Person, die wir anrufen können, und geben uns Fernzugriff.",
       "Wir stellen 40% zu Beginn, 40% zur Hälfte und 20% nach erfolgreichem Test in "
       "Rechnung.",
       "Die Preise unten sind für die genannten Posten fest und verstehen sich ohne MwSt."}},
     {{"Anpassung Nr. 2 zu unserem Auftragsschreiben", "Mehrarbeit: %s", "Neuer Stand zu %s"},
      {"Diese Notiz passt das früher von beiden Seiten unterschriebene Auftragsschreiben an.",
       "Sie haben uns letzte Woche gebeten, auch das Lager in Kassel zu übernehmen.",
       "Dadurch verschieben sich Preis und Endtermin wie unten gezeigt.",
       "Alles andere im Auftragsschreiben bleibt genau wie es war.",
       "Bitte unterschreiben Sie unten, damit unsere Techniker loslegen können.",
       "Die frühere und die neue Summe stehen nebeneinander."}},
     {{"Wenn die Platte voll läuft: %s", "So tauschen Sie die Schlüssel: %s",
       "Leitfaden Nachtschicht: %s"},
      {"Melden Sie sich mit Ihrem eigenen Konto am Sprungrechner an.",
       "Sehen Sie nach, wie viel Platz auf dem Datenlaufwerk frei ist.",
       "Löschen Sie die alten Dateien, die der nächtliche Job liegen ließ.",
       "Laden Sie den Daemon neu, damit er die neuen Dateien liest.",
       "Beobachten Sie die Warteschlange, bis sie leer ist.",
       "Wenn sich nach zehn Minuten nichts bewegt, rufen Sie die Rufbereitschaft an."}},
     {{"Rückblick: %s", "%s - wo wir gelandet sind", "Ende unseres Auftrags: %s"},
      {"Alle im Auftragsschreiben genannten Arbeiten sind jetzt geliefert.",
       "Ihre Büroleiterin hat das neue System am Freitag ausprobiert und sagt, es läuft wie "
       "vereinbart.",
       "Was gut lief: das Umstellungswochenende dauerte halb so lang wie geplant.",
       "Was wir anders machen würden: die Geräte einen Monat früher bestellen.",
       "Zwei kleine Punkte gehen an unseren Support; sie stehen unten.",
       "Kennwörter und Zeichnungen liegen jetzt in Ihrer Dokumentenablage."}}}};

/* the genres of "other" in the same plain words: 0 a bill, 1 news, 2 meeting notes, 3 an outage
 * write-up, 4 an e-mail, 5 house rules, 6 a price quote */
#define NG 7
static const wtext genres_w[NW][NG] = {
    {{{"Bill no. 2026-%s", "Your bill for March", "Bill for %s"},
      {"Thank you for your order.", "Please pay the sum below within 14 days.",
       "Pay to IBAN DE12 3456 7890 1234 5678 90 quoting the bill number.",
       "Questions about this bill? Write to billing@example-msp.net.", "", ""}},
     {{"What's new at Example MSP this spring", "From our desk: %s", "Spring letter"},
      {"Anna joins our helpdesk team in April and will answer your calls in the mornings.",
       "Our office moves to the third floor; the phone numbers stay the same.",
       "Tip of the month: lock your screen with Windows key and L when you leave your desk.",
       "We will be closed on Easter Monday.", "", ""}},
     {{"Notes from Tuesday's sync", "Catch-up on %s", "Weekly call - notes"},
      {"Present: Anna, Tom, Priya, Jonas.", "We went through the tickets of last week.",
       "Tom will send the price for the new laptops by Friday.", "Next call on Tuesday at 10:00.",
       "", ""}},
     {{"What happened on 4 March", "Write-up: %s was down", "Why mail was slow on Monday"},
      {"At 09:12 the first users could not reach their mail.",
       "At 09:40 we found the cause: a full disk on the mail relay.",
       "At 10:05 mail was flowing again; no message was lost.",
       "To stop this happening again we now watch the disk and get a call at 80%.", "", ""}},
     {{"Quick question about %s", "Printers on the second floor", "Re: your call this morning"},
      {"Hope you had a good weekend.",
       "Could you tell me whether the printers upstairs are covered by our contract?",
       "A colleague says they keep jamming since the move.",
       "Let me know when someone could drop by.", "", ""}},
     {{"Rules for laptops leaving the office", "How we handle %s", "House rules for remote work"},
      {"Never leave a laptop in a car, not even for five minutes.",
       "Use the company VPN on any network that is not ours.",
       "Report a lost device to the helpdesk within one hour.",
       "Do not install software yourself; ask the helpdesk.", "", ""}},
     {{"Price for five new laptops", "Your price request: %s", "Prices as asked"},
      {"Thank you for asking us.", "Here are the prices for the devices you named.",
       "These prices hold for 30 days.", "Delivery takes about a week after your order.", "", ""}}},
    {{{"Rechnung Nr. 2026-%s", "Ihre Rechnung für März", "Rechnung: %s"},
      {"Vielen Dank für Ihren Auftrag.", "Bitte zahlen Sie den Betrag unten binnen 14 Tagen.",
       "Zahlung an IBAN DE12 3456 7890 1234 5678 90 mit der Rechnungsnummer.",
       "Fragen zu dieser Rechnung? Schreiben Sie an billing@example-msp.net.", "", ""}},
     {{"Neues von Example MSP im Frühjahr", "Aus unserem Büro: %s", "Frühlingsbrief"},
      {"Anna verstärkt ab April unseren Helpdesk und nimmt vormittags Ihre Anrufe an.",
       "Unser Büro zieht in den dritten Stock; die Telefonnummern bleiben gleich.",
       "Tipp des Monats: sperren Sie den Bildschirm mit Windows-Taste und L, wenn Sie "
       "aufstehen.",
       "Am Ostermontag ist das Büro geschlossen.", "", ""}},
     {{"Notizen vom Dienstagstermin", "Abstimmung zu %s", "Wochenrunde - Notizen"},
      {"Anwesend: Anna, Tom, Priya, Jonas.",
       "Wir sind die Tickets der letzten Woche durchgegangen.",
       "Tom schickt bis Freitag den Preis für die neuen Laptops.",
       "Nächste Runde am Dienstag um 10:00.", "", ""}},
     {{"Was am 4. März passiert ist", "Nachbetrachtung: %s war weg",
       "Warum die Mail am Montag langsam war"},
      {"Um 09:12 konnten die ersten Nutzer ihre Mail nicht abrufen.",
       "Um 09:40 fanden wir die Ursache: eine volle Platte am Mail-Relay.",
       "Um 10:05 lief die Mail wieder; keine Nachricht ging verloren.",
       "Damit das nicht wieder passiert, beobachten wir die Platte jetzt und werden bei 80% "
       "angerufen.",
       "", ""}},
     {{"Kurze Frage zu %s", "Drucker im zweiten Stock", "Re: Ihr Anruf heute früh"},
      {"Ich hoffe, Sie hatten ein schönes Wochenende.",
       "Können Sie mir sagen, ob die Drucker oben durch unseren Vertrag abgedeckt sind?",
       "Eine Kollegin sagt, sie klemmen seit dem Umzug ständig.",
       "Sagen Sie mir Bescheid, wann jemand vorbeikommen kann.", "", ""}},
     {{"Regeln für Laptops außer Haus", "Wie wir mit %s umgehen", "Hausregeln fürs Homeoffice"},
      {"Lassen Sie nie einen Laptop im Auto, auch nicht für fünf Minuten.",
       "Nutzen Sie in jedem fremden Netz das Firmen-VPN.",
       "Melden Sie ein verlorenes Gerät binnen einer Stunde dem Helpdesk.",
       "Installieren Sie keine Software selbst; fragen Sie den Helpdesk.", "", ""}},
     {{"Preis für fünf neue Laptops", "Ihre Preisanfrage: %s", "Preise wie gewünscht"},
      {"Danke für Ihre Anfrage.", "Hier sind die Preise für die genannten Geräte.",
       "Diese Preise gelten 30 Tage.", "Die Lieferung dauert etwa eine Woche nach Bestellung.", "",
       ""}}}};

/* the words of the frames: sum, VAT, before, now, difference, end date, for, name, date, still
 * to do, hours estimated / used, from, to, subject, greeting, closing */
typedef struct wkit {
    const char *sum, *vat, *was, *now, *diff, *end, *for_, *name, *date, *todo, *hours, *from, *to,
        *subj, *hi, *bye, *item, *price;
} wkit;
static const wkit wkits[NW] = {{"Sum", "VAT", "Was", "Now", "Difference", "End date", "For", "Name",
                                "Date", "Still to do (support desk)", "Hours estimated / used",
                                "From", "To", "Subject", "Hi %s,", "Cheers,", "What", "Price"},
                               {"Summe", "MwSt.", "Bisher", "Neu", "Unterschied", "Endtermin",
                                "Für", "Name", "Datum", "Noch zu tun (Support)",
                                "Stunden geschätzt / gebraucht", "Von", "An", "Betreff",
                                "Hallo %s,", "Schöne Grüße", "Was", "Preis"}};

static const char *const w_items[NW][6] = {
    {"Mail move, 40 users", "Firewall set-up, 2 sites", "Engineer day on site", "Laptop 14\"",
     "Wi-Fi access point", "Remote help, 10 hours"},
    {"Postfachumzug, 40 Nutzer", "Firewall einrichten, 2 Standorte", "Techniker-Tag vor Ort",
     "Laptop 14\"", "WLAN-Zugangspunkt", "Fernhilfe, 10 Stunden"}};

/* a runbook step's command or path, by step (any language) */
static const char *const w_cmds[6] = {"ssh ops@jump01.example.net",
                                      "df -h /var/lib/postgresql",
                                      "sudo find /var/spool/batch -mtime +7 -delete",
                                      "sudo systemctl reload postfix",
                                      "mailq | tail -1",
                                      "cat /etc/oncall/rota.txt"};

static const char *const w_done[NW][5] = {
    {"Mailboxes moved (412 of 412)", "Firewall at both sites", "Wi-Fi in the warehouse",
     "Backups tested with a full restore of one folder", "Staff shown the new phones"},
    {"Postfächer umgezogen (412 von 412)", "Firewall an beiden Standorten", "WLAN im Lager",
     "Datensicherung mit Rückspielen eines Ordners getestet",
     "Team in die neuen Telefone "
     "eingewiesen"}};
static const char *const w_left[NW][3] = {
    {"printer driver on three laptops", "old switch in the basement to be picked up",
     "one mailbox alias to be checked"},
    {"Druckertreiber auf drei Laptops", "alter Switch im Keller wird abgeholt",
     "ein Postfach-Alias ist zu prüfen"}};
static const char *const w_people[] = {"Anna", "Tom", "Priya", "Jonas", "Maren", "Kofi"};
static const char *const w_clients[] = {"Fenwick & Daughters", "Bäckerei Lindner", "Northgate Vets",
                                        "Kanzlei Roth", "Blue Harbour Hotel"};

static void w_amount(char *out, size_t size, long cents, int lang)
{
    long u = cents / 100, c = cents % 100;
    char sep = lang == 0 ? ',' : '.', dec = lang == 0 ? '.' : ',';
    if (u >= 1000)
        snprintf(out, size, "%ld%c%03ld%c%02ld", u / 1000, sep, u % 1000, dec, c);
    else
        snprintf(out, size, "%ld%c%02ld", u, dec, c);
}

static void w_date(char *out, size_t size, uint64_t *s, int lang)
{
    int d = 1 + (int)(rnd(s) % 28), m = 1 + (int)(rnd(s) % 12), y = 2025 + (int)(rnd(s) % 2);
    snprintf(out, size, lang == 0 ? "%04d-%02d-%02d" : "%02d.%02d.%04d", lang == 0 ? y : d, m,
             lang == 0 ? d : y);
}

/* items with prices, then VAT and the sum; *sum the sum in cents */
static int w_table(og_buf *b, uint64_t *s, int lang, long *sum)
{
    const wkit *k = &wkits[lang];
    const char *cur = lang == 0 ? "£" : "€";
    int table = (int)(rnd(s) % 2), error;
    long sub = 0;
    char a[32];
    error = table ? og_buf_printf(b, "\n| %s | %s |\n|---|---|\n", k->item, k->price)
                  : og_buf_puts(b, "\n");
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++) {
        long c = 20000 + (long)(rnd(s) % 900000);
        sub += c;
        w_amount(a, sizeof(a), c, lang);
        error = og_buf_printf(b, table ? "| %s | %s%s |\n" : "%-34s %s%s\n",
                              w_items[lang][(i + (int)(rnd(s) % 6)) % 6], cur, a);
    }
    w_amount(a, sizeof(a), sub / 5, lang);
    if (error >= 0)
        error = og_buf_printf(b, table ? "| %s | %s%s |\n" : "%-34s %s%s\n", k->vat, cur, a);
    w_amount(a, sizeof(a), sub + sub / 5, lang);
    if (error >= 0)
        error =
            og_buf_printf(b, table ? "| **%s** | **%s%s** |\n" : "%-34s %s%s\n", k->sum, cur, a);
    *sum = sub + sub / 5;
    return error;
}

static int w_sign(og_buf *b, uint64_t *s, int lang, const char *client)
{
    const wkit *k = &wkits[lang];
    return og_buf_printf(b,
                         "\n%s %s: ______________________   %s: ____________\n%s Example MSP: "
                         "______________________   %s: ____________\n",
                         k->for_, client, k->date, k->for_, k->date) < 0
               ? -1
               : (rnd(s) % 2 ? og_buf_printf(b, "%s: %s\n", k->name, PICK(w_people)) : 0);
}

/* sentences i.. of t as a paragraph (n of them) */
static int w_para(og_buf *b, const wtext *t, int from, int n)
{
    int error = 0;
    for (int i = 0; i < n && error >= 0; i++)
        if (t->sent[(from + i) % 6][0])
            error = og_buf_printf(b, "%s ", t->sent[(from + i) % 6]);
    return error >= 0 ? og_buf_puts(b, "\n") : error;
}

static int w_kind(int kind, int lang, uint64_t *s, og_buf *b)
{
    const wtext *t = &kinds_w[lang][kind];
    const wkit *k = &wkits[lang];
    const char *client = PICK(w_clients), *cur = lang == 0 ? "£" : "€";
    char title[160], date[16], a[3][32], ref[24];
    long sum = 0;
    int error;
    snprintf(ref, sizeof(ref), "EL-%04d", 1000 + (int)(rnd(s) % 9000));
    snprintf(title, sizeof(title), t->title[rnd(s) % 3],
             kind == 1 && rnd(s) % 2 ? ref : topics[lang][rnd(s) % 4]);
    w_date(date, sizeof(date), s, lang);
    error = og_buf_printf(b, rnd(s) % 2 ? "# %s\n\n%s, %s\n\n" : "%s\n\n%s - %s\n\n", title, client,
                          date);
    switch (kind) {
    case 0: /* statement of work: prose, the price table with its sum, the terms, signatures */
        if (error >= 0)
            error = w_para(b, t, 0, 4);
        if (error >= 0)
            error = w_table(b, s, lang, &sum);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->sent[4]);
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "%s\n", t->sent[5]);
        if (error >= 0)
            error = w_sign(b, s, lang, client);
        break;
    case 1: { /* change order: the earlier agreement, the money before, now and the difference */
        long before = 800000 + (long)(rnd(s) % 4000000), change = 30000 + (long)(rnd(s) % 600000);
        char d2[16];
        w_date(d2, sizeof(d2), s, lang);
        w_amount(a[0], sizeof(a[0]), before, lang);
        w_amount(a[1], sizeof(a[1]), change, lang);
        w_amount(a[2], sizeof(a[2]), before + change, lang);
        if (error >= 0)
            error = og_buf_printf(b, "%s (%s, %s)\n\n", t->sent[0], ref, d2);
        if (error >= 0)
            error = w_para(b, t, 1, 2);
        if (error >= 0 && rnd(s) % 2)
            error =
                og_buf_printf(b,
                              "\n| | %s | %s | %s |\n|---|---|---|---|\n| %s | %s%s | %s%s "
                              "| +%s%s |\n",
                              k->was, k->now, k->diff, k->price, cur, a[0], cur, a[2], cur, a[1]);
        else if (error >= 0)
            error = og_buf_printf(b, "\n%s: %s%s\n%s: %s%s\n%s: +%s%s\n", k->was, cur, a[0], k->now,
                                  cur, a[2], k->diff, cur, a[1]);
        if (error >= 0)
            error = og_buf_printf(b, "%s: %s -> %s\n\n", k->end, date, d2);
        if (error >= 0)
            error = w_para(b, t, 3, rnd(s) % 2 ? 2 : 3);
        if (error >= 0)
            error = w_sign(b, s, lang, client);
        break;
    }
    case 2: /* runbook: numbered imperative steps, a command or a path under most */
        for (int i = 0; i < 6 && error >= 0; i++) {
            error = og_buf_printf(b, rnd(s) % 3 ? "%d. %s\n" : "%d) %s\n", i + 1, t->sent[i]);
            if (error >= 0 && i < 5 && rnd(s) % 4)
                error = og_buf_printf(b, rnd(s) % 2 ? "   `%s`\n" : "\n       %s\n\n", w_cmds[i]);
        }
        break;
    default: /* closure: what was delivered, ticked; what it took; the items handed over */
        if (error >= 0)
            error = w_para(b, t, 0, 2);
        for (int i = 0; i < 5 && error >= 0; i++)
            if (i < 3 || rnd(s) % 2)
                error = og_buf_printf(b, rnd(s) % 2 ? "- [x] %s\n" : "\xe2\x9c\x93 %s\n",
                                      w_done[lang][i]);
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "\n%s: %d / %d\n", k->hours, 100 + (int)(rnd(s) % 60),
                                  90 + (int)(rnd(s) % 70));
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->sent[2]);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n", t->sent[3]);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s:\n- %s\n- %s\n", k->todo, w_left[lang][rnd(s) % 3],
                                  w_left[lang][2]);
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "\n%s\n", t->sent[5]);
        if (error >= 0 && rnd(s) % 2)
            error = w_sign(b, s, lang, client);
    }
    return error;
}

static int w_other(int g, int lang, uint64_t *s, og_buf *b)
{
    const wtext *t = &genres_w[lang][g];
    const wkit *k = &wkits[lang];
    const char *client = PICK(w_clients);
    char title[160], date[16], num[8];
    long sum = 0;
    int error;
    snprintf(num, sizeof(num), "%04d", (int)(rnd(s) % 10000));
    snprintf(title, sizeof(title), t->title[rnd(s) % 3], g == 0 ? num : topics[lang][rnd(s) % 4]);
    w_date(date, sizeof(date), s, lang);
    if (g == 4) /* an e-mail */
        error =
            og_buf_printf(b, "%s: %s <%s@%s>\n%s: helpdesk@example-msp.net\n%s: %s\n\n", k->from,
                          PICK(w_people), "office", "example.org", k->to, k->subj, title);
    else
        error = og_buf_printf(b, rnd(s) % 2 ? "# %s\n\n%s, %s\n\n" : "%s\n\n%s - %s\n\n", title,
                              client, date);
    switch (g) {
    case 0: /* a bill, a quote: a table with a sum */
    case 6:
        if (error >= 0)
            error = w_para(b, t, 0, 2);
        if (error >= 0)
            error = w_table(b, s, lang, &sum);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s %s\n", t->sent[2], t->sent[3]);
        break;
    case 2: /* notes: who, bullets, who does what */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n- %s\n- %s\n- %s\n", t->sent[0], t->sent[1], t->sent[2],
                                  t->sent[3]);
        break;
    case 3: /* a write-up: a timeline */
        for (int i = 0; i < 4 && error >= 0; i++)
            error = og_buf_printf(b, "- %s\n", t->sent[i]);
        break;
    case 4: /* an e-mail: greeting, a question, closing */
        if (error >= 0)
            error = og_buf_printf(b, k->hi, PICK(w_people));
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s %s %s\n%s\n\n%s\n%s\n", t->sent[0], t->sent[1],
                                  t->sent[2], t->sent[3], k->bye, PICK(w_people));
        break;
    case 5: /* rules: numbered, no commands */
        for (int i = 0; i < 4 && error >= 0; i++)
            error = og_buf_printf(b, "%d. %s\n", i + 1, t->sent[i]);
        break;
    default: /* news: paragraphs */
        for (int i = 0; i < 4 && error >= 0; i++)
            error = og_buf_printf(b, "%s\n\n", t->sent[i]);
    }
    return error;
}

int og_infer_doc_synth_writer(int kind, int lang, uint64_t seed, char **out)
{
    static const og_infer__family f = {"writer", NW, NG, 2654435761u, 4099, w_kind, w_other};
    return og_infer__synth_family(&f, kind, lang, seed, out);
}
