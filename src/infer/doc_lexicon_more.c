/* doc_lexicon_more.c - the document classifier's concepts in five more languages (issue 21):
 * Danish, Norwegian (bokmål), Czech, Finnish and Romanian, the terms of each concept of
 * doc_lexicon.c as a glossary of contracts, change control, operations, project closure and
 * office correspondence lists them (contract, change request, amendment, scope, acceptance,
 * handover, operating procedure, restart, backup, invoice, minutes ...), written from general
 * terminology of the languages, without opening any test document or blind corpus. The same
 * notation as doc_lexicon.c (accent-folded: ø o, æ ae, å a, ř r, ů u, ä a, ș s, ț t; a prefix,
 * "=word" the whole word, "+term" also inside a compound word); a term already in the main
 * lexicon (Swedish "+avtal" reads Norwegian "avtale", Polish "faktur" Czech "faktura") is not
 * repeated. Merged into the lexicon by concept name (og_infer__concepts). */
#include "infer/infer_internal.h"

const og_infer__concept_terms og_infer__lexicon_more[] = {
    /* what a statement of work is made of */
    {"statement-of-work", "+arbejdsbeskrivelse +ydelsesbeskrivelse +arbeidsbeskrivelse"
                          " +oppdragsbeskrivelse zadavaci specifikac +tyonkuvaus +toimeksianto"
                          " +palvelukuvau =caiet =caietul"},
    {"scope", "+omfang rozsah +rajaus laajuu perimetru =acoperire"},
    {"deliverable", "+leverance levere =levert =leveret dodavk dodani +vystup toimitu toimitett"
                    " toimitta livrab livrar livrat"},
    {"service", "=ydelse =ydelser +tjeneste +ytelse =sluzba =sluzby =sluzeb =sluzbu palvelu"
                " =servicii =serviciile =serviciu =serviciul"},
    {"fee", "+vederlag =cenu odmen =hinta =hinnat =hinnan +palkkio =pret =pretul =preturi"
            " onorari"},
    {"proposal", "+tilbud nabidk =navrh =navrhu tarjou ehdotu propuner"},
    {"contract", "+kontrakt +aftale smlouv +smluv +sopimu acord"},
    {"milestone", "+milepael milnik +virstanpylva +valitavoit jaloan"},
    {"payment-terms", "+betalingsbeting +betalingsvilkar fakturac +platebni laskutu +maksuehd"
                      " facturar"},
    {"effort", "+indsats +innsats +timeforbrug +timeforbruk pracnost +cloveko tyomaar"
               " +henkilotyopaiv efort"},
    {"hourly-rate", "+timepris +timesats hodinov =sazba =sazby =sazbu tuntihin =tariful"
                    " =tarifului"},
    {"assumption", "+antagelse predpoklad oletu ipotez premis"},
    {"out-of-scope", "undtaget +undtagelse unntatt +unntak vyjimk vylouc nezahrnu ulkopuol"
                     " exclus"},
    {"term", "+opsigelse +oppsigelse vypoved irtisano rezilier"},
    /* change control */
    {"change", "+aendring +endring =zmena =zmeny =zmenu =zmene +zmenov +muutos +muutok schimbar"},
    {"amendment", "+tillaeg +tillegg dodatk =dodatek +lisasopimu"},
    {"request", "+anmodning +foresporsel +foresporgsel pozadav zadost +pyynto +pyynno cerer"
                " solicitar"},
    {"reason", "+begrundelse arsag +begrunnelse =arsak =grunn duvod oduvodn perustelu =syy"
               " =syyna =motivul justificar"},
    {"impact", "pavirk +innvirkning dopad vaikutu"},
    {"original", "oprindelig opprinnelig puvodni alkuperai"},
    {"revised", "revider opdater oppdater revidovan aktualizovan paivitet revizuit actualizat"},
    {"additional", "yderlig ytterligere +merarbejde +merarbeid dodatecn +viceprac"
                   " +lisatyo suplimentar aditional"},
    {"increase", "forhoj stigning navysen zvysen korotu crester majorar"},
    {"delay", "forsinkel udskyd utsett zpozd odklad viivast lykkay intarzier amanar"},
    {"replace", "erstatte nahrad korvaa inlocui"},
    {"approval", "godkend godkjen schval hyvaksy aprob"},
    {"cost", "omkostning +udgift kustannu =costuri =costul =costurile"},
    /* operations */
    {"runbook", "+driftsmanual +driftsvejledning +driftshandbog +vejledning +veiledning priruck"
                " +kayttoohje ajokirja +toimintaohje =manualul =ghid =ghidul"},
    {"operations", "provoz operar operatiun"},
    {"procedure", "+instruks postup =navod =navodu menettely instructiun"},
    {"step", "=trin =trinn =kroky =kroku vaihe =pasul =pasi"},
    {"prerequisite", "+forudsaetning +forutsetning +edellyty +cerint precondit"},
    {"rollback", "+tilbagerul +tilbagefor +tilbakerull +tilbakefor navrat vraceni peruutu"
                 " revenir"},
    {"restore", "gendan +genskab gjenopprett obnov palaut"},
    {"restart", "+genstart +restartuj +uudelleenkay repornir reporn"},
    {"stop-start", "=stoppe =starte =standse zastav spust pysayt kaynnist oprit porni"},
    {"backup", "+sikkerhedskopi +sikkerhetskopi zaloh varmuuskop"},
    {"command", "udfor =kjor prikaz provedt komento komenno +suorita suoritet comand executa"},
    {"verify", "kontroller =tjek tjekke sjekk verificer overit overte zkontroluj tarkista"
               " varmista verificat controla"},
    {"maintenance", "+vedligehold +vedlikehold udrzb +yllapi +huolto mentenant intretiner"},
    {"escalate", "escaladar"},
    {"logs", "+logfil +loggfil =logy =logu =loki =lokit +lokitied =jurnal =jurnalul =jurnale"},
    {"configuration", "konfigurasj konfigurac konfiguraat asetuks =asetus configurar configurat"},
    {"monitoring", "+overvagning +overvaking monitorovan dohled valvon +halytys monitorizar"},
    {"incident", "haendelse +hendelse +nedbrud vypadek poruch hairio"},
    {"node", "=uzel =uzlu palvelin palvelim =nod =nodul"},
    {"duration", "varighed varighet =doba trvani kesto durat"},
    /* project closure */
    {"closure", "+afslut uzavren ukonceni paattami +paatos inchider"},
    {"completion", "afsluttet fuldfort faerdig fullfort ferdigstil avsluttet gjennomfort dokoncen"
                   " splnen realizovan =valmis valmistun toteutet finaliza incheiat realizat"},
    {"acceptance", "accept +akseptanse aksept akceptac prevzet vastaanot +hyvaksymistest"
                   " acceptar receptie"},
    {"lessons-learned", "+erfaring +laerdom ponaucen zkusenost opittu kokemu =lectii invatat"},
    {"handover", "+overdrag +overlevering +overtakelse predan luovutu +luovute predar transfer"},
    {"final", "endelig konecn lopullin +loppu =finala =finalul"},
    {"warranty", "zaruk zarucn takuu"},
    {"signature", "underskrev +signatur signert allekirjoi semnat"},
    {"budget", "budsjett rozpoc budjet buget"},
    {"objective", "malsaetning +malsetting =cil =cile =cilem =cilu tavoit obiectiv"},
    {"outcome", "vysled tulos tuloks"},
    {"open-items", "udestaend =abne utestaend =apne otevren nevyres avoim keskenerai =deschise"
                   " +nerezolvat"},
    {"risk", "=risici =risikoer rizik riski =risc =riscul riscur"},
    {"archive", "arkist arhiv"},
    {"confirm", "bekraeft bekreft potvrd potvrz vahvist"},
    {"thanks", "=tak =takk dekuj kiitos kiita multum"},
    /* what is none of these */
    {"meeting", "+referat +motereferat schuzk zapis ucastni kokous kokouk poytakirj osallistuj"
                " sedint"},
    {"newsletter", "+nyhedsbrev =nyheder zpravodaj =novinky uutiskirj uutis buletin =noutati"},
    {"staff", "+medarbejder +medarbeider +ansatt +ansat zamestnan =kolega =kolegove tyontekij"
              " +henkilost angajat =colegi"},
    {"policy", "+politik +retningslinje zasad smernic politiik +ohjeistu regulament"},
    {"invoice", "lasku facturi"},
    {"payment-reminder", "+rykker +pamindelse forfald +purring forfalt upomink neuhrazen"
                         " +muistutu eraantyn reamint restant neplatit"},
    {"announcement", "+meddelelse +kunngjoring oznamen tiedotte =tiedote anunt"},
    {"training", "+uddannelse +opplaering skoleni koulutu instruir"},
    {"holiday", "+helligdag =fridag dovolen =svatek =svatky =loma =loman lomakau +pyhapaiv"
                " concedi sarbator"},
    {"event", "=arrangementet udalost tapahtum evenimen"},
    {"password", "+adgangskode +passord =heslo =hesla =hesel salasan =parola =parolei =parolele"},
    {"report", "zprav =hlaseni raportt"},
    {"notice", "+varsel upozorn +ilmoitu notific instiintar"},
    {"welcome", "+velkommen vitejte tervetulo"},
    {"greeting", "=kaere =kjaere =hei =vazeny =vazena =vazeni =ahoj =stimate =stimata =buna"},
    {"regards", "=venlig =vennlig +hilsen =pozdravem =pozdrav terveisin =stima =salutari"},
    {"downtime", "nedetid utilgaengelig utilgjengelig +avbrudd odstavk nedostupn +preruseni"
                 " +katko intrerup"},
    {"user", "+bruger +bruker uzivatel kayttaj utilizator"},
    {"ticket", "=tiket =tikety =tiketti =tiketin +tukipyyn =tichet =tichetul"},
    {"survey", "+undersogelse +tilfredshed +undersokelse +tilfredshet pruzkum dotaznik spokojenost"
               " kysely tyytyvaisyy chestionar sondaj"},
    /* issue 21: paperwork that looks like a kind and is none */
    {"purchase-order", "+indkob +bestilling +innkjop +anskaffelse objednav =nakup =nakupu"
                       " +tilau +hankin achizit =comanda =comenzi"},
    {"credit-note", "+kreditnota dobropis +hyvitys +hyvityslasku =storno"},
    {"agreement-terms", "+erstatningsansvar fortrolig +taushetsplikt +odpovednost mlcenliv"
                        " =soud +vastuu +vahingonkorvau salassapi +tuomioistui raspunder"
                        " confidentialitat =instanta"},
    {"progress", "+fremskridt +fremdrift =pokrok =pokroku +edistym stadiul"},
    {"inventory", "+inventarliste =serie inventa +sarjanumero"
                  " +laiteluettelo"},
};

const size_t og_infer__lexicon_more_n =
    sizeof(og_infer__lexicon_more) / sizeof(og_infer__lexicon_more[0]);
