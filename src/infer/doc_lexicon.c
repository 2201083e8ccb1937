/* doc_lexicon.c - the document classifier's cross-lingual concepts: a small lexicon of managed
 * services and project vocabulary in English, German, French, Spanish, Dutch, Italian,
 * Portuguese, Polish and Swedish (and in doc_lexicon_more.c Danish, Norwegian, Czech, Finnish and
 * Romanian), each term mapped to a shared concept id, so that a model trained
 * on English documents weighs the concept "acceptance" whether a document says acceptance, Abnahme,
 * recette, collaudo or aceitação. The terms are general terminology of contracts, change
 * control, operations, project closure and everyday correspondence (reports, notices, letters:
 * as a glossary lists them), written without looking at any test or benchmark template, and
 * matched on accent-folded lower-case words (og_infer__fold; Polish ł is l, Romanian ș is s): a
 * term is a word's prefix (so inflections match), "=term" the whole word only (short or ambiguous
 * terms), "+term" also inside a compound word (German and Dutch compounds: Änderungsantrag,
 * Betriebshandbuch), "~stem" a stem of three or four letters followed by a case ending of three
 * letters at most (doc_lexicon_more2.c: Lithuanian kaina, kainos; Estonian kulu, kulud). */
#include "infer/infer_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct concept {
    const char *name;
    const char *terms;
}
concept;

static const concept lexicon[] = {
    /* what a statement of work is made of */
    {"statement-of-work", "statement =sow +leistungsbeschreibung +leistungsverzeichnis"
                          " pflichtenheft cahier =cdc pliego +werkomschrijving "
                          "+opdrachtomschrijving capitolato +caderno"
                          " =opz specyfikacj +uppdragsbeskrivning +kravspecifikation"},
    {"scope", "scope +umfang +leistungsumfang perimetre portee =alcance ambito +reikwijdte"
              " +omvang =escopo abrangencia"
              " zakres +omfattning +avgransning perimetro"},
    {"deliverable", "deliverable +lieferung liefergegenstand livrable fourniture entregable"
                    " +oplevering oplever consegna entregav"
                    " dostaw dostarcz +leverans leverera opgeleverd consegnat"},
    {"service", "=services +leistung +dienstleistung prestation =servicios =diensten"
                " =dienstverlening =servizi =servicos"
                " =usluga =uslugi =uslug =tjanst =tjanster =tjansten"},
    {"fee",
     "=fee =fees charges pricing =price +vergutung +honorar +preis honoraire =prix"
     " =tarif honorario =precio =tarifa =prijs =tarief =honorarium compenso =prezzo"
     " corrispettivo =preco =precos remuneracao"
     " =cena =ceny cennik wynagrodzeni oplat =pris =priser =avgift +arvode +vergoeding =canone"},
    {"proposal", "proposal =offer quotation +angebot =offre proposition propuesta oferta"
                 " =offerte voorstel offerta proposta preventivo =proposta"
                 " ofert propozycj =offert =offerten forslag aanbieding"},
    {"contract", "contract agreement +vertrag +vereinbarung contrat =accord contrato acuerdo"
                 " +overeenkomst contratto accordo =acordo"
                 " =umowa =umowy =umowie =umowe porozumieni +avtal"},
    {"milestone", "milestone +meilenstein jalon =hito =hitos +mijlpaal traguardo =marco =marcos"
                  " milow +milstolp"},
    {"payment-terms", "invoiced invoicing +zahlungsziel +zahlungsbedingung facturation"
                      " facturacion facturering fatturazione faturamento faturacao"
                      " fakturowani +fakturering"},
    {"effort", "effort +aufwand esfuerzo +inspanning impegno =man-days +personentag"
               " jours-homme esforco"
               " naklad roboczogodzin +arbetsinsats"},
    {"hourly-rate", "hourly =rate +stundensatz =taux horaire =tarifa +uurtarief tariffa oraria"
                    " =stawka =stawki godzinow +timpris"},
    {"assumption",
     "assumption +annahme hypothese supuesto +aanname ipotesi presupposto premissa pressuposto"
     " zalozeni +antagand +uitgangspunt"},
    {"out-of-scope", "exclusion excluded +ausgeschlossen exclu excluido uitgesloten escluso"
                     " wylaczon wykluczon undantag exkluder"},
    {"term", "termination terminate +kundigung resiliation rescision opzegging risoluzione rescisao"
             " wypowiedzeni +uppsagning"},
    /* change control */
    {"change",
     "change changing +anderung +aenderung modification changement cambio"
     " modificacion +wijziging verandering modifica variazione variation alteracao mudanca"
     " zmian zmien +andring +forandring"},
    {"amendment", "amendment amend addendum +nachtrag avenant enmienda adenda aanvulling"
                  " emendamento aditivo aditamento"
                  " aneks +tillagg variante"},
    {"request", "request +antrag +anforderung demande solicitud peticion +aanvraag verzoek"
                " richiesta solicitacao =pedido"
                " wniosek =wniosku prosb +begaran +forfragan"},
    {"reason", "reason justification rationale +begrundung =grund motif motivation motivo"
               " justificacion =reden motivering giustificazione justificativa"
               " uzasadnieni =powod =powodu =anledning =orsak"},
    {"impact", "impact +auswirkung effet impacto gevolg impatto conseguenza"
               " wplyw +paverkan +konsekvens"},
    {"original", "original +ursprunglich initial inicial oorspronkelijk originale"
                 " pierwotn +ursprunglig"},
    {"revised", "revised revision +geandert +uberarbeitet revise revisado herzien rivisto"
                " aggiornato"
                " zaktualizowan +reviderad uppdaterad"},
    {"additional", "additional extra +zusatzlich supplementaire adicional aanvullend"
                   " aggiuntivo ulteriore"
                   " dodatkow ytterligare tillkommande +meerwerk"},
    {"increase", "increase +erhohung +mehrkosten augmentation aumento verhoging"
                 " incremento acrescimo"
                 " zwieksz wzrost +okning"},
    {"delay", "postpone delay +verschiebung +verzogerung decalage retard retraso"
              " aplazamiento vertraging uitstel ritardo rinvio atraso adiamento"
              " opozni przesuniec +forsening +forskjut slittament"},
    {"replace",
     "replace +ersetzt +ersetzen remplace sustituye reemplaza vervangt sostituisce substitui"
     " zastap wymian"},
    {"approval", "approval approve authorise authorize +genehmigung genehmigt +freigabe"
                 " approbation approuve validation aprobacion aprobado +goedkeuring goedgekeurd"
                 " approvazione approvato autorizzazione aprovacao aprovado"
                 " zatwierdz =zgoda +godkann +godkand benestare"},
    {"cost", "=cost =costs +kosten =cout =couts coste costo =kosten =custo =custos"
             " koszt +kostnad"},
    /* operations */
    {"runbook", "runbook playbook +betriebshandbuch +handbuch exploitation =manuel"
                " =manual +draaiboek +handleiding manuale"
                " podrecznik +driftmanual +driftsanvisning +handbok"},
    {"operations", "operational operations +betrieb explotacion operaciones +beheer"
                   " esercizio operacao operacoes operacional"
                   " eksploatacj +drift"},
    {"procedure", "procedure +verfahren +vorgehen +anleitung +anweisung procedimiento"
                  " procedura instruction procedimento instrucao instrucoes"
                  " procedur instrukcj +rutin +instruktion +instructie istruzion"},
    {"step", "=step =steps +schritt etape =paso =pasos =stap =stappen =passo =passi =etapa =etapas"
             " =krok =kroki =etap =steg"},
    {"prerequisite", "prerequisite +voraussetzung prerequis requisito +vereiste prerequisito"
                     " wymagani +forutsattning"},
    {"rollback", "rollback roll-back back-out +rucksetzung +zurucksetzen +ruckfall"
                 " retour =arriere reversion +terugdraai +terugval reversao =reverter"
                 " wycofani +tillbakarull +terugzet"},
    {"restore", "restore +wiederherstell restaur +herstel ripristin recuperar recovery"
                " przywroc odtworz +aterstall +aterlas"},
    {"restart", "restart +neustart redemarr reinici herstart riavvi"
                " +omstart ponowne"},
    {"stop-start", "=stop =start +stoppen +starten arreter demarrer detener iniciar"
                   " arrestare avviare =parar"
                   " zatrzym uruchom =stoppa =starta =arrestate =arresta"},
    {"backup", "backup +sicherung +datensicherung sauvegarde copia respaldo =back-up"
               " =kopia zapasow +sakerhetskopi"},
    {"command", "command =run +befehl ausfuhren commande executer comando ejecutar"
                " =opdracht uitvoeren eseguire executar"
                " polecen wykonaj +kommando utfor esegui uitvoer"},
    {"verify", "verify check +prufen +uberprufen kontrollier verifier controler verificar"
               " comprobar controleren verificare controllare"
               " sprawdz weryfik zweryfik kontrollera controle =verifica =verificate =controlla "
               "=controllate"},
    {"maintenance", "maintenance +wartung mantenimiento +onderhoud manutenzione manutencao"
                    " konserwacj +underhall"},
    {"escalate", "escalat +eskalation eskalier escalade escalader escalar escaleren"
                 " escalare escalation escalon"
                 " eskal"},
    {"logs", "=log =logs +protokolldatei journal =registro =registros logboek"
             " =logi =logow dziennik =logg =loggar =loggen logbestand"},
    {"configuration", "configuration config +konfiguration +einstellung configuracion"
                      " configuratie configurazione configuracao"
                      " konfiguracj"},
    {"monitoring", "monitoring alert +uberwachung +alarm surveillance supervision alerte"
                   " monitorizacion alerta bewaking monitoraggio avviso monitoramento monitorizacao"
                   " monitorowani +overvakning +larm"},
    {"incident", "incident outage +storung +vorfall +ausfall incidente panne =storing"
                 " guasto =falha =falhas"
                 " =awaria =awarii incydent +storning malfunzionament"},
    {"node", "=node =nodes server +knoten serveur servidor =nodo =nodi"
             " =serwer =serwera =serwerze"},
    {"duration", "duration +dauer duree duracion +duur durata duracao"
                 " trwani varaktighet"},
    /* project closure */
    {"closure", "closure closing +abschluss cloture fermeture cierre afsluiting chiusura "
                "encerramento fechamento"
                " zamkniec zakonczeni +avslut afgesloten"},
    {"completion", "completion complete +fertigstellung +abgeschlossen achevement acheve"
                   " termine finalizacion completado terminado voltooi afgerond completamento"
                   " completato concluso conclusao concluido finalizado"
                   " ukonczon zakonczon zrealizowan +slutford +fardigst genomford"},
    {"acceptance",
     "acceptance accepted +abnahme abgenommen reception recette acceptation"
     " aceptacion aceptado acceptatie aanvaard accettazione collaudo aceitacao =aceite =aceito"
     " odbior akceptacj zaakceptowan acceptans geaccepteerd"},
    {"lessons-learned", "lessons learned +erkenntnis +lehren enseignement"
                        " lecciones aprendidas =lessen lezioni apprese =licoes"
                        " doswiadczen +lardom erfarenhet"},
    {"handover", "handover hand-over +ubergabe passation transfert traspaso"
                 " +overdracht passaggio transferencia repasse"
                 " przekazani +overlamn"},
    {"final", "=final finally +abschliessend endgultig definitif finale definitivo"
              " definitief +eind"
              " koncow slutlig"},
    {"warranty", "warranty +gewahrleistung garantie garantia garanzia"
                 " gwarancj +garanti"},
    {"signature", "signature sign-off signed +unterschrift unterzeichn =firma =firmado"
                  " handtekening ondertekend firmato assinatura assinado"
                  " podpis +underskrift undertecknad sottoscritt"},
    {"budget", "budget +budget presupuesto begroting bilancio orcamento"
               " budzet"},
    {"objective", "objective goal +ziel objectif objetivo =doel =doelen obiettivo"
                  " =cel =cele =celem =malet"},
    {"outcome", "outcome result +ergebnis resultat resultado resultaat risultato esito"
                " wynik rezultat +utfall"},
    {"open-items", "outstanding open +offene +restpunkte =pendiente pendientes openstaande"
                   " aperti pendente"
                   " otwart pozostal +oppna +aterstaende"},
    {"risk", "risk +risiko risque riesgo +risico rischio risco"
             " ryzyk =risker"},
    {"archive", "archive +archiv archiver archivar archiveren archiviare arquiv"
                " archiw +arkiv"},
    {"confirm", "confirm +bestatig confirmer confirmar bevestig conferm"
                " potwierdz +bekrafta"},
    {"thanks", "thank +danke +dank merci gracias bedankt grazie obrigad agradec"
               " dziekuj podziekow =tack =tacka"},
    /* what is none of these: internal communication, policies, reminders */
    {"meeting", "meeting minutes attendee +besprechung +sitzung teilnehmer reunion"
                " =compte-rendu participant =acta asistente vergadering notulen"
                " aanwezig riunione verbale partecipant reuniao =ata"
                " spotkani zebrani uczestni =mote =motet +deltagare narvarande"},
    {"newsletter", "newsletter news +rundbrief neuigkeit actualite bulletin boletin noticia"
                   " nieuwsbrief nieuws notiziario notizie novita boletim"
                   " biuletyn aktualnosc nowosc +nyhetsbrev =nyheter"},
    {"staff", "staff employee colleague +mitarbeiter +kollege +belegschaft personnel employe"
              " collaborateur collegue empleado companero +medewerker collega +personeel"
              " dipendente colaborador funcionario"
              " pracowni wspolpracowni +medarbetare personalen +anstalld kollega"},
    {"policy", "policy policies +richtlinie politique charte politica +beleid regolamento"
               " polityk regulamin +riktlinje"},
    {"invoice", "invoice +rechnung facture factura factuur fattura fatura"
                " faktur"},
    {"payment-reminder", "reminder overdue unpaid +mahnung +zahlungserinnerung rappel relance"
                         " impaye recordatorio impagado herinnering aanmaning sollecito"
                         " promemoria lembrete vencid"
                         " przypomnieni zalegl =monit wezwani +paminnelse +forfallen +obetald"},
    {"announcement", "announce +ankundigung +mitteilung annonce anuncio aankondiging"
                     " annuncio comunicazione comunicado"
                     " ogloszeni komunikat +meddelande"},
    {"training", "training +schulung formation formacion opleiding formazione treinamento formacao"
                 " szkoleni +utbildning"},
    {"holiday", "holiday vacation +urlaub +feiertag conge vacances vacaciones festivo"
                " vakantie feestdag ferie =ferias feriado"
                " urlop +semester +helgdag"},
    {"event", "event lunch +veranstaltung +feier evenement fete dejeuner evento"
              " fiesta almuerzo feest pranzo festa almoco"
              " wydarzeni +evenemang"},
    {"password", "password +passwort +kennwort contrasena wachtwoord senha"
                 " =haslo =hasla =hasel +losenord"},
    /* what other documents say: reports, notices, letters, e-mails, surveys (no kind's own
     * vocabulary; the model weighs them) */
    {"report", "report reporting +bericht rapport =informe =informes relatorio verslag"
               " raport"},
    {"notice", "notice notifica +hinweis +benachrichtigung =avis =aviso kennisgeving"
               " powiadomieni zawiadomieni +avisering"},
    {"welcome", "welcome +willkommen bienvenue bienvenid welkom benvenut =vindas =vindo"
                " =witam =witamy +valkomm"},
    {"greeting", "=dear =hello =hi =hallo bonjour =hola =ciao =beste =geachte =caro =cara"
                 " =gentile =estimado =estimada =prezado =prezada =ola geehrt =liebe"
                 " szanown =hej =hejsan"},
    {"regards", "regards =grusse =gruss =gruessen cordial =saludos =groeten =saluti"
                " atenciosamente cumprimentos =distinti"
                " =pozdrawiam pozdrowieni +halsning"},
    {"downtime", "downtime unavailable +unterbrechung indispon interrup interruz"
                 " +onderbreking"
                 " niedostepn przerw +avbrott otillganglig disserviz"},
    {"user", "=user =users +benutzer +anwender utilisateur usuario gebruiker =utente =utenti"
             " utilizador"
             " uzytkowni +anvandare"},
    {"ticket", "ticket =tickets chamado =chamados"
               " zgloszeni +arende"},
    {"survey", "survey feedback +umfrage enquete encuesta questionario sondaggio pesquisa"
               " satisf +zufriedenheit tevreden"
               " ankiet +enkat"},
    /* issue 21: paperwork that looks like a kind and is none - what it names instead of scope
     * and deliverables */
    {"purchase-order", "purchase purchasing procurement +bestellung +bestellnummer +beschaffung"
                       " =achat =achats approvisionnement =compra =compras adquisicion"
                       " +inkoop +bestelling +bestelnummer =acquisto =acquisti"
                       " approvvigionamento aquisicao =zakup =zakupu zaopatrzeni"
                       " +inkop +bestallning +ordernummer"},
    {"credit-note", "credited crediting +gutschrift gutgeschrieben credite =abono =abonado"
                    " =abonamos +creditnota gecrediteerd accredit creditad creditam"
                    " +kreditnota krediterat kreditering"},
    {"agreement-terms", "liability liable jurisdiction indemnif confidentiality +haftung"
                        " +gerichtsstand vertraulich tribunaux juridiction confidentialite"
                        " tribunales jurisdiccion confidencialidad +aansprakelijk"
                        " +rechtbank vertrouwelijk =foro riservatezza +responsabilidade"
                        " confidencialidade odpowiedzialnosc poufnosc"
                        " =domstol sekretess"},
    {"progress", "progress +fortschritt avancement progres +voortgang avanzament"
                 " andamento =postep =postepy +framsteg +lagesrapport"},
    {"inventory", "inventory +inventar inventaire inventario +inventaris inventari"
                  " inwentar +inventarie =serial +seriennummer +serienummer =matricola"
                  " seryjn"},
};

#define NCONCEPTS (sizeof(lexicon) / sizeof(lexicon[0]))
_Static_assert(NCONCEPTS <= OG_INFER__CONCEPTS, "OG_INFER__CONCEPTS is too small");

/* The lexicon as a table of terms, sorted for bsearch, built once. */
typedef struct term {
    char text[32];
    unsigned char len, mode; /* 0: prefix, 1: whole word, 2: prefix or inside a compound, 3: a
                              * short stem and a case ending of at most STEM_ENDING letters */
    short concept;
} term;

static term *terms;
static size_t nterms;

/* the letters a "~" stem's word may have after it: Lithuanian kain-oje, Estonian kulu-dele */
#define STEM_ENDING 3

/* the first three letters of every "~" stem, hashed into a bit each: most words' beginnings are
 * no stem's, and they skip the stem lookups (three more searches a word) */
#define STEM_BITS 4096
static unsigned char stem_seen[STEM_BITS / 8];

static unsigned stem_bit(const char *w)
{
    return ((unsigned char)w[0] * 961u + (unsigned char)w[1] * 31u + (unsigned char)w[2]) %
           STEM_BITS;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(((const term *)a)->text, ((const term *)b)->text);
}

/* The terms of one concept's list p into the table (at most cap). */
static void add_terms(const char *p, short id, size_t cap)
{
    while (*p) {
        size_t n;
        term *t = &terms[nterms];
        while (*p == ' ')
            p++;
        t->mode = *p == '=' ? 1 : *p == '+' ? 2 : *p == '~' ? 3 : 0;
        p += t->mode != 0;
        n = strcspn(p, " ");
        if (n == 0)
            break;
        if (n < sizeof(t->text) && nterms < cap) {
            memcpy(t->text, p, n);
            t->len = (unsigned char)n;
            /* a short prefix is too loose: four letters and fewer match whole words only */
            if (n <= 4 && t->mode == 0)
                t->mode = 1;
            t->concept = id;
            nterms++;
        }
        p += n;
    }
}

/* The concept id of name, -1 when the lexicon has none. */
static int concept_id(const char *name)
{
    for (size_t c = 0; c < NCONCEPTS; c++)
        if (strcmp(lexicon[c].name, name) == 0)
            return (int)c;
    return -1;
}

static void build(void)
{
    size_t cap = 0;
    for (size_t c = 0; c < NCONCEPTS; c++)
        for (const char *p = lexicon[c].terms; *p; p++)
            cap += *p == ' ';
    for (size_t c = 0; c < og_infer__lexicon_more_n; c++)
        for (const char *p = og_infer__lexicon_more[c].terms; *p; p++)
            cap += *p == ' ';
    for (size_t c = 0; c < og_infer__lexicon_more2_n; c++)
        for (const char *p = og_infer__lexicon_more2[c].terms; *p; p++)
            cap += *p == ' ';
    cap += NCONCEPTS + og_infer__lexicon_more_n + og_infer__lexicon_more2_n + 1;
    if (!(terms = calloc(cap, sizeof(*terms))))
        return; /* no concepts: the n-grams alone */
    for (size_t c = 0; c < NCONCEPTS; c++)
        add_terms(lexicon[c].terms, (short)c, cap);
    /* Danish, Norwegian, Czech, Finnish and Romanian (doc_lexicon_more.c), by concept name */
    for (size_t c = 0; c < og_infer__lexicon_more_n; c++) {
        int id = concept_id(og_infer__lexicon_more[c].name);
        if (id >= 0)
            add_terms(og_infer__lexicon_more[c].terms, (short)id, cap);
    }
    /* the central European languages (doc_lexicon_more2.c: hu sk et lt lv hr sl) */
    for (size_t c = 0; c < og_infer__lexicon_more2_n; c++) {
        int id = concept_id(og_infer__lexicon_more2[c].name);
        if (id >= 0)
            add_terms(og_infer__lexicon_more2[c].terms, (short)id, cap);
    }
    qsort(terms, nterms, sizeof(*terms), by_text);
    for (size_t i = 0; i < nterms; i++)
        if (terms[i].mode == 3 && terms[i].len >= 3)
            stem_seen[stem_bit(terms[i].text) / 8] |= 1u << (stem_bit(terms[i].text) % 8);
}

static const term *find(const char *s, size_t n)
{
    term key;
    if (n >= sizeof(key.text))
        return NULL;
    memcpy(key.text, s, n);
    key.text[n] = '\0';
    return bsearch(&key, terms, nterms, sizeof(*terms), by_text);
}

int og_infer__concepts(const char *w, size_t n, int *ids, int max)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    int k = 0;
    pthread_once(&once, build);
    if (!terms || n < 2)
        return 0;
    /* at the word's start: the whole word, then every prefix of five letters or more, then a
     * short stem ("~") of three or four letters followed by a case ending */
    for (size_t len = n; len >= 2 && k < max; len--) {
        const term *t = find(w, len);
        if (t && (len == n || (t->mode != 1 && t->mode != 3))) {
            ids[k++] = t->concept;
            break; /* the longest term that matches */
        }
        if (len <= 5 && len < n)
            break;
    }
    if (k == 0 && n >= 4 && (stem_seen[stem_bit(w) / 8] & (1u << (stem_bit(w) % 8))))
        for (size_t len = n - 1; k == 0 && len >= 3 && n - len <= STEM_ENDING; len--) {
            const term *t = find(w, len);
            if (t && t->mode == 3) {
                ids[k++] = t->concept;
            }
        }
    /* inside a compound (from its fourth letter on): terms marked as compound parts */
    for (size_t at = 3; n >= 9 && at + 5 <= n && k < max; at++)
        for (size_t len = n - at; len >= 5; len--) {
            const term *t = find(w + at, len);
            if (t && t->mode == 2) {
                int dup = 0;
                for (int i = 0; i < k; i++)
                dup |= ids[i] == t->concept;
                if (!dup)
                ids[k++] = t->concept;
                at += len - 1;
                break;
            }
        }
    return k;
}

size_t og_infer__fold(const unsigned char *p, size_t left, char out[3], size_t *used)
{
    /* U+00C0 .. U+00FF folded to ASCII, '?' where no letter is (x and division signs) */
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
    *used = 1;
    if (p[0] < 0x80) {
        out[0] = (char)p[0];
        return 1;
    }
    if (left >= 2 && p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
        const char *f = latin1[p[1] - 0x80];
        *used = 2;
        memcpy(out, f, strlen(f));
        return strlen(f);
    }
    if (left >= 2 && (p[0] == 0xC4 || p[0] == 0xC5) && p[1] >= 0x80 && p[1] <= 0xBF) {
        /* U+0100 .. U+017F (Latin Extended-A: Polish ą ę ł ń ś ż, Czech č ř, Œ ...), in order,
         * one letter each but the ligatures */
        static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii!!jjkkk"
                                    "llllllllllnnnnnnnnnoooooo!!rrrrrrsssssssstttttt"
                                    "uuuuuuuuuuuuwwyyyzzzzzzs";
        unsigned i = (unsigned)(p[0] - 0xC4) * 64 + (unsigned)(p[1] - 0x80);
        *used = 2;
        if (ext_a[i] != '!') {
            out[0] = ext_a[i];
            return 1;
        }
        memcpy(out, i < 0x40 ? "ij" : "oe", 2); /* Ĳ ĳ, Œ œ */
        return 2;
    }
    if (left >= 2 && p[0] == 0xC8 && p[1] >= 0x98 && p[1] <= 0x9B) {
        /* Latin Extended-B: Romanian s and t with a comma below (U+0218 .. U+021B) */
        *used = 2;
        out[0] = p[1] <= 0x99 ? 's' : 't';
        return 1;
    }
    if (left >= 2 && p[0] == 0xC2) { /* no-break space, quotes, signs: no letter */
        *used = 2;
        return 0;
    }
    if (left >= 3 && p[0] == 0xE2 && (p[1] == 0x80 || p[1] == 0x82)) { /* ’ “ – € ... */
        *used = 3;
        return 0;
    }
    out[0] = (char)p[0]; /* other scripts: their bytes as they are */
    return 1;
}

const char *og_infer__concept_name(int id)
{
    return id >= 0 && (size_t)id < NCONCEPTS ? lexicon[id].name : NULL;
}

/* ---- the document's shape: what it has, counted, whatever its language ---- */

enum {
    SH_MONEY,     /* amounts with a currency, cents or thousands separators */
    SH_DATE,      /* dates in any of the known formats */
    SH_NUMBERED,  /* lines that start with "1." "2)" "(3)" */
    SH_BULLET,    /* lines that start with "-" "*" "•" */
    SH_TABLE,     /* lines with two cells at least ("|" or tabs) */
    SH_HEADING,   /* Markdown headings, short lines without a final stop */
    SH_COMMAND,   /* lines like a shell command: "$ ", a path, an option "--x", backquotes */
    SH_SIGNATURE, /* lines of underscores or dots to sign on */
    SH_QUESTION,  /* lines that end with a question mark */
    SH_PERCENT,   /* percent signs */
    SH_TIME,      /* times of day HH:MM */
    SH_LINES,     /* non-empty lines */
    SH_LABEL,     /* "Label: value" lines */
    SH_LETTER,    /* short lines that end with a comma: a letter's greeting and closing */
    SH_ADDRESS,   /* e-mail addresses */
    SH_STEP_CMD,  /* commands in numbered steps (on the step's line or the lines after it) */
    /* structure that carries across languages and writers (issue 21) */
    SH_TICK,     /* ticked lines: "[x]", "✓", "✔", "☑" (what was delivered) */
    SH_DELTA,    /* a signed amount "+1,200.00", "+€" or an arrow "->" "→" between values */
    SH_PATH,     /* paths and code: "/etc/x", "~/x", "C:\\", code fences */
    SH_TIMELINE, /* lines that start with a time of day (a timeline: incidents, minutes) */
    SH_PRICED_SIGNED, /* money (3 amounts at least) and a signature line in one document */
    SH_KINDS
};
_Static_assert(SH_KINDS * 5 <= OG_INFER__SHAPES, "OG_INFER__SHAPES is too small");
_Static_assert(SH_TICK == OG_INFER__SHAPE_TICKS, "OG_INFER__SHAPE_TICKS names SH_TICK");

static int bucket(int n)
{
    return n <= 0 ? 0 : n == 1 ? 1 : n <= 3 ? 2 : n <= 7 ? 3 : 4;
}

static int starts_numbered(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    if (p < e && *p == '(')
        p++;
    const char *d = p;
    while (p < e && isdigit((unsigned char)*p))
        p++;
    return p > d && p - d <= 2 && p < e && (*p == '.' || *p == ')') && p + 1 < e && p[1] == ' ';
}

static int looks_command(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    if (e - p >= 2 && p[0] == '$' && p[1] == ' ')
        return 1;
    for (const char *q = p; q < e; q++)
        if (*q == '`' || (q + 2 < e && q[0] == ' ' && q[1] == '-' && q[2] == '-') ||
            (q + 2 < e && q[0] == ' ' && q[1] == '-' && isalpha((unsigned char)q[2])) ||
            (q + 1 < e && q[0] == ' ' && q[1] == '/' && isalpha((unsigned char)q[2])))
            return 1;
    return 0;
}

/* One line's measures into count; *step: the lines before were a numbered step (and its
 * commands). */
static void shape_line(const char *p, const char *e, int *count, int *step)
{
    size_t n = (size_t)(e - p), cells = 0, stops = 0;
    const char *s = p;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    if (s == e)
        return;
    int numbered = starts_numbered(s, e), command = looks_command(s, e), words = 1;
    /* lettered steps ("a) ...", "B. ...") are steps as numbered ones are (issue 21) */
    numbered |=
        e - s > 3 && isalpha((unsigned char)s[0]) && (s[1] == ')' || s[1] == '.') && s[2] == ' ';
    count[SH_LINES]++;
    count[SH_NUMBERED] += numbered;
    count[SH_COMMAND] += command;
    count[SH_STEP_CMD] += command && (numbered || *step);
    *step = numbered || (command && *step);
    count[SH_BULLET] +=
        (*s == '-' || *s == '*' || (e - s > 3 && memcmp(s, "\xe2\x80\xa2", 3) == 0)) && s + 1 < e &&
        (s[1] == ' ' || (unsigned char)*s == 0xe2);
    for (const char *q = s; q < e; q++) {
        words += *q == ' ';
        count[SH_ADDRESS] += *q == '@' && q > s && q + 1 < e && isalnum((unsigned char)q[-1]) &&
                             isalnum((unsigned char)q[1]);
        cells += *q == '|' || *q == '\t';
        stops += *q == '.' || *q == '!' || *q == '?';
        count[SH_PERCENT] += *q == '%';
        count[SH_TIME] += q > s && isdigit((unsigned char)q[-1]) && *q == ':' && q + 2 < e &&
                          isdigit((unsigned char)q[1]) && isdigit((unsigned char)q[2]) &&
                          (q + 3 == e || !isdigit((unsigned char)q[3]));
    }
    count[SH_TABLE] += cells >= 2;
    count[SH_HEADING] +=
        *s == '#' || (n < 60 && stops == 0 && cells == 0 && isupper((unsigned char)*s) &&
                      !memchr(s, ':', (size_t)(e - s)));
    count[SH_LETTER] += e[-1] == ',' && e - s <= 48 && words <= 6;
    count[SH_SIGNATURE] += (e - s >= 8 && (strspn(s, "_") >= 8 || strspn(s, ".") >= 8)) ||
                           memmem(s, (size_t)(e - s), "________", 8) != NULL;
    const char *b = s;
    if (b + 1 < e && (*b == '-' || *b == '*') && b[1] == ' ')
        b += 2;
    count[SH_TICK] +=
        (e - b >= 3 && b[0] == '[' && (b[1] == 'x' || b[1] == 'X') && b[2] == ']') ||
        (e - b >= 3 && (memcmp(b, "\xe2\x9c\x93", 3) == 0 || memcmp(b, "\xe2\x9c\x94", 3) == 0 ||
                        memcmp(b, "\xe2\x98\x91", 3) == 0));
    count[SH_TIMELINE] += e - b >= 5 && isdigit((unsigned char)b[0]) &&
                          isdigit((unsigned char)b[1]) && b[2] == ':' &&
                          isdigit((unsigned char)b[3]) && isdigit((unsigned char)b[4]);
    for (const char *q = s; q < e; q++) {
        int start = q == s || q[-1] == ' ' || q[-1] == '|' || q[-1] == ':' || q[-1] == '`';
        if (*q == '+' && start && q + 1 < e &&
            (isdigit((unsigned char)q[1]) || q[1] == '$' || (unsigned char)q[1] >= 0xc2 ||
             isupper((unsigned char)q[1])))
            count[SH_DELTA]++;
        else if ((q + 1 < e && q[0] == '-' && q[1] == '>' && q > s && q[-1] == ' ') ||
                 (e - q >= 3 && memcmp(q, "\xe2\x86\x92", 3) == 0))
            count[SH_DELTA]++;
        if (start && q + 2 < e &&
            ((q[0] == '/' && isalpha((unsigned char)q[1]) &&
              memchr(q + 2, '/', (size_t)(e - q - 2))) ||
             (q[0] == '~' && q[1] == '/') ||
             (isalpha((unsigned char)q[0]) && q[1] == ':' && q[2] == '\\')))
            count[SH_PATH]++;
    }
    count[SH_PATH] += e - s >= 3 && memcmp(s, "```", 3) == 0;
    count[SH_QUESTION] += e[-1] == '?';
    const char *colon = memchr(s, ':', (size_t)(e - s));
    count[SH_LABEL] += colon && colon > s && colon - s < 32 && colon + 1 < e && colon[1] == ' ';
}

int og_infer__doc_tokens(const char *text, size_t len, og_infer__token_fn fn, void *arg)
{
    const char *end = text + len, *gap = text;
    for (const char *p = text; p < end; p++) {
        char value[64], cur[4], iso[11];
        int money = 0, fmt, date = 0;
        size_t n;
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ','))
            continue;
        if ((n = og_infer__date_at(p, iso, &fmt)) > 0) /* a date's numbers are no amount */
            date = 1;
        else if ((n = og_infer__number_at(p, value, sizeof(value), cur, &money)) == 0)
            continue;
        if (fn(arg, gap, (size_t)(p - gap), date ? NULL : value, money))
            return 1;
        p += n - 1;
        gap = p + 1;
    }
    return 0;
}

/* og_infer__doc_shape's count of dates and amounts */
static int count_token(void *arg, const char *gap, size_t gap_len, const char *value, int money)
{
    int *count = arg;
    (void)gap;
    (void)gap_len;
    if (!value)
        count[SH_DATE]++;
    else
        count[SH_MONEY] += money;
    return 0;
}

int og_infer__doc_shape(const char *text, size_t len, int *ids, int max)
{
    int count[SH_KINDS] = {0}, k = 0, step = 0;
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        shape_line(p, e, count, &step);
        p = e + 1;
    }
    og_infer__doc_tokens(text, len, count_token, count);
    count[SH_PRICED_SIGNED] = count[SH_MONEY] >= 3 && count[SH_SIGNATURE] > 0;
    for (int s = 0; s < SH_KINDS && k < max; s++)
        ids[k++] = s * 5 + bucket(count[s]);
    return k;
}

int og_infer__doc_shape_bucket(const int *ids, int n, int measure)
{
    return measure >= 0 && measure < n ? ids[measure] - measure * 5 : -1;
}
