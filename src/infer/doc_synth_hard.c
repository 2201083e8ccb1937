/* doc_synth_hard.c - the held-out synthetic documents no training uses: per kind, a German and a
 * French template (headings, sentences, labels, number and date formats of that language), an
 * English one laid out in tables with sentences of other kinds in most sections, and an English
 * one with OCR-like noise (letters misread, lines broken, labels in capitals without a colon,
 * the client on the line under its label). Each is new wording, not the training families'. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK  OG_INFER_DOC_NKINDS
#define NS  5
#define rnd og_infer__rnd

typedef struct hard_kind {
    const char *titles[2];
    const char *heads[4];
    const char *sent[NS];
} hard_kind;

/* [language: 0 German, 1 French, 2 English (new wording)][kind] */
static const hard_kind texts[3][NK] = {
    {{{"Leistungsbeschreibung", "Angebot und Leistungsumfang"},
      {"Leistungsumfang", "Lieferumfang", "Vergütung", "Abnahme"},
      {"Der Auftragnehmer erbringt die nachfolgend beschriebenen Leistungen.",
       "Die Abnahme der Lieferungen erfolgt schriftlich innerhalb von zehn Arbeitstagen.",
       "Die Vergütung wird monatlich nachträglich in Rechnung gestellt.",
       "Nicht im Leistungsumfang enthalten sind Lizenzen und Hardware.",
       "Der Projektleiter ist der zentrale Ansprechpartner des Kunden."}},
     {{"Änderungsauftrag", "Nachtrag zum Vertrag"},
      {"Beschreibung der Änderung", "Begründung", "Auswirkung auf die Kosten", "Freigabe"},
      {"Dieser Änderungsauftrag ergänzt die ursprüngliche Leistungsbeschreibung.",
       "Der Kunde hat zusätzliche Postfächer für die Migration angefordert.",
       "Der Termin für die Inbetriebnahme verschiebt sich um zwei Wochen.",
       "Alle übrigen Bedingungen des Vertrags bleiben unverändert.",
       "Die Änderung wird mit der Unterschrift beider Parteien wirksam."}},
     {{"Betriebshandbuch", "Arbeitsanweisung"},
      {"Zweck", "Voraussetzungen", "Durchführung", "Rückfallplan"},
      {"Schritt 1: Dienst stoppen und prüfen, dass keine Sitzungen aktiv sind.",
       "Schritt 2: Sicherung ausführen und die Prüfsumme kontrollieren.",
       "Bei einem Fehler die vorherige Konfiguration wiederherstellen und neu starten.",
       "Führen Sie auf jedem Knoten folgenden Befehl aus: systemctl restart nginx",
       "Eskalieren Sie an den Bereitschaftsdienst, wenn ein Schritt zweimal fehlschlägt."}},
     {{"Projektabschlussbericht", "Abnahmeprotokoll"},
      {"Zusammenfassung", "Abnahme", "Erkenntnisse", "Unterschriften"},
      {"Dieser Bericht bestätigt den Abschluss des Projekts.",
       "Alle Lieferungen wurden vom Auftraggeber abgenommen.",
       "Offene Punkte werden an das Service-Team übergeben.",
       "Das Projektbudget wurde mit der Schlussrechnung abgeschlossen.",
       "Die Gewährleistung läuft dreißig Tage nach Abschluss weiter."}},
     {{"Besprechungsprotokoll", "Mitarbeiterinformation"},
      {"Teilnehmer", "Themen", "Aufgaben", "Nächster Termin"},
      {"Die Besprechung begann mit einem Rückblick auf die Aufgaben der letzten Woche.",
       "Bitte reichen Sie Ihre Stundenzettel bis Freitag ein.",
       "Die Schulung zur Informationssicherheit ist für alle Mitarbeiter verpflichtend.",
       "Das Mittagessen wird nach der Präsentation in der Kantine serviert.",
       "Der Urlaubskalender für das nächste Jahr ist beigefügt."}}},
    {{{"Énoncé des travaux", "Cahier des charges et périmètre"},
      {"Périmètre", "Livrables", "Honoraires", "Recette"},
      {"Le prestataire réalise les prestations décrites ci-dessous.",
       "Les livrables sont acceptés par écrit sous dix jours ouvrés.",
       "Les honoraires sont facturés mensuellement à terme échu.",
       "Hors périmètre : licences, matériel et tout travail non décrit ici.",
       "Le prestataire désigne un chef de projet comme interlocuteur unique."}},
     {{"Avenant au contrat", "Demande de modification"},
      {"Modification demandée", "Justification", "Impact financier", "Validation"},
      {"Le présent avenant modifie l'énoncé des travaux cité en référence.",
       "Le client a demandé la migration de boîtes aux lettres supplémentaires.",
       "La date de mise en service est décalée de deux semaines.",
       "Toutes les autres conditions du contrat restent inchangées.",
       "La modification prend effet à la signature des deux parties."}},
     {{"Procédure d'exploitation", "Mode opératoire"},
      {"Objet", "Prérequis", "Procédure", "Retour arrière"},
      {"Étape 1 : arrêter le service et vérifier qu'aucune session n'est active.",
       "Étape 2 : lancer la sauvegarde et contrôler la somme de contrôle.",
       "En cas d'échec, restaurer la configuration précédente et redémarrer le service.",
       "Exécuter la commande suivante sur chaque nœud : systemctl restart nginx",
       "Escalader vers l'astreinte si une étape échoue deux fois."}},
     {{"Procès-verbal de clôture", "Rapport de fin de projet"},
      {"Synthèse", "Recette", "Retour d'expérience", "Signatures"},
      {"Ce rapport confirme que le projet est terminé.",
       "Tous les livrables ont été acceptés par le client.",
       "Les points ouverts sont transférés à l'équipe de service.",
       "Le budget du projet a été clôturé avec la facture finale.",
       "La garantie court trente jours après la clôture."}},
     {{"Compte rendu de réunion", "Note d'information"},
      {"Participants", "Discussion", "Actions", "Prochaine réunion"},
      {"La réunion a commencé par une revue des actions de la semaine passée.",
       "Merci de remettre vos feuilles de temps avant vendredi.",
       "La formation à la sécurité est obligatoire pour tout le personnel.",
       "Le déjeuner sera servi dans le hall après la présentation.",
       "Le calendrier des congés de l'année prochaine est joint."}}},
    {{{"Service Proposal", "Project Scope Agreement"},
      {"Engagement overview", "What is included", "Pricing", "Approval"},
      {"We will plan, build and hand over the new environment described in this proposal.",
       "Work not listed in this agreement is quoted separately.",
       "Invoices are raised at each milestone and are payable within thirty days.",
       "Your sign-off on each milestone releases the next phase.",
       "A named consultant leads the engagement from kick-off to handover."}},
     {{"Variation Request", "Change Authorisation"},
      {"Summary of change", "Rationale", "Commercial impact", "Authorisation"},
      {"This request changes the agreed scope of the project named above.",
       "The additional work adds two weeks to the plan.",
       "The price below replaces the price in the original agreement.",
       "Work on the change starts once this request is countersigned.",
       "The sponsor asked for two more sites to be included."}},
     {{"Ops Checklist", "Recovery Procedure"},
      {"When to run", "You will need", "Do this", "Undo"},
      {"Drain the node from the load balancer before you touch it.",
       "Restart the service and watch the error rate for five minutes.",
       "If the error rate climbs, put the old configuration back and restart again.",
       "Page the duty engineer if the node does not come back.",
       "Tick each box on this checklist as you complete it."}},
     {{"Project Handover and Sign-Off", "Completion Notice"},
      {"Delivered", "Accepted by", "Handed over", "Remaining"},
      {"Everything in scope has been delivered and accepted.",
       "Operations now own the new environment and its alerts.",
       "The final invoice closes the project budget.",
       "Two minor items remain and are tracked by the service desk.",
       "We thank your team for a smooth engagement."}},
     {{"Office Update", "Quarterly Town Hall"},
      {"Highlights", "People", "Reminders", "Dates"},
      {"The kitchen on the second floor is closed for repairs next week.",
       "Please welcome our two new apprentices.", "Expense claims are due by the end of the month.",
       "The summer party will be held in the park.",
       "The car park barrier is being replaced on Monday."}}},
};

static const char *const clients[3][5] = {
    {"Quellwerk GmbH", "Brunnmayr AG", "Stadtwerke Tannheim", "Kessler & Vogt KG",
     "Alpenblick Logistik GmbH"},
    {"Boulangeries Mercier SA", "Cabinet Roussel", "Transports Lemoine SARL", "Mairie de Vernay",
     "Groupe Aubrac"},
    {"Harbour Light Dental", "Pinecrest Veterinary Group", "Redfern Legal LLP", "Atlas Freight Inc",
     "Bluewater Schools Trust"}};
static const char *const mon_de[12] = {"Januar",    "Februar", "März",     "April",
                                       "Mai",       "Juni",    "Juli",     "August",
                                       "September", "Oktober", "November", "Dezember"};
static const char *const mon_fr[12] = {"janvier",   "février", "mars",     "avril",
                                       "mai",       "juin",    "juillet",  "août",
                                       "septembre", "octobre", "novembre", "décembre"};
static const char *const mon_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* An amount in cents in a language's format: "12.345,00" (de), "12 345,00" (fr), "12,345.00". */
static void money(char *out, size_t size, long cents, int lang)
{
    og_infer__synth_cents(out, size, cents,
                          lang == 0   ? '.'
                          : lang == 1 ? ' '
                                      : ',',
                          lang == 2 ? '.' : ',');
}

/* A date in the language's format. */
static void date(char *out, size_t size, int lang, int y, int m, int d, int alt)
{
    if (lang == 0)
        alt ? snprintf(out, size, "%d. %s %d", d, mon_de[m], y)
            : snprintf(out, size, "%02d.%02d.%d", d, m + 1, y);
    else if (lang == 1)
        snprintf(out, size, "%d %s %d", d, mon_fr[m], y);
    else
        alt ? snprintf(out, size, "%02d %s %d", d, mon_en[m], y)
            : snprintf(out, size, "%04d-%02d-%02d", y, m + 1, d);
}

/* OCR-like noise over a text: some letters misread (l as 1, o as 0, m as rn), some spaces lost
 * and some lines broken; digits are left alone. */
static int noisy(og_buf *b, uint64_t *s, const char *t)
{
    int error = 0;
    for (; *t && error >= 0; t++) {
        unsigned r = (unsigned)(rnd(s) % 100);
        if (*t == 'l' && r < 8)
            error = og_buf_puts(b, "1");
        else if (*t == 'o' && r < 6)
            error = og_buf_puts(b, "0");
        else if (*t == 'm' && r < 8)
            error = og_buf_puts(b, "rn");
        else if (*t == ' ' && r < 3)
            continue;
        else if (*t == ' ' && r < 6)
            error = og_buf_puts(b, "\n");
        else
            error = og_buf_printf(b, "%c", *t);
    }
    return error;
}

int og_infer__synth_hard(int kind, int hard, uint64_t seed, char **out, json_t *truth)
{
    og_buf b;
    uint64_t s = seed * 2000003u + (uint64_t)(kind * OG_INFER_DOC_HARD + hard) + 77;
    int lang = hard < 2 ? hard : 2, error = 0, with_total = rnd(&s) % 10 < 7;
    const hard_kind *k = &texts[lang][kind];
    const char *client = clients[lang][rnd(&s) % 5];
    int y = 2024 + (int)(rnd(&s) % 3), m = (int)(rnd(&s) % 12), d = 1 + (int)(rnd(&s) % 28);
    long total = 100000 + (long)(rnd(&s) % 9000000), sub = total * 100 / 119;
    char dt[48], iso[11], a1[32], a2[32], a3[32];
    const char *cur = lang == 2 ? "$" : "", *code = lang == 0 ? " EUR" : lang == 1 ? " €" : "";
    og_buf_init(&b, 1 << 20);
    snprintf(iso, sizeof(iso), "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)(m + 1) % 100u,
             (unsigned)d % 100u);
    date(dt, sizeof(dt), lang, y, m, d, (int)(rnd(&s) % 2));
    money(a1, sizeof(a1), sub, lang);
    money(a2, sizeof(a2), total - sub, lang);
    money(a3, sizeof(a3), total, lang);
    const char *title = k->titles[rnd(&s) % 2];
    if (rnd(&s) % 3 == 0) { /* a reference to an earlier document's date first: not its date */
        char ref[48];
        date(ref, sizeof(ref), lang, y - 1, (m + 7) % 12, 1 + (d + 11) % 28, (int)(rnd(&s) % 2));
        error = og_buf_printf(&b, "%s %s\n",
                              lang == 0   ? "Bezug: Angebot vom"
                              : lang == 1 ? "Réf. : devis du"
                                          : "Our quote of",
                              ref);
    }
    if (error < 0)
        ;
    else if (hard == 0)
        error = og_buf_printf(&b, "%s\n\nKunde: %s\nDatum: %s\nErstellt von: Beispiel MSP GmbH\n",
                              title, client, dt);
    else if (hard == 1)
        error = og_buf_printf(&b, "%s\n\nClient : %s\nDate : %s\nÉmis par : Exemple MSP SARL\n",
                              title, client, dt);
    else if (hard == 2)
        error = og_buf_printf(&b,
                              "## %s\n\n| Field | Value |\n|---|---|\n| Customer | %s |\n"
                              "| Issued | %s |\n| Prepared by | Example MSP |\n",
                              title, client, dt);
    else {
        error = noisy(&b, &s, title);
        if (error >= 0)
            error = og_buf_printf(&b, "\n\nBILL TO\n%s\nINVOICE DATE  %s\nFROM  Example MSP\n",
                                  client, dt);
    }
    for (int h = 0; h < 4 && error >= 0; h++) {
        error = hard == 3 ? noisy(&b, &s, k->heads[h]) : og_buf_printf(&b, "\n%s\n", k->heads[h]);
        if (hard == 3 && error >= 0)
            error = og_buf_puts(&b, "\n");
        for (int j = 0, n = 2 + (int)(rnd(&s) % 2); j < n && error >= 0; j++) {
            const char *t = k->sent[rnd(&s) % NS];
            error = hard == 3 ? noisy(&b, &s, t) : og_buf_puts(&b, t);
            if (error >= 0)
                error = og_buf_puts(&b, " ");
        }
        /* the table family quotes other kinds in most sections */
        if (error >= 0 && hard == 2 && rnd(&s) % 3 < 2)
            error = og_buf_printf(
                &b, "%s ", texts[2][(kind + 1 + rnd(&s) % (NK - 1)) % NK].sent[rnd(&s) % NS]);
        if (error >= 0)
            error = og_buf_puts(&b, "\n");
    }
    if (error >= 0 && with_total) {
        if (hard == 0)
            error = og_buf_printf(&b,
                                  "\nZwischensumme: %s EUR\nMwSt. 19 %%: %s EUR\n"
                                  "Gesamtbetrag: %s EUR\n",
                                  a1, a2, a3);
        else if (hard == 1)
            error = og_buf_printf(&b, "\nSous-total : %s €\nTVA : %s €\nMontant total : %s €\n", a1,
                                  a2, a3);
        else if (hard == 2)
            error = og_buf_printf(&b,
                                  "\n| Item | Amount |\n|---|---|\n| Services | $%s |\n"
                                  "| Tax | $%s |\n| **Total** | $%s |\n",
                                  a1, a2, a3);
        else
            error = og_buf_printf(&b, "\nSUBTOTAL  %s%s\nTAX  %s%s\nTOTAL AMOUNT  USD %s\n", cur,
                                  a1, cur, a2, a3);
        snprintf(a1, sizeof(a1), "%ld.%02ld", total / 100, total % 100);
        json_object_set_new(truth, "total", json_string(a1));
    } else if (error >= 0 && rnd(&s) % 2) { /* a rate, not a total */
        money(a1, sizeof(a1), 9500 + (long)(rnd(&s) % 10000), lang);
        error = og_buf_printf(&b, "\n%s %s%s%s\n",
                              lang == 0   ? "Stundensatz:"
                              : lang == 1 ? "Taux horaire :"
                                          : "Rate:",
                              cur, a1, code);
    }
    if (error >= 0 && rnd(&s) % 2) { /* a second date: not the document's */
        date(dt, sizeof(dt), lang, y + 1, (m + 2) % 12, 1 + (d + 5) % 28, (int)(rnd(&s) % 2));
        error = og_buf_printf(&b, "\n%s %s\n",
                              lang == 0   ? "Gültig bis:"
                              : lang == 1 ? "Valable jusqu'au :"
                                          : "Valid until",
                              dt);
    }
    if (error >= 0) {
        json_object_set_new(truth, "date", json_string(iso));
        json_object_set_new(truth, "client", json_string(client));
        *out = og_buf_detach(&b);
    }
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
