/* doc_lexicon_more2.c - the document classifier's concepts in seven more languages (issue 21):
 * Hungarian, Slovak, Estonian, Lithuanian and Latvian (and Croatian and Slovenian), the languages
 * of MSP clients in central Europe and the Baltics. The terms of each concept of doc_lexicon.c as a
 * glossary of contracts, change control, operations, project closure and office correspondence
 * lists them (szerződés, módosítás, átadás-átvétel; zmluva, dodatok, odovzdanie; leping, muudatus,
 * üleandmine; sutartis, pakeitimas, perdavimas; līgums, izmaiņas, nodošana ...), written from
 * general terminology of the languages, without opening any test document or blind corpus. The same
 * notation as doc_lexicon.c, accent-folded (ő o, ű u, ä a, ô o, ľ l, õ o, ą a, ė e, ų u, ā a, ķ k,
 * ļ l, ņ n): a term is a word's prefix (the case endings of these languages follow the stem:
 * "szerzodes" reads szerződését, "leping" lepingu, "sutart" sutarties, "ligum" līgumā), "=word" the
 * whole word, "+term" also inside a compound word (Hungarian and Estonian compounds: változáskérés,
 * varukoopia), and "~stem" a stem of three or four letters whose word goes on by a case ending of
 * at most three letters (Lithuanian kaina, kainos, kainą; Estonian kulu, kulud): a prefix that
 * short would read unrelated words, a whole word would miss the cases. A term already in the
 * other tables (Czech "zaloh" reads Slovak záloha, "rizik" riziko) is not repeated. Each
 * concept's list ends with its Croatian and Slovenian terms (ugovor, pogodba; promjena,
 * sprememba; primopredaja; č ć đ folded to c c d), written before their documents of the
 * held-out family. Merged into the lexicon by concept name (og_infer__concepts). */
#include "infer/infer_internal.h"

const og_infer__concept_terms og_infer__lexicon_more2[] = {
    /* what a statement of work is made of */
    {"statement-of-work", "+munkaleiras +feladatleiras +szolgaltatasleiras +lahteulesan"
                          " +tookirjeldus"},
    {"scope",
     "+hatokor +terjedel ulatus apimt apjom =opseg =opsega =opsegu =obseg =obsega =obsegu"},
    {"deliverable", "+szallit +tarne tarni pristat piegad nodevum isporuk dostav"},
    {"service", "+szolgaltatas =sluzieb =sluzbach =sluzbami +teenus paslaug +pakalpojum =usluge "
                "=uslugu =uslugama storitev storitv"},
    {"fee", "=dij =dija =dijat =dijak =dijai dijaz +dijszab =arak =arat =aron poplat =hind =hinda"
            " hinna ~tasu ~kain mokest mokesc =cenas =cenam =cenai =maksa =maksas =cijena =cijene "
            "=cijenu naknad =cene =ceno nadomestil"},
    {"proposal", "+ajanlat ponuk +pakkumi pasiulym +piedavajum ponud ponudb"},
    {"contract", "+szerzodes zmluv +leping sutart ligum ugovor pogodb"},
    {"milestone", "+merfoldko +verstapost starpposm mejnik prekretnic"},
    {"payment-terms", "szamlaz fizetesi platobn +arveld +maksetingimu mokejim +norekin apmaks "
                      "fakturir placanj placil"},
    {"effort", "+raford +munkaor +embernap +toomaht +inimpaev sanaud +darbietilp +cilvekdien"},
    {"hourly-rate", "+oradij =sadzba =sadzby =sadzbu +tunnihin +tunnitasu valandin ikaini =likme"
                    " =likmes =likmi =satnica =satnice"},
    {"assumption", "feltetelez eeldus prielaid pienemum pretpostav predpostav"},
    {"out-of-scope", "kizarv =kizart vylucen nezahrna valistat neitrauk isskyrus neietilp"
                     " iznemot iskljucen izkljucen"},
    {"term", "felmond megszun ulesutl nutrauk izbeig uzteik raskid odpoved prekinit"},
    /* change control */
    {"change", "+valtozas +valtoztat +modosit =zmenou +muudatu muutmi pakeit pakeis ~pokyt"
               " pokyci +izmain promjen izmjen sprememb"},
    {"amendment", "+kiegeszit =dodatok +lisalepin +grozijum pielikum =dodatak =dodatka"},
    {"request", "=keres =kerest =keresek =keresre =keresere +kerelem +kerelm +igeny ziados"
                " poziadav +taotlu prasym uzklaus pieprasi +lugum zahtjev zahtev"},
    {"reason", "indokl =dovod =dovodu =dovody zdovodnen pohjend ~pohjus priezast pagrindim iemesl"
               " pamatojum =razlog =razloga =razlozi obrazlozen utemeljit"},
    {"impact", "hatas vplyv ~moju poveik ~itak ietekm utjecaj vpliv"},
    {"original", "eredeti povodn esialg =algne =algse pradin sakotnej izvorn prvotn izvirn"},
    {"revised", "+atdolgoz frissit upraven uuendat muudet atnaujint patikslint atjaunin"
                " parskatit revidiran azuriran posodobljen popravljen"},
    {"additional", "tovabbi +tobblet dodatocn +viacprac taiendav +lisatoo papildom papildu dodatn"},
    {"increase",
     "noveked noveles emeles suurenda suurene padidej padidin palielin pieaugum povecan"},
    {"delay", "+kesedel =keses =kesest +halaszt oneskoren +viivitu +edasilukk velavim atidet"
              " atidej kavej atliksan =atlikt kasnjenj odgod zamud"},
    {"replace", "+csere vymen asenda nomain aizstat zamjen zamenja"},
    {"approval", "jovahagy engedelyez heakskiit patvirtin pritar apstiprin odobri odobren"},
    {"cost",
     "+koltseg =naklady =nakladoch nakladov ~kulu islaid izmaks =trosak troskov =strosek strosk"},
    /* operations */
    {"runbook", "+kezikonyv +utmutato +kasiraamat +juhend +zinyn +rokasgramat prirucnik prirocnik"},
    {"operations", "+uzemelt prevadzk +kaitus eksploatac operacij ekspluatac operativn"},
    {"procedure",
     "eljaras +folyamat utasitas protseduur instrukcij kartib =upute =uputa postop navodil"},
    {"step", "lepes =krokov =samm =sammu =sammud =sammul =samme zingsn =solis =soli korak =koraci"},
    {"prerequisite", "elofeltetel eeltingimu isankstin prieksnoteikum preduvjet predpogoj"},
    {"rollback",
     "visszagorget tagasipoor tagasiker vraten grazinim atritin atgriez vracanj povrnit"},
    {"restore", "visszaall helyreall taast atkurt atstat atjauno atkopt oporav"},
    {"restart", "+ujraindit +taaskaivit perkrau parstart"},
    {"stop-start", "+leallit indit +elindit peata kaivita sustabd paleist paleisk apturet palaist"
                   " palaid zaustav pokren zazen zagon"},
    {"backup", "+adatment mentes +varukoopi varunda atsargin"
               " =rezerves =kopija =kopije =kopijo =kopiju"},
    {"command",
     "parancs futtat futtas vykonaj kasklus komand vykdy izpild naredb =ukaz =ukaza =ukazi izvrsi"},
    {"verify", "ellenor skontrol kontrolli veendu patikrin tikrin parbaud provjer preveri"},
    {"maintenance", "+karbantart +hooldus hoolda prieziur aptarnav =apkope =apkopes =apkopi"
                    " uzturesan odrzavanj vzdrzevanj"},
    {"escalate", "eszkal eskalac eskalav eskalee"},
    {"logs", "+naplo =logov =logid =logisid +logifail zurnal =logai =logus dnevnik"},
    {"configuration",
     "beallit nastaven konfigurats seadist =seaded nustatym iestatijum postavk nastavit"},
    {"monitoring", "+felugyel +monitoroz +riaszt dohlad +seire +jalgimi +hoiatus stebesen"
                   " stebejim ispejim uzraudz bridinajum nadzor pracenj spremljanj"},
    {"incident", "+incidens +uzemzavar +kieses vypadok intsident ~rike =rikke sutrik +traucejum "
                 "=kvar =kvara ispad izpad"},
    {"node", "+szerver +kiszolgalo =uzol =uzla =solm =solme =mazgas =mazgo =mezgls =mezgla =cvor "
             "=cvora =vozlisce"},
    {"duration", "idotartam kestus trukm ilgum trajanj"},
    /* project closure */
    {"closure",
     "+lezar +zaras +zarojelent uzavret +lopeta +sulgemi uzdarym nosleg zatvaranj zakljuc zaprtj"},
    {"completion", "befejez teljesit valminu +teostat uzbaig =baigta =baigtas ivykdyt pabeig "
                   "dovrsen zavrsen dokoncan koncan"},
    {"acceptance", "+atvetel +elfogad prevzat +vastuvot priemim pienemsan prihvacanj prevzem"},
    {"lessons-learned", "tanulsag +tapasztalat poucen skusenost +kogemus +oppetund =opitu pamok"
                        " patirt pieredz iskustv izkusnj"},
    {"handover", "+atadas ~atad odovzd +uleand perdav perduot nodosan nodot primopredaj izroci"},
    {"final",
     "+vegleges =zaro zaverecn baigiam =lopp loplik galutin galig nobeigum zavrsn konacn koncn"},
    {"warranty", "garanci +szavatoss +jotall garantii garantij jamstv garancij"},
    {"signature", "alair allkir =parasas =paraso =parasai pasiras parakst potpis"},
    {"budget", "+koltsegvetes +eelarve biudzet proracun"},
    {"objective",
     "+celkituz =celja =celunk =ciel =ciele =cielom =cielu eesmark =tikslas"
     " =tikslai =tikslo =tikslu =merkis =merka =merki =cilj =cilja =ciljevi =ciljeve =cilji"},
    {"outcome", "eredmeny tulemus iznakum ishod =izid =izida"},
    {"open-items", "+nyitott fuggoben otvoren nevyries +lahtis pooleli neisspres atvir"
                   " neatrisin odprt"},
    {"risk", "kockazat tveganj"},
    {"archive", "arhiiv archyv"},
    {"confirm", "megerosit visszaigazol kinnit potrdi"},
    {"thanks", "koszon dakuj =aitah =tanan =taname =tanu dekoj =aciu paldies pateic zahval =hvala"},
    /* what is none of these */
    {"meeting", "+megbeszeles +ertekezlet +jegyzokonyv +resztvev stretnut zapisnic +koosolek"
                " +protokoll osaleja susitik posedz protokol dalyv sanaksm sapulc dalibniek sastan "
                "zapisnik sestan"},
    {"newsletter", "+hirlevel =hirek spravodaj +uudiskiri =uudised naujien +jaunum +apkartrakst "
                   "=novosti bilten =novice"},
    {"staff",
     "munkatars +dolgoz +tootaja +kolleeg darbuotoj koleg darbiniek zaposlen djelatnik sodelav"},
    {"policy", "+szabalyzat iranyelv +poliitik eeskiri taisykl noteikum pravilnik"},
    {"invoice", "+szamla ~arve saskait rekin =racun =racuna =racunu"},
    {"payment-reminder", "+felszolit +emlekezteto +lejart +hatral upomien neuhraden"
                         " +meeldetuletus +volgnevus priminim pradelst +isiskolin atgadinajum"
                         " neapmaksat opomen opomin dospjel zapadl"},
    {"announcement", "+kozlemeny bejelent =oznam +teadaan pranesim skelbim pazinojum najav"},
    {"training", "+kepzes +oktatas tanfolyam +koolitu mokym +apmacib macib edukacij =obuka =obuke "
                 "usposabljanj izobrazevanj"},
    {"holiday", "+szabadsag +unnep munkaszunet sviat puhkus +riigipuh =puhad atostog =svente"
                " =sventes atvalinajum svetk praznik =godisnji dopust"},
    {"event", "+rendezveny podujat +uritus rengin pasakum =dogadaj dogodek dogodk"},
    {"password", "+jelszo =hesiel +parool slaptazod parol lozink =geslo =gesla"},
    {"report", "+jelentes +beszamolo =sprava =spravu =spravy =sprave =hlasenie +aruan ataskait"
               " +parskat +atskait izvjesc izvjestaj porocil"},
    {"notice", "+ertesit +tajekoztat +teavit obavijest obvestil"},
    {"welcome", "udvozol vitaj =tulemast sveikin =laipni dobrodos"},
    {"greeting", "=kedves =tisztelt =szia =dobry =mily =mila =tere =hea =lugupeetud gerbiam"
                 " =sveiki =labas =laba =labdien cienijam =postovani =postovana =spostovani "
                 "=spostovana =dragi =draga"},
    {"regards", "+udvozlet =tisztelettel =pozdravom =lugupidamisega =parimate =pagarbiai"
                " =linkejimai =cienu =sveicieniem =srdacno =lep"},
    {"downtime", "+leallas kimaradas szunet +katkest +seisak kattesaamatu prastov nepasiekiam"
                 " +pertrauk +partraukum nepieejam prekid nedosegljiv"},
    {"user",
     "felhasznal pouzivatel +kasutaja naudotoj vartotoj lietotaj korisnik korisnic uporabnik"},
    {"ticket", "+hibajegy =jegy =jegyet =jegyek =tiketov poordumi pieteikum =prijava =prijave"},
    {"survey", "+kerdoiv +elegedettseg felmeres prieskum spokojnost +kusitlus +rahulolu apklaus"
               " pasitenkinim aptauj apmierinat anket =upitnik vprasalnik zadovoljstv"},
    /* issue 21: paperwork that looks like a kind and is none */
    {"purchase-order",
     "+megrendel +beszerz +tellimus hange uzsakym pirkim pasutijum iepirkum narudzb narocil nabav"},
    {"credit-note", "+jovairas +kreeditarve kreditin +kreditrekin"},
    {"agreement-terms", "+felelosseg +titoktart +birosag zodpovedn mlcanliv =sudu +vastutus"
                        " konfidents =kohus =kohtu atsakomyb konfidencial =teismas =teismo"
                        " atbildib odgovorn povjerljiv zaupn sodisc =sud =suda"},
    {"progress", "+haladas +elorehalad +edenem pazang virzib napred"},
    {"inventory", "+leltar +eszkozlist =supis inventor"},
};

const size_t og_infer__lexicon_more2_n =
    sizeof(og_infer__lexicon_more2) / sizeof(og_infer__lexicon_more2[0]);
