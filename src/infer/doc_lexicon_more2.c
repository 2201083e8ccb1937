/* doc_lexicon_more2.c - the document classifier's concepts in five more languages (issue 21):
 * Hungarian, Slovak, Estonian, Lithuanian and Latvian, the languages of MSP clients in central
 * Europe and the Baltics. The terms of each concept of doc_lexicon.c as a glossary of contracts,
 * change control, operations, project closure and office correspondence lists them (szerződés,
 * módosítás, átadás-átvétel; zmluva, dodatok, odovzdanie; leping, muudatus, üleandmine; sutartis,
 * pakeitimas, perdavimas; līgums, izmaiņas, nodošana ...), written from general terminology of the
 * languages, without opening any test document or blind corpus. The same notation as
 * doc_lexicon.c, accent-folded (ő o, ű u, ä a, ô o, ľ l, õ o, ą a, ė e, ų u, ā a, ķ k, ļ l, ņ n):
 * a term is a word's prefix (the case endings of these languages follow the stem: "szerzodes"
 * reads szerződését, "leping" lepingu, "sutart" sutarties, "ligum" līgumā), "=word" the whole
 * word, "+term" also inside a compound word (Hungarian and Estonian compounds: változáskérés,
 * varukoopia), and "~stem" a stem of three or four letters whose word goes on by a case ending of
 * at most three letters (Lithuanian kaina, kainos, kainą; Estonian kulu, kulud): a prefix that
 * short would read unrelated words, a whole word would miss the cases. A term already in the
 * other tables (Czech "zaloh" reads Slovak záloha, "rizik" riziko) is not repeated. Merged into
 * the lexicon by concept name (og_infer__concepts). */
#include "infer/infer_internal.h"

const og_infer__concept_terms og_infer__lexicon_more2[] = {
    /* what a statement of work is made of */
    {"statement-of-work", "+munkaleiras +feladatleiras +szolgaltatasleiras +lahteulesan"
                          " +tookirjeldus"},
    {"scope", "+hatokor +terjedel ulatus apimt apjom"},
    {"deliverable", "+szallit +tarne tarni pristat piegad nodevum"},
    {"service", "+szolgaltatas =sluzieb =sluzbach =sluzbami +teenus paslaug +pakalpojum"},
    {"fee", "=dij =dija =dijat =dijak =dijai dijaz +dijszab =arak =arat =aron poplat =hind =hinda"
            " hinna ~tasu ~kain mokest mokesc =cenas =cenam =cenai =maksa =maksas"},
    {"proposal", "+ajanlat ponuk +pakkumi pasiulym +piedavajum"},
    {"contract", "+szerzodes zmluv +leping sutart ligum"},
    {"milestone", "+merfoldko +verstapost starpposm"},
    {"payment-terms", "szamlaz fizetesi platobn +arveld +maksetingimu mokejim +norekin apmaks"},
    {"effort", "+raford +munkaor +embernap +toomaht +inimpaev sanaud +darbietilp +cilvekdien"},
    {"hourly-rate", "+oradij =sadzba =sadzby =sadzbu +tunnihin +tunnitasu valandin ikaini =likme"
                    " =likmes =likmi"},
    {"assumption", "feltetelez eeldus prielaid pienemum"},
    {"out-of-scope", "kizarv =kizart vylucen nezahrna valistat neitrauk isskyrus neietilp"
                     " iznemot"},
    {"term", "felmond megszun ulesutl nutrauk izbeig uzteik"},
    /* change control */
    {"change", "+valtozas +valtoztat +modosit =zmenou +muudatu muutmi pakeit pakeis ~pokyt"
               " pokyci +izmain"},
    {"amendment", "+kiegeszit =dodatok +lisalepin +grozijum pielikum"},
    {"request", "=keres =kerest =keresek =keresre =keresere +kerelem +kerelm +igeny ziados"
                " poziadav +taotlu prasym uzklaus pieprasi +lugum"},
    {"reason", "indokl =dovod =dovodu =dovody zdovodnen pohjend ~pohjus priezast pagrindim iemesl"
               " pamatojum"},
    {"impact", "hatas vplyv ~moju poveik ~itak ietekm"},
    {"original", "eredeti povodn esialg =algne =algse pradin sakotnej"},
    {"revised", "+atdolgoz frissit upraven uuendat muudet atnaujint patikslint atjaunin"
                " parskatit"},
    {"additional", "tovabbi +tobblet dodatocn +viacprac taiendav +lisatoo papildom papildu"},
    {"increase", "noveked noveles emeles suurenda suurene padidej padidin palielin pieaugum"},
    {"delay", "+kesedel =keses =kesest +halaszt oneskoren +viivitu +edasilukk velavim atidet"
              " atidej kavej atliksan =atlikt"},
    {"replace", "+csere vymen asenda nomain aizstat"},
    {"approval", "jovahagy engedelyez heakskiit patvirtin pritar apstiprin"},
    {"cost", "+koltseg =naklady =nakladoch nakladov ~kulu islaid izmaks"},
    /* operations */
    {"runbook", "+kezikonyv +utmutato +kasiraamat +juhend +zinyn +rokasgramat"},
    {"operations", "+uzemelt prevadzk +kaitus eksploatac operacij ekspluatac"},
    {"procedure", "eljaras +folyamat utasitas protseduur instrukcij kartib"},
    {"step", "lepes =krokov =samm =sammu =sammud =sammul =samme zingsn =solis =soli"},
    {"prerequisite", "elofeltetel eeltingimu isankstin prieksnoteikum"},
    {"rollback", "visszagorget tagasipoor tagasiker vraten grazinim atritin atgriez"},
    {"restore", "visszaall helyreall taast atkurt atstat atjauno atkopt"},
    {"restart", "+ujraindit +taaskaivit perkrau parstart"},
    {"stop-start", "+leallit indit +elindit peata kaivita sustabd paleist paleisk apturet palaist"
                   " palaid"},
    {"backup", "+adatment mentes +varukoopi varunda atsargin"
               " =rezerves"},
    {"command", "parancs futtat futtas vykonaj kasklus komand vykdy izpild"},
    {"verify", "ellenor skontrol kontrolli veendu patikrin tikrin parbaud"},
    {"maintenance", "+karbantart +hooldus hoolda prieziur aptarnav =apkope =apkopes =apkopi"
                    " uzturesan"},
    {"escalate", "eszkal eskalac eskalav eskalee"},
    {"logs", "+naplo =logov =logid =logisid +logifail zurnal =logai =logus"},
    {"configuration", "beallit nastaven konfigurats seadist =seaded nustatym iestatijum"},
    {"monitoring", "+felugyel +monitoroz +riaszt dohlad +seire +jalgimi +hoiatus stebesen"
                   " stebejim ispejim uzraudz bridinajum"},
    {"incident", "+incidens +uzemzavar +kieses vypadok intsident ~rike =rikke sutrik +traucejum"},
    {"node", "+szerver +kiszolgalo =uzol =uzla =solm =solme =mazgas =mazgo =mezgls =mezgla"},
    {"duration", "idotartam kestus trukm ilgum"},
    /* project closure */
    {"closure", "+lezar +zaras +zarojelent uzavret +lopeta +sulgemi uzdarym nosleg"},
    {"completion", "befejez teljesit valminu +teostat uzbaig =baigta =baigtas ivykdyt pabeig"},
    {"acceptance", "+atvetel +elfogad prevzat +vastuvot priemim pienemsan"},
    {"lessons-learned", "tanulsag +tapasztalat poucen skusenost +kogemus +oppetund =opitu pamok"
                        " patirt pieredz"},
    {"handover", "+atadas ~atad odovzd +uleand perdav perduot nodosan nodot"},
    {"final", "+vegleges =zaro zaverecn baigiam =lopp loplik galutin galig nobeigum"},
    {"warranty", "garanci +szavatoss +jotall garantii garantij"},
    {"signature", "alair allkir =parasas =paraso =parasai pasiras parakst"},
    {"budget", "+koltsegvetes +eelarve biudzet"},
    {"objective", "+celkituz =celja =celunk =ciel =ciele =cielom =cielu eesmark =tikslas"
                  " =tikslai =tikslo =tikslu =merkis =merka =merki"},
    {"outcome", "eredmeny tulemus iznakum"},
    {"open-items", "+nyitott fuggoben otvoren nevyries +lahtis pooleli neisspres atvir"
                   " neatrisin"},
    {"risk", "kockazat"},
    {"archive", "arhiiv archyv"},
    {"confirm", "megerosit visszaigazol kinnit"},
    {"thanks", "koszon dakuj =aitah =tanan =taname =tanu dekoj =aciu paldies pateic"},
    /* what is none of these */
    {"meeting", "+megbeszeles +ertekezlet +jegyzokonyv +resztvev stretnut zapisnic +koosolek"
                " +protokoll osaleja susitik posedz protokol dalyv sanaksm sapulc dalibniek"},
    {"newsletter", "+hirlevel =hirek spravodaj +uudiskiri =uudised naujien +jaunum +apkartrakst"},
    {"staff", "munkatars +dolgoz +tootaja +kolleeg darbuotoj koleg darbiniek"},
    {"policy", "+szabalyzat iranyelv +poliitik eeskiri taisykl noteikum"},
    {"invoice", "+szamla ~arve saskait rekin"},
    {"payment-reminder", "+felszolit +emlekezteto +lejart +hatral upomien neuhraden"
                         " +meeldetuletus +volgnevus priminim pradelst +isiskolin atgadinajum"
                         " neapmaksat"},
    {"announcement", "+kozlemeny bejelent =oznam +teadaan pranesim skelbim pazinojum"},
    {"training", "+kepzes +oktatas tanfolyam +koolitu mokym +apmacib macib"},
    {"holiday", "+szabadsag +unnep munkaszunet sviat puhkus +riigipuh =puhad atostog =svente"
                " =sventes atvalinajum svetk"},
    {"event", "+rendezveny podujat +uritus rengin pasakum"},
    {"password", "+jelszo =hesiel +parool slaptazod parol"},
    {"report", "+jelentes +beszamolo =sprava =spravu =spravy =sprave =hlasenie +aruan ataskait"
               " +parskat +atskait"},
    {"notice", "+ertesit +tajekoztat +teavit"},
    {"welcome", "udvozol vitaj =tulemast sveikin =laipni"},
    {"greeting", "=kedves =tisztelt =szia =dobry =mily =mila =tere =hea =lugupeetud gerbiam"
                 " =sveiki =labas =laba =labdien cienijam"},
    {"regards", "+udvozlet =tisztelettel =pozdravom =lugupidamisega =parimate =pagarbiai"
                " =linkejimai =cienu =sveicieniem"},
    {"downtime", "+leallas kimaradas szunet +katkest +seisak kattesaamatu prastov nepasiekiam"
                 " +pertrauk +partraukum nepieejam"},
    {"user", "felhasznal pouzivatel +kasutaja naudotoj vartotoj lietotaj"},
    {"ticket", "+hibajegy =jegy =jegyet =jegyek =tiketov poordumi pieteikum"},
    {"survey", "+kerdoiv +elegedettseg felmeres prieskum spokojnost +kusitlus +rahulolu apklaus"
               " pasitenkinim aptauj apmierinat"},
    /* issue 21: paperwork that looks like a kind and is none */
    {"purchase-order", "+megrendel +beszerz +tellimus hange uzsakym pirkim pasutijum iepirkum"},
    {"credit-note", "+jovairas +kreeditarve kreditin +kreditrekin"},
    {"agreement-terms", "+felelosseg +titoktart +birosag zodpovedn mlcanliv =sudu +vastutus"
                        " konfidents =kohus =kohtu atsakomyb konfidencial =teismas =teismo"
                        " atbildib"},
    {"progress", "+haladas +elorehalad +edenem pazang virzib"},
    {"inventory", "+leltar +eszkozlist =supis inventor"},
};

const size_t og_infer__lexicon_more2_n =
    sizeof(og_infer__lexicon_more2) / sizeof(og_infer__lexicon_more2[0]);
