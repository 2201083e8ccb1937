/* doc_synth_forms_train.c - TRAINING documents of runbooks, change orders and closures in the
 * everyday forms the template families lack (issue 21): a how-to note, a procedure with who is
 * responsible, a switch-over to the backup site, an on-call card of conditions, a checklist of
 * boxes, a procedure told in prose, a task table; an amendment, a change notice, a change
 * request with its approval lines, an e-mail confirming extra work and its price, a price
 * adjustment letter; a handover to support, an acceptance protocol, a project review with
 * lessons, a go-live e-mail. English, German and French, in their own words and titles: not the
 * held-out forms family's (doc_synth_forms_ho.c, whose Spanish and Dutch have no counterpart
 * here). Written by h-infer11 (d82bf5e, reverted in 3a3ebf7) and kept for the measurement of
 * issue 21's trade (h-infer16, docs/inference.md): og_infer__synth_mixed draws them only when
 * og_infer__synth_forms_share is set, which nothing but bench_infer does.
 *
 * Each line is data with a mark in front: '#' a heading, '*' a bullet, '=' a numbered step,
 * '>' a command (the next of the form's), '_' a signature line, '|' a table row as it is, ' ' a
 * plain line; in a line {N} is the new amount, {O} the old one, {D} the difference with its sign,
 * {P} a percentage, {T} a date, {C} the client, {X} a person. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define TL  OG_INFER__FT_LANGS /* English, German, French */
#define NFT 16
#define rnd og_infer__rnd

unsigned og_infer__synth_forms_share = 0;
int og_infer__synth_forms_sow = 0;

typedef og_infer__ft_form ft_form;

static const ft_form forms[NFT] = {
    {2,
     {"How to: unlock a frozen terminal session", "Anleitung: hängende Terminalsitzung lösen",
      "Mode opératoire : débloquer une session terminal figée"},
     {{"#Problem", " The remote desktop shows a black screen and ignores the keyboard.", "#Fix",
       " Sign in to the session host as an administrator and end the stuck session:", ">",
       " Let the person sign in again.", "#Notes",
       " Happens after long idle times; no data is lost.", "", "", ""},
      {"#Problem", " Der Remote-Desktop bleibt schwarz und reagiert nicht auf die Tastatur.",
       "#Behebung", " Als Administrator am Sitzungshost anmelden und die hängende Sitzung beenden:",
       ">", " Die Person meldet sich neu an.", "#Hinweise",
       " Tritt nach langer Inaktivität auf; es gehen keine Daten verloren.", "", "", ""},
      {"#Problème", " Le bureau à distance reste noir et ignore le clavier.", "#Correction",
       " Connectez-vous à l'hôte de sessions en administrateur et fermez la session bloquée :", ">",
       " La personne se reconnecte.", "#Remarques",
       " Arrive après une longue inactivité ; aucune donnée n'est perdue.", "", "", ""}}},
    {2,
     {"Procedure: people leaving the company", "Verfahren: Konten ausscheidender Mitarbeiter",
      "Procédure : départs de collaborateurs"},
     {{"#Responsibilities", "*Personnel office: reports the last working day.",
       "*Helpdesk: disables the account and keeps the mailbox.",
       "*Line manager: names who receives the files.", "#Course of action",
       "=Personnel office reports the leaver in the portal.",
       "=Helpdesk disables the account on the last evening:", ">",
       "=Line manager confirms who takes over the files.",
       "=Helpdesk converts the mailbox to a shared one after 30 days.", ""},
      {"#Zuständigkeiten", "*Personalbüro: meldet den letzten Arbeitstag.",
       "*Helpdesk: sperrt das Konto und behält das Postfach.",
       "*Vorgesetzte: benennen, wer die Dateien erhält.", "#Vorgehen",
       "=Das Personalbüro meldet den Austritt im Portal.",
       "=Der Helpdesk sperrt das Konto am letzten Abend:", ">",
       "=Die Vorgesetzten bestätigen, wer die Dateien übernimmt.",
       "=Der Helpdesk wandelt das Postfach nach 30 Tagen in ein gemeinsames um.", ""},
      {"#Responsabilités", "*Service du personnel : signale le dernier jour travaillé.",
       "*Helpdesk : désactive le compte et garde la boîte.",
       "*Responsable : désigne qui reçoit les fichiers.", "#Marche à suivre",
       "=Le service du personnel déclare le départ dans le portail.",
       "=Le helpdesk désactive le compte le dernier soir :", ">",
       "=Le responsable confirme qui reprend les fichiers.",
       "=Le helpdesk convertit la boîte en boîte partagée après 30 jours.", ""}}},
    {2,
     {"Moving production to the standby data centre", "Umschaltung auf das Ausweich-Rechenzentrum",
      "Basculement vers le centre de repli"},
     {{" Trigger: the primary cluster does not answer for 20 minutes and the vendor confirms an "
       "outage.",
       " Objective: service back within 2 hours.",
       "=Freeze writes on the primary if it still runs:", ">",
       "=Bring up the replica at the backup site:", ">",
       "=Move the service address to the backup site and test a login.",
       "=Inform {C} that the backup site carries the load.",
       " Return: when the primary is stable, resynchronise and switch back in a quiet hour.", "",
       ""},
      {" Auslöser: der Primärcluster antwortet 20 Minuten nicht und der Hersteller bestätigt eine "
       "Störung.",
       " Ziel: Dienst innerhalb von 2 Stunden zurück.",
       "=Schreibzugriffe auf dem Primärsystem einfrieren, falls es noch läuft:", ">",
       "=Das Replikat im Ausweich-Rechenzentrum hochfahren:", ">",
       "=Die Dienstadresse umziehen und eine Anmeldung testen.",
       "={C} informieren, dass das Ausweich-Rechenzentrum übernimmt.",
       " Rückweg: wenn das Primärsystem stabil ist, neu synchronisieren und in einer ruhigen "
       "Stunde "
       "zurückschalten.",
       "", ""},
      {" Déclencheur : le cluster principal ne répond plus depuis 20 minutes et l'éditeur confirme "
       "une panne.",
       " Objectif : service rétabli sous 2 heures.",
       "=Gelez les écritures sur le principal s'il tourne encore :", ">",
       "=Démarrez la réplique sur le site de repli :", ">",
       "=Déplacez l'adresse du service et testez une connexion.",
       "=Informez {C} que le site de repli porte la charge.",
       " Retour : quand le principal est stable, resynchronisez et rebasculez à une heure calme.",
       "", ""}}},
    {2,
     {"Duty notes - backup job failed", "Dienstkarte - Sicherungsjob fehlgeschlagen",
      "Carte de permanence - tâche de sauvegarde en échec"},
     {{"*When the job failed once: restart it and watch the first minutes:", ">",
       "*When the target is full: delete the oldest restore points:", ">",
       "*When it fails again after that: open an incident and call the next level.", "#Call next",
       "*after 20 min: storage on-call, +44 20 7946 0200", "*after 45 min: service manager",
       " Log every action with the time.", "", ""},
      {"*Wenn der Job einmal scheiterte: neu starten und die ersten Minuten beobachten:", ">",
       "*Wenn das Ziel voll ist: die ältesten Wiederherstellungspunkte löschen:", ">",
       "*Wenn er danach wieder scheitert: Störung eröffnen und die nächste Stufe anrufen.",
       "#Als Nächstes anrufen", "*nach 20 Min.: Storage-Bereitschaft, +49 89 2190 300",
       "*nach 45 Min.: Service-Manager", " Jede Handlung mit Uhrzeit protokollieren.", "", ""},
      {"*Quand la tâche a échoué une fois : relancez-la et surveillez les premières minutes :", ">",
       "*Quand la cible est pleine : supprimez les points de restauration les plus anciens :", ">",
       "*Quand elle échoue encore ensuite : ouvrez un incident et appelez le niveau suivant.",
       "#Appeler ensuite", "*après 20 min : astreinte stockage, +33 4 72 00 11 22",
       "*après 45 min : responsable de service", " Consignez chaque action avec l'heure.", "",
       ""}}},
    {2,
     {"Patching evening - tick list", "Patchnacht - Abhakliste",
      "Nuit de correctifs - liste à cocher"},
     {{"#Beforehand", "☐ notice to staff sent two days ahead", "☐ restore point of each server",
       "#In the window", "☐ updates applied in the test group first", ">",
       "☐ production servers rebooted in order", "#Afterwards", "☐ services and backups checked",
       "☐ result mailed to the customer", ""},
      {"#Vorab", "☐ Hinweis an die Belegschaft zwei Tage vorher",
       "☐ Wiederherstellungspunkt jedes Servers", "#Im Fenster",
       "☐ Updates zuerst in der Testgruppe", ">", "☐ Produktivserver der Reihe nach neu gestartet",
       "#Hinterher", "☐ Dienste und Sicherungen geprüft", "☐ Ergebnis an den Kunden gemailt", ""},
      {"#En amont", "☐ avis au personnel envoyé deux jours avant",
       "☐ point de restauration de chaque serveur", "#Dans le créneau",
       "☐ mises à jour d'abord sur le groupe de test", ">",
       "☐ serveurs de production redémarrés dans l'ordre", "#Ensuite",
       "☐ services et sauvegardes contrôlés", "☐ résultat envoyé au client", ""}}},
    {2,
     {"Rotating the service account password", "Passwort des Dienstkontos wechseln",
      "Changer le mot de passe du compte de service"},
     {{" Every ninety days the password of the service account must change, and it is best done "
       "on a Tuesday morning when few people work with the application.",
       " First set the new password in the directory, for example with", ">",
       " then enter it in the application's settings and restart its service so that it takes "
       "effect.",
       " After that, watch the log for a few minutes; failed logins mean a place was forgotten.",
       " Finally store the password in the vault and note the date.", "", "", "", ""},
      {" Alle neunzig Tage muss das Passwort des Dienstkontos wechseln, am besten an einem "
       "Dienstagmorgen, wenn wenige mit der Anwendung arbeiten.",
       " Zuerst setzt man das neue Passwort im Verzeichnis, zum Beispiel mit", ">",
       " dann trägt man es in den Einstellungen der Anwendung ein und startet ihren Dienst neu.",
       " Danach einige Minuten das Log beobachten; Fehlanmeldungen heißen, eine Stelle wurde "
       "vergessen.",
       " Zum Schluss das Passwort im Tresor ablegen und das Datum notieren.", "", "", "", ""},
      {" Tous les quatre-vingt-dix jours, le mot de passe du compte de service doit changer, de "
       "préférence un mardi matin quand peu de gens utilisent l'application.",
       " On définit d'abord le nouveau mot de passe dans l'annuaire, par exemple avec", ">",
       " puis on le saisit dans les paramètres de l'application et on redémarre son service.",
       " Ensuite, surveillez le journal quelques minutes ; des échecs de connexion signalent un "
       "endroit oublié.",
       " Pour finir, rangez le mot de passe dans le coffre et notez la date.", "", "", "", ""}}},
    {2,
     {"Restoring a deleted folder", "Gelöschten Ordner zurückholen",
      "Restaurer un dossier supprimé"},
     {{"| # | Task | Check | Who |", "|---|---|---|---|",
       "| 1 | Find the folder's path and the last good day | path noted | helpdesk |",
       "| 2 | Mount the snapshot: `zfs clone tank/share@daily tank/restore` | snapshot visible | "
       "storage |",
       "| 3 | Copy the folder back | files present | storage |",
       "| 4 | Ask the user to open two files | user confirms | helpdesk |", "", "", "", ""},
      {"| # | Aufgabe | Prüfung | Wer |", "|---|---|---|---|",
       "| 1 | Pfad des Ordners und letzten guten Tag finden | Pfad notiert | Helpdesk |",
       "| 2 | Snapshot einhängen: `zfs clone tank/share@daily tank/restore` | Snapshot sichtbar "
       "| Storage |",
       "| 3 | Ordner zurückkopieren | Dateien vorhanden | Storage |",
       "| 4 | Benutzer zwei Dateien öffnen lassen | Benutzer bestätigt | Helpdesk |", "", "", "",
       ""},
      {"| # | Tâche | Contrôle | Qui |", "|---|---|---|---|",
       "| 1 | Trouver le chemin du dossier et le dernier bon jour | chemin noté | helpdesk |",
       "| 2 | Monter l'instantané : `zfs clone tank/share@daily tank/restore` | instantané "
       "visible | stockage |",
       "| 3 | Recopier le dossier | fichiers présents | stockage |",
       "| 4 | Faire ouvrir deux fichiers à l'utilisateur | l'utilisateur confirme | helpdesk |", "",
       "", "", ""}}},
    {1,
     {"Amendment No. 3 to the maintenance contract",
      "Änderungsvereinbarung Nr. 3 zum Wartungsvertrag", "Avenant n° 3 au contrat de maintenance"},
     {{" Between Bluefin Systems and {C}.", " The contract dated {T} is amended as follows:",
       "=Article 5 now also covers the two branch offices.",
       "=The annual fee is {N} (previously {O}).", "=All other terms remain in force.",
       "_Bluefin Systems:", "_{C}:", "", "", ""},
      {" Zwischen Bluefin Systems und {C}.", " Der Vertrag vom {T} wird wie folgt geändert:",
       "=Artikel 5 umfasst nun auch die zwei Filialen.",
       "=Die Jahresgebühr beträgt {N} (bisher {O}).", "=Alle übrigen Bedingungen gelten weiter.",
       "_Bluefin Systems:", "_{C}:", "", "", ""},
      {" Entre Bluefin Systems et {C}.", " Le contrat du {T} est modifié comme suit :",
       "=L'article 5 couvre désormais aussi les deux agences.",
       "=La redevance annuelle est de {N} (auparavant {O}).",
       "=Toutes les autres conditions restent en vigueur.", "_Bluefin Systems :", "_{C} :", "", "",
       ""}}},
    {1,
     {"Change notice CN-118", "Änderungsmitteilung ÄM-118", "Avis de changement AM-118"},
     {{" Customer: {C}", "#Change", " Fibre instead of copper between the two buildings.",
       " Price effect: {D}", " Schedule effect: +4 days", " Authorised by: {X}", "", "", "", ""},
      {" Kunde: {C}", "#Änderung", " Glasfaser statt Kupfer zwischen den beiden Gebäuden.",
       " Preiswirkung: {D}", " Terminwirkung: +4 Tage", " Freigegeben von: {X}", "", "", "", ""},
      {" Client : {C}", "#Modification", " Fibre au lieu du cuivre entre les deux bâtiments.",
       " Effet sur le prix : {D}", " Effet sur le délai : +4 jours", " Autorisé par : {X}", "", "",
       "", ""}}},
    {1,
     {"Change request CR-207", "Änderungsantrag CR-207", "Demande de changement CR-207"},
     {{" Submitted by: {X}", " Submitted on: {T}",
       " Requested change: a second internet line as a fallback.",
       " Justification: the shop cannot sell when the line is down.", " Additional cost: {D}",
       "#Approval", " Approved by: ____________  Date: ________",
       " Rejected by: ____________  Date: ________", "", ""},
      {" Eingereicht von: {X}", " Eingereicht am: {T}",
       " Gewünschte Änderung: eine zweite Internetleitung als Rückfall.",
       " Begründung: der Laden kann ohne Leitung nicht verkaufen.", " Mehrkosten: {D}",
       "#Genehmigung", " Genehmigt von: ____________  Datum: ________",
       " Abgelehnt von: ____________  Datum: ________", "", ""},
      {" Soumis par : {X}", " Soumis le : {T}",
       " Changement demandé : une seconde ligne internet en secours.",
       " Justification : la boutique ne peut pas vendre quand la ligne tombe.",
       " Coût supplémentaire : {D}", "#Approbation",
       " Approuvé par : ____________  Date : ________",
       " Refusé par : ____________  Date : ________", "", ""}}},
    {1,
     {"Re: extra work on the network", "AW: Mehraufwand im Netzwerk",
      "RE : travaux supplémentaires à l'entrepôt"},
     {{" Hello {X},",
       " confirming what we discussed: we add the two access points in the warehouse.",
       " The price for the job becomes {N} instead of {O}.",
       " Please confirm by e-mail and we schedule the work.", " Cheers,", " Sam", "", "", "", ""},
      {" Hallo {X},",
       " wie besprochen bestätige ich: wir ergänzen die zwei Access Points im Lager.",
       " Der Preis für den Auftrag wird {N} statt {O}.",
       " Bitte per E-Mail bestätigen, dann planen wir die Arbeiten.", " Grüße", " Sam", "", "", "",
       ""},
      {" Bonjour {X},",
       " je confirme ce dont nous avons parlé : nous ajoutons les deux bornes dans l'entrepôt.",
       " Le prix de l'intervention devient {N} au lieu de {O}.",
       " Merci de confirmer par e-mail et nous planifions les travaux.", " À bientôt,", " Sam", "",
       "", "", ""}}},
    {1,
     {"Price revision as of {T}", "Preisanpassung zum {T}", "Ajustement tarifaire au {T}"},
     {{" Dear {X},",
       " the hosting charges rise by {P} as of {T}, because the data centre raised its power "
       "prices.",
       " The services themselves stay the same.",
       " You may end the contract within 30 days if you do not accept this.", " Yours sincerely,",
       "", "", "", "", ""},
      {" Guten Tag {X},",
       " die Hosting-Gebühren steigen zum {T} um {P}, weil das Rechenzentrum seine Strompreise "
       "erhöht hat.",
       " Die Leistungen selbst bleiben gleich.",
       " Sie können den Vertrag binnen 30 Tagen kündigen, wenn Sie dies nicht annehmen.",
       " Freundliche Grüße", "", "", "", "", ""},
      {" Bonjour {X},",
       " les frais d'hébergement augmentent de {P} au {T}, car le centre de données a relevé ses "
       "prix d'électricité.",
       " Les services eux-mêmes restent identiques.",
       " Vous pouvez résilier sous 30 jours si vous ne l'acceptez pas.", " Salutations,", "", "",
       "", "", ""}}},
    {3,
     {"Handover to the service desk: branch network", "Übergabe an den Service Desk: Filialnetz",
      "Transfert au centre de services : liaisons des agences"},
     {{" As of {T}, the branch network of {C} moves from the project team to the service desk.",
       "#Documentation", "*network plan and configurations in the wiki",
       "*accounts and keys in the password safe", "#Contacts",
       "*vendor hotline and contract number in the wiki", "#Known issues",
       "*one switch in branch 3 reboots now and then; replacement ordered", "", ""},
      {" Ab dem {T} geht das Filialnetz von {C} vom Projektteam an den Service Desk.",
       "#Dokumentation", "*Netzplan und Konfigurationen im Wiki",
       "*Konten und Schlüssel im Passwortsafe", "#Kontakte",
       "*Hersteller-Hotline und Vertragsnummer im Wiki", "#Bekannte Probleme",
       "*ein Switch in Filiale 3 startet ab und zu neu; Ersatz bestellt", "", ""},
      {" À partir du {T}, le réseau des agences de {C} passe de l'équipe projet au centre de "
       "services.",
       "#Documentation", "*plan réseau et configurations dans le wiki",
       "*comptes et clés dans le coffre à mots de passe", "#Contacts",
       "*hotline et numéro de contrat du fabricant dans le wiki", "#Problèmes connus",
       "*un commutateur de l'agence 3 redémarre parfois ; remplacement commandé", "", ""}}},
    {3,
     {"Acceptance protocol", "Abnahmeprotokoll", "Procès-verbal de réception"},
     {{" Customer: {C}", " Subject: new VoIP system at all sites",
       " The customer has inspected the delivered system and accepts it as contractually "
       "complete.",
       " Defects: none / see attached list", " Date: {T}", "_Customer:", "_Supplier:", "", "", ""},
      {" Kunde: {C}", " Gegenstand: neue VoIP-Anlage an allen Standorten",
       " Der Kunde hat die gelieferte Anlage geprüft und nimmt sie als vertragsgemäß vollständig "
       "ab.",
       " Mängel: keine / siehe Anlage", " Datum: {T}", "_Kunde:", "_Lieferant:", "", "", ""},
      {" Client : {C}", " Objet : nouveau système VoIP sur tous les sites",
       " Le client a examiné le système livré et le réceptionne comme conforme au contrat.",
       " Réserves : aucune / voir liste jointe", " Date : {T}", "_Client :", "_Fournisseur :", "",
       "", ""}}},
    {3,
     {"Project review: VoIP rollout", "Projektrückblick: VoIP-Einführung",
      "Bilan du projet : déploiement VoIP"},
     {{"#Results", " The rollout reached all 9 sites by {T}; cost {N} against a budget of {O}.",
       "#Lessons learned", "*involve the reception staff earlier",
       "*porting numbers takes longer than the carrier says", "#Recommendations",
       "*keep a spare handset at every site", "", "", ""},
      {"#Ergebnisse",
       " Die Einführung erreichte bis zum {T} alle 9 Standorte; Kosten {N} bei "
       "einem Budget von {O}.",
       "#Erkenntnisse", "*den Empfang früher einbeziehen",
       "*die Rufnummernportierung dauert länger als der Anbieter sagt", "#Empfehlungen",
       "*an jedem Standort ein Ersatzgerät vorhalten", "", "", ""},
      {"#Résultats",
       " Le déploiement a atteint les 9 sites au {T} ; coût {N} pour un budget de "
       "{O}.",
       "#Enseignements", "*associer l'accueil plus tôt",
       "*la portabilité des numéros prend plus de temps que ne le dit l'opérateur",
       "#Recommandations", "*garder un combiné de rechange sur chaque site", "", "", ""}}},
    {3,
     {"Re: go-live yesterday", "AW: Go-live gestern", "RE : mise en production d'hier"},
     {{" Hi {X},", " everything has run cleanly since yesterday and the staff are happy.",
       " From our side the job is complete - you can send the closing invoice.",
       " Thanks for the good work.", " Regards,", " Dana", "", "", "", ""},
      {" Hallo {X},", " seit gestern läuft alles sauber und die Belegschaft ist zufrieden.",
       " Von unserer Seite ist der Auftrag erledigt - Sie können die Schlussrechnung schicken.",
       " Danke für die gute Arbeit.", " Grüße", " Dana", "", "", "", ""},
      {" Bonjour {X},", " tout tourne proprement depuis hier et le personnel est content.",
       " De notre côté la mission est achevée - vous pouvez envoyer la facture de solde.",
       " Merci pour le bon travail.", " Cordialement,", " Dana", "", "", "", ""}}}};

static const char *const ft_cmds[6] = {
    "logoff 3 /server:rdsh02",     "Disable-ADAccount -Identity $user",
    "systemctl stop app-writer",   "pg_ctl promote -D /srv/pg/replica",
    "Start-VBRJob -Job 'Nightly'", "apt-get -y dist-upgrade"};
static const char *const ft_people[] = {"Mr Brandt", "Ms Keller", "Ms Dubois", "Mr Novak"};
static const char *const ft_clients[] = {"Keller Druck", "Brandt Logistik", "Dubois Transports",
                                         "Novak Dental"};

static void ft_money(char *out, size_t size, long cents, int lang, int sign)
{
    long a = cents < 0 ? -cents : cents;
    const char *sg = sign ? (cents < 0 ? "-" : "+") : "";
    if (a < 100000)
        snprintf(out, size,
                 lang == 0   ? "%s$%ld.%02ld"
                 : lang == 1 ? "%s%ld,%02ld EUR"
                             : "%s%ld,%02ld €",
                 sg, a / 100, a % 100);
    else if (lang == 0)
        snprintf(out, size, "%s$%ld,%03ld.%02ld", sg, a / 100000, a / 100 % 1000, a % 100);
    else
        snprintf(out, size, lang == 1 ? "%s%ld.%03ld,%02ld EUR" : "%s%ld %03ld,%02ld €", sg,
                 a / 100000, a / 100 % 1000, a % 100);
}

/* line l with its {x} filled in from v (N, O, D, P, T, C, X) into b */
static int ft_fill(og_buf *b, const char *l, const char *const v[7])
{
    static const char keys[] = "NODPTCX";
    int error = 0;
    for (const char *p = l; *p && error >= 0; p++) {
        const char *k = p[0] == '{' && p[1] && p[2] == '}' ? strchr(keys, p[1]) : NULL;
        if (k) {
            error = og_buf_puts(b, v[k - keys]);
            p += 2;
        } else
            error = og_buf_append(b, p, 1);
    }
    return error;
}

static int ft_write(const ft_form *f, int lang, uint64_t *s, og_buf *b)
{
    char m[3][40], date[16], pct[8];
    const char *v[7];
    long old = 200000 + (long)(rnd(s) % 2000000), d = 10000 + (long)(rnd(s) % 300000);
    int error = 0, style = (int)(rnd(s) % 3), step = 0, cmd = (int)(rnd(s) % 6);
    ft_money(m[0], sizeof(m[0]), old + d, lang, 0);
    ft_money(m[1], sizeof(m[1]), old, lang, 0);
    ft_money(m[2], sizeof(m[2]), d, lang, 1);
    snprintf(date, sizeof(date),
             lang == 0   ? "%d-%02d-%02d"
             : lang == 1 ? "%3$02d.%2$02d.%1$d"
                         : "%3$02d/%2$02d/%1$d",
             2025 + (int)(rnd(s) % 2), 1 + (int)(rnd(s) % 12), 1 + (int)(rnd(s) % 28));
    snprintf(pct, sizeof(pct), "%d%%", 2 + (int)(rnd(s) % 10));
    v[0] = m[0], v[1] = m[1], v[2] = m[2], v[3] = pct, v[4] = date;
    v[5] = ft_clients[rnd(s) % 4], v[6] = ft_people[rnd(s) % 4];
    error = ft_fill(b, f->title[lang], v);
    if (error >= 0)
        error = og_buf_puts(b, "\n\n");
    for (int i = 0; i < 11 && error >= 0 && f->l[lang][i] && f->l[lang][i][0]; i++) {
        const char *l = f->l[lang][i];
        switch (l[0]) {
        case '#':
            error = og_buf_puts(b, style == 0 ? "\n## " : "\n");
            if (error >= 0)
                error = ft_fill(b, l + 1, v);
            if (error >= 0)
                error = og_buf_puts(b, style == 1 ? ":\n" : "\n");
            break;
        case '*':
            error = og_buf_puts(b, style == 2 ? "• " : "- ");
            break;
        case '=':
            error = og_buf_printf(b, style == 1 ? "%d) " : "%d. ", ++step);
            break;
        case '>':
            error = og_buf_printf(b, "    %s\n", ft_cmds[cmd++ % 6]);
            break;
        case '_':
            error = og_buf_puts(b, "\n");
            break;
        default:
            break;
        }
        if (error >= 0 && l[0] != '#' && l[0] != '>')
            error = ft_fill(b, l[0] == '|' || l[0] == '\xe2' ? l : l + 1, v);
        if (error >= 0 && l[0] == '_')
            error = og_buf_puts(b, " ____________________");
        if (error >= 0 && l[0] != '#' && l[0] != '>')
            error = og_buf_puts(b, "\n");
    }
    return error;
}

int og_infer__synth_forms_train(int kind, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * 0xd1b54a32d192ed03u + (uint64_t)kind + 7717;
    int n = 0, pick[NFT], error;
    *out = NULL;
    for (int f = 0; f < NFT; f++)
        if (forms[f].kind == kind)
            pick[n++] = f;
    if (n == 0 && kind != 0)
        return og_error_set(OG_EINVAL, "no training form of kind %d", kind);
    og_buf_init(&b, 1 << 20);
    /* the language first, then the form (the order d82bf5e's call evaluated them in); a SOW
     * from doc_synth_forms_sow.c (h-infer16), the others from this file's */
    int lang = (int)(rnd(&s) % TL);
    const ft_form *f = kind == 0 ? &og_infer__forms_sow[rnd(&s) % OG_INFER__FT_SOW]
                                 : &forms[pick[rnd(&s) % (uint64_t)n]];
    error = ft_write(f, lang, &s, &b);
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}
