/* doc_synth_writer2.c - the SECOND held-out writer family of the classifier's evaluation
 * (issue 21): a third person's style, in English and French, phrased unlike the first writer
 * (doc_synth_writer.c) and unlike the training families. This writer is terse and formal, writes
 * numbered sections and "Label: value" lines, amounts in prose ("from EUR 12,400.00 to EUR
 * 13,900.00"), never ticks a list, signs on dotted lines. A change order says which earlier
 * offer it revises (by its number and date), what is added, dropped or done instead, the price
 * before, after and the difference in a sentence, the old and the new finish; a closure has a
 * status table of what was handed over and accepted, the hours planned and spent, the open
 * points and who now looks after it, in the past tense. Titles name none of the lexicon's
 * words. No training uses it: it tells whether what lifts the first writer is structure every
 * writer has or the first writer's habits. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK      OG_INFER_DOC_NKINDS
#define NW      OG_INFER_DOC_WRITER2_LANGS /* English, French */
#define NG      7
#define rnd     og_infer__rnd
#define PICK(a) ((a)[rnd(s) % (sizeof(a) / sizeof((a)[0]))])

typedef struct w2text {
    const char *title[3]; /* "%s": a topic or a number */
    const char *sent[6];
} w2text;

static const char *const topics2[NW][4] = {
    {"the branch in Leeds", "the new phones", "the surgery's PCs", "the shared drive"},
    {"l'agence de Lille", "les nouveaux téléphones", "les PC du cabinet", "le lecteur partagé"}};

/* [language][kind 0..3] */
static const w2text kinds2[NW][NK - 1] = {
    {{{"Plan and figures: %s", "Our answer to your brief on %s", "How we would handle %s"},
      {"1. Aim", "Replace the old phones at %s and move every number to the hosted exchange.",
       "2. Tasks",
       "Survey the cabling; set up the handsets; train reception; keep the old lines for a "
       "week.",
       "3. Cost", "Accepted for the client (name, date):"}},
     {{"Letter %s, second version", "Once more on letter %s", "Letter %s - what moves"},
      {"Further to our letter %s of %s, which you signed, the following is agreed.",
       "Added: a second site (the depot), four handsets and its cabling.",
       "Dropped: the fax line, which nobody uses any more.",
       "Instead of on-site training we now give two remote sessions.",
       "All other points of the letter %s remain in force.", "Agreed for the client:"}},
     {{"If the phones go dead at %s", "Night round on %s", "Resetting a handset: %s"},
      {"Step 1 - open a session on the admin box.", "Step 2 - check that the trunk is up.",
       "Step 3 - restart the exchange service.", "Step 4 - ring the front desk to test.",
       "Step 5 - write the time and the result in the log.",
       "Step 6 - if it still fails, phone the carrier."}},
     {{"Last word on %s", "Looking back at %s", "All done: %s"},
      {"The work was finished on %s and the client's office manager accepted it.",
       "Everything listed in our letter was handed over; see the table.",
       "Time: %d h planned, %d h spent.",
       "From %s the service desk looks after the phones under the usual terms.",
       "Open points:", "Signed off by the client:"}}},
    {{{"Plan et chiffres : %s", "Notre idée pour %s", "Comment nous traiterions %s"},
      {"1. But",
       "Remplacer les anciens téléphones à %s et reprendre chaque numéro sur le "
       "standard hébergé.",
       "2. Tâches",
       "Relever le câblage ; installer les combinés ; former l'accueil ; garder les anciennes "
       "lignes une semaine.",
       "3. Coût", "Accepté pour le client (nom, date) :"}},
     {{"Lettre %s, seconde version", "Encore sur la lettre %s", "Lettre %s : ce qui bouge"},
      {"Suite à notre lettre %s du %s, que vous avez signée, il est convenu ce qui suit.",
       "Ajouté : un second site (le dépôt), quatre combinés et leur câblage.",
       "Retiré : la ligne de fax, que plus personne n'utilise.",
       "Au lieu de la formation sur place, nous donnons deux séances à distance.",
       "Tous les autres points de la lettre %s restent en vigueur.",
       "Bon pour accord, le client :"}},
     {{"Si les téléphones sont muets à %s", "Tour de nuit : %s", "Remettre un combiné à zéro : %s"},
      {"Étape 1 - ouvrez une session sur la machine d'administration.",
       "Étape 2 - vérifiez que le trunk est actif.", "Étape 3 - redémarrez le service du standard.",
       "Étape 4 - appelez l'accueil pour tester.",
       "Étape 5 - notez l'heure et le résultat dans le journal.",
       "Étape 6 - si cela échoue encore, appelez l'opérateur."}},
     {{"Dernier mot sur %s", "Regard en arrière sur %s", "Tout est fait : %s"},
      {"Le travail a été terminé le %s et la responsable du bureau l'a accepté.",
       "Tout ce que prévoyait notre lettre a été remis ; voir le tableau.",
       "Temps : %d h prévues, %d h passées.",
       "Depuis le %s, le service d'assistance s'occupe des téléphones aux conditions "
       "habituelles.",
       "Points ouverts :", "Validé par le client :"}}}};

/* the genres of "other" in the same terse style: 0 an agenda, 1 a delivery note, 2 an
 * invitation, 3 a survey, 4 a price list, 5 a complaint, 6 a holiday notice */
static const w2text genres2[NW][NG] = {
    {{{"Agenda for %s", "Tuesday's round table", "Points for the next call"},
      {"1. Welcome and apologies", "2. Tickets still waiting", "3. The move of the printer room",
       "4. Any other business", "", ""}},
     {{"Delivery note %s", "Goods sent today", "What the courier brings"},
      {"Please check the boxes against this list on arrival.",
       "Damage must be reported within two days.", "Received in good order (name, date):", "", "",
       ""}},
     {{"Join us on Friday", "Summer drinks at %s", "You are invited"},
      {"We would like to thank our clients with a small get-together.",
       "Friday 12 June, from 17:00, on the roof terrace.", "Reply by e-mail before Monday.",
       "Parking is free after 16:00.", "", ""}},
     {{"Five minutes of your time", "How did we do?", "A few questions on %s"},
      {"How satisfied are you with our response times?", "Did the engineer explain what he did?",
       "Would you recommend us to a friend?", "Anything else you want to tell us?", "", ""}},
     {{"Prices from 1 July", "What things cost: %s", "Our list, summer edition"},
      {"All prices are per device and month.", "Prices may change with one month's notice.", "", "",
       "", ""}},
     {{"About yesterday's visit", "Not happy with %s", "Please call me back"},
      {"Your engineer arrived two hours late and left without finishing.",
       "Since then two of our screens stay black.",
       "I expect someone to come back this week at no cost.", "Regards,", "", ""}},
     {{"Office closed over the holidays", "Who to call in August", "Summer hours"},
      {"Our office is closed from 24 December to 2 January.",
       "For emergencies ring 0800 123 456; the on-call engineer answers.",
       "Normal hours resume on 3 January at 08:30.", "", "", ""}}},
    {{{"Ordre du jour : %s", "Table ronde de mardi", "Points pour le prochain appel"},
      {"1. Accueil et excusés", "2. Tickets en attente",
       "3. Déménagement de la salle "
       "d'impression",
       "4. Divers", "", ""}},
     {{"Bon de livraison %s", "Marchandise envoyée ce jour", "Ce que le coursier apporte"},
      {"Merci de contrôler les colis avec cette liste à l'arrivée.",
       "Tout dommage doit être signalé sous deux jours.", "Reçu en bon état (nom, date) :", "", "",
       ""}},
     {{"Rejoignez-nous vendredi", "Apéritif d'été à %s", "Vous êtes invités"},
      {"Nous aimerions remercier nos clients autour d'un petit moment convivial.",
       "Vendredi 12 juin, à partir de 17:00, sur la terrasse.", "Répondez par e-mail avant lundi.",
       "Le parking est gratuit après 16:00.", "", ""}},
     {{"Cinq minutes de votre temps", "Comment avons-nous fait ?", "Quelques questions sur %s"},
      {"Êtes-vous satisfait de nos délais de réponse ?",
       "Le technicien a-t-il expliqué ce qu'il a fait ?", "Nous recommanderiez-vous à un ami ?",
       "Autre chose à nous dire ?", "", ""}},
     {{"Tarifs au 1er juillet", "Ce que coûtent les choses : %s", "Notre liste, édition d'été"},
      {"Tous les montants sont par appareil et par mois.",
       "Ils peuvent changer avec un mois de préavis.", "", "", "", ""}},
     {{"À propos de la visite d'hier", "Pas contents de %s", "Merci de me rappeler"},
      {"Votre technicien est arrivé avec deux heures de retard et est reparti sans finir.",
       "Depuis, deux de nos écrans restent noirs.",
       "J'attends que quelqu'un revienne cette semaine sans frais.", "Cordialement,", "", ""}},
     {{"Bureau fermé pendant les fêtes", "Qui appeler en août", "Horaires d'été"},
      {"Notre bureau est fermé du 24 décembre au 2 janvier.",
       "En cas d'urgence, appelez le 0800 123 456 ; le technicien de garde répond.",
       "Les horaires normaux reprennent le 3 janvier à 08:30.", "", "", ""}}}};

typedef struct w2kit {
    const char *cur, *total, *diff, *finish, *item, *status, *done, *accepted, *qty, *from_to,
        *more, *less, *hello;
} w2kit;
static const w2kit kits2[NW] = {
    {"EUR", "Total", "The price therefore goes from %s to %s, that is %s %s.",
     "Finish: %s instead of %s.", "Item", "Status", "done", "accepted", "Qty", "%s to %s", "more",
     "less", "Dear %s,"},
    {"EUR", "Total", "Le prix passe donc de %s à %s, soit %s %s.", "Fin : le %s au lieu du %s.",
     "Élément", "État", "fait", "accepté", "Qté", "%s à %s", "de plus", "de moins", "Bonjour %s,"}};

static const char *const items2[NW][6] = {
    {"Handsets, desk model", "Hosted exchange, set-up", "Cabling, per point", "Reception training",
     "Number porting", "Headsets"},
    {"Combinés, modèle de bureau", "Standard hébergé, mise en place", "Câblage, par point",
     "Formation de l'accueil", "Portabilité des numéros", "Casques"}};
static const char *const handed2[NW][5] = {{"Handsets at both sites", "Hosted exchange",
                                            "Cabling plan", "Admin passwords", "Reception trained"},
                                           {"Combinés sur les deux sites", "Standard hébergé",
                                            "Plan de câblage", "Mots de passe d'administration",
                                            "Accueil formé"}};
static const char *const open2[NW][3] = {
    {"one handset in the depot to be swapped", "voicemail greeting still to be recorded",
     "old fax line to be cancelled by the client"},
    {"un combiné du dépôt à échanger", "message du répondeur encore à enregistrer",
     "ancienne ligne de fax à résilier par le client"}};
static const char *const cmds2[6] = {"ssh admin@pbx01.example.net",
                                     "asterisk -rx 'sip show registry'",
                                     "systemctl restart asterisk",
                                     "",
                                     "echo \"$(date) ok\" >> /var/log/pbx-check.log",
                                     ""};
static const char *const people2[] = {"Ms Okafor", "Mr Dupont", "Ms Lambert", "Mr Haddad"};
static const char *const clients2[] = {"Okafor Dental", "Dupont Frères", "Lambert & Co",
                                       "Haddad Logistics"};

static void w2_amount(char *out, size_t size, long cents, int lang)
{
    long u = cents / 100, c = cents % 100;
    /* English 12,400.00; French 12 400,00 */
    if (u >= 1000)
        snprintf(out, size, lang == 0 ? "%ld,%03ld.%02ld" : "%ld %03ld,%02ld", u / 1000, u % 1000,
                 c);
    else
        snprintf(out, size, lang == 0 ? "%ld.%02ld" : "%ld,%02ld", u, c);
}

static const char *const months2[NW][12] = {
    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"},
    {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"}};

/* a date written out: "12 March 2026" / "12 mars 2026" */
static void w2_date(char *out, size_t size, uint64_t *s, int lang)
{
    snprintf(out, size, "%d %s %d", 1 + (int)(rnd(s) % 28), months2[lang][rnd(s) % 12],
             2025 + (int)(rnd(s) % 2));
}

/* priced lines "Item ...... EUR 1,200.00" (or a tab-separated table) and the total */
static int w2_prices(og_buf *b, uint64_t *s, int lang, int quantities)
{
    const w2kit *k = &kits2[lang];
    long sum = 0;
    char a[32];
    int error = 0, tabs = (int)(rnd(s) % 2);
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++) {
        long c = 15000 + (long)(rnd(s) % 700000);
        int q = 1 + (int)(rnd(s) % 9);
        sum += c;
        w2_amount(a, sizeof(a), c, lang);
        if (quantities)
            error = og_buf_printf(b, "%d x %s\n", q, items2[lang][(i + (int)(rnd(s) % 6)) % 6]);
        else
            error = og_buf_printf(b, tabs ? "%s\t%s %s\n" : "%s ........ %s %s\n",
                                  items2[lang][(i + (int)(rnd(s) % 6)) % 6], k->cur, a);
    }
    if (!quantities && error >= 0) {
        w2_amount(a, sizeof(a), sum, lang);
        error = og_buf_printf(b, tabs ? "%s\t%s %s\n" : "%s ........ %s %s\n", k->total, k->cur, a);
    }
    return error;
}

static int w2_sign(og_buf *b, const char *label)
{
    return og_buf_printf(b, "\n%s\n.................................\n", label);
}

static int w2_kind(int kind, int lang, uint64_t *s, og_buf *b)
{
    const w2text *t = &kinds2[lang][kind];
    const w2kit *k = &kits2[lang];
    const char *client = PICK(clients2), *topic = topics2[lang][rnd(s) % 4];
    char title[160], date[40], date2[40], num[24], a[3][32];
    int error;
    snprintf(num, sizeof(num), "L-%03d/%d", 100 + (int)(rnd(s) % 900), 25 + (int)(rnd(s) % 2));
    w2_date(date, sizeof(date), s, lang);
    w2_date(date2, sizeof(date2), s, lang);
    snprintf(title, sizeof(title), t->title[rnd(s) % 3], kind == 1 ? num : topic);
    error = og_buf_printf(b, "%s\n%s\n\n%s: %s\n\n", title, client, lang ? "Réf." : "Ref.", num);
    switch (kind) {
    case 0: /* sections: aim, tasks, cost with a total, a dotted line to accept on */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n", t->sent[0]);
        if (error >= 0)
            error = og_buf_printf(b, t->sent[1], client);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n%s\n\n%s\n", t->sent[2], t->sent[3], t->sent[4]);
        if (error >= 0)
            error = w2_prices(b, s, lang, 0);
        if (error >= 0)
            error = w2_sign(b, t->sent[5]);
        break;
    case 1: { /* the earlier letter by number and date, added / dropped / instead, the money in
               * a sentence, the finish moved, a dotted line */
        long before = 600000 + (long)(rnd(s) % 3000000), change = 20000 + (long)(rnd(s) % 400000);
        int less = rnd(s) % 4 == 0;
        char ref[24];
        snprintf(ref, sizeof(ref), "L-%03d/%d", 100 + (int)(rnd(s) % 900), 25);
        w2_amount(a[0], sizeof(a[0]), before, lang);
        w2_amount(a[1], sizeof(a[1]), less ? before - change : before + change, lang);
        w2_amount(a[2], sizeof(a[2]), change, lang);
        char m0[48], m1[48], m2[48];
        snprintf(m0, sizeof(m0), "%s %s", k->cur, a[0]);
        snprintf(m1, sizeof(m1), "%s %s", k->cur, a[1]);
        snprintf(m2, sizeof(m2), "%s %s", k->cur, a[2]);
        if (error >= 0)
            error = og_buf_printf(b, t->sent[0], ref, date);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n", t->sent[1]);
        if (error >= 0 && rnd(s) % 2)
            error = og_buf_printf(b, "%s\n", t->sent[2]);
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n", t->sent[3]);
        if (error >= 0)
            error = og_buf_printf(b, k->diff, m0, m1, m2, less ? k->less : k->more);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = og_buf_printf(b, k->finish, date2, date);
        if (error >= 0)
            error = og_buf_puts(b, "\n\n");
        if (error >= 0)
            error = og_buf_printf(b, t->sent[4], ref);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = w2_sign(b, t->sent[5]);
        break;
    }
    case 2: /* "Step n - ..." lines, a command under some */
        for (int i = 0; i < 6 && error >= 0; i++) {
            error = og_buf_printf(b, "%s\n", t->sent[i]);
            if (error >= 0 && cmds2[i][0] && rnd(s) % 3)
                error = og_buf_printf(b, "    $ %s\n", cmds2[i]);
        }
        break;
    default: { /* past tense, a status table, the hours, who looks after it now, open points */
        int planned = 80 + (int)(rnd(s) % 80), spent = planned - 10 + (int)(rnd(s) % 30);
        if (error >= 0)
            error = og_buf_printf(b, t->sent[0], date);
        if (error >= 0)
            error =
                og_buf_printf(b, " %s\n\n| %s | %s |\n|---|---|\n", t->sent[1], k->item, k->status);
        for (int i = 0; i < 5 && error >= 0; i++)
            if (i < 3 || rnd(s) % 2)
                error = og_buf_printf(b, "| %s | %s |\n", handed2[lang][i],
                                      rnd(s) % 2 ? k->done : k->accepted);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = og_buf_printf(b, t->sent[2], planned, spent);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
        if (error >= 0)
            error = og_buf_printf(b, t->sent[3], date2);
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s\n* %s\n", t->sent[4], open2[lang][rnd(s) % 3]);
        if (error >= 0 && rnd(s) % 2)
            error = w2_sign(b, t->sent[5]);
    }
    }
    return error;
}

static int w2_other(int g, int lang, uint64_t *s, og_buf *b)
{
    const w2text *t = &genres2[lang][g];
    const w2kit *k = &kits2[lang];
    const char *client = PICK(clients2);
    char title[160], num[16];
    int error;
    snprintf(num, sizeof(num), "%05d", (int)(rnd(s) % 100000));
    snprintf(title, sizeof(title), t->title[rnd(s) % 3], g == 1 ? num : topics2[lang][rnd(s) % 4]);
    error = og_buf_printf(b, "%s\n%s\n\n", title, client);
    switch (g) {
    case 1: /* a delivery note: quantities, a dotted line */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n", t->sent[0]);
        if (error >= 0)
            error = w2_prices(b, s, lang, 1);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->sent[1]);
        if (error >= 0)
            error = w2_sign(b, t->sent[2]);
        break;
    case 4: /* a price list */
        if (error >= 0)
            error = og_buf_printf(b, "%s\n\n", t->sent[0]);
        if (error >= 0)
            error = w2_prices(b, s, lang, 0);
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", t->sent[1]);
        break;
    case 5: /* a complaint: a letter */
        if (error >= 0)
            error = og_buf_printf(b, k->hello, PICK(people2));
        if (error >= 0)
            error = og_buf_printf(b, "\n\n%s %s\n%s\n\n%s\n%s\n", t->sent[0], t->sent[1],
                                  t->sent[2], t->sent[3], PICK(people2));
        break;
    default: /* agenda, invitation, survey, notice: one line each */
        for (int i = 0; i < 4 && error >= 0; i++)
            if (t->sent[i][0])
                error = og_buf_printf(b, "%s\n\n", t->sent[i]);
    }
    return error;
}

int og_infer_doc_synth_writer2(int kind, int lang, uint64_t seed, char **out)
{
    static const og_infer__family f = {"second-writer", NW,      NG, 11400714819323198485u, 7919,
                                       w2_kind,         w2_other};
    return og_infer__synth_family(&f, kind, lang, seed, out);
}
